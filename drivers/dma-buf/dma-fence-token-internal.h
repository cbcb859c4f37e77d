/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Fence signalling tokens: declarations shared by the library's files and
 * its KUnit suites, not part of the driver API.
 */
#ifndef __DMA_FENCE_TOKEN_INTERNAL_H
#define __DMA_FENCE_TOKEN_INTERNAL_H

#include <linux/dma-fence-token.h>

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
void __dma_fence_token_report(enum dma_fence_token_misuse kind,
			      struct dma_fence *fence, unsigned long ip);
#else
static inline void __dma_fence_guarantee_end(struct dma_fence *fence)
{
}

static inline void __dma_fence_token_report(enum dma_fence_token_misuse kind,
					    struct dma_fence *fence,
					    unsigned long ip)
{
}
#endif

#ifdef CONFIG_DMA_FENCE_TOKEN_DEBUG
unsigned int dma_fence_token_watchdog_check(void);
unsigned int dma_fence_token_set_promise_timeout(unsigned int ms);
#endif

#endif /* __DMA_FENCE_TOKEN_INTERNAL_H */
