#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# vic-test-timeout: 480
#
# Self-test of the test harness (tests/run, tests/vm/run-vm, the splat
# patterns of tests/vm/common.sh), five boots:
#  0. (no boot) each line of tests/fixtures/splat-lines, a detector's
#     message as the kernel prints it, fails the scan alone, also without
#     the generic "WARNING:" and "BUG:" patterns; every pattern has such a
#     line; the lines of tests/fixtures/clean-lines (detectors' boot
#     messages) do not;
#  1. the runner on tests/fixtures: a host test that asks to run alone
#     runs first, another one beside the guest boot; a failing
#     test, a test whose module WARNs but which exits 0, a passing test run
#     after it and a skipped one give not ok / not ok / ok / ok # SKIP, the
#     session itself fails on the WARN, and the run is red; the fault
#     fixtures (a BUG(), a soft lockup, a hung task, a sleep in atomic
#     context, an interrupt nobody handles) each fail their own test with
#     the detector's line; a module that leaks fails its test where the
#     kernel has kmemleak (the debug kernel), and passes elsewhere; the fixture that asks for icount runs in a second
#     boot, which passes, and where guest time is not host time (it sleeps
#     300 s of guest time in less host time, both boots included);
#  2. run-vm returns a command's stdout and exit status;
#  3. run-vm passes a command that passes;
#  4. run-vm kills a hanging guest at its --timeout.
set -uo pipefail
. "$VIC_ROOT/tests/lib/guest.sh" # for the TAP helpers

cd "$VIC_ROOT" || exit 1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

for ko in vic_warn_fixture vic_bug_fixture vic_fault_fixture; do
	ko=$VIC_BUILD/fixtures/kmod/$ko.ko
	if [[ ! -f $ko ]]; then
		tap_diag "$ko is not built: run 'make fixtures' ('make test' does)"
		exit 1
	fi
done

# has FILE REGEX DESC: FILE has a line matching REGEX (grep -E).
has() {
	tap_ok "grep -qE -- '$2' '$1'" "$3" || sed 's/^/#   | /' "$1"
}

# 0. The splat patterns against the detectors' real lines.
# shellcheck source=tests/vm/common.sh
. tests/vm/common.sh
specific=()
for p in "${VIC_SPLAT_PATTERNS[@]}"; do
	[[ $p == WARNING: || $p == BUG: ]] || specific+=("$p")
