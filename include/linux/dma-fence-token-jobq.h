/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Job queues: jobs with in-fences and credits, run in seqno order on one
 * hardware ring, built from a signalling queue and the ring.  See the "Job
 * queues" DOC section of Documentation/driver-api/dma-fence-token.rst.
 */
#ifndef __LINUX_DMA_FENCE_TOKEN_JOBQ_H
#define __LINUX_DMA_FENCE_TOKEN_JOBQ_H

#include <linux/atomic.h>
#include <linux/dma-fence-token-ring.h>
#include <linux/list.h>
#include <linux/spinlock.h>

struct dma_fence_token_job;
struct dma_fence_token_jobq;

/* Flags of &struct dma_fence_token_jobq_args. */
/* A job whose in-fence failed is not run: its fence gets that error. */
#define DMA_FENCE_TOKEN_JOBQ_DEP_ERRORS	BIT(0)
/*
 * The run callback may run in interrupt context: a job that a ring
 * completion reported from an interrupt releases runs there.
 */
#define DMA_FENCE_TOKEN_JOBQ_RUN_IN_IRQ	BIT(1)
/* Jobs one interrupt runs, at most, before the signalling queue takes over. */
#define DMA_FENCE_TOKEN_JOBQ_IRQ_BUDGET	16

/**
 * struct dma_fence_token_jobq_ops - driver callbacks of a job queue
 * @run: the job's in-fences are signalled, its credits are taken and every
 *	earlier job of the queue went to the ring: hand it to the hardware.
 *	Receives a live token for the job's fence inside a fence signalling
 *	section, either in the submitter's context (inside
 *	dma_fence_token_job_push()) or on the queue's signalling workqueue,
 *	or with %DMA_FENCE_TOKEN_JOBQ_RUN_IN_IRQ in the interrupt that
 *	completed what the job waited for; it must not allocate with
 *	GFP_KERNEL, take a dma_resv lock or wait for a fence.  It discharges @tok, normally with
 *	dma_fence_token_job_to_ring() followed by the doorbell, and returns
 *	the proof.  A job the driver refuses ends with
 *	dma_fence_token_job_fail(), which keeps the timeline's signal order
 *	(a plain dma_fence_token_signal() would not).  Annotate it
 *	__releases(tok).
 * @timedout: the ring's timeout callback, see
 *	&dma_fence_token_ring_ops.timedout; @job is the hung job.  May be
 *	%NULL.
 */
struct dma_fence_token_jobq_ops {
	struct dma_fence_token_proof (*run)(struct dma_fence_token_job *job,
					    struct dma_fence_token *tok);
	void (*timedout)(struct dma_fence_token_jobq *q,
			 struct dma_fence_token_job *job);
};

/**
 * struct dma_fence_token_jobq_args - what a job queue is built from
 * @name: name for reports and the ring; kept by pointer
 * @wq: signalling queue that runs jobs that cannot run at once and the
 *	ring's timeout; must outlive the job queue; may be shared by queues
 * @ops: driver callbacks; @ops->run is required
 * @fence_ops: ops of the jobs' fences; their release frees the job
 * @capacity: jobs prepared and not signalled yet, at most (ring slots)
 * @credit_limit: credits of the jobs on the ring, at most; 0 means
 *	@capacity
 * @timeout: jiffies without progress before the oldest job counts as hung
 * @flags: 0, or %DMA_FENCE_TOKEN_JOBQ_DEP_ERRORS and
 *	%DMA_FENCE_TOKEN_JOBQ_RUN_IN_IRQ
 */
struct dma_fence_token_jobq_args {
	const char *name;
	struct dma_fence_token_wq *wq;
	const struct dma_fence_token_jobq_ops *ops;
	const struct dma_fence_ops *fence_ops;
	unsigned int capacity;
	unsigned int credit_limit;
	unsigned long timeout;
	unsigned int flags;
};

/**
 * struct dma_fence_token_jobq_stats - what a job queue did, for debugfs and tests
 * @direct: jobs dispatched in the submitter's context, no worker hop
 *	(including those that then fail or are cancelled instead of running)
 * @deferred: jobs dispatched on the signalling queue, one hop (likewise)
 * @irq: jobs dispatched in the interrupt that released them, no worker
 *	hop (%DMA_FENCE_TOKEN_JOBQ_RUN_IN_IRQ; likewise)
 * @dep_failed: jobs not run because an in-fence failed
 * @cancelled: jobs cancelled without running (ring closed, teardown)
 * @refused: pushes refused (a job not armed on this queue)
 */
