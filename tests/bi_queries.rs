//! The Grafana dashboards (`deploy/grafana/`) and Metabase questions
//! (`docs/bi.md`): provisioned coherently, variables and macros expanded the
//! way Grafana and the ClickHouse plugin expand them, every query inside the
//! dialect ClickHouse 18.16 accepts, and every query run on a current
//! ClickHouse (chdb-core, 26.x) over the real schema and views with sample
//! rows. `tests/distributed.rs` runs the same queries on ClickHouse 18.16
//! loaded with the real corpus.

#[path = "support/bi.rs"]
mod bi;
#[path = "support/rollup_rows.rs"]
mod rollup_rows;
mod support;

use std::collections::BTreeMap;
use std::io::Write;
use std::process::{Command, Stdio};
use support::chdb_available;

use bi::{Value, expand_grafana, expand_metabase};

const BIN: &str = env!("CARGO_BIN_EXE_accrete");

fn vars(pairs: &[(&str, Value)]) -> BTreeMap<String, Value> {
    pairs.iter().map(|(k, v)| (k.to_string(), v.clone())).collect()
}

#[test]
fn grafana_variables_and_macros_expand_as_grafana_and_the_plugin_do() {
    let v =
        vars(&[("team", Value::Many(vec!["eng".into(), "o'ps".into()])), ("bucket", Value::One("toMonday".into()))]);
    let sql = "SELECT ${bucket}(t) FROM x WHERE ms >= ${__from} AND ms <= ${__to} AND team IN (${team:singlequote}) \
               AND q >= toStartOfQuarter($__fromTime) AND q <= toDate($__toTime) AND $__timeFilter(ts) AND $bucket(t) = 1";
    assert_eq!(
        expand_grafana(sql, &v).unwrap(),
        "SELECT toMonday(t) FROM x WHERE ms >= 1420070400000 AND ms <= 1893456000000 AND team IN ('eng','o\\'ps') \
         AND q >= toStartOfQuarter(toDateTime(1420070400)) AND q <= toDate(toDateTime(1893456000)) \
         AND ts >= toDateTime(1420070400) AND ts <= toDateTime(1893456000) AND toMonday(t) = 1"
    );
    // A multi-value variable needs a format; unknown variables and macros that
    // 18.16 cannot run are errors, not silently passed on.
    assert!(expand_grafana("team IN (${team})", &v).unwrap_err().contains("singlequote"));
    assert!(expand_grafana("x = ${nope}", &v).unwrap_err().contains("unknown variable `nope`"));
    assert!(expand_grafana("$__timeInterval(ts)", &v).unwrap_err().contains("$__timeInterval"));
    assert!(expand_grafana("$__timeFilter(toDateTime(x))", &v).is_err());
}

#[test]
fn metabase_templates_expand_with_and_without_optional_clauses() {
    let values: BTreeMap<String, String> =
        [("team", "o'ps"), ("person", "dev1")].iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    let sql = "SELECT 1 FROM t WHERE person = {{person}} [[AND team = {{team}}]] ORDER BY 1";
    assert_eq!(expand_metabase(sql, &values, false).unwrap(), "SELECT 1 FROM t WHERE person = 'dev1'  ORDER BY 1");
    assert_eq!(
        expand_metabase(sql, &values, true).unwrap(),
        "SELECT 1 FROM t WHERE person = 'dev1' AND team = 'o\\'ps' ORDER BY 1"
    );
    assert!(expand_metabase("x = {{nobody}}", &values, true).is_err());
    assert_eq!(bi::metabase_variables(sql), ["person", "team"]);
    let md = "# T\n## Grafana\n### Not this\n```sql\nSELECT 0\n```\n## Metabase\n### Q one\ntext\n```sql\nSELECT 1\n```\n### Q two\n```sql\nSELECT\n  2\n```\n## After\n```sql\nSELECT 3\n```\n";
    let q = bi::metabase_questions(md);
    assert_eq!(
        q.iter().map(|q| (q.name.as_str(), q.sql.as_str())).collect::<Vec<_>>(),
        [("Q one", "SELECT 1"), ("Q two", "SELECT\n  2")]
    );
}

