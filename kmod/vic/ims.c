// SPDX-License-Identifier: GPL-2.0-only
/*
 * vic: the IMS backend.
 *
 * Backs a vector with a slot of an Interrupt Message Store that the device
 * driver provides. The slot is allocated, and programmed with the vector's
 * cookie, when the vector gets a trigger; it is freed when the trigger goes,
 * so a new cookie takes effect at the next allocation, as in the vfio IMS
 * series. Backed vectors register an irq bypass producer keyed by their
 * trigger, as vfio-pci does, so that KVM could post them.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/export.h>
#include <linux/interrupt.h>
#include <linux/slab.h>

#include "compat.h"
#include "internal.h"

/**
 * struct vic_ims_vec - IMS state of one backed vector
 * @producer: irq bypass producer keyed by the vector's trigger
 * @bypass: @producer is registered
 * @slot: the message store slot
 */
struct vic_ims_vec {
	struct irq_bypass_producer producer;
	bool bypass;
	unsigned int slot;
};

static struct vic_ims_provider *vic_ims_prov(struct vic_ctx *ctx)
{
	return ctx->backend_priv;
}

static irqreturn_t vic_ims_handler(int irq, void *arg)
{
	struct vic_vector *vec = arg;

	vic_gate_pad_ims();
	/* Hardware that raises on its own was not counted by vic_raise(). */
	if (!vic_ims_prov(vec->ctx)->ops->fire)
		vic_account_raise(vec);
	vic_deliver(vec);
	return IRQ_HANDLED;
}

static void vic_ims_bypass_unregister(struct vic_ims_vec *iv)
{
	if (!iv->bypass)
		return;
	vic_bypass_unregister(&iv->producer);
	iv->bypass = false;
}

static void vic_ims_trigger_changed(struct vic_ctx *ctx,
				    struct vic_vector *vec)
{
	struct vic_ims_vec *iv = vec->bdata;
	int ret;

	lockdep_assert_held(&ctx->lock);
	if (!iv)
		return;
	vic_ims_bypass_unregister(iv);
	if (!vec->trigger)
		return;
	ret = vic_bypass_register(&iv->producer, vec->trigger->eventfd,
				  vec->virq);
	if (ret)
		pr_debug("dev %u vector %u: irq bypass producer not registered: %d\n",
			 ctx->id, vec->index, ret);
	iv->bypass = !ret;
}

static int vic_ims_alloc(struct vic_ctx *ctx, struct vic_vector *vec,
			 u64 cookie)
{
	struct vic_ims_provider *prov = vic_ims_prov(ctx);
	struct vic_ims_vec *iv;
	int virq, ret;

	iv = kzalloc(sizeof(*iv), GFP_KERNEL_ACCOUNT);
	if (!iv)
		return -ENOMEM;
	virq = prov->ops->alloc(prov->priv, cookie, &iv->slot);
	if (virq <= 0) {
		ret = virq ? virq : -EIO;
		goto err_free;
	}
	ret = request_irq(virq, vic_ims_handler, 0, vec->name, vec);
	if (ret)
		goto err_slot;
	vec->bdata = iv;
	return virq;

err_slot:
	prov->ops->free(prov->priv, iv->slot, virq);
err_free:
	kfree(iv);
	return ret;
}

static void vic_ims_free(struct vic_ctx *ctx, struct vic_vector *vec)
{
	struct vic_ims_provider *prov = vic_ims_prov(ctx);
	struct vic_ims_vec *iv = vec->bdata;

	vic_ims_bypass_unregister(iv);
	free_irq(vec->virq, vec);
	prov->ops->free(prov->priv, iv->slot, vec->virq);
	vec->bdata = NULL;
	kfree(iv);
}

/* Called under RCU by vic_raise() while the vector is backed. */
static void vic_ims_fire(struct vic_ctx *ctx, struct vic_vector *vec)
{
	struct vic_ims_provider *prov = vic_ims_prov(ctx);
	struct vic_ims_vec *iv = vec->bdata;

	prov->ops->fire(prov->priv, iv->slot);
}

static const struct vic_backend_ops vic_ims_ops = {
	.name = "ims",
	.alloc = vic_ims_alloc,
	.free = vic_ims_free,
	.fire = vic_ims_fire,
	.trigger_changed = vic_ims_trigger_changed,
};

static const struct vic_backend_ops vic_ims_ops_nofire = {
	.name = "ims",
	.alloc = vic_ims_alloc,
	.free = vic_ims_free,
	.trigger_changed = vic_ims_trigger_changed,
};

/**
 * vic_ims_attach() - back the non-emulated vectors with an IMS provider
 * @ctx: the device context
 * @prov: the provider (copied); alloc and free are required, fire only for
 *	stores simulated in software
 *
 * Context: process; takes the configuration mutex.
 * Return: 0, -EINVAL for an incomplete provider, -ENOMEM, or -EBUSY if the
 * context has a backend already.
 */
int vic_ims_attach(struct vic_ctx *ctx, const struct vic_ims_provider *prov)
{
	struct vic_ims_provider *copy;
	int ret;

	if (!prov || !prov->ops || !prov->ops->alloc || !prov->ops->free)
		return -EINVAL;
	copy = kmemdup(prov, sizeof(*prov), GFP_KERNEL_ACCOUNT);
	if (!copy)
		return -ENOMEM;
	ret = vic_set_backend(ctx, prov->ops->fire ? &vic_ims_ops :
			      &vic_ims_ops_nofire, copy);
	if (ret)
		kfree(copy);
	return ret;
}
EXPORT_SYMBOL_GPL(vic_ims_attach);

/* Free the IMS provider copy, once every backing interrupt is gone. */
void vic_ims_detach(struct vic_ctx *ctx)
{
	if (ctx->ops == &vic_ims_ops || ctx->ops == &vic_ims_ops_nofire)
		kfree(ctx->backend_priv);
	ctx->ops = NULL;
	ctx->backend_priv = NULL;
}
