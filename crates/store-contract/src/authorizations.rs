//! Contracts of [`AuthorizationStore`](domain::ports::AuthorizationStore).

use std::sync::Arc;

use domain::platform::Platform;

use crate::fixtures::{at, client_id, pending, user};
use crate::{Stores, in_parallel};

/// A saved authorization is taken once, every field as saved; a second take finds nothing, and an
/// unknown state is nothing too.
pub async fn an_authorization_is_taken_once(stores: Stores) {
    let auth = &stores.authorizations;
    let google = pending("state-google-1", user(1), client_id(1), Platform::GoogleAnalytics, 10);
    let meta = pending("state-meta-1", user(2), client_id(2), Platform::MetaAds, 10);
    auth.save(&google).await.unwrap();
    auth.save(&meta).await.unwrap();

    assert_eq!(auth.take("state-unknown", at(0)).await.unwrap(), None);
    assert_eq!(auth.take("state-google-1", at(0)).await.unwrap(), Some(google));
    assert_eq!(auth.take("state-google-1", at(1)).await.unwrap(), None, "a state is used once");
    let taken = auth.take("state-meta-1", at(2)).await.unwrap();
    assert_eq!(taken.as_ref().map(|p| p.pkce_verifier.is_none()), Some(true), "Meta has no PKCE verifier");
    assert_eq!(taken, Some(meta));
}

/// An authorization is not taken from its expiry instant on.
pub async fn an_expired_authorization_is_not_taken(stores: Stores) {
    let auth = &stores.authorizations;
    auth.save(&pending("state-late", user(1), client_id(1), Platform::LinkedinAds, 10)).await.unwrap();
    auth.save(&pending("state-edge", user(1), client_id(1), Platform::GoogleAds, 10)).await.unwrap();
    auth.save(&pending("state-in-time", user(1), client_id(1), Platform::GoogleAds, 10)).await.unwrap();
    assert_eq!(auth.take("state-late", at(11)).await.unwrap(), None);
    assert_eq!(auth.take("state-edge", at(10)).await.unwrap(), None);
    assert!(auth.take("state-in-time", at(9)).await.unwrap().is_some());
}

/// Ten callbacks bringing the same state back at once: exactly one gets it.
pub async fn concurrent_takes_of_a_state_give_it_once(stores: Stores) {
    let saved = pending("state-raced", user(1), client_id(1), Platform::GoogleAds, 10);
    stores.authorizations.save(&saved).await.unwrap();
    let callbacks = (0..10)
        .map(|_| {
            let auth = Arc::clone(&stores.authorizations);
            async move { auth.take("state-raced", at(0)).await.unwrap() }
        })
        .collect();
    let taken: Vec<_> = in_parallel(callbacks).await.into_iter().flatten().collect();
    assert_eq!(taken, vec![saved]);
}
