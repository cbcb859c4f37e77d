# SPDX-License-Identifier: GPL-2.0
#
# Guest script of the simgpu and debian stages (scripts/simgpu-check.sh,
# scripts/debian-check.sh): a workload with fault injection and dependency
# chains, the ioctl bad-input suite, then ROUNDS rounds of load, submit,
# close with jobs in flight and unload, the library's unload, and where the
# kernel has them kmemleak and lockdep.  Every result line starts with
# "sc: ".  Environment: JOBS, ROUNDS, LONG_JOBS, LONG_MIN_S, FUZZ_S.
. /etc/qemu-boot/lib.sh

mkdir -p /tmp
w=/bin/simgpu-workload
# simgpu's debugfs directory: the DRM device's, whose name file starts
# with the driver's name (dri/<minor>, or dri/<unique> with links).
simgpu_debugfs() {
	for d in /sys/kernel/debug/dri/*; do
		case "$(cat "$d/name" 2>/dev/null)" in
		"simgpu "*) echo "$d"; return 0 ;;
		esac
	done
	return 1
}
modprobe simgpu || exit 1
S=$(simgpu_debugfs)
echo "sc: debugfs ${S:-none}"
$w run jobs="$JOBS" hang=1 lost=1 error=1 deps=30 >/tmp/run.out
rc=$?
sed "s/^/sc: run /" /tmp/run.out
[ ! -r "$S/stats" ] || sed "s/^/sc: stats /" "$S/stats"
echo "sc: check run rc=$rc"
D=/sys/kernel/debug/dma_fence_token
if [ -w $D/watchdog_ms ] && [ -w "$S/timeout_ms" ]; then
	# A deep queue of healthy jobs on one engine: 40 jobs of 100 ms, the
	# tracker's watchdog at 2 s, the ring timeout at 1 s (well above a
	# job, so that a late timer under TCG is no hang).  The last fence
	# waits 4 s, but the ring never goes 2 s without completing: no
	# report may appear.
	old=$(cat $D/watchdog_ms)
	echo 2000 >$D/watchdog_ms
	echo 1000 >"$S/timeout_ms"
	$w run jobs=40 engines=1 inflight=256 dur_min_us=100000 dur_max_us=100000 \
		hang=0 lost=0 error=0 deps=0 >/tmp/deep.out
	echo "sc: check deep rc=$?"
	# A long workload: LONG_JOBS jobs of 1 to 20 ms on every engine with
	# 1 % hangs, lost interrupts and error completions and 30 % with
	# in-fences, the watchdog at 3 s and the ring timeout at 1 s: tens of
	# watchdog periods of busy, hanging and recovering rings, and no
	# report may appear.  It must last at least LONG_MIN_S seconds.
	echo 3000 >$D/watchdog_ms
	start=$(date +%s)
	$w run jobs="$LONG_JOBS" inflight=256 dur_min_us=1000 dur_max_us=20000 \
		hang=1 lost=1 error=1 deps=30 seed=7 >/tmp/long.out
	r=$?
	secs=$(( $(date +%s) - start ))
	[ "$secs" -ge "$LONG_MIN_S" ] || r=1
	grep -E '^(jobs|status_|violations|elapsed)' /tmp/long.out | sed "s/^/sc: long /"
	echo "sc: check long seconds=$secs rc=$r"
	echo 200 >"$S/timeout_ms"
	echo "$old" >$D/watchdog_ms
fi
$w badinput >/tmp/bad.out
sed "s/^/sc: bad /" /tmp/bad.out
# Hostile userspace: FUZZ_S seconds of random ioctls, fields and fds from
# four processes, closing contexts with jobs in flight.
$w fuzz procs=4 seconds="$FUZZ_S" seed=3 >/tmp/fuzz.out
r=$?
grep -E '^(fuzz|violated)' /tmp/fuzz.out | sed "s/^/sc: fuzz /"
echo "sc: check fuzz rc=$r"
# The cap on open files: the ninth open of eight allowed is refused.
if [ -w "$S/max_files" ]; then
	echo 8 >"$S/max_files"
	$w openmax expect=8 >/tmp/openmax.out
	r=$?
	sed "s/^/sc: /" /tmp/openmax.out
	echo 64 >"$S/max_files"
	echo "sc: check openmax rc=$r"
fi
# Jobs that an engine's interrupt released (their last in-fence) ran in
# that interrupt (DMA_FENCE_TOKEN_JOBQ_RUN_IN_IRQ), except on PREEMPT_RT,
# where interrupts are threads and such a job takes its hop.
if [ -r "$S/stats" ]; then
	n=$(sed -n 's/^jobs_irq //p' "$S/stats")
	case "$(uname -v)" in
	*PREEMPT_RT*) r=$(( ${n:-1} != 0 )) ;;
	*) r=$(( ${n:-0} == 0 )) ;;
	esac
	echo "sc: check irqrun jobs=${n:-0} rc=$r"
fi
rmmod simgpu
echo "sc: check unload rc=$?"

f=0
i=0
while [ $i -lt "$ROUNDS" ]; do
	i=$((i + 1))
	modprobe simgpu hang_ppm=20000 || { f=$((f + 1)); continue; }
	$w close jobs=32 >/tmp/close.out ||
		{ f=$((f + 1)); sed "s/^/sc: round $i /" /tmp/close.out; }
	n=0
	until rmmod simgpu 2>/dev/null; do
		n=$((n + 1))
		[ $n -lt 20 ] || { f=$((f + 1)); break; }
		sleep 1
	done
done
tail -n 1 /tmp/close.out | sed "s/^/sc: last round /"
echo "sc: check loop rounds=$i rc=$f"
rmmod dma_fence_tokens
echo "sc: check library unload rc=$?"
[ ! -e /sys/kernel/debug/kmemleak ] || echo "sc: check kmemleak rc=$(leak_count)"
[ ! -e /proc/lockdep_stats ] || echo "sc: check lockdep rc=$(( $(debug_locks) != 1 ))"
echo "sc: done"
