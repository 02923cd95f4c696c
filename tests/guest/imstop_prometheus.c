// SPDX-License-Identifier: GPL-2.0-only
/*
 * imstop --prometheus scraped by a real Prometheus server (Debian's
 * prometheus): a vic_mdev instance with 4 vectors (2 emulated) gets known
 * numbers of raises per vector (doorbells, CMD, a masked vector's pends
 * and release, drops on a vector without trigger) while imstop serves
 * /metrics on a loopback port and prints cumulative JSON, and prometheus
 * scrapes it every second. Then, from prometheus' HTTP API: every
 * counter of every vector equals what was driven, with its name and type
 * labels; each vector's histogram _count equals the latency samples of
 * imstop's JSON; up is 1; the documented PromQL (rates, p99 by type)
 * answers. A scrape by curl parses as OpenMetrics (python3-prometheus-
 * client's parser) and, in the text format, passes promtool check
 * metrics. A second imstop on a port in use fails before tracing; a
 * malformed address is a usage error; -o none serves counts since its
 * own start and prints nothing.
 *
 * vic-test-timeout: 400
 */
#include <sys/types.h>

#include "imstop_common.h"
#include "mdev_common.h"

#define NVEC 4
#define NR_EMULATED 2
#define IMSTOP_PORT 19464
#define IMSTOP_PORT2 19465
#define PROM_PORT 19090
#define PY "/usr/bin/python3"
#define CT_OM "application/openmetrics-text; version=1.0.0; charset=utf-8"

static struct vicdev d;
static int32_t fds[NVEC];
static int dbg;
static char tmp[64] = "/tmp/imstop-prom.XXXXXX";
static pid_t prom_pid;

/* What was driven, per vector. */
static long long want_raised[NVEC], want_signals[NVEC], want_pended[NVEC],
	want_dropped[NVEC];

