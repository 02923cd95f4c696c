# SPDX-License-Identifier: GPL-2.0-only
# shellcheck shell=bash
#
# Run a vic_mdev guest test against MSI-X-backed vectors: the test VM's
# rocker (1b36:0006, tests/vm/run-vm) is given to vic_mdev with
# driver_override and named in VIC_MDEV_PARENT, so that the instances the
# test creates are of type vic_mdev-msix (tools/lib/vicdev.h). Used by
# tests/guest/*_msix.sh:
#
#	. "$VIC_ROOT/tests/lib/msix.sh"
#	msix_run mdev_delivery
#
# Every interrupt of the parent goes to CPU 0, where the test runs: a
# doorbell's interrupt is then handled before the doorbell returns, as a
# simulated IMS slot's is, and the test's exact checks apply unchanged.
# tests/guest/mdev_msix.c covers interrupts handled on another CPU.

# shellcheck source=tests/lib/guest.sh
. "$VIC_ROOT/tests/lib/guest.sh"

MSIX_PARENT='' MSIX_AFFINITY=''

# msix_rocker: the PCI name of the rocker.
msix_rocker() {
	local d
	for d in /sys/bus/pci/devices/*; do
		[[ $(cat "$d/vendor") == 0x1b36 && $(cat "$d/device") == 0x0006 ]] || continue
		basename "$d"
		return 0
	done
	return 1
}

# shellcheck disable=SC2317 # called from the trap
msix_cleanup() {
	local p=/sys/bus/pci/devices/$MSIX_PARENT
	[[ -n $MSIX_PARENT ]] || return 0
	[[ -e $p/driver ]] && echo "$MSIX_PARENT" >"$p/driver/unbind"
	echo >"$p/driver_override"
	[[ -n $MSIX_AFFINITY ]] && echo "$MSIX_AFFINITY" >/proc/irq/default_smp_affinity
	return 0
}

# msix_run TEST: run build/tests/guest/TEST on the rocker, pinned to CPU 0;
# exit with its status.
msix_run() {
	local rc
	MSIX_PARENT=$(msix_rocker) || {
		echo "Bail out! no rocker (1b36:0006) in the test VM; tests/vm/run-vm adds one"
		exit 1
	}
	# New vectors take the default affinity: load vic_mdev afresh.
	vic_unload || exit 1
	MSIX_AFFINITY=$(cat /proc/irq/default_smp_affinity)
	trap msix_cleanup EXIT
	echo 1 >/proc/irq/default_smp_affinity &&
		echo vic_mdev >"/sys/bus/pci/devices/$MSIX_PARENT/driver_override" || exit 1
	echo "# parent: rocker $MSIX_PARENT, its interrupts on CPU 0"
	VIC_MDEV_PARENT=$MSIX_PARENT taskset -c 0 "$VIC_BUILD/tests/guest/$1"
	rc=$?
	exit "$rc"
}
