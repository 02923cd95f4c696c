// SPDX-License-Identifier: GPL-2.0-only
/*
 * imstop: a top for the vectors of the vic core. Per vector: raises,
 * deliveries, pends, drops and eventfd signals (the core's own counters,
 * from debugfs), interrupt allocations and cookie sets, with sampled
 * signal (raise -> delivery, or -> eventfd with -e), allocation and
 * cookie-set latency distributions, from the vic tracepoints (and, with
 * -e, a probe on the eventfd signalling function). See docs/imstop.md.
 *
 * This file: the command line and the main loop. attach.c loads and
 * attaches the BPF programs, collect.c reads a window, output.c shows it.
 */
#define _GNU_SOURCE
#include <argp.h>
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>

#include <bpf/libbpf.h>

#include "attach.h"
#include "collect.h"
#include "prom.h"
#include "report.h"
#include "util.h"
#include "vic_debugfs.h"

enum out_fmt { OUT_TEXT, OUT_JSON, OUT_CSV, OUT_NONE };
static struct env {
	double interval;
	long count; /* windows to report; 0: until interrupted */
	const char *dev_arg;
	long long dev; /* -1: all */
	enum sort_key sort;
	int rows; /* -1: default */
	bool hist;
	enum out_fmt out;
	bool no_clear;
	bool batch;
	bool wide;
	bool verbose;
	bool cumulative;
	enum tp_mode tp;
	enum efd_mode efd;
	long max_vectors;
	long max_hists;
	long sample_period; /* time one raise in this many */
	const char *prometheus; /* --prometheus [ADDR:]PORT */
} env = {
	.interval = 1.0,
	.dev = -1,
	.rows = -1,
	.max_vectors = 16384,
	.max_hists = 1024,
	.sample_period = 64,
};

const char *argp_program_version = "imstop 1.0";
static const char argp_program_doc[] =
	"Show the vectors of the vic core, top-like: raises, eventfd signals,\n"
	"pends, drops, interrupt allocations and cookie sets, with latencies.\n"
	"\n"
	"USAGE: imstop [-h] [-b] [-w] [-d DEV] [-s KEY] [-r ROWS] [-H] [-o FMT]\n"
	"              [-C] [-v] [--cumulative] [--prometheus [ADDR:]PORT]\n"
	"              [interval] [count]\n"
	"\n"
	"Counts cover each interval (default 1 s), or the time since imstop\n"
	"started with --cumulative; count reports, then exit (default: until\n"
	"Ctrl-C). The text view has 80 columns: DEV NAME VEC TYPE, SIG/s (eventfd\n"
	"signals per second), SIG p50 and p99 (raise -> delivery, -e: -> eventfd\n"
	"signalled; of one raise in -S on average), "
	"PEND and DROP; -w adds ALLOC n and p50 (backing interrupt allocations)\n"
	"and COOKIE n and p50 (cookie sets), 112 columns.\n"
	"\n"
	"EXAMPLES:\n"
	"    imstop                 # live screen, refreshed every second\n"
	"    imstop -w              # with the allocation and cookie-set columns\n"
	"    imstop -d 0 5          # device 0 only, every 5 seconds\n"
	"    imstop -s p99 -H       # slowest signals first, with histograms\n"
	"    imstop -b 1 60 >log    # batch: 60 reports appended to a file\n"
	"    imstop -o json 1 10    # ten JSON records, one per second\n"
	"    imstop -C --cumulative # totals since start, one screen after another\n"
	"    imstop --prometheus 9464 -o none   # only serve /metrics on port 9464\n";

enum {
	OPT_CUMULATIVE = 0x100,
	OPT_TRACEPOINTS,
	OPT_EVENTFD_PROBE,
	OPT_MAX_VECTORS,
	OPT_E2E,
	OPT_MAX_HISTS,
	OPT_PROMETHEUS,
};

