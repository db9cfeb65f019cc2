//! The listing parameters every collection shares (seed 002, "List agents"): `q`,
//! `autocomplete`, `tag`, `trashed`, `order_by`, `skip`, `take`, `count_only`, plus the
//! resource's own filters. Bad values are a 422, never SQL: `order_by` is matched against
//! a fixed list and only a listed column name ever reaches a query.

use super::validate::Errors;
use std::collections::HashMap;

#[derive(Debug, Clone, PartialEq)]
pub struct ListQuery {
    pub q: Option<String>,
    /// `true` (default): `q` matches the start of any word; `false`: anywhere.
    pub autocomplete: bool,
    pub tag: Option<String>,
    /// `Some(false)` (default) live only, `Some(true)` trashed only, `None` both.
    pub trashed: Option<bool>,
    /// A column from the resource's sortable list.
    pub order_by: &'static str,
    pub desc: bool,
    pub skip: i64,
    pub take: i64,
    pub count_only: bool,
    /// Every parameter as given (decoded), for the resource's own filters.
    pub params: HashMap<String, String>,
}

pub const DEFAULT_TAKE: i64 = 25;
pub const MAX_TAKE: i64 = 100;
pub const MAX_SKIP: i64 = 1_000_000_000;

/// A boolean query parameter: exactly `true` or `false`, as the document says.
pub fn parse_bool(v: &str) -> Option<bool> {
    match v {
        "true" => Some(true),
        "false" => Some(false),
        _ => None,
    }
}

/// The `order_by` pattern of a listing: a sortable field, optionally followed by one space
/// and `asc` or `desc` (the OpenAPI document states the same pattern).
pub fn order_by_pattern(sortable: &[&str]) -> String {
    format!("^({})( (asc|desc))?$", sortable.join("|"))
}

