# SPDX-License-Identifier: GPL-2.0-only
#
# Top-level build of the vic project.
#
#   make            kernel modules (+ their BTF) and userspace test programs
#   make test       build, then run every test (host tests + one guest boot)
#   make test-kernels  'make test' on each kernel of KERNELS (default: 6.12
#                   rt debug)
#   make run        build, boot the test VM and run tools/demo.sh in it
#   make vm         build, then an interactive shell in the test VM
#   make check      checkpatch, sparse, clang-format, shellcheck, and the
#                   backend seam (vic_msix includes no header of kmod/vic)
#   make format     apply clang-format to the userspace C sources
#   make deps       install the Debian packages everything needs (root)
#   make clean      remove build/
#
#   make kernels    fetch and unpack the 6.12 and rt kernels into a cache,
#                   and build the debug kernel there (make debug-kernel)
#   make debug-kernel  build only the debug kernel: linux-source-6.1 with
#                   KASAN, lockdep, kmemleak, UBSAN, ... (about 40 min on 2
#                   cores the first time; 'make deps' does not build it)
#
# Variables: KERNEL=6.1|6.12|rt|debug (kernel to build and boot; default
# 6.1, the installed one), KVER=<version> (with KERNEL=6.1: another
# installed kernel; default: the newest one with /boot/vmlinuz-KVER and its
# headers), KERNEL_CACHE=<dir> (default ~/.cache/vic/kernels), T=<pattern>
# (tests to run), VM_FLAGS=<run-vm options> (e.g. "--smp 4 --mem 4G"), V=1.
# Nothing is written outside build/ and the kernel cache.

SHELL := /bin/bash
.DEFAULT_GOAL := all
.DELETE_ON_ERROR:
.SUFFIXES:
MAKEFLAGS += --no-builtin-rules

BUILD := build

ifeq ($(V),1)
Q :=
else
Q := @
endif

# --- Kernel ------------------------------------------------------------------
#
# KERNEL=6.1 (default) is the installed Debian kernel (/boot, /lib/modules).
# KERNEL=6.12|rt are Debian's packages unpacked by 'make kernels' into a
# cache (KERNEL_CACHE), never installed: KROOT is then the root of the
# unpacked packages (boot/, lib/modules/, usr/src/). KERNEL=debug is built
# from linux-source-6.1 into the same cache by 'make debug-kernel'
# (scripts/debug-kernel.sh), with the same layout; its build tree has a
# vmlinux. Their builds go to build/KVER/ so that two kernels do not
# clobber each other.

KERNEL ?= 6.1
KERNEL_CACHE ?= $(or $(XDG_CACHE_HOME),$(HOME)/.cache)/vic/kernels
export VIC_KERNEL_CACHE := $(KERNEL_CACHE)

ifeq ($(KERNEL),6.1)
KROOT :=
ifeq ($(origin KVER),undefined)
KVERS := $(foreach v,$(patsubst /boot/vmlinuz-%,%,$(wildcard /boot/vmlinuz-*)),\
	   $(if $(wildcard /lib/modules/$(v)/build),$(v)))
