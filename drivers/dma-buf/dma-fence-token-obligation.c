// SPDX-License-Identifier: GPL-2.0
/*
 * Fence signalling tokens, runtime tracker: one record per outstanding
 * obligation, the hung-obligation watchdog and the debugfs files.
 */

#include <linux/debugfs.h>
#include <linux/dma-fence-token.h>
#include <linux/hashtable.h>
#include <linux/jiffies.h>
#include <linux/list.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/sched.h>
#include <linux/seq_file.h>
#include <linux/spinlock.h>
#include <linux/stackdepot.h>
#include <linux/stacktrace.h>
#include <linux/string.h>
#include <linux/workqueue.h>
#include <kunit/visibility.h>

#include "dma-fence-token-internal.h"

/**
 * DOC: Obligations, watchdog and debugfs
 *
 * With CONFIG_DMA_FENCE_TOKEN_DEBUG every obligation to signal a fence has
 * a record, taken from a pool that is allocated when the module loads
 * (module parameter ``obligations``, 1024 by default).  The record is taken
 * by dma_fence_token_begin() and follows the fence through every transfer:
 * the token, a signalling work item (queued, then running), a hardware ring,
 * or a promise.  It ends when the path that holds the guarantee signals the
 * fence; a promise ends when the fence is signalled by anyone.  Nothing on a
 * signalling path allocates for this: the stack of the code that began the
 * token is saved in the stack depot (GFP_NOWAIT, before the signalling
 * section opens; a failure only loses the stack), and when every record is
 * in use the obligation is counted as untracked instead.
 *
 * A record holds a reference to its fence, whose ops live in the driver's
 * module.  When any module goes away, the tracker first drops the
 * references of signalled promises (normally dropped by the watchdog
 * shortly after the signal) and reports, as owed at unload, every fence of
 * that module that is still owed, dropping its record: unloading a driver
 * whose fences have all been signalled is safe with the tracker on.
 *
 * A watchdog runs while records are live.  It measures what a ring's
 * timeout measures, time without progress, not the age of the fence: a
 * token, a running work item or a promise is overdue ``watchdog_ms``
 * milliseconds (module parameter and debugfs file, 10000 by default) after
 * it was begun or made; a fence queued on a signalling queue or handed to a
 * hardware ring is overdue only when that queue ran no item to its end, or
 * that ring completed nothing, for ``watchdog_ms`` since the fence got
 * there; a held work item, which waits for other fences rather than for
 * its queue, is overdue only when no recorded obligation anywhere ended for
 * ``watchdog_ms``.  A deep queue of healthy long jobs is therefore never
 * overdue, however long its last fence waits.  An overdue obligation is reported
 * once, with a warning that starts with "dma_fence_token:", followed by the
 * path that holds it and the stack that began it.  A promise is reported
 * as a broken promise, any other obligation as a hung one.  Set the limit
 * above the timeout of every hardware ring: until its timeout fires, a
 * hung ring is not a bug of the driver.
 *
 * debugfs (``/sys/kernel/debug/dma_fence_token/``):
 *
 * - ``obligations``: one line per live obligation whose fence is not
 *   signalled, oldest first: the fence (driver, timeline, context, seqno),
 *   its state (``must-signal``, ``queued`` or ``running`` on workqueue
 *   ``wq=``, ``on-ring`` on ring ``ring=``, ``promised``), the path that
 *   holds the guarantee (``holder=token|workqueue|hardware|promise``), the
 *   task that began or runs it, its age and whether the watchdog reported
 *   it; then, indented by a tab, the stack that began the token, from the
 *   caller of dma_fence_token_begin() down.
 * - ``stats``: one ``name value`` line per counter: tokens created,
 *   discharges per path, opportunistic signals, misuse reports per kind,
 *   promises, ring timeouts and closes, watchdog reports and the record
 *   pool.
 * - ``watchdog_ms``: the watchdog limit, writable.
 */

#define DFT_OB_HASH_BITS	10
#define DFT_OB_STACK_DEPTH	16
/* Bytes from a _THIS_IP_ to the return address of the call after it. */
#define DFT_OB_CALLER_SLACK	256

static const char * const dft_ob_state_name[] = {
	[DFT_OB_MUST_SIGNAL] = "must-signal",
	[DFT_OB_QUEUED] = "queued",
	[DFT_OB_RUNNING] = "running",
	[DFT_OB_ON_RING] = "on-ring",
	[DFT_OB_PROMISED] = "promised",
};

static const char * const dft_ob_holder_name[] = {
	[DFT_OB_MUST_SIGNAL] = "token",
	[DFT_OB_QUEUED] = "workqueue",
	[DFT_OB_RUNNING] = "workqueue",
	[DFT_OB_ON_RING] = "hardware",
	[DFT_OB_PROMISED] = "promise",
};

