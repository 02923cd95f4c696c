/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * vic_mdev: the reference VFIO mdev device of the vic core.
 */
#ifndef _VIC_MDEV_H
#define _VIC_MDEV_H

#include <linux/atomic.h>
#include <linux/hrtimer.h>
#include <linux/mdev.h>
#include <linux/mutex.h>
#include <linux/pci.h>
#include <linux/pci_regs.h>
#include <linux/types.h>
#include <linux/vfio.h>

#include <vic.h>

#include "vic_mdev_regs.h"

#define VIC_MDEV_NAME		"vic_mdev"

/* VFIO region offsets: the region index in the top bits, as vfio-pci. */
#define VIC_MDEV_OFFSET_SHIFT	40
#define VIC_MDEV_OFFSET_MASK	((1ULL << VIC_MDEV_OFFSET_SHIFT) - 1)
#define VIC_MDEV_INDEX_TO_OFFSET(i)	((u64)(i) << VIC_MDEV_OFFSET_SHIFT)

/* Module parameters, validated at module init. */
extern unsigned int vic_mdev_nvec;
extern unsigned int vic_mdev_nr_emulated;
extern unsigned int vic_mdev_ims_slots;
extern unsigned int vic_mdev_ims_program_delay_us;

struct vic_mdev;

/**
 * struct vic_mdev_gen - the hrtimer-driven traffic generator
 * @timer: hard-IRQ hrtimer raising the vectors
 * @ctx: the instance's vector context
 * @first: first vector (configuration, changed only while stopped)
 * @count: number of vectors raised round-robin
 * @period_ns: period between raises, 0 for back to back
 * @total: raises to perform
 * @next: index in [0, @count) of the next vector to raise
 * @due: when the next period ends (ns, CLOCK_MONOTONIC)
 * @owed: periods elapsed whose raise is still to be performed
 * @acc_ns: time spent raising in the current run
 * @done: raises performed by the last/current run
 * @elapsed_ns: @acc_ns of the last finished run
 * @running: the timer is armed for the current run
 *
 * @next, @due, @owed, @acc_ns and @done are written by the timer callback
 * only while @running, and by the start path after hrtimer_cancel().
 */
struct vic_mdev_gen {
	struct hrtimer timer;
	struct vic_ctx *ctx;
	u32 first;
	u32 count;
	u32 period_ns;
	u64 total;
	u32 next;
	u64 due;
	u64 owed;
	u64 acc_ns;
	u64 done;
	u64 elapsed_ns;
	bool running;
};

/**
 * struct vic_mdev - one instance
 * @vdev: the VFIO device (first member, see vfio_alloc_device())
 * @ctx: the vic vector context
 * @lock: serializes configuration: register state other than the raise
 *	paths, the generator configuration and the REQ trigger
 * @nvec: MSI-X vectors
 * @nr_emulated: emulated vectors, [0, @nr_emulated)
 * @ims: this instance's IMS provider (the shared simulated store)
 * @config: PCI config space outside the MSI-X capability (under @lock)
 * @mem_enabled: COMMAND Memory Space: BAR0 accesses allowed (read lock-free)
 * @cookie_sel: COOKIE_SEL register
 * @last_error: LAST_ERROR register
 * @req_trigger: VFIO_PCI_REQ_IRQ_INDEX eventfd
 * @gen: traffic generator
 */
struct vic_mdev {
	struct vfio_device vdev;
	struct vic_ctx *ctx;
	struct mutex lock;	/* see the kernel-doc above */
	unsigned int nvec;
	unsigned int nr_emulated;
	struct vic_ims_provider ims;
	u8 config[PCI_CFG_SPACE_SIZE];
	bool mem_enabled;
	u32 cookie_sel;
	atomic_t last_error;
	struct eventfd_ctx *req_trigger;
	struct vic_mdev_gen gen;
};

/**
 * struct vic_mdev_pparent - a PCI function as the parent of instances
 * @parent: its mdev parent
 * @type: its one type, "msix"
 * @types: the types for mdev_register_parent()
 * @pdev: the function
 * @bar0: the function's BAR0 (rocker: its test register), or NULL
 * @pool: its MSI-X vectors (vic_msix.ko)
 */
struct vic_mdev_pparent {
	struct mdev_parent parent;
	struct mdev_type type;
	struct mdev_type *types[1];
	struct pci_dev *pdev;
	void __iomem *bar0;
	struct vic_msix_pool *pool;
};

static inline struct vic_mdev *vdev_to_vic_mdev(struct vfio_device *vdev)
{
	return container_of(vdev, struct vic_mdev, vdev);
}

/* main.c */
extern struct mdev_driver vic_mdev_driver;
extern struct mdev_type vic_mdev_type_default;
int vic_mdev_init_dev(struct vfio_device *vdev);
void vic_mdev_release_dev(struct vfio_device *vdev);

/* vfio.c */
extern const struct vfio_device_ops vic_mdev_dev_ops;

/* regs.c */
void vic_mdev_regs_init(struct vic_mdev *vm);
void vic_mdev_regs_power_on(struct vic_mdev *vm);
void vic_mdev_regs_reset(struct vic_mdev *vm);
ssize_t vic_mdev_config_rw(struct vic_mdev *vm, char __user *ubuf,
			   size_t count, loff_t off, bool write);
ssize_t vic_mdev_bar0_rw(struct vic_mdev *vm, char __user *ubuf,
			 size_t count, loff_t off, bool write);

/* parent_pci.c */
int vic_mdev_pci_init(void);
void vic_mdev_pci_exit(void);
struct vic_mdev_pparent *vic_mdev_pparent_of(struct mdev_device *mdev);

/* ims_store.c */
int vic_mdev_ims_store_init(unsigned int nslots);
void vic_mdev_ims_store_exit(void);
void vic_mdev_ims_provider_init(struct vic_mdev *vm);

/* gen.c */
void vic_mdev_gen_init(struct vic_mdev_gen *gen, struct vic_ctx *ctx);
int vic_mdev_gen_start(struct vic_mdev_gen *gen, unsigned int nvec);
void vic_mdev_gen_stop(struct vic_mdev_gen *gen);
bool vic_mdev_gen_running(struct vic_mdev_gen *gen);

#endif /* _VIC_MDEV_H */
