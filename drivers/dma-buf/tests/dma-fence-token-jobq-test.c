// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite for job queues, in the shape of the drm_sched mock scheduler
 * tests: a mock engine built from the real objects (a signalling queue, a
 * job queue and its ring), jobs completed by hand or by hrtimer
 * "interrupts", dependencies on plain fences and on other queues' jobs,
 * credits, hangs, discards and teardown at every stage.  Every case checks
 * that each fence is signalled exactly once with the right status, the
 * order in which jobs reached the ring, the queue's counters, that the
 * credit limit was never exceeded and that nothing was reported.
 */

#include <kunit/test.h>
#include <linux/delay.h>
#include <linux/dma-fence-token-jobq.h>
#include <linux/hrtimer.h>
#include <linux/jiffies.h>
#include <linux/kthread.h>
#include <linux/mutex.h>
#include <linux/random.h>
#include <linux/sched/task.h>
#include <linux/slab.h>

#include "dma-fence-token-compat.h"
#include "dma-fence-token-mock.h"

MODULE_IMPORT_NS(EXPORTED_FOR_KUNIT_TESTING);

#define JQ_MAX_RUN	64	/* run order recorded for the first jobs */
#define JQ_MAX_DEPS	16
#define JQ_WAIT_MS	10000
/*
 * jq_mock_init() flag of the mock, not the queue: the queue's ring gets
 * another lock class than the other mocks', so that one ring may be
 * completed under the lock of another, as rings of two drivers may.
 */
#define JQ_OTHER_CLASS	BIT(31)

/**
 * struct jq_mock - a mock engine: a job queue, its ring and its queue
 * @wq: the signalling queue
 * @q: the job queue
 * @submit: serialises arm and push, as a driver's submit lock does
 * @lock: protects @running, @max_credits, @nr_run, @run_seqno, @last_seqno
 * @running: jobs that ran and may not be signalled yet
 * @max_credits: most credits of jobs run and not signalled, at a run
 * @nr_run: run callbacks
 * @run_seqno: seqnos of the first %JQ_MAX_RUN jobs run, in run order
 * @last_seqno: seqno of the last job run
 * @errors: invariant violations seen outside the test's thread
 * @signalled_seqno: seqno of the job signalled last; under the ring's lock
 * @order_errors: fences of the queue signalled out of seqno order
 * @timedout: timedout callbacks
 * @hung_seqno: seqno of the job the last timedout callback was given
 * @complete_in_timedout: the interrupt wins the race: the timedout
 *	callback reports the hung job's completion
 * @created: jobs allocated
 * @released: jobs freed (fence release, or by hand after a failed prepare
 *	or a discard before arm)
 * @inited: the job queue is up
 */
struct jq_mock {
	struct dma_fence_token_wq wq;
	struct dma_fence_token_jobq q;
	struct mutex submit;	/* see above */
	spinlock_t lock;	/* see above */
	struct list_head running;
	unsigned int max_credits;
	unsigned int nr_run;
	u64 run_seqno[JQ_MAX_RUN];
	u64 last_seqno;
	atomic_t errors;
	u64 signalled_seqno;
	atomic_t order_errors;
	atomic_t timedout;
	u64 hung_seqno;
	bool complete_in_timedout;
	atomic_t created;
	atomic_t released;
	bool inited;
};

/**
 * struct jq_job - a job of the mock engine
 * @base: the job queue's job; first, so that dma_fence_free() frees us
 * @m: the engine
 * @cb: counts the signal of the job's fence
 * @signalled: times @cb ran
 * @ran: times the run callback ran
 * @handed: the run callback handed the job to the ring (or failed it)
 * @ran_in_irq: the run callback ran in interrupt context
 * @link: entry in &jq_mock.running; protected by &jq_mock.lock
 * @credits: credits the job takes
 * @deps: in-fences added, for the run callback's check (no references:
 *	the case holds them)
 * @nr_deps: entries of @deps
 * @refuse: the run callback refuses the job with -EIO
 * @irq_ns: after its run, the job's completion interrupt fires after that
 *	many ns; 0: completed by hand (or hangs)
 * @irq: the completion interrupt
 */
struct jq_job {
	struct dma_fence_token_job base;
	struct jq_mock *m;
	struct dma_fence_cb cb;
	atomic_t signalled;
	atomic_t ran;
	atomic_t handed;
	bool ran_in_irq;
	struct list_head link;
	unsigned int credits;
	struct dma_fence *deps[JQ_MAX_DEPS];
	unsigned int nr_deps;
	bool refuse;
	u64 irq_ns;
	struct hrtimer irq;
};

static struct jq_job *to_jq_job(struct dma_fence_token_job *job)
{
	return container_of(job, struct jq_job, base);
}

static const char *jq_driver_name(struct dma_fence *f)
{
	return "dft-jobq-test";
}

static const char *jq_timeline_name(struct dma_fence *f)
{
	return to_jq_job(to_dma_fence_token_job(f))->m->q.name;
}

static void jq_release(struct dma_fence *f)
{
	struct jq_job *job = to_jq_job(to_dma_fence_token_job(f));
	struct jq_mock *m = job->m;
	unsigned long flags;

	spin_lock_irqsave(&m->lock, flags);
	list_del(&job->link);
	spin_unlock_irqrestore(&m->lock, flags);
	if (atomic_read(&job->signalled) != 1)
		atomic_inc(&m->errors);
	atomic_inc(&m->released);
	dma_fence_free(f);
}

static const struct dma_fence_ops jq_fence_ops = {
	.get_driver_name = jq_driver_name,
	.get_timeline_name = jq_timeline_name,
	.release = jq_release,
};

/*
 * Under the fence's lock, the ring's, which every fence of the queue
 * shares: fences of one context must signal in seqno order.
 */
static void jq_job_cb(struct dma_fence *f, struct dma_fence_cb *cb)
{
	struct jq_job *job = container_of(cb, struct jq_job, cb);
	struct jq_mock *m = job->m;

	atomic_inc(&job->signalled);
	if (f->seqno < m->signalled_seqno)
		atomic_inc(&m->order_errors);
	m->signalled_seqno = f->seqno;
}

/*
 * The completion interrupt: not a _HARD timer, so that on PREEMPT_RT it
 * runs in a thread like a real driver's handler.
 */
static enum hrtimer_restart jq_irq_fn(struct hrtimer *t)
{
	struct jq_job *job = container_of(t, struct jq_job, irq);

	dma_fence_token_ring_complete(dma_fence_token_jobq_ring(&job->m->q),
				      job->base.fence.seqno, 0);
	return HRTIMER_NORESTART;
}

/*
 * Credits of the jobs that ran and whose fence is not signalled yet, this
 * one included.  A job's credits come back only after its fence signalled,
 * so this is never above what the queue counts: above the limit is a bug.
 */
static void jq_account_locked(struct jq_mock *m, struct jq_job *job)
{
	struct jq_job *j, *tmp;
	unsigned int sum = job->credits;

	lockdep_assert_held(&m->lock);
	list_for_each_entry_safe(j, tmp, &m->running, link) {
		if (test_bit(DMA_FENCE_FLAG_SIGNALED_BIT, &j->base.fence.flags))
			list_del_init(&j->link);
		else
			sum += j->credits;
	}
	list_add_tail(&job->link, &m->running);
	m->max_credits = max(m->max_credits, sum);
}

static struct dma_fence_token_proof jq_run(struct dma_fence_token_job *base,
					   struct dma_fence_token *tok)
	__releases(tok)
{
	struct jq_job *job = to_jq_job(base);
	struct jq_mock *m = job->m;
	struct dma_fence_token_proof proof;
	unsigned long flags;
	unsigned int i;
	u64 seqno = base->fence.seqno;

	if (atomic_inc_return(&job->ran) != 1)
		atomic_inc(&m->errors);
	job->ran_in_irq = !in_task();
	for (i = 0; i < job->nr_deps; i++)
		if (!dma_fence_is_signaled(job->deps[i]))
			atomic_inc(&m->errors);
	spin_lock_irqsave(&m->lock, flags);
	if (m->nr_run && seqno <= m->last_seqno)
		atomic_inc(&m->errors);
	m->last_seqno = seqno;
	if (m->nr_run < JQ_MAX_RUN)
		m->run_seqno[m->nr_run] = seqno;
	m->nr_run++;
	jq_account_locked(m, job);
	spin_unlock_irqrestore(&m->lock, flags);

	if (job->refuse)
		dma_fence_token_job_fail(tok, base, -EIO, &proof);
	else if (!dma_fence_token_job_to_ring(tok, base, &proof) && job->irq_ns)
		hrtimer_start(&job->irq, ns_to_ktime(job->irq_ns), HRTIMER_MODE_REL);
	/* Pairs with jq_wait_ran(): the job is on the ring from here. */
	atomic_set_release(&job->handed, 1);
	return proof;
}

static void jq_timedout(struct dma_fence_token_jobq *q,
			struct dma_fence_token_job *job)
{
	struct jq_mock *m = container_of(q, struct jq_mock, q);

	atomic_inc(&m->timedout);
	WRITE_ONCE(m->hung_seqno, job->fence.seqno);
	if (m->complete_in_timedout)
		dma_fence_token_ring_complete(dma_fence_token_jobq_ring(q),
					      job->fence.seqno, 0);
}

static const struct dma_fence_token_jobq_ops jq_ops = {
	.run = jq_run,
	.timedout = jq_timedout,
};

/**
 * struct jq_test - per-case state
 * @before: tracker counters at the start
 * @m: the mock engines
 */
struct jq_test {
	struct dma_fence_token_stats before;
	struct jq_mock m[4];
};

