#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Run the misuse suites with kunit.py --run_isolated=test (one boot per
# case; two shards of the cases at once where there are two CPUs,
# NEG_JOBS=1 for one) on an already built KUnit kernel and check every
# boot against
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
# A misuse boot takes seconds; one that hung in early boot (x86_64 under
# TCG) is ended by kunit_exec_watched (lib.sh) and booted again below;
# this timeout is the last resort.
args=("${KUNIT_ARGS[@]}" --timeout=120)
qemu=("${KUNIT_RUN[@]}")
[ "$arch" = um ] || log "negative-$arch: accelerator $(qemu_accel)"
glob='dma_fence_token_neg*.*'
export KUNIT_WATCH_NAME=negative-$arch

start=$SECONDS

# The misuse cases, from the suites' sources: every KUNIT_CASE*() entry
# of the dma-fence-token-neg*-test.c files (no case there is conditional).
# They split the cases in two halves, and each must have had its boot.
# (A boot listing them, as before, cost a guest boot per kernel and
# architecture.)
mapfile -t listed < <(sed -nE 's/^[[:space:]]*KUNIT_CASE[A-Z_]*\(([a-z0-9_]+).*/\1/p' \
	"$PROJ"/drivers/dma-buf/tests/dma-fence-token-neg*-test.c)
if [ ${#listed[@]} -eq 0 ]; then
	log "negative-$arch: no KUNIT_CASE in drivers/dma-buf/tests/dma-fence-token-neg*-test.c"
	stage_result "negative-$arch" 0 1
	exit 1
fi

# Two shards at once where there are two CPUs (NEG_JOBS=1: one): a misuse
# boot is a guest booting, mostly on one CPU, and waiting.  Each shard is
# one kunit.py --run_isolated=test run (one boot per case, one Python
# start), over the cases whose name ends in a character up to, or after,
# the one that halves the list: the last characters spread the cases
# more evenly than the first ones (32 and 31 of 63 where the first letter
# after dft_neg_ gave 27 and 36).  Both globs end in a positive class of
# the characters a C identifier may end in ('0' to 'z'): 6.1's
# glob_match() lets a negated class match the string's terminating NUL
# and read on past it, so "*[!a-k]" would also take the cases of "*[a-k]".
globs=("$glob")
if [ "${NEG_JOBS:-$JOBS}" -ge 2 ] 2>/dev/null && [ ${#listed[@]} -ge 2 ]; then
	split=$(printf '%s\n' "${listed[@]}" | sed 's/.*\(.\)$/\1/' |
		LC_ALL=C sort | awk '{ c[NR] = $1 } END {
			best = ""; bd = NR
			for (i = 1; i < NR; i++) {
				if (c[i] == c[i + 1])
					continue
				d = i - NR / 2; if (d < 0) d = -d
				if (d < bd) { bd = d; best = c[i] }
			}
			print best }')
	if [[ $split =~ ^[0-9A-Z_a-y]$ ]]; then
		next=$(printf "\\$(printf '%03o' $(($(printf '%d' "'$split") + 1)))")
		globs=("dma_fence_token_neg*.*[0-$split]" "dma_fence_token_neg*.*[$next-z]")
	fi
fi

# run_shard <n> <glob>: the shard's console in shard-<n>.log; a shard whose
# listing boot hung runs once more.
run_shard() {
	local out=$logs/shard-$1.log
	kunit_exec_watched "$out" "${args[@]}" "${qemu[@]}" --run_isolated=test --raw_output=all "$2"
	grep -aq 'Starting KUnit Kernel (1/' "$out" && return 0
	log "negative-$arch: the boot listing shard $1 hung; booting it again"
	mv "$out" "${out%.log}.hung"
	kunit_exec_watched "$out" "${args[@]}" "${qemu[@]}" --run_isolated=test --raw_output=all "$2"
}
pids=()
for i in "${!globs[@]}"; do
	run_shard "$i" "${globs[$i]}" &
	pids+=($!)
done
for pid in "${pids[@]}"; do
	wait "$pid"
done

# kunit.py lists the cases with a boot of its own, then announces each
# case's boot; split each shard's console there.  Each boot's command line
# names its case (kunit.filter_glob).
for i in "${!globs[@]}"; do
	awk -v dir="$logs" -v s="$i" '/Starting KUnit Kernel \([0-9]+\/[0-9]+\)/ { n++ }
		n { print > sprintf("%s/boot-%d-%03d.log", dir, s, n) }' "$logs/shard-$i.log"
done
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
	kunit_exec_watched "$boot" "${args[@]}" "${qemu[@]}" --raw_output=all "$t"
done
tests=()
boots=()
for boot in "$logs"/boot-*.log; do
	[ -e "$boot" ] || continue
	t=$(grep -aom1 'kunit\.filter_glob=[^ ]*' "$boot" | cut -d= -f2)
	# A boot that names no case fails below (no entry in the table).
	[ -n "$t" ] || { t=${boot##*/}; t=unnamed.${t%.log}; }
	tests+=("$t")
	boots+=("$boot")
done
if [ ${#tests[@]} -eq 0 ]; then
	log "negative-$arch: no misuse boot ran (logs: ${logs#"$PROJ"/})"
	stage_result "negative-$arch" 0 1
	exit 1
fi
# Every case of the sources had its boot (a shard that died part way
# leaves cases without one), and only one (shards that overlap).
declare -A booted_case=()
for t in "${tests[@]}"; do
	[ -z "${booted_case[${t#*.}]:-}" ] || fail "$t: booted more than once (the shards overlap)"
	booted_case[${t#*.}]=1
done
for t in "${listed[@]}"; do
	[ -n "${booted_case[$t]:-}" ] || fail "$t: a misuse case of the sources was not booted"
done
log "negative-$arch: ${#tests[@]} cases, one boot each, ${#globs[@]} at a time, in $((SECONDS - start)) s"

for i in "${!tests[@]}"; do
	t=${tests[$i]}
	boot=${boots[$i]}
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

# Every expected case must exist (booted_case, from above: a boot of the
# same case in another suite has no entry of its own and failed there).
# (Not with printf | grep -q: grep may exit at the match before printf
# has written everything, and pipefail then fails the pipeline.)
while IFS=$'\t' read -r t _; do
	case $t in ''|'#'*) continue ;; esac
	[ -z "${booted_case[${t#*.}]:-}" ] || continue
	fail "$t: listed in tests/negative-cases.txt but not built"
done <"$table"

stage_result "negative-$arch" "$passed" "$failed"
