// SPDX-License-Identifier: GPL-2.0-only
/*
 * vic-test-timeout: 900
 *
 * The bpftrace kit (the scripts in tools/bpftrace): each script runs against the
 * workload of bpftrace_common.h, whose counts are exact, and its output must
 * show those counts under the keys the workload implies.
 */
#include "bpftrace_common.h"

static int dev;
static pid_t self;

/* Run @script (with a duration that only bounds a run gone wrong) around
 * the workload; @want: tracepoints and kprobes it attaches.
 */
static int run_script(struct bt_run *r, const char *script, int want)
{
	char path[512];
	char *argv[] = { path, "300", NULL };
	struct wl_result res;
	int rc;

	memset(r, 0, sizeof(*r));
	r->fd = -1;
	snprintf(path, sizeof(path), "%s/tools/bpftrace/%s",
		 getenv("VIC_ROOT") ?: ".", script);
	if (!tap_ok(!access(path, X_OK), "%s is executable", script))
		return 0;
	if (bt_spawn(r, argv))
		return 0;
	if (!tap_ok(bt_wait_attached(r, want), "%s attached its %d probes",
		    script, want)) {
		kill(r->pid, SIGKILL);
		bt_reap(r, BT_STOP_MS);
		bt_show(r);
		return 0;
	}
	res = wl_run();
	dev = res.dev;
	tap_ok(res.ok, "%s: the workload ran as planned", script);
	rc = bt_stop(r);
	tap_is(rc, 0, "%s exits 0 on SIGINT", script);
	tap_ok(!strstr(r->out, "WARNING: ") && !strstr(r->out, "ERROR: "),
	       "%s: no warning or error", script);
	tap_diag("%s output:", script);
	bt_show(r);
	return 1;
}

static void test_vicsig(void)
{
	static const struct {
		int vec;
		long long raised, delivered, pended, dropped, released;
	} want[] = {
		{ 0, WL_SIG0, WL_SIG0, -1, -1, -1 },
		{ 1, WL_RAISE1 + WL_PEND1, WL_RAISE1, WL_PEND1, -1, 1 },
		{ 2, WL_RAISE2, WL_RAISE2, -1, -1, -1 },
		{ 3, WL_TIMER3, WL_TIMER3, -1, -1, -1 },
		{ 4, -1, -1, -1, -1, -1 },
		{ 5, WL_DROP5, -1, -1, WL_DROP5, -1 },
	};
	struct bt_run r;
	unsigned int i;
	long long rate, rates = 0;

	if (!run_script(&r, "vicsig.bt", 2))
		goto out;
	tap_ok(strstr(r.out, "Tracing vic raises") != NULL, "vicsig: banner");
	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		int v = want[i].vec;

		tap_is(bt_mapf(&r, "@raised[%d, %d]", dev, v), want[i].raised,
		       "vicsig: @raised[dev, %d]", v);
		tap_is(bt_mapf(&r, "@delivered[%d, %d]", dev, v),
		       want[i].delivered, "vicsig: @delivered[dev, %d]", v);
		tap_is(bt_mapf(&r, "@pended[%d, %d]", dev, v), want[i].pended,
		       "vicsig: @pended[dev, %d]", v);
		tap_is(bt_mapf(&r, "@dropped[%d, %d]", dev, v), want[i].dropped,
		       "vicsig: @dropped[dev, %d]", v);
		tap_is(bt_mapf(&r, "@released[%d, %d]", dev, v),
		       want[i].released, "vicsig: @released[dev, %d]", v);
		/*
		 * Per-second lines plus the last partial second: the raises,
		 * less those that land between a print and its clear, which
		 * may be all of a vector's (its raises come in one burst).
		 */
		rate = bt_mapf(&r, "@rate[%d, %d]", dev, v);
		tap_ok(want[i].raised < 0 ? rate < 0 : rate <= want[i].raised,
		       "vicsig: @rate[dev, %d] adds up to at most the raises (%lld)",
		       v, rate);
		rates += rate > 0 ? rate : 0;
	}
	tap_ok(rates > 0, "vicsig: @rate shows raises (%lld)", rates);
	tap_ok(bt_lines(&r, "raises/s per [dev, vector]:") >= 1,
	       "vicsig: prints the rate every second");
