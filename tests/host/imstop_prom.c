// SPDX-License-Identifier: GPL-2.0-only
/*
 * imstop's Prometheus endpoint (tools/imstop/prom.c) on the host, without
 * BPF: the exposition of a hand-made report (counters since start, one
 * series per dev and vector with the newest instance winning, escaped
 * label values, cumulative buckets in seconds, _sum, _count, # EOF), the
 * [ADDR:]PORT syntax, the Accept header's choice of format, and the
 * server on a loopback port: content types, 404, 405, a port in use, and
 * scrapes while the main thread publishes new snapshots, each of which
 * must be one whole snapshot (mk/imstop.mk also builds this test with
 * -fsanitize=thread). With a directory argument, the two bodies are left
 * there for imstop_prom.sh's parsers. TAP.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "prom.h"
#include "../lib/tap.h"

/* --- A report ------------------------------------------------------------- */

#define NROWS 5
static struct vrow rows[NROWS];
static struct vrow *order[NROWS];
static struct vtrack tracks[NROWS];
static struct vhist hists[NROWS];
static struct report rep = { .rows = order, .nrows = NROWS };

static void sample(struct vhist *h, __u64 ns, int k)
{
	struct lat64 *l = &h->total[IMS_LAT_SIGNAL];

	l->slots[ims_hist_slot(ns)] += k;
	l->count += k;
	l->sum_ns += ns * k;
	if (ns > l->max_ns)
		l->max_ns = ns;
}

static void row(int i, __u32 dev, __u32 vec, __u32 gen, const char *name,
		const char *type, bool track, bool hist)
{
	struct vrow *r = &rows[i];

	r->key = (struct ims_key){ .dev = dev, .vector = vec, .gen = gen };
	snprintf(r->name, sizeof(r->name), "%s", name);
	snprintf(r->type, sizeof(r->type), "%s", type);
	if (track) {
		r->track = &tracks[i];
		if (hist)
			tracks[i].hist = &hists[i];
		r->win = &tracks[i].win;
	}
	order[i] = r;
}

static void make_report(void)
{
	/* In display order, not by key: the exposition sorts them. */
	row(0, 1, 0, 0, "nohist", "ims", true, false);
	row(1, 0, 1, 1, "we\"ird\\na\nme\x01\xff\xc3\xa9", "emul", true, true);
	row(2, 0, 2, 1, "idle", "ims", false, false);
	row(3, 0, 1, 0, "old", "emul", true, true); /* gone, replaced */
	row(4, 0, 0, 1, "plain", "ims", true, true);
	rows[3].gone = true;

	tracks[1].total.c = (struct ims_counts){
		.raised = 10, .signals = 9, .pended = 1, .dropped = 0
	};
	/* The window is not what /metrics shows. */
	tracks[1].win.c = (struct ims_counts){ .raised = 3 };
	sample(&hists[1], 100, 3); /* below 128 ns */
	sample(&hists[1], 1000, 2); /* below 1024 ns */
	sample(&hists[1], 5000000000ULL, 1); /* 5 s */
	tracks[3].total.c = (struct ims_counts){ .raised = 777 };
	tracks[0].total.c = (struct ims_counts){ .raised = 4, .dropped = 4 };
	tracks[4].total.c = (struct ims_counts){ .raised = 1, .signals = 1 };
	sample(&hists[4], 64, 1); /* le 1.28e-07, not le 6.4e-08 */
}

static bool has(const char *body, const char *line)
{
	char want[512];

	snprintf(want, sizeof(want), "\n%s\n", line);
	if (strstr(body, want) || !strncmp(body, want + 1, strlen(want + 1)))
		return true;
	printf("# missing: %s\n", line);
	return false;
}

#define L1 \
	"dev=\"0\",name=\"we\\\"ird\\\\na\\nme??\xc3\xa9\",vector=\"1\",type=\"emul\""

