// SPDX-License-Identifier: GPL-2.0
/*
 * Fence signalling tokens: transfer to a hardware ring, timeouts, ring
 * close, completion batches and core dump allocations.
 */

#include <linux/bitmap.h>
#include <linux/debug_locks.h>
#include <linux/dma-fence-token-ring.h>
#include <linux/jiffies.h>
#include <linux/ktime.h>
#include <linux/lockdep.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/workqueue.h>

#include "dma-fence-token-internal.h"
#include <trace/events/dma_fence_token.h>

/**
 * DOC: Hardware hand-off and timeouts
 *
 * dma_fence_token_ring_push() hands the obligation of a token to a
 * &struct dma_fence_token_ring: the fence joins the ring's pending list in
 * seqno order and the ring's timeout becomes the one guaranteed signalling
 * path of that fence.  The interrupt handler that reports completions with
 * dma_fence_token_ring_complete() is an opportunistic signaller: if it never
 * comes, the timeout signals the fence.
 *
 * Rules:
 *
 * - Every allocation happens at init: the slots and the timeout work.
 *   Submission, completion and timeout never allocate.
 * - Capacity is reserved with dma_fence_token_ring_reserve() *before* the
 *   fence is published, where the driver can still fail or wait; the
 *   transfer then cannot fail for lack of room.  A transfer to a closed ring
 *   is refused (-ESHUTDOWN) and the fence is signalled with -ECANCELED.
 * - A ring without a timeout guarantees nothing: a transfer to it is
 *   refused with a warning and the fence is signalled with -ECANCELED.
 * - Fences of a ring use the ring's lock (dma_fence_token_ring_lock()), so one
 *   lock round trip and one timestamp signal a batch of completions.
 *   dma_fence_token_ring_complete() may run in hard interrupt context; a late
 *   or duplicate completion is a no-op.
 * - The timeout is a delayed work item on the ring's signalling queue
 *   (WQ_MEM_RECLAIM), armed when the ring becomes busy, pushed forward by
 *   progress and left armed when the ring empties (it then does nothing):
 *   completion paths never touch it, a close cancels it without waiting.  Its
 *   handler is a fence signalling path: it calls the driver's
 *   &dma_fence_token_ring_ops.timedout callback and then closes the ring: the
 *   hung fence gets -ETIMEDOUT, every other pending fence -ECANCELED, in
 *   seqno order.  Later transfers are refused until
 *   dma_fence_token_ring_reopen().
 * - A device core dump in the timeout path allocates with
 *   dma_fence_token_ring_dump_alloc() (GFP_NOWAIT): it may fail, which is
 *   counted and reported once, and never delays the close.
 * - dma_fence_token_ring_close() closes the ring for a fault the driver found
 *   itself; dma_fence_token_ring_fini() closes it with -ECANCELED for every
 *   fence, stops the timeout and frees the slots.  A completion racing
 *   either on another CPU finds an empty ring.
 *
 * What a driver must know:
 *
 * - Seqno order.  Each fence handed to a ring must come after the previous
 *   one as dma_fence_is_later() sees it: 32-bit seqnos may wrap unless the
 *   fence ops set use_64bit_seqno.  Assign the seqno and transfer under one
 *   driver lock; where some jobs reach the ring from a signalling work item
 *   and others directly from the submitter, either transfer all of an
 *   engine's jobs from one ordered queue, or let a job go directly only
 *   while none of the engine's jobs is still queued.
 * - References.  The ring takes a reference to each fence it accepts and
 *   drops it after signalling the fence (completion, timeout, close, fini),
 *   outside its lock; that may be the last one, so a fence's release may
 *   run there, in any context the completion runs in.
 * - Reservations.  A transfer uses its reserved slot whether the ring
 *   accepts or refuses it; give back with dma_fence_token_ring_unreserve()
 *   only slots for which no transfer was attempted.  After fini there is
 *   nothing left to give back.
 * - Completions.  Report them with dma_fence_token_ring_complete().  A ring
 *   fence signalled another way (dma_fence_token_signal_opportunistic() from
 *   a polling wait) stays on the ring until the next completion or timeout
 *   takes it off as progress; it never counts as a hang.
 * - The timeout handler runs on the ring's signalling queue, in process
 *   context with interrupts on and no lock of the library held; it calls
 *   &dma_fence_token_ring_ops.timedout with the ring still open.  If the
 *   hung fence is still the oldest after the callback, the library closes
 *   the ring; if the interrupt won the race meanwhile, the ring stays open
 *   and the timeout starts again.  A driver that resets the engine in the
 *   callback closes the ring itself first (dma_fence_token_ring_close()),
 *   and may then reopen it.
 * - Reopening.  A close signals the ring's fences in batches, dropping the
 *   lock in between; until it is done, dma_fence_token_ring_reopen()
 *   returns -EBUSY (retry later, at the next submission for example).
 *   Reopening an open ring does nothing and does not push its timeout
 *   back.
 * - Fence callbacks.  Every fence of a ring is signalled under the ring's
 *   lock, so its callbacks run with that lock held: a ring function called
 *   from one of them for the same ring would spin for ever.  It is reported
 *   once and refused instead (-EDEADLK; a transfer's fence is cancelled)
 *   when the ring itself signals, and with lockdep whoever signals (an
 *   opportunistic signal); a production kernel spins in that last case.
 *   Hand such work to a signalling work item.
 * - Naming.  @name is kept by pointer: a string literal, or a buffer in the
 *   driver's engine structure that outlives the ring (simgpu names its
 *   rings "simgpu-<file>-e<engine>" that way).  Rings initialised at one
 *   call site share a lockdep class, whatever their names.
 * - State.  dma_fence_token_ring_closed() and dma_fence_token_ring_pending()
 *   read the ring's state without its lock; dma_fence_token_wq_flush()
 *   waits for a queue's work without tearing it down.
 * - Teardown order.  Tear the ring down before its queue: a queue torn down
 *   under a ring is reported, and the ring is then closed for good.
 */

