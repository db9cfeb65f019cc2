//! "Redaction first" (seed 003): secrets and personal numbers are replaced with a marker
//! before training text is stored, chunked or indexed. Hand-written scanners (no regex
//! engine in the wasm): each one looks at a word start and says how long a match is.
//!
//! Redacted: API keys and tokens of common shapes (OpenAI/Stripe `sk-`/`sk_live_`...,
//! GitHub `ghp_`..., Slack `xox?-`, AWS `AKIA`, Google `AIza`, GitLab `glpat-`, our own
//! `weav_` and `weav_op_`), the token after `Bearer `, payment card numbers (13 to 19
//! digits, optionally grouped by spaces or dashes) that pass the Luhn check, and IBANs
//! that pass ISO 13616's mod-97 check. Ordinary numbers, dates, phone-like numbers and
//! order ids stay.

pub const SECRET_MARKER: &str = "[REDACTED:secret]";
pub const CARD_MARKER: &str = "[REDACTED:card]";
pub const IBAN_MARKER: &str = "[REDACTED:iban]";

/// Known key prefixes and the minimum number of key characters that must follow.
const KEY_PREFIXES: &[(&str, usize)] = &[
    ("weav_", 20),
    ("sk-proj-", 16),
    ("sk-ant-", 16),
    ("sk-", 20),
    ("sk_live_", 16),
    ("sk_test_", 16),
    ("rk_live_", 16),
    ("rk_test_", 16),
    ("pk_live_", 16),
    ("pk_test_", 16),
    ("whsec_", 16),
    ("ghp_", 20),
    ("gho_", 20),
    ("ghu_", 20),
    ("ghs_", 20),
    ("ghr_", 20),
    ("github_pat_", 20),
    ("glpat-", 16),
    ("xoxb-", 10),
    ("xoxp-", 10),
    ("xoxa-", 10),
    ("xoxr-", 10),
    ("xoxe-", 10),
    ("AKIA", 16),
    ("ASIA", 16),
    ("AIza", 30),
];

fn is_key_char(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_' || c == b'-'
}

fn is_word(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_'
}

/// Length of an API key starting at `i`, if one does.
fn key_at(b: &[u8], i: usize) -> Option<usize> {
    for (prefix, min) in KEY_PREFIXES {
        let p = prefix.as_bytes();
        if b.len() >= i + p.len() && &b[i..i + p.len()] == p {
            let mut j = i + p.len();
            while j < b.len() && is_key_char(b[j]) {
                j += 1;
            }
            let body = j - i - p.len();
            // AWS access key ids are exactly 16 upper-case letters and digits after the prefix.
            if prefix.starts_with('A') && prefix.len() == 4 && *prefix != "AIza" {
                let ok = body == 16 && b[i + 4..j].iter().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit());
                return ok.then_some(j - i);
            }
            if body >= *min && b[i + p.len()..j].iter().any(u8::is_ascii_digit) || body >= *min + 12 {
                return Some(j - i);
            }
            return None;
        }
    }
    None
}

/// `Bearer <token>` (any case): returns (offset of the token, token length).
fn bearer_at(b: &[u8], i: usize) -> Option<(usize, usize)> {
    const WORD: &[u8] = b"bearer";
    if b.len() < i + WORD.len() + 2 || !b[i..i + WORD.len()].eq_ignore_ascii_case(WORD) {
        return None;
    }
    let mut j = i + WORD.len();
    if !matches!(b[j], b' ' | b'\t') {
        return None;
    }
    while j < b.len() && matches!(b[j], b' ' | b'\t') {
        j += 1;
    }
    let start = j;
    while j < b.len() && (b[j].is_ascii_alphanumeric() || b"-._~+/=".contains(&b[j])) {
        j += 1;
    }
    // A sentence's full stop is not part of the token.
    while j > start && b[j - 1] == b'.' {
        j -= 1;
    }
    let token = &b[start..j];
    // A real token is long and not a plain word: it has a digit or a symbol.
    let long = token.len() >= 16;
    let mixed = token.iter().any(|c| c.is_ascii_digit() || !c.is_ascii_alphabetic());
    (long && mixed).then_some((start - i, j - start))
}

/// Whether a digit string passes the Luhn check.
pub fn luhn(digits: &[u8]) -> bool {
    let mut sum = 0u32;
    for (n, d) in digits.iter().rev().enumerate() {
        let mut v = u32::from(d - b'0');
        if n % 2 == 1 {
            v *= 2;
            if v > 9 {
                v -= 9;
            }
        }
        sum += v;
    }
    !digits.is_empty() && sum.is_multiple_of(10)
}

