// SPDX-License-Identifier: GPL-2.0-only
/*
 * vic-test-timeout: 1200
 *
 * Fault injection: every memory allocation that vic and vic_mdev make on
 * the way of an operation fails once, one at a time (faultinj: the Nth
 * allocation of the modules in this thread, N = 1, 2, ... until the
 * operation passes with nothing failed). Operations: device create, open,
 * SET_IRQS (enabling MSI-X with IMS-backed and emulated vectors: the IMS
 * allocation, request_irq(), the triggers), one more vector while MSI-X is
 * enabled, COOKIE and RESET. Each failure must give -ENOMEM from the call
 * and change nothing (no instance, no fd, no trigger left), and the same
 * call must then pass and the device deliver. The kernel's own error paths
 * below the calls the modules make are not failed (see bpf/faultinj.h);
 * the harness's kmemleak scan after the test finds any leak of an unwind.
 *
 * Needs a kernel with CONFIG_BPF_KPROBE_OVERRIDE (KERNEL=debug).
 */
#include <dirent.h>

#include "inject.h"
#include "mdev_common.h"

#define NVEC 8
#define NR_EMULATED 2
#define EMUL_VEC 0 /* an emulated vector */
#define IMS_VEC 3 /* an IMS-backed one */
#define MAX_POINTS 200 /* per operation: more means a loop */
#define MAX_SITES 256

static struct faultinj *fi;
static struct vicdev d;
static char uuid[VICDEV_UUID_LEN];
static int32_t fds[NVEC];

static char *sites[MAX_SITES];
static unsigned int nsites;

/* Count a failure point's call site once over the whole run. */
static void site_add(const char *s)
{
	unsigned int i;

	for (i = 0; i < nsites; i++)
		if (!strcmp(sites[i], s))
			return;
	if (nsites < MAX_SITES)
		sites[nsites++] = strdup(s);
}

static int open_fds(void)
{
	struct dirent *e;
	int n = 0;
	DIR *dir;

	dir = opendir("/proc/self/fd");
	if (!dir)
		mt_bail("opening /proc/self/fd");
	while ((e = readdir(dir)))
		n += e->d_name[0] != '.';
	closedir(dir);
	return n;
}

/* Every vector of the open device without trigger and without IRQ. */
static bool no_vectors(void)
{
	int id = mt_dbg_id(d.uuid);
	unsigned int v;

	for (v = 0; v < NVEC; v++) {
		struct vic_dbg_vec dv = mt_dbg_vec(id, v);

		if (dv.trigger || dv.virq > 0)
			return false;
	}
	return true;
}

/* One doorbell on vector @v is one signal of its eventfd. */
static bool delivers(unsigned int v)
{
	uint64_t c = 0;

	mt_take(fds[v]);
	if (vicdev_doorbell(&d, v))
		return false;
	return !vicdev_eventfd_wait(fds[v], 5000, &c) && c == 1;
}

/* MSI-X on, an emulated and an IMS vector deliver, MSI-X off. */
static bool works(void)
{
	bool ok;

	if (vicdev_msix_set(&d, 0, NVEC, fds))
		return false;
	ok = delivers(EMUL_VEC) && delivers(IMS_VEC);
	return !vicdev_msix_disable(&d) && ok;
}

struct op {
	const char *name;
	void (*setup)(void); /* before each try */
	int (*run)(void); /* the operation: 0 or -errno */
	void (*check_failed)(const char *what); /* nothing changed */
	void (*done)(const char *what); /* after a pass: check, undo */
};

/* device create */
static char new_uuid[VICDEV_UUID_LEN];

static int create_run(void)
{
	return vicdev_create(new_uuid);
}

static void create_failed(const char *what)
{
	tap_ok(!vicdev_exists(new_uuid), "%s: no instance", what);
	tap_ok(vic_dbg_find(new_uuid) < 0, "%s: no core context", what);
}

