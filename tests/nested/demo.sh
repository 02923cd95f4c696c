#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# What 'make vmm-demo' shows, run in the test VM: a vic_mdev instance given
# to a nested Linux guest by QEMU's vfio-pci, the guest's driver vic_guest
# receiving its interrupts, and the core's view of the same vectors.
set -euo pipefail
. "$VIC_ROOT/tests/lib/guest.sh"
# shellcheck source=tests/vm/common.sh
. "$VIC_ROOT/tests/vm/common.sh"
# shellcheck source=tests/nested/l2.sh
. "$VIC_ROOT/tests/nested/l2.sh"

step() {
	printf '\n== %s\n' "$*"
}

vic_module_path vic_guest >/dev/null || {
	echo "vic_guest.ko is not built (run 'make')" >&2
	exit 1
}
vic_load mdev nvec=8 nr_emulated=2
work=$(mktemp -d)
uuid=$(cat /proc/sys/kernel/random/uuid)
trap 'l2_stop; [[ -e /sys/bus/mdev/devices/$uuid ]] && echo 1 >/sys/bus/mdev/devices/$uuid/remove; rm -rf "$work"' EXIT

step "Create a vic_mdev instance (8 MSI-X vectors, 0-1 emulated, 2-7 IMS)"
echo "$uuid" >/sys/class/mdev_bus/vic_mdev/mdev_supported_types/vic_mdev-default/create
echo "  /sys/bus/mdev/devices/$uuid"
vdir=''
for d in /sys/kernel/debug/vic/*/; do
	[[ $(cat "$d/name") == "$uuid" ]] && vdir=$d
done

step "Boot a nested guest with it (this takes a minute or two under emulation)"
l2_start "$work/l2" "$uuid"
l2_qemu_cmd "$work/l2/initramfs.cpio" "$uuid" | paste -sd' ' | fold -w 76 | sed 's/^/  /'
l2_wait_ready 1 "${VIC_L2_BOOT_LIMIT:-300}" || {
	echo "the nested guest did not boot: $(l2_why)" >&2
	exit 1
}
echo "  $(l2_ready_line 1)"

step "In the guest: the device and its driver"
l2_run vg_dev | sed 's/^/  /'

step "In the guest: 3 doorbells on vector 1 (emulated), 3 on vector 5 (IMS), 2 CMD"
l2_run 'vg_doorbell 1 3 && vg_doorbell 5 3 && vg_cmd 2'
step "In the guest: the generator, 30 raises over vectors 2-4, 20 ms apart"
l2_run 'vg_gen 2 3 20000000 30 && vg_gen_wait 60' | sed 's/^/  /'
l2_run 'vg_settle' >/dev/null

step "In the guest: vic_guest's counts and /proc/interrupts"
l2_run vg_counts | sed 's/^/  /'
l2_run vg_irqs | sed 's/^/  /'

step "In the host of that guest: the core's view ($vdir/vectors)"
sed 's/^/  /' "$vdir/vectors"

step "Remove the mdev while the guest runs: QEMU unplugs it from the guest"
echo 1 >"/sys/bus/mdev/devices/$uuid/remove" &
l2_run -t 90 vg_wait_gone 80 | sed 's/^/  /'
wait $!
echo "  removal done: /sys/bus/mdev/devices/$uuid $([[ -e /sys/bus/mdev/devices/$uuid ]] && echo is still there || echo is gone)"

l2_run -t 5 poweroff -f >/dev/null 2>&1 || :
l2_wait_exit 60 || :
if l2_splats >/dev/null; then
	echo "the nested guest's kernel log has errors:" >&2
	l2_splats >&2
	exit 1
fi
l2_stop
vic_unload
