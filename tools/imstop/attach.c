// SPDX-License-Identifier: GPL-2.0-only
/*
 * imstop: choosing how to attach, loading and attaching the BPF programs,
 * and their maps as the source of counts (see attach.h).
 */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "attach.h"
#include "imstop.skel.h"
#include "util.h"

static const char *errstr(int e)
{
	static char buf[128];

	libbpf_strerror(e < 0 ? e : -e, buf, sizeof(buf));
	return buf;
}

const char *tp_mode_name(enum tp_mode m)
{
	return m == TP_BTF ? "tp_btf" : m == TP_RAW ? "raw_tp" : "auto";
}

const char *efd_mode_name(enum efd_mode m)
{
	switch (m) {
	case EFD_FENTRY:
		return "fentry";
	case EFD_KPROBE:
		return "kprobe";
	case EFD_NONE:
		return "none";
	default:
		return "auto";
	}
}

static bool is_perm(int ret)
{
	return ret == -EPERM || ret == -EACCES;
}

/* The kernel said no to @what for lack of privileges. */
static void err_perm(const char *what, int ret)
{
	err("%s (%s): need CAP_BPF and CAP_PERFMON, or root", what,
	    errstr(ret));
}

/* --- Choosing how to attach ---------------------------------------------- */

/*
 * Can a BPF trampoline (fentry) attach to the kernel function @func? 1 if
 * so, 0 if not, -EPERM or -EACCES when the kernel refused the probe for
 * lack of privileges.
 */
static int fentry_attaches(const struct btf *vmlinux, const char *func)
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
		return 0;
	o.attach_btf_id = id;
	prog = bpf_prog_load(BPF_PROG_TYPE_TRACING, "imstop_probe", "GPL",
			     insns, sizeof(insns) / sizeof(insns[0]), &o);
	if (prog < 0)
		return is_perm(-errno) ? -errno : 0;
	link = bpf_raw_tracepoint_open(NULL, prog);
	if (link < 0)
		link = is_perm(-errno) ? -errno : -1;
	else
		close(link);
	close(prog);
	return link >= 0 ? 1 : link == -1 ? 0 : link;
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

/*
 * libbpf finds vic.ko's BTF, which tp_btf needs, by walking the kernel's
 * BTF objects by id, which takes CAP_SYS_ADMIN: -EPERM or -EACCES when
 * that is refused, else 0.
 */
static int module_btf_denied(void)
{
	__u32 id = 0;

	if (bpf_btf_get_next_id(0, &id) && is_perm(-errno))
		return -errno;
	return 0;
}

