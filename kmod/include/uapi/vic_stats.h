/* SPDX-License-Identifier: GPL-2.0-only WITH Linux-syscall-note */
/*
 * vic: the binary counters file, /sys/kernel/debug/vic/<dev>/stats.
 *
 * The file is a struct vic_stats_header followed by one record per vector
 * context, in vector order. Every read sums the per-CPU counters of the
 * records it covers afresh; a record is never split between two values, so
 * reading the whole file with one pread() gives every vector's counts.
 *
 * Compatibility: the layout only grows. A new field is appended to struct
 * vic_stats_vector and announced by a larger @rec_size, with @version
 * unchanged; readers take record i at @hdr_size + i * @rec_size and use
 * the fields that fit in @rec_size. @version changes only when a field
 * changes its meaning, and readers must then refuse the file.
 */
#ifndef _UAPI_VIC_STATS_H
#define _UAPI_VIC_STATS_H

#include <linux/const.h>
#include <linux/types.h>

#define VIC_STATS_MAGIC		0x53434976	/* "vICS" on little endian */
#define VIC_STATS_VERSION	1

/**
 * struct vic_stats_header - the start of <dev>/stats
 * @magic: VIC_STATS_MAGIC
 * @version: VIC_STATS_VERSION
 * @hdr_size: bytes of this header; the first record starts there
 * @rec_size: bytes of one record
 * @nvec: records that follow, one per vector
 * @dev: the device id (the directory's name)
 * @pad: zero
 * @backend: the backend's name, NUL-terminated ("" without a backend): the
 *	type of the vectors that are not emulated
 */
struct vic_stats_header {
	__u32 magic;
	__u16 version;
	__u16 hdr_size;
	__u32 rec_size;
	__u32 nvec;
	__u32 dev;
	__u32 pad;
	char backend[16];
};

/* vic_stats_vector.flags, the vector's state when the record was read */
#define VIC_STATS_EMULATED	_BITUL(0)	/* signalled by the frontend */
#define VIC_STATS_TRIGGER	_BITUL(1)	/* an eventfd is set */
#define VIC_STATS_MASKED	_BITUL(2)	/* masked (vector or function) */
#define VIC_STATS_PENDING	_BITUL(3)	/* pending bit set */
#define VIC_STATS_BACKED	_BITUL(4)	/* holds a backing interrupt */

/**
 * struct vic_stats_vector - the counters of one vector context
 * @vector: vector number
 * @flags: VIC_STATS_* bits
 * @raised: raises (vic_raise tracepoint events)
 * @delivered: raises that signalled the trigger
 * @pended: raises that found the vector masked and set its pending bit
 * @dropped: raises lost: no trigger, or bus mastering off
 * @released: pending bits released by an unmask that signalled the trigger
 * @release_dropped: pending bits released by an unmask while bus mastering
 *	was off (or without a trigger): nothing signalled
 * @deferred: raises whose delivery was deferred out of a context that
 *	cannot sleep (PREEMPT_RT only); each is counted again as delivered,
 *	pended or dropped once its delivery ran
 *
 * raised == delivered + pended + dropped. One pending bit holds any number
 * of pended raises, and an unmask releases it once: @released +
 * @release_dropped counts the releases, at most @pended. The eventfd
 * signals the vector made are @delivered + @released. Counters are read
 * per CPU without stopping the raisers: a record read while the vector is
 * raised, or while deferred deliveries wait, may see a raise counted and
 * its delivery not yet.
 */
struct vic_stats_vector {
	__u32 vector;
	__u32 flags;
	__u64 raised;
	__u64 delivered;
	__u64 pended;
	__u64 dropped;
	__u64 released;
	__u64 release_dropped;
	__u64 deferred;
};

#endif /* _UAPI_VIC_STATS_H */
