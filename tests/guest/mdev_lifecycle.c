// SPDX-License-Identifier: GPL-2.0-only
/*
 * vic_mdev: instances. Two at once, isolated; closing the fd mid-traffic
 * loses and leaks nothing; removing an open instance signals REQ and
 * completes on close; module unload is refused while a device is open
 * and removes the remaining instances otherwise.
 *
 * vic-test-vm: icount (the hrtimer hang check: see mt_check_no_hog())
 */
#include <pthread.h>
#include <sys/stat.h>

#include "mdev_common.h"

#define NVEC 8
#define NR_EMULATED 2

static uint64_t sum(const uint64_t *c, unsigned int n)
{
	uint64_t s = 0;

	while (n--)
		s += c[n];
	return s;
}

static void test_two(void)
{
	char ua[VICDEV_UUID_LEN], ub[VICDEV_UUID_LEN];
	int32_t fa[NVEC], fb[NVEC];
	uint64_t ca[NVEC], cb[NVEC];
	struct vicdev a, b;
	int avail, da, db;

	avail = vicdev_available();
	mt_create_open(&a, ua);
	tap_is(vicdev_available(), avail - 1,
	       "available_instances drops by one");
	mt_create_open(&b, ub);
	tap_ok(strcmp(ua, ub), "two instances: %s and %s", ua, ub);
	tap_errno(vicdev_create_uuid(ua), EEXIST, "same uuid again: EEXIST");
	da = mt_dbg_id(ua);
	db = mt_dbg_id(ub);
	tap_ok(da != db, "each has its own vic context (%d, %d)", da, db);

	vicdev_eventfds(fa, NVEC);
	vicdev_eventfds(fb, NVEC);
	tap_is(vicdev_msix_set(&a, 0, NVEC, fa), 0, "A: enable all vectors");
	tap_is(vicdev_msix_set(&b, 0, NVEC, fb), 0, "B: enable all vectors");
	tap_is(mt_backed_irq_lines(), 2 * (NVEC - NR_EMULATED),
	       "backed Linux IRQs of both in /proc/interrupts");

	vicdev_doorbell(&a, 0);
	vicdev_doorbell(&a, 5);
	vicdev_doorbell(&b, 5);
	vicdev_doorbell(&b, 5);
	mt_take_all(fa, NVEC, ca);
	mt_take_all(fb, NVEC, cb);
	tap_ok(ca[0] == 1 && ca[5] == 1 && sum(ca, NVEC) == 2,
	       "A's doorbells reach A's eventfds only");
	tap_ok(cb[5] == 2 && sum(cb, NVEC) == 2,
	       "B's doorbells reach B's eventfds only");

	tap_is(vicdev_gen_start(&a, 0, NVEC, 0, 30000), 0,
	       "A: generator 30000");
	tap_is(vicdev_gen_start(&b, 0, NVEC, 0, 20000), 0,
	       "B: generator 20000");
	tap_is(vicdev_gen_wait(&a, 60000), 0, "A: done");
	tap_is(vicdev_gen_wait(&b, 60000), 0, "B: done");
	mt_take_all(fa, NVEC, ca);
	mt_take_all(fb, NVEC, cb);
	tap_is(sum(ca, NVEC), 30000, "A: eventfd counts sum to 30000");
	tap_is(sum(cb, NVEC), 20000, "B: eventfd counts sum to 20000");

	mt_close_remove(&a);
	mt_close_remove(&b);
	tap_ok(!vicdev_exists(ua) && !vicdev_exists(ub), "both removed");
	tap_is(vic_dbg_find(ua), -ENOENT, "A's vic context released");
	tap_is(vicdev_available(), avail, "available_instances back");
	tap_is(mt_backed_irq_lines(), 0, "no backed Linux IRQ left");
	vicdev_close_fds(fa, NVEC);
	vicdev_close_fds(fb, NVEC);
}

static void test_close_mid_traffic(void)
{
	char uuid[VICDEV_UUID_LEN];
	struct vic_dbg_vec vecs[NVEC];
	uint64_t c[NVEC], raised = 0, delivered = 0;
	struct vicdev d;
	int32_t fds[NVEC];
	int dbg, n, v, good = 1;

	mt_create_open(&d, uuid);
	dbg = mt_dbg_id(uuid);
	vicdev_eventfds(fds, NVEC);
	vicdev_msix_set(&d, 0, NVEC, fds);
	vicdev_mask(&d, 1, true); /* some raises pend */
	tap_is(vicdev_gen_start(&d, 0, NVEC, 0, 1ull << 40), 0,
	       "close mid-traffic: endless back-to-back run");
	usleep(100000);
	tap_is(mt_read32(&d, VIC_MDEV_REG_GEN_CTRL), 1, "... running");
	vicdev_close_device(&d);
	usleep(20000);

	n = mt_dbg_all(dbg, vecs, NVEC);
	for (v = 0; v < n; v++) {
		good &= mt_counts_balanced(&vecs[v]) && !vecs[v].trigger &&
			vecs[v].virq == -1;
		raised += vecs[v].raised;
		delivered += vecs[v].delivered;
	}
	tap_ok(n == NVEC && good,
	       "after close: counters balanced, no trigger, no virq on any vector");
	tap_ok(raised > 0, "after close: %" PRIu64 " raises counted", raised);
	mt_take_all(fds, NVEC, c);
	tap_is(sum(c, NVEC), delivered,
	       "after close: eventfd counts == delivered (nothing lost)");
	tap_is(mt_backed_irq_lines(), 0, "after close: no backed Linux IRQ");
	usleep(20000);
	n = mt_dbg_all(dbg, vecs, NVEC);
	{
		uint64_t again = 0;

		for (v = 0; v < n; v++)
			again += vecs[v].raised;
		tap_is(again, raised, "after close: the generator is stopped");
	}

	tap_is(vicdev_open_device(&d), 0, "reopen");
	tap_is(mt_read32(&d, VIC_MDEV_REG_GEN_CTRL), 0,
	       "reopen: generator idle");
	tap_is(mt_read64(&d, VIC_MDEV_REG_GEN_DONE), 0, "reopen: GEN_DONE 0");
	vicdev_msix_set(&d, 0, NVEC, fds);
	vicdev_doorbell(&d, 1);
	tap_is(mt_take(fds[1]), 1, "reopen: vector 1 unmasked and delivering");
	mt_close_remove(&d);
	vicdev_close_fds(fds, NVEC);
}

