// SPDX-License-Identifier: GPL-2.0-only
/*
 * vic_mdev: the simulated Interrupt Message Store of the parent.
 *
 * One store of ims_slots slots is shared by all instances. A slot holds the
 * message programmed into it and the vector's cookie (e.g. a PASID). Each
 * allocated slot is a real Linux interrupt of an irq domain of our own
 * (hwirq = slot, handle_simple_irq), which the core request_irq()s; the
 * simulated hardware "sends the message" by handling that interrupt
 * through genirq in hard-IRQ context. Allocation creates the mapping (an
 * irq descriptor) and freeing disposes of it, so both cost what they cost
 * for a hardware-backed vector. /sys/kernel/debug/vic_mdev/ims shows what
 * the store holds, as the hardware would: each allocated slot's Linux
 * IRQ, owner and cookie.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/bitmap.h>
#include <linux/debugfs.h>
#include <linux/delay.h>
#include <linux/irq.h>
#include <linux/irqdomain.h>
#include <linux/msi.h>
#include <linux/mutex.h>
#include <linux/seq_file.h>
#include <linux/slab.h>

#include <vic_fire.h>

#include "vic_mdev.h"

/* The address part of the simulated messages (x86's MSI window). */
#define VIC_MDEV_IMS_MSG_ADDR	0xfee00000U

/**
 * struct vic_mdev_ims_slot - one entry of the message store
 * @msg: the programmed message
 * @cookie: the cookie the slot was programmed with
 * @virq: Linux interrupt of the slot, 0 when free
 * @owner: instance that owns the slot
 * @fire: the slot's messages, one at a time (see vic_fire.h)
 */
struct vic_mdev_ims_slot {
	struct vic_fire_queue fire;
	struct msi_msg msg;
	u64 cookie;
	int virq;
	struct vic_mdev *owner;
};

/**
 * struct vic_mdev_ims_store - the simulated IMS of the parent
 * @lock: protects @used and the publication of a slot (its virq set
 *	once programmed, cleared before it is freed); a slot's other
 *	contents belong to its owner while its bit is set
 * @nslots: number of slots
 * @used: allocated slots
 * @slots: the store
 * @fwnode: the irq domain's name
 * @domain: the irq domain, hwirq = slot
 * @debugfs: the directory vic_mdev/ of debugfs
 */
struct vic_mdev_ims_store {
	struct mutex lock;	/* allocation of slots */
	unsigned int nslots;
	unsigned long *used;
	struct vic_mdev_ims_slot *slots;
	struct fwnode_handle *fwnode;
	struct irq_domain *domain;
	struct dentry *debugfs;
};

static struct vic_mdev_ims_store vic_mdev_ims;

/* The simulated slots have nothing to mask: genirq tracks the state. */
static void vic_mdev_ims_irq_noop(struct irq_data *d)
{
}

static struct irq_chip vic_mdev_ims_chip = {
	.name = "vic-ims",
	.irq_mask = vic_mdev_ims_irq_noop,
	.irq_unmask = vic_mdev_ims_irq_noop,
};

static int vic_mdev_ims_domain_map(struct irq_domain *d, unsigned int virq,
				   irq_hw_number_t hwirq)
{
	irq_set_chip_and_handler(virq, &vic_mdev_ims_chip, handle_simple_irq);
	irq_set_chip_data(virq, d->host_data);
	return 0;
}

static const struct irq_domain_ops vic_mdev_ims_domain_ops = {
	.map = vic_mdev_ims_domain_map,
};

static int vic_mdev_ims_alloc(void *priv, u64 cookie, unsigned int *slot)
{
	struct vic_mdev_ims_store *st = &vic_mdev_ims;
	unsigned int delay_us = READ_ONCE(vic_mdev_ims_program_delay_us);
	struct vic_mdev_ims_slot *s;
	unsigned int i;
	int virq;

	mutex_lock(&st->lock);
	i = find_first_zero_bit(st->used, st->nslots);
	if (i < st->nslots)
		__set_bit(i, st->used);
	mutex_unlock(&st->lock);
	if (i >= st->nslots)
		return -ENOSPC;

	virq = irq_create_mapping(st->domain, i);
	if (!virq)
		goto err_slot;

	/* Program the slot: message and cookie; slow hardware takes time. */
	s = &st->slots[i];
	s->msg.address_hi = 0;
	s->msg.address_lo = VIC_MDEV_IMS_MSG_ADDR;
	s->msg.data = i;
	s->cookie = cookie;
	s->owner = priv;
	if (delay_us)
		fsleep(delay_us);
	mutex_lock(&st->lock);
	WRITE_ONCE(s->virq, virq);
	mutex_unlock(&st->lock);
	*slot = i;
	return virq;

err_slot:
	mutex_lock(&st->lock);
	__clear_bit(i, st->used);
	mutex_unlock(&st->lock);
	return -ENOMEM;
}

