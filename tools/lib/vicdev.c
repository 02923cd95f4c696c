// SPDX-License-Identifier: GPL-2.0-only
/*
 * vicdev: drive the vic_mdev reference device through the VFIO uAPI.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/pci_regs.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "vicdev.h"

static __thread char vicdev_msg[512];

const char *vicdev_errmsg(void)
{
	return vicdev_msg;
}

/* Record "what: strerror(err)" and return -err with errno set. */
static int fail(int err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int fail(int err, const char *fmt, ...)
{
	size_t n;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(vicdev_msg, sizeof(vicdev_msg), fmt, ap);
	va_end(ap);
	n = strlen(vicdev_msg);
	snprintf(vicdev_msg + n, sizeof(vicdev_msg) - n, ": %s", strerror(err));
	errno = err;
	return -err;
}

static int ok(void)
{
	vicdev_msg[0] = '\0';
	return 0;
}

uint64_t vicdev_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

/* --- sysfs ------------------------------------------------------------ */

static int write_file(const char *path, const char *val)
{
	size_t len = strlen(val);
	ssize_t n;
	int fd, err;

	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return fail(errno, "open %s", path);
	n = write(fd, val, len);
	err = errno;
	close(fd);
	if (n < 0)
		return fail(err, "write '%s' to %s", val, path);
	if ((size_t)n != len)
		return fail(EIO, "short write to %s", path);
	return ok();
}

static int read_file(const char *path, char *buf, size_t len)
{
	ssize_t n;
	int fd, err;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return fail(errno, "open %s", path);
	n = read(fd, buf, len - 1);
	err = errno;
	close(fd);
	if (n < 0)
		return fail(err, "read %s", path);
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	return ok();
}

/* --- modules ---------------------------------------------------------- */

bool vicdev_module_loaded(const char *name)
{
	char path[PATH_MAX];
	struct stat st;

	snprintf(path, sizeof(path), "/sys/module/%s/initstate", name);
	return !stat(path, &st);
}

static int run(char *const argv[])
{
	int status;
	pid_t pid;

	pid = fork();
	if (pid < 0)
		return fail(errno, "fork");
	if (!pid) {
		execvp(argv[0], argv);
		_exit(127);
	}
	if (waitpid(pid, &status, 0) < 0)
		return fail(errno, "waitpid");
	if (!WIFEXITED(status) || WEXITSTATUS(status))
		return fail(EIO, "%s exited with status %d", argv[0],
			    WIFEXITED(status) ? WEXITSTATUS(status) : -1);
	return ok();
}

int vicdev_load_module(const char *name, const char *params)
{
	const char *b = getenv("VIC_BUILD");
	char path[PATH_MAX];
	int fd, err;

	snprintf(path, sizeof(path), "%s/kmod/%s.ko", b ? b : "build", name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return fail(errno, "open %s", path);
	err = syscall(SYS_finit_module, fd, params ? params : "", 0) ? errno :
								       0;
	close(fd);
	if (err)
		return fail(err, "finit_module %s %s", path,
			    params ? params : "");
	return ok();
}

int vicdev_unload(void)
{
	if (!vicdev_module_loaded("vic_mdev"))
		return ok();
	if (syscall(SYS_delete_module, "vic_mdev", O_NONBLOCK))
		return fail(errno, "delete_module vic_mdev");
	return ok();
}

int vicdev_load(const char *params)
{
	char *const modprobe[] = {
		"modprobe",	    "-a",   "irqbypass", "vfio",
		"vfio_iommu_type1", "mdev", NULL
	};
	int ret;

	ret = run(modprobe);
	if (ret)
		return ret;
	if (!vicdev_module_loaded("vic")) {
		ret = vicdev_load_module("vic", "");
		if (ret)
			return ret;
	}
	ret = vicdev_unload();
	if (ret)
		return ret;
	/* vic_mdev's PCI parents use it: loaded once, like vic. */
	if (!vicdev_module_loaded("vic_msix"))
		ret = vicdev_load_module("vic_msix", "");
	if (ret)
		return ret;
	return vicdev_load_module("vic_mdev", params);
}

/* --- instances -------------------------------------------------------- */

static char type_dir[PATH_MAX];

int vicdev_set_parent(const char *pci_name)
{
	if (!pci_name || !*pci_name) {
		snprintf(type_dir, sizeof(type_dir), "%s", VICDEV_TYPE_DIR);
		return ok();
	}
	if (strchr(pci_name, '/') ||
	    (size_t)snprintf(type_dir, sizeof(type_dir), "%s/%s/%s",
			     VICDEV_PCI_DEVICES, pci_name,
			     VICDEV_PCI_TYPE) >= sizeof(type_dir)) {
		snprintf(type_dir, sizeof(type_dir), "%s", VICDEV_TYPE_DIR);
		return fail(EINVAL, "invalid PCI name '%s'", pci_name);
	}
	return ok();
}

const char *vicdev_type_dir(void)
{
	if (!*type_dir)
		vicdev_set_parent(getenv("VIC_MDEV_PARENT"));
	return type_dir;
}

static int type_file(const char *name, char *path, size_t len)
{
	if ((size_t)snprintf(path, len, "%s/%s", vicdev_type_dir(), name) >=
	    len)
		return fail(ENAMETOOLONG, "%s/%s", vicdev_type_dir(), name);
	return ok();
}

int vicdev_create_uuid(const char *uuid)
{
	char path[PATH_MAX];
	int ret;

	ret = type_file("create", path, sizeof(path));
	return ret ? ret : write_file(path, uuid);
}

int vicdev_create(char uuid[VICDEV_UUID_LEN])
{
	int ret;

	ret = read_file("/proc/sys/kernel/random/uuid", uuid, VICDEV_UUID_LEN);
	if (ret)
		return ret;
	return vicdev_create_uuid(uuid);
}

int vicdev_remove(const char *uuid)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), VICDEV_MDEV_DEVICES "/%s/remove", uuid);
	return write_file(path, "1");
}

