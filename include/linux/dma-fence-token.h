/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Fence signalling tokens: make "a published fence is signalled in finite
 * time" an object that a driver holds and must discharge.
 *
 * See Documentation/driver-api/dma-fence-token.rst.
 */
#ifndef __LINUX_DMA_FENCE_TOKEN_H
#define __LINUX_DMA_FENCE_TOKEN_H

#include <linux/bug.h>
#include <linux/compiler.h>
#include <linux/dma-fence.h>
#include <linux/err.h>
#include <linux/spinlock.h>
#include <linux/string.h>
#include <linux/tracepoint-defs.h>
#include <linux/types.h>
#include <linux/workqueue.h>

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
 * @DMA_FENCE_TOKEN_PATH_NONE: not discharged (yet)
 * @DMA_FENCE_TOKEN_PATH_SIGNAL: the fence was signalled by the holder
 * @DMA_FENCE_TOKEN_PATH_PROMISE: the holder promised, unchecked, that the
 *	fence will be signalled (the escape hatch)
 * @DMA_FENCE_TOKEN_PATH_WORKQUEUE: handed to a signalling work item
 * @DMA_FENCE_TOKEN_PATH_HARDWARE: handed to a hardware ring whose timeout
 *	guarantees the signal
 * @DMA_FENCE_TOKEN_PATH_COUNT: number of paths, not a path
 *
 * Exactly one path holds the guarantee for a fence at any time.  Every other
 * signaller is opportunistic and uses dma_fence_signal_opportunistic().
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
 *	was begun again, while it still owed a signal
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
#ifdef CONFIG_LOCKDEP
	bool section_open;
#endif
#ifdef CONFIG_DMA_FENCE_TOKEN_DEBUG
	unsigned int state;
	enum dma_fence_token_path path;
	unsigned long created_at;
	struct task_struct *owner;
	unsigned int context;
#endif
};

/**
 * struct dma_fence_proof - will-signal proof for a fence
 * @fence: the fence whose signal is guaranteed; private to the library
 *
 * Only a discharge of a &struct dma_fence_token yields a proof.  Functions
 * that the library calls with a token (signalling work items, for example)
 * return one, so a callee cannot forget to arrange the signal.  The member
 * is sparse-private: code outside the library that reads or writes it gets
 * a sparse warning; and no constructor of a proof is visible outside the
 * library.
 */
struct dma_fence_proof {
	struct dma_fence * __private fence;
};

/**
 * struct dma_fence_token_stats - tracker counters
 * @created: tokens begun
 * @discharged: tokens discharged, per &enum dma_fence_token_path
 * @opportunistic: fences signalled by dma_fence_signal_opportunistic()
 * @misuse: misuse reports, per &enum dma_fence_token_misuse
 * @promises_pending: promises whose fence is not signalled yet
 * @promises_kept: promises whose fence was signalled before the limit
 * @promises_untracked: promises the watchdog had no free slot for
 * @promises_broken: promises reported by the watchdog
 * @timeouts: hardware ring timeouts that closed a ring
 * @ring_closes: hardware rings closed (timeout, fault, teardown)
 * @watchdog_reports: obligations the watchdog reported as hung or broken
 * @obligations_live: obligations with a record (see the debugfs DOC section)
 * @obligations_records: size of the preallocated record pool
 * @untracked: obligations begun while every record was in use
 *
 * All zero unless CONFIG_DMA_FENCE_TOKEN_DEBUG is enabled.
 */
struct dma_fence_token_stats {
	u64 created;
	u64 discharged[DMA_FENCE_TOKEN_PATH_COUNT];
	u64 opportunistic;
	u64 misuse[DMA_FENCE_TOKEN_MISUSE_COUNT];
	u64 promises_pending;
	u64 promises_kept;
	u64 promises_untracked;
	u64 promises_broken;
	u64 timeouts;
	u64 ring_closes;
	u64 watchdog_reports;
	u64 obligations_live;
	u64 obligations_records;
	u64 untracked;
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

#if DMA_FENCE_TOKEN_CHECKED
void __dma_fence_token_begin(struct dma_fence_token *tok,
			     struct dma_fence *fence, unsigned long ip);
struct dma_fence_proof __dma_fence_token_signal(struct dma_fence_token *tok,
						int error);
struct dma_fence_proof __dma_fence_token_promise(struct dma_fence_token *tok);
struct dma_fence *__dma_fence_token_fence(struct dma_fence_token *tok);
#endif

#ifdef CONFIG_DMA_FENCE_TOKEN_DEBUG
void __dma_fence_token_scope_end(struct dma_fence_token *tok);
void __dma_fence_proof_end(struct dma_fence_proof proof,
			   struct dma_fence *fence);
void __dma_fence_token_count_opportunistic(void);
void dma_fence_token_get_stats(struct dma_fence_token_stats *stats);
#else
static inline void dma_fence_token_get_stats(struct dma_fence_token_stats *stats)
{
	memset(stats, 0, sizeof(*stats));
}
#endif

/*
 * The constructor of a proof for the inline discharges below, and nothing
 * else: it is #undef'd at the end of this header, so a driver that
 * includes it has no way to make a proof but a discharge.  The library's
 * own files have theirs in dma-fence-token-internal.h.
 */
#define __DFT_PROOF(f) ({						\
	struct dma_fence_proof __dft_proof;				\
									\
	ACCESS_PRIVATE(&__dft_proof, fence) = (f);			\
	__dft_proof;							\
})

