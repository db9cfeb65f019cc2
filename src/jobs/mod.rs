//! Background work: the consumers of the worker's queues.
pub mod training;
