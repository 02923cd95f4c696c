// SPDX-License-Identifier: GPL-2.0-only
/*
 * imstop: per-vector latencies of the vic core, from the vic tracepoints
 * and the eventfd signals they lead to, and the slow path's counts
 * (allocations, frees, cookie sets). The raise counts are not counted
 * here: user space reads the core's own counters.
 *
 * Every tracepoint handler exists twice, as tp_btf (needs the module's BTF)
 * and raw_tp; the eventfd handler as fentry and kprobe. User space loads one
 * variant of each (bpf_program__set_autoload()) and picks the eventfd
 * function (eventfd_signal_mask or eventfd_signal) from the kernel's BTF.
 *
 * Correlation. An emulated vector's raise, its delivery and the eventfd
 * signal run synchronously on one CPU. Each CPU keeps a small stack of the
 * timed raises in flight: vic_raise pushes (dev, vector, time), vic_deliver
 * finds its raise and ends its latency or, end to end (e2e), records the
 * trigger for the eventfd probe to match its eventfd_ctx against. A stack,
 * because an interrupt can run a whole raise -> signal sequence of its own
 * between a raise and its signal in the interrupted context. Without e2e
 * the eventfd probe is not attached: two programs per raise.
 *
 * A backed vector's raise fires an interrupt that any CPU may handle (an
 * MSI-X vector's affinity), later. Its timed raise waits in its slot of
 * the backed map instead, one per vector, for the next delivery of that
 * vector on whichever CPU: see backed_push().
 *
 * Where the core defers a delivery out of hard IRQ (PREEMPT_RT, the debug
 * kernel), the raise and its delivery run apart, tied by the vic_defer and
 * vic_defer_run events: see on_defer(). Elsewhere those never fire.
 *
 * Hot path cost of a raise that is not timed: one per-CPU array lookup and
 * a decrement in each program, and a load of backed_inflight in the
 * second. A timed raise adds one load for its slot (the device table, see
 * imstop.h), two clock reads and the histogram update; a backed one, three
 * atomic operations.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "imstop.h"

/* Device id to trace, or -1 for all; set by user space before load. */
const volatile __s64 targ_dev = -1;

/*
 * Time one raise in sample_period, each with the same probability: every
 * CPU counts down a gap between timed raises drawn from gaps[], which user
 * space fills with the quantiles of the geometric distribution of mean
 * sample_period (all 1 for 1: every raise). A geometric gap is memoryless,
 * so whether a raise is timed does not depend on its vector, its CPU or its
 * place in a burst. See sample_now().
 */
const volatile __u32 sample_period = 1;
const volatile __u32 gaps[IMS_GAPS] = { 1 };

/*
 * End to end: the latency ends at the eventfd signal (the eventfd probe is
 * attached), not at vic_deliver.
 */
const volatile bool e2e = false;

/*
 * Set by user space once every program is attached: until then nothing is
 * counted, so that no window sees a raise without its delivery, or a
 * delivery without its signal, for an attach order's sake.
 */
volatile bool armed;

/*
 * The device table and the slots never handed out yet, [next_slot,
 * max_slots): see imstop.h. User space maps both (the skeleton's bss).
 */
struct ims_dev devs[IMS_MAX_DEVS];
__u32 next_slot;

/*
 * Device instances that a vic_ctx_init of their id ended while they held
 * slots: user space takes their slots back (after it read them).
 */
struct {
	__uint(type, BPF_MAP_TYPE_QUEUE);
	__uint(max_entries, IMS_RETIRED_MAX);
	__type(value, struct ims_retired);
} retired SEC(".maps");

/* The slots there are (--max-vectors), set by user space before load. */
const volatile __u32 max_slots = 16384;

/*
 * max_entries of the maps by slot are set by user space too. Two of them
 * hold a word by slot, mapped by user space: seen, set once something was
 * recorded in the slot; backed, the time of the timed raise of a backed
 * vector in flight, 0 for none (see backed_push()), which user space
 * empties in the slots it takes back.
 */
struct slot_words {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, 16384);
	__type(key, __u32);
	__type(value, __u64);
};

struct slot_words seen SEC(".maps");
struct slot_words backed SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 16384);
	__type(key, __u32);
	__type(value, struct ims_counts);
} counts SEC(".maps");

