# SPDX-License-Identifier: GPL-2.0-only
#
# imstop: a top for the vic core's vectors (libbpf CO-RE, see docs/imstop.md).
# Included by the top-level Makefile; uses its BUILD, KVER, VMLINUX,
# USER_CFLAGS, USER_LDFLAGS and Q.
#
#   build/bpf/vmlinux.h        the target kernel's types (from $(VMLINUX))
#   build/bpf/imstop.bpf.o     the BPF programs (clang -target bpf, CO-RE)
#   build/bpf/imstop.skel.h    their skeleton (bpftool gen skeleton)
#   build/imstop               the tool
#   build/imstop-load          load generator and overhead benchmark helper
#   build/tests/host/imstop_collect   host test of the collection code
#
#   make imstop-bench [ROUNDS=N]   overhead measurement in the test VM
#   make imstop-demo               imstop live over vic_mdev traffic

IMSTOP_ARCH := $(BPF_ARCH)

IMSTOP_BPF_DIR := $(BUILD)/bpf
IMSTOP_VMLINUX_H := $(IMSTOP_BPF_DIR)/vmlinux.h
IMSTOP_BPF_OBJ := $(IMSTOP_BPF_DIR)/imstop.bpf.o
IMSTOP_SKEL := $(IMSTOP_BPF_DIR)/imstop.skel.h

IMSTOP := $(BUILD)/imstop
IMSTOP_LOAD := $(BUILD)/imstop-load
IMSTOP_OBJS := $(addprefix $(BUILD)/tools/imstop/,imstop.o attach.o collect.o \
		output.o hist.o util.o prom.o)
IMSTOP_LOAD_OBJS := $(BUILD)/tools/imstop/imstop-load.o

# --prometheus: libmicrohttpd serves /metrics (tools/imstop/prom.c).
MHD_CFLAGS := $(shell pkg-config --cflags libmicrohttpd 2>/dev/null)
MHD_LIBS := $(or $(shell pkg-config --libs libmicrohttpd 2>/dev/null),-lmicrohttpd)

.PHONY: imstop
imstop: $(IMSTOP) $(IMSTOP_LOAD)
userspace: imstop

$(IMSTOP_VMLINUX_H): $(VMLINUX)
	@mkdir -p $(@D)
	@echo "  GEN     $@"
	$(Q)$(BPFTOOL) btf dump file $< format c >$@.tmp && mv $@.tmp $@

# -mcpu=v3: the atomics that return a value (fetch-add, exchange; the
# kernel has them since 5.12).
$(IMSTOP_BPF_OBJ): bpf/imstop.bpf.c bpf/imstop.h $(IMSTOP_VMLINUX_H)
	@mkdir -p $(@D)
	@echo "  BPF     $@"
	$(Q)$(BPF_CLANG) -g -O2 -Wall -Werror -target bpf -mcpu=v3 \
		-D__TARGET_ARCH_$(IMSTOP_ARCH) -I$(IMSTOP_BPF_DIR) -Ibpf \
		$(LIBBPF_CFLAGS) -c $< -o $@

$(IMSTOP_SKEL): $(IMSTOP_BPF_OBJ)
	@echo "  SKEL    $@"
	$(Q)$(BPFTOOL) gen skeleton $< name imstop_bpf >$@.tmp && mv $@.tmp $@

# The generic $(BUILD)/%.o rule compiles them, with these additions.
$(IMSTOP_OBJS) $(IMSTOP_LOAD_OBJS): USER_CFLAGS += -I$(IMSTOP_BPF_DIR) -Ibpf \
	-Itools/imstop $(LIBBPF_CFLAGS)
$(IMSTOP_OBJS): $(IMSTOP_SKEL)
$(BUILD)/tools/imstop/prom.o: USER_CFLAGS += $(MHD_CFLAGS)

$(IMSTOP): $(IMSTOP_OBJS) $(BUILD)/tools/lib/vic_debugfs.o \
		$(BUILD)/tools/lib/vic_stats_file.o
	@echo "  LINK    $@"
	$(Q)$(CC) $(USER_LDFLAGS) -o $@ $^ $(LIBBPF_LIBS) $(MHD_LIBS) -lm $(USER_LDLIBS)

