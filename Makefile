# SPDX-License-Identifier: GPL-2.0
#
# Top-level entry points. Kernel modules are built out of tree: against the
# lab's kernels by the lab targets, or against any 6.12 tree with
#   make modules KDIR=/path/to/linux-6.12-build [ARCH=... CROSS_COMPILE=...]
# VNTB_FAULT_INJECTION=1 adds the test-only knobs that make the modules
# misbehave on purpose (see Kbuild); off by default, never for real use.

LAB	:= tools/lab/lab
BUILD	:= tools/lab/build/all.sh

.PHONY: help lab lab-down check bench build modules modules_install clean

help:
	@echo "make lab          build what is missing, boot the lab, bring ntb0 up"
	@echo "                  on both machines, ping and iperf3 across"
	@echo "make lab-down     stop the lab started by 'make lab'"
	@echo "make check        the whole test suite (builds what is missing)"
	@echo "make bench        benchmark the vNTB pairs (kernels without the"
	@echo "                  tests' debugging), writes out/bench.json,"
	@echo "                  out/bench.md and out/bench-*.png"
	@echo "make modules KDIR=<6.12 build tree>   build the modules only;"
	@echo "                  VNTB_FAULT_INJECTION=1 adds the tests' fault"
	@echo "                  injection knobs (off by default; the lab's test"
	@echo "                  kernels have them, its bench kernels do not)"
	@echo "make docs         HTML documentation into out/docs (Sphinx, -W)"

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
