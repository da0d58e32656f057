//! Every SQL statement of the ClickHouse store, inside the dialect both
//! ClickHouse 18.16 and current releases accept (see docs/servers notes):
//! MergeTree engines, `-State`/`-Merge`/`-If`/`-ForEach` combinators, one
//! `ANY LEFT JOIN` per query with aliased subqueries, values bound with `?`
//! (escaped by the client), never pasted from a caller's text.
//!
//! The only text formatted into statements is the database name (validated
//! as `[A-Za-z0-9_]+` by the config) and catalog practice ids (validated as
//! `[a-z0-9_]+` by the catalog).

use accrete_common::catalog::{BEFORE_SUFFIX, Catalog, UNLESS_SUFFIX};

pub fn schema(db: &str) -> Vec<String> {
    vec![
        format!("CREATE DATABASE IF NOT EXISTS {db}"),
        // One row per event; a redelivered event replaces itself.
        format!(
            "CREATE TABLE IF NOT EXISTS {db}.events (
                person String, team String, session_id String, project String, agent_id String,
                offset UInt64, part UInt32, line UInt64, ts_ms Int64, line_type String,
                is_sidechain UInt8, summary String, content String
            ) ENGINE = ReplacingMergeTree() ORDER BY (person, session_id, agent_id, offset, part)"
        ),
        // Every mark; identical marks collapse. "First occurrence" is min(ordinal).
        // Granules of 1,024 rows (sessions too): a team's people are spread
        // over the whole sort order, and with 8,192-row granules nearly every
        // granule held one of them, so a team's query read the whole table.
        format!(
            "CREATE TABLE IF NOT EXISTS {db}.marks (
                person String, team String, session_id String, agent_id String, key String,
                ordinal UInt64, line UInt64, ts_ms Int64, evidence String
            ) ENGINE = ReplacingMergeTree() ORDER BY (person, session_id, agent_id, key, ordinal)
              SETTINGS index_granularity = 1024"
        ),
        // Per-session summaries, kept by the view below: min, max, uniqExact
        // and anyLast all give the same answer when an event comes twice.
        format!(
            "CREATE TABLE IF NOT EXISTS {db}.sessions (
                person String, session_id String,
                team AggregateFunction(anyLast, String),
                project AggregateFunction(anyLast, String),
                started AggregateFunction(minIf, Int64, UInt8),
                ended AggregateFunction(maxIf, Int64, UInt8),
                events AggregateFunction(uniqExact, String, UInt64, UInt32),
                own AggregateFunction(max, UInt8)
            ) ENGINE = AggregatingMergeTree() ORDER BY (person, session_id) SETTINGS index_granularity = 1024"
        ),
        format!(
            "CREATE MATERIALIZED VIEW IF NOT EXISTS {db}.sessions_mv TO {db}.sessions AS
             SELECT person, session_id,
                    anyLastState(team) AS team, anyLastState(project) AS project,
                    minIfState(ts_ms, ts_ms > 0 AND agent_id = '') AS started,
                    maxIfState(ts_ms, ts_ms > 0 AND agent_id = '') AS ended,
                    uniqExactState(agent_id, offset, part) AS events,
                    maxState(toUInt8(agent_id = '')) AS own
             FROM {db}.events GROUP BY person, session_id"
        ),
        // How many stored batches touched each person: written after the
        // batch's events and marks, summed on merge, so it only grows.
        format!(
            "CREATE TABLE IF NOT EXISTS {db}.person_writes (person String, n UInt64)
             ENGINE = SummingMergeTree() ORDER BY person"
        ),
        // Each person's sessions and practice counts per month and team
        // (`m_*`: parallel arrays), recomputed whole from the tables above;
        // `version` is the `person_writes` count it was computed after, so
        // the newest row replaces the others and a person is stale while
        // their count is ahead of it. Month -1 holds sessions without a start.
        format!(
            "CREATE TABLE IF NOT EXISTS {db}.person_rollups (
                person String, version UInt64, catalog String,
                m_start Array(Int64), m_team Array(String), m_sessions Array(UInt32), m_counts Array(Array(UInt32))
            ) ENGINE = ReplacingMergeTree(version) ORDER BY person"
        ),
        // The same per day, one row per month and person (read only for the
        // partial months at a query's ends), written before the roll-up of
        // the same version; a row counts only with its person's newest
        // roll-up of the same version that still lists its month.
        format!(
            "CREATE TABLE IF NOT EXISTS {db}.person_days (
                month Int64, person String, version UInt64, catalog String,
                d_start Array(Int64), d_team Array(String), d_sessions Array(UInt32), d_counts Array(Array(UInt32))
            ) ENGINE = ReplacingMergeTree(version) ORDER BY (month, person)"
        ),
    ]
}

