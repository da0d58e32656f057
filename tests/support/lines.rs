//! Small transcript lines for the tests, shaped like Claude Code's.
#![allow(dead_code)]

use serde_json::json;

pub fn user(session: &str, text: &str) -> String {
    json!({"type":"user","sessionId":session,"timestamp":"2026-03-02T10:00:00.000Z","isSidechain":false,
           "cwd":"/home/secret-user/secret-project","message":{"role":"user","content":text}})
    .to_string()
}

pub fn command(session: &str, name: &str) -> String {
    user(
        session,
        &format!(
            "<command-name>/{name}</command-name>\n<command-message>{name}</command-message>\n<command-args></command-args>"
        ),
    )
}

pub fn tool(session: &str, name: &str, input: serde_json::Value) -> String {
    json!({"type":"assistant","sessionId":session,"timestamp":"2026-03-02T10:00:05.000Z","isSidechain":false,
           "requestId":"req_1","message":{"id":"msg_1","model":"claude-test","role":"assistant",
           "content":[{"type":"tool_use","id":"toolu_1","name":name,"input":input}],
           "usage":{"input_tokens":10,"output_tokens":5}}})
    .to_string()
}

pub fn commit(session: &str) -> String {
    tool(session, "Bash", json!({"command":"git add -A && git commit -m 'TOPSECRET-COMMIT-MESSAGE'"}))
}

pub fn todo(session: &str) -> String {
    tool(session, "TodoWrite", json!({"todos":[{"content":"TOPSECRET-TODO","status":"pending"}]}))
}

/// A Claude folder with one project; returns the session file path.
pub fn session_file(claude: &std::path::Path, id: &str, lines: &[String]) -> std::path::PathBuf {
    let dir = claude.join("projects/-home-secret-user-secret-project");
    std::fs::create_dir_all(&dir).unwrap();
    let p = dir.join(format!("{id}.jsonl"));
    let mut body = lines.join("\n");
    if !body.is_empty() {
        body.push('\n');
    }
    std::fs::write(&p, body).unwrap();
    p
}

pub fn append(path: &std::path::Path, bytes: &[u8]) {
    use std::io::Write;
    let mut f = std::fs::OpenOptions::new().append(true).open(path).unwrap();
    f.write_all(bytes).unwrap();
}
