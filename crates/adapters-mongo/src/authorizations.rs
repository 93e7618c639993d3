//! The `oauth_states` collection: the authorizations in progress, one document per `state`, each
//! taken away by the callback that brings its state back, so that a state is used once.
//!
//! ```text
//! { _id: ObjectId, state: String (unique), userId: ObjectId, clientId: ObjectId,
//!   platform: 'googleAnalytics' | 'googleAds' | 'metaAds' | 'linkedinAds',
//!   pkceVerifier?: String (sealed, decision 2), expiresAt: Date (TTL, expireAfterSeconds 0) }
//! ```
//!
//! The TTL index only tidies up: MongoDB's TTL monitor runs about once a minute, and the test
//! servers have none, so [`take`](AuthorizationStore::take) checks `expiresAt` itself.

use async_trait::async_trait;
use bson::oid::ObjectId;
use bson::{Document, doc};
use chrono::{DateTime, Utc};
use domain::ids::{ClientId, UserId};
use domain::ports::{AuthorizationStore, PendingAuthorization, StoreError};
use mongodb::Collection;
use serde::{Deserialize, Serialize};

use crate::convert::{Sealed, bson_date, chrono_date, client_oid, decode, encode_document, user_oid};
use crate::error::store_error;
use crate::figures::parse_platform;

/// Name of the collection.
pub(crate) const COLLECTION: &str = "oauth_states";

/// A pending authorization as stored. Its `Debug` prints no verifier: it is [`Sealed`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct OAuthStateDoc {
    pub state: String,
    pub user_id: ObjectId,
    pub client_id: ObjectId,
    pub platform: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pkce_verifier: Option<Sealed>,
    pub expires_at: bson::DateTime,
}

impl OAuthStateDoc {
    /// The document a pending authorization becomes.
    pub(crate) fn from_domain(pending: &PendingAuthorization) -> Self {
        Self {
            state: pending.state.clone(),
            user_id: user_oid(pending.user),
            client_id: client_oid(pending.client),
            platform: pending.platform.key().to_owned(),
            pkce_verifier: pending.pkce_verifier.as_ref().map(Sealed::of),
            expires_at: bson_date(pending.expires_at),
        }
    }

    /// The pending authorization this document holds.
    pub(crate) fn into_domain(self) -> Result<PendingAuthorization, StoreError> {
        let platform = parse_platform(&self.platform, "an OAuth state")?;
        Ok(PendingAuthorization {
            state: self.state,
            user: UserId::from_bytes(self.user_id.bytes()),
            client: ClientId::from_bytes(self.client_id.bytes()),
            platform,
            pkce_verifier: self.pkce_verifier.map(Sealed::into_token),
            expires_at: chrono_date(self.expires_at),
        })
    }
}

/// [`AuthorizationStore`] on the `oauth_states` collection.
#[derive(Debug, Clone)]
pub struct MongoAuthorizationStore {
    collection: Collection<Document>,
}

impl MongoAuthorizationStore {
    /// A store on this database's `oauth_states` collection.
    pub fn new(database: &mongodb::Database) -> Self {
        Self { collection: database.collection(COLLECTION) }
    }
}

#[async_trait]
impl AuthorizationStore for MongoAuthorizationStore {
    #[tracing::instrument(level = "debug", skip_all, fields(user_id = %pending.user, client_id = %pending.client, platform = %pending.platform))]
    async fn save(&self, pending: &PendingAuthorization) -> Result<(), StoreError> {
        let document = encode_document(&OAuthStateDoc::from_domain(pending))?;
        self.collection.insert_one(document).await.map_err(|e| store_error(e, "saving an OAuth state"))?;
        Ok(())
    }

    // The state is the callback's only credential: it stays out of the span.
    #[tracing::instrument(level = "debug", skip_all)]
    async fn take(&self, state: &str, now: DateTime<Utc>) -> Result<Option<PendingAuthorization>, StoreError> {
        // Found and deleted in one command, so that of two callbacks with the same state only one
        // gets it; an expired state is not taken (the TTL index removes it later, or never on a
        // server without a TTL monitor).
        let taken = self
            .collection
            .find_one_and_delete(doc! { "state": state, "expiresAt": { "$gt": bson_date(now) } })
            .await
            .map_err(|e| store_error(e, "taking an OAuth state"))?;
        taken.map(|document| decode::<OAuthStateDoc>(document, "an OAuth state")?.into_domain()).transpose()
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;
    use domain::cipher::SealedToken;
    use domain::platform::Platform;

    use super::*;

    fn pending() -> PendingAuthorization {
        PendingAuthorization {
            state: "q8Yb3rJx0n2WcTf1".into(),
            user: UserId::parse("64b7f0c2a1b2c3d4e5f60718").unwrap(),
            client: ClientId::parse("64b7f0c2a1b2c3d4e5f60719").unwrap(),
            platform: Platform::LinkedinAds,
            pkce_verifier: Some(SealedToken::new("k1:dmVyaWZpZXI")),
            expires_at: Utc.with_ymd_and_hms(2026, 11, 25, 10, 10, 0).unwrap() + chrono::TimeDelta::milliseconds(7),
        }
    }

    #[test]
    fn a_pending_authorization_becomes_its_document_field_by_field() {
        let expected = doc! {
            "state": "q8Yb3rJx0n2WcTf1",
            "userId": ObjectId::parse_str("64b7f0c2a1b2c3d4e5f60718").unwrap(),
            "clientId": ObjectId::parse_str("64b7f0c2a1b2c3d4e5f60719").unwrap(),
            "platform": "linkedinAds",
            "pkceVerifier": "k1:dmVyaWZpZXI",
            "expiresAt": bson_date(pending().expires_at),
        };
        assert_eq!(bson::to_document(&OAuthStateDoc::from_domain(&pending())).unwrap(), expected);
        let without = PendingAuthorization { pkce_verifier: None, ..pending() };
        let written = bson::to_document(&OAuthStateDoc::from_domain(&without)).unwrap();
        assert!(!written.contains_key("pkceVerifier"), "{written}");
    }

    #[test]
    fn a_document_reads_back_as_the_same_pending_authorization() {
        let document = bson::to_document(&OAuthStateDoc::from_domain(&pending())).unwrap();
        let read: OAuthStateDoc = decode(document, "test").unwrap();
        assert_eq!(read.into_domain().unwrap(), pending());
    }

    #[test]
    fn an_unknown_platform_is_corrupt() {
        let mut document = OAuthStateDoc::from_domain(&pending());
        document.platform = "myspaceAds".into();
        assert!(matches!(document.into_domain(), Err(StoreError::Unexpected(_))));
    }

    #[test]
    fn the_debug_output_holds_no_verifier() {
        let debug = format!("{:?}", OAuthStateDoc::from_domain(&pending()));
        assert!(!debug.contains("dmVyaWZpZXI"), "{debug}");
        assert!(debug.contains("pkce_verifier: Some(Sealed(..))"), "{debug}");
    }
}