#define DFT_RING_BATCH	32

static void dft_ring_timeout_fn(struct work_struct *work);
static void dft_ring_queue_gone(struct dma_fence_token_wq_user *user);

/* Backend of dma_fence_token_ring_init(), with the call site's lock class. */
int __dma_fence_token_ring_init(struct dma_fence_token_ring *ring, const char *name,
				unsigned int capacity, unsigned long timeout,
				struct dma_fence_token_wq *wq,
				const struct dma_fence_token_ring_ops *ops,
				struct lock_class_key *key)
{
	if (WARN_ON_ONCE(!capacity || !wq || !wq->wq))
		return -EINVAL;

	ring->slots = kcalloc(capacity, sizeof(*ring->slots), GFP_KERNEL);
	if (!ring->slots)
		return -ENOMEM;
	ring->skip = bitmap_zalloc(capacity, GFP_KERNEL);
	if (!ring->skip) {
		kfree(ring->slots);
		ring->slots = NULL;
		return -ENOMEM;
	}
	spin_lock_init(&ring->lock);
	lockdep_set_class_and_name(&ring->lock, key, "dma_fence_token_ring");
	ring->capacity = capacity;
	ring->head = 0;
	ring->count = 0;
	ring->reserved = 0;
	ring->last_seqno = 0;
	ring->has_last = false;
	ring->closing = 0;
	ring->dying = false;
	ring->signalling_task = NULL;
	ring->closed = false;
	ring->timeout = timeout;
	ring->progress_at = jiffies;
	ring->timeouts = 0;
	ring->closes = 0;
	atomic_set(&ring->dump_failures, 0);
	ring->name = name;
	ring->ops = ops;
	ring->wq = wq;
	ring->jobq = false;
	INIT_DELAYED_WORK(&ring->timeout_work, dft_ring_timeout_fn);
	INIT_LIST_HEAD(&ring->wq_user.link);
	ring->wq_user.gone = dft_ring_queue_gone;
	if (__dma_fence_token_wq_attach(wq, &ring->wq_user)) {
		kfree(ring->slots);
		ring->slots = NULL;
		bitmap_free(ring->skip);
		ring->skip = NULL;
		return -EINVAL;
	}
	return 0;
}
EXPORT_SYMBOL_GPL(__dma_fence_token_ring_init);

/* Fences popped off the ring, to release once the lock is dropped. */
struct dft_ring_batch {
	struct dma_fence *fence[DFT_RING_BATCH];
	unsigned int n;
};

/*
 * Is seqno @a after @b?  As dma_fence_is_later() compares two fences of
 * @ops: 32-bit seqnos wrap unless the ops say they are 64-bit.
 */
static bool dft_seqno_after(const struct dma_fence_ops *ops, u64 a, u64 b)
{
	if (ops->use_64bit_seqno)
		return a > b;
	return (s32)(lower_32_bits(a) - lower_32_bits(b)) > 0;
}

/*
 * A ring function called from a callback of one of the ring's fences,
 * which runs under the ring's lock on this CPU: taking the lock again
 * would spin for ever.  Reported once, and refused.
 */
static bool dft_ring_reentered(struct dma_fence_token_ring *ring)
{
	bool reentered;

	/*
	 * Only the task that holds the lock sets it (with interrupts off,
	 * except on PREEMPT_RT, where it may be preempted but stays the
	 * holder).  A ring fence signalled by someone else (an opportunistic
	 * signal) runs its callbacks under the ring's lock too: lockdep knows
	 * who holds it, as long as it is on (off, it claims every lock is
	 * held).
	 */
	reentered = READ_ONCE(ring->signalling_task) == current ||
		    (IS_ENABLED(CONFIG_LOCKDEP) && debug_locks &&
		     lockdep_is_held(&ring->lock));
	return WARN_ONCE(reentered,
			 "dma_fence_token_ring %s: ring function called from a callback of one of its fences\n",
			 ring->name);
}

