/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * imstop: collecting a window. The row table (one row per vector instance,
 * sorted by key): the vectors of the core's devices, with the core's own
 * counts (<dev>/stats), and the slots of the BPF maps that hold anything
 * (seen), with latencies and slow-path counts; and the report: totals,
 * rates, latency summaries, rows in display order. And the slots: giving
 * devices without slots a range, taking back those of gone devices (see
 * imstop.h).
 *
 * The maps are read through struct collect_src, with the semantics of
 * libbpf's bpf_map_*_elem() calls, the memory shared with the BPF side
 * through its pointers, and the devices through its read_devs: attach.c
 * backs it with the BPF maps and debugfs, tests/host/imstop_collect.c with
 * arrays of its own. Nothing here needs the BPF skeleton or libbpf.
 */
#ifndef IMSTOP_COLLECT_H
#define IMSTOP_COLLECT_H

#include <stdbool.h>
#include <time.h>
#include <linux/types.h>

#include "imstop.h"
#include "report.h"
#include "vic_debugfs.h"
#include "vic_stats_file.h"

enum sort_key { SORT_SIGNALS, SORT_RATE, SORT_P99, SORT_ALLOC, SORT_COOKIE };

/* The maps of bpf/imstop.bpf.c that user space reads or writes. */
enum collect_map {
	CM_COUNTS, /* per-CPU array: slot -> struct ims_counts */
	CM_SIG_LATS, /* per-CPU array: slot -> struct ims_lat */
	CM_SLOW_LATS, /* array: slot -> struct ims_slow_lats */
	CM_CPUS, /* per-CPU array: 0 -> struct ims_cpu */
	CM_DEFERRED, /* hash: struct ims_defer_key -> struct ims_deferred */
	CM_RETIRED, /* queue of struct ims_retired (pop: key NULL) */
	CM_NR,
};

struct collect;

/* One device of the core, as read from debugfs. */
struct collect_dev {
	__u32 id;
	char name[IMS_NAME_LEN];
	char backend[16]; /* "" without a backend */
	__u32 nvec;
	struct vic_stats_vector *recs; /* nvec of them */
	__u32 reccap;
};

/*
 * Where the counts come from. The map calls return 0 or a negative errno,
 * as libbpf's do; per-CPU maps read and write @ncpus values per key.
 */
struct collect_src {
	void *ctx;
	int ncpus;
	int (*next_key)(void *ctx, enum collect_map m, const void *key,
			void *next);
	int (*lookup)(void *ctx, enum collect_map m, const void *key,
		      void *value);
	int (*update)(void *ctx, enum collect_map m, const void *key,
		      const void *value);
	int (*delete_key)(void *ctx, enum collect_map m, const void *key);
	/* Take the oldest value off a queue; -ENOENT when it is empty. */
	int (*pop)(void *ctx, enum collect_map m, void *value);
	/* Handler runs the kernel skipped (recursion). */
	__u64 (*missed)(void *ctx);
	/*
	 * The live devices and their counters (only the one of
	 * collect_opts.dev when it is >= 0), each in collect_dev_at(c, i,
	 * nvec) for i from 0: how many, or -1 when they cannot be read.
	 * collect_debugfs_devs() reads debugfs.
	 */
	int (*read_devs)(void *ctx, struct collect *c);
	/*
	 * Shared with the BPF side, which changes them as it runs: the device
	 * table (IMS_MAX_DEVS entries), the first slot never handed out, seen
	 * and backed by slot (max_slots entries), and how many slots of
	 * backed hold a raise.
	 */
	struct ims_dev *devs;
	__u32 *next_slot;
	__u64 *seen;
	__u64 *backed;
	__u32 *backed_inflight;
	__u32 max_slots;
};

/* A device instance's slots, [first, first + nvec). */
struct slot_range {
	__u32 dev, gen, first, nvec;
	bool gone; /* reported gone: taken back by collect_done() */
};

/* A count kept by slot in user space. */
struct slot_count {
	__u32 slot;
	__u64 n;
};

/* A vector instance with something recorded in its slot. */
struct slot_key {
	struct ims_key key;
	__u32 slot;
};

struct collect_opts {
	long long dev; /* -1: all */
	bool cumulative;
	enum sort_key sort;
	__u32 max_hists; /* slots below this have histograms */
};

struct collect {
	struct collect_opts opts;
	const struct collect_src *src;
	struct ims_counts *pc_counts; /* one per CPU */
	struct ims_lat *pc_sig; /* one per CPU */
	struct ims_cpu *cpus; /* one per CPU */
	struct ims_slow_lats slow;
	struct ims_counts cur_c;
	struct ims_lat cur_l[IMS_LAT_NR]; /* bucket sums modulo 2^32 */
	struct vrow **tab; /* sorted by key */
	int ntab, tabcap;
	struct vrow **spare; /* the next table, while it is built */
	int sparecap;
	struct slot_key *keys; /* the seen slots of the held ranges */
	int keycap;
	struct slot_range *held; /* device instances with slots */
	int nheld, heldcap;
	struct slot_range *free; /* slots taken back, by first */
	int nfree, freecap;
	__u32 done[IMS_MAX_DEVS]; /* gen + 1 of the newest taken back */
	struct ims_dev snap[IMS_MAX_DEVS]; /* the device table, this window */
	struct collect_dev *ddevs;
	int nddevs, ddevcap;
	int ndbg; /* devices read this window, -1: none could be */
	bool starting; /* the baseline read of collect_start() */
	struct vrow **rows;
	int rowcap;
	__u64 diag_prev[IMS_DIAG_NR];
	__u64 swept; /* stale deferred entries forgotten so far */
	struct slot_count *lost; /* ... by slot, for the rows */
	int nlost, lostcap;
	struct ims_defer_key *old; /* their keys, while a sweep runs */
	int oldcap;
	__u64 missed_prev;
	struct timespec start, last;
	unsigned long seq;
};

/* Set up @c over @src; 0, or -ENOMEM. */
int collect_init(struct collect *c, const struct collect_src *src,
		 const struct collect_opts *o);

/*
 * The first window starts now: the counts the core has for the devices
 * that exist now are the baseline, not shown.
 */
void collect_start(struct collect *c);

/*
 * Read the window since the last one (since collect_start() for the
 * first) into @r: everything but how it attached (tracepoints,
 * eventfd_probe, eventfd_func), sample_period, max_rows, hist and the view's
 * options, which are the caller's. @r's rows stay valid until
 * collect_done().
 */
void collect_window(struct collect *c, struct report *r, bool final);

/*
 * The window was reported: forget the rows of gone device instances, and
 * take their slots back (zeroed) for devices without slots.
 */
void collect_done(struct collect *c);

void collect_free(struct collect *c);

/*
 * Device @i of the devices read, with room for @nvec records (for
 * collect_src.read_devs).
 */
struct collect_dev *collect_dev_at(struct collect *c, int i, __u32 nvec);

/* collect_src.read_devs over /sys/kernel/debug/vic. */
int collect_debugfs_devs(void *ctx, struct collect *c);

/* The order of the table: device, generation, vector. */
int key_cmp(const struct ims_key *a, const struct ims_key *b);

#endif /* IMSTOP_COLLECT_H */
