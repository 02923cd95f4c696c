// SPDX-License-Identifier: GPL-2.0-only
/*
 * vic: the delivery path and the triggers it signals.
 *
 * Nothing here that a raise reaches sleeps or takes the configuration
 * mutex. Triggers are published with RCU: a signaller sees either the old
 * or the new eventfd, and an old one is put only after a grace period, so
 * SET_IRQS can replace or drop triggers while vectors are raised from any
 * context on any CPU. Mask and pending bits live in one atomic word per
 * vector: a raise that sees the vector masked sets the pending bit only if
 * the vector is still masked, and unmasking clears the mask and the pending
 * bit in one step, so a pending raise is released exactly once.
 */
#include <linux/eventfd.h>
#include <linux/export.h>
#include <linux/jump_label.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/wait_bit.h>

#include <vic_compat.h>
#include "internal.h"
#include "vic_trace.h"

/* The trigger as the vic_deliver tracepoint shows it: the eventfd's address. */
static u64 vic_trigger_addr(struct eventfd_ctx *eventfd)
{
	return (u64)(unsigned long)eventfd;
}

/* Count and trace a raise of @vec. */
static __always_inline void __vic_account_raise(struct vic_vector *vec)
{
	trace_vic_raise(vec->ctx->id, vec->index, vic_vector_emulated(vec));
	this_cpu_inc(vec->stats->raised);
}

/**
 * vic_account_raise() - count a raise that the hardware made
 * @vec: a backed vector
 *
 * A backend without a fire operation (its interrupts are raised by real
 * hardware, not by vic_raise()) calls this in its interrupt handler before
 * vic_deliver(), so that raised == delivered + pended + dropped holds.
 *
 * Context: any, including hard-IRQ; never sleeps.
 */
void vic_account_raise(struct vic_vector *vec)
{
	__vic_account_raise(vec);
}
EXPORT_SYMBOL_GPL(vic_account_raise);

/* The delivery, inlined into the signal paths (no call on the hot path). */
static __always_inline void __vic_deliver(struct vic_vector *vec)
{
	struct eventfd_ctx *trig;
	u32 state;

	vic_read_lock();
	trig = vic_dereference(vec->eventfd);
	state = atomic_read(&vec->state);
	while (vic_vector_is_masked(state)) {
		if (atomic_try_cmpxchg(&vec->state, &state,
				       state | VIC_VEC_PENDING)) {
			trace_vic_deliver(vec->ctx->id, vec->index,
					  vic_trigger_addr(trig), VIC_PENDED);
			this_cpu_inc(vec->stats->pended);
			goto out;
		}
	}
	/* No trigger, or bus mastering off: the message is lost. */
	if (unlikely(!trig || (state & VIC_VEC_NOMASTER))) {
		trace_vic_deliver(vec->ctx->id, vec->index,
				  vic_trigger_addr(trig), VIC_DROPPED);
		this_cpu_inc(vec->stats->dropped);
		goto out;
	}
	trace_vic_deliver(vec->ctx->id, vec->index, vic_trigger_addr(trig),
			  VIC_DELIVERED);
	this_cpu_inc(vec->stats->delivered);
	vic_gate_slowdown();
	vic_eventfd_signal(trig);
out:
	vic_read_unlock();
}

/*
 * Defer the delivery of a raise of @vec to the context's irq_work: see
 * vic_defer_delivery(). The raise is counted already; the delivery, when
 * it runs, counts it as delivered, pended or dropped, by the state and
 * trigger of that moment. Each deferred raise of a vector gets the next
 * sequence number of that vector, which the vic_defer and vic_defer_run
 * tracepoints show, so that a tracer follows the raise to its delivery.
 */
static void vic_defer(struct vic_vector *vec)
{
	struct vic_ctx *ctx = vec->ctx;
	u32 seq;

	this_cpu_inc(vec->stats->deferred);
	atomic64_inc(&ctx->defer_queued);
	seq = atomic_fetch_inc(&vec->defer_seq);
	trace_vic_defer(ctx->id, vec->index, seq);
	/* Pairs with the fully ordered RMWs of vic_deferred_run(). */
	smp_mb__after_atomic();
	set_bit(vec->index, ctx->deferred);
	irq_work_queue(&ctx->defer_work);
}

