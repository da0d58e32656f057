//! Codex CLI rollout lines to normalized events (docs/codex-sessions.md).
//!
//! Two layouts exist. Since late summer 2025 every line is an envelope
//! `{"timestamp", "type", "payload"}` whose type is `session_meta`,
//! `turn_context`, `response_item`, `event_msg` or `compacted`. Before it,
//! the first line was the session's meta object (`{"id", "timestamp",
//! "instructions", ...}`), `{"record_type": "state"}` lines came between, and
//! every other line was a bare response item with no timestamp.
//!
//! What becomes an event: the conversation's response items (messages, tool
//! calls and their outputs), compactions and aborted turns. The `event_msg`
//! lines repeat the messages for the UI (`user_message`, `agent_message`)
//! or carry token counts and progress; they give no event. Session meta and
//! turn context lines only set the file's state (model, project, version).

use std::borrow::Cow;

use accrete_common::TranscriptEvent;
use accrete_common::config::Agent;
use accrete_common::proto::Content;
use accrete_common::time::parse_rfc3339_ms;
use serde_json::Value;

use super::patch_files;
use crate::judge::{CallFact, Facts, Judge, ResultFact, call_id};
use crate::parse::{LineContext, LineError, Normalizer, ParsedLine, project_hash};

/// How many places after a tear are tried before a line is given up.
const MAX_RECOVERY_TRIES: usize = 64;

/// User messages Codex writes itself, not the person: the environment, the
/// project's AGENTS.md and user instructions, a shell command run with `!`,
/// the note of an aborted turn.
const INJECTED: &[&str] = &[
    "<environment_context>",
    "<user_instructions>",
    "# AGENTS.md instructions for",
    "<user_shell_command>",
    "<turn_aborted>",
    "<INSTRUCTIONS>",
    "<skill>",
    // The summary of a compaction, when it is replayed.
    "Another language model started to solve this problem",
];

/// The IDE extension wraps a prompt in its context; the person's words follow this.
const IDE_REQUEST: &str = "## My request for Codex:";

/// Tools that run a command line.
const SHELL_TOOLS: &[&str] = &["shell", "container.exec", "local_shell", "exec_command", "shell_command"];

/// What a rollout file's earlier lines set, for the lines after them.
#[derive(Debug, Default)]
pub struct CodexState {
    model: String,
    cli_version: String,
    /// The last timestamp seen: lines of the older layout carry none.
    last_ts: i64,
    project_set: bool,
    /// The current turn runs in Plan mode (2026: `collaboration_mode`).
    plan: bool,
    /// The last conversation item was the agent's answer (the turn had
    /// ended): a compaction right after it was asked for (`/compact`); one
    /// in the middle of a turn is automatic.
    answered: bool,
    /// The file is a sub-agent's thread (`session_meta.source.subagent`).
    subagent: bool,
}

/// What one line is, once its envelope is read.
enum Kind<'v> {
    Meta(&'v Value),
    TurnContext(&'v Value),
    Item(&'v Value),
    EventMsg(&'v Value),
    Compacted,
    /// A line kind that gives no event (`record_type: state`).
    Quiet,
    Unknown(String),
}

fn kind(v: &Value) -> Kind<'_> {
    let ty = v.get("type").and_then(Value::as_str);
    if let (Some(ty), Some(payload)) = (ty, v.get("payload")) {
        return match ty {
            "session_meta" => Kind::Meta(payload),
            "turn_context" => Kind::TurnContext(payload),
            "response_item" => Kind::Item(payload),
            "event_msg" => Kind::EventMsg(payload),
            "compacted" => Kind::Compacted,
            other => Kind::Unknown(other.to_owned()),
        };
    }
    if v.get("record_type").is_some() {
        return Kind::Quiet;
    }
    match ty {
        Some(_) => Kind::Item(v),
        None if v.get("id").is_some() && v.get("timestamp").is_some() => Kind::Meta(v),
        None => Kind::Unknown("(no type)".into()),
    }
}

fn s<'v>(v: &'v Value, key: &str) -> &'v str {
    v.get(key).and_then(Value::as_str).unwrap_or("")
}

