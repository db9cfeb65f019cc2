//! Agents and their functions (seed 002, CONTRACT.md "Agents and functions"): what a
//! write may contain, checked field by field into the 422 shape.

use super::schema;
use super::validate::{Errors, Input};
use serde_json::{Map, Value};

pub const PROVIDERS: [&str; 5] = ["anthropic", "gemini", "kapa", "openai", "weavy"];
pub const METHODS: [&str; 5] = ["GET", "POST", "PUT", "PATCH", "DELETE"];
/// What a redacted header value reads as; writing it back keeps the stored value.
pub const REDACTED: &str = "********";

/// `{agent}` in a path: all digits is an id, anything else a uid.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AgentKey {
    Id(i64),
    Uid(String),
}

impl AgentKey {
    pub fn parse(raw: &str) -> AgentKey {
        if !raw.is_empty() && raw.len() <= 15 && raw.bytes().all(|b| b.is_ascii_digit()) {
            if let Ok(id) = raw.parse() {
                return AgentKey::Id(id);
            }
        }
        AgentKey::Uid(raw.to_string())
    }
}

/// A uid: no white space, at least one non-digit, 1–255 characters.
pub fn uid_problem(uid: &str) -> Option<&'static str> {
    if uid.is_empty() {
        Some("The uid field is required.")
    } else if uid.chars().count() > 255 {
        Some("The uid may not be greater than 255 characters.")
    } else if uid.chars().any(char::is_whitespace) {
        Some("The uid cannot contain white space.")
    } else if uid.chars().all(|c| c.is_ascii_digit()) {
        Some("The uid must contain at least one non-digit.")
    } else {
        None
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum PictureInput {
    /// A public http(s) URL, stored as given.
    Url(String),
    /// A base64 data URI, decoded (media type, bytes).
    Data(String, Vec<u8>),
    /// The id of a blob stored earlier.
    Blob(String),
}

#[derive(Debug, Clone, PartialEq)]
pub enum DirectoryInput {
    Id(i64),
    Name(String),
}

/// A function definition as written (header values in plain text, or `REDACTED` to keep).
#[derive(Debug, Clone, PartialEq)]
pub struct FunctionInput {
    pub name: String,
    pub description: String,
    pub method: String,
    pub url: String,
    pub headers: Vec<(String, String)>,
    pub parameters: Option<Value>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum FunctionRef {
    /// Keep the agent's existing function of this name.
    Name(String),
    Def(FunctionInput),
}

/// Every field of an agent write. `None` = not in the body (PATCH: keep); for nullable
/// fields `Some(None)` = set to null.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct AgentInput {
    pub uid: Option<String>,
    pub name: Option<String>,
    pub provider: Option<String>,
    pub model: Option<String>,
    pub instructions: Option<Option<String>>,
    pub functions: Option<Vec<FunctionRef>>,
    pub knowledge: Option<Vec<i64>>,
    pub web_search: Option<Option<bool>>,
    pub max_tokens: Option<Option<i64>>,
    pub picture: Option<Option<PictureInput>>,
    pub directory: Option<Option<DirectoryInput>>,
    pub comment: Option<Option<String>>,
    pub tags: Option<Vec<String>>,
    pub metadata: Option<Option<Map<String, Value>>>,
}

/// Reads an agent body. `creating` makes uid, name, provider and model required.
pub fn agent_input(map: &Map<String, Value>, creating: bool) -> Result<AgentInput, Errors> {
    let mut i = Input::new(map);
    let mut out = AgentInput::default();

    if let Some(v) = map.get("uid") {
        match v.as_str() {
            Some(uid) => match uid_problem(uid) {
                Some(p) => i.errors.add("uid", p),
                None => out.uid = Some(uid.to_string()),
            },
            None => i.errors.add("uid", "The uid must be a string."),
        }
    } else if creating {
        i.errors.add("uid", "The uid field is required.");
    }
    for (key, slot) in [("name", &mut out.name), ("model", &mut out.model)] {
        if creating || map.contains_key(key) {
            *slot = i.required_str(key, 255).map(str::to_string);
        }
    }
    if creating || map.contains_key("provider") {
        match map.get("provider") {
            Some(Value::String(p)) if PROVIDERS.contains(&p.as_str()) => out.provider = Some(p.clone()),
            None | Some(Value::Null) => i.errors.add("provider", "The provider field is required."),
            Some(_) => i.errors.add("provider", format!("The provider must be one of {}.", PROVIDERS.join(", "))),
        }
    }
    out.instructions = i.optional_str("instructions", 100_000).map(|o| o.map(str::to_string));
    out.comment = i.optional_str("comment", 10_000).map(|o| o.map(str::to_string));
    out.web_search = i.optional_bool("web_search");
    out.max_tokens = i.optional_int("max_tokens", 1, 10_000_000);
    if map.get("max_tokens").is_some_and(|v| v.is_number()) && !i.errors.has("max_tokens") && out.max_tokens.is_none() {
        i.errors.add("max_tokens", "The max_tokens must be a positive integer.");
    }
    out.tags = match i.optional_str_array("tags", 255) {
        Some(Some(tags)) if tags.len() > 100 => {
            i.errors.add("tags", "The tags may not have more than 100 items.");
            None
        }
        Some(Some(tags)) => {
            let mut v: Vec<String> = Vec::with_capacity(tags.len());
            for t in tags {
                let t = t.trim();
                if t.is_empty() {
                    i.errors.add("tags", "A tag may not be empty.");
                } else if !v.iter().any(|x| x == t) {
                    v.push(t.to_string());
                }
            }
            Some(v)
        }
        Some(None) => Some(Vec::new()),
        None => None,
    };
    out.knowledge = match map.get("knowledge") {
        None => None,
        Some(Value::Null) => Some(Vec::new()),
        Some(Value::Array(items)) => {
            // The ids the document allows: 1 to MAX_ID, as every id.
            let ids: Vec<i64> = items
                .iter()
                .filter_map(|v| v.as_i64().filter(|n| (1..=crate::domain::support::MAX_ID).contains(n)))
                .collect();
            if ids.len() != items.len() {
                i.errors.add("knowledge", "The knowledge must be an array of positive integers.");
            }
            Some(ids)
        }
        Some(_) => {
            i.errors.add("knowledge", "The knowledge must be an array of positive integers.");
            None
        }
    };
    out.metadata = match i.optional_object("metadata") {
        Some(Some(m)) if serde_json::to_string(m).map_or(0, |s| s.len()) > 65_536 => {
            i.errors.add("metadata", "The metadata may not be larger than 64 KiB.");
            None
        }
        other => other.map(|o| o.cloned()),
    };
    out.directory = match map.get("directory") {
        None => None,
        Some(Value::Null) => Some(None),
        Some(Value::Number(n)) => match n.as_i64().filter(|n| *n > 0) {
            Some(id) => Some(Some(DirectoryInput::Id(id))),
            None => {
                i.errors.add("directory", "The directory must be a directory id or name.");
                None
            }
        },
        Some(Value::String(s)) if s.trim().is_empty() => Some(None),
        Some(Value::String(s)) if s.chars().count() > 255 => {
            i.errors.add("directory", "The directory may not be greater than 255 characters.");
            None
        }
        Some(Value::String(s)) => Some(Some(if s.bytes().all(|b| b.is_ascii_digit()) && s.len() <= 15 {
            DirectoryInput::Id(s.parse().unwrap_or(0))
        } else {
            DirectoryInput::Name(s.trim().to_string())
        })),
        Some(_) => {
            i.errors.add("directory", "The directory must be a directory id or name.");
            None
        }
    };
    out.picture = match map.get("picture") {
        None => None,
        Some(Value::Null) => Some(None),
        Some(Value::String(s)) if s.is_empty() => Some(None),
        Some(Value::String(s)) => match picture_input(s) {
            Ok(p) => Some(Some(p)),
            Err(msg) => {
                i.errors.add("picture", msg);
                None
            }
        },
        Some(_) => {
            i.errors.add("picture", "The picture must be a URL, a base64 data URI or a blob id.");
            None
        }
    };
    out.functions = match map.get("functions") {
        None => None,
        Some(Value::Null) => Some(Vec::new()),
        Some(Value::Array(items)) => {
            let mut refs = Vec::with_capacity(items.len());
            for (n, item) in items.iter().enumerate() {
                match item {
                    Value::String(name) => refs.push(FunctionRef::Name(name.clone())),
                    Value::Object(obj) => match function_input(obj, true) {
                        Ok(f) => refs.push(FunctionRef::Def(f)),
                        Err(errs) => {
                            for (field, msgs) in errs.0 {
                                for m in msgs {
                                    i.errors.add(&format!("functions.{n}.{field}"), m);
                                }
                            }
                        }
                    },
                    _ => i.errors.add(&format!("functions.{n}"), "Each function must be a name or a function object."),
                }
            }
            let mut names: Vec<&str> = refs
                .iter()
                .map(|r| match r {
                    FunctionRef::Name(n) => n.as_str(),
                    FunctionRef::Def(f) => f.name.as_str(),
                })
                .collect();
            names.sort_unstable();
            if names.windows(2).any(|w| w[0] == w[1]) {
                i.errors.add("functions", "The functions must have distinct names.");
            }
            Some(refs)
        }
        Some(_) => {
            i.errors.add("functions", "The functions must be an array of names or function objects.");
            None
        }
    };
    i.errors.into_result()?;
    Ok(out)
}

/// Parses the `picture` string: a data URI, a blob id, or a public http(s) URL.
/// The data URI form of a picture, as `picture_input` reads it: canonical base64 (what
/// the STANDARD engine decodes), no white space.
pub const PICTURE_DATA_PATTERN: &str =
    "^data:image/(png|jpeg|gif|webp);base64,([A-Za-z0-9+/]{4})*([A-Za-z0-9+/]{4}|[A-Za-z0-9+/]{2}[AQgw]==|[A-Za-z0-9+/]{3}[AEIMQUYcgkosw048]=)$";

const PICTURE_TYPES: &str =
    "The picture must be a PNG, JPEG, GIF or WebP image (image/png, image/jpeg, image/gif or image/webp).";

pub fn picture_input(s: &str) -> Result<PictureInput, String> {
    if let Some(rest) = s.strip_prefix("data:") {
        // Exactly `data:image/<subtype>;base64,<canonical base64>` (PICTURE_DATA_PATTERN).
        let (meta, data) = rest.split_once(',').ok_or("The picture data URI is malformed.")?;
        let media_type = meta.strip_suffix(";base64").ok_or("The picture data URI must be base64 encoded.")?;
        if !crate::domain::image::MEDIA_TYPES.contains(&media_type) {
            return Err(PICTURE_TYPES.into());
        }
        use base64::Engine;
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(data.as_bytes())
            .map_err(|_| "The picture data URI is not valid base64.".to_string())?;
        if bytes.is_empty() {
            return Err("The picture is empty.".into());
        }
        if bytes.len() > 512 * 1024 {
            return Err("The picture may not be larger than 512 KiB.".into());
        }
        // The bytes must be what the media type says: a picture is served with it.
        if crate::domain::image::sniff(&bytes) != Some(media_type) {
            return Err(format!("{PICTURE_TYPES} The picture's bytes are not {media_type}."));
        }
        return Ok(PictureInput::Data(media_type.to_string(), bytes));
    }
    if s.starts_with("blob_") {
        if s.len() > 64 || !s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
            return Err("The picture blob id is malformed.".into());
        }
        return Ok(PictureInput::Blob(s.to_string()));
    }
    if crate::domain::outbound::http_url_problem(s).is_some() {
        return Err("The picture must be a public http(s) URL, a base64 data URI or a blob id.".into());
    }
    match url::Url::parse(s) {
        Ok(u) if matches!(u.scheme(), "http" | "https") && u.host_str().is_some_and(|h| !h.is_empty()) => {
            if s.len() > 2048 {
                return Err("The picture URL may not be longer than 2048 characters.".into());
            }
            // Stored as sent: `avatar_url` echoes the caller's URL, not a normalised form.
            Ok(PictureInput::Url(s.trim().to_string()))
        }
        _ => Err("The picture must be a public http(s) URL, a base64 data URI or a blob id.".into()),
    }
}