static int jq_test_init(struct kunit *test)
{
	struct jq_test *t = kunit_kzalloc(test, sizeof(*t), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, t);
	mock_expect_armed(test, &t->before);
	test->priv = t;
	return 0;
}

static struct jq_mock *jq_m(struct kunit *test, unsigned int i)
{
	struct jq_test *t = test->priv;

	return &t->m[i];
}

static void jq_mock_init(struct kunit *test, struct jq_mock *m,
			 const char *name, unsigned int capacity,
			 unsigned int credit_limit, unsigned long timeout,
			 unsigned int flags)
{
	struct dma_fence_token_jobq_args args = {
		.name = name,
		.wq = &m->wq,
		.ops = &jq_ops,
		.fence_ops = &jq_fence_ops,
		.capacity = capacity,
		.credit_limit = credit_limit,
		.timeout = timeout,
		.flags = flags,
	};

	int ret;

	mutex_init(&m->submit);
	spin_lock_init(&m->lock);
	INIT_LIST_HEAD(&m->running);
	KUNIT_ASSERT_EQ(test, dma_fence_token_wq_init(&m->wq, "dft-jobq-test", 0), 0);
	if (flags & JQ_OTHER_CLASS) {
		/* A call site of its own: lock classes of its own. */
		args.flags &= ~JQ_OTHER_CLASS;
		ret = dma_fence_token_jobq_init(&m->q, &args);
	} else {
		ret = dma_fence_token_jobq_init(&m->q, &args);
	}
	KUNIT_ASSERT_EQ(test, ret, 0);
	m->inited = true;
}

static void jq_mock_fini(struct jq_mock *m)
{
	if (!m->inited)
		return;
	dma_fence_token_jobq_fini(&m->q);
	dma_fence_token_wq_fini(&m->wq);
	m->inited = false;
}

/* Forget the order of a mock that was torn down, to set it up again. */
static void jq_mock_reset(struct jq_mock *m)
{
	m->nr_run = 0;
	m->last_seqno = 0;
	m->signalled_seqno = 0;
}

static void jq_stats(struct jq_mock *m, struct dma_fence_token_jobq_stats *s)
{
	dma_fence_token_jobq_get_stats(&m->q, s);
}

/* How the queue dispatched its jobs: in the push, on the queue, in an irq. */
static void jq_expect_runs(struct kunit *test, struct jq_mock *m,
			   unsigned long direct, unsigned long deferred,
			   unsigned long irq)
{
	struct dma_fence_token_jobq_stats s;

	jq_stats(m, &s);
	KUNIT_EXPECT_EQ_MSG(test, s.direct, direct, "%s: direct", m->q.name);
	KUNIT_EXPECT_EQ_MSG(test, s.deferred, deferred, "%s: deferred", m->q.name);
	KUNIT_EXPECT_EQ_MSG(test, s.irq, irq, "%s: irq", m->q.name);
}

/* A queue without DMA_FENCE_TOKEN_JOBQ_RUN_IN_IRQ runs nothing in an irq. */
static void jq_expect_stats(struct kunit *test, struct jq_mock *m,
			    unsigned long direct, unsigned long deferred)
{
	jq_expect_runs(test, m, direct, deferred, 0);
}

/* Allocate and prepare a job; NULL with *@ret set if the prepare failed. */
static struct jq_job *jq_job_try(struct kunit *test, struct jq_mock *m,
				 unsigned int credits, unsigned int max_deps,
				 int *ret)
{
	struct jq_job *job = kzalloc(sizeof(*job), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, job);
	atomic_inc(&m->created);
	job->m = m;
	job->credits = credits;
	INIT_LIST_HEAD(&job->link);
	hrtimer_init(&job->irq, CLOCK_MONOTONIC, HRTIMER_MODE_REL);
	job->irq.function = jq_irq_fn;
	*ret = dma_fence_token_job_prepare(&job->base, &m->q, credits, max_deps);
	if (*ret) {
		atomic_inc(&m->released);
		kfree(job);
		return NULL;
	}
	return job;
}

static struct jq_job *jq_job_new(struct kunit *test, struct jq_mock *m,
				 unsigned int credits, unsigned int max_deps)
{
	struct jq_job *job;
	int ret;

	job = jq_job_try(test, m, credits, max_deps, &ret);
	KUNIT_ASSERT_EQ(test, ret, 0);
	return job;
}

static void jq_job_dep(struct kunit *test, struct jq_job *job,
		       struct dma_fence *fence)
{
	KUNIT_ASSERT_LT(test, job->nr_deps, JQ_MAX_DEPS);
	KUNIT_ASSERT_EQ(test, dma_fence_token_job_add_dep(&job->base, fence), 0);
	job->deps[job->nr_deps++] = fence;
}

/* Arm, watch the fence, begin its token and push; under the submit lock. */
static void jq_job_arm_push_locked(struct jq_job *job)
{
	DMA_FENCE_TOKEN(tok);
	struct dma_fence_token_proof proof;

	lockdep_assert_held(&job->m->submit);
	dma_fence_token_job_arm(&job->base);
	if (dma_fence_add_callback(&job->base.fence, &job->cb, jq_job_cb))
		atomic_inc(&job->signalled);
	dma_fence_token_begin(&tok, &job->base.fence);
	dma_fence_token_job_push(&tok, &job->base, &proof);
	dma_fence_token_proof_end(proof, &job->base.fence);
}

static void jq_job_push(struct jq_job *job)
{
	mutex_lock(&job->m->submit);
	jq_job_arm_push_locked(job);
	mutex_unlock(&job->m->submit);
}

static struct jq_job *jq_submit(struct kunit *test, struct jq_mock *m,
				unsigned int credits, u64 irq_ns)
{
	struct jq_job *job = jq_job_new(test, m, credits, 0);

	job->irq_ns = irq_ns;
	jq_job_push(job);
	return job;
}

static void jq_put(struct jq_job *job)
{
	if (!job)
		return;
	hrtimer_cancel(&job->irq);
	dma_fence_put(&job->base.fence);
}

static unsigned int jq_complete(struct jq_job *job, int error)
{
	return dma_fence_token_ring_complete(dma_fence_token_jobq_ring(&job->m->q),
					     job->base.fence.seqno, error);
}

static void jq_expect(struct kunit *test, struct jq_job *job, int status)
{
	KUNIT_EXPECT_GT_MSG(test, dma_fence_wait_timeout(&job->base.fence, false,
							 msecs_to_jiffies(JQ_WAIT_MS)), 0,
			    "seqno %llu not signalled", job->base.fence.seqno);
	KUNIT_EXPECT_EQ_MSG(test, atomic_read(&job->signalled), 1,
			    "seqno %llu", job->base.fence.seqno);
	KUNIT_EXPECT_EQ_MSG(test, dma_fence_get_status(&job->base.fence), status,
			    "seqno %llu", job->base.fence.seqno);
}

/*
 * The run callback of @job ran (on the queue) and handed the job to the
 * ring, within JQ_WAIT_MS: a completion by hand may follow.
 */
static bool jq_wait_ran(struct jq_job *job)
{
	unsigned long deadline = jiffies + msecs_to_jiffies(JQ_WAIT_MS);

	while (!atomic_read_acquire(&job->handed) && time_before(jiffies, deadline))
		usleep_range(100, 200);
	return atomic_read_acquire(&job->handed);
}

/* The jobs reached the ring in exactly this order. */
static void jq_expect_order(struct kunit *test, struct jq_mock *m,
			    struct jq_job **jobs, unsigned int n)
{
	unsigned int i;

	KUNIT_EXPECT_EQ_MSG(test, m->nr_run, n, "%s: jobs run", m->q.name);
	for (i = 0; i < min3(n, m->nr_run, (unsigned int)JQ_MAX_RUN); i++)
		KUNIT_EXPECT_EQ_MSG(test, m->run_seqno[i], jobs[i]->base.fence.seqno,
				    "%s: run %u", m->q.name, i);
}

/*
 * End of a case: the engines are torn down, every job was freed, the
 * credit limit held, no invariant broke outside the test thread and
 * nothing was reported.
 */
static void jq_expect_clean(struct kunit *test)
{
	struct jq_test *t = test->priv;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(t->m); i++) {
		struct jq_mock *m = &t->m[i];

		jq_mock_fini(m);
		KUNIT_EXPECT_EQ_MSG(test, atomic_read(&m->errors), 0,
				    "engine %u: invariant violations", i);
		KUNIT_EXPECT_EQ_MSG(test, atomic_read(&m->order_errors), 0,
				    "engine %u: fences signalled out of seqno order", i);
		KUNIT_EXPECT_EQ_MSG(test, atomic_read(&m->released),
				    atomic_read(&m->created), "engine %u: jobs freed", i);
		if (m->q.credit_limit)
			KUNIT_EXPECT_LE_MSG(test, m->max_credits, m->q.credit_limit,
					    "engine %u: credits", i);
	}
	mock_expect_clean(test, &t->before);
}

/*
 * Scenario: one job, no dependency: it runs inside the push (no worker
 * hop) and waits on the ring until the mock hardware reports its
 * completion by hand.
 */
static void jq_basic_by_hand(struct kunit *test)
{
	struct jq_mock *m = jq_m(test, 0);
	struct jq_job *job;

	jq_mock_init(test, m, "basic", 4, 0, 10 * HZ, 0);
	job = jq_submit(test, m, 1, 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&job->ran), 1);
	KUNIT_EXPECT_FALSE(test, dma_fence_is_signaled(&job->base.fence));
	KUNIT_EXPECT_EQ(test, dma_fence_token_ring_pending(dma_fence_token_jobq_ring(&m->q)), 1);
	KUNIT_EXPECT_EQ(test, jq_complete(job, 0), 1);
	jq_expect(test, job, 1);
	jq_expect_order(test, m, &job, 1);
	jq_expect_stats(test, m, 1, 0);
	KUNIT_EXPECT_EQ(test, m->max_credits, 1);
	jq_put(job);
	jq_expect_clean(test);
}

