#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Prove that make check can fail, and that it does not fail for the wrong
# reason.  Each injection changes one file of the working tree, runs the
# stage that must catch it, records its check line and exit status, and
# restores the file; every injection must end in rc!=0:
#
#   kunit-case-fails         a KUnit expectation is wrong
#   positive-lockdep-report  a positive case allocates with GFP_KERNEL
#                            inside a token's section
#   negative-not-caught      a misuse case no longer misbehaves
#   sparse-warns             a token leaked on one path of a refused transfer
#   checkpatch-warns         trailing whitespace
#   kernel-doc-warns         an undocumented parameter
#   debian-build-fails       an unused variable in the production-only path
#   docs-heading-broken      a merge leftover under a heading of the rst
#   docs-doc-missing         the rst pulls in a DOC section that does not exist
#   misuse-table-stale       a misuse case described differently than README says
#
# Each accelerator case fakes /dev/kvm (a writable file) and puts a QEMU
# wrapper first on PATH; the stages must pass (rc=0) and say what they used:
#
#   accel-kvm-broken         QEMU aborts under KVM, as on a machine whose
#                            /dev/kvm exists but does not work: the probe
#                            falls back to TCG and the x86_64 stages
#                            (kunit-x86_64, qemu) still pass
#   accel-kvm-works          QEMU "supports" KVM (the wrapper runs TCG in
#                            its place): the probe says KVM and the qemu
#                            stage boots with -enable-kvm
#   misuse-boot-hangs        the first boot of one misuse case stalls
#                            before KUnit starts (the wrapper starts that
#                            QEMU paused, -S, as a guest hung in early
#                            boot): negative.sh ends it after KUNIT_SILENT_S
#                            (10 here) seconds of silence, not at
#                            kunit.py's timeout, boots the case again, and
#                            the stage passes
#
# Every file is restored on any exit, interrupts included.
#
# Usage: scripts/harness-selftest.sh [case...]   (default: all; about 15
#	minutes with warm builds)

set -uo pipefail
. "$(dirname "$0")/lib.sh"
cd "$PROJ" || exit 1

# file<TAB>backup of every file currently changed by an injection.
pending=()
restore_all() {
	local e
	for e in "${pending[@]}"; do
		cp "${e#*	}" "${e%%	*}" && rm -f "${e#*	}"
	done
	pending=()
	[ -z "${fake:-}" ] || rm -rf "$fake"
}
trap restore_all EXIT
trap 'restore_all; exit 130' INT TERM HUP

only=("$@")
selected() {
	local o
	[ ${#only[@]} -gt 0 ] || return 0
	for o in "${only[@]}"; do
		[ "$o" != "$1" ] || return 0
	done
	return 1
}

fails=0
inject() {	# inject <name> <stage> <file> <perl substitution>
	local name=$1 stage=$2 file=$3 expr=$4 backup rc
	selected "$name" || return 0
	backup=$(mktemp)
	cp "$file" "$backup"
	pending+=("$file	$backup")
	perl -0pi -e "$expr" "$file"
	if cmp -s "$file" "$backup"; then
		echo "selftest: $name: injection did not apply"
		fails=$((fails + 1))
		restore_all
		return
	fi
	"$PROJ/scripts/check.sh" "$stage" >"$BUILD/logs/selftest-$name.out" 2>&1
	rc=$?
	restore_all
	echo "selftest: $name: rc=$rc $(grep -E '^check: [0-9]+ passed' "$BUILD/logs/selftest-$name.out")"
	[ "$rc" -ne 0 ] || fails=$((fails + 1))
}

# fake_qemu <broken|works|hang-once>: a QEMU wrapper and a fake KVM device
# in $fake.
fake=''
fake_qemu() {
	local real
	real=$(command -v "$QEMU_X86")
	fake=$(mktemp -d)
	mkdir -p "$fake/bin" "$fake/accel"
	: >"$fake/kvm"
	if [ "$1" = broken ]; then
		cat >"$fake/bin/$QEMU_X86" <<-EOF
		#!/bin/bash
		for a in "\$@"; do
			case \$a in
			-enable-kvm|*accel=kvm*|kvm)
				echo "$QEMU_X86: error: failed to set MSR 0x10a to 0x2000000000 (fake)" >&2
				kill -s ABRT \$\$ ;;
			esac
		done
		exec "$real" "\$@"
		EOF
	elif [ "$1" = hang-once ]; then
		cat >"$fake/bin/$QEMU_X86" <<-EOF
		#!/bin/bash
		case "\$*" in
		*kunit.filter_glob=dma_fence_token_neg.dft_neg_control_abba\ *)
			if mkdir "$fake/hung" 2>/dev/null; then
				exec "$real" "\$@" -S
			fi ;;
		esac
		exec "$real" "\$@"
		EOF
	else
		cat >"$fake/bin/$QEMU_X86" <<-EOF
		#!/bin/bash
		args=()
		for a in "\$@"; do
			case \$a in
			-enable-kvm) args+=(-accel tcg) ;;
			host) args+=(qemu64,-cx16) ;;
			*) args+=("\$a") ;;
			esac
		done
		exec "$real" "\${args[@]}"
		EOF
	fi
	chmod +x "$fake/bin/$QEMU_X86"
}

