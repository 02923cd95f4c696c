/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * imstop: one report (a window of counts and latencies per vector) and the
 * output formats that render it.
 */
#ifndef IMSTOP_REPORT_H
#define IMSTOP_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>
#include <linux/types.h>

#include "hist.h"
#include "imstop.h"

#define IMS_NAME_LEN 64
#define IMS_TYPE_LEN 16

/*
 * A vector's counts and latency histograms, summed over the CPUs. l points
 * to IMS_LAT_NR distributions (all empty for a slot without histograms).
 */
struct vstats {
	struct ims_counts c;
	const struct lat64 *l;
};

/* The histograms of a slot that has them (below --max-hist-vectors). */
struct vhist {
	struct lat64 total[IMS_LAT_NR];
	struct lat64 win[IMS_LAT_NR];
	__u32 raw[IMS_LAT_NR][IMS_HIST_SLOTS]; /* last bucket sums read */
};

/* What is kept across windows of a vector instance. */
struct vtrack {
	struct vstats total; /* since imstop started */
	struct vstats win; /* this window (the total with --cumulative) */
	struct vhist *hist; /* NULL: the slot has no histograms */
	struct ims_counts cur; /* read this window: totals since start */
	struct ims_counts base; /* the core's counts at the start */
};

/* One row: a vector instance of the core's devices or of the BPF maps. */
struct vrow {
	struct ims_key key;
	char name[IMS_NAME_LEN];
	char type[IMS_TYPE_LEN];
	bool gone; /* the device was released or its id reused */
	bool has_slot; /* in the BPF maps: latencies, slow-path counts */
	bool live; /* in debugfs this window */
	bool no_slot; /* its device has no slots: no latencies (map_full) */
	__u32 slot; /* in the BPF maps, if has_slot */
	struct vtrack *track;
	const struct vstats *win; /* the window's counts */
	struct lat_summary lat[IMS_LAT_NR];
	double raised_ps;
	double signals_ps;
};

/* The counters of struct ims_counts, by name, in output order. */
struct counter_def {
	const char *name;
	size_t off;
};

#define NR_COUNTERS 12
extern const struct counter_def counter_defs[NR_COUNTERS];
extern const char *const lat_names[IMS_LAT_NR];
extern const char *const diag_names[IMS_DIAG_NR];

static inline __u64 counter(const struct vstats *s, int i)
{
	return *(const __u64 *)((const char *)&s->c + counter_defs[i].off);
}

struct report {
	struct timespec now; /* wall clock */
	double window_s; /* seconds the counts cover */
	double elapsed_s; /* since tracing started */
	bool cumulative;
	bool final; /* the partial window before exiting on a signal */
	unsigned long seq; /* record number, from 1 */
	const char *tracepoints; /* "tp_btf" or "raw_tp" */
	const char *eventfd_probe; /* "fentry" or "kprobe" */
	const char *eventfd_func; /* NULL: no eventfd probe (not e2e) */
	long long dev_filter; /* -1: all */
	__u64 totals[NR_COUNTERS];
	__u64 diag[IMS_DIAG_NR];
	__u64 missed; /* handler runs the kernel skipped (recursion) */
	long sample_period; /* one raise in this many timed */
	__u64 lat_timed; /* signal latencies timed */
	int ndevs;
	int nactive;
	bool debugfs; /* the core's devices could be read */
	struct vrow **rows; /* sorted */
	int nrows;
	int max_rows; /* rows to show; < 0: all */
	bool hist;
	bool wide; /* text: the allocation and cookie-set columns too */
};

/* The text view, 80 columns (112 if wide); @clear: clear the screen first. */
void output_text(const struct report *r, bool clear);
void output_json(const struct report *r);
void output_csv(const struct report *r);

#endif /* IMSTOP_REPORT_H */
