// SPDX-License-Identifier: GPL-2.0-only
/*
 * imstop's counts are exact, per vector, in every attach mode (tp_btf and
 * raw_tp tracepoints, fentry and kprobe eventfd probes): a /dev/vic_test
 * device driven with known numbers of send_signal and raise calls (from
 * process context and from a hard-IRQ hrtimer), pends and their release,
 * drops, backing allocations, frees and cookie sets, while a thread signals
 * unrelated eventfds (write(2), and AIO completions, which the kernel
 * signals with eventfd_signal) that imstop must not count.
 * Ground truth: the numbers driven, the eventfd counters and debugfs.
 * With --max-vectors below the vectors in use, the raise counts stay
 * exact (they are the core's) and the lost slots are said, on each
 * vector's row; with --max-hist-vectors below them, each vector without a
 * histogram counts the latencies it lost. And a backed vector's timed
 * raise whose interrupt is lost: stale once its interrupt is freed.
 *
 * vic-test-timeout: 600
 */
#include <linux/aio_abi.h>
#include <pthread.h>
#include <sys/syscall.h>

#include "imstop_common.h"
#include "../lib/vt.h"
#include "vic_debugfs.h"

#define NVEC 8
#define SLOTS 8

#define N_SIGNAL 3000 /* v0: send_signal, process context */
#define N_TIMER 400 /* v1: vic_raise from a hard-IRQ hrtimer */
#define N_RAISE 2000 /* v2: raise, IMS-backed */
#define N_PEND 50 /* v3: raised while masked, released on unmask */
#define N_DROP 40 /* v4: raised without trigger */
#define N_COOKIE_V2 3
#define N_AIO 200
#define N_WRITE 1000

struct expect {
	uint64_t raised, delivered, pended, dropped, released, signals;
	uint64_t allocs, alloc_fails, frees, cookie_sets, cookie_fails;
	uint64_t efd; /* the vector's eventfd count */
};

static struct expect want[NVEC];

/* Unrelated eventfd signals: write(2), and AIO completions (kernel). */
static int noise_aio_done;

static void *noise(void *arg)
{
	int efd = efd_new(), wfd = efd_new();
	char path[] = "/tmp/imstop-aio.XXXXXX", buf[512];
	aio_context_t ctx = 0;
	struct io_event ev;
	struct iocb cb = {}, *cbp = &cb;
	uint64_t one = 1;
	int fd, i;

	(void)arg;
	noise_aio_done = 0;
	fd = mkstemp(path);
	if (fd < 0 || efd < 0 || wfd < 0 ||
	    write(fd, buf, sizeof(buf)) != sizeof(buf) ||
	    syscall(SYS_io_setup, 8, &ctx)) {
		tap_diag("noise: setup failed: %s", strerror(errno));
		return NULL;
	}
	unlink(path);
	cb.aio_lio_opcode = IOCB_CMD_PREAD;
	cb.aio_fildes = fd;
	cb.aio_buf = (uint64_t)(uintptr_t)buf;
	cb.aio_nbytes = sizeof(buf);
	cb.aio_flags = IOCB_FLAG_RESFD;
	cb.aio_resfd = efd;
	for (i = 0; i < N_AIO || i < N_WRITE; i++) {
		if (i < N_AIO && syscall(SYS_io_submit, ctx, 1, &cbp) == 1 &&
		    syscall(SYS_io_getevents, ctx, 1, 1, &ev, NULL) == 1)
			noise_aio_done++;
		if (i < N_WRITE && write(wfd, &one, sizeof(one)) < 0)
			break;
	}
	/* Each completion signalled efd once, through eventfd_signal(). */
	if (efd_take(efd) != (uint64_t)noise_aio_done ||
	    noise_aio_done != N_AIO)
		tap_diag("noise: %d of %d AIO reads completed and signalled",
			 noise_aio_done, N_AIO);
	syscall(SYS_io_destroy, ctx);
	close(fd);
	close(efd);
	close(wfd);
	return NULL;
}

static int set_trigger(int fd, unsigned int v, int efd)
{
	int32_t f = efd;

	return vt_set_fds(fd, v, 1, &f);
}

static int set_cookie(int fd, unsigned int v, uint64_t cookie)
{
	struct vic_test_cookie c = { .vector = v, .cookie = cookie };

	return ioctl(fd, VIC_TEST_SET_COOKIE, &c);
}

