// SPDX-License-Identifier: GPL-2.0-only
/*
 * vic_mdev: PCI config space and BAR0 registers.
 *
 * The MSI-X capability, table and PBA are the core's emulation. The raise
 * paths (DOORBELL, CMD) take no lock, and sleep only on PREEMPT_RT, to wait
 * for the deliveries it defers; everything else is serialized by the
 * instance mutex.
 */
#include <linux/kernel.h>
#include <linux/pci_regs.h>
#include <linux/string.h>
#include <linux/uaccess.h>

#include "vic_mdev.h"

#define VIC_MDEV_MSIX_CAP_END	(VIC_MDEV_MSIX_CAP_OFFSET + VIC_MSIX_CAP_SIZE)

/* Little-endian values of 2, 4 or 8 bytes in a byte buffer. */
static u16 vic_mdev_get_le16(const u8 *buf)
{
	__le16 v16;

	memcpy(&v16, buf, sizeof(v16));
	return le16_to_cpu(v16);
}

static void vic_mdev_put_le(u8 *buf, unsigned int len, u64 val)
{
	__le16 v16;
	__le32 v32;
	__le64 v64;

	switch (len) {
	case 2:
		v16 = cpu_to_le16(val);
		memcpy(buf, &v16, sizeof(v16));
		break;
	case 4:
		v32 = cpu_to_le32(val);
		memcpy(buf, &v32, sizeof(v32));
		break;
	default:
		v64 = cpu_to_le64(val);
		memcpy(buf, &v64, sizeof(v64));
		break;
	}
}

static u64 vic_mdev_get_le(const u8 *buf, unsigned int len)
{
	__le32 v32;
	__le64 v64;

	if (len == 8) {
		memcpy(&v64, buf, sizeof(v64));
		return le64_to_cpu(v64);
	}
	memcpy(&v32, buf, sizeof(v32));
	return le32_to_cpu(v32);
}

void vic_mdev_regs_init(struct vic_mdev *vm)
{
	u8 *cfg = vm->config;

	memset(cfg, 0, sizeof(vm->config));
	vic_mdev_put_le(cfg + PCI_VENDOR_ID, 2, VIC_MDEV_VENDOR_ID);
	vic_mdev_put_le(cfg + PCI_DEVICE_ID, 2, VIC_MDEV_DEVICE_ID);
	vic_mdev_put_le(cfg + PCI_STATUS, 2, PCI_STATUS_CAP_LIST);
	/* class code, subclass and prog-if: 0xff0000 from PCI_CLASS_PROG */
	cfg[PCI_CLASS_PROG] = VIC_MDEV_CLASS & 0xff;
	cfg[PCI_CLASS_DEVICE] = (VIC_MDEV_CLASS >> 8) & 0xff;
	cfg[PCI_CLASS_DEVICE + 1] = (VIC_MDEV_CLASS >> 16) & 0xff;
	cfg[PCI_HEADER_TYPE] = PCI_HEADER_TYPE_NORMAL;
	/* BAR0: 32-bit non-prefetchable memory, unassigned */
	vic_mdev_put_le(cfg + PCI_BASE_ADDRESS_0, 4,
			PCI_BASE_ADDRESS_SPACE_MEMORY | PCI_BASE_ADDRESS_MEM_TYPE_32);
	vic_mdev_put_le(cfg + PCI_SUBSYSTEM_VENDOR_ID, 2, VIC_MDEV_VENDOR_ID);
	vic_mdev_put_le(cfg + PCI_SUBSYSTEM_ID, 2, VIC_MDEV_DEVICE_ID);
	cfg[PCI_CAPABILITY_LIST] = VIC_MDEV_MSIX_CAP_OFFSET;
	/* the MSI-X capability itself is vic_msix_cap_rw()'s */
}

/*
 * The header of a function just opened: as at power-on, COMMAND 0 (no
 * memory decoding, no bus mastering), BAR0 unassigned, Interrupt Line 0.
 * Called with vm->lock held.
 */
void vic_mdev_regs_power_on(struct vic_mdev *vm)
{
	vic_mdev_regs_init(vm);
	WRITE_ONCE(vm->mem_enabled, false);
	vic_set_bus_master(vm->ctx, false);
}