/* Scenario: the same, completed by an hrtimer interrupt 1 ms after the run. */
static void jq_basic_irq(struct kunit *test)
{
	struct jq_mock *m = jq_m(test, 0);
	struct jq_job *job;

	jq_mock_init(test, m, "basic-irq", 4, 0, 10 * HZ, 0);
	job = jq_submit(test, m, 1, NSEC_PER_MSEC);
	jq_expect(test, job, 1);
	jq_expect_order(test, m, &job, 1);
	jq_expect_stats(test, m, 1, 0);
	jq_put(job);
	jq_expect_clean(test);
}

#define JQ_MANY 48

/*
 * Scenario: 48 independent jobs with room for all: each runs inside its
 * push, in seqno order; one completion of the last seqno signals them all.
 */
static void jq_many_in_order(struct kunit *test)
{
	struct jq_mock *m = jq_m(test, 0);
	struct jq_job *job[JQ_MANY];
	unsigned int i;

	jq_mock_init(test, m, "many", JQ_MANY, 0, 10 * HZ, 0);
	for (i = 0; i < JQ_MANY; i++)
		job[i] = jq_submit(test, m, 1, 0);
	jq_expect_order(test, m, job, JQ_MANY);
	jq_expect_stats(test, m, JQ_MANY, 0);
	KUNIT_EXPECT_EQ(test, jq_complete(job[JQ_MANY - 1], 0), JQ_MANY);
	for (i = 0; i < JQ_MANY; i++) {
		jq_expect(test, job[i], 1);
		jq_put(job[i]);
	}
	KUNIT_EXPECT_EQ(test, m->max_credits, JQ_MANY);
	jq_expect_clean(test);
}

#define JQ_CHAIN 8

/*
 * Scenario: a chain of eight jobs, each depending on the previous one:
 * on the same queue (@cross false), or alternating between two queues (a
 * ping-pong).  All are pushed first, then the hardware completes them
 * one by one.  The first job runs in its push, each other exactly once on
 * the queue (one hop), only after its dependency signalled.
 */
static void jq_chain(struct kunit *test, bool cross)
{
	struct jq_mock *a = jq_m(test, 0), *b = jq_m(test, 1);
	struct jq_job *job[JQ_CHAIN], *on_a[JQ_CHAIN], *on_b[JQ_CHAIN];
	unsigned int i, na = 0, nb = 0;

	jq_mock_init(test, a, "chain-a", JQ_CHAIN, 0, 10 * HZ, 0);
	if (cross)
		jq_mock_init(test, b, "chain-b", JQ_CHAIN, 0, 10 * HZ, 0);
	for (i = 0; i < JQ_CHAIN; i++) {
		struct jq_mock *m = cross && i % 2 ? b : a;

		job[i] = jq_job_new(test, m, 1, 1);
		if (i)
			jq_job_dep(test, job[i], &job[i - 1]->base.fence);
		if (m == a)
			on_a[na++] = job[i];
		else
			on_b[nb++] = job[i];
		jq_job_push(job[i]);
	}
	for (i = 0; i < JQ_CHAIN; i++) {
		KUNIT_EXPECT_TRUE_MSG(test, jq_wait_ran(job[i]), "job %u", i);
		if (i + 1 < JQ_CHAIN)
			KUNIT_EXPECT_EQ_MSG(test, atomic_read(&job[i + 1]->ran), 0,
					    "job %u", i + 1);
		KUNIT_EXPECT_EQ(test, jq_complete(job[i], 0), 1);
		jq_expect(test, job[i], 1);
	}
	jq_expect_order(test, a, on_a, na);
	if (cross) {
		jq_expect_order(test, b, on_b, nb);
		jq_expect_stats(test, a, 1, na - 1);
		jq_expect_stats(test, b, 0, nb);
	} else {
		jq_expect_stats(test, a, 1, JQ_CHAIN - 1);
	}
	for (i = 0; i < JQ_CHAIN; i++)
		jq_put(job[i]);
	jq_expect_clean(test);
}

/**
 * struct jq_irq - an "interrupt" that completes a job on its ring
 * @timer: the hrtimer; not _HARD, so a thread on PREEMPT_RT
 * @job: the job it completes
 */
struct jq_irq {
	struct hrtimer timer;
	struct jq_job *job;
};

static enum hrtimer_restart jq_irq_complete_fn(struct hrtimer *t)
{
	struct jq_irq *irq = container_of(t, struct jq_irq, timer);

	jq_complete(irq->job, 0);
	return HRTIMER_NORESTART;
}

/* Complete @job from an interrupt @ns from now; @irq is on the stack. */
static void jq_irq_start(struct jq_irq *irq, struct jq_job *job, u64 ns)
{
	hrtimer_init_on_stack(&irq->timer, CLOCK_MONOTONIC, HRTIMER_MODE_REL);
	irq->timer.function = jq_irq_complete_fn;
	irq->job = job;
	hrtimer_start(&irq->timer, ns_to_ktime(ns), HRTIMER_MODE_REL);
}

static void jq_irq_stop(struct jq_irq *irq)
{
	hrtimer_cancel(&irq->timer);
	destroy_hrtimer_on_stack(&irq->timer);
}

/* Does a queue with DMA_FENCE_TOKEN_JOBQ_RUN_IN_IRQ run jobs in interrupts? */
static bool jq_irq_runs(unsigned int flags)
{
	return flags & DMA_FENCE_TOKEN_JOBQ_RUN_IN_IRQ && !IS_ENABLED(CONFIG_PREEMPT_RT);
}

static const unsigned int jq_irq_flags[] = { 0, DMA_FENCE_TOKEN_JOBQ_RUN_IN_IRQ };

static void jq_irq_flags_desc(const unsigned int *flags, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "%s",
		 *flags ? "run-in-irq" : "worker");
}

KUNIT_ARRAY_PARAM(jq_irq_flags, jq_irq_flags, jq_irq_flags_desc);

/*
 * Scenario: credit limit 1, two jobs: the first runs in its push, the
 * second waits for its credit.  An interrupt completes the first.  With
 * DMA_FENCE_TOKEN_JOBQ_RUN_IN_IRQ the second runs in that interrupt (no
 * worker hop; on PREEMPT_RT, where the interrupt is a thread, on the
 * queue); without it, on the queue.
 */
static void jq_irq_credit(struct kunit *test)
{
	const unsigned int *flags = test->param_value;
	struct jq_mock *m = jq_m(test, 0);
	struct jq_job *job[2];
	struct jq_irq irq;
	bool in_irq = jq_irq_runs(*flags);

	jq_mock_init(test, m, "irq-credit", 4, 1, 10 * HZ, *flags);
	job[0] = jq_submit(test, m, 1, 0);
	job[1] = jq_submit(test, m, 1, 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&job[1]->ran), 0);
	jq_irq_start(&irq, job[0], 100 * NSEC_PER_USEC);
	KUNIT_EXPECT_TRUE(test, jq_wait_ran(job[1]));
	jq_irq_stop(&irq);
	jq_expect(test, job[0], 1);
	KUNIT_EXPECT_EQ(test, job[1]->ran_in_irq, in_irq);
	KUNIT_EXPECT_EQ(test, jq_complete(job[1], 0), 1);
	jq_expect(test, job[1], 1);
	jq_expect_order(test, m, job, 2);
	jq_expect_runs(test, m, 1, in_irq ? 0 : 1, in_irq ? 1 : 0);
	jq_put(job[0]);
	jq_put(job[1]);
	jq_expect_clean(test);
}

#define JQ_IRQ_JOBS	40

/*
 * Scenario: 40 jobs of a DMA_FENCE_TOKEN_JOBQ_RUN_IN_IRQ queue wait for one
 * job of another queue, which an interrupt completes.  The interrupt runs
 * the first DMA_FENCE_TOKEN_JOBQ_IRQ_BUDGET, each letting the next one
 * go; the signalling queue runs the others, in order.
 */
static void jq_irq_budget(struct kunit *test)
{
	struct jq_mock *a = jq_m(test, 0), *b = jq_m(test, 1);
	struct jq_job *dep, *job[JQ_IRQ_JOBS];
	unsigned int i, in_irq = 0, expect;
	struct jq_irq irq;

	jq_mock_init(test, a, "irq-dep", 2, 0, 10 * HZ, 0);
	jq_mock_init(test, b, "irq-budget", JQ_IRQ_JOBS, 0, 10 * HZ,
		     DMA_FENCE_TOKEN_JOBQ_RUN_IN_IRQ);
	dep = jq_submit(test, a, 1, 0);
	for (i = 0; i < JQ_IRQ_JOBS; i++) {
		job[i] = jq_job_new(test, b, 1, 1);
		jq_job_dep(test, job[i], &dep->base.fence);
		jq_job_push(job[i]);
	}
	KUNIT_EXPECT_EQ(test, b->nr_run, 0);
	jq_irq_start(&irq, dep, 100 * NSEC_PER_USEC);
	for (i = 0; i < JQ_IRQ_JOBS; i++) {
		KUNIT_EXPECT_TRUE_MSG(test, jq_wait_ran(job[i]), "job %u", i);
		in_irq += job[i]->ran_in_irq;
	}
	jq_irq_stop(&irq);
	jq_expect(test, dep, 1);
	expect = 0;
	if (jq_irq_runs(DMA_FENCE_TOKEN_JOBQ_RUN_IN_IRQ))
		expect = DMA_FENCE_TOKEN_JOBQ_IRQ_BUDGET;
	KUNIT_EXPECT_EQ(test, in_irq, expect);
	for (i = 0; i < expect; i++)
		KUNIT_EXPECT_TRUE_MSG(test, job[i]->ran_in_irq, "job %u", i);
	jq_expect_runs(test, b, 0, JQ_IRQ_JOBS - expect, expect);
	jq_expect_order(test, b, job, JQ_IRQ_JOBS);
	KUNIT_EXPECT_EQ(test, jq_complete(job[JQ_IRQ_JOBS - 1], 0), JQ_IRQ_JOBS);
	for (i = 0; i < JQ_IRQ_JOBS; i++) {
		jq_expect(test, job[i], 1);
		jq_put(job[i]);
	}
	jq_put(dep);
	jq_expect_clean(test);
}

