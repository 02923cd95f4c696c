// SPDX-License-Identifier: GPL-2.0-only
/*
 * imstop's collection (tools/imstop/collect.c) on the host, without BPF:
 * a fake collect_src holds 16384 vector instances (16 devices of 1024
 * vectors, the default --max-vectors, their slot ranges in shuffled order)
 * in maps of its own, plus debugfs devices with names and idle vectors.
 * Every refresh must give one row per vector instance, each with its own
 * counts, the table sorted by key and the rows in display order; one
 * refresh of 16384 new vectors must take less than a second. Then the
 * second window (differences) and a released device whose rows are
 * reported gone once and whose slots are taken back, zeroed, and given to
 * a device that had none; a device created anew under its id (the old
 * instance retired by the BPF side) whose old rows are read one last time;
 * timed raises that waited too long for a deferred delivery forgotten and
 * counted stale, as are the backed raises in flight of a gone instance. And the text view of such a window: 80 columns at most
 * by default, the allocation and cookie-set columns only when wide. Built
 * by mk/imstop.mk, run by imstop_collect.sh.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "collect.h"
#include "../lib/tap.h"

#define NDEV 16
#define NVEC_DEV 1024
#define NKEYS (NDEV * NVEC_DEV)
#define NCPUS 2
#define MAX_HISTS 1024
#define IDLE_DEV 20
#define IDLE_NVEC 8
#define REFRESH_LIMIT_S 1.0
#define NDEFERRED 4
#define RETIRED_DEV 3

/* --- The fake maps ---------------------------------------------------------- */

static struct fake {
	struct ims_key keys[NKEYS]; /* by key index: dev * NVEC_DEV + vector */
	__u32 slot_of[NKEYS]; /* by key index */
	bool present[NKEYS]; /* its slots not taken back */
	struct ims_counts counts[NKEYS][NCPUS]; /* by slot */
	struct ims_lat sig[MAX_HISTS][NCPUS];
	struct ims_slow_lats slow[MAX_HISTS];
	/* Shared with the BPF side. */
	struct ims_dev devs[IMS_MAX_DEVS];
	__u32 next_slot;
	__u64 seen[NKEYS];
	__u64 backed[NKEYS];
	__u32 backed_inflight;
	struct ims_cpu cpus[NCPUS];
	struct ims_retired retired[4]; /* the retired queue */
	int nretired;
	int w; /* the window the counts are of (0: before the first) */
	struct {
		struct ims_defer_key key;
		struct ims_deferred v;
		bool present;
	} def[NDEFERRED]; /* the deferred map */
} * fk;

/* The deferred map: entry @i's position, or -1 for a key not in it. */
static int def_index(const struct ims_defer_key *k)
{
	int i;

	for (i = 0; i < NDEFERRED; i++) {
		if (fk->def[i].present &&
		    !memcmp(&fk->def[i].key, k, sizeof(*k)))
			return i;
	}
	return -1;
}

static int def_next_key(const struct ims_defer_key *key, void *next)
{
	int i = key ? def_index(key) + 1 : 0;

	for (; i < NDEFERRED; i++) {
		if (fk->def[i].present) {
			memcpy(next, &fk->def[i].key, sizeof(fk->def[i].key));
			return 0;
		}
	}
	return -ENOENT;
}

/* Key index of @k, or -1. */
static int key_index(const struct ims_key *k)
{
	int i;

	if (k->dev >= NDEV || k->vector >= NVEC_DEV)
		return -1;
	i = (int)(k->dev * NVEC_DEV + k->vector);
	return fk->present[i] && fk->keys[i].gen == k->gen ? i : -1;
}

static int f_next_key(void *ctx, enum collect_map m, const void *key,
		      void *next)
{
	(void)ctx;
	if (m == CM_DEFERRED)
		return def_next_key(key, next);
	return -EINVAL;
}

static int f_pop(void *ctx, enum collect_map m, void *value)
{
	(void)ctx;
	if (m != CM_RETIRED)
		return -EINVAL;
	if (!fk->nretired)
		return -ENOENT;
	memcpy(value, &fk->retired[0], sizeof(fk->retired[0]));
	memmove(&fk->retired[0], &fk->retired[1],
		--fk->nretired * sizeof(fk->retired[0]));
	return 0;
}

