// SPDX-License-Identifier: GPL-2.0
/*
 * Fence signalling tokens: the core.  Tokens, proofs and the lockdep
 * signalling section; the runtime tracker sits below, behind the hooks of
 * dma-fence-token-internal.h.
 */

#include <linux/delay.h>
#include <linux/dma-fence-token.h>
#include <linux/lockdep.h>
#include <linux/module.h>
#include <linux/sched.h>
#include <kunit/visibility.h>

#include "dma-fence-token-internal.h"

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
 * - a will-signal proof, &struct dma_fence_token_proof, which only a discharge of
 *   the token produces: dma_fence_token_signal() signals now, with an error
 *   code that cannot be left out; dma_fence_token_wq_queue() hands the
 *   obligation to a signalling work item, dma_fence_token_ring_push() to a
 *   hardware ring whose timeout guarantees the signal;
 *   dma_fence_token_promise() is the audited escape hatch.
 *
 * A complete example: a driver that completes a job synchronously, or fails
 * it, and publishes the fence in a dma_resv first::
 *
 *	static struct dma_fence_token_proof
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
 *		dma_fence_token_proof_end(my_job_finish(job, &tok), &job->fence);
 *		return 0;
 *	}
 *
 * The caller held the dma_resv lock, reserved the slot and did its
 * allocations before dma_fence_token_begin(); after it, my_job_finish() must
 * not allocate with GFP_KERNEL, lock a dma_resv or wait on a fence, and it
 * cannot return without a proof.  dma_fence_token_proof_end() closes the chain and
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
 *   signal the fence uses dma_fence_token_signal_opportunistic(), which never
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
 * its interrupt handler takes), and a section under it would make the
 * section look irq-unsafe against that lock.
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
 * DOC: Locking
 *
 * The library's locks, outermost first; a lock may be taken while holding
 * one above it, never the other way round:
 *
 * 1. A fence's lock.  Every fence of a hardware ring uses the ring's lock
 *    (&dma_fence_token_ring.lock), so the ring lock *is* a fence lock: the ring
 *    signals a batch of completions under it, and therefore every callback
 *    of a ring fence runs with that ring's lock held, in the interrupt
 *    handler too.  Rule: a fence callback never calls a ring function of
 *    the same ring (it would spin on the lock it holds); rings initialised
 *    at one call site share a lockdep class, so lockdep reports a callback
 *    that calls into another ring of the same site as recursive locking.
 *    Hand such work to a signalling work item instead, as simgpu does.
 * 2. A job queue's lock (&dma_fence_token_jobq.lock, irq-safe): its FIFO
 *    and credits.  Taken by the callbacks on the jobs' in-fences and on
 *    their own fences (credit return), so it nests inside fence locks,
 *    the ring's included; no fence is signalled under it.
 * 3. A signalling queue's lock (&dma_fence_token_wq.lock, irq-safe): held
 *    items and teardown.  Taken by dma_fence_token_wq_item_release(), which a
 *    fence callback may call, so it nests inside fence locks, and a job
 *    queue releases its next job under its own lock.
 * 4. The tracker's record lock (dft_ob_lock, irq-safe), innermost: taken by
 *    transfers under the ring lock or the queue lock, and by a promise's
 *    fence callback under the fence lock.  debugobjects' own locks are
 *    below it and are never held when the tracker is called back.
 *
 * Teardown takes no lock across a sleep: a ring's close drops and retakes
 * its lock between batches of 32 fences, and fini waits for the timeout
 * work with no lock held.
 *
 * Lockdep maps are not locks but follow the same discipline: the
 * signalling section (the token's own map, ordered inside dma_fence_map
 * once at module init) is opened by a token and closed by its discharge,
 * in the same context; a queue's map is taken inside the section the
 * worker opens around its item (dma_fence_begin_signalling(), see
 * "Signalling workqueues").
 * Nothing of the library may wait for a fence, take a dma_resv lock or
 * allocate with a reclaim-capable mask while holding any of the locks
 * above.
 */

