// SPDX-License-Identifier: GPL-2.0
/*
 * sparse must report: a token discharged twice ("context imbalance ...
 * unexpected unlock").
 */
#include <linux/dma-fence-token.h>

struct dma_fence_token_proof sparse_neg_double(struct dma_fence *fence)
{
	struct dma_fence_token tok;
	struct dma_fence_token_proof proof;

	dma_fence_token_begin(&tok, fence);
	proof = dma_fence_token_signal(&tok, 0);
	dma_fence_token_proof_end(proof, fence);
	return dma_fence_token_signal(&tok, -EIO);	/* second discharge */
}
