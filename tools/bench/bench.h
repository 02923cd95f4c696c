/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * vic-bench: samples per metric, and their JSON.
 */
#ifndef VIC_BENCH_H
#define VIC_BENCH_H

#include <stdbool.h>
#include <stdio.h>

#define BENCH_MAX_METRICS 32
#define BENCH_MAX_SAMPLES 1000

struct metric {
	const char *name;
	const char *unit;
	int n;
	double samples[BENCH_MAX_SAMPLES];
};

struct results {
	bool icount; /* guest time is an instruction count: names in _insn */
	int n;
	struct metric m[BENCH_MAX_METRICS];
};

void add_sample(struct results *r, const char *name, const char *unit,
		double v);
double median_of(const struct results *r, const char *name);
void ratio_of_medians(struct results *r, const char *name, const char *num,
		      const char *den);
void print_json(const struct results *r, const char *label, FILE *f);

#endif /* VIC_BENCH_H */
