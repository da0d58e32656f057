//! Kafka between the stages, behind the same [`Publisher`]/[`Subscriber`]
//! traits as the embedded queue, so `accrete classify` and `accrete aggregate`
//! run the very classifier and aggregator code `accrete up` runs.
//!
//! Topics (protobuf values, key = session id so a session stays ordered on
//! one partition):
//! - `accrete.events.v1`: `accrete.v1.TranscriptEvent`, written by the gateway;
//! - `accrete.marks.v1`: `accrete.v1.Mark`, written by the classifiers;
//! - `accrete.coaching.v1`: `accrete.v1.CoachingEvent`, written by the API
//!   (key = assignment id, one partition, compacted: [`CoachingPublisher`]).
//!
//! Offsets are committed by hand, only after what a batch produced is
//! durable downstream: a crash replays, never skips (at-least-once).

use std::collections::BTreeMap;
use std::time::Duration;

use accrete_common::config::KafkaConfig;
use accrete_common::health;
use accrete_common::metrics::{counter, gauge, summary};
use accrete_common::pipeline::{Checkpoint, Classified, Envelope, PipelineError, Publisher, Subscriber};
use accrete_common::{EventBatch, Mark, TranscriptEvent};
use async_trait::async_trait;
use prost::Message as _;
use rdkafka::admin::{AdminClient, AdminOptions, NewTopic, TopicReplication};
use rdkafka::client::{ClientContext, DefaultClientContext};
use rdkafka::consumer::{CommitMode, Consumer, ConsumerContext, StreamConsumer};
use rdkafka::error::{KafkaError, RDKafkaErrorCode};
use rdkafka::message::{Header, Headers, Message, OwnedHeaders};
use rdkafka::producer::{DeliveryFuture, FutureProducer, FutureRecord};
use rdkafka::{ClientConfig, Offset, TopicPartitionList};
use tokio::sync::watch;
use tracing::{debug, info, warn};

fn transient(e: impl std::fmt::Display) -> PipelineError {
    PipelineError::Transient(format!("kafka: {e}"))
}

fn base_config(cfg: &KafkaConfig) -> ClientConfig {
    let mut c = ClientConfig::new();
    c.set("bootstrap.servers", &cfg.brokers).set("client.id", "accrete");
    c
}

/// Creates the topics if they are missing (idempotent).
pub async fn ensure_topics(cfg: &KafkaConfig) -> Result<(), PipelineError> {
    let admin: AdminClient<DefaultClientContext> = base_config(cfg).create().map_err(transient)?;
    let mut topics: Vec<NewTopic> = [&cfg.events_topic, &cfg.marks_topic]
        .iter()
        .map(|t| NewTopic::new(t, cfg.partitions, TopicReplication::Fixed(1)))
        .collect();
    // Few events, read in order, and an assignment published again replaces
    // itself under compaction.
    if !cfg.coaching_topic.is_empty() {
        topics.push(NewTopic::new(&cfg.coaching_topic, 1, TopicReplication::Fixed(1)).set("cleanup.policy", "compact"));
    }
    let opts = AdminOptions::new().operation_timeout(Some(Duration::from_secs(10)));
    for r in admin.create_topics(&topics, &opts).await.map_err(transient)? {
        match r {
            Ok(t) => info!(topic = %t, "created topic"),
            Err((_, RDKafkaErrorCode::TopicAlreadyExists)) => {}
            Err((t, e)) => return Err(transient(format!("creating topic {t}: {e}"))),
        }
    }
    Ok(())
}

/// Asks the brokers for metadata, for readiness. One client for the life of
/// the process: librdkafka then says once that a broker is down, instead of
/// a fresh client's burst of connection errors at every probe.
pub struct Reachability {
    admin: std::sync::Arc<AdminClient<DefaultClientContext>>,
}

impl Reachability {
    pub fn new(cfg: &KafkaConfig) -> Result<Reachability, String> {
        Ok(Reachability { admin: std::sync::Arc::new(base_config(cfg).create().map_err(|e| e.to_string())?) })
    }

    /// The number of brokers that answered, or why none did.
    pub async fn check(&self) -> Result<usize, String> {
        let admin = self.admin.clone();
        tokio::task::spawn_blocking(move || {
            admin
                .inner()
                .fetch_metadata(None, Duration::from_secs(3))
                .map(|m| m.brokers().len())
                .map_err(|e| e.to_string())
        })
        .await
        .map_err(|e| e.to_string())?
    }
}

/// The W3C trace context header each message carries.
const TRACEPARENT: &str = "traceparent";

