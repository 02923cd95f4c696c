// SPDX-License-Identifier: GPL-2.0-only
/*
 * vic-stress: concurrency stress of vic_mdev and the vic core, in the test
 * VM (root). For --seconds, threads race on one instance ("A", 64 vectors,
 * 8 emulated and 56 IMS-backed):
 *
 *   irqs      SET_IRQS: set blocks, replace, unset, disable, loopback
 *   chaos     sets fresh eventfds on vectors 48..63 and closes them at once,
 *             while the generator raises those vectors from hard-IRQ context
 *   door x2   DOORBELL (and CMD) on the "doorbell" vectors
 *   gen       the hrtimer generator on the "generator" vectors
 *   cookie    COOKIE_SEL/COOKIE on IMS vectors
 *   mask      MSI-X table mask/unmask, Function Mask, PBA and table reads
 *   reset     VFIO_DEVICE_RESET, and closing/reopening the device fd
 *   dbg       debugfs and /proc/interrupts readers
 *   life      creates, opens, drives, closes and removes other instances
 *             (some removed while open, some closed mid-traffic)
 *
 * Then, traffic stopped, it checks that every raise was accounted for
 * exactly once:
 *   - per vector, debugfs raised == delivered + pended + dropped;
 *   - per vector, debugfs equals the vic_raise / vic_deliver tracepoint
 *     counts (tracefs hist triggers, exact, no ring buffer);
 *   - the eventfds of vectors 0..47 (a fixed pool, never closed) hold
 *     exactly delivered + the pending bits released by unmasking (vic_deliver
 *     status 3 with a trigger);
 *   - the doorbell vectors were raised exactly as many times as user space
 *     rang them; the generator vectors within what the runs can explain;
 *   - afterwards the device still delivers exactly, everything is removed
 *     and the modules unload.
 *
 * Vector layout of A: doorbell vectors D = 0..3 (emulated), 8..23 (IMS);
 * generator and loopback vectors G = 4..7 (emulated), 24..47 (IMS), and
 * C = 48..63 (IMS, chaos eventfds).
 *
 * Output is TAP; "# " lines carry the figures. Exit 0 when every check
 * passed, 1 otherwise, 77 when not root.
 */
#define _GNU_SOURCE
#include <getopt.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <sys/syscall.h>
#include <time.h>

#include "../../tests/lib/tap.h"
#include "stress.h"
#include "vic_debugfs.h"
#include "vicdev.h"

#define NVEC 64
#define NR_EMUL 8
#define CHAOS_FIRST 48
#define NPOOL 12
#define MAX_ERRMSG 16

static struct {
	unsigned int seconds;
	uint64_t seed;
	bool lifecycle;
	bool unload;
} opt = { .seconds = 60, .seed = 1, .lifecycle = true, .unload = true };

enum op {
	OP_SET,
	OP_REPLACE,
	OP_UNSET,
	OP_DISABLE,
	OP_LOOPBACK,
	OP_CHAOS_SET,
	OP_CHAOS_CLOSED,
	OP_DOORBELL,
	OP_CMD,
	OP_GEN_RUN,
	OP_GEN_STOP,
	OP_COOKIE,
	OP_MASK,
	OP_FMASK,
	OP_RESET,
	OP_REOPEN,
	OP_DBG_READ,
	OP_INST,
	OP_INST_REMOVE_OPEN,
	OP_INST_CLOSE_MID,
	OP_INST_RESET_MID,
	OP_MAX
};

static const char *const op_name[OP_MAX] = {
	[OP_SET] = "SET_IRQS set",
	[OP_REPLACE] = "SET_IRQS replace",
	[OP_UNSET] = "SET_IRQS unset",
	[OP_DISABLE] = "SET_IRQS disable",
	[OP_LOOPBACK] = "SET_IRQS loopback",
	[OP_CHAOS_SET] = "chaos eventfds set",
	[OP_CHAOS_CLOSED] = "chaos eventfds closed while live",
	[OP_DOORBELL] = "DOORBELL",
	[OP_CMD] = "CMD",
	[OP_GEN_RUN] = "generator runs",
	[OP_GEN_STOP] = "generator stops",
	[OP_COOKIE] = "COOKIE sets",
	[OP_MASK] = "table mask/unmask",
	[OP_FMASK] = "Function Mask on/off",
	[OP_RESET] = "RESET",
	[OP_REOPEN] = "device fd close/reopen",
	[OP_DBG_READ] = "debugfs reads",
	[OP_INST] = "instances created and removed",
	[OP_INST_REMOVE_OPEN] = "... removed while open (REQ)",
	[OP_INST_CLOSE_MID] = "... closed mid-traffic",
	[OP_INST_RESET_MID] = "... RESET mid-traffic",
};

static atomic_ullong ops[OP_MAX];
static atomic_int stop;
static atomic_ullong failures;
static pthread_mutex_t msg_lock = PTHREAD_MUTEX_INITIALIZER;
static char errmsgs[MAX_ERRMSG][256];
static unsigned int nerrmsgs;

