/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * vic_msix: the MSI-X backend of the vic core.
 *
 * Backs the vectors of a vic device with MSI-X vectors of a parent PCI
 * function. The parent's driver enables the function and creates a pool
 * of its MSI-X vectors; each vic device it attaches takes vectors from the
 * pool as their triggers are set and gives them back when they go.
 * docs/backends.md describes the backend.
 */
#ifndef _VIC_MSIX_H
#define _VIC_MSIX_H

#include <linux/pci.h>

#include <vic.h>

struct vic_msix_pool;

/**
 * struct vic_msix_pool_ops - what the parent's driver adds to its pool
 * @fire: optional: make the parent's MSI-X vector @index fire (a test
 *	register of the hardware, a device model). Any context, under RCU;
 *	must not sleep. Without it vic_raise() of a backed vector is
 *	-EOPNOTSUPP, and every interrupt of the parent's vector counts as a
 *	raise the hardware made.
 */
struct vic_msix_pool_ops {
	void (*fire)(void *priv, unsigned int index);
};

struct vic_msix_pool *vic_msix_pool_create(struct pci_dev *pdev,
					   unsigned int max_vectors,
					   const struct vic_msix_pool_ops *ops,
					   void *priv);
void vic_msix_pool_destroy(struct vic_msix_pool *pool);
unsigned int vic_msix_pool_size(const struct vic_msix_pool *pool);

int vic_msix_attach(struct vic_ctx *ctx, struct vic_msix_pool *pool);

#endif /* _VIC_MSIX_H */
