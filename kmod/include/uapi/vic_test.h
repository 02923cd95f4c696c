/* SPDX-License-Identifier: GPL-2.0-only WITH Linux-syscall-note */
/*
 * vic_test: the test-only device that drives the vic core API from user
 * space. Each open of /dev/vic_test may create one device context.
 */
#ifndef _UAPI_VIC_TEST_H
#define _UAPI_VIC_TEST_H

#include <linux/const.h>
#include <linux/ioctl.h>
#include <linux/types.h>

#define VIC_TEST_IOC	0xf7

/* Create the context: nvec vectors, an IMS provider of ims_slots slots. */
struct vic_test_create {
	__u32 nvec;
	__u32 ims_slots;	/* 0: no backend */
};

struct vic_test_range {
	__u32 start;
	__u32 count;
};

struct vic_test_cookie {
	__u32 vector;
	__u32 pad;
	__u64 cookie;
};

#define VIC_TEST_SIGNAL_RAISE	_BITUL(0)	/* vic_raise, not send_signal */

/* Signal or raise a vector count times from process context. */
struct vic_test_signal {
	__u32 vector;
	__u32 flags;
	__u64 count;
};

/* Raise a vector from a hard-IRQ hrtimer: burst raises every period_ns. */
struct vic_test_timer {
	__u32 vector;
	__u32 flags;		/* VIC_TEST_SIGNAL_RAISE */
	__u64 count;
	__u64 period_ns;
	__u32 burst;
	__u32 pad;
};

#define VIC_TEST_SPACE_CAP	0
#define VIC_TEST_SPACE_TABLE	1
#define VIC_TEST_SPACE_PBA	2

struct vic_test_msix {
	__u32 space;
	__u32 off;
	__u32 len;
	__u32 write;
	__u64 val;
};

/* The cookie the test IMS provider's slot behind virq was programmed with. */
struct vic_test_irq_cookie {
	__s32 virq;
	__u32 pad;
	__u64 cookie;
};

/*
 * The test IMS provider: slots in use, allocations and frees, and the
 * MSI-X enables (attempts, with the nvec of the last) and disables it was
 * told of. Writing 1 to vic_test's fail_enable parameter fails every
 * enable with -EIO.
 */
struct vic_test_ims_stats {
	__u32 in_use;
	__u32 last_nvec;
	__u64 allocs;
	__u64 frees;
	__u64 enables;
	__u64 disables;
};

#define VIC_TEST_BENCH_FLOOR	0	/* eventfd_signal() on the eventfd */
#define VIC_TEST_BENCH_VIC	1	/* vic_send_signal() on the vector */
#define VIC_TEST_BENCH_PEER	2	/* mutex + xarray + eventfd_signal() */
#define VIC_TEST_BENCH_COOKIE	3	/* vic_set_cookie() on the vector */

/* Time count operations in the kernel; elapsed_ns is the result. */
struct vic_test_bench {
	__u32 mode;
	__u32 vector;
	__s32 eventfd;		/* FLOOR and PEER signal this eventfd */
	__u32 pad;
	__u64 count;
	__u64 elapsed_ns;
};

#define VIC_TEST_CREATE		_IOW(VIC_TEST_IOC, 0, struct vic_test_create)
#define VIC_TEST_SET_EMULATED	_IOW(VIC_TEST_IOC, 1, struct vic_test_range)
#define VIC_TEST_SET_COOKIE	_IOW(VIC_TEST_IOC, 2, struct vic_test_cookie)
/* Argument: struct vfio_irq_set followed by its data, as VFIO's. */
#define VIC_TEST_SET_IRQS	_IO(VIC_TEST_IOC, 3)
#define VIC_TEST_SIGNAL		_IOW(VIC_TEST_IOC, 4, struct vic_test_signal)
#define VIC_TEST_TIMER_START	_IOW(VIC_TEST_IOC, 5, struct vic_test_timer)
#define VIC_TEST_TIMER_WAIT	_IOR(VIC_TEST_IOC, 6, __u64)
#define VIC_TEST_MSIX		_IOWR(VIC_TEST_IOC, 7, struct vic_test_msix)
#define VIC_TEST_IRQ_COOKIE	_IOWR(VIC_TEST_IOC, 8, struct vic_test_irq_cookie)
#define VIC_TEST_IMS_STATS	_IOR(VIC_TEST_IOC, 9, struct vic_test_ims_stats)
#define VIC_TEST_RESET		_IO(VIC_TEST_IOC, 10)
#define VIC_TEST_BENCH		_IOWR(VIC_TEST_IOC, 11, struct vic_test_bench)

#endif /* _UAPI_VIC_TEST_H */
