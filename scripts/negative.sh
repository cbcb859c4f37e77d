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
# Usage: scripts/negative.sh <um|x86_64>   (after scripts/kunit.sh <arch>
#	build of the misuse kernel, see kunit_args in scripts/lib.sh)

set -uo pipefail
. "$(dirname "$0")/lib.sh"

arch=${1:?arch}
table=$PROJ/tests/negative-cases.txt
logs=$BUILD/logs/negative-$arch
rm -rf "$logs"
mkdir -p "$logs"

kunit_args "$arch" negative
args=("${KUNIT_ARGS[@]}" --timeout=300)
qemu=("${KUNIT_RUN[@]}")
[ "$arch" = um ] || log "negative-$arch: accelerator $(qemu_accel)"
glob='dma_fence_token_neg*.*'

start=$SECONDS
kunit_py exec "${args[@]}" "${qemu[@]}" --run_isolated=test --raw_output=all \
	"$glob" >"$logs/all.log" 2>&1
if ! grep -aq 'Starting KUnit Kernel (1/' "$logs/all.log"; then
	# The boot that lists the cases hung before KUnit started (an
	# x86_64 guest under TCG, rarely): list them again, once.
	log "negative-$arch: the boot listing the cases hung; booting it again"
	mv "$logs/all.log" "$logs/list.hung"
	kunit_py exec "${args[@]}" "${qemu[@]}" --run_isolated=test --raw_output=all \
		"$glob" >"$logs/all.log" 2>&1
fi
# kunit.py lists the cases with a boot of its own, then announces each
# case's boot; split the console there.  Each boot's command line names its
# case (kunit.filter_glob).
awk -v dir="$logs" '/Starting KUnit Kernel \([0-9]+\/[0-9]+\)/ { n++ }
	n { print > sprintf("%s/boot-%03d.log", dir, n) }' "$logs/all.log"
# A boot that hung or died before KUnit started (no KTAP header: kunit.py's
# timeout, or a panic in early boot, which ends the boot at once) says
# nothing about its case, which never ran: run that case once more, in a
# boot of its own.  A case that hangs or crashes is still a failure: its
# boot prints the header first.
for boot in "$logs"/boot-*.log; do
	[ -e "$boot" ] || continue
	grep -aq 'KTAP version' "$boot" && continue
	t=$(grep -aom1 'kunit\.filter_glob=[^ ]*' "$boot" | cut -d= -f2)
	[ -n "$t" ] || continue
	log "negative-$arch: $t: the boot ended before KUnit started; booting it again"
	mv "$boot" "${boot%.log}.hung"
	kunit_py exec "${args[@]}" "${qemu[@]}" --raw_output=all "$t" >"$boot" 2>&1
done
tests=()
for boot in "$logs"/boot-*.log; do
	[ -e "$boot" ] || continue
	tests+=("$(grep -aom1 'kunit\.filter_glob=[^ ]*' "$boot" | cut -d= -f2)")
done
if [ ${#tests[@]} -eq 0 ]; then
	log "negative-$arch: no misuse boot ran (log: ${logs#"$PROJ"/}/all.log)"
	stage_result "negative-$arch" 0 1
	exit 1
fi
log "negative-$arch: ${#tests[@]} cases, one boot each, in $((SECONDS - start)) s"

i=0
for t in "${tests[@]}"; do
	i=$((i + 1))
	boot=$(printf '%s/boot-%03d.log' "$logs" "$i")
	line=$(awk -F'\t' -v t="$t" '$1 == t' "$table")
	if [ -z "$line" ]; then
		fail "$t: no entry in tests/negative-cases.txt"
		continue
	fi
	IFS=$'\t' read -r -a f <<<"$line"
	archs=${f[1]}
	if [ ! -s "$boot" ]; then
		fail "$t: no boot log"
		continue
	fi
	case=${t#*.}
	# The case's own KTAP result line (kunit.py parse per boot would
	# cost a Python start each).
	p=0 fl=0 s=0 c=0
	if grep -aqE "(^|[[:space:]])not ok [0-9]+ $case( |$)" "$boot"; then
		fl=1
	elif grep -aqE "(^|[[:space:]])ok [0-9]+ $case # SKIP" "$boot"; then
		s=1
	elif grep -aqE "(^|[[:space:]])ok [0-9]+ $case( |$)" "$boot"; then
		p=1
	else
		c=1
	fi
	if [ "$archs" != all ] && ! grep -qw "$arch" <<<"${archs//,/ }"; then
		if [ "$s" -ge 1 ] && [ "$fl" -eq 0 ] && [ "$c" -eq 0 ]; then
			pass "$t: skipped on $arch as expected"
		else
			fail "$t: expected a skip on $arch"
		fi
		continue
	fi
	why=
	[ "$p" -eq 1 ] && [ "$fl" -eq 0 ] && [ "$s" -eq 0 ] && [ "$c" -eq 0 ] ||
		why="case did not pass (passed=$p failed=$fl skipped=$s crashed=$c)"
	grep -aq "ok [0-9]* $case\b" "$boot" || why="${why:+$why; }no result line for $case"
	# Each column must match; '|' separates alternatives (per arch).
	for pat in "${f[@]:3}"; do
		hit=
		IFS='|' read -r -a alts <<<"$pat"
		for alt in "${alts[@]}"; do
			grep -aqF -- "$alt" "$boot" && hit=1
		done
		[ -n "$hit" ] || why="${why:+$why; }no '$pat' in the console"
	done
	if [ -z "$why" ]; then
		pass "$t: ${f[*]:3}"
	else
		fail "$t: $why (log: ${boot#"$PROJ"/})"
	fi
done

# Every expected case must exist.  (Not with printf | grep -q: grep may
# exit at the match before printf has written everything, and pipefail
# then fails the pipeline.)
declare -A built=()
for t in "${tests[@]}"; do
	built[$t]=1
done
while IFS=$'\t' read -r t _; do
	case $t in ''|'#'*) continue ;; esac
	[ -z "${built[$t]:-}" ] || continue
	fail "$t: listed in tests/negative-cases.txt but not built"
done <"$table"

stage_result "negative-$arch" "$passed" "$failed"