/* Signal a fence of the ring, lock held, marking the CPU for its callbacks. */
static void dft_ring_signal_locked(struct dma_fence_token_ring *ring,
				   struct dma_fence *fence, int error, ktime_t now)
{
	lockdep_assert_held(&ring->lock);
	if (test_bit(DMA_FENCE_FLAG_SIGNALED_BIT, &fence->flags))
		return;
	if (error)
		dma_fence_set_error(fence, error);
	WRITE_ONCE(ring->signalling_task, current);
	dma_fence_signal_timestamp_locked(fence, now);
	WRITE_ONCE(ring->signalling_task, NULL);
}

/*
 * A signalling section for a ring function, like a token's: none with
 * interrupts off, where an irq-safe lock of the caller may be held and
 * kernels without a preempt count cannot tell.
 */
static bool dft_ring_section_begin(void)
{
	return irqs_disabled() || dma_fence_begin_signalling();
}

static void dft_ring_batch_release(struct dft_ring_batch *b)
{
	unsigned int i;

	for (i = 0; i < b->n; i++) {
		dma_fence_token_debug_signalled(NULL, b->fence[i]);
		dma_fence_put(b->fence[i]);
	}
	b->n = 0;
}

/* Is the oldest fence one that the hardware never sees? */
static bool dft_ring_head_skip(struct dma_fence_token_ring *ring)
{
	return test_bit(ring->head, ring->skip);
}

/*
 * Pop the oldest fence and signal it with @error unless someone was first
 * (a fence of dma_fence_token_ring_push_error() keeps its own error).
 * Called with the ring lock held, which is the fence's lock.
 */
static void dft_ring_pop_locked(struct dma_fence_token_ring *ring,
				struct dft_ring_batch *b, int error, ktime_t now)
{
	struct dma_fence *fence = ring->slots[ring->head];

	lockdep_assert_held(&ring->lock);
	if (dft_ring_head_skip(ring)) {
		__clear_bit(ring->head, ring->skip);
		error = 0;
	}
	ring->slots[ring->head] = NULL;
	ring->head = (ring->head + 1) % ring->capacity;
	ring->count--;
	dft_ring_signal_locked(ring, fence, error, now);
	b->fence[b->n++] = fence;
}

/*
 * Close the ring: the oldest pending fence gets @first, the others @rest.
 * Called with the lock held; drops and retakes it between batches.
 */
static unsigned int dft_ring_close_locked(struct dma_fence_token_ring *ring,
					  int first, int rest,
					  unsigned long *flags)
	__must_hold(&ring->lock)
{
	struct dft_ring_batch b = { .n = 0 };
	ktime_t now = ktime_get();
	unsigned int total = 0;

	lockdep_assert_held(&ring->lock);
	if (!ring->closed) {
		ring->closed = true;
		ring->closes++;
		dma_fence_token_debug_count_ring(false);
	}
	cancel_delayed_work(&ring->timeout_work);
	ring->closing++;
	while (ring->count) {
		dft_ring_pop_locked(ring, &b, total ? rest : first, now);
		total++;
		if (b.n == DFT_RING_BATCH && ring->count) {
			spin_unlock_irqrestore(&ring->lock, *flags);
			dft_ring_batch_release(&b);
			spin_lock_irqsave(&ring->lock, *flags);
		}
	}
	/*
	 * Every fence it took is signalled: a reopen from here on cannot
	 * have a new fence cancelled by this close.  (Whoever waited for the
	 * last fence and reopens at once finds the close done.)
	 */
	ring->closing--;
	spin_unlock_irqrestore(&ring->lock, *flags);
	dft_ring_batch_release(&b);
	spin_lock_irqsave(&ring->lock, *flags);
	trace_dma_fence_token_ring_close(ring->name, first, total);
	return total;
}

/*
 * Pop the fences at the head that were signalled past the ring (an
 * opportunistic signal): they are progress, not a hang.  Returns how many.
 */
static unsigned int dft_ring_pop_done_locked(struct dma_fence_token_ring *ring,
					     struct dft_ring_batch *b)
{
	unsigned int n = 0;

	lockdep_assert_held(&ring->lock);
	while (b->n < DFT_RING_BATCH && ring->count &&
	       (dft_ring_head_skip(ring) ||
		test_bit(DMA_FENCE_FLAG_SIGNALED_BIT,
			 &ring->slots[ring->head]->flags))) {
		dft_ring_pop_locked(ring, b, 0, 0);
		n++;
	}
	return n;
}

