// SPDX-License-Identifier: GPL-2.0-only
/*
 * vic_test: in-kernel timing loops for the benchmarks.
 *
 * FLOOR signals an eventfd directly: the cost no signal path can beat.
 * VIC is the core's send_signal on an emulated vector. PEER is the
 * send_signal of the vfio IMS RFC series, re-created here for comparison:
 * a per-device mutex, an xarray lookup of the vector's context, then
 * eventfd_signal(). All three signal the same eventfd in the same boot.
 */
#include <linux/bits.h>
#include <linux/eventfd.h>
#include <linux/ktime.h>
#include <linux/mutex.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/xarray.h>

#include <uapi/vic_test.h>
#include <vic_compat.h>
#include "vt.h"

#define VT_BENCH_MAX_COUNT	BIT_ULL(24)

/* What the RFC keeps per vector; only the trigger matters here. */
struct vt_peer_vec {
	struct eventfd_ctx *trigger;
	bool emulated;
};

static u64 vt_bench_floor(struct eventfd_ctx *e, u64 count)
{
	u64 t0 = ktime_get_ns(), i;

	for (i = 0; i < count; i++)
		vic_eventfd_signal(e);
	return ktime_get_ns() - t0;
}

static u64 vt_bench_peer(struct eventfd_ctx *e, u32 vector, u64 count)
{
	struct vt_peer_vec pv = { .trigger = e, .emulated = true };
	struct mutex igate;	/* the RFC's per-device igate */
	struct xarray xa;
	u64 t0, i;

	xa_init(&xa);
	if (xa_err(xa_store(&xa, vector, &pv, GFP_KERNEL)))
		return 0;
	mutex_init(&igate);
	t0 = ktime_get_ns();
	for (i = 0; i < count; i++) {
		struct vt_peer_vec *v;

		mutex_lock(&igate);
		v = xa_load(&xa, vector);
		if (v && v->emulated && v->trigger)
			vic_eventfd_signal(v->trigger);
		mutex_unlock(&igate);
	}
	t0 = ktime_get_ns() - t0;
	mutex_destroy(&igate);
	xa_destroy(&xa);
	return t0;
}

/*
 * The VIC and COOKIE loops have the shape of the floor's: one call per
 * iteration, its result unused, so that the difference to the floor is the
 * call's own. Whether the call works is checked once, before the clock
 * starts (and that first call is not counted).
 */
static u64 vt_bench_signal(struct vic_ctx *ctx, u32 vector, u64 count)
{
	u64 t0 = ktime_get_ns(), i;

	for (i = 0; i < count; i++)
		vic_send_signal(ctx, vector);
	return ktime_get_ns() - t0;
}

static u64 vt_bench_cookie(struct vic_ctx *ctx, u32 vector, u64 count)
{
	u64 t0 = ktime_get_ns(), i;

	for (i = 0; i < count; i++)
		vic_set_cookie(ctx, vector, i);
	return ktime_get_ns() - t0;
}

static int vt_bench_vic(struct vic_ctx *ctx, u32 mode, u32 vector, u64 count,
			u64 *ns)
{
	int ret;

	if (mode == VIC_TEST_BENCH_VIC) {
		ret = vic_send_signal(ctx, vector);
		if (!ret)
			*ns = vt_bench_signal(ctx, vector, count);
	} else {
		ret = vic_set_cookie(ctx, vector, 0);
		if (!ret)
			*ns = vt_bench_cookie(ctx, vector, count);
	}
	return ret;
}

int vt_bench(struct vic_ctx *ctx, struct vic_test_bench *b)
{
	struct eventfd_ctx *e;

	if (!b->count || b->count > VT_BENCH_MAX_COUNT)
		return -EINVAL;
	switch (b->mode) {
	case VIC_TEST_BENCH_VIC:
	case VIC_TEST_BENCH_COOKIE:
		return vt_bench_vic(ctx, b->mode, b->vector, b->count,
				    &b->elapsed_ns);
	case VIC_TEST_BENCH_FLOOR:
	case VIC_TEST_BENCH_PEER:
		break;
	default:
		return -EINVAL;
	}
	e = eventfd_ctx_fdget(b->eventfd);
	if (IS_ERR(e))
		return PTR_ERR(e);
	if (b->mode == VIC_TEST_BENCH_FLOOR)
		b->elapsed_ns = vt_bench_floor(e, b->count);
	else
		b->elapsed_ns = vt_bench_peer(e, b->vector, b->count);
	eventfd_ctx_put(e);
	return b->elapsed_ns ? 0 : -ENOMEM;
}
