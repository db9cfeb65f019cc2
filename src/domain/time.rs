//! RFC 3339 timestamps without a date crate: the API only needs to format UTC instants as
//! `2026-12-01T09:30:00.000Z` and to parse what callers send (any offset, optional
//! fraction), which is a few lines of civil-calendar arithmetic.

/// Formats unix milliseconds as `YYYY-MM-DDTHH:MM:SS.mmmZ` (what JavaScript's
/// `toISOString` prints, so the same instant reads the same in both worlds).
pub fn format_millis(ms: i64) -> String {
    let secs = ms.div_euclid(1000);
    let milli = ms.rem_euclid(1000);
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    format!("{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{milli:03}Z", rem / 3600, (rem / 60) % 60, rem % 60)
}

/// Parses an RFC 3339 date-time (`T` or space separator, `Z` or `±HH:MM`, optional
/// fraction) into unix milliseconds. Anything else is `None`.
pub fn parse_millis(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    if b.len() < 20 {
        return None;
    }
    let num = |from: usize, len: usize| -> Option<i64> {
        let part = b.get(from..from + len)?;
        if !part.iter().all(u8::is_ascii_digit) {
            return None;
        }
        std::str::from_utf8(part).ok()?.parse().ok()
    };
    let year = num(0, 4)?;
    let month = num(5, 2)?;
    let day = num(8, 2)?;
    let hour = num(11, 2)?;
    let minute = num(14, 2)?;
    let second = num(17, 2)?;
    if b[4] != b'-' || b[7] != b'-' || !matches!(b[10], b'T' | b't' | b' ') {
        return None;
    }
    if b[13] != b':' || b[16] != b':' {
        return None;
    }
    if !(1..=12).contains(&month) || day < 1 || day > days_in_month(year, month) {
        return None;
    }
    if hour > 23 || minute > 59 || second > 60 {
        return None;
    }
    let mut i = 19;
    let mut millis = 0i64;
    if b.get(i) == Some(&b'.') {
        i += 1;
        let start = i;
        while i < b.len() && b[i].is_ascii_digit() {
            if i - start < 3 {
                millis = millis * 10 + (b[i] - b'0') as i64;
            }
            i += 1;
        }
        if i == start {
            return None;
        }
        for _ in (i - start)..3 {
            millis *= 10;
        }
    }
    let offset_minutes = match b.get(i)? {
        b'Z' | b'z' if i + 1 == b.len() => 0,
        sign @ (b'+' | b'-') if i + 6 == b.len() && b[i + 3] == b':' => {
            let h = num(i + 1, 2)?;
            let m = num(i + 4, 2)?;
            if h > 23 || m > 59 {
                return None;
            }
            let total = h * 60 + m;
            if *sign == b'+' {
                total
            } else {
                -total
            }
        }
        _ => return None,
    };
    let days = days_from_civil(year, month, day);
    let secs = days * 86_400 + hour * 3600 + minute * 60 + second.min(59) - offset_minutes * 60;
    Some(secs * 1000 + millis)
}

/// The calendar month (UTC) of an instant: `(year, month)`.
pub fn month_of(ms: i64) -> (i64, i64) {
    let (y, m, _) = civil_from_days(ms.div_euclid(86_400_000));
    (y, m)
}

/// Unix milliseconds at 00:00 UTC on the first day of a month (months past 12 roll over).
pub fn month_start_millis(year: i64, month: i64) -> i64 {
    let (y, m) = (year + (month - 1).div_euclid(12), (month - 1).rem_euclid(12) + 1);
    days_from_civil(y, m, 1) * 86_400_000
}

fn days_in_month(y: i64, m: i64) -> i64 {
    match m {
        2 if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

// Howard Hinnant's days_from_civil / civil_from_days.
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (if m <= 2 { yoe + era * 400 + 1 } else { yoe + era * 400 }, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_like_to_iso_string() {
        assert_eq!(format_millis(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(format_millis(1_796_117_400_123), "2026-12-01T09:30:00.123Z");
        assert_eq!(format_millis(951_782_400_000), "2000-02-29T00:00:00.000Z");
    }

    #[test]
    fn parses_what_it_formats() {
        for ms in [0, 1_796_117_400_123, 951_782_400_000, 4_102_444_799_999] {
            assert_eq!(parse_millis(&format_millis(ms)), Some(ms));
        }
    }

    #[test]
    fn parses_offsets_and_fractions() {
        assert_eq!(parse_millis("2026-12-01T10:30:00+01:00"), Some(1_796_117_400_000));
        assert_eq!(parse_millis("2026-12-01T09:30:00.5Z"), Some(1_796_117_400_500));
        assert_eq!(parse_millis("2026-12-01T09:30:00.123456Z"), Some(1_796_117_400_123));
        assert_eq!(parse_millis("2026-12-01 09:30:00Z"), Some(1_796_117_400_000));
    }

    #[test]
    fn months_and_their_starts() {
        assert_eq!(month_of(0), (1970, 1));
        assert_eq!(month_of(1_796_117_400_123), (2026, 12));
        // The last millisecond of November and the first of December.
        let dec = month_start_millis(2026, 12);
        assert_eq!(format_millis(dec), "2026-12-01T00:00:00.000Z");
        assert_eq!(month_of(dec - 1), (2026, 11));
        assert_eq!(month_of(dec), (2026, 12));
        assert_eq!(format_millis(month_start_millis(2026, 13)), "2027-01-01T00:00:00.000Z");
        assert_eq!(format_millis(month_start_millis(2024, 2)), "2024-02-01T00:00:00.000Z");
    }

    #[test]
    fn rejects_what_is_not_rfc3339() {
        for bad in [
            "",
            "2026-12-01",
            "2026-12-01T09:30:00",
            "2026-13-01T09:30:00Z",
            "2026-02-30T09:30:00Z",
            "2026-12-01T24:00:00Z",
            "2026-12-01T09:30:00.Z",
            "2026-12-01T09:30:00+0100",
            "2026-12-01T09:30:00Zjunk",
            "tomorrow at noon please",
        ] {
            assert_eq!(parse_millis(bad), None, "{bad}");
        }
    }
}
