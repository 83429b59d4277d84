# memsee: make help lists the targets.
GO       ?= go
SHELL    := /bin/bash
FUZZTIME ?= 30s
export CGO_ENABLED := 1

.PHONY: help build test test-browser golden demo bench bench-large lint fuzz testdata clean reliability

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed -E 's/:.*## /\t/' | expand -t 12

# The commit memsee version prints. go build records it in a git clone (-buildvcs); these say
# it where go build does not (a git worktree). Evaluated only when build runs.
VCS_REVISION = $(shell git rev-parse HEAD 2>/dev/null)
VCS_TIME     = $(shell TZ=UTC git log -1 --format=%cd --date=format-local:%Y-%m-%dT%H:%M:%SZ 2>/dev/null)
VCS_MODIFIED = $(shell test -n "$$(git status --porcelain 2>/dev/null)" && echo true)

build: ## build bin/memsee
	$(GO) build -buildvcs=true -ldflags '-X main.vcsRevision=$(VCS_REVISION) -X main.vcsTime=$(VCS_TIME) -X main.vcsModified=$(VCS_MODIFIED)' -o bin/memsee ./cmd/memsee

test: ## unit, golden and end-to-end tests
	$(GO) test ./...

test-browser: ## open the HTML report in headless Chromium (needs Debian's chromium; installs nothing)
	@command -v chromium >/dev/null 2>&1 || { echo "chromium is not installed: sudo apt-get install -y chromium (Debian's package), then make test-browser"; exit 1; }
	$(GO) test -count 1 -run '^TestBrowser' -v ./cmd/memsee

reliability: ## the reliability suite (damaged, hostile and huge inputs; hostile SQL; concurrency): area, cases, held
	@set -o pipefail; $(GO) test -json -count 1 -run 'TestReliability' ./... | $(GO) run ./internal/tools/reliability

golden: ## rewrite the golden files; review the diff before committing
	$(GO) test ./... -update

demo: build ## load the bundled Go profiles, Python dumps and Node snapshots: what leaks, of which kind, who holds it
	@rm -f demo.db demo.db-wal demo.db-shm
	bin/memsee --db demo.db load --series go testdata/go/heap1.pb.gz testdata/go/heap2.pb.gz testdata/go/heap3.pb.gz testdata/go/heap4.pb.gz
	bin/memsee --db demo.db leaks --series go
	bin/memsee --db demo.db diff heap1 heap4 -n 4
	bin/memsee --db demo.db load --series shop testdata/python/shop1.json.gz testdata/python/shop2.json.gz testdata/python/shop3.json.gz testdata/python/shop4.json.gz
	bin/memsee --db demo.db leaks shop1 shop2 shop3 shop4
	bin/memsee --db demo.db path --type AuditEntry
	bin/memsee --db demo.db top shop4 --by holder -n 6
	@echo '# the Python heap as folded stacks for a flame graph (memsee export -o shop4.pb.gz writes one for go tool pprof -http=:)'
	bin/memsee --db demo.db export shop4 --format folded | grep _audit_log | head -3
	bin/memsee --db demo.db load --series node testdata/node/heap1.heapsnapshot.gz testdata/node/heap2.heapsnapshot.gz testdata/node/heap3.heapsnapshot.gz testdata/node/heap4.heapsnapshot.gz
	@echo '# Node snapshots (V8), labelled node/heap1..node/heap4 as the Go profiles have heap1..heap4: who holds what grew, and memlab-style leak candidates'
	bin/memsee --db demo.db leaks node/heap1 node/heap2 node/heap3 node/heap4
	bin/memsee --db demo.db diff node/heap1 node/heap2 --final node/heap4 -n 5
	@echo '# memsee check exits 1 when a build grows past its budget; here head grew 19%:'
	bin/memsee check testdata/go/heap2.pb.gz testdata/go/heap4.pb.gz --max-growth 10% || echo "exit $$?"
	@echo '# one HTML page of it all, to open offline: timeline, leaks and their paths, dominator tree, top types, diff'
	bin/memsee --db demo.db report -o demo-report.html
	@echo "open $(CURDIR)/demo-report.html"

bench: ## benchmarks: readers and store in process, then memsee against go tool pprof (BENCHMARKS.md)
	$(GO) test -run '^$$' -bench . -benchmem ./internal/...
	$(GO) test -run '^$$' -bench . -benchtime 3x -timeout 90m ./bench/

