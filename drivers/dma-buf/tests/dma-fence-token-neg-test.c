// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit misuse suites for the fence signalling tokens.  Each case commits
 * exactly one misuse and checks that it was reported and that the fence
 * still ended signalled.  A lockdep report switches lockdep off for the
 * rest of the boot, so every case runs in a boot of its own
 * (kunit.py --run_isolated=test); the harness also checks the console for
 * the expected kind of report (tests/negative-cases.txt).
 *
 * The cases misuse the token API on purpose.  Where the misuse would make
 * sparse complain, a __acquire()/__release() marks it as intended.
 */

#include <kunit/test.h>
#include <linux/completion.h>
#include <linux/delay.h>
#include <linux/hrtimer.h>
#include <linux/kthread.h>
#include <linux/dma-resv.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/vmalloc.h>

#include "dma-fence-token-mock.h"
#include "dma-fence-token-mock-ring.h"
#include "../dma-fence-token-internal.h"

MODULE_IMPORT_NS(EXPORTED_FOR_KUNIT_TESTING);

/**
 * struct dft_neg - per-case state
 * @before: tracker counters when the case started
 * @fence: the fence the case owes a signal for
 */
struct dft_neg {
	struct dma_fence_token_stats before;
	struct mock_fence *fence;
};

static int dft_neg_init(struct kunit *test)
{
	struct dft_neg *n = kunit_kzalloc(test, sizeof(*n), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, n);
	n->fence = mock_fence_alloc(dma_fence_context_alloc(1), 1);
	KUNIT_ASSERT_NOT_NULL(test, n->fence);
	dma_fence_token_get_stats(&n->before);
	test->priv = n;
	return 0;
}

static void dft_neg_exit(struct kunit *test)
{
	struct dft_neg *n = test->priv;

	if (!n)
		return;
	/* Cases that used another fence leave this one to be cleaned up. */
	dma_fence_token_signal_opportunistic(&n->fence->base, -ECANCELED);
	mock_fence_put(n->fence);
}

static struct dma_fence *dft_f(struct kunit *test)
{
	struct dft_neg *n = test->priv;

	return &n->fence->base;
}

static void dft_need_lockdep(struct kunit *test)
{
	if (!IS_ENABLED(CONFIG_PROVE_LOCKING))
		kunit_skip(test, "needs CONFIG_PROVE_LOCKING");
	if (!debug_locks)
		kunit_skip(test, "lockdep already off: run one case per boot");
}

static void dft_need_tracker(struct kunit *test)
{
	if (!IS_ENABLED(CONFIG_DMA_FENCE_TOKEN_DEBUG))
		kunit_skip(test, "needs CONFIG_DMA_FENCE_TOKEN_DEBUG");
}

/* The fence ended signalled exactly once, with @status. */
static void dft_expect_fence(struct kunit *test, int status)
{
	struct dft_neg *n = test->priv;

	KUNIT_EXPECT_TRUE(test, mock_fence_signalled(n->fence));
	KUNIT_EXPECT_EQ(test, atomic_read(&n->fence->signalled), 1);
	KUNIT_EXPECT_EQ(test, dma_fence_get_status(&n->fence->base), status);
}

static void dft_expect_misuse(struct kunit *test, enum dma_fence_token_misuse kind)
{
	struct dft_neg *n = test->priv;
	struct dma_fence_token_stats now;

	dma_fence_token_get_stats(&now);
	KUNIT_EXPECT_EQ(test, now.misuse[kind], n->before.misuse[kind] + 1);
}

/*
 * Control: a plain AB-BA inversion, no library code.  Proves that the
 * harness sees a lockdep report at all.
 */
static void dft_neg_control_abba(struct kunit *test)
{
	static DEFINE_MUTEX(a);
	static DEFINE_MUTEX(b);

	dft_need_lockdep(test);
	mutex_lock(&a);
	mutex_lock(&b);
	mutex_unlock(&b);
	mutex_unlock(&a);

	mutex_lock(&b);
	mutex_lock(&a);
	mutex_unlock(&a);
	mutex_unlock(&b);
	KUNIT_EXPECT_EQ(test, debug_locks, 0);
	KUNIT_EXPECT_TRUE(test, dma_fence_token_signal_opportunistic(dft_f(test), 0));
	dft_expect_fence(test, 1);
}

/* Misuse: GFP_KERNEL allocation while holding a must-signal token. */
static void dft_neg_gfp_kernel(struct kunit *test)
{
	struct dma_fence_token tok;
	void *p;

	dft_need_lockdep(test);
	dma_fence_token_begin(&tok, dft_f(test));
	p = kmalloc(64, GFP_KERNEL);
	kfree(p);
	dma_fence_token_proof_end(dma_fence_token_signal(&tok, 0), dft_f(test));
	KUNIT_EXPECT_EQ(test, debug_locks, 0);
	dft_expect_fence(test, 1);
}

/* Misuse: dma_resv_lock() while holding a must-signal token. */
static void dft_neg_resv_lock(struct kunit *test)
{
	struct dma_fence_token tok;
	struct dma_resv resv;

	dft_need_lockdep(test);
	dma_resv_init(&resv);
	dma_fence_token_begin(&tok, dft_f(test));
	if (!dma_resv_lock(&resv, NULL))
		dma_resv_unlock(&resv);
	dma_fence_token_proof_end(dma_fence_token_signal(&tok, 0), dft_f(test));
	dma_resv_fini(&resv);
	KUNIT_EXPECT_EQ(test, debug_locks, 0);
	dft_expect_fence(test, 1);
}

/*
 * Misuse: a fence wait while holding a must-signal token.  A bare
 * dma_fence_begin_signalling() section does not catch this; the token's
 * own lockdep map does.
 */
static void dft_neg_fence_wait(struct kunit *test)
{
	struct dma_fence_token tok;

	dft_need_lockdep(test);
	dma_fence_token_begin(&tok, dft_f(test));
	dma_fence_wait_timeout(dma_fence_get_stub(), false, 0);
	dma_fence_token_proof_end(dma_fence_token_signal(&tok, 0), dft_f(test));
	KUNIT_EXPECT_EQ(test, debug_locks, 0);
	dft_expect_fence(test, 1);
}

/* Misuse: a mutex that is held elsewhere around a fence wait. */
static void dft_neg_mutex_around_wait(struct kunit *test)
{
	static DEFINE_MUTEX(m);
	struct dma_fence_token tok;

	dft_need_lockdep(test);
	mutex_lock(&m);
	dma_fence_wait_timeout(dma_fence_get_stub(), false, 0);
	mutex_unlock(&m);

	dma_fence_token_begin(&tok, dft_f(test));
	mutex_lock(&m);
	mutex_unlock(&m);
	dma_fence_token_proof_end(dma_fence_token_signal(&tok, 0), dft_f(test));
	KUNIT_EXPECT_EQ(test, debug_locks, 0);
	dft_expect_fence(test, 1);
}

/*
 * Misuse: an allocation that may enter direct reclaim without __GFP_FS
 * (GFP_NOIO).  fs_reclaim is not taken for it; the mmu notifier map is,
 * which dma_resv's lockdep priming orders before fence waits.  The tracker
 * selects MMU_NOTIFIER so that every debug kernel sees this, as Debian's
 * kernels do.
 */
static void dft_neg_gfp_noio(struct kunit *test)
{
	struct dma_fence_token tok;
	void *p;

	dft_need_lockdep(test);
	dma_fence_token_begin(&tok, dft_f(test));
	p = kmalloc(64, GFP_NOIO);
	kfree(p);
	dma_fence_token_proof_end(dma_fence_token_signal(&tok, 0), dft_f(test));
	KUNIT_EXPECT_EQ(test, debug_locks, 0);
	dft_expect_fence(test, 1);
}

/* Misuse: vmalloc() (always reclaim-capable) in a token's section. */
static void dft_neg_vmalloc(struct kunit *test)
{
	struct dma_fence_token tok;
	void *p;

	dft_need_lockdep(test);
	dma_fence_token_begin(&tok, dft_f(test));
	p = vmalloc(PAGE_SIZE);
	vfree(p);
	dma_fence_token_proof_end(dma_fence_token_signal(&tok, 0), dft_f(test));
	KUNIT_EXPECT_EQ(test, debug_locks, 0);
	dft_expect_fence(test, 1);
}

/*
 * How long an item of %DFT_NEG_WQ_BUSY, or the item of
 * dft_neg_flush_alloc_work(), keeps running: a flush or cancel from a
 * section must find it running, as since v6.12 the workqueue annotates
 * only a flush of an item that is pending or running.
 */
#define DFT_NEG_BUSY_MS 1000