bool vicdev_exists(const char *uuid)
{
	char path[PATH_MAX];
	struct stat st;

	snprintf(path, sizeof(path), VICDEV_MDEV_DEVICES "/%s", uuid);
	return !stat(path, &st);
}

int vicdev_available(void)
{
	char buf[32], path[PATH_MAX];
	int ret;

	ret = type_file("available_instances", path, sizeof(path));
	if (!ret)
		ret = read_file(path, buf, sizeof(buf));
	return ret ? ret : atoi(buf);
}

/* --- the device ------------------------------------------------------- */

static int group_of(const char *uuid, char *path, size_t len)
{
	char link[PATH_MAX], target[PATH_MAX];
	ssize_t n;

	snprintf(link, sizeof(link), VICDEV_MDEV_DEVICES "/%s/iommu_group",
		 uuid);
	n = readlink(link, target, sizeof(target) - 1);
	if (n < 0)
		return fail(errno, "readlink %s", link);
	target[n] = '\0';
	snprintf(path, len, "/dev/vfio/%s", basename(target));
	return ok();
}

int vicdev_open(struct vicdev *d, const char *uuid)
{
	struct vfio_group_status status = { .argsz = sizeof(status) };
	struct vfio_region_info ri;
	struct vfio_irq_info ii;
	char gpath[PATH_MAX];
	int ret, iommu;

	memset(d, 0, sizeof(*d));
	d->container = d->group = d->fd = -1;
	snprintf(d->uuid, sizeof(d->uuid), "%s", uuid);

	ret = group_of(uuid, gpath, sizeof(gpath));
	if (ret)
		return ret;

	d->container = open("/dev/vfio/vfio", O_RDWR | O_CLOEXEC);
	if (d->container < 0) {
		ret = fail(errno, "open /dev/vfio/vfio");
		goto err;
	}
	if (ioctl(d->container, VFIO_GET_API_VERSION) != VFIO_API_VERSION) {
		ret = fail(EINVAL, "VFIO_GET_API_VERSION");
		goto err;
	}
	d->group = open(gpath, O_RDWR | O_CLOEXEC);
	if (d->group < 0) {
		ret = fail(errno, "open %s", gpath);
		goto err;
	}
	if (ioctl(d->group, VFIO_GROUP_GET_STATUS, &status)) {
		ret = fail(errno, "VFIO_GROUP_GET_STATUS %s", gpath);
		goto err;
	}
	if (!(status.flags & VFIO_GROUP_FLAGS_VIABLE)) {
		ret = fail(EBUSY, "group %s not viable", gpath);
		goto err;
	}
	if (ioctl(d->group, VFIO_GROUP_SET_CONTAINER, &d->container)) {
		ret = fail(errno, "VFIO_GROUP_SET_CONTAINER %s", gpath);
		goto err;
	}
	iommu = ioctl(d->container, VFIO_CHECK_EXTENSION, VFIO_TYPE1v2_IOMMU) >
				0 ?
			VFIO_TYPE1v2_IOMMU :
			VFIO_TYPE1_IOMMU;
	if (ioctl(d->container, VFIO_SET_IOMMU, iommu)) {
		ret = fail(errno, "VFIO_SET_IOMMU");
		goto err;
	}
	ret = vicdev_open_device(d);
	if (ret)
		goto err;

	ret = vicdev_region_info(d, VFIO_PCI_CONFIG_REGION_INDEX, &ri);
	if (ret)
		goto err;
	d->cfg_off = ri.offset;
	d->cfg_size = ri.size;
	ret = vicdev_region_info(d, VFIO_PCI_BAR0_REGION_INDEX, &ri);
	if (ret)
		goto err;
	d->bar0_off = ri.offset;
	d->bar0_size = ri.size;
	ret = vicdev_irq_info(d, VFIO_PCI_MSIX_IRQ_INDEX, &ii);
	if (ret)
		goto err;
	d->nvec = ii.count;
	ret = vicdev_enable(d);
	if (ret)
		goto err;
	return ok();

err:
	vicdev_close(d);
	errno = -ret;
	return ret;
}

