//! Work outside a request: queue consumers and the cron sweep (entry points in lib.rs).
pub mod training;
pub mod webhooks;
