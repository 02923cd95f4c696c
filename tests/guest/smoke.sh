#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Smoke test: vic.ko loads, registers the vic tracepoints, and unloads
# cleanly, taking them away.
# vic-test-timeout: 60
set -uo pipefail
. "$VIC_ROOT/tests/lib/guest.sh"

events=/sys/kernel/tracing/events/vic

vic_load
tap_ok $? "vic.ko loads" || tap_done
tap_ok "[ -d $events/vic_ctx_init ]" "tracepoint vic:vic_ctx_init exists"
vic_unload
tap_ok $? "vic.ko unloads"
tap_ok "[ ! -d /sys/module/vic ]" "vic is gone from /sys/module"
tap_ok "[ ! -e $events ]" "vic tracepoints are gone"
tap_done
