// SPDX-License-Identifier: GPL-2.0
/*
 * simgpu: a simulated GPU, the sample driver of the dma_fence signalling
 * token library.  A DRM render node whose files each get a context of
 * several engines; jobs go through the library's signalling workqueue to
 * its hardware rings, and hrtimer "interrupts" complete them.
 */

#include <drm/drm_drv.h>
#include <drm/drm_file.h>
#include <drm/drm_ioctl.h>
#include <drm/simgpu_drm.h>
#include <linux/debugfs.h>
#include <linux/device.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/platform_device.h>
#include <linux/seq_file.h>

#include "dma-fence-token-compat.h"
#include "simgpu_drv.h"

/**
 * DOC: Fault injection
 *
 * Module parameters, also writable at run time as the debugfs files of the
 * same name in simgpu/:
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
 * simgpu/stats shows the driver's counters, one "name value" pair a
 * line; the library's own are in dma_fence_token/stats.
 */

struct simgpu_knobs simgpu_knobs = {
	.engines = 4,
	.timeout_ms = 200,
	.latency_us = 20,
	.max_files = 64,
};

struct simgpu_stats simgpu_stats;

module_param_named(engines, simgpu_knobs.engines, uint, 0644);
MODULE_PARM_DESC(engines, "Engines per file (1-16)");
module_param_named(timeout_ms, simgpu_knobs.timeout_ms, uint, 0644);
MODULE_PARM_DESC(timeout_ms, "Ring timeout in ms");
module_param_named(max_files, simgpu_knobs.max_files, uint, 0644);
MODULE_PARM_DESC(max_files, "Files open at once (1-1024)");
module_param_named(latency_us, simgpu_knobs.latency_us, uint, 0644);
MODULE_PARM_DESC(latency_us, "Dispatch latency in us");
module_param_named(hang_ppm, simgpu_knobs.hang_ppm, uint, 0644);
MODULE_PARM_DESC(hang_ppm, "Jobs per million that hang");
module_param_named(lost_irq_ppm, simgpu_knobs.lost_irq_ppm, uint, 0644);
MODULE_PARM_DESC(lost_irq_ppm, "Jobs per million whose interrupt is lost");
module_param_named(error_ppm, simgpu_knobs.error_ppm, uint, 0644);
MODULE_PARM_DESC(error_ppm, "Jobs per million that complete with -EIO");

static struct platform_device *simgpu_pdev;
static struct simgpu_device *simgpu_dev;
static struct dentry *simgpu_debugfs;
static atomic_t simgpu_file_ids = ATOMIC_INIT(0);
static atomic_t simgpu_open_files = ATOMIC_INIT(0);

static int simgpu_open(struct drm_device *dev, struct drm_file *file)
{
	unsigned int max = clamp_t(u32, READ_ONCE(simgpu_knobs.max_files), 1, 1024);
	struct simgpu_file *sf;

	if (atomic_inc_return(&simgpu_open_files) > max) {
		atomic_dec(&simgpu_open_files);
		return -EMFILE;
	}
	sf = simgpu_file_create(atomic_inc_return(&simgpu_file_ids));
	if (IS_ERR(sf)) {
		atomic_dec(&simgpu_open_files);
		return PTR_ERR(sf);
	}
	file->driver_priv = sf;
	return 0;
}

static void simgpu_postclose(struct drm_device *dev, struct drm_file *file)
{
	simgpu_file_destroy(file->driver_priv);
	file->driver_priv = NULL;
	atomic_dec(&simgpu_open_files);
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
	.ioctls = simgpu_ioctls,
	.num_ioctls = ARRAY_SIZE(simgpu_ioctls),
	.fops = &simgpu_fops,
	.name = "simgpu",
	.desc = "Simulated GPU for dma_fence signalling tokens",
	.date = "20261127",
	.major = 1,
	.minor = 0,
};

static int simgpu_stats_show(struct seq_file *m, void *unused)
{
#define SHOW(name) seq_printf(m, #name " %lld\n", atomic64_read(&simgpu_stats.name))
	SHOW(submitted);
	SHOW(signalled);
	SHOW(ok);
	SHOW(eio);
	SHOW(timedout);
	SHOW(cancelled);
	SHOW(other);
	SHOW(hangs);
	SHOW(lost_irqs);
	SHOW(errors);
	SHOW(irqs);
	SHOW(dumps);
	SHOW(timeouts);
	SHOW(resets);
	SHOW(ring_closes);
	SHOW(files);
	SHOW(live_jobs);
#undef SHOW
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(simgpu_stats);

static void simgpu_debugfs_init(void)
{
	simgpu_debugfs = debugfs_create_dir("simgpu", NULL);
	debugfs_create_u32("engines", 0644, simgpu_debugfs, &simgpu_knobs.engines);
	debugfs_create_u32("timeout_ms", 0644, simgpu_debugfs, &simgpu_knobs.timeout_ms);
	debugfs_create_u32("latency_us", 0644, simgpu_debugfs, &simgpu_knobs.latency_us);
	debugfs_create_u32("max_files", 0644, simgpu_debugfs, &simgpu_knobs.max_files);
	debugfs_create_u32("hang_ppm", 0644, simgpu_debugfs, &simgpu_knobs.hang_ppm);
	debugfs_create_u32("lost_irq_ppm", 0644, simgpu_debugfs,
			   &simgpu_knobs.lost_irq_ppm);
	debugfs_create_u32("error_ppm", 0644, simgpu_debugfs, &simgpu_knobs.error_ppm);
	debugfs_create_file("stats", 0444, simgpu_debugfs, NULL, &simgpu_stats_fops);
}

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
	ret = drm_dev_register(&simgpu_dev->drm, 0);
	if (ret)
		goto err_group;
	simgpu_debugfs_init();
	return 0;

err_group:
	devres_release_group(&simgpu_pdev->dev, NULL);
err_pdev:
	platform_device_unregister(simgpu_pdev);
	return ret;
}

static void __exit simgpu_exit(void)
{
	debugfs_remove_recursive(simgpu_debugfs);
	drm_dev_unregister(&simgpu_dev->drm);
	devres_release_group(&simgpu_pdev->dev, NULL);
	platform_device_unregister(simgpu_pdev);
}

module_init(simgpu_init);
module_exit(simgpu_exit);

MODULE_DESCRIPTION("Simulated GPU, sample driver of the dma_fence signalling tokens");
MODULE_LICENSE("GPL");
