/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Reading the vic core's binary counters: /sys/kernel/debug/vic/<dev>/stats
 * (layout in kmod/include/uapi/vic_stats.h). Open once, then one pread()
 * per refresh reads every vector of the device.
 */
#ifndef VIC_STATS_FILE_H
#define VIC_STATS_FILE_H

#include <stddef.h>
#include <stdint.h>

#include <vic_stats.h>

struct vic_stats_file {
	int fd;
	uint32_t dev;
	uint32_t nvec;
	uint32_t hdr_size;
	uint32_t rec_size;
	char backend[16]; /* "" without a backend */
	size_t size; /* of the file: header and nvec records */
	unsigned char *buf; /* the last refresh */
};

/*
 * Open <dev>/stats under @root (NULL: /sys/kernel/debug/vic) and check its
 * header. 0, or -errno: -ENOENT no such device, -EPROTO not a stats file
 * of a version this reader knows.
 */
int vic_stats_open(struct vic_stats_file *sf, const char *root,
		   unsigned int dev);

/*
 * Read every record anew. 0, or -errno (-ENODEV: the device is gone).
 */
int vic_stats_refresh(struct vic_stats_file *sf);

/*
 * Record @i (below sf->nvec) of the last refresh. Fields a smaller record
 * of the file lacks read as 0.
 */
void vic_stats_get(const struct vic_stats_file *sf, uint32_t i,
		   struct vic_stats_vector *out);

void vic_stats_close(struct vic_stats_file *sf);

#endif /* VIC_STATS_FILE_H */
