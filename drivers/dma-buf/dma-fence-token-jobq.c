// SPDX-License-Identifier: GPL-2.0
/*
 * Fence signalling tokens: job queues, jobs with in-fences and credits on
 * a hardware ring.
 */

#include <linux/dma-fence-token-jobq.h>
#include <linux/lockdep.h>
#include <linux/module.h>
#include <linux/percpu.h>
#include <linux/preempt.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/wait_bit.h>

#include "dma-fence-token-internal.h"

/**
 * DOC: Job queues
 *
 * A &struct dma_fence_token_jobq turns the transfers of the layers below
 * into what a driver submits: jobs that wait for in-fences, need room on a
 * hardware ring (credits) and must end signalled whatever happens to the
 * ring or the queue.  It is built from a hardware ring (one timeline) that
 * the queue owns and a signalling queue that the driver owns and may share
 * between job queues.
 *
 * Submission is the only place that may sleep, allocate or fail::
 *
 *	ret = dma_fence_token_job_prepare(&job->base, q, credits, n);
 *	...	dma_fence_token_job_add_dep(&job->base, in_fence) ...
 *	mutex_lock(&engine->submit_lock);
 *	dma_fence_token_job_arm(&job->base);	// the fence, next seqno
 *	sync_file = sync_file_create(&job->base.fence);	// not visible yet
 *	dma_fence_token_begin(&tok, &job->base.fence);
 *	dma_fence_token_job_push(&tok, &job->base, &proof);
 *	dma_fence_token_proof_end(proof, &job->base.fence);
 *	mutex_unlock(&engine->submit_lock);
 *	fd_install(fd, sync_file->file);	// published
 *
 * prepare allocates the in-fence array and reserves the job's ring slot
 * (-ENOSPC while the ring is full, -ESHUTDOWN while it is closed: reset
 * the engine and dma_fence_token_ring_reopen() it).  arm initialises the
 * job's fence on the ring's lock and the queue's timeline and registers
 * the callbacks on the in-fences; push transfers the token and cannot
 * fail.  A driver that cannot publish an armed job discards it with
 * dma_fence_token_job_discard().  arm and push of one queue must be
 * serialised by the driver (one submit lock per queue), so that seqno
 * order is push order; a push older than the previous one is reported and
 * its fence cancelled.
 *
 * Give job queues an ordered signalling queue (%DMA_FENCE_TOKEN_WQ_ORDERED,
 * unbound, as drm_sched's submit_wq): a queue runs one of its jobs at a
 * time anyway, and the worker then need not wait for the CPU whose
 * interrupt released the job.  The benchmark measured a hop about five
 * times faster that way than on a per-CPU queue (TCG, 6.12).
 *
 * What happens to a pushed job:
 *
 * - Zero worker hops: a job whose in-fences are all signalled, whose
 *   credits fit and behind no other job of the queue runs at once, in the
 *   submitter's context and signalling section: push calls
 *   &dma_fence_token_jobq_ops.run with the submitter's token.
 * - Otherwise exactly one hop: push transfers the token to the job's
 *   signalling work item, held (dma_fence_token_wq_queue_held()), and the
 *   job joins the queue's FIFO.  The head of the FIFO is released to the
 *   signalling queue by whoever makes it ready: the callback of its last
 *   in-fence, the credit return of a completed job, or the previous job
 *   reaching the ring.  One job of the FIFO runs at a time, so jobs reach
 *   the ring in seqno order.
 * - With %DMA_FENCE_TOKEN_JOBQ_RUN_IN_IRQ, a job that a ring completion
 *   reported from interrupt context releases (its last in-fence, or its
 *   credits) runs in that interrupt instead, once the completing ring's
 *   lock is dropped: no worker hop.  Up to
 *   %DMA_FENCE_TOKEN_JOBQ_IRQ_BUDGET jobs per interrupt, of every queue
 *   with the flag, then the signalling queue takes over.  A
 *   completion from a threaded handler or from process context, and
 *   every completion on PREEMPT_RT (where interrupts are threads), still
 *   hands the job to the signalling queue.  The run callback must then be
 *   safe in interrupt context: lockdep reports a lock it takes that is
 *   not interrupt-safe.
 * - The run callback hands the token to the ring with
 *   dma_fence_token_job_to_ring() and kicks the hardware.  From there the
 *   ring's timeout is the guaranteed path, completions are reported with
 *   dma_fence_token_ring_complete(), and the credits come back when the
 *   fence signals, however it signals.
 * - An in-fence that failed fails the job with its error without running
 *   it, if the queue was created with %DMA_FENCE_TOKEN_JOBQ_DEP_ERRORS.
 * - Fences of one context signal in seqno order: a job that does not run
 *   (a failed in-fence, a cancel, a refusal by the driver with
 *   dma_fence_token_job_fail()) still takes its ring slot, with
 *   dma_fence_token_ring_push_error(), and signals its error as soon as
 *   the jobs ahead of it have signalled.  The one exception is a job
 *   discarded after arm, whose fence was never published.
 * - A timeout or a fault closes the ring: its jobs are signalled by the
 *   ring, and every job of the queue armed before the close that has not
 *   reached the ring yet is signalled with -ECANCELED instead of running.
 *   The driver resets the engine and reopens the ring; jobs armed after
 *   the reopen run.
 * - dma_fence_token_jobq_fini() removes the in-fence callbacks of every
 *   job that has not run, lets the job that is running reach the ring,
 *   cancels the others in seqno order behind it and tears the ring down
 *   (which cancels what is on it, in order).  Tear a job queue down
 *   before its signalling queue, and free it only after the last fence of
 *   its jobs (their lock is the ring's).
 *
 * The queue holds a reference to a job's fence while the job is in its
 * FIFO, the work item holds one while it runs, the ring one while the job
 * is on it: the driver drops its own once it published the fence, and the
 * fence's release, which may run in any context, frees the job.
 *
 * Locking: the queue's lock nests inside fence locks (the ring's lock
 * included: completions return credits from a fence callback) and outside
 * the signalling queue's lock.  No fence is signalled and no fence
 * callback registered under it.
 *
 * Misuse that is reported: a run callback that allocates, waits or takes
 * a dma_resv lock (lockdep, as on every signalling path); one that returns
 * without discharging its token (the tracker, which cancels the fence);
 * a push of a job that was not prepared and armed, or with another
 * fence's token, or older than the previous push (a warning; the fence is
 * cancelled); a job pushed twice (a warning; the second token ends
 * without a signal, which the queue owes already, so that nothing
 * signals a job the hardware may be running);
 * dma_fence_token_job_to_ring() or
 * _job_fail() outside the job's run callback, twice, or with another
 * fence's token (a warning; the token is refused, or ends without a
 * signal if the job's signal is owed already; a job that was armed and
 * not pushed is discarded); dma_fence_token_ring_push() or
 * _push_error() to a job queue's ring (a warning; refused: a job in its
 * run callback ends with -ECANCELED in order, through its own slot); a
 * job whose memory is freed while the queue holds it (the tracker,
 * through the fence's debug object).
 */

