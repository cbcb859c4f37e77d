// SPDX-License-Identifier: GPL-2.0
/*
 * Torture test of hardware rings, signalling queues and job queues, in the
 * spirit of rcutorture and locktorture: threads on every CPU run random
 * sequences of operations on shared rings and queues while hrtimer
 * "interrupts" complete the rings' fences in order, in batches, twice,
 * late, never, or with errors.  Job queue jobs wait for random in-fences
 * on the other job queues, take random credits, hang and time out, and
 * their queues are torn down while busy.  Afterwards it checks the
 * invariants: every fence signalled exactly once with a status the rules
 * allow, every fence released, every ring reservation given back, every
 * job run at most once, in order, after its in-fences and within its
 * queue's credits, no lockdep or tracker report.
 *
 * Parameters (dma_fence_token_torture.<name>=, on the kernel command line
 * for a built-in test):
 *
 *   duration_s   how long the threads run (default 8)
 *   seed         seed of the threads' generators, 0 for a random one; the
 *                seed is printed, and a seed replays each thread's choice
 *                of operations (not the interleaving)
 *   threads      threads per CPU (default 2)
 */

#include <kunit/test.h>
#include <linux/delay.h>
#include <linux/dma-fence-token-jobq.h>
#include <linux/dma-fence-token-ring.h>
#include <linux/hrtimer.h>
#include <linux/kthread.h>
#include <linux/list.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/prandom.h>
#include <linux/random.h>
#include <linux/rwsem.h>
#include <linux/seq_file.h>
#include <linux/sched/task.h>
#include <linux/slab.h>

#include "dma-fence-token-compat.h"
#include "dma-fence-token-mock.h"
#include "../dma-fence-token-internal.h"

MODULE_IMPORT_NS(EXPORTED_FOR_KUNIT_TESTING);

static unsigned int duration_s = 8;
module_param(duration_s, uint, 0444);
MODULE_PARM_DESC(duration_s, "Seconds the torture threads run (default 8)");

static unsigned long seed;
module_param(seed, ulong, 0444);
MODULE_PARM_DESC(seed, "Seed of the operation generators, 0 for a random one");

static unsigned int threads = 2;
module_param(threads, uint, 0444);
MODULE_PARM_DESC(threads, "Torture threads per CPU (default 2)");

#define TT_RINGS	2
#define TT_QUEUES	2
#define TT_RING_SLOTS	32
/* Seqnos start close to the 32-bit wrap, which every run crosses. */
#define TT_SEQNO_START	0xfffffe00ULL
#define TT_JOBQS	3
#define TT_JQ_SLOTS	16
#define TT_JQ_CREDITS	4

enum tt_op {
	TT_SUBMIT,		/* a ring job, direct or through the ring's queue */
	TT_QUEUE,		/* a queue job, plain or held */
	TT_RELEASE,		/* release a held queue job */
	TT_OPPORTUNISTIC,	/* signal the last ring job past the ring */
	TT_CLOSE,		/* a fault the driver found: close a ring */
	TT_REOPEN,
	TT_RESERVE,		/* reserve and give back */
	TT_FINI_RING,		/* fini and re-init a ring and its queue */
	TT_FINI_QUEUE,		/* fini and re-init a queue */
	TT_READ,		/* debugfs listing, counters and watchdog */
	TT_JOB,			/* a job queue job with in-fences and credits */
	TT_FINI_JOBQ,		/* tear a busy job queue down, make a new one */
	TT_NR_OPS
};

static const char *const tt_op_name[TT_NR_OPS] = {
	"submit", "queue", "release", "opportunistic", "close", "reopen",
	"reserve", "fini-ring", "fini-queue", "read", "job", "fini-jobq",
};

/*
 * Weights out of 100000: teardown is rare enough that rings run long
 * enough between two of them to hang and time out.
 */
static const unsigned int tt_op_weight[TT_NR_OPS] = {
	40000, 25000, 12000, 4000, 20, 2165, 1700, 5, 10, 100, 14998, 2,
};

struct tt_ring;
struct tt_queue;

/**
 * struct tt_job - a job of a ring or of a queue
 * @base: the fence; first, so that dma_fence_free() frees the job
 * @cb: checks the signal
 * @work: signalling work item
 * @held_link: entry in the held list of a queue job transferred held,
 *	which holds a reference to the job while it is on it
 * @lock: lock of a queue job's fence (a ring job uses the ring's)
 * @r: ring of a ring job, else NULL
 * @tq: queue a queue job was transferred to first
 * @signalled: times @cb ran
 * @hops: queue jobs: transfers to the queue again before signalling
 * @error: queue jobs: what the run callback signals with
 */
struct tt_job {
	struct dma_fence base;
	struct dma_fence_cb cb;
	struct dma_fence_token_wq_item work;
	struct list_head held_link;
	spinlock_t lock;	/* fence lock of a queue job */
	struct tt_ring *r;
	struct tt_queue *tq;
	atomic_t signalled;
	unsigned int hops;
	int error;
};

/**
 * struct tt_ring - a ring, its queue and its simulated hardware
 * @life: read-held to use the ring, write-held to tear it down and re-init
 * @submit: seqno assignment and transfer, in order; @queued
 * @q: the ring's ordered queue: its timeout, and jobs transferred through it
 * @ring: the ring
 * @seqno: last seqno handed out, 32 bits that wrap
 * @queued: jobs on @q not transferred to the ring yet; while any is,
 *	direct transfers go through @q too, which keeps the seqno order
 * @pushed: last seqno the ring accepted, for the interrupt
 * @hw: last seqno the simulated hardware completed (interrupt only)
 * @hang_until: the hardware completes nothing until then (interrupt only)
 * @rnd: the interrupt's generator
 * @irq: the completion interrupt
 * @context: fence context
 */
struct tt_ring {
	struct rw_semaphore life;
	spinlock_t submit;	/* see above */
	struct dma_fence_token_wq q;
	struct dma_fence_token_ring ring;
	u64 seqno;
	unsigned int queued;
	atomic64_t pushed;
	u32 hw;
	unsigned long hang_until;
	struct rnd_state rnd;
	struct hrtimer irq;
	u64 context;
};

