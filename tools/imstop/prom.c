// SPDX-License-Identifier: GPL-2.0-only
/*
 * imstop: the Prometheus endpoint (see prom.h), on libmicrohttpd.
 *
 * Threads and data: the main loop renders both bodies (OpenMetrics and
 * the text format) of a report into a new snapshot, which nothing else
 * sees yet, then swaps it in under p->lock. libmicrohttpd's thread, in
 * the request handler, takes a reference on the current snapshot under
 * the same lock and hands its body to libmicrohttpd, which sends it and
 * calls snap_put() when done with it; the last reference frees it. A
 * snapshot's bodies are never written after it is published, and the
 * reference count and p->cur are only touched under p->lock, so the
 * serving thread reads nothing that the main loop writes concurrently
 * (checked with -fsanitize=thread: tests/host/imstop_prom.c).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include <microhttpd.h>

#include "prom.h"
#include "util.h"

/* Histogram buckets: le = 2^e ns for e in this range, then +Inf. */
#define PROM_LE_MIN_LOG2 6 /* 64 ns */
#define PROM_LE_MAX_LOG2 33 /* 8.59 s */

/* A row's labels, escaped: dev, name (63 bytes, each at most 2), ... */
#define PROM_LABELS_LEN 320

struct prom_snap {
	struct prom *p;
	int refs; /* under p->lock */
	char *om, *text;
	size_t om_len, text_len;
};

struct prom {
	int fd; /* listening; libmicrohttpd's once serving */
	char where[INET6_ADDRSTRLEN + 16];
	struct MHD_Daemon *mhd;
	pthread_mutex_t lock;
	struct prom_snap *cur; /* under lock */
};

/* --- Rendering ------------------------------------------------------------ */

struct sbuf {
	char *p;
	size_t len, cap;
};

static void sb_printf(struct sbuf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void sb_printf(struct sbuf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(b->p ? b->p + b->len : NULL,
			      b->p ? b->cap - b->len : 0, fmt, ap);
		va_end(ap);
		if (n < 0)
			return;
		if (b->p && b->len + (size_t)n < b->cap) {
			b->len += (size_t)n;
			return;
		}
		b->cap = (b->cap ? b->cap * 2 : 65536) + (size_t)n;
		b->p = must(realloc(b->p, b->cap));
	}
}

static const struct prom_counter {
	const char *name; /* the family; samples are NAME_total */
	size_t off;
	const char *help;
} prom_counters[] = {
	{ "vic_raises", offsetof(struct ims_counts, raised),
	  "Raises of the vector (vic_raise events)." },
	{ "vic_signals", offsetof(struct ims_counts, signals),
	  "Eventfd signals of the vector: deliveries and released pending bits." },
	{ "vic_pended", offsetof(struct ims_counts, pended),
	  "Raises that pended, the vector being masked." },
	{ "vic_dropped", offsetof(struct ims_counts, dropped),
	  "Raises dropped, the vector having no trigger." },
};

#define PROM_HIST "vic_signal_latency_seconds"
#define PROM_HIST_HELP \
	"Latency from vic_raise to the delivery, or with --e2e to the eventfd signal (the timed raises, see --sample-period)."

/*
 * A label value as OpenMetrics wants it: valid UTF-8, with backslash,
 * double quote and newline escaped. Other control characters and bytes
 * that are not UTF-8 become '?'.
 */
static void escape_label(char *out, size_t len, const char *s)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t n = 0;

	while (*u && n + 3 < len) {
		int k = 0, i;

		if (*u == '\\' || *u == '"' || *u == '\n') {
			out[n++] = '\\';
			out[n++] = *u == '\n' ? 'n' : (char)*u;
			u++;
			continue;
		}
		if (*u < 0x80) {
			out[n++] = *u < 0x20 || *u == 0x7f ? '?' : (char)*u;
			u++;
			continue;
		}
		if ((*u & 0xe0) == 0xc0 && *u >= 0xc2)
			k = 1;
		else if ((*u & 0xf0) == 0xe0)
			k = 2;
		else if ((*u & 0xf8) == 0xf0 && *u <= 0xf4)
			k = 3;
		for (i = 1; k && i <= k; i++) {
			if ((u[i] & 0xc0) != 0x80)
				k = 0;
		}
		/* Overlong 3- and 4-byte forms, surrogates, above U+10FFFF. */
		if ((k == 2 && ((u[0] == 0xe0 && u[1] < 0xa0) ||
				(u[0] == 0xed && u[1] >= 0xa0))) ||
		    (k == 3 && ((u[0] == 0xf0 && u[1] < 0x90) ||
				(u[0] == 0xf4 && u[1] >= 0x90))))
			k = 0;
		if (!k || n + k + 1 + 3 > len) {
			out[n++] = '?';
			u++;
			continue;
		}
		memcpy(out + n, u, k + 1);
		n += k + 1;
		u += k + 1;
	}
	out[n] = '\0';
}

