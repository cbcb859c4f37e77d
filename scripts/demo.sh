#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make demo: boot the lockdep + debugobjects + kmemleak x86_64 kernel in
# QEMU (-smp 2), load the library and the sample driver simgpu, run the
# userspace workload (jobs with dependency chains on several engines, with
# hangs, lost interrupts and error completions injected) and print a short
# report.  Exit status 0 only if every invariant held and the kernel
# printed no report.  The library's own KUnit suites run in make check
# (stages kunit-*, qemu), not here.
#
# Usage: scripts/demo.sh
# Environment (make variables of the same name): DEMO_JOBS (10000),
# ENGINES (4), HANG_PCT (1), LOST_PCT (1), ERROR_PCT (0.5), DEPS_PCT (30,
# jobs with in-fences), TIMEOUT_MS (200), SEED (1).

set -uo pipefail
. "$(dirname "$0")/lib.sh"

jobs=${DEMO_JOBS:-10000}
engines=${ENGINES:-4}
hang=${HANG_PCT:-1}
lost=${LOST_PCT:-1}
error=${ERROR_PCT:-0.5}
deps=${DEPS_PCT:-30}
timeout_ms=${TIMEOUT_MS:-200}
seed=${SEED:-1}

prepare_tree >/dev/null || exit 1
tool=$(build_simgpu_workload) || exit 1
mkdir -p "$BUILD/logs/demo"
out=$BUILD/logs/demo/harness.out
console=$BUILD/logs/demo/console.log

# Runs in the guest (busybox sh); report lines start with "demo: ".
workload='mkdir -p /tmp
echo "demo: kernel $(uname -r) $(uname -m), $(grep -c ^processor /proc/cpuinfo) CPUs"
modprobe simgpu engines='"$engines"' timeout_ms='"$timeout_ms"' || exit 1
echo "demo: workload jobs='"$jobs"' engines='"$engines"' hang='"$hang"'% lost_irq='"$lost"'% error='"$error"'% deps='"$deps"'% timeout='"$timeout_ms"'ms"
/bin/simgpu-workload run jobs='"$jobs"' hang='"$hang"' lost='"$lost"' error='"$error"' deps='"$deps"' seed='"$seed"' >/tmp/run.out
rc=$?
sed "s/^/demo: /" /tmp/run.out
grep -E "^(irqs|lost_irqs|timeouts|dumps|resets|ring_closes|tokens_created|tokens_discharged_[a-z]+|tracker_misuse) " /sys/kernel/debug/simgpu/stats |
	sed "s/^/demo: driver /; s/ \([0-9]*\)$/=\1/"
rmmod simgpu && rmmod dma_fence_tokens && echo "demo: modules unloaded cleanly" || rc=1
awk "/debug_locks:/ { print \"demo: lockdep debug_locks=\" \$2; exit \$2 != 1 }" /proc/lockdep_stats || rc=1
exit $rc'

echo "demo: building and booting (first run builds the kernel, a few minutes)"
"$PROJ/scripts/qemu-boot.sh" --tree "$OVERLAY" --build "$BUILD/x86-mod" \
	--modules "dma-fence-tokens" --name demo --min-tests 0 \
	--files "$tool:/bin/simgpu-workload" --workload "$workload" \
	--log "$console" --timeout 1200 >"$out" 2>&1
rc=$?

echo "demo: ---- report ----"
tr -d '\r' <"$console" | grep -aoE 'demo: .*' | grep -v 'demo: building'
grep -E '^qemu: demo (reports|result)' "$out" | sed 's/^qemu: demo /demo: kernel /'
grep -E '^qemu: demo error' "$out" | sed 's/^qemu: demo /demo: /'
echo "demo: console log: ${console#"$PROJ"/}"
exit $rc
