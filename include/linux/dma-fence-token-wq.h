/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Signalling workqueues: a must-signal token handed to a work item of a
 * reclaim-safe queue.  See the "Signalling workqueues" DOC section of
 * Documentation/driver-api/dma-fence-token.rst.
 */
#ifndef __LINUX_DMA_FENCE_TOKEN_WQ_H
#define __LINUX_DMA_FENCE_TOKEN_WQ_H

#include <linux/dma-fence-token.h>
#include <linux/list.h>
#include <linux/lockdep.h>
#include <linux/spinlock.h>
#include <linux/workqueue.h>

/**
 * struct dma_fence_token_wq - a workqueue that fences may depend on
 * @wq: the workqueue, always WQ_MEM_RECLAIM, owned by the library
 * @lock: protects @held and, for held items, @dead
 * @held: items transferred with dma_fence_token_wq_queue_held() and not
 *	released yet; protected by @lock
 * @dead: set by dma_fence_token_wq_fini(): no item is accepted after it,
 *	and items that have not started are cancelled; read under RCU by
 *	transfers, written under @lock
 * @name: the name given at init, kept by pointer
 * @progress_at: jiffies when an item last finished running (for the
 *	tracker's watchdog); written by the worker, read locklessly
 * @map: lockdep map that stands for "a fence depends on an item of this
 *	queue"; one lockdep class per init call site
 * @wq_map: lockdep map of @wq itself, where the kernel takes one from the
 *	creator (alloc_workqueue_lockdep_map(), v6.11): one class per init
 *	call site too, so that what one queue of a driver teaches lockdep
 *	holds for all of them, and creating a queue registers no lockdep key;
 *	unused before v6.11 (each workqueue has a class of its own there)
 * @users: the hardware rings whose timeout runs on this queue (struct
 *	dma_fence_token_wq_user); protected by @lock
 *
 * Created with dma_fence_token_wq_init() and torn down with
 * dma_fence_token_wq_fini().  There is no way to hand the library a
 * workqueue_struct of the driver: the queue is reclaim-safe by
 * construction.
 */
struct dma_fence_token_wq {
	struct workqueue_struct *wq;
	spinlock_t lock;	/* see above */
	struct list_head held;
	bool dead;
	const char *name;
	unsigned long progress_at;
#ifdef CONFIG_LOCKDEP
	struct lockdep_map map;
	struct lockdep_map wq_map;
#endif
	struct list_head users;
};

/**
 * struct dma_fence_token_wq_user - a user of a queue that must hear of its end
 * @link: entry in &dma_fence_token_wq.users
 * @gone: called by dma_fence_token_wq_fini() before the workqueue is
 *	destroyed, in process context: stop queueing work on it
 *
 * Embedded by the library's hardware rings; not for drivers.
 */
struct dma_fence_token_wq_user {
	struct list_head link;
	void (*gone)(struct dma_fence_token_wq_user *user);
};

/* Flags of dma_fence_token_wq_init(). */
#define DMA_FENCE_TOKEN_WQ_ORDERED	BIT(0)	/* one item at a time, in order */

struct dma_fence_token_wq_item;

/**
 * typedef dma_fence_token_wq_fn - run callback of a signalling work item
 * @work: the item
 * @tok: a live must-signal token for the item's fence, inside the queue's
 *	signalling section
 *
 * Runs on the queue's worker as fence signalling code: the same rules as
 * for any holder of a token apply.  It must discharge @tok (signal, or
 * transfer onward) and return the proof.  After it returns the library
 * does not touch @work again, so the callback may free it.  Annotate the
 * definition with __releases(tok) so that sparse checks every return path.
 *
 * An item that dma_fence_token_wq_fini() cancels still reaches its
 * callback, so that the driver can free what the item owns (its job, a
 * ring reservation): dma_fence_token_wq_item_cancelled() is then true, the
 * fence already carries -ECANCELED, and the callback should only release
 * its resources and signal @tok (the fence keeps -ECANCELED unless the
 * callback passes another error).  A cancelled held item's callback runs
 * in the context of dma_fence_token_wq_fini(), any other on the worker.
 *
 * Return: the proof from discharging @tok.
 */
