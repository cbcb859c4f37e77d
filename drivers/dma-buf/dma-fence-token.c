// SPDX-License-Identifier: GPL-2.0
/*
 * Fence signalling tokens: core, signal-now, promise and runtime tracker.
 */

#include <linux/debugobjects.h>
#include <linux/delay.h>
#include <linux/dma-fence-token.h>
#include <linux/jiffies.h>
#include <linux/lockdep.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/preempt.h>
#include <linux/sched.h>
#include <linux/sched/task_stack.h>
#include <linux/spinlock.h>
#include <linux/workqueue.h>
#include <kunit/visibility.h>

#include "dma-fence-token-internal.h"

#define CREATE_TRACE_POINTS
#include <trace/events/dma_fence_token.h>

EXPORT_TRACEPOINT_SYMBOL_GPL(dma_fence_token_create);
EXPORT_TRACEPOINT_SYMBOL_GPL(dma_fence_token_discharge);

/**
 * DOC: Overview
 *
 * A &struct dma_fence that has been published must be signalled in finite
 * time, and everything on the way to that signal is a fence signalling
 * critical path (see the "Indefinite DMA Fences" and "DMA Fence Signalling
 * Annotations" sections of the dma-buf documentation).  The helpers here
 * turn that obligation into an object:
 *
 * - a must-signal token, &struct dma_fence_token, begun with
 *   dma_fence_token_begin() just before the fence becomes visible.  While it
 *   is live the holder is inside a signalling critical section and lockdep
 *   reports what is forbidden there;
 * - a will-signal proof, &struct dma_fence_proof, which only a discharge of
 *   the token produces: dma_fence_token_signal() signals now, with an error
 *   code that cannot be left out; dma_fence_token_queue_work() hands the
 *   obligation to a signalling work item, dma_fence_token_to_hw() to a
 *   hardware ring whose timeout guarantees the signal;
 *   dma_fence_token_promise() is the audited escape hatch.
 *
 * A complete example: a driver that completes a job synchronously, or fails
 * it, and publishes the fence in a dma_resv first::
 *
 *	static struct dma_fence_proof
 *	my_job_finish(struct my_job *job, struct dma_fence_token *tok)
 *	{
 *		int err = my_hw_copy_sync(job);	// no allocation, no waits
 *
 *		return dma_fence_token_signal(tok, err);
 *	}
 *
 *	int my_submit(struct my_job *job, struct dma_resv *resv)
 *	{
 *		DMA_FENCE_TOKEN(tok);
 *		int ret;
 *
 *		// Everything that may sleep or allocate happens first.
 *		ret = my_job_prepare(job);	// GFP_KERNEL is fine here
 *		if (ret)
 *			return ret;
 *		ret = dma_resv_reserve_fences(resv, 1);
 *		if (ret)
 *			return ret;
 *
 *		dma_fence_init(&job->fence, &my_fence_ops, &job->lock,
 *			       job->ctx, job->seqno);
 *		dma_fence_token_begin(&tok, &job->fence);
 *		dma_resv_add_fence(resv, &job->fence, DMA_RESV_USAGE_WRITE);
 *		dma_fence_proof_end(my_job_finish(job, &tok), &job->fence);
 *		return 0;
 *	}
 *
 * The caller held the dma_resv lock, reserved the slot and did its
 * allocations before dma_fence_token_begin(); after it, my_job_finish() must
 * not allocate with GFP_KERNEL, lock a dma_resv or wait on a fence, and it
 * cannot return without a proof.  dma_fence_proof_end() closes the chain and
 * checks that the proof is for the fence that was owed.
 */

/**
 * DOC: Contract
 *
 * - Begin a token before the fence is published and discharge it exactly
 *   once, in the context that began it.  Tokens nest: a token begun inside
 *   another signalling section joins that section.
 * - Between begin and discharge the code is a signalling critical path.
 *   It must not allocate memory that can recurse into reclaim (GFP_KERNEL,
 *   GFP_NOFS, GFP_NOIO; use GFP_NOWAIT or GFP_ATOMIC and handle failure),
 *   take a dma_resv lock, wait on any fence, or take a lock that is held
 *   elsewhere around a fence wait.  Lockdep reports each of these the first
 *   time it happens, with the token's section in the dependency chain.
 * - Exactly one path guarantees the signal of a fence: the holder of the
 *   token, or whoever the token was transferred to.  Everyone else that may
 *   signal the fence uses dma_fence_signal_opportunistic(), which never
 *   overrides the status of a signalled fence.
 * - The error a fence is signalled with is part of the discharge: 0 for
 *   success or a negative errno.  Cleanup paths use -ECANCELED, timeouts
 *   -ETIMEDOUT.
 * - A deadlock through a signalling path looks like this::
 *
 *	submit ioctl                        shrinker
 *	dma_fence_token_begin(&tok, f);
 *	kmalloc(GFP_KERNEL) -> reclaim ---> evicts a BO, waits on f
 *	dma_fence_token_signal(&tok, 0);    ... never reached
 */

