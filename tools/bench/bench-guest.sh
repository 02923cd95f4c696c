#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# In the guest: the benchmark suite, then the same generator run with imstop
# (its default sampling, and every raise timed), with empty BPF programs on
# the same tracepoints (the floor), and with the equivalent bpftrace script
# attached. JSON records on stdout.
#
# usage: bench-guest.sh SAMPLES
set -euo pipefail
samples=$1
k=$VIC_BUILD/kmod
bench=$VIC_BUILD/tools/vic-bench

modprobe -a irqbypass vfio vfio_iommu_type1 mdev
insmod "$k/vic.ko"
insmod "$k/vic_test.ko"
insmod "$k/vic_msix.ko"
insmod "$k/vic_mdev.ko"

"$bench" -n "$samples" -l suite
if [[ -x $VIC_BUILD/imstop ]]; then
	"$bench" -n "$samples" -m tracer -l imstop \
		-t "exec $VIC_BUILD/imstop -o json 1"
	"$bench" -n "$samples" -m tracer -l imstop-all \
		-t "exec $VIC_BUILD/imstop -S1 -o json 1"
fi
# The floor: empty programs where imstop has its two.
if [[ -x $VIC_BUILD/tools/bpf-floor ]]; then
	"$bench" -n "$samples" -m tracer -l floor \
		-t "exec $VIC_BUILD/tools/bpf-floor"
fi
script=$VIC_ROOT/tools/bpftrace/viclat.bt
if [[ -f $script ]] && command -v bpftrace >/dev/null; then
	"$bench" -n "$samples" -m tracer -l bpftrace -t "exec bpftrace $script"
fi
rmmod vic_mdev vic_msix vic_test vic
