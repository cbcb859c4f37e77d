#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make check: every stage in turn, then one line
#	check: N passed, M failed
# counting every KUnit case on both architectures, every misuse boot and
# every gate.  Exits non-zero on any failure.  The summary gives each
# stage's time.
#
# Usage: scripts/check.sh [stage...]   (default: all stages)

set -uo pipefail
. "$(dirname "$0")/lib.sh"

all=(kunit-um kunit-x86_64 gates debian qemu qemu-obs simgpu bench)
stages=("$@")
[ ${#stages[@]} -gt 0 ] || stages=("${all[@]}")

mkdir -p "$BUILD/logs"
summary=$BUILD/logs/check.summary
: >"$summary"
start=$SECONDS

run_stage() {
	local name=$1 out rc t0=$SECONDS
	shift
	out=$BUILD/logs/stage-$name.out
	log "== $name: ${*#"$PROJ"/}"
	"$@" 2>&1 | tee "$out"
	rc=${PIPESTATUS[0]}
	if ! grep -q '^stage: ' "$out"; then
		echo "stage: $name passed=0 failed=1" | tee -a "$out"
	elif [ "$rc" -ne 0 ] && ! grep -qE '^stage: .* failed=[1-9]' "$out"; then
		echo "stage: $name-exit passed=0 failed=1" | tee -a "$out"
	fi
	grep '^stage: ' "$out" | sed "s/\$/ ($name: $((SECONDS - t0)) s)/" >>"$summary"
}

# Provision first, so that the stages' timings are the stages' own.
if prepare_tree >/dev/null; then
	export DFT_PREPARED=1
	log "check: kernel $KVER, accelerator $(qemu_accel)"
else
	echo "stage: provision passed=0 failed=1" >>"$summary"
fi
log "check: provisioning and the probe took $((SECONDS - start)) s"

for s in "${stages[@]}"; do
	case $s in
	kunit-um)	run_stage "$s" "$PROJ/scripts/kunit.sh" um positive negative ;;
	kunit-x86_64)	run_stage "$s" "$PROJ/scripts/kunit.sh" x86_64 positive negative ;;
	gates)		run_stage "$s" "$PROJ/scripts/gates.sh" ;;
	debian)		run_stage "$s" "$PROJ/scripts/debian-check.sh" ;;
	qemu)		run_stage "$s" "$PROJ/scripts/qemu-check.sh" ;;
	simgpu)		run_stage "$s" "$PROJ/scripts/simgpu-check.sh" ;;
	qemu-obs)	run_stage "$s" "$PROJ/scripts/qemu-obs.sh" ;;
	bench)		run_stage "$s" "$PROJ/scripts/bench.sh" --short ;;
	*)		log "unknown stage $s"; echo "stage: $s passed=0 failed=1" >>"$summary" ;;
	esac
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
