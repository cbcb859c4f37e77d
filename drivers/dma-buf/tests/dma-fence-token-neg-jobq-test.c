// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit misuse suite for job queues.  Each case commits exactly one misuse
 * of a job queue and checks that it was reported, that the job's fence
 * still ended signalled and that the machine goes on working (a job of a
 * fresh queue runs and completes).  A lockdep report switches lockdep off
 * for the rest of the boot, so every case runs in a boot of its own
 * (kunit.py --run_isolated=test); the harness also checks the console for
 * the expected kind of report (tests/negative-cases.txt).
 *
 * The cases misuse the API on purpose.  Where the misuse would make sparse
 * complain, a __acquire()/__release() marks it as intended.
 */

#include <kunit/test.h>
#include <linux/delay.h>
#include <linux/dma-fence-token-jobq.h>
#include <linux/jiffies.h>
#include <linux/mutex.h>
#include <linux/slab.h>

#include "dma-fence-token-mock.h"
#include "../dma-fence-token-internal.h"

MODULE_IMPORT_NS(EXPORTED_FOR_KUNIT_TESTING);

/* What the run callback does wrong. */
enum dft_nj_misuse {
	DFT_NJ_NONE,
	DFT_NJ_GFP_KERNEL,
	DFT_NJ_FENCE_WAIT,
	DFT_NJ_NO_DISCHARGE,
	DFT_NJ_RING_PUSH,
};

/**
 * struct dft_nj - a job queue whose run callback may misbehave
 * @wq: its signalling queue
 * @q: the job queue
 * @submit: serialises arm and push
 * @misuse: what the run callback does wrong
 * @ran: run callbacks
 */
struct dft_nj {
	struct dma_fence_token_wq wq;
	struct dma_fence_token_jobq q;
	struct mutex submit;	/* see above */
	enum dft_nj_misuse misuse;
	atomic_t ran;
};

/**
 * struct dft_nj_job - a job of such a queue
 * @base: the job; first, so that dma_fence_free() frees the job
 * @cb: counts the signal of the job's fence
 * @signalled: times @cb ran
 * @order: when @cb last ran, in the order of every job's signal
 * @lock: fence lock of a job that the driver wrongly initialised itself
 */
struct dft_nj_job {
	struct dma_fence_token_job base;
	struct dma_fence_cb cb;
	atomic_t signalled;
	int order;
	spinlock_t lock;	/* see above */
};

/* Signals of jobs so far, in the order they came. */
static atomic_t dft_nj_signals = ATOMIC_INIT(0);

static const char *dft_nj_driver_name(struct dma_fence *f)
{
	return "dft-neg-jobq";
}

static const char *dft_nj_timeline_name(struct dma_fence *f)
{
	return "dft-neg-jobq";
}

static const struct dma_fence_ops dft_nj_fence_ops = {
	.get_driver_name = dft_nj_driver_name,
	.get_timeline_name = dft_nj_timeline_name,
};

static struct dma_fence_token_proof dft_nj_run(struct dma_fence_token_job *job,
					       struct dma_fence_token *tok)
	__releases(tok)
{
	struct dft_nj *n = container_of(job->queue, struct dft_nj, q);
	struct dma_fence_token_proof proof;
	struct dma_fence *stub;

	atomic_inc(&n->ran);
	switch (n->misuse) {
	case DFT_NJ_GFP_KERNEL:
		kfree(kmalloc(64, GFP_KERNEL));
		break;
	case DFT_NJ_FENCE_WAIT:
		stub = dma_fence_get_stub();
		dma_fence_wait_timeout(stub, false, 0);
		dma_fence_put(stub);
		break;
	case DFT_NJ_NO_DISCHARGE:
		__release(tok);	/* returning without a discharge is the point */
		return (struct dma_fence_token_proof){};
	case DFT_NJ_RING_PUSH:
		/* The ring's own transfer, as before the driver used a queue. */
		if (dma_fence_token_ring_push(tok, dma_fence_token_jobq_ring(&n->q), &proof))
			pr_info("dft-neg-jobq: the ring refused job %llu\n", job->fence.seqno);
		return proof;
	default:
		break;
	}
	if (dma_fence_token_job_to_ring(tok, job, &proof))
		pr_info("dft-neg-jobq: the ring refused job %llu\n", job->fence.seqno);
	return proof;
}

