/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * imstop: what the BPF programs (imstop.bpf.c) and the user-space tool
 * (tools/imstop/) share: map keys and values, and the log-linear histogram
 * bucketing both sides compute the same way.
 */
#ifndef IMSTOP_H
#define IMSTOP_H

/*
 * Log-linear latency histograms, in nanoseconds: values below
 * IMS_HIST_SUB are exact, then every power of two [2^e, 2^(e+1)) is split
 * into IMS_HIST_SUB equal buckets. A bucket is at most 1/IMS_HIST_SUB of
 * its lower bound wide (12.5%), so a percentile taken inside it is off by
 * less than that. Values of 2^(IMS_HIST_MAX_LOG2 + 1) ns (about 18 min)
 * and more land in the last bucket.
 */
#define IMS_HIST_SUB_BITS 3
#define IMS_HIST_SUB (1U << IMS_HIST_SUB_BITS)
#define IMS_HIST_MAX_LOG2 39
#define IMS_HIST_SLOTS \
	((IMS_HIST_MAX_LOG2 - IMS_HIST_SUB_BITS + 2) << IMS_HIST_SUB_BITS)

/* Latency distributions kept per vector. */
enum ims_lat_kind {
	IMS_LAT_SIGNAL, /* vic_raise -> eventfd signalled */
	IMS_LAT_ALLOC, /* vic_irq_alloc_start -> vic_irq_alloc_end (ret 0) */
	IMS_LAT_COOKIE, /* vic_cookie_set_start -> vic_cookie_set_end (ret 0) */
	IMS_LAT_NR,
};

/*
 * One latency distribution. Buckets count in 32 bits (per CPU, they wrap
 * after 4G samples in a bucket: user space takes differences between
 * reads, modulo 2^32, and sums them up in 64 bits).
 */
struct ims_lat {
	__u64 count;
	__u64 sum_ns;
	__u64 max_ns;
	__u32 slots[IMS_HIST_SLOTS];
};

/*
 * A vector instance: device id, vector, and the device's generation (how
 * many vic_ctx_init events imstop saw for that id), so that a device
 * created again under a reused id starts from zero.
 */
struct ims_key {
	__u32 dev;
	__u32 vector;
	__u32 gen;
};

/*
 * Slots. Every vector instance has a slot: its index in the arrays by
 * slot (counts, sig_lats, slow_lats, seen). The vectors of a device
 * instance have consecutive slots, so that a program finds the slot of a
 * vector with one load from the device table (devs): no hash lookup.
 *
 * devs holds, per device id, one 64-bit word (ims_map()) with the
 * device's generation, its number of vectors and its first slot plus one
 * (0: no slots). It is shared memory, and each side changes a word whole:
 * the BPF side at vic_ctx_init (a new generation, its slots taken from the
 * top of the slots never used, next_slot); user space with compare and
 * swap, for a device whose slots could not be taken there (devices that
 * existed before imstop started, or all slots taken) from the ranges of
 * released devices it took back. A vector instance's slot is then
 * first + vector, for vectors below nvec.
 *
 * A backed vector's timed raise in flight waits in its slot of the backed
 * map. The slot's latency histogram lives in a per-CPU array by slot, for the
 * slots below that array's size; its slow-path counts in a per-CPU array
 * by slot, and its allocation and cookie-set latencies in a plain array by
 * slot. seen[slot] is set once anything was recorded there: user space
 * reads only those slots.
 *
 * The raise counts (raised to signals) are not counted here: user space
 * reads them from the core's own per-CPU counters (<dev>/stats in
 * debugfs), so a raise that is not timed runs no map lookup but its CPU's.
 */
#define IMS_MAP_FIRST_BITS 24
#define IMS_MAP_NVEC_BITS 16
#define IMS_MAP_GEN_BITS 24
/* Slots are below this: first + 1 fits IMS_MAP_FIRST_BITS. */
#define IMS_MAX_SLOTS ((1U << IMS_MAP_FIRST_BITS) - 1)

static inline __u64 ims_map(__u32 gen, __u32 nvec, __u32 first)
{
	return (__u64)(gen & ((1U << IMS_MAP_GEN_BITS) - 1))
		       << (IMS_MAP_FIRST_BITS + IMS_MAP_NVEC_BITS) |
	       (__u64)(nvec & ((1U << IMS_MAP_NVEC_BITS) - 1))
		       << IMS_MAP_FIRST_BITS |
	       (first & IMS_MAX_SLOTS);
}

static inline __u32 ims_map_gen(__u64 m)
{
	return (__u32)(m >> (IMS_MAP_FIRST_BITS + IMS_MAP_NVEC_BITS));
}

static inline __u32 ims_map_nvec(__u64 m)
{
	return (__u32)(m >> IMS_MAP_FIRST_BITS) &
	       ((1U << IMS_MAP_NVEC_BITS) - 1);
}

/* The first slot plus one, 0 for none. */
static inline __u32 ims_map_first(__u64 m)
{
	return (__u32)m & IMS_MAX_SLOTS;
}

struct ims_counts {
	__u64 raised; /* the core: raised */
	__u64 delivered; /* the core: delivered */
	__u64 pended; /* the core: pended */
	__u64 dropped; /* the core: dropped */
	__u64 released; /* the core: released (signalled) */
	__u64 signals; /* delivered + released: eventfd signals */
	__u64 allocs; /* vic_irq_alloc_end with ret 0 */
	__u64 alloc_fails; /* vic_irq_alloc_end with ret < 0 */
	__u64 frees; /* vic_irq_free */
	__u64 cookie_sets; /* vic_cookie_set_end with ret 0 */
	__u64 cookie_fails; /* vic_cookie_set_end with ret < 0 */
	/*
	 * Timed raises whose latency was not recorded: no histogram, pushed
	 * out of the in-flight stack, a backed vector's slot taken (backed),
	 * the deferred map full, the interrupt freed in flight, forgotten
	 * (by user space: stale deferred entries).
	 */
	__u64 lat_lost;
};

