//! Customers: create, read, update, delete, the company reference, validation, upsert by
//! external id, listing filters and paging.

use crate::harness::World;
use crate::records::{company, count, customer, id};
use serde_json::json;

pub fn cases() -> Vec<crate::Case> {
    crate::cases![
        customers_crud_and_company_reference,
        customers_validation,
        customers_upsert_by_external_id,
        customers_listing_filters_and_paging,
    ]
}

fn customers_crud_and_company_reference(w: &World) {
    let t = w.tenant();
    let co = company(w, &t, json!({"name": "Acme", "external_id": "acme"}));
    let cu = customer(
        w,
        &t,
        json!({"external_id": "u-1", "name": "Ada", "email": "Ada@Example.com", "phone": "+1 (555) 010-0199",
               "traits": {"plan": "pro"}, "tags": ["vip"], "company": {"external_id": "acme"}}),
    );
    for field in
        ["id", "external_id", "name", "email", "phone", "traits", "tags", "company", "created_at", "updated_at"]
    {
        assert!(cu.get(field).is_some(), "missing {field}: {cu}");
    }
    assert_eq!(cu["company"], json!({"id": co["id"], "external_id": "acme", "name": "Acme"}));
    let path = format!("/v1/customers/{}", id(&cu));
    assert_eq!(w.get(&path, &t.token).expect(200).json(), cu);
    // An anonymous visitor is a customer too; fields never set are null.
    let anon = customer(w, &t, json!({}));
    for f in ["external_id", "name", "email", "phone", "company"] {
        assert!(anon[f].is_null(), "{f}: {anon}");
    }
    assert_eq!((anon["traits"].clone(), anon["tags"].clone()), (json!({}), json!([])));
    let p = w
        .patch(&path, &t.token, &json!({"traits": {"seats": 3, "plan": null}, "phone": null, "company": null}))
        .expect(200)
        .json();
    assert_eq!(p["traits"], json!({"seats": 3}));
    assert!(p["phone"].is_null() && p["company"].is_null());
    assert_eq!(p["email"], "Ada@Example.com");
    let p = w.patch(&path, &t.token, &json!({"company": id(&co)})).expect(200).json();
    assert_eq!(p["company"]["id"], co["id"]);
    w.patch(&path, &t.token, &json!({"company": 99999999})).expect_invalid("company");
    w.patch(&path, &t.token, &json!({"company": {"external_id": "nope"}})).expect_invalid("company");
    w.patch("/v1/customers/99999999", &t.token, &json!({"company": id(&co)})).expect_error(404, "RESOURCE_NOT_FOUND");
    w.patch("/v1/customers/99999999", &t.token, &json!({"email": "bad"})).expect_invalid("email");
    // external_id taken by another customer.
    customer(w, &t, json!({"external_id": "u-2"}));
    w.patch(&path, &t.token, &json!({"external_id": "u-2"})).expect_invalid("external_id");
    w.delete(&path, &t.token).expect(204);
    w.get(&path, &t.token).expect_error(404, "RESOURCE_NOT_FOUND");
    w.delete(&path, &t.token).expect_error(404, "RESOURCE_NOT_FOUND");
    w.get("/v1/customers/not-a-number", &t.token).expect_error(404, "RESOURCE_NOT_FOUND");
}

fn customers_validation(w: &World) {
    let t = w.tenant();
    for (field, body) in [
        ("email", json!({"email": "not-an-email"})),
        ("email", json!({"email": "a@b"})),
        ("email", json!({"email": 42})),
        ("phone", json!({"phone": "call me maybe"})),
        ("phone", json!({"phone": "12"})),
        ("traits", json!({"traits": "plan=pro"})),
        ("traits", json!({"traits": {"big": "x".repeat(70_000)}})),
        ("tags", json!({"tags": "vip"})),
        ("tags", json!({"tags": ["ok", ""]})),
        ("name", json!({"name": "x".repeat(256)})),
        ("company", json!({"company": "acme"})),
        ("company", json!({"company": -1})),
        ("company", json!({"company": 99999999})),
        ("external_id", json!({"external_id": " padded"})),
    ] {
        w.post("/v1/customers", &t.token, &body).expect_invalid(field);
    }
    customer(w, &t, json!({"external_id": "same"}));
    w.post("/v1/customers", &t.token, &json!({"external_id": "same"})).expect_invalid("external_id");
    assert_eq!(count(w, &t, "/v1/customers"), 1);
    // A number is refused, never coerced to its text.
    w.post("/v1/customers", &t.token, &json!({"external_id": 1234})).expect_invalid("external_id");
    let c = customer(w, &t, json!({"external_id": "1234"}));
    w.patch(&format!("/v1/customers/{}", c["id"]), &t.token, &json!({"external_id": 0})).expect_invalid("external_id");
    assert_eq!(w.get(&format!("/v1/customers/{}", c["id"]), &t.token).expect(200).json()["external_id"], "1234");
}

