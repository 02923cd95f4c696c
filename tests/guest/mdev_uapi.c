// SPDX-License-Identifier: GPL-2.0-only
/*
 * vic_mdev: the VFIO uAPI and the registers, row by row of the contract
 * (docs/vic_mdev.md), with the errnos of bad input.
 */
#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/mman.h>

#include "mdev_common.h"

#define NVEC 32
#define NR_EMULATED 4

static void test_sysfs(void)
{
	char buf[64];
	FILE *f;

	f = fopen(VICDEV_TYPE_DIR "/device_api", "r");
	tap_ok(f && fgets(buf, sizeof(buf), f) && !strcmp(buf, "vfio-pci\n"),
	       "type vic_mdev-default: device_api is vfio-pci");
	if (f)
		fclose(f);
	f = fopen(VICDEV_TYPE_DIR "/name", "r");
	tap_ok(f && fgets(buf, sizeof(buf), f) && strlen(buf) > 1,
	       "type vic_mdev-default: has a name");
	if (f)
		fclose(f);
	tap_ok(vicdev_available() > 0,
	       "type vic_mdev-default: instances available");
	tap_ok(!access(VICDEV_TYPE_DIR "/create", W_OK),
	       "type vic_mdev-default: create is writable");
}

static void test_info(struct vicdev *d)
{
	struct vfio_device_info di;
	struct vfio_region_info ri;
	struct vfio_irq_info ii;
	uint32_t i;

	tap_is(vicdev_device_info(d, &di), 0, "GET_INFO");
	tap_is(di.flags, VFIO_DEVICE_FLAGS_PCI | VFIO_DEVICE_FLAGS_RESET,
	       "GET_INFO: flags PCI | RESET");
	tap_is(di.num_regions, VFIO_PCI_NUM_REGIONS, "GET_INFO: num_regions");
	tap_is(di.num_irqs, VFIO_PCI_NUM_IRQS, "GET_INFO: num_irqs");
	di.argsz = 4;
	tap_errno(ioctl(d->fd, VFIO_DEVICE_GET_INFO, &di), EINVAL,
		  "GET_INFO: argsz too small: EINVAL");

	tap_is(vicdev_region_info(d, VFIO_PCI_BAR0_REGION_INDEX, &ri), 0,
	       "REGION_INFO BAR0");
	tap_is(ri.size, 0x10000, "BAR0: 64 KiB");
	tap_is(ri.flags,
	       VFIO_REGION_INFO_FLAG_READ | VFIO_REGION_INFO_FLAG_WRITE,
	       "BAR0: read/write, no mmap");
	tap_is(vicdev_region_info(d, VFIO_PCI_CONFIG_REGION_INDEX, &ri), 0,
	       "REGION_INFO config");
	tap_is(ri.size, 256, "config: 256 bytes");
	tap_is(ri.flags,
	       VFIO_REGION_INFO_FLAG_READ | VFIO_REGION_INFO_FLAG_WRITE,
	       "config: read/write");
	for (i = VFIO_PCI_BAR1_REGION_INDEX; i < VFIO_PCI_NUM_REGIONS; i++) {
		if (i == VFIO_PCI_CONFIG_REGION_INDEX)
			continue;
		vicdev_region_info(d, i, &ri);
		tap_is(ri.size, 0, "region %u: size 0", i);
	}
	tap_errno(vicdev_region_info(d, VFIO_PCI_NUM_REGIONS, &ri), EINVAL,
		  "REGION_INFO: index beyond the regions: EINVAL");

	tap_is(vicdev_irq_info(d, VFIO_PCI_MSIX_IRQ_INDEX, &ii), 0,
	       "IRQ_INFO MSI-X");
	tap_is(ii.count, NVEC, "MSI-X: count = nvec");
	tap_is(ii.flags, VFIO_IRQ_INFO_EVENTFD | VFIO_IRQ_INFO_NORESIZE,
	       "MSI-X: flags EVENTFD | NORESIZE");
	tap_is(vicdev_irq_info(d, VFIO_PCI_REQ_IRQ_INDEX, &ii), 0,
	       "IRQ_INFO REQ");
	tap_is(ii.count, 1, "REQ: count 1");
	tap_ok(ii.flags & VFIO_IRQ_INFO_EVENTFD, "REQ: eventfd");
	vicdev_irq_info(d, VFIO_PCI_INTX_IRQ_INDEX, &ii);
	tap_is(ii.count, 0, "INTx: count 0");
	vicdev_irq_info(d, VFIO_PCI_MSI_IRQ_INDEX, &ii);
	tap_is(ii.count, 0, "MSI: count 0");
	tap_errno(vicdev_irq_info(d, VFIO_PCI_ERR_IRQ_INDEX, &ii), EINVAL,
		  "IRQ_INFO ERR: EINVAL, as vfio-pci for conventional PCI");
	tap_errno(vicdev_irq_info(d, VFIO_PCI_NUM_IRQS, &ii), EINVAL,
		  "IRQ_INFO: index beyond the IRQs: EINVAL");

	tap_errno(ioctl(d->fd, _IO(VFIO_TYPE, VFIO_BASE + 60)), ENOTTY,
		  "unknown ioctl: ENOTTY");
	tap_ok(mmap(NULL, 4096, PROT_READ, MAP_SHARED, d->fd, d->bar0_off) ==
		       MAP_FAILED,
	       "BAR0 cannot be mmapped");
}