static struct vicdev A;
static char uuid_a[VICDEV_UUID_LEN];
static int dbg_a;
/* A.fd is closed and reopened by the reset thread: users hold it read. */
static pthread_rwlock_t fd_lock;
static int32_t pool[NPOOL];

/* User-space count of raises of each doorbell vector (DOORBELL + CMD). */
static atomic_ullong rung[NVEC];
/* Upper bound of the loopback raises (vectors asked, trigger or not). */
static atomic_ullong loop_asked;

/*
 * Generator accounting, under gen_lock (taken before fd_lock), which also
 * keeps RESET and reopen out of the register sequences (generator start,
 * COOKIE_SEL + COOKIE).
 */
static pthread_mutex_t gen_lock = PTHREAD_MUTEX_INITIALIZER;
static struct {
	bool active;
	uint64_t total;
	uint64_t exact; /* raises of runs whose GEN_DONE was read */
	uint64_t lo, hi; /* bounds of the runs a RESET/close cut short */
	unsigned long interrupted;
} gen;

static void failf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* An unexpected result: counted, the first ones kept for the report. */
static void failf(const char *fmt, ...)
{
	va_list ap;

	atomic_fetch_add(&failures, 1);
	pthread_mutex_lock(&msg_lock);
	if (nerrmsgs < MAX_ERRMSG) {
		va_start(ap, fmt);
		vsnprintf(errmsgs[nerrmsgs++], sizeof(errmsgs[0]), fmt, ap);
		va_end(ap);
	}
	pthread_mutex_unlock(&msg_lock);
}

static void op_inc(enum op o)
{
	atomic_fetch_add_explicit(&ops[o], 1, memory_order_relaxed);
}

static void rd_lock(void)
{
	pthread_rwlock_rdlock(&fd_lock);
}

static void rd_unlock(void)
{
	pthread_rwlock_unlock(&fd_lock);
}

/* Sleep up to @us microseconds, in steps, returning early on stop. */
static void nap(unsigned int us)
{
	while (us && !atomic_load(&stop)) {
		unsigned int step = us > 20000 ? 20000 : us;

		usleep(step);
		us -= step;
	}
}

static bool is_door(uint32_t v)
{
	return v < 4 || (v >= 8 && v < 24);
}

static uint32_t door_vec(struct rng *r)
{
	uint32_t i = rng_below(r, 20);

	return i < 4 ? i : 8 + i - 4;
}

/* A random range of generator/chaos vectors: [4, 8) or inside [24, 64). */
static void gen_range(struct rng *r, uint32_t *first, uint32_t *count)
{
	if (rng_pct(r, 25)) {
		*first = 4 + rng_below(r, 4);
		*count = 1 + rng_below(r, 8 - *first);
	} else {
		*first = 24 + rng_below(r, NVEC - 24);
		*count = 1 + rng_below(r, NVEC - *first);
	}
}

/* --- threads on instance A --------------------------------------------- */

static void *t_irqs(void *arg)
{
	struct rng r = rng_init(opt.seed * 1000003 + (uintptr_t)arg);
	int32_t fds[8];
	uint8_t bools[NVEC];
	uint32_t start, count, i, n;
	int ret, p;

	while (!atomic_load(&stop)) {
		p = rng_below(&r, 100);
		rd_lock();
		if (p < 45) {
			start = rng_below(&r, CHAOS_FIRST);
			n = CHAOS_FIRST - start < 8 ? CHAOS_FIRST - start : 8;
			count = 1 + rng_below(&r, n);
			for (i = 0; i < count; i++)
				fds[i] = rng_pct(&r, 80) ?
						 pool[rng_below(&r, NPOOL)] :
						 -1;
			ret = vicdev_msix_set(&A, start, count, fds);
			if (ret)
				failf("set %u+%u: %s", start, count,
				      vicdev_errmsg());
			op_inc(OP_SET);
		} else if (p < 60) {
			start = rng_below(&r, CHAOS_FIRST);
			fds[0] = pool[rng_below(&r, NPOOL)];
			ret = vicdev_msix_set(&A, start, 1, fds);
			if (ret)
				failf("replace %u: %s", start, vicdev_errmsg());
			op_inc(OP_REPLACE);
		} else if (p < 70) {
			start = rng_below(&r, CHAOS_FIRST);
			count = 1 + rng_below(&r, CHAOS_FIRST - start);
			ret = vicdev_msix_unset(&A, start, count);
			if (ret)
				failf("unset %u+%u: %s", start, count,
				      vicdev_errmsg());
			op_inc(OP_UNSET);
		} else if (p < 74) {
			/* -EINVAL only says MSI-X was disabled already */
			ret = vicdev_msix_disable(&A);
			if (ret && errno != EINVAL)
				failf("disable: %s", vicdev_errmsg());
			op_inc(OP_DISABLE);
		} else {
			bool b = rng_pct(&r, 40);

			gen_range(&r, &start, &count);
			n = count;
			if (b) {
				n = 0;
				for (i = 0; i < count; i++) {
					bools[i] = rng_pct(&r, 50);
					n += bools[i];
				}
			}
			ret = vicdev_set_irqs(
				&A, VFIO_PCI_MSIX_IRQ_INDEX,
				(b ? VFIO_IRQ_SET_DATA_BOOL :
				     VFIO_IRQ_SET_DATA_NONE) |
					VFIO_IRQ_SET_ACTION_TRIGGER,
				start, count, b ? bools : NULL, b ? 1 : 0);
			if (ret && errno != EINVAL)
				failf("loopback %u+%u: %s", start, count,
				      vicdev_errmsg());
			if (!ret)
				atomic_fetch_add(&loop_asked, n);
			op_inc(OP_LOOPBACK);
		}
		rd_unlock();
	}
	return NULL;
}