static const struct argp_option opts[] = {
	{ "dev", 'd', "DEV", 0, "Only this device (id or name)", 0 },
	{ "sort", 's', "KEY", 0,
	  "Sort by signals (default), rate (raises/s), p99 (signal latency), "
	  "alloc (allocations), cookie (cookie sets)",
	  0 },
	{ "rows", 'r', "ROWS", 0,
	  "Show at most ROWS vectors (default: the terminal's height for the "
	  "live screen, all otherwise)",
	  0 },
	{ "histograms", 'H', NULL, 0, "Latency histograms per vector", 0 },
	{ "output", 'o', "FMT", 0,
	  "text (default), json (one object per line and interval), csv, or "
	  "none (with --prometheus)",
	  0 },
	{ "no-clear", 'C', NULL, 0, "Don't clear the screen", 0 },
	{ "batch", 'b', NULL, 0,
	  "Batch mode, as top's: no screen control, every row (unless -r), "
	  "one report per interval appended to stdout, the partial last one "
	  "at Ctrl-C",
	  0 },
	{ "wide", 'w', NULL, 0,
	  "Wide text view (112 columns): allocation and cookie-set columns too",
	  0 },
	{ "cumulative", OPT_CUMULATIVE, NULL, 0,
	  "Counts since start instead of per interval", 0 },
	{ "prometheus", OPT_PROMETHEUS, "[ADDR:]PORT", 0,
	  "Serve OpenMetrics on http://ADDR:PORT/metrics (default ADDR: every "
	  "address), counts since start",
	  0 },
	{ "verbose", 'v', NULL, 0, "libbpf debug output", 0 },
	{ NULL, 'h', NULL, OPTION_HIDDEN, "Show the full help", 0 },
	{ NULL, 0, NULL, 0, "Expert options:", 1 },
	{ "tracepoints", OPT_TRACEPOINTS, "MODE", 0,
	  "Attach to the vic tracepoints as tp_btf, raw_tp or auto (default: "
	  "tp_btf when vic.ko has BTF)",
	  1 },
	{ "e2e", 'e', NULL, 0,
	  "End to end: the signal latency ends at the eventfd signal (a probe "
	  "on the eventfd function), not at the delivery; a third BPF program "
	  "on every raise",
	  1 },
	{ "eventfd-probe", OPT_EVENTFD_PROBE, "MODE", 0,
	  "With -e (implied): probe eventfd signals with fentry, kprobe or "
	  "auto (default: fentry when it attaches)",
	  1 },
	{ "max-vectors", OPT_MAX_VECTORS, "N", 0,
	  "Vector slots: the vectors of the devices traced at once (default 16384)",
	  1 },
	{ "max-hist-vectors", OPT_MAX_HISTS, "N", 0,
	  "Vectors with latency histograms (default 1024; they take 1.2 KiB "
	  "per CPU each)",
	  1 },
	{ "sample-period", 'S', "N", 0,
	  "Time the signal latency of one raise in N on average, every raise "
	  "with the same probability (default 64; 1: every raise); counts are "
	  "the core's, always exact",
	  1 },
	{},
};

static int parse_long(const char *s, long min, long max, long *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < min || v > max)
		return -EINVAL;
	*out = v;
	return 0;
}

