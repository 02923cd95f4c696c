// SPDX-License-Identifier: GPL-2.0-only
/*
 * imstop-load: traffic for imstop's demo and overhead measurements. Each
 * mode drives the vic core through /dev/vic_test or a vic_mdev instance
 * and prints one line "MODE n=N ns_per_op=X" (the median of the repeats)
 * that tools/imstop/imstop-bench.sh reads. The modules must be loaded.
 *
 *   vt-signal      VIC_TEST_SIGNAL loops on an emulated vector (--ims: an
 *                  IMS-backed one, raised): ns per signal
 *   mdev-doorbell  vic_mdev DOORBELL write -> eventfd read round trips
 *   mdev-gen       vic_mdev traffic generator runs: GEN_ELAPSED_NS/GEN_DONE
 *   mdev-demo      a vic_mdev instance with varied traffic for -t seconds
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <vic_test.h>

#include "vic_debugfs.h"
#include "vicdev.h"

#define MAX_REPEAT 64

static struct {
	uint64_t n;
	int repeat;
	uint32_t vector;
	uint32_t vectors;
	uint32_t period_ns;
	double seconds;
	bool ims;
} opt = {
	.repeat = 5,
	.vectors = 1,
	.period_ns = 50000,
	.seconds = 5,
};

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static void __attribute__((noreturn, format(printf, 1, 2)))
die(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "imstop-load: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n");
	exit(1);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static void report(const char *mode, uint64_t n, double *runs, int nruns)
{
	qsort(runs, nruns, sizeof(*runs), cmp_double);
	printf("%s n=%" PRIu64 " ns_per_op=%.1f min=%.1f max=%.1f\n", mode, n,
	       runs[nruns / 2], runs[0], runs[nruns - 1]);
	fflush(stdout);
}

/* --- /dev/vic_test ----------------------------------------------------- */

static int vt_open(void)
{
	struct vic_test_create c = { .nvec = 2, .ims_slots = 2 };
	struct vic_test_range r = { .start = 0, .count = 1 };
	struct {
		struct vfio_irq_set s;
		int32_t fd;
	} set = {};
	int fd, efd;

	fd = open("/dev/vic_test", O_RDWR | O_CLOEXEC);
	if (fd < 0)
		die("cannot open /dev/vic_test: %s (is vic_test.ko loaded?)",
		    strerror(errno));
	if (ioctl(fd, VIC_TEST_CREATE, &c) < 0)
		die("VIC_TEST_CREATE: %s", strerror(errno));
	if (!opt.ims && ioctl(fd, VIC_TEST_SET_EMULATED, &r))
		die("VIC_TEST_SET_EMULATED: %s", strerror(errno));
	efd = vicdev_eventfd();
	if (efd < 0)
		die("eventfd: %s", strerror(errno));
	set.s.argsz = sizeof(set);
	set.s.flags = VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_ACTION_TRIGGER;
	set.s.index = VFIO_PCI_MSIX_IRQ_INDEX;
	set.s.start = 0;
	set.s.count = 1;
	set.fd = efd;
	if (ioctl(fd, VIC_TEST_SET_IRQS, &set))
		die("VIC_TEST_SET_IRQS: %s", strerror(errno));
	return fd;
}

static void vt_signal(void)
{
	struct vic_test_signal sig = {
		.vector = 0,
		.flags = opt.ims ? VIC_TEST_SIGNAL_RAISE : 0,
	};
	double runs[MAX_REPEAT];
	uint64_t t0;
	int fd, i;

	fd = vt_open();
	sig.count = opt.n / 10 + 1; /* warm up */
	if (ioctl(fd, VIC_TEST_SIGNAL, &sig))
		die("VIC_TEST_SIGNAL: %s", strerror(errno));
	sig.count = opt.n;
	for (i = 0; i < opt.repeat && !stop; i++) {
		t0 = vicdev_now_ns();
		if (ioctl(fd, VIC_TEST_SIGNAL, &sig))
			die("VIC_TEST_SIGNAL: %s", strerror(errno));
		runs[i] = (double)(vicdev_now_ns() - t0) / (double)opt.n;
	}
	close(fd);
	if (i)
		report(opt.ims ? "vt-raise-ims" : "vt-signal", opt.n, runs, i);
}

