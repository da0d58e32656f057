//! Gemini CLI chat files to normalized events (docs/gemini-sessions.md).
//!
//! A chat is one JSON document, `{"sessionId", "projectHash", "startTime",
//! "lastUpdated", "messages": [...]}`, which the CLI writes again, whole, on
//! every update. Messages only ever get appended, but the last one grows
//! while the model streams and its tool calls finish. So a message is read
//! once it is final: when a later message exists, or (following) when the
//! file has not changed for a while and none of its tool calls is still
//! running, or at once in a one-shot pass. A message's index in `messages`
//! is its identity (the event's offset; its line is the index + 1).

use std::collections::{HashMap, HashSet};
use std::io;
use std::sync::Arc;
use std::time::{Duration, Instant};

use accrete_common::TranscriptEvent;
use accrete_common::config::Agent;
use accrete_common::proto::{Content, TokenUsage};
use accrete_common::time::parse_rfc3339_ms;
use serde_json::Value;

use crate::judge::{CallFact, Facts, Judge, ResultFact, call_id};
use crate::parse::{LineContext, LineError, Normalizer, ParsedLine};
use crate::tail::{BatchBuilder, ReadCtx};
use tracing::{debug, info, warn};

/// Tool call states after which a call changes no more.
const DONE: &[&str] = &["success", "error", "cancelled", "canceled"];

/// Message types the CLI writes; others are counted as unknown and skipped.
pub const KNOWN_TYPES: &[&str] = &["user", "gemini", "info", "error", "warning"];

/// User messages the CLI writes, not the person: the environment turn (with
/// GEMINI.md from v0.44), hook context, compression's snapshot, and a shell
/// command the person ran with `!` (with its output).
const INJECTED: &[&str] =
    &["<session_context>", "<hook_context>", "<state_snapshot>", "I ran the following shell command:"];

/// The model's turn compression writes after its snapshot.
const COMPRESSION_ACK: &str = "Got it. Thanks for the additional context!";

/// A chat file, read.
#[derive(Debug)]
pub struct Chat {
    pub session_id: String,
    /// `subagent` for a subagent's run (v0.31+).
    pub kind: String,
    pub messages: Vec<Value>,
}

/// Reads a chat document; `Err` when it is not (yet) one: the CLI may be
/// halfway through writing it.
pub fn parse_chat(bytes: &[u8]) -> Result<Chat, String> {
    let v: Value = serde_json::from_slice(bytes).map_err(|e| e.to_string())?;
    let Value::Object(mut o) = v else {
        return Err("not a JSON object".into());
    };
    let session_id = o.get("sessionId").and_then(Value::as_str).unwrap_or("").to_owned();
    let kind = o.get("kind").and_then(Value::as_str).unwrap_or("").to_owned();
    let messages = match o.remove("messages") {
        Some(Value::Array(m)) => m,
        Some(_) => return Err("`messages` is not a list".into()),
        None => return Err("no `messages`".into()),
    };
    Ok(Chat { session_id, kind, messages })
}

/// Whether a message can still change: a tool call not finished yet.
pub fn is_settled(msg: &Value) -> bool {
    let calls = msg.get("toolCalls").and_then(Value::as_array).map(Vec::as_slice).unwrap_or(&[]);
    calls.iter().all(|c| c.get("status").and_then(Value::as_str).is_none_or(|s| DONE.contains(&s)))
}

fn s<'v>(v: &'v Value, key: &str) -> &'v str {
    v.get(key).and_then(Value::as_str).unwrap_or("")
}

/// A message's text: a string, or parts (`[{"text": ...}]`) in later
/// versions (thought parts left out).
fn text_of(content: Option<&Value>) -> String {
    match content {
        Some(Value::String(t)) => t.clone(),
        Some(Value::Array(parts)) => {
            let texts: Vec<&str> = parts
                .iter()
                .filter(|p| p.get("thought").and_then(Value::as_bool) != Some(true))
                .filter_map(|p| p.get("text").and_then(Value::as_str))
                .collect();
            texts.join("\n")
        }
        Some(Value::Object(o)) => o.get("text").and_then(Value::as_str).unwrap_or("").to_owned(),
        _ => String::new(),
    }
}

