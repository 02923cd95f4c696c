// SPDX-License-Identifier: GPL-2.0-only
/*
 * vic_mdev instances backed by the MSI-X vectors of a real PCI function
 * (vic_msix.ko): QEMU's rocker switch of the test VM, bound to vic_mdev
 * with driver_override. Delivery through the parent's interrupts, exact
 * per vector; mask and unmask deliver exactly once; the parent's vectors
 * exhausted give -ENOSPC and change nothing; the parent unbound and
 * hot-removed while an instance is open go through REQ; the modules
 * unload.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <pthread.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include "mdev_common.h"

#define NVEC 8
#define NR_EMULATED 2
#define ROCKER_VECTORS 128
#define BIG_NVEC 100
#define BURST 2000

static char parent[256];

static int read_hex(const char *dir, const char *name)
{
	char path[512];
	unsigned int v = 0;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "r");
	if (!f)
		return -1;
	if (fscanf(f, "%x", &v) != 1)
		v = 0;
	fclose(f);
	return v;
}

/* The test VM's rocker (1b36:0006): its PCI name in @parent. */
static int find_rocker(void)
{
	char dir[512];
	struct dirent *e;
	DIR *d;

	d = opendir(VICDEV_PCI_DEVICES);
	if (!d)
		return -errno;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(dir, sizeof(dir), VICDEV_PCI_DEVICES "/%s", e->d_name);
		if (read_hex(dir, "vendor") == 0x1b36 &&
		    read_hex(dir, "device") == 0x0006) {
			snprintf(parent, sizeof(parent), "%s", e->d_name);
			break;
		}
	}
	closedir(d);
	return *parent ? 0 : -ENOENT;
}

/* The driver bound to the parent ("" if none). */
static const char *parent_driver(void)
{
	static char name[64];
	char link[512], target[512];
	ssize_t n;

	snprintf(link, sizeof(link), VICDEV_PCI_DEVICES "/%s/driver", parent);
	n = readlink(link, target, sizeof(target) - 1);
	if (n < 0)
		return "";
	target[n] = '\0';
	snprintf(name, sizeof(name), "%s", strrchr(target, '/') + 1);
	return name;
}

static int bind_parent(void)
{
	char path[512];
	int ret;

	snprintf(path, sizeof(path), VICDEV_PCI_DEVICES "/%s/driver_override",
		 parent);
	ret = tap_write_file(path, "vic_mdev");
	if (ret)
		return ret;
	if (!strcmp(parent_driver(), "vic_mdev"))
		return 0;
	return tap_write_file("/sys/bus/pci/drivers_probe", parent);
}

static bool type_exists(void)
{
	struct stat st;

	return !stat(vicdev_type_dir(), &st);
}

/*
 * The parent's MSI-X vectors with a handler: its Linux IRQs (msi_irqs/)
 * that have an action (a directory of /proc/irq/N/ per handler).
 */
static int parent_irqs(void)
{
	char path[512];
	struct dirent *e, *a;
	DIR *d, *p;
	int n = 0;

	snprintf(path, sizeof(path), VICDEV_PCI_DEVICES "/%s/msi_irqs", parent);
	d = opendir(path);
	if (!d) /* MSI-X disabled (unbound) or the function gone: none */
		return errno == ENOENT ? 0 : -errno;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/proc/irq/%s", e->d_name);
		p = opendir(path);
		if (!p)
			continue;
		while ((a = readdir(p)))
			n += a->d_type == DT_DIR && a->d_name[0] != '.';
		closedir(p);
	}
	closedir(d);
	return n;
}

static void check_vectors(int id, const char *what)
{
	struct vic_dbg_vec v;
	int i, types = 0, virqs = 0;

	for (i = 0; i < NVEC; i++) {
		v = mt_dbg_vec(id, i);
		if (i < NR_EMULATED) {
			types += !strcmp(v.type, "emul");
		} else {
			types += !strcmp(v.type, "msix");
			virqs += v.virq > 0;
		}
	}
	tap_is(types, NVEC, "%s: vectors 0-1 emul, 2-7 msix", what);
	tap_is(virqs, NVEC - NR_EMULATED,
	       "%s: each msix vector has a Linux IRQ", what);
}

