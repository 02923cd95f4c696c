// SPDX-License-Identifier: GPL-2.0-only
/*
 * vic_mdev: module parameters. Invalid values fail the load with -EINVAL
 * and a clear kernel log line; the extremes work (2048 vectors, all
 * emulated, none emulated: CMD then fails with LAST_ERROR -EINVAL).
 */
#include "mdev_common.h"

static void bad(const char *params, const char *line)
{
	tap_errno(vicdev_load(params), EINVAL, "load with '%s': EINVAL",
		  params);
	tap_ok(!vicdev_module_loaded("vic_mdev"), "... not loaded");
	tap_ok(mt_klog_has(line), "... kernel log says '%s'", line);
}

static void test_bad(void)
{
	bad("nvec=0", "vic_mdev: invalid nvec=0");
	bad("nvec=2049", "vic_mdev: invalid nvec=2049");
	bad("nvec=4 nr_emulated=5", "vic_mdev: invalid nr_emulated=5");
	bad("ims_slots=0", "vic_mdev: invalid ims_slots=0");
	bad("ims_program_delay_us=1000001",
	    "`1000001' invalid for parameter `ims_program_delay_us'");
}

static void test_big(void)
{
	char uuid[VICDEV_UUID_LEN];
	struct vic_dbg_vec vecs[MT_MAX_VEC];
	struct vicdev d;
	uint32_t v32;
	uint16_t ctrl;
	int32_t fd;
	bool pend;
	int n, i, good = 1;

	mt_load("nvec=2048 nr_emulated=2048");
	mt_create_open(&d, uuid);
	tap_is(d.nvec, 2048, "2048 vectors: IRQ_INFO count");
	tap_is(mt_read32(&d, VIC_MDEV_REG_NVEC), 2048, "NVEC 2048");
	vicdev_cfg_read16(&d, VICDEV_MSIX_FLAGS, &ctrl);
	tap_is(ctrl & 0x7ff, 2047, "Message Control: table size 2048");
	tap_is(vicdev_read32(&d, VIC_MDEV_MSIX_TABLE_OFFSET + 2047 * 16 + 12,
			     &v32),
	       0, "last table entry readable");
	tap_is(vicdev_pending(&d, 2047, &pend), 0, "last PBA qword readable");
	n = mt_dbg_all(mt_dbg_id(uuid), vecs, MT_MAX_VEC);
	for (i = 0; i < n; i++)
		good &= !strcmp(vecs[i].type, "emul");
	tap_ok(n == 2048 && good, "all 2048 vectors emulated");
	fd = vicdev_eventfd();
	vicdev_msix_set(&d, 2047, 1, &fd);
	vicdev_doorbell(&d, 2047);
	tap_is(mt_take(fd), 1, "vector 2047 delivers");
	vicdev_doorbell(&d, 2048);
	tap_is(mt_last_error(&d), -EINVAL, "DOORBELL 2048: -EINVAL");
	close(fd);
	mt_close_remove(&d);
}

static void test_no_emulated(void)
{
	char uuid[VICDEV_UUID_LEN];
	struct vicdev d;
	int32_t fds[4];

	mt_load("nvec=4 nr_emulated=0");
	mt_create_open(&d, uuid);
	tap_is(mt_read32(&d, VIC_MDEV_REG_NR_EMULATED), 0, "NR_EMULATED 0");
	tap_is(mt_dbg_vec(mt_dbg_id(uuid), 0).type[0], 'i',
	       "vector 0 is an IMS vector");
	vicdev_eventfds(fds, 4);
	tap_is(vicdev_msix_set(&d, 0, 4, fds), 0, "enable 4 IMS vectors");
	tap_is(vicdev_cmd(&d), 0, "CMD without an emulated vector 0");
	tap_is(mt_last_error(&d), -EINVAL, "... LAST_ERROR -EINVAL");
	tap_is(mt_take(fds[0]), 0, "... nothing signalled");
	vicdev_doorbell(&d, 0);
	tap_is(mt_take(fds[0]), 1, "DOORBELL 0 delivers through IMS");
	mt_close_remove(&d);
	vicdev_close_fds(fds, 4);
}

static void test_defaults(void)
{
	char uuid[VICDEV_UUID_LEN];
	struct vicdev d;

	mt_load("");
	mt_create_open(&d, uuid);
	tap_is(mt_read32(&d, VIC_MDEV_REG_NVEC), 32, "default nvec 32");
	tap_is(mt_read32(&d, VIC_MDEV_REG_NR_EMULATED), 1,
	       "default nr_emulated 1");
	mt_close_remove(&d);
}

int main(void)
{
	mt_skip_unless_root();
	test_bad();
	test_defaults();
	test_big();
	test_no_emulated();
	mt_unload();
	return tap_done();
}
