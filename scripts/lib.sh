# SPDX-License-Identifier: GPL-2.0
#
# The harness library, sourced by every script under scripts/ (stages,
# qemu-boot.sh, provisioning): paths, the pinned kernel, provisioning and
# the overlay tree, the kernel build lock, the QEMU accelerator probe, the
# KUnit arguments and summary parser, the kernel-report scan, sparse, the
# production symbol check and the pass/fail counters.  Each of these exists
# here and nowhere else.
#
# Every stage ends with exactly one line
#	stage: <name> passed=<n> failed=<m>
# and exits non-zero if m > 0.

PROJ=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

# The kernels the project is tested on, by exact version: the Debian source
# package linux-source-<major.minor> whose tree is extracted, and the Debian
# headers of the same upstream version.  Nothing picks "the newest" of
# anything.  KERNELS (make check) lists them, KVER is the one a script works
# on; both take "6.12" as well as "6.12.117".
KERNELS_PINNED="6.1.192 6.12.117"
log() { printf '%s\n' "$*" >&2; }
# pinned_kernel <version or major.minor>: the pinned version it names.
pinned_kernel() {
	local k
	for k in $KERNELS_PINNED; do
		if [ "$1" = "$k" ] || [ "$1" = "${k%.*}" ]; then
			echo "$k"
			return 0
		fi
	done
	log "no pinned kernel $1 (pinned: $KERNELS_PINNED)"
	return 1
}
KERNELS=${KERNELS:-$KERNELS_PINNED}
KVER=$(pinned_kernel "${KVER:-${KERNELS%% *}}") || exit 1
export KVER
KSRC_PKG=linux-source-${KVER%.*}

# Build output: one directory per kernel under the build root, which is
# fixed by the first script of a run (nested scripts inherit it).
DFT_BUILD_ROOT=${DFT_BUILD_ROOT:-${BUILD:-$PROJ/build}}
export DFT_BUILD_ROOT
KSRC_CACHE=${KSRC_CACHE:-$DFT_BUILD_ROOT/cache}
BUILD=$DFT_BUILD_ROOT/$KVER
OVERLAY=$BUILD/overlay
JOBS=${JOBS:-$(nproc)}
# ccache hits across clones in other directories: hash paths relative to
# the project, not the absolute directory of this clone.
export CCACHE_BASEDIR=${CCACHE_BASEDIR:-$PROJ}
export CCACHE_NOHASHDIR=${CCACHE_NOHASHDIR:-1}
# The machine has few cores: kernel builds of every stage, of every kernel
# and of every clone on the machine (CI's fresh clone beside a developer's
# tree) take this lock, so that only one runs at a time.
export KBUILD_LOCK=${KBUILD_LOCK:-${TMPDIR:-/tmp}/dma-fence-token-kbuild-$(id -u).lock}

# Lines that must never appear in the console of a positive run.
REPORT_RE='BUG:|WARNING:|possible circular locking|inconsistent lock state|Invalid wait context|ODEBUG|KASAN|UBSAN|suspected memory leak|unreferenced object|Oops|Kernel panic|sleeping function called from invalid context|still has locks held|possible recursive locking|dma_fence_token: '

# ---- Results -------------------------------------------------------------

passed=0
failed=0
pass() { log "  ok   $*"; passed=$((passed + 1)); }
fail() { log "  FAIL $*"; failed=$((failed + 1)); }
# verdict <name> <status>: pass when the status is 0.
verdict() { if [ "$2" -eq 0 ]; then pass "$1"; else fail "$1"; fi; }
# check <name> <command...>: pass when the command succeeds.
check() {
	local name=$1
	shift
	if "$@" >/dev/null 2>&1; then pass "$name"; else fail "$name"; fi
}

stage_result() {
	echo "stage: $1 passed=$2 failed=$3"
	[ "$3" -eq 0 ]
}

# ---- Provisioning and the tree -------------------------------------------

