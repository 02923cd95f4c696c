// SPDX-License-Identifier: GPL-2.0-only
/*
 * Reading the vic core's binary counters (vic_stats.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vic_debugfs.h"
#include "vic_stats_file.h"

/* Read exactly @len bytes at @off; 0, or -errno (-EIO: the file is short). */
static int pread_all(int fd, void *buf, size_t len, off_t off)
{
	size_t done = 0;

	while (done < len) {
		ssize_t n = pread(fd, (char *)buf + done, len - done,
				  off + (off_t)done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return -EIO;
		done += (size_t)n;
	}
	return 0;
}

int vic_stats_open(struct vic_stats_file *sf, const char *root,
		   unsigned int dev)
{
	struct vic_stats_header h;
	char path[256];
	int ret;

	memset(sf, 0, sizeof(*sf));
	sf->fd = -1;
	snprintf(path, sizeof(path), "%s/%u/stats",
		 root ? root : VIC_DEBUGFS_ROOT, dev);
	sf->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (sf->fd < 0)
		return -errno;
	ret = pread_all(sf->fd, &h, sizeof(h), 0);
	if (ret)
		goto fail;
	ret = -EPROTO;
	if (h.magic != VIC_STATS_MAGIC || h.version != VIC_STATS_VERSION ||
	    h.hdr_size < sizeof(h) ||
	    h.rec_size < offsetof(struct vic_stats_vector, raised) ||
	    h.dev != dev)
		goto fail;
	sf->dev = dev;
	sf->nvec = h.nvec;
	sf->hdr_size = h.hdr_size;
	sf->rec_size = h.rec_size;
	memcpy(sf->backend, h.backend, sizeof(sf->backend));
	sf->backend[sizeof(sf->backend) - 1] = '\0';
	sf->size = h.hdr_size + (size_t)h.nvec * h.rec_size;
	sf->buf = malloc(sf->size);
	if (!sf->buf) {
		ret = -ENOMEM;
		goto fail;
	}
	return 0;
fail:
	close(sf->fd);
	sf->fd = -1;
	return ret;
}

int vic_stats_refresh(struct vic_stats_file *sf)
{
	int ret = pread_all(sf->fd, sf->buf, sf->size, 0);

	/* debugfs answers -EIO once the file is removed under an open fd. */
	return ret == -EIO ? -ENODEV : ret;
}

void vic_stats_get(const struct vic_stats_file *sf, uint32_t i,
		   struct vic_stats_vector *out)
{
	size_t n = sf->rec_size < sizeof(*out) ? sf->rec_size : sizeof(*out);

	memset(out, 0, sizeof(*out));
	memcpy(out, sf->buf + sf->hdr_size + (size_t)i * sf->rec_size, n);
}

void vic_stats_close(struct vic_stats_file *sf)
{
	if (sf->fd >= 0)
		close(sf->fd);
	free(sf->buf);
	sf->fd = -1;
	sf->buf = NULL;
}
