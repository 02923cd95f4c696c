// SPDX-License-Identifier: GPL-2.0-only
/*
 * vic: vector interrupt context core.
 *
 * One interrupt context per device, one vector context per MSI-X vector,
 * and a backend behind the vectors that are not emulated. This file holds
 * the context's life cycle and its configuration API.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/bitmap.h>
#include <linux/export.h>
#include <linux/idr.h>
#include <linux/irq_work.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "internal.h"

#define CREATE_TRACE_POINTS
#include "vic_trace.h"

#define VIC_MAX_VECTORS		2048	/* the MSI-X table size limit */

static DEFINE_IDA(vic_ida);

static void vic_vectors_free(struct vic_ctx *ctx, u32 count)
{
	u32 i;

	for (i = 0; i < count; i++) {
		trace_vic_vector_free(ctx->id, i);
		free_percpu(ctx->vecs[i].stats);
	}
	kvfree(ctx->vecs);
}

static int vic_vectors_alloc(struct vic_ctx *ctx)
{
	u32 i;

	ctx->vecs = kvcalloc(ctx->nvec, sizeof(*ctx->vecs), GFP_KERNEL_ACCOUNT);
	if (!ctx->vecs)
		return -ENOMEM;
	for (i = 0; i < ctx->nvec; i++) {
		struct vic_vector *vec = &ctx->vecs[i];

		vec->stats = alloc_percpu_gfp(struct vic_vec_stats,
					      GFP_KERNEL_ACCOUNT);
		if (!vec->stats) {
			vic_vectors_free(ctx, i);
			return -ENOMEM;
		}
		vec->ctx = ctx;
		vec->index = i;
		vec->cookie = VIC_COOKIE_DEFAULT;
		snprintf(vec->name, sizeof(vec->name), "vic%u-msix%u",
			 ctx->id, i);
		trace_vic_vector_alloc(ctx->id, i, 0);
	}
	return 0;
}

/**
 * vic_ctx_init() - create the interrupt context of a device
 * @pctx: where to store the new context
 * @name: device name (copied), shown in debugfs
 * @nvec: number of MSI-X vectors, 1 to 2048
 * @layout: where the device places the MSI-X table and PBA
 *
 * Every vector starts backed (by whatever backend the driver attaches),
 * unmasked, without a trigger and with the default cookie; MSI-X starts
 * disabled.
 *
 * Context: process; may sleep.
 * Return: 0, -EINVAL for a bad @nvec, or -ENOMEM.
 */
int vic_ctx_init(struct vic_ctx **pctx, const char *name, unsigned int nvec,
		 const struct vic_msix_layout *layout)
{
	struct vic_ctx *ctx;
	int ret;

	if (!nvec || nvec > VIC_MAX_VECTORS || !name || !layout)
		return -EINVAL;

	ctx = kzalloc(sizeof(*ctx), GFP_KERNEL_ACCOUNT);
	if (!ctx)
		return -ENOMEM;
	ctx->name = kstrdup(name, GFP_KERNEL_ACCOUNT);
	if (!ctx->name) {
		ret = -ENOMEM;
		goto err_free_ctx;
	}
	ret = ida_alloc(&vic_ida, GFP_KERNEL);
	if (ret < 0)
		goto err_free_name;
	ctx->id = ret;
	ctx->nvec = nvec;
	ctx->layout = *layout;
	mutex_init(&ctx->lock);
	init_irq_work(&ctx->defer_work, vic_deferred_run);
	ctx->deferred = bitmap_zalloc(nvec, GFP_KERNEL_ACCOUNT);
	if (!ctx->deferred) {
		ret = -ENOMEM;
		goto err_free_id;
	}

	trace_vic_ctx_init(ctx->id, nvec);
	ret = vic_vectors_alloc(ctx);
	if (ret)
		goto err_free_bitmap;
	vic_debugfs_add(ctx);
	*pctx = ctx;
	return 0;

err_free_bitmap:
	trace_vic_ctx_release(ctx->id);
	bitmap_free(ctx->deferred);
err_free_id:
	ida_free(&vic_ida, ctx->id);
err_free_name:
	kfree(ctx->name);
err_free_ctx:
	kfree(ctx);
	return ret;
}
EXPORT_SYMBOL_GPL(vic_ctx_init);

