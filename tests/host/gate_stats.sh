#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# The performance gate's statistics (tools/bench/gate.py) on samples the
# test sets: tests/host/gate_stats.py (TAP).
set -uo pipefail
exec python3 "$(dirname "$0")/gate_stats.py"
