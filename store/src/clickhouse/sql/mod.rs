//! Every SQL statement of the ClickHouse store, inside the dialect both
//! ClickHouse 18.16 and current releases accept (see docs/servers notes):
//! MergeTree engines, `-State`/`-Merge`/`-If`/`-ForEach` combinators, one
//! `ANY LEFT JOIN` per query with aliased subqueries, values bound with `?`
//! (escaped by the client), never pasted from a caller's text.
//!
//! The only text formatted into statements is the database name (validated
//! as `[A-Za-z0-9_]+` by the config) and catalog practice ids (validated as
//! `[a-z0-9_]+` by the catalog).

use crate::Period;
use accrete_common::catalog::{BEFORE_SUFFIX, Catalog, UNLESS_SUFFIX};

mod check;
mod schema;

pub use check::statements_for_check;
pub use schema::{assignment_log, person_writes_exists, schema, seed_person_writes, views};

/// A value a statement binds to a `?`, in the order the `?`s appear.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Bind {
    /// The lower time bound (Unix ms, 0 for none).
    From,
    /// The upper time bound (Unix ms, 0 for none).
    To,
    Person,
    /// The i-th team of the statement's teams filter.
    Team(usize),
    Session,
    Limit,
    /// The i-th of the statement's people: a team's ([`team_people`]), or
    /// those whose roll-up is stale.
    Member(usize),
    /// The catalog's fingerprint ([`catalog_fingerprint`]).
    Catalog,
    /// Whole months from roll-ups: the first month start, and the end (see `Buckets`).
    MonthsFrom,
    MonthsTo,
    /// The bounds' days (only days outside the whole months are read).
    DaysFrom,
    DaysTo,
    /// The partial months at the bounds' ends (the same twice when one).
    Edge(usize),
}

/// A statement and what to bind to its `?`s, in order.
#[derive(Debug, Clone)]
pub struct Stmt {
    pub sql: String,
    pub binds: Vec<Bind>,
}

/// Which of the optional filters a query has. Person, people and session
/// filters are applied before the per-session merge (on the sorting key), not
/// only after it, so a query about one person or a few people reads and
/// merges only their rows instead of every session of the organization; each
/// is in the statement only when asked for.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Scope {
    pub person: bool,
    /// Only these people (bound as [`Bind::Member`]), this many (at least 1):
    /// a team's ([`team_people`]) or those whose roll-up is stale.
    pub people: Option<usize>,
    /// Only sessions whose merged team is one of this many bound
    /// [`Bind::Team`]s (0: any team).
    pub teams: usize,
    pub session: bool,
}

/// The people with a session row (merged or not) of one of `n` teams: a
/// superset of the people whose merged session has one of them (a merged
/// `anyLast` is one of its parts' values), so reading only their rows before
/// the merge is exact; the merged team is then checked after the merge.
pub fn team_people(db: &str, n: usize) -> Stmt {
    let (list, binds) = team_list(n);
    let sql =
        format!("SELECT DISTINCT person FROM {db}.sessions WHERE finalizeAggregation(team) IN {list} ORDER BY person");
    Stmt { sql, binds }
}

/// `(?, ..)` for `n` teams (at least one) and their binds.
fn team_list(n: usize) -> (String, Vec<Bind>) {
    let n = n.max(1);
    (format!("({})", vec!["?"; n].join(", ")), (0..n).map(Bind::Team).collect())
}

/// `WHERE` conditions on `sessions` or `marks` rows for a scope.
fn row_filter(scope: Scope, binds: &mut Vec<Bind>) -> String {
    let mut c = Vec::new();
    if scope.person {
        c.push("person = ?".to_string());
        binds.push(Bind::Person);
    }
    if scope.session {
        c.push("session_id = ?".to_string());
        binds.push(Bind::Session);
    }
    if let Some(n) = scope.people {
        let n = n.max(1);
        c.push(format!("person IN ({})", vec!["?"; n].join(", ")));
        binds.extend((0..n).map(Bind::Member));
    }
    if c.is_empty() { "1".to_string() } else { c.join(" AND ") }
}