/**
 * DOC: Token lifecycle
 *
 * A token is in one of three states: unused (zeroed, as DMA_FENCE_TOKEN()
 * declares it), live (between dma_fence_token_begin() and a discharge) and
 * discharged.  Only a live token may be discharged or queried with
 * dma_fence_token_fence().  Discharging returns a proof and leaves the token
 * discharged; it may then be begun again for another fence.
 *
 * In atomic context (hard or soft interrupt, interrupts off, spinlock held
 * on kernels that count preemption) the token opens no section; there the
 * might_sleep() and reclaim checks of the kernel catch blocking calls
 * instead.  With interrupts off this is on purpose even where lockdep could
 * tell: an irq-safe lock may be held (a driver that submits under the lock
 * its interrupt handler takes), and a section under it would make
 * dma_fence_map look irq-unsafe against that lock.
 *
 * Static checking: every discharge is __must_check and the helpers carry
 * sparse context annotations, so sparse warns about a function that leaves
 * with a token still live on some return path ("context imbalance ...
 * wrong count at exit") and about a second discharge ("unexpected unlock").
 * Sparse counts all contexts of a function together, so an unrelated lock
 * released on the same path can hide a leak; it does not follow tokens
 * stored in structures or passed between functions.  The runtime tracker
 * covers what sparse cannot see.
 */

/**
 * DOC: Runtime tracker
 *
 * With CONFIG_DMA_FENCE_TOKEN_DEBUG every live token is a debugobject and
 * holds a reference to its fence.  The tracker reports, with a warning
 * that starts with "dma_fence_token:" and names the fence and where its
 * token was begun:
 *
 * - a token that leaves the scope of DMA_FENCE_TOKEN() live, or that is
 *   begun again while live (the fence is signalled with -ECANCELED);
 * - memory holding a live token, or a fence whose signal a token, queue or
 *   ring still owes, that is freed by any allocator (kfree(), kfree_rcu(),
 *   kmem_cache_free(), vfree(), a thread's stack; found by
 *   CONFIG_DEBUG_OBJECTS_FREE), with the fence in the same allocation or
 *   not: the fence is signalled with -ECANCELED while its memory is still
 *   there, and the free goes on;
 * - a token discharged or transferred by another task, or in another
 *   context (task, softirq, hard interrupt), than the one that began it,
 *   including tokens that opened no lockdep section (the fence is still
 *   signalled);
 * - a second discharge, the use of a discharged token, and the discharge
 *   of a token that was never begun;
 * - a proof presented to dma_fence_proof_end() for another fence (the owed
 *   fence is signalled with -ECANCELED);
 * - a second path taking on the guarantee of a fence while another holds
 *   it (a debugobject at the fence's address is active for as long as a
 *   token, work item, ring or promise owes the signal);
 * - a transfer to a hardware ring without a timeout;
 * - a signalling work item whose run callback returns with its token still
 *   live (the fence is signalled with -ECANCELED);
 * - a promised fence still unsignalled after the watchdog limit (reported
 *   once as a broken promise), and any other obligation whose path made no
 *   progress for that limit (reported once as hung), see "Obligations,
 *   watchdog and debugfs".
 *
 * The first five reports of a boot are warnings with a backtrace; later
 * ones are one rate-limited line each that ends with how many reports of
 * that kind there were, as debugobjects does.  Each report also bumps a
 * counter, see dma_fence_token_get_stats(), and emits the
 * dma_fence_token_misuse trace event.  The recovery signals the fence so
 * that nothing waits forever; the report is still a bug in the driver.
 */

/**
 * DOC: Locking
 *
 * The library's locks, outermost first; a lock may be taken while holding
 * one above it, never the other way round:
 *
 * 1. A fence's lock.  Every fence of a hardware ring uses the ring's lock
 *    (&dma_fence_hw_ring.lock), so the ring lock *is* a fence lock: the ring
 *    signals a batch of completions under it, and therefore every callback
 *    of a ring fence runs with that ring's lock held, in the interrupt
 *    handler too.  Rule: a fence callback never calls a ring function of
 *    the same ring (it would spin on the lock it holds); rings initialised
 *    at one call site share a lockdep class, so lockdep reports a callback
 *    that calls into another ring of the same site as recursive locking.
 *    Hand such work to a signalling work item instead, as simgpu does.
 * 2. A signalling queue's lock (&dma_fence_signal_wq.lock, irq-safe): held
 *    items and teardown.  Taken by dma_fence_signal_work_release(), which a
 *    fence callback may call, so it nests inside fence locks.
 * 3. The tracker's record lock (dft_ob_lock, irq-safe), innermost: taken by
 *    transfers under the ring lock or the queue lock, and by a promise's
 *    fence callback under the fence lock.  debugobjects' own locks are
 *    below it and are never held when the tracker is called back.
 *
 * Teardown takes no lock across a sleep: a ring's close drops and retakes
 * its lock between batches of 32 fences, and fini waits for the timeout
 * work with no lock held.
 *
 * Lockdep maps are not locks but follow the same discipline: the
 * signalling section (dma_fence_map, and the token's own map that makes a
 * fence wait in it visible) is opened by a token and closed by its
 * discharge, in the same context; a queue's map is taken inside the
 * section of the worker that runs its item (see "Signalling workqueues").
 * Nothing of the library may wait for a fence, take a dma_resv lock or
 * allocate with a reclaim-capable mask while holding any of the locks
 * above.
 */

