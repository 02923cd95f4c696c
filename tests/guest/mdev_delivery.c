// SPDX-License-Identifier: GPL-2.0-only
/*
 * vic_mdev: delivery. Every doorbell reaches its vector's eventfd exactly
 * once, on emulated and backed vectors; masked vectors pend and release
 * once; loopback, CMD, dropped raises; the debugfs counters; concurrent
 * doorbells; and the doorbell-to-eventfd round trip. The backed vectors
 * are IMS-backed, or MSI-X-backed on a PCI parent (mdev_delivery_msix.sh,
 * mt_backend(); the parent's interrupts are handled on the CPU that rings,
 * so that each is handled when the doorbell returns, as IMS's are).
 */
#include <pthread.h>

#include "mdev_common.h"

#define NVEC 16
#define NR_EMULATED 4
#define FIRST_BACKED NR_EMULATED

static struct vicdev d;
static int dbg;
static int32_t fds[NVEC];

static int check_counts(const uint64_t *want, const char *what)
{
	uint64_t got[NVEC];
	unsigned int v;
	int good = 1;

	mt_take_all(fds, NVEC, got);
	for (v = 0; v < NVEC; v++) {
		if (got[v] != want[v]) {
			tap_diag("%s: vector %u: eventfd %" PRIu64
				 ", want %" PRIu64,
				 what, v, got[v], want[v]);
			good = 0;
		}
	}
	return tap_ok(good, "%s: eventfd counts exact on all vectors", what);
}

static void test_backing(void)
{
	struct vic_dbg_vec vecs[NVEC];
	int n, v, good = 1;

	n = mt_dbg_all(dbg, vecs, NVEC);
	tap_is(n, NVEC, "debugfs lists every vector");
	for (v = 0; v < n; v++) {
		int emul = v < NR_EMULATED;

		if (strcmp(vecs[v].type, emul ? "emul" : mt_backend()) ||
		    !vecs[v].trigger || (emul && vecs[v].virq != -1) ||
		    (!emul && vecs[v].virq <= 0) ||
		    (!emul && vecs[v].cookie != 0) ||
		    (emul && vecs[v].cookie != -1)) {
			tap_diag("vector %d: type %s trigger %d virq %d", v,
				 vecs[v].type, vecs[v].trigger, vecs[v].virq);
			good = 0;
		}
	}
	tap_ok(good,
	       "emulated vectors: emul, no virq; the others: %s, a virq, cookie 0",
	       mt_backend());
	tap_is(mt_backed_irq_lines(), NVEC - NR_EMULATED,
	       "one %s Linux IRQ per backed vector in /proc/interrupts",
	       mt_backend());
}

static void test_doorbells(void)
{
	uint64_t want[NVEC] = { 0 }, before[NVEC], irqs_before;
	struct vic_dbg_vec v;
	unsigned int i, k;
	int virq, good = 1;

	for (i = 0; i < NVEC; i++)
		before[i] = mt_dbg_vec(dbg, i).delivered;
	virq = mt_dbg_vec(dbg, FIRST_BACKED + 1).virq;
	irqs_before = mt_proc_irq_count(virq);

	for (i = 0; i < NVEC; i++) {
		for (k = 0; k <= i; k++)
			good &= !vicdev_doorbell(&d, i);
		want[i] = i + 1;
	}
	tap_ok(good, "doorbells written");
	check_counts(want, "v+1 doorbells on vector v");
	good = 1;
	for (i = 0; i < NVEC; i++) {
		v = mt_dbg_vec(dbg, i);
		if (v.delivered - before[i] != i + 1 || !mt_counts_balanced(&v))
			good = 0;
	}
	tap_ok(good, "debugfs: delivered grew by v+1, counters balanced");
	tap_is(mt_proc_irq_count(virq) - irqs_before, FIRST_BACKED + 2,
	       "%s vector %u: its Linux IRQ handled each doorbell",
	       mt_backend(), FIRST_BACKED + 1);
	tap_is(mt_last_error(&d), 0, "no LAST_ERROR");
}

