// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite for the tracker's observability: the debugfs listing of
 * outstanding obligations follows a fence through every path, and the
 * counters count every transition.  Nothing here may be reported.
 */

#include <kunit/test.h>
#include <linux/completion.h>
#include <linux/delay.h>
#include <linux/kthread.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "dma-fence-token-compat.h"
#include "dma-fence-token-mock.h"
#include "dma-fence-token-mock-ring.h"
#include "../dma-fence-token-internal.h"

MODULE_IMPORT_NS(EXPORTED_FOR_KUNIT_TESTING);

#define OBS_BUF_SIZE	(64 * 1024)

/**
 * struct obs_test - per-case state
 * @before: tracker counters when the case started
 * @context: fence context of the case's fences, to find their lines
 * @buf: output of the last rendered debugfs file
 */
struct obs_test {
	struct dma_fence_token_stats before;
	u64 context;
	char *buf;
};

static int obs_test_init(struct kunit *test)
{
	struct obs_test *t;

	t = kunit_kzalloc(test, sizeof(*t), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, t);
	t->buf = kunit_kzalloc(test, OBS_BUF_SIZE, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, t->buf);
	mock_expect_armed(test, &t->before);
	t->context = dma_fence_context_alloc(1);
	test->priv = t;
	return 0;
}

static void obs_expect_clean(struct kunit *test)
{
	struct obs_test *t = test->priv;

	mock_expect_clean(test, &t->before);
}

/* Render a debugfs show function into the case's buffer. */
static const char *obs_render(struct kunit *test,
			      int (*show)(struct seq_file *m, void *unused))
{
	struct obs_test *t = test->priv;
	struct seq_file m = {
		.buf = t->buf,
		.size = OBS_BUF_SIZE,
	};

	KUNIT_ASSERT_EQ(test, show(&m, NULL), 0);
	KUNIT_ASSERT_LT_MSG(test, m.count, m.size, "listing overflowed");
	t->buf[m.count] = '\0';
	return t->buf;
}

/*
 * The obligations line of the fence @context/@seqno (up to and without its
 * newline) and the stack lines below it, or NULL if it is not listed.
 */
static const char *obs_find(struct kunit *test, u64 context, u64 seqno,
			    char *line, size_t size)
{
	const char *buf = obs_render(test, dma_fence_token_obligations_show);
	char key[64];
	const char *p, *end;

	snprintf(key, sizeof(key), " context=%llu seqno=%llu ", context, seqno);
	p = strstr(buf, key);
	if (!p)
		return NULL;
	while (p > buf && p[-1] != '\n')
		p--;
	end = strchrnul(p, '\n');
	strscpy(line, p, min_t(size_t, size, end - p + 1));
	return end;
}

static void obs_expect_line(struct kunit *test, u64 context, u64 seqno,
			    const char *want)
{
	char line[256];

	KUNIT_ASSERT_NOT_NULL_MSG(test, obs_find(test, context, seqno, line,
						 sizeof(line)),
				  "seqno %llu not listed", seqno);
	KUNIT_EXPECT_NOT_NULL_MSG(test, strstr(line, want), "'%s' not in '%s'",
				  want, line);
}

static void obs_expect_unlisted(struct kunit *test, u64 context, u64 seqno)
{
	char line[256];

	KUNIT_EXPECT_NULL_MSG(test, obs_find(test, context, seqno, line,
					     sizeof(line)),
			      "seqno %llu still listed", seqno);
}

/* The value of @key in the stats file, parsed back from its text. */
static u64 obs_stat(struct kunit *test, const char *key)
{
	const char *buf = obs_render(test, dma_fence_token_stats_show);
	const char *p = NULL;
	char pat[48], num[24];
	u64 val = 0;

	/* Every line is "name value"; the first one has no newline before. */
	snprintf(pat, sizeof(pat), "\n%s ", key);
	if (!strncmp(buf, pat + 1, strlen(pat + 1)))
		p = buf + strlen(pat + 1);
	else if (strstr(buf, pat))
		p = strstr(buf, pat) + strlen(pat);
	KUNIT_ASSERT_NOT_NULL_MSG(test, p, "no '%s' in stats", key);
	strscpy(num, p, min_t(size_t, sizeof(num), strchrnul(p, '\n') - p + 1));
	KUNIT_ASSERT_EQ_MSG(test, kstrtou64(num, 10, &val), 0, "'%s %s'", key, num);
	return val;
}

