/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * vic: internal structures shared by the core's files.
 */
#ifndef _VIC_INTERNAL_H
#define _VIC_INTERNAL_H

#include <linux/atomic.h>
#include <linux/bits.h>
#include <linux/delay.h>
#include <linux/irq_work.h>
#include <linux/irqbypass.h>
#include <linux/mutex.h>
#include <linux/percpu.h>
#include <linux/preempt.h>
#include <linux/rcupdate.h>
#include <linux/stringify.h>
#include <linux/types.h>

#include <vic.h>

struct dentry;
struct eventfd_ctx;

/* Bits of vic_vector::state; the delivery path changes them lock-free. */
#define VIC_VEC_MASKED		BIT(0)	/* MSI-X table vector control mask */
#define VIC_VEC_FMASKED		BIT(1)	/* MSI-X function mask */
#define VIC_VEC_PENDING		BIT(2)	/* pending bit (PBA) */
#define VIC_VEC_NOMASTER	BIT(3)	/* bus mastering off: no message */
#define VIC_VEC_EMULATED	BIT(4)	/* signalled in software, not backed */
#define VIC_VEC_MASK_BITS	(VIC_VEC_MASKED | VIC_VEC_FMASKED)

/* vic_deliver tracepoint status values (the tracepoint contract). */
enum vic_deliver_status {
	VIC_DELIVERED = 0,
	VIC_PENDED = 1,
	VIC_DROPPED = 2,
	VIC_RELEASED = 3,
};

/**
 * struct vic_trigger - the reference on a vector's eventfd, put after a grace period
 * @eventfd: the eventfd context the vector signals
 * @rcu: defers the eventfd_ctx_put() until no signaller can still see it
 */
struct vic_trigger {
	struct eventfd_ctx *eventfd;
	struct rcu_head rcu;
};

/*
 * Per-CPU counters of one vector: updated without atomics on the hot path.
 * @sent counts the raises that vic_send_signal()'s fast path delivered, each
 * a raise and a delivery: readers add it to both (see vic_stats_sum()).
 * @released and @release_dropped count the pending bits that unmasking
 * released, signalled or not (bus mastering off); neither is a raise.
 * @deferred counts the raises whose delivery was deferred (see
 * vic_defer_delivery()); each is also counted where its delivery ended.
 */
struct vic_vec_stats {
	u64 raised;
	u64 delivered;
	u64 pended;
	u64 dropped;
	u64 sent;
	u64 released;
	u64 release_dropped;
	u64 deferred;
};

/**
 * struct vic_vector - the context of one MSI-X vector
 * @ctx: the device context
 * @index: vector number
 * @backed: the backing interrupt may be fired (RCU readers); false with
 *	@virq set: retired, to be freed after a grace period
 * @eventfd: the eventfd to signal, NULL when unset (RCU): what the
 *	delivery path reads, one load from the signal
 * @trigger: holds the reference on @eventfd, NULL when unset; changed and
 *	read under the configuration mutex only
 * @state: VIC_VEC_* mask, pending and bus master bits, and VIC_VEC_EMULATED:
 *	signalled by the frontend (set) or backed by the backend (clear)
 * @defer_seq: raises of this vector deferred so far; the sequence number of
 *	the next one (vic_defer, vic_defer_run tracepoints)
 * @stats: per-CPU counters
 * @cookie: the cookie the next backing allocation uses
 * @alloc_cookie: the cookie the current backing was allocated with
 * @virq: Linux IRQ number of the backing interrupt, 0 when none
 * @defer_next: sequence number of the first deferred raise whose delivery
 *	no run of the context's irq_work has taken yet
 * @bdata: backend's per-vector data
 * @msg_addr_lo: MSI-X table: message address, low dword
 * @msg_addr_hi: MSI-X table: message address, high dword
 * @msg_data: MSI-X table: message data
 * @name: interrupt name, for request_irq() and /proc/interrupts
 *
 * Cache line aligned: 128 bytes, so that the delivery path finds a vector
 * with a shift, and vectors raised on different CPUs share no line.
 */
struct vic_vector {
	struct vic_ctx *ctx;
	u32 index;
	bool backed;
	struct eventfd_ctx __rcu *eventfd;
	atomic_t state;
	atomic_t defer_seq;
	struct vic_vec_stats __percpu *stats;
	struct vic_trigger *trigger;
	u64 cookie;
	u64 alloc_cookie;
	int virq;
	atomic_t defer_next;
	void *bdata;
	u32 msg_addr_lo;
	u32 msg_addr_hi;
	u32 msg_data;
	char name[32];
} ____cacheline_aligned;

/**
 * struct vic_ctx - the interrupt context of one device
 * @id: device id, `dev` in tracepoints and debugfs
 * @nvec: number of MSI-X vectors
 * @name: device name
 * @lock: serializes configuration (never taken on the delivery path)
 * @msix_enabled: MSI-X enabled through SET_IRQS
 * @msg_ctrl: MSI-X capability Message Control, writable bits only
 * @layout: where the device places the MSI-X table and PBA
 * @ops: backend operations, NULL when every vector is emulated
 * @backend_priv: backend's private data
 * @debugfs: the device's debugfs directory
 * @defer_work: runs the deliveries deferred out of hard-IRQ context
 * @deferred: bitmap of the vectors with deferred raises, @nvec bits
 * @defer_queued: raises deferred so far
 * @defer_done: deferred raises delivered (pended, dropped) so far
 * @vecs: the vector contexts, @nvec of them
 */
