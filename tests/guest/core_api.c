// SPDX-License-Identifier: GPL-2.0-only
/*
 * The vic core's API contract, through the test-only driver vic_test.ko:
 * set_emulated, set_cookie and its effect on the next allocation, SET_IRQS
 * with vfio-pci semantics and its unwind, send_signal and raise, MSI-X
 * capability, table mask, function mask and pending bits.
 */
#include <fcntl.h>
#include <limits.h>
#include <unistd.h>

#include "../lib/tap.h"
#include "../lib/vt.h"
#include "vic_debugfs.h"

#define NVEC 8
#define SLOTS 4

static int dev_fd, dev_id;
static int efd[NVEC];

static struct vic_dbg_vec vec(unsigned int v)
{
	struct vic_dbg_vec d = { 0 };

	if (vic_dbg_read_vector(dev_id, v, &d))
		tap_diag("cannot read debugfs vector %u", v);
	return d;
}

static int count_emulated(void)
{
	struct vic_dbg_vec v[NVEC];
	int i, n = 0, got = vic_dbg_read_vectors(dev_id, v, NVEC);

	for (i = 0; i < got; i++)
		n += !strcmp(v[i].type, "emul");
	return n;
}

static int count_triggers(void)
{
	struct vic_dbg_vec v[NVEC];
	int i, n = 0, got = vic_dbg_read_vectors(dev_id, v, NVEC);

	for (i = 0; i < got; i++)
		n += v[i].trigger;
	return n;
}

static uint32_t ims_in_use(void)
{
	struct vic_test_ims_stats st = { 0 };

	ioctl(dev_fd, VIC_TEST_IMS_STATS, &st);
	return st.in_use;
}

static int emulated(uint32_t start, uint32_t count)
{
	struct vic_test_range r = { .start = start, .count = count };

	return ioctl(dev_fd, VIC_TEST_SET_EMULATED, &r);
}

static int cookie(uint32_t vector, uint64_t c)
{
	struct vic_test_cookie k = { .vector = vector, .cookie = c };

	return ioctl(dev_fd, VIC_TEST_SET_COOKIE, &k);
}

static int64_t slot_cookie(int virq)
{
	struct vic_test_irq_cookie ic = { .virq = virq };

	if (ioctl(dev_fd, VIC_TEST_IRQ_COOKIE, &ic))
		return -1;
	return (int64_t)ic.cookie;
}

static void test_context(void)
{
	char name[64] = "";
	struct vic_dbg_vec v[NVEC + 1];

	tap_ok(dev_id >= 0, "context created, dev %d", dev_id);
	tap_ok(!vic_dbg_read_name(dev_id, name, sizeof(name)) &&
		       !strcmp(name, "vic_test"),
	       "debugfs name is the device's name");
	tap_is(vic_dbg_read_vectors(dev_id, v, NVEC + 1), NVEC,
	       "debugfs lists one line per vector");
	tap_ok(!strcmp(v[3].type, "ims") && !v[3].trigger && v[3].virq == -1 &&
		       v[3].cookie == -1,
	       "a fresh backed vector: ims, no trigger, no backing");
}

static void test_set_emulated(void)
{
	tap_is(emulated(0, 2), 0, "set_emulated(0, 2)");
	tap_errno(emulated(1, 2), EBUSY, "set_emulated overlapping: -EBUSY");
	tap_errno(emulated(6, 4), EINVAL, "set_emulated past nvec: -EINVAL");
	tap_errno(emulated(NVEC, 1), EINVAL, "set_emulated at nvec: -EINVAL");
	tap_errno(emulated(2, 0), EINVAL, "set_emulated of nothing: -EINVAL");
	tap_errno(emulated(1, UINT_MAX), EINVAL,
		  "set_emulated with start + count overflowing: -EINVAL");
	tap_is(count_emulated(), 2, "failed calls changed nothing: 2 emulated");
	tap_ok(!strcmp(vec(2).type, "ims") && !strcmp(vec(7).type, "ims"),
	       "vectors 2 and 7 are still backed");
}