static void vic_mdev_ims_free(void *priv, unsigned int slot, int virq)
{
	struct vic_mdev_ims_store *st = &vic_mdev_ims;
	struct vic_mdev_ims_slot *s;

	if (WARN_ON(slot >= st->nslots))
		return;
	s = &st->slots[slot];
	if (WARN_ON(!test_bit(slot, st->used) || s->virq != virq ||
		    s->owner != priv))
		return;

	irq_dispose_mapping(virq);
	mutex_lock(&st->lock);
	WRITE_ONCE(s->virq, 0);
	memset(&s->msg, 0, sizeof(s->msg));
	s->cookie = 0;
	s->owner = NULL;
	__clear_bit(slot, st->used);
	mutex_unlock(&st->lock);
}

/*
 * The simulated hardware sends the slot's message: any context.
 *
 * handle_simple_irq() drops an interrupt that arrives while its handler
 * runs on another CPU (as an edge interrupt would coalesce). Messages of
 * one slot go one at a time instead, so that every raise is handled (the
 * device model promises one signal per raise), and the handler does not
 * run under a lock.
 */
static void vic_mdev_ims_fire(void *priv, unsigned int slot)
{
	struct vic_mdev_ims_store *st = &vic_mdev_ims;
	struct vic_mdev_ims_slot *s;
	int virq;

	if (WARN_ON_ONCE(slot >= st->nslots))
		return;
	s = &st->slots[slot];
	virq = READ_ONCE(s->virq);
	if (WARN_ON_ONCE(!virq))
		return;
	vic_fire_queue_fire(&s->fire, virq);
}

static const struct vic_ims_provider_ops vic_mdev_ims_ops = {
	.alloc = vic_mdev_ims_alloc,
	.free = vic_mdev_ims_free,
	.fire = vic_mdev_ims_fire,
};

void vic_mdev_ims_provider_init(struct vic_mdev *vm)
{
	vm->ims.ops = &vic_mdev_ims_ops;
	vm->ims.priv = vm;
}

/* "slot virq dev cookie" of every programmed slot, dev the owner's vic id */
static int vic_mdev_ims_show(struct seq_file *m, void *unused)
{
	struct vic_mdev_ims_store *st = m->private;
	unsigned int i;

	seq_puts(m, "slot virq dev cookie\n");
	mutex_lock(&st->lock);
	for_each_set_bit(i, st->used, st->nslots) {
		struct vic_mdev_ims_slot *s = &st->slots[i];

		if (!s->virq)	/* being programmed */
			continue;
		seq_printf(m, "%u %d %u 0x%llx\n", i, s->virq,
			   vic_ctx_id(s->owner->ctx), s->cookie);
	}
	mutex_unlock(&st->lock);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(vic_mdev_ims);

int vic_mdev_ims_store_init(unsigned int nslots)
{
	struct vic_mdev_ims_store *st = &vic_mdev_ims;
	int ret = -ENOMEM;
	unsigned int i;

	mutex_init(&st->lock);
	st->nslots = nslots;
	st->used = bitmap_zalloc(nslots, GFP_KERNEL);
	if (!st->used)
		goto err;
	st->slots = kcalloc(nslots, sizeof(*st->slots), GFP_KERNEL);
	if (!st->slots)
		goto err_bitmap;
	for (i = 0; i < nslots; i++)
		vic_fire_queue_init(&st->slots[i].fire);

	st->fwnode = irq_domain_alloc_named_fwnode("vic_mdev-ims");
	if (!st->fwnode)
		goto err_slots;
	st->domain = irq_domain_create_linear(st->fwnode, nslots,
					      &vic_mdev_ims_domain_ops, st);
	if (!st->domain)
		goto err_fwnode;
	/* Diagnostics only: the device works without them. */
	st->debugfs = debugfs_create_dir(VIC_MDEV_NAME, NULL);
	debugfs_create_file("ims", 0400, st->debugfs, st, &vic_mdev_ims_fops);
	return 0;

err_fwnode:
	irq_domain_free_fwnode(st->fwnode);
err_slots:
	kfree(st->slots);
err_bitmap:
	bitmap_free(st->used);
err:
	mutex_destroy(&st->lock);
	pr_err("cannot create the IMS store of %u slots: %d\n", nslots, ret);
	return ret;
}

void vic_mdev_ims_store_exit(void)
{
	struct vic_mdev_ims_store *st = &vic_mdev_ims;

	WARN_ON(!bitmap_empty(st->used, st->nslots));
	debugfs_remove(st->debugfs);
	irq_domain_remove(st->domain);
	irq_domain_free_fwnode(st->fwnode);
	kfree(st->slots);
	bitmap_free(st->used);
	mutex_destroy(&st->lock);
}