static const struct dma_fence_token_jobq_ops dft_nj_ops = {
	.run = dft_nj_run,
};

/*
 * A queue and its signalling queue, allocated apart from the test so that
 * a case may leave them behind.
 */
static struct dft_nj *dft_nj_create_limit(struct kunit *test, enum dft_nj_misuse misuse,
					  unsigned int credit_limit)
{
	struct dft_nj *n = kzalloc(sizeof(*n), GFP_KERNEL);
	struct dma_fence_token_jobq_args args = {
		.name = "dft-neg-jobq",
		.ops = &dft_nj_ops,
		.fence_ops = &dft_nj_fence_ops,
		.capacity = 4,
		.credit_limit = credit_limit,
		.timeout = 10 * HZ,
	};

	KUNIT_ASSERT_NOT_NULL(test, n);
	mutex_init(&n->submit);
	n->misuse = misuse;
	args.wq = &n->wq;
	KUNIT_ASSERT_EQ(test, dma_fence_token_wq_init(&n->wq, "dft-neg-jobq-wq", 0), 0);
	KUNIT_ASSERT_EQ(test, dma_fence_token_jobq_init(&n->q, &args), 0);
	return n;
}

static struct dft_nj *dft_nj_create(struct kunit *test, enum dft_nj_misuse misuse)
{
	return dft_nj_create_limit(test, misuse, 0);
}

static void dft_nj_destroy(struct dft_nj *n)
{
	dma_fence_token_jobq_fini(&n->q);
	dma_fence_token_wq_fini(&n->wq);
	kfree(n);
}

static void dft_nj_cb(struct dma_fence *f, struct dma_fence_cb *cb)
{
	struct dft_nj_job *job = container_of(cb, struct dft_nj_job, cb);

	job->order = atomic_inc_return(&dft_nj_signals);
	atomic_inc(&job->signalled);
}

static struct dft_nj_job *dft_nj_prepare(struct kunit *test, struct dft_nj *n,
					 struct dma_fence *dep)
{
	struct dft_nj_job *job = kzalloc(sizeof(*job), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, job);
	KUNIT_ASSERT_EQ(test, dma_fence_token_job_prepare(&job->base, &n->q, 1, 1), 0);
	if (dep)
		KUNIT_ASSERT_EQ(test, dma_fence_token_job_add_dep(&job->base, dep), 0);
	return job;
}

/* Arm, watch and push a prepared job; the caller keeps a reference. */
static void dft_nj_push(struct dft_nj *n, struct dft_nj_job *job)
{
	DMA_FENCE_TOKEN(tok);
	struct dma_fence_token_proof proof;

	mutex_lock(&n->submit);
	dma_fence_token_job_arm(&job->base);
	if (dma_fence_add_callback(&job->base.fence, &job->cb, dft_nj_cb))
		atomic_inc(&job->signalled);
	dma_fence_token_begin(&tok, &job->base.fence);
	dma_fence_token_job_push(&tok, &job->base, &proof);
	dma_fence_token_proof_end(proof, &job->base.fence);
	mutex_unlock(&n->submit);
}

/* The job's fence ended signalled exactly once, with @status. */
static void dft_nj_expect(struct kunit *test, struct dft_nj_job *job, int status)
{
	KUNIT_EXPECT_GT(test, dma_fence_wait_timeout(&job->base.fence, false, 10 * HZ), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&job->signalled), 1);
	KUNIT_EXPECT_EQ(test, dma_fence_get_status(&job->base.fence), status);
}

static unsigned int dft_nj_complete(struct dft_nj *n, struct dft_nj_job *job)
{
	return dma_fence_token_ring_complete(dma_fence_token_jobq_ring(&n->q),
					     job->base.fence.seqno, 0);
}

