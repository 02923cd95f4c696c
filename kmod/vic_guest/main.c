// SPDX-License-Identifier: GPL-2.0-only
/*
 * vic_guest: a Linux PCI driver for the vic_mdev reference device, as a
 * guest sees it once a VMM (e.g. QEMU's vfio-pci) has passed the mdev
 * through.
 *
 * It demonstrates, in as little code as a sample driver allows:
 * - probing a PCI function: enable it, claim and map BAR0, check the ID
 *   register, turn on bus mastering, with goto-based unwinding;
 * - allocating every MSI-X vector (pci_alloc_irq_vectors()) and requesting
 *   a hard-IRQ handler per vector that counts its interrupts;
 * - masking a vector with disable_irq() and unmasking it with
 *   enable_irq(), where the "unlazy" disable makes a masked vector behave
 *   as the MSI-X specification says (see vic_guest_request_irqs());
 * - a debugfs interface, /sys/kernel/debug/vic_guest/<pci_name>/, through
 *   which a test drives the device's registers and reads the counts;
 * - a remove path that is safe on hot-unplug, when MMIO reads all-ones.
 *
 * The device needs 8-byte accesses to its 64-bit registers (two 32-bit
 * halves are rejected), so the driver uses readq()/writeq() and builds on
 * 64-bit kernels only.
 *
 * The interface is described in docs/vic_guest.md.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/atomic.h>
#include <linux/debugfs.h>
#include <linux/err.h>
#include <linux/interrupt.h>
#include <linux/io.h>
#include <linux/irq.h>
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/pci.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "../vic_mdev/vic_mdev_regs.h"

/* One MSI-X vector: its Linux IRQ, its counter and its mask state. */
struct vic_guest_vec {
	atomic64_t count;	/* interrupts handled, incremented in hard IRQ */
	bool masked;		/* disabled with disable_irq(); under vg->lock */
	char name[32];		/* "vic_guest-<pci_name>-<vector>", /proc/interrupts */
};

/* One device. */
struct vic_guest {
	struct pci_dev *pdev;
	void __iomem *regs;		/* BAR0 */
	unsigned int nvec;
	unsigned int nr_emulated;
	struct vic_guest_vec *vecs;	/* nvec entries */
	struct dentry *debugfs;
	/* Serializes register sequences (LAST_ERROR is per device) and masks. */
	struct mutex lock;
};

static struct dentry *vic_guest_debugfs_root;

/* --- Registers ------------------------------------------------------------ */

static u32 vic_guest_read32(struct vic_guest *vg, unsigned int reg)
{
	return readl(vg->regs + reg);
}

static void vic_guest_write32(struct vic_guest *vg, unsigned int reg, u32 val)
{
	writel(val, vg->regs + reg);
}

/* 64-bit registers: one 8-byte access, as the device requires. */
static u64 vic_guest_read64(struct vic_guest *vg, unsigned int reg)
{
	return readq(vg->regs + reg);
}

static void vic_guest_write64(struct vic_guest *vg, unsigned int reg, u64 val)
{
	writeq(val, vg->regs + reg);
}

/*
 * The errno of the last failed register operation, which reading
 * LAST_ERROR clears. A device that is gone reads all-ones: report that as
 * -ENODEV rather than as -EPERM.
 */
static int vic_guest_last_error(struct vic_guest *vg)
{
	s32 err = vic_guest_read32(vg, VIC_MDEV_REG_LAST_ERROR);

	if (!err)
		return 0;
	if (vic_guest_read32(vg, VIC_MDEV_REG_ID) != VIC_MDEV_ID_VALUE)
		return -ENODEV;
	if (err > 0 || err < -MAX_ERRNO)
		return -EIO;
	return err;
}

/* --- Interrupts ----------------------------------------------------------- */

/* Hard-IRQ context: count and return. */
static irqreturn_t vic_guest_irq(int irq, void *data)
{
	struct vic_guest_vec *vec = data;

	atomic64_inc(&vec->count);
	return IRQ_HANDLED;
}

static void vic_guest_free_irqs(struct vic_guest *vg, unsigned int n)
{
	while (n--)
		free_irq(pci_irq_vector(vg->pdev, n), &vg->vecs[n]);
}

