//! Connecting platforms against mocks of the stores, the cipher and a platform.

use std::sync::Mutex;

use secrecy::ExposeSecret;

use super::*;
use crate::ports::{Authorization, MockAuthorizationStore, MockClientStore, MockPlatformConnector, MockTokenCipher};
use crate::services::test_support::{self, FixedClock, client_id, user_id};

/// A cipher whose seal shows the field and client it is for, and opens only what it sealed for them.
fn cipher() -> MockTokenCipher {
    let mut cipher = MockTokenCipher::new();
    cipher.expect_seal().returning(|t, c| {
        Ok(SealedToken::new(format!("sealed:{}:{}:{}", c.client, c.field.key(), t.expose_secret().len())))
    });
    cipher.expect_open().returning(|s, c| {
        let prefix = format!("sealed:{}:{}:", c.client, c.field.key());
        s.as_str().strip_prefix(&prefix).map(|_| SecretString::from("opened")).ok_or(CipherError::Corrupt)
    });
    cipher
}

fn connector(platform: Platform) -> MockPlatformConnector {
    let mut api = MockPlatformConnector::new();
    api.expect_platform().return_const(platform);
    api
}

fn service(
    clients: MockClientStore,
    authorizations: MockAuthorizationStore,
    api: MockPlatformConnector,
) -> PlatformService {
    let connectors = Connectors::new([Connector { api: Arc::new(api), redirect_uri: "https://app/cb".into() }]);
    PlatformService::new(
        Arc::new(clients),
        Arc::new(authorizations),
        Arc::new(cipher()),
        Arc::new(FixedClock::default()),
        connectors,
    )
}

fn client(status: ClientStatus) -> Client {
    test_support::client(client_id(1), user_id(1), status)
}

fn grant() -> TokenGrant {
    TokenGrant {
        access_token: SecretString::from("ya29.access"),
        refresh_token: Some(SecretString::from("1//refresh")),
        expires_in: Some(Duration::from_secs(3599)),
        refresh_expires_in: None,
    }
}

fn pending(platform: Platform) -> PendingAuthorization {
    PendingAuthorization {
        state: "state-1".into(),
        user: user_id(1),
        client: client_id(1),
        platform,
        pkce_verifier: Some(SealedToken::new(format!("sealed:{}:pkceVerifier:43", client_id(1)))),
        expires_at: FixedClock::default().0 + STATE_LIFETIME,
    }
}

#[tokio::test]
async fn connecting_starts_with_a_single_use_state_bound_to_the_user_client_and_platform() {
    let mut clients = MockClientStore::new();
    clients.expect_get().returning(|_, _| Ok(Some(client(ClientStatus::Active))));
    let mut api = connector(Platform::GoogleAds);
    api.expect_authorize().withf(|uri| uri == "https://app/cb").returning(|_| {
        Ok(Authorization {
            url: "https://accounts.example/auth?state=state-1".into(),
            state: "state-1".into(),
            pkce_verifier: Some(SecretString::from("v".repeat(43))),
        })
    });
    let mut authorizations = MockAuthorizationStore::new();
    authorizations.expect_save().times(1).withf(|p| *p == pending(Platform::GoogleAds)).returning(|_| Ok(()));
    let url = service(clients, authorizations, api).begin_connect(user_id(1), client_id(1), Platform::GoogleAds).await;
    assert_eq!(url.unwrap(), "https://accounts.example/auth?state=state-1");
}

#[tokio::test]
async fn an_archived_or_unknown_client_or_an_unconfigured_platform_starts_nothing() {
    let mut clients = MockClientStore::new();
    clients.expect_get().returning(|_, id| Ok((id == client_id(1)).then(|| client(ClientStatus::Archived))));
    let mut authorizations = MockAuthorizationStore::new();
    authorizations.expect_save().times(0);
    let service = service(clients, authorizations, connector(Platform::GoogleAds));
    let archived = service.begin_connect(user_id(1), client_id(1), Platform::GoogleAds).await.unwrap_err();
    assert!(matches!(archived, PlatformError::ClientArchived));
    let unknown = service.begin_connect(user_id(1), client_id(2), Platform::GoogleAds).await.unwrap_err();
    assert!(matches!(unknown, PlatformError::NotFound));
}

