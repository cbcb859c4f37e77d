/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * Userspace interface of simgpu, the sample driver of the dma_fence
 * signalling token library: a simulated GPU with several engines.
 */
#ifndef __UAPI_SIMGPU_DRM_H__
#define __UAPI_SIMGPU_DRM_H__

#include "drm.h"

#if defined(__cplusplus)
extern "C" {
#endif

/* Version of this interface, returned by SIMGPU_PARAM_UAPI_VERSION. */
#define SIMGPU_UAPI_VERSION		1

/* Most in-fences one job may wait for. */
#define SIMGPU_MAX_IN_FENCES		8
/* Longest duration one job may ask for, in nanoseconds. */
#define SIMGPU_MAX_DURATION_NS		100000000ULL

#define DRM_SIMGPU_GET_PARAM		0x00
#define DRM_SIMGPU_SUBMIT		0x01

/* Parameters of DRM_IOCTL_SIMGPU_GET_PARAM. */
#define SIMGPU_PARAM_UAPI_VERSION	0	/* SIMGPU_UAPI_VERSION */
#define SIMGPU_PARAM_NUM_ENGINES	1	/* engines of this file */
#define SIMGPU_PARAM_TIMEOUT_MS		2	/* ring timeout of this file */
#define SIMGPU_PARAM_RING_SIZE		3	/* jobs in flight per engine */

/**
 * struct drm_simgpu_get_param - query a parameter
 * @param: in, one of SIMGPU_PARAM_*; unknown values give -EINVAL
 * @pad: must be zero
 * @value: out, the value
 */
struct drm_simgpu_get_param {
	__u32 param;
	__u32 pad;
	__u64 value;
};

/* Faults the simulated hardware injects into a job; at most one. */
#define SIMGPU_SUBMIT_HANG		(1u << 0)	/* never completes */
#define SIMGPU_SUBMIT_LOST_IRQ		(1u << 1)	/* completion not reported */
#define SIMGPU_SUBMIT_ERROR		(1u << 2)	/* completes with -EIO */
#define SIMGPU_SUBMIT_FAULTS		(SIMGPU_SUBMIT_HANG | \
					 SIMGPU_SUBMIT_LOST_IRQ | \
					 SIMGPU_SUBMIT_ERROR)
/* Do not add a random fault from the driver's fault injection rates. */
#define SIMGPU_SUBMIT_NO_RANDOM		(1u << 3)
#define SIMGPU_SUBMIT_FLAGS		(SIMGPU_SUBMIT_FAULTS | \
					 SIMGPU_SUBMIT_NO_RANDOM)

/**
 * struct drm_simgpu_submit - submit a job to an engine
 * @size: in, sizeof(struct drm_simgpu_submit) as userspace knows it; only
 *	the size of version 1 is accepted
 * @engine: in, engine index, below SIMGPU_PARAM_NUM_ENGINES
 * @flags: in, SIMGPU_SUBMIT_* flags
 * @num_in_fences: in, number of entries of @in_fences, at most
 *	SIMGPU_MAX_IN_FENCES
 * @in_fences: in, pointer to an array of __s32 sync_file fds the job
 *	waits for before it runs
 * @duration_ns: in, how long the engine works on the job, at most
 *	SIMGPU_MAX_DURATION_NS
 * @out_fence: out, a sync_file fd for the job's fence
 * @faults: out, the faults injected into the job (SIMGPU_SUBMIT_FAULTS
 *	bits): those requested in @flags, or one chosen at random by the
 *	driver's fault injection rates
 * @seqno: out, the seqno of the job's fence on its engine's timeline
 * @reserved: must be zero
 *
 * Returns 0, or -EINVAL (unknown flag, more than one fault, non-zero @pad
 * or @reserved, wrong @size, engine out of range, too many in-fences, a
 * too long duration, an in-fence fd that is not a sync_file), -EFAULT
 * (@in_fences not readable), -EBADF (an in-fence fd that is not open),
 * -EAGAIN (the engine has SIMGPU_PARAM_RING_SIZE jobs in flight, or is
 * still cancelling the jobs of a timeout: wait for some out-fences and
 * retry) or -ENOMEM.  Opening the device fails with -EMFILE while the
 * driver's max_files files are open.
 */
struct drm_simgpu_submit {
	__u32 size;
	__u32 engine;
	__u32 flags;
	__u32 num_in_fences;
	__u64 in_fences;
	__u64 duration_ns;
	__s32 out_fence;
	__u32 faults;
	__u64 seqno;
	__u64 reserved[2];
};

#define DRM_IOCTL_SIMGPU_GET_PARAM \
	DRM_IOWR(DRM_COMMAND_BASE + DRM_SIMGPU_GET_PARAM, struct drm_simgpu_get_param)
#define DRM_IOCTL_SIMGPU_SUBMIT \
	DRM_IOWR(DRM_COMMAND_BASE + DRM_SIMGPU_SUBMIT, struct drm_simgpu_submit)

#if defined(__cplusplus)
}
#endif

#endif /* __UAPI_SIMGPU_DRM_H__ */
