// SPDX-License-Identifier: GPL-2.0-only
/*
 * imstop: the output formats. text is the live screen (or, with -C, one
 * screen after the other), json one object per line and window, csv one
 * line per vector and window under a header line. docs/imstop.md has the
 * JSON schema and the CSV columns.
 */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "report.h"

#define COUNTER(f)                                 \
	{                                          \
#f, offsetof(struct ims_counts, f) \
	}
const struct counter_def counter_defs[NR_COUNTERS] = {
	COUNTER(raised),      COUNTER(delivered),    COUNTER(pended),
	COUNTER(dropped),     COUNTER(released),     COUNTER(signals),
	COUNTER(allocs),      COUNTER(alloc_fails),  COUNTER(frees),
	COUNTER(cookie_sets), COUNTER(cookie_fails), COUNTER(lat_lost),
};

const char *const lat_names[IMS_LAT_NR] = {
	[IMS_LAT_SIGNAL] = "signal",
	[IMS_LAT_ALLOC] = "alloc",
	[IMS_LAT_COOKIE] = "cookie",
};

const char *const diag_names[IMS_DIAG_NR] = {
	[IMS_DIAG_EVENTFD_CALLS] = "eventfd_calls",
	[IMS_DIAG_STALE] = "stale",
	[IMS_DIAG_OVERFLOW] = "inflight_overflows",
	[IMS_DIAG_MAP_FULL] = "map_full",
	[IMS_DIAG_NO_HIST] = "no_histogram",
};

enum {
	C_RAISED,
	C_DELIVERED,
	C_PENDED,
	C_DROPPED,
	C_RELEASED,
	C_SIGNALS,
	C_ALLOCS,
	C_ALLOC_FAILS,
	C_FREES,
	C_COOKIE_SETS,
	C_COOKIE_FAILS,
	C_LAT_LOST,
};

static int shown_rows(const struct report *r)
{
	if (r->max_rows < 0 || r->max_rows > r->nrows)
		return r->nrows;
	return r->max_rows;
}

static const char *fmt_count(char *buf, size_t len, __u64 v)
{
	if (v < 10000000ULL)
		snprintf(buf, len, "%llu", (unsigned long long)v);
	else if (v < 10000000000ULL)
		snprintf(buf, len, "%.1fM", v / 1e6);
	else
		snprintf(buf, len, "%.1fG", v / 1e9);
	return buf;
}

static const char *fmt_rate(char *buf, size_t len, double v)
{
	if (v < 10000)
		snprintf(buf, len, "%.1f", v);
	else if (v < 10000000)
		snprintf(buf, len, "%.0f", v);
	else
		snprintf(buf, len, "%.1fM", v / 1e6);
	return buf;
}

static const char *fmt_lat(char *buf, size_t len, const struct lat_summary *l,
			   __u64 v)
{
	if (!l->count)
		return "-";
	return fmt_ns(buf, len, v);
}

static const char *row_type(const struct vrow *v)
{
	return v->gone ? "gone" : v->type;
}

