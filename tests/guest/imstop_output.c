// SPDX-License-Identifier: GPL-2.0-only
/*
 * imstop's output modes on /dev/vic_test devices: per-interval JSON records
 * whose windows add up to the exact totals, histograms (-H) that add up to
 * the latency counts, the device filter (-d), sorting (-s) and row limit
 * (-r), CSV, the text screen with and without clearing (-C), 80 columns
 * wide or wide (-w), and batch mode (-b); an interval count ends imstop
 * by itself.
 *
 * vic-test-timeout: 300
 */
#include <math.h>

#include "imstop_common.h"
#include "../lib/vt.h"

#define NVEC 4
#define N_TIMER 1500
#define N_BIAS 20000

static int fd_a, dev_a, fd_b, dev_b;
static int efd_a[NVEC], efd_b[NVEC];

static void make_dev(int *fd, int *dev, int *efd)
{
	struct vic_test_range emul = { .start = 0, .count = NVEC };
	int32_t fds[NVEC];
	int i;

	*fd = vt_create(NVEC, 0, dev);
	if (*fd < 0 || ioctl(*fd, VIC_TEST_SET_EMULATED, &emul))
		tap_bail("creating a vic_test device");
	for (i = 0; i < NVEC; i++)
		fds[i] = efd[i] = efd_new();
	if (vt_set_fds(*fd, 0, NVEC, fds))
		tap_bail("setting triggers");
}

static void drain(void)
{
	int i;

	for (i = 0; i < NVEC; i++) {
		efd_take(efd_a[i]);
		efd_take(efd_b[i]);
	}
}

static long long hist_total(const struct jv *hist)
{
	const struct jv *b;
	long long n = 0;

	for (b = hist ? hist->child : NULL; b; b = b->next) {
		const struct jv *c = b->child;

		if (!c || !c->next || !c->next->next)
			return -1;
		if (c->num >= c->next->num) /* [lower, upper) */
			return -1;
		n += (long long)c->next->next->num;
	}
	return n;
}

/* Per-interval records: their windows add up to the exact total. */
static void test_intervals(void)
{
	const char *argv[] = { "-o", "json", "-H", "0.5", NULL };
	struct vic_test_timer tm = {
		.vector = 1, .count = N_TIMER, .period_ns = 1000000, .burst = 1
	};
	long long raised = 0, signals = 0, lat = 0, hist = 0;
	int n, i, seq_ok = 1, window_ok = 1, final_ok = 1, hist_ok = 1;
	struct imstop_run r;
	uint64_t done;

	if (!tap_ok(imstop_start(&r, argv) == 0, "intervals: imstop starts"))
		goto out;
	if (ioctl(fd_a, VIC_TEST_TIMER_START, &tm) ||
	    ioctl(fd_a, VIC_TEST_TIMER_WAIT, &done))
		tap_bail("hrtimer");
	usleep(700000); /* at least one window after the last raise */
	imstop_stop(&r, SIGINT);
	n = imstop_nrecords(&r);
	tap_ok(n >= 3, "intervals: %d records for a run of >= 1.5 s", n);
	for (i = 0; i < n; i++) {
		struct jv *rec = imstop_record(&r, i), *v;

		if (!rec) {
			tap_diag("record %d is not JSON", i);
			seq_ok = 0;
			continue;
		}
		seq_ok &= jint(rec, "seq") == i + 1;
		final_ok &= jbool(rec, "final") == (i == n - 1);
		if (i < n - 1)
			window_ok &= jnum(rec, "window_s") > 0.4 &&
				     jnum(rec, "window_s") < 1.5;
		v = imstop_vec(rec, dev_a, 1);
		if (v) {
			raised += jint(v, "raised");
			signals += jint(v, "signals");
			lat += jint(jget(v, "signal"), "count");
			if (hist_total(jget(jget(v, "hist"), "signal")) !=
			    jint(jget(v, "signal"), "count"))
				hist_ok = 0;
			hist += hist_total(jget(jget(v, "hist"), "signal"));
		}
		jfree(rec);
	}
	tap_ok(seq_ok, "intervals: seq counts up from 1");
	tap_ok(final_ok, "intervals: only the last record (SIGINT) is final");
	tap_ok(window_ok, "intervals: windows of about 0.5 s");
	tap_is(raised, N_TIMER, "intervals: raised adds up to %d", N_TIMER);
	tap_is(signals, N_TIMER, "intervals: signals add up to %d", N_TIMER);
	tap_ok(lat > 0 && lat <= N_TIMER,
	       "intervals: %lld signal latencies timed", lat);
	tap_ok(hist_ok && hist == lat,
	       "intervals: -H histograms: sorted buckets, add up to the count");
out:
	imstop_cleanup(&r);
	drain();
}

