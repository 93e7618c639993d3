//! What CongoDB cannot show, on jongodb (`JONGO_URI`), which enforces unique indexes and lists index
//! options faithfully (but rejects `$push` and aggregation expressions, so the whole contract cannot
//! run on it): the index migration, and duplicate keys becoming `AlreadyExists`. (It cannot drop an
//! index, so replacing one is checked on CongoDB; its `findAndModify` is not isolated under
//! concurrency, so concurrent counters are checked on CongoDB too.) The daily figures' contracts,
//! which need only upserts and finds, run here as well, so that store is checked on two servers; so
//! do the client name search's, a range on `nameKey`.

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
    daily_documents_on_the_server_have_their_field_types
    concurrent_first_saves_of_one_day_store_one_document
    migrate_backfills_the_name_key_of_older_client_documents
);

#[tokio::test]
async fn the_first_migration_reports_each_index_it_created() {
    checks::the_first_migration_reports_each_index_it_created(&support::required_uri("JONGO_URI")).await;
}

/// The daily figures' contracts, on fresh jongodb stores: the collection needs only upserts and
/// finds, which jongodb runs, so its range reads and replacements are checked on a second server.
macro_rules! daily_contracts_on_jongodb {
    ($($contract:ident)*) => {
        $(
            #[tokio::test(flavor = "multi_thread")]
            async fn $contract() {
                store_contract::daily::$contract(jongo().await.ports()).await;
            }
        )*
    };
}

daily_contracts_on_jongodb!(
    daily_records_round_trip_every_field
    saving_the_same_day_again_replaces_it
    daily_ranges_are_inclusive_and_oldest_first
    daily_records_are_invisible_to_other_users_and_clients
    a_range_longer_than_the_limit_reads_only_its_last_days
    saving_no_daily_records_is_fine
    concurrent_daily_saves_of_different_days_all_land
);

/// The name search's contracts, on fresh jongodb stores: a range on `nameKey` needs no aggregation
/// expression, so the search (and its back-fill, above) is checked on a second server as well.
macro_rules! client_search_contracts_on_jongodb {
    ($($contract:ident)*) => {
        $(
            #[tokio::test(flavor = "multi_thread")]
            async fn $contract() {
                store_contract::clients::$contract(jongo().await.ports()).await;
            }
        )*
    };
}

client_search_contracts_on_jongodb!(
    name_prefix_search_ignores_case
    name_prefix_is_matched_literally
    name_prefix_with_a_nul_finds_nothing
    name_prefix_with_pattern_characters_matches_them_literally
    name_prefix_search_ignores_unicode_case
    name_prefix_without_a_match_is_an_empty_page
    a_renamed_client_is_searched_by_its_new_name
);
