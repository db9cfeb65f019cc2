//! URL training's pages: fetched through the one guarded fetch, and read by the runtime's
//! HTMLRewriter (through `js/html.mjs`).

use crate::domain::html::{finish, Page, RawPage};
use crate::platform::outbound::{self, Answer, Failure, Outbound};
use wasm_bindgen::prelude::*;
use worker::js_sys;
use worker::wasm_bindgen_futures::JsFuture;
use worker::{Env, Method};

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

/// GET a page as a browser-like crawler would, through the guarded fetch.
pub async fn fetch_page(env: &Env, url: &str) -> Result<Answer, Failure> {
    outbound::send_capped(
        env,
        Outbound {
            method: Method::Get,
            url: url.to_string(),
            headers: vec![
                ("User-Agent".into(), "WeavBot/1.0 (+https://weav.ai/bot)".into()),
                ("Accept".into(), "text/html,application/xhtml+xml,text/plain;q=0.9,*/*;q=0.5".into()),
            ],
            body: None,
        },
        outbound::page_cap(env),
    )
    .await
}

/// A failed fetch in words, for `error` and PROCESSING_FAILED.
pub fn page_failure(f: &Failure) -> String {
    match f {
        Failure::Refused(r) => format!("the URL (or a redirect) was refused: {}", r.message()),
        Failure::TooManyRedirects => "the page redirected more than 3 times.".into(),
        Failure::Timeout => "the page did not answer in time.".into(),
        Failure::Unreachable(e) => format!("the page could not be reached ({e})."),
    }
}
