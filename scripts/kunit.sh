#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build the KUnit kernel for one architecture with kunit.py and run the
# positive suites in one boot; optionally the misuse suites, one boot per
# case, checked against tests/negative-cases.txt.
#
# Usage: scripts/kunit.sh <um|x86_64> [positive] [negative]

set -uo pipefail
. "$(dirname "$0")/lib.sh"

arch=${1:?usage: kunit.sh <um|x86_64> [positive] [negative]}
shift
modes=("$@")
[ ${#modes[@]} -gt 0 ] || modes=(positive negative)

prepare_tree >/dev/null || { stage_result "kunit-$arch-setup" 0 1; exit 1; }

bdir=$BUILD/kunit-$arch
logs=$BUILD/logs/kunit-$arch
mkdir -p "$bdir" "$logs"
args=(--arch="$arch" --build_dir="$bdir"
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

log "kunit-$arch: building (kunit.py, ccache, build dir ${bdir#"$PROJ"/})"
start=$SECONDS
if ! kbuild_locked kunit_py build "${args[@]}" --jobs="$JOBS" \
	--make_options CC="ccache gcc" >"$logs/build.log" 2>&1; then
	tail -n 40 "$logs/build.log" >&2
	stage_result "kunit-$arch-build" 0 1
	exit 1
fi
log "kunit-$arch: built in $((SECONDS - start)) s"

rc=0
for mode in "${modes[@]}"; do
case $mode in
positive)
	# Every suite but the misuse one (neg, one boot per case, below)
	# and the benchmarks (bench, make bench).
	raw=$logs/positive.log
	kunit_py exec "${args[@]}" "${qemu[@]}" --timeout=600 --raw_output=all \
		'dma_fence_token_[!nb]*' >"$raw" 2>&1
	kunit_py parse "$raw" >"$logs/positive.parsed" 2>&1
	read -r p f s c e < <(summary_counts "$logs/positive.parsed")
	grep -aE '^\[[0-9:]+\] +\[(PASSED|FAILED|SKIPPED|CRASHED)\]|^\[[0-9:]+\] +(ok|not ok)' \
		"$logs/positive.parsed" | sed 's/^/  /' >&2 || true
	bad=$((f + s + c + e))
	if ! scan_reports "$raw"; then
		log "kunit-$arch: kernel report in a positive run (log: ${raw#"$PROJ"/})"
		bad=$((bad + 1))
	fi
	if [ "$p" -eq 0 ]; then
		log "kunit-$arch: no test ran"
		bad=$((bad + 1))
	fi
	[ "$bad" -eq 0 ] || grep -a -B2 -A12 -E "FAILED|not ok" "$logs/positive.parsed" | head -n 60 >&2
	log "kunit-$arch positive: passed=$p failed=$f skipped=$s crashed=$c errors=$e"
	stage_result "kunit-$arch" "$p" "$bad" || rc=1
	;;
negative)
	"$PROJ/scripts/negative.sh" "$arch" "$bdir" || rc=1
	;;
esac
done
exit $rc
