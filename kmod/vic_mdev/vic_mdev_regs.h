/* SPDX-License-Identifier: GPL-2.0-only WITH Linux-syscall-note */
/*
 * vic_mdev: register layout of the reference device (see
 * docs/vic_mdev.md). Plain constants, shared by the driver and by
 * userspace (tools/lib/vicdev.h includes this file).
 */
#ifndef _VIC_MDEV_REGS_H
#define _VIC_MDEV_REGS_H

/* PCI identity */
#define VIC_MDEV_VENDOR_ID		0x1234
#define VIC_MDEV_DEVICE_ID		0x7663
#define VIC_MDEV_CLASS			0xff0000
#define VIC_MDEV_MSIX_CAP_OFFSET	0x40

/* BAR0 */
#define VIC_MDEV_BAR0_SIZE		0x10000
#define VIC_MDEV_REG_ID			0x000	/* RO 32 */
#define VIC_MDEV_REG_NVEC		0x004	/* RO 32 */
#define VIC_MDEV_REG_NR_EMULATED	0x008	/* RO 32 */
#define VIC_MDEV_REG_DOORBELL		0x010	/* WO 32 */
#define VIC_MDEV_REG_CMD		0x014	/* WO 32 */
#define VIC_MDEV_REG_COOKIE_SEL		0x020	/* RW 32 */
#define VIC_MDEV_REG_COOKIE		0x028	/* RW 64 */
#define VIC_MDEV_REG_GEN_FIRST		0x030	/* RW 32 */
#define VIC_MDEV_REG_GEN_COUNT		0x034	/* RW 32 */
#define VIC_MDEV_REG_GEN_PERIOD_NS	0x038	/* RW 32 */
#define VIC_MDEV_REG_GEN_TOTAL		0x040	/* RW 64 */
#define VIC_MDEV_REG_GEN_CTRL		0x048	/* RW 32 */
#define VIC_MDEV_REG_GEN_DONE		0x050	/* RO 64 */
#define VIC_MDEV_REG_GEN_ELAPSED_NS	0x058	/* RO 64 */
#define VIC_MDEV_REG_LAST_ERROR		0x060	/* RO 32, clear on read */
#define VIC_MDEV_REG_END		0x064	/* end of the register block */

#define VIC_MDEV_MSIX_TABLE_OFFSET	0x4000
#define VIC_MDEV_MSIX_PBA_OFFSET	0xc000

#define VIC_MDEV_ID_VALUE		0x56494331	/* "VIC1" */

/* Module parameter limits */
#define VIC_MDEV_MAX_NVEC		2048

#endif /* _VIC_MDEV_REGS_H */