/* -d: only that device; -s rate and -r 1. */
static void test_filter_sort(void)
{
	char dev[16];
	const char *argv[] = { "-o", "json", "--cumulative", "-d", dev,
			       "-s", "rate", "3600",	     NULL };
	const char *argv_r[] = { "-o", "json", "--cumulative", "-s", "rate",
				 "-r", "1",    "3600",	       NULL };
	struct imstop_run r;
	struct jv *rec, *vs, *e;
	int only_b = 1, n = 0;

	snprintf(dev, sizeof(dev), "%d", dev_b);
	if (!tap_ok(imstop_start(&r, argv) == 0, "filter: imstop -d starts"))
		goto out;
	vt_signal(fd_a, 0, 100, 0);
	vt_signal(fd_b, 0, 50, 0);
	vt_signal(fd_b, 2, 300, 0);
	imstop_stop(&r, SIGINT);
	rec = imstop_record(&r, -1);
	tap_ok(rec && jint(rec, "dev_filter") == dev_b,
	       "filter: dev_filter is %d", dev_b);
	vs = jget(rec, "vectors");
	for (e = vs ? vs->child : NULL; e; e = e->next, n++)
		only_b &= jint(e, "dev") == dev_b;
	tap_ok(only_b && n == NVEC, "filter: the %d vectors of device %d only",
	       NVEC, dev_b);
	tap_is(jint(imstop_vec(rec, dev_b, 0), "signals"), 50,
	       "filter: device %d vector 0: 50 signals", dev_b);
	tap_ok(vs && vs->child && jint(vs->child, "vector") == 2,
	       "sort: -s rate puts the busiest vector (2) first");
	tap_is(jint(jget(rec, "totals"), "raised"), 350,
	       "filter: totals count device %d only", dev_b);
	jfree(rec);
	imstop_cleanup(&r);

	if (!tap_ok(imstop_start(&r, argv_r) == 0, "rows: imstop -r 1 starts"))
		goto out;
	vt_signal(fd_a, 3, 20, 0);
	imstop_stop(&r, SIGINT);
	rec = imstop_record(&r, -1);
	vs = jget(rec, "vectors");
	tap_ok(vs && vs->child && !vs->child->next &&
		       jint(vs->child, "dev") == dev_a &&
		       jint(vs->child, "vector") == 3,
	       "rows: -r 1 keeps one row, the top one");
	jfree(rec);
out:
	imstop_cleanup(&r);
	drain();
}

/* The column of @name in a CSV header line, or -1. */
static int csv_col(const char *header, const char *name)
{
	char *copy = strdup(header), *tok, *save = NULL;
	int i = 0, col = -1;

	for (tok = strtok_r(copy, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save), i++) {
		if (!strcmp(tok, name)) {
			col = i;
			break;
		}
	}
	free(copy);
	return col;
}

static long long csv_field(const char *line, int col)
{
	int i;

	for (i = 0; i < col && line; i++) {
		line = strchr(line, ',');
		if (line)
			line++;
	}
	return line ? strtoll(line, NULL, 10) : -1;
}

