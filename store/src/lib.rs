//! The storage and query layer. The aggregator writes through
//! [`RollupStore`], the query API reads through [`QueryStore`], and the
//! embedded mode also resumes from [`CheckpointStore`]. SQLite (embedded) and
//! ClickHouse (distributed) implement them, so both modes run the same
//! stages; neither backend imports the other: what they share (the
//! practice-presence rule, the drill-down, the scores) is in [`rollup`].

pub mod access;
pub mod assignments;
pub mod clickhouse;
pub mod coaching;
pub mod cohorts;
mod error;
pub mod examples;
pub mod report;
pub mod rollup;
pub mod sqlite;
pub mod trends;

use std::collections::BTreeMap;
use std::sync::Arc;

use accrete_common::catalog::Catalog;
use accrete_common::pipeline::{Checkpoint, Classified, FileCheckpoint};
use accrete_common::proto::{
    AdoptionMatrix, Assignment, Assignments, Catalog as CatalogMsg, Cohorts, CohortsRequest, CreateAssignmentRequest,
    Examples, ExamplesRequest, ListAssignmentsRequest, MatrixRequest, PersonSessions, PersonSessionsRequest, Practice,
    QuarterlyRequest, QuarterlyRollups, SessionDetail, SessionRequest, Suggestions, SuggestionsRequest, Teacher,
    Trends, TrendsRequest,
};
use async_trait::async_trait;

pub use access::{Access, Filter};
pub use assignments::AssignmentRecord;
pub use clickhouse::ClickHouseStore;
pub use error::{Source, StoreError};
pub use rollup::{Period, PersonQuarter};
pub use sqlite::SqliteStore;
pub use trends::SessionFact;

/// The most sessions one listing returns, and timeline events one drill-down returns.
pub const MAX_SESSIONS: i64 = 5_000;
pub const MAX_TIMELINE: i64 = 50_000;

/// Where roll-ups are written.
#[async_trait]
pub trait RollupStore: Send + Sync {
    /// Applies one classified batch (and, where the store keeps them, its
    /// checkpoint) atomically. Applying the same batch twice leaves the store
    /// as applying it once.
    async fn apply(&self, batch: Arc<Classified>, checkpoint: &Checkpoint) -> Result<(), StoreError>;
}

/// A store that keeps the collector's read positions with its data (the
/// embedded one): where the collector resumes after a restart. Distributed
/// collectors keep their own, so ClickHouse does not implement this.
#[async_trait]
pub trait CheckpointStore: Send + Sync {
    async fn checkpoints(&self) -> Result<Vec<FileCheckpoint>, StoreError>;
}

/// What the query API asks. Every read takes the caller's [`Access`]: the
/// store filters by it (a manager's teams, a member's own rows), so nothing
/// outside it is read, merged or scored.
#[async_trait]
pub trait QueryStore: Send + Sync {
    async fn adoption_matrix(&self, req: &MatrixRequest, access: &Access) -> Result<AdoptionMatrix, StoreError>;
    async fn person_sessions(&self, req: &PersonSessionsRequest, access: &Access)
    -> Result<PersonSessions, StoreError>;
    /// `NotFound` when the session does not exist or is outside `access`
    /// (the same answer, so a scope does not reveal what is beyond it).
    async fn session(&self, req: &SessionRequest, access: &Access) -> Result<SessionDetail, StoreError>;
    /// Sessions and practice counts per quarter (or month) and person
    /// (sessions with a start time only), of one team or, with `None`, everyone.
    async fn person_quarters(
        &self,
        period: Period,
        from: Option<i64>,
        to: Option<i64>,
        team: Option<&str>,
    ) -> Result<Vec<PersonQuarter>, StoreError>;
    /// Every session with a start of the filter's person or teams, started
    /// within `[from, to)`, oldest first, with the practices it shows.
    async fn session_facts(&self, from: i64, to: i64, filter: &Filter) -> Result<Vec<SessionFact>, StoreError>;
    /// The sessions of these people (any team) started within `[from, to)`,
    /// oldest first, in one read where the store can.
    async fn people_facts(&self, from: i64, to: i64, people: &[String]) -> Result<Vec<SessionFact>, StoreError> {
        let mut out = Vec::new();
        for p in people {
            out.extend(self.session_facts(from, to, &Filter { person: Some(p.clone()), teams: None }).await?);
        }
        out.sort_by_key(|f| f.started_ms);
        Ok(out)
    }
    /// Appends one row to the assignment log, in one write (the coaching
    /// loop's one write through the API).
    async fn record_assignment(&self, a: &AssignmentRecord) -> Result<(), StoreError>;
    /// The assignment log, oldest first.
    async fn assignment_records(&self) -> Result<Vec<AssignmentRecord>, StoreError>;
    /// Each session's marks and interruptions, of these of one person's
    /// sessions (for ranking example sessions).
    async fn session_moments(
        &self,
        person: &str,
        sessions: &[String],
    ) -> Result<Vec<examples::SessionMoments>, StoreError>;
    fn catalog(&self) -> CatalogMsg;
    fn catalog_ref(&self) -> &Catalog;
    /// The coaching thresholds (`[coaching]`).
    fn rules(&self) -> &coaching::Rules;

