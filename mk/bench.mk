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

# The floor of a tracer's cost: empty programs on the vic tracepoints.
BPF_FLOOR := $(BUILD)/tools/bpf-floor
BPF_FLOOR_OBJ := $(BUILD)/bpf/floor.bpf.o
BPF_FLOOR_SKEL := $(BUILD)/bpf/floor.skel.h
BASE ?= HEAD^
GATE_FLAGS ?=

.PHONY: bench perf-gate perf-gate-selftest
userspace: $(VIC_BENCH) $(BPF_FLOOR)

$(BPF_FLOOR_OBJ): bpf/floor.bpf.c $(BUILD)/bpf/vmlinux.h
	@mkdir -p $(@D)
	@echo "  BPF     $@"
	$(Q)$(BPF_CLANG) -g -O2 -Wall -Werror -target bpf -I$(BUILD)/bpf \
		$(LIBBPF_CFLAGS) -c $< -o $@

$(BPF_FLOOR_SKEL): $(BPF_FLOOR_OBJ)
	@echo "  SKEL    $@"
	$(Q)$(BPFTOOL) gen skeleton $< name floor_bpf >$@.tmp && mv $@.tmp $@

$(BUILD)/tools/bench/bpf-floor.o: $(BPF_FLOOR_SKEL)
$(BUILD)/tools/bench/bpf-floor.o: USER_CFLAGS += -I$(BUILD)/bpf $(LIBBPF_CFLAGS)

$(BPF_FLOOR): $(BUILD)/tools/bench/bpf-floor.o
	@echo "  LINK    $@"
	$(Q)$(CC) $(USER_LDFLAGS) -o $@ $^ $(LIBBPF_LIBS) $(USER_LDLIBS)

$(VIC_BENCH): $(VIC_BENCH_OBJS) $(LIB_OBJS)
	@echo "  LINK    $@"
	$(Q)$(CC) $(USER_LDFLAGS) -o $@ $^ $(USER_LDLIBS)

-include $(VIC_BENCH_OBJS:.o=.d) $(BUILD)/tools/bench/bpf-floor.d

bench: all
	tools/bench/run-bench

perf-gate: all
	tools/bench/perf-gate --base $(BASE) $(GATE_FLAGS)

perf-gate-selftest: all
	tools/bench/gate-selftest $(GATE_FLAGS)