static void dft_alloc_work_fn(struct work_struct *work)
{
	kfree(kmalloc(64, GFP_KERNEL));
	msleep(DFT_NEG_BUSY_MS);
}

static DECLARE_WORK(dft_alloc_work, dft_alloc_work_fn);

/*
 * Misuse: waiting in a section for a work item of another, ordinary queue
 * that allocates: the fence now depends on reclaim through that item.
 */
static void dft_neg_flush_alloc_work(struct kunit *test)
{
	struct dma_fence_token tok;

	dft_need_lockdep(test);
	/* Once outside, so that lockdep knows what the item does. */
	schedule_work(&dft_alloc_work);
	flush_work(&dft_alloc_work);

	dma_fence_token_begin(&tok, dft_f(test));
	schedule_work(&dft_alloc_work);
	flush_work(&dft_alloc_work);
	dma_fence_token_proof_end(dma_fence_token_signal(&tok, 0), dft_f(test));
	KUNIT_EXPECT_EQ(test, debug_locks, 0);
	dft_expect_fence(test, 1);
}

/*
 * Misuse: GFP_KERNEL under a spinlock while holding a token.  The section
 * is not opened in atomic context; might_sleep() catches it, where the
 * kernel can see the spinlock (DEBUG_ATOMIC_SLEEP, not on UML).
 */
static void dft_neg_gfp_kernel_atomic(struct kunit *test)
{
	static DEFINE_SPINLOCK(lock);
	struct dma_fence_token tok;
	void *p;

	if (!IS_ENABLED(CONFIG_DEBUG_ATOMIC_SLEEP))
		kunit_skip(test, "needs CONFIG_DEBUG_ATOMIC_SLEEP");
	spin_lock(&lock);
	dma_fence_token_begin(&tok, dft_f(test));
	p = kmalloc(64, GFP_KERNEL);
	kfree(p);
	dma_fence_token_proof_end(dma_fence_token_signal(&tok, 0), dft_f(test));
	spin_unlock(&lock);
	dft_expect_fence(test, 1);
}

/* Misuse: a scoped token left without a discharge. */
static void dft_neg_leak_scope(struct kunit *test)
{
	dft_need_tracker(test);
	{
		DMA_FENCE_TOKEN(tok);

		dma_fence_token_begin(&tok, dft_f(test));
		__release(&tok);	/* the leak is the point */
	}
	dft_expect_misuse(test, DMA_FENCE_TOKEN_MISUSE_LEAK_SCOPE);
	dft_expect_fence(test, -ECANCELED);
	KUNIT_EXPECT_EQ(test, debug_locks, 1);
}

/**
 * struct dft_job - a driver job that embeds its token
 * @tok: the job's must-signal token
 */
struct dft_job {
	struct dma_fence_token tok;
};

/* Misuse: the job holding a live token is freed. */
static void dft_neg_leak_freed(struct kunit *test)
{
	struct dft_job *job;

	dft_need_tracker(test);
	if (!IS_ENABLED(CONFIG_DEBUG_OBJECTS_FREE))
		kunit_skip(test, "needs CONFIG_DEBUG_OBJECTS_FREE");
	job = kzalloc(sizeof(*job), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, job);
	dma_fence_token_begin(&job->tok, dft_f(test));
	__release(&job->tok);	/* the leak is the point */
	kfree(job);
	dft_expect_misuse(test, DMA_FENCE_TOKEN_MISUSE_LEAK_FREED);
	dft_expect_fence(test, -ECANCELED);
	KUNIT_EXPECT_EQ(test, debug_locks, 1);
	/* The tracker kept its fence reference: the fence may have been in the job. */
	dma_fence_put(dft_f(test));
}

/**
 * struct dft_fat_job - a job laid out as drivers do: its fence, the fence's
 * lock and the token in one allocation
 * @base: the job's fence
 * @lock: the fence's lock
 * @tok: the job's must-signal token
 * @rcu: for call_rcu()
 */
struct dft_fat_job {
	struct dma_fence base;
	spinlock_t lock;	/* the fence's lock */
	struct dma_fence_token tok;
	struct rcu_head rcu;
};

static const char *dft_fat_name(struct dma_fence *fence)
{
	return "dft-neg-job";
}

/* The cases free the job themselves: that is the misuse. */
static void dft_fat_release(struct dma_fence *fence)
{
}

static const struct dma_fence_ops dft_fat_ops = {
	.get_driver_name = dft_fat_name,
	.get_timeline_name = dft_fat_name,
	.release = dft_fat_release,
};

/**
 * struct dft_seen - what a fence callback saw, outside the freed memory
 * @cb: the callback on the job's fence
 * @calls: how often it ran
 * @status: the fence's status when it ran
 */
struct dft_seen {
	struct dma_fence_cb cb;
	int calls;
	int status;
};

static void dft_seen_cb(struct dma_fence *fence, struct dma_fence_cb *cb)
{
	struct dft_seen *seen = container_of(cb, struct dft_seen, cb);

	seen->status = fence->error ?: 1;
	seen->calls++;
}

/*
 * Initialise the fence of @job, watch it with @seen; with @tok, begin
 * @job's token for it (interrupts off: no section, for a job freed in
 * another context).
 */
static void dft_fat_job_init(struct kunit *test, struct dft_fat_job *job,
			     struct dft_seen *seen, bool tok, bool irqs_off)
{
	spin_lock_init(&job->lock);
	dma_fence_init(&job->base, &dft_fat_ops, &job->lock,
		       dma_fence_context_alloc(1), 1);
	KUNIT_ASSERT_EQ(test, dma_fence_add_callback(&job->base, &seen->cb,
						     dft_seen_cb), 0);
	if (!tok)
		return;
	if (irqs_off)
		local_irq_disable();
	dma_fence_token_begin(&job->tok, &job->base);
	if (irqs_off)
		local_irq_enable();
	__release(&job->tok);	/* the leak is the point */
}

/* One report for the freed job, whichever of its objects debugobjects met first. */
static void dft_expect_freed(struct kunit *test, struct dft_seen *seen)
{
	struct dft_neg *n = test->priv;
	struct dma_fence_token_stats now;

	dma_fence_token_get_stats(&now);
	KUNIT_EXPECT_EQ(test,
			now.misuse[DMA_FENCE_TOKEN_MISUSE_LEAK_FREED] +
			now.misuse[DMA_FENCE_TOKEN_MISUSE_FENCE_FREED],
			n->before.misuse[DMA_FENCE_TOKEN_MISUSE_LEAK_FREED] +
			n->before.misuse[DMA_FENCE_TOKEN_MISUSE_FENCE_FREED] + 1);
	KUNIT_EXPECT_EQ(test, seen->calls, 1);
	KUNIT_EXPECT_EQ(test, seen->status, -ECANCELED);
	KUNIT_EXPECT_EQ(test, debug_locks, 1);
}

static void dft_need_free_check(struct kunit *test)
{
	dft_need_tracker(test);
	if (!IS_ENABLED(CONFIG_DEBUG_OBJECTS_FREE))
		kunit_skip(test, "needs CONFIG_DEBUG_OBJECTS_FREE");
}

/*
 * Misuse: a job holding its fence and a live token is kfree()d.  Before the
 * free fixups always deactivated, this looped forever inside kfree().
 */
static void dft_neg_freed_job_kfree(struct kunit *test)
{
	struct dft_seen seen = {};
	struct dft_fat_job *job;

	dft_need_free_check(test);
	job = kzalloc(sizeof(*job), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, job);
	dft_fat_job_init(test, job, &seen, true, false);
	kfree(job);
	dft_expect_freed(test, &seen);
}

/* Misuse: the same job from a kmem_cache, kmem_cache_free()d. */
static void dft_neg_freed_job_cache(struct kunit *test)
{
	struct dft_seen seen = {};
	struct dft_fat_job *job;
	struct kmem_cache *cache;

	dft_need_free_check(test);
	cache = kmem_cache_create("dft_neg_job", sizeof(*job), 0, 0, NULL);
	KUNIT_ASSERT_NOT_NULL(test, cache);
	job = kmem_cache_zalloc(cache, GFP_KERNEL);
	if (!job)
		kmem_cache_destroy(cache);
	KUNIT_ASSERT_NOT_NULL(test, job);
	dft_fat_job_init(test, job, &seen, true, false);
	kmem_cache_free(cache, job);
	kmem_cache_destroy(cache);
	dft_expect_freed(test, &seen);
}

static void dft_fat_job_free_rcu(struct rcu_head *rcu)
{
	kfree(container_of(rcu, struct dft_fat_job, rcu));
}

/*
 * Misuse: the same job freed by an RCU callback (softirq context, not the
 * task that began the token), as drivers that look jobs up under RCU do.
 */
