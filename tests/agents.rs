//! Codex CLI and Gemini CLI session files, read from the sanitized real
//! samples in `tests/fixtures/agents/` and checked against the counts in
//! each folder's `oracle.toml` (written by hand from reading the files, not
//! by this parser), then followed live by `accrete up`.

#[path = "support/lines.rs"]
mod lines;
mod support;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use lines::append;
use serde_json::Value;
use support::*;

const WAIT: Duration = Duration::from_secs(30);

fn fixtures(agent: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/agents").join(agent)
}

fn oracle(agent: &str) -> toml::Table {
    let text = std::fs::read_to_string(fixtures(agent).join("oracle.toml")).unwrap();
    toml::from_str(&text).unwrap()
}

/// `accrete collect --dry-run` over one source: the events, and the log.
fn dry_run(source: &str, extra: &[&str]) -> (Vec<Value>, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_accrete"))
        .args(["collect", "--dry-run", "--source", source])
        .args(extra)
        .env("RUST_LOG", "info")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(out.status.success(), "{stderr}");
    let stdout = String::from_utf8(out.stdout).unwrap();
    (stdout.lines().map(|l| serde_json::from_str(l).unwrap()).collect(), stderr)
}

fn int(t: &toml::Table, key: &str) -> u64 {
    t.get(key).and_then(toml::Value::as_integer).unwrap_or_else(|| panic!("oracle lacks `{key}`")) as u64
}

fn is(ev: &Value, key: &str, want: &str) -> bool {
    ev[key].as_str().unwrap_or("") == want
}

fn calls(evs: &[&Value]) -> Vec<Value> {
    evs.iter().flat_map(|e| e["tool_calls"].as_array().cloned().unwrap_or_default()).collect()
}

fn count_calls(evs: &[&Value], name: &str) -> u64 {
    calls(evs).iter().filter(|c| c["name"] == name).count() as u64
}

fn count_signal(evs: &[&Value], signal: &str) -> u64 {
    calls(evs).iter().filter(|c| c["signals"].as_array().is_some_and(|s| s.iter().any(|x| x == signal))).count() as u64
}

/// A person-typed prompt: a main-thread user event that is not injected
/// context and holds no tool result.
fn typed(ev: &Value) -> bool {
    is(ev, "line_type", "user")
        && ev["is_meta"] != true
        && ev["is_sidechain"] != true
        && ev["tool_results"].as_u64().unwrap_or(0) == 0
}

/// The events of one fixture file. A sub-agent's file belongs to its
/// parent's session (its own id is the agent id), as a Claude Code
/// subagent's file does.
fn file_events<'e>(events: &'e [Value], o: &toml::Table) -> Vec<&'e Value> {
    let session = o["session_id"].as_str().unwrap();
    let (sid, aid) = match o.get("parent_session_id").and_then(toml::Value::as_str) {
        Some(parent) => (parent, session),
        None => (session, ""),
    };
    events.iter().filter(|e| is(e, "session_id", sid) && e["agent_id"].as_str().unwrap_or("") == aid).collect()
}

/// Sessions of an oracle's files (a sub-agent's file is not one).
fn sessions_in<'t>(files: impl IntoIterator<Item = &'t toml::Table>) -> usize {
    files.into_iter().filter(|o| o.get("parent_session_id").is_none()).count()
}

fn codex_files(files: &toml::Table) -> Vec<&toml::Table> {
    files["file"].as_table().unwrap().values().map(|v| v.as_table().unwrap()).collect()
}

