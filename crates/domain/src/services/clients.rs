//! Managing a user's clients.

use std::sync::Arc;

use crate::client::{Client, ClientChanges, ClientStatus, NewClient};
use crate::ids::{ClientId, UserId};
use crate::paging::{ClientCursor, ClientQuery, Page};
use crate::ports::{ClientStore, Clock, IdGenerator, StoreError};
use crate::validation::ValidationError;

/// Why a client action failed.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// The input breaks a rule.
    #[error(transparent)]
    Invalid(#[from] ValidationError),
    /// The user has no such client.
    #[error("client not found")]
    NotFound,
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Creates, reads, changes and archives a user's clients.
#[derive(Clone)]
pub struct ClientService {
    clients: Arc<dyn ClientStore>,
    ids: Arc<dyn IdGenerator>,
    clock: Arc<dyn Clock>,
}

impl ClientService {
    /// A service over these ports.
    pub fn new(clients: Arc<dyn ClientStore>, ids: Arc<dyn IdGenerator>, clock: Arc<dyn Clock>) -> Self {
        Self { clients, ids, clock }
    }

    /// Creates an active client with no platform connected.
    ///
    /// # Errors
    /// [`ClientError::Store`] when the store fails.
    #[tracing::instrument(skip(self, new), fields(user_id = %user))]
    pub async fn create(&self, user: UserId, new: NewClient) -> Result<Client, ClientError> {
        let now = self.clock.now();
        let client = Client {
            id: self.ids.client_id(),
            user_id: user,
            name: new.name,
            email: new.email,
            logo: new.logo,
            time_zone: new.time_zone,
            platforms: std::collections::BTreeMap::new(),
            status: ClientStatus::Active,
            created_at: now,
            updated_at: now,
        };
        self.clients.insert(&client).await?;
        Ok(client)
    }

    /// The user's client.
    ///
    /// # Errors
    /// [`ClientError::NotFound`] when the user has no such client (another user's included).
    #[tracing::instrument(skip(self), fields(user_id = %user))]
    pub async fn get(&self, user: UserId, id: ClientId) -> Result<Client, ClientError> {
        self.clients.get(user, id).await?.ok_or(ClientError::NotFound)
    }

    /// A page of the user's clients, sorted by name.
    ///
    /// # Errors
    /// [`ClientError::Store`] when the store fails.
    #[tracing::instrument(skip(self, query), fields(user_id = %user))]
    pub async fn list(&self, user: UserId, query: &ClientQuery) -> Result<Page<Client, ClientCursor>, ClientError> {
        Ok(self.clients.list(user, query).await?)
    }

    /// Changes some of a client's fields.
    ///
    /// # Errors
    /// [`ClientError::Invalid`] when the change is empty, [`ClientError::NotFound`] when the user has
    /// no such client.
    #[tracing::instrument(skip(self, changes), fields(user_id = %user))]
    pub async fn update(&self, user: UserId, id: ClientId, changes: ClientChanges) -> Result<Client, ClientError> {
        if changes.is_empty() {
            return Err(ValidationError::new("body", "must set at least one of name, email, logo, status").into());
        }
        self.clients.update(user, id, changes, self.clock.now()).await?.ok_or(ClientError::NotFound)
    }

    /// Archives a client: it leaves the active list, its conversations stay readable.
    ///
    /// # Errors
    /// [`ClientError::NotFound`] when the user has no such client.
    #[tracing::instrument(skip(self), fields(user_id = %user))]
    pub async fn archive(&self, user: UserId, id: ClientId) -> Result<Client, ClientError> {
        let changes = ClientChanges { status: Some(ClientStatus::Archived), ..ClientChanges::default() };
        self.clients.update(user, id, changes, self.clock.now()).await?.ok_or(ClientError::NotFound)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::client::ClientName;
    use crate::ports::{MockClientStore, MockIdGenerator};
    use crate::services::test_support::{FixedClock, client_id, user_id};

    fn service(store: MockClientStore) -> ClientService {
        let mut ids = MockIdGenerator::new();
        ids.expect_client_id().return_const(client_id(1));
        ClientService::new(Arc::new(store), Arc::new(ids), Arc::new(FixedClock::default()))
    }

    #[tokio::test]
    async fn created_clients_belong_to_the_caller_and_start_active() {
        let mut store = MockClientStore::new();
        store
            .expect_insert()
            .withf(|c| c.user_id == user_id(7) && c.status == ClientStatus::Active && c.platforms.is_empty())
            .times(1)
            .returning(|_| Ok(()));
        let new = NewClient {
            name: ClientName::new("Acme").unwrap(),
            email: None,
            logo: None,
            time_zone: crate::dates::ClientTimeZone::UTC,
        };
        let client = service(store).create(user_id(7), new).await.unwrap();
        assert_eq!(client.id, client_id(1));
        assert_eq!(client.name.as_str(), "Acme");
    }

    // That another user's client is not found is checked over the real in-memory store, with that
    // client in it, in `tests/use_cases.rs`: a mock answering `None` here could not fail.

    #[tokio::test]
    async fn an_empty_change_is_rejected_before_the_store_is_asked() {
        let store = MockClientStore::new(); // any call would panic
        let err = service(store).update(user_id(1), client_id(1), ClientChanges::default()).await.unwrap_err();
        assert!(matches!(err, ClientError::Invalid(e) if e.field() == "body"));
    }

    #[tokio::test]
    async fn archiving_sets_the_archived_status() {
        let mut store = MockClientStore::new();
        store
            .expect_update()
            .withf(|_, _, changes, _| changes.status == Some(ClientStatus::Archived) && changes.name.is_none())
            .returning(|_, _, _, _| Ok(None));
        let err = service(store).archive(user_id(1), client_id(1)).await.unwrap_err();
        assert!(matches!(err, ClientError::NotFound));
    }
}
