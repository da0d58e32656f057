//! The one-process pipeline: collector -> classifier -> aggregator over
//! bounded in-process channels, into the embedded SQLite store.

use std::sync::Arc;

use accrete_classifier::Classifier;
use accrete_collector::{Collector, CollectorOptions, StatusBoard};
use accrete_common::catalog::Catalog;
use accrete_common::config::Config;
use accrete_common::pipeline::embedded::channel;
use accrete_store::{CheckpointStore, SqliteStore};
use anyhow::Context;
use tokio::sync::watch;

/// Batches in flight between two stages: enough to keep both busy, few
/// enough that a slow store slows the collector down instead of filling memory.
const QUEUE_DEPTH: usize = 4;

pub fn load_catalog(cfg: &Config) -> anyhow::Result<Arc<Catalog>> {
    Ok(Arc::new(match &cfg.catalog {
        Some(p) => Catalog::load(p)?,
        None => Catalog::builtin(),
    }))
}

/// Runs the pipeline until the collector finishes (one-shot) or `shutdown`
/// flips (follow); returns once every batch read is stored.
pub async fn run_pipeline(
    cfg: &Config,
    catalog: Arc<Catalog>,
    store: Arc<SqliteStore>,
    board: Arc<StatusBoard>,
    follow: bool,
    shutdown: watch::Receiver<bool>,
) -> anyhow::Result<()> {
    let checkpoints = store.checkpoints().await.context("reading where the last run stopped")?;
    let collector = Collector::new(
        cfg.sources.clone(),
        catalog.clone(),
        CollectorOptions { config: cfg.collector.clone(), share_content: cfg.privacy.share_content, follow },
        board.clone(),
        checkpoints,
    );
    let (events_tx, events_rx) = channel(QUEUE_DEPTH);
    let (classified_tx, classified_rx) = channel(QUEUE_DEPTH);
    let classifier = Classifier::new(&catalog);
    let collect = tokio::spawn(async move { collector.run(events_tx, shutdown).await });
    let classify = tokio::spawn(async move { classifier.run(events_rx, classified_tx).await });
    let on_commit = move |cp: &accrete_common::pipeline::Checkpoint| board.committed(&cp.files);
    let aggregate = accrete_aggregator::run_aggregator(classified_rx, store.as_ref(), &cfg.teams, &on_commit);
    // The aggregator runs here; when it fails, the channels close and the
    // other stages stop with it.
    let aggregated = aggregate.await;
    let classified = classify.await.context("classifier task")?;
    let collected = collect.await.context("collector task")?;
    aggregated.context("aggregator")?;
    classified.context("classifier")?;
    collected.context("collector")?;
    Ok(())
}
