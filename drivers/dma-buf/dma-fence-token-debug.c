// SPDX-License-Identifier: GPL-2.0
/*
 * Fence signalling tokens: the runtime tracker.  Every live token and every
 * owed guarantee is a debugobject; every outstanding obligation has a
 * record naming where it began; a watchdog reports obligations whose
 * path made no progress.  The bottom of the library: it calls nothing
 * above it, the core reaches it through the dma_fence_token_debug_*()
 * hooks of dma-fence-token-internal.h.
 */

#include <linux/debugobjects.h>
#include <linux/dma-fence-token.h>
#include <linux/hashtable.h>
#include <linux/jiffies.h>
#include <linux/list.h>
#include <linux/mm.h>
#include <linux/percpu.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/sched.h>
#include <linux/sched/task_stack.h>
#include <linux/seq_file.h>
#include <linux/spinlock.h>
#include <linux/stackdepot.h>
#include <linux/stacktrace.h>
#include <linux/string.h>
#include <linux/workqueue.h>
#include <kunit/visibility.h>

#include "dma-fence-token-internal.h"
#include <trace/events/dma_fence_token.h>

/**
 * DOC: Runtime tracker
 *
 * With CONFIG_DMA_FENCE_TOKEN_DEBUG every live token holds a reference to
 * its fence and is a debugobject, and so is the guarantee of every owed
 * fence, at the fence's address.  A token declared with DMA_FENCE_TOKEN()
 * is the exception, because the end of its scope checks it: the token is
 * no debugobject, and where the kernel does not check frees
 * (CONFIG_DEBUG_OBJECTS_FREE off) neither is its fence until the
 * obligation leaves the token (a transfer or a promise); a second path for
 * its fence is then found by the obligation records instead.  This keeps
 * the common path, begin and signal in one function, cheaper (see make
 * bench).  The tracker
 * reports, with a warning that starts with "dma_fence_token:" and names
 * the fence and where its token was begun:
 *
 * - a token that leaves the scope of DMA_FENCE_TOKEN() live, or that is
 *   begun again while live (the fence is signalled with -ECANCELED);
 * - memory holding a live token, or a fence whose signal a token, queue or
 *   ring still owes, that is freed by any allocator (kfree(), kfree_rcu(),
 *   kmem_cache_free(), vfree(), a thread's stack; found by
 *   CONFIG_DEBUG_OBJECTS_FREE), with the fence in the same allocation or
 *   not: the fence is signalled with -ECANCELED while its memory is still
 *   there, and the free goes on;
 * - a token discharged or transferred by another task, or in another
 *   context (task, softirq, hard interrupt), than the one that began it,
 *   including tokens that opened no lockdep section (the fence is still
 *   signalled);
 * - a second discharge, the use of a discharged token, and the discharge
 *   of a token that was never begun;
 * - a proof presented to dma_fence_token_proof_end() for another fence (the owed
 *   fence is signalled with -ECANCELED);
 * - a second path taking on the guarantee of a fence while another holds
 *   it (a debugobject at the fence's address is active for as long as a
 *   token, work item, ring or promise owes the signal; for a scoped token,
 *   its record);
 * - a transfer to a hardware ring without a timeout;
 * - a signalling work item whose run callback returns with its token still
 *   live (the fence is signalled with -ECANCELED);
 * - a promised fence still unsignalled after the watchdog limit (reported
 *   once as a broken promise), and any other obligation whose path made no
 *   progress for that limit (reported once as hung), see "Obligations,
 *   watchdog and debugfs".
 *
 * The first five reports of a boot are warnings with a backtrace; later
 * ones are one rate-limited line each that ends with how many reports of
 * that kind there were, as debugobjects does.  Each report also bumps a
 * counter, see dma_fence_token_get_stats(), and emits the
 * dma_fence_token_misuse trace event.  The recovery signals the fence so
 * that nothing waits forever; the report is still a bug in the driver.
 */

/**
 * DOC: Obligations, watchdog and debugfs
 *
 * With CONFIG_DMA_FENCE_TOKEN_DEBUG every obligation to signal a fence has
 * a record, taken from a pool that is allocated when the module loads
 * (module parameter ``obligations``, 1024 by default).  The record is taken
 * by dma_fence_token_begin() and follows the fence through every transfer:
 * the token, a signalling work item (queued, then running), a hardware ring,
 * or a promise.  It ends when the path that holds the guarantee signals the
 * fence; a promise ends when the fence is signalled by anyone.  The record
 * names where the token was begun; when the obligation leaves the token (a
 * transfer or a promise) it also gets the stack of the code that handed it
 * over, saved in the stack depot (GFP_NOWAIT, outside the queue's and the
 * ring's locks; a failure only loses the stack).  A token signalled by the
 * code that began it, the common case, so costs no stack walk.  Nothing on
 * a signalling path allocates for this, and when every record is in use
 * the obligation is counted as untracked instead.
 *
 * A scoped token (DMA_FENCE_TOKEN()) whose fence has the guarantee object
 * takes its record without the tracker's lock, from a small per-CPU cache
 * refilled in batches, and publishes it in a per-CPU slot; its signal ends
 * the record without the lock too.  The record moves to the tracker's hash
 * when the obligation leaves the token.  Records in the caches are counted
 * in ``obligations_cached``: they are neither free nor live.
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
 * path that holds it, where its token was begun and the stack that handed
 * it over.  A promise is reported
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
 *   it; then, indented by a tab, where the token was begun and the stack
 *   that handed the obligation over, from the driver's call down.
 * - ``stats``: one ``name value`` line per counter: tokens created,
 *   discharges per path, tokens withdrawn (a second token of a fence a
 *   job queue owes: a job pushed twice, ended without a signal),
 *   opportunistic signals, misuse reports per kind,
 *   promises, ring timeouts and closes, watchdog reports and the record
 *   pool.
 * - ``watchdog_ms``: the watchdog limit, writable.
 */

#define DFT_STATE_LIVE	0x4c495645u
#define DFT_STATE_DONE	0x444f4e45u

/*
 * What each report says, and the key of its counter in debugfs ``stats``
 * (the trace event's names are the same keys).
 */
static const struct {
	const char *key;
	const char *msg;
} dft_misuse_info[] = {
	[DMA_FENCE_TOKEN_MISUSE_LEAK_SCOPE] = { "leak_scope",
		"leaked token (scope left or begun again while live)" },
	[DMA_FENCE_TOKEN_MISUSE_LEAK_FREED] = { "leak_freed",
		"leaked token (freed while live)" },
	[DMA_FENCE_TOKEN_MISUSE_DOUBLE_DISCHARGE] = { "double_discharge",
		"token discharged twice" },
	[DMA_FENCE_TOKEN_MISUSE_USE_AFTER_DISCHARGE] = { "use_after_discharge",
		"token used after discharge" },
	[DMA_FENCE_TOKEN_MISUSE_WRONG_FENCE] = { "wrong_fence",
		"proof for the wrong fence" },
	[DMA_FENCE_TOKEN_MISUSE_BROKEN_PROMISE] = { "broken_promise",
		"broken promise (fence not signalled in time)" },
	[DMA_FENCE_TOKEN_MISUSE_SECOND_GUARANTEE] = { "second_guarantee",
		"second guaranteed signalling path for one fence" },
	[DMA_FENCE_TOKEN_MISUSE_NO_TIMEOUT] = { "no_timeout",
		"transfer to hardware without a timeout" },
	[DMA_FENCE_TOKEN_MISUSE_HUNG] = { "hung",
		"hung obligation (fence not signalled in time)" },
	[DMA_FENCE_TOKEN_MISUSE_FENCE_FREED] = { "fence_freed",
		"fence freed while its signal is owed" },
	[DMA_FENCE_TOKEN_MISUSE_WRONG_CONTEXT] = { "wrong_context",
		"token discharged in another task or context than the one that began it" },
	[DMA_FENCE_TOKEN_MISUSE_NOT_BEGUN] = { "not_begun",
		"token discharged without a begin" },
	[DMA_FENCE_TOKEN_MISUSE_OWED_AT_UNLOAD] = { "owed_at_unload",
		"fence still owed when the module of its ops was unloaded" },
};

