#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make qemu: the module boot harness with the library.  Boots the x86_64
# lock-debugging kernel, loads the library and its KUnit module (the suites
# run at load time), unloads both, checks that lockdep is still on, and fails
# on any unexpected kernel report.  Counts every KUnit case plus the boot.
#
# Usage: scripts/qemu-check.sh   (QEMU_VARIANT=rt: the PREEMPT_RT kernel of
#	scripts/check-rt.sh instead of the module kernel)

set -uo pipefail
. "$(dirname "$0")/lib.sh"

prepare_tree >/dev/null || { stage_result qemu-setup 0 1; exit 1; }
qemu_variant
mkdir -p "$BUILD/logs/qemu$QV_SUFFIX"
out=$BUILD/logs/qemu$QV_SUFFIX/harness.out

"$PROJ/scripts/qemu-boot.sh" --tree "$OVERLAY" --build "$QV_BUILD" "${QV_EXTRA[@]}" \
	--modules "dma-fence-tokens dma-fence-token-test dma-fence-token-wq-test dma-fence-token-ring-test dma-fence-token-jobq-test dma-fence-token-obs-test" --name modules \
	--workload-file "$PROJ/tests/guest/modules.sh" --log "$BUILD/logs/qemu$QV_SUFFIX/console.log" \
	--min-tests 10 >"$out" 2>&1
rc=$?
grep -E '^qemu: |\[(PASSED|FAILED|SKIPPED|CRASHED)\]' "$out" >&2
read -r p f < <(sed -nE 's/^qemu: modules kunit passed=([0-9]+) failed=([0-9]+).*/\1 \2/p' "$out")
p=${p:-0}
f=${f:-0}
if [ "$rc" -eq 0 ]; then
	stage_result qemu "$((p + 1))" "$f"
else
	tail -n 30 "$out" >&2
	stage_result qemu "$p" "$((f + 1))"
fi
