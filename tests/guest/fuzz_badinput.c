// SPDX-License-Identifier: GPL-2.0-only
/* vic-test-vm: icount (the hrtimer hang checks: see mt_check_no_hog()) */

/*
 * Hostile input, row by row of docs/bad-input.md (each check starts with
 * its row id): SET_IRQS headers (sizes, flags, indexes, huge counts,
 * start + count overflow, unmapped headers and payloads), payload fds
 * (closed, foreign, O_PATH, not eventfds, another process's, reused
 * numbers), eventfds closed by user space while their vector is raised
 * from interrupt context, the REQ index, region accesses, registers,
 * ioctls and the mdev sysfs files. Each must return its errno (or be
 * ignored, as the contract says) and leave the device working, which is
 * checked after each group.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/timerfd.h>
#include <sys/wait.h>

#include "mdev_common.h"

#define NVEC 8
#define NR_EMULATED 2
#define MINSZ 20
#define TRIG VFIO_IRQ_SET_ACTION_TRIGGER
#define DATA_EFD (VFIO_IRQ_SET_DATA_EVENTFD | TRIG)
#define KPTR ((void *)0xffff888000001000ull)

static struct vicdev d;
static char uuid[VICDEV_UUID_LEN];
static int dbg;
static uint8_t *edge; /* the first byte of an unmapped page */

/* VFIO_DEVICE_SET_IRQS with every header field given. */
static int raw_irqs(uint32_t argsz, uint32_t flags, uint32_t index,
		    uint32_t start, uint32_t count, const void *data,
		    size_t len)
{
	uint8_t buf[MINSZ + 256];
	struct vfio_irq_set h = {
		.argsz = argsz,
		.flags = flags,
		.index = index,
		.start = start,
		.count = count,
	};

	memcpy(buf, &h, MINSZ);
	if (len)
		memcpy(buf + MINSZ, data, len);
	return ioctl(d.fd, VFIO_DEVICE_SET_IRQS, buf);
}

static int msix(uint32_t flags, uint32_t start, uint32_t count,
		const void *data, size_t esize)
{
	return raw_irqs(MINSZ + count * esize, flags, VFIO_PCI_MSIX_IRQ_INDEX,
			start, count, data, count * esize);
}

static int set1(uint32_t vector, int32_t fd)
{
	return msix(DATA_EFD, vector, 1, &fd, 4);
}

static uint64_t raised(uint32_t v)
{
	return mt_dbg_vec(dbg, v).raised;
}

static uint64_t delivered(uint32_t v)
{
	return mt_dbg_vec(dbg, v).delivered;
}

/* After each group: a known-good SET_IRQS + doorbells deliver exactly. */
static void still_works(const char *after)
{
	struct vic_dbg_vec v[NVEC];
	int32_t fds[NVEC];
	uint64_t c;
	int i, n, good = 1;

	vicdev_reset(&d);
	vicdev_eventfds(fds, NVEC);
	good &= !vicdev_msix_set(&d, 0, NVEC, fds);
	for (i = 0; i < NVEC; i++)
		good &= !vicdev_doorbell(&d, i) && !vicdev_doorbell(&d, i);
	for (i = 0; i < NVEC; i++)
		good &= !vicdev_eventfd_take(fds[i], &c) && c == 2;
	n = mt_dbg_all(dbg, v, NVEC);
	for (i = 0; i < n; i++)
		good &= mt_counts_balanced(&v[i]);
	tap_ok(good && n == NVEC,
	       "after %s: the device delivers exactly, every raise counted once",
	       after);
	vicdev_reset(&d);
	vicdev_close_fds(fds, NVEC);
}

/* --- A: SET_IRQS headers ------------------------------------------------- */

