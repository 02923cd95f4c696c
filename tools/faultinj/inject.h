/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * faultinj: fail exactly the Nth memory allocation that given kernel
 * modules make in the calling thread (bpf/faultinj.bpf.c). For fault
 * injection tests: arm with N = 1, 2, ... around one operation until an
 * operation passes with nothing failed; each N visits one failure point.
 */
#ifndef FAULTINJ_INJECT_H
#define FAULTINJ_INJECT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/types.h>

#include "faultinj.h"

struct faultinj;

/* One failed allocation. */
struct fi_point {
	unsigned int kind; /* enum fi_kind */
	unsigned int nframes;
	uint64_t stack[FI_STACK]; /* stack[0]: the injection point */
};

/*
 * Load and attach the programs, for the allocations of @modules (NULL
 * terminated, at most FI_MAX_RANGES, each loaded). NULL on failure, with
 * errno set and faultinj_errmsg() saying why; EOPNOTSUPP when the kernel
 * cannot override the allocators' injection points (it needs
 * CONFIG_BPF_KPROBE_OVERRIDE). @verbose: libbpf's debug output.
 */
struct faultinj *faultinj_open(const char *const *modules, bool verbose);
void faultinj_close(struct faultinj *fi);
const char *faultinj_errmsg(void);

/* Fail the @nth (from 1) allocation of the modules by the calling thread. */
void faultinj_arm(struct faultinj *fi, unsigned int nth);
/*
 * Disarm. Returns whether the nth allocation was failed, and then fills
 * @pt (if not NULL). faultinj_seen(): the modules' allocations counted
 * while armed, but for the __GFP_NOFAIL ones.
 */
bool faultinj_disarm(struct faultinj *fi, struct fi_point *pt);
unsigned int faultinj_seen(const struct faultinj *fi);
/* The modules' __GFP_NOFAIL allocations while armed: never failed. */
unsigned int faultinj_nofail(const struct faultinj *fi);

/*
 * @pt's frames from the allocator up to the first one in the modules,
 * symbolized ("kmalloc_trace+0x26 < vic_ims_alloc+0x3c [vic]"): the same
 * call site gives the same string.
 */
int faultinj_site(const struct faultinj *fi, const struct fi_point *pt,
		  char *buf, size_t len);

#endif /* FAULTINJ_INJECT_H */
