#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make bench: the benchmark suite (drivers/dma-buf/tests/dma-fence-token-
# bench.c) in x86_64 QEMU (-smp 2), first on a production kernel (build dir
# x86-prod: tests/qemu-modules.config + tests/qemu-prod.config, no lockdep,
# no debugobjects, tracker off), then on the lockdep kernel of the qemu
# stage (x86-mod), and that kernel once more booted with no_debug_objects
# (lockdep alone; the tracker without its debugobjects).  Prints the
# tables and the verdict of every target.  The production and lockdep
# boots also load the job queue benchmark (drivers/dma-buf/tests/
# dma-fence-token-jobq-bench.c: the library's job queue against drm_sched
# of the same kernel), whose tables and verdicts follow.  One run works on
# one kernel, KVER; without KVER it runs itself for each kernel of KERNELS
# (below).
# Exits non-zero only if a run failed (build, boot, a failed case, a kernel
# report, a missing pair, a size fact), never on a missed target.
#
# With --short (the bench stage of make check) it boots only the lockdep
# kernel (build/x86-mod, shared with the other module boots, so make check
# builds no production kernel) with the suites in their short mode and
# checks that every pair and every job queue case ran; no timing is
# judged.  The production size facts are compile-time assertions, checked
# with the nm rule by the out-of-tree build against Debian's headers
# (gates stage).
#
# Without KVER in the environment the full run measures every kernel of
# KERNELS (default both), one after the other, each with its own tables
# and verdicts: drm_sched differs between them.  KVER=6.12 measures one.
#
# JOBQ_BENCH_OPTS adds module parameters to the job queue benchmark's
# full runs, for experiments (irq_us=5, delay_us=10, irq_run=0, pin=1,
# ...).  The tables print the parameters the module used, and the job
# queue's verdicts of such a run are printed but not counted.
#
# Usage: scripts/bench.sh [--short]

set -uo pipefail
bench_kver=${KVER:-}
. "$(dirname "$0")/lib.sh"

short=0
[ "${1:-}" != --short ] || short=1

if [ "$short" = 0 ] && [ -z "$bench_kver" ]; then
	rc=0
	for k in $KERNELS; do
		k=$(pinned_kernel "$k") || { rc=1; continue; }
		log "bench: ==== kernel $k ===="
		KVER=$k bash "$0" "$@" || rc=1
	done
	exit "$rc"
fi

pairs=(signal-now signal-callback queue queue-ref ring-complete-16 ring-close-1000)
# Targets: ratio ours/raw, in thousandths; production unless marked.
declare -A target=([signal-now]=1020 [signal-callback]=1050 [queue]=1050
	[ring-complete-16]=700 [ring-close-1000]=1200)
# On the lockdep kernel (lockdep + debugobjects + the tracker): signal-now
# at most 3x the raw path on the same kernel.
lockdep_target_pair=signal-now
lockdep_target=3000
# Where signal-now's time goes on a checking kernel: the same pair with one
# part of the checking switched off on the token side.
cost_pairs=(signal-now-nosection signal-now-noobjects signal-now-norecords signal-now-bare)
# The job queue benchmark's cases: shape, credit limit (unlimited, 1),
# completion (at once, by the hrtimer interrupt, at +50 us after the kick:
# the "delay" cases, five shapes).  Targets, production only: ours at
# least 2x drm_sched's jobs/s, ours' p99 submit-to-run at most half
# drm_sched's (idle and with a spinner per CPU), no worker run per job
# where neither an in-fence nor the credits hold a job.
jobq_cases=()
for s in nodep pingpong fanin4 fanin16; do
	for v in unl-imm unl-irq c1-imm c1-irq; do jobq_cases+=("$s-$v"); done
done
jobq_cases+=(nodep-unl-delay nodep-c1-delay pingpong-unl-delay pingpong-c1-delay
	fanin4-unl-delay)

