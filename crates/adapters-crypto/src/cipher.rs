//! [`XChaChaTokenCipher`]: the token cipher over a key ring.

use std::fmt;

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use chacha20poly1305::aead::{Aead, AeadCore, KeyInit, OsRng, Payload};
use chacha20poly1305::{Key, XChaCha20Poly1305, XNonce};
use domain::cipher::SealedToken;
use domain::ids::ClientId;
use domain::platform::Platform;
use domain::ports::{CipherError, TokenCipher, TokenContext, TokenField};
use secrecy::zeroize::{Zeroize, Zeroizing};
use secrecy::{ExposeSecret, SecretString};

use crate::key_ring::{self, KeyRingError};

/// Bytes of a nonce of XChaCha20-Poly1305.
const NONCE_LEN: usize = 24;

/// Bytes of a Poly1305 tag.
const TAG_LEN: usize = 16;

/// The key id of the [development key](XChaChaTokenCipher::development).
pub const DEVELOPMENT_KEY_ID: &str = "dev";

/// **INSECURE.** The key ring of [`XChaChaTokenCipher::development`], for a default configuration
/// value that lets the service start on a laptop with nothing set.
///
/// This key is published in the source code: anyone can open tokens sealed with it. Never use it
/// where real OAuth tokens are stored; generate a key with [`generate_key_spec`] instead.
pub const DEVELOPMENT_KEY_SPEC: &str = "dev:aW5zZWN1cmUtZGV2ZWxvcG1lbnQtdG9rZW4ta2V5ISE=";

/// The key of [`DEVELOPMENT_KEY_SPEC`], decoded.
const DEVELOPMENT_KEY: &[u8; 32] = b"insecure-development-token-key!!";

/// A key of the ring: its id and the cipher it keys (which wipes the key when dropped).
struct RingKey {
    id: String,
    aead: XChaCha20Poly1305,
}

/// Seals tokens with XChaCha20-Poly1305 under the first key of a ring, and opens tokens sealed with
/// any key of the ring, so that keys can rotate (decision 2).
///
/// Sealed format: `<keyId>:<base64url-no-pad(nonce || ciphertext || tag)>`. The associated data is
/// `<keyId>|<client hex>|<platform key>|<field key>`, so a value opens only under the key id it
/// names and in the place it was sealed for: copied into another client's document, another
/// platform or another field, it is [`CipherError::Corrupt`]. Each seal draws a fresh random
/// 24-byte nonce from the operating system, so sealing the same token twice gives different values. Its `Debug` output lists key ids only.
pub struct XChaChaTokenCipher {
    /// Never empty; the first key seals.
    keys: Vec<RingKey>,
}

impl XChaChaTokenCipher {
    /// A cipher over the key ring in `spec`, the value of `TOKEN_ENCRYPTION_KEY`: comma-separated
    /// `keyId:base64key` entries, the first one sealing (see [`crate::key_ring`]).
    ///
    /// # Errors
    /// [`KeyRingError`] naming the entry at fault when the value is empty, an entry is malformed, a key
    /// id is invalid or repeated, or a key is not 32 bytes of base64. The error never holds key
    /// material.
    pub fn from_key_ring(spec: &SecretString) -> Result<Self, KeyRingError> {
        let keys = key_ring::parse(spec.expose_secret())?
            .into_iter()
            .map(|entry| RingKey {
                // The key ring checked that every key is exactly 32 bytes.
                aead: XChaCha20Poly1305::new(Key::from_slice(&entry.key)),
                id: entry.id,
            })
            .collect();
        Ok(Self { keys })
    }

    /// **INSECURE: for local development only.** A cipher whose only key, id `dev`, is published in
    /// this crate's source ([`DEVELOPMENT_KEY_SPEC`]), so anyone can open what it seals.
    ///
    /// It exists so that the embedded default configuration starts with nothing set. A deployment
    /// holding real OAuth tokens must set `TOKEN_ENCRYPTION_KEY` to a key of its own; callers should
    /// warn loudly whenever [`Self::uses_development_key`] is true.
    #[must_use]
    pub fn development() -> Self {
        Self {
            keys: vec![RingKey {
                id: DEVELOPMENT_KEY_ID.to_owned(),
                aead: XChaCha20Poly1305::new(Key::from_slice(DEVELOPMENT_KEY)),
            }],
        }
    }

