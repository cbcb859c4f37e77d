// SPDX-License-Identifier: GPL-2.0
/*
 * Benchmarks: every discharge path of the fence signalling token layer
 * against the plain dma_fence calls it stands for, side by side in one boot.
 *
 * Each pair has a token side (A, "ours") and a raw side (B).  A round runs
 * one batch of A and one of B, in alternating order (A then B in even
 * rounds, B then A in odd ones).  The batch size is calibrated first, on the
 * raw side, so that a batch lasts a few milliseconds, and is the same for
 * both sides and every round.  Each round gives a ratio A/B of the two
 * batch times; the figure of a pair is the median of those per-round ratios
 * (and the median per-fence time of each side).  Time is ktime_get_ns()
 * around the timed region only; nothing global is disabled and the kernel
 * runs with its configured preemption model.
 *
 * What is inside the timed region, per pair (fences and work items are
 * preallocated once; everything else is said below):
 *
 * signal-now:       A: dma_fence_init() + dma_fence_token_begin() +
 *                   dma_fence_token_signal(, 0) + dma_fence_token_proof_end()
 *                   B: dma_fence_init() + dma_fence_signal()
 * signal-callback:  the same, with dma_fence_add_callback() of one callback
 *                   after dma_fence_init() on both sides
 * queue:            A: dma_fence_init() + begin + dma_fence_token_wq_queue()
 *                   per fence, the item's callback signals with
 *                   dma_fence_token_signal(); B: dma_fence_init() +
 *                   queue_work() on a WQ_MEM_RECLAIM workqueue, the item
 *                   calls dma_fence_signal().  Both up to the completion
 *                   that the last item of the batch fires.
 * queue-ref:        A as in queue; B as in queue, plus the fence reference
 *                   that A's item holds (dma_fence_get() before
 *                   queue_work(), dma_fence_put() at the end of the item).
 *                   No target: it shows what the queue pair costs beyond
 *                   that reference.
 * ring-complete-16: fences already on the ring (A: begun and handed over
 *                   with dma_fence_token_ring_push(); B: initialised) outside
 *                   the timed region; A: one dma_fence_token_ring_complete()
 *                   per 16 fences, B: dma_fence_signal() per fence.
 * ring-close-1000:  1,000 pending fences, handed over (A) or initialised
 *                   (B) outside the timed region; A: one
 *                   dma_fence_token_ring_close(), B: dma_fence_set_error() +
 *                   dma_fence_signal() per fence.
 *
 * signal-now-nosection, -noobjects, -norecords, -bare: signal-now with a
 *                   part of the checking switched off on the token side
 *                   (dma_fence_token_set_skip()): the lockdep section, the
 *                   tracker's debugobjects, its obligation records, or all
 *                   of them (and stack capture, which signal-now has none
 *                   of).  Only where something checks tokens; the
 *                   differences to signal-now say where its time goes.
 *
 * Fences that are not on a ring share one lock per pair, on both sides.
 * After each batch, outside the timed region, every fence is checked to be
 * signalled with the expected status.  Per pair the suite prints
 *
 *	bench: <name> ours_ns=<ns per fence> raw_ns=<ns per fence> ratio=<A/B>
 *
 * and the last case prints the size facts, the configuration and the
 * machine.  The module parameter full selects the full measurement (101
 * rounds of 2 ms batches) instead of the short smoke run of make check.
 */

#include <kunit/test.h>
#include <linux/atomic.h>
#include <linux/completion.h>
#include <linux/dma-fence-token-ring.h>
#include <linux/jiffies.h>
#include <linux/ktime.h>
#include <linux/math64.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/utsname.h>
#include <linux/workqueue.h>
#include <kunit/visibility.h>
#ifdef CONFIG_X86
#include <asm/processor.h>
#endif

#include "../dma-fence-token-internal.h"

MODULE_IMPORT_NS(EXPORTED_FOR_KUNIT_TESTING);