/// Counts every person with sessions as touched once: run when
/// `person_writes` is first made, on a store written before it existed.
pub fn seed_person_writes(db: &str) -> String {
    format!("INSERT INTO {db}.person_writes SELECT person, toUInt64(1) AS n FROM {db}.sessions GROUP BY person")
}

pub fn person_writes_exists(db: &str) -> String {
    format!("EXISTS TABLE {db}.person_writes")
}

/// Views named for analysts (Grafana, Metabase) who query ClickHouse directly.
/// They follow the catalog, so they are dropped and made again at every start.
pub fn views(db: &str, catalog: &Catalog) -> Vec<String> {
    let p = presence(catalog);
    let ids: Vec<String> = catalog.practices.iter().map(|x| format!("'{}'", x.id)).collect();
    let mut out: Vec<String> = ["quarterly_proficiency", "adoption_matrix", "session_summary"]
        .iter()
        .map(|v| format!("DROP TABLE IF EXISTS {db}.{v}"))
        .collect();
    out.extend([
        format!(
            "CREATE VIEW IF NOT EXISTS {db}.session_summary AS
             SELECT person, session_id, team, project, started_ms, ended_ms, events, {cols} AS practices_present
             FROM ({sessions}) AS s ANY LEFT JOIN (
                 SELECT person, session_id, {p} FROM {db}.marks GROUP BY person, session_id
             ) AS m USING (person, session_id)",
            sessions = sessions_subquery(db, "1"),
            cols = columns(catalog, "")
        ),
        format!(
            "CREATE VIEW IF NOT EXISTS {db}.adoption_matrix AS
             SELECT person, max(team) AS team, count() AS sessions,
                    arrayJoin(arrayEnumerate([{ids}])) AS i, [{ids}][i] AS practice,
                    sum(practices_present[i]) AS sessions_with_practice
             FROM {db}.session_summary GROUP BY person, i",
            ids = ids.join(", ")
        ),
        format!(
            "CREATE VIEW IF NOT EXISTS {db}.quarterly_proficiency AS
             SELECT toStartOfQuarter(toDateTime(intDiv(started_ms, 1000), 'UTC')) AS quarter, team,
                    uniqExact(person) AS people_active, count() AS sessions,
                    arrayJoin(arrayEnumerate([{ids}])) AS i, [{ids}][i] AS practice,
                    uniqExactIf(person, practices_present[i] = 1) AS people_using,
                    sum(practices_present[i]) AS sessions_with_practice
             FROM {db}.session_summary WHERE started_ms > 0 GROUP BY quarter, team, i",
            ids = ids.join(", ")
        ),
    ]);
    out
}

/// Merged per-session summaries (every column), for the analysts' view.
fn sessions_subquery(db: &str, having: &str) -> String {
    format!(
        "SELECT person, session_id, anyLastMerge(team) AS team, anyLastMerge(project) AS project,
                minIfMerge(started) AS started_ms, maxIfMerge(ended) AS ended_ms, uniqExactMerge(events) AS events
         FROM {db}.sessions GROUP BY person, session_id HAVING maxMerge(own) = 1 AND {having}"
    )
}

