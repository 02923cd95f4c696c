#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# tests/guest/mdev_uapi.c on MSI-X-backed vectors: instances on the test
# VM's rocker (tests/lib/msix.sh).
set -uo pipefail
# shellcheck source=tests/lib/msix.sh
. "$VIC_ROOT/tests/lib/msix.sh"
msix_run mdev_uapi
