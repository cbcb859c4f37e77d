// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suites for signalling workqueues: transfers, chains across queues,
 * concurrent submitters, 10,000 items and teardown with items in flight.
 * Every fence must be signalled exactly once with the expected status and
 * nothing may be reported.
 */

#include <kunit/test.h>
#include <linux/jiffies.h>
#include <linux/kthread.h>
#include <linux/delay.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>

#include "dma-fence-token-mock.h"

MODULE_IMPORT_NS(EXPORTED_FOR_KUNIT_TESTING);

/**
 * struct wq_job - a driver job that goes through signalling queues
 * @fence: the job's fence, with a counting callback
 * @work: the job's signalling work item
 * @next: queue to hand the job to next, if @hops is not zero
 * @hops: transfers left before the job signals
 * @error: status to signal with
 * @hold_ms: the callback stays busy this long (without sleeping)
 * @ran: the callback ran the job
 * @cancelled: the callback ran for an item that teardown cancelled, and
 *	would have freed what the job owns
 * @refused: a transfer onward was refused
 */
struct wq_job {
	struct mock_fence *fence;
	struct dma_fence_token_wq_item work;
	struct dma_fence_token_wq *next[2];
	unsigned int hops;
	int error;
	unsigned int hold_ms;
	bool ran;
	bool cancelled;
	bool refused;
};

static struct dma_fence_token_proof wq_job_run(struct dma_fence_token_wq_item *work,
					       struct dma_fence_token *tok)
	__releases(tok)
{
	struct wq_job *job = container_of(work, struct wq_job, work);
	struct dma_fence_token_proof proof;

	if (dma_fence_token_wq_item_cancelled(work)) {
		/* The fence carries -ECANCELED already: 0 keeps it. */
		WRITE_ONCE(job->cancelled, true);
		return dma_fence_token_signal(tok, 0);
	}
	WRITE_ONCE(job->ran, true);
	if (job->hold_ms) {
		unsigned long until = jiffies + msecs_to_jiffies(job->hold_ms);

		/* Busy, but lets the submitter run on a one-CPU UML. */
		while (time_before(jiffies, until))
			cond_resched();
	}
	if (job->hops) {
		struct dma_fence_token_wq *q = job->next[job->hops % 2];

		job->hops--;
		/* Refused only while tearing down; the fence is then signalled. */
		if (dma_fence_token_wq_queue(tok, q, &job->work, &proof))
			job->refused = true;
		return proof;
	}
	return dma_fence_token_signal(tok, job->error);
}

/**
 * struct wq_test - per-case state
 * @before: tracker counters at the start
 * @q: two signalling queues, unordered and ordered
 * @context: fence context
 */
struct wq_test {
	struct dma_fence_token_stats before;
	struct dma_fence_token_wq q[2];
	u64 context;
};

static int wq_test_init(struct kunit *test)
{
	struct wq_test *t = kunit_kzalloc(test, sizeof(*t), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, t);
	mock_expect_armed(test, &t->before);
	test->priv = t;
	KUNIT_ASSERT_EQ(test, dma_fence_token_wq_init(&t->q[0], "dft-test-wq", 0), 0);
	KUNIT_ASSERT_EQ(test, dma_fence_token_wq_init(&t->q[1], "dft-test-wq-ordered",
						      DMA_FENCE_TOKEN_WQ_ORDERED), 0);
	t->context = dma_fence_context_alloc(1);
	test->priv = t;
	return 0;
}

static void wq_test_exit(struct kunit *test)
{
	struct wq_test *t = test->priv;

	if (!t)
		return;
	/* fini is always legal, also a second time. */
	dma_fence_token_wq_fini(&t->q[0]);
	dma_fence_token_wq_fini(&t->q[1]);
}

static void wq_expect_clean(struct kunit *test)
{
	struct wq_test *t = test->priv;

	mock_expect_clean(test, &t->before);
}

static struct wq_job *wq_job_new(struct kunit *test, u64 seqno, unsigned int hops,
				 int error)
{
	struct wq_test *t = test->priv;
	struct wq_job *job = kzalloc(sizeof(*job), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, job);
	job->fence = mock_fence_alloc(t->context, seqno);
	KUNIT_ASSERT_NOT_NULL(test, job->fence);
	dma_fence_token_wq_item_init(&job->work, wq_job_run);
	job->next[0] = &t->q[0];
	job->next[1] = &t->q[1];
	job->hops = hops;
	job->error = error;
	return job;
}

