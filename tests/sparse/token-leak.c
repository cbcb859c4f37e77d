// SPDX-License-Identifier: GPL-2.0
/*
 * sparse must report: a token that is not discharged on one return path
 * ("context imbalance ... wrong count at exit").
 */
#include <linux/dma-fence-token.h>

struct dma_fence_token_proof sparse_neg_leak(struct dma_fence *fence, bool fail)
{
	struct dma_fence_token tok;
	struct dma_fence_token_proof none = {};

	dma_fence_token_begin(&tok, fence);
	if (fail)
		return none;	/* leaks the token */
	return dma_fence_token_signal(&tok, 0);
}
