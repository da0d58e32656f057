//! Bad transcripts, followed live by `accrete up`: each gets a clear log
//! line and a counter, and the rest of the file is still read.

#[path = "support/lines.rs"]
mod lines;
mod support;

use std::path::Path;
use std::time::Duration;

use lines::*;
use support::*;

const FAST: [(&str, &str); 1] = [("ACCRETE__COLLECTOR__RESCAN_INTERVAL_MS", "200")];
const WAIT: Duration = Duration::from_secs(30);

fn start(claude: &Path, data: &Path, env: &[(&str, &str)]) -> Up {
    let mut e = FAST.to_vec();
    e.extend_from_slice(env);
    Up::start(data, &["--source".into(), format!("me={}", claude.display())], &e)
}

fn practice_count(up: &Up, practice: &str) -> u64 {
    let m = up.json("/v1/adoption-matrix");
    m["people"].as_array().unwrap().first().map_or(0, |p| p["practices"][practice].as_u64().unwrap())
}

fn sessions(up: &Up) -> u64 {
    let m = up.json("/v1/adoption-matrix");
    m["people"].as_array().unwrap().first().map_or(0, |p| p["sessions"].as_u64().unwrap())
}

/// The value of a `/metrics` series whose line contains all of `parts`.
fn metric(up: &Up, name: &str, outcome: &str) -> u64 {
    let (_, body) = get(&up.url("/metrics")).unwrap();
    body.lines()
        .filter(|l| l.starts_with(name) && (outcome.is_empty() || l.contains(&format!("outcome=\"{outcome}\""))))
        .filter_map(|l| l.rsplit(' ').next()?.parse::<u64>().ok())
        .sum()
}

fn wait_log(up: &Up, needle: &str) {
    up.wait_for(WAIT, || up.logs().contains(needle));
}

#[test]
fn a_torn_line_waits_for_its_end() {
    let t = tempfile::tempdir().unwrap();
    let claude = t.path().join("claude");
    let f = session_file(&claude, "s1", &[user("s1", "hello")]);
    let line = commit("s1");
    let (head, rest) = line.split_at(40);
    append(&f, head.as_bytes());
    let up = start(&claude, &t.path().join("data"), &[]);
    up.wait_for(WAIT, || {
        let s = up.json("/v1/status");
        s["sources"][0]["bytes_partial"] == head.len() as u64
    });
    assert_eq!(practice_count(&up, "committing_work"), 0, "half a line is not read");
    append(&f, format!("{rest}\n").as_bytes());
    up.wait_for(WAIT, || practice_count(&up, "committing_work") == 1);
    up.wait_caught_up(WAIT);
    assert_eq!(metric(&up, "accrete_collector_lines_total", "invalid_json"), 0);
}

#[test]
fn invalid_json_and_unknown_types_are_logged_counted_and_skipped() {
    let t = tempfile::tempdir().unwrap();
    let claude = t.path().join("claude");
    session_file(
        &claude,
        "s1",
        &[
            user("s1", "hi"),
            "{\"type\":\"user\",\"message\":{\"content\":\"cut".into(),
            "not json at all".into(),
            r#"{"type":"hologram","sessionId":"s1","brandNewField":{"deep":[1,2,{"x":null}]}}"#.into(),
            r#"{"type":"assistant","sessionId":"s1","message":{"content":[{"type":"tool_use","name":"TodoWrite","input":{}}]},"unknownField":42}"#.into(),
            commit("s1"),
        ],
    );
    let up = start(&claude, &t.path().join("data"), &[]);
    up.wait_caught_up(WAIT);
    assert_eq!(practice_count(&up, "committing_work"), 1, "lines after bad ones are read");
    assert_eq!(practice_count(&up, "task_tracking"), 1, "unknown fields are ignored");
    assert_eq!(metric(&up, "accrete_collector_lines_total", "invalid_json"), 2);
    assert_eq!(metric(&up, "accrete_collector_lines_total", "unknown_type"), 1);
    let logs = up.logs();
    assert!(logs.contains("skipping a line that is not a JSON object"), "{logs}");
    assert!(logs.contains("line=2") && logs.contains("line=3"), "the log names the lines");
    assert!(logs.contains("unknown line type; kept as an event of that type"));
    assert_eq!(up.json("/v1/status")["sources"][0]["lines_invalid"], 2);
}

