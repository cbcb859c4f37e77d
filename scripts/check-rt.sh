#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make check-rt: the library on a PREEMPT_RT kernel with lockdep (6.12,
# tests/qemu-rt.config; 6.1 has no PREEMPT_RT for x86_64 upstream).  Two
# boots of that kernel (build/6.12.117/x86-rt, a full build of its own):
# the module suites as in the qemu stage, and the sample driver's checks as
# in the simgpu stage (shorter fuzz and fewer rounds).  Not part of make
# check: the kernel build alone takes about ten minutes on two cores.
# Ends with "check-rt: N passed, M failed".
#
# Usage: scripts/check-rt.sh

set -uo pipefail
KVER=6.12
. "$(dirname "$0")/lib.sh"

export QEMU_VARIANT=rt
start=$SECONDS
out=$BUILD/logs/check-rt.out
mkdir -p "$BUILD/logs"
: >"$out"
"$PROJ/scripts/qemu-check.sh" 2>&1 | tee -a "$out"
SIMGPU_ROUNDS=${SIMGPU_ROUNDS:-20} SIMGPU_FUZZ_S=${SIMGPU_FUZZ_S:-10} \
	"$PROJ/scripts/simgpu-check.sh" 2>&1 | tee -a "$out"
read -r p f < <(awk '/^stage: / { for (i = 3; i <= NF; i++) {
		if ($i ~ /^passed=/) { sub(/^passed=/, "", $i); p += $i }
		if ($i ~ /^failed=/) { sub(/^failed=/, "", $i); f += $i } } }
	END { print p + 0, f + 0 }' "$out")
log "check-rt: $KVER PREEMPT_RT + lockdep, $((SECONDS - start)) s"
echo "check-rt: $p passed, $f failed"
[ "$f" -eq 0 ] && [ "$p" -gt 0 ]
