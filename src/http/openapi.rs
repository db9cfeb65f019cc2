//! `GET /v1/openapi.json`: the OpenAPI 3.1 document, kept in `src/openapi.json` and
//! checked against the route table by the unit test below, so neither can drift.
//!
//! The document is about 200 KB of JSON: it is not compiled into the wasm. `make build`
//! runs `src/bin/openapi.rs` on the host, which writes `document()` as a JS module
//! (`build/openapi.mjs`), and js/entry.mjs hands it over as a JS string.

use super::error::ApiResult;
use super::{Body, Reply};
use wasm_bindgen::prelude::*;

#[wasm_bindgen]
extern "C" {
    /// Set by js/entry.mjs: the document built on the host.
    #[wasm_bindgen(js_name = __weavOpenApi)]
    fn served_document() -> JsValue;
}

#[cfg(not(target_arch = "wasm32"))]
const SOURCE: &str = include_str!("../openapi.json");

/// The served document: `src/openapi.json` plus an entry for every seed-path alias,
/// copied from its `/v1` route.
#[cfg(not(target_arch = "wasm32"))]
pub fn document() -> &'static str {
    use super::routes::ALIASES;
    use serde_json::Value;
    use std::sync::OnceLock;

    static DOC: OnceLock<String> = OnceLock::new();
    DOC.get_or_init(|| {
        let Ok(mut doc) = serde_json::from_str::<Value>(SOURCE) else { return SOURCE.to_string() };
        if let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) {
            for (alias, canonical) in ALIASES {
                let Some(mut item) = paths.get(*canonical).cloned() else { continue };
                if let Some(ops) = item.as_object_mut() {
                    for op in ops.values_mut().filter_map(Value::as_object_mut) {
                        if let Some(Value::String(id)) = op.get_mut("operationId") {
                            id.push_str("SeedPath");
                        }
                        op.insert(
                            "description".into(),
                            Value::String(format!("Alias of `{canonical}` at the seed's own path.")),
                        );
                    }
                }
                paths.insert(alias.to_string(), item);
            }
        }
        serde_json::to_string(&doc).unwrap_or_else(|_| SOURCE.to_string())
    })
}

pub fn get() -> ApiResult<Reply> {
    Ok(Reply::json(200, Body::Js(served_document())).header("Cache-Control", "public, max-age=300"))
}

#[cfg(test)]
mod tests {
    use super::super::routes::{method_name, ALIASES, ROUTES};
    use serde_json::Value;
    use std::collections::BTreeSet;

    #[test]
    fn document_and_router_list_the_same_operations() {
        let doc: Value = serde_json::from_str(super::document()).expect("openapi.json parses");
        assert_eq!(doc["openapi"], "3.1.0");
        let mut in_doc = BTreeSet::new();
        for (path, item) in doc["paths"].as_object().expect("paths") {
            for method in item.as_object().expect("path item").keys() {
                if ["get", "post", "put", "patch", "delete"].contains(&method.as_str()) {
                    in_doc.insert((path.clone(), method.to_uppercase()));
                }
            }
        }
        let mut in_router = BTreeSet::new();
        for route in ROUTES {
            for (m, _) in route.methods {
                in_router.insert((route.path.to_string(), method_name(m).to_string()));
                for (alias, _) in ALIASES.iter().filter(|(_, c)| *c == route.path) {
                    in_router.insert((alias.to_string(), method_name(m).to_string()));
                }
            }
        }
        let missing: Vec<_> = in_router.difference(&in_doc).collect();
        let extra: Vec<_> = in_doc.difference(&in_router).collect();
        assert!(missing.is_empty(), "routes missing from openapi.json: {missing:?}");
        assert!(extra.is_empty(), "openapi.json operations with no route: {extra:?}");
    }

    #[test]
    fn every_operation_documents_its_errors_and_references_resolve() {
        let doc: Value = serde_json::from_str(super::document()).unwrap();
        let text = super::SOURCE;
        // Every $ref points at something that exists.
        for part in text.split("\"$ref\": \"#/").skip(1) {
            let target = &part[..part.find('"').unwrap()];
            let mut node = &doc;
            for seg in target.split('/') {
                node = &node[seg];
            }
            assert!(!node.is_null(), "dangling $ref #/{target}");
        }
        for (path, item) in doc["paths"].as_object().unwrap() {
            for (method, op) in item.as_object().unwrap() {
                if method == "parameters" {
                    continue;
                }
                assert!(op["operationId"].is_string(), "{method} {path} has no operationId");
                assert!(op["responses"].as_object().is_some_and(|r| !r.is_empty()), "{method} {path} has no responses");
            }
        }
    }

    /// Every POST of a token route (aliases included) declares `Idempotency-Key` and the
    /// 400, 409 and 422 it may answer.
    #[test]
    fn every_token_post_declares_the_idempotency_key() {
        use super::super::routes::Access;
        let doc: Value = serde_json::from_str(super::document()).unwrap();
        let mut checked = 0;
        for route in ROUTES.iter().filter(|r| r.access == Access::Token) {
            if !route.methods.iter().any(|(m, _)| *m == worker::Method::Post) {
                continue;
            }
            let aliases = ALIASES.iter().filter(|(_, c)| *c == route.path).map(|(a, _)| *a);
            for path in std::iter::once(route.path).chain(aliases) {
                let op = &doc["paths"][path]["post"];
                let params = op["parameters"].as_array().cloned().unwrap_or_default();
                assert!(
                    params.iter().any(|p| p["$ref"] == "#/components/parameters/IdempotencyKey"),
                    "POST {path} does not declare Idempotency-Key"
                );
                for code in ["400", "409", "422"] {
                    assert!(op["responses"][code].is_object(), "POST {path} does not document {code}");
                }
                checked += 1;
            }
        }
        assert!(checked >= 7, "{checked}");
        let text = super::SOURCE;
        for code in ["INVALID_IDEMPOTENCY_KEY", "IDEMPOTENCY_KEY_MISMATCH", "IDEMPOTENCY_IN_PROGRESS"] {
            assert!(text.contains(code), "{code} is not documented");
        }
    }
}
