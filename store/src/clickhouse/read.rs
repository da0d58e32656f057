//! Reads: the matrix, a person's sessions, one session's drill-down and the
//! quarters, each filtered by the caller's [`Filter`] before the per-session
//! merge where the sorting key allows.

use accrete_common::catalog::Catalog;
use accrete_common::proto::{
    AdoptionMatrix, Catalog as CatalogMsg, MatrixRequest, PersonSessions, PersonSessionsRequest, SessionDetail,
    SessionRequest, SessionSummary, TimelineEvent,
};
use async_trait::async_trait;
use clickhouse::Row;
use serde::{Deserialize, Serialize};

use super::plan::{Rows, Values, bind};
use super::rollups::MAX_LISTED_PRACTICES;
use super::{ClickHouseStore, sql};
use crate::coaching::Rules;
use crate::examples::SessionMoments;
use crate::rollup::{INTERRUPTED, MarkRow, PersonQuarter, adoption_matrix, empty_row, session_detail};
use crate::{
    Access, AssignmentRecord, Filter, MAX_SESSIONS, MAX_TIMELINE, QueryStore, SessionFact, StoreError, catalog_message,
    time_bounds,
};

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
struct MomentMark {
    session_id: String,
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

#[derive(Row, Deserialize)]
struct QuarterRow {
    quarter: String,
    person: String,
    team: String,
    sessions: u64,
    counts: Vec<u64>,
}

#[derive(Row, Serialize, Deserialize)]
struct AssignmentRow {
    id: String,
    assigned_ms: i64,
    assigned_by: String,
    person: String,
    practice: String,
    start_ms: i64,
    weeks: u32,
    note: String,
}

#[derive(Row, Deserialize)]
struct ListedRow {
    person: String,
    team: String,
    session_id: String,
    started_ms: i64,
    present: u64,
}

#[derive(Row, Deserialize)]
struct FactRow {
    person: String,
    team: String,
    session_id: String,
    started_ms: i64,
    present: Vec<u8>,
}

impl ClickHouseStore {
    fn present_ids(&self, present: &[u8]) -> Vec<String> {
        self.catalog
            .practices
            .iter()
            .zip(present.iter().chain(std::iter::repeat(&0)))
            .filter(|(_, p)| **p > 0)
            .map(|(p, _)| p.id.clone())
            .collect()
    }

    /// [`QueryStore::session_facts`] of these team members from their
    /// roll-ups' session lists, the stale among them read raw; `None` when
    /// the roll-ups cannot answer (turned off, too many stale people, a
    /// catalog beyond the lists' 64 practices).
    async fn rolled_facts(
        &self,
        from: i64,
        to: i64,
        members: &[String],
        teams: &[String],
    ) -> Result<Option<Vec<SessionFact>>, StoreError> {
        if !self.rollups || self.catalog.practices.len() > MAX_LISTED_PRACTICES {
            return Ok(None);
        }
        let Some(stale) = self.stale_people().await? else { return Ok(None) };
        let (stale, fresh): (Vec<String>, Vec<String>) = members.iter().cloned().partition(|p| stale.contains(p));
        let mut out = Vec::new();
        if !fresh.is_empty() {
            let st = sql::rolled_session_facts(&self.db, fresh.len(), teams.len());
            let v = Values {
                from: Some(from),
                to: Some(to),
                teams,
                members: &fresh,
                catalog: &self.fingerprint,
                ..Values::default()
            };
            let rows: Vec<ListedRow> = bind(self.client.query(&st.sql), &st.binds, &v).fetch_all().await?;
            out.extend(rows.into_iter().map(|r| {
                SessionFact {
                    practices: (0..self.catalog.practices.len())
                        .filter(|i| r.present & (1 << i) != 0)
                        .map(|i| self.catalog.practices[i].id.clone())
                        .collect(),
                    person: r.person,
                    team: r.team,
                    session_id: r.session_id,
                    started_ms: r.started_ms,
                }
            }));
        }
        if !stale.is_empty() {
            let scope = sql::Scope { people: Some(stale.len()), teams: teams.len(), ..Default::default() };
            let st = sql::session_facts(&self.db, &self.catalog, scope);
            let v = Values { from: Some(from), to: Some(to), teams, members: &stale, ..Values::default() };
            let rows: Vec<FactRow> = bind(self.client.query(&st.sql), &st.binds, &v).fetch_all().await?;
            out.extend(rows.into_iter().map(|r| self.fact(r)));
            out.sort_by(|a, b| (a.started_ms, &a.person, &a.session_id).cmp(&(b.started_ms, &b.person, &b.session_id)));
        }
        Ok(Some(out))
    }

