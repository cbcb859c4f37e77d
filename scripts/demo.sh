#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make demo: boot the lockdep + debugobjects x86_64 kernel in QEMU (-smp 2)
# with the library as a module, run the library's module suites and print a
# short report.  Exit status 0 only if every case passed and the kernel
# printed no report.
#
# Usage: scripts/demo.sh

set -uo pipefail
. "$(dirname "$0")/lib.sh"

prepare_tree >/dev/null || exit 1
mkdir -p "$BUILD/logs/demo"
out=$BUILD/logs/demo/harness.out
console=$BUILD/logs/demo/console.log

workload='echo "demo: kernel $(uname -r) $(uname -m), $(grep -c ^processor /proc/cpuinfo) CPUs"
rmmod dma_fence_token_ring_test && rmmod dma_fence_token_wq_test && rmmod dma_fence_token_test && rmmod dma_fence_tokens && echo "demo: modules unloaded cleanly"
awk "/debug_locks:/ { print \"demo: lockdep debug_locks=\" \$2; exit \$2 != 1 }" /proc/lockdep_stats'

echo "demo: building and booting (first run builds the kernel, a few minutes)"
"$PROJ/scripts/qemu-boot.sh" --tree "$OVERLAY" --build "$BUILD/x86-mod" \
	--modules "dma-fence-tokens dma-fence-token-test dma-fence-token-wq-test dma-fence-token-ring-test" --name demo \
	--workload "$workload" --log "$console" --min-tests 10 >"$out" 2>&1
rc=$?

echo "demo: ---- report ----"
tr -d '\r' <"$console" | grep -oE 'demo: .*' | grep -v 'demo: building'
tr -d '\r' <"$console" | grep -oE '# (dma_fence_token_[a-z_]+): pass:[0-9]+ fail:[0-9]+ skip:[0-9]+ total:[0-9]+' |
	sed 's/^# /demo: suite /'
# What the stress and race cases measured (their kunit_info lines).
tr -d '\r' <"$console" | grep -oE '# (dft|wq|ring)_[a-z_]+: .*(won|ran,|completed,|hangs|bytes).*' |
	sed 's/^# /demo: /'
grep -E '^qemu: demo (kunit|reports|result)' "$out" | sed 's/^qemu: demo /demo: /'
echo "demo: console log: ${console#"$PROJ"/}"
exit $rc