/// How many `functionResponse` parts a user message holds (tool results,
/// recorded as user messages from v0.44), if it holds nothing else.
fn function_responses(content: Option<&Value>) -> Option<u32> {
    let parts = content?.as_array()?;
    let all = !parts.is_empty() && parts.iter().all(|p| p.get("functionResponse").is_some());
    all.then_some(parts.len() as u32)
}

/// A tool call's result as text: the function response's `output` (or
/// `error`), else what the CLI displayed.
fn result_text(call: &Value) -> String {
    let mut out = String::new();
    let id = s(call, "id");
    if let Some(parts) = call.get("result").and_then(Value::as_array) {
        for p in parts {
            let Some(f) = p.get("functionResponse") else { continue };
            // After a re-sync one call's result can hold its siblings' too.
            if !id.is_empty() && f.get("id").and_then(Value::as_str).is_some_and(|x| x != id) {
                continue;
            }
            if let Some(r) = f.get("response") {
                for key in ["output", "error"] {
                    if let Some(t) = r.get(key).and_then(Value::as_str) {
                        out.push_str(t);
                    }
                }
            }
        }
    }
    if out.is_empty() {
        out = s(call, "resultDisplay").to_owned();
    }
    out
}

/// What a chat's earlier messages set, for the later ones.
#[derive(Debug, Default)]
pub struct GeminiState {
    /// Message id -> the ids of its tool calls already handed on: the JSONL
    /// layout appends a message again as its tool calls finish.
    seen: HashMap<String, HashSet<String>>,
    /// The file is a subagent's run: its opening prompt is the parent agent's.
    pub subagent: bool,
    users: u32,
}

/// Where an event sits in its file.
pub struct At {
    pub offset: u64,
    pub line: u64,
    pub part: u32,
    pub bytes: usize,
}

