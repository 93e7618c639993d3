//! Connecting a client's platforms: the OAuth authorization with its single-use state, the account
//! choice, disconnecting, and keeping a connection's access fresh. Tokens are sealed for their
//! client, platform and field before anything is stored, and opened only to call the platform.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use chrono::TimeDelta;
use secrecy::SecretString;

use crate::cipher::SealedToken;
use crate::client::{Client, ClientStatus};
use crate::ids::{ClientId, UserId};
use crate::platform::{ConnectionStatus, Platform, PlatformAccount, PlatformConnection, SealedCredentials};
use crate::ports::{
    AccountChoice, AuthorizationStore, CipherError, ClientStore, Clock, ConnectionUpdate, ConnectorError,
    PendingAuthorization, PlatformConnector, StoreError, TokenCipher, TokenContext, TokenField, TokenGrant,
};
use crate::validation::ValidationError;

/// How long a user has to authorize after starting: the state expires after this.
pub const STATE_LIFETIME: TimeDelta = TimeDelta::minutes(10);

/// An access token that expires sooner than this is refreshed before it is used.
pub const REFRESH_AHEAD: TimeDelta = TimeDelta::minutes(5);

/// Why a platform action failed.
#[derive(Debug, thiserror::Error)]
pub enum PlatformError {
    /// The input breaks a rule.
    #[error(transparent)]
    Invalid(#[from] ValidationError),
    /// The user has no such client.
    #[error("client not found")]
    NotFound,
    /// The client is archived: restore it to connect platforms.
    #[error("the client is archived; restore it to connect platforms")]
    ClientArchived,
    /// The client's platform is not connected.
    #[error("the client's {} is not connected", .0.display_name())]
    NotConnected(Platform),
    /// The connection has no account chosen yet.
    #[error("no {} account is chosen yet; list the accounts and choose one", .0.display_name())]
    NoAccountChosen(Platform),
    /// The account asked for is not one the connection's token can see.
    #[error("the {platform} account {id:?} is not one this connection can see; list the accounts and choose one of them", platform = .platform.display_name())]
    AccountNotVisible {
        /// The platform.
        platform: Platform,
        /// The id asked for.
        id: String,
    },
    /// The callback's state is unknown, was used already, or expired.
    #[error(
        "this authorization link is unknown, was used already, or expired after 10 minutes; start connecting again"
    )]
    InvalidState,
    /// The user declined at the platform's consent page; nothing was stored.
    #[error("{} access was not granted ({reason}); nothing was connected", .platform.display_name())]
    Denied {
        /// The platform.
        platform: Platform,
        /// What the platform said.
        reason: String,
    },
    /// A sync of the connection is running already.
    #[error("a sync of this connection is already running; try again in a minute")]
    SyncRunning,
    /// The platform refused or failed.
    #[error(transparent)]
    Connector(#[from] ConnectorError),
    /// A token could not be sealed or opened.
    #[error("a platform token could not be sealed or opened: {0}")]
    Cipher(#[from] CipherError),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// One platform's connector and the callback URL it sends users back to.
#[derive(Clone)]
pub struct Connector {
    /// The platform's OAuth app and reporting API.
    pub api: Arc<dyn PlatformConnector>,
    /// `{PUBLIC_BASE_URL}/v1/oauth/{platform}/callback`.
    pub redirect_uri: String,
}

/// The connector of every platform.
#[derive(Clone, Default)]
pub struct Connectors(BTreeMap<Platform, Connector>);

impl Connectors {
    /// The connectors given.
    pub fn new(connectors: impl IntoIterator<Item = Connector>) -> Self {
        Self(connectors.into_iter().map(|c| (c.api.platform(), c)).collect())
    }

    /// The platform's connector.
    ///
    /// # Errors
    /// [`ConnectorError::NotConfigured`] when there is none.
    pub fn get(&self, platform: Platform) -> Result<&Connector, ConnectorError> {
        self.0.get(&platform).ok_or(ConnectorError::NotConfigured { platform, missing: vec![] })
    }
}

/// How an authorization came back from the platform's consent page.
#[derive(Debug)]
pub enum Callback {
    /// The user consented: the code to exchange.
    Code(SecretString),
    /// The user declined or the platform failed: its error (`access_denied`) and description.
    Error(String),
}

/// What a completed authorization connected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Connected {
    /// The user.
    pub user: UserId,
    /// The client.
    pub client: ClientId,
    /// The platform.
    pub platform: Platform,
}

/// What a connection needs from its user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConnectionHealth {
    /// Why the user must reconnect now; `None` when the connection works.
    pub needs_reconnect: Option<String>,
    /// A warning that access ends soon and cannot renew itself.
    pub warning: Option<String>,
}

