//! Reads: the matrix, a person's sessions, one session's drill-down and the
//! quarters, each filtered by the caller's [`Filter`] in SQL.

use std::collections::BTreeMap;

use accrete_common::catalog::Catalog;
use accrete_common::proto::{
    AdoptionMatrix, Catalog as CatalogMsg, MatrixRequest, PersonRow, PersonSessions, PersonSessionsRequest,
    SessionDetail, SessionRequest, SessionSummary, TimelineEvent,
};
use async_trait::async_trait;
use rusqlite::params;

use super::rollup;
use super::{SqliteStore, session_marks, sql};
use crate::coaching::Rules;
use crate::examples::SessionMoments;
use crate::rollup::{INTERRUPTED, Period, PersonQuarter, adoption_matrix, empty_row, in_catalog_order, session_detail};
use crate::{
    Access, AssignmentRecord, Filter, MAX_SESSIONS, MAX_TIMELINE, QueryStore, SessionFact, StoreError, catalog_message,
    time_bounds,
};

/// A [`SessionFact`] from `person, team, session_id, started_ms, practices`.
fn fact_row(r: &rusqlite::Row) -> rusqlite::Result<SessionFact> {
    let practices: Option<String> = r.get(4)?;
    Ok(SessionFact {
        person: r.get(0)?,
        team: r.get(1)?,
        session_id: r.get(2)?,
        started_ms: r.get(3)?,
        practices: practices.map(|p| p.split(',').map(str::to_owned).collect()).unwrap_or_default(),
    })
}

fn summary_row(r: &rusqlite::Row) -> rusqlite::Result<SessionSummary> {
    let practices: Option<String> = r.get(7)?;
    Ok(crate::rollup::with_agent(SessionSummary {
        session_id: r.get(0)?,
        person: r.get(1)?,
        team: r.get(2)?,
        project: r.get(3)?,
        started_ms: r.get(4)?,
        ended_ms: r.get(5)?,
        events: r.get::<_, i64>(6)? as u64,
        practices: practices.map(|p| p.split(',').map(str::to_owned).collect()).unwrap_or_default(),
        agent: String::new(),
    }))
}

#[async_trait]
impl QueryStore for SqliteStore {
    async fn adoption_matrix(&self, req: &MatrixRequest, access: &Access) -> Result<AdoptionMatrix, StoreError> {
        let (from, to) = time_bounds(&req.from, &req.to)?;
        let f = Filter::new(access, &req.person, &req.team);
        let (person, teams) = (f.person.clone(), f.teams_json());
        let catalog = self.catalog.clone();
        let rollups = self.timeline && person.is_none();
        Self::with(&self.reader, move |c| {
            let rows = matrix_rows(c, &catalog, (from, to), person, teams, rollups)?;
            Ok(adoption_matrix(&catalog, rows.into_values().collect()))
        })
        .await
    }

    async fn person_sessions(
        &self,
        req: &PersonSessionsRequest,
        access: &Access,
    ) -> Result<PersonSessions, StoreError> {
        let (from, to) = time_bounds(&req.from, &req.to)?;
        let person = req.person.clone();
        let f = Filter::new(access, &req.person, "");
        if f.is_empty() {
            return Ok(PersonSessions { person, sessions: Vec::new() });
        }
        let teams = f.teams_json();
        let catalog = self.catalog.clone();
        Self::with(&self.reader, move |c| {
            let mut st = c.prepare_cached(&sql::person_sessions())?;
            let mut sessions = st
                .query_map(params![from, to, person, teams, MAX_SESSIONS], summary_row)?
                .collect::<Result<Vec<_>, _>>()?;
            // `group_concat` gives them in key order.
            sessions.iter_mut().for_each(|s| in_catalog_order(&catalog, &mut s.practices));
            Ok(PersonSessions { person, sessions })
        })
        .await
    }