static bool full;
module_param(full, bool, 0444);
MODULE_PARM_DESC(full, "Full measurement (101 rounds of 2 ms batches) instead of the short run");

#define BENCH_ROUNDS_FULL	101
#define BENCH_ROUNDS_SHORT	3
#define BENCH_BATCH_NS_FULL	(2 * NSEC_PER_MSEC)
#define BENCH_BATCH_NS_SHORT	(200 * NSEC_PER_USEC)
/* Preallocated fences per pair, and the largest batch of most pairs. */
#define BENCH_MAX_FENCES	8192
#define BENCH_RING_BATCH	16
#define BENCH_CLOSE_FENCES	1000
#define BENCH_MAX_CLOSES	64

/**
 * struct bench_fence - a fence with what either side of a pair needs
 * @base: the fence
 * @cb: callback of the signal-callback pair
 * @work: signalling work item of the token side
 * @raw_work: plain work item of the raw side
 * @ctx: the pair's state
 */
struct bench_fence {
	struct dma_fence base;
	struct dma_fence_cb cb;
	struct dma_fence_token_wq_item work;
	struct work_struct raw_work;
	struct bench_ctx *ctx;
};

/**
 * struct bench_ctx - state of one pair, allocated by the case
 * @test: the running case
 * @f: @max preallocated fences
 * @max: number of entries of @f
 * @lock: lock of the fences that are not on the ring, both sides
 * @context: fence context of every fence of the pair
 * @seqno: last seqno handed out; grows across batches, as the ring wants
 * @callbacks: callbacks that ran; protected by @lock
 * @pending: work items of the current batch that have not finished
 * @all_done: completed by the last work item of a batch
 * @q: signalling queue of the token side; also runs the ring's timeout
 * @raw_wq: workqueue of the raw side, WQ_MEM_RECLAIM like @q
 * @ring: hardware ring of the token side
 * @ring_ready: @ring was initialised
 */
struct bench_ctx {
	struct kunit *test;
	struct bench_fence *f;
	unsigned int max;
	spinlock_t lock;	/* see above */
	u64 context;
	u64 seqno;
	unsigned long callbacks;
	atomic_t pending;
	struct completion all_done;
	struct dma_fence_token_wq q;
	struct workqueue_struct *raw_wq;
	struct dma_fence_token_ring ring;
	bool ring_ready;
};

/**
 * struct bench_pair - one measurement
 * @name: name in the output
 * @unit: batch sizes are multiples of this many fences
 * @max: largest batch, in fences
 * @ours: runs a batch of @n fences on the token side, returns the ns spent
 *	in the timed region
 * @raw: the same on the raw side
 * @skip: parts of the checking switched off on the token side
 *	(%DMA_FENCE_TOKEN_SKIP_*); a pair with any is measured only where
 *	something checks tokens
 */
struct bench_pair {
	const char *name;
	unsigned int unit;
	unsigned int max;
	u64 (*ours)(struct bench_ctx *ctx, unsigned int n);
	u64 (*raw)(struct bench_ctx *ctx, unsigned int n);
	unsigned int skip;
};

static const char *bench_fence_name(struct dma_fence *fence)
{
	return "dft-bench";
}

/* No release: the fences live in the pair's array and are reused. */
static const struct dma_fence_ops bench_fence_ops = {
	.get_driver_name = bench_fence_name,
	.get_timeline_name = bench_fence_name,
};

static inline void bench_fence_init(struct bench_ctx *ctx, struct dma_fence *f,
				    spinlock_t *lock)
{
	dma_fence_init(f, &bench_fence_ops, lock, ctx->context, ++ctx->seqno);
}

/* Outside the timed region: fences [0, n) ended with @status (1: no error). */
static void bench_expect_status(struct bench_ctx *ctx, unsigned int n, int status)
{
	unsigned int i, wrong = 0;

	for (i = 0; i < n; i++)
		if (dma_fence_get_status(&ctx->f[i].base) != status)
			wrong++;
	KUNIT_EXPECT_EQ_MSG(ctx->test, wrong, 0,
			    "%u of %u fences did not end with status %d",
			    wrong, n, status);
}

