// SPDX-License-Identifier: GPL-2.0-only
/*
 * vic_msix: the MSI-X backend of the vic core.
 *
 * Backs each non-emulated vector of a vic device with an MSI-X vector of
 * a parent PCI function, taken from the parent's pool when the vector gets
 * a trigger and given back when the trigger goes. The parent's interrupt
 * is requested into vic's delivery (vic_deliver()), and an irq bypass
 * producer keyed by the trigger is registered while the vector is
 * unmasked, as vfio-pci does for its MSI-X vectors. Built against the
 * public API of <vic.h> only.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/interrupt.h>
#include <linux/module.h>
#include <linux/slab.h>

#include <vic.h>

/* Kernel API compatibility only: no core-internal header here. */
#include <vic_compat.h>
#include "vic_msix_pool.h"

/**
 * struct vic_msix_vec - the backing of one vic vector
 * @producer: irq bypass producer keyed by the vector's trigger
 * @vec: the vic vector
 * @pool: the pool the parent's vector came from
 * @index: the parent's MSI-X index
 * @virq: its Linux IRQ
 * @inflight: raises fired and not yet handled (see vic_msix_fire())
 * @masked: the vector's effective mask, as last forwarded
 * @bypass: @producer is registered (only while a trigger is set and the
 *	vector is unmasked: a posted interrupt would skip the mask and PBA)
 */
struct vic_msix_vec {
	struct irq_bypass_producer producer;
	struct vic_vector *vec;
	struct vic_msix_pool *pool;
	unsigned int index;
	int virq;
	atomic_t inflight;
	bool masked;
	bool bypass;
};

static struct vic_msix_pool *vic_msix_pool_of(struct vic_ctx *ctx)
{
	return vic_backend_priv(ctx);
}

/*
 * Each raise fired since the last run of the handler is delivered once
 * (vic_raise() counted them). An interrupt without a fired raise is one
 * the hardware made: it is counted here.
 */
static irqreturn_t vic_msix_handler(int irq, void *arg)
{
	struct vic_msix_vec *mv = arg;
	int n = atomic_xchg(&mv->inflight, 0);

	if (!n) {
		vic_account_raise(mv->vec);
		n = 1;
	}
	while (n--)
		vic_deliver(mv->vec);
	return IRQ_HANDLED;
}

static void vic_msix_bypass_unregister(struct vic_msix_vec *mv)
{
	if (!mv->bypass)
		return;
	vic_bypass_unregister(&mv->producer);
	mv->bypass = false;
}

/* The producer is registered while the vector has a trigger, unmasked. */
static void vic_msix_bypass_update(struct vic_ctx *ctx,
				   struct vic_msix_vec *mv)
{
	struct eventfd_ctx *trigger = vic_vector_trigger(mv->vec);
	int ret;

	vic_msix_bypass_unregister(mv);
	if (!trigger || mv->masked)
		return;
	ret = vic_bypass_register(&mv->producer, trigger, mv->virq);
	if (ret)
		pr_debug("dev %u vector %u: irq bypass producer not registered: %d\n",
			 vic_ctx_id(ctx), vic_vector_index(mv->vec), ret);
	mv->bypass = !ret;
}

static int vic_msix_alloc(struct vic_ctx *ctx, struct vic_vector *vec,
			  u64 cookie)
{
	struct vic_msix_pool *pool = vic_msix_pool_of(ctx);
	struct vic_msix_vec *mv;
	int virq, ret;

	/* The message address and data are the parent's: no cookie. */
	mv = kzalloc(sizeof(*mv), GFP_KERNEL_ACCOUNT);
	if (!mv)
		return -ENOMEM;
	mv->vec = vec;
	mv->pool = pool;
	mv->masked = vic_vector_masked(vec);
	virq = vic_msix_pool_take(pool, &mv->index);
	if (virq < 0) {
		ret = virq;
		goto err_free;
	}
	mv->virq = virq;
	ret = request_irq(virq, vic_msix_handler, 0, vic_vector_name(vec), mv);
	if (ret)
		goto err_give;
	vic_vector_set_data(vec, mv);
	return virq;

err_give:
	vic_msix_pool_give(pool, mv->index, virq);
err_free:
	kfree(mv);
	return ret;
}

