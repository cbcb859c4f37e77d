// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suites for hardware rings: completions by hand and by hrtimer
 * interrupts, every injected fault with its exact error code, the
 * interrupt/timeout race, 10,000 fences with random hangs, close, reopen,
 * core dumps and teardown racing completions.  Nothing may be reported.
 */

#include <kunit/test.h>
#include <linux/delay.h>
#include <linux/jiffies.h>
#include <linux/random.h>
#include <linux/sizes.h>
#include <linux/slab.h>

#include "dma-fence-token-compat.h"
#include "dma-fence-token-mock.h"

MODULE_IMPORT_NS(EXPORTED_FOR_KUNIT_TESTING);
#include "dma-fence-token-mock-ring.h"

/**
 * struct ring_test - per-case state
 * @before: tracker counters at the start
 * @mr: the mock ring
 */
struct ring_test {
	struct dma_fence_token_stats before;
	struct mock_ring mr;
};

static int ring_test_init(struct kunit *test)
{
	struct ring_test *t = kunit_kzalloc(test, sizeof(*t), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, t);
	mock_expect_armed(test, &t->before);
	test->priv = t;
	return 0;
}

static void ring_expect_clean(struct kunit *test)
{
	struct ring_test *t = test->priv;

	mock_expect_clean(test, &t->before);
}

static struct mock_job *ring_submit(struct kunit *test, struct mock_ring *mr,
				    enum mock_fault fault)
{
	struct mock_job *job;
	int ret;

	job = mock_job_submit(mr, fault, &ret);
	KUNIT_ASSERT_FALSE(test, IS_ERR(job));
	KUNIT_EXPECT_EQ(test, ret, 0);
	return job;
}

static void ring_expect(struct kunit *test, struct mock_job *job, int status)
{
	KUNIT_EXPECT_TRUE(test, mock_job_wait(job, 10000));
	KUNIT_EXPECT_EQ(test, atomic_read(&job->signalled), 1);
	KUNIT_EXPECT_EQ_MSG(test, dma_fence_get_status(&job->base), status,
			    "seqno %llu", job->base.seqno);
}

/*
 * Scenario: the hardware reports progress by hand (advance): completions
 * signal everything up to the reported seqno, in order; a duplicate or a
 * stale completion is a no-op.
 */
static void ring_advance(struct kunit *test)
{
	struct ring_test *t = test->priv;
	struct mock_job *job[4];
	unsigned int i;

	KUNIT_ASSERT_EQ(test, mock_ring_init(&t->mr, "advance", 8, 10 * HZ), 0);
	for (i = 0; i < 4; i++)
		job[i] = ring_submit(test, &t->mr, MOCK_OK);

	KUNIT_EXPECT_EQ(test, mock_ring_advance(&t->mr, 2), 2);
	ring_expect(test, job[0], 1);
	ring_expect(test, job[1], 1);
	KUNIT_EXPECT_FALSE(test, dma_fence_is_signaled(&job[2]->base));
	KUNIT_EXPECT_EQ(test, mock_ring_advance(&t->mr, 2), 2);
	KUNIT_EXPECT_EQ(test, mock_ring_advance(&t->mr, 1), 0);
	KUNIT_EXPECT_EQ(test, dma_fence_token_ring_complete(&t->mr.ring, job[3]->base.seqno, 0), 0);
	KUNIT_EXPECT_EQ(test, dma_fence_token_ring_complete(&t->mr.ring, job[0]->base.seqno, 0), 0);
	for (i = 2; i < 4; i++)
		ring_expect(test, job[i], 1);
	KUNIT_EXPECT_EQ(test, t->mr.ring.timeouts, 0);

	mock_ring_fini(&t->mr);
	for (i = 0; i < 4; i++)
		mock_job_put(job[i]);
	ring_expect_clean(test);
}

/**
 * struct ring_fault_case - one injected fault and what every job must end with
 * @desc: description
 * @fault: fault of the job in the middle (or the last, see @last)
 * @last: inject into the last job instead of the middle one
 * @status: expected status of the three jobs
 * @timeouts: expected ring timeouts
 */
struct ring_fault_case {
	const char *desc;
	enum mock_fault fault;
	bool last;
	int status[3];
	unsigned int timeouts;
};

static const struct ring_fault_case ring_fault_cases[] = {
	{ "healthy", MOCK_OK, false, { 1, 1, 1 }, 0 },
	{ "hang", MOCK_HANG, false, { 1, -ETIMEDOUT, -ECANCELED }, 1 },
	{ "lost interrupt, covered by the next", MOCK_LOST_IRQ, false, { 1, 1, 1 }, 0 },
	{ "lost interrupt of the last job", MOCK_LOST_IRQ, true, { 1, 1, -ETIMEDOUT }, 1 },
	{ "late interrupt", MOCK_LATE_IRQ, false, { 1, -ETIMEDOUT, -ECANCELED }, 1 },
	{ "duplicate interrupt", MOCK_DUP_IRQ, false, { 1, 1, 1 }, 0 },
	{ "error completion", MOCK_ERROR, false, { 1, -EIO, 1 }, 0 },
};

