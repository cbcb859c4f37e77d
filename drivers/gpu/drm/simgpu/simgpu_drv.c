// SPDX-License-Identifier: GPL-2.0
/*
 * simgpu: a simulated GPU, the sample driver of the dma_fence signalling
 * token library.  A DRM render node whose files each get a context of
 * several engines; jobs go through the library's job queues to its
 * hardware rings, and hrtimer "interrupts" complete them.  This file: the
 * device, the module, open and close, and the ioctl table.
 */

#include <drm/drm_drv.h>
#include <drm/drm_file.h>
#include <drm/drm_ioctl.h>
#include <drm/simgpu_drm.h>
#include <linux/device.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/platform_device.h>

#include "dma-fence-token-compat.h"
#include "simgpu_drv.h"

/**
 * DOC: Fault injection
 *
 * Module parameters, read when the module loads; the device's copies are
 * writable at run time as the debugfs files of the same name in the DRM
 * device's directory (dri/<minor>/, the directory whose name file starts
 * with "simgpu"):
 *
 * - engines: engines of every file opened from now on (1 to 16, default 4)
 * - timeout_ms: ring timeout of every file opened from now on (1 to 5000,
 *   default 200; below the token tracker's watchdog limit)
 * - latency_us: dispatch to start of a job on an idle engine (default 20)
 * - max_files: files open at once on the device (default 64, at most
 *   1024); an open beyond it fails with -EMFILE.  Each file owns a
 *   signalling queue with its rescuer thread and its engines' rings: the
 *   cap bounds what unprivileged users can make the kernel hold through
 *   the render node, whatever their number of processes.
 * - hang_ppm, lost_irq_ppm, error_ppm: jobs per million that hang, lose
 *   their completion interrupt or complete with -EIO, for jobs submitted
 *   without a fault flag and without SIMGPU_SUBMIT_NO_RANDOM (default 0)
 *
 * The debugfs file stats shows the driver's counters (&struct
 * simgpu_stats), one "name value" pair a line; the library's own, ring
 * timeouts and closes included, are in dma_fence_token/stats.
 */

static struct simgpu_knobs simgpu_params = {
	.engines = 4,
	.timeout_ms = 200,
	.latency_us = 20,
	.max_files = 64,
};

module_param_named(engines, simgpu_params.engines, uint, 0444);
MODULE_PARM_DESC(engines, "Engines per file (1-16)");
module_param_named(timeout_ms, simgpu_params.timeout_ms, uint, 0444);
MODULE_PARM_DESC(timeout_ms, "Ring timeout in ms");
module_param_named(max_files, simgpu_params.max_files, uint, 0444);
MODULE_PARM_DESC(max_files, "Files open at once (1-1024)");
module_param_named(latency_us, simgpu_params.latency_us, uint, 0444);
MODULE_PARM_DESC(latency_us, "Dispatch latency in us");
module_param_named(hang_ppm, simgpu_params.hang_ppm, uint, 0444);
MODULE_PARM_DESC(hang_ppm, "Jobs per million that hang");
module_param_named(lost_irq_ppm, simgpu_params.lost_irq_ppm, uint, 0444);
MODULE_PARM_DESC(lost_irq_ppm, "Jobs per million whose interrupt is lost");
module_param_named(error_ppm, simgpu_params.error_ppm, uint, 0444);
MODULE_PARM_DESC(error_ppm, "Jobs per million that complete with -EIO");

static struct platform_device *simgpu_pdev;
static struct simgpu_device *simgpu_dev;

static int simgpu_open(struct drm_device *dev, struct drm_file *file)
{
	struct simgpu_device *sdev = to_simgpu_device(dev);
	unsigned int max = clamp_t(u32, READ_ONCE(sdev->knobs.max_files), 1, 1024);
	struct simgpu_file *sf;

	if (atomic_inc_return(&sdev->open_files) > max) {
		atomic_dec(&sdev->open_files);
		return -EMFILE;
	}
	sf = simgpu_file_create(sdev);
	if (IS_ERR(sf)) {
		atomic_dec(&sdev->open_files);
		return PTR_ERR(sf);
	}
	file->driver_priv = sf;
	return 0;
}