    /// The matrix of one agent's sessions (`req.agent`), from the session
    /// lists: which agent wrote a session is its marker practice, and the
    /// roll-ups are per person, not per agent. Without an agent: the matrix.
    async fn agent_matrix(&self, req: &MatrixRequest, access: &Access) -> Result<AdoptionMatrix, StoreError> {
        if req.agent.is_empty() {
            return self.adoption_matrix(req, access).await;
        }
        let Some(agent) = accrete_common::config::Agent::from_name(&req.agent).filter(|a| a.as_str() == req.agent)
        else {
            return Err(StoreError::InvalidArgument(format!(
                "agent `{}` is not one of claude_code, codex, gemini",
                req.agent
            )));
        };
        let (from, to) = time_bounds(&req.from, &req.to)?;
        let filter = Filter::new(access, &req.person, &req.team);
        let facts = self.session_facts(from.unwrap_or(i64::MIN), to.unwrap_or(i64::MAX), &filter).await?;
        Ok(rollup::agent_matrix(self.catalog_ref(), agent, &facts))
    }

    /// Quarterly proficiency per team and, for an unscoped query of no one
    /// team, for the whole organization. A scoped query gets its teams' rows,
    /// each team's people counted in it.
    async fn quarterly(&self, req: &QuarterlyRequest, access: &Access) -> Result<QuarterlyRollups, StoreError> {
        let (from, to) = time_bounds(&req.from, &req.to)?;
        let Some(teams) = Filter::new(access, "", &req.team).teams else {
            let rows = self.person_quarters(Period::Quarter, from, to, None).await?;
            return Ok(rollup::quarterly(self.catalog_ref(), &rows, ""));
        };
        let mut out = QuarterlyRollups::default();
        for team in teams {
            let rows = self.person_quarters(Period::Quarter, from, to, Some(&team)).await?;
            out.rows.extend(rollup::quarterly(self.catalog_ref(), &rows, &team).rows);
        }
        Ok(out)
    }

    /// The coaching loop's suggestions ([`coaching`]): the whole
    /// organization's matrix of the window, each person measured against
    /// their own team, then only the people `access` (and the request's
    /// person and team) cover.
    async fn suggestions(&self, req: &SuggestionsRequest, access: &Access) -> Result<Suggestions, StoreError> {
        let (from, to) = window(&req.from, &req.to, SUGGESTION_WEEKS)?;
        let fmt = accrete_common::time::format_rfc3339_ms;
        let req_m = MatrixRequest { from: fmt(from), to: fmt(to), ..Default::default() };
        let m = self.adoption_matrix(&req_m, &Access::All).await?;
        let weeks = (to - from) as f64 / (7 * DAY_MS) as f64;
        let mut people = coaching::suggestions(self.catalog_ref(), &m, weeks, self.rules());
        let f = Filter::new(access, &req.person, &req.team);
        people.retain(|s| f.admits(&s.person, &s.team));
        Ok(Suggestions { people, from_ms: from, to_ms: to })
    }