static void test_render(const char *dir)
{
	size_t len, tlen;
	char *om = prom_render(&rep, true, &len);
	char *text = prom_render(&rep, false, &tlen);
	const char *p;
	int k = 0;

	tap_ok(len == strlen(om) && tlen == strlen(text), "bodies rendered");
	tap_ok(has(om, "# TYPE vic_raises counter") &&
		       has(om, "# TYPE vic_signal_latency_seconds histogram") &&
		       has(om, "# UNIT vic_signal_latency_seconds seconds") &&
		       !strcmp(om + len - 6, "# EOF\n"),
	       "OpenMetrics: family metadata, # EOF at the end");
	tap_ok(has(text, "# TYPE vic_raises_total counter") &&
		       !strstr(text, "# EOF") && !strstr(text, "# UNIT"),
	       "text 0.0.4: counter types on the _total name, no # EOF");
	tap_ok(has(om, "vic_raises_total{" L1 "} 10") &&
		       has(om, "vic_signals_total{" L1 "} 9") &&
		       has(om, "vic_pended_total{" L1 "} 1") &&
		       has(om, "vic_dropped_total{" L1 "} 0"),
	       "counters since start, label values escaped and made UTF-8");
	tap_ok(!strstr(om, "\"old\"") && !strstr(om, " 777\n"),
	       "the gone instance of dev 0 vector 1 is left out for the new one");
	tap_ok(has(om,
		   "vic_raises_total{dev=\"0\",name=\"idle\",vector=\"2\",type=\"ims\"} 0") &&
		       has(om,
			   "vic_signal_latency_seconds_count{dev=\"0\",name=\"idle\",vector=\"2\",type=\"ims\"} 0"),
	       "an idle vector: zero counters, an empty histogram");
	tap_ok(has(om,
		   "vic_dropped_total{dev=\"1\",name=\"nohist\",vector=\"0\",type=\"ims\"} 4") &&
		       !strstr(om, "_bucket{dev=\"1\""),
	       "a vector without a histogram slot: counters, no histogram");
	tap_ok(has(om, "vic_signal_latency_seconds_bucket{" L1
		       ",le=\"6.4e-08\"} 0") &&
		       has(om, "vic_signal_latency_seconds_bucket{" L1
			       ",le=\"1.28e-07\"} 3") &&
		       has(om, "vic_signal_latency_seconds_bucket{" L1
			       ",le=\"1.024e-06\"} 5") &&
		       has(om, "vic_signal_latency_seconds_bucket{" L1
			       ",le=\"4.294967296\"} 5") &&
		       has(om, "vic_signal_latency_seconds_bucket{" L1
			       ",le=\"8.589934592\"} 6") &&
		       has(om, "vic_signal_latency_seconds_bucket{" L1
			       ",le=\"+Inf\"} 6") &&
		       has(om, "vic_signal_latency_seconds_sum{" L1
			       "} 5.000002300") &&
		       has(om, "vic_signal_latency_seconds_count{" L1 "} 6"),
	       "histogram: cumulative buckets in seconds, _sum, _count");
	tap_ok(has(om,
		   "vic_signal_latency_seconds_bucket{dev=\"0\",name=\"plain\",vector=\"0\",type=\"ims\",le=\"6.4e-08\"} 0") &&
		       has(om,
			   "vic_signal_latency_seconds_bucket{dev=\"0\",name=\"plain\",vector=\"0\",type=\"ims\",le=\"1.28e-07\"} 1"),
	       "a bucket counts the samples below its bound");
	for (p = strstr(om, "vic_raises_total{"); p;
	     p = strstr(p + 1, "vic_raises_total{"))
		k++;
	tap_ok(k == 4, "one series per dev and vector (%d)", k);

	if (dir) {
		char path[4096];
		FILE *f;

		snprintf(path, sizeof(path), "%s/metrics.om", dir);
		f = fopen(path, "w");
		if (f) {
			fwrite(om, 1, len, f);
			fclose(f);
		}
		snprintf(path, sizeof(path), "%s/metrics.txt", dir);
		f = fopen(path, "w");
		if (f) {
			fwrite(text, 1, tlen, f);
			fclose(f);
		}
	}
	free(om);
	free(text);
}

