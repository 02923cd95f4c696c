#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# vic_guest.ko without a device to bind: it registers its PCI driver and
# its debugfs root, and unloads leaving neither behind.
# vic-test-timeout: 60
set -uo pipefail
. "$VIC_ROOT/tests/lib/guest.sh"

vic_module_path vic_guest >/dev/null || tap_skip_all "vic_guest.ko not built"
vic_insmod vic_guest
tap_ok $? "vic_guest loads"
tap_ok "[ -d /sys/bus/pci/drivers/vic_guest ]" "the PCI driver is registered"
tap_ok "[ -d /sys/kernel/debug/vic_guest ]" "the debugfs root exists"
tap_is "$(find /sys/kernel/debug/vic_guest -mindepth 1 -maxdepth 1 | wc -l)" 0 "no device, no directory"
rmmod vic_guest
tap_ok $? "vic_guest unloads"
tap_ok "[ ! -e /sys/bus/pci/drivers/vic_guest ]" "the PCI driver is gone"
tap_ok "[ ! -e /sys/kernel/debug/vic_guest ]" "the debugfs root is gone"
tap_done
