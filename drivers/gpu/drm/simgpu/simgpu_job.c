// SPDX-License-Identifier: GPL-2.0
/*
 * simgpu: job submission, the jobs' fences and their run callback.
 */

#include <drm/drm_file.h>
#include <drm/simgpu_drm.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/ktime.h>
#include <linux/module.h>
#include <linux/nospec.h>
#include <linux/slab.h>
#include <linux/sync_file.h>
#include <linux/uaccess.h>

#include "simgpu_drv.h"

/**
 * DOC: Job flow
 *
 * simgpu shows the library's paths end to end.  Each engine of a file is a
 * &struct dma_fence_token_jobq, which owns the engine's hardware ring; the
 * engines of a file share the file's signalling queue.  The driver keeps
 * no ordering or dependency state of its own.
 *
 * A submit ioctl does every allocation and every step that may fail first:
 * the in-fences from their sync_file fds, the job, its preparation
 * (dma_fence_token_job_prepare(): room for the in-fences and a slot on the
 * engine's ring, one credit), the in-fences added to it
 * (dma_fence_token_job_add_dep()) and an fd for the out-fence.  A full ring
 * fails the ioctl with -EAGAIN; a ring closed by a timeout makes the ioctl
 * reset the engine (simgpu_engine_clear(), then
 * dma_fence_token_ring_reopen()) and prepare again.  Then, under the
 * engine's submit lock, so that seqno order is push order, it
 *
 * 1. arms the job (dma_fence_token_job_arm(): the fence, its seqno, the
 *    callbacks on the in-fences) and creates the sync_file (an allocation,
 *    but the fence is not visible yet: on failure the job is discarded
 *    with dma_fence_token_job_discard());
 * 2. begins the token of the job's fence and pushes the job with it
 *    (dma_fence_token_job_push(), which cannot fail): the job queue owes
 *    the signal from now on;
 * 3. installs the out-fence fd, after the lock.
 *
 * A job whose in-fences are signalled and that no earlier job of the
 * engine waits ahead of runs inside the push, in the ioctl's signalling
 * section; any other job runs once, when its last in-fence signals or the
 * engine's previous job reached the ring: on the signalling queue, or in
 * the completion interrupt that signalled the in-fence (the queues are
 * created with %DMA_FENCE_TOKEN_JOBQ_RUN_IN_IRQ; the run callback only
 * takes interrupt-safe locks, and on PREEMPT_RT the job takes its hop).  The run
 * callback hands the job to the ring with dma_fence_token_job_to_ring()
 * and queues it on the simulated engine, whose hrtimer "interrupt" fires
 * when the oldest job is finished.  The interrupt reports the finished
 * jobs in order with dma_fence_token_ring_complete(), with -EIO for an
 * error completion, or not at all for a lost interrupt (a later completion
 * covers the job); an engine stuck on a hung job raises no interrupt until
 * it is reset.  The ring's timeout is the guaranteed path: the driver's
 * &dma_fence_token_jobq_ops.timedout takes a core dump, the ring closes
 * (-ETIMEDOUT for the oldest fence, -ECANCELED for the others, and
 * -ECANCELED without running for the engine's jobs that were submitted
 * before the close and had not reached the ring) and the next submit to
 * the engine resets it.
 *
 * In-fence errors are not propagated (the queues are created without
 * %DMA_FENCE_TOKEN_JOBQ_DEP_ERRORS): an in-fence only orders the job.
 *
 * Closing the file signals every fence that is still pending with
 * -ECANCELED: the engines are stopped, then each job queue is torn down
 * (dma_fence_token_jobq_fini(): the in-fence callbacks are removed, the
 * waiting jobs cancelled, the ring torn down), then the signalling queue
 * (dma_fence_token_wq_fini()).  The fences of the jobs use the rings'
 * locks, so the context's memory lives until its last fence is freed;
 * every fence holds a module reference, since fence ops are module code.
 */

static const char *simgpu_fence_driver_name(struct dma_fence *fence)
{
	return "simgpu";
}

static struct simgpu_job *simgpu_fence_job(struct dma_fence *fence)
{
	return to_simgpu_job(to_dma_fence_token_job(fence));
}

static const char *simgpu_fence_timeline_name(struct dma_fence *fence)
{
	return simgpu_fence_job(fence)->engine->name;
}

/* Any context, no lock held: the job queue is done with the job. */
static void simgpu_fence_release(struct dma_fence *fence)
{
	struct simgpu_job *job = simgpu_fence_job(fence);
	struct simgpu_file *sf = job->engine->file;

	atomic64_dec(&sf->sdev->stats.live_jobs);
	simgpu_file_put(sf);
	kfree_rcu(job, base.fence.rcu);
	/* Taken by the submit ioctl: fence ops are module code. */
	module_put(THIS_MODULE);
}