/* The header: at most 80 columns but for very large numbers. */
static void text_header(const struct report *r)
{
	char t[16], a[16], b[16], c[5][16];
	struct tm tm;

	localtime_r(&r->now.tv_sec, &tm);
	strftime(t, sizeof(t), "%H:%M:%S", &tm);
	printf("imstop - %s  up %.0fs  ", t, r->elapsed_s);
	if (r->cumulative)
		printf("total");
	else
		printf("window %.2fs", r->window_s);
	if (r->eventfd_func)
		printf("  %s, %s:%s\n", r->tracepoints, r->eventfd_probe,
		       r->eventfd_func);
	else
		printf("  %s\n", r->tracepoints);
	if (r->dev_filter >= 0)
		printf("device: %lld", r->dev_filter);
	else
		printf("devices: %d", r->ndevs);
	printf("  vectors: %d (%d active)  raise/s: %s  signal/s: %s\n",
	       r->nrows, r->nactive,
	       fmt_rate(a, sizeof(a),
			r->window_s > 0 ? r->totals[C_RAISED] / r->window_s :
					  0),
	       fmt_rate(b, sizeof(b),
			r->window_s > 0 ? r->totals[C_SIGNALS] / r->window_s :
					  0));
	printf("pend: %s  drop: %s  alloc: %s  cookie: %s  missed: %s\n",
	       fmt_count(c[0], sizeof(c[0]), r->totals[C_PENDED]),
	       fmt_count(c[1], sizeof(c[1]), r->totals[C_DROPPED]),
	       fmt_count(c[2], sizeof(c[2]), r->totals[C_ALLOCS]),
	       fmt_count(c[3], sizeof(c[3]), r->totals[C_COOKIE_SETS]),
	       fmt_count(c[4], sizeof(c[4]), r->missed));
	if (r->sample_period > 1)
		printf("SIG latency: %llu of %llu deliveries timed (1 in %ld, -S)\n",
		       (unsigned long long)r->lat_timed,
		       (unsigned long long)r->totals[C_DELIVERED],
		       r->sample_period);
	if (r->diag[IMS_DIAG_MAP_FULL] || r->diag[IMS_DIAG_NO_HIST] ||
	    r->diag[IMS_DIAG_STALE] || r->diag[IMS_DIAG_OVERFLOW])
		printf("latency lost (! by vector): no slot %llu  no hist %llu  stale %llu  overflow %llu\n",
		       (unsigned long long)r->diag[IMS_DIAG_MAP_FULL],
		       (unsigned long long)r->diag[IMS_DIAG_NO_HIST],
		       (unsigned long long)r->diag[IMS_DIAG_STALE],
		       (unsigned long long)r->diag[IMS_DIAG_OVERFLOW]);
	if (!r->debugfs)
		printf("(cannot read %s: raise counts not updated)\n",
		       "/sys/kernel/debug/vic");
	printf("\n");
}

/*
 * The table: 78 columns, or 114 with the allocation and cookie-set
 * columns (wide: the columns and widths of imstop before the 80-column
 * view, a TYPE of 5). The column after p99 is "!" for a vector that lost
 * latencies in the window (see row_lost()).
 */
static void text_row_header(bool wide)
{
	printf("%4s %-16s %5s %-*s %9s %8s %8s %1s", "DEV", "NAME", "VEC",
	       wide ? 5 : 4, "TYPE", "SIG/s", "SIG p50", "p99", "!");
	if (wide)
		printf(" %7s %8s %8s %8s", "ALLOC n", "p50", "COOKIE n", "p50");
	printf(" %7s %7s\n", "PEND", "DROP");
}

/*
 * Did vector @v lose latencies this window: timed raises not recorded,
 * or raises while its device has no slots?
 */
static bool row_lost(const struct vrow *v)
{
	return v->win->c.lat_lost || (v->no_slot && v->win->c.raised);
}

static void text_row(const struct vrow *v, bool wide)
{
	const struct lat_summary *sig = &v->lat[IMS_LAT_SIGNAL];
	const struct lat_summary *al = &v->lat[IMS_LAT_ALLOC];
	const struct lat_summary *co = &v->lat[IMS_LAT_COOKIE];
	char rate[16], s50[16], s99[16], an[16], a50[16], cn[16], c50[16];
	char pend[16], drop[16];

	printf("%4u %-16.16s %5u %-*.*s %9s %8s %8s %1s", v->key.dev, v->name,
	       v->key.vector, wide ? 5 : 4, wide ? 5 : 4, row_type(v),
	       fmt_rate(rate, sizeof(rate), v->signals_ps),
	       fmt_lat(s50, sizeof(s50), sig, sig->p50_ns),
	       fmt_lat(s99, sizeof(s99), sig, sig->p99_ns),
	       row_lost(v) ? "!" : "");
	if (wide)
		printf(" %7s %8s %8s %8s",
		       fmt_count(an, sizeof(an), v->win->c.allocs),
		       fmt_lat(a50, sizeof(a50), al, al->p50_ns),
		       fmt_count(cn, sizeof(cn), v->win->c.cookie_sets),
		       fmt_lat(c50, sizeof(c50), co, co->p50_ns));
	printf(" %7s %7s\n", fmt_count(pend, sizeof(pend), v->win->c.pended),
	       fmt_count(drop, sizeof(drop), v->win->c.dropped));
}