# accel <name> <broken|works|hang-once> <expected log ERE> <stage...>: the
# stages must pass with the fake QEMU and their logs must match the ERE.
accel() {
	local name=$1 mode=$2 want=$3 rc out
	shift 3
	selected "$name" || return 0
	fake_qemu "$mode"
	out=$BUILD/logs/selftest-$name.out
	PATH="$fake/bin:$PATH" DFT_KVM_DEV="$fake/kvm" DFT_ACCEL_CACHE="$fake/accel" \
		KUNIT_SILENT_S=10 "$PROJ/scripts/check.sh" "$@" >"$out" 2>&1
	rc=$?
	rm -rf "$fake"
	fake=''
	# -z: the ERE may span lines.
	if [ "$rc" -eq 0 ] && grep -zqE "$want" "$out"; then
		echo "selftest: $name: rc=0, $(grep -zoE "$want" "$out" | tr '\0\n' '  ' | cut -c1-300); $(grep -E '^check: [0-9]+ passed' "$out")"
	else
		echo "selftest: $name: rc=$rc, '$want' $(grep -zqE "$want" "$out" && echo seen || echo "not seen"); $(grep -E '^check: [0-9]+ passed' "$out")"
		fails=$((fails + 1))
	fi
}

mkdir -p "$BUILD/logs"
inject kunit-case-fails kunit-um drivers/dma-buf/tests/dma-fence-token-test.c \
	's/sizeof\(struct dma_fence_token_proof\), sizeof\(void \*\)\);/sizeof(struct dma_fence_token_proof), 2 * sizeof(void *));/'
inject positive-lockdep-report kunit-um drivers/dma-buf/tests/dma-fence-token-test.c \
	's/p = kmalloc\(64, GFP_NOWAIT \| __GFP_NOWARN\);/p = kmalloc(64, GFP_KERNEL);/'
inject negative-not-caught kunit-um drivers/dma-buf/tests/dma-fence-token-neg-test.c \
	's/(dft_need_lockdep\(test\);\n\tdma_fence_token_begin\(&tok, dft_f\(test\)\);\n\tp = kmalloc\(64, )GFP_KERNEL/$1GFP_NOWAIT/'
inject sparse-warns gates drivers/dma-buf/dma-fence-token-internal.h \
	's/\t\} else \{\n\t\t\*proof = dma_fence_token_signal\(tok, -ECANCELED\);\n\t\}/\t}/'
inject checkpatch-warns gates drivers/dma-buf/dma-fence-token-ring.c \
	's/#define DFT_RING_BATCH\t32/#define DFT_RING_BATCH\t32 /'
inject kernel-doc-warns gates drivers/dma-buf/dma-fence-token-ring.c \
	's/ \* \@n: number of unused reserved slots\n//'
inject debian-build-fails gates include/linux/dma-fence-token.h \
	's/(\tif \(unlikely\(!tok->fence\)\)\n\t\treturn __DFT_PROOF\(NULL\);)/\tint unused;\n\n$1/'
inject docs-heading-broken gates Documentation/driver-api/dma-fence-token.rst \
	's/(   :doc: Fault injection\n)\n/$1=======\n/'
inject docs-doc-missing gates Documentation/driver-api/dma-fence-token.rst \
	's/:doc: Contract/:doc: Contract of nothing/'
inject misuse-table-stale gates tests/negative-cases.txt \
	's/\ttoken discharged twice\t/\ttoken discharged thrice\t/'
accel accel-kvm-broken broken 'accelerator TCG \(KVM probe failed: rc=134[^)]*failed to set MSR' \
	kunit-x86_64 qemu
accel accel-kvm-works works 'qemu: modules accelerator KVM' qemu
accel misuse-boot-hangs hang-once \
	'printed nothing for 1[0-9] s before KUnit started; ending it(.|\n)*dft_neg_control_abba: the boot ended before KUnit started; booting it again' \
	kunit-x86_64

echo "selftest: $fails case(s) not as expected"
[ "$fails" -eq 0 ]