static void bench_cb(struct dma_fence *fence, struct dma_fence_cb *cb)
{
	struct bench_fence *bf = container_of(cb, struct bench_fence, cb);

	bf->ctx->callbacks++;	/* under the fence lock, ctx->lock */
}

/* signal-now ------------------------------------------------------------- */

static u64 bench_signal_ours(struct bench_ctx *ctx, unsigned int n)
{
	unsigned int i;
	u64 t0, t1;

	t0 = ktime_get_ns();
	for (i = 0; i < n; i++) {
		DMA_FENCE_TOKEN(tok);
		struct dma_fence *f = &ctx->f[i].base;

		bench_fence_init(ctx, f, &ctx->lock);
		dma_fence_token_begin(&tok, f);
		dma_fence_token_proof_end(dma_fence_token_signal(&tok, 0), f);
	}
	t1 = ktime_get_ns();
	bench_expect_status(ctx, n, 1);
	return t1 - t0;
}

static u64 bench_signal_raw(struct bench_ctx *ctx, unsigned int n)
{
	unsigned int i;
	u64 t0, t1;

	t0 = ktime_get_ns();
	for (i = 0; i < n; i++) {
		struct dma_fence *f = &ctx->f[i].base;

		bench_fence_init(ctx, f, &ctx->lock);
		dma_fence_signal(f);
	}
	t1 = ktime_get_ns();
	bench_expect_status(ctx, n, 1);
	return t1 - t0;
}

/* signal-callback -------------------------------------------------------- */

static u64 bench_callback_ours(struct bench_ctx *ctx, unsigned int n)
{
	unsigned int i;
	u64 t0, t1;

	ctx->callbacks = 0;
	t0 = ktime_get_ns();
	for (i = 0; i < n; i++) {
		DMA_FENCE_TOKEN(tok);
		struct dma_fence *f = &ctx->f[i].base;

		bench_fence_init(ctx, f, &ctx->lock);
		dma_fence_add_callback(f, &ctx->f[i].cb, bench_cb);
		dma_fence_token_begin(&tok, f);
		dma_fence_token_proof_end(dma_fence_token_signal(&tok, 0), f);
	}
	t1 = ktime_get_ns();
	bench_expect_status(ctx, n, 1);
	KUNIT_EXPECT_EQ(ctx->test, ctx->callbacks, n);
	return t1 - t0;
}

static u64 bench_callback_raw(struct bench_ctx *ctx, unsigned int n)
{
	unsigned int i;
	u64 t0, t1;

	ctx->callbacks = 0;
	t0 = ktime_get_ns();
	for (i = 0; i < n; i++) {
		struct dma_fence *f = &ctx->f[i].base;

		bench_fence_init(ctx, f, &ctx->lock);
		dma_fence_add_callback(f, &ctx->f[i].cb, bench_cb);
		dma_fence_signal(f);
	}
	t1 = ktime_get_ns();
	bench_expect_status(ctx, n, 1);
	KUNIT_EXPECT_EQ(ctx->test, ctx->callbacks, n);
	return t1 - t0;
}

/* queue ------------------------------------------------------------------ */

static void bench_item_done(struct bench_ctx *ctx)
{
	if (atomic_dec_and_test(&ctx->pending))
		complete(&ctx->all_done);
}

static struct dma_fence_token_proof bench_item_run(struct dma_fence_token_wq_item *work,
						   struct dma_fence_token *tok)
	__releases(tok)
{
	struct bench_fence *bf = container_of(work, struct bench_fence, work);
	struct dma_fence_token_proof proof = dma_fence_token_signal(tok, 0);

	bench_item_done(bf->ctx);
	return proof;
}