int plan_attach(struct attach_plan *p, enum tp_mode tp, enum efd_mode efd)
{
	struct btf *vmlinux;
	int ret = -1, fentry = 0;

	vmlinux = btf__load_vmlinux_btf();
	if (!vmlinux) {
		err("cannot read the kernel's BTF (%s): imstop needs a kernel built with CONFIG_DEBUG_INFO_BTF=y",
		    errstr(-errno));
		return -1;
	}

	p->tp = tp;
	if (p->tp == TP_AUTO) {
		/* Without CAP_SYS_ADMIN, raw_tp. */
		p->tp = vic_has_btf(vmlinux) && !module_btf_denied() ? TP_BTF :
								       TP_RAW;
	} else if (p->tp == TP_BTF && !vic_has_btf(vmlinux)) {
		err("vic.ko has no BTF (no /sys/kernel/btf/vic with btf_trace_vic_raise), so tp_btf cannot attach: rebuild it with 'make' (which adds BTF with pahole) or use --tracepoints=raw_tp");
		goto out;
	} else if (p->tp == TP_BTF && module_btf_denied()) {
		err("tp_btf needs CAP_SYS_ADMIN too (libbpf finds vic.ko's BTF by walking the kernel's BTF objects): run as root or use --tracepoints=raw_tp");
		goto out;
	}

	p->efd = efd;
	p->func = NULL;
	if (p->efd == EFD_NONE) {
		ret = 0;
		goto out;
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
		err("the kernel's BTF has neither eventfd_signal_mask nor eventfd_signal: no function to probe for eventfd signals (--e2e)");
		goto out;
	}
	if (p->efd != EFD_KPROBE) {
		fentry = fentry_attaches(vmlinux, p->func);
		if (is_perm(fentry)) {
			err_perm("cannot load a BPF program", fentry);
			goto out;
		}
	}
	if (p->efd == EFD_AUTO) {
		if (fentry > 0)
			p->efd = EFD_FENTRY;
		else if (kprobes_available())
			p->efd = EFD_KPROBE;
		else {
			err("this kernel can attach neither fentry (BPF trampolines) nor a kprobe to %s: imstop needs one of them (CONFIG_FUNCTION_TRACER with BPF trampolines, or CONFIG_KPROBES and CONFIG_KPROBE_EVENTS)",
			    p->func);
			goto out;
		}
	} else if (p->efd == EFD_FENTRY && fentry <= 0) {
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

/* A map by slot, mapped into user space (BPF_F_MMAPABLE). */
static __u64 *map_slots(struct tracer *t, const struct bpf_map *map)
{
	void *p = mmap(NULL, t->seen_len, PROT_READ | PROT_WRITE, MAP_SHARED,
		       bpf_map__fd(map), 0);

	return p == MAP_FAILED ? NULL : p;
}

/* seen and backed, mapped. */
static int map_shared(struct tracer *t)
{
	t->seen_len = (size_t)t->max_vectors * sizeof(__u64);
	t->seen = map_slots(t, t->skel->maps.seen);
	if (!t->seen)
		return -errno;
	t->backed = map_slots(t, t->skel->maps.backed);
	if (!t->backed)
		return -errno;
	return 0;
}

/*
 * Gaps between timed raises: the geometric distribution on 1, 2, ... of
 * mean @period (P(gap = k) = p (1 - p)^(k - 1), p = 1 / @period), as
 * IMS_GAPS quantiles, by inversion at the midpoints (i + 1/2) / IMS_GAPS.
 * The BPF side picks one at random for every gap, so the gaps are drawn
 * from the distribution itself, and the table's mean is the period to
 * within a fraction of a percent, not to the luck of random draws. All 1
 * for a period of 1. Returns the table's mean.
 */
static double draw_gaps(volatile __u32 *gaps, __u32 period)
{
	double q = 1.0 - 1.0 / period, sum = 0;
	int i;

	for (i = 0; i < IMS_GAPS; i++) {
		double u = (i + 0.5) / IMS_GAPS, g;

		g = period <= 1 ? 1 : ceil(log1p(-u) / log(q));
		gaps[i] = g < 1 ? 1 : g > UINT32_MAX ? UINT32_MAX : (__u32)g;
		sum += gaps[i];
	}
	return sum / IMS_GAPS;
}

int tracer_load(struct tracer *t, const struct tracer_opts *o)
{
	struct bpf_program *prog;
	double mean;
	int ret;

	t->ncpus = libbpf_num_possible_cpus();
	if (t->ncpus <= 0) {
		err("cannot count the possible CPUs: %s", errstr(t->ncpus));
		return t->ncpus ? t->ncpus : -EINVAL;
	}
	t->max_vectors = o->max_vectors;
	t->max_hists = o->max_hists < o->max_vectors ? o->max_hists :
						       o->max_vectors;
	t->skel = imstop_bpf__open();
	if (!t->skel) {
		ret = -errno;
		err("cannot open the BPF object: %s", errstr(ret));
		return ret;
	}
	t->skel->rodata->targ_dev = o->dev;
	t->skel->rodata->sample_period = o->sample_period;
	mean = draw_gaps(t->skel->rodata->gaps, o->sample_period);
	if (o->verbose)
		fprintf(stderr, "imstop: sample period %u, gaps of mean %.3f\n",
			o->sample_period, mean);
	t->skel->rodata->e2e = t->plan.efd != EFD_NONE;
	t->skel->rodata->max_slots = (__u32)t->max_vectors;
	bpf_map__set_max_entries(t->skel->maps.seen, t->max_vectors);
	bpf_map__set_max_entries(t->skel->maps.backed, t->max_vectors);
	bpf_map__set_max_entries(t->skel->maps.counts, t->max_vectors);
	bpf_map__set_max_entries(t->skel->maps.sig_lats, t->max_hists);
	bpf_map__set_max_entries(t->skel->maps.slow_lats, t->max_hists);

	bpf_object__for_each_program(prog, t->skel->obj) {
		bpf_program__set_autoload(
			prog, prog_wanted(&t->plan, bpf_program__name(prog)));
	}
	ret = t->plan.efd != EFD_FENTRY ?
		      0 :
		      bpf_program__set_attach_target(
			      t->skel->progs.fentry_eventfd, 0, t->plan.func);
	if (ret) {
		err("cannot target %s with fentry: %s", t->plan.func,
		    errstr(ret));
		return ret;
	}

	ret = imstop_bpf__load(t->skel);
	if (!ret)
		ret = map_shared(t);
	if (is_perm(ret)) {
		err_perm("cannot load the BPF programs", ret);
		return ret;
	}
	if (ret) {
		err("the kernel refused the BPF programs (%s): run with -v to see libbpf's and the verifier's log; on a kernel without BTF-based attach, --tracepoints=raw_tp or --eventfd-probe=kprobe may help",
		    errstr(ret));
		return ret;
	}
	return 0;
}

int tracer_attach(struct tracer *t)
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
			if (is_perm(ret))
				err_perm("cannot attach the BPF programs", ret);
			else if (has_prefix(name, "tpb_") ||
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

void tracer_arm(struct tracer *t)
{
	t->skel->bss->armed = true;
}

void tracer_close(struct tracer *t)
{
	while (t->nlinks)
		bpf_link__destroy(t->links[--t->nlinks]);
	if (t->seen)
		munmap(t->seen, t->seen_len);
	if (t->backed)
		munmap(t->backed, t->seen_len);
	t->seen = NULL;
	t->backed = NULL;
	imstop_bpf__destroy(t->skel);
	t->skel = NULL;
}

/* --- The maps as a collect_src -------------------------------------------- */

static int map_pop(void *ctx, enum collect_map m, void *value)
{
	struct tracer *t = ctx;

	return bpf_map_lookup_and_delete_elem(t->fds[m], NULL, value) ? -errno :
									0;
}

static int map_next_key(void *ctx, enum collect_map m, const void *key,
			void *next)
{
	struct tracer *t = ctx;

	return bpf_map_get_next_key(t->fds[m], key, next) ? -errno : 0;
}

static int map_lookup(void *ctx, enum collect_map m, const void *key,
		      void *value)
{
	struct tracer *t = ctx;

	return bpf_map_lookup_elem(t->fds[m], key, value) ? -errno : 0;
}

static int map_update(void *ctx, enum collect_map m, const void *key,
		      const void *value)
{
	struct tracer *t = ctx;

	return bpf_map_update_elem(t->fds[m], key, value, BPF_ANY) ? -errno : 0;
}

static int map_delete(void *ctx, enum collect_map m, const void *key)
{
	struct tracer *t = ctx;

	return bpf_map_delete_elem(t->fds[m], key) ? -errno : 0;
}

/* Handler runs the kernel skipped because one was already running. */
static __u64 tracer_missed(void *ctx)
{
	struct tracer *t = ctx;
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

const struct collect_src *tracer_source(struct tracer *t)
{
	t->fds[CM_COUNTS] = bpf_map__fd(t->skel->maps.counts);
	t->fds[CM_SIG_LATS] = bpf_map__fd(t->skel->maps.sig_lats);
	t->fds[CM_SLOW_LATS] = bpf_map__fd(t->skel->maps.slow_lats);
	t->fds[CM_CPUS] = bpf_map__fd(t->skel->maps.cpus);
	t->fds[CM_DEFERRED] = bpf_map__fd(t->skel->maps.deferred);
	t->fds[CM_RETIRED] = bpf_map__fd(t->skel->maps.retired);
	t->src = (struct collect_src){
		.ctx = t,
		.ncpus = t->ncpus,
		.next_key = map_next_key,
		.lookup = map_lookup,
		.update = map_update,
		.delete_key = map_delete,
		.pop = map_pop,
		.missed = tracer_missed,
		.read_devs = collect_debugfs_devs,
		.devs = t->skel->bss->devs,
		.next_slot = &t->skel->bss->next_slot,
		.seen = t->seen,
		.backed = t->backed,
		.backed_inflight = &t->skel->bss->backed_inflight,
		.max_slots = (__u32)t->max_vectors,
	};
	return &t->src;
}
