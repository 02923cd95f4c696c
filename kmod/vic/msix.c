// SPDX-License-Identifier: GPL-2.0-only
/*
 * vic: MSI-X emulation: the capability, the table and the PBA.
 *
 * The table's vector control mask bit and the capability's function mask
 * are per-vector state bits; a raise of a masked vector sets the pending
 * bit, and the transition to unmasked releases a pending vector once.
 * Entries reset unmasked (PCI resets them masked): a VFIO user that only
 * sets triggers, as with vfio-pci, gets its interrupts.
 */
#include <linux/export.h>
#include <linux/pci_regs.h>
#include <linux/string.h>

#include "internal.h"
#include "vic_trace.h"

#define VIC_MSIX_CTRL_WRITABLE	(PCI_MSIX_FLAGS_ENABLE | PCI_MSIX_FLAGS_MASKALL)

/* Little-endian accessors for buffers of any alignment. */
static u32 vic_get_le32(const void *p)
{
	__le32 v;

	memcpy(&v, p, sizeof(v));
	return le32_to_cpu(v);
}

static void vic_put_le32(u32 val, void *p)
{
	__le32 v = cpu_to_le32(val);

	memcpy(p, &v, sizeof(v));
}

static void vic_put_le16(u16 val, void *p)
{
	__le16 v = cpu_to_le16(val);

	memcpy(p, &v, sizeof(v));
}

/*
 * Set then clear mask bits of @vec in one atomic step; trace a change of the
 * effective mask and release the pending bit when the vector gets unmasked.
 */
void vic_vector_update_mask(struct vic_vector *vec, u32 set, u32 clear)
{
	u32 old = atomic_read(&vec->state);
	u32 new;

	do {
		new = (old | set) & ~clear;
		if (!vic_vector_is_masked(new))
			new &= ~VIC_VEC_PENDING;
	} while (!atomic_try_cmpxchg(&vec->state, &old, new));

	if (vic_vector_is_masked(old) != vic_vector_is_masked(new)) {
		struct vic_ctx *ctx = vec->ctx;

		trace_vic_mask(ctx->id, vec->index, vic_vector_is_masked(new));
		/* Forwarded once per change, while a backing exists. */
		if (vec->virq && !(new & VIC_VEC_EMULATED) && ctx->ops &&
		    ctx->ops->mask)
			ctx->ops->mask(ctx, vec, vic_vector_is_masked(new));
	}
	if ((old & VIC_VEC_PENDING) && !(new & VIC_VEC_PENDING))
		vic_release_pending(vec);
}

/* Back to the reset state: unmasked, nothing pending, table cleared. */
void vic_msix_reset(struct vic_ctx *ctx)
{
	u32 i;

	lockdep_assert_held(&ctx->lock);
	ctx->msg_ctrl = 0;
	for (i = 0; i < ctx->nvec; i++) {
		struct vic_vector *vec = &ctx->vecs[i];
		/* but the bus master gate, which reset keeps, and the kind */
		u32 old = atomic_fetch_and(VIC_VEC_NOMASTER | VIC_VEC_EMULATED,
					   &vec->state);

		if (vic_vector_is_masked(old))
			trace_vic_mask(ctx->id, i, 0);
		vec->msg_addr_lo = 0;
		vec->msg_addr_hi = 0;
		vec->msg_data = 0;
	}
}

static void vic_msix_set_ctrl(struct vic_ctx *ctx, u16 ctrl)
{
	bool was = ctx->msg_ctrl & PCI_MSIX_FLAGS_MASKALL;
	bool now = ctrl & PCI_MSIX_FLAGS_MASKALL;
	u32 i;

	ctx->msg_ctrl = ctrl & VIC_MSIX_CTRL_WRITABLE;
	if (was == now)
		return;
	for (i = 0; i < ctx->nvec; i++)
		vic_vector_update_mask(&ctx->vecs[i],
				       now ? VIC_VEC_FMASKED : 0,
				       now ? 0 : VIC_VEC_FMASKED);
}

/* The capability as the device shows it, @next being the next pointer. */
static void vic_msix_cap_build(struct vic_ctx *ctx, u8 *cap, u8 next)
{
	cap[PCI_CAP_LIST_ID] = PCI_CAP_ID_MSIX;
	cap[PCI_CAP_LIST_NEXT] = next;
	vic_put_le16((ctx->nvec - 1) | ctx->msg_ctrl, cap + PCI_MSIX_FLAGS);
	vic_put_le32(ctx->layout.table_offset | ctx->layout.table_bar,
		     cap + PCI_MSIX_TABLE);
	vic_put_le32(ctx->layout.pba_offset | ctx->layout.pba_bar,
		     cap + PCI_MSIX_PBA);
}

/**
 * vic_msix_cap_rw() - access the emulated MSI-X capability
 * @ctx: the device context
 * @off: offset in the capability
 * @buf: data read or to write
 * @len: access size (1, 2 or 4 bytes, within the capability)
 * @write: write (true) or read
 * @next: the capability list's next pointer to show
 *
 * Only Message Control's Enable and Function Mask bits are writable;
 * writes to other bytes are ignored. Clearing Function Mask releases the
 * pending vectors.
 *
 * Context: process; takes the configuration mutex.
 * Return: 0 or -EINVAL for an access outside the capability.
 */
