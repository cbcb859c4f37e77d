// SPDX-License-Identifier: GPL-2.0
/*
 * simgpu: job submission, dependencies, the simulated engines and their
 * interrupts, and teardown of a file's context.
 */

#include <drm/drm_file.h>
#include <drm/simgpu_drm.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/jiffies.h>
#include <linux/ktime.h>
#include <linux/module.h>
#include <linux/nospec.h>
#include <linux/overflow.h>
#include <linux/random.h>
#include <linux/slab.h>
#include <linux/sync_file.h>
#include <linux/uaccess.h>

#include "simgpu_drv.h"

/**
 * DOC: Job flow
 *
 * simgpu shows the library's paths end to end.  A submit ioctl does every
 * allocation and every step that may fail first: the job with room for its
 * in-fences, the in-fences from their sync_file fds, an fd and a sync_file
 * for the out-fence, and a slot on the engine's ring
 * (dma_fence_token_ring_reserve()).  Then, in seqno order under the engine's
 * submit lock, it
 *
 * 1. registers a callback on every in-fence and links the job behind the
 *    engine's previous job, counting in &simgpu_job.pending what it waits
 *    for (plus one for the ioctl itself);
 * 2. begins the token of the job's fence and transfers it, held, to the
 *    job's run work with dma_fence_token_wq_queue_held(): the work owes
 *    the signal from now on and teardown cancels it like any work that has
 *    not run.  The token is discharged in the context that began it;
 * 3. drops its own count and installs the out-fence fd.
 *
 * Whoever drops &simgpu_job.pending to zero - the last in-fence callback,
 * the dispatch of the previous job or the ioctl - releases the work with
 * dma_fence_token_wq_item_release(), which never blocks or allocates.  The
 * run callback hands the token to the engine's ring with
 * dma_fence_token_ring_push() and queues the job on the simulated engine,
 * whose hrtimer "interrupt" fires when the oldest job is finished.  The
 * interrupt reports the finished jobs in order with
 * dma_fence_token_ring_complete(), with -EIO for an error completion, or not
 * at all for a lost interrupt (a later completion covers the job); an
 * engine stuck on a hung job raises no interrupt until it is reset.  The
 * ring's timeout is the guaranteed path: it closes the ring, -ETIMEDOUT
 * for the oldest fence and -ECANCELED for the others, and the next submit
 * to the engine resets it.
 *
 * Jobs of one engine reach the ring in seqno order because a job is
 * released only after the engine's previous job was dispatched.  In-fence
 * errors are not propagated: an in-fence only orders the job.
 *
 * Closing the file signals every fence that is still pending with
 * -ECANCELED: the callbacks on in-fences are removed, the interrupts
 * stopped, the rings torn down (dma_fence_token_ring_fini()) and the queue
 * too (dma_fence_token_wq_fini(), which cancels the held and queued run
 * work).  The fences of the jobs use the rings' locks, so the context's
 * memory lives until its last fence is freed; every fence holds a module
 * reference, since fence ops are module code.
 */

static const char *simgpu_fence_driver_name(struct dma_fence *fence)
{
	return "simgpu";
}

static const char *simgpu_fence_timeline_name(struct dma_fence *fence)
{
	return container_of(fence, struct simgpu_job, base)->engine->name;
}

static void simgpu_file_release(struct kref *ref)
{
	struct simgpu_file *sf = container_of(ref, struct simgpu_file, ref);

	kfree_rcu(sf, rcu);
}

static void simgpu_fence_release(struct dma_fence *fence)
{
	struct simgpu_job *job = container_of(fence, struct simgpu_job, base);
	unsigned int i;

	for (i = 0; i < job->num_deps; i++)
		dma_fence_put(job->deps[i].fence);
	kref_put(&job->engine->file->ref, simgpu_file_release);
	atomic64_dec(&simgpu_stats.live_jobs);
	kfree_rcu(job, base.rcu);
	/* Taken by the submit ioctl: fence ops are module code. */
	module_put(THIS_MODULE);
}

static const struct dma_fence_ops simgpu_fence_ops = {
	.get_driver_name = simgpu_fence_driver_name,
	.get_timeline_name = simgpu_fence_timeline_name,
	.release = simgpu_fence_release,
};

