//! The runtime's HTMLRewriter (through `js/html.mjs`) reading a page for URL training.

use crate::domain::html::{finish, Page, RawPage};
use wasm_bindgen::prelude::*;
use worker::js_sys;
use worker::wasm_bindgen_futures::JsFuture;

#[wasm_bindgen]
extern "C" {
    /// Set on `globalThis` by js/entry.mjs: HTML in, the raw pieces as JSON text out.
    #[wasm_bindgen(js_name = __weavExtractHtml, catch)]
    fn weav_extract_html(html: &str) -> Result<js_sys::Promise, JsValue>;
}

pub async fn extract(html: &str) -> worker::Result<Page> {
    let promise = weav_extract_html(html).map_err(|e| worker::Error::RustError(format!("HTMLRewriter: {e:?}")))?;
    let json = JsFuture::from(promise).await.map_err(|e| worker::Error::RustError(format!("HTMLRewriter: {e:?}")))?;
    let text = json.as_string().unwrap_or_default();
    let raw: RawPage = serde_json::from_str(&text)?;
    Ok(finish(&raw))
}
