// SPDX-License-Identifier: GPL-2.0-only
/*
 * imstop: a top for the vectors of the vic core. Per vector: raises,
 * deliveries, pends, drops, eventfd signals, interrupt allocations and
 * cookie sets, with signal (raise -> eventfd), allocation and cookie-set
 * latency distributions, from the vic tracepoints and a probe on the
 * eventfd signalling function. See docs/imstop.md.
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
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "imstop.h"
#include "imstop.skel.h"
#include "report.h"
#include "vic_debugfs.h"

#define MAX_VECTORS_PER_DEV 2048

enum sort_key { SORT_SIGNALS, SORT_RATE, SORT_P99, SORT_ALLOC, SORT_COOKIE };
enum out_fmt { OUT_TEXT, OUT_JSON, OUT_CSV };
enum tp_mode { TP_AUTO, TP_BTF, TP_RAW };
enum efd_mode { EFD_AUTO, EFD_FENTRY, EFD_KPROBE };

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
	bool verbose;
	bool cumulative;
	enum tp_mode tp;
	enum efd_mode efd;
	long max_vectors;
	long max_hists;
	long lat_rate; /* signal latency samples per second; 0: all */
} env = {
	.interval = 1.0,
	.dev = -1,
	.rows = -1,
	.max_vectors = 16384,
	.max_hists = 1024,
	.lat_rate = 10000,
};

const char *argp_program_version = "imstop 1.0";
static const char argp_program_doc[] =
	"Show the vectors of the vic core, top-like: raises, eventfd signals,\n"
	"pends, drops, interrupt allocations and cookie sets, with latencies.\n"
	"\n"
	"USAGE: imstop [-h] [-d DEV] [-s KEY] [-r ROWS] [-H] [-o FMT] [-C] [-v]\n"
	"              [--cumulative] [interval] [count]\n"
	"\n"
	"Counts cover each interval (default 1 s), or the time since imstop\n"
	"started with --cumulative. SIG is raise -> eventfd signalled, ALLOC\n"
	"the backing interrupt allocation, COOKIE a cookie set.\n"
	"\n"
	"EXAMPLES:\n"
	"    imstop                 # live screen, refreshed every second\n"
	"    imstop -d 0 5          # device 0 only, every 5 seconds\n"
	"    imstop -s p99 -H       # slowest signals first, with histograms\n"
	"    imstop -o json 1 10    # ten JSON records, one per second\n"
	"    imstop -C --cumulative # totals since start, one screen after another\n";

enum {
	OPT_CUMULATIVE = 0x100,
	OPT_TRACEPOINTS,
	OPT_EVENTFD_PROBE,
	OPT_MAX_VECTORS,
	OPT_LAT_RATE,
	OPT_MAX_HISTS,
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
	  "text (default), json (one object per line and interval) or csv", 0 },
	{ "no-clear", 'C', NULL, 0, "Don't clear the screen", 0 },
	{ "cumulative", OPT_CUMULATIVE, NULL, 0,
	  "Counts since start instead of per interval", 0 },
	{ "verbose", 'v', NULL, 0, "libbpf debug output", 0 },
	{ NULL, 'h', NULL, OPTION_HIDDEN, "Show the full help", 0 },
	{ NULL, 0, NULL, 0, "Expert options:", 1 },
	{ "tracepoints", OPT_TRACEPOINTS, "MODE", 0,
	  "Attach to the vic tracepoints as tp_btf, raw_tp or auto (default: "
	  "tp_btf when vic.ko has BTF)",
	  1 },
	{ "eventfd-probe", OPT_EVENTFD_PROBE, "MODE", 0,
	  "Probe eventfd signals with fentry, kprobe or auto (default: fentry "
	  "when it attaches)",
	  1 },
	{ "max-vectors", OPT_MAX_VECTORS, "N", 0,
	  "Vectors the kernel map holds (default 16384)", 1 },
	{ "max-hist-vectors", OPT_MAX_HISTS, "N", 0,
	  "Vectors with latency histograms (default 1024; they take 1.2 KiB "
	  "per CPU each)",
	  1 },
	{ "lat-rate", OPT_LAT_RATE, "N", 0,
	  "Time the signal latency of about N raises per second and CPU, "
	  "sampled evenly, 0 for every raise (default 10000); counts are "
	  "always exact",
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
		else
			argp_error(
				state,
				"invalid output format '%s' (text, json, csv)",
				arg);
		break;
	case 'C':
		env.no_clear = true;
		break;
	case 'v':
		env.verbose = true;
		break;
	case OPT_CUMULATIVE:
		env.cumulative = true;
		break;
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
		if (parse_long(arg, 1, 1 << 24, &env.max_vectors))
			argp_error(state, "invalid number of vectors '%s'",
				   arg);
		break;
	case OPT_MAX_HISTS:
		if (parse_long(arg, 1, 1 << 24, &env.max_hists))
			argp_error(state, "invalid number of vectors '%s'",
				   arg);
		break;
	case OPT_LAT_RATE:
		if (parse_long(arg, 0, UINT32_MAX, &env.lat_rate))
			argp_error(state, "invalid latency sample rate '%s'",
				   arg);
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
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

static int libbpf_print_fn(enum libbpf_print_level level, const char *format,
			   va_list args)
{
	(void)level;
	return vfprintf(stderr, format, args);
}

static void __attribute__((format(printf, 1, 2))) err(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "imstop: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n");
}

