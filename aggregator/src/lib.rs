//! The aggregator: the stage that feeds the store. Classified batches come
//! in, get their team where the collector named none, and are applied to a
//! [`RollupStore`] (retried while it is unavailable) before their checkpoint
//! is committed. What a session shows, and every roll-up, is the store's
//! business (`accrete_store`).

use accrete_common::metrics::{counter, summary};
use accrete_common::pipeline::{Classified, PipelineError, Subscriber};
use accrete_common::telemetry;
use accrete_store::{RollupStore, StoreError};
use tracing::warn;

/// People whose collector named no team get the one the service's
/// `teams` mapping gives them.
fn assign_teams(batch: &mut Classified, teams: &std::collections::BTreeMap<String, String>) {
    if teams.is_empty() {
        return;
    }
    for e in batch.events.iter_mut().filter(|e| e.team.is_empty()) {
        if let Some(t) = teams.get(&e.person) {
            e.team = t.clone();
        }
    }
    for m in batch.marks.iter_mut().filter(|m| m.team.is_empty()) {
        if let Some(t) = teams.get(&m.person) {
            m.team = t.clone();
        }
    }
}

/// The aggregator stage.
///
/// ```ignore
/// while let Some(env) = input.next().await? {
///     store.apply(env.body, &env.checkpoint).await?;   // retried while the store is unavailable
///     on_commit(&env.checkpoint);
///     input.commit(&env.checkpoint).await?;
/// }
/// ```
pub async fn run_aggregator<S>(
    mut input: S,
    store: &dyn RollupStore,
    teams: &std::collections::BTreeMap<String, String>,
    on_commit: &(dyn Fn(&accrete_common::pipeline::Checkpoint) + Send + Sync),
) -> Result<(), PipelineError>
where
    S: Subscriber<Classified>,
{
    let events_in = counter("accrete_aggregator_events_total", "Events stored.", &[]);
    let marks_in = counter("accrete_aggregator_marks_total", "Marks stored.", &[]);
    let retries =
        counter("accrete_aggregator_store_retries_total", "Batches tried again while the store was unavailable.", &[]);
    let batch_size = summary("accrete_aggregator_batch_size", "Events and marks per stored batch.", &[]);
    while let Some(mut env) = input.next().await? {
        assign_teams(&mut env.body, teams);
        let (ne, nm) = (env.body.events.len(), env.body.marks.len());
        let (spans, _) =
            telemetry::stage_spans(|| tracing::info_span!("aggregator.store", events = ne, marks = nm), &env.traces);
        let batch = std::sync::Arc::new(env.body);
        let mut delay = std::time::Duration::from_millis(100);
        loop {
            match store.apply(batch.clone(), &env.checkpoint).await {
                Ok(()) => break,
                Err(e @ StoreError::Unavailable { .. }) => {
                    retries.inc();
                    warn!(error = %e, retry_in_ms = delay.as_millis() as u64, "store unavailable; retrying the batch");
                    tokio::time::sleep(delay).await;
                    delay = (delay * 2).min(std::time::Duration::from_secs(10));
                }
                Err(e) => return Err(PipelineError::Failed { what: "store", source: Box::new(e) }),
            }
        }
        drop(spans);
        events_in.add(ne as u64);
        marks_in.add(nm as u64);
        batch_size.observe((ne + nm) as u64);
        on_commit(&env.checkpoint);
        input.commit(&env.checkpoint).await?;
    }
    Ok(())
}
