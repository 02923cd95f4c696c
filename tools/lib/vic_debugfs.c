// SPDX-License-Identifier: GPL-2.0-only
/*
 * Reading the vic core's debugfs.
 */
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vic_debugfs.h"

static int64_t parse_or_dash(const char *s, int base)
{
	return strcmp(s, "-") ? (int64_t)strtoull(s, NULL, base) : -1;
}

static int parse_line(const char *line, struct vic_dbg_vec *v)
{
	char trig[8], cookie[24], virq[16];
	unsigned int masked, pending;

	if (sscanf(line,
		   "%" SCNu32 " %15s %7s %u %u %23s %15s %" SCNu64 " %" SCNu64
		   " %" SCNu64 " %" SCNu64,
		   &v->vector, v->type, trig, &masked, &pending, cookie, virq,
		   &v->raised, &v->delivered, &v->pended, &v->dropped) != 11)
		return -EINVAL;
	v->trigger = !strcmp(trig, "yes");
	v->masked = masked;
	v->pending = pending;
	v->cookie = parse_or_dash(cookie, 16);
	v->virq = (int)parse_or_dash(virq, 10);
	return 0;
}

int vic_dbg_read_vectors(unsigned int dev, struct vic_dbg_vec *vecs, int max)
{
	char path[128], line[256];
	int n = 0, ret = 0;
	FILE *f;

	snprintf(path, sizeof(path), VIC_DEBUGFS_ROOT "/%u/vectors", dev);
	f = fopen(path, "r");
	if (!f)
		return -errno;
	if (!fgets(line, sizeof(line), f)) /* header */
		ret = -EIO;
	while (!ret && n < max && fgets(line, sizeof(line), f)) {
		ret = parse_line(line, &vecs[n]);
		if (!ret)
			n++;
	}
	fclose(f);
	return ret ? ret : n;
}

int vic_dbg_read_vector(unsigned int dev, unsigned int vector,
			struct vic_dbg_vec *out)
{
	struct vic_dbg_vec *vecs;
	int n, i, ret = -ENOENT;

	vecs = calloc(2048, sizeof(*vecs));
	if (!vecs)
		return -ENOMEM;
	n = vic_dbg_read_vectors(dev, vecs, 2048);
	if (n < 0)
		ret = n;
	for (i = 0; i < n; i++) {
		if (vecs[i].vector == vector) {
			*out = vecs[i];
			ret = 0;
			break;
		}
	}
	free(vecs);
	return ret;
}

int vic_dbg_read_name(unsigned int dev, char *buf, int len)
{
	char path[128];
	FILE *f;
	int ret = 0;

	snprintf(path, sizeof(path), VIC_DEBUGFS_ROOT "/%u/name", dev);
	f = fopen(path, "r");
	if (!f)
		return -errno;
	if (!fgets(buf, len, f))
		ret = -EIO;
	else
		buf[strcspn(buf, "\n")] = '\0';
	fclose(f);
	return ret;
}

int vic_dbg_find(const char *name)
{
	char buf[128];
	struct dirent *de;
	int ret = -ENOENT;
	DIR *d;

	d = opendir(VIC_DEBUGFS_ROOT);
	if (!d)
		return -errno;
	while ((de = readdir(d))) {
		char *end;
		unsigned long id = strtoul(de->d_name, &end, 10);

		if (*end || end == de->d_name)
			continue;
		if (!vic_dbg_read_name(id, buf, sizeof(buf)) &&
		    !strcmp(buf, name)) {
			ret = (int)id;
			break;
		}
	}
	closedir(d);
	return ret;
}