$(IMSTOP_LOAD): $(IMSTOP_LOAD_OBJS) $(LIB_OBJS)
	@echo "  LINK    $@"
	$(Q)$(CC) $(USER_LDFLAGS) -o $@ $^ $(USER_LDLIBS)

-include $(IMSTOP_OBJS:.o=.d) $(IMSTOP_LOAD_OBJS:.o=.d)

# The collection code on the host (tests/host/imstop_collect.sh runs it),
# from its sources and without the skeleton's directory: collect.c must
# build without the BPF skeleton and libbpf.
IMSTOP_COLLECT_TEST := $(BUILD)/tests/host/imstop_collect
IMSTOP_COLLECT_SRCS := tests/host/imstop_collect.c \
	$(addprefix tools/imstop/,collect.c hist.c output.c util.c) \
	tools/lib/vic_debugfs.c tools/lib/vic_stats_file.c
userspace: $(IMSTOP_COLLECT_TEST)

$(IMSTOP_COLLECT_TEST): $(IMSTOP_COLLECT_SRCS) $(wildcard tools/imstop/*.h) \
		bpf/imstop.h tools/lib/vic_debugfs.h tools/lib/vic_stats_file.h \
		kmod/include/uapi/vic_stats.h
	@mkdir -p $(@D)
	@echo "  CC      $@"
	$(Q)$(CC) $(USER_CFLAGS) -Ibpf -Itools/imstop -o $@ \
		$(IMSTOP_COLLECT_SRCS) $(USER_LDFLAGS) -lm $(USER_LDLIBS)

# imstop's overhead on the vic hot paths, against no tracer and against the
# equivalent bpftrace script, in one boot of the test VM (ROUNDS=3).
.PHONY: imstop-bench imstop-demo
imstop-bench: all
	tests/vm/run-vm $(VM_FLAGS) --timeout 3600 -- tools/imstop/imstop-bench.sh $(or $(ROUNDS),3)

# imstop live over vic_mdev traffic for a few seconds (tools/demo.sh runs
# tools/imstop-demo.sh for 'make run').
imstop-demo: all
	tests/vm/run-vm $(VM_FLAGS) -- tools/imstop-demo.sh

# The Prometheus endpoint on the host (tests/host/imstop_prom.sh runs
# them): once as it is built into imstop, once with ThreadSanitizer, for
# the data the server's thread and the main loop share.
IMSTOP_PROM_TEST := $(BUILD)/tests/host/imstop_prom
IMSTOP_PROM_TSAN := $(BUILD)/tests/host/imstop_prom-tsan
IMSTOP_PROM_SRCS := tests/host/imstop_prom.c \
	$(addprefix tools/imstop/,prom.c hist.c util.c)
userspace: $(IMSTOP_PROM_TEST) $(IMSTOP_PROM_TSAN)

$(IMSTOP_PROM_TEST): $(IMSTOP_PROM_SRCS) $(wildcard tools/imstop/*.h) bpf/imstop.h
	@mkdir -p $(@D)
	@echo "  CC      $@"
	$(Q)$(CC) $(USER_CFLAGS) $(MHD_CFLAGS) -Ibpf -Itools/imstop -o $@ \
		$(IMSTOP_PROM_SRCS) $(USER_LDFLAGS) $(MHD_LIBS) -lm $(USER_LDLIBS)

$(IMSTOP_PROM_TSAN): $(IMSTOP_PROM_SRCS) $(wildcard tools/imstop/*.h) bpf/imstop.h
	@mkdir -p $(@D)
	@echo "  CC      $@"
	$(Q)$(CC) $(USER_CFLAGS) -fsanitize=thread $(MHD_CFLAGS) -Ibpf \
		-Itools/imstop -o $@ $(IMSTOP_PROM_SRCS) $(USER_LDFLAGS) \
		-fsanitize=thread $(MHD_LIBS) -lm $(USER_LDLIBS)
