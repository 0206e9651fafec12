# SPDX-License-Identifier: GPL-2.0
#
# Top-level entry points. Kernel modules are built out of tree: against the
# lab's kernels by the lab targets, or against any 6.12 tree with
#   make modules KDIR=/path/to/linux-6.12-build [ARCH=... CROSS_COMPILE=...]
# VNTB_FAULT_INJECTION=1 adds the test-only knobs that make the modules
# misbehave on purpose (see Kbuild); off by default, never for real use.

LAB	:= tools/lab/lab
BUILD	:= tools/lab/build/all.sh
# The project's version, kept in one place
VERSION	:= $(shell cat $(dir $(lastword $(MAKEFILE_LIST)))VERSION)

.PHONY: help lab lab-down check bench build modules modules_install clean

help:
	@echo "vNTB $(VERSION)"
	@echo
	@echo "make lab          build what is missing, boot the lab, bring ntb0 up"
	@echo "                  on both machines, ping and iperf3 across"
	@echo "make lab-down     stop the lab started by 'make lab'"
	@echo "make build        build what the lab needs and is missing (kernels,"
	@echo "                  QEMU, modules, root file systems) into the cache"
	@echo "make check        the whole test suite (builds what is missing)"
	@echo "make bench        benchmark the vNTB pairs (kernels without the"
	@echo "                  tests' debugging), writes out/bench.json,"
	@echo "                  out/bench.md and out/bench-*.png"
	@echo "make docs         HTML documentation into out/docs (Sphinx, -W)"
	@echo "make modules KDIR=<6.12 build tree> [ARCH=... CROSS_COMPILE=...]"
	@echo "                  build the modules only; VNTB_FAULT_INJECTION=1"
	@echo "                  adds the tests' fault injection knobs (off by"
	@echo "                  default; the lab's test kernels have them)"
	@echo "make modules_install KDIR=... [INSTALL_MOD_PATH=...]"
	@echo "                  install them (INSTALL_MOD_DIR=updates: see"
	@echo "                  Documentation/ntb/vntb-boards.rst)"
	@echo "make clean        remove out/ (and the module objects with KDIR=...)"
	@echo "make help         this list"

build:
	@$(BUILD)

lab: build
	@tools/lab/demo.sh

lab-down:
	@$(LAB) down

check: build
	@tools/lab/check.sh

bench:
	@$(BUILD) --flavour bench
	@tools/lab/bench

# Needs Debian's python3-sphinx; any warning fails the build
.PHONY: docs
docs:
	@command -v sphinx-build >/dev/null || \
		{ echo "make docs: sphinx-build missing (apt-get install python3-sphinx)" >&2; exit 1; }
	sphinx-build -W --keep-going -q -b html Documentation out/docs

ifneq ($(KDIR),)
modules modules_install:
	$(MAKE) -C $(KDIR) M=$(CURDIR) $@
else
modules modules_install:
	@echo "make $@: set KDIR to a configured and built Linux 6.12 tree" >&2
	@exit 1
endif

clean:
	rm -rf out
	@if [ -n "$(KDIR)" ]; then $(MAKE) -C $(KDIR) M=$(CURDIR) clean; fi
