# portspec's developer entry points. `make test` is what CI runs.
GO      ?= go
BIN     := bin/portspec
GOFILES := $(shell find . -name '*.go' -not -path './.git/*')

.PHONY: build test vet fmt-check demo bench clean

build:
	$(GO) build -o $(BIN) ./cmd/portspec

vet:
	$(GO) vet ./...

fmt-check:
	@out=$$(gofmt -l $(GOFILES)); if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi

test: vet fmt-check
	$(GO) test ./...

# Until the runner lands (issue #3/#4), the demo validates the examples.
demo: build
	@for f in examples/*.hcl; do echo "\$$ portspec validate $$f"; ./$(BIN) validate $$f || exit 1; done

bench:
	$(GO) test -run '^$$' -bench . -benchmem ./...

clean:
	rm -rf bin out
