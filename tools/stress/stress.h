/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Shared helpers of the reliability tools (tools/stress/vic-*.c): a seeded
 * random number generator, option parsing, tracefs histograms (exact
 * per-vector counts of the vic tracepoints), and the kernel's memory
 * accounting (/proc/meminfo, /proc/slabinfo) for leak checks.
 *
 * Everything is static inline: each tool is one translation unit, and the
 * TAP helpers of tests/lib/tap.h keep their counters per translation unit.
 */
#ifndef VIC_STRESS_H
#define VIC_STRESS_H

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define TRACEFS "/sys/kernel/tracing"

/* --- random numbers: splitmix64, reproducible from a seed -------------- */

struct rng {
	uint64_t s;
};

static inline struct rng rng_init(uint64_t seed)
{
	struct rng r = { .s = seed ^ 0x9e3779b97f4a7c15ull };

	return r;
}

static inline uint64_t rng_next(struct rng *r)
{
	uint64_t z = (r->s += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* Uniform in [0, n), n > 0 (the bias of the modulo does not matter here). */
static inline uint32_t rng_below(struct rng *r, uint32_t n)
{
	return n ? (uint32_t)(rng_next(r) % n) : 0;
}

/* true with probability pct / 100 */
static inline bool rng_pct(struct rng *r, unsigned int pct)
{
	return rng_below(r, 100) < pct;
}

/* --- small file helpers ------------------------------------------------ */

static inline int str_to_file(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	ssize_t n;
	int err;

	if (fd < 0)
		return -errno;
	n = write(fd, s, strlen(s));
	err = n < 0 ? errno : 0;
	close(fd);
	return -err;
}

/* The whole of a (small, procfs-like) file, NUL-terminated; free() it. */
static inline char *file_to_str(const char *path)
{
	size_t cap = 1 << 16, len = 0;
	char *buf = malloc(cap);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0 || !buf) {
		if (fd >= 0)
			close(fd);
		free(buf);
		return NULL;
	}
	for (;;) {
		if (cap - len < 4096) {
			char *nb = realloc(buf, cap * 2);

			if (!nb)
				break;
			buf = nb;
			cap *= 2;
		}
		n = read(fd, buf + len, cap - len - 1);
		if (n <= 0)
			break;
		len += n;
	}
	close(fd);
	buf[len] = '\0';
	return buf;
}

/* Lines of @path containing @what (-1 if unreadable). */
static inline int count_lines_with(const char *path, const char *what)
{
	char *buf = file_to_str(path), *p, *nl;
	int n = 0;

	if (!buf)
		return -1;
	for (p = buf; *p; p = nl + 1) {
		nl = strchr(p, '\n');
		if (nl)
			*nl = '\0';
		n += !!strstr(p, what);
		if (!nl)
			break;
	}
	free(buf);
	return n;
}

/* Entries of a directory, without . and .. (-1 if unreadable). */
static inline int count_dir(const char *path)
{
	struct dirent *de;
	DIR *d = opendir(path);
	int n = 0;

	if (!d)
		return -1;
	while ((de = readdir(d)))
		n += strcmp(de->d_name, ".") && strcmp(de->d_name, "..");
	closedir(d);
	return n;
}

/* --- option parsing ---------------------------------------------------- */

static inline uint64_t parse_u64(const char *opt, const char *s)
{
	char *end;
	uint64_t v;

	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || end == s || *end) {
		fprintf(stderr, "%s: not a number: %s\n", opt, s);
		exit(2);
	}
	return v;
}

/* --- tracefs histograms -------------------------------------------------
 *
 * A hist trigger keeps an exact count per key in the kernel, without the
 * ring buffer (nothing is lost under load). The tools key them by dev,
 * vector and, for vic_deliver, status.
 */

struct hist_ent {
	uint32_t dev;
	uint32_t vector;
	uint32_t status;
	uint64_t hits;
};

static inline int hist_path(char *buf, size_t len, const char *event,
			    const char *file)
{
	return snprintf(buf, len, TRACEFS "/events/vic/%s/%s", event, file);
}

