// SPDX-License-Identifier: GPL-2.0-only
/*
 * vic-unload: load / create / traffic / remove / unload cycles, and the
 * kernel's memory and objects before and after.
 *
 * Each cycle loads vic.ko, vic_msix.ko and vic_mdev.ko (128 vectors, 16
 * emulated), creates two instances, opens them, sets a trigger on every
 * vector, rings every doorbell, runs the generator, masks and unmasks
 * (pending releases), checks that the eventfds got exactly every signal,
 * closes and removes the instances; then loads vic_test.ko and drives one
 * context with IMS-backed vectors; then unloads the four modules.
 *
 * After warm-up cycles it takes a baseline, a snapshot after each quarter
 * of the cycles and one at the end, and compares them (with every slab
 * cache's per-CPU slabs flushed first, so the active object counts are
 * exact):
 *   - per slab cache, active objects: a leak of one object per vector and
 *     cycle would add 320 objects a cycle, one per instance 3. Over the
 *     run, the kmalloc caches (where the modules allocate) may grow by 256
 *     objects plus 8 a cycle, the others (inodes, dentries, files: the
 *     test's own file activity) by 1024 plus 16 a cycle; and no kmalloc
 *     cache may grow in every quarter by more than one object a cycle
 *     (plus 8): a leak grows steadily, the caches' noise comes in jumps;
 *   - all slab memory, unreclaimable slab, per-CPU memory and vmalloc:
 *     within a tolerance (--tolerance-kb, per cycle and in all);
 *   - exactly: Linux IRQ descriptors, /proc/interrupts lines, VFIO group
 *     nodes, IOMMU groups, mdev devices, this process's fds, and nothing of
 *     vic left in /proc/modules, debugfs or tracefs.
 *
 * TAP output, figures as "# " lines. Exit 0/1, 77 when not root.
 */
#define _GNU_SOURCE
#include <getopt.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include "../../tests/lib/tap.h"
#include "stress.h"
#include "vic_debugfs.h"
#include "vic_test.h"
#include "vicdev.h"

#define NVEC 128
#define NR_EMUL 16
#define NINST 2
#define VT_NVEC 64
#define VT_EMUL 8
#define GEN_TOTAL 4000
#define MAX_CACHES 512

static struct {
	unsigned int cycles;
	unsigned int warmup;
	unsigned int tolerance_kb;
	bool verbose;
} opt = { .cycles = 100, .warmup = 2, .tolerance_kb = 2048 };

struct cache {
	char name[64];
	long long objs;
	long long size;
};

struct snap {
	long long slab_kb, sunreclaim_kb, percpu_kb, vmalloc_kb;
	long long slab_bytes, slab_objs;
	int irq_descs, irq_lines, vfio_nodes, iommu_groups, mdevs, fds;
	int ncaches;
	struct cache caches[MAX_CACHES];
};

static void read_caches(struct snap *s)
{
	char *buf = file_to_str("/proc/slabinfo"), *p, *nl;
	long long active, total, size;

	s->ncaches = 0;
	if (!buf)
		return;
	for (p = buf; *p; p = nl + 1) {
		struct cache *c = &s->caches[s->ncaches];

		nl = strchr(p, '\n');
		if (nl)
			*nl = '\0';
		if (p[0] != '#' && s->ncaches < MAX_CACHES &&
		    sscanf(p, "%63s %lld %lld %lld", c->name, &active, &total,
			   &size) == 4) {
			c->objs = active;
			c->size = size;
			s->ncaches++;
		}
		if (!nl)
			break;
	}
	free(buf);
}

static long long min_ll(long long a, long long b)
{
	return a < b ? a : b;
}

/*
 * Settle (deferred frees: RCU callbacks, workqueues; the dentries and
 * inodes of removed sysfs files), drop the caches, flush the per-CPU
 * slabs, and read; three times, keeping the lowest of each count, so that
 * what is transiently in flight does not look like a leak.
 */