/*
 * Eventfds set on the chaos vectors and closed by user space right away:
 * the vectors keep being raised (generator, hard IRQ; loopback) while the
 * kernel holds the only reference to the eventfd.
 */
static void *t_chaos(void *arg)
{
	struct rng r = rng_init(opt.seed * 1000003 + (uintptr_t)arg);
	int32_t fds[4];
	uint32_t start, count, i;
	int ret;

	while (!atomic_load(&stop)) {
		start = CHAOS_FIRST + rng_below(&r, NVEC - CHAOS_FIRST);
		count = 1 + rng_below(&r, NVEC - start < 4 ? NVEC - start : 4);
		if (vicdev_eventfds(fds, count)) {
			failf("chaos eventfds: %s", vicdev_errmsg());
			break;
		}
		rd_lock();
		ret = vicdev_msix_set(&A, start, count, fds);
		rd_unlock();
		if (ret)
			failf("chaos set %u+%u: %s", start, count,
			      vicdev_errmsg());
		op_inc(OP_CHAOS_SET);
		if (rng_pct(&r, 50))
			nap(rng_below(&r, 2000));
		vicdev_close_fds(fds, count);
		atomic_fetch_add(&ops[OP_CHAOS_CLOSED], count);
		nap(rng_below(&r, 3000));
		if (rng_pct(&r, 30)) {
			rd_lock();
			ret = vicdev_msix_unset(&A, start, count);
			rd_unlock();
			if (ret)
				failf("chaos unset: %s", vicdev_errmsg());
		}
		for (i = 0; i < count; i++)
			fds[i] = -1;
	}
	return NULL;
}

static void *t_door(void *arg)
{
	struct rng r = rng_init(opt.seed * 1000003 + (uintptr_t)arg);
	unsigned int n = 0;
	uint32_t v;
	int ret;

	while (!atomic_load(&stop)) {
		/* bursts, leaving the vCPUs to the other threads between */
		if (!(++n % 64))
			nap(500);
		v = door_vec(&r);
		rd_lock();
		if (v == 0 && rng_pct(&r, 10)) {
			ret = vicdev_cmd(&A);
			op_inc(OP_CMD);
		} else {
			ret = vicdev_doorbell(&A, v);
			op_inc(OP_DOORBELL);
		}
		rd_unlock();
		if (ret)
			failf("doorbell %u: %s", v, vicdev_errmsg());
		else
			atomic_fetch_add_explicit(&rung[v], 1,
						  memory_order_relaxed);
	}
	return NULL;
}

static void *t_gen(void *arg)
{
	struct rng r = rng_init(opt.seed * 1000003 + (uintptr_t)arg);
	static const uint32_t periods[] = { 0, 0, 2000, 20000, 100000 };
	uint32_t first, count, period, ctrl;
	uint64_t total, done;
	int ret;

	while (!atomic_load(&stop)) {
		gen_range(&r, &first, &count);
		period = periods[rng_below(&r, 5)];
		total = 200 + rng_below(&r, period >= 100000 ? 5000 : 30000);
		pthread_mutex_lock(&gen_lock);
		rd_lock();
		ret = vicdev_gen_start(&A, first, count, period, total);
		rd_unlock();
		if (ret) {
			failf("gen start %u+%u: %s", first, count,
			      vicdev_errmsg());
		} else {
			gen.active = true;
			gen.total = total;
			op_inc(OP_GEN_RUN);
		}
		pthread_mutex_unlock(&gen_lock);
		if (ret) {
			nap(10000);
			continue;
		}
		nap(1000 + rng_below(&r, 50000));
		/* stop it early, or wait for it; a RESET may come first */
		for (;;) {
			bool early = rng_pct(&r, 5) || atomic_load(&stop);

			pthread_mutex_lock(&gen_lock);
			if (!gen.active) {
				pthread_mutex_unlock(&gen_lock);
				break;
			}
			rd_lock();
			if (early) {
				ret = vicdev_write32(&A, VIC_MDEV_REG_GEN_CTRL,
						     0);
				op_inc(OP_GEN_STOP);
				ctrl = 0;
			} else {
				ret = vicdev_read32(&A, VIC_MDEV_REG_GEN_CTRL,
						    &ctrl);
			}
			if (!ret && !ctrl)
				ret = vicdev_read64(&A, VIC_MDEV_REG_GEN_DONE,
						    &done);
			rd_unlock();
			if (ret) {
				failf("gen poll: %s", vicdev_errmsg());
				gen.active = false;
			} else if (!ctrl) {
				gen.exact += done;
				gen.active = false;
				if (!early && done != gen.total)
					failf("gen run: GEN_DONE %" PRIu64
					      " of %" PRIu64,
					      done, gen.total);
			}
			pthread_mutex_unlock(&gen_lock);
			if (!ret && !ctrl)
				break;
			nap(2000);
		}
	}
	return NULL;
}