/* A new job of @n runs inside its push and completes. */
static void dft_nj_expect_runs(struct kunit *test, struct dft_nj *n)
{
	struct dft_nj_job *job = dft_nj_prepare(test, n, NULL);
	int ran = atomic_read(&n->ran);

	dft_nj_push(n, job);
	KUNIT_EXPECT_EQ(test, atomic_read(&n->ran), ran + 1);
	KUNIT_EXPECT_EQ(test, dft_nj_complete(n, job), 1);
	dft_nj_expect(test, job, 1);
	dma_fence_put(&job->base.fence);
}

/* The kernel is still up after the misuse: a fresh queue runs a job. */
static void dft_nj_expect_alive(struct kunit *test)
{
	struct dft_nj *n = dft_nj_create(test, DFT_NJ_NONE);

	dft_nj_expect_runs(test, n);
	dft_nj_destroy(n);
}

static int dft_nj_init(struct kunit *test)
{
	struct dma_fence_token_stats *before;

	before = kunit_kzalloc(test, sizeof(*before), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, before);
	dma_fence_token_get_stats(before);
	test->priv = before;
	return 0;
}

static void dft_nj_expect_misuse(struct kunit *test, enum dma_fence_token_misuse kind)
{
	struct dma_fence_token_stats *before = test->priv, now;

	dma_fence_token_get_stats(&now);
	KUNIT_EXPECT_EQ(test, now.misuse[kind], before->misuse[kind] + 1);
}

static void dft_nj_need_lockdep(struct kunit *test)
{
	if (!IS_ENABLED(CONFIG_PROVE_LOCKING))
		kunit_skip(test, "needs CONFIG_PROVE_LOCKING");
	if (!debug_locks)
		kunit_skip(test, "lockdep already off: run one case per boot");
}

static void dft_nj_need_tracker(struct kunit *test)
{
	if (!IS_ENABLED(CONFIG_DMA_FENCE_TOKEN_DEBUG))
		kunit_skip(test, "needs CONFIG_DMA_FENCE_TOKEN_DEBUG");
}

/*
 * Misuse: a run callback allocates with GFP_KERNEL.  The job runs inside
 * its push, in the submitter's signalling section.
 */
static void dft_neg_jobq_run_gfp_kernel(struct kunit *test)
{
	struct dft_nj *n;
	struct dft_nj_job *job;

	dft_nj_need_lockdep(test);
	n = dft_nj_create(test, DFT_NJ_GFP_KERNEL);
	job = dft_nj_prepare(test, n, NULL);
	dft_nj_push(n, job);
	KUNIT_EXPECT_EQ(test, atomic_read(&n->ran), 1);
	KUNIT_EXPECT_EQ(test, debug_locks, 0);
	KUNIT_EXPECT_EQ(test, dft_nj_complete(n, job), 1);
	dft_nj_expect(test, job, 1);
	dma_fence_put(&job->base.fence);
	dft_nj_destroy(n);
	dft_nj_expect_alive(test);
}

/*
 * Misuse: a run callback waits for a fence.  The job waited for an
 * in-fence, so it runs on the job queue's signalling queue.
 */
static void dft_neg_jobq_run_fence_wait(struct kunit *test)
{
	struct mock_fence *dep;
	struct dft_nj_job *job;
	struct dft_nj *n;

	dft_nj_need_lockdep(test);
	n = dft_nj_create(test, DFT_NJ_FENCE_WAIT);
	dep = mock_fence_alloc(dma_fence_context_alloc(1), 1);
	KUNIT_ASSERT_NOT_NULL(test, dep);
	job = dft_nj_prepare(test, n, &dep->base);
	dft_nj_push(n, job);
	KUNIT_EXPECT_EQ(test, atomic_read(&n->ran), 0);
	dma_fence_signal(&dep->base);
	dma_fence_token_wq_flush(&n->wq);
	KUNIT_EXPECT_EQ(test, atomic_read(&n->ran), 1);
	KUNIT_EXPECT_EQ(test, debug_locks, 0);
	KUNIT_EXPECT_EQ(test, dft_nj_complete(n, job), 1);
	dft_nj_expect(test, job, 1);
	dma_fence_put(&job->base.fence);
	dft_nj_destroy(n);
	mock_fence_put(dep);
	dft_nj_expect_alive(test);
}

