// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suites for the fence signalling token core: correct use must
 * signal every fence exactly once, with the error it was given, and must
 * not produce a single lockdep or tracker report.
 */

#include <kunit/test.h>
#include <linux/cpumask.h>
#include <linux/delay.h>
#include <linux/kthread.h>
#include <linux/sched.h>
#include <linux/sched/task.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>

#include "dma-fence-token-mock.h"
#include "../dma-fence-token-internal.h"

MODULE_IMPORT_NS(EXPORTED_FOR_KUNIT_TESTING);

/**
 * struct dft_test - per-case state
 * @before: tracker counters when the case started
 * @context: fence context for the case's fences
 */
struct dft_test {
	struct dma_fence_token_stats before;
	u64 context;
};

static int dft_test_init(struct kunit *test)
{
	struct dft_test *t = kunit_kzalloc(test, sizeof(*t), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, t);
	mock_expect_armed(test, &t->before);
	t->context = dma_fence_context_alloc(1);
	test->priv = t;
	return 0;
}

/* Every positive case ends here: no lockdep report, no tracker report. */
static void dft_expect_clean(struct kunit *test)
{
	struct dft_test *t = test->priv;

	mock_expect_clean(test, &t->before);
}

static struct mock_fence *dft_fence(struct kunit *test, u64 seqno)
{
	struct dft_test *t = test->priv;
	struct mock_fence *mf = mock_fence_alloc(t->context, seqno);

	KUNIT_ASSERT_NOT_NULL(test, mf);
	return mf;
}

static const int dft_errors[] = { 0, -EIO, -ETIMEDOUT, -ECANCELED, -ENOMEM, -EINVAL };

static void dft_error_desc(const int *err, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "error %d", *err);
}

KUNIT_ARRAY_PARAM(dft_error, dft_errors, dft_error_desc);

/*
 * Scenario: a job completes synchronously and signals its fence with the
 * status the hardware gave.  The fence carries exactly that error and its
 * callbacks run once.
 */
static void dft_signal_now(struct kunit *test)
{
	const int *err = test->param_value;
	struct mock_fence *mf = dft_fence(test, 1);
	struct dma_fence_token tok;

	dma_fence_token_begin(&tok, &mf->base);
	KUNIT_EXPECT_FALSE(test, mock_fence_signalled(mf));
	dma_fence_token_proof_end(dma_fence_token_signal(&tok, *err), &mf->base);

	KUNIT_EXPECT_TRUE(test, mock_fence_signalled(mf));
	KUNIT_EXPECT_EQ(test, mf->base.error, *err);
	KUNIT_EXPECT_EQ(test, dma_fence_get_status(&mf->base), *err ? *err : 1);
	KUNIT_EXPECT_EQ(test, atomic_read(&mf->signalled), 1);
	mock_fence_put(mf);
	dft_expect_clean(test);
}

/*
 * Scenario: the holder cannot use a sanctioned path and promises; another
 * context keeps the promise later with an opportunistic signal.
 */
static void dft_promise_kept(struct kunit *test)
{
	struct dft_test *t = test->priv;
	struct mock_fence *mf = dft_fence(test, 1);
	struct dma_fence_token_stats now;
	struct dma_fence_token tok;

	dma_fence_token_begin(&tok, &mf->base);
	dma_fence_token_proof_end(dma_fence_token_promise(&tok), &mf->base);
	KUNIT_EXPECT_FALSE(test, mock_fence_signalled(mf));

	if (IS_ENABLED(CONFIG_DMA_FENCE_TOKEN_DEBUG)) {
		dma_fence_token_get_stats(&now);
		KUNIT_EXPECT_EQ(test, now.discharged[DMA_FENCE_TOKEN_PATH_PROMISE],
				t->before.discharged[DMA_FENCE_TOKEN_PATH_PROMISE] + 1);
		KUNIT_EXPECT_GE(test, now.promises_pending, 1);
	}

	KUNIT_EXPECT_TRUE(test, dma_fence_token_signal_opportunistic(&mf->base, 0));
	KUNIT_EXPECT_EQ(test, dma_fence_get_status(&mf->base), 1);
	KUNIT_EXPECT_EQ(test, atomic_read(&mf->signalled), 1);

	if (IS_ENABLED(CONFIG_DMA_FENCE_TOKEN_DEBUG)) {
		dma_fence_token_get_stats(&now);
		KUNIT_EXPECT_EQ(test, now.promises_kept, t->before.promises_kept + 1);
		KUNIT_EXPECT_EQ(test, now.opportunistic, t->before.opportunistic + 1);
	}
	mock_fence_put(mf);
	dft_expect_clean(test);
}