static void *t_cookie(void *arg)
{
	struct rng r = rng_init(opt.seed * 1000003 + (uintptr_t)arg);
	uint32_t v;
	int ret;

	while (!atomic_load(&stop)) {
		v = NR_EMUL + rng_below(&r, NVEC - NR_EMUL);
		/*
		 * COOKIE_SEL then COOKIE: a RESET between them (t_reset, under
		 * gen_lock) sets COOKIE_SEL back to 0, an emulated vector, so
		 * the COOKIE write fails with EINVAL in LAST_ERROR, which is
		 * the device's, not this thread's: a generator start reading
		 * it meanwhile reported it as its own.
		 */
		pthread_mutex_lock(&gen_lock);
		rd_lock();
		ret = vicdev_set_cookie(&A, v, rng_next(&r));
		rd_unlock();
		pthread_mutex_unlock(&gen_lock);
		if (ret)
			failf("cookie %u: %s", v, vicdev_errmsg());
		op_inc(OP_COOKIE);
		nap(100);
	}
	return NULL;
}

static void *t_mask(void *arg)
{
	struct rng r = rng_init(opt.seed * 1000003 + (uintptr_t)arg);
	uint64_t pba;
	uint32_t v, ctl;
	int ret;

	while (!atomic_load(&stop)) {
		v = rng_below(&r, NVEC);
		rd_lock();
		if (rng_pct(&r, 3)) {
			ret = vicdev_function_mask(&A, true);
			rd_unlock();
			nap(rng_below(&r, 2000));
			rd_lock();
			if (!ret)
				ret = vicdev_function_mask(&A, false);
			op_inc(OP_FMASK);
		} else {
			ret = vicdev_mask(&A, v, rng_pct(&r, 50));
			if (!ret)
				ret = vicdev_read64(
					&A, VIC_MDEV_MSIX_PBA_OFFSET, &pba);
			if (!ret)
				ret = vicdev_read32(
					&A,
					VIC_MDEV_MSIX_TABLE_OFFSET + v * 16 +
						VICDEV_MSIX_ENTRY_CTRL,
					&ctl);
			op_inc(OP_MASK);
		}
		rd_unlock();
		if (ret)
			failf("mask %u: %s", v, vicdev_errmsg());
		nap(50);
	}
	return NULL;
}

/* End the generator run, if any, before a RESET or a close. */
static void gen_cut(struct rng *r)
{
	uint64_t done = 0;

	if (!gen.active)
		return;
	rd_lock();
	if (rng_pct(r, 50)) {
		/* stopped first: the run's count is exact */
		if (vicdev_write32(&A, VIC_MDEV_REG_GEN_CTRL, 0) ||
		    vicdev_read64(&A, VIC_MDEV_REG_GEN_DONE, &done))
			failf("gen stop: %s", vicdev_errmsg());
		gen.exact += done;
		op_inc(OP_GEN_STOP);
	} else {
		/* cut short while running: only bounds are known */
		if (vicdev_read64(&A, VIC_MDEV_REG_GEN_DONE, &done))
			failf("gen done: %s", vicdev_errmsg());
		gen.lo += done;
		gen.hi += gen.total;
		gen.interrupted++;
	}
	rd_unlock();
	gen.active = false;
}

static void *t_reset(void *arg)
{
	struct rng r = rng_init(opt.seed * 1000003 + (uintptr_t)arg);
	int ret;

	while (!atomic_load(&stop)) {
		nap(20000 + rng_below(&r, 150000));
		if (atomic_load(&stop))
			break;
		pthread_mutex_lock(&gen_lock);
		gen_cut(&r);
		if (rng_pct(&r, 70)) {
			rd_lock();
			ret = vicdev_reset(&A);
			rd_unlock();
			if (ret)
				failf("reset: %s", vicdev_errmsg());
			op_inc(OP_RESET);
		} else {
			pthread_rwlock_wrlock(&fd_lock);
			vicdev_close_device(&A);
			usleep(rng_below(&r, 3000));
			ret = vicdev_open_device(&A);
			pthread_rwlock_unlock(&fd_lock);
			if (ret) {
				failf("reopen: %s", vicdev_errmsg());
				atomic_store(&stop, 1);
			}
			op_inc(OP_REOPEN);
		}
		pthread_mutex_unlock(&gen_lock);
	}
	return NULL;
}

static void *t_dbg(void *arg)
{
	struct vic_dbg_vec v[NVEC];
	int n;

	(void)arg;
	while (!atomic_load(&stop)) {
		n = vic_dbg_read_vectors(dbg_a, v, NVEC);
		if (n != NVEC)
			failf("debugfs read: %d", n);
		count_lines_with("/proc/interrupts", "vic-ims");
		op_inc(OP_DBG_READ);
		nap(3000);
	}
	return NULL;
}