/**
 * struct dft_obligation - record of one outstanding obligation
 * @node: entry in dft_ob_hash, keyed by @fence; protected by dft_ob_lock
 * @link: entry in dft_ob_live (oldest first), dft_ob_reap or dft_ob_free;
 *	protected by dft_ob_lock
 * @cb: fence callback of a promise, armed while @cb_armed
 * @fence: the fence, referenced while the record is live
 * @tok: the token that holds the obligation in the must-signal state, NULL
 *	once it moved on; protected by dft_ob_lock
 * @since: jiffies when the token was begun
 * @moved: jiffies when the obligation last moved to another path;
 *	protected by dft_ob_lock
 * @progress: the holder's time of last progress (a ring's last completion,
 *	a queue's last finished item) or NULL; valid while the record is live,
 *	because a ring or queue signals every fence it holds before it goes;
 *	protected by dft_ob_lock
 * @created_at: code address of the dma_fence_token_begin() call
 * @stack: stack depot handle of the begin, 0 if it could not be saved
 * @state: where the obligation is; protected by dft_ob_lock
 * @where: name of the queue or ring for the queued, running and on-ring
 *	states; protected by dft_ob_lock
 * @pid: task that began the token or runs the work item
 * @comm: name of that task
 * @cb_armed: @cb is installed on @fence; protected by dft_ob_lock
 * @reported: the watchdog reported it; protected by dft_ob_lock
 */
struct dft_obligation {
	struct hlist_node node;
	struct list_head link;
	struct dma_fence_cb cb;
	struct dma_fence *fence;
	struct dma_fence_token *tok;
	unsigned long since;
	unsigned long moved;
	const unsigned long *progress;
	unsigned long created_at;
	depot_stack_handle_t stack;
	enum dft_ob_state state;
	const char *where;
	pid_t pid;
	char comm[TASK_COMM_LEN];
	bool cb_armed;
	bool reported;
};

static DEFINE_SPINLOCK(dft_ob_lock);
/* jiffies when a recorded obligation last ended: any progress at all. */
static unsigned long dft_ob_progress_at;
static DEFINE_HASHTABLE(dft_ob_hash, DFT_OB_HASH_BITS);
static LIST_HEAD(dft_ob_live);
static LIST_HEAD(dft_ob_reap);
static LIST_HEAD(dft_ob_free);
static struct dft_obligation *dft_ob_pool;
static unsigned int dft_ob_nr_live;	/* protected by dft_ob_lock */
static bool dft_ob_ready;

static atomic_long_t dft_ob_untracked;
static atomic_long_t dft_promises_kept;
static atomic_long_t dft_promises_untracked;
static atomic_long_t dft_promises_broken;
static atomic_long_t dft_watchdog_reports;
static atomic_long_t dft_ring_timeouts;
static atomic_long_t dft_ring_closes;

static void dft_watchdog_fn(struct work_struct *work);
static DECLARE_DELAYED_WORK(dft_watchdog, dft_watchdog_fn);
static int dft_ob_module_notify(struct notifier_block *nb,
				unsigned long action, void *data);
static struct notifier_block dft_ob_module_nb = {
	.notifier_call = dft_ob_module_notify,
};

static unsigned int obligations = 1024;
module_param(obligations, uint, 0444);
MODULE_PARM_DESC(obligations,
		 "Obligation records preallocated for the tracker (default 1024)");

static unsigned int watchdog_ms = 10000;

/* A new limit applies at once: the watchdog rescans. */
static void dft_watchdog_kick(void)
{
	if (READ_ONCE(dft_ob_ready))
		mod_delayed_work(system_wq, &dft_watchdog, 0);
}

static int dft_watchdog_ms_set(const char *val, const struct kernel_param *kp)
{
	int ret = param_set_uint(val, kp);

	if (!ret)
		dft_watchdog_kick();
	return ret;
}

static const struct kernel_param_ops dft_watchdog_ms_ops = {
	.set = dft_watchdog_ms_set,
	.get = param_get_uint,
};

module_param_cb(watchdog_ms, &dft_watchdog_ms_ops, &watchdog_ms, 0644);
MODULE_PARM_DESC(watchdog_ms,
		 "Report an obligation still unsignalled after this many ms (default 10000)");

/* Called with dft_ob_lock held. */
static struct dft_obligation *dft_ob_find(struct dma_fence *fence)
{
	struct dft_obligation *ob;