/* Callback on the job's own fence: count how it ended. */
static void simgpu_job_done(struct dma_fence *fence, struct dma_fence_cb *cb)
{
	atomic64_inc(&simgpu_stats.signalled);
	switch (fence->error) {
	case 0:
		atomic64_inc(&simgpu_stats.ok);
		break;
	case -EIO:
		atomic64_inc(&simgpu_stats.eio);
		break;
	case -ETIMEDOUT:
		atomic64_inc(&simgpu_stats.timedout);
		break;
	case -ECANCELED:
		atomic64_inc(&simgpu_stats.cancelled);
		break;
	default:
		atomic64_inc(&simgpu_stats.other);
		break;
	}
}

/* One thing the job waited for is done; the last one lets it run. */
static void simgpu_job_unblock(struct simgpu_job *job)
{
	if (atomic_dec_and_test(&job->pending))
		dma_fence_token_wq_item_release(&job->work);
}

/* An in-fence signalled: any context, under that fence's lock. */
static void simgpu_dep_signalled(struct dma_fence *fence, struct dma_fence_cb *cb)
{
	simgpu_job_unblock(container_of(cb, struct simgpu_dep, cb)->job);
}

/*
 * The job went to the ring (or was refused there): release the engine's
 * next job and drop the references the engine's order held.
 */
static void simgpu_job_dispatched(struct simgpu_job *job)
{
	struct simgpu_engine *engine = job->engine;
	struct simgpu_file *sf = engine->file;
	struct simgpu_job *next;
	bool was_last = false, was_waiting = false;

	spin_lock(&engine->fifo_lock);
	job->dispatched = true;
	next = job->next;
	job->next = NULL;
	if (engine->last == job) {
		engine->last = NULL;
		was_last = true;
	}
	spin_unlock(&engine->fifo_lock);

	spin_lock(&sf->lock);
	if (!sf->closing) {
		list_del_init(&job->link);
		was_waiting = true;
	}
	spin_unlock(&sf->lock);

	if (next) {
		simgpu_job_unblock(next);
		dma_fence_put(&next->base);
	}
	/* The run work holds a reference too: none of these is the last. */
	if (was_last)
		dma_fence_put(&job->base);
	if (was_waiting)
		dma_fence_put(&job->base);
}

/*
 * The engine's completion interrupt: report every job the engine finished,
 * in order.  A hung job stops the engine; a lost interrupt reports nothing,
 * a later completion covers the job.  It runs in hard interrupt context,
 * except on PREEMPT_RT, where a timer that is not _HARD runs in a thread,
 * as a real handler would (the fence and ring locks are spinlock_t, which
 * sleep there).
 */
static enum hrtimer_restart simgpu_engine_irq(struct hrtimer *timer)
{
	struct simgpu_engine *engine = container_of(timer, struct simgpu_engine, irq);
	enum hrtimer_restart restart = HRTIMER_NORESTART;
	struct simgpu_job *job, *tmp;
	ktime_t now = ktime_get();
	unsigned long flags;
	u64 done_seqno = 0, err_seqno = 0;
	LIST_HEAD(done);

	spin_lock_irqsave(&engine->hw_lock, flags);
	if (engine->dead)
		goto unlock;
	while ((job = list_first_entry_or_null(&engine->hw_jobs,
					       struct simgpu_job, hw_link))) {
		if (job->faults & SIMGPU_SUBMIT_HANG)
			break;	/* stuck until the timeout and a reset */
		if (ktime_after(job->end, now)) {
			hrtimer_set_expires(timer, job->end);
			restart = HRTIMER_RESTART;
			break;
		}
		list_move_tail(&job->hw_link, &done);
		if (job->faults & SIMGPU_SUBMIT_LOST_IRQ) {
			atomic64_inc(&simgpu_stats.lost_irqs);
			continue;
		}
		if (job->faults & SIMGPU_SUBMIT_ERROR) {
			/* Completes the earlier jobs too; the rest next time. */
			err_seqno = job->base.seqno;
			done_seqno = 0;
			if (!list_empty(&engine->hw_jobs)) {
				hrtimer_set_expires(timer, now);
				restart = HRTIMER_RESTART;
			}
			break;
		}
		done_seqno = job->base.seqno;
	}
	atomic64_inc(&simgpu_stats.irqs);
unlock:
	spin_unlock_irqrestore(&engine->hw_lock, flags);

