//! The storage ports' contract against the Mongo stores on CongoDB (`CONGO_URI`), each test on a
//! fresh database. What CongoDB cannot show (unique indexes, index options) runs on jongodb in
//! `jongodb.rs`; see docs/testing.md.

mod support;

/// Fresh stores on a new database of the CongoDB test server.
async fn congo_stores() -> store_contract::Stores {
    support::fresh_mongo(&support::required_uri("CONGO_URI")).await.ports()
}

store_contract::contract_tests!(congo_stores());