/* Drive the device; fills want[]. Returns 0 or -1 (a diagnostic). */
static int workload(int fd, const int *efd)
{
	struct vic_test_timer tm = {
		.vector = 1,
		.flags = VIC_TEST_SIGNAL_RAISE,
		.count = N_TIMER,
		.period_ns = 50000,
		.burst = 4,
	};
	struct vic_test_range emul = { .start = 0, .count = 2 };
	pthread_t th;
	uint64_t done = 0;
	int i;

	memset(want, 0, sizeof(want));
	if (ioctl(fd, VIC_TEST_SET_EMULATED, &emul))
		return tap_diag("SET_EMULATED: %s", strerror(errno)), -1;

	/* Cookies: v2 (applied at its allocation), v4, and v0 (emulated:
	 * -EINVAL, a failed set). */
	for (i = 0; i < N_COOKIE_V2; i++)
		set_cookie(fd, 2, 0x100 + i);
	want[2].cookie_sets = N_COOKIE_V2;
	set_cookie(fd, 4, 0x42);
	want[4].cookie_sets = 1;
	if (set_cookie(fd, 0, 1) == 0)
		return tap_diag("set_cookie on an emulated vector worked"), -1;
	want[0].cookie_fails = 1;

	/* Triggers: emulated v0, v1; backed v2, v3 allocate. */
	for (i = 0; i < 4; i++) {
		if (set_trigger(fd, i, efd[i]))
			return tap_diag("trigger v%d: %s", i, strerror(errno)),
			       -1;
	}
	want[2].allocs = want[3].allocs = 1;
	/* v5: set, unset, set: two allocations, one free. */
	if (set_trigger(fd, 5, efd[5]) || set_trigger(fd, 5, -1) ||
	    set_trigger(fd, 5, efd[5]))
		return tap_diag("trigger v5: %s", strerror(errno)), -1;
	want[5].allocs = 2;
	want[5].frees = 1;

	/* Process context, with unrelated eventfd traffic beside it. */
	pthread_create(&th, NULL, noise, NULL);
	if (vt_signal(fd, 0, N_SIGNAL, 0))
		return tap_diag("signal v0: %s", strerror(errno)), -1;
	want[0].raised = want[0].delivered = want[0].signals = N_SIGNAL;
	if (vt_signal(fd, 2, N_RAISE, VIC_TEST_SIGNAL_RAISE))
		return tap_diag("raise v2: %s", strerror(errno)), -1;
	want[2].raised = want[2].delivered = want[2].signals = N_RAISE;
	pthread_join(th, NULL);

	/* Hard IRQ (alone: a raise nesting inside the same handler on
	 * one CPU would be skipped by the kernel, see docs/imstop.md). */
	if (ioctl(fd, VIC_TEST_TIMER_START, &tm) ||
	    ioctl(fd, VIC_TEST_TIMER_WAIT, &done) || done != N_TIMER)
		return tap_diag("hrtimer: %s, done %" PRIu64, strerror(errno),
				done),
		       -1;
	want[1].raised = want[1].delivered = want[1].signals = N_TIMER;

	/* Masked: pended, then one signal on unmask. */
	if (vt_table_mask(fd, 3, 1) ||
	    vt_signal(fd, 3, N_PEND, VIC_TEST_SIGNAL_RAISE) ||
	    vt_table_mask(fd, 3, 0))
		return tap_diag("pend v3: %s", strerror(errno)), -1;
	want[3].raised = want[3].pended = N_PEND;
	want[3].released = want[3].signals = 1;

	/* No trigger: dropped. */
	if (vt_signal(fd, 4, N_DROP, VIC_TEST_SIGNAL_RAISE))
		return tap_diag("drop v4: %s", strerror(errno)), -1;
	want[4].raised = want[4].dropped = N_DROP;

	for (i = 0; i < NVEC; i++)
		want[i].efd = want[i].signals;
	return 0;
}

/*
 * @core_only: the raise counts only, the core's: with too few slots for
 * the vectors, the slow-path counts of some are lost (and said so).
 */
