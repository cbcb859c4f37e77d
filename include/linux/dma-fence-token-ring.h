/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Hardware rings: fences handed to hardware, whose timeout is the
 * guaranteed signalling path.  See the "Hardware hand-off and timeouts" DOC
 * section of Documentation/driver-api/dma-fence-token.rst.
 */
#ifndef __LINUX_DMA_FENCE_TOKEN_RING_H
#define __LINUX_DMA_FENCE_TOKEN_RING_H

#include <linux/atomic.h>
#include <linux/dma-fence-token-wq.h>
#include <linux/spinlock.h>
#include <linux/workqueue.h>

struct dma_fence_token_ring;

/**
 * struct dma_fence_token_ring_ops - driver callbacks of a hardware ring
 * @timedout: called when the oldest fence @hung made no progress for the
 *	ring's timeout, with the ring still open.  Runs in process context
 *	on the ring's signalling queue, no lock of the library held,
 *	interrupts on; it is a fence signalling path: no GFP_KERNEL, no
 *	dma_resv lock, no fence wait.  Typically captures a device core dump
 *	with dma_fence_token_ring_dump_alloc().  After it returns, the ring
 *	is closed (@hung gets -ETIMEDOUT, every later fence -ECANCELED) if
 *	@hung is still the oldest fence on the ring; if the hardware
 *	completed it meanwhile (the interrupt won the race) the ring stays
 *	open and the timeout starts again.  A driver that resets the engine
 *	here, which loses whatever the engine ran, closes the ring itself
 *	with dma_fence_token_ring_close() before the reset; it may then
 *	reopen it, and the library does not close it again.  May be %NULL.
 */
struct dma_fence_token_ring_ops {
	void (*timedout)(struct dma_fence_token_ring *ring, struct dma_fence *hung);
};

/**
 * struct dma_fence_token_ring - fences handed to hardware, in seqno order
 * @lock: the lock of every fence on the ring (see dma_fence_token_ring_lock());
 *	protects the members below up to @timeouts; taken in hardirq context
 * @slots: pending fences, a circular buffer of @capacity entries
 * @skip: one bit per slot: the fence there never reaches the hardware
 *	(dma_fence_token_ring_push_error()) and is signalled, with the error
 *	it carries, as soon as every fence before it is
 * @capacity: number of slots, fixed at init
 * @head: index of the oldest pending fence
 * @count: number of pending fences
 * @reserved: slots reserved by dma_fence_token_ring_reserve() and not yet used
 * @last_seqno: seqno of the newest fence handed to the ring, valid if
 *	@has_last
 * @has_last: a fence was handed to the ring since init
 * @closing: closes that are signalling the ring's fences, with the lock
 *	dropped between batches; the ring cannot be reopened meanwhile
 * @dying: dma_fence_token_ring_fini() began; the ring never reopens
 * @signalling_task: task that signals a fence of the ring under its lock,
 *	running the fence's callbacks, or NULL: a ring function called from
 *	such a callback is refused instead of spinning on the lock (a task,
 *	not a CPU: on PREEMPT_RT the lock holder may be preempted by another
 *	task that uses the ring rightly)
 * @progress_at: jiffies of the last completion, or when the ring got busy
 * @closed: the ring refuses new fences until dma_fence_token_ring_reopen()
 * @timeout: jiffies without progress after which the oldest fence is hung;
 *	0 means no timeout, and then the ring refuses every transfer
 * @timeouts: timeouts that closed the ring
 * @closes: times the ring was closed (timeout, fault, teardown)
 * @dump_failures: core dump allocations that failed
 * @name: name used in reports
 * @ops: driver callbacks
 * @wq: signalling queue that runs the timeout handler; NULL once that
 *	queue was torn down before the ring (a driver bug, reported)
 * @wq_user: the ring's entry in the queue's users, told of its teardown
 * @timeout_work: the timeout handler, allocated with the ring
 * @jobq: a job queue owns the ring: its fences come from the queue, and
 *	dma_fence_token_ring_push() and _push_error() refuse them
 *
 * The timeout is the one guaranteed signalling path of every fence on the
 * ring; completions reported by the hardware are opportunistic.
 */