/// A card number starting at `i`: 13–19 digits, single spaces or dashes between groups.
fn card_at(b: &[u8], i: usize) -> Option<usize> {
    let mut digits = Vec::with_capacity(19);
    let mut j = i;
    let mut sep: Option<u8> = None;
    while j < b.len() {
        let c = b[j];
        if c.is_ascii_digit() {
            digits.push(c);
            j += 1;
        } else if (c == b' ' || c == b'-') && j + 1 < b.len() && b[j + 1].is_ascii_digit() && !digits.is_empty() {
            // One separator kind throughout, as cards are printed.
            if sep.is_some_and(|s| s != c) {
                break;
            }
            sep = Some(c);
            j += 1;
        } else {
            break;
        }
        if digits.len() > 19 {
            return None;
        }
    }
    // A digit string glued to letters or more digits is an id, not a card.
    if j < b.len() && is_word(b[j]) {
        return None;
    }
    if (13..=19).contains(&digits.len()) && luhn(&digits) {
        // Grouped numbers must look like card groups (3 to 6 digits), so that a date
        // range or a list of small numbers never qualifies.
        if sep.is_some() {
            let text = &b[i..j];
            let groups_ok =
                text.split(|c| *c == b' ' || *c == b'-').all(|g| (3..=6).contains(&g.len()) || g.len() == 1);
            if !groups_ok {
                return None;
            }
        }
        return Some(j - i);
    }
    None
}

/// ISO 13616 mod-97 check of a compact IBAN (upper-case letters and digits).
pub fn iban_valid(compact: &[u8]) -> bool {
    if compact.len() < 15 || compact.len() > 34 {
        return false;
    }
    if !compact[..2].iter().all(u8::is_ascii_uppercase) || !compact[2..4].iter().all(u8::is_ascii_digit) {
        return false;
    }
    let mut rem: u32 = 0;
    for &c in compact[4..].iter().chain(&compact[..4]) {
        let v = match c {
            b'0'..=b'9' => u32::from(c - b'0'),
            b'A'..=b'Z' => u32::from(c - b'A') + 10,
            _ => return false,
        };
        rem = if v >= 10 { (rem * 100 + v) % 97 } else { (rem * 10 + v) % 97 };
    }
    rem == 1
}

/// An IBAN starting at `i`, compact or grouped by single spaces; the longest valid form.
fn iban_at(b: &[u8], i: usize) -> Option<usize> {
    if b.len() < i + 15 || !b[i].is_ascii_uppercase() || !b[i + 1].is_ascii_uppercase() {
        return None;
    }
    let mut compact = Vec::with_capacity(34);
    let mut ends = Vec::new(); // (end offset, compact length) at each possible end
    let mut j = i;
    while j < b.len() && compact.len() < 34 {
        let c = b[j];
        if c.is_ascii_uppercase() || c.is_ascii_digit() {
            compact.push(c);
            j += 1;
            if j == b.len() || !(b[j].is_ascii_uppercase() || b[j].is_ascii_digit()) {
                ends.push((j, compact.len()));
            }
        } else if c == b' ' && j + 1 < b.len() && (b[j + 1].is_ascii_uppercase() || b[j + 1].is_ascii_digit()) {
            j += 1;
        } else {
            break;
        }
    }
    ends.into_iter()
        .rev()
        .find(|(end, n)| (*end == b.len() || !is_word(b[*end])) && iban_valid(&compact[..*n]))
        .map(|(end, _)| end - i)
}

