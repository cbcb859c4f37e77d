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

echo "demo: building and booting (first run builds the kernel, a few minutes)"
"$PROJ/scripts/qemu-boot.sh" --tree "$OVERLAY" --build "$BUILD/x86-mod" \
	--modules "dma-fence-tokens" --name demo --min-tests 0 \
	--files "$tool:/bin/simgpu-workload" --workload-file "$PROJ/tests/guest/demo.sh" \
	--env "ENGINES=$engines TIMEOUT_MS=$timeout_ms JOBS=$jobs HANG=$hang LOST=$lost ERROR=$error DEPS=$deps SEED=$seed" \
	--log "$console" --timeout 1200 >"$out" 2>&1
rc=$?

# The report, from the guest's "dv: key=value" lines.
vals=$BUILD/logs/demo/values
tr -d '\r' <"$console" | grep -aoE 'dv: [a-z_0-9]+=.*' | sed 's/^dv: //' >"$vals"
v() { sed -n "s/^$1=//p" "$vals" | tail -n 1; }
ms() { awk -v u="${1:-0}" 'BEGIN { printf "%.1f ms", u / 1000 }'; }
reports=$(sed -nE 's/^qemu: demo reports=([0-9]+)/\1/p' "$out")
result=FAIL
[ "$rc" -eq 0 ] && result=PASS
echo "demo: ---- report ----"
accel=$(sed -nE 's/^qemu: demo booting \(([A-Z]+),.*/\1/p' "$out")
grep -E '^qemu: demo accelerator' "$out" | sed 's/^qemu: /demo: /'
echo "demo: kernel $(v kernel), lockdep + debugobjects + kmemleak, -smp 2 (${accel:-?})," \
	"clocksource $(v clocksource)"
echo "demo: workload $(v jobs) jobs on $(v engines) engines, $(v with_deps) with in-fences;" \
	"injected $(v injected_hang) hangs, $(v injected_lost_irq) lost interrupts," \
	"$(v injected_error) error completions"
echo "demo: jobs by outcome: ok $(v status_ok), -EIO $(v status_eio)," \
	"-ETIMEDOUT $(v status_etimedout), -ECANCELED $(v status_ecanceled), other $(v status_other)"
echo "demo: fences signalled $(v fences_signalled) of $(v jobs), each once, status as injected," \
	"none before its in-fences: $(v violations) violations"
echo "demo: timeouts $(v drv_timeouts) (core dumps $(v drv_dumps)), ring closes $(v dft_ring_closes)" \
	"(timeouts and teardown), engine resets $(v drv_resets), interrupts $(v drv_irqs)," \
	"lost $(v drv_lost_irqs)"
echo "demo: job queues: $(v drv_jobs_direct) jobs run in the submit ioctl (no worker hop)," \
	"$(v drv_jobs_irq) in the interrupt that released them (no hop)," \
	"$(v drv_jobs_deferred) after one hop, $(v drv_jobs_cancelled) cancelled before they ran"
echo "demo: tokens $(v dft_created) begun: to workqueue $(v dft_discharged_workqueue)," \
	"to hardware $(v dft_discharged_hardware), signalled $(v dft_discharged_signal)," \
	"promised $(v dft_discharged_promise); tracker misuse reports $(v dft_misuse)"
echo "demo: submit-to-signal latency of ok jobs: p50 $(ms "$(v latency_p50_us)")," \
	"p99 $(ms "$(v latency_p99_us)"); workload ran $(awk -v m="$(v elapsed_ms)" \
	'BEGIN { printf "%.1f s", m / 1000 }')"
echo "demo: modules unloaded: $([ "$(v unload)" = 0 ] && echo cleanly || echo FAILED)," \
	"kmemleak: $(v leaks) leaks, lockdep debug_locks=$(v debug_locks)"
echo "demo: kernel reports: $([ "${reports:-1}" = 0 ] && echo none || echo "$reports (see the console log)")"
grep -E '^qemu: demo error' "$out" | sed 's/^qemu: demo /demo: /'
echo "demo: result=$result"
echo "demo: console log: ${console#"$PROJ"/}"
exit $rc
