// SPDX-License-Identifier: GPL-2.0-only
/*
 * vic-test-timeout: 900
 *
 * The one-liners of docs/bpftrace.md, taken from the page itself (each
 * fenced block tagged "bpftrace-oneliner NAME"), run as written against the
 * workload of bpftrace_common.h; NAME picks the checks of their output. A
 * block without checks, or checks without a block, fail too.
 */
#include "bpftrace_common.h"
#include "../lib/kconfig.h"

#define DOC "docs/bpftrace.md"
#define MAX_ONELINERS 64

static int dev;
static pid_t self;

struct oneliner {
	char name[64];
	char *cmd;
};

/* Events of the vic system (what tracepoint:vic:* attaches to). */
static int vic_events(void)
{
	struct dirent *d;
	DIR *dir = opendir("/sys/kernel/tracing/events/vic");
	int n = 0;

	if (!dir)
		return 0;
	while ((d = readdir(dir)))
		n += d->d_type == DT_DIR && d->d_name[0] != '.';
	closedir(dir);
	return n;
}

/* The tracepoints and kprobes @cmd attaches. */
static int probes_of(const char *cmd)
{
	static const char *const kinds[] = { "tracepoint:", "kprobe:",
					     "kretprobe:" };
	unsigned int i;
	int n = 0;

	for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		const char *p = cmd;

		while ((p = strstr(p, kinds[i]))) {
			p += strlen(kinds[i]);
			if (!strncmp(p, "vic:*", 5))
				n += vic_events();
			else
				n++;
		}
	}
	return n;
}

static int read_doc(struct oneliner *ol, int max)
{
	char path[512], line[4096];
	int n = 0;
	FILE *f;

	snprintf(path, sizeof(path), "%s/" DOC, getenv("VIC_ROOT") ?: ".");
	f = fopen(path, "r");
	if (!f)
		tap_bail(path);
	while (fgets(line, sizeof(line), f)) {
		static const char tag[] = "```bpftrace-oneliner ";
		size_t len = 0;

		if (strncmp(line, tag, strlen(tag)))
			continue;
		if (n == max)
			break;
		sscanf(line + strlen(tag), "%63s", ol[n].name);
		ol[n].cmd = calloc(1, 1);
		while (fgets(line, sizeof(line), f) &&
		       strncmp(line, "```", 3)) {
			line[strcspn(line, "\n")] = ' ';
			ol[n].cmd = realloc(ol[n].cmd, len + strlen(line) + 1);
			strcpy(ol[n].cmd + len, line);
			len += strlen(line);
		}
		n++;
	}
	fclose(f);
	return n;
}

/* --- The checks: what the workload implies for each one-liner. ---------- */

static void check_events(struct bt_run *r)
{
	static const struct {
		const char *ev;
		long long n;
	} want[] = {
		{ "vic_ctx_init", 1 },
		{ "vic_ctx_release", 1 },
		/* 8 created, 2 re-typed as emulated (free, then alloc) */
		{ "vic_vector_alloc", WL_NVEC + 2 },
		{ "vic_vector_free", 2 + WL_NVEC },
		{ "vic_cookie_set_start", 2 },
		{ "vic_cookie_set_end", 2 },
		/* 2, 3; 4, 5 and 6 (no slot) */
		{ "vic_irq_alloc_start", 5 },
		{ "vic_irq_alloc_end", 5 },
		{ "vic_irq_free", 4 },
		/* 0-3 set, 4-5 set and unwound, 0-3 unset at disable */
		{ "vic_trigger_set", 12 },
		{ "vic_set_irqs", 6 },
		{ "vic_raise", WL_RAISED },
		{ "vic_deliver", WL_RAISED + 1 },
		{ "vic_mask", 2 },
	};
	unsigned int i;

	long long defer;

	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		tap_is(bt_mapf(r, "@[tracepoint:vic:%s, %d]", want[i].ev, dev),
		       want[i].n, "events: %s", want[i].ev);
	/*
	 * Deferred (docs/core.md): on RT every raise of an IMS vector with a
	 * backing interrupt (its handler runs with interrupts off; vector 5
	 * has none), with lock nesting checked as RT would those from hard
	 * IRQ (the hrtimer's), elsewhere none.
	 */
	if (kconfig_y("PREEMPT_RT"))
		defer = WL_RAISE2 + WL_TIMER3;
	else if (kconfig_y("PROVE_RAW_LOCK_NESTING"))
		defer = WL_TIMER3;
	else
		defer = -1; /* no event: no key */
	tap_is(bt_mapf(r, "@[tracepoint:vic:vic_defer, %d]", dev), defer,
	       "events: vic_defer");
	tap_is(bt_mapf(r, "@[tracepoint:vic:vic_defer_run, %d]", dev), defer,
	       "events: vic_defer_run");
}

