//! The storage ports' contract, and every server check of `support/checks.rs`, against a real
//! MongoDB (`MONGODB_URI`: Atlas, a local `mongod` or a container), each test on a fresh database.
//! It is compiled only with the `real-mongodb` feature, and then needs `MONGODB_URI`: no real server
//! can be installed on the project's machines, so this suite is for whoever has one (docs/testing.md).

mod support;

use support::checks;

/// Fresh stores on a new database of the real server.
async fn mongodb_stores() -> store_contract::Stores {
    support::fresh_mongo(&support::required_uri("MONGODB_URI")).await.ports()
}

store_contract::contract_tests!(mongodb_stores());

/// One test per check, each on fresh stores of the real server.
macro_rules! on_mongodb {
    ($($check:ident)*) => {
        $(
            #[tokio::test(flavor = "multi_thread")]
            async fn $check() {
                checks::$check(&support::fresh_mongo(&support::required_uri("MONGODB_URI")).await).await;
            }
        )*
    };
}

on_mongodb!(
    the_server_answers_a_ping
    migrate_creates_every_index_with_its_exact_options
    migrating_again_changes_nothing
    a_duplicate_key_from_the_server_is_already_exists
    the_unique_conversation_id_index_refuses_a_second_document
    concurrent_inserts_of_one_conversation_store_it_once
    concurrent_acquires_of_a_new_lease_grant_it_once
    documents_on_the_server_have_the_schemas_field_types
    daily_documents_on_the_server_have_their_field_types
    concurrent_first_saves_of_one_day_store_one_document
    migrate_replaces_indexes_whose_options_differ_and_drops_the_createdat_ttl
    migrate_backfills_the_name_key_of_older_client_documents
);

#[tokio::test]
async fn the_first_migration_reports_each_index_it_created() {
    checks::the_first_migration_reports_each_index_it_created(&support::required_uri("MONGODB_URI")).await;
}