static void test_headers(void)
{
	int32_t fds[4] = { -1, -1, -1, -1 };
	struct {
		uint32_t start, count;
	} ovf[] = { { 1, 0xffffffff },
		    { 0xffffffff, 1 },
		    { 0x80000000, 0x80000000 },
		    { NVEC - 1, 0xffffffff },
		    { 0xfffffff8, 16 } };
	uint32_t idx[] = { VFIO_PCI_INTX_IRQ_INDEX,
			   VFIO_PCI_MSI_IRQ_INDEX,
			   VFIO_PCI_ERR_IRQ_INDEX,
			   VFIO_PCI_NUM_IRQS,
			   9,
			   0xffffffff };
	unsigned int i;
	uint8_t *h;
	int efd = vicdev_eventfd();

	tap_errno(raw_irqs(0, DATA_EFD, VFIO_PCI_MSIX_IRQ_INDEX, 0, 1, &efd, 4),
		  EINVAL, "A1 argsz 0: EINVAL");
	tap_errno(raw_irqs(MINSZ - 1, DATA_EFD, VFIO_PCI_MSIX_IRQ_INDEX, 0, 1,
			   &efd, 4),
		  EINVAL, "A2 argsz below the header: EINVAL");
	tap_errno(raw_irqs(MINSZ + 12, DATA_EFD, VFIO_PCI_MSIX_IRQ_INDEX, 0, 4,
			   fds, 16),
		  EINVAL, "A3 argsz without room for the 4 fds: EINVAL");
	tap_errno(msix(DATA_EFD | 1u << 6, 0, 1, &efd, 4), EINVAL,
		  "A4 unknown flag bit 6: EINVAL");
	tap_errno(msix(DATA_EFD | 1u << 31, 0, 1, &efd, 4), EINVAL,
		  "A4 unknown flag bit 31: EINVAL");
	tap_errno(msix(TRIG, 0, 1, &efd, 4), EINVAL, "A5 no DATA bit: EINVAL");
	tap_errno(msix(DATA_EFD | VFIO_IRQ_SET_DATA_BOOL, 0, 1, &efd, 4),
		  EINVAL, "A5 two DATA bits: EINVAL");
	tap_errno(msix(VFIO_IRQ_SET_DATA_EVENTFD, 0, 1, &efd, 4), EINVAL,
		  "A6 no ACTION bit: EINVAL");
	tap_errno(msix(DATA_EFD | VFIO_IRQ_SET_ACTION_MASK, 0, 1, &efd, 4),
		  EINVAL, "A6 two ACTION bits: EINVAL");
	tap_errno(msix(VFIO_IRQ_SET_DATA_NONE | VFIO_IRQ_SET_ACTION_MASK, 0, 1,
		       NULL, 0),
		  EINVAL, "A7 ACTION_MASK: EINVAL");
	tap_errno(msix(VFIO_IRQ_SET_DATA_NONE | VFIO_IRQ_SET_ACTION_UNMASK, 0,
		       1, NULL, 0),
		  EINVAL, "A7 ACTION_UNMASK: EINVAL");
	tap_errno(msix(DATA_EFD, NVEC, 1, &efd, 4), EINVAL,
		  "A8 start = nvec: EINVAL");
	tap_errno(msix(DATA_EFD, NVEC - 3, 4, fds, 4), EINVAL,
		  "A9 start + count = nvec + 1: EINVAL");
	tap_errno(raw_irqs(MINSZ, DATA_EFD, VFIO_PCI_MSIX_IRQ_INDEX, 0,
			   0xffffffff, NULL, 0),
		  EINVAL, "A10 count 0xffffffff, argsz the header: EINVAL");
	tap_errno(raw_irqs(0xffffffff, DATA_EFD, VFIO_PCI_MSIX_IRQ_INDEX, 0,
			   0xffffffff, fds, 16),
		  EINVAL, "A10 count 0xffffffff, argsz 0xffffffff: EINVAL");
	tap_errno(raw_irqs(0xffffffff, VFIO_IRQ_SET_DATA_BOOL | TRIG,
			   VFIO_PCI_MSIX_IRQ_INDEX, 0, 0x7fffffff, fds, 16),
		  EINVAL, "A10 BOOL count 0x7fffffff: EINVAL");
	for (i = 0; i < sizeof(ovf) / sizeof(ovf[0]); i++)
		tap_errno(
			raw_irqs(0xffffffff, DATA_EFD, VFIO_PCI_MSIX_IRQ_INDEX,
				 ovf[i].start, ovf[i].count, fds, 16),
			EINVAL, "A11 start 0x%x + count 0x%x overflows: EINVAL",
			ovf[i].start, ovf[i].count);
	for (i = 0; i < sizeof(idx) / sizeof(idx[0]); i++)
		tap_errno(raw_irqs(MINSZ + 4, DATA_EFD, idx[i], 0, 1, &efd, 4),
			  EINVAL, "A12 index %u: EINVAL", idx[i]);
	tap_errno(ioctl(d.fd, VFIO_DEVICE_SET_IRQS, NULL), EFAULT,
		  "A13 header at NULL: EFAULT");
	tap_errno(ioctl(d.fd, VFIO_DEVICE_SET_IRQS, KPTR), EFAULT,
		  "A13 header at a kernel address: EFAULT");
	tap_errno(ioctl(d.fd, VFIO_DEVICE_SET_IRQS, edge), EFAULT,
		  "A13 header in an unmapped page: EFAULT");
	h = edge - 10;
	memset(h, 0, 10);
	tap_errno(ioctl(d.fd, VFIO_DEVICE_SET_IRQS, h), EFAULT,
		  "A14 header cut by an unmapped page: EFAULT");

	/* A15: the payload is unreadable: nothing changes */
	tap_is(set1(3, efd), 0, "A15 (setup) vector 3 has a trigger");
	h = edge - MINSZ - 4;
	{
		struct vfio_irq_set s = { .argsz = MINSZ + 8,
					  .flags = DATA_EFD,
					  .index = VFIO_PCI_MSIX_IRQ_INDEX,
					  .start = 2,
					  .count = 2 };
		int32_t minus = -1;

		memcpy(h, &s, MINSZ);
		memcpy(h + MINSZ, &minus, 4);
		tap_errno(ioctl(d.fd, VFIO_DEVICE_SET_IRQS, h), EFAULT,
			  "A15 payload crosses into an unmapped page: EFAULT");
	}
	vicdev_doorbell(&d, 3);
	tap_is(mt_take(efd), 1, "A15 ... vector 3 kept its trigger");

	vicdev_msix_disable(&d);
	tap_errno(msix(VFIO_IRQ_SET_DATA_NONE | TRIG, 0, 1, NULL, 0), EINVAL,
		  "A16 loopback while MSI-X is disabled: EINVAL");
	tap_errno(vicdev_msix_disable(&d), EINVAL,
		  "A16 disable while disabled: EINVAL");
	close(efd);
	still_works("bad headers");
}

/* --- B: payload fds ------------------------------------------------------- */

/* A child that holds an eventfd at fd @num and waits; returns its pid. */
static pid_t holder(int num, int *sock)
{
	int sv[2], efd;
	pid_t pid;
	char c;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv))
		tap_bail("socketpair");
	pid = fork();
	if (pid < 0)
		tap_bail("fork");
	if (!pid) {
		close(sv[0]);
		efd = eventfd(0, EFD_NONBLOCK);
		if (efd < 0 || dup2(efd, num) < 0)
			_exit(1);
		/* send it too, then wait to be told to exit */
		{
			char cmsg[CMSG_SPACE(sizeof(int))] = { 0 };
			struct iovec iov = { .iov_base = &c, .iov_len = 1 };
			struct msghdr m = { .msg_iov = &iov,
					    .msg_iovlen = 1,
					    .msg_control = cmsg,
					    .msg_controllen = sizeof(cmsg) };
			struct cmsghdr *cm = CMSG_FIRSTHDR(&m);

			cm->cmsg_level = SOL_SOCKET;
			cm->cmsg_type = SCM_RIGHTS;
			cm->cmsg_len = CMSG_LEN(sizeof(int));
			memcpy(CMSG_DATA(cm), &num, sizeof(int));
			c = 'x';
			if (sendmsg(sv[1], &m, 0) != 1)
				_exit(1);
		}
		if (read(sv[1], &c, 1) < 0)
			_exit(1);
		_exit(0);
	}
	close(sv[1]);
	*sock = sv[0];
	return pid;
}

