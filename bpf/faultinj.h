/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * faultinj: what the allocation fault injector's BPF programs
 * (faultinj.bpf.c) and its loader (tools/faultinj/) share.
 */
#ifndef FAULTINJ_H
#define FAULTINJ_H

/* Module address ranges whose allocations may be failed. */
#define FI_MAX_RANGES 4

/*
 * An allocation is the modules' own when one of the FI_DEPTH frames above
 * the injection point is in one of the ranges: the frame of the allocator
 * (kmalloc_trace, __kmalloc_node, ...), then up to three callers. That
 * takes what a module allocates itself, through kvmalloc, and what the
 * kernel function it calls allocates first (request_irq()'s irqaction),
 * but not the allocations deep inside the kernel's own code below that
 * (/proc entries of an IRQ, the vfio core's groups), whose error paths
 * are the kernel's, not ours.
 */
#define FI_DEPTH 4

/* Frames kept of the allocation that was failed. */
#define FI_STACK 8

enum fi_kind {
	FI_SLAB, /* should_failslab(): kmalloc and kmem_cache_alloc */
	FI_PAGE, /* should_fail_alloc_page(): the page allocator */
};

struct fi_range {
	__u64 start;
	__u64 end;
};

/*
 * The injector's state, in the programs' .bss. User space writes
 * ranges, nranges and gfp_nofail once, and arms it: nth (which of the
 * modules' allocations to fail, from 1), seen = 0, fired = 0, then tid
 * (the only thread whose allocations count). A thread runs on one CPU at a
 * time, so the programs update it without atomics.
 */
struct fi_state {
	struct fi_range ranges[FI_MAX_RANGES];
	__u32 nranges;
	__u32 gfp_nofail; /* __GFP_NOFAIL of the running kernel */
	__u32 tid; /* armed thread, 0: disarmed */
	__u32 nth;
	__u32 seen; /* the modules' allocations since armed */
	__u32 fired; /* the nth one was failed */
	__u32 kind; /* enum fi_kind of the failed one */
	__u32 nframes;
	__u64 stack[FI_STACK]; /* of the failed one: the injection point, callers */
	__u64 nofail; /* the modules' __GFP_NOFAIL allocations, never failed */
};

#endif /* FAULTINJ_H */
