//! The coaching loop's events for other services, published off the request
//! path. An assignment is durable in the store before it is announced, so
//! the topic only has to catch up: one task publishes what the API queues,
//! retrying while Kafka is away, and first publishes the whole assignment
//! log, so what a crash kept from the topic gets there at the next start.
//! The topic sees each assignment at least once (it is compacted by id).
//!
//! ```text
//! republish(the whole log) until Kafka takes it
//! loop {
//!     batch = everything queued (wait for the first)
//!     publish(batch) until Kafka takes it
//! }
//! ```

use std::sync::Arc;
use std::time::Duration;

use accrete_common::metrics::counter;
use accrete_common::proto::Assignment;
use accrete_store::{Access, QueryStore};
use tokio::sync::mpsc;
use tracing::{info, warn};

/// Where the API announces the coaching loop's events for other services:
/// the coaching Kafka topic in the distributed mode, nowhere in the
/// one-process mode (the assignment log is the record there).
#[tonic::async_trait]
pub trait CoachingEvents: Send + Sync {
    /// Returns once the events are durable (acknowledged), or why not.
    async fn assigned(&self, assignments: &[Assignment]) -> Result<(), String>;
}

/// The queue in front of the publishing task.
#[derive(Clone)]
pub struct Announcer {
    tx: mpsc::UnboundedSender<Assignment>,
}

impl Announcer {
    /// Starts the task (on the current runtime).
    pub fn start(store: Arc<dyn QueryStore>, events: Arc<dyn CoachingEvents>) -> Announcer {
        let (tx, rx) = mpsc::unbounded_channel();
        tokio::spawn(run(store, events, rx));
        Announcer { tx }
    }

    /// Queues a stored assignment.
    pub fn assigned(&self, a: &Assignment) {
        // The task only ends with the runtime: nothing is left to publish to then.
        let _ = self.tx.send(a.clone());
    }
}

async fn run(store: Arc<dyn QueryStore>, events: Arc<dyn CoachingEvents>, mut rx: mpsc::UnboundedReceiver<Assignment>) {
    let all = log(store.as_ref()).await;
    if !all.is_empty() {
        publish(events.as_ref(), &all).await;
        info!(assignments = all.len(), "assignment log published to the coaching topic");
    }
    while let Some(first) = rx.recv().await {
        let mut batch = vec![first];
        while let Ok(a) = rx.try_recv() {
            batch.push(a);
        }
        publish(events.as_ref(), &batch).await;
    }
}

/// Every assignment of the log, however long the store takes to answer.
async fn log(store: &dyn QueryStore) -> Vec<Assignment> {
    let mut delay = Duration::from_millis(500);
    loop {
        match store.assignments(&Default::default(), &Access::All).await {
            Ok(a) => return a.assignments,
            Err(e) => {
                warn!(error = %e, "cannot read the assignment log to publish it; trying again");
                tokio::time::sleep(delay).await;
                delay = (delay * 2).min(Duration::from_secs(30));
            }
        }
    }
}

/// Tries until the events are taken, backing off to 30 s.
async fn publish(events: &dyn CoachingEvents, a: &[Assignment]) {
    let mut delay = Duration::from_secs(1);
    loop {
        match events.assigned(a).await {
            Ok(()) => {
                counter("accrete_coaching_events_published_total", "Coaching events Kafka took.", &[])
                    .add(a.len() as u64);
                return;
            }
            Err(e) => {
                counter(
                    "accrete_coaching_events_retried_total",
                    "Attempts to publish coaching events that Kafka did not take (tried again).",
                    &[],
                )
                .inc();
                warn!(error = %e, assignments = a.len(), "cannot publish coaching events yet; trying again");
            }
        }
        tokio::time::sleep(delay).await;
        delay = (delay * 2).min(Duration::from_secs(30));
    }
}