/*
 * Claim the deferred raises of @vec that no run has taken: [*first, end).
 * Two runs of the irq_work may overlap on two CPUs: each takes its own
 * range, in sequence order.
 */
static u32 vic_defer_claim(struct vic_vector *vec, u32 *first)
{
	u32 end = atomic_read(&vec->defer_seq);
	int start = atomic_read(&vec->defer_next);

	do {
		if ((s32)(end - (u32)start) <= 0)
			return 0;
	} while (!atomic_try_cmpxchg(&vec->defer_next, &start, end));
	*first = start;
	return end - (u32)start;
}

/*
 * The context's irq_work: deliver every deferred raise, in a context where
 * the eventfd may be signalled (a thread on RT; elsewhere an interrupt
 * that RT would run in a thread). A raise deferred while this runs either
 * is taken here, or finds its bit cleared and queues the work again. The
 * raises of a vector are delivered in the order they were deferred.
 */
void vic_deferred_run(struct irq_work *work)
{
	struct vic_ctx *ctx = container_of(work, struct vic_ctx, defer_work);
	unsigned int i;
	u32 n, done, seq;

	for_each_set_bit(i, ctx->deferred, ctx->nvec) {
		if (!test_and_clear_bit(i, ctx->deferred))
			continue;
		n = vic_defer_claim(&ctx->vecs[i], &seq);
		for (done = 0; done < n; done++, seq++) {
			trace_vic_defer_run(ctx->id, i, seq);
			__vic_deliver(&ctx->vecs[i]);
		}
		if (n > 0) {
			atomic64_add(n, &ctx->defer_done);
			/* The count before the wake-up: vic_flush() reads it. */
			smp_mb__after_atomic();
			wake_up_var(&ctx->defer_done);
		}
	}
}

/* Deliver a raise of @vec now, or later where the eventfd cannot be signalled. */
static __always_inline void vic_deliver_or_defer(struct vic_vector *vec)
{
	if (vic_defer_delivery())
		vic_defer(vec);
	else
		__vic_deliver(vec);
}

/**
 * vic_flush() - wait for the deferred deliveries of a device
 * @ctx: the device context
 *
 * A raise from a context where the eventfd cannot be signalled (hard IRQ
 * on PREEMPT_RT, see docs/core.md) is counted at once and delivered from
 * an irq_work. Once this returns, every raise of @ctx made before the call
 * has been delivered, pended or dropped. A no-op where nothing is ever
 * deferred.
 *
 * Context: process; may sleep.
 */
void vic_flush(struct vic_ctx *ctx)
{
	s64 queued = atomic64_read(&ctx->defer_queued);

	might_sleep();
	/*
	 * Not irq_work_sync(): on RT it waits for an RCU grace period, even
	 * when nothing is queued (16 ms per doorbell under TCG).
	 */
	if (atomic64_read(&ctx->defer_done) >= queued)
		return;
	wait_var_event(&ctx->defer_done,
		       atomic64_read(&ctx->defer_done) >= queued);
}
EXPORT_SYMBOL_GPL(vic_flush);

/**
 * vic_deliver() - deliver a raised vector to its trigger
 * @vec: the vector
 *
 * The entry that backends' interrupt handlers call once the backing
 * interrupt of @vec fired; the frontend calls it for emulated vectors.
 * A masked vector gets its pending bit set, a vector without a trigger
 * or of a device whose bus mastering is off drops the raise; otherwise
 * the trigger is signalled. Each call counts
 * exactly once as delivered, pended or dropped.
 *
 * Context: any, including hard-IRQ; never sleeps. On PREEMPT_RT, from a
 * context that cannot sleep, the delivery is deferred (see vic_flush()).
 */
