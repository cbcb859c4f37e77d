#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make check, stage simgpu: the sample driver in one boot of the x86_64
# lock-debugging kernel with kmemleak (tests/guest/simgpu.sh).  Runs a short
# workload with fault injection and dependency chains, a deep queue of long
# jobs and a long workload under a 3 s watchdog limit (no report may
# appear), the ioctl bad-input suite, 15 s of hostile userspace (the
# workload's fuzz mode, four processes), the open-file cap, and 100 rounds of load, submit, close with jobs in flight and
# unload, then kmemleak scans and the lockdep check.  Counts every
# bad-input case and every check (one: jobs that an engine's interrupt
# released ran in it, none on PREEMPT_RT); the boot itself (no kernel report, clean
# exit) is one more.  sparse covers the driver in the gates stage (the
# KUnit kernel builds it).
#
# Usage: scripts/simgpu-check.sh   (SIMGPU_JOBS, SIMGPU_ROUNDS,
#	SIMGPU_LONG_JOBS, SIMGPU_LONG_MIN_S, SIMGPU_FUZZ_S override;
#	QEMU_VARIANT=rt boots the PREEMPT_RT kernel of scripts/check-rt.sh)

set -uo pipefail
. "$(dirname "$0")/lib.sh"

prepare_tree >/dev/null || { stage_result simgpu-setup 0 1; exit 1; }
tool=$(build_simgpu_workload) || { stage_result simgpu-setup 0 1; exit 1; }
qemu_variant
mkdir -p "$BUILD/logs/simgpu$QV_SUFFIX"
out=$BUILD/logs/simgpu$QV_SUFFIX/harness.out
console=$BUILD/logs/simgpu$QV_SUFFIX/console.log
jobs=${SIMGPU_JOBS:-1500}
rounds=${SIMGPU_ROUNDS:-100}
# The long workload: about half a minute (ten watchdog periods) under TCG.
long_jobs=${SIMGPU_LONG_JOBS:-3500}
long_min=${SIMGPU_LONG_MIN_S:-20}
fuzz_s=${SIMGPU_FUZZ_S:-15}

"$PROJ/scripts/qemu-boot.sh" --tree "$OVERLAY" --build "$QV_BUILD" "${QV_EXTRA[@]}" \
	--modules "dma-fence-tokens" --name "simgpu$QV_SUFFIX" --min-tests 0 \
	--files "$tool:/bin/simgpu-workload" --workload-file "$PROJ/tests/guest/simgpu.sh" \
	--env "JOBS=$jobs ROUNDS=$rounds LONG_JOBS=$long_jobs LONG_MIN_S=$long_min FUZZ_S=$fuzz_s" \
	--log "$console" --timeout 900 >"$out" 2>&1
rc=$?
simgpu_results "$console" "$out" run deep long fuzz openmax irqrun unload loop 'library unload' \
	kmemleak lockdep
[ "$rc" -eq 0 ] || tail -n 20 "$out" >&2
verdict "boot: clean exit, no kernel report" "$rc"
stage_result simgpu "$passed" "$failed"