static void create_done(const char *what)
{
	struct vicdev nd;
	bool ok;

	ok = !vicdev_open(&nd, new_uuid);
	if (ok) {
		struct vicdev saved = d;

		d = nd;
		ok = works();
		vicdev_close(&d);
		d = saved;
	}
	tap_ok(ok, "%s: the instance opens and delivers", what);
	tap_is(vicdev_remove(new_uuid), 0, "%s: removed", what);
}

/* open */
static int nfds;

static void open_setup(void)
{
	nfds = open_fds();
}

static int open_run(void)
{
	return vicdev_open(&d, uuid);
}

static void open_failed(const char *what)
{
	tap_is(open_fds(), nfds, "%s: no fd left open", what);
}

static void open_done(const char *what)
{
	tap_ok(works(), "%s: the device delivers", what);
	vicdev_close(&d);
}

/* SET_IRQS: enable MSI-X with every vector */
static int set_all_run(void)
{
	return vicdev_msix_set(&d, 0, NVEC, fds);
}

static void set_failed(const char *what)
{
	tap_ok(no_vectors(), "%s: no trigger and no IRQ left", what);
}

static void set_all_done(const char *what)
{
	tap_ok(delivers(EMUL_VEC) && delivers(IMS_VEC),
	       "%s: emulated and IMS vectors deliver", what);
	tap_is(vicdev_msix_disable(&d), 0, "%s: MSI-X disabled", what);
}

/* SET_IRQS: one IMS vector more while MSI-X is enabled */
static void set_one_setup(void)
{
	if (vicdev_msix_set(&d, 0, NVEC - 1, fds))
		mt_bail("enabling MSI-X");
}

static int set_one_run(void)
{
	return vicdev_msix_set(&d, NVEC - 1, 1, &fds[NVEC - 1]);
}

static void set_one_failed(const char *what)
{
	struct vic_dbg_vec v = mt_dbg_vec(mt_dbg_id(d.uuid), NVEC - 1);

	tap_ok(!v.trigger && v.virq <= 0, "%s: vector %d unchanged", what,
	       NVEC - 1);
	tap_ok(delivers(IMS_VEC), "%s: the others still deliver", what);
	tap_is(vicdev_msix_disable(&d), 0, "%s: MSI-X disabled", what);
}

static void set_one_done(const char *what)
{
	tap_ok(delivers(NVEC - 1), "%s: the new vector delivers", what);
	tap_is(vicdev_msix_disable(&d), 0, "%s: MSI-X disabled", what);
}

/* COOKIE */
static int cookie_run(void)
{
	int ret = vicdev_set_cookie(&d, IMS_VEC, 0x77);

	return ret ? ret : mt_last_error(&d);
}

static void cookie_failed(const char *what)
{
	uint64_t c = ~0ull;

	tap_ok(!vicdev_get_cookie(&d, IMS_VEC, &c) && c == 0,
	       "%s: the cookie unchanged", what);
}

static void cookie_done(const char *what)
{
	uint64_t c = 0;

	tap_ok(!vicdev_get_cookie(&d, IMS_VEC, &c) && c == 0x77,
	       "%s: COOKIE reads 0x77", what);
	tap_ok(works(), "%s: the device delivers", what);
	if (vicdev_reset(&d))
		mt_bail("RESET");
}

/* RESET, with MSI-X enabled */
static void reset_setup(void)
{
	if (vicdev_msix_set(&d, 0, NVEC, fds))
		mt_bail("enabling MSI-X");
}

static int reset_run(void)
{
	return vicdev_reset(&d);
}

static void reset_failed(const char *what)
{
	int id = mt_dbg_id(d.uuid);
	unsigned int v, set = 0;

	for (v = 0; v < NVEC; v++)
		set += mt_dbg_vec(id, v).trigger;
	tap_is(set, NVEC, "%s: every trigger still set", what);
	if (vicdev_msix_disable(&d))
		mt_bail("disabling MSI-X");
}

