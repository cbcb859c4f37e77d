/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Fence signalling tokens: declarations shared by the library's files and
 * its KUnit suites, not part of the driver API.
 */
#ifndef __DMA_FENCE_TOKEN_INTERNAL_H
#define __DMA_FENCE_TOKEN_INTERNAL_H

#include <linux/dma-fence-token.h>

/*
 * The library's constructor of a proof: a proof is made only where a token
 * is discharged.  Not in the public header, so no driver can forge one
 * (tests/sparse/proof-forge-helper.c must fail to build).
 */
static inline struct dma_fence_proof __dma_fence_proof_make(struct dma_fence *fence)
{
	struct dma_fence_proof proof;

	ACCESS_PRIVATE(&proof, fence) = fence;
	return proof;
}

void __dma_fence_token_might_wait(void);

/*
 * Without lockdep and the tracker a transfer and the check after a work
 * item's callback have nothing to do: inline, so that the production fast
 * paths make no call for them.
 */
#if DMA_FENCE_TOKEN_CHECKED
struct dma_fence_proof __dma_fence_token_transfer(struct dma_fence_token *tok,
						  enum dma_fence_token_path path)
	__releases(tok);
#else
static inline struct dma_fence_proof
__dma_fence_token_transfer(struct dma_fence_token *tok,
			   enum dma_fence_token_path path)
	__releases(tok)
{
	__release(tok);
	return __dma_fence_proof_make(tok->fence);
}
#endif

#ifdef CONFIG_DMA_FENCE_TOKEN_DEBUG
void __dma_fence_token_settle(struct dma_fence_token *tok,
			      struct dma_fence_proof proof,
			      struct dma_fence *fence);
#else
static inline void __dma_fence_token_settle(struct dma_fence_token *tok,
					    struct dma_fence_proof proof,
					    struct dma_fence *fence)
{
}
#endif

/*
 * A transfer makes the caller's fence depend on the items of a signalling
 * queue: tell lockdep, so that a lock the caller holds and an item takes
 * closes a cycle.  Only with interrupts enabled: under an irq-safe lock or
 * in an interrupt the queue's map would look irq-unsafe against
 * dma_fence_signal_wq_fini() and lockdep would report an inversion that no
 * transfer can cause (a transfer never waits).  This matches the signalling
 * section, which is only opened in process context.
 */
static inline void __dma_fence_token_depend_on_queue(struct dma_fence_signal_wq *q)
{
#ifdef CONFIG_LOCKDEP
	if (irqs_disabled())
		return;
	lock_map_acquire_read(&q->map);
	lock_map_release(&q->map);
#endif
}

/*
 * A transfer that cannot take place: a token that is not live (@fence is
 * %NULL; the tracker reported it) gets a %NULL proof, a live one is
 * discharged by signalling its fence with -ECANCELED.  Returns @ret.
 */
static inline int __dma_fence_token_refuse(struct dma_fence_token *tok,
					   struct dma_fence *fence,
					   struct dma_fence_proof *proof, int ret)
	__releases(tok)
{
	if (!fence) {
		__release(tok);
		*proof = __dma_fence_proof_make(NULL);
	} else {
		*proof = dma_fence_token_signal(tok, -ECANCELED);
	}
	return ret;
}

#if DMA_FENCE_TOKEN_CHECKED
void __dma_fence_token_resume(struct dma_fence_token *tok,
			      struct dma_fence *fence, unsigned long ip)
	__acquires(tok);
#else
static inline void __dma_fence_token_resume(struct dma_fence_token *tok,
					    struct dma_fence *fence,
					    unsigned long ip)
	__acquires(tok)
{
	__acquire(tok);
	tok->fence = fence;
}
#endif

#ifdef CONFIG_DMA_FENCE_TOKEN_DEBUG
void __dma_fence_guarantee_end(struct dma_fence *fence);
bool __dma_fence_token_report(enum dma_fence_token_misuse kind,
			      struct dma_fence *fence, unsigned long ip);
#else
static inline void __dma_fence_guarantee_end(struct dma_fence *fence)
{
}

static inline bool __dma_fence_token_report(enum dma_fence_token_misuse kind,
					    struct dma_fence *fence,
					    unsigned long ip)
{
	return false;
}
#endif

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

struct seq_file;

#ifdef CONFIG_DMA_FENCE_TOKEN_DEBUG
/* Obligation records (dma-fence-token-obligation.c). */
int __dft_ob_init(void);
void __dft_ob_exit(void);
void __dft_ob_begin(struct dma_fence *fence, struct dma_fence_token *tok,
		    unsigned long ip);
void __dft_ob_end(struct dma_fence *fence);
const unsigned long *__dft_ob_any_progress(void);
struct dma_fence_token *__dft_ob_token(struct dma_fence *fence);
struct dma_fence *__dft_ob_token_fence(struct dma_fence_token *tok,
				       unsigned long *ip);
void __dft_ob_forget(struct dma_fence *fence);
bool __dft_ob_promise(struct dma_fence *fence);
void __dft_ob_stats(struct dma_fence_token_stats *stats);
void __dma_fence_obligation_move(struct dma_fence *fence,
				 enum dft_ob_state state, const char *where,
				 const unsigned long *progress);
void __dma_fence_token_count_ring(bool timeout);
unsigned int dma_fence_token_watchdog_check(void);
unsigned int dma_fence_token_set_watchdog_ms(unsigned int ms);
int dma_fence_token_obligations_show(struct seq_file *m, void *unused);
int dma_fence_token_stats_show(struct seq_file *m, void *unused);
#else
static inline void __dma_fence_obligation_move(struct dma_fence *fence,
					       enum dft_ob_state state,
					       const char *where,
					       const unsigned long *progress)
{
}

static inline void __dma_fence_token_count_ring(bool timeout)
{
}

static inline const unsigned long *__dft_ob_any_progress(void)
{
	return NULL;
}
#endif

#endif /* __DMA_FENCE_TOKEN_INTERNAL_H */
