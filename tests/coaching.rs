//! The coaching loop's suggestions on the real corpus, embedded mode: one
//! practice per person with the teammate to learn it from, checked against
//! the matrix of the same window (shares, thresholds, teams), the access
//! rules (a member sees their own, a manager their teams'), and bad input;
//! the trends of a person and a team; and assignments with their check-in,
//! who may make them, and that they survive a restart; the monthly report;
//! who to learn each practice from, with the best example sessions; the
//! cohort distribution per month.
//! `tests/distributed.rs` requires the distributed stack to give the same
//! suggestions for the same corpus.

mod support;

use std::path::Path;
use std::time::Duration;

use serde_json::Value;
use support::*;

const ADMIN: &str = "coach-admin-token-0123456789";
const WEB: &str = "coach-web-manager-token-0123456789";
const MEMBER: &str = "coach-dev2-member-token-0123456789";
const WINDOW: &str = "from=2025-01-01&to=2026-12-01";

fn config(dir: &Path, people: &[String]) -> std::path::PathBuf {
    let teams: Vec<String> = people
        .iter()
        .enumerate()
        .map(|(i, p)| format!("{p} = \"{}\"", if i % 2 == 0 { "web" } else { "platform" }))
        .collect();
    let p = dir.join("accrete.toml");
    std::fs::write(
        &p,
        format!(
            "[teams]\n{}\n\n[[api.tokens]]\ntoken = \"{ADMIN}\"\nrole = \"admin\"\n\n\
             [[api.tokens]]\ntoken = \"{WEB}\"\nrole = \"manager\"\nteams = [\"web\"]\n\n\
             [[api.tokens]]\ntoken = \"{MEMBER}\"\nrole = \"member\"\nperson = \"{}\"\n",
            teams.join("\n"),
            people[1]
        ),
    )
    .unwrap();
    p
}

/// `curl` with the token and `extra` arguments: the status and the body.
fn curl(up: &Up, path: &str, token: &str, extra: &[&str]) -> (u16, String) {
    let out = std::process::Command::new("curl")
        .args(["-s", "-w", "\n%{http_code}", "-H", &format!("Authorization: Bearer {token}")])
        .args(extra)
        .arg(up.url(path))
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    let (body, code) = text.rsplit_once('\n').unwrap();
    (code.parse().unwrap(), body.to_string())
}

fn get_as(up: &Up, path: &str, token: &str) -> (u16, Value) {
    let (code, body) = curl(up, path, token, &[]);
    (code, serde_json::from_str(&body).unwrap_or(Value::Null))
}

fn post_as(up: &Up, path: &str, token: &str, body: &str) -> (u16, Value) {
    let (code, body) = curl(up, path, token, &["-H", "Content-Type: application/json", "-d", body]);
    (code, serde_json::from_str(&body).unwrap_or(Value::Null))
}

fn get_text(up: &Up, path: &str, token: &str) -> (u16, String) {
    curl(up, path, token, &[])
}

fn f(v: &Value) -> f64 {
    v.as_f64().unwrap_or(0.0)
}

