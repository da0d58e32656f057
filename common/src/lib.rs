//! Accrete's shared core: the event model (re-exported from the protobuf
//! types), the practice catalog, configuration, telemetry, time helpers and
//! the pipeline stage traits every deployment mode runs through.

pub mod catalog;
pub mod config;
pub mod health;
pub mod lexicon;
pub mod metrics;
pub mod pipeline;
pub mod telemetry;
pub mod time;

pub use accrete_proto::v1 as proto;
pub use accrete_proto::v1::{EventBatch, Mark, TranscriptEvent};

/// FNV-1a, 64 bits: a hash stable across builds and platforms (std's is
/// not), for names and fingerprints that are stored.
pub fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| (h ^ b as u64).wrapping_mul(0x0100_0000_01b3))
}

/// Version of this build, reported by `/v1/status` and `--version`.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