	lockdep_assert_held(&dft_ob_lock);
	hash_for_each_possible(dft_ob_hash, ob, node, (unsigned long)fence)
		if (ob->fence == fence)
			return ob;
	return NULL;
}

/*
 * Not get_task_comm(): its task lock is not irq-safe, and records change
 * in hard interrupts.  A racing rename gives a torn name at worst.
 */
static void dft_ob_set_task(struct dft_obligation *ob)
{
	ob->pid = task_pid_nr(current);
	memcpy(ob->comm, current->comm, sizeof(ob->comm));
	ob->comm[sizeof(ob->comm) - 1] = '\0';
}

/* Unlink a live record; the caller drops its fence reference. */
static void dft_ob_unlink(struct dft_obligation *ob)
{
	lockdep_assert_held(&dft_ob_lock);
	hash_del(&ob->node);
	list_del_init(&ob->link);
	dft_ob_nr_live--;
}

static void dft_ob_free_record(struct dft_obligation *ob)
{
	unsigned long flags;

	spin_lock_irqsave(&dft_ob_lock, flags);
	ob->fence = NULL;
	list_add(&ob->link, &dft_ob_free);
	spin_unlock_irqrestore(&dft_ob_lock, flags);
}

/*
 * Save the stack that begins a token at @ip.  The library's own frames are
 * dropped: the first one kept is the return address just after @ip, in
 * the function that called dma_fence_token_begin().  If none is close
 * enough (an unusual code layout), the whole stack is kept.
 */
static noinline depot_stack_handle_t dft_ob_save_stack(unsigned long ip)
{
	unsigned long entries[DFT_OB_STACK_DEPTH + 4];
	unsigned int i, n;

	n = stack_trace_save(entries, ARRAY_SIZE(entries), 1);
	for (i = 0; i < n; i++)
		if (entries[i] > ip && entries[i] - ip <= DFT_OB_CALLER_SLACK)
			break;
	if (i == n)
		i = 0;
	n = min_t(unsigned int, n - i, DFT_OB_STACK_DEPTH);
	return stack_depot_save(entries + i, n, GFP_NOWAIT | __GFP_NOWARN);
}

/*
 * A token was begun for @fence at @ip and a new guarantee starts: take a
 * record.  Called before the token's signalling section opens.
 */
void __dft_ob_begin(struct dma_fence *fence, struct dma_fence_token *tok,
		    unsigned long ip)
{
	depot_stack_handle_t stack = 0;
	struct dft_obligation *ob;
	unsigned long flags;

	if (!READ_ONCE(dft_ob_ready))
		return;
	if (!list_empty_careful(&dft_ob_free))
		stack = dft_ob_save_stack(ip);

	spin_lock_irqsave(&dft_ob_lock, flags);
	ob = dft_ob_find(fence);
	if (ob) {
		/* A second guarantee (reported elsewhere): keep the first. */
		spin_unlock_irqrestore(&dft_ob_lock, flags);
		return;
	}
	ob = list_first_entry_or_null(&dft_ob_free, struct dft_obligation, link);
	if (!ob) {
		spin_unlock_irqrestore(&dft_ob_lock, flags);
		atomic_long_inc(&dft_ob_untracked);
		return;
	}
	list_move_tail(&ob->link, &dft_ob_live);
	ob->fence = dma_fence_get(fence);
	ob->tok = tok;
	ob->since = jiffies;
	ob->moved = ob->since;
	ob->progress = NULL;
	ob->created_at = ip;
	ob->stack = stack;
	ob->state = DFT_OB_MUST_SIGNAL;
	ob->where = NULL;
	ob->cb_armed = false;
	ob->reported = false;
	dft_ob_set_task(ob);
	hash_add(dft_ob_hash, &ob->node, (unsigned long)fence);
	dft_ob_nr_live++;
	spin_unlock_irqrestore(&dft_ob_lock, flags);

	/* No-op while the watchdog is pending, which it is while busy. */
	queue_delayed_work(system_wq, &dft_watchdog,
			   msecs_to_jiffies(READ_ONCE(watchdog_ms)));
}

/* The obligation of @fence moved to @state on queue or ring @where. */
void __dma_fence_obligation_move(struct dma_fence *fence,
				 enum dft_ob_state state, const char *where,
				 const unsigned long *progress)
{
	struct dft_obligation *ob;
	unsigned long flags;

	spin_lock_irqsave(&dft_ob_lock, flags);
	ob = dft_ob_find(fence);
	if (ob && !ob->cb_armed) {
		ob->state = state;
		ob->where = where;
		ob->tok = NULL;
		ob->moved = jiffies;
		ob->progress = progress;
		if (state == DFT_OB_RUNNING)
			dft_ob_set_task(ob);
	}
	spin_unlock_irqrestore(&dft_ob_lock, flags);
}

