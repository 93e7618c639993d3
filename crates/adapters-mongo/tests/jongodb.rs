//! What CongoDB cannot show, on jongodb (`JONGO_URI`), which enforces unique indexes and lists index
//! options faithfully (but rejects `$push` and aggregation expressions, so the contract cannot run
//! on it): the index migration, and duplicate keys becoming `AlreadyExists`. (It cannot drop an
//! index, so replacing one is checked on CongoDB; its `findAndModify` is not isolated under
//! concurrency, so concurrent counters are checked on CongoDB too.)

mod support;

use support::checks;

/// Fresh stores on a new jongodb database, indexes migrated.
async fn jongo() -> adapters_mongo::MongoStores {
    support::fresh_mongo(&support::required_uri("JONGO_URI")).await
}

/// One test per check, each on fresh jongodb stores.
macro_rules! on_jongodb {
    ($($check:ident)*) => {
        $(
            #[tokio::test(flavor = "multi_thread")]
            async fn $check() {
                checks::$check(&jongo().await).await;
            }
        )*
    };
}

on_jongodb!(
    the_server_answers_a_ping
    migrate_creates_every_index_with_its_exact_options
    migrating_again_changes_nothing
    a_duplicate_key_from_the_server_is_already_exists
    the_unique_conversation_id_index_refuses_a_second_document
    concurrent_inserts_of_one_conversation_store_it_once
    concurrent_acquires_of_a_new_lease_grant_it_once
);

#[tokio::test]
async fn the_first_migration_reports_each_index_it_created() {
    checks::the_first_migration_reports_each_index_it_created(&support::required_uri("JONGO_URI")).await;
}