/*
 * How many slots of backed hold a raise: while none do, a delivery looks
 * at none. Raised before a slot is filled, lowered after it is emptied
 * (by whoever empties it: an exchange), so a delivery that a filled slot
 * waits for never reads 0.
 */
__u32 backed_inflight;

/* Histograms for the first slots (--max-hist-vectors). */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1024);
	__type(key, __u32);
	__type(value, struct ims_lat);
} sig_lats SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1024);
	__type(key, __u32);
	__type(value, struct ims_slow_lats);
} slow_lats SEC(".maps");

/* Timed raises waiting for their deferred delivery (see on_defer()). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, IMS_DEFERRED_MAX);
	__type(key, struct ims_defer_key);
	__type(value, struct ims_deferred);
} deferred SEC(".maps");

/* Start times of allocations and cookie sets (slow path, may sleep). */
struct start_key {
	struct ims_key key;
	__u32 kind;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, struct start_key);
	__type(value, __u64);
} starts SEC(".maps");

/* Per-CPU state: diagnostics and the raises in flight. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct ims_cpu);
} cpus SEC(".maps");

static __always_inline struct ims_cpu *cpu_get(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&cpus, &zero);
}

static __always_inline void diag_inc(struct ims_cpu *c, __u32 which)
{
	if (c && which < IMS_DIAG_NR)
		c->diag[which]++;
}

/* Is device @dev traced (-d)? */
static __always_inline bool dev_traced(__u32 dev)
{
	return targ_dev < 0 || dev == (__u64)targ_dev;
}

static __always_inline bool skip_dev(__u32 dev)
{
	return !armed || !dev_traced(dev);
}

/* Device @dev's entry of the device table; NULL past its end. */
static __always_inline struct ims_dev *dev_entry(__u32 dev)
{
	if (dev >= IMS_MAX_DEVS)
		return NULL;
	barrier_var(dev);
	return &devs[dev & (IMS_MAX_DEVS - 1)];
}

/* Device @dev's word of the device table, read once; 0 past its end. */
static __always_inline __u64 dev_map(__u32 dev)
{
	struct ims_dev *d = dev_entry(dev);

	return d ? *(volatile __u64 *)&d->map : 0;
}

static __always_inline void make_key(struct ims_key *key, __u32 dev,
				     __u32 vector)
{
	key->dev = dev;
	key->vector = vector;
	key->gen = ims_map_gen(dev_map(dev));
}

/*
 * The slot of a vector instance: its device's first slot plus the vector
 * (imstop.h); -1 when the device has none.
 */
static __always_inline __s64 slot_find(__u32 dev, __u32 vector)
{
	__u64 m = dev_map(dev);
	__u32 first = ims_map_first(m);

	if (!first || vector >= ims_map_nvec(m))
		return -1;
	return first - 1 + vector;
}

/* slot_find(), a vector without a slot counted in @f's diagnostics. */
static __always_inline __s64 slot_of(struct ims_cpu *f, __u32 dev, __u32 vector)
{
	__s64 slot = slot_find(dev, vector);

	if (slot < 0)
		diag_inc(f, IMS_DIAG_MAP_FULL);
	return slot;
}

/* Something was recorded in @slot: user space reads it from now on. */
static __always_inline void mark_seen(__u32 slot)
{
	__u64 *s = bpf_map_lookup_elem(&seen, &slot);

	if (s && !*s)
		*s = 1;
}

static __always_inline struct ims_counts *counts_get(__s64 slot)
{
	__u32 s = (__u32)slot;

	if (slot < 0)
		return NULL;
	return bpf_map_lookup_elem(&counts, &s);
}

/*
 * A timed raise of the vector in @slot whose latency is lost: counted
 * there too, so that user space shows which vector lost it. Only on the
 * error paths.
 */
static __always_inline void lat_lost(__u32 slot)
{
	struct ims_counts *c = counts_get(slot);

	if (!c)
		return;
	mark_seen(slot);
	__sync_fetch_and_add(&c->lat_lost, 1);
}

static __always_inline struct ims_lat *lat_get(__u32 slot, __u32 kind)
{
	struct ims_slow_lats *sl;

	if (kind == IMS_LAT_SIGNAL)
		return bpf_map_lookup_elem(&sig_lats, &slot);
	sl = bpf_map_lookup_elem(&slow_lats, &slot);
	if (!sl)
		return NULL;
	return kind == IMS_LAT_ALLOC ? &sl->alloc : &sl->cookie;
}

