//! The tables, their materialized view, and the analysts' views.

use accrete_common::catalog::Catalog;

use super::{columns, presence};

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
        // Each person's sessions with a start (id, start, team, practices as
        // a bit mask), from the same compaction, written before the roll-up
        // of the same version: a person's newest row is their roll-up's
        // whenever they are not stale (a later, crashed compaction leaves
        // them stale). What a team's trends read. Granules of 4 rows: a
        // team's people are spread over the whole sort order (every 40th
        // person in a 40-team organization), and a row is a person's year of
        // sessions, so coarser granules read most of the table for one team.
        format!(
            "CREATE TABLE IF NOT EXISTS {db}.person_sessions (
                person String, version UInt64, catalog String,
                s_id Array(String), s_start Array(Int64), s_team Array(String), s_present Array(UInt64)
            ) ENGINE = ReplacingMergeTree(version) ORDER BY person SETTINGS index_granularity = 4"
        ),
        // The coaching loop's assignments, append-only: who assigned what,
        // when; one insert per assignment.
        format!(
            "CREATE TABLE IF NOT EXISTS {db}.assignment_log (
                id String, assigned_ms Int64, assigned_by String, person String, practice String,
                start_ms Int64, weeks UInt32, note String
            ) ENGINE = MergeTree() ORDER BY (assigned_ms, id)"
        ),
    ]
}

/// Every assignment, oldest first (the same id twice, from a retried
/// insert, counts once).
pub fn assignment_log(db: &str) -> String {
    format!(
        "SELECT id, any(assigned_ms) AS assigned_ms, any(assigned_by) AS assigned_by, any(person) AS person,
                any(practice) AS practice, any(start_ms) AS start_ms, any(weeks) AS weeks, any(note) AS note
         FROM {db}.assignment_log GROUP BY id ORDER BY assigned_ms, id"
    )
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
/// `session_summary` is the drill-down (one row per session, from the raw
/// tables); the dashboards' and questions' numbers come from `daily_rollup`
/// and the two views over it, which read the per-person roll-ups (a person's
/// newest, computed with this catalog), so a year of a whole organization
/// is summed from days, not merged from every session's state.
pub fn views(db: &str, catalog: &Catalog) -> Vec<String> {
    let p = presence(catalog);
    let ids: Vec<String> = catalog.practices.iter().map(|x| format!("'{}'", x.id)).collect();
    let fp = super::catalog_fingerprint(catalog).replace('\\', "\\\\").replace('\'', "\\'");
    let mut out: Vec<String> = ["quarterly_proficiency", "adoption_matrix", "daily_rollup", "session_summary"]
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
        // One row per person, UTC day and team: the day entries of each
        // person-month of the person's newest roll-up (see `day_entries`,
        // and why the join is `ALL`).
        format!(
            "CREATE VIEW IF NOT EXISTS {db}.daily_rollup AS
             SELECT person, day_ms, toDate(toDateTime(intDiv(day_ms, 1000), 'UTC')) AS day, team, sessions,
                    practice_sessions
             FROM (
                 SELECT person, d_start, d_team, d_sessions, d_counts FROM (
                     SELECT month, person, version, d_start, d_team, d_sessions, d_counts FROM {db}.person_days
                     WHERE catalog = '{fp}' LIMIT 1 BY month, person, version
                 ) AS d ALL INNER JOIN (
                     SELECT person, version AS rv, m_start AS rm FROM {db}.person_rollups FINAL WHERE catalog = '{fp}'
                 ) AS r USING (person) WHERE version = rv AND has(rm, month)
             ) AS x ARRAY JOIN d_start AS day_ms, d_team AS team, d_sessions AS sessions, d_counts AS practice_sessions"
        ),
        format!(
            "CREATE VIEW IF NOT EXISTS {db}.adoption_matrix AS
             SELECT person, max(team) AS team, sum(sessions) AS sessions,
                    arrayJoin(arrayEnumerate([{ids}])) AS i, [{ids}][i] AS practice,
                    sum(practice_sessions[i]) AS sessions_with_practice
             FROM {db}.daily_rollup GROUP BY person, i",
            ids = ids.join(", ")
        ),
        format!(
            "CREATE VIEW IF NOT EXISTS {db}.quarterly_proficiency AS
             SELECT toStartOfQuarter(day) AS quarter, team,
                    uniqExact(person) AS people_active, sum(sessions) AS sessions,
                    arrayJoin(arrayEnumerate([{ids}])) AS i, [{ids}][i] AS practice,
                    uniqExactIf(person, practice_sessions[i] > 0) AS people_using,
                    sum(practice_sessions[i]) AS sessions_with_practice
             FROM {db}.daily_rollup GROUP BY quarter, team, i",
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