/**
 * struct jq_nested - an interrupt that signals a fence of one ring early,
 *	whose callback completes another ring
 * @timer: the hrtimer
 * @cb: callback on @early
 * @early: fence signalled with dma_fence_token_signal_opportunistic()
 * @other: job whose ring the callback completes
 * @nested: the callback completes it; else the interrupt, after @early
 * @error: the error @early is signalled with
 */
struct jq_nested {
	struct hrtimer timer;
	struct dma_fence_cb cb;
	struct dma_fence *early;
	struct jq_job *other;
	bool nested;
	int error;
};

/* Under @early's lock, its ring's: another ring may be completed here. */
static void jq_nested_cb(struct dma_fence *f, struct dma_fence_cb *cb)
{
	struct jq_nested *n = container_of(cb, struct jq_nested, cb);

	jq_complete(n->other, 0);
}

static enum hrtimer_restart jq_nested_fn(struct hrtimer *t)
{
	struct jq_nested *n = container_of(t, struct jq_nested, timer);

	dma_fence_token_signal_opportunistic(n->early, n->error);
	if (!n->nested)
		jq_complete(n->other, 0);
	return HRTIMER_NORESTART;
}

/*
 * In 100 us, signal @early with @error, then complete @other's ring: from
 * a callback on @early, after those registered before it (the in-fence
 * callbacks of jobs armed already); on PREEMPT_RT, after the signal.
 */
static void jq_nested_start(struct kunit *test, struct jq_nested *n,
			    struct jq_job *early, struct jq_job *other, int error)
{
	n->early = &early->base.fence;
	n->other = other;
	n->nested = !IS_ENABLED(CONFIG_PREEMPT_RT);
	n->error = error;
	if (n->nested)
		KUNIT_ASSERT_EQ(test, dma_fence_add_callback(n->early, &n->cb,
							     jq_nested_cb), 0);
	hrtimer_init_on_stack(&n->timer, CLOCK_MONOTONIC, HRTIMER_MODE_REL);
	n->timer.function = jq_nested_fn;
	hrtimer_start(&n->timer, ns_to_ktime(100 * NSEC_PER_USEC), HRTIMER_MODE_REL);
}

static void jq_nested_stop(struct jq_nested *n)
{
	hrtimer_cancel(&n->timer);
	destroy_hrtimer_on_stack(&n->timer);
}

/*
 * Scenario: a job of a DMA_FENCE_TOKEN_JOBQ_RUN_IN_IRQ queue waits for a
 * job of another queue.  An interrupt signals an earlier job of the first
 * queue early (opportunistically, under the first ring's lock), and a
 * callback on that fence completes the other ring, which releases the
 * job.  The job cannot run there (its run takes the first ring's lock,
 * held by this CPU): it takes its worker hop and nothing deadlocks.  On
 * PREEMPT_RT the interrupt is a thread, where a completion is a
 * signalling section that must not nest in a ring's lock (lockdep reports
 * it): the interrupt completes the other ring after the early signal
 * instead, and the job takes its hop as every job does there.
 */
static void jq_irq_under_ring_lock(struct kunit *test)
{
	struct jq_mock *a = jq_m(test, 0), *b = jq_m(test, 1);
	struct jq_job *dep, *early, *job;
	struct jq_nested n = {};

	jq_mock_init(test, a, "nested-dep", 2, 0, 10 * HZ, JQ_OTHER_CLASS);
	jq_mock_init(test, b, "nested", 4, 0, 10 * HZ,
		     DMA_FENCE_TOKEN_JOBQ_RUN_IN_IRQ);
	dep = jq_submit(test, a, 1, 0);
	early = jq_submit(test, b, 1, 0);
	job = jq_job_new(test, b, 1, 1);
	jq_job_dep(test, job, &dep->base.fence);
	jq_job_push(job);
	KUNIT_EXPECT_EQ(test, atomic_read(&job->ran), 0);

	jq_nested_start(test, &n, early, dep, 0);
	KUNIT_EXPECT_TRUE(test, jq_wait_ran(job));
	jq_nested_stop(&n);

	jq_expect(test, early, 1);
	jq_expect(test, dep, 1);
	KUNIT_EXPECT_FALSE(test, job->ran_in_irq);
	jq_expect_runs(test, b, 1, 1, 0);
	KUNIT_EXPECT_EQ(test, jq_complete(job, 0), 2);
	jq_expect(test, job, 1);
	jq_put(dep);
	jq_put(early);
	jq_put(job);
	jq_expect_clean(test);
}

/*
 * Scenario: as above, but the early fence fails (-EIO) and is the job's
 * in-fence, on a queue that fails jobs whose in-fence failed.  The job
 * waits for its in-fence and for the one credit, held by a job on the
 * other ring.  The interrupt signals the in-fence early under its ring's
 * lock: the job's in-fence callback sees the error, and a later callback
 * on the same fence completes the other ring, whose credit return
 * releases the job into the interrupt's batch.  There the job fails
 * without running, and its failure must not take the in-fence's lock to
 * remove its callback, which has run (this CPU holds that lock: a
 * deadlock).  The job ends with -EIO, in the interrupt; on PREEMPT_RT, on
 * the signalling queue.
 */
static void jq_irq_dep_error_under_ring_lock(struct kunit *test)
{
	struct jq_mock *a = jq_m(test, 0), *b = jq_m(test, 1);
	struct dma_fence_token_jobq_stats s;
	struct jq_job *early, *holder, *job;
	struct jq_nested n = {};
	bool rt = IS_ENABLED(CONFIG_PREEMPT_RT);

	jq_mock_init(test, a, "dep-error-irq", 4, 1, 10 * HZ,
		     JQ_OTHER_CLASS | DMA_FENCE_TOKEN_JOBQ_RUN_IN_IRQ |
		     DMA_FENCE_TOKEN_JOBQ_DEP_ERRORS);
	jq_mock_init(test, b, "dep-error-early", 4, 0, 10 * HZ, 0);
	early = jq_submit(test, b, 1, 0);
	holder = jq_submit(test, a, 1, 0);
	job = jq_job_new(test, a, 1, 1);
	jq_job_dep(test, job, &early->base.fence);
	jq_job_push(job);
	KUNIT_EXPECT_EQ(test, atomic_read(&job->ran), 0);

	/* The nested completion comes after the job's in-fence callback. */
	jq_nested_start(test, &n, early, holder, -EIO);
	jq_expect(test, job, -EIO);
	jq_nested_stop(&n);

	jq_expect(test, early, -EIO);
	jq_expect(test, holder, 1);
	KUNIT_EXPECT_EQ(test, atomic_read(&job->ran), 0);
	jq_expect_runs(test, a, 1, rt ? 1 : 0, rt ? 0 : 1);
	jq_stats(a, &s);
	KUNIT_EXPECT_EQ(test, s.dep_failed, 1);
	/* The queue goes on: its next job runs and completes. */
	jq_put(job);
	job = jq_submit(test, a, 1, 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&job->ran), 1);
	KUNIT_EXPECT_EQ(test, jq_complete(job, 0), 1);
	jq_expect(test, job, 1);
	jq_put(early);
	jq_put(holder);
	jq_put(job);
	jq_expect_clean(test);
}

#define JQ_IRQ_ROUNDS	64

/*
 * Scenario: teardown of a DMA_FENCE_TOKEN_JOBQ_RUN_IN_IRQ queue races the
 * interrupt that releases its job: 64 rounds, the interrupt 0 to 127 us
 * after the teardown starts.  Whether the job runs in the interrupt
 * (then the ring's teardown cancels it) or teardown cancels it first, it
 * ends signalled once with -ECANCELED, and nothing runs after teardown.
 */
static void jq_irq_teardown_race(struct kunit *test)
{
	struct jq_mock *a = jq_m(test, 0), *b = jq_m(test, 1);
	unsigned int r;

	for (r = 0; r < JQ_IRQ_ROUNDS; r++) {
		struct jq_job *dep, *job;
		struct jq_irq irq;

		jq_mock_init(test, a, "irq-race-dep", 2, 0, 10 * HZ, 0);
		jq_mock_init(test, b, "irq-race", 2, 0, 10 * HZ,
			     DMA_FENCE_TOKEN_JOBQ_RUN_IN_IRQ);
		dep = jq_submit(test, a, 1, 0);
		job = jq_job_new(test, b, 1, 1);
		jq_job_dep(test, job, &dep->base.fence);
		jq_job_push(job);
		jq_irq_start(&irq, dep, (get_random_u32() % 128) * NSEC_PER_USEC);
		jq_mock_fini(b);
		jq_irq_stop(&irq);
		jq_expect(test, job, -ECANCELED);
		KUNIT_EXPECT_LE(test, atomic_read(&job->ran), 1);
		jq_complete(dep, 0);
		jq_expect(test, dep, 1);
		jq_mock_fini(a);
		jq_put(job);
		jq_put(dep);
		if (atomic_read(&b->errors) || atomic_read(&b->order_errors))
			break;
		/* The next round's queues count seqnos from 1 again. */
		jq_mock_reset(a);
		jq_mock_reset(b);
	}
	jq_expect_clean(test);
}