/* &dma_fence_token_job.state: magic values, so that garbage is no state. */
#define DFT_JOB_PREPARED	0x4a6f6250u
#define DFT_JOB_ARMED		0x4a6f6241u
#define DFT_JOB_PUSHED		0x4a6f6251u
/* In its run callback, and after it. */
#define DFT_JOB_RUNNING		0x4a6f6252u
#define DFT_JOB_RAN		0x4a6f6253u
/* Refused by a push racing teardown: handed to the ring to fail in order. */
#define DFT_JOB_FAILED		0x4a6f6246u

static struct dma_fence_token_proof dft_job_work(struct dma_fence_token_wq_item *work,
						 struct dma_fence_token *tok)
	__releases(tok);

static void dft_jobq_push_end(struct dma_fence_token_jobq *q);

/*
 * Jobs released in interrupt context, run there (%DMA_FENCE_TOKEN_JOBQ_RUN_IN_IRQ):
 * the outermost ring completion of a CPU owns the batch, on its stack,
 * from before its signals until it has run every job of it.  Completions
 * nested in it (a nested interrupt, or a run callback that completes its
 * job at once) add to it rather than recurse.  In interrupt context
 * nothing else runs on the CPU until the owner returns, so the per-CPU
 * pointer cannot be taken over by another task; on PREEMPT_RT interrupts
 * are threads and nothing is batched.  The batch is touched only with
 * interrupts off.
 */
static DEFINE_PER_CPU(struct dft_jobq_batch *, dft_jobq_batch);

static bool dft_jobq_batch_here(void)
{
	return !IS_ENABLED(CONFIG_PREEMPT_RT) && !in_task() && !in_nmi();
}

/* Open the CPU's batch, if none is: true if the caller owns it. */
bool __dma_fence_token_jobq_batch_begin(struct dft_jobq_batch *b)
{
	unsigned long flags;
	bool owner = false;

	if (!dft_jobq_batch_here())
		return false;
	local_irq_save(flags);
	if (!this_cpu_read(dft_jobq_batch)) {
		INIT_LIST_HEAD(&b->jobs);
		b->budget = DMA_FENCE_TOKEN_JOBQ_IRQ_BUDGET;
		this_cpu_write(dft_jobq_batch, b);
		owner = true;
	}
	local_irq_restore(flags);
	return owner;
}

/*
 * May a job of @q run here?  A completion called from a callback of one of
 * the queue's own fences (an opportunistic signal in an interrupt) holds
 * the ring's lock, which the run takes to hand the job to the ring: then
 * the job takes its hop instead.  Held by another CPU, the same (rare and
 * harmless).  A peek at the lock: lockdep, which knows the holder, may be
 * off, and a trylock of a held lock is a bug report on uniprocessor
 * debug kernels.  Nothing is batched on PREEMPT_RT.
 */
static bool dft_jobq_ring_free(struct dma_fence_token_jobq *q)
{
#ifdef CONFIG_PREEMPT_RT
	return true;
#else
	return !raw_spin_is_locked(&dma_fence_token_ring_lock(&q->ring)->rlock);
#endif
}

/*
 * Run the jobs of the batch, those their runs add included, then close
 * it.  Each holds a count of its queue's @pushing, so the queue's
 * teardown waits for it, and a reference to its fence; the item's
 * callback (dft_job_work()) runs the job, or cancels it if teardown
 * began, and lets the next one go.  If the signalling queue is being torn
 * down, its teardown cancels the item (and waits for this interrupt to
 * end before the queue may go).
 */
void __dma_fence_token_jobq_batch_end(struct dft_jobq_batch *b)
{
	struct dma_fence_token_job *job;
	struct dma_fence_token_jobq *q;
	unsigned long flags;

	for (;;) {
		local_irq_save(flags);
		job = list_first_entry_or_null(&b->jobs, struct dma_fence_token_job,
					       irq_link);
		if (job)
			list_del_init(&job->irq_link);
		else
			this_cpu_write(dft_jobq_batch, NULL);
		local_irq_restore(flags);
		if (!job)
			return;
		q = job->queue;
		if (likely(dft_jobq_ring_free(q))) {
			__dma_fence_token_wq_item_run(&job->work);
		} else {
			spin_lock_irqsave(&q->lock, flags);
			q->stats.irq--;
			q->stats.deferred++;
			spin_unlock_irqrestore(&q->lock, flags);
			dma_fence_token_wq_item_release(&job->work);
		}
		dft_jobq_push_end(q);
		/* The batch's reference: the job may be gone afterwards. */
		dma_fence_put(&job->fence);
	}
}

/* Put a released job in the CPU's batch, if there is one with room. */
static bool dft_jobq_batch_add(struct dma_fence_token_jobq *q,
			       struct dma_fence_token_job *job)
	__must_hold(&q->lock)
{
	struct dft_jobq_batch *b;

	lockdep_assert_held(&q->lock);
	if (!(q->flags & DMA_FENCE_TOKEN_JOBQ_RUN_IN_IRQ) || !dft_jobq_batch_here())
		return false;
	/* Interrupts are off: the queue's lock is always taken so. */
	b = this_cpu_read(dft_jobq_batch);
	if (!b || !b->budget)
		return false;
	b->budget--;
	list_add_tail(&job->irq_link, &b->jobs);
	dma_fence_get(&job->fence);
	q->pushing++;
	return true;
}