/**
 * struct tt_queue - a signalling queue for queue jobs
 * @life: as &tt_ring.life
 * @q: the queue
 */
struct tt_queue {
	struct rw_semaphore life;
	struct dma_fence_token_wq q;
};

/**
 * struct tt_jq - a job queue, its signalling queue and its hardware
 * @q: the job queue
 * @wq: its signalling queue
 * @submit: arm and push, in seqno order
 * @lock: protects @running
 * @running: jobs that ran and may not be signalled yet
 * @last_run: seqno of the last job run (runs of a queue are serialised)
 * @last_signalled: seqno of the last job signalled, under the ring's lock
 *	(the lock of all the queue's fences)
 * @pushed: seqno of the last job on the ring, for the interrupt
 * @hw: last seqno the simulated hardware completed (interrupt only)
 * @hang_until: the hardware completes nothing until then (interrupt only)
 * @rnd: the interrupt's generator
 * @irq: the completion interrupt
 * @grave: entry in &tt_state.jq_grave once torn down: its fences may
 *	still be in-fences of other jobs, and point at its ring's lock
 */
struct tt_jq {
	struct dma_fence_token_jobq q;
	struct dma_fence_token_wq wq;
	struct mutex submit;	/* see above */
	spinlock_t lock;	/* see above */
	struct list_head running;
	u64 last_run;
	u64 last_signalled;
	atomic64_t pushed;
	u64 hw;
	unsigned long hang_until;
	struct rnd_state rnd;
	struct hrtimer irq;
	struct list_head grave;
};

/**
 * struct tt_jq_job - a job of a job queue
 * @base: the job; first, so that dma_fence_free() frees it
 * @cb: checks the signal
 * @jq: the queue
 * @link: entry in &tt_jq.running; protected by &tt_jq.lock
 * @signalled: times @cb ran
 * @ran: times the run callback ran
 * @credits: credits the job takes
 * @discarded: discarded after arm: never published, signalled at once
 * @deps: its in-fences, a reference each until it runs or is released
 * @nr_deps: entries of @deps
 */
struct tt_jq_job {
	struct dma_fence_token_job base;
	struct dma_fence_cb cb;
	struct tt_jq *jq;
	struct list_head link;
	atomic_t signalled;
	atomic_t ran;
	unsigned int credits;
	bool discarded;
	struct dma_fence *deps[TT_JOBQS];
	unsigned int nr_deps;
};

/**
 * struct tt_state - one torture run
 * @rings: the rings
 * @queues: the queues
 * @held_lock: protects @held
 * @held: queue jobs transferred held and not released yet
 * @context: fence context of queue jobs
 * @stop: the threads stop
 * @half: half of the run is over: the first thread makes each teardown
 *	that chance has not picked yet (see tt_forced_op())
 * @created: jobs created
 * @released: jobs whose fence was released
 * @signalled: fence callbacks run
 * @violations: invariant violations seen
 * @refused: transfers refused by a queue being torn down
 * @timeouts: ring timeouts
 * @status: fences per status: ok, -EIO, -ETIMEDOUT, -ECANCELED, -EPIPE
 * @ops: operations per kind
 * @jqs: the job queues; read-hold @jq_life[i] to use the i-th
 * @jq_life: write-held to tear a job queue down and replace it
 * @jq_grave: job queues torn down, freed at the end of the run
 * @jq_last_lock: protects @jq_last
 * @jq_last: each job queue's last pushed fence (a reference), the
 *	in-fences of the next jobs
 * @jq_status: job queue fences per status: ok, -EIO, -ETIMEDOUT, -ECANCELED
 * @jq_stats: job queue counters: direct, deferred, dep_failed, cancelled,
 *	ring timeouts, run in an interrupt; added up when a queue is torn
 *	down
 */
struct tt_state {
	struct tt_ring rings[TT_RINGS];
	struct tt_queue queues[TT_QUEUES];
	spinlock_t held_lock;	/* see above */
	struct list_head held;
	u64 context;
	bool stop;
	bool half;
	atomic64_t created;
	atomic64_t released;
	atomic64_t signalled;
	atomic64_t violations;
	atomic64_t refused;
	atomic64_t timeouts;
	atomic64_t status[5];
	atomic64_t ops[TT_NR_OPS];
	struct tt_jq *jqs[TT_JOBQS];
	struct rw_semaphore jq_life[TT_JOBQS];
	struct list_head jq_grave;
	spinlock_t jq_last_lock;	/* see above */
	struct dma_fence *jq_last[TT_JOBQS];
	atomic64_t jq_status[4];
	atomic64_t jq_stats[6];
};

static struct tt_state *tt;

static void tt_violation(const char *what, struct dma_fence *f)
{
	if (atomic64_inc_return(&tt->violations) <= 5)
		pr_err("dma_fence_token_torture: %s: fence %llu:%llu status %d\n",
		       what, f->context, f->seqno, dma_fence_get_status_locked(f));
}

static const char *tt_driver_name(struct dma_fence *f)
{
	return "dft-torture";
}

static const char *tt_timeline_name(struct dma_fence *f)
{
	return "dft-torture";
}

static void tt_release(struct dma_fence *f)
{
	struct tt_job *job = container_of(f, struct tt_job, base);

	if (atomic_read(&job->signalled) != 1)
		tt_violation("released without exactly one signal", f);
	atomic64_inc(&tt->released);
	dma_fence_free(f);
}

/* 32-bit seqnos that wrap: dma_fence_is_later() compares them that way. */
static const struct dma_fence_ops tt_fence_ops = {
	.get_driver_name = tt_driver_name,
	.get_timeline_name = tt_timeline_name,
	.release = tt_release,
};