static void dft_neg_freed_job_rcu(struct kunit *test)
{
	struct dft_seen seen = {};
	struct dft_fat_job *job;

	dft_need_free_check(test);
	job = kzalloc(sizeof(*job), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, job);
	dft_fat_job_init(test, job, &seen, true, true);
	call_rcu(&job->rcu, dft_fat_job_free_rcu);
	rcu_barrier();
	dft_expect_freed(test, &seen);
}

/*
 * Misuse: a token's memory is cleared before it is vfree()d, as a thread's
 * stack is when an exited thread's stack is reused: the memory no longer
 * says "live", the tracker's record still knows the fence.
 */
static void dft_neg_freed_cleared_vfree(struct kunit *test)
{
	struct dma_fence_token *tok;
	unsigned long flags;

	dft_need_free_check(test);
	tok = vzalloc(sizeof(*tok));
	KUNIT_ASSERT_NOT_NULL(test, tok);
	/*
	 * No lockdep section: a thread that leaves one open is reported by
	 * lockdep when it exits, before its stack is ever freed.
	 */
	local_irq_save(flags);
	dma_fence_token_begin(tok, dft_f(test));
	local_irq_restore(flags);
	__release(tok);	/* the leak is the point */
	memset(tok, 0, sizeof(*tok));
	vfree(tok);
	dft_expect_misuse(test, DMA_FENCE_TOKEN_MISUSE_LEAK_FREED);
	dft_expect_fence(test, -ECANCELED);
	/* The token's reference went with its memory: drop it for it. */
	dma_fence_put(dft_f(test));
}

/*
 * Misuse: a fence is kfree()d while the live token that owes its signal is
 * in another allocation.
 */
static void dft_neg_freed_fence_under_token(struct kunit *test)
{
	struct dft_seen seen = {};
	struct dma_fence_token *tok;
	struct dft_fat_job *job;

	dft_need_free_check(test);
	tok = kzalloc(sizeof(*tok), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, tok);
	job = kzalloc(sizeof(*job), GFP_KERNEL);
	if (!job)
		kfree(tok);
	KUNIT_ASSERT_NOT_NULL(test, job);
	dft_fat_job_init(test, job, &seen, false, false);
	dma_fence_token_begin(tok, &job->base);
	__release(tok);	/* the leak is the point */
	kfree(job);
	dft_expect_misuse(test, DMA_FENCE_TOKEN_MISUSE_FENCE_FREED);
	KUNIT_EXPECT_EQ(test, seen.calls, 1);
	KUNIT_EXPECT_EQ(test, seen.status, -ECANCELED);
	KUNIT_EXPECT_EQ(test, debug_locks, 1);
	kfree(tok);
}

/*
 * Misuse: the fence is kfree()d while a scoped token on the stack owes its
 * signal (a job freed on an error path before the token's scope ends).
 */
static void dft_neg_freed_fence_under_scoped(struct kunit *test)
{
	struct dft_seen seen = {};
	struct dft_fat_job *job;

	dft_need_free_check(test);
	job = kzalloc(sizeof(*job), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, job);
	dft_fat_job_init(test, job, &seen, false, false);
	{
		DMA_FENCE_TOKEN(tok);

		dma_fence_token_begin(&tok, &job->base);
		kfree(job);
		__release(&tok);	/* recovered by the free: the point */
	}
	dft_expect_misuse(test, DMA_FENCE_TOKEN_MISUSE_FENCE_FREED);
	KUNIT_EXPECT_EQ(test, seen.calls, 1);
	KUNIT_EXPECT_EQ(test, seen.status, -ECANCELED);
	KUNIT_EXPECT_EQ(test, debug_locks, 1);
}

/**
 * struct dft_elsewhere - a token discharged somewhere else than where it began
 * @tok: the token, begun by the case
 * @fence: its fence
 * @timer: hard interrupt that discharges it
 * @done: completed once it is discharged
 * @q: if set, the other task transfers the token to this queue
 * @work: the item it transfers it to
 */
struct dft_elsewhere {
	struct dma_fence_token tok;
	struct dma_fence *fence;
	struct hrtimer timer;
	struct completion done;
	struct dma_fence_token_wq *q;
	struct dma_fence_token_wq_item work;
};

static struct dma_fence_token_proof dft_elsewhere_run(struct dma_fence_token_wq_item *work,
						      struct dma_fence_token *tok)
	__releases(tok)
{
	return dma_fence_token_signal(tok, 0);
}

/* Discharge @e's token here: signal it, or transfer it to @e->q. */
static void dft_elsewhere_signal(struct dft_elsewhere *e)
{
	struct dma_fence_token_proof proof;

	__acquire(&e->tok);	/* begun by the case */
	if (e->q) {
		if (dma_fence_token_wq_queue(&e->tok, e->q, &e->work, &proof))
			pr_err("dft_neg: transfer refused\n");
	} else {
		proof = dma_fence_token_signal(&e->tok, 0);
	}
	dma_fence_token_proof_end(proof, e->fence);
	complete(&e->done);
}

static int dft_elsewhere_thread(void *data)
{
	dft_elsewhere_signal(data);
	return 0;
}

static enum hrtimer_restart dft_elsewhere_irq(struct hrtimer *timer)
{
	dft_elsewhere_signal(container_of(timer, struct dft_elsewhere, timer));
	return HRTIMER_NORESTART;
}

/*
 * Begin @e's token with interrupts off, so that it opens no lockdep section
 * that could give the misuse away: only the tracker's owner check can.
 */
static void dft_elsewhere_begin(struct kunit *test, struct dft_elsewhere *e)
{
	unsigned long flags;

	e->fence = dft_f(test);
	init_completion(&e->done);
	local_irq_save(flags);
	dma_fence_token_begin(&e->tok, e->fence);
	local_irq_restore(flags);
	__release(&e->tok);	/* discharged elsewhere: the point */
}

/* Misuse: a token begun by one task is discharged by another (a kthread). */
static void dft_neg_wrong_task(struct kunit *test)
{
	struct dft_elsewhere *e;
	struct task_struct *t;

	dft_need_tracker(test);
	e = kunit_kzalloc(test, sizeof(*e), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, e);
	dft_elsewhere_begin(test, e);
	t = kthread_run(dft_elsewhere_thread, e, "dft-neg-elsewhere");
	KUNIT_ASSERT_FALSE(test, IS_ERR(t));
	KUNIT_ASSERT_GT(test, wait_for_completion_timeout(&e->done, 10 * HZ), 0);
	dft_expect_misuse(test, DMA_FENCE_TOKEN_MISUSE_WRONG_CONTEXT);
	dft_expect_fence(test, 1);
	KUNIT_EXPECT_EQ(test, debug_locks, 1);
}

/* Misuse: a token begun by one task is transferred to a queue by another. */
static void dft_neg_wrong_task_transfer(struct kunit *test)
{
	struct dma_fence_token_wq q;
	struct dft_elsewhere *e;
	struct task_struct *t;

	dft_need_tracker(test);
	e = kunit_kzalloc(test, sizeof(*e), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, e);
	KUNIT_ASSERT_EQ(test, dma_fence_token_wq_init(&q, "dft-neg-wq", 0), 0);
	e->q = &q;
	dma_fence_token_wq_item_init(&e->work, dft_elsewhere_run);
	dft_elsewhere_begin(test, e);
	t = kthread_run(dft_elsewhere_thread, e, "dft-neg-elsewhere");
	KUNIT_ASSERT_FALSE(test, IS_ERR(t));
	KUNIT_ASSERT_GT(test, wait_for_completion_timeout(&e->done, 10 * HZ), 0);
	KUNIT_EXPECT_GE(test, dma_fence_wait_timeout(e->fence, false, 10 * HZ), 1);
	dma_fence_token_wq_fini(&q);
	dft_expect_misuse(test, DMA_FENCE_TOKEN_MISUSE_WRONG_CONTEXT);
	dft_expect_fence(test, 1);
	KUNIT_EXPECT_EQ(test, debug_locks, 1);
}

/* Misuse: a token begun in a task is discharged in a hard interrupt. */
static void dft_neg_wrong_irq(struct kunit *test)
{
	struct dft_elsewhere *e;

	dft_need_tracker(test);
	e = kunit_kzalloc(test, sizeof(*e), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, e);
	hrtimer_init(&e->timer, CLOCK_MONOTONIC, HRTIMER_MODE_REL);
	e->timer.function = dft_elsewhere_irq;
	dft_elsewhere_begin(test, e);
	hrtimer_start(&e->timer, ms_to_ktime(1), HRTIMER_MODE_REL);
	KUNIT_ASSERT_GT(test, wait_for_completion_timeout(&e->done, 10 * HZ), 0);
	hrtimer_cancel(&e->timer);
	dft_expect_misuse(test, DMA_FENCE_TOKEN_MISUSE_WRONG_CONTEXT);
	dft_expect_fence(test, 1);
	KUNIT_EXPECT_EQ(test, debug_locks, 1);
}

