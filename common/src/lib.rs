//! Accrete's shared core: the event model (re-exported from the protobuf
//! types), the practice catalog, configuration, telemetry, time helpers and
//! the pipeline stage traits every deployment mode runs through.

pub mod catalog;
pub mod config;
pub mod health;
pub mod metrics;
pub mod pipeline;
pub mod telemetry;
pub mod time;

pub use accrete_proto::v1 as proto;
pub use accrete_proto::v1::{EventBatch, Mark, TranscriptEvent};

/// Version of this build, reported by `/v1/status` and `--version`.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