/// Seals, opens and refreshes a connection's tokens.
#[derive(Clone)]
pub(crate) struct Tokens {
    pub(crate) clients: Arc<dyn ClientStore>,
    pub(crate) cipher: Arc<dyn TokenCipher>,
    pub(crate) clock: Arc<dyn Clock>,
}

/// Usable access to a connection: the token, and its sealed form that guards writes.
pub(crate) struct Access {
    pub(crate) token: SecretString,
    pub(crate) sealed: SealedToken,
}

impl Tokens {
    fn context(client: ClientId, platform: Platform, field: TokenField) -> TokenContext {
        TokenContext { client, platform, field }
    }

    /// Seals what a platform granted, keeping the old refresh token when it sent none.
    pub(crate) fn seal_grant(
        &self,
        client: ClientId,
        platform: Platform,
        grant: &TokenGrant,
        previous: Option<&SealedCredentials>,
    ) -> Result<SealedCredentials, CipherError> {
        let now = self.clock.now();
        let after = |d: Option<Duration>| d.and_then(|d| TimeDelta::from_std(d).ok()).map(|d| now + d);
        let refresh_token = match &grant.refresh_token {
            Some(token) => Some(self.cipher.seal(token, Self::context(client, platform, TokenField::Refresh))?),
            None => previous.and_then(|p| p.refresh_token.clone()),
        };
        let refresh_expires_at = match grant.refresh_expires_in {
            Some(_) => after(grant.refresh_expires_in),
            None => previous.and_then(|p| p.refresh_expires_at),
        };
        Ok(SealedCredentials {
            access_token: self.cipher.seal(&grant.access_token, Self::context(client, platform, TokenField::Access))?,
            refresh_token,
            expires_at: after(grant.expires_in),
            refresh_expires_at,
        })
    }

    /// The connection's access token, refreshed first when it expires within [`REFRESH_AHEAD`] or
    /// when `force` (the platform refused it); a refreshed token is sealed and stored with a guarded
    /// write, so a connection disconnected meanwhile is not brought back.
    pub(crate) async fn access(
        &self,
        user: UserId,
        client: ClientId,
        connection: &PlatformConnection,
        api: &dyn PlatformConnector,
        force: bool,
    ) -> Result<Access, PlatformError> {
        let platform = connection.platform;
        let credentials = connection
            .credentials
            .as_ref()
            .filter(|_| connection.connected)
            .ok_or(PlatformError::NotConnected(platform))?;
        let now = self.clock.now();
        let stale = credentials.expires_at.is_some_and(|at| at <= now + REFRESH_AHEAD);
        if !force && !stale {
            let token =
                self.cipher.open(&credentials.access_token, Self::context(client, platform, TokenField::Access))?;
            return Ok(Access { token, sealed: credentials.access_token.clone() });
        }
        let Some(refresh) = credentials.refresh_token.as_ref().filter(|_| credentials.can_renew(now)) else {
            let name = platform.display_name();
            return Err(ConnectorError::Revoked(format!(
                "{name}'s access expired and this connection cannot renew it by itself; reconnect {name}"
            ))
            .into());
        };
        let refresh = self.cipher.open(refresh, Self::context(client, platform, TokenField::Refresh))?;
        let grant = api.refresh(&refresh).await?;
        let renewed = self.seal_grant(client, platform, &grant, Some(credentials))?;
        let update = ConnectionUpdate { credentials: Some(renewed.clone()), ..ConnectionUpdate::default() };
        if !self.clients.update_connection(user, client, platform, &credentials.access_token, &update, now).await? {
            return Err(PlatformError::NotConnected(platform));
        }
        Ok(Access { token: grant.access_token, sealed: renewed.access_token })
    }
}

/// Connects and disconnects a client's platforms.
#[derive(Clone)]
pub struct PlatformService {
    clients: Arc<dyn ClientStore>,
    authorizations: Arc<dyn AuthorizationStore>,
    tokens: Tokens,
    connectors: Connectors,
}