static void delivery(void)
{
	char uuid[VICDEV_UUID_LEN];
	int32_t fds[NVEC];
	uint64_t got[NVEC] = { 0 };
	long long irqs_before, irqs_after, cpu1_before;
	struct vic_dbg_vec v;
	int i, k, id, exact = 0, balanced = 0;
	bool pending = false;
	struct vicdev d;

	mt_create_open(&d, uuid);
	id = mt_dbg_id(uuid);
	if (vicdev_eventfds(fds, NVEC))
		mt_bail("eventfds");
	tap_is(vicdev_msix_set(&d, 0, NVEC, fds), 0,
	       "triggers on all %d vectors", NVEC);
	check_vectors(id, "after SET_IRQS");
	tap_is(parent_irqs(), NVEC - NR_EMULATED,
	       "6 of the parent's MSI-X vectors requested (/proc/interrupts)");

	v = mt_dbg_vec(id, 5);
	irqs_before = mt_proc_irq_count(v.virq);
	/* Vector i rings i + 1 times, one at a time. */
	for (i = 0; i < NVEC; i++)
		for (k = 0; k <= i; k++)
			if (vicdev_doorbell(&d, i))
				mt_bail("doorbell");
	usleep(100000);
	for (i = 0; i < NVEC; i++) {
		got[i] = mt_take(fds[i]);
		exact += got[i] == (uint64_t)i + 1;
		v = mt_dbg_vec(id, i);
		balanced += v.raised == (uint64_t)i + 1 &&
			    v.delivered == (uint64_t)i + 1 &&
			    mt_counts_balanced(&v);
		if (got[i] != (uint64_t)i + 1)
			tap_diag("vector %d: %" PRIu64 " signals, want %d", i,
				 got[i], i + 1);
	}
	tap_is(exact, NVEC, "doorbells: every vector signalled exactly");
	tap_is(balanced, NVEC,
	       "core: raised = delivered = doorbells, every vector");
	irqs_after = mt_proc_irq_count(mt_dbg_vec(id, 5).virq);
	tap_ok(irqs_after - irqs_before >= 1 && irqs_after - irqs_before <= 6,
	       "vector 5: its 6 raises came as %lld interrupts of the parent (1..6)",
	       irqs_after - irqs_before);

	/*
	 * A burst, back to back, from CPU 0 at a vector that CPU 1 handles:
	 * raises fired while one is in flight send no message of their own
	 * (MSI-X would merge them), and the handler delivers each of them.
	 */
	v = mt_dbg_vec(id, 7);
	if (mt_pin_cpu(0) || mt_irq_affinity(v.virq, "1"))
		mt_bail("CPU affinity");
	irqs_before = mt_proc_irq_count(v.virq);
	cpu1_before = mt_proc_irq_cpu_count(v.virq, 1);
	for (k = 0; k < BURST; k++)
		if (vicdev_doorbell(&d, 7))
			mt_bail("doorbell");
	usleep(100000);
	tap_is(mt_take(fds[7]), BURST, "burst of %d doorbells: %d signals",
	       BURST, BURST);
	irqs_after = mt_proc_irq_count(v.virq);
	tap_is(mt_proc_irq_cpu_count(v.virq, 1) - cpu1_before,
	       irqs_after - irqs_before,
	       "burst: the parent's interrupts were all handled on CPU 1, its affinity");
	v = mt_dbg_vec(id, 7);
	tap_ok(v.raised == 8 + BURST && v.delivered == 8 + BURST &&
		       mt_counts_balanced(&v),
	       "burst: core raised = delivered = %d (raised %" PRIu64
	       " delivered %" PRIu64 ")",
	       8 + BURST, v.raised, v.delivered);
	tap_diag("burst: %d raises in %lld interrupts of the parent", BURST,
		 irqs_after - irqs_before);

	/* Mask: pended in the vic device, one signal on unmask. */
	tap_is(vicdev_mask(&d, 4, true), 0, "mask vector 4");
	for (k = 0; k < 3; k++)
		vicdev_doorbell(&d, 4);
	usleep(100000);
	tap_is(mt_take(fds[4]), 0, "masked: 3 doorbells, no signal");
	vicdev_pending(&d, 4, &pending);
	tap_ok(pending, "masked: the PBA bit is set");
	tap_is(vicdev_mask(&d, 4, false), 0, "unmask vector 4");
	usleep(100000);
	tap_is(mt_take(fds[4]), 1, "unmask: exactly one signal");
	v = mt_dbg_vec(id, 4);
	tap_ok(v.raised == 8 && v.pended == 3 && !v.pending &&
		       mt_counts_balanced(&v),
	       "core: 8 raised, 3 pended, balanced, nothing pending (raised %" PRIu64
	       " delivered %" PRIu64 " pended %" PRIu64 ")",
	       v.raised, v.delivered, v.pended);

	/* Function Mask forwards the same way. */
	vicdev_function_mask(&d, true);
	vicdev_doorbell(&d, 6);
	usleep(50000);
	tap_is(mt_take(fds[6]), 0, "Function Mask: no signal");
	vicdev_function_mask(&d, false);
	usleep(50000);
	tap_is(mt_take(fds[6]), 1, "Function Mask cleared: one signal");

	tap_is(vicdev_msix_unset(&d, 0, NVEC), 0, "triggers unset");
	tap_is(parent_irqs(), 0, "the parent's vectors are given back");
	vicdev_close_fds(fds, NVEC);
	mt_close_remove(&d);
}

