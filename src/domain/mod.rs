//! Pure Rust: types, validation and formats. Nothing here imports `worker`, so all of it is
//! unit-tested on the host with `cargo test --lib`.
pub mod action_input;
pub mod agent;
pub mod audit;
pub mod cache;
pub mod chunk;
pub mod connection;
pub mod html;
pub mod idempotency;
pub mod image;
pub mod limits;
pub mod listing;
pub mod mcp;
pub mod outbound;
pub mod quota;
pub mod redact;
pub mod revocation;
pub mod schema;
pub mod secret;
pub mod support;
pub mod time;
pub mod token;
pub mod training;
pub mod validate;
pub mod webhook;
pub mod widget;
pub mod workspace;
