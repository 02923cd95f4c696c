// SPDX-License-Identifier: GPL-2.0-only
/*
 * vic-fuzz: a fuzzer of vic_mdev's VFIO uAPI, with an oracle.
 *
 * From a seed, it generates --count inputs (or runs for --seconds):
 *   - VFIO_DEVICE_SET_IRQS: random argsz, flags, index, start, count
 *     (boundaries, overflowing start + count, huge counts), payloads of
 *     eventfds, other files (pipes, sockets, /dev/null, the VFIO fds, ...),
 *     O_PATH and closed fds, random numbers; headers or payloads that end
 *     in an unmapped page;
 *   - region reads and writes: random region indexes, offsets (register
 *     block, MSI-X table, PBA, boundaries, beyond), sizes and values, and
 *     unmapped buffers;
 *   - ioctls: the device's own with random contents, VFIO_DEVICE_FEATURE,
 *     random ioctl numbers, with valid, NULL or kernel pointers;
 *   - now and then RESET, closing and reopening the device fd.
 *
 * The fuzzer is single-threaded, so the device's state that decides each
 * result (MSI-X enabled, REQ trigger set) is known: an oracle, written from
 * the contract (docs/vic_mdev.md, docs/core.md) and the VFIO core's checks,
 * predicts the exact result (success or errno) of every input, and any
 * difference is a failure, reported with the seed and the input's number.
 * Every --check-every inputs and at the end, a known-good sequence must
 * still deliver exactly: SET_IRQS, DOORBELLs, eventfd counts, debugfs
 * conservation, REQ loopback. Between checks a background generator often
 * raises every vector, so fuzzed triggers are signalled from hard-IRQ
 * context.
 *
 * Output is TAP; "# " lines carry the figures. Exit 0 when every check
 * passed, 1 otherwise, 77 when not root.
 */
#define _GNU_SOURCE
#include <getopt.h>
#include <limits.h>
#include <linux/pci_regs.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/timerfd.h>

#include "../../tests/lib/tap.h"
#include "stress.h"
#include "vic_debugfs.h"
#include "vicdev.h"

#define NVEC 16
#define NR_EMUL 4
#define MINSZ 20 /* offsetofend(struct vfio_irq_set, count) */
#define MAX_ELEMS 4096 /* payload elements actually written */
#define BAR0_SIZE 0x10000
#define CFG_SIZE 256
#define REGION_SHIFT 40
#define MAX_RW 0x7ffff000ull /* MAX_RW_COUNT on x86-64 */
#define KPTR ((void *)0xffff888000001000ull)
#define MAX_MISMATCH_LOG 20

static struct {
	uint64_t seed;
	uint64_t count;
	unsigned int seconds;
	unsigned int check_every;
	bool verbose;
} opt = { .seed = 1, .count = 100000, .check_every = 5000 };

static struct vicdev d;
static char uuid[VICDEV_UUID_LEN];
static int dbg;
static struct rng rng;
static uint64_t iter;

/* The device state the results depend on. */
static struct {
	bool msix_enabled;
	bool req_set;
	bool mem; /* COMMAND Memory Space: BAR0 accesses allowed */
} st;

/* Figures. */
enum kind { K_SET_IRQS, K_REGION, K_IOCTL, K_DEVICE, K_MAX };
static const char *const kind_name[K_MAX] = { "SET_IRQS", "region r/w", "ioctl",
					      "RESET/reopen" };
static uint64_t inputs[K_MAX], accepted[K_MAX], rejected[K_MAX];
static uint64_t errno_hist[256];
static uint64_t mismatches, checks, checks_failed;

/* --- files to pass as eventfds ----------------------------------------- */

enum fdkind { F_EFD, F_NOTEFD, F_BADF, F_NEG };

struct fdent {
	int32_t fd;
	enum fdkind kind;
	const char *what;
};

static struct fdent fdtab[40];
static int nfd;
static int dev_slot; /* fdtab index of the device fd (changes on reopen) */
static int efds[4];

static void fd_add(int32_t fd, enum fdkind kind, const char *what)
{
	if (fd < 0 && kind != F_NEG && kind != F_BADF)
		tap_bail(what);
	fdtab[nfd].fd = fd;
	fdtab[nfd].kind = kind;
	fdtab[nfd].what = what;
	nfd++;
}

