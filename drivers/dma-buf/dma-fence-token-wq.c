// SPDX-License-Identifier: GPL-2.0
/*
 * Fence signalling tokens: transfer to a signalling workqueue.
 */

#include <linux/dma-fence-token-wq.h>
#include <linux/lockdep.h>
#include <linux/module.h>
#include <linux/rcupdate.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/workqueue.h>

#include "dma-fence-token-internal.h"
#include <trace/events/dma_fence_token.h>

/**
 * DOC: Signalling workqueues
 *
 * dma_fence_token_wq_queue() moves the obligation of a token to a work
 * item: the submitter's token is discharged and the item's run callback
 * receives a fresh token for the same fence, which it must discharge in
 * turn (signal, queue onward, hand to hardware) and whose proof it returns.
 *
 * Rules, and why:
 *
 * - The queue is always WQ_MEM_RECLAIM.  A fence may wait for an item of
 *   the queue; a queue without a rescuer may need to create a worker
 *   thread, which allocates, which may wait for reclaim, which may wait for
 *   the fence.  A driver cannot pass its own workqueue_struct (6.1 cannot
 *   even tell whether one has the flag): the library allocates the queue.
 * - Every queue has a lockdep map of its own class (one per init call site,
 *   named after the queue).  The worker takes it, as a shared lock, *inside*
 *   the signalling section it opens for the callback: begin_signalling,
 *   queue map, run, release, end.  A fence wait in the callback then closes
 *   a cycle with the section and is reported.  Holding the map around the
 *   section instead, or using the kernel's own work or workqueue maps (held
 *   outside the work function), produces false reports.
 * - The submitter touches the map inside its own signalling section, as a
 *   recursive read: lockdep's chains then show that the signalling path
 *   continues on this queue.  A transfer never waits, so the touch is not
 *   allowed to close a cycle of its own: a chain of items that hands a
 *   fence from queue A to B and another from B to A is correct and stays
 *   silent.  Waiting for a queue (flush, fini) takes the map exclusively.
 *   A transfer with interrupts off does not touch the map, for the reason
 *   the token opens no section there (see the token lifecycle).
 * - Never flush a signalling queue or cancel_work_sync() one of its items
 *   from a signalling section: that waits for fences.  The kernel's
 *   workqueue annotations report it.  dma_fence_token_wq_fini() flushes,
 *   so it may not be called from a signalling section either.
 * - Teardown never leaves a fence unsignalled: items that have not started
 *   when dma_fence_token_wq_fini() runs are cancelled: their fences get
 *   -ECANCELED and their run callbacks still run, told so by
 *   dma_fence_token_wq_item_cancelled(), to free what the items own; items
 *   that have started finish.  A transfer
 *   to a queue that is being torn down is refused with -ESHUTDOWN and the
 *   fence is signalled with -ECANCELED.
 * - A transfer takes no lock of its own: it checks under RCU that the
 *   queue is alive and queues the item.  Teardown marks the queue dead and
 *   waits for a grace period, after which no transfer can queue an item;
 *   it then drains the queue, and every item that starts after the mark
 *   signals its fence with -ECANCELED instead of running its callback.
 * - A job that must wait for other fences first (its dependencies) is
 *   transferred with dma_fence_token_wq_queue_held() by the submitter,
 *   which keeps the rule "discharge in the context that began": the item
 *   owes the signal from then on but does not run until
 *   dma_fence_token_wq_item_release(), which a fence callback may call in any
 *   context.  Until then teardown treats it like any item that has not
 *   started: cancelled, its fence signalled with -ECANCELED.  Held items
 *   sit on a list under the queue's lock; only they take it.
 */

#if defined(DFT_HAVE_ALLOC_WORKQUEUE_LOCKDEP_MAP) && defined(CONFIG_LOCKDEP)
/*
 * The workqueue's own map is subclass 1 of the init site's key: the worker
 * holds it around every item, and @q->map (subclass 0) nests inside.
 */
static struct workqueue_struct *dft_wq_alloc(struct dma_fence_token_wq *q,
					     const char *name, unsigned int flags,
					     struct lock_class_key *key)
{
	lockdep_init_map(&q->wq_map, name, key, 1);
	if (flags & DMA_FENCE_TOKEN_WQ_ORDERED)
		return alloc_ordered_workqueue_lockdep_map("%s", WQ_MEM_RECLAIM,
							   &q->wq_map, name);
	return alloc_workqueue_lockdep_map("%s", WQ_MEM_RECLAIM, 0, &q->wq_map,
					   name);
}
#else
static struct workqueue_struct *dft_wq_alloc(struct dma_fence_token_wq *q,
					     const char *name, unsigned int flags,
					     struct lock_class_key *key)
{
	if (flags & DMA_FENCE_TOKEN_WQ_ORDERED)
		return alloc_ordered_workqueue("%s", WQ_MEM_RECLAIM, name);
	return alloc_workqueue("%s", WQ_MEM_RECLAIM, 0, name);
}
#endif

