//! Adapter behaviours beyond the contract, on CongoDB (`CONGO_URI`): what the documents look like on
//! the server, and the migration replacing an index whose options differ (jongodb cannot drop
//! indexes; CongoDB lists `unique` and `expireAfterSeconds` faithfully, though not
//! `partialFilterExpression`).

mod support;

use support::checks;

/// Fresh stores on a new CongoDB database, indexes migrated.
async fn congo() -> adapters_mongo::MongoStores {
    support::fresh_mongo(&support::required_uri("CONGO_URI")).await
}

#[tokio::test]
async fn documents_on_the_server_have_the_schemas_field_types() {
    checks::documents_on_the_server_have_the_schemas_field_types(&congo().await).await;
}

#[tokio::test]
async fn migrate_replaces_indexes_whose_options_differ_and_drops_the_createdat_ttl() {
    checks::migrate_replaces_indexes_whose_options_differ_and_drops_the_createdat_ttl(&congo().await).await;
}

#[tokio::test]
async fn daily_documents_on_the_server_have_their_field_types() {
    checks::daily_documents_on_the_server_have_their_field_types(&congo().await).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn concurrent_first_saves_of_one_day_store_one_document() {
    checks::concurrent_first_saves_of_one_day_store_one_document(&congo().await).await;
}

#[tokio::test]
async fn the_server_answers_a_ping() {
    checks::the_server_answers_a_ping(&congo().await).await;
}

#[tokio::test]
async fn migrate_backfills_the_name_key_of_older_client_documents() {
    checks::migrate_backfills_the_name_key_of_older_client_documents(&congo().await).await;
}
