// SPDX-License-Identifier: GPL-2.0
/*
 * Benchmark: the library's job queue (ours) against drm_sched, the same
 * zero-duration jobs on the same mock hardware, in one boot.
 *
 * Mock hardware, one engine per queue (ours: a job queue; drm_sched: a
 * scheduler with one entity), with three completion modes:
 *
 * imm: the run callback completes the job at once.  Ours hands the job
 *	to the ring (dma_fence_token_job_to_ring()) and reports it complete
 *	(dma_fence_token_ring_complete()); drm_sched's run_job initialises
 *	the job's hardware fence, signals it and returns it.
 * irq: the run callback puts the job on the engine's list and starts a
 *	plain (not hard) hrtimer of irq_us (module parameter, default 20)
 *	unless it runs; the timer, the "interrupt", completes every job of
 *	the list: ours with one ring completion up to the newest seqno,
 *	drm_sched by signalling each hardware fence.  On PREEMPT_RT it runs
 *	in the softirq thread.
 * delay: "at +N us": the run callback puts the job on the engine's list
 *	with a due time delay_us (module parameter, default 50) after the
 *	kick; the same timer expires at the oldest due time and completes
 *	every job that is due, then waits for the next one.  The engine
 *	works on many jobs at once, each taking delay_us: a deep pipeline
 *	where irq is one batch per interrupt.
 *
 * Shapes (job i goes to queue i mod queues, and depends on jobs i-1 ...
 * i-deps, the latest job of every other queue):
 *
 *	nodep     1 queue, no in-fence
 *	pingpong  2 queues, each job on the previous one (the other queue)
 *	fanin4    5 queues, each job on the latest job of the 4 others
 *	fanin16   17 queues, each job on the latest job of the 16 others
 *
 * each with the credit limit unlimited (the window below; "unl") and 1
 * ("c1"), each job needing one credit, and the imm and irq completion
 * modes; delay mode for nodep and pingpong with both credit limits and
 * fanin4 unlimited.
 *
 * A run submits 10,000 jobs (the module parameter jobs) from the case's
 * thread, at most JB_WINDOW of them unsignalled (the submitter waits for
 * job i-JB_WINDOW before it submits job i; our rings have JB_WINDOW
 * slots), and ends when every job's fence is signalled; jobs/s is the
 * number of jobs over the time from the first submission to the last
 * signal.  A case runs 11
 * rounds of one run of ours then one of drm_sched (after one warm-up run
 * each) and reports the median jobs/s of each side.
 *
 * Latency runs: the same jobs with at most JB_LAT_WINDOW unsignalled,
 * once per side idle and once with a spinning kthread bound to every
 * CPU.  Per job, into a preallocated array: submit (before the job's
 * allocation) to run callback; push (after arm, so without the
 * submitter's allocations and preparation) to run callback; run callback
 * to hardware signal (the mock hardware's own time: the kick, the
 * interrupt's latency, +delay_us in delay mode; 0 for immediate
 * completion); and hardware
 * signal to the job's finished fence (ours: the job's fence, which the
 * hardware signals itself; drm_sched: the scheduler's finished fence,
 * signalled from the hardware fence's callback).  p50, p99 and max in
 * ns, and how many of ours' jobs took a worker hop (one hop's stall holds
 * up the jobs behind it).  The latency runs also count every fence signal
 * (the dma_fence_signaled tracepoint), per side.
 *
 * Accounting runs (irq and delay modes): one more run per side,
 * throughput-shaped, in which the mock hardware reads the clock
 * when the side's first job goes on any of its engines and when its last
 * comes off (at the interrupt, before the completions).  Per job: the
 * run's time, the time with a job on the hardware, and the rest, which
 * in a chain (one job on the hardware at a time) is the software between
 * one completion and the next kick.
 *
 * Counters per job, over the timed runs: ours direct, deferred and irq
 * runs (the queue's stats: deferred is a worker hop, irq a job run in the
 * interrupt that released it, see irq_run), drm_sched's run_job and
 * free_job calls (each a worker execution on 6.12, where the scheduler
 * runs both as work items on its ordered workqueue; on 6.1 its kthread
 * calls them), context switches (the sum of every thread's nvcsw and
 * nivcsw before and after; nr_context_switches() is not exported; a run
 * during which a thread exited, taking its count along, is left out),
 * allocations: ours the job and, with in-fences, the in-fence array that
 * prepare allocates; drm_sched the job, the scheduler fence that
 * drm_sched_job_init() takes from its kmem_cache and, with more than one
 * in-fence, the xarray node of the job's dependencies; and fence signals,
 * over the latency runs: ours the job's fence, drm_sched the hardware
 * fence and the scheduler fence's scheduled and finished fences.
 *
 * Lines (one set per case):
 *
 *	jobq-bench: <case> ours_jobs_s=<n> drm_jobs_s=<n> ratio=<ours/drm>
 *	jobq-bench-count: <case> ours_direct=... drm_run_job=... (per job)
 *	jobq-bench-lat: <case> idle|spin ours_run_p50=<ns> ours_run_p99=
 *		ours_run_max= drm_run_p50= ... ours_push_p50= ...
 *		ours_done_p50= ... drm_done_max=<ns> ours_deferred=<jobs>
 *	jobq-bench-hw: <case> ours_ns=<ns> ours_hw_ns=<ns> ours_sw_ns=<ns>
 *		drm_ns=... (per job; irq and delay modes)
 *	jobq-bench-verdict: <case> jobs_s=met|missed p99=met|missed worker=...
 *
 * Targets: ours at least 2x drm_sched's jobs/s; ours' p99 submit to run
 * at most half drm_sched's, idle and with the spinners; no worker run for
 * a job that neither an in-fence nor the credits hold (nodep, except with
 * a credit limit of 1 and interrupt completion, where each job waits for
 * the previous one's credit).
 *
 * The module parameter full selects the measurement; by default one run
 * of 64 jobs per side and case checks that everything runs.  Every run
 * checks that every job's fence ended signalled without an error.
 */

#include <drm/gpu_scheduler.h>
#include <kunit/test.h>
#include <linux/atomic.h>
#include <linux/completion.h>
#include <linux/cpumask.h>
#include <linux/dma-fence-token-jobq.h>
#include <linux/hrtimer.h>
#include <linux/kthread.h>
#include <linux/ktime.h>
#include <linux/math64.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/mutex.h>
#include <linux/rcupdate.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/wait.h>
#include <linux/xarray.h>
#include <trace/events/dma_fence.h>

#include "dma-fence-token-compat.h"

static bool full;
module_param(full, bool, 0444);
MODULE_PARM_DESC(full, "Full measurement (11 interleaved runs per side and case) instead of the short run");

static unsigned int jobs;
module_param(jobs, uint, 0444);

MODULE_PARM_DESC(jobs, "Jobs per run, 16 to 65536 (default: 10000 in full mode, 64 in the short run)");

/*
 * Ours on an ordered signalling queue, like drm_sched's submit_wq: a job
 * queue runs one job at a time anyway, and an unbound worker need not
 * wait for the CPU whose interrupt released the job.  ordered=0 measures
 * the per-CPU queue (about five times slower per hop under TCG).
 */
static bool ordered = true;
module_param(ordered, bool, 0444);
MODULE_PARM_DESC(ordered, "Ours on an ordered (unbound) signalling queue, as drm_sched's (default)");

/*
 * Ours with DMA_FENCE_TOKEN_JOBQ_RUN_IN_IRQ: the mock's run callback only
 * takes interrupt-safe locks, so a job that the interrupt releases runs
 * in it.  irq_run=0 measures the worker hop instead.
 */