/// A message's text: its `input_text` / `output_text` parts (or a plain string).
fn message_text(content: Option<&Value>) -> String {
    match content {
        Some(Value::String(t)) => t.clone(),
        Some(Value::Array(parts)) => {
            let texts: Vec<&str> = parts.iter().filter_map(|p| p.get("text").and_then(Value::as_str)).collect();
            texts.join("\n")
        }
        _ => String::new(),
    }
}

/// A tool output's text and whether it failed. Outputs are a string (which
/// older versions filled with JSON `{"output", "metadata": {"exit_code"}}`
/// and newer ones with `Exit code: N` text), or content parts.
fn output_text(output: Option<&Value>) -> (String, bool) {
    match output {
        Some(Value::String(t)) => {
            if t.starts_with('{')
                && let Ok(Value::Object(o)) = serde_json::from_str::<Value>(t)
            {
                let code = o.get("metadata").and_then(|m| m.get("exit_code")).and_then(Value::as_i64).unwrap_or(0);
                let inner = o.get("output").and_then(Value::as_str).unwrap_or("").to_owned();
                return (inner, code != 0);
            }
            // `Exit code: N` first (shell_command), or `Process exited with
            // code N` among the header lines (exec_command).
            let code = t
                .lines()
                .take(6)
                .find_map(|l| l.strip_prefix("Exit code: ").or_else(|| l.strip_prefix("Process exited with code ")))
                .and_then(|c| c.trim().parse::<i64>().ok())
                .unwrap_or(0);
            (t.clone(), code != 0 || t.starts_with("exec command rejected") || t.starts_with("aborted"))
        }
        Some(Value::Object(o)) => {
            let failed = o.get("success").and_then(Value::as_bool) == Some(false);
            (message_text(o.get("content")), failed)
        }
        Some(v @ Value::Array(_)) => (message_text(Some(v)), false),
        _ => (String::new(), false),
    }
}

/// A shell call's command line, or the patch when the command is
/// `apply_patch` (early versions applied patches through the shell tool).
enum Shell {
    Command(String),
    Patch(String),
}

fn shell_command(args: &Value) -> Shell {
    let cmd = args.get("command").or_else(|| args.get("cmd"));
    let line = match cmd {
        Some(Value::Array(parts)) => {
            let words: Vec<&str> = parts.iter().filter_map(Value::as_str).collect();
            if matches!(words.first(), Some(&("apply_patch" | "applypatch"))) && words.len() > 1 {
                return Shell::Patch(words[1..].join("\n"));
            }
            words.join(" ")
        }
        Some(Value::String(c)) => c.clone(),
        _ => String::new(),
    };
    // `bash -lc "apply_patch <<'EOF' ..."`: Codex applies such patches itself.
    if let Some(i) = line.find("apply_patch <<")
        && line[..i].split_whitespace().all(|w| matches!(w, "bash" | "-lc" | "-c" | "sh" | "zsh"))
    {
        return Shell::Patch(line[i..].to_owned());
    }
    Shell::Command(line)
}

/// Whether a user message is one Codex wrote (environment, instructions).
pub fn is_injected(text: &str) -> bool {
    let t = text.trim_start();
    INJECTED.iter().any(|p| t.starts_with(p))
}

/// Parses one rollout line (without its newline). Never panics.
#[allow(clippy::too_many_arguments)]
pub fn parse_line(
    n: &Normalizer,
    bytes: &[u8],
    ctx: &mut LineContext,
    st: &mut CodexState,
    offset: u64,
    line: u64,
    mut judge: Option<&mut Judge>,
) -> ParsedLine {
    let mut out = ParsedLine::default();
    let text: Cow<str> = match simdutf8::basic::from_utf8(bytes) {
        Ok(t) => Cow::Borrowed(t),
        Err(_) => {
            out.invalid_utf8 = true;
            Cow::Owned(String::from_utf8_lossy(bytes).into_owned())
        }
    };
    let values = match read_values(&text) {
        Ok(v) => v,
        Err(e) => match recover(&text) {
            Some(v) => {
                out.error = Some(LineError::InvalidJson(e));
                out.recovered = true;
                v
            }
            None => {
                out.error = Some(LineError::InvalidJson(e));
                return out;
            }
        },
    };
    out.extra_objects = values.len().saturating_sub(1);
    for (part, v) in values.iter().enumerate() {
        let mut cx = Cx { n, ctx, st, offset, line, len: bytes.len(), judge: judge.as_deref() };
        let item = cx.item(v).map(|o| {
            o.map(|(mut ev, f)| {
                ev.part = part as u32;
                (ev, f)
            })
        });
        super::push_item(&mut out, item, judge.as_deref_mut());
    }
    out
}

