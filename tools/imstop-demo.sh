#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# imstop-demo.sh [SECONDS]: imstop live over vic_mdev traffic, in the test
# VM (tools/demo.sh runs it for 'make run'). Loads the modules, starts
# imstop with -b (the console cannot be redrawn: one report after the
# other), then creates a vic_mdev instance with a trigger on every vector
# (the IMS vectors allocate, a few cookies are set) and its traffic
# generator running, plus doorbells and a vector masked now and then
# (build/imstop-load mdev-demo), for SECONDS (default 5).
set -uo pipefail
. "$VIC_ROOT/tests/lib/guest.sh" # vic_load, vic_unload

secs=${1:-5}
b=$VIC_BUILD
if ! vic_module_path vic_mdev >/dev/null || [[ ! -x $b/imstop ]]; then
	echo "imstop-demo: vic_mdev.ko or imstop is not built; run 'make'" >&2
	exit 1
fi
vic_load mdev nvec=16 nr_emulated=2 ims_program_delay_us=500 || exit 1

err=$(mktemp)
load=$(mktemp)
trap 'rm -f "$err" "$load"' EXIT
"$b/imstop" -b 1 "$((secs + 1))" 2>"$err" &
pid=$!
for ((i = 0; i < 600; i++)); do
	grep -q tracing "$err" && break
	if ! kill -0 "$pid" 2>/dev/null; then
		cat "$err" >&2
		exit 1
	fi
	sleep 0.1
done
"$b/imstop-load" mdev-demo -t "$secs" -p 50000 >"$load"
rc=0
wait "$pid" || rc=$?
printf '\n== The core'"'"'s own counters, before the device went away\n'
grep -v 'mdev-demo done' "$load"
vic_unload
exit "$rc"