/// Merged per-session summaries of a scope, own sessions only, started
/// within the bounds (and `extra`). `detail` adds the drill-down's columns
/// (project, end, events: the `uniqExact` merge of every event is the
/// dearest part, so the matrix and roll-ups leave it out).
fn scoped_sessions(db: &str, scope: Scope, detail: bool, extra: &str, binds: &mut Vec<Bind>) -> String {
    let filter = row_filter(scope, binds);
    let cols = if detail {
        "anyLastMerge(project) AS project, maxIfMerge(ended) AS ended_ms, uniqExactMerge(events) AS events,"
    } else {
        ""
    };
    binds.extend([Bind::From, Bind::From, Bind::To, Bind::To]);
    let team = if scope.teams > 0 {
        let (list, b) = team_list(scope.teams);
        binds.extend(b);
        format!(" AND team IN {list}")
    } else {
        String::new()
    };
    format!(
        "SELECT person, session_id, anyLastMerge(team) AS team, {cols} minIfMerge(started) AS started_ms
         FROM {db}.sessions WHERE {filter} GROUP BY person, session_id
         HAVING maxMerge(own) = 1 AND (? = 0 OR started_ms >= ?) AND (? = 0 OR started_ms < ?){team}{extra}"
    )
}

/// Per-session practice presence of a scope.
fn scoped_presence(db: &str, catalog: &Catalog, scope: Scope, binds: &mut Vec<Bind>) -> String {
    let filter = row_filter(scope, binds);
    format!(
        "SELECT person, session_id, {p} FROM {db}.marks WHERE {filter} GROUP BY person, session_id",
        p = presence(catalog)
    )
}

/// `p0 .. pN`: one `UInt8` column per catalog practice, in catalog order:
/// does the session (the group) show it? The same rule as
/// `rollup::practices_present`. Separate columns rather than an array: a
/// session without marks joins zeros, and 18.16 cannot reach joined columns
/// from inside a lambda.
pub fn presence(catalog: &Catalog) -> String {
    let exprs: Vec<String> = catalog
        .practices
        .iter()
        .map(|p| {
            let id = &p.id;
            let shown = if p.before.is_some() {
                let hit = format!("key = '{id}' AND agent_id = ''");
                let close = format!("key = '{id}{BEFORE_SUFFIX}' AND agent_id = ''");
                format!(
                    "countIf({hit}) > 0 AND (countIf({close}) = 0 OR minIf(ordinal, {hit}) < minIf(ordinal, {close}))"
                )
            } else {
                format!("countIf(key = '{id}') > 0")
            };
            if p.unless.is_some() {
                format!("toUInt8({shown} AND countIf(key = '{id}{UNLESS_SUFFIX}') = 0)")
            } else {
                format!("toUInt8({shown})")
            }
        })
        .enumerate()
        .map(|(i, e)| format!("{e} AS p{i}"))
        .collect();
    exprs.join(", ")
}

/// `[p0, .., pN]`, or with `agg`, `[agg(p0), .., agg(pN)]`.
fn columns(catalog: &Catalog, agg: &str) -> String {
    let cols: Vec<String> = (0..catalog.practices.len())
        .map(|i| if agg.is_empty() { format!("p{i}") } else { format!("{agg}(p{i})") })
        .collect();
    format!("[{}]", cols.join(", "))
}

/// Per person: team, sessions, and per practice the sessions showing it.
/// Someone with sessions in several teams is shown in the greatest (as
/// the SQLite store does), so every path gives the same row.
pub fn matrix(db: &str, catalog: &Catalog, scope: Scope) -> Stmt {
    let mut binds = Vec::new();
    let scope = Scope { session: false, ..scope };
    let s = scoped_sessions(db, scope, false, "", &mut binds);
    let m = scoped_presence(db, catalog, scope, &mut binds);
    let sql = format!(
        "SELECT person, max(team) AS team, count() AS sessions, {sums} AS counts
         FROM ({s}) AS s ANY LEFT JOIN ({m}) AS m USING (person, session_id)
         GROUP BY person ORDER BY person",
        sums = columns(catalog, "sum")
    );
    Stmt { sql, binds }
}

