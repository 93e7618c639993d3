//! Connecting platforms on `MongoDB` with two replicas: an authorization started on one replica
//! completes on the other (its state is in the database), and the due connections are spread over
//! the replicas by leases, each synced exactly once.

use std::sync::atomic::Ordering;

use black_box_tests::ok_json;
use black_box_tests::platforms::{
    begin, callback, config_at, counted_google_ads_figures, first_sync, google_ads_accounts, google_token,
    update_stored_connection,
};
use chrono::{TimeDelta, Utc};
use domain::platform::Platform;
use domain::ports::ConnectionUpdate;
use reqwest::Method;
use serde_json::json;
use wiremock::MockServer;

use crate::support::{fresh_database, spawn_replica};

#[tokio::test]
async fn two_replicas_share_authorizations_and_sync_each_due_connection_once() {
    let server = MockServer::start().await;
    google_token(&server, "ya29.first", 3599).await;
    google_ads_accounts(&server).await;
    let fetches = counted_google_ads_figures(&server).await;
    let platforms = config_at(&server).platforms;
    let database = fresh_database();
    let a = spawn_replica(&database, |c| c.platforms = platforms.clone(), |p| p).await;
    let b = spawn_replica(&database, |c| c.platforms = platforms, |p| p).await.with_users_of(&a);

    let mut clients = Vec::new();
    for n in 0..5 {
        let client = a.create_client(&format!("Client {n}")).await["id"].as_str().unwrap().to_owned();
        // Started on A, completed on B, the account picked on A.
        let state = begin(&a, &client, "googleAds").await;
        let outcome = ok_json(callback(&b, "googleAds", &format!("code=c&state={state}")).await).await;
        assert_eq!(outcome["connection"], "connected", "{outcome}");
        let picked = a
            .request(Method::PUT, &format!("/v1/clients/{client}/platforms/googleAds/account"))
            .json(&json!({ "customerId": "1234567890" }))
            .send()
            .await
            .unwrap();
        ok_json(picked).await;
        assert_eq!(first_sync(&a, &client, "googleAds").await["status"], "active");
        clients.push(client);
    }

    let due = ConnectionUpdate { next_sync_at: Some(Utc::now() - TimeDelta::minutes(1)), ..Default::default() };
    for client in &clients {
        update_stored_connection(&a, client, Platform::GoogleAds, &due).await;
    }
    let before = fetches.load(Ordering::SeqCst);
    let (synced_a, synced_b) = tokio::join!(a.services.sync.run_due(), b.services.sync.run_due());
    let (synced_a, synced_b) = (synced_a.unwrap(), synced_b.unwrap());
    assert_eq!(synced_a + synced_b, clients.len(), "each due connection is synced by one replica");
    assert_eq!(fetches.load(Ordering::SeqCst) - before, clients.len(), "one request per connection");
    for client in &clients {
        let summary = first_sync(&b, client, "googleAds").await;
        assert_eq!(summary["status"], "active");
        let next = chrono::DateTime::parse_from_rfc3339(summary["nextSyncAt"].as_str().unwrap()).unwrap();
        assert!(next > Utc::now() + TimeDelta::hours(5), "the lease is released with the next sync time: {summary}");
    }
}
