/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * vicdev: a small library to drive the vic_mdev reference device through
 * the VFIO uAPI: instances (create, remove), the container/group/device
 * fds, regions, registers, MSI-X triggers and eventfds.
 *
 * Every function returns 0 (or a non-negative value) on success and a
 * negative errno on failure, with errno set to the same value, and keeps a
 * description of the failure for vicdev_errmsg(). Nothing here exits.
 */
#ifndef VICDEV_H
#define VICDEV_H

#include <linux/vfio.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../../kmod/vic_mdev/vic_mdev_regs.h"

#define VICDEV_PARENT "/sys/class/mdev_bus/vic_mdev"
#define VICDEV_TYPE_DIR VICDEV_PARENT "/mdev_supported_types/vic_mdev-default"
/* The type of a PCI parent (its non-emulated vectors: the parent's MSI-X) */
#define VICDEV_PCI_TYPE "mdev_supported_types/vic_mdev-msix"
#define VICDEV_PCI_DEVICES "/sys/bus/pci/devices"
#define VICDEV_MDEV_DEVICES "/sys/bus/mdev/devices"

/* "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx" and its NUL */
#define VICDEV_UUID_LEN 37

/* MSI-X table entry: offsets inside an entry, and the mask bit */
#define VICDEV_MSIX_ENTRY_SIZE 16
#define VICDEV_MSIX_ENTRY_CTRL 12
#define VICDEV_MSIX_CTRL_MASKBIT 0x1
/* MSI-X capability: Message Control and its writable bits */
#define VICDEV_MSIX_FLAGS (VIC_MDEV_MSIX_CAP_OFFSET + 2)
#define VICDEV_MSIX_FLAGS_ENABLE 0x8000
#define VICDEV_MSIX_FLAGS_MASKALL 0x4000

/* An open instance. */
struct vicdev {
	char uuid[VICDEV_UUID_LEN];
	int container;
	int group;
	int fd;
	uint64_t cfg_off;
	uint64_t cfg_size;
	uint64_t bar0_off;
	uint64_t bar0_size;
	uint32_t nvec;
};

/* Description of the last failure in this thread ("" if none). */
const char *vicdev_errmsg(void);

/*
 * Modules. vicdev_load() loads the in-tree dependencies (modprobe), vic.ko
 * if it is not loaded, and (re)loads vic_mdev.ko with @params (e.g.
 * "nvec=16 nr_emulated=2"), both from $VIC_BUILD/kmod (default
 * "build/kmod"). vicdev_unload() unloads vic_mdev (0 if not loaded).
 */
int vicdev_load(const char *params);
int vicdev_load_module(const char *name, const char *params);
int vicdev_unload(void);
bool vicdev_module_loaded(const char *name);

/* Instances: create with a new uuid (stored in @uuid), or a given one. */
/*
 * Instances are created in the type directory of a parent: vic_mdev's own
 * (VICDEV_TYPE_DIR, IMS-backed), or the "msix" type of a PCI function
 * bound to vic_mdev, named by vicdev_set_parent() or else by the
 * environment variable VIC_MDEV_PARENT (a PCI name, e.g. 0000:00:04.0).
 * vicdev_set_parent(NULL) goes back to vic_mdev's own; vicdev_type_dir()
 * is the directory in use.
 */
int vicdev_set_parent(const char *pci_name);
const char *vicdev_type_dir(void);
int vicdev_create(char uuid[VICDEV_UUID_LEN]);
int vicdev_create_uuid(const char *uuid);
int vicdev_remove(const char *uuid);
bool vicdev_exists(const char *uuid);
/* available_instances of the type, or -errno */
int vicdev_available(void);

/* Open an instance: container, group, device fd; regions looked up. */
int vicdev_open(struct vicdev *d, const char *uuid);
/*
 * (Re)open the device fd of an instance whose group is open, and enable
 * it as a driver would (vicdev_enable()).
 */
int vicdev_open_device(struct vicdev *d);
/*
 * PCI COMMAND. A device opens (and resets) with COMMAND 0: no BAR0 access
 * (-EIO), no MSI-X message. vicdev_enable() sets Memory Space and Bus
 * Master.
 */
