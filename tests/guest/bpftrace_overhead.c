// SPDX-License-Identifier: GPL-2.0-only
/*
 * vic-test-timeout: 600
 *
 * What the bpftrace kit costs: ns per signal of a VIC_TEST_SIGNAL loop
 * (emulated vector, eventfd trigger), untraced, with viclat.bt, with
 * vicsig.bt, and untraced again, all in one boot. Best of a few runs each;
 * reported as diagnostics (docs/bpftrace.md quotes them). The checks are
 * only that the scripts attach, the loop signals exactly, and the scripts
 * see every signal.
 */
#include "bpftrace_common.h"

#define LOOP 100000
#define RUNS 5

static int fd, efd;

/* Best ns per signal over RUNS loops of LOOP signals of vector @vec. */
static double ns_per_signal(unsigned int vec, unsigned int flags)
{
	double best = 0;
	int i;

	for (i = 0; i < RUNS; i++) {
		struct timespec a, b;
		double ns;

		clock_gettime(CLOCK_MONOTONIC, &a);
		if (vt_signal(fd, vec, LOOP, flags))
			tap_bail("VIC_TEST_SIGNAL");
		clock_gettime(CLOCK_MONOTONIC, &b);
		ns = ((b.tv_sec - a.tv_sec) * 1e9 + (b.tv_nsec - a.tv_nsec)) /
		     LOOP;
		if (!i || ns < best)
			best = ns;
	}
	return best;
}

struct cost {
	double emul, backed;
};

static struct cost measure(const char *what)
{
	struct cost c;

	c.emul = ns_per_signal(0, 0);
	c.backed = ns_per_signal(1, VIC_TEST_SIGNAL_RAISE);
	tap_diag("%-22s %8.0f ns/signal (emulated)  %8.0f ns/raise (IMS)", what,
		 c.emul, c.backed);
	return c;
}

/* Measure with @script attached; its output's @key (a histogram if @hist)
 * must count @expect.
 */
static struct cost traced(const char *script, int want, const char *key,
			  int hist, long long expect)
{
	char path[512];
	char *argv[] = { path, "600", NULL };
	struct cost c = { 0, 0 };
	struct bt_run r;

	snprintf(path, sizeof(path), "%s/tools/bpftrace/%s",
		 getenv("VIC_ROOT") ?: ".", script);
	if (bt_spawn(&r, argv))
		return c;
	if (tap_ok(bt_wait_attached(&r, want), "%s attached", script)) {
		c = measure(script);
		tap_is(bt_stop(&r), 0, "%s exits 0", script);
		bt_show(&r);
		tap_is(hist ? bt_hist(&r, key) : bt_map(&r, key), expect,
		       "%s saw every signal", script);
	} else {
		kill(r.pid, SIGKILL);
		bt_reap(&r, BT_STOP_MS);
		bt_show(&r);
	}
	bt_free(&r);
	return c;
}

int main(void)
{
	struct vic_test_range emul = { .start = 0, .count = 1 };
	struct cost before, lat, sig, after;
	char key[64];
	int32_t fds[2];
	int dev;

	bt_require();
	wl_setup();
	fd = vt_create(2, 1, &dev);
	if (fd < 0)
		tap_bail("create");
	if (ioctl(fd, VIC_TEST_SET_EMULATED, &emul))
		tap_bail("emulated");
	efd = efd_new();
	fds[0] = efd;
	fds[1] = efd;
	if (vt_set_fds(fd, 0, 2, fds))
		tap_bail("triggers");

	tap_diag("%d loops of %d signals each, best of them:", RUNS, LOOP);
	before = measure("untraced");
	tap_is(efd_take(efd), 2ULL * RUNS * LOOP, "every signal signalled");
	lat = traced("viclat.bt", 5, "@ns[emulated]", 1,
		     (long long)RUNS * LOOP);
	snprintf(key, sizeof(key), "@raised[%d, 0]", dev);
	sig = traced("vicsig.bt", 2, key, 0, (long long)RUNS * LOOP);
	after = measure("untraced again");
	tap_diag(
		"viclat.bt adds %.0f ns per emulated signal, %.0f per IMS raise",
		lat.emul - (before.emul + after.emul) / 2,
		lat.backed - (before.backed + after.backed) / 2);
	tap_diag(
		"vicsig.bt adds %.0f ns per emulated signal, %.0f per IMS raise",
		sig.emul - (before.emul + after.emul) / 2,
		sig.backed - (before.backed + after.backed) / 2);
	vt_disable(fd);
	close(fd);
	close(efd);
	return tap_done();
}
