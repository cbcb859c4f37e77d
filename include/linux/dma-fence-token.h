/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Fence signalling tokens: make "a published fence is signalled in finite
 * time" an object that a driver holds and must discharge.
 *
 * The signalling queue is in <linux/dma-fence-token-wq.h>, the hardware
 * ring in <linux/dma-fence-token-ring.h>.  See
 * Documentation/driver-api/dma-fence-token.rst.
 */
#ifndef __LINUX_DMA_FENCE_TOKEN_H
#define __LINUX_DMA_FENCE_TOKEN_H

#include <linux/bug.h>
#include <linux/compiler.h>
#include <linux/dma-fence.h>
#include <linux/err.h>
#include <linux/spinlock.h>
#include <linux/tracepoint-defs.h>
#include <linux/types.h>

/*
 * The token only carries state beyond the fence pointer when something
 * checks it: lockdep (the signalling section cookie) or the runtime tracker.
 * Otherwise every helper below compiles to the plain dma_fence calls.
 */
#if IS_ENABLED(CONFIG_LOCKDEP) || IS_ENABLED(CONFIG_DMA_FENCE_TOKEN_DEBUG)
#define DMA_FENCE_TOKEN_CHECKED 1
#else
#define DMA_FENCE_TOKEN_CHECKED 0
#endif

/**
 * enum dma_fence_token_path - how a must-signal token was discharged
 * @DMA_FENCE_TOKEN_PATH_NONE: not discharged (yet), or withdrawn: a
 *	second token of a fence whose signal another path owes, ended
 *	without a signal after the misuse was reported
 * @DMA_FENCE_TOKEN_PATH_SIGNAL: the fence was signalled by the holder
 * @DMA_FENCE_TOKEN_PATH_PROMISE: the holder promised, unchecked, that the
 *	fence will be signalled (the escape hatch)
 * @DMA_FENCE_TOKEN_PATH_WORKQUEUE: handed to a signalling work item
 * @DMA_FENCE_TOKEN_PATH_HARDWARE: handed to a hardware ring whose timeout
 *	guarantees the signal
 * @DMA_FENCE_TOKEN_PATH_COUNT: number of paths, not a path
 *
 * Exactly one path holds the guarantee for a fence at any time.  Every other
 * signaller is opportunistic and uses dma_fence_token_signal_opportunistic().
 */
enum dma_fence_token_path {
	DMA_FENCE_TOKEN_PATH_NONE,
	DMA_FENCE_TOKEN_PATH_SIGNAL,
	DMA_FENCE_TOKEN_PATH_PROMISE,
	DMA_FENCE_TOKEN_PATH_WORKQUEUE,
	DMA_FENCE_TOKEN_PATH_HARDWARE,
	DMA_FENCE_TOKEN_PATH_COUNT
};

/**
 * enum dma_fence_token_misuse - kinds of misuse the runtime tracker reports
 * @DMA_FENCE_TOKEN_MISUSE_LEAK_SCOPE: a scoped token went out of scope, or
 *	was begun again, or a callback that received a token returned,
 *	while it still owed a signal
 * @DMA_FENCE_TOKEN_MISUSE_LEAK_FREED: the memory holding a token that still
 *	owed a signal was freed
 * @DMA_FENCE_TOKEN_MISUSE_DOUBLE_DISCHARGE: a token was discharged twice
 * @DMA_FENCE_TOKEN_MISUSE_USE_AFTER_DISCHARGE: a discharged token was used
 * @DMA_FENCE_TOKEN_MISUSE_WRONG_FENCE: a proof was presented for another
 *	fence than the one it had to prove
 * @DMA_FENCE_TOKEN_MISUSE_BROKEN_PROMISE: a promised fence was still not
 *	signalled after the watchdog limit
 * @DMA_FENCE_TOKEN_MISUSE_SECOND_GUARANTEE: a second path took on the
 *	guarantee of a fence while another still held it
 * @DMA_FENCE_TOKEN_MISUSE_NO_TIMEOUT: a fence was handed to a hardware ring
 *	that has no timeout, so nothing guarantees its signal
 * @DMA_FENCE_TOKEN_MISUSE_HUNG: an obligation held by a token, a signalling
 *	work item or a hardware ring was still not discharged after the
 *	watchdog limit
 * @DMA_FENCE_TOKEN_MISUSE_FENCE_FREED: the memory of a fence was freed while
 *	a path still owed its signal
 * @DMA_FENCE_TOKEN_MISUSE_WRONG_CONTEXT: a token was discharged or
 *	transferred by another task, or in another context (task, softirq,
 *	hard interrupt), than the one that began it
 * @DMA_FENCE_TOKEN_MISUSE_NOT_BEGUN: a token that was never begun was
 *	discharged
 * @DMA_FENCE_TOKEN_MISUSE_OWED_AT_UNLOAD: the module that provides a
 *	fence's ops was unloaded while the fence's signal was still owed
 * @DMA_FENCE_TOKEN_MISUSE_COUNT: number of kinds, not a kind
 */
