#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make bench: the benchmark suite (drivers/dma-buf/tests/dma-fence-token-
# bench.c) in x86_64 QEMU (-smp 2), first on a production kernel (build dir
# x86-prod: tests/qemu-modules.config + tests/qemu-prod.config, no lockdep,
# no debugobjects, tracker off), then on the lockdep kernel of the qemu
# stage (x86-mod), and that kernel once more booted with no_debug_objects
# (lockdep alone; the tracker without its debugobjects).  Prints the
# tables and the verdict of every target.
# Exits non-zero only if a run failed (build, boot, a failed case, a kernel
# report, a missing pair, a size fact), never on a missed target.
#
# With --short (the bench stage of make check) it boots only the lockdep
# kernel (build/x86-mod, shared with the other module boots, so make check
# builds no production kernel) with the suite in its short mode and checks
# that every pair ran; no timing is judged.  The production size facts are
# compile-time assertions, checked with the nm rule by the out-of-tree
# build against Debian's headers (gates stage).
#
# Usage: scripts/bench.sh [--short]

set -uo pipefail
. "$(dirname "$0")/lib.sh"

short=0
[ "${1:-}" != --short ] || short=1

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

logs=$BUILD/logs/bench
mkdir -p "$logs"
prepare_tree >/dev/null || { stage_result bench-setup 0 1; exit 1; }

# Extra kernel arguments of the next boots (qemu-boot.sh adds the guest
# clock under TCG itself).
kargs=''
ok() { pass "$*"; }
bad() { fail "$*"; }

# run_bench <label> <build dir> <full 0|1> [qemu-boot args...]
# Boots, leaves the bench lines in $logs/<label>.lines.
run_bench() {
	local label=$1 bdir=$2 isfull=$3 rc
	shift 3
	local conf=()
	[ "$isfull" = 0 ] || conf=(--modprobe-conf "options dma_fence_token_bench full=1")
	log "bench: $label: building and booting ${bdir#"$PROJ"/} (first run builds the kernel)"
	"$PROJ/scripts/qemu-boot.sh" --tree "$OVERLAY" --build "$bdir" \
		--modules "dma-fence-tokens dma-fence-token-bench" --name "bench-$label" \
		--workload-file "$PROJ/tests/guest/bench.sh" \
		--log "$logs/$label.console" --timeout 1800 --min-tests 6 \
		${kargs:+--append "$kargs"} \
		"${conf[@]}" "$@" >"$logs/$label.out" 2>&1
	rc=$?
	grep -E '^qemu: ' "$logs/$label.out" >&2
	: >"$logs/$label.lines"
	[ ! -f "$logs/$label.console" ] ||
		tr -d '\r' <"$logs/$label.console" | grep -oE 'bench(-detail)?: .*' >"$logs/$label.lines"
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
	if run_bench lockdep "$BUILD/x86-mod" 0; then
		check_pairs lockdep
	fi
	stage_result bench "$passed" "$failed"
	exit
fi

host_cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)
accel=$(qemu_accel)
accel=${accel%% *}
runs_ok=1
if run_bench prod "$BUILD/x86-prod" 1 --extra-config "$PROJ/tests/qemu-prod.config"; then
	check_pairs prod
	check_sizes
else
	runs_ok=0
fi
if run_bench lockdep "$BUILD/x86-mod" 1; then
	check_pairs lockdep
else
	runs_ok=0
fi
# The same kernel, no build: what the tracker's debugobjects cost.
kargs=no_debug_objects
if run_bench lockdep-noobj "$BUILD/x86-mod" 1; then
	check_pairs lockdep-noobj
else
	runs_ok=0
fi

echo "bench: $(date -u '+%Y-%m-%d %H:%M UTC'), QEMU $accel -smp 2 on $(nproc) host CPUs: $host_cpu"
table prod "production: no lockdep, no debugobjects, tracker off (x86-prod)"
table lockdep "lockdep + debugobjects + tracker (x86-mod, the qemu stage's kernel)"
table lockdep-noobj "the same kernel booted with no_debug_objects (lockdep; tracker without debugobjects)"
echo "bench: ---- targets ----"
sed 's/^/  /' "$logs/verdicts"
met=$(grep -c ' met$' "$logs/verdicts")
all=$(grep -c . "$logs/verdicts")
echo "bench: targets met $met of $all"
echo "bench: checks passed=$passed failed=$failed"
[ "$runs_ok" = 1 ] && [ "$failed" -eq 0 ]
