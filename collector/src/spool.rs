//! The collector's durable spool (distributed mode). Batches are written to
//! disk before the collector moves on, together with the read offsets they
//! cover; a shipper sends them to the gateway and deletes each only once the
//! gateway (and so Kafka) has it. A gateway down for hours, or a collector
//! restart, loses nothing.
//!
//! Layout: `<dir>/<seq>.batch` (an `EventBatch` in protobuf, seq zero-padded
//! so names sort), `<dir>/offsets.json` (read positions of every file), and
//! `<dir>/rejected/` for batches the gateway refused as invalid (kept, never
//! silently dropped). Every write is a temp file, fsync, rename.

use std::collections::BTreeMap;
use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use accrete_common::pipeline::{Envelope, FileCheckpoint, FileKey, PipelineError, Publisher};
use accrete_common::{EventBatch, metrics::gauge};
use async_trait::async_trait;
use prost::Message;
use tokio::sync::Notify;
use tracing::{info, warn};

struct State {
    next_seq: u64,
    /// seq -> size in bytes
    pending: BTreeMap<u64, u64>,
    offsets: BTreeMap<FileKey, FileCheckpoint>,
    full_logged: bool,
}

pub struct Spool {
    dir: PathBuf,
    max_bytes: u64,
    state: Mutex<State>,
    /// Wakes the shipper (a batch was added) and the writer (space was freed).
    pub changed: Notify,
}

fn write_atomic(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let tmp = path.with_extension("tmp");
    let mut f = fs::File::create(&tmp)?;
    f.write_all(bytes)?;
    f.sync_all()?;
    fs::rename(&tmp, path)?;
    if let Some(dir) = path.parent() {
        fs::File::open(dir)?.sync_all()?;
    }
    Ok(())
}

impl Spool {
    /// Opens (or creates) the spool, picking up batches a previous run left.
    pub fn open(dir: &Path, max_bytes: u64) -> io::Result<Spool> {
        fs::create_dir_all(dir.join("rejected"))?;
        let mut pending = BTreeMap::new();
        for e in fs::read_dir(dir)?.flatten() {
            let name = e.file_name().to_string_lossy().into_owned();
            if let Some(seq) = name.strip_suffix(".batch").and_then(|s| s.parse::<u64>().ok()) {
                pending.insert(seq, e.metadata()?.len());
            } else if name.ends_with(".tmp") {
                // A write that never completed: its offsets were never saved either.
                let _ = fs::remove_file(e.path());
            }
        }
        let offsets: Vec<FileCheckpoint> = match fs::read(dir.join("offsets.json")) {
            Ok(b) => serde_json::from_slice(&b)
                .map_err(|e| io::Error::other(format!("spool offsets.json is corrupt: {e}")))?,
            Err(e) if e.kind() == io::ErrorKind::NotFound => Vec::new(),
            Err(e) => return Err(e),
        };
        let next_seq = pending.keys().next_back().map_or(1, |s| s + 1);
        if !pending.is_empty() {
            info!(
                batches = pending.len(),
                bytes = pending.values().sum::<u64>(),
                "spool holds batches from a previous run; sending them first"
            );
        }
        Ok(Spool {
            dir: dir.to_path_buf(),
            max_bytes,
            state: Mutex::new(State {
                next_seq,
                pending,
                offsets: offsets.into_iter().map(|c| (c.key.clone(), c)).collect(),
                full_logged: false,
            }),
            changed: Notify::new(),
        })
    }

    /// Where the collector should resume.
    pub fn checkpoints(&self) -> Vec<FileCheckpoint> {
        self.state.lock().unwrap().offsets.values().cloned().collect()
    }

    /// Batches and bytes waiting to be sent.
    pub fn backlog(&self) -> (usize, u64) {
        let s = self.state.lock().unwrap();
        (s.pending.len(), s.pending.values().sum())
    }

    fn path(&self, seq: u64) -> PathBuf {
        self.dir.join(format!("{seq:020}.batch"))
    }

