// SPDX-License-Identifier: GPL-2.0-only
/*
 * Raises from hard IRQ (vic_test's hrtimer) on emulated vectors. Where the
 * eventfd cannot be signalled there (PREEMPT_RT, and a kernel that checks
 * lock nesting as RT would), the core counts the raise at once and defers
 * its delivery to an irq_work; elsewhere it delivers at once. Either way
 * every raise is counted once and ends once as delivered, pended or
 * dropped, by the vector's state when the delivery runs: checked against
 * the eventfds and the stats file, whose `deferred` counts the deferred
 * raises (all of the timer's, or none, by the kernel's configuration).
 * Raises from process context are never deferred. The vic_defer and
 * vic_defer_run events of a deferred raise carry its vector's deferral
 * sequence number, the same in both, one per deferred raise, in order,
 * and the defer first. A context released
 * while the timer raises must flush what waits (KASAN on the debug kernel
 * would see a late delivery).
 */
#include "../lib/kconfig.h"
#include "../lib/tap.h"
#include "../lib/stats.h"
#include "../lib/vt.h"

#define NVEC 4

static int dev_fd, dev_id;
static int32_t efd[NVEC];
static struct vic_stats_file sf;
static int defers;

static struct vic_stats_vector rec(unsigned int v)
{
	return vt_stats_rec(&sf, v);
}

/* @count raises of @vector from the hrtimer, @burst per 50 us; waits. */
static uint64_t timer_raise(int fd, uint32_t vector, uint64_t count,
			    uint32_t burst)
{
	struct vic_test_timer t = {
		.vector = vector,
		.count = count,
		.period_ns = 50000,
		.burst = burst,
	};
	uint64_t done = 0;

	if (ioctl(fd, VIC_TEST_TIMER_START, &t))
		tap_bail("start the hrtimer");
	if (ioctl(fd, VIC_TEST_TIMER_WAIT, &done))
		tap_bail("wait for the hrtimer");
	return done;
}

static void test_delivered(void)
{
	struct vic_stats_vector r = rec(0);
	uint64_t done;

	tap_ok(!r.raised && !r.deferred, "vector 0 starts at 0");
	done = timer_raise(dev_fd, 0, 2000, 50);
	tap_is(done, 2000, "the hrtimer made 2000 raises of vector 0");
	r = rec(0);
	tap_is(efd_take(efd[0]), 2000,
	       "TIMER_WAIT returned with all 2000 signalled on the eventfd");
	tap_ok(r.raised == 2000 && r.delivered == 2000 && !r.pended &&
		       !r.dropped,
	       "raised 2000 = delivered 2000 (%llu, %llu, pended %llu, "
	       "dropped %llu)",
	       (unsigned long long)r.raised, (unsigned long long)r.delivered,
	       (unsigned long long)r.pended, (unsigned long long)r.dropped);
	tap_is(r.deferred, defers ? 2000 : 0, "deferred: %s",
	       defers ? "every raise from hard IRQ" : "none");

	vt_signal(dev_fd, 0, 500, 0);
	r = rec(0);
	tap_is(efd_take(efd[0]), 500, "500 raises from process context");
	tap_ok(r.raised == 2500 && r.delivered == 2500 &&
		       r.deferred == (defers ? 2000u : 0u),
	       "... delivered at once, none deferred (deferred %llu)",
	       (unsigned long long)r.deferred);
}

/* A deferred delivery finds the vector masked: it pends. */
static void test_pended(void)
{
	struct vic_stats_vector r;

	vt_table_mask(dev_fd, 1, 1);
	tap_is(timer_raise(dev_fd, 1, 300, 30), 300,
	       "300 raises of masked vector 1 from the hrtimer");
	r = rec(1);
	tap_is(efd_take(efd[1]), 0, "nothing signalled while masked");
	tap_ok(r.raised == 300 && r.pended == 300 && !r.delivered &&
		       (r.flags & VIC_STATS_PENDING),
	       "raised 300 = pended 300, pending bit set (pended %llu)",
	       (unsigned long long)r.pended);
	vt_table_mask(dev_fd, 1, 0);
	r = rec(1);
	tap_is(efd_take(efd[1]), 1, "the unmask signals once");
	tap_ok(r.released == 1 && !(r.flags & VIC_STATS_PENDING),
	       "... released 1, pending bit clear");
}

/* A deferred delivery finds no trigger: it drops. */
static void test_dropped(void)
{
	struct vic_stats_vector r;
	int32_t unset = -1;

	vt_set_fds(dev_fd, 2, 1, &unset);
	tap_is(timer_raise(dev_fd, 2, 100, 10), 100,
	       "100 raises of vector 2 without a trigger");
	r = rec(2);
	tap_ok(r.raised == 100 && r.dropped == 100 && !r.delivered,
	       "raised 100 = dropped 100 (%llu)",
	       (unsigned long long)r.dropped);
}

#define TRACEFS "/sys/kernel/tracing"
#define TRACE_RAISES 500

static void tracefs_write(const char *file, const char *val)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), TRACEFS "/%s", file);
	f = fopen(path, "w");
	if (!f || fputs(val, f) < 0 || fclose(f)) {
		tap_diag("cannot write '%s' to %s", val, path);
		tap_bail("write to tracefs");
	}
}

/* Enable (@on) the vic_defer and vic_defer_run events of this device. */
static void trace_defer_events(int on)
{
	static const char *const ev[] = { "vic_defer", "vic_defer_run" };
	char file[128], filter[64];
	unsigned int i;

	snprintf(filter, sizeof(filter), "dev == %d", dev_id);
	for (i = 0; i < 2; i++) {
		snprintf(file, sizeof(file), "events/vic/%s/filter", ev[i]);
		tracefs_write(file, on ? filter : "0");
		snprintf(file, sizeof(file), "events/vic/%s/enable", ev[i]);
		tracefs_write(file, on ? "1" : "0");
	}
}