const struct dma_fence_ops simgpu_fence_ops = {
	.get_driver_name = simgpu_fence_driver_name,
	.get_timeline_name = simgpu_fence_timeline_name,
	.release = simgpu_fence_release,
};

/* Callback on the job's own fence: count how it ended. */
static void simgpu_job_done(struct dma_fence *fence, struct dma_fence_cb *cb)
{
	struct simgpu_job *job = container_of(cb, struct simgpu_job, done_cb);
	struct simgpu_stats *stats = simgpu_engine_stats(job->engine);

	atomic64_inc(&stats->signalled);
	switch (fence->error) {
	case 0:
		atomic64_inc(&stats->ok);
		break;
	case -EIO:
		atomic64_inc(&stats->eio);
		break;
	case -ETIMEDOUT:
		atomic64_inc(&stats->timedout);
		break;
	case -ECANCELED:
		atomic64_inc(&stats->cancelled);
		break;
	default:
		atomic64_inc(&stats->other);
		break;
	}
}

/*
 * Run callback: the job's in-fences are signalled and the engine's previous
 * job is on the ring.  Hand the fence to the ring and start the simulated
 * engine on it.  A fence signalling path: no allocation, no waiting, and
 * interrupt-safe locking (it may run in an engine's interrupt).
 */
static struct dma_fence_token_proof simgpu_job_run(struct dma_fence_token_job *base,
						   struct dma_fence_token *tok)
	__releases(tok)
{
	struct simgpu_job *job = to_simgpu_job(base);
	struct simgpu_engine *engine = job->engine;
	u64 latency = (u64)READ_ONCE(engine->file->sdev->knobs.latency_us) *
		      NSEC_PER_USEC;
	struct dma_fence_token_proof proof;
	unsigned long flags;
	ktime_t start;

	spin_lock_irqsave(&engine->hw_lock, flags);
	start = ktime_add_ns(ktime_get(), latency);
	if (ktime_before(start, engine->busy_until))
		start = engine->busy_until;
	job->end = ktime_add_ns(start, job->duration_ns);
	engine->busy_until = job->end;
	spin_unlock_irqrestore(&engine->hw_lock, flags);

	/* A closed ring signals the fence with -ECANCELED. */
	if (!dma_fence_token_job_to_ring(tok, base, &proof))
		simgpu_engine_start(engine, job);
	return proof;
}

const struct dma_fence_token_jobq_ops simgpu_jobq_ops = {
	.run = simgpu_job_run,
	.timedout = simgpu_engine_timedout,
};

static int simgpu_submit_check(struct simgpu_file *sf,
			       const struct drm_simgpu_submit *args)
{
	u32 faults = args->flags & SIMGPU_SUBMIT_FAULTS;

	if (args->size != sizeof(*args) ||
	    args->flags & ~SIMGPU_SUBMIT_FLAGS ||
	    (faults & (faults - 1)) ||
	    args->engine >= sf->num_engines ||
	    args->num_in_fences > SIMGPU_MAX_IN_FENCES ||
	    args->duration_ns > SIMGPU_MAX_DURATION_NS ||
	    args->reserved[0] || args->reserved[1])
		return -EINVAL;
	return 0;
}

/* Look up the in-fences; on error the caller puts the *@found ones. */
static int simgpu_get_in_fences(const struct drm_simgpu_submit *args,
				struct dma_fence **fences, unsigned int *found)
{
	s32 fds[SIMGPU_MAX_IN_FENCES];
	unsigned int i;

	if (copy_from_user(fds, u64_to_user_ptr(args->in_fences),
			   args->num_in_fences * sizeof(fds[0])))
		return -EFAULT;
	for (i = 0; i < args->num_in_fences; i++) {
		struct file *file = fds[i] >= 0 ? fget(fds[i]) : NULL;

		if (!file)
			return -EBADF;
		fput(file);
		fences[i] = sync_file_get_fence(fds[i]);
		if (!fences[i])
			return -EINVAL;
		*found = i + 1;
	}
	return 0;
}

/*
 * Prepare the job on its engine's queue; a ring that a timeout closed is
 * reset and reopened first.
 */