# Provision packages and the pristine tree, then make the overlay.
# Prints the overlay path.  Within one make check (scripts/check.sh lists
# in DFT_PREPARED the kernels it provisioned) the stages skip the package
# checks.
prepare_tree() {
	local pristine
	if [[ " ${DFT_PREPARED:-} " == *" $KVER "* ]] && [ -e "$OVERLAY/.fence-token-overlay" ]; then
		echo "$OVERLAY"
		return 0
	fi
	pristine=$("$PROJ/scripts/provision.sh" "$KSRC_CACHE" | tail -n 1) || return 1
	[ -n "$pristine" ] || return 1
	"$PROJ/scripts/overlay.sh" "$pristine" "$OVERLAY" "$PROJ" | tail -n 1
}

# debian_headers: the directory of Debian's linux-headers-*-amd64 package
# for $KVER (exact upstream version), or nothing.
debian_headers() {
	local pkg
	pkg=$(dpkg-query -W -f='${Package} ${Version} ${Status}\n' 'linux-headers-*-amd64' 2>/dev/null |
		awk -v v="$KVER" '$2 ~ "^" v "-" && / installed$/ && $1 !~ /-(rt|cloud)-/ { print $1 }' |
		head -n 1)
	[ -n "$pkg" ] && [ -d "/usr/src/$pkg" ] && echo "/usr/src/$pkg"
}