#[test]
fn codex_rollouts_match_the_oracle() {
    let (events, log) = dry_run(&format!("codex:ana={}", fixtures("codex").display()), &[]);
    assert!(events.iter().all(|e| e["agent"] == "codex"), "every event names its agent");
    let files = oracle("codex");
    let mut unknown = 0;
    for (path, o) in files["file"].as_table().unwrap() {
        let o = o.as_table().unwrap();
        let evs = file_events(&events, o);
        assert!(!evs.is_empty(), "{path}: no events");
        let sidechain = o.get("is_subagent").and_then(toml::Value::as_bool) == Some(true);
        assert!(evs.iter().all(|e| (e["is_sidechain"] == true) == sidechain), "{path}: sidechain");
        let got = |what: &str| -> u64 {
            match what {
                "typed_prompts" => evs.iter().filter(|e| typed(e)).count() as u64,
                "assistant_messages" => evs
                    .iter()
                    .filter(|e| {
                        is(e, "line_type", "assistant") && e["tool_calls"].as_array().is_none_or(|c| c.is_empty())
                    })
                    .count() as u64,
                "edits" => count_calls(&evs, "apply_patch"),
                "git_commits" => count_signal(&evs, "git_commit"),
                "compactions" => evs.iter().filter(|e| is(e, "system_subtype", "compact_boundary")).count() as u64,
                "manual_compactions" => evs
                    .iter()
                    .filter(|e| is(e, "system_subtype", "compact_boundary") && is(e, "compact_trigger", "manual"))
                    .count() as u64,
                "plan_updates" => count_calls(&evs, "update_plan"),
                "subagent_spawns" => count_calls(&evs, "spawn_agent"),
                "interrupted_turns" => evs.iter().filter(|e| e["interrupted"] == true).count() as u64,
                _ => unreachable!(),
            }
        };
        for key in [
            "typed_prompts",
            "assistant_messages",
            "edits",
            "git_commits",
            "compactions",
            "manual_compactions",
            "plan_updates",
            "subagent_spawns",
            "interrupted_turns",
        ] {
            assert_eq!(got(key), int(o, key), "{path}: {key}");
        }
        // Every tool call is there; `apply_patch` run through the shell is
        // read as the patch it is.
        let want_calls: u64 =
            o["tool_calls"].as_table().unwrap().values().map(|v| v.as_integer().unwrap() as u64).sum();
        assert_eq!(calls(&evs).len() as u64, want_calls, "{path}: tool calls");
        let plan = evs.iter().any(|e| is(e, "permission_mode", "plan"));
        assert_eq!(plan, o["plan_mode"].as_bool().unwrap(), "{path}: plan mode");
        let model = o["model"].as_str().unwrap();
        if !model.is_empty() {
            assert!(evs.iter().any(|e| is(e, "model", model)), "{path}: model {model}");
        }
        let version = o["cli_version"].as_str().unwrap();
        assert!(evs.iter().all(|e| is(e, "claude_version", version)), "{path}: the CLI's version");
        // The older layout names the folder in its environment message, after the first lines.
        assert!(evs.iter().all(|e| e["project"].as_str().is_none_or(|p| p.starts_with('p'))), "{path}: hashed cwd");
        assert!(evs.last().unwrap()["project"].as_str().is_some(), "{path}: the cwd is known");
        unknown += int(o, "unknown_lines");
    }
    assert_eq!(unknown, 1);
    assert!(log.contains("unknown line kind; skipped") && log.contains("kind=future_kind"), "{log}");
}

/// No prompt, path, command or file name in the events unless the person
/// shares content; with `--share-content`, `shared` words are there.
fn content_stays_on_the_machine(agent: &str, secrets: &[&str], shared: &[&str]) {
    let source = format!("{agent}:ana={}", fixtures(agent).display());
    let (events, _) = dry_run(&source, &[]);
    let text = serde_json::to_string(&events).unwrap();
    for secret in secrets.iter().chain(shared) {
        assert!(!text.contains(secret), "{agent}: `{secret}` would leave the machine");
    }
    let (events, _) = dry_run(&source, &["--share-content"]);
    let text = serde_json::to_string(&events).unwrap();
    assert!(shared.iter().all(|w| text.contains(w)), "{agent}: opted in, prompts and inputs go");
}

#[test]
fn codex_content_stays_on_the_machine_unless_shared() {
    content_stays_on_the_machine(
        "codex",
        &["cooldown", "/home/dev", "*** Begin Patch", "AGENTS.md"],
        &["multi-currency", "git commit -m"],
    );
}

#[test]
fn gemini_content_stays_on_the_machine_unless_shared() {
    content_stays_on_the_machine(
        "gemini",
        &["fetchReportRows", "/home/dev", "GEMINI.md", "demo-app"],
        &["times out", "git commit"],
    );
}

/// The matrix of one person from `accrete analyze --json`.
fn analyze(sources: &[String]) -> Value {
    let mut args = vec!["analyze".to_string(), "--json".into()];
    for s in sources {
        args.extend(["--source".into(), s.clone()]);
    }
    let out = run(&args);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

fn row<'m>(m: &'m Value, person: &str) -> &'m Value {
    m["people"].as_array().unwrap().iter().find(|p| p["person"] == person).unwrap_or_else(|| panic!("{person}: {m}"))
}