static_assert(ARRAY_SIZE(dft_misuse_info) == DMA_FENCE_TOKEN_MISUSE_COUNT);

/* The debugfs key of a misuse kind, for dma-fence-token-debugfs.c. */
const char *dma_fence_token_debug_misuse_key(enum dma_fence_token_misuse kind)
{
	return dft_misuse_info[kind].key;
}

/* The context level a token is begun and must be discharged in. */
static unsigned int dft_context(void)
{
	if (in_nmi())
		return 3;
	if (in_hardirq())
		return 2;
	if (in_serving_softirq())
		return 1;
	return 0;
}

/*
 * Reports are full warnings with a backtrace for the first few, then one
 * rate-limited line each, as debugobjects does: a driver that repeats a
 * misuse in a loop must not flood the log (or panic a panic_on_warn
 * machine over and over).  The counters count every report.
 */
#define DFT_WARN_LIMIT	5
static atomic_t dft_warnings;

static atomic_long_t dft_created;
static atomic_long_t dft_discharged[DMA_FENCE_TOKEN_PATH_COUNT];
static atomic_long_t dft_opportunistic;
static atomic_long_t dft_misuse[DMA_FENCE_TOKEN_MISUSE_COUNT];
static const struct debug_obj_descr dft_debug_descr;

/* Returns true for a full report, false for a rate-limited line. */
static bool dft_warn(enum dma_fence_token_misuse kind, struct dma_fence *fence,
		     unsigned long created_at)
{
	long n = atomic_long_inc_return(&dft_misuse[kind]);
	bool full = atomic_inc_return(&dft_warnings) <= DFT_WARN_LIMIT;

	trace_dma_fence_token_misuse(kind, fence);
	if (fence && full)
		WARN(1, "dma_fence_token: %s: fence %s:%s context %llu seqno %llu, token begun at %pS\n",
		     dft_misuse_info[kind].msg, fence->ops->get_driver_name(fence),
		     fence->ops->get_timeline_name(fence), fence->context,
		     fence->seqno, (void *)created_at);
	else if (full && !created_at)
		WARN(1, "dma_fence_token: %s\n", dft_misuse_info[kind].msg);
	else if (full)
		WARN(1, "dma_fence_token: %s: token begun at %pS\n",
		     dft_misuse_info[kind].msg, (void *)created_at);
	else if (fence)
		pr_warn_ratelimited("dma_fence_token: %s: fence %s:%s context %llu seqno %llu, token begun at %pS (report %ld of this kind)\n",
				    dft_misuse_info[kind].msg,
				    fence->ops->get_driver_name(fence),
				    fence->ops->get_timeline_name(fence),
				    fence->context, fence->seqno,
				    (void *)created_at, n);
	else
		pr_warn_ratelimited("dma_fence_token: %s: token begun at %pS (report %ld of this kind)\n",
				    dft_misuse_info[kind].msg, (void *)created_at, n);
	return full;
}

/* Report a misuse found by another part of the library. */
void dma_fence_token_debug_report(enum dma_fence_token_misuse kind,
				  struct dma_fence *fence, unsigned long ip)
{
	dft_warn(kind, fence, ip);
}

/* A discharged token no longer references its fence: name it by address. */
static void dft_warn_stale(enum dma_fence_token_misuse kind,
			   struct dma_fence_token *tok)
{
	long n = atomic_long_inc_return(&dft_misuse[kind]);

	trace_dma_fence_token_misuse(kind, NULL);
	if (atomic_inc_return(&dft_warnings) <= DFT_WARN_LIMIT)
		WARN(1, "dma_fence_token: %s: fence %p (already discharged), token begun at %pS\n",
		     dft_misuse_info[kind].msg, tok->fence, (void *)tok->created_at);
	else
		pr_warn_ratelimited("dma_fence_token: %s: fence %p (already discharged), token begun at %pS (report %ld of this kind)\n",
				    dft_misuse_info[kind].msg, tok->fence,
				    (void *)tok->created_at, n);
}

/* The core's actions for a free fixup, given at init. */
static const struct dma_fence_token_debug_ops *dft_ops;

static void dft_guarantee_end(struct dma_fence *fence,
			      struct dma_fence_token *tok);
static bool dft_scoped(struct dma_fence_token *tok);
static bool dft_guard(struct dma_fence_token *tok, struct dma_fence *fence,
		      unsigned long ip);

#define DFT_OB_HASH_BITS	10
/* Per CPU: records kept ready for a begin, and slots that publish them. */
#define DFT_OB_CPU_CACHE	8
#define DFT_OB_CPU_SLOTS	16
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
 * @ended: entry in dft_ob_ended once the token's end has claimed the record
 *	without the lock
 * @fence: the fence, referenced while the record is live; whoever sets it
 *	to NULL with cmpxchg() (dft_ob_claim()) owns that reference and ends
 *	the record, so it is read with READ_ONCE() and, to be used past the
 *	lock, referenced with dma_fence_get_rcu()
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
 * @guarded: the fence's guarantee debugobject is active (not while a
 *	scoped token holds the obligation); protected by dft_ob_lock
 * @slot: the per-CPU slot that publishes the record of a scoped token
 *	begun without the lock, NULL once it is in dft_ob_hash; changed under
 *	dft_ob_lock or by the token's own end
 * @hashed: in dft_ob_hash and dft_ob_live; protected by dft_ob_lock
 */
struct dft_obligation {
	struct hlist_node node;
	struct list_head link;
	struct dma_fence_cb cb;
	struct llist_node ended;
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
	bool guarded;
	struct dft_obligation **slot;
	bool hashed;
};

/**
 * struct dft_ob_cpu - the records of one CPU for begins without the lock
 * @cache: free records taken from dft_ob_free in batches, under dft_ob_lock;
 *	used with preemption off
 * @ncache: records in @cache
 * @slot: records of live scoped tokens begun on this CPU, published with
 *	release semantics; readers walk them under dft_ob_lock, which keeps
 *	an ended record from being reused meanwhile
 */
struct dft_ob_cpu {
	struct dft_obligation *cache[DFT_OB_CPU_CACHE];
	unsigned int ncache;
	struct dft_obligation *slot[DFT_OB_CPU_SLOTS];
};

static DEFINE_PER_CPU(struct dft_ob_cpu, dft_ob_cpu);
/*
 * The per-CPU caches are used only where the pool is large for the number
 * of CPUs: they hold at most a quarter of it, so that a full cache on
 * every CPU cannot starve the other paths (nor does an offline CPU's).
 */
static bool dft_ob_fast;

static DEFINE_SPINLOCK(dft_ob_lock);
/* jiffies when a recorded obligation last ended: any progress at all. */
static unsigned long dft_ob_progress_at;
static DEFINE_HASHTABLE(dft_ob_hash, DFT_OB_HASH_BITS);
static LIST_HEAD(dft_ob_live);
static LIST_HEAD(dft_ob_reap);
static LIST_HEAD(dft_ob_free);
/* Records claimed by a token's end, unlinked at the next dft_ob_reap_ended(). */
static LLIST_HEAD(dft_ob_ended);
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
		if (READ_ONCE(ob->fence) == fence)
			return ob;
	return NULL;
}

/*
 * Take the record's reference to @fence and the duty to end the record.
 * False if another path claimed it first (a token's end racing with a free
 * fixup or a module unload, both misuse).
 */
static bool dft_ob_claim(struct dft_obligation *ob, struct dma_fence *fence)
{
	return cmpxchg(&ob->fence, fence, NULL) == fence;
}

/*
 * The fence of a live record, referenced, or NULL if its record was claimed
 * meanwhile.  Called with dft_ob_lock held: interrupts are off, which is an
 * RCU read-side section, and a fence is freed after a grace period (the
 * rule that dma_resv readers rely on too).
 */
static struct dma_fence *dft_ob_fence_get(struct dft_obligation *ob)
{
	struct dma_fence *fence = READ_ONCE(ob->fence);

