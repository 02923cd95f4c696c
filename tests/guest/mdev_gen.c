// SPDX-License-Identifier: GPL-2.0-only
/*
 * vic_mdev: the hrtimer traffic generator. Totals are exact (GEN_DONE ==
 * GEN_TOTAL == sum of the eventfd counts), round-robin is even, the period
 * is honoured, stop works mid-run, bad programming sets LAST_ERROR; and
 * the per-raise cost GEN_ELAPSED_NS / GEN_DONE for emulated and IMS
 * vectors.
 *
 * vic-test-vm: icount (the hrtimer hang check: see mt_check_no_hog())
 */
#include "mdev_common.h"

#define NVEC 8
#define NR_EMULATED 2

static struct vicdev d;
static int dbg;
static int32_t fds[NVEC];

/* Run to completion; check the totals; return ns per raise. */
static double run(uint32_t first, uint32_t count, uint32_t period,
		  uint64_t total, const char *what)
{
	uint64_t got[NVEC], sum = 0, done, elapsed;
	unsigned int v;
	int even = 1;

	tap_is(vicdev_gen_start(&d, first, count, period, total), 0,
	       "%s: start (%u vectors from %u, period %u, total %" PRIu64 ")",
	       what, count, first, period, total);
	tap_is(vicdev_gen_wait(&d, 60000), 0, "%s: run completes", what);
	done = mt_read64(&d, VIC_MDEV_REG_GEN_DONE);
	elapsed = mt_read64(&d, VIC_MDEV_REG_GEN_ELAPSED_NS);
	tap_is(done, total, "%s: GEN_DONE == GEN_TOTAL", what);
	mt_take_all(fds, NVEC, got);
	for (v = 0; v < NVEC; v++) {
		sum += got[v];
		if (v >= first && v < first + count) {
			uint64_t want =
				total / count + (v - first < total % count);

			if (got[v] != want) {
				tap_diag("vector %u: %" PRIu64
					 ", want %" PRIu64,
					 v, got[v], want);
				even = 0;
			}
		} else if (got[v]) {
			tap_diag("vector %u outside the range: %" PRIu64, v,
				 got[v]);
			even = 0;
		}
	}
	tap_is(sum, total, "%s: eventfd counts sum to GEN_TOTAL", what);
	tap_ok(even, "%s: round-robin, exact per vector", what);
	tap_ok(elapsed > 0, "%s: GEN_ELAPSED_NS > 0", what);
	return done ? (double)elapsed / done : 0;
}

static void test_period(void)
{
	uint64_t t0, wall;

	t0 = vicdev_now_ns();
	run(0, 4, 200000, 25, "period 200 us");
	wall = vicdev_now_ns() - t0;
	tap_ok(wall >= 25 * 200000ull,
	       "period 200 us: 25 raises took %" PRIu64 " us >= 5000 us",
	       wall / 1000);
}

static void test_stop(void)
{
	uint64_t done, sum = 0, got[NVEC];
	unsigned int v;

	tap_is(vicdev_gen_start(&d, 0, NVEC, 20000000, 1000), 0,
	       "stop: start a slow run (20 ms period)");
	tap_is(mt_read32(&d, VIC_MDEV_REG_GEN_CTRL), 1,
	       "GEN_CTRL reads 1 while running");
	vicdev_write32(&d, VIC_MDEV_REG_GEN_FIRST, 1);
	tap_is(mt_last_error(&d), -EBUSY, "GEN_FIRST while running: -EBUSY");
	vicdev_write64(&d, VIC_MDEV_REG_GEN_TOTAL, 5);
	tap_is(mt_last_error(&d), -EBUSY, "GEN_TOTAL while running: -EBUSY");
	vicdev_write32(&d, VIC_MDEV_REG_GEN_CTRL, 1);
	tap_is(mt_last_error(&d), -EBUSY, "start while running: -EBUSY");
	usleep(50000);
	tap_is(vicdev_write32(&d, VIC_MDEV_REG_GEN_CTRL, 0), 0, "GEN_CTRL = 0");
	tap_is(mt_read32(&d, VIC_MDEV_REG_GEN_CTRL), 0, "GEN_CTRL reads 0");
	done = mt_read64(&d, VIC_MDEV_REG_GEN_DONE);
	tap_ok(done >= 1 && done < 1000, "stopped mid-run: GEN_DONE %" PRIu64,
	       done);
	usleep(50000);
	mt_take_all(fds, NVEC, got);
	for (v = 0; v < NVEC; v++)
		sum += got[v];
	tap_is(sum, done, "stopped: eventfd counts sum to GEN_DONE");
	tap_is(mt_read64(&d, VIC_MDEV_REG_GEN_DONE), done,
	       "stopped: GEN_DONE does not move");
}

