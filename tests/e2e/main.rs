//! End-to-end tests: the built worker on local workerd (`wrangler dev`), driven over HTTP.
//!
//! One binary (`harness = false`) so that the worker is built and started once, every case
//! runs against it in parallel threads, and the worker is always stopped afterwards, pass
//! or fail. Each case makes its own workspace, so cases never share state.
//!
//! `cargo test --test e2e [-- FILTER...]` runs the cases whose name contains a filter.

mod actions;
mod agents;
mod audit;
mod companies;
mod conversations;
mod customers;
mod functions;
mod harness;
mod idempotency;
mod limits;
mod mcp;
mod members;
mod mock;
mod operator;
mod quotas;
mod records;
mod requests;
mod revocation;
mod secrets;
mod training;
mod webhooks;
mod widget;
mod workspaces;

use harness::World;

/// A test case: a name and a function that panics on failure.
pub type Case = (&'static str, fn(&World));

/// `cases![a, b]` → `vec![("module::a", a), ("module::b", b)]`.
#[macro_export]
macro_rules! cases {
    ($($f:ident),* $(,)?) => {
        vec![$((concat!(module_path!(), "::", stringify!($f)), $f as fn(&$crate::harness::World))),*]
    };
}

fn main() {
    let filters: Vec<String> = std::env::args().skip(1).filter(|a| !a.starts_with("--")).collect();
    let wanted = |(name, _): &Case| filters.is_empty() || filters.iter().any(|f| name.contains(f.as_str()));
    let mut cases: Vec<Case> = Vec::new();
    cases.extend(requests::cases());
    cases.extend(workspaces::cases());
    cases.extend(operator::cases());
    cases.extend(agents::cases());
    cases.extend(functions::cases());
    cases.extend(actions::cases());
    cases.extend(idempotency::cases());
    cases.extend(training::cases());
    cases.extend(companies::cases());
    cases.extend(customers::cases());
    cases.extend(members::cases());
    cases.extend(conversations::cases());
    cases.extend(webhooks::cases());
    cases.extend(limits::cases());
    cases.extend(quotas::cases());
    cases.extend(audit::cases());
    cases.extend(secrets::cases());
    cases.extend(revocation::cases());
    cases.extend(widget::cases());
    cases.extend(mcp::cases());
    cases.retain(wanted);
    // Cases that disturb the whole worker (a panic resets the instance and fails whatever
    // else is in flight on it) run afterwards, one at a time.
    let mut solo: Vec<Case> = requests::solo_cases();
    solo.retain(wanted);

    let world = World::start();
    let failed = world.run(cases, 6) + world.run(solo, 1);
    drop(world); // stops workerd before we exit
    if failed > 0 {
        std::process::exit(1);
    }
}