/**
 * DOC: Layers
 *
 * One public header per object, each with its own prefix:
 * <linux/dma-fence-token.h> (``dma_fence_token_*``: the token, the proof,
 * signal-now, promise, the opportunistic signal),
 * <linux/dma-fence-token-wq.h> (``dma_fence_token_wq_*``: signalling queues
 * and their work items) and <linux/dma-fence-token-ring.h>
 * (``dma_fence_token_ring_*``: hardware rings).  Each includes the one
 * before it.
 *
 * The library's files call only downwards:
 *
 * ============================ ==========================================
 * dma-fence-token-ring.c       hardware rings; uses the queues for its
 *                              timeout handler
 * dma-fence-token-wq.c         signalling queues
 * dma-fence-token.c            tokens, proofs and the lockdep signalling
 *                              section (the core)
 * dma-fence-token-debugfs.c    the tracker's debugfs files, reading it
 * dma-fence-token-debug.c      the runtime tracker: debugobjects, records,
 *                              watchdog, counters
 * dma-fence-token-trace.c      the trace events
 * ============================ ==========================================
 *
 * The core reaches the tracker only through the ``dma_fence_token_debug_*()``
 * hooks of dma-fence-token-internal.h, which are empty inline stubs without
 * CONFIG_DMA_FENCE_TOKEN_DEBUG: a production build has no tracker code at
 * all, and with neither lockdep nor the tracker begin and signal-now are
 * inline.  Each operation has one body (``__dma_fence_token_*_body()`` in
 * the public header) shared by the inline production helper and the
 * checked backend, which wraps it in the lockdep section and the hooks.
 * Where the tracker must make the core act (a leaked token: cancel its
 * fence, close its section), a hook returns what to do; the one action a
 * free fixup needs on the spot is a callback the core hands the tracker at
 * init.
 */

#ifdef CONFIG_LOCKDEP
/*
 * The token's signalling section is its own lockdep map, ordered once, at
 * module init, inside dma_fence_map (dma_fence_begin_signalling()'s map).
 * A section is then one acquisition instead of two, and it sees all that
 * dma_fence_map sees, through that order:
 *
 * - a fence wait acquires dma_fence_map under the token's map: the cycle
 *   token_map -> dma_fence_map -> token_map.  (A wait under a bare
 *   dma_fence_begin_signalling() section records nothing: it releases the
 *   read-held dma_fence_map around its own acquisition.)
 * - a reclaim-capable allocation or a dma_resv lock closes a cycle through
 *   fs_reclaim, the MMU notifier map and dma_fence_map, which dma-resv.c
 *   orders at boot;
 * - a lock taken in the section and held elsewhere around a fence wait:
 *   token_map -> lock -> dma_fence_map -> token_map.
 *
 * A section nested in another token's is not opened again.  Inside a
 * driver's own dma_fence_begin_signalling() section the token's map nests
 * in dma_fence_map, the order taken at init.
 */
static struct lock_class_key dma_fence_token_lock_key;
static struct lockdep_map dma_fence_token_lockdep_map =
	STATIC_LOCKDEP_MAP_INIT("dma_fence_token_section",
				&dma_fence_token_lock_key);

static bool dft_section_held(void)
{
	return lock_is_held(&dma_fence_token_lockdep_map);
}

/* Order the token's map inside dma_fence_map, once. */
static void dft_section_prime(void)
{
	bool cookie = dma_fence_begin_signalling();

	lock_map_acquire(&dma_fence_token_lockdep_map);
	lock_map_release(&dma_fence_token_lockdep_map);
	dma_fence_end_signalling(cookie);
}
#else
static inline bool dft_section_held(void)
{
	return false;
}

static inline void dft_section_prime(void)
{
}
#endif

/* Signal @fence with @error, its lock held by the caller. */
static void dft_signal_fence_locked(struct dma_fence *fence, int error)
{
	if (!fence)
		return;
	lockdep_assert_held(fence->lock);
	if (test_bit(DMA_FENCE_FLAG_SIGNALED_BIT, &fence->flags))
		return;
	error = __dma_fence_token_error(error);
	if (error)
		dma_fence_set_error(fence, error);
	if (tracepoint_enabled(dma_fence_token_discharge))
		__dma_fence_token_trace_discharge(fence, DMA_FENCE_TOKEN_PATH_SIGNAL,
						  fence->error);
	dma_fence_signal_locked(fence);
}

#if DMA_FENCE_TOKEN_CHECKED
/* For the benchmark: dma_fence_token_set_skip(). */
static bool dft_skip_section;

/*
 * Open the token's section unless @nested: a path of the library that
 * hands a token its guarantee (a work item about to run) opened the
 * section itself.
 */
