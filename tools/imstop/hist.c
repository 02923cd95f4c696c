// SPDX-License-Identifier: GPL-2.0-only
/*
 * imstop: log-linear histogram math (bucket bounds, percentiles) and the
 * histogram printer of -H.
 */
#include <math.h>
#include <string.h>

#include "hist.h"

__u64 hist_lower(unsigned int slot)
{
	unsigned int e;

	if (slot < IMS_HIST_SUB)
		return slot;
	e = (slot >> IMS_HIST_SUB_BITS) + IMS_HIST_SUB_BITS - 1;
	return (__u64)(IMS_HIST_SUB | (slot & (IMS_HIST_SUB - 1)))
	       << (e - IMS_HIST_SUB_BITS);
}

__u64 hist_upper(unsigned int slot)
{
	unsigned int e;

	if (slot < IMS_HIST_SUB)
		return slot + 1;
	e = (slot >> IMS_HIST_SUB_BITS) + IMS_HIST_SUB_BITS - 1;
	return hist_lower(slot) + (1ULL << (e - IMS_HIST_SUB_BITS));
}

/*
 * The largest value: the exact maximum l->max_ns, kept within the highest
 * non-empty bucket (it may be older than the window, or a nested update
 * may have lost a race with it).
 */
static __u64 hist_max(const struct lat64 *l)
{
	__u64 lo, hi;
	int i;

	for (i = IMS_HIST_SLOTS - 1; i >= 0; i--) {
		if (!l->slots[i])
			continue;
		lo = hist_lower(i);
		if (l->max_ns < lo)
			return lo;
		if (i == IMS_HIST_SLOTS - 1)
			return l->max_ns; /* open-ended */
		hi = hist_upper(i) - 1;
		return l->max_ns < hi ? l->max_ns : hi;
	}
	return 0;
}

__u64 hist_percentile(const struct lat64 *l, double pct)
{
	__u64 total = 0, rank, cum = 0, lo, width, v, max;
	unsigned int i;

	for (i = 0; i < IMS_HIST_SLOTS; i++)
		total += l->slots[i];
	if (!total)
		return 0;
	rank = (__u64)ceil(pct / 100.0 * (double)total);
	if (rank < 1)
		rank = 1;
	if (rank > total)
		rank = total;
	max = hist_max(l);
	for (i = 0; i < IMS_HIST_SLOTS; i++) {
		if (cum + l->slots[i] < rank) {
			cum += l->slots[i];
			continue;
		}
		lo = hist_lower(i);
		width = hist_upper(i) - lo;
		/* The k-th of n samples in the bucket: at (k - 1/2) / n. */
		v = lo;
		if (width > 1)
			v += (__u64)((double)width *
				     ((double)(rank - cum) - 0.5) /
				     (double)l->slots[i]);
		return v < max ? v : max;
	}
	return max;
}

void hist_summarize(const struct lat64 *l, struct lat_summary *out)
{
	__u64 total = 0;
	unsigned int i;

	memset(out, 0, sizeof(*out));
	for (i = 0; i < IMS_HIST_SLOTS; i++)
		total += l->slots[i];
	if (!total)
		return;
	out->count = total;
	out->mean_ns = l->count ? l->sum_ns / l->count : 0;
	out->p50_ns = hist_percentile(l, 50);
	out->p90_ns = hist_percentile(l, 90);
	out->p99_ns = hist_percentile(l, 99);
	out->max_ns = hist_max(l);
}

const char *fmt_ns(char *buf, size_t len, __u64 ns)
{
	if (ns < 1000)
		snprintf(buf, len, "%lluns", (unsigned long long)ns);
	else if (ns < 10000)
		snprintf(buf, len, "%.2fus", ns / 1e3);
	else if (ns < 1000000)
		snprintf(buf, len, "%.1fus", ns / 1e3);
	else if (ns < 10000000)
		snprintf(buf, len, "%.2fms", ns / 1e6);
	else if (ns < 1000000000)
		snprintf(buf, len, "%.1fms", ns / 1e6);
	else
		snprintf(buf, len, "%.2fs", ns / 1e9);
	return buf;
}

#define HIST_BAR 40

void hist_print(FILE *f, const struct lat64 *l)
{
	char lo[16], hi[16];
	int first = -1, last = -1, i, j, bar;
	__u64 peak = 0;

	for (i = 0; i < (int)IMS_HIST_SLOTS; i++) {
		if (!l->slots[i])
			continue;
		if (first < 0)
			first = i;
		last = i;
		if (l->slots[i] > peak)
			peak = l->slots[i];
	}
	if (first < 0)
		return;
	fprintf(f, "%23s : %-10s distribution\n", "range", "count");
	for (i = first; i <= last; i++) {
		/* Runs of empty buckets: one line. */
		for (j = i; !l->slots[j]; j++)
			;
		if (j - i > 1) {
			fprintf(f, "%23s : %-10s |%*s|\n", "...", "", HIST_BAR,
				"");
			i = j - 1;
			continue;
		}
		fmt_ns(lo, sizeof(lo), hist_lower(i));
		if (i == (int)IMS_HIST_SLOTS - 1)
			snprintf(hi, sizeof(hi), "inf");
		else
			fmt_ns(hi, sizeof(hi), hist_upper(i));
		bar = (int)((l->slots[i] * HIST_BAR + peak - 1) / peak);
		fprintf(f, "%10s -> %-9s : %-10llu |", lo, hi,
			(unsigned long long)l->slots[i]);
		for (j = 0; j < HIST_BAR; j++)
			fputc(j < bar ? '*' : ' ', f);
		fprintf(f, "|\n");
	}
}