static void test_syntax(void)
{
	static const char *const good[][3] = {
		{ "9464", "", "9464" },
		{ "127.0.0.1:9464", "127.0.0.1", "9464" },
		{ ":9464", "", "9464" },
		{ "[::1]:9464", "::1", "9464" },
		{ "localhost:0", "localhost", "0" },
	};
	static const char *const bad[] = {
		"",	    "x",	 "99999", "-1",	   "1.2.3.4",
		"::1:9464", "[::1]9464", "[]:1",  "host:", "host:12ab"
	};
	char host[256], port[8];
	unsigned int i;
	bool all = true;

	for (i = 0; i < sizeof(good) / sizeof(*good); i++) {
		if (prom_parse_addr(good[i][0], host, sizeof(host), port,
				    sizeof(port)) ||
		    strcmp(host, good[i][1]) || strcmp(port, good[i][2])) {
			printf("# '%s' misparsed\n", good[i][0]);
			all = false;
		}
	}
	tap_ok(all, "[ADDR:]PORT: PORT, ADDR:PORT, :PORT, [IPv6]:PORT");
	all = true;
	for (i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		if (!prom_parse_addr(bad[i], host, sizeof(host), port,
				     sizeof(port))) {
			printf("# '%s' accepted\n", bad[i]);
			all = false;
		}
	}
	tap_ok(all, "bad addresses refused");

	tap_ok(prom_wants_openmetrics(
		       "application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1"),
	       "Prometheus' Accept header: OpenMetrics");
	tap_ok(!prom_wants_openmetrics(NULL) &&
		       !prom_wants_openmetrics("*/*") &&
		       !prom_wants_openmetrics("text/plain;version=0.0.4"),
	       "no Accept, */* or text/plain: the text format");
	tap_ok(!prom_wants_openmetrics(
		       "application/openmetrics-text; q=0.2, text/plain") &&
		       prom_wants_openmetrics(
			       "text/plain;q=0.3, Application/OpenMetrics-Text"),
	       "q values decide");
	tap_ok(!prom_wants_openmetrics("application/openmetrics-text;q=0"),
	       "q=0 refuses OpenMetrics");
}

/* --- The server ----------------------------------------------------------- */

static int port_of(struct prom *p)
{
	const char *c = strrchr(prom_where(p), ':');

	return c ? atoi(c + 1) : -1;
}

/* One HTTP/1.0 request to 127.0.0.1:@port; the whole reply, malloc()ed. */
static char *http(int port, const char *req)
{
	struct sockaddr_in sin = { .sin_family = AF_INET,
				   .sin_port = htons(port) };
	size_t len = 0, cap = 1 << 16;
	char *buf = malloc(cap);
	ssize_t k;
	int fd;

	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0 || !buf ||
	    connect(fd, (struct sockaddr *)&sin, sizeof(sin)) ||
	    write(fd, req, strlen(req)) != (ssize_t)strlen(req)) {
		if (fd >= 0)
			close(fd);
		free(buf);
		return NULL;
	}
	while ((k = read(fd, buf + len, cap - len - 1)) > 0) {
		len += k;
		if (len + 1 == cap)
			buf = realloc(buf, cap *= 2);
	}
	close(fd);
	buf[len] = '\0';
	return buf;
}

#define GET_OM                                        \
	"GET /metrics HTTP/1.0\r\nAccept: "           \
	"application/openmetrics-text;version=1.0.0," \
	"text/plain;version=0.0.4;q=0.5\r\n\r\n"

static int stop_publishing;
static struct prom *server;

