#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# The performance gate validates itself: base = candidate passes, and a
# candidate built with a known slowdown on the signal path fails.
set -uo pipefail
root=$(realpath "$(dirname "$0")/../..")
VIC_BUILD=$(realpath -m "${VIC_BUILD:-$root/build}")
export VIC_BUILD
n=0 failed=0
ok() { # ok COND DESC
	n=$((n + 1))
	if [[ $1 == 0 ]]; then echo "ok $n - $2"; else echo "not ok $n - $2"; failed=1; fi
}

cd "$root"
if ! git rev-parse -q --verify HEAD >/dev/null; then
	echo "1..0 # SKIP no commit to use as the base"
	exit 77
fi
gate=(tools/bench/perf-gate --base HEAD --rounds 3 --samples 4)

"${gate[@]}" --out "$VIC_BUILD/gate-same" >"$VIC_BUILD/gate-same.log" 2>&1
rc=$?
sed 's/^/# /' "$VIC_BUILD/gate-same.log" | grep -E '^# (metric|signal|gen|ratio|doorbell|threshold)'
ok $((rc != 0)) "base = candidate: the gate passes (exit $rc)"

"${gate[@]}" --slowdown-ns 400 --out "$VIC_BUILD/gate-slow" \
	>"$VIC_BUILD/gate-slow.log" 2>&1
rc=$?
sed 's/^/# /' "$VIC_BUILD/gate-slow.log" | grep -E '^# (metric|signal|gen|ratio|doorbell|threshold)'
ok $((rc != 1)) "a 400 ns slowdown per signal: the gate fails (exit $rc)"
python3 - "$VIC_BUILD/gate-slow/report.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
m = {x["metric"]: x for x in r["metrics"]}
sys.exit(0 if m["ratio_vic_over_floor"]["regressed"] and m["gen_emul_ns"]["regressed"] else 1)
PY
ok $? "the report names the signal path metrics as regressed"
[[ -s $VIC_BUILD/gate-slow/report.svg ]]
ok $? "the report's plot was written"

echo "1..$n"
exit $failed