#[test]
fn a_20_mb_line_is_read_and_a_line_over_the_limit_is_skipped() {
    let t = tempfile::tempdir().unwrap();
    let claude = t.path().join("claude");
    let huge = tool("s1", "TodoWrite", serde_json::json!({"todos":[{"content":"x".repeat(20 << 20)}]}));
    assert!(huge.len() > 20 << 20);
    session_file(&claude, "s1", &[user("s1", "hi"), huge.clone(), commit("s1")]);
    let up = start(&claude, &t.path().join("data"), &[]);
    up.wait_caught_up(WAIT);
    assert_eq!(practice_count(&up, "task_tracking"), 1, "a 20 MB line is within the default limit");
    assert_eq!(practice_count(&up, "committing_work"), 1);
    drop(up);

    let claude2 = t.path().join("claude2");
    session_file(&claude2, "s2", &[user("s2", "hi"), huge, commit("s2")]);
    let up = start(&claude2, &t.path().join("data2"), &[("ACCRETE__COLLECTOR__MAX_LINE_BYTES", "1048576")]);
    up.wait_caught_up(WAIT);
    assert_eq!(practice_count(&up, "task_tracking"), 0, "over the limit: skipped");
    assert_eq!(practice_count(&up, "committing_work"), 1, "the rest of the file is read");
    assert_eq!(metric(&up, "accrete_collector_lines_total", "oversized"), 1);
    assert!(up.logs().contains("skipping a line longer than collector.max_line_bytes"));
}

#[test]
fn invalid_utf8_is_read_with_replacement_characters() {
    let t = tempfile::tempdir().unwrap();
    let claude = t.path().join("claude");
    let f = session_file(&claude, "s1", &[]);
    let mut bad = br#"{"type":"user","sessionId":"s1","message":{"content":"caf"#.to_vec();
    bad.extend_from_slice(&[0xC3, 0x28, 0xFF]);
    bad.extend_from_slice(b" <command-name>/my-review</command-name>\"}}\n");
    append(&f, &bad);
    append(&f, format!("{}\n", commit("s1")).as_bytes());
    let up = start(&claude, &t.path().join("data"), &[]);
    up.wait_caught_up(WAIT);
    assert_eq!(practice_count(&up, "saved_commands"), 1);
    assert_eq!(practice_count(&up, "committing_work"), 1);
    assert_eq!(metric(&up, "accrete_collector_lines_total", "invalid_utf8"), 1);
    assert!(up.logs().contains("line is not valid UTF-8"));
}

#[test]
fn a_truncated_or_replaced_file_is_read_again_from_the_start() {
    let t = tempfile::tempdir().unwrap();
    let claude = t.path().join("claude");
    let f = session_file(&claude, "s1", &[user("s1", "hi"), commit("s1"), user("s1", "more"), user("s1", "and more")]);
    let up = start(&claude, &t.path().join("data"), &[]);
    up.wait_for(WAIT, || practice_count(&up, "committing_work") == 1);

    // Truncated, then rewritten shorter with other content: the old commit is forgotten.
    std::fs::OpenOptions::new().write(true).open(&f).unwrap().set_len(0).unwrap();
    append(&f, format!("{}\n", todo("s1")).as_bytes());
    up.wait_for(WAIT, || practice_count(&up, "task_tracking") == 1);
    up.wait_for(WAIT, || practice_count(&up, "committing_work") == 0);
    wait_log(&up, "reason=truncated");

    // Replaced by another file under the same name (a new inode).
    let tmp = f.with_extension("tmp");
    std::fs::write(&tmp, format!("{}\n{}\n", user("s1", "x"), commit("s1"))).unwrap();
    std::fs::rename(&tmp, &f).unwrap();
    up.wait_for(WAIT, || practice_count(&up, "committing_work") == 1 && practice_count(&up, "task_tracking") == 0);
    wait_log(&up, "reason=replaced");
    assert_eq!(metric(&up, "accrete_collector_files_reset_total", ""), 2);
    assert_eq!(sessions(&up), 1);

    // Deleted: what it gave stays counted.
    std::fs::remove_file(&f).unwrap();
    wait_log(&up, "transcript deleted; what it held stays counted");
    assert_eq!(practice_count(&up, "committing_work"), 1);
}

#[test]
fn a_folder_that_appears_after_start_up_is_picked_up() {
    let t = tempfile::tempdir().unwrap();
    let claude = t.path().join("not-yet");
    let up = start(&claude, &t.path().join("data"), &[]);
    up.wait_caught_up(WAIT);
    assert_eq!(sessions(&up), 0);
    session_file(&claude, "s1", &[user("s1", "hi"), commit("s1")]);
    up.wait_for(WAIT, || practice_count(&up, "committing_work") == 1);
    // And a new session in the now-watched folder shows up promptly.
    session_file(&claude, "s2", &[command("s2", "clear")]);
    up.wait_for(WAIT, || practice_count(&up, "context_management") == 1);
    assert_eq!(sessions(&up), 2);
}
