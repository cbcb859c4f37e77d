#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Static gates: sparse (zero warnings on project code, and the deliberate
# misuse in tests/sparse must be caught), checkpatch --strict, kernel-doc
# -Wall, the documentation built by Sphinx through the kernel's kernel-doc
# extension, the out-of-tree build against Debian's headers, dkms build
# against the same headers (scripts/dkms-build.sh), and the feature probes
# (compat/): what they find in the out-of-tree build must be what
# tests/compat-probes.txt expects of this kernel.
#
# sparse runs on the x86_64 misuse KUnit build (debug configuration, every
# project file compiled: library, all suites, the sample driver); it is
# built first if missing.
#
# config: the debug test kernels built so far (UML and x86_64 KUnit, the
# module kernel if built) enable every option of Debian's configuration
# that tests/debian-config-watch.txt lists (scripts/config-compare.sh).
#
# Usage: scripts/gates.sh [sparse] [checkpatch] [kernel-doc] [docs] [oot]
#	[probes] [dkms] [config]  (default: all of them)

set -uo pipefail
. "$(dirname "$0")/lib.sh"

want=("$@")
[ ${#want[@]} -gt 0 ] || want=(sparse checkpatch kernel-doc docs oot probes dkms config)
# A loop, not printf | grep -q, which pipefail fails when grep exits first.
wants() {
	local w
	for w in "${want[@]}"; do
		[ "$w" != "$1" ] || return 0
	done
	return 1
}

prepare_tree >/dev/null || { stage_result gates-setup 0 1; exit 1; }
logs=$BUILD/logs/gates
mkdir -p "$logs"

cd "$PROJ" || exit 1
mapfile -t csrc < <(git ls-files '*.c' '*.h' 2>/dev/null || find include drivers tests tools -name '*.[ch]')
mapfile -t kbuild < <(git ls-files 'Kbuild' '*/Kbuild' 'Kconfig' '*/Kconfig' 2>/dev/null)
lib_src=()
for f in "${csrc[@]}"; do
	case $f in tests/sparse/*|tools/*) ;; *) lib_src+=("$f") ;; esac
done

if wants sparse; then
	kunit_args x86_64 negative
	bdir=$KUNIT_BDIR
	[ -e "$bdir/vmlinux" ] || "$PROJ/scripts/kunit.sh" x86_64 build build-misuse >/dev/null 2>&1
	# sparse's verdict is a function of the sources and the configuration:
	# when none changed since the last run, its logs are judged again
	# instead of being made again (the build stamp, as for the kernels).
	stamp=$(build_stamp sparse "$bdir")
	fresh=1
	if [ -s "$logs/sparse.log" ] && [ -s "$logs/sparse-neg.log" ] &&
	   [ "$(cat "$logs/sparse.stamp" 2>/dev/null)" = "$stamp" ]; then
		fresh=0
		log "    sparse: inputs unchanged since the last run, judging its logs again"
	fi
	rm -f "$logs/sparse.stamp"
	if [ "$fresh" = 1 ]; then
		hits=$(run_sparse "$bdir" "$logs/sparse.log" dma-fence-token-neg-test.c)
		st=$?
		echo "$st" >"$logs/sparse.status"
	else
		hits=$(sparse_hits "$logs/sparse.log")
		st=$(cat "$logs/sparse.status" 2>/dev/null || echo 1)
	fi
	[ -z "$hits" ] || sed 's/^/    /' <<<"$hits" >&2
	grep -q 'CHECK.*simgpu_job.c' "$logs/sparse.log" || { log "    sparse did not check simgpu"; st=1; }
	verdict "sparse: no warning while checking the project" "$st"

	# sparse must still bite: each deliberate misuse produces its warning.
	[ "$fresh" = 0 ] ||
	kbuild_locked make -k -C "$OVERLAY" O="$bdir" ARCH=x86_64 CC="ccache gcc" C=2 \
		CHECK=sparse drivers/fence-token/tests/sparse/token-leak.o \
		drivers/fence-token/tests/sparse/token-double.o \
		drivers/fence-token/tests/sparse/proof-forge.o \
		drivers/fence-token/tests/sparse/proof-forge-helper.o \
		drivers/fence-token/tests/sparse/proof-forge-macro.o >"$logs/sparse-neg.log" 2>&1
	echo "$stamp" >"$logs/sparse.stamp"
	while IFS='|' read -r file pat; do
		grep -E "tests/sparse/$file:[0-9]+:[0-9]+: (warning|error): .*$pat" \
			"$logs/sparse-neg.log" >/dev/null
		verdict "caught: tests/sparse/$file ($pat)" $?
	done <<'LIST'
token-leak.c|context imbalance.*wrong count at exit
token-double.c|context imbalance.*unexpected unlock
proof-forge.c|dereference of noderef expression
proof-forge-helper.c|implicit declaration of function .__dma_fence_token_proof_make
proof-forge-macro.c|implicit declaration of function .__DFT_PROOF
LIST
fi

if wants checkpatch; then
	# checkpatch --strict on every source, header and kbuild file; the
	# options are in .checkpatch.conf, which checkpatch reads from here.
	"$OVERLAY/scripts/checkpatch.pl" --terse --show-types \
		-f "${csrc[@]}" "${kbuild[@]}" >"$logs/checkpatch.log" 2>&1
	grep -E '(WARNING|ERROR|CHECK):' "$logs/checkpatch.log" | sed 's/^/    /' >&2
	! grep -qE '(WARNING|ERROR|CHECK):' "$logs/checkpatch.log"
	verdict "checkpatch --strict" $?
fi

if wants kernel-doc; then
	# kernel-doc -Wall: silent on every source and header.  The 6.1
	# script has no -Wall; there -v turns on the same extra check
	# (Return: sections).
	kdoc_w=-Wall
	"$OVERLAY/scripts/kernel-doc" -h 2>&1 | grep -q -- '-Wall' || kdoc_w=-v
	"$OVERLAY/scripts/kernel-doc" -none "$kdoc_w" "${lib_src[@]}" 2>&1 |
		grep -v ': info: ' >"$logs/kernel-doc.log"
	sed 's/^/    /' "$logs/kernel-doc.log" >&2
	[ ! -s "$logs/kernel-doc.log" ]
	verdict "kernel-doc -Wall" $?
fi

if wants docs; then
	# The rst page built by Sphinx with the kernel's own configuration
	# and kernel-doc extension (Documentation/conf.py and
	# Documentation/sphinx/ of the tree), the page in the toctree of a
	# one-page index, the sources read from this project.  Any warning or
	# error that names our page or one of our files fails the gate.
	doc=$BUILD/docs
	rm -rf "$doc"
	mkdir -p "$doc/src/driver-api"
	ln -s "$PROJ/Documentation/driver-api/dma-fence-token.rst" "$doc/src/driver-api/"
	cat >"$doc/src/index.rst" <<-'EOF'
	.. SPDX-License-Identifier: GPL-2.0

	dma-fence-token documentation gate
	==================================

	.. toctree::
	   :maxdepth: 2

	   driver-api/dma-fence-token
	EOF
	sphinx-build -b html -q -c "$OVERLAY/Documentation" \
		-D kerneldoc_srctree="$PROJ" -D kerneldoc_bin="$OVERLAY/scripts/kernel-doc" \
		-D version="$KVER" -D release="$KVER" -d "$doc/doctrees" \
		"$doc/src" "$doc/html" >"$logs/sphinx.log" 2>&1
	st=$?
	grep -E 'WARNING|ERROR|SEVERE|CRITICAL|warning:|error:' "$logs/sphinx.log" |
		grep -E 'dma-fence-token|dma_fence_token|simgpu|index\.rst|drivers/|include/' \
		>"$logs/sphinx.hits"
	sed 's/^/    /' "$logs/sphinx.hits" >&2
	[ -s "$doc/html/driver-api/dma-fence-token.html" ] || { log "    no page built"; st=1; }
	[ "$st" -eq 0 ] || tail -n 20 "$logs/sphinx.log" | sed 's/^/    /' >&2
	[ "$st" -eq 0 ] && [ ! -s "$logs/sphinx.hits" ]
	verdict "documentation builds (Sphinx, kernel-doc extension)" $?

	"$PROJ/scripts/misuse-table.sh" --check 2>&1 | head -n 20 | sed 's/^/    /' >&2
	"$PROJ/scripts/misuse-table.sh" --check >/dev/null 2>&1
	verdict "README's misuse table matches tests/negative-cases.txt" $?
fi

# gate_script <log> <verdict name> <script>: run a stage script of its own
# as one gate, its output indented under the verdict.
gate_script() {
	local out=$1 name=$2 st
	shift 2
	"$@" >"$out" 2>&1
	st=$?
	sed 's/^/    /' "$out" | grep -v '^    stage:' >&2
	verdict "$name" $st
}

if wants oot; then
	gate_script "$logs/oot.log" "out-of-tree build against Debian's $KVER headers (-Werror, sparse)" \
		"$PROJ/scripts/oot-build.sh"
fi

if wants probes; then
	# The out-of-tree build prints the probes' verdict (DFT_SHOW_PROBES).
	# oot-build.sh reuses a build made from the same inputs.
	"$PROJ/scripts/oot-build.sh" >/dev/null 2>&1
	got=$(sed -n 's/^dft-probes: //p' "$BUILD/oot-debian/build.log" 2>/dev/null | head -n 1 |
		tr ' ' '\n' | sed -n 's/^-DDFT_HAVE_//p' | tr 'A-Z' 'a-z' | sort | tr '\n' ' ')
	want_p=$(awk -v k="$KVER" '$1 == k { for (i = 2; i <= NF; i++) print $i }' \
		"$PROJ/tests/compat-probes.txt" | sort | tr '\n' ' ')
	log "    probes on Debian's $KVER headers: ${got:-none}(expected: ${want_p:-none})"
	grep -q '^dft-probes: ' "$BUILD/oot-debian/build.log" 2>/dev/null && [ "$got" = "$want_p" ]
	verdict "feature probes find what $KVER has" $?
fi

if wants dkms; then
	gate_script "$logs/dkms.log" "dkms build against Debian's $KVER headers" \
		"$PROJ/scripts/dkms-build.sh"
fi

if wants config; then
	cfgs=()
	for d in kunit-um kunit-x86_64 x86-mod; do
		[ -s "$BUILD/$d/.config" ] && cfgs+=("$BUILD/$d/.config")
	done
	img=$(debian_image)
	dcfg=$(ls "$img"/boot/config-* 2>/dev/null | head -n 1)
	st=1
	if [ -n "$dcfg" ] && [ ${#cfgs[@]} -ge 2 ]; then
		"$PROJ/scripts/config-compare.sh" "$dcfg" "${cfgs[@]}" >"$logs/config.log" 2>&1
		st=$?
		grep -E '^(differs|unknown)' "$logs/config.log" | head -n 20 | sed 's/^/    /' >&2
	else
		log "    no Debian config or fewer than two test kernels built"
	fi
	verdict "debug kernels enable what Debian's config does (${#cfgs[@]} kernels)" $st
fi

stage_result gates "$passed" "$failed"
