#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# The performance gate validates itself (tools/bench/gate-selftest): in the
# icount lane an A/A comparison passes and +3% instructions injected on the
# signal path, the IMS path and SET_IRQS each fail on that path's metric,
# at the 2% threshold; in the wall lane an A/A comparison passes and a
# 400 ns slowdown per signal fails. `make perf-gate-selftest` runs the
# icount cases 10 times each.
# vic-test-timeout: 600
set -uo pipefail
root=$(realpath "$(dirname "$0")/../..")
VIC_BUILD=$(realpath -m "${VIC_BUILD:-$root/build}")
export VIC_BUILD
out=$VIC_BUILD/gate-selftest

cd "$root" || exit 1
tools/bench/gate-selftest --runs 1 --out "$out" >"$out.log" 2>&1
rc=$?
n=0 failed=0
while IFS= read -r line; do
	case $line in
	"  ok: "*) n=$((n + 1)) && echo "ok $n - ${line#  ok: }" ;;
	"  WRONG: "*) n=$((n + 1)) failed=1 && echo "not ok $n - ${line#  WRONG: }" ;;
	*) echo "# $line" ;;
	esac
done <"$out.log"
n=$((n + 1))
if ((rc == 0)); then
	echo "ok $n - gate-selftest: every decision as expected"
else
	echo "not ok $n - gate-selftest exited $rc"
	failed=1
fi
n=$((n + 1))
if [[ -s $out/wall.jsonl && -s $out/icount.jsonl ]]; then
	echo "ok $n - both lanes measured"
else
	echo "not ok $n - both lanes measured"
	failed=1
fi
echo "1..$n"
exit $failed
