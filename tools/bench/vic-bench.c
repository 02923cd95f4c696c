// SPDX-License-Identifier: GPL-2.0-only
/*
 * vic-bench: the benchmark suite, run in the guest with vic.ko, vic_test.ko
 * and vic_mdev.ko loaded. Prints one JSON object: repeated samples per
 * metric, and per-sample ratios against baselines measured in the same run.
 * Absolute times are reported, never judged.
 */
#define _GNU_SOURCE
#include <argp.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../../tests/lib/vt.h"
#include "bench.h"
#include "vic_debugfs.h"
#include "vic_stats_file.h"
#include "vicdev.h"

static struct env {
	int samples;
	const char *only;
	const char *label;
	const char *tracer;
	int icount; /* -1: from $VIC_ICOUNT */
	bool verbose;
} env = { .samples = 7, .label = "candidate", .icount = -1 };

static bool wanted(const char *group)
{
	return !env.only || strstr(env.only, group);
}

static void die(const char *what)
{
	fprintf(stderr, "vic-bench: %s: %s\n", what, strerror(errno));
	exit(1);
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

/* ---- kernel signal paths: floor, vic, peer, cookie (vic_test) ---- */

static double bench_op(int fd, uint32_t mode, uint32_t vector, int efd,
		       uint64_t count)
{
	struct vic_test_bench b = {
		.mode = mode,
		.vector = vector,
		.eventfd = efd,
		.count = count,
	};

	if (ioctl(fd, VIC_TEST_BENCH, &b))
		die("VIC_TEST_BENCH");
	efd_take(efd);
	return (double)b.elapsed_ns / (double)count;
}

static void bench_signal(struct results *r)
{
	struct vic_test_range emul = { .start = 0, .count = 4 };
	const uint64_t n = 20000;
	int dev, fd, efd, i;
	int32_t f;

	fd = vt_create(16, 16, &dev);
	if (fd < 0 || ioctl(fd, VIC_TEST_SET_EMULATED, &emul))
		die("create a vic_test context");
	efd = efd_new();
	f = efd;
	if (vt_set_fds(fd, 0, 1, &f))
		die("SET_IRQS");
	bench_op(fd, VIC_TEST_BENCH_VIC, 0, efd, n); /* warm up */
	for (i = 0; i < env.samples; i++) {
		double fl = bench_op(fd, VIC_TEST_BENCH_FLOOR, 0, efd, n);
		double vic = bench_op(fd, VIC_TEST_BENCH_VIC, 0, efd, n);
		double peer = bench_op(fd, VIC_TEST_BENCH_PEER, 0, efd, n);
		double ck = bench_op(fd, VIC_TEST_BENCH_COOKIE, 4, efd, n);

		add_sample(r, "signal_floor_ns", "ns/op", fl);
		add_sample(r, "signal_vic_ns", "ns/op", vic);
		add_sample(r, "signal_peer_ns", "ns/op", peer);
		add_sample(r, "cookie_set_ns", "ns/op", ck);
		add_sample(r, "ratio_vic_over_floor", "x", vic / fl);
		add_sample(r, "ratio_peer_over_floor", "x", peer / fl);
	}
	close(efd);
	close(fd);
}

/* ---- scaling: 1 vs 2 CPUs raising distinct vectors of one device ---- */

struct raiser {
	int fd;
	int cpu;
	uint32_t vector;
	uint64_t count;
	pthread_barrier_t *go;
	uint64_t start, end;
};

/*
 * Each raiser times itself. The thread that started them cannot: with a
 * raiser busy on every CPU it may not run again before they are done.
 */
static void *raise_thread(void *arg)
{
	struct raiser *r = arg;
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(r->cpu, &set);
	errno = pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
	if (errno)
		die("pin a raiser to its CPU");
	pthread_barrier_wait(r->go);
	r->start = now_ns();
	if (vt_signal(r->fd, r->vector, r->count, 0))
		die("VIC_TEST_SIGNAL");
	r->end = now_ns();
	return NULL;
}

/* Raises per second of NTHREADS raisers, first start to last end. */
static double run_raisers(int fd, int nthreads, uint64_t count)
{
	uint64_t first = UINT64_MAX, last = 0;
	pthread_barrier_t go;
	struct raiser r[2];
	pthread_t t[2];
	int i;

	pthread_barrier_init(&go, NULL, nthreads);
	for (i = 0; i < nthreads; i++) {
		r[i] = (struct raiser){ fd, i, i, count, &go, 0, 0 };
		errno = pthread_create(&t[i], NULL, raise_thread, &r[i]);
		if (errno)
			die("start a raiser");
	}
	for (i = 0; i < nthreads; i++) {
		pthread_join(t[i], NULL);
		if (r[i].start < first)
			first = r[i].start;
		if (r[i].end > last)
			last = r[i].end;
	}
	pthread_barrier_destroy(&go);
	return (double)(nthreads * count) * 1e9 / (double)(last - first);
}

static void bench_scaling(struct results *r)
{
	struct vic_test_range emul = { .start = 0, .count = 2 };
	int32_t fds[2] = { efd_new(), efd_new() };
	const uint64_t n = 50000;
	int dev, fd, i;

	if (sysconf(_SC_NPROCESSORS_ONLN) < 2) {
		fprintf(stderr, "vic-bench: scaling needs 2 CPUs, skipped\n");
		return;
	}
	fd = vt_create(4, 0, &dev);
	if (fd < 0 || ioctl(fd, VIC_TEST_SET_EMULATED, &emul) ||
	    vt_set_fds(fd, 0, 2, fds))
		die("set up the scaling context");
	for (i = 0; i < env.samples; i++) {
		double one = run_raisers(fd, 1, n);
		double two = run_raisers(fd, 2, n);

		add_sample(r, "raise_1cpu_per_s", "raises/s", one);
		add_sample(r, "raise_2cpu_per_s", "raises/s", two);
		add_sample(r, "ratio_2cpu_over_1cpu", "x", two / one);
		efd_take(fds[0]);
		efd_take(fds[1]);
	}
	close(fd);
	close(fds[0]);
	close(fds[1]);
}

/* ---- SET_IRQS enable of 256 and 2048 backed vectors ---- */

static double time_enable(int fd, const int32_t *fds, uint32_t n)
{
	uint64_t t0 = now_ns();

	if (vt_set_fds(fd, 0, n, fds))
		die("SET_IRQS enable");
	t0 = now_ns() - t0;
	if (vt_disable(fd))
		die("SET_IRQS disable");
	return (double)t0 / 1000.0;
}

static void bench_set_irqs(struct results *r)
{
	struct rlimit rl = { 4096, 4096 };
	static int32_t fds[2048];
	int dev, fd, i;

	if (setrlimit(RLIMIT_NOFILE, &rl))
		die("raise RLIMIT_NOFILE");
	for (i = 0; i < 2048; i++) {
		fds[i] = efd_new();
		if (fds[i] < 0)
			die("eventfd");
	}
	fd = vt_create(2048, 2048, &dev);
	if (fd < 0)
		die("create a 2048-vector context");
	/*
	 * Warm up with both sizes: the first enable of 2048 vectors after a
	 * module load costs twice the next ones (37.3 M against 17.8 M
	 * instructions), setting up what later enables reuse.
	 */
	time_enable(fd, fds, 256);
	time_enable(fd, fds, 2048);
	for (i = 0; i < env.samples; i++) {
		double a = time_enable(fd, fds, 256);
		double b = time_enable(fd, fds, 2048);

		add_sample(r, "set_irqs_256_us", "us", a);
		add_sample(r, "set_irqs_2048_us", "us", b);
		add_sample(r, "ratio_2048_over_256", "x", b / a);
	}
	close(fd);
	for (i = 0; i < 2048; i++)
		close(fds[i]);
}

/* ---- vic_mdev: generator ns/raise, doorbell round trip ---- */

static double gen_ns(struct vicdev *d, uint32_t vector, uint64_t total)
{
	uint64_t done = 0, ns = 0;

	if (vicdev_gen_start(d, vector, 1, 0, total) ||
	    vicdev_gen_wait(d, 60000) ||
	    vicdev_read64(d, VIC_MDEV_REG_GEN_DONE, &done) ||
	    vicdev_read64(d, VIC_MDEV_REG_GEN_ELAPSED_NS, &ns) || done != total)
		die("traffic generator");
	return (double)ns / (double)done;
}

static double doorbell_rtt_us(struct vicdev *d, int efd, int n)
{
	uint64_t t0 = now_ns(), v;
	int i;

	for (i = 0; i < n; i++) {
		if (vicdev_doorbell(d, 0) || vicdev_eventfd_wait(efd, 5000, &v))
			die("doorbell round trip");
	}
	return (double)(now_ns() - t0) / 1000.0 / n;
}

struct mdev {
	char uuid[VICDEV_UUID_LEN];
	struct vicdev d;
	int32_t fds[2];
};

static void mdev_open(struct mdev *m)
{
	if (vicdev_create(m->uuid) || vicdev_open(&m->d, m->uuid))
		die(vicdev_errmsg());
	m->fds[0] = vicdev_eventfd();
	m->fds[1] = vicdev_eventfd();
	if (vicdev_msix_set(&m->d, 0, 2, m->fds))
		die("SET_IRQS on the vic_mdev instance");
}

static void mdev_close(struct mdev *m)
{
	vicdev_close(&m->d);
	vicdev_remove(m->uuid);
	close(m->fds[0]);
	close(m->fds[1]);
}

/*
 * Raises of @vector of the instance whose delivery the core deferred, from
 * its counters: on PREEMPT_RT, those of the generator's hard-IRQ hrtimer,
 * which cannot signal an eventfd there (docs/core.md).
 */
static uint64_t deferred_of(const struct mdev *m, uint32_t vector)
{
	struct vic_stats_file sf;
	struct vic_stats_vector v;
	int ret, id = vic_dbg_find(m->uuid);

	ret = id < 0 ? id : vic_stats_open(&sf, NULL, id);
	if (!ret) {
		ret = vector < sf.nvec ? vic_stats_refresh(&sf) : -ERANGE;
		if (!ret)
			vic_stats_get(&sf, vector, &v);
		vic_stats_close(&sf);
	}
	if (ret) {
		errno = -ret;
		die("the instance's counters");
	}
	return v.deferred;
}

static void sample_gen(struct results *r, struct mdev *m, const char *suffix)
{
	char emul[64], ims[64], deferred[64];
	uint64_t d0 = deferred_of(m, 0);

	snprintf(emul, sizeof(emul), "gen_emul_ns%s", suffix);
	snprintf(ims, sizeof(ims), "gen_ims_ns%s", suffix);
	snprintf(deferred, sizeof(deferred), "gen_emul_deferred%s", suffix);
	add_sample(r, emul, "ns/raise", gen_ns(&m->d, 0, 20000));
	/* Deferred, the signal is not in the generator's time (gate-selftest). */
	add_sample(r, deferred, "share", (deferred_of(m, 0) - d0) / 20000.0);
	add_sample(r, ims, "ns/raise", gen_ns(&m->d, 1, 20000));
	efd_take(m->fds[0]);
	efd_take(m->fds[1]);
}

static void bench_mdev(struct results *r)
{
	struct mdev m;
	int i;

	mdev_open(&m);
	gen_ns(&m.d, 0, 2000); /* warm up */
	for (i = 0; i < env.samples; i++) {
		sample_gen(r, &m, "");
		add_sample(r, "doorbell_rtt_us", "us",
			   doorbell_rtt_us(&m.d, m.fds[0], 500));
	}
	mdev_close(&m);
}

/* ---- a tracer attached: imstop or a bpftrace script ---- */

/* BPF attachments (perf events with a program, BPF links) owned by @pid */
static int tracer_attachments(pid_t pid)
{
	static const char *const cmds[] = {
		"bpftool -j perf list 2>/dev/null",
		"bpftool -j link list 2>/dev/null",
	};
	char key[32], buf[4096];
	int i, n = 0;

	snprintf(key, sizeof(key), "\"pid\":%d,", (int)pid);
	for (i = 0; i < 2; i++) {
		FILE *f = popen(cmds[i], "r");
		size_t len;
		char *p;

		if (!f)
			die("popen bpftool");
		/* keep the tail of the last read: a key may straddle reads */
		len = 0;
		while (fgets(buf + len, sizeof(buf) - len, f)) {
			for (p = buf; (p = strstr(p, key)); p += strlen(key))
				n++;
			len = strlen(buf);
			if (len >= sizeof(key)) {
				memmove(buf, buf + len - sizeof(key) + 1,
					sizeof(key) - 1);
				len = sizeof(key) - 1;
			}
			buf[len] = 0;
		}
		pclose(f);
	}
	return n;
}

/* Is @pid asleep (state S), i.e. done loading and waiting for events? */
static bool tracer_sleeping(pid_t pid)
{
	char path[64], buf[512], *p;
	FILE *f;
	bool s = false;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	f = fopen(path, "r");
	if (f && fgets(buf, sizeof(buf), f)) {
		p = strrchr(buf, ')');
		s = p && p[1] == ' ' && p[2] == 'S';
	}
	if (f)
		fclose(f);
	return s;
}

/*
 * Start the tracer and wait until it is attached: it owns BPF attachments,
 * their number did not change between two looks, and it sleeps (waits for
 * events). Timing before that would measure the untraced path (under
 * icount, where loading BPF takes no time the bench sees, every sample).
 */
static pid_t tracer_start(void)
{
	uint64_t deadline = now_ns() + 600ull * 1000000000ull;
	int last = -1, n;
	pid_t pid = fork();

	if (pid < 0)
		die("fork");
	if (!pid) {
		int null = open("/dev/null", O_WRONLY);

		dup2(null, 1);
		execl("/bin/sh", "sh", "-c", env.tracer, NULL);
		_exit(127);
	}
	for (;;) {
		usleep(250000);
		if (waitpid(pid, NULL, WNOHANG) == pid) {
			fprintf(stderr, "vic-bench: tracer exited early: %s\n",
				env.tracer);
			exit(1);
		}
		n = tracer_attachments(pid);
		if (n > 0 && n == last && tracer_sleeping(pid))
			break;
		last = n;
		if (now_ns() > deadline) {
			fprintf(stderr,
				"vic-bench: tracer not attached after 600 s (%d BPF attachments): %s\n",
				n, env.tracer);
			kill(pid, SIGKILL);
			exit(1);
		}
	}
	if (env.verbose)
		fprintf(stderr,
			"vic-bench: tracer attached (%d BPF attachments)\n", n);
	return pid;
}

static void bench_tracer(struct results *r)
{
	struct mdev m;
	pid_t pid;
	int i;

	mdev_open(&m);
	gen_ns(&m.d, 0, 2000);
	for (i = 0; i < env.samples; i++)
		sample_gen(r, &m, "_untraced");
	pid = tracer_start();
	for (i = 0; i < env.samples; i++)
		sample_gen(r, &m, "_traced");
	kill(pid, SIGINT);
	waitpid(pid, NULL, 0);
	mdev_close(&m);
	ratio_of_medians(r, "ratio_traced_throughput", "gen_emul_ns_untraced",
			 "gen_emul_ns_traced");
}

static const struct argp_option opts[] = {
	{ "samples", 'n', "N", 0, "Samples per metric (default 7)", 0 },
	{ "only", 'm', "GROUPS", 0,
	  "Metric groups: signal,scaling,set_irqs,mdev,tracer (default: all "
	  "but tracer)",
	  0 },
	{ "label", 'l', "LABEL", 0, "Label of this run in the JSON", 0 },
	{ "tracer", 't', "CMD", 0,
	  "Command that attaches a tracer (imstop, bpftrace) for 'tracer'", 0 },
	{ "lane", 'c', "icount|wall", 0,
	  "What guest time is: icount (an instruction count: times are "
	  "reported as *_insn) or wall (default: icount when $VIC_ICOUNT "
	  "is 1, as run-vm --icount sets it)",
	  0 },
	{ "verbose", 'v', NULL, 0, "Progress on stderr", 0 },
	{},
};

static error_t parse_arg(int key, char *arg, struct argp_state *state)
{
	switch (key) {
	case 'n':
		env.samples = atoi(arg);
		if (env.samples < 1 || env.samples > 1000)
			argp_error(state, "samples: 1 to 1000");
		break;
	case 'm':
		env.only = arg;
		break;
	case 'l':
		env.label = arg;
		break;
	case 't':
		env.tracer = arg;
		break;
	case 'c':
		if (!strcmp(arg, "icount"))
			env.icount = 1;
		else if (!strcmp(arg, "wall"))
			env.icount = 0;
		else
			argp_error(state, "lane: icount or wall, not '%s'",
				   arg);
		break;
	case 'v':
		env.verbose = true;
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

int main(int argc, char **argv)
{
	static const struct argp argp = {
		.options = opts,
		.parser = parse_arg,
		.doc = "Benchmark the vic signal paths; JSON on stdout.\v"
		       "Needs vic.ko, vic_test.ko and (for mdev, tracer) "
		       "vic_mdev.ko loaded; see docs/performance.md.",
	};
	const char *ic = getenv("VIC_ICOUNT");
	struct results r = { 0 };

	if (argp_parse(&argp, argc, argv, 0, NULL, NULL))
		return 2;
	r.icount = env.icount < 0 ? ic && !strcmp(ic, "1") : env.icount;
	if (wanted("signal"))
		bench_signal(&r);
	if (wanted("scaling"))
		bench_scaling(&r);
	if (wanted("set_irqs"))
		bench_set_irqs(&r);
	if (wanted("mdev"))
		bench_mdev(&r);
	if (env.tracer && env.only && strstr(env.only, "tracer"))
		bench_tracer(&r);
	print_json(&r, env.label, stdout);
	return 0;
}