/*
 * Misuse: a run callback returns without discharging its token (it
 * neither hands the job to the ring nor signals it).  The tracker reports
 * the leaked token and cancels the fence; the job's ring slot comes back.
 */
static void dft_neg_jobq_run_no_discharge(struct kunit *test)
{
	struct dft_nj_job *job, *next;
	struct dft_nj *n;

	dft_nj_need_tracker(test);
	n = dft_nj_create(test, DFT_NJ_NO_DISCHARGE);
	job = dft_nj_prepare(test, n, NULL);
	dft_nj_push(n, job);
	KUNIT_EXPECT_EQ(test, atomic_read(&n->ran), 1);
	dft_nj_expect_misuse(test, DMA_FENCE_TOKEN_MISUSE_LEAK_SCOPE);
	dft_nj_expect(test, job, -ECANCELED);
	KUNIT_EXPECT_EQ(test, dma_fence_token_ring_pending(dma_fence_token_jobq_ring(&n->q)), 0);
	/* The same queue goes on: its next job reaches the ring. */
	n->misuse = DFT_NJ_NONE;
	next = dft_nj_prepare(test, n, NULL);
	dft_nj_push(n, next);
	KUNIT_EXPECT_EQ(test, dft_nj_complete(n, next), 1);
	dft_nj_expect(test, next, 1);
	dma_fence_put(&job->base.fence);
	dma_fence_put(&next->base.fence);
	dft_nj_destroy(n);
	KUNIT_EXPECT_EQ(test, debug_locks, 1);
	dft_nj_expect_alive(test);
}

/*
 * Misuse: a job that was never prepared nor armed is pushed, its fence
 * initialised by the driver itself as before it used a job queue.  The
 * push warns, refuses the job and signals its fence with an error; the
 * queue is left untouched.
 */
static void dft_neg_jobq_push_unarmed(struct kunit *test)
{
	DMA_FENCE_TOKEN(tok);
	struct dma_fence_token_jobq_stats s;
	struct dma_fence_token_proof proof;
	struct dft_nj_job *job;
	struct dft_nj *n;

	n = dft_nj_create(test, DFT_NJ_NONE);
	job = kzalloc(sizeof(*job), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, job);
	spin_lock_init(&job->lock);
	dma_fence_init(&job->base.fence, &dft_nj_fence_ops, &job->lock,
		       dma_fence_context_alloc(1), 1);
	KUNIT_ASSERT_EQ(test, dma_fence_add_callback(&job->base.fence, &job->cb,
						     dft_nj_cb), 0);

	mutex_lock(&n->submit);
	dma_fence_token_begin(&tok, &job->base.fence);
	dma_fence_token_job_push(&tok, &job->base, &proof);
	dma_fence_token_proof_end(proof, &job->base.fence);
	mutex_unlock(&n->submit);

	KUNIT_EXPECT_EQ(test, atomic_read(&job->signalled), 1);
	KUNIT_EXPECT_LT(test, dma_fence_get_status(&job->base.fence), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&n->ran), 0);
	dma_fence_token_jobq_get_stats(&n->q, &s);
	KUNIT_EXPECT_EQ(test, s.direct + s.deferred, 0);
	dma_fence_put(&job->base.fence);
	dft_nj_destroy(n);
	KUNIT_EXPECT_EQ(test, debug_locks, 1);
	dft_nj_expect_alive(test);
}

/*
 * Misuse: a job waiting for an in-fence is kfree()d while its queue holds
 * it (in its FIFO, its work item held on the signalling queue, a callback
 * on the in-fence).  The tracker reports the fence freed while its signal
 * is owed and forgets it.  The queue, its signalling queue and the
 * in-fence still point at the freed job: the case leaves all three behind
 * (leaked, never signalled or torn down), since touching them would use
 * freed memory.
 */
