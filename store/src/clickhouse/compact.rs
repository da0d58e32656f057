//! Compaction: recomputes the roll-ups of stale people from their settled
//! sessions (see [`super::rollups`] for why that stays exact).

use std::time::{Duration, Instant};

use clickhouse::Row;
use serde::{Deserialize, Serialize};
use tracing::{info, warn};

use super::plan::{Values, bind};
use super::rollups::{self, Fact};
use super::{ClickHouseStore, sql};
use crate::StoreError;

/// People per compaction round: one query reads their rows.
const COMPACT_BATCH: usize = 200;

/// With more stale people than this, a query reads everyone from the raw
/// tables (a large catch-up is under way).
const MAX_STALE: usize = 1000;

#[derive(Row, Deserialize)]
struct StaleRow {
    person: String,
    n: u64,
}

#[derive(Row, Serialize)]
struct RollupInsert<'a> {
    person: &'a str,
    version: u64,
    catalog: &'a str,
    m_start: &'a [i64],
    m_team: &'a [String],
    m_sessions: &'a [u32],
    m_counts: &'a [Vec<u32>],
}

#[derive(Row, Serialize)]
struct SessionsInsert<'a> {
    person: &'a str,
    version: u64,
    catalog: &'a str,
    s_id: &'a [String],
    s_start: &'a [i64],
    s_team: &'a [String],
    s_present: &'a [u64],
}

#[derive(Row, Serialize)]
struct DaysInsert<'a> {
    month: i64,
    person: &'a str,
    version: u64,
    catalog: &'a str,
    d_start: &'a [i64],
    d_team: &'a [String],
    d_sessions: &'a [u32],
    d_counts: &'a [Vec<u32>],
}

impl ClickHouseStore {
    /// Recomputes the roll-ups of up to `max` stale people (see [`rollups`]);
    /// returns how many were written. Run it until it returns 0.
    pub async fn compact(&self, max: usize) -> Result<usize, StoreError> {
        let stale: Vec<StaleRow> = self
            .client
            .query(&sql::stale_people(&self.db))
            .bind(&self.fingerprint)
            .bind(&self.fingerprint)
            .bind(max as u64)
            .fetch_all()
            .await?;
        if stale.is_empty() {
            return Ok(0);
        }
        let people: Vec<String> = stale.iter().map(|s| s.person.clone()).collect();
        let versions = stale.into_iter().map(|s| (s.person, s.n)).collect();
        let st = sql::person_facts(&self.db, &self.catalog, people.len());
        let v = Values { members: &people, ..Values::default() };
        let facts: Vec<Fact> = bind(self.client.query(&st.sql), &st.binds, &v).fetch_all().await?;
        let computed = rollups::compute(&facts, &versions, self.catalog.practices.len());
        // Days first: a day row counts only once the roll-up of its version is in.
        if computed.iter().any(|r| !r.days.is_empty()) {
            let mut ins = self.client.insert::<DaysInsert>("person_days").await?;
            for r in &computed {
                for (month, d) in &r.days {
                    ins.write(&DaysInsert {
                        month: *month,
                        person: &r.person,
                        version: r.version,
                        catalog: &self.fingerprint,
                        d_start: &d.start,
                        d_team: &d.team,
                        d_sessions: &d.sessions,
                        d_counts: &d.counts,
                    })
                    .await?;
                }
            }
            ins.end().await?;
        }
        // Session lists too: a person's newest list counts while they are not stale.
        let mut ins = self.client.insert::<SessionsInsert>("person_sessions").await?;
        for r in &computed {
            ins.write(&SessionsInsert {
                person: &r.person,
                version: r.version,
                catalog: &self.fingerprint,
                s_id: &r.sessions.id,
                s_start: &r.sessions.start,
                s_team: &r.sessions.team,
                s_present: &r.sessions.present,
            })
            .await?;
        }
        ins.end().await?;
        let mut ins = self.client.insert::<RollupInsert>("person_rollups").await?;
        for r in &computed {
            ins.write(&RollupInsert {
                person: &r.person,
                version: r.version,
                catalog: &self.fingerprint,
                m_start: &r.months.start,
                m_team: &r.months.team,
                m_sessions: &r.months.sessions,
                m_counts: &r.months.counts,
            })
            .await?;
        }
        ins.end().await?;
        Ok(computed.len())
    }

    /// Compacts until no roll-up is stale (`accrete compact`, `gen-org`);
    /// returns how many were recomputed.
    pub async fn compact_all(&self) -> Result<usize, StoreError> {
        let mut total = 0;
        loop {
            let n = self.compact(COMPACT_BATCH).await?;
            total += n;
            if n < COMPACT_BATCH {
                return Ok(total);
            }
        }
    }

    /// The aggregator's compaction loop, until `stop`: recomputes stale
    /// roll-ups, and looks again every `interval` once none are left. It
    /// rests three times as long as each round took, so it takes at most a
    /// quarter of the time from ingestion (during a bulk load people go
    /// stale again at once; queries read stale people raw meanwhile:
    /// slower, still exact).
    pub async fn keep_compacted(&self, interval: Duration, mut stop: tokio::sync::watch::Receiver<bool>) {
        let done = accrete_common::metrics::counter(
            "accrete_rollups_compacted_total",
            "Per-person roll-ups recomputed after their writes.",
            &[],
        );
        // How far behind the roll-ups are: what an operator (and
        // bench/distributed.sh) watches to know they are exact.
        let stale_now = accrete_common::metrics::gauge(
            "accrete_rollups_stale_people",
            "People whose roll-up is behind their writes, counted after the last compaction round (at most 1,001).",
            &[],
        );
        let checked_at = accrete_common::metrics::gauge(
            "accrete_rollups_checked_at_ms",
            "When accrete_rollups_stale_people was last counted (Unix ms).",
            &[],
        );
        let mut failing = false;
        while !*stop.borrow() {
            let started = Instant::now();
            let wait = match self.compact(COMPACT_BATCH).await {
                Ok(n) => {
                    done.add(n as u64);
                    if let Ok(stale) = self.stale_people().await {
                        stale_now.set(stale.map_or(MAX_STALE as u64 + 1, |s| s.len() as u64));
                        checked_at.set(accrete_common::time::now_ms() as u64);
                    }
                    if failing {
                        info!("roll-up compaction works again");
                        failing = false;
                    }
                    let rest = started.elapsed() * 3;
                    if n == COMPACT_BATCH { rest } else { rest.max(interval) }
                }
                Err(e) => {
                    if !failing {
                        warn!(error = %e, "roll-up compaction failed; retrying");
                        failing = true;
                    }
                    interval.max(Duration::from_secs(1))
                }
            };
            tokio::select! {
                _ = tokio::time::sleep(wait) => {}
                _ = stop.changed() => {}
            }
        }
    }

    /// The people whose roll-up is stale (read from the raw tables), or
    /// `None` when there are too many for the roll-ups to be worth reading.
    pub async fn stale_people(&self) -> Result<Option<Vec<String>>, StoreError> {
        let rows: Vec<StaleRow> = self
            .client
            .query(&sql::stale_people(&self.db))
            .bind(&self.fingerprint)
            .bind(&self.fingerprint)
            .bind(MAX_STALE as u64 + 1)
            .fetch_all()
            .await?;
        Ok((rows.len() <= MAX_STALE).then(|| rows.into_iter().map(|r| r.person).collect()))
    }
}
