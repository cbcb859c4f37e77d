# SPDX-License-Identifier: GPL-2.0
#
# Guest script of make bench and the bench stage (scripts/bench.sh): the
# suites ran when their modules were loaded; say which clocksource the
# guest used and unload.
echo "bench: clocksource $(cat /sys/devices/system/clocksource/clocksource0/current_clocksource)"
if [ -e /sys/module/dma_fence_token_jobq_bench ]; then
	rmmod dma_fence_token_jobq_bench || exit 1
	# drm_sched, which the job queue benchmark loaded (unless built in).
	[ ! -e /sys/module/gpu_sched/refcnt ] || rmmod gpu_sched || exit 1
fi
rmmod dma_fence_token_bench && rmmod dma_fence_tokens