static void test_csv(void)
{
	const char *argv[] = { "-o", "csv", "--cumulative", "3600", NULL };
	struct imstop_run r;
	char *line, *save = NULL, *header = NULL;
	int cdev, cvec, craised, cgone, found = 0;

	if (!tap_ok(imstop_start(&r, argv) == 0, "csv: imstop starts"))
		goto out;
	vt_signal(fd_a, 2, 321, 0);
	imstop_stop(&r, SIGINT);
	for (line = strtok_r(r.text, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		if (!header) {
			header = line;
			cdev = csv_col(header, "dev");
			cvec = csv_col(header, "vector");
			craised = csv_col(header, "raised");
			cgone = csv_col(header, "gone");
			continue;
		}
		if (csv_field(line, cdev) == dev_a &&
		    csv_field(line, cvec) == 2 && !csv_field(line, cgone))
			found = csv_field(line, craised) == 321;
	}
	tap_ok(header && !strncmp(header, "seq,time,", 9) && cdev >= 0 &&
		       cvec >= 0 && craised >= 0 && cgone >= 0,
	       "csv: a header line names the columns");
	tap_ok(found, "csv: device %d vector 2 raised 321", dev_a);
out:
	imstop_cleanup(&r);
	drain();
}

static int count_str(const char *s, const char *what)
{
	int n = 0;

	while (s && (s = strstr(s, what))) {
		n++;
		s += strlen(what);
	}
	return n;
}

/* The longest line of @s. */
static int widest(const char *s)
{
	int w = 0;

	while (s && *s) {
		int l = (int)strcspn(s, "\n");

		if (l > w)
			w = l;
		s += l + !!s[l];
	}
	return w;
}

static void test_text(void)
{
	const char *argv_c[] = { "-C", "0.5", "2", NULL };
	const char *argv[] = { "0.5", "1", NULL };
	const char *argv_w[] = { "-w", "-C", "0.5", "1", NULL };
	const char *argv_b[] = { "-b", "0.5", "2", NULL };
	const char *argv_bi[] = { "-b", "3600", NULL };
	struct imstop_run r;
	int rc;

	if (!tap_ok(imstop_start(&r, argv_c) == 0, "text: imstop -C starts"))
		goto out;
	vt_signal(fd_a, 0, 200, 0);
	rc = imstop_stop(&r, 0); /* count 2: exits by itself */
	tap_is(rc, 0, "text: 'imstop -C 0.5 2' ends by itself, status 0");
	tap_is(count_str(r.text, "imstop - "), 2, "text: two screens");
	tap_is(count_str(r.text, "DEV NAME"), 2, "text: two table headers");
	tap_ok(count_str(r.text, "vic_test") >= 2 * 2 * NVEC,
	       "text: rows of both devices, named vic_test");
	tap_ok(!strstr(r.text, "\033["), "text: -C: no escape sequences");
	tap_ok(widest(r.text) <= 80 && !strstr(r.text, "ALLOC"),
	       "text: 80 columns (%d), no ALLOC column", widest(r.text));
	imstop_cleanup(&r);

	if (!tap_ok(imstop_start(&r, argv_w) == 0, "text: imstop -w starts"))
		goto out;
	imstop_stop(&r, 0);
	tap_ok(strstr(r.text, "ALLOC n") && strstr(r.text, "COOKIE n") &&
		       widest(r.text) > 80,
	       "text: -w: the ALLOC and COOKIE columns, %d columns",
	       widest(r.text));
	imstop_cleanup(&r);

	if (!tap_ok(imstop_start(&r, argv_b) == 0, "batch: imstop -b starts"))
		goto out;
	vt_signal(fd_a, 1, 100, 0);
	rc = imstop_stop(&r, 0);
	tap_is(rc, 0, "batch: 'imstop -b 0.5 2' ends by itself, status 0");
	tap_is(count_str(r.text, "imstop - "), 2, "batch: two reports");
	tap_ok(count_str(r.text, "vic_test") >= 2 * 2 * NVEC,
	       "batch: every row of both devices, twice");
	tap_ok(!strstr(r.text, "\033["), "batch: no escape sequences");
	imstop_cleanup(&r);

	if (!tap_ok(imstop_start(&r, argv_bi) == 0,
		    "batch: imstop -b 3600 starts"))
		goto out;
	imstop_stop(&r, SIGINT);
	tap_is(count_str(r.text, "imstop - "), 1,
	       "batch: SIGINT prints the partial last report");
	imstop_cleanup(&r);

	if (!tap_ok(imstop_start(&r, argv) == 0, "text: imstop starts"))
		goto out;
	imstop_stop(&r, 0);
	tap_ok(strstr(r.text, "\033[H\033[2J") != NULL,
	       "text: without -C, the screen is cleared");
out:
	imstop_cleanup(&r);
	drain();
}

/*
 * Sampling is unbiased: two vectors with exactly N_BIAS raises each, one
 * in a few long bursts, one in many short ones, interleaved, get the same
 * share of timed raises, 1 in the sample period (the default), within
 * five standard deviations of the binomial; counts stay exact.
 */
static void test_sampling(void)
{
	const char *argv[] = { "-o", "json", "--cumulative", "3600", NULL };
	const int bursts[2] = { 10, 400 };
	struct imstop_run r;
	struct jv *rec;
	long long period, n[2];
	unsigned int v;
	int k;

	if (!tap_ok(imstop_start(&r, argv) == 0, "sampling: imstop starts"))
		goto out;
	for (k = 0; k < bursts[1]; k++) {
		if (k % (bursts[1] / bursts[0]) == 0)
			vt_signal(fd_a, 0, N_BIAS / bursts[0], 0);
		vt_signal(fd_a, 1, N_BIAS / bursts[1], 0);
	}
	imstop_stop(&r, SIGINT);
	rec = imstop_record(&r, -1);
	period = jint(jget(rec, "diag"), "sample_period");
	tap_is(period, 64, "sampling: default period 64");
	for (v = 0; v < 2; v++) {
		const struct jv *row = imstop_vec(rec, dev_a, v);
		const struct jv *lat = jget(row, "signal");
		double want = (double)N_BIAS / (double)(period ? period : 1);
		double sd = sqrt(want * (1.0 - 1.0 / (period ? period : 1)));

		n[v] = jint(lat, "count");
		tap_is(jint(row, "signals"), N_BIAS,
		       "sampling: v%u: %d signals counted, in bursts of %d", v,
		       N_BIAS, N_BIAS / bursts[v]);
		tap_ok(imstop_lat_sane(lat) &&
			       fabs((double)n[v] - want) <= 5 * sd,
		       "sampling: v%u: %lld of %d timed (expected %.0f +- %.0f)",
		       v, n[v], N_BIAS, want, 5 * sd);
	}
	printf("# sampling: %lld and %lld timed of %d raises each, period %lld\n",
	       n[0], n[1], N_BIAS, period);
	jfree(rec);
out:
	imstop_cleanup(&r);
	drain();
}

int main(void)
{
	if (geteuid()) {
		printf("1..0 # SKIP needs root (run in the test VM)\n");
		return 77;
	}
	vt_load_modules();
	make_dev(&fd_a, &dev_a, efd_a);
	make_dev(&fd_b, &dev_b, efd_b);
	test_intervals();
	test_filter_sort();
	test_csv();
	test_text();
	test_sampling();
	close(fd_a);
	close(fd_b);
	return tap_done();
}
