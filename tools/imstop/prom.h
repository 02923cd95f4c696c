/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * imstop: the Prometheus endpoint (--prometheus [ADDR:]PORT). /metrics in
 * the OpenMetrics text format (or Prometheus' text format 0.0.4 for a
 * scraper that does not accept OpenMetrics), served by libmicrohttpd in a
 * thread of its own, from a snapshot the main loop publishes once per
 * interval. docs/imstop.md has the metrics.
 */
#ifndef IMSTOP_PROM_H
#define IMSTOP_PROM_H

#include <stdbool.h>
#include <stddef.h>

#include "report.h"

struct prom;

/*
 * Split [ADDR:]PORT into @host (empty: every address; IPv6 in brackets,
 * "[::1]:9464") and @port (digits, 0 to 65535; 0: any free port). 0 or
 * -EINVAL.
 */
int prom_parse_addr(const char *arg, char *host, size_t hlen, char *port,
		    size_t plen);

/*
 * Bind and listen on @arg (prom_parse_addr() syntax): a new endpoint that
 * serves nothing yet, or NULL after an error message (cannot resolve,
 * address in use, ...).
 */
struct prom *prom_listen(const char *arg);

/* The address it listens on, "127.0.0.1:9464" or "[::1]:9464". */
const char *prom_where(const struct prom *p);

/*
 * Start serving, in libmicrohttpd's thread (block the signals the caller
 * handles before: the thread inherits the mask). Until the first
 * prom_publish(), /metrics has the metrics' metadata and no sample. 0, or
 * -1 after an error message.
 */
int prom_serve(struct prom *p);

/*
 * Make @r's rows what /metrics serves from now on: their counts since
 * imstop started (or since the vector appeared), whatever the window of
 * @r. Call between collect_window() and collect_done().
 */
void prom_publish(struct prom *p, const struct report *r);

/* Stop serving (waits for the thread) and free @p; NULL is fine. */
void prom_close(struct prom *p);

/*
 * The body of /metrics for @r (NULL: no rows), OpenMetrics or the text
 * format 0.0.4; malloc()ed, its length in *@len.
 */
char *prom_render(const struct report *r, bool openmetrics, size_t *len);

/*
 * Whether an Accept header (NULL: none) prefers OpenMetrics to the text
 * format.
 */
bool prom_wants_openmetrics(const char *accept);

#define PROM_CT_OPENMETRICS \
	"application/openmetrics-text; version=1.0.0; charset=utf-8"
#define PROM_CT_TEXT "text/plain; version=0.0.4; charset=utf-8"

#endif /* IMSTOP_PROM_H */