/* Called with vm->lock held and the generator stopped. */
void vic_mdev_regs_reset(struct vic_mdev *vm)
{
	struct vic_mdev_gen *gen = &vm->gen;

	/*
	 * The PCI header (COMMAND, BAR0, Interrupt Line) is kept, as
	 * vfio-pci keeps it: its VFIO_DEVICE_RESET saves and restores the
	 * function's config space around the reset, and its virtual config
	 * space is not touched by it.
	 */
	vm->cookie_sel = 0;
	atomic_set(&vm->last_error, 0);
	gen->first = 0;
	gen->count = 0;
	gen->period_ns = 0;
	gen->total = 0;
	WRITE_ONCE(gen->done, 0);
	WRITE_ONCE(gen->elapsed_ns, 0);
}

/*
 * Writable bits of the header, per byte: COMMAND Memory Space, Bus Master
 * and INTx Disable, the address bits of BAR0 (a 64 KiB BAR: bits 31..16;
 * its flag bits are read-only) and Interrupt Line. The rest is read-only.
 */
static u8 vic_mdev_cfg_wmask(unsigned int pos)
{
	switch (pos) {
	case PCI_COMMAND:
		return PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER;
	case PCI_COMMAND + 1:
		return PCI_COMMAND_INTX_DISABLE >> 8;
	case PCI_BASE_ADDRESS_0 + 2:
		return (u8)(~(VIC_MDEV_BAR0_SIZE - 1) >> 16);
	case PCI_BASE_ADDRESS_0 + 3:
		return (u8)(~(VIC_MDEV_BAR0_SIZE - 1) >> 24);
	case PCI_INTERRUPT_LINE:
		return 0xff;
	default:
		return 0;
	}
}

/* A header write of @len bytes at @off; vm->lock held. */
static void vic_mdev_cfg_write(struct vic_mdev *vm, unsigned int off,
			       const u8 *val, unsigned int len)
{
	bool master_was, master;
	unsigned int i;
	u16 cmd;

	lockdep_assert_held(&vm->lock);
	cmd = vic_mdev_get_le16(vm->config + PCI_COMMAND);
	master_was = cmd & PCI_COMMAND_MASTER;
	for (i = 0; i < len; i++) {
		u8 wmask = vic_mdev_cfg_wmask(off + i);

		vm->config[off + i] = (vm->config[off + i] & ~wmask) |
				      (val[i] & wmask);
	}
	cmd = vic_mdev_get_le16(vm->config + PCI_COMMAND);
	WRITE_ONCE(vm->mem_enabled, cmd & PCI_COMMAND_MEMORY);
	master = cmd & PCI_COMMAND_MASTER;
	if (master != master_was)
		vic_set_bus_master(vm->ctx, master);
}

static unsigned int vic_mdev_cfg_chunk(loff_t off, size_t rem)
{
	if (!(off & 3) && rem >= 4)
		return 4;
	if (!(off & 1) && rem >= 2)
		return 2;
	return 1;
}

/* Any size and alignment, split in naturally aligned pieces as vfio-pci. */
ssize_t vic_mdev_config_rw(struct vic_mdev *vm, char __user *ubuf,
			   size_t count, loff_t off, bool write)
{
	size_t done = 0;
	u8 val[4];
	int ret;

	if (off < 0 || off >= PCI_CFG_SPACE_SIZE ||
	    count > PCI_CFG_SPACE_SIZE - off)
		return -EINVAL;

	while (done < count) {
		unsigned int len = vic_mdev_cfg_chunk(off, count - done);
		bool cap = off >= VIC_MDEV_MSIX_CAP_OFFSET &&
			   off < VIC_MDEV_MSIX_CAP_END;

		if (write) {
			if (copy_from_user(val, ubuf + done, len))
				return -EFAULT;
			if (cap) {
				/* Enable and Function Mask are the only RW bits */
				ret = vic_msix_cap_rw(vm->ctx,
						      off - VIC_MDEV_MSIX_CAP_OFFSET,
						      val, len, true, 0);
				if (ret < 0)
					return ret;
			} else {
				mutex_lock(&vm->lock);
				vic_mdev_cfg_write(vm, off, val, len);
				mutex_unlock(&vm->lock);
			}
		} else {
			if (cap) {
				ret = vic_msix_cap_rw(vm->ctx,
						      off - VIC_MDEV_MSIX_CAP_OFFSET,
						      val, len, false, 0);
				if (ret < 0)
					return ret;
			} else {
				mutex_lock(&vm->lock);
				memcpy(val, vm->config + off, len);
				mutex_unlock(&vm->lock);
			}
			if (copy_to_user(ubuf + done, val, len))
				return -EFAULT;
		}
		off += len;
		done += len;
	}
	return count;
}