int __dma_fence_token_wq_init(struct dma_fence_token_wq *q, const char *name,
			      unsigned int flags, struct lock_class_key *key)
{
	if (WARN_ON_ONCE(flags & ~DMA_FENCE_TOKEN_WQ_ORDERED))
		return -EINVAL;

	q->wq = dft_wq_alloc(q, name, flags, key);
	if (!q->wq)
		return -ENOMEM;

	spin_lock_init(&q->lock);
	INIT_LIST_HEAD(&q->held);
	INIT_LIST_HEAD(&q->users);
	q->dead = false;
	q->name = name;
	q->progress_at = jiffies;
	lockdep_init_map(&q->map, name, key, 0);
	return 0;
}
EXPORT_SYMBOL_GPL(__dma_fence_token_wq_init);

/*
 * Teardown cancels @work: its fence gets -ECANCELED now (a callback that
 * signals with 0 keeps it) and its callback learns it.
 */
static void dft_work_mark_cancelled(struct dma_fence_token_wq_item *work)
{
	struct dma_fence *fence = work->fence;
	unsigned long flags;

	work->cancelled = true;
	spin_lock_irqsave(fence->lock, flags);
	if (!test_bit(DMA_FENCE_FLAG_SIGNALED_BIT, &fence->flags))
		dma_fence_set_error(fence, -ECANCELED);
	spin_unlock_irqrestore(fence->lock, flags);
}

/*
 * A held item that teardown cancels: its callback runs here, cancelled,
 * so that the driver frees what it owns; @work may be gone afterwards.
 */
static void dft_work_cancel_held(struct dma_fence_token_wq_item *work)
{
	struct dma_fence *fence = work->fence;
	struct dma_fence_token_proof proof;
	struct dma_fence_token tok = {};

	dft_work_mark_cancelled(work);
	dma_fence_token_debug_move(fence, DFT_OB_RUNNING, work->queue->name, NULL);
	clear_bit(0, &work->busy);
	__dma_fence_token_resume(&tok, fence, _THIS_IP_, false);
	proof = work->run(work, &tok);
	__release(&tok);	/* discharged by the callback, checked below */
	__dma_fence_token_settle(&tok, proof, fence);
	dma_fence_put(fence);
}

/**
 * dma_fence_token_wq_fini - tear down a signalling workqueue
 * @q: queue from dma_fence_token_wq_init(); zeroed memory is accepted too
 *
 * Refuses new items, cancels the items that have not started and signals
 * their fences with -ECANCELED, waits for the items that have started and
 * frees the workqueue.  Always legal after init, also with items in flight.
 *
 * Context: process context, may sleep; never from a signalling section.
 */
void dma_fence_token_wq_fini(struct dma_fence_token_wq *q)
{
	struct dma_fence_token_wq_item *work, *next;
	LIST_HEAD(cancelled);

	if (!q->wq)
		return;

	/* This waits for queued fence signalling work: a fence wait. */
	__dma_fence_token_might_wait();
	lock_map_acquire(&q->map);
	lock_map_release(&q->map);

	/* After the grace period no transfer can queue an item any more. */
	spin_lock_irq(&q->lock);
	WRITE_ONCE(q->dead, true);
	spin_unlock_irq(&q->lock);
	synchronize_rcu();

	/* Held items will never be released now: cancel them here. */
	spin_lock_irq(&q->lock);
	list_for_each_entry_safe(work, next, &q->held, link) {
		work->held = false;
		list_move_tail(&work->link, &cancelled);
	}
	spin_unlock_irq(&q->lock);
	list_for_each_entry_safe(work, next, &cancelled, link) {
		list_del_init(&work->link);
		dft_work_cancel_held(work);
	}
	/*
	 * A job queue's interrupt may have taken one of them for its batch
	 * before it was cancelled (__dma_fence_token_wq_item_run() then finds
	 * it not held, under @q's lock): such batches run in interrupts,
	 * which are RCU readers, so this waits for them to end.
	 */
	synchronize_rcu();

	/* Rings still using the queue (a driver bug): they stop using it. */
	spin_lock_irq(&q->lock);
	while (!list_empty(&q->users)) {
		struct dma_fence_token_wq_user *user =
			list_first_entry(&q->users, struct dma_fence_token_wq_user, link);

		list_del_init(&user->link);
		spin_unlock_irq(&q->lock);
		user->gone(user);
		spin_lock_irq(&q->lock);
	}
	spin_unlock_irq(&q->lock);

	/* Items that have not started see @dead: they only signal. */
	destroy_workqueue(q->wq);
	q->wq = NULL;
}
EXPORT_SYMBOL_GPL(dma_fence_token_wq_fini);

