// SPDX-License-Identifier: GPL-2.0-only
/*
 * vic_mdev: the traffic generator.
 *
 * A hard-IRQ hrtimer raises the vectors [first, first + count) round-robin
 * through vic_raise(), once per period, until total raises are done; with
 * period 0, back to back.
 *
 * The CPU is never locked up, whatever the number of instances: all the
 * generators that run on a CPU share that CPU's budget of
 * VIC_MDEV_GEN_BUDGET_NS of raising per window. A window lasts at least
 * VIC_MDEV_GEN_WINDOW_NS from its first raise and ends at least
 * VIC_MDEV_GEN_COOLDOWN_NS after its last one. A callback raises a chunk
 * (at most VIC_MDEV_GEN_CHUNK raises, within what is left of the budget),
 * then re-arms its timer for the end of the window at the earliest: when
 * the hrtimer interrupt ends, the next generator timer is then still in
 * the future, so the interrupt never has to loop (nor report "hrtimer:
 * interrupt took"), and the CPU is left alone at least three quarters of
 * the time. A generator that found the budget spent re-arms 1 ns before
 * those that spent it, so the next window serves it first. Periods shorter
 * than a window are caught up window by window: the total is always exact,
 * the average rate is the period's.
 *
 * elapsed_ns is the sum of the time spent inside the raise loops, so
 * elapsed_ns / done is the cost of one raise (vic_raise() plus whatever it
 * dispatches synchronously: the eventfd signal, or the IMS interrupt
 * through genirq and the core's handler).
 */
#include <linux/hrtimer.h>
#include <linux/ktime.h>
#include <linux/math64.h>
#include <linux/minmax.h>
#include <linux/percpu.h>

#include "vic_mdev.h"

#define VIC_MDEV_GEN_CHUNK		256U
#define VIC_MDEV_GEN_BUDGET_NS		(50 * NSEC_PER_USEC)
#define VIC_MDEV_GEN_WINDOW_NS		(200 * NSEC_PER_USEC)
#define VIC_MDEV_GEN_COOLDOWN_NS	(150 * NSEC_PER_USEC)
#define VIC_MDEV_GEN_CLOCK_EVERY	8U

/**
 * struct vic_mdev_gen_cpu - a CPU's raising budget, shared by generators
 * @window_end: end of the current window (ns, CLOCK_MONOTONIC): at least
 *	VIC_MDEV_GEN_WINDOW_NS after its first raise and
 *	VIC_MDEV_GEN_COOLDOWN_NS after its last
 * @used_ns: raising time spent in the current window
 *
 * Only hrtimer callbacks of this CPU touch it, in hard-IRQ context.
 */
struct vic_mdev_gen_cpu {
	u64 window_end;
	u64 used_ns;
};

static DEFINE_PER_CPU(struct vic_mdev_gen_cpu, vic_mdev_gen_cpu);

bool vic_mdev_gen_running(struct vic_mdev_gen *gen)
{
	/* pairs with the release in the callback: a stopped run's done is final */
	return smp_load_acquire(&gen->running);
}

/* Raise up to @limit vectors within @pc's budget; returns the raises done. */
static unsigned int vic_mdev_gen_raise(struct vic_mdev_gen *gen,
				       struct vic_mdev_gen_cpu *pc, u64 limit)
{
	u64 budget_ns = VIC_MDEV_GEN_BUDGET_NS - pc->used_ns;
	u64 start = ktime_get_ns(), end;
	unsigned int n = 0;

	while (n < limit) {
		vic_raise(gen->ctx, gen->first + gen->next);
		if (++gen->next == gen->count)
			gen->next = 0;
		n++;
		if (!(n % VIC_MDEV_GEN_CLOCK_EVERY) &&
		    ktime_get_ns() - start >= budget_ns)
			break;
	}
	end = ktime_get_ns();
	gen->acc_ns += end - start;
	pc->used_ns += end - start;
	pc->window_end = max(pc->window_end, end + VIC_MDEV_GEN_COOLDOWN_NS);
	return n;
}

static enum hrtimer_restart vic_mdev_gen_fn(struct hrtimer *timer)
{
	struct vic_mdev_gen *gen = container_of(timer, struct vic_mdev_gen,
						timer);
	struct vic_mdev_gen_cpu *pc = this_cpu_ptr(&vic_mdev_gen_cpu);
	u64 now = ktime_get_ns(), limit, wake, k;
	unsigned int n = 0;

	/* periods elapsed since the last callback: raises owed */
	if (gen->period_ns && now >= gen->due) {
		k = div_u64(now - gen->due, gen->period_ns) + 1;
		gen->owed += k;
		gen->due += k * gen->period_ns;
	}
	limit = gen->period_ns ? gen->owed : VIC_MDEV_GEN_CHUNK;
	limit = min3(limit, (u64)VIC_MDEV_GEN_CHUNK, gen->total - gen->done);

	if (now >= pc->window_end) {
		pc->window_end = now + VIC_MDEV_GEN_WINDOW_NS;
		pc->used_ns = 0;
	}
	if (limit && pc->used_ns < VIC_MDEV_GEN_BUDGET_NS)
		n = vic_mdev_gen_raise(gen, pc, limit);
	if (gen->period_ns)
		gen->owed -= n;
	WRITE_ONCE(gen->done, gen->done + n);

	if (gen->done >= gen->total) {
		WRITE_ONCE(gen->elapsed_ns, gen->acc_ns);
		/* done and elapsed_ns before !running: vic_mdev_gen_running() */
		smp_store_release(&gen->running, false);
		return HRTIMER_NORESTART;
	}

	/* the next window at the earliest; those left out first */
	wake = pc->window_end + (n ? 1 : 0);
	if (gen->period_ns && !gen->owed)
		wake = max(wake, gen->due);
	hrtimer_set_expires(timer, ns_to_ktime(wake));
	return HRTIMER_RESTART;
}

void vic_mdev_gen_init(struct vic_mdev_gen *gen, struct vic_ctx *ctx)
{
	hrtimer_init(&gen->timer, CLOCK_MONOTONIC, HRTIMER_MODE_REL_HARD);
	gen->timer.function = vic_mdev_gen_fn;
	gen->ctx = ctx;
}

/* Called with the instance mutex held. */
int vic_mdev_gen_start(struct vic_mdev_gen *gen, unsigned int nvec)
{
	if (vic_mdev_gen_running(gen))
		return -EBUSY;
	if (!gen->count || !gen->total ||
	    (u64)gen->first + gen->count > nvec)
		return -EINVAL;

	/* the previous run's callback may still be returning */
	hrtimer_cancel(&gen->timer);
	gen->next = 0;
	gen->owed = 0;
	gen->acc_ns = 0;
	gen->due = ktime_get_ns() + gen->period_ns;
	WRITE_ONCE(gen->done, 0);
	/* the reset state above before running, for vic_mdev_gen_running() */
	smp_store_release(&gen->running, true);
	hrtimer_start(&gen->timer, ns_to_ktime(gen->period_ns),
		      HRTIMER_MODE_REL_HARD);
	return 0;
}

/* Called with the instance mutex held, or on release. */
void vic_mdev_gen_stop(struct vic_mdev_gen *gen)
{
	hrtimer_cancel(&gen->timer);
	if (gen->running) {
		WRITE_ONCE(gen->elapsed_ns, gen->acc_ns);
		/* elapsed_ns before !running, for vic_mdev_gen_running() */
		smp_store_release(&gen->running, false);
	}
}
