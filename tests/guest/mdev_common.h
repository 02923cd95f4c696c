/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Shared helpers of the vic_mdev guest tests (tests/guest/mdev_*.c).
 */
#ifndef MDEV_COMMON_H
#define MDEV_COMMON_H

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/klog.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "../lib/tap.h"
#include "vic_debugfs.h"
#include "vicdev.h"

#define MT_MAX_VEC 2048

/* Stop here: print why (with the library's message) and fail. */
static inline void mt_bail(const char *what)
{
	printf("Bail out! %s: %s\n", what, vicdev_errmsg());
	exit(1);
}

static inline void mt_skip_unless_root(void)
{
	if (geteuid()) {
		printf("1..0 # SKIP needs root (run in the test VM)\n");
		exit(77);
	}
}

/* (Re)load vic_mdev.ko with @params, or bail out. */
static inline void mt_load(const char *params)
{
	mt_skip_unless_root();
	if (vicdev_load(params))
		mt_bail("loading the modules");
	tap_diag("vic_mdev loaded with '%s'", params);
}

static inline void mt_unload(void)
{
	if (vicdev_unload())
		tap_diag("unloading vic_mdev: %s", vicdev_errmsg());
}

/* Create an instance and open it, or bail out. */
static inline void mt_create_open(struct vicdev *d, char *uuid)
{
	if (vicdev_create(uuid))
		mt_bail("creating an instance");
	if (vicdev_open(d, uuid))
		mt_bail("opening the instance");
}

static inline void mt_close_remove(struct vicdev *d)
{
	char uuid[VICDEV_UUID_LEN];

	memcpy(uuid, d->uuid, sizeof(uuid));
	uuid[sizeof(uuid) - 1] = '\0';
	vicdev_close(d);
	if (vicdev_remove(uuid))
		tap_diag("removing %s: %s", uuid, vicdev_errmsg());
}

/* The core's debugfs id of an instance (its name is the uuid). */
static inline int mt_dbg_id(const char *uuid)
{
	int id = vic_dbg_find(uuid);

	if (id < 0) {
		errno = -id;
		printf("Bail out! no debugfs entry for %s: %s\n", uuid,
		       strerror(-id));
		exit(1);
	}
	return id;
}

/* Read one vector's debugfs line, or bail out. */
static inline struct vic_dbg_vec mt_dbg_vec(int id, unsigned int vector)
{
	struct vic_dbg_vec v;
	int ret = vic_dbg_read_vector(id, vector, &v);

	if (ret) {
		printf("Bail out! debugfs vector %u of dev %d: %s\n", vector,
		       id, strerror(-ret));
		exit(1);
	}
	return v;
}

/* Read all vectors' lines, or bail out. Returns the number read. */
static inline int mt_dbg_all(int id, struct vic_dbg_vec *vecs, int max)
{
	int n = vic_dbg_read_vectors(id, vecs, max);

	if (n < 0) {
		printf("Bail out! debugfs vectors of dev %d: %s\n", id,
		       strerror(-n));
		exit(1);
	}
	return n;
}

/* Take an eventfd's count (0 when not signalled), or bail out. */
static inline uint64_t mt_take(int fd)
{
	uint64_t c;

	if (vicdev_eventfd_take(fd, &c))
		mt_bail("reading an eventfd");
	return c;
}

static inline void mt_take_all(const int32_t *fds, unsigned int n,
			       uint64_t *counts)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		counts[i] = mt_take(fds[i]);
}

/* LAST_ERROR, read (and so cleared), or bail out. */
static inline int32_t mt_last_error(struct vicdev *d)
{
	int32_t e;

	if (vicdev_last_error(d, &e))
		mt_bail("reading LAST_ERROR");
	return e;
}

static inline uint32_t mt_read32(struct vicdev *d, uint32_t off)
{
	uint32_t v;

	if (vicdev_read32(d, off, &v))
		mt_bail("reading a register");
	return v;
}

static inline uint64_t mt_read64(struct vicdev *d, uint32_t off)
{
	uint64_t v;

	if (vicdev_read64(d, off, &v))
		mt_bail("reading a register");
	return v;
}

/* Every raise counted exactly once: raised == delivered + pended + dropped */
static inline int mt_counts_balanced(const struct vic_dbg_vec *v)
{
	return v->raised == v->delivered + v->pended + v->dropped;
}

/*
 * The count of Linux interrupt @virq on CPU @cpu in /proc/interrupts, the
 * sum over all CPUs if @cpu < 0, or -1 if it is not listed.
 */
static inline long long mt_proc_irq_cpu_count(int virq, int cpu)
{
	char line[4096], *p, *end;
	long long sum = -1;
	FILE *f;
	int i;

	f = fopen("/proc/interrupts", "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (strtol(line, &p, 10) != virq || *p != ':')
			continue;
		sum = 0;
		for (p++, i = 0;; i++) {
			long long c = strtoll(p, &end, 10);

			if (end == p) {
				if (cpu >= 0)
					sum = -1; /* no such CPU */
				break;
			}
			p = end;
			if (cpu < 0) {
				sum += c;
			} else if (i == cpu) {
				sum = c;
				break;
			}
		}
		break;
	}
	fclose(f);
	return sum;
}

