// SPDX-License-Identifier: GPL-2.0-only
/*
 * imstop: collecting a window from the maps and debugfs (see collect.h).
 */
#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "collect.h"
#include "util.h"

/* The distributions of a slot without histograms, the window of an idle row. */
static const struct lat64 zero_lat[IMS_LAT_NR];
static const struct vstats zero_stats = { .l = zero_lat };

static void vrow_free(struct vrow *r)
{
	if (r->track)
		free(r->track->hist);
	free(r->track);
	free(r);
}

int key_cmp(const struct ims_key *a, const struct ims_key *b)
{
	if (a->dev != b->dev)
		return a->dev < b->dev ? -1 : 1;
	if (a->gen != b->gen)
		return a->gen < b->gen ? -1 : 1;
	if (a->vector != b->vector)
		return a->vector < b->vector ? -1 : 1;
	return 0;
}

static struct vrow *tab_find(struct collect *c, const struct ims_key *key)
{
	int lo = 0, hi = c->ntab - 1;

	while (lo <= hi) {
		int mid = (lo + hi) / 2, d = key_cmp(&c->tab[mid]->key, key);

		if (!d)
			return c->tab[mid];
		if (d < 0)
			lo = mid + 1;
		else
			hi = mid - 1;
	}
	return NULL;
}

int collect_init(struct collect *c, const struct collect_src *src,
		 const struct collect_opts *o)
{
	memset(c, 0, sizeof(*c));
	c->src = src;
	c->opts = *o;
	c->pc_counts = calloc(src->ncpus, sizeof(*c->pc_counts));
	c->pc_sig = calloc(src->ncpus, sizeof(*c->pc_sig));
	c->cpus = calloc(src->ncpus, sizeof(*c->cpus));
	if (!c->pc_counts || !c->pc_sig || !c->cpus) {
		collect_free(c);
		return -ENOMEM;
	}
	return 0;
}

void collect_start(struct collect *c)
{
	clock_gettime(CLOCK_MONOTONIC, &c->start);
	c->last = c->start;
}

/*
 * Read slot @slot's counters into c->cur_c and, if it has histograms, its
 * latencies into c->cur_l.
 */
static int read_slot(struct collect *c, __u32 slot)
{
	const struct collect_src *src = c->src;
	struct ims_counts *sum = &c->cur_c;
	int cpu, i;

	if (src->lookup(src->ctx, CM_COUNTS, &slot, c->pc_counts))
		return -1;
	memset(sum, 0, sizeof(*sum));
	for (cpu = 0; cpu < src->ncpus; cpu++) {
		const __u64 *from = (const __u64 *)&c->pc_counts[cpu];
		__u64 *d = (__u64 *)sum;

		for (i = 0; i < (int)(sizeof(*sum) / sizeof(__u64)); i++)
			d[i] += from[i];
	}
	sum->flags = 0;
	for (cpu = 0; cpu < src->ncpus; cpu++)
		sum->flags |= c->pc_counts[cpu].flags;

	if (slot >= c->opts.max_hists)
		return 0; /* no histograms */
	memset(c->cur_l, 0, sizeof(c->cur_l));
	if (!src->lookup(src->ctx, CM_SIG_LATS, &slot, c->pc_sig)) {
		struct ims_lat *o = &c->cur_l[IMS_LAT_SIGNAL];

		for (cpu = 0; cpu < src->ncpus; cpu++) {
			const struct ims_lat *l = &c->pc_sig[cpu];

			o->count += l->count;
			o->sum_ns += l->sum_ns;
			if (l->max_ns > o->max_ns)
				o->max_ns = l->max_ns;
			for (i = 0; i < IMS_HIST_SLOTS; i++)
				o->slots[i] += l->slots[i]; /* modulo 2^32 */
		}
	}
	if (!src->lookup(src->ctx, CM_SLOW_LATS, &slot, &c->slow)) {
		c->cur_l[IMS_LAT_ALLOC] = c->slow.alloc;
		c->cur_l[IMS_LAT_COOKIE] = c->slow.cookie;
	}
	return 0;
}