/// One person's sessions, newest first (or, with `session`, the one with
/// that id), of any team or of `teams` bound teams.
pub fn person_sessions(db: &str, catalog: &Catalog, session: bool, teams: usize) -> Stmt {
    let mut binds = Vec::new();
    let scope = Scope { person: true, session, teams, ..Scope::default() };
    let s = scoped_sessions(db, scope, true, "", &mut binds);
    let m = scoped_presence(db, catalog, scope, &mut binds);
    binds.push(Bind::Limit);
    let sql = format!(
        "SELECT session_id, person, team, project, started_ms, ended_ms, events, {cols} AS present
         FROM ({s}) AS s ANY LEFT JOIN ({m}) AS m USING (person, session_id)
         ORDER BY started_ms DESC, session_id LIMIT ?",
        cols = columns(catalog, "")
    );
    Stmt { sql, binds }
}

/// Who has a session with this id (to tell people apart).
pub fn session_people(db: &str) -> String {
    format!("SELECT DISTINCT person FROM {db}.sessions WHERE session_id = ? ORDER BY person LIMIT 2")
}

/// First mark per key and file of one session.
pub fn session_marks(db: &str) -> String {
    format!(
        "SELECT key, agent_id, min(ordinal) AS first_ordinal, argMin(line, ordinal) AS first_line,
                argMin(ts_ms, ordinal) AS first_ts_ms, argMin(evidence, ordinal) AS first_evidence
         FROM {db}.marks WHERE person = ? AND session_id = ? GROUP BY key, agent_id"
    )
}

/// The first mark of each key and file of several of one person's sessions
/// (`has`, not `IN ?`: 18.16 takes no array on the right of `IN`).
pub fn moments_marks(db: &str) -> String {
    format!(
        "SELECT session_id, key, agent_id, min(ordinal) AS first_ordinal, argMin(line, ordinal) AS first_line,
                argMin(ts_ms, ordinal) AS first_ts_ms, argMin(evidence, ordinal) AS first_evidence
         FROM {db}.marks WHERE person = ? AND has(?, session_id) GROUP BY session_id, key, agent_id"
    )
}

/// Per session, the main-thread user lines where the person stopped the
/// agent; each event once, though a redelivered one is stored twice until
/// its merge.
pub fn moments_interruptions(db: &str) -> String {
    format!(
        "SELECT session_id, uniqExactIf(offset, part, line_type = 'user' AND position(summary, ?) > 0) AS n
         FROM {db}.events WHERE person = ? AND has(?, session_id) AND agent_id = '' GROUP BY session_id"
    )
}

pub fn session_timeline(db: &str) -> String {
    format!(
        "SELECT agent_id, line, ts_ms, line_type, is_sidechain, summary, content
         FROM {db}.events FINAL WHERE person = ? AND session_id = ?
         ORDER BY agent_id != '', agent_id, offset, part LIMIT ?"
    )
}

/// Per quarter and person: team, sessions, and per practice the sessions showing it.
pub fn person_quarters(db: &str, catalog: &Catalog, scope: Scope) -> Stmt {
    person_periods(db, catalog, scope, Period::Quarter)
}

/// [`person_quarters`] per quarter or month.
pub fn person_periods(db: &str, catalog: &Catalog, scope: Scope, period: Period) -> Stmt {
    let mut binds = Vec::new();
    let scope = Scope { person: false, session: false, ..scope };
    let s = scoped_sessions(db, scope, false, " AND started_ms > 0", &mut binds);
    let m = scoped_presence(db, catalog, scope, &mut binds);
    let sql = format!(
        "SELECT toString({start}(toDateTime(intDiv(started_ms, 1000), 'UTC'))) AS quarter, person,
                max(team) AS team, count() AS sessions, {sums} AS counts
         FROM ({s}) AS s ANY LEFT JOIN ({m}) AS m USING (person, session_id)
         GROUP BY quarter, person ORDER BY quarter, person",
        start = period.clickhouse_start(),
        sums = columns(catalog, "sum")
    );
    Stmt { sql, binds }
}

/// People with no roll-up computed with this catalog (`?`, bound twice) at
/// their write count or later, with that count (the roll-up's version to
/// be); at most `?` of them. Only this catalog's rows count: after a catalog
/// change the new roll-up has the old one's version, and until they merge
/// "the newest" was either, so people were recomputed again and again.
pub fn stale_people(db: &str) -> String {
    format!(
        "SELECT person, n FROM (SELECT person, sum(n) AS n FROM {db}.person_writes GROUP BY person) AS w
         ANY LEFT JOIN (
             SELECT person, maxIf(version, catalog = ?) AS v, countIf(catalog = ?) AS k
             FROM {db}.person_rollups GROUP BY person
         ) AS r USING (person)
         WHERE k = 0 OR n > v ORDER BY person LIMIT ?"
    )
}