static void dft_ring_timeout_fn(struct work_struct *work)
{
	struct dma_fence_token_ring *ring =
		container_of(to_delayed_work(work), struct dma_fence_token_ring,
			     timeout_work);
	struct dft_ring_batch b = { .n = 0 };
	unsigned long flags, deadline, closes;
	struct dma_fence_token_wq *q = ring->wq;
	struct dma_fence *hung = NULL;
	bool cookie;

	/* A signalling path on the ring's queue, like a work item. */
	cookie = dft_ring_section_begin();
	lock_acquire_shared(&q->map, 0, 0, NULL, _THIS_IP_);
	spin_lock_irqsave(&ring->lock, flags);
	if (dft_ring_pop_done_locked(ring, &b))
		WRITE_ONCE(ring->progress_at, jiffies);
	if (!ring->count || ring->closed)
		goto unlock;
	deadline = ring->progress_at + ring->timeout;
	if (time_before(jiffies, deadline)) {
		/* Progress since the work was armed: push it forward. */
		queue_delayed_work(q->wq, &ring->timeout_work,
				   deadline - jiffies);
		goto unlock;
	}
	hung = ring->slots[ring->head];
	dma_fence_get(hung);
	closes = ring->closes;
	spin_unlock_irqrestore(&ring->lock, flags);
	dft_ring_batch_release(&b);

	if (ring->ops && ring->ops->timedout)
		ring->ops->timedout(ring, hung);

	spin_lock_irqsave(&ring->lock, flags);
	if (ring->closes != closes) {
		/* The driver closed the ring itself (and maybe reopened it). */
		ring->timeouts++;
		dma_fence_token_debug_count_ring(true);
		trace_dma_fence_token_timeout(ring->name, hung);
	} else if (ring->count && ring->slots[ring->head] == hung &&
		   !test_bit(DMA_FENCE_FLAG_SIGNALED_BIT, &hung->flags) &&
		   !ring->closed) {
		ring->timeouts++;
		dma_fence_token_debug_count_ring(true);
		trace_dma_fence_token_timeout(ring->name, hung);
		dft_ring_close_locked(ring, -ETIMEDOUT, -ECANCELED, &flags);
	} else if (ring->count && !ring->closed) {
		/* The hardware completed it while the driver's handler ran. */
		queue_delayed_work(q->wq, &ring->timeout_work,
				   ring->timeout);
	}
unlock:
	spin_unlock_irqrestore(&ring->lock, flags);
	dft_ring_batch_release(&b);
	dma_fence_put(hung);
	lock_map_release(&q->map);
	dma_fence_end_signalling(cookie);
}

/**
 * dma_fence_token_ring_reserve - reserve room for fences before publishing them
 * @ring: the ring
 * @n: number of slots
 *
 * Call before the fences are published; a later dma_fence_token_ring_push()
 * uses one reserved slot and cannot fail for lack of room.  Give back what
 * is not used with dma_fence_token_ring_unreserve().
 *
 * Context: any context, but not a callback of one of the ring's fences.
 * Return: 0, -ENOSPC if the ring is full (retry after completions),
 * -ESHUTDOWN if it is closed, -EDEADLK (and a warning) from a callback of
 * one of its fences.
 */
int dma_fence_token_ring_reserve(struct dma_fence_token_ring *ring, unsigned int n)
{
	unsigned long flags;
	int ret = 0;

	if (dft_ring_reentered(ring))
		return -EDEADLK;
	spin_lock_irqsave(&ring->lock, flags);
	if (ring->closed || !ring->slots)
		ret = -ESHUTDOWN;
	else if (n > ring->capacity - ring->count - ring->reserved)
		ret = -ENOSPC;
	else
		ring->reserved += n;
	spin_unlock_irqrestore(&ring->lock, flags);
	return ret;
}
EXPORT_SYMBOL_GPL(dma_fence_token_ring_reserve);

/**
 * dma_fence_token_ring_unreserve - give back reserved slots
 * @ring: the ring
 * @n: number of unused reserved slots
 *
 * A transfer uses its reserved slot whatever it returns: give back only
 * slots for which no transfer was attempted.  After
 * dma_fence_token_ring_fini() there is nothing to give back, and this does
 * nothing.
 *
 * Context: any context, but not a callback of one of the ring's fences.
 */
void dma_fence_token_ring_unreserve(struct dma_fence_token_ring *ring, unsigned int n)
{
	unsigned long flags;

	if (dft_ring_reentered(ring))
		return;
	spin_lock_irqsave(&ring->lock, flags);
	if (ring->slots && !WARN_ON_ONCE(n > ring->reserved))
		ring->reserved -= n;
	spin_unlock_irqrestore(&ring->lock, flags);
}
EXPORT_SYMBOL_GPL(dma_fence_token_ring_unreserve);

/*
 * The transfers to a ring.  @error 0: the fence goes to the hardware and
 * the ring must be open.  @error < 0: the fence never reaches the hardware
 * and is signalled with @error in seqno order, after every fence on the
 * ring: at once if there is none, else when the one before it is popped
 * (a completion, the timeout, a close).  A transfer to the hardware that
 * the ring refuses because it is closed takes that path with -ECANCELED,
 * so that it cannot overtake the fences that a close is still signalling.
 * @closes: if not NULL, the ring's close count the transfer was meant
 * for: a close since then refuses it as if the ring were closed.
 */