static bool irq_run = true;
module_param(irq_run, bool, 0444);
MODULE_PARM_DESC(irq_run, "Ours runs the jobs an interrupt releases in that interrupt (default)");

/*
 * Irq mode: the interrupt fires this long after the kick that found the
 * engine idle.  Under TCG a timer programmed 20 us ahead is taken 50 to
 * 85 us later still (the accounting runs measure it); a shorter one
 * shows how the chained shapes' ratios depend on that time.
 */
static unsigned int irq_us = 20;
module_param(irq_us, uint, 0444);
MODULE_PARM_DESC(irq_us, "Irq mode: the interrupt comes this many us after the kick that found the engine idle, 1 to 200 (default 20)");

static unsigned int delay_us = 50;
module_param(delay_us, uint, 0444);
MODULE_PARM_DESC(delay_us, "Delay mode: each job completes this many us after its kick, 1 to 200 (default 50)");

/*
 * Experiment: the submitter, and drm_sched's kthread where it has one
 * (6.1), on CPU 0 alone.  drm_sched's kthread otherwise takes jobs from
 * the submitter on the other CPU, so that two CPUs share each job's
 * work, while ours does a job that can run at once in the push, on one.
 * The mock's interrupts follow (its timer is armed on the CPU that kicks
 * it); 6.12's drm_sched work items stay free.
 */
static bool pin;
module_param(pin, bool, 0444);
MODULE_PARM_DESC(pin, "Experiment: the submitter, and drm_sched's kthread where it has one (6.1), on CPU 0 alone");

/* The method's 10^4 to 10^5 jobs per run. */
#define JB_JOBS_FULL	10000
#define JB_JOBS_SHORT	64
#define JB_JOBS_MIN	16
#define JB_JOBS_MAX	65536
#define JB_RUNS_FULL	11
#define JB_RUNS_SHORT	1
/* Jobs submitted and not signalled, at most; our rings have as many slots. */
#define JB_WINDOW	256
#define JB_LAT_WINDOW	8
#define JB_MAX_DEPS	16
/*
 * irq_us and delay_us at most: a chained run of 10,000 jobs then takes
 * about 3 s per side, and a case's 30 runs stay inside KUnit's 300 s.
 */
#define JB_US_MAX	200
/* Never reached: every job completes at once or at the next interrupt. */
#define JB_TIMEOUT	(60 * HZ)
#define JB_WAIT		(120 * HZ)

/**
 * struct jb_case - one shape, credit limit and completion mode
 * @name: name in the output
 * @deps: in-fences per job; the case has @deps + 1 queues
 * @credit_limit: credits on each ring at most, 0 for unlimited
 * @irq: completion by the hrtimer interrupt instead of at once
 * @delay: with @irq, each job completes delay_us after its kick (delay
 *	mode) instead of at the next interrupt
 */
struct jb_case {
	const char *name;
	unsigned int deps;
	unsigned int credit_limit;
	bool irq;
	bool delay;
};

static const struct jb_case jb_cases[] = {
	{ "nodep-unl-imm", 0, 0, false },
	{ "nodep-unl-irq", 0, 0, true },
	{ "nodep-c1-imm", 0, 1, false },
	{ "nodep-c1-irq", 0, 1, true },
	{ "pingpong-unl-imm", 1, 0, false },
	{ "pingpong-unl-irq", 1, 0, true },
	{ "pingpong-c1-imm", 1, 1, false },
	{ "pingpong-c1-irq", 1, 1, true },
	{ "fanin4-unl-imm", 4, 0, false },
	{ "fanin4-unl-irq", 4, 0, true },
	{ "fanin4-c1-imm", 4, 1, false },
	{ "fanin4-c1-irq", 4, 1, true },
	{ "fanin16-unl-imm", 16, 0, false },
	{ "fanin16-unl-irq", 16, 0, true },
	{ "fanin16-c1-imm", 16, 1, false },
	{ "fanin16-c1-irq", 16, 1, true },
	{ "nodep-unl-delay", 0, 0, true, true },
	{ "nodep-c1-delay", 0, 1, true, true },
	{ "pingpong-unl-delay", 1, 0, true, true },
	{ "pingpong-c1-delay", 1, 1, true, true },
	{ "fanin4-unl-delay", 4, 0, true, true },
};

struct jb_ctx;
struct jb_side;

/**
 * struct jb_slot - what is recorded of job i of a run, preallocated
 * @fence: the job's finished fence (ours: the job's fence), a reference
 *	held until the end of the run
 * @cb: callback on @fence, records @t_done
 * @ctx: the case
 * @t_submit: before the job's allocation
 * @t_push: after arm, before the push (ours: dma_fence_token_job_push(),
 *	drm_sched: drm_sched_entity_push_job())
 * @t_run: start of the run callback
 * @t_hw: when the mock hardware completed the job
 * @t_done: when @fence signalled
 */
struct jb_slot {
	struct dma_fence *fence;
	struct dma_fence_cb cb;
	struct jb_ctx *ctx;
	u64 t_submit;
	u64 t_push;
	u64 t_run;
	u64 t_hw;
	u64 t_done;
};

/**
 * struct jb_engine - mock hardware of one queue, and the queue
 * @side: the side it belongs to
 * @lock: protects @pending and @armed; taken from the timer
 * @fence_lock: lock of drm_sched's hardware fences of this engine
 * @pending: jobs given to the hardware and not completed (irq and delay
 *	modes), in the order of their kicks and so of their due times
 * @armed: @timer is started and has not taken @pending yet (delay mode:
 *	has not taken all of it)
 * @timer: the interrupt
 * @submit_lock: serialises arm and push of the queue, both sides
 * @hw_context: fence context of drm_sched's hardware fences
 * @hw_seqno: last seqno of a hardware fence; written by run_job, which
 *	the scheduler serialises
 * @name: name of the queue or scheduler
 * @q: our job queue
 * @q_ready: @q was initialised
 * @sched: the drm_sched scheduler
 * @sched_list: the entity's scheduler list
 * @entity: the one entity of @sched
 * @sched_ready: @sched was initialised
 * @entity_ready: @entity was initialised
 */
struct jb_engine {
	struct jb_side *side;
	spinlock_t lock;	/* see above */
	spinlock_t fence_lock;	/* see above */
	struct list_head pending;
	bool armed;
	struct hrtimer timer;
	struct mutex submit_lock;	/* see above */
	u64 hw_context;
	u64 hw_seqno;
	char name[24];
	struct dma_fence_token_jobq q;
	bool q_ready;
	struct drm_gpu_scheduler sched;
	struct drm_gpu_scheduler *sched_list;
	struct drm_sched_entity entity;
	bool sched_ready;
	bool entity_ready;
};

/**
 * struct jb_side - ours or drm_sched, with its queues
 * @ctx: the case
 * @drm: this is the drm_sched side
 * @nq: number of queues
 * @ready: engines of @eng initialised
 * @eng: the queues and their hardware
 * @wq: our signalling queue, shared by the queues
 * @wq_ready: @wq was initialised
 * @run_calls: drm_sched's run_job calls
 * @free_calls: drm_sched's free_job calls
 * @free_wait: woken by every free_job call
 * @allocs: allocations counted by the submitter
 * @hw_lock: protects @on_hw, @hw_since and @hw_ns; taken under an
 *	engine's lock or in its interrupt
 * @on_hw: accounting runs: jobs kicked to the side's engines and not yet
 *	completed by them
 * @hw_since: when @on_hw last became non-zero
 * @hw_ns: accounting runs: time during which @on_hw was non-zero
 */
