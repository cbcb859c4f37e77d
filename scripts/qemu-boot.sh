#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build an x86_64 kernel with lock debugging and KUnit, boot it under QEMU
# (-smp 2) with a busybox initramfs, load the given modules (their KUnit
# suites run at load time), run an optional workload, then check the console:
# KUnit results through kunit.py parse, the workload's exit code, and no
# unexpected kernel report anywhere in the log.
#
# The kernel is configured as kunit.py configures its x86_64 kernel
# (drivers/dma-buf/tests/.kunitconfig and tests/kunit-x86_64.config, then
# olddefconfig) with tests/qemu-modules.config and --extra-config on top.
# A new build directory starts from a copy of build/kunit-x86_64 when that
# exists, so only what the project's options change is compiled.
#
# Usage: scripts/qemu-boot.sh --tree <overlay tree> --build <dir>
#		[--modules "<mod>..."] [--workload "<cmd>"]
#		[--workload-file <guest script>] [--env "<VAR=value>..."]
#		[--extra-config <fragment>] [--log <file>] [--timeout <s>]
#		[--kunit-py <path>] [--name <label>] [--min-tests <n>]
#		[--files "<src>:<dst>..."] [--allow-reports <ERE>]
#		[--modprobe-conf "<line>..."] [--append "<kernel args>"]
#		[--prebuilt <unpacked kernel package> --extra-modules "<ko>..."]
#
# --prebuilt boots a kernel that is not built here (Debian's own, unpacked by
# scripts/provision.sh: boot/vmlinuz-<release> and lib/modules/<release>)
# with the modules of --extra-modules (built out of tree against its
# headers) and the modules they depend on; --tree is still needed for
# kunit.py parse.
#
# --workload-file is a script of tests/guest/ run by busybox sh after the
# modules are loaded; --env values reach it as exported variables
# (/etc/qemu-boot/env), and tests/guest/lib.sh is at /etc/qemu-boot/lib.sh.
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
. "$(dirname "$0")/lib.sh"

root=$PROJ
tree='' build='' workload='' extra='' log='' kunit_py='' name='' files='' allow=''
mconf='' append='' wfile='' genv='' prebuilt='' xmods=''
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
	--workload-file) wfile=$2 ;;
	--env) genv=$2 ;;
	--prebuilt) prebuilt=$2 ;;
	--extra-modules) xmods=$2 ;;
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
[ -z "$wfile" ] || [ -f "$wfile" ] || die "no such workload file: $wfile"
tree=$(cd "$tree" && pwd)
mkdir -p "$build"
build=$(cd "$build" && pwd)
exec 9>"$build/.qemu-boot.lock"	# one run per build dir at a time
flock 9
name=${name:-$(basename "$build")}
log=${log:-$build/console-$name.log}
kunit_py=${kunit_py:-$tree/tools/testing/kunit/kunit.py}
say() { echo "qemu: $name $*"; }

kmake=(make -C "$tree" O="$build" ARCH=x86_64 CC="ccache gcc" -j"$JOBS")
[ -z "$prebuilt" ] || [ -d "$prebuilt/lib/modules" ] || die "$prebuilt is not an unpacked kernel"

build_kernel() {
	local stamp
	stamp=$(build_stamp qemu-boot "$extra")
	if build_current "$build" "$stamp" && [ -f "$build/arch/x86/boot/bzImage" ]; then
		say "kernel up to date ($build)"
		return 0
	fi
	start=$SECONDS
	# One kernel build at a time on the machine (see KBUILD_LOCK in lib.sh),
	# held from the configuration to modules_install.
	mkdir -p "$(dirname "$KBUILD_LOCK")"
	exec 8>"$KBUILD_LOCK"
	flock 8
	seed=$BUILD/kunit-x86_64
	if [ -z "$extra" ] && [ ! -f "$build/.config" ] && [ -f "$seed/.config" ] && [ "$seed" != "$build" ]; then
		say "seeding $build from ${seed#"$root"/}"
		seed_build_dir "$seed" "$build"
		rm -f "$build/.config"
	fi
	# --- Configure, only when the fragments changed.  Later assignments of a
	# symbol override earlier ones (extra wins).
	frag=$build/qemu-boot.config
	awk '/^CONFIG_[A-Za-z0-9_]+=/ { s = $0; sub(/=.*/, "", s) }
	     /^# CONFIG_[A-Za-z0-9_]+ is not set/ { s = $2 }
	     s != "" { if (!(s in v)) o[n++] = s; v[s] = $0; s = "" }
	     END { for (i = 0; i < n; i++) print v[o[i]] }' \
		"$root/drivers/dma-buf/tests/.kunitconfig" "$root/tests/kunit-x86_64.config" \
		$(kernel_fragments x86_64) "$root/tests/qemu-modules.config" ${extra:+"$extra"} >"$frag.new"
	: >"$build/make.log"
	rm -f "$build/.dft-build-stamp"
	if [ ! -f "$build/.config" ] || ! cmp -s "$frag.new" "$frag"; then
		say "configuring $build"
		rm -f "$frag"
		cp "$frag.new" "$build/.config"
		"${kmake[@]}" olddefconfig >>"$build/make.log" 2>&1 ||
			{ tail -n 30 "$build/make.log"; die "olddefconfig failed"; }
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
	echo "$stamp" >"$build/.dft-build-stamp"
	say "build done in $((SECONDS - start))s"
}

