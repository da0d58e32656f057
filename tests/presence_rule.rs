//! One practice-presence rule. The embedded store decides what a session
//! shows in Rust (`accrete_store::rollup::practices_present`); ClickHouse
//! decides it in SQL (`store/src/clickhouse/sql`). This test reads the whole
//! shared corpus with `accrete up`, copies the stored events and marks into
//! a current ClickHouse (chdb, in-process) and requires the SQL to answer
//! exactly what the Rust rule answered: every session's practices, the
//! matrix over every month and week the corpus spans (and bounds that are
//! not midnights), the quarters, and the analysts' `session_summary` view.
//! Then the roll-ups compaction makes from those sessions (`person_facts`,
//! `rollups::compute`) answer the same matrices and quarters from the
//! roll-up tables, on this current release (`tests/rollups.rs` does it on
//! 18.16).

#[path = "support/rollup_rows.rs"]
mod rollup_rows;
mod support;

use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

use accrete_common::catalog::Catalog;
use accrete_common::proto::{MatrixRequest, PersonSessionsRequest};
use accrete_store::clickhouse::rollups::{self, Buckets, Fact};
use accrete_store::clickhouse::sql::{self, Bind, Scope, Stmt};
use accrete_store::{Access, QueryStore, SqliteStore};
use serde_json::{Value, json};
use support::*;

const DB: &str = "presence_check";
const DAY: i64 = 86_400_000;

/// What a statement's `?`s are filled with here.
#[derive(Default)]
struct Vals<'a> {
    from: i64,
    to: i64,
    person: &'a str,
    members: &'a [String],
    catalog: &'a str,
    buckets: Option<Buckets>,
}

/// A statement with its `?`s filled (values are numbers or quoted here, as the client would bind them).
fn fill(st: &Stmt, v: &Vals) -> String {
    let parts: Vec<&str> = st.sql.split('?').collect();
    assert_eq!(parts.len() - 1, st.binds.len(), "binds of:\n{}", st.sql);
    let b = v.buckets;
    let mut out = parts[0].to_string();
    for (bind, p) in st.binds.iter().zip(&parts[1..]) {
        out.push_str(&match bind {
            Bind::From => v.from.to_string(),
            Bind::To => v.to.to_string(),
            Bind::Person => quote(v.person),
            Bind::Limit => "100000".into(),
            Bind::Member(i) => quote(&v.members[*i]),
            Bind::Catalog => quote(v.catalog),
            Bind::MonthsFrom => b.unwrap().months_from.to_string(),
            Bind::MonthsTo => b.unwrap().months_to.to_string(),
            Bind::DaysFrom => b.unwrap().days_from.to_string(),
            Bind::DaysTo => b.unwrap().days_to.to_string(),
            Bind::Edge(i) => b.unwrap().edges.map_or(0, |e| e[*i]).to_string(),
            other => panic!("no value for {other:?} in this test"),
        });
        out.push_str(p);
    }
    out
}

fn quote(s: &str) -> String {
    format!("'{}'", s.replace('\\', "\\\\").replace('\'', "\\'"))
}

fn u(v: &Value) -> u64 {
    v.as_u64().or_else(|| v.as_str().and_then(|s| s.parse().ok())).unwrap_or_else(|| panic!("not a count: {v}"))
}

fn i(v: &Value) -> i64 {
    v.as_i64().or_else(|| v.as_str().and_then(|s| s.parse().ok())).unwrap_or_else(|| panic!("not an integer: {v}"))
}

/// The ids of a `present`/`counts` array's nonzero entries, in catalog order.
fn ids(catalog: &Catalog, flags: &Value) -> Vec<String> {
    let flags = flags.as_array().unwrap();
    catalog.practices.iter().zip(flags).filter(|(_, f)| u(f) > 0).map(|(p, _)| p.id.clone()).collect()
}