    /// One person's or one team's trends ([`trends`]), within `access`.
    async fn trends(&self, req: &TrendsRequest, access: &Access) -> Result<Trends, StoreError> {
        if req.person.is_empty() && req.team.is_empty() {
            return Err(StoreError::InvalidArgument("`person` or `team` is required".into()));
        }
        let bucket = trends::Bucket::parse(&req.bucket).ok_or_else(|| {
            StoreError::InvalidArgument(format!("`bucket` must be week or month, not `{}`", req.bucket))
        })?;
        let (from, to) = window(&req.from, &req.to, TREND_WEEKS)?;
        let f = Filter::new(access, &req.person, &req.team);
        let facts = if f.is_empty() { Vec::new() } else { self.session_facts(from, to, &f).await? };
        let rule = self.rules().adoption;
        let mut t = trends::trends(self.catalog_ref(), &facts, bucket, rule, req.person.is_empty());
        (t.from_ms, t.to_ms) = (from, to);
        Ok(t)
    }

    /// Assigns a practice to a person with sessions (`by`: who, for the
    /// log); whether the caller may is the API's decision.
    async fn assign(&self, req: &CreateAssignmentRequest, by: &str) -> Result<Assignment, StoreError> {
        let now = accrete_common::time::now_ms();
        let record = assignments::validate(self.catalog_ref(), req, by, now)?;
        let teams = if req.person.is_empty() { BTreeMap::new() } else { teams_of(self, &req.person).await? };
        let Some(team) = teams.get(&req.person) else {
            return Err(StoreError::InvalidArgument(format!("`person`: nobody called `{}` has sessions", req.person)));
        };
        self.record_assignment(&record).await?;
        let f = Filter { person: Some(record.person.clone()), teams: None };
        let facts = self.session_facts(record.before_ms(), record.end_ms(), &f).await?;
        Ok(assignments::check_in(&record, team, &facts, self.rules().adoption, now))
    }

    /// The assignments `access` (and the request's person and team) cover,
    /// newest first, each with its check-in.
    async fn assignments(&self, req: &ListAssignmentsRequest, access: &Access) -> Result<Assignments, StoreError> {
        let now = accrete_common::time::now_ms();
        let records = self.assignment_records().await?;
        if records.is_empty() {
            return Ok(Assignments::default());
        }
        let teams = teams_of(self, "").await?;
        let f = Filter::new(access, &req.person, &req.team);
        let team = |r: &AssignmentRecord| teams.get(&r.person).map_or("", String::as_str);
        let shown: Vec<&AssignmentRecord> = records.iter().rev().filter(|r| f.admits(&r.person, team(r))).collect();
        let (Some(from), Some(to)) =
            (shown.iter().map(|r| r.before_ms()).min(), shown.iter().map(|r| r.end_ms()).max())
        else {
            return Ok(Assignments::default());
        };
        // One read of everyone's sessions over all the cycles, then each
        // check-in from its person's.
        let mut people: Vec<String> = shown.iter().map(|r| r.person.clone()).collect();
        people.sort();
        people.dedup();
        let mut by_person: BTreeMap<String, Vec<SessionFact>> = BTreeMap::new();
        for fact in self.people_facts(from, to, &people).await? {
            by_person.entry(fact.person.clone()).or_default().push(fact);
        }
        let rule = self.rules().adoption;
        let out = shown
            .into_iter()
            .map(|r| assignments::check_in(r, team(r), by_person.get(&r.person).map_or(&[], Vec::as_slice), rule, now))
            .collect();
        Ok(Assignments { assignments: out })
    }