done
# scan_specific: vic_splats without the generic prefixes
scan_specific() {
	local VIC_SPLAT_PATTERNS=("${specific[@]}")
	vic_splats -
}
while IFS=$'\t' read -r det line; do
	[[ -z $det || $det == \#* ]] && continue
	if [[ $det == warn ]]; then
		printf '%s\n' "$line" | vic_splats - >/dev/null
		tap_ok $? "splat scan: $det fails a run"
	else
		printf '%s\n' "$line" | scan_specific >/dev/null
		tap_ok $? "splat scan: $det fails a run (by its own pattern)"
	fi
done <tests/fixtures/splat-lines
unused=''
for p in "${VIC_SPLAT_PATTERNS[@]}"; do
	grep -v '^#' tests/fixtures/splat-lines | cut -f 2- | grep -qE -e "$p" || unused+=" '$p'"
done
tap_is "$unused" "" "splat scan: every pattern has a real line in tests/fixtures/splat-lines"
tap_is "$(grep -v '^#' tests/fixtures/clean-lines | vic_splats -)" "" \
	"splat scan: the detectors' boot messages (tests/fixtures/clean-lines) pass"

# block ID: the result line of test ID in run.out, and the lines below it.
block() {
	awk -v id="$1" '
		/^(not )?ok [0-9]+ - / { on = ($0 ~ (" - " id "( |$)")) }
		on' "$tmp/run.out"
}

# inblock ID REGEX DESC: the result of test ID has a line matching REGEX.
inblock() {
	block "$1" >"$tmp/block"
	tap_ok "grep -qE -- '$2' '$tmp/block'" "$3" || sed 's/^/#   | /' "$tmp/block"
}

# 1. The runner on the fixtures.
tests/run --guest-dir tests/fixtures --host-dir tests/fixtures/host --dmesg "$tmp/dmesg1" >"$tmp/run.out" 2>&1
rc=$?
tap_ok "[ $rc -ne 0 ]" "runner: a failing fixture makes the run fail"
has "$tmp/run.out" '^not ok [0-9]+ - guest/fail$' "runner: guest/fail is not ok"
has "$tmp/run.out" '^    not ok 2 - a deliberate failure$' "runner: its output is indented below it"
has "$tmp/run.out" '^not ok [0-9]+ - guest/module_warn$' "runner: a WARN fails the test that exits 0"
has "$tmp/run.out" '^    #   .*WARNING:.*vic_warn_fixture' "runner: ... and shows the WARNING line"
has "$tmp/run.out" '^    # kernel tainted: W' "runner: ... and the new taint"
has "$tmp/run.out" '^ok [0-9]+ - guest/pass$' "runner: the test after it passes (splat blamed on its test only)"
for t in fault_atomic_sleep oops_bug fault_hung fault_softlockup fault_spurious; do
	has "$tmp/run.out" "^not ok [0-9]+ - guest/$t\$" "runner: guest/$t (exits 0) is not ok"
done
inblock guest/oops_bug '^    #   .*kernel BUG at .*vic_bug_fixture\.c' "runner: ... BUG(): kernel BUG at"
inblock guest/oops_bug '^    #   .*invalid opcode: ' "runner: ... BUG(): invalid opcode"
inblock guest/oops_bug '^    # kernel tainted: .*D' "runner: ... BUG(): taint D"
inblock guest/fault_softlockup '^    #   .*watchdog: BUG: soft lockup - CPU#' "runner: ... soft lockup"
inblock guest/fault_softlockup '^    # kernel tainted: .*L' "runner: ... soft lockup: taint L"
inblock guest/fault_hung '^    #   .*INFO: task insmod:[0-9]+ blocked for more than' "runner: ... hung task"
inblock guest/fault_atomic_sleep '^    #   .*BUG: scheduling while atomic: insmod' "runner: ... sleep in atomic context"
inblock guest/fault_spurious '^    #   .*irq [0-9]+: nobody cared' "runner: ... spurious interrupt: nobody cared"
kmemleak_kernel=
if grep -qx 'CONFIG_DEBUG_KMEMLEAK=y' "${KROOT:-}/boot/config-$KVER" 2>/dev/null &&
	! grep -qx 'CONFIG_DEBUG_KMEMLEAK_DEFAULT_OFF=y' "${KROOT:-}/boot/config-$KVER"; then
	kmemleak_kernel=1
	has "$tmp/run.out" '^not ok [0-9]+ - guest/fault_leak$' "runner: guest/fault_leak (exits 0) is not ok: kmemleak"
	inblock guest/fault_leak '^    # kmemleak: [0-9]+ suspected leaks' "runner: ... with the suspects"
	inblock guest/fault_leak '^    #   .*unreferenced object 0x[0-9a-f]+ \(size 4096\)' "runner: ... the leaked 4096 bytes"
	# The next test shares its batch's scans (docs/testing.md).
	block guest/fault_softlockup >"$tmp/block"
	tap_ok "! grep -q '^    # kmemleak: ' '$tmp/block'" "runner: ... blamed on that test, not on the next one" ||
		sed 's/^/#   | /' "$tmp/block"
else
	has "$tmp/run.out" '^ok [0-9]+ - guest/fault_leak$' "runner: guest/fault_leak passes: $KVER has no kmemleak"
fi
has "$tmp/run.out" '^ok [0-9]+ - guest/skip # SKIP fixture always skips$' "runner: exit 77 is a skip, with its reason"
has "$tmp/run.out" '^not ok [0-9]+ - vm/session$' "runner: the session fails on the WARN"
has "$tmp/run.out" '^ok [0-9]+ - guest/icount$' "runner: vic-test-vm: icount runs in the icount boot"
has "$tmp/run.out" '^ok [0-9]+ - vm/session-icount$' "runner: ... and that boot passes"
# (the whole run's time would not tell: the debug kernel's two boots take
# longer than the sleep)
inblock guest/icount '^    ok 3 - in [0-9]+s of host time' "runner: ... where 300 s of guest sleep take less than half as long on the host"
has "$tmp/run.out" '^ok 1 - host/alone$' "runner: vic-test-host: alone runs first, before the boots"
has "$tmp/run.out" '^ok 2 - host/beside$' "runner: the other host tests run beside the guest boot"
has "$tmp/run.out" '^1\.\.15$' "runner: plan 1..15"
# fault_leak fails where the kernel has kmemleak (see above)
if [[ -n $kmemleak_kernel ]]; then
	tap_is "$(tail -n 1 "$tmp/run.out")" "5 passed, 9 failed, 1 skipped" "runner: summary line"
else
	tap_is "$(tail -n 1 "$tmp/run.out")" "6 passed, 8 failed, 1 skipped" "runner: summary line"
fi

# 2. Exit status and stdout come back.
# shellcheck disable=SC2016 # expanded in the guest
out=$(tests/vm/run-vm --dmesg "$tmp/dmesg2" -- sh -c 'echo "hello from $(uname -r)"; exit 3' 2>"$tmp/err2")
tap_is "$?" 3 "run-vm: the command's exit status comes back" || sed 's/^/#   | /' "$tmp/err2"
tap_is "$out" "hello from $KVER" "run-vm: its stdout comes back (kernel $KVER)"
tap_ok "[ -s '$tmp/dmesg2' ]" "run-vm: the kernel log is saved (--dmesg)"

# 3. A passing command passes.
out=$(tests/vm/run-vm --dmesg "$tmp/dmesg3" -- sh -c 'test -f tests/run && pwd' 2>"$tmp/err3")
tap_is "$?" 0 "run-vm: a passing command passes" || sed 's/^/#   | /' "$tmp/err3"
tap_is "$out" "$VIC_ROOT" "run-vm: it runs in the checkout, at the same path"

# 4. A hanging command is killed at the timeout.
SECONDS=0
tests/vm/run-vm --timeout 10 --dmesg "$tmp/dmesg4" -- sleep 1000 >/dev/null 2>"$tmp/err4"
rc=$? took=$SECONDS
tap_is "$rc" 124 "run-vm: a hanging guest is killed (exit 124)" || sed 's/^/#   | /' "$tmp/err4"
tap_ok "[ $took -lt 30 ]" "run-vm: ... at the timeout (10s; took ${took}s)"
has "$tmp/err4" 'timeout' "run-vm: ... and says so"
# A QEMU of ours that outlived its run-vm would point at a deleted run dir.
orphans() {
	local pid dir
	for pid in $(pgrep -f "qemu-system.*path=$VIC_BUILD/vm/run\\."); do
		dir=$(tr '\0' '\n' <"/proc/$pid/cmdline" 2>/dev/null |
			sed -n "s|.*path=\($VIC_BUILD/vm/run\\.[^/,]*\).*|\1|p" | head -n 1)
		[[ -n $dir && ! -d $dir ]] && echo "$pid"
	done
	return 0
}

tap_is "$(orphans)" "" "run-vm: no QEMU left behind"

tap_done