void output_text(const struct report *r, bool clear)
{
	int i, n = shown_rows(r);

	if (clear)
		printf("\033[H\033[2J");
	text_header(r);
	text_row_header(r->wide);
	for (i = 0; i < n; i++)
		text_row(r->rows[i], r->wide);
	if (n < r->nrows)
		printf("(%d more vectors; -r ROWS shows more)\n", r->nrows - n);

	for (i = 0; r->hist && i < n; i++) {
		const struct vrow *v = r->rows[i];
		int k;

		for (k = 0; k < IMS_LAT_NR; k++) {
			if (!v->lat[k].count)
				continue;
			printf("\ndev %u (%s) vector %u %s latency, %llu samples:\n",
			       v->key.dev, v->name, v->key.vector, lat_names[k],
			       (unsigned long long)v->lat[k].count);
			hist_print(stdout, &v->win->l[k]);
		}
	}
	fflush(stdout);
}

static void json_str(const char *s)
{
	putchar('"');
	for (; *s; s++) {
		unsigned char c = *s;

		if (c == '"' || c == '\\')
			printf("\\%c", c);
		else if (c < 0x20)
			printf("\\u%04x", c);
		else
			putchar(c);
	}
	putchar('"');
}

static void json_time(const struct timespec *ts)
{
	char buf[32];
	struct tm tm;

	gmtime_r(&ts->tv_sec, &tm);
	strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S", &tm);
	printf("\"%s.%03ldZ\"", buf, ts->tv_nsec / 1000000);
}

static void json_lat(const struct lat_summary *l)
{
	if (!l->count) {
		printf("{\"count\":0,\"mean_ns\":null,\"p50_ns\":null,"
		       "\"p90_ns\":null,\"p99_ns\":null,\"max_ns\":null}");
		return;
	}
	printf("{\"count\":%llu,\"mean_ns\":%llu,\"p50_ns\":%llu,"
	       "\"p90_ns\":%llu,\"p99_ns\":%llu,\"max_ns\":%llu}",
	       (unsigned long long)l->count, (unsigned long long)l->mean_ns,
	       (unsigned long long)l->p50_ns, (unsigned long long)l->p90_ns,
	       (unsigned long long)l->p99_ns, (unsigned long long)l->max_ns);
}

static void json_hist(const struct lat64 *l)
{
	bool first = true;
	unsigned int i;

	putchar('[');
	for (i = 0; i < IMS_HIST_SLOTS; i++) {
		if (!l->slots[i])
			continue;
		printf("%s[%llu,%llu,%llu]", first ? "" : ",",
		       (unsigned long long)hist_lower(i),
		       (unsigned long long)hist_upper(i),
		       (unsigned long long)l->slots[i]);
		first = false;
	}
	putchar(']');
}

static void json_vector(const struct report *r, const struct vrow *v)
{
	int k;

	printf("{\"dev\":%u,\"gen\":%u,\"name\":", v->key.dev, v->key.gen);
	json_str(v->name);
	printf(",\"vector\":%u,\"type\":", v->key.vector);
	json_str(v->type);
	printf(",\"gone\":%s,\"no_slot\":%s", v->gone ? "true" : "false",
	       v->no_slot ? "true" : "false");
	for (k = 0; k < NR_COUNTERS; k++)
		printf(",\"%s\":%llu", counter_defs[k].name,
		       (unsigned long long)counter(v->win, k));
	printf(",\"raised_per_s\":%.3f,\"signals_per_s\":%.3f", v->raised_ps,
	       v->signals_ps);
	for (k = 0; k < IMS_LAT_NR; k++) {
		printf(",\"%s\":", lat_names[k]);
		json_lat(&v->lat[k]);
	}
	if (r->hist) {
		printf(",\"hist\":{");
		for (k = 0; k < IMS_LAT_NR; k++) {
			printf("%s\"%s\":", k ? "," : "", lat_names[k]);
			json_hist(&v->win->l[k]);
		}
		putchar('}');
	}
	putchar('}');
}

