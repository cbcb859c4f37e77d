// SPDX-License-Identifier: GPL-2.0
/*
 * Probe: alloc_workqueue_lockdep_map() creates a workqueue that shares a
 * lockdep map given by its creator (v6.11), so that flushing any queue
 * of a family is one dependency.
 */
#include <linux/workqueue.h>

struct workqueue_struct *dft_probe(struct lockdep_map *map);
struct workqueue_struct *dft_probe(struct lockdep_map *map)
{
	return alloc_workqueue_lockdep_map("dft-probe", 0, 0, map);
}