int __dma_fence_token_ring_push(struct dma_fence_token *tok,
				struct dma_fence_token_ring *ring,
				struct dma_fence_token_proof *proof, int error,
				const unsigned long *closes)
	__releases(tok)
{
	struct dma_fence *fence = dma_fence_token_fence(tok);
	struct dma_fence_token_wq *q = NULL;
	bool had_slot, bad, accepted = false;
	unsigned long flags;
	unsigned int tail;
	int ret = 0;

	if (!fence) {
		/* Not live (the tracker reported it): the slot is used too. */
		if (!dft_ring_reentered(ring)) {
			spin_lock_irqsave(&ring->lock, flags);
			if (ring->reserved)
				ring->reserved--;
			spin_unlock_irqrestore(&ring->lock, flags);
		}
		return __dma_fence_token_refuse(tok, NULL, proof, -EINVAL);
	}
	if (dft_ring_reentered(ring)) {
		/*
		 * This CPU holds the ring's lock, the fence's too if it is its.
		 * The transfer uses its reservation all the same.
		 */
		if (ring->reserved)
			ring->reserved--;
		if (fence->lock == &ring->lock)
			return __dma_fence_token_refuse_locked(tok, fence, proof,
							       -EDEADLK);
		return __dma_fence_token_refuse(tok, fence, proof, -EDEADLK);
	}

	dma_fence_token_debug_handover(tok, fence, _RET_IP_);
	spin_lock_irqsave(&ring->lock, flags);
	/* Accepted or refused, the transfer uses its reservation. */
	had_slot = ring->reserved;
	if (had_slot)
		ring->reserved--;
	bad = fence->lock != &ring->lock ||
	      (ring->has_last &&
	       !dft_seqno_after(fence->ops, fence->seqno, ring->last_seqno));
	if (!ring->timeout || ring->timeout >= MAX_SCHEDULE_TIMEOUT) {
		ret = -EINVAL;
		goto unlock;
	}
	if (!error && (ring->closed || !ring->slots || !ring->wq ||
		       (closes && *closes != ring->closes))) {
		/* A torn down queue was reported when it went. */
		ret = -ESHUTDOWN;
		/*
		 * Nothing unsignalled before it: refused at once; so is a
		 * transfer without a slot, which has no room on the ring.
		 */
		if (bad || !had_slot || !ring->slots || !ring->count)
			goto unlock;
		error = -ECANCELED;
	} else if (WARN_ON_ONCE((!had_slot && ring->slots) || bad)) {
		ret = -EINVAL;
		goto unlock;
	}
	if (error && (!ring->slots || !ring->count)) {
		/* Nothing before it: signalled now, in order. */
		WRITE_ONCE(ring->signalling_task, current);
		*proof = __dma_fence_token_signal_locked(tok, error);
		WRITE_ONCE(ring->signalling_task, NULL);
		if (ring->slots) {
			ring->last_seqno = fence->seqno;
			ring->has_last = true;
		}
		spin_unlock_irqrestore(&ring->lock, flags);
		return ret;
	}

	tail = (ring->head + ring->count) % ring->capacity;
	ring->slots[tail] = dma_fence_get(fence);
	if (error) {
		/* The close that may be under way pops it too. */
		__set_bit(tail, ring->skip);
		if (!test_bit(DMA_FENCE_FLAG_SIGNALED_BIT, &fence->flags))
			dma_fence_set_error(fence, error);
	}
	dma_fence_token_debug_move(fence, DFT_OB_ON_RING, ring->name,
				   &ring->progress_at);
	trace_dma_fence_token_transfer(fence, DMA_FENCE_TOKEN_PATH_HARDWARE,
				       ring->name);
	if (!ring->count++) {
		WRITE_ONCE(ring->progress_at, jiffies);
		/*
		 * Armed once and left armed when the ring empties: the
		 * handler does nothing on an empty ring and pushes itself to
		 * progress_at + timeout on a busy one.  Adding and deleting
		 * the timer on every idle-to-busy change cost each job of a
		 * one-deep queue a timer-base lock twice.
		 */
		if (!delayed_work_pending(&ring->timeout_work))
			queue_delayed_work(ring->wq->wq, &ring->timeout_work,
					   ring->timeout);
	}
	q = ring->wq;
	ring->last_seqno = fence->seqno;
	ring->has_last = true;
	accepted = true;
unlock:
	spin_unlock_irqrestore(&ring->lock, flags);

	if (!accepted) {
		/* One report: the tracker's if it is there, else a warning. */
		if (!ring->timeout || ring->timeout >= MAX_SCHEDULE_TIMEOUT) {
			if (IS_ENABLED(CONFIG_DMA_FENCE_TOKEN_DEBUG))
				dma_fence_token_debug_report(DMA_FENCE_TOKEN_MISUSE_NO_TIMEOUT,
							     fence, _RET_IP_);
			else
				WARN_ONCE(1, "dma_fence_token_ring %s: transfer to a ring without a timeout\n",
					  ring->name);
		}
		return __dma_fence_token_refuse(tok, fence, proof, ret);
	}

	/* The fence now depends on the ring's timeout work. */
	if (q)
		__dma_fence_token_depend_on_queue(q);
	*proof = __dma_fence_token_transfer(tok, DMA_FENCE_TOKEN_PATH_HARDWARE);
	return ret;
}

/*
 * A job queue's ring: its jobs reach it through dma_fence_token_job_to_ring()
 * and _job_fail(), which know the job's ring slot and its close count.
 */
