#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Install what the project needs on a Debian 12 machine and extract the
# source of one pinned kernel (KVER, one of KERNELS_PINNED in scripts/lib.sh:
# 6.1.192 or 6.12.117) once into the cache directory.  Idempotent: a second
# run only checks.
#
# The kernel is chosen by exact version, never by "the newest": the source
# comes from the package linux-source-<major.minor> only if that package's
# upstream version is KVER, and the extracted tree must say KVER in its
# Makefile.  The Debian headers used by the production build are the
# linux-headers-*-amd64 package of the same upstream version
# (debian_headers in scripts/lib.sh), and the matching linux-image package
# is downloaded and unpacked (not installed) into the cache, for the boot
# of Debian's own kernel (debian_image in scripts/lib.sh).
#
# Usage: scripts/provision.sh <cache-dir>
# Prints the path of the pristine kernel tree on its last line.

set -euo pipefail
. "$(dirname "$0")/lib.sh"

cache=${1:?usage: provision.sh <cache-dir>}

pkgs=(build-essential bc bison flex cpio kmod xz-utils rsync python3
      libelf-dev libssl-dev sparse ccache qemu-system-x86 busybox-static
      python3-sphinx "$KSRC_PKG" trace-cmd dkms)

sudo_cmd=()
[ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)

installed() {
	dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'
}

apt_install() {
	export DEBIAN_FRONTEND=noninteractive
	if [ ! -d /var/lib/apt/lists ] || [ -z "$(ls -A /var/lib/apt/lists 2>/dev/null | grep -v -e lock -e partial)" ]; then
		"${sudo_cmd[@]}" apt-get update -q >&2
	fi
	if ! "${sudo_cmd[@]}" apt-get install -y -q --no-install-recommends "$@" >&2; then
		"${sudo_cmd[@]}" apt-get update -q >&2
		"${sudo_cmd[@]}" apt-get install -y -q --no-install-recommends "$@" >&2
	fi
}

missing=()
for p in "${pkgs[@]}"; do
	installed "$p" || missing+=("$p")
done
# headers_package: the name of Debian's linux-headers-<abi>-amd64 package
# whose upstream version is KVER (6.1.0-57-amd64 for 6.1.192,
# 6.12.117+deb12-amd64 for 6.12.117), from the package lists.
headers_package() {
	apt-cache --names-only search '^linux-headers-[0-9][^ ]*-amd64$' 2>/dev/null |
		awk '{ print $1 }' | grep -vE -- '-(rt|cloud)-amd64$' |
		while read -r p; do
			v=$(apt-cache show --no-all-versions "$p" 2>/dev/null |
				awk '/^Version:/ { print $2; exit }')
			case $v in "$KVER"-*) echo "$p"; break ;; esac
		done
}
if [ -z "$(debian_headers)" ]; then
	hp=$(headers_package)
	if [ -z "$hp" ]; then
		"${sudo_cmd[@]}" apt-get update -q >&2 || true
		hp=$(headers_package)
	fi
	missing+=("${hp:-linux-headers-$KVER-amd64}")
fi
if [ ${#missing[@]} -gt 0 ]; then
	echo "provision: installing ${missing[*]}" >&2
	apt_install "${missing[@]}"
fi

hdr=$(debian_headers) || true
if [ -z "$hdr" ]; then
	echo "provision: no linux-headers-*-amd64 package of $KVER is installed" >&2
	exit 1
fi

ver=$(dpkg-query -W -f='${Version}' "$KSRC_PKG")
case $ver in
"$KVER"-*) ;;
*)	echo "provision: $KSRC_PKG is version $ver, the project is pinned to $KVER" >&2
	exit 1 ;;
esac
tarball=/usr/src/$KSRC_PKG.tar.xz
[ -f "$tarball" ] || { echo "provision: $KSRC_PKG installed but $tarball is missing" >&2; exit 1; }

# kernel_version <tree>: VERSION.PATCHLEVEL.SUBLEVEL of its Makefile.
kernel_version() {
	awk '/^VERSION =/ { v = $3 } /^PATCHLEVEL =/ { p = $3 } /^SUBLEVEL =/ { s = $3 }
	     END { print v "." p "." s }' "$1/Makefile"
}

mkdir -p "$cache"
tree=$cache/linux-$KVER
stamp=$tree/.extracted-$KSRC_PKG-$ver
if [ ! -e "$stamp" ]; then
	echo "provision: extracting $KSRC_PKG $ver into the cache" >&2
	rm -rf "$tree" "$tree.tmp"
	mkdir -p "$tree.tmp"
	tar -C "$tree.tmp" -xf "$tarball"
	mv "$tree.tmp/$KSRC_PKG" "$tree"
	rmdir "$tree.tmp"
	# The tree is only ever read: overlays are hard-linked copies.
	touch "$stamp"
fi
got=$(kernel_version "$tree")
if [ "$got" != "$KVER" ]; then
	echo "provision: $tree is Linux $got, the project is pinned to $KVER" >&2
	exit 1
fi
# Debian's own kernel of the same ABI as the headers, unpacked once.
hver=$(dpkg-query -W -f='${Version}' "$(basename "$hdr")")
ipkg=$(basename "$hdr" | sed 's/^linux-headers-/linux-image-/')
img=$cache/$ipkg-$hver
if [ ! -e "$img/.unpacked" ]; then
	echo "provision: unpacking $ipkg $hver into the cache" >&2
	rm -rf "$img" "$img.tmp"
	mkdir -p "$img.tmp"
	(cd "$img.tmp" && apt-get download -q "$ipkg=$hver" >&2 2>/dev/null) ||
		{ "${sudo_cmd[@]}" apt-get update -q >&2; (cd "$img.tmp" && apt-get download -q "$ipkg=$hver" >&2); } ||
		{ echo "provision: cannot download $ipkg $hver" >&2; exit 1; }
	dpkg-deb -x "$img.tmp/${ipkg}_"*.deb "$img.tmp/root"
	kr=${ipkg#linux-image-}
	depmod -b "$img.tmp/root" "$kr"
	mv "$img.tmp/root" "$img"
	rm -rf "$img.tmp"
	touch "$img/.unpacked"
fi
echo "provision: kernel $KVER: source $KSRC_PKG $ver, headers $(basename "$hdr") $hver," \
	"image $ipkg (unpacked)" >&2
echo "$tree"