struct jb_side {
	struct jb_ctx *ctx;
	bool drm;
	unsigned int nq;
	unsigned int ready;
	struct jb_engine *eng;
	struct dma_fence_token_wq wq;
	bool wq_ready;
	atomic_t run_calls;
	atomic_t free_calls;
	wait_queue_head_t free_wait;
	unsigned long allocs;
	spinlock_t hw_lock;	/* see above */
	unsigned int on_hw;
	u64 hw_since;
	u64 hw_ns;
};

/**
 * struct jb_counts - counters of one side over the timed runs
 * @jobs: jobs submitted
 * @direct: ours: jobs run inside the push
 * @deferred: ours: jobs run on the signalling queue
 * @irq: ours: jobs run in the interrupt that released them
 * @run_job: drm_sched: run_job calls
 * @free_job: drm_sched: free_job calls
 * @csw: context switches of every thread, over the runs of @csw_jobs
 * @csw_jobs: jobs of the runs in which no thread's count went away
 * @allocs: allocations per job, see the top of the file
 * @signals: fence signals (every fence, the dma_fence_signaled
 *	tracepoint) over the latency runs
 * @signal_jobs: jobs of the latency runs
 */
struct jb_counts {
	u64 jobs;
	u64 direct;
	u64 deferred;
	u64 irq;
	u64 run_job;
	u64 free_job;
	u64 csw;
	u64 csw_jobs;
	u64 allocs;
	u64 signals;
	u64 signal_jobs;
};

/* What a latency run records per job, from &jb_slot's timestamps. */
enum jb_lat_kind {
	JB_LAT_RUN,	/* submit to run callback */
	JB_LAT_PUSH,	/* push to run callback */
	JB_LAT_HW,	/* run callback to hardware signal: the mock hardware */
	JB_LAT_DONE,	/* hardware signal to finished fence */
	JB_LAT_KINDS
};

static const char * const jb_lat_names[JB_LAT_KINDS] = {
	[JB_LAT_RUN] = "run",
	[JB_LAT_PUSH] = "push",
	[JB_LAT_HW] = "hw",
	[JB_LAT_DONE] = "done",
};

/**
 * struct jb_pct - percentiles of one kind of latency of one run, in ns
 * @p50: median
 * @p99: 99th percentile
 * @max: the largest
 */
struct jb_pct {
	u64 p50;
	u64 p99;
	u64 max;
};

/**
 * struct jb_lat - latencies of one run
 * @k: per &enum jb_lat_kind
 * @deferred: ours: jobs of the run that took a worker hop
 */
struct jb_lat {
	struct jb_pct k[JB_LAT_KINDS];
	u64 deferred;
};

/**
 * struct jb_ctx - state of one case
 * @test: the running case
 * @c: the case
 * @n: jobs per run
 * @slots: @n preallocated records
 * @lat: @n values, sorted for the percentiles
 * @remaining: jobs of the run whose fence has not signalled
 * @all_done: completed when @remaining reaches 0
 * @side: ours (0) and drm_sched (1)
 * @spinners: a spinning kthread per CPU, or %NULL entries
 * @stamp: a latency run: the jobs' records take their timestamps (a
 *	throughput run reads no clock per job, on either side)
 * @account: an accounting run: the mock hardware times how long it holds
 *	a job (&jb_side.hw_ns)
 * @signals: fence signals seen by jb_count_signal()
 * @counting: jb_count_signal() is registered
 */
struct jb_ctx {
	struct kunit *test;
	const struct jb_case *c;
	unsigned int n;
	struct jb_slot *slots;
	u64 *lat;
	atomic_t remaining;
	struct completion all_done;
	struct jb_side side[2];
	struct task_struct **spinners;
	bool stamp;
	bool account;
	atomic_long_t signals;
	bool counting;
};

/* A record's timestamp: only latency runs take them. */
static u64 jb_stamp(const struct jb_ctx *ctx)
{
	return ctx->stamp ? ktime_get_ns() : 0;
}

/**
 * struct jb_hw_item - a job on the mock hardware
 * @link: entry in &jb_engine.pending
 * @due: delay mode: when the hardware completes it (ktime_get_ns())
 */
struct jb_hw_item {
	struct list_head link;
	u64 due;
};

/**
 * struct jb_ours_job - a job of our side
 * @base: the job queue's job; its fence's release frees the job
 * @hw: its place on the mock hardware
 * @slot: its record
 * @eng: its queue
 */
struct jb_ours_job {
	struct dma_fence_token_job base;
	struct jb_hw_item hw;
	struct jb_slot *slot;
	struct jb_engine *eng;
};

/**
 * struct jb_drm_job - a job of drm_sched's side
 * @base: the scheduler's job
 * @hw: the hardware fence run_job returns; its release frees the job
 * @hw_item: its place on the mock hardware
 * @slot: its record
 * @eng: its queue
 * @hw_armed: @hw was initialised (the job ran)
 */
struct jb_drm_job {
	struct drm_sched_job base;
	struct dma_fence hw;
	struct jb_hw_item hw_item;
	struct jb_slot *slot;
	struct jb_engine *eng;
	bool hw_armed;
};

/* Mock hardware ----------------------------------------------------------- */

/* A hardware time parameter as used: 1 to JB_US_MAX us. */
static unsigned int jb_us(unsigned int us)
{
	return clamp_t(unsigned int, us, 1, JB_US_MAX);
}

/*
 * Accounting runs: @delta jobs went on (> 0) or came off (< 0) the side's
 * hardware.  The side's busy time is the union of its engines' intervals
 * with a job on them; the clock is read under the lock, so that the
 * intervals' ends are in the order of the transitions.
 */
static void jb_hw_account(struct jb_side *side, int delta)
{
	unsigned long flags;

	spin_lock_irqsave(&side->hw_lock, flags);
	if (delta > 0 && !side->on_hw)
		side->hw_since = ktime_get_ns();
	side->on_hw += delta;
	if (delta < 0 && !side->on_hw)
		side->hw_ns += ktime_get_ns() - side->hw_since;
	spin_unlock_irqrestore(&side->hw_lock, flags);
}

/*
 * Irq mode: the job is on the hardware; the next interrupt completes it.
 * Delay mode: the first interrupt at or after its due time does.
 */
static void jb_hw_kick(struct jb_engine *eng, struct jb_hw_item *item)
{
	u64 rel = (u64)jb_us(eng->side->ctx->c->delay ? delay_us : irq_us) *
		  NSEC_PER_USEC;
	unsigned long flags;

	if (eng->side->ctx->c->delay)
		item->due = ktime_get_ns() + rel;
	spin_lock_irqsave(&eng->lock, flags);
	list_add_tail(&item->link, &eng->pending);
	if (eng->side->ctx->account)
		jb_hw_account(eng->side, 1);
	if (!eng->armed) {
		eng->armed = true;
		hrtimer_start(&eng->timer, ns_to_ktime(rel), HRTIMER_MODE_REL);
	}
	spin_unlock_irqrestore(&eng->lock, flags);
}

/* Completions are reported after the engine's lock is dropped. */
static void jb_ours_complete(struct jb_engine *eng, struct list_head *done,
			     u64 now)
{
	struct jb_ours_job *job;
	u64 seqno = 0;

	/* The list is in ring order; the submitter holds every job's fence. */
	list_for_each_entry(job, done, hw.link) {
		job->slot->t_hw = now;
		seqno = max(seqno, job->base.fence.seqno);
	}
	if (seqno)
		dma_fence_token_ring_complete(dma_fence_token_jobq_ring(&eng->q),
					      seqno, 0);
}

