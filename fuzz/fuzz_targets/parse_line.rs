//! One transcript line, as any bytes, through `Normalizer::parse_line`: it
//! must not panic, and what it returns must be consistent.
//!
//! Seed the corpus with real lines, one per file, e.g. from the shared corpus:
//!   mkdir -p fuzz/corpus/parse_line && cat sessions/*.jsonl | split -l 1 - fuzz/corpus/parse_line/line-
//!   cargo +nightly fuzz run parse_line

#![no_main]

use std::sync::LazyLock;

use accrete_collector::parse::{LineContext, LineError, Normalizer};
use accrete_common::catalog::Catalog;
use libfuzzer_sys::fuzz_target;

static CATALOG: LazyLock<Catalog> = LazyLock::new(Catalog::builtin);

fuzz_target!(|data: &[u8]| {
    // A main session's file, and a subagent's (whose lines name the session).
    let session = LineContext { person: "p".into(), session_id: "s".into(), ..Default::default() };
    let agent = LineContext { person: "p".into(), agent_id: "a".into(), ..Default::default() };
    for (ctx, share_content) in [(&session, false), (&session, true), (&agent, false)] {
        let n = Normalizer { catalog: &CATALOG, share_content };
        let p = n.parse_line(data, ctx, 10, 2);
        assert_eq!(p.invalid_utf8, std::str::from_utf8(data).is_err());
        if p.recovered {
            assert!(!p.events.is_empty() && matches!(p.error, Some(LineError::InvalidJson(_))));
        }
        let blank = data.iter().all(|b| matches!(b, b' ' | b'\t' | b'\n' | b'\r'));
        assert!(blank || !p.events.is_empty() || p.error.is_some(), "neither an event nor an error");
        for ev in &p.events {
            assert!(!ev.session_id.is_empty());
            assert_eq!((ev.offset, ev.line, ev.line_bytes as usize), (10, 2, data.len().min(u32::MAX as usize)));
        }
        if ctx.session_id.is_empty() {
            continue;
        }
        assert!(p.error != Some(LineError::NoSession));
        assert_eq!(p.extra_objects, p.events.len().saturating_sub(1));
    }
});