    /// The id of the key that seals new values.
    pub fn active_key_id(&self) -> &str {
        &self.keys[0].id
    }

    /// The ids of every key in the ring, the active one first.
    pub fn key_ids(&self) -> impl Iterator<Item = &str> {
        self.keys.iter().map(|k| k.id.as_str())
    }

    /// Whether new values are sealed with the public [development key](Self::development).
    pub fn uses_development_key(&self) -> bool {
        // Compare behaviour, not ids: a ring may reuse the id `dev` for a real key.
        let probe = SecretString::from("development key probe");
        let context = TokenContext {
            client: ClientId::from_bytes([0; 12]),
            platform: Platform::GoogleAnalytics,
            field: TokenField::Access,
        };
        self.active_key_id() == DEVELOPMENT_KEY_ID
            && self.seal(&probe, context).is_ok_and(|sealed| Self::development().open(&sealed, context).is_ok())
    }

    fn key(&self, id: &str) -> Option<&RingKey> {
        self.keys.iter().find(|k| k.id == id)
    }
}

/// The associated data a token is sealed with: `keyId|clientHex|platformKey|fieldKey`.
///
/// The key id keeps a value relabelled with another key id from opening; the rest binds it to its
/// place. No part can hold a `|` (key ids are letters, digits, `_` and `-`; the client is hex; the
/// platform and field keys are fixed words), so two different places never share associated data.
fn associated_data(key_id: &str, context: TokenContext) -> Vec<u8> {
    format!("{key_id}|{}|{}|{}", context.client, context.platform.key(), context.field.key()).into_bytes()
}

impl TokenCipher for XChaChaTokenCipher {
    fn seal(&self, token: &SecretString, context: TokenContext) -> Result<SealedToken, CipherError> {
        let key = &self.keys[0];
        let nonce = XChaCha20Poly1305::generate_nonce(&mut OsRng);
        let aad = associated_data(&key.id, context);
        let payload = Payload { msg: token.expose_secret().as_bytes(), aad: &aad };
        // Encryption fails only for messages near 256 GiB; a token never is one.
        let ciphertext = key.aead.encrypt(&nonce, payload).map_err(|_| CipherError::Corrupt)?;
        let mut sealed = Vec::with_capacity(NONCE_LEN + ciphertext.len());
        sealed.extend_from_slice(&nonce);
        sealed.extend_from_slice(&ciphertext);
        Ok(SealedToken::new(format!("{}:{}", key.id, URL_SAFE_NO_PAD.encode(sealed))))
    }

    fn open(&self, sealed: &SealedToken, context: TokenContext) -> Result<SecretString, CipherError> {
        let (id, body) = sealed.as_str().split_once(':').ok_or(CipherError::Corrupt)?;
        // Something that is not even a key id is damage, not a key this ring lacks.
        if !key_ring::is_valid_key_id(id) {
            return Err(CipherError::Corrupt);
        }
        let key = self.key(id).ok_or_else(|| CipherError::UnknownKey(id.to_owned()))?;
        let bytes = URL_SAFE_NO_PAD.decode(body).map_err(|_| CipherError::Corrupt)?;
        if bytes.len() < NONCE_LEN + TAG_LEN {
            return Err(CipherError::Corrupt);
        }
        let (nonce, ciphertext) = bytes.split_at(NONCE_LEN);
        let aad = associated_data(&key.id, context);
        let plaintext = key
            .aead
            .decrypt(XNonce::from_slice(nonce), Payload { msg: ciphertext, aad: &aad })
            .map_err(|_| CipherError::Corrupt)?;
        match String::from_utf8(plaintext) {
            Ok(token) => Ok(SecretString::from(token)),
            Err(not_utf8) => {
                not_utf8.into_bytes().zeroize();
                Err(CipherError::Corrupt)
            }
        }
    }
}