static void snapshot(struct snap *s)
{
	static struct snap t;
	int k, i, j;

	for (k = 0; k < 3; k++) {
		struct snap *r = k ? &t : s;

		usleep(500000);
		sync();
		str_to_file("/proc/sys/vm/drop_caches", "3");
		slab_shrink_all();
		r->slab_kb = meminfo_kb("Slab");
		r->sunreclaim_kb = meminfo_kb("SUnreclaim");
		r->percpu_kb = meminfo_kb("Percpu");
		r->vmalloc_kb = meminfo_kb("VmallocUsed");
		r->slab_bytes = slabinfo_bytes("", &r->slab_objs);
		r->irq_descs = count_dir("/sys/kernel/irq");
		r->irq_lines = count_lines_with("/proc/interrupts", ":");
		r->vfio_nodes = count_dir("/dev/vfio");
		r->iommu_groups = count_dir("/sys/kernel/iommu_groups");
		r->mdevs = count_dir(VICDEV_MDEV_DEVICES);
		r->fds = count_dir("/proc/self/fd");
		read_caches(r);
		if (!k)
			continue;
		s->slab_kb = min_ll(s->slab_kb, t.slab_kb);
		s->sunreclaim_kb = min_ll(s->sunreclaim_kb, t.sunreclaim_kb);
		s->percpu_kb = min_ll(s->percpu_kb, t.percpu_kb);
		s->vmalloc_kb = min_ll(s->vmalloc_kb, t.vmalloc_kb);
		if (t.slab_bytes < s->slab_bytes) {
			s->slab_bytes = t.slab_bytes;
			s->slab_objs = t.slab_objs;
		}
		for (i = 0; i < s->ncaches; i++)
			for (j = 0; j < t.ncaches; j++)
				if (!strcmp(s->caches[i].name,
					    t.caches[j].name))
					s->caches[i].objs =
						min_ll(s->caches[i].objs,
						       t.caches[j].objs);
	}
}

static uint64_t take_sum(const int32_t *fds, unsigned int n)
{
	uint64_t c, s = 0;

	while (n--) {
		vicdev_eventfd_take(fds[n], &c);
		s += c;
	}
	return s;
}

/* One instance's traffic; returns false (with a diagnostic) on a miss. */
static bool instance_traffic(struct vicdev *d, int32_t *fds)
{
	uint64_t done = 0, want, got;
	uint32_t v;

	if (vicdev_msix_set(d, 0, NVEC, fds))
		goto err;
	for (v = 0; v < NVEC; v++)
		if (vicdev_doorbell(d, v))
			goto err;
	if (vicdev_gen_start(d, 0, NVEC, 0, GEN_TOTAL) ||
	    vicdev_gen_wait(d, 60000) ||
	    vicdev_read64(d, VIC_MDEV_REG_GEN_DONE, &done))
		goto err;
	/* pend a raise on a few vectors, release it by unmasking */
	for (v = 0; v < NVEC; v += 17) {
		if (vicdev_mask(d, v, true) || vicdev_doorbell(d, v) ||
		    vicdev_mask(d, v, false))
			goto err;
	}
	want = NVEC + done + (NVEC + 16) / 17;
	got = take_sum(fds, NVEC);
	if (got != want) {
		tap_diag("instance %s: %" PRIu64 " signals, want %" PRIu64,
			 d->uuid, got, want);
		return false;
	}
	return true;
err:
	tap_diag("instance %s: %s", d->uuid, vicdev_errmsg());
	return false;
}

