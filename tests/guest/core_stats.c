// SPDX-License-Identifier: GPL-2.0-only
/*
 * The core's binary counters, /sys/kernel/debug/vic/<dev>/stats, through
 * vic_test.ko: the header, exact counts against the eventfds' own counts
 * and the text file `vectors`, the flags, released and release_dropped,
 * reads at any offset, and what an open file does once its device is gone.
 */
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../lib/tap.h"
#include "../lib/stats.h"
#include "../lib/vt.h"
#include "vic_debugfs.h"

#define NVEC 8
#define SLOTS 4
#define NEMUL 4

static int dev_fd, dev_id;
static int efd[NVEC];
static struct vic_stats_file sf;

static struct vic_stats_vector rec(unsigned int v)
{
	return vt_stats_rec(&sf, v);
}

static int set_fd(unsigned int v, int32_t fd)
{
	return vt_set_fds(dev_fd, v, 1, &fd);
}

static void test_header(void)
{
	struct vic_stats_header h = { 0 };
	char path[128];
	struct stat st;
	int fd;

	snprintf(path, sizeof(path), VIC_DEBUGFS_ROOT "/%d/stats", dev_id);
	fd = open(path, O_RDONLY);
	tap_ok(fd >= 0, "%s opens", path);
	tap_is(pread(fd, &h, sizeof(h), 0), sizeof(h), "the header reads");
	tap_is(h.magic, VIC_STATS_MAGIC, "magic");
	tap_is(h.version, VIC_STATS_VERSION, "version");
	tap_is(h.hdr_size, sizeof(h), "hdr_size is the header's size");
	tap_is(h.rec_size, sizeof(struct vic_stats_vector),
	       "rec_size is the record's size");
	tap_is(h.nvec, NVEC, "nvec");
	tap_is(h.dev, dev_id, "dev is the directory's id");
	tap_ok(!strcmp(h.backend, "ims"), "backend is \"ims\" (\"%.16s\")",
	       h.backend);
	if (fstat(fd, &st))
		st.st_size = -1;
	tap_ok(st.st_size == (off_t)(sizeof(h) + NVEC * h.rec_size),
	       "the file's size is header + nvec records (%lld)",
	       (long long)st.st_size);
	close(fd);
	tap_is(vic_stats_open(&sf, NULL, dev_id), 0, "vic_stats_open()");
	tap_is(sf.nvec, NVEC, "... sees nvec vectors");
	tap_is(vic_stats_open(&(struct vic_stats_file){ 0 }, NULL, 999999),
	       -ENOENT, "vic_stats_open() of no such device: -ENOENT");
}

static void test_fresh(void)
{
	int v, zero = 1, flags_ok = 1;
	struct vic_stats_vector r;

	if (vic_stats_refresh(&sf))
		tap_bail("reading the stats file");
	for (v = 0; v < NVEC; v++) {
		vic_stats_get(&sf, v, &r);
		zero &= r.vector == (uint32_t)v && !r.raised && !r.delivered &&
			!r.pended && !r.dropped && !r.released &&
			!r.release_dropped;
		flags_ok &= r.flags == (v < NEMUL ? VIC_STATS_EMULATED : 0);
	}
	tap_ok(zero, "a fresh context: every record numbered, all counts 0");
	tap_ok(flags_ok, "... emulated vectors flagged, nothing else");
}

/* Counts agree with the eventfds and with the text file. */
static void test_counts(void)
{
	struct vic_stats_vector r0, r1, r4;
	struct vic_dbg_vec d;
	int v, fail = 0;

	for (v = 0; v < 6; v++)
		fail |= set_fd(v, efd[v]);
	tap_is(fail, 0, "triggers on vectors 0-5");
	r4 = rec(4);
	tap_is(r4.flags, VIC_STATS_TRIGGER | VIC_STATS_BACKED,
	       "backed vector 4: TRIGGER | BACKED");
	tap_is(rec(0).flags, VIC_STATS_EMULATED | VIC_STATS_TRIGGER,
	       "emulated vector 0: EMULATED | TRIGGER");

	vt_signal(dev_fd, 0, 1000, 0);
	vt_signal(dev_fd, 1, 7, 0);
	vt_signal(dev_fd, 4, 50, VIC_TEST_SIGNAL_RAISE);
	r0 = rec(0);
	r1 = rec(1);
	r4 = rec(4);
	tap_is(efd_take(efd[0]), 1000, "vector 0: 1000 signals on its eventfd");
	tap_ok(r0.raised == 1000 && r0.delivered == 1000,
	       "... raised 1000, delivered 1000 (%llu, %llu)",
	       (unsigned long long)r0.raised, (unsigned long long)r0.delivered);
	tap_is(efd_take(efd[1]), 7, "vector 1: 7 signals");
	tap_ok(r1.raised == 7 && r1.delivered == 7,
	       "... raised 7, delivered 7");
	tap_is(efd_take(efd[4]), 50, "backed vector 4: 50 signals");
	tap_ok(r4.raised == 50 && r4.delivered == 50,
	       "... raised 50, delivered 50 (%llu, %llu)",
	       (unsigned long long)r4.raised, (unsigned long long)r4.delivered);
	tap_ok(!vic_dbg_read_vector(dev_id, 0, &d) && d.raised == r0.raised &&
		       d.delivered == r0.delivered && d.pended == r0.pended &&
		       d.dropped == r0.dropped,
	       "vector 0: the text file shows the same counts");
}

