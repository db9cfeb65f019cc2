//! Secrets at rest (connection credentials, function header values, webhook secrets,
//! stored idempotent responses): AES-256-GCM, a fresh 96-bit nonce for every value.
//!
//! Stored form: `v2.` + key id + `.` + base64(nonce ‖ ciphertext ‖ tag). The key id is
//! 8 hex digits of SHA-256 over a label and the key, so it names the key without any
//! extra configuration and says nothing usable about it. `CREDENTIALS_KEY` seals;
//! `CREDENTIALS_KEY_PREVIOUS`, while set, still opens what the old key sealed, and the
//! cron re-seals those values under the current key (`jobs::reseal`).
//!
//! Values from before key ids (`v1.` + base64) name no key: they are tried with the
//! current key, then the previous one.
//!
//! Binary values (a stored response) take the same shape with the ciphertext left raw
//! (`seal_bytes`): no base64 growth for what may be a megabyte.

use aes_gcm::aead::{Aead, KeyInit};
use aes_gcm::{Aes256Gcm, Nonce};
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use sha2::{Digest, Sha256};

const LEGACY: &str = "v1.";
const VERSION: &str = "v2.";
/// `v2.` + 8 hex digits + `.`: the prefix of every value sealed under one key.
pub const PREFIX_LEN: usize = 12;
const NONCE: usize = 12;
const TAG: usize = 16;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SecretError {
    /// A configured key is missing or not 32 bytes of base64.
    BadKey,
    /// The value names a key that is neither the current nor the previous one.
    UnknownKey,
    /// The stored value is not ours or was tampered with.
    Corrupt,
    /// No nonce could be had from the CSPRNG.
    NoRandomness,
}

struct Key {
    cipher: Aes256Gcm,
    /// `v2.<id>.`
    prefix: String,
}

impl Key {
    fn from_base64(key_b64: &str) -> Result<Key, SecretError> {
        let key = STANDARD.decode(key_b64.trim()).map_err(|_| SecretError::BadKey)?;
        if key.len() != 32 {
            return Err(SecretError::BadKey);
        }
        let cipher = Aes256Gcm::new_from_slice(&key).map_err(|_| SecretError::BadKey)?;
        Ok(Key { cipher, prefix: format!("{VERSION}{}.", key_id(&key)) })
    }

    fn encrypt(&self, nonce: [u8; NONCE], plaintext: &[u8]) -> Result<Vec<u8>, SecretError> {
        let ct = self.cipher.encrypt(Nonce::from_slice(&nonce), plaintext).map_err(|_| SecretError::Corrupt)?;
        let mut raw = Vec::with_capacity(NONCE + ct.len());
        raw.extend_from_slice(&nonce);
        raw.extend_from_slice(&ct);
        Ok(raw)
    }

    fn decrypt(&self, raw: &[u8]) -> Result<Vec<u8>, SecretError> {
        if raw.len() < NONCE + TAG {
            return Err(SecretError::Corrupt);
        }
        let (nonce, ct) = raw.split_at(NONCE);
        self.cipher.decrypt(Nonce::from_slice(nonce), ct).map_err(|_| SecretError::Corrupt)
    }
}

/// 8 hex digits naming a key. A label keeps it apart from any other use of the key's hash.
fn key_id(key: &[u8]) -> String {
    let mut h = Sha256::new();
    h.update(b"weav sealed-value key id\0");
    h.update(key);
    h.finalize()[..4].iter().map(|b| format!("{b:02x}")).collect()
}

/// The current key, and the previous one while a rotation is under way.
pub struct Sealer {
    current: Key,
    previous: Option<Key>,
}

impl Sealer {
    pub fn from_base64_key(key_b64: &str) -> Result<Sealer, SecretError> {
        Sealer::from_base64_keys(key_b64, "")
    }