/*
 * Library-internal: set @error (if any) and signal @fence, unless it is
 * already signalled.  Error and signal happen under the fence lock, so a
 * racing signaller can neither overwrite the error of a signalled fence nor
 * signal twice.  Returns true if this call signalled the fence.
 */
static inline bool __dma_fence_signal_error(struct dma_fence *fence, int error)
{
	unsigned long flags;
	bool signalled = false;

	spin_lock_irqsave(fence->lock, flags);
	if (!test_bit(DMA_FENCE_FLAG_SIGNALED_BIT, &fence->flags)) {
		if (error)
			dma_fence_set_error(fence, error);
		dma_fence_signal_locked(fence);
		signalled = true;
	}
	spin_unlock_irqrestore(fence->lock, flags);
	return signalled;
}

/* Library-internal: a valid fence error is 0 or a negative errno. */
static inline int __dma_fence_token_error(int error)
{
	if (WARN_ON_ONCE(error > 0 || error < -MAX_ERRNO))
		return -EINVAL;
	return error;
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
 * context (see the DOC section on atomic context).
 */
static __always_inline void dma_fence_token_begin(struct dma_fence_token *tok,
						  struct dma_fence *fence)
	__acquires(tok)
{
	__acquire(tok);
#if DMA_FENCE_TOKEN_CHECKED
	/* Inlined: _THIS_IP_ is in the caller, which the tracker names. */
	__dma_fence_token_begin(tok, fence, _THIS_IP_);
#else
	WARN_ON_ONCE(!fence);
	tok->fence = fence;
	if (tracepoint_enabled(dma_fence_token_create) && fence)
		__dma_fence_token_trace_create(fence);
#endif
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
static inline struct dma_fence_proof __must_check
dma_fence_token_signal(struct dma_fence_token *tok, int error)
	__releases(tok)
{
	__release(tok);
#if DMA_FENCE_TOKEN_CHECKED
	return __dma_fence_token_signal(tok, error);
#else
	if (unlikely(!tok->fence))
		return __DFT_PROOF(NULL);
	error = __dma_fence_token_error(error);
	if (tracepoint_enabled(dma_fence_token_discharge))
		__dma_fence_token_trace_discharge(tok->fence,
						  DMA_FENCE_TOKEN_PATH_SIGNAL, error);
	__dma_fence_signal_error(tok->fence, error);
	return __DFT_PROOF(tok->fence);
#endif
}

/**
 * dma_fence_token_promise - discharge a token with an unchecked promise
 * @tok: live token
 *
 * The escape hatch (the seed discussion's i_promise_it_will_be_signalled):
 * the caller asserts that some path the library cannot see will signal the
 * fence.  Use it only where no sanctioned path fits, and say in a comment
 * which path keeps the promise.  With CONFIG_DMA_FENCE_TOKEN_DEBUG the
 * promise is counted, recorded as the fence's guaranteed path, and reported
 * as broken if the fence is still unsignalled after the watchdog limit.
 *
 * Context: any context.
 * Return: a proof for the fence.
 */
static inline struct dma_fence_proof __must_check
dma_fence_token_promise(struct dma_fence_token *tok)
	__releases(tok)
{
	__release(tok);
#if DMA_FENCE_TOKEN_CHECKED
	return __dma_fence_token_promise(tok);
#else
	if (tracepoint_enabled(dma_fence_token_discharge) && tok->fence)
		__dma_fence_token_trace_discharge(tok->fence,
						  DMA_FENCE_TOKEN_PATH_PROMISE, 0);
	return __DFT_PROOF(tok->fence);
#endif
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
#if DMA_FENCE_TOKEN_CHECKED
	return __dma_fence_token_fence(tok);
#else
	return tok->fence;
#endif
}

/**
 * dma_fence_signal_opportunistic - signal a fence without holding its guarantee
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
static inline bool dma_fence_signal_opportunistic(struct dma_fence *fence,
						  int error)
{
	bool signalled;

	if (WARN_ON_ONCE(!fence))
		return false;
	signalled = __dma_fence_signal_error(fence, __dma_fence_token_error(error));
#ifdef CONFIG_DMA_FENCE_TOKEN_DEBUG
	if (signalled)
		__dma_fence_token_count_opportunistic();
#endif
	return signalled;
}

/**
 * dma_fence_proof_end - accept a proof at the top of a call chain
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
static inline void dma_fence_proof_end(struct dma_fence_proof proof,
				       struct dma_fence *fence)
{
#ifdef CONFIG_DMA_FENCE_TOKEN_DEBUG
	__dma_fence_proof_end(proof, fence);
#endif
}

#ifdef CONFIG_DMA_FENCE_TOKEN_DEBUG
static inline void dma_fence_token_scope_end(struct dma_fence_token *tok)
{
	__dma_fence_token_scope_end(tok);
}
#else
static inline void dma_fence_token_scope_end(struct dma_fence_token *tok)
{
}
#endif

/**
 * DMA_FENCE_TOKEN - declare a scoped must-signal token
 * @name: variable name
 *
 * Declares a &struct dma_fence_token on the stack.  With the runtime
 * tracker, leaving the scope while the token still owes a signal is
 * reported and the fence is signalled with -ECANCELED; otherwise the scope
 * check costs nothing.
 */
#define DMA_FENCE_TOKEN(name)						\
	struct dma_fence_token name					\
	__attribute__((__cleanup__(dma_fence_token_scope_end))) = {}

/**
 * struct dma_fence_signal_wq - a workqueue that fences may depend on
 * @wq: the workqueue, always WQ_MEM_RECLAIM, owned by the library
 * @lock: protects @held and, for held items, @dead
 * @held: items transferred with dma_fence_token_queue_work_held() and not
 *	released yet; protected by @lock
 * @dead: set by dma_fence_signal_wq_fini(): no item is accepted after it,
 *	and items that have not started are cancelled; read under RCU by
 *	transfers, written under @lock
 * @name: the name given at init (a string literal)
 * @progress_at: jiffies when an item last finished running (for the
 *	tracker's watchdog); written by the worker, read locklessly
 * @map: lockdep map that stands for "a fence depends on an item of this
 *	queue"; one lockdep class per init call site
 *
 * Created with dma_fence_signal_wq_init() and torn down with
 * dma_fence_signal_wq_fini().  There is no way to hand the library a
 * workqueue_struct of the driver: the queue is reclaim-safe by
 * construction.
 */
struct dma_fence_signal_wq {
	struct workqueue_struct *wq;
	spinlock_t lock;	/* see above */
	struct list_head held;
	bool dead;
	const char *name;
	unsigned long progress_at;
#ifdef CONFIG_LOCKDEP
	struct lockdep_map map;
#endif
};

/* Flags of dma_fence_signal_wq_init(). */
#define DMA_FENCE_SIGNAL_WQ_ORDERED	BIT(0)	/* one item at a time, in order */

struct dma_fence_signal_work;

/**
 * typedef dma_fence_signal_work_fn - run callback of a signalling work item
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
 * Return: the proof from discharging @tok.
 */
typedef struct dma_fence_proof (*dma_fence_signal_work_fn)(struct dma_fence_signal_work *work,
							   struct dma_fence_token *tok);

/**
 * struct dma_fence_signal_work - a work item that owes a fence signal
 * @base: the work item
 * @link: entry in the queue's list of held items; protected by the
 *	queue's lock
 * @queue: the queue the item was transferred to
 * @fence: the fence whose obligation the item carries
 * @run: callback, see &typedef dma_fence_signal_work_fn
 * @held: transferred with dma_fence_token_queue_work_held() and not yet
 *	released; protected by the queue's lock
 *
 * Embed it in the driver's job and initialise it once with
 * dma_fence_signal_work_init().  An item may be queued again once its
 * callback has started.
 */
struct dma_fence_signal_work {
	struct work_struct base;
	struct list_head link;
	struct dma_fence_signal_wq *queue;
	struct dma_fence *fence;
	dma_fence_signal_work_fn run;
	bool held;
};

int __dma_fence_signal_wq_init(struct dma_fence_signal_wq *q, const char *name,
			       unsigned int flags, struct lock_class_key *key);

/**
 * dma_fence_signal_wq_init - create a signalling workqueue
 * @q: queue to initialise
 * @name: name of the queue: a string literal, shown by ps and in lockdep
 *	reports
 * @flags: 0 or %DMA_FENCE_SIGNAL_WQ_ORDERED
 *
 * Allocates a WQ_MEM_RECLAIM workqueue (its rescuer thread guarantees
 * forward progress under memory pressure) and gives the queue a lockdep
 * class of its own for every call site of this macro.
 *
 * Context: process context, may sleep and allocate.
 * Return: 0 or -ENOMEM.
 */
#define dma_fence_signal_wq_init(q, name, flags)				\
({									\
	static struct lock_class_key __dft_wq_key;			\
									\
	__dma_fence_signal_wq_init((q), "" name "", (flags), &__dft_wq_key); \
})

void dma_fence_signal_wq_fini(struct dma_fence_signal_wq *q);
void dma_fence_signal_work_init(struct dma_fence_signal_work *work,
				dma_fence_signal_work_fn run);
int __must_check dma_fence_token_queue_work(struct dma_fence_token *tok,
					    struct dma_fence_signal_wq *q,
					    struct dma_fence_signal_work *work,
					    struct dma_fence_proof *proof)
	__releases(tok);
int __must_check dma_fence_token_queue_work_held(struct dma_fence_token *tok,
						 struct dma_fence_signal_wq *q,
						 struct dma_fence_signal_work *work,
						 struct dma_fence_proof *proof)
	__releases(tok);
bool dma_fence_signal_work_release(struct dma_fence_signal_work *work);

struct dma_fence_hw_ring;

/**
 * struct dma_fence_hw_ring_ops - driver callbacks of a hardware ring
 * @timedout: called on the ring's signalling queue when the oldest fence
 *	made no progress for the ring's timeout, before the ring is closed.
 *	A fence signalling path: no GFP_KERNEL, no dma_resv lock, no fence
 *	wait.  Typically captures a device core dump with
 *	dma_fence_hw_ring_dump_alloc() and starts a reset.  May be %NULL.
 */
struct dma_fence_hw_ring_ops {
	void (*timedout)(struct dma_fence_hw_ring *ring, struct dma_fence *hung);
};

/**
 * struct dma_fence_hw_ring - fences handed to hardware, in seqno order
 * @lock: the lock of every fence on the ring (see dma_fence_hw_ring_lock());
 *	protects the members below up to @timeouts; taken in hardirq context
 * @slots: pending fences, a circular buffer of @capacity entries
 * @capacity: number of slots, fixed at init
 * @head: index of the oldest pending fence
 * @count: number of pending fences
 * @reserved: slots reserved by dma_fence_hw_ring_reserve() and not yet used
 * @last_seqno: seqno of the newest fence handed to the ring
 * @progress_at: jiffies of the last completion, or when the ring got busy
 * @closed: the ring refuses new fences until dma_fence_hw_ring_reopen()
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
struct dma_fence_hw_ring {
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
	const struct dma_fence_hw_ring_ops *ops;
	struct dma_fence_signal_wq *wq;
	struct delayed_work timeout_work;
};

/**
 * dma_fence_hw_ring_lock - the lock fences of a ring must be initialised with
 * @ring: the ring
 *
 * Pass it to dma_fence_init() for every fence that will go to @ring: one
 * lock round trip then signals a whole batch of completions.
 *
 * Return: the ring's fence lock.
 */
static inline spinlock_t *dma_fence_hw_ring_lock(struct dma_fence_hw_ring *ring)
{
	return &ring->lock;
}

int __dma_fence_hw_ring_init(struct dma_fence_hw_ring *ring, const char *name,
			     unsigned int capacity, unsigned long timeout,
			     struct dma_fence_signal_wq *wq,
			     const struct dma_fence_hw_ring_ops *ops,
			     struct lock_class_key *key);

/**
 * dma_fence_hw_ring_init - set up a hardware ring
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
#define dma_fence_hw_ring_init(ring, name, capacity, timeout, wq, ops)	\
({									\
	static struct lock_class_key __dft_ring_key;			\
									\
	__dma_fence_hw_ring_init((ring), (name), (capacity), (timeout),	\
				 (wq), (ops), &__dft_ring_key);		\
})
void dma_fence_hw_ring_fini(struct dma_fence_hw_ring *ring);
int dma_fence_hw_ring_reserve(struct dma_fence_hw_ring *ring, unsigned int n);
void dma_fence_hw_ring_unreserve(struct dma_fence_hw_ring *ring, unsigned int n);
int __must_check dma_fence_token_to_hw(struct dma_fence_token *tok,
				       struct dma_fence_hw_ring *ring,
				       struct dma_fence_proof *proof)
	__releases(tok);
unsigned int dma_fence_hw_ring_complete(struct dma_fence_hw_ring *ring,
					u64 seqno, int error);
unsigned int dma_fence_hw_ring_close(struct dma_fence_hw_ring *ring, int error);
int dma_fence_hw_ring_reopen(struct dma_fence_hw_ring *ring);
void *dma_fence_hw_ring_dump_alloc(struct dma_fence_hw_ring *ring, size_t size);

#undef __DFT_PROOF

#endif /* __LINUX_DMA_FENCE_TOKEN_H */