/**
 * dma_fence_token_wq_flush - wait for the items queued so far
 * @q: signalling queue
 *
 * Waits until every item queued on @q before the call has finished
 * running; held items that were not released yet are not waited for.  The
 * queue keeps accepting items.
 *
 * Context: process context, may sleep; never from a signalling section
 * (it waits for fence signalling work).
 */
void dma_fence_token_wq_flush(struct dma_fence_token_wq *q)
{
	struct workqueue_struct *wq = READ_ONCE(q->wq);

	if (!wq)
		return;
	__dma_fence_token_might_wait();
	lock_map_acquire(&q->map);
	lock_map_release(&q->map);
	flush_workqueue(wq);
}
EXPORT_SYMBOL_GPL(dma_fence_token_wq_flush);

/* A ring attaches itself to the queue that runs its timeout. */
int __dma_fence_token_wq_attach(struct dma_fence_token_wq *q,
				struct dma_fence_token_wq_user *user)
{
	int ret = 0;

	spin_lock_irq(&q->lock);
	if (q->dead || !q->wq)
		ret = -ESHUTDOWN;
	else
		list_add_tail(&user->link, &q->users);
	spin_unlock_irq(&q->lock);
	return ret;
}

/* The ring is torn down first, as it should be. */
void __dma_fence_token_wq_detach(struct dma_fence_token_wq *q,
				 struct dma_fence_token_wq_user *user)
{
	spin_lock_irq(&q->lock);
	list_del_init(&user->link);
	spin_unlock_irq(&q->lock);
}

static void dft_work_fn(struct work_struct *base)
{
	struct dma_fence_token_wq_item *work =
		container_of(base, struct dma_fence_token_wq_item, base);
	struct dma_fence_token_wq *q = work->queue;
	struct dma_fence *fence = work->fence;
	dma_fence_token_wq_fn run = work->run;
	struct dma_fence_token_proof proof;
	struct dma_fence_token tok = {};
	bool cookie;

	/* Teardown began before this item started: cancel it. */
	if (unlikely(READ_ONCE(q->dead)))
		dft_work_mark_cancelled(work);
	/* Started: the callback may transfer the item again. */
	clear_bit(0, &work->busy);

	/* begin_signalling -> queue map -> run -> release -> end */
	cookie = dma_fence_begin_signalling();
	lock_acquire_shared(&q->map, 0, 0, NULL, _THIS_IP_);
	dma_fence_token_debug_move(fence, DFT_OB_RUNNING, q->name, NULL);
	__dma_fence_token_resume(&tok, fence, _THIS_IP_, true);
	proof = run(work, &tok);
	__release(&tok);	/* discharged by the callback, checked below */
	/* @work may be gone now; @tok and @fence are still ours. */
	__dma_fence_token_settle(&tok, proof, fence);
	/* Progress of the queue, for the watchdog: an item ran to its end. */
	WRITE_ONCE(q->progress_at, jiffies);
	lock_map_release(&q->map);
	dma_fence_end_signalling(cookie);
	dma_fence_put(fence);
}

/**
 * dma_fence_token_wq_item_init - initialise a signalling work item
 * @work: item, embedded in the driver's job
 * @run: callback that receives the fence's token and returns the proof
 *
 * Context: any context.
 */
void dma_fence_token_wq_item_init(struct dma_fence_token_wq_item *work,
				  dma_fence_token_wq_fn run)
{
	INIT_WORK(&work->base, dft_work_fn);
	INIT_LIST_HEAD(&work->link);
	work->queue = NULL;
	work->fence = NULL;
	work->run = run;
	work->held = false;
	work->cancelled = false;
	work->busy = 0;
}
EXPORT_SYMBOL_GPL(dma_fence_token_wq_item_init);

