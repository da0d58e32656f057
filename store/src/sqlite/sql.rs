//! Every SQL statement of the embedded store. Values are always bound as
//! parameters; no statement is ever built from a caller's text.

pub const PRAGMAS: &str = "
PRAGMA journal_mode = WAL;
PRAGMA synchronous = NORMAL;
PRAGMA foreign_keys = OFF;
PRAGMA busy_timeout = 5000;
";

/// Schema version 1. Tables are named for analysts who open the file in a BI
/// tool; `adoption_matrix` is a view they can query directly.
pub const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS files (
    person TEXT NOT NULL, path TEXT NOT NULL,
    read_offset INTEGER NOT NULL, lines INTEGER NOT NULL, file_id INTEGER NOT NULL,
    session_id TEXT NOT NULL, agent_id TEXT NOT NULL,
    PRIMARY KEY (person, path)
);
CREATE TABLE IF NOT EXISTS sessions (
    person TEXT NOT NULL, session_id TEXT NOT NULL, team TEXT NOT NULL DEFAULT '',
    project TEXT NOT NULL DEFAULT '', started_ms INTEGER, ended_ms INTEGER,
    events INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (person, session_id)
);
CREATE INDEX IF NOT EXISTS sessions_by_start ON sessions (started_ms);
CREATE TABLE IF NOT EXISTS events (
    person TEXT NOT NULL, session_id TEXT NOT NULL, agent_id TEXT NOT NULL,
    offset INTEGER NOT NULL, part INTEGER NOT NULL, line INTEGER NOT NULL,
    ts_ms INTEGER NOT NULL, line_type TEXT NOT NULL, is_sidechain INTEGER NOT NULL,
    summary TEXT NOT NULL, content TEXT,
    PRIMARY KEY (person, session_id, agent_id, offset, part)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS marks (
    person TEXT NOT NULL, session_id TEXT NOT NULL, agent_id TEXT NOT NULL, key TEXT NOT NULL,
    ordinal INTEGER NOT NULL, line INTEGER NOT NULL, ts_ms INTEGER NOT NULL, evidence TEXT NOT NULL,
    PRIMARY KEY (person, session_id, agent_id, key)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS session_practices (
    person TEXT NOT NULL, session_id TEXT NOT NULL, practice TEXT NOT NULL,
    PRIMARY KEY (person, session_id, practice)
) WITHOUT ROWID;
CREATE VIEW IF NOT EXISTS adoption_matrix AS
    SELECT s.person AS person, sp.practice AS practice, count(*) AS sessions_with_practice
    FROM session_practices sp JOIN sessions s ON s.person = sp.person AND s.session_id = sp.session_id
    GROUP BY s.person, sp.practice;
-- Per person, month (Unix ms of its first day, UTC; -1: sessions without a
-- start) and team: sessions, and sessions showing each practice. Kept in
-- step with `sessions` and `session_practices` in each batch's transaction,
-- so the organization's matrix is a sum over months, not a scan of every
-- session.
CREATE TABLE IF NOT EXISTS month_rollup (
    person TEXT NOT NULL, month_ms INTEGER NOT NULL, team TEXT NOT NULL, sessions INTEGER NOT NULL,
    PRIMARY KEY (person, month_ms, team)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS month_rollup_practices (
    person TEXT NOT NULL, month_ms INTEGER NOT NULL, team TEXT NOT NULL, practice TEXT NOT NULL,
    sessions INTEGER NOT NULL,
    PRIMARY KEY (person, month_ms, team, practice)
) WITHOUT ROWID;
-- The coaching loop's assignments, append-only: who assigned what, when.
CREATE TABLE IF NOT EXISTS assignment_log (
    id TEXT PRIMARY KEY, assigned_ms INTEGER NOT NULL, assigned_by TEXT NOT NULL, person TEXT NOT NULL,
    practice TEXT NOT NULL, start_ms INTEGER NOT NULL, weeks INTEGER NOT NULL, note TEXT NOT NULL
);
INSERT OR IGNORE INTO meta (key, value) VALUES ('schema_version', '1');
";

pub const INSERT_ASSIGNMENT: &str = "
INSERT INTO assignment_log (id, assigned_ms, assigned_by, person, practice, start_ms, weeks, note)
VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)";

pub const SELECT_ASSIGNMENTS: &str = "
SELECT id, assigned_ms, assigned_by, person, practice, start_ms, weeks, note FROM assignment_log ORDER BY assigned_ms, id";

/// The month a session is counted in (see `month_rollup`).
const MONTH: &str = "CASE WHEN s.started_ms IS NULL THEN -1
    ELSE CAST(strftime('%s', s.started_ms / 1000, 'unixepoch', 'start of month') AS INTEGER) * 1000 END";

/// Whether the month roll-ups have been built (a store from before them
/// builds them once, from its sessions).
pub const ROLLUP_BUILT: &str = "SELECT count(*) FROM meta WHERE key = 'month_rollup' AND value = '1'";

/// The roll-ups are no longer kept up to date (a one-shot store): built again when next needed.
pub const FORGET_ROLLUP: &str = "DELETE FROM meta WHERE key = 'month_rollup'";

/// Builds the month roll-ups from scratch (in the caller's transaction).
pub fn rebuild_rollup() -> String {
    format!(
        "DELETE FROM month_rollup;
         DELETE FROM month_rollup_practices;
         INSERT INTO month_rollup (person, month_ms, team, sessions)
             SELECT s.person, {MONTH} AS m, s.team, count(*) FROM sessions s GROUP BY s.person, m, s.team;
         INSERT INTO month_rollup_practices (person, month_ms, team, practice, sessions)
             SELECT s.person, {MONTH} AS m, s.team, sp.practice, count(*) FROM session_practices sp
             JOIN sessions s ON s.person = sp.person AND s.session_id = sp.session_id
             GROUP BY s.person, m, s.team, sp.practice;
         INSERT OR REPLACE INTO meta (key, value) VALUES ('month_rollup', '1');"
    )
}

/// A session's month bucket: its start and team (the month is computed in Rust).
pub const SESSION_BUCKET: &str = "SELECT started_ms, team FROM sessions WHERE person = ?1 AND session_id = ?2";
pub const SESSION_PRACTICE_IDS: &str = "SELECT practice FROM session_practices WHERE person = ?1 AND session_id = ?2";

pub const ADD_MONTH: &str = "
INSERT INTO month_rollup (person, month_ms, team, sessions) VALUES (?1, ?2, ?3, ?4)
ON CONFLICT (person, month_ms, team) DO UPDATE SET sessions = sessions + excluded.sessions";
pub const ADD_MONTH_PRACTICE: &str = "
INSERT INTO month_rollup_practices (person, month_ms, team, practice, sessions) VALUES (?1, ?2, ?3, ?4, ?5)
ON CONFLICT (person, month_ms, team, practice) DO UPDATE SET sessions = sessions + excluded.sessions";
pub const DROP_EMPTY_MONTH: &str =
    "DELETE FROM month_rollup WHERE person = ?1 AND month_ms = ?2 AND team = ?3 AND sessions = 0";
pub const DROP_EMPTY_MONTH_PRACTICE: &str = "DELETE FROM month_rollup_practices
    WHERE person = ?1 AND month_ms = ?2 AND team = ?3 AND practice = ?4 AND sessions = 0";

/// Month roll-ups with `?1 <= month_ms < ?2`, of the teams in `?3` (JSON, or any).
const MONTH_FILTER: &str =
    "month_ms >= ?1 AND month_ms < ?2 AND (?3 IS NULL OR team IN (SELECT value FROM json_each(?3)))";

pub fn rollup_matrix_sessions() -> String {
    format!("SELECT person, max(team), sum(sessions) FROM month_rollup WHERE {MONTH_FILTER} GROUP BY person")
}

pub fn rollup_matrix_practices() -> String {
    format!(
        "SELECT person, practice, sum(sessions) FROM month_rollup_practices WHERE {MONTH_FILTER}
         GROUP BY person, practice"
    )
}

/// Per month and person (the caller groups months into quarters).
pub fn rollup_month_sessions() -> String {
    format!(
        "SELECT month_ms, person, max(team), sum(sessions) FROM month_rollup WHERE {MONTH_FILTER}
         GROUP BY month_ms, person"
    )
}

pub fn rollup_month_practices() -> String {
    format!(
        "SELECT month_ms, person, practice, sum(sessions) FROM month_rollup_practices WHERE {MONTH_FILTER}
         GROUP BY month_ms, person, practice"
    )
}

pub const UPSERT_FILE: &str = "
INSERT INTO files (person, path, read_offset, lines, file_id, session_id, agent_id) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
ON CONFLICT (person, path) DO UPDATE SET read_offset = excluded.read_offset, lines = excluded.lines,
    file_id = excluded.file_id, session_id = excluded.session_id, agent_id = excluded.agent_id";

pub const SELECT_FILES: &str =
    "SELECT person, path, read_offset, lines, file_id, session_id, agent_id FROM files ORDER BY person, path";

pub const SELECT_FILE: &str = "SELECT session_id, agent_id FROM files WHERE person = ?1 AND path = ?2";

pub const DELETE_FILE_EVENTS: &str = "DELETE FROM events WHERE person = ?1 AND session_id = ?2 AND agent_id = ?3";
pub const DELETE_FILE_MARKS: &str = "DELETE FROM marks WHERE person = ?1 AND session_id = ?2 AND agent_id = ?3";

/// A top-level session file exists (even before any event of it is read).
pub const ENSURE_SESSION: &str = "
INSERT INTO sessions (person, session_id, team, project) VALUES (?1, ?2, ?3, ?4)
ON CONFLICT (person, session_id) DO NOTHING";

pub const UPSERT_SESSION_TIMES: &str = "
INSERT INTO sessions (person, session_id, team, project, started_ms, ended_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6)
ON CONFLICT (person, session_id) DO UPDATE SET
    team = excluded.team, project = excluded.project,
    started_ms = min(coalesce(started_ms, excluded.started_ms), excluded.started_ms),
    ended_ms = max(coalesce(ended_ms, excluded.ended_ms), excluded.ended_ms)";

pub const UPSERT_EVENT: &str = "
INSERT OR REPLACE INTO events (person, session_id, agent_id, offset, part, line, ts_ms, line_type, is_sidechain, summary, content)
VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)";

/// Keeps the first (smallest ordinal) mark per key: idempotent and order-free.
pub const UPSERT_MARK: &str = "
INSERT INTO marks (person, session_id, agent_id, key, ordinal, line, ts_ms, evidence) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
ON CONFLICT (person, session_id, agent_id, key) DO UPDATE SET
    line = CASE WHEN excluded.ordinal < ordinal THEN excluded.line ELSE line END,
    ts_ms = CASE WHEN excluded.ordinal < ordinal THEN excluded.ts_ms ELSE ts_ms END,
    evidence = CASE WHEN excluded.ordinal < ordinal THEN excluded.evidence ELSE evidence END,
    ordinal = min(ordinal, excluded.ordinal)";

pub const SELECT_SESSION_MARKS: &str =
    "SELECT key, agent_id, ordinal, line, ts_ms, evidence FROM marks WHERE person = ?1 AND session_id = ?2";

/// The main-thread user lines of a session where the person stopped the
/// agent (their summary says so: `rollup::INTERRUPTED`).
pub const SESSION_INTERRUPTIONS: &str = "SELECT count(*) FROM events
WHERE person = ?1 AND session_id = ?2 AND agent_id = '' AND line_type = 'user' AND instr(summary, ?3) > 0";

pub const DELETE_SESSION_PRACTICES: &str = "DELETE FROM session_practices WHERE person = ?1 AND session_id = ?2";
pub const INSERT_SESSION_PRACTICE: &str =
    "INSERT OR IGNORE INTO session_practices (person, session_id, practice) VALUES (?1, ?2, ?3)";

pub const RECOUNT_SESSION_EVENTS: &str = "
UPDATE sessions SET events = (SELECT count(*) FROM events e WHERE e.person = ?1 AND e.session_id = ?2)
WHERE person = ?1 AND session_id = ?2";

/// Bounds are optional: `?n IS NULL OR ...` keeps one statement for every
/// filter. `?4` is the teams in scope as a JSON array (a manager's, or the
/// one asked for), read with `json_each`, so the statement stays one for any
/// number of them.
const SESSION_FILTER: &str = "
    (?1 IS NULL OR s.started_ms >= ?1) AND (?2 IS NULL OR s.started_ms < ?2) AND (?3 IS NULL OR s.person = ?3)
    AND (?4 IS NULL OR s.team IN (SELECT value FROM json_each(?4)))";

/// The same with both bounds given (the partial months around month
/// roll-ups): plain range conditions, so `sessions_by_start` is used.
const BETWEEN_FILTER: &str = "
    s.started_ms >= ?1 AND s.started_ms < ?2 AND (?3 IS NULL OR s.person = ?3)
    AND (?4 IS NULL OR s.team IN (SELECT value FROM json_each(?4)))";

/// First day of the quarter a session started in, `YYYY-MM-DD` (UTC).
const QUARTER: &str = "strftime('%Y-', s.started_ms / 1000, 'unixepoch')
    || printf('%02d', ((CAST(strftime('%m', s.started_ms / 1000, 'unixepoch') AS INTEGER) - 1) / 3) * 3 + 1) || '-01'";

/// First day of the month a session started in, `YYYY-MM-DD` (UTC).
const MONTH_DAY: &str = "strftime('%Y-%m-01', s.started_ms / 1000, 'unixepoch')";

fn period_start(period: crate::Period) -> &'static str {
    match period {
        crate::Period::Quarter => QUARTER,
        crate::Period::Month => MONTH_DAY,
    }
}