struct dma_fence_token_jobq_stats {
	unsigned long direct;
	unsigned long deferred;
	unsigned long irq;
	unsigned long dep_failed;
	unsigned long cancelled;
	unsigned long refused;
};

/**
 * struct dma_fence_token_jobq - jobs in seqno order onto one hardware ring
 * @ring: the hardware ring; its lock is the lock of every job's fence
 * @lock: protects the members below up to @stats; taken in any context,
 *	inside fence callbacks (so after a fence's lock), never around a
 *	fence lock of its own or a fence callback registration
 * @fifo: jobs pushed and not handed to the ring yet, in seqno order
 * @running: the job at the head of @fifo that was released to run (on
 *	the signalling queue or in an interrupt), or %NULL; jobs behind it
 *	wait for it
 * @credits_used: credits of jobs that ran and whose fence is not
 *	signalled yet
 * @pushed_seqno: seqno of the last job pushed
 * @pushing: pushes between their two steps and jobs released to an
 *	interrupt's batch and not run yet (teardown waits for both)
 * @dead: dma_fence_token_jobq_fini() began: nothing runs any more
 * @stats: counters
 * @seqno: seqno of the last job armed; written by
 *	dma_fence_token_job_arm(), which the driver serialises
 * @context: fence context of the queue's timeline
 * @wq: the signalling queue
 * @ops: driver callbacks
 * @fence_ops: ops of the jobs' fences
 * @name: name for reports
 * @credit_limit: see &struct dma_fence_token_jobq_args
 * @flags: see &struct dma_fence_token_jobq_args
 *
 * One timeline and one ring per queue; a driver with several rings makes
 * a queue per ring, and they may share one signalling queue.
 */
struct dma_fence_token_jobq {
	struct dma_fence_token_ring ring;
	spinlock_t lock;	/* see above */
	struct list_head fifo;
	struct dma_fence_token_job *running;
	unsigned int credits_used;
	u64 pushed_seqno;
	unsigned int pushing;
	bool dead;
	struct dma_fence_token_jobq_stats stats;
	u64 seqno;
	u64 context;
	struct dma_fence_token_wq *wq;
	const struct dma_fence_token_jobq_ops *ops;
	const struct dma_fence_ops *fence_ops;
	const char *name;
	unsigned int credit_limit;
	unsigned int flags;
};

/**
 * struct dma_fence_token_job_dep - an in-fence of a job
 * @cb: callback on @fence, registered by dma_fence_token_job_arm()
 * @fence: the in-fence (a reference)
 * @job: the job
 * @armed: @cb is registered and has not run yet; cleared by the callback
 *	(under the queue's lock) or by its removal
 */
struct dma_fence_token_job_dep {
	struct dma_fence_cb cb;
	struct dma_fence *fence;
	struct dma_fence_token_job *job;
	bool armed;
};

/**
 * struct dma_fence_token_job - a job of a job queue, embedded in the driver's job
 * @fence: the job's fence, initialised by dma_fence_token_job_arm() on the
 *	ring's lock and the queue's timeline; its refcount is the job's
 * @work: signalling work item that holds the job's obligation while it
 *	waits (in-fences, credits, earlier jobs)
 * @done_cb: returns the credits when @fence signals
 * @queue: the job queue
 * @link: entry in &dma_fence_token_jobq.fifo; protected by the queue's lock
 * @irq_link: entry in the batch of the interrupt that released the job
 * @in_fifo: on the queue's fifo (which holds a fence reference); protected
 *	by the queue's lock
 * @credits_taken: the job's credits count in the queue's; protected by the
 *	queue's lock
 * @signalled: @done_cb ran; protected by the queue's lock
 * @on_ring: dma_fence_token_job_to_ring() used the job's ring slot
 * @state: where the job is: prepared, armed, pushed, in its run callback
 *	or past it (for misuse checks)
 * @run_tok: the token its run callback received, while it runs (for
 *	misuse checks)
 * @credits: credits the job needs on the ring
 * @pending: in-fences not signalled yet, plus one until the push is done
 * @dep_error: first error of an in-fence, or 0
 * @ring_closes: the ring's close count when the job was armed: a close
 *	after it cancels the job if it has not reached the ring
 * @num_deps: in-fences added
 * @max_deps: entries of @deps
 * @deps: the in-fences, allocated by dma_fence_token_job_prepare()
 */
