// SPDX-License-Identifier: GPL-2.0
/*
 * Probe: struct drm_sched_init_args says how many run queues the
 * scheduler has (num_rqs, allocated by drm_sched_init()), as Debian's
 * 6.12 has it.  Debian's 6.1 carries the structure without it: one run
 * queue per priority, always.
 */
#include <drm/gpu_scheduler.h>

const struct drm_sched_init_args dft_probe = {
	.num_rqs = DRM_SCHED_PRIORITY_COUNT,
};
