//! The embedded store: one SQLite file under the data folder (WAL mode, so
//! the API reads while the aggregator writes, and BI tools can open it).
//! Each batch is one transaction holding its effects *and* the collector's
//! read positions, so a restart resumes exactly where the store stopped.

mod sql;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::sync::{Arc, Mutex};

use accrete_common::catalog::Catalog;
use accrete_common::pipeline::{Checkpoint, Classified, FileCheckpoint, FileKey};
use accrete_common::proto::{
    AdoptionMatrix, Catalog as CatalogMsg, MatrixRequest, PersonSessions, PersonSessionsRequest, Practice,
    SessionDetail, SessionRequest, SessionSummary, TimelineEvent,
};
use async_trait::async_trait;
use rusqlite::{Connection, OptionalExtension, params};

use crate::rollup::{
    MarkRow, PersonQuarter, content_json, empty_row, practices_present, score_rows, session_detail, summarize,
};
use crate::store::{QueryStore, RollupStore, StoreError, time_bounds};

/// The most sessions one listing returns, and timeline events one drill-down returns.
pub const MAX_SESSIONS: i64 = 5_000;
pub const MAX_TIMELINE: i64 = 50_000;

pub struct SqliteStore {
    writer: Arc<Mutex<Connection>>,
    reader: Arc<Mutex<Connection>>,
    catalog: Arc<Catalog>,
    /// Keep every event for the drill-down timeline (off for one-shot runs
    /// that only print the matrix).
    timeline: bool,
}

fn open(path: &Path) -> Result<Connection, StoreError> {
    let c = Connection::open(path)?;
    c.execute_batch(sql::PRAGMAS)?;
    Ok(c)
}

impl SqliteStore {
    /// Opens (creating if needed) `accrete.db` in `data_dir`.
    pub fn open(data_dir: &Path, catalog: Arc<Catalog>) -> Result<SqliteStore, StoreError> {
        Self::open_with(data_dir, catalog, true)
    }

    /// `timeline: false` skips storing events one by one: sessions, marks and
    /// practices are kept, which is all the matrix needs.
    pub fn open_with(data_dir: &Path, catalog: Arc<Catalog>, timeline: bool) -> Result<SqliteStore, StoreError> {
        std::fs::create_dir_all(data_dir)
            .map_err(|e| StoreError::Internal(format!("cannot create data folder {}: {e}", data_dir.display())))?;
        let path = data_dir.join("accrete.db");
        let writer = open(&path)?;
        writer.execute_batch(sql::SCHEMA)?;
        let reader = open(&path)?;
        Ok(SqliteStore {
            writer: Arc::new(Mutex::new(writer)),
            reader: Arc::new(Mutex::new(reader)),
            catalog,
            timeline,
        })
    }

    async fn with<T: Send + 'static>(
        conn: &Arc<Mutex<Connection>>,
        f: impl FnOnce(&mut Connection) -> Result<T, StoreError> + Send + 'static,
    ) -> Result<T, StoreError> {
        let conn = conn.clone();
        tokio::task::spawn_blocking(move || {
            let mut c = conn.lock().unwrap_or_else(|e| e.into_inner());
            f(&mut c)
        })
        .await
        .map_err(|e| StoreError::Internal(e.to_string()))?
    }
}

