# Quick start:
#   make demo   Debian -dev packages, build, `kdsql --sample` on the committed sample dump
#   make test   packages, real crash-dump fixtures (generated once if missing), swift test
# Also:
#   make release        the optimised kdsql with the Swift runtime linked in, as shipped and
#                       as Benchmarks/ measures it (.build/release/kdsql)
#   make test-kernels   the whole kernel matrix (5.10, 6.1, 6.12, 7.3): generates the sets
#                       that are missing (with drgn's stacks; views sets too), then the
#                       per-generation tests and the view tables' tests on every views set
SHELL := /bin/bash
.ONESHELL:
.SHELLFLAGS := -euo pipefail -c

# C libraries the package links (Package.swift's system library targets) + pkg-config to find them.
DEV_DEBS := libelf-dev zlib1g-dev libdeflate-dev libsqlite3-dev liblzo2-dev libsnappy-dev libzstd-dev libedit-dev libdw-dev libcapstone-dev pkg-config
# The SQLite clients the loadable extension is tested in: Debian's sqlite3 shell,
# its python3 (built with load_extension), and a venv for Datasette from PyPI.
DEV_DEBS += sqlite3 python3 python3-venv
# objdump, which kd_disasm is checked against
DEV_DEBS += binutils
DATASETTE_VENV := $(HOME)/.cache/kdsql/datasette-venv
SUDO := $(if $(filter 0,$(shell id -u)),,sudo)
# set:primary dump:kernel release, for every set `make test` needs (the shared ones)
FIXTURE_SETS := linux-6.1-cloud-amd64:vmcore-mdf-d31-zlib.kdump:6.1.0-56-cloud-amd64 \
                linux-6.1-cloud-amd64-oops:vmcore-mdf-d31-zlib.kdump:6.1.0-56-cloud-amd64 \
                linux-6.1-cloud-amd64-views:vmcore-mdf-d31-zlib.kdump:6.1.0-56-cloud-amd64 \
                linux-6.12-cloud-amd64:vmcore-mdf-d23-zlib.kdump:6.12.117+deb12-cloud-amd64 \
                linux-6.12-cloud-amd64-oops:vmcore-mdf-d23-zlib.kdump:6.12.117+deb12-cloud-amd64
# the matrix of `make test-kernels` (allGenerations in Tests/FixtureSupport/Fixtures.swift)
MATRIX_SETS := linux-5.10-cloud-amd64:vmcore-mdf-d31-zlib.kdump:5.10.0-32-cloud-amd64 \
               linux-5.10-cloud-amd64-oops:vmcore-mdf-d31-zlib.kdump:5.10.0-32-cloud-amd64 \
               $(FIXTURE_SETS) \
               linux-7.3-cloud-amd64:vmcore-mdf-d23-zlib.kdump:7.3.4+deb13-cloud-amd64 \
               linux-7.3-cloud-amd64-oops:vmcore-mdf-d23-zlib.kdump:7.3.4+deb13-cloud-amd64
MATRIX_GENERATIONS := 5.10,6.1,6.12,7.3
# the generated views sets of the matrix (`make-dump --kernel KVER views`; 6.1's is in
# FIXTURE_SETS) and the suites that read them (Tests/KdsqlKernelTests/Views,
# Tests/KdsqlSQLTests/ViewTablesTests.swift, TableHarnessTests)
VIEWS_SETS := linux-5.10-cloud-amd64-views:vmcore-mdf-d31-zlib.kdump:5.10.0-32-cloud-amd64 \
              linux-7.3-cloud-amd64-views:vmcore-mdf-d23-zlib.kdump:7.3.4+deb13-cloud-amd64
VIEW_SUITES := CgroupsTests|DevicesTests|FileLocksTests|InterruptsTests|MemInfoTests|NamespacesTests|NeighboursTests|RoutesTests|SchedTimesTests|SignalsTests|SlabCachesTests|SlabObjectsTests|SwapDevicesTests|SysVIPCTests|WhatisTests|ZonesTests|ViewTablesTests|ViewSavedQueriesTests|TableHarnessTests
SHARED_FIXTURES := $(CURDIR)/../shared/fixtures
CACHE_FIXTURES := $(HOME)/.cache/kdsql/fixtures

