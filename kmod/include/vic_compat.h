/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * vic: the one place for kernel APIs that changed after 6.1.
 *
 * - eventfd_signal() lost its count argument in 6.8.
 * - irq_bypass_register_producer() takes the eventfd and the IRQ in 6.17
 *   (the producer's token and irq became the core's business).
 * - vfio_free_device() is gone since 6.2: the vfio core frees the device
 *   itself after the driver's release callback.
 * - Since 6.2, an emulated-IOMMU device must set the iommufd callbacks
 *   (bind, unbind, attach_ioas; detach_ioas since 6.6), else opening it
 *   fails.
 * - Since 6.2, MSI-X vectors can be allocated one by one after MSI-X is
 *   enabled (pci_msix_alloc_irq_at()), where the device's MSI domain
 *   supports it (pci_msix_can_alloc_dyn()).
 *
 * Kbuild probes the target kernel's headers and defines the VIC_* feature
 * macros below, so backports are followed too.
 *
 * The trace events carry scalars only (the tracepoint contract), so the
 * 6.10 change of __assign_str() does not reach this module.
 */
#ifndef _VIC_COMPAT_H
#define _VIC_COMPAT_H

#include <linux/eventfd.h>
#include <linux/irqbypass.h>
#include <linux/pci.h>
#include <linux/vfio.h>

static inline void vic_eventfd_signal(struct eventfd_ctx *eventfd)
{
#ifdef VIC_EVENTFD_SIGNAL_NO_COUNT
	eventfd_signal(eventfd);
#else
	eventfd_signal(eventfd, 1);
#endif
}

static inline int vic_bypass_register(struct irq_bypass_producer *prod,
				      struct eventfd_ctx *eventfd, int irq)
{
#ifdef VIC_IRQ_BYPASS_REGISTER_EVENTFD
	return irq_bypass_register_producer(prod, eventfd, irq);
#else
	prod->token = eventfd;
	prod->irq = irq;
	return irq_bypass_register_producer(prod);
#endif
}

static inline void vic_bypass_unregister(struct irq_bypass_producer *prod)
{
	irq_bypass_unregister_producer(prod);
}

/* The end of a vfio_device_ops.release callback. */
static inline void vic_vfio_free_device(struct vfio_device *vdev)
{
#ifdef VIC_VFIO_FREE_DEVICE
	vfio_free_device(vdev);
#endif
}

/* In a struct vfio_device_ops initializer of an emulated-IOMMU device. */
#ifdef VIC_VFIO_IOMMUFD_DETACH_IOAS
#define VIC_VFIO_IOMMUFD_DETACH_IOAS_OP \
	.detach_ioas = vfio_iommufd_emulated_detach_ioas,
#else
#define VIC_VFIO_IOMMUFD_DETACH_IOAS_OP
#endif
#ifdef VIC_VFIO_IOMMUFD_EMULATED
#define VIC_VFIO_IOMMUFD_EMULATED_OPS                     \
	.bind_iommufd = vfio_iommufd_emulated_bind,       \
	.unbind_iommufd = vfio_iommufd_emulated_unbind,   \
	.attach_ioas = vfio_iommufd_emulated_attach_ioas, \
	VIC_VFIO_IOMMUFD_DETACH_IOAS_OP
#else
#define VIC_VFIO_IOMMUFD_EMULATED_OPS
#endif

static inline bool vic_msix_can_alloc_dyn(struct pci_dev *pdev)
{
#ifdef VIC_PCI_MSIX_ALLOC_DYN
	return pci_msix_can_alloc_dyn(pdev);
#else
	return false;
#endif
}

/* Allocate MSI-X vector @index of @pdev: its Linux IRQ or a negative errno. */
static inline int vic_msix_alloc_irq_at(struct pci_dev *pdev,
					unsigned int index)
{
#ifdef VIC_PCI_MSIX_ALLOC_DYN
	struct msi_map map = pci_msix_alloc_irq_at(pdev, index, NULL);

	return map.index < 0 ? map.index : map.virq;
#else
	return -EOPNOTSUPP;
#endif
}

static inline void vic_msix_free_irq(struct pci_dev *pdev, unsigned int index,
				     int virq)
{
#ifdef VIC_PCI_MSIX_ALLOC_DYN
	struct msi_map map = { .index = index, .virq = virq };

	pci_msix_free_irq(pdev, map);
#endif
}

#endif /* _VIC_COMPAT_H */