/*
 * Scenario: a token is begun while another is live (a submit that signals
 * an earlier job's fence), and inside a driver's own
 * dma_fence_begin_signalling() section.  Nesting is legal.
 */
static void dft_nesting(struct kunit *test)
{
	struct mock_fence *a = dft_fence(test, 1);
	struct mock_fence *b = dft_fence(test, 2);
	struct mock_fence *c = dft_fence(test, 3);
	struct dma_fence_token ta, tb, tc;
	bool cookie;

	dma_fence_token_begin(&ta, &a->base);
	dma_fence_token_begin(&tb, &b->base);
	dma_fence_token_proof_end(dma_fence_token_signal(&tb, 0), &b->base);
	dma_fence_token_proof_end(dma_fence_token_signal(&ta, -EIO), &a->base);

	cookie = dma_fence_begin_signalling();
	dma_fence_token_begin(&tc, &c->base);
	dma_fence_token_proof_end(dma_fence_token_signal(&tc, 0), &c->base);
	dma_fence_end_signalling(cookie);

	KUNIT_EXPECT_EQ(test, dma_fence_get_status(&a->base), -EIO);
	KUNIT_EXPECT_EQ(test, dma_fence_get_status(&b->base), 1);
	KUNIT_EXPECT_EQ(test, dma_fence_get_status(&c->base), 1);
	KUNIT_EXPECT_EQ(test, atomic_read(&a->signalled), 1);
	KUNIT_EXPECT_EQ(test, atomic_read(&b->signalled), 1);
	KUNIT_EXPECT_EQ(test, atomic_read(&c->signalled), 1);
	mock_fence_put(a);
	mock_fence_put(b);
	mock_fence_put(c);
	dft_expect_clean(test);
}

/*
 * Scenario: a scoped token is discharged on every return path, and the
 * signalling section allows what the rules allow: GFP_NOWAIT allocations
 * and spinlocks.
 */
static struct dma_fence_token_proof dft_scoped_finish(struct mock_fence *mf, bool fail)
{
	DMA_FENCE_TOKEN(tok);
	void *p;

	dma_fence_token_begin(&tok, &mf->base);
	p = kmalloc(64, GFP_NOWAIT | __GFP_NOWARN);
	kfree(p);
	if (fail)
		return dma_fence_token_signal(&tok, -ENOMEM);
	return dma_fence_token_signal(&tok, 0);
}

static void dft_scoped(struct kunit *test)
{
	struct mock_fence *ok = dft_fence(test, 1);
	struct mock_fence *bad = dft_fence(test, 2);

	dma_fence_token_proof_end(dft_scoped_finish(ok, false), &ok->base);
	dma_fence_token_proof_end(dft_scoped_finish(bad, true), &bad->base);
	KUNIT_EXPECT_EQ(test, dma_fence_get_status(&ok->base), 1);
	KUNIT_EXPECT_EQ(test, dma_fence_get_status(&bad->base), -ENOMEM);
	KUNIT_EXPECT_EQ(test, atomic_read(&ok->signalled), 1);
	KUNIT_EXPECT_EQ(test, atomic_read(&bad->signalled), 1);
	mock_fence_put(ok);
	mock_fence_put(bad);
	dft_expect_clean(test);
}

/*
 * Scenario: a live token names its fence; a token is begun again for a
 * second fence once discharged.
 */
static void dft_token_reuse(struct kunit *test)
{
	struct mock_fence *a = dft_fence(test, 1);
	struct mock_fence *b = dft_fence(test, 2);
	struct dma_fence_token tok;

	dma_fence_token_begin(&tok, &a->base);
	KUNIT_EXPECT_PTR_EQ(test, dma_fence_token_fence(&tok), &a->base);
	dma_fence_token_proof_end(dma_fence_token_signal(&tok, 0), &a->base);
	dma_fence_token_begin(&tok, &b->base);
	KUNIT_EXPECT_PTR_EQ(test, dma_fence_token_fence(&tok), &b->base);
	dma_fence_token_proof_end(dma_fence_token_signal(&tok, 0), &b->base);
	KUNIT_EXPECT_EQ(test, atomic_read(&a->signalled), 1);
	KUNIT_EXPECT_EQ(test, atomic_read(&b->signalled), 1);
	mock_fence_put(a);
	mock_fence_put(b);
	dft_expect_clean(test);
}

/*
 * Scenario: a wait ioctl signals a fence opportunistically before or after
 * the holder of the guarantee.  Exactly one signal; the first status wins.
 */
