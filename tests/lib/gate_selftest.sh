# SPDX-License-Identifier: GPL-2.0-only
# shellcheck shell=bash
#
# gate_selftest_tap LANE: run tools/bench/gate-selftest on one lane, once
# per case, and print its decisions as TAP. Used by tests/host/perf_gate.sh
# (icount lane) and tests/host/perf_gate_wall.sh (wall lane). Returns 0 when
# every decision is the expected one and the lane was measured.

gate_selftest_tap() {
	local lane=$1 root out rc=0 n=0 failed=0 line
	root=$(realpath "$(dirname "${BASH_SOURCE[0]}")/../..")
	VIC_BUILD=$(realpath -m "${VIC_BUILD:-$root/build}")
	export VIC_BUILD
	out=$VIC_BUILD/gate-selftest-$lane

	cd "$root" || return 1
	tools/bench/gate-selftest --runs 1 --lanes "$lane" --out "$out" >"$out.log" 2>&1 || rc=$?
	while IFS= read -r line; do
		case $line in
		"  ok: "*) n=$((n + 1)) && echo "ok $n - ${line#  ok: }" ;;
		"  WRONG: "*) n=$((n + 1)) failed=1 && echo "not ok $n - ${line#  WRONG: }" ;;
		*) echo "# $line" ;;
		esac
	done <"$out.log"
	n=$((n + 1))
	if ((rc == 0)); then
		echo "ok $n - gate-selftest --lanes $lane: every decision as expected"
	else
		echo "not ok $n - gate-selftest --lanes $lane exited $rc"
		failed=1
	fi
	n=$((n + 1))
	if [[ -s $out/$lane.jsonl ]]; then
		echo "ok $n - the $lane lane measured"
	else
		echo "not ok $n - the $lane lane measured"
		failed=1
	fi
	echo "1..$n"
	return $failed
}
