// SPDX-License-Identifier: GPL-2.0
/*
 * simgpu: debugfs files in the DRM device's directory, the knobs of the
 * "Fault injection" DOC section and the driver's counters.
 */

#include <drm/drm_file.h>
#include <linux/debugfs.h>
#include <linux/seq_file.h>
#include <linux/stddef.h>

#include "simgpu_drv.h"

#define SIMGPU_STAT(field) { #field, offsetof(struct simgpu_stats, field) }

static const struct {
	const char *name;
	size_t offset;
} simgpu_stat_names[] = {
	SIMGPU_STAT(submitted),
	SIMGPU_STAT(signalled),
	SIMGPU_STAT(ok),
	SIMGPU_STAT(eio),
	SIMGPU_STAT(timedout),
	SIMGPU_STAT(cancelled),
	SIMGPU_STAT(other),
	SIMGPU_STAT(hangs),
	SIMGPU_STAT(lost_irqs),
	SIMGPU_STAT(errors),
	SIMGPU_STAT(irqs),
	SIMGPU_STAT(dumps),
	SIMGPU_STAT(timeouts),
	SIMGPU_STAT(resets),
	SIMGPU_STAT(jobs_direct),
	SIMGPU_STAT(jobs_deferred),
	SIMGPU_STAT(jobs_irq),
	SIMGPU_STAT(jobs_cancelled),
	SIMGPU_STAT(files),
	SIMGPU_STAT(live_jobs),
};

static int simgpu_stats_show(struct seq_file *m, void *unused)
{
	struct simgpu_device *sdev = m->private;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(simgpu_stat_names); i++) {
		atomic64_t *v = (void *)&sdev->stats + simgpu_stat_names[i].offset;

		seq_printf(m, "%s %lld\n", simgpu_stat_names[i].name,
			   (long long)atomic64_read(v));
	}
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(simgpu_stats);

/**
 * simgpu_debugfs_init - &drm_driver.debugfs_init
 * @minor: a minor of the device
 *
 * Creates the knobs and stats in @minor's debugfs directory.  Depending on
 * the kernel that is called for each minor, with a directory each, or for
 * the primary minor alone, whose directory the render minor's links to.
 * The DRM core removes the files with the directory.
 */
void simgpu_debugfs_init(struct drm_minor *minor)
{
	struct simgpu_device *sdev = to_simgpu_device(minor->dev);
	struct simgpu_knobs *k = &sdev->knobs;
	struct dentry *root = minor->debugfs_root;

	debugfs_create_u32("engines", 0644, root, &k->engines);
	debugfs_create_u32("timeout_ms", 0644, root, &k->timeout_ms);
	debugfs_create_u32("latency_us", 0644, root, &k->latency_us);
	debugfs_create_u32("max_files", 0644, root, &k->max_files);
	debugfs_create_u32("hang_ppm", 0644, root, &k->hang_ppm);
	debugfs_create_u32("lost_irq_ppm", 0644, root, &k->lost_irq_ppm);
	debugfs_create_u32("error_ppm", 0644, root, &k->error_ppm);
	debugfs_create_file("stats", 0444, root, sdev, &simgpu_stats_fops);
}
