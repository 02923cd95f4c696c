// SPDX-License-Identifier: GPL-2.0-only
/*
 * vic_test: a small IMS provider with real Linux IRQs.
 *
 * Each slot is an interrupt descriptor of the module's own, on the dummy
 * irq chip with the simple flow handler, fired through genirq in hard-IRQ
 * context. Slots remember the cookie they were programmed with, so tests
 * can check which cookie an allocation used.
 */
#include <linux/bitmap.h>
#include <linux/interrupt.h>
#include <linux/irq.h>
#include <linux/moduleparam.h>
#include <linux/slab.h>
#include <linux/sysfs.h>

#include "vt.h"

static int vt_ims_alloc(void *priv, u64 cookie, unsigned int *slot)
{
	struct vt_ims *ims = priv;
	unsigned int s;
	int ret;

	mutex_lock(&ims->lock);
	s = find_first_zero_bit(ims->used, ims->nslots);
	if (s >= ims->nslots) {
		ret = -ENOSPC;
		goto out;
	}
	__set_bit(s, ims->used);
	ims->cookies[s] = cookie;
	ims->allocs++;
	*slot = s;
	ret = ims->virq_base + s;
out:
	mutex_unlock(&ims->lock);
	return ret;
}

static void vt_ims_free(void *priv, unsigned int slot, int virq)
{
	struct vt_ims *ims = priv;

	mutex_lock(&ims->lock);
	WARN_ON_ONCE(!__test_and_clear_bit(slot, ims->used));
	ims->frees++;
	mutex_unlock(&ims->lock);
}

/*
 * Fires to lose: each of the next this many fires does nothing, as an
 * interrupt lost in flight (its vector freed before it arrived), so that
 * tests see a raise that no delivery follows.
 */
static atomic_t vt_lose_fires = ATOMIC_INIT(0);

static int vt_lose_fires_set(const char *val, const struct kernel_param *kp)
{
	int n, ret;

	ret = kstrtoint(val, 0, &n);
	if (ret)
		return ret;
	if (n < 0)
		return -EINVAL;
	atomic_set(&vt_lose_fires, n);
	return 0;
}

static int vt_lose_fires_get(char *buf, const struct kernel_param *kp)
{
	return sysfs_emit(buf, "%d\n", atomic_read(&vt_lose_fires));
}

static const struct kernel_param_ops vt_lose_fires_ops = {
	.set = vt_lose_fires_set,
	.get = vt_lose_fires_get,
};

module_param_cb(lose_fires, &vt_lose_fires_ops, NULL, 0644);
MODULE_PARM_DESC(lose_fires,
		 "Lose the next N fires, as interrupts lost in flight (default 0)");

/*
 * handle_simple_irq() drops an interrupt that arrives while its handler
 * runs on another CPU; the slot's fires go one at a time so that tests
 * count every raise, without running the handler under a lock.
 */
static void vt_ims_fire(void *priv, unsigned int slot)
{
	struct vt_ims *ims = priv;

	if (unlikely(atomic_read(&vt_lose_fires)) &&
	    atomic_dec_if_positive(&vt_lose_fires) >= 0)
		return;
	vic_fire_queue_fire(&ims->fire[slot], ims->virq_base + slot);
}

static bool vt_fail_enable;
module_param_named(fail_enable, vt_fail_enable, bool, 0644);
MODULE_PARM_DESC(fail_enable,
		 "Fail the provider's MSI-X enable with -EIO (default off)");

static int vt_ims_enable(void *priv, unsigned int nvec)
{
	struct vt_ims *ims = priv;

	mutex_lock(&ims->lock);
	ims->enables++;
	ims->last_nvec = nvec;
	mutex_unlock(&ims->lock);
	return READ_ONCE(vt_fail_enable) ? -EIO : 0;
}

static void vt_ims_disable(void *priv)
{
	struct vt_ims *ims = priv;

	mutex_lock(&ims->lock);
	ims->disables++;
	mutex_unlock(&ims->lock);
}

const struct vic_ims_provider_ops vt_ims_ops = {
	.alloc = vt_ims_alloc,
	.free = vt_ims_free,
	.fire = vt_ims_fire,
	.enable = vt_ims_enable,
	.disable = vt_ims_disable,
};

struct vt_ims *vt_ims_create(unsigned int nslots)
{
	struct vt_ims *ims;
	unsigned int i;

	ims = kzalloc(sizeof(*ims), GFP_KERNEL);
	if (!ims)
		return ERR_PTR(-ENOMEM);
	ims->nslots = nslots;
	mutex_init(&ims->lock);
	ims->used = bitmap_zalloc(nslots, GFP_KERNEL);
	ims->cookies = kcalloc(nslots, sizeof(*ims->cookies), GFP_KERNEL);
	ims->fire = kcalloc(nslots, sizeof(*ims->fire), GFP_KERNEL);
	if (!ims->used || !ims->cookies || !ims->fire)
		goto err_free;
	for (i = 0; i < nslots; i++)
		vic_fire_queue_init(&ims->fire[i]);
	ims->virq_base = irq_alloc_descs(-1, 1, nslots, NUMA_NO_NODE);
	if (ims->virq_base < 0)
		goto err_free;
	for (i = 0; i < nslots; i++) {
		irq_set_chip_and_handler(ims->virq_base + i, &dummy_irq_chip,
					 handle_simple_irq);
		irq_modify_status(ims->virq_base + i, IRQ_NOREQUEST, 0);
	}
	return ims;

err_free:
	kfree(ims->fire);
	kfree(ims->cookies);
	bitmap_free(ims->used);
	kfree(ims);
	return ERR_PTR(-ENOMEM);
}

void vt_ims_destroy(struct vt_ims *ims)
{
	if (!ims)
		return;
	irq_free_descs(ims->virq_base, ims->nslots);
	kfree(ims->fire);
	kfree(ims->cookies);
	bitmap_free(ims->used);
	mutex_destroy(&ims->lock);
	kfree(ims);
}

int vt_ims_cookie(struct vt_ims *ims, int virq, u64 *cookie)
{
	unsigned int slot = virq - ims->virq_base;
	int ret = 0;

	if (virq < ims->virq_base || slot >= ims->nslots)
		return -EINVAL;
	mutex_lock(&ims->lock);
	if (test_bit(slot, ims->used))
		*cookie = ims->cookies[slot];
	else
		ret = -ENOENT;
	mutex_unlock(&ims->lock);
	return ret;
}