static int recv_fd(int sock)
{
	char cmsg[CMSG_SPACE(sizeof(int))], c;
	struct iovec iov = { .iov_base = &c, .iov_len = 1 };
	struct msghdr m = { .msg_iov = &iov,
			    .msg_iovlen = 1,
			    .msg_control = cmsg,
			    .msg_controllen = sizeof(cmsg) };
	struct cmsghdr *cm;
	int fd = -1;

	if (recvmsg(sock, &m, MSG_CMSG_CLOEXEC) != 1)
		return -1;
	cm = CMSG_FIRSTHDR(&m);
	if (cm && cm->cmsg_type == SCM_RIGHTS)
		memcpy(&fd, CMSG_DATA(cm), sizeof(int));
	return fd;
}

static void test_fds(void)
{
	struct {
		int fd;
		const char *what;
	} notefd[16];
	int n = 0, i, efd, p[2], s[2], closed, opath, sock, got, pidfd, gfd;
	int32_t three[3];
	char path[64];
	sigset_t mask;
	pid_t pid;
	uint64_t c;

	efd = vicdev_eventfd();
	/* B1, B2 */
	tap_errno(set1(2, 1000), EBADF, "B1 fd 1000 (not open): EBADF");
	tap_errno(set1(2, 1 << 20), EBADF,
		  "B1 fd 2^20 (beyond the table): EBADF");
	tap_errno(set1(2, INT_MAX), EBADF, "B1 fd INT_MAX: EBADF");
	closed = vicdev_eventfd();
	close(closed);
	tap_errno(set1(2, closed), EBADF,
		  "B2 a closed eventfd's number: EBADF");

	/* B3: files that are not eventfds */
	if (pipe2(p, O_CLOEXEC) ||
	    socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, s))
		tap_bail("pipe");
	sigemptyset(&mask);
	sigaddset(&mask, SIGUSR2);
	notefd[n].fd = open("/dev/null", O_RDWR | O_CLOEXEC);
	notefd[n++].what = "/dev/null";
	notefd[n].fd = p[0];
	notefd[n++].what = "a pipe";
	notefd[n].fd = s[0];
	notefd[n++].what = "a unix socket";
	notefd[n].fd = epoll_create1(EPOLL_CLOEXEC);
	notefd[n++].what = "an epoll fd";
	notefd[n].fd = memfd_create("bad", MFD_CLOEXEC);
	notefd[n++].what = "a memfd";
	notefd[n].fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC);
	notefd[n++].what = "a timerfd";
	notefd[n].fd = signalfd(-1, &mask, SFD_CLOEXEC);
	notefd[n++].what = "a signalfd";
	notefd[n].fd = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	notefd[n++].what = "a directory";
	notefd[n].fd = d.fd;
	notefd[n++].what = "the VFIO device fd itself";
	notefd[n].fd = d.group;
	notefd[n++].what = "the VFIO group fd";
	notefd[n].fd = d.container;
	notefd[n++].what = "the VFIO container fd";
	notefd[n].fd = syscall(SYS_pidfd_open, getpid(), 0);
	notefd[n++].what = "a pidfd";
	for (i = 0; i < n; i++) {
		tap_errno(set1(2, notefd[i].fd), EINVAL, "B3 %s: EINVAL",
			  notefd[i].what);
		if (notefd[i].fd != d.fd && notefd[i].fd != d.group &&
		    notefd[i].fd != d.container && notefd[i].fd >= 0 &&
		    notefd[i].fd != p[0] && notefd[i].fd != s[0])
			close(notefd[i].fd);
	}
	close(p[0]);
	close(p[1]);
	close(s[0]);
	close(s[1]);

	/* B4 */
	snprintf(path, sizeof(path), "/proc/self/fd/%d", efd);
	opath = open(path, O_PATH | O_CLOEXEC);
	tap_errno(set1(2, opath), EBADF,
		  "B4 an O_PATH fd of an eventfd: EBADF");
	close(opath);

	/* B5, B6, B7: another process's eventfd */
	close(900);
	pid = holder(900, &sock);
	got = recv_fd(sock);
	tap_ok(got >= 0, "B6 (setup) a child sent its eventfd over SCM_RIGHTS");
	tap_errno(set1(2, 900), EBADF,
		  "B5 fd 900, open only in another process: EBADF");
	tap_is(set1(2, got), 0,
	       "B6 another process's eventfd received over SCM_RIGHTS: accepted");
	vicdev_doorbell(&d, 2);
	tap_is(mt_take(got), 1, "B6 ... delivers");
	pidfd = syscall(SYS_pidfd_open, pid, 0);
	gfd = syscall(SYS_pidfd_getfd, pidfd, 900, 0);
	tap_is(set1(3, gfd), 0,
	       "B7 another process's eventfd taken with pidfd_getfd: accepted");
	vicdev_doorbell(&d, 3);
	tap_is(mt_take(gfd), 1, "B7 ... delivers (same eventfd as B6's)");
	if (write(sock, "q", 1) != 1)
		tap_bail("write");
	waitpid(pid, NULL, 0);
	vicdev_doorbell(&d, 2);
	tap_is(mt_take(got), 1,
	       "B6 ... and still delivers after the sender exited");
	close(sock);
	close(pidfd);
	close(gfd);
	close(got);

	/* B8 */
	tap_is(set1(4, efd), 0, "B8 (setup) vector 4 has a trigger");
	tap_is(set1(4, -2), 0, "B8 fd -2 unsets, as -1 (vfio-pci): 0");
	tap_ok(!mt_dbg_vec(dbg, 4).trigger, "B8 ... vector 4 has no trigger");
	tap_is(set1(4, efd), 0, "B8 (setup) again");
	tap_is(set1(4, INT_MIN), 0, "B8 fd INT_MIN unsets: 0");
	tap_ok(!mt_dbg_vec(dbg, 4).trigger, "B8 ... vector 4 has no trigger");

	/* B9: all or nothing */
	for (i = 0; i < 3; i++)
		three[i] = vicdev_eventfd();
	tap_is(msix(DATA_EFD, 5, 3, three, 4), 0,
	       "B9 (setup) vectors 5..7 have triggers");
	{
		int32_t bad[3] = { efd, efd, open("/dev/null", O_RDONLY) };

		tap_errno(msix(DATA_EFD, 5, 3, bad, 4), EINVAL,
			  "B9 [eventfd, eventfd, /dev/null] on 5..7: EINVAL");
		close(bad[2]);
	}
	tap_ok(!mt_dbg_vec(dbg, 5).trigger && !mt_dbg_vec(dbg, 6).trigger,
	       "B9 ... the vectors it reached (5, 6) are unset again");
	c = mt_dbg_vec(dbg, 5).dropped;
	vicdev_doorbell(&d, 5);
	tap_is(mt_dbg_vec(dbg, 5).dropped, c + 1, "B9 ... a raise of 5 drops");
	vicdev_doorbell(&d, 7);
	tap_is(mt_take(three[2]), 1,
	       "B9 ... the failing vector (7) kept its trigger");
	vicdev_close_fds(three, 3);

	/* B10: one eventfd for everything */
	{
		int32_t all[NVEC];

		for (i = 0; i < NVEC; i++)
			all[i] = efd;
		tap_is(vicdev_msix_set(&d, 0, NVEC, all), 0,
		       "B10 the same eventfd on every vector: accepted");
		tap_is(vicdev_req_set(&d, efd), 0, "B10 ... and on REQ");
		for (i = 0; i < NVEC; i++)
			vicdev_doorbell(&d, i);
		tap_is(mt_take(efd), NVEC, "B10 ... one signal per doorbell");
		vicdev_req_set(&d, -1);
	}

	/* B11: the trigger's fd number closed and reused */
	{
		int e = vicdev_eventfd(), nul;
		uint64_t before;

		set1(1, e);
		close(e);
		nul = open("/dev/null", O_RDONLY | O_CLOEXEC);
		tap_ok(nul == e,
		       "B11 (setup) eventfd %d closed, /dev/null reopened as %d",
		       e, nul);
		tap_errno(
			set1(1, nul), EINVAL,
			"B11 set again with that number (now /dev/null): EINVAL");
		before = delivered(1);
		vicdev_doorbell(&d, 1);
		tap_is(delivered(1), before + 1,
		       "B11 ... the vector still signals the original eventfd (the kernel's reference)");
		close(nul);
	}
	/* B12: an eventfd user space saturated */
	{
		uint64_t big = 0xfffffffffffffffeull, before = delivered(2);

		set1(2, efd);
		mt_take(efd);
		tap_is(write(efd, &big, 8), 8,
		       "B12 (setup) eventfd counter written to 2^64 - 2");
		vicdev_doorbell(&d, 2);
		vicdev_doorbell(&d, 2);
		tap_is(delivered(2), before + 2,
		       "B12 raises into a saturated eventfd: counted as delivered");
		tap_ok(mt_take(efd) == ~0ull,
		       "B12 ... the counter saturates at 2^64 - 1 (only this user's eventfd)");
	}
	close(efd);
	still_works("bad fds");
}