static __always_inline void lat_add(__u32 slot, __u32 kind, __u64 ns)
{
	struct ims_lat *l = lat_get(slot, kind);
	__u64 b = ims_hist_slot(ns);

	if (!l) {
		diag_inc(cpu_get(), IMS_DIAG_NO_HIST);
		lat_lost(slot);
		return;
	}
	/*
	 * The first sample of this distribution (on this CPU) marks the
	 * slot: the later ones find it marked, and cost no lookup.
	 */
	if (!l->count)
		mark_seen(slot);
	/* One register for the check and the access, for the verifier. */
	barrier_var(b);
	if (b >= IMS_HIST_SLOTS)
		b = IMS_HIST_SLOTS - 1;
	barrier_var(b);
	__sync_fetch_and_add(&l->count, 1);
	__sync_fetch_and_add(&l->sum_ns, ns);
	__sync_fetch_and_add(&l->slots[b], 1);
	if (ns > l->max_ns)
		l->max_ns = ns;
}

/* Push an entry; on overflow, forget what is stale and start over. */
/*
 * Take entry @i off the stack; the entries above it move down. Only the
 * matched entry goes: a raise whose interrupt comes later (an MSI-X
 * vector's, once the raising context enables interrupts again) may be
 * delivered after the raises above it, and those are not stale.
 */
static __always_inline void inflight_remove(struct ims_cpu *f, int i)
{
	int j;

	for (j = 0; j < IMS_INFLIGHT_MAX - 1; j++) {
		if (j >= i && j + 1 < (int)f->depth)
			f->e[j] = f->e[j + 1];
	}
	if (f->depth)
		f->depth--;
}

static __always_inline void inflight_push(struct ims_cpu *f, __u32 dev,
					  __u32 vector, __u32 slot, __u32 state,
					  __u64 ts, __u64 trigger)
{
	__u32 d = f->depth;

	/* Full: the oldest entry goes, the others move down. */
	if (d >= IMS_INFLIGHT_MAX) {
		diag_inc(f, IMS_DIAG_OVERFLOW);
		diag_inc(f, IMS_DIAG_STALE);
		lat_lost(f->e[0].slot);
		inflight_remove(f, 0);
		d = f->depth;
	}
	/* A no-op the verifier needs: d stays bounded in every copy. */
	barrier_var(d);
	d &= IMS_INFLIGHT_MAX - 1;
	f->e[d].dev = dev;
	f->e[d].vector = vector;
	f->e[d].slot = slot;
	f->e[d].state = state;
	f->e[d].ts = ts;
	f->e[d].trigger = trigger;
	f->depth = d + 1;
}

/* Is this raise to be timed? Costs a decrement when not. */
static __always_inline bool sample_now(struct ims_cpu *f)
{
	if (sample_period <= 1)
		return true;
	if (!f->countdown)
		f->countdown = gaps[bpf_get_prandom_u32() & (IMS_GAPS - 1)];
	return !--f->countdown;
}

/*
 * A timed raise of a backed vector: it waits in the vector's slot of the
 * backed map for the next delivery of the vector, on whichever CPU handles
 * its interrupt (backed_take()). The raises of a vector are delivered in
 * order, each exactly once (delivered, pended or dropped), so that
 * delivery is this raise's own unless untimed raises of the vector were
 * still in flight: then it is the first of them, and the latency ends a
 * little early (docs/imstop.md). A slot holds one raise: a timed raise
 * that finds it taken loses its latency (an overflow).
 */
static __always_inline void backed_push(struct ims_cpu *f, __u32 slot)
{
	__u64 *b = bpf_map_lookup_elem(&backed, &slot);

	if (!b)
		return;
	__sync_fetch_and_add(&backed_inflight, 1);
	/* Last, so that the latency holds as little of this program. */
	if (!__sync_val_compare_and_swap(b, 0, bpf_ktime_get_ns()))
		return;
	__sync_fetch_and_sub(&backed_inflight, 1);
	diag_inc(f, IMS_DIAG_OVERFLOW);
	lat_lost(slot);
}

