//! Work outside a request: queue consumers, the cron sweeps and the re-seal (entry points in lib.rs).
pub mod reseal;
pub mod training;
pub mod webhooks;
