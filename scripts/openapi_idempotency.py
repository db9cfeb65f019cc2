#!/usr/bin/env python3
"""Adds the Idempotency-Key parameter and its 400/409/422 responses to every token-route
POST of src/openapi.json that lacks them (idempotency is generic in the request path, so
every new POST route gets it). Safe to re-run."""
import json, pathlib
p = pathlib.Path(__file__).resolve().parent.parent / "src" / "openapi.json"
doc = json.loads(p.read_text())
ref = {"$ref": "#/components/parameters/IdempotencyKey"}
for path, item in doc["paths"].items():
    op = item.get("post")
    if not op or not path.startswith("/v1/") or op.get("security") == []:
        continue
    params = op.setdefault("parameters", [])
    if ref not in params:
        params.append(ref)
    r = op.setdefault("responses", {})
    if "400" not in r or r["400"].get("$ref") == "#/components/responses/InvalidJson":
        r["400"] = {"$ref": "#/components/responses/InvalidJsonOrIdempotencyKey"}
    r.setdefault("409", {"$ref": "#/components/responses/IdempotencyInProgress"})
    if "422" not in r or r["422"].get("$ref") == "#/components/responses/ValidationFailed":
        r["422"] = {"$ref": "#/components/responses/ValidationFailedOrIdempotencyMismatch"}
p.write_text(json.dumps(doc, indent=1, ensure_ascii=False) + "\n")