/* Rows by dev and vector, the newest instance (highest gen) first. */
static int prom_row_cmp(const void *pa, const void *pb)
{
	const struct vrow *a = *(struct vrow *const *)pa;
	const struct vrow *b = *(struct vrow *const *)pb;

	if (a->key.dev != b->key.dev)
		return a->key.dev < b->key.dev ? -1 : 1;
	if (a->key.vector != b->key.vector)
		return a->key.vector < b->key.vector ? -1 : 1;
	if (a->key.gen != b->key.gen)
		return a->key.gen > b->key.gen ? -1 : 1;
	return 0;
}

static __u64 row_counter(const struct vrow *v, size_t off)
{
	if (!v->track)
		return 0; /* nothing counted */
	return *(const __u64 *)((const char *)&v->track->total.c + off);
}

static void render_hist(struct sbuf *b, const char *labels,
			const struct lat64 *l)
{
	unsigned int i = 0;
	__u64 cum = 0;
	int e;

	for (e = PROM_LE_MIN_LOG2; e <= PROM_LE_MAX_LOG2; e++) {
		__u64 bound = 1ULL << e;

		while (i < IMS_HIST_SLOTS && hist_upper(i) <= bound)
			cum += l->slots[i++];
		sb_printf(b, PROM_HIST "_bucket{%s,le=\"%.10g\"} %llu\n",
			  labels, (double)bound / 1e9, (unsigned long long)cum);
	}
	while (i < IMS_HIST_SLOTS)
		cum += l->slots[i++];
	/*
	 * The buckets' sum, not l->count: the two may differ by a sample
	 * read in the middle of its update, and _count must be +Inf's.
	 */
	sb_printf(b, PROM_HIST "_bucket{%s,le=\"+Inf\"} %llu\n", labels,
		  (unsigned long long)cum);
	sb_printf(b, PROM_HIST "_sum{%s} %llu.%09llu\n", labels,
		  (unsigned long long)(l->sum_ns / 1000000000ULL),
		  (unsigned long long)(l->sum_ns % 1000000000ULL));
	sb_printf(b, PROM_HIST "_count{%s} %llu\n", labels,
		  (unsigned long long)cum);
}

char *prom_render(const struct report *r, bool om, size_t *len)
{
	static const struct lat64 zero;
	struct sbuf b = {};
	struct vrow **rows = NULL;
	char(*labels)[PROM_LABELS_LEN] = NULL;
	int n = 0, i, k;

	if (r && r->nrows > 0) {
		rows = must(calloc(r->nrows, sizeof(*rows)));
		labels = must(calloc(r->nrows, sizeof(*labels)));
		memcpy(rows, r->rows, r->nrows * sizeof(*rows));
		qsort(rows, r->nrows, sizeof(*rows), prom_row_cmp);
		/*
		 * One series per (dev, vector): a released device's last
		 * row and the first of a new device under its id can be in
		 * one report; the new one wins.
		 */
		for (i = 0; i < r->nrows; i++) {
			if (n && rows[n - 1]->key.dev == rows[i]->key.dev &&
			    rows[n - 1]->key.vector == rows[i]->key.vector)
				continue;
			rows[n++] = rows[i];
		}
		for (i = 0; i < n; i++) {
			char name[2 * IMS_NAME_LEN + 4];
			char type[2 * IMS_TYPE_LEN + 4];

			escape_label(name, sizeof(name), rows[i]->name);
			escape_label(type, sizeof(type), rows[i]->type);
			snprintf(
				labels[i], sizeof(labels[i]),
				"dev=\"%u\",name=\"%s\",vector=\"%u\",type=\"%s\"",
				rows[i]->key.dev, name, rows[i]->key.vector,
				type);
		}
	}

	for (k = 0; k < (int)(sizeof(prom_counters) / sizeof(*prom_counters));
	     k++) {
		const struct prom_counter *pc = &prom_counters[k];

		if (om)
			sb_printf(&b, "# TYPE %s counter\n# HELP %s %s\n",
				  pc->name, pc->name, pc->help);
		else
			sb_printf(
				&b,
				"# HELP %s_total %s\n# TYPE %s_total counter\n",
				pc->name, pc->help, pc->name);
		for (i = 0; i < n; i++)
			sb_printf(&b, "%s_total{%s} %llu\n", pc->name,
				  labels[i],
				  (unsigned long long)row_counter(rows[i],
								  pc->off));
	}

	if (om)
		sb_printf(&b,
			  "# TYPE " PROM_HIST " histogram\n# UNIT " PROM_HIST
			  " seconds\n# HELP " PROM_HIST " " PROM_HIST_HELP
			  "\n");
	else
		sb_printf(&b, "# HELP " PROM_HIST " " PROM_HIST_HELP
			      "\n# TYPE " PROM_HIST " histogram\n");
	for (i = 0; i < n; i++) {
		const struct vrow *v = rows[i];

		/* A vector beyond --max-hist-vectors has no histogram. */
		if (v->track && !v->track->hist)
			continue;
		render_hist(&b, labels[i],
			    v->track ? &v->track->hist->total[IMS_LAT_SIGNAL] :
				       &zero);
	}
	if (om)
		sb_printf(&b, "# EOF\n");
	free(rows);
	free(labels);
	*len = b.len;
	return b.p;
}