static const struct {
	int vec;
	long long raised;
} raised[] = {
	{ 0, WL_SIG0 },	  { 1, WL_RAISE1 + WL_PEND1 },
	{ 2, WL_RAISE2 }, { 3, WL_TIMER3 },
	{ 4, -1 },	  { 5, WL_DROP5 },
};

static void check_raises(struct bt_run *r)
{
	unsigned int i;

	for (i = 0; i < sizeof(raised) / sizeof(raised[0]); i++)
		tap_is(bt_mapf(r, "@[%d, %d]", dev, raised[i].vec),
		       raised[i].raised, "raises: vector %d", raised[i].vec);
}

static void check_rate(struct bt_run *r)
{
	unsigned int i;
	char prefix[64];

	/* The seconds of each [dev, vector] add up to its raises. */
	for (i = 0; i < sizeof(raised) / sizeof(raised[0]); i++) {
		snprintf(prefix, sizeof(prefix), "@[%d, %d, ", dev,
			 raised[i].vec);
		tap_is(bt_map_prefix(r, prefix), raised[i].raised,
		       "rate: vector %d, all seconds", raised[i].vec);
	}
}

static void check_outcome(struct bt_run *r)
{
	tap_is(bt_map(r, "@[0]"), WL_DELIVERED, "outcome: delivered");
	tap_is(bt_map(r, "@[1]"), WL_PEND1, "outcome: pended");
	tap_is(bt_map(r, "@[2]"), WL_DROP5, "outcome: dropped");
	tap_is(bt_map(r, "@[3]"), 1, "outcome: released");
}

static void check_lost(struct bt_run *r)
{
	tap_is(bt_mapf(r, "@[%d, 1, 1]", dev), WL_PEND1, "lost: 1 pended");
	tap_is(bt_mapf(r, "@[%d, 5, 2]", dev), WL_DROP5, "lost: 5 dropped");
	tap_is(bt_prefixed(r, "@["), 2, "lost: nothing else");
}

static void check_masks(struct bt_run *r)
{
	tap_is(bt_linesf(r, "dev %d vector 1 masked by " BT_COMM, dev), 1,
	       "masks: vector 1 masked");
	tap_is(bt_linesf(r, "dev %d vector 1 unmasked by " BT_COMM, dev), 1,
	       "masks: vector 1 unmasked");
	tap_is(bt_lines(r, "dev vector by"), 2, "masks: nothing else");
}

static void check_setirqs(struct bt_run *r)
{
	static const struct {
		int flags, ret;
	} want[] = {
		{ WL_F_EVENTFD, 0 },	   { WL_F_EVENTFD, -EBADF },
		{ WL_F_EVENTFD, -EINVAL }, { WL_F_BAD, -EINVAL },
		{ WL_F_EVENTFD, -ENOSPC }, { WL_F_DISABLE, 0 },
	};
	unsigned int i;

	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		tap_is(bt_mapf(r, "@[" BT_COMM ", %d, %d, %d]", self,
			       want[i].flags, want[i].ret),
		       1, "setirqs: flags %d ret %d", want[i].flags,
		       want[i].ret);
}

static void check_errno(struct bt_run *r)
{
	tap_is(bt_map(r, "@errno[9]"), 1, "errno: EBADF");
	tap_is(bt_map(r, "@errno[22]"), 2, "errno: EINVAL");
	tap_is(bt_map(r, "@errno[28]"), 1, "errno: ENOSPC");
}

static void check_triggers(struct bt_run *r)
{
	tap_is(bt_linesf(r, BT_COMM " (pid %d) dev %d set", self, dev), 6,
	       "triggers: 6 set");
	tap_is(bt_linesf(r, BT_COMM " (pid %d) dev %d unset", self, dev), 6,
	       "triggers: 6 unset");
	tap_is(bt_linesf(r, BT_COMM " (pid %d) dev %d vector 4: unset", self,
			 dev),
	       1, "triggers: vector 4 unwound");
}

static void check_alloclat(struct bt_run *r)
{
	tap_is(bt_hist(r, "@us"), 5, "alloclat: 5 allocations");
	tap_ok(!strstr(r->out, "@s["), "alloclat: no start times left");
}