/* --- C: eventfds closed while their vector is raised from hard IRQ ---------- */

static void test_closed_eventfds(void)
{
	struct mt_hrtimer_stats hang = mt_hrtimer_stats();
	struct vic_dbg_vec v0[NVEC], v1[NVEC];
	uint64_t a, b, sum0 = 0, sum1 = 0;
	int32_t fds[NVEC];
	int i, good = 1;

	vicdev_eventfds(fds, NVEC);
	vicdev_msix_set(&d, 0, NVEC, fds);
	tap_is(vicdev_gen_start(&d, 0, NVEC, 10000, 1ull << 40), 0,
	       "C1 (setup) the generator raises every vector from hard IRQ, every 10 us");
	usleep(50000);
	vicdev_close_fds(fds, NVEC);
	mt_dbg_all(dbg, v0, NVEC);
	usleep(200000);
	mt_dbg_all(dbg, v1, NVEC);
	for (i = 0; i < NVEC; i++) {
		sum0 += v0[i].delivered;
		sum1 += v1[i].delivered;
		good &= v1[i].trigger;
	}
	tap_ok(good && sum1 > sum0,
	       "C1 every eventfd closed by user space: raises still delivered to the kernel's references (%" PRIu64
	       " more)",
	       sum1 - sum0);
	/* replace the orphans, then drop them all while raising */
	vicdev_eventfds(fds, NVEC);
	tap_is(vicdev_msix_set(&d, 0, NVEC, fds), 0,
	       "C1 the orphaned eventfds replaced while raising");
	usleep(50000);
	a = mt_take(fds[0]) + mt_take(fds[NR_EMULATED]);
	tap_ok(a > 0, "C1 ... the new eventfds get the signals (%" PRIu64 ")",
	       a);
	vicdev_close_fds(fds, NVEC);
	usleep(20000);
	tap_is(vicdev_msix_unset(&d, 0, NVEC), 0,
	       "C1 closed again, then unset while raising: 0");

	/* C2: a pending bit released into an eventfd user space closed */
	vicdev_write32(&d, VIC_MDEV_REG_GEN_CTRL, 0);
	vicdev_eventfds(fds, 2);
	set1(NR_EMULATED, fds[0]);
	set1(0, fds[1]);
	vicdev_mask(&d, NR_EMULATED, true);
	vicdev_mask(&d, 0, true);
	vicdev_doorbell(&d, NR_EMULATED);
	vicdev_doorbell(&d, 0);
	vicdev_close_fds(fds, 2);
	vicdev_mask(&d, NR_EMULATED, false);
	vicdev_mask(&d, 0, false);
	tap_ok(!mt_dbg_vec(dbg, 0).pending &&
		       !mt_dbg_vec(dbg, NR_EMULATED).pending,
	       "C2 pending raises released by unmasking into closed eventfds: no pending bit left");

	/* C3: eventfds closed, then the device closed mid-traffic */
	vicdev_eventfds(fds, NVEC);
	vicdev_msix_set(&d, 0, NVEC, fds);
	vicdev_gen_start(&d, 0, NVEC, 0, 1ull << 40);
	vicdev_close_fds(fds, NVEC);
	usleep(50000);
	vicdev_close_device(&d);
	b = mt_dbg_vec(dbg, 0).raised;
	usleep(20000);
	tap_ok(mt_dbg_vec(dbg, 0).raised == b && !mt_dbg_vec(dbg, 0).trigger,
	       "C3 device closed with closed eventfds mid-traffic: stopped, triggers dropped");
	if (vicdev_open_device(&d))
		mt_bail("reopening the device");
	mt_check_no_hog(hang, "C1-C3 the hrtimer interrupt never ran away");
	still_works("closed eventfds");
}