static void jq_chain_same_queue(struct kunit *test)
{
	jq_chain(test, false);
}

static void jq_chain_cross_queue(struct kunit *test)
{
	jq_chain(test, true);
}

/**
 * struct jq_fan_case - a fan-in shape
 * @desc: description
 * @deps: in-fences of the sink job, spread over three source queues
 */
struct jq_fan_case {
	const char *desc;
	unsigned int deps;
};

static const struct jq_fan_case jq_fan_cases[] = {
	{ "4 in-fences", 4 },
	{ "16 in-fences", 16 },
};

static void jq_fan_desc(const struct jq_fan_case *c, char *desc)
{
	strscpy(desc, c->desc, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(jq_fan, jq_fan_cases, jq_fan_desc);

/*
 * Scenario: a job waits for 4 or 16 jobs spread over three other queues.
 * The sources are completed by hand, the sink's queue is asked in between:
 * the sink runs only once every source signalled, exactly once, on its
 * queue (one hop).
 */
static void jq_fan_in(struct kunit *test)
{
	const struct jq_fan_case *c = test->param_value;
	struct jq_mock *sink = jq_m(test, 3);
	struct jq_job *src[JQ_MAX_DEPS], *job;
	unsigned int i;

	for (i = 0; i < 3; i++)
		jq_mock_init(test, jq_m(test, i), "fan-src", JQ_MAX_DEPS, 0, 10 * HZ, 0);
	jq_mock_init(test, sink, "fan-sink", 4, 0, 10 * HZ, 0);
	for (i = 0; i < c->deps; i++)
		src[i] = jq_submit(test, jq_m(test, i % 3), 1, 0);
	job = jq_job_new(test, sink, 1, c->deps);
	for (i = 0; i < c->deps; i++)
		jq_job_dep(test, job, &src[i]->base.fence);
	jq_job_push(job);

	/* All but the last source complete: the sink still waits. */
	for (i = 0; i + 1 < c->deps; i++)
		KUNIT_EXPECT_EQ(test, jq_complete(src[i], 0), 1);
	dma_fence_token_wq_flush(&sink->wq);
	KUNIT_EXPECT_EQ(test, atomic_read(&job->ran), 0);
	KUNIT_EXPECT_EQ(test, jq_complete(src[c->deps - 1], 0), 1);
	KUNIT_EXPECT_TRUE(test, jq_wait_ran(job));
	KUNIT_EXPECT_EQ(test, jq_complete(job, 0), 1);
	jq_expect(test, job, 1);
	for (i = 0; i < c->deps; i++)
		jq_expect(test, src[i], 1);
	jq_expect_order(test, sink, &job, 1);
	jq_expect_stats(test, sink, 0, 1);
	for (i = 0; i < 3; i++)
		jq_expect_stats(test, jq_m(test, i), (c->deps - i + 2) / 3, 0);
	jq_put(job);
	for (i = 0; i < c->deps; i++)
		jq_put(src[i]);
	jq_expect_clean(test);
}

/*
 * Scenario: the only in-fence is signalled before it is added (and another
 * between add and arm): the job runs inside its push, no worker hop.
 */
static void jq_dep_signalled(struct kunit *test)
{
	struct jq_mock *m = jq_m(test, 0);
	struct mock_fence *dep[2];
	struct jq_job *job;
	unsigned int i;

	jq_mock_init(test, m, "dep-signalled", 4, 0, 10 * HZ, 0);
	for (i = 0; i < 2; i++) {
		dep[i] = mock_fence_alloc(dma_fence_context_alloc(1), 1);
		KUNIT_ASSERT_NOT_NULL(test, dep[i]);
	}
	dma_fence_signal(&dep[0]->base);
	job = jq_job_new(test, m, 1, 2);
	jq_job_dep(test, job, &dep[0]->base);
	jq_job_dep(test, job, &dep[1]->base);
	dma_fence_signal(&dep[1]->base);
	jq_job_push(job);
	KUNIT_EXPECT_EQ(test, atomic_read(&job->ran), 1);
	KUNIT_EXPECT_EQ(test, jq_complete(job, 0), 1);
	jq_expect(test, job, 1);
	jq_expect_stats(test, m, 1, 0);
	jq_put(job);
	jq_expect_clean(test);
	/* The job's references to its in-fences went with it. */
	for (i = 0; i < 2; i++) {
		KUNIT_EXPECT_EQ(test, kref_read(&dep[i]->base.refcount), 1);
		mock_fence_put(dep[i]);
	}
}

/**
 * struct jq_dep_error_case - an in-fence that fails
 * @desc: description
 * @flags: flags of the queue
 * @early: the in-fence failed before the push already
 * @behind: a job still on the ring is ahead of it
 */
struct jq_dep_error_case {
	const char *desc;
	unsigned int flags;
	bool early;
	bool behind;
};

static const struct jq_dep_error_case jq_dep_error_cases[] = {
	{ "DEP_ERRORS, fails while queued", DMA_FENCE_TOKEN_JOBQ_DEP_ERRORS, false },
	{ "DEP_ERRORS, failed before the push", DMA_FENCE_TOKEN_JOBQ_DEP_ERRORS, true },
	{ "no flag, fails while queued", 0, false },
	{ "no flag, failed before the push", 0, true },
	{ "DEP_ERRORS, behind a job on the ring", DMA_FENCE_TOKEN_JOBQ_DEP_ERRORS, true, true },
};

static void jq_dep_error_desc(const struct jq_dep_error_case *c, char *desc)
{
	strscpy(desc, c->desc, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(jq_dep_error, jq_dep_error_cases, jq_dep_error_desc);

/*
 * Scenario: a job's in-fence is signalled with -EIO (a second one
 * succeeds).  With DMA_FENCE_TOKEN_JOBQ_DEP_ERRORS the job is not run
 * and its fence gets -EIO; without, it runs and succeeds.  A job pushed
 * behind it runs either way, in order.  A failed job behind one still on
 * the ring signals only after it (fences of a context signal in order).
 */
static void jq_dep_error(struct kunit *test)
{
	const struct jq_dep_error_case *c = test->param_value;
	struct jq_mock *m = jq_m(test, 0);
	struct dma_fence_token_jobq_stats s;
	struct mock_fence *dep[2];
	struct jq_job *job, *next, *ahead = NULL;
	bool fail = c->flags & DMA_FENCE_TOKEN_JOBQ_DEP_ERRORS;
	unsigned int i;

	jq_mock_init(test, m, "dep-error", 4, 0, 10 * HZ, c->flags);
	for (i = 0; i < 2; i++) {
		dep[i] = mock_fence_alloc(dma_fence_context_alloc(1), 1);
		KUNIT_ASSERT_NOT_NULL(test, dep[i]);
	}
	if (c->behind)
		ahead = jq_submit(test, m, 1, 0);
	job = jq_job_new(test, m, 1, 2);
	jq_job_dep(test, job, &dep[0]->base);
	jq_job_dep(test, job, &dep[1]->base);
	dma_fence_signal(&dep[1]->base);
	if (c->early) {
		dma_fence_set_error(&dep[0]->base, -EIO);
		dma_fence_signal(&dep[0]->base);
	}
	jq_job_push(job);
	next = jq_submit(test, m, 1, 0);
	if (!c->early) {
		dma_fence_token_wq_flush(&m->wq);
		KUNIT_EXPECT_EQ(test, atomic_read(&job->ran), 0);
		KUNIT_EXPECT_EQ(test, atomic_read(&next->ran), 0);
		dma_fence_set_error(&dep[0]->base, -EIO);
		dma_fence_signal(&dep[0]->base);
	}
	KUNIT_EXPECT_TRUE(test, jq_wait_ran(next));
	dma_fence_token_wq_flush(&m->wq);
	KUNIT_EXPECT_EQ(test, atomic_read(&job->ran), fail ? 0 : 1);
	if (ahead) {
		KUNIT_EXPECT_FALSE(test, dma_fence_is_signaled(&job->base.fence));
		KUNIT_EXPECT_GE(test, jq_complete(ahead, 0), 1);
		jq_expect(test, ahead, 1);
	}
	KUNIT_EXPECT_GE(test, jq_complete(next, 0), 1);
	jq_expect(test, job, fail ? -EIO : 1);
	jq_expect(test, next, 1);
	if (ahead)
		jq_expect_order(test, m, (struct jq_job *[]){ ahead, next }, 2);
	else if (fail)
		jq_expect_order(test, m, &next, 1);
	else
		jq_expect_order(test, m, (struct jq_job *[]){ job, next }, 2);
	jq_stats(m, &s);
	KUNIT_EXPECT_EQ(test, s.dep_failed, fail ? 1 : 0);
	/*
	 * The counters count dispatches, zero hops or one, a failed job's
	 * too: a job whose in-fence failed before the push and the one behind
	 * it go at once, a job that waited and the one behind it once each.
	 */
	if (c->early) {
		KUNIT_EXPECT_EQ(test, s.direct, c->behind ? 3 : 2);
		KUNIT_EXPECT_EQ(test, s.deferred, 0);
	} else {
		KUNIT_EXPECT_EQ(test, s.direct, 0);
		KUNIT_EXPECT_EQ(test, s.deferred, 2);
	}
	jq_put(ahead);
	jq_put(job);
	jq_put(next);
	jq_expect_clean(test);
	for (i = 0; i < 2; i++)
		mock_fence_put(dep[i]);
}

/*
 * Scenario: the driver refuses a job in its run callback
 * (dma_fence_token_job_fail()) while the job ahead of it is still on the
 * ring: the refused fence gets -EIO only after that one signalled, and
 * the job behind it still reaches the ring.
 */
static void jq_run_refuses(struct kunit *test)
{
	struct jq_mock *m = jq_m(test, 0);
	struct jq_job *ahead, *refused, *next;

	jq_mock_init(test, m, "refuse", 4, 0, 10 * HZ, 0);
	ahead = jq_submit(test, m, 1, 0);
	refused = jq_job_new(test, m, 1, 0);
	refused->refuse = true;
	jq_job_push(refused);
	next = jq_submit(test, m, 1, 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&refused->ran), 1);
	KUNIT_EXPECT_EQ(test, atomic_read(&next->ran), 1);
	KUNIT_EXPECT_FALSE(test, dma_fence_is_signaled(&refused->base.fence));
	KUNIT_EXPECT_GE(test, jq_complete(ahead, 0), 1);
	jq_expect(test, ahead, 1);
	jq_expect(test, refused, -EIO);
	KUNIT_EXPECT_FALSE(test, dma_fence_is_signaled(&next->base.fence));
	KUNIT_EXPECT_GE(test, jq_complete(next, 0), 1);
	jq_expect(test, next, 1);
	jq_expect_order(test, m, (struct jq_job *[]){ ahead, refused, next }, 3);
	jq_put(ahead);
	jq_put(refused);
	jq_put(next);
	jq_expect_clean(test);
}

/*
 * Scenario: credit limit 1: the second job waits for the first one's
 * completion, then runs once, on the queue; a third queued behind it runs
 * only after the second completed.
 */
static void jq_credits_one(struct kunit *test)
{
	struct jq_mock *m = jq_m(test, 0);
	struct jq_job *job[3];
	unsigned int i;

	jq_mock_init(test, m, "credits-1", 4, 1, 10 * HZ, 0);
	for (i = 0; i < 3; i++)
		job[i] = jq_submit(test, m, 1, 0);
	dma_fence_token_wq_flush(&m->wq);
	KUNIT_EXPECT_EQ(test, atomic_read(&job[0]->ran), 1);
	KUNIT_EXPECT_EQ(test, atomic_read(&job[1]->ran), 0);
	KUNIT_EXPECT_EQ(test, jq_complete(job[0], 0), 1);
	KUNIT_EXPECT_TRUE(test, jq_wait_ran(job[1]));
	dma_fence_token_wq_flush(&m->wq);
	KUNIT_EXPECT_EQ(test, atomic_read(&job[2]->ran), 0);
	KUNIT_EXPECT_EQ(test, jq_complete(job[1], 0), 1);
	KUNIT_EXPECT_TRUE(test, jq_wait_ran(job[2]));
	KUNIT_EXPECT_EQ(test, jq_complete(job[2], 0), 1);
	for (i = 0; i < 3; i++)
		jq_expect(test, job[i], 1);
	jq_expect_order(test, m, job, 3);
	jq_expect_stats(test, m, 1, 2);
	KUNIT_EXPECT_EQ(test, m->max_credits, 1);
	for (i = 0; i < 3; i++)
		jq_put(job[i]);
	jq_expect_clean(test);
}

/*
 * Scenario: credit limit 4, jobs of 3, 2 and 1 credits: the 2 waits for
 * the 3, and the 1 waits behind the 2 although it would fit (seqno
 * order).  When the 3 completes both run, on the queue.
 */
static void jq_credits_mixed(struct kunit *test)
{
	struct jq_mock *m = jq_m(test, 0);
	struct jq_job *job[3];
	static const unsigned int credits[3] = { 3, 2, 1 };
	unsigned int i;

	jq_mock_init(test, m, "credits-mixed", 8, 4, 10 * HZ, 0);
	for (i = 0; i < 3; i++)
		job[i] = jq_submit(test, m, credits[i], 0);
	dma_fence_token_wq_flush(&m->wq);
	KUNIT_EXPECT_EQ(test, atomic_read(&job[0]->ran), 1);
	KUNIT_EXPECT_EQ(test, atomic_read(&job[1]->ran), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&job[2]->ran), 0);
	KUNIT_EXPECT_EQ(test, jq_complete(job[0], 0), 1);
	KUNIT_EXPECT_TRUE(test, jq_wait_ran(job[2]));
	KUNIT_EXPECT_EQ(test, atomic_read(&job[1]->ran), 1);
	KUNIT_EXPECT_EQ(test, jq_complete(job[2], 0), 2);
	for (i = 0; i < 3; i++)
		jq_expect(test, job[i], 1);
	jq_expect_order(test, m, job, 3);
	jq_expect_stats(test, m, 1, 2);
	KUNIT_EXPECT_EQ(test, m->max_credits, 3);
	for (i = 0; i < 3; i++)
		jq_put(job[i]);
	jq_expect_clean(test);
}

#define JQ_CREDIT_JOBS 40

/*
 * Scenario: credit limit 5 and 40 jobs of 1 to 5 credits, completed by
 * interrupts 50-300 us after their runs: the credits on the ring never
 * exceed the limit, every job runs once and in order.
 */
static void jq_credits_random(struct kunit *test)
{
	struct jq_mock *m = jq_m(test, 0);
	struct jq_job *job[JQ_CREDIT_JOBS];
	struct dma_fence_token_jobq_stats s;
	unsigned int i;

	jq_mock_init(test, m, "credits-random", JQ_CREDIT_JOBS, 5, 10 * HZ, 0);
	for (i = 0; i < JQ_CREDIT_JOBS; i++)
		job[i] = jq_submit(test, m, 1 + get_random_u32() % 5,
				   (50 + get_random_u32() % 250) * NSEC_PER_USEC);
	for (i = 0; i < JQ_CREDIT_JOBS; i++)
		jq_expect(test, job[i], 1);
	jq_expect_order(test, m, job, JQ_CREDIT_JOBS);
	jq_stats(m, &s);
	KUNIT_EXPECT_EQ(test, s.direct + s.deferred, JQ_CREDIT_JOBS);
	KUNIT_EXPECT_GE(test, s.direct, 1);
	KUNIT_EXPECT_LE(test, m->max_credits, 5);
	for (i = 0; i < JQ_CREDIT_JOBS; i++)
		jq_put(job[i]);
	jq_expect_clean(test);
}

/* Two jobs can be prepared at once: discarded unarmed, freed by the driver. */
static void jq_expect_room2(struct kunit *test, struct jq_mock *m)
{
	struct jq_job *job[2];
	unsigned int i;
	int ret;

	for (i = 0; i < 2; i++) {
		job[i] = jq_job_try(test, m, 1, 0, &ret);
		KUNIT_EXPECT_EQ(test, ret, 0);
	}
	for (i = 0; i < 2; i++) {
		if (!job[i])
			continue;
		dma_fence_token_job_discard(&job[i]->base);
		kfree(job[i]);
		atomic_inc(&m->released);
	}
}

/*
 * Scenario: bad input and exhaustion at prepare: more credits than the
 * limit (given, or the capacity for limit 0) is -EINVAL, a full ring is
 * -ENOSPC, a dependency beyond max_deps is -ENOSPC, and completed jobs
 * give their slots back.
 */
static void jq_prepare_limits(struct kunit *test)
{
	struct jq_mock *a = jq_m(test, 0), *b = jq_m(test, 1);
	struct mock_fence *dep, *other;
	struct jq_job *job[2];
	int ret;

	jq_mock_init(test, a, "limit-4", 8, 4, 10 * HZ, 0);
	jq_mock_init(test, b, "ring-2", 2, 0, 10 * HZ, 0);
	KUNIT_EXPECT_NULL(test, jq_job_try(test, a, 5, 0, &ret));
	KUNIT_EXPECT_EQ(test, ret, -EINVAL);
	KUNIT_EXPECT_NULL(test, jq_job_try(test, b, 3, 0, &ret));
	KUNIT_EXPECT_EQ(test, ret, -EINVAL);

	dep = mock_fence_alloc(dma_fence_context_alloc(1), 1);
	KUNIT_ASSERT_NOT_NULL(test, dep);
	job[0] = jq_job_new(test, b, 1, 1);
	jq_job_dep(test, job[0], &dep->base);
	/* The same context again is merged; another one is beyond max_deps. */
	KUNIT_EXPECT_EQ(test, dma_fence_token_job_add_dep(&job[0]->base, &dep->base), 0);
	other = mock_fence_alloc(dma_fence_context_alloc(1), 1);
	KUNIT_ASSERT_NOT_NULL(test, other);
	KUNIT_EXPECT_EQ(test, dma_fence_token_job_add_dep(&job[0]->base, &other->base),
			-ENOSPC);
	KUNIT_EXPECT_EQ(test, kref_read(&other->base.refcount), 1);
	dma_fence_signal(&other->base);
	mock_fence_put(other);
	job[1] = jq_submit(test, b, 1, 0);
	/* Two slots: one job prepared, one on the ring. */
	KUNIT_EXPECT_NULL(test, jq_job_try(test, b, 1, 0, &ret));
	KUNIT_EXPECT_EQ(test, ret, -ENOSPC);
	jq_job_push(job[0]);
	KUNIT_EXPECT_NULL(test, jq_job_try(test, b, 1, 0, &ret));
	KUNIT_EXPECT_EQ(test, ret, -ENOSPC);
	dma_fence_signal(&dep->base);
	KUNIT_EXPECT_TRUE(test, jq_wait_ran(job[0]));
	KUNIT_EXPECT_EQ(test, jq_complete(job[0], 0), 2);
	jq_expect(test, job[0], 1);
	jq_expect(test, job[1], 1);
	jq_expect_order(test, b, (struct jq_job *[]){ job[1], job[0] }, 2);
	/* Both slots back, while the driver still holds its references. */
	jq_expect_room2(test, b);
	jq_put(job[0]);
	jq_put(job[1]);
	jq_expect_clean(test);
	mock_fence_put(dep);
}

/*
 * Scenario: the interrupt never comes: after the 200 ms timeout the hung
 * job gets -ETIMEDOUT, the job behind it on the ring -ECANCELED, and a job
 * armed before the close but still waiting for an in-fence -ECANCELED
 * without running, even once its in-fence signals.  Prepare is refused
 * until the driver reopens the ring; then new jobs run.
 */
static void jq_timeout_hang(struct kunit *test)
{
	struct jq_mock *m = jq_m(test, 0);
	struct jq_job *hung, *behind, *waiting, *after;
	struct dma_fence_token_jobq_stats s;
	struct mock_fence *dep;
	int ret;

	jq_mock_init(test, m, "hang", 8, 0, msecs_to_jiffies(200), 0);
	dep = mock_fence_alloc(dma_fence_context_alloc(1), 1);
	KUNIT_ASSERT_NOT_NULL(test, dep);
	hung = jq_submit(test, m, 1, 0);
	behind = jq_submit(test, m, 1, 0);
	waiting = jq_job_new(test, m, 1, 1);
	jq_job_dep(test, waiting, &dep->base);
	jq_job_push(waiting);

	jq_expect(test, hung, -ETIMEDOUT);
	jq_expect(test, behind, -ECANCELED);
	KUNIT_EXPECT_EQ(test, atomic_read(&m->timedout), 1);
	KUNIT_EXPECT_EQ(test, READ_ONCE(m->hung_seqno), hung->base.fence.seqno);
	KUNIT_EXPECT_TRUE(test, dma_fence_token_ring_closed(dma_fence_token_jobq_ring(&m->q)));
	KUNIT_EXPECT_NULL(test, jq_job_try(test, m, 1, 0, &ret));
	KUNIT_EXPECT_EQ(test, ret, -ESHUTDOWN);

	dma_fence_signal(&dep->base);
	jq_expect(test, waiting, -ECANCELED);
	dma_fence_token_wq_flush(&m->wq);
	KUNIT_EXPECT_EQ(test, atomic_read(&waiting->ran), 0);

	KUNIT_EXPECT_EQ(test, dma_fence_token_ring_reopen(dma_fence_token_jobq_ring(&m->q)), 0);
	after = jq_submit(test, m, 1, NSEC_PER_MSEC);
	jq_expect(test, after, 1);
	KUNIT_EXPECT_EQ(test, atomic_read(&m->timedout), 1);
	jq_expect_order(test, m, (struct jq_job *[]){ hung, behind, after }, 3);
	jq_stats(m, &s);
	KUNIT_EXPECT_EQ(test, s.direct, 3);
	/* The waiting job went once, to be cancelled. */
	KUNIT_EXPECT_EQ(test, s.deferred, 1);
	KUNIT_EXPECT_EQ(test, s.cancelled, 1);
	jq_put(hung);
	jq_put(behind);
	jq_put(waiting);
	jq_put(after);
	jq_expect_clean(test);
	mock_fence_put(dep);
}

/*
 * Scenario: credit limit 1 and the running job hangs: the job waiting for
 * its credit gets it back when the timeout signals the hung job, is
 * released to the queue, and is cancelled there without running (armed
 * before the close).  After the reopen the next job runs in its push.
 */
static void jq_timeout_credits(struct kunit *test)
{
	struct jq_mock *m = jq_m(test, 0);
	struct jq_job *hung, *waiting, *after;
	struct dma_fence_token_jobq_stats s;

	jq_mock_init(test, m, "hang-credits", 4, 1, msecs_to_jiffies(200), 0);
	hung = jq_submit(test, m, 1, 0);
	waiting = jq_submit(test, m, 1, 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&waiting->ran), 0);
	jq_expect(test, hung, -ETIMEDOUT);
	jq_expect(test, waiting, -ECANCELED);
	dma_fence_token_wq_flush(&m->wq);
	KUNIT_EXPECT_EQ(test, atomic_read(&waiting->ran), 0);
	KUNIT_EXPECT_EQ(test, dma_fence_token_ring_reopen(dma_fence_token_jobq_ring(&m->q)), 0);
	after = jq_submit(test, m, 1, NSEC_PER_USEC);
	jq_expect(test, after, 1);
	jq_expect_order(test, m, (struct jq_job *[]){ hung, after }, 2);
	jq_stats(m, &s);
	KUNIT_EXPECT_EQ(test, s.direct, 2);
	KUNIT_EXPECT_EQ(test, s.deferred, 1);
	KUNIT_EXPECT_EQ(test, s.cancelled, 1);
	KUNIT_EXPECT_EQ(test, m->max_credits, 1);
	jq_put(hung);
	jq_put(waiting);
	jq_put(after);
	jq_expect_clean(test);
}

/*
 * Scenario: the timeout fires but the interrupt wins the race: the
 * timedout callback reports the hung job's completion before returning.
 * The job succeeds, the ring stays open and the next job runs.
 */
static void jq_timeout_irq_wins(struct kunit *test)
{
	struct jq_mock *m = jq_m(test, 0);
	struct jq_job *job, *next;

	jq_mock_init(test, m, "irq-wins", 4, 0, msecs_to_jiffies(200), 0);
	m->complete_in_timedout = true;
	job = jq_submit(test, m, 1, 0);
	jq_expect(test, job, 1);
	KUNIT_EXPECT_EQ(test, atomic_read(&m->timedout), 1);
	KUNIT_EXPECT_FALSE(test, dma_fence_token_ring_closed(dma_fence_token_jobq_ring(&m->q)));
	m->complete_in_timedout = false;
	next = jq_submit(test, m, 1, 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&next->ran), 1);
	KUNIT_EXPECT_EQ(test, jq_complete(next, 0), 1);
	jq_expect(test, next, 1);
	jq_expect_order(test, m, (struct jq_job *[]){ job, next }, 2);
	jq_expect_stats(test, m, 2, 0);
	jq_put(job);
	jq_put(next);
	jq_expect_clean(test);
}

