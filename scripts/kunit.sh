#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The KUnit stages of one architecture, with kunit.py as a user runs it:
#
#   build      build the positive kernel only (build/kunit-<arch>, from
#              drivers/dma-buf/tests/.kunitconfig and
#              tests/kunit-<arch>.config)
#   build-misuse  build the misuse kernel only (see negative)
#   positive   build it and run every suite it has in one boot, with no
#              filter: the .kunitconfig enables the positive suites only
#   negative   build the misuse kernel (build/kunit-<arch>-misuse: the same
#              plus drivers/dma-buf/tests/misuse.kunitconfig, from a copy of the
#              positive build so that only the misuse module and the link
#              are new) and run scripts/negative.sh on it: one boot per case
#
# Usage: scripts/kunit.sh <um|x86_64> [build|build-misuse|positive|negative]...
#	(default: positive negative)

set -uo pipefail
. "$(dirname "$0")/lib.sh"

arch=${1:?usage: kunit.sh <um|x86_64> [build|positive|negative]...}
shift
modes=("$@")
[ ${#modes[@]} -gt 0 ] || modes=(positive negative)

prepare_tree >/dev/null || { stage_result "kunit-$arch-setup" 0 1; exit 1; }
logs=$BUILD/logs/kunit-$arch
mkdir -p "$logs"

# kunit_build <positive|negative>: build the kernel of that kind.
kunit_build() {
	local kind=$1 start=$SECONDS seed stamp
	kunit_args "$arch" "$kind"
	if [ "$kind" = negative ] && [ ! -e "$KUNIT_BDIR/.config" ] &&
	   [ -e "$BUILD/kunit-$arch/.config" ]; then
		# Same kernel plus one module: start from the positive objects.
		seed=$BUILD/kunit-$arch
		seed_build_dir "$seed" "$KUNIT_BDIR"
		log "kunit-$arch: misuse build dir seeded from ${seed#"$PROJ"/}"
	fi
	stamp=$(build_stamp kunit "${KUNIT_ARGS[@]}")
	if build_current "$KUNIT_BDIR" "$stamp"; then
		log "kunit-$arch: $kind kernel up to date (${KUNIT_BDIR#"$PROJ"/})"
		return 0
	fi
	log "kunit-$arch: building the $kind kernel (kunit.py, ccache, ${KUNIT_BDIR#"$PROJ"/})"
	rm -f "$KUNIT_BDIR/.dft-build-stamp"
	if ! kbuild_locked kunit_py build "${KUNIT_ARGS[@]}" --jobs="$JOBS" \
		--make_options CC="ccache gcc" >"$logs/build-$kind.log" 2>&1; then
		tail -n 40 "$logs/build-$kind.log" >&2
		stage_result "kunit-$arch-build-$kind" 0 1
		return 1
	fi
	echo "$stamp" >"$KUNIT_BDIR/.dft-build-stamp"
	log "kunit-$arch: $kind kernel built in $((SECONDS - start)) s"
}

rc=0
for mode in "${modes[@]}"; do
case $mode in
build)
	kunit_build positive || rc=1
	;;
build-misuse)
	kunit_build negative || rc=1
	;;
positive)
	kunit_build positive || { rc=1; continue; }
	[ "$arch" = um ] || log "kunit-$arch: accelerator $(qemu_accel)"
	raw=$logs/positive.log
	start=$SECONDS
	KUNIT_WATCH_NAME=kunit-$arch kunit_exec_watched "$raw" "${KUNIT_ARGS[@]}" "${KUNIT_RUN[@]}" --timeout=600 \
		--raw_output=all
	if [ $? -eq 124 ]; then
		# A boot that hung or died before KUnit started says nothing about the
		# suites: boot once more, keeping the first log.
		log "kunit-$arch: the boot ended before KUnit started; booting it again"
		mv "$raw" "$raw.hung"
		KUNIT_WATCH_NAME=kunit-$arch kunit_exec_watched "$raw" "${KUNIT_ARGS[@]}" "${KUNIT_RUN[@]}" --timeout=600 \
			--raw_output=all
	fi
	kunit_py parse "$raw" >"$logs/positive.parsed" 2>&1
	read -r p f s c e < <(kunit_counts "$logs/positive.parsed")
	grep -aE '^\[[0-9:]+\] +\[(PASSED|FAILED|SKIPPED|CRASHED)\]|^\[[0-9:]+\] +(ok|not ok)' \
		"$logs/positive.parsed" | sed 's/^/  /' >&2 || true
	bad=$((f + s + c + e))
	if ! scan_reports "$raw"; then
		log "kunit-$arch: kernel report in a positive run (log: ${raw#"$PROJ"/})"
		bad=$((bad + 1))
	fi
	if grep -aq 'dma_fence_token_neg' "$raw"; then
		log "kunit-$arch: a misuse suite ran in the positive kernel"
		bad=$((bad + 1))
	fi
	if [ "$p" -eq 0 ]; then
		log "kunit-$arch: no test ran"
		bad=$((bad + 1))
	fi
	[ "$bad" -eq 0 ] || grep -a -B2 -A12 -E "FAILED|not ok" "$logs/positive.parsed" | head -n 60 >&2
	log "kunit-$arch positive: passed=$p failed=$f skipped=$s crashed=$c errors=$e" \
		"in $((SECONDS - start)) s"
	stage_result "kunit-$arch" "$p" "$bad" || rc=1
	;;
negative)
	kunit_build negative || { rc=1; continue; }
	"$PROJ/scripts/negative.sh" "$arch" || rc=1
	;;
*)
	log "kunit.sh: unknown mode $mode"
	rc=1
	;;
esac
done
exit $rc