/* --- D: the REQ index -------------------------------------------------------- */

static void test_req(void)
{
	int32_t fd = vicdev_eventfd(), two[2] = { fd, fd }, m2 = -2;
	int nul = open("/dev/null", O_RDONLY | O_CLOEXEC);
	uint32_t r = VFIO_PCI_REQ_IRQ_INDEX;
	uint8_t *h;

	tap_errno(raw_irqs(MINSZ, DATA_EFD, r, 0, 0, NULL, 0), EINVAL,
		  "D1 REQ count 0: EINVAL");
	tap_errno(raw_irqs(MINSZ + 8, DATA_EFD, r, 0, 2, two, 8), EINVAL,
		  "D1 REQ count 2: EINVAL");
	tap_errno(raw_irqs(MINSZ + 4, DATA_EFD, r, 1, 1, &fd, 4), EINVAL,
		  "D1 REQ start 1: EINVAL");
	tap_errno(raw_irqs(MINSZ + 4, DATA_EFD, r, 0xffffffff, 1, &fd, 4),
		  EINVAL, "D1 REQ start 0xffffffff (overflow): EINVAL");
	tap_errno(raw_irqs(MINSZ + 4, DATA_EFD, r, 0, 1, &m2, 4), EINVAL,
		  "D2 REQ fd -2: EINVAL");
	tap_errno(raw_irqs(MINSZ + 4, DATA_EFD, r, 0, 1, &nul, 4), EINVAL,
		  "D2 REQ fd /dev/null: EINVAL");
	tap_errno(raw_irqs(MINSZ + 4, DATA_EFD, r, 0, 1, (int32_t[]){ 1000 },
			   4),
		  EBADF, "D2 REQ fd 1000 (not open): EBADF");
	tap_errno(raw_irqs(MINSZ,
			   VFIO_IRQ_SET_DATA_NONE | VFIO_IRQ_SET_ACTION_MASK, r,
			   0, 1, NULL, 0),
		  EINVAL, "D3 REQ ACTION_MASK: EINVAL");
	tap_errno(raw_irqs(MINSZ,
			   VFIO_IRQ_SET_DATA_NONE | VFIO_IRQ_SET_ACTION_UNMASK,
			   r, 0, 1, NULL, 0),
		  EINVAL, "D3 REQ ACTION_UNMASK: EINVAL");
	h = edge - MINSZ;
	{
		struct vfio_irq_set s = { .argsz = MINSZ + 4,
					  .flags = DATA_EFD,
					  .index = r,
					  .count = 1 };

		memcpy(h, &s, MINSZ);
		tap_errno(ioctl(d.fd, VFIO_DEVICE_SET_IRQS, h), EFAULT,
			  "D4 REQ payload in an unmapped page: EFAULT");
	}
	tap_errno(raw_irqs(MINSZ, VFIO_IRQ_SET_DATA_NONE | TRIG, r, 0, 1, NULL,
			   0),
		  EINVAL, "D5 REQ loopback without a trigger: EINVAL");
	tap_errno(raw_irqs(MINSZ, VFIO_IRQ_SET_DATA_NONE | TRIG, r, 0, 0, NULL,
			   0),
		  EINVAL,
		  "D5 REQ unset (DATA_NONE count 0) without a trigger: EINVAL");
	close(nul);
	close(fd);
	still_works("bad REQ input");
}

/* --- E: regions ---------------------------------------------------------------- */

/* The raw syscalls: the C library's checks would stop the bad buffers. */
static ssize_t rd(uint64_t pos, void *buf, size_t len)
{
	return syscall(SYS_pread64, d.fd, buf, len, (off_t)pos);
}

static ssize_t wr(uint64_t pos, const void *buf, size_t len)
{
	return syscall(SYS_pwrite64, d.fd, buf, len, (off_t)pos);
}

