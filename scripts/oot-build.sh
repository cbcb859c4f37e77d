#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Out-of-tree build of the library and the sample driver against Debian's
# headers of the pinned kernel (linux-headers-<abi>-amd64 of KVER, chosen by
# exact version; a production kernel: no lockdep, no debugobjects, no
# KUnit), with -Werror and sparse (C=2).  Proves that every annotation
# compiles away, and that the production configuration, where the
# tracker's hooks are empty, keeps sparse's lock contexts balanced (the
# gates stage runs sparse on the misuse kernel).  The sources are copied
# to the build directory first, so no object lands in the tree.
#
# Usage: scripts/oot-build.sh

set -uo pipefail
. "$(dirname "$0")/lib.sh"

prepare_tree >/dev/null || { stage_result oot-debian 0 1; exit 1; }
kdir=$(debian_headers)
if [ -z "$kdir" ]; then
	log "oot-debian: no linux-headers-*-amd64 package of $KVER under /usr/src"
	stage_result oot-debian 0 1
	exit 1
fi
out=$BUILD/oot-debian
stamp=$(build_stamp oot "$kdir")
# Built from these very inputs already (the gates stage, then the debian
# stage): judge that build again.
if ! build_current "$out" "$stamp" || [ ! -s "$out/build.log" ]; then
	rm -rf "$out"
	mkdir -p "$out"
	cp -r "$PROJ/Kbuild" "$PROJ/Kconfig" "$PROJ/compat" "$PROJ/include" "$PROJ/drivers" "$out/"
	find "$out" -name '*-test.c' -delete
	find "$out" -path '*/tests/Kbuild' -exec sh -c ': > "$1"' _ {} \;
	kbuild_locked make -C "$kdir" M="$out" CONFIG_DMA_FENCE_TOKEN=m CONFIG_DRM_SIMGPU=m W=1 C=2 \
		DFT_SHOW_PROBES=1 KCFLAGS=-Werror modules >"$out/build.log" 2>&1
	echo "$?" >"$out/build.status"
	echo "$stamp" >"$out/.dft-build-stamp"
fi

if [ "$(cat "$out/build.status")" = 0 ] && ! grep -q 'warning:' "$out/build.log"; then
	log "oot-debian: built $(cd "$out" && find . -name '*.ko' | sort | tr '\n' ' ')against" \
		"$(basename "$kdir") $(dpkg-query -W -f='${Version}' "$(basename "$kdir")")"
	# Production objects must not reference any checking machinery.
	mapfile -t kos < <(find "$out" -name '*.ko')
	syms=$(debug_symbols "${kos[@]}")
	if [ -n "$syms" ]; then
		log "oot-debian: production module references checking symbols: $syms"
		stage_result oot-debian 0 1
		exit 1
	fi
	stage_result oot-debian 1 0
else
	grep -E 'error|warning' "$out/build.log" | head -n 30 >&2
	stage_result oot-debian 0 1
fi