static void wq_job_free(struct wq_job *job)
{
	mock_fence_put(job->fence);
	kfree(job);
}

/* Submit @job to queue @qi from a signalling section of the caller. */
/* A job of odd seqno goes through a scoped token, the others a plain one. */
static int wq_submit_scoped(struct wq_test *t, struct wq_job *job, unsigned int qi)
{
	DMA_FENCE_TOKEN(tok);
	struct dma_fence_token_proof proof;
	int ret;

	dma_fence_token_begin(&tok, &job->fence->base);
	ret = dma_fence_token_wq_queue(&tok, &t->q[qi], &job->work, &proof);
	dma_fence_token_proof_end(proof, &job->fence->base);
	return ret;
}

static int wq_submit(struct kunit *test, struct wq_job *job, unsigned int qi)
{
	struct wq_test *t = test->priv;
	struct dma_fence_token tok = {};
	struct dma_fence_token_proof proof;
	int ret;

	if (job->fence->base.seqno & 1)
		return wq_submit_scoped(t, job, qi);
	dma_fence_token_begin(&tok, &job->fence->base);
	ret = dma_fence_token_wq_queue(&tok, &t->q[qi], &job->work, &proof);
	dma_fence_token_proof_end(proof, &job->fence->base);
	return ret;
}

static void wq_expect_signalled(struct kunit *test, struct wq_job *job, int status)
{
	KUNIT_EXPECT_GE(test, dma_fence_wait_timeout(&job->fence->base, false,
						     msecs_to_jiffies(10000)), 1);
	KUNIT_EXPECT_EQ(test, atomic_read(&job->fence->signalled), 1);
	KUNIT_EXPECT_EQ(test, dma_fence_get_status(&job->fence->base), status);
}

/*
 * Scenario: a submit ioctl hands its fence to a signalling work item which
 * signals it; on the unordered and on the ordered queue.
 */
static void wq_signal_in_item(struct kunit *test)
{
	unsigned int qi;

	for (qi = 0; qi < 2; qi++) {
		struct wq_job *job = wq_job_new(test, qi + 1, 0, qi ? -EIO : 0);

		KUNIT_EXPECT_EQ(test, wq_submit(test, job, qi), 0);
		wq_expect_signalled(test, job, qi ? -EIO : 1);
		KUNIT_EXPECT_TRUE(test, job->ran);
		wq_job_free(job);
	}
	wq_expect_clean(test);
}

/*
 * Scenario: an item transfers its fence onward, alternating between the
 * two queues, 1 and 16 hops; the last item signals.
 */
static void wq_chain(struct kunit *test)
{
	static const unsigned int hops[] = { 1, 16 };
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(hops); i++) {
		struct wq_job *job = wq_job_new(test, i + 1, hops[i], -EPIPE);

		KUNIT_EXPECT_EQ(test, wq_submit(test, job, i % 2), 0);
		wq_expect_signalled(test, job, -EPIPE);
		KUNIT_EXPECT_EQ(test, job->hops, 0);
		wq_job_free(job);
	}
	wq_expect_clean(test);
}

/*
 * Scenario: the submitter holds the token of an earlier fence while it
 * queues a second one, then signals the first (nested sections).
 */
static void wq_nested(struct kunit *test)
{
	struct wq_job *job = wq_job_new(test, 2, 0, 0);
	struct mock_fence *outer = mock_fence_alloc(dma_fence_context_alloc(1), 1);
	struct dma_fence_token tok;

	KUNIT_ASSERT_NOT_NULL(test, outer);
	dma_fence_token_begin(&tok, &outer->base);
	KUNIT_EXPECT_EQ(test, wq_submit(test, job, 1), 0);
	dma_fence_token_proof_end(dma_fence_token_signal(&tok, 0), &outer->base);
	wq_expect_signalled(test, job, 1);
	KUNIT_EXPECT_EQ(test, atomic_read(&outer->signalled), 1);
	mock_fence_put(outer);
	wq_job_free(job);
	wq_expect_clean(test);
}

#define WQ_MANY 10000

/*
 * Scenario: 10,000 items, spread over both queues, some with a hop; every
 * fence signalled exactly once with its own status.
 */