static error_t parse_arg(int key, char *arg, struct argp_state *state)
{
	static int pos_args;
	long v;

	switch (key) {
	case 'h':
		argp_state_help(state, stderr, ARGP_HELP_STD_HELP);
		break;
	case 'd':
		env.dev_arg = arg;
		break;
	case 's':
		if (!strcmp(arg, "signals"))
			env.sort = SORT_SIGNALS;
		else if (!strcmp(arg, "rate"))
			env.sort = SORT_RATE;
		else if (!strcmp(arg, "p99"))
			env.sort = SORT_P99;
		else if (!strcmp(arg, "alloc"))
			env.sort = SORT_ALLOC;
		else if (!strcmp(arg, "cookie"))
			env.sort = SORT_COOKIE;
		else
			argp_error(
				state,
				"invalid sort key '%s' (signals, rate, p99, alloc, cookie)",
				arg);
		break;
	case 'r':
		if (parse_long(arg, 1, INT_MAX, &v))
			argp_error(state, "invalid number of rows '%s'", arg);
		env.rows = (int)v;
		break;
	case 'H':
		env.hist = true;
		break;
	case 'o':
		if (!strcmp(arg, "text"))
			env.out = OUT_TEXT;
		else if (!strcmp(arg, "json"))
			env.out = OUT_JSON;
		else if (!strcmp(arg, "csv"))
			env.out = OUT_CSV;
		else if (!strcmp(arg, "none"))
			env.out = OUT_NONE;
		else
			argp_error(
				state,
				"invalid output format '%s' (text, json, csv, none)",
				arg);
		break;
	case 'C':
		env.no_clear = true;
		break;
	case 'b':
		env.batch = true;
		break;
	case 'w':
		env.wide = true;
		break;
	case 'v':
		env.verbose = true;
		break;
	case OPT_CUMULATIVE:
		env.cumulative = true;
		break;
	case OPT_PROMETHEUS: {
		char host[256], port[8];

		if (prom_parse_addr(arg, host, sizeof(host), port,
				    sizeof(port)))
			argp_error(
				state,
				"invalid --prometheus address '%s' ([ADDR:]PORT, e.g. 9464, 127.0.0.1:9464, [::1]:9464)",
				arg);
		env.prometheus = arg;
		break;
	}
	case OPT_TRACEPOINTS:
		if (!strcmp(arg, "auto"))
			env.tp = TP_AUTO;
		else if (!strcmp(arg, "tp_btf"))
			env.tp = TP_BTF;
		else if (!strcmp(arg, "raw_tp"))
			env.tp = TP_RAW;
		else
			argp_error(
				state,
				"invalid tracepoint mode '%s' (auto, tp_btf, raw_tp)",
				arg);
		break;
	case OPT_EVENTFD_PROBE:
		if (!strcmp(arg, "auto"))
			env.efd = EFD_AUTO;
		else if (!strcmp(arg, "fentry"))
			env.efd = EFD_FENTRY;
		else if (!strcmp(arg, "kprobe"))
			env.efd = EFD_KPROBE;
		else
			argp_error(
				state,
				"invalid eventfd probe '%s' (auto, fentry, kprobe)",
				arg);
		break;
	case OPT_MAX_VECTORS:
		if (parse_long(arg, 1, IMS_MAX_SLOTS, &env.max_vectors))
			argp_error(state,
				   "invalid number of vectors '%s' (1 to %u)",
				   arg, IMS_MAX_SLOTS);
		break;
	case OPT_MAX_HISTS:
		if (parse_long(arg, 1, IMS_MAX_SLOTS, &env.max_hists))
			argp_error(state,
				   "invalid number of vectors '%s' (1 to %u)",
				   arg, IMS_MAX_SLOTS);
		break;
	case 'S':
		if (parse_long(arg, 1, 1 << 30, &env.sample_period))
			argp_error(state,
				   "invalid sample period '%s' (1 to %d)", arg,
				   1 << 30);
		break;
	case 'e':
		if (env.efd == EFD_NONE)
			env.efd = EFD_AUTO;
		break;
	case ARGP_KEY_ARG: {
		char *end;

		errno = 0;
		if (pos_args == 0) {
			env.interval = strtod(arg, &end);
			if (errno || end == arg || *end ||
			    !(env.interval > 0) || env.interval > 86400)
				argp_error(state, "invalid interval '%s'", arg);
		} else if (pos_args == 1) {
			if (parse_long(arg, 1, LONG_MAX, &env.count))
				argp_error(state, "invalid count '%s'", arg);
		} else {
			argp_error(state, "unexpected argument '%s'", arg);
		}
		pos_args++;
		break;
	}
	case ARGP_KEY_END:
		if (env.out == OUT_NONE && !env.prometheus)
			argp_error(
				state,
				"-o none shows nothing without --prometheus");
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

/* libbpf's warnings always, its debug output with -v. */
static int libbpf_print_fn(enum libbpf_print_level level, const char *format,
			   va_list args)
{
	if (level == LIBBPF_DEBUG && !env.verbose)
		return 0;
	return vfprintf(stderr, format, args);
}

static double ts_diff(const struct timespec *a, const struct timespec *b)
{
	return (double)(a->tv_sec - b->tv_sec) +
	       (double)(a->tv_nsec - b->tv_nsec) / 1e9;
}

static int default_rows(void)
{
	struct winsize ws;

	if (env.rows > 0)
		return env.rows;
	/* 3 to 5 header lines, a blank one, the column header, "(N more
	 * vectors)". */
	if (env.out == OUT_TEXT && !env.batch && !env.hist &&
	    isatty(STDOUT_FILENO) && !ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) &&
	    ws.ws_row > 12)
		return ws.ws_row - 8;
	return -1;
}

static void report_window(struct collect *c, const struct tracer *t,
			  struct prom *prom, bool final)
{
	struct report r = {};

	collect_window(c, &r, final);
	prom_publish(prom, &r);
	r.tracepoints = tp_mode_name(t->plan.tp);
	r.eventfd_probe = efd_mode_name(t->plan.efd);
	r.eventfd_func = t->plan.func;
	r.sample_period = env.sample_period;
	r.hist = env.hist;
	r.wide = env.wide;
	r.max_rows = default_rows();

	switch (env.out) {
	case OUT_TEXT:
		output_text(&r, !env.no_clear && !env.batch);
		break;
	case OUT_JSON:
		output_json(&r);
		break;
	case OUT_CSV:
		output_csv(&r);
		break;
	case OUT_NONE:
		break;
	}
	collect_done(c);
}

/* --- Main ------------------------------------------------------------------ */

static int resolve_dev(void)
{
	char *end;
	long long v;
	int id;

	if (!env.dev_arg)
		return 0;
	errno = 0;
	v = strtoll(env.dev_arg, &end, 10);
	if (!errno && end != env.dev_arg && !*end && v >= 0 &&
	    v <= UINT32_MAX) {
		env.dev = v;
		return 0;
	}
	id = vic_dbg_find(env.dev_arg);
	if (id < 0) {
		if (id == -ENOENT)
			err("no vic device named '%s' (names are in %s/*/name)",
			    env.dev_arg, VIC_DEBUGFS_ROOT);
		else if (id == -EACCES)
			err("cannot look up device '%s': %s is root's only; give its id",
			    env.dev_arg, VIC_DEBUGFS_ROOT);
		else
			err("cannot look up device '%s' in %s: %s (is debugfs mounted?)",
			    env.dev_arg, VIC_DEBUGFS_ROOT, strerror(-id));
		return -1;
	}
	env.dev = id;
	return 0;
}

/* The counts are the core's, in debugfs: say why they cannot be read. */
static int check_debugfs(void)
{
	DIR *d = opendir(VIC_DEBUGFS_ROOT);

	if (d) {
		closedir(d);
		return 0;
	}
	if (errno == EACCES || errno == EPERM)
		err("cannot read %s (%s): imstop reads the core's counters there: need CAP_DAC_READ_SEARCH (besides CAP_BPF and CAP_PERFMON), or root",
		    VIC_DEBUGFS_ROOT, strerror(errno));
	else if (errno == ENOENT)
		err("no %s: mount debugfs (mount -t debugfs none /sys/kernel/debug); imstop reads the core's counters there",
		    VIC_DEBUGFS_ROOT);
	else
		err("cannot read %s: %s", VIC_DEBUGFS_ROOT, strerror(errno));
	return -1;
}

static int setup_signals(void)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	if (sigprocmask(SIG_BLOCK, &set, NULL))
		return -1;
	/*
	 * A shell starts background jobs with SIGINT ignored, and an ignored
	 * signal never reaches the signalfd: take the default action back
	 * (blocked, the signal stays pending for the signalfd).
	 */
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	return signalfd(-1, &set, SFD_CLOEXEC);
}

