#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build an x86_64 kernel with lock debugging and KUnit, boot it under QEMU
# (-smp 2) with a busybox initramfs, load the given modules (their KUnit
# suites run at load time), run an optional workload, then check the console:
# KUnit results through kunit.py parse, the workload's exit code, and no
# unexpected kernel report anywhere in the log.
#
# Usage: scripts/qemu-boot.sh --tree <overlay tree> --build <dir>
#		[--modules "<mod>..."] [--workload "<cmd>"]
#		[--extra-config <fragment>] [--log <file>] [--timeout <s>]
#		[--kunit-py <path>] [--name <label>] [--min-tests <n>]
#		[--files "<src>:<dst>..."] [--allow-reports <ERE>]
#		[--modprobe-conf "<line>..."] [--append "<kernel args>"]
#
# --files copies each <src> of the host to <dst> in the initramfs (an
# absolute path, e.g. a static test binary to /bin/tool).
# The tree comes from scripts/overlay.sh; all output goes to the build dir.
# --allow-reports: report lines matching the ERE are expected (a boot that
# provokes reports on purpose); they are counted apart and the caller must
# check them itself.
# --modprobe-conf lines go to the guest's /etc/modprobe.d (for example
# "options <module> <param>=<value>"), so module parameters reach modprobe;
# --append adds to the kernel command line.
# Prints "qemu: <name> kunit passed=.. failed=.. skipped=..", "qemu: <name>
# reports=<n>" and "qemu: <name> result=PASS|FAIL"; exits 0 only on PASS.

set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
tree='' build='' workload='' extra='' log='' kunit_py='' name='' files='' allow=''
mconf='' append=''
timeout=300 min_tests=1
modules="dma-fence-tokens dma-fence-token-test"

die() { echo "qemu-boot: $*" >&2; exit 2; }

while [ $# -gt 0 ]; do
	[ $# -ge 2 ] || die "missing value for $1"
	case $1 in
	--tree) tree=$2 ;;
	--build) build=$2 ;;
	--modules) modules=$2 ;;
	--workload) workload=$2 ;;
	--extra-config) extra=$2 ;;
	--log) log=$2 ;;
	--timeout) timeout=$2 ;;
	--kunit-py) kunit_py=$2 ;;
	--name) name=$2 ;;
	--min-tests) min_tests=$2 ;;
	--files) files=$2 ;;
	--allow-reports) allow=$2 ;;
	--modprobe-conf) mconf=$2 ;;
	--append) append=$2 ;;
	*) die "unknown option $1 (see the usage comment in $0)" ;;
	esac
	shift 2
done
if [ -z "$tree" ] || [ -z "$build" ]; then die "--tree and --build are required"; fi
[ -f "$tree/Makefile" ] || die "$tree is not a kernel tree"
[ -z "$extra" ] || [ -f "$extra" ] || die "no such fragment: $extra"
tree=$(cd "$tree" && pwd)
mkdir -p "$build"
build=$(cd "$build" && pwd)
exec 9>"$build/.qemu-boot.lock"	# one run per build dir at a time
flock 9
name=${name:-$(basename "$build")}
log=${log:-$build/console-$name.log}
kunit_py=${kunit_py:-$tree/tools/testing/kunit/kunit.py}
say() { echo "qemu: $name $*"; }

kmake=(make -C "$tree" O="$build" ARCH=x86_64 CC="ccache gcc" -j"$(nproc)")

# --- Configure: allnoconfig plus the fragment, only when the fragment changed.
# Later assignments of a symbol override earlier ones (extra wins).
frag=$build/qemu-boot.config
awk '/^CONFIG_[A-Za-z0-9_]+=/ { s = $0; sub(/=.*/, "", s) }
     /^# CONFIG_[A-Za-z0-9_]+ is not set/ { s = $2 }
     s != "" { if (!(s in v)) o[n++] = s; v[s] = $0; s = "" }
     END { for (i = 0; i < n; i++) print v[o[i]] }' \
	"$root/tests/qemu-modules.config" ${extra:+"$extra"} >"$frag.new"