/// Parses a raw query string (without `?`). A parameter of a type (boolean, integer,
/// `order_by`) that is present must be valid: `take=` is a 422, not the default. Text
/// filters (`q`, `tag`) left empty filter nothing.
pub fn parse(query: &str, sortable: &[&'static str]) -> Result<ListQuery, Errors> {
    let params: HashMap<String, String> = url::form_urlencoded::parse(query.as_bytes()).into_owned().collect();
    let mut errors = Errors::new();
    let get = |k: &str| params.get(k).map(String::as_str);

    let mut flag = |key: &str, default: bool| match get(key) {
        None => default,
        Some(v) => parse_bool(v).unwrap_or_else(|| {
            errors.add(key, format!("The {key} field must be true or false."));
            default
        }),
    };
    let autocomplete = flag("autocomplete", true);
    let count_only = flag("count_only", false);
    let trashed = match params.get("trashed").map(String::as_str) {
        None => Some(false),
        Some("null") => None,
        Some(v) => match parse_bool(v) {
            Some(b) => Some(b),
            None => {
                errors.add("trashed", "The trashed field must be true, false or null.");
                Some(false)
            }
        },
    };
    let mut int = |key: &str, default: i64, min: i64, max: i64| match get(key) {
        None => default,
        Some(v) => match v.parse::<i64>() {
            Ok(n) if (min..=max).contains(&n) => n,
            _ => {
                errors.add(key, format!("The {key} must be an integer between {min} and {max}."));
                default
            }
        },
    };
    let take = int("take", DEFAULT_TAKE, 1, MAX_TAKE);
    let skip = int("skip", 0, 0, MAX_SKIP);

    let mut order_by = sortable[0];
    let mut desc = false;
    if let Some(raw) = get("order_by") {
        let (field, dir) = match raw.split_once(' ') {
            Some((f, d)) => (f, Some(d)),
            None => (raw, None),
        };
        match (sortable.iter().find(|s| **s == field), dir) {
            (Some(col), None | Some("asc")) => order_by = col,
            (Some(col), Some("desc")) => {
                order_by = col;
                desc = true;
            }
            _ => errors.add(
                "order_by",
                format!("The order_by must be one of {} optionally followed by desc.", sortable.join(", ")),
            ),
        }
    }
    errors.into_result()?;
    let text = |k: &str| get(k).map(|v| v.trim().to_string()).filter(|v| !v.is_empty());
    Ok(ListQuery {
        q: text("q").map(|q| search_prefix(&q).to_string()),
        autocomplete,
        tag: text("tag"),
        trashed,
        order_by,
        desc,
        skip,
        take,
        count_only,
        params: params.clone(),
    })
}

/// D1 refuses a LIKE pattern over 50 bytes ("pattern too complex"); the longest pattern a
/// listing builds is `% ` + the escaped term + `%`.
pub const MAX_SEARCH_BYTES: usize = 47;

/// The part of a search term that is matched: its longest prefix whose escaped form fits
/// D1's LIKE pattern limit (documented on every `q`).
pub fn search_prefix(term: &str) -> &str {
    let mut used = 0;
    for (i, c) in term.char_indices() {
        let len = c.len_utf8() + usize::from(matches!(c, '%' | '_' | '\\'));
        if used + len > MAX_SEARCH_BYTES {
            return &term[..i];
        }
        used += len;
    }
    term
}

/// Escapes `%`, `_` and `\` for a `LIKE ... ESCAPE '\'` pattern.
pub fn like_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const SORT: [&str; 3] = ["id", "name", "created_at"];

    #[test]
    fn defaults() {
        let q = parse("", &SORT).unwrap();
        assert_eq!(
            (q.take, q.skip, q.order_by, q.desc, q.trashed, q.autocomplete, q.count_only),
            (25, 0, "id", false, Some(false), true, false)
        );
    }

    #[test]
    fn order_by_accepts_listed_fields_with_direction() {
        let q = parse("order_by=name+desc", &SORT).unwrap();
        assert_eq!((q.order_by, q.desc), ("name", true));
        let q = parse("order_by=created_at%20asc", &SORT).unwrap();
        assert_eq!((q.order_by, q.desc), ("created_at", false));
        for bad in [
            "order_by=password",
            "order_by=name+sideways",
            "order_by=id;DROP TABLE agents",
            "order_by=id+desc+x",
            "order_by=",
            "order_by=name++desc",
            "order_by=name+DESC",
        ] {
            assert!(parse(bad, &SORT).unwrap_err().has("order_by"), "{bad}");
        }
    }

    #[test]
    fn take_and_skip_bounds() {
        assert_eq!(parse("take=100&skip=5", &SORT).unwrap().take, 100);
        for bad in ["take=0", "take=101", "take=ten", "take=-1", "take="] {
            assert!(parse(bad, &SORT).unwrap_err().has("take"), "{bad}");
        }
        assert!(parse("skip=-1", &SORT).unwrap_err().has("skip"));
    }

    #[test]
    fn trashed_true_false_null() {
        assert_eq!(parse("trashed=true", &SORT).unwrap().trashed, Some(true));
        assert_eq!(parse("trashed=false", &SORT).unwrap().trashed, Some(false));
        assert_eq!(parse("trashed=null", &SORT).unwrap().trashed, None);
        assert!(parse("trashed=maybe", &SORT).unwrap_err().has("trashed"));
        assert!(parse("trashed=1", &SORT).unwrap_err().has("trashed"));
        assert!(parse("count_only=yes", &SORT).unwrap_err().has("count_only"));
        assert!(parse("autocomplete=", &SORT).unwrap_err().has("autocomplete"));
    }

    #[test]
    fn text_filters_are_decoded_and_trimmed() {
        let q = parse("q=tweety%20bird&tag=+vip+&autocomplete=false&count_only=true", &SORT).unwrap();
        assert_eq!(q.q.as_deref(), Some("tweety bird"));
        assert_eq!(q.tag.as_deref(), Some("vip"));
        assert!(!q.autocomplete && q.count_only);
    }

    #[test]
    fn search_terms_fit_the_like_limit() {
        assert_eq!(search_prefix("tweety"), "tweety");
        let long = "\u{e5}".repeat(40);
        let p = search_prefix(&long);
        assert_eq!(p.len(), 46);
        assert!(like_escape(&"%".repeat(30)).len() > MAX_SEARCH_BYTES);
        assert_eq!(search_prefix(&"%".repeat(30)).len(), 23);
        let q = parse(&format!("q={}", "x".repeat(100)), &SORT).unwrap();
        assert_eq!(q.q.map(|q| q.len()), Some(MAX_SEARCH_BYTES));
    }

    #[test]
    fn like_patterns_are_escaped() {
        assert_eq!(like_escape("50%_off\\"), "50\\%\\_off\\\\");
    }
}
