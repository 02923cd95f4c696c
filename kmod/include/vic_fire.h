/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * vic_fire.h - firing a simulated interrupt through genirq, serialized
 * without running its handler under a lock.
 *
 * The simulated IMS slots (vic_test's provider, vic_mdev's store) fire
 * their Linux interrupt with generic_handle_irq_safe() from any context.
 * handle_simple_irq() drops an interrupt that comes while its handler
 * runs on another CPU, so the fires of one slot must not overlap, or a
 * raise is lost. Holding a raw spinlock across the fire would serialize
 * them, but then the handler, and the eventfd_signal() it makes, would
 * run under a raw lock: invalid on PREEMPT_RT, where the eventfd's lock
 * sleeps. Instead, a fire that finds another in progress leaves a count
 * and returns; the CPU that is firing fires once more for each count
 * before it lets go. The lock covers the counts only.
 */
#ifndef _VIC_FIRE_H
#define _VIC_FIRE_H

#include <linux/irq.h>
#include <linux/spinlock.h>
#include <linux/types.h>

/**
 * struct vic_fire_queue - the fires of one interrupt, one at a time
 * @lock: protects @pending and @firing, never held across a fire
 * @pending: fires asked for while one was in progress
 * @firing: a CPU is firing the interrupt
 */
struct vic_fire_queue {
	raw_spinlock_t lock;
	unsigned int pending;
	bool firing;
};

static inline void vic_fire_queue_init(struct vic_fire_queue *q)
{
	raw_spin_lock_init(&q->lock);
	q->pending = 0;
	q->firing = false;
}

/*
 * Fire @virq once, or have the CPU that fires it now do it once more.
 * Any context; the handler runs without @q's lock held.
 */
static inline void vic_fire_queue_fire(struct vic_fire_queue *q,
				       unsigned int virq)
{
	unsigned long flags;

	raw_spin_lock_irqsave(&q->lock, flags);
	if (q->firing) {
		q->pending++;
		raw_spin_unlock_irqrestore(&q->lock, flags);
		return;
	}
	q->firing = true;
	do {
		raw_spin_unlock_irqrestore(&q->lock, flags);
		generic_handle_irq_safe(virq);
		raw_spin_lock_irqsave(&q->lock, flags);
	} while (q->pending && q->pending--);
	q->firing = false;
	raw_spin_unlock_irqrestore(&q->lock, flags);
}

#endif /* _VIC_FIRE_H */
