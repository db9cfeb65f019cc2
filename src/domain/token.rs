//! API token format: `weav_` + 30 base62 characters of CSPRNG output + a 6-character
//! base62 CRC-32 of those 30 characters. Operator keys have the same shape under their
//! own prefix, `weav_op_`: neither kind can pass for the other (their lengths differ).
//!
//! The fixed prefix lets secret scanners recognise a leaked token; the checksum lets us
//! refuse a mistyped or made-up token before spending a KV read on it. Only the SHA-256
//! of the whole token is ever stored.

use sha2::{Digest, Sha256};

pub const PREFIX: &str = "weav_";
const RANDOM_LEN: usize = 30; // 30 * log2(62) ≈ 178 bits
const CHECKSUM_LEN: usize = 6; // 62^6 > 2^32
pub const TOKEN_LEN: usize = PREFIX.len() + RANDOM_LEN + CHECKSUM_LEN;
/// The operator API's named keys (`/admin/v1/operator-keys`).
pub const OPERATOR_PREFIX: &str = "weav_op_";
/// A website widget's publishable key: public (it sits in the page), named in widget paths.
pub const PUBLISHABLE_PREFIX: &str = "weav_pk_";
/// An end user's widget session, valid only on that widget's routes.
pub const SESSION_PREFIX: &str = "weav_sess_";
const ALPHABET: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/// Builds a token from random bytes (at least 30; the caller takes them from the CSPRNG).
/// Each character takes one byte; bytes >= 248 would bias the alphabet, so they are
/// skipped, which is why the caller passes more bytes than characters.
pub fn from_random(bytes: &[u8]) -> Option<String> {
    with_prefix(PREFIX, bytes)
}

/// An operator key from random bytes, as `from_random` builds an API token.
pub fn operator_key_from_random(bytes: &[u8]) -> Option<String> {
    with_prefix(OPERATOR_PREFIX, bytes)
}

/// A publishable widget key from random bytes, as `from_random` builds an API token.
pub fn publishable_key_from_random(bytes: &[u8]) -> Option<String> {
    with_prefix(PUBLISHABLE_PREFIX, bytes)
}

/// A widget session token from random bytes, as `from_random` builds an API token.
pub fn session_from_random(bytes: &[u8]) -> Option<String> {
    with_prefix(SESSION_PREFIX, bytes)
}

fn with_prefix(prefix: &str, bytes: &[u8]) -> Option<String> {
    let mut body = String::with_capacity(prefix.len() + RANDOM_LEN + CHECKSUM_LEN);
    body.push_str(prefix);
    let mut taken = 0;
    for &b in bytes {
        if taken == RANDOM_LEN {
            break;
        }
        if b < 248 {
            body.push(ALPHABET[(b % 62) as usize] as char);
            taken += 1;
        }
    }
    if taken < RANDOM_LEN {
        return None;
    }
    let sum = checksum(&body[prefix.len()..]);
    body.push_str(&sum);
    Some(body)
}

/// A prefixed random id (`blob_…`, `conn_…`): `len` base62 characters from `bytes`
/// (which must hold at least `len` bytes below 248; pass twice as many to be safe).
pub fn random_id(prefix: &str, bytes: &[u8], len: usize) -> String {
    let mut out = String::with_capacity(prefix.len() + len);
    out.push_str(prefix);
    for &b in bytes.iter().filter(|&&b| b < 248).take(len) {
        out.push(ALPHABET[(b % 62) as usize] as char);
    }
    out
}

/// True when the token has our shape and its checksum matches.
pub fn is_well_formed(token: &str) -> bool {
    has_shape(PREFIX, token)
}

/// True when the text is an operator key's shape with a matching checksum.
pub fn is_operator_key(key: &str) -> bool {
    has_shape(OPERATOR_PREFIX, key)
}

/// True when the text is a publishable widget key's shape with a matching checksum.
pub fn is_publishable_key(key: &str) -> bool {
    has_shape(PUBLISHABLE_PREFIX, key)
}

/// True when the text is a widget session token's shape with a matching checksum.
pub fn is_session_token(token: &str) -> bool {
    has_shape(SESSION_PREFIX, token)
}

fn has_shape(prefix: &str, token: &str) -> bool {
    if token.len() != prefix.len() + RANDOM_LEN + CHECKSUM_LEN || !token.starts_with(prefix) {
        return false;
    }
    let rest = &token[prefix.len()..];
    if !rest.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return false;
    }
    let (random, sum) = rest.split_at(RANDOM_LEN);
    checksum(random) == sum
}

/// Lower-case hex SHA-256: the KV key of a token and the only form we keep.
pub fn sha256_hex(text: &str) -> String {
    hex(&Sha256::digest(text.as_bytes()))
}

/// SplitMix64: the next value of a 64-bit state (a fast, well-mixed sequence; not for
/// secrets).
pub fn splitmix64(state: &std::cell::Cell<u64>) -> u64 {
    let next = state.get().wrapping_add(0x9E37_79B9_7F4A_7C15);
    state.set(next);
    let mut z = next;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

pub fn hex(bytes: &[u8]) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(HEX[(b >> 4) as usize] as char);
        out.push(HEX[(b & 15) as usize] as char);
    }
    out
}

