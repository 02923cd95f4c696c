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
# not built is a failure: make test builds it
[[ -x $bin ]] || {
	echo "not ok 1 - $bin is built (run 'make')"
	echo "1..1"
	exit 1
}
exec "$bin" --cycles "${VIC_UNLOAD_CYCLES:-20}"
