//! The collector: finds Claude Code transcripts, follows them as they grow,
//! and turns each line into a normalized, privacy-filtered event.

mod lenient;
pub mod parse;