static void test_bad(void)
{
	vicdev_write32(&d, VIC_MDEV_REG_GEN_FIRST, 0);
	vicdev_write32(&d, VIC_MDEV_REG_GEN_COUNT, 0);
	vicdev_write64(&d, VIC_MDEV_REG_GEN_TOTAL, 10);
	vicdev_write32(&d, VIC_MDEV_REG_GEN_CTRL, 1);
	tap_is(mt_last_error(&d), -EINVAL, "start with GEN_COUNT 0: -EINVAL");
	tap_is(mt_read32(&d, VIC_MDEV_REG_GEN_CTRL), 0, "... not running");

	vicdev_write32(&d, VIC_MDEV_REG_GEN_FIRST, NVEC - 1);
	vicdev_write32(&d, VIC_MDEV_REG_GEN_COUNT, 2);
	tap_is(mt_last_error(&d), 0, "GEN_FIRST nvec-1, GEN_COUNT 2 accepted");
	vicdev_write32(&d, VIC_MDEV_REG_GEN_CTRL, 1);
	tap_is(mt_last_error(&d), -EINVAL,
	       "start with GEN_FIRST + GEN_COUNT > nvec: -EINVAL");

	vicdev_write32(&d, VIC_MDEV_REG_GEN_FIRST, 0);
	vicdev_write64(&d, VIC_MDEV_REG_GEN_TOTAL, 0);
	vicdev_write32(&d, VIC_MDEV_REG_GEN_CTRL, 1);
	tap_is(mt_last_error(&d), -EINVAL, "start with GEN_TOTAL 0: -EINVAL");
	vicdev_write32(&d, VIC_MDEV_REG_GEN_CTRL, 2);
	tap_is(mt_last_error(&d), -EINVAL, "GEN_CTRL 2: -EINVAL");
	vicdev_write32(&d, VIC_MDEV_REG_GEN_FIRST, NVEC);
	tap_is(mt_last_error(&d), -EINVAL, "GEN_FIRST nvec: -EINVAL");
	tap_is(mt_read32(&d, VIC_MDEV_REG_GEN_FIRST), 0, "... ignored");
}

static void test_masked_and_dropped(void)
{
	struct vic_dbg_vec before, after;
	bool pend;

	/* masked: every raise pends, the unmask releases one */
	before = mt_dbg_vec(dbg, 3);
	vicdev_mask(&d, 3, true);
	tap_is(vicdev_gen_start(&d, 3, 1, 0, 100), 0,
	       "masked vector 3: run 100");
	tap_is(vicdev_gen_wait(&d, 60000), 0, "... completes");
	tap_is(mt_take(fds[3]), 0, "masked: nothing signalled");
	vicdev_pending(&d, 3, &pend);
	tap_ok(pend, "masked: PBA bit set");
	after = mt_dbg_vec(dbg, 3);
	tap_is(after.pended - before.pended, 100,
	       "masked: debugfs pended +100");
	vicdev_mask(&d, 3, false);
	tap_is(mt_take(fds[3]), 1, "unmask: exactly one signal");

	/* no triggers: every raise dropped */
	vicdev_msix_disable(&d);
	before = mt_dbg_vec(dbg, 4);
	tap_is(vicdev_gen_start(&d, 4, 1, 0, 100), 0, "no triggers: run 100");
	tap_is(vicdev_gen_wait(&d, 60000), 0, "... completes");
	tap_is(mt_read64(&d, VIC_MDEV_REG_GEN_DONE), 100, "... GEN_DONE 100");
	after = mt_dbg_vec(dbg, 4);
	tap_is(after.dropped - before.dropped, 100,
	       "no triggers: debugfs dropped +100");
	tap_ok(mt_counts_balanced(&after), "counters balanced");
	tap_is(mt_take(fds[4]), 0, "no triggers: nothing signalled");
	vicdev_msix_set(&d, 0, NVEC, fds);
}

int main(void)
{
	char uuid[VICDEV_UUID_LEN];
	struct mt_hrtimer_stats hang;
	double emul, ims, mixed;
	struct vic_dbg_vec vecs[NVEC];
	int n, v, bal = 1;

	mt_load("nvec=8 nr_emulated=2");
	mt_create_open(&d, uuid);
	dbg = mt_dbg_id(uuid);
	if (vicdev_eventfds(fds, NVEC))
		mt_bail("eventfds");
	tap_is(vicdev_msix_set(&d, 0, NVEC, fds), 0, "enable all vectors");
	tap_is(mt_read32(&d, VIC_MDEV_REG_GEN_CTRL), 0, "generator idle");
	hang = mt_hrtimer_stats();

	emul = run(0, NR_EMULATED, 0, 20000, "emulated back to back");
	ims = run(NR_EMULATED, NVEC - NR_EMULATED, 0, 20000,
		  mt_backend_is_msix() ? "MSI-X back to back" :
					 "IMS back to back");
	mixed = run(1, NVEC - 1, 0, 7001, "mixed, uneven total");
	test_period();
	run(0, NVEC, 1000, 20000, "period 1 us, faster than it can go");
	run(0, NVEC, 30000, 300, "period 30 us");
	test_stop();
	test_bad();
	test_masked_and_dropped();

	n = mt_dbg_all(dbg, vecs, NVEC);
	for (v = 0; v < n; v++)
		bal &= mt_counts_balanced(&vecs[v]);
	tap_ok(n == NVEC && bal,
	       "debugfs: raised == delivered + pended + dropped everywhere");

	tap_is(vicdev_reset(&d), 0, "RESET");
	tap_is(mt_read64(&d, VIC_MDEV_REG_GEN_DONE), 0, "RESET: GEN_DONE 0");
	tap_is(mt_read64(&d, VIC_MDEV_REG_GEN_ELAPSED_NS), 0,
	       "RESET: GEN_ELAPSED_NS 0");

	mt_check_no_hog(hang,
			"the generator never hogged the hrtimer interrupt");
	tap_diag(
		"generator cost per raise (GEN_ELAPSED_NS / GEN_DONE): emulated %.0f ns, %s %.0f ns, mixed %.0f ns",
		emul, mt_backend(), ims, mixed);
	mt_close_remove(&d);
	vicdev_close_fds(fds, NVEC);
	mt_unload();
	return tap_done();
}
