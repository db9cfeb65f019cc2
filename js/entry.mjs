// The worker's entry: worker-build's Rust worker, wrapped so that a failure the Rust side
// cannot answer itself still gets the JSON 500 of the error contract, with a request id,
// instead of workerd's plain-text error or a hung request.
//
// A Rust panic aborts the wasm instance: the trap surfaces as an uncaught error event, and
// the promise of every request in flight on that instance never settles. So each request
// also waits on a "crashed" promise that the error event rejects. worker-build's shim then
// re-instantiates the wasm module, and the next request runs on a fresh instance.
import RustWorker from "../build/worker/shim.mjs";
import { extractHtml } from "./html.mjs";
// The OpenAPI document, built on the host by `make build` (src/bin/openapi.rs): ~200 KB
// of JSON that would otherwise sit in the wasm.
import openapi from "../build/openapi.mjs";
// Durable Object classes must be exported by the main module.
export { WorkspaceLimits, WorkspaceIdempotency, WebhookSender } from "../build/worker/shim.mjs";

// URL training reads pages with HTMLRewriter (js/html.mjs); the Rust side calls it here.
globalThis.__weavExtractHtml = extractHtml;
globalThis.__weavOpenApi = () => openapi;

// A body read with a running count (request bodies, upstream answers, pages): at most
// `cap` bytes are kept; the first byte past it cancels the stream, so neither a 64 MiB
// chunked upload nor a 5 MiB upstream answer is ever held whole. Answers [bytes, truncated].
// `keep` false (request bodies): past the cap nothing is kept at all, the answer is 413.
globalThis.__weavReadCapped = async (stream, cap, keep = true) => {
  if (!stream) return [new Uint8Array(0), false];
  const reader = stream.getReader();
  const parts = [];
  let size = 0;
  let truncated = false;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    if (size + value.byteLength > cap) {
      if (!keep) {
        reader.cancel().catch(() => {});
        return [new Uint8Array(0), true];
      }
      parts.push(value.subarray(0, cap - size));
      size = cap;
      truncated = true;
      reader.cancel().catch(() => {});
      break;
    }
    parts.push(value);
    size += value.byteLength;
  }
  const out = new Uint8Array(size);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.byteLength;
  }
  return [out, truncated];
};

// Every answer of the API is built here, in one call from Rust (src/http/reply.rs):
// headers come as "name\nvalue\n..." and a body as a JS string (JSON text straight from
// D1), null, or a view of wasm memory, copied before the call returns.
function headerObject(list) {
  const headers = {};
  const parts = list.split("\n");
  for (let i = 0; i + 1 < parts.length; i += 2) headers[parts[i]] = parts[i + 1];
  return headers;
}
globalThis.__weavRespond = (body, status, headers) => new Response(body, { status, headers: headerObject(headers) });
globalThis.__weavRespondBytes = (view, status, headers) =>
  new Response(view.slice(), { status, headers: headerObject(headers) });
const jsonHeaders = (requestId) => ({ "Content-Type": "application/json", "X-Request-Id": requestId });
globalThis.__weavRespondJson = (body, status, requestId) => new Response(body, { status, headers: jsonHeaders(requestId) });
globalThis.__weavRespondJsonBytes = (view, status, requestId) =>
  new Response(view.slice(), { status, headers: jsonHeaders(requestId) });
// A body still to come from a D1 read (src/http/reply.rs, Body::Deferred): the Rust side is
// done, the Response is built here when the read lands.
globalThis.__weavRespondLater = (body, status, headers, nullStatus, nullHeaders, nullBody, head, requestId) =>
  body.then(
    (text) =>
      text == null
        ? new Response(head ? null : nullBody, { status: nullStatus, headers: headerObject(nullHeaders) })
        : new Response(head ? null : text, { status, headers: headerObject(headers) }),
    (e) => {
      console.error("unhandled", e);
      return internalErrorWithId(requestId, head);
    },
  );

const ID_OK = /^[\x21-\x7e]{1,128}$/;
const inFlight = new Set();
// Set when the wasm instance aborted: the next event re-instantiates it (below).
let aborted = false;

function crashAll() {
  aborted = true;
  for (const fail of inFlight) fail();
  inFlight.clear();
}
addEventListener("error", crashAll);
addEventListener("unhandledrejection", crashAll);

function internalError(request) {
  const given = request.headers.get("X-Request-Id");
  const requestId = given && ID_OK.test(given) ? given : `req_${crypto.randomUUID().replaceAll("-", "").slice(0, 24)}`;
  return internalErrorWithId(requestId, request.method === "HEAD");
}

function internalErrorWithId(requestId, head) {
  const body = { error: "Internal server error", code: "INTERNAL_ERROR", request_id: requestId };
  return new Response(head ? null : JSON.stringify(body), {
    status: 500,
    headers: { "Content-Type": "application/json", "X-Request-Id": requestId },
  });
}

// worker-build's entrypoint is a class behind a Proxy: workerd would construct it, and the
// Proxy wrap each method it hands out, on every request. Its handlers only read `this.env`
// and `this.ctx`, so they are called directly on a plain object instead. Constructing
// the class once after an abort is what makes its shim re-instantiate the wasm module.
const { fetch: rustFetch, queue: rustQueue, scheduled: rustScheduled } = RustWorker.prototype;

function recover(env, ctx) {
  if (aborted) {
    aborted = false;
    new RustWorker(ctx, env);
  }
}

async function settle(request, pending) {
  let fail;
  const crashed = new Promise((_, reject) => {
    fail = () => reject(new Error("the wasm instance aborted"));
  });
  inFlight.add(fail);
  try {
    return await Promise.race([pending, crashed]);
  } catch (e) {
    console.error("unhandled", e);
    return internalError(request);
  } finally {
    inFlight.delete(fail);
  }
}

export default {
  fetch(request, env, ctx) {
    recover(env, ctx);
    let out;
    try {
      out = rustFetch.call({ env, ctx }, request);
    } catch (e) {
      // A panic before the first await: the trap surfaces right here.
      aborted = true;
      console.error("unhandled", e);
      return internalError(request);
    }
    // An answer that needed no I/O comes back as a Response: nothing left to wait for.
    return out instanceof Response ? out : settle(request, out);
  },
  queue(batch, env, ctx) {
    recover(env, ctx);
    return rustQueue.call({ env, ctx }, batch);
  },
  scheduled(event, env, ctx) {
    recover(env, ctx);
    return rustScheduled.call({ env, ctx }, event);
  },
};