	/*
	 * Completions are reported without hw_lock: the worker takes it in
	 * its signalling section, so holding it around a completion (which
	 * opens a section where interrupts are threaded, on PREEMPT_RT)
	 * would order the two both ways.  Seqnos only grow, so a completion
	 * that a reset overtook here only finds fences already signalled.
	 */
	if (err_seqno)
		dma_fence_token_ring_complete(&engine->ring, err_seqno, -EIO);
	if (done_seqno)
		dma_fence_token_ring_complete(&engine->ring, done_seqno, 0);

	list_for_each_entry_safe(job, tmp, &done, hw_link) {
		list_del_init(&job->hw_link);
		dma_fence_put(&job->base);
	}
	return restart;
}

/*
 * The engine starts on a job that is on its ring.  The ring lock is not
 * taken under hw_lock (the transfer touches the queue's lockdep map, which
 * must not nest in a hard interrupt safe lock), so a timeout may have
 * closed the ring and a reset emptied the engine since the transfer: such
 * a job is already signalled and stays off the engine.
 */
static void simgpu_engine_start(struct simgpu_engine *engine,
				struct simgpu_job *job)
{
	bool idle;

	spin_lock_irq(&engine->hw_lock);
	if (!engine->dead && !dma_fence_is_signaled(&job->base)) {
		idle = list_empty(&engine->hw_jobs);
		list_add_tail(&job->hw_link, &engine->hw_jobs);
		dma_fence_get(&job->base);
		if (idle)
			hrtimer_start(&engine->irq, job->end, HRTIMER_MODE_ABS);
	}
	spin_unlock_irq(&engine->hw_lock);
}

/*
 * Run work: the job's in-fences are signalled and the engine's previous
 * job is on the ring.  Hand the fence to the ring and start the simulated
 * engine on it.  A fence signalling path: no allocation, no waiting.
 */
static struct dma_fence_token_proof simgpu_job_run(struct dma_fence_token_wq_item *work,
						   struct dma_fence_token *tok)
	__releases(tok)
{
	struct simgpu_job *job = container_of(work, struct simgpu_job, work);
	struct simgpu_engine *engine = job->engine;
	u64 latency = (u64)READ_ONCE(simgpu_knobs.latency_us) * NSEC_PER_USEC;
	struct dma_fence_token_proof proof;
	ktime_t start;
	bool dead;

	spin_lock_irq(&engine->hw_lock);
	dead = engine->dead;
	start = ktime_add_ns(ktime_get(), latency);
	if (ktime_before(start, engine->busy_until))
		start = engine->busy_until;
	job->end = ktime_add_ns(start, job->duration_ns);
	engine->busy_until = job->end;
	spin_unlock_irq(&engine->hw_lock);

	if (dead || dma_fence_token_wq_item_cancelled(work)) {
		/* The job's slot goes back; after the ring's fini, nothing does. */
		dma_fence_token_ring_unreserve(&engine->ring, 1);
		proof = dma_fence_token_signal(tok, -ECANCELED);
	} else if (!dma_fence_token_ring_push(tok, &engine->ring, &proof)) {
		simgpu_engine_start(engine, job);
	}
	simgpu_job_dispatched(job);
	return proof;
}

/* Drop the jobs left on the engine (the ring signalled their fences). */
static void simgpu_engine_clear(struct simgpu_engine *engine, bool dead)
{
	struct simgpu_job *job, *tmp;
	LIST_HEAD(stale);

	/*
	 * Nothing arms the interrupt again: a dead engine takes no job, and
	 * the closed ring of an engine being reset takes none either.
	 */
	spin_lock_irq(&engine->hw_lock);
	engine->dead = dead;
	spin_unlock_irq(&engine->hw_lock);
	hrtimer_cancel(&engine->irq);	/* waits for a running handler */
	spin_lock_irq(&engine->hw_lock);
	list_splice_init(&engine->hw_jobs, &stale);
	engine->busy_until = 0;
	spin_unlock_irq(&engine->hw_lock);

	list_for_each_entry_safe(job, tmp, &stale, hw_link) {
		list_del_init(&job->hw_link);
		dma_fence_put(&job->base);
	}
}