/// An idempotent producer that reports each batch only once Kafka has all of it.
#[derive(Clone)]
pub struct BatchProducer {
    producer: FutureProducer,
}

impl BatchProducer {
    pub fn new(cfg: &KafkaConfig) -> Result<BatchProducer, PipelineError> {
        let producer = base_config(cfg)
            .set("enable.idempotence", "true")
            .set("acks", "all")
            .set("linger.ms", "5")
            .set("compression.type", "lz4")
            .set("message.timeout.ms", "30000")
            .create()
            .map_err(|e| PipelineError::Fatal(format!("kafka producer: {e}")))?;
        Ok(BatchProducer { producer })
    }

    /// Sends `(key, value)` records to `topic`, each with the `traceparent`
    /// header `traces` has for its key (the session id); returns once all
    /// are acknowledged.
    pub async fn send_all(
        &self,
        topic: &str,
        records: Vec<(&str, Vec<u8>)>,
        traces: &BTreeMap<String, String>,
    ) -> Result<usize, PipelineError> {
        let mut pending: Vec<DeliveryFuture> = Vec::new();
        let sent =
            counter("accrete_kafka_messages_produced_total", "Messages acknowledged by Kafka.", &[("topic", topic)]);
        for (key, value) in records {
            let mut record = FutureRecord::to(topic).key(key).payload(&value);
            if let Some(tp) = traces.get(key) {
                record = record.headers(OwnedHeaders::new().insert(Header { key: TRACEPARENT, value: Some(tp) }));
            }
            loop {
                match self.producer.send_result(record) {
                    Ok(f) => {
                        pending.push(f);
                        break;
                    }
                    Err((KafkaError::MessageProduction(RDKafkaErrorCode::QueueFull), r)) => {
                        // The local queue is full: let deliveries drain first.
                        record = r;
                        tokio::time::sleep(Duration::from_millis(5)).await;
                    }
                    Err((e, _)) => return Err(transient(e)),
                }
            }
        }
        let n = pending.len();
        for f in pending {
            match f.await {
                Ok(Ok(_)) => {}
                Ok(Err((e, _))) => return Err(transient(format!("delivery to {topic} failed: {e}"))),
                Err(_) => return Err(transient("producer dropped a delivery")),
            }
        }
        sent.add(n as u64);
        Ok(n)
    }

    pub async fn send_events(
        &self,
        topic: &str,
        events: &[TranscriptEvent],
        traces: &BTreeMap<String, String>,
    ) -> Result<usize, PipelineError> {
        self.send_all(topic, keyed(events, |e| &e.session_id), traces).await
    }
}

/// Publishes the coaching loop's events: each assignment, keyed by its id.
#[derive(Clone)]
pub struct CoachingPublisher {
    producer: FutureProducer,
    topic: String,
}

impl CoachingPublisher {
    pub fn new(cfg: &KafkaConfig) -> Result<CoachingPublisher, PipelineError> {
        let producer = base_config(cfg)
            .set("enable.idempotence", "true")
            .set("acks", "all")
            // An HTTP request waits for it: give up soon, the caller retries.
            .set("message.timeout.ms", "5000")
            .create()
            .map_err(|e| PipelineError::Fatal(format!("kafka producer: {e}")))?;
        Ok(CoachingPublisher { producer, topic: cfg.coaching_topic.clone() })
    }

    /// Sends one `assigned` event per assignment; returns once Kafka has all.
    pub async fn assigned(&self, assignments: &[accrete_common::proto::Assignment]) -> Result<usize, PipelineError> {
        let now = accrete_common::time::now_ms();
        let events: Vec<accrete_common::proto::CoachingEvent> = assignments
            .iter()
            .map(|a| accrete_common::proto::CoachingEvent {
                kind: "assigned".into(),
                assignment: Some(a.clone()),
                published_ms: now,
            })
            .collect();
        let records =
            events.iter().map(|e| (e.assignment.as_ref().map_or("", |a| a.id.as_str()), e.encode_to_vec())).collect();
        BatchProducer { producer: self.producer.clone() }.send_all(&self.topic, records, &BTreeMap::new()).await
    }
}

/// Encodes messages keyed by session id (a plain function: closures that
/// return borrows do not live well inside `async_trait` bodies).
pub fn keyed<M: prost::Message>(items: &[M], key: fn(&M) -> &String) -> Vec<(&str, Vec<u8>)> {
    items.iter().map(|m| (key(m).as_str(), m.encode_to_vec())).collect()
}

/// Publishes each assigned partition's lag (high watermark minus committed
/// offset) from librdkafka's statistics; the first report makes the lag
/// known, which readiness waits for.
pub struct LagContext {
    group: String,
}