/**
 * DOC: Trace events
 *
 * The trace system ``dma_fence_token`` (include/trace/events/
 * dma_fence_token.h) has one event per transition of an obligation, in
 * every build; without lockdep and the tracker the inline helpers test a
 * static key and emit the event out of line:
 *
 * - ``dma_fence_token_create``: a token was begun (driver, timeline,
 *   context, seqno).  The token a signalling work item's callback receives
 *   continues an obligation and is not a creation;
 * - ``dma_fence_token_discharge``: a token was discharged, with the path
 *   (signal, promise, workqueue, hardware) and the error it signalled;
 * - ``dma_fence_token_transfer``: the obligation moved to the signalling
 *   queue or hardware ring named ``to``;
 * - ``dma_fence_token_complete_batch``: one dma_fence_hw_ring_complete()
 *   took ``count`` fences off a ring, up to ``seqno``;
 * - ``dma_fence_token_timeout``: a ring's timeout fired for a hung fence;
 * - ``dma_fence_token_ring_close``: a ring was closed, ``count`` pending
 *   fences signalled, the oldest with ``error``;
 * - ``dma_fence_token_misuse``: the tracker reported a misuse, by kind
 *   (only with CONFIG_DMA_FENCE_TOKEN_DEBUG, which detects them).
 *
 * Record them with trace-cmd (``trace-cmd record -e dma_fence_token``) or
 * through tracefs: ``echo 1 > /sys/kernel/tracing/events/dma_fence_token/enable``.
 */

#ifdef CONFIG_LOCKDEP
/*
 * The token's own lockdep map, taken inside dma_fence_begin_signalling().
 * A fence wait releases and retakes the (read-held) dma_fence_map around
 * its own acquisition, so a wait under a bare signalling section records
 * nothing.  With this map held, the wait records token_map -> dma_fence_map
 * against the dma_fence_map -> token_map of the section: a cycle lockdep
 * reports.
 */
static struct lock_class_key dma_fence_token_lock_key;
static struct lockdep_map dma_fence_token_lockdep_map =
	STATIC_LOCKDEP_MAP_INIT("dma_fence_token_section",
				&dma_fence_token_lock_key);
#endif

#if DMA_FENCE_TOKEN_CHECKED
static void dft_section_open(struct dma_fence_token *tok)
{
#ifdef CONFIG_LOCKDEP
	tok->section_open = false;
	/*
	 * Interrupts off: an irq-safe lock may be held, and a section opened
	 * under it would make dma_fence_map look irq-unsafe against it (on
	 * kernels without a preempt count, dma_fence_begin_signalling() cannot
	 * see the lock).  Cookie true: nested in another section, or atomic
	 * context where lockdep cannot tell a section from an interrupt.
	 * Either way there is nothing to do.
	 */
	if (irqs_disabled() || dma_fence_begin_signalling())
		return;
	lock_map_acquire(&dma_fence_token_lockdep_map);
	tok->section_open = true;
#endif
}

static void dft_section_close(struct dma_fence_token *tok)
{
#ifdef CONFIG_LOCKDEP
	if (!tok->section_open)
		return;
	tok->section_open = false;
	lock_map_release(&dma_fence_token_lockdep_map);
	dma_fence_end_signalling(false);
#endif
}
#endif /* DMA_FENCE_TOKEN_CHECKED */

#ifdef CONFIG_DMA_FENCE_TOKEN_DEBUG

#define DFT_STATE_LIVE	0x4c495645u
#define DFT_STATE_DONE	0x444f4e45u

