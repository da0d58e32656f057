//! Writes: a batch's events and marks, then one `person_writes` row per
//! person it touched (what makes their roll-up stale).

use std::sync::Arc;

use accrete_common::pipeline::{Checkpoint, Classified};
use async_trait::async_trait;
use clickhouse::Row;
use serde::Serialize;

use super::ClickHouseStore;
use crate::rollup::{content_json, summarize};
use crate::{RollupStore, StoreError};

#[derive(Row, Serialize)]
struct EventRow<'a> {
    person: &'a str,
    team: &'a str,
    session_id: &'a str,
    project: &'a str,
    agent_id: &'a str,
    offset: u64,
    part: u32,
    line: u64,
    ts_ms: i64,
    line_type: &'a str,
    is_sidechain: u8,
    summary: String,
    content: String,
}

#[derive(Row, Serialize)]
struct MarkInsert<'a> {
    person: &'a str,
    team: &'a str,
    session_id: &'a str,
    agent_id: &'a str,
    key: &'a str,
    ordinal: u64,
    line: u64,
    ts_ms: i64,
    evidence: &'a str,
}

#[derive(Row, Serialize)]
struct PersonWrite<'a> {
    person: &'a str,
    n: u64,
}

#[async_trait]
impl RollupStore for ClickHouseStore {
    async fn apply(&self, batch: Arc<Classified>, _checkpoint: &Checkpoint) -> Result<(), StoreError> {
        let latency = |table| {
            accrete_common::metrics::summary(
                "accrete_clickhouse_insert_duration_seconds",
                "Time to insert one batch into a ClickHouse table, until the server has it.",
                &[("table", table)],
            )
        };
        if !batch.events.is_empty() {
            let started = std::time::Instant::now();
            let mut ins = self.client.insert::<EventRow>("events").await?;
            for ev in &batch.events {
                let content = content_json(ev);
                ins.write(&EventRow {
                    person: &ev.person,
                    team: &ev.team,
                    session_id: &ev.session_id,
                    project: &ev.project,
                    agent_id: &ev.agent_id,
                    offset: ev.offset,
                    part: ev.part,
                    line: ev.line,
                    ts_ms: ev.timestamp_ms,
                    line_type: &ev.line_type,
                    is_sidechain: ev.is_sidechain as u8,
                    summary: summarize(ev),
                    content: content.unwrap_or_default(),
                })
                .await?;
            }
            ins.end().await?;
            latency("events").observe_duration(started.elapsed());
        }
        if !batch.marks.is_empty() {
            let started = std::time::Instant::now();
            let mut ins = self.client.insert::<MarkInsert>("marks").await?;
            for m in &batch.marks {
                ins.write(&MarkInsert {
                    person: &m.person,
                    team: &m.team,
                    session_id: &m.session_id,
                    agent_id: &m.agent_id,
                    key: &m.key,
                    ordinal: m.ordinal,
                    line: m.line,
                    ts_ms: m.timestamp_ms,
                    evidence: &m.evidence,
                })
                .await?;
            }
            ins.end().await?;
            latency("marks").observe_duration(started.elapsed());
        }
        // Last: a person's count may only grow once their rows are in (see `rollups`).
        let people: std::collections::BTreeSet<&str> = batch
            .events
            .iter()
            .map(|e| e.person.as_str())
            .chain(batch.marks.iter().map(|m| m.person.as_str()))
            .collect();
        if !people.is_empty() {
            let mut ins = self.client.insert::<PersonWrite>("person_writes").await?;
            for person in people {
                ins.write(&PersonWrite { person, n: 1 }).await?;
            }
            ins.end().await?;
        }
        Ok(())
    }
}
