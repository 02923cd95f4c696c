#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# imstop's collection code on the host, without BPF: 16384 synthetic
# vectors through tools/imstop/collect.c, every row there once with its
# own counts, in order, and one refresh in less than a second (TAP).
# 'make' builds build/tests/host/imstop_collect (mk/imstop.mk).
set -uo pipefail
root=$(realpath "$(dirname "$0")/../..")
bin=${VIC_BUILD:-$root/build}/tests/host/imstop_collect

if [[ ! -x $bin ]]; then
	echo "Bail out! $bin is not built: run 'make' ('make test' does)"
	exit 1
fi
"$bin"
