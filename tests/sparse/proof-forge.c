// SPDX-License-Identifier: GPL-2.0
/*
 * sparse must report: a driver that forges a proof by writing its private
 * member ("dereference of noderef expression").
 */
#include <linux/dma-fence-token.h>

struct dma_fence_token_proof sparse_neg_forge(struct dma_fence *fence)
{
	struct dma_fence_token_proof proof;

	proof.fence = fence;	/* only the library may construct a proof */
	return proof;
}