/* Empty @slot of the backed map: the time of the raise it held, 0 if none. */
static __always_inline __u64 backed_take(__s64 slot)
{
	__u32 s = (__u32)slot;
	__u64 *b, ts;

	if (slot < 0)
		return 0;
	b = bpf_map_lookup_elem(&backed, &s);
	if (!b || !*(volatile __u64 *)b)
		return 0;
	ts = __sync_lock_test_and_set(b, 0);
	if (ts)
		__sync_fetch_and_sub(&backed_inflight, 1);
	return ts;
}

/*
 * backed_take() of the slot of (@dev, @vector), which it stores in @slot:
 * one load and nothing else while no slot holds a raise.
 */
static __always_inline __u64 backed_take_vec(__u32 dev, __u32 vector,
					     __s64 *slot)
{
	if (!*(volatile __u32 *)&backed_inflight)
		return 0;
	*slot = slot_find(dev, vector);
	return backed_take(*slot);
}

/* The latency from @ts to @now, 0 if the clocks of two CPUs disagree. */
static __always_inline __u64 lat_since(__u64 now, __u64 ts)
{
	return (__s64)(now - ts) > 0 ? now - ts : 0;
}

/* Is @e a raise of this vector? */
static __always_inline bool inflight_is(const struct ims_inflight *e, __u32 dev,
					__u32 vector)
{
	return e->dev == dev && e->vector == vector;
}

/*
 * A raise: only the raises sample_now() picks are followed, with their
 * slot, to their delivery and signal: along the stack if emulated, else
 * from their slot of the backed map. The counts are the core's (see
 * imstop.h).
 */
static __always_inline int on_raise(__u32 dev, __u32 vector, __u32 emulated)
{
	struct ims_cpu *f;
	__s64 slot;
	__u64 ts;

	if (skip_dev(dev))
		return 0;
	f = cpu_get();
	if (!f || !sample_now(f))
		return 0;
	slot = slot_of(f, dev, vector);
	if (slot < 0)
		return 0;
	if (!emulated) {
		backed_push(f, (__u32)slot);
		return 0;
	}
	/* Last, so that the latency holds as little of this program. */
	ts = bpf_ktime_get_ns();
	inflight_push(f, dev, vector, (__u32)slot, IMS_RAISED, ts, 0);
	return 0;
}

/*
 * Deferred delivery (PREEMPT_RT and the debug kernel, from hard IRQ): the
 * core counts and traces the raise (vic_raise), then defers its delivery
 * to its irq_work (vic_defer), which delivers the deferred raises of each
 * vector in order, each announced by vic_defer_run, later, in another
 * context and maybe on another CPU. The pair of events of one raise has
 * the same dev, vector and seq, which key a timed raise in the deferred
 * map from one to the other.
 *
 * An emulated vector's vic_defer runs in the call that raised, right after
 * the raise's own vic_raise: the raise is the newest entry on this CPU's
 * stack if it was timed and no raise on this CPU came between (an
 * interrupt's): then the countdown still reads 0. Otherwise the deferral
 * is not followed, and an entry of this raise, if any, is pushed out as
 * stale later. A backed vector's runs in its interrupt's handler, as its
 * vic_deliver would: it takes the raise from the vector's slot.
 */
static __always_inline int on_defer(__u32 dev, __u32 vector, __u32 seq)
{
	struct ims_defer_key dk = { .dev = dev, .vector = vector, .seq = seq };
	struct ims_deferred v = {};
	struct ims_inflight *e;
	struct ims_cpu *f;
	__s64 slot = -1;
	__u32 d;

	if (skip_dev(dev))
		return 0;
	f = cpu_get();
	if (!f)
		return 0;
	if (f->depth && (sample_period <= 1 || !f->countdown)) {
		d = f->depth - 1;
		barrier_var(d);
		d &= IMS_INFLIGHT_MAX - 1;
		e = &f->e[d];
		if (e->state == IMS_RAISED && inflight_is(e, dev, vector)) {
			v.slot = e->slot;
			v.ts = e->ts;
			f->depth = d;
			goto defer;
		}
	}
	/* A backed vector's, from the handler of its interrupt. */
	v.ts = backed_take_vec(dev, vector, &slot);
	if (!v.ts)
		return 0;
	v.slot = (__u32)slot;
defer:
	if (bpf_map_update_elem(&deferred, &dk, &v, BPF_NOEXIST)) {
		diag_inc(f, IMS_DIAG_OVERFLOW);
		lat_lost(v.slot);
	}
	return 0;
}

