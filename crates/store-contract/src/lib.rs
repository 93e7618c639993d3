//! The storage ports' contract: one behaviour suite that every storage adapter must pass, so that the
//! in-memory stores and the Mongo stores behave the same.
//!
//! Each contract is a `pub async fn` taking fresh, empty [`Stores`] and panicking on the first
//! behaviour that breaks what the port promises. A backend runs all of them, one test each, with
//! [`contract_tests!`]:
//!
//! ```no_run
//! // crates/adapters-xyz/tests/contract.rs
//! async fn fresh_stores() -> store_contract::Stores {
//!     // Build empty stores: a new database for a real backend.
//!     # unimplemented!()
//! }
//!
//! store_contract::contract_tests!(fresh_stores());
//! # fn main() {}
//! ```
//!
//! A backend whose stores need no `.await` to build passes `async { fresh_stores() }`.
//!
//! The macro needs no dev-dependency besides `store-contract`: each test builds its own
//! multi-threaded Tokio runtime, so the concurrency contracts run truly in parallel.
//!
//! Instants come from [`fixtures`]: all in 2099 and with milliseconds, the precision Mongo keeps.

// Every contract is a list of assertions: panicking on a broken behaviour is its whole job.
#![allow(clippy::missing_panics_doc)]

pub mod authorizations;
pub mod clients;
pub mod connections;
pub mod conversations;
pub mod daily;
pub mod demo;
pub mod fixtures;
pub mod job_lock;
pub mod rate_limits;
pub mod snapshots;
pub mod sync_queue;
pub mod users;

use std::future::Future;

/// One implementation of every storage port; each contract takes fresh, empty ones.
pub use domain::ports::Stores;

/// Runs every future at once, each on its own Tokio task (so on several threads under a
/// multi-threaded runtime), and returns their outputs in order.
pub async fn in_parallel<T: Send + 'static>(futures: Vec<impl Future<Output = T> + Send + 'static>) -> Vec<T> {
    let tasks = futures.into_iter().map(tokio::spawn);
    futures::future::join_all(tasks)
        .await
        .into_iter()
        .map(|joined| joined.expect("a concurrent store call panicked"))
        .collect()
}

#[doc(hidden)]
pub mod __private {
    use std::future::Future;

    /// Runs one contract on a fresh multi-threaded runtime; what [`crate::contract_tests!`] expands to.
    pub fn run(contract: impl Future<Output = ()>) {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(4)
            .enable_all()
            .build()
            .expect("a Tokio runtime for the contract")
            .block_on(contract);
    }
}