int vicdev_open_device(struct vicdev *d)
{
	int ret;

	d->fd = ioctl(d->group, VFIO_GROUP_GET_DEVICE_FD, d->uuid);
	if (d->fd < 0)
		return fail(errno, "VFIO_GROUP_GET_DEVICE_FD %s", d->uuid);
	/*
	 * A device opens with COMMAND 0: enable it, as a driver would
	 * (vicdev_open() does it once it knows the config region).
	 */
	ret = d->cfg_size ? vicdev_enable(d) : 0;
	if (ret) {
		close(d->fd);
		d->fd = -1;
	}
	return ret;
}

int vicdev_set_command(struct vicdev *d, uint16_t cmd)
{
	return vicdev_cfg_write16(d, PCI_COMMAND, cmd);
}

int vicdev_get_command(struct vicdev *d, uint16_t *cmd)
{
	return vicdev_cfg_read16(d, PCI_COMMAND, cmd);
}

int vicdev_enable(struct vicdev *d)
{
	return vicdev_set_command(d, PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
}

void vicdev_close_device(struct vicdev *d)
{
	if (d->fd >= 0)
		close(d->fd);
	d->fd = -1;
}

void vicdev_close(struct vicdev *d)
{
	vicdev_close_device(d);
	if (d->group >= 0)
		close(d->group);
	if (d->container >= 0)
		close(d->container);
	d->group = d->container = -1;
}

int vicdev_device_info(struct vicdev *d, struct vfio_device_info *info)
{
	memset(info, 0, sizeof(*info));
	info->argsz = sizeof(*info);
	if (ioctl(d->fd, VFIO_DEVICE_GET_INFO, info))
		return fail(errno, "VFIO_DEVICE_GET_INFO");
	return ok();
}

int vicdev_region_info(struct vicdev *d, uint32_t index,
		       struct vfio_region_info *info)
{
	memset(info, 0, sizeof(*info));
	info->argsz = sizeof(*info);
	info->index = index;
	if (ioctl(d->fd, VFIO_DEVICE_GET_REGION_INFO, info))
		return fail(errno, "VFIO_DEVICE_GET_REGION_INFO %u", index);
	return ok();
}

int vicdev_irq_info(struct vicdev *d, uint32_t index,
		    struct vfio_irq_info *info)
{
	memset(info, 0, sizeof(*info));
	info->argsz = sizeof(*info);
	info->index = index;
	if (ioctl(d->fd, VFIO_DEVICE_GET_IRQ_INFO, info))
		return fail(errno, "VFIO_DEVICE_GET_IRQ_INFO %u", index);
	return ok();
}

static uint64_t region_off(struct vicdev *d, uint32_t index)
{
	if (index == VFIO_PCI_CONFIG_REGION_INDEX)
		return d->cfg_off;
	if (index == VFIO_PCI_BAR0_REGION_INDEX)
		return d->bar0_off;
	return (uint64_t)index << 40; /* vfio-pci's layout */
}

int vicdev_region_read(struct vicdev *d, uint32_t index, uint64_t off,
		       void *buf, size_t len)
{
	ssize_t n = pread(d->fd, buf, len, region_off(d, index) + off);

	if (n < 0)
		return fail(errno, "read region %u at 0x%llx, %zu bytes", index,
			    (unsigned long long)off, len);
	if ((size_t)n != len)
		return fail(EIO, "short read of region %u at 0x%llx", index,
			    (unsigned long long)off);
	return ok();
}

int vicdev_region_write(struct vicdev *d, uint32_t index, uint64_t off,
			const void *buf, size_t len)
{
	ssize_t n = pwrite(d->fd, buf, len, region_off(d, index) + off);

	if (n < 0)
		return fail(errno, "write region %u at 0x%llx, %zu bytes",
			    index, (unsigned long long)off, len);
	if ((size_t)n != len)
		return fail(EIO, "short write of region %u at 0x%llx", index,
			    (unsigned long long)off);
	return ok();
}

int vicdev_cfg_read(struct vicdev *d, uint32_t off, void *buf, size_t len)
{
	return vicdev_region_read(d, VFIO_PCI_CONFIG_REGION_INDEX, off, buf,
				  len);
}

int vicdev_cfg_write(struct vicdev *d, uint32_t off, const void *buf,
		     size_t len)
{
	return vicdev_region_write(d, VFIO_PCI_CONFIG_REGION_INDEX, off, buf,
				   len);
}

/* The device is little-endian, as is every host these tests run on. */
int vicdev_cfg_read16(struct vicdev *d, uint32_t off, uint16_t *val)
{
	return vicdev_cfg_read(d, off, val, sizeof(*val));
}

int vicdev_cfg_write16(struct vicdev *d, uint32_t off, uint16_t val)
{
	return vicdev_cfg_write(d, off, &val, sizeof(val));
}

int vicdev_cfg_read32(struct vicdev *d, uint32_t off, uint32_t *val)
{
	return vicdev_cfg_read(d, off, val, sizeof(*val));
}

int vicdev_read32(struct vicdev *d, uint32_t off, uint32_t *val)
{
	return vicdev_region_read(d, VFIO_PCI_BAR0_REGION_INDEX, off, val,
				  sizeof(*val));
}

int vicdev_write32(struct vicdev *d, uint32_t off, uint32_t val)
{
	return vicdev_region_write(d, VFIO_PCI_BAR0_REGION_INDEX, off, &val,
				   sizeof(val));
}

int vicdev_read64(struct vicdev *d, uint32_t off, uint64_t *val)
{
	return vicdev_region_read(d, VFIO_PCI_BAR0_REGION_INDEX, off, val,
				  sizeof(*val));
}

int vicdev_write64(struct vicdev *d, uint32_t off, uint64_t val)
{
	return vicdev_region_write(d, VFIO_PCI_BAR0_REGION_INDEX, off, &val,
				   sizeof(val));
}

int vicdev_doorbell(struct vicdev *d, uint32_t vector)
{
	return vicdev_write32(d, VIC_MDEV_REG_DOORBELL, vector);
}

int vicdev_cmd(struct vicdev *d)
{
	return vicdev_write32(d, VIC_MDEV_REG_CMD, 1);
}

int vicdev_last_error(struct vicdev *d, int32_t *err)
{
	uint32_t v;
	int ret;

	ret = vicdev_read32(d, VIC_MDEV_REG_LAST_ERROR, &v);
	if (!ret)
		*err = (int32_t)v;
	return ret;
}

int vicdev_set_cookie(struct vicdev *d, uint32_t vector, uint64_t cookie)
{
	int ret;

	ret = vicdev_write32(d, VIC_MDEV_REG_COOKIE_SEL, vector);
	if (ret)
		return ret;
	return vicdev_write64(d, VIC_MDEV_REG_COOKIE, cookie);
}

int vicdev_get_cookie(struct vicdev *d, uint32_t vector, uint64_t *cookie)
{
	int ret;

	ret = vicdev_write32(d, VIC_MDEV_REG_COOKIE_SEL, vector);
	if (ret)
		return ret;
	return vicdev_read64(d, VIC_MDEV_REG_COOKIE, cookie);
}

int vicdev_mask(struct vicdev *d, uint32_t vector, bool masked)
{
	return vicdev_write32(d,
			      VIC_MDEV_MSIX_TABLE_OFFSET +
				      vector * VICDEV_MSIX_ENTRY_SIZE +
				      VICDEV_MSIX_ENTRY_CTRL,
			      masked ? VICDEV_MSIX_CTRL_MASKBIT : 0);
}

int vicdev_function_mask(struct vicdev *d, bool masked)
{
	uint16_t ctrl;
	int ret;

	ret = vicdev_cfg_read16(d, VICDEV_MSIX_FLAGS, &ctrl);
	if (ret)
		return ret;
	if (masked)
		ctrl |= VICDEV_MSIX_FLAGS_MASKALL;
	else
		ctrl &= ~VICDEV_MSIX_FLAGS_MASKALL;
	return vicdev_cfg_write16(d, VICDEV_MSIX_FLAGS, ctrl);
}

int vicdev_pending(struct vicdev *d, uint32_t vector, bool *pending)
{
	uint64_t bits;
	int ret;

	ret = vicdev_read64(d, VIC_MDEV_MSIX_PBA_OFFSET + vector / 64 * 8,
			    &bits);
	if (!ret)
		*pending = (bits >> (vector % 64)) & 1;
	return ret;
}

int vicdev_gen_start(struct vicdev *d, uint32_t first, uint32_t count,
		     uint32_t period_ns, uint64_t total)
{
	int32_t err;
	int ret;

	ret = vicdev_last_error(d, &err); /* start from a clear LAST_ERROR */
	if (!ret)
		ret = vicdev_write32(d, VIC_MDEV_REG_GEN_FIRST, first);
	if (!ret)
		ret = vicdev_write32(d, VIC_MDEV_REG_GEN_COUNT, count);
	if (!ret)
		ret = vicdev_write32(d, VIC_MDEV_REG_GEN_PERIOD_NS, period_ns);
	if (!ret)
		ret = vicdev_write64(d, VIC_MDEV_REG_GEN_TOTAL, total);
	if (!ret)
		ret = vicdev_write32(d, VIC_MDEV_REG_GEN_CTRL, 1);
	if (!ret)
		ret = vicdev_last_error(d, &err);
	if (ret)
		return ret;
	if (err)
		return fail(-err, "generator start (LAST_ERROR)");
	return ok();
}

int vicdev_gen_wait(struct vicdev *d, int timeout_ms)
{
	uint64_t end = vicdev_now_ns() + (uint64_t)timeout_ms * 1000000;
	uint32_t running;
	int ret;

	for (;;) {
		ret = vicdev_read32(d, VIC_MDEV_REG_GEN_CTRL, &running);
		if (ret)
			return ret;
		if (!running)
			return ok();
		if (vicdev_now_ns() > end)
			return fail(ETIMEDOUT, "generator still running");
		usleep(1000);
	}
}

/* --- interrupts ------------------------------------------------------- */

int vicdev_set_irqs(struct vicdev *d, uint32_t index, uint32_t flags,
		    uint32_t start, uint32_t count, const void *data,
		    size_t esize)
{
	size_t sz = sizeof(struct vfio_irq_set) + (size_t)count * esize;
	struct vfio_irq_set *s;
	int ret = 0;

	s = calloc(1, sz);
	if (!s)
		return fail(ENOMEM, "SET_IRQS buffer");
	s->argsz = sz;
	s->flags = flags;
	s->index = index;
	s->start = start;
	s->count = count;
	if (data && esize)
		memcpy(s->data, data, (size_t)count * esize);
	if (ioctl(d->fd, VFIO_DEVICE_SET_IRQS, s))
		ret = fail(
			errno,
			"VFIO_DEVICE_SET_IRQS index %u flags 0x%x start %u count %u",
			index, flags, start, count);
	free(s);
	return ret ? ret : ok();
}

int vicdev_msix_set(struct vicdev *d, uint32_t start, uint32_t count,
		    const int32_t *fds)
{
	return vicdev_set_irqs(d, VFIO_PCI_MSIX_IRQ_INDEX,
			       VFIO_IRQ_SET_DATA_EVENTFD |
				       VFIO_IRQ_SET_ACTION_TRIGGER,
			       start, count, fds, sizeof(*fds));
}

int vicdev_msix_unset(struct vicdev *d, uint32_t start, uint32_t count)
{
	int32_t *fds = malloc(count * sizeof(*fds) + 1);
	unsigned int i;
	int ret;

	if (!fds)
		return fail(ENOMEM, "fds");
	for (i = 0; i < count; i++)
		fds[i] = -1;
	ret = vicdev_msix_set(d, start, count, fds);
	free(fds);
	return ret;
}

int vicdev_msix_disable(struct vicdev *d)
{
	return vicdev_set_irqs(d, VFIO_PCI_MSIX_IRQ_INDEX,
			       VFIO_IRQ_SET_DATA_NONE |
				       VFIO_IRQ_SET_ACTION_TRIGGER,
			       0, 0, NULL, 0);
}

int vicdev_req_set(struct vicdev *d, int32_t fd)
{
	return vicdev_set_irqs(d, VFIO_PCI_REQ_IRQ_INDEX,
			       VFIO_IRQ_SET_DATA_EVENTFD |
				       VFIO_IRQ_SET_ACTION_TRIGGER,
			       0, 1, &fd, sizeof(fd));
}

int vicdev_reset(struct vicdev *d)
{
	if (ioctl(d->fd, VFIO_DEVICE_RESET))
		return fail(errno, "VFIO_DEVICE_RESET");
	return ok();
}

/* --- eventfds --------------------------------------------------------- */

int vicdev_eventfd(void)
{
	int fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);

	if (fd < 0)
		return fail(errno, "eventfd");
	return fd;
}

int vicdev_eventfds(int32_t *fds, unsigned int n)
{
	unsigned int i;
	int fd;

	for (i = 0; i < n; i++) {
		fd = vicdev_eventfd();
		if (fd < 0) {
			vicdev_close_fds(fds, i);
			return fd;
		}
		fds[i] = fd;
	}
	return ok();
}

void vicdev_close_fds(int32_t *fds, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		if (fds[i] >= 0)
			close(fds[i]);
		fds[i] = -1;
	}
}

int vicdev_eventfd_take(int fd, uint64_t *count)
{
	uint64_t v;

	*count = 0;
	if (read(fd, &v, sizeof(v)) == sizeof(v)) {
		*count = v;
		return ok();
	}
	if (errno == EAGAIN)
		return ok();
	return fail(errno, "read eventfd %d", fd);
}

int vicdev_eventfd_wait(int fd, int timeout_ms, uint64_t *count)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	int n;

	*count = 0;
	n = poll(&p, 1, timeout_ms);
	if (n < 0)
		return fail(errno, "poll eventfd %d", fd);
	if (!n)
		return fail(ETIMEDOUT, "eventfd %d not signalled", fd);
	return vicdev_eventfd_take(fd, count);
}
