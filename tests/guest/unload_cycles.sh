#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Load / create / traffic / remove / unload cycles, short version (the
# long one: make stress): the slab caches, per-CPU memory, vmalloc, IRQ
# descriptors, VFIO groups and fds are back where they started. See
# tools/stress/vic-unload.c and docs/reliability.md.
# vic-test-timeout: 150
set -uo pipefail
bin=$VIC_BUILD/tools/vic-unload
[[ -x $bin ]] || {
	echo "1..0 # SKIP $bin not built (run 'make')"
	exit 77
}
exec "$bin" --cycles "${VIC_UNLOAD_CYCLES:-20}"
