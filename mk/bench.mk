# SPDX-License-Identifier: GPL-2.0-only
#
# Benchmarks and the performance gate (docs/performance.md). Included by the
# top-level Makefile.
#
#   build/tools/vic-bench      the benchmark suite, run in the guest
#   make bench                 the suite, with a table of ratios vs targets
#   make perf-gate BASE=REV    this checkout against REV (default HEAD^)
#   make perf-gate-selftest    the gate's own test, 10 runs per case

VIC_BENCH := $(BUILD)/tools/vic-bench
VIC_BENCH_OBJS := $(addprefix $(BUILD)/tools/bench/,vic-bench.o results.o)
BASE ?= HEAD^
GATE_FLAGS ?=

.PHONY: bench perf-gate perf-gate-selftest
userspace: $(VIC_BENCH)

$(VIC_BENCH): $(VIC_BENCH_OBJS) $(LIB_OBJS)
	@echo "  LINK    $@"
	$(Q)$(CC) $(USER_LDFLAGS) -o $@ $^ $(USER_LDLIBS)

-include $(VIC_BENCH_OBJS:.o=.d)

bench: all
	tools/bench/run-bench

perf-gate: all
	tools/bench/perf-gate --base $(BASE) $(GATE_FLAGS)

perf-gate-selftest: all
	tools/bench/gate-selftest $(GATE_FLAGS)