/* Misuse: a token that was never begun is discharged. */
static void dft_neg_not_begun(struct kunit *test)
{
	struct dma_fence_token tok = {};

	dft_need_tracker(test);
	__acquire(&tok);	/* never begun: the point */
	dma_fence_token_proof_end(dma_fence_token_signal(&tok, 0), NULL);
	dft_expect_misuse(test, DMA_FENCE_TOKEN_MISUSE_NOT_BEGUN);
	KUNIT_EXPECT_EQ(test, debug_locks, 1);
	/* The case's fence was not involved. */
	KUNIT_EXPECT_TRUE(test, dma_fence_token_signal_opportunistic(dft_f(test), 0));
}

/* Misuse: a token begun again while live. */
static void dft_neg_begin_live(struct kunit *test)
{
	struct mock_fence *other;
	struct dma_fence_token tok;

	dft_need_tracker(test);
	other = mock_fence_alloc(dma_fence_context_alloc(1), 1);
	KUNIT_ASSERT_NOT_NULL(test, other);
	dma_fence_token_begin(&tok, dft_f(test));
	__release(&tok);	/* the leak is the point */
	dma_fence_token_begin(&tok, &other->base);
	dma_fence_token_proof_end(dma_fence_token_signal(&tok, 0), &other->base);
	dft_expect_misuse(test, DMA_FENCE_TOKEN_MISUSE_LEAK_SCOPE);
	dft_expect_fence(test, -ECANCELED);
	KUNIT_EXPECT_EQ(test, dma_fence_get_status(&other->base), 1);
	mock_fence_put(other);
	KUNIT_EXPECT_EQ(test, debug_locks, 1);
}

/* Misuse: a token discharged twice. */
static void dft_neg_double_discharge(struct kunit *test)
{
	struct dma_fence_token tok;

	dft_need_tracker(test);
	dma_fence_token_begin(&tok, dft_f(test));
	dma_fence_token_proof_end(dma_fence_token_signal(&tok, 0), dft_f(test));
	__acquire(&tok);	/* the second discharge is the point */
	dma_fence_token_proof_end(dma_fence_token_signal(&tok, -EIO), dft_f(test));
	dft_expect_misuse(test, DMA_FENCE_TOKEN_MISUSE_DOUBLE_DISCHARGE);
	dft_expect_fence(test, 1);
	KUNIT_EXPECT_EQ(test, debug_locks, 1);
}

/* Misuse: a token used after its discharge. */
static void dft_neg_use_after_discharge(struct kunit *test)
{
	struct dma_fence_token tok;

	dft_need_tracker(test);
	dma_fence_token_begin(&tok, dft_f(test));
	dma_fence_token_proof_end(dma_fence_token_signal(&tok, 0), dft_f(test));
	KUNIT_EXPECT_NULL(test, dma_fence_token_fence(&tok));
	dft_expect_misuse(test, DMA_FENCE_TOKEN_MISUSE_USE_AFTER_DISCHARGE);
	dft_expect_fence(test, 1);
	KUNIT_EXPECT_EQ(test, debug_locks, 1);
}

/* Misuse: a callee returns the proof of another fence than the one owed. */
static void dft_neg_wrong_fence(struct kunit *test)
{
	struct mock_fence *other;
	struct dma_fence_token tok;

	dft_need_tracker(test);
	other = mock_fence_alloc(dma_fence_context_alloc(1), 7);
	KUNIT_ASSERT_NOT_NULL(test, other);
	dma_fence_token_begin(&tok, &other->base);
	dma_fence_token_proof_end(dma_fence_token_signal(&tok, 0), dft_f(test));
	dft_expect_misuse(test, DMA_FENCE_TOKEN_MISUSE_WRONG_FENCE);
	dft_expect_fence(test, -ECANCELED);
	mock_fence_put(other);
	KUNIT_EXPECT_EQ(test, debug_locks, 1);
}

/* Misuse: a promise that is not kept within the watchdog limit. */
static void dft_neg_broken_promise(struct kunit *test)
{
	struct dma_fence_token tok;
	unsigned int old;

	dft_need_tracker(test);
	dma_fence_token_begin(&tok, dft_f(test));
	dma_fence_token_proof_end(dma_fence_token_promise(&tok), dft_f(test));
	/* Lowered once promised: the token itself is not reported as hung. */
	old = dma_fence_token_set_watchdog_ms(0);
	/* The watchdog work may have run already: check the counter. */
	dma_fence_token_watchdog_check();
	dma_fence_token_set_watchdog_ms(old);
	dft_expect_misuse(test, DMA_FENCE_TOKEN_MISUSE_BROKEN_PROMISE);
	/* Reported once only. */
	KUNIT_EXPECT_EQ(test, dma_fence_token_watchdog_check(), 0);
	KUNIT_EXPECT_TRUE(test, dma_fence_token_signal_opportunistic(dft_f(test), -ETIMEDOUT));
	dft_expect_fence(test, -ETIMEDOUT);
	KUNIT_EXPECT_EQ(test, debug_locks, 1);
}

/*
 * Misuse: a token held past the watchdog limit.  The report names the
 * holder and the stack that began the token (this function).
 */
static void dft_neg_hung_obligation(struct kunit *test)
{
	struct dft_neg *n = test->priv;
	struct dma_fence_token_stats now;
	struct dma_fence_token tok;
	unsigned int old;

	dft_need_tracker(test);
	dma_fence_token_begin(&tok, dft_f(test));
	old = dma_fence_token_set_watchdog_ms(0);
	dma_fence_token_watchdog_check();
	dma_fence_token_set_watchdog_ms(old);
	dft_expect_misuse(test, DMA_FENCE_TOKEN_MISUSE_HUNG);
	KUNIT_EXPECT_EQ(test, dma_fence_token_watchdog_check(), 0);
	dma_fence_token_get_stats(&now);
	KUNIT_EXPECT_EQ(test, now.watchdog_reports, n->before.watchdog_reports + 1);
	KUNIT_EXPECT_EQ(test, now.promises_broken, n->before.promises_broken);
	/* Late, but the holder still signals: the fence ends normally. */
	dma_fence_token_proof_end(dma_fence_token_signal(&tok, 0), dft_f(test));
	dft_expect_fence(test, 1);
	KUNIT_EXPECT_EQ(test, debug_locks, 1);
}

/*
 * Misuse: a scoped token held past the watchdog limit.  Its record was
 * taken without the tracker's lock and sits in a per-CPU slot: the
 * watchdog finds it there, reports it once, and the token still signals.
 */
static void dft_neg_hung_scoped(struct kunit *test)
{
	struct dft_neg *n = test->priv;
	struct dma_fence_token_stats now;
	unsigned int old;

	dft_need_tracker(test);
	{
		DMA_FENCE_TOKEN(tok);

		dma_fence_token_begin(&tok, dft_f(test));
		old = dma_fence_token_set_watchdog_ms(0);
		dma_fence_token_watchdog_check();
		dma_fence_token_set_watchdog_ms(old);
		dft_expect_misuse(test, DMA_FENCE_TOKEN_MISUSE_HUNG);
		KUNIT_EXPECT_EQ(test, dma_fence_token_watchdog_check(), 0);
		dma_fence_token_proof_end(dma_fence_token_signal(&tok, 0), dft_f(test));
	}
	dma_fence_token_get_stats(&now);
	KUNIT_EXPECT_EQ(test, now.watchdog_reports, n->before.watchdog_reports + 1);
	KUNIT_EXPECT_EQ(test, now.obligations_live, n->before.obligations_live);
	dft_expect_fence(test, 1);
	KUNIT_EXPECT_EQ(test, debug_locks, 1);
}

/* Signalling workqueue misuse: each runs one misuse in a run callback. */

enum dft_neg_wq_misuse {
	DFT_NEG_WQ_GFP_KERNEL,
	DFT_NEG_WQ_RESV_LOCK,
	DFT_NEG_WQ_FENCE_WAIT,
	DFT_NEG_WQ_MUTEX,
	DFT_NEG_WQ_NO_DISCHARGE,
	DFT_NEG_WQ_GFP_NOIO,
	DFT_NEG_WQ_VMALLOC,
	DFT_NEG_WQ_WRONG_FENCE,
	DFT_NEG_WQ_WRONG_TASK,
	DFT_NEG_WQ_BUSY,
};

