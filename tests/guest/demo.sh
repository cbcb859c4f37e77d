# SPDX-License-Identifier: GPL-2.0
#
# Guest script of make demo (scripts/demo.sh): load simgpu, run the
# workload with the requested mix, print the driver's counters, unload,
# then kmemleak and lockdep.  Value lines start with "dv: ".
# Environment: ENGINES, TIMEOUT_MS, JOBS, HANG, LOST, ERROR, DEPS, SEED.
. /etc/qemu-boot/lib.sh

mkdir -p /tmp
echo "dv: kernel=$(uname -r) $(uname -m), $(grep -c ^processor /proc/cpuinfo) CPUs"
echo "dv: clocksource=$(cat /sys/devices/system/clocksource/clocksource0/current_clocksource)"
modprobe simgpu engines="$ENGINES" timeout_ms="$TIMEOUT_MS" || exit 1
# simgpu's debugfs directory: the DRM device's, whose name file starts
# with the driver's name (dri/<minor>, or dri/<unique> with links).
S=
for d in /sys/kernel/debug/dri/*; do
	case "$(cat "$d/name" 2>/dev/null)" in
	"simgpu "*) S=$d; break ;;
	esac
done
/bin/simgpu-workload run jobs="$JOBS" hang="$HANG" lost="$LOST" error="$ERROR" \
	deps="$DEPS" seed="$SEED" >/tmp/run.out
rc=$?
sed "s/^/dv: /" /tmp/run.out
sed "s/ /=/; s/^/dv: drv_/" "$S/stats"
sed "s/ /=/; s/^/dv: dft_/" /sys/kernel/debug/dma_fence_token/stats
echo "dv: dft_misuse=$(awk '/^misuse_/ { n += $2 } END { print n + 0 }' \
	/sys/kernel/debug/dma_fence_token/stats)"
if rmmod simgpu && rmmod dma_fence_tokens; then
	echo "dv: unload=0"
else
	echo "dv: unload=1"
	rc=1
fi
echo "dv: leaks=$(leak_count)"
l=$(debug_locks)
echo "dv: debug_locks=$l"
[ "$l" = 1 ] || rc=1
exit $rc
