#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# imstop-bench.sh [ROUNDS]: the cost of tracing on the vic hot paths, in
# the test VM ('make imstop-bench'). Each workload of imstop-load runs with
# no tracer, with imstop (-o json 1: its default probes and latency
# sampling), with imstop timing every raise (-S1), and with the
# equivalent bpftrace script tools/imstop/imstop.bt, in ROUNDS (default 3)
# rounds whose tracer order rotates, all in this one boot. Prints the
# median ns per operation and the ratio traced / untraced (1.00 = free).
#
#   vt-signal      VIC_TEST_SIGNAL, emulated vector: ns per send_signal
#   vt-raise-ims   VIC_TEST_SIGNAL raise, IMS vector (genirq): ns per raise
#   mdev-doorbell  vic_mdev DOORBELL -> eventfd read, from user space
#   mdev-gen-emul  vic_mdev generator, emulated vector: ns per raise
#   mdev-gen-ims   vic_mdev generator, IMS vector: ns per raise
set -uo pipefail
. "$VIC_ROOT/tests/lib/guest.sh"

rounds=${1:-3}
b=$VIC_BUILD
load=$b/imstop-load
script=$VIC_ROOT/tools/imstop/imstop.bt
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

vic_load test || exit 1
workloads=(
	"vt-signal|$load vt-signal -n 20000 -r 5"
	"vt-raise-ims|$load vt-signal --ims -n 20000 -r 5"
)
if vic_module_path vic_mdev >/dev/null && vic_insmod vic_mdev nvec=4 nr_emulated=1; then
	workloads+=(
		"mdev-doorbell|$load mdev-doorbell -n 2000 -r 5"
		"mdev-gen-emul|$load mdev-gen -V 0 -n 100000 -r 5"
		"mdev-gen-ims|$load mdev-gen -V 1 -n 100000 -r 5"
	)
else
	echo "# vic_mdev.ko not available: vic_test workloads only"
fi
tracers=(none imstop imstop-all)
if command -v bpftrace >/dev/null; then
	tracers+=(bpftrace)
fi

# wait_for FILE REGEX: until a line of FILE matches (60 s at most).
wait_for() {
	local i
	for ((i = 0; i < 600; i++)); do
		grep -Eq "$2" "$1" 2>/dev/null && return 0
		sleep 0.1
	done
	echo "# timed out waiting for /$2/ in $1" >&2
	return 1
}

tracer_pid=''
tracer_start() {
	tracer_pid=''
	case $1 in
	none) ;;
	imstop | imstop-all)
		local all=()
		[[ $1 == imstop-all ]] && all=(-S1)
		"$b/imstop" -o json "${all[@]}" 1 >/dev/null 2>"$tmp/tracer.err" &
		tracer_pid=$!
		wait_for "$tmp/tracer.err" 'tracing' || return 1
		;;
	bpftrace)
		stdbuf -oL bpftrace "$script" >"$tmp/tracer.out" 2>&1 &
		tracer_pid=$!
		# interval:s:1 fires once every probe is attached.
		wait_for "$tmp/tracer.out" '^[0-9]{2}:[0-9]{2}:[0-9]{2}$' || return 1
		;;
	esac
}

tracer_stop() {
	[[ -n $tracer_pid ]] || return 0
	kill -INT "$tracer_pid"
	wait "$tracer_pid" 2>/dev/null
	tracer_pid=''
}

echo "# $rounds rounds of: ${tracers[*]}; workloads: ${#workloads[@]}"
for ((r = 0; r < rounds; r++)); do
	for ((k = 0; k < ${#tracers[@]}; k++)); do
		t=${tracers[(k + r) % ${#tracers[@]}]}
		tracer_start "$t" || exit 1
		for w in "${workloads[@]}"; do
			name=${w%%|*}
			out=$(${w#*|}) || {
				echo "# $name failed under $t" >&2
				tracer_stop
				exit 1
			}
			ns=$(sed -n 's/.* ns_per_op=\([0-9.]*\).*/\1/p' <<<"$out")
			echo "$name $t $ns" >>"$tmp/results"
			echo "# round $((r + 1)) $t $name: $ns ns"
		done
		tracer_stop
	done
done

# Medians per workload and tracer, and ratios to the untraced median.
printf '\n%-14s %10s %10s %10s %10s %8s %8s %8s\n' workload "none ns" \
	"imstop" "imstop-all" "bpftrace" imstop/0 all/0 bpftr/0
for w in "${workloads[@]}"; do
	name=${w%%|*}
	declare -A med=()
	for t in none imstop imstop-all bpftrace; do
		med[$t]=$(awk -v n="$name" -v t="$t" '$1 == n && $2 == t { print $3 }' \
			"$tmp/results" | sort -g |
			awk '{ v[NR] = $1 } END { if (NR) print (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2) }')
	done
	ratio() {
		[[ -n ${med[$1]} && -n ${med[none]} ]] || { echo -; return; }
		awk -v a="${med[$1]}" -v b="${med[none]}" 'BEGIN { printf "%.2f", a / b }'
	}
	printf '%-14s %10s %10s %10s %10s %8s %8s %8s\n' "$name" \
		"${med[none]:--}" "${med[imstop]:--}" "${med[imstop-all]:--}" \
		"${med[bpftrace]:--}" "$(ratio imstop)" "$(ratio imstop-all)" \
		"$(ratio bpftrace)"
	unset med
done
vic_unload