fn customers_upsert_by_external_id(w: &World) {
    let t = w.tenant();
    let c = w
        .put("/v1/customers/by-external-id/42", &t.token, &json!({"email": "x@example.com", "tags": ["new"]}))
        .expect(201)
        .json();
    assert_eq!(c["external_id"], "42", "an all-digit external id is an external id here, not an id");
    let u = w.put("/v1/customers/by-external-id/42", &t.token, &json!({"name": "Xavier"})).expect(200).json();
    assert_eq!(
        (u["id"].clone(), u["email"].clone(), u["tags"].clone()),
        (c["id"].clone(), c["email"].clone(), json!(["new"]))
    );
    assert_eq!(u["name"], "Xavier");
    assert_eq!(w.get("/v1/customers/by-external-id/42", &t.token).expect(200).json(), u);
    w.get("/v1/customers/by-external-id/43", &t.token).expect_error(404, "RESOURCE_NOT_FOUND");
    w.put("/v1/customers/by-external-id/42", &t.token, &json!({"external_id": "41"})).expect_invalid("external_id");
    w.put("/v1/customers/by-external-id/42", &t.token, &json!({"email": "nope"})).expect_invalid("email");
    w.put("/v1/customers/by-external-id/44", &t.token, &json!({"company": 99999999})).expect_invalid("company");
    w.get("/v1/customers/by-external-id/44", &t.token).expect(404);
    // Another workspace has its own external ids.
    let other = w.tenant();
    w.put("/v1/customers/by-external-id/42", &other.token, &json!({"name": "B's"})).expect(201);
    assert_eq!(w.get("/v1/customers/by-external-id/42", &t.token).json()["name"], "Xavier");
}

fn customers_listing_filters_and_paging(w: &World) {
    let t = w.tenant();
    let co = company(w, &t, json!({"name": "Acme"}));
    customer(w, &t, json!({"name": "Ada Lovelace", "email": "ada@acme.com", "company": id(&co), "tags": ["vip"]}));
    customer(w, &t, json!({"name": "Grace Hopper", "email": "grace@navy.mil", "tags": ["vip", "beta"]}));
    customer(w, &t, json!({"name": "Alan Turing", "email": "alan@bletchley.uk", "company": id(&co)}));
    customer(w, &t, json!({"name": "Zed", "email": "ZED@acme.com", "external_id": "z"}));
    assert_eq!(count(w, &t, "/v1/customers"), 4);
    assert_eq!(count(w, &t, "/v1/customers?q=a"), 2, "word prefix of a name (Ada, Alan) or email (ada@, alan@)");
    assert_eq!(count(w, &t, "/v1/customers?q=hopper"), 1);
    assert_eq!(count(w, &t, "/v1/customers?q=acme.com&autocomplete=false"), 2);
    assert_eq!(count(w, &t, "/v1/customers?q=grace%40navy"), 1, "email prefix");
    assert_eq!(count(w, &t, &format!("/v1/customers?company={}", id(&co))), 2);
    assert_eq!(count(w, &t, "/v1/customers?company=99999999"), 0);
    assert_eq!(count(w, &t, "/v1/customers?tag=vip"), 2);
    assert_eq!(count(w, &t, "/v1/customers?tag=beta&q=grace"), 1);
    assert_eq!(count(w, &t, "/v1/customers?email=zed%40ACME.com"), 1, "email without regard to case");
    assert_eq!(count(w, &t, "/v1/customers?external_id=z"), 1);
    let page = w.get("/v1/customers?order_by=name&take=2", &t.token).expect(200).json();
    let names: Vec<&str> = page["data"].as_array().unwrap().iter().map(|c| c["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["Ada Lovelace", "Alan Turing"]);
    assert_eq!((page["start"].as_i64(), page["end"].as_i64(), page["count"].as_i64()), (Some(0), Some(2), Some(4)));
    let desc = w.get("/v1/customers?order_by=id+desc&skip=3", &t.token).expect(200).json();
    assert_eq!(desc["data"][0]["name"], "Ada Lovelace");
    assert_eq!(desc["end"], 4);
    let one = w.get("/v1/customers?take=1", &t.token).json();
    assert_eq!(one["data"][0], w.get(&format!("/v1/customers/{}", one["data"][0]["id"]), &t.token).json());
    // Tags follow updates.
    let grace = w.get("/v1/customers?q=grace", &t.token).json()["data"][0].clone();
    w.patch(&format!("/v1/customers/{}", id(&grace)), &t.token, &json!({"tags": ["gold"]})).expect(200);
    assert_eq!(count(w, &t, "/v1/customers?tag=vip"), 1);
    assert_eq!(count(w, &t, "/v1/customers?tag=gold"), 1);
}
