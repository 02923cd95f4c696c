// SPDX-License-Identifier: GPL-2.0-only
/*
 * vic-bench: samples per metric, and their JSON.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>

#include "bench.h"

/*
 * Under icount a guest nanosecond is one instruction: a time metric is
 * reported as what it is, an instruction count ("gen_emul_ns" becomes
 * "gen_emul_insn", "set_irqs_256_us" "set_irqs_256_insn" in instructions).
 * Returns the name to use (static storage) and sets *@scale and *@unit.
 */
static const char *lane_name(const struct results *r, const char *name,
			     const char **unit, double *scale)
{
	static char buf[128];
	size_t i;

	*scale = 1;
	if (!r->icount)
		return name;
	for (i = 0; name[i]; i++) {
		if (name[i] != '_' ||
		    (name[i + 1] != 'n' && name[i + 1] != 'u') ||
		    name[i + 2] != 's' || (name[i + 3] && name[i + 3] != '_'))
			continue;
		if (name[i + 1] == 'u')
			*scale = 1000;
		snprintf(buf, sizeof(buf), "%.*s_insn%s", (int)i, name,
			 name + i + 3);
		if (unit && *unit) {
			if (!strcmp(*unit, "ns/op"))
				*unit = "insn/op";
			else if (!strcmp(*unit, "ns/raise"))
				*unit = "insn/raise";
			else if (!strcmp(*unit, "us") || !strcmp(*unit, "ns"))
				*unit = "insn";
		}
		return buf;
	}
	return name;
}

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
	double scale;
	struct metric *m;

	name = lane_name(r, name, &unit, &scale);
	m = find(r, strdup(name), unit);
	if (m && m->n < BENCH_MAX_SAMPLES)
		m->samples[m->n++] = v * scale;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

double median_of(const struct results *r, const char *name)
{
	double s[BENCH_MAX_SAMPLES], scale;
	struct metric *m;

	name = lane_name(r, name, NULL, &scale);
	m = find((struct results *)r, name, NULL);
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
	fprintf(f,
		"{\"label\": \"%s\", \"lane\": \"%s\", \"kernel\": \"%s\", "
		"\"metrics\": {",
		label, r->icount ? "icount" : "wall", u.release);
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
