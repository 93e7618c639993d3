//! Small helpers shared by the services' unit tests.

use std::collections::BTreeMap;

use chrono::{DateTime, TimeZone, Utc};

use crate::client::{Client, ClientName, ClientStatus};

use crate::ids::{ClientId, ConversationId, MessageId, UserId};
use crate::ports::Clock;

/// A clock stopped at one instant.
pub(crate) struct FixedClock(pub DateTime<Utc>);

impl Default for FixedClock {
    fn default() -> Self {
        Self(Utc.with_ymd_and_hms(2026, 11, 25, 12, 0, 0).unwrap())
    }
}

impl Clock for FixedClock {
    fn now(&self) -> DateTime<Utc> {
        self.0
    }
}

fn bytes(n: u8) -> [u8; 12] {
    let mut b = [0u8; 12];
    b[11] = n;
    b
}

pub(crate) fn user_id(n: u8) -> UserId {
    UserId::from_bytes(bytes(n))
}

pub(crate) fn client_id(n: u8) -> ClientId {
    ClientId::from_bytes(bytes(n))
}

pub(crate) fn conversation_id(n: u8) -> ConversationId {
    ConversationId::from_uuid(uuid::Uuid::from_u128(u128::from(n)))
}

pub(crate) fn message_id(n: u8) -> MessageId {
    MessageId::from_uuid(uuid::Uuid::from_u128(u128::from(n) + 1000))
}

/// An "Acme" client of `user` with this status and nothing connected.
pub(crate) fn client(id: ClientId, user: UserId, status: ClientStatus) -> Client {
    let now = FixedClock::default().0;
    Client {
        id,
        user_id: user,
        name: ClientName::new("Acme").unwrap(),
        email: None,
        logo: None,
        time_zone: crate::dates::ClientTimeZone::UTC,
        platforms: BTreeMap::new(),
        status,
        created_at: now,
        updated_at: now,
    }
}