static void test_cookie(void)
{
	int32_t fd3 = efd[3], unset = -1;
	struct vic_dbg_vec d;

	tap_errno(cookie(0, 0x55), EINVAL, "set_cookie on emulated: -EINVAL");
	tap_errno(cookie(NVEC, 0x55), EINVAL,
		  "set_cookie out of range: -EINVAL");
	tap_is(cookie(3, 0xabc), 0, "set_cookie(3, 0xabc)");
	tap_is(vec(3).cookie, -1, "no allocation yet: debugfs cookie '-'");

	tap_is(vt_set_fds(dev_fd, 3, 1, &fd3), 0, "trigger on vector 3");
	d = vec(3);
	tap_ok(d.virq > 0 && d.cookie == 0xabc,
	       "allocation used cookie 0xabc (virq %d, cookie 0x%llx)", d.virq,
	       (long long)d.cookie);
	tap_is(slot_cookie(d.virq), 0xabc,
	       "the slot was programmed with 0xabc");

	tap_is(cookie(3, 0xdef), 0, "set_cookie(3, 0xdef) while allocated");
	tap_is(vec(3).cookie, 0xabc, "current allocation keeps 0xabc");
	tap_is(slot_cookie(d.virq), 0xabc, "the slot still holds 0xabc");

	tap_is(vt_set_fds(dev_fd, 3, 1, &unset), 0, "fd -1 unsets vector 3");
	tap_is(ims_in_use(), 0, "unset freed the slot");
	tap_is(vt_set_fds(dev_fd, 3, 1, &fd3), 0, "trigger on vector 3 again");
	d = vec(3);
	tap_is(d.cookie, 0xdef, "next allocation uses 0xdef");
	tap_is(slot_cookie(d.virq), 0xdef, "the new slot holds 0xdef");
	tap_is(vt_disable(dev_fd), 0, "disable MSI-X");
	tap_is(ims_in_use(), 0, "disable freed every slot");
}

static void test_set_irqs_errors(void)
{
	uint32_t trig = VFIO_IRQ_SET_ACTION_TRIGGER;
	uint32_t none = VFIO_IRQ_SET_DATA_NONE | trig;
	struct vfio_irq_set s = { .argsz = sizeof(s) };
	int32_t fds[NVEC];

	tap_errno(vt_set_irqs(dev_fd, none | (1u << 10), 0, 1, NULL, 0), EINVAL,
		  "unknown flag: -EINVAL");
	tap_errno(vt_set_irqs(dev_fd, none | VFIO_IRQ_SET_DATA_BOOL, 0, 1, "\1",
			      1),
		  EINVAL, "two DATA bits: -EINVAL");
	tap_errno(vt_set_irqs(dev_fd, none | VFIO_IRQ_SET_ACTION_MASK, 0, 1,
			      NULL, 0),
		  EINVAL, "two ACTION bits: -EINVAL");
	tap_errno(vt_set_irqs(dev_fd,
			      VFIO_IRQ_SET_DATA_NONE | VFIO_IRQ_SET_ACTION_MASK,
			      0, 1, NULL, 0),
		  EINVAL, "ACTION_MASK on MSI-X: -EINVAL");
	tap_errno(vt_set_irqs(dev_fd,
			      VFIO_IRQ_SET_DATA_NONE |
				      VFIO_IRQ_SET_ACTION_UNMASK,
			      0, 1, NULL, 0),
		  EINVAL, "ACTION_UNMASK on MSI-X: -EINVAL");
	tap_errno(vt_set_irqs(dev_fd, none, 4, NVEC, NULL, 0), EINVAL,
		  "start + count > nvec: -EINVAL");
	tap_errno(vt_set_irqs(dev_fd, none, 1, UINT_MAX, NULL, 0), EINVAL,
		  "start + count overflowing 32 bits: -EINVAL");
	tap_errno(vt_set_irqs(dev_fd, none, NVEC, 0, NULL, 0), EINVAL,
		  "start == nvec: -EINVAL");
	tap_errno(vt_set_irqs(dev_fd, none, 0, 1, NULL, 0), EINVAL,
		  "loopback while MSI-X is disabled: -EINVAL");
	tap_errno(vt_disable(dev_fd), EINVAL,
		  "disable while disabled: -EINVAL (as vfio-pci)");

	/* argsz too small for the eventfds it announces */
	s.flags = VFIO_IRQ_SET_DATA_EVENTFD | trig;
	s.index = VFIO_PCI_MSIX_IRQ_INDEX;
	s.count = 2;
	tap_errno(ioctl(dev_fd, VIC_TEST_SET_IRQS, &s), EINVAL,
		  "argsz shorter than the data: -EINVAL");
	s.index = VFIO_PCI_MSI_IRQ_INDEX;
	s.count = 0;
	tap_errno(ioctl(dev_fd, VIC_TEST_SET_IRQS, &s), EINVAL,
		  "another index: -EINVAL");
	tap_is(count_triggers(), 0, "rejected calls set no trigger");

	for (int i = 0; i < NVEC; i++)
		fds[i] = efd[i];
	fds[1] = 12345; /* not an open fd */
	tap_errno(vt_set_fds(dev_fd, 0, NVEC, fds), EBADF,
		  "a closed fd in the block: -EBADF");
	tap_is(count_triggers(), 0, "the block was unwound: no trigger set");
	tap_is(ims_in_use(), 0, "no slot left allocated");
}

