#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# /init of the initramfs built by scripts/qemu-boot.sh (busybox).  Loads the
# modules listed in /etc/qemu-boot/modules in order (KUnit runs a module's
# suites while it loads), runs /etc/qemu-boot/workload if present, with the
# variables of /etc/qemu-boot/env exported, and reboots (QEMU runs with
# -no-reboot, so it exits).  Markers go through
# /dev/kmsg so that they stay in order with the kernel's own output on the
# console; qemu-boot.sh cuts the log at them.

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mount -t debugfs debugfs /sys/kernel/debug

# kmemleak reports only when a test asks it to scan (the automatic scan
# would report at a random point of the boot).
[ ! -w /sys/kernel/debug/kmemleak ] || echo scan=off >/sys/kernel/debug/kmemleak
mount -t tracefs tracefs /sys/kernel/tracing 2>/dev/null || true

mark() { echo "qemu-boot: $*" >/dev/kmsg; }

# The kernel prints an empty KTAP run of its built-in suites at boot; the
# module suites get a top-level header of their own after this marker.
mark "---- module ktap start ----"
echo "KTAP version 1" >/dev/kmsg

mrc=0
while read -r mod; do
	[ -n "$mod" ] || continue
	modprobe "$mod" || { mrc=$?; mark "modprobe $mod failed rc=$mrc"; break; }
done </etc/qemu-boot/modules
mark "---- modules loaded rc=$mrc ----"

wrc=0
[ ! -f /etc/qemu-boot/env ] || . /etc/qemu-boot/env
if [ "$mrc" -eq 0 ] && [ -f /etc/qemu-boot/workload ]; then
	sh /etc/qemu-boot/workload
	wrc=$?
fi
mark "---- done modprobe=$mrc workload=$wrc ----"
reboot -f
