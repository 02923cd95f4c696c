// SPDX-License-Identifier: GPL-2.0-only
/*
 * imstop's log-linear histograms (bpf/imstop.h, tools/imstop/hist.c):
 * buckets tile the value range, every value lands in the bucket whose
 * bounds hold it, buckets are at most 1/8 of their lower bound wide, and
 * percentiles of known samples come out within that error, ordered and
 * capped by the maximum. Built and run by imstop_hist.sh.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hist.h"
#include "../lib/tap.h"

static uint64_t rng = 88172645463325252ULL;

static uint64_t next(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

/* A value in a bucket of width w at lower bound l: w <= max(1, l / 8). */
static int value_ok(uint64_t v)
{
	unsigned int s = ims_hist_slot(v);
	uint64_t lo = hist_lower(s), hi = hist_upper(s);

	if (s == IMS_HIST_SLOTS - 1)
		return v >= lo;
	return lo <= v && v < hi && hi - lo <= (lo / 8 > 1 ? lo / 8 : 1);
}

/* Percentiles of @count samples of @gen against the exact ones. */
static void check_dist(const char *name, uint64_t (*gen)(void), int count)
{
	static const double pct[] = { 50, 90, 99 };
	uint64_t *v = calloc(count, sizeof(*v)), prev = 0;
	struct lat64 l;
	int i, k, within = 1, ordered = 1;
	char desc[128];

	memset(&l, 0, sizeof(l));
	for (i = 0; i < count; i++) {
		v[i] = gen();
		l.slots[ims_hist_slot(v[i])]++;
		l.count++;
		l.sum_ns += v[i];
		if (v[i] > l.max_ns)
			l.max_ns = v[i];
	}
	qsort(v, count, sizeof(*v), cmp_u64);
	for (k = 0; k < 3; k++) {
		uint64_t exact = v[(size_t)ceil(pct[k] / 100 * count) - 1];
		uint64_t est = hist_percentile(&l, pct[k]);

		if (fabs((double)est - (double)exact) > exact / 8.0 + 1) {
			printf("# %s p%.0f: %llu, exact %llu\n", name, pct[k],
			       (unsigned long long)est,
			       (unsigned long long)exact);
			within = 0;
		}
		ordered &= est >= prev && est <= l.max_ns;
		prev = est;
	}
	snprintf(desc, sizeof(desc), "%s: p50, p90, p99 within 12.5%%", name);
	tap_ok(within, "%s", desc);
	snprintf(desc, sizeof(desc), "%s: p50 <= p90 <= p99 <= max", name);
	tap_ok(ordered, "%s", desc);
	free(v);
}

static uint64_t gen_signal(void) /* ~1 us with a tail to 1 ms */
{
	uint64_t r = next() % 1000;

	return r < 990 ? 600 + next() % 900 : 2000 + next() % 1000000;
}

static uint64_t gen_alloc(void) /* 2 to 4 ms */
{
	return 2000000 + next() % 2000000;
}

static uint64_t gen_wide(void) /* log-uniform over 1 ns .. 1 s */
{
	return (uint64_t)exp((double)(next() % 20723) / 1000.0);
}

static uint64_t gen_small(void) /* exact buckets */
{
	return next() % 12;
}

int main(void)
{
	unsigned int i;
	int tiles = 1, fits = 1;
	uint64_t v;

	for (i = 0; i + 1 < IMS_HIST_SLOTS; i++)
		tiles &= hist_upper(i) == hist_lower(i + 1) &&
			 ims_hist_slot(hist_lower(i)) == i &&
			 ims_hist_slot(hist_upper(i) - 1) == i;
	tap_ok(tiles && hist_lower(0) == 0, "buckets tile [0, 2^40) in order");
	for (v = 0; v < 200000; v++)
		fits &= value_ok(v);
	for (i = 0; i < 200000; i++)
		fits &= value_ok(next() >> (next() % 64));
	tap_ok(fits, "values land in their bucket; width <= lower / 8");
	tap_ok(ims_hist_slot(~0ULL) == IMS_HIST_SLOTS - 1 &&
		       ims_hist_slot(1ULL << 40) == IMS_HIST_SLOTS - 1,
	       "values past 2^40 ns: the last bucket");
	check_dist("signal-like", gen_signal, 100000);
	check_dist("alloc-like", gen_alloc, 7);
	check_dist("log-uniform", gen_wide, 50000);
	check_dist("small", gen_small, 1000);
	return tap_done();
}