start=$SECONDS
: >"$build/make.log"
# One kernel build at a time on the machine (see KBUILD_LOCK in lib.sh).
KBUILD_LOCK=${KBUILD_LOCK:-${KSRC_CACHE:+$KSRC_CACHE/.kbuild.lock}}
if [ -n "${KBUILD_LOCK:-}" ]; then
	mkdir -p "$(dirname "$KBUILD_LOCK")"
	exec 8>"$KBUILD_LOCK"
	flock 8
fi
if [ ! -f "$build/.config" ] || ! cmp -s "$frag.new" "$frag"; then
	say "configuring $build"
	rm -f "$frag"
	"${kmake[@]}" KCONFIG_ALLCONFIG="$frag.new" allnoconfig >>"$build/make.log" 2>&1 ||
		{ tail -n 30 "$build/make.log"; die "allnoconfig failed"; }
	mv "$frag.new" "$frag"
fi
rm -f "$frag.new"
missing=$(grep -E '^CONFIG_[A-Za-z0-9_]+=[ym]$' "$frag" | grep -vxF -f "$build/.config" || true)
if [ -n "$missing" ]; then
	echo "qemu-boot: these fragment options did not make it into $build/.config" \
		"(unmet dependency or unknown symbol):" >&2
	echo "$missing" >&2
	exit 2
fi
# "# CONFIG_X is not set" in the fragment must leave X off (not selected
# back on by another option).
still_set=$(sed -nE 's/^# (CONFIG_[A-Za-z0-9_]+) is not set$/^\1=/p' "$frag" |
	grep -f - "$build/.config" || true)
if [ -n "$still_set" ]; then
	echo "qemu-boot: these options the fragment turns off are still on in" \
		"$build/.config (selected by another option):" >&2
	echo "$still_set" >&2
	exit 2
fi

# --- Build.
say "building bzImage and modules (log: $build/make.log)"
"${kmake[@]}" bzImage modules >>"$build/make.log" 2>&1 ||
	{ tail -n 40 "$build/make.log"; die "kernel build failed"; }
say "build done in $((SECONDS - start))s"

# --- Initramfs: busybox, /init, the modules and what /init should do.
rd=$build/initramfs
rm -rf "$rd"
mkdir -p "$rd"/{bin,sbin,usr/bin,usr/sbin,etc/qemu-boot,proc,sys,dev}
cp /bin/busybox "$rd/bin/busybox"
for a in $("$rd/bin/busybox" --list-full); do
	[ -e "$rd/$a" ] || ln -s /bin/busybox "$rd/$a"
done
install -m 755 "$root/tests/initramfs-init.sh" "$rd/init"
# shellcheck disable=SC2086 # one module per word
printf '%s\n' $modules >"$rd/etc/qemu-boot/modules"
[ -z "$workload" ] || printf '%s\n' "$workload" >"$rd/etc/qemu-boot/workload"
for spec in $files; do
	[ -f "${spec%%:*}" ] || die "--files: no such file: ${spec%%:*}"
	install -D -m 755 "${spec%%:*}" "$rd/${spec#*:}"
done
if [ -n "$mconf" ]; then
	mkdir -p "$rd/etc/modprobe.d"
	printf '%s\n' "$mconf" >"$rd/etc/modprobe.d/qemu-boot.conf"
fi
"${kmake[@]}" INSTALL_MOD_PATH="$rd" INSTALL_MOD_STRIP=1 modules_install \
	>>"$build/make.log" 2>&1 || { tail -n 20 "$build/make.log"; die "modules_install failed"; }
kver=$(cat "$build/include/config/kernel.release")
rm -f "$rd/lib/modules/$kver/build" "$rd/lib/modules/$kver/source"
depmod -b "$rd" "$kver"
[ -z "${KBUILD_LOCK:-}" ] || exec 8>&-
(cd "$rd" && find . -print0 | cpio --null -o -H newc -R 0:0 --quiet) |
	gzip -1 >"$build/initramfs.cpio.gz"

# --- Boot.  The guest reboots at the end; -no-reboot turns that into an exit.
qemu=(qemu-system-x86_64 -smp 2 -m 1G -nographic -no-reboot
	-kernel "$build/arch/x86/boot/bzImage" -initrd "$build/initramfs.cpio.gz"
	-append "console=ttyS0 panic=-1 printk.devkmsg=on${append:+ $append}")
