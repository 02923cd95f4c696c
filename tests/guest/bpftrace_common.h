/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Shared by the bpftrace guest tests: run bpftrace as a child, know when its
 * probes are attached, stop it as Ctrl-C would, parse its output; and the
 * workload with exact, known counts that the tests check the output against.
 */
#ifndef VIC_BPFTRACE_COMMON_H
#define VIC_BPFTRACE_COMMON_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/aio_abi.h>
#include <linux/bpf.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../lib/tap.h"
#include "../lib/vt.h"

/* The workload's process name, as bpftrace's comm shows it. */
#define BT_COMM "vicwork"

/*
 * Generous limits: bpftrace is slow to start under TCG, and slower on the
 * debug kernel (its BTF is larger, every path is checked): times the time
 * scale.
 */
#define BT_START_MS (90000 * tap_time_scale())
#define BT_STOP_MS (60000 * tap_time_scale())

static inline long long bt_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

static inline void bt_sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

/* One bpftrace run: its pid and everything it printed (stdout + stderr). */
struct bt_run {
	pid_t pid;
	int fd;
	char *out;
	size_t len, cap;
	int status;
	long long misses; /* its programs' recursion misses, at bt_stop() */
};

/* Start @argv (argv[0] is run as it is, through PATH) with its output
 * captured. Returns 0, or -1 (diagnosed).
 */