static void dft_jobq_timedout(struct dma_fence_token_ring *ring, struct dma_fence *hung)
{
	struct dma_fence_token_jobq *q =
		container_of(ring, struct dma_fence_token_jobq, ring);

	if (q->ops->timedout)
		q->ops->timedout(q, to_dma_fence_token_job(hung));
}

static const struct dma_fence_token_ring_ops dft_jobq_ring_ops = {
	.timedout = dft_jobq_timedout,
};

/* Backend of dma_fence_token_jobq_init(), with the call site's classes. */
int __dma_fence_token_jobq_init(struct dma_fence_token_jobq *q,
				const struct dma_fence_token_jobq_args *args,
				struct lock_class_key *ring_key,
				struct lock_class_key *key)
{
	int ret;

	if (WARN_ON_ONCE(!args->ops || !args->ops->run || !args->fence_ops ||
			 !args->wq || !args->capacity ||
			 args->credit_limit > args->capacity ||
			 !args->timeout || args->timeout >= MAX_SCHEDULE_TIMEOUT ||
			 args->flags & ~(DMA_FENCE_TOKEN_JOBQ_DEP_ERRORS |
					 DMA_FENCE_TOKEN_JOBQ_RUN_IN_IRQ)))
		return -EINVAL;

	ret = __dma_fence_token_ring_init(&q->ring, args->name, args->capacity,
					  args->timeout, args->wq,
					  &dft_jobq_ring_ops, ring_key);
	if (ret)
		return ret;
	/* Its fences come from the queue only. */
	q->ring.jobq = true;
	spin_lock_init(&q->lock);
	lockdep_set_class_and_name(&q->lock, key, "dma_fence_token_jobq");
	INIT_LIST_HEAD(&q->fifo);
	q->running = NULL;
	q->credits_used = 0;
	q->pushed_seqno = 0;
	q->pushing = 0;
	q->dead = false;
	memset(&q->stats, 0, sizeof(q->stats));
	q->seqno = 0;
	q->context = dma_fence_context_alloc(1);
	q->wq = args->wq;
	q->ops = args->ops;
	q->fence_ops = args->fence_ops;
	q->name = args->name;
	q->credit_limit = args->credit_limit ?: args->capacity;
	q->flags = args->flags;
	return 0;
}
EXPORT_SYMBOL_GPL(__dma_fence_token_jobq_init);

/* Remember the first error of an in-fence that signalled. */
static void dft_job_dep_error(struct dma_fence_token_job *job, struct dma_fence *fence)
{
	int error = READ_ONCE(fence->error);

	if (error)
		cmpxchg(&job->dep_error, 0, error);
}

/*
 * Take the job's credits, if they fit.  A job whose fence is signalled
 * already (by an opportunistic signaller) takes none: its credit return
 * has passed.
 */
static bool dft_jobq_take_credits(struct dma_fence_token_jobq *q,
				  struct dma_fence_token_job *job)
	__must_hold(&q->lock)
{
	lockdep_assert_held(&q->lock);
	if (job->signalled)
		return true;
	if (q->credits_used + job->credits > q->credit_limit)
		return false;
	q->credits_used += job->credits;
	job->credits_taken = true;
	return true;
}

/*
 * The head of the FIFO may run if nothing of the queue is running, its
 * in-fences are signalled and its credits fit: release its work item.
 */
static void dft_jobq_kick_locked(struct dma_fence_token_jobq *q)
	__must_hold(&q->lock)
{
	struct dma_fence_token_job *job;

	lockdep_assert_held(&q->lock);
	if (q->dead || q->running)
		return;
	job = list_first_entry_or_null(&q->fifo, struct dma_fence_token_job, link);
	if (!job || atomic_read(&job->pending) || !dft_jobq_take_credits(q, job))
		return;
	q->running = job;
	/* Runs after the completing ring's lock is dropped. */
	if (dft_jobq_batch_add(q, job)) {
		q->stats.irq++;
		return;
	}
	q->stats.deferred++;
	/*
	 * Under the lock: teardown takes the FIFO under it too, so the job
	 * cannot be gone.  If the signalling queue is being torn down the
	 * release fails, and its teardown runs the item, cancelled.
	 */
	dma_fence_token_wq_item_release(&job->work);
}

/* Callback on an in-fence; any context, under that fence's lock. */
static void dft_job_dep_cb(struct dma_fence *fence, struct dma_fence_cb *cb)
{
	struct dma_fence_token_job_dep *dep =
		container_of(cb, struct dma_fence_token_job_dep, cb);
	struct dma_fence_token_job *job = dep->job;
	struct dma_fence_token_jobq *q = job->queue;
	unsigned long flags;

	dft_job_dep_error(job, fence);
	/*
	 * Under the queue's lock: once the count is 0 the job may run, and
	 * teardown may end and the queue go, as soon as the lock is dropped
	 * (on PREEMPT_RT this callback may be preempted anywhere).
	 */
	spin_lock_irqsave(&q->lock, flags);
	/*
	 * Nothing to remove any more: a job that fails or is cancelled once
	 * released must not take this fence's lock, which its releaser (an
	 * interrupt batch nested in a signal of this fence) may hold.  Set
	 * under the queue's lock, which whoever reads it false takes before
	 * the job or its in-fences can go.
	 */
	WRITE_ONCE(dep->armed, false);
	if (atomic_dec_and_test(&job->pending))
		dft_jobq_kick_locked(q);
	spin_unlock_irqrestore(&q->lock, flags);
}

/* Callback on the job's own fence: the credits come back. */
static void dft_job_done(struct dma_fence *fence, struct dma_fence_cb *cb)
{
	struct dma_fence_token_job *job =
		container_of(cb, struct dma_fence_token_job, done_cb);
	struct dma_fence_token_jobq *q = job->queue;
	unsigned long flags;

	spin_lock_irqsave(&q->lock, flags);
	job->signalled = true;
	if (job->credits_taken) {
		job->credits_taken = false;
		q->credits_used -= job->credits;
	}
	dft_jobq_kick_locked(q);
	spin_unlock_irqrestore(&q->lock, flags);
}

