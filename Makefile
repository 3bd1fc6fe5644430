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

.PHONY: demo test deps fixtures datasette

demo: deps
	swift build
	.build/debug/kdsql --sample

# The extension tests load libkdsqlext.so from the build directory; `swift test`
# alone does not build a dynamic library product.
test: deps fixtures datasette
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
