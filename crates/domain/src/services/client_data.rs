//! The figures the analyst sees for a client.

use std::sync::Arc;

use crate::analyst::{ClientDataView, SourceData};
use crate::client::Client;
use crate::ids::{ClientId, UserId};
use crate::ports::{ClientStore, DemoDataStore, StoreError};
use crate::services::clients::ClientError;

/// Builds a client's [`ClientDataView`]: its connected platforms' latest figures, or demo data.
#[derive(Clone)]
pub struct ClientDataService {
    clients: Arc<dyn ClientStore>,
    demo: Arc<dyn DemoDataStore>,
}

impl ClientDataService {
    /// A service over these ports.
    pub fn new(clients: Arc<dyn ClientStore>, demo: Arc<dyn DemoDataStore>) -> Self {
        Self { clients, demo }
    }

    /// The figures of the user's client.
    ///
    /// # Errors
    /// [`ClientError::NotFound`] when the user has no such client.
    #[tracing::instrument(skip(self), fields(user_id = %user))]
    pub async fn view(&self, user: UserId, id: ClientId) -> Result<ClientDataView, ClientError> {
        let client = self.clients.get(user, id).await?.ok_or(ClientError::NotFound)?;
        Ok(self.view_of(&client).await?)
    }

    /// The figures of a client already loaded: demo data when no platform is connected (decision 8).
    /// A connected platform that has not synced yet contributes nothing, so the analyst can say so
    /// instead of passing demo figures off as the client's.
    ///
    /// # Errors
    /// [`StoreError`] when demo data cannot be read.
    pub async fn view_of(&self, client: &Client) -> Result<ClientDataView, StoreError> {
        if client.platforms.values().any(|c| c.connected) {
            let sources = client
                .serving_connections()
                .filter_map(|c| c.data.clone().map(|data| SourceData { data, last_sync: c.last_sync }))
                .collect();
            return Ok(ClientDataView { client_name: client.name.as_str().to_owned(), demo: false, sources });
        }
        let demo = self.demo.all().await?;
        Ok(ClientDataView {
            client_name: client.name.as_str().to_owned(),
            demo: true,
            sources: demo.into_iter().map(|data| SourceData { data, last_sync: None }).collect(),
        })
    }
}