/* --- Content negotiation -------------------------------------------------- */

/*
 * The best q of OpenMetrics and of the text format among the media ranges
 * of an Accept header; OpenMetrics when it is at least as good. Without
 * a header, the text format (what a plain HTTP client gets).
 */
bool prom_wants_openmetrics(const char *accept)
{
	double q_om = 0, q_text = 0;
	const char *p = accept;

	if (!accept)
		return false;
	while (*p) {
		const char *end = p + strcspn(p, ","), *semi;
		char media[64];
		double q = 1;
		size_t mlen;

		while (p < end && (*p == ' ' || *p == '\t'))
			p++;
		semi = memchr(p, ';', end - p);
		mlen = (semi ? semi : end) - p;
		while (mlen && (p[mlen - 1] == ' ' || p[mlen - 1] == '\t'))
			mlen--;
		if (mlen >= sizeof(media))
			mlen = sizeof(media) - 1;
		memcpy(media, p, mlen);
		media[mlen] = '\0';
		for (p = semi; p && p < end;
		     p = memchr(p + 1, ';', end - p - 1)) {
			const char *a = p + 1;

			while (a < end && (*a == ' ' || *a == '\t'))
				a++;
			if (end - a > 2 && (a[0] == 'q' || a[0] == 'Q') &&
			    a[1] == '=')
				q = strtod(a + 2, NULL);
		}
		if (!strcasecmp(media, "application/openmetrics-text")) {
			if (q > q_om)
				q_om = q;
		} else if (!strcasecmp(media, "text/plain") ||
			   !strcasecmp(media, "text/*") ||
			   !strcmp(media, "*/*")) {
			if (q > q_text)
				q_text = q;
		}
		p = *end ? end + 1 : end;
	}
	return q_om > 0 && q_om >= q_text;
}

/* --- Snapshots ------------------------------------------------------------ */

static struct prom_snap *snap_new(struct prom *p, const struct report *r)
{
	struct prom_snap *s = must(calloc(1, sizeof(*s)));

	s->p = p;
	s->refs = 1; /* p->cur's */
	s->om = prom_render(r, true, &s->om_len);
	s->text = prom_render(r, false, &s->text_len);
	return s;
}

/* Drop a reference (libmicrohttpd's free callback, and publishing). */
static void snap_put(void *cls)
{
	struct prom_snap *s = cls;
	struct prom *p = s->p;
	bool last;

	pthread_mutex_lock(&p->lock);
	last = !--s->refs;
	pthread_mutex_unlock(&p->lock);
	if (!last)
		return;
	free(s->om);
	free(s->text);
	free(s);
}

