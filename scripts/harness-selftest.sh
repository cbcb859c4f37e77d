#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Prove that make check can fail: inject one fault at a time into the
# working tree, run the stage that must catch it, record its check line and
# exit status, and restore the file.  Every line must end in rc=1.
#
#   kunit-case-fails         a KUnit expectation is wrong
#   positive-lockdep-report  a positive case allocates with GFP_KERNEL
#                            inside a token's section
#   negative-not-caught      a misuse case no longer misbehaves
#   sparse-warns             a token leaked on one return path
#   checkpatch-warns         trailing whitespace
#   kernel-doc-warns         an undocumented parameter
#   debian-build-fails       an unused variable in the production-only path
#
# Usage: scripts/harness-selftest.sh   (about 8 minutes with warm builds)

set -uo pipefail
. "$(dirname "$0")/lib.sh"
cd "$PROJ" || exit 1

fails=0
inject() {	# inject <name> <stage> <file> <perl substitution>
	local name=$1 stage=$2 file=$3 expr=$4 backup rc
	backup=$(mktemp)
	cp "$file" "$backup"
	perl -0pi -e "$expr" "$file"
	if cmp -s "$file" "$backup"; then
		echo "selftest: $name: injection did not apply"
		fails=$((fails + 1))
		rm -f "$backup"
		return
	fi
	"$PROJ/scripts/check.sh" "$stage" >"$BUILD/logs/selftest-$name.out" 2>&1
	rc=$?
	cp "$backup" "$file"
	rm -f "$backup"
	echo "selftest: $name: rc=$rc $(grep '^check:' "$BUILD/logs/selftest-$name.out")"
	[ "$rc" -ne 0 ] || fails=$((fails + 1))
}

mkdir -p "$BUILD/logs"
inject kunit-case-fails kunit-um drivers/dma-buf/tests/dma-fence-token-test.c \
	's/sizeof\(struct dma_fence_proof\), sizeof\(void \*\)\);/sizeof(struct dma_fence_proof), 2 * sizeof(void *));/'
inject positive-lockdep-report kunit-um drivers/dma-buf/tests/dma-fence-token-test.c \
	's/p = kmalloc\(64, GFP_NOWAIT \| __GFP_NOWARN\);/p = kmalloc(64, GFP_KERNEL);/'
inject negative-not-caught kunit-um drivers/dma-buf/tests/dma-fence-token-neg-test.c \
	's/(dft_need_lockdep\(test\);\n\tdma_fence_token_begin\(&tok, dft_f\(test\)\);\n\tp = kmalloc\(64, )GFP_KERNEL/$1GFP_NOWAIT/'
inject sparse-warns gates drivers/dma-buf/dma-fence-token-wq.c \
	's/\t\t\*proof = dma_fence_token_signal\(tok, -ECANCELED\);\n(\t\treturn ret;)/$1/'
inject checkpatch-warns gates drivers/dma-buf/dma-fence-token-ring.c \
	's/#define DFT_RING_BATCH\t32/#define DFT_RING_BATCH\t32 /'
inject kernel-doc-warns gates drivers/dma-buf/dma-fence-token-ring.c \
	's/ \* \@n: number of unused reserved slots\n//'
inject debian-build-fails gates include/linux/dma-fence-token.h \
	's/(\tif \(unlikely\(!tok->fence\)\)\n\t\treturn __dma_fence_proof_make\(NULL\);)/\tint unused;\n\n$1/'

echo "selftest: $fails injection(s) not caught"
[ "$fails" -eq 0 ]
