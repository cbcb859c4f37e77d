# SPDX-License-Identifier: GPL-2.0
#
# Shared by the stage scripts: paths, provisioning, the overlay tree, the
# kernel-report scan and the result lines that scripts/check.sh counts.
#
# Every stage ends with exactly one line
#	stage: <name> passed=<n> failed=<m>
# and exits non-zero if m > 0.

PROJ=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=${BUILD:-$PROJ/build}
KSRC_CACHE=${KSRC_CACHE:-$BUILD/cache}
OVERLAY=${OVERLAY:-$BUILD/overlay}
JOBS=${JOBS:-$(nproc)}
# ccache hits across clones in other directories: hash paths relative to
# the project, not the absolute directory of this clone.
export CCACHE_BASEDIR=${CCACHE_BASEDIR:-$PROJ}
export CCACHE_NOHASHDIR=${CCACHE_NOHASHDIR:-1}
# The machine has few cores: kernel builds of every stage (and of every
# clone sharing KSRC_CACHE) take this lock, so that only one runs at a time.
export KBUILD_LOCK=${KBUILD_LOCK:-$KSRC_CACHE/.kbuild.lock}

# Lines that must never appear in the console of a positive run.
REPORT_RE='BUG:|WARNING:|possible circular locking|inconsistent lock state|ODEBUG|KASAN|UBSAN|suspected memory leak|unreferenced object|Oops|Kernel panic|sleeping function called from invalid context|still has locks held|possible recursive locking|dma_fence_token: '

log() { printf '%s\n' "$*" >&2; }

# Provision packages and the pristine tree, then make the overlay.
# Prints the overlay path.
prepare_tree() {
	local pristine
	pristine=$("$PROJ/scripts/provision.sh" "$KSRC_CACHE" | tail -n 1)
	"$PROJ/scripts/overlay.sh" "$pristine" "$OVERLAY" "$PROJ" | tail -n 1
}

# kbuild_locked <cmd...>: run a kernel build holding KBUILD_LOCK.
kbuild_locked() {
	mkdir -p "$(dirname "$KBUILD_LOCK")"
	( flock 8 && "$@" ) 8>"$KBUILD_LOCK"
}

kunit_py() {
	python3 "$OVERLAY/tools/testing/kunit/kunit.py" "$@"
}

# Kernel arguments for a QEMU guest's clock.  Under TCG the guest kernel
# often fails to calibrate the TSC or finds the vCPUs' TSCs unsynchronized,
# and falls back to the jiffies clocksource (no ACPI, so no HPET):
# ktime_get_ns() would tick in 4 ms steps and hrtimers fire from the tick.
# QEMU's TCG TSC is the host's, one clock for every vCPU: tell the guest
# its rate.  Prints nothing under KVM.
guest_clock_args() {
	local khz
	if [ -r /dev/kvm ] && [ -w /dev/kvm ]; then
		return 0
	fi
	khz=$(awk -F: '/^cpu MHz/ { printf "%d", $2 * 1000; exit }' /proc/cpuinfo)
	echo "tsc=reliable${khz:+ tsc_early_khz=$khz}"
}

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

# summary_counts <parse-output>: "passed failed skipped crashed errors"
summary_counts() {
	local line n p f s c e
	line=$(grep -a 'Testing complete\. Ran' "$1" | tail -n 1)
	n() { printf '%s' "$line" | grep -oE "$1: [0-9]+" | grep -oE '[0-9]+' || echo 0; }
	p=$(n passed); f=$(n failed); s=$(n skipped); c=$(n crashed); e=$(n errors)
	echo "${p:-0} ${f:-0} ${s:-0} ${c:-0} ${e:-0}"
}

stage_result() {
	echo "stage: $1 passed=$2 failed=$3"
	[ "$3" -eq 0 ]
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
