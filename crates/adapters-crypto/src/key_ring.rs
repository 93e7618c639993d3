//! The key ring's configuration: the `TOKEN_ENCRYPTION_KEY` value and why it can be refused.
//!
//! The value is a comma-separated list of `keyId:base64key` entries. Each key is exactly 32 random
//! bytes in standard or url-safe base64 (padding optional); each key id is 1 to 16 characters of
//! `A-Z a-z 0-9 _ -`. The first entry seals new values; every entry opens values it sealed. To
//! rotate, put a new entry first and keep the old ones after it until nothing sealed with them is
//! left:
//!
//! ```text
//! TOKEN_ENCRYPTION_KEY=k2:<new base64 key>,k1:<old base64 key>
//! ```
//!
//! No error message ever includes key material, not even a fragment of a malformed key.

use base64::Engine;
use base64::alphabet;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use secrecy::zeroize::Zeroizing;

/// The environment variable the key ring is read from, named in every error message.
pub const ENV_VAR: &str = "TOKEN_ENCRYPTION_KEY";

/// Bytes in a key.
pub(crate) const KEY_LEN: usize = 32;

/// Most characters in a key id.
pub(crate) const MAX_KEY_ID_LEN: usize = 16;

/// Why a `TOKEN_ENCRYPTION_KEY` value was refused. Entries are numbered from 1.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyRingError {
    /// The value holds no entry at all.
    #[error(
        "TOKEN_ENCRYPTION_KEY is empty; set it to `keyId:base64key` (for example `k1:` followed by the output of \
         `openssl rand -base64 32`)"
    )]
    Empty,
    /// An entry is blank, usually a stray comma.
    #[error("TOKEN_ENCRYPTION_KEY entry {entry} is empty; remove the stray comma")]
    EmptyEntry {
        /// Which entry.
        entry: usize,
    },
    /// An entry has no `:` between the key id and the key.
    #[error("TOKEN_ENCRYPTION_KEY entry {entry}: expected `keyId:base64key`, found no `:`")]
    MissingKeyId {
        /// Which entry.
        entry: usize,
    },
    /// A key id is empty, too long or uses other characters. The id is not repeated, in case a key
    /// was pasted where the id belongs.
    #[error("TOKEN_ENCRYPTION_KEY entry {entry}: the key id must be 1 to 16 characters of letters, digits, `_` or `-`")]
    InvalidKeyId {
        /// Which entry.
        entry: usize,
    },
    /// Two entries share a key id.
    #[error("TOKEN_ENCRYPTION_KEY entry {entry}: key id {key_id:?} is already used by entry {first}")]
    DuplicateKeyId {
        /// Which entry repeats the id.
        entry: usize,
        /// The entry that used it first.
        first: usize,
        /// The repeated id (ids are not secret).
        key_id: String,
    },
    /// A key is not base64.
    #[error(
        "TOKEN_ENCRYPTION_KEY entry {entry}: the key is not valid base64; generate one with `openssl rand -base64 32`"
    )]
    InvalidBase64 {
        /// Which entry.
        entry: usize,
    },
    /// A key decodes to the wrong number of bytes.
    #[error(
        "TOKEN_ENCRYPTION_KEY entry {entry}: key must be 32 bytes of base64 (got {got} bytes); generate one with \
         `openssl rand -base64 32`"
    )]
    WrongKeyLength {
        /// Which entry.
        entry: usize,
        /// How many bytes it decoded to.
        got: usize,
    },
}

/// One parsed entry of the ring: a key id and its key bytes, wiped from memory when dropped.
pub(crate) struct KeyEntry {
    pub(crate) id: String,
    pub(crate) key: Zeroizing<Vec<u8>>,
}

/// Whether `id` is a well-formed key id.
pub(crate) fn is_valid_key_id(id: &str) -> bool {
    (1..=MAX_KEY_ID_LEN).contains(&id.len()) && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

/// Splits and checks a key ring value; the first entry is the active key.
pub(crate) fn parse(spec: &str) -> Result<Vec<KeyEntry>, KeyRingError> {
    if spec.trim().is_empty() {
        return Err(KeyRingError::Empty);
    }
    let mut entries: Vec<KeyEntry> = Vec::new();
    for (index, raw) in spec.split(',').enumerate() {
        let entry = index + 1;
        let raw = raw.trim();
        if raw.is_empty() {
            return Err(KeyRingError::EmptyEntry { entry });
        }
        let (id, key) = raw.split_once(':').ok_or(KeyRingError::MissingKeyId { entry })?;
        let id = id.trim();
        if !is_valid_key_id(id) {
            return Err(KeyRingError::InvalidKeyId { entry });
        }
        if let Some(first) = entries.iter().position(|e| e.id == id) {
            return Err(KeyRingError::DuplicateKeyId { entry, first: first + 1, key_id: id.to_owned() });
        }
        let key = decode_key(key.trim()).ok_or(KeyRingError::InvalidBase64 { entry })?;
        if key.len() != KEY_LEN {
            return Err(KeyRingError::WrongKeyLength { entry, got: key.len() });
        }
        entries.push(KeyEntry { id: id.to_owned(), key });
    }
    Ok(entries)
}

/// Decodes standard or url-safe base64, padded or not. The decoder's own error is dropped on purpose:
/// it quotes the offending character, which is part of the key.
fn decode_key(encoded: &str) -> Option<Zeroizing<Vec<u8>>> {
    let config = GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent);
    [GeneralPurpose::new(&alphabet::STANDARD, config), GeneralPurpose::new(&alphabet::URL_SAFE, config)]
        .iter()
        .find_map(|engine| engine.decode(encoded).ok())
        .map(Zeroizing::new)
}

