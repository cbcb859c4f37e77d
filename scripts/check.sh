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
# Usage: scripts/check.sh [stage...]   (default: all stages)

set -uo pipefail
. "$(dirname "$0")/lib.sh"

all=(kunit-um kunit-x86_64 gates debian qemu qemu-obs simgpu bench)
stages=("$@")
[ ${#stages[@]} -gt 0 ] || stages=("${all[@]}")
kernels=()
for k in $KERNELS; do
	v=$(pinned_kernel "$k") || { echo "check: 0 passed, 1 failed"; exit 1; }
	kernels+=("$v")
done

mkdir -p "$DFT_BUILD_ROOT/logs"
summary=$DFT_BUILD_ROOT/logs/check.summary
: >"$summary"
start=$SECONDS

# run_stage <kernel> <name> <command...>
run_stage() {
	local k=$1 name=$2 out rc t0=$SECONDS
	shift 2
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
	grep '^stage: ' "$out" | sed -e "s/^stage: /stage: $k /" \
		-e "s/\$/ ($name: $((SECONDS - t0)) s)/" >>"$summary"
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

for k in "${kernels[@]}"; do
	for s in "${stages[@]}"; do
		case $s in
		kunit-um)	run_stage "$k" "$s" "$PROJ/scripts/kunit.sh" um positive negative ;;
		kunit-x86_64)	run_stage "$k" "$s" "$PROJ/scripts/kunit.sh" x86_64 positive negative ;;
		gates)		run_stage "$k" "$s" "$PROJ/scripts/gates.sh" ;;
		debian)		run_stage "$k" "$s" "$PROJ/scripts/debian-check.sh" ;;
		qemu)		run_stage "$k" "$s" "$PROJ/scripts/qemu-check.sh" ;;
		simgpu)		run_stage "$k" "$s" "$PROJ/scripts/simgpu-check.sh" ;;
		qemu-obs)	run_stage "$k" "$s" "$PROJ/scripts/qemu-obs.sh" ;;
		bench)		run_stage "$k" "$s" "$PROJ/scripts/bench.sh" --short ;;
		*)		log "unknown stage $s"; echo "stage: $k $s passed=0 failed=1" >>"$summary" ;;
		esac
	done
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