out:
	bt_free(&r);
}

static void test_viclat(void)
{
	struct bt_run r;
	long long emul, backed;

	if (!run_script(&r, "viclat.bt", 5))
		goto out;
	/*
	 * One sample per delivered raise, but for the probes the kernel did
	 * not run: a raise from hard IRQ in the middle of one of the script's
	 * programs on that CPU (on RT, the irq_work thread runs them for the
	 * deferred deliveries) is skipped and counted as a recursion miss.
	 * Each miss loses at most one sample.
	 */
	emul = bt_hist(&r, "@ns[emulated]");
	backed = bt_hist(&r, "@ns[backed]");
	tap_diag("viclat: recursion misses of its programs: %lld", r.misses);
	tap_ok(r.misses >= 0, "viclat: its programs' recursion misses read");
	tap_ok(emul + backed <= WL_DELIVERED &&
		       WL_DELIVERED - emul - backed <= r.misses,
	       "viclat: one sample per delivered raise, less one per miss at most (%lld + %lld of %d, %lld misses)",
	       emul, backed, WL_DELIVERED, r.misses);
	tap_ok(emul <= WL_SIG0 + WL_RAISE1 && backed <= WL_RAISE2 + WL_TIMER3,
	       "viclat: %lld emulated (of %d), %lld backed (of %d)", emul,
	       WL_SIG0 + WL_RAISE1, backed, WL_RAISE2 + WL_TIMER3);
	tap_is(bt_map(&r, "@outcome[1]"), WL_PEND1, "viclat: pended raises");
	tap_is(bt_map(&r, "@outcome[2]"), WL_DROP5, "viclat: dropped raises");
	tap_ok(!strstr(r.out, "@start") && !strstr(r.out, "@trig") &&
		       !strstr(r.out, "@dstart") && !strstr(r.out, "@demul") &&
		       !strstr(r.out, "@run"),
	       "viclat: no state maps left in the output");
out:
	bt_free(&r);
}

static void test_vicalloc(void)
{
	struct bt_run r;

	if (!run_script(&r, "vicalloc.bt", 5))
		goto out;
	tap_is(bt_lines(&r, "ALLOC"), 5, "vicalloc: 5 ALLOC lines");
	tap_is(bt_linesf(&r, "ALLOC %d 2 0x1234 0", dev), 1,
	       "vicalloc: vector 2 allocated with cookie 0x1234");
	tap_is(bt_linesf(&r, "ALLOC %d 3 0x0 0", dev), 1,
	       "vicalloc: vector 3 allocated with the default cookie");
	tap_is(bt_linesf(&r, "ALLOC %d 6 0x0 0 -28", dev), 1,
	       "vicalloc: vector 6's allocation failed with -ENOSPC");
	tap_is(bt_linesf(&r, "COOKIE %d", dev), 2, "vicalloc: 2 COOKIE lines");
	tap_is(bt_linesf(&r, "COOKIE %d 0 0x1234 - -22", dev), 1,
	       "vicalloc: the emulated vector's cookie was refused");
	tap_is(bt_lines(&r, "FREE"), 4, "vicalloc: 4 FREE lines");
	tap_is(bt_hist(&r, "@alloc_ns"), 5, "vicalloc: @alloc_ns has 5");
	tap_is(bt_hist(&r, "@cookie_ns"), 2, "vicalloc: @cookie_ns has 2");
	tap_is(bt_map(&r, "@alloc_ret[0]"), 4, "vicalloc: @alloc_ret[0]");
	tap_is(bt_map(&r, "@alloc_ret[-28]"), 1, "vicalloc: @alloc_ret[-28]");
	tap_is(bt_map(&r, "@cookie_ret[0]"), 1, "vicalloc: @cookie_ret[0]");
	tap_is(bt_map(&r, "@cookie_ret[-22]"), 1, "vicalloc: @cookie_ret[-22]");
	tap_is(bt_map(&r, "@irq_free"), 4, "vicalloc: @irq_free");
out:
	bt_free(&r);
}