/* Live fences on @f's callback list, the counting one of a mock fence included. */
static unsigned int jq_cb_count(struct dma_fence *f)
{
	struct dma_fence_cb *cb;
	unsigned long flags;
	unsigned int n = 0;

	spin_lock_irqsave(f->lock, flags);
	list_for_each_entry(cb, &f->cb_list, node)
		n++;
	spin_unlock_irqrestore(f->lock, flags);
	return n;
}

/*
 * Scenario: teardown with jobs at every stage: completed, on the ring,
 * waiting for credits, waiting for an in-fence (its last reference held by
 * the queue only).  Every job that had not completed is signalled
 * -ECANCELED, the waiting ones without running; the in-fence's callback
 * is removed and its reference dropped, so signalling it after the
 * teardown touches nothing.
 */
static void jq_teardown_stages(struct kunit *test)
{
	struct jq_mock *m = jq_m(test, 0);
	struct jq_job *done, *on_ring, *credits, *waiting;
	struct dma_fence_token_jobq_stats s;
	struct mock_fence *dep;

	jq_mock_init(test, m, "teardown", 8, 2, 10 * HZ, 0);
	dep = mock_fence_alloc(dma_fence_context_alloc(1), 1);
	KUNIT_ASSERT_NOT_NULL(test, dep);
	done = jq_submit(test, m, 1, 0);
	KUNIT_EXPECT_EQ(test, jq_complete(done, 0), 1);
	on_ring = jq_submit(test, m, 1, 0);
	credits = jq_submit(test, m, 2, 0);
	waiting = jq_job_new(test, m, 1, 1);
	jq_job_dep(test, waiting, &dep->base);
	jq_job_push(waiting);
	dma_fence_token_wq_flush(&m->wq);
	KUNIT_EXPECT_EQ(test, atomic_read(&on_ring->ran), 1);
	KUNIT_EXPECT_EQ(test, atomic_read(&credits->ran), 0);
	KUNIT_EXPECT_EQ(test, jq_cb_count(&dep->base), 2);
	KUNIT_EXPECT_EQ(test, kref_read(&dep->base.refcount), 2);
	/* The queue holds the only reference to the waiting job now. */
	dma_fence_put(&waiting->base.fence);

	dma_fence_token_jobq_fini(&m->q);
	jq_expect(test, done, 1);
	jq_expect(test, on_ring, -ECANCELED);
	jq_expect(test, credits, -ECANCELED);
	KUNIT_EXPECT_EQ(test, atomic_read(&credits->ran), 0);
	jq_stats(m, &s);
	KUNIT_EXPECT_EQ(test, s.cancelled, 2);
	dma_fence_token_wq_fini(&m->wq);
	m->inited = false;
	/* The waiting job was cancelled and freed, its callback and reference gone. */
	KUNIT_EXPECT_EQ(test, jq_cb_count(&dep->base), 1);
	KUNIT_EXPECT_EQ(test, kref_read(&dep->base.refcount), 1);
	KUNIT_EXPECT_EQ(test, atomic_read(&m->released), 1);
	dma_fence_signal(&dep->base);
	KUNIT_EXPECT_EQ(test, atomic_read(&dep->signalled), 1);
	KUNIT_EXPECT_EQ(test, atomic_read(&m->released), 1);
	jq_put(done);
	jq_put(on_ring);
	jq_put(credits);
	jq_expect_clean(test);
	mock_fence_put(dep);
}

