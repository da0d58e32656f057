//! What leaves the machine (`collect --dry-run`), the one-shot and matrix
//! commands, gRPC, and configuration errors.

#[path = "support/lines.rs"]
mod lines;
mod support;

use std::time::Duration;

use lines::*;
use serde_json::json;
use support::*;

fn fixture(dir: &std::path::Path) -> std::path::PathBuf {
    let claude = dir.join("claude");
    session_file(
        &claude,
        "s1",
        &[
            user("s1", "TOPSECRET-PROMPT please refactor"),
            tool(
                "s1",
                "Write",
                json!({"file_path":"/home/secret-user/secret-project/CLAUDE.md","content":"TOPSECRET-CODE"}),
            ),
            tool("s1", "Read", json!({"file_path":"/home/secret-user/secret-project/src/TOPSECRET-FILE.rs"})),
            commit("s1"),
            todo("s1"),
            command("s1", "team:review-pr"),
        ],
    );
    claude
}

#[test]
fn dry_run_shows_names_and_counts_but_no_content() {
    let t = tempfile::tempdir().unwrap();
    let claude = fixture(t.path());
    let out = run(&["collect".into(), "--dry-run".into(), "--source".into(), format!("ana={}", claude.display())]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let stdout = String::from_utf8(out.stdout).unwrap();
    for secret in ["TOPSECRET", "secret-user", "secret-project", "please refactor", "CLAUDE.md"] {
        assert!(!stdout.contains(secret), "`{secret}` would leave the machine:\n{stdout}");
    }
    let events: Vec<serde_json::Value> = stdout.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(events.len(), 6);
    assert_eq!(events[1]["tool_calls"][0], json!({"name":"Write","signals":["project_context_file"]}));
    assert_eq!(events[3]["tool_calls"][0], json!({"name":"Bash","signals":["git_commit"]}));
    assert_eq!(events[5]["commands"], json!(["team:review-pr"]));
    assert!(events[0]["project"].as_str().unwrap().starts_with('p'), "project folders are hashed");
    assert!(String::from_utf8_lossy(&out.stderr).contains("No prompt text, code, file contents or paths"));

    let out = run(&[
        "collect".into(),
        "--dry-run".into(),
        "--share-content".into(),
        "--source".into(),
        format!("ana={}", claude.display()),
    ]);
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(stdout.contains("TOPSECRET-PROMPT") && stdout.contains("TOPSECRET-CODE"), "opted in: content is sent");
}

#[test]
fn analyze_prints_a_table_and_matrix_reads_a_service_or_a_data_folder() {
    let t = tempfile::tempdir().unwrap();
    let claude = fixture(t.path());
    let src = vec!["--source".to_string(), format!("ana={}", claude.display())];
    let out = run(&[vec!["analyze".to_string()], src.clone()].concat());
    let table = String::from_utf8(out.stdout).unwrap();
    assert!(table.starts_with("person") && table.contains("ana"), "{table}");
    let out = run(&[vec!["analyze".to_string(), "--json".into()], src.clone()].concat());
    let analyzed: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let p = &analyzed["people"][0];
    assert_eq!(p["sessions"], 1);
    for practice in ["project_context", "committing_work", "task_tracking", "saved_commands"] {
        assert_eq!(p["practices"][practice], 1, "{practice}");
    }

    let up = Up::start(&t.path().join("data"), &src, &[]);
    up.wait_caught_up(Duration::from_secs(30));
    let out = run(&["matrix".into(), "--json".into(), "--url".into(), up.base.clone()]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let (_, api_body) = get(&up.url("/v1/adoption-matrix")).unwrap();
    assert_eq!(String::from_utf8(out.stdout).unwrap().trim(), api_body.trim(), "`matrix --json` prints the API's JSON");
    assert_eq!(serde_json::from_str::<serde_json::Value>(&api_body).unwrap(), analyzed, "analyze and up agree");

    // Filters and errors.
    let (code, body) = get(&up.url("/v1/adoption-matrix?from=2027-01-01")).unwrap();
    assert_eq!((code, body.contains("\"people\":[]")), (200, true), "{body}");
    let (code, body) = get(&up.url("/v1/adoption-matrix?from=yesterday")).unwrap();
    assert_eq!(code, 400, "{body}");
    assert!(body.contains("`from` must be"), "{body}");
    let (code, body) = get(&up.url("/v1/adoption-matrix?colour=blue")).unwrap();
    assert_eq!(code, 400, "unknown parameters are refused: {body}");
    let (code, _) = get(&up.url("/v1/sessions/nope")).unwrap();
    assert_eq!(code, 404);
    let sessions = up.json("/v1/people/ana/sessions");
    assert_eq!(sessions["sessions"][0]["session_id"], "s1");
    let catalog = up.json("/v1/practices");
    assert_eq!(catalog["version"], "2");
    let groups: Vec<&str> =
        catalog["practices"].as_array().unwrap().iter().map(|p| p["group"].as_str().unwrap()).collect();
    assert_eq!(groups.iter().filter(|g| **g == "tool_use").count(), 7);
    assert_eq!(groups.iter().filter(|g| **g == "steering").count(), 6);
    let q = up.json("/v1/rollups/quarterly");
    let org = q["rows"].as_array().unwrap().iter().find(|r| r["organization"] == true).unwrap();
    assert_eq!(org["quarter"], "2026-01-01");
    assert_eq!(org["people_active"], 1);
    let commits = org["practices"].as_array().unwrap().iter().find(|p| p["practice"] == "committing_work").unwrap();
    assert_eq!((commits["people_using"].as_u64(), commits["share_of_people"].as_f64()), (Some(1), Some(1.0)));
    let (code, _) = get(&up.url("/v1/adoption-matrix?team=nobody")).unwrap();
    assert_eq!(code, 200);
    assert_eq!(up.json("/v1/adoption-matrix?team=nobody")["people"], serde_json::json!([]));
    let (_, metrics) = get(&up.url("/metrics")).unwrap();
    assert!(metrics.contains("accrete_collector_events_total{person=\"ana\"} 6"), "{metrics}");

    // Straight from the data folder, after the service stopped.
    up.stop();
    let out =
        run(&["matrix".into(), "--json".into(), "--data-dir".into(), t.path().join("data").display().to_string()]);
    assert_eq!(serde_json::from_slice::<serde_json::Value>(&out.stdout).unwrap(), analyzed);
}

#[test]
fn grpc_answers_the_same_as_http() {
    use accrete_proto::v1::query_service_client::QueryServiceClient;
    use accrete_proto::v1::{MatrixRequest, SessionRequest, StatusRequest, SuggestionsRequest, TrendsRequest};
    let t = tempfile::tempdir().unwrap();
    let claude = fixture(t.path());
    let up = Up::start(&t.path().join("data"), &["--source".into(), format!("ana={}", claude.display())], &[]);
    up.wait_caught_up(Duration::from_secs(30));
    let http = up.json("/v1/adoption-matrix");
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let mut c = QueryServiceClient::connect(up.base.clone()).await.unwrap();
        let m = c.get_adoption_matrix(MatrixRequest::default()).await.unwrap().into_inner();
        assert_eq!(serde_json::to_value(&m).unwrap(), http);
        assert!(c.get_status(StatusRequest {}).await.unwrap().into_inner().caught_up);
        let err = c.get_session(SessionRequest { session_id: "nope".into(), person: String::new() }).await.unwrap_err();
        assert_eq!(err.code(), tonic::Code::NotFound);
        let err = c.get_adoption_matrix(MatrixRequest { from: "soon".into(), ..Default::default() }).await.unwrap_err();
        assert_eq!(err.code(), tonic::Code::InvalidArgument);
        let window = SuggestionsRequest { from: "2000-01-01".into(), to: "2100-01-01".into(), ..Default::default() };
        let s = c.get_suggestions(window).await.unwrap().into_inner();
        let http = up.json("/v1/coaching/suggestions?from=2000-01-01&to=2100-01-01");
        assert_eq!(serde_json::to_value(&s).unwrap(), http);
        let bad = SuggestionsRequest { from: "2026-02-01".into(), to: "2026-01-01".into(), ..Default::default() };
        assert_eq!(c.get_suggestions(bad).await.unwrap_err().code(), tonic::Code::InvalidArgument);
        let tr = TrendsRequest { person: "ana".into(), from: "2000-01-01".into(), ..Default::default() };
        let t = c.get_trends(tr).await.unwrap().into_inner();
        assert_eq!(serde_json::to_value(&t).unwrap(), up.json("/v1/coaching/trends?person=ana&from=2000-01-01"));
        assert!(!t.points.is_empty());
        let err = c.get_trends(TrendsRequest::default()).await.unwrap_err();
        assert_eq!(err.code(), tonic::Code::InvalidArgument);
    });
}