/*
 * Fold what read_slot() read into row @r: the window is what changed
 * since the last read (bucket differences taken modulo 2^32), the total
 * grows by it.
 */
static void row_update(struct collect *c, struct vrow *r)
{
	struct vstats *t = &r->track->total, *w = &r->track->win;
	struct vhist *h = r->track->hist;
	const __u64 *cur = (const __u64 *)&c->cur_c;
	__u64 *tc = (__u64 *)&t->c, *wc = (__u64 *)&w->c;
	int i, k;

	for (i = 0; i < (int)(sizeof(t->c) / sizeof(__u64)); i++) {
		wc[i] = cur[i] - tc[i];
		tc[i] = cur[i];
	}
	w->c.flags = t->c.flags;
	for (k = 0; h && k < IMS_LAT_NR; k++) {
		const struct ims_lat *now = &c->cur_l[k];
		struct lat64 *tl = &h->total[k], *wl = &h->win[k];

		wl->count = now->count - tl->count;
		wl->sum_ns = now->sum_ns - tl->sum_ns;
		tl->count = now->count;
		tl->sum_ns = now->sum_ns;
		tl->max_ns = wl->max_ns = now->max_ns;
		for (i = 0; i < IMS_HIST_SLOTS; i++) {
			__u32 d = now->slots[i] - h->raw[k][i];

			wl->slots[i] = d;
			tl->slots[i] += d;
			h->raw[k][i] = now->slots[i];
		}
	}
	if (c->opts.cumulative) {
		w->c = t->c;
		if (h)
			memcpy(h->win, h->total, sizeof(h->win));
	}
}

static bool stats_active(const struct vstats *s)
{
	int k;

	for (k = 0; k < NR_COUNTERS; k++) {
		if (counter(s, k))
			return true;
	}
	return false;
}

static int key_qsort_cmp(const void *a, const void *b)
{
	return key_cmp(a, b);
}

/* A row for @key, whose counts are in @slot. */
static struct vrow *vrow_new(struct collect *c, const struct ims_key *key,
			     __u32 slot)
{
	struct vrow *r = must(calloc(1, sizeof(*r)));
	struct vtrack *t = must(calloc(1, sizeof(*t)));

	if (slot < c->opts.max_hists)
		t->hist = must(calloc(1, sizeof(*t->hist)));
	t->total.l = t->hist ? t->hist->total : zero_lat;
	t->win.l = t->hist ? t->hist->win : zero_lat;
	r->track = t;
	r->key = *key;
	r->slot = slot;
	r->win = &t->win;
	return r;
}

/*
 * Read every slot of the slots map into the table. The keys are sorted
 * once and merged with the table (sorted by key): O(n log n) for n keys
 * however many are new. A key read twice (an iteration of a hash map
 * starts over when the key it continues from goes away) is read once.
 */
static void read_stats_map(struct collect *c)
{
	const struct collect_src *src = c->src;
	struct ims_key key, next, *prev = NULL;
	int nkeys = 0, nt = 0, i, j;
	struct vrow **tab;
	__u32 slot;

	while (!src->next_key(src->ctx, CM_SLOTS, prev, &next)) {
		c->keys = grow(c->keys, &c->keycap, nkeys + 1, sizeof(key));
		c->keys[nkeys++] = next;
		key = next;
		prev = &key;
	}
	qsort(c->keys, nkeys, sizeof(*c->keys), key_qsort_cmp);

	c->spare = grow(c->spare, &c->sparecap, nkeys + 1, sizeof(*c->spare));
	tab = c->spare;
	for (i = 0, j = 0; i < nkeys; i++) {
		const struct ims_key *k = &c->keys[i];
		struct vrow *r = NULL;

		if (i && !key_cmp(&c->keys[i - 1], k))
			continue;
		/* Rows whose map entry went away (not ours to delete). */
		while (j < c->ntab && key_cmp(&c->tab[j]->key, k) < 0)
			vrow_free(c->tab[j++]);
		if (j < c->ntab && !key_cmp(&c->tab[j]->key, k))
			r = c->tab[j++];
		if (src->lookup(src->ctx, CM_SLOTS, k, &slot) ||
		    read_slot(c, slot)) {
			/* Deleted meanwhile. */
			if (r)
				vrow_free(r);
			continue;
		}
		if (r && r->slot != slot) {
			/* Another instance of the key: start afresh. */
			vrow_free(r);
			r = NULL;
		}
		if (!r)
			r = vrow_new(c, k, slot);
		row_update(c, r);
		r->slot = slot;
		tab[nt++] = r;
	}
	while (j < c->ntab)
		vrow_free(c->tab[j++]);

	c->spare = c->tab;
	i = c->sparecap;
	c->sparecap = c->tabcap;
	c->tab = tab;
	c->tabcap = i;
	c->ntab = nt;
}

