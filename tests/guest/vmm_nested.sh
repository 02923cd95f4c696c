#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# vic-test-vm: nested
# vic-test-timeout: 900
#
# A real VMM and a real guest driver: QEMU's vfio-pci passes two vic_mdev
# instances (8 vectors each, 0-1 emulated, 2-7 IMS) to a nested Linux
# guest (L2) running vic_guest.ko. On the first: doorbells, CMD, the
# generator, masking, the core's counters against the guest's; the second
# is removed while the guest runs (REQ, hot-unplug, the driver's remove);
# then a system_reset mid-traffic on the first, and QEMU's exit. One L2
# boot; VIC_NESTED_REBOOT=1 also checks L2's second boot after the reset
# (tests/nested/, docs/testing.md).
set -uo pipefail
. "$VIC_ROOT/tests/lib/guest.sh"
# shellcheck source=tests/vm/common.sh
. "$VIC_ROOT/tests/vm/common.sh"
# shellcheck source=tests/nested/l2.sh
. "$VIC_ROOT/tests/nested/l2.sh"

command -v qemu-system-x86_64 >/dev/null || tap_skip_all "no qemu-system-x86_64"
vic_module_path vic_guest >/dev/null || tap_skip_all "vic_guest.ko not built"
vic_load mdev nvec=8 nr_emulated=2 || tap_skip_all "vic_mdev.ko not built"

work=$(mktemp -d)
# uuid: the instance the checks drive; uuid2: the one removed while L2 runs.
uuid=$(cat /proc/sys/kernel/random/uuid)
uuid2=$(cat /proc/sys/kernel/random/uuid)
remove_pid=''
# shellcheck disable=SC2317 # called from the trap
cleanup() {
	l2_stop
	[[ -n $remove_pid ]] && wait "$remove_pid" 2>/dev/null
	for u in "$uuid" "$uuid2"; do
		[[ -e /sys/bus/mdev/devices/$u ]] &&
			echo 1 >"/sys/bus/mdev/devices/$u/remove"
	done
	rm -rf "$work"
}
trap cleanup EXIT

create=/sys/class/mdev_bus/vic_mdev/mdev_supported_types/vic_mdev-default/create
tap_ok "echo $uuid >$create && echo $uuid2 >$create" "two mdev instances created"