/* Size of the register at @off, 0 if @off is not a register. */
static unsigned int vic_mdev_reg_size(unsigned int off)
{
	switch (off) {
	case VIC_MDEV_REG_ID:
	case VIC_MDEV_REG_NVEC:
	case VIC_MDEV_REG_NR_EMULATED:
	case VIC_MDEV_REG_DOORBELL:
	case VIC_MDEV_REG_CMD:
	case VIC_MDEV_REG_COOKIE_SEL:
	case VIC_MDEV_REG_GEN_FIRST:
	case VIC_MDEV_REG_GEN_COUNT:
	case VIC_MDEV_REG_GEN_PERIOD_NS:
	case VIC_MDEV_REG_GEN_CTRL:
	case VIC_MDEV_REG_LAST_ERROR:
		return 4;
	case VIC_MDEV_REG_COOKIE:
	case VIC_MDEV_REG_GEN_TOTAL:
	case VIC_MDEV_REG_GEN_DONE:
	case VIC_MDEV_REG_GEN_ELAPSED_NS:
		return 8;
	default:
		return 0;
	}
}

/*
 * An access to the register block must cover exactly one register, or
 * only reserved space (reads 0, writes ignored).
 */
static int vic_mdev_reg_check(unsigned int off, unsigned int len)
{
	unsigned int size = vic_mdev_reg_size(off);

	if (size)
		return size == len ? 1 : -EINVAL;
	if (off >= 4 && vic_mdev_reg_size(off - 4) == 8)
		return -EINVAL;		/* high half of a 64-bit register */
	if (len == 8 && vic_mdev_reg_size(off + 4))
		return -EINVAL;
	return 0;			/* reserved */
}

static void vic_mdev_set_error(struct vic_mdev *vm, int err)
{
	atomic_set(&vm->last_error, err);
}

static u64 vic_mdev_reg_read(struct vic_mdev *vm, unsigned int off)
{
	struct vic_mdev_gen *gen = &vm->gen;
	u64 cookie;
	int ret;

	lockdep_assert_held(&vm->lock);

	switch (off) {
	case VIC_MDEV_REG_ID:
		return VIC_MDEV_ID_VALUE;
	case VIC_MDEV_REG_NVEC:
		return vm->nvec;
	case VIC_MDEV_REG_NR_EMULATED:
		return vm->nr_emulated;
	case VIC_MDEV_REG_COOKIE_SEL:
		return vm->cookie_sel;
	case VIC_MDEV_REG_COOKIE:
		ret = vic_get_cookie(vm->ctx, vm->cookie_sel, &cookie);
		if (ret) {
			vic_mdev_set_error(vm, ret);
			return 0;
		}
		return cookie;
	case VIC_MDEV_REG_GEN_FIRST:
		return gen->first;
	case VIC_MDEV_REG_GEN_COUNT:
		return gen->count;
	case VIC_MDEV_REG_GEN_PERIOD_NS:
		return gen->period_ns;
	case VIC_MDEV_REG_GEN_TOTAL:
		return gen->total;
	case VIC_MDEV_REG_GEN_CTRL:
		if (vic_mdev_gen_running(gen))
			return 1;
		/* Stopped: its raises are delivered once this reads 0 (RT). */
		vic_flush(vm->ctx);
		return 0;
	case VIC_MDEV_REG_GEN_DONE:
		return READ_ONCE(gen->done);
	case VIC_MDEV_REG_GEN_ELAPSED_NS:
		return READ_ONCE(gen->elapsed_ns);
	case VIC_MDEV_REG_LAST_ERROR:
		return (u32)atomic_xchg(&vm->last_error, 0);
	default:
		return 0;	/* write-only registers */
	}
}

static void vic_mdev_reg_write(struct vic_mdev *vm, unsigned int off, u64 val)
{
	struct vic_mdev_gen *gen = &vm->gen;
	int ret = 0;

	lockdep_assert_held(&vm->lock);

	switch (off) {
	case VIC_MDEV_REG_COOKIE_SEL:
		if (val >= vm->nvec)
			ret = -EINVAL;
		else
			vm->cookie_sel = val;
		break;
	case VIC_MDEV_REG_COOKIE:
		ret = vic_set_cookie(vm->ctx, vm->cookie_sel, val);
		break;
	case VIC_MDEV_REG_GEN_FIRST:
		if (vic_mdev_gen_running(gen))
			ret = -EBUSY;
		else if (val >= vm->nvec)
			ret = -EINVAL;
		else
			gen->first = val;
		break;
	case VIC_MDEV_REG_GEN_COUNT:
		if (vic_mdev_gen_running(gen))
			ret = -EBUSY;
		else if (val > vm->nvec)
			ret = -EINVAL;
		else
			gen->count = val;
		break;
	case VIC_MDEV_REG_GEN_PERIOD_NS:
		if (vic_mdev_gen_running(gen))
			ret = -EBUSY;
		else
			gen->period_ns = val;
		break;
	case VIC_MDEV_REG_GEN_TOTAL:
		if (vic_mdev_gen_running(gen))
			ret = -EBUSY;
		else
			gen->total = val;
		break;
	case VIC_MDEV_REG_GEN_CTRL:
		if (val == 1)
			ret = vic_mdev_gen_start(gen, vm->nvec);
		else if (val == 0)
			vic_mdev_gen_stop(gen);
		else
			ret = -EINVAL;
		break;
	default:
		break;		/* read-only registers: writes are ignored */
	}
	if (ret)
		vic_mdev_set_error(vm, ret);
}

