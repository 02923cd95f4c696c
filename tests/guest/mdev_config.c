// SPDX-License-Identifier: GPL-2.0-only
/*
 * vic_mdev: the PCI header as vfio-pci virtualizes it. COMMAND Memory
 * Space, Bus Master and INTx Disable read back, the rest of COMMAND stays
 * 0; BAR0 sizing; Interrupt Line; no ERR IRQ; BAR0 accesses fail with
 * -EIO while memory decoding is off; no MSI-X message while bus mastering
 * is off (counted as dropped); VFIO_DEVICE_RESET keeps the header, as
 * vfio-pci's does; opening gives the power-on header.
 */
#include <linux/pci_regs.h>
#include <linux/vfio.h>
#include <sys/ioctl.h>

#include "mdev_common.h"

#define NVEC 4
#define NR_EMULATED 1
#define CMD_RW \
	(PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER | PCI_COMMAND_INTX_DISABLE)

static uint16_t command(struct vicdev *d)
{
	uint16_t v = 0xdead;

	if (vicdev_get_command(d, &v))
		mt_bail("reading COMMAND");
	return v;
}

static void test_header(struct vicdev *d)
{
	struct vfio_irq_info ii;
	uint32_t v32;
	uint8_t b;

	tap_is(command(d), PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER,
	       "COMMAND after open and enable: Memory | Bus Master");
	vicdev_set_command(d, 0xffff);
	tap_is(command(d), CMD_RW,
	       "COMMAND all ones: Memory, Bus Master, INTx Disable only");
	vicdev_set_command(d, 0);
	tap_is(command(d), 0, "COMMAND 0 reads 0");
	b = PCI_COMMAND_MEMORY;
	vicdev_cfg_write(d, PCI_COMMAND, &b, 1);
	tap_is(command(d), PCI_COMMAND_MEMORY, "1-byte COMMAND write");

	vicdev_cfg_read32(d, PCI_BASE_ADDRESS_0, &v32);
	tap_is(v32, 0, "BAR0 after open: 32-bit memory BAR at 0");
	v32 = 0xffffffff;
	vicdev_cfg_write(d, PCI_BASE_ADDRESS_0, &v32, 4);
	vicdev_cfg_read32(d, PCI_BASE_ADDRESS_0, &v32);
	tap_is(v32, 0xffff0000, "BAR0 sizing: 64 KiB mask, memory, 32-bit");
	v32 = 0xfebc1234;
	vicdev_cfg_write(d, PCI_BASE_ADDRESS_0, &v32, 4);
	vicdev_cfg_read32(d, PCI_BASE_ADDRESS_0, &v32);
	tap_is(v32, 0xfebc0000, "BAR0 keeps the address, low bits forced");
	v32 = 0xffffffff;
	vicdev_cfg_write(d, PCI_BASE_ADDRESS_1, &v32, 4);
	vicdev_cfg_read32(d, PCI_BASE_ADDRESS_1, &v32);
	tap_is(v32, 0, "BAR1 is not implemented");

	b = 11;
	vicdev_cfg_write(d, PCI_INTERRUPT_LINE, &b, 1);
	b = 0;
	vicdev_cfg_read(d, PCI_INTERRUPT_LINE, &b, 1);
	tap_is(b, 11, "Interrupt Line is writable");
	b = 1;
	vicdev_cfg_write(d, PCI_INTERRUPT_PIN, &b, 1);
	vicdev_cfg_read(d, PCI_INTERRUPT_PIN, &b, 1);
	tap_is(b, 0, "Interrupt Pin is read-only 0");
	b = 0xff;
	vicdev_cfg_write(d, PCI_STATUS, &b, 1);
	vicdev_cfg_read(d, PCI_STATUS, &b, 1);
	tap_is(b, PCI_STATUS_CAP_LIST, "Status: Capabilities List, read-only");
	b = 0x10;
	vicdev_cfg_write(d, PCI_CACHE_LINE_SIZE, &b, 1);
	vicdev_cfg_read(d, PCI_CACHE_LINE_SIZE, &b, 1);
	tap_is(b, 0, "Cache Line Size is read-only");

	tap_errno(vicdev_irq_info(d, VFIO_PCI_ERR_IRQ_INDEX, &ii), EINVAL,
		  "IRQ_INFO ERR: EINVAL (conventional PCI function)");
}

