// SPDX-License-Identifier: GPL-2.0
/*
 * Must not build: a driver that forges a proof with the constructor the
 * public header's inline discharges use; the header #undefs it.
 */
#include <linux/dma-fence-token.h>

struct dma_fence_token_proof sparse_neg_forge_macro(struct dma_fence *fence)
{
	return __DFT_PROOF(fence);
}