logs=$BUILD/logs/bench
mkdir -p "$logs"
prepare_tree >/dev/null || { stage_result bench-setup 0 1; exit 1; }

# Extra kernel arguments of the next boots (qemu-boot.sh adds the guest
# clock under TCG itself).
kargs=''
ok() { pass "$*"; }
bad() { fail "$*"; }

# run_bench <label> <build dir> <full 0|1> <jobq 0|1> [qemu-boot args...]
# Boots, leaves the bench lines in $logs/<label>.lines.  With jobq=1 the
# job queue benchmark is loaded too.
run_bench() {
	local label=$1 bdir=$2 isfull=$3 jobq=$4 rc mods="dma-fence-tokens dma-fence-token-bench"
	shift 4
	local conf=()
	[ "$jobq" = 0 ] || mods+=" dma-fence-token-jobq-bench"
	# The job queue benchmark runs 10,000 jobs per run on the production
	# kernel and 256 on the lockdep kernel, where its figures are for the
	# record only (lockdep + debugobjects under TCG: 256 take about five
	# minutes there).
	[ "$isfull" = 0 ] ||
		conf=(--modprobe-conf "options dma_fence_token_bench full=1
options dma_fence_token_jobq_bench full=1${jobq_jobs:+ jobs=$jobq_jobs}${JOBQ_BENCH_OPTS:+ $JOBQ_BENCH_OPTS}")
	log "bench: $label: building and booting ${bdir#"$PROJ"/} (first run builds the kernel)"
	"$PROJ/scripts/qemu-boot.sh" --tree "$OVERLAY" --build "$bdir" \
		--modules "$mods" --name "bench-$label" \
		--workload-file "$PROJ/tests/guest/bench.sh" \
		--log "$logs/$label.console" --timeout 1800 --min-tests 6 \
		${kargs:+--append "$kargs"} \
		"${conf[@]}" "$@" >"$logs/$label.out" 2>&1
	rc=$?
	grep -E '^qemu: ' "$logs/$label.out" >&2
	: >"$logs/$label.lines"
	[ ! -f "$logs/$label.console" ] ||
		tr -d '\r' <"$logs/$label.console" |
		grep -oE '(jobq-)?bench(-detail|-count|-lat|-verdict|-hw|-config)?: .*' >"$logs/$label.lines"
	if [ "$rc" -ne 0 ]; then
		tail -n 20 "$logs/$label.out" >&2
		bad "$label run (log: ${logs#"$PROJ"/}/$label.out)"
		return 1
	fi
	ok "$label run"
	return 0
}

# check_pairs <label>: every pair printed its line with positive numbers.
check_pairs() {
	local p line all=("${pairs[@]}")
	[ "$1" = prod ] || all+=("${cost_pairs[@]}")
	for p in "${all[@]}"; do
		line=$(grep -E "^bench: $p ours_ns=" "$logs/$1.lines" | tail -n 1)
		if [[ $line =~ ours_ns=([0-9]+)\ raw_ns=([0-9]+)\ ratio=([0-9]+)\.([0-9]{3})$ ]] &&
			[ "${BASH_REMATCH[1]}" -gt 0 ] && [ "${BASH_REMATCH[2]}" -gt 0 ] &&
			[ "$((10#${BASH_REMATCH[3]}${BASH_REMATCH[4]}))" -gt 0 ]; then
			ok "$1: pair $p"
		else
			bad "$1: no valid line for pair $p${line:+ ($line)}"
		fi
	done
}

# check_jobq <label>: every job queue case printed its lines, with positive
# jobs/s on both sides.
check_jobq() {
	local c line mode
	for c in "${jobq_cases[@]}"; do
		line=$(grep -E "^jobq-bench: $c ours_jobs_s=" "$logs/$1.lines" | tail -n 1)
		if [[ $line =~ ours_jobs_s=([0-9]+)\ drm_jobs_s=([0-9]+)\ ratio=[0-9]+\.[0-9]{3}$ ]] &&
			[ "${BASH_REMATCH[1]}" -gt 0 ] && [ "${BASH_REMATCH[2]}" -gt 0 ] &&
			grep -qE "^jobq-bench-count: $c ours_direct=" "$logs/$1.lines" &&
			grep -qE "^jobq-bench-verdict: $c jobs_s=" "$logs/$1.lines"; then
			for mode in idle spin; do
				grep -qE "^jobq-bench-lat: $c $mode ours_run_p50=[0-9]+ .* drm_hw_max=[0-9]+ .* drm_done_max=[0-9]+ ours_deferred=[0-9]+$" \
					"$logs/$1.lines" || line=
			done
			# Fence signals were counted (tracepoints are on in both kernels).
			grep -qE "^jobq-bench-count: $c .* ours_signals=[0-9]+\.[0-9]{3} .* drm_signals=[0-9]+\.[0-9]{3}$" \
				"$logs/$1.lines" || line=
			# Interrupt and delay cases account the hardware's time.
			[[ $c == *-imm ]] ||
				grep -qE "^jobq-bench-hw: $c ours_ns=[0-9]+ ours_hw_ns=[0-9]+ ours_sw_ns=[0-9]+ drm_ns=[0-9]+ drm_hw_ns=[0-9]+ drm_sw_ns=[0-9]+$" \
					"$logs/$1.lines" || line=
		else
			line=
		fi
		if [ -n "$line" ]; then
			ok "$1: jobq $c"
		else
			bad "$1: no valid lines for job queue case $c"
		fi
	done
}

# jobq_field <label> <kind> <case> [mode] <field>: a number of the job
# queue benchmark's line of that kind.
jobq_field() {
	local label=$1 kind=$2 c=$3 f=$4 m=''
	[ $# -lt 5 ] || { m=" $4"; f=$5; }
	sed -nE "s/^jobq-bench$kind: $c$m .*\b$f=([0-9.]+).*/\1/p" "$logs/$label.lines" | tail -n 1
}

# jobq_table <label> <title>: the job queue against drm_sched, with the
# verdicts (judged on the production kernel only).
jobq_table() {
	local label=$1 c ours drm ratio v p w m f os ds r
	echo "bench: ---- job queue against drm_sched: $2 ----"
	echo "  module parameters: $(sed -n 's/^jobq-bench-config: //p' "$logs/$label.lines" | tail -n 1)"
	# An experiment's verdicts are not the method's: not counted.
	local verdicts=$logs/verdicts
	if [ -n "${JOBQ_BENCH_OPTS:-}" ]; then
		verdicts=/dev/null
		echo "  JOBQ_BENCH_OPTS=\"$JOBQ_BENCH_OPTS\": verdicts printed, not counted"
	fi
	printf '  %-18s %11s %11s %8s %7s  %s\n' case ours_jobs_s drm_jobs_s ratio target verdict
	for c in "${jobq_cases[@]}"; do
		ours=$(jobq_field "$label" '' "$c" ours_jobs_s)
		drm=$(jobq_field "$label" '' "$c" drm_jobs_s)
		ratio=$(jobq_field "$label" '' "$c" ratio)
		if [ -z "$ratio" ]; then
			printf '  %-18s %11s %11s %8s %7s  %s\n' "$c" - - - - "did not run"
			continue
		fi
		v=''
		if [ "$label" = prod ]; then
			v=$(sed -nE "s/^jobq-bench-verdict: $c jobs_s=([a-z]+) .*/\1/p" "$logs/$label.lines" | tail -n 1)
			echo "$label jobq $c jobs/s $v" >>"$verdicts"
		fi
		printf '  %-18s %11s %11s %8s %7s  %s\n' "$c" "$ours" "$drm" "$ratio" '>=2.0' "$v"
	done
	local k title
	for k in run push hw done; do
		case $k in
		run) title='submit (before the allocation) to run callback; the p99 target' ;;
		push) title='push (after arm) to run callback' ;;
		hw) title='run callback to hardware signal (the mock hardware and its interrupt)' ;;
		done) title='hardware signal to finished fence' ;;
		esac
		echo "  latency, ns, $title:"
		printf '  %-18s %4s %9s %9s %9s   %9s %9s %9s' case mode \
			ours_p50 ours_p99 ours_max drm_p50 drm_p99 drm_max
		# Ours' jobs of the run that took a worker hop.
		[ "$k" != run ] || printf ' %6s' hops
		echo
		for c in "${jobq_cases[@]}"; do
			for m in idle spin; do
				grep -qE "^jobq-bench-lat: $c $m " "$logs/$label.lines" || continue
				printf '  %-18s %4s' "$c" "$m"
				for f in ours_${k}_p50 ours_${k}_p99 ours_${k}_max; do
					printf ' %9s' "$(jobq_field "$label" -lat "$c" "$m" "$f")"
				done
				printf '  '
				for f in drm_${k}_p50 drm_${k}_p99 drm_${k}_max; do
					printf ' %9s' "$(jobq_field "$label" -lat "$c" "$m" "$f")"
				done
				[ "$k" != run ] ||
					printf ' %6s' "$(jobq_field "$label" -lat "$c" "$m" ours_deferred)"
				echo
			done
		done
	done
	echo "  per job: ours direct/deferred/irq runs, context switches, allocations,"
	echo "  fence signals; drm_sched run_job/free_job calls, context switches,"
	echo "  allocations, fence signals (signals: over the latency runs):"
	printf '  %-18s %7s %7s %7s %7s %7s %7s   %7s %7s %7s %7s %7s\n' case direct defer irq csw alloc signals \
		run_job free_job csw alloc signals
	for c in "${jobq_cases[@]}"; do
		grep -qE "^jobq-bench-count: $c " "$logs/$label.lines" || continue
		printf '  %-18s' "$c"
		for f in ours_direct ours_deferred ours_irq ours_csw ours_allocs ours_signals; do
			printf ' %7s' "$(jobq_field "$label" -count "$c" "$f")"
		done
		printf '  '
		for f in drm_run_job drm_free_job drm_csw drm_allocs drm_signals; do
			printf ' %7s' "$(jobq_field "$label" -count "$c" "$f")"
		done
		echo
	done
	echo "  per job, ns, accounting runs (interrupt and delay cases): in all, with"
	echo "  a job on the mock hardware (hw), with none (sw: in a chain, the software"
	echo "  between one completion and the next kick); sw_x: drm_sw / ours_sw:"
	printf '  %-18s %8s %8s %8s   %8s %8s %8s %8s\n' case ours ours_hw ours_sw drm drm_hw drm_sw sw_x
	for c in "${jobq_cases[@]}"; do
		grep -qE "^jobq-bench-hw: $c " "$logs/$label.lines" || continue
		printf '  %-18s' "$c"
		for f in ours_ns ours_hw_ns ours_sw_ns; do
			printf ' %8s' "$(jobq_field "$label" -hw "$c" "$f")"
		done
		printf '  '
		for f in drm_ns drm_hw_ns drm_sw_ns; do
			printf ' %8s' "$(jobq_field "$label" -hw "$c" "$f")"
		done
		os=$(jobq_field "$label" -hw "$c" ours_sw_ns)
		ds=$(jobq_field "$label" -hw "$c" drm_sw_ns)
		if [ "${os:-0}" -gt 0 ] && [ -n "$ds" ]; then
			r=$((ds * 100 / os))
			printf ' %5d.%02d' $((r / 100)) $((r % 100))
		else
			printf ' %8s' -
		fi
		echo
	done
	[ "$label" = prod ] || return 0
	for c in "${jobq_cases[@]}"; do
		p=$(sed -nE "s/^jobq-bench-verdict: $c .* p99=([a-z]+) .*/\1/p" "$logs/$label.lines" | tail -n 1)
		w=$(sed -nE "s/^jobq-bench-verdict: $c .* worker=([a-z/]+)$/\1/p" "$logs/$label.lines" | tail -n 1)
		[ -z "$p" ] || echo "$label jobq $c p99 $p" >>"$verdicts"
		[ -z "$w" ] || [ "$w" = n/a ] || echo "$label jobq $c worker $w" >>"$verdicts"
	done
	echo "  verdicts: ours p99 submit-to-run <= 0.5x drm_sched's (idle and spin);"
	echo "  0 worker runs per job where no in-fence or credit holds a job:"
	grep -E "^jobq-bench-verdict: " "$logs/$label.lines" | sed 's/^jobq-bench-verdict: /    /'
}