/**
 * struct dft_neg_job - a job whose run callback misbehaves
 * @work: the signalling work item
 * @misuse: what the callback does wrong
 * @resv: object for %DFT_NEG_WQ_RESV_LOCK
 * @other: another fence, for %DFT_NEG_WQ_WRONG_FENCE
 * @tok: the callback's token, for the thread of %DFT_NEG_WQ_WRONG_TASK
 * @proof: what that thread's discharge returned
 * @go: completed by the callback once @tok is set
 * @done: completed by that thread, or by the callback of %DFT_NEG_WQ_BUSY
 */
struct dft_neg_job {
	struct dma_fence_token_wq_item work;
	enum dft_neg_wq_misuse misuse;
	struct dma_resv resv;
	struct mock_fence *other;
	struct dma_fence_token *tok;
	struct dma_fence_token_proof proof;
	struct completion go;
	struct completion done;
};

/*
 * The thread of %DFT_NEG_WQ_WRONG_TASK, started before the item runs (a
 * thread is not created on a signalling path): discharges the worker's
 * token.
 */
static int dft_neg_wq_thief(void *data)
{
	struct dft_neg_job *job = data;

	wait_for_completion(&job->go);
	__acquire(job->tok);	/* the worker's: the point */
	job->proof = dma_fence_token_signal(job->tok, 0);
	complete(&job->done);
	return 0;
}

static DEFINE_MUTEX(dft_neg_wq_mutex);

static struct dma_fence_token_proof dft_neg_wq_run(struct dma_fence_token_wq_item *work,
						   struct dma_fence_token *tok)
	__releases(tok)
{
	struct dft_neg_job *job = container_of(work, struct dft_neg_job, work);
	void *p;

	switch (job->misuse) {
	case DFT_NEG_WQ_GFP_KERNEL:
		p = kmalloc(64, GFP_KERNEL);
		kfree(p);
		break;
	case DFT_NEG_WQ_RESV_LOCK:
		if (!dma_resv_lock(&job->resv, NULL))
			dma_resv_unlock(&job->resv);
		break;
	case DFT_NEG_WQ_FENCE_WAIT:
		dma_fence_wait_timeout(dma_fence_get_stub(), false, 0);
		break;
	case DFT_NEG_WQ_MUTEX:
		mutex_lock(&dft_neg_wq_mutex);
		mutex_unlock(&dft_neg_wq_mutex);
		break;
	case DFT_NEG_WQ_NO_DISCHARGE:
		__release(tok);	/* returning without a discharge is the point */
		return (struct dma_fence_token_proof){};
	case DFT_NEG_WQ_GFP_NOIO:
		kfree(kmalloc(64, GFP_NOIO));
		break;
	case DFT_NEG_WQ_VMALLOC:
		vfree(vmalloc(PAGE_SIZE));
		break;
	case DFT_NEG_WQ_BUSY:
		complete(&job->done);
		msleep(DFT_NEG_BUSY_MS);
		break;
	case DFT_NEG_WQ_WRONG_FENCE: {
		struct dma_fence_token other;

		/* Its own fence signalled, but another's proof returned. */
		dma_fence_token_proof_end(dma_fence_token_signal(tok, 0),
					  dma_fence_token_fence(tok));
		__acquire(tok);
		dma_fence_token_begin(&other, &job->other->base);
		__release(tok);
		return dma_fence_token_signal(&other, 0);
	}
	case DFT_NEG_WQ_WRONG_TASK:
		job->tok = tok;
		complete(&job->go);
		wait_for_completion(&job->done);
		__release(tok);	/* discharged by the thread: the point */
		return job->proof;
	}
	return dma_fence_token_signal(tok, 0);
}

/* Queue a misbehaving job for the case's fence and wait for its signal. */
static void dft_neg_wq(struct kunit *test, enum dft_neg_wq_misuse misuse,
		       int status)
{
	struct dma_fence_token_wq q;
	struct dft_neg_job *job;
	struct dma_fence_token tok;
	struct dma_fence_token_proof proof;

	job = kunit_kzalloc(test, sizeof(*job), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, job);
	job->other = mock_fence_alloc(dma_fence_context_alloc(1), 1);
	KUNIT_ASSERT_NOT_NULL(test, job->other);
	dma_resv_init(&job->resv);
	job->misuse = misuse;
	init_completion(&job->go);
	init_completion(&job->done);
	dma_fence_token_wq_item_init(&job->work, dft_neg_wq_run);
	KUNIT_ASSERT_EQ(test, dma_fence_token_wq_init(&q, "dft-neg-wq", 0), 0);
	if (misuse == DFT_NEG_WQ_WRONG_TASK)
		KUNIT_ASSERT_FALSE(test, IS_ERR(kthread_run(dft_neg_wq_thief, job,
							    "dft-neg-thief")));

	dma_fence_token_begin(&tok, dft_f(test));
	KUNIT_EXPECT_EQ(test, dma_fence_token_wq_queue(&tok, &q, &job->work, &proof), 0);
	dma_fence_token_proof_end(proof, dft_f(test));
	KUNIT_EXPECT_GE(test, dma_fence_wait_timeout(dft_f(test), false, 10 * HZ), 1);
	dma_fence_token_wq_fini(&q);
	dma_resv_fini(&job->resv);
	dma_fence_token_signal_opportunistic(&job->other->base, -ECANCELED);
	mock_fence_put(job->other);
	dft_expect_fence(test, status);
}

/* Misuse: GFP_KERNEL allocation in a signalling work item. */
static void dft_neg_wq_gfp_kernel(struct kunit *test)
{
	dft_need_lockdep(test);
	dft_neg_wq(test, DFT_NEG_WQ_GFP_KERNEL, 1);
	KUNIT_EXPECT_EQ(test, debug_locks, 0);
}

/* Misuse: dma_resv_lock() in a signalling work item. */
static void dft_neg_wq_resv_lock(struct kunit *test)
{
	dft_need_lockdep(test);
	dft_neg_wq(test, DFT_NEG_WQ_RESV_LOCK, 1);
	KUNIT_EXPECT_EQ(test, debug_locks, 0);
}

/* Misuse: a fence wait in a signalling work item. */
static void dft_neg_wq_fence_wait(struct kunit *test)
{
	dft_need_lockdep(test);
	dft_neg_wq(test, DFT_NEG_WQ_FENCE_WAIT, 1);
	KUNIT_EXPECT_EQ(test, debug_locks, 0);
}

/* Misuse: a work item takes a mutex that is held elsewhere around a fence wait. */
static void dft_neg_wq_mutex_around_wait(struct kunit *test)
{
	dft_need_lockdep(test);
	mutex_lock(&dft_neg_wq_mutex);
	dma_fence_wait_timeout(dma_fence_get_stub(), false, 0);
	mutex_unlock(&dft_neg_wq_mutex);
	dft_neg_wq(test, DFT_NEG_WQ_MUTEX, 1);
	KUNIT_EXPECT_EQ(test, debug_locks, 0);
}

/* Misuse: a run callback returns without discharging its token. */
static void dft_neg_wq_no_discharge(struct kunit *test)
{
	dft_need_tracker(test);
	dft_neg_wq(test, DFT_NEG_WQ_NO_DISCHARGE, -ECANCELED);
	dft_expect_misuse(test, DMA_FENCE_TOKEN_MISUSE_LEAK_SCOPE);
	KUNIT_EXPECT_EQ(test, debug_locks, 1);
}

/* Misuse: GFP_NOIO (direct reclaim without __GFP_FS) in a work item. */
static void dft_neg_wq_gfp_noio(struct kunit *test)
{
	dft_need_lockdep(test);
	dft_neg_wq(test, DFT_NEG_WQ_GFP_NOIO, 1);
	KUNIT_EXPECT_EQ(test, debug_locks, 0);
}

/* Misuse: vmalloc() in a signalling work item. */
static void dft_neg_wq_vmalloc(struct kunit *test)
{
	dft_need_lockdep(test);
	dft_neg_wq(test, DFT_NEG_WQ_VMALLOC, 1);
	KUNIT_EXPECT_EQ(test, debug_locks, 0);
}

/* Misuse: a run callback returns the proof of another fence. */
static void dft_neg_wq_wrong_fence(struct kunit *test)
{
	dft_need_tracker(test);
	dft_neg_wq(test, DFT_NEG_WQ_WRONG_FENCE, 1);
	dft_expect_misuse(test, DMA_FENCE_TOKEN_MISUSE_WRONG_FENCE);
	KUNIT_EXPECT_EQ(test, debug_locks, 1);
}

/* Misuse: a run callback has another task discharge its token. */
static void dft_neg_wq_wrong_task(struct kunit *test)
{
	dft_need_tracker(test);
	dft_neg_wq(test, DFT_NEG_WQ_WRONG_TASK, 1);
	dft_expect_misuse(test, DMA_FENCE_TOKEN_MISUSE_WRONG_CONTEXT);
	KUNIT_EXPECT_EQ(test, debug_locks, 1);
}

