#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# The performance gate validates itself (tools/bench/gate-selftest), icount
# lane: an A/A comparison passes and +3% instructions injected on the
# signal path, the IMS path and SET_IRQS each fail on that path's metric, at
# the 2% threshold. Instruction counts do not depend on the host's load, so
# this runs beside the guest boots; the wall lane is perf_gate_wall.
# `make perf-gate-selftest` runs the icount cases 10 times each.
# vic-test-timeout: 600
set -uo pipefail
# shellcheck source=tests/lib/gate_selftest.sh
. "$(dirname "$0")/../lib/gate_selftest.sh"
gate_selftest_tap icount
