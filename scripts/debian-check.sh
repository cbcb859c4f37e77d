#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make check, stage debian: the production build on the kernel drivers run
# on.  Boots Debian's own kernel of the pinned version (the linux-image
# package matching the headers, unpacked by scripts/provision.sh: no
# lockdep, no debugobjects, no tracker, JUMP_LABEL, voluntary preemption)
# under QEMU -smp 2, loads the library and the sample driver as built out
# of tree against Debian's headers (scripts/oot-build.sh), and runs the
# sample driver's guest script (tests/guest/simgpu.sh): the workload with
# fault injection and dependency chains, the bad-input suite, that jobs
# released by an interrupt ran in it, and the close-with-jobs-in-flight
# rounds, then unloads everything.  This runs the
# production inline paths of the token layer, which no debug kernel
# compiles.  Counts every bad-input case and every check, plus the boot.
#
# Usage: scripts/debian-check.sh   (SIMGPU_JOBS, SIMGPU_ROUNDS override)

set -uo pipefail
. "$(dirname "$0")/lib.sh"

prepare_tree >/dev/null || { stage_result debian-setup 0 1; exit 1; }
tool=$(build_simgpu_workload) || { stage_result debian-setup 0 1; exit 1; }
img=$(debian_image)
[ -n "$img" ] || { log "debian: no unpacked Debian kernel of $KVER"; stage_result debian-setup 0 1; exit 1; }
logs=$BUILD/logs/debian
mkdir -p "$logs"
"$PROJ/scripts/oot-build.sh" >"$logs/oot.log" 2>&1 ||
	{ cat "$logs/oot.log" >&2; stage_result debian-build 0 1; exit 1; }
oot=$BUILD/oot-debian
out=$logs/harness.out
console=$logs/console.log

"$PROJ/scripts/qemu-boot.sh" --tree "$OVERLAY" --build "$BUILD/debian" \
	--prebuilt "$img" --name debian --min-tests 0 \
	--extra-modules "$oot/drivers/dma-buf/dma-fence-tokens.ko $oot/drivers/gpu/drm/simgpu/simgpu.ko" \
	--modules "dma-fence-tokens" \
	--files "$tool:/bin/simgpu-workload" --workload-file "$PROJ/tests/guest/simgpu.sh" \
	--env "JOBS=${SIMGPU_JOBS:-1500} ROUNDS=${SIMGPU_ROUNDS:-15} FUZZ_S=${SIMGPU_FUZZ_S:-10}" \
	--log "$console" --timeout 900 >"$out" 2>&1
rc=$?
simgpu_results "$console" "$out" run fuzz irqrun unload loop 'library unload'
check "production kernel: no lockdep" sh -c "! grep -q 'check lockdep' '$logs/console.clean'"
[ "$rc" -eq 0 ] || tail -n 20 "$out" >&2
verdict "boot: clean exit, no kernel report" "$rc"
stage_result debian "$passed" "$failed"