/// The event of one message and what the judge reads of it: `Ok(None)` for
/// a message already handed on with nothing new, `Err` for an unknown type.
pub fn message_event(
    n: &Normalizer,
    ctx: &LineContext,
    st: &mut GeminiState,
    at: At,
    msg: &Value,
    judge: Option<&Judge>,
) -> Result<Option<(TranscriptEvent, Facts)>, String> {
    let ty = s(msg, "type");
    if !KNOWN_TYPES.contains(&ty) {
        return Err(if ty.is_empty() { "(no type)".into() } else { ty.to_owned() });
    }
    let id = s(msg, "id").to_owned();
    let first = !st.seen.contains_key(&id);
    let calls = msg.get("toolCalls").and_then(Value::as_array).map(Vec::as_slice).unwrap_or(&[]);
    let done = st.seen.entry(id).or_default();
    // Calls to hand on: finished, and not handed on with an earlier copy.
    let new_calls: Vec<&Value> =
        calls.iter().filter(|c| DONE.contains(&s(c, "status")) && !done.contains(s(c, "id"))).collect();
    if !first && new_calls.is_empty() {
        return Ok(None);
    }
    done.extend(new_calls.iter().map(|c| s(c, "id").to_owned()));
    let text = if first { text_of(msg.get("content")) } else { String::new() };
    let line_type = match ty {
        "user" => "user",
        "gemini" => "assistant",
        _ => "system",
    };
    let mut ev = TranscriptEvent {
        part: at.part,
        timestamp_ms: parse_rfc3339_ms(s(msg, "timestamp")).unwrap_or(0),
        agent: Agent::Gemini.as_str().to_owned(),
        is_sidechain: !ctx.agent_id.is_empty(),
        // A random id; a message appended again (its tool calls done) keeps it.
        message_id: s(msg, "id").to_owned(),
        ..ctx.event(at.offset, at.line, line_type, at.bytes)
    };
    let mut facts = Facts::default();
    match ty {
        "user" => {
            if let Some(results) = function_responses(msg.get("content")) {
                ev.tool_results = results;
            } else {
                st.users += 1;
                let opening = st.subagent && st.users == 1;
                ev.is_meta = opening || INJECTED.iter().any(|p| text.trim_start().starts_with(p));
                if !ev.is_meta {
                    // What was typed: `displayContent` (v0.28+) holds a custom
                    // command as typed; older files append `/name args` to
                    // the expanded prompt when it takes no `{{args}}`.
                    let shown = text_of(msg.get("displayContent"));
                    let typed = if shown.trim().is_empty() { text.as_str() } else { shown.as_str() };
                    let tail = text.rsplit_once("\n\n/").map(|(_, t)| t);
                    if let Some(name) = super::command_name(typed)
                        .or_else(|| tail.and_then(|t| t.split_whitespace().next()).filter(|n| super::is_command(n)))
                    {
                        ev.commands.push(name.to_owned());
                    }
                    if judge.is_some() {
                        facts.user_text = Some(text.clone());
                    }
                }
            }
        }
        "gemini" => {
            ev.model = s(msg, "model").to_owned();
            // Not the model's: compression's acknowledgement, and the record
            // `/memory add` makes for its `save_memory` call (no tokens).
            let save_only = !calls.is_empty() && calls.iter().all(|c| s(c, "name") == "save_memory");
            ev.is_meta =
                text.trim() == COMPRESSION_ACK || (save_only && msg.get("tokens").is_none() && text.is_empty());
            if first && let Some(t) = msg.get("tokens").filter(|t| t.is_object()) {
                let n = |k: &str| t.get(k).and_then(Value::as_u64).unwrap_or(0);
                ev.usage = Some(TokenUsage {
                    input_tokens: n("input").saturating_sub(n("cached")),
                    output_tokens: n("output"),
                    cache_creation_input_tokens: 0,
                    cache_read_input_tokens: n("cached"),
                });
            }
            if let Some(j) = judge
                && !text.is_empty()
            {
                j.vocab(&text, &mut facts.vocab);
                facts.proposes = j.wants_proposal() && j.proposes(&text);
            }
            for c in new_calls {
                let name = s(c, "name");
                let args = c.get("args").cloned().unwrap_or(Value::Null);
                let fields: Vec<(&str, &str)> = match &args {
                    Value::Object(o) => o.iter().filter_map(|(k, v)| v.as_str().map(|v| (k.as_str(), v))).collect(),
                    _ => Vec::new(),
                };
                let call = n.agent_tool_call(name, &fields, &args.to_string());
                let status = s(c, "status");
                // A Gemini message holds its calls' results: the call and its
                // result reach the judge together.
                ev.tool_results += 1;
                ev.tool_errors += (status != "success") as u32;
                if judge.is_some() {
                    let cid = s(c, "id");
                    let commit = call.signals.iter().any(|s| s == crate::judge::COMMIT_SIGNAL);
                    // A plan-mode plan written under ~/.gemini is not code.
                    let plan_file = name == "write_file" && s(&args, "file_path").contains("/.gemini/");
                    facts.calls.push(CallFact::new(cid, if plan_file { "plan_file" } else { name }));
                    if commit {
                        facts.commit_calls.push(call_id(cid));
                    }
                    facts.results.push(ResultFact {
                        tool_use_id: call_id(cid),
                        is_error: status != "success",
                        text: commit.then(|| result_text(c)),
                    });
                }
                ev.tool_calls.push(call);
            }
        }
        _ => {
            ev.system_subtype = ty.to_owned();
            if ty == "info" {
                info_signals(&text, &mut ev);
            }
        }
    }
    if n.share_content && first {
        ev.content = Some(Content { text, cwd: String::new() });
    }
    Ok(Some((ev, facts)))
}