static void fds_setup(void)
{
	int p[2], s[2], i, closed = 1000;
	char path[64];
	sigset_t mask;

	for (i = 0; i < 4; i++) {
		efds[i] = vicdev_eventfd();
		fd_add(efds[i], F_EFD, "eventfd");
	}
	fd_add(open("/dev/null", O_RDWR | O_CLOEXEC), F_NOTEFD, "/dev/null");
	if (pipe2(p, O_CLOEXEC))
		tap_bail("pipe");
	fd_add(p[0], F_NOTEFD, "pipe read end");
	fd_add(p[1], F_NOTEFD, "pipe write end");
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, s))
		tap_bail("socketpair");
	fd_add(s[0], F_NOTEFD, "unix socket");
	fd_add(epoll_create1(EPOLL_CLOEXEC), F_NOTEFD, "epoll");
	fd_add(memfd_create("vic-fuzz", MFD_CLOEXEC), F_NOTEFD, "memfd");
	fd_add(timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC), F_NOTEFD,
	       "timerfd");
	sigemptyset(&mask);
	sigaddset(&mask, SIGUSR2);
	fd_add(signalfd(-1, &mask, SFD_CLOEXEC), F_NOTEFD, "signalfd");
	fd_add(open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC), F_NOTEFD,
	       "directory");
	dev_slot = nfd;
	fd_add(d.fd, F_NOTEFD, "VFIO device fd");
	fd_add(d.group, F_NOTEFD, "VFIO group fd");
	fd_add(d.container, F_NOTEFD, "VFIO container fd");
	snprintf(path, sizeof(path), "/proc/self/fd/%d", efds[0]);
	fd_add(open(path, O_PATH | O_CLOEXEC), F_BADF, "O_PATH of an eventfd");
	while (fcntl(closed, F_GETFD) >= 0)
		closed++;
	fd_add(closed, F_BADF, "closed fd");
	fd_add(1 << 20, F_BADF, "fd beyond the table");
	fd_add(INT_MAX, F_BADF, "INT_MAX");
	fd_add(-1, F_NEG, "-1");
	fd_add(-2, F_NEG, "-2");
	fd_add(INT_MIN, F_NEG, "INT_MIN");
}

static enum fdkind classify(int32_t fd)
{
	int i;

	if (fd < 0)
		return F_NEG;
	for (i = 0; i < nfd; i++)
		if (fdtab[i].fd == fd)
			return fdtab[i].kind;
	if (fcntl(fd, F_GETFD) < 0)
		return F_BADF;
	return F_NOTEFD; /* stdin, stdout, ... */
}

/*
 * A plausible input: a valid header whose payload is almost all eventfds,
 * so that whole blocks get set, replaced and unwound (few -1: each unset
 * of an IMS vector costs an RCU grace period).
 */
static bool sane;

static int32_t pick_fd(void)
{
	if (sane) {
		if (rng_pct(&rng, 93))
			return efds[rng_below(&rng, 4)];
		if (rng_pct(&rng, 50))
			return -1;
		return fdtab[rng_below(&rng, nfd)].fd;
	}
	if (rng_pct(&rng, 10))
		return (int32_t)rng_next(&rng);
	/* eventfds and -1 most of the time, so whole blocks succeed */
	if (rng_pct(&rng, 60))
		return rng_pct(&rng, 80) ? efds[rng_below(&rng, 4)] : -1;
	return fdtab[rng_below(&rng, nfd)].fd;
}

/* --- memory for arguments ---------------------------------------------- */

/*
 * A buffer of PAGE*2 bytes followed by an inaccessible page: an argument
 * placed so that it ends at `edge` has only the bytes before it readable.
 */
static uint8_t *arena, *edge;
static uint8_t *big; /* 1 MiB, readable and writable */
#define BIG_SIZE (1 << 20)