impl PlatformService {
    /// A service over these ports and connectors.
    pub fn new(
        clients: Arc<dyn ClientStore>,
        authorizations: Arc<dyn AuthorizationStore>,
        cipher: Arc<dyn TokenCipher>,
        clock: Arc<dyn Clock>,
        connectors: Connectors,
    ) -> Self {
        let tokens = Tokens { clients: clients.clone(), cipher, clock };
        Self { clients, authorizations, tokens, connectors }
    }

    /// Starts connecting the user's client to a platform: the URL of the platform's consent page,
    /// whose state (random, single use, bound to the user, the client and the platform) is kept for
    /// [`STATE_LIFETIME`] with the sealed PKCE verifier.
    ///
    /// # Errors
    /// [`PlatformError::NotFound`] when the user has no such client, [`PlatformError::ClientArchived`]
    /// when it is archived, [`PlatformError::Connector`] with `NotConfigured` when the platform's app
    /// is not set up on this server.
    #[tracing::instrument(skip(self), fields(user_id = %user, client_id = %id))]
    pub async fn begin_connect(&self, user: UserId, id: ClientId, platform: Platform) -> Result<String, PlatformError> {
        let client = self.client(user, id).await?;
        if client.status == ClientStatus::Archived {
            return Err(PlatformError::ClientArchived);
        }
        let connector = self.connectors.get(platform)?;
        let authorization = connector.api.authorize(&connector.redirect_uri)?;
        let pkce_verifier = authorization
            .pkce_verifier
            .as_ref()
            .map(|v| self.tokens.cipher.seal(v, Tokens::context(id, platform, TokenField::PkceVerifier)))
            .transpose()?;
        let pending = PendingAuthorization {
            state: authorization.state,
            user,
            client: id,
            platform,
            pkce_verifier,
            expires_at: self.tokens.clock.now() + STATE_LIFETIME,
        };
        self.authorizations.save(&pending).await?;
        Ok(authorization.url)
    }

    /// Completes an authorization when the platform sends the user back: the state is taken (it
    /// works once), the code exchanged, the tokens sealed and the connection stored active. A
    /// client connected before keeps its account, so a reconnect syncs again at once.
    ///
    /// # Errors
    /// [`PlatformError::InvalidState`] for a bad, expired or replayed state, [`PlatformError::Denied`]
    /// when the user declined; either way nothing is stored. [`PlatformError::Connector`] when the
    /// platform refuses the code.
    #[tracing::instrument(skip_all, fields(platform = %platform))]
    pub async fn complete_connect(
        &self,
        platform: Platform,
        state: &str,
        callback: Callback,
    ) -> Result<Connected, PlatformError> {
        let now = self.tokens.clock.now();
        let pending = self.authorizations.take(state, now).await?.ok_or(PlatformError::InvalidState)?;
        if pending.platform != platform {
            return Err(PlatformError::InvalidState);
        }
        let code = match callback {
            Callback::Code(code) => code,
            Callback::Error(reason) => return Err(PlatformError::Denied { platform, reason }),
        };
        let (user, id) = (pending.user, pending.client);
        let client = self.client(user, id).await?;
        let connector = self.connectors.get(platform)?;
        let verifier = pending
            .pkce_verifier
            .as_ref()
            .map(|v| self.tokens.cipher.open(v, Tokens::context(id, platform, TokenField::PkceVerifier)))
            .transpose()?;
        let grant = connector.api.exchange(&code, verifier, &connector.redirect_uri).await?;
        let credentials = self.tokens.seal_grant(id, platform, &grant, None)?;
        let previous = client.platforms.get(&platform).and_then(|c| c.account.clone());
        let mut connection = PlatformConnection::authorized(platform, credentials);
        if let Some(account) = previous {
            connection.account = Some(account);
            connection.sync.next_sync_at = Some(now);
        }
        self.save(user, id, &connection).await?;
        Ok(Connected { user, client: id, platform })
    }

    /// The accounts the connection's token can see, to choose from.
    ///
    /// # Errors
    /// [`PlatformError::NotConnected`] when the platform is not connected, [`PlatformError::Connector`]
    /// when the platform refuses.
    #[tracing::instrument(skip(self), fields(user_id = %user, client_id = %id))]
    pub async fn accounts(
        &self,
        user: UserId,
        id: ClientId,
        platform: Platform,
    ) -> Result<Vec<AccountChoice>, PlatformError> {
        let connection = self.connection(user, id, platform).await?;
        let connector = self.connectors.get(platform)?;
        let access = self.tokens.access(user, id, &connection, connector.api.as_ref(), false).await?;
        Ok(connector.api.accounts(&access.token).await?)
    }