static void test_set_irqs_unwind(void)
{
	int32_t fds[NVEC], seven = efd[7];
	int pipefd[2];

	tap_is(vt_set_fds(dev_fd, 7, 1, &seven), 0, "trigger on vector 7");
	if (pipe(pipefd))
		tap_bail("pipe");
	for (int i = 0; i < 6; i++)
		fds[i] = efd[i];
	fds[4] = pipefd[0]; /* not an eventfd, after two backed vectors */
	tap_errno(vt_set_fds(dev_fd, 0, 6, fds), EINVAL,
		  "a non-eventfd fd in the middle of a block: -EINVAL");
	tap_is(count_triggers(), 1, "vectors 0-3 unset again, 7 kept");
	tap_ok(vec(7).trigger && !vec(2).trigger && !vec(3).trigger,
	       "vector 7 keeps its trigger, 2 and 3 have none");
	tap_is(ims_in_use(), 1, "only vector 7's slot stays allocated");
	close(pipefd[0]);
	close(pipefd[1]);

	/* 6 backed vectors, 4 slots: the fifth allocation fails. */
	for (int i = 0; i < NVEC; i++)
		fds[i] = efd[i];
	tap_errno(vt_set_fds(dev_fd, 0, NVEC, fds), ENOSPC,
		  "more backed vectors than slots: -ENOSPC");
	tap_is(count_triggers(), 1,
	       "vectors 0-4 unwound; 7, not reached, keeps its trigger");
	tap_is(ims_in_use(), 1, "only vector 7's slot stays allocated");
	tap_is(vt_disable(dev_fd), 0, "disable");
	tap_is(ims_in_use(), 0, "every slot freed");
}

