#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# imstop's command line and its errors: usage errors, vic.ko not loaded,
# no privileges (not root, or root without capabilities: the kernel's
# EPERM says which capabilities it needs; a user with CAP_BPF and
# CAP_PERFMON runs it), vic.ko without BTF (auto picks raw_tp; forcing
# tp_btf says what to do), an unknown device name; libbpf's debug output
# only with -v; a count of intervals; SIGTERM ends it cleanly with a final
# record; and it holds vic.ko while it runs.
# vic-test-timeout: 300
set -uo pipefail
. "$VIC_ROOT/tests/lib/guest.sh"

imstop=$VIC_BUILD/imstop
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# run CMD...: status in $rc, stdout in $tmp/out, stderr in $tmp/err.
run() {
	rc=0
	timeout 120 "$@" >"$tmp/out" 2>"$tmp/err" || rc=$?
}

# says REGEX DESC: stderr matches.
says() {
	local r=0
	grep -Eq -- "$1" "$tmp/err" || r=1
	tap_ok "$r" "$2" || sed 's/^/# stderr: /' "$tmp/err"
}

# Usage errors: exit status 64, a message naming the problem.
run "$imstop" -s bogus
tap_is "$rc" 64 "-s bogus: usage error"
says "invalid sort key 'bogus'" "... names the bad key"
run "$imstop" -o xml
tap_is "$rc" 64 "-o xml: usage error"
run "$imstop" 0
tap_is "$rc" 64 "interval 0: usage error"
run "$imstop" 1 2 3
tap_is "$rc" 64 "three positional arguments: usage error"
run "$imstop" --tracepoints=perf
tap_is "$rc" 64 "--tracepoints=perf: usage error"
run "$imstop" --help
tap_is "$rc" 0 "--help"
tap_ok "grep -q -- '--eventfd-probe' '$tmp/out'" "--help lists the expert options"

# Not loaded.
vic_unload
run "$imstop" 1 1
tap_is "$rc" 1 "vic.ko not loaded: exit 1"
says "vic module is not loaded: load vic.ko" "... and says to load it"

# vic.ko without BTF: raw_tp.
for m in irqbypass vfio vfio_iommu_type1 mdev; do
	modprobe "$m"
done
objcopy --remove-section=.BTF "$VIC_BUILD/kmod/vic.ko" "$tmp/vic.ko"
insmod "$tmp/vic.ko"
tap_ok "[ -d /sys/module/vic ] && [ ! -e /sys/kernel/btf/vic ]" \
	"vic.ko without BTF loads"
run "$imstop" -o json 0.2 1
tap_is "$rc" 0 "no module BTF: imstop runs"
tap_ok "grep -q '\"tracepoints\":\"raw_tp\"' '$tmp/out'" "... on raw_tp"
run "$imstop" --tracepoints=tp_btf -o json 0.2 1
tap_is "$rc" 1 "no module BTF, --tracepoints=tp_btf: exit 1"
says "vic.ko has no BTF .* rebuild it with 'make' .* --tracepoints=raw_tp" \
	"... says how to get BTF or to use raw_tp"
rmmod vic

# The built vic.ko (with BTF).
vic_load
tap_ok "[ -e /sys/kernel/btf/vic ]" "the built vic.ko has BTF"

# Privileges: what the kernel refuses, not the uid, decides.
nobody=(setpriv --reuid=65534 --regid=65534 --clear-groups)
run "${nobody[@]}" "$imstop" 1 1
tap_is "$rc" 1 "not root: exit 1"
says "Permission denied.*need CAP_DAC_READ_SEARCH .*CAP_BPF and CAP_PERFMON.*, or root" \
	"... and says which capabilities it needs"
run "${nobody[@]}" --inh-caps=+dac_read_search --ambient-caps=+dac_read_search \
	"$imstop" --eventfd-probe=kprobe 1 1