/*
 * The path that held the guarantee of @fence signalled it: the record
 * ends.  The caller holds a reference of its own, so the record's is not
 * the last one.  A promise's record is ended by its fence callback.
 */
void __dft_ob_end(struct dma_fence *fence)
{
	struct dft_obligation *ob;
	unsigned long flags;

	spin_lock_irqsave(&dft_ob_lock, flags);
	ob = dft_ob_find(fence);
	if (!ob || ob->cb_armed) {
		spin_unlock_irqrestore(&dft_ob_lock, flags);
		return;
	}
	dft_ob_unlink(ob);
	WRITE_ONCE(dft_ob_progress_at, jiffies);
	spin_unlock_irqrestore(&dft_ob_lock, flags);
	dma_fence_put(fence);
	dft_ob_free_record(ob);
}

/* For held work items, which wait for other fences: progress anywhere. */
const unsigned long *__dft_ob_any_progress(void)
{
	return &dft_ob_progress_at;
}

/*
 * The token that holds the obligation of @fence in the must-signal state,
 * or NULL.  For the free fixups: the memory being freed is still valid.
 */
struct dma_fence_token *__dft_ob_token(struct dma_fence *fence)
{
	struct dma_fence_token *tok = NULL;
	struct dft_obligation *ob;
	unsigned long flags;

	spin_lock_irqsave(&dft_ob_lock, flags);
	ob = dft_ob_find(fence);
	if (ob && ob->state == DFT_OB_MUST_SIGNAL)
		tok = ob->tok;
	spin_unlock_irqrestore(&dft_ob_lock, flags);
	return tok;
}

/*
 * The fence whose obligation token @tok holds, with a reference, or NULL;
 * @ip is set to where the token was begun.  For a token whose memory no
 * longer says so (a stack reused or cleared before it was freed); a linear
 * walk, only ever on a misuse.
 */
struct dma_fence *__dft_ob_token_fence(struct dma_fence_token *tok,
				       unsigned long *ip)
{
	struct dma_fence *fence = NULL;
	struct dft_obligation *ob;
	unsigned long flags;

	spin_lock_irqsave(&dft_ob_lock, flags);
	list_for_each_entry(ob, &dft_ob_live, link) {
		if (ob->tok == tok && ob->state == DFT_OB_MUST_SIGNAL) {
			fence = dma_fence_get(ob->fence);
			*ip = ob->created_at;
			break;
		}
	}
	spin_unlock_irqrestore(&dft_ob_lock, flags);
	return fence;
}

/*
 * The memory of @fence is being freed while its obligation is recorded:
 * drop the record without touching the fence again (its reference goes
 * with the memory; a promise's callback is on a list that goes with it).
 */
void __dft_ob_forget(struct dma_fence *fence)
{
	struct dft_obligation *ob;
	unsigned long flags;

	spin_lock_irqsave(&dft_ob_lock, flags);
	ob = dft_ob_find(fence);
	if (ob) {
		ob->cb_armed = false;
		dft_ob_unlink(ob);
	}
	spin_unlock_irqrestore(&dft_ob_lock, flags);
	if (ob)
		dft_ob_free_record(ob);
}

static void dft_ob_promise_signalled(struct dma_fence *fence,
				     struct dma_fence_cb *cb)
{
	struct dft_obligation *ob = container_of(cb, struct dft_obligation, cb);
	unsigned long flags;

	spin_lock_irqsave(&dft_ob_lock, flags);
	if (!ob->cb_armed) {
		/* Dropped (module unload) before it could run: nothing left. */
		spin_unlock_irqrestore(&dft_ob_lock, flags);
		return;
	}
	if (!ob->reported)
		atomic_long_inc(&dft_promises_kept);
	ob->cb_armed = false;
	dft_ob_unlink(ob);
	/*
	 * The signaller may still touch the fence after its callbacks: the
	 * watchdog drops the record's reference.
	 */
	list_add_tail(&ob->link, &dft_ob_reap);
	spin_unlock_irqrestore(&dft_ob_lock, flags);
	__dma_fence_guarantee_end(fence);
	dft_watchdog_kick();
}

/*
 * @fence was promised.  Returns false if it has no record: then nobody
 * watches the promise and the caller ends its guarantee.
 */