static void dft_opportunistic(struct kunit *test)
{
	struct mock_fence *a = dft_fence(test, 1);
	struct mock_fence *b = dft_fence(test, 2);
	struct dma_fence_token tok;

	dma_fence_token_begin(&tok, &a->base);
	dma_fence_token_proof_end(dma_fence_token_signal(&tok, -EIO), &a->base);
	KUNIT_EXPECT_FALSE(test, dma_fence_token_signal_opportunistic(&a->base, 0));
	KUNIT_EXPECT_EQ(test, dma_fence_get_status(&a->base), -EIO);

	dma_fence_token_begin(&tok, &b->base);
	KUNIT_EXPECT_TRUE(test, dma_fence_token_signal_opportunistic(&b->base, -EAGAIN));
	dma_fence_token_proof_end(dma_fence_token_signal(&tok, 0), &b->base);
	KUNIT_EXPECT_EQ(test, dma_fence_get_status(&b->base), -EAGAIN);

	KUNIT_EXPECT_EQ(test, atomic_read(&a->signalled), 1);
	KUNIT_EXPECT_EQ(test, atomic_read(&b->signalled), 1);
	mock_fence_put(a);
	mock_fence_put(b);
	dft_expect_clean(test);
}

#define DFT_RACE_FENCES 2000

/**
 * struct dft_race - opportunistic signaller racing the guaranteed one
 * @fences: the fences, published in order through @published
 * @won: set when the opportunistic signal won for that fence
 * @published: number of fences the holder has begun
 */
struct dft_race {
	struct mock_fence *fences[DFT_RACE_FENCES];
	bool won[DFT_RACE_FENCES];
	atomic_t published;
};

static int dft_race_thread(void *data)
{
	struct dft_race *r = data;
	int i = 0;

	while (i < DFT_RACE_FENCES) {
		if (i >= atomic_read_acquire(&r->published)) {
			/* UML has one CPU and no preemption. */
			cond_resched();
			continue;
		}
		r->won[i] = dma_fence_token_signal_opportunistic(&r->fences[i]->base,
								 -EAGAIN);
		i++;
	}
	return 0;
}

/*
 * Scenario: on two CPUs, an interrupt-like opportunistic signaller races
 * the token holder for 2,000 fences.  Each fence is signalled exactly once
 * and carries the status of whoever won.
 */
static void dft_opportunistic_race(struct kunit *test)
{
	struct dft_race *r = vzalloc(sizeof(*r));
	struct task_struct *thread;
	unsigned int i, won = 0;

	KUNIT_ASSERT_NOT_NULL(test, r);
	for (i = 0; i < DFT_RACE_FENCES; i++)
		r->fences[i] = dft_fence(test, i + 1);

	thread = kthread_create(dft_race_thread, r, "dft-race");
	KUNIT_ASSERT_FALSE(test, IS_ERR(thread));
	if (num_online_cpus() > 1)
		kthread_bind(thread, cpumask_last(cpu_online_mask));
	get_task_struct(thread);
	wake_up_process(thread);

	for (i = 0; i < DFT_RACE_FENCES; i++) {
		struct dma_fence_token tok;

		dma_fence_token_begin(&tok, &r->fences[i]->base);
		atomic_set_release(&r->published, i + 1);
		if (i % 3)
			ndelay(i % 500);
		dma_fence_token_proof_end(dma_fence_token_signal(&tok, 0),
					  &r->fences[i]->base);
		if (!(i % 64))
			cond_resched();
	}
	kthread_stop(thread);
	put_task_struct(thread);

	for (i = 0; i < DFT_RACE_FENCES; i++) {
		struct mock_fence *mf = r->fences[i];

		KUNIT_EXPECT_EQ(test, atomic_read(&mf->signalled), 1);
		KUNIT_EXPECT_EQ(test, dma_fence_get_status(&mf->base),
				r->won[i] ? -EAGAIN : 1);
		won += r->won[i];
		mock_fence_put(mf);
	}
	kunit_info(test, "opportunistic signaller won %u of %u races on %u CPUs\n",
		   won, DFT_RACE_FENCES, num_online_cpus());
	vfree(r);
	dft_expect_clean(test);
}

#define DFT_STRESS_FENCES 10000

/*
 * Scenario: 10,000 tokens through every discharge kind in turn.  Every
 * callback runs exactly once and every status is the one asked for; the
 * tracker counted every token.
 */