/* Sum of the per-CPU counts of Linux interrupt @virq, or -1. */
static inline long long mt_proc_irq_count(int virq)
{
	return mt_proc_irq_cpu_count(virq, -1);
}

/* Run this thread on CPU @cpu only; 0 or -errno. */
static inline int mt_pin_cpu(int cpu)
{
	unsigned long mask = 1UL << cpu;

	return syscall(SYS_sched_setaffinity, 0, sizeof(mask), &mask) ? -errno :
									0;
}

/* Route Linux IRQ @virq to the CPUs @cpus (a list: "1", "0-1"). */
static inline int mt_irq_affinity(int virq, const char *cpus)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/irq/%d/smp_affinity_list", virq);
	return tap_write_file(path, cpus);
}

/* Lines of /proc/interrupts that mention @what (e.g. the chip name). */
static inline int mt_proc_irq_lines(const char *what)
{
	char line[4096];
	int n = 0;
	FILE *f;

	f = fopen("/proc/interrupts", "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		n += !!strstr(line, what);
	fclose(f);
	return n;
}

/*
 * The backend of the non-emulated vectors of the instances a test
 * creates: "msix" on the PCI parent that VIC_MDEV_PARENT names (the MSI-X
 * vectors of a real function, the tests mdev_*_msix.sh), else "ims"
 * (vic_mdev's own type, the simulated IMS).
 */
static inline const char *mt_backend(void)
{
	const char *p = getenv("VIC_MDEV_PARENT");

	return p && *p ? "msix" : "ims";
}

static inline int mt_backend_is_msix(void)
{
	return !strcmp(mt_backend(), "msix");
}

/*
 * Linux IRQs of backed vectors in /proc/interrupts: the simulated IMS's
 * (chip "vic-ims"), or the PCI parent's MSI-X vectors that vic requested
 * (chip PCI-MSI*, action "vic<dev>-msix<vector>").
 */
static inline int mt_backed_irq_lines(void)
{
	char line[4096];
	int n = 0;
	FILE *f;

	if (!mt_backend_is_msix())
		return mt_proc_irq_lines("vic-ims");
	f = fopen("/proc/interrupts", "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		n += strstr(line, "PCI-MSI") && strstr(line, " vic") &&
		     strstr(line, "-msix");
	fclose(f);
	return n;
}

/* The kernel log, NUL-terminated (free() it), or NULL. */
static inline char *mt_klog(void)
{
	int len = klogctl(10 /* SYSLOG_ACTION_SIZE_BUFFER */, NULL, 0);
	char *buf;
	int n;

	if (len <= 0)
		return NULL;
	buf = malloc(len + 1);
	if (!buf)
		return NULL;
	n = klogctl(3 /* SYSLOG_ACTION_READ_ALL */, buf, len);
	buf[n > 0 ? n : 0] = '\0';
	return buf;
}

/* Does the kernel log contain @s? */
static inline int mt_klog_has(const char *s)
{
	char *buf = mt_klog();
	int found = buf && strstr(buf, s);

	free(buf);
	return found;
}

/* hrtimer interrupt statistics of /proc/timer_list, all CPUs */
struct mt_hrtimer_stats {
	unsigned long long retries; /* sum of .nr_retries */
	unsigned long long hangs; /* sum of .nr_hangs */
	unsigned long long max_hang_ns; /* max of .max_hang_time */
};

static inline struct mt_hrtimer_stats mt_hrtimer_stats(void)
{
	struct mt_hrtimer_stats st = { 0 };
	unsigned long long v;
	char line[256];
	FILE *f;

	f = fopen("/proc/timer_list", "r");
	if (!f)
		mt_bail("/proc/timer_list");
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, " .nr_retries : %llu", &v) == 1)
			st.retries += v;
		else if (sscanf(line, " .nr_hangs : %llu", &v) == 1)
			st.hangs += v;
		else if (sscanf(line, " .max_hang_time : %llu", &v) == 1 &&
			 v > st.max_hang_ns)
			st.max_hang_ns = v;
	}
	fclose(f);
	return st;
}

/*
 * Check that the hrtimer interrupt never ran away (hang detection: three
 * reprogramming retries in a row) since @before.
 *
 * Only a test of the icount boot ("vic-test-vm: icount", docs/testing.md)
 * can tell: there guest time is an instruction count, so a hang is work
 * done in the interrupt. In a plain TCG guest, guest time is host time,
 * and a vCPU thread the host stalls for a few hundred microseconds in the
 * interrupt sees the next timers expire under it: with three busy guests
 * on two host CPUs, such stalls gave hangs with the generators within
 * their budget, and none under icount.
 */
static inline void mt_check_no_hog(struct mt_hrtimer_stats before,
				   const char *what)
{
	struct mt_hrtimer_stats now = mt_hrtimer_stats();
	const char *icount = getenv("VIC_ICOUNT");

	tap_diag(
		"hrtimer interrupt: %llu retries, %llu hangs meanwhile (longest hang since boot: %llu ns)",
		now.retries - before.retries, now.hangs - before.hangs,
		now.max_hang_ns);
	if (!icount || strcmp(icount, "1")) {
		tap_ok(0, "%s: needs the icount boot (vic-test-vm: icount)",
		       what);
		return;
	}
	tap_is(now.hangs - before.hangs, 0, "%s", what);
}

#endif /* MDEV_COMMON_H */