/* Drop the in-fences; none of their callbacks may still be registered. */
static void dft_job_put_deps(struct dma_fence_token_job *job)
{
	unsigned int i;

	for (i = 0; i < job->num_deps; i++)
		dma_fence_put(job->deps[i].fence);
	kfree(job->deps);
	job->deps = NULL;
	job->num_deps = 0;
}

/*
 * Remove the callbacks on the in-fences.  A callback that is running
 * holds its fence's lock, which the removal takes; one that has disarmed
 * itself is done with the job once it drops the queue's lock, which is
 * taken last: once this returns, no callback of the job runs or will run.
 * A released job's callbacks have all disarmed themselves, so no fence
 * lock is taken for it (its releaser may hold one).
 */
static void dft_job_remove_deps(struct dma_fence_token_job *job)
{
	struct dma_fence_token_jobq *q = job->queue;
	unsigned long flags;
	unsigned int i;

	if (!job->num_deps)
		return;
	for (i = 0; i < job->num_deps; i++) {
		if (READ_ONCE(job->deps[i].armed))
			dma_fence_remove_callback(job->deps[i].fence, &job->deps[i].cb);
		WRITE_ONCE(job->deps[i].armed, false);
	}
	spin_lock_irqsave(&q->lock, flags);
	spin_unlock_irqrestore(&q->lock, flags);
}

/*
 * Does another path than @tok owe the job's signal?  The queue while the
 * job is queued; while it runs, its run callback's token, then the ring;
 * after its run, whatever the run callback handed it to (the ring, a
 * work item, a promise); the ring for a job refused by a push that raced
 * teardown.  Read without a lock, racing with the job's run (a misuse):
 * the state is published after @run_tok.
 */
static bool dft_job_owed(const struct dma_fence_token_job *job,
			 const struct dma_fence_token *tok)
{
	/* Pairs with the stores in dft_job_execute(). */
	switch (smp_load_acquire(&job->state)) {
	case DFT_JOB_PUSHED:
	case DFT_JOB_RAN:
	case DFT_JOB_FAILED:
		return true;
	case DFT_JOB_RUNNING:
		return READ_ONCE(job->run_tok) != tok || READ_ONCE(job->on_ring);
	default:
		return false;
	}
}

/* Is @tok the token of the job's run callback, not handed over yet? */
static bool dft_job_may_hand_over(const struct dma_fence_token_job *job,
				  const struct dma_fence_token *tok)
{
	return READ_ONCE(job->state) == DFT_JOB_RUNNING &&
	       READ_ONCE(job->run_tok) == tok && !READ_ONCE(job->on_ring);
}

/* Hand @job's fence to the ring to signal with @error in order. */
static void dft_job_fail_ring(struct dma_fence_token *tok,
			      struct dma_fence_token_job *job, int error,
			      struct dma_fence_token_proof *proof)
	__releases(tok)
{
	WRITE_ONCE(job->on_ring, true);
	error = __dma_fence_token_error(error);
	/* Only -EINVAL or -EDEADLK with a warning: signalled anyway. */
	(void)__dma_fence_token_ring_push(tok, &job->queue->ring, proof,
					  error ?: -ECANCELED, NULL);
}

/*
 * May @tok hand @job to the ring (@what) now?  Only once, from the job's
 * run callback, with the token it received: then 0.  Else it is
 * reported, and the error says what dft_job_hand_over_refuse() does.
 */
static int dft_job_hand_over_check(struct dma_fence_token *tok,
				   struct dma_fence_token_job *job,
				   const char *what)
{
	struct dma_fence *fence = dma_fence_token_fence(tok);

	if (likely(fence == &job->fence && dft_job_may_hand_over(job, tok)))
		return 0;
	if (!fence)	/* not live: the tracker reported it */
		return -ENOENT;
	WARN_ONCE(1, "dma_fence_token_jobq %s: %s outside the job's run callback, twice, or with another fence's token\n",
		  job->queue->name, what);
	/* The queue, or the ring, owes this signal already. */
	if (fence == &job->fence && dft_job_owed(job, tok))
		return -EALREADY;
	return -EINVAL;
}

/*
 * Discharge @tok after dft_job_hand_over_check() returned @why, losing no
 * fence: a token that is not live gets a %NULL proof; the job's own,
 * whose signal is owed already, ends without a signal; another fence's,
 * or the job's when nothing owes its signal, is refused (signalled with
 * -ECANCELED); a job armed and not pushed is discarded, as push does.
 */
static void dft_job_hand_over_refuse(struct dma_fence_token *tok,
				     struct dma_fence_token_job *job, int why,
				     struct dma_fence_token_proof *proof)
	__releases(tok)
{
	struct dma_fence *fence = why == -ENOENT ? NULL : dma_fence_token_fence(tok);

	if (why == -EALREADY) {
		*proof = __dma_fence_token_withdraw(tok);
		return;
	}
	__dma_fence_token_refuse(tok, fence, proof, -EINVAL);
	if ((!fence || fence == &job->fence) && job->state == DFT_JOB_ARMED)
		dma_fence_token_job_discard(job);
}

/*
 * A direct transfer to the queue's ring (dma_fence_token_ring_push() or
 * _push_error()), reported by the ring: refused.  Another token of a job
 * whose signal is owed already ends without a signal; a job of the queue
 * in its run callback fails through its own slot, in order behind the
 * jobs on the ring, as with dma_fence_token_job_fail(), unless this CPU
 * holds the ring's lock (@locked); any other fence is refused at once.
 */
int __dma_fence_token_jobq_refuse_push(struct dma_fence_token_ring *ring,
				       struct dma_fence_token *tok,
				       struct dma_fence_token_proof *proof,
				       bool locked)
	__releases(tok)
{
	struct dma_fence_token_jobq *q =
		container_of(ring, struct dma_fence_token_jobq, ring);
	struct dma_fence *fence = dma_fence_token_fence(tok);
	struct dma_fence_token_job *job;

	/* Only the queue arms fences of its context, on the ring's lock. */
	if (fence && fence->lock == &ring->lock && fence->context == q->context) {
		job = to_dma_fence_token_job(fence);
		if (dft_job_owed(job, tok)) {
			*proof = __dma_fence_token_withdraw(tok);
			return -EINVAL;
		}
		if (!locked && dft_job_may_hand_over(job, tok)) {
			dft_job_fail_ring(tok, job, -ECANCELED, proof);
			return -EINVAL;
		}
	}
	if (locked)
		return __dma_fence_token_refuse_locked(tok, fence, proof, -EINVAL);
	return __dma_fence_token_refuse(tok, fence, proof, -EINVAL);
}

