# SPDX-License-Identifier: GPL-2.0
#
# Helpers for the guest scripts of tests/guest/ (busybox sh), installed by
# scripts/qemu-boot.sh as /etc/qemu-boot/lib.sh.

# leak_count: scan twice (kmemleak reports an object only once it has been
# seen unreferenced by two scans) and print the number of leaked objects.
leak_count() {
	sleep 6
	echo scan >/sys/kernel/debug/kmemleak
	echo scan >/sys/kernel/debug/kmemleak
	grep -c unreferenced /sys/kernel/debug/kmemleak
}

# debug_locks: print lockdep's debug_locks (1 while lockdep is armed, 0 once
# it reported something and switched itself off).
debug_locks() {
	awk '/debug_locks:/ { print $2 }' /proc/lockdep_stats
}