# Size facts of the production build: a token and a proof are one pointer
# (the suite asserts it; its line must say so), and neither the library nor
# the bench module references a lockdep or debugobjects symbol.
check_sizes() {
	local line ko hits nm_ok=0
	line=$(grep -E '^bench: sizes ' "$logs/prod.lines" | tail -n 1)
	if [[ $line =~ token=([0-9]+)\ proof=([0-9]+)\ pointer=([0-9]+)\ checked=0 ]] &&
		[ "${BASH_REMATCH[1]}" = "${BASH_REMATCH[3]}" ] &&
		[ "${BASH_REMATCH[2]}" = "${BASH_REMATCH[3]}" ]; then
		ok "prod: token and proof are one pointer"
	else
		bad "prod: size facts (${line:-no sizes line})"
	fi
	for ko in drivers/fence-token/drivers/dma-buf/dma-fence-tokens.ko \
		drivers/fence-token/drivers/dma-buf/tests/dma-fence-token-bench.ko; do
		if [ ! -f "$BUILD/x86-prod/$ko" ]; then
			log "bench: missing $ko"
			nm_ok=1
			continue
		fi
		hits=$(debug_symbols "$BUILD/x86-prod/$ko")
		if [ -n "$hits" ]; then
			log "bench: $(basename "$ko") references lockdep/debugobjects: $hits"
			nm_ok=1
		fi
	done
	if [ "$nm_ok" = 0 ]; then ok "prod: no lockdep or debugobjects symbol"; else bad "prod: nm size fact"; fi
}

