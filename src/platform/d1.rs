//! D1 binding helpers. Integers are bound as JS numbers: wasm-bindgen turns `i64` into a
//! BigInt, which D1 does not take, and our ids stay far below 2^53.

use wasm_bindgen::JsValue;
use worker::D1Database;

pub fn db(env: &worker::Env) -> Result<D1Database, worker::Error> {
    env.d1("DB")
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