/* --- other instances: create, drive, close, remove ---------------------- */

struct remover {
	char uuid[VICDEV_UUID_LEN];
	int ret;
	atomic_int finished;
};

static void *remove_thread(void *p)
{
	struct remover *rm = p;

	rm->ret = vicdev_remove(rm->uuid);
	atomic_store(&rm->finished, 1);
	return NULL;
}

static uint64_t take_sum(const int32_t *fds, unsigned int n)
{
	uint64_t c, s = 0;

	while (n--) {
		if (vicdev_eventfd_take(fds[n], &c))
			failf("eventfd read: %s", vicdev_errmsg());
		s += c;
	}
	return s;
}

/* After traffic stopped: conservation, and the eventfds got every delivery */
static void check_instance(int dbg, uint64_t efd_sum, uint64_t raised_want,
			   const char *what)
{
	struct vic_dbg_vec v[NVEC];
	uint64_t raised = 0, delivered = 0;
	int n, i;

	n = vic_dbg_read_vectors(dbg, v, NVEC);
	if (n != NVEC) {
		failf("%s: debugfs: %d", what, n);
		return;
	}
	for (i = 0; i < n; i++) {
		if (v[i].raised != v[i].delivered + v[i].pended + v[i].dropped)
			failf("%s: vector %d: raised %" PRIu64 " != %" PRIu64
			      " + %" PRIu64 " + %" PRIu64,
			      what, i, v[i].raised, v[i].delivered, v[i].pended,
			      v[i].dropped);
		raised += v[i].raised;
		delivered += v[i].delivered;
	}
	if (efd_sum != delivered)
		failf("%s: eventfds %" PRIu64 " != delivered %" PRIu64, what,
		      efd_sum, delivered);
	if (raised_want && raised != raised_want)
		failf("%s: raised %" PRIu64 ", want %" PRIu64, what, raised,
		      raised_want);
}

static void instance_round(struct rng *r)
{
	struct remover rm = { .ret = -1 };
	int32_t fds[NVEC], req = -1;
	struct vicdev b;
	uint64_t sum, done = 0, c;
	pthread_t t;
	int dbg, mode, ret, i;
	uint32_t v;

	if (vicdev_create(rm.uuid)) {
		failf("create: %s", vicdev_errmsg());
		nap(100000);
		return;
	}
	if (vicdev_open(&b, rm.uuid)) {
		failf("open: %s", vicdev_errmsg());
		vicdev_remove(rm.uuid);
		return;
	}
	dbg = vic_dbg_find(rm.uuid);
	if (dbg < 0 || vicdev_eventfds(fds, NVEC)) {
		failf("instance setup: dbg %d", dbg);
		vicdev_close(&b);
		vicdev_remove(rm.uuid);
		return;
	}
	if (vicdev_msix_set(&b, 0, NVEC, fds))
		failf("instance set: %s", vicdev_errmsg());
	for (v = 0; v < NVEC; v++)
		vicdev_doorbell(&b, v);
	for (v = 0; v < NVEC; v++) {
		if (vicdev_eventfd_take(fds[v], &c) || c != 1)
			failf("instance doorbell %u: %" PRIu64 " signals", v,
			      c);
	}
	mode = rng_below(r, 4);
	switch (mode) {
	case 0: /* a run to completion */
		ret = vicdev_gen_start(&b, 0, NVEC, 0, 5000);
		if (!ret)
			ret = vicdev_gen_wait(&b, 60000);
		if (!ret)
			ret = vicdev_read64(&b, VIC_MDEV_REG_GEN_DONE, &done);
		if (ret || done != 5000)
			failf("instance gen: %s (done %" PRIu64 ")",
			      vicdev_errmsg(), done);
		vicdev_close(&b);
		check_instance(dbg, take_sum(fds, NVEC) + NVEC, done + NVEC,
			       "instance run");
		break;
	case 1: /* closed mid-traffic */
		vicdev_gen_start(&b, 0, NVEC, 0, 1ull << 40);
		nap(1000 + rng_below(r, 20000));
		vicdev_close(&b);
		check_instance(dbg, take_sum(fds, NVEC) + NVEC, 0,
			       "instance closed mid-run");
		op_inc(OP_INST_CLOSE_MID);
		break;
	case 2: /* RESET mid-traffic, then it works again */
		vicdev_gen_start(&b, 0, NVEC, 0, 1ull << 40);
		nap(1000 + rng_below(r, 20000));
		if (vicdev_reset(&b))
			failf("instance reset: %s", vicdev_errmsg());
		take_sum(fds, NVEC);
		if (vicdev_msix_set(&b, 0, NVEC, fds))
			failf("instance set again: %s", vicdev_errmsg());
		for (v = 0; v < NVEC; v++)
			vicdev_doorbell(&b, v);
		sum = take_sum(fds, NVEC);
		if (sum != NVEC)
			failf("instance after RESET: %" PRIu64 " signals", sum);
		vicdev_close(&b);
		op_inc(OP_INST_RESET_MID);
		break;
	default: /* removed while open: REQ, completes on close */
		req = vicdev_eventfd();
		if (vicdev_req_set(&b, req))
			failf("instance REQ: %s", vicdev_errmsg());
		vicdev_gen_start(&b, 0, NVEC, 20000, 1ull << 40);
		pthread_create(&t, NULL, remove_thread, &rm);
		if (vicdev_eventfd_wait(req, 20000, &c))
			failf("instance REQ not signalled: %s",
			      vicdev_errmsg());
		vicdev_close(&b);
		for (i = 0; i < 2000 && !atomic_load(&rm.finished); i++)
			usleep(10000);
		if (!atomic_load(&rm.finished))
			failf("removal of an open instance did not complete");
		pthread_join(t, NULL);
		if (rm.ret)
			failf("removal while open: %d", rm.ret);
		close(req);
		op_inc(OP_INST_REMOVE_OPEN);
		break;
	}
	if (mode != 3 && vicdev_remove(rm.uuid))
		failf("remove: %s", vicdev_errmsg());
	if (vic_dbg_find(rm.uuid) != -ENOENT)
		failf("instance %s: vic context still there", rm.uuid);
	vicdev_close_fds(fds, NVEC);
	op_inc(OP_INST);
}

