"""schemathesis hooks of fuzz/run.sh (SCHEMATHESIS_HOOKS=fuzz.hooks).

Every POST takes an `Idempotency-Key`, scoped to the workspace: the same key sent again
with another request is 422 IDEMPOTENCY_KEY_MISMATCH, as it must be. schemathesis draws
keys from the parameter's schema and reuses short ones ("0", " ") across operations, so
without this hook a schema-valid request would be refused for an earlier one's key. A
valid generated key is made unique per request; an invalid one (negative testing) is sent
as generated. The replay itself is covered by the end-to-end tests.
"""
import re
import sys
import threading
import uuid

import schemathesis

# The coverage phase recurses deeply through nested schemas (an agent's functions, the
# URL pattern): more room, on bigger stacks for the threads started after this loads.
sys.setrecursionlimit(20_000)
threading.stack_size(256 * 1024 * 1024)

VALID_KEY = re.compile(r"^[\x20-\x7e]{1,255}$")


@schemathesis.hook
def before_call(ctx, case, **kwargs):
    headers = case.headers or {}
    for name in list(headers):
        if name.lower() == "idempotency-key":
            value = headers[name]
            if isinstance(value, str) and VALID_KEY.match(value):
                headers[name] = f"fuzz-{uuid.uuid4()}"
