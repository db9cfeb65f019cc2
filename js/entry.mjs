// The worker's entry: worker-build's Rust worker, wrapped so that a failure the Rust side
// cannot answer itself (a panic traps the wasm instance) still gets the JSON 500 of the
// error contract, with a request id, instead of workerd's HTML error page. worker-build's
// shim resets the instance after such a trap; the next request runs on a fresh one.
import { WorkerEntrypoint } from "cloudflare:workers";
import RustWorker from "../build/worker/shim.mjs";

const ID_OK = /^[\x21-\x7e]{1,128}$/;

function internalError(request) {
  const given = request.headers.get("X-Request-Id");
  const requestId = given && ID_OK.test(given) ? given : `req_${crypto.randomUUID().replaceAll("-", "").slice(0, 24)}`;
  const body = { error: "Internal server error", code: "INTERNAL_ERROR", request_id: requestId };
  return new Response(request.method === "HEAD" ? null : JSON.stringify(body), {
    status: 500,
    headers: { "Content-Type": "application/json", "X-Request-Id": requestId },
  });
}

export default class Worker extends WorkerEntrypoint {
  async fetch(request) {
    try {
      return await new RustWorker(this.ctx, this.env).fetch(request);
    } catch (e) {
      console.error("unhandled", e);
      return internalError(request);
    }
  }
}