int vic_msix_cap_rw(struct vic_ctx *ctx, unsigned int off, void *buf,
		    size_t len, bool write, u8 next)
{
	u8 cap[VIC_MSIX_CAP_SIZE];
	unsigned int i;

	if (off >= VIC_MSIX_CAP_SIZE || len > VIC_MSIX_CAP_SIZE - off ||
	    !len)
		return -EINVAL;

	mutex_lock(&ctx->lock);
	vic_msix_cap_build(ctx, cap, next);
	if (!write) {
		memcpy(buf, cap + off, len);
		goto out;
	}
	for (i = 0; i < len; i++) {
		unsigned int pos = off + i;

		if (pos == PCI_MSIX_FLAGS + 1)
			cap[pos] = ((u8 *)buf)[i];
	}
	vic_msix_set_ctrl(ctx, cap[PCI_MSIX_FLAGS] |
			  cap[PCI_MSIX_FLAGS + 1] << 8);
out:
	mutex_unlock(&ctx->lock);
	return 0;
}
EXPORT_SYMBOL_GPL(vic_msix_cap_rw);

static u32 *vic_msix_entry_word(struct vic_vector *vec, unsigned int word)
{
	switch (word) {
	case PCI_MSIX_ENTRY_LOWER_ADDR / 4:
		return &vec->msg_addr_lo;
	case PCI_MSIX_ENTRY_UPPER_ADDR / 4:
		return &vec->msg_addr_hi;
	case PCI_MSIX_ENTRY_DATA / 4:
		return &vec->msg_data;
	}
	return NULL;
}

static u32 vic_msix_entry_read(struct vic_vector *vec, unsigned int word)
{
	u32 *p = vic_msix_entry_word(vec, word);

	if (p)
		return *p;
	return atomic_read(&vec->state) & VIC_VEC_MASKED ?
		PCI_MSIX_ENTRY_CTRL_MASKBIT : 0;
}

static void vic_msix_entry_write(struct vic_vector *vec, unsigned int word,
				 u32 val)
{
	u32 *p = vic_msix_entry_word(vec, word);

	if (p) {
		*p = val;
		return;
	}
	if (val & PCI_MSIX_ENTRY_CTRL_MASKBIT)
		vic_vector_update_mask(vec, VIC_VEC_MASKED, 0);
	else
		vic_vector_update_mask(vec, 0, VIC_VEC_MASKED);
}

/**
 * vic_msix_table_rw() - access the emulated MSI-X table
 * @ctx: the device context
 * @off: offset in the table
 * @buf: data read or to write (little-endian, as the device shows it)
 * @len: 4 or 8 bytes, naturally aligned
 * @write: write (true) or read
 *
 * Each entry is message address (low, high), message data and vector
 * control, whose bit 0 masks the vector. Unmasking a pending vector
 * signals it once.
 *
 * Context: process; takes the configuration mutex.
 * Return: 0 or -EINVAL for a bad size, alignment or offset.
 */
int vic_msix_table_rw(struct vic_ctx *ctx, unsigned int off, void *buf,
		      size_t len, bool write)
{
	unsigned int i;

	if ((len != 4 && len != 8) || off % len ||
	    off >= vic_msix_table_size(ctx))
		return -EINVAL;

	mutex_lock(&ctx->lock);
	for (i = 0; i < len / 4; i++) {
		unsigned int pos = off + 4 * i;
		struct vic_vector *vec = &ctx->vecs[pos / VIC_MSIX_ENTRY_SIZE];
		unsigned int word = (pos % VIC_MSIX_ENTRY_SIZE) / 4;

		if (write)
			vic_msix_entry_write(vec, word,
					     vic_get_le32(buf + 4 * i));
		else
			vic_put_le32(vic_msix_entry_read(vec, word),
				     buf + 4 * i);
	}
	mutex_unlock(&ctx->lock);
	return 0;
}
EXPORT_SYMBOL_GPL(vic_msix_table_rw);

/**
 * vic_msix_pba_read() - read the emulated MSI-X pending bit array
 * @ctx: the device context
 * @off: offset in the PBA
 * @buf: where to store the bits (little-endian)
 * @len: 4 or 8 bytes, naturally aligned
 *
 * Context: any; reads the pending bits without locks.
 * Return: 0 or -EINVAL for a bad size, alignment or offset.
 */
int vic_msix_pba_read(struct vic_ctx *ctx, unsigned int off, void *buf,
		      size_t len)
{
	unsigned int i;
	u64 bits = 0;

	if ((len != 4 && len != 8) || off % len ||
	    off >= vic_msix_pba_size(ctx))
		return -EINVAL;

	for (i = 0; i < len * 8; i++) {
		unsigned int v = off * 8 + i;

		if (v < ctx->nvec &&
		    atomic_read(&ctx->vecs[v].state) & VIC_VEC_PENDING)
			bits |= BIT_ULL(i);
	}
	vic_put_le32(lower_32_bits(bits), buf);
	if (len == 8)
		vic_put_le32(upper_32_bits(bits), buf + 4);
	return 0;
}
EXPORT_SYMBOL_GPL(vic_msix_pba_read);

/**
 * vic_msix_table_size() - size in bytes of the MSI-X table of a device
 * @ctx: the device context
 *
 * Return: nvec entries of VIC_MSIX_ENTRY_SIZE bytes.
 */
size_t vic_msix_table_size(const struct vic_ctx *ctx)
{
	return (size_t)ctx->nvec * VIC_MSIX_ENTRY_SIZE;
}
EXPORT_SYMBOL_GPL(vic_msix_table_size);

/**
 * vic_msix_pba_size() - size in bytes of the MSI-X PBA of a device
 * @ctx: the device context
 *
 * Return: one bit per vector, rounded up to whole QWORDs as PCI requires.
 */
size_t vic_msix_pba_size(const struct vic_ctx *ctx)
{
	return DIV_ROUND_UP(ctx->nvec, 64) * 8;
}
EXPORT_SYMBOL_GPL(vic_msix_pba_size);