static void jb_drm_complete(struct list_head *done, u64 now)
{
	struct jb_drm_job *job, *next;

	list_for_each_entry_safe(job, next, done, hw_item.link) {
		job->slot->t_hw = now;
		dma_fence_signal(&job->hw);
	}
}

static enum hrtimer_restart jb_hw_irq(struct hrtimer *timer)
{
	struct jb_engine *eng = container_of(timer, struct jb_engine, timer);
	enum hrtimer_restart ret = HRTIMER_NORESTART;
	struct jb_hw_item *item, *next;
	unsigned long flags;
	LIST_HEAD(done);
	u64 now;

	now = ktime_get_ns();
	spin_lock_irqsave(&eng->lock, flags);
	if (!eng->side->ctx->c->delay) {
		list_splice_init(&eng->pending, &done);
	} else {
		/* Due times grow along the list: take the prefix that is due. */
		list_for_each_entry_safe(item, next, &eng->pending, link) {
			if (item->due > now)
				break;
			list_move_tail(&item->link, &done);
		}
		item = list_first_entry_or_null(&eng->pending, struct jb_hw_item, link);
		if (item) {
			/* Still armed: no kick starts the timer meanwhile. */
			hrtimer_set_expires(timer, ns_to_ktime(item->due));
			ret = HRTIMER_RESTART;
		}
	}
	if (ret == HRTIMER_NORESTART)
		eng->armed = false;
	spin_unlock_irqrestore(&eng->lock, flags);
	/* Off the hardware before their completion kicks the next ones. */
	if (eng->side->ctx->account) {
		int n = 0;

		list_for_each_entry(item, &done, link)
			n++;
		if (n)
			jb_hw_account(eng->side, -n);
	}
	if (eng->side->drm)
		jb_drm_complete(&done, now);
	else
		jb_ours_complete(eng, &done, now);
	return ret;
}

static const char *jb_fence_name(struct dma_fence *fence)
{
	return "dft-jobq-bench";
}

/* Ours ------------------------------------------------------------------- */

static void jb_ours_fence_release(struct dma_fence *fence)
{
	struct jb_ours_job *job = container_of(fence, struct jb_ours_job, base.fence);

	kfree_rcu(job, base.fence.rcu);
}

static const struct dma_fence_ops jb_ours_fence_ops = {
	.get_driver_name = jb_fence_name,
	.get_timeline_name = jb_fence_name,
	.release = jb_ours_fence_release,
};

static struct dma_fence_token_proof jb_ours_run(struct dma_fence_token_job *base,
						struct dma_fence_token *tok)
	__releases(tok)
{
	struct jb_ours_job *job = container_of(base, struct jb_ours_job, base);
	struct jb_engine *eng = job->eng;
	struct dma_fence_token_proof proof;

	job->slot->t_run = jb_stamp(eng->side->ctx);
	if (dma_fence_token_job_to_ring(tok, base, &proof))
		return proof;	/* a closed ring: cancelled, and counted */
	if (eng->side->ctx->c->irq) {
		jb_hw_kick(eng, &job->hw);
	} else {
		job->slot->t_hw = jb_stamp(eng->side->ctx);
		dma_fence_token_ring_complete(dma_fence_token_jobq_ring(&eng->q),
					      base->fence.seqno, 0);
	}
	return proof;
}

static const struct dma_fence_token_jobq_ops jb_ours_ops = {
	.run = jb_ours_run,
};

/* Drm_sched ---------------------------------------------------------------- */

static void jb_drm_hw_release(struct dma_fence *fence)
{
	struct jb_drm_job *job = container_of(fence, struct jb_drm_job, hw);

	kfree_rcu(job, hw.rcu);
}

static const struct dma_fence_ops jb_drm_hw_ops = {
	.get_driver_name = jb_fence_name,
	.get_timeline_name = jb_fence_name,
	.release = jb_drm_hw_release,
};

static struct dma_fence *jb_drm_run_job(struct drm_sched_job *sched_job)
{
	struct jb_drm_job *job = container_of(sched_job, struct jb_drm_job, base);
	struct jb_engine *eng = job->eng;

	job->slot->t_run = jb_stamp(eng->side->ctx);
	atomic_inc(&eng->side->run_calls);
	dma_fence_init(&job->hw, &jb_drm_hw_ops, &eng->fence_lock,
		       eng->hw_context, ++eng->hw_seqno);
	job->hw_armed = true;
	/* The scheduler's reference; the job keeps the first until free_job. */
	dma_fence_get(&job->hw);
	if (eng->side->ctx->c->irq) {
		jb_hw_kick(eng, &job->hw_item);
	} else {
		job->slot->t_hw = jb_stamp(eng->side->ctx);
		dma_fence_signal(&job->hw);
	}
	return &job->hw;
}

static enum drm_gpu_sched_stat jb_drm_timedout_job(struct drm_sched_job *sched_job)
{
	return DRM_GPU_SCHED_STAT_NOMINAL;
}

static void jb_drm_free_job(struct drm_sched_job *sched_job)
{
	struct jb_drm_job *job = container_of(sched_job, struct jb_drm_job, base);
	struct jb_side *side = job->eng->side;

	drm_sched_job_cleanup(sched_job);
	/* The scheduler may still hold the hardware fence: its release frees. */
	if (job->hw_armed)
		dma_fence_put(&job->hw);
	else
		kfree(job);
	atomic_inc(&side->free_calls);
	wake_up(&side->free_wait);
}

static const struct drm_sched_backend_ops jb_drm_ops = {
	.run_job = jb_drm_run_job,
	.timedout_job = jb_drm_timedout_job,
	.free_job = jb_drm_free_job,
};

/* Submission --------------------------------------------------------------- */

static void jb_slot_done(struct dma_fence *fence, struct dma_fence_cb *cb)
{
	struct jb_slot *slot = container_of(cb, struct jb_slot, cb);
	struct jb_ctx *ctx = slot->ctx;

	slot->t_done = jb_stamp(ctx);
	if (atomic_dec_and_test(&ctx->remaining))
		complete(&ctx->all_done);
}

/* Before the push: the fence is armed, not signalled (or is, on error). */
static void jb_slot_watch(struct jb_slot *slot)
{
	if (dma_fence_add_callback(slot->fence, &slot->cb, jb_slot_done))
		jb_slot_done(slot->fence, &slot->cb);
}

/*
 * prepare, waiting for completions while the ring is full (it cannot be
 * with every job counted in the window, but a driver must handle it).
 */
static int jb_ours_prepare(struct jb_ctx *ctx, struct jb_ours_job *job,
			   struct jb_engine *eng, unsigned int ndeps,
			   unsigned int i)
{
	unsigned int k, tries;
	int ret;

	for (tries = 0; tries < 1000; tries++) {
		ret = dma_fence_token_job_prepare(&job->base, &eng->q, 1, ndeps);
		if (ret != -ENOSPC)
			return ret;
		for (k = i > JB_WINDOW ? i - JB_WINDOW : 0; k < i; k++) {
			if (!dma_fence_is_signaled(ctx->slots[k].fence)) {
				dma_fence_wait(ctx->slots[k].fence, false);
				break;
			}
		}
		if (k == i)
			cond_resched();
	}
	return -ENOSPC;
}

