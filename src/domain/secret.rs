//! Secrets at rest (connection credentials, function header values, webhook secrets):
//! AES-256-GCM under `CREDENTIALS_KEY`, a fresh 96-bit nonce for every value.
//! Stored form: `v1.` + base64(nonce ‖ ciphertext ‖ tag); the version prefix leaves room
//! for key rotation without guessing what an old value is.

use aes_gcm::aead::{Aead, KeyInit};
use aes_gcm::{Aes256Gcm, Nonce};
use base64::engine::general_purpose::STANDARD;
use base64::Engine;

const PREFIX: &str = "v1.";

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SecretError {
    /// `CREDENTIALS_KEY` is missing or not 32 bytes of base64.
    BadKey,
    /// The stored value is not ours or was tampered with.
    Corrupt,
}

pub struct Sealer(Aes256Gcm);

impl Sealer {
    pub fn from_base64_key(key_b64: &str) -> Result<Sealer, SecretError> {
        let key = STANDARD.decode(key_b64.trim()).map_err(|_| SecretError::BadKey)?;
        if key.len() != 32 {
            return Err(SecretError::BadKey);
        }
        Aes256Gcm::new_from_slice(&key).map(Sealer).map_err(|_| SecretError::BadKey)
    }

    /// Encrypts `plaintext` with the given nonce (the caller takes it from the CSPRNG and
    /// never reuses one).
    pub fn seal(&self, nonce: [u8; 12], plaintext: &[u8]) -> Result<String, SecretError> {
        let ct = self.0.encrypt(Nonce::from_slice(&nonce), plaintext).map_err(|_| SecretError::Corrupt)?;
        let mut raw = Vec::with_capacity(12 + ct.len());
        raw.extend_from_slice(&nonce);
        raw.extend_from_slice(&ct);
        Ok(format!("{PREFIX}{}", STANDARD.encode(raw)))
    }

    pub fn open(&self, sealed: &str) -> Result<Vec<u8>, SecretError> {
        let b64 = sealed.strip_prefix(PREFIX).ok_or(SecretError::Corrupt)?;
        let raw = STANDARD.decode(b64).map_err(|_| SecretError::Corrupt)?;
        if raw.len() < 12 + 16 {
            return Err(SecretError::Corrupt);
        }
        let (nonce, ct) = raw.split_at(12);
        self.0.decrypt(Nonce::from_slice(nonce), ct).map_err(|_| SecretError::Corrupt)
    }

    pub fn open_string(&self, sealed: &str) -> Result<String, SecretError> {
        String::from_utf8(self.open(sealed)?).map_err(|_| SecretError::Corrupt)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=";

    #[test]
    fn round_trips_and_hides_the_plaintext() {
        let s = Sealer::from_base64_key(KEY).unwrap();
        let sealed = s.seal([7; 12], b"xoxb-secret").unwrap();
        assert!(sealed.starts_with("v1."));
        assert!(!sealed.contains("xoxb"));
        assert_eq!(s.open_string(&sealed).unwrap(), "xoxb-secret");
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
        let mut bytes = sealed.into_bytes();
        let last = bytes.len() - 3;
        bytes[last] = if bytes[last] == b'A' { b'B' } else { b'A' };
        assert_eq!(s.open(&String::from_utf8(bytes).unwrap()), Err(SecretError::Corrupt));
        let other = Sealer::from_base64_key("QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNkZWY=").unwrap();
        assert_eq!(other.open(&s.seal([7; 12], b"value").unwrap()), Err(SecretError::Corrupt));
        assert_eq!(s.open("plain"), Err(SecretError::Corrupt));
    }

    #[test]
    fn keys_must_be_32_bytes_of_base64() {
        assert!(Sealer::from_base64_key("c2hvcnQ=").is_err());
        assert!(Sealer::from_base64_key("not base64!").is_err());
        assert!(Sealer::from_base64_key("").is_err());
    }
}
