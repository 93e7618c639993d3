//! The one place where driver errors become [`StoreError`]s, and this crate's own start-up error.

use std::fmt::Display;
use std::future::Future;

use domain::ports::StoreError;
use mongodb::error::{Error, ErrorKind, WriteFailure};

/// Why the Mongo stores could not be set up.
#[derive(Debug, thiserror::Error)]
pub enum MongoError {
    /// The connection string or an option derived from it is not valid. The URI itself is never
    /// part of the message: it may hold a password.
    #[error("MONGODB_URI is not a valid MongoDB connection string: {0}")]
    InvalidUri(String),
    /// The database name cannot be used by MongoDB.
    #[error("MONGODB_DB {0:?} is not a valid database name: {1}")]
    InvalidDatabase(String, &'static str),
}

/// The server's code for a write that broke a unique index.
const DUPLICATE_KEY: i32 = 11_000;

/// Server error codes that mean "not now": the server is stepping down, shutting down, or too slow.
const UNAVAILABLE_CODES: [i32; 13] = [
    6,     // HostUnreachable
    7,     // HostNotFound
    50,    // MaxTimeMSExpired
    89,    // NetworkTimeout
    91,    // ShutdownInProgress
    189,   // PrimarySteppedDown
    262,   // ExceededTimeLimit
    9001,  // SocketException
    10107, // NotWritablePrimary
    11600, // InterruptedAtShutdown
    11602, // InterruptedDueToReplStateChange
    13435, // NotPrimaryNoSecondaryOk
    13436, // NotPrimaryOrSecondary
];

/// Whether the server refused a write because it broke a unique index (code 11000).
pub(crate) fn is_duplicate_key(err: &Error) -> bool {
    match &*err.kind {
        ErrorKind::Write(WriteFailure::WriteError(e)) => e.code == DUPLICATE_KEY,
        ErrorKind::Command(e) => e.code == DUPLICATE_KEY,
        ErrorKind::InsertMany(e) => {
            e.write_errors.as_ref().is_some_and(|errors| errors.iter().any(|e| e.code == DUPLICATE_KEY))
        }
        _ => false,
    }
}

/// Whether the error means the server cannot be reached or cannot serve now, so that a retry
/// later may work.
pub(crate) fn is_unavailable(err: &Error) -> bool {
    let transient_label = ["RetryableWriteError", "TransientTransactionError", "SystemOverloadedError"]
        .iter()
        .any(|label| err.contains_label(label));
    transient_label
        || match &*err.kind {
            ErrorKind::ServerSelection { .. }
            | ErrorKind::Io(_)
            | ErrorKind::ConnectionPoolCleared { .. }
            | ErrorKind::DnsResolve { .. }
            | ErrorKind::Shutdown => true,
            ErrorKind::Command(e) => UNAVAILABLE_CODES.contains(&e.code),
            _ => false,
        }
}

/// Runs an upsert, and once more if it lost a race to insert the document (duplicate key): the
/// second run finds the winner's document and updates it.
pub(crate) async fn retry_lost_upsert<T, F, Fut>(mut upsert: F) -> Result<T, Error>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, Error>>,
{
    match upsert().await {
        Err(e) if is_duplicate_key(&e) => upsert().await,
        done => done,
    }
}

/// Maps a driver error once: duplicate key → [`StoreError::AlreadyExists`], unreachable server →
/// [`StoreError::Unavailable`], anything else → [`StoreError::Unexpected`] with `context`.
pub(crate) fn store_error(err: Error, context: impl Display + Send + Sync + 'static) -> StoreError {
    if is_duplicate_key(&err) {
        StoreError::AlreadyExists
    } else if is_unavailable(&err) {
        StoreError::Unavailable(format!("mongodb: {context}: {err}"))
    } else {
        StoreError::Unexpected(anyhow::Error::new(err).context(context))
    }
}

/// A document that cannot be read back as a domain value: never a panic, always this.
pub(crate) fn corrupt(what: impl Display + Send + Sync + 'static, cause: impl Display) -> StoreError {
    StoreError::Unexpected(anyhow::anyhow!("corrupt {what}: {cause}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_network_failure_is_unavailable_and_names_the_step() {
        let err = Error::from(std::io::Error::from(std::io::ErrorKind::ConnectionReset));
        match store_error(err, "reading a client") {
            StoreError::Unavailable(message) => assert!(message.contains("reading a client"), "{message}"),
            other => panic!("expected Unavailable, got {other:?}"),
        }
    }

    #[test]
    fn any_other_failure_is_unexpected_with_its_context() {
        let err = Error::custom("something odd");
        match store_error(err, "listing clients") {
            StoreError::Unexpected(e) => assert_eq!(e.to_string(), "listing clients"),
            other => panic!("expected Unexpected, got {other:?}"),
        }
    }

    #[test]
    fn corrupt_documents_say_what_was_read() {
        let err = corrupt("client 64b7f0c2a1b2c3d4e5f60718", "missing field `name`");
        assert_eq!(err.to_string(), "corrupt client 64b7f0c2a1b2c3d4e5f60718: missing field `name`");
    }
}
