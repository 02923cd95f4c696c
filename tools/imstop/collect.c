// SPDX-License-Identifier: GPL-2.0-only
/*
 * imstop: collecting a window from the core's counters and the BPF maps
 * (see collect.h).
 */
#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "collect.h"
#include "util.h"

/* The distributions of a row without histograms. */
static const struct lat64 zero_lat[IMS_LAT_NR];

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

static void build_table(struct collect *c);

void collect_start(struct collect *c)
{
	clock_gettime(CLOCK_MONOTONIC, &c->start);
	c->last = c->start;
	c->starting = true;
	build_table(c);
	c->starting = false;
}

/* Fields of struct ims_counts that the BPF side counts, by slot. */
#define SLOT_COUNTS_FIRST offsetof(struct ims_counts, allocs)

/*
 * Read slot @slot's slow-path counters into c->cur_c and, if it has
 * histograms, its latencies into c->cur_l.
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

		for (i = SLOT_COUNTS_FIRST / sizeof(__u64);
		     i < (int)(sizeof(*sum) / sizeof(__u64)); i++)
			d[i] += from[i];
	}
	for (i = 0; i < c->nlost; i++) {
		if (c->lost[i].slot == slot)
			sum->lat_lost += c->lost[i].n;
	}

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
 * Fold what read_slot() read into row @r: the slow-path counts into its
 * current counts, the window of the histograms (bucket differences taken
 * modulo 2^32) into its histograms.
 */
static void slot_update(struct collect *c, struct vrow *r)
{
	struct vhist *h = r->track->hist;
	int i, k;

	memcpy((char *)&r->track->cur + SLOT_COUNTS_FIRST,
	       (const char *)&c->cur_c + SLOT_COUNTS_FIRST,
	       sizeof(c->cur_c) - SLOT_COUNTS_FIRST);
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
}

/* The core's counters of a vector into row @r's current counts. */
static void core_update(struct collect *c, struct vrow *r,
			const struct vic_stats_vector *rec)
{
	struct ims_counts *cur = &r->track->cur, *base = &r->track->base;

	if (c->starting) {
		base->raised = rec->raised;
		base->delivered = rec->delivered;
		base->pended = rec->pended;
		base->dropped = rec->dropped;
		base->released = rec->released;
	}
	cur->raised = rec->raised - base->raised;
	cur->delivered = rec->delivered - base->delivered;
	cur->pended = rec->pended - base->pended;
	cur->dropped = rec->dropped - base->dropped;
	cur->released = rec->released - base->released;
	cur->signals = cur->delivered + cur->released;
}