/*
 * The deferred delivery of raise @seq begins: its vic_deliver comes next,
 * in this task (see deferred_deliver()). Its raise's entry, if it was
 * timed, moves from the deferred map to this CPU.
 */
static __always_inline int on_defer_run(__u32 dev, __u32 vector, __u32 seq)
{
	struct ims_defer_key dk = { .dev = dev, .vector = vector, .seq = seq };
	struct ims_deferred *v;
	struct ims_cpu *f;

	if (skip_dev(dev))
		return 0;
	f = cpu_get();
	if (!f)
		return 0;
	if (f->dr.active && f->dr.timed) {
		diag_inc(f, IMS_DIAG_STALE);
		lat_lost(f->dr.slot);
	}
	f->dr.dev = dev;
	f->dr.vector = vector;
	f->dr.tid = (__u32)bpf_get_current_pid_tgid();
	f->dr.active = 1;
	f->dr.timed = 0;
	v = bpf_map_lookup_elem(&deferred, &dk);
	if (!v)
		return 0;
	f->dr.timed = 1;
	f->dr.slot = v->slot;
	f->dr.ts = v->ts;
	bpf_map_delete_elem(&deferred, &dk);
	return 0;
}

/*
 * Is this the deferred delivery that vic_defer_run announced? Yes if it
 * runs in that task, for that vector: it ends its raise's latency, if
 * timed and delivered, or, end to end, waits on the stack for its signal.
 * A delivery in another task (one that preempted the irq_work thread) is
 * not, and goes to the stack.
 */
static __always_inline bool deferred_deliver(struct ims_cpu *f, __u32 dev,
					     __u32 vector, __u64 trigger,
					     __u32 status)
{
	/* The clock first, for the latency; only a timed raise needs it. */
	__u64 now = f->dr.timed ? bpf_ktime_get_ns() : 0;

	if ((__u32)bpf_get_current_pid_tgid() != f->dr.tid ||
	    f->dr.dev != dev || f->dr.vector != vector)
		return false;
	f->dr.active = 0;
	if (!f->dr.timed || status != IMS_DELIVERED)
		return true;
	if (e2e)
		inflight_push(f, dev, vector, f->dr.slot, IMS_SIGNALLING,
			      f->dr.ts, trigger);
	else
		lat_add(f->dr.slot, IMS_LAT_SIGNAL, lat_since(now, f->dr.ts));
	return true;
}

/*
 * A delivery that no raise on this CPU's stack waits for: a backed
 * vector's, whose timed raise, if any, waits in its slot (backed_push()).
 */
static __always_inline int backed_deliver(struct ims_cpu *f, __u32 dev,
					  __u32 vector, __u64 trigger,
					  __u32 status, __u64 now)
{
	__s64 slot = -1;
	__u64 ts = backed_take_vec(dev, vector, &slot);

	if (!ts || status != IMS_DELIVERED)
		return 0;
	if (e2e)
		inflight_push(f, dev, vector, (__u32)slot, IMS_SIGNALLING, ts,
			      trigger);
	else
		lat_add((__u32)slot, IMS_LAT_SIGNAL, lat_since(now, ts));
	return 0;
}

/*
 * A delivery: finds its timed raise on this CPU's stack, the newest of its
 * vector, if any, or else in the vector's slot of the backed map. A raise
 * delivered (not pended or dropped) ends its latency here, or, end to end,
 * waits for its signal. A stack entry whose delivery never comes here (a
 * task that migrated) is pushed out by newer ones: counted stale. The
 * clock is read first, so that the latency holds as little of this
 * program as it can.
 */