static void wq_many(struct kunit *test)
{
	struct wq_job **jobs = kvcalloc(WQ_MANY, sizeof(*jobs), GFP_KERNEL);
	unsigned int i;

	KUNIT_ASSERT_NOT_NULL(test, jobs);
	for (i = 0; i < WQ_MANY; i++) {
		jobs[i] = wq_job_new(test, i + 1, i % 3 == 0, (i % 5) ? 0 : -EIO);
		KUNIT_EXPECT_EQ(test, wq_submit(test, jobs[i], i % 2), 0);
		if (!(i % 256))
			cond_resched();
	}
	for (i = 0; i < WQ_MANY; i++) {
		wq_expect_signalled(test, jobs[i], (i % 5) ? 1 : -EIO);
		wq_job_free(jobs[i]);
	}
	kvfree(jobs);
	wq_expect_clean(test);
}

#define WQ_PER_THREAD 2000

/**
 * struct wq_submitter - one of two concurrent submitting threads
 * @test: the test
 * @jobs: its jobs
 * @failed: submissions refused
 * @done: set when it finished
 */
struct wq_submitter {
	struct kunit *test;
	struct wq_job *jobs[WQ_PER_THREAD];
	unsigned int failed;
	struct completion done;
};

static int wq_submitter_fn(void *data)
{
	struct wq_submitter *s = data;
	unsigned int i;

	for (i = 0; i < WQ_PER_THREAD; i++) {
		if (wq_submit(s->test, s->jobs[i], i % 2))
			s->failed++;
		if (!(i % 64))
			cond_resched();
	}
	complete(&s->done);
	return 0;
}

/*
 * Scenario: two submitters on two CPUs push 2,000 items each, some
 * hopping between the queues.
 */
static void wq_concurrent(struct kunit *test)
{
	struct wq_submitter *s = vzalloc(2 * sizeof(*s));
	struct task_struct *th;
	unsigned int i, j;

	KUNIT_ASSERT_NOT_NULL(test, s);
	for (j = 0; j < 2; j++) {
		s[j].test = test;
		init_completion(&s[j].done);
		for (i = 0; i < WQ_PER_THREAD; i++)
			s[j].jobs[i] = wq_job_new(test, j * WQ_PER_THREAD + i + 1,
						  i % 4 == 0 ? 2 : 0, 0);
	}
	for (j = 0; j < 2; j++) {
		th = kthread_run(wq_submitter_fn, &s[j], "dft-submit%u", j);
		KUNIT_ASSERT_FALSE(test, IS_ERR(th));
	}
	for (j = 0; j < 2; j++) {
		wait_for_completion(&s[j].done);
		KUNIT_EXPECT_EQ(test, s[j].failed, 0);
		for (i = 0; i < WQ_PER_THREAD; i++) {
			wq_expect_signalled(test, s[j].jobs[i], 1);
			wq_job_free(s[j].jobs[i]);
		}
	}
	vfree(s);
	wq_expect_clean(test);
}

#define WQ_TEARDOWN 64

/*
 * Scenario: the ordered queue is torn down while its first item is still
 * busy (500 ms) and the rest wait behind it.  The running item finishes;
 * the others are cancelled, and each one's callback is told so (audit 6:
 * before, a cancelled item never reached the driver, which leaked what
 * the job owned).  Every fence ends signalled exactly once; a transfer to
 * the dead queue is refused and its fence signalled with -ECANCELED.
 */