static const char *errstr(int e)
{
	static char buf[128];

	libbpf_strerror(e < 0 ? e : -e, buf, sizeof(buf));
	return buf;
}

/* --- Choosing how to attach ---------------------------------------------- */

/* Can a BPF trampoline (fentry) attach to the kernel function @func? */
static bool fentry_attaches(const struct btf *vmlinux, const char *func)
{
	struct bpf_insn insns[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0 },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	LIBBPF_OPTS(bpf_prog_load_opts, o,
		    .expected_attach_type = BPF_TRACE_FENTRY);
	int id, prog, link;

	id = btf__find_by_name_kind(vmlinux, func, BTF_KIND_FUNC);
	if (id <= 0)
		return false;
	o.attach_btf_id = id;
	prog = bpf_prog_load(BPF_PROG_TYPE_TRACING, "imstop_probe", "GPL",
			     insns, sizeof(insns) / sizeof(insns[0]), &o);
	if (prog < 0)
		return false;
	link = bpf_raw_tracepoint_open(NULL, prog);
	if (link >= 0)
		close(link);
	close(prog);
	return link >= 0;
}

static bool kprobes_available(void)
{
	return !access("/sys/bus/event_source/devices/kprobe/type", R_OK) ||
	       !access("/sys/kernel/tracing/kprobe_events", W_OK) ||
	       !access("/sys/kernel/debug/tracing/kprobe_events", W_OK);
}

/* Does vic.ko have BTF with its tracepoints (btf_trace_<event>)? */
static bool vic_has_btf(struct btf *vmlinux)
{
	struct btf *mod = btf__load_module_btf("vic", vmlinux);
	bool ok;

	if (!mod)
		return false;
	ok = btf__find_by_name_kind(mod, "btf_trace_vic_raise",
				    BTF_KIND_TYPEDEF) > 0;
	btf__free(mod);
	return ok;
}

struct attach_plan {
	enum tp_mode tp;
	enum efd_mode efd;
	const char *func;
};

static int plan_attach(struct attach_plan *p)
{
	struct btf *vmlinux;
	int ret = -1;

	vmlinux = btf__load_vmlinux_btf();
	if (!vmlinux) {
		err("cannot read the kernel's BTF (%s): imstop needs a kernel built with CONFIG_DEBUG_INFO_BTF=y",
		    errstr(-errno));
		return -1;
	}

	/* eventfd_signal_mask (6.0+: eventfd_signal calls it), else the old
	 * eventfd_signal. */
	if (btf__find_by_name_kind(vmlinux, "eventfd_signal_mask",
				   BTF_KIND_FUNC) > 0)
		p->func = "eventfd_signal_mask";
	else if (btf__find_by_name_kind(vmlinux, "eventfd_signal",
					BTF_KIND_FUNC) > 0)
		p->func = "eventfd_signal";
	else {
		err("the kernel's BTF has neither eventfd_signal_mask nor eventfd_signal: no function to probe for eventfd signals");
		goto out;
	}

	p->tp = env.tp;
	if (p->tp == TP_AUTO)
		p->tp = vic_has_btf(vmlinux) ? TP_BTF : TP_RAW;
	else if (p->tp == TP_BTF && !vic_has_btf(vmlinux)) {
		err("vic.ko has no BTF (no /sys/kernel/btf/vic with btf_trace_vic_raise), so tp_btf cannot attach: rebuild it with 'make' (which adds BTF with pahole) or use --tracepoints=raw_tp");
		goto out;
	}

	p->efd = env.efd;
	if (p->efd == EFD_AUTO) {
		if (fentry_attaches(vmlinux, p->func))
			p->efd = EFD_FENTRY;
		else if (kprobes_available())
			p->efd = EFD_KPROBE;
		else {
			err("this kernel can attach neither fentry (BPF trampolines) nor a kprobe to %s: imstop needs one of them (CONFIG_FUNCTION_TRACER with BPF trampolines, or CONFIG_KPROBES and CONFIG_KPROBE_EVENTS)",
			    p->func);
			goto out;
		}
	} else if (p->efd == EFD_FENTRY && !fentry_attaches(vmlinux, p->func)) {
		err("fentry cannot attach to %s on this kernel (no BPF trampoline support, or the function is not traceable): use --eventfd-probe=kprobe or auto",
		    p->func);
		goto out;
	} else if (p->efd == EFD_KPROBE && !kprobes_available()) {
		err("this kernel has no kprobe support (CONFIG_KPROBES, CONFIG_KPROBE_EVENTS): use --eventfd-probe=fentry or auto");
		goto out;
	}
	ret = 0;
out:
	btf__free(vmlinux);
	return ret;
}

