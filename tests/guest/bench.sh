# SPDX-License-Identifier: GPL-2.0
#
# Guest script of make bench and the bench stage (scripts/bench.sh): the
# suite ran when its module was loaded; say which clocksource the guest
# used and unload.
echo "bench: clocksource $(cat /sys/devices/system/clocksource/clocksource0/current_clocksource)"
rmmod dma_fence_token_bench && rmmod dma_fence_tokens