    fn fact(&self, r: FactRow) -> SessionFact {
        SessionFact {
            practices: self.present_ids(&r.present),
            person: r.person,
            team: r.team,
            session_id: r.session_id,
            started_ms: r.started_ms,
        }
    }

    fn summary(&self, r: SessionRow) -> SessionSummary {
        crate::rollup::with_agent(SessionSummary {
            practices: self.present_ids(&r.present),
            session_id: r.session_id,
            person: r.person,
            team: r.team,
            project: r.project,
            started_ms: r.started_ms,
            ended_ms: r.ended_ms,
            events: r.events,
            agent: String::new(),
        })
    }

    async fn sessions(
        &self,
        from: Option<i64>,
        to: Option<i64>,
        person: &str,
        session_id: &str,
        teams: Option<&[String]>,
        limit: u64,
    ) -> Result<Vec<SessionSummary>, StoreError> {
        if teams.is_some_and(<[String]>::is_empty) {
            return Ok(Vec::new());
        }
        let teams = teams.unwrap_or_default();
        let st = sql::person_sessions(&self.db, &self.catalog, !session_id.is_empty(), teams.len());
        let v = Values { from, to, person, session: session_id, teams, limit, ..Values::default() };
        let rows: Vec<SessionRow> = bind(self.client.query(&st.sql), &st.binds, &v).fetch_all().await?;
        Ok(rows.into_iter().map(|r| self.summary(r)).collect())
    }
}

#[async_trait]
impl QueryStore for ClickHouseStore {
    async fn adoption_matrix(&self, req: &MatrixRequest, access: &Access) -> Result<AdoptionMatrix, StoreError> {
        let (from, to) = time_bounds(&req.from, &req.to)?;
        let f = Filter::new(access, &req.person, &req.team);
        let person = f.person.as_deref().unwrap_or_default();
        let order = |a: &MatrixRow, b: &MatrixRow| a.person.cmp(&b.person);
        let rows: Vec<MatrixRow> = self.rows(Rows::Matrix, (from, to), person, f.teams.as_deref(), order).await?;
        let people: Vec<_> = rows
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
        Ok(adoption_matrix(&self.catalog, people))
    }

    async fn person_sessions(
        &self,
        req: &PersonSessionsRequest,
        access: &Access,
    ) -> Result<PersonSessions, StoreError> {
        let (from, to) = time_bounds(&req.from, &req.to)?;
        let f = Filter::new(access, &req.person, "");
        let sessions = self.sessions(from, to, &req.person, "", f.teams.as_deref(), MAX_SESSIONS as u64).await?;
        Ok(PersonSessions { person: req.person.clone(), sessions })
    }