KVER := $(shell printf '%s\n' $(KVERS) | sort -V | tail -n 1)
endif
else ifneq ($(filter 6.12 rt debug,$(KERNEL)),)
KROOT := $(shell scripts/kernels.sh --print $(KERNEL))
KVER := $(notdir $(firstword $(wildcard $(KROOT)/lib/modules/*)))
BUILD := $(BUILD)/$(KVER)
else
$(error KERNEL=$(KERNEL): expected 6.1, 6.12, rt or debug)
endif
export KVER KROOT
export VIC_BUILD := $(abspath $(BUILD))
# The debug kernel runs everything several times slower (its boot reaches
# the tests after about 220 s under TCG, against 7 s): tests/run scales
# every time limit by this.
ifeq ($(KERNEL),debug)
export VIC_TIMEOUT_SCALE ?= 4
endif

KDIR := $(KROOT)/lib/modules/$(KVER)/build
VMLINUZ := $(KROOT)/boot/vmlinuz-$(KVER)
# The headers of newer kernels and the debug kernel's build tree have a
# vmlinux with BTF; else it is extracted from the image.
VMLINUX := $(or $(wildcard $(KDIR)/vmlinux),$(BUILD)/vmlinux-$(KVER))

# Goals that work without a kernel; every other goal needs one.
NO_KERNEL_GOALS := deps kernels debug-kernel test-kernels clean format check-format check-checkpatch check-shell help
ifneq ($(filter-out $(NO_KERNEL_GOALS),$(or $(MAKECMDGOALS),$(.DEFAULT_GOAL))),)
ifneq ($(KERNEL),6.1)
ifeq ($(KROOT),)
$(error kernel $(KERNEL) is not in $(KERNEL_CACHE); run 'make $(if $(filter debug,$(KERNEL)),debug-kernel,kernels)')
endif
endif
ifeq ($(KVER),)
$(error no kernel with both /boot/vmlinuz-VERSION and /lib/modules/VERSION/build; run 'make deps' (as root))
endif
ifeq ($(wildcard $(VMLINUZ)),)
$(error $(VMLINUZ) not found; run 'make deps' (as root) or pick another KVER)
endif
ifeq ($(wildcard $(KDIR)/Makefile),)
$(error $(KDIR) not found: no headers for $(KVER); run 'make deps' (as root))
endif
endif

# Kernel source tarball (linux-source-X.Y), for checkpatch.pl and its data.
KSRC_VER := $(shell echo '$(KVER)' | cut -d. -f1,2)
LINUX_SRC_TAR ?= $(or $(wildcard /usr/src/linux-source-$(KSRC_VER).tar.xz),\
		      $(lastword $(sort $(wildcard /usr/src/linux-source-*.tar.xz))))

# Out-of-tree Kbuild directories: each source directory is mirrored (as
# symlinks) into build/ and built there, so sources stay clean. Every module
# the Kbuild file lists gets built; nothing here names a module.
KMOD_OUT := $(BUILD)/kmod
FIXTURE_MOD_SRC := tests/fixtures/kmod
FIXTURE_MOD_OUT := $(BUILD)/fixtures/kmod

# $(call kbuild,SRCDIR,OUTDIR[,MAKE ARGS])
define kbuild
	$(Q)scripts/mirror-tree.sh $(1) $(2)
	+$(Q)$(MAKE) -C $(KDIR) M=$(abspath $(2)) $(3) modules
endef

# $(call sparse,SRCDIR,OUTDIR): C=2 checks every file even when up to date;
# fail on any warning or error reported for a file of ours.
define sparse
	$(Q)scripts/mirror-tree.sh $(1) $(2)
	+$(Q)set -o pipefail; \
	$(MAKE) -C $(KDIR) M=$(abspath $(2)) C=2 modules 2>&1 | tee $(2)/sparse.log
	$(Q)if grep -E '^$(abspath $(2))/[^:]+:[0-9]+:([0-9]+:)? (warning|error):' \
		$(2)/sparse.log >/dev/null; then \
		echo "sparse: warnings in $(1) (see above)" >&2; exit 1; fi
endef

.PHONY: all modules fixtures
all: modules userspace

# Kbuild says "Skipping BTF generation ... unavailability of vmlinux":
# Debian's headers ship no vmlinux, so module-btf.sh adds the BTF afterwards,
# based on the vmlinux extracted from /boot/vmlinuz-$(KVER).
modules: $(VMLINUX)
	$(call kbuild,kmod,$(KMOD_OUT))
	$(Q)scripts/module-btf.sh $(VMLINUX) $(KMOD_OUT)

fixtures:
	$(call kbuild,$(FIXTURE_MOD_SRC),$(FIXTURE_MOD_OUT))

$(BUILD)/vmlinux-$(KVER): $(VMLINUZ)
	@mkdir -p $(@D)
	@echo "  VMLINUX $@"
	$(Q)scripts/extract-vmlinux.sh $< $@

# --- Userspace -----------------------------------------------------------------
#
# Objects land in build/ at the source's path: build/tools/lib/x.o,
# build/tests/guest/y.o. Each tests/guest/NAME.c is one program,
# build/tests/guest/NAME, linked with every tools/lib/*.c.

CFLAGS ?= -O2 -g
USER_CFLAGS := $(CFLAGS) -Wall -Wextra -Werror -Itools/lib -Ikmod/include/uapi -pthread
USER_LDFLAGS := $(LDFLAGS) -pthread
USER_LDLIBS := $(LDLIBS) -lm

# The BPF toolchain of the components in mk/*.mk: CO-RE objects, bpftool
# skeletons, libbpf.
BPFTOOL ?= bpftool
BPF_CLANG ?= clang
BPF_ARCH := $(shell uname -m | sed -e 's/x86_64/x86/' -e 's/aarch64/arm64/' \
	      -e 's/ppc64le/powerpc/' -e 's/riscv64/riscv/' -e 's/s390x/s390/')
LIBBPF_CFLAGS := $(shell pkg-config --cflags libbpf 2>/dev/null)
LIBBPF_LIBS := $(or $(shell pkg-config --libs libbpf 2>/dev/null),-lbpf)

LIB_SRCS := $(wildcard tools/lib/*.c)
LIB_OBJS := $(LIB_SRCS:%.c=$(BUILD)/%.o)
GUEST_TEST_SRCS := $(wildcard tests/guest/*.c)
GUEST_TESTS := $(GUEST_TEST_SRCS:%.c=$(BUILD)/%)

USER_PROGS := $(GUEST_TESTS)
USER_OBJS := $(LIB_OBJS) $(GUEST_TESTS:=.o)

.PHONY: userspace
userspace: $(USER_PROGS)

$(BUILD)/%.o: %.c
	@mkdir -p $(@D)
	@echo "  CC      $@"
	$(Q)$(CC) $(USER_CFLAGS) -MMD -MP -c -o $@ $<

$(GUEST_TESTS): $(BUILD)/tests/guest/%: $(BUILD)/tests/guest/%.o $(LIB_OBJS)
	@echo "  LINK    $@"
	$(Q)$(CC) $(USER_LDFLAGS) -o $@ $^ $(USER_LDLIBS)

-include $(USER_OBJS:.o=.d)

# Further components (bpf/, tools/) bring their own rules in mk/*.mk. They
# may use BUILD, KVER, VMLINUX, LIB_OBJS, USER_CFLAGS, USER_LDFLAGS,
# USER_LDLIBS and Q, build objects with the $(BUILD)/%.o rule above, and
# add their programs as prerequisites of 'userspace'.
include $(sort $(wildcard mk/*.mk))

# --- Tests and the VM ----------------------------------------------------------

.PHONY: test test-kernels run vm
test: all fixtures
	tests/run $(T)

# The kernel matrix: 'make test' on each of KERNELS in turn (each builds
# its own tree in build/KVER/), then one line per kernel; fails if one did.
KERNELS ?= 6.12 rt debug
test-kernels:
	@failed=(); for k in $(KERNELS); do \
		echo "test-kernels: make test KERNEL=$$k"; \
		SECONDS=0; \
		if $(MAKE) --no-print-directory test KERNEL=$$k T='$(T)'; then \
			r+=("$$k: passed in $${SECONDS}s"); \
		else \
			r+=("$$k: FAILED after $${SECONDS}s"); failed+=($$k); \
		fi; \
	done; \
	printf 'test-kernels: %s\n' "$${r[@]}"; \
	((!$${#failed[@]}))

run: all
	tests/vm/run-vm $(VM_FLAGS) -- tools/demo.sh

vm: all
	tests/vm/run-vm $(VM_FLAGS) --interactive

# --- Checks --------------------------------------------------------------------

# checkpatch.pl and the data files it reads from its own directory, from the
# kernel source tarball (extracted once).
CHECKPATCH_DIR := $(BUILD)/checkpatch
CHECKPATCH := $(CHECKPATCH_DIR)/checkpatch.pl
CHECKPATCH_FILES := checkpatch.pl spelling.txt const_structs.checkpatch

KERNEL_C_FILES = $(shell find kmod $(FIXTURE_MOD_SRC) -name '*.[ch]' 2>/dev/null | sort)
USER_C_FILES = $(shell find tests tools bpf -name '*.[ch]' 2>/dev/null | sort)

.PHONY: check check-checkpatch check-sparse check-format format check-seam
check: check-checkpatch check-sparse check-format check-shell check-seam

# The MSI-X backend is built against the public API only: none of its
# sources may include a header of the core's (kmod/vic/), which the
# directory's -I makes reachable.
check-seam:
	@echo "  SEAM    kmod/vic_msix includes no header of kmod/vic"
	$(Q)bad=$$(sed -nE 's/^#include [<"]([^>"]+)[>"].*/\1/p' kmod/vic_msix/*.[ch] | \
		while read -r h; do [ ! -e "kmod/vic/$$h" ] || echo "$$h"; done); \
	if [ -n "$$bad" ]; then \
		echo "kmod/vic_msix includes core headers: $$bad" >&2; exit 1; fi

$(CHECKPATCH):
	@if [ ! -f "$(LINUX_SRC_TAR)" ]; then \
		echo "no kernel source tarball (/usr/src/linux-source-*.tar.xz); run 'make deps' (as root)" >&2; \
		exit 1; fi
	@echo "  TAR     $(LINUX_SRC_TAR) -> $(CHECKPATCH_DIR)"
	$(Q)rm -rf $(CHECKPATCH_DIR).tmp && mkdir -p $(CHECKPATCH_DIR).tmp
	$(Q)top=$$(basename $(LINUX_SRC_TAR) .tar.xz); \
	tar -xJf $(LINUX_SRC_TAR) -C $(CHECKPATCH_DIR).tmp --strip-components=2 \
		$(addprefix $$top/scripts/,$(CHECKPATCH_FILES))
	$(Q)rm -rf $(CHECKPATCH_DIR) && mv $(CHECKPATCH_DIR).tmp $(CHECKPATCH_DIR)

# No --ignore: out-of-tree files pass --strict as they are with --no-tree;
# except AVOID_BUG for the harness fixture whose whole point is a BUG().
BUG_FIXTURE := $(FIXTURE_MOD_SRC)/vic_bug_fixture.c
check-checkpatch: $(CHECKPATCH)
	@echo "  CHECKPATCH $(words $(KERNEL_C_FILES)) files"
	$(Q)$(CHECKPATCH) --quiet --strict --no-tree --color=never -f $(filter-out $(BUG_FIXTURE),$(KERNEL_C_FILES))
	$(Q)$(CHECKPATCH) --quiet --strict --no-tree --color=never --ignore AVOID_BUG -f $(BUG_FIXTURE)

check-sparse:
	$(call sparse,kmod,$(KMOD_OUT))
	$(call sparse,$(FIXTURE_MOD_SRC),$(FIXTURE_MOD_OUT))

check-format:
	@echo "  CLANG-FORMAT $(words $(USER_C_FILES)) files"
	$(Q)$(if $(USER_C_FILES),clang-format --dry-run -Werror $(USER_C_FILES))

format:
	$(Q)$(if $(USER_C_FILES),clang-format -i $(USER_C_FILES))

# Shell scripts (*.sh and files with a sh/bash shebang). SC2119/SC2120 are
# about functions with optional arguments, which the test helpers have on
# purpose.
SHELL_FILES = $(shell for f in $$(find scripts tests tools .ci -type f 2>/dev/null); do \
		case $$f in (*.sh) echo $$f ;; \
		(*) head -n 1 $$f | grep -qE '^\#!.*(/|env |busybox )(ba|da)?sh( |$$)' && echo $$f ;; \
		esac; done | sort)

.PHONY: check-shell
check-shell:
	@echo "  SHELLCHECK $(words $(SHELL_FILES)) files"
	$(Q)shellcheck -x -e SC2119,SC2120 $(SHELL_FILES)

# --- Misc ----------------------------------------------------------------------

.PHONY: deps kernels debug-kernel clean help
# Under sudo, the cache is the invoking user's (as 'make test' will look
# there), unless KERNEL_CACHE was given.
deps:
	scripts/deps.sh
	$(if $(and $(SUDO_USER),$(filter-out command line environment,$(origin KERNEL_CACHE))),\
	     sudo -u $(SUDO_USER) -H env -u VIC_KERNEL_CACHE )scripts/kernels.sh

# 'make deps' fetches 6.12 and rt only: the debug kernel is a long build.
kernels:
	scripts/kernels.sh 6.12 rt debug

debug-kernel:
	scripts/debug-kernel.sh

clean:
	rm -rf build

help:
	@sed -n '3,28s/^# \{0,1\}//p' Makefile