/// `between`: both bounds are given ([`BETWEEN_FILTER`]).
fn filter(between: bool) -> &'static str {
    if between { BETWEEN_FILTER } else { SESSION_FILTER }
}

pub fn matrix_sessions(between: bool) -> String {
    format!("SELECT s.person, max(s.team), count(*) FROM sessions s WHERE {} GROUP BY s.person", filter(between))
}

pub fn matrix_practices(between: bool) -> String {
    format!(
        "SELECT s.person, sp.practice, count(*) FROM session_practices sp
         JOIN sessions s ON s.person = sp.person AND s.session_id = sp.session_id
         WHERE {} GROUP BY s.person, sp.practice",
        filter(between)
    )
}

pub fn person_sessions() -> String {
    format!(
        "SELECT s.session_id, s.person, s.team, s.project, coalesce(s.started_ms, 0), coalesce(s.ended_ms, 0), s.events,
                (SELECT group_concat(practice, ',') FROM session_practices sp
                  WHERE sp.person = s.person AND sp.session_id = s.session_id)
         FROM sessions s WHERE s.person = ?3 AND {SESSION_FILTER}
         ORDER BY s.started_ms DESC, s.session_id LIMIT ?5"
    )
}

pub fn quarter_sessions(between: bool, period: crate::Period) -> String {
    format!(
        "SELECT {} AS q, s.person, max(s.team), count(*) FROM sessions s
         WHERE s.started_ms IS NOT NULL AND {} GROUP BY q, s.person ORDER BY q, s.person",
        period_start(period),
        filter(between)
    )
}