void vic_deliver(struct vic_vector *vec)
{
	vic_deliver_or_defer(vec);
}
EXPORT_SYMBOL_GPL(vic_deliver);

/*
 * Signal the trigger of @vec for a pending bit that unmasking released.
 * The raise was counted as pended already; the release counts in neither
 * of the four raise counters but as released. With bus mastering off the
 * released message is lost: traced without a trigger, nothing signalled,
 * counted as release_dropped.
 */
void vic_release_pending(struct vic_vector *vec)
{
	struct eventfd_ctx *trig;

	vic_read_lock();
	trig = vic_dereference(vec->eventfd);
	if (atomic_read(&vec->state) & VIC_VEC_NOMASTER)
		trig = NULL;
	trace_vic_deliver(vec->ctx->id, vec->index, vic_trigger_addr(trig),
			  VIC_RELEASED);
	if (trig) {
		this_cpu_inc(vec->stats->released);
		vic_eventfd_signal(trig);
	} else {
		this_cpu_inc(vec->stats->release_dropped);
	}
	vic_read_unlock();
}

/*
 * On while a probe is attached to vic_raise or vic_deliver: one static
 * branch for the fast path to test instead of the two tracepoints' keys.
 * The tracepoint core calls these under its mutex, on the first probe of
 * each tracepoint and after its last one is gone.
 */
static DEFINE_STATIC_KEY_FALSE(vic_delivery_traced);

int vic_delivery_trace_reg(void)
{
	static_branch_inc(&vic_delivery_traced);
	return 0;
}

void vic_delivery_trace_unreg(void)
{
	static_branch_dec(&vic_delivery_traced);
}

/*
 * The fast path of an emulated vector's raise: the delivery of a raise that
 * nobody traces, of a vector that is unmasked, has a trigger and belongs to
 * a device whose bus mastering is on. One compare of the state word tells
 * (pending implies masked), and one per-CPU counter counts the raise and
 * its delivery. False, with nothing done, for anything else: the caller
 * takes the general path, which reads the state anew with atomics.
 *
 * The state is read once, for that compare, and nothing else depends on
 * it: a plain read, which the compiler may fold into the compare, sees no
 * older value than atomic_read() would.
 */
static __always_inline bool vic_signal_fast(struct vic_vector *vec)
{
	struct eventfd_ctx *trig;

	/* data_race(): one racy compare, see above */
	if (unlikely(data_race(vec->state.counter) != VIC_VEC_EMULATED ||
		     static_branch_unlikely(&vic_delivery_traced) ||
		     vic_defer_delivery()))
		return false;
	vic_read_lock();
	trig = vic_dereference(vec->eventfd);
	if (unlikely(!trig)) {
		vic_read_unlock();
		return false;
	}
	this_cpu_inc(vec->stats->sent);
	vic_gate_slowdown();
	vic_eventfd_signal(trig);
	vic_read_unlock();
	return true;
}

/* What vic_signal_fast() leaves to the general path: count, deliver. */
static noinline void vic_signal_slow(struct vic_vector *vec)
{
	__vic_account_raise(vec);
	vic_deliver_or_defer(vec);
}

/*
 * vic_send_signal() and vic_raise() past their fast path. They take the
 * arguments of their caller, which passes vec->ctx for @ctx: the fast path
 * then holds nothing but the vector, and the register of @ctx takes the
 * eventfd it signals.
 */
static noinline __noclone int vic_send_signal_slow(struct vic_ctx *ctx,
						   unsigned int vector)
{
	struct vic_vector *vec = &ctx->vecs[vector];

	if (unlikely(!vic_vector_emulated(vec)))
		return -EINVAL;
	vic_signal_slow(vec);
	return 0;
}

