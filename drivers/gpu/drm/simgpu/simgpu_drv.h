/* SPDX-License-Identifier: GPL-2.0 */
/*
 * simgpu: a simulated GPU built on the dma_fence signalling token library.
 * Declarations shared by the driver's files.
 */
#ifndef __SIMGPU_DRV_H__
#define __SIMGPU_DRV_H__

#include <drm/drm_device.h>
#include <linux/atomic.h>
#include <linux/dma-fence-token-jobq.h>
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

/**
 * struct simgpu_stats - device counters, shown in the debugfs file stats
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
 * @jobs_direct: jobs of closed files that ran in the submit ioctl, no
 *	worker hop (the job queues' counters, added up at postclose)
 * @jobs_deferred: jobs of closed files that ran on the signalling queue
 * @jobs_irq: jobs of closed files that ran in the completion interrupt
 *	that released them, no worker hop
 * @jobs_cancelled: jobs of closed files cancelled before they ran (ring
 *	closed by a timeout, or the file closed)
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
	atomic64_t jobs_direct;
	atomic64_t jobs_deferred;
	atomic64_t jobs_irq;
	atomic64_t jobs_cancelled;
	atomic64_t files;
	atomic64_t live_jobs;
};

/**
 * struct simgpu_device - the simulated GPU
 * @drm: the DRM device (render node)
 * @knobs: fault injection and timing, from the module parameters at load
 *	time, then from debugfs
 * @stats: counters
 * @file_ids: last number given to a file, for the timeline names
 * @open_files: files open, at most @knobs.max_files
 *
 * Every job's fence holds a module reference, and every file a reference
 * of the DRM device: the device outlives its files and fences.
 */
struct simgpu_device {
	struct drm_device drm;
	struct simgpu_knobs knobs;
	struct simgpu_stats stats;
	atomic_t file_ids;
	atomic_t open_files;
};

static inline struct simgpu_device *to_simgpu_device(struct drm_device *drm)
{
	return container_of(drm, struct simgpu_device, drm);
}

struct simgpu_file;

/**
 * struct simgpu_engine - one engine of a file's context
 * @file: the context the engine belongs to
 * @index: engine number
 * @name: timeline name, "simgpu-<file>-e<index>"
 * @queue: the engine's job queue; it owns the engine's hardware ring, whose
 *	lock is the lock of the engine's fences
 * @submit_lock: serialises arm and push of the engine's jobs (seqno order
 *	is push order) and engine resets; never held around a fence wait
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
	struct dma_fence_token_jobq queue;
	struct mutex submit_lock;	/* see above */
	spinlock_t hw_lock;	/* see above */
	ktime_t busy_until;
	bool dead;
	struct list_head hw_jobs;
	struct hrtimer irq;
};

/**
 * struct simgpu_file - per-file context: its own engines and signalling queue
 * @ref: held by the file and by every job; the fences of the jobs use the
 *	rings' locks, so the memory stays until the last fence is freed
 * @sdev: the device
 * @wq: signalling queue shared by the engines' job queues: the jobs that
 *	wait, and the rings' timeouts
 * @num_engines: entries of @engines
 * @timeout_ms: ring timeout
 * @rcu: frees the context after the last fence is gone
 * @engines: the engines
 */
struct simgpu_file {
	struct kref ref;
	struct simgpu_device *sdev;
	struct dma_fence_token_wq wq;
	unsigned int num_engines;
	u32 timeout_ms;
	struct rcu_head rcu;
	struct simgpu_engine engines[];
};

/**
 * struct simgpu_job - a job of an engine
 * @base: the job queue's part: the job's fence (the job's refcount), its
 *	in-fences and its place in the queue
 * @done_cb: counts the signal in &simgpu_stats
 * @engine: the engine
 * @hw_link: entry in &simgpu_engine.hw_jobs
 * @end: when the simulated engine finishes the job
 * @faults: SIMGPU_SUBMIT_FAULTS bits injected
 * @duration_ns: how long the engine works on the job
 */
struct simgpu_job {
	struct dma_fence_token_job base;
	struct dma_fence_cb done_cb;
	struct simgpu_engine *engine;
	struct list_head hw_link;
	ktime_t end;
	u32 faults;
	u64 duration_ns;
};

static inline struct simgpu_job *to_simgpu_job(struct dma_fence_token_job *job)
{
	return container_of(job, struct simgpu_job, base);
}

static inline struct simgpu_stats *simgpu_engine_stats(struct simgpu_engine *engine)
{
	return &engine->file->sdev->stats;
}

struct drm_file;
struct drm_minor;

/* simgpu_file.c */
struct simgpu_file *simgpu_file_create(struct simgpu_device *sdev);
void simgpu_file_destroy(struct simgpu_file *sf);
void simgpu_file_put(struct simgpu_file *sf);

/* simgpu_engine.c */
int simgpu_engine_init(struct simgpu_engine *engine, struct simgpu_file *sf,
		       unsigned int index, unsigned int file_id);
void simgpu_engine_fini(struct simgpu_engine *engine);
void simgpu_engine_start(struct simgpu_engine *engine, struct simgpu_job *job);
void simgpu_engine_clear(struct simgpu_engine *engine, bool dead);
int simgpu_engine_reset(struct simgpu_engine *engine);
void simgpu_engine_timedout(struct dma_fence_token_jobq *q,
			    struct dma_fence_token_job *hung);
u32 simgpu_engine_pick_faults(struct simgpu_device *sdev, u32 flags);

/* simgpu_job.c */
extern const struct dma_fence_token_jobq_ops simgpu_jobq_ops;
extern const struct dma_fence_ops simgpu_fence_ops;
int simgpu_ioctl_submit(struct drm_device *dev, void *data,
			struct drm_file *file);

/* simgpu_debugfs.c */
void simgpu_debugfs_init(struct drm_minor *minor);

#endif /* __SIMGPU_DRV_H__ */
