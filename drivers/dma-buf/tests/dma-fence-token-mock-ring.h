/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Mock hardware ring for the KUnit suites, modelled on the drm_sched mock
 * scheduler: a real &struct dma_fence_token_ring and signalling queue, jobs
 * whose completion is driven by hand (mock_ring_complete()) or by hrtimer
 * "interrupts" (mock_job_irq()), with fault injection.
 */
#ifndef __DMA_FENCE_TOKEN_MOCK_RING_H
#define __DMA_FENCE_TOKEN_MOCK_RING_H

#include <kunit/test.h>
#include <linux/atomic.h>
#include <linux/dma-fence-token-ring.h>
#include <linux/hrtimer.h>
#include <linux/ktime.h>
#include <linux/slab.h>

/**
 * enum mock_fault - what the simulated hardware does with a job
 * @MOCK_OK: completes, one interrupt
 * @MOCK_HANG: never completes; nothing after it on the ring completes
 * @MOCK_LOST_IRQ: completes, but its interrupt never arrives
 * @MOCK_LATE_IRQ: its interrupt arrives after the ring's timeout
 * @MOCK_DUP_IRQ: its interrupt arrives twice
 * @MOCK_ERROR: completes with -EIO
 */
enum mock_fault {
	MOCK_OK,
	MOCK_HANG,
	MOCK_LOST_IRQ,
	MOCK_LATE_IRQ,
	MOCK_DUP_IRQ,
	MOCK_ERROR,
};

struct mock_ring;

/**
 * struct mock_job - a job on the mock ring
 * @base: the job's fence, on the ring's lock
 * @cb: counting callback
 * @signalled: times @cb ran
 * @mr: the ring
 * @fault: injected fault
 * @irq: the job's completion interrupt
 */
struct mock_job {
	struct dma_fence base;
	struct dma_fence_cb cb;
	atomic_t signalled;
	struct mock_ring *mr;
	enum mock_fault fault;
	struct hrtimer irq;
};

/**
 * struct mock_ring - a hardware ring with its timeout queue
 * @wq: signalling queue for the timeout handler
 * @ring: the ring
 * @context: fence context of the ring's jobs
 * @seqno: last seqno handed out
 * @hw_seqno: last seqno the simulated hardware completed by hand
 * @timedout: times the driver's timeout handler ran
 * @timedout_hook: extra work for the timeout handler (tests)
 * @irq_hook: extra work for the interrupt handler (tests), interrupt context
 * @release_hook: extra work when a job's fence is released (tests), where
 *	its last reference goes
 */
struct mock_ring {
	struct dma_fence_token_wq wq;
	struct dma_fence_token_ring ring;
	u64 context;
	u64 seqno;
	u64 hw_seqno;
	atomic_t timedout;
	void (*timedout_hook)(struct mock_ring *mr, struct dma_fence *hung);
	void (*irq_hook)(struct mock_job *job);
	void (*release_hook)(struct mock_job *job);
};

static inline const char *mock_job_driver_name(struct dma_fence *f)
{
	return "dft-mock-ring";
}

static inline const char *mock_job_timeline_name(struct dma_fence *f)
{
	struct mock_job *job = container_of(f, struct mock_job, base);

	return job->mr->ring.name;
}

static inline void mock_job_release(struct dma_fence *f)
{
	struct mock_job *job = container_of(f, struct mock_job, base);

	if (job->mr->release_hook)
		job->mr->release_hook(job);
	dma_fence_free(f);
}

static const struct dma_fence_ops mock_job_ops = {
	.get_driver_name = mock_job_driver_name,
	.get_timeline_name = mock_job_timeline_name,
	.release = mock_job_release,
};

static inline void mock_job_cb(struct dma_fence *f, struct dma_fence_cb *cb)
{
	atomic_inc(&container_of(cb, struct mock_job, cb)->signalled);
}

static inline void mock_ring_timedout(struct dma_fence_token_ring *ring,
				      struct dma_fence *hung)
{
	struct mock_ring *mr = container_of(ring, struct mock_ring, ring);

	atomic_inc(&mr->timedout);
	if (mr->timedout_hook)
		mr->timedout_hook(mr, hung);
}

static const struct dma_fence_token_ring_ops mock_ring_ops = {
	.timedout = mock_ring_timedout,
};

/* A ring of @capacity slots whose oldest job hangs after @timeout jiffies. */
static inline int mock_ring_init(struct mock_ring *mr, const char *name,
				 unsigned int capacity, unsigned long timeout)
{
	int ret;

	memset(mr, 0, sizeof(*mr));
	ret = dma_fence_token_wq_init(&mr->wq, "dft-mock-ring-wq", 0);
	if (ret)
		return ret;
	ret = dma_fence_token_ring_init(&mr->ring, name, capacity, timeout,
					&mr->wq, &mock_ring_ops);
	if (ret) {
		dma_fence_token_wq_fini(&mr->wq);
		return ret;
	}
	mr->context = dma_fence_context_alloc(1);
	return 0;
}

static inline void mock_ring_fini(struct mock_ring *mr)
{
	dma_fence_token_ring_fini(&mr->ring);
	dma_fence_token_wq_fini(&mr->wq);
}