/* Misuse: waiting for a signalling item from a signalling section. */
static void dft_neg_wq_sync(struct kunit *test, bool cancel)
{
	struct dma_fence_token_wq q;
	struct dft_neg_job *job;
	struct mock_fence *other, *busy;
	struct dma_fence_token tok;
	struct dma_fence_token_proof proof;

	dft_need_lockdep(test);
	job = kunit_kzalloc(test, sizeof(*job), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, job);
	other = mock_fence_alloc(dma_fence_context_alloc(1), 1);
	KUNIT_ASSERT_NOT_NULL(test, other);
	dma_resv_init(&job->resv);
	job->misuse = DFT_NEG_WQ_MUTEX;
	dma_fence_token_wq_item_init(&job->work, dft_neg_wq_run);
	KUNIT_ASSERT_EQ(test, dma_fence_token_wq_init(&q, "dft-neg-wq", 0), 0);

	/* A correct run first, so the worker's side is known to lockdep. */
	dma_fence_token_begin(&tok, &other->base);
	KUNIT_EXPECT_EQ(test, dma_fence_token_wq_queue(&tok, &q, &job->work, &proof), 0);
	dma_fence_token_proof_end(proof, &other->base);
	KUNIT_EXPECT_GE(test, dma_fence_wait_timeout(&other->base, false, 10 * HZ), 1);

	/* Again, the item kept running while the section waits for it. */
	busy = mock_fence_alloc(dma_fence_context_alloc(1), 1);
	KUNIT_ASSERT_NOT_NULL(test, busy);
	job->misuse = DFT_NEG_WQ_BUSY;
	init_completion(&job->done);
	dma_fence_token_begin(&tok, &busy->base);
	KUNIT_EXPECT_EQ(test, dma_fence_token_wq_queue(&tok, &q, &job->work, &proof), 0);
	dma_fence_token_proof_end(proof, &busy->base);
	wait_for_completion(&job->done);

	dma_fence_token_begin(&tok, dft_f(test));
	if (cancel)
		cancel_work_sync(&job->work.base);
	else
		flush_work(&job->work.base);
	dma_fence_token_proof_end(dma_fence_token_signal(&tok, 0), dft_f(test));

	KUNIT_EXPECT_GE(test, dma_fence_wait_timeout(&busy->base, false, 10 * HZ), 1);
	dma_fence_token_wq_fini(&q);
	dma_resv_fini(&job->resv);
	mock_fence_put(busy);
	mock_fence_put(other);
	KUNIT_EXPECT_EQ(test, debug_locks, 0);
	dft_expect_fence(test, 1);
}

static void dft_neg_wq_flush_in_section(struct kunit *test)
{
	dft_neg_wq_sync(test, false);
}

static void dft_neg_wq_cancel_sync_in_section(struct kunit *test)
{
	dft_neg_wq_sync(test, true);
}

/* Hardware ring misuse: the timeout handler and the interrupt handler. */

enum dft_neg_ring_misuse {
	DFT_NEG_RING_GFP_KERNEL,
	DFT_NEG_RING_RESV_LOCK,
	DFT_NEG_RING_FENCE_WAIT,
	DFT_NEG_RING_GFP_NOIO,
	DFT_NEG_RING_VMALLOC,
	DFT_NEG_RING_MUTEX,
};

static enum dft_neg_ring_misuse dft_neg_ring_misuse;
static struct dma_resv dft_neg_ring_resv;
static DEFINE_MUTEX(dft_neg_ring_mutex);

static void dft_neg_ring_misbehave(void)
{
	void *p;

	switch (dft_neg_ring_misuse) {
	case DFT_NEG_RING_GFP_KERNEL:
		p = kmalloc(64, GFP_KERNEL);
		kfree(p);
		break;
	case DFT_NEG_RING_RESV_LOCK:
		if (!dma_resv_lock(&dft_neg_ring_resv, NULL))
			dma_resv_unlock(&dft_neg_ring_resv);
		break;
	case DFT_NEG_RING_FENCE_WAIT:
		dma_fence_wait_timeout(dma_fence_get_stub(), false, 0);
		break;
	case DFT_NEG_RING_GFP_NOIO:
		kfree(kmalloc(64, GFP_NOIO));
		break;
	case DFT_NEG_RING_VMALLOC:
		vfree(vmalloc(PAGE_SIZE));
		break;
	case DFT_NEG_RING_MUTEX:
		mutex_lock(&dft_neg_ring_mutex);
		mutex_unlock(&dft_neg_ring_mutex);
		break;
	}
}

static void dft_neg_timedout_hook(struct mock_ring *mr, struct dma_fence *hung)
{
	dft_neg_ring_misbehave();
}

static void dft_neg_irq_hook(struct mock_job *job)
{
	dft_neg_ring_misbehave();
}

/*
 * One job on a mock ring; the misuse runs in the timeout handler (the job
 * hangs) or in the interrupt handler (the job completes).
 */
static void dft_neg_ring(struct kunit *test, enum dft_neg_ring_misuse misuse,
			 bool in_irq)
{
	struct mock_ring *mr;
	struct mock_job *job;
	int ret;

	dft_need_lockdep(test);
	mr = kunit_kzalloc(test, sizeof(*mr), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, mr);
	dma_resv_init(&dft_neg_ring_resv);
	dft_neg_ring_misuse = misuse;
	KUNIT_ASSERT_EQ(test, mock_ring_init(mr, "neg", 4, msecs_to_jiffies(20)), 0);
	if (in_irq)
		mr->irq_hook = dft_neg_irq_hook;
	else
		mr->timedout_hook = dft_neg_timedout_hook;

	job = mock_job_submit(mr, in_irq ? MOCK_OK : MOCK_HANG, &ret);
	KUNIT_ASSERT_FALSE(test, IS_ERR(job));
	KUNIT_EXPECT_EQ(test, ret, 0);
	mock_job_irq(job, NSEC_PER_MSEC);
	KUNIT_EXPECT_TRUE(test, mock_job_wait(job, 10000));
	KUNIT_EXPECT_EQ(test, atomic_read(&job->signalled), 1);
	KUNIT_EXPECT_EQ(test, dma_fence_get_status(&job->base), in_irq ? 1 : -ETIMEDOUT);
	mock_job_put(job);
	mock_ring_fini(mr);
	dma_resv_fini(&dft_neg_ring_resv);
	KUNIT_EXPECT_EQ(test, debug_locks, 0);
}

/* Misuse: GFP_KERNEL allocation in the timeout handler. */
static void dft_neg_ring_timeout_gfp_kernel(struct kunit *test)
{
	dft_neg_ring(test, DFT_NEG_RING_GFP_KERNEL, false);
}

/* Misuse: dma_resv_lock() in the timeout handler. */
static void dft_neg_ring_timeout_resv_lock(struct kunit *test)
{
	dft_neg_ring(test, DFT_NEG_RING_RESV_LOCK, false);
}

/* Misuse: a fence wait in the timeout handler. */
static void dft_neg_ring_timeout_fence_wait(struct kunit *test)
{
	dft_neg_ring(test, DFT_NEG_RING_FENCE_WAIT, false);
}

/* Misuse: GFP_KERNEL allocation in the completion (interrupt) handler. */
static void dft_neg_ring_irq_gfp_kernel(struct kunit *test)
{
	dft_neg_ring(test, DFT_NEG_RING_GFP_KERNEL, true);
}

/* Misuse: dma_resv_lock() in the completion (interrupt) handler. */
static void dft_neg_ring_irq_resv_lock(struct kunit *test)
{
	dft_neg_ring(test, DFT_NEG_RING_RESV_LOCK, true);
}

/* Misuse: a fence wait in the completion (interrupt) handler. */
static void dft_neg_ring_irq_fence_wait(struct kunit *test)
{
	dft_neg_ring(test, DFT_NEG_RING_FENCE_WAIT, true);
}

/* Misuse: GFP_NOIO (direct reclaim without __GFP_FS) in the timeout handler. */
static void dft_neg_ring_timeout_gfp_noio(struct kunit *test)
{
	dft_neg_ring(test, DFT_NEG_RING_GFP_NOIO, false);
}

/* Misuse: vmalloc() in the timeout handler. */
static void dft_neg_ring_timeout_vmalloc(struct kunit *test)
{
	dft_neg_ring(test, DFT_NEG_RING_VMALLOC, false);
}

/*
 * Misuse: the timeout handler takes a mutex that is held elsewhere around
 * a fence wait (the driver's reset lock, say).
 */