bool __dft_ob_promise(struct dma_fence *fence)
{
	struct dft_obligation *ob;
	unsigned long flags;

	spin_lock_irqsave(&dft_ob_lock, flags);
	ob = dft_ob_find(fence);
	if (ob && !ob->cb_armed) {
		ob->state = DFT_OB_PROMISED;
		ob->where = NULL;
		ob->tok = NULL;
		ob->moved = jiffies;
		ob->progress = NULL;
		ob->cb_armed = true;
		/* Unhooking a callback never added is then harmless. */
		INIT_LIST_HEAD(&ob->cb.node);
	} else {
		ob = NULL;
	}
	spin_unlock_irqrestore(&dft_ob_lock, flags);

	if (!ob) {
		atomic_long_inc(&dft_promises_untracked);
		return false;
	}
	if (dma_fence_add_callback(fence, &ob->cb, dft_ob_promise_signalled))
		dft_ob_promise_signalled(fence, &ob->cb);	/* already signalled */
	return true;
}

/* Counted by the hardware ring code: a ring timeout, or a ring close. */
void __dma_fence_token_count_ring(bool timeout)
{
	atomic_long_inc(timeout ? &dft_ring_timeouts : &dft_ring_closes);
}

/* Fill the record and watchdog counters of @stats. */
void __dft_ob_stats(struct dma_fence_token_stats *stats)
{
	struct dft_obligation *ob;
	unsigned long flags;

	stats->promises_kept = atomic_long_read(&dft_promises_kept);
	stats->promises_untracked = atomic_long_read(&dft_promises_untracked);
	stats->promises_broken = atomic_long_read(&dft_promises_broken);
	stats->timeouts = atomic_long_read(&dft_ring_timeouts);
	stats->ring_closes = atomic_long_read(&dft_ring_closes);
	stats->watchdog_reports = atomic_long_read(&dft_watchdog_reports);
	stats->untracked = atomic_long_read(&dft_ob_untracked);
	stats->obligations_records = dft_ob_pool ? obligations : 0;

	spin_lock_irqsave(&dft_ob_lock, flags);
	stats->obligations_live = dft_ob_nr_live;
	list_for_each_entry(ob, &dft_ob_live, link)
		if (ob->cb_armed)
			stats->promises_pending++;
	spin_unlock_irqrestore(&dft_ob_lock, flags);
}

/* Drop the references of promise records whose fence was signalled. */
static void dft_ob_reap_signalled(void)
{
	struct dft_obligation *ob, *next;
	unsigned long flags;
	LIST_HEAD(reap);

	spin_lock_irqsave(&dft_ob_lock, flags);
	list_splice_init(&dft_ob_reap, &reap);
	spin_unlock_irqrestore(&dft_ob_lock, flags);

	list_for_each_entry_safe(ob, next, &reap, link) {
		list_del_init(&ob->link);
		dma_fence_put(ob->fence);
		dft_ob_free_record(ob);
	}
}

static unsigned int dft_ob_age_ms(const struct dft_obligation *ob)
{
	return jiffies_to_msecs(jiffies - ob->since);
}

static void dft_ob_print_stack(depot_stack_handle_t stack)
{
	unsigned long *entries;
	unsigned int i, n;

	n = stack ? stack_depot_fetch(stack, &entries) : 0;
	if (!n)
		pr_warn("dma_fence_token:   (no stack saved)\n");
	for (i = 0; i < n; i++)
		pr_warn("dma_fence_token:   %pS\n", (void *)entries[i]);
}

/*
 * Report one obligation past the limit: the misuse warning, then which
 * path holds it and the stack that began it.
 */
static void dft_ob_report(struct dft_obligation *snap, unsigned int age_ms)
{
	struct dma_fence *fence = snap->fence;
	bool promise = snap->state == DFT_OB_PROMISED;

	atomic_long_inc(&dft_watchdog_reports);
	if (promise)
		atomic_long_inc(&dft_promises_broken);
	/* Past the full reports, the one rate-limited line is all. */
	if (!__dma_fence_token_report(promise ? DMA_FENCE_TOKEN_MISUSE_BROKEN_PROMISE :
				      DMA_FENCE_TOKEN_MISUSE_HUNG, fence,
				      snap->created_at))
		return;
	pr_warn("dma_fence_token: fence %s:%s context %llu seqno %llu unsignalled for %u ms: state %s%s%s, held by %s, task %s/%d; token begun at:\n",
		fence->ops->get_driver_name(fence),
		fence->ops->get_timeline_name(fence), fence->context,
		fence->seqno, age_ms, dft_ob_state_name[snap->state],
		snap->where ? " on " : "", snap->where ? snap->where : "",
		dft_ob_holder_name[snap->state], snap->comm, snap->pid);
	dft_ob_print_stack(snap->stack);
}

static bool dft_ob_signalled(const struct dft_obligation *ob)
{
	return test_bit(DMA_FENCE_FLAG_SIGNALED_BIT, &ob->fence->flags);
}

