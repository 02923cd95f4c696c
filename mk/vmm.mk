# SPDX-License-Identifier: GPL-2.0-only
#
# A real VMM with a real guest driver (tests/nested/, docs/testing.md).
# Included by the top-level Makefile.
#
#   make vmm-demo   boot the test VM, give a vic_mdev instance to a nested
#                   Linux guest with QEMU's vfio-pci, show the guest's driver
#                   (vic_guest) receiving its interrupts and the core's view
#
#   make vmm-test   the nested lane (tests/guest/vmm_nested.sh, which
#                   'make test' runs in a boot of its own) in one boot of
#                   the test VM, with the checks of L2's second boot after
#                   the reset (VIC_NESTED_REBOOT=1, docs/testing.md)

.PHONY: vmm-demo vmm-test
vmm-demo: all
	tests/vm/run-vm $(VM_FLAGS) -- tests/nested/demo.sh

vmm-test: all
	tests/vm/run-vm $(VM_FLAGS) --timeout 1800 --env VIC_NESTED_REBOOT=1 -- \
		tests/guest/vmm_nested.sh