/* Under the fence's lock: count the signal and check its status. */
static void tt_signalled(struct dma_fence *f, struct dma_fence_cb *cb)
{
	struct tt_job *job = container_of(cb, struct tt_job, cb);
	int status = f->error;

	atomic64_inc(&tt->signalled);
	if (atomic_inc_return(&job->signalled) != 1)
		tt_violation("signalled twice", f);
	switch (status) {
	case 0:
		atomic64_inc(&tt->status[0]);
		break;
	case -EIO:
		if (!job->r)
			tt_violation("queue job with a ring job's error", f);
		atomic64_inc(&tt->status[1]);
		break;
	case -ETIMEDOUT:
		if (!job->r)
			tt_violation("queue job timed out", f);
		atomic64_inc(&tt->status[2]);
		break;
	case -ECANCELED:
		atomic64_inc(&tt->status[3]);
		break;
	case -EPIPE:
		if (job->r)
			tt_violation("ring job with a queue job's error", f);
		atomic64_inc(&tt->status[4]);
		break;
	default:
		tt_violation("status the rules do not allow", f);
	}
}

static struct tt_job *tt_job_alloc(struct tt_ring *r)
{
	struct tt_job *job = kzalloc(sizeof(*job), GFP_KERNEL);

	if (!job)
		return NULL;
	job->r = r;
	spin_lock_init(&job->lock);
	INIT_LIST_HEAD(&job->held_link);
	atomic64_inc(&tt->created);
	return job;
}

/* Initialise the job's fence and watch it; before its token begins. */
static void tt_job_fence(struct tt_job *job, spinlock_t *lock, u64 context,
			 u64 seqno)
{
	dma_fence_init(&job->base, &tt_fence_ops, lock, context, seqno);
	if (dma_fence_add_callback(&job->base, &job->cb, tt_signalled))
		tt_signalled(&job->base, &job->cb);
}

/* ---- rings ------------------------------------------------------------ */

static enum hrtimer_restart tt_irq(struct hrtimer *t)
{
	struct tt_ring *r = container_of(t, struct tt_ring, irq);
	u32 x = prandom_u32_state(&r->rnd);
	u32 pushed = atomic64_read(&r->pushed);
	u32 behind = pushed - r->hw;

	if (time_before(jiffies, r->hang_until))
		goto again;
	/* The ring was reset past the hardware: catch up. */
	if (behind > TT_RING_SLOTS * 4)
		r->hw = pushed - TT_RING_SLOTS;
	switch (x % 32) {
	case 0:		/* a hang: nothing completes for two timeouts */
		r->hang_until = jiffies + 2 * r->ring.timeout;
		break;
	case 1:		/* a lost interrupt */
		break;
	case 2:		/* a duplicate */
		dma_fence_token_ring_complete(&r->ring, r->hw, 0);
		break;
	case 3:		/* a late one */
		dma_fence_token_ring_complete(&r->ring, r->hw - 3, 0);
		break;
	case 4:		/* an error on the next job */
		if (behind) {
			r->hw++;
			dma_fence_token_ring_complete(&r->ring, r->hw, -EIO);
		}
		break;
	default:	/* a batch of completions */
		if (behind) {
			r->hw += 1 + (x >> 8) % behind;
			dma_fence_token_ring_complete(&r->ring, r->hw, 0);
		}
		break;
	}
again:
	hrtimer_forward_now(t, ns_to_ktime(20000 + (x >> 12) % 200000));
	return HRTIMER_RESTART;
}

/* Under @r->submit: the job joins the ring in seqno order. */
static void tt_ring_push(struct tt_ring *r, struct tt_job *job,
			 struct dma_fence_token *tok,
			 struct dma_fence_token_proof *proof)
	__releases(tok)
{
	lockdep_assert_held(&r->submit);
	if (!dma_fence_token_ring_push(tok, &r->ring, proof))
		atomic64_set(&r->pushed, job->base.seqno);
}

/* Run callback of a ring job that went through the ring's queue. */
static struct dma_fence_token_proof tt_ring_run(struct dma_fence_token_wq_item *work,
						struct dma_fence_token *tok)
	__releases(tok)
{
	struct tt_job *job = container_of(work, struct tt_job, work);
	struct tt_ring *r = job->r;
	struct dma_fence_token_proof proof;

	spin_lock(&r->submit);
	r->queued--;
	if (dma_fence_token_wq_item_cancelled(work)) {
		/* The job owns its reservation: give it back. */
		dma_fence_token_ring_unreserve(&r->ring, 1);
		proof = dma_fence_token_signal(tok, 0);
	} else {
		tt_ring_push(r, job, tok, &proof);
	}
	spin_unlock(&r->submit);
	return proof;
}

static int tt_ring_up(struct tt_ring *r, unsigned long tseed)
{
	int ret;

	ret = dma_fence_token_wq_init(&r->q, "dft-torture-ring",
				      DMA_FENCE_TOKEN_WQ_ORDERED);
	if (ret)
		return ret;
	ret = dma_fence_token_ring_init(&r->ring, "dft-torture", TT_RING_SLOTS,
					msecs_to_jiffies(20), &r->q, NULL);
	if (ret) {
		dma_fence_token_wq_fini(&r->q);
		return ret;
	}
	prandom_seed_state(&r->rnd, tseed);
	r->hang_until = jiffies;
	hrtimer_init(&r->irq, CLOCK_MONOTONIC, HRTIMER_MODE_REL);
	r->irq.function = tt_irq;
	hrtimer_start(&r->irq, ns_to_ktime(50000), HRTIMER_MODE_REL);
	return 0;
}

/* The ring goes first: the queue's teardown then cancels what is left. */
static void tt_ring_down(struct tt_ring *r)
{
	hrtimer_cancel(&r->irq);
	atomic64_add(r->ring.timeouts, &tt->timeouts);
	dma_fence_token_ring_fini(&r->ring);
	dma_fence_token_wq_fini(&r->q);
	if (r->queued) {
		pr_err("dma_fence_token_torture: %u ring jobs never reached their callback\n",
		       r->queued);
		atomic64_inc(&tt->violations);
	}
}

/* Submit a ring job: reserve, then transfer directly or through the queue. */
static void tt_submit(struct tt_ring *r, struct rnd_state *rnd,
		      struct tt_job **last)
{
	struct dma_fence_token_proof proof;
	struct dma_fence_token tok;
	struct tt_job *job;
	int ret;