/// What the CLI's info messages tell: a compression (an empty message is a
/// manual `/compress`), and plan mode switched on (`/plan`).
fn info_signals(text: &str, ev: &mut TranscriptEvent) {
    let t = text.trim();
    if t.is_empty() {
        ev.system_subtype = "compact_boundary".into();
        ev.compact_trigger = "manual".into();
    } else if t.starts_with("IMPORTANT: This conversation exceeded the compress threshold")
        || t.starts_with("Context compressed from")
    {
        ev.system_subtype = "compact_boundary".into();
        ev.compact_trigger = "auto".into();
    } else if t.starts_with("Switched to Plan Mode") {
        ev.permission_mode = "plan".into();
    }
}

/// One line of a JSONL chat (v0.39+): the metadata line, a message (again,
/// when it changed), `{"$set": ...}` (a whole new message list when it has
/// `messages`) or `{"$rewindTo": id}`. Every message ever written counts
/// once: a rewind or a compression does not take back what happened.
#[allow(clippy::too_many_arguments)]
pub fn parse_line(
    n: &Normalizer,
    bytes: &[u8],
    ctx: &mut LineContext,
    st: &mut GeminiState,
    offset: u64,
    line: u64,
    mut judge: Option<&mut Judge>,
) -> ParsedLine {
    let mut out = ParsedLine::default();
    let text = match simdutf8::basic::from_utf8(bytes) {
        Ok(t) => std::borrow::Cow::Borrowed(t),
        Err(_) => {
            out.invalid_utf8 = true;
            std::borrow::Cow::Owned(String::from_utf8_lossy(bytes).into_owned())
        }
    };
    let v = match serde_json::from_str::<Value>(&text) {
        Ok(v @ Value::Object(_)) => v,
        Ok(_) => {
            out.error = Some(LineError::InvalidJson("not a JSON object".into()));
            return out;
        }
        Err(e) => {
            out.error = Some(LineError::InvalidJson(e.to_string()));
            return out;
        }
    };
    let messages: Vec<&Value> = if v.get("id").and_then(Value::as_str).is_some() {
        vec![&v]
    } else if let Some(set) = v.get("$set") {
        set.get("messages").and_then(Value::as_array).map(|m| m.iter().collect()).unwrap_or_default()
    } else if v.get("$rewindTo").is_some() {
        Vec::new()
    } else if v.get("sessionId").is_some() && v.get("projectHash").is_some() {
        // The metadata line.
        st.subagent |= s(&v, "kind") == "subagent";
        if ctx.agent_id.is_empty() {
            if st.subagent {
                ctx.agent_id = s(&v, "sessionId").to_owned();
            } else if let Some(id) = v.get("sessionId").and_then(Value::as_str).filter(|x| !x.is_empty()) {
                ctx.session_id = id.to_owned();
            }
        }
        Vec::new()
    } else {
        out.unknown_kind = Some("(no id, $set or $rewindTo)".into());
        return out;
    };
    for (part, m) in messages.into_iter().enumerate() {
        let at = At { offset, line, part: part as u32, bytes: bytes.len() };
        let item = message_event(n, ctx, st, at, m, judge.as_deref());
        super::push_item(&mut out, item, judge.as_deref_mut());
    }
    out
}