/*
 * When the obligation of @ob is overdue: @limit after the later of its last
 * move to another path and its holder's last progress.  A ring or a queue
 * that keeps completing is healthy however deep it is; only a path that
 * made no progress for the whole limit is reported.
 */
static unsigned long dft_ob_due(const struct dft_obligation *ob,
				unsigned long limit)
{
	unsigned long start = ob->moved;

	lockdep_assert_held(&dft_ob_lock);
	if (ob->progress) {
		unsigned long progress = READ_ONCE(*ob->progress);

		/* Never later than now: a bogus time must not hide it. */
		if (time_after(progress, start) && !time_after(progress, jiffies))
			start = progress;
	}
	return start + limit;
}

/* Returns the number of obligations newly reported. */
static unsigned int dft_watchdog_scan(void)
{
	unsigned long limit = msecs_to_jiffies(READ_ONCE(watchdog_ms));
	unsigned long flags, next = 0;
	struct dft_obligation *ob, snap;
	unsigned int age, reported = 0;
	bool pending;

	dft_ob_reap_signalled();
	for (;;) {
		bool found = false;

		spin_lock_irqsave(&dft_ob_lock, flags);
		list_for_each_entry(ob, &dft_ob_live, link) {
			if (ob->reported || dft_ob_signalled(ob) ||
			    time_before(jiffies, dft_ob_due(ob, limit)))
				continue;
			ob->reported = true;
			snap = *ob;
			dma_fence_get(snap.fence);
			age = dft_ob_age_ms(ob);
			found = true;
			break;
		}
		spin_unlock_irqrestore(&dft_ob_lock, flags);
		if (!found)
			break;
		dft_ob_report(&snap, age);
		dma_fence_put(snap.fence);
		reported++;
	}

	/* Sleep until the oldest record not reported yet is due. */
	pending = false;
	spin_lock_irqsave(&dft_ob_lock, flags);
	list_for_each_entry(ob, &dft_ob_live, link) {
		if (ob->reported)
			continue;
		if (!pending || time_before(dft_ob_due(ob, limit), next))
			next = dft_ob_due(ob, limit);
		pending = true;
	}
	spin_unlock_irqrestore(&dft_ob_lock, flags);
	if (pending)
		mod_delayed_work(system_wq, &dft_watchdog,
				 time_after(next, jiffies) ? next - jiffies : 1);
	return reported;
}

static void dft_watchdog_fn(struct work_struct *work)
{
	dft_watchdog_scan();
}

/**
 * dma_fence_token_watchdog_check - run the obligation watchdog now
 *
 * Context: process context.
 * Return: the number of obligations newly reported.
 */
unsigned int dma_fence_token_watchdog_check(void)
{
	return dft_watchdog_scan();
}
EXPORT_SYMBOL_IF_KUNIT(dma_fence_token_watchdog_check);

/**
 * dma_fence_token_set_watchdog_ms - change the watchdog limit
 * @ms: new limit in milliseconds
 *
 * Context: any context.
 * Return: the previous limit.
 */
unsigned int dma_fence_token_set_watchdog_ms(unsigned int ms)
{
	unsigned int old = xchg(&watchdog_ms, ms);

	dft_watchdog_kick();
	return old;
}
EXPORT_SYMBOL_IF_KUNIT(dma_fence_token_set_watchdog_ms);

/**
 * dma_fence_token_obligations_show - print the live obligations
 * @m: seq_file to print to
 * @unused: unused
 *
 * The show function of debugfs ``obligations``, see the DOC section.
 *
 * Context: process context.
 * Return: 0.
 */
