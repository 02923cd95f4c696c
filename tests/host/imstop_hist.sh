#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# imstop's histogram math, on the host: builds tests/host/imstop_hist.c
# with tools/imstop/hist.c and runs it (TAP).
set -uo pipefail
root=$(realpath "$(dirname "$0")/../..")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

if ! "${CC:-cc}" -O2 -g -Wall -Wextra -Werror -I"$root/bpf" \
	-I"$root/tools/imstop" "$root/tests/host/imstop_hist.c" \
	"$root/tools/imstop/hist.c" -lm -o "$tmp/imstop_hist"; then
	echo "Bail out! cannot build tests/host/imstop_hist.c"
	exit 1
fi
"$tmp/imstop_hist"
