#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Run the misuse suites with kunit.py --run_isolated=test (one boot per
# case) on an already built KUnit kernel and check every boot against
# tests/negative-cases.txt: the case must pass (it asserts the misuse was
# counted and the fence still signalled) and the console must show the
# expected kind of report.  Cases not expected on this architecture must be
# skipped by the case itself.
#
# Usage: scripts/negative.sh <um|x86_64> <kunit build dir>

set -uo pipefail
. "$(dirname "$0")/lib.sh"

arch=${1:?arch}
bdir=${2:?build dir}
table=$PROJ/tests/negative-cases.txt
logs=$BUILD/logs/negative-$arch
rm -rf "$logs"
mkdir -p "$logs"

args=(--arch="$arch" --build_dir="$bdir" --timeout=300
      --kunitconfig="$PROJ/drivers/dma-buf/tests/.kunitconfig")
qemu=()
if [ "$arch" = um ]; then
	args+=(--kunitconfig="$PROJ/tests/kunit-um.config")
fi
if [ "$arch" = x86_64 ]; then
	args+=(--kunitconfig="$PROJ/tests/kunit-x86_64.config")
	qemu=(--qemu_args="-smp 2 -m 1G")
	[ -w /dev/kvm ] && qemu+=(--qemu_args="-enable-kvm -cpu host")
fi
glob='dma_fence_token_neg*.*'

mapfile -t tests < <(kunit_py exec "${args[@]}" "${qemu[@]}" --list_tests "$glob" 2>/dev/null |
		     grep -E '^dma_fence_token_neg[a-z_]*\.[a-z0-9_]+$')
if [ ${#tests[@]} -eq 0 ]; then
	log "negative-$arch: could not list the misuse cases"
	stage_result "negative-$arch" 0 1
	exit 1
fi

log "negative-$arch: ${#tests[@]} cases, one boot each"
start=$SECONDS
kunit_py exec "${args[@]}" "${qemu[@]}" --run_isolated=test --raw_output=all \
	"$glob" >"$logs/all.log" 2>&1
# kunit.py announces each boot; split the console there.
awk -v dir="$logs" '/Starting KUnit Kernel \([0-9]+\/[0-9]+\)/ { n++ }
	n { print > sprintf("%s/boot-%03d.log", dir, n) }' "$logs/all.log"
log "negative-$arch: ${#tests[@]} boots in $((SECONDS - start)) s"

passed=0
failed=0
i=0
for t in "${tests[@]}"; do
	i=$((i + 1))
	boot=$(printf '%s/boot-%03d.log' "$logs" "$i")
	line=$(awk -F'\t' -v t="$t" '$1 == t' "$table")
	if [ -z "$line" ]; then
		log "  FAIL $t: no entry in tests/negative-cases.txt"
		failed=$((failed + 1))
		continue
	fi
	IFS=$'\t' read -r -a f <<<"$line"
	archs=${f[1]}
	if [ ! -s "$boot" ]; then
		log "  FAIL $t: no boot log"
		failed=$((failed + 1))
		continue
	fi
	kunit_py parse "$boot" >"$boot.parsed" 2>&1
	read -r p fl s c e < <(summary_counts "$boot.parsed")
	case=${t#*.}
	if [ "$archs" != all ] && ! grep -qw "$arch" <<<"${archs//,/ }"; then
		if [ "$s" -ge 1 ] && [ "$fl" -eq 0 ] && [ "$c" -eq 0 ]; then
			log "  ok   $t: skipped on $arch as expected"
			passed=$((passed + 1))
		else
			log "  FAIL $t: expected a skip on $arch"
			failed=$((failed + 1))
		fi
		continue
	fi
	why=
	[ "$p" -eq 1 ] && [ "$fl" -eq 0 ] && [ "$s" -eq 0 ] && [ "$c" -eq 0 ] ||
		why="case did not pass (passed=$p failed=$fl skipped=$s crashed=$c)"
	grep -aq "ok [0-9]* $case\b" "$boot" || why="${why:+$why; }no result line for $case"
	# Each column must match; '|' separates alternatives (per arch).
	for pat in "${f[@]:2}"; do
		hit=
		IFS='|' read -r -a alts <<<"$pat"
		for alt in "${alts[@]}"; do
			grep -aqF -- "$alt" "$boot" && hit=1
		done
		[ -n "$hit" ] || why="${why:+$why; }no '$pat' in the console"
	done
	if [ -z "$why" ]; then
		log "  ok   $t: ${f[*]:2}"
		passed=$((passed + 1))
	else
		log "  FAIL $t: $why (log: ${boot#"$PROJ"/})"
		failed=$((failed + 1))
	fi
done

# Every expected case must exist.
while IFS=$'\t' read -r t _; do
	case $t in ''|'#'*) continue ;; esac
	printf '%s\n' "${tests[@]}" | grep -qxF "$t" && continue
	log "  FAIL $t: listed in tests/negative-cases.txt but not built"
	failed=$((failed + 1))
done <"$table"

stage_result "negative-$arch" "$passed" "$failed"
