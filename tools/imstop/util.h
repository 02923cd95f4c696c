/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * imstop: what every part of it uses: error messages and growing arrays.
 */
#ifndef IMSTOP_UTIL_H
#define IMSTOP_UTIL_H

#include <stddef.h>

/* "imstop: <message>\n" on stderr. */
void err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Exit after "out of memory" when @p is NULL; else @p. */
void *must(void *p);

/*
 * Grow the array @p of @size-byte elements to hold at least @need of them
 * (its capacity in *@cap, doubled as needed); exits when out of memory.
 */
void *grow(void *p, int *cap, int need, size_t size);

#endif /* IMSTOP_UTIL_H */