/* The raise paths: no lock; sleep only on RT, for vic_flush(). */
static bool vic_mdev_reg_raise(struct vic_mdev *vm, unsigned int off, u32 val)
{
	int ret;

	switch (off) {
	case VIC_MDEV_REG_DOORBELL:
		ret = vic_raise(vm->ctx, val);
		break;
	case VIC_MDEV_REG_CMD:
		/* the "intercepted path": completes here, on vector 0 */
		ret = vic_send_signal(vm->ctx, 0);
		break;
	default:
		return false;
	}
	if (ret)
		vic_mdev_set_error(vm, ret);
	/*
	 * Delivered when the write returns, on every kernel: on RT an IMS
	 * vector's handler, which runs with interrupts off, defers it.
	 */
	vic_flush(vm->ctx);
	return true;
}

static int vic_mdev_regs_rw(struct vic_mdev *vm, unsigned int off, u8 *buf,
			    unsigned int len, bool write)
{
	u64 val;
	int ret;

	ret = vic_mdev_reg_check(off, len);
	if (ret <= 0) {
		if (!ret && !write)
			memset(buf, 0, len);
		return ret;
	}

	if (write) {
		val = vic_mdev_get_le(buf, len);
		if (vic_mdev_reg_raise(vm, off, val))
			return 0;
		mutex_lock(&vm->lock);
		vic_mdev_reg_write(vm, off, val);
		mutex_unlock(&vm->lock);
	} else {
		mutex_lock(&vm->lock);
		val = vic_mdev_reg_read(vm, off);
		mutex_unlock(&vm->lock);
		vic_mdev_put_le(buf, len, val);
	}
	return 0;
}

/*
 * BAR0: every access is 4 or 8 bytes, naturally aligned, inside one of
 * the register block, the MSI-X table, the PBA or reserved space.
 */
ssize_t vic_mdev_bar0_rw(struct vic_mdev *vm, char __user *ubuf,
			 size_t count, loff_t off, bool write)
{
	size_t table_end = VIC_MDEV_MSIX_TABLE_OFFSET +
			   vic_msix_table_size(vm->ctx);
	size_t pba_end = VIC_MDEV_MSIX_PBA_OFFSET + vic_msix_pba_size(vm->ctx);
	unsigned int o = off;
	u8 buf[8];
	int ret;

	if (off < 0 || off >= VIC_MDEV_BAR0_SIZE ||
	    count > VIC_MDEV_BAR0_SIZE - off)
		return -EINVAL;
	if ((count != 4 && count != 8) || (o & (count - 1)))
		return -EINVAL;
	/* as vfio-pci: no access to the BAR while memory decoding is off */
	if (!READ_ONCE(vm->mem_enabled))
		return -EIO;

	if (write && copy_from_user(buf, ubuf, count))
		return -EFAULT;

	if (o < VIC_MDEV_MSIX_TABLE_OFFSET) {
		ret = vic_mdev_regs_rw(vm, o, buf, count, write);
	} else if (o < table_end) {
		ret = vic_msix_table_rw(vm->ctx, o - VIC_MDEV_MSIX_TABLE_OFFSET,
					buf, count, write);
	} else if (o >= VIC_MDEV_MSIX_PBA_OFFSET && o < pba_end) {
		/* the PBA is read-only: writes are ignored */
		ret = write ? 0 :
			vic_msix_pba_read(vm->ctx,
					  o - VIC_MDEV_MSIX_PBA_OFFSET,
					  buf, count);
	} else {
		/* reserved: reads 0, writes ignored */
		memset(buf, 0, count);
		ret = 0;
	}
	if (ret < 0)
		return ret;

	if (!write && copy_to_user(ubuf, buf, count))
		return -EFAULT;
	return count;
}