static void dft_section_open(struct dma_fence_token *tok, bool nested)
{
	tok->section_open = false;
	/*
	 * Interrupts off: an irq-safe lock may be held, and a section opened
	 * under it would make the section look irq-unsafe against it (on
	 * kernels without a preempt count, in_atomic() cannot see the lock).
	 * Atomic context (a preempt count, which dma_fence_begin_signalling()
	 * tests the same way): lockdep cannot tell a section from an
	 * interrupt.  Held: nested in
	 * another token's section.  Either way there is nothing to do.
	 */
	if (!IS_ENABLED(CONFIG_LOCKDEP) || nested || irqs_disabled() ||
	    preempt_count() || unlikely(READ_ONCE(dft_skip_section)) ||
	    dft_section_held())
		return;
	lock_map_acquire(&dma_fence_token_lockdep_map);
	tok->section_open = true;
}

static void dft_section_close(struct dma_fence_token *tok)
{
	if (!tok->section_open)
		return;
	tok->section_open = false;
	lock_map_release(&dma_fence_token_lockdep_map);
}

/*
 * Signal @fence with -ECANCELED.  With @freeing, the memory of the token
 * (and maybe of the fence) is being freed by code that may hold the fence's
 * lock (a job freed from a fence callback, which runs under that lock):
 * spin for a bounded time only, and rather leave the fence unsignalled
 * than deadlock.
 */