/// Per practice, how many sessions the oracle's counts say show it (the
/// catalog's definitions applied to the hand counts).
fn codex_practices(files: &toml::Table) -> BTreeMap<&'static str, u64> {
    let mut want = BTreeMap::new();
    for o in files["file"].as_table().unwrap().values() {
        let o = o.as_table().unwrap();
        if o.get("is_subagent").and_then(toml::Value::as_bool) == Some(true) {
            continue;
        }
        for (practice, shown) in [
            ("task_tracking", int(o, "plan_updates") > 0),
            ("committing_work", int(o, "git_commits") > 0),
            ("subagent_delegation", int(o, "subagent_spawns") > 0),
            ("context_management", int(o, "manual_compactions") > 0),
            ("plan_mode", o["plan_mode"].as_bool().unwrap()),
        ] {
            *want.entry(practice).or_insert(0) += shown as u64;
        }
    }
    want
}

#[test]
fn codex_sessions_in_the_matrix_with_na_where_there_is_no_counterpart() {
    let files = oracle("codex");
    let m = analyze(&[format!("codex:ana={}", fixtures("codex").display())]);
    let r = row(&m, "ana");
    let sessions = sessions_in(codex_files(&files));
    assert_eq!(r["sessions"], sessions as u64);
    assert_eq!(r["agents"], serde_json::json!({ "codex": sessions }));
    for (practice, n) in codex_practices(&files) {
        assert_eq!(r["practices"][practice], n, "{practice}");
        assert_eq!(r["applicable"][practice], sessions as u64, "{practice} applies to Codex sessions");
    }
    // Custom prompts are expanded before Codex writes them: no counterpart.
    assert_eq!(r["applicable"]["saved_commands"], 0, "saved commands are n/a for Codex");
    assert!(m["practice_ids"].as_array().unwrap().iter().all(|p| !p.as_str().unwrap().starts_with("agent_")));
    assert!(r["practices"].as_object().unwrap().keys().all(|p| !p.starts_with("agent_")), "markers are not practices");
}

#[test]
fn codex_rollouts_followed_live_survive_torn_and_huge_lines_and_a_restart() {
    let t = tempfile::tempdir().unwrap();
    let home = t.path().join(".codex");
    let src = fixtures("codex");
    // The reference: one pass over the untouched files.
    let want = analyze(&[format!("codex:ana={}", src.display())]);
    let files: Vec<PathBuf> = walk(&src.join("sessions"));
    let data = t.path().join("data");
    let env = [("ACCRETE__COLLECTOR__RESCAN_INTERVAL_MS", "200"), ("ACCRETE__COLLECTOR__MAX_LINE_BYTES", "1048576")];
    let args = vec!["--source".to_string(), format!("ana={}", home.display())];
    // Each file's first half, then the rest in a second run, torn in the
    // middle of a line, with a huge line in between.
    let mut rests = Vec::new();
    for f in &files {
        let rel = f.strip_prefix(&src).unwrap();
        let dst = home.join(rel);
        std::fs::create_dir_all(dst.parent().unwrap()).unwrap();
        let text = std::fs::read_to_string(f).unwrap();
        let cut = text.len() / 2;
        let cut = text[..cut].rfind('\n').map_or(0, |i| i + 1);
        std::fs::write(&dst, &text[..cut]).unwrap();
        rests.push((dst, text[cut..].to_string()));
    }
    let up = Up::start(&data, &args, &env);
    up.wait_caught_up(WAIT);
    for (dst, rest) in &rests {
        let (a, b) = rest.split_at(rest.len().min(25));
        append(dst, a.as_bytes());
        if dst == &rests[0].0 {
            // A line longer than max_line_bytes cannot be at a torn spot:
            // it goes after the torn line is whole.
            append(dst, b.as_bytes());
            let huge = format!(
                "{{\"timestamp\":\"2026-05-18T16:30:00Z\",\"type\":\"response_item\",\"payload\":{{\"type\":\"message\",\"role\":\"user\",\"content\":[{{\"type\":\"input_text\",\"text\":\"{}\"}}]}}}}\n",
                "x".repeat(3 << 20)
            );
            append(dst, huge.as_bytes());
        }
    }
    up.wait_for(WAIT, || up.logs().contains("skipping a line longer than collector.max_line_bytes"));
    up.stop();
    for (dst, rest) in rests.iter().skip(1) {
        let (_, b) = rest.split_at(rest.len().min(25));
        append(dst, b.as_bytes());
    }
    let up = Up::start(&data, &args, &env);
    up.wait_caught_up(WAIT);
    let got = up.json("/v1/adoption-matrix");
    up.stop();
    let (g, w) = (row(&got, "ana"), row(&want, "ana"));
    for key in ["sessions", "practices", "applicable", "agents"] {
        assert_eq!(g[key], w[key], "{key}: live with a restart = one pass");
    }
}

