# stepbox — build every step, the probe and the default image into build/.
#
#   make              steps + probe + image
#   make test         build, then run the bats suites (as root)
#   make test STEP=NN only step NN's suites (e.g. 05: tests/05-netns.bats)
#   make test-vm      the suites in a qemu VM with cgroup v2 only (as root)
#   make test-arm64   steps 01-08's suites on aarch64: make cross, Debian's arm64
#                     kernel and userland under qemu-system-aarch64 (as root)
#   make demo         build, then walk through the steps (as root)
#   make bench        build, then time /bin/true under every step (as root)
#   make compare      build, then a VM boot against a container, one table (as root)
#   make compare DISK=1  the same, the VM booting a Debian disk image (built once)
#   make diff STEP=NN what step NN adds to step NN-1, and the lib/ calls it adds
#   make exercise STEP=NN [N=K]  step NN (01-07) becomes exercise K: a piece of
#                     its main.c taken out, a TODO left with a hint
#   make check STEP=NN [N=K]     build it and grade it (tests/exercises/NN-K.bats, as root)
#   make solution STEP=NN        main.c as it was (your attempt kept in build/exercise/)
#   make lint         -Werror build from scratch, shellcheck every script
#   make cross        every step, the probe and the tools for aarch64, -Werror,
#                     into build/aarch64 (gcc-aarch64-linux-gnu)
#   make asan         the generated bad-input suite on sanitizer builds (as root)
#   make doctor       what this machine can and cannot do, with fixes
#   make rootfs       just the image; make clean removes build/
#   make nginx-image  build/archives/nginx.tar: Debian's nginx on the busybox layer,
#                     as docker save writes an image (load -i takes it; apt-get download)

CC      ?= cc
CFLAGS  ?= -O2 -g
CFLAGS  += -std=gnu11 -Wall -Wextra $(SANITIZE)
# Warnings are errors in CI (CI=true) and in make lint, but not in a
# student's build: a newer gcc with new warnings must not break it.
ifneq ($(filter true 1,$(CI) $(WERROR)),)
CFLAGS  += -Werror
endif
CPPFLAGS += -Ilib -I$(BUILD)/gen -MMD -MP
# The steps are linked statically: no dynamic loader runs at each start and
# no relocated pages are copied by each fork (the shim, the container's
# child). perf stat: 08 run --rm spends ~20% less CPU, with ~20% fewer page
# faults, and an idle shim keeps ~55 kB less. Sanitizer builds cannot be.
STATIC  ?= $(if $(SANITIZE),,-static)
BUILD   := build