	lockdep_assert_held(&dft_ob_lock);
	if (!fence || !dma_fence_get_rcu(fence))
		return NULL;
	if (READ_ONCE(ob->fence) != fence) {
		/* Claimed, the memory maybe reused: not this record's fence. */
		dma_fence_put(fence);
		return NULL;
	}
	return fence;
}

/*
 * Not get_task_comm(): its task lock is not irq-safe, and records change
 * in hard interrupts.  A racing rename gives a torn name at worst.
 */
static void dft_ob_set_task(struct dft_obligation *ob)
{
	/* A job queue runs jobs in interrupts: not the interrupted task's. */
	if (!in_task()) {
		ob->pid = 0;
		strscpy(ob->comm, in_hardirq() ? "[hardirq]" : "[softirq]",
			sizeof(ob->comm));
		return;
	}
	ob->pid = task_pid_nr(current);
	memcpy(ob->comm, current->comm, sizeof(ob->comm));
	ob->comm[sizeof(ob->comm) - 1] = '\0';
}

/* Unlink a live record; the caller drops its fence reference. */
static void dft_ob_unlink(struct dft_obligation *ob)
{
	lockdep_assert_held(&dft_ob_lock);
	if (!ob->hashed)
		return;
	hash_del(&ob->node);
	list_del_init(&ob->link);
	ob->hashed = false;
	dft_ob_nr_live--;
}