static const char * const dft_misuse_name[DMA_FENCE_TOKEN_MISUSE_COUNT] = {
	[DMA_FENCE_TOKEN_MISUSE_LEAK_SCOPE] = "leaked token (scope left or begun again while live)",
	[DMA_FENCE_TOKEN_MISUSE_LEAK_FREED] = "leaked token (freed while live)",
	[DMA_FENCE_TOKEN_MISUSE_DOUBLE_DISCHARGE] = "token discharged twice",
	[DMA_FENCE_TOKEN_MISUSE_USE_AFTER_DISCHARGE] = "token used after discharge",
	[DMA_FENCE_TOKEN_MISUSE_WRONG_FENCE] = "proof for the wrong fence",
	[DMA_FENCE_TOKEN_MISUSE_BROKEN_PROMISE] = "broken promise (fence not signalled in time)",
	[DMA_FENCE_TOKEN_MISUSE_SECOND_GUARANTEE] =
		"second guaranteed signalling path for one fence",
	[DMA_FENCE_TOKEN_MISUSE_NO_TIMEOUT] = "transfer to hardware without a timeout",
	[DMA_FENCE_TOKEN_MISUSE_HUNG] = "hung obligation (fence not signalled in time)",
	[DMA_FENCE_TOKEN_MISUSE_FENCE_FREED] = "fence freed while its signal is owed",
	[DMA_FENCE_TOKEN_MISUSE_WRONG_CONTEXT] =
		"token discharged in another task or context than the one that began it",
	[DMA_FENCE_TOKEN_MISUSE_NOT_BEGUN] = "token discharged without a begin",
	[DMA_FENCE_TOKEN_MISUSE_OWED_AT_UNLOAD] =
		"fence still owed when the module of its ops was unloaded",
};

/* The context level a token is begun and must be discharged in. */
static unsigned int dft_context(void)
{
	if (in_nmi())
		return 3;
	if (in_hardirq())
		return 2;
	if (in_serving_softirq())
		return 1;
	return 0;
}

/*
 * Reports are full warnings with a backtrace for the first few, then one
 * rate-limited line each, as debugobjects does: a driver that repeats a
 * misuse in a loop must not flood the log (or panic a panic_on_warn
 * machine over and over).  The counters count every report.
 */
#define DFT_WARN_LIMIT	5
static atomic_t dft_warnings;

static atomic_long_t dft_created;
static atomic_long_t dft_discharged[DMA_FENCE_TOKEN_PATH_COUNT];
static atomic_long_t dft_opportunistic;
static atomic_long_t dft_misuse[DMA_FENCE_TOKEN_MISUSE_COUNT];
static const struct debug_obj_descr dft_debug_descr;

/* Returns true for a full report, false for a rate-limited line. */
static bool dft_warn(enum dma_fence_token_misuse kind, struct dma_fence *fence,
		     unsigned long created_at)
{
	long n = atomic_long_inc_return(&dft_misuse[kind]);
	bool full = atomic_inc_return(&dft_warnings) <= DFT_WARN_LIMIT;

	trace_dma_fence_token_misuse(kind, fence);
	if (fence && full)
		WARN(1, "dma_fence_token: %s: fence %s:%s context %llu seqno %llu, token begun at %pS\n",
		     dft_misuse_name[kind], fence->ops->get_driver_name(fence),
		     fence->ops->get_timeline_name(fence), fence->context,
		     fence->seqno, (void *)created_at);
	else if (full && !created_at)
		WARN(1, "dma_fence_token: %s\n", dft_misuse_name[kind]);
	else if (full)
		WARN(1, "dma_fence_token: %s: token begun at %pS\n",
		     dft_misuse_name[kind], (void *)created_at);
	else if (fence)
		pr_warn_ratelimited("dma_fence_token: %s: fence %s:%s context %llu seqno %llu, token begun at %pS (report %ld of this kind)\n",
				    dft_misuse_name[kind],
				    fence->ops->get_driver_name(fence),
				    fence->ops->get_timeline_name(fence),
				    fence->context, fence->seqno,
				    (void *)created_at, n);
	else
		pr_warn_ratelimited("dma_fence_token: %s: token begun at %pS (report %ld of this kind)\n",
				    dft_misuse_name[kind], (void *)created_at, n);
	return full;
}

/* Report a misuse found by another part of the library. */
bool __dma_fence_token_report(enum dma_fence_token_misuse kind,
			      struct dma_fence *fence, unsigned long ip)
{
	return dft_warn(kind, fence, ip);
}

/* A discharged token no longer references its fence: name it by address. */
static void dft_warn_stale(enum dma_fence_token_misuse kind,
			   struct dma_fence_token *tok)
{
	long n = atomic_long_inc_return(&dft_misuse[kind]);

	trace_dma_fence_token_misuse(kind, NULL);
	if (atomic_inc_return(&dft_warnings) <= DFT_WARN_LIMIT)
		WARN(1, "dma_fence_token: %s: fence %p (already discharged), token begun at %pS\n",
		     dft_misuse_name[kind], tok->fence, (void *)tok->created_at);
	else
		pr_warn_ratelimited("dma_fence_token: %s: fence %p (already discharged), token begun at %pS (report %ld of this kind)\n",
				    dft_misuse_name[kind], tok->fence,
				    (void *)tok->created_at, n);
}

