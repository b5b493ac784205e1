# pxegen: run `make help` for the targets.
SHELL := /bin/bash
.DELETE_ON_ERROR:
.DEFAULT_GOAL := help

GO ?= go
export TZ := UTC
# How long each fuzz target runs: briefly in make test, longer in make integration.
FUZZTIME ?= 10s
LONG_FUZZTIME ?= 3m
# How often make integration kills pxegen render mid-run.
LONG_KILL_RUNS ?= 200
# make bench: host counts, runs per measurement (median), go test -benchtime.
BENCH_SIZES ?= 1000,10000,100000
BENCH_REPS ?= 3
BENCH_TIME ?= 3x

# Tracked files allowed to hold binary data (a NUL byte, as git judges
# it), by path: test data only. make lint refuses any other, so that a
# build artefact (a go test -c binary) is never committed again.
BINARY_FILES :=

# Debian packages the tests need: the real daemons, the boot loaders and
# QEMU for the integration suite; Jinja2 for make bench's peer.
DEBIAN_PACKAGES := isc-dhcp-server kea-dhcp4-server kea-dhcp6-server radvd dnsmasq-base apache2 xinetd tftpd-hpa \
	shim-signed grub-efi-amd64-signed \
	qemu-system-x86 ipxe ipxe-qemu pxelinux syslinux-common ovmf \
	qemu-system-arm qemu-efi-aarch64 memtest86+ \
	busybox-static cpio iproute2 procps rsync ansible-core puppet zsh nasm \
	python3-jinja2 python3-yaml

# make package: the version in the .deb, nfpm (pinned; run with go run, so
# it stays out of pxegen's go.mod) and where the package goes.
VERSION ?= 0.0.0~git$(shell git rev-parse --short HEAD 2>/dev/null || echo unknown)
NFPM ?= $(GO) run github.com/goreleaser/nfpm/v2/cmd/nfpm@v2.45.2
DIST ?= dist

.PHONY: help build test fuzz golden lint tidy deps demo integration bench clean package

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-12s %s\n", $$1, $$2}'

build: ## build ./pxegen
	$(GO) build -o pxegen .

test: ## run the unit, golden and CLI tests with the race detector, then each fuzz target briefly (needs Go and a C compiler)
	$(GO) test -race ./...
	$(MAKE) --no-print-directory fuzz

fuzz: ## run each fuzz target for FUZZTIME (make fuzz FUZZTIME=10m)
	$(GO) test ./inventory -run '^$$' -fuzz '^FuzzLoad$$' -fuzztime $(FUZZTIME)
	$(GO) test ./generate -run '^$$' -fuzz '^FuzzRender$$' -fuzztime $(FUZZTIME)
	$(GO) test ./internal/dhcpdconf -run '^$$' -fuzz '^FuzzParse$$' -fuzztime $(FUZZTIME)

golden: ## rewrite golden files from what the code produces; read the diff before committing
	$(GO) test . ./generate ./inventory ./internal/dhcpdconf -run 'TestGolden|TestCLI|TestHostile|TestParse|TestSchemaFile' -update

lint: ## go vet (with and without the integration tag), gofmt, go.mod tidy, no tracked binaries; changes nothing
	$(GO) vet ./...
	$(GO) vet -tags integration ./...
	@out=$$(gofmt -l .); if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi
	$(GO) mod tidy -diff
	@bin=$$(git ls-files --eol | awk -F'\t' 'index($$1, "i/-text ") == 1 {print $$2}' | grep -vxF -e '' $(BINARY_FILES:%=-e %)); \
	if [ -n "$$bin" ]; then echo "binary files are tracked (build output? test data goes in BINARY_FILES):"; echo "$$bin"; exit 1; fi

tidy: ## go mod tidy
	$(GO) mod tidy

deps: ## install the Debian packages and Go modules the tests need
	@# The ARM64 VMs boot Debian's arm64 kernel, busybox and GRUB, which
	@# the suite downloads (apt-get download) once the architecture is known.
	@if ! dpkg --print-foreign-architectures | grep -qx arm64; then \
		dpkg --add-architecture arm64 && apt-get update -qq; fi
	@missing=$$(for p in $(DEBIAN_PACKAGES); do \
		dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q 'install ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
		echo "installing:" $$missing; \
		policy=/usr/sbin/policy-rc.d; made=; \
		if [ ! -e $$policy ]; then printf '#!/bin/sh\nexit 101\n' > $$policy; chmod 755 $$policy; made=1; fi; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing; rc=$$?; \
		if [ -n "$$made" ]; then rm -f $$policy; fi; exit $$rc; \
	fi
	$(GO) mod download

demo: ## render examples/lab.yaml into ./out and list what it wrote
	$(GO) run . render --inventory examples/lab.yaml --out out
	@find out -type f | sort

integration: ## real daemons and VM boots, then long fuzz runs (root, after make deps); PXEGEN_INTEGRATION=1 turns skips into failures
	$(MAKE) --no-print-directory fuzz FUZZTIME=$(LONG_FUZZTIME)
	@# Import writes files at each run: too slow for make test's few seconds, whose seeds run as tests.
	$(GO) test ./importer -run '^$$' -fuzz '^FuzzImportDhcpd$$' -fuzztime $(LONG_FUZZTIME)
	@set -o pipefail; $(GO) test . -count=1 -timeout 30m -run '^TestKillDuringRender$$' -kill-runs $(LONG_KILL_RUNS) -v 2>&1 \
		| grep -E '^(---|ok|FAIL)|safety_test'
	@set -o pipefail; $(GO) test -tags integration -count=1 -timeout 60m -v ./integration/ 2>&1 \
		| tee integration.log | grep --line-buffered -E '^ +[a-z_]+_test\.go:[0-9]+: (check|vm) |^--- |^(ok|FAIL|PASS)'; \
	rc=$$?; if [ $$rc -ne 0 ]; then echo "== integration failed; the log without progress lines:"; \
		grep -vE '^=== (RUN|PAUSE|CONT)' integration.log; \
		echo "== integration failed; what failed, once more:"; awk -f integration/failures.awk integration.log; fi; exit $$rc

package: ## build $(DIST)/pxegen_VERSION_ARCH.deb with nfpm: the binary, its man page, bash and zsh completion, the example inventory
	rm -rf $(DIST)/stage && mkdir -p $(DIST)/stage
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags "-s -w -X main.version=$(VERSION)" -o $(DIST)/stage/pxegen .
	$(DIST)/stage/pxegen man | gzip -9n > $(DIST)/stage/pxegen.1.gz
	$(DIST)/stage/pxegen completion bash > $(DIST)/stage/pxegen.bash
	$(DIST)/stage/pxegen completion zsh > $(DIST)/stage/_pxegen
	$(DIST)/stage/pxegen schema > $(DIST)/stage/inventory.schema.json
	cp examples/lab.yaml LICENSE $(DIST)/stage/
	cd $(DIST)/stage && VERSION='$(VERSION)' ARCH=$$($(GO) env GOARCH) $(NFPM) package --config $(CURDIR)/packaging/nfpm.yaml --packager deb --target ..
	rm -rf $(DIST)/stage

clean: ## remove build, demo and package output
	rm -rf pxegen out integration.log dist

bench: build ## render generated sites of BENCH_SIZES hosts against the cp -a floor and a Jinja2 peer, by phase, and time the DHCP servers loading them; then go test -bench
	$(GO) run ./bench -pxegen ./pxegen -sizes $(BENCH_SIZES) -reps $(BENCH_REPS)
	$(GO) test ./inventory ./generate -run '^$$' -bench . -benchtime $(BENCH_TIME) -benchmem