/// The Gemini fixtures that are chats (the oracle also describes logs.json
/// and a checkpoint, which repeat the chats and are not read).
fn gemini_chats(files: &toml::Table) -> Vec<(&String, &toml::Table)> {
    let all = files["file"].as_table().unwrap();
    all.iter().map(|(k, v)| (k, v.as_table().unwrap())).filter(|(_, o)| o.contains_key("layout")).collect()
}

const DELEGATION_TOOLS: [&str; 5] =
    ["invoke_agent", "delegate_to_agent", "codebase_investigator", "cli_help", "generalist"];

#[test]
fn gemini_chats_match_the_oracle() {
    let (events, log) = dry_run(&format!("gemini:ana={}", fixtures("gemini").display()), &[]);
    assert!(events.iter().all(|e| e["agent"] == "gemini"), "every event names its agent");
    let files = oracle("gemini");
    let mut unknown = 0;
    let mut seen = 0;
    for (path, o) in gemini_chats(&files) {
        let evs = file_events(&events, o);
        assert!(!evs.is_empty(), "{path}: no events");
        seen += evs.len();
        let assistant: std::collections::BTreeSet<&str> = evs
            .iter()
            .filter(|e| is(e, "line_type", "assistant") && e["is_meta"] != true)
            .map(|e| e["message_id"].as_str().unwrap())
            .collect();
        let compressions = evs.iter().filter(|e| is(e, "system_subtype", "compact_boundary")).count() as u64;
        let delegations: u64 = DELEGATION_TOOLS.iter().map(|t| count_calls(&evs, t)).sum();
        let commands = evs.iter().filter(|e| e["commands"].as_array().is_some_and(|c| !c.is_empty())).count() as u64;
        for (key, got) in [
            ("typed_prompts", evs.iter().filter(|e| typed(e)).count() as u64),
            ("assistant_messages", assistant.len() as u64),
            ("tool_calls_total", calls(&evs).len() as u64),
            ("git_commits", count_signal(&evs, "git_commit")),
            ("compressions", compressions),
            ("todo_updates", count_calls(&evs, "write_todos")),
            ("delegations", delegations),
            ("custom_commands_detectable", commands),
        ] {
            if o.contains_key(key) {
                assert_eq!(got, int(o, key), "{path}: {key}");
            }
        }
        if let Some(n) = o.get("memory_saves") {
            assert_eq!(count_calls(&evs, "save_memory"), n.as_integer().unwrap() as u64, "{path}: memory_saves");
        }
        if let Some(plan) = o.get("plan_mode").and_then(toml::Value::as_table) {
            let entered = !plan["entered_by"].as_str().unwrap().is_empty();
            assert_eq!(evs.iter().any(|e| is(e, "permission_mode", "plan")), entered, "{path}: plan mode");
            assert_eq!(count_calls(&evs, "exit_plan_mode"), plan["exit_plan_mode"].as_integer().unwrap() as u64);
        }
        let model = o["model"].as_str().unwrap();
        // (A compression's re-written messages carry no model.)
        let models: Vec<&Value> = evs.iter().filter(|e| e["model"].is_string()).copied().collect();
        assert!(!models.is_empty() && models.iter().all(|e| is(e, "model", model)), "{path}: model");
        let sidechain = o.get("kind").and_then(toml::Value::as_str) == Some("subagent");
        assert!(evs.iter().all(|e| (e["is_sidechain"] == true) == sidechain), "{path}: sidechain");
        unknown += int(o, "unknown");
    }
    assert_eq!(seen, events.len(), "logs.json and checkpoints give no events");
    assert_eq!(unknown, 1);
    assert!(log.contains("unknown line kind; skipped") && log.contains("kind=notice"), "{log}");
}

/// Per practice, how many Gemini sessions the oracle's counts say show it.
fn gemini_practices(files: &toml::Table) -> BTreeMap<&'static str, u64> {
    let mut want = BTreeMap::new();
    for (_, o) in gemini_chats(files) {
        if o.get("kind").and_then(toml::Value::as_str) == Some("subagent") {
            continue;
        }
        let plan = o["plan_mode"].as_table().unwrap();
        for (practice, shown) in [
            ("task_tracking", int(o, "todo_updates") > 0),
            ("committing_work", int(o, "git_commits") > 0),
            ("subagent_delegation", int(o, "delegations") > 0),
            ("context_management", int(o, "compressions") > 0),
            ("saved_commands", int(o, "custom_commands_detectable") > 0),
            ("project_context", int(o, "memory_saves") > 0),
            ("plan_mode", !plan["entered_by"].as_str().unwrap().is_empty()),
        ] {
            *want.entry(practice).or_insert(0) += shown as u64;
        }
    }
    want
}