/* --- vic_mdev ----------------------------------------------------------- */

static struct vicdev dev;
static int32_t *fds;

static void mdev_up(void)
{
	char uuid[VICDEV_UUID_LEN];

	if (vicdev_create(uuid))
		die("creating a vic_mdev instance: %s (is vic_mdev.ko loaded?)",
		    vicdev_errmsg());
	if (vicdev_open(&dev, uuid)) {
		vicdev_remove(uuid);
		die("opening %s: %s", uuid, vicdev_errmsg());
	}
	fds = calloc(dev.nvec, sizeof(*fds));
	if (!fds || vicdev_eventfds(fds, dev.nvec))
		die("eventfds: %s", vicdev_errmsg());
}

static void mdev_down(void)
{
	char uuid[VICDEV_UUID_LEN];

	snprintf(uuid, sizeof(uuid), "%s", dev.uuid);
	vicdev_close(&dev);
	vicdev_close_fds(fds, dev.nvec);
	free(fds);
	if (vicdev_remove(uuid))
		fprintf(stderr, "imstop-load: removing %s: %s\n", uuid,
			vicdev_errmsg());
}

static void mdev_set(uint32_t first, uint32_t count)
{
	if (first + count > dev.nvec)
		die("vectors %u..%u: the device has %u", first,
		    first + count - 1, dev.nvec);
	if (vicdev_msix_set(&dev, first, count, fds + first))
		die("setting triggers: %s", vicdev_errmsg());
}

static void mdev_doorbell(void)
{
	double runs[MAX_REPEAT];
	uint64_t c, t0, k;
	int i;

	mdev_up();
	mdev_set(opt.vector, 1);
	for (i = 0; i < opt.repeat && !stop; i++) {
		t0 = vicdev_now_ns();
		for (k = 0; k < opt.n; k++) {
			if (vicdev_doorbell(&dev, opt.vector) ||
			    vicdev_eventfd_wait(fds[opt.vector], 1000, &c))
				die("doorbell round trip: %s", vicdev_errmsg());
			if (c != 1)
				die("eventfd count %" PRIu64 ", want 1", c);
		}
		runs[i] = (double)(vicdev_now_ns() - t0) / (double)opt.n;
	}
	mdev_down();
	if (i)
		report("mdev-doorbell", opt.n, runs, i);
}

static void drain(uint32_t first, uint32_t count)
{
	uint64_t c;
	uint32_t v;

	for (v = first; v < first + count; v++)
		vicdev_eventfd_take(fds[v], &c);
}

static void mdev_gen(void)
{
	double runs[MAX_REPEAT];
	uint64_t done, elapsed;
	int i;

	mdev_up();
	mdev_set(opt.vector, opt.vectors);
	for (i = 0; i < opt.repeat && !stop; i++) {
		if (vicdev_gen_start(&dev, opt.vector, opt.vectors, 0, opt.n) ||
		    vicdev_gen_wait(&dev, 600000) ||
		    vicdev_read64(&dev, VIC_MDEV_REG_GEN_DONE, &done) ||
		    vicdev_read64(&dev, VIC_MDEV_REG_GEN_ELAPSED_NS, &elapsed))
			die("generator: %s", vicdev_errmsg());
		if (done != opt.n)
			die("generator: GEN_DONE %" PRIu64 ", want %" PRIu64,
			    done, opt.n);
		runs[i] = (double)elapsed / (double)done;
		drain(opt.vector, opt.vectors);
	}
	mdev_down();
	if (i)
		report("mdev-gen", opt.n, runs, i);
}

/* Print the core's debugfs view of the instance named @name. */
static void show_vectors(const char *name)
{
	char path[128], line[256];
	int id = vic_dbg_find(name);
	FILE *f;

	snprintf(path, sizeof(path), VIC_DEBUGFS_ROOT "/%d/vectors", id);
	f = id < 0 ? NULL : fopen(path, "r");
	if (!f)
		return;
	printf("%s (device %s):\n", path, name);
	while (fgets(line, sizeof(line), f))
		printf("  %s", line);
	fclose(f);
}

/*
 * The demo: every vector gets a trigger (IMS vectors allocate), a few
 * cookies are set, the generator raises all vectors round-robin, vector 1
 * gets extra doorbells, and the last vector is masked now and then (its
 * raises pend, and are released on unmask).
 */
