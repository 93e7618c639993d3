//! Sealed (encrypted) OAuth tokens: the only form in which a token is stored.

use std::fmt;

/// A token sealed by a [`crate::ports::TokenCipher`]: ciphertext prefixed with the id of its key.
///
/// Its `Debug` output is redacted: even ciphertext stays out of logs.
#[derive(Clone, PartialEq, Eq)]
pub struct SealedToken(String);

impl SealedToken {
    /// Wraps ciphertext produced by a cipher or read back from storage.
    pub fn new(sealed: impl Into<String>) -> Self {
        Self(sealed.into())
    }

    /// The ciphertext, for a storage adapter to write.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for SealedToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SealedToken(..)")
    }
}