impl ClientContext for LagContext {
    fn stats(&self, stats: rdkafka::Statistics) {
        let mut total = 0;
        for (topic, t) in &stats.topics {
            for (p, part) in &t.partitions {
                // -1 is librdkafka's internal partition; a lag of -1 is a
                // partition this member does not consume.
                if *p < 0 || part.consumer_lag < 0 {
                    continue;
                }
                total += part.consumer_lag;
                gauge(
                    "accrete_kafka_consumer_lag",
                    "Messages behind the high watermark, per assigned partition.",
                    &[("group", &self.group), ("topic", topic), ("partition", &p.to_string())],
                )
                .set(part.consumer_lag as u64);
            }
        }
        health::set("consumer_lag", true, format!("{total} messages behind ({})", self.group));
    }
}

impl ConsumerContext for LagContext {}

/// A consumer-group member that hands out batches of messages.
pub struct BatchConsumer {
    consumer: StreamConsumer<LagContext>,
    max: usize,
    wait: Duration,
    shutdown: watch::Receiver<bool>,
    batch_size: accrete_common::metrics::Summary,
}

struct Raw {
    topic: String,
    partition: i32,
    offset: i64,
    key: String,
    payload: Vec<u8>,
    traceparent: Option<String>,
}

impl BatchConsumer {
    pub fn new(
        cfg: &KafkaConfig,
        group: &str,
        topics: &[&str],
        shutdown: watch::Receiver<bool>,
    ) -> Result<BatchConsumer, PipelineError> {
        let consumer: StreamConsumer<LagContext> = base_config(cfg)
            .set("group.id", group)
            .set("statistics.interval.ms", "5000")
            .set("enable.auto.commit", "false")
            .set("auto.offset.reset", "earliest")
            .set("session.timeout.ms", "10000")
            .set("heartbeat.interval.ms", "1000")
            .set("fetch.wait.max.ms", "50")
            .create_with_context(LagContext { group: group.to_string() })
            .map_err(|e| PipelineError::Fatal(format!("kafka consumer: {e}")))?;
        consumer.subscribe(topics).map_err(transient)?;
        info!(group, ?topics, "joined consumer group");
        Ok(BatchConsumer {
            consumer,
            max: cfg.batch_max_messages,
            wait: Duration::from_millis(cfg.batch_max_wait_ms),
            shutdown,
            batch_size: summary(
                "accrete_kafka_consumed_batch_size",
                "Messages per consumed batch.",
                &[("group", group)],
            ),
        })
    }

    /// Waits for one message, then takes what else comes within `wait`.
    /// `None` on shutdown.
    async fn next_raw(&mut self) -> Result<Option<(Vec<Raw>, Checkpoint)>, PipelineError> {
        if *self.shutdown.borrow() {
            return Ok(None);
        }
        let first = tokio::select! {
            m = self.consumer.recv() => m,
            _ = self.shutdown.changed() => return Ok(None),
        };
        // A broker gone away: a consumer that lived through it can stay stuck
        // after its group session timed out, so the stage starts over with a
        // fresh one from the committed offsets.
        let mut out = vec![raw(&first.map_err(|e| transient(format!("consumer: {e}")))?)];
        let deadline = tokio::time::Instant::now() + self.wait;
        while out.len() < self.max {
            match tokio::time::timeout_at(deadline, self.consumer.recv()).await {
                Ok(Ok(m)) => out.push(raw(&m)),
                Ok(Err(e)) => {
                    warn!(error = %e, "kafka consumer error");
                    break;
                }
                Err(_) => break,
            }
        }
        self.batch_size.observe(out.len() as u64);
        let mut next: BTreeMap<(String, i32), i64> = BTreeMap::new();
        for r in &out {
            let e = next.entry((r.topic.clone(), r.partition)).or_insert(r.offset + 1);
            *e = (*e).max(r.offset + 1);
        }
        let queue = next.into_iter().map(|((t, p), o)| (t, p, o)).collect();
        Ok(Some((out, Checkpoint { queue, ..Default::default() })))
    }

    /// Commits the offsets after a checkpoint. Partitions moved to another
    /// member meanwhile are that member's to replay: a failure here is logged.
    async fn commit_checkpoint(&self, cp: &Checkpoint) -> Result<(), PipelineError> {
        if cp.queue.is_empty() {
            return Ok(());
        }
        let mut tpl = TopicPartitionList::new();
        for (t, p, o) in &cp.queue {
            tpl.add_partition_offset(t, *p, Offset::Offset(*o)).map_err(transient)?;
        }
        if let Err(e) = self.consumer.commit(&tpl, CommitMode::Sync) {
            warn!(error = %e, "offset commit failed (a rebalance?); the batch will be replayed, which is harmless");
        }
        Ok(())
    }
}

