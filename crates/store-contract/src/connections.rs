//! Contracts of the guarded connection writes of [`ClientStore`](domain::ports::ClientStore):
//! `update_connection` and `lease_sync`.

use domain::client::Client;
use domain::platform::{ConnectionStatus, Platform, PlatformConnection, SealedCredentials};
use domain::ports::ConnectionUpdate;

use crate::Stores;
use crate::fixtures::{account, at, authorized, client, client_id, data, full_client, scheduled, sealed, user};

/// The client as the store holds it now.
async fn stored(stores: &Stores, owner: domain::ids::UserId, client: &Client) -> Client {
    stores.clients.get(owner, client.id).await.unwrap().expect("the client exists")
}

/// A status change, the smallest update.
fn status(reason: &str) -> ConnectionUpdate {
    ConnectionUpdate { status: Some((ConnectionStatus::Error, Some(reason.to_owned()))), ..ConnectionUpdate::default() }
}

/// An update applies while the connection is connected with the expected access token; after a
/// disconnect, or a reconnect with another token, it is refused and writes nothing.
pub async fn update_connection_applies_only_while_connected_with_the_expected_token(stores: Stores) {
    let owner = user(1);
    let acme = client(owner, 1, "Acme Corp");
    stores.clients.insert(&acme).await.unwrap();
    let platform = Platform::GoogleAds;
    let first = scheduled(platform, "first", Some(at(0)));
    assert!(stores.clients.save_connection(owner, acme.id, &first, at(1)).await.unwrap());

    let update = status("the Google Ads API is not enabled");
    assert!(
        stores.clients.update_connection(owner, acme.id, platform, &sealed("first"), &update, at(2)).await.unwrap()
    );
    let mut expected = PlatformConnection {
        status: ConnectionStatus::Error,
        status_reason: Some("the Google Ads API is not enabled".into()),
        ..first.clone()
    };
    let read = stored(&stores, owner, &acme).await;
    assert_eq!(read.platforms[&platform], expected);
    assert_eq!(read.updated_at, at(2));

    // A wrong token is refused.
    let wrong = status("never written");
    assert!(
        !stores.clients.update_connection(owner, acme.id, platform, &sealed("other"), &wrong, at(3)).await.unwrap()
    );
    assert_eq!(stored(&stores, owner, &acme).await.platforms[&platform], expected);

    // A disconnect in between: the sync that read the connection before writes nothing back.
    let off = expected.clone().disconnected();
    assert!(stores.clients.save_connection(owner, acme.id, &off, at(4)).await.unwrap());
    let late = ConnectionUpdate {
        credentials: Some(SealedCredentials {
            access_token: sealed("refreshed"),
            refresh_token: None,
            expires_at: Some(at(60)),
            refresh_expires_at: None,
        }),
        synced: Some((data(platform), at(5))),
        next_sync_at: Some(at(65)),
        ..status("never written")
    };
    assert!(!stores.clients.update_connection(owner, acme.id, platform, &sealed("first"), &late, at(5)).await.unwrap());
    let read = stored(&stores, owner, &acme).await;
    assert_eq!(read.platforms[&platform], off, "nothing is written to a disconnected connection");
    assert_eq!(read.updated_at, at(4));

    // A reconnect with another token: the old token's writes are refused, the new one's apply.
    let second = PlatformConnection { account: Some(account(platform, 1)), ..authorized(platform, "second") };
    assert!(stores.clients.save_connection(owner, acme.id, &second, at(6)).await.unwrap());
    assert!(!stores.clients.update_connection(owner, acme.id, platform, &sealed("first"), &late, at(7)).await.unwrap());
    assert_eq!(stored(&stores, owner, &acme).await.platforms[&platform], second);
    assert!(
        stores.clients.update_connection(owner, acme.id, platform, &sealed("second"), &update, at(8)).await.unwrap()
    );
    expected = PlatformConnection {
        status: ConnectionStatus::Error,
        status_reason: Some("the Google Ads API is not enabled".into()),
        ..second
    };
    assert_eq!(stored(&stores, owner, &acme).await.platforms[&platform], expected);

    // A platform the client never connected.
    let meta = Platform::MetaAds;
    assert!(!stores.clients.update_connection(owner, acme.id, meta, &sealed("second"), &update, at(9)).await.unwrap());
    assert!(!stored(&stores, owner, &acme).await.platforms.contains_key(&meta), "no connection is made up");
}

