#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# In the guest: benchmark two builds of the modules in one boot, alternating
# module loads over several rounds (ABAB, then BABA, ...), so that drift of
# the machine hits both sides alike. Prints one vic-bench JSON record per
# side and round.
#
# usage: gate-guest.sh VIC_BENCH BASE_KMOD CAND_KMOD ROUNDS SAMPLES GROUPS
set -euo pipefail
bench=$1 base=$2 cand=$3 rounds=$4 samples=$5 groups=$6

modprobe -a irqbypass vfio vfio_iommu_type1 mdev

load() {
	insmod "$1/vic.ko" && insmod "$1/vic_test.ko" &&
		{ [[ ! -f $1/vic_mdev.ko ]] || insmod "$1/vic_mdev.ko"; }
}

unload() {
	rmmod vic_mdev 2>/dev/null || true
	rmmod vic_test vic
}

run_side() { # run_side LABEL KMOD
	load "$2"
	"$bench" -n "$samples" -m "$groups" -l "$1"
	unload
}

for ((r = 0; r < rounds; r++)); do
	echo "gate: round $((r + 1))/$rounds" >&2
	if ((r % 2)); then
		run_side candidate "$cand"
		run_side base "$base"
	else
		run_side base "$base"
		run_side candidate "$cand"
	fi
done
