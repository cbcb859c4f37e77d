// SPDX-License-Identifier: GPL-2.0
/*
 * Watchdog boot test helper (no KUnit): on load, leaves one obligation in
 * every state the tracker knows, unsignalled, so that the boot test can
 * read the debugfs listing and provoke the watchdog; on unload, signals
 * them all.  Also hangs one fence on a ring with a short timeout, so that
 * the trace shows a timeout and a ring close.  Never load it on a kernel
 * that runs anything else.
 */

#include <linux/completion.h>
#include <linux/dma-fence-token-ring.h>
#include <linux/err.h>
#include <linux/jiffies.h>
#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/sched/task.h>
#include <linux/slab.h>

/**
 * struct hung_fence - a fence with its own lock and a work item
 * @base: the fence
 * @lock: lock of @base unless it is on a ring
 * @work: signalling work item for the queued and running states
 * @release: the work item's run callback may signal
 */
struct hung_fence {
	struct dma_fence base;
	spinlock_t lock;	/* protects base */
	struct dma_fence_token_wq_item work;
	struct completion release;
};

enum {
	HUNG_HOLDER,	/* a token held by a kthread: must-signal */
	HUNG_RUNNING,	/* a work item blocked in its run callback */
	HUNG_QUEUED,	/* a work item behind it on the ordered queue */
	HUNG_DONE,	/* on the ring, completed at once */
	HUNG_RING,	/* on the ring, never completed */
	HUNG_PROMISE,	/* promised */
	HUNG_TIMEOUT,	/* on the fast ring, closed by its timeout */
	HUNG_NR
};

static struct hung_fence *hung_f[HUNG_NR];
static struct dma_fence_token_wq hung_wq;
static struct dma_fence_token_wq hung_ring_wq;
static struct dma_fence_token_ring hung_ring;
static struct dma_fence_token_ring hung_fast;
static struct task_struct *hung_holder;
static DECLARE_COMPLETION(hung_holder_release);

static bool leave_promise;
module_param(leave_promise, bool, 0444);
MODULE_PARM_DESC(leave_promise,
		 "Leave the promised fence unsignalled at unload (the tracker must report it)");
static u64 hung_context;

static const char *hung_driver_name(struct dma_fence *f)
{
	return "dft-hung";
}

static const char *hung_timeline_name(struct dma_fence *f)
{
	return "dft-hung-timeline";
}

static const struct dma_fence_ops hung_fence_ops = {
	.get_driver_name = hung_driver_name,
	.get_timeline_name = hung_timeline_name,
};

static struct dma_fence_token_proof hung_run(struct dma_fence_token_wq_item *work,
					     struct dma_fence_token *tok)
	__releases(tok)
{
	struct hung_fence *hf = container_of(work, struct hung_fence, work);

	wait_for_completion(&hf->release);
	return dma_fence_token_signal(tok, 0);
}

static int hung_holder_fn(void *data)
{
	struct hung_fence *hf = data;
	struct dma_fence_token tok = {};

	dma_fence_token_begin(&tok, &hf->base);
	wait_for_completion(&hung_holder_release);
	dma_fence_token_proof_end(dma_fence_token_signal(&tok, 0), &hf->base);
	return 0;
}

/* Not inlined: hung_init() is freed after loading, the stacks name these. */
static noinline void hung_to_wq(struct hung_fence *hf)
{
	struct dma_fence_token tok = {};
	struct dma_fence_token_proof proof;

	dma_fence_token_begin(&tok, &hf->base);
	if (dma_fence_token_wq_queue(&tok, &hung_wq, &hf->work, &proof))
		pr_err("dft-hung: transfer to the queue refused\n");
	dma_fence_token_proof_end(proof, &hf->base);
}

static noinline void hung_to_ring(struct hung_fence *hf,
				  struct dma_fence_token_ring *ring)
{
	struct dma_fence_token tok = {};
	struct dma_fence_token_proof proof;

	if (dma_fence_token_ring_reserve(ring, 1)) {
		dma_fence_signal(&hf->base);
		return;
	}
	dma_fence_token_begin(&tok, &hf->base);
	if (dma_fence_token_ring_push(&tok, ring, &proof))
		pr_err("dft-hung: transfer to the ring refused\n");
	dma_fence_token_proof_end(proof, &hf->base);
}

static noinline void hung_promise(struct hung_fence *hf)
{
	struct dma_fence_token tok = {};

	dma_fence_token_begin(&tok, &hf->base);
	/* Kept by hung_exit(), after the watchdog has called it broken. */
	dma_fence_token_proof_end(dma_fence_token_promise(&tok), &hf->base);
}

