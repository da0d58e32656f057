//! The distributed store: ClickHouse. Tables are designed so that applying
//! a batch twice changes no answer: events and marks are ReplacingMergeTree
//! rows keyed by their identity, session summaries are AggregatingMergeTree
//! states of idempotent functions (min, max, uniqExact), and "first
//! occurrence" is always a minimum.

pub mod rollups;
pub mod sql;

use std::sync::Arc;
use std::time::{Duration, Instant};

use accrete_common::catalog::Catalog;
use accrete_common::config::ClickHouseConfig;
use accrete_common::pipeline::{Checkpoint, Classified, FileCheckpoint};
use accrete_common::proto::{
    AdoptionMatrix, Catalog as CatalogMsg, MatrixRequest, PersonSessions, PersonSessionsRequest, SessionDetail,
    SessionRequest, SessionSummary, TimelineEvent,
};
use async_trait::async_trait;
use clickhouse::{Client, Row};
use serde::{Deserialize, Serialize};
use tracing::{info, warn};

use self::rollups::{Buckets, Fact};
use crate::rollup::{MarkRow, PersonQuarter, content_json, empty_row, score_rows, session_detail, summarize};
use crate::sqlite::{MAX_SESSIONS, MAX_TIMELINE, catalog_message};
use crate::store::{QueryStore, RollupStore, StoreError, time_bounds};

impl From<clickhouse::error::Error> for StoreError {
    fn from(e: clickhouse::error::Error) -> Self {
        use clickhouse::error::Error as E;
        match e {
            E::Network(_) | E::TimedOut => StoreError::Unavailable(format!("clickhouse: {e}")),
            other => StoreError::Internal(format!("clickhouse: {other}")),
        }
    }
}

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

#[derive(Row, Deserialize)]
struct MatrixRow {
    person: String,
    team: String,
    sessions: u64,
    counts: Vec<u64>,
}

#[derive(Row, Deserialize)]
struct SessionRow {
    session_id: String,
    person: String,
    team: String,
    project: String,
    started_ms: i64,
    ended_ms: i64,
    events: u64,
    present: Vec<u8>,
}

#[derive(Row, Deserialize)]
struct MarkFetch {
    key: String,
    agent_id: String,
    ordinal: u64,
    line: u64,
    ts_ms: i64,
    evidence: String,
}

#[derive(Row, Deserialize)]
struct TimelineRow {
    agent_id: String,
    line: u64,
    ts_ms: i64,
    line_type: String,
    is_sidechain: u8,
    summary: String,
    content: String,
}

#[derive(Row, Serialize)]
struct PersonWrite<'a> {
    person: &'a str,
    n: u64,
}

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

#[derive(Row, Deserialize)]
struct QuarterRow {
    quarter: String,
    person: String,
    team: String,
    sessions: u64,
    counts: Vec<u64>,
}

pub struct ClickHouseStore {
    client: Client,
    db: String,
    catalog: Arc<Catalog>,
    /// Answer organization and team queries from the roll-ups.
    rollups: bool,
    fingerprint: String,
}

/// With more stale people than this, a query reads everyone from the raw
/// tables (a large catch-up is under way).
const MAX_STALE: usize = 1000;

/// People per compaction round: one query reads their rows.
const COMPACT_BATCH: usize = 200;

impl ClickHouseStore {
    pub fn new(cfg: &ClickHouseConfig, catalog: Arc<Catalog>) -> ClickHouseStore {
        let client = Client::default()
            .with_url(&cfg.url)
            .with_user(&cfg.user)
            .with_password(&cfg.password)
            .with_database(&cfg.database)
            .with_validation(cfg.validation)
            .with_compression(if cfg.compression {
                clickhouse::Compression::Lz4
            } else {
                clickhouse::Compression::None
            });
        let fingerprint = sql::catalog_fingerprint(&catalog);
        ClickHouseStore { client, db: cfg.database.clone(), catalog, rollups: cfg.rollups, fingerprint }
    }

