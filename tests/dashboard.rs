//! The dashboard in a real browser: headless Chromium renders the matrix,
//! a person's sessions and a session's drill-down from a live `accrete up`;
//! and, driven by Playwright, the coaching flow: open a person, see the
//! suggestion and the trend chart, assign it, see it on the person's page.
//! Needs Debian's `chromium` (scripts/test.sh installs it); without it the
//! test says so and passes, unless `ACCRETE_REQUIRE_BROWSER=1` (CI).

#[path = "support/lines.rs"]
mod lines;
mod support;

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use support::*;

fn have_chromium() -> bool {
    let found = ["chromium", "chromium-browser"].iter().any(|c| {
        Command::new("sh").arg("-c").arg(format!("command -v {c}")).output().is_ok_and(|o| o.status.success())
    });
    if !found {
        let msg = "chromium is not installed (apt-get install chromium; scripts/test.sh does it)";
        if std::env::var("ACCRETE_REQUIRE_BROWSER").as_deref() == Ok("1") {
            panic!("{msg}");
        }
        eprintln!("SKIPPED: {msg}");
    }
    found
}

/// Renders `url` and returns the DOM after the page's scripts ran.
fn render(url: &str, out: &Path) -> String {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/browser-check.sh");
    let o = Command::new("bash").arg(script).arg(url).arg(out).output().unwrap();
    assert!(
        o.status.success(),
        "browser-check failed: {}\n{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    std::fs::read_to_string(out.join("dom.html")).unwrap()
}

#[test]
fn dashboard_renders_matrix_sessions_and_drill_down_in_chromium() {
    if !have_chromium() {
        return;
    }
    let t = tempfile::tempdir().unwrap();
    // The real corpus when present (7+ people), else a small fixture.
    let sources = match corpus() {
        Some(root) => corpus_sources(root),
        None => {
            let claude = t.path().join("claude");
            lines::session_file(&claude, "s1", &[lines::user("s1", "hi"), lines::commit("s1"), lines::todo("s1")]);
            vec!["--source".into(), format!("dev2={}", claude.display())]
        }
    };
    let up = Up::start(&t.path().join("data"), &sources, &[]);
    up.wait_caught_up(Duration::from_secs(120));
    let matrix = up.json("/v1/adoption-matrix");
    let shots = Path::new(env!("CARGO_TARGET_TMPDIR")).join("dashboard");

    let dom = render(&up.url("/#/"), &shots.join("matrix"));
    assert!(dom.contains("data-ready=\"matrix\""), "matrix view did not finish rendering:\n{dom}");
    assert!(dom.contains("id=\"matrix\""));
    for p in matrix["people"].as_array().unwrap() {
        let person = p["person"].as_str().unwrap();
        assert!(dom.contains(&format!("data-person=\"{person}\"")), "row for {person}");
        // The person's own committing_work cell (it links to their sessions) shows the API's count.
        let commits = p["practices"]["committing_work"].as_u64().unwrap();
        let link = format!("data-href=\"#/people/{person}?practice=committing_work\"");
        let at = dom.find(&link).unwrap_or_else(|| panic!("no committing_work cell for {person}"));
        let cell = &dom[dom[..at].rfind("<td").unwrap()..at];
        assert!(cell.contains(&format!("data-count=\"{commits}\"")), "committing_work cell of {person}: {cell}");
        if p["power_user"] == true {
            let row = format!("<tr class=\"power-user\" data-person=\"{person}\"");
            assert!(dom.contains(&row), "power user {person} is highlighted");
        }
    }

    // Columns grouped "tool use" / "how you steer", each with its description on hover.
    assert!(dom.contains("data-group=\"tool_use\"") && dom.contains("How you steer"), "practice groups");
    let catalog = up.json("/v1/practices");
    for p in catalog["practices"].as_array().unwrap() {
        let header = format!("data-practice-header=\"{}\"", p["id"].as_str().unwrap());
        let at = dom.find(&header).unwrap_or_else(|| panic!("no column for {p}"));
        let th = &dom[dom[..at].rfind("<th").unwrap()..at + dom[at..].find('>').unwrap()];
        let description = p["description"].as_str().unwrap().replace('\'', "&#39;").replace('"', "&quot;");
        assert!(
            th.contains(&format!("title=\"{description}\"")) || th.contains(p["description"].as_str().unwrap()),
            "hover description of {}: {th}",
            p["id"]
        );
        assert!(th.contains(&format!("data-group=\"{}\"", p["group"].as_str().unwrap())), "{th}");
    }

    let person = matrix["people"][0]["person"].as_str().unwrap().to_string();
    let dom = render(&up.url(&format!("/#/people/{person}")), &shots.join("sessions"));
    assert!(dom.contains("data-ready=\"sessions\""), "sessions view:\n{dom}");
    let sessions = up.json(&format!("/v1/people/{person}/sessions"));
    let first = sessions["sessions"][0]["session_id"].as_str().unwrap().to_string();
    assert!(dom.contains(&format!("data-session=\"{first}\"")));

    // Drill into a session that shows a practice.
    let with_practice = sessions["sessions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| !s["practices"].as_array().unwrap().is_empty())
        .expect("a session with a practice");
    let id = with_practice["session_id"].as_str().unwrap();
    let dom = render(&up.url(&format!("/#/sessions/{id}?person={person}")), &shots.join("session"));
    assert!(dom.contains("data-ready=\"session\""), "drill-down:\n{dom}");
    assert!(dom.contains("id=\"session-detail\""));
    let practice = with_practice["practices"][0].as_str().unwrap();
    assert!(dom.contains(&format!("data-practice=\"{practice}\"")), "evidence for {practice}");
    // Judgement marks show where in the session they happened.
    assert!(dom.contains("class=\"ev-pos\""), "timeline position of the evidence");
    eprintln!("screenshots in {}", shots.display());
}

/// playwright-core's folder (scripts/install-test-deps.sh puts it there).
fn playwright() -> Option<std::path::PathBuf> {
    let dir =
        Path::new(&std::env::var("HOME").unwrap_or_default()).join(".cache/accrete/node/node_modules/playwright-core");
    if dir.join("package.json").is_file() {
        return Some(dir);
    }
    let msg = format!("playwright-core is not in {} (scripts/test.sh installs it)", dir.display());
    assert!(std::env::var("ACCRETE_REQUIRE_BROWSER").as_deref() != Ok("1"), "{msg}");
    eprintln!("SKIPPED: {msg}");
    None
}

#[test]
fn the_coaching_flow_suggest_assign_and_see_it_in_chromium() {
    if !have_chromium() {
        return;
    }
    let (Some(root), Some(pw)) = (corpus(), playwright()) else { return };
    let t = tempfile::tempdir().unwrap();
    let sources = corpus_sources(root);
    // Two teams, so people have teammates to learn from.
    let teams: Vec<String> = sources
        .chunks(2)
        .enumerate()
        .map(|(i, p)| {
            format!("{} = \"{}\"", p[1].split('=').next().unwrap(), if i % 2 == 0 { "web" } else { "platform" })
        })
        .collect();
    let cfg = t.path().join("accrete.toml");
    std::fs::write(&cfg, format!("[teams]\n{}\n", teams.join("\n"))).unwrap();
    let mut args = vec!["--config".to_string(), cfg.display().to_string()];
    args.extend(sources);
    let up = Up::start(&t.path().join("data"), &args, &[]);
    up.wait_caught_up(Duration::from_secs(120));
    let window = "from=2025-01-01&to=2026-12-01";
    let all = up.json(&format!("/v1/coaching/suggestions?{window}"));
    let pick =
        all["people"].as_array().unwrap().iter().find(|s| s["practice"] != "").expect("someone has a suggestion");
    let (person, practice) = (pick["person"].as_str().unwrap(), pick["practice"].as_str().unwrap());

    let shots = Path::new(env!("CARGO_TARGET_TMPDIR")).join("dashboard").join("coaching");
    std::fs::create_dir_all(&shots).unwrap();
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/browser/coaching-flow.mjs");
    let out = Command::new("node")
        .arg(script)
        .arg(up.url(&format!("/#/people/{person}?{window}")))
        .arg(&shots)
        .env("PLAYWRIGHT_CORE", &pw)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "coaching flow: {}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let found: serde_json::Value = serde_json::from_slice(out.stdout.trim_ascii()).unwrap();
    assert_eq!(found["practice"], practice, "the page shows the API's suggestion: {found}");
    assert!(
        found["series"].as_u64().unwrap() >= 1 && found["chart_pixels"].as_u64().unwrap() > 200,
        "the chart drew lines: {found}"
    );
    assert_eq!(found["before"], 0, "{found}");
    assert_eq!(
        found["after"],
        serde_json::json!([[practice, "in progress"]]),
        "the assignment is on the page: {found}"
    );
    assert_eq!(found["after_reload"], 1, "{found}");
    assert_eq!(found["errors"], serde_json::json!([]), "no script errors: {found}");
    // The example links are the API's examples of the teammate to learn from,
    // and the first opened the drill-down at the line that shows the practice.
    let teacher = pick["learn_from"].as_str().unwrap();
    let ex = up.json(&format!("/v1/coaching/examples?practice={practice}&person={teacher}&{window}"));
    let expected: Vec<String> = ex["people"][0]["examples"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            let agent = e["agent_id"].as_str().unwrap();
            let agent = if agent.is_empty() { String::new() } else { format!("&agent={agent}") };
            format!("#/sessions/{}?person={teacher}&line={}{agent}", e["session_id"].as_str().unwrap(), e["line"])
        })
        .collect();
    assert!(!expected.is_empty(), "{ex}");
    assert_eq!(found["examples"], serde_json::json!(expected), "{found}");
    let first = &ex["people"][0]["examples"][0];
    assert_eq!(found["moment"]["line"], first["line"].to_string(), "{found}");
    assert_eq!(found["moment"]["agent"], first["agent_id"], "{found}");
    assert_eq!(found["moment"]["visible"], true, "scrolled to the moment: {found}");
    assert!(found["moment"]["practices"].as_array().unwrap().iter().any(|p| p == practice), "{found}");
    let teachers = up.json(&format!("/v1/coaching/examples?practice={practice}&{window}"));
    let names: Vec<&serde_json::Value> = teachers["people"].as_array().unwrap().iter().map(|t| &t["person"]).collect();
    assert_eq!(found["teachers"], serde_json::json!(names), "the practice page lists the API's people: {found}");
    assert!(found["teacher_links"].as_u64().unwrap() >= names.len() as u64, "{found}");
    let cohorts = up.json(&format!("/v1/coaching/cohorts?{window}"));
    assert_eq!(found["cohort_points"], cohorts["points"].as_array().unwrap().len(), "{found}");
    assert!(found["cohort_pixels"].as_u64().unwrap() > 100, "the cohort chart drew: {found}");
    // The team page: the team's weekly trend drawn, and its cohorts.
    let team = pick["team"].as_str().unwrap();
    assert_eq!(found["team_href"], format!("#/teams/{team}?{window}"), "{found}");
    assert!(found["team_series"].as_u64().unwrap() >= 1 && found["team_pixels"].as_u64().unwrap() > 200, "{found}");
    let team_cohorts = up.json(&format!("/v1/coaching/cohorts?team={team}&{window}"));
    assert_eq!(found["team_cohort_points"], team_cohorts["points"].as_array().unwrap().len(), "{found}");
    for shot in ["person-before.png", "person-assigned.png", "example-moment.png", "practice-teachers.png", "team.png"]
    {
        assert!(std::fs::metadata(shots.join(shot)).unwrap().len() > 20_000, "{shot}");
    }
    // One card, not a page: smaller, but a drawn chart is still well above a blank one.
    assert!(std::fs::metadata(shots.join("cohorts.png")).unwrap().len() > 8_000, "cohorts.png");
    let stored = up.json(&format!("/v1/coaching/assignments?person={person}"));
    assert_eq!(stored["assignments"][0]["practice"], practice);
    eprintln!("coaching flow: {person} assigned {practice}; screenshots in {}", shots.display());
}

#[test]
fn dashboard_shows_other_agents_with_na_and_filters_by_agent_in_chromium() {
    if !have_chromium() {
        return;
    }
    let t = tempfile::tempdir().unwrap();
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/agents");
    let claude = t.path().join("claude");
    lines::session_file(&claude, "s1", &[lines::user("s1", "hi"), lines::commit("s1")]);
    let sources = vec![
        "--source".into(),
        format!("cl={}", claude.display()),
        "--source".into(),
        format!("codex:cx={}", fixtures.join("codex").display()),
        "--source".into(),
        format!("gemini:gm={}", fixtures.join("gemini").display()),
    ];
    let up = Up::start(&t.path().join("data"), &sources, &[]);
    up.wait_caught_up(Duration::from_secs(60));
    let shots = Path::new(env!("CARGO_TARGET_TMPDIR")).join("dashboard-agents");
    let dom = render(&up.url("/#/"), &shots.join("all"));
    assert!(dom.contains("data-ready=\"matrix\""), "matrix view:\n{dom}");
    // Codex has no counterpart for saved commands: its cell says n/a, not 0 %.
    let link = "data-href=\"#/people/cx?practice=saved_commands\"";
    let at = dom.find(link).unwrap_or_else(|| panic!("no saved_commands cell for cx"));
    let cell = &dom[dom[..at].rfind("<td").unwrap()..at + dom[at..].find("</td>").unwrap()];
    assert!(cell.contains("data-na=\"1\"") && cell.contains("n/a"), "{cell}");
    let at = dom.find("data-href=\"#/people/gm?practice=saved_commands\"").unwrap();
    let cell = &dom[dom[..at].rfind("<td").unwrap()..at];
    assert!(!cell.contains("data-na=\"1\""), "Gemini has custom commands: {cell}");
    assert!(dom.contains("data-agents=\"codex\"") && dom.contains("data-agents=\"gemini\""), "agents under the names");
    assert!(dom.contains("id=\"filter-agent\""));

    let dom = render(&up.url("/#/?agent=codex"), &shots.join("codex"));
    assert!(dom.contains("data-ready=\"matrix\""), "matrix view:\n{dom}");
    assert!(
        dom.contains("data-person=\"cx\"")
            && !dom.contains("data-person=\"gm\"")
            && !dom.contains("data-person=\"cl\"")
    );
    up.stop();
}