static void check_vector(const struct jv *rec, int dev, unsigned int v,
			 const char *mode, const int *efd, bool core_only)
{
	struct jv *row = imstop_vec(rec, dev, v);
	const struct expect *w = &want[v];
	struct vic_dbg_vec d;
	bool ok = true;

#define EQ(field)                                                \
	do {                                                     \
		long long got = jint(row, #field);               \
		if (got != (long long)w->field) {                \
			tap_diag("%s v%u " #field                \
				 ": imstop %lld, want %" PRIu64, \
				 mode, v, got, w->field);        \
			ok = false;                              \
		}                                                \
	} while (0)

	if (!tap_ok(row != NULL, "%s: vector %u has a row", mode, v))
		return;
	EQ(raised);
	EQ(delivered);
	EQ(pended);
	EQ(dropped);
	EQ(released);
	EQ(signals);
	if (!core_only) {
		EQ(allocs);
		EQ(alloc_fails);
		EQ(frees);
		EQ(cookie_sets);
		EQ(cookie_fails);
	}
#undef EQ
	tap_ok(ok, "%s: vector %u: every count exact", mode, v);
	tap_ok(jbool(row, "no_slot") == core_only, "%s: vector %u: no_slot %s",
	       mode, v, core_only ? "true (the device has none)" : "false");

	/* The core's own counters (the device is younger than imstop). */
	if (!vic_dbg_read_vector(dev, v, &d))
		tap_ok(d.raised == (uint64_t)jint(row, "raised") &&
			       d.delivered ==
				       (uint64_t)jint(row, "delivered") &&
			       d.pended == (uint64_t)jint(row, "pended") &&
			       d.dropped == (uint64_t)jint(row, "dropped"),
		       "%s: vector %u: equals debugfs (raised %" PRIu64
		       " delivered %" PRIu64 " pended %" PRIu64
		       " dropped %" PRIu64 ")",
		       mode, v, d.raised, d.delivered, d.pended, d.dropped);
	tap_is(efd_take(efd[v]), w->efd,
	       "%s: vector %u: eventfd count equals imstop's signals", mode, v);
}

/*
 * One run of imstop over the workload, every raise timed. @ef NULL: the
 * default, no eventfd probe; else end to end with that probe.
 * @max_vectors > 0: --max-vectors, fewer slots than the device has
 * vectors; @max_hists > 0: --max-hist-vectors.
 */
static void run_mode(const char *tp, const char *ef, int max_vectors,
		     int max_hists)
{
	char tp_opt[64], ef_opt[64], mv_opt[64], mode[96];
	const char *argv[] = { "-o",   "json", "--cumulative", "-S1", tp_opt,
			       ef_opt, "3600", NULL,	       NULL };
	struct imstop_run r;
	struct jv *rec, *attach, *diag, *totals, *row;
	int fd, dev, efd[NVEC], i, rc;
	uint64_t sum = 0;

	snprintf(tp_opt, sizeof(tp_opt), "--tracepoints=%s", tp);
	if (ef)
		snprintf(ef_opt, sizeof(ef_opt), "--eventfd-probe=%s", ef);
	else
		snprintf(ef_opt, sizeof(ef_opt), "-S1");
	snprintf(mode, sizeof(mode), "%s+%s", tp, ef ? ef : "none");
	if (max_vectors || max_hists) {
		snprintf(mv_opt, sizeof(mv_opt), "--max-%svectors=%d",
			 max_vectors ? "" : "hist-",
			 max_vectors ? max_vectors : max_hists);
		argv[6] = mv_opt;
		argv[7] = "3600";
		snprintf(mode, sizeof(mode), "%s+%s, %s", tp, ef ? ef : "none",
			 mv_opt);
	}

	if (!tap_ok(imstop_start(&r, argv) == 0, "%s: imstop starts", mode)) {
		imstop_diag_stderr(&r);
		imstop_cleanup(&r);
		return;
	}
	for (i = 0; i < NVEC; i++)
		efd[i] = efd_new();
	fd = vt_create(NVEC, SLOTS, &dev);
	if (fd < 0)
		tap_bail("creating a vic_test device");
	rc = workload(fd, efd);
	tap_ok(rc == 0, "%s: workload ran", mode);

	rc = imstop_stop(&r, SIGINT);
	tap_is(rc, 0, "%s: imstop exits 0 on SIGINT", mode);
	rec = imstop_record(&r, -1);
	if (!tap_ok(rec != NULL, "%s: last line is a JSON record", mode)) {
		imstop_diag_stderr(&r);
		goto out;
	}
	tap_ok(jbool(rec, "final") && jbool(rec, "cumulative"),
	       "%s: the record is the final, cumulative one", mode);
	attach = jget(rec, "attach");
	if (strcmp(tp, "auto"))
		tap_ok(!strcmp(jstr(attach, "tracepoints"), tp),
		       "%s: attached as asked (%s)", mode,
		       jstr(attach, "tracepoints"));
	else
		tap_ok(!strcmp(jstr(attach, "tracepoints"),
			       access("/sys/kernel/btf/vic", R_OK) ? "raw_tp" :
								     "tp_btf"),
		       "%s: tp_btf when vic has BTF (got %s)", mode,
		       jstr(attach, "tracepoints"));
	if (ef) {
		tap_ok(!strcmp(jstr(attach, "eventfd"),
			       strcmp(ef, "auto") ? ef : "fentry"),
		       "%s: eventfd probe %s (got %s)", mode,
		       strcmp(ef, "auto") ? ef : "fentry",
		       jstr(attach, "eventfd"));
		tap_ok(!strcmp(jstr(attach, "eventfd_func"),
			       "eventfd_signal_mask"),
		       "%s: probes eventfd_signal_mask (6.1 has it)", mode);
	} else {
		tap_ok(!strcmp(jstr(attach, "eventfd"), "none") &&
			       jget(attach, "eventfd_func") &&
			       jget(attach, "eventfd_func")->type == J_NULL,
		       "%s: no eventfd probe (eventfd %s)", mode,
		       jstr(attach, "eventfd"));
	}

	diag = jget(rec, "diag");
	tap_is(jint(diag, "missed"), 0, "%s: no handler run missed", mode);
	if (max_vectors) {
		tap_ok(jint(diag, "map_full") > 0,
		       "%s: the vectors without a slot are said (map_full %lld)",
		       mode, jint(diag, "map_full"));
		for (i = 0; i < NVEC; i++)
			check_vector(rec, dev, i, mode, efd, true);
		goto done;
	}
	if (max_hists) {
		long long lost = 0;

		for (i = 0; i < NVEC; i++) {
			const struct expect *w = &want[i];
			long long want_lost =
				i < max_hists ?
					0 :
					(long long)(w->delivered + w->allocs +
						    w->cookie_sets);

			check_vector(rec, dev, i, mode, efd, false);
			row = imstop_vec(rec, dev, i);
			tap_is(jint(row, "lat_lost"), want_lost,
			       "%s: v%d: lat_lost %lld (%s)", mode, i,
			       want_lost,
			       i < max_hists ?
				       "it has a histogram" :
				       "its delivered raises, allocations and cookie sets");
			lost += want_lost;
		}
		tap_is(jint(diag, "no_histogram"), lost,
		       "%s: no_histogram is their sum", mode);
		tap_is(jint(jget(imstop_vec(rec, dev, 1), "signal"), "count"),
		       want[1].signals, "%s: v1 has its histogram", mode);
		goto done;
	}
	tap_ok(jint(diag, "map_full") == 0 && jint(diag, "no_histogram") == 0 &&
		       jint(diag, "inflight_overflows") == 0 &&
		       jint(diag, "stale") == 0,
	       "%s: no slot or histogram missing, no stray in-flight entry",
	       mode);

	for (i = 0; i < NVEC; i++) {
		check_vector(rec, dev, i, mode, efd, false);
		tap_is(jint(imstop_vec(rec, dev, i), "lat_lost"), 0,
		       "%s: vector %d lost no latency", mode, i);
		sum += want[i].signals;
	}
	totals = jget(rec, "totals");
	tap_is(jint(totals, "signals"), sum,
	       "%s: total signals: only vic's (not the %d AIO, %d write(2) ones)",
	       mode, noise_aio_done, N_WRITE);
	if (ef)
		tap_ok(jint(diag, "eventfd_calls") >=
			       (long long)(sum + noise_aio_done),
		       "%s: the probe saw the unrelated signals too (%lld calls)",
		       mode, jint(diag, "eventfd_calls"));
	else
		tap_is(jint(diag, "eventfd_calls"), 0,
		       "%s: no eventfd probe, no eventfd call seen", mode);

	/* Names, types, idle vectors, latencies. */
	row = imstop_vec(rec, dev, 0);
	tap_ok(!strcmp(jstr(row, "name"), "vic_test") &&
		       !strcmp(jstr(row, "type"), "emul"),
	       "%s: v0 is vic_test's, emul", mode);
	row = imstop_vec(rec, dev, 7);
	tap_ok(row && !strcmp(jstr(row, "type"), "ims") &&
		       jint(row, "raised") == 0,
	       "%s: idle v7 is listed (ims, no raises)", mode);
	for (i = 0; i < 3; i++) {
		const struct jv *lat = jget(imstop_vec(rec, dev, i), "signal");

		tap_ok(imstop_lat_sane(lat),
		       "%s: v%d signal latency: positive, p50<=p90<=p99<=max",
		       mode, i);
		tap_is(jint(lat, "count"), want[i].signals,
		       "%s: v%d: -S1 times every raise", mode, i);
	}
	row = imstop_vec(rec, dev, 2);
	tap_ok(imstop_lat_sane(jget(row, "alloc")) &&
		       jint(jget(row, "alloc"), "count") == 1,
	       "%s: v2 alloc latency: one sample, sane", mode);
	tap_ok(imstop_lat_sane(jget(row, "cookie")) &&
		       jint(jget(row, "cookie"), "count") == N_COOKIE_V2,
	       "%s: v2 cookie latency: %d samples, sane", mode, N_COOKIE_V2);
	tap_is(jint(jget(imstop_vec(rec, dev, 3), "signal"), "count"), 0,
	       "%s: v3's release has no raise, so no latency sample", mode);
done:
	jfree(rec);
out:
	close(fd);
	for (i = 0; i < NVEC; i++)
		close(efd[i]);
	imstop_cleanup(&r);
}

/* Write vic_test's lose_fires parameter; 0 or -1. */
static int lose_fires(int n)
{
	FILE *f = fopen("/sys/module/vic_test/parameters/lose_fires", "w");
	int ok;

	if (!f)
		return -1;
	ok = fprintf(f, "%d\n", n) > 0;
	return fclose(f) == 0 && ok ? 0 : -1;
}

/*
 * A timed raise of a backed vector whose interrupt is lost in flight
 * (vic_test's lose_fires): it waits in the vector's slot until the
 * vector's backing interrupt is freed, and then counts stale and in the
 * vector's lat_lost; the next raise, delivered, is timed.
 */
static void test_lost_interrupt(void)
{
	char dev_opt[32];
	const char *argv[] = { "-o", "json",  "--cumulative", "-S1",
			       "-d", dev_opt, "3600",	      NULL };
	struct jv *rec, *row, *dg;
	struct imstop_run r;
	int fd, dev, efd = efd_new();

	fd = vt_create(NVEC, SLOTS, &dev);
	if (fd < 0 || efd < 0)
		tap_bail("creating a vic_test device");
	snprintf(dev_opt, sizeof(dev_opt), "%d", dev);
	if (!tap_ok(imstop_start(&r, argv) == 0,
		    "lost interrupt: imstop starts")) {
		imstop_diag_stderr(&r);
		imstop_cleanup(&r);
		close(fd);
		return;
	}
	if (set_trigger(fd, 2, efd) || lose_fires(1) ||
	    vt_signal(fd, 2, 1, VIC_TEST_SIGNAL_RAISE))
		tap_bail("raising v2 with its interrupt lost");
	tap_is(efd_take(efd), 0, "lost interrupt: no signal");
	/* The backing freed, then allocated again, and one raise. */
	if (set_trigger(fd, 2, -1) || set_trigger(fd, 2, efd) ||
	    vt_signal(fd, 2, 1, VIC_TEST_SIGNAL_RAISE))
		tap_bail("raising v2 again");
	tap_is(efd_take(efd), 1, "lost interrupt: the next raise signals");
	tap_is(imstop_stop(&r, SIGINT), 0, "lost interrupt: imstop exits 0");
	rec = imstop_record(&r, -1);
	row = imstop_vec(rec, dev, 2);
	dg = jget(rec, "diag");
	tap_ok(jint(row, "raised") == 2 && jint(row, "delivered") == 1 &&
		       jint(row, "frees") == 1,
	       "lost interrupt: raised %lld, delivered %lld, frees %lld",
	       jint(row, "raised"), jint(row, "delivered"), jint(row, "frees"));
	tap_ok(jint(row, "lat_lost") == 1 && jint(dg, "stale") == 1,
	       "lost interrupt: one latency lost, stale at the free (lat_lost %lld, stale %lld)",
	       jint(row, "lat_lost"), jint(dg, "stale"));
	tap_ok(jint(jget(row, "signal"), "count") == 1 &&
		       imstop_lat_sane(jget(row, "signal")),
	       "lost interrupt: the delivered raise timed");
	jfree(rec);
	imstop_cleanup(&r);
	close(fd);
	close(efd);
}

int main(void)
{
	if (geteuid()) {
		printf("1..0 # SKIP needs root (run in the test VM)\n");
		return 77;
	}
	vt_load_modules();
	run_mode("auto", NULL, 0, 0);
	run_mode("tp_btf", NULL, 0, 0);
	run_mode("raw_tp", NULL, 0, 0);
	run_mode("auto", "auto", 0, 0);
	run_mode("tp_btf", "kprobe", 0, 0);
	run_mode("raw_tp", "fentry", 0, 0);
	run_mode("raw_tp", "kprobe", 0, 0);
	/* Fewer slots than vectors: the counts are the core's, exact. */
	run_mode("auto", NULL, 2, 0);
	/*
	 * Histograms for two vectors: the device is the first imstop sees,
	 * so vectors 0 and 1 have them (slots 0 and 1), and vector 2 counts
	 * each timed raise it lost.
	 */
	run_mode("auto", NULL, 0, 2);
	test_lost_interrupt();
	return tap_done();
}