static void test_memory(struct vicdev *d)
{
	uint32_t v32 = 0;

	vicdev_set_command(d, PCI_COMMAND_MASTER);
	tap_errno(vicdev_read32(d, VIC_MDEV_REG_ID, &v32), EIO,
		  "Memory off: BAR0 register read: EIO");
	tap_errno(vicdev_write32(d, VIC_MDEV_REG_DOORBELL, 0), EIO,
		  "Memory off: BAR0 register write: EIO");
	tap_errno(vicdev_read32(d, VIC_MDEV_MSIX_TABLE_OFFSET, &v32), EIO,
		  "Memory off: MSI-X table read: EIO");
	tap_errno(vicdev_read32(d, VIC_MDEV_MSIX_PBA_OFFSET, &v32), EIO,
		  "Memory off: PBA read: EIO");
	vicdev_set_command(d, PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
	tap_is(vicdev_read32(d, VIC_MDEV_REG_ID, &v32), 0,
	       "Memory on: BAR0 read works again");
	tap_is(v32, VIC_MDEV_ID_VALUE, "... and reads the ID");
}

/* Vector @v: a doorbell with Bus Master off is dropped, on delivers. */
static void test_master(struct vicdev *d, int dbg, unsigned int v,
			const char *what)
{
	struct vic_dbg_vec a, b;
	int32_t fd = vicdev_eventfd();

	if (fd < 0 || vicdev_msix_set(d, v, 1, &fd))
		mt_bail("setting a trigger");
	vicdev_set_command(d, PCI_COMMAND_MEMORY);
	a = mt_dbg_vec(dbg, v);
	tap_is(vicdev_doorbell(d, v), 0, "%s: doorbell with Bus Master off",
	       what);
	usleep(20000);
	tap_is(mt_take(fd), 0, "%s: ... nothing signalled", what);
	b = mt_dbg_vec(dbg, v);
	tap_is(b.raised - a.raised, 1, "%s: ... raised once", what);
	tap_is(b.dropped - a.dropped, 1, "%s: ... counted as dropped", what);
	tap_is(b.pending, 0, "%s: ... no pending bit", what);
	tap_ok(mt_counts_balanced(&b), "%s: ... counters balance", what);

	vicdev_set_command(d, PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
	vicdev_doorbell(d, v);
	usleep(20000);
	tap_is(mt_take(fd), 1, "%s: Bus Master on: delivered", what);
	a = mt_dbg_vec(dbg, v);
	tap_is(a.delivered - b.delivered, 1, "%s: ... counted delivered", what);
	vicdev_msix_unset(d, v, 1);
	close(fd);
}

static void test_reset(struct vicdev *d)
{
	uint32_t v32 = 0xfebc0000;
	uint8_t b;

	vicdev_set_command(d, CMD_RW);
	vicdev_cfg_write(d, PCI_BASE_ADDRESS_0, &v32, 4);
	tap_is(vicdev_reset(d), 0, "VFIO_DEVICE_RESET");
	tap_is(command(d), CMD_RW, "reset keeps COMMAND, as vfio-pci");
	tap_is(vicdev_read32(d, VIC_MDEV_REG_ID, &v32), 0,
	       "after reset: BAR0 still decodes");
	tap_is(v32, 0x56494331, "... and reads the ID");
	vicdev_cfg_read32(d, PCI_BASE_ADDRESS_0, &v32);
	tap_is(v32, 0xfebc0000, "reset keeps the BAR0 address");
	vicdev_cfg_read(d, PCI_INTERRUPT_LINE, &b, 1);
	tap_is(b, 11, "reset keeps Interrupt Line");

	/* a raw open: vicdev_open_device() would enable the device */
	vicdev_close_device(d);
	d->fd = ioctl(d->group, VFIO_GROUP_GET_DEVICE_FD, d->uuid);
	if (d->fd < 0)
		mt_bail("reopening");
	tap_is(command(d), 0, "reopen: COMMAND 0, as at power-on");
	tap_errno(vicdev_read32(d, VIC_MDEV_REG_ID, &v32), EIO,
		  "reopen: BAR0 read: EIO until Memory Space is set");
	vicdev_cfg_read32(d, PCI_BASE_ADDRESS_0, &v32);
	tap_is(v32, 0, "reopen: BAR0 address back to 0");
	tap_is(vicdev_enable(d), 0, "reopen: enable");
}

int main(void)
{
	char uuid[VICDEV_UUID_LEN];
	struct vicdev d;
	int dbg;

	mt_load("nvec=4 nr_emulated=1");
	mt_create_open(&d, uuid);
	dbg = mt_dbg_id(uuid);
	test_header(&d);
	test_memory(&d);
	test_master(&d, dbg, 0, "emulated vector 0");
	test_master(&d, dbg, NVEC - 1, "IMS vector 3");
	test_reset(&d);
	mt_close_remove(&d);
	mt_unload();
	return tap_done();
}