static void check_allocret(struct bt_run *r)
{
	int v;

	for (v = 2; v <= 5; v++)
		tap_is(bt_mapf(r, "@[%d, %d, 0]", dev, v), 1,
		       "allocret: vector %d allocated", v);
	tap_is(bt_mapf(r, "@[%d, 6, -28]", dev), 1,
	       "allocret: vector 6 failed with -ENOSPC");
}

static void check_cookies(struct bt_run *r)
{
	tap_is(bt_linesf(r, "dev %d vector 2 cookie 0x%llx: 0", dev, WL_COOKIE),
	       1, "cookies: vector 2 set");
	tap_is(bt_linesf(r, "dev %d vector 0 cookie 0x%llx: -22", dev,
			 WL_COOKIE),
	       1, "cookies: vector 0 refused");
}

static void check_eventfd(struct bt_run *r)
{
	tap_is(bt_map(r, "@vic"), WL_VIC_SIGNALS, "eventfd: vic's signals");
	tap_ok(bt_map(r, "@all") >= WL_VIC_SIGNALS + WL_AIO,
	       "eventfd: all signals include vic's and the AIO ones");
}

static void check_deliver(struct bt_run *r)
{
	/* The frontend's own calls are inlined: the kprobe sees the backend's
	 * interrupt handler's, one per raise of a backed vector that has a
	 * backing interrupt.
	 */
	tap_is(bt_hist(r, "@ns"), WL_RAISE2 + WL_TIMER3,
	       "deliver: one per backed raise");
}

static const struct {
	const char *name;
	void (*check)(struct bt_run *r);
} checks[] = {
	{ "events", check_events },	{ "raises", check_raises },
	{ "rate", check_rate },		{ "outcome", check_outcome },
	{ "lost", check_lost },		{ "masks", check_masks },
	{ "setirqs", check_setirqs },	{ "errno", check_errno },
	{ "triggers", check_triggers }, { "alloclat", check_alloclat },
	{ "allocret", check_allocret }, { "cookies", check_cookies },
	{ "eventfd", check_eventfd },	{ "deliver", check_deliver },
};

static void run_oneliner(const struct oneliner *ol)
{
	char *cmd = malloc(strlen(ol->cmd) + 8);
	char *argv[] = { "bash", "-c", cmd, NULL };
	void (*check)(struct bt_run * r) = NULL;
	struct wl_result res;
	struct bt_run r;
	unsigned int i;
	int want, rc;

	for (i = 0; i < sizeof(checks) / sizeof(checks[0]); i++)
		if (!strcmp(checks[i].name, ol->name))
			check = checks[i].check;
	if (!tap_ok(check != NULL, "%s: the test knows its checks", ol->name))
		goto out_free;
	if (!tap_ok(!strncmp(ol->cmd, "bpftrace ", 9),
		    "%s: is a bpftrace command", ol->name))
		goto out_free;
	sprintf(cmd, "exec %s", ol->cmd);
	want = probes_of(ol->cmd);
	if (bt_spawn(&r, argv))
		goto out_free;
	if (!tap_ok(bt_wait_attached(&r, want), "%s: attached %d probes",
		    ol->name, want)) {
		kill(r.pid, SIGKILL);
		bt_reap(&r, BT_STOP_MS);
		bt_show(&r);
		goto out;
	}
	res = wl_run();
	dev = res.dev;
	tap_ok(res.ok, "%s: the workload ran as planned", ol->name);
	rc = bt_stop(&r);
	tap_is(rc, 0, "%s: exits 0 on SIGINT", ol->name);
	tap_ok(!strstr(r.out, "WARNING: ") && !strstr(r.out, "ERROR: "),
	       "%s: no warning or error", ol->name);
	tap_diag("sample %s:", ol->name);
	bt_show(&r);
	check(&r);
out:
	bt_free(&r);
out_free:
	free(cmd);
}

int main(void)
{
	struct oneliner ol[MAX_ONELINERS];
	int n, i;
	unsigned int c;

	bt_require();
	wl_setup();
	self = getpid();

	n = read_doc(ol, MAX_ONELINERS);
	tap_ok(n >= 10, DOC " has at least 10 one-liners (%d)", n);
	for (c = 0; c < sizeof(checks) / sizeof(checks[0]); c++) {
		int found = 0;

		for (i = 0; i < n; i++)
			found |= !strcmp(ol[i].name, checks[c].name);
		tap_ok(found, "one-liner '%s' is in " DOC, checks[c].name);
	}
	for (i = 0; i < n; i++) {
		run_oneliner(&ol[i]);
		free(ol[i].cmd);
	}
	return tap_done();
}