# ours_ns of pair $2 in run $1
ours_of() {
	sed -nE "s/^bench: $2 ours_ns=([0-9]+) .*/\1/p" "$logs/$1.lines" | tail -n 1
}

# Where the time of signal-now goes on run $1: the differences between
# signal-now and the same pair with one part switched off.
breakdown() {
	local label=$1 all raw sec obj rec bare
	all=$(ours_of "$label" signal-now)
	raw=$(sed -nE 's/^bench: signal-now ours_ns=[0-9]+ raw_ns=([0-9]+) .*/\1/p' \
		"$logs/$label.lines" | tail -n 1)
	sec=$(ours_of "$label" signal-now-nosection)
	obj=$(ours_of "$label" signal-now-noobjects)
	rec=$(ours_of "$label" signal-now-norecords)
	bare=$(ours_of "$label" signal-now-bare)
	[ -n "$all" ] && [ -n "$raw" ] && [ -n "$sec" ] && [ -n "$obj" ] &&
		[ -n "$rec" ] && [ -n "$bare" ] || return 0
	echo "  where signal-now's time goes (ns per fence; a part's cost is ours minus"
	echo "  ours with that part off; the parts interact, so they do not add up):"
	printf '    %-38s %6s\n' "raw path (dma_fence_init + signal)" "$raw" \
		"token, all checking on" "$all" \
		"lockdep section (the token's map)" "$((all - sec))" \
		"debugobjects (the fence's guarantee)" "$((all - obj))" \
		"obligation records" "$((all - rec))" \
		"token with all three off" "$bare"
}