/*
 * One handler per vector.
 *
 * By default genirq disables an interrupt lazily: disable_irq() only marks
 * it disabled, the next interrupt still arrives, is recorded as pending and
 * only then masked in the MSI-X table; enable_irq() unmasks it and resends
 * the pending one in software. Behind a VMM the MSI-X table is emulated and
 * keeps its own pending bit, so a vector raised K > 1 times while
 * "disabled" would be delivered twice on enable: once by the device's
 * pending bit, once by genirq's resend. IRQ_DISABLE_UNLAZY makes
 * disable_irq() mask the vector in the MSI-X table at once: the device
 * holds every raise in its pending bit and delivers exactly one on
 * enable_irq(), as the MSI-X specification (and the vic_mdev contract)
 * says.
 */
static int vic_guest_request_irqs(struct vic_guest *vg)
{
	unsigned int v;
	int irq, ret;

	for (v = 0; v < vg->nvec; v++) {
		struct vic_guest_vec *vec = &vg->vecs[v];

		irq = pci_irq_vector(vg->pdev, v);
		snprintf(vec->name, sizeof(vec->name), "%s-%s-%u",
			 KBUILD_MODNAME, pci_name(vg->pdev), v);
		ret = request_irq(irq, vic_guest_irq, 0, vec->name, vec);
		if (ret)
			goto err_free;
		irq_set_status_flags(irq, IRQ_DISABLE_UNLAZY);
	}
	return 0;

err_free:
	vic_guest_free_irqs(vg, v);
	return ret;
}

/* --- debugfs -------------------------------------------------------------- */

/* Parse one decimal vector number written by the user. */
static int vic_guest_get_vector(struct vic_guest *vg, const char __user *ubuf,
				size_t count, unsigned int *v)
{
	int ret;

	ret = kstrtouint_from_user(ubuf, count, 10, v);
	if (ret)
		return ret;
	return *v < vg->nvec ? 0 : -EINVAL;
}

