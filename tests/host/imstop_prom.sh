#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# imstop's Prometheus endpoint on the host, without BPF: the checks of
# build/tests/host/imstop_prom (exposition, [ADDR:]PORT, Accept, the
# server on a loopback port, scrapes during publishing), the same under
# ThreadSanitizer (no data race between the server's thread and the main
# loop), and the bodies it rendered through real parsers: the OpenMetrics
# parser of python3-prometheus-client and 'promtool check metrics' (text
# format). 'make' builds both programs (mk/imstop.mk). TAP.
set -uo pipefail
root=$(realpath "$(dirname "$0")/../..")
build=${VIC_BUILD:-$root/build}
bin=$build/tests/host/imstop_prom
tsan=$build/tests/host/imstop_prom-tsan
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

for b in "$bin" "$tsan"; do
	if [[ ! -x $b ]]; then
		echo "Bail out! $b is not built: run 'make' ('make test' does)"
		exit 1
	fi
done

n=0 failed=0
ok() { # COND DESC
	n=$((n + 1))
	if (($1 == 0)); then
		echo "ok $n - $2"
	else
		echo "not ok $n - $2"
		failed=$((failed + 1))
	fi
}

"$bin" "$tmp" >"$tmp/out" 2>"$tmp/err"
rc=$?
grep -v '^1\.\.' "$tmp/out"
n=$(grep -cE '^(not )?ok ' "$tmp/out")
failed=$(grep -c '^not ok ' "$tmp/out")
ok "$rc" "imstop_prom exits 0"
sed 's/^/# stderr: /' "$tmp/err"

TSAN_OPTIONS="halt_on_error=1 exitcode=66" "$tsan" >"$tmp/tsan.out" 2>"$tmp/tsan.err"
rc=$?
ok "$rc" "under ThreadSanitizer: every check passes, no data race"
((rc == 0)) || sed 's/^/# /' "$tmp/tsan.out" "$tmp/tsan.err"

py=/usr/bin/python3
if "$py" -c 'import prometheus_client.openmetrics.parser' 2>/dev/null; then
	"$py" - "$tmp/metrics.om" >"$tmp/py.out" 2>&1 <<'PY'
import sys
from prometheus_client.openmetrics.parser import text_string_to_metric_families
fams = {f.name: f for f in text_string_to_metric_families(open(sys.argv[1]).read())}
assert set(fams) == {"vic_raises", "vic_signals", "vic_pended", "vic_dropped",
                     "vic_signal_latency_seconds"}, sorted(fams)
assert fams["vic_signal_latency_seconds"].type == "histogram"
assert fams["vic_signal_latency_seconds"].unit == "seconds"
names = [s.labels["name"] for s in fams["vic_raises"].samples]
assert 'we"ird\\na\nme??\u00e9' in names, names
PY
	rc=$?
	ok "$rc" "the OpenMetrics body parses (prometheus_client's OpenMetrics parser)"
	((rc == 0)) || sed 's/^/# /' "$tmp/py.out"
else
	ok 1 "python3-prometheus-client is installed (make deps)"
fi

if command -v promtool >/dev/null; then
	promtool check metrics <"$tmp/metrics.txt" >"$tmp/promtool.out" 2>&1
	rc=$?
	ok "$rc" "the text format body passes promtool check metrics"
	((rc == 0)) || sed 's/^/# /' "$tmp/promtool.out"
else
	ok 1 "promtool is installed (prometheus, make deps)"
fi

echo "1..$n"
((failed == 0))