static void dft_jobq_count(struct dma_fence_token_jobq *q, unsigned long *counter)
{
	unsigned long flags;

	spin_lock_irqsave(&q->lock, flags);
	(*counter)++;
	spin_unlock_irqrestore(&q->lock, flags);
}

/*
 * A job that does not run: its fence gets @error once the jobs before it
 * on the ring are signalled (fences of a context signal in order).
 */
static struct dma_fence_token_proof dft_job_fail(struct dma_fence_token_job *job,
						 struct dma_fence_token *tok,
						 int error, bool cancelled)
	__releases(tok)
{
	struct dma_fence_token_jobq *q = job->queue;
	struct dma_fence_token_proof proof;

	dft_job_remove_deps(job);
	dft_job_put_deps(job);
	dft_jobq_count(q, cancelled ? &q->stats.cancelled : &q->stats.dep_failed);
	dft_job_fail_ring(tok, job, error, &proof);
	return proof;
}

/*
 * Run a job whose in-fences are signalled and whose credits are taken,
 * in a signalling section: the submitter's or the worker's.
 */
static struct dma_fence_token_proof dft_job_execute(struct dma_fence_token_job *job,
						    struct dma_fence_token *tok)
	__releases(tok)
{
	struct dma_fence_token_jobq *q = job->queue;
	struct dma_fence_token_proof proof;
	int error = 0;

	if (q->flags & DMA_FENCE_TOKEN_JOBQ_DEP_ERRORS)
		error = READ_ONCE(job->dep_error);
	if (error)
		return dft_job_fail(job, tok, error, false);
	/*
	 * The ring was closed since the job was armed (checked again under
	 * the ring's lock by the transfer), or the fence was signalled past
	 * the queue: it is cancelled.
	 */
	if (READ_ONCE(q->ring.closes) != job->ring_closes ||
	    test_bit(DMA_FENCE_FLAG_SIGNALED_BIT, &job->fence.flags))
		return dft_job_fail(job, tok, -ECANCELED, true);

	dft_job_put_deps(job);
	WRITE_ONCE(job->run_tok, tok);
	/* @run_tok before the state: see dft_job_owed(). */
	smp_store_release(&job->state, DFT_JOB_RUNNING);
	proof = q->ops->run(job, tok);
	__release(tok);	/* discharged by the callback, checked by the caller */
	WRITE_ONCE(job->state, DFT_JOB_RAN);
	WRITE_ONCE(job->run_tok, NULL);
	/* A job the driver did not hand to the ring gives its slot back. */
	if (!job->on_ring)
		dma_fence_token_ring_unreserve(&q->ring, 1);
	return proof;
}

/*
 * The job's work item finished: the next job of the FIFO may go, and the
 * FIFO's reference goes unless teardown took the FIFO over.
 */
static void dft_job_dispatched(struct dma_fence_token_jobq *q,
			       struct dma_fence_token_job *job)
{
	unsigned long flags;
	bool put = false;

	spin_lock_irqsave(&q->lock, flags);
	if (q->running == job)
		q->running = NULL;
	if (job->in_fifo) {
		list_del_init(&job->link);
		job->in_fifo = false;
		put = true;
	}
	dft_jobq_kick_locked(q);
	spin_unlock_irqrestore(&q->lock, flags);
	/* The work item holds a reference too: not the last one. */
	if (put)
		dma_fence_put(&job->fence);
}

/* Run callback of a job's work item: on the signalling queue's worker. */
static struct dma_fence_token_proof dft_job_work(struct dma_fence_token_wq_item *work,
						 struct dma_fence_token *tok)
	__releases(tok)
{
	struct dma_fence_token_job *job =
		container_of(work, struct dma_fence_token_job, work);
	struct dma_fence_token_jobq *q = job->queue;
	struct dma_fence_token_proof proof;

	if (dma_fence_token_wq_item_cancelled(work) || READ_ONCE(q->dead))
		proof = dft_job_fail(job, tok, -ECANCELED, true);
	else
		proof = dft_job_execute(job, tok);
	dft_job_dispatched(q, job);
	return proof;
}

/**
 * dma_fence_token_job_prepare - set a job up for a queue
 * @job: the job, embedded in the driver's job; no state is kept from
 *	before
 * @q: the job queue
 * @credits: credits the job needs on the ring, 1 to the queue's limit
 * @max_deps: in-fences that dma_fence_token_job_add_dep() may add
 *
 * Allocates room for the in-fences and reserves the job's ring slot.
 * The job's fence is not initialised until dma_fence_token_job_arm(): to
 * give up before that, call dma_fence_token_job_discard() and free the job.
 *
 * Context: process context, may sleep; allocates with GFP_KERNEL.
 * Return: 0; -EINVAL if @credits is 0 or above the queue's credit limit;
 * -ENOMEM; -ENOSPC while the ring is full (retry after completions);
 * -ESHUTDOWN while the ring is closed (reset the engine and reopen it) or
 * once the queue is torn down.
 */