STEPS     := $(notdir $(wildcard steps/0[1-9]-*))
STEP_BINS := $(STEPS:%=$(BUILD)/%) $(BUILD)/08-runtime
# lib/ in four layers, each a folder: base (messages, locks), kernel (the
# features of steps 01-07), runtime (runc's and the shim's part of step 08),
# frontend (docker's part). A file includes "layer/module.h" (-Ilib).
LIB_DIRS  := base kernel runtime frontend
LIB_OBJS  := $(patsubst lib/%.c,$(BUILD)/lib/%.o,$(wildcard $(LIB_DIRS:%=lib/%/*.c)))
TOOLS     := $(BUILD)/probe $(BUILD)/timeit $(BUILD)/throughput $(BUILD)/unpack-layer \
             $(BUILD)/json-check $(BUILD)/json-fuzz $(BUILD)/seccomp-check
ROOTFS    := $(BUILD)/.rootfs-stamp

.PHONY: all steps rootfs nginx-image deps test test-vm demo bench compare diff doctor lint clean \
	exercise check solution cross test-arm64
all: steps $(TOOLS) rootfs
steps: $(STEP_BINS)
rootfs: $(ROOTFS)

$(BUILD)/lib/%.o: lib/%.c | $(BUILD)/lib
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<

# Made at build time (build/gen/): the system calls' names and numbers from
# this build's own <sys/syscall.h>, so x86_64 and aarch64 both get theirs,
# and Docker's default seccomp profile as a C string inside the binary.
$(BUILD)/lib/kernel/seccomp.o: $(BUILD)/gen/syscall-names.h
$(BUILD)/lib/kernel/seccomp-profile.o: $(BUILD)/gen/seccomp-default.h

$(BUILD)/gen/syscall-names.h: steps/tools/gen-syscall-names.sh
	@mkdir -p $(dir $@)
	sh steps/tools/gen-syscall-names.sh "$(CC)" $@

$(BUILD)/gen/seccomp-default.h: lib/kernel/seccomp-default.json steps/tools/embed-text.sh
	@mkdir -p $(dir $@)
	sh steps/tools/embed-text.sh seccomp_default_json lib/kernel/seccomp-default.json $@

# Docker's default seccomp program itself, compiled at build time by the
# same compiler (steps/tools/seccomp-builtin.c says why); a cross build
# cannot run the compiler it builds, so its header has no program and the
# shim makes one at each start.
SECCOMP_BUILTIN_OBJS := $(addprefix $(BUILD)/lib/,base/json.o base/error.o base/log.o \
			 kernel/caps.o kernel/seccomp.o kernel/seccomp-profile.o)
$(BUILD)/lib/runtime/security.o: $(BUILD)/gen/seccomp-builtin.h
$(BUILD)/seccomp-builtin: steps/tools/seccomp-builtin.c $(SECCOMP_BUILTIN_OBJS) | $(BUILD)/lib
	$(CC) $(CPPFLAGS) -MF $(BUILD)/lib/seccomp-builtin.d $(CFLAGS) -o $@ $< $(SECCOMP_BUILTIN_OBJS)
ifeq ($(SECCOMP_BUILTIN),none)
$(BUILD)/gen/seccomp-builtin.h:
	@mkdir -p $(dir $@)
	printf '%s\n' '/* A cross build: no program made at build time (the shim makes it). */' \
		'#include "kernel/seccomp.h"' '#include <linux/filter.h>' \
		'#define SECCOMP_BUILTIN_CAPS 0ULL' \
		'static const struct sock_filter seccomp_builtin_insns[1];' \
		'static const struct seccomp_filter seccomp_builtin = { .len = 0 };' >$@
else
$(BUILD)/gen/seccomp-builtin.h: $(BUILD)/seccomp-builtin
	@mkdir -p $(dir $@)
	$(BUILD)/seccomp-builtin $@
endif

$(BUILD)/libstepbox.a: $(LIB_OBJS)
	$(AR) rcs $@ $^

$(BUILD)/%: steps/%/main.c $(BUILD)/libstepbox.a | $(BUILD)/lib
	$(CC) $(CPPFLAGS) -MF $(BUILD)/lib/$*.d $(CFLAGS) $(STATIC) -o $@ $< $(BUILD)/libstepbox.a

# Step 08's second program: the same runtime behind runc's command line.
$(BUILD)/08-runtime: steps/08-full-container/runtime.c $(BUILD)/libstepbox.a | $(BUILD)/lib
	$(CC) $(CPPFLAGS) -MF $(BUILD)/lib/08-runtime.d $(CFLAGS) $(STATIC) -o $@ $< $(BUILD)/libstepbox.a

# The probe runs inside images that have no shared libraries: link it static.
$(BUILD)/probe: steps/00-rootfs/probe.c | $(BUILD)/lib
	$(CC) $(CPPFLAGS) -MF $(BUILD)/lib/probe.d $(CFLAGS) -static -o $@ $<

$(BUILD)/timeit: steps/tools/timeit.c | $(BUILD)/lib
	$(CC) $(CPPFLAGS) -MF $(BUILD)/lib/timeit.d $(CFLAGS) -o $@ $<

$(BUILD)/throughput: steps/tools/throughput.c | $(BUILD)/lib
	$(CC) $(CPPFLAGS) -MF $(BUILD)/lib/throughput.d $(CFLAGS) -o $@ $<

# The test driver of lib/frontend/layer (tests/08-layers.bats).
$(BUILD)/unpack-layer: tests/tools/unpack-layer.c $(BUILD)/libstepbox.a | $(BUILD)/lib
	$(CC) $(CPPFLAGS) -MF $(BUILD)/lib/unpack-layer.d $(CFLAGS) -o $@ $< $(BUILD)/libstepbox.a

# lib/base/json from outside: a dump or one checked member (tests/json.bats),
# and the fuzz loop that the sanitizer build runs (make asan), with its own
# json.c whose every allocation is exact, so that ASan sees an overflow.
$(BUILD)/json-check: tests/tools/json-check.c $(BUILD)/libstepbox.a | $(BUILD)/lib
	$(CC) $(CPPFLAGS) -MF $(BUILD)/lib/json-check.d $(CFLAGS) -o $@ $< $(BUILD)/libstepbox.a

# lib/kernel/seccomp-profile from outside: a profile's program, or its
# decision for one call (tests/seccomp.bats).
$(BUILD)/seccomp-check: tests/tools/seccomp-check.c $(BUILD)/libstepbox.a \
			$(BUILD)/gen/seccomp-builtin.h | $(BUILD)/lib
	$(CC) $(CPPFLAGS) -MF $(BUILD)/lib/seccomp-check.d $(CFLAGS) -o $@ $< $(BUILD)/libstepbox.a

$(BUILD)/json-fuzz: tests/tools/json-fuzz.c lib/base/json.c lib/base/json.h | $(BUILD)/lib
	$(CC) -Ilib -DJSON_CHUNK_SIZE=1 $(CFLAGS) -o $@ tests/tools/json-fuzz.c lib/base/json.c

$(ROOTFS): steps/00-rootfs/build-rootfs.sh $(BUILD)/probe
	sh steps/00-rootfs/build-rootfs.sh $(BUILD) $(BUILD)/probe
	touch $@

$(BUILD)/lib:
	mkdir -p $@

# The lecture's nginx without a registry (not part of all: the first build
# fetches Debian's .deb with apt-get download; it is kept for the next one).
nginx-image: $(BUILD)/archives/nginx.tar
$(BUILD)/archives/nginx.tar: steps/tools/make-nginx-image.sh $(ROOTFS)
	steps/tools/make-nginx-image.sh $(BUILD)/rootfs $@

# On a fresh machine, as root: install what is missing first (apt-get).
deps:
	@steps/tools/install-deps.sh

# make test STEP=NN: only that step's suites. A wrong STEP stops make here,
# in one line, with exit 2, before anything is installed or built.
ifneq ($(filter test,$(MAKECMDGOALS)),)
ifneq ($(origin STEP),undefined)
STEP_SUITES := $(shell steps/tools/step-suites.sh '$(STEP)')
ifneq ($(.SHELLSTATUS),0)
$(error $(STEP_SUITES))
endif
endif
endif

test: deps
	$(MAKE) all
	tests/run.sh $(STEP_SUITES)

# The demo installs what it runs, not the tests' tools (bats, shellcheck, ...).
demo:
	@steps/tools/install-deps.sh demo
	$(MAKE) all
	steps/tools/demo.sh

bench: all
	@steps/tools/install-deps.sh bench
	steps/tools/bench.sh

# The same command in a qemu VM and in step 08: startup, memory, disk,
# kernel, isolation, and each one's stages (lecture-notes/compare.md).
# DISK=1: the VM boots a Debian disk image, built once into build/vm-disk
# (steps/tools/vm-disk.sh: minutes, and the network to Debian's mirror).
compare: all
	@steps/tools/install-deps.sh bench
	DISK=$(DISK) steps/tools/compare.sh

# The diff of the two main.c files, then the lib/ functions step NN calls
# for the first time, with the file:line of each (a usage error exits 2).
diff:
	@steps/tools/diff-step.sh "$(STEP)"

doctor:
	@steps/tools/doctor.sh

# Exercises that grade themselves: the markers are comments in each step's
# main.c, the checks are tests/exercises/NN-K.bats (steps/tools/exercise.sh).
exercise solution:
	@BUILD=$(BUILD) steps/tools/exercise.sh $@ "$(STEP)" "$(N)"

check:
	@BUILD=$(BUILD) MAKE="$(MAKE)" steps/tools/exercise.sh check "$(STEP)" "$(N)"

# The generated bad-input suite and the JSON reader's suite (with its fuzz
# loop) on the steps built with AddressSanitizer and UBSan: any report (a
# leak, an overflow, undefined behaviour) fails them.
asan: all
	$(MAKE) -s BUILD=$(BUILD)/asan WERROR=1 \
		SANITIZE="-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all" \
		steps $(BUILD)/asan/json-check $(BUILD)/asan/json-fuzz $(BUILD)/asan/unpack-layer \
		$(BUILD)/asan/seccomp-check
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:exitcode=99 \
	UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1:exitcode=98 \
	STEPBOX_BIN=$(BUILD)/asan tests/run.sh tests/badinput-gen.bats tests/json.bats \
		tests/08-layers.bats tests/seccomp.bats tests/08-runtime.bats

lint:
	rm -rf $(BUILD)/lint
	$(MAKE) -s BUILD=$(BUILD)/lint WERROR=1 steps $(BUILD)/lint/probe $(BUILD)/lint/unpack-layer \
		$(BUILD)/lint/json-check $(BUILD)/lint/json-fuzz $(BUILD)/lint/seccomp-check
	rm -rf $(BUILD)/lint
	shellcheck $$(git ls-files '*.sh' '*.bash' .ci/run)
	shellcheck -s bash tests/*.bats tests/exercises/*.bats

# arm64, for Apple-silicon laptops: the same code cross-built with
# Debian's gcc-aarch64-linux-gnu, warnings as errors (CI runs it before the
# tests); make test-arm64 runs it under qemu-system-aarch64.
CROSS ?= aarch64-linux-gnu-
cross:
	$(MAKE) -s BUILD=$(BUILD)/aarch64 CC=$(CROSS)gcc AR=$(CROSS)ar WERROR=1 SECCOMP_BUILTIN=none \
		steps $(BUILD)/aarch64/probe $(BUILD)/aarch64/timeit $(BUILD)/aarch64/throughput \
		$(BUILD)/aarch64/unpack-layer $(BUILD)/aarch64/json-check $(BUILD)/aarch64/seccomp-check
	@echo "aarch64: $(notdir $(STEP_BINS)) built in $(BUILD)/aarch64"

clean:
	rm -rf $(BUILD)

-include $(wildcard $(BUILD)/lib/*.d $(LIB_DIRS:%=$(BUILD)/lib/%/*.d))

# The cgroup v2 lane: the suites inside a qemu VM whose only cgroup tree is v2.
test-vm: all
	tests/vm/run.sh

# The arm64 lane: the cross-built steps on Debian's arm64 kernel, emulated.
# It installs the cross compiler and qemu-system-arm, runs make cross and
# fetches the arm64 kernel and userland itself (tests/vm/fetch-arm64.sh).
test-arm64:
	VM_ARCH=arm64 tests/vm/run.sh
