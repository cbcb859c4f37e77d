/* SPDX-License-Identifier: GPL-2.0 */
/*
 * simgpu: a simulated GPU built on the dma_fence signalling token library.
 * Declarations shared by the driver's files.
 */
#ifndef __SIMGPU_DRV_H__
#define __SIMGPU_DRV_H__

#include <drm/drm_device.h>
#include <linux/atomic.h>
#include <linux/dma-fence-token-ring.h>
#include <linux/hrtimer.h>
#include <linux/kref.h>
#include <linux/mutex.h>
#include <linux/rcupdate.h>
#include <linux/spinlock.h>

#define SIMGPU_MAX_ENGINES	16
#define SIMGPU_RING_SIZE	256

/**
 * struct simgpu_knobs - fault injection and timing, module parameters and
 * debugfs files of the same name
 * @engines: engines of each file opened from now on
 * @timeout_ms: ring timeout of each file opened from now on
 * @latency_us: time from dispatch to the start of a job on an idle engine
 * @hang_ppm: jobs per million that hang
 * @lost_irq_ppm: jobs per million whose completion interrupt is lost
 * @error_ppm: jobs per million that complete with -EIO
 * @max_files: files open at once on the device
 *
 * Read with READ_ONCE(): debugfs writes them at any time.
 */
struct simgpu_knobs {
	u32 engines;
	u32 timeout_ms;
	u32 latency_us;
	u32 hang_ppm;
	u32 lost_irq_ppm;
	u32 error_ppm;
	u32 max_files;
};

extern struct simgpu_knobs simgpu_knobs;

/**
 * struct simgpu_stats - device counters, shown in debugfs simgpu/stats
 * @submitted: jobs submitted
 * @signalled: job fences signalled (counted by a callback on each fence)
 * @ok: fences signalled without error
 * @eio: fences signalled with -EIO (error completion)
 * @timedout: fences signalled with -ETIMEDOUT
 * @cancelled: fences signalled with -ECANCELED
 * @other: fences signalled with any other error
 * @hangs: hangs injected
 * @lost_irqs: completion interrupts dropped
 * @errors: error completions injected
 * @irqs: completion interrupts raised
 * @dumps: core dumps taken by the timeout handler
 * @timeouts: ring timeouts (the driver's timedout callback)
 * @resets: engine resets (a closed ring reopened)
 * @ring_closes: ring closes by timeout or teardown, counted at teardown
 * @files: files open
 * @live_jobs: jobs allocated and not freed yet
 */
struct simgpu_stats {
	atomic64_t submitted;
	atomic64_t signalled;
	atomic64_t ok;
	atomic64_t eio;
	atomic64_t timedout;
	atomic64_t cancelled;
	atomic64_t other;
	atomic64_t hangs;
	atomic64_t lost_irqs;
	atomic64_t errors;
	atomic64_t irqs;
	atomic64_t dumps;
	atomic64_t timeouts;
	atomic64_t resets;
	atomic64_t ring_closes;
	atomic64_t files;
	atomic64_t live_jobs;
};

extern struct simgpu_stats simgpu_stats;

/**
 * struct simgpu_device - the simulated GPU
 * @drm: the DRM device (render node)
 */
struct simgpu_device {
	struct drm_device drm;
};

struct simgpu_file;
struct simgpu_job;

/**
 * struct simgpu_engine - one engine of a file's context: a hardware ring
 * @file: the context the engine belongs to
 * @index: engine number
 * @name: timeline name, "simgpu-<file>-e<index>"
 * @ring: the hardware ring; its lock is the lock of the engine's fences
 * @context: fence context of the engine's timeline
 * @submit_lock: serialises submits: seqno order is ring order; never held
 *	around a fence wait
 * @seqno: last seqno handed out; protected by @submit_lock
 * @fifo_lock: protects @last and the &simgpu_job.next and
 *	&simgpu_job.dispatched fields of the engine's jobs
 * @last: newest job submitted and not dispatched yet (holds a reference)
 * @hw_lock: protects the simulated hardware state below; taken in the
 *	hrtimer (hard interrupt) handler
 * @busy_until: when the engine finishes the last job dispatched to it
 * @dead: teardown started: nothing is dispatched or completed any more
 * @hw_jobs: jobs on the engine, oldest first (each holds a reference)
 * @irq: the engine's completion interrupt, armed for the end of the
 *	oldest job in @hw_jobs; not armed while the engine is idle or stuck
 *	on a hung job
 */
