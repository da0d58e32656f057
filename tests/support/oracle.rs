//! Independent reference implementation ("oracle") of the seven practice
//! rules over Claude Code transcripts. It is deliberately plain and slow: it
//! shares no code with the production pipeline and exists only so that an
//! integration test can compare the two.
//!
//! Layout read: `<corpus_root>/<person>/.claude/projects/<dir>/<id>.jsonl`.
//! A session is a top-level `.jsonl` file in a project directory whose name
//! does not start with `agent-`; its id is the file name without `.jsonl`.
//! Subagent files (`agent-*.jsonl` beside it, `<id>/subagents/*.jsonl`) are
//! skipped: they only hold `isSidechain: true` lines, which the rules ignore.
//!
//! Rules (lines with `isSidechain: true` are ignored for all of them):
//! - plan_mode: tool call `EnterPlanMode`/`ExitPlanMode`, or a line with
//!   `permissionMode: "plan"`, seen before the first file-editing tool call
//!   (`Edit`, `Write`, `MultiEdit`, `NotebookEdit`) in file order.
//! - subagent_delegation: tool call `Task` or `Agent`.
//! - saved_commands: a command not in [`BUILT_IN_COMMANDS`], or tool call `Skill`.
//! - context_management: command `clear`/`compact`, or a `system` line with
//!   `subtype: "compact_boundary"` and `compactMetadata.trigger: "manual"`.
//! - project_context: command `init`/`memory`, or a file-editing tool call on
//!   a file whose basename is `CLAUDE.md` or `AGENTS.md`.
//! - task_tracking: tool call `TodoWrite` or `TaskCreate`.
//! - committing_work: tool call `Bash` whose `input.command` matches
//!   `\bgit\s+(-C\s+\S+\s+)?commit\b`.
#![allow(dead_code)]

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use serde_json::Value;

pub const PRACTICES: [&str; 7] = [
    "plan_mode",
    "subagent_delegation",
    "saved_commands",
    "context_management",
    "project_context",
    "task_tracking",
    "committing_work",
];

/// Commands that ship with Claude Code; every other command is a saved
/// (custom or plugin) command.
pub const BUILT_IN_COMMANDS: &[&str] = &[
    "add-dir",
    "agents",
    "bashes",
    "bug",
    "clear",
    "compact",
    "config",
    "context",
    "cost",
    "doctor",
    "exit",
    "export",
    "help",
    "hooks",
    "ide",
    "init",
    "install-github-app",
    "login",
    "logout",
    "mcp",
    "memory",
    "model",
    "output-style",
    "permissions",
    "plugin",
    "pr-comments",
    "privacy-settings",
    "release-notes",
    "resume",
    "review",
    "rewind",
    "security-review",
    "status",
    "statusline",
    "terminal-setup",
    "todos",
    "upgrade",
    "usage",
    "vim",
    "fast",
    "sandbox",
    "stats",
    "tasks",
    "theme",
    "feedback",
    "insights",
    "rename",
    "remote-env",
    "plan",
];

const FILE_EDIT_TOOLS: &[&str] = &["Edit", "Write", "MultiEdit", "NotebookEdit"];

/// person -> (sessions, practice id -> number of sessions with the practice);
/// every practice id is present (0 if none).
pub fn oracle_matrix(corpus_root: &Path) -> BTreeMap<String, (u64, BTreeMap<String, u64>)> {
    let mut matrix = BTreeMap::new();
    for (person, sessions) in oracle_sessions(corpus_root) {
        let mut counts: BTreeMap<String, u64> = BTreeMap::new();
        for practice in PRACTICES {
            counts.insert(practice.to_string(), 0);
        }
        for practices in sessions.values() {
            for practice in practices {
                *counts.get_mut(practice.as_str()).expect("known practice") += 1;
            }
        }
        matrix.insert(person, (sessions.len() as u64, counts));
    }
    matrix
}

/// person -> session id -> set of practices present.
pub fn oracle_sessions(corpus_root: &Path) -> BTreeMap<String, BTreeMap<String, BTreeSet<String>>> {
    let mut result = BTreeMap::new();
    for person_dir in sorted_entries(corpus_root) {
        if !person_dir.is_dir() {
            continue;
        }
        let person = file_name(&person_dir);
        let mut sessions = BTreeMap::new();
        for project_dir in sorted_entries(&person_dir.join(".claude").join("projects")) {
            if !project_dir.is_dir() {
                continue;
            }
            for file in sorted_entries(&project_dir) {
                let name = file_name(&file);
                if !file.is_file() || !name.ends_with(".jsonl") || name.starts_with("agent-") {
                    continue;
                }
                let session_id = name.trim_end_matches(".jsonl").to_string();
                let records = read_records(&file);
                sessions.insert(session_id, practices_of_session(&records));
            }
        }
        result.insert(person, sessions);
    }
    result
}