/* --- Loading and attaching ------------------------------------------------ */

#define MAX_LINKS 32

struct tracer {
	struct imstop_bpf *skel;
	struct attach_plan plan;
	struct bpf_link *links[MAX_LINKS];
	int nlinks;
};

static bool has_prefix(const char *s, const char *prefix)
{
	return !strncmp(s, prefix, strlen(prefix));
}

static bool prog_wanted(const struct attach_plan *p, const char *name)
{
	if (has_prefix(name, "tpb_"))
		return p->tp == TP_BTF;
	if (has_prefix(name, "raw_"))
		return p->tp == TP_RAW;
	if (!strcmp(name, "fentry_eventfd"))
		return p->efd == EFD_FENTRY;
	if (!strcmp(name, "kprobe_eventfd"))
		return p->efd == EFD_KPROBE;
	return false;
}

/* Every slot is free at first. */
static int fill_free_slots(struct tracer *t)
{
	int fd = bpf_map__fd(t->skel->maps.free_slots);
	__u32 slot;

	/* A stack: pushed from the top, slot 0 (with histograms) is next. */
	for (slot = env.max_vectors; slot-- > 0;) {
		if (bpf_map_update_elem(fd, NULL, &slot, BPF_ANY))
			return -errno;
	}
	return 0;
}

/* CONFIG_HZ from the kernel's config file, 0 if not found. */
static long hz_from_config(void)
{
	char path[128], line[256];
	struct utsname u;
	long hz = 0;
	FILE *f;

	if (uname(&u))
		return 0;
	snprintf(path, sizeof(path), "/boot/config-%s", u.release);
	f = fopen(path, "r");
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "CONFIG_HZ=%ld", &hz) == 1)
			break;
	}
	fclose(f);
	return hz;
}

/* jiffies and the monotonic time from /proc/timer_list; 0 on failure. */
static int read_timer_list(unsigned long long *jiffies, long long *now)
{
	char line[256];
	int got = 0;
	FILE *f;

	f = fopen("/proc/timer_list", "r");
	if (!f)
		return -1;
	while (got != 3 && fgets(line, sizeof(line), f)) {
		if (!(got & 1) && sscanf(line, "now at %lld nsecs", now) == 1)
			got |= 1;
		else if (!(got & 2) &&
			 sscanf(line, "jiffies: %llu", jiffies) == 1)
			got |= 2;
	}
	fclose(f);
	return got == 3 ? 0 : -1;
}

/*
 * The kernel's HZ, for the latency budget: from its config file, else
 * measured on /proc/timer_list, else 250.
 */
static long kernel_hz(void)
{
	static const long common[] = { 100, 250, 300, 1000 };
	unsigned long long j0, j1;
	long long t0, t1;
	long hz = hz_from_config(), best = 250;
	double m;
	size_t i;

	if (hz > 0) {
		if (env.verbose)
			fprintf(stderr, "imstop: HZ %ld (kernel config)\n", hz);
		return hz;
	}
	if (read_timer_list(&j0, &t0) || usleep(200000) ||
	    read_timer_list(&j1, &t1) || t1 <= t0) {
		if (env.verbose)
			fprintf(stderr, "imstop: HZ unknown, assuming %ld\n",
				best);
		return best;
	}
	m = (double)(j1 - j0) * 1e9 / (double)(t1 - t0);
	for (i = 0; i < sizeof(common) / sizeof(common[0]); i++) {
		if (fabs(m - common[i]) < fabs(m - best))
			best = common[i];
	}
	if (env.verbose)
		fprintf(stderr, "imstop: HZ %ld (measured %.0f)\n", best, m);
	return best;
}

static int tracer_load(struct tracer *t)
{
	struct bpf_program *prog;
	long hz = env.lat_rate ? kernel_hz() : 250;
	int ret;

	t->skel = imstop_bpf__open();
	if (!t->skel) {
		ret = -errno;
		err("cannot open the BPF object: %s", errstr(ret));
		return ret;
	}
	t->skel->rodata->targ_dev = env.dev;
	t->skel->rodata->lat_per_tick =
		env.lat_rate ? (__u32)((env.lat_rate + hz - 1) / hz) : 0;
	bpf_map__set_max_entries(t->skel->maps.slots, env.max_vectors);
	bpf_map__set_max_entries(t->skel->maps.free_slots, env.max_vectors);
	bpf_map__set_max_entries(t->skel->maps.counts, env.max_vectors);
	if (env.max_hists > env.max_vectors)
		env.max_hists = env.max_vectors;
	bpf_map__set_max_entries(t->skel->maps.sig_lats, env.max_hists);
	bpf_map__set_max_entries(t->skel->maps.slow_lats, env.max_hists);

	bpf_object__for_each_program(prog, t->skel->obj) {
		bpf_program__set_autoload(
			prog, prog_wanted(&t->plan, bpf_program__name(prog)));
	}
	ret = bpf_program__set_attach_target(t->skel->progs.fentry_eventfd, 0,
					     t->plan.func);
	if (ret) {
		err("cannot target %s with fentry: %s", t->plan.func,
		    errstr(ret));
		return ret;
	}

	ret = imstop_bpf__load(t->skel);
	if (!ret)
		ret = fill_free_slots(t);
	if (ret == -EPERM) {
		err("permission denied loading the BPF programs: run imstop as root (it needs CAP_BPF, CAP_PERFMON and CAP_SYS_ADMIN), and check kernel lockdown");
		return ret;
	}
	if (ret) {
		err("the kernel refused the BPF programs (%s): run with -v to see libbpf's and the verifier's log; on a kernel without BTF-based attach, --tracepoints=raw_tp or --eventfd-probe=kprobe may help",
		    errstr(ret));
		return ret;
	}
	return 0;
}

