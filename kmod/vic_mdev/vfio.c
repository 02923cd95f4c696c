// SPDX-License-Identifier: GPL-2.0-only
/*
 * vic_mdev: the VFIO device (vfio-pci uAPI on an emulated-IOMMU mdev).
 */
#include <linux/eventfd.h>
#include <linux/mdev.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/vfio.h>

#include <vic_compat.h>
#include "vic_mdev.h"

static int vic_mdev_open_device(struct vfio_device *vdev)
{
	struct vic_mdev *vm = vdev_to_vic_mdev(vdev);

	/* Every open starts from a freshly reset function, as vfio-pci. */
	mutex_lock(&vm->lock);
	vic_mdev_gen_stop(&vm->gen);
	vic_reset(vm->ctx);
	vic_mdev_regs_power_on(vm);
	vic_mdev_regs_reset(vm);
	mutex_unlock(&vm->lock);
	return 0;
}

static void vic_mdev_close_device(struct vfio_device *vdev)
{
	struct vic_mdev *vm = vdev_to_vic_mdev(vdev);

	mutex_lock(&vm->lock);
	vic_mdev_gen_stop(&vm->gen);
	/* Drop every trigger; -EINVAL only says MSI-X was not enabled. */
	vic_set_irqs(vm->ctx, VFIO_IRQ_SET_DATA_NONE | VFIO_IRQ_SET_ACTION_TRIGGER,
		     0, 0, NULL);
	if (vm->req_trigger) {
		eventfd_ctx_put(vm->req_trigger);
		vm->req_trigger = NULL;
	}
	mutex_unlock(&vm->lock);
}

static long vic_mdev_get_info(struct vic_mdev *vm, void __user *arg)
{
	unsigned long minsz = offsetofend(struct vfio_device_info, num_irqs);
	struct vfio_device_info info;

	if (copy_from_user(&info, arg, minsz))
		return -EFAULT;
	if (info.argsz < minsz)
		return -EINVAL;

	info.flags = VFIO_DEVICE_FLAGS_PCI | VFIO_DEVICE_FLAGS_RESET;
	info.num_regions = VFIO_PCI_NUM_REGIONS;
	info.num_irqs = VFIO_PCI_NUM_IRQS;

	return copy_to_user(arg, &info, minsz) ? -EFAULT : 0;
}

static long vic_mdev_get_region_info(struct vic_mdev *vm, void __user *arg)
{
	unsigned long minsz = offsetofend(struct vfio_region_info, offset);
	struct vfio_region_info info;

	if (copy_from_user(&info, arg, minsz))
		return -EFAULT;
	if (info.argsz < minsz || info.index >= VFIO_PCI_NUM_REGIONS)
		return -EINVAL;

	info.offset = VIC_MDEV_INDEX_TO_OFFSET(info.index);
	info.cap_offset = 0;
	switch (info.index) {
	case VFIO_PCI_CONFIG_REGION_INDEX:
		info.size = PCI_CFG_SPACE_SIZE;
		info.flags = VFIO_REGION_INFO_FLAG_READ |
			     VFIO_REGION_INFO_FLAG_WRITE;
		break;
	case VFIO_PCI_BAR0_REGION_INDEX:
		info.size = VIC_MDEV_BAR0_SIZE;
		info.flags = VFIO_REGION_INFO_FLAG_READ |
			     VFIO_REGION_INFO_FLAG_WRITE;
		break;
	default:
		info.size = 0;
		info.flags = 0;
		break;
	}

	return copy_to_user(arg, &info, minsz) ? -EFAULT : 0;
}