if [ -z "$prebuilt" ]; then
	build_kernel
	kimage=$build/arch/x86/boot/bzImage
else
	kver=$(basename "$(ls -d "$prebuilt"/lib/modules/*/ | head -n 1)")
	kimage=$prebuilt/boot/vmlinuz-$kver
	say "prebuilt kernel $kver"
fi

# --- Initramfs: busybox, /init, the modules and what /init should do.
rd=$build/initramfs
rm -rf "$rd"
mkdir -p "$rd"/{bin,sbin,usr/bin,usr/sbin,etc/qemu-boot,proc,sys,dev}
cp /bin/busybox "$rd/bin/busybox"
for a in $("$rd/bin/busybox" --list-full); do
	[ -e "$rd/$a" ] || ln -s /bin/busybox "$rd/$a"
done
install -m 755 "$root/tests/guest/init.sh" "$rd/init"
install -m 644 "$root/tests/guest/lib.sh" "$rd/etc/qemu-boot/lib.sh"
# shellcheck disable=SC2086 # one module per word
printf '%s\n' $modules >"$rd/etc/qemu-boot/modules"
[ -z "$workload" ] || printf '%s\n' "$workload" >"$rd/etc/qemu-boot/workload"
[ -z "$wfile" ] || install -m 644 "$wfile" "$rd/etc/qemu-boot/workload"
: >"$rd/etc/qemu-boot/env"
for v in $genv; do printf 'export %s\n' "$v" >>"$rd/etc/qemu-boot/env"; done
for spec in $files; do
	[ -f "${spec%%:*}" ] || die "--files: no such file: ${spec%%:*}"
	install -D -m 755 "${spec%%:*}" "$rd/${spec#*:}"
done
if [ -n "$mconf" ]; then
	mkdir -p "$rd/etc/modprobe.d"
	printf '%s\n' "$mconf" >"$rd/etc/modprobe.d/qemu-boot.conf"
fi
if [ -z "$prebuilt" ]; then
	"${kmake[@]}" INSTALL_MOD_PATH="$rd" INSTALL_MOD_STRIP=1 modules_install \
		>>"$build/make.log" 2>&1 || { tail -n 20 "$build/make.log"; die "modules_install failed"; }
	kver=$(cat "$build/include/config/kernel.release")
else
	# The extra modules, and what they need from the prebuilt tree.
	mdir=$rd/lib/modules/$kver
	mkdir -p "$mdir/extra"
	for ko in $xmods; do install -m 644 "$ko" "$mdir/extra/"; done
	for ko in $xmods; do modinfo -F depends "$ko"; done | tr ',' '\n' | sort -u |
	while read -r dep; do
		[ -n "$dep" ] || continue
		# Our own modules are not in the prebuilt tree.
		{ modprobe -d "$prebuilt" -S "$kver" --show-depends "$dep" 2>/dev/null || true; } |
			awk '$1 == "insmod" { print $2 }'
	done | sort -u | while read -r f; do
		install -D -m 644 "$f" "$mdir/${f#"$prebuilt/lib/modules/$kver/"}"
	done
	cp "$prebuilt/lib/modules/$kver/modules.order" "$prebuilt/lib/modules/$kver/modules.builtin"* \
		"$mdir/" 2>/dev/null || true
fi
rm -f "$rd/lib/modules/$kver/build" "$rd/lib/modules/$kver/source"
depmod -b "$rd" "$kver"
[ -n "$prebuilt" ] || exec 8>&-
(cd "$rd" && find . -print0 | cpio --null -o -H newc -R 0:0 --quiet) |
	gzip -1 >"$build/initramfs.cpio.gz"

# --- Boot.  The guest reboots at the end; -no-reboot turns that into an exit.
# Under TCG the guest is told its clock (guest_clock_args in lib.sh).
accel=$(qemu_accel)
clock=$(guest_clock_args)
qemu=("$QEMU_X86" -smp 2 -m 1G -nographic -no-reboot
	-kernel "$kimage" -initrd "$build/initramfs.cpio.gz"
	-append "console=ttyS0 panic=-1 printk.devkmsg=on${clock:+ $clock}${append:+ $append}")
