/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Trace events of the fence signalling tokens: every transition of an
 * obligation to signal a fence.
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM dma_fence_token

#if !defined(_TRACE_DMA_FENCE_TOKEN_H) || defined(TRACE_HEADER_MULTI_READ)
#define _TRACE_DMA_FENCE_TOKEN_H

#include <linux/dma-fence.h>
#include <linux/dma-fence-token.h>
#include <linux/tracepoint.h>

#include "dma-fence-token-compat.h"

TRACE_DEFINE_ENUM(DMA_FENCE_TOKEN_PATH_NONE);
TRACE_DEFINE_ENUM(DMA_FENCE_TOKEN_PATH_SIGNAL);
TRACE_DEFINE_ENUM(DMA_FENCE_TOKEN_PATH_PROMISE);
TRACE_DEFINE_ENUM(DMA_FENCE_TOKEN_PATH_WORKQUEUE);
TRACE_DEFINE_ENUM(DMA_FENCE_TOKEN_PATH_HARDWARE);

#define show_dft_path(p)						\
	__print_symbolic(p,						\
		{ DMA_FENCE_TOKEN_PATH_NONE, "none" },			\
		{ DMA_FENCE_TOKEN_PATH_SIGNAL, "signal" },		\
		{ DMA_FENCE_TOKEN_PATH_PROMISE, "promise" },		\
		{ DMA_FENCE_TOKEN_PATH_WORKQUEUE, "workqueue" },	\
		{ DMA_FENCE_TOKEN_PATH_HARDWARE, "hardware" })

TRACE_DEFINE_ENUM(DMA_FENCE_TOKEN_MISUSE_LEAK_SCOPE);
TRACE_DEFINE_ENUM(DMA_FENCE_TOKEN_MISUSE_LEAK_FREED);
TRACE_DEFINE_ENUM(DMA_FENCE_TOKEN_MISUSE_DOUBLE_DISCHARGE);
TRACE_DEFINE_ENUM(DMA_FENCE_TOKEN_MISUSE_USE_AFTER_DISCHARGE);
TRACE_DEFINE_ENUM(DMA_FENCE_TOKEN_MISUSE_WRONG_FENCE);
TRACE_DEFINE_ENUM(DMA_FENCE_TOKEN_MISUSE_BROKEN_PROMISE);
TRACE_DEFINE_ENUM(DMA_FENCE_TOKEN_MISUSE_SECOND_GUARANTEE);
TRACE_DEFINE_ENUM(DMA_FENCE_TOKEN_MISUSE_NO_TIMEOUT);
TRACE_DEFINE_ENUM(DMA_FENCE_TOKEN_MISUSE_HUNG);
TRACE_DEFINE_ENUM(DMA_FENCE_TOKEN_MISUSE_FENCE_FREED);
TRACE_DEFINE_ENUM(DMA_FENCE_TOKEN_MISUSE_WRONG_CONTEXT);
TRACE_DEFINE_ENUM(DMA_FENCE_TOKEN_MISUSE_NOT_BEGUN);
TRACE_DEFINE_ENUM(DMA_FENCE_TOKEN_MISUSE_OWED_AT_UNLOAD);

#define show_dft_misuse(k)						\
	__print_symbolic(k,						\
		{ DMA_FENCE_TOKEN_MISUSE_LEAK_SCOPE, "leak_scope" },	\
		{ DMA_FENCE_TOKEN_MISUSE_LEAK_FREED, "leak_freed" },	\
		{ DMA_FENCE_TOKEN_MISUSE_DOUBLE_DISCHARGE, "double_discharge" }, \
		{ DMA_FENCE_TOKEN_MISUSE_USE_AFTER_DISCHARGE, "use_after_discharge" }, \
		{ DMA_FENCE_TOKEN_MISUSE_WRONG_FENCE, "wrong_fence" },	\
		{ DMA_FENCE_TOKEN_MISUSE_BROKEN_PROMISE, "broken_promise" }, \
		{ DMA_FENCE_TOKEN_MISUSE_SECOND_GUARANTEE, "second_guarantee" }, \
		{ DMA_FENCE_TOKEN_MISUSE_NO_TIMEOUT, "no_timeout" },	\
		{ DMA_FENCE_TOKEN_MISUSE_HUNG, "hung" },		\
		{ DMA_FENCE_TOKEN_MISUSE_FENCE_FREED, "fence_freed" },	\
		{ DMA_FENCE_TOKEN_MISUSE_WRONG_CONTEXT, "wrong_context" }, \
		{ DMA_FENCE_TOKEN_MISUSE_NOT_BEGUN, "not_begun" },	\
		{ DMA_FENCE_TOKEN_MISUSE_OWED_AT_UNLOAD, "owed_at_unload" })