#[test]
fn every_agent_of_one_person_in_one_matrix() {
    let (codex, gemini) = (oracle("codex"), oracle("gemini"));
    let claude = tempfile::tempdir().unwrap();
    let project = claude.path().join(".claude/projects/-home-ana-app");
    std::fs::create_dir_all(&project).unwrap();
    std::fs::write(
        project.join("s1.jsonl"),
        serde_json::json!({"type":"user","sessionId":"s1","timestamp":"2026-03-02T10:00:00.000Z",
                           "message":{"role":"user","content":"<command-name>/team:review</command-name>\n<command-args>the branch</command-args>"}})
            .to_string()
            + "\n",
    )
    .unwrap();
    let m = analyze(&[
        format!("ana={}", claude.path().join(".claude").display()),
        format!("codex:ana={}", fixtures("codex").display()),
        format!("ana={}", fixtures("gemini").display()),
    ]);
    // The Gemini fixtures' folder is not called `.gemini`: told by its `tmp/`.
    let r = row(&m, "ana");
    let (want_codex, want_gemini) = (codex_practices(&codex), gemini_practices(&gemini));
    let n_codex = sessions_in(codex_files(&codex));
    let n_gemini = sessions_in(gemini_chats(&gemini).into_iter().map(|(_, o)| o));
    assert_eq!(r["agents"], serde_json::json!({ "claude_code": 1, "codex": n_codex, "gemini": n_gemini }));
    assert_eq!(r["sessions"], (1 + n_codex + n_gemini) as u64);
    for (practice, n) in &want_gemini {
        let claude_one = (*practice == "saved_commands") as u64;
        assert_eq!(
            r["practices"][practice],
            n + want_codex.get(practice).copied().unwrap_or(0) + claude_one,
            "{practice}"
        );
    }
    // Saved commands: Claude Code and Gemini sessions; Codex writes the
    // expanded prompt only.
    assert_eq!(r["applicable"]["saved_commands"], (1 + n_gemini) as u64);
    assert_eq!(r["applicable"]["task_tracking"], (1 + n_codex + n_gemini) as u64);
}

#[test]
fn gemini_chats_followed_live_as_they_are_rewritten_and_appended_survive_a_restart() {
    let t = tempfile::tempdir().unwrap();
    let home = t.path().join(".gemini");
    let src = fixtures("gemini");
    let want = analyze(&[format!("gemini:ana={}", src.display())]);
    let data = t.path().join("data");
    let env = [("ACCRETE__COLLECTOR__RESCAN_INTERVAL_MS", "200")];
    let args = vec!["--source".to_string(), format!("ana={}", home.display())];
    let chats: Vec<PathBuf> =
        walk(&src.join("tmp")).into_iter().filter(|p| p.to_string_lossy().contains("/chats/")).collect();
    // A JSON chat grows message by message, the whole file written again
    // each time (the CLI's way up to v0.38); a JSONL chat gets its lines
    // appended, one torn for a while.
    let mut steps: Vec<(PathBuf, Vec<String>)> = Vec::new();
    for f in &chats {
        let dst = home.join(f.strip_prefix(&src).unwrap());
        std::fs::create_dir_all(dst.parent().unwrap()).unwrap();
        let text = std::fs::read_to_string(f).unwrap();
        if f.extension().is_some_and(|x| x == "json") {
            let mut doc: Value = serde_json::from_str(&text).unwrap();
            let messages = doc["messages"].as_array().unwrap().clone();
            let versions = (1..=messages.len())
                .map(|n| {
                    doc["messages"] = Value::Array(messages[..n].to_vec());
                    serde_json::to_string_pretty(&doc).unwrap()
                })
                .collect();
            steps.push((dst, versions));
        } else {
            let lines: Vec<String> = text.lines().map(|l| format!("{l}\n")).collect();
            steps.push((dst, lines));
        }
    }
    let write_step = |dst: &Path, versions: &[String], i: usize, json: bool| {
        if json {
            std::fs::write(dst, &versions[i]).unwrap();
        } else if i == 0 {
            std::fs::write(dst, &versions[0]).unwrap();
        } else {
            append(dst, versions[i].as_bytes());
        }
    };
    let halves: Vec<usize> = steps.iter().map(|(_, v)| v.len() / 2).collect();
    for ((dst, v), half) in steps.iter().zip(&halves) {
        let json = dst.extension().is_some_and(|x| x == "json");
        for i in 0..*half {
            write_step(dst, v, i, json);
        }
    }
    let up = Up::start(&data, &args, &env);
    up.wait_caught_up(WAIT);
    // Half a line on a JSONL chat, and half a JSON document (a write caught midway).
    for ((dst, v), half) in steps.iter().zip(&halves) {
        if dst.extension().is_some_and(|x| x == "json") {
            std::fs::write(dst, &v[*half][..v[*half].len() / 2]).unwrap();
        } else {
            append(dst, &v[*half].as_bytes()[..10]);
        }
    }
    std::thread::sleep(Duration::from_millis(600));
    up.stop();
    for ((dst, v), half) in steps.iter().zip(&halves) {
        let json = dst.extension().is_some_and(|x| x == "json");
        if !json {
            append(dst, &v[*half].as_bytes()[10..]);
        }
        // (The JSONL line at `half` was completed above.)
        for i in (*half + !json as usize)..v.len() {
            write_step(dst, v, i, json);
        }
    }
    let up = Up::start(&data, &args, &env);
    up.wait_caught_up(WAIT);
    let got = up.json("/v1/adoption-matrix");
    up.stop();
    let (g, w) = (row(&got, "ana"), row(&want, "ana"));
    for key in ["sessions", "practices", "applicable", "agents"] {
        assert_eq!(g[key], w[key], "{key}: live with a restart = one pass");
    }
}

