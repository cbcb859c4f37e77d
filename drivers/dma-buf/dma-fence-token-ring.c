// SPDX-License-Identifier: GPL-2.0
/*
 * Fence signalling tokens: transfer to a hardware ring, timeouts, ring
 * close, completion batches and core dump allocations.
 */

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
 *   (WQ_MEM_RECLAIM), armed when the ring becomes busy and pushed forward by
 *   progress; completion paths only ever cancel it without waiting.  Its
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
 */

#define DFT_RING_BATCH	32

static void dft_ring_timeout_fn(struct work_struct *work);

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
	spin_lock_init(&ring->lock);
	lockdep_set_class_and_name(&ring->lock, key, "dma_fence_token_ring");
	ring->capacity = capacity;
	ring->head = 0;
	ring->count = 0;
	ring->reserved = 0;
	ring->last_seqno = 0;
	ring->closed = false;
	ring->timeout = timeout;
	ring->progress_at = jiffies;
	ring->timeouts = 0;
	ring->closes = 0;
	atomic_set(&ring->dump_failures, 0);
	ring->name = name;
	ring->ops = ops;
	ring->wq = wq;
	INIT_DELAYED_WORK(&ring->timeout_work, dft_ring_timeout_fn);
	return 0;
}
EXPORT_SYMBOL_GPL(__dma_fence_token_ring_init);

/* Fences popped off the ring, to release once the lock is dropped. */
struct dft_ring_batch {
	struct dma_fence *fence[DFT_RING_BATCH];
	unsigned int n;
};

static void dft_ring_batch_release(struct dft_ring_batch *b)
{
	unsigned int i;

	for (i = 0; i < b->n; i++) {
		dma_fence_token_debug_signalled(NULL, b->fence[i]);
		dma_fence_put(b->fence[i]);
	}
	b->n = 0;
}

/*
 * Pop the oldest fence and signal it with @error unless someone was first.
 * Called with the ring lock held, which is the fence's lock.
 */
static void dft_ring_pop_locked(struct dma_fence_token_ring *ring,
				struct dft_ring_batch *b, int error, ktime_t now)
{
	struct dma_fence *fence = ring->slots[ring->head];

	lockdep_assert_held(&ring->lock);
	ring->slots[ring->head] = NULL;
	ring->head = (ring->head + 1) % ring->capacity;
	ring->count--;
	if (!test_bit(DMA_FENCE_FLAG_SIGNALED_BIT, &fence->flags)) {
		if (error)
			dma_fence_set_error(fence, error);
		dma_fence_signal_timestamp_locked(fence, now);
	}
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
	while (ring->count) {
		dft_ring_pop_locked(ring, &b, total ? rest : first, now);
		total++;
		if (b.n == DFT_RING_BATCH) {
			spin_unlock_irqrestore(&ring->lock, *flags);
			dft_ring_batch_release(&b);
			spin_lock_irqsave(&ring->lock, *flags);
		}
	}
	spin_unlock_irqrestore(&ring->lock, *flags);
	dft_ring_batch_release(&b);
	spin_lock_irqsave(&ring->lock, *flags);
	trace_dma_fence_token_ring_close(ring->name, first, total);
	return total;
}