static void jb_ours_push(struct jb_ours_job *job)
{
	DMA_FENCE_TOKEN(tok);
	struct dma_fence_token_proof proof;

	dma_fence_token_begin(&tok, &job->base.fence);
	dma_fence_token_job_push(&tok, &job->base, &proof);
	dma_fence_token_proof_end(proof, &job->base.fence);
}

static int jb_ours_submit(struct jb_ctx *ctx, struct jb_side *side,
			  unsigned int i)
{
	struct jb_engine *eng = &side->eng[i % side->nq];
	unsigned int d, ndeps = min(i, ctx->c->deps);
	struct jb_slot *slot = &ctx->slots[i];
	struct jb_ours_job *job;
	int ret;

	slot->t_submit = jb_stamp(ctx);
	job = kzalloc(sizeof(*job), GFP_KERNEL);
	if (!job)
		return -ENOMEM;
	side->allocs++;
	job->slot = slot;
	job->eng = eng;
	ret = jb_ours_prepare(ctx, job, eng, ndeps, i);
	if (ret) {
		kfree(job);
		return ret;
	}
	if (ndeps)
		side->allocs++;	/* the in-fence array */
	for (d = 1; d <= ndeps; d++) {
		ret = dma_fence_token_job_add_dep(&job->base, ctx->slots[i - d].fence);
		if (ret) {
			dma_fence_token_job_discard(&job->base);
			kfree(job);
			return ret;
		}
	}

	mutex_lock(&eng->submit_lock);
	dma_fence_token_job_arm(&job->base);
	slot->fence = &job->base.fence;	/* arm's reference, ours */
	jb_slot_watch(slot);
	slot->t_push = jb_stamp(ctx);
	jb_ours_push(job);
	mutex_unlock(&eng->submit_lock);
	return 0;
}

static int jb_drm_submit(struct jb_ctx *ctx, struct jb_side *side,
			 unsigned int i)
{
	struct jb_engine *eng = &side->eng[i % side->nq];
	unsigned int d, ndeps = min(i, ctx->c->deps);
	struct jb_slot *slot = &ctx->slots[i];
	struct jb_drm_job *job;
	int ret;

	slot->t_submit = jb_stamp(ctx);
	job = kzalloc(sizeof(*job), GFP_KERNEL);
	if (!job)
		return -ENOMEM;
	job->slot = slot;
	job->eng = eng;
	ret = DFT_DRM_SCHED_JOB_INIT(&job->base, &eng->entity, 1, side);
	if (ret) {
		kfree(job);
		return ret;
	}
	/* The job and the scheduler fence (drm_sched's kmem_cache). */
	side->allocs += 2;
	for (d = 1; d <= ndeps; d++) {
		/* Consumes the reference, also on error. */
		ret = drm_sched_job_add_dependency(&job->base,
						   dma_fence_get(ctx->slots[i - d].fence));
		if (ret) {
			drm_sched_job_cleanup(&job->base);
			kfree(job);
			return ret;
		}
	}
	/* More than one dependency needs a node of the xarray. */
	if (xa_is_node(rcu_access_pointer(job->base.dependencies.xa_head)))
		side->allocs++;

	mutex_lock(&eng->submit_lock);
	drm_sched_job_arm(&job->base);
	slot->fence = dma_fence_get(&job->base.s_fence->finished);
	jb_slot_watch(slot);
	slot->t_push = jb_stamp(ctx);
	drm_sched_entity_push_job(&job->base);
	mutex_unlock(&eng->submit_lock);
	return 0;
}

/* Runs ------------------------------------------------------------------- */

/* Context switches of every thread so far (idle tasks excepted). */
static u64 jb_context_switches(void)
{
	struct task_struct *g, *t;
	u64 sum = 0;

	rcu_read_lock();
	for_each_process_thread(g, t)
		sum += READ_ONCE(t->nvcsw) + READ_ONCE(t->nivcsw);
	rcu_read_unlock();
	return sum;
}

/* Ours' dispatch counters, summed over the queues of @side. */
static void jb_ours_stats(struct jb_side *side, struct jb_counts *c)
{
	struct dma_fence_token_jobq_stats st;
	unsigned int q;

	c->direct = 0;
	c->deferred = 0;
	c->irq = 0;
	for (q = 0; q < side->nq; q++) {
		dma_fence_token_jobq_get_stats(&side->eng[q].q, &st);
		c->direct += st.direct;
		c->deferred += st.deferred;
		c->irq += st.irq;
	}
}

/*
 * One run of @side: ctx->n jobs, at most @window unsignalled.  Returns
 * the ns from the first submission to the last signal, 0 on failure.
 * Adds the run's counters to @cnt if given.
 */
static u64 jb_run(struct jb_ctx *ctx, struct jb_side *side,
		  unsigned int window, struct jb_counts *cnt)
{
	struct kunit *test = ctx->test;
	struct jb_counts before = {}, after;
	u64 t0, t1, csw;
	unsigned int i, n = ctx->n, wrong = 0;
	int ret = 0;

	memset(ctx->slots, 0, n * sizeof(*ctx->slots));
	for (i = 0; i < n; i++)
		ctx->slots[i].ctx = ctx;
	atomic_set(&ctx->remaining, n);
	reinit_completion(&ctx->all_done);
	side->allocs = 0;
	side->on_hw = 0;
	side->hw_ns = 0;
	atomic_set(&side->run_calls, 0);
	atomic_set(&side->free_calls, 0);
	if (!side->drm)
		jb_ours_stats(side, &before);
	csw = jb_context_switches();

	t0 = ktime_get_ns();
	for (i = 0; i < n; i++) {
		/* Most are signalled: no lock round trip for those. */
		if (i >= window &&
		    !test_bit(DMA_FENCE_FLAG_SIGNALED_BIT, &ctx->slots[i - window].fence->flags))
			dma_fence_wait(ctx->slots[i - window].fence, false);
		ret = side->drm ? jb_drm_submit(ctx, side, i) :
				  jb_ours_submit(ctx, side, i);
		if (ret)
			break;
	}
	if (ret) {
		KUNIT_FAIL(test, "%s: %s: job %u not submitted: %d",
			   ctx->c->name, side->drm ? "drm_sched" : "ours", i, ret);
		/* The jobs that were not submitted will not signal. */
		if (atomic_sub_and_test(n - i, &ctx->remaining))
			complete(&ctx->all_done);
		n = i;
	}
	KUNIT_ASSERT_TRUE_MSG(test, wait_for_completion_timeout(&ctx->all_done, JB_WAIT),
			      "%s: %s: jobs not signalled in %d s", ctx->c->name,
			      side->drm ? "drm_sched" : "ours", JB_WAIT / HZ);
	t1 = ktime_get_ns();
	/* drm_sched frees its jobs after the signal: let it finish. */
	if (side->drm)
		KUNIT_ASSERT_TRUE(test, wait_event_timeout(side->free_wait,
							   atomic_read(&side->free_calls) >= n,
							   JB_WAIT));
	if (ctx->account) {
		unsigned int on_hw;
		u64 hw_ns;

		spin_lock_irq(&side->hw_lock);
		on_hw = side->on_hw;
		hw_ns = side->hw_ns;
		spin_unlock_irq(&side->hw_lock);
		KUNIT_EXPECT_EQ_MSG(test, on_hw, 0,
				    "%s: %s: jobs signalled while on the mock hardware",
				    ctx->c->name, side->drm ? "drm_sched" : "ours");
		KUNIT_EXPECT_LE(test, hw_ns, t1 - t0);
	}

	if (cnt) {
		s64 d = jb_context_switches() - csw;

		/* A thread that exited took its count out of the sum. */
		if (d >= 0) {
			cnt->csw += d;
			cnt->csw_jobs += n;
		}
		cnt->jobs += n;
		cnt->allocs += side->allocs;
		if (side->drm) {
			cnt->run_job += atomic_read(&side->run_calls);
			cnt->free_job += atomic_read(&side->free_calls);
		} else {
			jb_ours_stats(side, &after);
			cnt->direct += after.direct - before.direct;
			cnt->deferred += after.deferred - before.deferred;
			cnt->irq += after.irq - before.irq;
		}
	}

	for (i = 0; i < n; i++) {
		if (dma_fence_get_status(ctx->slots[i].fence) != 1)
			wrong++;
		dma_fence_put(ctx->slots[i].fence);
		ctx->slots[i].fence = NULL;
	}
	KUNIT_EXPECT_EQ_MSG(test, wrong, 0,
			    "%s: %s: %u of %u fences not signalled without error",
			    ctx->c->name, side->drm ? "drm_sched" : "ours", wrong, n);
	/*
	 * drm_sched frees its scheduler fences with call_rcu(): those frees
	 * run now, not in the next run's timed region, which may be ours.
	 * The jobs of both sides go with kfree_rcu(), whose batches
	 * rcu_barrier() does not wait for: each side leaves the other as
	 * many of those.
	 */
	rcu_barrier();
	return ret || wrong ? 0 : max_t(u64, t1 - t0, 1);
}