static int tracer_attach(struct tracer *t)
{
	struct bpf_program *prog;
	struct bpf_link *link;
	const char *name;
	int ret;

	bpf_object__for_each_program(prog, t->skel->obj) {
		if (!bpf_program__autoload(prog))
			continue;
		name = bpf_program__name(prog);
		if (!strcmp(name, "kprobe_eventfd"))
			link = bpf_program__attach_kprobe(prog, false,
							  t->plan.func);
		else
			link = bpf_program__attach(prog);
		if (!link) {
			ret = -errno;
			if (has_prefix(name, "tpb_") ||
			    has_prefix(name, "raw_"))
				err("cannot attach to the tracepoint vic:%s (%s): is vic.ko loaded, and is it the build imstop was made for?",
				    name + 4, errstr(ret));
			else
				err("cannot attach %s to %s: %s; try --eventfd-probe=%s",
				    has_prefix(name, "kprobe") ? "a kprobe" :
								 "fentry",
				    t->plan.func, errstr(ret),
				    has_prefix(name, "kprobe") ? "fentry" :
								 "kprobe");
			return ret;
		}
		if (t->nlinks == MAX_LINKS) {
			bpf_link__destroy(link);
			err("too many BPF programs");
			return -E2BIG;
		}
		t->links[t->nlinks++] = link;
	}
	return 0;
}

static void tracer_close(struct tracer *t)
{
	while (t->nlinks)
		bpf_link__destroy(t->links[--t->nlinks]);
	imstop_bpf__destroy(t->skel);
	t->skel = NULL;
}

/* Handler runs the kernel skipped because one was already running. */
static __u64 tracer_missed(struct tracer *t)
{
	struct bpf_program *prog;
	__u64 missed = 0;

	bpf_object__for_each_program(prog, t->skel->obj) {
		struct bpf_prog_info info = {};
		__u32 len = sizeof(info);

		if (!bpf_program__autoload(prog))
			continue;
		if (!bpf_obj_get_info_by_fd(bpf_program__fd(prog), &info, &len))
			missed += info.recursion_misses;
	}
	return missed;
}

/* --- Collecting ------------------------------------------------------------ */

struct dbgdev {
	__u32 id;
	char name[IMS_NAME_LEN];
	int nvec;
	struct vic_dbg_vec *vecs;
};

struct state {
	struct tracer *t;
	int ncpus;
	struct ims_counts *pc_counts; /* one per CPU */
	struct ims_lat *pc_sig; /* one per CPU */
	struct ims_cpu *cpus; /* one per CPU */
	struct ims_slow_lats slow;
	struct ims_counts cur_c;
	struct ims_lat cur_l[IMS_LAT_NR]; /* bucket sums modulo 2^32 */
	struct vrow **tab; /* sorted by key */
	int ntab, tabcap;
	struct ims_key *keys;
	int keycap;
	struct dbgdev *ddevs;
	int nddevs, ddevcap;
	struct vrow **idle;
	int nidle, idlecap;
	struct vrow **rows;
	int rowcap;
	__u64 diag_prev[IMS_DIAG_NR];
	__u64 missed_prev;
	struct timespec start, last;
	unsigned long seq;
};

/* The window of an idle row. */
static const struct vstats zero_stats;

static void vrow_free(struct vrow *r)
{
	free(r->track);
	free(r);
}

static int key_cmp(const struct ims_key *a, const struct ims_key *b)
{
	if (a->dev != b->dev)
		return a->dev < b->dev ? -1 : 1;
	if (a->gen != b->gen)
		return a->gen < b->gen ? -1 : 1;
	if (a->vector != b->vector)
		return a->vector < b->vector ? -1 : 1;
	return 0;
}

static int vrow_ptr_cmp(const void *a, const void *b)
{
	return key_cmp(&(*(struct vrow *const *)a)->key,
		       &(*(struct vrow *const *)b)->key);
}

static struct vrow *tab_find(struct state *s, const struct ims_key *key)
{
	int lo = 0, hi = s->ntab - 1;