/// The practices present in one session, given its records in file order.
pub fn practices_of_session(records: &[Value]) -> BTreeSet<String> {
    let commit_re = regex::Regex::new(r"\bgit\s+(-C\s+\S+\s+)?commit\b").unwrap();
    let command_re = regex::Regex::new(r"(?s)<command-name>\s*/?([^\s<]+)\s*</command-name>").unwrap();

    let mut found: BTreeSet<String> = BTreeSet::new();
    let mut seen_file_edit = false;

    for record in records {
        if record.get("isSidechain") == Some(&Value::Bool(true)) {
            continue;
        }
        let line_type = record.get("type").and_then(Value::as_str).unwrap_or("");

        // plan_mode: the line-level permission mode (any line type).
        if record.get("permissionMode").and_then(Value::as_str) == Some("plan") && !seen_file_edit {
            found.insert("plan_mode".to_string());
        }

        // context_management: a manual compaction boundary.
        if line_type == "system"
            && record.get("subtype").and_then(Value::as_str) == Some("compact_boundary")
            && record.get("compactMetadata").and_then(|m| m.get("trigger")).and_then(Value::as_str) == Some("manual")
        {
            found.insert("context_management".to_string());
        }

        // Commands typed by the person.
        if line_type == "user" && record.get("isCompactSummary") != Some(&Value::Bool(true)) {
            let text = user_text(record);
            for capture in command_re.captures_iter(&text) {
                let name = &capture[1];
                if !BUILT_IN_COMMANDS.contains(&name) {
                    found.insert("saved_commands".to_string());
                }
                if name == "clear" || name == "compact" {
                    found.insert("context_management".to_string());
                }
                if name == "init" || name == "memory" {
                    found.insert("project_context".to_string());
                }
            }
        }

        // Tool calls, in block order.
        if line_type == "assistant" {
            let content = record.get("message").and_then(|m| m.get("content"));
            if let Some(Value::Array(blocks)) = content {
                for block in blocks {
                    if block.get("type").and_then(Value::as_str) != Some("tool_use") {
                        continue;
                    }
                    let name = block.get("name").and_then(Value::as_str).unwrap_or("");
                    let input = block.get("input");

                    if (name == "EnterPlanMode" || name == "ExitPlanMode") && !seen_file_edit {
                        found.insert("plan_mode".to_string());
                    }
                    if FILE_EDIT_TOOLS.contains(&name) {
                        seen_file_edit = true;
                        let path = input
                            .and_then(|i| i.get("file_path"))
                            .and_then(Value::as_str)
                            .or_else(|| input.and_then(|i| i.get("notebook_path")).and_then(Value::as_str))
                            .unwrap_or("");
                        let base = path.rsplit(['/', '\\']).next().unwrap_or("");
                        if base == "CLAUDE.md" || base == "AGENTS.md" {
                            found.insert("project_context".to_string());
                        }
                    }
                    if name == "Task" || name == "Agent" {
                        found.insert("subagent_delegation".to_string());
                    }
                    if name == "Skill" {
                        found.insert("saved_commands".to_string());
                    }
                    if name == "TodoWrite" || name == "TaskCreate" {
                        found.insert("task_tracking".to_string());
                    }
                    if name == "Bash" {
                        let command = input.and_then(|i| i.get("command")).and_then(Value::as_str).unwrap_or("");
                        if commit_re.is_match(command) {
                            found.insert("committing_work".to_string());
                        }
                    }
                }
            }
        }
    }
    found
}

/// The text of a user line: `message.content` if it is a string, otherwise
/// the concatenated `text` of its `text` blocks.
fn user_text(record: &Value) -> String {
    match record.get("message").and_then(|m| m.get("content")) {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Array(blocks)) => {
            let mut text = String::new();
            for block in blocks {
                if block.get("type").and_then(Value::as_str) != Some("text") {
                    continue;
                }
                if let Some(t) = block.get("text").and_then(Value::as_str) {
                    text.push_str(t);
                }
            }
            text
        }
        _ => String::new(),
    }
}

/// Every complete JSON value on every line, in order. A line may hold several
/// concatenated objects; values after the first parse error are dropped, and
/// a line that does not parse at all contributes nothing.
pub fn read_records(path: &Path) -> Vec<Value> {
    let bytes = std::fs::read(path).unwrap_or_default();
    let mut records = Vec::new();
    for raw_line in bytes.split(|b| *b == b'\n') {
        let line = String::from_utf8_lossy(raw_line);
        for value in serde_json::Deserializer::from_slice(line.as_bytes()).into_iter::<Value>() {
            match value {
                Ok(v) => records.push(v),
                Err(_) => break,
            }
        }
    }
    records
}

fn sorted_entries(dir: &Path) -> Vec<PathBuf> {
    let mut paths: Vec<PathBuf> = match std::fs::read_dir(dir) {
        Ok(entries) => entries.filter_map(|e| e.ok()).map(|e| e.path()).collect(),
        Err(_) => Vec::new(),
    };
    paths.sort();
    paths
}

fn file_name(path: &Path) -> String {
    path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default()
}
