//! Which files under a Claude Code folder are transcripts, and whose.

use std::path::{Component, Path};

/// What a `.jsonl` file under `projects/` is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FileRole {
    /// `projects/<dir>/<id>.jsonl`: a session of its own.
    Session { project: String, session_id: String },
    /// `projects/<dir>/agent-<id>.jsonl` (v2.0, session named in its lines) or
    /// `projects/<dir>/<session>/subagents/agent-<id>.jsonl` (v2.1).
    Agent { project: String, session_id: Option<String>, agent_id: String },
}

/// A relative path's names; `None` if one is not UTF-8 or not a plain name.
pub fn names(rel: &Path) -> Option<Vec<&str>> {
    rel.components()
        .map(|c| match c {
            Component::Normal(s) => s.to_str(),
            _ => None,
        })
        .collect()
}

/// Classifies a path relative to the Claude folder; `None` for anything that
/// is not a transcript.
pub fn classify(rel: &Path) -> Option<FileRole> {
    let parts = names(rel)?;
    let stem = parts.last()?.strip_suffix(".jsonl")?;
    if stem.is_empty() {
        return None;
    }
    match parts.as_slice() {
        ["projects", project, _] => Some(match stem.strip_prefix("agent-") {
            Some(agent) => {
                FileRole::Agent { project: project.to_string(), session_id: None, agent_id: agent.to_string() }
            }
            None => FileRole::Session { project: project.to_string(), session_id: stem.to_string() },
        }),
        ["projects", project, session, "subagents", _] => Some(FileRole::Agent {
            project: project.to_string(),
            session_id: Some(session.to_string()),
            agent_id: stem.strip_prefix("agent-").unwrap_or(stem).to_string(),
        }),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tells_sessions_from_subagents() {
        assert_eq!(
            classify(Path::new("projects/-Users-a-cli/85f9.jsonl")),
            Some(FileRole::Session { project: "-Users-a-cli".into(), session_id: "85f9".into() })
        );
        assert_eq!(
            classify(Path::new("projects/-x/agent-a1b2.jsonl")),
            Some(FileRole::Agent { project: "-x".into(), session_id: None, agent_id: "a1b2".into() })
        );
        assert_eq!(
            classify(Path::new("projects/-x/s1/subagents/agent-acompact-9.jsonl")),
            Some(FileRole::Agent {
                project: "-x".into(),
                session_id: Some("s1".into()),
                agent_id: "acompact-9".into()
            })
        );
        assert_eq!(classify(Path::new("projects/-x/s1/subagents/agent-a.meta.json")), None);
        assert_eq!(classify(Path::new("projects/-x/notes.txt")), None);
        assert_eq!(classify(Path::new("todos/x.jsonl")), None);
        assert_eq!(classify(Path::new("projects/-x/.jsonl")), None);
    }
}
