//! Connecting and disconnecting a client's platforms (what a sync brings is recorded by
//! [`crate::services::figures`]).

use std::sync::Arc;

use crate::client::Client;
use crate::ids::{ClientId, UserId};
use crate::platform::{ConnectionStatus, Platform, PlatformAccount, PlatformConnection, SealedCredentials};
use crate::ports::{ClientStore, Clock, TokenCipher, TokenGrant};
use crate::services::clients::ClientError;

/// Manages a client's platform connections; tokens are sealed before they reach the store.
#[derive(Clone)]
pub struct PlatformService {
    clients: Arc<dyn ClientStore>,
    cipher: Arc<dyn TokenCipher>,
    clock: Arc<dyn Clock>,
}

impl PlatformService {
    /// A service over these ports.
    pub fn new(clients: Arc<dyn ClientStore>, cipher: Arc<dyn TokenCipher>, clock: Arc<dyn Clock>) -> Self {
        Self { clients, cipher, clock }
    }

    /// Connects (or reconnects) an account with freshly granted tokens, sealed before storing.
    ///
    /// # Errors
    /// [`ClientError::NotFound`] when the user has no such client; [`ClientError::Store`] when the
    /// cipher or the store fails.
    #[tracing::instrument(skip(self, account, grant), fields(user_id = %user, platform = %account.platform()))]
    pub async fn connect(
        &self,
        user: UserId,
        id: ClientId,
        account: PlatformAccount,
        grant: &TokenGrant,
    ) -> Result<Client, ClientError> {
        let seal = |t| self.cipher.seal(t).map_err(|e| crate::ports::StoreError::Unexpected(e.into()));
        let credentials = SealedCredentials {
            access_token: seal(&grant.access_token)?,
            refresh_token: grant.refresh_token.as_ref().map(seal).transpose()?,
            expires_at: grant.expires_at,
        };
        let connection = PlatformConnection {
            account,
            connected: true,
            credentials: Some(credentials),
            last_sync: None,
            status: ConnectionStatus::Active,
            data: None,
        };
        self.save(user, id, &connection).await
    }

    /// Disconnects a platform: its tokens are erased; the account id and last figures stay but are
    /// no longer used. Disconnecting twice is harmless.
    ///
    /// # Errors
    /// [`ClientError::NotFound`] when the user has no such client,
    /// [`ClientError::PlatformNotConnected`] when it never had this platform.
    #[tracing::instrument(skip(self), fields(user_id = %user))]
    pub async fn disconnect(&self, user: UserId, id: ClientId, platform: Platform) -> Result<Client, ClientError> {
        let connection = self.connection(user, id, platform).await?.disconnected();
        self.save(user, id, &connection).await
    }

    async fn connection(
        &self,
        user: UserId,
        id: ClientId,
        platform: Platform,
    ) -> Result<PlatformConnection, ClientError> {
        let mut client = self.clients.get(user, id).await?.ok_or(ClientError::NotFound)?;
        client.platforms.remove(&platform).ok_or(ClientError::PlatformNotConnected(platform))
    }

    async fn save(&self, user: UserId, id: ClientId, connection: &PlatformConnection) -> Result<Client, ClientError> {
        if !self.clients.save_connection(user, id, connection, self.clock.now()).await? {
            return Err(ClientError::NotFound);
        }
        self.clients.get(user, id).await?.ok_or(ClientError::NotFound)
    }
}

#[cfg(test)]
mod tests {
    use secrecy::{ExposeSecret, SecretString};

    use super::*;
    use crate::cipher::SealedToken;
    use crate::client::ClientStatus;
    use crate::ports::{MockClientStore, MockTokenCipher};
    use crate::services::test_support::{self, FixedClock, client_id, user_id};

    fn client() -> Client {
        test_support::client(client_id(1), user_id(1), ClientStatus::Active)
    }

    #[tokio::test]
    async fn tokens_reach_the_store_only_sealed() {
        let mut cipher = MockTokenCipher::new();
        cipher.expect_seal().returning(|t| Ok(SealedToken::new(format!("sealed:{}", t.expose_secret().len()))));
        let mut store = MockClientStore::new();
        store
            .expect_save_connection()
            .withf(|_, _, c, _| {
                let creds = c.credentials.as_ref().unwrap();
                creds.access_token.as_str() == "sealed:11"
                    && creds.refresh_token.as_ref().unwrap().as_str() == "sealed:12"
                    && c.connected
            })
            .times(1)
            .returning(|_, _, _, _| Ok(true));
        store.expect_get().returning(|_, _| Ok(Some(client())));
        let service = PlatformService::new(Arc::new(store), Arc::new(cipher), Arc::new(FixedClock::default()));
        let grant = TokenGrant {
            access_token: SecretString::from("ya29.secret"),
            refresh_token: Some(SecretString::from("1//refresh-x")),
            expires_at: None,
        };
        let account = PlatformAccount::GoogleAds { customer_id: "1234567890".into() };
        service.connect(user_id(1), client_id(1), account, &grant).await.unwrap();
    }

    #[tokio::test]
    async fn disconnecting_a_platform_never_connected_is_reported() {
        let mut store = MockClientStore::new();
        store.expect_get().returning(|_, _| Ok(Some(client())));
        let service =
            PlatformService::new(Arc::new(store), Arc::new(MockTokenCipher::new()), Arc::new(FixedClock::default()));
        let err = service.disconnect(user_id(1), client_id(1), Platform::MetaAds).await.unwrap_err();
        assert!(matches!(err, ClientError::PlatformNotConnected(Platform::MetaAds)));
    }
}
