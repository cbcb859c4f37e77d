// SPDX-License-Identifier: GPL-2.0
/*
 * Probe: drm_sched_job_init() takes the job's credits, its owner and a DRM
 * client id, as Debian's 6.12 has it.  Debian's 6.1 takes the owner
 * alone, every job costing one slot of the scheduler's credit limit.
 */
#include <drm/gpu_scheduler.h>

int dft_probe(struct drm_sched_job *job, struct drm_sched_entity *entity);
int dft_probe(struct drm_sched_job *job, struct drm_sched_entity *entity)
{
	return drm_sched_job_init(job, entity, 1, NULL, 0);
}