/// Each field of an update is written on its own; everything it does not name stays as it was,
/// on this connection and on the client's other ones.
pub async fn update_connection_writes_only_the_fields_it_names(stores: Stores) {
    let owner = user(1);
    let acme = full_client(owner, 1, "Acme Corp");
    stores.clients.insert(&acme).await.unwrap();
    let platform = Platform::GoogleAnalytics;
    let mut expected = acme.clone();
    let token = sealed("ga-access");
    let apply = |update: ConnectionUpdate, token: domain::cipher::SealedToken, minute: i64| {
        let stores = stores.clone();
        async move {
            assert!(
                stores.clients.update_connection(owner, acme.id, platform, &token, &update, at(minute)).await.unwrap(),
                "{update:?}"
            );
        }
    };
    // A lease taken before the updates, to see which of them release it.
    assert!(stores.clients.lease_sync(owner, acme.id, platform, "replica-a", at(10), at(20)).await.unwrap());
    let ga = expected.platforms.get_mut(&platform).unwrap();
    ga.sync.lease = Some(("replica-a".into(), at(20)));

    apply(status("GA4 refused the call (403)"), token.clone(), 11).await;
    let ga = expected.platforms.get_mut(&platform).unwrap();
    ga.status = ConnectionStatus::Error;
    ga.status_reason = Some("GA4 refused the call (403)".into());
    expected.updated_at = at(11);
    assert_eq!(stored(&stores, owner, &acme).await, expected, "status only");

    let cleared = ConnectionUpdate { status: Some((ConnectionStatus::Active, None)), ..ConnectionUpdate::default() };
    apply(cleared, token.clone(), 12).await;
    let ga = expected.platforms.get_mut(&platform).unwrap();
    ga.status = ConnectionStatus::Active;
    ga.status_reason = None;
    expected.updated_at = at(12);
    assert_eq!(stored(&stores, owner, &acme).await, expected, "a cleared reason is gone");

    let refreshed = SealedCredentials {
        access_token: sealed("ga-access-2"),
        refresh_token: None,
        expires_at: Some(at(75)),
        refresh_expires_at: Some(at(900)),
    };
    let credentials = ConnectionUpdate { credentials: Some(refreshed.clone()), ..ConnectionUpdate::default() };
    apply(credentials, token.clone(), 13).await;
    let ga = expected.platforms.get_mut(&platform).unwrap();
    ga.credentials = Some(refreshed);
    expected.updated_at = at(13);
    assert_eq!(stored(&stores, owner, &acme).await, expected, "credentials only, replaced as a whole");
    let token = sealed("ga-access-2");

    let chosen = account(platform, 7);
    apply(ConnectionUpdate { account: Some(chosen.clone()), ..ConnectionUpdate::default() }, token.clone(), 14).await;
    let ga = expected.platforms.get_mut(&platform).unwrap();
    ga.account = Some(chosen);
    expected.updated_at = at(14);
    assert_eq!(stored(&stores, owner, &acme).await, expected, "account only");

    let mut figures = data(platform);
    if let domain::platform::PlatformData::GoogleAnalytics(report) = &mut figures {
        report.metrics.sessions += 1;
    }
    apply(
        ConnectionUpdate { synced: Some((figures.clone(), at(15))), ..ConnectionUpdate::default() },
        token.clone(),
        16,
    )
    .await;
    let ga = expected.platforms.get_mut(&platform).unwrap();
    ga.data = Some(figures);
    ga.last_sync = Some(at(15));
    expected.updated_at = at(16);
    assert_eq!(stored(&stores, owner, &acme).await, expected, "figures and their sync time only");

    apply(ConnectionUpdate { backfilled: Some(false), ..ConnectionUpdate::default() }, token.clone(), 17).await;
    let ga = expected.platforms.get_mut(&platform).unwrap();
    ga.sync.backfilled = false;
    expected.updated_at = at(17);
    assert_eq!(stored(&stores, owner, &acme).await, expected, "back-fill flag only; the lease stays");

    apply(ConnectionUpdate { next_sync_at: Some(at(375)), ..ConnectionUpdate::default() }, token.clone(), 18).await;
    let ga = expected.platforms.get_mut(&platform).unwrap();
    ga.sync.next_sync_at = Some(at(375));
    ga.sync.lease = None;
    expected.updated_at = at(18);
    assert_eq!(stored(&stores, owner, &acme).await, expected, "the next sync time, which releases the lease");

    apply(ConnectionUpdate::default(), token, 19).await;
    expected.updated_at = at(19);
    assert_eq!(stored(&stores, owner, &acme).await, expected, "an empty update changes only updated_at");
}