void output_json(const struct report *r)
{
	int i, n = shown_rows(r);

	printf("{\"version\":1,\"seq\":%lu,\"time\":", r->seq);
	json_time(&r->now);
	printf(",\"elapsed_s\":%.6f,\"window_s\":%.6f,\"cumulative\":%s,"
	       "\"final\":%s",
	       r->elapsed_s, r->window_s, r->cumulative ? "true" : "false",
	       r->final ? "true" : "false");
	printf(",\"attach\":{\"tracepoints\":\"%s\",\"eventfd\":\"%s\"",
	       r->tracepoints, r->eventfd_probe);
	if (r->eventfd_func)
		printf(",\"eventfd_func\":\"%s\"}", r->eventfd_func);
	else
		printf(",\"eventfd_func\":null}");
	printf(",\"dev_filter\":");
	if (r->dev_filter >= 0)
		printf("%lld", r->dev_filter);
	else
		printf("null");
	printf(",\"totals\":{\"devices\":%d,\"vectors\":%d,\"active\":%d",
	       r->ndevs, r->nrows, r->nactive);
	for (i = 0; i < NR_COUNTERS; i++)
		printf(",\"%s\":%llu", counter_defs[i].name,
		       (unsigned long long)r->totals[i]);
	printf(",\"raised_per_s\":%.3f,\"signals_per_s\":%.3f}",
	       r->window_s > 0 ? r->totals[C_RAISED] / r->window_s : 0.0,
	       r->window_s > 0 ? r->totals[C_SIGNALS] / r->window_s : 0.0);
	printf(",\"diag\":{\"missed\":%llu", (unsigned long long)r->missed);
	for (i = 0; i < IMS_DIAG_NR; i++)
		printf(",\"%s\":%llu", diag_names[i],
		       (unsigned long long)r->diag[i]);
	printf(",\"sample_period\":%ld,\"debugfs\":%s}", r->sample_period,
	       r->debugfs ? "true" : "false");
	printf(",\"vectors\":[");
	for (i = 0; i < n; i++) {
		if (i)
			putchar(',');
		json_vector(r, r->rows[i]);
	}
	printf("]}\n");
	fflush(stdout);
}

static void csv_lat_header(const char *name)
{
	printf(",%s_count,%s_mean_ns,%s_p50_ns,%s_p90_ns,%s_p99_ns,%s_max_ns",
	       name, name, name, name, name, name);
}

static void csv_lat(const struct lat_summary *l)
{
	if (!l->count) {
		printf(",0,,,,,");
		return;
	}
	printf(",%llu,%llu,%llu,%llu,%llu,%llu", (unsigned long long)l->count,
	       (unsigned long long)l->mean_ns, (unsigned long long)l->p50_ns,
	       (unsigned long long)l->p90_ns, (unsigned long long)l->p99_ns,
	       (unsigned long long)l->max_ns);
}

/* A CSV field: quoted when it has a comma, a quote or a line break. */
static void csv_str(const char *s)
{
	if (!strpbrk(s, ",\"\r\n")) {
		fputs(s, stdout);
		return;
	}
	putchar('"');
	for (; *s; s++) {
		if (*s == '"')
			putchar('"');
		putchar(*s);
	}
	putchar('"');
}

void output_csv(const struct report *r)
{
	static bool header_done;
	int i, k, n = shown_rows(r);

	if (!header_done) {
		printf("seq,time,window_s,dev,gen,name,vector,type,gone,no_slot");
		for (k = 0; k < NR_COUNTERS; k++)
			printf(",%s", counter_defs[k].name);
		printf(",raised_per_s,signals_per_s");
		for (k = 0; k < IMS_LAT_NR; k++)
			csv_lat_header(lat_names[k]);
		printf("\n");
		header_done = true;
	}
	for (i = 0; i < n; i++) {
		const struct vrow *v = r->rows[i];

		printf("%lu,", r->seq);
		json_time(&r->now);
		printf(",%.6f,%u,%u,", r->window_s, v->key.dev, v->key.gen);
		csv_str(v->name);
		printf(",%u,", v->key.vector);
		csv_str(v->type);
		printf(",%d,%d", v->gone, v->no_slot);
		for (k = 0; k < NR_COUNTERS; k++)
			printf(",%llu", (unsigned long long)counter(v->win, k));
		printf(",%.3f,%.3f", v->raised_ps, v->signals_ps);
		for (k = 0; k < IMS_LAT_NR; k++)
			csv_lat(&v->lat[k]);
		printf("\n");
	}
	fflush(stdout);
}