static __always_inline int on_deliver(__u32 dev, __u32 vector, __u64 trigger,
				      __u32 status)
{
	struct ims_cpu *f;
	__u64 now = 0;
	int i;

	if (skip_dev(dev) || status == IMS_RELEASED)
		return 0;
	f = cpu_get();
	if (!f)
		return 0;
	if (f->dr.active && deferred_deliver(f, dev, vector, trigger, status))
		return 0;
	if (!f->depth && !*(volatile __u32 *)&backed_inflight)
		return 0;
	if (!e2e)
		now = bpf_ktime_get_ns();
	for (i = IMS_INFLIGHT_MAX - 1; i >= 0; i--) {
		if (i >= f->depth || f->e[i].state != IMS_RAISED ||
		    !inflight_is(&f->e[i], dev, vector))
			continue;
		if (status == IMS_DELIVERED && e2e) {
			f->e[i].state = IMS_SIGNALLING;
			f->e[i].trigger = trigger;
			return 0;
		}
		if (status == IMS_DELIVERED)
			lat_add(f->e[i].slot, IMS_LAT_SIGNAL, now - f->e[i].ts);
		inflight_remove(f, i);
		return 0;
	}
	return backed_deliver(f, dev, vector, trigger, status, now);
}

static __always_inline int on_signal(__u64 ctx)
{
	struct ims_cpu *f;
	__u32 slot;
	__u64 ts;
	int i;

	if (!armed)
		return 0;
	f = cpu_get();
	if (!f)
		return 0;
	f->diag[IMS_DIAG_EVENTFD_CALLS]++;
	for (i = IMS_INFLIGHT_MAX - 1; i >= 0; i--) {
		if (i >= f->depth || f->e[i].state != IMS_SIGNALLING ||
		    f->e[i].trigger != ctx)
			continue;
		ts = f->e[i].ts;
		slot = f->e[i].slot;
		inflight_remove(f, i);
		lat_add(slot, IMS_LAT_SIGNAL, bpf_ktime_get_ns() - ts);
		return 0;
	}
	return 0;
}

static __always_inline int on_start(__u32 dev, __u32 vector, __u32 kind)
{
	struct start_key sk = { .kind = kind };
	__u64 now;

	if (skip_dev(dev))
		return 0;
	make_key(&sk.key, dev, vector);
	now = bpf_ktime_get_ns();
	bpf_map_update_elem(&starts, &sk, &now, BPF_ANY);
	return 0;
}

/*
 * The slow-path counts of a vector instance, its slot marked seen; NULL
 * when its device has no slots (counted).
 */
static __always_inline struct ims_counts *slow_counts(__u32 dev, __u32 vector,
						      __s64 *slot)
{
	struct ims_cpu *f = cpu_get();
	struct ims_counts *c;

	if (!f)
		return NULL;
	*slot = slot_of(f, dev, vector);
	c = counts_get(*slot);
	if (c)
		mark_seen((__u32)*slot);
	return c;
}

static __always_inline int on_end(__u32 dev, __u32 vector, __u32 kind, int ret)
{
	struct start_key sk = { .kind = kind };
	struct ims_counts *c;
	__u64 *start, ts = 0;
	__s64 slot;

	if (skip_dev(dev))
		return 0;
	make_key(&sk.key, dev, vector);
	start = bpf_map_lookup_elem(&starts, &sk);
	if (start) {
		ts = *start;
		bpf_map_delete_elem(&starts, &sk);
	}
	c = slow_counts(dev, vector, &slot);
	if (!c)
		return 0;
	if (kind == IMS_LAT_ALLOC) {
		if (ret < 0) {
			__sync_fetch_and_add(&c->alloc_fails, 1);
			return 0;
		}
		__sync_fetch_and_add(&c->allocs, 1);
	} else {
		if (ret < 0) {
			__sync_fetch_and_add(&c->cookie_fails, 1);
			return 0;
		}
		__sync_fetch_and_add(&c->cookie_sets, 1);
	}
	if (ts)
		lat_add((__u32)slot, kind, bpf_ktime_get_ns() - ts);
	return 0;
}

static __always_inline int on_irq_free(__u32 dev, __u32 vector)
{
	struct ims_counts *c;
	__s64 slot;

	if (skip_dev(dev))
		return 0;
	c = slow_counts(dev, vector, &slot);
	if (!c)
		return 0;
	__sync_fetch_and_add(&c->frees, 1);
	/* A timed raise whose interrupt never came (freed in flight). */
	if (backed_take(slot)) {
		diag_inc(cpu_get(), IMS_DIAG_STALE);
		__sync_fetch_and_add(&c->lat_lost, 1);
	}
	return 0;
}