/*
 * Reset the engine after a timeout closed its ring.  The ring refuses
 * every transfer while it is closed, so nothing reaches the engine or
 * arms its interrupt until the reopen.
 */
static int simgpu_engine_reset(struct simgpu_engine *engine)
{
	int ret;

	lockdep_assert_held(&engine->submit_lock);
	simgpu_engine_clear(engine, false);
	ret = dma_fence_token_ring_reopen(&engine->ring);
	if (!ret)
		atomic64_inc(&simgpu_stats.resets);
	return ret;
}

/* Timeout handler: a signalling path; the dump uses GFP_NOWAIT memory. */
static void simgpu_engine_timedout(struct dma_fence_token_ring *ring,
				   struct dma_fence *hung)
{
	char *dump = dma_fence_token_ring_dump_alloc(ring, 64);

	atomic64_inc(&simgpu_stats.timeouts);
	if (!dump)
		return;
	snprintf(dump, 64, "%s: hung at seqno %llu", ring->name, hung->seqno);
	atomic64_inc(&simgpu_stats.dumps);
	kfree(dump);
}

static const struct dma_fence_token_ring_ops simgpu_ring_ops = {
	.timedout = simgpu_engine_timedout,
};

static bool simgpu_roll(u32 ppm)
{
	return ppm && get_random_u32_below(1000000) < ppm;
}

static u32 simgpu_pick_faults(u32 flags)
{
	u32 faults = flags & SIMGPU_SUBMIT_FAULTS;

	if (faults || (flags & SIMGPU_SUBMIT_NO_RANDOM))
		return faults;
	if (simgpu_roll(READ_ONCE(simgpu_knobs.hang_ppm)))
		return SIMGPU_SUBMIT_HANG;
	if (simgpu_roll(READ_ONCE(simgpu_knobs.lost_irq_ppm)))
		return SIMGPU_SUBMIT_LOST_IRQ;
	if (simgpu_roll(READ_ONCE(simgpu_knobs.error_ppm)))
		return SIMGPU_SUBMIT_ERROR;
	return 0;
}

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

/* Look up the in-fences; on error the caller puts the ones found. */
static int simgpu_job_get_deps(struct simgpu_job *job, u64 user_fds)
{
	s32 fds[SIMGPU_MAX_IN_FENCES];
	unsigned int i;

	if (copy_from_user(fds, u64_to_user_ptr(user_fds),
			   job->num_deps * sizeof(fds[0])))
		return -EFAULT;
	for (i = 0; i < job->num_deps; i++) {
		struct file *file = fds[i] >= 0 ? fget(fds[i]) : NULL;

		if (!file)
			return -EBADF;
		fput(file);
		job->deps[i].fence = sync_file_get_fence(fds[i]);
		if (!job->deps[i].fence)
			return -EINVAL;
		job->deps[i].job = job;
	}
	return 0;
}

static void simgpu_job_free_unpublished(struct simgpu_job *job)
{
	unsigned int i;

	for (i = 0; i < job->num_deps; i++)
		dma_fence_put(job->deps[i].fence);
	kfree(job);
}

/* The job no longer waits for its in-fences: remove their callbacks. */
static void simgpu_job_drop_deps(struct simgpu_job *job)
{
	unsigned int i;

	for (i = 0; i < job->num_deps; i++)
		dma_fence_remove_callback(job->deps[i].fence, &job->deps[i].cb);
}