#[test]
fn the_api_filters_the_matrix_by_agent() {
    let t = tempfile::tempdir().unwrap();
    let (codex, gemini) = (oracle("codex"), oracle("gemini"));
    let n_codex = sessions_in(codex_files(&codex));
    let n_gemini = sessions_in(gemini_chats(&gemini).into_iter().map(|(_, o)| o));
    let args = vec![
        "--source".to_string(),
        format!("codex:ana={}", fixtures("codex").display()),
        "--source".into(),
        format!("gemini:ana={}", fixtures("gemini").display()),
    ];
    let up = Up::start(&t.path().join("data"), &args, &[]);
    up.wait_caught_up(WAIT);
    let all = up.json("/v1/adoption-matrix");
    assert_eq!(row(&all, "ana")["sessions"], (n_codex + n_gemini) as u64);
    for (agent, n) in [("codex", n_codex), ("gemini", n_gemini)] {
        let m = up.json(&format!("/v1/adoption-matrix?agent={agent}"));
        let r = row(&m, "ana");
        assert_eq!(r["sessions"], n as u64, "{agent}");
        assert_eq!(r["agents"], serde_json::json!({ agent: n }), "{agent}");
    }
    let none = up.json("/v1/adoption-matrix?agent=claude_code");
    assert!(none["people"].as_array().unwrap().is_empty(), "no Claude Code sessions: {none}");
    let (code, body) = get(&up.url("/v1/adoption-matrix?agent=cursor")).unwrap();
    assert_eq!(code, 400, "{body}");
    assert!(body.contains("claude_code, codex, gemini"), "{body}");
    // A person's sessions name their agent; the markers are not practices.
    let sessions = up.json("/v1/people/ana/sessions");
    let sessions = sessions["sessions"].as_array().unwrap();
    assert_eq!(sessions.len(), n_codex + n_gemini);
    assert_eq!(sessions.iter().filter(|s| s["agent"] == "codex").count(), n_codex);
    assert_eq!(sessions.iter().filter(|s| s["agent"] == "gemini").count(), n_gemini);
    let practices = sessions.iter().flat_map(|s| s["practices"].as_array().unwrap());
    assert!(practices.clone().any(|p| p == "task_tracking"));
    assert!(practices.into_iter().all(|p| !p.as_str().unwrap().starts_with("agent_")));
    // The catalog says which agents each practice has a counterpart in.
    let cat = up.json("/v1/practices");
    let saved = cat["practices"].as_array().unwrap().iter().find(|p| p["id"] == "saved_commands").unwrap();
    assert_eq!(saved["agents"], serde_json::json!(["claude_code", "gemini"]));
    assert!(cat["practices"].as_array().unwrap().iter().all(|p| !p["id"].as_str().unwrap().starts_with("agent_")));
    up.stop();
}
