# SPDX-License-Identifier: GPL-2.0
#
# Guest script of the observability boot (scripts/qemu-obs.sh), run by busybox
# sh in the guest: record the library's trace events while a helper module
# leaves an obligation in every state, print the debugfs listing, lower the
# watchdog limit so that the watchdog reports them, unload the helper
# (which signals everything) and print the listing, the counters and the
# trace; then load the helper again and unload it with its promise owed.
# Sections are framed by "obs: ----" lines for the host to cut.

D=/sys/kernel/debug/dma_fence_token
T=/sys/kernel/tracing

echo 1 >$T/events/dma_fence_token/enable || exit 1
echo 1 >$T/tracing_on
modprobe dma-fence-token-hung-test || exit 1
# The fast ring's 100 ms timeout fires, the blocked work item starts.
sleep 1
echo "obs: ---- obligations ----"
cat $D/obligations
echo "obs: ---- end ----"
echo 1500 >$D/watchdog_ms
sleep 3
echo "obs: ---- obligations reported ----"
cat $D/obligations
echo "obs: ---- end ----"
rmmod dma_fence_token_hung_test || exit 1
echo 10000 >$D/watchdog_ms
echo "obs: ---- obligations after ----"
cat $D/obligations
echo "obs: ---- end ----"
echo "obs: ---- stats ----"
cat $D/stats
echo "obs: ---- end ----"
echo 0 >$T/tracing_on
echo "obs: ---- trace ----"
grep dma_fence_token_ $T/trace
echo "obs: ---- end ----"
# Unload with a promise still owed: the tracker reports it as its module
# goes and drops its reference while the module's text is still there.
modprobe dma-fence-token-hung-test leave_promise=1 || exit 1
rmmod dma_fence_token_hung_test || exit 1
echo "obs: ---- unload ----"
cat $D/obligations
grep misuse_owed_at_unload $D/stats
echo "obs: ---- end ----"
. /etc/qemu-boot/lib.sh
l=$(debug_locks)
echo "lockdep: debug_locks=$l"
[ "$l" = 1 ]