/* nvec=100, 2 emulated: 98 of the parent's 128 vectors per instance. */
static void exhaustion(void)
{
	char ua[VICDEV_UUID_LEN], ub[VICDEV_UUID_LEN];
	int32_t fa[BIG_NVEC], fb[BIG_NVEC];
	struct vicdev a, b;
	int db, i, any = 0;

	mt_create_open(&a, ua);
	mt_create_open(&b, ub);
	db = mt_dbg_id(ub);
	if (vicdev_eventfds(fa, BIG_NVEC) || vicdev_eventfds(fb, BIG_NVEC))
		mt_bail("eventfds");
	tap_is(vicdev_msix_set(&a, 0, BIG_NVEC, fa), 0,
	       "A: 98 msix vectors of 128");
	tap_errno(vicdev_msix_set(&b, 0, BIG_NVEC, fb), ENOSPC,
		  "B: 98 more: ENOSPC");
	tap_is(parent_irqs(), BIG_NVEC - NR_EMULATED,
	       "after ENOSPC: B holds none of the parent's vectors");
	for (i = 0; i < BIG_NVEC; i++)
		any += mt_dbg_vec(db, i).trigger;
	tap_is(any, 0, "after ENOSPC: no trigger of B set");
	tap_is(vicdev_msix_set(&b, 0, 32, fb), 0,
	       "B: 30 msix vectors, the last 30");
	tap_errno(vicdev_msix_set(&b, 32, 1, &fb[32]), ENOSPC,
		  "B: one more: ENOSPC");
	tap_is(vicdev_msix_unset(&a, 0, BIG_NVEC), 0, "A unsets its vectors");
	tap_is(vicdev_msix_set(&b, 32, 1, &fb[32]), 0, "... then B gets one");
	vicdev_doorbell(&b, 32);
	usleep(50000);
	tap_is(mt_take(fb[32]), 1, "... and it delivers");
	vicdev_msix_unset(&b, 0, BIG_NVEC);
	vicdev_close_fds(fa, BIG_NVEC);
	vicdev_close_fds(fb, BIG_NVEC);
	mt_close_remove(&a);
	mt_close_remove(&b);
}

struct writer {
	char path[512];
	const char *val;
	int ret;
	int done;
};

static void *write_one(void *arg)
{
	struct writer *w = arg;

	w->ret = tap_write_file(w->path, w->val);
	__atomic_store_n(&w->done, 1, __ATOMIC_RELEASE);
	return NULL;
}