#[cfg(test)]
mod tests {
    use super::*;

    // 32 bytes whose base64 holds both `+` and `/` (standard) or `-` and `_` (url-safe).
    const KEY_STD: &str = "+/+/+/+/+/+/+/+/+/+/+/+/+/+/+/+/+/+/+/+/+/8=";
    const KEY_URL: &str = "-_-_-_-_-_-_-_-_-_-_-_-_-_-_-_-_-_-_-_-_-_8";
    const KEY_16_BYTES: &str = "AAECAwQFBgcICQoLDA0ODw==";

    fn ids(spec: &str) -> Vec<String> {
        parse(spec).unwrap().into_iter().map(|e| e.id).collect()
    }

    #[test]
    fn entries_are_read_in_order_with_the_first_one_active() {
        assert_eq!(ids(&format!("k2:{KEY_STD},k1:{KEY_URL}")), ["k2", "k1"]);
    }

    #[test]
    fn standard_and_url_safe_base64_decode_to_the_same_key() {
        let entries = parse(&format!("a:{KEY_STD},b:{KEY_URL}")).unwrap();
        assert_eq!(*entries[0].key, *entries[1].key);
    }

    #[test]
    fn whitespace_around_entries_and_parts_is_ignored() {
        assert_eq!(ids(&format!(" k2 : {KEY_STD} ,\n k1:{KEY_URL} ")), ["k2", "k1"]);
    }

    #[test]
    fn key_ids_are_short_words_of_letters_digits_dashes_and_underscores() {
        for ok in ["a", "k1", "2025-01_rot", "ABCDEFGHIJKLMNOP"] {
            assert!(is_valid_key_id(ok), "{ok}");
        }
        for bad in ["", "ABCDEFGHIJKLMNOPQ", "k 1", "k.1", "k:1", "clé"] {
            assert!(!is_valid_key_id(bad), "{bad}");
        }
    }

    #[test]
    fn each_bad_value_is_refused_with_its_own_error() {
        let cases: Vec<(String, KeyRingError)> = vec![
            (String::new(), KeyRingError::Empty),
            ("  \n".into(), KeyRingError::Empty),
            (format!("k1:{KEY_STD},"), KeyRingError::EmptyEntry { entry: 2 }),
            (KEY_STD.into(), KeyRingError::MissingKeyId { entry: 1 }),
            (format!(":{KEY_STD}"), KeyRingError::InvalidKeyId { entry: 1 }),
            (format!("k1:{KEY_STD},key.two:{KEY_STD}"), KeyRingError::InvalidKeyId { entry: 2 }),
            (
                format!("k1:{KEY_STD},k2:{KEY_URL},k1:{KEY_URL}"),
                KeyRingError::DuplicateKeyId { entry: 3, first: 1, key_id: "k1".into() },
            ),
            ("k1:not base64!".into(), KeyRingError::InvalidBase64 { entry: 1 }),
            (format!("k1:{KEY_STD},k2:{KEY_16_BYTES}"), KeyRingError::WrongKeyLength { entry: 2, got: 16 }),
            ("k1:".into(), KeyRingError::WrongKeyLength { entry: 1, got: 0 }),
        ];
        for (spec, expected) in cases {
            assert_eq!(parse(&spec).err(), Some(expected), "{spec:?}");
        }
    }

    #[test]
    fn every_message_names_the_variable_to_fix() {
        for spec in ["", ",", "k1", "k.1:AAAA", "k1:!!", "k1:AAAA", &format!("a:{KEY_STD},a:{KEY_STD}")] {
            let message = parse(spec).err().unwrap().to_string();
            assert!(message.starts_with(ENV_VAR), "{message}");
        }
    }

    #[test]
    fn the_wrong_length_message_says_what_to_do() {
        let err = parse(&format!("k1:{KEY_STD},k2:{KEY_16_BYTES}")).err().unwrap();
        assert_eq!(
            err.to_string(),
            "TOKEN_ENCRYPTION_KEY entry 2: key must be 32 bytes of base64 (got 16 bytes); generate one with \
             `openssl rand -base64 32`"
        );
    }

    #[test]
    fn no_message_repeats_key_material() {
        let secret = "c2VjcmV0LWtleS1tYXRlcmlhbC10aGF0LWxlYWtz";
        let specs = [
            secret.to_owned(),
            format!("{secret}:{secret}"),
            format!("k1:{secret}"),
            format!("k1:{secret}!"),
            format!("k1:{KEY_STD},k1:{secret}"),
        ];
        for spec in specs {
            let message = parse(&spec).err().unwrap().to_string();
            assert!(!message.contains(secret), "{message}");
            assert!(!message.contains(&secret[..8]), "{message}");
        }
    }
}