static void hung_free(void)
{
	unsigned int i;

	for (i = 0; i < HUNG_NR; i++) {
		if (hung_f[i])
			dma_fence_put(&hung_f[i]->base);
		hung_f[i] = NULL;
	}
}

static int __init hung_init(void)
{
	unsigned int i;
	int ret;

	ret = dma_fence_token_wq_init(&hung_wq, "dft-hung-wq",
				      DMA_FENCE_TOKEN_WQ_ORDERED);
	if (ret)
		return ret;
	/* The rings' timeouts must not wait behind the blocked item. */
	ret = dma_fence_token_wq_init(&hung_ring_wq, "dft-hung-ring-wq", 0);
	if (ret)
		goto err_wq;
	ret = dma_fence_token_ring_init(&hung_ring, "dft-hung-ring", 4, 600 * HZ,
					&hung_ring_wq, NULL);
	if (ret)
		goto err_ring_wq;
	ret = dma_fence_token_ring_init(&hung_fast, "dft-hung-fast", 4,
					msecs_to_jiffies(100), &hung_ring_wq, NULL);
	if (ret)
		goto err_ring;

	hung_context = dma_fence_context_alloc(1);
	for (i = 0; i < HUNG_NR; i++) {
		struct hung_fence *hf = kzalloc(sizeof(*hf), GFP_KERNEL);
		spinlock_t *lock;	/* the lock the fence will use */

		ret = -ENOMEM;
		if (!hf)
			goto err_fences;
		spin_lock_init(&hf->lock);
		init_completion(&hf->release);
		dma_fence_token_wq_item_init(&hf->work, hung_run);
		hung_f[i] = hf;
		if (i == HUNG_DONE || i == HUNG_RING)
			lock = dma_fence_token_ring_lock(&hung_ring);
		else if (i == HUNG_TIMEOUT)
			lock = dma_fence_token_ring_lock(&hung_fast);
		else
			lock = &hf->lock;
		dma_fence_init(&hf->base, &hung_fence_ops, lock, hung_context, i + 1);
	}

	hung_holder = kthread_run(hung_holder_fn, hung_f[HUNG_HOLDER],
				  "dft-hung-holder");
	if (IS_ERR(hung_holder)) {
		ret = PTR_ERR(hung_holder);
		goto err_fences;
	}
	get_task_struct(hung_holder);

	hung_to_wq(hung_f[HUNG_RUNNING]);
	hung_to_wq(hung_f[HUNG_QUEUED]);
	hung_to_ring(hung_f[HUNG_DONE], &hung_ring);
	hung_to_ring(hung_f[HUNG_RING], &hung_ring);
	dma_fence_token_ring_complete(&hung_ring, hung_f[HUNG_DONE]->base.seqno, 0);
	hung_promise(hung_f[HUNG_PROMISE]);
	hung_to_ring(hung_f[HUNG_TIMEOUT], &hung_fast);
	pr_info("dft-hung: context %llu: obligations left unsignalled\n",
		hung_context);
	return 0;

err_fences:
	for (i = 0; i < HUNG_NR; i++)
		if (hung_f[i])
			dma_fence_signal(&hung_f[i]->base);
	hung_free();
	dma_fence_token_ring_fini(&hung_fast);
err_ring:
	dma_fence_token_ring_fini(&hung_ring);
err_ring_wq:
	dma_fence_token_wq_fini(&hung_ring_wq);
err_wq:
	dma_fence_token_wq_fini(&hung_wq);
	return ret;
}

static void __exit hung_exit(void)
{
	complete(&hung_holder_release);
	kthread_stop(hung_holder);
	put_task_struct(hung_holder);
	complete(&hung_f[HUNG_RUNNING]->release);
	complete(&hung_f[HUNG_QUEUED]->release);
	dma_fence_token_ring_complete(&hung_ring, hung_f[HUNG_RING]->base.seqno, 0);
	if (!leave_promise)
		dma_fence_token_signal_opportunistic(&hung_f[HUNG_PROMISE]->base, 0);
	dma_fence_token_ring_fini(&hung_fast);
	dma_fence_token_ring_fini(&hung_ring);
	dma_fence_token_wq_fini(&hung_ring_wq);
	dma_fence_token_wq_fini(&hung_wq);
	hung_free();
}

module_init(hung_init);
module_exit(hung_exit);

MODULE_DESCRIPTION("Leaves fence obligations unsignalled for the watchdog boot test");
MODULE_LICENSE("GPL");
