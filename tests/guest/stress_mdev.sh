#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Concurrency stress, short version (the long one: make stress): threads
# race SET_IRQS (set, replace, unset, disable, loopback), doorbells, the
# generator, cookies, table and function masks, RESET, device fd
# close/reopen, eventfds closed while raised, and instances created and
# removed; then every raise must be accounted for exactly once (debugfs,
# tracepoint counts, eventfd counts), and the device must still work.
# See tools/stress/vic-stress.c and docs/reliability.md.
# vic-test-timeout: 150
set -uo pipefail
bin=$VIC_BUILD/tools/vic-stress
# not built is a failure: make test builds it
[[ -x $bin ]] || {
	echo "not ok 1 - $bin is built (run 'make')"
	echo "1..1"
	exit 1
}
exec "$bin" --seconds "${VIC_STRESS_SECONDS:-30}" --seed "${VIC_STRESS_SEED:-1}"
