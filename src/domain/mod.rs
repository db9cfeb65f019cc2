//! Pure Rust: types, validation and formats. Nothing here imports `worker`, so all of it is
//! unit-tested on the host with `cargo test --lib`.
pub mod action_input;
pub mod connection;
pub mod limits;
pub mod outbound;
pub mod secret;
pub mod time;
pub mod token;
pub mod validate;
pub mod workspace;
