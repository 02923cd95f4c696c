/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef _VIC_TEST_VT_H
#define _VIC_TEST_VT_H

#include <linux/hrtimer.h>
#include <linux/mutex.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <linux/wait.h>

#include <vic.h>
#include <vic_fire.h>

/**
 * struct vt_ims - the test IMS provider
 * @lock: protects the slot bitmap, cookies and counters
 * @fire: each slot's fires, one at a time (see vic_fire.h)
 * @nslots: number of slots
 * @virq_base: Linux IRQ number of slot 0
 * @used: slots in use
 * @cookies: the cookie each slot was programmed with
 * @allocs: slot allocations
 * @frees: slot frees
 */
struct vt_ims {
	struct mutex lock;	/* see above */
	struct vic_fire_queue *fire;	/* one per slot, see above */
	unsigned int nslots;
	int virq_base;
	unsigned long *used;
	u64 *cookies;
	u64 allocs;
	u64 frees;
	u64 enables;
	u64 disables;
	u32 last_nvec;
};

extern const struct vic_ims_provider_ops vt_ims_ops;

struct vt_ims *vt_ims_create(unsigned int nslots);
void vt_ims_destroy(struct vt_ims *ims);
int vt_ims_cookie(struct vt_ims *ims, int virq, u64 *cookie);

struct vic_test_bench;
int vt_bench(struct vic_ctx *ctx, struct vic_test_bench *b);

#endif /* _VIC_TEST_VT_H */