/**
 * vic_ctx_release() - release the interrupt context of a device
 * @ctx: the context, may be NULL
 *
 * Drops every trigger, frees every backing interrupt and the backend.
 * The driver must have stopped raising vectors of @ctx before.
 *
 * Context: process; may sleep.
 */
void vic_ctx_release(struct vic_ctx *ctx)
{
	if (!ctx)
		return;

	vic_debugfs_remove(ctx);
	mutex_lock(&ctx->lock);
	vic_msix_disable_locked(ctx);
	mutex_unlock(&ctx->lock);
	if (ctx->ops && ctx->ops->release)
		ctx->ops->release(ctx);
	ctx->ops = NULL;
	ctx->backend_priv = NULL;

	/* The last deferred deliveries, to no trigger now: dropped. */
	irq_work_sync(&ctx->defer_work);
	vic_vectors_free(ctx, ctx->nvec);
	bitmap_free(ctx->deferred);
	trace_vic_ctx_release(ctx->id);
	ida_free(&vic_ida, ctx->id);
	mutex_destroy(&ctx->lock);
	kfree(ctx->name);
	kfree(ctx);
}
EXPORT_SYMBOL_GPL(vic_ctx_release);

/**
 * vic_ctx_id() - the id of a device context
 * @ctx: the context
 *
 * Return: the id, shown as `dev` in tracepoints and debugfs.
 */
u32 vic_ctx_id(const struct vic_ctx *ctx)
{
	return ctx->id;
}
EXPORT_SYMBOL_GPL(vic_ctx_id);

/**
 * vic_ctx_nvec() - the number of MSI-X vectors of a device context
 * @ctx: the context
 *
 * Return: the number of vectors.
 */
unsigned int vic_ctx_nvec(const struct vic_ctx *ctx)
{
	return ctx->nvec;
}
EXPORT_SYMBOL_GPL(vic_ctx_nvec);

/**
 * vic_set_backend() - attach the backend of the backed vectors
 * @ctx: the device context
 * @ops: backend operations (name, alloc and free required); they and
 *	@priv must stay valid until vic_ctx_release() has called release
 * @priv: backend's private data, see vic_backend_priv()
 *
 * Context: process; takes the configuration mutex.
 * Return: 0, -EINVAL for incomplete @ops, or -EBUSY if a backend is
 * attached already.
 */
int vic_set_backend(struct vic_ctx *ctx, const struct vic_backend_ops *ops,
		    void *priv)
{
	int ret = 0;

	if (!ops || !ops->name || !ops->alloc || !ops->free)
		return -EINVAL;

	mutex_lock(&ctx->lock);
	if (ctx->ops) {
		ret = -EBUSY;
	} else {
		ctx->backend_priv = priv;
		ctx->ops = ops;
	}
	mutex_unlock(&ctx->lock);
	return ret;
}
EXPORT_SYMBOL_GPL(vic_set_backend);

/**
 * vic_backend_priv() - the backend's private data of a device context
 * @ctx: the context
 *
 * Return: what the backend passed to vic_set_backend().
 */
void *vic_backend_priv(const struct vic_ctx *ctx)
{
	return ctx->backend_priv;
}
EXPORT_SYMBOL_GPL(vic_backend_priv);

/**
 * vic_set_emulated() - mark vectors as emulated
 * @ctx: the device context
 * @start: first vector
 * @count: number of vectors
 *
 * Emulated vectors are signalled by the frontend (vic_send_signal()) and
 * never reach the backend. All or nothing: on error no vector changed.
 *
 * Context: process; takes the configuration mutex.
 * Return: 0; -EINVAL if the range is empty or beyond the vectors; -EBUSY
 * if a vector in it is emulated already or has a trigger.
 */
int vic_set_emulated(struct vic_ctx *ctx, unsigned int start,
		     unsigned int count)
{
	u32 i;
	int ret = 0;

	if (!count || start >= ctx->nvec || count > ctx->nvec - start)
		return -EINVAL;

	mutex_lock(&ctx->lock);
	for (i = start; i < start + count; i++) {
		if (vic_vector_emulated(&ctx->vecs[i]) ||
		    ctx->vecs[i].trigger) {
			ret = -EBUSY;
			goto out;
		}
	}
	for (i = start; i < start + count; i++) {
		/* A new kind of context replaces the backed one. */
		trace_vic_vector_free(ctx->id, i);
		atomic_or(VIC_VEC_EMULATED, &ctx->vecs[i].state);
		trace_vic_vector_alloc(ctx->id, i, 1);
	}
out:
	mutex_unlock(&ctx->lock);
	return ret;
}
EXPORT_SYMBOL_GPL(vic_set_emulated);