static void reset_done(const char *what)
{
	tap_ok(no_vectors(), "%s: no trigger and no IRQ left", what);
	tap_ok(works(), "%s: the device delivers", what);
}

/*
 * Fail the operation's allocations one by one; the number of points it
 * has, or -1 if it never passed.
 */
static int inject(const struct op *op)
{
	char what[128], site[512];
	struct fi_point pt;
	unsigned int n;
	bool fired;
	int ret;

	for (n = 1; n <= MAX_POINTS; n++) {
		if (op->setup)
			op->setup();
		faultinj_arm(fi, n);
		ret = op->run();
		fired = faultinj_disarm(fi, &pt);
		snprintf(what, sizeof(what), "%s, allocation %u", op->name, n);
		if (!fired) {
			tap_is(ret, 0,
			       "%s: passes once its %u allocations failed",
			       op->name, n - 1);
			tap_diag(
				"%s: %u allocations of the modules when none fails, and %u __GFP_NOFAIL",
				op->name, faultinj_seen(fi),
				faultinj_nofail(fi));
			op->done(what);
			return n - 1;
		}
		if (faultinj_site(fi, &pt, site, sizeof(site)))
			snprintf(site, sizeof(site), "(unnamed)");
		site_add(site);
		tap_diag("%s: %s", what, site);
		tap_is(ret, -ENOMEM, "%s failed: -ENOMEM", what);
		op->check_failed(what);
		if (op->setup)
			op->setup();
		ret = op->run();
		tap_is(ret, 0, "%s failed: the same call then passes", what);
		if (ret)
			return -1;
		op->done(what);
	}
	tap_ok(0, "%s: more than %d allocations", op->name, MAX_POINTS);
	return -1;
}

static const struct op ops[] = {
	{ "create", NULL, create_run, create_failed, create_done },
	{ "open", open_setup, open_run, open_failed, open_done },
	{ "SET_IRQS", NULL, set_all_run, set_failed, set_all_done },
	{ "SET_IRQS one more", set_one_setup, set_one_run, set_one_failed,
	  set_one_done },
	{ "COOKIE", NULL, cookie_run, cookie_failed, cookie_done },
	{ "RESET", reset_setup, reset_run, reset_failed, reset_done },
};

int main(void)
{
	static const char *const modules[] = { "vic", "vic_mdev", NULL };
	int points[sizeof(ops) / sizeof(ops[0])];
	unsigned int i, total = 0;

	mt_load("nvec=8 nr_emulated=2");
	fi = faultinj_open(modules, false);
	if (!fi && errno == EOPNOTSUPP) {
		printf("1..0 # SKIP %s\n", faultinj_errmsg());
		mt_unload();
		return 77;
	}
	if (!fi) {
		printf("Bail out! %s\n", faultinj_errmsg());
		return 1;
	}
	if (vicdev_eventfds(fds, NVEC))
		mt_bail("eventfds");

	points[0] = inject(&ops[0]);
	if (vicdev_create(uuid))
		mt_bail("creating an instance");
	points[1] = inject(&ops[1]);
	if (vicdev_open(&d, uuid))
		mt_bail("opening the instance");
	for (i = 2; i < sizeof(ops) / sizeof(ops[0]); i++)
		points[i] = inject(&ops[i]);

	for (i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
		tap_diag("%s: %d failure points", ops[i].name, points[i]);
		total += points[i] > 0 ? points[i] : 0;
	}
	tap_diag("%u failure points in all, %u distinct call sites", total,
		 nsites);
	for (i = 0; i < nsites; i++) {
		tap_diag("site %u: %s", i + 1, sites[i]);
		free(sites[i]);
	}

	mt_close_remove(&d);
	vicdev_close_fds(fds, NVEC);
	faultinj_close(fi);
	mt_unload();
	return tap_done();
}
