// SPDX-License-Identifier: GPL-2.0-only
/*
 * vic-test-timeout: 300
 *
 * The signal path under fire: a hard-IRQ hrtimer and a process-context
 * thread raise one vector while another thread keeps replacing and dropping
 * its trigger through SET_IRQS. Every raise must be accounted for exactly
 * once (delivered to one of the eventfds, or dropped while unset), with no
 * use-after-free of a replaced eventfd. Run for an emulated vector
 * (send_signal) and for a backed one (raise through its real IRQ, whose
 * backing is freed and allocated again on every unset and set).
 */
#include <pthread.h>
#include <stdatomic.h>

#include "../lib/tap.h"
#include "../lib/vt.h"
#include "vic_debugfs.h"

#define NVEC 4
#define TIMER_RAISES 20000
#define PROC_RAISES 20000
/*
 * The process-context raiser goes on past PROC_RAISES until the swapper
 * has changed the trigger MIN_SWAPS times, or for MAX_RUN_S seconds at
 * most. A change of a backed vector's trigger waits for a grace period,
 * and the raiser's CPU, looping in the kernel with only cond_resched()
 * between raises, reports its quiescent state only once RCU's
 * force-quiescent-state scan asks for one, a few jiffies after the grace
 * period started. How many raises fit in those jiffies depends on how fast
 * the CPU raises, so the bound is a time, not a number of raises.
 */
#define MIN_SWAPS 50
#define MAX_RUN_S 60
#define NEFD 3

static int dev_fd, dev_id;
static int efds[NEFD];
static atomic_int stop;
static atomic_ulong swaps;
static unsigned long proc_done;
static double proc_secs;

struct raiser {
	uint32_t vector;
	uint32_t flags;
};

static void *swapper(void *arg)
{
	struct raiser *r = arg;
	unsigned int i = 0;

	while (!atomic_load(&stop)) {
		/* efd 0, efd 1, unset, efd 2, ... */
		int32_t fd = (i % 4 == 2) ? -1 : efds[i % NEFD];

		if (vt_set_fds(dev_fd, r->vector, 1, &fd))
			tap_diag("SET_IRQS failed: %s", strerror(errno));
		i++;
		atomic_store(&swaps, i);
	}
	return NULL;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void *proc_raiser(void *arg)
{
	struct raiser *r = arg;
	double start = now_s();
	unsigned long n = 0;

	while (n < PROC_RAISES || atomic_load(&swaps) < MIN_SWAPS) {
		if (vt_signal(dev_fd, r->vector, 100, r->flags))
			tap_diag("signal failed: %s", strerror(errno));
		n += 100;
		proc_secs = now_s() - start;
		if (proc_secs >= MAX_RUN_S)
			break;
	}
	proc_done = n;
	return NULL;
}

static void run(uint32_t vector, uint32_t flags, const char *what)
{
	struct vic_test_timer t = {
		.vector = vector,
		.flags = flags,
		.count = TIMER_RAISES,
		.period_ns = 20000,
		.burst = 16,
	};
	struct raiser r = { .vector = vector, .flags = flags };
	struct vic_dbg_vec before, after;
	pthread_t sw, pr;
	uint64_t timer_done = 0, signalled = 0;
	int32_t unset = -1;
	int i;

	vic_dbg_read_vector(dev_id, vector, &before);
	atomic_store(&stop, 0);
	atomic_store(&swaps, 0);
	if (ioctl(dev_fd, VIC_TEST_TIMER_START, &t))
		tap_bail("start the hrtimer");
	pthread_create(&sw, NULL, swapper, &r);
	pthread_create(&pr, NULL, proc_raiser, &r);
	pthread_join(pr, NULL);
	if (ioctl(dev_fd, VIC_TEST_TIMER_WAIT, &timer_done))
		tap_bail("wait for the hrtimer");
	atomic_store(&stop, 1);
	pthread_join(sw, NULL);
	vt_set_fds(dev_fd, vector, 1, &unset);
	vic_dbg_read_vector(dev_id, vector, &after);
	for (i = 0; i < NEFD; i++)
		signalled += efd_take(efds[i]);

	tap_diag("%s: %lu trigger changes, %lu raises from process context "
		 "in %.2f s (%.2f ms per change)",
		 what, atomic_load(&swaps), proc_done, proc_secs,
		 1e3 * proc_secs / (atomic_load(&swaps) ?: 1));
	tap_is(timer_done, TIMER_RAISES, "%s: hrtimer raised %d times", what,
	       TIMER_RAISES);
	tap_is(after.raised - before.raised, TIMER_RAISES + proc_done,
	       "%s: debugfs counts every raise", what);
	tap_is(after.pended - before.pended, 0, "%s: nothing pended", what);
	tap_is((after.delivered - before.delivered) +
		       (after.dropped - before.dropped),
	       TIMER_RAISES + proc_done,
	       "%s: each raise delivered or dropped, exactly once", what);
	tap_is(signalled, after.delivered - before.delivered,
	       "%s: eventfd counts equal deliveries", what);
	tap_ok(atomic_load(&swaps) >= MIN_SWAPS,
	       "%s: triggers were replaced %d times or more within %d s", what,
	       MIN_SWAPS, MAX_RUN_S);
}

int main(void)
{
	struct vic_test_range emul = { .start = 0, .count = 1 };
	struct vic_test_ims_stats st = { 0 };
	int i;

	vt_load_modules();
	dev_fd = vt_create(NVEC, 2, &dev_id);
	if (dev_fd < 0 || ioctl(dev_fd, VIC_TEST_SET_EMULATED, &emul))
		tap_bail("create a context");
	for (i = 0; i < NEFD; i++) {
		efds[i] = efd_new();
		if (efds[i] < 0)
			tap_bail("eventfd");
	}
	run(0, 0, "emulated send_signal");
	run(2, VIC_TEST_SIGNAL_RAISE, "backed raise");
	ioctl(dev_fd, VIC_TEST_IMS_STATS, &st);
	tap_is(st.in_use, 0, "no slot left allocated");
	tap_is(st.allocs, st.frees, "every allocation freed (%llu)",
	       (unsigned long long)st.allocs);
	close(dev_fd);
	return tap_done();
}