/* Step 1 of the job flow, under the engine's submit lock. */
static void simgpu_job_link(struct simgpu_job *job)
{
	struct simgpu_engine *engine = job->engine;
	struct simgpu_file *sf = engine->file;
	struct simgpu_job *prev;
	unsigned int i;

	/* The ioctl's own count, dropped once the token is transferred. */
	atomic_set(&job->pending, 1);
	for (i = 0; i < job->num_deps; i++) {
		atomic_inc(&job->pending);
		if (dma_fence_add_callback(job->deps[i].fence, &job->deps[i].cb,
					   simgpu_dep_signalled))
			atomic_dec(&job->pending);	/* already signalled */
	}

	spin_lock(&engine->fifo_lock);
	prev = engine->last;
	if (prev && !prev->dispatched) {
		atomic_inc(&job->pending);
		prev->next = job;
		dma_fence_get(&job->base);
	}
	engine->last = job;
	dma_fence_get(&job->base);
	spin_unlock(&engine->fifo_lock);
	if (prev)
		dma_fence_put(&prev->base);

	spin_lock(&sf->lock);
	list_add_tail(&job->link, &sf->waiting);
	dma_fence_get(&job->base);
	spin_unlock(&sf->lock);
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
	struct simgpu_file *sf = file->driver_priv;
	struct drm_simgpu_submit *args = data;
	struct simgpu_engine *engine;
	struct dma_fence_token tok = {};
	struct dma_fence_token_proof proof;
	struct sync_file *sync_file;
	struct simgpu_job *job;
	int fd, ret;

	ret = simgpu_submit_check(sf, args);
	if (ret)
		return ret;
	/* A user index, checked above: no speculation past the bound. */
	engine = &sf->engines[array_index_nospec(args->engine, sf->num_engines)];

	job = kzalloc(struct_size(job, deps, args->num_in_fences), GFP_KERNEL);
	if (!job)
		return -ENOMEM;
	job->num_deps = args->num_in_fences;
	ret = simgpu_job_get_deps(job, args->in_fences);
	if (ret)
		goto err_free;
	job->engine = engine;
	job->duration_ns = args->duration_ns;
	job->faults = simgpu_pick_faults(args->flags);
	INIT_LIST_HEAD(&job->link);
	INIT_LIST_HEAD(&job->hw_link);
	dma_fence_token_wq_item_init(&job->work, simgpu_job_run);

	fd = get_unused_fd_flags(O_CLOEXEC);
	if (fd < 0) {
		ret = fd;
		goto err_free;
	}

	mutex_lock(&engine->submit_lock);
	ret = dma_fence_token_ring_reserve(&engine->ring, 1);
	if (ret == -ESHUTDOWN) {
		ret = simgpu_engine_reset(engine);
		if (!ret)
			ret = dma_fence_token_ring_reserve(&engine->ring, 1);
	}
	if (ret) {
		mutex_unlock(&engine->submit_lock);
		/* Full, or a timeout still cancelling the ring's jobs. */
		if (ret == -ENOSPC || ret == -EBUSY)
			ret = -EAGAIN;
		goto err_fd;
	}

	/* From here the job is freed by its fence's release. */
	__module_get(THIS_MODULE);
	kref_get(&sf->ref);
	atomic64_inc(&simgpu_stats.live_jobs);
	dma_fence_init(&job->base, &simgpu_fence_ops,
		       dma_fence_token_ring_lock(&engine->ring), engine->context,
		       ++engine->seqno);
	sync_file = sync_file_create(&job->base);
	if (!sync_file) {
		dma_fence_token_ring_unreserve(&engine->ring, 1);
		mutex_unlock(&engine->submit_lock);
		dma_fence_put(&job->base);
		put_unused_fd(fd);
		return -ENOMEM;
	}
	dma_fence_add_callback(&job->base, &job->done_cb, simgpu_job_done);
	simgpu_job_link(job);

	/* The fence becomes visible with the fd: the ring work owes it. */
	dma_fence_token_begin(&tok, &job->base);
	ret = dma_fence_token_wq_queue_held(&tok, &sf->wq, &job->work, &proof);
	dma_fence_token_proof_end(proof, &job->base);
	if (ret) {
		/* Refused (the file is going away): signalled, -ECANCELED. */
		simgpu_job_drop_deps(job);
		simgpu_job_dispatched(job);
	} else {
		simgpu_job_unblock(job);
	}
	mutex_unlock(&engine->submit_lock);

	atomic64_inc(&simgpu_stats.submitted);
	if (job->faults & SIMGPU_SUBMIT_HANG)
		atomic64_inc(&simgpu_stats.hangs);
	else if (job->faults & SIMGPU_SUBMIT_ERROR)
		atomic64_inc(&simgpu_stats.errors);
	args->out_fence = fd;
	args->faults = job->faults;
	args->seqno = job->base.seqno;
	fd_install(fd, sync_file->file);
	dma_fence_put(&job->base);
	return 0;

err_fd:
	put_unused_fd(fd);
err_free:
	simgpu_job_free_unpublished(job);
	return ret;
}

