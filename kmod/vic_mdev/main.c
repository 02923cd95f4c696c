// SPDX-License-Identifier: GPL-2.0-only
/*
 * vic_mdev: the reference VFIO mdev device of the vic core.
 *
 * Module parameters, the mdev parent "vic_mdev" with its one type
 * "vic_mdev-default" (IMS-backed), the PCI parents of type "vic_mdev-msix"
 * (parent_pci.c), and the life cycle of an instance.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/device.h>
#include <linux/mdev.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/vfio.h>

#include <vic_msix.h>

#include <vic_compat.h>
#include "vic_mdev.h"

/* Instances a parent offers; the IMS store is the real limit. */
#define VIC_MDEV_MAX_INSTANCES	64

unsigned int vic_mdev_nvec = 32;
module_param_named(nvec, vic_mdev_nvec, uint, 0444);
MODULE_PARM_DESC(nvec, "MSI-X vectors per device (1..2048, default 32)");

unsigned int vic_mdev_nr_emulated = 1;
module_param_named(nr_emulated, vic_mdev_nr_emulated, uint, 0444);
MODULE_PARM_DESC(nr_emulated,
		 "Emulated vectors [0, nr_emulated), the rest IMS-backed (0..nvec, default 1)");

unsigned int vic_mdev_ims_slots = 2048;
module_param_named(ims_slots, vic_mdev_ims_slots, uint, 0444);
MODULE_PARM_DESC(ims_slots,
		 "Slots of the simulated IMS shared by all devices (1..65536, default 2048)");

#define VIC_MDEV_MAX_IMS_SLOTS		65536
#define VIC_MDEV_MAX_PROGRAM_DELAY_US	1000000

/* Writable at run time, so range-checked on every write. */
static int vic_mdev_delay_set(const char *val, const struct kernel_param *kp)
{
	return param_set_uint_minmax(val, kp, 0, VIC_MDEV_MAX_PROGRAM_DELAY_US);
}

static const struct kernel_param_ops vic_mdev_delay_ops = {
	.set = vic_mdev_delay_set,
	.get = param_get_uint,
};

unsigned int vic_mdev_ims_program_delay_us;
module_param_cb(ims_program_delay_us, &vic_mdev_delay_ops,
		&vic_mdev_ims_program_delay_us, 0644);
MODULE_PARM_DESC(ims_program_delay_us,
		 "Delay in microseconds added to each IMS slot programming (0..1000000, default 0)");

static struct class vic_mdev_class = {
	.name = VIC_MDEV_NAME,
};

static struct device *vic_mdev_parent_dev;
static struct mdev_parent vic_mdev_parent;

struct mdev_type vic_mdev_type_default = {
	.sysfs_name = "default",
	.pretty_name = "vic reference device",
};

static struct mdev_type *vic_mdev_types[] = {
	&vic_mdev_type_default,
};

static const struct vic_msix_layout vic_mdev_msix_layout = {
	.table_bar = 0,
	.table_offset = VIC_MDEV_MSIX_TABLE_OFFSET,
	.pba_bar = 0,
	.pba_offset = VIC_MDEV_MSIX_PBA_OFFSET,
};

/* Back the non-emulated vectors: the parent's MSI-X, or the IMS store. */
static int vic_mdev_attach_backend(struct vic_mdev *vm)
{
	struct vic_mdev_pparent *pp;

	pp = vic_mdev_pparent_of(to_mdev_device(vm->vdev.dev));
	if (pp)
		return vic_msix_attach(vm->ctx, pp->pool);
	vic_mdev_ims_provider_init(vm);
	return vic_ims_attach(vm->ctx, &vm->ims);
}

/* vfio_device_ops.init: called by vfio_alloc_device() */
int vic_mdev_init_dev(struct vfio_device *vdev)
{
	struct vic_mdev *vm = vdev_to_vic_mdev(vdev);
	int ret;

	mutex_init(&vm->lock);
	vm->nvec = vic_mdev_nvec;
	vm->nr_emulated = vic_mdev_nr_emulated;
	atomic_set(&vm->last_error, 0);

	ret = vic_ctx_init(&vm->ctx, dev_name(vdev->dev), vm->nvec,
			   &vic_mdev_msix_layout);
	if (ret)
		goto err_mutex;

	if (vm->nr_emulated) {
		ret = vic_set_emulated(vm->ctx, 0, vm->nr_emulated);
		if (ret)
			goto err_ctx;
	}

	if (vm->nr_emulated < vm->nvec) {
		ret = vic_mdev_attach_backend(vm);
		if (ret)
			goto err_ctx;
	}

	vic_mdev_gen_init(&vm->gen, vm->ctx);
	vic_mdev_regs_init(vm);
	return 0;

err_ctx:
	vic_ctx_release(vm->ctx);
err_mutex:
	mutex_destroy(&vm->lock);
	dev_err(vdev->dev, "cannot create the vector context: %d\n", ret);
	return ret;
}

/* vfio_device_ops.release: the last reference to the vfio_device is gone */
void vic_mdev_release_dev(struct vfio_device *vdev)
{
	struct vic_mdev *vm = vdev_to_vic_mdev(vdev);

	/* close_device stopped it; the timer must be gone before the ctx */
	vic_mdev_gen_stop(&vm->gen);
	vic_ctx_release(vm->ctx);
	WARN_ON(vm->req_trigger);
	mutex_destroy(&vm->lock);
	vic_vfio_free_device(vdev);
}