static void bench_raw_item_run(struct work_struct *work)
{
	struct bench_fence *bf = container_of(work, struct bench_fence, raw_work);

	dma_fence_signal(&bf->base);
	bench_item_done(bf->ctx);
}

/* The raw item of queue-ref: the item holds a fence reference, as ours does. */
static void bench_raw_item_run_ref(struct work_struct *work)
{
	struct bench_fence *bf = container_of(work, struct bench_fence, raw_work);

	dma_fence_signal(&bf->base);
	bench_item_done(bf->ctx);
	dma_fence_put(&bf->base);
}

static void bench_queue_prepare(struct bench_ctx *ctx, unsigned int n)
{
	atomic_set(&ctx->pending, n);
	reinit_completion(&ctx->all_done);
}

static u64 bench_queue_ours(struct bench_ctx *ctx, unsigned int n)
{
	unsigned int i, refused = 0;
	u64 t0, t1;

	bench_queue_prepare(ctx, n);
	/* As the raw side does: the items are (re)initialised untimed. */
	for (i = 0; i < n; i++)
		dma_fence_token_wq_item_init(&ctx->f[i].work, bench_item_run);
	t0 = ktime_get_ns();
	for (i = 0; i < n; i++) {
		DMA_FENCE_TOKEN(tok);
		struct dma_fence *f = &ctx->f[i].base;
		struct dma_fence_token_proof proof;

		bench_fence_init(ctx, f, &ctx->lock);
		dma_fence_token_begin(&tok, f);
		if (dma_fence_token_wq_queue(&tok, &ctx->q, &ctx->f[i].work,
					     &proof)) {
			refused++;	/* signalled with -ECANCELED instead */
			bench_item_done(ctx);
		}
		dma_fence_token_proof_end(proof, f);
	}
	wait_for_completion(&ctx->all_done);
	t1 = ktime_get_ns();
	/*
	 * The last worker may still be returning from its item (and dropping
	 * the item's fence reference): let it finish before the fences are
	 * checked and initialised again.
	 */
	flush_workqueue(ctx->q.wq);
	KUNIT_EXPECT_EQ(ctx->test, refused, 0);
	bench_expect_status(ctx, n, 1);
	return t1 - t0;
}

static u64 bench_queue_raw_common(struct bench_ctx *ctx, unsigned int n,
				  bool ref)
{
	unsigned int i;
	u64 t0, t1;

	bench_queue_prepare(ctx, n);
	for (i = 0; i < n; i++)
		INIT_WORK(&ctx->f[i].raw_work,
			  ref ? bench_raw_item_run_ref : bench_raw_item_run);
	t0 = ktime_get_ns();
	for (i = 0; i < n; i++) {
		bench_fence_init(ctx, &ctx->f[i].base, &ctx->lock);
		if (ref)
			dma_fence_get(&ctx->f[i].base);
		queue_work(ctx->raw_wq, &ctx->f[i].raw_work);
	}
	wait_for_completion(&ctx->all_done);
	t1 = ktime_get_ns();
	flush_workqueue(ctx->raw_wq);
	bench_expect_status(ctx, n, 1);
	return t1 - t0;
}

static u64 bench_queue_raw(struct bench_ctx *ctx, unsigned int n)
{
	return bench_queue_raw_common(ctx, n, false);
}

static u64 bench_queue_raw_ref(struct bench_ctx *ctx, unsigned int n)
{
	return bench_queue_raw_common(ctx, n, true);
}

/* rings ------------------------------------------------------------------ */

/* Outside the timed region: hand fences [0, n) to the ring. */
static void bench_ring_submit(struct bench_ctx *ctx, unsigned int n)
{
	unsigned int i, refused = 0;

	KUNIT_ASSERT_EQ(ctx->test, dma_fence_token_ring_reserve(&ctx->ring, n), 0);
	for (i = 0; i < n; i++) {
		DMA_FENCE_TOKEN(tok);
		struct dma_fence *f = &ctx->f[i].base;
		struct dma_fence_token_proof proof;

		bench_fence_init(ctx, f, dma_fence_token_ring_lock(&ctx->ring));
		dma_fence_token_begin(&tok, f);
		if (dma_fence_token_ring_push(&tok, &ctx->ring, &proof))
			refused++;
		dma_fence_token_proof_end(proof, f);
	}
	KUNIT_EXPECT_EQ(ctx->test, refused, 0);
}

