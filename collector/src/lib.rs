//! The collector: finds Claude Code transcripts, follows them as they grow,
//! and turns each line into a normalized, privacy-filtered event.

pub mod agents;
pub mod files;
pub mod judge;
mod lenient;
pub mod parse;
pub mod ship;
pub mod source;
pub mod spool;
pub mod status;
pub mod tail;

pub use source::{Collector, CollectorError, CollectorOptions};
pub use status::StatusBoard;
