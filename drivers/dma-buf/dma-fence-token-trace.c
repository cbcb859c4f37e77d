// SPDX-License-Identifier: GPL-2.0
/*
 * Fence signalling tokens: the trace events, at the bottom of the library
 * (the core, the queues, the rings and the tracker emit them).
 */

#include <linux/dma-fence-token.h>
#include <linux/module.h>

#define CREATE_TRACE_POINTS
#include <trace/events/dma_fence_token.h>

EXPORT_TRACEPOINT_SYMBOL_GPL(dma_fence_token_create);
EXPORT_TRACEPOINT_SYMBOL_GPL(dma_fence_token_discharge);

/**
 * DOC: Trace events
 *
 * The trace system ``dma_fence_token`` (include/trace/events/
 * dma_fence_token.h) has one event per transition of an obligation, in
 * every build; without lockdep and the tracker the inline helpers test a
 * static key and emit the event out of line:
 *
 * - ``dma_fence_token_create``: a token was begun (driver, timeline,
 *   context, seqno).  The token a signalling work item's callback receives
 *   continues an obligation and is not a creation;
 * - ``dma_fence_token_discharge``: a token was discharged, with the path
 *   (signal, promise, workqueue, hardware) and, for a signal, the status
 *   the fence ends with (an opportunistic signaller may have set it
 *   first), emitted under the fence's lock before its callbacks run;
 * - ``dma_fence_token_transfer``: the obligation moved to the signalling
 *   queue or hardware ring named ``to``;
 * - ``dma_fence_token_complete_batch``: one dma_fence_token_ring_complete()
 *   took ``count`` fences off a ring, up to ``seqno``;
 * - ``dma_fence_token_timeout``: a ring's timeout fired for a hung fence;
 * - ``dma_fence_token_ring_close``: a ring was closed, ``count`` pending
 *   fences signalled, the oldest with ``error``;
 * - ``dma_fence_token_misuse``: the tracker reported a misuse, by kind
 *   (only with CONFIG_DMA_FENCE_TOKEN_DEBUG, which detects them).
 *
 * Record them with trace-cmd (``trace-cmd record -e dma_fence_token``) or
 * through tracefs: ``echo 1 > /sys/kernel/tracing/events/dma_fence_token/enable``.
 */

/* Out-of-line halves of the trace points in the inline helpers. */
void __dma_fence_token_trace_create(struct dma_fence *fence)
{
	trace_dma_fence_token_create(fence);
}
EXPORT_SYMBOL_GPL(__dma_fence_token_trace_create);

void __dma_fence_token_trace_discharge(struct dma_fence *fence,
				       enum dma_fence_token_path path, int error)
{
	trace_dma_fence_token_discharge(fence, path, error);
}
EXPORT_SYMBOL_GPL(__dma_fence_token_trace_discharge);