/*
 * The simulated interrupt: report the job's completion.  The timer is not
 * a _HARD one: it expires in hard interrupt context, except on PREEMPT_RT,
 * where it runs in a thread as a real driver's interrupt handler does, and
 * lockdep checks it as such (PROVE_RAW_LOCK_NESTING).
 */
static inline enum hrtimer_restart mock_job_irq_fn(struct hrtimer *t)
{
	struct mock_job *job = container_of(t, struct mock_job, irq);
	struct dma_fence_token_ring *ring = &job->mr->ring;

	if (job->mr->irq_hook)
		job->mr->irq_hook(job);
	switch (job->fault) {
	case MOCK_HANG:
	case MOCK_LOST_IRQ:
		break;
	case MOCK_ERROR:
		dma_fence_token_ring_complete(ring, job->base.seqno, -EIO);
		break;
	case MOCK_DUP_IRQ:
		dma_fence_token_ring_complete(ring, job->base.seqno, 0);
		fallthrough;
	default:
		dma_fence_token_ring_complete(ring, job->base.seqno, 0);
		break;
	}
	return HRTIMER_NORESTART;
}

/*
 * First half of a submit: allocate and initialise a job and reserve its
 * slot.  Returns the job with a reference for the caller, or an ERR_PTR;
 * if the reservation fails (*@ret) the fence is signalled already.
 */
static inline struct mock_job *mock_job_prepare(struct mock_ring *mr,
						enum mock_fault fault, int *ret)
{
	struct mock_job *job;

	job = kzalloc(sizeof(*job), GFP_KERNEL);
	if (!job)
		return ERR_PTR(-ENOMEM);
	job->mr = mr;
	job->fault = fault;
	hrtimer_init(&job->irq, CLOCK_MONOTONIC, HRTIMER_MODE_REL);
	job->irq.function = mock_job_irq_fn;
	dma_fence_init(&job->base, &mock_job_ops, dma_fence_token_ring_lock(&mr->ring),
		       mr->context, ++mr->seqno);
	if (dma_fence_add_callback(&job->base, &job->cb, mock_job_cb))
		atomic_inc(&job->signalled);

	*ret = dma_fence_token_ring_reserve(&mr->ring, 1);
	if (*ret)
		dma_fence_signal(&job->base);
	return job;
}

/* A job of odd seqno goes through a scoped token, the others a plain one. */
static inline int mock_job_publish_scoped(struct mock_job *job)
{
	DMA_FENCE_TOKEN(tok);
	struct dma_fence_token_proof proof;
	int ret;

	dma_fence_token_begin(&tok, &job->base);
	ret = dma_fence_token_ring_push(&tok, &job->mr->ring, &proof);
	dma_fence_token_proof_end(proof, &job->base);
	return ret;
}

/*
 * Second half: the fence is published, the ring owes its signal.  Any
 * context.  Returns the transfer's result.
 */
static inline int mock_job_publish(struct mock_job *job)
{
	struct dma_fence_token tok = {};
	struct dma_fence_token_proof proof;
	int ret;

	if (job->base.seqno & 1)
		return mock_job_publish_scoped(job);
	dma_fence_token_begin(&tok, &job->base);
	ret = dma_fence_token_ring_push(&tok, &job->mr->ring, &proof);
	dma_fence_token_proof_end(proof, &job->base);
	return ret;
}

/*
 * Submit a job: reserve a slot, begin its token, hand it to the ring.
 * Returns the job with a reference for the caller, or an ERR_PTR.
 */
static inline struct mock_job *mock_job_submit(struct mock_ring *mr,
					       enum mock_fault fault, int *ret)
{
	struct mock_job *job = mock_job_prepare(mr, fault, ret);

	if (!IS_ERR(job) && !*ret)
		*ret = mock_job_publish(job);
	return job;
}

/*
 * The hardware finishes its next @n jobs and raises one interrupt for all
 * of them, by hand (process context).  Returns the fences signalled.
 */
static inline unsigned int mock_ring_advance(struct mock_ring *mr, unsigned int n)
{
	mr->hw_seqno = min(mr->hw_seqno + n, mr->seqno);
	return dma_fence_token_ring_complete(&mr->ring, mr->hw_seqno, 0);
}

/* Raise the job's interrupt after @delay_ns, unless it hangs. */
static inline void mock_job_irq(struct mock_job *job, u64 delay_ns)
{
	if (job->fault == MOCK_HANG)
		return;
	hrtimer_start(&job->irq, ns_to_ktime(delay_ns), HRTIMER_MODE_REL);
}

static inline void mock_job_put(struct mock_job *job)
{
	hrtimer_cancel(&job->irq);
	dma_fence_put(&job->base);
}

/* Wait (outside any signalling section) until the job's fence is signalled. */
static inline bool mock_job_wait(struct mock_job *job, unsigned int ms)
{
	return dma_fence_wait_timeout(&job->base, false, msecs_to_jiffies(ms)) > 0;
}

#endif /* __DMA_FENCE_TOKEN_MOCK_RING_H */
