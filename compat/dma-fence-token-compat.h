/* SPDX-License-Identifier: GPL-2.0 */
/*
 * One source for Linux 6.1 and 6.12: what differs between the kernels the
 * project builds on, decided by what the kernel defines, never by its
 * version number.  Upstream, this header would not exist.
 *
 * Compile probes (compat/probes/<name>.c, run by the root Kbuild; a probe
 * that compiles defines DFT_HAVE_<NAME>):
 *
 * - assign_str_field_only: __assign_str() takes the field alone (v6.10).
 * - alloc_workqueue_lockdep_map: a workqueue with its creator's lockdep
 *   map (v6.11; only with CONFIG_LOCKDEP).
 * - drm_sched_job_init_client_id: drm_sched_job_init() takes credits, the
 *   owner and a DRM client id (Debian's 6.12); Debian's 6.1 takes the
 *   owner alone.
 * - drm_sched_init_args_num_rqs: struct drm_sched_init_args has num_rqs
 *   (Debian's 6.12); Debian's 6.1 has the structure without it.
 * - drm_sched_thread: a drm_gpu_scheduler runs its jobs on a kthread of
 *   its own (Debian's 6.1); Debian's 6.12 runs them on a workqueue.
 *
 * Macros the kernel defines:
 *
 * - FOP_UNSIGNED_OFFSET: file_operations carry fop_flags, and DRM's open
 *   refuses a file without this flag (v6.12).
 * - KUNIT_CASE_SLOW: KUnit marks cases that take more than a second
 *   (v6.6).
 */
#ifndef _DMA_FENCE_TOKEN_COMPAT_H
#define _DMA_FENCE_TOKEN_COMPAT_H

/* The headers that define the macros tested below, whatever came before. */
#include <linux/fs.h>
#if IS_ENABLED(CONFIG_KUNIT)
#include <kunit/test.h>
#endif

/*
 * dft_assign_str(field, src) - copy @src into a __string() field; @src
 * must be what __string() was given.  Since v6.10 __assign_str() copies
 * that on its own, and @src is not evaluated.
 */
#ifdef DFT_HAVE_ASSIGN_STR_FIELD_ONLY
#define dft_assign_str(field, src)				\
	do {							\
		(void)sizeof(src);				\
		__assign_str(field);				\
	} while (0)
#else
#define dft_assign_str(field, src) __assign_str(field, src)
#endif

/* DFT_FOP_FLAGS - file_operations initializer for a DRM driver's fops. */
#ifdef FOP_UNSIGNED_OFFSET
#define DFT_FOP_FLAGS .fop_flags = FOP_UNSIGNED_OFFSET,
#else
#define DFT_FOP_FLAGS
#endif

/* DFT_KUNIT_CASE_SLOW(case) - a case that runs for seconds. */
#ifdef KUNIT_CASE_SLOW
#define DFT_KUNIT_CASE_SLOW(test_name) KUNIT_CASE_SLOW(test_name)
#else
#define DFT_KUNIT_CASE_SLOW(test_name) KUNIT_CASE(test_name)
#endif

/*
 * DFT_DRM_SCHED_JOB_INIT(job, entity, credits, owner) - drm_sched_job_init()
 * of a job that needs @credits of its scheduler's credit limit.  Without
 * the credits argument every job needs one: @credits must be 1 there.
 * The caller includes <drm/gpu_scheduler.h>.
 */
#ifdef DFT_HAVE_DRM_SCHED_JOB_INIT_CLIENT_ID
#define DFT_DRM_SCHED_JOB_INIT(job, entity, credits, owner)		\
	drm_sched_job_init((job), (entity), (credits), (owner), 0)
#else
#define DFT_DRM_SCHED_JOB_INIT(job, entity, credits, owner)		\
	({								\
		WARN_ON((credits) != 1);				\
		drm_sched_job_init((job), (entity), (owner));		\
	})
#endif

/*
 * DFT_DRM_SCHED_NUM_RQS - initializer of struct drm_sched_init_args for a
 * scheduler with a run queue per priority, where the number is an
 * argument.
 */
#ifdef DFT_HAVE_DRM_SCHED_INIT_ARGS_NUM_RQS
#define DFT_DRM_SCHED_NUM_RQS .num_rqs = DRM_SCHED_PRIORITY_COUNT,
#else
#define DFT_DRM_SCHED_NUM_RQS
#endif

#endif /* _DMA_FENCE_TOKEN_COMPAT_H */