static int vic_mdev_probe(struct mdev_device *mdev)
{
	struct vic_mdev *vm;
	int ret;

	vm = vfio_alloc_device(vic_mdev, vdev, &mdev->dev, &vic_mdev_dev_ops);
	if (IS_ERR(vm))
		return PTR_ERR(vm);

	ret = vfio_register_emulated_iommu_dev(&vm->vdev);
	if (ret)
		goto err_put;

	dev_set_drvdata(&mdev->dev, vm);
	return 0;

err_put:
	vfio_put_device(&vm->vdev);
	return ret;
}

static void vic_mdev_remove(struct mdev_device *mdev)
{
	struct vic_mdev *vm = dev_get_drvdata(&mdev->dev);

	/* Waits for the user to close the device, calling ->request. */
	vfio_unregister_group_dev(&vm->vdev);
	vfio_put_device(&vm->vdev);
}

struct mdev_driver vic_mdev_driver = {
	.device_api = VFIO_DEVICE_API_PCI_STRING,
	.max_instances = VIC_MDEV_MAX_INSTANCES,
	.driver = {
		.name = VIC_MDEV_NAME,
		.owner = THIS_MODULE,
		.mod_name = KBUILD_MODNAME,
	},
	.probe = vic_mdev_probe,
	.remove = vic_mdev_remove,
};

static void vic_mdev_parent_release(struct device *dev)
{
	kfree(dev);
}

static int __init vic_mdev_check_params(void)
{
	if (vic_mdev_nvec < 1 || vic_mdev_nvec > VIC_MDEV_MAX_NVEC) {
		pr_err("invalid nvec=%u: must be 1..%u\n", vic_mdev_nvec,
		       VIC_MDEV_MAX_NVEC);
		return -EINVAL;
	}
	if (vic_mdev_nr_emulated > vic_mdev_nvec) {
		pr_err("invalid nr_emulated=%u: must be 0..nvec (%u)\n",
		       vic_mdev_nr_emulated, vic_mdev_nvec);
		return -EINVAL;
	}
	if (vic_mdev_ims_slots < 1 ||
	    vic_mdev_ims_slots > VIC_MDEV_MAX_IMS_SLOTS) {
		pr_err("invalid ims_slots=%u: must be 1..%u\n",
		       vic_mdev_ims_slots, VIC_MDEV_MAX_IMS_SLOTS);
		return -EINVAL;
	}
	return 0;
}

static int __init vic_mdev_init(void)
{
	struct device *dev;
	int ret;

	ret = vic_mdev_check_params();
	if (ret)
		return ret;

	ret = vic_mdev_ims_store_init(vic_mdev_ims_slots);
	if (ret)
		return ret;

	ret = class_register(&vic_mdev_class);
	if (ret)
		goto err_store;

	ret = mdev_register_driver(&vic_mdev_driver);
	if (ret)
		goto err_class;

	dev = kzalloc(sizeof(*dev), GFP_KERNEL);
	if (!dev) {
		ret = -ENOMEM;
		goto err_driver;
	}
	device_initialize(dev);
	dev->class = &vic_mdev_class;
	dev->release = vic_mdev_parent_release;
	ret = dev_set_name(dev, "%s", VIC_MDEV_NAME);
	if (ret)
		goto err_put_dev;
	ret = device_add(dev);
	if (ret)
		goto err_put_dev;
	vic_mdev_parent_dev = dev;

	ret = mdev_register_parent(&vic_mdev_parent, dev, &vic_mdev_driver,
				   vic_mdev_types,
				   ARRAY_SIZE(vic_mdev_types));
	if (ret)
		goto err_del_dev;

	ret = vic_mdev_pci_init();
	if (ret)
		goto err_parent;

	pr_info("nvec=%u nr_emulated=%u ims_slots=%u\n", vic_mdev_nvec,
		vic_mdev_nr_emulated, vic_mdev_ims_slots);
	return 0;

err_parent:
	mdev_unregister_parent(&vic_mdev_parent);
err_del_dev:
	device_del(dev);
	vic_mdev_parent_dev = NULL;
err_put_dev:
	put_device(dev);
err_driver:
	mdev_unregister_driver(&vic_mdev_driver);
err_class:
	class_unregister(&vic_mdev_class);
err_store:
	vic_mdev_ims_store_exit();
	pr_err("cannot register the mdev parent: %d\n", ret);
	return ret;
}

static void __exit vic_mdev_exit(void)
{
	/* Removes the remaining instances (none can be open: module ref). */
	vic_mdev_pci_exit();
	mdev_unregister_parent(&vic_mdev_parent);
	device_unregister(vic_mdev_parent_dev);
	mdev_unregister_driver(&vic_mdev_driver);
	class_unregister(&vic_mdev_class);
	vic_mdev_ims_store_exit();
}

module_init(vic_mdev_init);
module_exit(vic_mdev_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("vic_mdev: reference VFIO mdev device of the vic core");
MODULE_SOFTDEP("pre: vfio_iommu_type1");
