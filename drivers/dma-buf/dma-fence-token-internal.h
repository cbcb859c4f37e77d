/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Fence signalling tokens: declarations shared by the library's files and
 * its KUnit suites, not part of the driver API.
 *
 * Layers, each calling only the ones below it:
 *
 *   dma-fence-token-jobq.c    job queues
 *   dma-fence-token-ring.c    hardware rings
 *   dma-fence-token-wq.c      signalling queues
 *   dma-fence-token.c         tokens, proofs, the lockdep section
 *   dma-fence-token-debugfs.c debugfs files (reads the tracker)
 *   dma-fence-token-debug.c   the runtime tracker, behind the
 *                             dma_fence_token_debug_*() hooks below, which
 *                             are empty stubs without the tracker
 *   dma-fence-token-trace.c   trace events
 *
 * The tracker never calls into the core: where a report needs the core to
 * act (a leaked token's section closed, its fence cancelled), the hook
 * returns what the core must do, and the one action a free fixup of
 * debugobjects must take on the spot is handed to the tracker at init
 * (&struct dma_fence_token_debug_ops).
 */
#ifndef __DMA_FENCE_TOKEN_INTERNAL_H
#define __DMA_FENCE_TOKEN_INTERNAL_H

#include <linux/dma-fence-token-ring.h>

struct seq_file;

/*
 * The library's constructor of a proof: a proof is made only where a token
 * is discharged.  Not in the public header, so no driver can forge one
 * (tests/sparse/proof-forge-helper.c must fail to build).
 */
static inline struct dma_fence_token_proof
__dma_fence_token_proof_make(struct dma_fence *fence)
{
	struct dma_fence_token_proof proof;

	ACCESS_PRIVATE(&proof, fence) = fence;
	return proof;
}

/* Core (dma-fence-token.c), for the queue and ring files. */
void __dma_fence_token_might_wait(void);
struct dma_fence_token_proof __dma_fence_token_transfer(struct dma_fence_token *tok,
							enum dma_fence_token_path path)
	__releases(tok);
/* End a token whose fence's signal a path of the library owes already. */
struct dma_fence_token_proof __dma_fence_token_withdraw(struct dma_fence_token *tok)
	__releases(tok);
void __dma_fence_token_resume(struct dma_fence_token *tok,
			      struct dma_fence *fence, unsigned long ip,
			      bool in_section)
	__acquires(tok);
void __dma_fence_token_settle(struct dma_fence_token *tok,
			      struct dma_fence_token_proof proof,
			      struct dma_fence *fence);

/* dma_fence_token_signal() for a caller that holds the fence's lock. */
struct dma_fence_token_proof __dma_fence_token_signal_locked(struct dma_fence_token *tok,
							     int error)
	__releases(tok);

/* Transfers to a hardware ring, for job queues (dma-fence-token-ring.c). */
int __dma_fence_token_ring_push(struct dma_fence_token *tok,
				struct dma_fence_token_ring *ring,
				struct dma_fence_token_proof *proof, int error,
				const unsigned long *closes)
	__releases(tok);

/* A held item taken back and run by the caller: cancelled, or as by a worker. */
bool __dma_fence_token_wq_item_cancel(struct dma_fence_token_wq_item *work);
bool __dma_fence_token_wq_item_run(struct dma_fence_token_wq_item *work);

/*
 * Jobs that a ring completion in interrupt context releases run in that
 * context once the ring's lock is dropped (dma-fence-token-jobq.c).
 */
struct dft_jobq_batch {
	struct list_head jobs;
	unsigned int budget;
};

bool __dma_fence_token_jobq_batch_begin(struct dft_jobq_batch *b);
/* A direct transfer to a job queue's ring: refused (its jobs fail in order). */
int __dma_fence_token_jobq_refuse_push(struct dma_fence_token_ring *ring,
				       struct dma_fence_token *tok,
				       struct dma_fence_token_proof *proof,
				       bool locked)
	__releases(tok);
void __dma_fence_token_jobq_batch_end(struct dft_jobq_batch *b);

/* Hardware rings attach to the queue that runs their timeout. */
int __dma_fence_token_wq_attach(struct dma_fence_token_wq *q,
				struct dma_fence_token_wq_user *user);
void __dma_fence_token_wq_detach(struct dma_fence_token_wq *q,
				 struct dma_fence_token_wq_user *user);

/*
 * A transfer makes the caller's fence depend on the items of a signalling
 * queue: tell lockdep, so that a lock the caller holds and an item takes
 * closes a cycle.  Only in task context with interrupts enabled: under an
 * irq-safe lock or in a hard or soft interrupt the queue's map would look
 * irq-unsafe against dma_fence_token_wq_fini() and lockdep would report an
 * inversion that no transfer can cause (a transfer never waits).  This matches the signalling
 * section, which is only opened in process context.
 */
static inline void __dma_fence_token_depend_on_queue(struct dma_fence_token_wq *q)
{
	if (!IS_ENABLED(CONFIG_LOCKDEP) || irqs_disabled() || !in_task())
		return;
	lock_map_acquire_read(&q->map);
	lock_map_release(&q->map);
}

/*
 * A transfer that cannot take place: a token that is not live (@fence is
 * %NULL; the tracker reported it) gets a %NULL proof, a live one is
 * discharged by signalling its fence with -ECANCELED.  Returns @ret.
 */
static inline int __dma_fence_token_refuse(struct dma_fence_token *tok,
					   struct dma_fence *fence,
					   struct dma_fence_token_proof *proof,
					   int ret)
	__releases(tok)
{
	if (!fence) {
		__release(tok);
		*proof = __dma_fence_token_proof_make(NULL);
	} else {
		*proof = dma_fence_token_signal(tok, -ECANCELED);
	}
	return ret;
}

/*
 * As __dma_fence_token_refuse() for a caller that holds the fence's lock.
 */
static inline int __dma_fence_token_refuse_locked(struct dma_fence_token *tok,
						  struct dma_fence *fence,
						  struct dma_fence_token_proof *proof,
						  int ret)
	__releases(tok)
{
	*proof = __dma_fence_token_signal_locked(tok, -ECANCELED);
	return ret;
}

/**
 * enum dft_ob_state - where an obligation is, for the tracker's records
 * @DFT_OB_MUST_SIGNAL: a token holds it (the task that began it)
 * @DFT_OB_QUEUED: a signalling work item holds it, not started yet
 * @DFT_OB_RUNNING: the run callback of a signalling work item holds it
 * @DFT_OB_ON_RING: a hardware ring holds it; the ring's timeout guarantees
 * @DFT_OB_PROMISED: discharged with a promise
 */
enum dft_ob_state {
	DFT_OB_MUST_SIGNAL,
	DFT_OB_QUEUED,
	DFT_OB_RUNNING,
	DFT_OB_ON_RING,
	DFT_OB_PROMISED,
};

/**
 * struct dma_fence_token_stats - tracker counters
 * @created: tokens begun
 * @discharged: tokens discharged, per &enum dma_fence_token_path
 * @opportunistic: fences signalled by dma_fence_token_signal_opportunistic()
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
 * @obligations_cached: records kept ready in per-CPU caches, neither free
 *	nor live
 * @untracked: obligations begun while every record was in use
 *
 * For the debugfs file ``stats`` and the KUnit suites; all zero without
 * CONFIG_DMA_FENCE_TOKEN_DEBUG.
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
	u64 obligations_cached;
	u64 untracked;
};

/**
 * struct dma_fence_token_debug_ops - what the core does for the tracker
 * @cancel: a live token's memory is being freed (a free fixup of
 *	debugobjects): signal @fence with -ECANCELED without waiting for its
 *	lock, and close the token's lockdep section if the current context
 *	opened it.  The tracker has reported and stopped tracking already.
 */
struct dma_fence_token_debug_ops {
	void (*cancel)(struct dma_fence_token *tok, struct dma_fence *fence);
};

/*
 * Parts of the checking that the benchmark switches off one at a time
 * (dma_fence_token_set_skip()), to show what each costs.
 */
#define DMA_FENCE_TOKEN_SKIP_STACKS	BIT(0)	/* stack capture */
#define DMA_FENCE_TOKEN_SKIP_RECORDS	BIT(1)	/* obligation records */
#define DMA_FENCE_TOKEN_SKIP_OBJECTS	BIT(2)	/* debugobjects */
#define DMA_FENCE_TOKEN_SKIP_SECTION	BIT(3)	/* the lockdep section */

void dma_fence_token_set_skip(unsigned int skip);

#ifdef CONFIG_DMA_FENCE_TOKEN_DEBUG
/* The tracker (dma-fence-token-debug.c), called by the layers above. */
int dma_fence_token_debug_init(const struct dma_fence_token_debug_ops *ops);
void dma_fence_token_debug_exit(void);
void dma_fence_token_debug_begin(struct dma_fence_token *tok,
				 struct dma_fence *fence, unsigned long ip,
				 bool new_guarantee);
bool dma_fence_token_debug_leaked(struct dma_fence_token *tok,
				  enum dma_fence_token_misuse kind,
				  struct dma_fence **fence);
bool dma_fence_token_debug_scope_end(struct dma_fence_token *tok,
				     struct dma_fence **fence);
bool dma_fence_token_debug_discharge(struct dma_fence_token *tok,
				     enum dma_fence_token_path path);
bool dma_fence_token_debug_live(struct dma_fence_token *tok);
void dma_fence_token_debug_signalled(struct dma_fence_token *tok,
				     struct dma_fence *fence);
void dma_fence_token_debug_promise(struct dma_fence_token *tok,
				   struct dma_fence *fence, unsigned long ip);
void dma_fence_token_debug_withdraw(struct dma_fence_token *tok,
				    struct dma_fence *fence);
void dma_fence_token_debug_put(struct dma_fence *fence);
void dma_fence_token_debug_report(enum dma_fence_token_misuse kind,
				  struct dma_fence *fence, unsigned long ip);
void dma_fence_token_debug_move(struct dma_fence *fence,
				enum dft_ob_state state, const char *where,
				const unsigned long *progress);
void dma_fence_token_debug_handover(struct dma_fence_token *tok,
				    struct dma_fence *fence, unsigned long ip);
const unsigned long *dma_fence_token_debug_any_progress(void);
void dma_fence_token_debug_count_ring(bool timeout);
void dma_fence_token_get_stats(struct dma_fence_token_stats *stats);
unsigned int dma_fence_token_debug_watchdog_ms(void);
const char *dma_fence_token_debug_misuse_key(enum dma_fence_token_misuse kind);
unsigned int dma_fence_token_watchdog_check(void);
unsigned int dma_fence_token_set_watchdog_ms(unsigned int ms);
int dma_fence_token_obligations_show(struct seq_file *m, void *unused);
void dma_fence_token_debug_set_skip(unsigned int skip);

/* debugfs (dma-fence-token-debugfs.c), above the tracker. */
void dma_fence_token_debugfs_init(void);
void dma_fence_token_debugfs_exit(void);
int dma_fence_token_stats_show(struct seq_file *m, void *unused);
#else
static inline int
dma_fence_token_debug_init(const struct dma_fence_token_debug_ops *ops)
{
	return 0;
}

static inline void dma_fence_token_debug_exit(void)
{
}

static inline void dma_fence_token_debug_begin(struct dma_fence_token *tok,
					       struct dma_fence *fence,
					       unsigned long ip,
					       bool new_guarantee)
{
}

static inline bool dma_fence_token_debug_leaked(struct dma_fence_token *tok,
						enum dma_fence_token_misuse kind,
						struct dma_fence **fence)
{
	return false;
}

static inline bool dma_fence_token_debug_scope_end(struct dma_fence_token *tok,
						   struct dma_fence **fence)
{
	return false;
}

static inline bool dma_fence_token_debug_discharge(struct dma_fence_token *tok,
						   enum dma_fence_token_path path)
{
	return true;
}

static inline bool dma_fence_token_debug_live(struct dma_fence_token *tok)
{
	return true;
}

static inline void dma_fence_token_debug_signalled(struct dma_fence_token *tok,
						   struct dma_fence *fence)
{
}

static inline void dma_fence_token_debug_promise(struct dma_fence_token *tok,
						 struct dma_fence *fence,
						 unsigned long ip)
{
}

static inline void dma_fence_token_debug_withdraw(struct dma_fence_token *tok,
						  struct dma_fence *fence)
{
}

static inline void dma_fence_token_debug_put(struct dma_fence *fence)
{
}

static inline void dma_fence_token_debug_report(enum dma_fence_token_misuse kind,
						struct dma_fence *fence,
						unsigned long ip)
{
}

static inline void dma_fence_token_debug_move(struct dma_fence *fence,
					      enum dft_ob_state state,
					      const char *where,
					      const unsigned long *progress)
{
}

static inline void dma_fence_token_debug_handover(struct dma_fence_token *tok,
						  struct dma_fence *fence,
						  unsigned long ip)
{
}

static inline const unsigned long *dma_fence_token_debug_any_progress(void)
{
	return NULL;
}

static inline void dma_fence_token_debug_count_ring(bool timeout)
{
}

static inline void dma_fence_token_debug_set_skip(unsigned int skip)
{
}

static inline void dma_fence_token_get_stats(struct dma_fence_token_stats *stats)
{
	memset(stats, 0, sizeof(*stats));
}

static inline void dma_fence_token_debugfs_init(void)
{
}

static inline void dma_fence_token_debugfs_exit(void)
{
}
#endif

#endif /* __DMA_FENCE_TOKEN_INTERNAL_H */