/* Run a shell command; its stdout (malloc()ed), its status in *@rc. */
static char *run(int *rc, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static char *run(int *rc, const char *fmt, ...)
{
	char cmd[4096], *buf = NULL;
	size_t len = 0, cap = 0, k;
	va_list ap;
	FILE *f;
	int st;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	fflush(stdout);
	f = popen(cmd, "r");
	if (!f) {
		*rc = -1;
		return strdup("");
	}
	do {
		if (len + 4096 + 1 > cap)
			buf = realloc(buf, cap = cap ? cap * 2 : 65536);
		k = fread(buf + len, 1, 4096, f);
		len += k;
	} while (k);
	while (len && buf[len - 1] == '\n')
		len--;
	buf[len] = '\0';
	st = pclose(f);
	*rc = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
	return buf;
}

/*
 * An instant query of prometheus' API: the parsed reply, or NULL (said
 * in a diagnostic unless @quiet).
 */
static struct jv *query_q(const char *q, bool quiet)
{
	struct jv *v;
	char *out;
	int rc;

	out = run(&rc,
		  "curl -sS --max-time 20 http://127.0.0.1:%d/api/v1/query "
		  "--data-urlencode 'query=%s' 2>&1",
		  PROM_PORT, q);
	v = rc ? NULL : jparse(out);
	if ((!v || strcmp(jstr(v, "status"), "success")) && !quiet)
		tap_diag("query %s: rc %d: %.300s", q, rc, out);
	free(out);
	return v;
}

static struct jv *query(const char *q)
{
	return query_q(q, false);
}

static struct jv *result(const struct jv *reply)
{
	struct jv *r = jget(jget(reply, "data"), "result");

	return r && r->type == J_ARR ? r : NULL;
}

static double sample_value(const struct jv *e)
{
	const struct jv *v = jget(e, "value");

	/* [time, "value"] */
	if (!v || v->type != J_ARR || !v->child || !v->child->next ||
	    v->child->next->type != J_STR)
		return -1;
	return strtod(v->child->next->str, NULL);
}

/*
 * The values of @metric for device dbg, by vector (-1 when absent);
 * their name and type labels checked. The number of series in *@nseries.
 */
static int per_vector(const char *metric, double *vals, int *nseries)
{
	char q[256];
	struct jv *reply, *e;
	int labels_ok = 1;
	unsigned int v;

	for (v = 0; v < NVEC; v++)
		vals[v] = -1;
	*nseries = 0;
	snprintf(q, sizeof(q), "%s{job=\"imstop\",dev=\"%d\"}", metric, dbg);
	reply = query(q);
	for (e = result(reply) ? result(reply)->child : NULL; e; e = e->next) {
		const struct jv *m = jget(e, "metric");
		long vec = strtol(jstr(m, "vector"), NULL, 10);
		const char *type = vec < NR_EMULATED ? "emul" : "ims";

		(*nseries)++;
		if (vec < 0 || vec >= NVEC)
			continue;
		vals[vec] = sample_value(e);
		if (strcmp(jstr(m, "name"), d.uuid) ||
		    strcmp(jstr(m, "type"), type)) {
			tap_diag("%s vector %ld: name '%s' type '%s'", metric,
				 vec, jstr(m, "name"), jstr(m, "type"));
			labels_ok = 0;
		}
	}
	jfree(reply);
	return labels_ok;
}

/* Poll @q until its first sample's value is @want; false after @secs. */
static bool wait_value(const char *q, double want, int secs)
{
	int i;

	for (i = 0; i < secs * 2; i++) {
		struct jv *reply = query_q(q, true);
		struct jv *r = result(reply);
		bool hit = r && r->child && sample_value(r->child) == want;

		jfree(reply);
		if (hit)
			return true;
		usleep(500000);
	}
	query(q); /* what it says */
	return false;
}

static void prom_diag_log(void)
{
	char *out;
	int rc;

	out = run(&rc, "tail -n 15 %s/prometheus.log", tmp);
	tap_diag("prometheus' log:\n%s", out);
	free(out);
}

static int start_prometheus(void)
{
	char path[128];
	FILE *f;

	snprintf(path, sizeof(path), "%s/prometheus.yml", tmp);
	f = fopen(path, "w");
	if (!f)
		return -1;
	fprintf(f,
		"global:\n"
		"  scrape_interval: 1s\n"
		"  scrape_timeout: 1s\n"
		"scrape_configs:\n"
		"  - job_name: imstop\n"
		"    static_configs:\n"
		"      - targets: ['127.0.0.1:%d']\n",
		IMSTOP_PORT);
	fclose(f);
	fflush(stdout);
	prom_pid = fork();
	if (prom_pid < 0)
		return -1;
	if (!prom_pid) {
		char cfg[160], data[160], listen[64], log[160];
		int fd;

		snprintf(cfg, sizeof(cfg), "--config.file=%s", path);
		snprintf(data, sizeof(data), "--storage.tsdb.path=%s/data",
			 tmp);
		snprintf(listen, sizeof(listen),
			 "--web.listen-address=127.0.0.1:%d", PROM_PORT);
		snprintf(log, sizeof(log), "%s/prometheus.log", tmp);
		fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (fd < 0 || dup2(fd, 1) < 0 || dup2(fd, 2) < 0)
			_exit(126);
		execlp("prometheus", "prometheus", cfg, data, listen,
		       (char *)NULL);
		_exit(127);
	}
	return 0;
}

/* SIGTERM, and wait for it to exit (SIGKILL after 30 s): its status. */
static int stop_prometheus(void)
{
	int i, st = 0;

	if (prom_pid <= 0)
		return -1;
	kill(prom_pid, SIGTERM);
	for (i = 0; i < 300; i++) {
		if (waitpid(prom_pid, &st, WNOHANG) == prom_pid)
			break;
		usleep(100000);
	}
	if (i == 300) {
		tap_diag("prometheus did not exit on SIGTERM within 30 s");
		kill(prom_pid, SIGKILL);
		waitpid(prom_pid, &st, 0);
	}
	prom_pid = 0;
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static void doorbells(unsigned int v, int n)
{
	int i;

	for (i = 0; i < n; i++) {
		if (vicdev_doorbell(&d, v))
			mt_bail("DOORBELL");
	}
	want_raised[v] += n;
}

/* Different numbers on each vector: a label mixed up shows. */
static void workload(void)
{
	int i;

	doorbells(0, 30);
	for (i = 0; i < 5; i++) {
		if (vicdev_cmd(&d))
			mt_bail("CMD");
	}
	want_raised[0] += 5;
	want_signals[0] = want_raised[0];

	doorbells(1, 20);
	want_signals[1] = 20;
	if (vicdev_mask(&d, 1, true))
		mt_bail("mask");
	doorbells(1, 6);
	if (vicdev_mask(&d, 1, false))
		mt_bail("unmask");
	want_pended[1] = 6;
	want_signals[1] += 1; /* the pending bit released */

	doorbells(2, 40);
	want_signals[2] = 40;

	if (vicdev_msix_unset(&d, 3, 1))
		mt_bail("unset vector 3");
	doorbells(3, 7);
	want_dropped[3] = 7;
}

static void check_counters(void)
{
	static const char *const names[] = { "vic_raises_total",
					     "vic_signals_total",
					     "vic_pended_total",
					     "vic_dropped_total" };
	const long long *wants[] = { want_raised, want_signals, want_pended,
				     want_dropped };
	double vals[NVEC];
	unsigned int k, v;
	int ns;

	for (k = 0; k < 4; k++) {
		bool labels = per_vector(names[k], vals, &ns);

		tap_is(ns, NVEC, "%s: one series per vector", names[k]);
		tap_ok(labels, "%s: name and type labels", names[k]);
		for (v = 0; v < NVEC; v++) {
			tap_diag("prometheus: %s{vector=\"%u\"} = %.0f",
				 names[k], v, vals[v]);
			tap_is((long long)vals[v], wants[k][v],
			       "%s{vector=\"%u\"} is %lld", names[k], v,
			       wants[k][v]);
		}
	}
}

/*
 * _count per vector (read while imstop runs: once it is gone, its series
 * are stale) against the final JSON record's signal latency count.
 */
static void check_histogram(const struct jv *rec, const double *vals)
{
	unsigned int v;

	for (v = 0; v < NVEC; v++) {
		const struct jv *row = imstop_vec(rec, dbg, v);
		long long n = jint(jget(row, "signal"), "count");

		tap_diag(
			"prometheus: vic_signal_latency_seconds_count{vector=\"%u\"} = %.0f, imstop's JSON: %lld samples, %lld delivered",
			v, vals[v], n, jint(row, "delivered"));
		tap_ok(row && vals[v] == (double)n,
		       "vector %u: histogram _count equals imstop's %lld latency samples",
		       v, n);
	}
}

static void check_promql(void)
{
	static const char *const qs[] = {
		"sum by (vector) (rate(vic_signals_total[1m]))",
		"histogram_quantile(0.99, sum by (type, le) (rate(vic_signal_latency_seconds_bucket[1m])))",
	};
	unsigned int i;

	for (i = 0; i < sizeof(qs) / sizeof(*qs); i++) {
		struct jv *reply = query(qs[i]), *e;
		int n = 0, pos = 0;

		for (e = result(reply) ? result(reply)->child : NULL; e;
		     e = e->next) {
			double x = sample_value(e);

			n++;
			pos += x > 0 && x < 1e9;
			tap_diag("prometheus: %s: %s %s = %g",
				 i ? "p99" : "rate",
				 jstr(jget(e, "metric"), i ? "type" : "vector"),
				 i ? "seconds" : "per s", x);
		}
		tap_ok(n > 0 && pos > 0, "PromQL answers: %s", qs[i]);
		jfree(reply);
	}
}

/* A scrape by curl, each format, through the parsers. */
static void check_scrape(void)
{
	char *out;
	int rc;

	out = run(
		&rc,
		"curl -sS --max-time 20 -o %s/metrics.om -w '%%{content_type}' "
		"-H 'Accept: application/openmetrics-text; version=1.0.0' "
		"http://127.0.0.1:%d/metrics",
		tmp, IMSTOP_PORT);
	tap_ok(!rc && !strcmp(out, CT_OM),
	       "curl: OpenMetrics content type (%s)", out);
	free(out);
	out = run(
		&rc,
		PY
		" -c 'import sys\n"
		"from prometheus_client.openmetrics.parser import text_string_to_metric_families as p\n"
		"f = {m.name: m for m in p(open(sys.argv[1]).read())}\n"
		"print(sorted(f))\n"
		"assert f[\"vic_signal_latency_seconds\"].type == \"histogram\"\n"
		"assert f[\"vic_raises\"].type == \"counter\"' %s/metrics.om 2>&1",
		tmp);
	tap_ok(!rc, "the scrape parses as OpenMetrics: %s", out);
	free(out);
	out = run(
		&rc,
		"curl -sS --max-time 20 -w '%%{content_type}' -o %s/metrics.txt "
		"http://127.0.0.1:%d/metrics",
		tmp, IMSTOP_PORT);
	tap_ok(!rc && !strcmp(out, "text/plain; version=0.0.4; charset=utf-8"),
	       "curl without Accept: the text format (%s)", out);
	free(out);
	out = run(&rc, "promtool check metrics <%s/metrics.txt 2>&1", tmp);
	tap_ok(!rc, "the text format passes promtool check metrics");
	if (rc)
		tap_diag("%s", out);
	free(out);
}

static void check_errors(void)
{
	char *out;
	int rc;

	out = run(&rc, "%s --prometheus 127.0.0.1:%d -o none 1 1 2>&1",
		  imstop_path(), PROM_PORT);
	tap_is(rc, 1, "--prometheus on a port in use: exit 1");
	tap_ok(strstr(out, "Address already in use") && !strstr(out, "tracing"),
	       "... says so, before tracing: %s", out);
	free(out);
	out = run(&rc, "%s --prometheus 127.0.0.1:99999 2>&1", imstop_path());
	tap_is(rc, 64, "--prometheus 127.0.0.1:99999: usage error");
	tap_ok(strstr(out, "invalid --prometheus address") != NULL,
	       "... naming the address");
	free(out);
	out = run(&rc, "%s -o none 2>&1", imstop_path());
	tap_is(rc, 64, "-o none without --prometheus: usage error");
	free(out);
}

/* -o none: nothing printed; /metrics counts since this imstop started. */
static void check_none(void)
{
	char port[32], *out, want[256];
	const char *argv[] = { "--prometheus", port, "-o", "none", "1", NULL };
	struct imstop_run r;
	int rc;

	snprintf(port, sizeof(port), "127.0.0.1:%d", IMSTOP_PORT2);
	if (!tap_ok(imstop_start(&r, argv) == 0, "-o none: imstop starts")) {
		imstop_diag_stderr(&r);
		imstop_cleanup(&r);
		return;
	}
	doorbells(2, 3);
	sleep(3); /* a window or two */
	out = run(&rc, "curl -sS --max-time 20 http://127.0.0.1:%d/metrics",
		  IMSTOP_PORT2);
	snprintf(
		want, sizeof(want),
		"vic_raises_total{dev=\"%d\",name=\"%s\",vector=\"2\",type=\"ims\"} 3\n",
		dbg, d.uuid);
	tap_ok(!rc && strstr(out, want),
	       "-o none: vector 2 raised 3 since this imstop started");
	free(out);
	tap_is(imstop_stop(&r, SIGINT), 0, "-o none: exits 0 on SIGINT");
	tap_ok(r.text && !r.text[0], "-o none: prints nothing");
	imstop_cleanup(&r);
	mt_take(fds[2]);
}

int main(void)
{
	char port[32], uuid[VICDEV_UUID_LEN], params[64], q[128];
	const char *argv[] = { "--prometheus", port,  "-o", "json",
			       "--cumulative", "-S1", "1",  NULL };
	struct imstop_run r;
	struct jv *rec = NULL;
	double hist_count[NVEC];
	unsigned int v;
	char *out;
	int rc;

	mt_skip_unless_root();
	if (!mdev_built()) {
		printf("1..0 # SKIP vic_mdev.ko is not built\n");
		return 77;
	}
	free(run(
		&rc,
		"command -v prometheus && command -v promtool && command -v curl"));
	if (rc) {
		printf("1..0 # SKIP prometheus, promtool or curl missing (make deps)\n");
		return 77;
	}
	if (!mkdtemp(tmp))
		mt_bail("mkdtemp");
	snprintf(params, sizeof(params), "nvec=%d nr_emulated=%d", NVEC,
		 NR_EMULATED);
	mt_load(params);
	if (vicdev_eventfds(fds, NVEC))
		mt_bail("eventfds");

	snprintf(port, sizeof(port), "127.0.0.1:%d", IMSTOP_PORT);
	if (!tap_ok(imstop_start(&r, argv) == 0,
		    "imstop --prometheus starts")) {
		imstop_diag_stderr(&r);
		imstop_cleanup(&r);
		return tap_done();
	}
	if (!tap_ok(start_prometheus() == 0, "prometheus starts"))
		goto out;
	mt_create_open(&d, uuid);
	dbg = mt_dbg_id(uuid);
	if (vicdev_msix_set(&d, 0, NVEC, fds))
		mt_bail("triggers");

	/* Scraped once before the traffic: idle vectors at 0. */
	snprintf(q, sizeof(q),
		 "count(vic_raises_total{job=\"imstop\",dev=\"%d\"} == 0)",
		 dbg);
	if (!tap_ok(wait_value(q, NVEC, 180),
		    "prometheus scrapes imstop: %d idle vectors at 0", NVEC)) {
		prom_diag_log();
		goto out;
	}
	workload();
	/* Scraped after imstop published the traffic's window. */
	snprintf(q, sizeof(q),
		 "vic_raises_total{job=\"imstop\",dev=\"%d\",vector=\"2\"}",
		 dbg);
	if (!tap_ok(wait_value(q, (double)want_raised[2], 60),
		    "prometheus has the traffic")) {
		prom_diag_log();
		goto out;
	}
	sleep(3); /* more scrapes of the same counts: nothing resets */
	tap_ok(wait_value("up{job=\"imstop\"}", 1, 10),
	       "up{job=\"imstop\"} is 1");
	check_counters();
	per_vector("vic_signal_latency_seconds_count", hist_count, &rc);
	tap_is(rc, NVEC,
	       "vic_signal_latency_seconds_count: one series per vector");
	check_promql();
	check_scrape();
	check_errors();

	tap_is(imstop_stop(&r, SIGINT), 0, "imstop exits 0 on SIGINT");
	rec = imstop_record(&r, -1);
	if (tap_ok(rec != NULL, "a final JSON record")) {
		for (v = 0; v < NVEC; v++) {
			const struct jv *row = imstop_vec(rec, dbg, v);

			tap_ok(row && jint(row, "raised") == want_raised[v] &&
				       jint(row, "signals") == want_signals[v],
			       "JSON agrees: vector %u raised %lld, signals %lld",
			       v, want_raised[v], want_signals[v]);
		}
		check_histogram(rec, hist_count);
	}
	for (v = 0; v < NVEC; v++)
		tap_is(mt_take(fds[v]), v == 3 ? 0 : want_signals[v],
		       "vector %u: eventfd count", v);
	check_none();
out:
	tap_is(stop_prometheus(), 0, "prometheus exits 0 on SIGTERM");
	jfree(rec);
	imstop_stop(&r, SIGINT);
	imstop_cleanup(&r);
	if (d.uuid[0])
		mt_close_remove(&d);
	vicdev_close_fds(fds, NVEC);
	mt_unload();
	out = run(&rc, "rm -rf %s", tmp);
	free(out);
	return tap_done();
}
