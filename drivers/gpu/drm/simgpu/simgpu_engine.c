// SPDX-License-Identifier: GPL-2.0
/*
 * simgpu: the simulated engines, their completion interrupts, resets,
 * timeouts and injected faults.
 */

#include <drm/simgpu_drm.h>
#include <linux/jiffies.h>
#include <linux/ktime.h>
#include <linux/random.h>
#include <linux/slab.h>

#include "simgpu_drv.h"

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
	struct dma_fence_token_ring *ring = dma_fence_token_jobq_ring(&engine->queue);
	struct simgpu_stats *stats = simgpu_engine_stats(engine);
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
			atomic64_inc(&stats->lost_irqs);
			continue;
		}
		if (job->faults & SIMGPU_SUBMIT_ERROR) {
			/* Completes the earlier jobs too; the rest next time. */
			err_seqno = job->base.fence.seqno;
			done_seqno = 0;
			if (!list_empty(&engine->hw_jobs)) {
				hrtimer_set_expires(timer, now);
				restart = HRTIMER_RESTART;
			}
			break;
		}
		done_seqno = job->base.fence.seqno;
	}
	atomic64_inc(&stats->irqs);
unlock:
	spin_unlock_irqrestore(&engine->hw_lock, flags);

	/*
	 * Completions are reported without hw_lock: the run callback takes
	 * it in its signalling section, so holding it around a completion
	 * (which opens a section where interrupts are threaded, on
	 * PREEMPT_RT) would order the two both ways.  Seqnos only grow, so
	 * a completion that a reset overtook here only finds fences already
	 * signalled.
	 */
	if (err_seqno)
		dma_fence_token_ring_complete(ring, err_seqno, -EIO);
	if (done_seqno)
		dma_fence_token_ring_complete(ring, done_seqno, 0);

	list_for_each_entry_safe(job, tmp, &done, hw_link) {
		list_del_init(&job->hw_link);
		dma_fence_put(&job->base.fence);
	}
	return restart;
}

/**
 * simgpu_engine_start - the engine starts on a job that is on its ring
 * @engine: the engine
 * @job: the job, handed to the ring by dma_fence_token_job_to_ring()
 *
 * The ring lock is not taken under hw_lock (the transfer touches the
 * signalling queue's lockdep map, which must not nest in a hard interrupt
 * safe lock), so a timeout may have closed the ring and a reset emptied
 * the engine since the transfer: such a job is already signalled and
 * stays off the engine.  So does every job once teardown began.
 *
 * Context: the job's run callback, a fence signalling path, in any
 * context (an interrupt that released the job, too).
 */
void simgpu_engine_start(struct simgpu_engine *engine, struct simgpu_job *job)
{
	unsigned long flags;
	bool idle;

	spin_lock_irqsave(&engine->hw_lock, flags);
	if (!engine->dead && !dma_fence_is_signaled(&job->base.fence)) {
		idle = list_empty(&engine->hw_jobs);
		list_add_tail(&job->hw_link, &engine->hw_jobs);
		dma_fence_get(&job->base.fence);
		if (idle)
			hrtimer_start(&engine->irq, job->end, HRTIMER_MODE_ABS);
	}
	spin_unlock_irqrestore(&engine->hw_lock, flags);
}

/**
 * simgpu_engine_clear - stop the engine and drop the jobs left on it
 * @engine: the engine
 * @dead: for good (teardown): nothing starts on the engine any more
 *
 * The jobs' fences are the ring's to signal (a timeout closed it, or its
 * teardown will).
 *
 * Context: process context, may sleep (waits for a running interrupt).
 */
void simgpu_engine_clear(struct simgpu_engine *engine, bool dead)
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
		dma_fence_put(&job->base.fence);
	}
}

/**
 * simgpu_engine_reset - reset the engine after a timeout closed its ring
 * @engine: the engine
 *
 * The ring refuses every transfer while it is closed, so nothing reaches
 * the engine or arms its interrupt until the reopen.  A ring that is open
 * (another submit reset the engine first) is left alone.
 *
 * Context: process context, may sleep; under the engine's submit lock.
 * Return: 0, or -EBUSY while the close is still signalling the ring's
 * fences (see dma_fence_token_ring_reopen()).
 */
int simgpu_engine_reset(struct simgpu_engine *engine)
{
	struct dma_fence_token_ring *ring = dma_fence_token_jobq_ring(&engine->queue);
	int ret;

	lockdep_assert_held(&engine->submit_lock);
	if (!dma_fence_token_ring_closed(ring))
		return 0;
	simgpu_engine_clear(engine, false);
	ret = dma_fence_token_ring_reopen(ring);
	if (!ret)
		atomic64_inc(&simgpu_engine_stats(engine)->resets);
	return ret;
}