static void dft_ring_timeout_fn(struct work_struct *work)
{
	struct dma_fence_token_ring *ring =
		container_of(to_delayed_work(work), struct dma_fence_token_ring,
			     timeout_work);
	struct dma_fence *hung = NULL;
	unsigned long flags, deadline;
	bool cookie;

	/* A signalling path on the ring's queue, like a work item. */
	cookie = dma_fence_begin_signalling();
	lock_acquire_shared(&ring->wq->map, 0, 0, NULL, _THIS_IP_);
	spin_lock_irqsave(&ring->lock, flags);
	if (!ring->count || ring->closed)
		goto unlock;
	deadline = ring->progress_at + ring->timeout;
	if (time_before(jiffies, deadline)) {
		/* Progress since the work was armed: push it forward. */
		queue_delayed_work(ring->wq->wq, &ring->timeout_work,
				   deadline - jiffies);
		goto unlock;
	}
	hung = ring->slots[ring->head];
	dma_fence_get(hung);
	spin_unlock_irqrestore(&ring->lock, flags);

	if (ring->ops && ring->ops->timedout)
		ring->ops->timedout(ring, hung);

	spin_lock_irqsave(&ring->lock, flags);
	if (ring->count && ring->slots[ring->head] == hung && !ring->closed) {
		ring->timeouts++;
		dma_fence_token_debug_count_ring(true);
		trace_dma_fence_token_timeout(ring->name, hung);
		dft_ring_close_locked(ring, -ETIMEDOUT, -ECANCELED, &flags);
	} else if (ring->count && !ring->closed) {
		/* The interrupt won while the driver's handler ran. */
		queue_delayed_work(ring->wq->wq, &ring->timeout_work,
				   ring->timeout);
	}
unlock:
	spin_unlock_irqrestore(&ring->lock, flags);
	dma_fence_put(hung);
	lock_map_release(&ring->wq->map);
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
 * Context: any context.
 * Return: 0, -ENOSPC if the ring is full (retry after completions),
 * -ESHUTDOWN if it is closed.
 */
int dma_fence_token_ring_reserve(struct dma_fence_token_ring *ring, unsigned int n)
{
	unsigned long flags;
	int ret = 0;

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
 * Context: any context.
 */
void dma_fence_token_ring_unreserve(struct dma_fence_token_ring *ring, unsigned int n)
{
	unsigned long flags;

	spin_lock_irqsave(&ring->lock, flags);
	if (!WARN_ON_ONCE(n > ring->reserved))
		ring->reserved -= n;
	spin_unlock_irqrestore(&ring->lock, flags);
}
EXPORT_SYMBOL_GPL(dma_fence_token_ring_unreserve);

/**
 * dma_fence_token_ring_push - transfer a token to a hardware ring
 * @tok: live token; its fence uses dma_fence_token_ring_lock() as its lock
 * @ring: ring with a slot reserved by the caller
 * @proof: receives the proof for the fence, in every case
 *
 * Discharges @tok: the fence joins @ring after every fence already on it
 * and the ring's timeout guarantees its signal.  Uses one reserved slot.
 *
 * Context: any context, including hard interrupts; does not allocate.
 * Return: 0; -ESHUTDOWN if @ring is closed; -EINVAL (with a warning) if
 * the ring has no timeout, if no slot was reserved, if the fence does not
 * use the ring's lock or if its seqno is not after the ring's last one.
 * On error the fence has been signalled with -ECANCELED.
 */
int dma_fence_token_ring_push(struct dma_fence_token *tok,
			      struct dma_fence_token_ring *ring,
			      struct dma_fence_token_proof *proof)
	__releases(tok)
{
	struct dma_fence *fence = dma_fence_token_fence(tok);
	unsigned long flags;
	int ret = 0;

	if (!fence)
		return __dma_fence_token_refuse(tok, NULL, proof, -EINVAL);

	dma_fence_token_debug_handover(tok, fence, _RET_IP_);
	spin_lock_irqsave(&ring->lock, flags);
	if (!ring->timeout || ring->timeout >= MAX_SCHEDULE_TIMEOUT) {
		ret = -EINVAL;
	} else if (ring->closed || !ring->slots) {
		ret = -ESHUTDOWN;
		if (ring->reserved)
			ring->reserved--;
	} else if (WARN_ON_ONCE(!ring->reserved ||
				fence->lock != &ring->lock ||
				(ring->last_seqno && fence->seqno <= ring->last_seqno))) {
		ret = -EINVAL;
	} else {
		unsigned int tail = (ring->head + ring->count) % ring->capacity;

		ring->reserved--;
		ring->slots[tail] = dma_fence_get(fence);
		dma_fence_token_debug_move(fence, DFT_OB_ON_RING, ring->name,
					   &ring->progress_at);
		trace_dma_fence_token_transfer(fence, DMA_FENCE_TOKEN_PATH_HARDWARE,
					       ring->name);
		ring->last_seqno = fence->seqno;
		if (!ring->count++) {
			WRITE_ONCE(ring->progress_at, jiffies);
			queue_delayed_work(ring->wq->wq, &ring->timeout_work,
					   ring->timeout);
		}
	}
	spin_unlock_irqrestore(&ring->lock, flags);

	/* One report: the tracker's if it is there, else a warning. */
	if (ret == -EINVAL && (!ring->timeout || ring->timeout >= MAX_SCHEDULE_TIMEOUT)) {
		if (IS_ENABLED(CONFIG_DMA_FENCE_TOKEN_DEBUG))
			dma_fence_token_debug_report(DMA_FENCE_TOKEN_MISUSE_NO_TIMEOUT,
						     fence, _RET_IP_);
		else
			WARN_ONCE(1, "dma_fence_token_ring %s: transfer to a ring without a timeout\n",
				  ring->name);
	}
	if (ret)
		return __dma_fence_token_refuse(tok, fence, proof, ret);

	/* The fence now depends on the ring's timeout work. */
	__dma_fence_token_depend_on_queue(ring->wq);
	*proof = __dma_fence_token_transfer(tok, DMA_FENCE_TOKEN_PATH_HARDWARE);
	return 0;
}
EXPORT_SYMBOL_GPL(dma_fence_token_ring_push);

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
 *
 * Context: any context, including hard interrupts.
 * Return: the number of fences taken off the ring.
 */
unsigned int dma_fence_token_ring_complete(struct dma_fence_token_ring *ring,
					   u64 seqno, int error)
{
	struct dft_ring_batch b = { .n = 0 };
	ktime_t now = ktime_get();
	unsigned int total = 0;
	unsigned long flags;
	bool cookie, more;

	error = __dma_fence_token_error(error);
	cookie = dma_fence_begin_signalling();
	do {
		spin_lock_irqsave(&ring->lock, flags);
		while (b.n < DFT_RING_BATCH && ring->count &&
		       ring->slots[ring->head]->seqno <= seqno) {
			u64 this = ring->slots[ring->head]->seqno;

			dft_ring_pop_locked(ring, &b, this == seqno ? error : 0, now);
		}
		more = b.n == DFT_RING_BATCH;
		if (b.n) {
			WRITE_ONCE(ring->progress_at, jiffies);
			if (!ring->count)
				cancel_delayed_work(&ring->timeout_work);
		}
		spin_unlock_irqrestore(&ring->lock, flags);
		total += b.n;
		dft_ring_batch_release(&b);
	} while (more);
	if (total)
		trace_dma_fence_token_complete_batch(ring->name, seqno, total);
	dma_fence_end_signalling(cookie);
	return total;
}
EXPORT_SYMBOL_GPL(dma_fence_token_ring_complete);

/**
 * dma_fence_token_ring_close - close a ring for a fault the driver detected
 * @ring: the ring
 * @error: negative errno for the oldest pending fence; the others get
 *	-ECANCELED
 *
 * Later transfers are refused until dma_fence_token_ring_reopen().
 *
 * Context: any context, including hard interrupts.
 * Return: the number of fences signalled.
 */
unsigned int dma_fence_token_ring_close(struct dma_fence_token_ring *ring, int error)
{
	unsigned long flags;
	unsigned int n;
	bool cookie;

	error = __dma_fence_token_error(error);
	cookie = dma_fence_begin_signalling();
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
 * @ring: a closed ring, now empty
 *
 * Context: any context.
 * Return: 0, or -ESHUTDOWN after dma_fence_token_ring_fini().
 */
int dma_fence_token_ring_reopen(struct dma_fence_token_ring *ring)
{
	unsigned long flags;
	int ret = 0;

	spin_lock_irqsave(&ring->lock, flags);
	if (!ring->slots) {
		ret = -ESHUTDOWN;
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
	struct dma_fence **slots;
	unsigned long flags;

	if (!ring->slots)
		return;
	/* Waits for the timeout handler, a fence signalling path. */
	__dma_fence_token_might_wait();

	dma_fence_token_ring_close(ring, -ECANCELED);
	cancel_delayed_work_sync(&ring->timeout_work);
	/* A timeout handler that ran meanwhile found the ring closed. */
	spin_lock_irqsave(&ring->lock, flags);
	slots = ring->slots;
	ring->slots = NULL;
	ring->reserved = 0;
	spin_unlock_irqrestore(&ring->lock, flags);
	kfree(slots);
}
EXPORT_SYMBOL_GPL(dma_fence_token_ring_fini);

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
