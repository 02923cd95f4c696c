// SPDX-License-Identifier: GPL-2.0-only
/*
 * vic-bench: samples per metric, and their JSON.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>

#include "bench.h"

static struct metric *find(struct results *r, const char *name,
			   const char *unit)
{
	int i;

	for (i = 0; i < r->n; i++)
		if (!strcmp(r->m[i].name, name))
			return &r->m[i];
	if (!unit || r->n == BENCH_MAX_METRICS)
		return NULL;
	r->m[r->n].name = name;
	r->m[r->n].unit = unit;
	return &r->m[r->n++];
}

void add_sample(struct results *r, const char *name, const char *unit, double v)
{
	struct metric *m = find(r, strdup(name), unit);

	if (m && m->n < BENCH_MAX_SAMPLES)
		m->samples[m->n++] = v;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

double median_of(const struct results *r, const char *name)
{
	double s[BENCH_MAX_SAMPLES];
	struct metric *m = find((struct results *)r, name, NULL);

	if (!m || !m->n)
		return 0;
	memcpy(s, m->samples, m->n * sizeof(double));
	qsort(s, m->n, sizeof(double), cmp_double);
	return m->n % 2 ? s[m->n / 2] : (s[m->n / 2 - 1] + s[m->n / 2]) / 2;
}

/* A ratio of two metrics' medians (num / den), as a one-sample metric. */
void ratio_of_medians(struct results *r, const char *name, const char *num,
		      const char *den)
{
	double d = median_of(r, den);

	if (d > 0)
		add_sample(r, name, "x", median_of(r, num) / d);
}

void print_json(const struct results *r, const char *label, FILE *f)
{
	struct utsname u;
	int i, j;

	uname(&u);
	fprintf(f, "{\"label\": \"%s\", \"kernel\": \"%s\", \"metrics\": {",
		label, u.release);
	for (i = 0; i < r->n; i++) {
		const struct metric *m = &r->m[i];

		fprintf(f,
			"%s\"%s\": {\"unit\": \"%s\", \"median\": %.6g, "
			"\"samples\": [",
			i ? ", " : "", m->name, m->unit, median_of(r, m->name));
		for (j = 0; j < m->n; j++)
			fprintf(f, "%s%.6g", j ? ", " : "", m->samples[j]);
		fprintf(f, "]}");
	}
	fprintf(f, "}}\n");
}