static void dft_track_start(struct dma_fence_token *tok)
{
	if (object_is_on_stack(tok))
		debug_object_init_on_stack(tok, &dft_debug_descr);
	else
		debug_object_init(tok, &dft_debug_descr);
	debug_object_activate(tok, &dft_debug_descr);
}

static void dft_track_stop(struct dma_fence_token *tok,
			   enum dma_fence_token_path path)
{
	tok->state = DFT_STATE_DONE;
	tok->path = path;
	debug_object_deactivate(tok, &dft_debug_descr);
	debug_object_free(tok, &dft_debug_descr);
}

/*
 * Signal @fence -ECANCELED from a free fixup.  The code that frees it may
 * hold the fence's lock (a job freed from a fence callback, which runs
 * under that lock): spin for a bounded time only, and rather leave the
 * fence unsignalled than deadlock; its memory is going away anyway.
 */
static void dft_signal_freeing(struct dma_fence *fence)
{
	unsigned long flags;
	unsigned int i;

	for (i = 0; i < 1000; i++) {
		if (spin_trylock_irqsave(fence->lock, flags)) {
			if (!test_bit(DMA_FENCE_FLAG_SIGNALED_BIT, &fence->flags)) {
				dma_fence_set_error(fence, -ECANCELED);
				dma_fence_signal_locked(fence);
			}
			spin_unlock_irqrestore(fence->lock, flags);
			return;
		}
		udelay(1);
	}
	pr_warn_ratelimited("dma_fence_token: the code freeing fence %p holds its lock: left unsignalled\n",
			    fence);
}

/*
 * A live token was lost: report, signal the fence with -ECANCELED so that
 * nobody waits forever, close the section if this context opened it.  @put
 * is false when the token's memory is being freed: the fence may live in
 * the same allocation, so the tracker's reference is left behind rather
 * than risk dropping the last one on freed memory.
 */
static void dft_recover_leak(struct dma_fence_token *tok,
			     enum dma_fence_token_misuse kind, bool put)
{
	struct dma_fence *fence = tok->fence;

	dft_warn(kind, fence, tok->created_at);
	dft_track_stop(tok, DMA_FENCE_TOKEN_PATH_NONE);
	if (fence) {
		if (put)
			__dma_fence_signal_error(fence, -ECANCELED);
		else
			dft_signal_freeing(fence);
		__dma_fence_guarantee_end(fence);
	}
	/* A fixup in an interrupt on top of the owner must not close it. */
	if (tok->owner == current && tok->context == dft_context())
		dft_section_close(tok);
	if (put)
		dma_fence_put(fence);
}

/*
 * The memory of a tracked token is being freed.  debugobjects calls this
 * for an active object and scans the memory again afterwards, endlessly if
 * the object is still active: whatever the token's memory says, the object
 * leaves the active state here.
 */
static bool dft_fixup_free(void *addr, enum debug_obj_state state)
{
	struct dma_fence_token *tok = addr;
	struct dma_fence *fence;
	unsigned long ip = 0;

	if (state != ODEBUG_STATE_ACTIVE)
		return false;
	if (tok->state == DFT_STATE_LIVE) {
		dft_recover_leak(tok, DMA_FENCE_TOKEN_MISUSE_LEAK_FREED, false);
		return true;
	}
	/*
	 * Live, but the memory was rewritten before it was freed (a thread's
	 * stack is cleared for reuse): the record still knows the fence.
	 */
	fence = __dft_ob_token_fence(tok, &ip);
	dft_warn(DMA_FENCE_TOKEN_MISUSE_LEAK_FREED, fence, ip);
	debug_object_deactivate(tok, &dft_debug_descr);
	debug_object_free(tok, &dft_debug_descr);
	if (fence) {
		dft_signal_freeing(fence);
		__dma_fence_guarantee_end(fence);
		/* The lookup's reference; the token's own one is left behind. */
		dma_fence_put(fence);
	}
	return true;
}

static void *dft_debug_hint(void *addr)
{
	return (void *)((struct dma_fence_token *)addr)->created_at;
}

static const struct debug_obj_descr dft_debug_descr = {
	.name		= "dma_fence_token",
	.debug_hint	= dft_debug_hint,
	.fixup_free	= dft_fixup_free,
};

/*
 * The guarantee of a fence: exactly one path at a time owes its signal.  A
 * debugobject at the fence's address is active from the moment a token is
 * begun for it until the path that holds the guarantee signals it (a
 * token, a work item, a hardware ring) or, for a promise, until it is
 * signalled.  Starting a second guarantee while one is active is reported.
 */
static const struct debug_obj_descr dft_guarantee_descr;