static int jb_cmp_u64(const void *a, const void *b)
{
	u64 x = *(const u64 *)a, y = *(const u64 *)b;

	return x < y ? -1 : x > y;
}

static u64 jb_median(u64 *v, unsigned int n)
{
	sort(v, n, sizeof(*v), jb_cmp_u64, NULL);
	return v[(n - 1) / 2];
}

/* From @from to @to, 0 if the clock did not move forward. */
static u64 jb_span(u64 from, u64 to)
{
	return to > from ? to - from : 0;
}

/* p50, p99 and max of each kind of latency of the last run's records. */
static void jb_percentiles(struct jb_ctx *ctx, struct jb_lat *lat)
{
	unsigned int i, k, n = ctx->n;
	u64 *v = ctx->lat;

	for (k = 0; k < JB_LAT_KINDS; k++) {
		for (i = 0; i < n; i++) {
			const struct jb_slot *s = &ctx->slots[i];

			v[i] = k == JB_LAT_RUN ? jb_span(s->t_submit, s->t_run) :
			       k == JB_LAT_PUSH ? jb_span(s->t_push, s->t_run) :
			       k == JB_LAT_HW ? jb_span(s->t_run, s->t_hw) :
			       jb_span(s->t_hw, s->t_done);
		}
		sort(v, n, sizeof(*v), jb_cmp_u64, NULL);
		lat->k[k].p50 = v[(n - 1) / 2];
		lat->k[k].p99 = v[(n - 1) * 99 / 100];
		lat->k[k].max = v[n - 1];
	}
}

/* Probe of the dma_fence_signaled tracepoint: every fence signal. */
static void jb_count_signal(void *data, struct dma_fence *fence)
{
	struct jb_ctx *ctx = data;

	atomic_long_inc(&ctx->signals);
}

/*
 * Count every fence signal from now on.  Only the latency runs count:
 * the probe costs both sides, and drm_sched more (three fences a job).
 * Without tracepoints nothing is counted, and the lines say so.
 */
static void jb_count_start(struct jb_ctx *ctx)
{
	if (!IS_ENABLED(CONFIG_TRACEPOINTS))
		return;
	KUNIT_ASSERT_EQ(ctx->test,
			register_trace_dma_fence_signaled(jb_count_signal, ctx), 0);
	ctx->counting = true;
}

static void jb_count_stop(struct jb_ctx *ctx)
{
	if (!ctx->counting)
		return;
	unregister_trace_dma_fence_signaled(jb_count_signal, ctx);
	/* No probe call may still be running on @ctx when it goes. */
	tracepoint_synchronize_unregister();
	ctx->counting = false;
}

static int jb_spinner(void *unused)
{
	while (!kthread_should_stop()) {
		cpu_relax();
		cond_resched();
	}
	return 0;
}