#[test]
fn a_wrong_config_key_stops_start_up_with_its_name() {
    let t = tempfile::tempdir().unwrap();
    let cfg = t.path().join("accrete.toml");
    std::fs::write(&cfg, "listen = \"127.0.0.1:1\"\n[collector]\nmax_line_bites = 5\n").unwrap();
    let out = run(&["--config".into(), cfg.display().to_string(), "analyze".into()]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("max_line_bites"), "{err}");

    let out = std::process::Command::new(BIN)
        .args(["analyze"])
        .env("ACCRETE__PRIVACY__SHARE_CONTENTS", "true")
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("share_contents"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    let out = std::process::Command::new(BIN)
        .args(["analyze"])
        .env("ACCRETE__COLLECTOR__BATCH_MAX_EVENTS", "0")
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&out.stderr).contains("collector.batch_max_events"));

    let good = t.path().join("good.toml");
    let claude = fixture(t.path());
    std::fs::write(&good, format!("[[sources]]\nperson = \"cfg-person\"\npath = \"{}\"\n", claude.display())).unwrap();
    let out = run(&["--config".into(), good.display().to_string(), "analyze".into(), "--json".into()]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains("\"person\":\"cfg-person\""));
}

#[test]
fn a_second_up_on_the_same_data_folder_is_refused() {
    let t = tempfile::tempdir().unwrap();
    let claude = fixture(t.path());
    let src = vec!["--source".to_string(), format!("ana={}", claude.display())];
    let _up = Up::start(&t.path().join("data"), &src, &[]);
    let out = std::process::Command::new(BIN)
        .args(["up", "--listen", "127.0.0.1:0", "--data-dir"])
        .arg(t.path().join("data"))
        .args(&src)
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("another `accrete up` is using the data folder"));
}