# LARGE picks what bench-large runs, as go test -bench does: LARGE=Large/format=hprof/objects=30M
LARGE ?= Large

bench-large: ## dumps of 1M to 100M objects written by a JVM and by Python, 1M to 30M by Node, Go and Ruby, and memsee (memlab too on V8) on each (about 30 minutes on a quiet machine, 42 GB of disk)
	MEMSEE_BENCH_LARGE=1 $(GO) test -run '^$$' -bench '$(LARGE)' -benchtime 1x -timeout 6h ./bench/

lint: ## gofmt, go vet, and staticcheck when it is installed
	@out=$$(gofmt -l cmd internal bench testdata/gen); if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
	@# For Windows and macOS, the packages whose tests need no cgo (the SQLite driver does): what
	@# only Linux has stays behind build tags.
	@nocgo=$$($(GO) list ./internal/heap/... ./internal/capture ./internal/formats | grep -v -e /meliae -e /v8); \
		for os in windows darwin; do CGO_ENABLED=0 GOOS=$$os $(GO) vet $$nocgo && \
			CGO_ENABLED=0 GOOS=$$os $(GO) build ./internal/heap/... ./internal/capture ./internal/formats || exit 1; done
	@if command -v staticcheck >/dev/null 2>&1; then staticcheck ./...; else echo "staticcheck not installed: skipped"; fi
	@if grep -rn --include='*.go' 'shared/' cmd internal bench testdata/gen; then echo "comments cite files outside the repository (use docs/)"; exit 1; fi

fuzz: ## fuzz every reader, and the store's page and holdings decoders, for FUZZTIME each
	for pkg in pprof meliae v8 hprof godump ruby; do \
		$(GO) test -run '^$$' -fuzz '^FuzzRead$$' -fuzztime $(FUZZTIME) -fuzzminimizetime 5s ./internal/heap/$$pkg || exit 1; \
	done
	$(GO) test -run '^$$' -fuzz '^FuzzDecodePage$$' -fuzztime $(FUZZTIME) -fuzzminimizetime 5s ./internal/store/page
	$(GO) test -run '^$$' -fuzz '^FuzzUnpackHoldings$$' -fuzztime $(FUZZTIME) -fuzzminimizetime 5s ./internal/store

testdata: ## regenerate the sample dumps with real runtimes (see testdata/README.md)
	rm -f testdata/go/*.pb.gz
	$(GO) run -trimpath ./testdata/gen/go -out testdata/go
	$(GO) run -trimpath ./testdata/gen/go -out testdata/go -prefix churn -churn-only
	$(GO) run -trimpath ./testdata/gen/go -out testdata/go -cpu cpu.pb.gz
	GODEBUG=memprofilerate=0 $(GO) run -trimpath ./testdata/gen/go -out testdata/go -prefix off -n 1
	rm -f testdata/godump/*.dump.gz
	$(GO) run -trimpath ./testdata/gen/godump -out testdata/godump
	$(GO) run -trimpath ./testdata/gen/godump -out testdata/godump -prefix churn -churn-only
	$(GO) run -trimpath ./testdata/gen/godump -out testdata/godump -prefix tree -big 3000 && gzip -9 -n -f testdata/godump/tree.dump
	GO=$(GO) testdata/gen/zoo/go/gen.sh
	python3 testdata/gen/python/gen.py --out testdata/python
	node testdata/gen/node/gen.js --out testdata/node
	testdata/gen/java/gen.sh
	testdata/gen/zoo/node/gen.sh
	testdata/gen/zoo/java/gen.sh
	testdata/gen/zoo/python/gen.sh
	testdata/gen/ruby/gen.sh
	testdata/gen/zoo/ruby/gen.sh
	node testdata/gen/node/gen.js --out testdata/node --churn-only
	node testdata/gen/node/classdiff.js testdata/node/heap1.heapsnapshot.gz testdata/node/heap4.heapsnapshot.gz -o testdata/node/classdiff-heap1-heap4.json
	node testdata/gen/node/candidates.js testdata/node/heap1.heapsnapshot.gz testdata/node/heap2.heapsnapshot.gz testdata/node/heap4.heapsnapshot.gz -o testdata/node/candidates-heap1-heap2-heap4.json

clean: ## remove what the build, the demo and the benchmarks wrote
	rm -rf bin demo.db demo.db-wal demo.db-shm demo-report.html bench/.data bench/.data-large
