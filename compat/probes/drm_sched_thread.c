// SPDX-License-Identifier: GPL-2.0
/*
 * Probe: a drm_gpu_scheduler runs its jobs on a kthread of its own,
 * sched->thread (Debian's 6.1; v6.8 moved them to a workqueue).
 */
#include <drm/gpu_scheduler.h>

struct task_struct *dft_probe(struct drm_gpu_scheduler *sched);
struct task_struct *dft_probe(struct drm_gpu_scheduler *sched)
{
	return sched->thread;
}