static void vic_msix_free(struct vic_ctx *ctx, struct vic_vector *vec)
{
	struct vic_msix_vec *mv = vic_vector_data(vec);

	vic_msix_bypass_unregister(mv);
	free_irq(mv->virq, mv);
	vic_msix_pool_give(mv->pool, mv->index, mv->virq);
	vic_vector_set_data(vec, NULL);
	kfree(mv);
}

/*
 * Called under RCU by vic_raise() while the vector is backed. MSI-X
 * merges a message into one the CPU has not taken yet (its IRR bit is
 * set): a raise fired from one CPU at a vector that another CPU handles
 * would then be lost without a trace. So a vector has at most one
 * message in flight: a raise fired while one is sends none, and the
 * handler delivers every raise counted in @inflight.
 */
static void vic_msix_fire(struct vic_ctx *ctx, struct vic_vector *vec)
{
	struct vic_msix_vec *mv = vic_vector_data(vec);

	if (atomic_inc_return(&mv->inflight) == 1)
		mv->pool->ops.fire(mv->pool->priv, mv->index);
}

static void vic_msix_trigger_changed(struct vic_ctx *ctx,
				     struct vic_vector *vec)
{
	struct vic_msix_vec *mv = vic_vector_data(vec);

	if (mv)
		vic_msix_bypass_update(ctx, mv);
}

/*
 * The parent's vector is not masked: an interrupt that comes while the
 * guest masks the vic vector is pended by vic_deliver(), which keeps the
 * vic device's PBA exact. Only the bypass, which would skip that, stops.
 */
static void vic_msix_mask(struct vic_ctx *ctx, struct vic_vector *vec,
			  bool masked)
{
	struct vic_msix_vec *mv = vic_vector_data(vec);

	if (!mv)
		return;
	mv->masked = masked;
	vic_msix_bypass_update(ctx, mv);
}

static void vic_msix_release(struct vic_ctx *ctx)
{
	vic_msix_pool_put(vic_msix_pool_of(ctx));
}

static const struct vic_backend_ops vic_msix_ops = {
	.owner = THIS_MODULE,
	.name = "msix",
	.alloc = vic_msix_alloc,
	.free = vic_msix_free,
	.fire = vic_msix_fire,
	.trigger_changed = vic_msix_trigger_changed,
	.mask = vic_msix_mask,
	.release = vic_msix_release,
};

static const struct vic_backend_ops vic_msix_ops_nofire = {
	.owner = THIS_MODULE,
	.name = "msix",
	.alloc = vic_msix_alloc,
	.free = vic_msix_free,
	.trigger_changed = vic_msix_trigger_changed,
	.mask = vic_msix_mask,
	.release = vic_msix_release,
};

/**
 * vic_msix_attach() - back the non-emulated vectors with a parent's MSI-X
 * @ctx: the vic device context
 * @pool: the parent's pool (vic_msix_pool_create()); it must outlive @ctx
 *
 * Each non-emulated vector of @ctx takes a vector of @pool when it gets a
 * trigger (SET_IRQS), which then fails with -ENOSPC if the pool has none
 * left.
 *
 * Context: process; takes the configuration mutex.
 * Return: 0, -EINVAL without a pool, or -EBUSY if @ctx has a backend
 * already.
 */
int vic_msix_attach(struct vic_ctx *ctx, struct vic_msix_pool *pool)
{
	int ret;

	if (!pool)
		return -EINVAL;
	vic_msix_pool_get(pool);
	ret = vic_set_backend(ctx, pool->ops.fire ? &vic_msix_ops :
			      &vic_msix_ops_nofire, pool);
	if (ret)
		vic_msix_pool_put(pool);
	return ret;
}
EXPORT_SYMBOL_GPL(vic_msix_attach);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("vic_msix: MSI-X vectors of a parent PCI function as vic backends");
