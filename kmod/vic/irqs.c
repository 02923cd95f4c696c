// SPDX-License-Identifier: GPL-2.0-only
/*
 * vic: VFIO_DEVICE_SET_IRQS for the MSI-X index, with vfio-pci's semantics.
 */
#include <linux/bitops.h>
#include <linux/export.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/vfio.h>

#include "internal.h"
#include "vic_trace.h"

#define VIC_SET_IRQS_FLAGS	(VFIO_IRQ_SET_DATA_TYPE_MASK | \
				 VFIO_IRQ_SET_ACTION_TYPE_MASK)

/* Bytes of data one vector takes with these flags (valid flags only). */
static size_t vic_set_irqs_elem_size(u32 flags)
{
	switch (flags & VFIO_IRQ_SET_DATA_TYPE_MASK) {
	case VFIO_IRQ_SET_DATA_BOOL:
		return sizeof(u8);
	case VFIO_IRQ_SET_DATA_EVENTFD:
		return sizeof(s32);
	}
	return 0;
}

static int vic_set_irqs_validate(struct vic_ctx *ctx, u32 flags, u32 start,
				 u32 count)
{
	if (flags & ~VIC_SET_IRQS_FLAGS)
		return -EINVAL;
	if (hweight32(flags & VFIO_IRQ_SET_DATA_TYPE_MASK) != 1 ||
	    hweight32(flags & VFIO_IRQ_SET_ACTION_TYPE_MASK) != 1)
		return -EINVAL;
	/* Masking is through the MSI-X table, as on real hardware. */
	if (!(flags & VFIO_IRQ_SET_ACTION_TRIGGER))
		return -EINVAL;
	if (start >= ctx->nvec || count > ctx->nvec - start)
		return -EINVAL;
	return 0;
}

/*
 * Set the triggers of [start, start + count) from @fds (-1 unsets). All or
 * nothing: on error the vectors this call reached are unset again, as
 * vfio-pci does.
 */
static int vic_set_trigger_block(struct vic_ctx *ctx, u32 start, u32 count,
				 const s32 *fds)
{
	u32 i;
	int ret;

	for (i = 0; i < count; i++) {
		vic_gate_pad_set_irqs();
		ret = vic_vector_set_trigger(&ctx->vecs[start + i], fds[i]);
		if (ret)
			goto err_unwind;
	}
	vic_vector_reap(ctx, start, count);
	return 0;

err_unwind:
	vic_vector_drop_triggers(ctx, start, i);
	return ret;
}

/* Loopback: raise the vectors that have a trigger (BOOL: where set). */
static int vic_set_irqs_loopback(struct vic_ctx *ctx, u32 flags, u32 start,
				 u32 count, const u8 *bools)
{
	u32 i;

	if (!ctx->msix_enabled)
		return -EINVAL;
	for (i = 0; i < count; i++) {
		struct vic_vector *vec = &ctx->vecs[start + i];

		if ((flags & VFIO_IRQ_SET_DATA_BOOL) && !bools[i])
			continue;
		if (!vec->trigger)
			continue;
		vic_account_raise(vec);
		vic_deliver(vec);
	}
	return 0;
}

/* Enable MSI-X for [0, nvec): the backend's enable, if it has one. */
int vic_msix_enable_locked(struct vic_ctx *ctx, u32 nvec)
{
	int ret = 0;

	lockdep_assert_held(&ctx->lock);
	if (ctx->msix_enabled)
		return 0;
	if (ctx->ops && ctx->ops->enable)
		ret = ctx->ops->enable(ctx, nvec);
	if (!ret)
		ctx->msix_enabled = true;
	return ret;
}

/* Drop every trigger, free every backing, then the backend's disable. */
void vic_msix_disable_locked(struct vic_ctx *ctx)
{
	lockdep_assert_held(&ctx->lock);
	vic_vector_drop_triggers(ctx, 0, ctx->nvec);
	if (!ctx->msix_enabled)
		return;
	ctx->msix_enabled = false;
	if (ctx->ops && ctx->ops->disable)
		ctx->ops->disable(ctx);
}

