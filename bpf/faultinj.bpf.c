// SPDX-License-Identifier: GPL-2.0-only
/*
 * faultinj: fail exactly the Nth memory allocation that given modules make
 * in one thread, by bpf_override_return() on the kernel's error-injection
 * points of the slab and page allocators. The debugfs fault attributes
 * (failslab, fail_page_alloc) fail by probability, interval or the Nth
 * call of a task, the kernel's as well as the modules'; this selects the
 * modules' own allocations by their stack (see FI_DEPTH), so that a loop
 * over N visits each of their failure points once.
 *
 * Needs CONFIG_BPF_KPROBE_OVERRIDE (and so FUNCTION_ERROR_INJECTION).
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "faultinj.h"

struct fi_state st;

static __always_inline bool fi_ours(__u64 addr)
{
	__u32 i;

	for (i = 0; i < FI_MAX_RANGES; i++) {
		if (i >= st.nranges)
			break;
		if (addr >= st.ranges[i].start && addr < st.ranges[i].end)
			return true;
	}
	return false;
}

/*
 * Whether to fail this allocation: the armed thread's, not __GFP_NOFAIL,
 * the modules' own (a frame in their ranges among the FI_DEPTH above the
 * injection point), and the nth such one since armed.
 */
static __always_inline bool fi_decide(struct pt_regs *ctx, __u32 kind,
				      __u32 gfp)
{
	__u64 stack[FI_STACK] = {};
	long len;
	__u32 i;
	bool ours = false;

	if (!st.tid || st.fired || (__u32)bpf_get_current_pid_tgid() != st.tid)
		return false;
	len = bpf_get_stack(ctx, stack, sizeof(stack), 0);
	if (len <= 0)
		return false;
	/* stack[0] is the injection point itself, then its callers. */
	for (i = 1; i <= FI_DEPTH && i < FI_STACK; i++) {
		if (i * sizeof(__u64) >= (__u64)len)
			break;
		if (fi_ours(stack[i])) {
			ours = true;
			break;
		}
	}
	if (!ours)
		return false;
	if (gfp & st.gfp_nofail) {
		st.nofail++;
		return false;
	}
	if (++st.seen != st.nth)
		return false;
	st.fired = 1;
	st.kind = kind;
	st.nframes = len / sizeof(__u64);
	for (i = 0; i < FI_STACK; i++)
		st.stack[i] = stack[i];
	return true;
}

SEC("kprobe/should_failslab")
int BPF_KPROBE(fi_slab, struct kmem_cache *s, gfp_t gfp)
{
	if (fi_decide(ctx, FI_SLAB, gfp))
		bpf_override_return(ctx, -12 /* -ENOMEM */);
	return 0;
}

SEC("kprobe/should_fail_alloc_page")
int BPF_KPROBE(fi_page, gfp_t gfp, unsigned int order)
{
	if (fi_decide(ctx, FI_PAGE, gfp))
		bpf_override_return(ctx, 1 /* true: fail */);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