static void jb_spinners_start(struct jb_ctx *ctx)
{
	struct task_struct *t;
	unsigned int cpu;

	ctx->spinners = kcalloc(nr_cpu_ids, sizeof(*ctx->spinners), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(ctx->test, ctx->spinners);
	for_each_online_cpu(cpu) {
		t = kthread_create(jb_spinner, NULL, "dft-jb-spin/%u", cpu);
		KUNIT_ASSERT_FALSE(ctx->test, IS_ERR(t));
		kthread_bind(t, cpu);
		ctx->spinners[cpu] = t;
		wake_up_process(t);
	}
}

static void jb_spinners_stop(struct jb_ctx *ctx)
{
	unsigned int cpu;

	if (!ctx->spinners)
		return;
	for_each_possible_cpu(cpu)
		if (ctx->spinners[cpu])
			kthread_stop(ctx->spinners[cpu]);
	kfree(ctx->spinners);
	ctx->spinners = NULL;
}

/*
 * One latency run per side; @lat[0] ours, @lat[1] drm_sched.  Adds each
 * side's fence signals to @cnt.
 */
static void jb_latency(struct jb_ctx *ctx, bool spin, struct jb_lat *lat,
		       struct jb_counts *cnt)
{
	unsigned int s;

	if (spin)
		jb_spinners_start(ctx);
	jb_count_start(ctx);
	ctx->stamp = true;
	for (s = 0; s < 2; s++) {
		struct jb_counts before = {}, after = {};

		if (!ctx->side[s].drm)
			jb_ours_stats(&ctx->side[s], &before);
		atomic_long_set(&ctx->signals, 0);
		KUNIT_EXPECT_GT(ctx->test, jb_run(ctx, &ctx->side[s], JB_LAT_WINDOW, NULL), 0);
		cnt[s].signals += atomic_long_read(&ctx->signals);
		cnt[s].signal_jobs += ctx->n;
		jb_percentiles(ctx, &lat[s]);
		if (!ctx->side[s].drm)
			jb_ours_stats(&ctx->side[s], &after);
		lat[s].deferred = after.deferred - before.deferred;
	}
	ctx->stamp = false;
	jb_count_stop(ctx);
	if (spin)
		jb_spinners_stop(ctx);
}

/* Setup and teardown ------------------------------------------------------ */

static void jb_engine_init(struct jb_ctx *ctx, struct jb_side *side,
			   struct jb_engine *eng, unsigned int idx)
{
	struct kunit *test = ctx->test;

	eng->side = side;
	spin_lock_init(&eng->lock);
	spin_lock_init(&eng->fence_lock);
	INIT_LIST_HEAD(&eng->pending);
	/* A plain hrtimer: on PREEMPT_RT it expires in softirq context. */
	hrtimer_init(&eng->timer, CLOCK_MONOTONIC, HRTIMER_MODE_REL);
	eng->timer.function = jb_hw_irq;
	mutex_init(&eng->submit_lock);
	eng->hw_context = dma_fence_context_alloc(1);
	snprintf(eng->name, sizeof(eng->name), "dft-jb-%s%u",
		 side->drm ? "drm" : "q", idx);
	side->ready++;

	if (!side->drm) {
		struct dma_fence_token_jobq_args args = {
			.name = eng->name,
			.wq = &side->wq,
			.ops = &jb_ours_ops,
			.fence_ops = &jb_ours_fence_ops,
			.capacity = JB_WINDOW,
			.credit_limit = ctx->c->credit_limit,
			.timeout = JB_TIMEOUT,
			.flags = irq_run ? DMA_FENCE_TOKEN_JOBQ_RUN_IN_IRQ : 0,
		};

		KUNIT_ASSERT_EQ(test, dma_fence_token_jobq_init(&eng->q, &args), 0);
		eng->q_ready = true;
	} else {
		const struct drm_sched_init_args args = {
			.ops = &jb_drm_ops,
			.credit_limit = ctx->c->credit_limit ?: JB_WINDOW,
			.hang_limit = 0,
			.timeout = JB_TIMEOUT,
			.name = eng->name,
			DFT_DRM_SCHED_NUM_RQS
		};

		KUNIT_ASSERT_EQ(test, drm_sched_init(&eng->sched, &args), 0);
		eng->sched_ready = true;
		eng->sched_list = &eng->sched;
		KUNIT_ASSERT_EQ(test, drm_sched_entity_init(&eng->entity,
							    DRM_SCHED_PRIORITY_NORMAL,
							    &eng->sched_list, 1, NULL), 0);
		eng->entity_ready = true;
	}
}

static void jb_side_init(struct jb_ctx *ctx, struct jb_side *side, bool drm)
{
	struct kunit *test = ctx->test;
	unsigned int q;

	side->ctx = ctx;
	side->drm = drm;
	side->nq = ctx->c->deps + 1;
	init_waitqueue_head(&side->free_wait);
	spin_lock_init(&side->hw_lock);
	side->eng = kcalloc(side->nq, sizeof(*side->eng), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, side->eng);
	if (!drm) {
		unsigned int flags = ordered ? DMA_FENCE_TOKEN_WQ_ORDERED : 0;

		KUNIT_ASSERT_EQ(test, dma_fence_token_wq_init(&side->wq,
							      "dft-jobq-bench",
							      flags), 0);
		side->wq_ready = true;
	}
	for (q = 0; q < side->nq; q++)
		jb_engine_init(ctx, side, &side->eng[q], q);
}

static void jb_side_fini(struct jb_side *side)
{
	unsigned int q;

	for (q = 0; q < side->ready; q++) {
		struct jb_engine *eng = &side->eng[q];

		hrtimer_cancel(&eng->timer);
		if (eng->entity_ready)
			drm_sched_entity_destroy(&eng->entity);
		if (eng->sched_ready)
			drm_sched_fini(&eng->sched);
		if (eng->q_ready)
			dma_fence_token_jobq_fini(&eng->q);
	}
	if (side->wq_ready)
		dma_fence_token_wq_fini(&side->wq);
	kfree(side->eng);
	side->eng = NULL;
}

/* See pin: the case's thread, which ends with it, and drm_sched's kthreads. */
static void jb_pin(struct jb_ctx *ctx)
{
	const struct cpumask *cpu0 = cpumask_of(0);
	struct kunit *test = ctx->test;
#ifdef DFT_HAVE_DRM_SCHED_THREAD
	struct jb_side *drm = &ctx->side[1];
	unsigned int q;

	for (q = 0; q < drm->nq; q++)
		KUNIT_ASSERT_EQ(test, set_cpus_allowed_ptr(drm->eng[q].sched.thread, cpu0), 0);
#endif
	KUNIT_ASSERT_EQ(test, set_cpus_allowed_ptr(current, cpu0), 0);
}

static struct jb_ctx *jb_ctx_create(struct kunit *test, const struct jb_case *c)
{
	struct jb_ctx *ctx = kunit_kzalloc(test, sizeof(*ctx), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, ctx);
	test->priv = ctx;
	ctx->test = test;
	ctx->c = c;
	ctx->n = jobs ? clamp_t(unsigned int, jobs, JB_JOBS_MIN, JB_JOBS_MAX) :
		 full ? JB_JOBS_FULL : JB_JOBS_SHORT;
	init_completion(&ctx->all_done);
	ctx->slots = kunit_kcalloc(test, ctx->n, sizeof(*ctx->slots), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, ctx->slots);
	ctx->lat = kunit_kcalloc(test, ctx->n, sizeof(*ctx->lat), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, ctx->lat);
	jb_side_init(ctx, &ctx->side[0], false);
	jb_side_init(ctx, &ctx->side[1], true);
	if (pin)
		jb_pin(ctx);
	return ctx;
}

/* The case ----------------------------------------------------------------- */

/**
 * struct jb_num - a number with three decimals, as text
 * @s: the text
 */
struct jb_num {
	char s[24];
};

/* @milli thousandths as "<int>.<frac>". */
static const char *jb_fmt(struct jb_num *num, u64 milli)
{
	snprintf(num->s, sizeof(num->s), "%llu.%03u", div_u64(milli, 1000),
		 (unsigned int)(milli % 1000));
	return num->s;
}

/* @v per job, in thousandths. */
static u64 jb_per_job(u64 v, u64 jobs)
{
	return div64_u64(v * 1000, max_t(u64, jobs, 1));
}

/* Fence signals per job, "n/a" if none could be counted. */
static const char *jb_fmt_signals(struct jb_num *num, const struct jb_counts *c)
{
	if (!IS_ENABLED(CONFIG_TRACEPOINTS))
		return "n/a";
	return jb_fmt(num, jb_per_job(c->signals, c->signal_jobs));
}

static void jb_print_counts(struct kunit *test, const struct jb_case *c,
			    const struct jb_counts *o, const struct jb_counts *d)
{
	struct jb_num n[11];

	kunit_info(test, "jobq-bench-count: %s ours_direct=%s ours_deferred=%s ours_irq=%s ours_csw=%s ours_allocs=%s ours_signals=%s drm_run_job=%s drm_free_job=%s drm_csw=%s drm_allocs=%s drm_signals=%s\n",
		   c->name, jb_fmt(&n[0], jb_per_job(o->direct, o->jobs)),
		   jb_fmt(&n[1], jb_per_job(o->deferred, o->jobs)),
		   jb_fmt(&n[8], jb_per_job(o->irq, o->jobs)),
		   o->csw_jobs ? jb_fmt(&n[2], jb_per_job(o->csw, o->csw_jobs)) : "n/a",
		   jb_fmt(&n[3], jb_per_job(o->allocs, o->jobs)),
		   jb_fmt_signals(&n[9], o),
		   jb_fmt(&n[4], jb_per_job(d->run_job, d->jobs)),
		   jb_fmt(&n[5], jb_per_job(d->free_job, d->jobs)),
		   d->csw_jobs ? jb_fmt(&n[6], jb_per_job(d->csw, d->csw_jobs)) : "n/a",
		   jb_fmt(&n[7], jb_per_job(d->allocs, d->jobs)),
		   jb_fmt_signals(&n[10], d));
}

/*
 * jobq-bench-lat: <case> <mode> ours_run_p50=... ours_run_p99=...
 * ours_run_max=... drm_run_p50=... and so on for push and done.
 */
static void jb_print_lat(struct kunit *test, const struct jb_case *c,
			 const char *mode, const struct jb_lat *lat)
{
	static const char * const side[2] = { "ours", "drm" };
	char line[1024];
	unsigned int k, s;
	int len;

	len = scnprintf(line, sizeof(line), "%s %s", c->name, mode);
	for (k = 0; k < JB_LAT_KINDS; k++)
		for (s = 0; s < 2; s++)
			len += scnprintf(line + len, sizeof(line) - len,
					 " %s_%s_p50=%llu %s_%s_p99=%llu %s_%s_max=%llu",
					 side[s], jb_lat_names[k], lat[s].k[k].p50,
					 side[s], jb_lat_names[k], lat[s].k[k].p99,
					 side[s], jb_lat_names[k], lat[s].k[k].max);
	/* A stall of a hop holds up the jobs behind it: a p99 by itself. */
	scnprintf(line + len, sizeof(line) - len, " ours_deferred=%llu",
		  lat[0].deferred);
	kunit_info(test, "jobq-bench-lat: %s\n", line);
}

/*
 * Where a job's time goes, per job over the accounting runs: in all,
 * with a job of the side on the mock hardware, and with none (the
 * software between one completion and the next kick).
 */
static void jb_account(struct jb_ctx *ctx)
{
	struct kunit *test = ctx->test;
	u64 wall[2], hw[2];
	unsigned int s;

	ctx->account = true;
	for (s = 0; s < 2; s++) {
		wall[s] = jb_run(ctx, &ctx->side[s], JB_WINDOW, NULL);
		KUNIT_EXPECT_GT(test, wall[s], 0);
		hw[s] = ctx->side[s].hw_ns;
	}
	ctx->account = false;
	for (s = 0; s < 2; s++) {
		/* Hundreds of interrupts of irq_us or more (not in short mode). */
		if (full)
			KUNIT_EXPECT_GT(test, hw[s], 0);
		wall[s] = div_u64(wall[s], ctx->n);
		hw[s] = min(div_u64(hw[s], ctx->n), wall[s]);
	}
	kunit_info(test, "jobq-bench-hw: %s ours_ns=%llu ours_hw_ns=%llu ours_sw_ns=%llu drm_ns=%llu drm_hw_ns=%llu drm_sw_ns=%llu\n",
		   ctx->c->name, wall[0], hw[0], wall[0] - hw[0],
		   wall[1], hw[1], wall[1] - hw[1]);
}

/* Ours' p99 submit to run at most half drm_sched's. */
static bool jb_p99_met(const struct jb_lat *lat)
{
	return lat[0].k[JB_LAT_RUN].p99 * 2 <= lat[1].k[JB_LAT_RUN].p99;
}

/*
 * Scenario: one shape, credit limit and completion mode: interleaved
 * runs of both sides, then the latency runs; prints the lines.  Asserts
 * that every job ran and every fence ended signalled without error, never
 * a timing.
 */
static void jb_case_run(struct kunit *test)
{
	const struct jb_case *c = test->param_value;
	unsigned int r, runs = full ? JB_RUNS_FULL : JB_RUNS_SHORT;
	struct jb_counts cnt[2] = {};
	struct jb_lat idle[2], spin[2];
	struct jb_num num;
	u64 *jps, ours, drm, ratio, ns;
	const char *worker = "n/a";
	struct jb_ctx *ctx;
	unsigned int s;

	ctx = jb_ctx_create(test, c);
	jps = kunit_kcalloc(test, 2 * runs, sizeof(*jps), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, jps);

	if (full)	/* warm up: workers, lock classes, slab caches */
		for (s = 0; s < 2; s++)
			jb_run(ctx, &ctx->side[s], JB_WINDOW, NULL);
	for (r = 0; r < runs; r++) {
		for (s = 0; s < 2; s++) {
			ns = jb_run(ctx, &ctx->side[s], JB_WINDOW, &cnt[s]);
			KUNIT_ASSERT_GT(test, ns, 0);
			jps[s * runs + r] = div64_u64((u64)ctx->n * NSEC_PER_SEC, ns);
		}
	}
	ours = jb_median(jps, runs);
	drm = jb_median(jps + runs, runs);
	KUNIT_EXPECT_GT(test, ours, 0);
	KUNIT_EXPECT_GT(test, drm, 0);
	ratio = div64_u64(ours * 1000, max_t(u64, drm, 1));
	KUNIT_EXPECT_EQ(test, cnt[0].direct + cnt[0].deferred + cnt[0].irq, cnt[0].jobs);
	/* Only the interrupt releases jobs to run in it, and only if asked. */
	if (!irq_run || !c->irq || IS_ENABLED(CONFIG_PREEMPT_RT))
		KUNIT_EXPECT_EQ(test, cnt[0].irq, 0);
	KUNIT_EXPECT_EQ(test, cnt[1].run_job, cnt[1].jobs);

	jb_latency(ctx, false, idle, cnt);
	jb_latency(ctx, true, spin, cnt);
	if (c->irq)
		jb_account(ctx);

	kunit_info(test, "jobq-bench: %s ours_jobs_s=%llu drm_jobs_s=%llu ratio=%s\n",
		   c->name, ours, drm, jb_fmt(&num, ratio));
	jb_print_counts(test, c, &cnt[0], &cnt[1]);
	jb_print_lat(test, c, "idle", idle);
	jb_print_lat(test, c, "spin", spin);
	/* Neither an in-fence nor the credits can hold a job back here. */
	if (!c->deps && (!c->credit_limit || !c->irq))
		worker = cnt[0].deferred ? "missed" : "met";
	kunit_info(test, "jobq-bench-verdict: %s jobs_s=%s p99=%s worker=%s\n",
		   c->name, ratio >= 2000 ? "met" : "missed",
		   jb_p99_met(idle) && jb_p99_met(spin) ? "met" : "missed", worker);
}

static void jb_case_desc(const struct jb_case *c, char *desc)
{
	strscpy(desc, c->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(jb_case, jb_cases, jb_case_desc);

static int jb_test_init(struct kunit *test)
{
	/* KUnit 6.1 reuses one struct kunit for every parameter of a case. */
	test->priv = NULL;
	return 0;
}

static void jb_test_exit(struct kunit *test)
{
	struct jb_ctx *ctx = test->priv;

	if (!ctx)
		return;
	jb_count_stop(ctx);
	jb_spinners_stop(ctx);
	jb_side_fini(&ctx->side[0]);
	jb_side_fini(&ctx->side[1]);
}

static struct kunit_case jb_test_cases[] = {
	KUNIT_CASE_PARAM(jb_case_run, jb_case_gen_params),
	{}
};

static struct kunit_suite jb_suite = {
	.name = "dma_fence_token_jobq_bench",
	.init = jb_test_init,
	.exit = jb_test_exit,
	.test_cases = jb_test_cases,
};

#ifdef MODULE
/*
 * KUnit 6.1 runs the suites of a module before the module's parameters are
 * parsed: run this one from module_init instead, so that full= applies.
 */
static struct kunit_suite *jb_suites[] = { &jb_suite };

static int __init jb_init(void)
{
	/* The parameters in effect, for the tables. */
	pr_info("jobq-bench-config: full=%d jobs=%u irq_us=%u delay_us=%u irq_run=%d ordered=%d pin=%d\n",
		full, jobs, jb_us(irq_us), jb_us(delay_us), irq_run, ordered, pin);
	return __kunit_test_suites_init(jb_suites, ARRAY_SIZE(jb_suites));
}
module_init(jb_init);

static void __exit jb_exit(void)
{
	__kunit_test_suites_exit(jb_suites, ARRAY_SIZE(jb_suites));
	/* Jobs of both sides are freed after a grace period. */
	rcu_barrier();
}
module_exit(jb_exit);
#else
kunit_test_suite(jb_suite);
#endif

MODULE_DESCRIPTION("Benchmark of the DMA fence token job queue against drm_sched");
MODULE_LICENSE("GPL");