static bool vic_test_traffic(void)
{
	struct vic_test_create cr = { .nvec = VT_NVEC, .ims_slots = VT_NVEC };
	struct vic_test_range em = { .start = 0, .count = VT_EMUL };
	struct vic_test_signal sg = { .count = 3 };
	size_t sz = sizeof(struct vfio_irq_set) + VT_NVEC * 4;
	struct vfio_irq_set *s = calloc(1, sz);
	int32_t fds[VT_NVEC];
	bool good = false;
	int fd, v;

	fd = open("/dev/vic_test", O_RDWR | O_CLOEXEC);
	if (fd < 0 || !s || vicdev_eventfds(fds, VT_NVEC))
		goto out;
	if (ioctl(fd, VIC_TEST_CREATE, &cr) < 0 ||
	    ioctl(fd, VIC_TEST_SET_EMULATED, &em))
		goto out_fds;
	s->argsz = sz;
	s->flags = VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_ACTION_TRIGGER;
	s->index = VFIO_PCI_MSIX_IRQ_INDEX;
	s->count = VT_NVEC;
	memcpy(s->data, fds, VT_NVEC * 4);
	if (ioctl(fd, VIC_TEST_SET_IRQS, s))
		goto out_fds;
	for (v = 0; v < VT_NVEC; v++) {
		sg.vector = v;
		sg.flags = v < VT_EMUL ? 0 : VIC_TEST_SIGNAL_RAISE;
		if (ioctl(fd, VIC_TEST_SIGNAL, &sg))
			goto out_fds;
	}
	good = take_sum(fds, VT_NVEC) == 3 * VT_NVEC;
out_fds:
	vicdev_close_fds(fds, VT_NVEC);
out:
	if (fd >= 0)
		close(fd);
	free(s);
	return good;
}

static int rmmod(const char *name)
{
	int i;

	/* a just-closed file may still hold the module for a moment */
	for (i = 0; i < 100; i++) {
		if (!syscall(SYS_delete_module, name, O_NONBLOCK))
			return 0;
		if (errno != EWOULDBLOCK && errno != EAGAIN)
			break;
		usleep(10000);
	}
	tap_diag("rmmod %s: %s", name, strerror(errno));
	return -1;
}

/* One cycle; returns false on any failure (with diagnostics). */
static bool cycle(unsigned int n)
{
	char uuid[NINST][VICDEV_UUID_LEN];
	int32_t fds[NINST][NVEC];
	struct vicdev d[NINST];
	bool good = true;
	int i;

	if (vicdev_load_module("vic", "") ||
	    vicdev_load_module("vic_msix", "") ||
	    vicdev_load_module("vic_mdev", "nvec=128 nr_emulated=16")) {
		tap_diag("cycle %u: %s", n, vicdev_errmsg());
		return false;
	}
	for (i = 0; i < NINST; i++) {
		if (vicdev_create(uuid[i]) || vicdev_open(&d[i], uuid[i]) ||
		    vicdev_eventfds(fds[i], NVEC)) {
			tap_diag("cycle %u: %s", n, vicdev_errmsg());
			return false;
		}
		good &= instance_traffic(&d[i], fds[i]);
	}
	for (i = 0; i < NINST; i++) {
		vicdev_close(&d[i]);
		good &= !vicdev_remove(uuid[i]);
		vicdev_close_fds(fds[i], NVEC);
	}
	if (vicdev_load_module("vic_test", "")) {
		tap_diag("cycle %u: %s", n, vicdev_errmsg());
		return false;
	}
	good &= vic_test_traffic();
	good &= !rmmod("vic_test");
	good &= !rmmod("vic_mdev");
	good &= !rmmod("vic_msix");
	good &= !rmmod("vic");
	good &= count_dir(VIC_DEBUGFS_ROOT) < 0;
	good &= access(TRACEFS "/events/vic", F_OK) != 0;
	if (!good)
		tap_diag("cycle %u failed", n);
	return good;
}

static void print_snap(const char *what, const struct snap *s)
{
	tap_diag("%-7s Slab %lld kB (unreclaimable %lld kB), slab objects %lld "
		 "(%lld kB), Percpu %lld kB, VmallocUsed %lld kB, IRQs %d",
		 what, s->slab_kb, s->sunreclaim_kb, s->slab_objs,
		 s->slab_bytes / 1024, s->percpu_kb, s->vmalloc_kb,
		 s->irq_descs);
}

static long long cache_objs(const struct snap *s, const char *name)
{
	int i;

	for (i = 0; i < s->ncaches; i++)
		if (!strcmp(s->caches[i].name, name))
			return s->caches[i].objs;
	return 0;
}