/*
 * Scenario: a job prepared with an in-fence but never armed is discarded
 * (its slot and the in-fence's reference given back, the driver frees
 * it); an armed one is discarded instead of pushed (its fence gets
 * -ECANCELED, it never runs).  A queue of one slot takes both in turn,
 * and a job after them runs normally.
 */
static void jq_discard(struct kunit *test)
{
	struct jq_mock *m = jq_m(test, 0);
	struct jq_job *prepared, *armed, *after;
	struct mock_fence *dep;

	jq_mock_init(test, m, "discard", 1, 0, 10 * HZ, 0);
	dep = mock_fence_alloc(dma_fence_context_alloc(1), 1);
	KUNIT_ASSERT_NOT_NULL(test, dep);

	prepared = jq_job_new(test, m, 1, 1);
	jq_job_dep(test, prepared, &dep->base);
	KUNIT_EXPECT_EQ(test, kref_read(&dep->base.refcount), 2);
	dma_fence_token_job_discard(&prepared->base);
	KUNIT_EXPECT_EQ(test, kref_read(&dep->base.refcount), 1);
	kfree(prepared);
	atomic_inc(&m->released);

	armed = jq_job_new(test, m, 1, 1);
	jq_job_dep(test, armed, &dep->base);
	mutex_lock(&m->submit);
	dma_fence_token_job_arm(&armed->base);
	if (dma_fence_add_callback(&armed->base.fence, &armed->cb, jq_job_cb))
		atomic_inc(&armed->signalled);
	dma_fence_token_job_discard(&armed->base);
	mutex_unlock(&m->submit);
	jq_expect(test, armed, -ECANCELED);
	KUNIT_EXPECT_EQ(test, jq_cb_count(&dep->base), 1);
	jq_put(armed);
	KUNIT_EXPECT_EQ(test, kref_read(&dep->base.refcount), 1);

	after = jq_submit(test, m, 1, NSEC_PER_USEC);
	jq_expect(test, after, 1);
	jq_expect_order(test, m, &after, 1);
	jq_put(after);
	dma_fence_signal(&dep->base);
	KUNIT_EXPECT_EQ(test, m->nr_run, 1);
	jq_expect_clean(test);
	mock_fence_put(dep);
}

