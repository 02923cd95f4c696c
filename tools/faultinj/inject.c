// SPDX-License-Identifier: GPL-2.0-only
/*
 * faultinj: the loader of bpf/faultinj.bpf.c (see inject.h).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/syscall.h>

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "inject.h"
#include "faultinj.skel.h"

/* __GFP_NOFAIL up to Linux 6.9, a #define there: not in the BTF. */
#define FI_GFP_NOFAIL_6_1 0x8000u

struct fi_sym {
	uint64_t addr;
	char *name; /* "sym [mod]" */
};

struct faultinj {
	struct faultinj_bpf *skel;
	struct fi_sym *syms;
	size_t nsyms;
};

static __thread char fi_msg[256];
static bool fi_verbose;

static void fi_fail(int err, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(fi_msg, sizeof(fi_msg), fmt, ap);
	va_end(ap);
	if (n >= 0 && (size_t)n < sizeof(fi_msg) && err)
		snprintf(fi_msg + n, sizeof(fi_msg) - n, ": %s", strerror(err));
	errno = err;
}

const char *faultinj_errmsg(void)
{
	return fi_msg;
}

static int fi_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	if (level == LIBBPF_DEBUG && !fi_verbose)
		return 0;
	return vfprintf(stderr, fmt, ap);
}

/* A module's core address range, from /proc/modules. */
static int fi_module_range(const char *name, struct fi_range *r)
{
	unsigned long long size, base;
	char line[512], mod[64];
	int found = 0;
	FILE *f;

	f = fopen("/proc/modules", "r");
	if (!f) {
		fi_fail(errno, "opening /proc/modules");
		return -1;
	}
	while (!found && fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%63s %llu %*s %*s %*s %llx", mod, &size,
			   &base) != 3 ||
		    strcmp(mod, name))
			continue;
		found = 1;
	}
	fclose(f);
	if (!found) {
		fi_fail(ENOENT, "module %s is not loaded", name);
		return -1;
	}
	if (!base) {
		fi_fail(EPERM, "/proc/modules hides the address of %s", name);
		return -1;
	}
	r->start = base;
	r->end = base + size;
	return 0;
}

/*
 * __GFP_NOFAIL of the running kernel: since 6.10 the gfp bits are the
 * enumerators of an anonymous enum (___GFP_NOFAIL_BIT), found in the
 * kernel's BTF; before, a #define of 0x8000.
 */
static unsigned int fi_gfp_nofail(void)
{
	struct btf *btf = btf__load_vmlinux_btf();
	unsigned int i, j, n, bit = FI_GFP_NOFAIL_6_1;

	if (!btf)
		return bit;
	n = btf__type_cnt(btf);
	for (i = 1; i < n; i++) {
		const struct btf_type *t = btf__type_by_id(btf, i);
		const struct btf_enum *e;

		if (!btf_is_enum(t))
			continue;
		e = btf_enum(t);
		for (j = 0; j < btf_vlen(t); j++)
			if (!strcmp(btf__name_by_offset(btf, e[j].name_off),
				    "___GFP_NOFAIL_BIT"))
				bit = 1u << e[j].val;
	}
	btf__free(btf);
	return bit;
}

static int fi_sym_cmp(const void *a, const void *b)
{
	const struct fi_sym *x = a, *y = b;

	return x->addr < y->addr ? -1 : x->addr > y->addr;
}

/* The text symbols of /proc/kallsyms, sorted, to name the frames. */
static int fi_load_syms(struct faultinj *fi)
{
	char line[512], type, name[256], mod[128];
	unsigned long long addr;
	size_t cap = 0;
	FILE *f;
	int n;

	f = fopen("/proc/kallsyms", "r");
	if (!f) {
		fi_fail(errno, "opening /proc/kallsyms");
		return -1;
	}
	while (fgets(line, sizeof(line), f)) {
		struct fi_sym *s;

		mod[0] = '\0';
		n = sscanf(line, "%llx %c %255s %127s", &addr, &type, name,
			   mod);
		if (n < 3 || (type != 't' && type != 'T') || !addr)
			continue;
		if (fi->nsyms == cap) {
			cap = cap ? 2 * cap : 65536;
			s = realloc(fi->syms, cap * sizeof(*s));
			if (!s)
				goto nomem;
			fi->syms = s;
		}
		s = &fi->syms[fi->nsyms];
		s->addr = addr;
		if (n == 4)
			n = asprintf(&s->name, "%s %s", name, mod);
		else
			n = asprintf(&s->name, "%s", name);
		if (n < 0)
			goto nomem;
		fi->nsyms++;
	}
	fclose(f);
	qsort(fi->syms, fi->nsyms, sizeof(*fi->syms), fi_sym_cmp);
	return 0;
nomem:
	fclose(f);
	fi_fail(ENOMEM, "reading /proc/kallsyms");
	return -1;
}

static const struct fi_sym *fi_sym_of(const struct faultinj *fi, uint64_t addr)
{
	size_t lo = 0, hi = fi->nsyms;

	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;

		if (fi->syms[mid].addr <= addr)
			lo = mid;
		else
			hi = mid;
	}
	if (!fi->nsyms || fi->syms[lo].addr > addr)
		return NULL;
	return &fi->syms[lo];
}

