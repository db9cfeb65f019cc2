//! Companies: create, read, update, delete, traits and tags, validation, upsert by
//! external id, listing and a company's customers.

use crate::harness::World;
use crate::records::{company, count, customer, id};
use serde_json::json;

pub fn cases() -> Vec<crate::Case> {
    crate::cases![
        companies_crud_traits_and_delete,
        companies_validation,
        companies_upsert_by_external_id,
        companies_listing_and_their_customers,
    ]
}

fn companies_crud_traits_and_delete(w: &World) {
    let t = w.tenant();
    let co = company(
        w,
        &t,
        json!({"name": "Acme", "external_id": "co-1", "domain": "Acme.COM", "traits": {"plan": "pro", "seats": 5},
               "tags": ["b2b", "b2b", " eu "]}),
    );
    for field in ["id", "external_id", "name", "domain", "traits", "tags", "customer_count", "created_at", "updated_at"]
    {
        assert!(co.get(field).is_some(), "missing {field}: {co}");
    }
    assert_eq!(co["domain"], "acme.com");
    assert_eq!(co["tags"], json!(["b2b", "eu"]));
    assert_eq!(co["customer_count"], 0);
    let path = format!("/v1/companies/{}", id(&co));
    assert_eq!(w.get(&path, &t.token).expect(200).json(), co);
    // Traits merge: keys set are replaced, null removes, others stay.
    let p = w
        .patch(&path, &t.token, &json!({"traits": {"seats": 10, "plan": null, "region": "eu"}, "domain": null}))
        .expect(200)
        .json();
    assert_eq!(p["traits"], json!({"seats": 10, "region": "eu"}));
    assert!(p["domain"].is_null());
    assert_eq!((p["name"].as_str(), p["created_at"].clone()), (Some("Acme"), co["created_at"].clone()));
    let p = w.patch(&path, &t.token, &json!({"traits": null, "tags": null})).expect(200).json();
    assert_eq!((p["traits"].clone(), p["tags"].clone()), (json!({}), json!([])));
    // Customers of a deleted company stay, without a company.
    let cu = customer(w, &t, json!({"name": "Ann", "company": id(&co)}));
    assert_eq!(w.get(&path, &t.token).json()["customer_count"], 1);
    w.delete(&path, &t.token).expect(204);
    w.get(&path, &t.token).expect_error(404, "RESOURCE_NOT_FOUND");
    w.delete(&path, &t.token).expect_error(404, "RESOURCE_NOT_FOUND");
    w.patch(&path, &t.token, &json!({"name": "x"})).expect_error(404, "RESOURCE_NOT_FOUND");
    let cu = w.get(&format!("/v1/customers/{}", id(&cu)), &t.token).expect(200).json();
    assert!(cu["company"].is_null(), "{cu}");
    w.get("/v1/companies/abc", &t.token).expect_error(404, "RESOURCE_NOT_FOUND");
    w.get("/v1/companies/999999999", &t.token).expect_error(404, "RESOURCE_NOT_FOUND");
}

fn companies_validation(w: &World) {
    let t = w.tenant();
    for (field, body) in [
        ("name", json!({})),
        ("name", json!({"name": "  "})),
        ("name", json!({"name": 5})),
        ("domain", json!({"name": "n", "domain": "https://acme.com"})),
        ("domain", json!({"name": "n", "domain": "acme"})),
        ("traits", json!({"name": "n", "traits": ["x"]})),
        ("tags", json!({"name": "n", "tags": [1]})),
        ("external_id", json!({"name": "n", "external_id": ""})),
        ("external_id", json!({"name": "n", "external_id": true})),
    ] {
        w.post("/v1/companies", &t.token, &body).expect_invalid(field);
    }
    company(w, &t, json!({"name": "A", "external_id": "dup"}));
    let e =
        w.post("/v1/companies", &t.token, &json!({"name": "B", "external_id": "dup"})).expect_invalid("external_id");
    assert!(e["errors"]["external_id"][0].as_str().unwrap().contains("taken"));
    assert_eq!(count(w, &t, "/v1/companies"), 1);
    w.send("POST", "/v1/companies", Some(&t.token), Some("{oops"), &[]).expect_error(400, "INVALID_JSON");
    // Validation before existence.
    w.patch("/v1/companies/99999999", &t.token, &json!({"domain": "nope"})).expect_invalid("domain");
}

