#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# In the guest: benchmark builds of the modules in one boot, alternating
# module loads over several rounds (ABAB, then BABA, ...), so that drift of
# the machine hits every side alike. Prints one vic-bench JSON record per
# side, round and group, labelled SIDE (the vic-bench groups) or
# SIDE/TRACER (the generator with a tracer attached).
#
# usage: gate-guest.sh VIC_BENCH ROUNDS SAMPLES GROUPS SIDE=KMOD_DIR...
#   GROUPS: vic-bench groups (signal,scaling,set_irqs,mdev) and tracers
#   (imstop, bpftrace), comma-separated.
set -euo pipefail
bench=$1 rounds=$2 samples=$3 groups=$4
shift 4
sides=("$@")

modprobe -a irqbypass vfio vfio_iommu_type1 mdev

bench_groups=() tracers=()
IFS=, read -r -a list <<<"$groups"
for g in "${list[@]}"; do
	case $g in
	imstop | bpftrace) tracers+=("$g") ;;
	*) bench_groups+=("$g") ;;
	esac
done

# A base revision may predate vic_msix.ko (which vic_mdev.ko needs since).
load() {
	insmod "$1/vic.ko" && insmod "$1/vic_test.ko" &&
		{ [[ ! -f $1/vic_msix.ko ]] || insmod "$1/vic_msix.ko"; } &&
		{ [[ ! -f $1/vic_mdev.ko ]] || insmod "$1/vic_mdev.ko"; }
}

unload() {
	rmmod vic_mdev 2>/dev/null || true
	rmmod vic_msix 2>/dev/null || true
	rmmod vic_test vic
}

tracer_cmd() {
	case $1 in
	imstop) echo "exec $VIC_BUILD/imstop -o json 1" ;;
	bpftrace) echo "exec bpftrace $VIC_ROOT/tools/bpftrace/viclat.bt" ;;
	esac
}

run_side() { # run_side NAME KMOD
	local t
	load "$2"
	if ((${#bench_groups[@]})); then
		"$bench" -n "$samples" -m "$(
			IFS=,
			echo "${bench_groups[*]}"
		)" -l "$1"
	fi
	for t in "${tracers[@]}"; do
		[[ -f $2/vic_mdev.ko ]] || continue
		"$bench" -n "$samples" -m tracer -l "$1/$t" -t "$(tracer_cmd "$t")"
	done
	unload
}

# A first load in a boot finds the kernel cold (slabs, IRQ descriptors):
# the side measured first would pay for it (+4.6% on SET_IRQS of 2048
# vectors under icount). One unmeasured pass warms it up.
s=${sides[0]}
load "${s#*=}"
"$bench" -n 1 -m "$(
	IFS=,
	echo "${bench_groups[*]:-signal}"
)" -l warmup >/dev/null
unload

for ((r = 0; r < rounds; r++)); do
	echo "gate: round $((r + 1))/$rounds" >&2
	order=("${sides[@]}")
	if ((r % 2)); then
		for ((i = 0; i < ${#sides[@]}; i++)); do
			order[i]=${sides[${#sides[@]} - 1 - i]}
		done
	fi
	for s in "${order[@]}"; do
		run_side "${s%%=*}" "${s#*=}"
	done
done
