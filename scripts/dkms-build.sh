#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The DKMS gate: dkms add and dkms build -k <abi> of this tree's dkms.conf
# against Debian's headers of KVER (linux-headers-<abi>-amd64), in a DKMS
# tree, source tree and signing key of their own under the build
# directory, so that nothing of the machine's DKMS state changes.  The
# source is a copy of what git tracks (what a distribution package would
# ship).  A build made from the same inputs (the build stamp of lib.sh:
# every project file, the headers) is judged again instead of made again.
#
# Usage: scripts/dkms-build.sh

set -uo pipefail
. "$(dirname "$0")/lib.sh"

name=$(sed -n 's/^PACKAGE_NAME="\(.*\)"$/\1/p' "$PROJ/dkms.conf")
ver=$(sed -n 's/^PACKAGE_VERSION="\(.*\)"$/\1/p' "$PROJ/dkms.conf")
kdir=$(debian_headers)
if [ -z "$kdir" ] || [ -z "$name" ] || [ -z "$ver" ] || ! command -v dkms >/dev/null; then
	log "dkms: needs dkms, dkms.conf's name and version and Debian's $KVER headers"
	stage_result dkms 0 1
	exit 1
fi
abi=${kdir##*/linux-headers-}
out=$BUILD/dkms
stamp=$(build_stamp dkms "$kdir")
fresh=1
if build_current "$out" "$stamp" && [ -s "$out/build.log" ]; then
	log "dkms: inputs unchanged since the last build, judging it again"
	fresh=0
else
	rm -rf "$out"
	mkdir -p "$out/src/$name-$ver" "$out/tree" "$out/install"
	(cd "$PROJ" && git ls-files -z 2>/dev/null | grep -zv '^\.' |
		xargs -0 cp --parents -t "$out/src/$name-$ver") ||
		(cd "$PROJ" && cp -r Kbuild Kconfig dkms.conf compat include drivers "$out/src/$name-$ver/")
fi

# Modules are signed with a key of the gate's own, made by dkms on first
# use, not the machine's /var/lib/dkms/mok.key.
dkms_run() {
	mok_signing_key=$out/mok.key mok_certificate=$out/mok.pub \
	dkms "$@" --dkmstree "$out/tree" --sourcetree "$out/src" --installtree "$out/install" \
		-m "$name" -v "$ver"
}
st=0
if [ "$fresh" = 1 ]; then
	dkms_run add >"$out/add.log" 2>&1 || st=1
	[ "$st" -ne 0 ] || kbuild_locked dkms_run build -k "$abi" --kernelsourcedir "$kdir" \
		>"$out/build.log" 2>&1 || st=1
	# Only a build that worked is reused.
	[ "$st" -ne 0 ] || echo "$stamp" >"$out/.dft-build-stamp"
fi
kos=()
[ "$st" -ne 0 ] || mapfile -t kos < <(find "$out/tree/$name/$ver/$abi" -name '*.ko*' | sort)
if [ "$st" -eq 0 ] && [ ${#kos[@]} -eq 2 ]; then
	log "dkms: built $(for k in "${kos[@]}"; do basename "$k"; done | tr '\n' ' ')for $abi"
	stage_result dkms 1 0
else
	tail -n 30 "$out/add.log" "$out/build.log" "$out/tree/$name/$ver/build/make.log" \
		2>/dev/null >&2
	stage_result dkms 0 1
fi