enum dma_fence_token_misuse {
	DMA_FENCE_TOKEN_MISUSE_LEAK_SCOPE,
	DMA_FENCE_TOKEN_MISUSE_LEAK_FREED,
	DMA_FENCE_TOKEN_MISUSE_DOUBLE_DISCHARGE,
	DMA_FENCE_TOKEN_MISUSE_USE_AFTER_DISCHARGE,
	DMA_FENCE_TOKEN_MISUSE_WRONG_FENCE,
	DMA_FENCE_TOKEN_MISUSE_BROKEN_PROMISE,
	DMA_FENCE_TOKEN_MISUSE_SECOND_GUARANTEE,
	DMA_FENCE_TOKEN_MISUSE_NO_TIMEOUT,
	DMA_FENCE_TOKEN_MISUSE_HUNG,
	DMA_FENCE_TOKEN_MISUSE_FENCE_FREED,
	DMA_FENCE_TOKEN_MISUSE_WRONG_CONTEXT,
	DMA_FENCE_TOKEN_MISUSE_NOT_BEGUN,
	DMA_FENCE_TOKEN_MISUSE_OWED_AT_UNLOAD,
	DMA_FENCE_TOKEN_MISUSE_COUNT
};

/**
 * struct dma_fence_token - must-signal token: an obligation to signal a fence
 * @fence: the fence that must be signalled; owned by the token holder
 * @section_open: this token opened the signalling critical section (false
 *	when nested in another section or begun in atomic context)
 * @state: tracker state (live or discharged), see the tracker DOC section
 * @path: how the token was discharged
 * @created_at: code address of the dma_fence_token_begin() call
 * @owner: task that began the token and holds its signalling section
 * @context: context level that began it (task, softirq, hard interrupt)
 * @scoped: %__DMA_FENCE_TOKEN_SCOPED if declared with DMA_FENCE_TOKEN():
 *	the scope's cleanup sees a leak, so the tracker needs no debugobject
 *	for the token, nor for its fence until the obligation leaves it
 * @guarded: the fence's guarantee debugobject is active for this token
 * @activated: this token activated that object itself (no other path held
 *	it): a withdrawn token deactivates it again
 * @record: the tracker's record of the obligation, which the token's own
 *	signal ends without a lookup
 *
 * A token is owned by exactly one context.  Declare one on the stack with
 * DMA_FENCE_TOKEN() or embed one in a job.  Its fields are for the library;
 * drivers use the helpers below.
 *
 * Without lockdep and without CONFIG_DMA_FENCE_TOKEN_DEBUG the token is just
 * the fence pointer.
 */
struct dma_fence_token {
	struct dma_fence *fence;
#if DMA_FENCE_TOKEN_CHECKED
	bool section_open;
#endif
#ifdef CONFIG_DMA_FENCE_TOKEN_DEBUG
	unsigned int state;
	enum dma_fence_token_path path;
	unsigned long created_at;
	struct task_struct *owner;
	unsigned int context;
	u32 scoped;
	bool guarded;
	bool activated;
	void *record;
#endif
};