/// The stored events and marks as JSON lines shaped like ClickHouse's tables.
fn export(db: &Path, dir: &Path) -> (std::path::PathBuf, std::path::PathBuf, usize, usize) {
    let c = rusqlite::Connection::open(db).unwrap();
    let (events, marks) = (dir.join("events.jsonl"), dir.join("marks.jsonl"));
    let mut w = std::io::BufWriter::new(std::fs::File::create(&events).unwrap());
    let mut st = c
        .prepare(
            "SELECT e.person, s.team, e.session_id, s.project, e.agent_id, e.offset, e.part, e.line, e.ts_ms,
                    e.line_type, e.is_sidechain, e.summary, coalesce(e.content, '')
             FROM events e JOIN sessions s ON s.person = e.person AND s.session_id = e.session_id",
        )
        .unwrap();
    let mut q = st.query([]).unwrap();
    let mut n_events = 0;
    while let Some(r) = q.next().unwrap() {
        let row = json!({
            "person": r.get::<_, String>(0).unwrap(), "team": r.get::<_, String>(1).unwrap(),
            "session_id": r.get::<_, String>(2).unwrap(), "project": r.get::<_, String>(3).unwrap(),
            "agent_id": r.get::<_, String>(4).unwrap(), "offset": r.get::<_, i64>(5).unwrap(),
            "part": r.get::<_, i64>(6).unwrap(), "line": r.get::<_, i64>(7).unwrap(),
            "ts_ms": r.get::<_, i64>(8).unwrap(), "line_type": r.get::<_, String>(9).unwrap(),
            "is_sidechain": r.get::<_, i64>(10).unwrap(), "summary": r.get::<_, String>(11).unwrap(),
            "content": r.get::<_, String>(12).unwrap(),
        });
        writeln!(w, "{row}").unwrap();
        n_events += 1;
    }
    w.flush().unwrap();
    let mut w = std::io::BufWriter::new(std::fs::File::create(&marks).unwrap());
    let mut st = c
        .prepare(
            "SELECT m.person, s.team, m.session_id, m.agent_id, m.key, m.ordinal, m.line, m.ts_ms, m.evidence
             FROM marks m JOIN sessions s ON s.person = m.person AND s.session_id = m.session_id",
        )
        .unwrap();
    let mut q = st.query([]).unwrap();
    let mut n_marks = 0;
    while let Some(r) = q.next().unwrap() {
        let row = json!({
            "person": r.get::<_, String>(0).unwrap(), "team": r.get::<_, String>(1).unwrap(),
            "session_id": r.get::<_, String>(2).unwrap(), "agent_id": r.get::<_, String>(3).unwrap(),
            "key": r.get::<_, String>(4).unwrap(), "ordinal": r.get::<_, i64>(5).unwrap(),
            "line": r.get::<_, i64>(6).unwrap(), "ts_ms": r.get::<_, i64>(7).unwrap(),
            "evidence": r.get::<_, String>(8).unwrap(),
        });
        writeln!(w, "{row}").unwrap();
        n_marks += 1;
    }
    w.flush().unwrap();
    (events, marks, n_events, n_marks)
}

