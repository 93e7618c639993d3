//! The storage ports' contract, and every server check of `support/checks.rs`, against a real
//! MongoDB (`MONGODB_URI`: Atlas, a local `mongod` or a container), each test on a fresh database.
//! Without `MONGODB_URI` every test returns at once after a note: no real server can be installed
//! on the project's machines, so this suite is for whoever has one (docs/testing.md).

mod support;

use support::checks;

store_contract::contract_tests!({
    let Some(uri) = support::optional_uri("MONGODB_URI") else {
        return;
    };
    std::future::ready(support::contract_stores(&support::fresh_mongo(&uri).await))
});

/// One test per check, each on fresh stores of the real server, or skipped without one.
macro_rules! on_mongodb {
    ($($check:ident)*) => {
        $(
            #[tokio::test(flavor = "multi_thread")]
            async fn $check() {
                let Some(uri) = support::optional_uri("MONGODB_URI") else {
                    return;
                };
                checks::$check(&support::fresh_mongo(&uri).await).await;
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
    migrate_replaces_indexes_whose_options_differ_and_drops_the_createdat_ttl
);

#[tokio::test]
async fn the_first_migration_reports_each_index_it_created() {
    if let Some(uri) = support::optional_uri("MONGODB_URI") {
        checks::the_first_migration_reports_each_index_it_created(&uri).await;
    }
}
