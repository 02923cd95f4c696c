/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Minimal TAP for the C guest tests: one line per assertion, a plan at the
 * end, exit status 1 when any assertion failed.
 */
#ifndef VIC_TAP_H
#define VIC_TAP_H

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int tap_n;
static int tap_failed;

/*
 * The time scale of the kernel under test: $VIC_TIMEOUT_SCALE (tests/run
 * passes it on to the guest; 4 on the debug kernel), else 1. A test's own
 * waits for something slow, such as bpftrace starting, take it times this.
 */
static inline int tap_time_scale(void)
{
	const char *s = getenv("VIC_TIMEOUT_SCALE");
	int v = s ? atoi(s) : 1;

	return v >= 1 && v <= 99 ? v : 1;
}

static inline int tap_ok(int cond, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static inline int tap_ok(int cond, const char *fmt, ...)
{
	va_list ap;

	printf("%sok %d - ", cond ? "" : "not ", ++tap_n);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
	if (!cond)
		tap_failed++;
	return cond;
}

/* Compare two integers, printing both on failure. */
#define tap_is(got, want, ...)                                           \
	({                                                               \
		long long _g = (long long)(got), _w = (long long)(want); \
		if (!tap_ok(_g == _w, __VA_ARGS__))                      \
			printf("#   got %lld, want %lld\n", _g, _w);     \
		_g == _w;                                                \
	})

/* A call that must fail with errno @err (returns -1, errno set). */
#define tap_errno(ret, err, ...)                                            \
	({                                                                  \
		int _e = (ret) < 0 ? errno : 0;                             \
		if (!tap_ok(_e == (err), __VA_ARGS__))                      \
			printf("#   got errno %d (%s), want %d (%s)\n", _e, \
			       strerror(_e), (err), strerror(err));         \
		_e == (err);                                                \
	})

static inline void tap_diag(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));

static inline void tap_diag(const char *fmt, ...)
{
	va_list ap;

	printf("# ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
}

/* Write @val to the file @path (sysfs, procfs): 0 or -errno. */
static inline int tap_write_file(const char *path, const char *val)
{
	FILE *f = fopen(path, "w");
	int ret;

	if (!f)
		return -errno;
	ret = fputs(val, f) < 0 ? -EIO : 0;
	if (fclose(f) && !ret)
		ret = -errno;
	return ret;
}

static inline void tap_bail(const char *what)
{
	printf("Bail out! %s: %s\n", what, strerror(errno));
	exit(1);
}

static inline int tap_done(void)
{
	printf("1..%d\n", tap_n);
	return tap_failed ? 1 : 0;
}

#endif /* VIC_TAP_H */