int dma_fence_token_job_prepare(struct dma_fence_token_job *job,
				struct dma_fence_token_jobq *q,
				unsigned int credits, unsigned int max_deps)
{
	struct dma_fence_token_job_dep *deps = NULL;
	int ret;

	might_sleep();
	/* Credits may come from userspace: an error, no warning. */
	if (!credits || credits > q->credit_limit)
		return -EINVAL;
	if (READ_ONCE(q->dead))
		return -ESHUTDOWN;
	if (max_deps) {
		/* @max_deps may come from userspace: no allocator warning. */
		deps = kcalloc(max_deps, sizeof(*deps), GFP_KERNEL | __GFP_NOWARN);
		if (!deps)
			return -ENOMEM;
	}
	ret = dma_fence_token_ring_reserve(&q->ring, 1);
	if (ret) {
		kfree(deps);
		return ret;
	}
	job->queue = q;
	INIT_LIST_HEAD(&job->link);
	INIT_LIST_HEAD(&job->irq_link);
	job->in_fifo = false;
	job->credits_taken = false;
	job->signalled = false;
	job->on_ring = false;
	job->run_tok = NULL;
	job->credits = credits;
	atomic_set(&job->pending, 1);
	job->dep_error = 0;
	job->ring_closes = 0;
	job->num_deps = 0;
	job->max_deps = max_deps;
	job->deps = deps;
	dma_fence_token_wq_item_init(&job->work, dft_job_work);
	job->state = DFT_JOB_PREPARED;
	return 0;
}
EXPORT_SYMBOL_GPL(dma_fence_token_job_prepare);

/**
 * dma_fence_token_job_add_dep - make a job wait for a fence
 * @job: a prepared job, not armed yet
 * @fence: the in-fence; the job takes a reference of its own
 *
 * Of two in-fences of one context, the later one is kept.  An in-fence
 * that is signalled when the job is armed counts as done (with its error,
 * see %DMA_FENCE_TOKEN_JOBQ_DEP_ERRORS).
 *
 * Context: any context where the driver prepares jobs; does not allocate.
 * Return: 0 (also for a %NULL @fence, which is ignored); -ENOSPC if the
 * job has room for no more in-fences; -EINVAL (with a warning) if the job
 * is not prepared or armed already.
 */
int dma_fence_token_job_add_dep(struct dma_fence_token_job *job,
				struct dma_fence *fence)
{
	unsigned int i;

	if (WARN_ON_ONCE(job->state != DFT_JOB_PREPARED))
		return -EINVAL;
	/* No fence (a lookup found none) is nothing to wait for. */
	if (!fence)
		return 0;
	for (i = 0; i < job->num_deps; i++) {
		struct dma_fence_token_job_dep *dep = &job->deps[i];

		if (dep->fence->context != fence->context)
			continue;
		if (dma_fence_is_later(fence, dep->fence)) {
			dma_fence_put(dep->fence);
			dep->fence = dma_fence_get(fence);
		}
		return 0;
	}
	if (job->num_deps == job->max_deps)
		return -ENOSPC;
	job->deps[job->num_deps].fence = dma_fence_get(fence);
	job->deps[job->num_deps].job = job;
	job->deps[job->num_deps].armed = false;
	job->num_deps++;
	return 0;
}
EXPORT_SYMBOL_GPL(dma_fence_token_job_add_dep);

/**
 * dma_fence_token_job_arm - give a prepared job its fence
 * @job: a prepared job
 *
 * Initialises &dma_fence_token_job.fence with the queue's fence ops, the
 * ring's lock, the queue's timeline and its next seqno (one reference, the
 * caller's), and registers the callbacks on the in-fences.  From here the
 * job must be pushed, or discarded if the fence was never published.  Arm
 * and push jobs of one queue under one driver lock: push order must be
 * seqno order.
 *
 * Context: process context, serialised with the other arms and pushes of
 * the queue; does not allocate.  Before the token of the fence begins.
 */
void dma_fence_token_job_arm(struct dma_fence_token_job *job)
{
	struct dma_fence_token_jobq *q = job->queue;
	unsigned int i;

	if (WARN_ON_ONCE(job->state != DFT_JOB_PREPARED))
		return;
	dma_fence_init(&job->fence, q->fence_ops, dma_fence_token_ring_lock(&q->ring),
		       q->context, ++q->seqno);
	/* A close from here on cancels the job if it is still queued. */
	job->ring_closes = READ_ONCE(q->ring.closes);
	dma_fence_add_callback(&job->fence, &job->done_cb, dft_job_done);
	for (i = 0; i < job->num_deps; i++) {
		struct dma_fence_token_job_dep *dep = &job->deps[i];

		atomic_inc(&job->pending);
		dep->armed = true;
		if (dma_fence_add_callback(dep->fence, &dep->cb, dft_job_dep_cb)) {
			dep->armed = false;
			/*
			 * Signalled already, seen by a lockless bit test:
			 * read the error the signaller set before the bit.
			 */
			smp_rmb();
			dft_job_dep_error(job, dep->fence);
			atomic_dec(&job->pending);
		}
	}
	job->state = DFT_JOB_ARMED;
}
EXPORT_SYMBOL_GPL(dma_fence_token_job_arm);

/**
 * dma_fence_token_job_discard - give up a job that was not pushed
 * @job: a prepared job, armed or not
 *
 * Drops the in-fences and gives the ring slot back.  A job that was armed
 * has its fence signalled with -ECANCELED (it must not have been
 * published: nobody holds a token for it) and the caller then drops its
 * fence reference, whose release frees the job; a job that was not armed
 * has no fence, and the caller frees it.
 *
 * Context: process context.
 */
void dma_fence_token_job_discard(struct dma_fence_token_job *job)
{
	bool armed = job->state == DFT_JOB_ARMED;
	unsigned long flags;

	if (WARN_ON_ONCE(!armed && job->state != DFT_JOB_PREPARED))
		return;
	job->state = 0;
	dft_job_remove_deps(job);
	dft_job_put_deps(job);
	dma_fence_token_ring_unreserve(&job->queue->ring, 1);
	if (!armed)
		return;
	spin_lock_irqsave(job->fence.lock, flags);
	if (!test_bit(DMA_FENCE_FLAG_SIGNALED_BIT, &job->fence.flags)) {
		dma_fence_set_error(&job->fence, -ECANCELED);
		dma_fence_signal_locked(&job->fence);
	}
	spin_unlock_irqrestore(job->fence.lock, flags);
}
EXPORT_SYMBOL_GPL(dma_fence_token_job_discard);

/*
 * The push's checks, with the queue's lock held: 0 if the job may go on,
 * else why not.
 */