struct dma_fence_token_job {
	struct dma_fence fence;
	struct dma_fence_token_wq_item work;
	struct dma_fence_cb done_cb;
	struct dma_fence_token_jobq *queue;
	struct list_head link;
	struct list_head irq_link;
	bool in_fifo;
	bool credits_taken;
	bool signalled;
	bool on_ring;
	unsigned int state;
	struct dma_fence_token *run_tok;
	unsigned int credits;
	atomic_t pending;
	int dep_error;
	unsigned long ring_closes;
	unsigned int num_deps;
	unsigned int max_deps;
	struct dma_fence_token_job_dep *deps;
};

int __dma_fence_token_jobq_init(struct dma_fence_token_jobq *q,
				const struct dma_fence_token_jobq_args *args,
				struct lock_class_key *ring_key,
				struct lock_class_key *key);

/**
 * dma_fence_token_jobq_init - set up a job queue and its hardware ring
 * @q: queue to initialise
 * @args: what it is built from, see &struct dma_fence_token_jobq_args
 *
 * The ring's lock and the queue's lock get a lockdep class per call site.
 *
 * Context: process context, allocates with GFP_KERNEL.
 * Return: 0, -EINVAL for missing ops or queue, a zero capacity, a credit
 * limit above the capacity or no timeout, -ENOMEM.
 */
#define dma_fence_token_jobq_init(q, args)				\
({									\
	static struct lock_class_key __dft_jobq_ring_key;		\
	static struct lock_class_key __dft_jobq_key;			\
									\
	__dma_fence_token_jobq_init((q), (args), &__dft_jobq_ring_key,	\
				    &__dft_jobq_key);			\
})

void dma_fence_token_jobq_fini(struct dma_fence_token_jobq *q);
void dma_fence_token_jobq_get_stats(struct dma_fence_token_jobq *q,
				    struct dma_fence_token_jobq_stats *stats);

/**
 * dma_fence_token_jobq_ring - the hardware ring of a job queue
 * @q: the queue
 *
 * For completions (dma_fence_token_ring_complete()), closes and reopens
 * after a reset (dma_fence_token_ring_close(), dma_fence_token_ring_reopen()).
 * Transfers to it go through dma_fence_token_job_to_ring().
 *
 * Return: the ring.
 */
static inline struct dma_fence_token_ring *
dma_fence_token_jobq_ring(struct dma_fence_token_jobq *q)
{
	return &q->ring;
}

/**
 * to_dma_fence_token_job - the job a fence of a job queue belongs to
 * @fence: a fence armed by dma_fence_token_job_arm()
 *
 * Return: the job.
 */
static inline struct dma_fence_token_job *to_dma_fence_token_job(struct dma_fence *fence)
{
	return container_of(fence, struct dma_fence_token_job, fence);
}

int __must_check dma_fence_token_job_prepare(struct dma_fence_token_job *job,
					     struct dma_fence_token_jobq *q,
					     unsigned int credits,
					     unsigned int max_deps);
int __must_check dma_fence_token_job_add_dep(struct dma_fence_token_job *job,
					     struct dma_fence *fence);
void dma_fence_token_job_arm(struct dma_fence_token_job *job);
void dma_fence_token_job_push(struct dma_fence_token *tok,
			      struct dma_fence_token_job *job,
			      struct dma_fence_token_proof *proof)
	__releases(tok);
void dma_fence_token_job_discard(struct dma_fence_token_job *job);
void dma_fence_token_job_fail(struct dma_fence_token *tok,
			      struct dma_fence_token_job *job, int error,
			      struct dma_fence_token_proof *proof)
	__releases(tok);
int __must_check dma_fence_token_job_to_ring(struct dma_fence_token *tok,
					     struct dma_fence_token_job *job,
					     struct dma_fence_token_proof *proof)
	__releases(tok);

#endif /* __LINUX_DMA_FENCE_TOKEN_JOBQ_H */