/* Attach (@on) or remove a hist trigger @spec to the vic event @event. */
static inline int hist_trigger(const char *event, const char *spec, bool on)
{
	char path[256], cmd[512];

	hist_path(path, sizeof(path), event, "trigger");
	snprintf(cmd, sizeof(cmd), "%s%s", on ? "" : "!", spec);
	return str_to_file(path, cmd);
}

static inline uint64_t hist_field(const char *line, const char *name)
{
	const char *p = strstr(line, name);

	return p ? strtoull(p + strlen(name), NULL, 10) : 0;
}

/*
 * Read the entries of the hist trigger of @event whose "trigger info" line
 * contains @match (an event may carry several). Returns the number of
 * entries (at most @max are stored), or -errno; *@dropped gets the
 * histogram's "Dropped:" count (events that found the map full).
 */
static inline int hist_read(const char *event, const char *match,
			    struct hist_ent *out, int max, uint64_t *dropped)
{
	char path[256], *buf, *p, *nl;
	bool in = false;
	int n = 0;

	hist_path(path, sizeof(path), event, "hist");
	buf = file_to_str(path);
	if (!buf)
		return -errno;
	*dropped = 0;
	for (p = buf; *p; p = nl + 1) {
		nl = strchr(p, '\n');
		if (nl)
			*nl = '\0';
		if (!strncmp(p, "# trigger info:", 15))
			in = strstr(p, match) != NULL;
		else if (in && p[0] == '{') {
			if (n < max) {
				out[n].dev = hist_field(p, "dev:");
				out[n].vector = hist_field(p, "vector:");
				out[n].status = hist_field(p, "status:");
				out[n].hits = hist_field(p, "hitcount:");
			}
			n++;
		} else if (in && strstr(p, "Dropped:")) {
			*dropped = hist_field(p, "Dropped:");
		}
		if (!nl)
			break;
	}
	free(buf);
	return n;
}

/* --- kernel memory accounting ------------------------------------------ */

/* A field of /proc/meminfo in KiB, or -1. */
static inline long long meminfo_kb(const char *field)
{
	char *buf = file_to_str("/proc/meminfo"), *p;
	size_t len = strlen(field);
	long long v = -1;

	if (!buf)
		return -1;
	for (p = buf; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
		if (!strncmp(p, field, len) && p[len] == ':') {
			v = strtoll(p + len + 1, NULL, 10);
			break;
		}
	}
	free(buf);
	return v;
}

/*
 * Flush the per-CPU slabs of every cache (/sys/kernel/slab/<cache>/shrink),
 * so that /proc/slabinfo's active_objs counts the objects really in use.
 */
static inline void slab_shrink_all(void)
{
	struct dirent *de;
	char path[512];
	DIR *d = opendir("/sys/kernel/slab");

	if (!d)
		return;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/sys/kernel/slab/%s/shrink",
			 de->d_name);
		str_to_file(path, "1");
	}
	closedir(d);
}

/*
 * Bytes of the active objects of the slab caches whose name starts with
 * @prefix ("" for all), from /proc/slabinfo; *@objs gets their number.
 */
static inline long long slabinfo_bytes(const char *prefix, long long *objs)
{
	char *buf = file_to_str("/proc/slabinfo"), *p, *nl;
	long long bytes = 0, n = 0;
	size_t len = strlen(prefix);

	if (!buf)
		return -1;
	for (p = buf; *p; p = nl + 1) {
		char name[64];
		long long active, total, size;

		nl = strchr(p, '\n');
		if (nl)
			*nl = '\0';
		if (p[0] != '#' && !strncmp(p, prefix, len) &&
		    sscanf(p, "%63s %lld %lld %lld", name, &active, &total,
			   &size) == 4) {
			bytes += active * size;
			n += active;
		}
		if (!nl)
			break;
	}
	free(buf);
	if (objs)
		*objs = n;
	return bytes;
}

#endif /* VIC_STRESS_H */
