# SPDX-License-Identifier: GPL-2.0
#
# Project entry points.  Kernel builds are driven by kbuild through the
# Kbuild/Kconfig files next to this Makefile; this file only runs stages.
#
#   make check     every test: KUnit on UML and x86_64 (positive suites and
#                  one boot per misuse case), static gates (sparse,
#                  checkpatch, kernel-doc, the Sphinx docs build, the
#                  Debian-headers build), the module, sample driver,
#                  observability and benchmark-smoke boots in QEMU; ends with
#                  "check: N passed, M failed"
#   make demo      boot the lockdep kernel in QEMU with the library and the
#                  sample driver simgpu, run its workload, print a report
#   make bench     the token layer against raw dma_fence calls, on a
#                  production and a lockdep kernel in QEMU; prints the tables
#   make torture   the ring and queue torture suite alone, long (TORTURE_S,
#                  default 300 s; TORTURE_SEED, TORTURE_THREADS,
#                  TORTURE_ARCH=um|x86_64)
#   make check-rt  the module suites and the sample driver on a 6.12
#                  PREEMPT_RT kernel with lockdep (not part of check)
#   make selftest  prove that make check fails when it should, and passes
#                  on TCG when KVM is broken
#   make docs      build the rst with Sphinx (the docs gate alone)
#
# Variables: KERNELS (make check's kernels, default "6.1.192 6.12.117";
# "6.12" names 6.12.117; their stages run at the same time, CHECK_LANES=1
# runs them one after the other), KVER (the kernel of every other target, default
# 6.1.192), BUILD (build output, one directory per kernel, default
# ./build), KSRC_CACHE (extracted kernel sources, default $(BUILD)/cache),
# JOBS (default: nproc).
# make demo: DEMO_JOBS, ENGINES, HANG_PCT, LOST_PCT, ERROR_PCT, DEPS_PCT,
# TIMEOUT_MS, SEED.

BUILD ?= $(CURDIR)/build
KSRC_CACHE ?= $(BUILD)/cache
export BUILD KSRC_CACHE KERNELS KVER
ifdef JOBS
export JOBS
endif
export DEMO_JOBS ENGINES HANG_PCT LOST_PCT ERROR_PCT DEPS_PCT TIMEOUT_MS SEED
export TORTURE_S TORTURE_SEED TORTURE_THREADS TORTURE_ARCH

.PHONY: all check check-rt demo bench torture selftest kunit kunit-um kunit-x86 neg neg-um neg-x86 qemu \
	qemu-obs simgpu debian gates docs misuse-table oot provision clean distclean help

all: help

help:
	@sed -n '/^# Project entry points/,/^$$/p' Makefile | sed 's/^# \{0,1\}//'

check:
	@scripts/check.sh

check-rt:
	@scripts/check-rt.sh

demo:
	@scripts/demo.sh

bench:
	@scripts/bench.sh

torture:
	@scripts/torture.sh

provision:
	@scripts/provision.sh $(KSRC_CACHE)

kunit: kunit-um

kunit-um:
	@scripts/kunit.sh um positive

kunit-x86:
	@scripts/kunit.sh x86_64 positive

neg: neg-um neg-x86

neg-um:
	@scripts/kunit.sh um negative

neg-x86:
	@scripts/kunit.sh x86_64 negative

qemu:
	@scripts/qemu-check.sh

simgpu:
	@scripts/simgpu-check.sh

debian:
	@scripts/debian-check.sh

qemu-obs:
	@scripts/qemu-obs.sh

gates:
	@scripts/gates.sh

docs:
	@scripts/gates.sh docs

misuse-table:
	@scripts/misuse-table.sh --update

# Not part of check: injects faults into the tree to prove check fails.
selftest:
	@scripts/harness-selftest.sh

oot:
	@scripts/oot-build.sh

clean:
	rm -rf $(BUILD)/*/kunit-* $(BUILD)/*/x86-* $(BUILD)/*/oot-debian $(BUILD)/*/dkms \
		$(BUILD)/*/logs $(BUILD)/*/simgpu $(BUILD)/*/docs $(BUILD)/*/debian $(BUILD)/logs

distclean:
	rm -rf $(BUILD)