static void dft_signal_cancel(struct dma_fence *fence, bool freeing)
{
	unsigned long flags;
	unsigned int i;

	if (!freeing) {
		__dma_fence_token_signal_error(fence, -ECANCELED, false);
		return;
	}
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
 * The tracker reported @tok leaked and stopped tracking it: signal its
 * fence (if it has one) with -ECANCELED so that nobody waits forever, end
 * the guarantee, close the section (the tracker cleared it if another
 * context opened it) and drop the tracker's reference.
 */
static void dft_cancel_leaked(struct dma_fence_token *tok, struct dma_fence *fence)
{
	if (fence) {
		dft_signal_cancel(fence, false);
		dma_fence_token_debug_signalled(tok, fence);
	}
	dft_section_close(tok);
	dma_fence_token_debug_put(fence);
}

/*
 * The same from a free fixup: the token's memory, maybe the fence's too, is
 * going away, so the tracker's reference stays (dropping the last one on
 * freed memory is worse than a leak) and the guarantee is ended by the
 * tracker itself.
 */
static void dft_cancel_freeing(struct dma_fence_token *tok, struct dma_fence *fence)
{
	if (fence)
		dft_signal_cancel(fence, true);
	dft_section_close(tok);
}

static const struct dma_fence_token_debug_ops dft_debug_ops = {
	.cancel = dft_cancel_freeing,
};

/**
 * dma_fence_token_set_skip - switch parts of the checking off
 * @skip: %DMA_FENCE_TOKEN_SKIP_* bits
 *
 * For the benchmark only, between batches, with no token live: it shows
 * what the lockdep section and each part of the tracker cost.
 *
 * Context: any context.
 */
void dma_fence_token_set_skip(unsigned int skip)
{
	WRITE_ONCE(dft_skip_section, skip & DMA_FENCE_TOKEN_SKIP_SECTION);
	dma_fence_token_debug_set_skip(skip);
}
EXPORT_SYMBOL_IF_KUNIT(dma_fence_token_set_skip);

static void dft_begin(struct dma_fence_token *tok, struct dma_fence *fence,
		      unsigned long ip, bool new_guarantee, bool in_section)
{
	struct dma_fence *old;

	if (dma_fence_token_debug_leaked(tok, DMA_FENCE_TOKEN_MISUSE_LEAK_SCOPE, &old))
		dft_cancel_leaked(tok, old);
	dma_fence_token_debug_begin(tok, fence, ip, new_guarantee);
	if (new_guarantee)
		__dma_fence_token_begin_body(tok, fence);
	else
		tok->fence = fence;
	dft_section_open(tok, in_section);
}

/* Backend of dma_fence_token_begin() when something checks tokens. */
void __dma_fence_token_begin(struct dma_fence_token *tok,
			     struct dma_fence *fence, unsigned long ip)
{
	dft_begin(tok, fence, ip, true, false);
}
EXPORT_SYMBOL_GPL(__dma_fence_token_begin);

static struct dma_fence_token_proof dft_signal(struct dma_fence_token *tok,
					       int error, bool locked)
{
	struct dma_fence *fence = tok->fence;

	if (!dma_fence_token_debug_discharge(tok, DMA_FENCE_TOKEN_PATH_SIGNAL))
		return __dma_fence_token_proof_make(fence);
	/* Signal inside the section: the callbacks are signalling code. */
	if (locked)
		dft_signal_fence_locked(fence, error);
	else
		__dma_fence_token_signal_body(fence, error);
	/* The tracker's bookkeeping after it: lockdep has less to check. */
	dft_section_close(tok);
	if (fence)
		dma_fence_token_debug_signalled(tok, fence);
	dma_fence_token_debug_put(fence);
	return __dma_fence_token_proof_make(fence);
}

/* Backend of dma_fence_token_signal() when something checks tokens. */
struct dma_fence_token_proof __dma_fence_token_signal(struct dma_fence_token *tok,
						      int error)
{
	return dft_signal(tok, error, false);
}
EXPORT_SYMBOL_GPL(__dma_fence_token_signal);

/*
 * dma_fence_token_signal() for a caller that holds the fence's lock: a
 * ring refusing a transfer from a callback of one of its own fences.
 */
struct dma_fence_token_proof __dma_fence_token_signal_locked(struct dma_fence_token *tok,
							     int error)
	__releases(tok)
{
	__release(tok);
	return dft_signal(tok, error, true);
}

/*
 * Discharge @tok without signalling: a promise, or a transfer that hands
 * the obligation to another path of the library (a work item, a hardware
 * ring), which holds the fence from now on; or, with no path, a withdrawn
 * token (see __dma_fence_token_withdraw()).
 */
static struct dma_fence_token_proof dft_discharge(struct dma_fence_token *tok,
						  enum dma_fence_token_path path,
						  unsigned long ip)
{
	struct dma_fence *fence = tok->fence;

	if (!dma_fence_token_debug_discharge(tok, path))
		return __dma_fence_token_proof_make(fence);
	if (path != DMA_FENCE_TOKEN_PATH_NONE)
		__dma_fence_token_discharge_body(fence, path);
	dft_section_close(tok);
	if (path == DMA_FENCE_TOKEN_PATH_PROMISE && fence)
		dma_fence_token_debug_promise(tok, fence, ip);
	else if (path == DMA_FENCE_TOKEN_PATH_NONE && fence)
		dma_fence_token_debug_withdraw(tok, fence);
	dma_fence_token_debug_put(fence);
	return __dma_fence_token_proof_make(fence);
}

/* Backend of dma_fence_token_promise() when something checks tokens. */
struct dma_fence_token_proof __dma_fence_token_promise(struct dma_fence_token *tok)
{
	return dft_discharge(tok, DMA_FENCE_TOKEN_PATH_PROMISE, _RET_IP_);
}
EXPORT_SYMBOL_GPL(__dma_fence_token_promise);

/* Hand the obligation of @tok to the queue or ring file's path. */
struct dma_fence_token_proof __dma_fence_token_transfer(struct dma_fence_token *tok,
							enum dma_fence_token_path path)
	__releases(tok)
{
	__release(tok);
	return dft_discharge(tok, path, 0);
}

/*
 * End @tok without a signal: it was begun for a fence whose signal a path
 * of the library owes already (a job pushed twice), which was reported.
 * A signal here could come before the hardware is done with the fence.
 * That path's guarantee and record stay; whatever the token took itself
 * goes (its record, and the guarantee object if that path was done).
 */
struct dma_fence_token_proof __dma_fence_token_withdraw(struct dma_fence_token *tok)
	__releases(tok)
{
	__release(tok);
	return dft_discharge(tok, DMA_FENCE_TOKEN_PATH_NONE, 0);
}

/*
 * Begin a token for a fence whose guarantee a path of the library already
 * holds (a work item about to run, a cancelled item): the token continues
 * that guarantee instead of starting a second one.  @in_section: that path
 * opened the signalling section itself (a worker, whose queue's map nests
 * in it), so the token opens none.
 */
void __dma_fence_token_resume(struct dma_fence_token *tok,
			      struct dma_fence *fence, unsigned long ip,
			      bool in_section)
	__acquires(tok)
{
	__acquire(tok);
	dft_begin(tok, fence, ip, false, in_section);
}

/* Backend of dma_fence_token_fence() with the tracker. */
struct dma_fence *__dma_fence_token_fence(struct dma_fence_token *tok)
{
	if (!dma_fence_token_debug_live(tok))
		return NULL;
	return tok->fence;
}
EXPORT_SYMBOL_GPL(__dma_fence_token_fence);

/*
 * Cleanup handler of DMA_FENCE_TOKEN() with the tracker, and the check
 * after a callback that received a token: a token still live is reported
 * and cancelled.
 */
void __dma_fence_token_cleanup(struct dma_fence_token *tok)
{
	struct dma_fence *fence;

	if (dma_fence_token_debug_scope_end(tok, &fence))
		dft_cancel_leaked(tok, fence);
}
EXPORT_SYMBOL_GPL(__dma_fence_token_cleanup);

/* Backend of dma_fence_token_proof_end() with the tracker. */
void __dma_fence_token_proof_end(struct dma_fence_token_proof proof,
				 struct dma_fence *fence)
{
	if (likely(ACCESS_PRIVATE(&proof, fence) == fence))
		return;
	/* No token to name here: point at the caller instead. */
	dma_fence_token_debug_report(DMA_FENCE_TOKEN_MISUSE_WRONG_FENCE, fence,
				     _RET_IP_);
	if (fence)
		__dma_fence_token_signal_error(fence, -ECANCELED, false);
}
EXPORT_SYMBOL_GPL(__dma_fence_token_proof_end);

/*
 * A callback that received @tok for @fence has returned @proof: with the
 * tracker, report a token left live (and signal the fence with -ECANCELED)
 * or a proof for another fence.
 */
void __dma_fence_token_settle(struct dma_fence_token *tok,
			      struct dma_fence_token_proof proof,
			      struct dma_fence *fence)
{
	struct dma_fence *leaked;

	if (!IS_ENABLED(CONFIG_DMA_FENCE_TOKEN_DEBUG))
		return;
	if (dma_fence_token_debug_leaked(tok, DMA_FENCE_TOKEN_MISUSE_LEAK_SCOPE,
					 &leaked))
		dft_cancel_leaked(tok, leaked);
	else
		__dma_fence_token_proof_end(proof, fence);
}

#else
/* Without lockdep and the tracker: the bodies alone. */
struct dma_fence_token_proof __dma_fence_token_transfer(struct dma_fence_token *tok,
							enum dma_fence_token_path path)
	__releases(tok)
{
	__release(tok);
	__dma_fence_token_discharge_body(tok->fence, path);
	return __dma_fence_token_proof_make(tok->fence);
}

struct dma_fence_token_proof __dma_fence_token_withdraw(struct dma_fence_token *tok)
	__releases(tok)
{
	__release(tok);
	return __dma_fence_token_proof_make(tok->fence);
}

void __dma_fence_token_resume(struct dma_fence_token *tok,
			      struct dma_fence *fence, unsigned long ip,
			      bool in_section)
	__acquires(tok)
{
	__acquire(tok);
	tok->fence = fence;
}

struct dma_fence_token_proof __dma_fence_token_signal_locked(struct dma_fence_token *tok,
							     int error)
	__releases(tok)
{
	__release(tok);
	dft_signal_fence_locked(tok->fence, error);
	return __dma_fence_token_proof_make(tok->fence);
}

void __dma_fence_token_settle(struct dma_fence_token *tok,
			      struct dma_fence_token_proof proof,
			      struct dma_fence *fence)
{
}

static const struct dma_fence_token_debug_ops dft_debug_ops;

void dma_fence_token_set_skip(unsigned int skip)
{
}
EXPORT_SYMBOL_IF_KUNIT(dma_fence_token_set_skip);
#endif /* DMA_FENCE_TOKEN_CHECKED */

/*
 * Annotate "this may wait for fences" for lockdep, as dma_fence_wait()
 * does: the kernel's own annotation is not exported, a zero-timeout wait
 * on the always signalled stub fence runs it.
 */
void __dma_fence_token_might_wait(void)
{
	struct dma_fence *stub;

	if (!IS_ENABLED(CONFIG_LOCKDEP))
		return;
	stub = dma_fence_get_stub();
	dma_fence_wait_timeout(stub, false, 0);
	dma_fence_put(stub);
}

static int __init dma_fence_token_init(void)
{
	int ret;

	/* Production builds: a token and a proof are a fence pointer. */
	BUILD_BUG_ON(!DMA_FENCE_TOKEN_CHECKED &&
		     sizeof(struct dma_fence_token) != sizeof(struct dma_fence *));
	BUILD_BUG_ON(sizeof(struct dma_fence_token_proof) != sizeof(struct dma_fence *));
	ret = dma_fence_token_debug_init(&dft_debug_ops);
	if (ret)
		return ret;
	dft_section_prime();
	dma_fence_token_debugfs_init();
	return 0;
}

static void __exit dma_fence_token_exit(void)
{
	dma_fence_token_debugfs_exit();
	dma_fence_token_debug_exit();
}

module_init(dma_fence_token_init);
module_exit(dma_fence_token_exit);

MODULE_DESCRIPTION("DMA fence signalling tokens");
MODULE_LICENSE("GPL");