int vicdev_set_command(struct vicdev *d, uint16_t cmd);
int vicdev_get_command(struct vicdev *d, uint16_t *cmd);
int vicdev_enable(struct vicdev *d);
/* Close the device fd only (the group and container stay). */
void vicdev_close_device(struct vicdev *d);
/* Close everything vicdev_open() opened. */
void vicdev_close(struct vicdev *d);

int vicdev_device_info(struct vicdev *d, struct vfio_device_info *info);
int vicdev_region_info(struct vicdev *d, uint32_t index,
		       struct vfio_region_info *info);
int vicdev_irq_info(struct vicdev *d, uint32_t index,
		    struct vfio_irq_info *info);

/* Region access at an offset inside region @index; a short access: -EIO. */
int vicdev_region_read(struct vicdev *d, uint32_t index, uint64_t off,
		       void *buf, size_t len);
int vicdev_region_write(struct vicdev *d, uint32_t index, uint64_t off,
			const void *buf, size_t len);

/* Config space (little-endian values). */
int vicdev_cfg_read(struct vicdev *d, uint32_t off, void *buf, size_t len);
int vicdev_cfg_write(struct vicdev *d, uint32_t off, const void *buf,
		     size_t len);
int vicdev_cfg_read16(struct vicdev *d, uint32_t off, uint16_t *val);
int vicdev_cfg_write16(struct vicdev *d, uint32_t off, uint16_t val);
int vicdev_cfg_read32(struct vicdev *d, uint32_t off, uint32_t *val);

/* BAR0 registers (little-endian). */
int vicdev_read32(struct vicdev *d, uint32_t off, uint32_t *val);
int vicdev_write32(struct vicdev *d, uint32_t off, uint32_t val);
int vicdev_read64(struct vicdev *d, uint32_t off, uint64_t *val);
int vicdev_write64(struct vicdev *d, uint32_t off, uint64_t val);

/* The device's registers. */
int vicdev_doorbell(struct vicdev *d, uint32_t vector);
int vicdev_cmd(struct vicdev *d);
/* LAST_ERROR (reading clears it) */
int vicdev_last_error(struct vicdev *d, int32_t *err);
int vicdev_set_cookie(struct vicdev *d, uint32_t vector, uint64_t cookie);
int vicdev_get_cookie(struct vicdev *d, uint32_t vector, uint64_t *cookie);

/* MSI-X: table mask bit, Function Mask, pending bits. */
int vicdev_mask(struct vicdev *d, uint32_t vector, bool masked);
int vicdev_function_mask(struct vicdev *d, bool masked);
int vicdev_pending(struct vicdev *d, uint32_t vector, bool *pending);

/*
 * Traffic generator: program and start it; vicdev_gen_wait() polls
 * GEN_CTRL until the run ends or @timeout_ms passes (-ETIMEDOUT).
 */
int vicdev_gen_start(struct vicdev *d, uint32_t first, uint32_t count,
		     uint32_t period_ns, uint64_t total);
int vicdev_gen_wait(struct vicdev *d, int timeout_ms);

/* VFIO_DEVICE_SET_IRQS with @count elements of @esize bytes of @data. */
int vicdev_set_irqs(struct vicdev *d, uint32_t index, uint32_t flags,
		    uint32_t start, uint32_t count, const void *data,
		    size_t esize);
/* MSI-X triggers of [start, start + count) from @fds (-1 unsets). */
int vicdev_msix_set(struct vicdev *d, uint32_t start, uint32_t count,
		    const int32_t *fds);
int vicdev_msix_unset(struct vicdev *d, uint32_t start, uint32_t count);
int vicdev_msix_disable(struct vicdev *d);
/* The REQ trigger (-1 unsets). */
int vicdev_req_set(struct vicdev *d, int32_t fd);
/* VFIO_DEVICE_RESET, then vicdev_enable(); _only: the ioctl alone. */
int vicdev_reset(struct vicdev *d);

/* Eventfds: non-blocking; take reads and resets the count (0 if none). */
int vicdev_eventfd(void);
int vicdev_eventfds(int32_t *fds, unsigned int n);
void vicdev_close_fds(int32_t *fds, unsigned int n);
int vicdev_eventfd_take(int fd, uint64_t *count);
/* Wait up to @timeout_ms for the eventfd to be signalled, then take it. */
int vicdev_eventfd_wait(int fd, int timeout_ms, uint64_t *count);

/* Monotonic time in nanoseconds. */
uint64_t vicdev_now_ns(void);

#endif /* VICDEV_H */