static void test_loopback(void)
{
	uint32_t trig = VFIO_IRQ_SET_ACTION_TRIGGER;
	uint8_t bools[NVEC] = { 1, 0, 1, 0, 1, 0, 1, 0 };
	int32_t fds[NVEC], unset = -1;
	int i, ok = 1;

	for (i = 0; i < NVEC; i++)
		fds[i] = efd[i];
	fds[5] = -1; /* -1 in a block leaves vector 5 without a trigger */
	tap_is(vt_set_fds(dev_fd, 2, 4, fds + 2), 0, "triggers on 2-5");
	tap_is(vt_set_fds(dev_fd, 0, 2, fds), 0, "triggers on 0-1");
	tap_is(vt_set_fds(dev_fd, 7, 1, fds + 7), 0, "trigger on 7");
	tap_is(count_triggers(), 6, "6 vectors have a trigger (not 5, 6)");
	tap_is(ims_in_use(), 4, "4 backed vectors hold the 4 slots");

	tap_is(vt_set_irqs(dev_fd, VFIO_IRQ_SET_DATA_NONE | trig, 0, NVEC, NULL,
			   0),
	       0, "loopback DATA_NONE on all vectors");
	for (i = 0; i < NVEC; i++)
		ok &= efd_take(efd[i]) == (i != 5 && i != 6);
	tap_ok(ok, "each vector with a trigger signalled once, 5, 6 not");

	tap_is(vt_set_irqs(dev_fd, VFIO_IRQ_SET_DATA_BOOL | trig, 0, NVEC,
			   bools, 1),
	       0, "loopback DATA_BOOL 1,0,1,0,...");
	ok = 1;
	for (i = 0; i < NVEC; i++)
		ok &= efd_take(efd[i]) == (bools[i] && i != 6);
	tap_ok(ok,
	       "exactly the vectors whose byte is 1 (and trigger) signalled");

	tap_is(vt_set_fds(dev_fd, 7, 1, &unset), 0, "fd -1 unsets vector 7");
	tap_ok(!vec(7).trigger && vec(7).virq == -1,
	       "vector 7: no trigger, no backing");
	tap_is(ims_in_use(), 3, "its slot is free again");
	tap_is(vt_disable(dev_fd), 0, "disable drops every trigger");
	tap_is(count_triggers(), 0, "no trigger left");
	tap_is(ims_in_use(), 0, "no slot left");
}

static void test_signal(void)
{
	int32_t fds[NVEC];
	struct vic_dbg_vec before, after;

	for (int i = 0; i < NVEC; i++)
		fds[i] = efd[i];
	tap_is(vt_set_fds(dev_fd, 0, NVEC - 2, fds), 0, "triggers on 0-5");
	before = vec(1);
	tap_is(vt_signal(dev_fd, 1, 1000, 0), 0, "send_signal x1000 on 1");
	after = vec(1);
	tap_is(efd_take(efd[1]), 1000, "eventfd of 1 counted 1000");
	tap_is(after.raised - before.raised, 1000, "debugfs raised +1000");
	tap_is(after.delivered - before.delivered, 1000,
	       "debugfs delivered +1000");

	tap_errno(vt_signal(dev_fd, 3, 1, 0), EINVAL,
		  "send_signal on a backed vector: -EINVAL");
	tap_errno(vt_signal(dev_fd, NVEC, 1, 0), EINVAL,
		  "send_signal out of range: -EINVAL");

	before = vec(3);
	tap_is(vt_signal(dev_fd, 3, 500, VIC_TEST_SIGNAL_RAISE), 0,
	       "raise x500 on backed vector 3 (through its IRQ)");
	after = vec(3);
	tap_is(efd_take(efd[3]), 500, "eventfd of 3 counted 500");
	tap_is(after.delivered - before.delivered, 500,
	       "debugfs delivered +500");

	before = vec(7);
	tap_is(vt_signal(dev_fd, 7, 10, VIC_TEST_SIGNAL_RAISE), 0,
	       "raise x10 on vector 7, which has no trigger");
	after = vec(7);
	tap_ok(after.raised - before.raised == 10 &&
		       after.dropped - before.dropped == 10,
	       "counted as 10 raised, 10 dropped");
	tap_is(efd_take(efd[7]), 0, "nothing signalled");
}