/* The caches that grew most from @a to @b, as diagnostics. */
static void top_growth(const struct snap *a, const struct snap *b,
		       const char *what)
{
	int i, j, best, shown[8], n = 0;
	long long d, bd;

	for (j = 0; j < 8; j++) {
		best = -1;
		bd = 0;
		for (i = 0; i < b->ncaches; i++) {
			int k, dup = 0;

			for (k = 0; k < n; k++)
				dup |= shown[k] == i;
			d = b->caches[i].objs -
			    cache_objs(a, b->caches[i].name);
			if (!dup && d > bd) {
				bd = d;
				best = i;
			}
		}
		if (best < 0)
			break;
		shown[n++] = best;
		tap_diag("%s: %-24s %+6lld objects (%lld bytes each)", what,
			 b->caches[best].name, bd, b->caches[best].size);
	}
}

/*
 * The kmalloc caches are where the modules' objects live (contexts,
 * vectors, triggers, IMS state, IRQ descriptors and actions, eventfd
 * contexts); the others (inodes, dentries, files, LSM blobs) follow the
 * file system activity of the test itself, so they get more slack.
 */
static bool is_kmalloc(const char *name)
{
	return !strncmp(name, "kmalloc-", 8);
}

/*
 * Caches that grew from @a to @b by more than @kmalloc objects (kmalloc
 * caches) or @other objects (the rest).
 */
static int grown(const struct snap *a, const struct snap *b, long long kmalloc,
		 long long other)
{
	long long d, limit;
	int i, n = 0;

	for (i = 0; i < b->ncaches; i++) {
		d = b->caches[i].objs - cache_objs(a, b->caches[i].name);
		limit = is_kmalloc(b->caches[i].name) ? kmalloc : other;
		if (d > limit) {
			tap_diag(
				"cache %s: %+lld objects of %lld bytes (limit %lld)",
				b->caches[i].name, d, b->caches[i].size, limit);
			n++;
		} else if (opt.verbose && d) {
			tap_diag("cache %s: %+lld", b->caches[i].name, d);
		}
	}
	return n;
}

/*
 * kmalloc caches that grew in every quarter of the run by more than one
 * object a cycle (plus 8): a leak, however small, grows steadily; the
 * caches' own noise comes in jumps.
 */
static int steady(struct snap *const q[5], unsigned int cycles)
{
	long long limit = cycles / 4 + 8, d;
	int i, k, n = 0;
	bool all;

	for (i = 0; i < q[4]->ncaches; i++) {
		const char *name = q[4]->caches[i].name;

		if (!is_kmalloc(name))
			continue;
		all = true;
		for (k = 0; k < 4 && all; k++) {
			d = cache_objs(q[k + 1], name) - cache_objs(q[k], name);
			all = d > limit;
		}
		if (all) {
			tap_diag(
				"cache %s: grew in every quarter, %+lld objects in all",
				name,
				cache_objs(q[4], name) -
					cache_objs(q[0], name));
			n++;
		}
	}
	return n;
}

static void compare(const struct snap *a, const struct snap *b,
		    unsigned int cycles)
{
	long long kml = 256 + 8LL * cycles, oth = 1024 + 16LL * cycles;
	long long tol = opt.tolerance_kb + 16LL * cycles, d;

	tap_is(grown(a, b, kml, oth), 0,
	       "whole run: no kmalloc cache grew by more than %lld objects, no other by more than %lld",
	       kml, oth);
	d = (b->slab_bytes - a->slab_bytes) / 1024;
	tap_ok(d <= tol,
	       "slab objects: %+lld kB after %u cycles (tolerance %lld kB)", d,
	       cycles, tol);
	d = b->sunreclaim_kb - a->sunreclaim_kb;
	tap_ok(d <= tol, "unreclaimable slab: %+lld kB (tolerance %lld kB)", d,
	       tol);
	d = b->percpu_kb - a->percpu_kb;
	tap_ok(d <= tol, "per-CPU memory: %+lld kB (tolerance %lld kB)", d,
	       tol);
	d = b->vmalloc_kb - a->vmalloc_kb;
	tap_ok(d <= tol, "vmalloc: %+lld kB (tolerance %lld kB)", d, tol);
	tap_is(b->irq_descs, a->irq_descs, "Linux IRQ descriptors: back to %d",
	       a->irq_descs);
	tap_is(b->irq_lines, a->irq_lines, "/proc/interrupts lines: back to %d",
	       a->irq_lines);
	tap_is(b->vfio_nodes, a->vfio_nodes, "/dev/vfio nodes: back to %d",
	       a->vfio_nodes);
	tap_is(b->iommu_groups, a->iommu_groups, "IOMMU groups: back to %d",
	       a->iommu_groups);
	tap_is(b->mdevs, a->mdevs, "mdev devices: back to %d", a->mdevs);
	tap_is(b->fds, a->fds, "this process's fds: back to %d", a->fds);
}