/* The window is what changed since the last one; the total grows by it. */
static void row_update(struct collect *c, struct vrow *r)
{
	struct vstats *t = &r->track->total, *w = &r->track->win;
	const __u64 *cur = (const __u64 *)&r->track->cur;
	__u64 *tc = (__u64 *)&t->c, *wc = (__u64 *)&w->c;
	int i;

	for (i = 0; i < (int)(sizeof(t->c) / sizeof(__u64)); i++) {
		wc[i] = cur[i] - tc[i];
		tc[i] = cur[i];
	}
	if (c->opts.cumulative) {
		w->c = t->c;
		if (r->track->hist)
			memcpy(r->track->hist->win, r->track->hist->total,
			       sizeof(r->track->hist->win));
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

static int dev_qsort_cmp(const void *a, const void *b)
{
	const struct collect_dev *x = a, *y = b;

	return x->id < y->id ? -1 : x->id > y->id;
}

/* A row for @key, without a slot. */
static struct vrow *vrow_new(const struct ims_key *key)
{
	struct vrow *r = must(calloc(1, sizeof(*r)));
	struct vtrack *t = must(calloc(1, sizeof(*t)));

	t->total.l = zero_lat;
	t->win.l = zero_lat;
	r->track = t;
	r->key = *key;
	r->win = &t->win;
	return r;
}

/* Row @r's latencies and slow-path counts are in slot @slot. */
static void vrow_set_slot(struct collect *c, struct vrow *r, __u32 slot)
{
	struct vtrack *t = r->track;

	r->has_slot = true;
	r->slot = slot;
	if (slot < c->opts.max_hists && !t->hist) {
		t->hist = must(calloc(1, sizeof(*t->hist)));
		t->total.l = t->hist->total;
		t->win.l = t->hist->win;
	}
}

/* Device @dev as this window sees it (the snapshot of build_table()). */
static struct ims_dev dev_info(struct collect *c, __u32 dev)
{
	struct ims_dev d = {};

	if (dev < IMS_MAX_DEVS)
		d = c->snap[dev];
	return d;
}

/*
 * Is instance @gen of device @dev gone this window: released, or replaced
 * by a new instance of its id?
 */
static bool instance_gone(struct collect *c, __u32 dev, __u32 gen)
{
	struct ims_dev d = dev_info(c, dev);

	return dev < IMS_MAX_DEVS && (gen != ims_map_gen(d.map) || d.released);
}

/* --- Slots: the ranges held, given and taken back (imstop.h) ------------- */

static bool dev_traced(const struct collect *c, __u32 dev)
{
	return c->opts.dev < 0 || (long long)dev == c->opts.dev;
}

/* Was instance @gen of device @dev taken back already? */
static bool range_done(const struct collect *c, __u32 dev, __u32 gen)
{
	return gen < c->done[dev];
}

/* Where (@dev, @gen) is in the held ranges, or goes: *found says which. */
static int held_find(const struct collect *c, __u32 dev, __u32 gen, bool *found)
{
	int lo = 0, hi = c->nheld;

	while (lo < hi) {
		int mid = lo + (hi - lo) / 2;
		const struct slot_range *h = &c->held[mid];

		if (h->dev < dev || (h->dev == dev && h->gen < gen))
			lo = mid + 1;
		else
			hi = mid;
	}
	*found = lo < c->nheld && c->held[lo].dev == dev &&
		 c->held[lo].gen == gen;
	return lo;
}

/* Device @dev's word @m holds slots: hold them, if not yet. */
static void held_add(struct collect *c, __u32 dev, __u64 m)
{
	__u32 gen = ims_map_gen(m), first = ims_map_first(m);
	bool found;
	int i;

	if (!first || dev >= IMS_MAX_DEVS || !dev_traced(c, dev) ||
	    range_done(c, dev, gen))
		return;
	i = held_find(c, dev, gen, &found);
	if (found)
		return;
	c->held = grow(c->held, &c->heldcap, c->nheld + 1, sizeof(*c->held));
	memmove(&c->held[i + 1], &c->held[i],
		(c->nheld - i) * sizeof(*c->held));
	c->held[i] = (struct slot_range){ .dev = dev,
					  .gen = gen,
					  .first = first - 1,
					  .nvec = ims_map_nvec(m) };
	c->nheld++;
}

/*
 * @nvec free slots: the first of them, from the ranges taken back (first
 * fit), else from those never handed out; -1 when there are none.
 */
static long long range_take(struct collect *c, __u32 nvec)
{
	const struct collect_src *src = c->src;
	__u32 first, n;
	int i;

	for (i = 0; i < c->nfree; i++) {
		struct slot_range *f = &c->free[i];

		if (f->nvec < nvec)
			continue;
		first = f->first;
		f->first += nvec;
		f->nvec -= nvec;
		if (!f->nvec) {
			memmove(f, f + 1, (c->nfree - i - 1) * sizeof(*f));
			c->nfree--;
		}
		return first;
	}
	n = __atomic_load_n(src->next_slot, __ATOMIC_RELAXED);
	do {
		if ((__u64)n + nvec > src->max_slots)
			return -1;
	} while (!__atomic_compare_exchange_n(src->next_slot, &n, n + nvec,
					      false, __ATOMIC_RELAXED,
					      __ATOMIC_RELAXED));
	return n;
}

/* [first, first + nvec) is free again: merged with its neighbours. */
static void range_put(struct collect *c, __u32 first, __u32 nvec)
{
	struct slot_range *f;
	int i = 0;

	if (!nvec)
		return;
	while (i < c->nfree && c->free[i].first < first)
		i++;
	if (i && c->free[i - 1].first + c->free[i - 1].nvec == first) {
		f = &c->free[i - 1];
		f->nvec += nvec;
	} else {
		c->free = grow(c->free, &c->freecap, c->nfree + 1,
			       sizeof(*c->free));
		memmove(&c->free[i + 1], &c->free[i],
			(c->nfree - i) * sizeof(*c->free));
		f = &c->free[i];
		*f = (struct slot_range){ .first = first, .nvec = nvec };
		c->nfree++;
		i++;
	}
	if (i < c->nfree && f->first + f->nvec == c->free[i].first) {
		f->nvec += c->free[i].nvec;
		memmove(&c->free[i], &c->free[i + 1],
			(c->nfree - i - 1) * sizeof(*c->free));
		c->nfree--;
	}
}

static int dev_bsearch_cmp(const void *key, const void *elem)
{
	__u32 id = *(const __u32 *)key;
	const struct collect_dev *d = elem;

	return id < d->id ? -1 : id > d->id;
}

/* Vectors of device @dev in debugfs, 0 if it is not there. */
static __u32 debugfs_nvec(const struct collect *c, __u32 dev)
{
	const struct collect_dev *d;

	if (c->ndbg <= 0)
		return 0;
	d = bsearch(&dev, c->ddevs, c->ndbg, sizeof(*c->ddevs),
		    dev_bsearch_cmp);
	return d ? d->nvec : 0;
}

/*
 * Slots for the traced devices that have none: those that were there
 * before imstop (their vectors from debugfs), and those created while the
 * never used slots were all taken. A word swapped meanwhile (a new
 * instance) keeps its own, and the range goes back.
 */
static void ranges_give(struct collect *c)
{
	struct ims_dev *devs = c->src->devs;
	__u32 dev;

	for (dev = 0; dev < IMS_MAX_DEVS; dev++) {
		__u64 m = __atomic_load_n(&devs[dev].map, __ATOMIC_ACQUIRE);
		__u32 nvec = ims_map_nvec(m);
		long long first;

		if (ims_map_first(m) || !dev_traced(c, dev) ||
		    __atomic_load_n(&devs[dev].released, __ATOMIC_RELAXED))
			continue;
		if (!nvec)
			nvec = debugfs_nvec(c, dev);
		if (!nvec)
			continue;
		first = range_take(c, nvec);
		if (first < 0)
			continue;
		if (!__atomic_compare_exchange_n(
			    &devs[dev].map, &m,
			    ims_map(ims_map_gen(m), nvec, (__u32)first + 1),
			    false, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
			range_put(c, (__u32)first, nvec);
	}
}

/*
 * The device table as this window sees it, and the ranges held: those of
 * the instances the BPF side retired, then those of the table.
 */
static void ranges_update(struct collect *c)
{
	const struct collect_src *src = c->src;
	struct ims_retired r;
	__u32 dev;

	while (src->pop && !src->pop(src->ctx, CM_RETIRED, &r))
		held_add(c, r.dev, r.map);
	for (dev = 0; dev < IMS_MAX_DEVS; dev++) {
		c->snap[dev].released = __atomic_load_n(
			&src->devs[dev].released, __ATOMIC_ACQUIRE);
		c->snap[dev].map =
			__atomic_load_n(&src->devs[dev].map, __ATOMIC_ACQUIRE);
		held_add(c, dev, c->snap[dev].map);
	}
}

/* The vector instances with something in their slot, in key order. */
static int seen_keys(struct collect *c)
{
	const struct collect_src *src = c->src;
	int i, n = 0;
	__u32 v;

	for (i = 0; i < c->nheld; i++) {
		const struct slot_range *h = &c->held[i];

		for (v = 0; v < h->nvec; v++) {
			__u32 slot = h->first + v;

			if (slot >= src->max_slots ||
			    !__atomic_load_n(&src->seen[slot],
					     __ATOMIC_ACQUIRE))
				continue;
			c->keys = grow(c->keys, &c->keycap, n + 1,
				       sizeof(*c->keys));
			c->keys[n++] = (struct slot_key){
				.key = { .dev = h->dev,
					 .vector = v,
					 .gen = h->gen },
				.slot = slot,
			};
		}
	}
	return n;
}

/*
 * Empty @slot of the backed map: a timed raise of a backed vector whose
 * delivery never came (its instance is gone). The exchange, and the count
 * after it, as the BPF side's backed_take().
 */
static void backed_clear(struct collect *c, __u32 slot)
{
	const struct collect_src *src = c->src;

	if (!__atomic_load_n(&src->backed[slot], __ATOMIC_RELAXED) ||
	    !__atomic_exchange_n(&src->backed[slot], 0, __ATOMIC_SEQ_CST))
		return;
	__atomic_fetch_sub(src->backed_inflight, 1, __ATOMIC_SEQ_CST);
	c->swept++;
}

/* Zero what slot @slot holds; seen last. */
static void slot_clear(struct collect *c, __u32 slot)
{
	const struct collect_src *src = c->src;

	backed_clear(c, slot);
	if (!src->seen[slot])
		return;
	memset(c->pc_counts, 0, src->ncpus * sizeof(*c->pc_counts));
	src->update(src->ctx, CM_COUNTS, &slot, c->pc_counts);
	if (slot < c->opts.max_hists) {
		memset(c->pc_sig, 0, src->ncpus * sizeof(*c->pc_sig));
		memset(&c->slow, 0, sizeof(c->slow));
		src->update(src->ctx, CM_SIG_LATS, &slot, c->pc_sig);
		src->update(src->ctx, CM_SLOW_LATS, &slot, &c->slow);
	}
	__atomic_store_n(&src->seen[slot], 0, __ATOMIC_RELEASE);
}

/* The latencies lost that user space counted in @h's slots go. */
static void lost_forget(struct collect *c, const struct slot_range *h)
{
	int i, n = 0;

	for (i = 0; i < c->nlost; i++) {
		if (c->lost[i].slot < h->first ||
		    c->lost[i].slot - h->first >= h->nvec)
			c->lost[n++] = c->lost[i];
	}
	c->nlost = n;
}

/*
 * The instances this window reported gone: their slots, zeroed, are free
 * again.
 */
static void ranges_take_back(struct collect *c)
{
	int i, n = 0;
	__u32 v;

	for (i = 0; i < c->nheld; i++) {
		struct slot_range *h = &c->held[i];

		if (!h->gone) {
			c->held[n++] = *h;
			continue;
		}
		for (v = 0; v < h->nvec; v++) {
			if (h->first + v < c->src->max_slots)
				slot_clear(c, h->first + v);
		}
		range_put(c, h->first, h->nvec);
		lost_forget(c, h);
		if (c->done[h->dev] < h->gen + 1)
			c->done[h->dev] = h->gen + 1;
	}
	c->nheld = n;
}

/* A position in the vectors of the devices read, in key order. */
struct dev_cursor {
	int dev;
	__u32 vec;
	__u32 gen; /* of device dev */
};

/* The key at @dc, or false past the last vector. */
static bool dev_key(struct collect *c, struct dev_cursor *dc,
		    struct ims_key *key)
{
	while (dc->dev < c->ndbg && dc->vec >= c->ddevs[dc->dev].nvec) {
		dc->dev++;
		dc->vec = 0;
		if (dc->dev < c->ndbg)
			dc->gen = ims_map_gen(
				dev_info(c, c->ddevs[dc->dev].id).map);
	}
	if (dc->dev >= c->ndbg)
		return false;
	key->dev = c->ddevs[dc->dev].id;
	key->vector = c->ddevs[dc->dev].recs[dc->vec].vector;
	key->gen = dc->gen;
	return true;
}

static void row_set_dev(struct vrow *r, const struct collect_dev *d,
			const struct vic_stats_vector *rec)
{
	snprintf(r->name, sizeof(r->name), "%s", d->name);
	if (rec->flags & VIC_STATS_EMULATED)
		snprintf(r->type, sizeof(r->type), "emul");
	else
		snprintf(r->type, sizeof(r->type), "%s",
			 d->backend[0] ? d->backend : "none");
}

static const struct ims_key *key_min(const struct ims_key *a,
				     const struct ims_key *b)
{
	if (!a)
		return b;
	if (!b)
		return a;
	return key_cmp(a, b) <= 0 ? a : b;
}

/*
 * Build the table anew from three sorted streams: the rows it has, the
 * seen slots of the ranges held and the vectors of the devices read: O(n)
 * for n vectors however many are new. A row in neither source stays (gone
 * from both), with its counts as they were.
 */
static void build_table(struct collect *c)
{
	const struct collect_src *src = c->src;
	struct dev_cursor dc = { 0 };
	int nkeys, nt = 0, i = 0, j = 0;
	struct ims_key key, dk;
	struct vrow **tab;
	bool hd;

	c->ndbg = src->read_devs ? src->read_devs(src->ctx, c) : -1;
	if (c->ndbg > 0)
		qsort(c->ddevs, c->ndbg, sizeof(*c->ddevs), dev_qsort_cmp);
	ranges_give(c);
	ranges_update(c);
	nkeys = seen_keys(c);
	if (c->ndbg > 0)
		dc.gen = ims_map_gen(dev_info(c, c->ddevs[0].id).map);

	c->spare = grow(c->spare, &c->sparecap, c->ntab + nkeys + 1,
			sizeof(*c->spare));
	for (hd = dev_key(c, &dc, &dk);; hd = dev_key(c, &dc, &dk)) {
		const struct slot_key *sk = i < nkeys ? &c->keys[i] : NULL;
		const struct ims_key *kb = sk ? &sk->key : NULL;
		const struct ims_key *ko = j < c->ntab ? &c->tab[j]->key : NULL;
		const struct ims_key *k =
			key_min(key_min(kb, hd ? &dk : NULL), ko);
		bool inb, ind;
		struct vrow *r = NULL;
		__u32 slot = 0;

		if (!k)
			break;
		key = *k;
		inb = kb && !key_cmp(kb, &key);
		ind = hd && !key_cmp(&dk, &key);
		if (ko && !key_cmp(ko, &key))
			r = c->tab[j++];
		if (inb) {
			i++;
			slot = sk->slot;
			if (read_slot(c, slot))
				inb = false;
		}
		if (inb && r && r->has_slot && r->slot != slot) {
			/* Another instance of the key: start afresh. */
			vrow_free(r);
			r = NULL;
		}
		if (!r && !inb && !ind)
			continue; /* a slot that could not be read */
		if (!r)
			r = vrow_new(&key);
		r->live = ind;
		if (inb) {
			vrow_set_slot(c, r, slot);
			slot_update(c, r);
		}
		if (ind) {
			const struct collect_dev *d = &c->ddevs[dc.dev];

			core_update(c, r, &d->recs[dc.vec]);
			row_set_dev(r, d, &d->recs[dc.vec]);
			dc.vec++;
		}
		row_update(c, r);
		c->spare =
			grow(c->spare, &c->sparecap, nt + 1, sizeof(*c->spare));
		c->spare[nt++] = r;
	}
	/* Past the end of every stream: nothing left in the old table. */
	tab = c->spare;
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

/* One more latency lost by slot @slot: its row shows it (read_slot()). */
static void lost_add(struct collect *c, __u32 slot)
{
	int i;

	if (slot >= c->src->max_slots)
		return;
	__atomic_store_n(&c->src->seen[slot], 1, __ATOMIC_RELEASE);
	for (i = 0; i < c->nlost; i++) {
		if (c->lost[i].slot == slot) {
			c->lost[i].n++;
			return;
		}
	}
	c->lost = grow(c->lost, &c->lostcap, c->nlost + 1, sizeof(*c->lost));
	c->lost[c->nlost++] = (struct slot_count){ .slot = slot, .n = 1 };
}

/*
 * Forget the timed raises that waited for a deferred delivery longer than
 * IMS_DEFERRED_STALE_NS (see imstop.h): each counts as stale, and as a
 * latency lost by its vector. Their keys first, then the deletes: a
 * deleted key would restart the walk.
 */
static void sweep_deferred(struct collect *c, const struct timespec *mono)
{
	const struct collect_src *src = c->src;
	__u64 now = (__u64)mono->tv_sec * 1000000000ULL + mono->tv_nsec;
	struct ims_defer_key key, next;
	struct ims_deferred v;
	const void *prev = NULL;
	int i, n = 0;

	while (!src->next_key(src->ctx, CM_DEFERRED, prev, &next)) {
		key = next;
		prev = &key;
		if (src->lookup(src->ctx, CM_DEFERRED, &key, &v) ||
		    v.ts + IMS_DEFERRED_STALE_NS > now)
			continue;
		c->old = grow(c->old, &c->oldcap, n + 1, sizeof(*c->old));
		c->old[n++] = key;
	}
	for (i = 0; i < n; i++) {
		if (src->lookup(src->ctx, CM_DEFERRED, &c->old[i], &v) ||
		    src->delete_key(src->ctx, CM_DEFERRED, &c->old[i]))
			continue;
		c->swept++;
		lost_add(c, v.slot);
	}
}

struct collect_dev *collect_dev_at(struct collect *c, int i, __u32 nvec)
{
	struct collect_dev *d;

	c->ddevs = grow(c->ddevs, &c->ddevcap, i + 1, sizeof(*c->ddevs));
	d = &c->ddevs[i];
	if (i >= c->nddevs) {
		memset(d, 0, sizeof(*d));
		c->nddevs = i + 1;
	}
	if (nvec > d->reccap) {
		d->recs = must(realloc(d->recs, nvec * sizeof(*d->recs)));
		d->reccap = nvec;
	}
	d->nvec = 0;
	d->name[0] = d->backend[0] = '\0';
	return d;
}

int collect_debugfs_devs(void *ctx, struct collect *c)
{
	static bool warned;
	struct dirent *de;
	DIR *dir;
	int n = 0;

	(void)ctx;
	dir = opendir(VIC_DEBUGFS_ROOT);
	if (!dir)
		return -1;
	while ((de = readdir(dir))) {
		struct vic_stats_file sf;
		struct collect_dev *d;
		unsigned long id;
		char *end;
		__u32 v;
		int ret;

		id = strtoul(de->d_name, &end, 10);
		if (end == de->d_name || *end || id > UINT32_MAX)
			continue;
		if (c->opts.dev >= 0 && (long long)id != c->opts.dev)
			continue;
		ret = vic_stats_open(&sf, NULL, (unsigned int)id);
		if (!ret)
			ret = vic_stats_refresh(&sf);
		if (ret) {
			/* Gone while we read it is not an error. */
			if (ret != -ENOENT && ret != -ENODEV && !warned) {
				warned = true;
				fprintf(stderr, "imstop: %s/%lu/stats: %s%s\n",
					VIC_DEBUGFS_ROOT, id, strerror(-ret),
					ret == -EPROTO ?
						" (a vic.ko newer than imstop?)" :
						"");
			}
			vic_stats_close(&sf);
			continue;
		}
		d = collect_dev_at(c, n, sf.nvec);
		d->id = (__u32)id;
		d->nvec = sf.nvec;
		memcpy(d->backend, sf.backend, sizeof(d->backend));
		for (v = 0; v < sf.nvec; v++)
			vic_stats_get(&sf, v, &d->recs[v]);
		vic_stats_close(&sf);
		if (vic_dbg_read_name(d->id, d->name, sizeof(d->name)))
			snprintf(d->name, sizeof(d->name), "-");
		n++;
	}
	closedir(dir);
	return n;
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

void collect_window(struct collect *c, struct report *r, bool final)
{
	const struct collect_src *src = c->src;
	struct timespec mono;
	__u64 diag[IMS_DIAG_NR], missed;
	int i, k;

	clock_gettime(CLOCK_MONOTONIC, &mono);
	clock_gettime(CLOCK_REALTIME, &r->now);
	sweep_deferred(c, &mono);
	build_table(c);
	read_diag(c, diag);
	diag[IMS_DIAG_STALE] += c->swept;
	missed = src->missed ? src->missed(src->ctx) : 0;

	r->seq = ++c->seq;
	r->final = final;
	r->cumulative = c->opts.cumulative;
	r->elapsed_s = ts_diff(&mono, &c->start);
	r->window_s = c->opts.cumulative ? r->elapsed_s :
					   ts_diff(&mono, &c->last);
	c->last = mono;
	r->dev_filter = c->opts.dev;
	r->debugfs = c->ndbg >= 0;
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
	r->ndevs = c->ndbg;

	for (i = 0; i < c->nheld; i++)
		c->held[i].gone =
			instance_gone(c, c->held[i].dev, c->held[i].gen);
	for (i = 0; i < c->ntab; i++) {
		struct vrow *v = c->tab[i];
		struct ims_dev d = dev_info(c, v->key.dev);

		/*
		 * Gone: the BPF side saw the device released or created
		 * anew, or a vector without a slot is no longer in debugfs.
		 */
		v->gone = instance_gone(c, v->key.dev, v->key.gen) ||
			  (c->ndbg >= 0 && !v->live && !v->has_slot);
		v->no_slot = v->live && !v->gone && !ims_map_first(d.map);
		if (!v->name[0])
			snprintf(v->name, sizeof(v->name), "-");
		if (!v->type[0])
			snprintf(v->type, sizeof(v->type), "-");
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
	if (c->ndbg < 0) {
		/* No debugfs: count the devices seen. */
		r->ndevs = 0;
		for (i = 0; i < c->ntab; i++)
			r->ndevs += !c->tab[i]->gone &&
				    (i == 0 || c->tab[i]->key.dev !=
						       c->tab[i - 1]->key.dev);
	}
	c->rows = grow(c->rows, &c->rowcap, c->ntab + 1, sizeof(*c->rows));
	memcpy(c->rows, c->tab, c->ntab * sizeof(*c->rows));
	row_sort = c->opts.sort;
	qsort(c->rows, c->ntab, sizeof(*c->rows), row_cmp);
	r->rows = c->rows;
	r->nrows = c->ntab;
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
		vrow_free(c->tab[i]);
	}
	c->ntab = n;
	ranges_take_back(c);
}

void collect_free(struct collect *c)
{
	int i;

	for (i = 0; i < c->ntab; i++)
		vrow_free(c->tab[i]);
	for (i = 0; i < c->nddevs; i++)
		free(c->ddevs[i].recs);
	free(c->tab);
	free(c->spare);
	free(c->ddevs);
	free(c->rows);
	free(c->keys);
	free(c->held);
	free(c->lost);
	free(c->free);
	free(c->old);
	free(c->pc_counts);
	free(c->pc_sig);
	free(c->cpus);
	memset(c, 0, sizeof(*c));
}