/**
 * vic_is_emulated() - whether a vector is emulated
 * @ctx: the device context
 * @vector: the vector
 *
 * Return: true if @vector exists and is emulated.
 */
bool vic_is_emulated(struct vic_ctx *ctx, unsigned int vector)
{
	return vector < ctx->nvec && vic_vector_emulated(&ctx->vecs[vector]);
}
EXPORT_SYMBOL_GPL(vic_is_emulated);

/**
 * vic_set_cookie() - set the IMS cookie of a backed vector
 * @ctx: the device context
 * @vector: the vector
 * @cookie: the cookie (e.g. a PASID)
 *
 * The cookie takes effect at the vector's next backing allocation: the
 * interrupt allocated now keeps the cookie it was allocated with.
 *
 * Context: process; takes the configuration mutex.
 * Return: 0, or -EINVAL if @vector is out of range or emulated.
 */
int vic_set_cookie(struct vic_ctx *ctx, unsigned int vector, u64 cookie)
{
	int ret = 0;

	trace_vic_cookie_set_start(ctx->id, vector, cookie);
	if (vector >= ctx->nvec) {
		ret = -EINVAL;
		goto out;
	}
	mutex_lock(&ctx->lock);
	if (vic_vector_emulated(&ctx->vecs[vector]))
		ret = -EINVAL;
	else
		ctx->vecs[vector].cookie = cookie;
	mutex_unlock(&ctx->lock);
out:
	trace_vic_cookie_set_end(ctx->id, vector, ret);
	return ret;
}
EXPORT_SYMBOL_GPL(vic_set_cookie);

/**
 * vic_get_cookie() - the IMS cookie of a backed vector
 * @ctx: the device context
 * @vector: the vector
 * @cookie: where to store the cookie its next allocation uses
 *
 * Context: process; takes the configuration mutex.
 * Return: 0, or -EINVAL if @vector is out of range or emulated.
 */
int vic_get_cookie(struct vic_ctx *ctx, unsigned int vector, u64 *cookie)
{
	int ret = 0;

	if (vector >= ctx->nvec)
		return -EINVAL;
	mutex_lock(&ctx->lock);
	if (vic_vector_emulated(&ctx->vecs[vector]))
		ret = -EINVAL;
	else
		*cookie = ctx->vecs[vector].cookie;
	mutex_unlock(&ctx->lock);
	return ret;
}
EXPORT_SYMBOL_GPL(vic_get_cookie);

/**
 * vic_reset() - reset the interrupt state of a device
 * @ctx: the device context
 *
 * What VFIO_DEVICE_RESET does to MSI-X: disables it, drops every trigger,
 * clears the mask and pending bits and the table, and restores the default
 * cookies. Counters are kept.
 *
 * Context: process; takes the configuration mutex.
 */
void vic_reset(struct vic_ctx *ctx)
{
	u32 i;

	mutex_lock(&ctx->lock);
	vic_msix_disable_locked(ctx);
	vic_msix_reset(ctx);
	for (i = 0; i < ctx->nvec; i++)
		ctx->vecs[i].cookie = VIC_COOKIE_DEFAULT;
	mutex_unlock(&ctx->lock);
}
EXPORT_SYMBOL_GPL(vic_reset);

/**
 * vic_set_bus_master() - turn the bus mastering of a device on or off
 * @ctx: the device context
 * @enable: the device's PCI COMMAND Bus Master bit
 *
 * A function whose bus mastering is off sends no MSI-X message: while it
 * is off, a raise of an unmasked vector is counted and traced as dropped
 * (the message is lost, it does not set the pending bit), a raise of a
 * masked vector still pends, and a pending bit that unmasking releases is
 * cleared without signalling. A device that models COMMAND calls this on
 * every change of the bit, and when it starts with the bit clear (open);
 * one that does not never calls it, and its vectors deliver (the state of
 * a new context). vic_reset() keeps the setting.
 *
 * Context: process; takes the configuration mutex.
 */