static bool dft_ring_of_jobq(struct dma_fence_token_ring *ring)
{
	if (likely(!ring->jobq))
		return false;
	WARN_ONCE(1, "dma_fence_token_ring %s: direct transfer to a job queue's ring: use dma_fence_token_job_to_ring() or dma_fence_token_job_fail()\n",
		  ring->name);
	return true;
}

/*
 * Refuse a direct transfer to a job queue's ring, its slot left to the
 * queue: a job in its run callback fails in order through that slot.
 * From a callback of one of the ring's fences this CPU holds the ring's
 * lock, which that failure and a refusal's signal take.
 */
static int dft_ring_refuse_jobq(struct dma_fence_token *tok,
				struct dma_fence_token_ring *ring,
				struct dma_fence_token_proof *proof)
	__releases(tok)
{
	struct dma_fence *fence = dma_fence_token_fence(tok);
	bool locked = fence && fence->lock == &ring->lock && dft_ring_reentered(ring);

	return __dma_fence_token_jobq_refuse_push(ring, tok, proof, locked);
}

/**
 * dma_fence_token_ring_push - transfer a token to a hardware ring
 * @tok: live token; its fence uses dma_fence_token_ring_lock() as its lock
 * @ring: ring with a slot reserved by the caller
 * @proof: receives the proof for the fence, in every case
 *
 * Discharges @tok: the fence joins @ring after every fence already on it
 * and the ring's timeout guarantees its signal.  The ring holds a reference
 * to the fence from here until it signals it (a completion, the timeout, a
 * close or fini).
 *
 * Seqno order: each fence's seqno must come after the previous one's, as
 * dma_fence_is_later() compares them (32-bit seqnos may wrap unless the
 * fence ops set use_64bit_seqno).  Where transfers come from several
 * contexts (some from the submitter, some from signalling work items),
 * take one driver lock around seqno assignment and transfer, or transfer
 * all of an engine's fences from one ordered signalling queue.
 *
 * Uses one reserved slot whether the transfer is accepted or refused: do
 * not unreserve it afterwards.
 *
 * Context: any context where a spinlock_t may be taken, interrupt handlers
 * included (on PREEMPT_RT not a _HARD hrtimer, an IRQF_NO_THREAD handler
 * or under a raw spinlock), but not a callback of one of the ring's
 * fences; does not allocate.
 * Return: 0; -ESHUTDOWN if @ring is closed, torn down or its queue is
 * gone: the fence is signalled with -ECANCELED once every fence before it
 * is (a close may still be signalling them); -EINVAL (with a warning) if
 * the ring has no timeout, if no slot was reserved, if the fence does not
 * use the ring's lock or if its seqno is not after the ring's last one;
 * -EDEADLK (with a warning) from a callback of one of the ring's fences;
 * -EINVAL (with a warning) if a job queue owns @ring (its jobs go with
 * dma_fence_token_job_to_ring()): a job of that queue in its run callback
 * then ends with -ECANCELED in order, through its own slot, and the
 * reservations are left as they were.  After -EINVAL or -EDEADLK the
 * fence has been signalled with -ECANCELED, or will be in order.
 */
int dma_fence_token_ring_push(struct dma_fence_token *tok,
			      struct dma_fence_token_ring *ring,
			      struct dma_fence_token_proof *proof)
	__releases(tok)
{
	if (unlikely(dft_ring_of_jobq(ring)))
		return dft_ring_refuse_jobq(tok, ring, proof);
	return __dma_fence_token_ring_push(tok, ring, proof, 0, NULL);
}
EXPORT_SYMBOL_GPL(dma_fence_token_ring_push);

/**
 * dma_fence_token_ring_push_error - fail a fence in its ring's order
 * @tok: live token; its fence uses dma_fence_token_ring_lock() as its lock
 * @ring: ring with a slot reserved by the caller
 * @error: negative errno the fence ends with
 * @proof: receives the proof for the fence, in every case
 *
 * For a fence of the ring's timeline that will never reach the hardware
 * (a job whose in-fence failed, a job the driver refuses): fences of one
 * context signal in seqno order, so it must not signal before the fences
 * already on the ring.  Discharges @tok: the fence is signalled with
 * @error at once if the ring holds no fence, else as soon as every fence
 * before it is signalled (a completion, the timeout or a close; it never
 * counts as hung).  The ring may be closed.  Seqno order and the
 * reservation are as for dma_fence_token_ring_push().
 *
 * Context: as dma_fence_token_ring_push().
 * Return: 0; -EINVAL or -EDEADLK (with a warning) as for
 * dma_fence_token_ring_push(), after which the fence has been signalled
 * with -ECANCELED.
 */
int dma_fence_token_ring_push_error(struct dma_fence_token *tok,
				    struct dma_fence_token_ring *ring,
				    int error,
				    struct dma_fence_token_proof *proof)
	__releases(tok)
{
	if (unlikely(dft_ring_of_jobq(ring)))
		return dft_ring_refuse_jobq(tok, ring, proof);
	error = __dma_fence_token_error(error);
	return __dma_fence_token_ring_push(tok, ring, proof, error ?: -ECANCELED,
					   NULL);
}
EXPORT_SYMBOL_GPL(dma_fence_token_ring_push_error);