/* The per-CPU diagnostics, summed. */
static void read_diag(struct collect *c, __u64 *diag)
{
	const struct collect_src *src = c->src;
	__u32 zero = 0;
	int cpu, k;

	memset(diag, 0, IMS_DIAG_NR * sizeof(*diag));
	if (src->lookup(src->ctx, CM_CPUS, &zero, c->cpus))
		return;
	for (cpu = 0; cpu < src->ncpus; cpu++) {
		for (k = 0; k < IMS_DIAG_NR; k++)
			diag[k] += c->cpus[cpu].diag[k];
	}
}

static struct ims_dev dev_info(struct collect *c, __u32 dev)
{
	struct ims_dev d = {};

	if (dev < IMS_MAX_DEVS)
		c->src->lookup(c->src->ctx, CM_DEVS, &dev, &d);
	return d;
}

struct collect_dev *collect_dev_at(struct collect *c, int i)
{
	struct collect_dev *d;

	c->ddevs = grow(c->ddevs, &c->ddevcap, i + 1, sizeof(*c->ddevs));
	d = &c->ddevs[i];
	if (i >= c->nddevs) {
		memset(d, 0, sizeof(*d));
		c->nddevs = i + 1;
	}
	if (!d->vecs)
		d->vecs = must(calloc(MAX_VECTORS_PER_DEV, sizeof(*d->vecs)));
	return d;
}

int collect_debugfs_devs(void *ctx, struct collect *c)
{
	struct dirent *de;
	DIR *dir;
	int n = 0;

	(void)ctx;
	dir = opendir(VIC_DEBUGFS_ROOT);
	if (!dir)
		return -1;
	while ((de = readdir(dir))) {
		struct collect_dev *d;
		unsigned long id;
		char *end;
		int nv;

		id = strtoul(de->d_name, &end, 10);
		if (end == de->d_name || *end || id > UINT32_MAX)
			continue;
		if (c->opts.dev >= 0 && (long long)id != c->opts.dev)
			continue;
		d = collect_dev_at(c, n);
		d->id = (__u32)id;
		if (vic_dbg_read_name(d->id, d->name, sizeof(d->name)))
			snprintf(d->name, sizeof(d->name), "-");
		nv = vic_dbg_read_vectors(d->id, d->vecs, MAX_VECTORS_PER_DEV);
		if (nv < 0)
			continue; /* released while we read */
		d->nvec = nv;
		n++;
	}
	closedir(dir);
	return n;
}

static void type_from_flags(struct vrow *r)
{
	if (r->type[0])
		return;
	if (!r->track)
		snprintf(r->type, sizeof(r->type), "-");
	else if (r->track->total.c.flags & IMS_VEC_EMULATED)
		snprintf(r->type, sizeof(r->type), "emul");
	else if (r->track->total.c.flags & IMS_VEC_BACKED)
		snprintf(r->type, sizeof(r->type), "back");
	else
		snprintf(r->type, sizeof(r->type), "-");
}

