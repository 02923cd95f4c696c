#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# tests/guest/mdev_lifecycle.c on MSI-X-backed vectors: instances on the test
# VM's rocker (tests/lib/msix.sh).
# vic-test-vm: icount (as mdev_lifecycle.c: the hrtimer hang check)
set -uo pipefail
# shellcheck source=tests/lib/msix.sh
. "$VIC_ROOT/tests/lib/msix.sh"
msix_run mdev_lifecycle