static void ring_fault_desc(const struct ring_fault_case *c, char *desc)
{
	strscpy(desc, c->desc, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(ring_fault, ring_fault_cases, ring_fault_desc);

/*
 * Scenario: three jobs, each completed by its own hrtimer interrupt 1 ms
 * after the previous one, with a fault injected; the ring's timeout is
 * 200 ms.  Every fence ends with the exact error the fault calls for.
 */
static void ring_faults(struct kunit *test)
{
	const struct ring_fault_case *c = test->param_value;
	struct ring_test *t = test->priv;
	u64 timeout_ns = 200 * NSEC_PER_MSEC;
	struct mock_job *job[3];
	bool stuck = false;
	unsigned int i;

	KUNIT_ASSERT_EQ(test, mock_ring_init(&t->mr, "faults", 8,
					     msecs_to_jiffies(200)), 0);
	for (i = 0; i < 3; i++) {
		bool faulty = c->last ? i == 2 : i == 1;

		job[i] = ring_submit(test, &t->mr, faulty ? c->fault : MOCK_OK);
	}
	for (i = 0; i < 3; i++) {
		/* In-order hardware: nothing completes after a hang or late job. */
		if (job[i]->fault == MOCK_HANG || stuck) {
			stuck = true;
			continue;
		}
		if (job[i]->fault == MOCK_LATE_IRQ) {
			mock_job_irq(job[i], 2 * timeout_ns);
			stuck = true;
			continue;
		}
		mock_job_irq(job[i], (i + 1) * NSEC_PER_MSEC);
	}
	for (i = 0; i < 3; i++)
		ring_expect(test, job[i], c->status[i]);
	KUNIT_EXPECT_EQ(test, t->mr.ring.timeouts, c->timeouts);
	KUNIT_EXPECT_EQ(test, atomic_read(&t->mr.timedout), c->timeouts);

	/* A late interrupt still arrives, and does nothing. */
	if (c->fault == MOCK_LATE_IRQ)
		while (hrtimer_active(&job[1]->irq))
			msleep(20);
	for (i = 0; i < 3; i++) {
		KUNIT_EXPECT_EQ(test, atomic_read(&job[i]->signalled), 1);
		mock_job_put(job[i]);
	}
	mock_ring_fini(&t->mr);
	ring_expect_clean(test);
}

#define RING_RACE_ROUNDS 1000

/*
 * Scenario: the interrupt and the timeout race: the interrupt arrives one
 * jiffy before, at, or one jiffy after the timeout, 1,000 times.  Every
 * fence is signalled exactly once, with an error only when the timeout won.
 */
static void ring_irq_timeout_race(struct kunit *test)
{
	struct ring_test *t = test->priv;
	unsigned long timeout = 2;
	unsigned int i, timed_out = 0;
	u64 jiffy_ns = jiffies_to_nsecs(1);

	KUNIT_ASSERT_EQ(test, mock_ring_init(&t->mr, "race", 4, timeout), 0);
	for (i = 0; i < RING_RACE_ROUNDS; i++) {
		unsigned long timeouts = t->mr.ring.timeouts;
		struct mock_job *job = ring_submit(test, &t->mr, MOCK_OK);
		int status;

		/* -1, 0 or +1 jiffy around the timeout, at a sweeping phase. */
		mock_job_irq(job, (timeout - 1 + i % 3) * jiffy_ns +
				  (i % 7) * jiffy_ns / 7);
		KUNIT_EXPECT_TRUE(test, mock_job_wait(job, 10000));
		hrtimer_cancel(&job->irq);
		/* Both have run or been cancelled: nothing else can signal it. */
		status = dma_fence_get_status(&job->base);
		KUNIT_EXPECT_EQ(test, atomic_read(&job->signalled), 1);
		if (t->mr.ring.timeouts != timeouts) {
			KUNIT_EXPECT_EQ(test, status, -ETIMEDOUT);
			timed_out++;
			KUNIT_EXPECT_EQ(test, dma_fence_token_ring_reopen(&t->mr.ring), 0);
		} else {
			KUNIT_EXPECT_EQ(test, status, 1);
		}
		mock_job_put(job);
		if (test->status == KUNIT_FAILURE)
			break;
	}
	kunit_info(test, "%u rounds: timeout won %u, interrupt won %u\n",
		   i, timed_out, i - timed_out);
	mock_ring_fini(&t->mr);
	ring_expect_clean(test);
}

#define RING_STRESS_RINGS 4
#define RING_STRESS_FENCES 10000
#define RING_STRESS_BATCH 16
#define RING_STRESS_TIMEOUT_MS 50

/*
 * Scenario: 10,000 fences through four rings in batches of 16, about one
 * job in a hundred hanging.  A hang times out and closes its ring (the
 * driver reopens it); completions before it succeed, everything after it
 * is cancelled.  None is lost, none signalled twice.
 *
 * The ring's timeout is 50 ms, and a guest vCPU of a loaded host can
 * stall longer than that between a batch's first submission and its
 * completion: the timeout then rightly wins over a job that did not hang.
 * A batch that took half the timeout or more is judged loosely (each
 * fence signalled once, succeeded, timed out or cancelled; a submission
 * refused only by a closed ring); every other batch exactly.  At most a
 * quarter of the batches may be loose, or the run says nothing.
 */
static void ring_stress_hangs(struct kunit *test)
{
	struct mock_ring *mr = kcalloc(RING_STRESS_RINGS, sizeof(*mr), GFP_KERNEL);
	unsigned int done = 0, hangs = 0, batches = 0, loose = 0, r, i;

	KUNIT_ASSERT_NOT_NULL(test, mr);
	for (r = 0; r < RING_STRESS_RINGS; r++)
		KUNIT_ASSERT_EQ(test, mock_ring_init(&mr[r], "stress", RING_STRESS_BATCH,
						     msecs_to_jiffies(RING_STRESS_TIMEOUT_MS)), 0);

	while (done < RING_STRESS_FENCES && test->status != KUNIT_FAILURE) {
		for (r = 0; r < RING_STRESS_RINGS; r++) {
			struct mock_job *job[RING_STRESS_BATCH];
			int ret[RING_STRESS_BATCH];
			int hang = -1;
			bool stalled;
			u64 t0;

			t0 = ktime_get_ns();
			for (i = 0; i < RING_STRESS_BATCH; i++) {
				bool h = hang < 0 && get_random_u32() % 100 == 0;

				job[i] = mock_job_submit(&mr[r], h ? MOCK_HANG : MOCK_OK, &ret[i]);
				KUNIT_ASSERT_FALSE(test, IS_ERR(job[i]));
				if (h)
					hang = i;
			}
			if (hang < 0) {
				u64 last = job[RING_STRESS_BATCH - 1]->base.seqno;

				dma_fence_token_ring_complete(&mr[r].ring, last, 0);
			} else {
				if (hang)
					dma_fence_token_ring_complete(&mr[r].ring,
								      job[hang - 1]->base.seqno, 0);
				hangs++;
			}
			/* The timeout cannot have fired before this point. */
			stalled = ktime_get_ns() - t0 >=
				  RING_STRESS_TIMEOUT_MS * NSEC_PER_MSEC / 2;
			batches++;
			loose += stalled;
			for (i = 0; i < RING_STRESS_BATCH; i++) {
				int status = 1, st;

				if (hang >= 0 && i == hang)
					status = -ETIMEDOUT;
				else if (hang >= 0 && i > hang)
					status = -ECANCELED;
				if (!stalled) {
					KUNIT_EXPECT_EQ(test, ret[i], 0);
					ring_expect(test, job[i], status);
				} else {
					KUNIT_EXPECT_TRUE(test, !ret[i] || ret[i] == -ESHUTDOWN);
					KUNIT_EXPECT_TRUE(test, mock_job_wait(job[i], 10000));
					KUNIT_EXPECT_EQ(test, atomic_read(&job[i]->signalled), 1);
					st = dma_fence_get_status(&job[i]->base);
					KUNIT_EXPECT_TRUE_MSG(test, st == 1 || st == -ETIMEDOUT ||
							      st == -ECANCELED,
							      "seqno %llu status %d",
							      job[i]->base.seqno, st);
				}
				mock_job_put(job[i]);
			}
			/* Reopening an open ring does nothing. */
			if (hang >= 0 || stalled)
				KUNIT_EXPECT_EQ(test, dma_fence_token_ring_reopen(&mr[r].ring), 0);
			done += RING_STRESS_BATCH;
		}
		cond_resched();
	}
	KUNIT_EXPECT_GE(test, done, RING_STRESS_FENCES);
	KUNIT_EXPECT_LE(test, loose * 4, batches);
	kunit_info(test, "%u fences, %u hangs, %u of %u batches stalled past half the timeout\n",
		   done, hangs, loose, batches);
	for (r = 0; r < RING_STRESS_RINGS; r++)
		mock_ring_fini(&mr[r]);
	kfree(mr);
	ring_expect_clean(test);
}

#define RING_TEARDOWN_JOBS 32

/*
 * Scenario: the ring is torn down while interrupts for 28 of its 32 jobs
 * fire on the other CPU (the last 4 hang).  Completed fences succeed, the
 * rest are cancelled, each exactly once; interrupts after the teardown do
 * nothing.
 */
static void ring_teardown_race(struct kunit *test)
{
	struct ring_test *t = test->priv;
	struct mock_job *job[RING_TEARDOWN_JOBS];
	unsigned int i, ok = 0, cancelled = 0;

	KUNIT_ASSERT_EQ(test, mock_ring_init(&t->mr, "teardown", RING_TEARDOWN_JOBS,
					     10 * HZ), 0);
	/* The last four hang: they are pending whatever the timing. */
	for (i = 0; i < RING_TEARDOWN_JOBS; i++)
		job[i] = ring_submit(test, &t->mr, i < RING_TEARDOWN_JOBS - 4 ?
				     MOCK_OK : MOCK_HANG);
	for (i = 0; i < RING_TEARDOWN_JOBS; i++)
		mock_job_irq(job[i], (u64)i * 100 * NSEC_PER_USEC);
	/* Some interrupts fire before the teardown, some during, some after. */
	usleep_range(1000, 1100);
	dma_fence_token_ring_fini(&t->mr.ring);

	for (i = 0; i < RING_TEARDOWN_JOBS; i++) {
		int status;

		hrtimer_cancel(&job[i]->irq);
		status = dma_fence_get_status(&job[i]->base);
		KUNIT_EXPECT_EQ(test, atomic_read(&job[i]->signalled), 1);
		KUNIT_EXPECT_TRUE(test, status == 1 || status == -ECANCELED);
		if (status == 1)
			ok++;
		else
			cancelled++;
	}
	KUNIT_EXPECT_GE(test, cancelled, 4);
	kunit_info(test, "teardown: %u completed, %u cancelled\n", ok, cancelled);
	/* Interrupts after the teardown are harmless. */
	KUNIT_EXPECT_EQ(test, dma_fence_token_ring_complete(&t->mr.ring, U64_MAX, 0), 0);
	for (i = 0; i < RING_TEARDOWN_JOBS; i++)
		mock_job_put(job[i]);
	mock_ring_fini(&t->mr);
	ring_expect_clean(test);
}

/*
 * Scenario: the driver finds a fault itself and closes the ring: the oldest
 * fence gets the driver's error, the others -ECANCELED, new transfers are
 * refused with their fence cancelled; after a reset the ring reopens.
 */
static void ring_close_reopen(struct kunit *test)
{
	struct ring_test *t = test->priv;
	struct mock_job *job[3], *refused, *after;
	int ret;

	KUNIT_ASSERT_EQ(test, mock_ring_init(&t->mr, "close", 8, 10 * HZ), 0);
	job[0] = ring_submit(test, &t->mr, MOCK_OK);
	job[1] = ring_submit(test, &t->mr, MOCK_OK);
	job[2] = ring_submit(test, &t->mr, MOCK_OK);
	KUNIT_EXPECT_EQ(test, dma_fence_token_ring_close(&t->mr.ring, -EIO), 3);
	ring_expect(test, job[0], -EIO);
	ring_expect(test, job[1], -ECANCELED);
	ring_expect(test, job[2], -ECANCELED);

	refused = mock_job_submit(&t->mr, MOCK_OK, &ret);
	KUNIT_ASSERT_FALSE(test, IS_ERR(refused));
	KUNIT_EXPECT_EQ(test, ret, -ESHUTDOWN);

	KUNIT_EXPECT_EQ(test, dma_fence_token_ring_reopen(&t->mr.ring), 0);
	after = ring_submit(test, &t->mr, MOCK_OK);
	KUNIT_EXPECT_EQ(test, dma_fence_token_ring_complete(&t->mr.ring, after->base.seqno, 0), 1);
	ring_expect(test, after, 1);

	mock_ring_fini(&t->mr);
	mock_job_put(job[0]);
	mock_job_put(job[1]);
	mock_job_put(job[2]);
	mock_job_put(refused);
	mock_job_put(after);
	ring_expect_clean(test);
}

/*
 * Scenario: capacity is reserved before publishing: a full ring refuses
 * the reservation (not the transfer), and an unused reservation is given
 * back.
 */
static void ring_reserve(struct kunit *test)
{
	struct ring_test *t = test->priv;

	KUNIT_ASSERT_EQ(test, mock_ring_init(&t->mr, "reserve", 4, 10 * HZ), 0);
	KUNIT_EXPECT_EQ(test, dma_fence_token_ring_reserve(&t->mr.ring, 4), 0);
	KUNIT_EXPECT_EQ(test, dma_fence_token_ring_reserve(&t->mr.ring, 1), -ENOSPC);
	dma_fence_token_ring_unreserve(&t->mr.ring, 4);
	KUNIT_EXPECT_EQ(test, dma_fence_token_ring_reserve(&t->mr.ring, 1), 0);
	dma_fence_token_ring_unreserve(&t->mr.ring, 1);
	mock_ring_fini(&t->mr);
	KUNIT_EXPECT_EQ(test, dma_fence_token_ring_reserve(&t->mr.ring, 1), -ESHUTDOWN);
	ring_expect_clean(test);
}

/* Taken in the interrupt hook and around a submit: an irq-safe lock. */
static DEFINE_SPINLOCK(ring_irqsafe_lock);

/* Interrupt hook: the lock is taken in hard irq context, lockdep learns. */
static void ring_irqsafe_hook(struct mock_job *job)
{
	spin_lock(&ring_irqsafe_lock);
	spin_unlock(&ring_irqsafe_lock);
}

/*
 * Scenario (audit 12): a driver submits, completes and closes under a lock
 * that its interrupt handler takes too (irq-safe), then tears the ring and
 * its queue down.  The transfer
 * runs with interrupts off, which must not make lockdep see the queue as
 * irq-unsafe against teardown: nothing may be reported.
 */
static void ring_submit_irqs_off(struct kunit *test)
{
	struct ring_test *t = test->priv;
	unsigned int done, closed;
	struct mock_job *job[2];
	unsigned long flags;
	int ret;

	KUNIT_ASSERT_EQ(test, mock_ring_init(&t->mr, "irqsafe", 8, 10 * HZ), 0);
	t->mr.irq_hook = ring_irqsafe_hook;
	job[0] = ring_submit(test, &t->mr, MOCK_OK);
	mock_job_irq(job[0], 1000);
	ring_expect(test, job[0], 1);

	job[1] = mock_job_prepare(&t->mr, MOCK_OK, &ret);
	KUNIT_ASSERT_FALSE(test, IS_ERR(job[1]));
	KUNIT_ASSERT_EQ(test, ret, 0);
	/* A polling driver completes and closes under that lock too. */
	spin_lock_irqsave(&ring_irqsafe_lock, flags);
	ret = mock_job_publish(job[1]);
	done = dma_fence_token_ring_complete(&t->mr.ring, job[1]->base.seqno, 0);
	closed = dma_fence_token_ring_close(&t->mr.ring, -EIO);
	spin_unlock_irqrestore(&ring_irqsafe_lock, flags);
	KUNIT_EXPECT_EQ(test, ret, 0);
	KUNIT_EXPECT_EQ(test, done, 1);
	KUNIT_EXPECT_EQ(test, closed, 0);
	ring_expect(test, job[1], 1);

	mock_ring_fini(&t->mr);
	mock_job_put(job[0]);
	mock_job_put(job[1]);
	ring_expect_clean(test);
}

static void ring_dump_hook(struct mock_ring *mr, struct dma_fence *hung)
{
	void *small = dma_fence_token_ring_dump_alloc(&mr->ring, 4096);
	/* Too big to ever succeed without reclaim: the failure path. */
	void *huge = dma_fence_token_ring_dump_alloc(&mr->ring, SZ_1G);

	kfree(small);
	kfree(huge);
}

/*
 * Scenario: the timeout handler takes a device core dump with GFP_NOWAIT
 * allocations; one fails.  The failure is counted, the ring still closes
 * with the right errors, and nothing is reported.
 */
static void ring_coredump(struct kunit *test)
{
	struct ring_test *t = test->priv;
	struct mock_job *job[2];

	KUNIT_ASSERT_EQ(test, mock_ring_init(&t->mr, "coredump", 4,
					     msecs_to_jiffies(20)), 0);
	t->mr.timedout_hook = ring_dump_hook;
	job[0] = ring_submit(test, &t->mr, MOCK_HANG);
	job[1] = ring_submit(test, &t->mr, MOCK_OK);
	ring_expect(test, job[0], -ETIMEDOUT);
	ring_expect(test, job[1], -ECANCELED);
	KUNIT_EXPECT_EQ(test, atomic_read(&t->mr.ring.dump_failures), 1);
	KUNIT_EXPECT_EQ(test, atomic_read(&t->mr.timedout), 1);
	mock_ring_fini(&t->mr);
	mock_job_put(job[0]);
	mock_job_put(job[1]);
	ring_expect_clean(test);
}

/* State of the release hook of ring_reopen_mid_close. */
static struct {
	struct mock_job *late;	/* prepared and reserved before the close */
	int reopen;		/* what a reopen during the close returned */
	int publish;		/* what the late job's transfer returned */
	bool ran;
} ring_mid_close;

/* Runs where the close drops the ring's lock between batches. */
static void ring_reopen_hook(struct mock_job *job)
{
	if (ring_mid_close.ran || !ring_mid_close.late)
		return;
	ring_mid_close.ran = true;
	ring_mid_close.reopen = dma_fence_token_ring_reopen(&job->mr->ring);
	ring_mid_close.publish = mock_job_publish(ring_mid_close.late);
}

/*
 * After a close of @n jobs, the first hung (@job entries may be NULL):
 * the hook ran in it, the late job's transfer was refused and its fence
 * cancelled, the hung job has -EIO and every other one -ECANCELED.
 */
static void ring_mid_close_expect(struct kunit *test, struct mock_job **job,
				  unsigned int n)
{
	unsigned int i;

	KUNIT_EXPECT_TRUE(test, ring_mid_close.ran);
	KUNIT_EXPECT_EQ(test, ring_mid_close.publish, -ESHUTDOWN);
	ring_expect(test, ring_mid_close.late, -ECANCELED);
	ring_expect(test, job[0], -EIO);
	for (i = 1; i < n; i++)
		if (job[i])
			ring_expect(test, job[i], -ECANCELED);
}

/* Tear the ring down and drop the jobs of a mid-close case. */
static void ring_mid_close_end(struct mock_ring *mr, struct mock_job **job,
			       unsigned int n)
{
	unsigned int i;

	mock_ring_fini(mr);
	for (i = 0; i < n; i++)
		if (job[i])
			mock_job_put(job[i]);
	mock_job_put(ring_mid_close.late);
}

/*
 * Scenario (audit 3): a close signals 40 fences in batches of 32 and drops
 * the ring's lock in between; there the last reference of a fence goes
 * and its release, like a driver resetting on the next submission, tries
 * to reopen the ring and transfer a new job.  The reopen is refused while
 * the close runs (-EBUSY), the transfer is refused too (-ESHUTDOWN) and
 * its fence is cancelled after the 40, in seqno order: the close still
 * under way pops it as a 41st fence, which never went to the hardware.
 * Once the close returned the ring reopens and runs the next job.
 */
static void ring_reopen_mid_close(struct kunit *test)
{
	struct ring_test *t = test->priv;
	struct mock_job *job[40], *next;
	unsigned int i;
	int ret;

	KUNIT_ASSERT_EQ(test, mock_ring_init(&t->mr, "midclose", 64, 10 * HZ), 0);
	for (i = 0; i < ARRAY_SIZE(job); i++)
		job[i] = ring_submit(test, &t->mr, i ? MOCK_OK : MOCK_HANG);
	memset(&ring_mid_close, 0, sizeof(ring_mid_close));
	ring_mid_close.late = mock_job_prepare(&t->mr, MOCK_OK, &ret);
	KUNIT_ASSERT_FALSE(test, IS_ERR(ring_mid_close.late));
	KUNIT_ASSERT_EQ(test, ret, 0);
	t->mr.release_hook = ring_reopen_hook;
	/* The ring's reference to job 5 is its last one now. */
	mock_job_put(job[5]);
	job[5] = NULL;

	KUNIT_EXPECT_EQ(test, dma_fence_token_ring_close(&t->mr.ring, -EIO), 41);
	t->mr.release_hook = NULL;
	KUNIT_EXPECT_EQ(test, ring_mid_close.reopen, -EBUSY);
	ring_mid_close_expect(test, job, ARRAY_SIZE(job));

	KUNIT_EXPECT_EQ(test, dma_fence_token_ring_reopen(&t->mr.ring), 0);
	next = ring_submit(test, &t->mr, MOCK_OK);
	KUNIT_EXPECT_EQ(test, dma_fence_token_ring_complete(&t->mr.ring,
							    next->base.seqno, 0), 1);
	ring_expect(test, next, 1);

	ring_mid_close_end(&t->mr, job, ARRAY_SIZE(job));
	mock_job_put(next);
	ring_expect_clean(test);
}

/*
 * Scenario (audit 4): the head fence is signalled past the ring
 * (dma_fence_token_signal_opportunistic(), a polling wait ioctl) and the
 * next job runs fine.  The timeout takes the signalled fence as progress,
 * not as a hang: no timeout, no close, the next job completes normally.
 * A completion also takes signalled fences right after its seqno.
 */
static void ring_opportunistic_head(struct kunit *test)
{
	struct ring_test *t = test->priv;
	unsigned long timeout = msecs_to_jiffies(200);
	struct mock_job *job[5];
	unsigned int i;

	KUNIT_ASSERT_EQ(test, mock_ring_init(&t->mr, "opportunistic", 8, timeout), 0);
	for (i = 0; i < ARRAY_SIZE(job); i++)
		job[i] = ring_submit(test, &t->mr, MOCK_OK);
	KUNIT_EXPECT_TRUE(test, dma_fence_token_signal_opportunistic(&job[0]->base, 0));
	/* Past the timeout of job 0, before twice that. */
	msleep(jiffies_to_msecs(timeout) * 3 / 2);
	KUNIT_EXPECT_EQ(test, atomic_read(&t->mr.timedout), 0);
	KUNIT_EXPECT_FALSE(test, dma_fence_token_ring_closed(&t->mr.ring));
	/* 1 if the timeout handler took job 0 off already, else 2. */
	KUNIT_EXPECT_GE(test, dma_fence_token_ring_complete(&t->mr.ring,
							    job[1]->base.seqno, 0), 1);
	ring_expect(test, job[1], 1);

	/* Job 3 signalled past the ring: completing job 2 takes it too. */
	KUNIT_EXPECT_TRUE(test, dma_fence_token_signal_opportunistic(&job[3]->base, 0));
	KUNIT_EXPECT_EQ(test, dma_fence_token_ring_complete(&t->mr.ring,
							    job[2]->base.seqno, 0), 2);
	KUNIT_EXPECT_EQ(test, dma_fence_token_ring_pending(&t->mr.ring), 1);
	KUNIT_EXPECT_EQ(test, dma_fence_token_ring_complete(&t->mr.ring,
							    job[4]->base.seqno, 0), 1);
	for (i = 0; i < ARRAY_SIZE(job); i++)
		ring_expect(test, job[i], 1);
	KUNIT_EXPECT_EQ(test, t->mr.ring.timeouts, 0);

	mock_ring_fini(&t->mr);
	for (i = 0; i < ARRAY_SIZE(job); i++)
		mock_job_put(job[i]);
	ring_expect_clean(test);
}

/*
 * Scenario (audit 5): a driver's 32-bit seqnos wrap (its fence ops do not
 * set use_64bit_seqno, so dma_fence_is_later() wraps them).  The ring
 * accepts 0 after 0xffffffff, a completion of 0 takes both, and later
 * transfers keep being accepted.
 */
static void ring_seqno_wrap(struct kunit *test)
{
	struct ring_test *t = test->priv;
	struct mock_job *job[4];
	unsigned int i;

	KUNIT_ASSERT_EQ(test, mock_ring_init(&t->mr, "wrap", 8, 10 * HZ), 0);
	t->mr.seqno = 0xfffffffeULL;
	job[0] = ring_submit(test, &t->mr, MOCK_OK);	/* 0xffffffff */
	t->mr.seqno = U64_MAX;
	job[1] = ring_submit(test, &t->mr, MOCK_OK);	/* 0 */
	job[2] = ring_submit(test, &t->mr, MOCK_OK);	/* 1 */
	KUNIT_EXPECT_EQ(test, job[1]->base.seqno, 0);
	KUNIT_EXPECT_TRUE(test, dma_fence_is_later(&job[1]->base, &job[0]->base));
	KUNIT_EXPECT_EQ(test, dma_fence_token_ring_complete(&t->mr.ring, 0, 0), 2);
	ring_expect(test, job[0], 1);
	ring_expect(test, job[1], 1);
	KUNIT_EXPECT_FALSE(test, dma_fence_is_signaled(&job[2]->base));
	job[3] = ring_submit(test, &t->mr, MOCK_OK);	/* 2 */
	KUNIT_EXPECT_EQ(test, dma_fence_token_ring_complete(&t->mr.ring, 2, 0), 2);
	ring_expect(test, job[2], 1);
	ring_expect(test, job[3], 1);

	mock_ring_fini(&t->mr);
	for (i = 0; i < ARRAY_SIZE(job); i++)
		mock_job_put(job[i]);
	ring_expect_clean(test);
}

/* What the timeout handler of ring_timedout_resets saw. */
static struct {
	unsigned int closed;
	int reopened;
} ring_reset;

/* Timeout handler that resets the engine: closes the ring, then reopens. */
static void ring_reset_hook(struct mock_ring *mr, struct dma_fence *hung)
{
	ring_reset.closed = dma_fence_token_ring_close(&mr->ring, -ETIMEDOUT);
	ring_reset.reopened = dma_fence_token_ring_reopen(&mr->ring);
}

/*
 * Scenario (audit 13, issue: timedout): the driver's timedout callback
 * resets the engine itself, closing the ring and reopening it.  The
 * library does not close the ring again after the callback: a job
 * submitted after the reset runs normally, and the timeout is counted
 * once.  Reopening an open ring does not push its timeout back.
 */
static void ring_timedout_resets(struct kunit *test)
{
	struct ring_test *t = test->priv;
	unsigned long timeout = msecs_to_jiffies(50);
	struct mock_job *job[3];
	unsigned long deadline;
	unsigned int i;
	int ret;

	KUNIT_ASSERT_EQ(test, mock_ring_init(&t->mr, "reset", 8, timeout), 0);
	ring_reset.closed = 0;
	ring_reset.reopened = 1;
	t->mr.timedout_hook = ring_reset_hook;
	job[0] = ring_submit(test, &t->mr, MOCK_HANG);
	job[1] = ring_submit(test, &t->mr, MOCK_OK);
	/* Reopen of an open ring: the hang is still due on time. */
	deadline = jiffies + 20 * timeout;
	while (time_before(jiffies, deadline) &&
	       !dma_fence_is_signaled(&job[0]->base)) {
		ret = dma_fence_token_ring_reopen(&t->mr.ring);
		/* -EBUSY: the handler's close is signalling right now. */
		KUNIT_EXPECT_TRUE_MSG(test, !ret || ret == -EBUSY, "reopen: %d", ret);
		usleep_range(5000, 6000);
	}
	ring_expect(test, job[0], -ETIMEDOUT);
	ring_expect(test, job[1], -ECANCELED);
	KUNIT_EXPECT_EQ(test, ring_reset.closed, 2);
	KUNIT_EXPECT_EQ(test, ring_reset.reopened, 0);
	job[2] = ring_submit(test, &t->mr, MOCK_OK);
	/* Well past another timeout handler run, had one been armed. */
	msleep(jiffies_to_msecs(timeout) / 2);
	KUNIT_EXPECT_EQ(test, dma_fence_token_ring_complete(&t->mr.ring,
							    job[2]->base.seqno, 0), 1);
	ring_expect(test, job[2], 1);
	KUNIT_EXPECT_EQ(test, atomic_read(&t->mr.timedout), 1);
	KUNIT_EXPECT_EQ(test, t->mr.ring.timeouts, 1);

	mock_ring_fini(&t->mr);
	for (i = 0; i < ARRAY_SIZE(job); i++)
		mock_job_put(job[i]);
	ring_expect_clean(test);
}

/*
 * Scenario: the timeout stays armed when the ring empties (no timer add
 * and delete per job).  A job pushed on the idle ring while that timeout
 * is still armed gets its whole timeout from its own push: the handler
 * that runs early pushes itself forward, and the hang is reported once,
 * -ETIMEDOUT.  Were the early handler to time it out, that would come
 * at 0.4 of a timeout after the push; the bound is 0.7 (a loaded guest's
 * jiffies may lag its clock by a tick or more when the push is stamped).
 * A guest that slept past the armed timeout before the push did not test
 * it: that round is done again.
 */
static void ring_timeout_after_idle(struct kunit *test)
{
	struct ring_test *t = test->priv;
	unsigned long timeout = msecs_to_jiffies(100);
	struct mock_job *job[2 * 5] = {};
	unsigned int i, n = 0;
	bool armed = false;
	s64 waited_ns;
	ktime_t pushed;

	KUNIT_ASSERT_EQ(test, mock_ring_init(&t->mr, "idle", 8, timeout), 0);
	while (!armed && n < ARRAY_SIZE(job)) {
		job[n] = ring_submit(test, &t->mr, MOCK_OK);
		KUNIT_EXPECT_EQ(test, dma_fence_token_ring_complete(&t->mr.ring,
								    job[n]->base.seqno, 0), 1);
		ring_expect(test, job[n++], 1);
		/* Past half of the timeout armed by that push. */
		msleep(jiffies_to_msecs(timeout) * 3 / 5);
		armed = delayed_work_pending(&t->mr.ring.timeout_work);
		pushed = ktime_get();
		job[n++] = ring_submit(test, &t->mr, armed ? MOCK_HANG : MOCK_OK);
		if (armed)
			break;
		KUNIT_EXPECT_EQ(test, dma_fence_token_ring_complete(&t->mr.ring,
								    job[n - 1]->base.seqno, 0), 1);
		ring_expect(test, job[n - 1], 1);
		/* Let the timeout that push armed run on the idle ring. */
		msleep(jiffies_to_msecs(2 * timeout));
	}
	KUNIT_ASSERT_TRUE_MSG(test, armed, "the timeout was never still armed after %u rounds",
			      n / 2);
	ring_expect(test, job[n - 1], -ETIMEDOUT);
	waited_ns = ktime_to_ns(ktime_sub(job[n - 1]->base.timestamp, pushed));
	KUNIT_EXPECT_GE_MSG(test, waited_ns, (s64)jiffies_to_nsecs(timeout) * 7 / 10,
			    "the hang was reported %lld ns after its push", waited_ns);
	KUNIT_EXPECT_EQ(test, atomic_read(&t->mr.timedout), 1);
	KUNIT_EXPECT_EQ(test, t->mr.ring.timeouts, 1);

	mock_ring_fini(&t->mr);
	for (i = 0; i < n; i++)
		mock_job_put(job[i]);
	ring_expect_clean(test);
}

/* Release hook of ring_fini_reopen: a reopen during fini's close. */
static int ring_fini_reopened = 1;

static void ring_fini_reopen_hook(struct mock_job *job)
{
	ring_fini_reopened = dma_fence_token_ring_reopen(&job->mr->ring);
}

/*
 * Scenario (audit 13, 14): a reopen while fini closes the ring is refused
 * (-ESHUTDOWN), so nothing can arm the timeout of a ring being freed; a
 * refused transfer uses its reservation; giving back a reservation after
 * fini is a no-op, not a warning.
 */
static void ring_teardown_edges(struct kunit *test)
{
	struct ring_test *t = test->priv;
	struct mock_job *job, *refused;
	int ret;

	KUNIT_ASSERT_EQ(test, mock_ring_init(&t->mr, "edges", 4, 10 * HZ), 0);
	refused = mock_job_prepare(&t->mr, MOCK_OK, &ret);
	KUNIT_ASSERT_FALSE(test, IS_ERR(refused));
	KUNIT_ASSERT_EQ(test, ret, 0);
	KUNIT_EXPECT_EQ(test, t->mr.ring.reserved, 1);
	dma_fence_token_ring_close(&t->mr.ring, -EIO);
	KUNIT_EXPECT_TRUE(test, dma_fence_token_ring_closed(&t->mr.ring));
	KUNIT_EXPECT_EQ(test, mock_job_publish(refused), -ESHUTDOWN);
	KUNIT_EXPECT_EQ(test, t->mr.ring.reserved, 0);
	ring_expect(test, refused, -ECANCELED);
	KUNIT_EXPECT_EQ(test, dma_fence_token_ring_reopen(&t->mr.ring), 0);
	KUNIT_EXPECT_EQ(test, dma_fence_token_ring_reserve(&t->mr.ring, 4), 0);
	dma_fence_token_ring_unreserve(&t->mr.ring, 3);

	job = mock_job_prepare(&t->mr, MOCK_OK, &ret);
	KUNIT_ASSERT_FALSE(test, IS_ERR(job));
	KUNIT_ASSERT_EQ(test, ret, 0);
	KUNIT_EXPECT_EQ(test, mock_job_publish(job), 0);
	/* Fini's close drops the ring's last reference to the job. */
	ring_fini_reopened = 1;
	t->mr.release_hook = ring_fini_reopen_hook;
	mock_job_put(job);
	dma_fence_token_ring_fini(&t->mr.ring);
	KUNIT_EXPECT_EQ(test, ring_fini_reopened, -ESHUTDOWN);
	/* The reservation left from above: given back after fini. */
	dma_fence_token_ring_unreserve(&t->mr.ring, 1);
	dma_fence_token_wq_fini(&t->mr.wq);
	mock_job_put(refused);
	ring_expect_clean(test);
}

/*
 * Scenario (review): a close of a full ring drops its lock between
 * batches, and there a transfer that reserved no slot arrives (a driver
 * bug).  It has no room on the ring: it is refused at once, its fence
 * cancelled, and the close signals exactly the fences it took.  (Queued
 * behind them, it would overwrite the oldest slot of the full ring.)
 */
static void ring_unreserved_mid_close(struct kunit *test)
{
	struct ring_test *t = test->priv;
	struct mock_job *job[40];
	unsigned int i;
	int ret;

	KUNIT_ASSERT_EQ(test, mock_ring_init(&t->mr, "midclose-noslot", 40, 10 * HZ), 0);
	memset(&ring_mid_close, 0, sizeof(ring_mid_close));
	ring_mid_close.late = mock_job_prepare(&t->mr, MOCK_OK, &ret);
	KUNIT_ASSERT_FALSE(test, IS_ERR(ring_mid_close.late));
	KUNIT_ASSERT_EQ(test, ret, 0);
	/* The late job gives its slot back: the 40 jobs fill the ring. */
	dma_fence_token_ring_unreserve(&t->mr.ring, 1);
	for (i = 0; i < ARRAY_SIZE(job); i++)
		job[i] = ring_submit(test, &t->mr, i ? MOCK_OK : MOCK_HANG);
	t->mr.release_hook = ring_reopen_hook;
	mock_job_put(job[5]);
	job[5] = NULL;

	KUNIT_EXPECT_EQ(test, dma_fence_token_ring_close(&t->mr.ring, -EIO), 40);
	t->mr.release_hook = NULL;
	ring_mid_close_expect(test, job, ARRAY_SIZE(job));
	KUNIT_EXPECT_EQ(test, dma_fence_token_ring_pending(&t->mr.ring), 0);

	ring_mid_close_end(&t->mr, job, ARRAY_SIZE(job));
	ring_expect_clean(test);
}

/* Fail @job's fence in the ring's order; returns the transfer's result. */
static int ring_push_error(struct mock_job *job, int error)
{
	DMA_FENCE_TOKEN(tok);
	struct dma_fence_token_proof proof;
	int ret;

	dma_fence_token_begin(&tok, &job->base);
	ret = dma_fence_token_ring_push_error(&tok, &job->mr->ring, error, &proof);
	dma_fence_token_proof_end(proof, &job->base);
	return ret;
}

/*
 * Scenario: jobs of one timeline that never reach the hardware (a failed
 * in-fence, a refusal) must not signal before the jobs ahead of them on
 * the ring.  A failed fence on an empty ring signals at once; behind a
 * running job it waits for that job's completion, then signals with its
 * own error in the same batch; a hardware job behind it is not
 * completed by that batch; behind a hung job it waits for the timeout's
 * close and keeps its own error, and the hung job alone is -ETIMEDOUT.
 */
static void ring_push_error_order(struct kunit *test)
{
	struct ring_test *t = test->priv;
	struct mock_job *job[6];
	unsigned int i;
	int ret;

	KUNIT_ASSERT_EQ(test, mock_ring_init(&t->mr, "pusherr", 8, HZ / 5), 0);
	/* Empty ring: signalled at once. */
	job[0] = mock_job_prepare(&t->mr, MOCK_OK, &ret);
	KUNIT_ASSERT_FALSE(test, IS_ERR(job[0]));
	KUNIT_ASSERT_EQ(test, ret, 0);
	KUNIT_EXPECT_EQ(test, ring_push_error(job[0], -ENOLINK), 0);
	ring_expect(test, job[0], -ENOLINK);

	/* Behind a job on the hardware: after it, in its completion batch. */
	job[1] = ring_submit(test, &t->mr, MOCK_OK);
	job[2] = mock_job_prepare(&t->mr, MOCK_OK, &ret);
	KUNIT_ASSERT_FALSE(test, IS_ERR(job[2]));
	KUNIT_ASSERT_EQ(test, ret, 0);
	KUNIT_EXPECT_EQ(test, ring_push_error(job[2], -ENOLINK), 0);
	job[3] = ring_submit(test, &t->mr, MOCK_OK);
	KUNIT_EXPECT_FALSE(test, dma_fence_is_signaled(&job[2]->base));
	KUNIT_EXPECT_EQ(test, dma_fence_token_ring_complete(&t->mr.ring,
							    job[1]->base.seqno, 0), 2);
	ring_expect(test, job[1], 1);
	ring_expect(test, job[2], -ENOLINK);
	KUNIT_EXPECT_FALSE(test, dma_fence_is_signaled(&job[3]->base));
	KUNIT_EXPECT_EQ(test, dma_fence_token_ring_complete(&t->mr.ring,
							    job[3]->base.seqno, 0), 1);
	ring_expect(test, job[3], 1);

	/* Behind a hung job: popped by the timeout's close, own error kept. */
	job[4] = ring_submit(test, &t->mr, MOCK_HANG);
	job[5] = mock_job_prepare(&t->mr, MOCK_OK, &ret);
	KUNIT_ASSERT_FALSE(test, IS_ERR(job[5]));
	KUNIT_ASSERT_EQ(test, ret, 0);
	KUNIT_EXPECT_EQ(test, ring_push_error(job[5], -ENOLINK), 0);
	ring_expect(test, job[4], -ETIMEDOUT);
	ring_expect(test, job[5], -ENOLINK);
	KUNIT_EXPECT_GE(test, job[5]->base.timestamp, job[4]->base.timestamp);
	KUNIT_EXPECT_EQ(test, dma_fence_token_ring_pending(&t->mr.ring), 0);

	mock_ring_fini(&t->mr);
	for (i = 0; i < ARRAY_SIZE(job); i++)
		mock_job_put(job[i]);
	ring_expect_clean(test);
}

static struct kunit_case ring_cases[] = {
	KUNIT_CASE(ring_advance),
	KUNIT_CASE_PARAM(ring_faults, ring_fault_gen_params),
	KUNIT_CASE(ring_close_reopen),
	KUNIT_CASE(ring_reserve),
	KUNIT_CASE(ring_coredump),
	KUNIT_CASE(ring_submit_irqs_off),
	KUNIT_CASE(ring_teardown_race),
	DFT_KUNIT_CASE_SLOW(ring_irq_timeout_race),
	DFT_KUNIT_CASE_SLOW(ring_stress_hangs),
	KUNIT_CASE(ring_reopen_mid_close),
	KUNIT_CASE(ring_push_error_order),
	KUNIT_CASE(ring_unreserved_mid_close),
	KUNIT_CASE(ring_opportunistic_head),
	KUNIT_CASE(ring_seqno_wrap),
	KUNIT_CASE(ring_timedout_resets),
	KUNIT_CASE(ring_timeout_after_idle),
	KUNIT_CASE(ring_teardown_edges),
	{}
};

static struct kunit_suite ring_suite = {
	.name = "dma_fence_token_ring",
	.init = ring_test_init,
	.test_cases = ring_cases,
};

kunit_test_suite(ring_suite);

MODULE_DESCRIPTION("KUnit tests for DMA fence hardware rings");
MODULE_LICENSE("GPL");