static void *t_life(void *arg)
{
	struct rng r = rng_init(opt.seed * 1000003 + (uintptr_t)arg);

	while (!atomic_load(&stop))
		instance_round(&r);
	return NULL;
}

/* --- checks -------------------------------------------------------------- */

#define HIST_RAISE "hist:keys=dev,vector:vals=hitcount:size=4096"
#define HIST_DELIVER "hist:keys=dev,vector,status:vals=hitcount:size=8192"
#define HIST_RELEASE \
	"hist:keys=dev,vector:vals=hitcount:size=4096 if status == 3 && trigger != 0"

static bool hists_on;

static void hists(bool on)
{
	if (on) {
		/* a previous run's triggers, if it was killed */
		hists(false);
		hists_on = !hist_trigger("vic_raise", HIST_RAISE, true) &&
			   !hist_trigger("vic_deliver", HIST_DELIVER, true) &&
			   !hist_trigger("vic_deliver", HIST_RELEASE, true);
		return;
	}
	hist_trigger("vic_raise", HIST_RAISE, false);
	hist_trigger("vic_deliver", HIST_DELIVER, false);
	hist_trigger("vic_deliver", HIST_RELEASE, false);
}

struct tp_counts {
	uint64_t raised, st[4], released_sig;
};

static int read_hists(struct tp_counts *tp)
{
	static struct hist_ent e[8192];
	uint64_t dropped, total_dropped = 0;
	int n, i;

	memset(tp, 0, sizeof(*tp) * NVEC);
	n = hist_read("vic_raise", "keys=dev,vector:vals", e, 8192, &dropped);
	if (n < 0)
		return n;
	total_dropped += dropped;
	for (i = 0; i < n && i < 8192; i++)
		if (e[i].dev == (uint32_t)dbg_a && e[i].vector < NVEC)
			tp[e[i].vector].raised += e[i].hits;
	n = hist_read("vic_deliver", "keys=dev,vector,status", e, 8192,
		      &dropped);
	if (n < 0)
		return n;
	total_dropped += dropped;
	for (i = 0; i < n && i < 8192; i++)
		if (e[i].dev == (uint32_t)dbg_a && e[i].vector < NVEC &&
		    e[i].status < 4)
			tp[e[i].vector].st[e[i].status] += e[i].hits;
	n = hist_read("vic_deliver", "status == 3", e, 8192, &dropped);
	if (n < 0)
		return n;
	total_dropped += dropped;
	for (i = 0; i < n && i < 8192; i++)
		if (e[i].dev == (uint32_t)dbg_a && e[i].vector < NVEC)
			tp[e[i].vector].released_sig += e[i].hits;
	return total_dropped ? -EOVERFLOW : 0;
}