struct dma_fence_token_ring {
	spinlock_t lock;	/* see above */
	struct dma_fence **slots;
	unsigned long *skip;
	unsigned int capacity;
	unsigned int head;
	unsigned int count;
	unsigned int reserved;
	u64 last_seqno;
	bool has_last;
	unsigned int closing;
	bool dying;
	struct task_struct *signalling_task;
	unsigned long progress_at;
	bool closed;
	unsigned long timeout;
	unsigned long timeouts;
	unsigned long closes;
	atomic_t dump_failures;
	const char *name;
	const struct dma_fence_token_ring_ops *ops;
	struct dma_fence_token_wq *wq;
	struct dma_fence_token_wq_user wq_user;
	struct delayed_work timeout_work;
	bool jobq;
};

/**
 * dma_fence_token_ring_lock - the lock fences of a ring must be initialised with
 * @ring: the ring
 *
 * Pass it to dma_fence_init() for every fence that will go to @ring: one
 * lock round trip then signals a whole batch of completions.
 *
 * Return: the ring's fence lock.
 */
static inline spinlock_t *dma_fence_token_ring_lock(struct dma_fence_token_ring *ring)
{
	return &ring->lock;
}

int __dma_fence_token_ring_init(struct dma_fence_token_ring *ring, const char *name,
				unsigned int capacity, unsigned long timeout,
				struct dma_fence_token_wq *wq,
				const struct dma_fence_token_ring_ops *ops,
				struct lock_class_key *key);

/**
 * dma_fence_token_ring_init - set up a hardware ring
 * @ring: ring to initialise
 * @name: name for reports
 * @capacity: maximum number of pending fences
 * @timeout: jiffies without progress before the oldest fence counts as
 *	hung; 0 makes the ring refuse every transfer
 * @wq: signalling queue that runs the timeout handler; must outlive @ring
 * @ops: driver callbacks, may be %NULL
 *
 * Allocates the slots; the ring's lock gets a lockdep class per call site.
 *
 * Context: process context, allocates with GFP_KERNEL.
 * Return: 0, -EINVAL for a zero capacity or a missing queue, -ENOMEM.
 */
#define dma_fence_token_ring_init(ring, name, capacity, timeout, wq, ops)	\
({									\
	static struct lock_class_key __dft_ring_key;			\
									\
	__dma_fence_token_ring_init((ring), (name), (capacity), (timeout),	\
				 (wq), (ops), &__dft_ring_key);		\
})
void dma_fence_token_ring_fini(struct dma_fence_token_ring *ring);
int dma_fence_token_ring_reserve(struct dma_fence_token_ring *ring, unsigned int n);
void dma_fence_token_ring_unreserve(struct dma_fence_token_ring *ring, unsigned int n);
int __must_check dma_fence_token_ring_push(struct dma_fence_token *tok,
					   struct dma_fence_token_ring *ring,
					   struct dma_fence_token_proof *proof)
	__releases(tok);
int __must_check dma_fence_token_ring_push_error(struct dma_fence_token *tok,
						 struct dma_fence_token_ring *ring,
						 int error,
						 struct dma_fence_token_proof *proof)
	__releases(tok);
unsigned int dma_fence_token_ring_complete(struct dma_fence_token_ring *ring,
					   u64 seqno, int error);
unsigned int dma_fence_token_ring_close(struct dma_fence_token_ring *ring, int error);
int dma_fence_token_ring_reopen(struct dma_fence_token_ring *ring);
void *dma_fence_token_ring_dump_alloc(struct dma_fence_token_ring *ring, size_t size);

/**
 * dma_fence_token_ring_closed - does the ring refuse transfers?
 * @ring: the ring
 *
 * A snapshot: a timeout may close the ring right after.
 *
 * Context: any context.
 * Return: true if the ring is closed (until dma_fence_token_ring_reopen())
 * or torn down.
 */
static inline bool dma_fence_token_ring_closed(struct dma_fence_token_ring *ring)
{
	return READ_ONCE(ring->closed) || !READ_ONCE(ring->slots);
}

/**
 * dma_fence_token_ring_pending - how many fences the ring holds
 * @ring: the ring
 *
 * A snapshot: 0 means every fence handed to the ring so far was signalled.
 *
 * Context: any context.
 * Return: the number of fences on the ring, not signalled by it yet.
 */
static inline unsigned int dma_fence_token_ring_pending(struct dma_fence_token_ring *ring)
{
	return READ_ONCE(ring->count);
}

#endif /* __LINUX_DMA_FENCE_TOKEN_RING_H */