static long vic_mdev_get_irq_info(struct vic_mdev *vm, void __user *arg)
{
	unsigned long minsz = offsetofend(struct vfio_irq_info, count);
	struct vfio_irq_info info;

	if (copy_from_user(&info, arg, minsz))
		return -EFAULT;
	if (info.argsz < minsz || info.index >= VFIO_PCI_NUM_IRQS)
		return -EINVAL;
	/* A conventional PCI function has no error IRQ, as in vfio-pci. */
	if (info.index == VFIO_PCI_ERR_IRQ_INDEX)
		return -EINVAL;

	/* Flags as vfio-pci reports them; only MSI-X and REQ have vectors. */
	info.flags = VFIO_IRQ_INFO_EVENTFD;
	if (info.index == VFIO_PCI_INTX_IRQ_INDEX)
		info.flags |= VFIO_IRQ_INFO_MASKABLE | VFIO_IRQ_INFO_AUTOMASKED;
	else
		info.flags |= VFIO_IRQ_INFO_NORESIZE;

	switch (info.index) {
	case VFIO_PCI_MSIX_IRQ_INDEX:
		info.count = vm->nvec;
		break;
	case VFIO_PCI_REQ_IRQ_INDEX:
		info.count = 1;
		break;
	default:
		info.count = 0;
		break;
	}

	return copy_to_user(arg, &info, minsz) ? -EFAULT : 0;
}

/* VFIO_PCI_REQ_IRQ_INDEX, as vfio-pci's request trigger. */
static int vic_mdev_set_req(struct vic_mdev *vm, struct vfio_irq_set *hdr,
			    void __user *data)
{
	struct eventfd_ctx *trigger;
	size_t size;
	s32 fd;
	u8 b;
	int ret;

	ret = vfio_set_irqs_validate_and_prepare(hdr, 1, VFIO_PCI_NUM_IRQS,
						 &size);
	if (ret)
		return ret;
	if ((hdr->flags & VFIO_IRQ_SET_ACTION_TYPE_MASK) !=
	    VFIO_IRQ_SET_ACTION_TRIGGER)
		return -EINVAL;

	mutex_lock(&vm->lock);
	switch (hdr->flags & VFIO_IRQ_SET_DATA_TYPE_MASK) {
	case VFIO_IRQ_SET_DATA_NONE:
		ret = -EINVAL;
		if (!vm->req_trigger)
			break;
		if (hdr->count) {
			vic_eventfd_signal(vm->req_trigger);
		} else {
			eventfd_ctx_put(vm->req_trigger);
			vm->req_trigger = NULL;
		}
		ret = 0;
		break;
	case VFIO_IRQ_SET_DATA_BOOL:
		ret = -EINVAL;
		if (!hdr->count)
			break;
		ret = -EFAULT;
		if (copy_from_user(&b, data, sizeof(b)))
			break;
		if (b && vm->req_trigger)
			vic_eventfd_signal(vm->req_trigger);
		ret = 0;
		break;
	case VFIO_IRQ_SET_DATA_EVENTFD:
		ret = -EINVAL;
		if (!hdr->count)
			break;
		ret = -EFAULT;
		if (copy_from_user(&fd, data, sizeof(fd)))
			break;
		ret = -EINVAL;
		if (fd < -1)
			break;
		trigger = NULL;
		if (fd >= 0) {
			trigger = eventfd_ctx_fdget(fd);
			if (IS_ERR(trigger)) {
				ret = PTR_ERR(trigger);
				break;
			}
		}
		if (vm->req_trigger)
			eventfd_ctx_put(vm->req_trigger);
		vm->req_trigger = trigger;
		ret = 0;
		break;
	default:
		ret = -EINVAL;
		break;
	}
	mutex_unlock(&vm->lock);
	return ret;
}

static long vic_mdev_set_irqs(struct vic_mdev *vm, unsigned long arg)
{
	unsigned long minsz = offsetofend(struct vfio_irq_set, count);
	void __user *uarg = (void __user *)arg;
	struct vfio_irq_set hdr;

	if (copy_from_user(&hdr, uarg, minsz))
		return -EFAULT;

	switch (hdr.index) {
	case VFIO_PCI_MSIX_IRQ_INDEX:
		/* The core validates the header and the data. */
		return vic_set_irqs_ioctl(vm->ctx, &hdr, uarg + minsz);
	case VFIO_PCI_REQ_IRQ_INDEX:
		return vic_mdev_set_req(vm, &hdr, uarg + minsz);
	default:
		return -EINVAL;
	}
}

