# SPDX-License-Identifier: GPL-2.0-only
# shellcheck shell=bash
#
# Shared by perf-gate and gate-selftest: building module trees and running
# the benchmark in the guest. Needs root, VIC_BUILD, KVER (and KROOT).

gate_kdir=${KROOT:-}/lib/modules/${KVER:?KVER is not set (run through make)}/build

gate_die() {
	echo "$(basename "$0"): $*" >&2
	exit 2
}

# gate_build_kmod SRC_KMOD_DIR DEST [make args...]: build a copy of a kmod/
# tree in DEST (log in DEST.log).
gate_build_kmod() {
	local src=$1 dest=$2
	shift 2
	rm -rf "$dest"
	mkdir -p "$dest"
	cp -a "$src/." "$dest/"
	make -s -C "$gate_kdir" M="$dest" "$@" modules >"$dest.log" 2>&1 || {
		cat "$dest.log" >&2
		gate_die "build of $src ($*) failed"
	}
}

# gate_extract REV DIR: REV's kmod/ tree into DIR/kmod.
gate_extract() {
	mkdir -p "$2"
	git archive --format=tar "$1" kmod | tar -x -C "$2"
}

# gate_run LANE OUT ROUNDS SAMPLES GROUPS SIDE=KMOD...: one boot of the
# lane (icount or wall) benchmarking every side; JSON lines in OUT.jsonl.
gate_run() {
	local lane=$1 out=$2 rounds=$3 samples=$4 groups=$5 opt=() status=0
	shift 5
	[[ $lane == icount ]] && opt=(--icount)
	"${root:?}/tests/vm/run-vm" "${opt[@]}" --timeout 1800 --dmesg "$out.dmesg" -- \
		tools/bench/gate-guest.sh "$VIC_BUILD/tools/vic-bench" "$rounds" \
		"$samples" "$groups" "$@" >"$out.jsonl" || status=$?
	grep -v '^{' "$out.jsonl" || true
	((status == 0)) || gate_die "the $lane guest run failed (status $status)"
}