fn apply_batch(
    c: &mut Connection,
    catalog: &Catalog,
    batch: &Classified,
    cp: &Checkpoint,
    timeline: bool,
) -> Result<(), StoreError> {
    let tx = c.transaction()?;
    let mut touched: BTreeSet<(String, String)> = BTreeSet::new();
    for FileKey { person, path } in &cp.resets {
        let file: Option<(String, String)> =
            tx.query_row(sql::SELECT_FILE, params![person, path], |r| Ok((r.get(0)?, r.get(1)?))).optional()?;
        if let Some((session, agent)) = file {
            tx.execute(sql::DELETE_FILE_EVENTS, params![person, session, agent])?;
            tx.execute(sql::DELETE_FILE_MARKS, params![person, session, agent])?;
            touched.insert((person.clone(), session));
        }
    }
    {
        let mut ensure = tx.prepare_cached(sql::ENSURE_SESSION)?;
        for f in cp.files.iter().filter(|f| f.agent_id.is_empty() && !f.session_id.is_empty()) {
            ensure.execute(params![f.key.person, f.session_id, "", ""])?;
        }
        let mut ins = tx.prepare_cached(sql::UPSERT_EVENT)?;
        let mut upsert_times = tx.prepare_cached(sql::UPSERT_SESSION_TIMES)?;
        type SessionAcc<'a> = (&'a str, &'a str, Option<(i64, i64)>, bool);
        // A BTreeMap: SipHash of two strings per event was 2 % of a catch-up.
        let mut sessions: std::collections::BTreeMap<(&str, &str), SessionAcc> = Default::default();
        for ev in &batch.events {
            if timeline {
                ins.execute(params![
                    ev.person,
                    ev.session_id,
                    ev.agent_id,
                    ev.offset as i64,
                    ev.part,
                    ev.line as i64,
                    ev.timestamp_ms,
                    ev.line_type,
                    ev.is_sidechain,
                    summarize(ev),
                    content_json(ev)
                ])?;
            }
            // Session rows are updated once per batch, not once per event.
            let s = sessions.entry((&ev.person, &ev.session_id)).or_insert((&ev.team, &ev.project, None, false));
            if ev.agent_id.is_empty() {
                s.3 = true;
                if ev.timestamp_ms > 0 {
                    let t = ev.timestamp_ms;
                    s.2 = Some(s.2.map_or((t, t), |(lo, hi): (i64, i64)| (lo.min(t), hi.max(t))));
                }
            }
        }
        for ((person, session), (team, project, times, own)) in &sessions {
            match (own, times) {
                (true, Some((lo, hi))) => {
                    upsert_times.execute(params![person, session, team, project, lo, hi])?;
                }
                (true, None) => {
                    ensure.execute(params![person, session, team, project])?;
                }
                _ => {}
            }
            touched.insert((person.to_string(), session.to_string()));
        }
        let mut mark = tx.prepare_cached(sql::UPSERT_MARK)?;
        for m in &batch.marks {
            mark.execute(params![
                m.person,
                m.session_id,
                m.agent_id,
                m.key,
                m.ordinal as i64,
                m.line as i64,
                m.timestamp_ms,
                m.evidence
            ])?;
        }
        let mut sel = tx.prepare_cached(sql::SELECT_SESSION_MARKS)?;
        let mut del = tx.prepare_cached(sql::DELETE_SESSION_PRACTICES)?;
        let mut add = tx.prepare_cached(sql::INSERT_SESSION_PRACTICE)?;
        let mut recount = tx.prepare_cached(sql::RECOUNT_SESSION_EVENTS)?;
        for (person, session) in &touched {
            let marks = session_marks(&mut sel, person, session)?;
            del.execute(params![person, session])?;
            for (practice, _) in practices_present(catalog, &marks) {
                add.execute(params![person, session, practice])?;
            }
            if timeline {
                recount.execute(params![person, session])?;
            }
        }
        let mut file = tx.prepare_cached(sql::UPSERT_FILE)?;
        for f in &cp.files {
            file.execute(params![
                f.key.person,
                f.key.path,
                f.offset as i64,
                f.line as i64,
                f.file_id as i64,
                f.session_id,
                f.agent_id
            ])?;
        }
    }
    tx.commit()?;
    Ok(())
}