.PHONY: demo release test deps fixtures ensure-sets test-kernels datasette debug-vmlinux

demo: deps
	swift build
	.build/debug/kdsql --sample

# --static-swift-stdlib: a fresh process no longer resolves the Swift runtime's
# shared libraries' symbols at start (kdsql --version 17.7 -> 10.8 ms of CPU).
release: deps
	swift build -c release --static-swift-stdlib --product kdsql

# The extension tests load libkdsqlext.so from the build directory; `swift test`
# alone does not build a dynamic library product.
test: deps fixtures datasette debug-vmlinux
	swift build --product kdsqlext
	swift test

# Datasette for the extension's recipe test, installed once into a cached venv.
datasette:
	@if [ ! -x "$(DATASETTE_VENV)/bin/datasette" ]; then
	    /usr/bin/python3 -m venv "$(DATASETTE_VENV)"
	    "$(DATASETTE_VENV)/bin/pip" install -q datasette
	fi

# apt-get update only when a package is missing, so a warm machine stays offline.
deps:
	@missing=$$(for p in $(DEV_DEBS); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done)
	if [ -n "$$missing" ]; then
	    echo "installing:" $$missing
	    $(SUDO) apt-get update -qq
	    $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing
	fi

# The tests read $KDSQL_FIXTURES, then ../shared/fixtures, then ~/.cache/kdsql/fixtures
# (Tests/FixtureSupport/Fixtures.swift).  A set found in none of them is built by make-dump
# (installing its own packages, downloading its kernel); a complete cache is reused in seconds,
# and nothing is downloaded when ../shared/fixtures has every set.
fixtures:
	@$(MAKE) --no-print-directory ensure-sets SETS="$(FIXTURE_SETS)" ORACLE=

# SETS: set:dump:release triples; ORACLE=--oracle also records drgn's stacks.
ensure-sets:
	@for entry in $(SETS); do
	    IFS=: read -r set dump release <<<"$$entry"
	    found=
	    for root in "$${KDSQL_FIXTURES:-}" "$(SHARED_FIXTURES)" "$(CACHE_FIXTURES)"; do
	        if [ -n "$$root" ] && [ -f "$$root/$$set/$$dump" ]; then found=$$root; break; fi
	    done
	    if [ -n "$$found" ]; then echo "fixtures: $$set in $$found"; continue; fi
	    scenario=sysrq; case $$set in *-oops) scenario=oops ;; *-views) scenario=views ;; esac
	    Tests/Fixtures/make-dump --kernel "$$release" $(ORACLE) $$scenario
	done


# Every kernel generation: the missing sets are generated (5.10 and 7.3 with drgn's stacks),
# then the per-generation suites run on all four; a set still missing fails them.
# drgn's stacks of sets made without them (the shared ones) go to ~/.cache/kdsql/oracle.
test-kernels: deps
	@$(MAKE) --no-print-directory ensure-sets SETS="$(MATRIX_SETS)" ORACLE=--oracle
	@$(MAKE) --no-print-directory ensure-sets SETS="$(VIEWS_SETS)" ORACLE=
	@for entry in $(MATRIX_SETS); do
	    IFS=: read -r set dump release <<<"$$entry"
	    for root in "$${KDSQL_FIXTURES:-}" "$(SHARED_FIXTURES)" "$(CACHE_FIXTURES)"; do
	        if [ -n "$$root" ] && [ -f "$$root/$$set/$$dump" ]; then
	            [ -f "$$root/$$set/oracle/stacks.csv" ] || [ -f "$(HOME)/.cache/kdsql/oracle/$$set/stacks.csv" ] ||
	                Tests/Fixtures/make-dump --kernel "$$release" --oracle-only "$$root/$$set"
	            break
	        fi
	    done
	done
	swift build --build-tests
	KDSQL_GENERATIONS=$(MATRIX_GENERATIONS) KDSQL_ORACLE=1 swift test --skip-build --filter Generation
	KDSQL_GENERATIONS=$(MATRIX_GENERATIONS) swift test --skip-build --filter '$(VIEW_SUITES)'

