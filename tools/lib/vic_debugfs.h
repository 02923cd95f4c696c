/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Reading the vic core's debugfs: /sys/kernel/debug/vic/<dev>/{name,vectors}.
 */
#ifndef VIC_DEBUGFS_H
#define VIC_DEBUGFS_H

#include <stdbool.h>
#include <stdint.h>

#define VIC_DEBUGFS_ROOT "/sys/kernel/debug/vic"

/* One line of <dev>/vectors. cookie and virq are -1 when shown as "-". */
struct vic_dbg_vec {
	uint32_t vector;
	char type[16];
	bool trigger;
	bool masked;
	bool pending;
	int64_t cookie;
	int virq;
	uint64_t raised;
	uint64_t delivered;
	uint64_t pended;
	uint64_t dropped;
};

/*
 * Read the vectors of device @dev into @vecs (at most @max). Returns the
 * number of vectors read, or -errno.
 */
int vic_dbg_read_vectors(unsigned int dev, struct vic_dbg_vec *vecs, int max);

/* Read one vector's line. Returns 0 or -errno (-ENOENT: no such vector). */
int vic_dbg_read_vector(unsigned int dev, unsigned int vector,
			struct vic_dbg_vec *out);

/* Read the device's name into @buf. Returns 0 or -errno. */
int vic_dbg_read_name(unsigned int dev, char *buf, int len);

/*
 * Find the device whose name is @name. Returns its id, or -ENOENT.
 */
int vic_dbg_find(const char *name);

#endif /* VIC_DEBUGFS_H */