/*
 * Whether a kprobe program may call bpf_override_return(): 0, EOPNOTSUPP,
 * or the errno of a load that failed for another reason. By loading one:
 * libbpf_probe_bpf_helper() reads "program of this type cannot use
 * helper", the verifier's words for a helper the kernel has but this
 * program type may not call, as "supported" (libbpf 1.1, Linux 6.12).
 */
static int fi_can_override(void)
{
	const struct bpf_insn insns[] = {
		/* r2 = 0; call bpf_override_return; r0 = 0; exit */
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_2 },
		{ .code = BPF_JMP | BPF_CALL, .imm = BPF_FUNC_override_return },
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0 },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	int fd;

	fd = bpf_prog_load(BPF_PROG_TYPE_KPROBE, "fi_probe", "GPL", insns,
			   sizeof(insns) / sizeof(insns[0]), NULL);
	if (fd >= 0) {
		close(fd);
		return 0;
	}
	return errno == EINVAL ? EOPNOTSUPP : errno;
}

void faultinj_close(struct faultinj *fi)
{
	size_t i;

	if (!fi)
		return;
	faultinj_bpf__destroy(fi->skel);
	for (i = 0; i < fi->nsyms; i++)
		free(fi->syms[i].name);
	free(fi->syms);
	free(fi);
}

struct faultinj *faultinj_open(const char *const *modules, bool verbose)
{
	struct faultinj *fi;
	unsigned int n = 0;
	int err;

	fi_verbose = verbose;
	libbpf_set_print(fi_print);
	fi = calloc(1, sizeof(*fi));
	if (!fi) {
		fi_fail(ENOMEM, "faultinj");
		return NULL;
	}
	err = fi_can_override();
	if (err) {
		if (err == EOPNOTSUPP)
			fi_fail(err, "this kernel has no bpf_override_return() "
				     "(CONFIG_BPF_KPROBE_OVERRIDE)");
		else
			fi_fail(err, "probing bpf_override_return()");
		goto err;
	}
	fi->skel = faultinj_bpf__open_and_load();
	if (!fi->skel) {
		fi_fail(errno, "loading the BPF programs");
		goto err;
	}
	for (n = 0; modules[n]; n++) {
		if (n == FI_MAX_RANGES) {
			fi_fail(E2BIG, "more than %d modules", FI_MAX_RANGES);
			goto err;
		}
		if (fi_module_range(modules[n], &fi->skel->bss->st.ranges[n]))
			goto err;
	}
	fi->skel->bss->st.nranges = n;
	fi->skel->bss->st.gfp_nofail = fi_gfp_nofail();
	if (fi_load_syms(fi))
		goto err;
	err = faultinj_bpf__attach(fi->skel);
	if (err) {
		fi_fail(-err, "attaching to should_failslab and "
			      "should_fail_alloc_page");
		goto err;
	}
	return fi;
err:
	err = errno;
	faultinj_close(fi);
	errno = err;
	return NULL;
}

void faultinj_arm(struct faultinj *fi, unsigned int nth)
{
	struct fi_state *st = &fi->skel->bss->st;

	st->tid = 0;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	st->nth = nth;
	st->seen = 0;
	st->fired = 0;
	st->nofail = 0;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	st->tid = (uint32_t)syscall(SYS_gettid);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
}

bool faultinj_disarm(struct faultinj *fi, struct fi_point *pt)
{
	struct fi_state *st = &fi->skel->bss->st;
	bool fired;

	st->tid = 0;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	fired = st->fired;
	if (fired && pt) {
		pt->kind = st->kind;
		pt->nframes = st->nframes < FI_STACK ? st->nframes : FI_STACK;
		memcpy(pt->stack, st->stack, sizeof(pt->stack));
	}
	return fired;
}

unsigned int faultinj_seen(const struct faultinj *fi)
{
	return fi->skel->bss->st.seen;
}

unsigned int faultinj_nofail(const struct faultinj *fi)
{
	return (unsigned int)fi->skel->bss->st.nofail;
}

static bool fi_in_modules(const struct faultinj *fi, uint64_t addr)
{
	const struct fi_state *st = &fi->skel->bss->st;
	unsigned int i;

	for (i = 0; i < st->nranges; i++)
		if (addr >= st->ranges[i].start && addr < st->ranges[i].end)
			return true;
	return false;
}

int faultinj_site(const struct faultinj *fi, const struct fi_point *pt,
		  char *buf, size_t len)
{
	size_t off = 0;
	unsigned int i;

	if (!len)
		return -EINVAL;
	buf[0] = '\0';
	for (i = 1; i < pt->nframes; i++) {
		const struct fi_sym *s = fi_sym_of(fi, pt->stack[i]);
		const char *sp;
		int n;

		if (s) {
			sp = strchr(s->name, ' ');
			n = snprintf(
				buf + off, len - off, "%s%.*s+0x%llx%s",
				i > 1 ? " < " : "",
				sp ? (int)(sp - s->name) : (int)strlen(s->name),
				s->name,
				(unsigned long long)(pt->stack[i] - s->addr),
				sp ? sp : "");
		} else {
			n = snprintf(buf + off, len - off, "%s0x%llx",
				     i > 1 ? " < " : "",
				     (unsigned long long)pt->stack[i]);
		}
		if (n < 0 || (size_t)n >= len - off)
			return -ENOSPC;
		off += n;
		if (fi_in_modules(fi, pt->stack[i]))
			break;
	}
	return 0;
}
