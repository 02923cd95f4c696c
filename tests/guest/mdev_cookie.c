// SPDX-License-Identifier: GPL-2.0-only
/*
 * vic_mdev: IMS cookies through COOKIE_SEL/COOKIE. A cookie takes effect
 * at the vector's next interrupt allocation: the slot of the message store
 * is programmed with it (vic_mdev's debugfs "ims", what the hardware
 * holds), and the core's debugfs cookie column shows it; emulated vectors
 * have none.
 */
#include "mdev_common.h"

#define NVEC 8
#define NR_EMULATED 2

static struct vicdev d;
static int dbg;
static int32_t fds[NVEC];

static uint64_t cookie_reg(unsigned int v)
{
	uint64_t c = ~0ull;

	if (vicdev_get_cookie(&d, v, &c))
		mt_bail("reading COOKIE");
	return c;
}

#define IMS_FILE "/sys/kernel/debug/vic_mdev/ims"

/*
 * The cookie that the store's slot behind vector @v was programmed with,
 * or -1 if no slot of the store has the vector's Linux IRQ.
 */
static int64_t slot_cookie(unsigned int v)
{
	int virq = mt_dbg_vec(dbg, v).virq, sv;
	unsigned int slot, dev;
	unsigned long long c;
	int64_t cookie = -1;
	char line[256];
	FILE *f;

	f = fopen(IMS_FILE, "r");
	if (!f)
		mt_bail("opening " IMS_FILE);
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "%u %d %u %llx", &slot, &sv, &dev, &c) == 4 &&
		    sv == virq && (int)dev == dbg && virq > 0)
			cookie = (int64_t)c;
	fclose(f);
	return cookie;
}

int main(void)
{
	const uint64_t big = 0xfedcba9876543210ull;
	char uuid[VICDEV_UUID_LEN];
	struct vic_dbg_vec v;

	mt_load("nvec=8 nr_emulated=2");
	mt_create_open(&d, uuid);
	dbg = mt_dbg_id(uuid);
	if (vicdev_eventfds(fds, NVEC))
		mt_bail("eventfds");

	tap_is(cookie_reg(3), 0, "IMS vector 3: default cookie 0");
	tap_is(vicdev_set_cookie(&d, 3, 0x1234), 0,
	       "COOKIE 0x1234 on vector 3");
	tap_is(mt_last_error(&d), 0, "... accepted");
	tap_is(cookie_reg(3), 0x1234, "COOKIE reads it back");
	tap_is(cookie_reg(4), 0, "vector 4 keeps the default");
	v = mt_dbg_vec(dbg, 3);
	tap_is(v.cookie, -1, "debugfs: no cookie before allocation");

	tap_is(vicdev_msix_set(&d, 0, NVEC, fds), 0, "enable all vectors");
	v = mt_dbg_vec(dbg, 3);
	tap_is(v.cookie, 0x1234, "debugfs: vector 3 allocated with 0x1234");
	tap_ok(v.virq > 0, "... and has a virq");
	tap_is(mt_dbg_vec(dbg, 4).cookie, 0, "debugfs: vector 4 with 0");
	tap_is(slot_cookie(3), 0x1234,
	       "IMS store: vector 3's slot holds 0x1234");
	tap_is(slot_cookie(4), 0, "IMS store: vector 4's slot holds 0");
	tap_is(mt_dbg_vec(dbg, 1).cookie, -1, "debugfs: emulated vector: '-'");

	vicdev_set_cookie(&d, 3, 0xabcd);
	tap_is(cookie_reg(3), 0xabcd, "COOKIE 0xabcd while allocated");
	tap_is(mt_dbg_vec(dbg, 3).cookie, 0x1234,
	       "debugfs: the live interrupt keeps 0x1234");
	tap_is(slot_cookie(3), 0x1234, "IMS store: the slot keeps 0x1234");
	vicdev_doorbell(&d, 3);
	tap_is(mt_take(fds[3]), 1, "vector 3 still delivers");

	tap_is(vicdev_msix_unset(&d, 3, 1), 0, "unset vector 3");
	tap_is(mt_dbg_vec(dbg, 3).cookie, -1, "debugfs: cookie '-' once freed");
	tap_is(vicdev_msix_set(&d, 3, 1, &fds[3]), 0, "set vector 3 again");
	tap_is(mt_dbg_vec(dbg, 3).cookie, 0xabcd,
	       "debugfs: reallocated with 0xabcd");
	tap_is(slot_cookie(3), 0xabcd, "IMS store: its new slot holds 0xabcd");

	vicdev_set_cookie(&d, 5, big);
	tap_is(cookie_reg(5), big, "a full 64-bit cookie reads back");
	tap_is(vicdev_msix_disable(&d), 0, "disable MSI-X");
	tap_is(mt_dbg_vec(dbg, 5).cookie, -1, "debugfs: '-' while disabled");
	tap_is(vicdev_msix_set(&d, 0, NVEC, fds), 0, "re-enable");
	tap_is(mt_dbg_vec(dbg, 5).cookie, (int64_t)big,
	       "debugfs: vector 5 allocated with the 64-bit cookie");
	tap_ok(slot_cookie(5) == (int64_t)big,
	       "IMS store: vector 5's slot holds the 64-bit cookie");
	tap_is(mt_dbg_vec(dbg, 3).cookie, 0xabcd,
	       "debugfs: vector 3 still 0xabcd");

	/* emulated vectors have no cookie */
	vicdev_set_cookie(&d, 1, 0x99);
	tap_is(mt_last_error(&d), -EINVAL,
	       "COOKIE on emulated vector 1: -EINVAL");
	tap_is(cookie_reg(1), 0, "COOKIE of emulated vector 1 reads 0");
	tap_is(mt_last_error(&d), -EINVAL, "... with LAST_ERROR -EINVAL");
	tap_is(mt_dbg_vec(dbg, 1).cookie, -1, "debugfs: emulated still '-'");

	/* RESET restores the default cookie */
	tap_is(vicdev_reset(&d), 0, "RESET");
	tap_is(cookie_reg(3), 0, "RESET: vector 3 cookie back to 0");
	tap_is(cookie_reg(5), 0, "RESET: vector 5 cookie back to 0");
	tap_is(vicdev_msix_set(&d, 0, NVEC, fds), 0, "enable after RESET");
	tap_is(mt_dbg_vec(dbg, 3).cookie, 0,
	       "debugfs: vector 3 allocated with 0");
	tap_is(slot_cookie(3), 0, "IMS store: vector 3's slot holds 0");

	/* a new open starts from defaults too */
	vicdev_set_cookie(&d, 6, 0x66);
	vicdev_close_device(&d);
	tap_is(vicdev_open_device(&d), 0, "reopen the device");
	tap_is(cookie_reg(6), 0, "reopen: cookie back to the default");
	tap_is(mt_dbg_vec(dbg, 6).trigger, 0, "reopen: no trigger left");

	mt_close_remove(&d);
	vicdev_close_fds(fds, NVEC);
	mt_unload();
	return tap_done();
}
