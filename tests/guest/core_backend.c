// SPDX-License-Identifier: GPL-2.0-only
/*
 * The backend seam, through vic_test.ko's IMS provider: the core holds a
 * reference on the backend's module (vic.ko for the IMS backend) for every
 * vector with a backing interrupt, and drops it when the interrupt is
 * freed, also when an allocation fails and SET_IRQS unwinds.
 */
#include "../lib/tap.h"
#include "../lib/vt.h"

#define NVEC 8
#define SLOTS 4

static long refcnt(void)
{
	FILE *f = fopen("/sys/module/vic/refcnt", "r");
	long n = -1;

	if (!f)
		return -1;
	if (fscanf(f, "%ld", &n) != 1)
		n = -1;
	fclose(f);
	return n;
}

int main(void)
{
	int32_t fds[NVEC], none = -1;
	int fd, dev, i;
	long base;

	vt_load_modules();
	fd = vt_create(NVEC, SLOTS, &dev);
	if (fd < 0)
		tap_bail("creating a context with an IMS backend");
	for (i = 0; i < NVEC; i++) {
		fds[i] = efd_new();
		if (fds[i] < 0)
			tap_bail("eventfd");
	}
	base = refcnt();
	tap_ok(base > 0, "vic.ko's refcnt is readable (%ld)", base);

	tap_is(vt_set_fds(fd, 0, 3, fds), 0, "triggers on IMS vectors 0-2");
	tap_is(refcnt(), base + 3, "vic.ko pinned once per backed vector");
	tap_is(vt_set_fds(fd, 0, 3, fds), 0, "the same triggers again");
	tap_is(refcnt(), base + 3, "replacing triggers takes no reference");
	tap_is(vt_set_fds(fd, 1, 1, &none), 0, "unset vector 1");
	tap_is(refcnt(), base + 2, "its reference is dropped");
	tap_errno(vt_set_fds(fd, 3, 5, fds + 3), ENOSPC,
		  "5 more vectors on 2 free slots: -ENOSPC");
	tap_is(refcnt(), base + 2,
	       "the unwound allocations dropped their references");
	tap_is(vt_disable(fd), 0, "disable MSI-X");
	tap_is(refcnt(), base, "every reference dropped");
	tap_is(vt_set_fds(fd, 0, 2, fds), 0, "triggers on 0-1 again");
	tap_is(refcnt(), base + 2, "vectors 0-1 pinned again");
	close(fd);
	fd = vt_create(NVEC, SLOTS, &dev);
	if (fd < 0)
		tap_bail("creating a second context");
	tap_is(refcnt(), base, "releasing the first context dropped them");
	close(fd);
	return tap_done();
}
