/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Helpers for the core's guest tests: load the modules, drive /dev/vic_test.
 */
#ifndef VIC_VT_H
#define VIC_VT_H

#include <fcntl.h>
#include <linux/vfio.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <vic_test.h>

/* Load vic.ko and vic_test.ko from $VIC_BUILD/kmod (once per process). */
static inline void vt_load_modules(void)
{
	const char *b = getenv("VIC_BUILD");
	char cmd[1024];

	if (!b)
		b = "build";
	snprintf(
		cmd, sizeof(cmd),
		"modprobe irqbypass && "
		"{ grep -q '^vic ' /proc/modules || insmod %s/kmod/vic.ko; } && "
		"{ grep -q '^vic_test ' /proc/modules || "
		"insmod %s/kmod/vic_test.ko; }",
		b, b);
	if (system(cmd)) {
		printf("Bail out! cannot load vic.ko and vic_test.ko\n");
		exit(1);
	}
}

/* Open /dev/vic_test and create a context; returns the fd, *dev the id. */
static inline int vt_create(unsigned int nvec, unsigned int slots, int *dev)
{
	struct vic_test_create c = { .nvec = nvec, .ims_slots = slots };
	int fd = open("/dev/vic_test", O_RDWR | O_CLOEXEC);

	if (fd < 0)
		return -1;
	*dev = ioctl(fd, VIC_TEST_CREATE, &c);
	if (*dev < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* SET_IRQS on the MSI-X index with @count elements of @esize bytes. */
static inline int vt_set_irqs(int fd, uint32_t flags, uint32_t start,
			      uint32_t count, const void *data, size_t esize)
{
	size_t sz = sizeof(struct vfio_irq_set) + count * esize;
	struct vfio_irq_set *s = calloc(1, sz);
	int ret;

	if (!s)
		return -1;
	s->argsz = sz;
	s->flags = flags;
	s->index = VFIO_PCI_MSIX_IRQ_INDEX;
	s->start = start;
	s->count = count;
	if (data && esize)
		memcpy(s->data, data, count * esize);
	ret = ioctl(fd, VIC_TEST_SET_IRQS, s);
	free(s);
	return ret;
}

static inline int vt_set_fds(int fd, uint32_t start, uint32_t count,
			     const int32_t *fds)
{
	return vt_set_irqs(
		fd, VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_ACTION_TRIGGER,
		start, count, fds, sizeof(int32_t));
}

static inline int vt_disable(int fd)
{
	return vt_set_irqs(fd,
			   VFIO_IRQ_SET_DATA_NONE | VFIO_IRQ_SET_ACTION_TRIGGER,
			   0, 0, NULL, 0);
}

static inline int vt_signal(int fd, uint32_t vector, uint64_t count,
			    uint32_t flags)
{
	struct vic_test_signal s = {
		.vector = vector,
		.count = count,
		.flags = flags,
	};

	return ioctl(fd, VIC_TEST_SIGNAL, &s);
}

static inline int vt_msix(int fd, uint32_t space, uint32_t off, uint32_t len,
			  int write, uint64_t *val)
{
	struct vic_test_msix m = {
		.space = space,
		.off = off,
		.len = len,
		.write = write,
		.val = *val,
	};
	int ret = ioctl(fd, VIC_TEST_MSIX, &m);

	*val = m.val;
	return ret;
}

/* Mask (1) or unmask (0) @vector through its MSI-X table entry. */
static inline int vt_table_mask(int fd, uint32_t vector, int masked)
{
	uint64_t v = masked;

	return vt_msix(fd, VIC_TEST_SPACE_TABLE, vector * 16 + 12, 4, 1, &v);
}

/* Read and reset an eventfd's counter without blocking (0 when none). */
static inline uint64_t efd_take(int efd)
{
	uint64_t v = 0;

	if (read(efd, &v, sizeof(v)) != sizeof(v))
		return 0;
	return v;
}

static inline int efd_new(void)
{
	return eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
}

/* @n new eventfds into @efd; 0, or -1 when one could not be made. */
static inline int efd_new_n(int32_t *efd, int n)
{
	int i;

	for (i = 0; i < n; i++) {
		efd[i] = efd_new();
		if (efd[i] < 0)
			return -1;
	}
	return 0;
}

#endif /* VIC_VT_H */