/*
 * Queue or hold @work for @fence, unless @q is going or @work is busy.  A
 * held item is added under @q's lock, which the caller holds for it.
 */
static int dft_queue_item(struct dma_fence_token_wq *q,
			  struct dma_fence_token_wq_item *work,
			  struct dma_fence *fence, bool held)
{
	struct workqueue_struct *wq = READ_ONCE(q->wq);

	if (READ_ONCE(q->dead) || !wq)
		return -ESHUTDOWN;
	if (WARN_ON_ONCE(test_and_set_bit(0, &work->busy))) {
		/*
		 * Transferred and its callback not started: queued, or held
		 * on this queue or another.  The bit, set by one transfer
		 * only, also keeps two racing transfers apart.
		 */
		return -EBUSY;
	}
	work->queue = q;
	work->fence = dma_fence_get(fence);
	work->held = held;
	work->cancelled = false;
	/*
	 * A held item waits for its dependencies, which are not this queue's
	 * progress: it is overdue only when no tracked fence anywhere was
	 * signalled for the limit.
	 */
	dma_fence_token_debug_move(fence, DFT_OB_QUEUED, q->name,
				   held ? dma_fence_token_debug_any_progress() :
					   &q->progress_at);
	trace_dma_fence_token_transfer(fence, DMA_FENCE_TOKEN_PATH_WORKQUEUE, q->name);
	if (held)
		list_add_tail(&work->link, &q->held);
	else
		queue_work(wq, &work->base);
	return 0;
}

static int dft_queue_work(struct dma_fence_token *tok,
			  struct dma_fence_token_wq *q,
			  struct dma_fence_token_wq_item *work,
			  struct dma_fence_token_proof *proof, bool held,
			  unsigned long ip)
	__releases(tok)
{
	struct dma_fence *fence = dma_fence_token_fence(tok);
	unsigned long flags;
	int ret;

	if (!fence)
		return __dma_fence_token_refuse(tok, NULL, proof, -EINVAL);

	dma_fence_token_debug_handover(tok, fence, ip);
	__dma_fence_token_depend_on_queue(q);

	/*
	 * dma_fence_token_wq_fini() sets @dead, then waits for this RCU
	 * section to end; a held item also takes the lock, which fini takes
	 * to collect the held items.
	 */
	rcu_read_lock();
	if (held) {
		spin_lock_irqsave(&q->lock, flags);
		ret = dft_queue_item(q, work, fence, true);
		spin_unlock_irqrestore(&q->lock, flags);
	} else {
		ret = dft_queue_item(q, work, fence, false);
	}
	rcu_read_unlock();

	if (ret)
		return __dma_fence_token_refuse(tok, fence, proof, ret);
	*proof = __dma_fence_token_transfer(tok, DMA_FENCE_TOKEN_PATH_WORKQUEUE);
	return 0;
}

/**
 * dma_fence_token_wq_queue - transfer a token to a signalling work item
 * @tok: live token of the submitter
 * @q: signalling queue
 * @work: initialised item that is not queued
 * @proof: receives the proof for the fence, in every case
 *
 * Discharges @tok: from now on @work owes the signal, and its run callback
 * gets a token for the fence on @q's worker.  The item holds a fence
 * reference until its callback has returned.  Touches @q's lockdep map
 * inside the caller's signalling section, so lockdep learns that this path
 * depends on the queue.
 *
 * If @q is being torn down the transfer is refused: the fence is signalled
 * with -ECANCELED and the token is discharged all the same.
 *
 * Context: any context; does not sleep or allocate.
 * Return: 0, -ESHUTDOWN if @q no longer accepts items, -EBUSY (and a
 * warning) if @work is still queued; in both error cases the fence has
 * been signalled with -ECANCELED.
 */
int dma_fence_token_wq_queue(struct dma_fence_token *tok,
			     struct dma_fence_token_wq *q,
			     struct dma_fence_token_wq_item *work,
			     struct dma_fence_token_proof *proof)
	__releases(tok)
{
	return dft_queue_work(tok, q, work, proof, false, _RET_IP_);
}
EXPORT_SYMBOL_GPL(dma_fence_token_wq_queue);