static int f_lookup(void *ctx, enum collect_map m, const void *key, void *value)
{
	__u32 idx = key ? *(const __u32 *)key : 0;
	int i;

	(void)ctx;
	switch (m) {
	case CM_COUNTS:
		if (idx >= NKEYS)
			return -ENOENT;
		memcpy(value, fk->counts[idx], sizeof(fk->counts[idx]));
		return 0;
	case CM_SIG_LATS:
		if (idx >= MAX_HISTS)
			return -ENOENT;
		memcpy(value, fk->sig[idx], sizeof(fk->sig[idx]));
		return 0;
	case CM_SLOW_LATS:
		if (idx >= MAX_HISTS)
			return -ENOENT;
		memcpy(value, &fk->slow[idx], sizeof(fk->slow[idx]));
		return 0;
	case CM_CPUS:
		if (idx)
			return -ENOENT;
		memcpy(value, fk->cpus, sizeof(fk->cpus));
		return 0;
	case CM_DEFERRED:
		i = def_index(key);
		if (i < 0)
			return -ENOENT;
		memcpy(value, &fk->def[i].v, sizeof(fk->def[i].v));
		return 0;
	default:
		return -EINVAL;
	}
}

static int f_update(void *ctx, enum collect_map m, const void *key,
		    const void *value)
{
	__u32 idx = key ? *(const __u32 *)key : 0;

	(void)ctx;
	switch (m) {
	case CM_COUNTS:
		if (idx >= NKEYS)
			return -E2BIG;
		memcpy(fk->counts[idx], value, sizeof(fk->counts[idx]));
		return 0;
	case CM_SIG_LATS:
		if (idx >= MAX_HISTS)
			return -E2BIG;
		memcpy(fk->sig[idx], value, sizeof(fk->sig[idx]));
		return 0;
	case CM_SLOW_LATS:
		if (idx >= MAX_HISTS)
			return -E2BIG;
		memcpy(&fk->slow[idx], value, sizeof(fk->slow[idx]));
		return 0;
	default:
		return -EINVAL;
	}
}

static int f_delete(void *ctx, enum collect_map m, const void *key)
{
	int i;

	(void)ctx;
	if (m != CM_DEFERRED)
		return -EINVAL;
	i = def_index(key);
	if (i < 0)
		return -ENOENT;
	fk->def[i].present = false;
	return 0;
}

static __u64 f_missed(void *ctx)
{
	(void)ctx;
	return 7;
}

static __u64 sig_total(int i, int w);
static __u64 raised_total(int i, int w);
static __u64 pended_total(int i, int w);
static __u64 released_total(int i, int w);

/* What the core had counted before imstop started. */
static __u64 core_offset(int i)
{
	return 1000 + (__u64)i * 3;
}

/*
 * debugfs: the NDEV devices that are not released, with the core's
 * counters of window fk->w (device 0's vectors emulated), and IDLE_DEV,
 * whose vectors never count. Device ids in a directory's order: reversed.
 */
static int f_read_devs(void *ctx, struct collect *c)
{
	struct collect_dev *d;
	int n = 0, dev, j;

	(void)ctx;
	d = collect_dev_at(c, n++, IDLE_NVEC);
	d->id = IDLE_DEV;
	d->nvec = IDLE_NVEC;
	snprintf(d->name, sizeof(d->name), "idle-dev");
	snprintf(d->backend, sizeof(d->backend), "ims");
	for (j = 0; j < IDLE_NVEC; j++)
		d->recs[j] = (struct vic_stats_vector){ .vector = j };
	for (dev = NDEV - 1; dev >= 0; dev--) {
		if (fk->devs[dev].released)
			continue;
		d = collect_dev_at(c, n++, NVEC_DEV);
		d->id = dev;
		d->nvec = NVEC_DEV;
		snprintf(d->name, sizeof(d->name), "dev%d", dev);
		snprintf(d->backend, sizeof(d->backend), "ims");
		for (j = 0; j < NVEC_DEV; j++) {
			int i = dev * NVEC_DEV + j, w = fk->w;
			__u64 off = core_offset(i);

			d->recs[j] = (struct vic_stats_vector){
				.vector = j,
				.flags = dev ? 0 : VIC_STATS_EMULATED,
				.raised = off + raised_total(i, w),
				.delivered = off + sig_total(i, w) -
					     released_total(i, w),
				.pended = off + pended_total(i, w),
				.dropped = off,
				.released = off + released_total(i, w),
			};
		}
	}
	return n;
}