	ret = dma_fence_token_ring_reserve(&r->ring, 1);
	if (ret == -ESHUTDOWN) {
		/* Closed by a timeout or a fault: reset, the next one runs. */
		dma_fence_token_ring_reopen(&r->ring);
		return;
	}
	if (ret)
		return;
	job = tt_job_alloc(r);
	if (!job) {
		dma_fence_token_ring_unreserve(&r->ring, 1);
		return;
	}
	dma_fence_token_wq_item_init(&job->work, tt_ring_run);

	spin_lock(&r->submit);
	r->seqno = lower_32_bits(r->seqno + 1);
	tt_job_fence(job, dma_fence_token_ring_lock(&r->ring), r->context, r->seqno);
	dma_fence_token_begin(&tok, &job->base);
	if (r->queued || prandom_u32_state(rnd) % 4 == 0) {
		if (!dma_fence_token_wq_queue(&tok, &r->q, &job->work, &proof))
			r->queued++;
		else
			dma_fence_token_ring_unreserve(&r->ring, 1);
	} else {
		tt_ring_push(r, job, &tok, &proof);
	}
	spin_unlock(&r->submit);
	dma_fence_token_proof_end(proof, &job->base);

	/* Keep the newest for an opportunistic signal later. */
	if (*last)
		dma_fence_put(&(*last)->base);
	*last = job;
}

/* ---- queues ----------------------------------------------------------- */

static struct dma_fence_token_proof tt_queue_run(struct dma_fence_token_wq_item *work,
						 struct dma_fence_token *tok)
	__releases(tok)
{
	struct tt_job *job = container_of(work, struct tt_job, work);
	struct dma_fence_token_proof proof;
	bool listed;

	/*
	 * Cancelled while held, or released: off the list (the item's
	 * reference keeps the job until this returns).
	 */
	spin_lock(&tt->held_lock);
	listed = !list_empty(&job->held_link);
	list_del_init(&job->held_link);
	spin_unlock(&tt->held_lock);
	if (listed)
		dma_fence_put(&job->base);
	if (dma_fence_token_wq_item_cancelled(work))
		return dma_fence_token_signal(tok, 0);
	if (job->hops) {
		/*
		 * Once more on the same queue, which a teardown cannot
		 * re-initialise under a running item: refused while it is torn
		 * down, and the fence cancelled.
		 */
		job->hops--;
		if (dma_fence_token_wq_queue(tok, &job->tq->q, work, &proof))
			atomic64_inc(&tt->refused);
		return proof;
	}
	return dma_fence_token_signal(tok, job->error);
}

static void tt_queue_job(struct tt_queue *tq, struct rnd_state *rnd)
{
	struct dma_fence_token_proof proof;
	struct tt_job *job;
	u32 x = prandom_u32_state(rnd);
	bool held = x % 3 == 0;
	/* Scoped: the tracker's records taken without its lock. */
	DMA_FENCE_TOKEN(tok);

	job = tt_job_alloc(NULL);
	if (!job)
		return;
	job->tq = tq;
	dma_fence_token_wq_item_init(&job->work, tt_queue_run);
	job->hops = (x >> 4) % 3;
	job->error = (x >> 8) % 8 ? 0 : -EPIPE;
	tt_job_fence(job, &job->lock, tt->context, 1);
	dma_fence_token_begin(&tok, &job->base);
	if (held) {
		/*
		 * Listed once transferred; the caller holds @tq->life, so no
		 * teardown can cancel the item before it is listed.
		 */
		if (dma_fence_token_wq_queue_held(&tok, &tq->q, &job->work, &proof)) {
			atomic64_inc(&tt->refused);
		} else {
			spin_lock(&tt->held_lock);
			list_add_tail(&job->held_link, &tt->held);
			dma_fence_get(&job->base);
			spin_unlock(&tt->held_lock);
		}
	} else if (dma_fence_token_wq_queue(&tok, &tq->q, &job->work, &proof)) {
		atomic64_inc(&tt->refused);
	}
	dma_fence_token_proof_end(proof, &job->base);
	dma_fence_put(&job->base);
}

/*
 * Release the oldest held job, if any.  Teardown may have cancelled it
 * meanwhile: then the release does nothing.
 */
static void tt_release_held(void)
{
	struct tt_job *job;

	spin_lock(&tt->held_lock);
	job = list_first_entry_or_null(&tt->held, struct tt_job, held_link);
	if (job)
		list_del_init(&job->held_link);
	spin_unlock(&tt->held_lock);
	if (!job)
		return;
	down_read(&job->tq->life);
	dma_fence_token_wq_item_release(&job->work);
	up_read(&job->tq->life);
	dma_fence_put(&job->base);	/* the list's reference */
}

/* ---- job queues ------------------------------------------------------- */

static struct tt_jq_job *to_tt_jq_job(struct dma_fence *f)
{
	return container_of(to_dma_fence_token_job(f), struct tt_jq_job, base);
}

static void tt_jq_put_deps(struct tt_jq_job *job)
{
	while (job->nr_deps)
		dma_fence_put(job->deps[--job->nr_deps]);
}

static void tt_jq_release(struct dma_fence *f)
{
	struct tt_jq_job *job = to_tt_jq_job(f);
	unsigned long flags;

	if (atomic_read(&job->signalled) != 1)
		tt_violation("job released without exactly one signal", f);
	spin_lock_irqsave(&job->jq->lock, flags);
	list_del(&job->link);
	spin_unlock_irqrestore(&job->jq->lock, flags);
	tt_jq_put_deps(job);
	atomic64_inc(&tt->released);
	dma_fence_free(f);
}

static const struct dma_fence_ops tt_jq_fence_ops = {
	.get_driver_name = tt_driver_name,
	.get_timeline_name = tt_timeline_name,
	.release = tt_jq_release,
};

/*
 * Under the fence's lock (the ring's): count the signal, check its status
 * and that the queue's published fences signal in seqno order.
 */