void vic_set_bus_master(struct vic_ctx *ctx, bool enable)
{
	u32 i;

	mutex_lock(&ctx->lock);
	for (i = 0; i < ctx->nvec; i++) {
		if (enable)
			atomic_andnot(VIC_VEC_NOMASTER, &ctx->vecs[i].state);
		else
			atomic_or(VIC_VEC_NOMASTER, &ctx->vecs[i].state);
	}
	mutex_unlock(&ctx->lock);
}
EXPORT_SYMBOL_GPL(vic_set_bus_master);

/**
 * vic_vector_index() - the number of a vector
 * @vec: the vector
 *
 * Return: the vector's MSI-X index.
 */
unsigned int vic_vector_index(const struct vic_vector *vec)
{
	return vec->index;
}
EXPORT_SYMBOL_GPL(vic_vector_index);

/**
 * vic_vector_ctx() - the device context of a vector
 * @vec: the vector
 *
 * Return: the context @vec belongs to.
 */
struct vic_ctx *vic_vector_ctx(const struct vic_vector *vec)
{
	return vec->ctx;
}
EXPORT_SYMBOL_GPL(vic_vector_ctx);

/**
 * vic_vector_data() - the backend's data of a vector
 * @vec: the vector
 *
 * Return: what the backend stored with vic_vector_set_data(), NULL if none.
 */
void *vic_vector_data(const struct vic_vector *vec)
{
	return vec->bdata;
}
EXPORT_SYMBOL_GPL(vic_vector_data);

/**
 * vic_vector_set_data() - store the backend's data of a vector
 * @vec: the vector
 * @data: the backend's per-vector data, typically set in alloc and cleared
 *	in free
 *
 * Context: a backend operation, configuration mutex held.
 */
void vic_vector_set_data(struct vic_vector *vec, void *data)
{
	lockdep_assert_held(&vec->ctx->lock);
	vec->bdata = data;
}
EXPORT_SYMBOL_GPL(vic_vector_set_data);

/**
 * vic_vector_trigger() - the eventfd of a vector's trigger, for irq bypass
 * @vec: the vector
 *
 * Context: a backend operation, configuration mutex held; the eventfd
 * stays valid until the next trigger_changed operation of @vec.
 * Return: the trigger's eventfd context, NULL when the vector has none.
 */
struct eventfd_ctx *vic_vector_trigger(const struct vic_vector *vec)
{
	lockdep_assert_held(&vec->ctx->lock);
	return vec->trigger ? vec->trigger->eventfd : NULL;
}
EXPORT_SYMBOL_GPL(vic_vector_trigger);

/**
 * vic_vector_virq() - the backing interrupt of a vector
 * @vec: the vector
 *
 * Return: the Linux IRQ number that alloc returned, 0 when there is none
 * (also during alloc itself).
 */
int vic_vector_virq(const struct vic_vector *vec)
{
	return vec->virq;
}
EXPORT_SYMBOL_GPL(vic_vector_virq);

/**
 * vic_vector_name() - the interrupt name of a vector
 * @vec: the vector
 *
 * Return: "vic<dev>-msix<vector>", for request_irq() and /proc/interrupts.
 */
const char *vic_vector_name(const struct vic_vector *vec)
{
	return vec->name;
}
EXPORT_SYMBOL_GPL(vic_vector_name);

/**
 * vic_vector_masked() - the effective mask of a vector
 * @vec: the vector
 *
 * Return: true if the vector's table entry or the function mask masks it.
 * A backend's alloc starts the backing in this state; later changes come
 * through the mask operation.
 */
bool vic_vector_masked(const struct vic_vector *vec)
{
	return vic_vector_is_masked(atomic_read(&vec->state));
}
EXPORT_SYMBOL_GPL(vic_vector_masked);

static int __init vic_module_init(void)
{
	return vic_debugfs_init();
}

static void __exit vic_module_exit(void)
{
	vic_debugfs_exit();
	/* Triggers retired by call_rcu() hold eventfd references. */
	rcu_barrier();
	ida_destroy(&vic_ida);
}

module_init(vic_module_init);
module_exit(vic_module_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("vic: vector interrupt context for virtual device MSI-X");
