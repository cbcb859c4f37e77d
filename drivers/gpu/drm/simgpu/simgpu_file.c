// SPDX-License-Identifier: GPL-2.0
/*
 * simgpu: the context of an open file, its engines and signalling queue.
 */

#include <linux/overflow.h>
#include <linux/slab.h>

#include "simgpu_drv.h"

static void simgpu_file_release(struct kref *ref)
{
	struct simgpu_file *sf = container_of(ref, struct simgpu_file, ref);

	kfree_rcu(sf, rcu);
}

/**
 * simgpu_file_put - drop a reference of a file context
 * @sf: the context
 *
 * The last one frees it after an RCU grace period (the fences of its jobs
 * use its rings' locks and names).
 *
 * Context: any context.
 */
void simgpu_file_put(struct simgpu_file *sf)
{
	kref_put(&sf->ref, simgpu_file_release);
}

/**
 * simgpu_file_create - set up the context of a newly opened file
 * @sdev: the device
 *
 * Context: process context, allocates with GFP_KERNEL.
 * Return: the context or an ERR_PTR.
 */
struct simgpu_file *simgpu_file_create(struct simgpu_device *sdev)
{
	unsigned int n = clamp_t(u32, READ_ONCE(sdev->knobs.engines), 1,
				 SIMGPU_MAX_ENGINES);
	unsigned int id = atomic_inc_return(&sdev->file_ids);
	struct simgpu_file *sf;
	unsigned int i;
	int ret;

	sf = kzalloc(struct_size(sf, engines, n), GFP_KERNEL);
	if (!sf)
		return ERR_PTR(-ENOMEM);
	kref_init(&sf->ref);
	sf->sdev = sdev;
	/* Below the token tracker's default watchdog limit (10 s). */
	sf->timeout_ms = clamp_t(u32, READ_ONCE(sdev->knobs.timeout_ms), 1, 5000);
	ret = dma_fence_token_wq_init(&sf->wq, "simgpu", 0);
	if (ret)
		goto err_free;
	for (i = 0; i < n; i++) {
		ret = simgpu_engine_init(&sf->engines[i], sf, i, id);
		if (ret)
			goto err_engines;
		sf->num_engines = i + 1;
	}
	atomic64_inc(&sdev->stats.files);
	return sf;

err_engines:
	for (i = 0; i < sf->num_engines; i++)
		simgpu_engine_fini(&sf->engines[i]);
	dma_fence_token_wq_fini(&sf->wq);
err_free:
	kfree(sf);
	return ERR_PTR(ret);
}

/**
 * simgpu_file_destroy - tear down a file's context (postclose)
 * @sf: the context
 *
 * Every fence of the file that is still pending ends signalled with
 * -ECANCELED; the memory goes with the last fence.
 *
 * Context: process context, may sleep; not from a signalling section.
 */
void simgpu_file_destroy(struct simgpu_file *sf)
{
	unsigned int i;

	/* No interrupt completes a job any more, no job starts. */
	for (i = 0; i < sf->num_engines; i++)
		simgpu_engine_clear(&sf->engines[i], true);
	/*
	 * Jobs that wait are cancelled, those on the rings too.  A job of
	 * one engine may wait for a job of another: cancelling the latter
	 * releases the former, which finds its engine dead and stays on its
	 * ring until that ring's teardown.
	 */
	for (i = 0; i < sf->num_engines; i++)
		simgpu_engine_fini(&sf->engines[i]);
	dma_fence_token_wq_fini(&sf->wq);
	atomic64_dec(&sf->sdev->stats.files);
	simgpu_file_put(sf);
}