	while (lo <= hi) {
		int mid = (lo + hi) / 2, c = key_cmp(&s->tab[mid]->key, key);

		if (!c)
			return s->tab[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid - 1;
	}
	return NULL;
}

static void *grow(void *p, int *cap, int need, size_t size)
{
	int n = *cap ? *cap : 16;
	void *q;

	if (need <= *cap)
		return p;
	while (n < need)
		n *= 2;
	q = realloc(p, (size_t)n * size);
	if (!q) {
		err("out of memory");
		exit(1);
	}
	*cap = n;
	return q;
}

/* Read slot @slot's counters and histograms into s->cur_c, s->cur_l. */
static int read_slot(struct state *s, __u32 slot)
{
	struct imstop_bpf *skel = s->t->skel;
	struct ims_counts *c = &s->cur_c;
	int cpu, i;

	if (bpf_map_lookup_elem(bpf_map__fd(skel->maps.counts), &slot,
				s->pc_counts))
		return -1;
	memset(c, 0, sizeof(*c));
	memset(s->cur_l, 0, sizeof(s->cur_l));
	for (cpu = 0; cpu < s->ncpus; cpu++) {
		const __u64 *src = (const __u64 *)&s->pc_counts[cpu];
		__u64 *d = (__u64 *)c;

		for (i = 0; i < (int)(sizeof(*c) / sizeof(__u64)); i++)
			d[i] += src[i];
	}
	c->flags = 0;
	for (cpu = 0; cpu < s->ncpus; cpu++)
		c->flags |= s->pc_counts[cpu].flags;

	if (!bpf_map_lookup_elem(bpf_map__fd(skel->maps.sig_lats), &slot,
				 s->pc_sig)) {
		struct ims_lat *o = &s->cur_l[IMS_LAT_SIGNAL];

		for (cpu = 0; cpu < s->ncpus; cpu++) {
			const struct ims_lat *l = &s->pc_sig[cpu];

			o->count += l->count;
			o->sum_ns += l->sum_ns;
			if (l->max_ns > o->max_ns)
				o->max_ns = l->max_ns;
			for (i = 0; i < IMS_HIST_SLOTS; i++)
				o->slots[i] += l->slots[i]; /* modulo 2^32 */
		}
	}
	if (!bpf_map_lookup_elem(bpf_map__fd(skel->maps.slow_lats), &slot,
				 &s->slow)) {
		s->cur_l[IMS_LAT_ALLOC] = s->slow.alloc;
		s->cur_l[IMS_LAT_COOKIE] = s->slow.cookie;
	}
	return 0;
}

/*
 * Fold what read_slot() read into row @r: the window is what changed
 * since the last read (bucket differences taken modulo 2^32), the total
 * grows by it.
 */
static void row_update(struct state *s, struct vrow *r)
{
	struct vstats *t = &r->track->total, *w = &r->track->win;
	const __u64 *c = (const __u64 *)&s->cur_c;
	__u64 *tc = (__u64 *)&t->c, *wc = (__u64 *)&w->c;
	int i, k;

	for (i = 0; i < (int)(sizeof(t->c) / sizeof(__u64)); i++) {
		wc[i] = c[i] - tc[i];
		tc[i] = c[i];
	}
	w->c.flags = t->c.flags;
	for (k = 0; k < IMS_LAT_NR; k++) {
		const struct ims_lat *cur = &s->cur_l[k];
		struct lat64 *tl = &t->l[k], *wl = &w->l[k];

		wl->count = cur->count - tl->count;
		wl->sum_ns = cur->sum_ns - tl->sum_ns;
		tl->count = cur->count;
		tl->sum_ns = cur->sum_ns;
		tl->max_ns = wl->max_ns = cur->max_ns;
		for (i = 0; i < IMS_HIST_SLOTS; i++) {
			__u32 d = cur->slots[i] - r->track->raw[k][i];

			wl->slots[i] = d;
			tl->slots[i] += d;
			r->track->raw[k][i] = cur->slots[i];
		}
	}
	if (env.cumulative)
		*w = *t;
}

static bool stats_active(const struct vstats *s)
{
	int k;

	for (k = 0; k < NR_COUNTERS; k++) {
		if (counter(s, k))
			return true;
	}
	return false;
}

static int read_stats_map(struct state *s)
{
	int fd = bpf_map__fd(s->t->skel->maps.slots);
	struct ims_key key, next, *prev = NULL;
	int nkeys = 0, i;
	struct vrow *r;
	__u32 slot;

	while (!bpf_map_get_next_key(fd, prev, &next)) {
		s->keys = grow(s->keys, &s->keycap, nkeys + 1, sizeof(key));
		s->keys[nkeys++] = next;
		key = next;
		prev = &key;
	}
	for (i = 0; i < s->ntab; i++)
		s->tab[i]->in_map = false;

	for (i = 0; i < nkeys; i++) {
		if (bpf_map_lookup_elem(fd, &s->keys[i], &slot) ||
		    read_slot(s, slot))
			continue; /* deleted meanwhile */
		r = tab_find(s, &s->keys[i]);
		if (!r) {
			r = calloc(1, sizeof(*r));
			if (r)
				r->track = calloc(1, sizeof(*r->track));
			if (!r || !r->track) {
				err("out of memory");
				exit(1);
			}
			r->key = s->keys[i];
			r->win = &r->track->win;
			s->tab = grow(s->tab, &s->tabcap, s->ntab + 1,
				      sizeof(*s->tab));
			s->tab[s->ntab++] = r;
			qsort(s->tab, s->ntab, sizeof(*s->tab), vrow_ptr_cmp);
		}
		row_update(s, r);
		r->slot = slot;
		r->in_map = true;
	}

	/* Rows whose map entry went away (not ours to delete): drop. */
	for (i = 0; i < s->ntab;) {
		if (s->tab[i]->in_map) {
			i++;
			continue;
		}
		vrow_free(s->tab[i]);
		memmove(&s->tab[i], &s->tab[i + 1],
			(s->ntab - i - 1) * sizeof(*s->tab));
		s->ntab--;
	}
	return 0;
}

/* The per-CPU diagnostics, summed. */
static void read_diag(struct state *s, __u64 *diag)
{
	int fd = bpf_map__fd(s->t->skel->maps.cpus);
	__u32 zero = 0;
	int cpu, k;

	memset(diag, 0, IMS_DIAG_NR * sizeof(*diag));
	if (bpf_map_lookup_elem(fd, &zero, s->cpus))
		return;
	for (cpu = 0; cpu < s->ncpus; cpu++) {
		for (k = 0; k < IMS_DIAG_NR; k++)
			diag[k] += s->cpus[cpu].diag[k];
	}
}

static struct ims_dev dev_info(struct state *s, __u32 dev)
{
	struct ims_dev d = {};