/// The text with every secret and personal number replaced, and how many were.
pub fn redact(text: &str) -> (String, usize) {
    let b = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut count = 0;
    let mut copied = 0; // bytes of `text` already in `out`
    let mut i = 0;
    while i < b.len() {
        let at_word_start = i == 0 || !is_word(b[i - 1]);
        if !at_word_start || !b[i].is_ascii_alphanumeric() {
            i += 1;
            continue;
        }
        let hit: Option<(usize, usize, &str)> = if let Some((off, len)) = bearer_at(b, i) {
            Some((i + off, len, SECRET_MARKER))
        } else if let Some(len) = key_at(b, i) {
            Some((i, len, SECRET_MARKER))
        } else if b[i].is_ascii_digit() {
            card_at(b, i).map(|len| (i, len, CARD_MARKER))
        } else {
            iban_at(b, i).map(|len| (i, len, IBAN_MARKER))
        };
        match hit {
            Some((start, len, marker)) => {
                out.push_str(&text[copied..start]);
                out.push_str(marker);
                count += 1;
                i = start + len;
                copied = i;
            }
            None => {
                // Skip the rest of this word (digits of a long number included).
                while i < b.len() && is_word(b[i]) {
                    i += 1;
                }
            }
        }
    }
    out.push_str(&text[copied..]);
    (out, count)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(s: &str) -> (String, usize) {
        redact(s)
    }

    #[test]
    fn api_keys_of_common_shapes() {
        for key in [
            "sk-proj-abc123DEF456ghi789JKL012",
            "sk-abcdefghijklmnopqrstuvwxyz0123456789ABCD",
            "sk_live_51HkQ2bLkdIwHu7ixRtFRaEQ",
            "sk_test_4eC39HqLyjWDarjtT1zdp7dc",
            "ghp_16C7e42F292c6912E7710c838347Ae178B4a",
            "github_pat_11ABCDEFG0123456789_abcdefghijklmnop",
            "xoxb-123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx",
            "AKIAIOSFODNN7EXAMPLE",
            "AIzaSyD-9tSrke72PouQMnMX-a7eZSW0jkFMBWY",
            "glpat-xxxxxxxxxx1234567890",
        ] {
            let (out, n) = r(&format!("key: {key} end"));
            assert_eq!(out, format!("key: {SECRET_MARKER} end"), "{key}");
            assert_eq!(n, 1, "{key}");
        }
    }

    #[test]
    fn our_own_tokens() {
        let (out, n) = r("use weav_AbCdEfGhIjKlMnOpQrStUvWxYz0123abc9f1 please");
        assert_eq!(out, format!("use {SECRET_MARKER} please"));
        assert_eq!(n, 1);
        // Operator keys share the prefix (`weav_op_`): redacted by the same rule.
        let (out, n) = r("key weav_op_AbCdEfGhIjKlMnOpQrStUvWxYz0123abc9f1.");
        assert_eq!((out, n), (format!("key {SECRET_MARKER}."), 1));
        // Prose about the prefix is not a token.
        assert_eq!(r("tokens start with weav_ and a checksum").1, 0);
    }

    #[test]
    fn bearer_tokens_keep_the_word() {
        let (out, n) = r("Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.abc-DEF_123.");
        assert_eq!(out, format!("Authorization: Bearer {SECRET_MARKER}."));
        assert_eq!(n, 1);
        // "bearer" in prose is left alone.
        assert_eq!(r("the bearer of this letter is welcome").1, 0);
    }

    #[test]
    fn card_numbers_that_pass_luhn() {
        for card in ["4111111111111111", "4111 1111 1111 1111", "5500-0000-0000-0004", "378282246310005"] {
            let (out, n) = r(&format!("card {card}, thanks"));
            assert_eq!(out, format!("card {CARD_MARKER}, thanks"), "{card}");
            assert_eq!(n, 1);
        }
        // Fails Luhn: stays.
        assert_eq!(r("card 4111111111111112").1, 0);
    }

    #[test]
    fn ibans_compact_and_grouped() {
        for iban in ["DE89370400440532013000", "DE89 3704 0044 0532 0130 00", "GB82 WEST 1234 5698 7654 32"] {
            let (out, n) = r(&format!("Pay to {iban} today"));
            assert_eq!(out, format!("Pay to {IBAN_MARKER} today"), "{iban}");
            assert_eq!(n, 1);
        }
        // A wrong check digit stays.
        assert_eq!(r("DE88370400440532013000").1, 0);
    }

    #[test]
    fn ordinary_numbers_dates_and_ids_stay() {
        for text in [
            "Order #123456789 shipped on 2024-01-15 at 10:30.",
            "Call +1 555 123 4567 or 555-123-4567.",
            "ORD-2024-000123 and invoice INV-99881",
            "Version 1.2.3, 42 items, 3.14159, 1000000 users",
            "Between 2023-12-01 and 2024-01-15 we sold 12345678901 units",
            "tracking id 1Z999AA10123456784",
            "uuid 123e4567-e89b-12d3-a456-426614174000",
            "A plain sentence with SKUs like AB12 and DE12.",
        ] {
            let (out, n) = r(text);
            assert_eq!((out.as_str(), n), (text, 0), "{text}");
        }
    }

    #[test]
    fn several_in_one_text_are_counted() {
        let (out, n) = r("a 4111111111111111 b DE89370400440532013000 c ghp_16C7e42F292c6912E7710c838347Ae178B4a");
        assert_eq!(n, 3);
        assert_eq!(out, format!("a {CARD_MARKER} b {IBAN_MARKER} c {SECRET_MARKER}"));
    }

    #[test]
    fn unicode_text_is_kept_intact() {
        let (out, n) = r("Grüße — 東京 4111111111111111 ✓");
        assert_eq!(out, format!("Grüße — 東京 {CARD_MARKER} ✓"));
        assert_eq!(n, 1);
    }
}
