//! Black-box tests of the API on `MongoDB`: each test starts the real server (or two replicas of it)
//! on a random port, on a fresh database of the `CongoDB` test server (`CONGO_URI`, started by
//! `make test`), and drives it over HTTP. The outage test starts a `CongoDB` process of its own;
//! `two_processes` runs the real `api` binary twice.
//!
//! Run by hand: `scripts/test-servers.sh start && source .test-servers/env && cargo test -p
//! black-box-tests --test mongo`.

mod support;

mod concurrency;
mod connectors;
mod outage;
mod replicas;
mod search;
mod two_processes;