/* Outside the timed region: fences [0, n) initialised, not signalled. */
static void bench_raw_prepare(struct bench_ctx *ctx, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		bench_fence_init(ctx, &ctx->f[i].base, &ctx->lock);
}

static u64 bench_ring_ours(struct bench_ctx *ctx, unsigned int n)
{
	unsigned int i, done = 0;
	u64 t0, t1;

	bench_ring_submit(ctx, n);
	t0 = ktime_get_ns();
	for (i = BENCH_RING_BATCH - 1; i < n; i += BENCH_RING_BATCH)
		done += dma_fence_token_ring_complete(&ctx->ring,
						      ctx->f[i].base.seqno, 0);
	t1 = ktime_get_ns();
	KUNIT_EXPECT_EQ(ctx->test, done, n);
	bench_expect_status(ctx, n, 1);
	return t1 - t0;
}

static u64 bench_ring_raw(struct bench_ctx *ctx, unsigned int n)
{
	unsigned int i;
	u64 t0, t1;

	bench_raw_prepare(ctx, n);
	t0 = ktime_get_ns();
	for (i = 0; i < n; i++)
		dma_fence_signal(&ctx->f[i].base);
	t1 = ktime_get_ns();
	bench_expect_status(ctx, n, 1);
	return t1 - t0;
}

static u64 bench_close_ours(struct bench_ctx *ctx, unsigned int n)
{
	unsigned int c, done = 0;
	u64 t0, total = 0;

	for (c = 0; c < n / BENCH_CLOSE_FENCES; c++) {
		bench_ring_submit(ctx, BENCH_CLOSE_FENCES);
		t0 = ktime_get_ns();
		done += dma_fence_token_ring_close(&ctx->ring, -ECANCELED);
		total += ktime_get_ns() - t0;
		bench_expect_status(ctx, BENCH_CLOSE_FENCES, -ECANCELED);
		KUNIT_ASSERT_EQ(ctx->test, dma_fence_token_ring_reopen(&ctx->ring), 0);
	}
	KUNIT_EXPECT_EQ(ctx->test, done, n);
	return total;
}

static u64 bench_close_raw(struct bench_ctx *ctx, unsigned int n)
{
	unsigned int c, i;
	u64 t0, total = 0;

	for (c = 0; c < n / BENCH_CLOSE_FENCES; c++) {
		bench_raw_prepare(ctx, BENCH_CLOSE_FENCES);
		t0 = ktime_get_ns();
		for (i = 0; i < BENCH_CLOSE_FENCES; i++) {
			dma_fence_set_error(&ctx->f[i].base, -ECANCELED);
			dma_fence_signal(&ctx->f[i].base);
		}
		total += ktime_get_ns() - t0;
		bench_expect_status(ctx, BENCH_CLOSE_FENCES, -ECANCELED);
	}
	return total;
}

