# SPDX-License-Identifier: GPL-2.0
#
# Top-level entry points. Kernel modules are built out of tree: against the
# lab's kernels by the lab targets, or against any 6.12 tree with
#   make modules [KDIR=/path/to/linux-6.12-build] [ARCH=... CROSS_COMPILE=...]
# KDIR defaults to the running kernel's build tree, as for any out-of-tree
# driver. VNTB_TEST_MODULES=1 adds the test-only modules (the lab's
# controller, the doorbell test pair, KUnit) and VNTB_FAULT_INJECTION=1
# the knobs that make the modules misbehave on purpose (see Kbuild); both
# off by default, never for real use. make dkms-install hands the host's
# driver to DKMS (dkms.conf), which rebuilds it for every new kernel.

LAB	:= tools/lab/lab
BUILD	:= tools/lab/build/all.sh
# The project's version, kept in one place
VERSION	:= $(shell cat $(dir $(lastword $(MAKEFILE_LIST)))VERSION)
KDIR	?= /lib/modules/$(shell uname -r)/build
# DKMS: where its source copy goes, options for every dkms command, and
# for the build: which kernel (default: the running one). The tests give
# private trees, a kernel release and its headers (tests/08-distro-build.sh).
DKMS_SRC	?= /usr/src
DKMS_FLAGS	?=
DKMS_KERNEL	?=
DKMS_NAME	:= vntb
DKMS_FILES	:= Kbuild VERSION COPYING dkms.conf LICENSES drivers include

.PHONY: help lab lab-down check check-full bench build modules modules_install clean
.PHONY: dkms-install dkms-remove

help:
	@echo "vNTB $(VERSION)"
	@echo
	@echo "make lab          build what is missing, boot the lab, bring ntb0 up"
	@echo "                  on both machines, ping and iperf3 across"
	@echo "make lab-down     stop the lab started by 'make lab'"
	@echo "make build        build what the lab needs and is missing (kernels,"
	@echo "                  QEMU, modules, root file systems) into the cache"
	@echo "make check        the whole test suite (builds what is missing),"
	@echo "                  with a representative subset of the interop"
	@echo "                  matrix"
	@echo "make check-full   the same with the whole interop matrix"
	@echo "make bench        benchmark the vNTB pairs (kernels without the"
	@echo "                  tests' debugging), writes out/bench.json,"
	@echo "                  out/bench.md and out/bench-*.png"
	@echo "make docs         HTML documentation into out/docs (Sphinx, -W)"
	@echo "make modules [KDIR=<6.12 build tree>] [ARCH=... CROSS_COMPILE=...]"
	@echo "                  build the modules only, against KDIR (default"
	@echo "                  /lib/modules/\$$(uname -r)/build, the running"
	@echo "                  kernel's); VNTB_TEST_MODULES=1 adds the test-only"
	@echo "                  modules (lab controller, doorbell test pair,"
	@echo "                  KUnit), VNTB_FAULT_INJECTION=1 the tests' fault"
	@echo "                  injection knobs (both off by default; the lab"
	@echo "                  builds them)"
	@echo "make modules_install [KDIR=...] [INSTALL_MOD_PATH=...]"
	@echo "                  install them (INSTALL_MOD_DIR=updates: see"
	@echo "                  Documentation/ntb/vntb-boards.rst)"
	@echo "make dkms-install the host's driver (ntb_hw_epf) into DKMS, built"
	@echo "                  and installed for the running kernel and every"
	@echo "                  kernel installed later (root; Debian's dkms and"
	@echo "                  the kernel's headers package)"
	@echo "make dkms-remove  take it out of DKMS again"
	@echo "make clean        remove out/ and the module objects"
	@echo "make help         this list"

build:
	@$(BUILD)

lab: build
	@tools/lab/demo.sh

lab-down:
	@$(LAB) down

check: build
	@tools/lab/check.sh

check-full: build
	@CHECK_FULL=1 tools/lab/check.sh

bench:
	@$(BUILD) --flavour bench
	@tools/lab/bench

# Needs Debian's python3-sphinx; any warning fails the build
.PHONY: docs
docs:
	@command -v sphinx-build >/dev/null || \
		{ echo "make docs: sphinx-build missing (apt-get install python3-sphinx)" >&2; exit 1; }
	sphinx-build -W --keep-going -q -b html Documentation out/docs

modules modules_install:
	@test -f $(KDIR)/Makefile || \
		{ echo "make $@: no kernel build tree in $(KDIR): install the running kernel's headers, or give KDIR=<a configured and built Linux 6.12 tree>" >&2; exit 1; }
	$(MAKE) -C $(KDIR) M=$(CURDIR) $@

# A copy of the sources in DKMS_SRC/vntb-VERSION, then dkms builds and
# installs it; dkms.conf says what (the host's driver only) and for which
# kernels (those with CONFIG_NTB)
dkms-install:
	@command -v dkms >/dev/null || \
		{ echo "make $@: dkms missing (apt-get install dkms)" >&2; exit 1; }
	rm -rf $(DKMS_SRC)/$(DKMS_NAME)-$(VERSION)
	mkdir -p $(DKMS_SRC)/$(DKMS_NAME)-$(VERSION)
	cp -R $(DKMS_FILES) $(DKMS_SRC)/$(DKMS_NAME)-$(VERSION)/
	dkms add $(DKMS_FLAGS) $(DKMS_NAME)/$(VERSION)
	dkms install $(DKMS_FLAGS) $(DKMS_KERNEL) $(DKMS_NAME)/$(VERSION)

dkms-remove:
	dkms remove $(DKMS_FLAGS) $(DKMS_NAME)/$(VERSION) --all
	rm -rf $(DKMS_SRC)/$(DKMS_NAME)-$(VERSION)

clean:
	rm -rf out
	@if [ -f $(KDIR)/Makefile ]; then $(MAKE) -C $(KDIR) M=$(CURDIR) clean; fi