static void mem_setup(void)
{
	long pg = sysconf(_SC_PAGESIZE);

	arena = mmap(NULL, 3 * pg, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (arena == MAP_FAILED || mprotect(arena + 2 * pg, pg, PROT_NONE))
		tap_bail("mmap");
	edge = arena + 2 * pg;
	big = malloc(BIG_SIZE + MINSZ + MAX_ELEMS * 4);
	if (!big)
		tap_bail("malloc");
}

/* --- the oracle ----------------------------------------------------------- */

static void record(enum kind k, long ret, int err, long want, const char *fmt,
		   ...) __attribute__((format(printf, 5, 6)));

/*
 * Compare a result (ret, errno) with the oracle's @want (>= 0: that return
 * value; < 0: -errno).
 */
static void record(enum kind k, long ret, int err, long want, const char *fmt,
		   ...)
{
	long got = ret < 0 ? -err : ret;
	char what[512];
	va_list ap;

	inputs[k]++;
	if (got < 0) {
		rejected[k]++;
		errno_hist[-got < 256 ? -got : 0]++;
	} else {
		accepted[k]++;
	}
	if (got == want && !opt.verbose)
		return;
	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	if (got == want) {
		printf("# %" PRIu64 ": %s -> %ld\n", iter, what, got);
		return;
	}
	if (mismatches++ < MAX_MISMATCH_LOG)
		printf("# MISMATCH seed %" PRIu64 " input %" PRIu64
		       ": %s: got %ld (%s), want %ld (%s)\n",
		       opt.seed, iter, what, got,
		       got < 0 ? strerror(-got) : "ok", want,
		       want < 0 ? strerror(-want) : "ok");
}

static unsigned int elem_size(uint32_t flags)
{
	switch (flags & 7) {
	case VFIO_IRQ_SET_DATA_BOOL:
		return 1;
	case VFIO_IRQ_SET_DATA_EVENTFD:
		return 4;
	}
	return 0;
}

/* SET_IRQS on MSI-X: vic_set_irqs_ioctl() and vic_set_irqs(). */
static long oracle_msix(const struct vfio_irq_set *h, size_t readable,
			const void *data)
{
	uint32_t flags = h->flags, i;
	uint64_t size;
	long ret = 0;
	bool was;

	if (h->argsz < MINSZ)
		return -EINVAL;
	if (flags & ~0x3fu)
		return -EINVAL;
	if (__builtin_popcount(flags & 7) != 1 ||
	    __builtin_popcount(flags & 0x38) != 1)
		return -EINVAL;
	if (!(flags & VFIO_IRQ_SET_ACTION_TRIGGER))
		return -EINVAL;
	if (h->start >= NVEC || h->count > NVEC - h->start)
		return -EINVAL;
	size = (uint64_t)elem_size(flags) * h->count;
	if (h->argsz - MINSZ < size)
		return -EINVAL;
	if (size > readable)
		return -EFAULT;

	if ((flags & VFIO_IRQ_SET_DATA_NONE) && !h->count) {
		if (!st.msix_enabled)
			return -EINVAL;
		st.msix_enabled = false;
		return 0;
	}
	if (flags & VFIO_IRQ_SET_DATA_EVENTFD) {
		const int32_t *fds = data;

		for (i = 0; i < h->count && !ret; i++) {
			switch (classify(fds[i])) {
			case F_BADF:
				ret = -EBADF;
				break;
			case F_NOTEFD:
				ret = -EINVAL;
				break;
			default:
				break;
			}
		}
		was = st.msix_enabled;
		st.msix_enabled = was || !ret;
		return ret;
	}
	return st.msix_enabled ? 0 : -EINVAL;
}

/* SET_IRQS on REQ: vfio_set_irqs_validate_and_prepare(), vic_mdev_set_req */
static long oracle_req(const struct vfio_irq_set *h, size_t readable,
		       const void *data)
{
	uint32_t flags = h->flags;
	unsigned int esz;
	int32_t fd;

	if (h->argsz < MINSZ || h->count >= UINT32_MAX - h->start ||
	    (flags & ~0x3fu))
		return -EINVAL;
	if (h->start >= 1 || h->start + h->count > 1)
		return -EINVAL;
	switch (flags & 7) {
	case VFIO_IRQ_SET_DATA_NONE:
		esz = 0;
		break;
	case VFIO_IRQ_SET_DATA_BOOL:
		esz = 1;
		break;
	case VFIO_IRQ_SET_DATA_EVENTFD:
		esz = 4;
		break;
	default:
		return -EINVAL;
	}
	if (esz && h->argsz - MINSZ < (uint64_t)h->count * esz)
		return -EINVAL;
	if ((flags & 0x38) != VFIO_IRQ_SET_ACTION_TRIGGER)
		return -EINVAL;
	switch (flags & 7) {
	case VFIO_IRQ_SET_DATA_NONE:
		if (!st.req_set)
			return -EINVAL;
		if (!h->count)
			st.req_set = false;
		return 0;
	case VFIO_IRQ_SET_DATA_BOOL:
		if (!h->count)
			return -EINVAL;
		return readable < 1 ? -EFAULT : 0;
	default:
		if (!h->count)
			return -EINVAL;
		if (readable < 4)
			return -EFAULT;
		memcpy(&fd, data, 4);
		if (fd < -1)
			return -EINVAL;
		if (fd == -1) {
			st.req_set = false;
			return 0;
		}
		switch (classify(fd)) {
		case F_BADF:
			return -EBADF;
		case F_NOTEFD:
			return -EINVAL;
		default:
			st.req_set = true;
			return 0;
		}
	}
}

/* VFIO_DEVICE_SET_IRQS, header and payload as given. */
static long oracle_set_irqs(const struct vfio_irq_set *h, size_t hdr_readable,
			    size_t readable, const void *data)
{
	if (hdr_readable < MINSZ)
		return -EFAULT;
	if (h->index == VFIO_PCI_MSIX_IRQ_INDEX)
		return oracle_msix(h, readable, data);
	if (h->index == VFIO_PCI_REQ_IRQ_INDEX)
		return oracle_req(h, readable, data);
	return -EINVAL;
}

/* --- SET_IRQS inputs ------------------------------------------------------ */

static uint32_t pick_u32_boundary(uint32_t n)
{
	static const uint32_t special[] = { 0,		1,	    2,
					    0x7fffffff, 0x80000000, 0xfffffffe,
					    0xffffffff, 0x40000000 };

	switch (rng_below(&rng, 6)) {
	case 0:
		return special[rng_below(&rng, 8)];
	case 1:
		return n + rng_below(&rng, 3) - 1; /* n - 1, n, n + 1 */
	case 2:
		return (uint32_t)rng_next(&rng);
	default:
		return rng_below(&rng, n + 1);
	}
}

static void fuzz_set_irqs(void)
{
	static const uint32_t datas[] = { VFIO_IRQ_SET_DATA_NONE,
					  VFIO_IRQ_SET_DATA_BOOL,
					  VFIO_IRQ_SET_DATA_EVENTFD };
	static const uint32_t actions[] = { VFIO_IRQ_SET_ACTION_TRIGGER,
					    VFIO_IRQ_SET_ACTION_TRIGGER,
					    VFIO_IRQ_SET_ACTION_MASK,
					    VFIO_IRQ_SET_ACTION_UNMASK };
	struct vfio_irq_set h = { 0 }, *hp;
	uint32_t esz, elems, i, p;
	size_t need, hdr_readable, readable, payload;
	uint8_t *buf;
	long want, ret;
	int err;

	/* header */
	sane = rng_pct(&rng, 40);
	p = rng_below(&rng, 100);
	if (sane)
		h.flags = datas[rng_below(&rng, 3)] |
			  VFIO_IRQ_SET_ACTION_TRIGGER;
	else if (p < 70)
		h.flags = datas[rng_below(&rng, 3)] |
			  actions[rng_below(&rng, 4)];
	else if (p < 90)
		h.flags = rng_below(&rng, 64);
	else
		h.flags = (uint32_t)rng_next(&rng);
	p = rng_below(&rng, 100);
	if (sane)
		p = p < 90 ? 0 : 80;
	h.index = p < 75 ? VFIO_PCI_MSIX_IRQ_INDEX :
		  p < 90 ? VFIO_PCI_REQ_IRQ_INDEX :
		  p < 97 ? rng_below(&rng, 10) :
			   (uint32_t)rng_next(&rng);
	if (h.index == VFIO_PCI_REQ_IRQ_INDEX && rng_pct(&rng, 70)) {
		h.start = 0;
		h.count = rng_below(&rng, 3);
	} else if (sane || rng_pct(&rng, 60)) {
		h.start = rng_below(&rng, NVEC);
		h.count = rng_below(&rng, NVEC - h.start + 1);
	} else {
		h.start = pick_u32_boundary(NVEC);
		h.count = pick_u32_boundary(NVEC);
	}
	esz = elem_size(h.flags);
	elems = h.count < MAX_ELEMS ? h.count : MAX_ELEMS;
	payload = (size_t)elems * (esz ? esz : 4);
	need = MINSZ + (uint64_t)esz * h.count;
	p = sane ? 0 : rng_below(&rng, 100);
	if (p < 75)
		h.argsz = need > UINT32_MAX ? UINT32_MAX : need;
	else if (p < 85)
		h.argsz = need - 1 - rng_below(&rng, 8);
	else if (p < 90)
		h.argsz = rng_below(&rng, MINSZ + 1);
	else
		h.argsz = pick_u32_boundary(need);

	/* where it lives: plenty of room, up to an unmapped page, or nowhere */
	p = sane ? 0 : rng_below(&rng, 100);
	if (p < 85) {
		buf = big;
		hdr_readable = readable = SIZE_MAX;
	} else if (p < 95) {
		size_t room = rng_below(&rng, MINSZ + payload + 1);

		if (room > (size_t)(edge - arena))
			room = edge - arena;
		buf = edge - room;
		hdr_readable = room;
		readable = room > MINSZ ? room - MINSZ : 0;
		payload = readable < payload ? readable : payload;
	} else {
		buf = rng_pct(&rng, 50) ? NULL : KPTR;
		hdr_readable = readable = 0;
		payload = 0;
	}

	/* payload */
	if (hdr_readable >= MINSZ) {
		hp = (struct vfio_irq_set *)buf;
		uint8_t *data = buf + MINSZ;

		memcpy(hp, &h, MINSZ);
		if (esz == 1 || !esz) {
			for (i = 0; i < payload; i++)
				data[i] = rng_pct(&rng, 50) ?
						  rng_below(&rng, 2) :
						  (uint8_t)rng_next(&rng);
		} else {
			for (i = 0; i + 4 <= payload; i += 4) {
				int32_t fd = pick_fd();

				memcpy(data + i, &fd, 4);
			}
		}
	} else if (hdr_readable) {
		memcpy(buf, &h, hdr_readable); /* a truncated header */
	}

	{
		/* the oracle reads the payload the kernel would copy */
		int32_t tmp[MAX_ELEMS];
		const void *data = hdr_readable >= MINSZ ? buf + MINSZ : NULL;

		if (data && esz == 4) {
			memcpy(tmp, data, payload);
			data = tmp;
		}
		want = oracle_set_irqs(&h, hdr_readable, readable, data);
	}
	ret = ioctl(d.fd, VFIO_DEVICE_SET_IRQS, buf);
	err = errno;
	record(K_SET_IRQS, ret, err, want,
	       "SET_IRQS argsz %u flags 0x%x index %u start %u count %u, %zu header bytes readable",
	       h.argsz, h.flags, h.index, h.start, h.count,
	       hdr_readable > 1 << 30 ? (size_t)1 << 30 : hdr_readable);
}

/* --- region inputs ----------------------------------------------------------- */

static unsigned int reg_size(uint32_t off)
{
	switch (off) {
	case VIC_MDEV_REG_ID:
	case VIC_MDEV_REG_NVEC:
	case VIC_MDEV_REG_NR_EMULATED:
	case VIC_MDEV_REG_DOORBELL:
	case VIC_MDEV_REG_CMD:
	case VIC_MDEV_REG_COOKIE_SEL:
	case VIC_MDEV_REG_GEN_FIRST:
	case VIC_MDEV_REG_GEN_COUNT:
	case VIC_MDEV_REG_GEN_PERIOD_NS:
	case VIC_MDEV_REG_GEN_CTRL:
	case VIC_MDEV_REG_LAST_ERROR:
		return 4;
	case VIC_MDEV_REG_COOKIE:
	case VIC_MDEV_REG_GEN_TOTAL:
	case VIC_MDEV_REG_GEN_DONE:
	case VIC_MDEV_REG_GEN_ELAPSED_NS:
		return 8;
	}
	return 0;
}

/*
 * The VFS and vic_mdev_rw(): the result of an access. @buf_ok: the buffer
 * is mapped (NULL and unmapped user buffers fail at the copy, so the
 * checks before it come first).
 */
static long oracle_region(uint64_t pos, uint64_t count, bool write, bool buf_ok)
{
	uint64_t index = pos >> REGION_SHIFT, off = pos & ((1ull << 40) - 1);
	unsigned int sz;

	if ((int64_t)pos < 0)
		return -EINVAL; /* pread64/pwrite64 */
	if ((int64_t)count < 0 || (int64_t)(pos + count) < 0)
		return -EINVAL; /* rw_verify_area */
	if (count > MAX_RW)
		count = MAX_RW;
	if (index == VFIO_PCI_CONFIG_REGION_INDEX) {
		if (off >= CFG_SIZE || count > CFG_SIZE - off)
			return -EINVAL;
		/* a write of COMMAND's low byte sets Memory Space */
		if (write && buf_ok && off <= PCI_COMMAND &&
		    off + count > PCI_COMMAND)
			st.mem = big[PCI_COMMAND - off] & PCI_COMMAND_MEMORY;
		return !count || buf_ok ? (long)count : -EFAULT;
	}
	if (index != VFIO_PCI_BAR0_REGION_INDEX)
		return -EINVAL;
	if (off >= BAR0_SIZE || count > BAR0_SIZE - off)
		return -EINVAL;
	if ((count != 4 && count != 8) || (off & (count - 1)))
		return -EINVAL;
	if (!st.mem)
		return -EIO; /* memory decoding off, as vfio-pci */
	/* a write copies the value in before looking at the register */
	if (write && !buf_ok)
		return -EFAULT;
	if (off < VIC_MDEV_MSIX_TABLE_OFFSET) {
		sz = reg_size(off);
		if (sz && sz != count)
			return -EINVAL;
		if (!sz && off >= 4 && reg_size(off - 4) == 8)
			return -EINVAL;
		if (!sz && count == 8 && reg_size(off + 4))
			return -EINVAL;
	}
	return buf_ok ? (long)count : -EFAULT;
}

static uint64_t pick_offset(uint64_t index)
{
	static const uint32_t bar0[] = {
		VIC_MDEV_REG_ID,
		VIC_MDEV_REG_DOORBELL,
		VIC_MDEV_REG_CMD,
		VIC_MDEV_REG_COOKIE_SEL,
		VIC_MDEV_REG_COOKIE,
		VIC_MDEV_REG_COOKIE + 4,
		VIC_MDEV_REG_GEN_FIRST,
		VIC_MDEV_REG_GEN_COUNT,
		VIC_MDEV_REG_GEN_PERIOD_NS,
		VIC_MDEV_REG_GEN_TOTAL,
		VIC_MDEV_REG_GEN_CTRL,
		VIC_MDEV_REG_GEN_DONE,
		VIC_MDEV_REG_GEN_ELAPSED_NS,
		VIC_MDEV_REG_LAST_ERROR,
		VIC_MDEV_REG_END,
		VIC_MDEV_MSIX_TABLE_OFFSET,
		VIC_MDEV_MSIX_PBA_OFFSET,
		BAR0_SIZE - 4,
		BAR0_SIZE - 8,
		BAR0_SIZE,
	};
	uint32_t p = rng_below(&rng, 100);

	if (index == VFIO_PCI_BAR0_REGION_INDEX) {
		if (p < 40)
			return bar0[rng_below(&rng, sizeof(bar0) / 4)] +
			       (rng_pct(&rng, 10) ? rng_below(&rng, 8) : 0);
		if (p < 70)
			return VIC_MDEV_MSIX_TABLE_OFFSET +
			       rng_below(&rng, (NVEC + 1) * 16);
		if (p < 80)
			return VIC_MDEV_MSIX_PBA_OFFSET + rng_below(&rng, 32);
	} else if (p < 80) {
		return p < 30 ? 0x40 + rng_below(&rng, 16) :
				rng_below(&rng, CFG_SIZE + 8);
	}
	if (p < 95)
		return rng_below(&rng, BAR0_SIZE + 16);
	return rng_next(&rng) & ((1ull << 40) - 1);
}

static uint64_t pick_value(uint64_t pos)
{
	uint32_t off = pos & 0xffff;

	if (rng_pct(&rng, 50))
		return rng_next(&rng);
	/* plausible values: vectors, small numbers, mask bits */
	if (off == VIC_MDEV_REG_GEN_TOTAL)
		return rng_below(&rng, 5000);
	if (off == VIC_MDEV_REG_GEN_PERIOD_NS)
		return rng_pct(&rng, 50) ? 0 : 1000 + rng_below(&rng, 100000);
	if (off == VIC_MDEV_REG_GEN_CTRL)
		return rng_below(&rng, 3);
	return rng_below(&rng, NVEC + 2);
}

static void fuzz_region(void)
{
	static const uint64_t sizes[] = { 0, 1, 2, 3,  4,  4,  4,   8,	 8,
					  8, 5, 7, 12, 16, 64, 256, 257, 4096 };
	uint64_t index, pos, count, v;
	bool write = rng_pct(&rng, 50), buf_ok = true;
	uint32_t p = rng_below(&rng, 100);
	void *buf = big;
	long want, ret;
	int err;

	if (p < 50)
		index = VFIO_PCI_BAR0_REGION_INDEX;
	else if (p < 85)
		index = VFIO_PCI_CONFIG_REGION_INDEX;
	else if (p < 95)
		index = rng_below(&rng, 16);
	else
		index = rng_next(&rng) >> REGION_SHIFT;
	pos = (index << REGION_SHIFT) + pick_offset(index);
	if (rng_pct(&rng, 2))
		pos = rng_next(&rng); /* anything, negative too */
	p = rng_below(&rng, 100);
	if (p < 90)
		count = sizes[rng_below(&rng, sizeof(sizes) / 8)];
	else if (p < 97)
		count = rng_below(&rng, BIG_SIZE);
	else
		count = (uint64_t)1 << (20 + rng_below(&rng, 11));
	p = rng_below(&rng, 100);
	if (p < 3) {
		buf = NULL;
		buf_ok = false;
	} else if (p < 5) {
		buf = edge; /* the unmapped page */
		buf_ok = false;
	}
	if (write && buf_ok) {
		v = pick_value(pos);
		memcpy(big, &v, 8);
		v = rng_next(&rng);
		memcpy(big + 8, &v, 8);
	}
	/* as a driver would, enable memory decoding again after a while */
	if (!st.mem && rng_pct(&rng, 20) && !vicdev_enable(&d))
		st.mem = true;
	want = oracle_region(pos, count, write, buf_ok);
	if (write)
		ret = pwrite(d.fd, buf, count, (off_t)pos);
	else
		ret = pread(d.fd, buf, count, (off_t)pos);
	err = errno;
	record(K_REGION, ret, err, want,
	       "%s region %" PRIu64 " offset 0x%" PRIx64 " count %" PRIu64
	       " buffer %s",
	       write ? "pwrite" : "pread", index,
	       (uint64_t)(pos & ((1ull << 40) - 1)), count,
	       buf_ok ? "ok" :
	       buf    ? "unmapped" :
			"NULL");
}

/* --- ioctl inputs ---------------------------------------------------------- */

static bool generic_ioctl(uint32_t cmd)
{
	uint32_t type = (cmd >> 8) & 0xff;

	/* do_vfs_ioctl()'s own: FIO*, FS_IOC_*, FICLONE, FIFREEZE, ... */
	return cmd < 0x100 || type == 'T' || type == 'f' || type == 'X' ||
	       type == 0x94 || type == 0x66;
}

/* The device's ioctls (other than SET_IRQS): vic_mdev and the VFIO core. */
static long oracle_ioctl(uint32_t cmd, const uint8_t *arg, size_t readable)
{
	uint32_t argsz, index, flags;

	switch (cmd) {
	case VFIO_DEVICE_GET_INFO:
	case VFIO_DEVICE_GET_IRQ_INFO:
		if (readable < 16)
			return -EFAULT;
		memcpy(&argsz, arg, 4);
		memcpy(&index, arg + 8, 4);
		if (argsz < 16)
			return -EINVAL;
		/* no ERR IRQ on a conventional PCI function, as vfio-pci */
		if (cmd == VFIO_DEVICE_GET_IRQ_INFO &&
		    (index >= VFIO_PCI_NUM_IRQS ||
		     index == VFIO_PCI_ERR_IRQ_INDEX))
			return -EINVAL;
		return 0;
	case VFIO_DEVICE_GET_REGION_INFO:
		if (readable < 32)
			return -EFAULT;
		memcpy(&argsz, arg, 4);
		memcpy(&index, arg + 8, 4);
		if (argsz < 32 || index >= VFIO_PCI_NUM_REGIONS)
			return -EINVAL;
		return 0;
	case VFIO_DEVICE_FEATURE:
		if (readable < 8)
			return -EFAULT;
		memcpy(&argsz, arg, 4);
		memcpy(&flags, arg + 4, 4);
		if (argsz < 8)
			return -EINVAL;
		if (flags &
		    ~(VFIO_DEVICE_FEATURE_MASK | VFIO_DEVICE_FEATURE_SET |
		      VFIO_DEVICE_FEATURE_GET | VFIO_DEVICE_FEATURE_PROBE))
			return -EINVAL;
		if (!(flags & VFIO_DEVICE_FEATURE_PROBE) &&
		    (flags & VFIO_DEVICE_FEATURE_SET) &&
		    (flags & VFIO_DEVICE_FEATURE_GET))
			return -EINVAL;
		return -ENOTTY; /* no feature at all */
	case VFIO_DEVICE_RESET:
		st.msix_enabled = false;
		/* the PCI header, and so st.mem, survives the reset */
		return 0;
	}
	return -ENOTTY;
}

static void fuzz_ioctl(void)
{
	static const uint32_t known[] = {
		VFIO_DEVICE_GET_INFO,	  VFIO_DEVICE_GET_REGION_INFO,
		VFIO_DEVICE_GET_IRQ_INFO, VFIO_DEVICE_FEATURE,
		VFIO_DEVICE_RESET,
	};
	uint32_t p = rng_below(&rng, 100), cmd, v, i;
	uint8_t *arg = big;
	size_t readable = SIZE_MAX;
	long want, ret;
	int err;

	if (p < 50) {
		cmd = known[rng_below(&rng, 5)];
	} else if (p < 75) {
		cmd = _IOC(rng_below(&rng, 4), VFIO_TYPE, rng_below(&rng, 256),
			   rng_below(&rng, 64));
	} else {
		do
			cmd = (uint32_t)rng_next(&rng);
		while (generic_ioctl(cmd));
	}
	if (cmd == VFIO_DEVICE_SET_IRQS) {
		fuzz_set_irqs();
		return;
	}
	/* contents: plausible argsz/index/flags, or noise */
	for (i = 0; i < 64; i += 4) {
		v = rng_pct(&rng, 50) ? (uint32_t)rng_next(&rng) :
					rng_below(&rng, 40);
		memcpy(big + i, &v, 4);
	}
	if (rng_pct(&rng, 30)) {
		v = 1 << 18; /* a probe of a random feature */
		v |= rng_below(&rng, 8);
		memcpy(big + 4, &v, 4);
	}
	p = rng_below(&rng, 100);
	if (p < 5) {
		arg = NULL;
		readable = 0;
	} else if (p < 8) {
		arg = KPTR;
		readable = 0;
	} else if (p < 12) {
		readable = rng_below(&rng, 33);
		arg = edge - readable;
		memcpy(arg, big, readable);
	}
	want = oracle_ioctl(cmd, arg ? arg : big, readable);
	ret = ioctl(d.fd, cmd, arg);
	err = errno;
	record(K_IOCTL, ret, err, want, "ioctl 0x%08x, %zu bytes readable", cmd,
	       readable > 4096 ? (size_t)4096 : readable);
}

/* --- device-level operations, checks ---------------------------------------- */

static void reopen(void)
{
	vicdev_close_device(&d);
	if (vicdev_open_device(&d))
		tap_bail("reopening the device");
	fdtab[dev_slot].fd = d.fd;
	st.msix_enabled = false;
	st.req_set = false;
	st.mem = true; /* vicdev_open_device() enables the device */
}

static void fuzz_device(void)
{
	long ret;

	if (rng_pct(&rng, 70)) {
		ret = vicdev_reset(&d);
		st.msix_enabled = false;
		/* the PCI header, and so st.mem, survives the reset */
		record(K_DEVICE, ret, errno, 0, "RESET");
	} else {
		reopen();
		record(K_DEVICE, 0, 0, 0, "close and reopen");
	}
}

/*
 * The device still works: a known-good sequence delivers exactly, and
 * debugfs conserves every raise. Leaves MSI-X enabled, REQ unset, and
 * (sometimes) the generator raising every vector in the background.
 */
static bool health(bool background)
{
	struct vic_dbg_vec v[NVEC];
	uint32_t vecs[3] = { 0, NR_EMUL, NVEC - 1 }, i;
	int32_t fds[3], req;
	uint64_t c, cr;
	bool good = true;
	int n, k;

	checks++;
	if (vicdev_reset(&d))
		return false;
	st.msix_enabled = false;
	st.mem = true;
	if (vicdev_eventfds(fds, 3))
		return false;
	req = vicdev_eventfd();
	for (i = 0; i < 3; i++)
		good &= !vicdev_msix_set(&d, vecs[i], 1, &fds[i]);
	for (k = 0; k < 3; k++)
		for (i = 0; i < 3; i++)
			good &= !vicdev_doorbell(&d, vecs[i]);
	for (i = 0; i < 3; i++) {
		if (vicdev_eventfd_take(fds[i], &c) || c != 3) {
			printf("# health: vector %u: %" PRIu64
			       " signals, want 3\n",
			       vecs[i], c);
			good = false;
		}
	}
	good &= !vicdev_req_set(&d, req);
	good &= !vicdev_set_irqs(&d, VFIO_PCI_REQ_IRQ_INDEX,
				 VFIO_IRQ_SET_DATA_NONE |
					 VFIO_IRQ_SET_ACTION_TRIGGER,
				 0, 1, NULL, 0);
	good &= !vicdev_eventfd_take(req, &cr) && cr == 1;
	good &= !vicdev_req_set(&d, -1);
	n = vic_dbg_read_vectors(dbg, v, NVEC);
	good &= n == NVEC;
	for (k = 0; k < n; k++) {
		if (v[k].raised !=
		    v[k].delivered + v[k].pended + v[k].dropped) {
			printf("# health: vector %d not conserved\n", k);
			good = false;
		}
	}
	good &= !vicdev_msix_unset(&d, 0, NVEC);
	st.msix_enabled = true;
	st.req_set = false;
	vicdev_close_fds(fds, 3);
	close(req);
	if (background)
		good &= !vicdev_gen_start(&d, 0, NVEC, 20000, 1ull << 40);
	if (!good) {
		checks_failed++;
		printf("# health check failed after input %" PRIu64 ": %s\n",
		       iter, vicdev_errmsg());
	}
	return good;
}

static void usage(void)
{
	fprintf(stderr,
		"usage: vic-fuzz [--seed S] [--count N] [--seconds T] [--check-every N] [--verbose]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "seed", required_argument, NULL, 's' },
		{ "count", required_argument, NULL, 'n' },
		{ "seconds", required_argument, NULL, 't' },
		{ "check-every", required_argument, NULL, 'c' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	uint64_t t0, deadline, total_rej = 0, total_acc = 0;
	struct vic_dbg_vec v[NVEC];
	int c, i, n, avail;
	bool conserved = true;

	while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (c) {
		case 's':
			opt.seed = parse_u64("--seed", optarg);
			break;
		case 'n':
			opt.count = parse_u64("--count", optarg);
			break;
		case 't':
			opt.seconds = parse_u64("--seconds", optarg);
			break;
		case 'c':
			opt.check_every = parse_u64("--check-every", optarg);
			break;
		case 'v':
			opt.verbose = true;
			break;
		default:
			usage();
		}
	}
	if (optind != argc || !opt.check_every)
		usage();
	if (geteuid()) {
		printf("1..0 # SKIP needs root (run in the test VM)\n");
		return 77;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	signal(SIGPIPE, SIG_IGN);

	if (vicdev_load("nvec=16 nr_emulated=4"))
		tap_bail("loading the modules");
	avail = vicdev_available();
	if (vicdev_create(uuid) || vicdev_open(&d, uuid))
		tap_bail("creating the instance");
	st.mem = true; /* vicdev_open() enables the device */
	dbg = vic_dbg_find(uuid);
	if (dbg < 0)
		tap_bail("debugfs entry of the instance");
	mem_setup();
	fds_setup();
	rng = rng_init(opt.seed);
	tap_diag("vic-fuzz: seed %" PRIu64 ", up to %" PRIu64
		 " inputs%s%u s, check every %u",
		 opt.seed, opt.count, opt.seconds ? " or " : " (no time limit",
		 opt.seconds, opt.check_every);
	tap_ok(health(true), "the device works before fuzzing");

	t0 = vicdev_now_ns();
	deadline = opt.seconds ? t0 + opt.seconds * 1000000000ull : 0;
	for (iter = 0; iter < opt.count; iter++) {
		uint32_t p = rng_below(&rng, 1000);

		if (p < 450)
			fuzz_set_irqs();
		else if (p < 800)
			fuzz_region();
		else if (p < 995)
			fuzz_ioctl();
		else
			fuzz_device();
		if ((iter + 1) % opt.check_every == 0)
			health(rng_pct(&rng, 70));
		if (!(iter & 255) && deadline && vicdev_now_ns() > deadline) {
			iter++;
			break;
		}
	}
	tap_diag("%" PRIu64 " inputs in %.1f s", iter,
		 (vicdev_now_ns() - t0) / 1e9);

	tap_is(mismatches, 0,
	       "every input's result is the oracle's (%" PRIu64 " inputs)",
	       iter);
	tap_ok(health(false), "the device works after fuzzing");
	tap_is(checks_failed, 0, "every periodic check passed (%" PRIu64 ")",
	       checks);
	vicdev_write32(&d, VIC_MDEV_REG_GEN_CTRL, 0);
	n = vic_dbg_read_vectors(dbg, v, NVEC);
	for (i = 0; i < n; i++)
		conserved &= v[i].raised ==
			     v[i].delivered + v[i].pended + v[i].dropped;
	tap_ok(n == NVEC && conserved,
	       "every vector: raised == delivered + pended + dropped");
	for (i = 0; i < K_MAX; i++) {
		tap_diag("%-14s %10" PRIu64 " inputs, %10" PRIu64
			 " accepted, %10" PRIu64 " rejected",
			 kind_name[i], inputs[i], accepted[i], rejected[i]);
		total_rej += rejected[i];
		total_acc += accepted[i];
	}
	for (i = 0; i < 256; i++)
		if (errno_hist[i])
			tap_diag("  %-8s %10" PRIu64,
				 i ? strerrorname_np(i) : "other",
				 errno_hist[i]);
	tap_diag("vic-fuzz: seed %" PRIu64 " inputs %" PRIu64
		 " accepted %" PRIu64 " rejected %" PRIu64
		 " mismatches %" PRIu64 " checks %" PRIu64,
		 opt.seed, iter, total_acc, total_rej, mismatches, checks);

	vicdev_close(&d);
	tap_is(vicdev_remove(uuid), 0, "instance removed");
	tap_is(count_lines_with("/proc/interrupts", "vic-ims"), 0,
	       "no IMS Linux IRQ left");
	tap_is(vicdev_available(), avail, "available_instances back");
	tap_is(vicdev_unload(), 0, "vic_mdev unloads");
	return tap_done();
}