int dma_fence_token_obligations_show(struct seq_file *m, void *unused)
{
	struct dft_obligation *ob;
	unsigned long flags;

	spin_lock_irqsave(&dft_ob_lock, flags);
	list_for_each_entry(ob, &dft_ob_live, link) {
		struct dma_fence *fence = ob->fence;
		unsigned long *entries;
		unsigned int i, n;

		if (dft_ob_signalled(ob))
			continue;
		seq_printf(m, "fence=%s:%s context=%llu seqno=%llu state=%s",
			   fence->ops->get_driver_name(fence),
			   fence->ops->get_timeline_name(fence),
			   fence->context, fence->seqno,
			   dft_ob_state_name[ob->state]);
		if (ob->where)
			seq_printf(m, " %s=%s",
				   ob->state == DFT_OB_ON_RING ? "ring" : "wq",
				   ob->where);
		seq_printf(m, " holder=%s task=%s/%d age_ms=%u%s\n",
			   dft_ob_holder_name[ob->state], ob->comm, ob->pid,
			   dft_ob_age_ms(ob), ob->reported ? " reported" : "");
		n = ob->stack ? stack_depot_fetch(ob->stack, &entries) : 0;
		for (i = 0; i < n; i++)
			seq_printf(m, "\t%pS\n", (void *)entries[i]);
	}
	spin_unlock_irqrestore(&dft_ob_lock, flags);
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(dma_fence_token_obligations_show);

static const char * const dft_path_key[DMA_FENCE_TOKEN_PATH_COUNT] = {
	[DMA_FENCE_TOKEN_PATH_NONE] = "discharged_none",
	[DMA_FENCE_TOKEN_PATH_SIGNAL] = "discharged_signal",
	[DMA_FENCE_TOKEN_PATH_PROMISE] = "discharged_promise",
	[DMA_FENCE_TOKEN_PATH_WORKQUEUE] = "discharged_workqueue",
	[DMA_FENCE_TOKEN_PATH_HARDWARE] = "discharged_hardware",
};

static const char * const dft_misuse_key[DMA_FENCE_TOKEN_MISUSE_COUNT] = {
	[DMA_FENCE_TOKEN_MISUSE_LEAK_SCOPE] = "misuse_leak_scope",
	[DMA_FENCE_TOKEN_MISUSE_LEAK_FREED] = "misuse_leak_freed",
	[DMA_FENCE_TOKEN_MISUSE_DOUBLE_DISCHARGE] = "misuse_double_discharge",
	[DMA_FENCE_TOKEN_MISUSE_USE_AFTER_DISCHARGE] = "misuse_use_after_discharge",
	[DMA_FENCE_TOKEN_MISUSE_WRONG_FENCE] = "misuse_wrong_fence",
	[DMA_FENCE_TOKEN_MISUSE_BROKEN_PROMISE] = "misuse_broken_promise",
	[DMA_FENCE_TOKEN_MISUSE_SECOND_GUARANTEE] = "misuse_second_guarantee",
	[DMA_FENCE_TOKEN_MISUSE_NO_TIMEOUT] = "misuse_no_timeout",
	[DMA_FENCE_TOKEN_MISUSE_HUNG] = "misuse_hung",
	[DMA_FENCE_TOKEN_MISUSE_FENCE_FREED] = "misuse_fence_freed",
	[DMA_FENCE_TOKEN_MISUSE_WRONG_CONTEXT] = "misuse_wrong_context",
	[DMA_FENCE_TOKEN_MISUSE_NOT_BEGUN] = "misuse_not_begun",
	[DMA_FENCE_TOKEN_MISUSE_OWED_AT_UNLOAD] = "misuse_owed_at_unload",
};

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
	seq_printf(m, "opportunistic %llu\n", s.opportunistic);
	for (i = 0; i < DMA_FENCE_TOKEN_MISUSE_COUNT; i++)
		seq_printf(m, "%s %llu\n", dft_misuse_key[i], s.misuse[i]);
	seq_printf(m, "promises_pending %llu\n", s.promises_pending);
	seq_printf(m, "promises_kept %llu\n", s.promises_kept);
	seq_printf(m, "promises_broken %llu\n", s.promises_broken);
	seq_printf(m, "promises_untracked %llu\n", s.promises_untracked);
	seq_printf(m, "timeouts %llu\n", s.timeouts);
	seq_printf(m, "ring_closes %llu\n", s.ring_closes);
	seq_printf(m, "watchdog_reports %llu\n", s.watchdog_reports);
	seq_printf(m, "obligations_live %llu\n", s.obligations_live);
	seq_printf(m, "obligations_records %llu\n", s.obligations_records);
	seq_printf(m, "untracked %llu\n", s.untracked);
	seq_printf(m, "watchdog_ms %u\n", READ_ONCE(watchdog_ms));
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(dma_fence_token_stats_show);

DEFINE_SHOW_ATTRIBUTE(dma_fence_token_obligations);
DEFINE_SHOW_ATTRIBUTE(dma_fence_token_stats);

static int dft_watchdog_ms_get(void *data, u64 *val)
{
	*val = READ_ONCE(watchdog_ms);
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

/* Module init: the record pool, the stack depot and the debugfs files. */
int __dft_ob_init(void)
{
	unsigned int i;

	if (stack_depot_init())
		pr_info("dma_fence_token: no stack depot, obligations are listed without stacks\n");
	if (obligations) {
		dft_ob_pool = kvcalloc(obligations, sizeof(*dft_ob_pool), GFP_KERNEL);
		if (!dft_ob_pool)
			return -ENOMEM;
	}
	for (i = 0; i < obligations; i++) {
		INIT_HLIST_NODE(&dft_ob_pool[i].node);
		list_add_tail(&dft_ob_pool[i].link, &dft_ob_free);
	}

	dft_debugfs = debugfs_create_dir("dma_fence_token", NULL);
	debugfs_create_file("obligations", 0444, dft_debugfs, NULL,
			    &dma_fence_token_obligations_fops);
	debugfs_create_file("stats", 0444, dft_debugfs, NULL,
			    &dma_fence_token_stats_fops);
	debugfs_create_file_unsafe("watchdog_ms", 0644, dft_debugfs, NULL,
				   &dft_watchdog_ms_fops);
	register_module_notifier(&dft_ob_module_nb);
	WRITE_ONCE(dft_ob_ready, true);
	return 0;
}

/*
 * The fence of the first live record whose fence's ops are in @mod (any
 * record if @mod is NULL), with a reference, or NULL; @ip is set to where
 * its token was begun.
 */
static struct dma_fence *dft_ob_next_fence(struct module *mod, unsigned long *ip)
{
	struct dma_fence *fence = NULL;
	struct dft_obligation *ob;
	unsigned long flags;

	spin_lock_irqsave(&dft_ob_lock, flags);
	list_for_each_entry(ob, &dft_ob_live, link) {
		if (!mod || within_module((unsigned long)ob->fence->ops, mod)) {
			fence = dma_fence_get(ob->fence);
			*ip = ob->created_at;
			break;
		}
	}
	spin_unlock_irqrestore(&dft_ob_lock, flags);
	return fence;
}

/*
 * Drop the record of @fence and its reference, and end its guarantee:
 * nothing of the going module will signal it now.  The fence lock is taken
 * first (the order of the Locking DOC): a promise's callback runs under it,
 * so with both locks held the callback is neither running nor able to run
 * once it is off the fence's list (what dma_fence_remove_callback() does,
 * which cannot be called with the fence lock held).  The caller holds a
 * reference of its own.
 */
static void dft_ob_drop(struct dma_fence *fence)
{
	struct dft_obligation *ob;
	unsigned long flags;

	spin_lock_irqsave(fence->lock, flags);
	spin_lock(&dft_ob_lock);
	ob = dft_ob_find(fence);
	if (ob) {
		if (ob->cb_armed)
			list_del_init(&ob->cb.node);
		ob->cb_armed = false;
		dft_ob_unlink(ob);
	}
	spin_unlock(&dft_ob_lock);
	spin_unlock_irqrestore(fence->lock, flags);
	if (!ob)
		return;
	__dma_fence_guarantee_end(fence);
	dma_fence_put(fence);
	dft_ob_free_record(ob);
}

/*
 * A module is going away, its text still there.  Fence ops live in driver
 * modules: a reference the tracker holds must not be the one that calls
 * ->release() once that text is gone.  Drop the references of signalled
 * promises now, and report and drop the records of that module's fences
 * that are still owed.
 */
static int dft_ob_module_notify(struct notifier_block *nb,
				unsigned long action, void *data)
{
	struct dma_fence *fence;
	unsigned long ip = 0;

	/* Without modules (UML's KUnit kernel) the states do not exist. */
#ifdef CONFIG_MODULES
	if (action != MODULE_STATE_GOING)
		return NOTIFY_DONE;
#endif
	/* A running scan may hold the reap list or a reference of its own. */
	flush_delayed_work(&dft_watchdog);
	dft_ob_reap_signalled();
	while ((fence = dft_ob_next_fence(data, &ip))) {
		if (!test_bit(DMA_FENCE_FLAG_SIGNALED_BIT, &fence->flags))
			__dma_fence_token_report(DMA_FENCE_TOKEN_MISUSE_OWED_AT_UNLOAD,
						 fence, ip);
		dft_ob_drop(fence);
		dma_fence_put(fence);
	}
	return NOTIFY_DONE;
}

/*
 * Module exit: every user of the library is gone.  Records still live
 * belong to leaked obligations; their references are dropped.  The
 * callbacks of promises live in this module: each is unhooked (or waited
 * for, if it is running on another CPU) before its record is touched.
 */
void __dft_ob_exit(void)
{
	struct dma_fence *fence;
	unsigned long ip;

	WRITE_ONCE(dft_ob_ready, false);
	unregister_module_notifier(&dft_ob_module_nb);
	debugfs_remove_recursive(dft_debugfs);
	cancel_delayed_work_sync(&dft_watchdog);
	dft_ob_reap_signalled();
	while ((fence = dft_ob_next_fence(NULL, &ip))) {
		dft_ob_drop(fence);
		dma_fence_put(fence);
	}
	dft_ob_reap_signalled();
	kvfree(dft_ob_pool);
	dft_ob_pool = NULL;
}