/* Return the records that tokens ended without the lock to the pool. */
static void dft_ob_reap_ended(void)
{
	struct dft_obligation *ob, *next;
	struct llist_node *ended;

	lockdep_assert_held(&dft_ob_lock);
	ended = llist_del_all(&dft_ob_ended);
	llist_for_each_entry_safe(ob, next, ended, ended) {
		dft_ob_unlink(ob);
		list_add(&ob->link, &dft_ob_free);
	}
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
 * Parts of the tracker that the benchmark switches off, one at a time, to
 * show what each costs (dma_fence_token_debug_set_skip()).  Never set
 * otherwise: with a part off, the tracker misses what that part sees.
 */
static unsigned int dft_skip;

/**
 * dma_fence_token_debug_set_skip - switch parts of the tracker off
 * @skip: %DMA_FENCE_TOKEN_SKIP_* bits
 *
 * For the benchmark only, with no obligation live: objects and records
 * begun with a part on must end with it on.
 *
 * Context: any context.
 */
void dma_fence_token_debug_set_skip(unsigned int skip)
{
	WRITE_ONCE(dft_skip, skip);
}
EXPORT_SYMBOL_IF_KUNIT(dma_fence_token_debug_set_skip);

static bool dft_skips(unsigned int part)
{
	return unlikely(READ_ONCE(dft_skip) & part);
}

/*
 * Save the stack that hands an obligation over at @ip (a transfer or a
 * promise; @ip is the return address into the driver).  The library's own
 * frames are dropped: the first one kept is the one at @ip, or just after
 * it.  If none is close enough (an unusual code layout), the whole stack is
 * kept.
 */
static noinline depot_stack_handle_t dft_ob_save_stack(unsigned long ip)
{
	unsigned long entries[DFT_OB_STACK_DEPTH + 4];
	unsigned int i, n;

	if (dft_skips(DMA_FENCE_TOKEN_SKIP_STACKS))
		return 0;
	n = stack_trace_save(entries, ARRAY_SIZE(entries), 1);
	for (i = 0; i < n; i++)
		if (entries[i] >= ip && entries[i] - ip <= DFT_OB_CALLER_SLACK)
			break;
	if (i == n)
		i = 0;
	n = min_t(unsigned int, n - i, DFT_OB_STACK_DEPTH);
	return stack_depot_save(entries + i, n, GFP_NOWAIT | __GFP_NOWARN);
}

/* Fill a record for token @tok, begun for @fence at @ip. */
static void dft_ob_fill(struct dft_obligation *ob, struct dma_fence *fence,
			struct dma_fence_token *tok, unsigned long ip)
{
	ob->tok = tok;
	ob->since = jiffies;
	ob->moved = ob->since;
	ob->progress = NULL;
	ob->created_at = ip;
	ob->stack = 0;
	ob->state = DFT_OB_MUST_SIGNAL;
	ob->where = NULL;
	ob->cb_armed = false;
	ob->reported = false;
	ob->guarded = tok->guarded;
	ob->slot = NULL;
	ob->hashed = false;
	dft_ob_set_task(ob);
	WRITE_ONCE(ob->fence, dma_fence_get(fence));
	tok->record = ob;
}

/*
 * The watchdog is pending while records are live: looked at first, which
 * spares every begin the interrupt-off round trip of queueing.  A scan
 * that is running reschedules itself for the records it sees; one that
 * missed a new record finds the work not pending here.
 */
static void dft_watchdog_arm(void)
{
	if (!delayed_work_pending(&dft_watchdog))
		queue_delayed_work(system_wq, &dft_watchdog,
				   msecs_to_jiffies(READ_ONCE(watchdog_ms)));
}

/*
 * Begin the record of a scoped token that has the guarantee object, which
 * reports a second guarantee itself, without dft_ob_lock: a record from
 * this CPU's cache (refilled in batches under the lock), published in one
 * of this CPU's slots.  Only in task context: interrupts take the locked
 * path, so nothing else on this CPU touches the cache meanwhile.  Returns
 * false if there is no free slot or record: the caller takes the locked
 * path.
 */
static bool dft_ob_begin_fast(struct dma_fence *fence, struct dma_fence_token *tok,
			      unsigned long ip)
{
	struct dft_obligation *ob = NULL;
	struct dft_ob_cpu *c;
	unsigned long flags;
	unsigned int i;

	if (in_interrupt())
		return false;
	preempt_disable();
	c = this_cpu_ptr(&dft_ob_cpu);
	if (!c->ncache) {
		spin_lock_irqsave(&dft_ob_lock, flags);
		dft_ob_reap_ended();
		while (c->ncache < DFT_OB_CPU_CACHE) {
			ob = list_first_entry_or_null(&dft_ob_free,
						      struct dft_obligation, link);
			if (!ob)
				break;
			list_del_init(&ob->link);
			c->cache[c->ncache++] = ob;
		}
		spin_unlock_irqrestore(&dft_ob_lock, flags);
		ob = NULL;
	}
	for (i = 0; c->ncache && i < DFT_OB_CPU_SLOTS; i++) {
		/* Only this CPU fills a slot; others only empty theirs. */
		if (READ_ONCE(c->slot[i]))
			continue;
		ob = c->cache[--c->ncache];
		dft_ob_fill(ob, fence, tok, ip);
		ob->slot = &c->slot[i];
		/* Filled before published: pairs with dft_ob_walk_slots(). */
		smp_store_release(&c->slot[i], ob);
		break;
	}
	preempt_enable();
	if (!ob)
		return false;
	/*
	 * The slot is written before the watchdog's pending bit is read: a
	 * scan that cleared the bit and walked the slots before this store
	 * is then seen not pending, and queued again.
	 */
	smp_mb();
	dft_watchdog_arm();
	return true;
}

/*
 * Under dft_ob_lock: the record @ob of a token, published in a slot, moves
 * to the hash, where the queue and ring paths look it up, because the
 * obligation leaves the token.
 */
static void dft_ob_adopt(struct dft_obligation *ob)
{
	lockdep_assert_held(&dft_ob_lock);
	if (ob->hashed || !ob->slot || !READ_ONCE(ob->fence))
		return;
	WRITE_ONCE(*ob->slot, NULL);
	ob->slot = NULL;
	list_add_tail(&ob->link, &dft_ob_live);
	hash_add(dft_ob_hash, &ob->node, (unsigned long)ob->fence);
	ob->hashed = true;
	dft_ob_nr_live++;
}

/* Under dft_ob_lock: adopt the record of @tok for @fence, if it has one. */
static void dft_ob_adopt_token(struct dma_fence_token *tok, struct dma_fence *fence)
{
	struct dft_obligation *ob = tok->record;

	if (ob && ob->tok == tok && READ_ONCE(ob->fence) == fence)
		dft_ob_adopt(ob);
}

/* What the record walks below call for each record. */
typedef void (*dft_ob_fn)(struct dft_obligation *ob, void *arg);

/* Under dft_ob_lock: call @fn for every record published in a slot. */
static void dft_ob_walk_slots(dft_ob_fn fn, void *arg)
{
	struct dft_obligation *ob;
	unsigned int cpu, i;

	lockdep_assert_held(&dft_ob_lock);
	for_each_possible_cpu(cpu) {
		struct dft_ob_cpu *c = per_cpu_ptr(&dft_ob_cpu, cpu);

		for (i = 0; i < DFT_OB_CPU_SLOTS; i++) {
			/* Pairs with the publishing in dft_ob_begin_fast(). */
			ob = smp_load_acquire(&c->slot[i]);
			if (ob && READ_ONCE(ob->fence))
				fn(ob, arg);
		}
	}
}

/*
 * A token was begun for @fence at @ip and a new guarantee starts: take a
 * record.  No stack yet: most tokens are signalled by the code that began
 * them, and while a token holds the obligation @ip and the owner name it.
 * The stack is saved when the obligation is handed over.
 */
static void dft_ob_begin(struct dma_fence *fence, struct dma_fence_token *tok,
			 unsigned long ip)
{
	struct dft_obligation *ob;
	unsigned long flags;
	bool second;

	if (!READ_ONCE(dft_ob_ready) || dft_skips(DMA_FENCE_TOKEN_SKIP_RECORDS))
		return;
	/*
	 * A scoped token with the guarantee object: debugobjects sees a second
	 * guarantee, no lookup is needed.
	 */
	if (READ_ONCE(dft_ob_fast) && tok->guarded && dft_scoped(tok) &&
	    dft_ob_begin_fast(fence, tok, ip))
		return;

	spin_lock_irqsave(&dft_ob_lock, flags);
	dft_ob_reap_ended();
	ob = dft_ob_find(fence);
	if (ob) {
		/*
		 * A second guarantee: keep the first.  debugobjects reported it
		 * if both paths have the guarantee object; where one is a
		 * scoped token, which has none, the record is the witness.
		 */
		second = !ob->guarded || !tok->guarded;
		spin_unlock_irqrestore(&dft_ob_lock, flags);
		if (second)
			dft_warn(DMA_FENCE_TOKEN_MISUSE_SECOND_GUARANTEE, fence, ip);
		return;
	}
	ob = list_first_entry_or_null(&dft_ob_free, struct dft_obligation, link);
	if (!ob && !in_interrupt()) {
		/*
		 * The pool is empty: take one this CPU keeps for scoped
		 * tokens.  The lock keeps preemption off, and no interrupt
		 * uses the cache.
		 */
		struct dft_ob_cpu *c = this_cpu_ptr(&dft_ob_cpu);

		if (c->ncache)
			ob = c->cache[--c->ncache];
	}
	if (!ob) {
		spin_unlock_irqrestore(&dft_ob_lock, flags);
		atomic_long_inc(&dft_ob_untracked);
		return;
	}
	list_move_tail(&ob->link, &dft_ob_live);
	dft_ob_fill(ob, fence, tok, ip);
	hash_add(dft_ob_hash, &ob->node, (unsigned long)fence);
	ob->hashed = true;
	dft_ob_nr_live++;
	spin_unlock_irqrestore(&dft_ob_lock, flags);
	dft_watchdog_arm();
}

/* The obligation of @fence moved to @state on queue or ring @where. */
void dma_fence_token_debug_move(struct dma_fence *fence,
				enum dft_ob_state state, const char *where,
				const unsigned long *progress)
{
	struct dft_obligation *ob;
	unsigned long flags;

	spin_lock_irqsave(&dft_ob_lock, flags);
	ob = dft_ob_find(fence);
	if (ob && !ob->cb_armed) {
		WRITE_ONCE(ob->state, state);
		ob->where = where;
		WRITE_ONCE(ob->tok, NULL);
		ob->moved = jiffies;
		ob->progress = progress;
		if (state == DFT_OB_RUNNING)
			dft_ob_set_task(ob);
	}
	spin_unlock_irqrestore(&dft_ob_lock, flags);
}

/*
 * Hook: the driver hands the obligation of @fence over to a queue or a
 * ring, returning to @ip.  Save the stack once, outside the queue's and the
 * ring's locks: it names the submitter for as long as the obligation is
 * owed.
 */
void dma_fence_token_debug_handover(struct dma_fence_token *tok,
				    struct dma_fence *fence, unsigned long ip)
{
	depot_stack_handle_t stack;
	struct dft_obligation *ob;
	unsigned long flags;
	bool need;

	/* From here on a path that cannot see a free owes the signal. */
	dft_guard(tok, fence, ip);
	if (!READ_ONCE(dft_ob_nr_live) && !tok->record)
		return;
	/* One walk per obligation: the first hand-over names the submitter. */
	spin_lock_irqsave(&dft_ob_lock, flags);
	dft_ob_adopt_token(tok, fence);
	ob = dft_ob_find(fence);
	if (ob)
		ob->guarded = true;
	need = ob && !ob->stack;
	spin_unlock_irqrestore(&dft_ob_lock, flags);
	if (!need)
		return;
	stack = dft_ob_save_stack(ip);
	if (!stack)
		return;
	spin_lock_irqsave(&dft_ob_lock, flags);
	ob = dft_ob_find(fence);
	if (ob && !ob->stack)
		ob->stack = stack;
	spin_unlock_irqrestore(&dft_ob_lock, flags);
}

/*
 * The token @tok that began the record of @fence signalled it: end the
 * record without the lock.  The claim takes the record's reference, the
 * next begin unlinks it.  False if @tok does not hold the record (begun
 * without one, or the obligation moved on): the caller looks it up.
 */
static bool dft_ob_end_token(struct dma_fence_token *tok,
			     struct dma_fence *fence)
{
	struct dft_obligation *ob = tok->record;

	tok->record = NULL;
	if (!ob || READ_ONCE(ob->tok) != tok ||
	    READ_ONCE(ob->state) != DFT_OB_MUST_SIGNAL || !dft_ob_claim(ob, fence))
		return false;
	if (ob->slot) {
		/* Published in a slot, not hashed: the slot empties. */
		WRITE_ONCE(*ob->slot, NULL);
		ob->slot = NULL;
	}
	WRITE_ONCE(dft_ob_progress_at, jiffies);
	llist_add(&ob->ended, &dft_ob_ended);
	dma_fence_put(fence);
	return true;
}

/*
 * The path that held the guarantee of @fence signalled it: the record
 * ends.  The caller holds a reference of its own, so the record's is not
 * the last one.  A promise's record is ended by its fence callback.  @tok
 * is the token that signalled it, NULL for a queue or a ring.
 */
static void dft_ob_end(struct dma_fence *fence, struct dma_fence_token *tok)
{
	struct dft_obligation *ob;
	unsigned long flags;

	if (tok && dft_ob_end_token(tok, fence))
		return;
	spin_lock_irqsave(&dft_ob_lock, flags);
	ob = dft_ob_find(fence);
	if (!ob || ob->cb_armed || !dft_ob_claim(ob, fence)) {
		spin_unlock_irqrestore(&dft_ob_lock, flags);
		return;
	}
	dft_ob_unlink(ob);
	list_add(&ob->link, &dft_ob_free);
	WRITE_ONCE(dft_ob_progress_at, jiffies);
	spin_unlock_irqrestore(&dft_ob_lock, flags);
	dma_fence_put(fence);
}

/* For held work items, which wait for other fences: progress anywhere. */
const unsigned long *dma_fence_token_debug_any_progress(void)
{
	return &dft_ob_progress_at;
}

/*
 * The token that holds the obligation of @fence in the must-signal state,
 * or NULL.  For the free fixups: the memory being freed is still valid.
 */
struct dft_ob_token_match {
	struct dma_fence *fence;
	struct dma_fence_token *tok;
};

static void dft_ob_token_match(struct dft_obligation *ob, void *arg)
{
	struct dft_ob_token_match *m = arg;

	if (READ_ONCE(ob->fence) == m->fence && ob->state == DFT_OB_MUST_SIGNAL)
		m->tok = ob->tok;
}

static struct dma_fence_token *dft_ob_token(struct dma_fence *fence)
{
	struct dft_ob_token_match m = { .fence = fence };
	struct dft_obligation *ob;
	unsigned long flags;

	spin_lock_irqsave(&dft_ob_lock, flags);
	ob = dft_ob_find(fence);
	if (ob && ob->state == DFT_OB_MUST_SIGNAL)
		m.tok = ob->tok;
	else
		dft_ob_walk_slots(dft_ob_token_match, &m);
	spin_unlock_irqrestore(&dft_ob_lock, flags);
	return m.tok;
}

/*
 * The fence whose obligation token @tok holds, with a reference, or NULL;
 * @ip is set to where the token was begun.  For a token whose memory no
 * longer says so (a stack reused or cleared before it was freed); a linear
 * walk, only ever on a misuse.
 */
static struct dma_fence *dft_ob_token_fence(struct dma_fence_token *tok,
					    unsigned long *ip)
{
	struct dma_fence *fence = NULL;
	struct dft_obligation *ob;
	unsigned long flags;

	spin_lock_irqsave(&dft_ob_lock, flags);
	list_for_each_entry(ob, &dft_ob_live, link) {
		if (ob->tok == tok && ob->state == DFT_OB_MUST_SIGNAL) {
			fence = dft_ob_fence_get(ob);
			*ip = ob->created_at;
			if (fence)
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
static void dft_ob_forget(struct dma_fence *fence)
{
	struct dft_obligation *ob;
	unsigned long flags;

	spin_lock_irqsave(&dft_ob_lock, flags);
	ob = dft_ob_find(fence);
	if (ob && dft_ob_claim(ob, fence)) {
		ob->cb_armed = false;
		dft_ob_unlink(ob);
		list_add(&ob->link, &dft_ob_free);
	}
	spin_unlock_irqrestore(&dft_ob_lock, flags);
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
	dft_guarantee_end(fence, NULL);
	dft_watchdog_kick();
}

/*
 * @fence was promised.  Returns false if it has no record: then nobody
 * watches the promise and the caller ends its guarantee.
 */
static bool dft_ob_promise(struct dma_fence_token *tok, struct dma_fence *fence,
			   unsigned long ip)
{
	depot_stack_handle_t stack = 0;
	struct dft_obligation *ob;
	unsigned long flags;

	if (READ_ONCE(dft_ob_nr_live) || tok->record)
		stack = dft_ob_save_stack(ip);
	spin_lock_irqsave(&dft_ob_lock, flags);
	dft_ob_adopt_token(tok, fence);
	ob = dft_ob_find(fence);
	if (ob && !ob->cb_armed) {
		if (!ob->stack)
			ob->stack = stack;
		ob->guarded = true;
		WRITE_ONCE(ob->state, DFT_OB_PROMISED);
		ob->where = NULL;
		WRITE_ONCE(ob->tok, NULL);
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
void dma_fence_token_debug_count_ring(bool timeout)
{
	atomic_long_inc(timeout ? &dft_ring_timeouts : &dft_ring_closes);
}

static void dft_ob_count(struct dft_obligation *ob, void *arg)
{
	(*(u64 *)arg)++;
}

/* Fill the record and watchdog counters of @stats. */
static void dft_ob_stats(struct dma_fence_token_stats *stats)
{
	struct dft_obligation *ob;
	unsigned long flags;
	unsigned int cpu;

	stats->promises_kept = atomic_long_read(&dft_promises_kept);
	stats->promises_untracked = atomic_long_read(&dft_promises_untracked);
	stats->promises_broken = atomic_long_read(&dft_promises_broken);
	stats->timeouts = atomic_long_read(&dft_ring_timeouts);
	stats->ring_closes = atomic_long_read(&dft_ring_closes);
	stats->watchdog_reports = atomic_long_read(&dft_watchdog_reports);
	stats->untracked = atomic_long_read(&dft_ob_untracked);
	stats->obligations_records = dft_ob_pool ? obligations : 0;
	for_each_possible_cpu(cpu)
		stats->obligations_cached += READ_ONCE(per_cpu_ptr(&dft_ob_cpu, cpu)->ncache);

	spin_lock_irqsave(&dft_ob_lock, flags);
	dft_ob_reap_ended();
	stats->obligations_live = dft_ob_nr_live;
	dft_ob_walk_slots(dft_ob_count, &stats->obligations_live);
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

/* Where the token was begun, then the stack that handed it over, if any. */
static void dft_ob_print_stack(unsigned long created_at,
			       depot_stack_handle_t stack)
{
	unsigned long *entries;
	unsigned int i, n;

	n = stack ? stack_depot_fetch(stack, &entries) : 0;
	if (!n || entries[0] != created_at)
		pr_warn("dma_fence_token:   %pS\n", (void *)created_at);
	for (i = 0; i < n; i++)
		pr_warn("dma_fence_token:   %pS\n", (void *)entries[i]);
}

/*
 * Report one obligation past the limit: the misuse warning, then which
 * path holds it, where it was begun and the stack that handed it over.
 */
static void dft_ob_report(struct dft_obligation *snap, unsigned int age_ms)
{
	struct dma_fence *fence = snap->fence;
	bool promise = snap->state == DFT_OB_PROMISED;

	atomic_long_inc(&dft_watchdog_reports);
	if (promise)
		atomic_long_inc(&dft_promises_broken);
	/* Past the full reports, the one rate-limited line is all. */
	if (!dft_warn(promise ? DMA_FENCE_TOKEN_MISUSE_BROKEN_PROMISE :
		      DMA_FENCE_TOKEN_MISUSE_HUNG, fence, snap->created_at))
		return;
	pr_warn("dma_fence_token: fence %s:%s context %llu seqno %llu unsignalled for %u ms: state %s%s%s, held by %s, task %s/%d; token begun at:\n",
		fence->ops->get_driver_name(fence),
		fence->ops->get_timeline_name(fence), fence->context,
		fence->seqno, age_ms, dft_ob_state_name[snap->state],
		snap->where ? " on " : "", snap->where ? snap->where : "",
		dft_ob_holder_name[snap->state], snap->comm, snap->pid);
	dft_ob_print_stack(snap->created_at, snap->stack);
}

/* Also true for a record claimed without the lock. */
static bool dft_ob_signalled(const struct dft_obligation *ob)
{
	struct dma_fence *fence = READ_ONCE(ob->fence);

	lockdep_assert_held(&dft_ob_lock);
	return !fence || test_bit(DMA_FENCE_FLAG_SIGNALED_BIT, &fence->flags);
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

/* What the watchdog looks for in the records, under dft_ob_lock. */
struct dft_ob_due_arg {
	unsigned long limit;
	struct dft_obligation *due;
	unsigned long next;
	bool pending;
};

/* The first record past the limit and not reported yet. */
static void dft_ob_find_due(struct dft_obligation *ob, void *arg)
{
	struct dft_ob_due_arg *d = arg;

	if (d->due || ob->reported || dft_ob_signalled(ob) ||
	    time_before(jiffies, dft_ob_due(ob, d->limit)))
		return;
	d->due = ob;
}

/* When the oldest record not reported yet is due. */
static void dft_ob_next_due(struct dft_obligation *ob, void *arg)
{
	struct dft_ob_due_arg *d = arg;

	if (ob->reported || dft_ob_signalled(ob))
		return;
	if (!d->pending || time_before(dft_ob_due(ob, d->limit), d->next))
		d->next = dft_ob_due(ob, d->limit);
	d->pending = true;
}

/* Under dft_ob_lock: @fn for every live record, hashed or in a slot. */
static void dft_ob_walk(dft_ob_fn fn, void *arg)
{
	struct dft_obligation *ob;

	lockdep_assert_held(&dft_ob_lock);
	list_for_each_entry(ob, &dft_ob_live, link)
		fn(ob, arg);
	dft_ob_walk_slots(fn, arg);
}

/* Returns the number of obligations newly reported. */
static unsigned int dft_watchdog_scan(void)
{
	unsigned long limit = msecs_to_jiffies(READ_ONCE(watchdog_ms));
	struct dft_ob_due_arg d = { .limit = limit };
	unsigned int age = 0, reported = 0;
	char where[32];
	struct dft_obligation snap;
	unsigned long flags;

	dft_ob_reap_signalled();
	for (;;) {
		bool found = false;

		spin_lock_irqsave(&dft_ob_lock, flags);
		dft_ob_reap_ended();
		d.due = NULL;
		dft_ob_walk(dft_ob_find_due, &d);
		if (d.due) {
			snap = *d.due;
			snap.fence = dft_ob_fence_get(d.due);
			/*
			 * The queue's or ring's name may go with it once the
			 * lock is dropped: the report prints a copy.
			 */
			if (snap.where) {
				strscpy(where, snap.where, sizeof(where));
				snap.where = where;
			}
			/* Claimed meanwhile: signalled, nothing to report. */
			d.due->reported = true;
			age = dft_ob_age_ms(d.due);
			found = snap.fence;
		}
		spin_unlock_irqrestore(&dft_ob_lock, flags);
		if (!d.due)
			break;
		if (!found)
			continue;
		dft_ob_report(&snap, age);
		dma_fence_put(snap.fence);
		reported++;
	}

	/* Sleep until the oldest record not reported yet is due. */
	spin_lock_irqsave(&dft_ob_lock, flags);
	dft_ob_walk(dft_ob_next_due, &d);
	spin_unlock_irqrestore(&dft_ob_lock, flags);
	if (d.pending)
		mod_delayed_work(system_wq, &dft_watchdog,
				 time_after(d.next, jiffies) ? d.next - jiffies : 1);
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

/* The watchdog limit in milliseconds, for debugfs. */
unsigned int dma_fence_token_debug_watchdog_ms(void)
{
	return READ_ONCE(watchdog_ms);
}

static void dft_ob_show(struct dft_obligation *ob, void *arg)
{
	struct dma_fence *fence = READ_ONCE(ob->fence);
	struct seq_file *m = arg;
	unsigned long *entries;
	unsigned int i, n;

	/* A fence claimed meanwhile is freed after a grace period. */
	if (dft_ob_signalled(ob))
		return;
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
	if (!n || entries[0] != ob->created_at)
		seq_printf(m, "\t%pS\n", (void *)ob->created_at);
	for (i = 0; i < n; i++)
		seq_printf(m, "\t%pS\n", (void *)entries[i]);
}

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
	unsigned long flags;

	spin_lock_irqsave(&dft_ob_lock, flags);
	dft_ob_reap_ended();
	dft_ob_walk(dft_ob_show, m);
	spin_unlock_irqrestore(&dft_ob_lock, flags);
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(dma_fence_token_obligations_show);

/*
 * An inactive object may be left tracked when its memory is heap memory
 * whose free debugobjects checks: the check drops it with the memory.  A
 * stack (any task's, vmapped or an interrupt stack: not a linear-map
 * address, or the current one), or an allocator whose frees are not
 * checked, is reused by anything: such an object is untracked at once, or
 * another type at that address would inherit it.
 */
static bool dft_goes_with_memory(void *addr)
{
	return IS_ENABLED(CONFIG_DEBUG_OBJECTS_FREE) && !IS_ENABLED(CONFIG_SLOB) &&
	       virt_addr_valid(addr) && !object_is_on_stack(addr);
}

/*
 * A scoped token needs no debugobject: DMA_FENCE_TOKEN()'s cleanup runs
 * whenever its scope ends, and its memory is a stack frame that is only
 * reused after that.
 */
static void dft_track_start(struct dma_fence_token *tok)
{
	if (dft_skips(DMA_FENCE_TOKEN_SKIP_OBJECTS) || dft_scoped(tok))
		return;
	/* Off the stack, activating tracks it (see dft_guarantee_is_static()). */
	if (object_is_on_stack(tok))
		debug_object_init_on_stack(tok, &dft_debug_descr);
	debug_object_activate(tok, &dft_debug_descr);
}

static void dft_track_stop(struct dma_fence_token *tok,
			   enum dma_fence_token_path path)
{
	tok->state = DFT_STATE_DONE;
	tok->path = path;
	if (dft_skips(DMA_FENCE_TOKEN_SKIP_OBJECTS) || dft_scoped(tok))
		return;
	debug_object_deactivate(tok, &dft_debug_descr);
	if (!dft_goes_with_memory(tok))
		debug_object_free(tok, &dft_debug_descr);
}

/*
 * A token whose section, if any, belongs to another context: a discharge
 * from there cannot close it.  The owner's section stays open until the
 * owner leaves it; lockdep then reports the lock held, which names the
 * owner, after the tracker named the misuse.
 */
static void dft_disown_section(struct dma_fence_token *tok)
{
	if (tok->owner != current || tok->context != dft_context())
		tok->section_open = false;
}

/*
 * The memory of a live token is being freed: report, stop tracking, end
 * the guarantee and let the core cancel the fence and close the section
 * if this context opened it.  The tracker's reference to the fence is left
 * behind: the fence may live in the same allocation, and dropping the last
 * reference on freed memory is worse than a leak.
 */
static void dft_leak_freeing(struct dma_fence_token *tok,
			     enum dma_fence_token_misuse kind, bool in_fixup)
{
	struct dma_fence *fence = tok->fence;

	dft_warn(kind, fence, tok->created_at);
	if (in_fixup) {
		/* Out of the active state whatever the knobs say. */
		tok->state = DFT_STATE_DONE;
		tok->path = DMA_FENCE_TOKEN_PATH_NONE;
		debug_object_deactivate(tok, &dft_debug_descr);
		debug_object_free(tok, &dft_debug_descr);
	} else {
		dft_track_stop(tok, DMA_FENCE_TOKEN_PATH_NONE);
	}
	dft_disown_section(tok);
	if (dft_ops)
		dft_ops->cancel(tok, fence);
	if (fence)
		dma_fence_token_debug_signalled(tok, fence);
}

/*
 * The memory of a tracked token is being freed.  debugobjects calls this
 * for an active object and scans the memory again afterwards, endlessly if
 * the object is still active: whatever the token's memory says, the object
 * leaves the active state here.
 */
static bool dft_fixup_free(void *addr, enum debug_obj_state state)
{
	struct dma_fence_token *tok = addr;
	struct dma_fence *fence;
	unsigned long ip = 0;

	if (state != ODEBUG_STATE_ACTIVE)
		return false;
	if (tok->state == DFT_STATE_LIVE) {
		dft_leak_freeing(tok, DMA_FENCE_TOKEN_MISUSE_LEAK_FREED, true);
		return true;
	}
	/*
	 * Live, but the memory was rewritten before it was freed (a thread's
	 * stack is cleared for reuse): the record still knows the fence.  The
	 * section cannot be told apart from garbage: left alone.
	 */
	fence = dft_ob_token_fence(tok, &ip);
	dft_warn(DMA_FENCE_TOKEN_MISUSE_LEAK_FREED, fence, ip);
	debug_object_deactivate(tok, &dft_debug_descr);
	debug_object_free(tok, &dft_debug_descr);
	if (fence) {
		struct dma_fence_token stale = { .fence = fence };

		if (dft_ops)
			dft_ops->cancel(&stale, fence);
		dft_guarantee_end(fence, NULL);
		/* The lookup's reference; the token's own one is left behind. */
		dma_fence_put(fence);
	}
	return true;
}

static void *dft_debug_hint(void *addr)
{
	return (void *)((struct dma_fence_token *)addr)->created_at;
}

static bool dft_debug_is_static(void *addr)
{
	return true;
}

static const struct debug_obj_descr dft_debug_descr = {
	.name		= "dma_fence_token",
	.debug_hint	= dft_debug_hint,
	.is_static_object = dft_debug_is_static,
	.fixup_free	= dft_fixup_free,
};

/*
 * The guarantee of a fence: exactly one path at a time owes its signal.  A
 * debugobject at the fence's address is active from the moment a token is
 * begun for it until the path that holds the guarantee signals it (a
 * token, a work item, a hardware ring) or, for a promise, until it is
 * signalled.  Starting a second guarantee while one is active is reported.
 */
static const struct debug_obj_descr dft_guarantee_descr;

/*
 * A guarantee has no init step of its own: activating it tracks it.  So a
 * fence's memory that is reused (a driver's pool of jobs) costs one lookup
 * to activate and one to deactivate, and a freed fence's inactive object
 * goes with its memory.
 */
static bool dft_guarantee_is_static(void *addr)
{
	return true;
}

/*
 * The memory of a fence is being freed while a path owes its signal.  If a
 * live token holds it, that token is recovered (one report, the fence ends
 * -ECANCELED while its memory is still there).  Otherwise a queue or ring
 * holds it: reported, and the tracker forgets the fence without touching
 * it again.  Either way the guarantee leaves the active state, or
 * debugobjects would scan the memory forever.
 */
static bool dft_guarantee_fixup_free(void *addr, enum debug_obj_state state)
{
	struct dma_fence *fence = addr;
	struct dma_fence_token *tok;

	if (state != ODEBUG_STATE_ACTIVE)
		return false;
	tok = dft_ob_token(fence);
	if (tok && tok->state == DFT_STATE_LIVE && tok->fence == fence) {
		/* The token's memory is still there: it is stopped normally. */
		tok->guarded = false;
		dft_leak_freeing(tok, DMA_FENCE_TOKEN_MISUSE_FENCE_FREED, false);
		/* Whatever discharges @tok later finds it discharged. */
		tok->fence = NULL;
		/* Out of the active state whatever the knobs say. */
		debug_object_deactivate(fence, &dft_guarantee_descr);
		debug_object_free(fence, &dft_guarantee_descr);
		return true;
	}
	dft_warn(DMA_FENCE_TOKEN_MISUSE_FENCE_FREED, fence, 0);
	dft_ob_forget(fence);
	debug_object_deactivate(fence, &dft_guarantee_descr);
	debug_object_free(fence, &dft_guarantee_descr);
	return true;
}

/* Set by the fixup below, on the CPU that activates, preemption off. */
static DEFINE_PER_CPU(bool, dft_second_path);

/*
 * Our guarantee activated while active: a second path.  It stays active,
 * the newest path holding it from now on; the caller reports it, naming
 * that path.
 */
static bool dft_guarantee_fixup_activate(void *addr, enum debug_obj_state state)
{
	if (state != ODEBUG_STATE_ACTIVE)
		return false;
	this_cpu_write(dft_second_path, true);
	return true;
}

static const struct debug_obj_descr dft_guarantee_descr = {
	.name		= "dma_fence_guarantee",
	.is_static_object = dft_guarantee_is_static,
	.fixup_activate	= dft_guarantee_fixup_activate,
	.fixup_free	= dft_guarantee_fixup_free,
};

/* Activate the guarantee object of @fence: true unless another path held it. */
static bool dft_guarantee_start(struct dma_fence *fence, unsigned long ip)
{
	bool second;

	if (dft_skips(DMA_FENCE_TOKEN_SKIP_OBJECTS))
		return false;
	/* A fence on the stack is tracked as one, and untracked at its end. */
	if (object_is_on_stack(fence))
		debug_object_init_on_stack(fence, &dft_guarantee_descr);
	preempt_disable();
	this_cpu_write(dft_second_path, false);
	debug_object_activate(fence, &dft_guarantee_descr);
	second = this_cpu_read(dft_second_path);
	preempt_enable();
	if (second)
		dft_warn(DMA_FENCE_TOKEN_MISUSE_SECOND_GUARANTEE, fence, ip);
	return !second;
}

/* @tok was declared with DMA_FENCE_TOKEN(): its scope's end checks it. */
static bool dft_scoped(struct dma_fence_token *tok)
{
	return tok->scoped == __DMA_FENCE_TOKEN_SCOPED;
}

/*
 * Activate the guarantee object of @fence for @tok unless it is already.
 * Returns true if this call activated it.
 */
static bool dft_guard(struct dma_fence_token *tok, struct dma_fence *fence,
		      unsigned long ip)
{
	if (tok->guarded)
		return false;
	tok->guarded = true;
	tok->activated = dft_guarantee_start(fence, ip);
	return true;
}

/*
 * Deactivate the guarantee object of @fence; untrack it unless it goes with
 * the memory.
 */
static void dft_guarantee_drop(struct dma_fence *fence)
{
	if (dft_skips(DMA_FENCE_TOKEN_SKIP_OBJECTS))
		return;
	debug_object_deactivate(fence, &dft_guarantee_descr);
	if (!dft_goes_with_memory(fence))
		debug_object_free(fence, &dft_guarantee_descr);
}

/*
 * The path that held the guarantee of @fence has signalled it: token @tok,
 * or NULL for any other path.
 */
static void dft_guarantee_end(struct dma_fence *fence,
			      struct dma_fence_token *tok)
{
	/* The record first: while it is live, the object is its path's. */
	if (!dft_skips(DMA_FENCE_TOKEN_SKIP_RECORDS))
		dft_ob_end(fence, tok);
	dft_guarantee_drop(fence);
}

/*
 * Hook: @tok is begun for @fence at @ip.  @new_guarantee is false when a
 * path of the library that already holds the guarantee hands it to a
 * token (a work item about to run).  Takes a reference to @fence, dropped
 * by dma_fence_token_debug_put() after the discharge.
 */
void dma_fence_token_debug_begin(struct dma_fence_token *tok,
				 struct dma_fence *fence, unsigned long ip,
				 bool new_guarantee)
{
	tok->state = DFT_STATE_LIVE;
	tok->path = DMA_FENCE_TOKEN_PATH_NONE;
	tok->created_at = ip;
	tok->owner = current;
	tok->context = dft_context();
	/* A path that holds the guarantee hands it on: its object is active. */
	tok->guarded = !new_guarantee;
	tok->activated = false;
	tok->record = NULL;
	dft_track_start(tok);
	atomic_long_inc(&dft_created);
	dma_fence_get(fence);
	if (new_guarantee && fence) {
		/*
		 * A scoped token's fence still needs its guarantee object where
		 * the kernel checks frees: that object is what sees a fence
		 * freed under the token.
		 */
		if (!dft_scoped(tok) || IS_ENABLED(CONFIG_DEBUG_OBJECTS_FREE))
			dft_guard(tok, fence, ip);
		dft_ob_begin(fence, tok, ip);
	}
}

/*
 * Hook: is @tok still live where it should not be (a scope left, a token
 * begun again, a callback returned)?  If so: reported as @kind, no longer
 * tracked, @fence set to its fence (maybe %NULL) with the tracker's
 * reference for the core to cancel (dma_fence_token_debug_signalled() and
 * _put() follow), and true returned.
 */
bool dma_fence_token_debug_leaked(struct dma_fence_token *tok,
				  enum dma_fence_token_misuse kind,
				  struct dma_fence **fence)
{
	if (tok->state != DFT_STATE_LIVE)
		return false;
	dft_warn(kind, tok->fence, tok->created_at);
	dft_track_stop(tok, DMA_FENCE_TOKEN_PATH_NONE);
	dft_disown_section(tok);
	*fence = tok->fence;
	return true;
}

/*
 * Hook: @tok is discharged through @path.  Returns true if it is live and
 * may be; reports and returns false otherwise.  A discharge from another
 * context than the owner's is reported and still goes through, so that the
 * fence ends signalled.
 */
bool dma_fence_token_debug_discharge(struct dma_fence_token *tok,
				     enum dma_fence_token_path path)
{
	if (tok->state != DFT_STATE_LIVE) {
		if (tok->state == DFT_STATE_DONE)
			dft_warn_stale(DMA_FENCE_TOKEN_MISUSE_DOUBLE_DISCHARGE, tok);
		else
			dft_warn(DMA_FENCE_TOKEN_MISUSE_NOT_BEGUN, NULL, 0);
		return false;
	}
	if (unlikely(tok->owner != current || tok->context != dft_context())) {
		dft_warn(DMA_FENCE_TOKEN_MISUSE_WRONG_CONTEXT, tok->fence,
			 tok->created_at);
		dft_disown_section(tok);
	}
	dft_track_stop(tok, path);
	atomic_long_inc(&dft_discharged[path]);
	return true;
}

/*
 * Hook: the scope of a DMA_FENCE_TOKEN() ends.  As
 * dma_fence_token_debug_leaked(), and the token is no longer scoped: a
 * token declared later at the same stack address must not inherit the mark.
 */
bool dma_fence_token_debug_scope_end(struct dma_fence_token *tok,
				     struct dma_fence **fence)
{
	bool leaked;

	leaked = dma_fence_token_debug_leaked(tok, DMA_FENCE_TOKEN_MISUSE_LEAK_SCOPE,
					      fence);
	tok->scoped = 0;
	return leaked;
}

/* Hook: may @tok be used (dma_fence_token_fence())?  Reports if not. */
bool dma_fence_token_debug_live(struct dma_fence_token *tok)
{
	if (tok->state == DFT_STATE_LIVE)
		return true;
	dft_warn_stale(DMA_FENCE_TOKEN_MISUSE_USE_AFTER_DISCHARGE, tok);
	return false;
}

/*
 * Hook: the path that held the guarantee of @fence has signalled it: @tok,
 * or a queue or ring (@tok %NULL), which always hold the guarantee object.
 */
void dma_fence_token_debug_signalled(struct dma_fence_token *tok,
				     struct dma_fence *fence)
{
	if (tok && !tok->guarded) {
		/* A scoped token that kept its obligation: no object. */
		if (!dft_skips(DMA_FENCE_TOKEN_SKIP_RECORDS))
			dft_ob_end(fence, tok);
		return;
	}
	dft_guarantee_end(fence, tok);
}

/*
 * Hook: @fence was promised by @tok.  The record watches it until it is
 * signalled; unwatched (no record), the guarantee ends here.
 */
void dma_fence_token_debug_promise(struct dma_fence_token *tok,
				   struct dma_fence *fence, unsigned long ip)
{
	dft_guard(tok, fence, ip);
	if (!dft_ob_promise(tok, fence, ip))
		dft_guarantee_end(fence, NULL);
}

/*
 * Hook: @tok, begun for @fence whose signal another path owes (or owed,
 * and has signalled), is withdrawn.  The record it took ends, and the
 * guarantee object if its begin activated it because that path was done;
 * that path's own object and record stay.
 */
void dma_fence_token_debug_withdraw(struct dma_fence_token *tok,
				    struct dma_fence *fence)
{
	bool drop = tok->activated;
	struct dft_obligation *ob;
	unsigned long flags;

	if (dft_skips(DMA_FENCE_TOKEN_SKIP_RECORDS)) {
		if (drop)
			dft_guarantee_drop(fence);
		return;
	}
	/*
	 * The object is active for the path that owes the signal if that
	 * path activated it after this token's begin did (a handover): its
	 * record says so.
	 */
	if (drop) {
		spin_lock_irqsave(&dft_ob_lock, flags);
		hash_for_each_possible(dft_ob_hash, ob, node, (unsigned long)fence)
			if (READ_ONCE(ob->fence) == fence && ob != tok->record && ob->guarded)
				drop = false;
		spin_unlock_irqrestore(&dft_ob_lock, flags);
	}
	if (drop)
		dft_guarantee_drop(fence);
	dft_ob_end_token(tok, fence);
}

/* Hook: drop the reference dma_fence_token_debug_begin() took. */
void dma_fence_token_debug_put(struct dma_fence *fence)
{
	dma_fence_put(fence);
}

/**
 * dma_fence_token_get_stats - read the tracker's counters
 * @stats: filled with a snapshot of the counters
 *
 * Context: any context.
 */
void dma_fence_token_get_stats(struct dma_fence_token_stats *stats)
{
	unsigned int i;

	memset(stats, 0, sizeof(*stats));
	stats->created = atomic_long_read(&dft_created);
	for (i = 0; i < DMA_FENCE_TOKEN_PATH_COUNT; i++)
		stats->discharged[i] = atomic_long_read(&dft_discharged[i]);
	stats->opportunistic = atomic_long_read(&dft_opportunistic);
	for (i = 0; i < DMA_FENCE_TOKEN_MISUSE_COUNT; i++)
		stats->misuse[i] = atomic_long_read(&dft_misuse[i]);
	dft_ob_stats(stats);
}
EXPORT_SYMBOL_IF_KUNIT(dma_fence_token_get_stats);

/* Called by dma_fence_token_signal_opportunistic() when it signalled. */
void __dma_fence_token_count_opportunistic(void)
{
	atomic_long_inc(&dft_opportunistic);
}
EXPORT_SYMBOL_GPL(__dma_fence_token_count_opportunistic);

/* Module init: the record pool and the stack depot. */
static int dft_ob_init(void)
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
	/*
	 * Not on PREEMPT_RT: the per-CPU caches rely on preemption being off
	 * around dft_ob_lock, a lock that sleeps there.
	 */
	dft_ob_fast = !IS_ENABLED(CONFIG_PREEMPT_RT) &&
		      obligations >= 4 * num_possible_cpus() * DFT_OB_CPU_CACHE;
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
	dft_ob_reap_ended();
	list_for_each_entry(ob, &dft_ob_live, link) {
		struct dma_fence *f = READ_ONCE(ob->fence);

		if (f && (!mod || within_module((unsigned long)f->ops, mod))) {
			fence = dft_ob_fence_get(ob);
			*ip = ob->created_at;
			if (fence)
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
	bool guarded = false;

	spin_lock_irqsave(fence->lock, flags);
	spin_lock(&dft_ob_lock);
	ob = dft_ob_find(fence);
	if (ob && dft_ob_claim(ob, fence)) {
		if (ob->cb_armed)
			list_del_init(&ob->cb.node);
		ob->cb_armed = false;
		guarded = ob->guarded;
		dft_ob_unlink(ob);
	} else {
		ob = NULL;
	}
	spin_unlock(&dft_ob_lock);
	spin_unlock_irqrestore(fence->lock, flags);
	if (!ob)
		return;
	/* A scoped token that still holds it has no guarantee object. */
	if (guarded) {
		debug_object_deactivate(fence, &dft_guarantee_descr);
		debug_object_free(fence, &dft_guarantee_descr);
	}
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
			dft_warn(DMA_FENCE_TOKEN_MISUSE_OWED_AT_UNLOAD, fence, ip);
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
static void dft_ob_exit(void)
{
	struct dma_fence *fence;
	unsigned long flags, ip;
	u64 n;

	WRITE_ONCE(dft_ob_ready, false);
	unregister_module_notifier(&dft_ob_module_nb);
	cancel_delayed_work_sync(&dft_watchdog);
	dft_ob_reap_signalled();
	while ((fence = dft_ob_next_fence(NULL, &ip))) {
		dft_ob_drop(fence);
		dma_fence_put(fence);
	}
	/* A scoped token cannot outlive its users: nothing is left here. */
	spin_lock_irqsave(&dft_ob_lock, flags);
	n = 0;
	dft_ob_walk_slots(dft_ob_count, &n);
	spin_unlock_irqrestore(&dft_ob_lock, flags);
	WARN_ON_ONCE(n);
	dft_ob_reap_signalled();
	kvfree(dft_ob_pool);
	dft_ob_pool = NULL;
}

/* Hook: module init, with what the core does for a free fixup. */
int dma_fence_token_debug_init(const struct dma_fence_token_debug_ops *ops)
{
	dft_ops = ops;
	return dft_ob_init();
}

/* Hook: module exit. */
void dma_fence_token_debug_exit(void)
{
	dft_ob_exit();
}