#[tokio::test]
async fn an_unknown_expired_replayed_or_mismatched_state_stores_nothing() {
    let mut authorizations = MockAuthorizationStore::new();
    let mut taken = false;
    authorizations.expect_take().returning(move |state, _| {
        // Used once: a second take of the same state finds nothing.
        let found = state == "state-1" && !taken;
        taken = true;
        Ok(found.then(|| pending(Platform::MetaAds)))
    });
    let mut clients = MockClientStore::new();
    clients.expect_save_connection().times(0);
    let service = service(clients, authorizations, connector(Platform::GoogleAds));
    let code = || Callback::Code(SecretString::from("code"));
    let wrong_platform = service.complete_connect(Platform::GoogleAds, "state-1", code()).await.unwrap_err();
    assert!(matches!(wrong_platform, PlatformError::InvalidState));
    let replayed = service.complete_connect(Platform::MetaAds, "state-1", code()).await.unwrap_err();
    assert!(matches!(replayed, PlatformError::InvalidState));
    let unknown = service.complete_connect(Platform::GoogleAds, "forged", code()).await.unwrap_err();
    assert!(matches!(unknown, PlatformError::InvalidState));
}

#[tokio::test]
async fn a_declined_consent_stores_nothing_and_says_so() {
    let mut authorizations = MockAuthorizationStore::new();
    authorizations.expect_take().returning(|_, _| Ok(Some(pending(Platform::GoogleAds))));
    let mut clients = MockClientStore::new();
    clients.expect_save_connection().times(0);
    let mut api = connector(Platform::GoogleAds);
    api.expect_exchange().times(0);
    let err = service(clients, authorizations, api)
        .complete_connect(Platform::GoogleAds, "state-1", Callback::Error("access_denied".into()))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("access_denied"), "{err}");
}

#[tokio::test]
async fn a_completed_authorization_stores_only_sealed_tokens_and_waits_for_an_account() {
    let mut authorizations = MockAuthorizationStore::new();
    authorizations.expect_take().returning(|_, _| Ok(Some(pending(Platform::GoogleAds))));
    let mut api = connector(Platform::GoogleAds);
    api.expect_exchange()
        .withf(|code, verifier, uri| {
            code.expose_secret() == "code"
                && verifier.as_ref().is_some_and(|v| v.expose_secret() == "opened")
                && uri == "https://app/cb"
        })
        .returning(|_, _, _| Ok(grant()));
    let stored = Arc::new(Mutex::new(None));
    let seen = stored.clone();
    let mut clients = MockClientStore::new();
    clients.expect_get().returning(|_, _| Ok(Some(client(ClientStatus::Active))));
    clients.expect_save_connection().times(1).returning(move |_, _, c, _| {
        *seen.lock().unwrap() = Some(c.clone());
        Ok(true)
    });
    let connected = service(clients, authorizations, api)
        .complete_connect(Platform::GoogleAds, "state-1", Callback::Code(SecretString::from("code")))
        .await
        .unwrap();
    assert_eq!(connected, Connected { user: user_id(1), client: client_id(1), platform: Platform::GoogleAds });
    let connection = stored.lock().unwrap().clone().unwrap();
    let credentials = connection.credentials.unwrap();
    assert_eq!(credentials.access_token.as_str(), format!("sealed:{}:accessToken:11", client_id(1)));
    assert_eq!(credentials.refresh_token.unwrap().as_str(), format!("sealed:{}:refreshToken:10", client_id(1)));
    assert_eq!(credentials.expires_at, Some(FixedClock::default().0 + TimeDelta::seconds(3599)));
    assert_eq!(connection.account, None, "the user chooses the account next");
    assert_eq!(connection.sync.next_sync_at, None, "nothing to sync before an account is chosen");
}

fn connected_client(expires_at: Option<chrono::DateTime<chrono::Utc>>) -> Client {
    let mut c = client(ClientStatus::Active);
    let credentials = SealedCredentials {
        access_token: SealedToken::new(format!("sealed:{}:accessToken:11", client_id(1))),
        refresh_token: Some(SealedToken::new(format!("sealed:{}:refreshToken:10", client_id(1)))),
        expires_at,
        refresh_expires_at: None,
    };
    c.platforms.insert(Platform::MetaAds, PlatformConnection::authorized(Platform::MetaAds, credentials));
    c
}