struct simgpu_engine {
	struct simgpu_file *file;
	unsigned int index;
	char name[32];
	struct dma_fence_token_ring ring;
	u64 context;
	struct mutex submit_lock;	/* see above */
	u64 seqno;
	spinlock_t fifo_lock;	/* see above */
	struct simgpu_job *last;
	spinlock_t hw_lock;	/* see above */
	ktime_t busy_until;
	bool dead;
	struct list_head hw_jobs;
	struct hrtimer irq;
};

/**
 * struct simgpu_file - per-file context: its own engines and run queue
 * @ref: held by the file and by every job; the fences of the jobs use the
 *	rings' locks, so the memory stays until the last fence is freed
 * @wq: signalling queue: run work of the jobs and the rings' timeouts
 * @lock: protects @waiting and @closing
 * @waiting: jobs submitted and not dispatched yet (hold a reference)
 * @closing: postclose took over @waiting
 * @num_engines: entries of @engines
 * @timeout_ms: ring timeout
 * @rcu: frees the context after the last fence is gone
 * @engines: the engines
 */
struct simgpu_file {
	struct kref ref;
	struct dma_fence_token_wq wq;
	spinlock_t lock;	/* see above */
	struct list_head waiting;
	bool closing;
	unsigned int num_engines;
	u32 timeout_ms;
	struct rcu_head rcu;
	struct simgpu_engine engines[];
};

/**
 * struct simgpu_dep - an in-fence a job waits for
 * @cb: callback on @fence
 * @fence: the in-fence (a reference)
 * @job: the waiting job
 */
struct simgpu_dep {
	struct dma_fence_cb cb;
	struct dma_fence *fence;
	struct simgpu_job *job;
};

/**
 * struct simgpu_job - a job and its fence
 * @base: the job's fence, on its engine's ring lock; the job's refcount
 * @work: run work: hands the job to the engine's ring
 * @done_cb: counts the signal in &simgpu_stats
 * @engine: the engine
 * @link: entry in &simgpu_file.waiting
 * @hw_link: entry in &simgpu_engine.hw_jobs
 * @end: when the simulated engine finishes the job
 * @next: the engine's next job, released when this one is dispatched;
 *	protected by &simgpu_engine.fifo_lock (holds a reference)
 * @dispatched: handed to the ring (or refused); protected by
 *	&simgpu_engine.fifo_lock
 * @pending: what the job still waits for: its in-fences, the dispatch of
 *	the engine's previous job and the submit ioctl itself
 * @faults: SIMGPU_SUBMIT_FAULTS bits injected
 * @duration_ns: how long the engine works on the job
 * @num_deps: entries of @deps
 * @deps: the in-fences
 */
struct simgpu_job {
	struct dma_fence base;
	struct dma_fence_token_wq_item work;
	struct dma_fence_cb done_cb;
	struct simgpu_engine *engine;
	struct list_head link;
	struct list_head hw_link;
	ktime_t end;
	struct simgpu_job *next;
	bool dispatched;
	atomic_t pending;
	u32 faults;
	u64 duration_ns;
	unsigned int num_deps;
	struct simgpu_dep deps[];
};

struct drm_file;

struct simgpu_file *simgpu_file_create(unsigned int id);
void simgpu_file_destroy(struct simgpu_file *sf);
int simgpu_ioctl_submit(struct drm_device *dev, void *data,
			struct drm_file *file);

#endif /* __SIMGPU_DRV_H__ */
