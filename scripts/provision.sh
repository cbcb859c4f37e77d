#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Install what the project needs on a Debian 12 machine and extract
# linux-source-6.1 once into the cache directory.  Idempotent: a second run
# only checks.
#
# Usage: scripts/provision.sh <cache-dir>
# Prints the path of the pristine kernel tree on its last line.

set -euo pipefail

cache=${1:?usage: provision.sh <cache-dir>}

pkgs=(build-essential bc bison flex cpio kmod xz-utils rsync python3
      libelf-dev libssl-dev sparse ccache qemu-system-x86 busybox-static
      linux-source-6.1 linux-headers-amd64 trace-cmd)

sudo_cmd=()
[ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)

missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
		missing+=("$p")
done

if [ ${#missing[@]} -gt 0 ]; then
	echo "provision: installing ${missing[*]}" >&2
	export DEBIAN_FRONTEND=noninteractive
	if [ ! -d /var/lib/apt/lists ] || [ -z "$(ls -A /var/lib/apt/lists 2>/dev/null | grep -v -e lock -e partial)" ]; then
		"${sudo_cmd[@]}" apt-get update -q >&2
	fi
	if ! "${sudo_cmd[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}" >&2; then
		"${sudo_cmd[@]}" apt-get update -q >&2
		"${sudo_cmd[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}" >&2
	fi
fi

tarball=$(ls /usr/src/linux-source-6.1*.tar.xz 2>/dev/null | sort -V | tail -n 1)
[ -n "$tarball" ] || { echo "provision: no linux-source-6.1 tarball in /usr/src" >&2; exit 1; }

mkdir -p "$cache"
stamp="$cache/.extracted-$(basename "$tarball")"
tree="$cache/$(basename "$tarball" .tar.xz)"
if [ ! -e "$stamp" ]; then
	echo "provision: extracting $(basename "$tarball") into the cache" >&2
	rm -rf "$tree" "$tree.tmp"
	mkdir -p "$tree.tmp"
	tar -C "$tree.tmp" -xf "$tarball"
	mv "$tree.tmp/$(basename "$tarball" .tar.xz)" "$tree"
	rmdir "$tree.tmp"
	# The tree is only ever read: overlays are hard-linked copies.
	touch "$stamp"
fi
echo "$tree"