fn checksum(random: &str) -> String {
    let mut n = crc32(random.as_bytes()) as u64;
    let mut out = [b'0'; CHECKSUM_LEN];
    for slot in out.iter_mut().rev() {
        *slot = ALPHABET[(n % 62) as usize];
        n /= 62;
    }
    out.iter().map(|&b| b as char).collect()
}

/// CRC-32 (IEEE), bitwise: six characters of checksum do not justify a table or a crate.
fn crc32(data: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFFu32;
    for &byte in data {
        crc ^= byte as u32;
        for _ in 0..8 {
            let mask = (crc & 1).wrapping_neg();
            crc = (crc >> 1) ^ (0xEDB8_8320 & mask);
        }
    }
    !crc
}

#[cfg(test)]
mod splitmix_tests {
    #[test]
    fn splitmix64_matches_the_reference_sequence_and_never_repeats_early() {
        // Reference values for seed 0 (Vigna's splitmix64.c).
        let s = std::cell::Cell::new(0);
        assert_eq!(super::splitmix64(&s), 0xE220_A839_7B1D_CDAF);
        assert_eq!(super::splitmix64(&s), 0x6E78_9E6A_A1B9_65F4);
        let mut seen = std::collections::HashSet::new();
        for _ in 0..10_000 {
            assert!(seen.insert(super::splitmix64(&s)));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> String {
        let bytes: Vec<u8> = (0..64u8).map(|i| i.wrapping_mul(37)).collect();
        from_random(&bytes).unwrap()
    }

    #[test]
    fn crc32_matches_the_standard_check_value() {
        assert_eq!(crc32(b"123456789"), 0xCBF4_3926);
    }

    #[test]
    fn widget_keys_and_sessions_pass_for_nothing_else() {
        let bytes: Vec<u8> = (0..64u8).map(|i| i.wrapping_mul(37)).collect();
        let pk = publishable_key_from_random(&bytes).unwrap();
        let sess = session_from_random(&bytes).unwrap();
        assert!(pk.starts_with("weav_pk_") && is_publishable_key(&pk));
        assert!(sess.starts_with("weav_sess_") && is_session_token(&sess));
        for other in [&pk, &sess] {
            assert!(!is_well_formed(other), "{other} passes as an API token");
            assert!(!is_operator_key(other));
        }
        assert!(!is_session_token(&pk) && !is_publishable_key(&sess));
        assert!(!is_publishable_key(&sample()) && !is_session_token(&sample()));
    }

    #[test]
    fn generated_tokens_are_well_formed() {
        let t = sample();
        assert_eq!(t.len(), TOKEN_LEN);
        assert!(t.starts_with("weav_"));
        assert!(is_well_formed(&t));
    }

    #[test]
    fn a_single_changed_character_fails_the_checksum() {
        let t = sample();
        let mut chars: Vec<char> = t.chars().collect();
        chars[10] = if chars[10] == 'a' { 'b' } else { 'a' };
        let typo: String = chars.into_iter().collect();
        assert!(!is_well_formed(&typo));
    }

    #[test]
    fn wrong_prefix_length_or_charset_is_rejected() {
        let t = sample();
        assert!(!is_well_formed(&t.replacen("weav_", "weax_", 1)));
        assert!(!is_well_formed(&t[..t.len() - 1]));
        assert!(!is_well_formed(&format!("{t}x")));
        assert!(!is_well_formed(&t.replacen('0', "-", 1).replacen('A', "-", 1)));
        assert!(!is_well_formed(""));
    }

    #[test]
    fn operator_keys_have_their_own_prefix_and_never_pass_for_api_tokens() {
        let bytes: Vec<u8> = (0..64u8).map(|i| i.wrapping_mul(37)).collect();
        let key = operator_key_from_random(&bytes).unwrap();
        assert!(key.starts_with("weav_op_"));
        assert_eq!(key.len(), TOKEN_LEN + 3);
        assert!(is_operator_key(&key));
        assert!(!is_well_formed(&key));
        assert!(!is_operator_key(&sample()));
        // The same random part and checksum as an API token: only the prefix differs.
        assert_eq!(&key["weav_op_".len()..], &sample()["weav_".len()..]);
        let mut chars: Vec<char> = key.chars().collect();
        chars[12] = if chars[12] == 'a' { 'b' } else { 'a' };
        assert!(!is_operator_key(&chars.into_iter().collect::<String>()));
        assert!(!is_operator_key(&key.replacen("weav_op_", "weav_oq_", 1)));
    }

    #[test]
    fn too_few_usable_bytes_gives_none() {
        assert!(from_random(&[255u8; 64]).is_none());
        assert!(from_random(&[1u8; 10]).is_none());
    }

    #[test]
    fn sha256_is_hex_of_the_digest() {
        assert_eq!(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    }
}