/// Every JSON object on the line (a crashed writer can leave two on one).
fn read_values(text: &str) -> Result<Vec<Value>, String> {
    let mut out = Vec::with_capacity(1);
    for v in serde_json::Deserializer::from_str(text).into_iter::<Value>() {
        match v {
            Ok(v @ Value::Object(_)) => out.push(v),
            Ok(_) => return Err("not a JSON object".into()),
            Err(e) => return Err(e.to_string()),
        }
    }
    Ok(out)
}

/// The object after a tear: a torn prefix followed by a whole line.
fn recover(text: &str) -> Option<Vec<Value>> {
    let mut from = 1;
    for _ in 0..MAX_RECOVERY_TRIES {
        let start = from + memchr::memmem::find(text.as_bytes().get(from..)?, b"{\"")?;
        from = start + 1;
        if let Ok(v) = read_values(&text[start..])
            && v.first().is_some_and(|o| o.get("type").is_some() || o.get("record_type").is_some())
        {
            return Some(v);
        }
    }
    None
}

struct Cx<'a, 'n> {
    n: &'a Normalizer<'n>,
    ctx: &'a mut LineContext,
    st: &'a mut CodexState,
    offset: u64,
    line: u64,
    len: usize,
    judge: Option<&'a Judge>,
}

impl Cx<'_, '_> {
    fn event(&self, line_type: &str, ts: i64) -> TranscriptEvent {
        TranscriptEvent {
            timestamp_ms: ts,
            model: if line_type == "assistant" { self.st.model.clone() } else { String::new() },
            claude_version: self.st.cli_version.clone(),
            agent: Agent::Codex.as_str().to_owned(),
            is_sidechain: self.st.subagent,
            permission_mode: if self.st.plan { "plan".into() } else { String::new() },
            ..self.ctx.event(self.offset, self.line, line_type, self.len)
        }
    }

    fn set_project(&mut self, cwd: &str) {
        if cwd.is_empty() || self.st.project_set {
            return;
        }
        self.st.project_set = true;
        self.ctx.project = if self.n.share_content { cwd.to_owned() } else { project_hash(cwd) };
    }

    /// The event (and the judge's facts) of one line object; `Err` names an
    /// unknown kind.
    fn item(&mut self, v: &Value) -> Result<Option<(TranscriptEvent, Facts)>, String> {
        let ts = v.get("timestamp").and_then(Value::as_str).and_then(parse_rfc3339_ms);
        if let Some(ts) = ts {
            self.st.last_ts = ts;
        }
        let ts = self.st.last_ts;
        match kind(v) {
            Kind::Meta(p) => {
                if let Some(t) = p.get("timestamp").and_then(Value::as_str).and_then(parse_rfc3339_ms) {
                    self.st.last_ts = self.st.last_ts.max(t);
                }
                if let Some(ver) = p.get("cli_version").and_then(Value::as_str) {
                    self.st.cli_version = ver.to_owned();
                }
                self.set_project(s(p, "cwd"));
                // A thread another agent (or `/review`) started: its lines
                // are a sidechain, and belong to the parent's session when
                // it is named, as a Claude Code subagent's do.
                if let Some(sub) = p.get("source").and_then(|x| x.get("subagent")) {
                    self.st.subagent = true;
                    let own = s(p, "id");
                    self.ctx.agent_id = if own.is_empty() { "subagent".into() } else { own.to_owned() };
                    let parent =
                        sub.get("thread_spawn").and_then(|t| t.get("parent_thread_id")).and_then(Value::as_str);
                    if let Some(parent) = parent.filter(|x| !x.is_empty()) {
                        self.ctx.session_id = parent.to_owned();
                    }
                }
                Ok(None)
            }
            Kind::TurnContext(p) => {
                if let Some(m) = p.get("model").and_then(Value::as_str) {
                    self.st.model = m.to_owned();
                }
                let mode = p.get("collaboration_mode").and_then(|c| c.get("mode")).and_then(Value::as_str);
                self.st.plan = mode == Some("plan");
                self.set_project(s(p, "cwd"));
                Ok(None)
            }
            Kind::Quiet => Ok(None),
            Kind::Compacted => {
                let mut ev = self.event("system", ts);
                ev.system_subtype = "compact_boundary".into();
                // Both write the same line: told apart by where it comes
                // (docs/codex-sessions.md, "Compaction").
                ev.compact_trigger = if self.st.answered { "manual" } else { "auto" }.into();
                Ok(Some((ev, Facts::default())))
            }
            Kind::EventMsg(p) => match s(p, "type") {
                "turn_aborted" => {
                    let mut ev = self.event("system", ts);
                    ev.system_subtype = "turn_aborted".into();
                    ev.interrupted = s(p, "reason") == "interrupted" || s(p, "reason").is_empty();
                    Ok(Some((ev, Facts::default())))
                }
                // The UI's copies of messages, token counts, progress.
                _ => Ok(None),
            },
            Kind::Item(p) => self.response_item(p, ts),
            Kind::Unknown(k) => Err(k),
        }
    }