# table <label> <title>: the pairs with their verdicts.
table() {
	local label=$1 p line o r ratio milli t verdict all=("${pairs[@]}")
	[ "$label" = prod ] || all+=("${cost_pairs[@]}")
	echo "bench: ---- $2 ----"
	grep -E '^bench: (config|machine|sizes|clocksource) ' "$logs/$label.lines" | sed 's/^/  /'
	printf '  %-20s %10s %10s %7s %8s  %s\n' pair ours_ns raw_ns ratio target verdict
	for p in "${all[@]}"; do
		line=$(grep -E "^bench: $p ours_ns=" "$logs/$label.lines" | tail -n 1)
		[[ $line =~ ours_ns=([0-9]+)\ raw_ns=([0-9]+)\ ratio=([0-9.]+)$ ]] || {
			printf '  %-20s %10s %10s %7s %8s  %s\n' "$p" - - - - "did not run"
			continue
		}
		o=${BASH_REMATCH[1]} r=${BASH_REMATCH[2]} ratio=${BASH_REMATCH[3]}
		milli=$((10#${ratio/./}))
		t='' verdict=''
		if [ "$label" = prod ]; then
			t=${target[$p]:-}
		elif [ "$p" = "$lockdep_target_pair" ] && [ "$label" != prod ]; then
			t=$lockdep_target
		fi
		if [ -n "$t" ]; then
			if [ "$milli" -le "$t" ]; then verdict=met; else verdict=missed; fi
			echo "$label $p $verdict" >>"$logs/verdicts"
			t="<=$((t / 1000)).$(printf '%03d' $((t % 1000)))"
		fi
		printf '  %-20s %10s %10s %7s %8s  %s\n' "$p" "$o" "$r" "$ratio" "${t:--}" "$verdict"
	done
	# The breakdown means something only with every part on to begin with.
	[ "$label" != lockdep ] || breakdown "$label"
	grep -E '^bench-detail: ' "$logs/$label.lines" | sed 's/^bench-detail: /  detail: /'
}

: >"$logs/verdicts"
if [ "$short" = 1 ]; then
	if run_bench lockdep "$BUILD/x86-mod" 0 1; then
		check_pairs lockdep
		check_jobq lockdep
	fi
	stage_result bench "$passed" "$failed"
	exit
fi

jobq_jobs=''
host_cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)
accel=$(qemu_accel)
accel=${accel%% *}
runs_ok=1
if run_bench prod "$BUILD/x86-prod" 1 1 --extra-config "$PROJ/tests/qemu-prod.config"; then
	check_pairs prod
	check_jobq prod
	check_sizes
else
	runs_ok=0
fi
jobq_jobs=256
if run_bench lockdep "$BUILD/x86-mod" 1 1; then
	check_pairs lockdep
	check_jobq lockdep
else
	runs_ok=0
fi
# The same kernel, no build: what the tracker's debugobjects cost.
kargs=no_debug_objects
if run_bench lockdep-noobj "$BUILD/x86-mod" 1 0; then
	check_pairs lockdep-noobj
else
	runs_ok=0
fi

echo "bench: $(date -u '+%Y-%m-%d %H:%M UTC'), QEMU $accel -smp 2 on $(nproc) host CPUs: $host_cpu"
table prod "production: no lockdep, no debugobjects, tracker off (x86-prod)"
table lockdep "lockdep + debugobjects + tracker (x86-mod, the qemu stage's kernel)"
table lockdep-noobj "the same kernel booted with no_debug_objects (lockdep; tracker without debugobjects)"
jobq_table prod "production (x86-prod), kernel $KVER"
jobq_table lockdep "lockdep + debugobjects + tracker (x86-mod), kernel $KVER, for the record"
echo "bench: ---- targets ----"
sed 's/^/  /' "$logs/verdicts"
met=$(grep -c ' met$' "$logs/verdicts")
all=$(grep -c . "$logs/verdicts")
echo "bench: targets met $met of $all"
echo "bench: checks passed=$passed failed=$failed"
[ "$runs_ok" = 1 ] && [ "$failed" -eq 0 ]
