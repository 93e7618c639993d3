//! System adapters: the wall clock ([`SystemClock`]) and random identifiers ([`RandomIds`]).
//!
//! They implement the domain's [`Clock`] and [`IdGenerator`] ports, so that use cases stay testable
//! with fixed clocks and ids while the running service uses real time and randomness.

use std::sync::LazyLock;
use std::sync::atomic::{AtomicU32, Ordering};

use chrono::{DateTime, Utc};
use domain::ids::{ClientId, ConversationId, MessageId};
use domain::ports::{Clock, IdGenerator};
use rand::Rng;
use uuid::Uuid;

/// The wall clock, in UTC, truncated to milliseconds.
///
/// Milliseconds are what Mongo stores, so an instant read back from the store equals the instant
/// the service wrote and returned; a finer clock would make values change on the way through storage.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        let now = Utc::now();
        DateTime::from_timestamp_millis(now.timestamp_millis()).unwrap_or(now)
    }
}

/// Five random bytes chosen once per process: the middle of every client id it makes (`ObjectId` spec).
static PROCESS_UNIQUE: LazyLock<[u8; 5]> = LazyLock::new(|| rand::thread_rng().r#gen());

/// The `ObjectId` counter: starts at a random value, shared by every [`RandomIds`] of the process.
static COUNTER: LazyLock<AtomicU32> = LazyLock::new(|| AtomicU32::new(rand::thread_rng().r#gen()));

/// Random identifiers: UUID v4 for conversations and messages, and client ids shaped like a Mongo
/// `ObjectId` (4-byte big-endian seconds timestamp, 5 bytes random per process, 3-byte counter).
///
/// Every value of this type shares one per-process random part and one counter, so ids made through
/// different values never collide within a process.
#[derive(Debug, Clone, Copy, Default)]
pub struct RandomIds;

impl RandomIds {
    /// A generator (all of them share the process's random part and counter).
    pub const fn new() -> Self {
        Self
    }
}

impl IdGenerator for RandomIds {
    fn client_id(&self) -> ClientId {
        // The counter wraps modulo 2^32, a multiple of 2^24, so its low three bytes wrap cleanly too.
        let counter = COUNTER.fetch_add(1, Ordering::Relaxed);
        ClientId::from_bytes(object_id_bytes(unix_seconds(Utc::now()), *PROCESS_UNIQUE, counter))
    }

    fn conversation_id(&self) -> ConversationId {
        ConversationId::from_uuid(Uuid::new_v4())
    }

    fn message_id(&self) -> MessageId {
        MessageId::from_uuid(Uuid::new_v4())
    }
}

/// Seconds since the Unix epoch as the 32 bits an `ObjectId` holds (wrapping in 2106, as the spec does).
fn unix_seconds(now: DateTime<Utc>) -> u32 {
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)] // the ObjectId spec keeps 32 bits
    let seconds = now.timestamp() as u32;
    seconds
}

/// Lays out an `ObjectId`: timestamp (big-endian), process-unique bytes, low three counter bytes
/// (big-endian).
fn object_id_bytes(seconds: u32, process_unique: [u8; 5], counter: u32) -> [u8; 12] {
    let mut bytes = [0u8; 12];
    bytes[..4].copy_from_slice(&seconds.to_be_bytes());
    bytes[4..9].copy_from_slice(&process_unique);
    bytes[9..].copy_from_slice(&counter.to_be_bytes()[1..]);
    bytes
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use chrono::TimeDelta;

    use super::*;

    #[test]
    fn the_clock_is_now_to_the_millisecond() {
        let before = Utc::now() - TimeDelta::milliseconds(1);
        let now = SystemClock.now();
        let after = Utc::now();
        assert!(before <= now && now <= after, "{before} <= {now} <= {after}");
        assert_eq!(now.timestamp_subsec_nanos() % 1_000_000, 0);
    }

    #[test]
    fn ids_do_not_repeat() {
        let ids = RandomIds::new();
        let n = 10_000;
        assert_eq!((0..n).map(|_| ids.client_id()).collect::<HashSet<_>>().len(), n);
        assert_eq!((0..n).map(|_| ids.conversation_id()).collect::<HashSet<_>>().len(), n);
        assert_eq!((0..n).map(|_| ids.message_id()).collect::<HashSet<_>>().len(), n);
    }

    #[test]
    fn ids_made_on_many_threads_do_not_repeat() {
        let handles: Vec<_> = (0..4)
            .map(|_| std::thread::spawn(|| (0..2_000).map(|_| RandomIds.client_id()).collect::<Vec<_>>()))
            .collect();
        let all: Vec<ClientId> = handles.into_iter().flat_map(|h| h.join().unwrap()).collect();
        assert_eq!(all.iter().collect::<HashSet<_>>().len(), 8_000);
    }

    #[test]
    fn client_ids_start_with_the_current_time_in_seconds() {
        let before = unix_seconds(Utc::now());
        let id = RandomIds.client_id().bytes();
        let after = unix_seconds(Utc::now());
        let stamped = u32::from_be_bytes([id[0], id[1], id[2], id[3]]);
        assert!(before <= stamped && stamped <= after, "{before} <= {stamped} <= {after}");
    }

    #[test]
    fn client_ids_share_the_process_unique_bytes() {
        let (a, b) = (RandomIds.client_id().bytes(), RandomIds::new().client_id().bytes());
        assert_eq!(a[4..9], b[4..9]);
        assert_eq!(a[4..9], *PROCESS_UNIQUE);
    }

    #[test]
    fn the_object_id_layout_follows_the_spec() {
        let bytes = object_id_bytes(0x6543_2100, [1, 2, 3, 4, 5], 0xAABB_CCDD);
        assert_eq!(bytes, [0x65, 0x43, 0x21, 0x00, 1, 2, 3, 4, 5, 0xBB, 0xCC, 0xDD]);
        assert_eq!(ClientId::from_bytes(bytes).to_string(), "654321000102030405bbccdd");
    }

    #[test]
    fn conversation_and_message_ids_are_uuid_v4() {
        assert_eq!(RandomIds.conversation_id().uuid().get_version_num(), 4);
        assert_eq!(RandomIds.message_id().uuid().get_version_num(), 4);
    }
}
