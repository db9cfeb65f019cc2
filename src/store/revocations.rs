//! Token revocations in the workspace's `WorkspaceLimits` Durable Object (the same object
//! as the rate limit, at its `/revocations` path), and this isolate's view of them
//! (`domain::revocation`): the check authentication makes on every request.
//!
//! Why the object: it is one per workspace and answers every isolate of every location
//! with what was recorded before, which neither KV (60 s edge caches) nor the isolate's
//! token cache can. Why at most once a second per isolate and workspace: that call is the
//! only cost revocation adds to authentication; within the second the view answers.

use crate::domain::revocation::{Decision, RevocationAnswer, RevocationRequest, Revoked, View};
use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;
use worker::{Env, Method, Request, RequestInit};

/// A call to the object in flight, whose answer the requests that arrive meanwhile use:
/// one call per isolate and workspace however many requests need it.
struct Flight {
    /// When the call was sent: the view's age from its answer on.
    asked_at: i64,
    answer: Option<Result<RevocationAnswer, String>>,
}

type FlightRef = Rc<RefCell<Flight>>;

thread_local! {
    static VIEW: RefCell<View> = RefCell::new(View::new());
    static PENDING: RefCell<HashMap<i64, FlightRef>> = RefCell::new(HashMap::new());
}

/// How a request waits for another request's call: it looks every millisecond, on a timer
/// of its own, for at most this many. Not a waker the other request wakes: workerd
/// cancels a request whose only pending work belongs to another request's context ("hung").
const WAIT_TICKS: u32 = 250;

/// The request that makes the call. Dropped before the answer (its request cancelled),
/// it still releases the waiting requests, which then ask for themselves.
struct Lead {
    workspace_id: i64,
    flight: FlightRef,
}

impl Lead {
    fn finish(&self, answer: Result<RevocationAnswer, String>) {
        PENDING.with(|p| {
            let mut p = p.borrow_mut();
            if p.get(&self.workspace_id).is_some_and(|f| Rc::ptr_eq(f, &self.flight)) {
                p.remove(&self.workspace_id);
            }
        });
        self.flight.borrow_mut().answer = Some(answer);
    }
}

impl Drop for Lead {
    fn drop(&mut self) {
        if self.flight.borrow().answer.is_none() {
            self.finish(Err("the revocation check was cancelled".into()));
        }
    }
}

/// The answer of another request's call, or `None` when it failed or takes too long.
async fn wait(flight: &FlightRef) -> Option<(i64, RevocationAnswer)> {
    for _ in 0..WAIT_TICKS {
        if let Some(answer) = &flight.borrow().answer {
            return answer.as_ref().ok().map(|a| (flight.borrow().asked_at, a.clone()));
        }
        tick().await;
    }
    None
}

/// One millisecond on a timer of this request. Not `worker::Delay`: it keeps the waker of
/// its first poll, and `fetch_export` polls first with a no-op one; a promise's future
/// takes the waker of every poll.
async fn tick() {
    use wasm_bindgen::JsCast;
    let promise = worker::js_sys::Promise::new(&mut |resolve, _reject| {
        let global: worker::web_sys::WorkerGlobalScope = worker::js_sys::global().unchecked_into();
        let _ = global.set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, 1);
    });
    let _ = worker::wasm_bindgen_futures::JsFuture::from(promise).await;
}

async fn ask(env: &Env, workspace_id: i64, ask: &RevocationRequest) -> worker::Result<RevocationAnswer> {
    let stub = env.durable_object(super::limits::BINDING)?.id_from_name(&workspace_id.to_string())?.get_stub()?;
    let mut init = RequestInit::new();
    init.with_method(Method::Post).with_body(Some(serde_json::to_string(ask)?.into()));
    let req = Request::new_with_init("https://limits.internal/revocations", &init)?;
    let mut resp = stub.fetch_with_request(req).await?;
    if resp.status_code() != 200 {
        return Err(worker::Error::RustError(format!("revocations object answered {}", resp.status_code())));
    }
    resp.json().await
}

/// Whether the workspace's token is revoked, as known at most `CHECK_EVERY_MS` ago.
/// An error (the object did not answer) is the caller's: a token is never accepted on a
/// view older than the bound.
pub async fn refused(env: &Env, workspace_id: i64, token_id: i64) -> worker::Result<bool> {
    let now = crate::platform::now_ms();
    let counter = match VIEW.with(|v| v.borrow().decide(workspace_id, token_id, now)) {
        Decision::Accept => return Ok(false),
        Decision::Refuse => return Ok(true),
        Decision::Ask { counter } => counter,
    };
    let since = RevocationRequest { since: counter, record: Vec::new() };
    let (asked_at, answer) = match PENDING.with(|p| p.borrow().get(&workspace_id).cloned()) {
        Some(flight) => match wait(&flight).await {
            Some((asked_at, answer)) => (asked_at, Ok(answer)),
            None => {
                let now = crate::platform::now_ms();
                (now, ask(env, workspace_id, &since).await.map_err(|e| e.to_string()))
            }
        },
        None => {
            let flight = Rc::new(RefCell::new(Flight { asked_at: now, answer: None }));
            PENDING.with(|p| p.borrow_mut().insert(workspace_id, flight.clone()));
            let lead = Lead { workspace_id, flight };
            let answer = ask(env, workspace_id, &since).await.map_err(|e| e.to_string());
            lead.finish(answer.clone());
            (now, answer)
        }
    };
    let answer = answer.map_err(worker::Error::RustError)?;
    Ok(VIEW.with(|v| {
        let mut v = v.borrow_mut();
        v.apply(workspace_id, asked_at, &answer);
        v.is_refused(workspace_id, token_id, crate::platform::now_ms())
    }))
}

/// Records revocations in the workspace's object (the step that makes them hold
/// everywhere) and in this isolate's view.
pub async fn record(env: &Env, workspace_id: i64, revoked: &[Revoked]) -> worker::Result<()> {
    ask(env, workspace_id, &RevocationRequest { since: 0, record: revoked.to_vec() }).await?;
    VIEW.with(|v| {
        let mut v = v.borrow_mut();
        for r in revoked {
            v.note(workspace_id, *r);
        }
    });
    Ok(())
}
