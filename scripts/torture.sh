#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make torture: the torture suite (dma_fence_token_torture, see
# drivers/dma-buf/tests/dma-fence-token-torture.c) alone and long, on the
# x86_64 KUnit kernel with -smp 2 (the one make check runs it on for 8 s),
# and on UML with TORTURE_ARCH=um.  TORTURE_S seconds (default 300),
# TORTURE_SEED (default 0: random, printed), TORTURE_THREADS per CPU
# (default 2).  A seed replays each thread's choice of operations.
#
# Usage: scripts/torture.sh

set -uo pipefail
. "$(dirname "$0")/lib.sh"

arch=${TORTURE_ARCH:-x86_64}
secs=${TORTURE_S:-300}
seed=${TORTURE_SEED:-0}
threads=${TORTURE_THREADS:-2}

prepare_tree >/dev/null || { stage_result torture-setup 0 1; exit 1; }
"$PROJ/scripts/kunit.sh" "$arch" build >&2 || { stage_result torture-build 0 1; exit 1; }
kunit_args "$arch" positive
logs=$BUILD/logs/torture
mkdir -p "$logs"
raw=$logs/torture-$arch.log
log "torture: $arch, $secs s, seed $seed, $threads threads per CPU (log: ${raw#"$PROJ"/})"
kunit_exec_watched "$raw" "${KUNIT_ARGS[@]}" "${KUNIT_RUN[@]}" \
	--kernel_args="dma_fence_token_torture.duration_s=$secs" \
	--kernel_args="dma_fence_token_torture.seed=$seed" \
	--kernel_args="dma_fence_token_torture.threads=$threads" \
	--timeout=$((secs + 600)) --raw_output=all 'dma_fence_token_torture'
kunit_py parse "$raw" >"$logs/torture-$arch.parsed" 2>&1
read -r p f s c e < <(kunit_counts "$logs/torture-$arch.parsed")
grep -aE 'tt_torture: ' "$raw" | sed 's/^[[:space:]]*# /  /' >&2
bad=$((f + s + c + e))
scan_reports "$raw" || bad=$((bad + 1))
[ "$p" -ge 1 ] || bad=$((bad + 1))
stage_result "torture-$arch" "$p" "$bad"