static void tt_jq_signalled(struct dma_fence *f, struct dma_fence_cb *cb)
{
	struct tt_jq_job *job = container_of(cb, struct tt_jq_job, cb);
	struct tt_jq *jq = job->jq;

	atomic64_inc(&tt->signalled);
	if (atomic_inc_return(&job->signalled) != 1)
		tt_violation("job signalled twice", f);
	if (!job->discarded) {
		if (f->seqno < jq->last_signalled)
			tt_violation("job signalled before an earlier one", f);
		jq->last_signalled = f->seqno;
	}
	switch (f->error) {
	case 0:
		atomic64_inc(&tt->jq_status[0]);
		break;
	case -EIO:
		atomic64_inc(&tt->jq_status[1]);
		break;
	case -ETIMEDOUT:
		atomic64_inc(&tt->jq_status[2]);
		break;
	case -ECANCELED:
		atomic64_inc(&tt->jq_status[3]);
		break;
	default:
		tt_violation("job status the rules do not allow", f);
	}
}

/*
 * Credits of the jobs that ran and whose fence is not signalled yet, this
 * one included: the queue returns credits only after a fence signalled, so
 * above the limit is a bug.
 */
static void tt_jq_account(struct tt_jq *jq, struct tt_jq_job *job)
{
	struct tt_jq_job *j, *tmp;
	unsigned int sum = job->credits;
	unsigned long flags;

	spin_lock_irqsave(&jq->lock, flags);
	list_for_each_entry_safe(j, tmp, &jq->running, link) {
		if (test_bit(DMA_FENCE_FLAG_SIGNALED_BIT, &j->base.fence.flags))
			list_del_init(&j->link);
		else
			sum += j->credits;
	}
	list_add_tail(&job->link, &jq->running);
	spin_unlock_irqrestore(&jq->lock, flags);
	if (sum > TT_JQ_CREDITS)
		tt_violation("job run beyond the credit limit", &job->base.fence);
}

static struct dma_fence_token_proof tt_jq_run(struct dma_fence_token_job *base,
					      struct dma_fence_token *tok)
	__releases(tok)
{
	struct tt_jq_job *job = container_of(base, struct tt_jq_job, base);
	struct tt_jq *jq = job->jq;
	struct dma_fence_token_proof proof;
	u64 seqno = base->fence.seqno;
	unsigned int i;

	if (atomic_inc_return(&job->ran) != 1)
		tt_violation("job run twice", &base->fence);
	if (jq->last_run && seqno <= jq->last_run)
		tt_violation("job run out of seqno order", &base->fence);
	jq->last_run = seqno;
	for (i = 0; i < job->nr_deps; i++) {
		if (!test_bit(DMA_FENCE_FLAG_SIGNALED_BIT, &job->deps[i]->flags))
			tt_violation("job run before its in-fence", &base->fence);
		else if ((jq->q.flags & DMA_FENCE_TOKEN_JOBQ_DEP_ERRORS) &&
			 job->deps[i]->error)
			tt_violation("job run after its in-fence failed", &base->fence);
	}
	tt_jq_account(jq, job);
	if (!dma_fence_token_job_to_ring(tok, base, &proof))
		atomic64_set(&jq->pushed, seqno);
	/* The in-fences may go now; a release here frees a job, nothing more. */
	tt_jq_put_deps(job);
	return proof;
}

static const struct dma_fence_token_jobq_ops tt_jq_ops = {
	.run = tt_jq_run,
};

/* The hardware of a job queue's ring: completes in order, hangs, fails. */
static enum hrtimer_restart tt_jq_irq(struct hrtimer *t)
{
	struct tt_jq *jq = container_of(t, struct tt_jq, irq);
	struct dma_fence_token_ring *ring = dma_fence_token_jobq_ring(&jq->q);
	u32 x = prandom_u32_state(&jq->rnd);
	u64 pushed = atomic64_read(&jq->pushed);
	u32 behind;

	if (time_before(jiffies, jq->hang_until) || jq->hw >= pushed)
		goto again;
	behind = min_t(u64, pushed - jq->hw, U32_MAX);
	/* Rarer than a ring's hang: a hang cancels all the queue holds. */
	switch (x % 1024) {
	case 0:		/* a hang: nothing completes for two timeouts */
		jq->hang_until = jiffies + 2 * ring->timeout;
		break;
	case 1 ... 16:	/* a lost interrupt */
		break;
	case 17 ... 20:	/* an error on the next job */
		jq->hw++;
		dma_fence_token_ring_complete(ring, jq->hw, -EIO);
		break;
	default:	/* a batch of completions */
		jq->hw += 1 + (x >> 8) % behind;
		dma_fence_token_ring_complete(ring, jq->hw, 0);
		break;
	}
again:
	hrtimer_forward_now(t, ns_to_ktime(20000 + (x >> 12) % 200000));
	return HRTIMER_RESTART;
}

/*
 * A new job queue for slot @i; queues 0 and 2 fail jobs whose in-fence
 * failed, queues 0 and 1 run the jobs their interrupts release in them.
 */
static struct tt_jq *tt_jq_up(unsigned int i, unsigned long tseed)
{
	struct tt_jq *jq = kzalloc(sizeof(*jq), GFP_KERNEL);
	struct dma_fence_token_jobq_args args = {
		.name = "dft-torture-jobq",
		.ops = &tt_jq_ops,
		.fence_ops = &tt_jq_fence_ops,
		.capacity = TT_JQ_SLOTS,
		.credit_limit = TT_JQ_CREDITS,
		.timeout = msecs_to_jiffies(20),
		.flags = (i == 1 ? 0 : DMA_FENCE_TOKEN_JOBQ_DEP_ERRORS) |
			 (i == 2 ? 0 : DMA_FENCE_TOKEN_JOBQ_RUN_IN_IRQ),
	};

	if (!jq)
		return NULL;
	mutex_init(&jq->submit);
	spin_lock_init(&jq->lock);
	INIT_LIST_HEAD(&jq->running);
	INIT_LIST_HEAD(&jq->grave);
	args.wq = &jq->wq;
	if (dma_fence_token_wq_init(&jq->wq, "dft-torture-jobq", 0)) {
		kfree(jq);
		return NULL;
	}
	if (dma_fence_token_jobq_init(&jq->q, &args)) {
		dma_fence_token_wq_fini(&jq->wq);
		kfree(jq);
		return NULL;
	}
	prandom_seed_state(&jq->rnd, tseed);
	jq->hang_until = jiffies;
	hrtimer_init(&jq->irq, CLOCK_MONOTONIC, HRTIMER_MODE_REL);
	jq->irq.function = tt_jq_irq;
	hrtimer_start(&jq->irq, ns_to_ktime(50000), HRTIMER_MODE_REL);
	return jq;
}

