#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# uAPI fuzzer, short version (the long one: make fuzz): random SET_IRQS
# headers and payloads, region offsets, sizes and values, ioctl numbers,
# from a fixed seed; every result must be the oracle's (the exact errno or
# success), and a known-good sequence must still deliver exactly, every
# 5000 inputs and at the end. See tools/stress/vic-fuzz.c and
# docs/bad-input.md.
# vic-test-timeout: 120
set -uo pipefail
bin=$VIC_BUILD/tools/vic-fuzz
# not built is a failure: make test builds it
[[ -x $bin ]] || {
	echo "not ok 1 - $bin is built (run 'make')"
	echo "1..1"
	exit 1
}
exec "$bin" --seed "${VIC_FUZZ_SEED:-1}" --count "${VIC_FUZZ_COUNT:-60000}" \
	--seconds "${VIC_FUZZ_SECONDS:-40}"