static double sort_value(enum sort_key sort, const struct vrow *r, int level)
{
	switch (sort) {
	case SORT_SIGNALS:
		return level ? r->raised_ps : (double)r->win->c.signals;
	case SORT_RATE:
		return level ? (double)r->win->c.signals : r->raised_ps;
	case SORT_P99:
		return level ? (double)r->win->c.signals :
			       (double)r->lat[IMS_LAT_SIGNAL].p99_ns;
	case SORT_ALLOC:
		return level ? (double)r->lat[IMS_LAT_ALLOC].p50_ns :
			       (double)r->win->c.allocs;
	case SORT_COOKIE:
		return level ? (double)r->lat[IMS_LAT_COOKIE].p50_ns :
			       (double)r->win->c.cookie_sets;
	}
	return 0;
}

/* qsort() has no context argument. */
static enum sort_key row_sort;

static int row_cmp(const void *pa, const void *pb)
{
	const struct vrow *a = *(struct vrow *const *)pa;
	const struct vrow *b = *(struct vrow *const *)pb;
	int level;

	for (level = 0; level < 2; level++) {
		double x = sort_value(row_sort, a, level);
		double y = sort_value(row_sort, b, level);

		if (x != y)
			return x > y ? -1 : 1;
	}
	return key_cmp(&a->key, &b->key);
}

static double ts_diff(const struct timespec *a, const struct timespec *b)
{
	return (double)(a->tv_sec - b->tv_sec) +
	       (double)(a->tv_nsec - b->tv_nsec) / 1e9;
}

/*
 * Give a gone vector's slot back: unmap it, zero its counters, drop its
 * histograms, and queue it for the next vector the BPF side sees.
 */
static void release_slot(struct collect *c, const struct vrow *r)
{
	const struct collect_src *src = c->src;

	if (src->delete_key(src->ctx, CM_SLOTS, &r->key))
		return;
	memset(c->pc_counts, 0, src->ncpus * sizeof(*c->pc_counts));
	src->update(src->ctx, CM_COUNTS, &r->slot, c->pc_counts);
	if (r->slot < c->opts.max_hists) {
		memset(c->pc_sig, 0, src->ncpus * sizeof(*c->pc_sig));
		memset(&c->slow, 0, sizeof(c->slow));
		src->update(src->ctx, CM_SIG_LATS, &r->slot, c->pc_sig);
		src->update(src->ctx, CM_SLOW_LATS, &r->slot, &c->slow);
	}
	src->update(src->ctx, CM_FREE_SLOTS, NULL, &r->slot);
}