impl crate::tail::TrackedFile {
    /// Reads a Gemini chat file again when it changed, and hands on the
    /// messages that became final since the last read. `line` counts the
    /// messages handed on; `offset` is the size the file had then (0 while a
    /// message waits to settle, with `partial` 1, so the file is read again).
    pub(crate) fn read_chat(&mut self, batch: &mut BatchBuilder, rc: &mut ReadCtx) -> io::Result<()> {
        let Some(meta) = self.stat()? else { return Ok(()) };
        // Known from now on: an unchanged file is not read again.
        self.file_id = std::os::unix::fs::MetadataExt::ino(&meta);
        let size = meta.len();
        self.size = size;
        if size > rc.max_line_bytes {
            if self.offset != size {
                warn!(path = %self.abs.display(), bytes = size, max_line_bytes = rc.max_line_bytes, "skipping a chat file larger than collector.max_line_bytes");
                rc.counters.lines_oversized.inc();
            }
            self.offset = size;
            self.partial = 0;
            batch.checkpoint(self.checkpoint());
            return Ok(());
        }
        let bytes = std::fs::read(&self.abs)?;
        rc.counters.bytes_read.add(bytes.len() as u64);
        let now = Instant::now();
        let since = match self.partial_seen {
            Some((len, t)) if len == bytes.len() as u64 => t,
            _ => now,
        };
        self.partial_seen = Some((bytes.len() as u64, since));
        let settled_for = now.duration_since(since);
        let grace = rc.tail_grace.unwrap_or(Duration::MAX);
        let chat = match parse_chat(&bytes) {
            Ok(c) => c,
            Err(e) if settled_for < grace => {
                // The CLI writes the whole file again on each update: a read
                // can meet it half written. Try again on the next pass.
                debug!(path = %self.abs.display(), error = %e, "waiting for a whole chat file");
                self.partial = 1;
                return Ok(());
            }
            Err(e) => {
                warn!(path = %self.abs.display(), bytes = bytes.len(), error = %e, "skipping a chat file that is not a JSON chat");
                rc.counters.lines_invalid_json.inc();
                self.offset = size;
                self.partial = 0;
                batch.checkpoint(self.checkpoint());
                return Ok(());
            }
        };
        if chat.kind == "subagent" {
            // A subagent's run in a flat file (v0.31-v0.36): a sidechain.
            if self.ctx.agent_id.is_empty() {
                self.ctx.agent_id = chat.session_id.clone();
            }
        } else if !chat.session_id.is_empty() && self.ctx.agent_id.is_empty() {
            self.ctx.session_id = chat.session_id.clone();
        }
        let total = chat.messages.len() as u64;
        // A rewind (v0.27+) deletes messages: fewer than were read, or
        // another message where the last one read was.
        let last_id = (self.line > 0).then(|| chat.messages.get(self.line as usize - 1).map(|m| s(m, "id")));
        let moved = matches!((&self.chat_last_id, last_id), (Some(want), Some(Some(got))) if want != got);
        if total < self.line || moved {
            warn!(path = %self.abs.display(), messages = total, read = self.line, "chat file lost messages that were read (a rewind); forgetting what it gave and reading it again");
            rc.counters.files_reset.inc();
            if !batch.is_empty() {
                (rc.flush)(batch.take())?;
            }
            batch.resets.push(self.key.clone());
            self.line = 0;
            self.judge = None;
            self.gemini = None;
        }
        if self.gemini.is_none() {
            // Rebuilt from the messages handed on before (after a restart or a reset).
            let mut st = GeminiState { subagent: chat.kind == "subagent", ..Default::default() };
            let mut judge = rc.judge.map(|r| Judge::new(Arc::clone(r)));
            for (i, m) in chat.messages.iter().enumerate().take(self.line as usize) {
                let at = At { offset: i as u64, line: i as u64 + 1, part: 0, bytes: 0 };
                if let Ok(Some((mut ev, facts))) =
                    message_event(rc.normalizer, &self.ctx, &mut st, at, m, judge.as_ref())
                    && let Some(j) = judge.as_mut()
                {
                    j.observe(&facts, &mut ev);
                }
            }
            self.gemini = Some(st);
            self.judge = judge;
        }
        let one_shot = rc.tail_grace == Some(Duration::ZERO);
        let mut pending = false;
        for i in self.line as usize..chat.messages.len() {
            let m = &chat.messages[i];
            let last = i + 1 == chat.messages.len();
            if last && !one_shot && !(settled_for >= grace && is_settled(m)) {
                pending = true;
                break;
            }
            // A message's share of the file, not its size written out again.
            let share = bytes.len() / chat.messages.len().max(1);
            let at = At { offset: i as u64, line: i as u64 + 1, part: 0, bytes: share };
            let st = self.gemini.get_or_insert_with(GeminiState::default);
            match message_event(rc.normalizer, &self.ctx, st, at, m, self.judge.as_ref()) {
                Ok(Some((mut ev, facts))) => {
                    if let Some(j) = self.judge.as_mut() {
                        j.observe(&facts, &mut ev);
                    }
                    rc.counters.lines_read.inc();
                    rc.counters.events.inc();
                    batch.events.push(ev);
                }
                Ok(None) => {}
                Err(kind) => {
                    rc.counters.lines_unknown_type.inc();
                    if !self.unknown_types_logged {
                        self.unknown_types_logged = true;
                        info!(path = %self.abs.display(), message = i, kind = %kind, "unknown message type; skipped");
                    }
                }
            }
            self.line = i as u64 + 1;
            self.chat_last_id = Some(s(m, "id").to_owned());
            if batch.len() >= rc.batch_max_events {
                // Offset 0: the file is read again after a restart (`line`
                // says how many messages were handed on).
                let mut c = self.checkpoint();
                c.offset = 0;
                batch.checkpoint(c);
                (rc.flush)(batch.take())?;
            }
        }
        // A message still settling: offset 0 has the file read again (also
        // after a restart), `partial` says why.
        self.offset = if pending { 0 } else { size };
        self.partial = pending as u64;
        batch.checkpoint(self.checkpoint());
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use accrete_common::catalog::Catalog;

    fn events(lines: &[&str]) -> Vec<TranscriptEvent> {
        let catalog = Catalog::builtin();
        let n = Normalizer { catalog: &catalog, share_content: false };
        let mut ctx = LineContext { person: "p".into(), session_id: "from-name".into(), ..Default::default() };
        let mut st = GeminiState::default();
        let mut out = Vec::new();
        for (i, l) in lines.iter().enumerate() {
            out.extend(parse_line(&n, l.as_bytes(), &mut ctx, &mut st, i as u64 * 100, i as u64 + 1, None).events);
        }
        out
    }

    const META: &str = r#"{"sessionId":"s1","projectHash":"ab","startTime":"2026-08-18T09:30:41.118Z","kind":"main"}"#;

    #[test]
    fn a_message_appended_again_gives_only_its_new_tool_calls() {
        let first = r#"{"id":"g1","timestamp":"2026-08-18T09:31:14.870Z","type":"gemini","content":"","model":"m"}"#;
        let again = r#"{"id":"g1","timestamp":"2026-08-18T09:31:14.870Z","type":"gemini","content":"","model":"m","toolCalls":[{"id":"t1","name":"write_todos","args":{},"status":"success"},{"id":"t2","name":"run_shell_command","args":{"command":"git commit -m x"},"status":"executing"}]}"#;
        let done = r#"{"id":"g1","timestamp":"2026-08-18T09:31:14.870Z","type":"gemini","content":"","model":"m","toolCalls":[{"id":"t1","name":"write_todos","args":{},"status":"success"},{"id":"t2","name":"run_shell_command","args":{"command":"git commit -m x"},"status":"success"}]}"#;
        let evs =
            events(&[META, first, again, again, done, r#"{"$set":{"lastUpdated":"x"}}"#, r#"{"$rewindTo":"g1"}"#]);
        let calls: Vec<Vec<&str>> =
            evs.iter().map(|e| e.tool_calls.iter().map(|c| c.name.as_str()).collect()).collect();
        assert_eq!(calls, [vec![], vec!["write_todos"], vec!["run_shell_command"]]);
        assert!(evs.iter().all(|e| e.session_id == "s1" && e.message_id == "g1" && e.agent == "gemini"));
        assert_eq!(evs[2].tool_calls[0].signals, ["git_commit"]);
    }

    #[test]
    fn typed_prompts_commands_and_info_signals() {
        let ctx = r#"{"$set":{"messages":[{"id":"e","timestamp":"2026-08-18T09:30:41.131Z","type":"user","content":[{"text":"<session_context>\nThis is the Gemini CLI."}]}]}}"#;
        let typed = r#"{"id":"u1","timestamp":"2026-08-18T09:31:05.402Z","type":"user","content":[{"text":"Write a commit message"}],"displayContent":[{"text":"/commit-msg the fix"}]}"#;
        let shell = r#"{"id":"u2","timestamp":"2026-08-18T09:31:06.402Z","type":"user","content":[{"text":"I ran the following shell command:\n```sh\ngit log\n```"}]}"#;
        let results = r#"{"id":"u3","timestamp":"2026-08-18T09:31:07.402Z","type":"user","content":[{"functionResponse":{"id":"t1","name":"x","response":{}}}]}"#;
        let compress = r#"{"id":"i1","timestamp":"2026-08-18T09:38:12.931Z","type":"info","content":""}"#;
        let plan =
            r#"{"id":"i2","timestamp":"2026-08-18T09:38:13.931Z","type":"info","content":"Switched to Plan Mode."}"#;
        let odd = r#"{"id":"n1","timestamp":"2026-08-18T09:38:50.000Z","type":"notice","content":"x"}"#;
        let evs = events(&[META, ctx, typed, shell, results, compress, plan, odd]);
        let meta: Vec<bool> = evs.iter().map(|e| e.is_meta).collect();
        assert_eq!(meta, [true, false, true, false, false, false], "the unknown `notice` gives no event");
        assert_eq!(evs[1].commands, ["commit-msg"]);
        assert_eq!(evs[3].tool_results, 1);
        assert_eq!((evs[4].system_subtype.as_str(), evs[4].compact_trigger.as_str()), ("compact_boundary", "manual"));
        assert_eq!(evs[5].permission_mode, "plan");
    }

    #[test]
    fn a_subagent_run_is_a_sidechain_opened_by_the_parent() {
        let catalog = Catalog::builtin();
        let n = Normalizer { catalog: &catalog, share_content: false };
        let mut ctx = LineContext {
            person: "p".into(),
            session_id: "parent".into(),
            agent_id: "a1".into(),
            ..Default::default()
        };
        let mut st = GeminiState::default();
        let meta = r#"{"sessionId":"a1","projectHash":"ab","startTime":"x","kind":"subagent"}"#;
        let prompt = r#"{"id":"u1","timestamp":"2026-08-18T09:31:15.420Z","type":"user","content":[{"text":"Your task is to do a deep investigation"}]}"#;
        parse_line(&n, meta.as_bytes(), &mut ctx, &mut st, 0, 1, None);
        let p = parse_line(&n, prompt.as_bytes(), &mut ctx, &mut st, 100, 2, None);
        let ev = &p.events[0];
        assert_eq!(
            (ev.session_id.as_str(), ev.agent_id.as_str(), ev.is_sidechain, ev.is_meta),
            ("parent", "a1", true, true)
        );
    }

    #[test]
    fn a_chat_document_and_its_settling() {
        let doc = br#"{"sessionId":"s","projectHash":"h","messages":[{"id":"g","type":"gemini","toolCalls":[{"id":"t","name":"x","status":"executing"}]}]}"#;
        let chat = parse_chat(doc).unwrap();
        assert_eq!(chat.session_id, "s");
        assert!(!is_settled(&chat.messages[0]), "a running tool call can still change");
        assert!(parse_chat(&doc[..40]).is_err(), "half a write is not a chat");
    }
}