static bool dft_guarantee_fixup_init(void *addr, enum debug_obj_state state)
{
	struct dma_fence *fence = addr;

	if (state != ODEBUG_STATE_ACTIVE)
		return false;
	dft_warn(DMA_FENCE_TOKEN_MISUSE_SECOND_GUARANTEE, fence, _RET_IP_);
	/* The newest path holds it from now on: reactivated by the caller. */
	debug_object_deactivate(addr, &dft_guarantee_descr);
	return true;
}

/*
 * The memory of a fence is being freed while a path owes its signal.  If a
 * live token holds it, that token is recovered (one report, the fence ends
 * -ECANCELED while its memory is still there).  Otherwise a queue or ring
 * holds it: reported, and the tracker forgets the fence without touching
 * it again.  Either way the guarantee leaves the active state, or
 * debugobjects would scan the memory forever.
 */
static bool dft_guarantee_fixup_free(void *addr, enum debug_obj_state state)
{
	struct dma_fence *fence = addr;
	struct dma_fence_token *tok;

	if (state != ODEBUG_STATE_ACTIVE)
		return false;
	tok = __dft_ob_token(fence);
	if (tok && tok->state == DFT_STATE_LIVE && tok->fence == fence) {
		dft_recover_leak(tok, DMA_FENCE_TOKEN_MISUSE_FENCE_FREED, false);
		/* Whatever discharges @tok later finds it discharged. */
		tok->fence = NULL;
		return true;
	}
	dft_warn(DMA_FENCE_TOKEN_MISUSE_FENCE_FREED, fence, 0);
	__dft_ob_forget(fence);
	debug_object_deactivate(fence, &dft_guarantee_descr);
	debug_object_free(fence, &dft_guarantee_descr);
	return true;
}

static const struct debug_obj_descr dft_guarantee_descr = {
	.name		= "dma_fence_guarantee",
	.fixup_init	= dft_guarantee_fixup_init,
	.fixup_free	= dft_guarantee_fixup_free,
};

static void dft_guarantee_start(struct dma_fence *fence)
{
	if (object_is_on_stack(fence))
		debug_object_init_on_stack(fence, &dft_guarantee_descr);
	else
		debug_object_init(fence, &dft_guarantee_descr);
	debug_object_activate(fence, &dft_guarantee_descr);
}

/* The path that held the guarantee of @fence has signalled it. */
void __dma_fence_guarantee_end(struct dma_fence *fence)
{
	debug_object_deactivate(fence, &dft_guarantee_descr);
	debug_object_free(fence, &dft_guarantee_descr);
	__dft_ob_end(fence);
}

/*
 * Returns true if @tok is live and may be discharged; reports and returns
 * false otherwise.
 */
static bool dft_discharge(struct dma_fence_token *tok,
			  enum dma_fence_token_path path)
{
	if (tok->state != DFT_STATE_LIVE) {
		if (tok->state == DFT_STATE_DONE)
			dft_warn_stale(DMA_FENCE_TOKEN_MISUSE_DOUBLE_DISCHARGE, tok);
		else
			dft_warn(DMA_FENCE_TOKEN_MISUSE_NOT_BEGUN, NULL, 0);
		return false;
	}
	if (unlikely(tok->owner != current || tok->context != dft_context())) {
		/*
		 * Still discharged, so that the fence ends signalled; the
		 * section, if any, belongs to the owner and cannot be closed
		 * from here.
		 */
		dft_warn(DMA_FENCE_TOKEN_MISUSE_WRONG_CONTEXT, tok->fence,
			 tok->created_at);
#ifdef CONFIG_LOCKDEP
		tok->section_open = false;
#endif
	}
	dft_track_stop(tok, path);
	atomic_long_inc(&dft_discharged[path]);
	return true;
}

/**
 * dma_fence_token_get_stats - read the tracker's counters
 * @stats: filled with a snapshot of the counters
 *
 * Context: any context.
 */
void dma_fence_token_get_stats(struct dma_fence_token_stats *stats)
{
	unsigned int i;

	memset(stats, 0, sizeof(*stats));
	stats->created = atomic_long_read(&dft_created);
	for (i = 0; i < DMA_FENCE_TOKEN_PATH_COUNT; i++)
		stats->discharged[i] = atomic_long_read(&dft_discharged[i]);
	stats->opportunistic = atomic_long_read(&dft_opportunistic);
	for (i = 0; i < DMA_FENCE_TOKEN_MISUSE_COUNT; i++)
		stats->misuse[i] = atomic_long_read(&dft_misuse[i]);
	__dft_ob_stats(stats);
}
EXPORT_SYMBOL_GPL(dma_fence_token_get_stats);

/* Called by dma_fence_signal_opportunistic() when it signalled. */
void __dma_fence_token_count_opportunistic(void)
{
	atomic_long_inc(&dft_opportunistic);
}
EXPORT_SYMBOL_GPL(__dma_fence_token_count_opportunistic);