/*
 * The trace buffer's vic_defer (@run 0) or vic_defer_run (@run 1) events
 * of vector 0: their seq, in @seq (in trace order), and how many.
 */
static int trace_seqs(int run, unsigned int *seq, int max)
{
	const char *tag = run ? " vic_defer_run: " : " vic_defer: ";
	unsigned int d, v, q;
	char line[512], *p;
	int n = 0;
	FILE *f = fopen(TRACEFS "/trace", "r");

	if (!f)
		tap_bail("read " TRACEFS "/trace");
	while (fgets(line, sizeof(line), f)) {
		p = strstr(line, tag);
		if (!p ||
		    sscanf(p + strlen(tag), "dev=%u vector=%u seq=%u", &d, &v,
			   &q) != 3 ||
		    d != (unsigned int)dev_id || v)
			continue;
		if (n < max)
			seq[n] = q;
		n++;
	}
	fclose(f);
	return n;
}

/* In trace order, does every vic_defer_run of vector 0 follow its vic_defer? */
static int trace_defer_first(void)
{
	static char seen[TRACE_RAISES];
	unsigned int d, v, q;
	char line[512], *p;
	int ok = 1, run;
	FILE *f = fopen(TRACEFS "/trace", "r");

	if (!f)
		tap_bail("read " TRACEFS "/trace");
	while (fgets(line, sizeof(line), f)) {
		p = strstr(line, " vic_defer: ");
		run = !p;
		if (!p)
			p = strstr(line, " vic_defer_run: ");
		if (!p)
			continue;
		p = strchr(p + 1, ':') + 2;
		if (sscanf(p, "dev=%u vector=%u seq=%u", &d, &v, &q) != 3 ||
		    d != (unsigned int)dev_id || v || q < 2000 ||
		    q >= 2000 + TRACE_RAISES)
			continue;
		if (!run)
			seen[q - 2000] = 1;
		else
			ok &= seen[q - 2000];
	}
	fclose(f);
	return ok;
}

/*
 * The tracepoints of the deferral: vector 0 deferred 2000 raises before
 * (test_delivered()), so these are its deferred raises 2000 to 2499.
 */
static void test_trace(void)
{
	static unsigned int dseq[TRACE_RAISES + 1], rseq[TRACE_RAISES + 1];
	int nd, nr, i, in_order = 1;

	trace_defer_events(1);
	tracefs_write("trace", "");
	tap_is(timer_raise(dev_fd, 0, TRACE_RAISES, 25), TRACE_RAISES,
	       "%d more raises of vector 0 from the hrtimer", TRACE_RAISES);
	trace_defer_events(0);
	tap_is(efd_take(efd[0]), TRACE_RAISES, "... all signalled");
	nd = trace_seqs(0, dseq, TRACE_RAISES + 1);
	nr = trace_seqs(1, rseq, TRACE_RAISES + 1);
	tap_is(nd, defers ? TRACE_RAISES : 0, "vic_defer: %s",
	       defers ? "one per raise" : "none");
	tap_is(nr, nd, "vic_defer_run: one per vic_defer");
	for (i = 0; i < nd && i < TRACE_RAISES; i++)
		in_order &= dseq[i] == 2000u + i;
	tap_ok(in_order, "vic_defer: seq 2000 to 2499, in order");
	for (i = 0; i < nr && i < TRACE_RAISES; i++)
		in_order &= rseq[i] == 2000u + i;
	tap_ok(in_order, "vic_defer_run: the same seqs, in the same order");
	tap_ok(defers ? trace_defer_first() : 1,
	       "each raise's vic_defer comes before its vic_defer_run");
	tracefs_write("trace", "");
}

/* Release a context while its timer raises: nothing may run after. */
static void test_release_busy(void)
{
	struct vic_test_range emul = { .start = 0, .count = 1 };
	struct vic_test_timer t = {
		.count = 1000000,
		.period_ns = 20000,
		.burst = 64,
	};
	int32_t e = efd_new();
	int i, ok = 0, dev, fd;

	for (i = 0; i < 20; i++) {
		fd = vt_create(1, 0, &dev);
		if (fd < 0 || ioctl(fd, VIC_TEST_SET_EMULATED, &emul) ||
		    vt_set_fds(fd, 0, 1, &e) ||
		    ioctl(fd, VIC_TEST_TIMER_START, &t))
			break;
		usleep(2000 + i * 500);
		close(fd);
		ok++;
	}
	tap_is(ok, 20, "20 contexts released while their hrtimer raises");
	tap_ok(efd_take(e) > 0, "... which did signal before");
	close(e);
}

int main(void)
{
	struct vic_test_range emul = { .start = 0, .count = NVEC };

	vt_load_modules();
	defers = kernel_defers();
	tap_diag("this kernel %s deliveries from hard IRQ",
		 defers ? "defers" : "does not defer");
	dev_fd = vt_create(NVEC, 0, &dev_id);
	if (dev_fd < 0 || ioctl(dev_fd, VIC_TEST_SET_EMULATED, &emul) ||
	    efd_new_n(efd, NVEC) || vt_set_fds(dev_fd, 0, NVEC, efd))
		tap_bail("create 4 emulated vectors with triggers");
	if (vic_stats_open(&sf, NULL, dev_id))
		tap_bail("open the stats file");

	test_delivered();
	test_pended();
	test_dropped();
	test_trace();
	test_release_busy();
	vic_stats_close(&sf);
	close(dev_fd);
	return tap_done();
}