/**
 * dma_fence_token_wq_queue_held - transfer a token to an item that waits
 * @tok: live token of the submitter
 * @q: signalling queue
 * @work: initialised item that is not queued
 * @proof: receives the proof for the fence, in every case
 *
 * As dma_fence_token_wq_queue(), but the item is held: it owes the
 * signal from now on and is cancelled by dma_fence_token_wq_fini() like
 * any item that has not started, but it runs only once
 * dma_fence_token_wq_item_release() is called.  For jobs that wait for other
 * fences: the submitter transfers its token here, and the callback of the
 * last dependency releases the item.  Whoever releases it must do so in
 * finite time (a fence callback of a dependency does).
 *
 * Context: any context; does not sleep or allocate.
 * Return: as dma_fence_token_wq_queue().
 */
int dma_fence_token_wq_queue_held(struct dma_fence_token *tok,
				  struct dma_fence_token_wq *q,
				  struct dma_fence_token_wq_item *work,
				  struct dma_fence_token_proof *proof)
	__releases(tok)
{
	return dft_queue_work(tok, q, work, proof, true, _RET_IP_);
}
EXPORT_SYMBOL_GPL(dma_fence_token_wq_queue_held);

/*
 * Take a held item back from its queue and run its callback, cancelled,
 * in the caller's context (a job queue cancelling its jobs in order).
 * Returns false if the item was not held: it runs, or ran, elsewhere.
 */
bool __dma_fence_token_wq_item_cancel(struct dma_fence_token_wq_item *work)
{
	struct dma_fence_token_wq *q = READ_ONCE(work->queue);
	unsigned long flags;
	bool held;

	if (!q)
		return false;
	spin_lock_irqsave(&q->lock, flags);
	held = work->held;
	if (held) {
		work->held = false;
		list_del_init(&work->link);
	}
	spin_unlock_irqrestore(&q->lock, flags);
	if (held)
		dft_work_cancel_held(work);
	return held;
}

/*
 * Take a held item back from its queue and run its callback here, in the
 * caller's context and a signalling section of its own, as the worker
 * would (a job queue running a job that a completion in interrupt
 * context released).  Returns false if the item was not held, or its
 * queue is being torn down: it runs, ran or will be cancelled elsewhere.
 */
bool __dma_fence_token_wq_item_run(struct dma_fence_token_wq_item *work)
{
	struct dma_fence_token_wq *q = READ_ONCE(work->queue);
	struct dma_fence *fence = work->fence;
	struct dma_fence_token_proof proof;
	struct dma_fence_token tok = {};
	unsigned long flags;
	bool cookie, held;

	if (!q)
		return false;
	spin_lock_irqsave(&q->lock, flags);
	held = work->held && !q->dead;
	if (held) {
		work->held = false;
		list_del_init(&work->link);
	}
	spin_unlock_irqrestore(&q->lock, flags);
	if (!held)
		return false;

	clear_bit(0, &work->busy);
	cookie = dma_fence_begin_signalling();
	dma_fence_token_debug_move(fence, DFT_OB_RUNNING, q->name, NULL);
	__dma_fence_token_resume(&tok, fence, _THIS_IP_, true);
	proof = work->run(work, &tok);
	__release(&tok);	/* discharged by the callback, checked below */
	__dma_fence_token_settle(&tok, proof, fence);
	WRITE_ONCE(q->progress_at, jiffies);
	dma_fence_end_signalling(cookie);
	dma_fence_put(fence);
	return true;
}

/**
 * dma_fence_token_wq_item_release - let a held item run
 * @work: item transferred with dma_fence_token_wq_queue_held()
 *
 * Queues the item on its queue.  Does nothing if the item is not held, for
 * example because teardown already cancelled it.
 *
 * Context: any context where a spinlock_t may be taken, fence callbacks and
 * interrupt handlers included (on PREEMPT_RT not a _HARD hrtimer, an
 * IRQF_NO_THREAD handler or under a raw spinlock); does not sleep or
 * allocate.
 * Return: true if the item was queued.
 */
bool dma_fence_token_wq_item_release(struct dma_fence_token_wq_item *work)
{
	struct dma_fence_token_wq *q = READ_ONCE(work->queue);
	unsigned long flags;
	bool queued = false;

	if (WARN_ON_ONCE(!q))
		return false;
	spin_lock_irqsave(&q->lock, flags);
	if (work->held && !q->dead) {
		work->held = false;
		list_del_init(&work->link);
		dma_fence_token_debug_move(work->fence, DFT_OB_QUEUED, q->name,
					   &q->progress_at);
		queued = queue_work(q->wq, &work->base);
	}
	spin_unlock_irqrestore(&q->lock, flags);
	return queued;
}
EXPORT_SYMBOL_GPL(dma_fence_token_wq_item_release);
