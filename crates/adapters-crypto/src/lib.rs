//! Seals OAuth tokens before they are stored, and opens them when a platform is called (decision 2).
//!
//! [`XChaChaTokenCipher`] implements [`domain::ports::TokenCipher`] with XChaCha20-Poly1305: every
//! value gets a fresh random 24-byte nonce, and every sealed value names the key that sealed it, so
//! keys can rotate without re-encrypting what is stored. Keys come from a key ring read from the
//! `TOKEN_ENCRYPTION_KEY` environment variable (see [`key_ring`] for its format and errors).
//!
//! A sealed token looks like `k2:3q2-7w…`: the key id, a colon, then base64url (no padding) of the
//! nonce followed by the ciphertext and its 16-byte tag. The key id and the token's place
//! (its client, platform and field, a [`domain::ports::TokenContext`]) are bound to the ciphertext
//! as associated data, so a value relabelled with another key id, or copied into another client's
//! document, another platform or another field, fails to open.

mod cipher;
pub mod key_ring;

pub use crate::cipher::{DEVELOPMENT_KEY_ID, DEVELOPMENT_KEY_SPEC, XChaChaTokenCipher, generate_key_spec};
pub use crate::key_ring::KeyRingError;
