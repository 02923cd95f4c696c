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
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/stringify.h>

#include <vic.h>

/* Kernel API compatibility only: no core-internal header here. */
#include <vic_compat.h>

/*
 * The performance gate's known regression (docs/performance.md):
 * VIC_GATE_PAD_IMS adds exactly that many instructions to every IMS
 * interrupt. Off in a normal build.
 */
static inline void vic_ims_gate_pad(void)
{
#ifdef VIC_GATE_PAD_IMS
	asm volatile(".rept " __stringify(VIC_GATE_PAD_IMS) "\n\tnop\n\t.endr"
		     ::: "memory");
#endif
}

/**
 * struct vic_ims_vec - IMS state of one backed vector
 * @producer: irq bypass producer keyed by the vector's trigger
 * @vec: the vector
 * @virq: the slot's Linux IRQ
 * @slot: the message store slot
 * @hw: the store has no fire operation: the hardware raises, the handler
 *	counts the raise
 * @masked: the vector's effective mask, as last forwarded
 * @bypass: @producer is registered (only while a trigger is set and the
 *	vector is unmasked, so that a posted interrupt honours the mask)
 */
struct vic_ims_vec {
	struct irq_bypass_producer producer;
	struct vic_vector *vec;
	int virq;
	unsigned int slot;
	bool hw;
	bool masked;
	bool bypass;
};

static struct vic_ims_provider *vic_ims_prov(struct vic_ctx *ctx)
{
	return vic_backend_priv(ctx);
}

static irqreturn_t vic_ims_handler(int irq, void *arg)
{
	struct vic_ims_vec *iv = arg;

	vic_ims_gate_pad();
	/* Hardware that raises on its own was not counted by vic_raise(). */
	if (iv->hw)
		vic_account_raise(iv->vec);
	vic_deliver(iv->vec);
	return IRQ_HANDLED;
}

static void vic_ims_bypass_unregister(struct vic_ims_vec *iv)
{
	if (!iv->bypass)
		return;
	vic_bypass_unregister(&iv->producer);
	iv->bypass = false;
}

/* Register the producer when the vector has a trigger and is unmasked. */
static void vic_ims_bypass_update(struct vic_ctx *ctx, struct vic_ims_vec *iv)
{
	struct eventfd_ctx *trigger = vic_vector_trigger(iv->vec);
	int ret;

	vic_ims_bypass_unregister(iv);
	if (!trigger || iv->masked)
		return;
	ret = vic_bypass_register(&iv->producer, trigger, iv->virq);
	if (ret)
		pr_debug("dev %u vector %u: irq bypass producer not registered: %d\n",
			 vic_ctx_id(ctx), vic_vector_index(iv->vec), ret);
	iv->bypass = !ret;
}

static void vic_ims_trigger_changed(struct vic_ctx *ctx,
				    struct vic_vector *vec)
{
	struct vic_ims_vec *iv = vic_vector_data(vec);

	if (iv)
		vic_ims_bypass_update(ctx, iv);
}

static void vic_ims_mask(struct vic_ctx *ctx, struct vic_vector *vec,
			 bool masked)
{
	struct vic_ims_vec *iv = vic_vector_data(vec);

	if (!iv)
		return;
	iv->masked = masked;
	vic_ims_bypass_update(ctx, iv);
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
	iv->vec = vec;
	iv->hw = !prov->ops->fire;
	iv->masked = vic_vector_masked(vec);
	virq = prov->ops->alloc(prov->priv, cookie, &iv->slot);
	if (virq <= 0) {
		ret = virq ? virq : -EIO;
		goto err_free;
	}
	iv->virq = virq;
	/*
	 * Not threaded on RT: a threaded handler runs once for any number of
	 * fires before it, and those raises would have no delivery. In hard
	 * IRQ, vic_deliver() defers each delivery on RT, and counts them all.
	 */
	ret = request_irq(virq, vic_ims_handler, IRQF_NO_THREAD,
			  vic_vector_name(vec), iv);
	if (ret)
		goto err_slot;
	vic_vector_set_data(vec, iv);
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
	struct vic_ims_vec *iv = vic_vector_data(vec);

	vic_ims_bypass_unregister(iv);
	free_irq(iv->virq, iv);
	prov->ops->free(prov->priv, iv->slot, iv->virq);
	vic_vector_set_data(vec, NULL);
	kfree(iv);
}

/* Called under RCU by vic_raise() while the vector is backed. */
static void vic_ims_fire(struct vic_ctx *ctx, struct vic_vector *vec)
{
	struct vic_ims_provider *prov = vic_ims_prov(ctx);
	struct vic_ims_vec *iv = vic_vector_data(vec);

	prov->ops->fire(prov->priv, iv->slot);
}

static int vic_ims_enable(struct vic_ctx *ctx, unsigned int nvec)
{
	struct vic_ims_provider *prov = vic_ims_prov(ctx);

	return prov->ops->enable ? prov->ops->enable(prov->priv, nvec) : 0;
}

static void vic_ims_disable(struct vic_ctx *ctx)
{
	struct vic_ims_provider *prov = vic_ims_prov(ctx);

	if (prov->ops->disable)
		prov->ops->disable(prov->priv);
}

/* Every backing interrupt is gone: free the provider copy. */
static void vic_ims_release(struct vic_ctx *ctx)
{
	kfree(vic_ims_prov(ctx));
}

static const struct vic_backend_ops vic_ims_ops = {
	.owner = THIS_MODULE,
	.name = "ims",
	.alloc = vic_ims_alloc,
	.free = vic_ims_free,
	.fire = vic_ims_fire,
	.trigger_changed = vic_ims_trigger_changed,
	.mask = vic_ims_mask,
	.enable = vic_ims_enable,
	.disable = vic_ims_disable,
	.release = vic_ims_release,
};

static const struct vic_backend_ops vic_ims_ops_nofire = {
	.owner = THIS_MODULE,
	.name = "ims",
	.alloc = vic_ims_alloc,
	.free = vic_ims_free,
	.trigger_changed = vic_ims_trigger_changed,
	.mask = vic_ims_mask,
	.enable = vic_ims_enable,
	.disable = vic_ims_disable,
	.release = vic_ims_release,
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
