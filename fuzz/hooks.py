"""schemathesis hooks of fuzz/run.sh (SCHEMATHESIS_HOOKS=fuzz.hooks).

Every POST takes an `Idempotency-Key`, scoped to the workspace: the same key sent again
with another request is 422 IDEMPOTENCY_KEY_MISMATCH, as it must be. schemathesis draws
keys from the parameter's schema and reuses short ones ("0", " ") across operations, so
without this hook a schema-valid request would be refused for an earlier one's key. A
valid generated key is made unique per request; an invalid one (negative testing) is sent
as generated. The replay itself is covered by the end-to-end tests.
"""
import re
import uuid

import schemathesis

VALID_KEY = re.compile(r"^[\x20-\x7e]{1,255}$")


@schemathesis.hook
def before_call(ctx, case, **kwargs):
    headers = case.headers or {}
    for name in list(headers):
        if name.lower() == "idempotency-key":
            value = headers[name]
            if isinstance(value, str) and VALID_KEY.match(value):
                headers[name] = f"fuzz-{uuid.uuid4()}"