void prom_publish(struct prom *p, const struct report *r)
{
	struct prom_snap *s, *old;

	if (!p)
		return;
	s = snap_new(p, r); /* no other thread sees it yet */
	pthread_mutex_lock(&p->lock);
	old = p->cur;
	p->cur = s;
	pthread_mutex_unlock(&p->lock);
	if (old)
		snap_put(old);
}

/* --- HTTP ------------------------------------------------------------------ */

static enum MHD_Result reply_text(struct MHD_Connection *conn,
				  unsigned int status, const char *msg)
{
	struct MHD_Response *resp;
	enum MHD_Result ret;

	resp = MHD_create_response_from_buffer(strlen(msg), (void *)msg,
					       MHD_RESPMEM_PERSISTENT);
	if (!resp)
		return MHD_NO;
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE,
				"text/plain; charset=utf-8");
	if (status == MHD_HTTP_METHOD_NOT_ALLOWED)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_ALLOW,
					"GET, HEAD");
	ret = MHD_queue_response(conn, status, resp);
	MHD_destroy_response(resp);
	return ret;
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *conn,
			      const char *url, const char *method,
			      const char *version, const char *upload_data,
			      size_t *upload_data_size, void **req_cls)
{
	struct prom *p = cls;
	struct MHD_Response *resp;
	struct prom_snap *s;
	enum MHD_Result ret;
	const char *accept;
	bool om;

	(void)version;
	(void)upload_data;
	(void)upload_data_size;
	(void)req_cls;
	if (strcmp(method, MHD_HTTP_METHOD_GET) &&
	    strcmp(method, MHD_HTTP_METHOD_HEAD))
		return reply_text(conn, MHD_HTTP_METHOD_NOT_ALLOWED,
				  "only GET and HEAD\n");
	if (!strcmp(url, "/"))
		return reply_text(conn, MHD_HTTP_OK,
				  "imstop: the metrics are at /metrics\n");
	if (strcmp(url, "/metrics"))
		return reply_text(conn, MHD_HTTP_NOT_FOUND,
				  "not found; the metrics are at /metrics\n");

	accept = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
					     MHD_HTTP_HEADER_ACCEPT);
	om = prom_wants_openmetrics(accept);
	pthread_mutex_lock(&p->lock);
	s = p->cur;
	s->refs++;
	pthread_mutex_unlock(&p->lock);
	resp = MHD_create_response_from_buffer_with_free_callback_cls(
		om ? s->om_len : s->text_len, om ? s->om : s->text, snap_put,
		s);
	if (!resp) {
		snap_put(s);
		return MHD_NO;
	}
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE,
				om ? PROM_CT_OPENMETRICS : PROM_CT_TEXT);
	ret = MHD_queue_response(conn, MHD_HTTP_OK, resp);
	MHD_destroy_response(resp);
	return ret;
}

int prom_parse_addr(const char *arg, char *host, size_t hlen, char *port,
		    size_t plen)
{
	const char *colon, *ps;
	size_t n;
	char *end;
	long v;

	if (arg[0] == '[') {
		const char *close = strchr(arg, ']');

		if (!close || close[1] != ':')
			return -EINVAL;
		n = close - arg - 1;
		ps = close + 2;
		if (!n || n >= hlen)
			return -EINVAL;
		memcpy(host, arg + 1, n);
		host[n] = '\0';
	} else {
		colon = strrchr(arg, ':');
		if (colon && memchr(arg, ':', colon - arg))
			return -EINVAL; /* IPv6 without brackets */
		n = colon ? (size_t)(colon - arg) : 0;
		ps = colon ? colon + 1 : arg;
		if (n >= hlen)
			return -EINVAL;
		memcpy(host, arg, n);
		host[n] = '\0';
	}
	if (*ps < '0' || *ps > '9' || strlen(ps) >= plen)
		return -EINVAL;
	errno = 0;
	v = strtol(ps, &end, 10);
	if (errno || *end || v < 0 || v > 65535)
		return -EINVAL;
	snprintf(port, plen, "%ld", v);
	return 0;
}

static void sockname(struct prom *p)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	char a[INET6_ADDRSTRLEN] = "?";
	unsigned int port = 0;

	if (getsockname(p->fd, (struct sockaddr *)&ss, &sl))
		return;
	if (ss.ss_family == AF_INET6) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;

		inet_ntop(AF_INET6, &s6->sin6_addr, a, sizeof(a));
		port = ntohs(s6->sin6_port);
		snprintf(p->where, sizeof(p->where), "[%s]:%u", a, port);
	} else {
		struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;

		inet_ntop(AF_INET, &s4->sin_addr, a, sizeof(a));
		port = ntohs(s4->sin_port);
		snprintf(p->where, sizeof(p->where), "%s:%u", a, port);
	}
}