#[test]
fn suggestions_follow_the_matrix_and_the_access_rules() {
    let Some(root) = corpus() else { return };
    let sources = corpus_sources(root);
    let people: Vec<String> = sources.chunks(2).map(|p| p[1].split('=').next().unwrap().to_string()).collect();
    let t = tempfile::tempdir().unwrap();
    let mut args = vec!["--config".to_string(), config(t.path(), &people).display().to_string()];
    args.extend(sources);
    let up = Up::start(&t.path().join("data"), &args, &[]);
    up.wait_for(Duration::from_secs(120), || get_as(&up, "/v1/status", ADMIN).1["caught_up"] == true);

    let (code, all) = get_as(&up, &format!("/v1/coaching/suggestions?{WINDOW}"), ADMIN);
    assert_eq!(code, 200, "{all}");
    let (_, m) = get_as(&up, &format!("/v1/adoption-matrix?{WINDOW}"), ADMIN);
    let rows = all["people"].as_array().unwrap();
    assert_eq!(rows.len(), people.len(), "one suggestion row per person");
    let row_of = |p: &str| m["people"].as_array().unwrap().iter().find(|r| r["person"] == p).unwrap().clone();
    let mut suggested = 0;
    for s in rows {
        let (person, team) = (s["person"].as_str().unwrap(), s["team"].as_str().unwrap());
        let mine = row_of(person);
        assert_eq!(s["sessions"], mine["sessions"], "{person}: sessions of the window");
        assert_eq!(mine["team"], team, "{person}: team");
        assert!(["light", "moderate", "heavy"].contains(&s["cohort"].as_str().unwrap()), "{s}");
        assert!(!s["reason"].as_str().unwrap().is_empty(), "{person}: a reason, always");
        let Some(practice) = s["practice"].as_str().filter(|p| !p.is_empty()) else { continue };
        suggested += 1;
        let n = mine["sessions"].as_u64().unwrap() as f64;
        let share = mine["practices"][practice].as_u64().unwrap() as f64 / n;
        assert!((f(&s["share"]) - share).abs() < 0.001, "{person}: share of {practice}");
        assert!(
            share < 0.2 && f(&s["strong_users_share"]) >= 0.5,
            "{person}: rare for them, common for the strong: {s}"
        );
        let teacher = row_of(s["learn_from"].as_str().unwrap());
        assert_ne!(teacher["person"], person);
        assert_eq!(teacher["team"], team, "{person} learns from a teammate");
        let t_share =
            teacher["practices"][practice].as_u64().unwrap() as f64 / teacher["sessions"].as_u64().unwrap() as f64;
        assert!((f(&s["learn_from_share"]) - t_share).abs() < 0.001 && t_share > share, "{s}");
    }
    assert!(suggested >= 2, "the corpus gives some suggestions: {all}");
    eprintln!("{suggested} of {} people have a suggestion", rows.len());
    examples_follow_the_rule(&up, root, &people, &m);
    cohorts_follow_each_months_matrix(&up);

    // A manager sees their teams' people; a member their own row.
    let (code, web) = get_as(&up, &format!("/v1/coaching/suggestions?{WINDOW}"), WEB);
    assert_eq!(code, 200);
    let web_rows = web["people"].as_array().unwrap();
    assert!(!web_rows.is_empty() && web_rows.iter().all(|s| s["team"] == "web"), "{web}");
    let expected: Vec<&Value> = rows.iter().filter(|s| s["team"] == "web").collect();
    assert_eq!(web_rows.iter().collect::<Vec<_>>(), expected, "the same suggestions, scoped");
    assert_eq!(get_as(&up, &format!("/v1/coaching/suggestions?{WINDOW}&team=platform"), WEB).0, 403);
    let (code, me) = get_as(&up, &format!("/v1/coaching/suggestions?{WINDOW}"), MEMBER);
    assert_eq!(code, 200);
    assert_eq!(me["people"].as_array().unwrap().len(), 1);
    assert_eq!(me["people"][0]["person"], people[1].as_str());
    let other = format!("/v1/coaching/suggestions?{WINDOW}&person={}", people[0]);
    assert_eq!(get_as(&up, &other, MEMBER).0, 403);

    // Trends: a person's weeks add up to their sessions of the window, and a
    // practice is adopted when seen in 3 of their last 10 sessions.
    let me = &people[1];
    let (code, tr) = get_as(&up, &format!("/v1/coaching/trends?person={me}&{WINDOW}"), ADMIN);
    assert_eq!(code, 200, "{tr}");
    let points = tr["points"].as_array().unwrap();
    let total: u64 = points.iter().map(|p| p["sessions"].as_u64().unwrap()).sum();
    assert_eq!(total, row_of(me)["sessions"].as_u64().unwrap(), "weekly sessions add up: {tr}");
    assert!(
        points.iter().all(|p| p["people"] == 1
            && p["share"].as_object().unwrap().len() == m["practice_ids"].as_array().unwrap().len())
    );
    for a in tr["adoption"].as_array().unwrap() {
        assert_eq!(a["adopted"], a["seen"].as_u64().unwrap() >= 3, "{a}");
        assert!(a["of"].as_u64().unwrap() <= 10);
    }
    // A member gets their own without asking; a manager a team of theirs.
    let (code, mine) = get_as(&up, &format!("/v1/coaching/trends?{WINDOW}&bucket=month"), MEMBER);
    assert_eq!(code, 200, "{mine}");
    let month_total: u64 = mine["points"].as_array().unwrap().iter().map(|p| p["sessions"].as_u64().unwrap()).sum();
    assert_eq!((mine["bucket"].as_str(), month_total), (Some("month"), total));
    assert_eq!(get_as(&up, &format!("/v1/coaching/trends?{WINDOW}&person={}", people[0]), MEMBER).0, 403);
    let (code, team) = get_as(&up, &format!("/v1/coaching/trends?{WINDOW}&team=web"), WEB);
    assert_eq!(code, 200, "{team}");
    let web_people = rows.iter().filter(|s| s["team"] == "web").count() as u64;
    assert!(team["adoption"].as_array().unwrap().iter().all(|a| a["people"] == web_people), "{team}");
    assert_eq!(get_as(&up, &format!("/v1/coaching/trends?{WINDOW}&team=platform"), WEB).0, 403);
    assert_eq!(get_as(&up, "/v1/coaching/trends", ADMIN).0, 400, "a person or a team is needed");
    assert_eq!(get_as(&up, "/v1/coaching/trends?team=web&bucket=day", ADMIN).0, 400);

    // Assignments: a manager assigns within their teams; the check-in
    // matches the matrix of the cycle and of as long before it.
    let web_person = rows.iter().find(|s| s["team"] == "web").unwrap()["person"].as_str().unwrap().to_string();
    let body = format!(
        r#"{{"person": "{web_person}", "practice": "task_tracking", "start": "2026-01-05", "weeks": 2, "note": "try TodoWrite"}}"#
    );
    let (code, a) = post_as(&up, "/v1/coaching/assignments", WEB, &body);
    assert_eq!(code, 201, "{a}");
    let (_, cycle) =
        get_as(&up, &format!("/v1/adoption-matrix?person={web_person}&from=2026-01-05&to=2026-01-19"), ADMIN);
    let (_, before) =
        get_as(&up, &format!("/v1/adoption-matrix?person={web_person}&from=2025-12-22&to=2026-01-05"), ADMIN);
    let count = |m: &Value, k: &str| {
        m["people"].get(0).map_or(0, |r| {
            if k.is_empty() { r["sessions"].as_u64().unwrap() } else { r["practices"][k].as_u64().unwrap() }
        })
    };
    assert_eq!(
        (a["sessions_since"].as_u64(), a["sessions_showing"].as_u64()),
        (Some(count(&cycle, "")), Some(count(&cycle, "task_tracking"))),
        "{a}"
    );
    assert_eq!(a["sessions_before"].as_u64(), Some(count(&before, "")), "{a}");
    assert_eq!(
        (a["ends"].as_str(), a["assigned_by"].as_str(), a["note"].as_str()),
        (Some("2026-01-19"), Some("manager of web"), Some("try TodoWrite"))
    );
    let expected_verdict = if count(&cycle, "task_tracking") == 0 { vec!["not yet"] } else { vec!["tried", "adopted"] };
    assert!(expected_verdict.contains(&a["verdict"].as_str().unwrap()), "{a}");
    let mine = format!(r#"{{"person": "{}", "practice": "plan_mode", "start": "2026-01-12"}}"#, people[1]);
    assert_eq!(post_as(&up, "/v1/coaching/assignments", ADMIN, &mine).0, 201);
    // Outside a manager's teams, a member, bad fields: refused, nothing written.
    assert_eq!(post_as(&up, "/v1/coaching/assignments", WEB, &mine).0, 403);
    assert_eq!(post_as(&up, "/v1/coaching/assignments", MEMBER, &mine).0, 403);
    let (code, e) =
        post_as(&up, "/v1/coaching/assignments", ADMIN, r#"{"person": "nobody-x", "practice": "plan_mode"}"#);
    assert!(code == 400 && e["error"].as_str().unwrap().contains("`person`"), "{e}");
    let bad = format!(r#"{{"person": "{web_person}", "practice": "yoga"}}"#);
    let (code, e) = post_as(&up, "/v1/coaching/assignments", WEB, &bad);
    assert!(code == 400 && e["error"].as_str().unwrap().contains("`practice`"), "{e}");
    let weeks = format!(r#"{{"person": "{web_person}", "practice": "plan_mode", "weeks": 99}}"#);
    assert_eq!(post_as(&up, "/v1/coaching/assignments", WEB, &weeks).0, 400);
    assert_eq!(post_as(&up, "/v1/coaching/assignments", WEB, "{not json").0, 400);
    let extra = format!(r#"{{"person": "{web_person}", "practice": "plan_mode", "due": "soon"}}"#);
    assert_eq!(post_as(&up, "/v1/coaching/assignments", WEB, &extra).0, 400);
    let list =
        |token: &str| get_as(&up, "/v1/coaching/assignments", token).1["assignments"].as_array().unwrap().clone();
    assert_eq!(list(ADMIN).len(), 2, "two written, the refused ones not");
    assert_eq!(list(WEB).len(), 1);
    assert_eq!(list(MEMBER).iter().map(|a| a["person"].as_str().unwrap()).collect::<Vec<_>>(), [people[1].as_str()]);
    // The monthly report: the assignment that ended in January is in its
    // team's report, over the API and from `accrete report`.
    let (code, md) = get_text(&up, "/v1/coaching/report?month=2026-01&team=web", WEB);
    assert_eq!(code, 200, "{md}");
    assert!(md.starts_with("# Coaching report, 2026-01") && md.contains("## Team web"), "{md}");
    assert!(md.contains(&format!("- {web_person}, Task tracking: ")), "the ended assignment: {md}");
    assert!(md.contains("**Focus for next month**") && !md.contains("## Team platform"), "{md}");
    let (code, page) = get_text(&up, "/v1/coaching/report?month=2026-01&format=html", ADMIN);
    assert!(code == 200 && page.contains("<h2>Team web</h2>") && page.contains("<h2>Team platform</h2>"), "{page}");
    assert_eq!(get_text(&up, "/v1/coaching/report?month=2026-01", MEMBER).0, 403);
    assert_eq!(get_text(&up, "/v1/coaching/report?month=2026-01&team=platform", WEB).0, 403);
    assert_eq!(get_text(&up, "/v1/coaching/report?month=January", ADMIN).0, 400);
    assert_eq!(get_text(&up, "/v1/coaching/report?month=2026-01&format=pdf", ADMIN).0, 400);
    let reports = t.path().join("reports");
    let cli = run(&[
        "report".into(),
        "--month".into(),
        "2026-01".into(),
        "--data-dir".into(),
        t.path().join("data").display().to_string(),
        "--out".into(),
        reports.display().to_string(),
    ]);
    assert!(cli.status.success(), "{}", String::from_utf8_lossy(&cli.stderr));
    assert_eq!(std::fs::read_to_string(reports.join("report-2026-01-web.md")).unwrap(), md, "CLI = API");
    assert!(reports.join("report-2026-01-platform.html").is_file());

    // They survive a restart.
    let before_restart = list(ADMIN);
    up.stop();
    let up = Up::start(&t.path().join("data"), &args, &[]);
    let list =
        |token: &str| get_as(&up, "/v1/coaching/assignments", token).1["assignments"].as_array().unwrap().clone();
    assert_eq!(list(ADMIN), before_restart, "assignments are stored durably");

    // Bad input, and the default window (the 12 weeks to the end of today).
    let (code, e) = get_as(&up, "/v1/coaching/suggestions?from=yesterday", ADMIN);
    assert!(code == 400 && e["error"].as_str().unwrap().contains("`from`"), "{e}");
    assert_eq!(get_as(&up, "/v1/coaching/suggestions?from=2026-02-01&to=2026-01-01", ADMIN).0, 400);
    assert_eq!(get_as(&up, "/v1/coaching/suggestions?nope=1", ADMIN).0, 400);
    let (code, d) = get_as(&up, "/v1/coaching/suggestions", ADMIN);
    assert_eq!(code, 200);
    assert_eq!(d["to_ms"].as_i64().unwrap() - d["from_ms"].as_i64().unwrap(), 12 * 7 * 86_400_000);
    assert_eq!(get_as(&up, "/v1/coaching/suggestions", "wrong-token-0123456789abcdef").0, 401);
}

/// Lines of a session's own file where the person stopped the agent, read
/// from the raw file (not through the collector).
fn interruptions_in_file(root: &Path, person: &str, session: &str) -> u32 {
    let projects = root.join(person).join(".claude").join("projects");
    let file = std::fs::read_dir(&projects)
        .unwrap()
        .flatten()
        .map(|d| d.path().join(format!("{session}.jsonl")))
        .find(|p| p.is_file())
        .unwrap_or_else(|| panic!("no file for {person}/{session}"));
    let stops = |v: &Value| {
        let text = |t: &Value| t.as_str().is_some_and(|t| t.starts_with("[Request interrupted"));
        let c = &v["message"]["content"];
        text(c) || c.as_array().is_some_and(|b| b.iter().any(|b| b["type"] == "text" && text(&b["text"])))
    };
    std::fs::read_to_string(file)
        .unwrap()
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .filter(|v| v["type"] == "user" && v["isSidechain"] != true && v["isCompactSummary"] != true && stops(v))
        .count() as u32
}

/// Who to learn each practice from: the most consistent people of the
/// matrix (enough sessions, share first), each with at most three sessions
/// showing it, ranked by the documented score, each pointing at the line
/// the drill-down gives as the practice's evidence.
fn examples_follow_the_rule(up: &Up, root: &Path, people: &[String], m: &Value) {
    let (_, cat) = get_as(up, "/v1/practices", ADMIN);
    let rows = m["people"].as_array().unwrap();
    let mut checked = 0;
    let mut with_interruptions = 0;
    for p in cat["practices"].as_array().unwrap() {
        let practice = p["id"].as_str().unwrap();
        let (code, ex) = get_as(up, &format!("/v1/coaching/examples?practice={practice}&{WINDOW}"), ADMIN);
        assert_eq!(code, 200, "{ex}");
        let share =
            |r: &Value| r["practices"][practice].as_u64().unwrap() as f64 / r["sessions"].as_u64().unwrap() as f64;
        let mut eligible: Vec<&Value> =
            rows.iter().filter(|r| r["sessions"].as_u64().unwrap() >= 3 && r["practices"][practice] != 0).collect();
        eligible
            .sort_by(|a, b| share(b).total_cmp(&share(a)).then(b["sessions"].as_u64().cmp(&a["sessions"].as_u64())));
        let teachers = ex["people"].as_array().unwrap();
        assert_eq!(teachers.len(), eligible.len().min(3), "{practice}: {ex}");
        if teachers.is_empty() {
            assert!(ex["reason"].as_str().unwrap().contains("nobody"), "{ex}");
            continue;
        }
        for (t, r) in teachers.iter().zip(&eligible) {
            assert!((f(&t["share"]) - share(r)).abs() < 0.001, "{practice}: {t}");
            let person = t["person"].as_str().unwrap();
            let examples = t["examples"].as_array().unwrap();
            assert!(!examples.is_empty() && examples.len() <= 3, "{t}");
            let scores: Vec<f64> = examples.iter().map(|e| f(&e["score"])).collect();
            assert!(scores.windows(2).all(|w| w[0] >= w[1]), "best first: {t}");
            for e in examples {
                let expected = (1.0 - f(&e["position"])) + if e["committed"] == true { 1.0 } else { 0.0 }
                    - (0.25 * e["interruptions"].as_f64().unwrap_or(0.0)).min(1.0);
                assert!((f(&e["score"]) - expected).abs() < 0.002, "the documented score: {e}");
                let id = e["session_id"].as_str().unwrap();
                assert_eq!(
                    e["interruptions"].as_u64().unwrap_or(0),
                    interruptions_in_file(root, person, id) as u64,
                    "{person}/{id}"
                );
                with_interruptions += (e["interruptions"].as_u64().unwrap_or(0) > 0) as u32;
                if checked < 12 {
                    let (_, d) = get_as(up, &format!("/v1/sessions/{id}?person={person}"), ADMIN);
                    let ev = d["evidence"].as_array().unwrap().iter().find(|x| x["practice"] == practice).cloned();
                    let ev = ev.unwrap_or_else(|| panic!("{person}/{id} shows {practice}: {d}"));
                    assert_eq!((&ev["line"], &ev["agent_id"]), (&e["line"], &e["agent_id"]), "{e}");
                    let committed =
                        d["summary"]["practices"].as_array().unwrap().iter().any(|x| x == "committing_work");
                    assert_eq!(e["committed"] == true, committed, "{e}");
                    checked += 1;
                }
            }
        }
    }
    assert!(checked >= 6, "examples were checked against the drill-down");
    eprintln!("{checked} examples checked against the drill-down, {with_interruptions} with interruptions");

    // Scoped: a manager among their teams, a member among their own sessions.
    let (code, web) = get_as(up, &format!("/v1/coaching/examples?practice=task_tracking&{WINDOW}"), WEB);
    assert_eq!(code, 200, "{web}");
    assert!(web["people"].as_array().unwrap().iter().all(|t| t["team"] == "web"), "{web}");
    let (code, mine) = get_as(up, &format!("/v1/coaching/examples?practice=task_tracking&{WINDOW}"), MEMBER);
    assert_eq!(code, 200, "{mine}");
    assert!(mine["people"].as_array().unwrap().iter().all(|t| t["person"] == people[1].as_str()), "{mine}");
    let other = format!("/v1/coaching/examples?practice=task_tracking&person={}", people[0]);
    assert_eq!(get_as(up, &other, MEMBER).0, 403);
    assert_eq!(get_as(up, "/v1/coaching/examples?practice=task_tracking&team=platform", WEB).0, 403);
    let (code, e) = get_as(up, "/v1/coaching/examples?practice=yoga", ADMIN);
    assert!(code == 400 && e["error"].as_str().unwrap().contains("`practice`"), "{e}");
    assert_eq!(get_as(up, "/v1/coaching/examples", ADMIN).0, 400);
}

/// The cohort distribution: each month's counts are the cohort rule applied
/// to that month's matrix, person by person (breadth: practices in at least
/// a fifth of their sessions; sessions per week over the month's days).
fn cohorts_follow_each_months_matrix(up: &Up) {
    let (code, c) = get_as(up, &format!("/v1/coaching/cohorts?{WINDOW}"), ADMIN);
    assert_eq!(code, 200, "{c}");
    let points = c["points"].as_array().unwrap();
    assert!(!points.is_empty(), "{c}");
    let mut people_months = 0;
    for p in points {
        let start = p["start"].as_str().unwrap();
        let (y, mo): (i32, u32) = (start[..4].parse().unwrap(), start[5..7].parse().unwrap());
        let next = if mo == 12 { format!("{}-01-01", y + 1) } else { format!("{y}-{:02}-01", mo + 1) };
        let days = {
            let t = |s: &str| accrete_common::time::parse_rfc3339_ms(s).unwrap();
            (t(&next) - t(start)) as f64 / 86_400_000.0
        };
        let (_, m) = get_as(up, &format!("/v1/adoption-matrix?from={start}&to={next}"), ADMIN);
        let mut want = [0u64; 3];
        for r in m["people"].as_array().unwrap() {
            let n = r["sessions"].as_u64().unwrap();
            if n == 0 {
                continue;
            }
            let breadth =
                r["practices"].as_object().unwrap().values().filter(|v| v.as_f64().unwrap() / n as f64 >= 0.2).count();
            let per_week = n as f64 / (days / 7.0);
            let i = if breadth >= 6 && per_week >= 3.0 {
                2
            } else if breadth >= 3 && per_week >= 1.0 {
                1
            } else {
                0
            };
            want[i] += 1;
            people_months += 1;
        }
        let got: Vec<u64> = p["cohorts"].as_array().unwrap().iter().map(|x| x["people"].as_u64().unwrap()).collect();
        assert_eq!(got, want, "{start}: light, moderate, heavy: {p}");
    }
    eprintln!("cohorts: {} months, {people_months} person-months placed as the matrix says", points.len());
    let (code, q) = get_as(up, &format!("/v1/coaching/cohorts?{WINDOW}&bucket=quarter"), ADMIN);
    assert!(code == 200 && q["points"][0]["start"].as_str().unwrap().ends_with("-01"), "{q}");
    // Team data: a manager's teams, no member; bad input named.
    let (code, web) = get_as(up, &format!("/v1/coaching/cohorts?{WINDOW}"), WEB);
    assert_eq!(code, 200, "{web}");
    let total = |v: &Value| v["points"].as_array().unwrap().iter().map(|p| p["people"].as_u64().unwrap()).sum::<u64>();
    assert!(total(&web) > 0 && total(&web) < total(&c), "a manager sees their team's people only: {web}");
    let (_, web_too) = get_as(up, &format!("/v1/coaching/cohorts?{WINDOW}&team=web"), ADMIN);
    assert_eq!(web_too["points"], web["points"]);
    assert_eq!(get_as(up, "/v1/coaching/cohorts", MEMBER).0, 403);
    assert_eq!(get_as(up, "/v1/coaching/cohorts?team=platform", WEB).0, 403);
    let (code, e) = get_as(up, "/v1/coaching/cohorts?bucket=week", ADMIN);
    assert!(code == 400 && e["error"].as_str().unwrap().contains("`bucket`"), "{e}");
    let (code, d) = get_as(up, "/v1/coaching/cohorts", ADMIN);
    assert_eq!(code, 200, "{d}");
    let from = accrete_common::time::format_rfc3339_ms(d["from_ms"].as_i64().unwrap());
    assert!(from.ends_with("-01T00:00:00.000Z") || from.ends_with("-01T00:00:00Z"), "{from}");
}