static void test_regions(void)
{
	uint64_t bar0 = d.bar0_off, cfg = d.cfg_off,
		 idx[] = { 1, 2, 3, 4, 5, 6, 8, 9, 255, 1 << 23 };
	size_t sizes[] = { 0, 1, 2, 3, 5, 7, 16 };
	uint8_t buf[64];
	uint32_t v32, after;
	uint64_t r0;
	unsigned int i;
	void *big;

	for (i = 0; i < sizeof(idx) / sizeof(idx[0]); i++)
		tap_errno(rd(idx[i] << 40, buf, 4), EINVAL,
			  "E1 region index %" PRIu64 ": EINVAL", idx[i]);
	tap_errno(rd(bar0 + 0x10000, buf, 4), EINVAL,
		  "E2 BAR0 at its size: EINVAL");
	tap_errno(rd(bar0 + 0xfffc, buf, 8), EINVAL,
		  "E2 BAR0 straddling its end: EINVAL");
	tap_errno(rd(bar0 + (1ull << 39), buf, 4), EINVAL,
		  "E2 BAR0 offset 2^39: EINVAL");
	tap_errno(rd(cfg + 256, buf, 4), EINVAL, "E2 config at 256: EINVAL");
	tap_errno(rd(cfg + 0xfe, buf, 4), EINVAL,
		  "E2 config straddling its end: EINVAL");
	tap_errno(rd(-4ull, buf, 4), EINVAL, "E3 negative offset: EINVAL");
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++)
		tap_errno(rd(bar0 + VIC_MDEV_REG_ID, buf, sizes[i]), EINVAL,
			  "E4 BAR0 %zu-byte access: EINVAL", sizes[i]);
	tap_errno(rd(bar0 + 0x12, buf, 4), EINVAL,
		  "E4 BAR0 misaligned 4-byte access: EINVAL");
	tap_errno(rd(bar0 + VIC_MDEV_MSIX_TABLE_OFFSET + 4, buf, 8), EINVAL,
		  "E4 MSI-X table misaligned 8-byte access: EINVAL");
	tap_errno(rd(bar0 + VIC_MDEV_REG_GEN_TOTAL, buf, 4), EINVAL,
		  "E5 4-byte access to a 64-bit register: EINVAL");
	tap_errno(rd(bar0 + VIC_MDEV_REG_GEN_TOTAL + 4, buf, 4), EINVAL,
		  "E5 the high half of a 64-bit register: EINVAL");
	tap_errno(rd(bar0 + VIC_MDEV_REG_GEN_FIRST, buf, 8), EINVAL,
		  "E5 8-byte access over two 32-bit registers: EINVAL");
	big = malloc(4096);
	tap_errno(
		rd(cfg, big, 1u << 30), EINVAL,
		"E6 config read of 1 GiB into a 4 KiB buffer: EINVAL, nothing copied");
	tap_errno(rd(bar0, big, 1u << 30), EINVAL,
		  "E6 BAR0 read of 1 GiB: EINVAL");
	free(big);
	tap_errno(rd(bar0 + VIC_MDEV_REG_ID, NULL, 4), EFAULT,
		  "E7 read into NULL: EFAULT");
	tap_errno(rd(bar0 + VIC_MDEV_REG_ID, edge, 4), EFAULT,
		  "E7 read into an unmapped page: EFAULT");
	tap_errno(wr(bar0 + VIC_MDEV_REG_DOORBELL, edge, 4), EFAULT,
		  "E7 DOORBELL write from an unmapped page: EFAULT");
	tap_errno(wr(cfg + 0x42, NULL, 2), EFAULT,
		  "E7 config write from NULL: EFAULT");
	r0 = raised(0);
	vicdev_write32(&d, VIC_MDEV_REG_NVEC, 1234);
	vicdev_write32(&d, VIC_MDEV_MSIX_PBA_OFFSET, 0xffffffff);
	vicdev_write32(&d, 0x100, 0xffffffff);
	vicdev_write64(&d, VIC_MDEV_REG_GEN_DONE, 77);
	tap_ok(mt_read32(&d, VIC_MDEV_REG_NVEC) == NVEC &&
		       mt_read32(&d, VIC_MDEV_MSIX_PBA_OFFSET) == 0 &&
		       mt_read32(&d, 0x100) == 0 &&
		       mt_read64(&d, VIC_MDEV_REG_GEN_DONE) == 0 &&
		       raised(0) == r0,
	       "E8 writes to NVEC, GEN_DONE, the PBA, reserved space: ignored");
	vicdev_cfg_read32(&d, 0, &v32);
	vicdev_cfg_write(&d, 0, (uint32_t[]){ 0xdeadbeef }, 4);
	vicdev_cfg_read32(&d, 0, &after);
	tap_is(after, v32, "E8 config writes outside Message Control: ignored");
	tap_ok(rd(bar0 + 0x18, buf, 8) == 8 &&
		       !memcmp(buf, "\0\0\0\0\0\0\0", 8),
	       "E8 8-byte read of reserved register space: reads 0");
	still_works("bad region accesses");
}

/* --- F: registers ---------------------------------------------------------------- */