/* Marks a token declared with DMA_FENCE_TOKEN(), for the tracker. */
#define __DMA_FENCE_TOKEN_SCOPED	0x53434f50u
#ifdef CONFIG_DMA_FENCE_TOKEN_DEBUG
#define __DMA_FENCE_TOKEN_INIT		{ .scoped = __DMA_FENCE_TOKEN_SCOPED }
#else
#define __DMA_FENCE_TOKEN_INIT		{}
#endif

/**
 * struct dma_fence_token_proof - will-signal proof for a fence
 * @fence: the fence whose signal is guaranteed; private to the library
 *
 * Only a discharge of a &struct dma_fence_token yields a proof.  Functions
 * that the library calls with a token (signalling work items, for example)
 * return one, so a callee cannot forget to arrange the signal.  The member
 * is sparse-private: code outside the library that reads or writes it gets
 * a sparse warning; and no constructor of a proof is visible outside the
 * library.
 */
struct dma_fence_token_proof {
	struct dma_fence * __private fence;
};

/*
 * Trace events (include/trace/events/dma_fence_token.h).  Without lockdep
 * and the tracker, begin and signal are inline: there a tracepoint costs a
 * static key test, and the event is emitted out of line.
 */
DECLARE_TRACEPOINT(dma_fence_token_create);
DECLARE_TRACEPOINT(dma_fence_token_discharge);
void __dma_fence_token_trace_create(struct dma_fence *fence);
void __dma_fence_token_trace_discharge(struct dma_fence *fence,
				       enum dma_fence_token_path path, int error);

/* Out-of-line backends of the helpers below when something checks tokens. */
void __dma_fence_token_begin(struct dma_fence_token *tok,
			     struct dma_fence *fence, unsigned long ip);
struct dma_fence_token_proof __dma_fence_token_signal(struct dma_fence_token *tok,
						      int error);
struct dma_fence_token_proof __dma_fence_token_promise(struct dma_fence_token *tok);
struct dma_fence *__dma_fence_token_fence(struct dma_fence_token *tok);
void __dma_fence_token_cleanup(struct dma_fence_token *tok);
void __dma_fence_token_proof_end(struct dma_fence_token_proof proof,
				 struct dma_fence *fence);
void __dma_fence_token_count_opportunistic(void);

/*
 * The constructor of a proof for the inline discharges below, and nothing
 * else: it is #undef'd at the end of this header, so a driver that
 * includes it has no way to make a proof but a discharge.  The library's
 * own files have theirs in dma-fence-token-internal.h.
 */
#define __DFT_PROOF(f) ({						\
	struct dma_fence_token_proof __dft_proof;			\
									\
	ACCESS_PRIVATE(&__dft_proof, fence) = (f);			\
	__dft_proof;							\
})

/*
 * Set @error (if any) and signal @fence, unless it is already signalled.
 * Error and signal happen under the fence lock, so a racing signaller can
 * neither overwrite the error of a signalled fence nor signal twice.  With
 * @trace, the discharge event is emitted under the lock, before the
 * callbacks (which may drop the last reference), with the status the fence
 * ends with.  Returns true if this call signalled the fence.  For the
 * inlines below.
 */
static inline bool __dma_fence_token_signal_error(struct dma_fence *fence,
						  int error, bool trace)
{
	unsigned long flags;
	bool signalled = false;

	spin_lock_irqsave(fence->lock, flags);
	if (!test_bit(DMA_FENCE_FLAG_SIGNALED_BIT, &fence->flags)) {
		if (error)
			dma_fence_set_error(fence, error);
		signalled = true;
	}
	if (trace)
		__dma_fence_token_trace_discharge(fence, DMA_FENCE_TOKEN_PATH_SIGNAL,
						  fence->error);
	if (signalled)
		dma_fence_signal_locked(fence);
	spin_unlock_irqrestore(fence->lock, flags);
	return signalled;
}

/* A valid fence error is 0 or a negative errno.  For the inlines below. */
static inline int __dma_fence_token_error(int error)
{
	if (WARN_ON_ONCE(error > 0 || error < -MAX_ERRNO))
		return -EINVAL;
	return error;
}

