/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * imstop: the log-linear latency histograms of bpf/imstop.h seen from user
 * space: bucket bounds, percentiles, and printing.
 */
#ifndef IMSTOP_HIST_H
#define IMSTOP_HIST_H

#include <stdbool.h>
#include <stdio.h>
#include <linux/types.h>

#include "imstop.h"

/* A latency distribution in user space: 64-bit buckets. */
struct lat64 {
	__u64 count;
	__u64 sum_ns;
	__u64 max_ns;
	__u64 slots[IMS_HIST_SLOTS];
};

/* Bounds of a bucket: [lower, upper) in nanoseconds. */
__u64 hist_lower(unsigned int slot);
__u64 hist_upper(unsigned int slot);

/* A latency distribution summed up; all zero when count is 0. */
struct lat_summary {
	__u64 count;
	__u64 mean_ns;
	__u64 p50_ns;
	__u64 p90_ns;
	__u64 p99_ns;
	__u64 max_ns;
};

/*
 * Summarize @l. max_ns is the upper bound of the highest non-empty bucket,
 * capped by l->max_ns (the exact maximum since imstop started, which is
 * the window's exact maximum for a cumulative window); percentiles are
 * interpolated inside their bucket and never above max_ns.
 */
void hist_summarize(const struct lat64 *l, struct lat_summary *out);

/* One percentile (0 < pct <= 100) of @l, 0 if @l is empty. */
__u64 hist_percentile(const struct lat64 *l, double pct);

/* Format a duration compactly ("850ns", "12.3us", "2.05ms", "1.20s"). */
const char *fmt_ns(char *buf, size_t len, __u64 ns);

/*
 * Print @l as a histogram, print_log2_hist style but with the finer
 * buckets, from the lowest to the highest non-empty one.
 */
void hist_print(FILE *f, const struct lat64 *l);

#endif /* IMSTOP_HIST_H */