static void usage(void)
{
	fprintf(stderr,
		"usage: vic-unload [--cycles N] [--warmup N] [--tolerance-kb KB] [--verbose]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "cycles", required_argument, NULL, 'n' },
		{ "warmup", required_argument, NULL, 'w' },
		{ "tolerance-kb", required_argument, NULL, 'k' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	static struct snap base, q1, mid, q3, end;
	struct snap *q[5] = { &base, &q1, &mid, &q3, &end };
	uint64_t t0, t1;
	unsigned int i, failed = 0;
	int c;

	while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (c) {
		case 'n':
			opt.cycles = parse_u64("--cycles", optarg);
			break;
		case 'w':
			opt.warmup = parse_u64("--warmup", optarg);
			break;
		case 'k':
			opt.tolerance_kb = parse_u64("--tolerance-kb", optarg);
			break;
		case 'v':
			opt.verbose = true;
			break;
		default:
			usage();
		}
	}
	if (optind != argc || !opt.cycles)
		usage();
	if (geteuid()) {
		printf("1..0 # SKIP needs root (run in the test VM)\n");
		return 77;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);

	/* the kernel's own modules stay; ours must not be loaded */
	if (vicdev_load("") || vicdev_unload() || rmmod("vic_msix") ||
	    rmmod("vic"))
		tap_bail("preparing the modules");
	if (vicdev_module_loaded("vic_test") && rmmod("vic_test"))
		tap_bail("unloading vic_test");

	for (i = 0; i < opt.warmup; i++)
		if (!cycle(i))
			tap_bail("warm-up cycle");
	snapshot(&base);
	print_snap("before", &base);
	t0 = vicdev_now_ns();
	for (i = 0; i < opt.cycles; i++) {
		if (!cycle(opt.warmup + i))
			failed++;
		if (opt.cycles >= 4 && (i + 1) % (opt.cycles / 4) == 0 &&
		    i + 1 < opt.cycles && (i + 1) / (opt.cycles / 4) < 4) {
			snapshot(q[(i + 1) / (opt.cycles / 4)]);
			if ((i + 1) / (opt.cycles / 4) == 2)
				print_snap("halfway", &mid);
		}
	}
	t1 = vicdev_now_ns();
	snapshot(&end);
	print_snap("after", &end);
	tap_is(failed, 0, "%u load/create/traffic/remove/unload cycles",
	       opt.cycles);
	tap_diag("%.2f s per cycle; each: 2 instances x %d vectors, %d raises "
		 "each, and a vic_test context of %d vectors",
		 (t1 - t0) / 1e9 / opt.cycles, NVEC,
		 NVEC + GEN_TOTAL + (NVEC + 16) / 17, VT_NVEC);
	top_growth(&base, &end, "whole run");
	compare(&base, &end, opt.cycles);
	if (opt.cycles >= 4) {
		top_growth(&mid, &end, "second half");
		tap_is(steady(q, opt.cycles), 0,
		       "no kmalloc cache grew in every quarter by more than %u objects",
		       opt.cycles / 4 + 8);
	}
	tap_ok(!vicdev_module_loaded("vic") &&
		       !vicdev_module_loaded("vic_mdev") &&
		       !vicdev_module_loaded("vic_test"),
	       "no vic module left loaded");
	tap_diag("vic-unload: cycles %u slab %+lld kB unreclaimable %+lld kB "
		 "percpu %+lld kB objects %+lld",
		 opt.cycles, (end.slab_bytes - base.slab_bytes) / 1024,
		 end.sunreclaim_kb - base.sunreclaim_kb,
		 end.percpu_kb - base.percpu_kb,
		 end.slab_objs - base.slab_objs);
	return tap_done();
}