tap_is "$rc" 1 "not root, CAP_DAC_READ_SEARCH only, --eventfd-probe=kprobe: exit 1"
says "cannot load the BPF programs .*need CAP_BPF and CAP_PERFMON, or root" \
	"... and says so when loading the programs"
run setpriv --inh-caps=-all --bounding-set=-all "$imstop" 1 1
tap_is "$rc" 1 "root without capabilities: exit 1"
says "need CAP_BPF and CAP_PERFMON, or root" "... and says which it needs"
caps=+bpf,+perfmon,+dac_read_search
run "${nobody[@]}" --inh-caps=$caps --ambient-caps=$caps \
	"$imstop" -o json 0.2 1
tap_is "$rc" 0 "not root, with CAP_BPF, CAP_PERFMON and CAP_DAC_READ_SEARCH: imstop runs" ||
	sed 's/^/# stderr: /' "$tmp/err"
tap_ok "grep -q '\"tracepoints\":\"raw_tp\".*\"eventfd\":\"none\"' '$tmp/out'" \
	"... on raw_tp (tp_btf needs CAP_SYS_ADMIN to find vic's BTF), no eventfd probe"
tap_ok "grep -q '\"debugfs\":true' '$tmp/out'" \
	"... with the core's counters from debugfs"
run "${nobody[@]}" --inh-caps=$caps --ambient-caps=$caps \
	"$imstop" --tracepoints=tp_btf -o json 0.2 1
tap_is "$rc" 1 "... --tracepoints=tp_btf: exit 1"
says "tp_btf needs CAP_SYS_ADMIN too .*--tracepoints=raw_tp" \
	"... and says it needs CAP_SYS_ADMIN too, or raw_tp"
run "$imstop" -o json 0.2 3
tap_is "$rc" 0 "'imstop -o json 0.2 3' ends by itself"
tap_is "$(grep -c '^{"version":1,' "$tmp/out")" 3 "... after 3 records"
tap_ok "grep -q '\"tracepoints\":\"tp_btf\".*\"eventfd\":\"none\"' '$tmp/out'" \
	"... on tp_btf, no eventfd probe (not -e)"
run "$imstop" -e -o json 0.2 1
tap_is "$rc" 0 "-e: imstop runs"
tap_ok "grep -q '\"eventfd\":\"fentry\",\"eventfd_func\":\"eventfd_signal_mask\"' '$tmp/out'" \
	"... end to end, with fentry on eventfd_signal_mask"
run "$imstop" -S 0 1 1
tap_is "$rc" 64 "-S 0: usage error (exit 64)"
says "invalid sample period '0'" "... says so"
tap_ok "! grep -q libbpf '$tmp/err'" "no libbpf output without -v (no warning)" ||
	sed 's/^/# stderr: /' "$tmp/err"
run "$imstop" -v -o json 0.2 1
tap_ok "grep -q '^libbpf: ' '$tmp/err'" "-v: libbpf's debug output"
run "$imstop" -d no-such-device 1 1
tap_is "$rc" 1 "-d with an unknown name: exit 1"
says "no vic device named 'no-such-device'" "... and says so"

# SIGTERM: clean exit, a final record; vic.ko is held meanwhile.
"$imstop" -o json 60 >"$tmp/out" 2>"$tmp/err" &
pid=$!
for ((i = 0; i < 300; i++)); do
	grep -q tracing "$tmp/err" && break
	sleep 0.1
done
tap_ok "grep -q tracing '$tmp/err'" "imstop in the background is tracing"
tap_ok "! rmmod vic 2>/dev/null" "vic.ko cannot be unloaded while imstop runs"
kill -TERM "$pid"
rc=0
wait "$pid" || rc=$?
tap_is "$rc" 0 "SIGTERM: exit 0"
tap_ok "grep -q '\"final\":true' '$tmp/out'" "... after a final record"
vic_unload
tap_ok "[ ! -d /sys/module/vic ]" "vic.ko unloads once imstop is gone"
tap_done
