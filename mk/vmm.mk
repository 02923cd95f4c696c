# SPDX-License-Identifier: GPL-2.0-only
#
# A real VMM with a real guest driver (tests/nested/, docs/testing.md).
# Included by the top-level Makefile.
#
#   make vmm-demo   boot the test VM, give a vic_mdev instance to a nested
#                   Linux guest with QEMU's vfio-pci, show the guest's driver
#                   (vic_guest) receiving its interrupts and the core's view
#
# The lane's test is tests/guest/vmm_nested.sh ('make test T=vmm').

.PHONY: vmm-demo
vmm-demo: all
	tests/vm/run-vm $(VM_FLAGS) -- tests/nested/demo.sh
