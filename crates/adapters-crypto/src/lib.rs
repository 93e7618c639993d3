//! Seals OAuth tokens before they are stored, and opens them when a platform is called (decision 2).
//!
//! [`XChaChaTokenCipher`] implements [`domain::ports::TokenCipher`] with XChaCha20-Poly1305: every
//! value gets a fresh random 24-byte nonce, and every sealed value names the key that sealed it, so
//! keys can rotate without re-encrypting what is stored. Keys come from a key ring read from the
//! `TOKEN_ENCRYPTION_KEY` environment variable (see [`key_ring`] for its format and errors, and
//! [`generate_key_spec`] for a new entry).
//!
//! A sealed token looks like `k2:3q2-7w…`: the key id, a colon, then base64url (no padding) of the
//! nonce followed by the ciphertext and its 16-byte tag. The key id and the token's place
//! (its client, platform and field, a [`domain::ports::TokenContext`]) are bound to the ciphertext
//! as associated data, so a value relabelled with another key id, or copied into another client's
//! document, another platform or another field, fails to open.
//!
//! # Example: rotating the key ring
//!
//! A token sealed under `k1` still opens after the ring is rotated to `k2` (new entry first, old
//! one kept after it), new seals use `k2`, and a sealed token opens only in the place it was sealed
//! for:
//!
//! ```
//! use adapters_crypto::{XChaChaTokenCipher, generate_key_spec};
//! use domain::cipher::SealedToken;
//! use domain::ids::ClientId;
//! use domain::platform::Platform;
//! use domain::ports::{CipherError, TokenCipher, TokenContext, TokenField};
//! use secrecy::{ExposeSecret, SecretString};
//!
//! // Two entries `keyId:base64key`, as `TOKEN_ENCRYPTION_KEY` holds them.
//! let k1 = generate_key_spec("k1")?;
//! let k2 = generate_key_spec("k2")?;
//! let place = TokenContext {
//!     client: ClientId::parse("64b0000000000000000000c1").unwrap(),
//!     platform: Platform::GoogleAds,
//!     field: TokenField::Refresh,
//! };
//! let token = SecretString::from("1//0gFakeGoogleRefreshToken");
//!
//! // Before the rotation: the ring holds only k1.
//! let before = XChaChaTokenCipher::from_key_ring(&SecretString::from(k1.clone()))?;
//! let stored: SealedToken = before.seal(&token, place).unwrap();
//! assert!(stored.as_str().starts_with("k1:"));
//!
//! // After: k2 first, k1 kept until nothing sealed with it is left.
//! let after = XChaChaTokenCipher::from_key_ring(&SecretString::from(format!("{k2},{k1}")))?;
//! assert_eq!(after.active_key_id(), "k2");
//! assert_eq!(after.key_ids().collect::<Vec<_>>(), ["k2", "k1"]);
//! assert_eq!(after.open(&stored, place).unwrap().expose_secret(), token.expose_secret());
//! let resealed = after.seal(&token, place).unwrap();
//! assert!(resealed.as_str().starts_with("k2:"));
//!
//! // The seal is bound to its place: the access token field of the same connection does not open it,
//! // and a ring without k2 does not know the key.
//! let elsewhere = TokenContext { field: TokenField::Access, ..place };
//! assert!(matches!(after.open(&stored, elsewhere), Err(CipherError::Corrupt)));
//! assert!(matches!(before.open(&resealed, place), Err(CipherError::UnknownKey(id)) if id == "k2"));
//! # Ok::<(), adapters_crypto::KeyRingError>(())
//! ```

mod cipher;
pub mod key_ring;

pub use crate::cipher::{DEVELOPMENT_KEY_ID, DEVELOPMENT_KEY_SPEC, XChaChaTokenCipher, generate_key_spec};
pub use crate::key_ring::KeyRingError;