/// Whether a query reads only the roll-up views (`daily_rollup` and the two
/// over it), never the raw tables or the per-session view: what keeps a
/// dashboard fast on a whole organization.
fn reads_rollups_only(sql: &str) -> bool {
    let views = ["accrete.daily_rollup", "accrete.adoption_matrix", "accrete.quarterly_proficiency"];
    let mut rest = sql;
    while let Some(i) = rest.find("accrete.") {
        let name: String =
            rest[i..].chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '.').collect();
        if !views.contains(&name.as_str()) {
            return false;
        }
        rest = &rest[i + name.len()..];
    }
    true
}

fn provisioned_datasource() -> serde_norway::Value {
    let path = bi::root().join("deploy/grafana/provisioning/datasources/clickhouse.yml");
    let y: serde_norway::Value = serde_norway::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    let ds = y["datasources"].as_sequence().expect("datasources: a list");
    assert_eq!(ds.len(), 1, "one data source");
    ds[0].clone()
}

#[test]
fn dashboards_are_provisioned_and_their_queries_stay_in_the_shared_dialect() {
    let ds = provisioned_datasource();
    assert_eq!(ds["type"].as_str(), Some("grafana-clickhouse-datasource"));
    let uid = ds["uid"].as_str().unwrap().to_string();
    assert_eq!(ds["jsonData"]["defaultDatabase"].as_str(), Some("accrete"));
    assert_eq!(ds["jsonData"]["protocol"].as_str(), Some("http"), "HTTP works with every ClickHouse version");

    let dash = bi::dashboards(&bi::dashboards_dir());
    let files: Vec<&str> = dash.iter().map(|d| d.file.as_str()).collect();
    assert_eq!(
        files,
        ["adoption-matrix.json", "power-users.json", "practice-trends.json", "quarterly-proficiency.json"],
        "the four dashboards"
    );
    let mut uids: Vec<&str> = dash.iter().map(|d| d.uid.as_str()).collect();
    uids.sort();
    uids.dedup();
    assert_eq!(uids.len(), dash.len(), "dashboard uids are unique");
    for d in &dash {
        assert!(!d.title.is_empty() && !d.uid.is_empty(), "{}: uid and title", d.file);
        assert!(!d.panels.is_empty(), "{}: no panels", d.file);
        for v in &d.variables {
            if let bi::VarKind::Query(q) = &v.kind {
                assert_eq!(
                    d.json["templating"]["list"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .find(|x| x["name"] == v.name.as_str())
                        .unwrap()["datasource"]["uid"],
                    uid.as_str(),
                    "{}: variable {} uses the provisioned data source",
                    d.file,
                    v.name
                );
                assert!(q.contains("accrete.") && reads_rollups_only(q), "{}: variable {}: {q}", d.file, v.name);
            }
        }
        for p in d.json["panels"].as_array().unwrap() {
            assert_eq!(p["datasource"]["uid"], uid.as_str(), "{} / {}: data source", d.file, p["title"]);
            for t in p["targets"].as_array().unwrap() {
                assert_eq!(t["datasource"]["uid"], uid.as_str(), "{} / {}: target data source", d.file, p["title"]);
                assert_eq!(t["editorType"], "sql", "{} / {}: raw SQL editor", d.file, p["title"]);
            }
        }
        for p in &d.panels {
            assert!(!p.targets.is_empty(), "{} / {}: no query", d.file, p.title);
            for (format, sql) in &p.targets {
                let want = if p.kind == "timeseries" { 0 } else { 1 };
                assert_eq!(*format, want, "{} / {}: format {format} for a {} panel", d.file, p.title, p.kind);
                assert!(sql.contains("FROM accrete."), "{} / {}: reads Accrete's views:\n{sql}", d.file, p.title);
                assert!(reads_rollups_only(sql), "{} / {}: reads the roll-up views only:\n{sql}", d.file, p.title);
                if p.kind == "timeseries" {
                    assert!(
                        sql.contains(" AS time") && sql.contains("ORDER BY time"),
                        "{} / {}: time column, sorted",
                        d.file,
                        p.title
                    );
                }
            }
        }
    }
    let md = std::fs::read_to_string(bi::bi_doc()).unwrap();
    let questions = bi::metabase_questions(&md);
    assert!(questions.len() >= 6, "docs/bi.md documents the Metabase questions: {}", questions.len());
    for q in questions.iter().filter(|q| q.name != "A person's sessions") {
        assert!(reads_rollups_only(&q.sql), "Metabase / {}: reads the roll-up views only:\n{}", q.name, q.sql);
    }
    let values: BTreeMap<String, String> =
        [("team", "eng"), ("person", "dev1")].iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    let grafana =
        bi::grafana_queries(&dash, |_, v, _| if v.name == "team" { vec!["eng".into()] } else { vec!["dev1".into()] })
            .unwrap();
    let all: Vec<bi::Query> = grafana.into_iter().chain(bi::metabase_queries(&md, &values).unwrap()).collect();
    for q in &all {
        let s = &q.sql;
        for banned in
            [" OVER (", "OVER(", "toStartOfWeek", "toStartOfInterval", "DateTime64", "fromUnixTimestamp64", "{", "$"]
        {
            assert!(
                !s.contains(banned),
                "{}: `{banned}` is not accepted by ClickHouse 18.16 (or was not expanded):\n{s}",
                q.name
            );
        }
        assert!(
            s.matches(" JOIN ").count() - s.matches("ARRAY JOIN ").count() <= 1,
            "{}: one JOIN per query:\n{s}",
            q.name
        );
    }
}

/// The schema and views of `accrete clickhouse-sql` with sample rows: two
/// teams, sessions in two quarters, a person with enough sessions to rank.
fn chdb_setup() -> Vec<String> {
    let out = Command::new(BIN).arg("clickhouse-sql").env("ACCRETE__CLICKHOUSE__DATABASE", "accrete").output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let stmts: Vec<String> = serde_json::from_slice(&out.stdout).unwrap();
    let mut setup: Vec<String> = stmts.into_iter().filter(|s| !s.trim_start().starts_with("SELECT")).collect();
    let ev = |p: &str, t: &str, s: &str, ts: i64| {
        format!(
            "('{p}', '{t}', '{s}', 'p1', '', 10, 0, 1, {ts}, 'user', 0, 'prompt', ''), ('{p}', '{t}', '{s}', 'p1', '', 20, 0, 2, {}, 'assistant', 0, 'TodoWrite', '')",
            ts + 1000
        )
    };
    let mk = |p: &str, t: &str, s: &str, key: &str, ts: i64| {
        format!("('{p}', '{t}', '{s}', '', '{key}', 20481, 2, {ts}, 'tool_use')")
    };
    // s1 (plan_mode) comes from clickhouse-sql's own sample rows; 1760000000000 is in 2025-Q4.
    let sessions = [
        ("dev1", "eng", "s2", 1_769_358_051_451_i64, "task_tracking"),
        ("dev1", "eng", "s3", 1_772_000_000_000, "committing_work"),
        ("dev1", "eng", "s4", 1_760_000_000_000, "task_tracking"),
        ("dev2", "ops", "s5", 1_769_358_051_451, "subagent_delegation"),
    ];
    setup.push(format!(
        "INSERT INTO accrete.events VALUES {}",
        sessions.iter().map(|(p, t, s, ts, _)| ev(p, t, s, *ts)).collect::<Vec<_>>().join(", ")
    ));
    setup.push(format!(
        "INSERT INTO accrete.marks VALUES {}",
        sessions.iter().map(|(p, t, s, ts, k)| mk(p, t, s, k, *ts + 1000)).collect::<Vec<_>>().join(", ")
    ));
    setup.extend(rollups_of(&sessions));
    setup
}

/// The roll-ups compaction would write for the sample sessions (and s1,
/// plan mode, from clickhouse-sql's rows), computed by the store's own
/// `rollups::compute`, at a version above the sample roll-ups'.
fn rollups_of(sessions: &[(&str, &str, &str, i64, &str)]) -> Vec<String> {
    use accrete_store::clickhouse::{rollups, sql};
    let catalog = accrete_common::catalog::Catalog::builtin();
    let fp = sql::catalog_fingerprint(&catalog);
    let present = |key: &str| -> Vec<u8> { catalog.practices.iter().map(|p| u8::from(p.id == key)).collect() };
    let mut facts = vec![rollups::Fact {
        person: "dev1".into(),
        team: "eng".into(),
        started_ms: 1_769_271_651_451,
        present: present("plan_mode"),
        session_id: "s0".into(),
    }];
    for (p, t, _, ts, key) in sessions {
        facts.push(rollups::Fact {
            person: p.to_string(),
            team: t.to_string(),
            started_ms: *ts,
            present: present(key),
            session_id: format!("s{}", facts.len()),
        });
    }
    let versions = [("dev1".to_string(), 2), ("dev2".to_string(), 2)].into_iter().collect();
    rollup_rows::rollup_inserts("accrete", &fp, &rollups::compute(&facts, &versions, catalog.practices.len()))
}

const CHDB_RUNNER: &str = r#"
import json, sys, tempfile
from chdb import session
items = json.load(sys.stdin)
res = []
with tempfile.TemporaryDirectory() as d:
    s = session.Session(d)
    ver = s.query("SELECT version()", "CSV").bytes().decode().strip()
    for it in items:
        try:
            out = s.query(it["sql"], "TSV").bytes().decode()
            res.append({"name": it["name"], "rows": len([l for l in out.splitlines() if l]), "error": None})
        except Exception as e:
            res.append({"name": it["name"], "rows": 0, "error": str(e)})
print(json.dumps({"version": ver, "results": res}))
"#;

#[test]
fn every_bi_query_runs_on_a_current_clickhouse() {
    if !chdb_available() {
        return;
    }
    let dash = bi::dashboards(&bi::dashboards_dir());
    let queries = bi::grafana_queries(&dash, |_, v, _| match v.name.as_str() {
        "team" => vec!["eng".into(), "ops".into()],
        "person" => vec!["dev1".into(), "dev2".into()],
        other => panic!("no sample values for variable {other}"),
    })
    .unwrap();
    let values: BTreeMap<String, String> =
        [("team", "eng"), ("person", "dev1")].iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    let md = std::fs::read_to_string(bi::bi_doc()).unwrap();
    let queries: Vec<bi::Query> = queries.into_iter().chain(bi::metabase_queries(&md, &values).unwrap()).collect();
    let setup = chdb_setup();
    let items: Vec<serde_json::Value> = setup
        .iter()
        .map(|s| serde_json::json!({"name": "setup", "sql": s}))
        .chain(queries.iter().map(|q| serde_json::json!({"name": q.name, "sql": q.sql})))
        .collect();
    let mut child =
        Command::new("python3").args(["-c", CHDB_RUNNER]).stdin(Stdio::piped()).stdout(Stdio::piped()).spawn().unwrap();
    child.stdin.take().unwrap().write_all(serde_json::to_string(&items).unwrap().as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "chdb runner failed");
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let version = report["version"].as_str().unwrap_or_default().trim_matches('"').to_string();
    eprintln!("chdb {version}");
    let results = report["results"].as_array().unwrap();
    let mut failures = Vec::new();
    for (r, item) in results.iter().zip(&items) {
        let name = r["name"].as_str().unwrap();
        if let Some(e) = r["error"].as_str() {
            failures.push(format!("{name}: {e}\n{}", item["sql"].as_str().unwrap()));
        } else if name != "setup" {
            eprintln!("ok  {:>4} rows  {name}", r["rows"]);
            if r["rows"] == 0 {
                failures.push(format!("{name}: no rows on the sample data\n{}", item["sql"].as_str().unwrap()));
            }
        }
    }
    assert!(failures.is_empty(), "{} failed on chdb:\n\n{}", failures.len(), failures.join("\n\n"));
    eprintln!("{} BI queries ran on chdb {version}", queries.len());
}