/* Generators of several instances share each CPU's budget, exactly. */
static void test_many_generators(void)
{
	enum { N = 4 };
	char uuid[N][VICDEV_UUID_LEN];
	int32_t fds[N][NVEC];
	uint64_t c[NVEC], t0, wall;
	struct mt_hrtimer_stats hang;
	struct vicdev d[N];
	int i, good = 1, started = 1;

	for (i = 0; i < N; i++) {
		mt_create_open(&d[i], uuid[i]);
		vicdev_eventfds(fds[i], NVEC);
		good &= !vicdev_msix_set(&d[i], 0, NVEC, fds[i]);
	}
	tap_ok(good, "%d instances enabled", N);
	hang = mt_hrtimer_stats();
	t0 = vicdev_now_ns();
	for (i = 0; i < N; i++)
		started &= !vicdev_gen_start(&d[i], 0, NVEC,
					     i == N - 1 ? 5000 : 0, 10000 + i);
	tap_ok(started,
	       "%d generators started at once (one with a 5 us period)", N);
	for (i = 0; i < N; i++) {
		good &= !vicdev_gen_wait(&d[i], 120000);
		mt_take_all(fds[i], NVEC, c);
		if (sum(c, NVEC) != 10000ull + i) {
			tap_diag("instance %d: %" PRIu64 " signals, want %d", i,
				 sum(c, NVEC), 10000 + i);
			good = 0;
		}
	}
	wall = vicdev_now_ns() - t0;
	tap_ok(good, "every generator's eventfd counts sum to its GEN_TOTAL");
	tap_diag("%d generators: %" PRIu64 " ms", N, wall / 1000000);
	mt_check_no_hog(hang,
			"the generators never hogged the hrtimer interrupt");
	for (i = 0; i < N; i++) {
		mt_close_remove(&d[i]);
		vicdev_close_fds(fds[i], NVEC);
	}
}

struct remover {
	char uuid[VICDEV_UUID_LEN];
	int ret;
	volatile int finished;
};

static void *remove_thread(void *p)
{
	struct remover *r = p;

	r->ret = vicdev_remove(r->uuid);
	r->finished = 1;
	return NULL;
}

static void test_remove_open(void)
{
	struct remover r = { .ret = -1 };
	struct vicdev d;
	pthread_t t;
	uint64_t c;
	int req, fd, i;

	mt_create_open(&d, r.uuid);
	fd = vicdev_eventfd();
	tap_is(vicdev_msix_set(&d, 0, 1, &fd), 0, "vector 0 trigger set");
	req = vicdev_eventfd();
	tap_is(vicdev_req_set(&d, req), 0, "REQ eventfd set");
	pthread_create(&t, NULL, remove_thread, &r);
	tap_is(vicdev_eventfd_wait(req, 10000, &c), 0,
	       "remove while open: REQ signalled");
	tap_ok(c >= 1, "... count %" PRIu64, c);
	usleep(200000);
	tap_ok(!r.finished, "... removal waits for the user");
	tap_ok(vic_dbg_find(r.uuid) >= 0, "... its vic context is still there");
	vicdev_doorbell(&d, 0);
	tap_is(mt_take(fd), 1, "... and the device still delivers");
	vicdev_close_device(&d);
	for (i = 0; i < 1000 && !r.finished; i++)
		usleep(10000);
	tap_ok(r.finished, "close: removal completes");
	pthread_join(t, NULL);
	tap_is(r.ret, 0, "... successfully");
	tap_ok(!vicdev_exists(r.uuid), "... the instance is gone");
	tap_is(vic_dbg_find(r.uuid), -ENOENT, "... its vic context released");
	vicdev_close(&d);
	close(req);
	close(fd);
}

static void test_unload(void)
{
	char ua[VICDEV_UUID_LEN], ub[VICDEV_UUID_LEN];
	struct vicdev a;
	int32_t fds[NVEC];

	mt_create_open(&a, ua);
	if (vicdev_create(ub))
		mt_bail("creating an instance");
	vicdev_eventfds(fds, NVEC);
	vicdev_msix_set(&a, 0, NVEC, fds);
	tap_errno(vicdev_unload(), EWOULDBLOCK,
		  "unload while a device is open: refused (in use)");
	tap_ok(vicdev_module_loaded("vic_mdev"), "... still loaded");
	vicdev_doorbell(&a, 3);
	tap_is(mt_take(fds[3]), 1, "... and the device still works");
	vicdev_close(&a);
	tap_is(vicdev_unload(), 0, "unload with two closed instances");
	tap_ok(!vicdev_exists(ua) && !vicdev_exists(ub),
	       "... both instances removed");
	tap_is(vic_dbg_find(ub), -ENOENT, "... their vic contexts released");
	tap_is(mt_backed_irq_lines(), 0, "... no backed Linux IRQ left");
	vicdev_close_fds(fds, NVEC);
}

int main(void)
{
	mt_load("nvec=8 nr_emulated=2");
	test_two();
	test_many_generators();
	test_close_mid_traffic();
	test_remove_open();
	test_unload();
	return tap_done();
}