struct ims_slow_lats {
	struct ims_lat alloc;
	struct ims_lat cookie;
};

/* Device ids below this are traced (the device table's size). */
#define IMS_MAX_DEVS 4096

struct ims_dev {
	__u64 map; /* generation, vectors, first slot: ims_map() */
	__u32 released; /* vic_ctx_release seen since the last init */
	__u32 pad;
};

/*
 * A device instance that a new one of its id replaced while it held
 * slots (the retired queue, drained by user space).
 */
struct ims_retired {
	__u64 map;
	__u32 dev;
	__u32 pad;
};

#define IMS_RETIRED_MAX 1024

/* Diagnostics of the BPF side, counted per CPU in struct ims_cpu. */
enum ims_diag {
	IMS_DIAG_EVENTFD_CALLS, /* eventfd signals seen, ours or not */
	IMS_DIAG_STALE, /* a timed raise whose delivery never came */
	IMS_DIAG_OVERFLOW, /* in-flight stack or slot, deferred map, retired */
	IMS_DIAG_MAP_FULL, /* a vector without a slot: all were taken */
	IMS_DIAG_NO_HIST, /* a latency for a slot without a histogram */
	IMS_DIAG_NR,
};

/*
 * Per-CPU state (a one-entry per-CPU array): the diagnostics, and the
 * stack of raises in flight on this CPU. Process, softirq, hard IRQ and
 * NMI contexts can nest, hence 4 entries.
 */
#define IMS_INFLIGHT_MAX 4

enum ims_inflight_state {
	IMS_RAISED, /* waiting for its vic_deliver */
	IMS_SIGNALLING, /* delivered, waiting for the eventfd signal */
};

struct ims_inflight {
	__u32 dev;
	__u32 vector;
	__u32 slot;
	__u32 state;
	__u64 ts; /* of the raise if timed, else 0 */
	__u64 trigger; /* eventfd_ctx address, once delivered */
};

/*
 * A raise whose delivery the core deferred to its irq_work (PREEMPT_RT,
 * the debug kernel: docs/core.md), while it waits for that delivery: the
 * deferred map, keyed by the raise's vector instance and its deferral
 * sequence number (the vic_defer and vic_defer_run tracepoints), holds
 * the timed ones.
 */
struct ims_defer_key {
	__u32 dev;
	__u32 vector;
	__u32 seq;
};

struct ims_deferred {
	__u32 slot;
	__u32 pad;
	__u64 ts; /* of the raise */
};

/* At most this many timed raises wait for a deferred delivery at once. */
#define IMS_DEFERRED_MAX 8192

/*
 * User space forgets a deferred entry this old: counted stale. Only a
 * vic_defer_run that ran before its raise's vic_defer (two runs of the
 * irq_work overlapping on two CPUs) leaves one behind.
 */
#define IMS_DEFERRED_STALE_NS (5ULL * 1000000000ULL)

/*
 * The deferred delivery a vic_defer_run announced, until its vic_deliver:
 * that one is told by the task it runs in (an RT irq_work thread can be
 * preempted in between) and ends the latency of its raise if timed.
 */
struct ims_defer_run {
	__u32 dev;
	__u32 vector;
	__u32 tid;
	__u32 slot;
	__u32 active; /* a deferred vic_deliver is due */
	__u32 timed; /* and its raise was timed: ts, slot */
	__u64 ts;
};

struct ims_cpu {
	__u64 diag[IMS_DIAG_NR];
	__u32 countdown; /* raises until the next timed one, 0: draw a gap */
	__u32 depth;
	struct ims_inflight e[IMS_INFLIGHT_MAX];
	struct ims_defer_run dr;
};

/* Gaps between timed raises that user space draws for the BPF side. */
#define IMS_GAPS 1024

/* vic_deliver status values (the tracepoint contract). */
#define IMS_DELIVERED 0
#define IMS_PENDED 1
#define IMS_DROPPED 2
#define IMS_RELEASED 3

/* floor(log2(v)) for v > 0, without builtins (BPF has no clz). */
static inline __u32 ims_log2(__u64 v)
{
	__u32 r = 0, shift;

	shift = (v > 0xffffffffULL) << 5;
	v >>= shift;
	r |= shift;
	shift = (v > 0xffff) << 4;
	v >>= shift;
	r |= shift;
	shift = (v > 0xff) << 3;
	v >>= shift;
	r |= shift;
	shift = (v > 0xf) << 2;
	v >>= shift;
	r |= shift;
	shift = (v > 0x3) << 1;
	v >>= shift;
	r |= shift;
	r |= (__u32)(v >> 1);
	return r;
}

/* The histogram bucket of a value, always below IMS_HIST_SLOTS. */
static inline __u32 ims_hist_slot(__u64 v)
{
	__u32 e;

	if (v < IMS_HIST_SUB)
		return (__u32)v;
	e = ims_log2(v);
	if (e > IMS_HIST_MAX_LOG2)
		return IMS_HIST_SLOTS - 1;
	return ((e - IMS_HIST_SUB_BITS + 1) << IMS_HIST_SUB_BITS) |
	       (__u32)((v >> (e - IMS_HIST_SUB_BITS)) & (IMS_HIST_SUB - 1));
}

#endif /* IMSTOP_H */