static inline int bt_spawn(struct bt_run *r, char *const argv[])
{
	int p[2];

	memset(r, 0, sizeof(*r));
	r->fd = -1;
	if (pipe2(p, O_CLOEXEC)) {
		tap_diag("pipe: %s", strerror(errno));
		return -1;
	}
	fflush(stdout);
	r->pid = fork();
	if (r->pid < 0) {
		tap_diag("fork: %s", strerror(errno));
		close(p[0]);
		close(p[1]);
		return -1;
	}
	if (!r->pid) {
		dup2(p[1], 1);
		dup2(p[1], 2);
		execvp(argv[0], argv);
		fprintf(stderr, "exec %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	close(p[1]);
	r->fd = p[0];
	fcntl(r->fd, F_SETFL, O_NONBLOCK);
	return 0;
}

/* Read what is there, waiting up to @ms for something; 0 at EOF. */
static inline int bt_pump(struct bt_run *r, int ms)
{
	struct pollfd pfd = { .fd = r->fd, .events = POLLIN };
	char buf[4096];
	ssize_t n;

	if (r->fd < 0)
		return 0;
	if (poll(&pfd, 1, ms) <= 0)
		return 1;
	n = read(r->fd, buf, sizeof(buf));
	if (n < 0)
		return errno == EAGAIN || errno == EINTR;
	if (n == 0) {
		close(r->fd);
		r->fd = -1;
		return 0;
	}
	if (r->len + n + 1 > r->cap) {
		r->cap = (r->len + n + 1) * 2;
		r->out = realloc(r->out, r->cap);
		if (!r->out)
			tap_bail("realloc");
	}
	memcpy(r->out + r->len, buf, n);
	r->len += n;
	r->out[r->len] = '\0';
	return 1;
}

/* Wait up to @ms until the output contains @needle. */
static inline int bt_wait_output(struct bt_run *r, const char *needle, int ms)
{
	long long end = bt_now_ms() + ms;

	while (!(r->out && strstr(r->out, needle))) {
		if (bt_now_ms() >= end || !bt_pump(r, 100))
			return r->out && strstr(r->out, needle);
	}
	return 1;
}

/* How many of @pid's fds are BPF programs attached to tracepoints or
 * kprobes (what BPF_TASK_FD_QUERY answers for, as "bpftool perf" lists).
 */
static inline int bt_attached(pid_t pid)
{
	char path[64];
	struct dirent *d;
	DIR *dir;
	int n = 0;

	snprintf(path, sizeof(path), "/proc/%d/fd", pid);
	dir = opendir(path);
	if (!dir)
		return -1;
	while ((d = readdir(dir))) {
		union bpf_attr a;
		char buf[256];

		if (d->d_name[0] == '.')
			continue;
		memset(&a, 0, sizeof(a));
		a.task_fd_query.pid = pid;
		a.task_fd_query.fd = atoi(d->d_name);
		a.task_fd_query.buf = (uint64_t)(unsigned long)buf;
		a.task_fd_query.buf_len = sizeof(buf);
		if (!syscall(__NR_bpf, BPF_TASK_FD_QUERY, &a, sizeof(a)))
			n++;
	}
	closedir(dir);
	return n;
}

/*
 * The runs of @pid's BPF programs that the kernel skipped because another
 * tracing program was running on that CPU (a raise from hard IRQ in the
 * middle of a program): the recursion_misses of the programs its fds hold.
 * -1 when they cannot be read.
 */
static inline long long bt_misses(pid_t pid)
{
	char path[300], line[128];
	struct dirent *d;
	long long n = 0, v;
	DIR *dir;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/fdinfo", pid);
	dir = opendir(path);
	if (!dir)
		return -1;
	while ((d = readdir(dir))) {
		if (d->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/proc/%d/fdinfo/%s", pid,
			 d->d_name);
		f = fopen(path, "r");
		if (!f)
			continue;
		while (fgets(line, sizeof(line), f)) {
			if (sscanf(line, "recursion_misses: %lld", &v) == 1)
				n += v;
		}
		fclose(f);
	}
	closedir(dir);
	return n;
}

/* bpftrace 0.17 runs BEGIN before it attaches the other probes, and prints
 * "Attaching N probes..." before either: wait for that line, then until the
 * count of attached tracepoints and kprobes is at least @want and has not
 * changed for a second. Output is read meanwhile.
 */
static inline int bt_wait_attached(struct bt_run *r, int want)
{
	long long end = bt_now_ms() + BT_START_MS, stable = 0;
	int last = -1, n;

	if (!bt_wait_output(r, "Attaching ", BT_START_MS)) {
		tap_diag("bpftrace did not start; its output:");
		return 0;
	}
	while (bt_now_ms() < end) {
		if (!bt_pump(r, 100))
			return 0; /* exited */
		n = bt_attached(r->pid);
		if (n < 0)
			return 0;
		if (n != last) {
			last = n;
			stable = bt_now_ms();
		} else if (n >= want && bt_now_ms() - stable >= 1000) {
			return 1;
		}
	}
	tap_diag("%d probes attached after %d s, want %d", last,
		 BT_START_MS / 1000, want);
	return 0;
}

/* Read until EOF and reap the child, SIGKILLing it after @ms. */
static inline int bt_reap(struct bt_run *r, int ms)
{
	long long end = bt_now_ms() + ms;

	while (bt_pump(r, 100)) {
		if (bt_now_ms() >= end) {
			tap_diag("bpftrace did not stop: killed");
			kill(r->pid, SIGKILL);
			end = bt_now_ms() + 10000;
			ms = 0;
		}
	}
	if (waitpid(r->pid, &r->status, 0) < 0)
		return -1;
	return WIFEXITED(r->status) ? WEXITSTATUS(r->status) : 128;
}

/* Diagnose a bpftrace that does not stop: its threads' signal state and
 * where they wait.
 */
static inline void bt_diag_stuck(pid_t pid)
{
	char cmd[512];

	snprintf(cmd, sizeof(cmd),
		 "for t in /proc/%d/task/*; do echo \"# $t: $(cat $t/wchan)"
		 " syscall $(cut -d' ' -f1 $t/syscall)\"; "
		 "grep -E '^(SigPnd|ShdPnd|SigBlk|SigIgn|SigCgt)' $t/status | "
		 "sed 's/^/#   /'; done",
		 pid);
	fflush(stdout);
	if (system(cmd))
		tap_diag("cannot read /proc/%d", pid);
}

static inline int bt_in_epoll_wait(pid_t pid)
{
	char path[64], wchan[64] = "";
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/wchan", pid);
	f = fopen(path, "r");
	if (!f)
		return 0;
	if (!fgets(wchan, sizeof(wchan), f))
		wchan[0] = '\0';
	fclose(f);
	return !strcmp(wchan, "do_epoll_wait");
}

/* Stop bpftrace as Ctrl-C does (after letting it print what is queued)
 * and collect the rest of its output. Returns its exit status.
 *
 * bpftrace 0.17 notices SIGINT only when it interrupts epoll_wait() or when
 * a perf event arrives after it; one that lands between two epoll_wait()
 * calls goes unnoticed until the next event, forever in a quiet script. So
 * while it has printed nothing since and still waits in epoll_wait() (its
 * main loop, where its SIGINT handler is installed), SIGINT is sent again.
 */
static inline int bt_stop(struct bt_run *r)
{
	long long end = bt_now_ms() + 1500, sent;
	size_t len;
	int tries = 0;

	while (bt_now_ms() < end)
		bt_pump(r, 100);
	r->misses = bt_misses(r->pid);
	len = r->len;
	kill(r->pid, SIGINT);
	sent = bt_now_ms();
	end = sent + BT_STOP_MS;
	while (bt_now_ms() < end && bt_pump(r, 100)) {
		if (r->len == len && bt_now_ms() - sent > 5000 && tries < 5 &&
		    bt_in_epoll_wait(r->pid)) {
			tap_diag("bpftrace missed SIGINT: sent again");
			kill(r->pid, SIGINT);
			sent = bt_now_ms();
			tries++;
		}
	}
	if (r->fd >= 0) {
		tap_diag("bpftrace still runs %d s after SIGINT:",
			 BT_STOP_MS / 1000);
		bt_diag_stuck(r->pid);
	}
	return bt_reap(r, 1000);
}

static inline void bt_free(struct bt_run *r)
{
	if (r->fd >= 0)
		close(r->fd);
	free(r->out);
	r->out = NULL;
}

/* Print the output as TAP diagnostics. */
static inline void bt_show(const struct bt_run *r)
{
	const char *p = r->out ? r->out : "";

	while (*p) {
		const char *nl = strchr(p, '\n');
		int n = nl ? (int)(nl - p) : (int)strlen(p);

		printf("#   %.*s\n", n, p);
		p += n + (nl ? 1 : 0);
	}
	fflush(stdout);
}

/* --- Parsing the output --------------------------------------------------- */

/* Does a line start with @prefix? Returns the line's start or NULL; @from
 * continues a search.
 */
static inline const char *bt_find_line(const char *out, const char *from,
				       const char *prefix)
{
	const char *p = from ? from : out;
	size_t n = strlen(prefix);

	if (!p)
		return NULL;
	while (*p) {
		if ((p == out || p[-1] == '\n') && !strncmp(p, prefix, n))
			return p;
		p++;
	}
	return NULL;
}

/* The sum of the values of the map lines "KEY: VALUE" whose key is @key
 * (e.g. "@raised[0, 2]"), or -1 if there is none.
 */
static inline long long bt_map(const struct bt_run *r, const char *key)
{
	char prefix[300];
	const char *p = NULL;
	long long sum = -1;

	snprintf(prefix, sizeof(prefix), "%s: ", key);
	while ((p = bt_find_line(r->out, p, prefix))) {
		sum = (sum < 0 ? 0 : sum) +
		      strtoll(p + strlen(prefix), NULL, 10);
		p++;
	}
	return sum;
}

static inline long long bt_mapf(const struct bt_run *r, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static inline long long bt_mapf(const struct bt_run *r, const char *fmt, ...)
{
	char key[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(key, sizeof(key), fmt, ap);
	va_end(ap);
	return bt_map(r, key);
}

/* The number of samples in histogram @key ("@ns[emulated]"): the sum of the
 * bucket lines "[lo, hi)   N |@@@|" that follow "KEY:", or -1.
 */
static inline long long bt_hist(const struct bt_run *r, const char *key)
{
	char prefix[300];
	const char *p;
	long long n = 0;

	snprintf(prefix, sizeof(prefix), "%s:", key);
	p = bt_find_line(r->out, NULL, prefix);
	if (!p)
		return -1;
	p = strchr(p, '\n');
	while (p && p[1] == '[') {
		const char *close = strchr(p + 1, ')');
		const char *nl = strchr(p + 1, '\n');

		if (!close || (nl && close > nl))
			close = strchr(p + 1, ']');
		if (!close || (nl && close > nl))
			break;
		n += strtoll(close + 1, NULL, 10);
		p = nl;
	}
	return n;
}

/* The sum of the values of the map lines whose key starts with @prefix
 * (e.g. "@[0, 3, " for all the seconds of [0, 3, second]), or -1.
 */
static inline long long bt_map_prefix(const struct bt_run *r,
				      const char *prefix)
{
	const char *p = NULL;
	long long sum = -1;

	while ((p = bt_find_line(r->out, p, prefix))) {
		const char *v = strstr(p, "]: ");

		if (v)
			sum = (sum < 0 ? 0 : sum) + strtoll(v + 3, NULL, 10);
		p++;
	}
	return sum;
}

/* How many lines start with @prefix. */
static inline int bt_prefixed(const struct bt_run *r, const char *prefix)
{
	const char *p = NULL;
	int n = 0;

	while ((p = bt_find_line(r->out, p, prefix))) {
		n++;
		p++;
	}
	return n;
}

/* How many lines are a time() stamp, "HH:MM:SS". */
static inline int bt_stamps(const struct bt_run *r)
{
	const char *p = r->out;
	int n = 0;

	while (p && *p) {
		const char *nl = strchr(p, '\n');

		n += nl && nl - p == 8 && p[2] == ':' && p[5] == ':';
		p = nl ? nl + 1 : NULL;
	}
	return n;
}

/* How many lines contain all the words of @words (space-separated, as
 * whole words).
 */
static inline int bt_lines(const struct bt_run *r, const char *words)
{
	const char *p = r->out;
	int count = 0;

	while (p && *p) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		char line[512], want[256], *w, *save = NULL;
		int all = 1;

		snprintf(line, sizeof(line), " %.*s ", (int)len, p);
		for (w = line; *w; w++)
			if (*w == '\t')
				*w = ' ';
		snprintf(want, sizeof(want), "%s", words);
		for (w = strtok_r(want, " ", &save); w && all;
		     w = strtok_r(NULL, " ", &save)) {
			char tok[128];

			snprintf(tok, sizeof(tok), " %s ", w);
			all = strstr(line, tok) != NULL;
		}
		count += all;
		p = nl ? nl + 1 : NULL;
	}
	return count;
}

static inline int bt_linesf(const struct bt_run *r, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static inline int bt_linesf(const struct bt_run *r, const char *fmt, ...)
{
	char words[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(words, sizeof(words), fmt, ap);
	va_end(ap);
	return bt_lines(r, words);
}

/* --- The workload ------------------------------------------------------------
 *
 * One device of 8 vectors with 4 IMS slots; vectors 0-1 emulated, 2-7
 * backed. Everything below is exact: the tests check these numbers.
 */
#define WL_NVEC 8
#define WL_SLOTS 4
#define WL_COOKIE 0x1234ULL
#define WL_SIG0 10 /* send_signal, vector 0 (emulated) */
#define WL_RAISE1 20 /* raise, vector 1 (emulated) */
#define WL_RAISE2 30 /* raise, vector 2 (IMS: genirq, hard-IRQ handler) */
#define WL_TIMER3 40 /* raise from a hard-IRQ hrtimer, vector 3 (IMS) */
#define WL_PEND1 3 /* raises of vector 1 while masked, then one release */
#define WL_DROP5 2 /* raises of vector 5 (backed, no trigger): dropped */
#define WL_AIO 6 /* AIO reads that signal an eventfd: not vic's */

#define WL_RAISED \
	(WL_SIG0 + WL_RAISE1 + WL_RAISE2 + WL_TIMER3 + WL_PEND1 + WL_DROP5)
#define WL_DELIVERED (WL_SIG0 + WL_RAISE1 + WL_RAISE2 + WL_TIMER3)
#define WL_VIC_SIGNALS (WL_DELIVERED + 1)

/* SET_IRQS flags the workload uses (linux/vfio.h). */
#define WL_F_EVENTFD (VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_ACTION_TRIGGER)
#define WL_F_DISABLE (VFIO_IRQ_SET_DATA_NONE | VFIO_IRQ_SET_ACTION_TRIGGER)
#define WL_F_BAD                                              \
	(VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_DATA_BOOL | \
	 VFIO_IRQ_SET_ACTION_TRIGGER)

struct wl_result {
	int dev; /* the device id the events carry */
	int ok; /* every step did what it should */
};

static inline int wl_check(struct wl_result *res, int cond, const char *what)
{
	if (!cond) {
		tap_diag("workload: %s failed (errno %d: %s)", what, errno,
			 strerror(errno));
		res->ok = 0;
	}
	return cond;
}

/* WL_AIO reads of a memfd through Linux AIO, each completion signalling
 * @efd from aio_complete().
 */
static inline int wl_aio(int efd)
{
	aio_context_t aio = 0;
	struct io_event ev[WL_AIO];
	char buf[WL_AIO][64];
	int i, mfd, done = 0, ret = -1;

	mfd = memfd_create("vicwork", MFD_CLOEXEC);
	if (mfd < 0 || write(mfd, "vic", 3) != 3)
		goto out;
	if (syscall(__NR_io_setup, WL_AIO, &aio))
		goto out;
	for (i = 0; i < WL_AIO; i++) {
		struct iocb cb = {
			.aio_lio_opcode = IOCB_CMD_PREAD,
			.aio_fildes = mfd,
			.aio_buf = (uint64_t)(unsigned long)buf[i],
			.aio_nbytes = sizeof(buf[i]),
			.aio_flags = IOCB_FLAG_RESFD,
			.aio_resfd = efd,
		};
		struct iocb *cbs[1] = { &cb };

		if (syscall(__NR_io_submit, aio, 1, cbs) != 1)
			goto out_destroy;
	}
	while (done < WL_AIO) {
		long n = syscall(__NR_io_getevents, aio, 1, WL_AIO - done, ev,
				 NULL);

		if (n <= 0)
			goto out_destroy;
		done += n;
	}
	ret = 0;
out_destroy:
	syscall(__NR_io_destroy, aio);
out:
	if (mfd >= 0)
		close(mfd);
	return ret;
}

/* Run the workload; its events are those the tests expect. */
static inline struct wl_result wl_run(void)
{
	struct wl_result res = { .dev = -1, .ok = 1 };
	struct vic_test_range emul = { .start = 0, .count = 2 };
	struct vic_test_cookie ck = { .vector = 2, .cookie = WL_COOKIE };
	struct vic_test_timer tm = {
		.vector = 3,
		.flags = VIC_TEST_SIGNAL_RAISE,
		.count = WL_TIMER3,
		.period_ns = 200000,
		/*
		 * All in one expiry. bpftrace's programs (tracepoint, kprobe)
		 * do not run nested in another one on their CPU: a raise from
		 * the hrtimer while the irq_work thread of a PREEMPT_RT kernel
		 * runs them for the deferred delivery of the previous one
		 * would go unseen (and uncounted before 6.7).
		 */
		.burst = WL_TIMER3,
	};
	int32_t fds[4], more[4], bad;
	uint64_t done = 0;
	int fd, i, null_fd, aio_efd;

	fd = vt_create(WL_NVEC, WL_SLOTS, &res.dev);
	if (!wl_check(&res, fd >= 0, "create"))
		return res;
	wl_check(&res, !ioctl(fd, VIC_TEST_SET_EMULATED, &emul), "emulated");
	/* Cookies: one for vector 2's allocation, one refused (emulated). */
	wl_check(&res, !ioctl(fd, VIC_TEST_SET_COOKIE, &ck), "cookie");
	ck.vector = 0;
	wl_check(&res, ioctl(fd, VIC_TEST_SET_COOKIE, &ck) && errno == EINVAL,
		 "cookie on an emulated vector");

	/* Triggers on 0-3: allocations for 2 (with the cookie) and 3. */
	for (i = 0; i < 4; i++)
		fds[i] = efd_new();
	wl_check(&res, !vt_set_fds(fd, 0, 4, fds), "set triggers 0-3");

	/* Three SET_IRQS errors before anything is allocated... */
	bad = dup(0);
	close(bad);
	wl_check(&res, vt_set_fds(fd, 4, 1, &bad) && errno == EBADF,
		 "SET_IRQS with a closed fd");
	null_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	wl_check(&res, vt_set_fds(fd, 4, 1, &null_fd) && errno == EINVAL,
		 "SET_IRQS with a non-eventfd");
	wl_check(&res,
		 vt_set_irqs(fd, WL_F_BAD, 4, 1, &fds[0], sizeof(fds[0])) &&
			 errno == EINVAL,
		 "SET_IRQS with two DATA flags");
	/* ... and one after two allocations (4, 5): 6 finds no slot, 4 and 5
	 * are unwound.
	 */
	for (i = 0; i < 4; i++)
		more[i] = efd_new();
	wl_check(&res, vt_set_fds(fd, 4, 4, more) && errno == ENOSPC,
		 "SET_IRQS past the IMS slots");

	/* Signals. */
	wl_check(&res, !vt_signal(fd, 0, WL_SIG0, 0), "send_signal 0");
	wl_check(&res, !vt_signal(fd, 1, WL_RAISE1, VIC_TEST_SIGNAL_RAISE),
		 "raise 1");
	wl_check(&res, !vt_signal(fd, 2, WL_RAISE2, VIC_TEST_SIGNAL_RAISE),
		 "raise 2");
	wl_check(&res, !ioctl(fd, VIC_TEST_TIMER_START, &tm), "timer start");
	wl_check(&res, !ioctl(fd, VIC_TEST_TIMER_WAIT, &done), "timer wait");
	wl_check(&res, done == WL_TIMER3, "timer raises");

	/* Mask 1, raise it (pended), unmask it (one release). */
	wl_check(&res, !vt_table_mask(fd, 1, 1), "mask 1");
	wl_check(&res, !vt_signal(fd, 1, WL_PEND1, VIC_TEST_SIGNAL_RAISE),
		 "raise masked 1");
	wl_check(&res, !vt_table_mask(fd, 1, 0), "unmask 1");
	/* Vector 5 has no trigger: dropped. */
	wl_check(&res, !vt_signal(fd, 5, WL_DROP5, VIC_TEST_SIGNAL_RAISE),
		 "raise 5");

	/* Eventfd signals that are not vic's. */
	aio_efd = efd_new();
	wl_check(&res, !wl_aio(aio_efd), "AIO reads");

	wl_check(&res, efd_take(fds[0]) == WL_SIG0, "eventfd 0 count");
	wl_check(&res, efd_take(fds[1]) == WL_RAISE1 + 1, "eventfd 1 count");
	wl_check(&res, efd_take(fds[2]) == WL_RAISE2, "eventfd 2 count");
	wl_check(&res, efd_take(fds[3]) == WL_TIMER3, "eventfd 3 count");
	wl_check(&res, efd_take(aio_efd) == WL_AIO, "AIO eventfd count");

	/* Disable MSI-X: triggers 0-3 dropped, 2 and 3 freed. */
	wl_check(&res, !vt_disable(fd), "disable");
	close(fd);
	for (i = 0; i < 4; i++) {
		close(fds[i]);
		close(more[i]);
	}
	close(null_fd);
	close(aio_efd);
	return res;
}

/* Name this process as the tests expect to see it in comm. */
static inline void wl_setup(void)
{
	prctl(PR_SET_NAME, BT_COMM);
	vt_load_modules();
	if (access("/dev/vic_test", F_OK))
		bt_sleep_ms(500); /* udev-less: the node shows up late */
}

/* Skip the whole test when bpftrace is missing. */
static inline void bt_require(void)
{
	if (system("command -v bpftrace >/dev/null 2>&1")) {
		printf("1..0 # SKIP bpftrace is not installed\n");
		exit(77);
	}
}

#endif /* VIC_BPFTRACE_COMMON_H */