static void test_config(struct vicdev *d)
{
	uint8_t cfg[256];
	uint16_t v16;
	uint32_t v32;

	tap_is(vicdev_cfg_read(d, 0, cfg, sizeof(cfg)), 0,
	       "config: read all 256 bytes at once");
	tap_is(cfg[0] | cfg[1] << 8, 0x1234, "config: vendor 0x1234");
	tap_is(cfg[2] | cfg[3] << 8, 0x7663, "config: device 0x7663");
	tap_is(cfg[9] | cfg[10] << 8 | cfg[11] << 16, 0xff0000,
	       "config: class 0xff0000");
	tap_ok(cfg[6] & 0x10, "config: status has a capability list");
	tap_is(cfg[0x34], 0x40, "config: capability pointer 0x40");
	tap_is(cfg[0x40], 0x11, "config: MSI-X capability id");
	tap_is(cfg[0x41], 0, "config: last capability");
	tap_is(cfg[0x42] | cfg[0x43] << 8, NVEC - 1,
	       "config: Message Control: table size nvec, disabled, unmasked");
	vicdev_cfg_read32(d, 0x44, &v32);
	tap_is(v32, 0x4000, "config: table at BAR0 0x4000");
	vicdev_cfg_read32(d, 0x48, &v32);
	tap_is(v32, 0xc000, "config: PBA at BAR0 0xc000");
	vicdev_cfg_read16(d, 0, &v16);
	tap_is(v16, 0x1234, "config: 16-bit read of the vendor id");
	tap_is(vicdev_cfg_read(d, 0x43, &cfg[0], 1), 0,
	       "config: 1-byte read inside the capability");
	tap_is(vicdev_cfg_read(d, 0x3f, cfg, 6), 0,
	       "config: unaligned read across the capability");
	tap_is(cfg[1], 0x11, "config: ... gives the capability id");

	/* Message Control: only Enable and Function Mask are writable */
	tap_is(vicdev_cfg_write16(d, VICDEV_MSIX_FLAGS, 0xffff), 0,
	       "config: write all ones to Message Control");
	vicdev_cfg_read16(d, VICDEV_MSIX_FLAGS, &v16);
	tap_is(v16, 0xc000 | (NVEC - 1),
	       "Message Control: Enable and Function Mask set, size unchanged");
	vicdev_cfg_write16(d, VICDEV_MSIX_FLAGS, 0);
	vicdev_cfg_read16(d, VICDEV_MSIX_FLAGS, &v16);
	tap_is(v16, NVEC - 1, "Message Control: both cleared again");
	v32 = 0xffffffff;
	vicdev_cfg_write(d, 0x44, &v32, 4);
	vicdev_cfg_read32(d, 0x44, &v32);
	tap_is(v32, 0x4000, "config: table offset is read-only");
	vicdev_cfg_write16(d, 0, 0xabcd);
	vicdev_cfg_read16(d, 0, &v16);
	tap_is(v16, 0x1234, "config: vendor id is read-only");
	v32 = 0xffffffff;
	vicdev_cfg_write(d, 0x40, &v32, 4);
	vicdev_cfg_read32(d, 0x40, &v32);
	tap_is(v32, 0xc000u << 16 | (NVEC - 1) << 16 | 0x11,
	       "config: dword write at the capability: only Message Control bits");
	vicdev_cfg_write16(d, VICDEV_MSIX_FLAGS, 0);

	tap_errno(vicdev_cfg_read(d, 0xfe, cfg, 4), EINVAL,
		  "config: read past 256 bytes: EINVAL");
}

