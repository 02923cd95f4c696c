// SPDX-License-Identifier: GPL-2.0-only
/*
 * The backend seam, through vic_test.ko's IMS provider: the core holds a
 * reference on the backend's module (vic.ko for the IMS backend) for every
 * vector with a backing interrupt, and drops it when the interrupt is
 * freed, also when an allocation fails and SET_IRQS unwinds. The
 * backend's enable and disable: once per MSI-X enable of the device, with
 * the vectors it is about to use, and a failing enable fails SET_IRQS and
 * changes nothing.
 */
#include <errno.h>
#include <inttypes.h>

#include "../lib/tap.h"
#include "../lib/vt.h"

#define NVEC 8
#define SLOTS 4
#define FAIL_ENABLE "/sys/module/vic_test/parameters/fail_enable"

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

static struct vic_test_ims_stats stats(int fd)
{
	struct vic_test_ims_stats st = { 0 };

	if (ioctl(fd, VIC_TEST_IMS_STATS, &st))
		tap_bail("VIC_TEST_IMS_STATS");
	return st;
}

static int fail_enable(const char *val)
{
	return tap_write_file(FAIL_ENABLE, val);
}

/* @what: enables and disables since the context was created, and in use */
static void check_ed(int fd, uint64_t en, uint64_t dis, uint32_t in_use,
		     const char *what)
{
	struct vic_test_ims_stats st = stats(fd);

	tap_ok(st.enables == en && st.disables == dis && st.in_use == in_use,
	       "%s: %" PRIu64 " enables, %" PRIu64
	       " disables, %u slots (want %" PRIu64 ", %" PRIu64 ", %u)",
	       what, (uint64_t)st.enables, (uint64_t)st.disables, st.in_use, en,
	       dis, in_use);
}

static void test_enable_disable(int32_t *fds)
{
	int fd, dev;

	fd = vt_create(NVEC, SLOTS, &dev);
	if (fd < 0)
		tap_bail("creating a context");
	check_ed(fd, 0, 0, 0, "new context");
	tap_is(vt_set_fds(fd, 1, 2, fds), 0, "triggers on vectors 1-2");
	check_ed(fd, 1, 0, 2, "MSI-X enabled");
	tap_is(stats(fd).last_nvec, 3, "enable told of vectors [0, 3)");
	tap_is(vt_set_fds(fd, 3, 1, fds + 3), 0, "one more trigger");
	check_ed(fd, 1, 0, 3, "a second SET_IRQS while enabled");
	tap_is(vt_disable(fd), 0, "disable MSI-X");
	check_ed(fd, 1, 1, 0, "disabled");
	tap_errno(vt_disable(fd), EINVAL, "disable again: EINVAL");
	check_ed(fd, 1, 1, 0, "disable again");

	tap_errno(vt_set_fds(fd, 0, 5, fds), ENOSPC,
		  "5 triggers on 4 slots: ENOSPC");
	check_ed(fd, 2, 2, 0, "the enable of a failed SET_IRQS is undone");
	tap_errno(vt_disable(fd), EINVAL, "... MSI-X stays disabled");

	tap_is(fail_enable("1"), 0, "the provider's enable fails from now");
	tap_errno(vt_set_fds(fd, 0, 2, fds), EIO,
		  "SET_IRQS: the enable's -EIO");
	check_ed(fd, 3, 2, 0, "failed enable: no disable, no slot");
	tap_errno(vt_disable(fd), EINVAL, "... MSI-X stays disabled");
	tap_is(fail_enable("0"), 0, "the provider's enable works again");
	tap_is(vt_set_fds(fd, 0, 2, fds), 0, "triggers on vectors 0-1");
	check_ed(fd, 4, 2, 2, "enabled again");
	tap_is(ioctl(fd, VIC_TEST_RESET), 0, "RESET");
	check_ed(fd, 4, 3, 0, "RESET disables");
	close(fd);
}

int main(void)
{
	int32_t fds[NVEC], none = -1;
	int fd, dev;
	long base;

	vt_load_modules();
	fd = vt_create(NVEC, SLOTS, &dev);
	if (fd < 0)
		tap_bail("creating a context with an IMS backend");
	if (efd_new_n(fds, NVEC))
		tap_bail("eventfd");
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
	test_enable_disable(fds);
	return tap_done();
}