    /// Creates the database and tables if missing (schema version 1), and
    /// with `views`, the analysts' views (the API owns those: it serves them).
    pub async fn migrate(&self, views: bool) -> Result<(), StoreError> {
        // DDL goes to the default database: ours may not exist yet.
        let admin = self.client.clone().with_database("default");
        let view_ddl = if views { sql::views(&self.db, &self.catalog) } else { Vec::new() };
        let had_writes = match admin.query(&sql::person_writes_exists(&self.db)).fetch_one::<u8>().await {
            Ok(v) => v == 1,
            Err(_) => false, // no database yet
        };
        for stmt in sql::schema(&self.db).into_iter().chain(view_ddl) {
            admin.query(&stmt).execute().await?;
        }
        if !had_writes {
            // A store from before the roll-ups: everyone starts stale.
            admin.query(&sql::seed_person_writes(&self.db)).execute().await?;
        }
        info!(database = %self.db, "clickhouse schema ready");
        Ok(())
    }

    pub async fn ping(&self) -> Result<(), StoreError> {
        self.client.query("SELECT 1").execute().await?;
        Ok(())
    }

    fn present_ids(&self, present: &[u8]) -> Vec<String> {
        self.catalog
            .practices
            .iter()
            .zip(present.iter().chain(std::iter::repeat(&0)))
            .filter(|(_, p)| **p > 0)
            .map(|(p, _)| p.id.clone())
            .collect()
    }

    fn summary(&self, r: SessionRow) -> SessionSummary {
        SessionSummary {
            practices: self.present_ids(&r.present),
            session_id: r.session_id,
            person: r.person,
            team: r.team,
            project: r.project,
            started_ms: r.started_ms,
            ended_ms: r.ended_ms,
            events: r.events,
        }
    }

    /// With a team, the people who may have sessions of it (see
    /// [`sql::team_people`]): found first, so the query itself reads only
    /// their rows.
    async fn team_people(&self, team: &str) -> Result<Option<Vec<String>>, StoreError> {
        if team.is_empty() {
            return Ok(None);
        }
        Ok(Some(self.client.query(&sql::team_people(&self.db)).bind(team).fetch_all().await?))
    }

    async fn sessions(
        &self,
        from: Option<i64>,
        to: Option<i64>,
        person: &str,
        session_id: &str,
        limit: u64,
    ) -> Result<Vec<SessionSummary>, StoreError> {
        let st = sql::person_sessions(&self.db, &self.catalog, !session_id.is_empty());
        let v = Values { from, to, person, session: session_id, limit, ..Values::default() };
        let rows: Vec<SessionRow> = bind(self.client.query(&st.sql), &st.binds, &v).fetch_all().await?;
        Ok(rows.into_iter().map(|r| self.summary(r)).collect())
    }
}