static void test_registers(void)
{
	struct mt_hrtimer_stats hang;
	uint64_t r0, done;
	int32_t fds[NVEC];
	int i;

	mt_last_error(&d);
	r0 = 0;
	for (i = 0; i < NVEC; i++)
		r0 += raised(i);
	vicdev_doorbell(&d, NVEC);
	tap_is(mt_last_error(&d), -EINVAL,
	       "F1 DOORBELL nvec: LAST_ERROR -EINVAL");
	vicdev_doorbell(&d, 0xffffffff);
	tap_is(mt_last_error(&d), -EINVAL,
	       "F1 DOORBELL 0xffffffff: LAST_ERROR -EINVAL");
	for (i = 0; i < NVEC; i++)
		r0 -= raised(i);
	tap_is(r0, 0, "F1 ... nothing raised");
	vicdev_write32(&d, VIC_MDEV_REG_COOKIE_SEL, 0xffffffff);
	tap_is(mt_last_error(&d), -EINVAL, "F2 COOKIE_SEL 0xffffffff: -EINVAL");
	vicdev_write32(&d, VIC_MDEV_REG_COOKIE_SEL, 0);
	vicdev_write64(&d, VIC_MDEV_REG_COOKIE, ~0ull);
	tap_is(mt_last_error(&d), -EINVAL,
	       "F2 COOKIE on an emulated vector: -EINVAL");
	vicdev_write32(&d, VIC_MDEV_REG_GEN_FIRST, 0xffffffff);
	tap_is(mt_last_error(&d), -EINVAL, "F3 GEN_FIRST 0xffffffff: -EINVAL");
	vicdev_write32(&d, VIC_MDEV_REG_GEN_COUNT, 0xffffffff);
	tap_is(mt_last_error(&d), -EINVAL, "F3 GEN_COUNT 0xffffffff: -EINVAL");
	vicdev_write32(&d, VIC_MDEV_REG_GEN_FIRST, NVEC - 1);
	vicdev_write32(&d, VIC_MDEV_REG_GEN_COUNT, 2);
	vicdev_write64(&d, VIC_MDEV_REG_GEN_TOTAL, 10);
	vicdev_write32(&d, VIC_MDEV_REG_GEN_CTRL, 1);
	tap_is(mt_last_error(&d), -EINVAL,
	       "F3 start with GEN_FIRST + GEN_COUNT > nvec: -EINVAL");
	vicdev_write32(&d, VIC_MDEV_REG_GEN_FIRST, 0);
	vicdev_write64(&d, VIC_MDEV_REG_GEN_TOTAL, 0);
	vicdev_write32(&d, VIC_MDEV_REG_GEN_CTRL, 1);
	tap_is(mt_last_error(&d), -EINVAL,
	       "F3 start with GEN_TOTAL 0: -EINVAL");
	vicdev_write32(&d, VIC_MDEV_REG_GEN_CTRL, 2);
	tap_is(mt_last_error(&d), -EINVAL, "F3 GEN_CTRL 2: -EINVAL");
	tap_is(mt_read32(&d, VIC_MDEV_REG_GEN_CTRL), 0, "F3 ... nothing runs");

	/* F4, F5: an endless back-to-back run on every vector */
	vicdev_eventfds(fds, NVEC);
	vicdev_msix_set(&d, 0, NVEC, fds);
	hang = mt_hrtimer_stats();
	tap_is(vicdev_gen_start(&d, 0, NVEC, 0, ~0ull), 0,
	       "F5 GEN_TOTAL 2^64-1, period 0, every vector: starts");
	vicdev_write32(&d, VIC_MDEV_REG_GEN_COUNT, 1);
	tap_is(mt_last_error(&d), -EBUSY, "F4 GEN_COUNT while running: -EBUSY");
	vicdev_write64(&d, VIC_MDEV_REG_GEN_TOTAL, 1);
	tap_is(mt_last_error(&d), -EBUSY, "F4 GEN_TOTAL while running: -EBUSY");
	vicdev_write32(&d, VIC_MDEV_REG_GEN_CTRL, 1);
	tap_is(mt_last_error(&d), -EBUSY,
	       "F4 GEN_CTRL 1 while running: -EBUSY");
	sleep(1);
	done = mt_read64(&d, VIC_MDEV_REG_GEN_DONE);
	vicdev_write32(&d, VIC_MDEV_REG_GEN_CTRL, 0);
	tap_ok(done > 0 && !mt_read32(&d, VIC_MDEV_REG_GEN_CTRL),
	       "F5 ... %" PRIu64 " raises in 1 s, stops on GEN_CTRL 0", done);
	mt_check_no_hog(hang, "F5 ... the hrtimer interrupt never ran away");
	tap_is(vicdev_gen_start(&d, 0, 1, 0xffffffff, 2), 0,
	       "F5 GEN_PERIOD_NS 0xffffffff (4.3 s): starts");
	vicdev_write32(&d, VIC_MDEV_REG_GEN_CTRL, 0);
	tap_is(mt_read32(&d, VIC_MDEV_REG_GEN_CTRL), 0,
	       "F5 ... and stops at once");
	vicdev_close_fds(fds, NVEC);
	still_works("bad register values");
}

/* --- G: ioctls ----------------------------------------------------------------- */

static void test_ioctls(void)
{
	uint32_t cmds[] = { _IO(VFIO_TYPE, VFIO_BASE + 12),
			    _IO(VFIO_TYPE, VFIO_BASE + 60),
			    _IOWR(VFIO_TYPE, VFIO_BASE + 7, uint64_t),
			    VFIO_GROUP_GET_STATUS,
			    VFIO_SET_IOMMU,
			    VFIO_IOMMU_MAP_DMA,
			    _IOR('V', 1, int),
			    0xdeadbeef };
	struct {
		uint32_t argsz, flags;
	} feat;
	struct vfio_region_info ri = { .argsz = 8 };
	struct vfio_irq_info ii = { .argsz = sizeof(ii), .index = 99 };
	unsigned int i;

	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		tap_errno(ioctl(d.fd, cmds[i], edge - 64), ENOTTY,
			  "G1 ioctl 0x%08x: ENOTTY", cmds[i]);
	feat.argsz = 4;
	feat.flags = VFIO_DEVICE_FEATURE_PROBE;
	tap_errno(ioctl(d.fd, VFIO_DEVICE_FEATURE, &feat), EINVAL,
		  "G2 DEVICE_FEATURE argsz 4: EINVAL");
	feat.argsz = 8;
	feat.flags = 1u << 20;
	tap_errno(ioctl(d.fd, VFIO_DEVICE_FEATURE, &feat), EINVAL,
		  "G2 DEVICE_FEATURE unknown flag: EINVAL");
	feat.flags = VFIO_DEVICE_FEATURE_GET | VFIO_DEVICE_FEATURE_SET | 1;
	tap_errno(ioctl(d.fd, VFIO_DEVICE_FEATURE, &feat), EINVAL,
		  "G2 DEVICE_FEATURE GET | SET: EINVAL");
	for (i = 0; i < 5; i++) {
		feat.flags = VFIO_DEVICE_FEATURE_PROBE |
			     VFIO_DEVICE_FEATURE_GET | i;
		tap_errno(ioctl(d.fd, VFIO_DEVICE_FEATURE, &feat), ENOTTY,
			  "G2 DEVICE_FEATURE probe of feature %u: ENOTTY", i);
	}
	tap_errno(ioctl(d.fd, VFIO_DEVICE_FEATURE, NULL), EFAULT,
		  "G2 DEVICE_FEATURE at NULL: EFAULT");
	tap_errno(ioctl(d.fd, VFIO_DEVICE_GET_REGION_INFO, &ri), EINVAL,
		  "G3 REGION_INFO argsz 8: EINVAL");
	ri.argsz = sizeof(ri);
	ri.index = 0xffffffff;
	tap_errno(ioctl(d.fd, VFIO_DEVICE_GET_REGION_INFO, &ri), EINVAL,
		  "G3 REGION_INFO index 0xffffffff: EINVAL");
	tap_errno(ioctl(d.fd, VFIO_DEVICE_GET_IRQ_INFO, &ii), EINVAL,
		  "G3 IRQ_INFO index 99: EINVAL");
	tap_errno(ioctl(d.fd, VFIO_DEVICE_GET_INFO, NULL), EFAULT,
		  "G3 GET_INFO at NULL: EFAULT");
	tap_errno(ioctl(d.fd, VFIO_DEVICE_GET_IRQ_INFO, edge - 8), EFAULT,
		  "G3 IRQ_INFO cut by an unmapped page: EFAULT");
	tap_is(ioctl(d.fd, VFIO_DEVICE_RESET, KPTR), 0,
	       "G4 RESET with a garbage argument: 0 (no argument)");
	/* the reset cleared COMMAND: enable the device again */
	tap_is(vicdev_enable(&d), 0, "G4 ... and enable the device again");
	tap_ok(mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, d.fd,
		    d.bar0_off) == MAP_FAILED,
	       "G5 mmap of BAR0: fails (%s)", strerror(errno));
	still_works("bad ioctls");
}