static void mdev_demo(void)
{
	uint64_t end, now, total;
	uint32_t n, last, v;
	unsigned int tick = 0;

	mdev_up();
	n = dev.nvec;
	last = n - 1;
	for (v = 1; v < n && v < 4; v++)
		vicdev_set_cookie(&dev, v, 0x1000 + v); /* fails if emulated */
	mdev_set(0, n);
	total = (uint64_t)(opt.seconds * 1e9 / opt.period_ns) + 1;
	if (vicdev_gen_start(&dev, 0, n, opt.period_ns, total))
		die("generator: %s", vicdev_errmsg());
	end = vicdev_now_ns() + (uint64_t)(opt.seconds * 1e9);
	while (!stop && (now = vicdev_now_ns()) < end) {
		if (n > 1) {
			for (v = 0; v < 20; v++)
				vicdev_doorbell(&dev, 1);
		}
		if (n > 2)
			vicdev_mask(&dev, last, tick % 20 < 5);
		drain(0, n);
		usleep(50000);
		tick++;
	}
	vicdev_write32(&dev, VIC_MDEV_REG_GEN_CTRL, 0);
	vicdev_gen_wait(&dev, 5000);
	drain(0, n);
	show_vectors(dev.uuid);
	mdev_down();
	printf("mdev-demo done\n");
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: imstop-load MODE [OPTIONS]\n"
		"\n"
		"Traffic for imstop (the vic modules must be loaded):\n"
		"  vt-signal      VIC_TEST_SIGNAL on an emulated vector (--ims: raise\n"
		"                 an IMS-backed one); ns per signal\n"
		"  mdev-doorbell  vic_mdev DOORBELL -> eventfd round trip; ns each\n"
		"  mdev-gen       vic_mdev generator, back to back; ns per raise\n"
		"  mdev-demo      varied vic_mdev traffic for -t seconds\n"
		"\n"
		"Options:\n"
		"  -n N        operations per run (default: mode-dependent)\n"
		"  -r R        runs; the median is printed (default 5, max %d)\n"
		"  -V VEC      (first) vector (default 0)\n"
		"  -c COUNT    vectors for mdev-gen (default 1)\n"
		"  -p NS       generator period for mdev-demo (default 50000)\n"
		"  -t SEC      mdev-demo duration (default 5)\n"
		"  --ims       vt-signal: an IMS-backed vector\n",
		MAX_REPEAT);
}

int main(int argc, char **argv)
{
	static const struct option lopts[] = {
		{ "ims", no_argument, NULL, 'I' },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	const char *mode;
	int c;

	if (argc < 2 || !strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
		usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	mode = argv[1];
	optind = 2;
	while ((c = getopt_long(argc, argv, "n:r:V:c:p:t:h", lopts, NULL)) !=
	       -1) {
		switch (c) {
		case 'n':
			opt.n = strtoull(optarg, NULL, 0);
			break;
		case 'r':
			opt.repeat = atoi(optarg);
			break;
		case 'V':
			opt.vector = strtoul(optarg, NULL, 0);
			break;
		case 'c':
			opt.vectors = strtoul(optarg, NULL, 0);
			break;
		case 'p':
			opt.period_ns = strtoul(optarg, NULL, 0);
			break;
		case 't':
			opt.seconds = strtod(optarg, NULL);
			break;
		case 'I':
			opt.ims = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (opt.repeat < 1 || opt.repeat > MAX_REPEAT || !opt.vectors ||
	    !opt.period_ns || !(opt.seconds > 0))
		die("invalid option value (see --help)");
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);

	if (!strcmp(mode, "vt-signal")) {
		opt.n = opt.n ? opt.n : 100000;
		vt_signal();
	} else if (!strcmp(mode, "mdev-doorbell")) {
		opt.n = opt.n ? opt.n : 20000;
		mdev_doorbell();
	} else if (!strcmp(mode, "mdev-gen")) {
		opt.n = opt.n ? opt.n : 200000;
		mdev_gen();
	} else if (!strcmp(mode, "mdev-demo")) {
		mdev_demo();
	} else {
		usage(stderr);
		return 2;
	}
	return 0;
}
