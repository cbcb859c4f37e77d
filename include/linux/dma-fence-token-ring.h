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
 * @timedout: called on the ring's signalling queue when the oldest fence
 *	made no progress for the ring's timeout, before the ring is closed.
 *	A fence signalling path: no GFP_KERNEL, no dma_resv lock, no fence
 *	wait.  Typically captures a device core dump with
 *	dma_fence_token_ring_dump_alloc() and starts a reset.  May be %NULL.
 */
struct dma_fence_token_ring_ops {
	void (*timedout)(struct dma_fence_token_ring *ring, struct dma_fence *hung);
};

/**
 * struct dma_fence_token_ring - fences handed to hardware, in seqno order
 * @lock: the lock of every fence on the ring (see dma_fence_token_ring_lock());
 *	protects the members below up to @timeouts; taken in hardirq context
 * @slots: pending fences, a circular buffer of @capacity entries
 * @capacity: number of slots, fixed at init
 * @head: index of the oldest pending fence
 * @count: number of pending fences
 * @reserved: slots reserved by dma_fence_token_ring_reserve() and not yet used
 * @last_seqno: seqno of the newest fence handed to the ring
 * @progress_at: jiffies of the last completion, or when the ring got busy
 * @closed: the ring refuses new fences until dma_fence_token_ring_reopen()
 * @timeout: jiffies without progress after which the oldest fence is hung;
 *	0 means no timeout, and then the ring refuses every transfer
 * @timeouts: timeouts that closed the ring
 * @closes: times the ring was closed (timeout, fault, teardown)
 * @dump_failures: core dump allocations that failed
 * @name: name used in reports
 * @ops: driver callbacks
 * @wq: signalling queue that runs the timeout handler
 * @timeout_work: the timeout handler, allocated with the ring
 *
 * The timeout is the one guaranteed signalling path of every fence on the
 * ring; completions reported by the hardware are opportunistic.
 */
struct dma_fence_token_ring {
	spinlock_t lock;	/* see above */
	struct dma_fence **slots;
	unsigned int capacity;
	unsigned int head;
	unsigned int count;
	unsigned int reserved;
	u64 last_seqno;
	unsigned long progress_at;
	bool closed;
	unsigned long timeout;
	unsigned long timeouts;
	unsigned long closes;
	atomic_t dump_failures;
	const char *name;
	const struct dma_fence_token_ring_ops *ops;
	struct dma_fence_token_wq *wq;
	struct delayed_work timeout_work;
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
unsigned int dma_fence_token_ring_complete(struct dma_fence_token_ring *ring,
					   u64 seqno, int error);
unsigned int dma_fence_token_ring_close(struct dma_fence_token_ring *ring, int error);
int dma_fence_token_ring_reopen(struct dma_fence_token_ring *ring);
void *dma_fence_token_ring_dump_alloc(struct dma_fence_token_ring *ring, size_t size);

#endif /* __LINUX_DMA_FENCE_TOKEN_RING_H */