/* --- H: mdev sysfs ----------------------------------------------------------- */

static int create_raw(const char *s)
{
	int fd = open(VICDEV_TYPE_DIR "/create", O_WRONLY | O_CLOEXEC);
	int ret;

	if (fd < 0)
		return -1;
	ret = write(fd, s, strlen(s)) < 0 ? -1 : 0;
	close(fd);
	return ret;
}

static void test_sysfs(void)
{
	char path[128], many[64][VICDEV_UUID_LEN];
	int avail = vicdev_available(), n = 0, i, fd;

	tap_errno(create_raw("not-a-uuid"), EINVAL,
		  "H1 create 'not-a-uuid': EINVAL");
	tap_errno(create_raw("zzzzzzzz-zzzz-zzzz-zzzz-zzzzzzzzzzzz"), EINVAL,
		  "H1 create a malformed uuid of the right length: EINVAL");
	tap_errno(vicdev_create_uuid(uuid), EEXIST,
		  "H1 create an existing uuid: EEXIST");
	while (n < 64 && !vicdev_create(many[n]))
		n++;
	tap_is(n, avail, "H1 (setup) created the %d available instances",
	       avail);
	tap_errno(vicdev_create(path), EUSERS,
		  "H1 create beyond available_instances: EUSERS");
	for (i = 0; i < n; i++)
		vicdev_remove(many[i]);
	snprintf(path, sizeof(path), VICDEV_MDEV_DEVICES "/%s/remove", uuid);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	tap_ok(fd >= 0 && write(fd, "0", 1) == 1 && vicdev_exists(uuid),
	       "H2 write 0 to remove: ignored, the instance stays");
	if (fd >= 0)
		close(fd);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	tap_errno(fd >= 0 ? write(fd, "junk", 4) : -1, EINVAL,
		  "H2 write 'junk' to remove: EINVAL");
	if (fd >= 0)
		close(fd);
	tap_is(vicdev_available(), avail, "H1 ... available_instances back");
	still_works("bad sysfs input");
}

/*
 * A17: one SET_IRQS that unsets many IMS vectors (fds -1) frees their
 * interrupts after a single RCU grace period, as disabling MSI-X does (it
 * once waited for one grace period per vector).
 */
static void test_unset_latency(void)
{
	enum { N = 256 };
	char u[VICDEV_UUID_LEN], desc[160];
	int32_t fds[N];
	struct vicdev b;
	uint64_t t0, unset_ns, disable_ns;
	int i, efd;

	mt_load("nvec=256 nr_emulated=0");
	mt_create_open(&b, u);
	efd = vicdev_eventfd();
	for (i = 0; i < N; i++)
		fds[i] = efd;
	vicdev_msix_set(&b, 0, N, fds);
	t0 = vicdev_now_ns();
	tap_is(vicdev_msix_disable(&b), 0,
	       "A17 (setup) disable MSI-X with %d IMS triggers", N);
	disable_ns = vicdev_now_ns() - t0;
	vicdev_msix_set(&b, 0, N, fds);
	t0 = vicdev_now_ns();
	tap_is(vicdev_msix_unset(&b, 0, N), 0,
	       "A17 unset %d IMS triggers (fds -1) in one SET_IRQS: 0", N);
	unset_ns = vicdev_now_ns() - t0;
	snprintf(desc, sizeof(desc),
		 "A17 ... in %.2f s, as prompt as disabling them (%.3f s)",
		 unset_ns / 1e9, disable_ns / 1e9);
	tap_ok(unset_ns < 10 * disable_ns + 500000000ull, "%s", desc);
	close(efd);
	mt_close_remove(&b);
}

int main(void)
{
	long pg = sysconf(_SC_PAGESIZE);
	uint8_t *m;

	mt_load("nvec=8 nr_emulated=2");
	m = mmap(NULL, 2 * pg, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (m == MAP_FAILED || mprotect(m + pg, pg, PROT_NONE))
		tap_bail("mmap");
	edge = m + pg;
	mt_create_open(&d, uuid);
	dbg = mt_dbg_id(uuid);
	test_headers();
	test_fds();
	test_closed_eventfds();
	test_req();
	test_regions();
	test_registers();
	test_ioctls();
	test_sysfs();
	mt_close_remove(&d);
	tap_ok(!vicdev_exists(uuid), "instance removed");
	test_unset_latency();
	tap_is(mt_proc_irq_lines("vic-ims"), 0, "no IMS Linux IRQ left");
	mt_unload();
	return tap_done();
}