static noinline __noclone int vic_raise_slow(struct vic_ctx *ctx,
					     unsigned int vector)
{
	struct vic_vector *vec = &ctx->vecs[vector];

	if (vic_vector_emulated(vec)) {
		vic_signal_slow(vec);
		return 0;
	}
	if (unlikely(!ctx->ops || !ctx->ops->fire))
		return -EOPNOTSUPP;

	__vic_account_raise(vec);
	vic_read_lock();
	/* Pairs with vic_backing_alloc(): fire() sees the backend's data. */
	if (smp_load_acquire(&vec->backed))
		ctx->ops->fire(ctx, vec);
	else
		vic_deliver_or_defer(vec);
	vic_read_unlock();
	return 0;
}

/*
 * The two entries of a raise are notrace: an ftrace entry hook would cost
 * the fast path one instruction in five. The vic_raise tracepoint (and a
 * kprobe, where one is wanted) sees every call.
 */

/**
 * vic_send_signal() - signal an emulated vector
 * @ctx: the device context
 * @vector: an emulated vector of @ctx
 *
 * The fast path of the intercepted operations a driver completes in
 * software: counts a raise of @vector and delivers it.
 *
 * Context: any, including hard-IRQ; never sleeps. On PREEMPT_RT, from a
 * context that cannot sleep, the delivery is deferred (see vic_flush()).
 * Return: 0, or -EINVAL if @vector is out of range or not emulated.
 */
int notrace vic_send_signal(struct vic_ctx *ctx, unsigned int vector)
{
	struct vic_vector *vec;

	if (unlikely(vector >= ctx->nvec))
		return -EINVAL;
	vec = &ctx->vecs[vector];
	if (likely(vic_signal_fast(vec)))
		return 0;
	return vic_send_signal_slow(vec->ctx, vector);
}
EXPORT_SYMBOL_GPL(vic_send_signal);

/**
 * vic_raise() - the device raised a vector
 * @ctx: the device context
 * @vector: the vector
 *
 * The device model's entry: an emulated vector is delivered at once; a
 * backed vector fires its backing interrupt through the backend (whose
 * handler then calls vic_deliver()), or is dropped when it has none.
 *
 * Context: any, including hard-IRQ; never sleeps. On PREEMPT_RT, from a
 * context that cannot sleep, the delivery of an emulated vector is
 * deferred (see vic_flush()).
 * Return: 0, -EINVAL if @vector is out of range, or -EOPNOTSUPP if the
 * backend cannot fire interrupts in software.
 */
int notrace vic_raise(struct vic_ctx *ctx, unsigned int vector)
{
	struct vic_vector *vec;

	if (unlikely(vector >= ctx->nvec))
		return -EINVAL;
	vec = &ctx->vecs[vector];
	if (likely(vic_signal_fast(vec)))
		return 0;
	return vic_raise_slow(vec->ctx, vector);
}
EXPORT_SYMBOL_GPL(vic_raise);

static void vic_trigger_free_rcu(struct rcu_head *head)
{
	struct vic_trigger *trig = container_of(head, struct vic_trigger, rcu);

	eventfd_ctx_put(trig->eventfd);
	kfree(trig);
}

static void vic_trigger_retire(struct vic_trigger *trig)
{
	if (trig)
		call_rcu(&trig->rcu, vic_trigger_free_rcu);
}

static int vic_backing_alloc(struct vic_vector *vec)
{
	struct vic_ctx *ctx = vec->ctx;
	int virq, ret = 0;

	trace_vic_irq_alloc_start(ctx->id, vec->index, vec->cookie);
	if (!ctx->ops) {
		virq = -ENODEV;
	} else if (!try_module_get(ctx->ops->owner)) {
		virq = -ENODEV;
	} else {
		virq = ctx->ops->alloc(ctx, vec, vec->cookie);
		if (virq <= 0)
			module_put(ctx->ops->owner);
	}
	/* 0 is no interrupt: a backend that returns it has failed. */
	if (virq <= 0)
		ret = virq ? virq : -EIO;
	trace_vic_irq_alloc_end(ctx->id, vec->index, max(virq, 0), ret);
	if (ret)
		return ret;
	vec->virq = virq;
	vec->alloc_cookie = vec->cookie;
	/* Publish only now: fire() may use the backing from here on. */
	smp_store_release(&vec->backed, true);
	return 0;
}