static int vic_guest_info_show(struct seq_file *s, void *unused)
{
	struct vic_guest *vg = s->private;

	seq_printf(s, "nvec %u\n", vg->nvec);
	seq_printf(s, "nr_emulated %u\n", vg->nr_emulated);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(vic_guest_info);

static int vic_guest_counts_show(struct seq_file *s, void *unused)
{
	struct vic_guest *vg = s->private;
	unsigned int v;

	for (v = 0; v < vg->nvec; v++)
		seq_printf(s, "%u %lld\n", v,
			   (long long)atomic64_read(&vg->vecs[v].count));
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(vic_guest_counts);

/* doorbell: write v, the device raises vector v once. */
static ssize_t vic_guest_doorbell_write(struct file *file,
					const char __user *ubuf, size_t count,
					loff_t *ppos)
{
	struct vic_guest *vg = file->private_data;
	unsigned int v;
	int ret;

	ret = vic_guest_get_vector(vg, ubuf, count, &v);
	if (ret)
		return ret;

	mutex_lock(&vg->lock);
	vic_guest_last_error(vg);	/* clear an earlier error */
	vic_guest_write32(vg, VIC_MDEV_REG_DOORBELL, v);
	ret = vic_guest_last_error(vg);
	mutex_unlock(&vg->lock);
	return ret ?: count;
}

static const struct file_operations vic_guest_doorbell_fops = {
	.owner = THIS_MODULE,
	.open = simple_open,
	.write = vic_guest_doorbell_write,
	.llseek = noop_llseek,
};

/* cmd: any write issues the "intercepted path" command (vector 0). */
static ssize_t vic_guest_cmd_write(struct file *file, const char __user *ubuf,
				   size_t count, loff_t *ppos)
{
	struct vic_guest *vg = file->private_data;
	int ret;

	mutex_lock(&vg->lock);
	vic_guest_last_error(vg);
	vic_guest_write32(vg, VIC_MDEV_REG_CMD, 1);
	ret = vic_guest_last_error(vg);
	mutex_unlock(&vg->lock);
	return ret ?: count;
}

static const struct file_operations vic_guest_cmd_fops = {
	.owner = THIS_MODULE,
	.open = simple_open,
	.write = vic_guest_cmd_write,
	.llseek = noop_llseek,
};

/* gen: read the traffic generator's state. */
static int vic_guest_gen_show(struct seq_file *s, void *unused)
{
	struct vic_guest *vg = s->private;
	u64 done, elapsed;
	u32 running;

	mutex_lock(&vg->lock);
	running = vic_guest_read32(vg, VIC_MDEV_REG_GEN_CTRL);
	done = vic_guest_read64(vg, VIC_MDEV_REG_GEN_DONE);
	elapsed = vic_guest_read64(vg, VIC_MDEV_REG_GEN_ELAPSED_NS);
	mutex_unlock(&vg->lock);

	seq_printf(s, "running %u done %llu elapsed_ns %llu\n", running, done,
		   elapsed);
	return 0;
}

static int vic_guest_gen_open(struct inode *inode, struct file *file)
{
	return single_open(file, vic_guest_gen_show, inode->i_private);
}

/*
 * gen: "first count period_ns total" programs the generator and starts
 * it; "stop" stops it.
 */
static ssize_t vic_guest_gen_write(struct file *file, const char __user *ubuf,
				   size_t count, loff_t *ppos)
{
	struct seq_file *s = file->private_data;
	struct vic_guest *vg = s->private;
	u32 first, nr, period_ns;
	char buf[80];
	u64 total;
	int ret;

	if (count >= sizeof(buf))
		return -EINVAL;
	if (copy_from_user(buf, ubuf, count))
		return -EFAULT;
	buf[count] = '\0';

	mutex_lock(&vg->lock);
	vic_guest_last_error(vg);
	if (sysfs_streq(buf, "stop")) {
		vic_guest_write32(vg, VIC_MDEV_REG_GEN_CTRL, 0);
	} else if (sscanf(buf, "%u %u %u %llu", &first, &nr, &period_ns,
			  &total) == 4) {
		vic_guest_write32(vg, VIC_MDEV_REG_GEN_FIRST, first);
		vic_guest_write32(vg, VIC_MDEV_REG_GEN_COUNT, nr);
		vic_guest_write32(vg, VIC_MDEV_REG_GEN_PERIOD_NS, period_ns);
		vic_guest_write64(vg, VIC_MDEV_REG_GEN_TOTAL, total);
		vic_guest_write32(vg, VIC_MDEV_REG_GEN_CTRL, 1);
	} else {
		mutex_unlock(&vg->lock);
		return -EINVAL;
	}
	ret = vic_guest_last_error(vg);
	mutex_unlock(&vg->lock);
	return ret ?: count;
}

static const struct file_operations vic_guest_gen_fops = {
	.owner = THIS_MODULE,
	.open = vic_guest_gen_open,
	.read = seq_read,
	.write = vic_guest_gen_write,
	.llseek = seq_lseek,
	.release = single_release,
};

/* mask: read the masked vectors, one line, space-separated. */
static int vic_guest_mask_show(struct seq_file *s, void *unused)
{
	struct vic_guest *vg = s->private;
	const char *sep = "";
	unsigned int v;

	mutex_lock(&vg->lock);
	for (v = 0; v < vg->nvec; v++) {
		if (!vg->vecs[v].masked)
			continue;
		seq_printf(s, "%s%u", sep, v);
		sep = " ";
	}
	mutex_unlock(&vg->lock);
	seq_putc(s, '\n');
	return 0;
}

static int vic_guest_mask_open(struct inode *inode, struct file *file)
{
	return single_open(file, vic_guest_mask_show, inode->i_private);
}

/*
 * Mask (disable_irq) or unmask (enable_irq) vector v. The masked flag keeps
 * the calls balanced: masking a masked vector or unmasking an unmasked one
 * is -EINVAL, never a nested disable or an "Unbalanced enable" warning.
 */
static ssize_t vic_guest_set_mask(struct vic_guest *vg,
				  const char __user *ubuf, size_t count,
				  bool mask)
{
	struct vic_guest_vec *vec;
	unsigned int v;
	int ret;

	ret = vic_guest_get_vector(vg, ubuf, count, &v);
	if (ret)
		return ret;
	vec = &vg->vecs[v];

	mutex_lock(&vg->lock);
	if (vec->masked == mask) {
		ret = -EINVAL;
	} else if (mask) {
		/* waits for a running handler of this vector */
		disable_irq(pci_irq_vector(vg->pdev, v));
		vec->masked = true;
	} else {
		enable_irq(pci_irq_vector(vg->pdev, v));
		vec->masked = false;
	}
	mutex_unlock(&vg->lock);
	return ret ?: count;
}

static ssize_t vic_guest_mask_write(struct file *file, const char __user *ubuf,
				    size_t count, loff_t *ppos)
{
	struct seq_file *s = file->private_data;

	return vic_guest_set_mask(s->private, ubuf, count, true);
}

static const struct file_operations vic_guest_mask_fops = {
	.owner = THIS_MODULE,
	.open = vic_guest_mask_open,
	.read = seq_read,
	.write = vic_guest_mask_write,
	.llseek = seq_lseek,
	.release = single_release,
};

static ssize_t vic_guest_unmask_write(struct file *file,
				      const char __user *ubuf, size_t count,
				      loff_t *ppos)
{
	return vic_guest_set_mask(file->private_data, ubuf, count, false);
}

static const struct file_operations vic_guest_unmask_fops = {
	.owner = THIS_MODULE,
	.open = simple_open,
	.write = vic_guest_unmask_write,
	.llseek = noop_llseek,
};

/* reset_counts: any write zeroes every counter. */
static ssize_t vic_guest_reset_counts_write(struct file *file,
					    const char __user *ubuf,
					    size_t count, loff_t *ppos)
{
	struct vic_guest *vg = file->private_data;
	unsigned int v;

	for (v = 0; v < vg->nvec; v++)
		atomic64_set(&vg->vecs[v].count, 0);
	return count;
}

static const struct file_operations vic_guest_reset_counts_fops = {
	.owner = THIS_MODULE,
	.open = simple_open,
	.write = vic_guest_reset_counts_write,
	.llseek = noop_llseek,
};

/*
 * debugfs files stay valid until debugfs_remove_recursive() returns: it
 * waits for the handlers running on them, so remove() can free what they
 * use right after.
 */
static void vic_guest_debugfs_init(struct vic_guest *vg)
{
	struct dentry *d;

	d = debugfs_create_dir(pci_name(vg->pdev), vic_guest_debugfs_root);
	vg->debugfs = d;
	debugfs_create_file("info", 0400, d, vg, &vic_guest_info_fops);
	debugfs_create_file("counts", 0400, d, vg, &vic_guest_counts_fops);
	debugfs_create_file("doorbell", 0200, d, vg, &vic_guest_doorbell_fops);
	debugfs_create_file("cmd", 0200, d, vg, &vic_guest_cmd_fops);
	debugfs_create_file("gen", 0600, d, vg, &vic_guest_gen_fops);
	debugfs_create_file("mask", 0600, d, vg, &vic_guest_mask_fops);
	debugfs_create_file("unmask", 0200, d, vg, &vic_guest_unmask_fops);
	debugfs_create_file("reset_counts", 0200, d, vg,
			    &vic_guest_reset_counts_fops);
}

/* --- PCI driver ----------------------------------------------------------- */

static int vic_guest_probe(struct pci_dev *pdev, const struct pci_device_id *id)
{
	struct device *dev = &pdev->dev;
	struct vic_guest *vg;
	u32 devid;
	int ret;

	vg = kzalloc(sizeof(*vg), GFP_KERNEL);
	if (!vg)
		return -ENOMEM;
	vg->pdev = pdev;
	mutex_init(&vg->lock);

	ret = pci_enable_device(pdev);
	if (ret)
		goto err_free;
	ret = pci_request_regions(pdev, KBUILD_MODNAME);
	if (ret)
		goto err_disable;
	if (pci_resource_len(pdev, 0) < VIC_MDEV_BAR0_SIZE) {
		dev_err(dev, "BAR0 is too small\n");
		ret = -ENODEV;
		goto err_release;
	}
	vg->regs = pci_iomap(pdev, 0, VIC_MDEV_BAR0_SIZE);
	if (!vg->regs) {
		ret = -ENOMEM;
		goto err_release;
	}

	devid = vic_guest_read32(vg, VIC_MDEV_REG_ID);
	if (devid != VIC_MDEV_ID_VALUE) {
		dev_err(dev, "unexpected ID register %#x\n", devid);
		ret = -ENODEV;
		goto err_unmap;
	}
	vg->nvec = vic_guest_read32(vg, VIC_MDEV_REG_NVEC);
	vg->nr_emulated = vic_guest_read32(vg, VIC_MDEV_REG_NR_EMULATED);
	if (!vg->nvec || vg->nvec > VIC_MDEV_MAX_NVEC ||
	    pci_msix_vec_count(pdev) != vg->nvec) {
		dev_err(dev, "NVEC %u does not match the MSI-X table (%d)\n",
			vg->nvec, pci_msix_vec_count(pdev));
		ret = -ENODEV;
		goto err_unmap;
	}

	vg->vecs = kcalloc(vg->nvec, sizeof(*vg->vecs), GFP_KERNEL);
	if (!vg->vecs) {
		ret = -ENOMEM;
		goto err_unmap;
	}

	/* MSI-X messages are memory writes: the device must master the bus. */
	pci_set_master(pdev);
	ret = pci_alloc_irq_vectors(pdev, vg->nvec, vg->nvec, PCI_IRQ_MSIX);
	if (ret < 0)
		goto err_clear_master;
	ret = vic_guest_request_irqs(vg);
	if (ret)
		goto err_free_vectors;

	pci_set_drvdata(pdev, vg);
	vic_guest_debugfs_init(vg);
	dev_info(dev, "%u MSI-X vectors, %u emulated\n", vg->nvec,
		 vg->nr_emulated);
	return 0;

err_free_vectors:
	pci_free_irq_vectors(pdev);
err_clear_master:
	pci_clear_master(pdev);
	kfree(vg->vecs);
err_unmap:
	pci_iounmap(pdev, vg->regs);
err_release:
	pci_release_regions(pdev);
err_disable:
	pci_disable_device(pdev);
err_free:
	mutex_destroy(&vg->lock);
	kfree(vg);
	return ret;
}

/*
 * Also the hot-unplug path: the device may already be gone, its MMIO
 * reading all-ones and ignoring writes. Nothing here waits on the device.
 */
static void vic_guest_remove(struct pci_dev *pdev)
{
	struct vic_guest *vg = pci_get_drvdata(pdev);

	debugfs_remove_recursive(vg->debugfs);
	/* no more raises from the generator into vectors about to go */
	vic_guest_write32(vg, VIC_MDEV_REG_GEN_CTRL, 0);
	vic_guest_free_irqs(vg, vg->nvec);
	pci_free_irq_vectors(pdev);
	pci_clear_master(pdev);
	kfree(vg->vecs);
	pci_iounmap(pdev, vg->regs);
	pci_release_regions(pdev);
	pci_disable_device(pdev);
	mutex_destroy(&vg->lock);
	kfree(vg);
	dev_info(&pdev->dev, "removed\n");
}

static const struct pci_device_id vic_guest_ids[] = {
	{ PCI_DEVICE(VIC_MDEV_VENDOR_ID, VIC_MDEV_DEVICE_ID) },
	{ }
};
MODULE_DEVICE_TABLE(pci, vic_guest_ids);

static struct pci_driver vic_guest_driver = {
	.name = KBUILD_MODNAME,
	.id_table = vic_guest_ids,
	.probe = vic_guest_probe,
	.remove = vic_guest_remove,
};

static int __init vic_guest_init(void)
{
	int ret;

	vic_guest_debugfs_root = debugfs_create_dir(KBUILD_MODNAME, NULL);
	ret = pci_register_driver(&vic_guest_driver);
	if (ret)
		debugfs_remove_recursive(vic_guest_debugfs_root);
	return ret;
}
module_init(vic_guest_init);

static void __exit vic_guest_exit(void)
{
	pci_unregister_driver(&vic_guest_driver);
	debugfs_remove_recursive(vic_guest_debugfs_root);
}
module_exit(vic_guest_exit);

MODULE_DESCRIPTION("Guest PCI driver for the vic_mdev reference device");
MODULE_LICENSE("GPL");
