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

/* ims_counts.flags: the kinds of raises seen on the vector. */
#define IMS_VEC_EMULATED (1U << 0)
#define IMS_VEC_BACKED (1U << 1)

/*
 * Each vector instance seen gets a slot (the slots hash map: key -> slot),
 * taken from a stack of free slots that user space fills and refills. The
 * hot path then finds its counters in a per-CPU array by slot, and its
 * signal latency histogram in another per-CPU array, for the slots below
 * that array's size. Allocation and cookie-set latencies (slow path) live
 * in a plain array by slot.
 */
struct ims_counts {
	__u64 raised; /* vic_raise */
	__u64 delivered; /* vic_deliver status 0 */
	__u64 pended; /* vic_deliver status 1 */
	__u64 dropped; /* vic_deliver status 2 */
	__u64 released; /* vic_deliver status 3: pending bit released */
	__u64 signals; /* eventfd signals correlated with a vic_deliver */
	__u64 allocs; /* vic_irq_alloc_end with ret 0 */
	__u64 alloc_fails; /* vic_irq_alloc_end with ret < 0 */
	__u64 frees; /* vic_irq_free */
	__u64 cookie_sets; /* vic_cookie_set_end with ret 0 */
	__u64 cookie_fails; /* vic_cookie_set_end with ret < 0 */
	__u64 flags; /* IMS_VEC_* */
};

struct ims_slow_lats {
	struct ims_lat alloc;
	struct ims_lat cookie;
};

/* Per device id (an array map indexed by id, ids below IMS_MAX_DEVS). */
#define IMS_MAX_DEVS 4096

struct ims_dev {
	__u32 gen; /* vic_ctx_init events seen for this id */
	__u32 released; /* vic_ctx_release seen since the last init */
	__u32 nvec; /* from vic_ctx_init */
	__u32 pad;
};

/* Diagnostics of the BPF side, counted per CPU in struct ims_cpu. */
enum ims_diag {
	IMS_DIAG_EVENTFD_CALLS, /* eventfd signals seen, ours or not */
	IMS_DIAG_UNMATCHED, /* vic_deliver without its vic_raise seen */
	IMS_DIAG_OVERFLOW, /* per-CPU in-flight stack overflowed */
	IMS_DIAG_MAP_FULL, /* a vector found no free slot */
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
	struct ims_key key;
	__u32 slot;
	__u32 state;
	__u32 pad;
	__u64 ts; /* of the raise if timed, else 0 */
	__u64 trigger; /* eventfd_ctx address, once delivered */
};

struct ims_cpu {
	__u64 diag[IMS_DIAG_NR];
	__u64 lat_tick; /* jiffies of the current timing budget */
	__u32 lat_seen; /* raises seen in that tick */
	__u32 lat_used; /* raises timed in that tick */
	__u32 lat_thresh; /* time a raise if a random u32 is below this */
	__u32 depth;
	struct ims_inflight e[IMS_INFLIGHT_MAX];
};

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