/*
 * Scenario: a token is live: the fence is listed as must-signal, held by
 * the token, by this task, with the stack of this function (where the
 * architecture has a reliable stack walker); once signalled it is gone.
 * Nothing is checked inside the token's section: a failed check allocates.
 */
static void obs_token_listed(struct kunit *test)
{
	struct obs_test *t = test->priv;
	struct mock_fence *mf = mock_fence_alloc(t->context, 1);
	struct dma_fence_token tok;
	char line[256], task[32];
	const char *stack;
	char *frames;

	KUNIT_ASSERT_NOT_NULL(test, mf);
	frames = kunit_kzalloc(test, OBS_BUF_SIZE, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, frames);
	dma_fence_token_begin(&tok, &mf->base);
	stack = obs_find(test, t->context, 1, line, sizeof(line));
	if (stack)
		strscpy(frames, stack, OBS_BUF_SIZE);
	dma_fence_token_proof_end(dma_fence_token_signal(&tok, 0), &mf->base);

	KUNIT_ASSERT_NOT_NULL(test, stack);
	KUNIT_EXPECT_NOT_NULL(test, strstr(line, "fence=dft-mock:dft-mock-timeline "));
	KUNIT_EXPECT_NOT_NULL(test, strstr(line, " state=must-signal holder=token "));
	snprintf(task, sizeof(task), " task=%s/%d ", current->comm,
		 task_pid_nr(current));
	KUNIT_EXPECT_NOT_NULL_MSG(test, strstr(line, task), "no '%s' in '%s'",
				  task, line);
	KUNIT_EXPECT_NOT_NULL(test, strstr(line, " age_ms="));
	KUNIT_EXPECT_NULL(test, strstr(line, " reported"));
	/* The creation stack, indented, names this function. */
	if (IS_ENABLED(CONFIG_ARCH_STACKWALK))
		KUNIT_EXPECT_NOT_NULL_MSG(test, strstr(frames, "\n\tobs_token_listed+"),
					  "stack:%.512s", frames);
	else
		kunit_info(test, "no reliable stack walker: stack not checked\n");

	obs_expect_unlisted(test, t->context, 1);
	mock_fence_put(mf);
	obs_expect_clean(test);
}

/**
 * struct obs_job - a job on an ordered signalling queue
 * @fence: its fence
 * @work: its work item
 * @started: the run callback started
 * @release: the run callback may signal
 */
struct obs_job {
	struct mock_fence *fence;
	struct dma_fence_token_wq_item work;
	struct completion started;
	struct completion release;
};

static struct dma_fence_token_proof obs_job_run(struct dma_fence_token_wq_item *work,
						struct dma_fence_token *tok)
	__releases(tok)
{
	struct obs_job *job = container_of(work, struct obs_job, work);

	complete(&job->started);
	wait_for_completion(&job->release);
	return dma_fence_token_signal(tok, 0);
}

/*
 * Scenario: two jobs on an ordered queue, the first blocked in its run
 * callback: the first is listed as running on the queue, the second as
 * queued on it, both held by the workqueue.  When they finish, both are
 * gone and each discharge was counted.
 */