    async fn session(&self, req: &SessionRequest, access: &Access) -> Result<SessionDetail, StoreError> {
        let f = Filter::new(access, &req.person, "");
        let person = if f.person.is_none() {
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
            f.person.clone().unwrap_or_default()
        };
        let summary = self
            .sessions(None, None, &person, &req.session_id, f.teams.as_deref(), 1)
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
        period: crate::Period,
        from: Option<i64>,
        to: Option<i64>,
        team: Option<&str>,
    ) -> Result<Vec<PersonQuarter>, StoreError> {
        let teams: Option<Vec<String>> = team.map(|t| vec![t.to_string()]);
        let order = |a: &QuarterRow, b: &QuarterRow| (&a.quarter, &a.person).cmp(&(&b.quarter, &b.person));
        let rows: Vec<QuarterRow> = self.rows(Rows::Periods(period), (from, to), "", teams.as_deref(), order).await?;
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

    async fn session_facts(&self, from: i64, to: i64, f: &Filter) -> Result<Vec<SessionFact>, StoreError> {
        if f.is_empty() {
            return Ok(Vec::new());
        }
        let teams = f.teams.as_deref().unwrap_or_default();
        let members = self.team_people(f.teams.as_deref()).await?;
        if members.as_ref().is_some_and(|m| m.is_empty()) {
            return Ok(Vec::new());
        }
        // A team's: the session lists of the roll-ups, the stale people raw.
        if let (None, Some(members)) = (&f.person, &members)
            && let Some(out) = self.rolled_facts(from, to, members, teams).await?
        {
            return Ok(out);
        }
        let people = members.as_ref().map(Vec::len);
        let scope = sql::Scope { person: f.person.is_some(), people, teams: teams.len(), session: false };
        let st = sql::session_facts(&self.db, &self.catalog, scope);
        let person = f.person.as_deref().unwrap_or_default();
        let members = members.as_deref().unwrap_or_default();
        let v = Values { from: Some(from), to: Some(to), person, teams, members, ..Values::default() };
        let rows: Vec<FactRow> = bind(self.client.query(&st.sql), &st.binds, &v).fetch_all().await?;
        Ok(rows.into_iter().map(|r| self.fact(r)).collect())
    }

    async fn people_facts(&self, from: i64, to: i64, people: &[String]) -> Result<Vec<SessionFact>, StoreError> {
        if people.is_empty() {
            return Ok(Vec::new());
        }
        let scope = sql::Scope { people: Some(people.len()), ..Default::default() };
        let st = sql::session_facts(&self.db, &self.catalog, scope);
        let v = Values { from: Some(from), to: Some(to), members: people, ..Values::default() };
        let rows: Vec<FactRow> = bind(self.client.query(&st.sql), &st.binds, &v).fetch_all().await?;
        Ok(rows.into_iter().map(|r| self.fact(r)).collect())
    }

    async fn record_assignment(&self, a: &AssignmentRecord) -> Result<(), StoreError> {
        let mut ins = self.client.insert::<AssignmentRow>("assignment_log").await?;
        ins.write(&AssignmentRow {
            id: a.id.clone(),
            assigned_ms: a.assigned_ms,
            assigned_by: a.assigned_by.clone(),
            person: a.person.clone(),
            practice: a.practice.clone(),
            start_ms: a.start_ms,
            weeks: a.weeks,
            note: a.note.clone(),
        })
        .await?;
        ins.end().await?;
        Ok(())
    }

    async fn assignment_records(&self) -> Result<Vec<AssignmentRecord>, StoreError> {
        let rows: Vec<AssignmentRow> = self.client.query(&sql::assignment_log(&self.db)).fetch_all().await?;
        Ok(rows
            .into_iter()
            .map(|r| AssignmentRecord {
                id: r.id,
                assigned_ms: r.assigned_ms,
                assigned_by: r.assigned_by,
                person: r.person,
                practice: r.practice,
                start_ms: r.start_ms,
                weeks: r.weeks,
                note: r.note,
            })
            .collect())
    }

    async fn session_moments(&self, person: &str, sessions: &[String]) -> Result<Vec<SessionMoments>, StoreError> {
        if sessions.is_empty() {
            return Ok(Vec::new());
        }
        let marks: Vec<MomentMark> =
            self.client.query(&sql::moments_marks(&self.db)).bind(person).bind(sessions).fetch_all().await?;
        let stops: Vec<(String, u64)> = self
            .client
            .query(&sql::moments_interruptions(&self.db))
            .bind(INTERRUPTED)
            .bind(person)
            .bind(sessions)
            .fetch_all()
            .await?;
        let mut out: Vec<SessionMoments> =
            sessions.iter().map(|s| SessionMoments { session_id: s.clone(), ..Default::default() }).collect();
        let at = |out: &[SessionMoments], id: &str| out.iter().position(|m| m.session_id == id);
        for m in marks {
            if let Some(i) = at(&out, &m.session_id) {
                out[i].marks.push(MarkRow {
                    key: m.key,
                    agent_id: m.agent_id,
                    ordinal: m.ordinal,
                    line: m.line,
                    timestamp_ms: m.ts_ms,
                    evidence: m.evidence,
                });
            }
        }
        for (id, n) in stops {
            if let Some(i) = at(&out, &id) {
                out[i].interruptions = n as u32;
            }
        }
        Ok(out)
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
