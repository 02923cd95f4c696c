// SPDX-License-Identifier: GPL-2.0-only
/*
 * bpf-floor: attach the empty programs of bpf/floor.bpf.c to the vic
 * tracepoints vic_raise and vic_deliver, and hold them until SIGINT or
 * SIGTERM. The benchmark's floor for a tracer's cost per raise
 * (docs/performance.md).
 */
#include <argp.h>
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <bpf/libbpf.h>

#include "floor.skel.h"

static bool verbose;

static const struct argp_option opts[] = {
	{ "verbose", 'v', NULL, 0, "libbpf debug output", 0 },
	{},
};

static error_t parse_arg(int key, char *arg, struct argp_state *state)
{
	(void)arg;
	switch (key) {
	case 'v':
		verbose = true;
		return 0;
	case ARGP_KEY_ARG:
		argp_usage(state);
		return 0;
	default:
		return ARGP_ERR_UNKNOWN;
	}
}

static int print_fn(enum libbpf_print_level level, const char *fmt,
		    va_list args)
{
	if (level == LIBBPF_DEBUG && !verbose)
		return 0;
	return vfprintf(stderr, fmt, args);
}

int main(int argc, char **argv)
{
	static const struct argp argp = {
		.options = opts,
		.parser = parse_arg,
		.doc = "Empty BPF programs on vic:vic_raise and vic:vic_deliver, "
		       "until SIGINT or SIGTERM.",
	};
	struct floor_bpf *skel;
	sigset_t set;
	int sig, ret;

	ret = argp_parse(&argp, argc, argv, 0, NULL, NULL);
	if (ret)
		return 64;
	libbpf_set_print(print_fn);
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigprocmask(SIG_BLOCK, &set, NULL);

	skel = floor_bpf__open_and_load();
	if (!skel) {
		ret = -errno;
		fprintf(stderr,
			"bpf-floor: cannot load the BPF programs: %s%s\n",
			strerror(-ret),
			ret == -EPERM ? " (need CAP_BPF and CAP_PERFMON)" : "");
		return 1;
	}
	ret = floor_bpf__attach(skel);
	if (ret) {
		fprintf(stderr,
			"bpf-floor: cannot attach to the vic tracepoints: %s (is vic.ko loaded?)\n",
			strerror(-ret));
		floor_bpf__destroy(skel);
		return 1;
	}
	fprintf(stderr, "bpf-floor: attached; SIGINT or SIGTERM ends\n");
	sigwait(&set, &sig);
	floor_bpf__destroy(skel);
	return 0;
}