pub fn quarter_practices(between: bool, period: crate::Period) -> String {
    format!(
        "SELECT {} AS q, s.person, sp.practice, count(*) FROM session_practices sp
         JOIN sessions s ON s.person = sp.person AND s.session_id = sp.session_id
         WHERE s.started_ms IS NOT NULL AND {} GROUP BY q, s.person, sp.practice",
        period_start(period),
        filter(between)
    )
}

/// Sessions with a start within `[?1, ?2)` of a person (`?3`, by the
/// primary key) or of teams (`?4`), oldest first, with their practices.
pub fn session_facts(by_person: bool) -> String {
    format!(
        "SELECT s.person, s.team, s.session_id, s.started_ms,
                (SELECT group_concat(practice, ',') FROM session_practices sp
                  WHERE sp.person = s.person AND sp.session_id = s.session_id)
         FROM sessions s WHERE {}{BETWEEN_FILTER}
         ORDER BY s.started_ms, s.person, s.session_id",
        if by_person { "s.person = ?3 AND " } else { "" }
    )
}

/// [`session_facts`] of the people in the JSON array `?3`, any team.
pub const PEOPLE_FACTS: &str = "
SELECT s.person, s.team, s.session_id, s.started_ms,
       (SELECT group_concat(practice, ',') FROM session_practices sp
         WHERE sp.person = s.person AND sp.session_id = s.session_id)
FROM sessions s WHERE s.person IN (SELECT value FROM json_each(?3)) AND s.started_ms >= ?1 AND s.started_ms < ?2
ORDER BY s.started_ms, s.person, s.session_id";

pub const FIND_SESSION: &str = "
SELECT s.session_id, s.person, s.team, s.project, coalesce(s.started_ms, 0), coalesce(s.ended_ms, 0), s.events,
       (SELECT group_concat(practice, ',') FROM session_practices sp WHERE sp.person = s.person AND sp.session_id = s.session_id)
FROM sessions s WHERE s.session_id = ?1 AND (?2 IS NULL OR s.person = ?2)
    AND (?3 IS NULL OR s.team IN (SELECT value FROM json_each(?3)))
ORDER BY s.person LIMIT 2";

pub const SESSION_TIMELINE: &str = "
SELECT agent_id, line, ts_ms, line_type, is_sidechain, summary, coalesce(content, '')
FROM events WHERE person = ?1 AND session_id = ?2
ORDER BY agent_id <> '', agent_id, offset, part LIMIT ?3";