/*
 * The bodies of begin and signal, shared by the inline production helpers
 * and by the checked backends (which add the lockdep section and the
 * tracker around them): one copy of each operation.
 */
static __always_inline void
__dma_fence_token_begin_body(struct dma_fence_token *tok,
			     struct dma_fence *fence)
{
	WARN_ON_ONCE(!fence);
	tok->fence = fence;
	if (tracepoint_enabled(dma_fence_token_create) && fence)
		__dma_fence_token_trace_create(fence);
}

static __always_inline void
__dma_fence_token_signal_body(struct dma_fence *fence, int error)
{
	if (unlikely(!fence))
		return;
	/* The event carries the status an opportunistic signaller may have set. */
	__dma_fence_token_signal_error(fence, __dma_fence_token_error(error),
				       tracepoint_enabled(dma_fence_token_discharge));
}

static __always_inline void
__dma_fence_token_discharge_body(struct dma_fence *fence,
				 enum dma_fence_token_path path)
{
	if (tracepoint_enabled(dma_fence_token_discharge) && fence)
		__dma_fence_token_trace_discharge(fence, path, 0);
}

/**
 * dma_fence_token_begin - take on the obligation to signal a fence
 * @tok: token to begin, owned by the caller
 * @fence: initialised fence that is about to become visible to others
 *
 * Opens a fence signalling critical section (nesting is allowed, as with
 * dma_fence_begin_signalling()).  From here until the token is discharged,
 * lockdep reports a GFP_KERNEL allocation, a dma_resv lock, a fence wait or
 * any lock that is held elsewhere around a fence wait.  Call it before the
 * fence is published (installed in a dma_resv, exported as a sync_file,
 * returned to a scheduler): from that moment someone may wait on it.
 *
 * The token must be discharged, in the same context, by exactly one of
 * dma_fence_token_signal(), dma_fence_token_promise() or a transfer helper.
 *
 * Context: any context; the lockdep section is only opened in process
 * context with interrupts enabled (see the "Token lifecycle" DOC section).
 */
static __always_inline void dma_fence_token_begin(struct dma_fence_token *tok,
						  struct dma_fence *fence)
	__acquires(tok)
{
	__acquire(tok);
	if (DMA_FENCE_TOKEN_CHECKED)
		/* Inlined: _THIS_IP_ is in the caller, which the tracker names. */
		__dma_fence_token_begin(tok, fence, _THIS_IP_);
	else
		__dma_fence_token_begin_body(tok, fence);
}

/**
 * dma_fence_token_signal - discharge a token by signalling its fence now
 * @tok: live token
 * @error: 0 for success or a negative errno that the fence carries
 *
 * Sets @error on the fence and signals it, then closes the signalling
 * section.  If another, opportunistic, signaller got there first the fence
 * keeps its first status and this is still a valid discharge.  An @error
 * that is neither 0 nor a negative errno is a bug: it warns once and the
 * fence gets -EINVAL.
 *
 * Context: any context; takes the fence lock with interrupts disabled.
 * Return: the proof that the fence is signalled.
 */
static inline struct dma_fence_token_proof __must_check
dma_fence_token_signal(struct dma_fence_token *tok, int error)
	__releases(tok)
{
	__release(tok);
	if (DMA_FENCE_TOKEN_CHECKED)
		return __dma_fence_token_signal(tok, error);
	__dma_fence_token_signal_body(tok->fence, error);
	return __DFT_PROOF(tok->fence);
}

/**
 * dma_fence_token_promise - discharge a token with an unchecked promise
 * @tok: live token
 *
 * The escape hatch (i_promise_it_will_be_signalled() in the discussion
 * that started this library): the caller asserts that some path the
 * library cannot see will signal the fence.  Use it only where no
 * sanctioned path fits, and say in a comment which path keeps the promise.
 * With CONFIG_DMA_FENCE_TOKEN_DEBUG the promise is counted, recorded as the
 * fence's guaranteed path, and reported as broken if the fence is still
 * unsignalled after the watchdog limit.
 *
 * Context: any context.
 * Return: a proof for the fence.
 */
