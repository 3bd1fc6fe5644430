# Quick start:
#   make demo   Debian -dev packages, build, `kdsql --sample` on the committed sample dump
#   make test   packages, real crash-dump fixtures (generated once if missing), swift test
SHELL := /bin/bash
.ONESHELL:
.SHELLFLAGS := -euo pipefail -c

# C libraries the package links (Package.swift's system library targets) + pkg-config to find them.
DEV_DEBS := libelf-dev zlib1g-dev libsqlite3-dev liblzo2-dev libsnappy-dev libzstd-dev libedit-dev libdw-dev pkg-config
# The SQLite clients the loadable extension is tested in: Debian's sqlite3 shell,
# its python3 (built with load_extension), and a venv for Datasette from PyPI.
DEV_DEBS += sqlite3 python3 python3-venv
DATASETTE_VENV := $(HOME)/.cache/kdsql/datasette-venv
SUDO := $(if $(filter 0,$(shell id -u)),,sudo)
FIXTURE_SETS := linux-6.1-cloud-amd64 linux-6.1-cloud-amd64-oops
SHARED_FIXTURES := $(CURDIR)/../shared/fixtures

.PHONY: demo test deps fixtures datasette debug-vmlinux

demo: deps
	swift build
	.build/debug/kdsql --sample

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
# (Tests/FixtureSupport/Fixtures.swift).  When neither of the first two has every set,
# make-dump builds them (installing its own packages); it reuses a complete cache in seconds.
fixtures:
	@for root in "$${KDSQL_FIXTURES:-}" "$(SHARED_FIXTURES)"; do
	    [ -n "$$root" ] || continue
	    complete=1
	    for set in $(FIXTURE_SETS); do [ -f "$$root/$$set/vmcore-mdf-d31-zlib.kdump" ] || complete=0; done
	    if [ $$complete = 1 ]; then echo "fixtures: $$root"; exit 0; fi
	done
	Tests/Fixtures/make-dump

# The DWARF tests (BTF and DWARF agree, inlined frames and source lines) read the
# debug vmlinux of the 6.1 and 6.12 fixtures from Debian's linux-image-KVER-dbg
# (~280 MB each, from the machine's own suite, bookworm and bookworm-backports).
# The .debs and the extracted vmlinux files (~600 MB each) stay in
# ~/.cache/kdsql/debug, outside the repository; a warm cache costs nothing.
# Cold: 40 s for 6.1 (3 s download, the rest xz) on an idle development machine.
DEBUG_KVERS := 6.1.0-56-cloud-amd64 6.12.117+deb12-cloud-amd64
DEBUG_DIR := $(HOME)/.cache/kdsql/debug
debug-vmlinux:
	@mkdir -p $(DEBUG_DIR)
	cd $(DEBUG_DIR)
	for kver in $(DEBUG_KVERS); do
	    [ -s usr/lib/debug/boot/vmlinux-$$kver ] && continue
	    pkg=linux-image-$$kver-dbg
	    if ! ls $${pkg}_*.deb >/dev/null 2>&1; then
	        apt-cache show $$pkg >/dev/null 2>&1 || $(SUDO) apt-get update -qq
	        apt-get download -q $$pkg
	    fi
	    dpkg-deb --fsys-tarfile $${pkg}_*.deb | tar -x ./usr/lib/debug/boot/vmlinux-$$kver ./usr/lib/debug/boot/System.map-$$kver
	    echo "debug vmlinux: $(DEBUG_DIR)/usr/lib/debug/boot/vmlinux-$$kver"
	done