fn session_marks(sel: &mut rusqlite::CachedStatement, person: &str, session: &str) -> Result<Vec<MarkRow>, StoreError> {
    let rows = sel.query_map(params![person, session], |r| {
        Ok(MarkRow {
            key: r.get(0)?,
            agent_id: r.get(1)?,
            ordinal: r.get::<_, i64>(2)? as u64,
            line: r.get::<_, i64>(3)? as u64,
            timestamp_ms: r.get(4)?,
            evidence: r.get(5)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

fn summary_row(r: &rusqlite::Row) -> rusqlite::Result<SessionSummary> {
    let practices: Option<String> = r.get(7)?;
    Ok(SessionSummary {
        session_id: r.get(0)?,
        person: r.get(1)?,
        team: r.get(2)?,
        project: r.get(3)?,
        started_ms: r.get(4)?,
        ended_ms: r.get(5)?,
        events: r.get::<_, i64>(6)? as u64,
        practices: practices.map(|p| p.split(',').map(str::to_owned).collect()).unwrap_or_default(),
    })
}

#[async_trait]
impl RollupStore for SqliteStore {
    async fn apply(&self, batch: Arc<Classified>, checkpoint: &Checkpoint) -> Result<(), StoreError> {
        let catalog = self.catalog.clone();
        let cp = checkpoint.clone();
        let timeline = self.timeline;
        Self::with(&self.writer, move |c| apply_batch(c, &catalog, &batch, &cp, timeline)).await
    }

    async fn checkpoints(&self) -> Result<Vec<FileCheckpoint>, StoreError> {
        Self::with(&self.reader, |c| {
            let mut st = c.prepare(sql::SELECT_FILES)?;
            let rows = st.query_map([], |r| {
                Ok(FileCheckpoint {
                    key: FileKey { person: r.get(0)?, path: r.get(1)? },
                    offset: r.get::<_, i64>(2)? as u64,
                    line: r.get::<_, i64>(3)? as u64,
                    file_id: r.get::<_, i64>(4)? as u64,
                    session_id: r.get(5)?,
                    agent_id: r.get(6)?,
                })
            })?;
            Ok(rows.collect::<Result<_, _>>()?)
        })
        .await
    }
}

#[async_trait]
impl QueryStore for SqliteStore {
    async fn adoption_matrix(&self, req: &MatrixRequest) -> Result<AdoptionMatrix, StoreError> {
        let (from, to) = time_bounds(&req.from, &req.to)?;
        let person = (!req.person.is_empty()).then(|| req.person.clone());
        let team = (!req.team.is_empty()).then(|| req.team.clone());
        let catalog = self.catalog.clone();
        Self::with(&self.reader, move |c| {
            let mut rows = BTreeMap::new();
            let mut st = c.prepare_cached(&sql::matrix_sessions())?;
            let mut q = st.query(params![from, to, person, team])?;
            while let Some(r) = q.next()? {
                let (p, team): (String, String) = (r.get(0)?, r.get(1)?);
                let mut row = empty_row(&catalog, &p, &team);
                row.sessions = r.get::<_, i64>(2)? as u64;
                rows.insert(p, row);
            }
            let mut st = c.prepare_cached(&sql::matrix_practices())?;
            let mut q = st.query(params![from, to, person, team])?;
            while let Some(r) = q.next()? {
                let (p, practice): (String, String) = (r.get(0)?, r.get(1)?);
                if let Some(row) = rows.get_mut(&p)
                    && let Some(n) = row.practices.get_mut(&practice)
                {
                    *n = r.get::<_, i64>(2)? as u64;
                }
            }
            let mut people: Vec<_> = rows.into_values().collect();
            score_rows(&mut people);
            Ok(AdoptionMatrix {
                people,
                practice_ids: catalog.practice_ids(),
                catalog_version: catalog.version.clone(),
            })
        })
        .await
    }

    async fn person_sessions(&self, req: &PersonSessionsRequest) -> Result<PersonSessions, StoreError> {
        let (from, to) = time_bounds(&req.from, &req.to)?;
        let person = req.person.clone();
        Self::with(&self.reader, move |c| {
            let mut st = c.prepare_cached(&sql::person_sessions())?;
            let sessions = st
                .query_map(params![from, to, person, None::<String>, MAX_SESSIONS], summary_row)?
                .collect::<Result<Vec<_>, _>>()?;
            Ok(PersonSessions { person, sessions })
        })
        .await
    }

    async fn session(&self, req: &SessionRequest) -> Result<SessionDetail, StoreError> {
        let (id, person) = (req.session_id.clone(), (!req.person.is_empty()).then(|| req.person.clone()));
        let catalog = self.catalog.clone();
        Self::with(&self.reader, move |c| {
            let mut st = c.prepare_cached(sql::FIND_SESSION)?;
            let found = st.query_map(params![id, person], summary_row)?.collect::<Result<Vec<_>, _>>()?;
            let summary = match found.as_slice() {
                [] => return Err(StoreError::NotFound(format!("no session `{id}`"))),
                [one] => one.clone(),
                _ => {
                    return Err(StoreError::InvalidArgument(format!(
                        "several people have a session `{id}`: add ?person="
                    )));
                }
            };
            let mut sel = c.prepare_cached(sql::SELECT_SESSION_MARKS)?;
            let marks = session_marks(&mut sel, &summary.person, &id)?;
            let mut st = c.prepare_cached(sql::SESSION_TIMELINE)?;
            let timeline = st
                .query_map(params![summary.person, id, MAX_TIMELINE], |r| {
                    Ok(TimelineEvent {
                        agent_id: r.get(0)?,
                        line: r.get::<_, i64>(1)? as u64,
                        timestamp_ms: r.get(2)?,
                        line_type: r.get(3)?,
                        is_sidechain: r.get(4)?,
                        summary: r.get(5)?,
                        practices: Vec::new(),
                        content: r.get(6)?,
                    })
                })?
                .collect::<Result<Vec<_>, _>>()?;
            Ok(session_detail(&catalog, summary, &marks, timeline))
        })
        .await
    }

    async fn person_quarters(
        &self,
        from: Option<i64>,
        to: Option<i64>,
        team: &str,
    ) -> Result<Vec<PersonQuarter>, StoreError> {
        let team = (!team.is_empty()).then(|| team.to_string());
        let catalog = self.catalog.clone();
        Self::with(&self.reader, move |c| {
            let mut rows: BTreeMap<(String, String), PersonQuarter> = BTreeMap::new();
            let mut st = c.prepare_cached(&sql::quarter_sessions())?;
            let mut q = st.query(params![from, to, None::<String>, team])?;
            while let Some(r) = q.next()? {
                let (quarter, person): (String, String) = (r.get(0)?, r.get(1)?);
                rows.insert(
                    (quarter.clone(), person.clone()),
                    PersonQuarter {
                        quarter,
                        person,
                        team: r.get(2)?,
                        sessions: r.get::<_, i64>(3)? as u64,
                        practice_sessions: vec![0; catalog.practices.len()],
                    },
                );
            }
            let mut st = c.prepare_cached(&sql::quarter_practices())?;
            let mut q = st.query(params![from, to, None::<String>, team])?;
            while let Some(r) = q.next()? {
                let key: (String, String) = (r.get(0)?, r.get(1)?);
                let practice: String = r.get(2)?;
                if let (Some(row), Some(i)) =
                    (rows.get_mut(&key), catalog.practices.iter().position(|p| p.id == practice))
                {
                    row.practice_sessions[i] = r.get::<_, i64>(3)? as u64;
                }
            }
            Ok(rows.into_values().collect())
        })
        .await
    }

    fn catalog(&self) -> CatalogMsg {
        catalog_message(&self.catalog)
    }

    fn catalog_ref(&self) -> &Catalog {
        &self.catalog
    }
}

/// The catalog as the API serves it.
pub fn catalog_message(c: &Catalog) -> CatalogMsg {
    CatalogMsg {
        version: c.version.clone(),
        practices: c
            .practices
            .iter()
            .map(|p| Practice {
                id: p.id.clone(),
                name: p.name.clone(),
                description: p.description.clone(),
                rule: p.rule_text(),
                group: p.group.as_str().into(),
            })
            .collect(),
    }
}