struct vic_ctx {
	u32 id;
	u32 nvec;
	const char *name;
	struct mutex lock;	/* configuration; never on the delivery path */
	bool msix_enabled;
	u16 msg_ctrl;
	struct vic_msix_layout layout;
	const struct vic_backend_ops *ops;
	void *backend_priv;
	struct dentry *debugfs;
	struct irq_work defer_work;
	unsigned long *deferred;
	atomic64_t defer_queued;
	atomic64_t defer_done;
	struct vic_vector *vecs;
};

/* signal.c */
void vic_deferred_run(struct irq_work *work);
void vic_release_pending(struct vic_vector *vec);
int vic_vector_set_trigger(struct vic_vector *vec, int fd);
void vic_vector_reap(struct vic_ctx *ctx, u32 start, u32 count);
void vic_vector_drop_triggers(struct vic_ctx *ctx, u32 start, u32 count);
int vic_msix_enable_locked(struct vic_ctx *ctx, u32 nvec);
void vic_msix_disable_locked(struct vic_ctx *ctx);

/* msix.c */
void vic_vector_update_mask(struct vic_vector *vec, u32 set, u32 clear);
void vic_msix_reset(struct vic_ctx *ctx);

/* debugfs.c */
int vic_debugfs_init(void);
void vic_debugfs_exit(void);
void vic_debugfs_add(struct vic_ctx *ctx);
void vic_debugfs_remove(struct vic_ctx *ctx);

static inline bool vic_vector_is_masked(u32 state)
{
	return state & VIC_VEC_MASK_BITS;
}

static inline bool vic_vector_emulated(const struct vic_vector *vec)
{
	return atomic_read(&vec->state) & VIC_VEC_EMULATED;
}

/*
 * Readers of the triggers on the delivery path. A preempt-disabled section
 * is an RCU reader too (since v4.20, synchronize_rcu() and call_rcu() wait
 * for it) and, unlike a preemptible RCU reader, costs no function call.
 * PREEMPT_RT, where the eventfd's spinlock sleeps, needs the latter; so
 * does a kernel that checks lock nesting as RT would
 * (PROVE_RAW_LOCK_NESTING: an eventfd signalled with preemption disabled
 * is an "Invalid wait context" there), so that the debug kernel checks
 * the form RT runs.
 */
#define VIC_READ_PREEMPTIBLE					\
	(IS_ENABLED(CONFIG_PREEMPT_RT) ||			\
	 IS_ENABLED(CONFIG_PROVE_RAW_LOCK_NESTING))

static __always_inline void vic_read_lock(void)
{
	if (VIC_READ_PREEMPTIBLE)
		rcu_read_lock();
	else
		rcu_read_lock_sched();
}

static __always_inline void vic_read_unlock(void)
{
	if (VIC_READ_PREEMPTIBLE)
		rcu_read_unlock();
	else
		rcu_read_unlock_sched();
}

/*
 * Where the eventfd cannot be signalled: on PREEMPT_RT its wait-queue lock
 * sleeps, so a caller that cannot sleep (hard IRQ, interrupts off, a raw
 * spinlock held) defers the delivery to an irq_work, which RT runs in a
 * thread. A kernel that checks lock nesting as RT would (the debug test
 * kernel) defers from hard IRQ, where lockdep reports the eventfd's lock
 * unless the handler is one RT would thread: it cannot tell those apart,
 * and deferring them too runs the path RT runs. Constant false elsewhere.
 */
static __always_inline bool vic_defer_delivery(void)
{
	if (IS_ENABLED(CONFIG_PREEMPT_RT))
		return !preemptible();
	if (IS_ENABLED(CONFIG_PROVE_RAW_LOCK_NESTING))
		return in_hardirq();
	return false;
}

#define vic_dereference(p)						\
	rcu_dereference_check(p, rcu_read_lock_held() ||		\
			      rcu_read_lock_sched_held())

/*
 * Known regressions that exist only to prove that the performance gate
 * catches them (docs/performance.md), all off in a normal build:
 * `make VIC_GATE_SLOWDOWN_NS=N` spins N ns on every signal (wall-clock
 * lane); VIC_GATE_PAD_SIGNAL, VIC_GATE_PAD_IMS and VIC_GATE_PAD_SET_IRQS
 * add exactly N instructions (nops) to every signal, to every IMS interrupt
 * and to every vector a SET_IRQS sets (icount lane, where guest time is an
 * instruction count).
 */
#define VIC_GATE_NOPS(n)	".rept " __stringify(n) "\n\tnop\n\t.endr"

static inline void vic_gate_slowdown(void)
{
#ifdef VIC_GATE_SLOWDOWN_NS
	/* ndelay() of a constant takes 20000 ns at most: whole us apart */
	if (VIC_GATE_SLOWDOWN_NS >= 1000)
		udelay(VIC_GATE_SLOWDOWN_NS / 1000);
	ndelay(VIC_GATE_SLOWDOWN_NS % 1000);
#endif
#ifdef VIC_GATE_PAD_SIGNAL
	asm volatile(VIC_GATE_NOPS(VIC_GATE_PAD_SIGNAL) ::: "memory");
#endif
}

static inline void vic_gate_pad_ims(void)
{
#ifdef VIC_GATE_PAD_IMS
	asm volatile(VIC_GATE_NOPS(VIC_GATE_PAD_IMS) ::: "memory");
#endif
}

static inline void vic_gate_pad_set_irqs(void)
{
#ifdef VIC_GATE_PAD_SET_IRQS
	asm volatile(VIC_GATE_NOPS(VIC_GATE_PAD_SET_IRQS) ::: "memory");
#endif
}

#endif /* _VIC_INTERNAL_H */