static void dft_neg_jobq_freed_queued(struct kunit *test)
{
	struct mock_fence *dep;
	struct dft_nj_job *job;
	struct dft_nj *n;

	dft_nj_need_tracker(test);
	if (!IS_ENABLED(CONFIG_DEBUG_OBJECTS_FREE))
		kunit_skip(test, "needs CONFIG_DEBUG_OBJECTS_FREE");
	n = dft_nj_create(test, DFT_NJ_NONE);
	dep = mock_fence_alloc(dma_fence_context_alloc(1), 1);
	KUNIT_ASSERT_NOT_NULL(test, dep);
	job = dft_nj_prepare(test, n, &dep->base);
	dft_nj_push(n, job);
	KUNIT_EXPECT_EQ(test, atomic_read(&n->ran), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&job->signalled), 0);

	kfree(job);
	dft_nj_expect_misuse(test, DMA_FENCE_TOKEN_MISUSE_FENCE_FREED);
	KUNIT_EXPECT_EQ(test, atomic_read(&n->ran), 0);
	KUNIT_EXPECT_EQ(test, debug_locks, 1);
	dft_nj_expect_alive(test);
}

/*
 * Misuse: the signalling queue is torn down before its job queue, with a
 * job at every stage: one on the ring (it holds the only credit), one
 * waiting for that credit, one waiting for an in-fence.  The ring reports
 * that its queue went first and closes for good; the waiting jobs are
 * cancelled by the signalling queue's teardown, their in-fence callback
 * removed.  Every fence ends signalled once with -ECANCELED, in seqno
 * order (their callbacks' order), and a later job is refused at prepare.  Then the in-fence
 * signals and the job queue is torn down: neither touches the jobs.
 */
static void dft_neg_jobq_queue_first(struct kunit *test)
{
	struct dft_nj_job *on_ring, *credit, *waiting, *late;
	struct mock_fence *dep;
	struct dft_nj *n;
	size_t cbs;

	n = dft_nj_create_limit(test, DFT_NJ_NONE, 1);
	dep = mock_fence_alloc(dma_fence_context_alloc(1), 1);
	KUNIT_ASSERT_NOT_NULL(test, dep);
	on_ring = dft_nj_prepare(test, n, NULL);
	dft_nj_push(n, on_ring);
	credit = dft_nj_prepare(test, n, NULL);
	dft_nj_push(n, credit);
	waiting = dft_nj_prepare(test, n, &dep->base);
	dft_nj_push(n, waiting);
	KUNIT_EXPECT_EQ(test, atomic_read(&n->ran), 1);
	KUNIT_EXPECT_EQ(test, dma_fence_token_ring_pending(dma_fence_token_jobq_ring(&n->q)), 1);

	dma_fence_token_wq_fini(&n->wq);
	dft_nj_expect(test, on_ring, -ECANCELED);
	dft_nj_expect(test, credit, -ECANCELED);
	dft_nj_expect(test, waiting, -ECANCELED);
	KUNIT_EXPECT_LT(test, on_ring->order, credit->order);
	KUNIT_EXPECT_LT(test, credit->order, waiting->order);
	KUNIT_EXPECT_EQ(test, atomic_read(&n->ran), 1);
	/*
	 * The job's callback is gone: the in-fence holds only the test's
	 * reference and the mock's own counting callback.
	 */
	KUNIT_EXPECT_EQ(test, kref_read(&dep->base.refcount), 1);
	spin_lock_irq(dep->base.lock);
	cbs = list_count_nodes(&dep->base.cb_list);
	spin_unlock_irq(dep->base.lock);
	KUNIT_EXPECT_EQ(test, cbs, 1);

	late = kzalloc(sizeof(*late), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, late);
	KUNIT_EXPECT_EQ(test, dma_fence_token_job_prepare(&late->base, &n->q, 1, 0), -ESHUTDOWN);
	kfree(late);

	dma_fence_signal(&dep->base);
	dma_fence_token_jobq_fini(&n->q);
	KUNIT_EXPECT_EQ(test, atomic_read(&n->ran), 1);
	KUNIT_EXPECT_EQ(test, atomic_read(&on_ring->signalled), 1);
	KUNIT_EXPECT_EQ(test, atomic_read(&credit->signalled), 1);
	KUNIT_EXPECT_EQ(test, atomic_read(&waiting->signalled), 1);
	dma_fence_put(&on_ring->base.fence);
	dma_fence_put(&credit->base.fence);
	dma_fence_put(&waiting->base.fence);
	mock_fence_put(dep);
	kfree(n);
	KUNIT_EXPECT_EQ(test, debug_locks, 1);
	dft_nj_expect_alive(test);
}