/// A function body. `full` (add, PUT, inside an agent write) requires name, description
/// and url; PATCH takes any subset.
pub fn function_input(map: &Map<String, Value>, full: bool) -> Result<FunctionInput, Errors> {
    let mut i = Input::new(map);
    let name = if full || map.contains_key("name") { i.required_str("name", 64) } else { None };
    if let Some(n) = name {
        if !n.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-') {
            i.errors.add("name", "The name may only contain letters, digits, _ and -.");
        }
    }
    let description = if full || map.contains_key("description") { i.required_str("description", 4_000) } else { None };
    let url = if full || map.contains_key("url") { i.required_str("url", 2_048) } else { None };
    if let Some(u) = url {
        if let Some(problem) = crate::domain::outbound::http_url_problem(u) {
            i.errors.add("url", problem);
        }
    }
    let method = match map.get("method") {
        None | Some(Value::Null) => None,
        // Exactly as the document lists them: `get` is a 422, not a GET.
        Some(Value::String(m)) if METHODS.contains(&m.as_str()) => Some(m.clone()),
        Some(_) => {
            i.errors.add("method", format!("The method must be one of {}.", METHODS.join(", ")));
            None
        }
    };
    let mut headers = Vec::new();
    match map.get("headers") {
        None | Some(Value::Null) => {}
        Some(Value::Object(h)) => {
            for (k, v) in h {
                let valid_name = !k.is_empty() && k.bytes().all(|b| b.is_ascii_graphic() && b != b':');
                match v.as_str() {
                    Some(v) if valid_name && !v.contains(['\r', '\n']) => headers.push((k.clone(), v.to_string())),
                    _ => {
                        i.errors.add("headers", format!("The header '{k}' must have a valid name and a string value."))
                    }
                }
            }
        }
        Some(_) => i.errors.add("headers", "The headers must be an object of strings."),
    }
    let parameters = match map.get("parameters") {
        None | Some(Value::Null) => None,
        Some(p) => match schema::check_parameters_schema(p) {
            Ok(()) => Some(p.clone()),
            Err(msg) => {
                i.errors.add("parameters", msg);
                None
            }
        },
    };
    i.errors.into_result()?;
    Ok(FunctionInput {
        name: name.unwrap_or_default().to_string(),
        description: description.unwrap_or_default().to_string(),
        method: method.unwrap_or_default(),
        url: url.unwrap_or_default().to_string(),
        headers,
        parameters,
    })
}