static struct collect_src fake_src = {
	.ncpus = NCPUS,
	.next_key = f_next_key,
	.lookup = f_lookup,
	.update = f_update,
	.delete_key = f_delete,
	.pop = f_pop,
	.missed = f_missed,
	.read_devs = f_read_devs,
	.max_slots = NKEYS,
};

/* --- The synthetic vectors ----------------------------------------------- */

/*
 * Signals of key @i up to window @w (from 1; 0 before the first): all
 * distinct in window 1, then i % 5 more in each window.
 */
static __u64 sig_total(int i, int w)
{
	if (!w)
		return 0;
	return (__u64)(i * 7919 % NKEYS) + 1 + (__u64)(i % 5) * (__u64)(w - 1);
}

static __u64 raised_total(int i, int w)
{
	return w ? sig_total(i, w) + (__u64)(i % 3) : 0;
}

static __u64 pended_total(int i, int w)
{
	return w ? (__u64)(i % 7) : 0;
}

static __u64 released_total(int i, int w)
{
	return w ? (__u64)(i % 2) : 0;
}

/* Set the counts of window @w: the core's (debugfs) and the maps'. */
static void fill(int w)
{
	int i;

	fk->w = w;
	for (i = 0; i < NKEYS; i++) {
		__u32 s = fk->slot_of[i];
		__u64 sig = sig_total(i, w);
		struct ims_counts *c = fk->counts[s];

		if (!fk->present[i])
			continue; /* taken back */
		memset(fk->counts[s], 0, sizeof(fk->counts[s]));
		c[0].allocs = (__u64)w;
		c[1].frees = (__u64)w * 2;
		c[1].lat_lost = i % 11 ? 0 : (__u64)w;
		if (s < MAX_HISTS) {
			/* Latencies: one timed signal in ten, at 1 us. */
			struct ims_lat *l = &fk->sig[s][1];

			memset(fk->sig[s], 0, sizeof(fk->sig[s]));
			l->count = sig / 10;
			l->sum_ns = l->count * 1000;
			l->max_ns = l->count ? 1000 : 0;
			l->slots[ims_hist_slot(1000)] = (__u32)l->count;
		}
	}
	fk->cpus[0].diag[IMS_DIAG_EVENTFD_CALLS] = 100 * w;
	fk->cpus[1].diag[IMS_DIAG_EVENTFD_CALLS] = 1;
}

static __u64 rng = 88172645463325252ULL;

