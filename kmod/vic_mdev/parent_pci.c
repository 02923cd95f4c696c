// SPDX-License-Identifier: GPL-2.0-only
/*
 * vic_mdev: PCI functions as parents of MSI-X-backed instances.
 *
 * A PCI function bound to the "vic_mdev" PCI driver (through
 * driver_override, as vfio-pci is bound) becomes an mdev parent with one
 * type, "vic_mdev-msix": the non-emulated vectors of its instances are
 * MSI-X vectors of the function (vic_msix.ko). QEMU's rocker switch
 * (1b36:0006) is the parent of the test VM: a 32-bit write of k to its
 * test register fires its MSI-X vector k, so DOORBELL on such a vector
 * goes through the real parent's interrupt.
 *
 * Removing the function (unbind, hot-unplug) removes its instances first,
 * as any mdev parent does: each open instance gets a REQ and its removal
 * waits until the user closes it.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/io.h>
#include <linux/module.h>
#include <linux/pci.h>
#include <linux/slab.h>

#include <vic_msix.h>

#include "vic_mdev.h"

/* QEMU's rocker: BAR0 register whose write fires MSI-X vector <value>. */
#define VIC_ROCKER_VENDOR	PCI_VENDOR_ID_REDHAT
#define VIC_ROCKER_DEVICE	0x0006
#define VIC_ROCKER_TEST_IRQ	0x20

static void vic_mdev_rocker_fire(void *priv, unsigned int index)
{
	struct vic_mdev_pparent *pp = priv;

	iowrite32(index, pp->bar0 + VIC_ROCKER_TEST_IRQ);
}

static const struct vic_msix_pool_ops vic_mdev_rocker_ops = {
	.fire = vic_mdev_rocker_fire,
};

static bool vic_mdev_is_rocker(struct pci_dev *pdev)
{
	return pdev->vendor == VIC_ROCKER_VENDOR &&
	       pdev->device == VIC_ROCKER_DEVICE;
}

static int vic_mdev_pci_probe(struct pci_dev *pdev,
			      const struct pci_device_id *id)
{
	const struct vic_msix_pool_ops *ops = NULL;
	struct vic_mdev_pparent *pp;
	int ret;

	pp = kzalloc(sizeof(*pp), GFP_KERNEL);
	if (!pp)
		return -ENOMEM;
	pp->pdev = pdev;

	ret = pcim_enable_device(pdev);
	if (ret)
		goto err_free;
	/* Without bus mastering the function sends no MSI-X message. */
	pci_set_master(pdev);
	if (vic_mdev_is_rocker(pdev)) {
		pp->bar0 = pcim_iomap(pdev, 0, 0);
		if (!pp->bar0) {
			ret = -ENOMEM;
			goto err_free;
		}
		ops = &vic_mdev_rocker_ops;
	}

	pp->pool = vic_msix_pool_create(pdev, 0, ops, pp);
	if (IS_ERR(pp->pool)) {
		ret = PTR_ERR(pp->pool);
		goto err_free;
	}

	pp->type.sysfs_name = "msix";
	pp->type.pretty_name = "vic reference device, MSI-X backed";
	pp->types[0] = &pp->type;
	ret = mdev_register_parent(&pp->parent, &pdev->dev, &vic_mdev_driver,
				   pp->types, ARRAY_SIZE(pp->types));
	if (ret)
		goto err_pool;
	pci_set_drvdata(pdev, pp);
	pci_info(pdev, "mdev parent: %u MSI-X vectors%s\n",
		 vic_msix_pool_size(pp->pool),
		 ops ? ", fired through the rocker test register" : "");
	return 0;

err_pool:
	vic_msix_pool_destroy(pp->pool);
err_free:
	kfree(pp);
	pci_err(pdev, "cannot become a vic_mdev parent: %d\n", ret);
	return ret;
}

static void vic_mdev_pci_remove(struct pci_dev *pdev)
{
	struct vic_mdev_pparent *pp = pci_get_drvdata(pdev);

	/* Removes every instance, waiting for their users to close them. */
	mdev_unregister_parent(&pp->parent);
	vic_msix_pool_destroy(pp->pool);
	kfree(pp);
}

/* No ID table: a function is given to the driver with driver_override. */
static struct pci_driver vic_mdev_pci_driver = {
	.name = VIC_MDEV_NAME,
	.probe = vic_mdev_pci_probe,
	.remove = vic_mdev_pci_remove,
};

int vic_mdev_pci_init(void)
{
	return pci_register_driver(&vic_mdev_pci_driver);
}

void vic_mdev_pci_exit(void)
{
	pci_unregister_driver(&vic_mdev_pci_driver);
}

/**
 * vic_mdev_pparent_of() - the PCI parent of an instance, if it has one
 * @mdev: the instance
 *
 * Return: the parent of an instance of type "msix", else NULL.
 */
struct vic_mdev_pparent *vic_mdev_pparent_of(struct mdev_device *mdev)
{
	if (mdev->type == &vic_mdev_type_default)
		return NULL;
	return container_of(mdev->type->parent, struct vic_mdev_pparent,
			    parent);
}
