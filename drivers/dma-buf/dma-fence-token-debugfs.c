// SPDX-License-Identifier: GPL-2.0
/*
 * Fence signalling tokens: the tracker's debugfs files (see the DOC section
 * "Obligations, watchdog and debugfs").  Above the tracker: it only reads
 * it.
 */

#include <linux/debugfs.h>
#include <linux/dma-fence-token.h>
#include <linux/seq_file.h>
#include <kunit/visibility.h>

#include "dma-fence-token-internal.h"

static const char * const dft_path_key[] = {
	/* Discharged through no path: withdrawn (a job pushed twice). */
	[DMA_FENCE_TOKEN_PATH_NONE] = "withdrawn",
	[DMA_FENCE_TOKEN_PATH_SIGNAL] = "discharged_signal",
	[DMA_FENCE_TOKEN_PATH_PROMISE] = "discharged_promise",
	[DMA_FENCE_TOKEN_PATH_WORKQUEUE] = "discharged_workqueue",
	[DMA_FENCE_TOKEN_PATH_HARDWARE] = "discharged_hardware",
};

static_assert(ARRAY_SIZE(dft_path_key) == DMA_FENCE_TOKEN_PATH_COUNT);

/**
 * dma_fence_token_stats_show - print the tracker's counters
 * @m: seq_file to print to
 * @unused: unused
 *
 * The show function of debugfs ``stats``: one "name value" line each.
 *
 * Context: process context.
 * Return: 0.
 */
int dma_fence_token_stats_show(struct seq_file *m, void *unused)
{
	struct dma_fence_token_stats s;
	unsigned int i;

	dma_fence_token_get_stats(&s);
	seq_printf(m, "created %llu\n", s.created);
	for (i = DMA_FENCE_TOKEN_PATH_SIGNAL; i < DMA_FENCE_TOKEN_PATH_COUNT; i++)
		seq_printf(m, "%s %llu\n", dft_path_key[i], s.discharged[i]);
	seq_printf(m, "%s %llu\n", dft_path_key[DMA_FENCE_TOKEN_PATH_NONE],
		   s.discharged[DMA_FENCE_TOKEN_PATH_NONE]);
	seq_printf(m, "opportunistic %llu\n", s.opportunistic);
	for (i = 0; i < DMA_FENCE_TOKEN_MISUSE_COUNT; i++)
		seq_printf(m, "misuse_%s %llu\n",
			   dma_fence_token_debug_misuse_key(i), s.misuse[i]);
	seq_printf(m, "promises_pending %llu\n", s.promises_pending);
	seq_printf(m, "promises_kept %llu\n", s.promises_kept);
	seq_printf(m, "promises_broken %llu\n", s.promises_broken);
	seq_printf(m, "promises_untracked %llu\n", s.promises_untracked);
	seq_printf(m, "timeouts %llu\n", s.timeouts);
	seq_printf(m, "ring_closes %llu\n", s.ring_closes);
	seq_printf(m, "watchdog_reports %llu\n", s.watchdog_reports);
	seq_printf(m, "obligations_live %llu\n", s.obligations_live);
	seq_printf(m, "obligations_records %llu\n", s.obligations_records);
	seq_printf(m, "obligations_cached %llu\n", s.obligations_cached);
	seq_printf(m, "untracked %llu\n", s.untracked);
	seq_printf(m, "watchdog_ms %u\n", dma_fence_token_debug_watchdog_ms());
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(dma_fence_token_stats_show);

DEFINE_SHOW_ATTRIBUTE(dma_fence_token_obligations);
DEFINE_SHOW_ATTRIBUTE(dma_fence_token_stats);

static int dft_watchdog_ms_get(void *data, u64 *val)
{
	*val = dma_fence_token_debug_watchdog_ms();
	return 0;
}

static int dft_watchdog_ms_store(void *data, u64 val)
{
	if (val > UINT_MAX)
		return -EINVAL;
	dma_fence_token_set_watchdog_ms(val);
	return 0;
}

DEFINE_DEBUGFS_ATTRIBUTE(dft_watchdog_ms_fops, dft_watchdog_ms_get,
			 dft_watchdog_ms_store, "%llu\n");

static struct dentry *dft_debugfs;

/* Module init: the files under /sys/kernel/debug/dma_fence_token/. */
void dma_fence_token_debugfs_init(void)
{
	dft_debugfs = debugfs_create_dir("dma_fence_token", NULL);
	debugfs_create_file("obligations", 0444, dft_debugfs, NULL,
			    &dma_fence_token_obligations_fops);
	debugfs_create_file("stats", 0444, dft_debugfs, NULL,
			    &dma_fence_token_stats_fops);
	debugfs_create_file_unsafe("watchdog_ms", 0644, dft_debugfs, NULL,
				   &dft_watchdog_ms_fops);
}

/* Module exit, before the tracker goes. */
void dma_fence_token_debugfs_exit(void)
{
	debugfs_remove_recursive(dft_debugfs);
}