/// A value a statement binds to a `?`, in the order the `?`s appear.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Bind {
    /// The lower time bound (Unix ms, 0 for none).
    From,
    /// The upper time bound (Unix ms, 0 for none).
    To,
    Person,
    Team,
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
    /// Only sessions whose merged team is the bound [`Bind::Team`].
    pub team: bool,
    pub session: bool,
}

/// The people with a session row (merged or not) of a team: a superset of
/// the people whose merged session has that team (a merged `anyLast` is one
/// of its parts' values), so reading only their rows before the merge is
/// exact; the merged team is then checked after the merge.
pub fn team_people(db: &str) -> String {
    format!("SELECT DISTINCT person FROM {db}.sessions WHERE finalizeAggregation(team) = ? ORDER BY person")
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
    let team = if scope.team {
        binds.push(Bind::Team);
        " AND team = ?"
    } else {
        ""
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

/// One person's sessions, newest first (or, with `session`, the one with that id).
pub fn person_sessions(db: &str, catalog: &Catalog, session: bool) -> Stmt {
    let mut binds = Vec::new();
    let scope = Scope { person: true, session, ..Scope::default() };
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

pub fn session_timeline(db: &str) -> String {
    format!(
        "SELECT agent_id, line, ts_ms, line_type, is_sidechain, summary, content
         FROM {db}.events FINAL WHERE person = ? AND session_id = ?
         ORDER BY agent_id != '', agent_id, offset, part LIMIT ?"
    )
}

/// Per quarter and person: team, sessions, and per practice the sessions showing it.
pub fn person_quarters(db: &str, catalog: &Catalog, scope: Scope) -> Stmt {
    let mut binds = Vec::new();
    let scope = Scope { person: false, session: false, ..scope };
    let s = scoped_sessions(db, scope, false, " AND started_ms > 0", &mut binds);
    let m = scoped_presence(db, catalog, scope, &mut binds);
    let sql = format!(
        "SELECT toString(toStartOfQuarter(toDateTime(intDiv(started_ms, 1000), 'UTC'))) AS quarter, person,
                max(team) AS team, count() AS sessions, {sums} AS counts
         FROM ({s}) AS s ANY LEFT JOIN ({m}) AS m USING (person, session_id)
         GROUP BY quarter, person ORDER BY quarter, person",
        sums = columns(catalog, "sum")
    );
    Stmt { sql, binds }
}

/// People whose roll-up is missing, older than their writes, or computed
/// with another catalog, with their write count (the roll-up's version to
/// be); at most `?` of them.
pub fn stale_people(db: &str) -> String {
    format!(
        "SELECT person, n FROM (SELECT person, sum(n) AS n FROM {db}.person_writes GROUP BY person) AS w
         ANY LEFT JOIN (
             SELECT person, max(version) AS v, argMax(catalog, version) AS c FROM {db}.person_rollups GROUP BY person
         ) AS r USING (person)
         WHERE n > v OR c != ? ORDER BY person LIMIT ?"
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
        "SELECT person, team, started_ms, {cols} AS present
         FROM ({s}) AS s ANY LEFT JOIN ({m}) AS m USING (person, session_id)",
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
/// still lists the month.
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
         ) AS d ANY INNER JOIN (
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
/// first `stale` members; with `team`, only that team's entries.
pub fn rollup_matrix(db: &str, stale: usize, days: bool, team: bool) -> Stmt {
    rollup_grouped(
        db,
        (stale, days, team),
        "person, max(t) AS team, sum(s) AS sessions, sumForEach(c) AS counts",
        None,
        "person",
    )
}

/// [`person_quarters`] from the roll-ups, like [`rollup_matrix`].
pub fn rollup_quarters(db: &str, stale: usize, days: bool, team: bool) -> Stmt {
    rollup_grouped(
        db,
        (stale, days, team),
        "toString(toStartOfQuarter(toDateTime(intDiv(bucket, 1000), 'UTC'))) AS quarter, person,
                max(t) AS team, sum(s) AS sessions, sumForEach(c) AS counts",
        Some("bucket >= 0"),
        "quarter, person",
    )
}

/// `select` over the roll-up entries ([`rollup_rows`]) that meet `cond`
/// (and, with `team`, are that team's), grouped and ordered by `group`.
fn rollup_grouped(
    db: &str,
    (stale, days, team): (usize, bool, bool),
    select: &str,
    cond: Option<&str>,
    group: &str,
) -> Stmt {
    let mut binds = Vec::new();
    let rows = rollup_rows(db, stale, days, &mut binds);
    let mut conds: Vec<&str> = cond.into_iter().collect();
    if team {
        binds.push(Bind::Team);
        conds.push("t = ?");
    }
    let filter = if conds.is_empty() { String::new() } else { format!(" WHERE {}", conds.join(" AND ")) };
    let sql = format!("SELECT {select} FROM ({rows}){filter} GROUP BY {group} ORDER BY {group}");
    Stmt { sql, binds }
}

/// What the roll-ups were computed with: the catalog's version and its
/// presence rules (FNV-1a of their SQL), so editing a rule makes every
/// roll-up stale.
pub fn catalog_fingerprint(catalog: &Catalog) -> String {
    format!("{}:{:016x}", catalog.version, accrete_common::fnv1a(presence(catalog).as_bytes()))
}

/// Every statement of this module with sample values in place of `?`, and
/// sample rows shaped like the client's inserts: what the dialect check runs
/// on a current ClickHouse (chdb) and what the integration tests run on 18.16.
pub fn statements_for_check(db: &str, catalog: &Catalog) -> Vec<String> {
    fn fill(sql: &str, values: &[&str]) -> String {
        let parts: Vec<&str> = sql.split('?').collect();
        assert_eq!(parts.len() - 1, values.len(), "binds of:\n{sql}");
        let mut out = parts[0].to_string();
        for (v, p) in values.iter().zip(&parts[1..]) {
            out.push_str(v);
            out.push_str(p);
        }
        out
    }
    // Sample values: no time bounds, or bounds that hold the sample session.
    let bind = |st: Stmt, bounded: bool, limit: &str| -> String {
        let values: Vec<&str> = st
            .binds
            .iter()
            .map(|b| match (b, bounded) {
                (Bind::From, false) | (Bind::To, false) => "0",
                (Bind::From, true) => "1",
                (Bind::To, true) => "4102444800000",
                (Bind::Person, _) => "'dev1'",
                (Bind::Team, _) => "'eng'",
                (Bind::Session, _) => "'s1'",
                (Bind::Limit, _) => limit,
                (Bind::Member(_), _) => "'dev1'",
                (Bind::Catalog, _) => "'fp'",
                (Bind::MonthsFrom, false) | (Bind::DaysFrom, false) => "-4611686018427387904",
                (Bind::MonthsTo, false) | (Bind::DaysTo, false) => "4611686018427387904",
                (Bind::MonthsFrom, true) => "1767225600000",
                (Bind::MonthsTo, true) => "1769904000000",
                (Bind::DaysFrom, true) => "1766966400000",
                (Bind::DaysTo, true) => "1770076800000",
                (Bind::Edge(0), _) => "1764547200000",
                (Bind::Edge(_), _) => "1769904000000",
            })
            .collect();
        fill(&st.sql, &values)
    };
    let mut out = schema(db);
    out.extend(views(db, catalog));
    out.push(format!(
        "INSERT INTO {db}.events VALUES ('dev1', 'eng', 's1', 'p1', '', 10, 0, 1, 1769271651451, 'user', 0, 'prompt', ''), \
         ('dev1', 'eng', 's1', 'p1', '', 20, 0, 2, 1769271652451, 'assistant', 0, 'ExitPlanMode', ''), \
         ('dev1', 'eng', 's1', 'p1', '', 30, 0, 3, 1769271653451, 'assistant', 0, 'Edit', '')"
    ));
    out.push(format!(
        "INSERT INTO {db}.marks VALUES ('dev1', 'eng', 's1', '', 'plan_mode', 20481, 2, 1769271652451, 'tool_use ExitPlanMode'), \
         ('dev1', 'eng', 's1', '', 'plan_mode.before', 30721, 3, 1769271653451, 'tool_use Edit')"
    ));
    let counts = format!("[{}]", vec!["1"; catalog.practices.len()].join(", "));
    out.push(format!(
        "INSERT INTO {db}.person_rollups VALUES ('dev1', 1, 'fp', [-1, 1767225600000, 1769904000000], ['eng', 'eng', 'eng'], \
         [1, 2, 1], [{counts}, {counts}, {counts}]), ('dev2', 1, 'fp', [1767225600000], ['eng'], [2], [{counts}])"
    ));
    out.push(format!(
        "INSERT INTO {db}.person_days VALUES (1769904000000, 'dev1', 1, 'fp', [1769990400000], ['eng'], [1], [{counts}]), \
         (1769904000000, 'dev2', 1, 'fp', [1769990400000], ['eng'], [1], [{counts}])"
    ));
    out.push(format!("INSERT INTO {db}.person_writes VALUES ('dev1', 1), ('dev2', 1)"));
    out.push(fill(&seed_person_writes(db), &[]));
    out.push(person_writes_exists(db));
    for (person, people) in [(false, None), (true, None), (false, Some(1)), (true, Some(1))] {
        let scope = Scope { person, people, team: people.is_some(), session: false };
        out.push(bind(matrix(db, catalog, scope), person, ""));
    }
    out.push(fill(&stale_people(db), &["'fp'", "10"]));
    out.push(bind(person_facts(db, catalog, 2), false, ""));
    for (stale, days, team) in [(0, false, false), (1, true, true), (2, false, true), (0, true, false)] {
        out.push(bind(rollup_matrix(db, stale, days, team), days, ""));
        out.push(bind(rollup_quarters(db, stale, days, team), !days, ""));
    }
    out.push(bind(person_sessions(db, catalog, false), true, "100"));
    out.push(bind(person_sessions(db, catalog, true), false, "1"));
    out.push(fill(&session_people(db), &["'s1'"]));
    out.push(fill(&session_marks(db), &["'dev1'", "'s1'"]));
    out.push(fill(&session_timeline(db), &["'dev1'", "'s1'", "100"]));
    out.push(bind(person_quarters(db, catalog, Scope::default()), false, ""));
    out.push(bind(person_quarters(db, catalog, Scope { people: Some(1), team: true, ..Scope::default() }), true, ""));
    out.push(fill(&team_people(db), &["'eng'"]));
    for v in ["session_summary", "adoption_matrix", "quarterly_proficiency"] {
        out.push(format!("SELECT * FROM {db}.{v}"));
    }
    out
}

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
                    matrix("accrete", &c, Scope { person: true, people: Some(2), team: true, session: false }),
                    person_sessions("accrete", &c, true),
                    person_quarters("accrete", &c, Scope { people: Some(3), team: true, ..Scope::default() }),
                    person_facts("accrete", &c, 2),
                    rollup_matrix("accrete", 2, true, true),
                    rollup_quarters("accrete", 0, true, false),
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
        let scope = Scope { person: true, people: Some(3), team: true, session: false };
        let mut all = vec![matrix("a", &c, scope), person_sessions("a", &c, true), person_facts("a", &c, 4)];
        all.push(person_quarters("a", &c, scope));
        for (stale, days, team) in [(0, false, false), (2, true, true), (1, false, true), (0, true, false)] {
            all.extend([rollup_matrix("a", stale, days, team), rollup_quarters("a", stale, days, team)]);
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
        assert_eq!(p.matches("toUInt8(").count(), 13);
        assert!(p.ends_with(" AS p12"));
        assert!(p.contains(
            "toUInt8(countIf(key = 'focused_session') > 0 AND countIf(key = 'focused_session.unless') = 0) AS p11"
        ));
    }
}