/// Expands to one `#[test]` per contract, named after it, each calling `$factory` (an async
/// expression giving fresh, empty [`Stores`]) and running the contract on a fresh Tokio runtime.
///
/// Invoke it at module level of a test target: `store_contract::contract_tests!(fresh_stores());`.
#[macro_export]
macro_rules! contract_tests {
    ($factory:expr) => {
        $crate::contract_tests!(@each ($factory)
            clients::client_round_trips_every_field
            clients::inserting_a_client_id_twice_is_refused
            clients::clients_are_invisible_to_other_users
            clients::client_list_pages_by_name_with_a_cursor
            clients::client_list_filters_by_status
            clients::name_prefix_search_ignores_case
            clients::name_prefix_is_matched_literally
            clients::name_prefix_with_a_nul_finds_nothing
            clients::name_prefix_with_pattern_characters_matches_them_literally
            clients::name_prefix_search_ignores_unicode_case
            clients::name_prefix_without_a_match_is_an_empty_page
            clients::a_renamed_client_is_searched_by_its_new_name
            clients::client_update_changes_only_what_it_names
            clients::connections_round_trip_with_every_field
            clients::disconnecting_keeps_the_account_and_figures_but_no_tokens
            connections::update_connection_applies_only_while_connected_with_the_expected_token
            connections::update_connection_writes_only_the_fields_it_names
            connections::connection_writes_to_another_users_client_are_refused
            connections::a_sync_lease_is_exclusive_until_it_expires
            sync_queue::claim_due_takes_only_due_connected_connections_with_an_account
            sync_queue::claim_due_respects_its_limit
            sync_queue::concurrent_claims_never_take_the_same_connection
            authorizations::an_authorization_is_taken_once
            authorizations::an_expired_authorization_is_not_taken
            authorizations::concurrent_takes_of_a_state_give_it_once
            conversations::conversation_round_trips_every_field
            conversations::inserting_a_conversation_id_twice_is_refused
            conversations::conversations_are_invisible_to_other_users
            conversations::listing_never_returns_deleted_and_sorts_by_last_message
            conversations::conversation_list_filters_by_client_and_status
            conversations::conversation_update_changes_title_and_status
            conversations::a_deleted_conversation_is_visible_only_to_get
            conversations::message_pages_go_back_with_before
            conversations::history_reads_role_and_text_before_a_message
            conversations::append_updates_counters_and_reactivates_archived
            conversations::append_refuses_past_the_cap
            conversations::releasing_an_answer_frees_its_place
            conversations::concurrent_appends_lose_nothing
            conversations::concurrent_appends_never_pass_the_cap
            conversations::append_refuses_past_the_byte_budget
            conversations::concurrent_questions_never_pass_the_byte_budget
            conversations::answers_round_trip_their_working
            conversations::feedback_only_on_assistant_messages
            conversations::retention_archives_idle_and_purges_old_deleted
            users::an_unknown_user_reads_as_the_defaults
            users::user_activity_accumulates
            users::concurrent_activity_is_counted_exactly
            users::preferences_round_trip_and_leave_the_stats_alone
            demo::demo_data_seeds_once
            snapshots::snapshots_round_trip
            snapshots::snapshot_lists_put_the_newest_range_first
            daily::daily_records_round_trip_every_field
            daily::saving_the_same_day_again_replaces_it
            daily::daily_ranges_are_inclusive_and_oldest_first
            daily::daily_records_are_invisible_to_other_users_and_clients
            daily::a_range_longer_than_the_limit_reads_only_its_last_days
            daily::saving_no_daily_records_is_fine
            daily::concurrent_daily_saves_of_different_days_all_land
            rate_limits::rate_limit_counts_per_window_and_user
            rate_limits::concurrent_rate_limit_hits_are_exact
            job_lock::job_lock_has_one_holder_until_expiry
            job_lock::releasing_frees_the_lease_only_for_its_holder
            job_lock::concurrent_acquires_grant_the_lease_once
        );
    };
    (@each ($factory:expr) $($module:ident :: $contract:ident)*) => {
        $(
            #[test]
            fn $contract() {
                $crate::__private::run(async { $crate::$module::$contract($factory.await).await });
            }
        )*
    };
}

#[cfg(test)]
mod tests {
    /// Every `pub async fn` of the contract modules, as `module::name`.
    fn contracts() -> Vec<String> {
        let modules = [
            ("clients", include_str!("clients.rs")),
            ("connections", include_str!("connections.rs")),
            ("sync_queue", include_str!("sync_queue.rs")),
            ("authorizations", include_str!("authorizations.rs")),
            ("conversations", include_str!("conversations.rs")),
            ("users", include_str!("users.rs")),
            ("demo", include_str!("demo.rs")),
            ("snapshots", include_str!("snapshots.rs")),
            ("daily", include_str!("daily.rs")),
            ("rate_limits", include_str!("rate_limits.rs")),
            ("job_lock", include_str!("job_lock.rs")),
        ];
        modules
            .iter()
            .flat_map(|(module, source)| {
                source.lines().filter_map(move |line| {
                    let name = line.strip_prefix("pub async fn ")?.split('(').next()?;
                    Some(format!("{module}::{name}"))
                })
            })
            .collect()
    }

    #[test]
    fn the_macro_runs_every_contract() {
        let source = include_str!("lib.rs");
        let start = source.find("macro_rules! contract_tests").unwrap();
        let end = start + source[start..].find("(@each ($factory:expr) $(").unwrap();
        let listed: Vec<&str> = source[start..end]
            .lines()
            .map(str::trim)
            .filter(|l| l.contains("::") && l.chars().all(|c| c.is_ascii_lowercase() || c == '_' || c == ':'))
            .collect();
        let contracts = contracts();
        assert!(contracts.len() > 30, "found only {contracts:?}");
        assert_eq!(listed, contracts, "contract_tests! must list every contract, in file order");
    }
}