    /// Writes a batch and then the offsets it covers. `Ok(false)`: the spool
    /// is full; nothing was written.
    pub fn try_append(&self, env: &Envelope<EventBatch>) -> io::Result<bool> {
        let bytes = env.body.encode_to_vec();
        let mut s = self.state.lock().unwrap();
        let used: u64 = s.pending.values().sum();
        if !s.pending.is_empty() && used + bytes.len() as u64 > self.max_bytes {
            if !s.full_logged {
                s.full_logged = true;
                warn!(
                    used_bytes = used,
                    max_bytes = self.max_bytes,
                    "spool full: reading paused until the gateway takes batches (ship.spool_max_bytes)"
                );
            }
            return Ok(false);
        }
        s.full_logged = false;
        if !env.checkpoint.resets.is_empty() {
            warn!(
                files = env.checkpoint.resets.len(),
                "a transcript was truncated or replaced; in distributed mode what it sent before stays counted"
            );
        }
        let seq = s.next_seq;
        if !env.body.events.is_empty() {
            write_atomic(&self.path(seq), &bytes)?;
            s.pending.insert(seq, bytes.len() as u64);
            s.next_seq += 1;
        }
        for c in &env.checkpoint.files {
            s.offsets.insert(c.key.clone(), c.clone());
        }
        let all: Vec<&FileCheckpoint> = s.offsets.values().collect();
        write_atomic(&self.dir.join("offsets.json"), &serde_json::to_vec(&all)?)?;
        gauge("accrete_collector_spool_bytes", "Bytes waiting in the spool.", &[]).set(s.pending.values().sum());
        drop(s);
        self.changed.notify_waiters();
        Ok(true)
    }

    /// The oldest batch waiting, if any.
    pub fn oldest(&self) -> io::Result<Option<(u64, EventBatch)>> {
        let Some(seq) = self.state.lock().unwrap().pending.keys().next().copied() else { return Ok(None) };
        let bytes = fs::read(self.path(seq))?;
        let batch = EventBatch::decode(bytes.as_slice())
            .map_err(|e| io::Error::other(format!("spool batch {seq} is corrupt: {e}")))?;
        Ok(Some((seq, batch)))
    }

    /// The gateway has the batch.
    pub fn remove(&self, seq: u64) -> io::Result<()> {
        fs::remove_file(self.path(seq))?;
        self.forget(seq);
        Ok(())
    }

    /// The gateway refused the batch as invalid: keep it aside for inspection.
    pub fn reject(&self, seq: u64) -> io::Result<PathBuf> {
        let to = self.dir.join("rejected").join(format!("{seq:020}.batch"));
        fs::rename(self.path(seq), &to)?;
        self.forget(seq);
        Ok(to)
    }

    fn forget(&self, seq: u64) {
        let mut s = self.state.lock().unwrap();
        s.pending.remove(&seq);
        gauge("accrete_collector_spool_bytes", "Bytes waiting in the spool.", &[]).set(s.pending.values().sum());
        drop(s);
        self.changed.notify_waiters();
    }
}

/// The collector's publisher in distributed mode: into the spool, waiting
/// while it is full.
pub struct SpoolPublisher(pub std::sync::Arc<Spool>);

impl Clone for SpoolPublisher {
    fn clone(&self) -> Self {
        SpoolPublisher(self.0.clone())
    }
}

#[async_trait]
impl Publisher<EventBatch> for SpoolPublisher {
    async fn publish(&self, env: Envelope<EventBatch>) -> Result<(), PipelineError> {
        let env = std::sync::Arc::new(env);
        loop {
            let freed = self.0.changed.notified();
            let spool = self.0.clone();
            let env2 = env.clone();
            let ok = tokio::task::spawn_blocking(move || spool.try_append(&env2))
                .await
                .map_err(|e| PipelineError::Fatal(e.to_string()))?
                .map_err(|e| PipelineError::Fatal(format!("spool: {e}")))?;
            if ok {
                return Ok(());
            }
            let _ = tokio::time::timeout(std::time::Duration::from_secs(1), freed).await;
        }
    }
}