# debian_image: the unpacked linux-image package matching debian_headers
# (scripts/provision.sh), or nothing.  Holds boot/vmlinuz-<abi> and
# lib/modules/<abi>.
debian_image() {
	local hdr dir
	hdr=$(basename "$(debian_headers)") || return 1
	dir=$KSRC_CACHE/${hdr/#linux-headers-/linux-image-}-$(dpkg-query -W -f='${Version}' "$hdr")
	[ -e "$dir/.unpacked" ] && echo "$dir"
}

# build_stamp <what...>: a hash of everything a kernel build reads from
# the project (every file git does not ignore), the pinned kernel and <what>
# (the build's arguments).  A build directory whose stamp matches was built
# from exactly these inputs, so the stages skip kbuild's own walk over the
# tree (tens of seconds per kernel on two cores) when nothing changed.
build_stamp() {
	{
		printf '%s\n' "$KVER" "$*"
		# A listed file that is gone (deleted, not yet git rm'd) only
		# drops out of the hash.
		(cd "$PROJ" &&
		 { git ls-files -z -co --exclude-standard 2>/dev/null ||
		   find . -path ./build -prune -o -path ./.git -prune -o -type f -print0; } |
			LC_ALL=C sort -z | xargs -0 sha1sum 2>/dev/null) || true
	} | sha1sum | cut -d' ' -f1
}

# build_current <dir> <stamp>: the directory was last built from <stamp>.
build_current() {
	[ -f "$1/.dft-build-stamp" ] && [ "$(cat "$1/.dft-build-stamp")" = "$2" ]
}

# seed_build_dir <built dir> <new dir>: start a build directory as a copy
# of another one, so that a kernel whose configuration differs only in a
# few options is built incrementally.  kbuild's own dependency files name
# the source tree and relative paths only, but the tools/ build (objtool)
# records the absolute output directory; with the old one, make relinks
# objtool, and every object depends on objtool: rewrite it.
seed_build_dir() {
	local from to
	from=$(cd "$1" && pwd) || return 1
	to=$2
	rm -rf "$to.tmp"
	cp -a "$from" "$to.tmp" || return 1
	grep -rlF "$from/" "$to.tmp/tools" --include='*.cmd' --include='*.d' 2>/dev/null |
		xargs -r sed -i "s|$from/|$to/|g"
	rm -f "$to.tmp/.dft-build-stamp" "$to.tmp/.kunitconfig"
	rm -rf "$to"
	mv "$to.tmp" "$to"
}

# kbuild_locked <cmd...>: run a kernel build holding KBUILD_LOCK.
kbuild_locked() {
	mkdir -p "$(dirname "$KBUILD_LOCK")"
	( flock 8 && "$@" ) 8>"$KBUILD_LOCK"
}

# kernel_fragments <arch>: the configuration fragments of KVER's debug
# kernels that exist: tests/kernel-<major.minor>.config (every
# architecture) and tests/kunit-<arch>-<major.minor>.config.
kernel_fragments() {
	local f
	for f in "$PROJ/tests/kernel-${KVER%.*}.config" "$PROJ/tests/kunit-$1-${KVER%.*}.config"; do
		[ -f "$f" ] && echo "$f"
	done
	return 0
}

# ---- QEMU accelerator ----------------------------------------------------

# KVM is used only when a tiny guest really boots with it.  A writable
# /dev/kvm is not enough: on some machines QEMU aborts at once under KVM
# ("failed to set MSR 0x10a") or the guest never makes progress.  The probe
# boots a 512-byte boot sector with the arguments every stage uses (-cpu
# host, -smp 2); it prints "OK" on the serial port and exits QEMU through
# isa-debug-exit (status 33).  The verdict is kept for the machine's boot,
# per QEMU binary and KVM device.  DFT_KVM_DEV and DFT_ACCEL_CACHE exist for
# scripts/harness-selftest.sh, which fakes a broken KVM.
KVM_DEV=${DFT_KVM_DEV:-/dev/kvm}
ACCEL_CACHE=${DFT_ACCEL_CACHE:-${TMPDIR:-/tmp}/dma-fence-token-accel-$(id -u)}
QEMU_X86=qemu-system-x86_64

# accel_probe_image <file>: write the probe's boot disk.
accel_probe_image() {
	# mov dx,0x3f8; mov al,'O'; out dx,al; mov al,'K'; out dx,al;
	# mov al,10; out dx,al; mov dx,0xf4; mov al,0x10; out dx,al; hlt; jmp $-1
	printf '\xba\xf8\x03\xb0\x4f\xee\xb0\x4b\xee\xb0\x0a\xee\xba\xf4\x00\xb0\x10\xee\xf4\xeb\xfd' >"$1"
	truncate -s 510 "$1"
	printf '\x55\xaa' >>"$1"
	truncate -s 1M "$1"
}

# accel_probe_boot <accel args...>: boot the probe guest; 0 if it ran.
accel_probe_boot() {
	local dir rc
	dir=$(mktemp -d)
	accel_probe_image "$dir/disk"
	timeout -k 2 15 "$QEMU_X86" "$@" -smp 2 -m 64M -display none -nodefaults \
		-no-reboot -device isa-debug-exit,iobase=0xf4,iosize=0x04 \
		-serial "file:$dir/serial" -drive "file=$dir/disk,format=raw,if=ide" \
		>"$dir/qemu.log" 2>&1 </dev/null
	rc=$?
	if [ "$rc" -eq 33 ] && grep -q OK "$dir/serial"; then
		rm -rf "$dir"
		return 0
	fi
	ACCEL_WHY="rc=$rc $(tr '\n' ' ' <"$dir/qemu.log" | cut -c1-160)"
	rm -rf "$dir"
	return 1
}

# qemu_accel: prints "KVM" or "TCG (<why>)".
qemu_accel() {
	local key file qemu_path boot
	qemu_path=$(command -v "$QEMU_X86" 2>/dev/null) || { echo "TCG (no $QEMU_X86)"; return; }
	boot=$(cat /proc/sys/kernel/random/boot_id 2>/dev/null || echo noboot)
	key=$(printf '%s\n' "$boot" "$qemu_path" "$(stat -c '%s %Y' "$qemu_path")" "$KVM_DEV" |
		md5sum | cut -c1-16)
	file=$ACCEL_CACHE/$key
	if [ -s "$file" ]; then
		cat "$file"
		return
	fi
	mkdir -p "$ACCEL_CACHE"
	if ! [ -r "$KVM_DEV" ] || ! [ -w "$KVM_DEV" ]; then
		echo "TCG (no usable $KVM_DEV)" >"$file.tmp"
	elif accel_probe_boot -enable-kvm -cpu host; then
		echo "KVM" >"$file.tmp"
	else
		echo "TCG (KVM probe failed: $ACCEL_WHY)" >"$file.tmp"
	fi
	mv "$file.tmp" "$file"
	cat "$file"
}

# is_kvm: the probe's verdict is KVM.
is_kvm() { [ "$(qemu_accel)" = KVM ]; }

# qemu_accel_args: QEMU's accelerator arguments, one per line.
#
# Under TCG the vCPU has no CMPXCHG16B (qemu64 without cx16).  QEMU 7.2's
# TCG computes that instruction's flags in a helper that reads the lazily
# kept condition-code state, which the translator has not stored first
# (no gen_update_cc_op() before gen_helper_cmpxchg16b(); QEMU 8.0 rewrote
# the instruction inline).  The zero flag comes out right, the other bits
# are garbage, and an interrupt taken in the next few instructions pushes
# them as RFLAGS for its iret to load (as would a pushf): TF, NT, AC or
# DF set in kernel code.  With SLUB's per-CPU CMPXCHG16B fast path under the job queue
# benchmark's 20 us hrtimers, two of nine guests died of it in one hour,
# each a double fault in __kmalloc right after the instruction with
# RFLAGS holding the low half of a slab pointer.  Without cx16 the kernel
# patches the fast path to its interrupt-disabling emulation.
qemu_accel_args() {
	if is_kvm; then
		printf '%s\n' -enable-kvm -cpu host
	else
		printf '%s\n' -cpu qemu64,-cx16
	fi
}

# Kernel arguments for a QEMU guest's clock.  Under TCG the guest kernel
# often fails to calibrate the TSC or finds the vCPUs' TSCs unsynchronized,
# and falls back to the jiffies clocksource (no ACPI, so no HPET):
# ktime_get_ns() would tick in 4 ms steps and hrtimers fire from the tick.
# QEMU's TCG TSC is the host's, one clock for every vCPU: tell the guest
# its rate.  Prints nothing under KVM.
guest_clock_args() {
	local khz
	is_kvm && return 0
	khz=$(awk -F: '/^cpu MHz/ { printf "%d", $2 * 1000; exit }' /proc/cpuinfo)
	echo "tsc=reliable${khz:+ tsc_early_khz=$khz}"
}

# ---- KUnit ---------------------------------------------------------------

kunit_py() {
	python3 "$OVERLAY/tools/testing/kunit/kunit.py" "$@"
}

# kunit_args <arch> <positive|negative>: set KUNIT_ARGS (build and exec) and
# KUNIT_RUN (exec only: QEMU and kernel arguments) for kunit.py.  The
# positive suites build from drivers/dma-buf/tests/.kunitconfig as a user
# would; the misuse suites add drivers/dma-buf/tests/misuse.kunitconfig in
# a build directory of their own.
kunit_args() {
	local arch=$1 kind=$2 a clock kfrag smp mem
	KUNIT_ARGS=(--arch="$arch" --kunitconfig="$PROJ/drivers/dma-buf/tests/.kunitconfig"
		    --kunitconfig="$PROJ/tests/kunit-$arch.config")
	for kfrag in $(kernel_fragments "$arch"); do
		KUNIT_ARGS+=(--kunitconfig="$kfrag")
	done
	KUNIT_BDIR=$BUILD/kunit-$arch
	if [ "$kind" = negative ]; then
		KUNIT_ARGS+=(--kunitconfig="$PROJ/drivers/dma-buf/tests/misuse.kunitconfig")
		KUNIT_BDIR=$BUILD/kunit-$arch-misuse
	fi
	KUNIT_ARGS+=(--build_dir="$KUNIT_BDIR")
	KUNIT_RUN=()
	if [ "$arch" = x86_64 ]; then
		# A misuse boot needs no second vCPU, and runs beside another
		# (negative.sh): one vCPU each keeps them off each other's CPU.
		# Nor 1 GiB: each boot initialises every page's struct page,
		# 0.2 s of its 2.7 s under TCG for 1 GiB.
		mem=1G
		smp=2
		[ "$kind" = negative ] && smp=1 mem=384M
		KUNIT_RUN=(--qemu_args="-smp $smp -m $mem")
		for a in $(qemu_accel_args); do KUNIT_RUN+=(--qemu_args="$a"); done
		clock=$(guest_clock_args)
		for a in $clock; do KUNIT_RUN+=(--kernel_args="$a"); done
		# A panic reboots at once, and -no-reboot ends the boot: a guest
		# that dies in early boot (under TCG a vCPU now and then runs a
		# stale int3 of a static key being patched) costs seconds, not
		# kunit.py's timeout, and is booted again like a hung one.
		KUNIT_RUN+=(--kernel_args=panic=-1)
		# 6.1.192's early-boot RCU-tasks self test hangs for good when
		# a voluntary preemption point lets its new grace-period kthread
		# take tasks_gp_mutex first (kunit_exec_watched): the self test
		# reads no kthread yet, and mutex_lock()'s might_sleep() switches
		# to the kthread before the self test takes the mutex.  Booted
		# with preempt=none (no such point; might_sleep() still checks
		# atomic context), 48 misuse boots four at a time under load
		# never stalled, against 7 and 12 of 24 with Debian's voluntary
		# default.  Only the misuse boots: the positive suites keep
		# Debian's preemption, and a rare stall there is booted again.
		if [ "$kind" = negative ] && [ "${KVER%.*}" = 6.1 ]; then
			KUNIT_RUN+=(--kernel_args=preempt=none)
		fi
	fi
}

# rcu_tasks_stalled <console log>: its last line is 6.1's early-boot
# RCU-tasks self test, where a 6.1.192 debug guest can hang for good (see
# kunit_exec_watched); the callers judge the silence.
rcu_tasks_stalled() {
	[[ $(tail -c 300 "$1" | tr -d '\r' | grep -a . | tail -n 1) == \
		*"Running RCU-tasks wait API self tests"* ]]
}

# kunit_exec_watched <raw log> <kunit.py exec args>...: run kunit.py exec
# with its output (unbuffered) in <raw log>, watching each boot.  Guests
# now and then hang or panic before KUnit starts (x86_64 under TCG), which
# kunit.py would only notice at its own timeout.  kunit.py announces each
# boot with "Starting KUnit Kernel ("; a boot that has printed no KTAP
# header yet is ended (its kernel process only: kunit.py goes on with its
# next boot, if any) when
#  - it has printed nothing for KUNIT_SILENT_S seconds (default 20: a boot
#    reaches KUnit in a few seconds, under load too, and prints all along);
#  - it has printed nothing for 5 s after "Running RCU-tasks wait API self
#    tests" (a boot passes that line in well under a second): 6.1.192
#    stalls there for good now and then, one boot in twenty with both
#    kernels' lanes running (kernel/rcu/tasks.h: the self test's
#    synchronize_rcu_tasks() that finds no grace-period kthread yet runs
#    a grace period itself and takes tasks_gp_mutex, which a kthread that
#    started meanwhile holds while it sleeps waiting for callbacks, and no
#    callback comes; 6.12 drops the mutex while it waits);
#  - it has run for KUNIT_BOOT_S seconds (default 240).
# Before its first announced boot, kunit.py --run_isolated and --list_tests
# boot once to list the cases and print nothing: that boot is ended after
# KUNIT_LIST_S seconds of silence (default 25; it takes 3 to 9).  A boot
# that hangs after its KTAP header is left to kunit.py's --timeout.  A boot
# still there after it was ended once (a process that ignored the signal,
# or one that keeps kunit.py's pipe open) ends the whole run: every process
# under kunit.py and kunit.py get SIGKILL.
# Returns kunit.py's status, or 124 when its last announced boot ended
# without a KTAP header (hung, or died in early boot) or a boot had to be
# ended before any was announced.
kunit_exec_watched() {
	local raw=$1 pid size=-1 quiet=0 boots=0 n began=$SECONDS seg why rc
	local ended=-1 listing_ended=0 p procs=()
	local silent=${KUNIT_SILENT_S:-20} list=${KUNIT_LIST_S:-25} limit=${KUNIT_BOOT_S:-240}
	shift
	PYTHONUNBUFFERED=1 python3 "$OVERLAY/tools/testing/kunit/kunit.py" exec "$@" \
		>"$raw" 2>&1 &
	pid=$!
	while kill -0 "$pid" 2>/dev/null; do
		sleep 1
		n=$(stat -c %s "$raw" 2>/dev/null || echo 0)
		if [ "$n" != "$size" ]; then
			size=$n
			quiet=0
		else
			quiet=$((quiet + 1))
		fi
		n=$(grep -ac 'Starting KUnit Kernel (' "$raw")
		if [ "$n" != "$boots" ]; then
			boots=$n
			began=$SECONDS
		fi
		[ "$quiet" -ge 5 ] || [ $((SECONDS - began)) -ge "$limit" ] || continue
		why=
		if [ "$boots" -eq 0 ]; then
			[ "$quiet" -ge "$list" ] && why="the boot listing the cases printed nothing for $quiet s"
		else
			# The boot in progress, from its announcement on.
			seg=$(awk '/Starting KUnit Kernel \(/ { s = "" } { s = s $0 "\n" }
				END { printf "%s", s }' "$raw")
			grep -aq 'KTAP version' <<<"$seg" && continue
			if [ "$quiet" -ge "$silent" ]; then
				why="a boot printed nothing for $quiet s before KUnit started"
			elif rcu_tasks_stalled "$raw"; then
				why="a boot printed nothing for $quiet s before KUnit started (6.1 RCU-tasks self-test stall)"
			elif [ $((SECONDS - began)) -ge "$limit" ]; then
				why="a boot printed no KTAP header in $limit s"
			fi
		fi
		[ -n "$why" ] || continue
		# The boot judged is still the one running: no next one began
		# while the log was read.
		[ "$(grep -ac 'Starting KUnit Kernel (' "$raw")" = "$boots" ] || continue
		if [ "$ended" = "$boots" ]; then
			log "${KUNIT_WATCH_NAME:-kunit}: $why after it was ended; ending kunit.py"
			procs=("$pid")
			p=0
			while [ "$p" -lt ${#procs[@]} ]; do
				mapfile -t -O ${#procs[@]} procs < <(pgrep -P "${procs[$p]}")
				p=$((p + 1))
			done
			kill -KILL "${procs[@]}" 2>/dev/null
			break
		fi
		log "${KUNIT_WATCH_NAME:-kunit}: $why; ending it"
		pkill -TERM -P "$pid" 2>/dev/null
		ended=$boots
		[ "$boots" -ne 0 ] || listing_ended=1
		quiet=0
		began=$SECONDS
	done
	wait "$pid"
	rc=$?
	if [ "$boots" -eq 0 ]; then
		# --list_tests prints names, no KTAP: only a listing boot that
		# had to be ended failed.
		[ "$listing_ended" -eq 0 ] || rc=124
		return $rc
	fi
	seg=$(awk '/Starting KUnit Kernel \(/ { s = "" } { s = s $0 "\n" }
		END { printf "%s", s }' "$raw")
	if ! grep -aq 'KTAP version' <<<"$seg"; then
		echo "kunit_exec_watched: the boot ended without a KTAP header" >>"$raw"
		return 124
	fi
	return $rc
}

# kunit_counts <kunit.py parse output>: "passed failed skipped crashed errors"
kunit_counts() {
	awk '/Testing complete\. Ran/ { line = $0 }
	     function num(k) {
		if (!match(line, k ": [0-9]+")) return 0
		return substr(line, RSTART + length(k) + 2, RLENGTH - length(k) - 2) + 0
	     }
	     END { print num("passed"), num("failed"), num("skipped"), num("crashed"), num("errors") }' "$1"
}

# ---- Kernel reports ------------------------------------------------------

# scan_reports <log>: print unexpected kernel report lines, return 1 if any.
scan_reports() {
	local hits
	hits=$(grep -aE "$REPORT_RE" "$1" | head -n 20)
	if [ -n "$hits" ]; then
		printf '  report: %s\n' "$hits" >&2
		return 1
	fi
	return 0
}

# ---- Static checks -------------------------------------------------------

# sparse_hits <log>: every warning or error of a sparse run over the
# project.  Wherever sparse places it: a lock context imbalance in one of
# our functions is reported at the line of a kernel header whose macro it
# ends in (rcu_read_unlock() in rcupdate.h), which a filter on our paths
# missed.  The run checks only the project's files, so any warning is
# about them.
sparse_hits() {
	grep -E '^[^ :]+:[0-9]+:[0-9]+: (warning|error):' "$1"
}

# run_sparse <x86_64 build dir> <log> <file that must have been checked>:
# sparse (C=2) over the project in a configured build directory.  Prints
# every warning or error; returns 0 only if sparse ran on the file and
# found nothing.
run_sparse() {
	local bdir=$1 out=$2 must=$3 rc hits
	kbuild_locked make -C "$OVERLAY" O="$bdir" ARCH=x86_64 CC="ccache gcc" C=2 \
		CHECK=sparse -j"$JOBS" drivers/fence-token/ >"$out" 2>&1
	rc=$?
	hits=$(sparse_hits "$out")
	[ -z "$hits" ] || printf '%s\n' "$hits"
	grep -q "CHECK.*$must" "$out" || { echo "sparse did not run on $must"; return 1; }
	[ "$rc" -eq 0 ] && [ -z "$hits" ]
}

# debug_symbols <module...>: print the lockdep or debugobjects symbols the
# modules reference (a production build must reference none).
debug_symbols() {
	nm -u "$@" 2>/dev/null | grep -E 'lock_acquire|lock_release|lockdep|debug_object' |
		awk '{ print $NF }' | sort -u | tr '\n' ' '
}

# ---- QEMU kernels -------------------------------------------------------

# qemu_variant: the x86_64 kernel a module boot uses, from QEMU_VARIANT:
# empty for the module kernel (build/<kver>/x86-mod), "rt" for the
# PREEMPT_RT lockdep kernel of scripts/check-rt.sh (x86-rt, with
# tests/qemu-rt.config).  Sets QV_BUILD, QV_EXTRA (qemu-boot.sh arguments)
# and QV_SUFFIX (for log directories and names).
qemu_variant() {
	case ${QEMU_VARIANT:-} in
	"")	QV_BUILD=$BUILD/x86-mod; QV_EXTRA=(); QV_SUFFIX= ;;
	rt)	QV_BUILD=$BUILD/x86-rt
		QV_EXTRA=(--extra-config "$PROJ/tests/qemu-rt.config")
		QV_SUFFIX=-rt ;;
	*)	log "unknown QEMU_VARIANT ${QEMU_VARIANT}"; return 1 ;;
	esac
}

# ---- The sample driver ---------------------------------------------------

# simgpu_results <console log> <qemu-boot output> <check>...: count the
# bad-input cases and the named "sc: check" lines of a boot that ran
# tests/guest/simgpu.sh (into passed and failed).
simgpu_results() {
	local console=$1 out=$2 clean c
	shift 2
	clean=${console%.log}.clean
	tr -d '\r' <"$console" | grep -aoE 'sc: .*' >"$clean"
	grep -E '^qemu: ' "$out" >&2
	grep -E '^sc: (run|check|bad badinput|last)' "$clean" >&2
	grep -E '^sc: bad not ok' "$clean" >&2
	passed=$((passed + $(grep -cE '^sc: bad ok ' "$clean")))
	failed=$((failed + $(grep -cE '^sc: bad not ok ' "$clean")))
	[ "$(grep -cE '^sc: bad (not )?ok ' "$clean")" -ge 25 ] || fail "bad-input suite incomplete"
	for c in "$@"; do
		check "$c" grep -qE "^sc: check $c( [a-z]+=[0-9]+)* rc=0$" "$clean"
	done
}

# build_simgpu_workload: compile the static userspace workload of the
# sample driver into $BUILD/simgpu/ (needs the overlay tree for the uapi
# drm.h); prints the binary's path.
build_simgpu_workload() {
	local out=$BUILD/simgpu/simgpu-workload
	local src=$PROJ/tools/testing/simgpu/simgpu-workload.c
	local hdr=$PROJ/include/uapi/drm/simgpu_drm.h

	mkdir -p "$BUILD/simgpu"
	if [ ! -x "$out" ] || [ "$src" -nt "$out" ] || [ "$hdr" -nt "$out" ]; then
		gcc -static -O2 -Wall -Werror -D__user= -I"$PROJ/include/uapi" \
			-idirafter "$OVERLAY/include/uapi/drm" -o "$out" "$src" >&2 ||
			return 1
	fi
	echo "$out"
}
