# SPDX-License-Identifier: GPL-2.0-only
#
# faultinj: fail exactly the Nth allocation that given modules make in a
# thread (bpf/faultinj.bpf.c, tools/faultinj/), for the fault injection
# test tests/guest/fault_inject.c. Included by the top-level Makefile.
#
#   build/bpf/faultinj.bpf.o     the BPF programs (kprobes that override)
#   build/bpf/faultinj.skel.h    their skeleton
#   build/tools/faultinj/inject.o   the loader, linked into the test

FAULTINJ_BPF_OBJ := $(BUILD)/bpf/faultinj.bpf.o
FAULTINJ_SKEL := $(BUILD)/bpf/faultinj.skel.h
FAULTINJ_OBJ := $(BUILD)/tools/faultinj/inject.o
FAULTINJ_TEST := $(BUILD)/tests/guest/fault_inject

$(FAULTINJ_BPF_OBJ): bpf/faultinj.bpf.c bpf/faultinj.h $(BUILD)/bpf/vmlinux.h
	@mkdir -p $(@D)
	@echo "  BPF     $@"
	$(Q)$(BPF_CLANG) -g -O2 -Wall -Werror -target bpf \
		-D__TARGET_ARCH_$(BPF_ARCH) -I$(BUILD)/bpf -Ibpf \
		$(LIBBPF_CFLAGS) -c $< -o $@

$(FAULTINJ_SKEL): $(FAULTINJ_BPF_OBJ)
	@echo "  SKEL    $@"
	$(Q)$(BPFTOOL) gen skeleton $< name faultinj_bpf >$@.tmp && mv $@.tmp $@

$(FAULTINJ_OBJ): $(FAULTINJ_SKEL)
$(FAULTINJ_OBJ) $(FAULTINJ_TEST).o: USER_CFLAGS += -I$(BUILD)/bpf -Ibpf \
	-Itools/faultinj $(LIBBPF_CFLAGS)
$(FAULTINJ_TEST).o: $(FAULTINJ_SKEL)
$(FAULTINJ_TEST): $(FAULTINJ_OBJ)
$(FAULTINJ_TEST): USER_LDLIBS += $(LIBBPF_LIBS)

-include $(FAULTINJ_OBJ:.o=.d)