/* Sleep until @deadline (monotonic); false if a signal came first. */
static bool sleep_until(int sfd, const struct timespec *deadline)
{
	struct pollfd pfd = { .fd = sfd, .events = POLLIN };
	struct timespec now, left;
	double d;

	for (;;) {
		clock_gettime(CLOCK_MONOTONIC, &now);
		d = ts_diff(deadline, &now);
		if (d <= 0)
			return true;
		left.tv_sec = (time_t)d;
		left.tv_nsec = (long)((d - (double)left.tv_sec) * 1e9);
		if (ppoll(&pfd, 1, &left, NULL) > 0)
			return false;
	}
}

int main(int argc, char **argv)
{
	static const struct argp argp = {
		.options = opts,
		.parser = parse_arg,
		.args_doc = "[interval] [count]",
		.doc = argp_program_doc,
	};
	struct tracer_opts to;
	struct collect_opts co;
	struct tracer t = {};
	struct collect c = {};
	struct prom *prom = NULL;
	struct timespec deadline, now;
	long done = 0;
	int sfd, ret;

	ret = argp_parse(&argp, argc, argv, 0, NULL, NULL);
	if (ret)
		return 1;
	libbpf_set_print(libbpf_print_fn);

	if (access("/sys/kernel/btf/vmlinux", R_OK)) {
		err("this kernel has no BTF (/sys/kernel/btf/vmlinux): imstop needs a kernel built with CONFIG_DEBUG_INFO_BTF=y");
		return 1;
	}
	if (access("/sys/module/vic", F_OK)) {
		err("the vic module is not loaded: load vic.ko (e.g. insmod build/kmod/vic.ko, or load a driver that uses it) and run imstop again");
		return 1;
	}
	if (check_debugfs() || resolve_dev())
		return 1;
	if (plan_attach(&t.plan, env.tp, env.efd))
		return 1;
	/* The port is ours before tracing starts, or imstop stops here. */
	if (env.prometheus) {
		prom = prom_listen(env.prometheus);
		if (!prom)
			return 1;
	}

	to = (struct tracer_opts){
		.dev = env.dev,
		.max_vectors = env.max_vectors,
		.max_hists = env.max_hists,
		.sample_period = (__u32)env.sample_period,
		.verbose = env.verbose,
	};
	ret = tracer_load(&t, &to);
	if (!ret)
		ret = tracer_attach(&t);
	if (ret)
		goto out;

	co = (struct collect_opts){
		.dev = env.dev,
		.cumulative = env.cumulative,
		.sort = env.sort,
		.max_hists = (__u32)t.max_hists,
	};
	if (collect_init(&c, tracer_source(&t), &co)) {
		err("out of memory");
		ret = -1;
		goto out;
	}

	sfd = setup_signals();
	if (sfd < 0) {
		err("cannot set up signal handling: %s", strerror(errno));
		ret = -1;
		goto out;
	}
	/* After setup_signals(): the server's thread inherits the mask. */
	if (prom && prom_serve(prom)) {
		ret = -1;
		goto out;
	}
	if (prom)
		fprintf(stderr,
			"imstop: serving OpenMetrics on http://%s/metrics\n",
			prom_where(prom));
	/* Slots for the devices there are first, then the programs count. */
	collect_start(&c);
	tracer_arm(&t);
	deadline = c.start;
	if (t.plan.func)
		fprintf(stderr,
			"imstop: tracing vic (%s) and eventfd signals (%s on %s)%s; Ctrl-C to end\n",
			tp_mode_name(t.plan.tp), efd_mode_name(t.plan.efd),
			t.plan.func, env.dev >= 0 ? ", one device" : "");
	else
		fprintf(stderr, "imstop: tracing vic (%s)%s; Ctrl-C to end\n",
			tp_mode_name(t.plan.tp),
			env.dev >= 0 ? ", one device" : "");

	for (;;) {
		double sec = floor(env.interval);
		bool interrupted;

		deadline.tv_sec += (time_t)sec;
		deadline.tv_nsec += (long)((env.interval - sec) * 1e9);
		if (deadline.tv_nsec >= 1000000000L) {
			deadline.tv_sec++;
			deadline.tv_nsec -= 1000000000L;
		}
		interrupted = !sleep_until(sfd, &deadline);
		if (interrupted) {
			/* Batch consumers get the partial last window. */
			if ((env.out != OUT_TEXT && env.out != OUT_NONE) ||
			    env.batch)
				report_window(&c, &t, prom, true);
			break;
		}
		report_window(&c, &t, prom, false);
		if (env.count && ++done >= env.count)
			break;
		/* Fell behind by more than an interval: start afresh. */
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (ts_diff(&now, &deadline) > env.interval)
			deadline = now;
	}
	close(sfd);
	ret = 0;
out:
	prom_close(prom);
	tracer_close(&t);
	collect_free(&c);
	return ret ? 1 : 0;
}