static int simgpu_job_prepare(struct simgpu_job *job, unsigned int num_deps)
{
	struct simgpu_engine *engine = job->engine;
	int ret;

	ret = dma_fence_token_job_prepare(&job->base, &engine->queue, 1, num_deps);
	if (ret == -ESHUTDOWN) {
		mutex_lock(&engine->submit_lock);
		ret = simgpu_engine_reset(engine);
		mutex_unlock(&engine->submit_lock);
		if (!ret)
			ret = dma_fence_token_job_prepare(&job->base, &engine->queue,
							  1, num_deps);
	}
	/* Full, a timeout still cancelling the ring's jobs, or a new one. */
	if (ret == -ENOSPC || ret == -EBUSY || ret == -ESHUTDOWN)
		ret = -EAGAIN;
	return ret;
}

/**
 * simgpu_ioctl_submit - DRM_IOCTL_SIMGPU_SUBMIT
 * @dev: the DRM device
 * @data: &struct drm_simgpu_submit, copied in and out by the DRM core
 * @file: the file; its driver_priv is the &struct simgpu_file
 *
 * See the "Job flow" DOC section.
 *
 * Context: process context, may sleep.
 * Return: 0 or a negative errno, see &struct drm_simgpu_submit.
 */
int simgpu_ioctl_submit(struct drm_device *dev, void *data,
			struct drm_file *file)
{
	struct simgpu_device *sdev = to_simgpu_device(dev);
	struct simgpu_file *sf = file->driver_priv;
	struct dma_fence *in_fences[SIMGPU_MAX_IN_FENCES];
	struct drm_simgpu_submit *args = data;
	struct dma_fence_token tok = {};
	struct dma_fence_token_proof proof;
	struct simgpu_engine *engine;
	struct sync_file *sync_file;
	unsigned int num_in = 0, i;
	struct simgpu_job *job;
	int fd, ret;

	ret = simgpu_submit_check(sf, args);
	if (ret)
		return ret;
	/* A user index, checked above: no speculation past the bound. */
	engine = &sf->engines[array_index_nospec(args->engine, sf->num_engines)];

	ret = simgpu_get_in_fences(args, in_fences, &num_in);
	if (ret)
		goto err_in;
	job = kzalloc(sizeof(*job), GFP_KERNEL);
	if (!job) {
		ret = -ENOMEM;
		goto err_in;
	}
	job->engine = engine;
	job->duration_ns = args->duration_ns;
	job->faults = simgpu_engine_pick_faults(sdev, args->flags);
	INIT_LIST_HEAD(&job->hw_link);

	ret = simgpu_job_prepare(job, num_in);
	if (ret)
		goto err_free;
	/* Cannot fail: there is room for every in-fence. */
	for (i = 0; i < num_in && !ret; i++)
		ret = dma_fence_token_job_add_dep(&job->base, in_fences[i]);
	/* The job took references of its own. */
	while (num_in)
		dma_fence_put(in_fences[--num_in]);
	if (ret)
		goto err_discard;
	fd = get_unused_fd_flags(O_CLOEXEC);
	if (fd < 0) {
		ret = fd;
		goto err_discard;
	}

	/* From the arm on the job is freed by its fence's release. */
	__module_get(THIS_MODULE);
	kref_get(&sf->ref);
	atomic64_inc(&sdev->stats.live_jobs);

	mutex_lock(&engine->submit_lock);
	dma_fence_token_job_arm(&job->base);
	sync_file = sync_file_create(&job->base.fence);
	if (!sync_file) {
		/* Never visible: signalled -ECANCELED, freed by the put. */
		dma_fence_token_job_discard(&job->base);
		mutex_unlock(&engine->submit_lock);
		dma_fence_put(&job->base.fence);
		put_unused_fd(fd);
		return -ENOMEM;
	}
	dma_fence_add_callback(&job->base.fence, &job->done_cb, simgpu_job_done);

	/* The fence becomes visible with the fd: the job queue owes it. */
	dma_fence_token_begin(&tok, &job->base.fence);
	dma_fence_token_job_push(&tok, &job->base, &proof);
	dma_fence_token_proof_end(proof, &job->base.fence);
	mutex_unlock(&engine->submit_lock);

	atomic64_inc(&sdev->stats.submitted);
	if (job->faults & SIMGPU_SUBMIT_HANG)
		atomic64_inc(&sdev->stats.hangs);
	else if (job->faults & SIMGPU_SUBMIT_ERROR)
		atomic64_inc(&sdev->stats.errors);
	args->out_fence = fd;
	args->faults = job->faults;
	args->seqno = job->base.fence.seqno;
	fd_install(fd, sync_file->file);
	dma_fence_put(&job->base.fence);
	return 0;

err_discard:
	dma_fence_token_job_discard(&job->base);
err_free:
	kfree(job);
err_in:
	while (num_in)
		dma_fence_put(in_fences[--num_in]);
	return ret;
}
