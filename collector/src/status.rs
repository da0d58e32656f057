//! Per-source progress and counters: what `/v1/status` and `/metrics` show,
//! so a person (or a script) can tell how far behind the collector is.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};

use accrete_common::metrics::{Counter, counter};
use accrete_common::pipeline::FileCheckpoint;
use accrete_common::proto::{SourceStatus, Status};

/// Counters of one source, also exported on `/metrics`.
#[derive(Clone)]
pub struct SourceCounters {
    pub lines_read: Counter,
    pub bytes_read: Counter,
    pub events: Counter,
    pub lines_invalid_json: Counter,
    pub lines_invalid_utf8: Counter,
    pub lines_recovered: Counter,
    pub lines_oversized: Counter,
    pub lines_without_session: Counter,
    pub lines_unknown_type: Counter,
    pub files_reset: Counter,
}

impl SourceCounters {
    pub fn new(person: &str) -> SourceCounters {
        let l = |outcome: &str| {
            counter(
                "accrete_collector_lines_total",
                "Transcript lines read, by outcome.",
                &[("person", person), ("outcome", outcome)],
            )
        };
        SourceCounters {
            lines_read: l("ok"),
            lines_invalid_json: l("invalid_json"),
            lines_invalid_utf8: l("invalid_utf8"),
            lines_recovered: l("torn_recovered"),
            lines_oversized: l("oversized"),
            lines_without_session: l("no_session"),
            lines_unknown_type: l("unknown_type"),
            bytes_read: counter("accrete_collector_bytes_total", "Transcript bytes read.", &[("person", person)]),
            events: counter("accrete_collector_events_total", "Normalized events produced.", &[("person", person)]),
            files_reset: counter(
                "accrete_collector_files_reset_total",
                "Transcript files truncated or replaced, then read again.",
                &[("person", person)],
            ),
        }
    }
}

#[derive(Default, Clone, Copy)]
struct FileProgress {
    size: u64,
    committed: u64,
    partial: u64,
}

struct SourceBoard {
    path: String,
    files: HashMap<String, FileProgress>,
    counters: SourceCounters,
    /// The person's folders (one per agent, say), and how many of them have
    /// had a first full pass handed on.
    folders: usize,
    scanned: usize,
}

/// Shared between the collector (sizes, partial lines) and the store stage
/// (committed offsets).
#[derive(Default)]
pub struct StatusBoard {
    sources: Mutex<BTreeMap<String, SourceBoard>>,
}

impl StatusBoard {
    pub fn new() -> Arc<StatusBoard> {
        Arc::new(StatusBoard::default())
    }

    pub fn register(&self, person: &str, path: &str) -> SourceCounters {
        let mut s = self.sources.lock().unwrap();
        let b = s.entry(person.to_string()).or_insert_with(|| SourceBoard {
            path: String::new(),
            files: HashMap::new(),
            counters: SourceCounters::new(person),
            folders: 0,
            scanned: 0,
        });
        // Registered again by the collector once it starts: one folder.
        if !b.path.split(", ").any(|p| p == path) {
            if !b.path.is_empty() {
                b.path.push_str(", ");
            }
            b.path.push_str(path);
            b.folders += 1;
        }
        b.counters.clone()
    }

    /// The collector saw a file at this size, with this many bytes of an unfinished line.
    pub fn observed(&self, person: &str, path: &str, size: u64, read_to: u64, partial: u64) {
        let mut s = self.sources.lock().unwrap();
        if let Some(b) = s.get_mut(person) {
            let f = b.files.entry(path.to_string()).or_default();
            f.size = size;
            f.partial = partial;
            // Nothing past `read_to` can be committed; a reset brings it back to 0.
            f.committed = f.committed.min(read_to);
        }
    }

    /// The first pass over one of a person's folders is done.
    pub fn scanned(&self, person: &str) {
        if let Some(b) = self.sources.lock().unwrap().get_mut(person) {
            b.scanned += 1;
        }
    }

    /// The store holds everything up to these offsets.
    pub fn committed(&self, files: &[FileCheckpoint]) {
        let mut s = self.sources.lock().unwrap();
        for c in files {
            if let Some(b) = s.get_mut(&c.key.person) {
                b.files.entry(c.key.path.clone()).or_default().committed = c.offset;
            }
        }
    }

    pub fn snapshot(&self) -> Status {
        let s = self.sources.lock().unwrap();
        let sources: Vec<SourceStatus> = s
            .iter()
            .map(|(person, b)| {
                let (mut read, mut behind, mut partial) = (0, 0, 0);
                for f in b.files.values() {
                    read += f.committed;
                    partial += f.partial;
                    behind += f.size.saturating_sub(f.committed).saturating_sub(f.partial);
                }
                let c = &b.counters;
                SourceStatus {
                    person: person.clone(),
                    path: b.path.clone(),
                    files_seen: b.files.len() as u64,
                    bytes_read: read,
                    bytes_behind: behind,
                    bytes_partial: partial,
                    lines_read: c.lines_read.get(),
                    lines_invalid: c.lines_invalid_json.get(),
                    lines_skipped: c.lines_oversized.get() + c.lines_without_session.get(),
                    caught_up: b.scanned >= b.folders && behind == 0,
                }
            })
            .collect();
        Status {
            caught_up: !sources.is_empty() && sources.iter().all(|s| s.caught_up),
            sources,
            version: accrete_common::VERSION.into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use accrete_common::pipeline::FileKey;

    #[test]
    fn caught_up_only_after_a_full_pass_is_committed() {
        let b = StatusBoard::default();
        assert!(!b.snapshot().caught_up, "nothing configured is not caught up");
        b.register("ann", "/c");
        assert!(!b.snapshot().caught_up, "not scanned yet");
        b.observed("ann", "projects/p/s.jsonl", 100, 90, 10);
        b.scanned("ann");
        assert!(!b.snapshot().caught_up, "read but not committed");
        let key = FileKey { person: "ann".into(), path: "projects/p/s.jsonl".into() };
        b.committed(&[FileCheckpoint { key, offset: 90, ..Default::default() }]);
        let s = b.snapshot();
        assert!(s.caught_up, "the last 10 bytes are a line still being written");
        assert_eq!((s.sources[0].bytes_read, s.sources[0].bytes_partial, s.sources[0].bytes_behind), (90, 10, 0));
    }

    #[test]
    fn a_person_with_several_folders_is_caught_up_when_all_are_scanned() {
        let b = StatusBoard::default();
        b.register("ann", "/h/.claude");
        b.register("ann", "/h/.codex");
        b.register("ann", "/h/.codex");
        b.scanned("ann");
        assert!(!b.snapshot().caught_up, "one folder of two scanned");
        b.scanned("ann");
        let s = b.snapshot();
        assert!(s.caught_up);
        assert_eq!(s.sources[0].path, "/h/.claude, /h/.codex");
    }
}