static void final_checks(double secs)
{
	static struct tp_counts tp[NVEC];
	struct vic_dbg_vec v[NVEC];
	uint64_t raised = 0, delivered = 0, pended = 0, dropped = 0;
	uint64_t pool_sum = 0, pool_deliv = 0, released = 0, released_all = 0;
	uint64_t door_raised = 0, door_rung = 0, gen_raised = 0, c;
	unsigned long long total_ops = 0;
	int n, i, bad = 0, tpbad = 0, doorbad = 0, ret;

	n = vic_dbg_read_vectors(dbg_a, v, NVEC);
	tap_is(n, NVEC, "debugfs lists A's %d vectors", NVEC);
	for (i = 0; i < n; i++) {
		if (v[i].raised !=
		    v[i].delivered + v[i].pended + v[i].dropped) {
			tap_diag("vector %d: raised %" PRIu64
				 " delivered %" PRIu64 " pended %" PRIu64
				 " dropped %" PRIu64,
				 i, v[i].raised, v[i].delivered, v[i].pended,
				 v[i].dropped);
			bad++;
		}
		raised += v[i].raised;
		delivered += v[i].delivered;
		pended += v[i].pended;
		dropped += v[i].dropped;
		if (is_door(i)) {
			door_raised += v[i].raised;
			door_rung += atomic_load(&rung[i]);
			if (v[i].raised != atomic_load(&rung[i])) {
				tap_diag("doorbell vector %d: raised %" PRIu64
					 ", rung %llu",
					 i, v[i].raised,
					 (unsigned long long)atomic_load(
						 &rung[i]));
				doorbad++;
			}
		} else {
			gen_raised += v[i].raised;
		}
	}
	tap_ok(!bad && raised,
	       "every vector: raised == delivered + pended + dropped");
	tap_diag("raises %" PRIu64 " = delivered %" PRIu64 " + pended %" PRIu64
		 " + dropped %" PRIu64,
		 raised, delivered, pended, dropped);

	/*
	 * Without the histograms (no hist triggers, or entries dropped) the
	 * cross-checks cannot be made: that fails them, it does not skip.
	 */
	ret = hists_on ? read_hists(tp) : -ENOENT;
	if (ret) {
		tap_ok(0,
		       "every vector: debugfs == vic_raise/vic_deliver tracepoint counts: no tracefs histograms (%s)",
		       strerror(-ret));
		tap_ok(0,
		       "eventfds of vectors 0..%d: sum == delivered + released on unmask: no tracefs histograms",
		       CHAOS_FIRST - 1);
	} else {
		for (i = 0; i < NVEC; i++) {
			if (tp[i].raised != v[i].raised ||
			    tp[i].st[0] != v[i].delivered ||
			    tp[i].st[1] != v[i].pended ||
			    tp[i].st[2] != v[i].dropped) {
				tap_diag(
					"vector %d: tracepoints raised %" PRIu64
					" %" PRIu64 "/%" PRIu64 "/%" PRIu64,
					i, tp[i].raised, tp[i].st[0],
					tp[i].st[1], tp[i].st[2]);
				tpbad++;
			}
			released_all += tp[i].st[3];
			if (i < CHAOS_FIRST) {
				pool_deliv += v[i].delivered;
				released += tp[i].released_sig;
			}
		}
		tap_ok(!tpbad,
		       "every vector: debugfs == vic_raise/vic_deliver tracepoint counts");
		for (i = 0; i < NPOOL; i++) {
			if (vicdev_eventfd_take(pool[i], &c))
				tap_bail("reading the eventfds");
			pool_sum += c;
		}
		tap_is(pool_sum, pool_deliv + released,
		       "eventfds of vectors 0..%d: sum == delivered + released on unmask",
		       CHAOS_FIRST - 1);
		tap_diag("eventfd signals %" PRIu64 " = delivered %" PRIu64
			 " + released %" PRIu64
			 " (releases on all vectors: %" PRIu64 ")",
			 pool_sum, pool_deliv, released, released_all);
	}

	tap_ok(!doorbad, "doorbell vectors: raised == DOORBELL + CMD writes");
	tap_diag("doorbell vectors: %" PRIu64 " raises, %" PRIu64 " writes",
		 door_raised, door_rung);
	tap_ok(gen_raised >= gen.exact + gen.lo &&
		       gen_raised <=
			       gen.exact + gen.hi + atomic_load(&loop_asked),
	       "generator vectors: raises within what the runs explain");
	tap_diag("generator vectors: %" PRIu64 " raises; runs: %" PRIu64
		 " exact, %lu cut short by RESET/close (%" PRIu64 "..%" PRIu64
		 "), loopback at most %llu",
		 gen_raised, gen.exact, gen.interrupted, gen.lo, gen.hi,
		 (unsigned long long)atomic_load(&loop_asked));

	for (i = 0; i < OP_MAX; i++) {
		tap_diag("%-36s %llu", op_name[i],
			 (unsigned long long)atomic_load(&ops[i]));
		total_ops += atomic_load(&ops[i]);
	}
	tap_diag("vic-stress: seed %" PRIu64 " seconds %.1f operations %llu "
		 "raises %" PRIu64 " conserved %s instances %llu",
		 opt.seed, secs, total_ops, raised, bad ? "no" : "yes",
		 (unsigned long long)atomic_load(&ops[OP_INST]));
}

/* After the storm: the device still delivers exactly. */
static void check_works(void)
{
	int32_t fds[NVEC];
	uint64_t c;
	uint32_t v;
	int good = 1;

	tap_is(vicdev_reset(&A), 0, "RESET after the storm");
	if (vicdev_eventfds(fds, NVEC))
		tap_bail("eventfds");
	tap_is(vicdev_msix_set(&A, 0, NVEC, fds), 0,
	       "after the storm: set all %d triggers", NVEC);
	for (v = 0; v < NVEC; v++) {
		vicdev_doorbell(&A, v);
		vicdev_doorbell(&A, v);
	}
	for (v = 0; v < NVEC; v++) {
		if (vicdev_eventfd_take(fds[v], &c) || c != 2) {
			tap_diag("vector %u: %" PRIu64 " signals, want 2", v,
				 c);
			good = 0;
		}
	}
	tap_ok(good, "after the storm: two doorbells signal each vector twice");
	vicdev_close_fds(fds, NVEC);
}