/*
 * Tear a job queue down, busy or not: every job that did not reach the
 * ring is cancelled, the ring cancels the rest.  Its memory stays until
 * the end of the run: its fences live on as in-fences of other jobs.
 */
static void tt_jq_down(struct tt_jq *jq)
{
	struct dma_fence_token_jobq_stats s;

	hrtimer_cancel(&jq->irq);
	dma_fence_token_jobq_fini(&jq->q);
	dma_fence_token_wq_fini(&jq->wq);
	dma_fence_token_jobq_get_stats(&jq->q, &s);
	atomic64_add(s.direct, &tt->jq_stats[0]);
	atomic64_add(s.deferred, &tt->jq_stats[1]);
	atomic64_add(s.dep_failed, &tt->jq_stats[2]);
	atomic64_add(s.cancelled, &tt->jq_stats[3]);
	atomic64_add(jq->q.ring.timeouts, &tt->jq_stats[4]);
	atomic64_add(s.irq, &tt->jq_stats[5]);
	list_add_tail(&jq->grave, &tt->jq_grave);
}

/* Begin the armed job's token and push it; under its queue's submit lock. */
static void tt_jq_push(struct tt_jq_job *job)
{
	struct dma_fence_token_proof proof;
	/* Scoped: a leak would be reported when this returns. */
	DMA_FENCE_TOKEN(tok);

	lockdep_assert_held(&job->jq->submit);
	dma_fence_token_begin(&tok, &job->base.fence);
	dma_fence_token_job_push(&tok, &job->base, &proof);
	dma_fence_token_proof_end(proof, &job->base.fence);
}

/*
 * A job on queue @i: random credits, in-fences on the last jobs of random
 * queues (its own included), one in 64 discarded after arm instead of
 * pushed.  Holding @tt->jq_life[i] for reading.
 */
static void tt_jq_job(unsigned int i, struct rnd_state *rnd)
{
	struct tt_jq *jq = tt->jqs[i];
	u32 x = prandom_u32_state(rnd);
	struct tt_jq_job *job;
	struct dma_fence *old;
	unsigned int j;
	int ret;

	job = kzalloc(sizeof(*job), GFP_KERNEL);
	if (!job)
		return;
	job->jq = jq;
	job->credits = 1 + x % TT_JQ_CREDITS;
	INIT_LIST_HEAD(&job->link);
	ret = dma_fence_token_job_prepare(&job->base, &jq->q, job->credits, TT_JOBQS);
	if (ret) {
		kfree(job);
		/* Closed by a timeout: the engine was reset, the next one runs. */
		if (ret == -ESHUTDOWN)
			dma_fence_token_ring_reopen(dma_fence_token_jobq_ring(&jq->q));
		return;
	}
	for (j = 0; j < TT_JOBQS; j++) {
		struct dma_fence *dep;

		if (!(x & BIT(8 + j)))
			continue;
		spin_lock(&tt->jq_last_lock);
		dep = dma_fence_get(tt->jq_last[j]);
		spin_unlock(&tt->jq_last_lock);
		if (!dep)
			continue;
		if (dma_fence_token_job_add_dep(&job->base, dep)) {
			tt_violation("in-fence refused", dep);
			dma_fence_put(dep);
			continue;
		}
		job->deps[job->nr_deps++] = dep;
	}
	atomic64_inc(&tt->created);

	mutex_lock(&jq->submit);
	dma_fence_token_job_arm(&job->base);
	if (dma_fence_add_callback(&job->base.fence, &job->cb, tt_jq_signalled))
		tt_jq_signalled(&job->base.fence, &job->cb);
	if ((x >> 16) % 64 == 0) {
		job->discarded = true;
		dma_fence_token_job_discard(&job->base);
	} else {
		tt_jq_push(job);
		spin_lock(&tt->jq_last_lock);
		old = tt->jq_last[i];
		tt->jq_last[i] = dma_fence_get(&job->base.fence);
		spin_unlock(&tt->jq_last_lock);
		dma_fence_put(old);
	}
	mutex_unlock(&jq->submit);
	dma_fence_put(&job->base.fence);
}

/* Replace job queue @i: the old one is torn down while busy. */
static void tt_jq_replace(unsigned int i, struct rnd_state *rnd)
{
	struct tt_jq *jq;

	down_write(&tt->jq_life[i]);
	tt_jq_down(tt->jqs[i]);
	jq = tt_jq_up(i, prandom_u32_state(rnd));
	if (jq)
		tt->jqs[i] = jq;
	else
		atomic64_inc(&tt->violations);
	up_write(&tt->jq_life[i]);
}

/* ---- threads ---------------------------------------------------------- */

/*
 * Teardown is rare by weight, and a slow or loaded machine runs few ops:
 * once half the run is over, the first thread makes each kind of teardown
 * that has not happened yet, so that every run tears down a ring, a queue
 * and a job queue among the others' traffic.
 */
static enum tt_op tt_forced_op(enum tt_op op)
{
	static const enum tt_op teardown[] = {
		TT_FINI_RING, TT_FINI_QUEUE, TT_FINI_JOBQ,
	};
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(teardown); i++)
		if (!atomic64_read(&tt->ops[teardown[i]]))
			return teardown[i];
	return op;
}

static enum tt_op tt_pick(struct rnd_state *rnd)
{
	unsigned int x = prandom_u32_state(rnd) % 100000, op;

	for (op = 0; op < TT_NR_OPS - 1; op++) {
		if (x < tt_op_weight[op])
			break;
		x -= tt_op_weight[op];
	}
	return op;
}

#ifdef CONFIG_DMA_FENCE_TOKEN_DEBUG
/* Walk the tracker's records while the others change them. */
static void tt_read(char *buf, size_t size)
{
	struct dma_fence_token_stats s;
	struct seq_file m = { .buf = buf, .size = size };

	dma_fence_token_obligations_show(&m, NULL);
	dma_fence_token_get_stats(&s);
	dma_fence_token_watchdog_check();
}