static void test_pend_release(void)
{
	struct vic_stats_vector r;

	vt_table_mask(dev_fd, 1, 1);
	vt_signal(dev_fd, 1, 5, 0);
	r = rec(1);
	tap_is(r.pended, 5, "masked vector 1: 5 raises pended");
	tap_is(r.flags,
	       VIC_STATS_EMULATED | VIC_STATS_TRIGGER | VIC_STATS_MASKED |
		       VIC_STATS_PENDING,
	       "... flags MASKED | PENDING");
	tap_is(efd_take(efd[1]), 0, "... nothing signalled");
	vt_table_mask(dev_fd, 1, 0);
	r = rec(1);
	tap_is(efd_take(efd[1]), 1, "unmask: one signal");
	tap_ok(r.released == 1 && r.release_dropped == 0,
	       "... counted released 1, release_dropped 0");
	tap_is(r.flags, VIC_STATS_EMULATED | VIC_STATS_TRIGGER,
	       "... MASKED and PENDING cleared");
	tap_ok(r.raised == r.delivered + r.pended + r.dropped,
	       "... raised == delivered + pended + dropped (%llu)",
	       (unsigned long long)r.raised);
	tap_is(r.delivered + r.released, 8,
	       "... signals = delivered + released = 8");

	/* A pending bit outlives its trigger; its release signals nothing. */
	vt_table_mask(dev_fd, 2, 1);
	vt_signal(dev_fd, 2, 2, 0);
	set_fd(2, -1);
	vt_table_mask(dev_fd, 2, 0);
	r = rec(2);
	tap_ok(r.pended == 2 && r.released == 0 && r.release_dropped == 1,
	       "vector 2 unmasked without a trigger: release_dropped 1 "
	       "(pended %llu, released %llu, release_dropped %llu)",
	       (unsigned long long)r.pended, (unsigned long long)r.released,
	       (unsigned long long)r.release_dropped);
	tap_is(efd_take(efd[2]), 0, "... nothing signalled");

	vt_signal(dev_fd, 6, 3, VIC_TEST_SIGNAL_RAISE);
	r = rec(6);
	tap_ok(r.raised == 3 && r.dropped == 3 && !(r.flags & VIC_STATS_BACKED),
	       "backed vector 6 without a trigger: 3 raised, 3 dropped");
}

/* Any offset and length reads the same bytes as one whole read. */
static void test_offsets(void)
{
	size_t size = sf.size;
	unsigned char *whole = malloc(size), *part = malloc(size);
	size_t off, step;
	int same = 1;
	char b;

	if (!whole || !part)
		tap_bail("malloc");
	tap_is(pread(sf.fd, whole, size, 0), size,
	       "one read of the whole file");
	for (step = 1; step <= 64; step = step * 3 + 1) {
		for (off = 0; off < size; off += step) {
			size_t n = size - off < step ? size - off : step;

			if (pread(sf.fd, part + off, n, off) != (ssize_t)n)
				same = 0;
		}
		same &= !memcmp(whole, part, size);
	}
	tap_ok(same, "reads of 1, 4, 13, 40 bytes at every offset agree");
	tap_is(pread(sf.fd, &b, 1, size), 0, "a read at the end returns 0");
	tap_is(pread(sf.fd, part, size, 3), size - 3,
	       "a read past the end is cut at the end");
	tap_is(lseek(sf.fd, 0, SEEK_END), size, "SEEK_END is the file's size");
	free(whole);
	free(part);
}

static void test_gone(void)
{
	close(dev_fd);
	dev_fd = -1;
	tap_is(vic_stats_refresh(&sf), -ENODEV,
	       "the device released: refresh of the open file gives -ENODEV");
	vic_stats_close(&sf);
	tap_is(vic_stats_open(&sf, NULL, dev_id), -ENOENT,
	       "... and the file is gone");
}

int main(void)
{
	vt_load_modules();
	dev_fd = vt_create(NVEC, SLOTS, &dev_id);
	if (dev_fd < 0)
		tap_bail("create a context on /dev/vic_test");
	if (efd_new_n(efd, NVEC))
		tap_bail("eventfd");
	{
		struct vic_test_range r = { .start = 0, .count = NEMUL };

		if (ioctl(dev_fd, VIC_TEST_SET_EMULATED, &r))
			tap_bail("set_emulated");
	}
	test_header();
	test_fresh();
	test_counts();
	test_pend_release();
	test_offsets();
	test_gone();
	return tap_done();
}
