/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Mock fences for the fence signalling token KUnit suites: a fence with its
 * own lock and a callback that counts how often it ran.
 */
#ifndef __DMA_FENCE_TOKEN_MOCK_H
#define __DMA_FENCE_TOKEN_MOCK_H

#include <kunit/test.h>
#include <linux/atomic.h>
#include <linux/debug_locks.h>
#include "../dma-fence-token-internal.h"
#include <linux/slab.h>
#include <linux/spinlock.h>

/**
 * struct mock_fence - a test fence that counts its signal callbacks
 * @base: the fence
 * @lock: lock of @base
 * @cb: callback installed by mock_fence_alloc()
 * @signalled: number of times @cb ran
 */
struct mock_fence {
	struct dma_fence base;
	spinlock_t lock;	/* protects base */
	struct dma_fence_cb cb;
	atomic_t signalled;
};

static inline const char *mock_fence_driver_name(struct dma_fence *f)
{
	return "dft-mock";
}

static inline const char *mock_fence_timeline_name(struct dma_fence *f)
{
	return "dft-mock-timeline";
}

static const struct dma_fence_ops mock_fence_ops = {
	.get_driver_name = mock_fence_driver_name,
	.get_timeline_name = mock_fence_timeline_name,
};

static inline void mock_fence_cb(struct dma_fence *f, struct dma_fence_cb *cb)
{
	struct mock_fence *mf = container_of(cb, struct mock_fence, cb);

	atomic_inc(&mf->signalled);
}

/* A fresh, unsignalled fence with a counting callback; NULL on ENOMEM. */
static inline struct mock_fence *mock_fence_alloc(u64 context, u64 seqno)
{
	struct mock_fence *mf = kzalloc(sizeof(*mf), GFP_KERNEL);

	if (!mf)
		return NULL;
	spin_lock_init(&mf->lock);
	dma_fence_init(&mf->base, &mock_fence_ops, &mf->lock, context, seqno);
	if (dma_fence_add_callback(&mf->base, &mf->cb, mock_fence_cb))
		atomic_inc(&mf->signalled);
	return mf;
}

static inline void mock_fence_put(struct mock_fence *mf)
{
	if (mf)
		dma_fence_put(&mf->base);
}

static inline bool mock_fence_signalled(struct mock_fence *mf)
{
	return test_bit(DMA_FENCE_FLAG_SIGNALED_BIT, &mf->base.flags);
}

/*
 * Start of a positive case: lockdep must still be on (a case proves nothing
 * once it switched itself off), and the tracker counters are snapshotted.
 */
static inline void mock_expect_armed(struct kunit *test,
				     struct dma_fence_token_stats *before)
{
	KUNIT_ASSERT_EQ_MSG(test, debug_locks, 1, "lockdep already off");
	dma_fence_token_get_stats(before);
}

/* End of a positive case: no lockdep report, no tracker report since @before. */
static inline void mock_expect_clean(struct kunit *test,
				     const struct dma_fence_token_stats *before)
{
	struct dma_fence_token_stats now;
	unsigned int i;

	KUNIT_EXPECT_EQ_MSG(test, debug_locks, 1, "lockdep reported something");
	dma_fence_token_get_stats(&now);
	for (i = 0; i < DMA_FENCE_TOKEN_MISUSE_COUNT; i++)
		KUNIT_EXPECT_EQ_MSG(test, now.misuse[i], before->misuse[i],
				    "tracker reported misuse kind %u", i);
}

#endif /* __DMA_FENCE_TOKEN_MOCK_H */