static __u64 next_rand(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

/* Device @dev's range: the devices took them in a shuffled order. */
static int range_of[NDEV];

static void setup(void)
{
	int i;

	fk = calloc(1, sizeof(*fk));
	if (!fk) {
		printf("Bail out! out of memory\n");
		exit(1);
	}
	for (i = 0; i < NDEV; i++)
		range_of[i] = i;
	for (i = NDEV - 1; i > 0; i--) {
		int j = (int)(next_rand() % (__u64)(i + 1)), t = range_of[i];

		range_of[i] = range_of[j];
		range_of[j] = t;
	}
	for (i = 0; i < NKEYS; i++) {
		int dev = i / NVEC_DEV;

		fk->keys[i] = (struct ims_key){ .dev = dev,
						.vector = i % NVEC_DEV,
						.gen = 1 + dev % 3 };
		fk->present[i] = true;
		fk->slot_of[i] = range_of[dev] * NVEC_DEV + i % NVEC_DEV;
		fk->seen[fk->slot_of[i]] = 1;
	}
	for (i = 0; i < NDEV; i++)
		fk->devs[i].map = ims_map(1 + i % 3, NVEC_DEV,
					  range_of[i] * NVEC_DEV + 1);
	/* Created when every slot was taken: none. */
	fk->devs[IDLE_DEV].map = ims_map(1, IDLE_NVEC, 0);
	fk->next_slot = NKEYS;
	fake_src.devs = fk->devs;
	fake_src.next_slot = &fk->next_slot;
	fake_src.seen = fk->seen;
	fake_src.backed = fk->backed;
	fake_src.backed_inflight = &fk->backed_inflight;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* --- Checks ---------------------------------------------------------------- */

/* Display order of -s signals: signals, then raise rate, down; then key. */
static int display_cmp(const struct vrow *a, const struct vrow *b)
{
	if (a->win->c.signals != b->win->c.signals)
		return a->win->c.signals > b->win->c.signals ? -1 : 1;
	if (a->raised_ps != b->raised_ps)
		return a->raised_ps > b->raised_ps ? -1 : 1;
	return key_cmp(&a->key, &b->key);
}

/*
 * The rows of window @w: every live key exactly once with its counts of
 * the window (the core's, less what it had at the start, less those of
 * window @w - 1; the slots' slow-path counts), gone when its device is
 * @gone_dev (the core's counts frozen at the last read), plus the rows of
 * the device without slots; sorted for display.
 */
static void check_rows(const char *what, const struct collect *c,
		       const struct report *r, int w, int nlive, int gone_dev)
{
	static unsigned char seen[NKEYS];
	int i, missing = 0, dup = 0, wrong = 0, order = 0, tab_order = 0;
	int idle = 0, named = 0, bad_idle = 0, gone = 0, lat_ok = 1;

	memset(seen, 0, sizeof(seen));
	for (i = 0; i < r->nrows; i++) {
		const struct vrow *v = r->rows[i];
		const struct ims_counts *wc = &v->win->c;
		char name[16];
		bool g;
		int k;

		if (i && display_cmp(r->rows[i - 1], v) >= 0)
			order++;
		if (v->key.dev == IDLE_DEV) {
			idle++;
			bad_idle += v->has_slot || wc->signals || wc->raised ||
				    strcmp(v->name, "idle-dev") ||
				    strcmp(v->type, "ims") || v->gone ||
				    v->no_slot != (w < 3);
			continue;
		}
		k = key_index(&v->key);
		if (k < 0) {
			if (v->key.dev == (__u32)gone_dev && v->gone)
				k = (int)(v->key.dev * NVEC_DEV +
					  v->key.vector);
			else {
				wrong++;
				continue;
			}
		}
		if (seen[k]++) {
			dup++;
			continue;
		}
		g = (int)v->key.dev == gone_dev;
#define WIN(f) (g ? 0 : f(k, w) - f(k, w - 1))
		if (v->key.gen != fk->keys[k].gen || !v->has_slot ||
		    v->slot != fk->slot_of[k] ||
		    wc->signals != WIN(sig_total) ||
		    wc->raised != WIN(raised_total) ||
		    wc->delivered != WIN(sig_total) - WIN(released_total) ||
		    wc->released != WIN(released_total) ||
		    wc->pended != WIN(pended_total) || wc->dropped ||
		    wc->allocs != 1 || wc->frees != 2 ||
		    wc->lat_lost != (k % 11 ? 0U : 1U) +
					    (__u64)(w == 3 && k < NDEFERRED &&
						    !(k % 2)) ||
		    v->no_slot ||
		    v->track->total.c.signals != sig_total(k, g ? w - 1 : w) ||
		    v->gone != g) {
			if (wrong < 3)
				printf("# %s: dev %u vector %u gen %u: signals %llu, expected %llu\n",
				       what, v->key.dev, v->key.vector,
				       v->key.gen,
				       (unsigned long long)wc->signals,
				       (unsigned long long)WIN(sig_total));
			wrong++;
		}
#undef WIN
		if (v->slot < MAX_HISTS)
			lat_ok &= v->lat[IMS_LAT_SIGNAL].count ==
					  sig_total(k, w) / 10 -
						  sig_total(k, w - 1) / 10 &&
				  (!v->lat[IMS_LAT_SIGNAL].count ||
				   v->lat[IMS_LAT_SIGNAL].p50_ns >= 900);
		else
			lat_ok &= !v->lat[IMS_LAT_SIGNAL].count;
		snprintf(name, sizeof(name), "dev%u", v->key.dev);
		named += !strcmp(v->name, name) &&
			 !strcmp(v->type, v->key.dev ? "ims" : "emul");
		gone += v->gone;
	}
	for (i = 0; i < NKEYS; i++)
		missing += fk->present[i] && !seen[i];
	for (i = 1; i < c->ntab; i++)
		tab_order += key_cmp(&c->tab[i - 1]->key, &c->tab[i]->key) >= 0;

	tap_ok(r->nrows == nlive + IDLE_NVEC,
	       "%s: %d rows (%d vectors with slots, %d without)", what,
	       r->nrows, nlive, IDLE_NVEC);
	tap_ok(!missing && !dup, "%s: every vector once (%d missing, %d twice)",
	       what, missing, dup);
	tap_ok(!wrong,
	       "%s: each row has its own key, slot and counts (%d wrong)", what,
	       wrong);
	tap_ok(lat_ok, "%s: signal latencies of the slots with histograms",
	       what);
	tap_ok(!order, "%s: rows in display order (%d out of order)", what,
	       order);
	tap_ok(c->ntab == nlive + IDLE_NVEC && !tab_order,
	       "%s: the table holds %d rows sorted by key (%d, %d out of order)",
	       what, nlive + IDLE_NVEC, c->ntab, tab_order);
	tap_ok(named == nlive,
	       "%s: every row has its device's name and type (%d of %d)", what,
	       named, nlive);
	tap_ok(idle == IDLE_NVEC && !bad_idle,
	       "%s: %d rows of the device without slots, all zero", what, idle);
	tap_ok(gone == (gone_dev >= 0 ? NVEC_DEV : 0), "%s: %d rows gone", what,
	       gone);
}

/*
 * Four timed raises waiting for a deferred delivery: entries 0 and 2 since
 * 6 s (stale), 1 and 3 since now.
 */
static void fill_deferred(void)
{
	struct timespec ts;
	__u64 now;
	int i;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	now = (__u64)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
	for (i = 0; i < NDEFERRED; i++) {
		fk->def[i].key.dev = fk->keys[i].dev;
		fk->def[i].key.vector = fk->keys[i].vector;
		fk->def[i].key.seq = 1000 + i;
		fk->def[i].v.slot = fk->slot_of[i];
		fk->def[i].v.ts = i % 2 ? now : now - 6000000000ULL;
		fk->def[i].present = true;
	}
}

/* output_text() of @r into a string (free it). */
static char *text_of(const struct report *r)
{
	FILE *f = tmpfile();
	int saved = dup(STDOUT_FILENO);
	char *buf = NULL;
	long len;

	fflush(stdout);
	if (!f || saved < 0 || dup2(fileno(f), STDOUT_FILENO) < 0) {
		printf("Bail out! cannot redirect stdout\n");
		exit(1);
	}
	output_text(r, false);
	fflush(stdout);
	dup2(saved, STDOUT_FILENO);
	close(saved);
	len = ftell(f);
	buf = calloc(1, len + 1);
	rewind(f);
	if (!buf || fread(buf, 1, len, f) != (size_t)len) {
		printf("Bail out! cannot read the text view back\n");
		exit(1);
	}
	fclose(f);
	return buf;
}

/* The longest line of @s. */
static int widest(const char *s)
{
	int w = 0;

	while (*s) {
		int l = (int)strcspn(s, "\n");

		if (l > w)
			w = l;
		s += l + !!s[l];
	}
	return w;
}

static void check_text(struct report *r)
{
	char *t;
	int w;

	r->tracepoints = "tp_btf";
	r->eventfd_probe = "fentry";
	r->eventfd_func = "eventfd_signal_mask";
	r->sample_period = 64;
	r->max_rows = 100;
	r->wide = false;
	t = text_of(r);
	w = widest(t);
	tap_ok(w <= 80, "text: the default view fits 80 columns (%d)", w);
	tap_ok(strstr(t, " SIG/s ") && strstr(t, " PEND ") &&
		       !strstr(t, "ALLOC"),
	       "text: ... SIG/s, PEND, no ALLOC column");
	tap_ok(strstr(t, "(16292 more vectors; -r ROWS shows more)") != NULL,
	       "text: -r: 100 rows, then how many more");
	free(t);
	r->wide = true;
	t = text_of(r);
	w = widest(t);
	tap_ok(w == 114 && strstr(t, "ALLOC n") && strstr(t, "COOKIE n"),
	       "text: wide: the ALLOC and COOKIE columns too, %d columns", w);
	free(t);
}

int main(void)
{
	struct collect_opts o = { .dev = -1,
				  .sort = SORT_SIGNALS,
				  .max_hists = MAX_HISTS };
	struct collect c;
	struct report r;
	int saved, devnull, i, cleared_ok = 1, old_ok = 0, new_ok = 0;
	__u64 old_map;
	double t0, t_collect, t_text;

	setup();
	if (collect_init(&c, &fake_src, &o)) {
		printf("Bail out! collect_init\n");
		return 1;
	}
	fill(0);
	collect_start(&c);

	/* Window 1: 16384 vectors, all new. */
	fill(1);
	memset(&r, 0, sizeof(r));
	t0 = now_s();
	collect_window(&c, &r, false);
	t_collect = now_s() - t0;

	/* The text view of all of them, to /dev/null. */
	r.tracepoints = "tp_btf";
	r.eventfd_probe = "fentry";
	r.eventfd_func = "eventfd_signal_mask";
	r.max_rows = -1;
	fflush(stdout);
	saved = dup(STDOUT_FILENO);
	devnull = open("/dev/null", O_WRONLY);
	t0 = now_s();
	if (saved >= 0 && devnull >= 0 && dup2(devnull, STDOUT_FILENO) >= 0) {
		output_text(&r, false);
		fflush(stdout);
		dup2(saved, STDOUT_FILENO);
	}
	t_text = now_s() - t0;
	if (devnull >= 0)
		close(devnull);
	if (saved >= 0)
		close(saved);

	printf("# refresh with %d new vectors: %.3f s to collect, %.3f s to print\n",
	       NKEYS, t_collect, t_text);
	tap_ok(t_collect + t_text < REFRESH_LIMIT_S,
	       "window 1: one refresh of %d new vectors in < %.0f s (%.3f s)",
	       NKEYS, REFRESH_LIMIT_S, t_collect + t_text);
	check_rows("window 1", &c, &r, 1, NKEYS, -1);
	tap_ok(r.missed == 7 && r.diag[IMS_DIAG_EVENTFD_CALLS] == 101,
	       "window 1: diagnostics summed over the CPUs");
	tap_ok(r.ndevs == NDEV + 1 && r.debugfs,
	       "window 1: %d devices from debugfs (%d)", NDEV + 1, r.ndevs);
	check_text(&r);
	collect_done(&c);

	tap_ok(!ims_map_first(fk->devs[IDLE_DEV].map),
	       "window 1: no slots left for the device that has none");

	/* Window 2: more signals; device NDEV - 1 released. */
	fill(2);
	fk->devs[NDEV - 1].released = 1;
	memset(&r, 0, sizeof(r));
	t0 = now_s();
	collect_window(&c, &r, false);
	printf("# refresh with %d known vectors: %.3f s to collect\n", NKEYS,
	       now_s() - t0);
	check_rows("window 2", &c, &r, 2, NKEYS, NDEV - 1);
	/*
	 * Timed raises of backed vectors in flight: two of the released
	 * device, whose interrupts never came, and one of device 0.
	 */
	fk->backed[fk->slot_of[(NDEV - 1) * NVEC_DEV]] = 1000;
	fk->backed[fk->slot_of[NKEYS - 1]] = 2000;
	fk->backed[fk->slot_of[5]] = 3000;
	fk->backed_inflight = 3;
	collect_done(&c);
	tap_ok(!fk->backed[fk->slot_of[(NDEV - 1) * NVEC_DEV]] &&
		       !fk->backed[fk->slot_of[NKEYS - 1]] &&
		       fk->backed[fk->slot_of[5]] == 3000 &&
		       fk->backed_inflight == 1,
	       "released device: its backed raises in flight emptied (%u left)",
	       fk->backed_inflight);

	/* Device NDEV - 1's slots were taken back, zeroed. */
	for (i = (NDEV - 1) * NVEC_DEV; i < NKEYS; i++) {
		__u32 s = fk->slot_of[i];

		cleared_ok &= !fk->seen[s] && !fk->counts[s][0].allocs &&
			      !fk->counts[s][1].frees;
		fk->present[i] = false;
	}
	tap_ok(cleared_ok,
	       "released device: its %d slots are zeroed and not seen",
	       NVEC_DEV);

	/*
	 * Window 3: the other devices; four timed raises wait for their
	 * deferred delivery, two of them too long.
	 */
	fill(3);
	fill_deferred();
	memset(&r, 0, sizeof(r));
	collect_window(&c, &r, false);
	check_rows("window 3", &c, &r, 3, NKEYS - NVEC_DEV, -1);
	tap_ok(fk->devs[IDLE_DEV].map ==
		       ims_map(1, IDLE_NVEC, range_of[NDEV - 1] * NVEC_DEV + 1),
	       "window 3: the device without slots got the released one's");
	tap_is(r.diag[IMS_DIAG_STALE], 4,
	       "window 3: stale: the two deferred raises older than 5 s, the two backed raises of the released device");
	tap_ok(!fk->def[0].present && fk->def[1].present &&
		       !fk->def[2].present && fk->def[3].present,
	       "window 3: ... and out of the deferred map, the others kept");
	collect_done(&c);

	/* Window 4: nothing new is stale, and the count is the window's. */
	memset(&r, 0, sizeof(r));
	collect_window(&c, &r, false);
	tap_is(r.diag[IMS_DIAG_STALE], 0, "window 4: no stale entry");
	collect_done(&c);

	/*
	 * Window 5: device RETIRED_DEV created anew; the BPF side retired the
	 * old instance (no slots were left for the new one). The old rows
	 * are read one last time and gone; the new ones have no slot yet.
	 */
	fill(5);
	old_map = fk->devs[RETIRED_DEV].map;
	fk->retired[fk->nretired++] =
		(struct ims_retired){ .map = old_map, .dev = RETIRED_DEV };
	fk->devs[RETIRED_DEV].map =
		ims_map(ims_map_gen(old_map) + 1, NVEC_DEV, 0);
	memset(&r, 0, sizeof(r));
	collect_window(&c, &r, false);
	for (i = 0; i < r.nrows; i++) {
		const struct vrow *v = r.rows[i];
		int k = RETIRED_DEV * NVEC_DEV + (int)v->key.vector;

		if (v->key.dev != RETIRED_DEV)
			continue;
		if (v->key.gen == ims_map_gen(old_map))
			old_ok += v->gone && v->has_slot &&
				  v->slot == fk->slot_of[k] &&
				  v->win->c.allocs == 2 && v->win->c.frees == 4;
		else
			new_ok += !v->gone && !v->has_slot && v->live;
	}
	tap_ok(old_ok == NVEC_DEV && new_ok == NVEC_DEV,
	       "window 5: the retired instance's %d rows read and gone (%d), the new one's without slots (%d)",
	       NVEC_DEV, old_ok, new_ok);
	collect_done(&c);
	for (i = RETIRED_DEV * NVEC_DEV; i < (RETIRED_DEV + 1) * NVEC_DEV; i++)
		cleared_ok &= !fk->seen[fk->slot_of[i]];
	tap_ok(cleared_ok, "window 5: the retired instance's slots taken back");

	/* Window 6: the new instance gets them. */
	memset(&r, 0, sizeof(r));
	collect_window(&c, &r, false);
	tap_ok(fk->devs[RETIRED_DEV].map ==
		       ims_map(ims_map_gen(old_map) + 1, NVEC_DEV,
			       range_of[RETIRED_DEV] * NVEC_DEV + 1),
	       "window 6: the new instance has the old one's slots");
	collect_done(&c);
	collect_free(&c);
	free(fk);
	return tap_done();
}