static void dft_neg_ring_timeout_mutex_around_wait(struct kunit *test)
{
	dft_need_lockdep(test);
	mutex_lock(&dft_neg_ring_mutex);
	dma_fence_wait_timeout(dma_fence_get_stub(), false, 0);
	mutex_unlock(&dft_neg_ring_mutex);
	dft_neg_ring(test, DFT_NEG_RING_MUTEX, false);
}

/* Misuse: GFP_NOIO in the completion (hard interrupt) handler. */
static void dft_neg_ring_irq_gfp_noio(struct kunit *test)
{
	dft_neg_ring(test, DFT_NEG_RING_GFP_NOIO, true);
}

/* Misuse: a fence handed to a ring that has no timeout. */
static void dft_neg_ring_no_timeout(struct kunit *test)
{
	struct mock_ring *mr;
	struct mock_job *job;
	int ret;

	mr = kunit_kzalloc(test, sizeof(*mr), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, mr);
	KUNIT_ASSERT_EQ(test, mock_ring_init(mr, "no-timeout", 4, 0), 0);
	job = mock_job_submit(mr, MOCK_OK, &ret);
	KUNIT_ASSERT_FALSE(test, IS_ERR(job));
	KUNIT_EXPECT_EQ(test, ret, -EINVAL);
	KUNIT_EXPECT_EQ(test, atomic_read(&job->signalled), 1);
	KUNIT_EXPECT_EQ(test, dma_fence_get_status(&job->base), -ECANCELED);
	if (IS_ENABLED(CONFIG_DMA_FENCE_TOKEN_DEBUG))
		dft_expect_misuse(test, DMA_FENCE_TOKEN_MISUSE_NO_TIMEOUT);
	mock_job_put(job);
	mock_ring_fini(mr);
	KUNIT_EXPECT_EQ(test, debug_locks, 1);
}

/*
 * Misuse: a ring whose timeout is above the watchdog limit completes
 * nothing for longer than the limit: the fence on it is reported as hung,
 * held by the hardware.
 */
static void dft_neg_ring_no_progress(struct kunit *test)
{
	struct mock_ring *mr;
	struct mock_job *job;
	unsigned int old;
	int ret;

	dft_need_tracker(test);
	mr = kunit_kzalloc(test, sizeof(*mr), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, mr);
	KUNIT_ASSERT_EQ(test, mock_ring_init(mr, "stalled", 4, 10 * HZ), 0);
	job = mock_job_submit(mr, MOCK_OK, &ret);
	KUNIT_ASSERT_FALSE(test, IS_ERR(job));
	KUNIT_EXPECT_EQ(test, ret, 0);
	old = dma_fence_token_set_watchdog_ms(50);
	msleep(150);
	dma_fence_token_watchdog_check();
	dma_fence_token_set_watchdog_ms(old);
	dft_expect_misuse(test, DMA_FENCE_TOKEN_MISUSE_HUNG);
	/* Late, but the ring still completes it: the fence ends normally. */
	KUNIT_EXPECT_EQ(test, mock_ring_advance(mr, 1), 1);
	KUNIT_EXPECT_EQ(test, dma_fence_get_status(&job->base), 1);
	mock_job_put(job);
	mock_ring_fini(mr);
	KUNIT_EXPECT_EQ(test, debug_locks, 1);
}

/* Misuse: a second path takes on the guarantee of a promised fence. */
static void dft_neg_second_guarantee(struct kunit *test)
{
	struct dma_fence_token tok;

	dft_need_tracker(test);
	dma_fence_token_begin(&tok, dft_f(test));
	dma_fence_token_proof_end(dma_fence_token_promise(&tok), dft_f(test));
	/* The promise still holds the guarantee. */
	dma_fence_token_begin(&tok, dft_f(test));
	dma_fence_token_proof_end(dma_fence_token_signal(&tok, 0), dft_f(test));
	dft_expect_misuse(test, DMA_FENCE_TOKEN_MISUSE_SECOND_GUARANTEE);
	dft_expect_fence(test, 1);
	KUNIT_EXPECT_EQ(test, debug_locks, 1);
}

/*
 * Misuse: a scoped token takes on the guarantee of a promised fence.  A
 * scoped token has no guarantee object: the obligation record sees it.
 */
static void dft_neg_second_guarantee_scoped(struct kunit *test)
{
	struct dma_fence_token tok = {};

	dft_need_tracker(test);
	dma_fence_token_begin(&tok, dft_f(test));
	dma_fence_token_proof_end(dma_fence_token_promise(&tok), dft_f(test));
	{
		DMA_FENCE_TOKEN(scoped);

		dma_fence_token_begin(&scoped, dft_f(test));
		dma_fence_token_proof_end(dma_fence_token_signal(&scoped, 0),
					  dft_f(test));
	}
	dft_expect_misuse(test, DMA_FENCE_TOKEN_MISUSE_SECOND_GUARANTEE);
	dft_expect_fence(test, 1);
	KUNIT_EXPECT_EQ(test, debug_locks, 1);
}

/* Run callback of dft_neg_wq_busy: signals, cancelled or not. */
static struct dma_fence_token_proof dft_neg_busy_run(struct dma_fence_token_wq_item *work,
						     struct dma_fence_token *tok)
	__releases(tok)
{
	return dma_fence_token_signal(tok, 0);
}

/*
 * Misuse (audit 15): an item still held on its queue is transferred again,
 * not held, for another fence.  The second transfer is refused (-EBUSY,
 * its fence cancelled) instead of overwriting the held item; teardown then
 * cancels the held item once: both fences end signalled exactly once.
 */
static void dft_neg_wq_busy(struct kunit *test)
{
	struct dma_fence_token_wq_item *work;
	struct dma_fence_token_proof proof;
	struct dma_fence_token_wq q;
	struct dma_fence_token tok;
	struct mock_fence *other;

	work = kunit_kzalloc(test, sizeof(*work), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, work);
	other = mock_fence_alloc(dma_fence_context_alloc(1), 1);
	KUNIT_ASSERT_NOT_NULL(test, other);
	dma_fence_token_wq_item_init(work, dft_neg_busy_run);
	KUNIT_ASSERT_EQ(test, dma_fence_token_wq_init(&q, "dft-neg-busy", 0), 0);

	dma_fence_token_begin(&tok, dft_f(test));
	KUNIT_EXPECT_EQ(test, dma_fence_token_wq_queue_held(&tok, &q, work, &proof), 0);
	dma_fence_token_proof_end(proof, dft_f(test));
	dma_fence_token_begin(&tok, &other->base);
	KUNIT_EXPECT_EQ(test, dma_fence_token_wq_queue(&tok, &q, work, &proof), -EBUSY);
	dma_fence_token_proof_end(proof, &other->base);
	KUNIT_EXPECT_EQ(test, atomic_read(&other->signalled), 1);
	KUNIT_EXPECT_EQ(test, dma_fence_get_status(&other->base), -ECANCELED);

	dma_fence_token_wq_fini(&q);
	dft_expect_fence(test, -ECANCELED);
	KUNIT_EXPECT_EQ(test, atomic_read(&other->signalled), 1);
	mock_fence_put(other);
	KUNIT_EXPECT_EQ(test, debug_locks, 1);
}

static struct kunit_case dft_neg_cases[] = {
	KUNIT_CASE(dft_neg_control_abba),
	KUNIT_CASE(dft_neg_gfp_kernel),
	KUNIT_CASE(dft_neg_resv_lock),
	KUNIT_CASE(dft_neg_fence_wait),
	KUNIT_CASE(dft_neg_mutex_around_wait),
	KUNIT_CASE(dft_neg_gfp_noio),
	KUNIT_CASE(dft_neg_vmalloc),
	KUNIT_CASE(dft_neg_flush_alloc_work),
	KUNIT_CASE(dft_neg_gfp_kernel_atomic),
	KUNIT_CASE(dft_neg_leak_scope),
	KUNIT_CASE(dft_neg_leak_freed),
	KUNIT_CASE(dft_neg_freed_job_kfree),
	KUNIT_CASE(dft_neg_freed_job_cache),
	KUNIT_CASE(dft_neg_freed_job_rcu),
	KUNIT_CASE(dft_neg_freed_cleared_vfree),
	KUNIT_CASE(dft_neg_freed_fence_under_token),
	KUNIT_CASE(dft_neg_freed_fence_under_scoped),
	KUNIT_CASE(dft_neg_wrong_task),
	KUNIT_CASE(dft_neg_wrong_task_transfer),
	KUNIT_CASE(dft_neg_wrong_irq),
	KUNIT_CASE(dft_neg_not_begun),
	KUNIT_CASE(dft_neg_begin_live),
	KUNIT_CASE(dft_neg_double_discharge),
	KUNIT_CASE(dft_neg_use_after_discharge),
	KUNIT_CASE(dft_neg_wrong_fence),
	KUNIT_CASE(dft_neg_broken_promise),
	KUNIT_CASE(dft_neg_hung_obligation),
	KUNIT_CASE(dft_neg_hung_scoped),
	KUNIT_CASE(dft_neg_second_guarantee_scoped),
	{}
};