static void test_vicmask(void)
{
	struct bt_run r;

	if (!run_script(&r, "vicmask.bt", 2))
		goto out;
	tap_is(bt_linesf(&r, "%d 1 MASK " BT_COMM, dev), 1,
	       "vicmask: vector 1 masked, by " BT_COMM);
	tap_is(bt_linesf(&r, "%d 1 UNMASK " BT_COMM, dev), 1,
	       "vicmask: vector 1 unmasked, by " BT_COMM);
	tap_is(bt_linesf(&r, "%d 1 PENDED " BT_COMM, dev), WL_PEND1,
	       "vicmask: vector 1 pended %d times", WL_PEND1);
	tap_is(bt_linesf(&r, "%d 5 DROPPED " BT_COMM, dev), WL_DROP5,
	       "vicmask: vector 5 dropped %d times", WL_DROP5);
	tap_is(bt_linesf(&r, "%d 1 RELEASED " BT_COMM, dev), 1,
	       "vicmask: vector 1 released once");
	tap_is(bt_lines(&r, "PENDED") + bt_lines(&r, "DROPPED") +
		       bt_lines(&r, "RELEASED") + bt_lines(&r, "MASK") +
		       bt_lines(&r, "UNMASK"),
	       WL_PEND1 + WL_DROP5 + 3, "vicmask: no other event lines");
	tap_is(bt_mapf(&r, "@events[%d, 1, MASK]", dev), 1,
	       "vicmask: @events[dev, 1, MASK]");
	tap_is(bt_mapf(&r, "@events[%d, 1, UNMASK]", dev), 1,
	       "vicmask: @events[dev, 1, UNMASK]");
	tap_is(bt_mapf(&r, "@events[%d, 1, PENDED]", dev), WL_PEND1,
	       "vicmask: @events[dev, 1, PENDED]");
	tap_is(bt_mapf(&r, "@events[%d, 5, DROPPED]", dev), WL_DROP5,
	       "vicmask: @events[dev, 5, DROPPED]");
	tap_is(bt_mapf(&r, "@events[%d, 1, RELEASED]", dev), 1,
	       "vicmask: @events[dev, 1, RELEASED]");
out:
	bt_free(&r);
}

static void test_victrig(void)
{
	static const struct {
		const char *data;
		int ret;
	} calls[] = {
		{ "EVENTFD", 0 },	{ "EVENTFD", -EBADF },
		{ "EVENTFD", -EINVAL }, { "?", -EINVAL },
		{ "EVENTFD", -ENOSPC }, { "NONE", 0 },
	};
	struct bt_run r;
	unsigned int i;

	if (!run_script(&r, "victrig.bt", 2))
		goto out;
	/* Set: 0-3, then 4-5 before the ENOSPC unwind; unset: 4-5 (unwind),
	 * 0-3 (disable).
	 */
	tap_is(bt_linesf(&r, "%d " BT_COMM " TRIGGER %d set", self, dev), 6,
	       "victrig: 6 triggers set by " BT_COMM);
	tap_is(bt_linesf(&r, "%d " BT_COMM " TRIGGER %d unset", self, dev), 6,
	       "victrig: 6 triggers unset by " BT_COMM);
	tap_is(bt_linesf(&r, "%d " BT_COMM " TRIGGER %d 2 set", self, dev), 1,
	       "victrig: vector 2's trigger set once");
	tap_is(bt_linesf(&r, "%d " BT_COMM " SET_IRQS", self), 6,
	       "victrig: 6 SET_IRQS lines");
	tap_is(bt_linesf(&r,
			 "%d " BT_COMM " SET_IRQS %d 4 4 EVENTFD|TRIGGER -28",
			 self, dev),
	       1, "victrig: the ENOSPC call, with its flags, start and count");
	tap_is(bt_mapf(&r, "@triggers[" BT_COMM ", %d, %d, set]", self, dev), 6,
	       "victrig: @triggers[comm, pid, dev, set]");
	tap_is(bt_mapf(&r, "@triggers[" BT_COMM ", %d, %d, unset]", self, dev),
	       6, "victrig: @triggers[comm, pid, dev, unset]");
	for (i = 0; i < sizeof(calls) / sizeof(calls[0]); i++)
		tap_is(bt_mapf(&r,
			       "@set_irqs[" BT_COMM ", %d, %s, TRIGGER, %d]",
			       self, calls[i].data, calls[i].ret),
		       1, "victrig: @set_irqs[comm, pid, %s, TRIGGER, %d]",
		       calls[i].data, calls[i].ret);
out:
	bt_free(&r);
}