static void test_mask(void)
{
	uint64_t val = 0;
	struct vic_dbg_vec d;

	tap_is(vt_table_mask(dev_fd, 1, 1), 0, "mask vector 1 in the table");
	tap_is(vt_msix(dev_fd, VIC_TEST_SPACE_TABLE, 16 + 12, 4, 0, &val), 0,
	       "read vector 1's control word");
	tap_is(val, 1, "mask bit reads back set");
	tap_is(vt_signal(dev_fd, 1, 5, 0), 0, "send_signal x5 while masked");
	tap_is(efd_take(efd[1]), 0, "nothing signalled while masked");
	val = 0;
	vt_msix(dev_fd, VIC_TEST_SPACE_PBA, 0, 8, 0, &val);
	tap_is(val, 1u << 1, "PBA: exactly vector 1 pending");
	d = vec(1);
	tap_ok(d.masked && d.pending, "debugfs: masked, pending");
	tap_is(vt_table_mask(dev_fd, 1, 0), 0, "unmask vector 1");
	tap_is(efd_take(efd[1]), 1, "pending released exactly once");
	vt_msix(dev_fd, VIC_TEST_SPACE_PBA, 0, 8, 0, &val);
	tap_is(val, 0, "PBA clear after unmask");
	tap_is(vt_table_mask(dev_fd, 1, 0), 0, "unmask again");
	tap_is(efd_take(efd[1]), 0, "no second release");

	/* Function mask over a table mask. */
	vt_table_mask(dev_fd, 3, 1);
	val = 0;
	vt_msix(dev_fd, VIC_TEST_SPACE_CAP, 0, 4, 0, &val);
	tap_is(val & 0xff, 0x11, "capability ID is MSI-X");
	tap_is((val >> 16) & 0x7ff, NVEC - 1, "table size field is nvec - 1");
	val = 0x4000; /* Function Mask */
	tap_is(vt_msix(dev_fd, VIC_TEST_SPACE_CAP, 2, 2, 1, &val), 0,
	       "set Function Mask");
	vt_signal(dev_fd, 0, 3, 0);
	vt_signal(dev_fd, 3, 3, VIC_TEST_SIGNAL_RAISE);
	tap_ok(!efd_take(efd[0]) && !efd_take(efd[3]),
	       "function-masked vectors signal nothing");
	val = 0x07ff;
	vt_msix(dev_fd, VIC_TEST_SPACE_CAP, 2, 2, 1, &val);
	val = 0;
	vt_msix(dev_fd, VIC_TEST_SPACE_CAP, 2, 2, 0, &val);
	tap_is(val, NVEC - 1, "clearing Function Mask; table size read-only");
	tap_is(efd_take(efd[0]), 1, "vector 0 released once");
	tap_is(efd_take(efd[3]), 0, "vector 3 still masked in its entry");
	tap_is(vt_table_mask(dev_fd, 3, 0), 0, "unmask vector 3's entry");
	tap_is(efd_take(efd[3]), 1, "vector 3 released once");
	d = vec(3);
	tap_is(d.raised, d.delivered + d.pended + d.dropped,
	       "vector 3: raised = delivered + pended + dropped");

	tap_errno(vt_msix(dev_fd, VIC_TEST_SPACE_TABLE, 2, 4, 0, &val), EINVAL,
		  "unaligned table access: -EINVAL");
	tap_errno(vt_msix(dev_fd, VIC_TEST_SPACE_TABLE, 0, 2, 0, &val), EINVAL,
		  "2-byte table access: -EINVAL");
	tap_errno(vt_msix(dev_fd, VIC_TEST_SPACE_TABLE, NVEC * 16, 4, 0, &val),
		  EINVAL, "table access past the end: -EINVAL");
}

static void test_reset(void)
{
	tap_is(vt_table_mask(dev_fd, 2, 1), 0, "mask vector 2");
	vt_signal(dev_fd, 2, 1, VIC_TEST_SIGNAL_RAISE);
	tap_is(cookie(4, 0x77), 0, "cookie 0x77 on vector 4");
	tap_is(ioctl(dev_fd, VIC_TEST_RESET), 0, "reset");
	tap_ok(!count_triggers() && !vec(2).masked && !vec(2).pending,
	       "reset dropped triggers, mask and pending bits");
	tap_is(ims_in_use(), 0, "reset freed every slot");
	{
		int32_t f = efd[4];

		vt_set_fds(dev_fd, 4, 1, &f);
		tap_is(vec(4).cookie, 0, "reset restored the default cookie");
		vt_disable(dev_fd);
	}
}

int main(void)
{
	vt_load_modules();
	dev_fd = vt_create(NVEC, SLOTS, &dev_id);
	if (dev_fd < 0)
		tap_bail("create a context on /dev/vic_test");
	if (efd_new_n(efd, NVEC))
		tap_bail("eventfd");
	test_context();
	test_set_emulated();
	test_cookie();
	test_set_irqs_errors();
	test_set_irqs_unwind();
	test_loopback();
	test_signal();
	test_mask();
	test_reset();
	close(dev_fd);
	return tap_done();
}