/*
 * Free the backing interrupts in [start, start + count) that were retired
 * (unpublished with vec->backed = false, see vic_vector_set_trigger()).
 * One grace period covers them all: after it no raise can still be firing
 * any of them.
 */
static void vic_backing_reap(struct vic_ctx *ctx, u32 start, u32 count)
{
	bool any = false;
	u32 i;

	for (i = start; i < start + count && !any; i++)
		any = ctx->vecs[i].virq && !ctx->vecs[i].backed;
	if (!any)
		return;
	synchronize_rcu();
	for (i = start; i < start + count; i++) {
		struct vic_vector *vec = &ctx->vecs[i];

		if (!vec->virq || vec->backed)
			continue;
		ctx->ops->free(ctx, vec);
		module_put(ctx->ops->owner);
		trace_vic_irq_free(ctx->id, vec->index, vec->virq);
		vec->virq = 0;
	}
}

static void vic_trigger_publish(struct vic_vector *vec,
				struct vic_trigger *trig)
{
	struct eventfd_ctx *eventfd = trig ? trig->eventfd : NULL;
	struct vic_ctx *ctx = vec->ctx;
	struct vic_trigger *old = vec->trigger;

	lockdep_assert_held(&ctx->lock);
	vec->trigger = trig;
	rcu_assign_pointer(vec->eventfd, eventfd);
	if (!vic_vector_emulated(vec) && ctx->ops && ctx->ops->trigger_changed)
		ctx->ops->trigger_changed(ctx, vec);
	trace_vic_trigger_set(ctx->id, vec->index, vic_trigger_addr(eventfd));
	vic_trigger_retire(old);
}

/*
 * Set (@fd >= 0) or unset (@fd < 0) the trigger of @vec. A backed vector
 * gets its backing interrupt when its first trigger is set; unsetting the
 * trigger retires it, and the caller frees what a block of calls retired
 * with vic_vector_reap(), after one grace period for them all. Called with
 * the configuration mutex held.
 */
int vic_vector_set_trigger(struct vic_vector *vec, int fd)
{
	struct vic_ctx *ctx = vec->ctx;
	struct vic_trigger *trig;
	int ret;

	lockdep_assert_held(&ctx->lock);
	if (fd < 0) {
		if (!vec->trigger)
			return 0;
		vic_trigger_publish(vec, NULL);
		/* Retired: vic_vector_reap() frees it after a grace period. */
		WRITE_ONCE(vec->backed, false);
		return 0;
	}

	trig = kzalloc(sizeof(*trig), GFP_KERNEL_ACCOUNT);
	if (!trig)
		return -ENOMEM;
	trig->eventfd = eventfd_ctx_fdget(fd);
	if (IS_ERR(trig->eventfd)) {
		ret = PTR_ERR(trig->eventfd);
		goto err_free;
	}
	if (!vic_vector_emulated(vec) && !vec->virq) {
		ret = vic_backing_alloc(vec);
		if (ret)
			goto err_put;
	}
	vic_trigger_publish(vec, trig);
	return 0;

err_put:
	eventfd_ctx_put(trig->eventfd);
err_free:
	kfree(trig);
	return ret;
}

/*
 * Drop the triggers of the vectors in [start, start + count) and free
 * their backing interrupts. Called with the configuration mutex held.
 */
void vic_vector_drop_triggers(struct vic_ctx *ctx, u32 start, u32 count)
{
	u32 i;

	lockdep_assert_held(&ctx->lock);
	for (i = start; i < start + count; i++) {
		if (ctx->vecs[i].trigger)
			vic_trigger_publish(&ctx->vecs[i], NULL);
		WRITE_ONCE(ctx->vecs[i].backed, false);
	}
	vic_backing_reap(ctx, start, count);
}

/* Free the backing interrupts that unsetting triggers retired. */
void vic_vector_reap(struct vic_ctx *ctx, u32 start, u32 count)
{
	lockdep_assert_held(&ctx->lock);
	vic_backing_reap(ctx, start, count);
}