static void test_registers(struct vicdev *d)
{
	uint8_t b[8];

	tap_is(mt_read32(d, VIC_MDEV_REG_ID), 0x56494331, "ID reads VIC1");
	tap_is(mt_read32(d, VIC_MDEV_REG_NVEC), NVEC, "NVEC");
	tap_is(mt_read32(d, VIC_MDEV_REG_NR_EMULATED), NR_EMULATED,
	       "NR_EMULATED");
	tap_is(mt_last_error(d), 0, "LAST_ERROR starts at 0");
	vicdev_write32(d, VIC_MDEV_REG_ID, 0);
	tap_is(mt_read32(d, VIC_MDEV_REG_ID), 0x56494331, "ID ignores writes");
	tap_is(mt_read32(d, 0x100), 0, "reserved register space reads 0");

	tap_errno(vicdev_region_read(d, VFIO_PCI_BAR0_REGION_INDEX, 0, b, 2),
		  EINVAL, "BAR0: 2-byte register read: EINVAL");
	tap_errno(vicdev_region_read(d, VFIO_PCI_BAR0_REGION_INDEX, 0, b, 1),
		  EINVAL, "BAR0: 1-byte register read: EINVAL");
	tap_errno(vicdev_region_read(d, VFIO_PCI_BAR0_REGION_INDEX, 2, b, 4),
		  EINVAL, "BAR0: unaligned register read: EINVAL");
	tap_errno(vicdev_region_write(d, VFIO_PCI_BAR0_REGION_INDEX,
				      VIC_MDEV_REG_DOORBELL + 1, b, 4),
		  EINVAL, "BAR0: unaligned DOORBELL write: EINVAL");
	tap_errno(vicdev_region_read(d, VFIO_PCI_BAR0_REGION_INDEX, 0, b, 8),
		  EINVAL, "BAR0: 8-byte read of 32-bit registers: EINVAL");
	tap_errno(vicdev_region_read(d, VFIO_PCI_BAR0_REGION_INDEX,
				     VIC_MDEV_REG_COOKIE, b, 4),
		  EINVAL, "BAR0: 4-byte read of a 64-bit register: EINVAL");
	tap_errno(vicdev_region_read(d, VFIO_PCI_BAR0_REGION_INDEX,
				     VIC_MDEV_REG_COOKIE + 4, b, 4),
		  EINVAL,
		  "BAR0: read of a 64-bit register's high half: EINVAL");
	tap_errno(vicdev_region_write(d, VFIO_PCI_BAR0_REGION_INDEX,
				      VIC_MDEV_REG_GEN_TOTAL, b, 4),
		  EINVAL, "BAR0: 4-byte write of GEN_TOTAL: EINVAL");
	tap_errno(vicdev_region_read(d, VFIO_PCI_BAR0_REGION_INDEX, 0xfffc, b,
				     8),
		  EINVAL, "BAR0: read past the end: EINVAL");
	tap_errno(vicdev_region_read(d, VFIO_PCI_BAR0_REGION_INDEX, 0x10000, b,
				     4),
		  EINVAL, "BAR0: read at the size: EINVAL");
	tap_errno(vicdev_region_read(d, VFIO_PCI_BAR0_REGION_INDEX,
				     VIC_MDEV_MSIX_TABLE_OFFSET + 2, b, 4),
		  EINVAL, "MSI-X table: unaligned read: EINVAL");
	tap_errno(vicdev_region_read(d, VFIO_PCI_BAR1_REGION_INDEX, 0, b, 4),
		  EINVAL, "BAR1 (size 0): EINVAL");
	tap_errno(vicdev_region_read(d, VFIO_PCI_ROM_REGION_INDEX, 0, b, 4),
		  EINVAL, "ROM (size 0): EINVAL");

	/* Out-of-range vectors: ignored, LAST_ERROR -EINVAL, cleared on read */
	tap_is(vicdev_doorbell(d, NVEC), 0,
	       "DOORBELL of vector nvec: the write itself succeeds");
	tap_is(mt_last_error(d), -EINVAL, "... LAST_ERROR = -EINVAL");
	tap_is(mt_last_error(d), 0, "... cleared by the read");
	vicdev_doorbell(d, 0xffffffff);
	tap_is(mt_last_error(d), -EINVAL, "DOORBELL 0xffffffff: -EINVAL");

	vicdev_write32(d, VIC_MDEV_REG_COOKIE_SEL, 5);
	vicdev_write32(d, VIC_MDEV_REG_COOKIE_SEL, NVEC);
	tap_is(mt_last_error(d), -EINVAL, "COOKIE_SEL nvec: -EINVAL");
	tap_is(mt_read32(d, VIC_MDEV_REG_COOKIE_SEL), 5,
	       "... and COOKIE_SEL keeps its value");
	vicdev_write32(d, VIC_MDEV_REG_COOKIE_SEL, 1);
	vicdev_write64(d, VIC_MDEV_REG_COOKIE, 0x77);
	tap_is(mt_last_error(d), -EINVAL,
	       "COOKIE write on an emulated vector: -EINVAL");
	tap_is(mt_read64(d, VIC_MDEV_REG_COOKIE), 0,
	       "COOKIE of an emulated vector reads 0");
	tap_is(mt_last_error(d), -EINVAL, "... with LAST_ERROR -EINVAL");

	vicdev_write32(d, VIC_MDEV_REG_GEN_FIRST, NVEC);
	tap_is(mt_last_error(d), -EINVAL, "GEN_FIRST nvec: -EINVAL");
	vicdev_write32(d, VIC_MDEV_REG_GEN_COUNT, NVEC + 1);
	tap_is(mt_last_error(d), -EINVAL, "GEN_COUNT nvec + 1: -EINVAL");
	tap_is(mt_read32(d, VIC_MDEV_REG_GEN_FIRST), 0,
	       "... GEN_FIRST unchanged");
	tap_is(vicdev_cmd(d), 0, "CMD with vector 0 emulated");
	tap_is(mt_last_error(d), 0, "... no error");
}

