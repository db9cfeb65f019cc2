//! D1 binding helpers. Integers are bound as JS numbers: wasm-bindgen turns `i64` into a
//! BigInt, which D1 does not take, and our ids stay far below 2^53.

use wasm_bindgen::JsValue;
use worker::D1Database;

/// The `DB` binding: one property read (worker-rs's `env.d1` also reads the binding's
/// constructor name to check it, on every call).
pub fn db(env: &worker::Env) -> Result<D1Database, worker::Error> {
    let binding = worker::js_sys::Reflect::get(env, &JsValue::from_str("DB"))?;
    if binding.is_undefined() {
        return Err(worker::Error::RustError("the DB binding is missing".into()));
    }
    Ok(D1Database::from(binding.unchecked_into::<worker::worker_sys::D1Database>()))
}

/// The useful text of a platform error: D1's `Display` hides SQLite's message in `cause`.
pub fn error_text(e: &worker::Error) -> String {
    match e {
        worker::Error::D1(d) => format!("D1: {}", d.cause()),
        other => other.to_string(),
    }
}

pub fn int(n: i64) -> JsValue {
    JsValue::from_f64(n as f64)
}

pub fn text(s: &str) -> JsValue {
    JsValue::from_str(s)
}

pub fn opt_text(s: Option<&str>) -> JsValue {
    s.map_or(JsValue::NULL, JsValue::from_str)
}

pub fn opt_int(n: Option<i64>) -> JsValue {
    n.map_or(JsValue::NULL, int)
}

// ---- JSON text that stays a JS string ------------------------------------------------
// The read paths whose one value is a whole response body (an agent, a listing page) read
// it as a JS value and hand it to the `Response` as it is (http::reply): no serde, and
// no copy into wasm memory and back.

use wasm_bindgen::JsCast;
use worker::js_sys::{Array, Reflect};
use worker::wasm_bindgen_futures::JsFuture;
use worker::D1PreparedStatement;

/// D1 rejects with an `Error` whose `cause` has SQLite's message: keep both, as worker-rs
/// does, so callers can still recognise a UNIQUE constraint in the text.
fn d1_error(e: JsValue) -> worker::Error {
    match e.dyn_ref::<worker::js_sys::Error>() {
        Some(err) => {
            let mut msg = String::from(err.message());
            if let Some(cause) = err.cause().dyn_ref::<worker::js_sys::Error>() {
                msg.push_str(": ");
                msg.push_str(&String::from(cause.message()));
            }
            worker::Error::RustError(msg)
        }
        None => worker::Error::RustError(format!("D1: {e:?}")),
    }
}

/// Column `col` of the statement's first row, as the read's own promise (value or null;
/// see `http::Body::Deferred`).
pub fn first_promise(stmt: &D1PreparedStatement, col: &str) -> worker::Result<worker::js_sys::Promise> {
    Ok(stmt.inner().first(Some(col))?)
}

/// A batch whose results stay JS objects (`{results: [...], meta}` each).
pub async fn batch_js(db: &D1Database, statements: Vec<D1PreparedStatement>) -> worker::Result<Vec<JsValue>> {
    let array: Array = statements.iter().map(|s| JsValue::from(s.inner().clone())).collect();
    let sys: &worker::worker_sys::D1Database = db.as_ref().unchecked_ref();
    let results = JsFuture::from(sys.batch(array)?).await.map_err(d1_error)?;
    Ok(results.unchecked_into::<Array>().to_vec())
}

/// The rows of one `batch_js` result.
pub fn rows(result: &JsValue) -> Vec<JsValue> {
    Reflect::get(result, &JsValue::from_str("results"))
        .ok()
        .and_then(|r| r.dyn_into::<Array>().ok())
        .map(|a| a.to_vec())
        .unwrap_or_default()
}

/// Column `col` of a row, when it is there and not NULL.
pub fn cell(row: &JsValue, col: &str) -> Option<JsValue> {
    Reflect::get(row, &JsValue::from_str(col)).ok().filter(|v| !v.is_null() && !v.is_undefined())
}