    /// `previous` empty (or white space): no previous key.
    pub fn from_base64_keys(current_b64: &str, previous_b64: &str) -> Result<Sealer, SecretError> {
        let current = Key::from_base64(current_b64)?;
        let previous = match previous_b64.trim() {
            "" => None,
            p => Some(Key::from_base64(p)?),
        };
        Ok(Sealer { current, previous })
    }

    /// `v2.<id>.` of the current key: what every value sealed now starts with.
    pub fn current_prefix(&self) -> &str {
        &self.current.prefix
    }

    /// `v2.<id>.` of the previous key, if one is set.
    pub fn previous_prefix(&self) -> Option<&str> {
        self.previous.as_ref().map(|k| k.prefix.as_str())
    }

    /// Encrypts `plaintext` with the given nonce (the caller takes it from the CSPRNG and
    /// never reuses one) under the current key.
    pub fn seal(&self, nonce: [u8; NONCE], plaintext: &[u8]) -> Result<String, SecretError> {
        let raw = self.current.encrypt(nonce, plaintext)?;
        Ok(format!("{}{}", self.current.prefix, STANDARD.encode(raw)))
    }

    pub fn open(&self, sealed: &str) -> Result<Vec<u8>, SecretError> {
        if let Some(b64) = sealed.strip_prefix(LEGACY) {
            let raw = STANDARD.decode(b64).map_err(|_| SecretError::Corrupt)?;
            return self.open_legacy(&raw);
        }
        let (key, rest) = self.key_for(sealed.as_bytes())?;
        let raw = STANDARD.decode(rest).map_err(|_| SecretError::Corrupt)?;
        key.decrypt(&raw)
    }

    pub fn open_string(&self, sealed: &str) -> Result<String, SecretError> {
        String::from_utf8(self.open(sealed)?).map_err(|_| SecretError::Corrupt)
    }

    /// Sealed under the current key: nothing for a re-seal to do.
    pub fn is_current(&self, sealed: &str) -> bool {
        sealed.starts_with(&self.current.prefix)
    }

    /// The value sealed again under the current key, or `None` when it already is.
    pub fn reseal(&self, nonce: [u8; NONCE], sealed: &str) -> Result<Option<String>, SecretError> {
        if self.is_current(sealed) {
            return Ok(None);
        }
        self.seal(nonce, &self.open(sealed)?).map(Some)
    }

    /// A function's headers (JSON object: name → sealed value) with every value not under
    /// the current key sealed again; `None` when all already are. Each re-sealed value
    /// takes a fresh nonce from `nonce`.
    pub fn reseal_headers(
        &self,
        headers_json: &str,
        nonce: &mut dyn FnMut() -> Option<[u8; NONCE]>,
    ) -> Result<Option<String>, SecretError> {
        let mut headers: serde_json::Map<String, serde_json::Value> =
            serde_json::from_str(headers_json).map_err(|_| SecretError::Corrupt)?;
        let mut changed = false;
        for value in headers.values_mut() {
            let sealed = value.as_str().ok_or(SecretError::Corrupt)?;
            if self.is_current(sealed) {
                continue;
            }
            let fresh = self.seal(nonce().ok_or(SecretError::NoRandomness)?, &self.open(sealed)?)?;
            *value = serde_json::Value::String(fresh);
            changed = true;
        }
        if !changed {
            return Ok(None);
        }
        serde_json::to_string(&headers).map(Some).map_err(|_| SecretError::Corrupt)
    }

    /// A binary value under the current key: the same prefix, the ciphertext raw.
    pub fn seal_bytes(&self, nonce: [u8; NONCE], plaintext: &[u8]) -> Result<Vec<u8>, SecretError> {
        let raw = self.current.encrypt(nonce, plaintext)?;
        let mut out = Vec::with_capacity(PREFIX_LEN + raw.len());
        out.extend_from_slice(self.current.prefix.as_bytes());
        out.extend_from_slice(&raw);
        Ok(out)
    }