static void wq_teardown(struct kunit *test)
{
	struct wq_test *t = test->priv;
	struct wq_job *jobs[WQ_TEARDOWN], *late;
	unsigned int i, ran = 0, cancelled = 0;

	for (i = 0; i < WQ_TEARDOWN; i++) {
		jobs[i] = wq_job_new(test, i + 1, 0, 0);
		jobs[i]->hold_ms = i ? 0 : 500;
		KUNIT_EXPECT_EQ(test, wq_submit(test, jobs[i], 1), 0);
		/* The first item is running before the others queue up. */
		while (!i && !READ_ONCE(jobs[0]->ran))
			usleep_range(500, 1000);
	}
	dma_fence_token_wq_fini(&t->q[1]);

	for (i = 0; i < WQ_TEARDOWN; i++) {
		int status = dma_fence_get_status(&jobs[i]->fence->base);

		KUNIT_EXPECT_EQ(test, atomic_read(&jobs[i]->fence->signalled), 1);
		if (jobs[i]->ran) {
			KUNIT_EXPECT_EQ(test, status, 1);
			KUNIT_EXPECT_FALSE(test, jobs[i]->cancelled);
			ran++;
		} else {
			/* Its callback saw the cancel: the job could free itself. */
			KUNIT_EXPECT_EQ(test, status, -ECANCELED);
			KUNIT_EXPECT_TRUE(test, jobs[i]->cancelled);
			cancelled++;
		}
		wq_job_free(jobs[i]);
	}
	KUNIT_EXPECT_EQ(test, ran, 1);
	KUNIT_EXPECT_EQ(test, cancelled, WQ_TEARDOWN - 1);
	kunit_info(test, "teardown: %u items ran, %u cancelled\n", ran, cancelled);

	late = wq_job_new(test, WQ_TEARDOWN + 1, 0, 0);
	KUNIT_EXPECT_EQ(test, wq_submit(test, late, 1), -ESHUTDOWN);
	KUNIT_EXPECT_EQ(test, atomic_read(&late->fence->signalled), 1);
	KUNIT_EXPECT_EQ(test, dma_fence_get_status(&late->fence->base), -ECANCELED);
	KUNIT_EXPECT_FALSE(test, late->ran);
	wq_job_free(late);
	wq_expect_clean(test);
}

/*
 * Scenario: a job that waits for a dependency is transferred held by its
 * submitter; it runs only when the dependency's callback releases it.  A
 * second held item is never released and teardown cancels it.
 */
static void wq_held(struct kunit *test)
{
	struct wq_test *t = test->priv;
	struct wq_job *job = wq_job_new(test, 1, 0, -EPIPE);
	struct wq_job *never = wq_job_new(test, 2, 0, 0);
	struct dma_fence_token tok;
	struct dma_fence_token_proof proof;

	dma_fence_token_begin(&tok, &job->fence->base);
	KUNIT_EXPECT_EQ(test, dma_fence_token_wq_queue_held(&tok, &t->q[0],
							    &job->work, &proof), 0);
	dma_fence_token_proof_end(proof, &job->fence->base);
	dma_fence_token_begin(&tok, &never->fence->base);
	KUNIT_EXPECT_EQ(test, dma_fence_token_wq_queue_held(&tok, &t->q[1],
							    &never->work, &proof), 0);
	dma_fence_token_proof_end(proof, &never->fence->base);

	/* Held: nothing runs. */
	KUNIT_EXPECT_EQ(test, dma_fence_wait_timeout(&job->fence->base, false,
						     msecs_to_jiffies(50)), 0);
	KUNIT_EXPECT_FALSE(test, READ_ONCE(job->ran));

	KUNIT_EXPECT_TRUE(test, dma_fence_token_wq_item_release(&job->work));
	wq_expect_signalled(test, job, -EPIPE);
	KUNIT_EXPECT_TRUE(test, job->ran);

	dma_fence_token_wq_fini(&t->q[1]);
	wq_expect_signalled(test, never, -ECANCELED);
	KUNIT_EXPECT_FALSE(test, never->ran);
	KUNIT_EXPECT_TRUE(test, never->cancelled);
	/* Released after teardown cancelled it: nothing happens. */
	KUNIT_EXPECT_FALSE(test, dma_fence_token_wq_item_release(&never->work));
	KUNIT_EXPECT_FALSE(test, never->ran);
	wq_job_free(job);
	wq_job_free(never);
	wq_expect_clean(test);
}

static struct kunit_case wq_cases[] = {
	KUNIT_CASE(wq_signal_in_item),
	KUNIT_CASE(wq_chain),
	KUNIT_CASE(wq_nested),
	KUNIT_CASE(wq_teardown),
	KUNIT_CASE(wq_held),
	KUNIT_CASE(wq_concurrent),
	KUNIT_CASE(wq_many),
	{}
};

static struct kunit_suite wq_suite = {
	.name = "dma_fence_token_wq",
	.init = wq_test_init,
	.exit = wq_test_exit,
	.test_cases = wq_cases,
};

kunit_test_suite(wq_suite);

MODULE_DESCRIPTION("KUnit tests for DMA fence signalling workqueues");
MODULE_LICENSE("GPL");