fn chdb(job: &Value) -> BTreeMap<String, Vec<Vec<Value>>> {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/chdb/run_queries.py");
    let mut child = Command::new("python3")
        .arg(script)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(job.to_string().as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "chdb: {}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

/// Month starts and Monday-week starts from the one holding `lo` to past `hi`.
fn windows(lo: i64, hi: i64) -> Vec<(String, i64, i64)> {
    let mut out = Vec::new();
    let mut m = accrete_common::time::month_start(lo);
    while m <= hi {
        let next = accrete_common::time::next_month_start(m);
        out.push((format!("month {}", accrete_common::time::format_rfc3339_ms(m)), m, next));
        m = next;
    }
    // 1970-01-01 was a Thursday: Mondays are 4 days after multiples of a week.
    let mut w = (lo - 4 * DAY).div_euclid(7 * DAY) * 7 * DAY + 4 * DAY;
    while w <= hi {
        out.push((format!("week {}", accrete_common::time::format_rfc3339_ms(w)), w, w + 7 * DAY));
        w += 7 * DAY;
    }
    out.push(("not midnights".into(), lo + 6 * 3_600_000 + 1, hi - 3_600_000));
    out.push(("everything".into(), 0, 0));
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_sql_rule_answers_what_the_rust_rule_answers() {
    let Some(root) = corpus() else { return };
    if !chdb_available() {
        return;
    }
    let t = tempfile::tempdir().unwrap();
    let data = t.path().join("data");
    let up = Up::start(&data, &corpus_sources(root), &[]);
    up.wait_caught_up(Duration::from_secs(300));
    up.stop();

    let catalog = Arc::new(Catalog::builtin());
    let store = SqliteStore::open(&data, catalog.clone()).unwrap();
    let (events, marks, n_events, n_marks) = export(&data.join("accrete.db"), t.path());

    // The Rust side: every person's sessions, and the bounds they span.
    let everyone = store.adoption_matrix(&MatrixRequest::default(), &Access::All).await.unwrap();
    let mut rust_sessions = BTreeMap::new();
    let (mut lo, mut hi) = (i64::MAX, i64::MIN);
    for row in &everyone.people {
        let req = PersonSessionsRequest { person: row.person.clone(), ..Default::default() };
        for s in store.person_sessions(&req, &Access::All).await.unwrap().sessions {
            if s.started_ms > 0 {
                (lo, hi) = (lo.min(s.started_ms), hi.max(s.started_ms));
            }
            rust_sessions.insert((s.person.clone(), s.session_id.clone()), (s.started_ms, s.practices.clone()));
        }
    }
    assert!(rust_sessions.len() >= 50, "the corpus has its sessions ({})", rust_sessions.len());

    // The SQL side, on the same rows.
    let mut setup: Vec<String> = sql::schema(DB);
    setup.extend(sql::views(DB, &catalog));
    let structure = |table: &str| match table {
        "events" => {
            "person String, team String, session_id String, project String, agent_id String, offset UInt64, \
                     part UInt32, line UInt64, ts_ms Int64, line_type String, is_sidechain UInt8, summary String, \
                     content String"
        }
        _ => {
            "person String, team String, session_id String, agent_id String, key String, ordinal UInt64, \
              line UInt64, ts_ms Int64, evidence String"
        }
    };
    for (table, file) in [("events", &events), ("marks", &marks)] {
        setup.push(format!(
            "INSERT INTO {DB}.{table} SELECT * FROM file('{}', 'JSONEachRow', '{}')",
            file.display(),
            structure(table)
        ));
    }
    let mut queries = BTreeMap::new();
    for row in &everyone.people {
        let st = sql::person_sessions(DB, &catalog, false, 0);
        queries.insert(format!("sessions {}", row.person), fill(&st, &Vals { person: &row.person, ..Vals::default() }));
    }
    let wins = windows(lo, hi);
    for (name, from, to) in &wins {
        let v = Vals { from: *from, to: *to, ..Vals::default() };
        queries.insert(format!("matrix {name}"), fill(&sql::matrix(DB, &catalog, Scope::default()), &v));
        queries.insert(format!("quarters {name}"), fill(&sql::person_quarters(DB, &catalog, Scope::default()), &v));
    }
    queries.insert("view".into(), format!("SELECT person, session_id, practices_present FROM {DB}.session_summary"));
    let people: Vec<String> = everyone.people.iter().map(|r| r.person.clone()).collect();
    // The sessions a team's trends read, raw, per window (bounds as given:
    // 0 for an open one reads as "from the start" / a far end).
    let bound = |f: i64, t: i64| (f, if t == 0 { 1 << 62 } else { t });
    for (name, from, to) in &wins {
        let (from, to) = bound(*from, *to);
        let st = sql::session_facts(DB, &catalog, Scope { people: Some(people.len()), ..Scope::default() });
        queries.insert(format!("listed {name}"), fill(&st, &Vals { from, to, members: &people, ..Vals::default() }));
    }
    let facts = sql::person_facts(DB, &catalog, people.len());
    queries.insert("facts".into(), fill(&facts, &Vals { members: &people, ..Vals::default() }));
    let chdb_dir = t.path().join("chdb");
    let got = chdb(&json!({ "setup": setup, "queries": queries, "dir": chdb_dir }));

    // Every session's practices.
    let mut per_practice: BTreeMap<&str, usize> = BTreeMap::new();
    let mut sql_sessions = BTreeMap::new();
    for row in &everyone.people {
        for r in &got[&format!("sessions {}", row.person)] {
            let key = (r[1].as_str().unwrap().to_string(), r[0].as_str().unwrap().to_string());
            sql_sessions.insert(key, (i(&r[4]), ids(&catalog, &r[7])));
        }
    }
    for (key, (_, practices)) in &rust_sessions {
        for p in practices {
            *per_practice.entry(catalog.practices.iter().find(|x| x.id == *p).unwrap().id.as_str()).or_default() += 1;
        }
        assert_eq!(sql_sessions.get(key), rust_sessions.get(key), "session {key:?}: SQL vs Rust (start, practices)");
    }
    assert_eq!(sql_sessions.len(), rust_sessions.len(), "the same sessions");
    let view: BTreeMap<(String, String), Vec<String>> = got["view"]
        .iter()
        .map(|r| ((r[0].as_str().unwrap().into(), r[1].as_str().unwrap().into()), ids(&catalog, &r[2])))
        .collect();
    let rust_practices: BTreeMap<_, _> = rust_sessions.iter().map(|(k, (_, p))| (k.clone(), p.clone())).collect();
    assert_eq!(view, rust_practices, "the analysts' session_summary view");

    // The matrix and the quarters, window by window.
    for (name, from, to) in &wins {
        let bound = |t: i64| if t == 0 { String::new() } else { accrete_common::time::format_rfc3339_ms(t) };
        let req = MatrixRequest { from: bound(*from), to: bound(*to), ..Default::default() };
        let rust = store.adoption_matrix(&req, &Access::All).await.unwrap();
        let rust: BTreeMap<String, (u64, Vec<u64>)> = rust
            .people
            .into_iter()
            .map(|r| {
                // The matrix shows practices only; the agent markers (after
                // them in the catalog) become its `agents`.
                let counts = catalog.shown().iter().map(|p| r.practices[&p.id]).collect();
                (r.person, (r.sessions, counts))
            })
            .collect();
        let sql: BTreeMap<String, (u64, Vec<u64>)> = got[&format!("matrix {name}")]
            .iter()
            .map(|r| {
                let counts = r[3].as_array().unwrap().iter().take(catalog.shown().len()).map(u).collect();
                (r[0].as_str().unwrap().into(), (u(&r[2]), counts))
            })
            .collect();
        assert_eq!(sql, rust, "matrix, {name}");
        let rust_q = store
            .person_quarters(
                accrete_store::Period::Quarter,
                (*from != 0).then_some(*from),
                (*to != 0).then_some(*to),
                None,
            )
            .await
            .unwrap();
        let rust_q: Vec<(String, String, u64, Vec<u64>)> =
            rust_q.into_iter().map(|q| (q.quarter, q.person, q.sessions, q.practice_sessions)).collect();
        let sql_q: Vec<(String, String, u64, Vec<u64>)> = got[&format!("quarters {name}")]
            .iter()
            .map(|r| {
                let counts = r[4].as_array().unwrap().iter().map(u).collect();
                (r[0].as_str().unwrap().into(), r[1].as_str().unwrap().into(), u(&r[3]), counts)
            })
            .collect();
        assert_eq!(sql_q, rust_q, "quarters, {name}");
    }
    // The roll-ups compaction would write, read back window by window.
    let facts: Vec<Fact> = got["facts"]
        .iter()
        .map(|r| Fact {
            person: r[0].as_str().unwrap().into(),
            team: r[1].as_str().unwrap().into(),
            started_ms: i(&r[2]),
            present: r[3].as_array().unwrap().iter().map(|x| u(x) as u8).collect(),
            session_id: r[4].as_str().unwrap().into(),
        })
        .collect();
    let versions = people.iter().map(|p| (p.clone(), 1)).collect();
    let fp = sql::catalog_fingerprint(&catalog);
    let inserts = rollup_rows::rollup_inserts(DB, &fp, &rollups::compute(&facts, &versions, catalog.practices.len()));
    let mut queries = BTreeMap::new();
    for (name, from, to) in &wins {
        let Some(b) = Buckets::for_bounds((*from != 0).then_some(*from), (*to != 0).then_some(*to)) else { continue };
        let v = Vals { catalog: &fp, buckets: Some(b), ..Vals::default() };
        let days = b.edges.is_some();
        queries.insert(format!("matrix {name}"), fill(&sql::rollup_matrix(DB, 0, days, 0), &v));
        queries.insert(format!("quarters {name}"), fill(&sql::rollup_quarters(DB, 0, days, 0), &v));
    }
    for (name, from, to) in &wins {
        let (from, to) = bound(*from, *to);
        let v = Vals { from, to, members: &people, catalog: &fp, ..Vals::default() };
        queries.insert(format!("listed {name}"), fill(&sql::rolled_session_facts(DB, people.len(), 0), &v));
    }
    let rolled_windows = (queries.len() - wins.len()) / 2;
    let rolled = chdb(&json!({ "setup": inserts, "queries": queries, "dir": chdb_dir }));
    let matrix_rows = |rows: &Vec<Vec<Value>>| -> BTreeMap<String, (u64, Vec<u64>)> {
        rows.iter()
            .map(|r| (r[0].as_str().unwrap().into(), (u(&r[2]), r[3].as_array().unwrap().iter().map(u).collect())))
            .collect()
    };
    let quarter_rows = |rows: &Vec<Vec<Value>>| -> Vec<(String, String, u64, Vec<u64>)> {
        rows.iter()
            .map(|r| {
                let counts = r[4].as_array().unwrap().iter().map(u).collect();
                (r[0].as_str().unwrap().into(), r[1].as_str().unwrap().into(), u(&r[3]), counts)
            })
            .collect()
    };
    for (name, _, _) in &wins {
        let Some(rows) = rolled.get(&format!("matrix {name}")) else { continue };
        assert_eq!(matrix_rows(rows), matrix_rows(&got[&format!("matrix {name}")]), "roll-up matrix, {name}");
        let (a, b) = (&rolled[&format!("quarters {name}")], &got[&format!("quarters {name}")]);
        assert_eq!(quarter_rows(a), quarter_rows(b), "roll-up quarters, {name}");
    }
    // The session lists: the same sessions, teams and practices as the raw read.
    let listed = |rows: &Vec<Vec<Value>>, mask: bool| -> Vec<(String, String, String, i64, Vec<u64>)> {
        rows.iter()
            .map(|r| {
                let present = if mask {
                    let m = u(&r[4]);
                    (0..catalog.practices.len()).map(|i| (m >> i) & 1).collect()
                } else {
                    r[4].as_array().unwrap().iter().map(u).collect()
                };
                let s = |v: &Value| v.as_str().unwrap().to_string();
                (s(&r[0]), s(&r[1]), s(&r[2]), i(&r[3]), present)
            })
            .collect()
    };
    let mut listed_sessions = 0;
    for (name, _, _) in &wins {
        let (a, b) = (&rolled[&format!("listed {name}")], &got[&format!("listed {name}")]);
        assert_eq!(listed(a, true), listed(b, false), "session lists, {name}");
        listed_sessions += a.len();
    }
    eprintln!("session lists: {listed_sessions} sessions over {} windows, the same as the raw read", wins.len());
    let shown: Vec<String> = catalog
        .practices
        .iter()
        .map(|p| format!("{}={}", p.id, per_practice.get(p.id.as_str()).unwrap_or(&0)))
        .collect();
    eprintln!(
        "presence: {} sessions ({n_events} events, {n_marks} marks), {} windows ({rolled_windows} from roll-ups too), \
         SQL = Rust; sessions per practice: {}",
        rust_sessions.len(),
        wins.len(),
        shown.join(" ")
    );
    let absent: Vec<&str> =
        catalog.shown().iter().filter(|p| !per_practice.contains_key(p.id.as_str())).map(|p| p.id.as_str()).collect();
    assert!(absent.len() <= 2, "the corpus should show nearly every practice; none of: {absent:?}");
}
