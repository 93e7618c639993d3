# The two commands a newcomer needs: `make run` and `make test`. Everything they need is installed by them.
.PHONY: run test fmt-check lint docs check-domain-purity bench fuzz fuzz-quick

CARGO ?= cargo
# With MONGODB_URI set (a real MongoDB, Atlas or a container), the store contract and the Mongo
# checks also run against that server.
REAL_MONGODB := $(if $(MONGODB_URI),--features adapters-mongo/real-mongodb,)

## Starts the API on 127.0.0.1:8080 on the embedded default: in-memory store, demo data, offline analyst.
run:
	$(CARGO) run -p api -- serve

## Formatting, lints, docs, the domain's purity check and every test, with the MongoDB-wire test servers running.
test: fmt-check lint docs check-domain-purity
	scripts/with-test-servers.sh $(CARGO) test --workspace --all-targets $(REAL_MONGODB)
	scripts/with-test-servers.sh $(CARGO) test --workspace --doc
	$(MAKE) fuzz-quick

## A bounded schema-driven fuzz run of /openapi.json against the running API (schemathesis, about two
## minutes; installs it into the ignored .venv-fuzz/ on first use). See docs/testing.md.
fuzz-quick:
	scripts/fuzz.sh quick

## The same fuzz run at length (many examples per operation, stateful phase, up to 20 minutes).
fuzz:
	scripts/fuzz.sh long

## The public API's documentation builds without a broken link or a missing item.
docs:
	RUSTDOCFLAGS="-D warnings" $(CARGO) doc --workspace --no-deps

fmt-check:
	$(CARGO) fmt --all --check

lint:
	$(CARGO) clippy --workspace --all-targets --all-features -- -D warnings

## The domain must stay pure: no I/O crate may enter its (non-dev) dependency tree.
check-domain-purity:
	@forbidden='^(mongodb|bson|axum|hyper|reqwest|tokio|tower|tower-http|serde_json) '; \
	found=$$($(CARGO) tree -p domain -e normal --prefix none | grep -E "$$forbidden" | sort -u); \
	if [ -n "$$found" ]; then echo "domain depends on I/O crates:"; echo "$$found"; exit 1; fi; \
	echo "domain is pure: none of mongodb, bson, axum, hyper, reqwest, tokio, tower, serde_json"

## Benchmarks the service against baselines measured in the same run (docs/performance.md): builds
## in release, starts the MongoDB-wire test servers (stopped again only if this target started
## them), raises the open-files limit for the 10,000 streams, prints a table and writes
## target/bench/report.json. BENCH_SECONDS (default 5) sets each load run's duration.
bench:
	$(CARGO) build --release -p api -p bench
	@started=0; \
	if ! scripts/test-servers.sh status >/dev/null 2>&1; then scripts/test-servers.sh start >/dev/null && started=1; fi; \
	. .test-servers/env; \
	ulimit -n $$(ulimit -Hn); \
	"$${CARGO_TARGET_DIR:-target}/release/bench"; rc=$$?; \
	if [ $$started = 1 ]; then scripts/test-servers.sh stop >/dev/null 2>&1; fi; \
	exit $$rc