    async fn session(&self, req: &SessionRequest, access: &Access) -> Result<SessionDetail, StoreError> {
        let f = Filter::new(access, &req.person, "");
        let (id, person, teams) = (req.session_id.clone(), f.person.clone(), f.teams_json());
        let catalog = self.catalog.clone();
        Self::with(&self.reader, move |c| {
            let mut st = c.prepare_cached(sql::FIND_SESSION)?;
            let found = st.query_map(params![id, person, teams], summary_row)?.collect::<Result<Vec<_>, _>>()?;
            let summary = match found.as_slice() {
                [] => return Err(StoreError::NotFound(format!("no session `{id}`"))),
                [one] => {
                    let mut one = one.clone();
                    in_catalog_order(&catalog, &mut one.practices);
                    one
                }
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
        period: Period,
        from: Option<i64>,
        to: Option<i64>,
        team: Option<&str>,
    ) -> Result<Vec<PersonQuarter>, StoreError> {
        let teams = team.map(|t| serde_json::json!([t]).to_string());
        let catalog = self.catalog.clone();
        let rollups = self.timeline;
        Self::with(&self.reader, move |c| quarters(c, &catalog, period, (from, to), teams, rollups)).await
    }

    async fn session_facts(&self, from: i64, to: i64, f: &Filter) -> Result<Vec<SessionFact>, StoreError> {
        let (person, teams) = (f.person.clone(), f.teams_json());
        let catalog = self.catalog.clone();
        Self::with(&self.reader, move |c| {
            let mut st = c.prepare_cached(&sql::session_facts(person.is_some()))?;
            let rows = st.query_map(params![from, to, person, teams], fact_row)?;
            let mut out = rows.collect::<Result<Vec<_>, _>>()?;
            for f in &mut out {
                in_catalog_order(&catalog, &mut f.practices);
            }
            Ok(out)
        })
        .await
    }

    async fn people_facts(&self, from: i64, to: i64, people: &[String]) -> Result<Vec<SessionFact>, StoreError> {
        let people = serde_json::to_string(people).expect("strings serialize");
        let catalog = self.catalog.clone();
        Self::with(&self.reader, move |c| {
            let mut st = c.prepare_cached(sql::PEOPLE_FACTS)?;
            let rows = st.query_map(params![from, to, people], fact_row)?;
            let mut out = rows.collect::<Result<Vec<_>, _>>()?;
            for f in &mut out {
                in_catalog_order(&catalog, &mut f.practices);
            }
            Ok(out)
        })
        .await
    }

    async fn record_assignment(&self, a: &AssignmentRecord) -> Result<(), StoreError> {
        let a = a.clone();
        Self::with(&self.writer, move |c| {
            c.execute(
                sql::INSERT_ASSIGNMENT,
                params![a.id, a.assigned_ms, a.assigned_by, a.person, a.practice, a.start_ms, a.weeks, a.note],
            )?;
            Ok(())
        })
        .await
    }

    async fn assignment_records(&self) -> Result<Vec<AssignmentRecord>, StoreError> {
        Self::with(&self.reader, |c| {
            let mut st = c.prepare_cached(sql::SELECT_ASSIGNMENTS)?;
            let rows = st.query_map([], |r| {
                Ok(AssignmentRecord {
                    id: r.get(0)?,
                    assigned_ms: r.get(1)?,
                    assigned_by: r.get(2)?,
                    person: r.get(3)?,
                    practice: r.get(4)?,
                    start_ms: r.get(5)?,
                    weeks: r.get(6)?,
                    note: r.get(7)?,
                })
            })?;
            Ok(rows.collect::<Result<_, _>>()?)
        })
        .await
    }

    async fn session_moments(&self, person: &str, sessions: &[String]) -> Result<Vec<SessionMoments>, StoreError> {
        let (person, sessions) = (person.to_string(), sessions.to_vec());
        Self::with(&self.reader, move |c| {
            let mut out = Vec::with_capacity(sessions.len());
            for id in sessions {
                let mut sel = c.prepare_cached(sql::SELECT_SESSION_MARKS)?;
                let marks = session_marks(&mut sel, &person, &id)?;
                let mut st = c.prepare_cached(sql::SESSION_INTERRUPTIONS)?;
                let interruptions: i64 = st.query_row(params![person, id, INTERRUPTED], |r| r.get(0))?;
                out.push(SessionMoments { session_id: id, marks, interruptions: interruptions as u32 });
            }
            Ok(out)
        })
        .await
    }

    fn catalog(&self) -> CatalogMsg {
        catalog_message(&self.catalog)
    }

    fn catalog_ref(&self) -> &Catalog {
        &self.catalog
    }

    fn rules(&self) -> &Rules {
        &self.rules
    }
}

/// Each person's matrix row: whole months from the roll-ups and the
/// partial months at the ends from the sessions (see [`rollup::plan`]), or,
/// without `rollups`, everything from the sessions. A row's team is the
/// greatest of the sessions counted, its counts their sums.
fn matrix_rows(
    c: &mut rusqlite::Connection,
    catalog: &Catalog,
    (from, to): (Option<i64>, Option<i64>),
    person: Option<String>,
    teams: Option<String>,
    rollups: bool,
) -> Result<BTreeMap<String, PersonRow>, StoreError> {
    let mut rows: BTreeMap<String, PersonRow> = BTreeMap::new();
    let plan = if rollups { rollup::plan(from, to) } else { rollup::Plan { months: None, raw: vec![(from, to)] } };
    use rusqlite::types::Value as V;
    let opt = |v: Option<i64>| v.map_or(V::Null, V::Integer);
    let text = |v: &Option<String>| v.clone().map_or(V::Null, V::Text);
    // (sessions statement, practices statement, their values)
    let mut sources: Vec<(String, String, Vec<V>)> = Vec::new();
    if let Some((lo, hi)) = plan.months {
        let binds = vec![V::Integer(lo), V::Integer(hi), text(&teams)];
        sources.push((sql::rollup_matrix_sessions(), sql::rollup_matrix_practices(), binds));
    }
    for (f, t) in plan.raw {
        let binds = vec![opt(f), opt(t), text(&person), text(&teams)];
        let between = f.is_some() && t.is_some();
        sources.push((sql::matrix_sessions(between), sql::matrix_practices(between), binds));
    }
    for (sessions_sql, practices_sql, binds) in &sources {
        let mut st = c.prepare_cached(sessions_sql)?;
        let mut q = st.query(rusqlite::params_from_iter(binds))?;
        while let Some(r) = q.next()? {
            let (p, team): (String, String) = (r.get(0)?, r.get(1)?);
            let row = rows.entry(p.clone()).or_insert_with(|| empty_row(catalog, &p, &team));
            row.team = row.team.clone().max(team);
            row.sessions += r.get::<_, i64>(2)? as u64;
        }
        let mut st = c.prepare_cached(practices_sql)?;
        let mut q = st.query(rusqlite::params_from_iter(binds))?;
        while let Some(r) = q.next()? {
            let (p, practice): (String, String) = (r.get(0)?, r.get(1)?);
            if let Some(row) = rows.get_mut(&p)
                && let Some(n) = row.practices.get_mut(&practice)
            {
                *n += r.get::<_, i64>(2)? as u64;
            }
        }
    }
    Ok(rows)
}

/// Per quarter and person, like [`matrix_rows`]: whole months from the
/// roll-ups, partial ones (and, without `rollups`, everything) from the sessions.
fn quarters(
    c: &mut rusqlite::Connection,
    catalog: &Catalog,
    period: Period,
    (from, to): (Option<i64>, Option<i64>),
    teams: Option<String>,
    rollups: bool,
) -> Result<Vec<PersonQuarter>, StoreError> {
    let mut rows: BTreeMap<(String, String), PersonQuarter> = BTreeMap::new();
    let index = |practice: &str| catalog.practices.iter().position(|p| p.id == practice);
    let mut add = |quarter: String, person: String, team: String, sessions: u64| {
        let row = rows.entry((quarter.clone(), person.clone())).or_insert_with(|| PersonQuarter {
            quarter,
            person,
            team: team.clone(),
            sessions: 0,
            practice_sessions: vec![0; catalog.practices.len()],
        });
        row.team = row.team.clone().max(team);
        row.sessions += sessions;
    };
    let plan = if rollups { rollup::plan(from, to) } else { rollup::Plan { months: None, raw: vec![(from, to)] } };
    let mut practice_counts: Vec<((String, String), usize, u64)> = Vec::new();
    if let Some((lo, hi)) = plan.months {
        // Quarters need a start: month -1 is left out.
        let lo = lo.max(0);
        let mut st = c.prepare_cached(&sql::rollup_month_sessions())?;
        let mut q = st.query(params![lo, hi, teams])?;
        while let Some(r) = q.next()? {
            add(rollup::period_of(period, r.get(0)?), r.get(1)?, r.get(2)?, r.get::<_, i64>(3)? as u64);
        }
        let mut st = c.prepare_cached(&sql::rollup_month_practices())?;
        let mut q = st.query(params![lo, hi, teams])?;
        while let Some(r) = q.next()? {
            if let Some(i) = index(&r.get::<_, String>(2)?) {
                practice_counts.push((
                    (rollup::period_of(period, r.get(0)?), r.get(1)?),
                    i,
                    r.get::<_, i64>(3)? as u64,
                ));
            }
        }
    }
    for (f, t) in plan.raw {
        let between = f.is_some() && t.is_some();
        let mut st = c.prepare_cached(&sql::quarter_sessions(between, period))?;
        let mut q = st.query(params![f, t, None::<String>, teams])?;
        while let Some(r) = q.next()? {
            add(r.get(0)?, r.get(1)?, r.get(2)?, r.get::<_, i64>(3)? as u64);
        }
        let mut st = c.prepare_cached(&sql::quarter_practices(between, period))?;
        let mut q = st.query(params![f, t, None::<String>, teams])?;
        while let Some(r) = q.next()? {
            if let Some(i) = index(&r.get::<_, String>(2)?) {
                practice_counts.push(((r.get(0)?, r.get(1)?), i, r.get::<_, i64>(3)? as u64));
            }
        }
    }
    for (key, i, n) in practice_counts {
        if let Some(row) = rows.get_mut(&key) {
            row.practice_sessions[i] += n;
        }
    }
    Ok(rows.into_values().collect())
}
