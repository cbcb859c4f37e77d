#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Static gates: sparse (zero warnings on project code, and the deliberate
# misuse in tests/sparse must be caught), checkpatch --strict, kernel-doc
# -Wall, and the out-of-tree build against Debian's headers.
#
# sparse runs on the x86_64 KUnit build (debug config, everything compiled
# in); build it first with scripts/kunit.sh x86_64 or let this script do it.
#
# Usage: scripts/gates.sh

set -uo pipefail
. "$(dirname "$0")/lib.sh"

prepare_tree >/dev/null || { stage_result gates-setup 0 1; exit 1; }
logs=$BUILD/logs/gates
mkdir -p "$logs"
passed=0
failed=0
gate() {	# gate <name> <ok?>
	if [ "$2" -eq 0 ]; then
		log "  ok   $1"
		passed=$((passed + 1))
	else
		log "  FAIL $1"
		failed=$((failed + 1))
	fi
}

cd "$PROJ" || exit 1
mapfile -t csrc < <(git ls-files '*.c' '*.h' 2>/dev/null || find include drivers tests -name '*.[ch]')
mapfile -t kbuild < <(git ls-files 'Kbuild' '*/Kbuild' 'Kconfig' '*/Kconfig' 2>/dev/null)
lib_src=()
for f in "${csrc[@]}"; do
	case $f in tests/sparse/*) ;; *) lib_src+=("$f") ;; esac
done

# sparse on everything that is built, with the debug configuration.
bdir=$BUILD/kunit-x86_64
if [ ! -e "$bdir/.config" ]; then
	"$PROJ/scripts/kunit.sh" x86_64 none >/dev/null 2>&1
fi
touch "${lib_src[@]}"
kbuild_locked make -C "$OVERLAY" O="$bdir" ARCH=x86_64 CC="ccache gcc" C=2 CHECK=sparse \
	-j"$JOBS" drivers/fence-token/ >"$logs/sparse.log" 2>&1
st=$?
grep -E '^[^:]*drivers/fence-token/[^:]*:[0-9]+:[0-9]+: (warning|error):' \
	"$logs/sparse.log" >"$logs/sparse.hits"
[ -s "$logs/sparse.hits" ] && sed 's/^/    /' "$logs/sparse.hits" >&2
grep -q 'CHECK.*dma-fence-token.c' "$logs/sparse.log" || { log "    sparse did not run"; st=1; }
gate "sparse: no warning in project code" $(( st != 0 || $(wc -l <"$logs/sparse.hits") != 0 ))

# sparse must still bite: each deliberate misuse produces its warning.
kbuild_locked make -C "$OVERLAY" O="$bdir" ARCH=x86_64 CC="ccache gcc" C=2 CHECK=sparse \
	drivers/fence-token/tests/sparse/token-leak.o \
	drivers/fence-token/tests/sparse/token-double.o \
	drivers/fence-token/tests/sparse/proof-forge.o >"$logs/sparse-neg.log" 2>&1
while IFS='|' read -r file pat; do
	grep -E "tests/sparse/$file:[0-9]+:[0-9]+: (warning|error): .*$pat" \
		"$logs/sparse-neg.log" >/dev/null
	gate "sparse catches tests/sparse/$file ($pat)" $?
done <<'LIST'
token-leak.c|context imbalance.*wrong count at exit
token-double.c|context imbalance.*unexpected unlock
proof-forge.c|dereference of noderef expression
LIST

# checkpatch --strict on every source, header and kbuild file.
"$OVERLAY/scripts/checkpatch.pl" --strict --no-tree --terse --show-types \
	--ignore FILE_PATH_CHANGES,EMBEDDED_FILENAME -f "${csrc[@]}" "${kbuild[@]}" >"$logs/checkpatch.log" 2>&1
grep -E '(WARNING|ERROR|CHECK):' "$logs/checkpatch.log" | sed 's/^/    /' >&2
! grep -qE '(WARNING|ERROR|CHECK):' "$logs/checkpatch.log"
gate "checkpatch --strict" $?

# kernel-doc -Wall: silent on every source and header.  The 6.1 script
# has no -Wall; there -v turns on the same extra check (Return: sections).
kdoc_w=-Wall
"$OVERLAY/scripts/kernel-doc" -h 2>&1 | grep -q -- '-Wall' || kdoc_w=-v
"$OVERLAY/scripts/kernel-doc" -none "$kdoc_w" "${lib_src[@]}" 2>&1 |
	grep -v ': info: ' >"$logs/kernel-doc.log"
sed 's/^/    /' "$logs/kernel-doc.log" >&2
[ ! -s "$logs/kernel-doc.log" ]
gate "kernel-doc -Wall" $?

# Every DOC section the rst pulls in exists.
doc_ok=0
while read -r file sec; do
	grep -q "DOC: $sec\$" "$file" || { log "    missing DOC: $sec in $file"; doc_ok=1; }
done < <(awk '/kernel-doc::/ { f = $3 } /:doc:/ { sub(/^ *:doc: */, ""); print f, $0 }' \
	Documentation/driver-api/dma-fence-token.rst)
gate "rst DOC references resolve" $doc_ok

"$PROJ/scripts/oot-build.sh" >"$logs/oot.log" 2>&1
st=$?
sed 's/^/    /' "$logs/oot.log" | grep -v '^    stage:' >&2
gate "out-of-tree build against Debian headers (-Werror)" $st

stage_result gates "$passed" "$failed"
