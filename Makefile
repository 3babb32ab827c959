# Wiretap. `make demo` and `make test` are all a newcomer needs; both work on
# a fresh machine with only Go installed.

GO       ?= go
BIN      ?= bin
CACHE    ?= $(HOME)/.cache/wiretap
DEMO     ?= demo
# The demo runs as a careful operator would (docs/privacy.md): figures about
# fewer than 5 people suppressed, no message text in the outputs, nobody
# ranked. Override, e.g.: make demo DEMO_RUN_FLAGS='--min-group 3 --include-text'
# and make dashboard DEMO_SERVE_FLAGS='--min-group 3 --rank-people'.
DEMO_RUN_FLAGS   ?= --min-group 5
DEMO_SERVE_FLAGS ?= --min-group 5
VERSION  ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS  := -X github.com/wiretap-hq/wiretap/jobs.Version=$(VERSION)
STATICCHECK := honnef.co/go/tools/cmd/staticcheck@v0.8.2

.PHONY: all build lambda demo dashboard test test-short lint bench clean

all: build

## build: the wiretap CLI and the ingest Lambda into ./bin
build:
	$(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $(BIN)/wiretap ./cmd/wiretap
	$(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $(BIN)/ingest ./cmd/ingest

## lambda: the ingest and slash-command Lambdas for provided.al2023/arm64 -> build/{lambda,slash}/bootstrap and their zips
lambda:
	@mkdir -p build/lambda build/slash
	GOOS=linux GOARCH=arm64 CGO_ENABLED=0 $(GO) build -trimpath -tags lambda.norpc -ldflags '-s -w' -o build/lambda/bootstrap ./cmd/ingest
	$(GO) run ./internal/zipfile build/lambda.zip build/lambda bootstrap
	GOOS=linux GOARCH=arm64 CGO_ENABLED=0 $(GO) build -trimpath -tags lambda.norpc -ldflags '-s -w' -o build/slash/bootstrap ./cmd/slash
	$(GO) run ./internal/zipfile build/slash.zip build/slash bootstrap

## demo: generate a small synthetic archive locally, analyse it, show the results
demo: build
	@rm -rf $(DEMO)
	@$(BIN)/wiretap gen --out $(DEMO)/archive --messages 50000 --days 7 --start 2016-11-14
	@echo
	@$(BIN)/wiretap run --source $(DEMO)/archive --roster $(DEMO)/archive/roster.csv \
		--from 2016-11-14 --to 2016-11-21 --out $(DEMO)/out $(DEMO_RUN_FLAGS)
	@echo
	@echo "See it as the offices will: make dashboard, then open http://127.0.0.1:8080/"
	@echo "(or a one-file report: $(BIN)/wiretap report --out $(DEMO)/out --from 2016-11-14 --to 2016-11-21 --html report.html)"

## dashboard: serve the dashboard over the demo's outputs on http://127.0.0.1:8080/ (Ctrl-C stops it)
dashboard: build
	@test -f $(DEMO)/out/manifest.json || { echo "no demo outputs: run make demo first"; exit 1; }
	$(BIN)/wiretap serve --out $(DEMO)/out --addr 127.0.0.1:8080 $(DEMO_SERVE_FLAGS)

## test: lint, then every test with the race detector against a real S3 server
test:
	bash scripts/test.sh

## test-short: the unit tests alone, no S3 server
test-short:
	$(GO) test -short ./...

## lint: gofmt, go vet and staticcheck
lint:
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
	$(GO) run $(STATICCHECK) ./...

## bench: wiretap run on two cached 1 GB archives (current, large workspace) beside DuckDB (bench/duckdb), and the Go benchmarks
bench: build
	bash scripts/bench.sh

clean:
	rm -rf $(BIN) $(DEMO) build