static void dft_stress(struct kunit *test)
{
	struct dft_test *t = test->priv;
	struct dma_fence_token_stats now;
	struct mock_fence **mf;
	unsigned int i;

	mf = kvcalloc(DFT_STRESS_FENCES, sizeof(*mf), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, mf);

	for (i = 0; i < DFT_STRESS_FENCES; i++) {
		struct dma_fence_token tok;

		mf[i] = dft_fence(test, i + 1);
		dma_fence_token_begin(&tok, &mf[i]->base);
		if (i % 3 == 0) {
			dma_fence_token_proof_end(dma_fence_token_signal(&tok, 0),
						  &mf[i]->base);
		} else if (i % 3 == 1) {
			dma_fence_token_proof_end(dma_fence_token_signal(&tok, -EIO),
						  &mf[i]->base);
		} else {
			dma_fence_token_proof_end(dma_fence_token_promise(&tok),
						  &mf[i]->base);
			dma_fence_token_signal_opportunistic(&mf[i]->base, -ECANCELED);
		}
#ifdef CONFIG_DMA_FENCE_TOKEN_DEBUG
		/* Let the watchdog recycle its slots for kept promises. */
		if (!(i % 128))
			dma_fence_token_watchdog_check();
#endif
		if (!(i % 256))
			cond_resched();
	}

	for (i = 0; i < DFT_STRESS_FENCES; i++) {
		static const int status[] = { 1, -EIO, -ECANCELED };

		KUNIT_EXPECT_EQ(test, atomic_read(&mf[i]->signalled), 1);
		KUNIT_EXPECT_EQ(test, dma_fence_get_status(&mf[i]->base),
				status[i % 3]);
		mock_fence_put(mf[i]);
	}
	kvfree(mf);

	if (IS_ENABLED(CONFIG_DMA_FENCE_TOKEN_DEBUG)) {
		dma_fence_token_get_stats(&now);
		KUNIT_EXPECT_EQ(test, now.created - t->before.created,
				DFT_STRESS_FENCES);
		KUNIT_EXPECT_EQ(test, now.discharged[DMA_FENCE_TOKEN_PATH_SIGNAL] -
				t->before.discharged[DMA_FENCE_TOKEN_PATH_SIGNAL],
				DFT_STRESS_FENCES - DFT_STRESS_FENCES / 3);
		KUNIT_EXPECT_EQ(test, now.discharged[DMA_FENCE_TOKEN_PATH_PROMISE] -
				t->before.discharged[DMA_FENCE_TOKEN_PATH_PROMISE],
				DFT_STRESS_FENCES / 3);
	}
	dft_expect_clean(test);
}

/*
 * Scenario: sizes.  A proof is always one pointer; without lockdep and the
 * tracker so is a token (also enforced with BUILD_BUG_ON in the core).
 */
static void dft_sizes(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, sizeof(struct dma_fence_token_proof), sizeof(void *));
	if (!DMA_FENCE_TOKEN_CHECKED)
		KUNIT_EXPECT_EQ(test, sizeof(struct dma_fence_token), sizeof(void *));
	else
		KUNIT_EXPECT_GT(test, sizeof(struct dma_fence_token), sizeof(void *));
	kunit_info(test, "token %zu bytes, proof %zu bytes (checked build: %d)\n",
		   sizeof(struct dma_fence_token), sizeof(struct dma_fence_token_proof),
		   DMA_FENCE_TOKEN_CHECKED);
	dft_expect_clean(test);
}

static struct kunit_case dft_core_cases[] = {
	KUNIT_CASE_PARAM(dft_signal_now, dft_error_gen_params),
	KUNIT_CASE(dft_promise_kept),
	KUNIT_CASE(dft_nesting),
	KUNIT_CASE(dft_scoped),
	KUNIT_CASE(dft_token_reuse),
	KUNIT_CASE(dft_opportunistic),
	KUNIT_CASE(dft_sizes),
	{}
};

static struct kunit_suite dft_core_suite = {
	.name = "dma_fence_token_core",
	.init = dft_test_init,
	.test_cases = dft_core_cases,
};

static struct kunit_case dft_stress_cases[] = {
	KUNIT_CASE(dft_opportunistic_race),
	KUNIT_CASE(dft_stress),
	{}
};

static struct kunit_suite dft_stress_suite = {
	.name = "dma_fence_token_stress",
	.init = dft_test_init,
	.test_cases = dft_stress_cases,
};

kunit_test_suites(&dft_core_suite, &dft_stress_suite);

MODULE_DESCRIPTION("KUnit tests for DMA fence signalling tokens");
MODULE_LICENSE("GPL");
