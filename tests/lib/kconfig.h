/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The configuration of the kernel the guest runs ($KROOT/boot/config-$KVER,
 * as tests/run exports them; the installed kernel without KROOT).
 */
#ifndef VIC_TESTS_KCONFIG_H
#define VIC_TESTS_KCONFIG_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>

#include "tap.h"

/* Is CONFIG_@sym=y in the running kernel's config? Bails out without one. */
static inline int kconfig_y(const char *sym)
{
	const char *kroot = getenv("KROOT"), *kver = getenv("KVER");
	char path[512], line[256], want[128];
	struct utsname u;
	int found = 0;
	FILE *f;

	if (!kver || !*kver) {
		uname(&u);
		kver = u.release;
	}
	snprintf(path, sizeof(path), "%s/boot/config-%s", kroot ? kroot : "",
		 kver);
	f = fopen(path, "r");
	if (!f)
		tap_bail("no config of the running kernel under $KROOT/boot");
	snprintf(want, sizeof(want), "CONFIG_%s=y\n", sym);
	while (!found && fgets(line, sizeof(line), f))
		found = !strcmp(line, want);
	fclose(f);
	return found;
}

/*
 * Does the core defer the delivery of raises from hard IRQ on this kernel
 * (docs/core.md: PREEMPT_RT, and lock nesting checked as RT would)?
 */
static inline int kernel_defers(void)
{
	return kconfig_y("PREEMPT_RT") || kconfig_y("PROVE_RAW_LOCK_NESTING");
}

#endif /* VIC_TESTS_KCONFIG_H */
