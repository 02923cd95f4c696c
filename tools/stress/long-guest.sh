#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Guest side of tools/stress/run-long: the long runs of the reliability
# tools, one after the other, each followed by an unload of whatever vic
# module is left.
set -uo pipefail
mode=$1
shift
bin=$VIC_BUILD/tools
seconds=60 seed=1 cycles=100 count=2000000
while (($#)); do
	case $1 in
	--seconds) seconds=$2 && shift ;;
	--seed) seed=$2 && shift ;;
	--cycles) cycles=$2 && shift ;;
	--count) count=$2 && shift ;;
	*)
		echo "long-guest.sh: unknown option $1" >&2
		exit 2
		;;
	esac
	shift
done

unload() {
	local m
	for m in vic_test vic_mdev vic_msix vic; do
		[[ -d /sys/module/$m ]] && rmmod "$m"
	done
	return 0
}

rc=0
run() {
	echo "# --- $*"
	"$@" || rc=1
	unload
}

echo "# kernel $(uname -r), $(nproc) CPUs"
case $mode in
stress)
	run "$bin/vic-stress" --seconds "$seconds" --seed "$seed"
	run "$bin/vic-unload" --cycles "$cycles"
	;;
fuzz)
	run "$bin/vic-fuzz" --seed "$seed" --count "$count" --seconds "$seconds"
	;;
esac
exit "$rc"