[ ! -e /usr/share/qemu/qboot.rom ] || qemu+=(-bios qboot.rom)
for a in $(qemu_accel_args); do qemu+=("$a"); done
say "booting (${accel%% *}, log: $log)"
say "accelerator $accel"
mkdir -p "$(dirname "$log")"
start=$SECONDS
# An x86_64 guest under TCG now and then hangs or panics in early boot: a
# guest that has not started /init after early_s seconds, or that ended
# before starting it, is booted once more (its console log kept as
# <log>.hung).  A 6.1 debug guest silent for 5 s after "Running RCU-tasks
# wait API self tests" has hung in that self test for good
# (kunit_exec_watched in lib.sh) and is booted again at once.
early_s=${QEMU_EARLY_S:-180}
tries=2
while :; do
	"${qemu[@]}" </dev/null >"$log" 2>&1 &
	qpid=$!
	trap 'kill "$qpid" 2>/dev/null || true' EXIT
	timed_out=0
	early_hang=0
	bstart=$SECONDS
	size=-1
	quiet_at=$SECONDS
	while kill -0 "$qpid" 2>/dev/null; do
		if [ $((SECONDS - start)) -ge "$timeout" ]; then
			timed_out=1
			kill "$qpid" 2>/dev/null || true
			break
		fi
		if [ $((SECONDS - bstart)) -ge "$early_s" ] && [ "$tries" -gt 1 ] &&
		   ! grep -aq 'Run /init as init process' "$log"; then
			early_hang=1
			kill "$qpid" 2>/dev/null || true
			break
		fi
		now=$(stat -c %s "$log" 2>/dev/null || echo 0)
		if [ "$now" != "$size" ]; then
			size=$now
			quiet_at=$SECONDS
		elif [ $((SECONDS - quiet_at)) -ge 5 ] && [ "$tries" -gt 1 ] &&
		     rcu_tasks_stalled "$log"; then
			say "silent for 5 s in 6.1's RCU-tasks self test"
			early_hang=1
			kill "$qpid" 2>/dev/null || true
			break
		fi
		sleep 0.2
	done
	wait "$qpid" || true
	trap - EXIT
	# Or it died there: a panic (under TCG, a vCPU that runs a stale int3
	# of a static key being patched) reboots, and -no-reboot ends QEMU.
	if [ "$early_hang" = 0 ] && [ "$timed_out" = 0 ] && [ "$tries" -gt 1 ] &&
	   ! grep -aq 'Run /init as init process' "$log"; then
		early_hang=1
	fi
	tries=$((tries - 1))
	[ "$early_hang" = 1 ] || break
	say "the guest hung or died in early boot; booting it again"
	mv "$log" "$log.hung"
done
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
# Since v6.6 every module load prints a KTAP header and plan of its own and
# numbers its suites from 1; before, only /init's header came, and the
# numbers ran on.  Keep the first header, replace the top-level plans by
# one that sums them (none if there was none), and number the top-level
# results in order: one KTAP document either way.
sed -n '/qemu-boot: ---- module ktap start/,/qemu-boot: ---- modules loaded/p' \
	"$clean" | awk '
	{ line = $0; pre = ""; body = line }
	match(line, /^\[[^]]*\] /) { pre = substr(line, 1, RLENGTH); body = substr(line, RLENGTH + 1) }
	body ~ /^KTAP version [0-9]+$/ { if (!head++) out[++m] = line; next }
	body ~ /^1\.\.[0-9]+$/ { plan += substr(body, 4); ppre = pre; next }
	body ~ /^(not )?ok [0-9]+ / {
		n++
		sub(/ok [0-9]+ /, "ok " n " ", body)
		out[++m] = pre body
		next
	}
	{ out[++m] = line }
	END {
		for (i = 1; i <= m; i++) {
			print out[i]
			if (plan && out[i] ~ /^(\[[^]]*\] )?KTAP version [0-9]+$/)
				print ppre "1.." plan
		}
	}' >"$ktap"
krc=0
kout=$(python3 "$kunit_py" parse "$ktap" 2>&1) || krc=$?
printf '%s\n' "$kout"
read -r kp kf ks kc _ < <(kunit_counts <(printf '%s\n' "$kout"))
kf=$((kf + kc))
say "kunit passed=$kp failed=$kf skipped=$ks"
total=$((kp + kf + ks))
[ "$kf" = 0 ] || errors+=("$kf KUnit test(s) failed")
[ "$total" -ge "$min_tests" ] || errors+=("$total KUnit tests ran, expected at least $min_tests")
[ "$krc" = 0 ] || [ "$total" = 0 ] || errors+=("kunit.py parse reported a failure")

reports=$(grep -naE "$REPORT_RE" "$clean" || true)
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
