# portspec's developer entry points. `make test` is what CI runs.
GO      ?= go
BIN     := bin/portspec
GOFILES := $(shell find . -name '*.go' -not -path './.git/*')

.PHONY: build test vet staticcheck fmt-check cross portable-test man release release-test image image-test demo lab bench clean screenshot

# Every OS and architecture a release is built for.
TARGETS := linux/amd64 linux/arm64 darwin/amd64 darwin/arm64 windows/amd64 windows/arm64 freebsd/amd64

# What git says of the clone, stamped into the binary: portspec version
# prints it, and every report records it.
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null)
COMMIT  ?= $(shell git describe --always --dirty --abbrev=7 --exclude='*' 2>/dev/null)
DATE    ?= $(shell git log -1 --format=%cs 2>/dev/null)
LDFLAGS := -X main.version=$(VERSION) -X main.commit=$(COMMIT) -X main.date=$(DATE)

build:
	$(GO) build -trimpath -ldflags "$(LDFLAGS)" -o $(BIN) ./cmd/portspec

vet:
	$(GO) vet ./...

# Pinned in go.mod as a tool: the same checks on every machine.
staticcheck:
	$(GO) tool staticcheck ./...

fmt-check:
	@out=$$(gofmt -l $(GOFILES)); if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi

# Four tests at once a package, on two CPUs: most of the lab's time is
# spent waiting for a target's ICMP rate limit, in namespaces of the
# test's own, not on the CPU. That is the runner's lab tests that only
# wait (runner/lab_test.go, besideOthers) and cmd/portspec's scripts.
test: vet staticcheck fmt-check
	$(GO) test -count=1 -parallel 4 ./...
	# A few seconds of fuzzing the loader with untrusted specs; its seeds
	# are the spec fixtures and spec/testdata/fuzz. A count, not a
	# duration: Go 1.26's fuzz coordinator can fail a run with "context
	# deadline exceeded" at a -fuzztime deadline (go.dev/issue/75804).
	$(GO) test -run '^$$' -fuzz '^FuzzLoad$$' -fuzztime 3000x ./spec
	# And the escaping of text from outside: what a target's reply is
	# described as, and the rule itself (internal/escape).
	$(GO) test -run '^$$' -fuzz '^FuzzDescribe$$' -fuzztime 2000x ./runner
	$(GO) test -run '^$$' -fuzz '^FuzzText$$' -fuzztime 2000x ./internal/escape
	# The agent protocol's hand-written readers against encoding/json,
	# on lines a far end makes up.
	$(GO) test -run '^$$' -fuzz '^FuzzReadResultLine$$' -fuzztime 5000x ./internal/agent
	$(GO) test -run '^$$' -fuzz '^FuzzReadProbeLine$$' -fuzztime 5000x ./internal/agent

# Every target builds and vets: the code of each OS's build tags is
# checked, tests included. .ci/run runs it after make test.
cross:
	@set -e; for t in $(TARGETS); do \
		echo "GOOS=$${t%/*} GOARCH=$${t#*/}"; \
		CGO_ENABLED=0 GOOS=$${t%/*} GOARCH=$${t#*/} $(GO) build -trimpath -o /dev/null ./cmd/portspec; \
		GOOS=$${t%/*} GOARCH=$${t#*/} $(GO) vet ./...; \
	done

# The engine of every OS but Linux (Go's ordinary sockets), built on
# Linux and run against listeners and nftables rules in a network
# namespace of its own (root), and its refusal of --syn, which needs
# neither. .ci/run runs it after make test.
portable-test:
	$(GO) test -count=1 -tags portspec_portable -run '^(TestPortableEngine|TestTracesElsewhere|TestNoSYNElsewhere)$$' ./runner ./internal/arguments

# The manual pages, portspec(1) and portspec-COMMAND(1), from the help
# the commands print (internal/manpage), into out/man: man -l
# out/man/portspec-check.1 reads one. make release puts them in every
# archive.
man:
	$(GO) run ./internal/manpage/cmd -out out/man -version "$(VERSION)" -date "$(DATE)"

# A release of this commit, offline, into out/release: an archive, an
# SBOM a target, one checksums file (internal/release). VERSION=v0.1.0
# make release stamps a tag's version.
release:
	$(GO) run ./internal/release -version "$(VERSION)" -targets "$(TARGETS)"

# Builds a snapshot release twice (the second with an empty build cache)
# and checks it: checksums, binaries, SBOMs, the same bytes. .ci/run runs
# it after make test.
release-test:
	PORTSPEC_TARGETS="$(TARGETS)" $(GO) test -count=1 -timeout 20m -tags release ./internal/release

# The image (Containerfile, FROM scratch): the static binary, built for
# Linux on this machine's architecture, as an unprivileged user. BUILD is
# buildah's build, or podman's: BUILD="podman build".
IMAGE ?= ghcr.io/portspec/portspec
BUILD ?= buildah build
image:
	CGO_ENABLED=0 GOOS=linux $(GO) build -trimpath -ldflags "$(LDFLAGS)" -o out/image/portspec ./cmd/portspec
	$(BUILD) --quiet -f Containerfile --build-arg VERSION=$(VERSION) -t $(IMAGE):$(VERSION) out/image

# Builds the image and checks its config, its one layer, and its binary
# taken out with buildah mount (root). .ci/run runs it after make test.
image-test:
	$(GO) test -count=1 -tags image -run '^TestImage$$' ./internal/release

# The namespace lab as root, loopback listeners otherwise; reports in out/.
demo: build
	$(GO) run ./internal/lab/demo -portspec $(BIN)

# The README's picture of the demo's HTML report (root, chromium).
screenshot: build
	$(GO) run ./internal/lab/demo -portspec $(BIN) -screenshot docs/report.png

# Bring the lab up and keep it for hand checks, until Ctrl-C (root).
lab: build
	$(GO) run ./internal/lab/demo -portspec $(BIN) -hold

# Go benchmarks of the hot paths, then the lab benchmark against nmap
# (root; it says so and skips otherwise). Figures: stdout and out/bench.json.
bench: build
	$(GO) test -run '^$$' -bench . -benchmem ./spec ./runner ./report ./junit
	$(GO) run ./internal/bench -portspec $(BIN)

clean:
	rm -rf bin out
