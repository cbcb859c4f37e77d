# SPDX-License-Identifier: GPL-2.0
#
# Guest script of the qemu stage (scripts/qemu-check.sh): the library and
# its KUnit modules are loaded (their suites ran at load time); unload them
# all, library last, and check that lockdep is still armed.
. /etc/qemu-boot/lib.sh

for m in dma_fence_token_obs_test dma_fence_token_jobq_test dma_fence_token_ring_test \
	 dma_fence_token_wq_test dma_fence_token_test dma_fence_tokens; do
	rmmod "$m" || { echo "modules: rmmod $m failed"; exit 1; }
done
l=$(debug_locks)
echo "lockdep: debug_locks=$l"
[ "$l" = 1 ]