/*
 * The parent goes away while an instance is open with triggers set, by
 * @how: "unbind" (its driver unbound) or "remove" (hot-removed). REQ is
 * signalled, and the removal completes once the user closes the device.
 */
static void parent_gone(const char *how)
{
	char uuid[VICDEV_UUID_LEN];
	struct writer w = { .val = "1" };
	int32_t fds[NVEC];
	uint64_t req = 0;
	struct vicdev d;
	pthread_t t;
	int req_fd;

	if (!strcmp(how, "unbind")) {
		snprintf(w.path, sizeof(w.path),
			 "/sys/bus/pci/drivers/vic_mdev/unbind");
		w.val = parent;
	} else {
		snprintf(w.path, sizeof(w.path),
			 VICDEV_PCI_DEVICES "/%s/remove", parent);
	}
	mt_create_open(&d, uuid);
	req_fd = vicdev_eventfd();
	if (req_fd < 0 || vicdev_eventfds(fds, NVEC))
		mt_bail("eventfds");
	if (vicdev_msix_set(&d, 0, NVEC, fds) || vicdev_req_set(&d, req_fd))
		mt_bail("SET_IRQS");
	if (pthread_create(&t, NULL, write_one, &w))
		mt_bail("pthread_create");
	tap_is(vicdev_eventfd_wait(req_fd, 10000, &req), 0,
	       "%s while open: REQ signalled", how);
	usleep(200000);
	tap_ok(!__atomic_load_n(&w.done, __ATOMIC_ACQUIRE),
	       "%s: waits for the user to close the instance", how);
	vicdev_close(&d);
	pthread_join(t, NULL);
	tap_is(w.ret, 0, "%s: completes once the user closed it", how);
	tap_ok(!vicdev_exists(uuid), "%s: the instance is gone", how);
	tap_is(parent_irqs(), 0, "%s: no vector of the parent requested", how);
	vicdev_close_fds(fds, NVEC);
	close(req_fd);
}

int main(void)
{
	mt_skip_unless_root();
	if (find_rocker()) {
		printf("Bail out! no rocker (1b36:0006) in the test VM; tests/vm/run-vm adds one\n");
		return 1;
	}
	tap_diag("parent: rocker %s", parent);
	mt_load("nvec=8 nr_emulated=2");
	tap_is(bind_parent(), 0, "driver_override: rocker bound to vic_mdev");
	tap_is(strcmp(parent_driver(), "vic_mdev"), 0,
	       "the rocker's driver is vic_mdev");
	if (vicdev_set_parent(parent))
		mt_bail("vicdev_set_parent");
	tap_ok(type_exists(), "the rocker has type vic_mdev-msix");
	tap_diag("the parent's MSI-X vectors: %s allocation",
		 mt_klog_has("vectors (dynamic allocation)") ? "dynamic" :
		 mt_klog_has("vectors (static allocation)")  ? "static" :
							       "unknown");
	delivery();

	mt_load("nvec=100 nr_emulated=2");
	tap_is(strcmp(parent_driver(), "vic_mdev"), 0,
	       "vic_mdev reloaded: driver_override binds the rocker again");
	exhaustion();

	mt_load("nvec=8 nr_emulated=2");
	parent_gone("unbind");
	tap_is(strcmp(parent_driver(), ""), 0, "unbind: the rocker is free");
	tap_is(tap_write_file("/sys/bus/pci/drivers_probe", parent), 0,
	       "drivers_probe: bound again");
	parent_gone("remove");
	tap_is(tap_write_file("/sys/bus/pci/rescan", "1"), 0, "PCI rescan");
	*parent = '\0';
	tap_ok(!find_rocker() && !*parent_driver(),
	       "rescan: the rocker is back, unbound");

	mt_unload();
	tap_ok(!vicdev_module_loaded("vic_mdev"), "vic_mdev unloads");
	tap_is(syscall(SYS_delete_module, "vic_msix", O_NONBLOCK), 0,
	       "vic_msix unloads");
	return tap_done();
}