/* A token was begun: a new obligation to signal @fence. */
TRACE_EVENT(dma_fence_token_create,
	    TP_PROTO(struct dma_fence *fence),
	    TP_ARGS(fence),
	    TP_STRUCT__entry(__string(driver, fence->ops->get_driver_name(fence))
			     __string(timeline, fence->ops->get_timeline_name(fence))
			     __field(u64, context)
			     __field(u64, seqno)),
	    TP_fast_assign(dft_assign_str(driver, fence->ops->get_driver_name(fence));
			   dft_assign_str(timeline, fence->ops->get_timeline_name(fence));
			   __entry->context = fence->context;
			   __entry->seqno = fence->seqno;),
	    TP_printk("driver=%s timeline=%s context=%llu seqno=%llu",
		      __get_str(driver), __get_str(timeline), __entry->context,
		      __entry->seqno)
);

/* A token was discharged through @path; @error is the signal's status. */
TRACE_EVENT(dma_fence_token_discharge,
	    TP_PROTO(struct dma_fence *fence, enum dma_fence_token_path path, int error),
	    TP_ARGS(fence, path, error),
	    TP_STRUCT__entry(__field(u64, context)
			     __field(u64, seqno)
			     __field(int, path)
			     __field(int, error)),
	    TP_fast_assign(__entry->context = fence->context;
			   __entry->seqno = fence->seqno;
			   __entry->path = path;
			   __entry->error = error;),
	    TP_printk("context=%llu seqno=%llu path=%s error=%d",
		      __entry->context, __entry->seqno, show_dft_path(__entry->path),
		      __entry->error)
);

/* The obligation moved to a signalling queue or a hardware ring @name. */
TRACE_EVENT(dma_fence_token_transfer,
	    TP_PROTO(struct dma_fence *fence, enum dma_fence_token_path path,
		     const char *name),
	    TP_ARGS(fence, path, name),
	    TP_STRUCT__entry(__field(u64, context)
			     __field(u64, seqno)
			     __field(int, path)
			     __string(name, name)),
	    TP_fast_assign(__entry->context = fence->context;
			   __entry->seqno = fence->seqno;
			   __entry->path = path;
			   dft_assign_str(name, name);),
	    TP_printk("context=%llu seqno=%llu path=%s to=%s",
		      __entry->context, __entry->seqno, show_dft_path(__entry->path),
		      __get_str(name))
);

/* One dma_fence_token_ring_complete() call took @count fences off @ring. */
TRACE_EVENT(dma_fence_token_complete_batch,
	    TP_PROTO(const char *ring, u64 seqno, unsigned int count),
	    TP_ARGS(ring, seqno, count),
	    TP_STRUCT__entry(__string(ring, ring)
			     __field(u64, seqno)
			     __field(unsigned int, count)),
	    TP_fast_assign(dft_assign_str(ring, ring);
			   __entry->seqno = seqno;
			   __entry->count = count;),
	    TP_printk("ring=%s seqno=%llu count=%u",
		      __get_str(ring), __entry->seqno, __entry->count)
);

/* The timeout of @ring fired: @hung made no progress. */
TRACE_EVENT(dma_fence_token_timeout,
	    TP_PROTO(const char *ring, struct dma_fence *hung),
	    TP_ARGS(ring, hung),
	    TP_STRUCT__entry(__string(ring, ring)
			     __field(u64, context)
			     __field(u64, seqno)),
	    TP_fast_assign(dft_assign_str(ring, ring);
			   __entry->context = hung->context;
			   __entry->seqno = hung->seqno;),
	    TP_printk("ring=%s context=%llu seqno=%llu",
		      __get_str(ring), __entry->context, __entry->seqno)
);

/* @ring was closed: @count pending fences signalled, the first with @error. */
TRACE_EVENT(dma_fence_token_ring_close,
	    TP_PROTO(const char *ring, int error, unsigned int count),
	    TP_ARGS(ring, error, count),
	    TP_STRUCT__entry(__string(ring, ring)
			     __field(int, error)
			     __field(unsigned int, count)),
	    TP_fast_assign(dft_assign_str(ring, ring);
			   __entry->error = error;
			   __entry->count = count;),
	    TP_printk("ring=%s error=%d count=%u",
		      __get_str(ring), __entry->error, __entry->count)
);

/* The tracker reported a misuse of @kind; @fence may be NULL. */
TRACE_EVENT(dma_fence_token_misuse,
	    TP_PROTO(enum dma_fence_token_misuse kind, struct dma_fence *fence),
	    TP_ARGS(kind, fence),
	    TP_STRUCT__entry(__field(int, kind)
			     __field(u64, context)
			     __field(u64, seqno)),
	    TP_fast_assign(__entry->kind = kind;
			   __entry->context = fence ? fence->context : 0;
			   __entry->seqno = fence ? fence->seqno : 0;),
	    TP_printk("kind=%s context=%llu seqno=%llu",
		      show_dft_misuse(__entry->kind), __entry->context,
		      __entry->seqno)
);

#endif /* _TRACE_DMA_FENCE_TOKEN_H */

/* This part must be outside the include guard. */
#include <trace/define_trace.h>