static void obs_queue_listed(struct kunit *test)
{
	struct obs_test *t = test->priv;
	struct dma_fence_token_wq *q = kunit_kzalloc(test, sizeof(*q), GFP_KERNEL);
	struct obs_job *job = kunit_kcalloc(test, 2, sizeof(*job), GFP_KERNEL);
	unsigned int i;
	u64 wq_before = obs_stat(test, "discharged_workqueue");

	KUNIT_ASSERT_NOT_NULL(test, q);
	KUNIT_ASSERT_NOT_NULL(test, job);
	KUNIT_ASSERT_EQ(test, dma_fence_token_wq_init(q, "dft-obs-wq",
						      DMA_FENCE_TOKEN_WQ_ORDERED), 0);
	for (i = 0; i < 2; i++) {
		struct dma_fence_token tok;
		struct dma_fence_token_proof proof;

		job[i].fence = mock_fence_alloc(t->context, i + 1);
		KUNIT_ASSERT_NOT_NULL(test, job[i].fence);
		init_completion(&job[i].started);
		init_completion(&job[i].release);
		dma_fence_token_wq_item_init(&job[i].work, obs_job_run);
		dma_fence_token_begin(&tok, &job[i].fence->base);
		KUNIT_EXPECT_EQ(test, dma_fence_token_wq_queue(&tok, q, &job[i].work,
							       &proof), 0);
		dma_fence_token_proof_end(proof, &job[i].fence->base);
	}
	wait_for_completion(&job[0].started);
	obs_expect_line(test, t->context, 1, " state=running wq=dft-obs-wq holder=workqueue ");
	obs_expect_line(test, t->context, 2, " state=queued wq=dft-obs-wq holder=workqueue ");
	KUNIT_EXPECT_EQ(test, obs_stat(test, "discharged_workqueue"), wq_before + 2);

	complete(&job[0].release);
	complete(&job[1].release);
	for (i = 0; i < 2; i++)
		KUNIT_EXPECT_GT(test, dma_fence_wait_timeout(&job[i].fence->base, false,
							     10 * HZ), 0);
	dma_fence_token_wq_fini(q);
	for (i = 0; i < 2; i++) {
		obs_expect_unlisted(test, t->context, i + 1);
		mock_fence_put(job[i].fence);
	}
	obs_expect_clean(test);
}

/*
 * Scenario: two fences on a hardware ring: listed as on-ring, held by the
 * hardware; one completion batch takes both off and the listing is empty.
 */
static void obs_ring_listed(struct kunit *test)
{
	struct obs_test *t = test->priv;
	struct mock_ring *mr = kunit_kzalloc(test, sizeof(*mr), GFP_KERNEL);
	struct dma_fence_token_stats now;
	struct mock_job *job[2];
	unsigned int i;
	int ret;
	u64 hw_before = obs_stat(test, "discharged_hardware");

	KUNIT_ASSERT_NOT_NULL(test, mr);
	KUNIT_ASSERT_EQ(test, mock_ring_init(mr, "dft-obs-ring", 4, 10 * HZ), 0);
	for (i = 0; i < 2; i++) {
		job[i] = mock_job_submit(mr, MOCK_OK, &ret);
		KUNIT_ASSERT_FALSE(test, IS_ERR(job[i]));
		KUNIT_EXPECT_EQ(test, ret, 0);
	}
	for (i = 0; i < 2; i++)
		obs_expect_line(test, mr->context, i + 1,
				" state=on-ring ring=dft-obs-ring holder=hardware ");
	KUNIT_EXPECT_EQ(test, obs_stat(test, "discharged_hardware"), hw_before + 2);

	KUNIT_EXPECT_EQ(test, mock_ring_advance(mr, 2), 2);
	for (i = 0; i < 2; i++) {
		obs_expect_unlisted(test, mr->context, i + 1);
		mock_job_put(job[i]);
	}
	mock_ring_fini(mr);
	dma_fence_token_get_stats(&now);
	/* fini closes the ring once. */
	KUNIT_EXPECT_EQ(test, now.ring_closes, t->before.ring_closes + 1);
	obs_expect_clean(test);
}

/*
 * Scenario: a promised fence is listed as promised, held by the promise,
 * and counted pending; an opportunistic signal keeps the promise, which
 * the counters and the listing show.
 */
static void obs_promise_listed(struct kunit *test)
{
	struct obs_test *t = test->priv;
	struct mock_fence *mf = mock_fence_alloc(t->context, 1);
	struct dma_fence_token tok;
	u64 kept = obs_stat(test, "promises_kept");
	u64 pending = obs_stat(test, "promises_pending");

	KUNIT_ASSERT_NOT_NULL(test, mf);
	dma_fence_token_begin(&tok, &mf->base);
	dma_fence_token_proof_end(dma_fence_token_promise(&tok), &mf->base);
	obs_expect_line(test, t->context, 1, " state=promised holder=promise ");
	KUNIT_EXPECT_EQ(test, obs_stat(test, "promises_pending"), pending + 1);

	KUNIT_EXPECT_TRUE(test, dma_fence_token_signal_opportunistic(&mf->base, 0));
	obs_expect_unlisted(test, t->context, 1);
	KUNIT_EXPECT_EQ(test, obs_stat(test, "promises_kept"), kept + 1);
	KUNIT_EXPECT_EQ(test, obs_stat(test, "promises_pending"), pending);
	KUNIT_EXPECT_EQ(test, obs_stat(test, "promises_broken"),
			t->before.promises_broken);
	/* Nothing is past the (default) limit: no report. */
	KUNIT_EXPECT_EQ(test, dma_fence_token_watchdog_check(), 0);
	mock_fence_put(mf);
	obs_expect_clean(test);
}