/**
 * simgpu_engine_timedout - the ring's timeout handler
 * @q: the engine's job queue
 * @hung: the oldest job on the ring, which made no progress
 *
 * Takes a core dump; the library then closes the ring and the next submit
 * resets the engine.
 *
 * Context: the signalling queue's worker, a fence signalling path: the dump
 * uses GFP_NOWAIT memory.
 */
void simgpu_engine_timedout(struct dma_fence_token_jobq *q,
			    struct dma_fence_token_job *hung)
{
	struct simgpu_engine *engine = container_of(q, struct simgpu_engine, queue);
	struct dma_fence_token_ring *ring = dma_fence_token_jobq_ring(q);
	struct simgpu_stats *stats = simgpu_engine_stats(engine);
	char *dump = dma_fence_token_ring_dump_alloc(ring, 64);

	atomic64_inc(&stats->timeouts);
	if (!dump)
		return;
	snprintf(dump, 64, "%s: hung at seqno %llu", engine->name, hung->fence.seqno);
	atomic64_inc(&stats->dumps);
	kfree(dump);
}

static bool simgpu_roll(u32 ppm)
{
	return ppm && get_random_u32_below(1000000) < ppm;
}

/**
 * simgpu_engine_pick_faults - the faults a job gets
 * @sdev: the device, for its fault injection rates
 * @flags: the submit flags
 *
 * Return: the faults asked for in @flags, or one rolled from the rates
 * unless @flags has SIMGPU_SUBMIT_NO_RANDOM.
 */
u32 simgpu_engine_pick_faults(struct simgpu_device *sdev, u32 flags)
{
	u32 faults = flags & SIMGPU_SUBMIT_FAULTS;

	if (faults || (flags & SIMGPU_SUBMIT_NO_RANDOM))
		return faults;
	if (simgpu_roll(READ_ONCE(sdev->knobs.hang_ppm)))
		return SIMGPU_SUBMIT_HANG;
	if (simgpu_roll(READ_ONCE(sdev->knobs.lost_irq_ppm)))
		return SIMGPU_SUBMIT_LOST_IRQ;
	if (simgpu_roll(READ_ONCE(sdev->knobs.error_ppm)))
		return SIMGPU_SUBMIT_ERROR;
	return 0;
}

/**
 * simgpu_engine_init - set up an engine of a new file context
 * @engine: the engine, zeroed
 * @sf: the context
 * @index: engine number
 * @file_id: number of the file, for the timeline name
 *
 * Context: process context, allocates with GFP_KERNEL.
 * Return: 0 or a negative errno.
 */
int simgpu_engine_init(struct simgpu_engine *engine, struct simgpu_file *sf,
		       unsigned int index, unsigned int file_id)
{
	struct dma_fence_token_jobq_args args = {
		.name = engine->name,
		.wq = &sf->wq,
		.ops = &simgpu_jobq_ops,
		.fence_ops = &simgpu_fence_ops,
		.capacity = SIMGPU_RING_SIZE,
		.timeout = msecs_to_jiffies(sf->timeout_ms),
		/*
		 * In-fence errors are not propagated: they only order.  The
		 * run callback takes only interrupt-safe locks, so a job that
		 * an engine's interrupt releases (its last in-fence) runs in
		 * that interrupt.
		 */
		.flags = DMA_FENCE_TOKEN_JOBQ_RUN_IN_IRQ,
	};
	int ret;

	engine->file = sf;
	engine->index = index;
	snprintf(engine->name, sizeof(engine->name), "simgpu-%u-e%u", file_id, index);
	spin_lock_init(&engine->hw_lock);
	INIT_LIST_HEAD(&engine->hw_jobs);
	hrtimer_init(&engine->irq, CLOCK_MONOTONIC, HRTIMER_MODE_ABS);
	engine->irq.function = simgpu_engine_irq;
	ret = dma_fence_token_jobq_init(&engine->queue, &args);
	if (ret)
		return ret;
	mutex_init(&engine->submit_lock);
	return 0;
}

/**
 * simgpu_engine_fini - tear an engine down
 * @engine: an engine stopped by simgpu_engine_clear(engine, true)
 *
 * Every job of the engine that has not run, and every job on its ring,
 * ends signalled with -ECANCELED.  The job queue's counters go to the
 * device's.
 *
 * Context: process context, may sleep; before the signalling queue's
 * teardown.
 */
void simgpu_engine_fini(struct simgpu_engine *engine)
{
	struct simgpu_stats *stats = simgpu_engine_stats(engine);
	struct dma_fence_token_jobq_stats qs;

	dma_fence_token_jobq_fini(&engine->queue);
	dma_fence_token_jobq_get_stats(&engine->queue, &qs);
	atomic64_add(qs.direct, &stats->jobs_direct);
	atomic64_add(qs.deferred, &stats->jobs_deferred);
	atomic64_add(qs.irq, &stats->jobs_irq);
	atomic64_add(qs.cancelled, &stats->jobs_cancelled);
	mutex_destroy(&engine->submit_lock);
}