	if (dev < IMS_MAX_DEVS)
		bpf_map_lookup_elem(bpf_map__fd(s->t->skel->maps.devs), &dev,
				    &d);
	return d;
}

/* The devices in debugfs (all, or the -d one); -1 if unavailable. */
static int read_debugfs(struct state *s)
{
	struct dirent *de;
	DIR *dir;
	int n = 0;

	dir = opendir(VIC_DEBUGFS_ROOT);
	if (!dir)
		return -1;
	while ((de = readdir(dir))) {
		struct dbgdev *d;
		unsigned long id;
		char *end;
		int nv;

		id = strtoul(de->d_name, &end, 10);
		if (end == de->d_name || *end || id > UINT32_MAX)
			continue;
		if (env.dev >= 0 && (long long)id != env.dev)
			continue;
		s->ddevs =
			grow(s->ddevs, &s->ddevcap, n + 1, sizeof(*s->ddevs));
		d = &s->ddevs[n];
		if (n >= s->nddevs) {
			memset(d, 0, sizeof(*d));
			s->nddevs = n + 1;
		}
		if (!d->vecs) {
			d->vecs = calloc(MAX_VECTORS_PER_DEV, sizeof(*d->vecs));
			if (!d->vecs) {
				err("out of memory");
				exit(1);
			}
		}
		d->id = (__u32)id;
		if (vic_dbg_read_name(d->id, d->name, sizeof(d->name)))
			snprintf(d->name, sizeof(d->name), "-");
		nv = vic_dbg_read_vectors(d->id, d->vecs, MAX_VECTORS_PER_DEV);
		if (nv < 0)
			continue; /* released while we read */
		d->nvec = nv;
		n++;
	}
	closedir(dir);
	return n;
}

static void type_from_flags(struct vrow *r)
{
	if (r->type[0])
		return;
	if (!r->track)
		snprintf(r->type, sizeof(r->type), "-");
	else if (r->track->total.c.flags & IMS_VEC_EMULATED)
		snprintf(r->type, sizeof(r->type), "emul");
	else if (r->track->total.c.flags & IMS_VEC_BACKED)
		snprintf(r->type, sizeof(r->type), "back");
	else
		snprintf(r->type, sizeof(r->type), "-");
}

static double sort_value(const struct vrow *r, int level)
{
	switch (env.sort) {
	case SORT_SIGNALS:
		return level ? r->raised_ps : (double)r->win->c.signals;
	case SORT_RATE:
		return level ? (double)r->win->c.signals : r->raised_ps;
	case SORT_P99:
		return level ? (double)r->win->c.signals :
			       (double)r->lat[IMS_LAT_SIGNAL].p99_ns;
	case SORT_ALLOC:
		return level ? (double)r->lat[IMS_LAT_ALLOC].p50_ns :
			       (double)r->win->c.allocs;
	case SORT_COOKIE:
		return level ? (double)r->lat[IMS_LAT_COOKIE].p50_ns :
			       (double)r->win->c.cookie_sets;
	}
	return 0;
}

static int row_cmp(const void *pa, const void *pb)
{
	const struct vrow *a = *(struct vrow *const *)pa;
	const struct vrow *b = *(struct vrow *const *)pb;
	int level;

	for (level = 0; level < 2; level++) {
		double x = sort_value(a, level), y = sort_value(b, level);

		if (x != y)
			return x > y ? -1 : 1;
	}
	return key_cmp(&a->key, &b->key);
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
	if (env.out == OUT_TEXT && !env.hist && isatty(STDOUT_FILENO) &&
	    !ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) && ws.ws_row > 12)
		return ws.ws_row - 7;
	return -1;
}

