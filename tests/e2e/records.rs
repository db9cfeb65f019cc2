//! Helpers shared by the support-record cases (companies, customers, members, conversations).

use crate::harness::{Tenant, World};
use serde_json::{json, Value};

pub fn company(w: &World, t: &Tenant, body: Value) -> Value {
    w.post("/v1/companies", &t.token, &body).expect(201).json()
}

pub fn customer(w: &World, t: &Tenant, body: Value) -> Value {
    w.post("/v1/customers", &t.token, &body).expect(201).json()
}

pub fn member(w: &World, t: &Tenant, name: &str, email: &str) -> Value {
    w.post("/v1/members", &t.token, &json!({"name": name, "email": email})).expect(201).json()
}

pub fn id(v: &Value) -> i64 {
    v["id"].as_i64().unwrap_or_else(|| panic!("no id: {v}"))
}

pub fn count(w: &World, t: &Tenant, path_and_query: &str) -> i64 {
    let sep = if path_and_query.contains('?') { '&' } else { '?' };
    let r = w.get(&format!("{path_and_query}{sep}count_only=true"), &t.token).expect(200).json();
    r["count"].as_i64().unwrap_or_else(|| panic!("{path_and_query}: {r}"))
}
