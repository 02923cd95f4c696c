#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# The performance gate validates itself (tools/bench/gate-selftest), wall
# lane: an A/A comparison passes and a candidate slowed down by 400 ns per
# signal (more where the kernel defers deliveries: see gate-selftest)
# fails, on the signal path's metrics. Wall-clock figures move with the
# host's load, so this runs alone, before the guest boots.
# vic-test-host: alone
# vic-test-timeout: 400
set -uo pipefail
# shellcheck source=tests/lib/gate_selftest.sh
. "$(dirname "$0")/../lib/gate_selftest.sh"
gate_selftest_tap wall
