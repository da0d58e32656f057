//! How a read is answered: from the per-person roll-ups (everyone but the
//! stale people, who are read raw) when they can answer exactly, else from
//! the raw tables; and what each statement's `?`s are bound to.

use accrete_common::catalog::Catalog;

use super::rollups::Buckets;
use super::{ClickHouseStore, sql};
use crate::StoreError;

/// The queries that roll-ups can answer, each with its raw-table twin.
#[derive(Clone, Copy)]
pub(super) enum Rows {
    Matrix,
    Periods(crate::Period),
}

impl Rows {
    fn raw(self, db: &str, catalog: &Catalog, scope: sql::Scope) -> sql::Stmt {
        match self {
            Rows::Matrix => sql::matrix(db, catalog, scope),
            Rows::Periods(p) => sql::person_periods(db, catalog, scope, p),
        }
    }

    fn rolled(self, db: &str, stale: usize, days: bool, teams: usize) -> sql::Stmt {
        match self {
            Rows::Matrix => sql::rollup_matrix(db, stale, days, teams),
            Rows::Periods(p) => sql::rollup_periods(db, stale, days, teams, p),
        }
    }
}

/// What a statement's `?`s are bound to.
#[derive(Default)]
pub(super) struct Values<'a> {
    pub from: Option<i64>,
    pub to: Option<i64>,
    pub person: &'a str,
    pub teams: &'a [String],
    pub session: &'a str,
    pub limit: u64,
    pub members: &'a [String],
    pub catalog: &'a str,
    pub buckets: Option<Buckets>,
}

pub(super) fn bind(mut q: clickhouse::query::Query, binds: &[sql::Bind], v: &Values) -> clickhouse::query::Query {
    use sql::Bind as B;
    for b in binds {
        q = match b {
            B::From => q.bind(v.from.unwrap_or(0)),
            B::To => q.bind(v.to.unwrap_or(0)),
            B::Person => q.bind(v.person),
            B::Team(i) => q.bind(v.teams[*i].as_str()),
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

impl ClickHouseStore {
    /// With teams, the people who may have sessions of them (see
    /// [`sql::team_people`]): found first, so the query itself reads only
    /// their rows.
    pub(super) async fn team_people(&self, teams: Option<&[String]>) -> Result<Option<Vec<String>>, StoreError> {
        let Some(teams) = teams else { return Ok(None) };
        if teams.is_empty() {
            return Ok(Some(Vec::new()));
        }
        let st = sql::team_people(&self.db, teams.len());
        let v = Values { teams, ..Values::default() };
        Ok(Some(bind(self.client.query(&st.sql), &st.binds, &v).fetch_all().await?))
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

    /// The rows of an organization, team or person query (`teams`: only
    /// sessions of these), in `order`: from the roll-ups for everyone but the
    /// stale people (the raw tables for them) when the roll-ups can answer,
    /// else from the raw tables.
    pub(super) async fn rows<R: clickhouse::RowOwned + clickhouse::RowRead>(
        &self,
        what: Rows,
        (from, to): (Option<i64>, Option<i64>),
        person: &str,
        teams: Option<&[String]>,
        order: impl Fn(&R, &R) -> std::cmp::Ordering,
    ) -> Result<Vec<R>, StoreError> {
        if teams.is_some_and(<[String]>::is_empty) {
            return Ok(Vec::new()); // a scope of no team
        }
        let n_teams = teams.map_or(0, <[String]>::len);
        let teams = teams.unwrap_or_default();
        if let Some((b, stale)) = self.rollup_plan(from, to, person).await? {
            let st = what.rolled(&self.db, stale.len(), b.edges.is_some(), n_teams);
            let v =
                Values { teams, members: &stale, catalog: &self.fingerprint, buckets: Some(b), ..Values::default() };
            let mut rows: Vec<R> = bind(self.client.query(&st.sql), &st.binds, &v).fetch_all().await?;
            if !stale.is_empty() {
                let scope = sql::Scope { people: Some(stale.len()), teams: n_teams, ..Default::default() };
                let st = what.raw(&self.db, &self.catalog, scope);
                let v = Values { from, to, teams, members: &stale, ..Values::default() };
                rows.extend(bind(self.client.query(&st.sql), &st.binds, &v).fetch_all::<R>().await?);
                rows.sort_by(order);
            }
            return Ok(rows);
        }
        let members = self.team_people((n_teams > 0).then_some(teams)).await?;
        if members.as_ref().is_some_and(|m| m.is_empty()) {
            return Ok(Vec::new()); // nobody has a session of those teams
        }
        let people = members.as_ref().map(Vec::len);
        let scope = sql::Scope { person: !person.is_empty(), people, teams: n_teams, session: false };
        let st = what.raw(&self.db, &self.catalog, scope);
        let members = members.as_deref().unwrap_or_default();
        let v = Values { from, to, person, teams, members, ..Values::default() };
        Ok(bind(self.client.query(&st.sql), &st.binds, &v).fetch_all().await?)
    }
}
