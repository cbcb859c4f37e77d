#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make check, stage simgpu: the sample driver in one boot of the x86_64
# lock-debugging kernel with kmemleak.  Runs a short workload with fault
# injection and dependency chains, the ioctl bad-input suite, and 100
# rounds of load, submit, close with jobs in flight and unload, then
# kmemleak scans and the lockdep check; then sparse over the driver.  Counts
# every bad-input case and every check; the boot itself (no kernel report,
# clean exit) is one more.
#
# Usage: scripts/simgpu-check.sh   (SIMGPU_JOBS, SIMGPU_ROUNDS override)

set -uo pipefail
. "$(dirname "$0")/lib.sh"

prepare_tree >/dev/null || { stage_result simgpu-setup 0 1; exit 1; }
tool=$(build_simgpu_workload) || { stage_result simgpu-setup 0 1; exit 1; }
mkdir -p "$BUILD/logs/simgpu"
out=$BUILD/logs/simgpu/harness.out
console=$BUILD/logs/simgpu/console.log
jobs=${SIMGPU_JOBS:-1500}
rounds=${SIMGPU_ROUNDS:-100}

# Runs in the guest (busybox sh).  Every result line starts with "sc: ".
workload='mkdir -p /tmp; w=/bin/simgpu-workload
modprobe simgpu || exit 1
$w run jobs='"$jobs"' hang=1 lost=1 error=1 deps=30 >/tmp/run.out; rc=$?
sed "s/^/sc: run /" /tmp/run.out
echo "sc: check run rc=$rc"
$w badinput >/tmp/bad.out; sed "s/^/sc: bad /" /tmp/bad.out
rmmod simgpu; echo "sc: check unload rc=$?"
f=0; i=0
while [ $i -lt '"$rounds"' ]; do
	i=$((i + 1))
	modprobe simgpu hang_ppm=20000 || { f=$((f + 1)); continue; }
	$w close jobs=32 >/tmp/close.out || { f=$((f + 1)); sed "s/^/sc: round $i /" /tmp/close.out; }
	n=0
	until rmmod simgpu 2>/dev/null; do
		n=$((n + 1)); [ $n -lt 20 ] || { f=$((f + 1)); break; }; sleep 1
	done
done
tail -n 1 /tmp/close.out | sed "s/^/sc: last round /"
echo "sc: check loop rounds=$i rc=$f"
rmmod dma_fence_tokens; echo "sc: check library unload rc=$?"
sleep 6
echo scan >/sys/kernel/debug/kmemleak; echo scan >/sys/kernel/debug/kmemleak
leaks=$(grep -c unreferenced /sys/kernel/debug/kmemleak)
echo "sc: check kmemleak rc=$leaks"
awk "/debug_locks:/ { print \"sc: check lockdep rc=\" (\$2 != 1) }" /proc/lockdep_stats
echo "sc: done"'

"$PROJ/scripts/qemu-boot.sh" --tree "$OVERLAY" --build "$BUILD/x86-mod" \
	--modules "dma-fence-tokens" --name simgpu --min-tests 0 \
	--files "$tool:/bin/simgpu-workload" --workload "$workload" \
	--log "$console" --timeout 900 >"$out" 2>&1
rc=$?
clean=$BUILD/logs/simgpu/console.clean
tr -d '\r' <"$console" | grep -aoE 'sc: .*' >"$clean"
grep -E '^qemu: ' "$out" >&2
grep -E '^sc: (run|check|bad badinput|last)' "$clean" >&2
grep -E '^sc: bad not ok' "$clean" >&2

p=$(grep -cE '^sc: bad ok ' "$clean")
f=$(grep -cE '^sc: bad not ok ' "$clean")
[ "$(grep -cE '^sc: bad (not )?ok ' "$clean")" -ge 25 ] || { log "simgpu: bad-input suite incomplete"; f=$((f + 1)); }
for c in run unload loop 'library unload' kmemleak lockdep; do
	if grep -qE "^sc: check $c( [a-z]+=[0-9]+)* rc=0$" "$clean"; then
		p=$((p + 1))
	else
		log "simgpu: check '$c' failed or missing"
		f=$((f + 1))
	fi
done
if [ "$rc" -eq 0 ]; then p=$((p + 1)); else tail -n 20 "$out" >&2; f=$((f + 1)); fi

# sparse on the driver, with the configuration it was built with above (the
# gates stage runs sparse on the KUnit kernel, which has no DRM).
kbuild_locked make -C "$OVERLAY" O="$BUILD/x86-mod" ARCH=x86_64 CC="ccache gcc" C=2 \
	CHECK=sparse -j"$JOBS" drivers/fence-token/ >"$BUILD/logs/simgpu/sparse.log" 2>&1
src=$?
hits=$(grep -E '^[^:]*drivers/fence-token/[^:]*:[0-9]+:[0-9]+: (warning|error):' \
	"$BUILD/logs/simgpu/sparse.log")
if [ "$src" -eq 0 ] && [ -z "$hits" ] && grep -q 'CHECK.*simgpu_job.c' "$BUILD/logs/simgpu/sparse.log"; then
	p=$((p + 1))
else
	log "simgpu: sparse: ${hits:-did not run}"
	f=$((f + 1))
fi
stage_result simgpu "$p" "$f"