[ ! -e /usr/share/qemu/qboot.rom ] || qemu+=(-bios qboot.rom)
accel=TCG
if [ -r /dev/kvm ] && [ -w /dev/kvm ]; then
	qemu+=(-enable-kvm -cpu host)
	accel=KVM
fi
say "booting ($accel, log: $log)"
mkdir -p "$(dirname "$log")"
start=$SECONDS
"${qemu[@]}" </dev/null >"$log" 2>&1 &
qpid=$!
trap 'kill "$qpid" 2>/dev/null || true' EXIT
timed_out=0
while kill -0 "$qpid" 2>/dev/null; do
	if [ $((SECONDS - start)) -ge "$timeout" ]; then
		timed_out=1
		kill "$qpid" 2>/dev/null || true
		break
	fi
	sleep 0.2
done
wait "$qpid" || true
trap - EXIT
say "boot took $((SECONDS - start))s"

# --- Check the console log.
errors=()
clean=$build/console-$name.clean
tr -d '\r' <"$log" >"$clean"
[ "$timed_out" = 0 ] || errors+=("timed out after ${timeout}s")
done_re='qemu-boot: ---- done modprobe=([0-9]+) workload=([0-9]+)'
if ! [[ $(grep -E "$done_re" "$clean" | tail -n 1) =~ $done_re ]]; then
	errors+=("no completion marker: the guest crashed or hung")
else
	[ "${BASH_REMATCH[1]}" = 0 ] || errors+=("modprobe failed (${BASH_REMATCH[1]})")
	[ "${BASH_REMATCH[2]}" = 0 ] || errors+=("workload exited with ${BASH_REMATCH[2]}")
fi

# The module suites: from the marker in front of /init's KTAP header to the
# end of module loading (the boot's own empty KTAP run comes before).
ktap=$build/ktap-$name.log
sed -n '/qemu-boot: ---- module ktap start/,/qemu-boot: ---- modules loaded/p' \
	"$clean" >"$ktap"
krc=0
kout=$(python3 "$kunit_py" parse "$ktap" 2>&1) || krc=$?
printf '%s\n' "$kout"
read -r passed failed skipped < <(awk '
	function num(k) {
		if (!match(line, k ": [0-9]+")) return 0
		return substr(line, RSTART + length(k) + 2, RLENGTH - length(k) - 2) + 0
	}
	/Testing complete\./ { line = $0 }
	END { print num("passed"), num("failed") + num("crashed"), num("skipped") }' \
	<<<"$kout")
say "kunit passed=$passed failed=$failed skipped=$skipped"
total=$((passed + failed + skipped))
[ "$failed" = 0 ] || errors+=("$failed KUnit test(s) failed")
[ "$total" -ge "$min_tests" ] || errors+=("$total KUnit tests ran, expected at least $min_tests")
[ "$krc" = 0 ] || [ "$total" = 0 ] || errors+=("kunit.py parse reported a failure")

reports_re='BUG:|WARNING:|possible circular locking|inconsistent lock state|ODEBUG|KASAN|UBSAN|suspected memory leak|unreferenced object|Oops|Kernel panic|sleeping function called from invalid context|still has locks held|possible recursive locking'
reports=$(grep -nE "$reports_re" "$clean" || true)
if [ -n "$allow" ]; then
	say "allowed reports=$(grep -cE -- "$allow" <<<"$reports" || true)"
	reports=$(grep -vE -- "$allow" <<<"$reports" || true)
fi
nreports=$(grep -c . <<<"$reports" || true)
say "reports=$nreports"
if [ "$nreports" -gt 0 ]; then
	echo "$reports" | head -n 40 | sed "s/^/qemu: $name report: /"
	errors+=("$nreports unexpected kernel report line(s) in $log")
fi

for e in "${errors[@]}"; do say "error: $e"; done
if [ ${#errors[@]} -eq 0 ]; then
	say "result=PASS"
else
	say "result=FAIL"
	exit 1
fi
