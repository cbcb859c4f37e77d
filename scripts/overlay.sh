#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Make (once) a kernel tree that kunit.py and kbuild can use with the project
# built in: a hard-linked copy of the pristine tree, the project linked in as
# drivers/fence-token, and one hook line each in drivers/Kconfig and
# drivers/Makefile.  The pristine tree is never written: every edit below
# replaces a file (new inode) instead of writing through the hard link.
#
# Usage: scripts/overlay.sh <pristine-tree> <overlay-dir> <project-root>

set -euo pipefail

src=${1:?pristine tree}
ovl=${2:?overlay dir}
proj=$(cd "${3:?project root}" && pwd)

# The marker names the pristine tree: a different one (another kernel
# version) makes a new overlay.
mark=$(cd "$src" && pwd)
if [ ! -e "$ovl/.fence-token-overlay" ] || [ "$(cat "$ovl/.fence-token-overlay")" != "$mark" ]; then
	rm -rf "$ovl" "$ovl.tmp"
	mkdir -p "$(dirname "$ovl")"
	cp -al "$src" "$ovl.tmp"

	# Hook lines, as an upstream patch would add them.  sed -i writes a
	# new file, so the hard-linked original is left alone.
	sed -i 's|^endmenu$|source "drivers/fence-token/Kconfig"\n\nendmenu|' \
		"$ovl.tmp/drivers/Kconfig"
	grep -q 'drivers/fence-token/Kconfig' "$ovl.tmp/drivers/Kconfig"
	sed -i '$a obj-$(CONFIG_DMA_FENCE_TOKEN)\t+= fence-token/' \
		"$ovl.tmp/drivers/Makefile"

	# kunit.py refuses a tree that has been configured in place.
	rm -f "$ovl.tmp/.config"
	echo "$mark" >"$ovl.tmp/.fence-token-overlay"
	mv "$ovl.tmp" "$ovl"
fi

# The link is refreshed every time, so a moved clone still works.
ln -sfn "$proj" "$ovl/drivers/fence-token"
echo "$ovl"
