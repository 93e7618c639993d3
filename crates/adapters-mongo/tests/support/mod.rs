//! What the server tests share: finding the test servers, and fresh stores on a new database.
//!
//! The servers are started by `make test` (through `scripts/test-servers.sh start`), which exports
//! `CONGO_URI` and `JONGO_URI`. A test that needs one fails when it is not set, rather than passing
//! without having checked anything.

// Each test target uses its own part of this module.
#![allow(dead_code)]

pub mod checks;

use std::time::Duration;

use adapters_mongo::{MongoConfig, MongoStores};
use bson::oid::ObjectId;
use secrecy::SecretString;

/// The URI of a test server that these tests cannot run without.
///
/// # Panics
/// When `var` is not set, with the way to set it.
pub fn required_uri(var: &str) -> String {
    match std::env::var(var) {
        Ok(uri) if !uri.trim().is_empty() => uri,
        _ => panic!(
            "{var} is not set, so there is no test server to run against. Run the tests with `make test`, \
             or start the servers with `scripts/test-servers.sh start`, then `source .test-servers/env` \
             and run `cargo test -p adapters-mongo` again"
        ),
    }
}

/// Stores on a new, uniquely named database of the server at `uri`, with its indexes migrated.
pub async fn fresh_mongo(uri: &str) -> MongoStores {
    let database = format!("test_{}", ObjectId::new().to_hex());
    let mut config = MongoConfig::new(SecretString::from(uri.to_owned()), database);
    config.server_selection_timeout = Duration::from_secs(10);
    let stores = MongoStores::connect(&config).await.expect("the test server's URI is valid");
    stores.migrate().await.expect("indexes are created on a fresh database");
    stores
}