static inline struct dma_fence_token_proof __must_check
dma_fence_token_promise(struct dma_fence_token *tok)
	__releases(tok)
{
	__release(tok);
	if (DMA_FENCE_TOKEN_CHECKED)
		return __dma_fence_token_promise(tok);
	__dma_fence_token_discharge_body(tok->fence, DMA_FENCE_TOKEN_PATH_PROMISE);
	return __DFT_PROOF(tok->fence);
}

/**
 * dma_fence_token_fence - the fence a live token is for
 * @tok: live token
 *
 * Context: any context.
 * Return: the fence, without taking a reference.  Using a discharged token
 * is reported by the tracker (and returns %NULL there).
 */
static inline struct dma_fence *dma_fence_token_fence(struct dma_fence_token *tok)
{
	if (IS_ENABLED(CONFIG_DMA_FENCE_TOKEN_DEBUG))
		return __dma_fence_token_fence(tok);
	return tok->fence;
}

/**
 * dma_fence_token_signal_opportunistic - signal a fence without holding its guarantee
 * @fence: the fence
 * @error: 0 or a negative errno, set only if this call signals the fence
 *
 * For code that may signal a fence early but is not the path that
 * guarantees the signal: a wait ioctl that polls the hardware, an interrupt
 * racing a timeout, a fast path.  It never consumes a token and does nothing
 * if the fence is already signalled, so it can race the guaranteed signaller
 * freely: exactly one of them signals, and the fence keeps that one's error.
 *
 * Context: any context; takes the fence lock with interrupts disabled.
 * Return: true if this call signalled the fence.
 */
static inline bool dma_fence_token_signal_opportunistic(struct dma_fence *fence,
							int error)
{
	bool signalled;

	if (WARN_ON_ONCE(!fence))
		return false;
	signalled = __dma_fence_token_signal_error(fence,
						   __dma_fence_token_error(error),
						   false);
	if (IS_ENABLED(CONFIG_DMA_FENCE_TOKEN_DEBUG) && signalled)
		__dma_fence_token_count_opportunistic();
	return signalled;
}

/**
 * dma_fence_token_proof_end - accept a proof at the top of a call chain
 * @proof: proof returned by a discharge or by a callee that held the token
 * @fence: the fence the proof must be for
 *
 * Discharge helpers are __must_check: a proof has to go somewhere.  Code
 * that passed a token down to a callee and got a proof back ends the chain
 * here.  The tracker reports a proof for another fence than @fence and
 * signals @fence with -ECANCELED, since nobody proved it.
 *
 * Context: any context.
 */
static inline void dma_fence_token_proof_end(struct dma_fence_token_proof proof,
					     struct dma_fence *fence)
{
	if (IS_ENABLED(CONFIG_DMA_FENCE_TOKEN_DEBUG))
		__dma_fence_token_proof_end(proof, fence);
}

/*
 * The cleanup handler of DMA_FENCE_TOKEN(): with the tracker, a token that
 * leaves its scope live is reported.  Not for drivers.
 */
static inline void __dma_fence_token_scope_end(struct dma_fence_token *tok)
{
	if (IS_ENABLED(CONFIG_DMA_FENCE_TOKEN_DEBUG))
		__dma_fence_token_cleanup(tok);
}

/**
 * DMA_FENCE_TOKEN - declare a scoped must-signal token
 * @name: variable name
 *
 * Declares a &struct dma_fence_token on the stack, initialised.  With the
 * runtime tracker, leaving the scope while the token still owes a signal
 * is reported and the fence is signalled with -ECANCELED; otherwise the
 * scope check costs nothing.  Since the scope's end checks the token, the
 * tracker does not also watch its memory with debugobjects: a scoped token
 * is the cheap one to check (see the "Runtime tracker" DOC section).
 */
#define DMA_FENCE_TOKEN(name)						\
	struct dma_fence_token name					\
	__attribute__((__cleanup__(__dma_fence_token_scope_end))) =	\
		__DMA_FENCE_TOKEN_INIT

#undef __DFT_PROOF

#endif /* __LINUX_DMA_FENCE_TOKEN_H */