/*
 * Scenario: the stats file prints every counter of
 * dma_fence_token_get_stats(), and a signal, an opportunistic signal and a
 * begun token move exactly the counters they should.
 */
static void obs_stats_counts(struct kunit *test)
{
	struct obs_test *t = test->priv;
	struct mock_fence *a = mock_fence_alloc(t->context, 1);
	struct mock_fence *b = mock_fence_alloc(t->context, 2);
	struct dma_fence_token_stats s;
	struct dma_fence_token tok;
	u64 live;

	KUNIT_ASSERT_NOT_NULL(test, a);
	KUNIT_ASSERT_NOT_NULL(test, b);
	live = obs_stat(test, "obligations_live");
	dma_fence_token_begin(&tok, &a->base);
	dma_fence_token_get_stats(&s);
	dma_fence_token_proof_end(dma_fence_token_signal(&tok, -EIO), &a->base);
	KUNIT_EXPECT_EQ(test, s.obligations_live, live + 1);
	KUNIT_EXPECT_EQ(test, s.created, t->before.created + 1);
	KUNIT_EXPECT_EQ(test, obs_stat(test, "obligations_live"), live);
	KUNIT_EXPECT_TRUE(test, dma_fence_token_signal_opportunistic(&b->base, 0));

	dma_fence_token_get_stats(&s);
	KUNIT_EXPECT_EQ(test, s.created, t->before.created + 1);
	KUNIT_EXPECT_EQ(test, s.discharged[DMA_FENCE_TOKEN_PATH_SIGNAL],
			t->before.discharged[DMA_FENCE_TOKEN_PATH_SIGNAL] + 1);
	KUNIT_EXPECT_EQ(test, s.opportunistic, t->before.opportunistic + 1);
	/* The text matches the snapshot, counter by counter. */
	KUNIT_EXPECT_EQ(test, obs_stat(test, "created"), s.created);
	KUNIT_EXPECT_EQ(test, obs_stat(test, "discharged_signal"),
			s.discharged[DMA_FENCE_TOKEN_PATH_SIGNAL]);
	KUNIT_EXPECT_EQ(test, obs_stat(test, "opportunistic"), s.opportunistic);
	KUNIT_EXPECT_EQ(test, obs_stat(test, "misuse_hung"),
			s.misuse[DMA_FENCE_TOKEN_MISUSE_HUNG]);
	KUNIT_EXPECT_EQ(test, obs_stat(test, "misuse_broken_promise"),
			s.misuse[DMA_FENCE_TOKEN_MISUSE_BROKEN_PROMISE]);
	KUNIT_EXPECT_EQ(test, obs_stat(test, "timeouts"), s.timeouts);
	KUNIT_EXPECT_EQ(test, obs_stat(test, "untracked"), s.untracked);
	KUNIT_EXPECT_GT(test, obs_stat(test, "obligations_records"), 0);
	KUNIT_EXPECT_EQ(test, obs_stat(test, "watchdog_ms"), 10000);
	mock_fence_put(a);
	mock_fence_put(b);
	obs_expect_clean(test);
}

/*
 * Scenario: a ring whose only job hangs: its timeout closes the ring,
 * which counts one timeout and one close; the fence is no longer listed.
 */