/// Every own session of some people (`n` of them): team, start and
/// practice presence, what their roll-ups are computed from.
pub fn person_facts(db: &str, catalog: &Catalog, n: usize) -> Stmt {
    let mut binds = Vec::new();
    let scope = Scope { people: Some(n), ..Scope::default() };
    let s = scoped_sessions(db, scope, false, "", &mut binds);
    let m = scoped_presence(db, catalog, scope, &mut binds);
    let sql = format!(
        "SELECT person, team, started_ms, {cols} AS present, session_id
         FROM ({s}) AS s ANY LEFT JOIN ({m}) AS m USING (person, session_id)",
        cols = columns(catalog, "")
    );
    Stmt { sql, binds }
}

/// [`session_facts`] of a team's (or teams') people from their roll-ups'
/// session lists (`person_sessions`), leaving out the first `stale` members
/// bound (the caller reads them raw): each person's newest list computed
/// with this catalog (`FINAL`, as [`month_entries`]), the sessions started
/// within the bounds of one of the `teams` bound teams. `present` is a bit mask.
pub fn rolled_session_facts(db: &str, members: usize, teams: usize) -> Stmt {
    let mut binds = vec![Bind::Catalog];
    let people = (0..members.max(1)).map(|_| "?").collect::<Vec<_>>().join(", ");
    binds.extend((0..members.max(1)).map(Bind::Member));
    binds.extend([Bind::From, Bind::To]);
    let team = if teams > 0 {
        let (list, b) = team_list(teams);
        binds.extend(b);
        format!(" AND t IN {list}")
    } else {
        String::new()
    };
    let sql = format!(
        "SELECT person, t AS team, id AS session_id, st AS started_ms, p AS present
         FROM (SELECT person, s_id, s_start, s_team, s_present FROM {db}.person_sessions FINAL
               WHERE catalog = ? AND person IN ({people}))
         ARRAY JOIN s_id AS id, s_start AS st, s_team AS t, s_present AS p
         WHERE st >= ? AND st < ?{team}
         ORDER BY started_ms, person, session_id"
    );
    Stmt { sql, binds }
}

/// Every own session of a scope started within the bounds (and with a
/// start), oldest first: person, team, id, start and practice presence;
/// what trends are computed from.
pub fn session_facts(db: &str, catalog: &Catalog, scope: Scope) -> Stmt {
    let mut binds = Vec::new();
    let scope = Scope { session: false, ..scope };
    let s = scoped_sessions(db, scope, false, " AND started_ms > 0", &mut binds);
    let m = scoped_presence(db, catalog, scope, &mut binds);
    let sql = format!(
        "SELECT person, team, session_id, started_ms, {cols} AS present
         FROM ({s}) AS s ANY LEFT JOIN ({m}) AS m USING (person, session_id)
         ORDER BY started_ms, person, session_id",
        cols = columns(catalog, "")
    );
    Stmt { sql, binds }
}

/// Roll-up entries of the whole months inside the bounds, one row per
/// person with parallel arrays `bs` (bucket start), `ts` (team), `ss`
/// (sessions), `cs` (counts). Each person's newest roll-up (`FINAL`:
/// `argMax` over the arrays cost seconds), only when computed with this
/// catalog: both 18.16 and current releases apply `WHERE` after `FINAL`
/// (current ones move no condition to `PREWHERE` with `FINAL` unless told
/// to), so an older row never stands in for a newer one. The first `stale`
/// people bound (as members) are left out: the caller reads them raw.
fn month_entries(db: &str, stale: usize, binds: &mut Vec<Bind>) -> String {
    let mut cols = Vec::new();
    for (x, name) in ARRAYS {
        binds.extend([Bind::MonthsFrom, Bind::MonthsTo]);
        cols.push(format!("arrayFilter((x, at) -> at >= ? AND at < ?, m_{x}, m_start) AS {name}"));
    }
    let not_in = not_in(stale, binds);
    format!("SELECT person, {cols} FROM {db}.person_rollups FINAL WHERE catalog = ?{not_in}", cols = cols.join(", "))
}

