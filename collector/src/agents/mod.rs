//! Session files of agents other than Claude Code, normalized into the same
//! events: Codex CLI rollouts (JSON lines, read by the same line reader as
//! Claude Code transcripts) and Gemini CLI chats (one JSON document that the
//! CLI rewrites whole). The formats are described in docs/codex-sessions.md
//! and docs/gemini-sessions.md.

pub mod codex;
pub mod gemini;

use std::path::Path;

use accrete_common::config::Agent;
use accrete_common::proto::ToolCall;

use crate::parse::Normalizer;

/// How a followed file is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Format {
    /// Claude Code transcript lines.
    #[default]
    Claude,
    /// Codex CLI rollout lines.
    Codex,
    /// A Gemini CLI chat up to v0.38: one JSON document, rewritten on every update.
    GeminiJson,
    /// A Gemini CLI chat from v0.39: records appended as JSON lines.
    GeminiJsonl,
}

/// What a session file found under a source folder is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    pub format: Format,
    /// The project as the path tells it (Gemini's project folder); Codex
    /// names its working directory inside the file.
    pub project: String,
    /// The session id as the path tells it (may be replaced by the one the
    /// file names).
    pub session_id: String,
    /// A subagent's file (Gemini's `chats/<session>/<agent>.jsonl`).
    pub agent_id: String,
}

/// Classifies a path relative to a Codex or Gemini folder; `None` for
/// anything that is not a session file of that agent.
///
/// - Codex: `sessions/YYYY/MM/DD/rollout-<time>-<uuid>.jsonl`, and the same
///   names in `archived_sessions/` (where `codex` moves archived sessions;
///   their lines have the same identity, so reading both counts once).
/// - Gemini: `tmp/<project>/chats/session-<time>-<id8>.json`. `logs.json`
///   (the prompts again) and `checkpoint-*.json` (saved copies of a chat)
///   repeat what the chats hold and are not read.
pub fn classify(agent: Agent, rel: &Path) -> Option<Found> {
    let parts = crate::files::names(rel)?;
    let file = *parts.last()?;
    match (agent, parts.as_slice()) {
        (Agent::Codex, ["sessions", .., _] | ["archived_sessions", .., _]) => {
            let stem = file.strip_suffix(".jsonl")?.strip_prefix("rollout-")?;
            let session_id = codex_session_id(stem);
            Some(Found { format: Format::Codex, project: String::new(), session_id, agent_id: String::new() })
        }
        (Agent::Gemini, ["tmp", project, "chats", _]) => {
            let (stem, format) = gemini_stem(file)?;
            let session_id = stem.strip_prefix("session-")?.to_string();
            Some(Found { format, project: project.to_string(), session_id, agent_id: String::new() })
        }
        // A subagent's run (v0.37+), in a folder named for its session.
        (Agent::Gemini, ["tmp", project, "chats", session, _]) => {
            let (stem, format) = gemini_stem(file)?;
            Some(Found { format, project: project.to_string(), session_id: session.to_string(), agent_id: stem.into() })
        }
        _ => None,
    }
}

/// A Gemini chat file's stem and layout (`.jsonl` from v0.39, `.json` before).
fn gemini_stem(file: &str) -> Option<(&str, Format)> {
    match file.strip_suffix(".jsonl") {
        Some(s) => Some((s, Format::GeminiJsonl)),
        None => Some((file.strip_suffix(".json")?, Format::GeminiJson)),
    }
}

/// The UUID at the end of a rollout file's stem (`2025-09-14T10-12-33-<uuid>`),
/// else the whole stem.
fn codex_session_id(stem: &str) -> String {
    let tail = stem.len().checked_sub(36).and_then(|i| stem.get(i..));
    match tail {
        Some(t)
            if t.bytes().filter(|b| *b == b'-').count() == 4
                && t.bytes().all(|b| b == b'-' || b.is_ascii_hexdigit()) =>
        {
            t.to_string()
        }
        _ => stem.to_string(),
    }
}

/// The folder under a source that holds its session files, and how deep
/// they lie in it.
pub fn roots(agent: Agent) -> &'static [(&'static str, usize)] {
    match agent {
        Agent::ClaudeCode => &[("projects", 3)],
        Agent::Codex => &[("sessions", 4), ("archived_sessions", 4)],
        Agent::Gemini => &[("tmp", 4)],
    }
}

/// The file name endings session files of an agent have.
pub fn extensions(agent: Agent) -> &'static [&'static str] {
    match agent {
        Agent::Gemini => &["json", "jsonl"],
        _ => &["jsonl"],
    }
}

