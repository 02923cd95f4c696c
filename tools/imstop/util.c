// SPDX-License-Identifier: GPL-2.0-only
/*
 * imstop: error messages and growing arrays.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "util.h"

void err(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "imstop: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n");
}

void *must(void *p)
{
	if (!p) {
		err("out of memory");
		exit(1);
	}
	return p;
}

void *grow(void *p, int *cap, int need, size_t size)
{
	int n = *cap ? *cap : 16;

	if (need <= *cap)
		return p;
	while (n < need)
		n *= 2;
	p = must(realloc(p, (size_t)n * size));
	*cap = n;
	return p;
}