typedef struct dma_fence_token_proof (*dma_fence_token_wq_fn)(struct dma_fence_token_wq_item *work,
							      struct dma_fence_token *tok);

/**
 * struct dma_fence_token_wq_item - a work item that owes a fence signal
 * @base: the work item
 * @link: entry in the queue's list of held items; protected by the
 *	queue's lock
 * @queue: the queue the item was transferred to
 * @fence: the fence whose obligation the item carries
 * @run: callback, see &typedef dma_fence_token_wq_fn
 * @held: transferred with dma_fence_token_wq_queue_held() and not yet
 *	released; protected by the queue's lock
 * @cancelled: teardown cancelled the item, see
 *	dma_fence_token_wq_item_cancelled()
 * @busy: bit 0 set by a transfer, cleared when the callback starts
 *
 * Embed it in the driver's job and initialise it once with
 * dma_fence_token_wq_item_init().  An item may be queued again once its
 * callback has started.
 */
struct dma_fence_token_wq_item {
	struct work_struct base;
	struct list_head link;
	struct dma_fence_token_wq *queue;
	struct dma_fence *fence;
	dma_fence_token_wq_fn run;
	bool held;
	bool cancelled;
	unsigned long busy;
};

/**
 * dma_fence_token_wq_item_cancelled - was the item cancelled by teardown?
 * @work: item whose run callback is running
 *
 * Context: the item's run callback.
 * Return: true if dma_fence_token_wq_fini() cancelled the item: its
 * callback should free what it owns and signal the token, not run the job.
 */
static inline bool dma_fence_token_wq_item_cancelled(const struct dma_fence_token_wq_item *work)
{
	return work->cancelled;
}

int __dma_fence_token_wq_init(struct dma_fence_token_wq *q, const char *name,
			      unsigned int flags, struct lock_class_key *key);

/**
 * dma_fence_token_wq_init - create a signalling workqueue
 * @q: queue to initialise
 * @name: name of the queue, shown by ps and in lockdep reports; kept by
 *	pointer: a string literal, or a buffer in the driver's engine
 *	structure that outlives the queue (queues initialised at one call
 *	site share a lockdep class whatever their names)
 * @flags: 0 or %DMA_FENCE_TOKEN_WQ_ORDERED
 *
 * Allocates a WQ_MEM_RECLAIM workqueue (its rescuer thread guarantees
 * forward progress under memory pressure) and gives the queue a lockdep
 * class of its own for every call site of this macro.
 *
 * Context: process context, may sleep and allocate.
 * Return: 0 or -ENOMEM.
 */
#define dma_fence_token_wq_init(q, name, flags)				\
({									\
	static struct lock_class_key __dft_wq_key;			\
									\
	__dma_fence_token_wq_init((q), (name), (flags), &__dft_wq_key);	\
})

void dma_fence_token_wq_fini(struct dma_fence_token_wq *q);
void dma_fence_token_wq_flush(struct dma_fence_token_wq *q);
void dma_fence_token_wq_item_init(struct dma_fence_token_wq_item *work,
				  dma_fence_token_wq_fn run);
int __must_check dma_fence_token_wq_queue(struct dma_fence_token *tok,
					  struct dma_fence_token_wq *q,
					  struct dma_fence_token_wq_item *work,
					  struct dma_fence_token_proof *proof)
	__releases(tok);
int __must_check dma_fence_token_wq_queue_held(struct dma_fence_token *tok,
					       struct dma_fence_token_wq *q,
					       struct dma_fence_token_wq_item *work,
					       struct dma_fence_token_proof *proof)
	__releases(tok);
bool dma_fence_token_wq_item_release(struct dma_fence_token_wq_item *work);

#endif /* __LINUX_DMA_FENCE_TOKEN_WQ_H */