static int dft_job_push_check(struct dma_fence_token_jobq *q,
			      struct dma_fence_token_job *job)
	__must_hold(&q->lock)
{
	struct dma_fence *fence = &job->fence;

	lockdep_assert_held(&q->lock);
	if (q->dead)
		return -ESHUTDOWN;
	if (q->pushed_seqno &&
	    !__dma_fence_is_later(fence->seqno, q->pushed_seqno, fence->ops)) {
		WARN_ONCE(1, "dma_fence_token_jobq %s: job %llu pushed after job %llu: arm and push are not serialised\n",
			  q->name, fence->seqno, q->pushed_seqno);
		return -EINVAL;
	}
	return 0;
}

/* A push is over: teardown, which may be waiting for it, may go on. */
static void dft_jobq_push_end(struct dma_fence_token_jobq *q)
{
	unsigned long flags;
	bool wake;

	/*
	 * Only teardown waits, and it marks the queue dead under the lock
	 * before it tests the count: a push that saw no mark was counted
	 * out before that test.
	 */
	spin_lock_irqsave(&q->lock, flags);
	q->pushing--;
	wake = !q->pushing && q->dead;
	spin_unlock_irqrestore(&q->lock, flags);
	if (!wake)
		return;
	/*
	 * Order the count before wake_up_var()'s lockless test for waiters,
	 * which pairs with wait_var_event()'s queueing then testing.  Hashes
	 * the address, does not touch @q: it may be gone already.
	 */
	smp_mb();
	wake_up_var(&q->pushing);
}

/**
 * dma_fence_token_job_push - transfer a job's token to its queue
 * @tok: live token of the job's fence, begun after dma_fence_token_job_arm()
 * @job: the armed job
 * @proof: receives the proof for the fence, in every case
 *
 * Discharges @tok: the queue owes the signal from now on.  A job whose
 * in-fences are signalled, whose credits fit and that no other job of the
 * queue is ahead of runs here, in the caller's signalling section
 * (&dma_fence_token_jobq_ops.run); any other job runs once on the
 * signalling queue when it is ready.  Never fails: if the queue is torn
 * down, or the job was not armed on it, the fence is signalled with
 * -ECANCELED (the latter with a warning).  A job pushed a second time is
 * reported, and that token ends without a signal: the queue, or the
 * ring, owes it already.
 *
 * Context: process context, serialised with the other arms and pushes of
 * the queue; does not sleep or allocate, but the run callback may run
 * here.
 */
void dma_fence_token_job_push(struct dma_fence_token *tok,
			      struct dma_fence_token_job *job,
			      struct dma_fence_token_proof *proof)
	__releases(tok)
{
	struct dma_fence *fence = dma_fence_token_fence(tok);
	struct dma_fence_token_jobq *q;
	bool fast = false, bad;
	unsigned long flags;
	int ret;

	if (!fence) {
		/* Not live: the tracker reported it. */
		__dma_fence_token_refuse(tok, NULL, proof, -EINVAL);
		if (job->state == DFT_JOB_ARMED)
			dma_fence_token_job_discard(job);
		return;
	}
	bad = job->state != DFT_JOB_ARMED || fence != &job->fence;
	if (unlikely(bad)) {
		if (fence == &job->fence && dft_job_owed(job, tok)) {
			WARN_ONCE(1, "dma_fence_token_jobq %s: job %llu pushed twice\n",
				  job->queue->name, fence->seqno);
			/* Not signalled here: the hardware may still run it. */
			*proof = __dma_fence_token_withdraw(tok);
			return;
		}
		WARN_ONCE(1, "dma_fence_token_jobq: push of a job that was not armed, or with another fence's token\n");
		__dma_fence_token_refuse(tok, fence, proof, -EINVAL);
		/* An armed job pushed with another fence's token goes too. */
		if (job->state == DFT_JOB_ARMED)
			dma_fence_token_job_discard(job);
		return;
	}
	q = job->queue;

	spin_lock_irqsave(&q->lock, flags);
	ret = dft_job_push_check(q, job);
	if (!ret) {
		q->pushed_seqno = fence->seqno;
		job->state = DFT_JOB_PUSHED;
		/* Teardown waits for this push to end. */
		q->pushing++;
		if (list_empty(&q->fifo) && atomic_read(&job->pending) == 1 &&
		    dft_jobq_take_credits(q, job)) {
			atomic_set(&job->pending, 0);
			q->stats.direct++;
			fast = true;
		}
	} else {
		q->stats.refused++;
	}
	spin_unlock_irqrestore(&q->lock, flags);

	if (ret) {
		job->state = ret == -ESHUTDOWN ? DFT_JOB_FAILED : 0;
		dft_job_remove_deps(job);
		dft_job_put_deps(job);
		if (ret == -ESHUTDOWN) {
			/* A push racing teardown (see fini): cancelled. */
			dft_job_fail_ring(tok, job, -ECANCELED, proof);
			return;
		}
		dma_fence_token_ring_unreserve(&q->ring, 1);
		__dma_fence_token_refuse(tok, fence, proof, ret);
		return;
	}

	if (fast) {
		struct dma_fence_token_proof p = dft_job_execute(job, tok);

		/* As after any callback that held a token: was it discharged? */
		__dma_fence_token_settle(tok, p, fence);
		*proof = __dma_fence_token_proof_make(fence);
		dft_jobq_push_end(q);
		return;
	}

	/* The work item owes the signal; it runs when the job is ready. */
	if (dma_fence_token_wq_queue_held(tok, q->wq, &job->work, proof)) {
		/* The signalling queue is gone (a teardown order bug). */
		dft_job_remove_deps(job);
		dft_job_put_deps(job);
		dma_fence_token_ring_unreserve(&q->ring, 1);
		dft_jobq_count(q, &q->stats.cancelled);
		dft_jobq_push_end(q);
		return;
	}
	/*
	 * If teardown began meanwhile, it waits for this push and then takes
	 * the job from the FIFO too, to cancel it in order.
	 */
	spin_lock_irqsave(&q->lock, flags);
	list_add_tail(&job->link, &q->fifo);
	job->in_fifo = true;
	dma_fence_get(fence);
	atomic_dec(&job->pending);	/* the push's own count */
	dft_jobq_kick_locked(q);
	spin_unlock_irqrestore(&q->lock, flags);
	dft_jobq_push_end(q);
}
EXPORT_SYMBOL_GPL(dma_fence_token_job_push);