static void test_cmd_loopback(void)
{
	uint64_t want[NVEC] = { 0 };
	uint8_t bools[3] = { 1, 0, 1 };

	vicdev_cmd(&d);
	vicdev_cmd(&d);
	vicdev_cmd(&d);
	want[0] = 3;
	check_counts(want, "3 CMDs complete on vector 0");
	tap_is(mt_last_error(&d), 0, "CMD: no LAST_ERROR");

	tap_is(vicdev_set_irqs(&d, VFIO_PCI_MSIX_IRQ_INDEX,
			       VFIO_IRQ_SET_DATA_NONE |
				       VFIO_IRQ_SET_ACTION_TRIGGER,
			       FIRST_BACKED, 2, NULL, 0),
	       0, "loopback DATA_NONE on 2 backed vectors");
	tap_is(vicdev_set_irqs(&d, VFIO_PCI_MSIX_IRQ_INDEX,
			       VFIO_IRQ_SET_DATA_BOOL |
				       VFIO_IRQ_SET_ACTION_TRIGGER,
			       1, 3, bools, 1),
	       0, "loopback DATA_BOOL {1,0,1} on vectors 1..3");
	want[0] = 0;
	want[FIRST_BACKED] = want[FIRST_BACKED + 1] = 1;
	want[1] = want[3] = 1;
	check_counts(want, "loopback");
}

static void test_dropped(void)
{
	unsigned int v = FIRST_BACKED + 2;
	struct vic_dbg_vec before, after;

	tap_is(vicdev_msix_unset(&d, v, 1), 0, "unset backed vector %u", v);
	before = mt_dbg_vec(dbg, v);
	tap_ok(!before.trigger && before.virq == -1 && before.cookie == -1,
	       "debugfs: no trigger, no virq, no cookie");
	vicdev_doorbell(&d, v);
	vicdev_doorbell(&d, v);
	after = mt_dbg_vec(dbg, v);
	tap_is(after.dropped - before.dropped, 2, "2 doorbells dropped");
	tap_is(after.raised - before.raised, 2, "... and counted as raised");
	tap_is(mt_take(fds[v]), 0, "... the old eventfd is not signalled");
	tap_is(mt_backed_irq_lines(), NVEC - NR_EMULATED - 1,
	       "its Linux IRQ is freed");
	tap_is(vicdev_msix_set(&d, v, 1, &fds[v]), 0, "set it again");
	vicdev_doorbell(&d, v);
	tap_is(mt_take(fds[v]), 1, "... and it delivers");
}

static void test_mask(unsigned int v, int fmask)
{
	const char *how = fmask ? "Function Mask" : "table mask";
	struct vic_dbg_vec before, after;
	bool pend;
	int k;

	before = mt_dbg_vec(dbg, v);
	if (fmask)
		vicdev_function_mask(&d, true);
	else
		vicdev_mask(&d, v, true);
	after = mt_dbg_vec(dbg, v);
	tap_ok(after.masked, "%s: vector %u masked in debugfs", how, v);
	for (k = 0; k < 3; k++)
		vicdev_doorbell(&d, v);
	tap_is(mt_take(fds[v]), 0,
	       "%s: 3 doorbells on masked vector %u: nothing", how, v);
	vicdev_pending(&d, v, &pend);
	tap_ok(pend, "%s: PBA bit of vector %u set", how, v);
	after = mt_dbg_vec(dbg, v);
	tap_is(after.pended - before.pended, 3, "%s: debugfs pended +3", how);
	tap_ok(after.pending, "%s: debugfs pending", how);
	if (fmask)
		vicdev_function_mask(&d, false);
	else
		vicdev_mask(&d, v, false);
	tap_is(mt_take(fds[v]), 1, "%s: unmask releases exactly one signal",
	       how);
	vicdev_pending(&d, v, &pend);
	tap_ok(!pend, "%s: PBA bit cleared", how);
	after = mt_dbg_vec(dbg, v);
	tap_ok(mt_counts_balanced(&after) &&
		       after.delivered == before.delivered,
	       "%s: the release counts in none of the counters", how);

	/* mask and unmask again with nothing pending: no signal */
	if (fmask) {
		vicdev_function_mask(&d, true);
		vicdev_function_mask(&d, false);
	} else {
		vicdev_mask(&d, v, true);
		vicdev_mask(&d, v, false);
	}
	tap_is(mt_take(fds[v]), 0, "%s: no pending bit, no signal on unmask",
	       how);
	vicdev_doorbell(&d, v);
	tap_is(mt_take(fds[v]), 1, "%s: unmasked vector %u delivers again", how,
	       v);
}