    pub fn open_bytes(&self, sealed: &[u8]) -> Result<Vec<u8>, SecretError> {
        let (key, raw) = self.key_for(sealed)?;
        key.decrypt(raw)
    }

    /// Whether `bytes` is a binary sealed value (`seal_bytes`), whichever its key.
    pub fn is_sealed_bytes(bytes: &[u8]) -> bool {
        bytes.len() >= PREFIX_LEN
            && bytes.starts_with(VERSION.as_bytes())
            && bytes[3..PREFIX_LEN - 1].iter().all(u8::is_ascii_hexdigit)
            && bytes[PREFIX_LEN - 1] == b'.'
    }

    /// The key a `v2.` value names, and what follows its prefix.
    fn key_for<'a>(&self, sealed: &'a [u8]) -> Result<(&Key, &'a [u8]), SecretError> {
        if !Sealer::is_sealed_bytes(sealed) {
            return Err(SecretError::Corrupt);
        }
        let (prefix, rest) = sealed.split_at(PREFIX_LEN);
        [Some(&self.current), self.previous.as_ref()]
            .into_iter()
            .flatten()
            .find(|k| k.prefix.as_bytes() == prefix)
            .map(|k| (k, rest))
            .ok_or(SecretError::UnknownKey)
    }

    fn open_legacy(&self, raw: &[u8]) -> Result<Vec<u8>, SecretError> {
        match self.current.decrypt(raw) {
            Ok(plain) => Ok(plain),
            Err(e) => self.previous.as_ref().map_or(Err(e), |p| p.decrypt(raw)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=";
    const OTHER: &str = "QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNkZWY=";
    const THIRD: &str = "enl4d3Z1dHNycXBvbm1sa2ppaGdmZWRjYmEwMTIzNDU=";

    /// A value as the first version sealed it: `v1.` + base64, no key id.
    fn legacy(key_b64: &str, nonce: [u8; 12], plain: &[u8]) -> String {
        let key = Key::from_base64(key_b64).unwrap();
        format!("v1.{}", STANDARD.encode(key.encrypt(nonce, plain).unwrap()))
    }

    #[test]
    fn round_trips_and_hides_the_plaintext() {
        let s = Sealer::from_base64_key(KEY).unwrap();
        let sealed = s.seal([7; 12], b"xoxb-secret").unwrap();
        assert!(sealed.starts_with(s.current_prefix()));
        assert!(!sealed.contains("xoxb"));
        assert_eq!(s.open_string(&sealed).unwrap(), "xoxb-secret");
    }

    #[test]
    fn the_prefix_names_the_key() {
        let a = Sealer::from_base64_key(KEY).unwrap();
        let b = Sealer::from_base64_key(OTHER).unwrap();
        let p = a.current_prefix();
        assert_eq!(p.len(), PREFIX_LEN);
        assert!(p.starts_with("v2.") && p.ends_with('.'));
        assert!(p[3..11].chars().all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase()));
        assert_ne!(p, b.current_prefix());
        // Stable: the same key always has the same id (stored values depend on it).
        assert_eq!(p, Sealer::from_base64_key(&format!(" {KEY}\n")).unwrap().current_prefix());
    }

    #[test]
    fn different_nonces_give_different_ciphertexts() {
        let s = Sealer::from_base64_key(KEY).unwrap();
        assert_ne!(s.seal([1; 12], b"same").unwrap(), s.seal([2; 12], b"same").unwrap());
    }

    #[test]
    fn tampering_and_wrong_keys_are_refused() {
        let s = Sealer::from_base64_key(KEY).unwrap();
        let sealed = s.seal([7; 12], b"value").unwrap();
        let mut bytes = sealed.clone().into_bytes();
        let last = bytes.len() - 3;
        bytes[last] = if bytes[last] == b'A' { b'B' } else { b'A' };
        assert_eq!(s.open(&String::from_utf8(bytes).unwrap()), Err(SecretError::Corrupt));
        let other = Sealer::from_base64_key(OTHER).unwrap();
        assert_eq!(other.open(&sealed), Err(SecretError::UnknownKey));
        // A value claiming the other key's id is still checked by its tag.
        let forged = sealed.replacen(s.current_prefix(), other.current_prefix(), 1);
        assert_eq!(other.open(&forged), Err(SecretError::Corrupt));
        assert_eq!(s.open("plain"), Err(SecretError::Corrupt));
        assert_eq!(s.open("v2.zzzzzzzz.AAAA"), Err(SecretError::Corrupt));
        assert_eq!(s.open("v2.0123"), Err(SecretError::Corrupt));
        assert_eq!(s.open(&format!("{}!!", s.current_prefix())), Err(SecretError::Corrupt));
        assert_eq!(s.open(&format!("{}AAAA", s.current_prefix())), Err(SecretError::Corrupt));
    }

    #[test]
    fn keys_must_be_32_bytes_of_base64() {
        assert!(Sealer::from_base64_key("c2hvcnQ=").is_err());
        assert!(Sealer::from_base64_key("not base64!").is_err());
        assert!(Sealer::from_base64_key("").is_err());
        assert!(Sealer::from_base64_keys(KEY, "c2hvcnQ=").is_err());
        assert!(Sealer::from_base64_keys(KEY, "  ").unwrap().previous_prefix().is_none());
    }

    #[test]
    fn the_previous_key_still_opens_its_values_and_new_ones_use_the_current() {
        let old = Sealer::from_base64_key(OTHER).unwrap();
        let sealed_old = old.seal([3; 12], b"old secret").unwrap();
        let rotated = Sealer::from_base64_keys(KEY, OTHER).unwrap();
        assert_eq!(rotated.previous_prefix(), Some(old.current_prefix()));
        assert_eq!(rotated.open_string(&sealed_old).unwrap(), "old secret");
        assert!(!rotated.is_current(&sealed_old));
        let fresh = rotated.seal([4; 12], b"new").unwrap();
        assert!(rotated.is_current(&fresh));
        assert_eq!(Sealer::from_base64_key(KEY).unwrap().open_string(&fresh).unwrap(), "new");
        // Once the previous key is gone, its values no longer open.
        assert_eq!(Sealer::from_base64_key(KEY).unwrap().open(&sealed_old), Err(SecretError::UnknownKey));
    }

    #[test]
    fn legacy_values_are_tried_with_the_current_key_then_the_previous() {
        let under_current = legacy(KEY, [5; 12], b"one");
        let under_previous = legacy(OTHER, [6; 12], b"two");
        let only = Sealer::from_base64_key(KEY).unwrap();
        assert_eq!(only.open_string(&under_current).unwrap(), "one");
        assert_eq!(only.open(&under_previous), Err(SecretError::Corrupt));
        let rotated = Sealer::from_base64_keys(KEY, OTHER).unwrap();
        assert_eq!(rotated.open_string(&under_current).unwrap(), "one");
        assert_eq!(rotated.open_string(&under_previous).unwrap(), "two");
        assert!(!rotated.is_current(&under_current));
        let third = Sealer::from_base64_keys(THIRD, OTHER).unwrap();
        assert_eq!(third.open(&under_current), Err(SecretError::Corrupt));
        assert_eq!(rotated.open("v1.!!"), Err(SecretError::Corrupt));
    }

    #[test]
    fn reseal_moves_old_values_to_the_current_key_and_leaves_current_ones() {
        let old = Sealer::from_base64_key(OTHER).unwrap();
        let rotated = Sealer::from_base64_keys(KEY, OTHER).unwrap();
        let current_only = Sealer::from_base64_key(KEY).unwrap();
        for before in
            [old.seal([1; 12], b"creds").unwrap(), legacy(OTHER, [2; 12], b"creds"), legacy(KEY, [3; 12], b"creds")]
        {
            let after = rotated.reseal([9; 12], &before).unwrap().expect("re-sealed");
            assert!(after.starts_with(current_only.current_prefix()));
            assert_eq!(current_only.open_string(&after).unwrap(), "creds");
            // Idempotent: a second pass has nothing to do.
            assert_eq!(rotated.reseal([8; 12], &after).unwrap(), None);
        }
        let third = Sealer::from_base64_key(THIRD).unwrap().seal([1; 12], b"x").unwrap();
        assert_eq!(rotated.reseal([1; 12], &third), Err(SecretError::UnknownKey));
    }

    #[test]
    fn function_headers_are_resealed_value_by_value() {
        let old = Sealer::from_base64_key(OTHER).unwrap();
        let rotated = Sealer::from_base64_keys(KEY, OTHER).unwrap();
        let current_only = Sealer::from_base64_key(KEY).unwrap();
        let kept = rotated.seal([1; 12], b"application/json").unwrap();
        let headers = serde_json::json!({
            "Authorization": old.seal([2; 12], b"Bearer s3cret").unwrap(),
            "X-Legacy": legacy(OTHER, [3; 12], b"legacy"),
            "Accept": kept,
        })
        .to_string();
        let mut n = 0u8;
        let mut nonce = || {
            n += 1;
            Some([n; 12])
        };
        let out = rotated.reseal_headers(&headers, &mut nonce).unwrap().expect("changed");
        let map: serde_json::Map<String, serde_json::Value> = serde_json::from_str(&out).unwrap();
        let open = |name: &str| current_only.open_string(map[name].as_str().unwrap()).unwrap();
        assert_eq!(open("Authorization"), "Bearer s3cret");
        assert_eq!(open("X-Legacy"), "legacy");
        // A value already under the current key is left as it was.
        assert_eq!(map["Accept"].as_str(), Some(kept.as_str()));
        assert_eq!(rotated.reseal_headers(&out, &mut nonce).unwrap(), None);
        assert_eq!(rotated.reseal_headers("{}", &mut nonce).unwrap(), None);
        assert_eq!(rotated.reseal_headers(&headers, &mut || None), Err(SecretError::NoRandomness));
        assert_eq!(rotated.reseal_headers("not json", &mut nonce), Err(SecretError::Corrupt));
        assert_eq!(rotated.reseal_headers(r#"{"A": 1}"#, &mut nonce), Err(SecretError::Corrupt));
    }

    #[test]
    fn binary_values_round_trip_under_either_key_with_a_fixed_overhead() {
        let old = Sealer::from_base64_key(OTHER).unwrap();
        let rotated = Sealer::from_base64_keys(KEY, OTHER).unwrap();
        let body = vec![0u8, 200, 1, 2, 255, 254];
        let sealed = old.seal_bytes([1; 12], &body).unwrap();
        assert_eq!(sealed.len(), body.len() + PREFIX_LEN + 12 + 16);
        assert!(Sealer::is_sealed_bytes(&sealed));
        assert_eq!(rotated.open_bytes(&sealed).unwrap(), body);
        let fresh = rotated.seal_bytes([2; 12], &body).unwrap();
        assert!(fresh.starts_with(rotated.current_prefix().as_bytes()));
        assert_eq!(Sealer::from_base64_key(KEY).unwrap().open_bytes(&fresh).unwrap(), body);
        assert_eq!(Sealer::from_base64_key(THIRD).unwrap().open_bytes(&fresh), Err(SecretError::UnknownKey));
        // What was stored before responses were sealed starts with its status code.
        assert!(!Sealer::is_sealed_bytes(&body));
        let mut bad = fresh.clone();
        let last = bad.len() - 1;
        bad[last] ^= 1;
        assert_eq!(rotated.open_bytes(&bad), Err(SecretError::Corrupt));
    }
}