#define JQ_CONC_JOBS 400

/**
 * struct jq_conc - shared state of the concurrent submitters
 * @test: the case
 * @m: the two engines
 * @fences: each submitter's fences, by index, published after the push
 * @jobs: each submitter's jobs (a reference each)
 * @done: submitters finished
 */
struct jq_conc {
	struct kunit *test;
	struct jq_mock *m[2];
	struct dma_fence *fences[2][JQ_CONC_JOBS];
	struct jq_job *jobs[2][JQ_CONC_JOBS];
	struct completion done[2];
};

/* Prepare a job, waiting for ring room; NULL if none came. */
static struct jq_job *jq_conc_prepare(struct jq_mock *m, unsigned int credits)
{
	unsigned long deadline = jiffies + msecs_to_jiffies(JQ_WAIT_MS);
	struct jq_job *job = kzalloc(sizeof(*job), GFP_KERNEL);

	if (!job)
		return NULL;
	atomic_inc(&m->created);
	job->m = m;
	job->credits = credits;
	INIT_LIST_HEAD(&job->link);
	hrtimer_init(&job->irq, CLOCK_MONOTONIC, HRTIMER_MODE_REL);
	job->irq.function = jq_irq_fn;
	while (dma_fence_token_job_prepare(&job->base, &m->q, credits, 2)) {
		if (time_after(jiffies, deadline)) {
			atomic_inc(&m->released);
			kfree(job);
			return NULL;
		}
		usleep_range(50, 100);
	}
	return job;
}

/*
 * Submitter @id: jobs on its engine, each waiting for the other's latest
 * published job and, one in four, for one of its own a few back.
 */
static int jq_conc_thread(void *data, unsigned int id)
{
	struct jq_conc *c = data;
	struct jq_mock *m = c->m[id];
	unsigned int i, j;

	for (i = 0; i < JQ_CONC_JOBS; i++) {
		struct jq_job *job = jq_conc_prepare(m, 1 + get_random_u32() % 3);
		struct dma_fence *other = NULL;

		if (!job) {
			atomic_inc(&m->errors);
			break;
		}
		job->irq_ns = (10 + get_random_u32() % 100) * NSEC_PER_USEC;
		for (j = i; j-- > 0 && !other;)
			/* Pairs with the other submitter's release below. */
			other = smp_load_acquire(&c->fences[!id][j]);
		if (other) {
			if (dma_fence_token_job_add_dep(&job->base, other))
				atomic_inc(&m->errors);
			else
				job->deps[job->nr_deps++] = other;
		}
		if (i >= 4 && get_random_u32() % 4 == 0) {
			other = c->fences[id][i - 1 - get_random_u32() % 4];
			if (dma_fence_token_job_add_dep(&job->base, other))
				atomic_inc(&m->errors);
			else
				job->deps[job->nr_deps++] = other;
		}
		mutex_lock(&m->submit);
		jq_job_arm_push_locked(job);
		mutex_unlock(&m->submit);
		c->jobs[id][i] = job;
		/* The job is pushed: the other submitter may depend on it. */
		smp_store_release(&c->fences[id][i], &job->base.fence);
		if (i % 32 == 0)
			cond_resched();
	}
	complete(&c->done[id]);
	return 0;
}

static int jq_conc_thread0(void *data)
{
	return jq_conc_thread(data, 0);
}

static int jq_conc_thread1(void *data)
{
	return jq_conc_thread(data, 1);
}

/*
 * Scenario: two kthreads submit 400 jobs each to two queues, every job
 * depending on the other submitter's latest job (and some on one of their
 * own), under per-queue submit mutexes, with random credits (limit 4) and
 * interrupts.  Every job runs once, in order on its queue, after its
 * in-fences; the credits hold; every fence succeeds once.
 */
static void jq_concurrent(struct kunit *test)
{
	struct jq_conc *c = kunit_kzalloc(test, sizeof(*c), GFP_KERNEL);
	struct dma_fence_token_jobq_stats s;
	struct task_struct *task[2];
	unsigned int id, i;

	KUNIT_ASSERT_NOT_NULL(test, c);
	c->test = test;
	for (id = 0; id < 2; id++) {
		c->m[id] = jq_m(test, id);
		jq_mock_init(test, c->m[id], id ? "conc-b" : "conc-a", 32, 4,
			     10 * HZ, 0);
		init_completion(&c->done[id]);
	}
	task[0] = kthread_run(jq_conc_thread0, c, "dft-jobq-conc/0");
	KUNIT_ASSERT_FALSE(test, IS_ERR(task[0]));
	task[1] = kthread_run(jq_conc_thread1, c, "dft-jobq-conc/1");
	if (IS_ERR(task[1]))
		complete(&c->done[1]);
	wait_for_completion(&c->done[0]);
	wait_for_completion(&c->done[1]);
	KUNIT_ASSERT_FALSE(test, IS_ERR(task[1]));

	for (id = 0; id < 2; id++) {
		for (i = 0; i < JQ_CONC_JOBS; i++) {
			if (!c->jobs[id][i]) {
				KUNIT_FAIL(test, "submitter %u stopped at job %u", id, i);
				break;
			}
			jq_expect(test, c->jobs[id][i], 1);
		}
		jq_stats(c->m[id], &s);
		KUNIT_EXPECT_EQ(test, s.direct + s.deferred, JQ_CONC_JOBS);
		KUNIT_EXPECT_EQ(test, c->m[id]->nr_run, JQ_CONC_JOBS);
		kunit_info(test, "queue %u: %lu direct, %lu deferred, at most %u credits\n",
			   id, s.direct, s.deferred, c->m[id]->max_credits);
	}
	for (id = 0; id < 2; id++)
		jq_mock_fini(c->m[id]);
	for (id = 0; id < 2; id++)
		for (i = 0; i < JQ_CONC_JOBS; i++)
			jq_put(c->jobs[id][i]);
	jq_expect_clean(test);
}

static struct kunit_case jq_cases[] = {
	KUNIT_CASE(jq_basic_by_hand),
	KUNIT_CASE(jq_basic_irq),
	KUNIT_CASE(jq_many_in_order),
	KUNIT_CASE(jq_chain_same_queue),
	KUNIT_CASE(jq_chain_cross_queue),
	KUNIT_CASE_PARAM(jq_irq_credit, jq_irq_flags_gen_params),
	KUNIT_CASE(jq_irq_budget),
	KUNIT_CASE(jq_irq_under_ring_lock),
	KUNIT_CASE(jq_irq_dep_error_under_ring_lock),
	KUNIT_CASE(jq_irq_teardown_race),
	KUNIT_CASE_PARAM(jq_fan_in, jq_fan_gen_params),
	KUNIT_CASE(jq_dep_signalled),
	KUNIT_CASE_PARAM(jq_dep_error, jq_dep_error_gen_params),
	KUNIT_CASE(jq_run_refuses),
	KUNIT_CASE(jq_credits_one),
	KUNIT_CASE(jq_credits_mixed),
	KUNIT_CASE(jq_credits_random),
	KUNIT_CASE(jq_prepare_limits),
	KUNIT_CASE(jq_timeout_hang),
	KUNIT_CASE(jq_timeout_credits),
	KUNIT_CASE(jq_timeout_irq_wins),
	KUNIT_CASE(jq_teardown_stages),
	KUNIT_CASE(jq_discard),
	DFT_KUNIT_CASE_SLOW(jq_concurrent),
	{}
};

static struct kunit_suite jq_suite = {
	.name = "dma_fence_token_jobq",
	.init = jq_test_init,
	.test_cases = jq_cases,
};

kunit_test_suite(jq_suite);

MODULE_DESCRIPTION("KUnit tests for DMA fence job queues");
MODULE_LICENSE("GPL");