static void obs_ring_timeout_counted(struct kunit *test)
{
	struct obs_test *t = test->priv;
	struct mock_ring *mr = kunit_kzalloc(test, sizeof(*mr), GFP_KERNEL);
	struct dma_fence_token_stats now;
	struct mock_job *job;
	int ret;

	KUNIT_ASSERT_NOT_NULL(test, mr);
	KUNIT_ASSERT_EQ(test, mock_ring_init(mr, "dft-obs-hang", 4,
					     msecs_to_jiffies(20)), 0);
	job = mock_job_submit(mr, MOCK_HANG, &ret);
	KUNIT_ASSERT_FALSE(test, IS_ERR(job));
	KUNIT_EXPECT_TRUE(test, mock_job_wait(job, 10000));
	KUNIT_EXPECT_EQ(test, dma_fence_get_status(&job->base), -ETIMEDOUT);
	obs_expect_unlisted(test, mr->context, 1);
	dma_fence_token_get_stats(&now);
	KUNIT_EXPECT_EQ(test, now.timeouts, t->before.timeouts + 1);
	KUNIT_EXPECT_EQ(test, now.ring_closes, t->before.ring_closes + 1);
	mock_job_put(job);
	mock_ring_fini(mr);
	obs_expect_clean(test);
}

/*
 * Scenario: a deep queue of healthy jobs on a ring, the watchdog limit at
 * 2 s: 24 jobs, the ring completes one every 100 ms.  The last fence waits
 * about 2.4 s, longer than the limit, but the ring never goes the limit
 * without progress, so nothing is reported (the watchdog measures what the
 * ring's timeout measures, not the age of the fence).
 */
static void obs_deep_ring_not_hung(struct kunit *test)
{
	struct mock_ring *mr = kunit_kzalloc(test, sizeof(*mr), GFP_KERNEL);
	struct mock_job *job[24];
	unsigned int i, old;
	int ret;

	KUNIT_ASSERT_NOT_NULL(test, mr);
	KUNIT_ASSERT_EQ(test, mock_ring_init(mr, "dft-obs-deep", ARRAY_SIZE(job),
					     10 * HZ), 0);
	for (i = 0; i < ARRAY_SIZE(job); i++) {
		job[i] = mock_job_submit(mr, MOCK_OK, &ret);
		KUNIT_ASSERT_FALSE(test, IS_ERR(job[i]));
		KUNIT_EXPECT_EQ(test, ret, 0);
	}
	old = dma_fence_token_set_watchdog_ms(2000);
	for (i = 0; i < ARRAY_SIZE(job); i++) {
		msleep(100);
		KUNIT_EXPECT_EQ(test, dma_fence_token_watchdog_check(), 0);
		KUNIT_EXPECT_EQ(test, mock_ring_advance(mr, 1), 1);
	}
	dma_fence_token_set_watchdog_ms(old);
	for (i = 0; i < ARRAY_SIZE(job); i++) {
		KUNIT_EXPECT_EQ(test, dma_fence_get_status(&job[i]->base), 1);
		mock_job_put(job[i]);
	}
	mock_ring_fini(mr);
	obs_expect_clean(test);
}

/*
 * Scenario: more promises outstanding than there are records.  The extra
 * ones are counted as untracked, nothing is reported, and every fence is
 * still signalled normally.
 */
static void obs_records_exhausted(struct kunit *test)
{
	struct obs_test *t = test->priv;
	struct dma_fence_token_stats s;
	struct mock_fence **mf;
	unsigned int i, n, untracked;
	u64 cached;

	dma_fence_token_watchdog_check();	/* reap signalled promises */
	dma_fence_token_get_stats(&s);
	KUNIT_ASSERT_GE(test, s.obligations_records,
			s.obligations_live + s.obligations_cached);
	cached = s.obligations_cached;
	n = s.obligations_records - s.obligations_live + 3;
	mf = kvcalloc(n, sizeof(*mf), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, mf);
	for (i = 0; i < n; i++) {
		struct dma_fence_token tok;

		mf[i] = mock_fence_alloc(t->context, i + 1);
		KUNIT_ASSERT_NOT_NULL(test, mf[i]);
		dma_fence_token_begin(&tok, &mf[i]->base);
		dma_fence_token_proof_end(dma_fence_token_promise(&tok), &mf[i]->base);
	}
	dma_fence_token_get_stats(&s);
	/*
	 * Past the pool, a plain token takes a record this CPU keeps for
	 * scoped tokens; those of other CPUs stay where they are.
	 */
	KUNIT_EXPECT_GE(test, s.untracked, t->before.untracked + 3);
	KUNIT_EXPECT_LE(test, s.untracked, t->before.untracked + 3 + cached);
	untracked = s.untracked - t->before.untracked;
	KUNIT_EXPECT_EQ(test, s.promises_untracked - t->before.promises_untracked,
			untracked);
	KUNIT_EXPECT_EQ(test, s.obligations_live + s.obligations_cached,
			s.obligations_records);
	for (i = 0; i < n; i++) {
		KUNIT_EXPECT_TRUE(test, dma_fence_token_signal_opportunistic(&mf[i]->base, 0));
		KUNIT_EXPECT_EQ(test, atomic_read(&mf[i]->signalled), 1);
		mock_fence_put(mf[i]);
	}
	kvfree(mf);
	dma_fence_token_watchdog_check();
	dma_fence_token_get_stats(&s);
	KUNIT_EXPECT_EQ(test, s.promises_kept, t->before.promises_kept + n - untracked);
	obs_expect_clean(test);
}