void collect_window(struct collect *c, struct report *r, bool final)
{
	const struct collect_src *src = c->src;
	struct timespec mono;
	__u64 diag[IMS_DIAG_NR], missed;
	int i, j, k, nrows = 0, ndbg;

	clock_gettime(CLOCK_MONOTONIC, &mono);
	clock_gettime(CLOCK_REALTIME, &r->now);
	read_stats_map(c);
	read_diag(c, diag);
	missed = src->missed ? src->missed(src->ctx) : 0;
	ndbg = src->read_devs ? src->read_devs(src->ctx, c) : -1;

	r->seq = ++c->seq;
	r->final = final;
	r->cumulative = c->opts.cumulative;
	r->elapsed_s = ts_diff(&mono, &c->start);
	r->window_s = c->opts.cumulative ? r->elapsed_s :
					   ts_diff(&mono, &c->last);
	c->last = mono;
	r->dev_filter = c->opts.dev;
	r->debugfs = ndbg >= 0;
	for (k = 0; k < IMS_DIAG_NR; k++) {
		r->diag[k] = c->opts.cumulative ? diag[k] :
						  diag[k] - c->diag_prev[k];
		c->diag_prev[k] = diag[k];
	}
	r->missed = c->opts.cumulative ? missed : missed - c->missed_prev;
	c->missed_prev = missed;
	memset(r->totals, 0, sizeof(r->totals));
	r->nactive = 0;
	r->lat_timed = 0;

	/* Which rows belong to devices that are gone. */
	for (i = 0; i < c->ntab; i++) {
		struct vrow *v = c->tab[i];
		struct ims_dev d = dev_info(c, v->key.dev);

		v->gone = v->key.dev < IMS_MAX_DEVS &&
			  (v->key.gen != d.gen || d.released);
	}

	/* Names, types and idle vectors of the live devices. */
	c->nidle = 0;
	for (i = 0; i < (ndbg > 0 ? ndbg : 0); i++) {
		struct collect_dev *dd = &c->ddevs[i];
		__u32 gen = dev_info(c, dd->id).gen;

		for (j = 0; j < dd->nvec; j++) {
			struct ims_key key = { .dev = dd->id,
					       .vector = dd->vecs[j].vector,
					       .gen = gen };
			struct vrow *v = tab_find(c, &key);

			if (!v) {
				c->idle = grow(c->idle, &c->idlecap,
					       c->nidle + 1, sizeof(*c->idle));
				v = must(calloc(1, sizeof(*v)));
				v->key = key;
				v->idle = true;
				v->win = &zero_stats;
				c->idle[c->nidle++] = v;
			}
			snprintf(v->name, sizeof(v->name), "%s", dd->name);
			snprintf(v->type, sizeof(v->type), "%s",
				 dd->vecs[j].type);
		}
	}
	r->ndevs = ndbg;

	c->rows = grow(c->rows, &c->rowcap, c->ntab + c->nidle + 1,
		       sizeof(*c->rows));
	for (i = 0; i < c->ntab; i++)
		c->rows[nrows++] = c->tab[i];
	for (i = 0; i < c->nidle; i++)
		c->rows[nrows++] = c->idle[i];
	for (i = 0; i < nrows; i++) {
		struct vrow *v = c->rows[i];

		if (!v->name[0])
			snprintf(v->name, sizeof(v->name), "-");
		type_from_flags(v);
		if (v->win->l == zero_lat)
			memset(v->lat, 0, sizeof(v->lat)); /* no histograms */
		else
			for (k = 0; k < IMS_LAT_NR; k++)
				hist_summarize(&v->win->l[k], &v->lat[k]);
		v->raised_ps =
			r->window_s > 0 ? v->win->c.raised / r->window_s : 0;
		v->signals_ps =
			r->window_s > 0 ? v->win->c.signals / r->window_s : 0;
		for (k = 0; k < NR_COUNTERS; k++)
			r->totals[k] += counter(v->win, k);
		r->nactive += stats_active(v->win);
		r->lat_timed += v->lat[IMS_LAT_SIGNAL].count;
	}
	if (ndbg < 0) {
		/* No debugfs: count the devices seen. */
		for (i = 0; i < c->ntab; i++)
			r->ndevs += !c->tab[i]->gone &&
				    (i == 0 || c->tab[i]->key.dev !=
						       c->tab[i - 1]->key.dev);
	}
	row_sort = c->opts.sort;
	qsort(c->rows, nrows, sizeof(*c->rows), row_cmp);
	r->rows = c->rows;
	r->nrows = nrows;
}

void collect_done(struct collect *c)
{
	int i, n = 0;

	/* Gone rows have been reported once: forget them. */
	for (i = 0; i < c->ntab; i++) {
		if (!c->tab[i]->gone) {
			c->tab[n++] = c->tab[i];
			continue;
		}
		release_slot(c, c->tab[i]);
		vrow_free(c->tab[i]);
	}
	c->ntab = n;
	for (i = 0; i < c->nidle; i++)
		free(c->idle[i]);
	c->nidle = 0;
}

void collect_free(struct collect *c)
{
	int i;

	for (i = 0; i < c->ntab; i++)
		vrow_free(c->tab[i]);
	for (i = 0; i < c->nidle; i++)
		free(c->idle[i]);
	for (i = 0; i < c->nddevs; i++)
		free(c->ddevs[i].vecs);
	free(c->tab);
	free(c->spare);
	free(c->ddevs);
	free(c->idle);
	free(c->rows);
	free(c->keys);
	free(c->pc_counts);
	free(c->pc_sig);
	free(c->cpus);
	memset(c, 0, sizeof(*c));
}