/* Cleanup handler of DMA_FENCE_TOKEN(). */
void __dma_fence_token_scope_end(struct dma_fence_token *tok)
{
	if (tok->state == DFT_STATE_LIVE)
		dft_recover_leak(tok, DMA_FENCE_TOKEN_MISUSE_LEAK_SCOPE, true);
}
EXPORT_SYMBOL_GPL(__dma_fence_token_scope_end);

/* Backend of dma_fence_proof_end() with the tracker. */
void __dma_fence_proof_end(struct dma_fence_proof proof, struct dma_fence *fence)
{
	if (likely(ACCESS_PRIVATE(&proof, fence) == fence))
		return;
	/* No token to name here: point at the caller instead. */
	dft_warn(DMA_FENCE_TOKEN_MISUSE_WRONG_FENCE, fence, _RET_IP_);
	if (fence)
		__dma_fence_signal_error(fence, -ECANCELED);
}
EXPORT_SYMBOL_GPL(__dma_fence_proof_end);

#endif /* CONFIG_DMA_FENCE_TOKEN_DEBUG */

/* Out-of-line halves of the trace points in the inline helpers. */
void __dma_fence_token_trace_create(struct dma_fence *fence)
{
	trace_dma_fence_token_create(fence);
}
EXPORT_SYMBOL_GPL(__dma_fence_token_trace_create);

void __dma_fence_token_trace_discharge(struct dma_fence *fence,
				       enum dma_fence_token_path path, int error)
{
	trace_dma_fence_token_discharge(fence, path, error);
}
EXPORT_SYMBOL_GPL(__dma_fence_token_trace_discharge);

#if DMA_FENCE_TOKEN_CHECKED

static void dft_begin(struct dma_fence_token *tok, struct dma_fence *fence,
		      unsigned long ip, bool new_guarantee)
{
#ifdef CONFIG_DMA_FENCE_TOKEN_DEBUG
	if (tok->state == DFT_STATE_LIVE)
		dft_recover_leak(tok, DMA_FENCE_TOKEN_MISUSE_LEAK_SCOPE, true);
	tok->state = DFT_STATE_LIVE;
	tok->path = DMA_FENCE_TOKEN_PATH_NONE;
	tok->created_at = ip;
	tok->owner = current;
	tok->context = dft_context();
	dft_track_start(tok);
	atomic_long_inc(&dft_created);
	dma_fence_get(fence);
	if (new_guarantee && fence) {
		dft_guarantee_start(fence);
		/* Before the section opens: may save a stack (GFP_NOWAIT). */
		__dft_ob_begin(fence, tok, ip);
	}
#endif
	WARN_ON_ONCE(!fence);
	tok->fence = fence;
	if (new_guarantee && fence)
		trace_dma_fence_token_create(fence);
	dft_section_open(tok);
}

/* Backend of dma_fence_token_begin() when something checks tokens. */
void __dma_fence_token_begin(struct dma_fence_token *tok,
			     struct dma_fence *fence, unsigned long ip)
{
	dft_begin(tok, fence, ip, true);
}
EXPORT_SYMBOL_GPL(__dma_fence_token_begin);

/*
 * Begin a token for a fence whose guarantee a path of the library already
 * holds (a work item about to run, a cancelled item): the token continues
 * that guarantee instead of starting a second one.
 */
void __dma_fence_token_resume(struct dma_fence_token *tok,
			      struct dma_fence *fence, unsigned long ip)
	__acquires(tok)
{
	__acquire(tok);
	dft_begin(tok, fence, ip, false);
}

/* Backend of dma_fence_token_signal() when something checks tokens. */
struct dma_fence_proof __dma_fence_token_signal(struct dma_fence_token *tok,
						int error)
{
	struct dma_fence *fence = tok->fence;

	error = __dma_fence_token_error(error);
#ifdef CONFIG_DMA_FENCE_TOKEN_DEBUG
	if (!dft_discharge(tok, DMA_FENCE_TOKEN_PATH_SIGNAL))
		return __dma_fence_proof_make(fence);
#endif
	/* Signal inside the section: the callbacks are signalling code. */
	if (fence) {
		trace_dma_fence_token_discharge(fence, DMA_FENCE_TOKEN_PATH_SIGNAL,
						error);
		__dma_fence_signal_error(fence, error);
#ifdef CONFIG_DMA_FENCE_TOKEN_DEBUG
		__dma_fence_guarantee_end(fence);
#endif
	}
	dft_section_close(tok);
#ifdef CONFIG_DMA_FENCE_TOKEN_DEBUG
	dma_fence_put(fence);
#endif
	return __dma_fence_proof_make(fence);
}
EXPORT_SYMBOL_GPL(__dma_fence_token_signal);