/* Tokens begun and signalled by a thread while the test reads the records. */
struct obs_churn {
	struct completion done;
	u64 context;
	unsigned int rounds;
	unsigned int signalled;
	bool stop;
};

static int obs_churn_fn(void *arg)
{
	struct obs_churn *c = arg;
	unsigned int i;

	for (i = 0; i < c->rounds && !READ_ONCE(c->stop); i++) {
		struct mock_fence *mf = mock_fence_alloc(c->context, i + 1);

		if (!mf)
			break;
		{
			DMA_FENCE_TOKEN(tok);

			dma_fence_token_begin(&tok, &mf->base);
			dma_fence_token_proof_end(dma_fence_token_signal(&tok, 0),
						  &mf->base);
		}
		c->signalled += atomic_read(&mf->signalled);
		/* The last reference: the fence is freed while others read. */
		mock_fence_put(mf);
	}
	complete(&c->done);
	return 0;
}

/*
 * Scenario: a token's signal ends its record without the tracker's lock,
 * and the fence is freed right after, while another CPU walks the records
 * (the debugfs listing, the counters, the watchdog).  More rounds than the
 * pool has records: ended records go back to the pool, none is lost, none
 * is reported, every fence was signalled once.
 */
static void obs_records_end_races_readers(struct kunit *test)
{
	struct obs_test *t = test->priv;
	struct dma_fence_token_stats s;
	struct task_struct *thread;
	struct obs_churn c = {};
	unsigned int reads = 0;

	dma_fence_token_get_stats(&s);
	init_completion(&c.done);
	c.context = t->context;
	c.rounds = 3 * s.obligations_records + 100;
	thread = kthread_run(obs_churn_fn, &c, "obs-churn");
	KUNIT_ASSERT_FALSE(test, IS_ERR(thread));
	while (!try_wait_for_completion(&c.done)) {
		obs_render(test, dma_fence_token_obligations_show);
		dma_fence_token_get_stats(&s);
		dma_fence_token_watchdog_check();
		reads++;
		cond_resched();
	}
	KUNIT_EXPECT_EQ(test, c.signalled, c.rounds);
	dma_fence_token_get_stats(&s);
	KUNIT_EXPECT_EQ(test, s.untracked, t->before.untracked);
	KUNIT_EXPECT_EQ(test, s.obligations_live, t->before.obligations_live);
	KUNIT_EXPECT_GT(test, reads, 0U);
	obs_expect_unlisted(test, t->context, c.rounds);
	obs_expect_clean(test);
}

static struct kunit_case obs_cases[] = {
	KUNIT_CASE(obs_token_listed),
	KUNIT_CASE(obs_queue_listed),
	KUNIT_CASE(obs_ring_listed),
	KUNIT_CASE(obs_promise_listed),
	KUNIT_CASE(obs_stats_counts),
	KUNIT_CASE(obs_ring_timeout_counted),
	DFT_KUNIT_CASE_SLOW(obs_deep_ring_not_hung),
	KUNIT_CASE(obs_records_exhausted),
	KUNIT_CASE(obs_records_end_races_readers),
	{}
};

static struct kunit_suite obs_suite = {
	.name = "dma_fence_token_obs",
	.init = obs_test_init,
	.test_cases = obs_cases,
};

kunit_test_suites(&obs_suite);

MODULE_DESCRIPTION("KUnit tests for the fence signalling token tracker's debugfs and counters");
MODULE_LICENSE("GPL");
