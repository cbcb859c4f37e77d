#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make check: every stage in turn on every kernel of KERNELS (default: both
# pinned kernels, 6.1.192 and 6.12.117; KERNELS=6.12 runs one), then one
# line
#	check: N passed, M failed
# counting every KUnit case on both architectures, every misuse boot and
# every gate, of every kernel.  Exits non-zero on any failure.  The summary
# gives each stage's time.
#
# The kernels' stage lists run at the same time, one lane per kernel (each
# line of a lane's output starts with its kernel, "[6.1] "): most stages
# wait on guest timers more than they compute, so two lanes keep both
# cores busy.  Kernel builds still run one at a time (KBUILD_LOCK), and a
# lane's stages run in order; with no stage named, the second lane starts
# with its x86_64 stage (staggered below).  CHECK_LANES=1 runs the kernels
# one after the other, every stage in the first order.
#
# Usage: scripts/check.sh [stage...]   (default: all stages)

set -uo pipefail
. "$(dirname "$0")/lib.sh"

all=(kunit-um kunit-x86_64 gates debian qemu qemu-obs simgpu bench)
# Every second lane's order when all stages run: its x86_64 misuse boots,
# which keep a CPU busy, come while the first lane's UML suites and
# simgpu workload wait on timers, not beside the first lane's own boots.
staggered=(kunit-x86_64 kunit-um simgpu gates debian qemu qemu-obs bench)
stages=("$@")
[ ${#stages[@]} -gt 0 ] || stages=("${all[@]}")
[ $# -eq 0 ] || staggered=("${stages[@]}")
kernels=()
for k in $KERNELS; do
	v=$(pinned_kernel "$k") || { echo "check: 0 passed, 1 failed"; exit 1; }
	# One lane per kernel: "6.12 6.12.117" names one kernel.
	[[ " ${kernels[*]} " == *" $v "* ]] || kernels+=("$v")
done

mkdir -p "$DFT_BUILD_ROOT/logs"
summary=$DFT_BUILD_ROOT/logs/check.summary
: >"$summary"
start=$SECONDS

# children_cpu: CHILD_CPU, the user and system time in whole seconds of
# every process this shell has waited for (/proc: cutime and cstime, in
# clock ticks; the command name in field 2 holds no space here).  No
# command substitution: a subshell has waited for nothing.
clk_tck=$(getconf CLK_TCK)
children_cpu() {
	local st
	read -r -a st <"/proc/$BASHPID/stat"
	CHILD_CPU=$(((st[15] + st[16]) / clk_tck))
}

# run_stage <kernel> <name> <command...>: one stage, its verdict lines
# into the kernel's summary.
# The summary gives its time and the CPU time of everything it ran (QEMU
# and the guests in it included), in seconds.
run_stage() {
	local k=$1 name=$2 out rc t0=$SECONDS c0 c1
	shift 2
	children_cpu
	c0=$CHILD_CPU
	mkdir -p "$DFT_BUILD_ROOT/$k/logs"
	out=$DFT_BUILD_ROOT/$k/logs/stage-$name.out
	log "== $k $name: ${*#"$PROJ"/}"
	KVER=$k "$@" 2>&1 | tee "$out"
	rc=${PIPESTATUS[0]}
	if ! grep -q '^stage: ' "$out"; then
		echo "stage: $name passed=0 failed=1" | tee -a "$out"
	elif [ "$rc" -ne 0 ] && ! grep -qE '^stage: .* failed=[1-9]' "$out"; then
		echo "stage: $name-exit passed=0 failed=1" | tee -a "$out"
	fi
	children_cpu
	c1=$CHILD_CPU
	grep '^stage: ' "$out" | sed -e "s/^stage: /stage: $k /" \
		-e "s/\$/ ($name: $((SECONDS - t0)) s, CPU $((c1 - c0)) s)/" \
		>>"$DFT_BUILD_ROOT/$k/logs/check.summary"
}

# run_lane <kernel> <stage...>: the stages on one kernel, in that order.
run_lane() {
	local k=$1 s t0=$SECONDS
	shift
	mkdir -p "$DFT_BUILD_ROOT/$k/logs"
	: >"$DFT_BUILD_ROOT/$k/logs/check.summary"
	rm -f "$DFT_BUILD_ROOT/$k/logs/check.lane-done"
	for s in "$@"; do
		case $s in
		kunit-um)	run_stage "$k" "$s" "$PROJ/scripts/kunit.sh" um positive negative ;;
		kunit-x86_64)	run_stage "$k" "$s" "$PROJ/scripts/kunit.sh" x86_64 positive negative ;;
		gates)		run_stage "$k" "$s" "$PROJ/scripts/gates.sh" ;;
		debian)		run_stage "$k" "$s" "$PROJ/scripts/debian-check.sh" ;;
		qemu)		run_stage "$k" "$s" "$PROJ/scripts/qemu-check.sh" ;;
		simgpu)		run_stage "$k" "$s" "$PROJ/scripts/simgpu-check.sh" ;;
		qemu-obs)	run_stage "$k" "$s" "$PROJ/scripts/qemu-obs.sh" ;;
		bench)		run_stage "$k" "$s" "$PROJ/scripts/bench.sh" --short ;;
		*)		log "unknown stage $s"
				echo "stage: $k $s passed=0 failed=1" >>"$DFT_BUILD_ROOT/$k/logs/check.summary" ;;
		esac
	done
	log "== $k: every stage in $((SECONDS - t0)) s"
	touch "$DFT_BUILD_ROOT/$k/logs/check.lane-done"
}

