/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The core's stats file in the guest tests: one vector's record, read
 * afresh (tools/lib/vic_stats_file.h).
 */
#ifndef VIC_TESTS_STATS_H
#define VIC_TESTS_STATS_H

#include "tap.h"
#include "vic_stats_file.h"

/* Vector @v's record from a new read of @sf; bails out when it fails. */
static inline struct vic_stats_vector vt_stats_rec(struct vic_stats_file *sf,
						   unsigned int v)
{
	struct vic_stats_vector r;

	if (vic_stats_refresh(sf))
		tap_bail("reading the stats file");
	vic_stats_get(sf, v, &r);
	return r;
}

#endif /* VIC_TESTS_STATS_H */