    /// Who to learn a practice from ([`examples`]): within `access` (and the
    /// request's team or person), the people showing it most consistently in
    /// the window, each with their best example sessions.
    async fn examples(&self, req: &ExamplesRequest, access: &Access) -> Result<Examples, StoreError> {
        if !self.catalog_ref().shown().iter().any(|p| p.id == req.practice) {
            let what = if req.practice.is_empty() {
                "is required".to_string()
            } else {
                format!("`{}` is not in the catalog", req.practice)
            };
            return Err(StoreError::InvalidArgument(format!("`practice` {what}")));
        }
        let (from, to) = window(&req.from, &req.to, SUGGESTION_WEEKS)?;
        let fmt = accrete_common::time::format_rfc3339_ms;
        let m = MatrixRequest {
            from: fmt(from),
            to: fmt(to),
            person: req.person.clone(),
            team: req.team.clone(),
            ..Default::default()
        };
        let m = self.adoption_matrix(&m, access).await?;
        let rules = self.rules();
        let mut people = Vec::new();
        for t in examples::teachers(&m, &req.practice, rules) {
            let sr = PersonSessionsRequest { person: t.person.clone(), from: fmt(from), to: fmt(to) };
            let mut sessions = self.person_sessions(&sr, access).await?.sessions;
            sessions.retain(|s| s.practices.contains(&req.practice));
            let ids: Vec<String> = sessions.iter().map(|s| s.session_id.clone()).collect();
            let moments = self.session_moments(&t.person, &ids).await?;
            let n = *t.practices.get(&req.practice).unwrap_or(&0);
            people.push(Teacher {
                person: t.person.clone(),
                team: t.team.clone(),
                sessions: t.sessions,
                sessions_showing: n,
                share: (n as f64 / t.sessions as f64 * 1000.0).round() / 1000.0,
                examples: examples::rank(self.catalog_ref(), &req.practice, &sessions, &moments, rules.examples),
            });
        }
        let reason = if people.is_empty() {
            format!(
                "nobody here with at least {} sessions in the window shows {} yet",
                rules.min_sessions,
                self.catalog_ref().practices.iter().find(|p| p.id == req.practice).map_or("it", |p| p.name.as_str())
            )
        } else {
            String::new()
        };
        Ok(Examples { practice: req.practice.clone(), people, reason, from_ms: from, to_ms: to })
    }

    /// The cohort distribution per month or quarter ([`cohorts`]) of the
    /// teams `access` (and the request's team) cover, or everyone.
    async fn cohorts(&self, req: &CohortsRequest, access: &Access) -> Result<Cohorts, StoreError> {
        let period = match req.bucket.as_str() {
            "" | "month" => Period::Month,
            "quarter" => Period::Quarter,
            other => {
                return Err(StoreError::InvalidArgument(format!("`bucket` must be month or quarter, not `{other}`")));
            }
        };
        let (from, to) = time_bounds(&req.from, &req.to)?;
        let to = to.unwrap_or(accrete_common::time::day_start(accrete_common::time::now_ms()) + DAY_MS);
        let from = from.unwrap_or_else(|| {
            (0..COHORT_MONTHS - 1)
                .fold(accrete_common::time::month_start(to - 1), |t, _| accrete_common::time::month_start(t - 1))
        });
        if from >= to {
            return Err(StoreError::InvalidArgument("`from` must be before `to`".into()));
        }
        let rows = match Filter::new(access, "", &req.team).teams {
            None => self.person_quarters(period, Some(from), Some(to), None).await?,
            Some(teams) => {
                let mut rows = Vec::new();
                for team in teams {
                    rows.extend(self.person_quarters(period, Some(from), Some(to), Some(&team)).await?);
                }
                rows
            }
        };
        Ok(cohorts::cohorts(self.catalog_ref(), self.rules(), &rows, period, (from, to)))
    }