/* A listening socket on @ai, or -1 with errno set. */
static int listen_on(const struct addrinfo *ai)
{
	int fd, one = 1, zero = 0, e;

	fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC,
		    ai->ai_protocol);
	if (fd < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	/* "::" takes IPv4 too. */
	if (ai->ai_family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof(zero));
	if (bind(fd, ai->ai_addr, ai->ai_addrlen) || listen(fd, 64)) {
		e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

struct prom *prom_listen(const char *arg)
{
	struct addrinfo hints = {
		.ai_socktype = SOCK_STREAM,
		.ai_flags = AI_PASSIVE | AI_NUMERICSERV,
	};
	struct addrinfo *res = NULL, *ai;
	char host[256], port[8];
	struct prom *p;
	int ret, e = 0;

	if (prom_parse_addr(arg, host, sizeof(host), port, sizeof(port))) {
		err("invalid --prometheus address '%s': give [ADDR:]PORT, e.g. 9464, 127.0.0.1:9464 or [::1]:9464",
		    arg);
		return NULL;
	}
	/* Every address: IPv6 and IPv4 on one socket, else IPv4 alone. */
	if (!host[0])
		hints.ai_family = AF_INET6;
	ret = getaddrinfo(host[0] ? host : NULL, port, &hints, &res);
	if (ret && !host[0]) {
		hints.ai_family = AF_INET;
		ret = getaddrinfo(NULL, port, &hints, &res);
	}
	if (ret) {
		err("--prometheus %s: cannot resolve '%s': %s", arg, host,
		    gai_strerror(ret));
		return NULL;
	}
	p = must(calloc(1, sizeof(*p)));
	p->fd = -1;
	for (ai = res; ai && p->fd < 0; ai = ai->ai_next) {
		p->fd = listen_on(ai);
		if (p->fd < 0 && !e)
			e = errno;
	}
	if (p->fd < 0 && !host[0] && e == EAFNOSUPPORT) {
		/* No IPv6 in this kernel. */
		struct sockaddr_in sin = { .sin_family = AF_INET,
					   .sin_port = htons(atoi(port)) };
		struct addrinfo a4 = { .ai_family = AF_INET,
				       .ai_socktype = SOCK_STREAM,
				       .ai_addr = (struct sockaddr *)&sin,
				       .ai_addrlen = sizeof(sin) };

		p->fd = listen_on(&a4);
		e = errno;
	}
	freeaddrinfo(res);
	if (p->fd < 0) {
		err("--prometheus %s: cannot listen: %s%s", arg, strerror(e),
		    e == EADDRINUSE ?
			    " (another program has that port)" :
		    e == EADDRNOTAVAIL ?
			    " (no interface has that address)" :
		    e == EACCES ?
			    " (a port below 1024 needs CAP_NET_BIND_SERVICE)" :
			    "");
		free(p);
		return NULL;
	}
	sockname(p);
	pthread_mutex_init(&p->lock, NULL);
	p->cur = snap_new(p, NULL);
	return p;
}

const char *prom_where(const struct prom *p)
{
	return p->where;
}

int prom_serve(struct prom *p)
{
	p->mhd = MHD_start_daemon(
		MHD_USE_AUTO_INTERNAL_THREAD | MHD_USE_ERROR_LOG, 0, NULL, NULL,
		handle, p, MHD_OPTION_LISTEN_SOCKET, p->fd,
		MHD_OPTION_CONNECTION_LIMIT, 64U, MHD_OPTION_CONNECTION_TIMEOUT,
		30U, MHD_OPTION_END);
	if (!p->mhd) {
		err("--prometheus %s: libmicrohttpd could not start", p->where);
		return -1;
	}
	return 0;
}

void prom_close(struct prom *p)
{
	if (!p)
		return;
	if (p->mhd)
		MHD_stop_daemon(p->mhd); /* joins its thread, closes p->fd */
	else if (p->fd >= 0)
		close(p->fd);
	if (p->cur)
		snap_put(p->cur); /* no response holds one any more */
	pthread_mutex_destroy(&p->lock);
	free(p);
}
