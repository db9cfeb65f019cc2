//! Durable Object classes (exported to workerd by worker-build, re-exported by
//! `js/entry.mjs`, bound in `wrangler.toml`). Each keeps only what must be exact across
//! isolates; the arithmetic lives in `domain/`.
pub mod idempotency;
pub mod limits;
pub mod sender;
