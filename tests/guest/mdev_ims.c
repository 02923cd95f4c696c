// SPDX-License-Identifier: GPL-2.0-only
/*
 * vic_mdev: the simulated IMS store shared by all instances. Exhaustion
 * fails SET_IRQS with -ENOSPC and unwinds; freed slots are reused across
 * instances; delivery goes through real Linux IRQs; ims_program_delay_us
 * slows allocation down.
 */
#include "mdev_common.h"

#define NVEC 16
#define NR_EMULATED 1
#define SLOTS 8

static int none_set(int dbg, const char *what)
{
	struct vic_dbg_vec vecs[NVEC];
	int n, v, good = 1;

	n = mt_dbg_all(dbg, vecs, NVEC);
	for (v = 0; v < n; v++) {
		if (vecs[v].trigger || vecs[v].virq != -1) {
			tap_diag("vector %d: trigger %d virq %d", v,
				 vecs[v].trigger, vecs[v].virq);
			good = 0;
		}
	}
	return tap_ok(n == NVEC && good, "%s: no vector left set", what);
}

static int write_param(const char *name, const char *val)
{
	char path[256];

	snprintf(path, sizeof(path), "/sys/module/vic_mdev/parameters/%s",
		 name);
	return tap_write_file(path, val);
}

int main(void)
{
	char ua[VICDEV_UUID_LEN], ub[VICDEV_UUID_LEN];
	int32_t fa[NVEC], fb[NVEC];
	struct vicdev a, b;
	struct vic_dbg_vec v;
	uint64_t t0, fast, slow;
	long long irqs;
	int da, db;

	mt_load("nvec=16 nr_emulated=1 ims_slots=8");
	mt_create_open(&a, ua);
	mt_create_open(&b, ub);
	da = mt_dbg_id(ua);
	db = mt_dbg_id(ub);
	if (vicdev_eventfds(fa, NVEC) || vicdev_eventfds(fb, NVEC))
		mt_bail("eventfds");

	/* 15 IMS vectors need 15 slots of 8: all or nothing */
	tap_errno(vicdev_msix_set(&a, 0, NVEC, fa), ENOSPC,
		  "A: 15 IMS vectors, 8 slots: ENOSPC");
	none_set(da, "A after ENOSPC");
	tap_is(mt_proc_irq_lines("vic-ims"), 0,
	       "A after ENOSPC: every slot freed again");
	vicdev_doorbell(&a, 0);
	tap_is(mt_take(fa[0]), 0,
	       "A after ENOSPC: emulated vector 0 unset too");

	tap_is(vicdev_msix_set(&a, 1, SLOTS, &fa[1]), 0,
	       "A: 8 IMS vectors take all 8 slots");
	tap_is(mt_proc_irq_lines("vic-ims"), SLOTS, "8 vic-ims Linux IRQs");
	tap_errno(vicdev_msix_set(&a, SLOTS + 1, 1, &fa[SLOTS + 1]), ENOSPC,
		  "A: a 9th IMS vector: ENOSPC");
	v = mt_dbg_vec(da, SLOTS + 1);
	tap_ok(!v.trigger && v.virq == -1, "... vector %d not set", SLOTS + 1);
	tap_ok(mt_dbg_vec(da, SLOTS).trigger, "... vector %d still set", SLOTS);
	tap_is(vicdev_msix_set(&a, 0, 1, fa), 0,
	       "A: the emulated vector needs no slot");

	tap_errno(vicdev_msix_set(&b, 1, 1, &fb[1]), ENOSPC,
		  "B: the store is shared: ENOSPC");
	none_set(db, "B after ENOSPC");
	tap_is(vicdev_msix_unset(&a, 3, 1), 0, "A: unset vector 3");
	tap_is(vicdev_msix_set(&b, 1, 1, &fb[1]), 0, "B: gets the freed slot");

	/* delivery through the slot's real Linux IRQ */
	v = mt_dbg_vec(db, 1);
	irqs = mt_proc_irq_count(v.virq);
	tap_ok(irqs >= 0, "B vector 1: virq %d in /proc/interrupts", v.virq);
	vicdev_doorbell(&b, 1);
	vicdev_doorbell(&b, 1);
	vicdev_doorbell(&b, 1);
	tap_is(mt_take(fb[1]), 3, "B vector 1: 3 doorbells, 3 signals");
	tap_is(mt_proc_irq_count(v.virq) - irqs, 3,
	       "B vector 1: its Linux IRQ handled 3 times");
	vicdev_doorbell(&a, 2);
	tap_is(mt_take(fa[2]), 1, "A vector 2 still delivers");
	tap_is(mt_take(fa[1]), 0, "A vector 1 untouched");

	/* closing A frees its 7 slots */
	vicdev_close_device(&a);
	tap_is(mt_proc_irq_lines("vic-ims"), 1, "A closed: only B's slot left");
	tap_is(vicdev_msix_set(&b, 1, SLOTS, &fb[1]), 0,
	       "B: now 8 IMS vectors fit");
	tap_is(vicdev_msix_disable(&b), 0, "B: disable");
	tap_is(mt_proc_irq_lines("vic-ims"), 0, "B disabled: store empty");

	/* ims_program_delay_us: slow slot programming */
	t0 = vicdev_now_ns();
	vicdev_msix_set(&b, 1, 4, &fb[1]);
	fast = vicdev_now_ns() - t0;
	vicdev_msix_disable(&b);
	tap_is(write_param("ims_program_delay_us", "5000"), 0,
	       "ims_program_delay_us = 5000");
	t0 = vicdev_now_ns();
	tap_is(vicdev_msix_set(&b, 1, 4, &fb[1]), 0, "B: 4 slow allocations");
	slow = vicdev_now_ns() - t0;
	tap_ok(slow >= 20000000, "... took %" PRIu64 " us >= 4 x 5000 us",
	       slow / 1000);
	tap_diag("4 IMS allocations: %" PRIu64 " us, with 5 ms delay %" PRIu64
		 " us",
		 fast / 1000, slow / 1000);
	write_param("ims_program_delay_us", "0");
	tap_is(write_param("ims_program_delay_us", "1000001"), -EINVAL,
	       "ims_program_delay_us 1000001: -EINVAL");
	vicdev_doorbell(&b, 4);
	tap_is(mt_take(fb[4]), 1, "slowly allocated vector delivers");

	vicdev_close(&a);
	vicdev_remove(ua);
	mt_close_remove(&b);
	vicdev_close_fds(fa, NVEC);
	vicdev_close_fds(fb, NVEC);
	tap_is(mt_proc_irq_lines("vic-ims"), 0, "nothing left");
	mt_unload();
	return tap_done();
}