static void simgpu_postclose(struct drm_device *dev, struct drm_file *file)
{
	struct simgpu_device *sdev = to_simgpu_device(dev);

	simgpu_file_destroy(file->driver_priv);
	file->driver_priv = NULL;
	atomic_dec(&sdev->open_files);
}

static int simgpu_ioctl_get_param(struct drm_device *dev, void *data,
				  struct drm_file *file)
{
	struct simgpu_file *sf = file->driver_priv;
	struct drm_simgpu_get_param *args = data;

	if (args->pad)
		return -EINVAL;
	switch (args->param) {
	case SIMGPU_PARAM_UAPI_VERSION:
		args->value = SIMGPU_UAPI_VERSION;
		break;
	case SIMGPU_PARAM_NUM_ENGINES:
		args->value = sf->num_engines;
		break;
	case SIMGPU_PARAM_TIMEOUT_MS:
		args->value = sf->timeout_ms;
		break;
	case SIMGPU_PARAM_RING_SIZE:
		args->value = SIMGPU_RING_SIZE;
		break;
	default:
		return -EINVAL;
	}
	return 0;
}

static const struct drm_ioctl_desc simgpu_ioctls[] = {
	DRM_IOCTL_DEF_DRV(SIMGPU_GET_PARAM, simgpu_ioctl_get_param, DRM_RENDER_ALLOW),
	DRM_IOCTL_DEF_DRV(SIMGPU_SUBMIT, simgpu_ioctl_submit, DRM_RENDER_ALLOW),
};

static const struct file_operations simgpu_fops = {
	.owner = THIS_MODULE,
	.open = drm_open,
	.release = drm_release,
	.unlocked_ioctl = drm_ioctl,
	.compat_ioctl = drm_compat_ioctl,
	.poll = drm_poll,
	.read = drm_read,
	.llseek = noop_llseek,
	DFT_FOP_FLAGS
};

static const struct drm_driver simgpu_drm_driver = {
	.driver_features = DRIVER_RENDER,
	.open = simgpu_open,
	.postclose = simgpu_postclose,
	.debugfs_init = simgpu_debugfs_init,
	.ioctls = simgpu_ioctls,
	.num_ioctls = ARRAY_SIZE(simgpu_ioctls),
	.fops = &simgpu_fops,
	.name = "simgpu",
	.desc = "Simulated GPU for dma_fence signalling tokens",
	.date = "20261127",
	.major = 1,
	.minor = 0,
};

static int __init simgpu_init(void)
{
	int ret;

	simgpu_pdev = platform_device_register_simple("simgpu", -1, NULL, 0);
	if (IS_ERR(simgpu_pdev))
		return PTR_ERR(simgpu_pdev);
	if (!devres_open_group(&simgpu_pdev->dev, NULL, GFP_KERNEL)) {
		ret = -ENOMEM;
		goto err_pdev;
	}
	simgpu_dev = devm_drm_dev_alloc(&simgpu_pdev->dev, &simgpu_drm_driver,
					struct simgpu_device, drm);
	if (IS_ERR(simgpu_dev)) {
		ret = PTR_ERR(simgpu_dev);
		goto err_group;
	}
	simgpu_dev->knobs = simgpu_params;
	ret = drm_dev_register(&simgpu_dev->drm, 0);
	if (ret)
		goto err_group;
	return 0;

err_group:
	devres_release_group(&simgpu_pdev->dev, NULL);
err_pdev:
	platform_device_unregister(simgpu_pdev);
	return ret;
}

static void __exit simgpu_exit(void)
{
	drm_dev_unregister(&simgpu_dev->drm);
	devres_release_group(&simgpu_pdev->dev, NULL);
	platform_device_unregister(simgpu_pdev);
}

module_init(simgpu_init);
module_exit(simgpu_exit);

MODULE_DESCRIPTION("Simulated GPU, sample driver of the dma_fence signalling tokens");
MODULE_LICENSE("GPL");