static unsigned int tt_set_watchdog_ms(unsigned int ms)
{
	return dma_fence_token_set_watchdog_ms(ms);
}
#else
static void tt_read(char *buf, size_t size)
{
}

static unsigned int tt_set_watchdog_ms(unsigned int ms)
{
	return 0;
}
#endif

static int tt_thread(void *arg)
{
	unsigned long id = (unsigned long)arg;
	struct tt_job *last = NULL;
	struct rnd_state rnd;
	char *buf = kmalloc(PAGE_SIZE, GFP_KERNEL);

	prandom_seed_state(&rnd, seed + id);
	while (!READ_ONCE(tt->stop)) {
		enum tt_op op = tt_pick(&rnd);
		struct tt_ring *r = &tt->rings[prandom_u32_state(&rnd) % TT_RINGS];
		struct tt_queue *tq = &tt->queues[prandom_u32_state(&rnd) % TT_QUEUES];
		unsigned int jqi = prandom_u32_state(&rnd) % TT_JOBQS;
		unsigned int n;

		if (id == 0 && READ_ONCE(tt->half))
			op = tt_forced_op(op);
		atomic64_inc(&tt->ops[op]);
		switch (op) {
		case TT_SUBMIT:
			down_read(&r->life);
			tt_submit(r, &rnd, &last);
			up_read(&r->life);
			break;
		case TT_QUEUE:
			down_read(&tq->life);
			tt_queue_job(tq, &rnd);
			up_read(&tq->life);
			break;
		case TT_RELEASE:
			tt_release_held();
			break;
		case TT_OPPORTUNISTIC:
			/* Its lock is its ring's, which a re-init initialises. */
			if (last) {
				down_read(&last->r->life);
				dma_fence_token_signal_opportunistic(&last->base, 0);
				up_read(&last->r->life);
			}
			break;
		case TT_CLOSE:
			down_read(&r->life);
			dma_fence_token_ring_close(&r->ring, -EIO);
			up_read(&r->life);
			break;
		case TT_REOPEN:
			down_read(&r->life);
			dma_fence_token_ring_reopen(&r->ring);
			up_read(&r->life);
			break;
		case TT_RESERVE:
			n = 1 + prandom_u32_state(&rnd) % 3;
			down_read(&r->life);
			if (!dma_fence_token_ring_reserve(&r->ring, n)) {
				udelay(prandom_u32_state(&rnd) % 50);
				dma_fence_token_ring_unreserve(&r->ring, n);
			}
			up_read(&r->life);
			break;
		case TT_FINI_RING:
			down_write(&r->life);
			tt_ring_down(r);
			if (tt_ring_up(r, prandom_u32_state(&rnd)))
				atomic64_inc(&tt->violations);
			up_write(&r->life);
			break;
		case TT_READ:
			if (buf)
				tt_read(buf, PAGE_SIZE);
			break;
		case TT_FINI_QUEUE:
			down_write(&tq->life);
			dma_fence_token_wq_fini(&tq->q);
			if (dma_fence_token_wq_init(&tq->q, "dft-torture-queue", 0))
				atomic64_inc(&tt->violations);
			up_write(&tq->life);
			break;
		case TT_JOB:
			down_read(&tt->jq_life[jqi]);
			tt_jq_job(jqi, &rnd);
			up_read(&tt->jq_life[jqi]);
			break;
		case TT_FINI_JOBQ:
			tt_jq_replace(jqi, &rnd);
			break;
		default:
			break;
		}
		cond_resched();
	}
	if (last)
		dma_fence_put(&last->base);
	kfree(buf);
	return 0;
}

/*
 * The run: start everything, let the threads go for duration_s, stop and
 * quiesce, then check the invariants.
 */