fn companies_upsert_by_external_id(w: &World) {
    let t = w.tenant();
    let created = w
        .put("/v1/companies/by-external-id/hub-77", &t.token, &json!({"name": "Globex", "traits": {"tier": 1}}))
        .expect(201)
        .json();
    assert_eq!(created["external_id"], "hub-77");
    let updated = w
        .put("/v1/companies/by-external-id/hub-77", &t.token, &json!({"domain": "globex.com", "traits": {"x": true}}))
        .expect(200)
        .json();
    assert_eq!(updated["id"], created["id"]);
    assert_eq!(updated["name"], "Globex", "fields left out keep their values");
    assert_eq!(updated["traits"], json!({"tier": 1, "x": true}));
    let got = w.get("/v1/companies/by-external-id/hub-77", &t.token).expect(200).json();
    assert_eq!(got, updated);
    w.get("/v1/companies/by-external-id/nope", &t.token).expect_error(404, "RESOURCE_NOT_FOUND");
    // Create needs a name; the body's external_id must match the path's.
    w.put("/v1/companies/by-external-id/new-one", &t.token, &json!({"domain": "x.com"})).expect_invalid("name");
    w.put("/v1/companies/by-external-id/a", &t.token, &json!({"name": "n", "external_id": "b"}))
        .expect_invalid("external_id");
    w.put("/v1/companies/by-external-id/a", &t.token, &json!({"name": "n", "external_id": "a"})).expect(201);
    // Percent-encoded external ids.
    let c = w.put("/v1/companies/by-external-id/acme%20inc%2F42", &t.token, &json!({"name": "n"})).expect(201).json();
    assert_eq!(c["external_id"], "acme inc/42");
    assert_eq!(count(w, &t, "/v1/companies?external_id=acme%20inc%2F42"), 1);
}

fn companies_listing_and_their_customers(w: &World) {
    let t = w.tenant();
    let a = company(w, &t, json!({"name": "Acme Widgets", "domain": "acme.com", "tags": ["vip"]}));
    let b = company(w, &t, json!({"name": "Widget World", "domain": "ww.io"}));
    company(w, &t, json!({"name": "Zed", "tags": ["vip"]}));
    assert_eq!(count(w, &t, "/v1/companies"), 3);
    assert_eq!(count(w, &t, "/v1/companies?q=widget"), 2, "word prefix in names");
    assert_eq!(count(w, &t, "/v1/companies?q=acme.c"), 1, "domain prefix");
    assert_eq!(count(w, &t, "/v1/companies?q=idget&autocomplete=false"), 2);
    assert_eq!(count(w, &t, "/v1/companies?tag=vip"), 2);
    assert_eq!(count(w, &t, "/v1/companies?domain=ww.io"), 1);
    let page = w.get("/v1/companies?order_by=name+desc&take=2&skip=1", &t.token).expect(200).json();
    assert_eq!((page["start"].as_i64(), page["end"].as_i64(), page["count"].as_i64()), (Some(1), Some(3), Some(3)));
    assert_eq!(page["data"][0]["name"], "Widget World");
    assert_eq!(page["data"][1]["name"], "Acme Widgets");
    for i in 0..3 {
        customer(w, &t, json!({"name": format!("A{i}"), "company": id(&a)}));
    }
    customer(w, &t, json!({"name": "B0", "company": {"id": id(&b)}}));
    customer(w, &t, json!({"name": "Loner"}));
    let list = w.get(&format!("/v1/companies/{}/customers?take=2", id(&a)), &t.token).expect(200).json();
    assert_eq!((list["count"].as_i64(), list["data"].as_array().unwrap().len()), (Some(3), 2));
    assert!(list["data"].as_array().unwrap().iter().all(|c| c["company"]["id"] == a["id"]));
    assert_eq!(count(w, &t, &format!("/v1/companies/{}/customers?q=a2", id(&a))), 1);
    assert_eq!(count(w, &t, &format!("/v1/companies/{}/customers", id(&b))), 1);
    w.get("/v1/companies/99999999/customers", &t.token).expect_error(404, "RESOURCE_NOT_FOUND");
    assert_eq!(w.get(&format!("/v1/companies/{}", id(&a)), &t.token).json()["customer_count"], 3);
}