/*
 * Give a gone vector's slot back: unmap it, zero its counters, drop its
 * histograms, and queue it for the next vector the BPF side sees.
 */
static void release_slot(struct state *s, const struct vrow *r)
{
	struct imstop_bpf *skel = s->t->skel;

	if (bpf_map_delete_elem(bpf_map__fd(skel->maps.slots), &r->key))
		return;
	memset(s->pc_counts, 0, s->ncpus * sizeof(*s->pc_counts));
	bpf_map_update_elem(bpf_map__fd(skel->maps.counts), &r->slot,
			    s->pc_counts, BPF_ANY);
	if (r->slot < env.max_hists) {
		memset(s->pc_sig, 0, s->ncpus * sizeof(*s->pc_sig));
		memset(&s->slow, 0, sizeof(s->slow));
		bpf_map_update_elem(bpf_map__fd(skel->maps.sig_lats), &r->slot,
				    s->pc_sig, BPF_ANY);
		bpf_map_update_elem(bpf_map__fd(skel->maps.slow_lats), &r->slot,
				    &s->slow, BPF_ANY);
	}
	bpf_map_update_elem(bpf_map__fd(skel->maps.free_slots), NULL, &r->slot,
			    BPF_ANY);
}

static void report_window(struct state *s, bool final)
{
	struct report r = {};
	struct timespec mono;
	__u64 diag[IMS_DIAG_NR], missed;
	int i, j, k, nrows = 0, ndbg;

	clock_gettime(CLOCK_MONOTONIC, &mono);
	clock_gettime(CLOCK_REALTIME, &r.now);
	read_stats_map(s);
	read_diag(s, diag);
	missed = tracer_missed(s->t);
	ndbg = read_debugfs(s);

	r.seq = ++s->seq;
	r.final = final;
	r.cumulative = env.cumulative;
	r.elapsed_s = ts_diff(&mono, &s->start);
	r.window_s = env.cumulative ? r.elapsed_s : ts_diff(&mono, &s->last);
	r.lat_rate = env.lat_rate;
	s->last = mono;
	r.tracepoints = s->t->plan.tp == TP_BTF ? "tp_btf" : "raw_tp";
	r.eventfd_probe = s->t->plan.efd == EFD_FENTRY ? "fentry" : "kprobe";
	r.eventfd_func = s->t->plan.func;
	r.dev_filter = env.dev;
	r.debugfs = ndbg >= 0;
	r.hist = env.hist;
	r.max_rows = default_rows();
	for (k = 0; k < IMS_DIAG_NR; k++) {
		r.diag[k] = env.cumulative ? diag[k] :
					     diag[k] - s->diag_prev[k];
		s->diag_prev[k] = diag[k];
	}
	r.missed = env.cumulative ? missed : missed - s->missed_prev;
	s->missed_prev = missed;

	/* Which rows belong to devices that are gone. */
	for (i = 0; i < s->ntab; i++) {
		struct vrow *v = s->tab[i];
		struct ims_dev d = dev_info(s, v->key.dev);

		v->gone = v->key.dev < IMS_MAX_DEVS &&
			  (v->key.gen != d.gen || d.released);
	}

	/* Names, types and idle vectors of the live devices. */
	s->nidle = 0;
	for (i = 0; i < (ndbg > 0 ? ndbg : 0); i++) {
		struct dbgdev *dd = &s->ddevs[i];
		__u32 gen = dev_info(s, dd->id).gen;

		for (j = 0; j < dd->nvec; j++) {
			struct ims_key key = { .dev = dd->id,
					       .vector = dd->vecs[j].vector,
					       .gen = gen };
			struct vrow *v = tab_find(s, &key);

			if (!v) {
				s->idle = grow(s->idle, &s->idlecap,
					       s->nidle + 1, sizeof(*s->idle));
				v = calloc(1, sizeof(*v));
				if (!v) {
					err("out of memory");
					exit(1);
				}
				v->key = key;
				v->idle = true;
				v->win = &zero_stats;
				s->idle[s->nidle++] = v;
			}
			snprintf(v->name, sizeof(v->name), "%s", dd->name);
			snprintf(v->type, sizeof(v->type), "%s",
				 dd->vecs[j].type);
		}
	}
	r.ndevs = ndbg;

	s->rows = grow(s->rows, &s->rowcap, s->ntab + s->nidle + 1,
		       sizeof(*s->rows));
	for (i = 0; i < s->ntab; i++)
		s->rows[nrows++] = s->tab[i];
	for (i = 0; i < s->nidle; i++)
		s->rows[nrows++] = s->idle[i];
	for (i = 0; i < nrows; i++) {
		struct vrow *v = s->rows[i];

		if (!v->name[0])
			snprintf(v->name, sizeof(v->name), "-");
		type_from_flags(v);
		for (k = 0; k < IMS_LAT_NR; k++)
			hist_summarize(&v->win->l[k], &v->lat[k]);
		v->raised_ps = r.window_s > 0 ? v->win->c.raised / r.window_s :
						0;
		v->signals_ps =
			r.window_s > 0 ? v->win->c.signals / r.window_s : 0;
		for (k = 0; k < NR_COUNTERS; k++)
			r.totals[k] += counter(v->win, k);
		r.nactive += stats_active(v->win);
		r.lat_timed += v->lat[IMS_LAT_SIGNAL].count;
	}
	if (ndbg < 0) {
		/* No debugfs: count the devices seen. */
		for (i = 0; i < s->ntab; i++)
			r.ndevs += !s->tab[i]->gone &&
				   (i == 0 || s->tab[i]->key.dev !=
						      s->tab[i - 1]->key.dev);
	}
	qsort(s->rows, nrows, sizeof(*s->rows), row_cmp);
	r.rows = s->rows;
	r.nrows = nrows;

	switch (env.out) {
	case OUT_TEXT:
		output_text(&r, !env.no_clear);
		break;
	case OUT_JSON:
		output_json(&r);
		break;
	case OUT_CSV:
		output_csv(&r);
		break;
	}

	/* Gone rows have been reported once: forget them. */
	for (i = 0; i < s->ntab;) {
		if (!s->tab[i]->gone) {
			i++;
			continue;
		}
		release_slot(s, s->tab[i]);
		vrow_free(s->tab[i]);
		memmove(&s->tab[i], &s->tab[i + 1],
			(s->ntab - i - 1) * sizeof(*s->tab));
		s->ntab--;
	}
	for (i = 0; i < s->nidle; i++)
		free(s->idle[i]);
	s->nidle = 0;
}