static void *publisher(void *arg)
{
	int i;

	(void)arg;
	for (i = 0; !__atomic_load_n(&stop_publishing, __ATOMIC_RELAXED); i++) {
		tracks[1].total.c.raised = 1000 + (i & 1);
		tracks[1].total.c.signals = 1000 + (i & 1);
		prom_publish(server, &rep);
	}
	return NULL;
}

static void test_server(void)
{
	char *reply, *bodies[2];
	size_t blen[2];
	struct prom *p, *busy;
	pthread_t th;
	int port, i, whole = 0;

	p = prom_listen("127.0.0.1:0");
	if (!tap_ok(p != NULL, "listens on 127.0.0.1, a free port"))
		return;
	port = port_of(p);
	tap_ok(!strncmp(prom_where(p), "127.0.0.1:", 10) && port > 0,
	       "says where: %s", prom_where(p));
	busy = NULL;
	{
		char addr[32];

		snprintf(addr, sizeof(addr), "127.0.0.1:%d", port);
		fprintf(stderr, "(an error message is expected here:)\n");
		busy = prom_listen(addr);
	}
	tap_ok(!busy, "a port in use: an error");
	prom_close(busy);
	if (!tap_ok(!prom_serve(p), "serves")) {
		prom_close(p);
		return;
	}

	reply = http(port, GET_OM);
	tap_ok(reply && strstr(reply, " 200 OK\r\n") &&
		       strstr(reply,
			      "Content-Type: " PROM_CT_OPENMETRICS "\r\n") &&
		       strstr(reply, "\r\n\r\n# TYPE vic_raises counter\n") &&
		       strstr(reply, "# EOF\n") && !strstr(reply, "_total{"),
	       "before the first window: OpenMetrics metadata, no sample");
	free(reply);

	server = p;
	prom_publish(p, &rep);
	reply = http(port, "GET /metrics HTTP/1.0\r\n\r\n");
	tap_ok(reply && strstr(reply, "Content-Type: " PROM_CT_TEXT "\r\n") &&
		       strstr(reply, "vic_raises_total{" L1 "} 10\n") &&
		       !strstr(reply, "# EOF"),
	       "no Accept header: text format 0.0.4");
	free(reply);
	reply = http(port, "GET /nothing HTTP/1.0\r\n\r\n");
	tap_ok(reply && strstr(reply, " 404 "), "another path: 404");
	free(reply);
	reply = http(port,
		     "POST /metrics HTTP/1.0\r\nContent-Length: 0\r\n\r\n");
	tap_ok(reply && strstr(reply, " 405 ") &&
		       strstr(reply, "Allow: GET, HEAD"),
	       "POST: 405");
	free(reply);

	/* Scrapes while snapshots come and go: each one whole. */
	for (i = 0; i < 2; i++) {
		tracks[1].total.c.raised = 1000 + i;
		tracks[1].total.c.signals = 1000 + i;
		bodies[i] = prom_render(&rep, true, &blen[i]);
	}
	prom_publish(p, &rep); /* bodies[1]'s */
	pthread_create(&th, NULL, publisher, NULL);
	for (i = 0; i < 200; i++) {
		char *b;

		reply = http(port, GET_OM);
		b = reply ? strstr(reply, "\r\n\r\n") : NULL;
		if (b &&
		    (!strcmp(b + 4, bodies[0]) || !strcmp(b + 4, bodies[1])))
			whole++;
		else
			printf("# scrape %d: %s\n", i,
			       b ? "another body" : "no reply");
		free(reply);
	}
	__atomic_store_n(&stop_publishing, 1, __ATOMIC_RELAXED);
	pthread_join(th, NULL);
	tap_ok(whole == 200,
	       "200 scrapes during publishing: each a whole snapshot (%d)",
	       whole);
	free(bodies[0]);
	free(bodies[1]);
	prom_close(p);
	tap_ok(!http(port, GET_OM), "closed: nothing listens");
}

int main(int argc, char **argv)
{
	make_report();
	test_render(argc > 1 ? argv[1] : NULL);
	test_syntax();
	test_server();
	return tap_done();
}
