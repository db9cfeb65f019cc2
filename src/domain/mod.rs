//! Pure Rust: types, validation and formats. Nothing here imports `worker`, so all of it is
//! unit-tested on the host with `cargo test --lib`.
pub mod action_input;
pub mod agent;
pub mod connection;
pub mod idempotency;
pub mod image;
pub mod limits;
pub mod listing;
pub mod outbound;
pub mod schema;
pub mod secret;
pub mod time;
pub mod token;
pub mod validate;
pub mod webhook;
pub mod workspace;