impl ClickHouseStore {
    /// Recomputes the roll-ups of up to `max` stale people (see [`rollups`]);
    /// returns how many were written. Run it until it returns 0.
    pub async fn compact(&self, max: usize) -> Result<usize, StoreError> {
        let stale: Vec<StaleRow> = self
            .client
            .query(&sql::stale_people(&self.db))
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
        let mut failing = false;
        while !*stop.borrow() {
            let started = Instant::now();
            let wait = match self.compact(COMPACT_BATCH).await {
                Ok(n) => {
                    done.add(n as u64);
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
            .bind(MAX_STALE as u64 + 1)
            .fetch_all()
            .await?;
        Ok((rows.len() <= MAX_STALE).then(|| rows.into_iter().map(|r| r.person).collect()))
    }

    /// When the roll-ups can answer (no person filter, day-aligned bounds,
    /// not too many stale people): the buckets and the stale people.
    async fn rollup_plan(
        &self,
        from: Option<i64>,
        to: Option<i64>,
        person: &str,
    ) -> Result<Option<(Buckets, Vec<String>)>, StoreError> {
        if !self.rollups || !person.is_empty() {
            return Ok(None);
        }
        let Some(b) = Buckets::for_bounds(from, to) else { return Ok(None) };
        Ok(self.stale_people().await?.map(|stale| (b, stale)))
    }

    /// The rows of an organization, team or person query, in `order`: from
    /// the roll-ups for everyone but the stale people (the raw tables for
    /// them) when the roll-ups can answer, else from the raw tables.
    async fn rows<R: clickhouse::RowOwned + clickhouse::RowRead>(
        &self,
        what: Rows,
        (from, to): (Option<i64>, Option<i64>),
        person: &str,
        team: &str,
        order: impl Fn(&R, &R) -> std::cmp::Ordering,
    ) -> Result<Vec<R>, StoreError> {
        let by_team = !team.is_empty();
        if let Some((b, stale)) = self.rollup_plan(from, to, person).await? {
            let st = what.rolled(&self.db, stale.len(), b.edges.is_some(), by_team);
            let v = Values { team, members: &stale, catalog: &self.fingerprint, buckets: Some(b), ..Values::default() };
            let mut rows: Vec<R> = bind(self.client.query(&st.sql), &st.binds, &v).fetch_all().await?;
            if !stale.is_empty() {
                let scope = sql::Scope { people: Some(stale.len()), team: by_team, ..Default::default() };
                let st = what.raw(&self.db, &self.catalog, scope);
                let v = Values { from, to, team, members: &stale, ..Values::default() };
                rows.extend(bind(self.client.query(&st.sql), &st.binds, &v).fetch_all::<R>().await?);
                rows.sort_by(order);
            }
            return Ok(rows);
        }
        let members = self.team_people(team).await?;
        if members.as_ref().is_some_and(|m| m.is_empty()) {
            return Ok(Vec::new()); // nobody has a session of that team
        }
        let people = members.as_ref().map(Vec::len);
        let scope = sql::Scope { person: !person.is_empty(), people, team: people.is_some(), session: false };
        let st = what.raw(&self.db, &self.catalog, scope);
        let members = members.as_deref().unwrap_or_default();
        let v = Values { from, to, person, team, members, ..Values::default() };
        Ok(bind(self.client.query(&st.sql), &st.binds, &v).fetch_all().await?)
    }
}

/// The queries that roll-ups can answer, each with its raw-table twin.
#[derive(Clone, Copy)]
enum Rows {
    Matrix,
    Quarters,
}

impl Rows {
    fn raw(self, db: &str, catalog: &Catalog, scope: sql::Scope) -> sql::Stmt {
        match self {
            Rows::Matrix => sql::matrix(db, catalog, scope),
            Rows::Quarters => sql::person_quarters(db, catalog, scope),
        }
    }

    fn rolled(self, db: &str, stale: usize, days: bool, team: bool) -> sql::Stmt {
        match self {
            Rows::Matrix => sql::rollup_matrix(db, stale, days, team),
            Rows::Quarters => sql::rollup_quarters(db, stale, days, team),
        }
    }
}

/// What a statement's `?`s are bound to.
#[derive(Default)]
struct Values<'a> {
    from: Option<i64>,
    to: Option<i64>,
    person: &'a str,
    team: &'a str,
    session: &'a str,
    limit: u64,
    members: &'a [String],
    catalog: &'a str,
    buckets: Option<Buckets>,
}

fn bind(mut q: clickhouse::query::Query, binds: &[sql::Bind], v: &Values) -> clickhouse::query::Query {
    use sql::Bind as B;
    for b in binds {
        q = match b {
            B::From => q.bind(v.from.unwrap_or(0)),
            B::To => q.bind(v.to.unwrap_or(0)),
            B::Person => q.bind(v.person),
            B::Team => q.bind(v.team),
            B::Session => q.bind(v.session),
            B::Limit => q.bind(v.limit),
            B::Member(i) => q.bind(v.members[*i].as_str()),
            B::Catalog => q.bind(v.catalog),
            B::MonthsFrom => q.bind(v.buckets.map_or(0, |b| b.months_from)),
            B::MonthsTo => q.bind(v.buckets.map_or(0, |b| b.months_to)),
            B::DaysFrom => q.bind(v.buckets.map_or(0, |b| b.days_from)),
            B::DaysTo => q.bind(v.buckets.map_or(0, |b| b.days_to)),
            B::Edge(i) => q.bind(v.buckets.and_then(|b| b.edges).map_or(0, |e| e[*i])),
        };
    }
    q
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

    async fn checkpoints(&self) -> Result<Vec<FileCheckpoint>, StoreError> {
        // Collectors keep their own read positions in distributed mode.
        Ok(Vec::new())
    }
}

#[async_trait]
impl QueryStore for ClickHouseStore {
    async fn adoption_matrix(&self, req: &MatrixRequest) -> Result<AdoptionMatrix, StoreError> {
        let (from, to) = time_bounds(&req.from, &req.to)?;
        let order = |a: &MatrixRow, b: &MatrixRow| a.person.cmp(&b.person);
        let rows: Vec<MatrixRow> = self.rows(Rows::Matrix, (from, to), &req.person, &req.team, order).await?;
        let mut people: Vec<_> = rows
            .into_iter()
            .map(|r| {
                let mut row = empty_row(&self.catalog, &r.person, &r.team);
                row.sessions = r.sessions;
                for (p, n) in self.catalog.practices.iter().zip(r.counts) {
                    row.practices.insert(p.id.clone(), n);
                }
                row
            })
            .collect();
        score_rows(&mut people);
        Ok(AdoptionMatrix {
            people,
            practice_ids: self.catalog.practice_ids(),
            catalog_version: self.catalog.version.clone(),
        })
    }

    async fn person_sessions(&self, req: &PersonSessionsRequest) -> Result<PersonSessions, StoreError> {
        let (from, to) = time_bounds(&req.from, &req.to)?;
        let sessions = self.sessions(from, to, &req.person, "", MAX_SESSIONS as u64).await?;
        Ok(PersonSessions { person: req.person.clone(), sessions })
    }

    async fn session(&self, req: &SessionRequest) -> Result<SessionDetail, StoreError> {
        let person = if req.person.is_empty() {
            let people: Vec<String> =
                self.client.query(&sql::session_people(&self.db)).bind(&req.session_id).fetch_all().await?;
            match people.as_slice() {
                [] => return Err(StoreError::NotFound(format!("no session `{}`", req.session_id))),
                [one] => one.clone(),
                _ => {
                    return Err(StoreError::InvalidArgument(format!(
                        "several people have a session `{}`: add ?person=",
                        req.session_id
                    )));
                }
            }
        } else {
            req.person.clone()
        };
        let summary = self
            .sessions(None, None, &person, &req.session_id, 1)
            .await?
            .into_iter()
            .next()
            .ok_or_else(|| StoreError::NotFound(format!("no session `{}`", req.session_id)))?;
        let marks: Vec<MarkFetch> =
            self.client.query(&sql::session_marks(&self.db)).bind(&person).bind(&req.session_id).fetch_all().await?;
        let marks: Vec<MarkRow> = marks
            .into_iter()
            .map(|m| MarkRow {
                key: m.key,
                agent_id: m.agent_id,
                ordinal: m.ordinal,
                line: m.line,
                timestamp_ms: m.ts_ms,
                evidence: m.evidence,
            })
            .collect();
        let rows: Vec<TimelineRow> = self
            .client
            .query(&sql::session_timeline(&self.db))
            .bind(&person)
            .bind(&req.session_id)
            .bind(MAX_TIMELINE)
            .fetch_all()
            .await?;
        let timeline = rows
            .into_iter()
            .map(|r| TimelineEvent {
                practices: Vec::new(),
                agent_id: r.agent_id,
                line: r.line,
                timestamp_ms: r.ts_ms,
                line_type: r.line_type,
                is_sidechain: r.is_sidechain != 0,
                summary: r.summary,
                content: r.content,
            })
            .collect();
        Ok(session_detail(&self.catalog, summary, &marks, timeline))
    }

    async fn person_quarters(
        &self,
        from: Option<i64>,
        to: Option<i64>,
        team: &str,
    ) -> Result<Vec<PersonQuarter>, StoreError> {
        let order = |a: &QuarterRow, b: &QuarterRow| (&a.quarter, &a.person).cmp(&(&b.quarter, &b.person));
        let rows: Vec<QuarterRow> = self.rows(Rows::Quarters, (from, to), "", team, order).await?;
        Ok(rows
            .into_iter()
            .map(|r| PersonQuarter {
                quarter: r.quarter,
                person: r.person,
                team: r.team,
                sessions: r.sessions,
                practice_sessions: r.counts,
            })
            .collect())
    }

    fn catalog(&self) -> CatalogMsg {
        catalog_message(&self.catalog)
    }

    fn catalog_ref(&self) -> &Catalog {
        &self.catalog
    }
}