static void test_set_irqs_errors(struct vicdev *d)
{
	int32_t fds[3] = { -1, -1, -1 }, efd, devnull;
	uint8_t bools[2] = { 1, 1 };
	struct vfio_irq_set s = { .argsz = sizeof(s) };
	const uint32_t trig = VFIO_IRQ_SET_ACTION_TRIGGER;
	uint32_t i;

	efd = vicdev_eventfd();
	for (i = 0; i < VFIO_PCI_NUM_IRQS + 2; i++) {
		if (i == VFIO_PCI_MSIX_IRQ_INDEX || i == VFIO_PCI_REQ_IRQ_INDEX)
			continue;
		tap_errno(vicdev_set_irqs(d, i,
					  VFIO_IRQ_SET_DATA_EVENTFD | trig, 0,
					  1, &efd, 4),
			  EINVAL, "SET_IRQS index %u: EINVAL", i);
	}
	tap_errno(vicdev_set_irqs(d, VFIO_PCI_MSIX_IRQ_INDEX,
				  VFIO_IRQ_SET_DATA_EVENTFD | trig, NVEC - 2, 3,
				  fds, 4),
		  EINVAL, "MSI-X: start + count > nvec: EINVAL");
	tap_errno(vicdev_set_irqs(d, VFIO_PCI_MSIX_IRQ_INDEX,
				  VFIO_IRQ_SET_DATA_EVENTFD | trig, NVEC, 0,
				  NULL, 4),
		  EINVAL, "MSI-X: start = nvec: EINVAL");
	tap_errno(vicdev_set_irqs(d, VFIO_PCI_MSIX_IRQ_INDEX,
				  VFIO_IRQ_SET_DATA_EVENTFD | trig | 1u << 10,
				  0, 1, &efd, 4),
		  EINVAL, "MSI-X: unknown flag: EINVAL");
	tap_errno(vicdev_set_irqs(d, VFIO_PCI_MSIX_IRQ_INDEX,
				  VFIO_IRQ_SET_DATA_NONE |
					  VFIO_IRQ_SET_DATA_BOOL | trig,
				  0, 1, bools, 1),
		  EINVAL, "MSI-X: two DATA bits: EINVAL");
	tap_errno(vicdev_set_irqs(d, VFIO_PCI_MSIX_IRQ_INDEX,
				  VFIO_IRQ_SET_DATA_NONE | trig |
					  VFIO_IRQ_SET_ACTION_MASK,
				  0, 1, NULL, 0),
		  EINVAL, "MSI-X: two ACTION bits: EINVAL");
	tap_errno(vicdev_set_irqs(d, VFIO_PCI_MSIX_IRQ_INDEX,
				  VFIO_IRQ_SET_DATA_NONE |
					  VFIO_IRQ_SET_ACTION_MASK,
				  0, 1, NULL, 0),
		  EINVAL, "MSI-X: ACTION_MASK: EINVAL");
	tap_errno(vicdev_set_irqs(d, VFIO_PCI_MSIX_IRQ_INDEX,
				  VFIO_IRQ_SET_DATA_NONE |
					  VFIO_IRQ_SET_ACTION_UNMASK,
				  0, 1, NULL, 0),
		  EINVAL, "MSI-X: ACTION_UNMASK: EINVAL");

	/* argsz too small for the fds the count announces */
	s.flags = VFIO_IRQ_SET_DATA_EVENTFD | trig;
	s.index = VFIO_PCI_MSIX_IRQ_INDEX;
	s.count = 2;
	tap_errno(ioctl(d->fd, VFIO_DEVICE_SET_IRQS, &s), EINVAL,
		  "MSI-X: argsz without room for the data: EINVAL");

	devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);
	fds[0] = efd;
	fds[1] = devnull;
	tap_errno(vicdev_msix_set(d, 0, 2, fds), EINVAL,
		  "MSI-X: an fd that is not an eventfd: EINVAL");
	fds[1] = 1000;
	tap_errno(vicdev_msix_set(d, 0, 2, fds), EBADF,
		  "MSI-X: a closed fd: EBADF");
	close(devnull);

	tap_errno(vicdev_set_irqs(d, VFIO_PCI_REQ_IRQ_INDEX,
				  VFIO_IRQ_SET_DATA_EVENTFD | trig, 0, 2, fds,
				  4),
		  EINVAL, "REQ: count 2: EINVAL");
	tap_errno(vicdev_set_irqs(d, VFIO_PCI_REQ_IRQ_INDEX,
				  VFIO_IRQ_SET_DATA_EVENTFD | trig, 1, 1, fds,
				  4),
		  EINVAL, "REQ: start 1: EINVAL");
	tap_errno(vicdev_set_irqs(d, VFIO_PCI_REQ_IRQ_INDEX,
				  VFIO_IRQ_SET_DATA_NONE |
					  VFIO_IRQ_SET_ACTION_MASK,
				  0, 1, NULL, 0),
		  EINVAL, "REQ: ACTION_MASK: EINVAL");
	tap_is(vicdev_req_set(d, efd), 0, "REQ: set an eventfd");
	tap_is(vicdev_set_irqs(d, VFIO_PCI_REQ_IRQ_INDEX,
			       VFIO_IRQ_SET_DATA_NONE | trig, 0, 1, NULL, 0),
	       0, "REQ: loopback");
	tap_is(mt_take(efd), 1, "... signals the REQ eventfd once");
	tap_is(vicdev_req_set(d, -1), 0, "REQ: unset");
	tap_errno(vicdev_set_irqs(d, VFIO_PCI_REQ_IRQ_INDEX,
				  VFIO_IRQ_SET_DATA_NONE | trig, 0, 1, NULL, 0),
		  EINVAL, "REQ: loopback without a trigger: EINVAL");
	close(efd);
}

