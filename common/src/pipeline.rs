//! The stage traits. Every deployment runs the same stages; only the queue
//! between them and the store at the end change:
//!
//! ```text
//! collector --EventBatch--> classifier --Classified--> aggregator --> RollupStore
//!            (embedded channel | Kafka)  (embedded channel | Kafka)  (SQLite | ClickHouse)
//! ```
//!
//! A stage's loop is always:
//!
//! ```ignore
//! while let Some(envelope) = input.next().await? {
//!     let out = work(envelope.body);
//!     output.publish(Envelope { body: out, checkpoint: envelope.checkpoint.clone(), traces }).await?;
//!     input.commit(&envelope.checkpoint).await?; // only once `out` is durable downstream
//! }
//! ```
//!
//! so a crash anywhere replays work instead of losing it (at-least-once), and
//! the store makes replays harmless (every effect is keyed and idempotent).

use async_trait::async_trait;

use crate::{Mark, TranscriptEvent};

#[derive(Debug, thiserror::Error)]
pub enum PipelineError {
    #[error("the queue is closed")]
    Closed,
    /// Worth retrying: a server down, a timeout.
    #[error("{0}")]
    Transient(String),
    /// Not worth retrying: bad configuration, a corrupt store.
    #[error("{0}")]
    Fatal(String),
    /// Not worth retrying, with the failing part's own error as the cause
    /// (`what`: the store, say).
    #[error("{what}: {source}")]
    Failed {
        what: &'static str,
        #[source]
        source: Box<dyn std::error::Error + Send + Sync + 'static>,
    },
}

/// Identifies one transcript file of one source.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Default, serde::Serialize, serde::Deserialize)]
pub struct FileKey {
    pub person: String,
    /// Path relative to the source's Claude folder, e.g. `projects/-x/<id>.jsonl`.
    pub path: String,
}

/// How far a collector has read one file.
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub struct FileCheckpoint {
    pub key: FileKey,
    /// Byte offset just past the last complete line read.
    pub offset: u64,
    /// Lines read (the next line's number is `line + 1`).
    pub line: u64,
    /// The file's identity (inode), to notice a file replaced under the same name.
    pub file_id: u64,
    /// The session the file belongs to, once known.
    pub session_id: String,
    pub agent_id: String,
}

/// What becomes durable once an envelope's effects are stored.
#[derive(Debug, Clone, Default)]
pub struct Checkpoint {
    /// Collector read positions; the embedded store saves them in the same
    /// transaction as the effects, so a restart resumes exactly there.
    pub files: Vec<FileCheckpoint>,
    /// Files whose earlier contents were replaced or truncated: what they
    /// contributed before is forgotten, then they are read again.
    pub resets: Vec<FileKey>,
    /// Queue positions `(topic, partition, next offset)`, committed after the store.
    pub queue: Vec<(String, i32, i64)>,
}

/// A unit of work travelling between stages.
#[derive(Debug, Clone, Default)]
pub struct Envelope<T> {
    pub body: T,
    pub checkpoint: Checkpoint,
    /// Session id -> W3C `traceparent` of the work upstream (Kafka headers
    /// in distributed mode; empty in-process): each stage's spans join it.
    pub traces: std::collections::BTreeMap<String, String>,
}

/// The classifier's output: the events (for session summaries and the
/// drill-down timeline) and the practice marks they produced.
#[derive(Debug, Clone, Default)]
pub struct Classified {
    pub events: Vec<TranscriptEvent>,
    pub marks: Vec<Mark>,
}

/// The sending side of a queue between stages.
#[async_trait]
pub trait Publisher<T: Send + 'static>: Send + Sync {
    /// Returns once the queue holds the envelope (for Kafka: once acknowledged).
    async fn publish(&self, envelope: Envelope<T>) -> Result<(), PipelineError>;
}

/// The receiving side of a queue between stages.
#[async_trait]
pub trait Subscriber<T: Send + 'static>: Send {
    /// The next envelope, or `None` once the stream has ended.
    async fn next(&mut self) -> Result<Option<Envelope<T>>, PipelineError>;
    /// Everything up to this checkpoint is durable downstream.
    async fn commit(&mut self, checkpoint: &Checkpoint) -> Result<(), PipelineError>;
}

/// The embedded queue: a bounded in-process channel. Bounded, so a slow store
/// slows the collector instead of filling memory. Nothing is committed here:
/// in embedded mode the store itself keeps the collector's checkpoints.
pub mod embedded {
    use super::*;
    use tokio::sync::mpsc;

    pub struct ChannelPublisher<T>(mpsc::Sender<Envelope<T>>);
    pub struct ChannelSubscriber<T>(mpsc::Receiver<Envelope<T>>);

    pub fn channel<T>(capacity: usize) -> (ChannelPublisher<T>, ChannelSubscriber<T>) {
        let (tx, rx) = mpsc::channel(capacity);
        (ChannelPublisher(tx), ChannelSubscriber(rx))
    }

    impl<T> Clone for ChannelPublisher<T> {
        fn clone(&self) -> Self {
            ChannelPublisher(self.0.clone())
        }
    }

    #[async_trait]
    impl<T: Send + 'static> Publisher<T> for ChannelPublisher<T> {
        async fn publish(&self, envelope: Envelope<T>) -> Result<(), PipelineError> {
            self.0.send(envelope).await.map_err(|_| PipelineError::Closed)
        }
    }

    #[async_trait]
    impl<T: Send + 'static> Subscriber<T> for ChannelSubscriber<T> {
        async fn next(&mut self) -> Result<Option<Envelope<T>>, PipelineError> {
            Ok(self.0.recv().await)
        }
        async fn commit(&mut self, _: &Checkpoint) -> Result<(), PipelineError> {
            Ok(())
        }
    }
}