/// Header names whose values come back as `********`.
/// Whether a secret header kept from before (not sent again) may stay with a function whose
/// URL goes from `old_url` to `new_url`: only within one origin (scheme, host and port),
/// so a secret set for one host never travels to another with a URL change.
pub fn secrets_stay(old_url: &str, new_url: &str) -> bool {
    match (url::Url::parse(old_url), url::Url::parse(new_url)) {
        (Ok(a), Ok(b)) => a.origin() == b.origin(),
        _ => false,
    }
}

pub fn is_sensitive_header(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    n == "authorization" || n == "cookie" || n.contains("key") || n.contains("token") || n.contains("secret")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn m(v: Value) -> Map<String, Value> {
        v.as_object().unwrap().clone()
    }

    #[test]
    fn agent_keys() {
        assert_eq!(AgentKey::parse("42"), AgentKey::Id(42));
        assert_eq!(AgentKey::parse("tweety-bird"), AgentKey::Uid("tweety-bird".into()));
        assert_eq!(AgentKey::parse("4x2"), AgentKey::Uid("4x2".into()));
    }

    #[test]
    fn uid_rules() {
        assert!(uid_problem("tweety-bird").is_none());
        assert!(uid_problem("a1").is_none());
        assert!(uid_problem("123").is_some());
        assert!(uid_problem("has space").is_some());
        assert!(uid_problem("tab\there").is_some());
        assert!(uid_problem("").is_some());
    }

    #[test]
    fn create_requires_the_four_fields() {
        let e = agent_input(&m(json!({})), true).unwrap_err();
        for k in ["uid", "name", "provider", "model"] {
            assert!(e.has(k), "{k}");
        }
        let ok = agent_input(&m(json!({"uid": "t", "name": "T", "provider": "openai", "model": "gpt"})), true).unwrap();
        assert_eq!(ok.provider.as_deref(), Some("openai"));
        // PATCH takes any subset.
        assert_eq!(agent_input(&m(json!({})), false).unwrap(), AgentInput::default());
    }

    #[test]
    fn field_types_are_checked() {
        let e = agent_input(
            &m(json!({"provider": "skynet", "max_tokens": 0, "web_search": "yes", "tags": "a", "metadata": [1],
                      "knowledge": [1, "x"], "picture": 5, "functions": 3, "instructions": 1, "comment": [], "name": null})),
            false,
        )
        .unwrap_err();
        for k in [
            "provider",
            "max_tokens",
            "web_search",
            "tags",
            "metadata",
            "knowledge",
            "picture",
            "functions",
            "instructions",
            "comment",
            "name",
        ] {
            assert!(e.has(k), "{k}: {e:?}");
        }
        assert!(agent_input(&m(json!({"max_tokens": 2.5})), false).unwrap_err().has("max_tokens"));
        assert!(agent_input(&m(json!({"max_tokens": -3})), false).unwrap_err().has("max_tokens"));
    }

    #[test]
    fn null_clears_and_tags_deduplicate() {
        let a = agent_input(&m(json!({"instructions": null, "tags": ["a", "a", " b "], "knowledge": null})), false)
            .unwrap();
        assert_eq!(a.instructions, Some(None));
        assert_eq!(a.tags, Some(vec!["a".to_string(), "b".to_string()]));
        assert_eq!(a.knowledge, Some(vec![]));
    }

    #[test]
    fn directory_by_id_or_name() {
        let a = agent_input(&m(json!({"directory": "12"})), false).unwrap();
        assert_eq!(a.directory, Some(Some(DirectoryInput::Id(12))));
        let a = agent_input(&m(json!({"directory": 7})), false).unwrap();
        assert_eq!(a.directory, Some(Some(DirectoryInput::Id(7))));
        let a = agent_input(&m(json!({"directory": "Support bots"})), false).unwrap();
        assert_eq!(a.directory, Some(Some(DirectoryInput::Name("Support bots".into()))));
    }

    #[test]
    fn secrets_stay_within_one_origin() {
        assert!(secrets_stay("https://api.x.io/a", "https://api.x.io/b?c=1"));
        assert!(secrets_stay("https://api.x.io/a", "https://API.x.io:443/a"));
        assert!(!secrets_stay("https://api.x.io/a", "https://evil.example/a"));
        assert!(!secrets_stay("https://api.x.io/a", "http://api.x.io/a"));
        assert!(!secrets_stay("https://api.x.io/a", "https://api.x.io:8443/a"));
        assert!(!secrets_stay("https://api.x.io/a", "https://x.io/a"));
        assert!(!secrets_stay("not a url", "https://x.io/a"));
    }

    #[test]
    fn pictures() {
        assert!(matches!(picture_input("https://example.com/a.png"), Ok(PictureInput::Url(_))));
        assert!(matches!(picture_input("blob_abc123"), Ok(PictureInput::Blob(_))));
        assert!(picture_input("data:image/svg+xml;base64,PHN2Zz4=").is_err());
        // `GIF89a` declared as PNG, and a PNG declared as JPEG: the bytes decide.
        assert!(picture_input("data:image/png;base64,R0lGODlh").is_err());
        assert!(picture_input("data:image/jpeg;base64,iVBORw0KGgo=").is_err());
        assert!(picture_input("data:image/p\rng;base64,iVBORw0KGgo=").is_err());
        assert!(matches!(picture_input("data:image/gif;base64,R0lGODlh"), Ok(PictureInput::Data(..))));
        match picture_input("data:image/png;base64,iVBORw0KGgo=") {
            Ok(PictureInput::Data(mt, bytes)) => {
                assert_eq!(mt, "image/png");
                assert_eq!(bytes.len(), 8);
            }
            other => panic!("{other:?}"),
        }
        assert!(picture_input("data:text/plain;base64,aGk=").is_err());
        assert!(picture_input("data:image/png,raw").is_err());
        assert!(picture_input("data:image/png;base64,!!!").is_err());
        assert!(picture_input("ftp://example.com/a.png").is_err());
        assert!(picture_input("not a url").is_err());
        let big = format!("data:image/png;base64,{}", "A".repeat(700_000));
        assert!(picture_input(&big).is_err());
    }

    #[test]
    fn functions_in_agent_writes() {
        let a = agent_input(
            &m(json!({"functions": ["keep_me", {"name": "get_joke", "description": "d", "url": "https://x.io/j"}]})),
            false,
        )
        .unwrap();
        assert_eq!(a.functions.as_ref().map(Vec::len), Some(2));
        let e = agent_input(&m(json!({"functions": [{"name": "x"}]})), false).unwrap_err();
        assert!(e.has("functions.0.description") && e.has("functions.0.url"), "{e:?}");
        let e = agent_input(&m(json!({"functions": ["a", "a"]})), false).unwrap_err();
        assert!(e.has("functions"));
    }

    #[test]
    fn function_rules() {
        let f = function_input(
            &m(json!({"name": "get_joke", "description": "Returns a joke", "url": "https://api.example.com/joke"})),
            true,
        )
        .unwrap();
        assert_eq!(f.method, "");
        let e = function_input(
            &m(json!({"name": "bad name", "url": "/relative", "method": "TRACE", "headers": {"X": 1}})),
            true,
        )
        .unwrap_err();
        for k in ["name", "description", "url", "method", "headers"] {
            assert!(e.has(k), "{k}");
        }
        let e = function_input(&m(json!({"parameters": {"type": "string"}})), false).unwrap_err();
        assert!(e.has("parameters"));
        assert!(function_input(&m(json!({"method": "POST"})), false).is_ok());
        assert!(function_input(&m(json!({"method": "post"})), false).unwrap_err().has("method"));
    }

    #[test]
    fn sensitive_headers() {
        for h in ["Authorization", "cookie", "X-Api-Key", "x-auth-token", "Client-Secret", "apikey"] {
            assert!(is_sensitive_header(h), "{h}");
        }
        for h in ["Content-Type", "User-Agent", "Accept"] {
            assert!(!is_sensitive_header(h), "{h}");
        }
    }

    #[test]
    fn knowledge_ids_stay_within_the_documented_range() {
        let too_big = crate::domain::support::MAX_ID + 1;
        assert!(agent_input(&m(json!({"knowledge": [too_big]})), false).is_err());
        let ok = agent_input(&m(json!({"knowledge": [crate::domain::support::MAX_ID]})), false);
        assert_eq!(ok.map(|a| a.knowledge), Ok(Some(vec![crate::domain::support::MAX_ID])));
    }
}