static int vic_do_set_irqs(struct vic_ctx *ctx, u32 flags, u32 start,
			   u32 count, const void *data)
{
	int ret;

	ret = vic_set_irqs_validate(ctx, flags, start, count);
	if (ret)
		return ret;

	mutex_lock(&ctx->lock);
	if ((flags & VFIO_IRQ_SET_DATA_NONE) && !count) {
		if (ctx->msix_enabled)
			vic_msix_disable_locked(ctx);
		else
			ret = -EINVAL;
	} else if (flags & VFIO_IRQ_SET_DATA_EVENTFD) {
		bool was_enabled = ctx->msix_enabled;

		ret = vic_msix_enable_locked(ctx, start + count);
		if (!ret)
			ret = vic_set_trigger_block(ctx, start, count, data);
		/* The block unwound itself: nothing is left to drop. */
		if (ret && !was_enabled)
			vic_msix_disable_locked(ctx);
	} else {
		ret = vic_set_irqs_loopback(ctx, flags, start, count, data);
	}
	mutex_unlock(&ctx->lock);
	return ret;
}

/**
 * vic_set_irqs() - VFIO_DEVICE_SET_IRQS on the MSI-X index, kernel data
 * @ctx: the device context
 * @flags: VFIO_IRQ_SET_DATA_* | VFIO_IRQ_SET_ACTION_TRIGGER
 * @start: first vector
 * @count: number of vectors
 * @data: @count s32 eventfds (DATA_EVENTFD), @count bytes (DATA_BOOL), or
 *	NULL (DATA_NONE)
 *
 * As vfio-pci: DATA_EVENTFD sets each vector's trigger, fd -1 unsetting
 * it, all or nothing; DATA_NONE with @count 0 disables MSI-X and drops
 * every trigger; DATA_NONE and DATA_BOOL with @count > 0 signal the vectors
 * (BOOL: where the byte is 1) that have a trigger.
 *
 * Context: process; takes the configuration mutex.
 * Return: 0; -EINVAL for bad flags or range, or a loopback or disable while
 * MSI-X is disabled; -EBADF or -EINVAL for an fd that is not an eventfd;
 * -ENOSPC or another errno from the backend's allocation.
 */
int vic_set_irqs(struct vic_ctx *ctx, u32 flags, unsigned int start,
		 unsigned int count, const void *data)
{
	int ret;

	if (!data && vic_set_irqs_elem_size(flags) && count)
		ret = -EINVAL;
	else
		ret = vic_do_set_irqs(ctx, flags, start, count, data);
	trace_vic_set_irqs(ctx->id, flags, start, count, ret);
	return ret;
}
EXPORT_SYMBOL_GPL(vic_set_irqs);

/**
 * vic_set_irqs_ioctl() - VFIO_DEVICE_SET_IRQS on the MSI-X index, user data
 * @ctx: the device context
 * @hdr: the header the driver copied from user space (index MSI-X)
 * @data: user pointer to the data following the header
 *
 * Validates the header as vfio_set_irqs_validate_and_prepare() does (with
 * the sum start + count checked for overflow), copies the data and runs
 * vic_set_irqs().
 *
 * Context: process; takes the configuration mutex.
 * Return: as vic_set_irqs(), or -EFAULT.
 */
int vic_set_irqs_ioctl(struct vic_ctx *ctx, struct vfio_irq_set *hdr,
		       void __user *data)
{
	size_t minsz = offsetofend(struct vfio_irq_set, count);
	size_t size = 0;
	void *buf = NULL;
	int ret;

	if (hdr->argsz < minsz || hdr->index != VFIO_PCI_MSIX_IRQ_INDEX) {
		ret = -EINVAL;
		goto out;
	}
	ret = vic_set_irqs_validate(ctx, hdr->flags, hdr->start, hdr->count);
	if (ret)
		goto out;
	size = vic_set_irqs_elem_size(hdr->flags) * hdr->count;
	if (hdr->argsz - minsz < size) {
		ret = -EINVAL;
		goto out;
	}
	if (size) {
		buf = memdup_user(data, size);
		if (IS_ERR(buf)) {
			ret = PTR_ERR(buf);
			goto out;
		}
	}
	ret = vic_do_set_irqs(ctx, hdr->flags, hdr->start, hdr->count, buf);
	kfree(buf);
out:
	trace_vic_set_irqs(ctx->id, hdr->flags, hdr->start, hdr->count, ret);
	return ret;
}
EXPORT_SYMBOL_GPL(vic_set_irqs_ioctl);
