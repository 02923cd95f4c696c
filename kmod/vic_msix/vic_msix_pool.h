/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * vic_msix: the pool of a parent's MSI-X vectors, as the backend sees it.
 */
#ifndef _VIC_MSIX_POOL_H
#define _VIC_MSIX_POOL_H

#include <linux/mutex.h>
#include <linux/pci.h>

#include <vic_msix.h>

/**
 * struct vic_msix_pool - the MSI-X vectors of one parent PCI function
 * @pdev: the parent function (MSI-X enabled by the pool)
 * @ops: the parent driver's operations (copied)
 * @priv: passed back to @ops
 * @lock: guards @used, @in_use and @attached
 * @used: bitmap of the MSI-X indices given to a vic vector
 * @size: MSI-X vectors of the pool, indices [0, @size)
 * @in_use: bits set in @used
 * @attached: vic contexts attached to the pool
 * @dynamic: indices other than 0 are allocated when taken and freed when
 *	given back (pci_msix_alloc_irq_at()); else all are allocated with
 *	the pool
 */
struct vic_msix_pool {
	struct pci_dev *pdev;
	struct vic_msix_pool_ops ops;
	void *priv;
	struct mutex lock;	/* guards @used, @in_use and @attached */
	unsigned long *used;
	unsigned int size;
	unsigned int in_use;
	unsigned int attached;
	bool dynamic;
};

int vic_msix_pool_take(struct vic_msix_pool *pool, unsigned int *index);
void vic_msix_pool_give(struct vic_msix_pool *pool, unsigned int index,
			int virq);
void vic_msix_pool_get(struct vic_msix_pool *pool);
void vic_msix_pool_put(struct vic_msix_pool *pool);

#endif /* _VIC_MSIX_POOL_H */