/* Backend of dma_fence_token_promise() when something checks tokens. */
struct dma_fence_proof __dma_fence_token_promise(struct dma_fence_token *tok)
{
	struct dma_fence *fence = tok->fence;

#ifdef CONFIG_DMA_FENCE_TOKEN_DEBUG
	if (!dft_discharge(tok, DMA_FENCE_TOKEN_PATH_PROMISE))
		return __dma_fence_proof_make(fence);
	/* Unwatched (no record): the guarantee ends here. */
	if (fence && !__dft_ob_promise(fence))
		__dma_fence_guarantee_end(fence);
#endif
	if (fence)
		trace_dma_fence_token_discharge(fence, DMA_FENCE_TOKEN_PATH_PROMISE, 0);
	dft_section_close(tok);
#ifdef CONFIG_DMA_FENCE_TOKEN_DEBUG
	dma_fence_put(fence);
#endif
	return __dma_fence_proof_make(fence);
}
EXPORT_SYMBOL_GPL(__dma_fence_token_promise);

/* Backend of dma_fence_token_fence() when something checks tokens. */
struct dma_fence *__dma_fence_token_fence(struct dma_fence_token *tok)
{
#ifdef CONFIG_DMA_FENCE_TOKEN_DEBUG
	if (tok->state != DFT_STATE_LIVE) {
		dft_warn_stale(DMA_FENCE_TOKEN_MISUSE_USE_AFTER_DISCHARGE, tok);
		return NULL;
	}
#endif
	return tok->fence;
}
EXPORT_SYMBOL_GPL(__dma_fence_token_fence);

#endif /* DMA_FENCE_TOKEN_CHECKED */

#if DMA_FENCE_TOKEN_CHECKED
/*
 * Discharge @tok by handing its obligation to another path of the library
 * (a work item, a hardware ring), which holds the fence from now on.
 */
struct dma_fence_proof __dma_fence_token_transfer(struct dma_fence_token *tok,
						  enum dma_fence_token_path path)
	__releases(tok)
{
	struct dma_fence *fence = tok->fence;

	__release(tok);
#ifdef CONFIG_DMA_FENCE_TOKEN_DEBUG
	if (!dft_discharge(tok, path))
		return __dma_fence_proof_make(fence);
#endif
	if (fence)
		trace_dma_fence_token_discharge(fence, path, 0);
#if DMA_FENCE_TOKEN_CHECKED
	dft_section_close(tok);
#endif
#ifdef CONFIG_DMA_FENCE_TOKEN_DEBUG
	dma_fence_put(fence);
#endif
	return __dma_fence_proof_make(fence);
}
#endif /* DMA_FENCE_TOKEN_CHECKED */

#ifdef CONFIG_DMA_FENCE_TOKEN_DEBUG
/*
 * A callback that received @tok for @fence has returned @proof: with the
 * tracker, report a token left live (and signal the fence with -ECANCELED)
 * or a proof for another fence.
 */
void __dma_fence_token_settle(struct dma_fence_token *tok,
			      struct dma_fence_proof proof,
			      struct dma_fence *fence)
{
	if (tok->state == DFT_STATE_LIVE) {
		dft_recover_leak(tok, DMA_FENCE_TOKEN_MISUSE_LEAK_SCOPE, true);
		return;
	}
	__dma_fence_proof_end(proof, fence);
}
#endif

/*
 * Annotate "this may wait for fences" for lockdep, as dma_fence_wait()
 * does: the kernel's own annotation is not exported, a zero-timeout wait
 * on the always signalled stub fence runs it.
 */
void __dma_fence_token_might_wait(void)
{
#ifdef CONFIG_LOCKDEP
	struct dma_fence *stub = dma_fence_get_stub();

	dma_fence_wait_timeout(stub, false, 0);
	dma_fence_put(stub);
#endif
}

static int __init dma_fence_token_init(void)
{
	/* Production builds: a token and a proof are a fence pointer. */
	BUILD_BUG_ON(!DMA_FENCE_TOKEN_CHECKED &&
		     sizeof(struct dma_fence_token) != sizeof(struct dma_fence *));
	BUILD_BUG_ON(sizeof(struct dma_fence_proof) != sizeof(struct dma_fence *));
#ifdef CONFIG_DMA_FENCE_TOKEN_DEBUG
	return __dft_ob_init();
#else
	return 0;
#endif
}

static void __exit dma_fence_token_exit(void)
{
#ifdef CONFIG_DMA_FENCE_TOKEN_DEBUG
	__dft_ob_exit();
#endif
}

module_init(dma_fence_token_init);
module_exit(dma_fence_token_exit);

MODULE_DESCRIPTION("DMA fence signalling tokens");
MODULE_LICENSE("GPL");