/*
 * Misuse: a driver's submit path fails after arm and fails the job with
 * dma_fence_token_job_fail(), meant for its run callback, instead of
 * discarding it: the job was never pushed and waits for an in-fence.
 * The call warns, signals the fence with an error and discards the job:
 * its in-fence callback is removed and its ring slot comes back, so the
 * in-fence's later signal touches nothing and the queue goes on.
 */
static void dft_neg_jobq_fail_unpushed(struct kunit *test)
{
	DMA_FENCE_TOKEN(tok);
	struct dma_fence_token_proof proof;
	struct mock_fence *dep;
	struct dft_nj_job *job;
	struct dft_nj *n;
	size_t cbs;

	n = dft_nj_create(test, DFT_NJ_NONE);
	dep = mock_fence_alloc(dma_fence_context_alloc(1), 1);
	KUNIT_ASSERT_NOT_NULL(test, dep);
	job = dft_nj_prepare(test, n, &dep->base);

	mutex_lock(&n->submit);
	dma_fence_token_job_arm(&job->base);
	KUNIT_ASSERT_EQ(test, dma_fence_add_callback(&job->base.fence, &job->cb,
						     dft_nj_cb), 0);
	dma_fence_token_begin(&tok, &job->base.fence);
	dma_fence_token_job_fail(&tok, &job->base, -EIO, &proof);
	dma_fence_token_proof_end(proof, &job->base.fence);
	mutex_unlock(&n->submit);

	dft_nj_expect(test, job, -ECANCELED);
	KUNIT_EXPECT_EQ(test, atomic_read(&n->ran), 0);
	KUNIT_EXPECT_EQ(test, dma_fence_token_ring_pending(dma_fence_token_jobq_ring(&n->q)), 0);
	/* Only the mock's own counting callback is left on the in-fence. */
	spin_lock_irq(dep->base.lock);
	cbs = list_count_nodes(&dep->base.cb_list);
	spin_unlock_irq(dep->base.lock);
	KUNIT_EXPECT_EQ(test, cbs, 1);
	KUNIT_EXPECT_EQ(test, kref_read(&dep->base.refcount), 1);
	dma_fence_put(&job->base.fence);
	dma_fence_signal(&dep->base);
	mock_fence_put(dep);

	/* The slot came back: the queue goes on. */
	dft_nj_expect_runs(test, n);
	KUNIT_EXPECT_EQ(test, atomic_read(&n->ran), 1);
	dft_nj_destroy(n);
	KUNIT_EXPECT_EQ(test, debug_locks, 1);
	dft_nj_expect_alive(test);
}

/*
 * Misuse: a run callback hands its job to the queue's ring with
 * dma_fence_token_ring_push(), as the driver did before it used a job
 * queue, instead of dma_fence_token_job_to_ring(), while an earlier job
 * is on the ring.  The ring warns and refuses it: the job ends with
 * -ECANCELED through its own slot, in order behind the earlier job, and
 * the next job, prepared before, still has its own slot and reaches the
 * ring.  Fences of the ring signal in seqno order.
 */