static void tt_torture(struct kunit *test)
{
	struct dma_fence_token_stats before, after;
	unsigned int i, nthreads = threads * num_online_cpus();
	struct task_struct **tasks;
	unsigned int old_watchdog = 0;
	u64 ops = 0;
	ktime_t t0;

	tt = kzalloc(sizeof(*tt), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, tt);
	tasks = kcalloc(nthreads, sizeof(*tasks), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, tasks);
	if (!seed)
		seed = get_random_u32() | 1;
	kunit_info(test, "seed %lu, %u threads, %u s\n", seed, nthreads, duration_s);
	mock_expect_armed(test, &before);
	/*
	 * The watchdog well below the run: a healthy ring or queue under
	 * torture makes progress, and no token is held for long.
	 */
	old_watchdog = tt_set_watchdog_ms(3000);

	spin_lock_init(&tt->held_lock);
	INIT_LIST_HEAD(&tt->held);
	tt->context = dma_fence_context_alloc(1);
	for (i = 0; i < TT_RINGS; i++) {
		struct tt_ring *r = &tt->rings[i];

		init_rwsem(&r->life);
		spin_lock_init(&r->submit);
		r->context = dma_fence_context_alloc(1);
		r->seqno = TT_SEQNO_START + i * 64;
		atomic64_set(&r->pushed, r->seqno);
		r->hw = r->seqno;
		KUNIT_ASSERT_EQ(test, tt_ring_up(r, seed ^ i), 0);
	}
	for (i = 0; i < TT_QUEUES; i++) {
		init_rwsem(&tt->queues[i].life);
		KUNIT_ASSERT_EQ(test, dma_fence_token_wq_init(&tt->queues[i].q,
							      "dft-torture-queue", 0), 0);
	}
	INIT_LIST_HEAD(&tt->jq_grave);
	spin_lock_init(&tt->jq_last_lock);
	for (i = 0; i < TT_JOBQS; i++) {
		init_rwsem(&tt->jq_life[i]);
		tt->jqs[i] = tt_jq_up(i, seed ^ (i + TT_RINGS));
		KUNIT_ASSERT_NOT_NULL(test, tt->jqs[i]);
	}

	t0 = ktime_get();
	for (i = 0; i < nthreads; i++) {
		tasks[i] = kthread_run(tt_thread, (void *)(unsigned long)i,
				       "dft-torture/%u", i);
		KUNIT_ASSERT_FALSE(test, IS_ERR(tasks[i]));
		get_task_struct(tasks[i]);
	}
	msleep(duration_s * 500);
	WRITE_ONCE(tt->half, true);
	msleep(duration_s * 500);
	WRITE_ONCE(tt->stop, true);
	for (i = 0; i < nthreads; i++) {
		kthread_stop(tasks[i]);
		put_task_struct(tasks[i]);
	}

	/* Quiesce: release what is held, let the queues and hardware drain. */
	while (!list_empty(&tt->held))
		tt_release_held();
	for (i = 0; i < TT_QUEUES; i++)
		dma_fence_token_wq_flush(&tt->queues[i].q);
	for (i = 0; i < TT_RINGS; i++) {
		struct tt_ring *r = &tt->rings[i];

		dma_fence_token_wq_flush(&r->q);
		/* Every transfer used its reservation or gave it back. */
		KUNIT_EXPECT_EQ_MSG(test, r->ring.reserved, 0, "ring %u", i);
	}
	for (i = 0; i < TT_RINGS; i++)
		tt_ring_down(&tt->rings[i]);
	for (i = 0; i < TT_QUEUES; i++)
		dma_fence_token_wq_fini(&tt->queues[i].q);
	for (i = 0; i < TT_JOBQS; i++) {
		struct tt_jq *jq = tt->jqs[i];

		tt_jq_down(jq);
		/* Every job's fence signalled: every credit came back. */
		KUNIT_EXPECT_EQ_MSG(test, jq->q.credits_used, 0, "job queue %u", i);
		dma_fence_put(tt->jq_last[i]);
		tt->jq_last[i] = NULL;
	}
	rcu_barrier();
	if (old_watchdog)
		tt_set_watchdog_ms(old_watchdog);

	for (i = 0; i < TT_NR_OPS; i++) {
		ops += atomic64_read(&tt->ops[i]);
		kunit_info(test, "%-14s %llu\n", tt_op_name[i],
			   atomic64_read(&tt->ops[i]));
	}
	kunit_info(test, "%llu ops in %lld ms: %llu ops/s; %llu fences: %llu ok, %llu -EIO, %llu -ETIMEDOUT, %llu -ECANCELED, %llu -EPIPE; %llu ring timeouts, %llu transfers refused\n",
		   ops, ktime_ms_delta(ktime_get(), t0),
		   ops * 1000 / max_t(s64, 1, ktime_ms_delta(ktime_get(), t0)),
		   atomic64_read(&tt->created), atomic64_read(&tt->status[0]),
		   atomic64_read(&tt->status[1]), atomic64_read(&tt->status[2]),
		   atomic64_read(&tt->status[3]), atomic64_read(&tt->status[4]),
		   atomic64_read(&tt->timeouts), atomic64_read(&tt->refused));
	kunit_info(test, "job queues: %llu ok, %llu -EIO, %llu -ETIMEDOUT, %llu -ECANCELED; %llu direct, %llu deferred, %llu in an interrupt, %llu failed by an in-fence, %llu cancelled; %llu ring timeouts\n",
		   atomic64_read(&tt->jq_status[0]), atomic64_read(&tt->jq_status[1]),
		   atomic64_read(&tt->jq_status[2]), atomic64_read(&tt->jq_status[3]),
		   atomic64_read(&tt->jq_stats[0]), atomic64_read(&tt->jq_stats[1]),
		   atomic64_read(&tt->jq_stats[5]),
		   atomic64_read(&tt->jq_stats[2]), atomic64_read(&tt->jq_stats[3]),
		   atomic64_read(&tt->jq_stats[4]));
	kunit_info(test, "checked: each fence signalled once with an allowed status, each released, reservations balanced, no lockdep or tracker report\n");

	KUNIT_EXPECT_EQ(test, atomic64_read(&tt->violations), 0);
	KUNIT_EXPECT_EQ(test, atomic64_read(&tt->signalled), atomic64_read(&tt->created));
	KUNIT_EXPECT_EQ(test, atomic64_read(&tt->released), atomic64_read(&tt->created));
	/* The run did what it is for. */
	KUNIT_EXPECT_GT(test, atomic64_read(&tt->status[0]), 0);
	KUNIT_EXPECT_GT(test, atomic64_read(&tt->status[2]), 0);
	KUNIT_EXPECT_GT(test, atomic64_read(&tt->status[3]), 0);
	KUNIT_EXPECT_GT(test, atomic64_read(&tt->ops[TT_FINI_RING]), 0);
	KUNIT_EXPECT_GT(test, atomic64_read(&tt->ops[TT_FINI_QUEUE]), 0);
	KUNIT_EXPECT_GT(test, atomic64_read(&tt->ops[TT_FINI_JOBQ]), 0);
	KUNIT_EXPECT_GT(test, atomic64_read(&tt->jq_status[0]), 0);
	KUNIT_EXPECT_GT(test, atomic64_read(&tt->jq_stats[1]), 0);
	KUNIT_EXPECT_GT(test, atomic64_read(&tt->jq_stats[0]), 0);
	/* Interrupts are threads on PREEMPT_RT: nothing runs in them. */
	if (!IS_ENABLED(CONFIG_PREEMPT_RT))
		KUNIT_EXPECT_GT(test, atomic64_read(&tt->jq_stats[5]), 0);
	dma_fence_token_get_stats(&after);
	KUNIT_EXPECT_EQ(test, after.obligations_live, before.obligations_live);
	mock_expect_clean(test, &before);
	while (!list_empty(&tt->jq_grave)) {
		struct tt_jq *jq = list_first_entry(&tt->jq_grave, struct tt_jq, grave);

		list_del(&jq->grave);
		kfree(jq);
	}
	kfree(tasks);
	kfree(tt);
	tt = NULL;
}

static struct kunit_case tt_cases[] = {
	DFT_KUNIT_CASE_SLOW(tt_torture),
	{}
};

static struct kunit_suite tt_suite = {
	.name = "dma_fence_token_torture",
	.test_cases = tt_cases,
};

kunit_test_suite(tt_suite);

MODULE_DESCRIPTION("Torture test of fence signalling rings and queues");
MODULE_LICENSE("GPL");