fn raw(m: &rdkafka::message::BorrowedMessage<'_>) -> Raw {
    let traceparent = m.headers().and_then(|h| {
        h.iter()
            .find(|h| h.key == TRACEPARENT)
            .and_then(|h| h.value)
            .and_then(|v| std::str::from_utf8(v).ok())
            .map(str::to_owned)
    });
    Raw {
        topic: m.topic().to_string(),
        partition: m.partition(),
        offset: m.offset(),
        key: m.key().and_then(|k| std::str::from_utf8(k).ok()).unwrap_or_default().to_string(),
        payload: m.payload().unwrap_or_default().to_vec(),
        traceparent,
    }
}

/// Session id -> the trace context its messages came with.
fn traces_of<'a>(raws: impl IntoIterator<Item = &'a Raw>) -> BTreeMap<String, String> {
    raws.into_iter().filter_map(|r| Some((r.key.clone(), r.traceparent.clone()?))).collect()
}

fn invalid(topic: &str, partition: i32, offset: i64, e: prost::DecodeError) {
    counter("accrete_kafka_messages_invalid_total", "Messages that did not decode, skipped.", &[("topic", topic)])
        .inc();
    warn!(topic, partition, offset, error = %e, "skipping a message that is not valid protobuf");
}

/// The classifier's input: events from the events topic.
pub struct EventSubscriber(pub BatchConsumer);

#[async_trait]
impl Subscriber<EventBatch> for EventSubscriber {
    async fn next(&mut self) -> Result<Option<Envelope<EventBatch>>, PipelineError> {
        let Some((raws, checkpoint)) = self.0.next_raw().await? else { return Ok(None) };
        let traces = traces_of(&raws);
        let mut events = Vec::with_capacity(raws.len());
        for r in raws {
            match TranscriptEvent::decode(r.payload.as_slice()) {
                Ok(e) => events.push(e),
                Err(e) => invalid(&r.topic, r.partition, r.offset, e),
            }
        }
        debug!(events = events.len(), "consumed events");
        Ok(Some(Envelope { body: EventBatch { events }, checkpoint, traces }))
    }

    async fn commit(&mut self, checkpoint: &Checkpoint) -> Result<(), PipelineError> {
        self.0.commit_checkpoint(checkpoint).await
    }
}

/// The classifier's output: marks to the marks topic (the events are in Kafka already).
pub struct MarkPublisher {
    pub producer: BatchProducer,
    pub topic: String,
}

#[async_trait]
impl Publisher<Classified> for MarkPublisher {
    async fn publish(&self, env: Envelope<Classified>) -> Result<(), PipelineError> {
        let marks = &env.body.marks;
        self.producer.send_all(&self.topic, keyed(marks, |m| &m.session_id), &env.traces).await?;
        counter("accrete_classifier_marks_total", "Marks published.", &[]).add(marks.len() as u64);
        Ok(())
    }
}

/// The aggregator's input: events and marks, from both topics.
pub struct ClassifiedSubscriber {
    pub consumer: BatchConsumer,
    pub events_topic: String,
}

#[async_trait]
impl Subscriber<Classified> for ClassifiedSubscriber {
    async fn next(&mut self) -> Result<Option<Envelope<Classified>>, PipelineError> {
        let Some((raws, checkpoint)) = self.consumer.next_raw().await? else { return Ok(None) };
        // A session's marks carry the classifier's span, a child of the
        // gateway's that its events carry: the deeper one wins.
        let (events, marks): (Vec<&Raw>, Vec<&Raw>) = raws.iter().partition(|r| r.topic == self.events_topic);
        let mut traces = traces_of(events);
        traces.extend(traces_of(marks));
        let mut body = Classified::default();
        for r in raws {
            if r.topic == self.events_topic {
                match TranscriptEvent::decode(r.payload.as_slice()) {
                    Ok(e) => body.events.push(e),
                    Err(e) => invalid(&r.topic, r.partition, r.offset, e),
                }
            } else {
                match Mark::decode(r.payload.as_slice()) {
                    Ok(m) => body.marks.push(m),
                    Err(e) => invalid(&r.topic, r.partition, r.offset, e),
                }
            }
        }
        Ok(Some(Envelope { body, checkpoint, traces }))
    }

    async fn commit(&mut self, checkpoint: &Checkpoint) -> Result<(), PipelineError> {
        self.consumer.commit_checkpoint(checkpoint).await
    }
}
