// SPDX-License-Identifier: GPL-2.0-only
/*
 * vic_msix: the pool of a parent function's MSI-X vectors.
 *
 * The pool enables MSI-X on the parent and hands its vectors out one at a
 * time. Where the kernel and the parent's MSI domain can allocate MSI-X
 * vectors after MSI-X is enabled (pci_msix_alloc_irq_at(), Linux 6.2 and
 * later), only index 0 is allocated up front and the others when they are
 * taken; elsewhere (Linux 6.1) every vector is allocated with the pool.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/bitmap.h>
#include <linux/export.h>
#include <linux/slab.h>

#include <vic_compat.h>
#include "vic_msix_pool.h"

/**
 * vic_msix_pool_create() - enable MSI-X on a parent and pool its vectors
 * @pdev: the parent function, enabled (pci_enable_device()) by its driver,
 *	which owns it; MSI-X must not be enabled yet
 * @max_vectors: at most this many vectors (0: all the function has)
 * @ops: optional operations of the parent (copied)
 * @priv: passed back to @ops
 *
 * The parent's driver must also set bus mastering: without it the
 * function sends no MSI-X message.
 *
 * Context: process; may sleep.
 * Return: the pool, or ERR_PTR(-ENODEV) if the function has no MSI-X
 * capability, -ENOMEM, or the errno of the MSI-X allocation.
 */
struct vic_msix_pool *vic_msix_pool_create(struct pci_dev *pdev,
					   unsigned int max_vectors,
					   const struct vic_msix_pool_ops *ops,
					   void *priv)
{
	struct vic_msix_pool *pool;
	unsigned int want;
	int nvec, ret;

	nvec = pci_msix_vec_count(pdev);
	if (nvec <= 0)
		return ERR_PTR(-ENODEV);
	if (max_vectors && max_vectors < nvec)
		nvec = max_vectors;

	pool = kzalloc(sizeof(*pool), GFP_KERNEL);
	if (!pool)
		return ERR_PTR(-ENOMEM);
	pool->used = bitmap_zalloc(nvec, GFP_KERNEL);
	if (!pool->used) {
		ret = -ENOMEM;
		goto err_pool;
	}
	mutex_init(&pool->lock);
	pool->pdev = pdev;
	pool->size = nvec;
	pool->priv = priv;
	if (ops)
		pool->ops = *ops;

	pool->dynamic = vic_msix_can_alloc_dyn(pdev);
	want = pool->dynamic ? 1 : nvec;
	ret = pci_alloc_irq_vectors(pdev, want, want, PCI_IRQ_MSIX);
	if (ret < 0)
		goto err_bitmap;

	pci_info(pdev, "vic_msix: pool of %u MSI-X vectors (%s allocation)\n",
		 pool->size, pool->dynamic ? "dynamic" : "static");
	return pool;

err_bitmap:
	mutex_destroy(&pool->lock);
	bitmap_free(pool->used);
err_pool:
	kfree(pool);
	return ERR_PTR(ret);
}
EXPORT_SYMBOL_GPL(vic_msix_pool_create);

/**
 * vic_msix_pool_destroy() - disable MSI-X on the parent, free the pool
 * @pool: the pool
 *
 * Every vic device attached to @pool must have been released before
 * (vic_ctx_release()): the parent's driver removes its devices first, as
 * mdev_unregister_parent() does. A pool still in use is left as it is,
 * with a warning, rather than freed under its users.
 *
 * Context: process; may sleep.
 */
void vic_msix_pool_destroy(struct vic_msix_pool *pool)
{
	if (!pool)
		return;
	mutex_lock(&pool->lock);
	if (WARN(pool->attached || pool->in_use,
		 "vic_msix: pool of %s destroyed with %u devices, %u vectors in use\n",
		 pci_name(pool->pdev), pool->attached, pool->in_use)) {
		mutex_unlock(&pool->lock);
		return;
	}
	mutex_unlock(&pool->lock);
	pci_free_irq_vectors(pool->pdev);
	mutex_destroy(&pool->lock);
	bitmap_free(pool->used);
	kfree(pool);
}
EXPORT_SYMBOL_GPL(vic_msix_pool_destroy);

/**
 * vic_msix_pool_size() - the number of MSI-X vectors of a pool
 * @pool: the pool
 *
 * Context: any.
 * Return: the vectors of the pool, in use or not.
 */
unsigned int vic_msix_pool_size(const struct vic_msix_pool *pool)
{
	return pool->size;
}
EXPORT_SYMBOL_GPL(vic_msix_pool_size);

/* Count an attached vic context; the backend's release drops it. */
void vic_msix_pool_get(struct vic_msix_pool *pool)
{
	mutex_lock(&pool->lock);
	pool->attached++;
	mutex_unlock(&pool->lock);
}

void vic_msix_pool_put(struct vic_msix_pool *pool)
{
	mutex_lock(&pool->lock);
	WARN_ON(!pool->attached);
	pool->attached--;
	mutex_unlock(&pool->lock);
}

/*
 * Take a free vector: its index in *@index, its Linux IRQ as the return
 * value, or -ENOSPC when every vector is in use (or the errno of a
 * dynamic allocation).
 */
int vic_msix_pool_take(struct vic_msix_pool *pool, unsigned int *index)
{
	unsigned int i;
	int virq;

	mutex_lock(&pool->lock);
	i = find_first_zero_bit(pool->used, pool->size);
	if (i >= pool->size) {
		virq = -ENOSPC;
		goto out;
	}
	if (pool->dynamic && i)
		virq = vic_msix_alloc_irq_at(pool->pdev, i);
	else
		virq = pci_irq_vector(pool->pdev, i);
	if (virq <= 0) {
		virq = virq ? virq : -EIO;
		goto out;
	}
	__set_bit(i, pool->used);
	pool->in_use++;
	*index = i;
out:
	mutex_unlock(&pool->lock);
	return virq;
}

/* Give back the vector @index (Linux IRQ @virq), its handler freed. */
void vic_msix_pool_give(struct vic_msix_pool *pool, unsigned int index,
			int virq)
{
	mutex_lock(&pool->lock);
	if (!WARN_ON(index >= pool->size || !test_bit(index, pool->used))) {
		if (pool->dynamic && index)
			vic_msix_free_irq(pool->pdev, index, virq);
		__clear_bit(index, pool->used);
		pool->in_use--;
	}
	mutex_unlock(&pool->lock);
}