static void state_free(struct state *s)
{
	int i;

	for (i = 0; i < s->ntab; i++)
		vrow_free(s->tab[i]);
	for (i = 0; i < s->nddevs; i++)
		free(s->ddevs[i].vecs);
	free(s->tab);
	free(s->ddevs);
	free(s->idle);
	free(s->rows);
	free(s->keys);
	free(s->pc_counts);
	free(s->pc_sig);
	free(s->cpus);
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
		else
			err("cannot look up device '%s' in %s: %s (is debugfs mounted?)",
			    env.dev_arg, VIC_DEBUGFS_ROOT, strerror(-id));
		return -1;
	}
	env.dev = id;
	return 0;
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
	struct tracer t = {};
	struct state s = {};
	struct timespec deadline, now;
	long done = 0;
	int sfd, ret;

	ret = argp_parse(&argp, argc, argv, 0, NULL, NULL);
	if (ret)
		return 1;
	libbpf_set_print(env.verbose ? libbpf_print_fn : NULL);

	if (geteuid() != 0) {
		err("must be run as root: it loads BPF programs and reads %s",
		    VIC_DEBUGFS_ROOT);
		return 1;
	}
	if (access("/sys/kernel/btf/vmlinux", R_OK)) {
		err("this kernel has no BTF (/sys/kernel/btf/vmlinux): imstop needs a kernel built with CONFIG_DEBUG_INFO_BTF=y");
		return 1;
	}
	if (access("/sys/module/vic", F_OK)) {
		err("the vic module is not loaded: load vic.ko (e.g. insmod build/kmod/vic.ko, or load a driver that uses it) and run imstop again");
		return 1;
	}
	if (resolve_dev())
		return 1;
	if (plan_attach(&t.plan))
		return 1;

	s.ncpus = libbpf_num_possible_cpus();
	if (s.ncpus <= 0) {
		err("cannot count the possible CPUs: %s", errstr(s.ncpus));
		return 1;
	}
	s.pc_counts = calloc(s.ncpus, sizeof(*s.pc_counts));
	s.pc_sig = calloc(s.ncpus, sizeof(*s.pc_sig));
	s.cpus = calloc(s.ncpus, sizeof(*s.cpus));
	if (!s.pc_counts || !s.pc_sig || !s.cpus) {
		err("out of memory");
		return 1;
	}
	s.t = &t;

	ret = tracer_load(&t);
	if (!ret)
		ret = tracer_attach(&t);
	if (ret)
		goto out;

	sfd = setup_signals();
	if (sfd < 0) {
		err("cannot set up signal handling: %s", strerror(errno));
		ret = -1;
		goto out;
	}
	t.skel->bss->armed = true;
	clock_gettime(CLOCK_MONOTONIC, &s.start);
	s.last = s.start;
	deadline = s.start;
	fprintf(stderr,
		"imstop: tracing vic (%s) and eventfd signals (%s on %s)%s; Ctrl-C to end\n",
		t.plan.tp == TP_BTF ? "tp_btf" : "raw_tp",
		t.plan.efd == EFD_FENTRY ? "fentry" : "kprobe", t.plan.func,
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
			if (env.out != OUT_TEXT)
				report_window(&s, true);
			break;
		}
		report_window(&s, false);
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
	tracer_close(&t);
	state_free(&s);
	return ret ? 1 : 0;
}