    fn response_item(&mut self, p: &Value, ts: i64) -> Result<Option<(TranscriptEvent, Facts)>, String> {
        let mut facts = Facts::default();
        let answered = p.get("type").and_then(Value::as_str) == Some("message") && s(p, "role") == "assistant";
        if !matches!(s(p, "role"), "developer" | "system") {
            self.st.answered = answered;
        }
        let ev = match s(p, "type") {
            "message" => {
                let text = message_text(p.get("content"));
                match s(p, "role") {
                    "user" => {
                        if !self.st.project_set
                            && let Some(cwd) = between(&text, "<cwd>", "</cwd>")
                        {
                            // The older layout names the folder only here.
                            self.set_project(cwd.trim());
                        }
                        let mut ev = self.event("user", ts);
                        ev.is_meta = is_injected(&text);
                        if !ev.is_meta {
                            let typed = text.split_once(IDE_REQUEST).map_or(text.as_str(), |(_, t)| t).trim();
                            if let Some(name) = super::command_name(typed) {
                                ev.commands.push(name.to_owned());
                            }
                            if self.judge.is_some() && !self.st.subagent {
                                facts.user_text = Some(typed.to_owned());
                            }
                        }
                        self.content(&mut ev, text);
                        ev
                    }
                    "assistant" => {
                        let mut ev = self.event("assistant", ts);
                        if let Some(j) = self.judge {
                            j.vocab(&text, &mut facts.vocab);
                            // Plan mode's answer is a `<proposed_plan>` block.
                            facts.proposes =
                                j.wants_proposal() && (text.contains("<proposed_plan>") || j.proposes(&text));
                        }
                        self.content(&mut ev, text);
                        ev
                    }
                    _ => {
                        let mut ev = self.event("system", ts);
                        ev.is_meta = true;
                        ev.system_subtype = "instructions".into();
                        ev
                    }
                }
            }
            "function_call" | "custom_tool_call" | "local_shell_call" | "web_search_call" => {
                let (name, args, raw) = match s(p, "type") {
                    "function_call" => {
                        let raw = s(p, "arguments");
                        (
                            s(p, "name").to_owned(),
                            serde_json::from_str::<Value>(raw).unwrap_or(Value::Null),
                            raw.to_owned(),
                        )
                    }
                    "custom_tool_call" => {
                        let input = s(p, "input");
                        (s(p, "name").to_owned(), serde_json::json!({ "input": input }), input.to_owned())
                    }
                    "local_shell_call" => {
                        let action = p.get("action").cloned().unwrap_or(Value::Null);
                        ("local_shell".to_owned(), action.clone(), action.to_string())
                    }
                    _ => {
                        let action = p.get("action").cloned().unwrap_or(Value::Null);
                        ("web_search".to_owned(), action.clone(), action.to_string())
                    }
                };
                let mut ev = self.event("assistant", ts);
                let id = p.get("call_id").or_else(|| p.get("id")).and_then(Value::as_str).unwrap_or("");
                let call = self.tool_call(&name, &args, &raw);
                if self.judge.is_some() {
                    facts.calls.push(CallFact::new(id, &call.name));
                    if call.signals.iter().any(|s| s == crate::judge::COMMIT_SIGNAL) {
                        facts.commit_calls.push(call_id(id));
                    }
                }
                ev.tool_calls.push(call);
                ev
            }
            "function_call_output" | "custom_tool_call_output" => {
                let mut ev = self.event("user", ts);
                let (text, failed) = output_text(p.get("output"));
                ev.tool_results = 1;
                ev.tool_errors = failed as u32;
                if let Some(j) = self.judge {
                    let id = call_id(s(p, "call_id"));
                    facts.results.push(ResultFact {
                        tool_use_id: id,
                        is_error: failed,
                        text: j.wants_result(id).then_some(text),
                    });
                }
                ev
            }
            // The model's reasoning (mostly encrypted), the CLI's own undo
            // snapshots, and the encrypted history a remote compaction
            // leaves (its `compacted` line is the event): nothing a practice reads.
            "reasoning" | "ghost_snapshot" | "compaction" | "compaction_summary" => return Ok(None),
            other => return Err(format!("response_item/{other}")),
        };
        Ok(Some((ev, facts)))
    }