impl Normalizer<'_> {
    /// A tool call of another agent, with the catalog's signals evaluated on
    /// its input fields (a field may come several times: each file a patch
    /// touches is a `file_path`). The input leaves the machine only with
    /// the person's opt-in.
    pub(crate) fn agent_tool_call(&self, name: &str, fields: &[(&str, &str)], raw_input: &str) -> ToolCall {
        let mut call = ToolCall { name: name.to_owned(), ..Default::default() };
        for s in &self.catalog.signals {
            if !s.tools.iter().any(|t| t == name) {
                continue;
            }
            let hit = s.fields().any(|f| fields.iter().any(|(k, v)| *k == f && s.matches_value(v)));
            if hit {
                call.signals.push(s.id.clone());
            }
        }
        if self.share_content {
            call.input_json = raw_input.to_owned();
        }
        call
    }
}

/// A slash command or custom prompt the person typed (`/name args`,
/// `/prompts:name args`), without the `/`.
pub(crate) fn command_name(text: &str) -> Option<&str> {
    let rest = text.trim_start().strip_prefix('/')?;
    let name = rest.split(char::is_whitespace).next()?;
    is_command(name).then_some(name)
}

/// Whether a word is a command name (`review-pr`, `prompts:fix`, `git:commit`).
pub(crate) fn is_command(name: &str) -> bool {
    !name.is_empty() && name.chars().all(|c| c.is_alphanumeric() || "-_:.".contains(c))
}

/// Adds one item's event to a parsed line, the judge reading it first; an
/// unknown kind is noted.
pub(crate) fn push_item(
    out: &mut crate::parse::ParsedLine,
    item: Result<Option<(accrete_common::TranscriptEvent, crate::judge::Facts)>, String>,
    judge: Option<&mut crate::judge::Judge>,
) {
    match item {
        Ok(Some((mut ev, facts))) => {
            if let Some(j) = judge {
                j.observe(&facts, &mut ev);
            }
            out.events.push(ev);
        }
        Ok(None) => {}
        Err(kind) => out.unknown_kind = Some(kind),
    }
}

/// The files an `apply_patch` input adds, updates, deletes or moves to.
pub fn patch_files(patch: &str) -> Vec<&str> {
    const HEADS: [&str; 4] = ["*** Add File: ", "*** Update File: ", "*** Delete File: ", "*** Move to: "];
    patch
        .lines()
        .filter_map(|l| HEADS.iter().find_map(|h| l.trim_start().strip_prefix(h)))
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tells_session_files_of_each_agent() {
        let c = classify(
            Agent::Codex,
            Path::new("sessions/2025/09/14/rollout-2025-09-14T10-12-33-0199a1b2-3c4d-7e5f-8a9b-0c1d2e3f4a5b.jsonl"),
        )
        .unwrap();
        assert_eq!((c.format, c.session_id.as_str()), (Format::Codex, "0199a1b2-3c4d-7e5f-8a9b-0c1d2e3f4a5b"));
        let c = classify(Agent::Codex, Path::new("archived_sessions/rollout-odd.jsonl")).unwrap();
        assert_eq!(c.session_id, "odd");
        assert_eq!(classify(Agent::Codex, Path::new("sessions/2025/09/14/notes.jsonl")), None);
        assert_eq!(classify(Agent::Codex, Path::new("history.jsonl")), None);
        let g = classify(Agent::Gemini, Path::new("tmp/ab12/chats/session-2025-09-20T10-15-1a2b3c4d.json")).unwrap();
        assert_eq!((g.format, g.project.as_str()), (Format::GeminiJson, "ab12"));
        let g = classify(Agent::Gemini, Path::new("tmp/demo/chats/session-2026-08-18T09-30-7f3e9a2c.jsonl")).unwrap();
        assert_eq!(g.format, Format::GeminiJsonl);
        let g = classify(Agent::Gemini, Path::new("tmp/demo/chats/7f3e/3c9e.jsonl")).unwrap();
        assert_eq!((g.session_id.as_str(), g.agent_id.as_str()), ("7f3e", "3c9e"));
        assert_eq!(classify(Agent::Gemini, Path::new("tmp/ab12/logs.json")), None);
        assert_eq!(classify(Agent::Gemini, Path::new("tmp/ab12/checkpoint-x.json")), None);
        assert_eq!(classify(Agent::Gemini, Path::new("sessions/2025/09/14/rollout-x.jsonl")), None);
    }

    #[test]
    fn reads_the_files_of_a_patch() {
        let p =
            "*** Begin Patch\n*** Update File: src/a.rs\n@@\n-x\n+y\n*** Add File: AGENTS.md\n+# Notes\n*** End Patch";
        assert_eq!(patch_files(p), vec!["src/a.rs", "AGENTS.md"]);
    }
}