/// Another user's client, or a client that does not exist, is neither updated nor leased.
pub async fn connection_writes_to_another_users_client_are_refused(stores: Stores) {
    let (owner, stranger) = (user(1), user(2));
    let acme = full_client(owner, 1, "Acme Corp");
    stores.clients.insert(&acme).await.unwrap();
    let platform = Platform::MetaAds;
    let token = sealed("meta-access");
    let update = ConnectionUpdate { next_sync_at: Some(at(1)), ..status("never written") };

    assert!(!stores.clients.update_connection(stranger, acme.id, platform, &token, &update, at(1)).await.unwrap());
    assert!(!stores.clients.lease_sync(stranger, acme.id, platform, "replica-a", at(1), at(10)).await.unwrap());
    assert!(!stores.clients.update_connection(owner, client_id(9), platform, &token, &update, at(1)).await.unwrap());
    assert!(!stores.clients.lease_sync(owner, client_id(9), platform, "replica-a", at(1), at(10)).await.unwrap());
    assert_eq!(stored(&stores, owner, &acme).await, acme);
}

/// A sync lease has one holder until it expires (at `until`, from which instant anyone may take
/// it); its holder may renew it; a disconnected or missing connection cannot be leased; writing
/// the next sync time releases it.
pub async fn a_sync_lease_is_exclusive_until_it_expires(stores: Stores) {
    let owner = user(1);
    let acme = client(owner, 1, "Acme Corp");
    stores.clients.insert(&acme).await.unwrap();
    let platform = Platform::LinkedinAds;
    let on = scheduled(platform, "li", Some(at(0)));
    assert!(stores.clients.save_connection(owner, acme.id, &on, at(0)).await.unwrap());
    let lease = |holder: &'static str, now: i64, until: i64| {
        let stores = stores.clone();
        async move { stores.clients.lease_sync(owner, acme.id, platform, holder, at(now), at(until)).await.unwrap() }
    };

    assert!(lease("replica-a", 1, 11).await);
    assert!(!lease("replica-b", 2, 12).await);
    assert!(lease("replica-a", 5, 15).await, "the holder renews it");
    assert!(!lease("replica-b", 14, 24).await, "the renewed lease still holds");
    let read = stored(&stores, owner, &acme).await;
    assert_eq!(read.platforms[&platform].sync.lease, Some(("replica-a".to_owned(), at(15))));
    assert_eq!(read.updated_at, at(0), "a lease is not a change of the client");
    assert!(lease("replica-b", 15, 25).await, "an expired lease is free");
    assert!(!lease("replica-a", 16, 26).await);

    let release = ConnectionUpdate { next_sync_at: Some(at(360)), ..ConnectionUpdate::default() };
    assert!(stores.clients.update_connection(owner, acme.id, platform, &sealed("li"), &release, at(17)).await.unwrap());
    assert_eq!(stored(&stores, owner, &acme).await.platforms[&platform].sync.lease, None);
    assert!(lease("replica-a", 18, 28).await, "a released lease is free");

    let off = on.disconnected();
    assert!(stores.clients.save_connection(owner, acme.id, &off, at(19)).await.unwrap());
    assert!(!lease("replica-c", 40, 50).await, "a disconnected connection is not leased");
    assert_eq!(stored(&stores, owner, &acme).await.platforms[&platform], off);
    let other = Platform::GoogleAds;
    assert!(!stores.clients.lease_sync(owner, acme.id, other, "replica-c", at(40), at(50)).await.unwrap());
}