static void dft_neg_jobq_ring_push_direct(struct kunit *test)
{
	struct dft_nj_job *first, *job, *next;
	struct dft_nj *n;

	n = dft_nj_create(test, DFT_NJ_NONE);
	first = dft_nj_prepare(test, n, NULL);
	job = dft_nj_prepare(test, n, NULL);
	next = dft_nj_prepare(test, n, NULL);
	dft_nj_push(n, first);

	n->misuse = DFT_NJ_RING_PUSH;
	dft_nj_push(n, job);
	KUNIT_EXPECT_EQ(test, atomic_read(&n->ran), 2);
	/* Not ahead of the job on the ring. */
	KUNIT_EXPECT_EQ(test, atomic_read(&job->signalled), 0);

	n->misuse = DFT_NJ_NONE;
	dft_nj_push(n, next);
	KUNIT_EXPECT_EQ(test, atomic_read(&n->ran), 3);
	KUNIT_EXPECT_EQ(test, dma_fence_token_ring_pending(dma_fence_token_jobq_ring(&n->q)), 3);
	KUNIT_EXPECT_GE(test, dft_nj_complete(n, next), 2);
	dft_nj_expect(test, first, 1);
	dft_nj_expect(test, job, -ECANCELED);
	dft_nj_expect(test, next, 1);
	KUNIT_EXPECT_LT(test, first->order, job->order);
	KUNIT_EXPECT_LT(test, job->order, next->order);
	dma_fence_put(&first->base.fence);
	dma_fence_put(&job->base.fence);
	dma_fence_put(&next->base.fence);
	dft_nj_destroy(n);
	KUNIT_EXPECT_EQ(test, debug_locks, 1);
	dft_nj_expect_alive(test);
}

/* A second hand-over of a job pushed already, with a token begun again. */
static void dft_nj_again(struct dft_nj *n, struct dft_nj_job *job, bool fail)
{
	DMA_FENCE_TOKEN(tok);
	struct dma_fence_token_proof proof;

	mutex_lock(&n->submit);
	dma_fence_token_begin(&tok, &job->base.fence);
	if (fail)
		dma_fence_token_job_fail(&tok, &job->base, -EIO, &proof);
	else
		dma_fence_token_job_push(&tok, &job->base, &proof);
	dma_fence_token_proof_end(proof, &job->base.fence);
	mutex_unlock(&n->submit);
}

/*
 * The misuse of the two cases below, on a job the ring completed, one on
 * the ring (the hardware may be running it) and one waiting for an
 * in-fence.  The new token's begin is a second guarantee where the signal
 * is still owed (the tracker reports it); the hand-over warns and ends
 * that token without a signal.  Each fence signals once, without error,
 * when the ring completes its job, and the tracker keeps no record of the
 * second tokens.  The completed job is handed over twice more: had the
 * first of those left the guarantee object active, the second would be
 * reported as a second guarantee too.
 */