static struct kunit_suite dft_neg_suite = {
	.name = "dma_fence_token_neg",
	.init = dft_neg_init,
	.exit = dft_neg_exit,
	.test_cases = dft_neg_cases,
};

static struct kunit_case dft_neg_wq_cases[] = {
	KUNIT_CASE(dft_neg_wq_gfp_kernel),
	KUNIT_CASE(dft_neg_wq_resv_lock),
	KUNIT_CASE(dft_neg_wq_fence_wait),
	KUNIT_CASE(dft_neg_wq_mutex_around_wait),
	KUNIT_CASE(dft_neg_wq_no_discharge),
	KUNIT_CASE(dft_neg_wq_gfp_noio),
	KUNIT_CASE(dft_neg_wq_vmalloc),
	KUNIT_CASE(dft_neg_wq_wrong_fence),
	KUNIT_CASE(dft_neg_wq_wrong_task),
	KUNIT_CASE(dft_neg_wq_flush_in_section),
	KUNIT_CASE(dft_neg_wq_cancel_sync_in_section),
	KUNIT_CASE(dft_neg_wq_busy),
	{}
};

static struct kunit_suite dft_neg_wq_suite = {
	.name = "dma_fence_token_neg_wq",
	.init = dft_neg_init,
	.exit = dft_neg_exit,
	.test_cases = dft_neg_wq_cases,
};

/* What the fence callback of dft_neg_ring_reentry got back. */
static struct {
	struct dma_fence_cb cb;
	struct mock_job *next;
	int ret;
} dft_neg_reentry;

/* Job B depends on job A on the same ring: A's callback submits B. */
static void dft_neg_reentry_cb(struct dma_fence *f, struct dma_fence_cb *cb)
{
	dft_neg_reentry.ret = mock_job_publish(dft_neg_reentry.next);
}

/*
 * A ring with one job whose fence callback hands the next job to the same
 * ring; the job's fence is signalled by a completion, or by a polling wait
 * (@opportunistic).  Either way the transfer is reported and refused
 * (-EDEADLK, the next job's fence cancelled) instead of spinning for ever
 * on the ring's lock, which this CPU holds.
 */
static void dft_neg_ring_reentry_case(struct kunit *test, bool opportunistic)
{
	struct mock_job *first;
	struct mock_ring *mr;
	int ret;

	mr = kunit_kzalloc(test, sizeof(*mr), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, mr);
	KUNIT_ASSERT_EQ(test, mock_ring_init(mr, "reentry", 4, 10 * HZ), 0);
	first = mock_job_submit(mr, MOCK_OK, &ret);
	KUNIT_ASSERT_FALSE(test, IS_ERR(first));
	KUNIT_ASSERT_EQ(test, ret, 0);
	dft_neg_reentry.next = mock_job_prepare(mr, MOCK_OK, &ret);
	KUNIT_ASSERT_FALSE(test, IS_ERR(dft_neg_reentry.next));
	KUNIT_ASSERT_EQ(test, ret, 0);
	dft_neg_reentry.ret = 1;
	KUNIT_ASSERT_EQ(test, dma_fence_add_callback(&first->base, &dft_neg_reentry.cb,
						     dft_neg_reentry_cb), 0);

	if (opportunistic)
		KUNIT_EXPECT_TRUE(test, dma_fence_token_signal_opportunistic(&first->base, 0));
	else
		KUNIT_EXPECT_EQ(test, mock_ring_advance(mr, 1), 1);
	KUNIT_EXPECT_EQ(test, dft_neg_reentry.ret, -EDEADLK);
	KUNIT_EXPECT_EQ(test, dma_fence_get_status(&first->base), 1);
	KUNIT_EXPECT_EQ(test, atomic_read(&dft_neg_reentry.next->signalled), 1);
	KUNIT_EXPECT_EQ(test, dma_fence_get_status(&dft_neg_reentry.next->base), -ECANCELED);
	/* A head signalled past the ring is progress: a completion takes it off. */
	if (opportunistic)
		KUNIT_EXPECT_EQ(test, mock_ring_advance(mr, 1), 1);
	KUNIT_EXPECT_EQ(test, dma_fence_token_ring_pending(&mr->ring), 0);
	mock_ring_fini(mr);
	mock_job_put(first);
	mock_job_put(dft_neg_reentry.next);
	KUNIT_EXPECT_EQ(test, debug_locks, 1);
}

/* Misuse (audit 11): from a callback that a ring completion runs. */
static void dft_neg_ring_reentry(struct kunit *test)
{
	dft_neg_ring_reentry_case(test, false);
}

/*
 * Misuse (audit 11): from a callback that a polling wait's signal runs:
 * lockdep tells the library who holds the ring's lock.
 */
static void dft_neg_ring_reentry_opportunistic(struct kunit *test)
{
	dft_need_lockdep(test);
	dft_neg_ring_reentry_case(test, true);
}

/*
 * Misuse (audit 13): the ring's signalling queue is torn down before the
 * ring, with a fence on it.  Reported; the ring is closed for good (the
 * fence gets -ECANCELED), its timeout never runs on the freed queue, and
 * later transfers are refused.
 */
static void dft_neg_ring_queue_first(struct kunit *test)
{
	struct mock_job *job, *late;
	struct mock_ring *mr;
	int ret;

	mr = kunit_kzalloc(test, sizeof(*mr), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, mr);
	KUNIT_ASSERT_EQ(test, mock_ring_init(mr, "orphan", 4, msecs_to_jiffies(50)), 0);
	job = mock_job_submit(mr, MOCK_HANG, &ret);
	KUNIT_ASSERT_FALSE(test, IS_ERR(job));
	KUNIT_ASSERT_EQ(test, ret, 0);

	dma_fence_token_wq_fini(&mr->wq);
	KUNIT_EXPECT_EQ(test, atomic_read(&job->signalled), 1);
	KUNIT_EXPECT_EQ(test, dma_fence_get_status(&job->base), -ECANCELED);
	/* Refused at the reservation already (the mock then signals it). */
	late = mock_job_submit(mr, MOCK_OK, &ret);
	KUNIT_ASSERT_FALSE(test, IS_ERR(late));
	KUNIT_EXPECT_EQ(test, ret, -ESHUTDOWN);
	KUNIT_EXPECT_EQ(test, atomic_read(&late->signalled), 1);
	KUNIT_EXPECT_EQ(test, dma_fence_token_ring_reopen(&mr->ring), -ESHUTDOWN);
	/* Past the ring's timeout: nothing may run on the freed queue. */
	msleep(150);
	dma_fence_token_ring_fini(&mr->ring);
	mock_job_put(job);
	mock_job_put(late);
	KUNIT_EXPECT_EQ(test, debug_locks, 1);
}

static struct kunit_case dft_neg_ring_cases[] = {
	KUNIT_CASE(dft_neg_ring_timeout_gfp_kernel),
	KUNIT_CASE(dft_neg_ring_timeout_resv_lock),
	KUNIT_CASE(dft_neg_ring_timeout_fence_wait),
	KUNIT_CASE(dft_neg_ring_timeout_gfp_noio),
	KUNIT_CASE(dft_neg_ring_timeout_vmalloc),
	KUNIT_CASE(dft_neg_ring_timeout_mutex_around_wait),
	KUNIT_CASE(dft_neg_ring_irq_gfp_kernel),
	KUNIT_CASE(dft_neg_ring_irq_resv_lock),
	KUNIT_CASE(dft_neg_ring_irq_fence_wait),
	KUNIT_CASE(dft_neg_ring_irq_gfp_noio),
	KUNIT_CASE(dft_neg_ring_no_timeout),
	KUNIT_CASE(dft_neg_ring_no_progress),
	KUNIT_CASE(dft_neg_second_guarantee),
	KUNIT_CASE(dft_neg_ring_reentry),
	KUNIT_CASE(dft_neg_ring_reentry_opportunistic),
	KUNIT_CASE(dft_neg_ring_queue_first),
	{}
};

static struct kunit_suite dft_neg_ring_suite = {
	.name = "dma_fence_token_neg_ring",
	.init = dft_neg_init,
	.exit = dft_neg_exit,
	.test_cases = dft_neg_ring_cases,
};

kunit_test_suites(&dft_neg_suite, &dft_neg_wq_suite, &dft_neg_ring_suite);

MODULE_DESCRIPTION("KUnit misuse tests for DMA fence signalling tokens");
MODULE_LICENSE("GPL");