impl fmt::Debug for XChaChaTokenCipher {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("XChaChaTokenCipher").field("key_ids", &self.key_ids().collect::<Vec<_>>()).finish()
    }
}

/// A fresh key ring entry `keyId:base64key` with a random 32-byte key in standard base64, ready for
/// `TOKEN_ENCRYPTION_KEY` (to rotate, put it first and keep the old entries after it).
///
/// The returned line holds a secret key: print it for the operator, never log it.
///
/// # Errors
/// [`KeyRingError::InvalidKeyId`] when `key_id` is not 1 to 16 characters of letters, digits, `_` or
/// `-`.
pub fn generate_key_spec(key_id: &str) -> Result<String, KeyRingError> {
    if !key_ring::is_valid_key_id(key_id) {
        return Err(KeyRingError::InvalidKeyId { entry: 1 });
    }
    let mut key = XChaCha20Poly1305::generate_key(&mut OsRng);
    let encoded = Zeroizing::new(STANDARD.encode(key));
    key.as_mut_slice().zeroize();
    Ok(format!("{key_id}:{}", encoded.as_str()))
}

#[cfg(test)]
mod tests {
    use super::*;

    const OLD_KEY: &str = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";
    const NEW_KEY: &str = "ICEiIyQlJicoKSorLC0uLzAxMjM0NTY3ODk6Ozw9Pj8=";
    const TOKEN: &str = "ya29.a0AfH6SMBx-fake-google-access-token";

    fn cipher(spec: &str) -> XChaChaTokenCipher {
        XChaChaTokenCipher::from_key_ring(&SecretString::from(spec)).unwrap()
    }

    fn secret(s: &str) -> SecretString {
        SecretString::from(s)
    }

    fn body(sealed: &SealedToken) -> Vec<u8> {
        URL_SAFE_NO_PAD.decode(sealed.as_str().split_once(':').unwrap().1).unwrap()
    }

    /// The place most tests seal for.
    fn here() -> TokenContext {
        at("64b0000000000000000000c1", Platform::GoogleAds, TokenField::Refresh)
    }

    fn at(client: &str, platform: Platform, field: TokenField) -> TokenContext {
        TokenContext { client: ClientId::parse(client).unwrap(), platform, field }
    }

    fn with_body(key_id: &str, bytes: &[u8]) -> SealedToken {
        SealedToken::new(format!("{key_id}:{}", URL_SAFE_NO_PAD.encode(bytes)))
    }

    #[test]
    fn a_sealed_token_opens_to_the_same_token() {
        let c = cipher(&format!("k1:{OLD_KEY}"));
        for token in [TOKEN, "", "é🔑 non-ascii", &"x".repeat(4096)] {
            let sealed = c.seal(&secret(token), here()).unwrap();
            assert_eq!(c.open(&sealed, here()).unwrap().expose_secret(), token);
        }
    }