static void usage(void)
{
	fprintf(stderr,
		"usage: vic-stress [--seconds N] [--seed S] [--no-lifecycle] [--no-unload]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "seconds", required_argument, NULL, 't' },
		{ "seed", required_argument, NULL, 's' },
		{ "no-lifecycle", no_argument, NULL, 'L' },
		{ "no-unload", no_argument, NULL, 'U' },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	void *(*fn[])(void *) = { t_irqs,   t_chaos, t_door,  t_door, t_gen,
				  t_cookie, t_mask,  t_reset, t_dbg,  t_life };
	pthread_t th[sizeof(fn) / sizeof(fn[0])];
	pthread_rwlockattr_t ra;
	uint64_t t0, now, last;
	int avail, c, i, nth;

	while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (c) {
		case 't':
			opt.seconds = parse_u64("--seconds", optarg);
			break;
		case 's':
			opt.seed = parse_u64("--seed", optarg);
			break;
		case 'L':
			opt.lifecycle = false;
			break;
		case 'U':
			opt.unload = false;
			break;
		default:
			usage();
		}
	}
	if (optind != argc)
		usage();
	if (geteuid()) {
		printf("1..0 # SKIP needs root (run in the test VM)\n");
		return 77;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);

	if (vicdev_load("nvec=64 nr_emulated=8"))
		tap_bail("loading the modules");
	tap_diag("vic-stress: seed %" PRIu64 ", %u s, %d vectors (%d emulated)",
		 opt.seed, opt.seconds, NVEC, NR_EMUL);
	avail = vicdev_available();
	hists(true);
	if (!hists_on)
		tap_diag(
			"tracefs hist triggers unavailable: the tracepoint cross-checks will fail");
	if (vicdev_create(uuid_a) || vicdev_open(&A, uuid_a))
		tap_bail("creating instance A");
	dbg_a = vic_dbg_find(uuid_a);
	if (dbg_a < 0 || vicdev_eventfds(pool, NPOOL))
		tap_bail("instance A's debugfs entry and eventfds");

	pthread_rwlockattr_init(&ra);
	pthread_rwlockattr_setkind_np(
		&ra, PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
	pthread_rwlock_init(&fd_lock, &ra);

	nth = sizeof(fn) / sizeof(fn[0]) - !opt.lifecycle;
	t0 = last = vicdev_now_ns();
	for (i = 0; i < nth; i++)
		if (pthread_create(&th[i], NULL, fn[i], (void *)(uintptr_t)i))
			tap_bail("pthread_create");
	while (!atomic_load(&stop)) {
		usleep(200000);
		now = vicdev_now_ns();
		if (now - t0 >= (uint64_t)opt.seconds * 1000000000ull)
			break;
		if (now - last >= 10000000000ull) {
			last = now;
			tap_diag(
				"%3" PRIu64
				" s: %llu doorbells, %llu SET_IRQS, %llu instances",
				(uint64_t)((now - t0) / 1000000000ull),
				(unsigned long long)atomic_load(
					&ops[OP_DOORBELL]),
				(unsigned long long)(atomic_load(&ops[OP_SET]) +
						     atomic_load(
							     &ops[OP_REPLACE]) +
						     atomic_load(
							     &ops[OP_UNSET])),
				(unsigned long long)atomic_load(&ops[OP_INST]));
		}
	}
	atomic_store(&stop, 1);
	for (i = 0; i < nth; i++)
		pthread_join(th[i], NULL);
	now = vicdev_now_ns();

	/* the last run, if one is left */
	pthread_mutex_lock(&gen_lock);
	if (gen.active) {
		uint64_t done = 0;

		if (vicdev_write32(&A, VIC_MDEV_REG_GEN_CTRL, 0) ||
		    vicdev_read64(&A, VIC_MDEV_REG_GEN_DONE, &done))
			tap_bail("stopping the generator");
		gen.exact += done;
		gen.active = false;
	}
	pthread_mutex_unlock(&gen_lock);

	tap_is(atomic_load(&failures), 0,
	       "no unexpected result in %u s of concurrent operations",
	       opt.seconds);
	for (i = 0; i < (int)nerrmsgs; i++)
		tap_diag("unexpected: %s", errmsgs[i]);
	final_checks((now - t0) / 1e9);
	check_works();

	vicdev_close(&A);
	tap_is(vicdev_remove(uuid_a), 0, "instance A removed");
	vicdev_close_fds(pool, NPOOL);
	hists(false);
	tap_is(count_lines_with("/proc/interrupts", "vic-ims"), 0,
	       "no IMS Linux IRQ left");
	tap_is(count_dir(VIC_DEBUGFS_ROOT), 0,
	       "no vic context left in debugfs");
	tap_is(vicdev_available(), avail, "available_instances back to %d",
	       avail);
	if (opt.unload) {
		tap_is(vicdev_unload(), 0, "vic_mdev unloads");
		tap_is(syscall(SYS_delete_module, "vic_msix", O_NONBLOCK), 0,
		       "vic_msix unloads");
		tap_is(syscall(SYS_delete_module, "vic", O_NONBLOCK), 0,
		       "vic unloads");
	}
	return tap_done();
}