/**
 * dma_fence_token_job_to_ring - hand a running job to its queue's ring
 * @tok: the token the run callback received
 * @job: the job
 * @proof: receives the proof for the fence, in every case
 *
 * dma_fence_token_ring_push() with the slot the job reserved at prepare
 * time: the ring's timeout guarantees the signal from here.  Kick the
 * hardware after it returns 0.
 *
 * Context: the job's &dma_fence_token_jobq_ops.run callback, once, with
 * the token it received.
 * Return: as dma_fence_token_ring_push(): 0, or an error after which the
 * fence has been signalled with -ECANCELED (a closed ring); -EINVAL (with
 * a warning) outside the job's run callback, a second time or with
 * another fence's token: that token is refused (its fence signalled with
 * -ECANCELED, a job armed and not pushed discarded), except the job's own
 * once the queue owes its signal, which ends without a signal.
 */
int dma_fence_token_job_to_ring(struct dma_fence_token *tok,
				struct dma_fence_token_job *job,
				struct dma_fence_token_proof *proof)
	__releases(tok)
{
	int why = dft_job_hand_over_check(tok, job, "dma_fence_token_job_to_ring()");

	if (why) {
		dft_job_hand_over_refuse(tok, job, why, proof);
		return -EINVAL;
	}
	/* The transfer uses the slot whatever the ring answers. */
	WRITE_ONCE(job->on_ring, true);
	/* A close since the job was armed cancels it. */
	return __dma_fence_token_ring_push(tok, &job->queue->ring, proof, 0,
					   &job->ring_closes);
}
EXPORT_SYMBOL_GPL(dma_fence_token_job_to_ring);

/**
 * dma_fence_token_job_fail - end a job that will not run, in order
 * @tok: the token the run callback received
 * @job: the job
 * @error: negative errno the job's fence ends with
 * @proof: receives the proof for the fence, in every case
 *
 * For a job the driver refuses in its run callback.  Fences of one
 * context signal in seqno order, so the fence is not signalled before the
 * jobs ahead of it on the ring: it takes the job's ring slot with
 * dma_fence_token_ring_push_error() and signals with @error as soon as
 * they have.
 *
 * Context: the job's &dma_fence_token_jobq_ops.run callback, once, with
 * the token it received; other uses are reported and refused as for
 * dma_fence_token_job_to_ring() (a job that was not pushed: discard it).
 */
void dma_fence_token_job_fail(struct dma_fence_token *tok,
			      struct dma_fence_token_job *job, int error,
			      struct dma_fence_token_proof *proof)
	__releases(tok)
{
	int why = dft_job_hand_over_check(tok, job, "dma_fence_token_job_fail()");

	if (why)
		dft_job_hand_over_refuse(tok, job, why, proof);
	else
		dft_job_fail_ring(tok, job, error, proof);
}
EXPORT_SYMBOL_GPL(dma_fence_token_job_fail);

/**
 * dma_fence_token_jobq_fini - tear down a job queue
 * @q: queue from dma_fence_token_jobq_init(); also legal a second time
 *
 * Every job that has not run is signalled with -ECANCELED after its
 * in-fence callbacks are removed; jobs running on the signalling queue
 * finish; then the ring is torn down, which cancels the jobs on it.  Every
 * fence of the queue ends signalled in seqno order.  Tear the queue down
 * before its signalling queue, with no submitter left (under the submit
 * lock, for example): a push that races it anyway is cancelled, but may
 * then signal ahead of the jobs that teardown cancels (the ring warns).
 * The queue's memory must outlive every job fence: their lock is the
 * ring's, and their callbacks use the queue (simgpu frees its context
 * from the release of its last fence).
 *
 * Context: process context, may sleep; never from a signalling section.
 */
void dma_fence_token_jobq_fini(struct dma_fence_token_jobq *q)
{
	struct dma_fence_token_job *job, *next, *running;
	LIST_HEAD(queued);

	if (!READ_ONCE(q->ring.slots))
		return;
	/* Waits for the jobs' work, fence signalling work. */
	__dma_fence_token_might_wait();

	spin_lock_irq(&q->lock);
	q->dead = true;
	spin_unlock_irq(&q->lock);
	/* Pushes under way end: their jobs are on the FIFO or refused. */
	wait_var_event(&q->pushing, !READ_ONCE(q->pushing));
	spin_lock_irq(&q->lock);
	list_splice_init(&q->fifo, &queued);
	list_for_each_entry(job, &queued, link)
		job->in_fifo = false;	/* their references are ours now */
	/* Runs (its in-fences are all signalled): left alone. */
	running = q->running;
	spin_unlock_irq(&q->lock);

	/* No in-fence releases a job of the queue any more. */
	list_for_each_entry(job, &queued, link)
		if (job != running)
			dft_job_remove_deps(job);
	/* The running job reaches the ring (or fails) first... */
	dma_fence_token_wq_flush(q->wq);
	/*
	 * ... then the others are cancelled here, in seqno order, behind it
	 * on the ring.  Items the signalling queue's own teardown took (torn
	 * down first, a driver bug) were cancelled there.
	 */
	list_for_each_entry(job, &queued, link)
		if (job != running)
			__dma_fence_token_wq_item_cancel(&job->work);

	list_for_each_entry_safe(job, next, &queued, link) {
		list_del_init(&job->link);
		dma_fence_put(&job->fence);
	}
	dma_fence_token_ring_fini(&q->ring);
}
EXPORT_SYMBOL_GPL(dma_fence_token_jobq_fini);

/**
 * dma_fence_token_jobq_get_stats - what a job queue did so far
 * @q: the queue
 * @stats: receives a snapshot of the counters
 *
 * Context: any context.
 */
void dma_fence_token_jobq_get_stats(struct dma_fence_token_jobq *q,
				    struct dma_fence_token_jobq_stats *stats)
{
	unsigned long flags;

	spin_lock_irqsave(&q->lock, flags);
	*stats = q->stats;
	spin_unlock_irqrestore(&q->lock, flags);
}
EXPORT_SYMBOL_GPL(dma_fence_token_jobq_get_stats);