/**
 * simgpu_file_create - set up the context of a newly opened file
 * @id: number for the timeline names
 *
 * Context: process context, allocates with GFP_KERNEL.
 * Return: the context or an ERR_PTR.
 */
struct simgpu_file *simgpu_file_create(unsigned int id)
{
	unsigned int n = clamp_t(u32, READ_ONCE(simgpu_knobs.engines), 1,
				 SIMGPU_MAX_ENGINES);
	/* Below the token tracker's default watchdog limit (10 s). */
	u32 timeout_ms = clamp_t(u32, READ_ONCE(simgpu_knobs.timeout_ms), 1, 5000);
	struct simgpu_file *sf;
	unsigned int i;
	int ret;

	sf = kzalloc(struct_size(sf, engines, n), GFP_KERNEL);
	if (!sf)
		return ERR_PTR(-ENOMEM);
	kref_init(&sf->ref);
	spin_lock_init(&sf->lock);
	INIT_LIST_HEAD(&sf->waiting);
	sf->timeout_ms = timeout_ms;
	ret = dma_fence_token_wq_init(&sf->wq, "simgpu", 0);
	if (ret)
		goto err_free;
	for (i = 0; i < n; i++) {
		struct simgpu_engine *engine = &sf->engines[i];

		engine->file = sf;
		engine->index = i;
		snprintf(engine->name, sizeof(engine->name), "simgpu-%u-e%u", id, i);
		mutex_init(&engine->submit_lock);
		spin_lock_init(&engine->fifo_lock);
		spin_lock_init(&engine->hw_lock);
		INIT_LIST_HEAD(&engine->hw_jobs);
		hrtimer_init(&engine->irq, CLOCK_MONOTONIC, HRTIMER_MODE_ABS);
		engine->irq.function = simgpu_engine_irq;
		engine->context = dma_fence_context_alloc(1);
		ret = dma_fence_token_ring_init(&engine->ring, engine->name,
						SIMGPU_RING_SIZE,
						msecs_to_jiffies(timeout_ms),
						&sf->wq, &simgpu_ring_ops);
		if (ret)
			goto err_rings;
		sf->num_engines = i + 1;
	}
	atomic64_inc(&simgpu_stats.files);
	return sf;

err_rings:
	for (i = 0; i < sf->num_engines; i++)
		dma_fence_token_ring_fini(&sf->engines[i].ring);
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
	struct simgpu_job *job, *tmp;
	LIST_HEAD(waiting);
	unsigned int i;

	spin_lock(&sf->lock);
	sf->closing = true;
	list_splice_init(&sf->waiting, &waiting);
	spin_unlock(&sf->lock);

	/* No in-fence may release a job of this file any more. */
	list_for_each_entry(job, &waiting, link)
		simgpu_job_drop_deps(job);

	for (i = 0; i < sf->num_engines; i++)
		simgpu_engine_clear(&sf->engines[i], true);
	for (i = 0; i < sf->num_engines; i++) {
		dma_fence_token_ring_fini(&sf->engines[i].ring);
		/* Timeouts and the teardown close. */
		atomic64_add(sf->engines[i].ring.closes, &simgpu_stats.ring_closes);
	}
	/* Cancels the held and queued run work: -ECANCELED. */
	dma_fence_token_wq_fini(&sf->wq);

	for (i = 0; i < sf->num_engines; i++) {
		struct simgpu_engine *engine = &sf->engines[i];
		struct simgpu_job *last;

		spin_lock(&engine->fifo_lock);
		last = engine->last;
		engine->last = NULL;
		spin_unlock(&engine->fifo_lock);
		if (last)
			dma_fence_put(&last->base);
	}
	list_for_each_entry_safe(job, tmp, &waiting, link) {
		struct simgpu_job *next;

		spin_lock(&job->engine->fifo_lock);
		next = job->next;
		job->next = NULL;
		spin_unlock(&job->engine->fifo_lock);
		if (next)
			dma_fence_put(&next->base);
		list_del_init(&job->link);
		dma_fence_put(&job->base);
	}
	atomic64_dec(&simgpu_stats.files);
	kref_put(&sf->ref, simgpu_file_release);
}