fn choices() -> Vec<AccountChoice> {
    vec![AccountChoice {
        account: PlatformAccount::MetaAds { ad_account_id: "act_1029384756".into() },
        name: "Acme".into(),
        currency: None,
    }]
}

#[tokio::test]
async fn only_an_account_the_token_can_see_can_be_chosen_and_it_makes_the_connection_due() {
    let mut clients = MockClientStore::new();
    clients.expect_get().returning(|_, _| Ok(Some(connected_client(None))));
    let updates = Arc::new(Mutex::new(Vec::new()));
    let seen = updates.clone();
    clients.expect_update_connection().returning(move |_, _, _, expected, update, _| {
        seen.lock().unwrap().push((expected.clone(), update.clone()));
        Ok(true)
    });
    let mut api = connector(Platform::MetaAds);
    api.expect_accounts().withf(|t| t.expose_secret() == "opened").returning(|_| Ok(choices()));
    let service = service(clients, MockAuthorizationStore::new(), api);
    let err = service.choose_account(user_id(1), client_id(1), Platform::MetaAds, "act_1").await.unwrap_err();
    assert!(matches!(err, PlatformError::AccountNotVisible { .. }), "{err}");
    service.choose_account(user_id(1), client_id(1), Platform::MetaAds, " act_1029384756 ").await.unwrap();
    let updates = updates.lock().unwrap();
    assert_eq!(updates.len(), 1);
    let (expected, update) = &updates[0];
    assert_eq!(expected.as_str(), format!("sealed:{}:accessToken:11", client_id(1)), "guarded by the current token");
    assert_eq!(update.account, Some(choices()[0].account.clone()));
    assert_eq!(update.next_sync_at, Some(FixedClock::default().0));
    assert_eq!(update.backfilled, Some(false));
}

#[tokio::test]
async fn an_access_token_about_to_expire_is_refreshed_and_stored_guarded_by_the_old_one() {
    let soon = FixedClock::default().0 + TimeDelta::minutes(2);
    let mut clients = MockClientStore::new();
    clients.expect_get().returning(move |_, _| Ok(Some(connected_client(Some(soon)))));
    clients
        .expect_update_connection()
        .times(1)
        .withf(|_, _, _, expected, update, _| {
            expected.as_str().ends_with("accessToken:11")
                && update.credentials.as_ref().is_some_and(|c| {
                    c.access_token.as_str().ends_with("accessToken:9")
                        && c.refresh_token.as_ref().is_some_and(|r| r.as_str().ends_with("refreshToken:10"))
                })
        })
        .returning(|_, _, _, _, _, _| Ok(true));
    let mut api = connector(Platform::MetaAds);
    api.expect_refresh().times(1).returning(|_| {
        Ok(TokenGrant {
            access_token: SecretString::from("renewed!!"),
            refresh_token: None,
            expires_in: Some(Duration::from_secs(3600)),
            refresh_expires_in: None,
        })
    });
    api.expect_accounts().withf(|t| t.expose_secret() == "renewed!!").returning(|_| Ok(choices()));
    let service = service(clients, MockAuthorizationStore::new(), api);
    assert_eq!(service.accounts(user_id(1), client_id(1), Platform::MetaAds).await.unwrap(), choices());
}

#[tokio::test]
async fn a_refresh_that_loses_to_a_disconnect_brings_nothing_back() {
    let expired = FixedClock::default().0 - TimeDelta::minutes(1);
    let mut clients = MockClientStore::new();
    clients.expect_get().returning(move |_, _| Ok(Some(connected_client(Some(expired)))));
    // The guard fails: the connection was disconnected while the refresh was in flight.
    clients.expect_update_connection().returning(|_, _, _, _, _, _| Ok(false));
    let mut api = connector(Platform::MetaAds);
    api.expect_refresh().returning(|_| Ok(grant()));
    api.expect_accounts().times(0);
    let err = service(clients, MockAuthorizationStore::new(), api)
        .accounts(user_id(1), client_id(1), Platform::MetaAds)
        .await
        .unwrap_err();
    assert!(matches!(err, PlatformError::NotConnected(Platform::MetaAds)));
}