static void test_vicerr(void)
{
	struct bt_run r;

	if (!run_script(&r, "vicerr.bt", 3))
		goto out;
	tap_is(bt_map(&r, "@set_irqs_calls"), 6, "vicerr: @set_irqs_calls");
	tap_is(bt_map(&r, "@set_irqs_errors[EBADF, 9]"), 1,
	       "vicerr: @set_irqs_errors[EBADF, 9]");
	tap_is(bt_map(&r, "@set_irqs_errors[EINVAL, 22]"), 2,
	       "vicerr: @set_irqs_errors[EINVAL, 22]");
	tap_is(bt_map(&r, "@set_irqs_errors[ENOSPC, 28]"), 1,
	       "vicerr: @set_irqs_errors[ENOSPC, 28]");
	tap_is(bt_map(&r, "@irq_alloc_errors[ENOSPC, 28]"), 1,
	       "vicerr: @irq_alloc_errors[ENOSPC, 28]");
	tap_is(bt_linesf(&r, "%d " BT_COMM " SET_IRQS %d 0x24 4 1 EBADF (9)",
			 self, dev),
	       1, "vicerr: the EBADF call's line");
	tap_is(bt_linesf(&r, "%d " BT_COMM " IRQ_ALLOC %d - 6 - ENOSPC (28)",
			 self, dev),
	       1, "vicerr: the failed allocation's line, vector 6");
	tap_is(bt_linesf(&r, "%d " BT_COMM " SET_IRQS", self), 4,
	       "vicerr: 4 SET_IRQS error lines");
out:
	bt_free(&r);
}

static void test_viceventfd(void)
{
	struct bt_run r;

	if (!run_script(&r, "viceventfd.bt", 2))
		goto out;
	tap_is(bt_map(&r, "@signals[vic]"), WL_VIC_SIGNALS,
	       "viceventfd: @signals[vic]: delivered raises and 1 release");
	tap_ok(bt_map(&r, "@signals[other]") >= WL_AIO,
	       "viceventfd: @signals[other] has at least the %d AIO ones",
	       WL_AIO);
	tap_is(bt_mapf(&r, "@vic[%d, 0]", dev), WL_SIG0,
	       "viceventfd: vector 0");
	tap_is(bt_mapf(&r, "@vic[%d, 1]", dev), WL_RAISE1 + 1,
	       "viceventfd: vector 1");
	tap_is(bt_mapf(&r, "@vic[%d, 2]", dev), WL_RAISE2,
	       "viceventfd: vector 2");
	tap_is(bt_mapf(&r, "@vic[%d, 3]", dev), WL_TIMER3,
	       "viceventfd: vector 3");
	tap_is(bt_map(&r, "@other[" BT_COMM ", aio_complete]"), WL_AIO,
	       "viceventfd: @other[" BT_COMM ", aio_complete]");
out:
	bt_free(&r);
}

/* A duration bounds a script: it exits by itself, 0, with its summary. */
static void test_duration(void)
{
	char path[512];
	char *argv[] = { path, "2", NULL };
	struct bt_run r;
	long long t;
	int rc;

	snprintf(path, sizeof(path), "%s/tools/bpftrace/vicsig.bt",
		 getenv("VIC_ROOT") ?: ".");
	if (bt_spawn(&r, argv))
		return;
	if (!bt_wait_output(&r, "Attaching ", BT_START_MS)) {
		tap_ok(0, "vicsig.bt 2 starts");
		kill(r.pid, SIGKILL);
	}
	t = bt_now_ms();
	rc = bt_reap(&r, 30000);
	tap_is(rc, 0, "vicsig.bt 2 exits by itself, 0");
	tap_ok(bt_now_ms() - t < 30000, "... within 30 s (took %lld ms)",
	       bt_now_ms() - t);
	tap_ok(strstr(r.out, "totals per [dev, vector]") != NULL,
	       "... after printing its summary");
	bt_free(&r);
}

int main(void)
{
	bt_require();
	wl_setup();
	self = getpid();

	test_vicsig();
	test_viclat();
	test_vicalloc();
	test_vicmask();
	test_victrig();
	test_vicerr();
	test_viceventfd();
	test_duration();
	return tap_done();
}