static void dft_nj_owed_again(struct kunit *test, bool fail)
{
	struct dma_fence_token_stats *before = test->priv, now;
	struct dft_nj_job *done, *on_ring, *waiting;
	struct mock_fence *dep;
	struct dft_nj *n;

	n = dft_nj_create(test, DFT_NJ_NONE);
	dep = mock_fence_alloc(dma_fence_context_alloc(1), 1);
	KUNIT_ASSERT_NOT_NULL(test, dep);
	done = dft_nj_prepare(test, n, NULL);
	dft_nj_push(n, done);
	KUNIT_EXPECT_EQ(test, dft_nj_complete(n, done), 1);
	on_ring = dft_nj_prepare(test, n, NULL);
	dft_nj_push(n, on_ring);
	waiting = dft_nj_prepare(test, n, &dep->base);
	dft_nj_push(n, waiting);
	KUNIT_EXPECT_EQ(test, atomic_read(&n->ran), 2);

	dft_nj_again(n, done, fail);
	dft_nj_again(n, done, fail);
	dft_nj_again(n, on_ring, fail);
	dft_nj_again(n, waiting, fail);
	dft_nj_expect(test, done, 1);
	KUNIT_EXPECT_EQ(test, atomic_read(&on_ring->signalled), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&waiting->signalled), 0);
	if (IS_ENABLED(CONFIG_DMA_FENCE_TOKEN_DEBUG)) {
		dma_fence_token_get_stats(&now);
		KUNIT_EXPECT_EQ(test, now.misuse[DMA_FENCE_TOKEN_MISUSE_SECOND_GUARANTEE],
				before->misuse[DMA_FENCE_TOKEN_MISUSE_SECOND_GUARANTEE] + 2);
		/* The queue's and the ring's records, none of the new tokens. */
		KUNIT_EXPECT_EQ(test, now.obligations_live, before->obligations_live + 2);
	}

	/* The in-fence releases the waiting job to the worker: it runs once. */
	dma_fence_signal(&dep->base);
	dma_fence_token_wq_flush(&n->wq);
	KUNIT_EXPECT_EQ(test, atomic_read(&n->ran), 3);
	KUNIT_EXPECT_EQ(test, dma_fence_token_ring_pending(dma_fence_token_jobq_ring(&n->q)), 2);
	KUNIT_EXPECT_EQ(test, dft_nj_complete(n, waiting), 2);
	dft_nj_expect(test, on_ring, 1);
	dft_nj_expect(test, waiting, 1);
	dma_fence_put(&done->base.fence);
	dma_fence_put(&on_ring->base.fence);
	dma_fence_put(&waiting->base.fence);
	mock_fence_put(dep);
	dft_nj_expect_runs(test, n);
	dft_nj_destroy(n);
	if (IS_ENABLED(CONFIG_DMA_FENCE_TOKEN_DEBUG)) {
		dma_fence_token_get_stats(&now);
		KUNIT_EXPECT_EQ(test, now.obligations_live, before->obligations_live);
		KUNIT_EXPECT_EQ(test, now.misuse[DMA_FENCE_TOKEN_MISUSE_SECOND_GUARANTEE],
				before->misuse[DMA_FENCE_TOKEN_MISUSE_SECOND_GUARANTEE] + 2);
	}
	KUNIT_EXPECT_EQ(test, debug_locks, 1);
	dft_nj_expect_alive(test);
}

/*
 * Misuse: a driver pushes a job a second time (a retry path that missed
 * that the first push went through).  Before, the second push cancelled
 * the fence at once, while the job was on the hardware.
 */
static void dft_neg_jobq_push_twice(struct kunit *test)
{
	dft_nj_owed_again(test, false);
}

/*
 * Misuse: a submit error path fails a job with dma_fence_token_job_fail()
 * after the job was pushed.
 */
static void dft_neg_jobq_fail_pushed(struct kunit *test)
{
	dft_nj_owed_again(test, true);
}

static struct kunit_case dft_neg_jobq_cases[] = {
	KUNIT_CASE(dft_neg_jobq_run_gfp_kernel),
	KUNIT_CASE(dft_neg_jobq_run_fence_wait),
	KUNIT_CASE(dft_neg_jobq_run_no_discharge),
	KUNIT_CASE(dft_neg_jobq_push_unarmed),
	KUNIT_CASE(dft_neg_jobq_freed_queued),
	KUNIT_CASE(dft_neg_jobq_queue_first),
	KUNIT_CASE(dft_neg_jobq_fail_unpushed),
	KUNIT_CASE(dft_neg_jobq_ring_push_direct),
	KUNIT_CASE(dft_neg_jobq_push_twice),
	KUNIT_CASE(dft_neg_jobq_fail_pushed),
	{}
};

static struct kunit_suite dft_neg_jobq_suite = {
	.name = "dma_fence_token_neg_jobq",
	.init = dft_nj_init,
	.test_cases = dft_neg_jobq_cases,
};

kunit_test_suite(dft_neg_jobq_suite);

MODULE_DESCRIPTION("KUnit misuse tests for DMA fence job queues");
MODULE_LICENSE("GPL");