static void test_fmask_all(void)
{
	uint64_t want[NVEC];
	unsigned int v;

	vicdev_function_mask(&d, true);
	for (v = 0; v < NVEC; v++) {
		vicdev_doorbell(&d, v);
		vicdev_doorbell(&d, v);
		want[v] = 0;
	}
	check_counts(want, "Function Mask: doorbells on every vector");
	vicdev_mask(&d, 2, true);
	vicdev_function_mask(&d, false);
	for (v = 0; v < NVEC; v++)
		want[v] = v != 2;
	check_counts(
		want,
		"Function Mask cleared: one signal per vector, none for the table-masked one");
	vicdev_mask(&d, 2, false);
	memset(want, 0, sizeof(want));
	want[2] = 1;
	check_counts(want, "table mask cleared: vector 2 released once");
}

struct ring_arg {
	unsigned int vector;
	unsigned int n;
	int failed;
};

static void *ring(void *p)
{
	struct ring_arg *a = p;
	unsigned int i;

	for (i = 0; i < a->n; i++)
		a->failed |= !!vicdev_doorbell(&d, a->vector);
	return NULL;
}

static void test_concurrent(void)
{
	struct ring_arg args[4] = {
		{ 0, 3000, 0 },
		{ FIRST_BACKED, 3000, 0 },
		{ 0, 3000, 0 },
		{ FIRST_BACKED, 3000, 0 },
	};
	uint64_t want[NVEC] = { 0 };
	struct vic_dbg_vec v0, vi;
	pthread_t t[4];
	int i, failed = 0;

	for (i = 0; i < 4; i++)
		pthread_create(&t[i], NULL, ring, &args[i]);
	for (i = 0; i < 4; i++) {
		pthread_join(t[i], NULL);
		failed |= args[i].failed;
	}
	tap_ok(!failed, "4 threads rang 3000 doorbells each");
	want[0] = 6000;
	want[FIRST_BACKED] = 6000;
	check_counts(want,
		     "concurrent doorbells on an emulated and a backed vector");
	v0 = mt_dbg_vec(dbg, 0);
	vi = mt_dbg_vec(dbg, FIRST_BACKED);
	tap_ok(mt_counts_balanced(&v0) && mt_counts_balanced(&vi),
	       "concurrent doorbells: every raise counted once (%" PRIu64
	       " raised, %" PRIu64 " delivered on vector %u)",
	       vi.raised, vi.delivered, FIRST_BACKED);
}

static uint64_t round_trip(unsigned int v, int n)
{
	uint64_t t0, c;
	int i, bad = 0;

	t0 = vicdev_now_ns();
	for (i = 0; i < n; i++) {
		vicdev_doorbell(&d, v);
		if (vicdev_eventfd_take(fds[v], &c) || c != 1)
			bad++;
	}
	t0 = vicdev_now_ns() - t0;
	tap_is(bad, 0, "round trip on vector %u: each doorbell seen at once",
	       v);
	return t0 / n;
}

int main(void)
{
	char uuid[VICDEV_UUID_LEN];
	uint64_t emul, ims;

	mt_load("nvec=16 nr_emulated=4");
	mt_create_open(&d, uuid);
	dbg = mt_dbg_id(uuid);
	if (vicdev_eventfds(fds, NVEC))
		mt_bail("eventfds");
	tap_is(vicdev_msix_set(&d, 0, NVEC, fds), 0,
	       "set the triggers of all %d vectors", NVEC);

	test_backing();
	test_doorbells();
	test_cmd_loopback();
	test_dropped();
	test_mask(1, 0);
	test_mask(FIRST_BACKED + 3, 0);
	test_mask(2, 1);
	test_mask(FIRST_BACKED + 4, 1);
	test_fmask_all();
	test_concurrent();

	emul = round_trip(0, 2000);
	ims = round_trip(FIRST_BACKED, 2000);
	tap_diag(
		"doorbell -> eventfd round trip (pwrite + read): emulated %" PRIu64
		" ns, %s %" PRIu64 " ns",
		emul, mt_backend(), ims);

	tap_is(vicdev_msix_disable(&d), 0, "disable MSI-X");
	tap_is(mt_backed_irq_lines(), 0, "no backed Linux IRQ left");
	mt_close_remove(&d);
	vicdev_close_fds(fds, NVEC);
	mt_unload();
	return tap_done();
}
