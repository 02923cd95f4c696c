/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * imstop: choosing how to attach (tp_btf or raw_tp for the vic
 * tracepoints, fentry or a kprobe on the eventfd function), loading the
 * BPF skeleton, attaching it, and its maps as a collect_src.
 */
#ifndef IMSTOP_ATTACH_H
#define IMSTOP_ATTACH_H

#include <stdbool.h>
#include <linux/types.h>

#include "collect.h"

enum tp_mode { TP_AUTO, TP_BTF, TP_RAW };
enum efd_mode { EFD_NONE, EFD_AUTO, EFD_FENTRY, EFD_KPROBE };

struct attach_plan {
	enum tp_mode tp; /* TP_BTF or TP_RAW once planned */
	/* EFD_FENTRY or EFD_KPROBE once planned (end to end), or EFD_NONE */
	enum efd_mode efd;
	const char *func; /* the eventfd function probed, NULL with EFD_NONE */
};

struct tracer_opts {
	long long dev; /* -1: all */
	long max_vectors;
	long max_hists; /* capped to max_vectors */
	__u32 sample_period; /* time one raise in this many, on average */
	bool verbose;
};

#define MAX_LINKS 32

struct imstop_bpf;
struct bpf_link;

struct tracer {
	struct imstop_bpf *skel;
	struct attach_plan plan;
	struct bpf_link *links[MAX_LINKS];
	int nlinks;
	int ncpus;
	long max_vectors, max_hists;
	__u64 *seen; /* the seen map, mapped */
	__u64 *backed; /* the backed map, mapped */
	size_t seen_len; /* the length of either */
	int fds[CM_NR];
	struct collect_src src;
};

/*
 * Plan how to attach, from the modes asked for (TP_AUTO, EFD_AUTO: what
 * works; EFD_NONE: no eventfd probe, the latency ends at vic_deliver);
 * says why on failure.
 */
int plan_attach(struct attach_plan *p, enum tp_mode tp, enum efd_mode efd);

/* Open and load the BPF programs of @t->plan; says why on failure. */
int tracer_load(struct tracer *t, const struct tracer_opts *o);

/* Attach them; says why on failure. */
int tracer_attach(struct tracer *t);

/* Start counting: every program is attached. */
void tracer_arm(struct tracer *t);

/* The maps as a source of counts for collect_init(). */
const struct collect_src *tracer_source(struct tracer *t);

void tracer_close(struct tracer *t);

const char *tp_mode_name(enum tp_mode m);
const char *efd_mode_name(enum efd_mode m);

#endif /* IMSTOP_ATTACH_H */