/// The entries, shaped like [`month_entries`], of the days within the
/// bounds in the partial months at their ends (`Bind::Edge`): each
/// person-month's row of the version of the person's newest roll-up (two
/// aggregators may both have written it: `LIMIT 1 BY`), if that roll-up
/// still lists the month. `ALL INNER JOIN`: a person's several rows (two
/// months, older versions) each meet the one roll-up row of the person; with
/// `ANY`, current releases join only one left row per right key (18.16
/// joined every one), which dropped days.
fn day_entries(db: &str, stale: usize, binds: &mut Vec<Bind>) -> String {
    let mut cols = Vec::new();
    for (x, name) in ARRAYS {
        binds.extend([Bind::DaysFrom, Bind::DaysTo]);
        cols.push(format!("arrayFilter((x, at) -> at >= ? AND at < ?, d_{x}, d_start) AS {name}"));
    }
    binds.extend([Bind::Edge(0), Bind::Edge(1)]);
    let left_not_in = not_in(stale, binds);
    let right_not_in = not_in(stale, binds);
    format!(
        "SELECT person, {cols} FROM (
             SELECT month, person, version, d_start, d_team, d_sessions, d_counts FROM {db}.person_days
             WHERE month IN (?, ?) AND catalog = ?{left_not_in} LIMIT 1 BY month, person, version
         ) AS d ALL INNER JOIN (
             SELECT person, version AS rv, m_start AS rm FROM {db}.person_rollups FINAL WHERE catalog = ?{right_not_in}
         ) AS r USING (person) WHERE version = rv AND has(rm, month)",
        cols = cols.join(", ")
    )
}

const ARRAYS: [(&str, &str); 4] = [("start", "bs"), ("team", "ts"), ("sessions", "ss"), ("counts", "cs")];

/// ` AND person NOT IN (?, ..)` for the first `stale` members, binding the catalog before it.
fn not_in(stale: usize, binds: &mut Vec<Bind>) -> String {
    binds.push(Bind::Catalog);
    if stale == 0 {
        return String::new();
    }
    binds.extend((0..stale).map(Bind::Member));
    format!(" AND person NOT IN ({})", vec!["?"; stale].join(", "))
}

/// Every roll-up entry within the bounds, a row each: `person, bucket, t, s, c`.
fn rollup_rows(db: &str, stale: usize, days: bool, binds: &mut Vec<Bind>) -> String {
    let flat = "ARRAY JOIN bs AS bucket, ts AS t, ss AS s, cs AS c";
    let months = format!("SELECT person, bucket, t, s, c FROM ({}) {flat}", month_entries(db, stale, binds));
    if !days {
        return months;
    }
    format!("{months} UNION ALL SELECT person, bucket, t, s, c FROM ({}) {flat}", day_entries(db, stale, binds))
}

/// [`matrix`] from the roll-ups (for day-aligned bounds), leaving out the
/// first `stale` members; with `teams`, only the entries of that many bound teams.
pub fn rollup_matrix(db: &str, stale: usize, days: bool, teams: usize) -> Stmt {
    rollup_grouped(
        db,
        (stale, days, teams),
        "person, max(t) AS team, sum(s) AS sessions, sumForEach(c) AS counts",
        None,
        "person",
    )
}

/// [`person_quarters`] from the roll-ups, like [`rollup_matrix`].
pub fn rollup_quarters(db: &str, stale: usize, days: bool, teams: usize) -> Stmt {
    rollup_periods(db, stale, days, teams, Period::Quarter)
}

/// [`person_periods`] from the roll-ups.
pub fn rollup_periods(db: &str, stale: usize, days: bool, teams: usize, period: Period) -> Stmt {
    rollup_grouped(
        db,
        (stale, days, teams),
        &format!(
            "toString({}(toDateTime(intDiv(bucket, 1000), 'UTC'))) AS quarter, person,
                max(t) AS team, sum(s) AS sessions, sumForEach(c) AS counts",
            period.clickhouse_start()
        ),
        Some("bucket >= 0"),
        "quarter, person",
    )
}