# Provision every kernel first, so that the stages' timings are the
# stages' own.
prepared=
for k in "${kernels[@]}"; do
	t0=$SECONDS
	if KVER=$k bash -c '. "$1/scripts/lib.sh" && prepare_tree' _ "$PROJ" >/dev/null; then
		log "check: kernel $k provisioned in $((SECONDS - t0)) s"
		prepared="$prepared $k"
	else
		echo "stage: $k provision passed=0 failed=1" >>"$summary"
	fi
done
export DFT_PREPARED=$prepared
log "check: kernels ${kernels[*]}, accelerator $(qemu_accel)"
log "check: provisioning and the probe took $((SECONDS - start)) s"

# Every process of this run carries DFT_CHECK_RUN in its environment, also
# those that leave the process tree (a killed parent's children go to
# init).
DFT_CHECK_RUN="$$.$(date +%s%N)"
export DFT_CHECK_RUN

# run_processes: the processes of this run but this shell.
run_processes() {
	local p
	for p in /proc/[0-9]*; do
		[ "${p#/proc/}" != "$$" ] || continue
		grep -qzx "DFT_CHECK_RUN=$DFT_CHECK_RUN" "$p/environ" 2>/dev/null &&
			echo "${p#/proc/}"
	done
}

# stop_lanes: stop every process of the run, twice over (so that none
# forks another unseen), then end them all.
stop_lanes() {
	local all=() i
	for i in 1 2; do
		mapfile -t -O "${#all[@]}" all < <(run_processes)
		[ ${#all[@]} -eq 0 ] || kill -STOP "${all[@]}" 2>/dev/null
	done
	[ ${#all[@]} -gt 0 ] || return 0
	kill -TERM "${all[@]}" 2>/dev/null
	kill -CONT "${all[@]}" 2>/dev/null
}

lanes=${CHECK_LANES:-${#kernels[@]}}
if [ "$lanes" -gt 1 ] && [ ${#kernels[@]} -gt 1 ]; then
	log "check: ${#kernels[@]} lanes at once"
	pids=()
	# An interrupt ends each lane and everything under it, the guests and
	# builds too, wherever they are in the process tree.
	trap 'stop_lanes; exit 130' INT TERM
	for i in "${!kernels[@]}"; do
		k=${kernels[$i]}
		order=("${stages[@]}")
		[ $((i % 2)) -eq 0 ] || order=("${staggered[@]}")
		# A lane's lines carry its kernel ("[6.12] "); sed -u keeps them whole.
		(run_lane "$k" "${order[@]}" 2>&1 | sed -u "s/^/[${k%.*}] /") &
		pids+=($!)
	done
	wait "${pids[@]}"
	trap - INT TERM
else
	for k in "${kernels[@]}"; do
		run_lane "$k" "${stages[@]}"
	done
fi
# A lane that did not reach its end (killed, or the shell failed) fails.
for k in "${kernels[@]}"; do
	cat "$DFT_BUILD_ROOT/$k/logs/check.summary" >>"$summary" 2>/dev/null
	[ -e "$DFT_BUILD_ROOT/$k/logs/check.lane-done" ] ||
		echo "stage: $k lane-incomplete passed=0 failed=1" >>"$summary"
done

read -r passed failed < <(awk '{
	for (i = 1; i <= NF; i++) {
		if ($i ~ /^passed=/) { sub(/^passed=/, "", $i); p += $i }
		if ($i ~ /^failed=/) { sub(/^failed=/, "", $i); f += $i }
	} } END { print p + 0, f + 0 }' "$summary")
log ""
log "== summary ($((SECONDS - start)) s)"
sed 's/^/  /' "$summary" >&2
echo "check: $passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
