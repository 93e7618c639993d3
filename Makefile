# The two commands a newcomer needs: `make run` and `make test`. Everything they need is installed by them.
.PHONY: run test fmt-check lint docs check-domain-purity

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
	$(CARGO) test --workspace --doc

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