static void test_reset(struct vicdev *d, int dbg)
{
	struct vic_dbg_vec v;
	int32_t fds[2];
	uint32_t ctrl;

	vicdev_eventfds(fds, 2);
	vicdev_msix_set(d, 0, 2, fds);
	vicdev_mask(d, 1, true);
	vicdev_doorbell(d, 1);
	vicdev_set_cookie(d, NR_EMULATED, 0x42);
	vicdev_write32(d, VIC_MDEV_REG_GEN_COUNT, 3);
	vicdev_doorbell(d, NVEC); /* LAST_ERROR = -EINVAL */

	tap_is(vicdev_reset(d), 0, "RESET");
	tap_is(mt_read32(d, VIC_MDEV_REG_COOKIE_SEL), 0, "RESET: COOKIE_SEL 0");
	tap_is(mt_last_error(d), 0, "RESET: LAST_ERROR cleared");
	tap_is(mt_read32(d, VIC_MDEV_REG_GEN_COUNT), 0, "RESET: GEN_COUNT 0");
	vicdev_read32(d, VIC_MDEV_MSIX_TABLE_OFFSET + 16 + 12, &ctrl);
	tap_is(ctrl, 0, "RESET: mask bit cleared");
	v = mt_dbg_vec(dbg, 1);
	tap_ok(!v.trigger && !v.pending && !v.masked,
	       "RESET: vector 1 has no trigger, no mask, nothing pending");
	v = mt_dbg_vec(dbg, 0);
	tap_ok(!v.trigger, "RESET: vector 0 has no trigger");
	tap_is(mt_take(fds[1]), 0,
	       "RESET: the pending vector is not signalled");
	{
		uint64_t c;

		vicdev_get_cookie(d, NR_EMULATED, &c);
		tap_is(c, 0, "RESET: cookie back to the default");
	}
	vicdev_close_fds(fds, 2);
}

int main(void)
{
	char uuid[VICDEV_UUID_LEN];
	struct vicdev d;
	int dbg;

	mt_load("nvec=32 nr_emulated=4");
	test_sysfs();
	mt_create_open(&d, uuid);
	dbg = mt_dbg_id(uuid);
	test_info(&d);
	test_config(&d);
	test_registers(&d);
	test_set_irqs_errors(&d);
	test_reset(&d, dbg);
	mt_close_remove(&d);
	tap_ok(!vicdev_exists(uuid), "instance removed");
	mt_unload();
	return tap_done();
}