/*
 * Slots for @nvec vectors from those never handed out: the first, or -1
 * when too few are left (user space then gives the device a range it took
 * back). The check before the add keeps next_slot from growing without
 * bound; racing adds past max_slots only waste the last slots.
 */
static __always_inline __s64 slots_take(__u32 nvec)
{
	__u32 first;

	if (*(volatile __u32 *)&next_slot + (__u64)nvec > max_slots)
		return -1;
	first = __sync_fetch_and_add(&next_slot, nvec);
	if ((__u64)first + nvec > max_slots)
		return -1;
	return first;
}

/*
 * A device instance begins: a new generation of its id, with slots for
 * its vectors if it is traced. Not gated by armed: the generation counts
 * from the load on.
 */
static __always_inline int on_ctx_init(__u32 dev, __u32 nvec)
{
	struct ims_dev *d = dev_entry(dev);
	struct ims_retired r = { .dev = dev };
	__s64 first = -1;
	__u64 m;

	if (!d)
		return 0;
	if (dev_traced(dev))
		first = slots_take(nvec);
	d->released = 0;
	/*
	 * An exchange: user space may give the old instance slots (it only
	 * ever adds slots to a word) until the new word is in.
	 */
	m = *(volatile __u64 *)&d->map;
	r.map = __sync_lock_test_and_set(
		&d->map, ims_map(ims_map_gen(m) + 1, nvec, (__u32)(first + 1)));
	if (ims_map_first(r.map) && bpf_map_push_elem(&retired, &r, 0))
		diag_inc(cpu_get(), IMS_DIAG_OVERFLOW);
	return 0;
}

static __always_inline int on_ctx_release(__u32 dev)
{
	struct ims_dev *d = dev_entry(dev);

	if (d)
		d->released = 1;
	return 0;
}

/* One handler per event, as tp_btf and as raw_tp. */
#define VIC_EVENT(event, call, args...) \
	SEC("tp_btf/" #event)           \
	int BPF_PROG(tpb_##event, args) \
	{                               \
		return call;            \
	}                               \
	SEC("raw_tp/" #event)           \
	int BPF_PROG(raw_##event, args) \
	{                               \
		return call;            \
	}

VIC_EVENT(vic_ctx_init, on_ctx_init(dev, nvec), u32 dev, u32 nvec)
VIC_EVENT(vic_ctx_release, on_ctx_release(dev), u32 dev)
VIC_EVENT(vic_raise, on_raise(dev, vector, emulated), u32 dev, u32 vector,
	  u32 emulated)
VIC_EVENT(vic_deliver, on_deliver(dev, vector, trigger, status), u32 dev,
	  u32 vector, u64 trigger, u32 status)
VIC_EVENT(vic_defer, on_defer(dev, vector, seq), u32 dev, u32 vector, u32 seq)
VIC_EVENT(vic_defer_run, on_defer_run(dev, vector, seq), u32 dev, u32 vector,
	  u32 seq)
VIC_EVENT(vic_irq_alloc_start, on_start(dev, vector, IMS_LAT_ALLOC), u32 dev,
	  u32 vector, u64 cookie)
VIC_EVENT(vic_irq_alloc_end, on_end(dev, vector, IMS_LAT_ALLOC, ret), u32 dev,
	  u32 vector, int virq, int ret)
VIC_EVENT(vic_irq_free, on_irq_free(dev, vector), u32 dev, u32 vector, int virq)
VIC_EVENT(vic_cookie_set_start, on_start(dev, vector, IMS_LAT_COOKIE), u32 dev,
	  u32 vector, u64 cookie)
VIC_EVENT(vic_cookie_set_end, on_end(dev, vector, IMS_LAT_COOKIE, ret), u32 dev,
	  u32 vector, int ret)

/*
 * The eventfd signal: the target (eventfd_signal_mask or eventfd_signal)
 * is set at run time; either way the eventfd_ctx is the first argument.
 */
SEC("fentry")
int BPF_PROG(fentry_eventfd, struct eventfd_ctx *efd)
{
	return on_signal((__u64)efd);
}

SEC("kprobe")
int BPF_KPROBE(kprobe_eventfd, struct eventfd_ctx *efd)
{
	return on_signal((__u64)efd);
}

char LICENSE[] SEC("license") = "GPL";