static long vic_mdev_reset(struct vic_mdev *vm)
{
	mutex_lock(&vm->lock);
	vic_mdev_gen_stop(&vm->gen);
	vic_reset(vm->ctx);
	vic_mdev_regs_reset(vm);
	mutex_unlock(&vm->lock);
	return 0;
}

static long vic_mdev_ioctl(struct vfio_device *vdev, unsigned int cmd,
			   unsigned long arg)
{
	struct vic_mdev *vm = vdev_to_vic_mdev(vdev);

	switch (cmd) {
	case VFIO_DEVICE_GET_INFO:
		return vic_mdev_get_info(vm, (void __user *)arg);
	case VFIO_DEVICE_GET_REGION_INFO:
		return vic_mdev_get_region_info(vm, (void __user *)arg);
	case VFIO_DEVICE_GET_IRQ_INFO:
		return vic_mdev_get_irq_info(vm, (void __user *)arg);
	case VFIO_DEVICE_SET_IRQS:
		return vic_mdev_set_irqs(vm, arg);
	case VFIO_DEVICE_RESET:
		return vic_mdev_reset(vm);
	default:
		return -ENOTTY;
	}
}

static ssize_t vic_mdev_rw(struct vic_mdev *vm, char __user *buf,
			   size_t count, loff_t *ppos, bool write)
{
	unsigned int index = *ppos >> VIC_MDEV_OFFSET_SHIFT;
	loff_t off = *ppos & VIC_MDEV_OFFSET_MASK;
	ssize_t ret;

	switch (index) {
	case VFIO_PCI_CONFIG_REGION_INDEX:
		ret = vic_mdev_config_rw(vm, buf, count, off, write);
		break;
	case VFIO_PCI_BAR0_REGION_INDEX:
		ret = vic_mdev_bar0_rw(vm, buf, count, off, write);
		break;
	default:
		ret = -EINVAL;
		break;
	}
	if (ret > 0)
		*ppos += ret;
	return ret;
}

static ssize_t vic_mdev_read(struct vfio_device *vdev, char __user *buf,
			     size_t count, loff_t *ppos)
{
	return vic_mdev_rw(vdev_to_vic_mdev(vdev), buf, count, ppos, false);
}

static ssize_t vic_mdev_write(struct vfio_device *vdev, const char __user *buf,
			      size_t count, loff_t *ppos)
{
	return vic_mdev_rw(vdev_to_vic_mdev(vdev), (char __user *)buf, count,
			   ppos, true);
}

/* Removal of an open device: relay the request to the user, as vfio-pci. */
static void vic_mdev_request(struct vfio_device *vdev, unsigned int count)
{
	struct vic_mdev *vm = vdev_to_vic_mdev(vdev);

	mutex_lock(&vm->lock);
	if (vm->req_trigger) {
		if (!(count % 10))
			dev_info_ratelimited(vdev->dev,
					     "Relaying device request to user (#%u)\n",
					     count);
		vic_eventfd_signal(vm->req_trigger);
	} else if (count == 0) {
		dev_warn(vdev->dev,
			 "No device request channel registered, blocked until released by user\n");
	}
	mutex_unlock(&vm->lock);
}

const struct vfio_device_ops vic_mdev_dev_ops = {
	.name = "vic-mdev",
	.init = vic_mdev_init_dev,
	.release = vic_mdev_release_dev,
	.open_device = vic_mdev_open_device,
	.close_device = vic_mdev_close_device,
	.read = vic_mdev_read,
	.write = vic_mdev_write,
	.ioctl = vic_mdev_ioctl,
	.request = vic_mdev_request,
	VIC_VFIO_IOMMUFD_EMULATED_OPS
};