    /// A tool call with its catalog signals: shell commands as one command
    /// line, patches as the files they touch.
    fn tool_call(&self, name: &str, args: &Value, raw: &str) -> accrete_common::proto::ToolCall {
        let shell = if SHELL_TOOLS.contains(&name) { Some(shell_command(args)) } else { None };
        match shell {
            Some(Shell::Command(cmd)) => self.n.agent_tool_call(name, &[("command", &cmd)], raw),
            Some(Shell::Patch(patch)) => self.patch_call(&patch, raw),
            None if name == "apply_patch" => {
                let patch = args.get("input").or_else(|| args.get("patch")).and_then(Value::as_str).unwrap_or("");
                self.patch_call(patch, raw)
            }
            None => {
                let fields: Vec<(&str, &str)> = match args {
                    Value::Object(o) => o.iter().filter_map(|(k, v)| v.as_str().map(|v| (k.as_str(), v))).collect(),
                    _ => Vec::new(),
                };
                self.n.agent_tool_call(name, &fields, raw)
            }
        }
    }

    fn patch_call(&self, patch: &str, raw: &str) -> accrete_common::proto::ToolCall {
        let fields: Vec<(&str, &str)> = patch_files(patch).into_iter().map(|f| ("file_path", f)).collect();
        self.n.agent_tool_call("apply_patch", &fields, raw)
    }

    fn content(&self, ev: &mut TranscriptEvent, text: String) {
        if self.n.share_content {
            ev.content = Some(Content { text, cwd: String::new() });
        }
    }
}

fn between<'t>(text: &'t str, open: &str, close: &str) -> Option<&'t str> {
    let start = text.find(open)? + open.len();
    let len = text[start..].find(close)?;
    Some(&text[start..start + len])
}

#[cfg(test)]
mod tests {
    use super::*;
    use accrete_common::catalog::Catalog;

    fn parse_all(lines: &[&str]) -> Vec<ParsedLine> {
        let catalog = Catalog::builtin();
        let n = Normalizer { catalog: &catalog, share_content: false };
        let mut ctx = LineContext { person: "p".into(), session_id: "s".into(), ..Default::default() };
        let mut st = CodexState::default();
        lines
            .iter()
            .enumerate()
            .map(|(i, l)| parse_line(&n, l.as_bytes(), &mut ctx, &mut st, i as u64 * 100, i as u64 + 1, None))
            .collect()
    }