static const struct bench_pair bench_pairs[] = {
	{ "signal-now", 1, BENCH_MAX_FENCES,
	  bench_signal_ours, bench_signal_raw },
	{ "signal-callback", 1, BENCH_MAX_FENCES,
	  bench_callback_ours, bench_callback_raw },
	{ "queue", 1, BENCH_MAX_FENCES,
	  bench_queue_ours, bench_queue_raw },
	{ "queue-ref", 1, BENCH_MAX_FENCES,
	  bench_queue_ours, bench_queue_raw_ref },
	{ "ring-complete-16", BENCH_RING_BATCH, BENCH_MAX_FENCES,
	  bench_ring_ours, bench_ring_raw },
	{ "ring-close-1000", BENCH_CLOSE_FENCES,
	  BENCH_CLOSE_FENCES * BENCH_MAX_CLOSES,
	  bench_close_ours, bench_close_raw },
	{ "signal-now-nosection", 1, BENCH_MAX_FENCES,
	  bench_signal_ours, bench_signal_raw, DMA_FENCE_TOKEN_SKIP_SECTION },
	{ "signal-now-noobjects", 1, BENCH_MAX_FENCES,
	  bench_signal_ours, bench_signal_raw, DMA_FENCE_TOKEN_SKIP_OBJECTS },
	{ "signal-now-norecords", 1, BENCH_MAX_FENCES,
	  bench_signal_ours, bench_signal_raw, DMA_FENCE_TOKEN_SKIP_RECORDS },
	{ "signal-now-bare", 1, BENCH_MAX_FENCES,
	  bench_signal_ours, bench_signal_raw,
	  DMA_FENCE_TOKEN_SKIP_SECTION | DMA_FENCE_TOKEN_SKIP_OBJECTS |
	  DMA_FENCE_TOKEN_SKIP_RECORDS | DMA_FENCE_TOKEN_SKIP_STACKS },
};

/* The token side of @p, with its parts of the checking switched off. */
static u64 bench_ours(const struct bench_pair *p, struct bench_ctx *ctx,
		      unsigned int n)
{
	u64 t;

	if (!p->skip)
		return p->ours(ctx, n);
	dma_fence_token_set_skip(p->skip);
	t = p->ours(ctx, n);
	dma_fence_token_set_skip(0);
	return t;
}