/**
 * dma_fence_token_ring_complete - the hardware completed everything up to @seqno
 * @ring: the ring
 * @seqno: seqno of the newest completed fence
 * @error: 0, or a negative errno for the fence @seqno itself
 *
 * Signals, in order, every pending fence up to @seqno with one timestamp
 * and one lock round trip per batch of 32.  @error is set on the fence
 * @seqno before it is signalled.  Fences the timeout or a close already
 * signalled are skipped: a late or duplicate completion does nothing.
 * Fences right after @seqno that were already signalled past the ring
 * (dma_fence_token_signal_opportunistic()) are taken off too: they count as
 * progress, for the timeout as well.  Report ring completions here rather
 * than with an opportunistic signal, which the ring only notices later.
 *
 * Where interrupts are on (a threaded handler, as every handler is on
 * PREEMPT_RT) the call is a fence signalling section: do not hold a lock
 * that the driver also takes inside a signalling section (its run
 * callbacks, for example), or lockdep reports the cycle.  Called in
 * interrupt context, it also runs the jobs of queues created with
 * %DMA_FENCE_TOKEN_JOBQ_RUN_IN_IRQ that the signals released, after the
 * ring's lock is dropped: hold no lock of your own that their run
 * callbacks take.  (A job whose own ring's lock is held, by a caller in a
 * callback of one of that ring's fences, takes its worker hop instead.)
 *
 * Context: any context where a spinlock_t may be taken, interrupt handlers
 * included (on PREEMPT_RT not a _HARD hrtimer, an IRQF_NO_THREAD handler
 * or under a raw spinlock), but not a callback of one of the ring's fences.
 * Return: the number of fences taken off the ring.
 */
unsigned int dma_fence_token_ring_complete(struct dma_fence_token_ring *ring,
					   u64 seqno, int error)
{
	struct dft_ring_batch b = { .n = 0 };
	ktime_t now = ktime_get();
	struct dft_jobq_batch jobs;
	unsigned int total = 0;
	unsigned long flags;
	bool cookie, more, run_jobs;

	if (dft_ring_reentered(ring))
		return 0;
	error = __dma_fence_token_error(error);
	/* Jobs these signals release may run here, after the lock. */
	run_jobs = __dma_fence_token_jobq_batch_begin(&jobs);
	cookie = dft_ring_section_begin();
	do {
		spin_lock_irqsave(&ring->lock, flags);
		while (b.n < DFT_RING_BATCH && ring->count) {
			struct dma_fence *head = ring->slots[ring->head];

			if (dft_seqno_after(head->ops, head->seqno, seqno) &&
			    !dft_ring_head_skip(ring) &&
			    !test_bit(DMA_FENCE_FLAG_SIGNALED_BIT, &head->flags))
				break;
			dft_ring_pop_locked(ring, &b,
					    head->seqno == seqno ? error : 0, now);
		}
		more = b.n == DFT_RING_BATCH;
		/* An armed timeout stays: see dma_fence_token_ring_push(). */
		if (b.n)
			WRITE_ONCE(ring->progress_at, jiffies);
		spin_unlock_irqrestore(&ring->lock, flags);
		total += b.n;
		dft_ring_batch_release(&b);
	} while (more);
	if (total)
		trace_dma_fence_token_complete_batch(ring->name, seqno, total);
	dma_fence_end_signalling(cookie);
	if (run_jobs)
		__dma_fence_token_jobq_batch_end(&jobs);
	return total;
}
EXPORT_SYMBOL_GPL(dma_fence_token_ring_complete);

/**
 * dma_fence_token_ring_close - close a ring for a fault the driver detected
 * @ring: the ring
 * @error: negative errno for the oldest pending fence; the others get
 *	-ECANCELED
 *
 * Later transfers are refused until dma_fence_token_ring_reopen().  May be
 * called from the &dma_fence_token_ring_ops.timedout callback.
 *
 * Context: any context where a spinlock_t may be taken, interrupt handlers
 * included (on PREEMPT_RT not a _HARD hrtimer, an IRQF_NO_THREAD handler
 * or under a raw spinlock), but not a callback of one of the ring's fences.
 * Return: the number of fences signalled.
 */
unsigned int dma_fence_token_ring_close(struct dma_fence_token_ring *ring, int error)
{
	unsigned long flags;
	unsigned int n;
	bool cookie;

	if (dft_ring_reentered(ring))
		return 0;
	error = __dma_fence_token_error(error);
	cookie = dft_ring_section_begin();
	spin_lock_irqsave(&ring->lock, flags);
	n = dft_ring_close_locked(ring, error ? error : -ECANCELED, -ECANCELED,
				  &flags);
	spin_unlock_irqrestore(&ring->lock, flags);
	dma_fence_end_signalling(cookie);
	return n;
}
EXPORT_SYMBOL_GPL(dma_fence_token_ring_close);