    fn item(payload: &str) -> String {
        format!(r#"{{"timestamp":"2025-10-06T15:12:48.000Z","type":"response_item","payload":{payload}}}"#)
    }

    #[test]
    fn tells_typed_prompts_from_injected_context() {
        let lines = [
            item(
                r#"{"type":"message","role":"user","content":[{"type":"input_text","text":"<environment_context>\n  <cwd>/x</cwd>"}]}"#,
            ),
            item(
                r##"{"type":"message","role":"user","content":[{"type":"input_text","text":"# AGENTS.md instructions for /x\n<INSTRUCTIONS>"}]}"##,
            ),
            item(r#"{"type":"message","role":"user","content":[{"type":"input_text","text":"fix the flaky test"}]}"#),
            item(
                r#"{"type":"message","role":"developer","content":[{"type":"input_text","text":"<permissions instructions>"}]}"#,
            ),
        ];
        let lines: Vec<&str> = lines.iter().map(String::as_str).collect();
        let out = parse_all(&lines);
        let meta: Vec<bool> = out.iter().map(|p| p.events[0].is_meta).collect();
        assert_eq!(meta, [true, true, false, true]);
        assert!(out.iter().all(|p| p.events[0].agent == "codex"));
        assert!(out[0].events[0].project.starts_with('p'), "the older layout's cwd sets the project");
    }

    #[test]
    fn shell_calls_are_command_lines_and_patches_name_their_files() {
        let commit = item(
            r#"{"type":"function_call","name":"shell","arguments":"{\"command\":[\"bash\",\"-lc\",\"git add -A && git commit -m x\"]}","call_id":"c1"}"#,
        );
        let patch = item(
            r#"{"type":"function_call","name":"shell","arguments":"{\"command\":[\"apply_patch\",\"*** Begin Patch\\n*** Add File: AGENTS.md\\n+x\\n*** End Patch\"]}","call_id":"c2"}"#,
        );
        let failed = item(
            r#"{"type":"function_call_output","call_id":"c1","output":"Exit code: 1\nWall time: 0 seconds\nOutput:\n"}"#,
        );
        let ok = item(
            r#"{"type":"function_call_output","call_id":"c3","output":"Chunk ID: a\nWall time: 0.1 seconds\nProcess exited with code 0\n"}"#,
        );
        let out = parse_all(&[&commit, &patch, &failed, &ok]);
        let call = &out[0].events[0].tool_calls[0];
        assert_eq!((call.name.as_str(), call.signals.as_slice()), ("shell", &["git_commit".to_string()][..]));
        let call = &out[1].events[0].tool_calls[0];
        assert_eq!(
            (call.name.as_str(), call.signals.as_slice()),
            ("apply_patch", &["project_context_file".to_string()][..])
        );
        assert_eq!((out[2].events[0].tool_results, out[2].events[0].tool_errors), (1, 1));
        assert_eq!((out[3].events[0].tool_results, out[3].events[0].tool_errors), (1, 0));
    }

    #[test]
    fn a_compaction_after_the_answer_was_asked_for() {
        let answer = item(r#"{"type":"message","role":"assistant","content":[{"type":"output_text","text":"done"}]}"#);
        let reasoning = item(r#"{"type":"reasoning","summary":[]}"#);
        let compacted = r#"{"timestamp":"2025-10-06T15:13:00.000Z","type":"compacted","payload":{"message":"s"}}"#;
        let out = parse_all(&[&answer, compacted, &reasoning, compacted]);
        assert_eq!(out[1].events[0].compact_trigger, "manual");
        assert!(out[2].events.is_empty(), "reasoning gives no event");
        assert_eq!(out[3].events[0].compact_trigger, "auto");
    }

    #[test]
    fn plan_mode_sub_agents_unknown_kinds_and_torn_lines() {
        let ctx = r#"{"timestamp":"2026-05-18T16:20:04.000Z","type":"turn_context","payload":{"model":"gpt-5.5","collaboration_mode":{"mode":"plan"}}}"#;
        let answer = item(
            r#"{"type":"message","role":"assistant","content":[{"type":"output_text","text":"<proposed_plan>x</proposed_plan>"}]}"#,
        );
        let future = r#"{"timestamp":"2026-05-18T16:20:04.000Z","type":"future_kind","payload":{}}"#;
        let torn = format!(r#"{{"timestamp":"2026-05-18T16:2{answer}"#);
        let out = parse_all(&[ctx, &answer, future, &torn]);
        assert_eq!((out[1].events[0].permission_mode.as_str(), out[1].events[0].model.as_str()), ("plan", "gpt-5.5"));
        assert_eq!(out[2].unknown_kind.as_deref(), Some("future_kind"));
        assert!(out[3].recovered && out[3].events.len() == 1, "the object after the tear is read");

        let meta = r#"{"timestamp":"2026-05-18T16:21:50.000Z","type":"session_meta","payload":{"id":"child","cwd":"/x","source":{"subagent":{"thread_spawn":{"parent_thread_id":"parent"}}}}}"#;
        let prompt =
            item(r#"{"type":"message","role":"user","content":[{"type":"input_text","text":"list the callers"}]}"#);
        let out = parse_all(&[meta, &prompt]);
        let ev = &out[1].events[0];
        assert_eq!((ev.session_id.as_str(), ev.agent_id.as_str(), ev.is_sidechain), ("parent", "child", true));
    }
}