    /// The monthly report of every team `access` covers (`month`:
    /// `YYYY-MM`): see [`report`].
    async fn month_report(&self, month: &str, access: &Access) -> Result<Vec<report::TeamReport>, StoreError> {
        use accrete_common::time::{format_rfc3339_ms, month_start, next_month_start, parse_rfc3339_ms};
        let start = (month.len() == 7)
            .then(|| parse_rfc3339_ms(&format!("{month}-01")))
            .flatten()
            .ok_or_else(|| StoreError::InvalidArgument(format!("`month` must be YYYY-MM, not `{month}`")))?;
        let (end, prev) = (next_month_start(start), month_start(start - 1));
        let matrix = |from: i64, to: i64| MatrixRequest {
            from: format_rfc3339_ms(from),
            to: format_rfc3339_ms(to),
            ..Default::default()
        };
        let this = self.adoption_matrix(&matrix(start, end), &Access::All).await?;
        let before = self.adoption_matrix(&matrix(prev, start), &Access::All).await?;
        let weeks = (end - start) as f64 / (7 * DAY_MS) as f64;
        let suggestions = coaching::suggestions(self.catalog_ref(), &this, weeks, self.rules());
        let all = self.assignments(&ListAssignmentsRequest::default(), &Access::All).await?.assignments;
        let ended: Vec<Assignment> =
            all.into_iter().filter(|a| parse_rfc3339_ms(&a.ends).is_some_and(|e| e > start && e <= end)).collect();
        let f = Filter::new(access, "", "");
        let mut teams = report::build(self.catalog_ref(), &this, &before, &ended, &suggestions);
        teams.retain(|t| f.teams.as_ref().is_none_or(|ts| ts.contains(&t.team)));
        Ok(teams)
    }
}

/// Each person's team (the greatest of their sessions', all time).
async fn teams_of<S: QueryStore + ?Sized>(store: &S, person: &str) -> Result<BTreeMap<String, String>, StoreError> {
    let m = store.adoption_matrix(&MatrixRequest { person: person.into(), ..Default::default() }, &Access::All).await?;
    Ok(m.people.into_iter().map(|r| (r.person, r.team)).collect())
}

/// A coaching window: the bounds given, else `to` the end of today (UTC)
/// and `from` `weeks` before it; midnights, so ClickHouse answers from its
/// roll-ups.
fn window(from: &str, to: &str, weeks: i64) -> Result<(i64, i64), StoreError> {
    let (f, t) = time_bounds(from, to)?;
    let t = t.unwrap_or(accrete_common::time::day_start(accrete_common::time::now_ms()) + DAY_MS);
    let f = f.unwrap_or(t - weeks * 7 * DAY_MS);
    if f >= t {
        return Err(StoreError::InvalidArgument("`from` must be before `to`".into()));
    }
    Ok((f, t))
}

const DAY_MS: i64 = 86_400_000;

/// The window suggestions read when none is given: the 12 weeks up to the
/// end of today (UTC midnights, so ClickHouse answers from its roll-ups).
pub const SUGGESTION_WEEKS: i64 = 12;
/// The months the cohorts cover when no `from` is given: this one and five before.
pub const COHORT_MONTHS: i64 = 6;
/// The window trends read when none is given: 26 weeks.
pub const TREND_WEEKS: i64 = 26;

/// Parses the API's optional time bounds (`YYYY-MM-DD` or RFC 3339).
pub fn time_bounds(from: &str, to: &str) -> Result<(Option<i64>, Option<i64>), StoreError> {
    let parse = |name: &str, v: &str| -> Result<Option<i64>, StoreError> {
        if v.is_empty() {
            return Ok(None);
        }
        accrete_common::time::parse_rfc3339_ms(v).map(Some).ok_or_else(|| {
            StoreError::InvalidArgument(format!("`{name}` must be YYYY-MM-DD or an RFC 3339 time, not `{v}`"))
        })
    };
    let (f, t) = (parse("from", from)?, parse("to", to)?);
    if let (Some(f), Some(t)) = (f, t)
        && f > t
    {
        return Err(StoreError::InvalidArgument("`from` is after `to`".into()));
    }
    Ok((f, t))
}

/// The catalog as the API serves it.
pub fn catalog_message(c: &Catalog) -> CatalogMsg {
    CatalogMsg {
        version: c.version.clone(),
        practices: c
            .shown()
            .iter()
            .map(|p| Practice {
                id: p.id.clone(),
                name: p.name.clone(),
                description: p.description.clone(),
                rule: p.rule_text(),
                group: p.group.as_str().into(),
                agents: p.agents.clone(),
            })
            .collect(),
    }
}