/**
 * dma_fence_token_ring_reopen - accept transfers again after a reset
 * @ring: a closed ring
 *
 * A close signals the ring's fences in batches and drops the lock between
 * them: until the close has signalled every fence it took, the ring cannot
 * be reopened (-EBUSY; reset the engine and retry once the close returned,
 * for example at the next submission).  Reopening a ring that is open does
 * nothing, and in particular does not push its timeout back.
 *
 * Context: any context, but not a callback of one of the ring's fences.
 * Return: 0, -EBUSY while a close is signalling the ring's fences,
 * -ESHUTDOWN once dma_fence_token_ring_fini() began or the ring's queue is
 * gone, -EDEADLK (and a warning) from a callback of one of its fences.
 */
int dma_fence_token_ring_reopen(struct dma_fence_token_ring *ring)
{
	unsigned long flags;
	int ret = 0;

	if (dft_ring_reentered(ring))
		return -EDEADLK;
	spin_lock_irqsave(&ring->lock, flags);
	if (!ring->slots || ring->dying || !ring->wq) {
		ret = -ESHUTDOWN;
	} else if (!ring->closed) {
		ret = 0;
	} else if (ring->closing || ring->count) {
		ret = -EBUSY;
	} else {
		ring->closed = false;
		WRITE_ONCE(ring->progress_at, jiffies);
	}
	spin_unlock_irqrestore(&ring->lock, flags);
	return ret;
}
EXPORT_SYMBOL_GPL(dma_fence_token_ring_reopen);

/**
 * dma_fence_token_ring_fini - tear down a ring
 * @ring: ring from dma_fence_token_ring_init(); also legal a second time
 *
 * Signals every pending fence with -ECANCELED, stops the timeout and frees
 * the slots.  A completion on another CPU racing it finds the ring empty;
 * after it returns the driver must not report completions any more.
 *
 * Context: process context, may sleep; never from a signalling section.
 */
void dma_fence_token_ring_fini(struct dma_fence_token_ring *ring)
{
	struct dma_fence_token_wq *q;
	struct dma_fence **slots;
	unsigned long *skip;
	unsigned long flags;

	if (!ring->slots)
		return;
	/* Waits for the timeout handler, a fence signalling path. */
	__dma_fence_token_might_wait();

	/* No reopen from here: nothing can arm the timeout again. */
	spin_lock_irqsave(&ring->lock, flags);
	ring->dying = true;
	q = ring->wq;
	spin_unlock_irqrestore(&ring->lock, flags);
	if (q)
		__dma_fence_token_wq_detach(q, &ring->wq_user);
	dma_fence_token_ring_close(ring, -ECANCELED);
	cancel_delayed_work_sync(&ring->timeout_work);
	/* A timeout handler that ran meanwhile found the ring closed. */
	spin_lock_irqsave(&ring->lock, flags);
	slots = ring->slots;
	ring->slots = NULL;
	ring->reserved = 0;
	skip = ring->skip;
	ring->skip = NULL;
	spin_unlock_irqrestore(&ring->lock, flags);
	kfree(slots);
	bitmap_free(skip);
}
EXPORT_SYMBOL_GPL(dma_fence_token_ring_fini);

/*
 * The ring's queue is torn down while the ring still uses it, which its
 * init forbids: report it, close the ring for good and make sure its
 * timeout is neither queued nor running before the queue goes.
 */
static void dft_ring_queue_gone(struct dma_fence_token_wq_user *user)
{
	struct dma_fence_token_ring *ring =
		container_of(user, struct dma_fence_token_ring, wq_user);
	unsigned long flags;

	WARN_ONCE(1, "dma_fence_token_ring %s: its queue %s was torn down before it\n",
		  ring->name, ring->wq->name);
	spin_lock_irqsave(&ring->lock, flags);
	ring->dying = true;
	spin_unlock_irqrestore(&ring->lock, flags);
	dma_fence_token_ring_close(ring, -ECANCELED);
	cancel_delayed_work_sync(&ring->timeout_work);
	spin_lock_irqsave(&ring->lock, flags);
	ring->wq = NULL;
	spin_unlock_irqrestore(&ring->lock, flags);
}

/**
 * dma_fence_token_ring_dump_alloc - allocate memory for a core dump on a signalling path
 * @ring: the ring whose timeout handler dumps
 * @size: bytes
 *
 * Allocates with GFP_NOWAIT | __GFP_NOWARN: it never enters reclaim (which
 * could wait for the very fence that timed out) and may fail under light
 * memory pressure.  Failures are counted in @ring and reported once; the
 * caller skips the dump and carries on.
 *
 * Context: any context.
 * Return: the memory (kfree() it), or %NULL.
 */
void *dma_fence_token_ring_dump_alloc(struct dma_fence_token_ring *ring, size_t size)
{
	void *p = kmalloc(size, GFP_NOWAIT | __GFP_NOWARN);

	if (!p && atomic_inc_return(&ring->dump_failures) == 1)
		pr_info("dma_fence_token_ring %s: core dump allocation of %zu bytes failed, dump skipped\n",
			ring->name, size);
	return p;
}
EXPORT_SYMBOL_GPL(dma_fence_token_ring_dump_alloc);
