// SPDX-License-Identifier: GPL-2.0-only
/*
 * The cost floor of tracing a raise: empty programs on the two vic
 * tracepoints imstop uses on every raise, vic_raise and vic_deliver. What
 * the benchmark measures with them attached is the price of any BPF
 * program there (tracepoint dispatch, the program's entry and exit), so
 * imstop's own work is what it costs above this floor.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

SEC("raw_tp/vic_raise")
int floor_raise(void *ctx)
{
	return 0;
}

SEC("raw_tp/vic_deliver")
int floor_deliver(void *ctx)
{
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