/// `select` over the roll-up entries ([`rollup_rows`]) that meet `cond`
/// (and, with `teams`, are of one of the bound teams), grouped and ordered by `group`.
fn rollup_grouped(
    db: &str,
    (stale, days, teams): (usize, bool, usize),
    select: &str,
    cond: Option<&str>,
    group: &str,
) -> Stmt {
    let mut binds = Vec::new();
    let rows = rollup_rows(db, stale, days, &mut binds);
    let mut conds: Vec<String> = cond.into_iter().map(String::from).collect();
    if teams > 0 {
        let (list, b) = team_list(teams);
        binds.extend(b);
        conds.push(format!("t IN {list}"));
    }
    let filter = if conds.is_empty() { String::new() } else { format!(" WHERE {}", conds.join(" AND ")) };
    let sql = format!("SELECT {select} FROM ({rows}){filter} GROUP BY {group} ORDER BY {group}");
    Stmt { sql, binds }
}

/// What the roll-ups were computed with: the catalog's version and its
/// presence rules (FNV-1a of their SQL), so editing a rule makes every
/// roll-up stale.
pub fn catalog_fingerprint(catalog: &Catalog) -> String {
    format!("{}:{:016x}:{ROLLUP_FORMAT}", catalog.version, accrete_common::fnv1a(presence(catalog).as_bytes()))
}

/// What a roll-up holds; a new format (r2: the session lists) makes every
/// older roll-up stale, so compaction writes it whole again.
const ROLLUP_FORMAT: &str = "r2";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statements_stay_in_the_shared_dialect() {
        let c = Catalog::builtin();
        let all: Vec<String> = schema("accrete")
            .into_iter()
            .chain(views("accrete", &c))
            .chain(
                [
                    matrix("accrete", &c, Scope { person: true, people: Some(2), teams: 2, session: false }),
                    person_sessions("accrete", &c, true, 1),
                    person_quarters("accrete", &c, Scope { people: Some(3), teams: 1, ..Scope::default() }),
                    person_facts("accrete", &c, 2),
                    rollup_matrix("accrete", 2, true, 3),
                    rollup_quarters("accrete", 0, true, 0),
                ]
                .map(|s| s.sql),
            )
            .collect();
        for s in &all {
            for banned in ["LowCardinality", "DateTime64", "toStartOfWeek", "OVER (", "{", " TTL ", "CODEC"] {
                assert!(!s.contains(banned), "`{banned}` is not accepted by ClickHouse 18.16:\n{s}");
            }
            assert!(s.match_indices("Map(").all(|(i, _)| s[..i].ends_with("array")), "no Map type in 18.16:\n{s}");
            // 18.16 takes one JOIN per SELECT; ours have one per statement (ARRAY JOINs aside).
            assert!(s.matches(" JOIN ").count() - s.matches("ARRAY JOIN").count() <= 1, "one JOIN per query:\n{s}");
        }
    }

    #[test]
    fn every_placeholder_has_a_bind() {
        let c = Catalog::builtin();
        let scope = Scope { person: true, people: Some(3), teams: 2, session: false };
        let mut all = vec![matrix("a", &c, scope), person_sessions("a", &c, true, 2), person_facts("a", &c, 4)];
        all.push(person_quarters("a", &c, scope));
        all.push(team_people("a", 3));
        all.push(session_facts("a", &c, scope));
        for (stale, days, teams) in [(0, false, 0), (2, true, 2), (1, false, 1), (0, true, 0)] {
            all.extend([rollup_matrix("a", stale, days, teams), rollup_quarters("a", stale, days, teams)]);
        }
        for st in all {
            assert_eq!(st.sql.matches('?').count(), st.binds.len(), "{}", st.sql);
        }
    }

    #[test]
    fn presence_follows_the_catalog() {
        let p = presence(&Catalog::builtin());
        assert!(p.starts_with("toUInt8(countIf(key = 'plan_mode' AND agent_id = '') > 0 AND"));
        assert!(p.contains("minIf(ordinal, key = 'plan_mode.before' AND agent_id = '')"));
        // 13 practices, then the markers of Codex and Gemini sessions.
        assert_eq!(p.matches("toUInt8(").count(), 15);
        assert!(p.ends_with("toUInt8(countIf(key = 'agent_gemini') > 0) AS p14"));
        assert!(p.contains(
            "toUInt8(countIf(key = 'focused_session') > 0 AND countIf(key = 'focused_session.unless') = 0) AS p11"
        ));
    }
}