# libFuzzer targets (Fuzz/README.md): FUZZ_SECONDS each (CI: 60).
FUZZ_SECONDS ?= 60
.PHONY: fuzz faults
fuzz: deps
	FUZZ_SECONDS=$(FUZZ_SECONDS) Fuzz/run.sh

# Fault campaign: damaged copies of the fixtures (Scripts/fault-campaign.py),
# FAULT_SECONDS in all (CI: 300): no crash, no hang, no silently changed answer.
FAULT_SECONDS ?= 300
faults: deps fixtures
	swift build
	python3 Scripts/fault-campaign.py --seconds $(FAULT_SECONDS)

# The DWARF tests (BTF and DWARF agree, inlined frames and source lines) read the
# debug vmlinux of the 6.1 and 6.12 fixtures from Debian's linux-image-KVER-dbg
# (~280 MB each, from the machine's own suite, bookworm and bookworm-backports).
# The .debs and the extracted vmlinux files (~600 MB each) stay in
# ~/.cache/kdsql/debug, outside the repository; a warm cache costs nothing.
# Cold: 40 s for 6.1 (3 s download, the rest xz) on an idle development machine.
# The --modules-dir tests also read the debug files of the modules loaded in
# those fixtures (DEBUG_MODULES, 0.3 to 1.5 MB each), extracted in the same pass
# to usr/lib/debug/lib/modules/KVER/kernel/...; a stamp file lists them, so a
# cache made before they were wanted is completed once.
DEBUG_KVERS := 6.1.0-56-cloud-amd64 6.12.117+deb12-cloud-amd64
DEBUG_MODULES := dummy virtio_net net_failover failover virtio_pci virtio virtio_ring virtio_pci_legacy_dev virtio_pci_modern_dev qemu_fw_cfg veth virtio_blk
DEBUG_DIR := $(HOME)/.cache/kdsql/debug
debug-vmlinux:
	@mkdir -p $(DEBUG_DIR)
	cd $(DEBUG_DIR)
	for kver in $(DEBUG_KVERS); do
	    stamp=usr/lib/debug/lib/modules/$$kver/.kdsql-modules
	    [ -s usr/lib/debug/boot/vmlinux-$$kver ] && [ "$$(cat $$stamp 2>/dev/null)" = "$(DEBUG_MODULES)" ] && continue
	    pkg=linux-image-$$kver-dbg
	    if ! ls $${pkg}_*.deb >/dev/null 2>&1; then
	        apt-cache show $$pkg >/dev/null 2>&1 || $(SUDO) apt-get update -qq
	        apt-get download -q $$pkg
	    fi
	    # Not every package has every module: tar names the missing ones and fails, which is fine.
	    dpkg-deb --fsys-tarfile $${pkg}_*.deb | tar -x --wildcards ./usr/lib/debug/boot/vmlinux-$$kver ./usr/lib/debug/boot/System.map-$$kver \
	        $(foreach m,$(DEBUG_MODULES),'./usr/lib/debug/lib/modules/*/$(m).ko') 2>/dev/null || true
	    [ -s usr/lib/debug/boot/vmlinux-$$kver ] || { echo "no vmlinux-$$kver in $$pkg" >&2; exit 1; }
	    mkdir -p $$(dirname $$stamp) && echo "$(DEBUG_MODULES)" > $$stamp
	    echo "debug vmlinux: $(DEBUG_DIR)/usr/lib/debug/boot/vmlinux-$$kver; modules: $(DEBUG_DIR)/usr/lib/debug/lib/modules/$$kver"
	done