    /// Chooses the account the connection's figures come from (one its token can see) and makes
    /// the connection due for its first sync.
    ///
    /// # Errors
    /// [`PlatformError::AccountNotVisible`] when the token cannot see the account, and the errors of
    /// [`Self::accounts`].
    #[tracing::instrument(skip(self), fields(user_id = %user, client_id = %id))]
    pub async fn choose_account(
        &self,
        user: UserId,
        id: ClientId,
        platform: Platform,
        account_id: &str,
    ) -> Result<Client, PlatformError> {
        let wanted = account_id.trim();
        let choices = self.accounts(user, id, platform).await?;
        let chosen = choices
            .into_iter()
            .map(|c| c.account)
            .find(|a| a.choice_id() == wanted)
            .ok_or_else(|| PlatformError::AccountNotVisible { platform, id: wanted.to_owned() })?;
        let connection = self.connection(user, id, platform).await?;
        let expected =
            connection.credentials.as_ref().ok_or(PlatformError::NotConnected(platform))?.access_token.clone();
        let now = self.tokens.clock.now();
        let update = ConnectionUpdate {
            account: Some(chosen),
            status: Some((ConnectionStatus::Active, None)),
            next_sync_at: Some(now),
            backfilled: Some(false),
            ..ConnectionUpdate::default()
        };
        if !self.clients.update_connection(user, id, platform, &expected, &update, now).await? {
            return Err(PlatformError::NotConnected(platform));
        }
        self.client(user, id).await
    }

    /// Connects an account with tokens granted outside an authorization (the development seed, and
    /// tests), sealed before storing. It is not scheduled for syncs.
    ///
    /// # Errors
    /// [`PlatformError::NotFound`] when the user has no such client, [`PlatformError::Cipher`] when a
    /// token cannot be sealed.
    #[tracing::instrument(skip(self, account, grant), fields(user_id = %user, platform = %account.platform()))]
    pub async fn connect(
        &self,
        user: UserId,
        id: ClientId,
        account: PlatformAccount,
        grant: &TokenGrant,
    ) -> Result<Client, PlatformError> {
        let credentials = self.tokens.seal_grant(id, account.platform(), grant, None)?;
        self.save(user, id, &PlatformConnection::new(account, credentials)).await
    }

    /// Disconnects a platform: its tokens are erased and its syncs stop; the account id and last
    /// figures stay but are no longer used. Disconnecting twice is harmless.
    ///
    /// # Errors
    /// [`PlatformError::NotFound`] when the user has no such client, [`PlatformError::NotConnected`]
    /// when it never had this platform.
    #[tracing::instrument(skip(self), fields(user_id = %user))]
    pub async fn disconnect(&self, user: UserId, id: ClientId, platform: Platform) -> Result<Client, PlatformError> {
        let mut client = self.client(user, id).await?;
        let connection = client.platforms.remove(&platform).ok_or(PlatformError::NotConnected(platform))?;
        self.save(user, id, &connection.disconnected()).await
    }

    /// Whether the connection needs the user now (reconnect, with the reason) or soon (a warning
    /// that its access ends within a week and cannot renew itself), as of the clock.
    pub fn health(&self, connection: &PlatformConnection) -> ConnectionHealth {
        let now = self.tokens.clock.now();
        ConnectionHealth { needs_reconnect: connection.needs_reconnect(now), warning: connection.expiry_warning(now) }
    }

    async fn client(&self, user: UserId, id: ClientId) -> Result<Client, PlatformError> {
        self.clients.get(user, id).await?.ok_or(PlatformError::NotFound)
    }

    async fn connection(
        &self,
        user: UserId,
        id: ClientId,
        platform: Platform,
    ) -> Result<PlatformConnection, PlatformError> {
        let mut client = self.client(user, id).await?;
        client.platforms.remove(&platform).filter(|c| c.connected).ok_or(PlatformError::NotConnected(platform))
    }

    async fn save(&self, user: UserId, id: ClientId, connection: &PlatformConnection) -> Result<Client, PlatformError> {
        if !self.clients.save_connection(user, id, connection, self.tokens.clock.now()).await? {
            return Err(PlatformError::NotFound);
        }
        self.client(user, id).await
    }
}

#[cfg(test)]
mod tests;