    #[test]
    fn a_sealed_token_is_prefixed_with_the_active_key_id() {
        let sealed = cipher(&format!("k2:{NEW_KEY},k1:{OLD_KEY}")).seal(&secret(TOKEN), here()).unwrap();
        let (id, body) = sealed.as_str().split_once(':').unwrap();
        assert_eq!(id, "k2");
        assert!(body.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'), "{body}");
        assert_eq!(URL_SAFE_NO_PAD.decode(body).unwrap().len(), NONCE_LEN + TOKEN.len() + TAG_LEN);
    }

    #[test]
    fn sealing_one_token_twice_gives_different_values_with_different_nonces() {
        let c = cipher(&format!("k1:{OLD_KEY}"));
        let (a, b) = (c.seal(&secret(TOKEN), here()).unwrap(), c.seal(&secret(TOKEN), here()).unwrap());
        assert_ne!(a, b);
        assert_ne!(body(&a)[..NONCE_LEN], body(&b)[..NONCE_LEN]);
    }

    #[test]
    fn the_sealed_value_does_not_reveal_the_token() {
        let sealed = cipher(&format!("k1:{OLD_KEY}")).seal(&secret(TOKEN), here()).unwrap();
        let stored = sealed.as_str();
        assert!(!stored.contains(TOKEN));
        assert!(!stored.contains("fake-google"));
        assert!(!stored.contains(&STANDARD.encode(TOKEN)));
        assert!(!stored.contains(&URL_SAFE_NO_PAD.encode(TOKEN)));
        let raw = body(&sealed);
        assert!(!raw.windows(8).any(|w| TOKEN.as_bytes().windows(8).any(|t| t == w)));
    }

    #[test]
    fn a_token_sealed_with_an_old_key_opens_after_rotation() {
        let before = cipher(&format!("k1:{OLD_KEY}"));
        let sealed = before.seal(&secret(TOKEN), here()).unwrap();
        let after = cipher(&format!("k2:{NEW_KEY},k1:{OLD_KEY}"));
        assert_eq!(after.open(&sealed, here()).unwrap().expose_secret(), TOKEN);
        assert!(after.seal(&secret(TOKEN), here()).unwrap().as_str().starts_with("k2:"));
    }

    const CLIENT_A: &str = "64b0000000000000000000a1";
    const CLIENT_B: &str = "64b0000000000000000000b2";

    /// Every place a token can be sealed for: two clients × every platform × every field.
    fn every_place() -> Vec<TokenContext> {
        let fields = [TokenField::Access, TokenField::Refresh, TokenField::PkceVerifier];
        [CLIENT_A, CLIENT_B]
            .into_iter()
            .flat_map(|client| Platform::ALL.into_iter().map(move |platform| (client, platform)))
            .flat_map(|(client, platform)| fields.into_iter().map(move |field| at(client, platform, field)))
            .collect()
    }

    #[test]
    fn a_token_opens_in_every_place_it_was_sealed_for() {
        let c = cipher(&format!("k1:{OLD_KEY}"));
        for place in every_place() {
            let sealed = c.seal(&secret(TOKEN), place).unwrap();
            assert_eq!(c.open(&sealed, place).unwrap().expose_secret(), TOKEN, "{place:?}");
        }
    }

    #[test]
    fn a_token_opens_in_no_other_place() {
        let c = cipher(&format!("k1:{OLD_KEY}"));
        let places = every_place();
        for &sealed_for in &places {
            let sealed = c.seal(&secret(TOKEN), sealed_for).unwrap();
            for &elsewhere in places.iter().filter(|p| **p != sealed_for) {
                let opened = c.open(&sealed, elsewhere);
                assert!(
                    matches!(opened, Err(CipherError::Corrupt)),
                    "sealed for {sealed_for:?}, opened as {elsewhere:?}"
                );
            }
        }
    }

    #[test]
    fn a_token_copied_into_another_clients_document_does_not_open() {
        let c = cipher(&format!("k1:{OLD_KEY}"));
        let sealed = c.seal(&secret(TOKEN), at(CLIENT_A, Platform::MetaAds, TokenField::Access)).unwrap();
        let copied = c.open(&sealed, at(CLIENT_B, Platform::MetaAds, TokenField::Access));
        assert!(matches!(copied, Err(CipherError::Corrupt)), "{copied:?}");
    }

    #[test]
    fn a_token_moved_to_another_platform_or_field_does_not_open() {
        let c = cipher(&format!("k1:{OLD_KEY}"));
        let sealed = c.seal(&secret(TOKEN), at(CLIENT_A, Platform::GoogleAds, TokenField::Refresh)).unwrap();
        let other_platform = c.open(&sealed, at(CLIENT_A, Platform::GoogleAnalytics, TokenField::Refresh));
        assert!(matches!(other_platform, Err(CipherError::Corrupt)), "{other_platform:?}");
        let other_field = c.open(&sealed, at(CLIENT_A, Platform::GoogleAds, TokenField::Access));
        assert!(matches!(other_field, Err(CipherError::Corrupt)), "{other_field:?}");
    }

    #[test]
    fn after_rotation_an_old_token_opens_only_in_its_own_place() {
        let place = at(CLIENT_A, Platform::LinkedinAds, TokenField::Refresh);
        let sealed = cipher(&format!("k1:{OLD_KEY}")).seal(&secret(TOKEN), place).unwrap();
        let after = cipher(&format!("k2:{NEW_KEY},k1:{OLD_KEY}"));
        assert_eq!(after.open(&sealed, place).unwrap().expose_secret(), TOKEN);
        let elsewhere = after.open(&sealed, at(CLIENT_B, Platform::LinkedinAds, TokenField::Refresh));
        assert!(matches!(elsewhere, Err(CipherError::Corrupt)), "{elsewhere:?}");
        let resealed = after.seal(&secret(TOKEN), place).unwrap();
        assert!(resealed.as_str().starts_with("k2:"));
        assert_eq!(after.open(&resealed, place).unwrap().expose_secret(), TOKEN);
    }

    #[test]
    fn the_associated_data_names_the_key_client_platform_and_field() {
        let place = at(CLIENT_A, Platform::MetaAds, TokenField::PkceVerifier);
        assert_eq!(associated_data("k1", place), b"k1|64b0000000000000000000a1|metaAds|pkceVerifier");
    }

    #[test]
    fn a_token_sealed_with_a_key_no_longer_in_the_ring_names_that_key() {
        let sealed = cipher(&format!("k1:{OLD_KEY}")).seal(&secret(TOKEN), here()).unwrap();
        let err = cipher(&format!("k2:{NEW_KEY}")).open(&sealed, here()).unwrap_err();
        assert!(matches!(&err, CipherError::UnknownKey(id) if id == "k1"), "{err:?}");
    }

    #[test]
    fn a_tampered_value_is_corrupt() {
        let c = cipher(&format!("k1:{OLD_KEY}"));
        let sealed = c.seal(&secret(TOKEN), here()).unwrap();
        let bytes = body(&sealed);
        for i in [0, NONCE_LEN, bytes.len() - 1] {
            let mut flipped = bytes.clone();
            flipped[i] ^= 0x01;
            assert!(matches!(c.open(&with_body("k1", &flipped), here()), Err(CipherError::Corrupt)), "byte {i}");
        }
        assert!(matches!(c.open(&with_body("k1", &bytes[..bytes.len() - 1]), here()), Err(CipherError::Corrupt)));
        assert!(matches!(
            c.open(&with_body("k1", &bytes[..NONCE_LEN + TAG_LEN - 1]), here()),
            Err(CipherError::Corrupt)
        ));
    }

    #[test]
    fn a_value_relabelled_with_another_key_id_is_corrupt() {
        // The same key under two ids: only the associated data tells them apart.
        let c = cipher(&format!("k1:{OLD_KEY},k2:{OLD_KEY}"));
        let sealed = c.seal(&secret(TOKEN), here()).unwrap();
        let relabelled = SealedToken::new(sealed.as_str().replacen("k1:", "k2:", 1));
        assert!(matches!(c.open(&relabelled, here()), Err(CipherError::Corrupt)));
    }

    #[test]
    fn a_value_sealed_with_another_key_of_the_same_id_is_corrupt() {
        let sealed = cipher(&format!("k1:{OLD_KEY}")).seal(&secret(TOKEN), here()).unwrap();
        assert!(matches!(cipher(&format!("k1:{NEW_KEY}")).open(&sealed, here()), Err(CipherError::Corrupt)));
    }

    #[test]
    fn values_that_are_not_sealed_tokens_are_corrupt() {
        let c = cipher(&format!("k1:{OLD_KEY}"));
        for junk in ["", "k1", "k1:", ":abc", "k1:not base64!", "k1:AAAA====", "a key id that is far too long:AAAA"] {
            assert!(matches!(c.open(&SealedToken::new(junk), here()), Err(CipherError::Corrupt)), "{junk:?}");
        }
    }

    #[test]
    fn the_development_cipher_uses_the_dev_key_id_and_round_trips() {
        let dev = XChaChaTokenCipher::development();
        assert_eq!(dev.active_key_id(), DEVELOPMENT_KEY_ID);
        let sealed = dev.seal(&secret(TOKEN), here()).unwrap();
        assert!(sealed.as_str().starts_with("dev:"));
        assert_eq!(dev.open(&sealed, here()).unwrap().expose_secret(), TOKEN);
        assert!(dev.uses_development_key());
    }

    #[test]
    fn the_development_spec_is_the_development_key() {
        let from_spec = cipher(DEVELOPMENT_KEY_SPEC);
        let sealed = from_spec.seal(&secret(TOKEN), here()).unwrap();
        assert_eq!(XChaChaTokenCipher::development().open(&sealed, here()).unwrap().expose_secret(), TOKEN);
        assert!(from_spec.uses_development_key());
    }

    #[test]
    fn a_real_key_named_dev_is_not_taken_for_the_development_key() {
        assert!(!cipher(&format!("dev:{OLD_KEY}")).uses_development_key());
        assert!(!cipher(&format!("k2:{NEW_KEY},{DEVELOPMENT_KEY_SPEC}")).uses_development_key());
    }

    #[test]
    fn generated_specs_are_valid_fresh_key_rings() {
        let a = generate_key_spec("k2").unwrap();
        let b = generate_key_spec("k2").unwrap();
        assert_ne!(a, b);
        assert!(a.starts_with("k2:"));
        let c = cipher(&a);
        assert_eq!(c.active_key_id(), "k2");
        assert_eq!(c.open(&c.seal(&secret(TOKEN), here()).unwrap(), here()).unwrap().expose_secret(), TOKEN);
        assert_eq!(generate_key_spec("bad id").unwrap_err(), KeyRingError::InvalidKeyId { entry: 1 });
    }

    #[test]
    fn debug_output_lists_key_ids_but_no_key() {
        let debug = format!("{:?}", cipher(&format!("k2:{NEW_KEY},k1:{OLD_KEY}")));
        assert_eq!(debug, r#"XChaChaTokenCipher { key_ids: ["k2", "k1"] }"#);
    }

    #[test]
    fn the_cipher_can_be_shared_as_a_port() {
        let port: std::sync::Arc<dyn TokenCipher> = std::sync::Arc::new(XChaChaTokenCipher::development());
        let sealed = port.seal(&secret(TOKEN), here()).unwrap();
        assert_eq!(port.open(&sealed, here()).unwrap().expose_secret(), TOKEN);
    }

    proptest::proptest! {
        #[test]
        fn any_token_round_trips_under_any_key_id(token in ".{0,200}", key_id in "[A-Za-z0-9_-]{1,16}") {
            let c = cipher(&format!("{key_id}:{NEW_KEY}"));
            let sealed = c.seal(&secret(&token), here()).unwrap();
            let prefix = format!("{key_id}:");
            proptest::prop_assert!(sealed.as_str().starts_with(&prefix));
            let opened = c.open(&sealed, here()).unwrap();
            proptest::prop_assert_eq!(opened.expose_secret(), token.as_str());
        }

        #[test]
        fn any_single_flipped_bit_is_detected(token in ".{1,64}", position in 0usize..10_000, bit in 0u8..8) {
            let c = cipher(&format!("k1:{OLD_KEY}"));
            let mut bytes = body(&c.seal(&secret(&token), here()).unwrap());
            let i = position % bytes.len();
            bytes[i] ^= 1 << bit;
            proptest::prop_assert!(matches!(c.open(&with_body("k1", &bytes), here()), Err(CipherError::Corrupt)));
        }
    }
}
