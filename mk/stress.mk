# SPDX-License-Identifier: GPL-2.0-only
#
# Reliability: concurrency stress, uAPI fuzzer, unload cycles
# (docs/reliability.md, docs/bad-input.md). Included by the top-level
# Makefile. The guest tests tests/guest/{stress,fuzz,unload,perm}_* run short
# versions in 'make test'; these targets run the long ones.
#
#   build/tools/vic-stress   concurrent SET_IRQS/doorbells/generator/RESET/...
#   build/tools/vic-fuzz     uAPI fuzzer with an oracle
#   build/tools/vic-unload   load/create/traffic/remove/unload cycles
#   make stress              vic-stress for STRESS_SECONDS (60), then
#                            UNLOAD_CYCLES (100) unload cycles, in the guest
#   make fuzz                vic-fuzz: FUZZ_SEED (1), FUZZ_COUNT (1000000)
#                            inputs or FUZZ_SECONDS (900), in the guest
#
# Figures and the guest's kernel log go to build/stress/.

STRESS_PROGS := $(addprefix $(BUILD)/tools/,vic-stress vic-fuzz vic-unload)
STRESS_OBJS := $(STRESS_PROGS:$(BUILD)/tools/%=$(BUILD)/tools/stress/%.o)

STRESS_SECONDS ?= 60
STRESS_SEED ?= 1
UNLOAD_CYCLES ?= 100
FUZZ_SEED ?= 1
FUZZ_COUNT ?= 1000000
FUZZ_SECONDS ?= 900

.PHONY: stress fuzz
userspace: $(STRESS_PROGS)

$(STRESS_PROGS): $(BUILD)/tools/%: $(BUILD)/tools/stress/%.o $(LIB_OBJS)
	@echo "  LINK    $@"
	$(Q)$(CC) $(USER_LDFLAGS) -o $@ $^ $(USER_LDLIBS)

-include $(STRESS_OBJS:.o=.d)

stress: all
	tools/stress/run-long stress --seconds $(STRESS_SECONDS) \
		--seed $(STRESS_SEED) --cycles $(UNLOAD_CYCLES)

fuzz: all
	tools/stress/run-long fuzz --seed $(FUZZ_SEED) --count $(FUZZ_COUNT) \
		--seconds $(FUZZ_SECONDS)
