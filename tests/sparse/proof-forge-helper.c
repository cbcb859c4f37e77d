// SPDX-License-Identifier: GPL-2.0
/*
 * Must not build: a driver that forges a proof with the library's own
 * constructor.  The public header has none to offer ("implicit declaration
 * of function"); the library's is in dma-fence-token-internal.h.
 */
#include <linux/dma-fence-token.h>

struct dma_fence_token_proof sparse_neg_forge_helper(struct dma_fence *fence)
{
	return __dma_fence_token_proof_make(fence);
}