# vic_dir UUID: the instance's directory in the core's debugfs.
vic_dir() {
	local d
	for d in /sys/kernel/debug/vic/*/; do
		[[ $(cat "$d/name") == "$1" ]] && echo "$d"
	done
}
vdir=$(vic_dir "$uuid") vdir2=$(vic_dir "$uuid2")
tap_ok "[ -n '$vdir' ] && [ -n '$vdir2' ]" "each instance has a vic debugfs directory"

# l1_col COLUMN: "VECTOR VALUE" lines of a column of the core's vectors file
# (raised, delivered, pended, dropped, trigger, masked, pending).
l1_col() {
	awk -v c="$1" 'NR == 1 { for (i = 1; i <= NF; i++) col[$i] = i; next }
		{ print $1, $col[c] }' "$vdir/vectors"
}

# l1_sum COLUMN: sum of a counter over all vectors.
l1_sum() {
	l1_col "$1" | awk '{ s += $2 } END { print s + 0 }'
}

# l1_delta COLUMN BEFORE: "VECTOR DELTA" lines against an earlier l1_col.
l1_delta() {
	echo "$2" >"$work/before"
	l1_col "$1" >"$work/after"
	join "$work/before" "$work/after" | awk '{ print $1, $3 - $2 }'
}

# counts_str "0 N0" "1 N1"...: counts as vg_counts prints them.
counts_str() {
	printf '%s\n' "$@"
}

L2_BOOT_LIMIT=${VIC_L2_BOOT_LIMIT:-360}
t_lane=$SECONDS
l2_start "$work/l2" "$uuid" "$uuid2" && sleep 1 && l2_alive
tap_ok $? "QEMU runs with the mdev as vfio-pci" ||
	tap_diag "$(cat "$work/l2/qemu.log")"
l2_wait_ready 1 "$L2_BOOT_LIMIT"
tap_ok $? "L2 boots to its init" || {
	tap_diag "$(l2_why)"
	tail -n 20 "$work/l2/console.log" | sed 's/^/# L2: /'
	tap_done
}
boot1=$((($(l2_ns) - L2_START_NS) / 1000000000))
tap_diag "L2 userspace ${boot1}s after QEMU started ($(l2_ready_line 1))"

dev=$(l2_run vg_dev)
tap_is "$(grep -E '^(id|class|driver|info) ' <<<"$dev")" \
	"$(printf '%s\n' 'id 0x1234:0x7663' 'class 0xff0000' 'driver vic_guest' \
		'info nvec 8' 'info nr_emulated 2')" \
	"L2: the device is 1234:7663, vic_guest drives it, 8 vectors, 2 emulated" || {
	l2_run 'dmesg | grep -iE "vic|01:00" | tail -n 20' | sed 's/^/# L2: /'
	# Nothing below can work without the driver.
	l2_splats | sed 's/^/# L2 splat: /'
	tap_done
}
l2devs=$(l2_run vg_devs)
tap_is "$(awk '{ print $2 }' <<<"$l2devs" | xargs)" "vic_guest vic_guest" \
	"L2: vic_guest drives both devices"
pci2=$(awk 'NR == 2 { print $1 }' <<<"$l2devs")
tap_is "$(l2_run vg_irqs | wc -l)" 8 "L2: 8 vic_guest interrupts in /proc/interrupts"
tap_is "$(l1_col trigger | awk '$2 == "yes"' | wc -l)" 8 \
	"L1: QEMU set a trigger on all 8 vectors"

# --- a. doorbells, CMD, generator -----------------------------------------
l2_run vg_reset_counts
base_raised=$(l1_col raised) base_deliv=$(l1_col delivered)
base_pended=$(l1_col pended) base_drop=$(l1_col dropped)

l2_run vg_doorbell 1 5
tap_ok $? "L2: 5 doorbells on emulated vector 1, each interrupt arrives"
l2_run vg_doorbell 5 5
tap_ok $? "L2: 5 doorbells on IMS vector 5, each interrupt arrives"
l2_run vg_cmd 3
tap_ok $? "L2: 3 CMD writes, each interrupt on vector 0 arrives"
tap_is "$(l2_run vg_settle)" \
	"$(counts_str '0 3' '1 5' '2 0' '3 0' '4 0' '5 5' '6 0' '7 0')" \
	"L2: counts exact after doorbells and CMD"

# The generator over all 8 vectors, emulated and IMS: 3 runs that raise
# each vector once, the next run once every interrupt of the last arrived
# (vg_gen_rounds: a vector raised again before the guest handled its last
# interrupt gets one interrupt for both).
gen=$(l2_run -t 120 vg_gen_rounds 0 8 10000000 3)
tap_ok $? "L2: 3 generator runs over vectors 0-7, each interrupt arrives" ||
	tap_diag "$gen"
tap_is "$(l2_run vg_settle)" \
	"$(counts_str '0 6' '1 8' '2 3' '3 3' '4 3' '5 8' '6 3' '7 3')" \
	"L2: the generator's 24 raises counted 3 per vector"

# --- b. masked vectors --------------------------------------------------------
# QEMU's vfio-pci emulates the MSI-X table and PBA that the guest sees: a
# guest's mask stays in QEMU, which goes on reading the vector's eventfd
# and sets its own pending bit. The device's table is never masked, and
# every raise is delivered to QEMU's eventfd.
l2_run 'vg_mask 1 && vg_mask 6'
tap_ok $? "L2: mask vectors 1 (emulated) and 6 (IMS)"
tap_is "$(l1_col masked | awk '$2 == 1 { print $1 }' | xargs)" "" \
	"L1: the guest's mask stays in QEMU (the device's table masks nothing)"
l2_run 'vg_doorbell 1 4 nowait && vg_doorbell 6 4 nowait'
tap_ok $? "L2: 4 doorbells each on masked vectors 1 and 6"
tap_is "$(l2_run vg_settle)" \
	"$(counts_str '0 6' '1 8' '2 3' '3 3' '4 3' '5 8' '6 3' '7 3')" \
	"L2: masked vectors get nothing"
tap_is "$(l1_col pending | awk '$2 == 1 { print $1 }' | xargs)" "" \
	"L1: nothing pending in the device (QEMU pends them)"
l2_run 'vg_unmask 1 && vg_unmask 6'
tap_ok $? "L2: unmask vectors 1 and 6"
tap_is "$(l2_run vg_settle 3)" \
	"$(counts_str '0 6' '1 9' '2 3' '3 3' '4 3' '5 8' '6 4' '7 3')" \
	"L2: unmask delivers exactly one interrupt per vector"
tap_is "$(l1_col pending | awk '$2 == 1' | wc -l)" 0 "L1: nothing pending"

# --- c. the core's counters against the guest's ---------------------------
tap_is "$(l1_delta raised "$base_raised")" \
	"$(counts_str '0 6' '1 12' '2 3' '3 3' '4 3' '5 8' '6 7' '7 3')" \
	"L1: raised per vector = doorbells + CMD + generator"
tap_is "$(l1_delta pended "$base_pended")" \
	"$(counts_str '0 0' '1 0' '2 0' '3 0' '4 0' '5 0' '6 0' '7 0')" \
	"L1: nothing pended by the device"
tap_is "$(l1_delta dropped "$base_drop")" \
	"$(counts_str '0 0' '1 0' '2 0' '3 0' '4 0' '5 0' '6 0' '7 0')" \
	"L1: nothing dropped"
# Each signal the device delivered is one guest interrupt, except that
# QEMU folds the 4 raised while masked into the one it delivers on unmask.
l1_delta delivered "$base_deliv" >"$work/delivered"
l2_run vg_counts >"$work/l2counts"
tap_is "$(join "$work/delivered" "$work/l2counts" |
	awk '{ f = ($1 == 1 || $1 == 6) ? 3 : 0; print $1, ($2 - f == $3) ? "ok" : $2 "-" f "!=" $3 }' |
	grep -vc ' ok$')" 0 "L1 delivered (less 3 folded by QEMU while masked) = L2 count, every vector"
tap_is "$(l2_run vg_irqs | awk '{ print $NF, $2 }' | sed 's/.*-//' | sort -n)" \
	"$(l2_run vg_counts)" "L2: /proc/interrupts agrees with the driver's counts"

# --- d. removal of the second mdev while L2 runs ---------------------------
t_rm=$SECONDS
echo 1 >"/sys/bus/mdev/devices/$uuid2/remove" &
remove_pid=$!
gone=$(l2_run -t 90 vg_wait_gone 80 "$pci2")
tap_ok $? "L2: the second device is hot-unplugged" || tap_diag "$gone"
tap_diag "L2: $(head -n 1 <<<"$gone")"
tap_ok "grep -q 'vic_guest $pci2: removed' <<<\"\$gone\"" "L2: vic_guest's remove ran for it"
l2_qmp_event DEVICE_DELETED 30
tap_ok $? "QEMU: DEVICE_DELETED (it closed the device)"
t=0
while kill -0 "$remove_pid" 2>/dev/null && ((t < 300)); do
	sleep 0.1
	t=$((t + 1))
done
wait "$remove_pid"
tap_ok $? "L1: the mdev removal completes"
remove_pid=''
tap_diag "removal took $((SECONDS - t_rm))s"
tap_ok "[ ! -e /sys/bus/mdev/devices/$uuid2 ]" "L1: the mdev is gone"
tap_ok "[ ! -e '$vdir2' ]" "L1: its vic debugfs directory is gone"
tap_is "$(l2_run "ls /sys/kernel/debug/vic_guest | grep -c '$pci2'")" 0 \
	"L2: no vic_guest debugfs directory left for it"
l2_run vg_reset_counts
l2_run 'vg_doorbell 5 2 && vg_cmd 1'
tap_is "$(l2_run vg_settle)" \
	"$(counts_str '0 1' '1 0' '2 0' '3 0' '4 0' '5 2' '6 0' '7 0')" \
	"L2: the first device still works, counts exact"

# --- e. system_reset while the generator runs -----------------------------
l2_run vg_gen 2 6 2000000 1000000
tap_ok $? "L2: long generator run started (vectors 2-7, 2 ms period)"
r0=$(l1_sum raised)
t=0
while (($(l1_sum raised) < r0 + 20 && t < 100)); do
	sleep 0.1
	t=$((t + 1))
done
tap_ok "(($(l1_sum raised) >= r0 + 20))" "L1: the generator raises"
l2_qmp system_reset
l2_qmp_event RESET 30
tap_ok $? "QEMU: system_reset done (QMP RESET event)"
t=0
while (($(l1_col trigger | awk '$2 == "yes"' | wc -l) > 0 && t < 100)); do
	sleep 0.1
	t=$((t + 1))
done
tap_is "$(l1_col trigger | awk '$2 == "yes"' | wc -l)" 0 \
	"L1: the reset dropped every trigger"
r1=$(l1_sum raised)
sleep 3
tap_is "$(l1_sum raised)" "$r1" "L1: the reset stopped the generator"
# L2's kernel log until the reset: the boot that ran every check above.
splats=$(l2_splats)
tap_is "$splats" "" "L2's kernel log has no splat"

if [[ ${VIC_NESTED_REBOOT:-0} == 1 ]]; then
	t_reset=$SECONDS
	l2_wait_ready 2 "$L2_BOOT_LIMIT"
	tap_ok $? "L2 boots again after the reset" || tap_diag "$(l2_why)"
	tap_diag "second boot: L2 userspace $((SECONDS - t_reset))s after the reset"
	tap_is "$(l2_run vg_dev | grep -E '^(driver|info) ')" \
		"$(printf '%s\n' 'driver vic_guest' 'info nvec 8' 'info nr_emulated 2')" \
		"L2 after reset: vic_guest drives the device again"
	# shellcheck disable=SC2016 # $VG is L2's
	tap_is "$(l2_run cat '$VG/gen')" "running 0 done 0 elapsed_ns 0" \
		"L2 after reset: the generator is stopped and cleared"
	tap_is "$(l1_col trigger | awk '$2 == "yes"' | wc -l)" 8 \
		"L1 after reset: triggers set on all 8 vectors again"
	tap_is "$(l1_sum raised)" "$r1" "L1 after reset: no raise until the guest rings"
	l2_run 'vg_doorbell 5 3 && vg_doorbell 0 2'
	tap_ok $? "L2 after reset: doorbells on vectors 5 and 0"
	tap_is "$(l2_run vg_settle)" \
		"$(counts_str '0 2' '1 0' '2 0' '3 0' '4 0' '5 3' '6 0' '7 0')" \
		"L2 after reset: counts exact"
fi

# --- f. QEMU exits; L1 gets the device back ------------------------------
l2_qmp quit
l2_wait_exit 60
tap_ok $? "QEMU exits on QMP quit"
tap_is "$(l1_col trigger | awk '$2 == "yes"' | wc -l)" 0 \
	"L1: no trigger left once QEMU closed the device"
tap_ok "echo 1 >/sys/bus/mdev/devices/$uuid/remove" "L1: the first mdev is removed"
if [[ ${VIC_NESTED_REBOOT:-0} == 1 ]]; then
	tap_is "$(grep -c 'Linux version' "$work/l2/console.log")" 2 "L2 booted twice"
	tap_is "$(l2_splats)" "" "L2's kernel log (both boots) has no splat"
fi
tap_diag "lane: $((SECONDS - t_lane))s"
l2_stop
vic_unload
tap_ok $? "modules unload"
tap_done