static void bench_pair_desc(const struct bench_pair *p, char *desc)
{
	strscpy(desc, p->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(bench_pair, bench_pairs, bench_pair_desc);

/* The suite --------------------------------------------------------------- */

static int bench_case_init(struct kunit *test)
{
	/* KUnit 6.1 reuses one struct kunit for every parameter of a case. */
	test->priv = NULL;
	return 0;
}

static void bench_case_exit(struct kunit *test)
{
	struct bench_ctx *ctx = test->priv;

	/* A case that stopped mid-batch must not leave checking off. */
	dma_fence_token_set_skip(0);
	if (!ctx)
		return;
	if (ctx->ring_ready)
		dma_fence_token_ring_fini(&ctx->ring);
	dma_fence_token_wq_fini(&ctx->q);
	if (ctx->raw_wq)
		destroy_workqueue(ctx->raw_wq);
	kvfree(ctx->f);
}

static struct bench_ctx *bench_ctx_create(struct kunit *test)
{
	struct bench_ctx *ctx = kunit_kzalloc(test, sizeof(*ctx), GFP_KERNEL);
	unsigned int i;

	KUNIT_ASSERT_NOT_NULL(test, ctx);
	test->priv = ctx;
	ctx->test = test;
	ctx->max = BENCH_MAX_FENCES;
	/*
	 * Slab or page memory, as drivers' jobs are (kvcalloc() would give
	 * vmalloc memory here, which the tracker treats as it must a stack).
	 */
	ctx->f = kcalloc(ctx->max, sizeof(*ctx->f), GFP_KERNEL | __GFP_NOWARN);
	if (!ctx->f)
		ctx->f = kvcalloc(ctx->max, sizeof(*ctx->f), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, ctx->f);
	spin_lock_init(&ctx->lock);
	ctx->context = dma_fence_context_alloc(1);
	init_completion(&ctx->all_done);
	KUNIT_ASSERT_EQ(test, dma_fence_token_wq_init(&ctx->q, "dft-bench", 0), 0);
	ctx->raw_wq = alloc_workqueue("dft-bench-raw", WQ_MEM_RECLAIM, 0);
	KUNIT_ASSERT_NOT_NULL(test, ctx->raw_wq);
	/* The timeout never fires: every fence completes or is closed. */
	KUNIT_ASSERT_EQ(test, dma_fence_token_ring_init(&ctx->ring, "dft-bench",
							ctx->max, 600 * HZ,
							&ctx->q, NULL), 0);
	ctx->ring_ready = true;
	for (i = 0; i < ctx->max; i++)
		ctx->f[i].ctx = ctx;
	return ctx;
}

static int bench_cmp_u64(const void *a, const void *b)
{
	u64 x = *(const u64 *)a, y = *(const u64 *)b;

	return x < y ? -1 : x > y;
}

/* Sorts @v in place; returns the element of rank @num / @den. */
static u64 bench_quantile(u64 *v, unsigned int n, unsigned int num,
			  unsigned int den)
{
	sort(v, n, sizeof(*v), bench_cmp_u64, NULL);
	return v[(n - 1) * num / den];
}

/*
 * Batch size: doubled from @unit until a raw batch lasts @target_ns.  One
 * small batch of each side first: the first use of a path can be far
 * slower (lockdep registers its lock classes and chains, workers start).
 */
static unsigned int bench_calibrate(struct bench_ctx *ctx,
				    const struct bench_pair *p, u64 target_ns)
{
	unsigned int n = p->unit;

	p->raw(ctx, n);
	bench_ours(p, ctx, n);

	while (p->raw(ctx, n) < target_ns && n * 2 <= p->max)
		n *= 2;
	return n;
}

/*
 * Scenario: one pair, token side against raw side, in interleaved rounds;
 * prints its bench line.  Asserts only that both sides ran and that every
 * fence ended signalled with the right status, never a timing.
 */
static void bench_pair_run(struct kunit *test)
{
	const struct bench_pair *p = test->param_value;
	unsigned int rounds = full ? BENCH_ROUNDS_FULL : BENCH_ROUNDS_SHORT;
	u64 target = full ? BENCH_BATCH_NS_FULL : BENCH_BATCH_NS_SHORT;
	u64 *ratio, *ours, *raw, ta, tb, r_lo, r_med, r_hi;
	struct bench_ctx *ctx;
	unsigned int n, r;

	if (p->skip && !DMA_FENCE_TOKEN_CHECKED) {
		/* Nothing to switch off: the line says so, and nothing runs. */
		kunit_info(test, "bench: %s not measured (nothing checks tokens here)\n",
			   p->name);
		return;
	}
	ctx = bench_ctx_create(test);
	ratio = kunit_kcalloc(test, 3 * rounds, sizeof(u64), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, ratio);
	ours = ratio + rounds;
	raw = ours + rounds;

	n = bench_calibrate(ctx, p, target);
	bench_ours(p, ctx, n);	/* warm up the token side too */
	for (r = 0; r < rounds; r++) {
		if (r & 1) {
			tb = p->raw(ctx, n);
			ta = bench_ours(p, ctx, n);
		} else {
			ta = bench_ours(p, ctx, n);
			tb = p->raw(ctx, n);
		}
		KUNIT_ASSERT_GT(test, ta, 0);
		KUNIT_ASSERT_GT(test, tb, 0);
		ratio[r] = div64_u64(ta * 1000 + tb / 2, tb);
		ours[r] = div_u64(ta + n / 2, n);
		raw[r] = div_u64(tb + n / 2, n);
	}

	r_med = bench_quantile(ratio, rounds, 1, 2);
	r_lo = ratio[(rounds - 1) / 4];
	r_hi = ratio[(rounds - 1) * 3 / 4];
	ta = bench_quantile(ours, rounds, 1, 2);
	tb = bench_quantile(raw, rounds, 1, 2);
	KUNIT_EXPECT_GT(test, ta, 0);
	KUNIT_EXPECT_GT(test, tb, 0);
	KUNIT_EXPECT_GT(test, r_med, 0);
	kunit_info(test, "bench: %s ours_ns=%llu raw_ns=%llu ratio=%llu.%03llu\n",
		   p->name, ta, tb, div_u64(r_med, 1000), r_med % 1000);
	kunit_info(test, "bench-detail: %s fences_per_batch=%u rounds=%u ratio_q1=%llu.%03llu ratio_q3=%llu.%03llu\n",
		   p->name, n, rounds, div_u64(r_lo, 1000), r_lo % 1000,
		   div_u64(r_hi, 1000), r_hi % 1000);
}

static const char *bench_preempt_model(void)
{
	if (IS_ENABLED(CONFIG_PREEMPT_RT))
		return "rt";
	if (IS_ENABLED(CONFIG_PREEMPT))
		return "full";
	if (IS_ENABLED(CONFIG_PREEMPT_VOLUNTARY))
		return "voluntary";
	return "none";
}

/*
 * Scenario: without lockdep and the tracker a token and a proof are one
 * fence pointer each; with them the token carries the checking state and
 * the proof stays one pointer.  Then the configuration and the machine.
 */
static void bench_sizes(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, sizeof(struct dma_fence_token_proof),
			sizeof(struct dma_fence *));
	if (DMA_FENCE_TOKEN_CHECKED)
		KUNIT_EXPECT_GT(test, sizeof(struct dma_fence_token),
				sizeof(struct dma_fence *));
	else
		KUNIT_EXPECT_EQ(test, sizeof(struct dma_fence_token),
				sizeof(struct dma_fence *));

	kunit_info(test, "bench: sizes token=%zu proof=%zu pointer=%zu checked=%d\n",
		   sizeof(struct dma_fence_token), sizeof(struct dma_fence_token_proof),
		   sizeof(struct dma_fence *), DMA_FENCE_TOKEN_CHECKED);
	kunit_info(test, "bench: config kernel=%s lockdep=%d debugobjects=%d tracker=%d preempt=%s hz=%d mode=%s rounds=%d batch_us=%llu\n",
		   init_utsname()->release, IS_ENABLED(CONFIG_LOCKDEP),
		   IS_ENABLED(CONFIG_DEBUG_OBJECTS),
		   IS_ENABLED(CONFIG_DMA_FENCE_TOKEN_DEBUG),
		   bench_preempt_model(), HZ, full ? "full" : "short",
		   full ? BENCH_ROUNDS_FULL : BENCH_ROUNDS_SHORT,
		   div_u64(full ? BENCH_BATCH_NS_FULL : BENCH_BATCH_NS_SHORT,
			   NSEC_PER_USEC));
#ifdef CONFIG_X86
	kunit_info(test, "bench: machine arch=%s cpus=%u cpu=\"%s\"\n",
		   init_utsname()->machine, num_online_cpus(),
		   boot_cpu_data.x86_model_id);
#else
	kunit_info(test, "bench: machine arch=%s cpus=%u\n",
		   init_utsname()->machine, num_online_cpus());
#endif
}

static struct kunit_case bench_cases[] = {
	KUNIT_CASE_PARAM(bench_pair_run, bench_pair_gen_params),
	KUNIT_CASE(bench_sizes),
	{}
};

static struct kunit_suite bench_suite = {
	.name = "dma_fence_token_bench",
	.init = bench_case_init,
	.exit = bench_case_exit,
	.test_cases = bench_cases,
};

#ifdef MODULE
/*
 * KUnit 6.1 runs the suites of a module before the module's parameters are
 * parsed: run this one from module_init instead, so that full= applies.
 */
static struct kunit_suite *bench_suites[] = { &bench_suite };

static int __init bench_init(void)
{
	return __kunit_test_suites_init(bench_suites, ARRAY_SIZE(bench_suites));
}
module_init(bench_init);

static void __exit bench_exit(void)
{
	__kunit_test_suites_exit(bench_suites, ARRAY_SIZE(bench_suites));
}
module_exit(bench_exit);
#else
kunit_test_suite(bench_suite);
#endif

MODULE_DESCRIPTION("Benchmarks of DMA fence signalling tokens against raw dma_fence calls");
MODULE_LICENSE("GPL");
