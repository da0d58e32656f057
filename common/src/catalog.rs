//! The practice catalog: versioned data (TOML) that names each practice and
//! its rule, loaded by the collector (for signals) and the classifier (for
//! rules). Nothing about a particular practice is hard-coded elsewhere.

use std::collections::HashSet;
use std::path::Path;

use regex::Regex;
use serde::{Deserialize, Serialize};

use crate::config::Agent;
use crate::lexicon::{JUDGEMENTS, JudgeRules};

/// The catalog shipped with this build: v2, the objective practices of v1
/// (unchanged, so v1 rows stay comparable) and the judgement practices.
pub const BUILTIN_CATALOG: &str = include_str!("../../catalog/practices-v2.toml");

/// Version 1, the objective practices only (`catalog = ".../practices-v1.toml"`).
pub const CATALOG_V1: &str = include_str!("../../catalog/practices-v1.toml");

/// Suffix of the mark key that closes a practice's window (see [`Practice::before`]).
pub const BEFORE_SUFFIX: &str = ".before";

/// Suffix of the mark key that cancels a practice (see [`Practice::unless`]).
pub const UNLESS_SUFFIX: &str = ".unless";

#[derive(Debug, thiserror::Error)]
pub enum CatalogError {
    #[error("cannot read catalog {path}: {source}")]
    Io { path: String, source: std::io::Error },
    #[error("invalid catalog: {0}")]
    Parse(#[from] toml::de::Error),
    #[error("invalid catalog: {0}")]
    Invalid(String),
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Catalog {
    pub version: String,
    #[serde(default)]
    pub signals: Vec<Signal>,
    pub practices: Vec<Practice>,
    /// Phrases, patterns and thresholds of the judgement practices (v2).
    #[serde(default)]
    pub judge: Option<JudgeRules>,
}

/// A predicate on a tool call's input, evaluated by the collector so that the
/// input itself stays on the developer's machine.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Signal {
    pub id: String,
    pub tools: Vec<String>,
    /// Input field(s) to look at; the first present one is used.
    #[serde(default)]
    pub field: Option<String>,
    #[serde(default)]
    pub fields: Vec<String>,
    /// The field matches this regular expression...
    #[serde(default)]
    pub regex: Option<String>,
    /// ...or its last path component is one of these names.
    #[serde(default)]
    pub basenames: Vec<String>,
    #[serde(skip)]
    compiled: Option<Regex>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Practice {
    pub id: String,
    pub name: String,
    pub description: String,
    #[serde(rename = "match")]
    pub matchers: Vec<Matcher>,
    /// The practice counts only if its first match precedes the first event
    /// matching this (in the session's own file).
    #[serde(default)]
    pub before: Option<Matcher>,
    /// The practice counts only if no event of the session matches this
    /// (`focused_session` unless `sprawl`).
    #[serde(default)]
    pub unless: Option<Matcher>,
    #[serde(default)]
    pub include_sidechain: bool,
    /// How the dashboard groups it: a feature used, or how the person steers.
    #[serde(default)]
    pub group: Group,
    /// The agents whose sessions can show it (`claude_code`, `codex`,
    /// `gemini`); for the others it is "n/a", not 0 %. Default: Claude Code.
    #[serde(default = "claude_only")]
    pub agents: Vec<String>,
}

fn claude_only() -> Vec<String> {
    vec![Agent::ClaudeCode.as_str().to_owned()]
}

/// Prefix of the marker practices the catalog adds for agents other than
/// Claude Code (`agent_codex`, `agent_gemini`): every session of that agent
/// shows its marker, so every store and roll-up counts each agent's sessions
/// the way it counts practices, and the matrix can tell which sessions a
/// practice applies to. Markers are never shown as practices.
pub const AGENT_MARKER_PREFIX: &str = "agent_";

#[derive(Debug, Clone, Copy, Default, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Group {
    #[default]
    ToolUse,
    Steering,
    /// An agent marker ([`AGENT_MARKER_PREFIX`]), not a practice.
    Agent,
}

impl Group {
    pub fn as_str(self) -> &'static str {
        match self {
            Group::ToolUse => "tool_use",
            Group::Steering => "steering",
            Group::Agent => "agent",
        }
    }
}

/// Conditions on one event; all given conditions must hold.
#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Matcher {
    /// A tool call with one of these names (and the signal, if given).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tools: Vec<String>,
    /// A tool call carrying this collector signal.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signal: Option<String>,
    /// A slash command with one of these names.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub commands: Vec<String>,
    /// A slash command with a name not in this list.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub commands_except: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub permission_mode: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub system_subtype: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub compact_trigger: Option<String>,
    /// A judgement the collector reached (catalog v2; see `[judge]`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub judgement: Option<String>,
    /// An event of this agent (`claude_code`, `codex`, `gemini`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent: Option<String>,
}

impl Matcher {
    /// Whether the matcher looks at tool calls (and so matches per call).
    pub fn is_tool_matcher(&self) -> bool {
        !self.tools.is_empty() || self.signal.is_some()
    }

    /// Whether the matcher looks at commands.
    pub fn is_command_matcher(&self) -> bool {
        !self.commands.is_empty() || self.commands_except.is_some()
    }

    fn is_empty(&self) -> bool {
        *self == Matcher::default()
    }

    /// The rule as one line of TOML-like text, for the catalog API.
    pub fn describe(&self) -> String {
        toml::to_string(self).unwrap_or_default().trim().replace('\n', ", ")
    }
}

impl Signal {
    pub fn fields(&self) -> impl Iterator<Item = &str> {
        self.field.iter().chain(self.fields.iter()).map(String::as_str)
    }

    /// Evaluates the signal on one field value.
    pub fn matches_value(&self, value: &str) -> bool {
        if let Some(re) = &self.compiled
            && re.is_match(value)
        {
            return true;
        }
        if !self.basenames.is_empty() {
            let base = value.rsplit(['/', '\\']).next().unwrap_or(value);
            return self.basenames.iter().any(|b| b == base);
        }
        false
    }
}

impl Practice {
    /// The rule, as shown in the catalog API.
    pub fn rule_text(&self) -> String {
        let judgements: Vec<&str> = self.matchers.iter().filter_map(|m| m.judgement.as_deref()).collect();
        if !judgements.is_empty() && judgements.len() == self.matchers.len() {
            let mut s = format!(
                "the judgement `{}`, reached by the collector from the person's prompts on their machine ([judge] rules)",
                judgements.join("` or `")
            );
            if let Some(u) = self.unless.as_ref().and_then(|u| u.judgement.as_deref()) {
                s.push_str(&format!(", unless the session has `{u}`"));
            }
            return s;
        }
        let any: Vec<String> = self.matchers.iter().map(|m| format!("{{ {} }}", m.describe())).collect();
        let mut s = format!("any of [{}]", any.join(", "));
        if let Some(b) = &self.before {
            s.push_str(&format!(", before the first {{ {} }}", b.describe()));
        }
        if let Some(u) = &self.unless {
            s.push_str(&format!(", unless the session has {{ {} }}", u.describe()));
        }
        if !self.include_sidechain {
            s.push_str(", ignoring sidechain lines");
        }
        s
    }
}

impl Catalog {
    /// The built-in catalog, parsed and compiled once per process (its
    /// regular expressions are shared by the clones).
    pub fn builtin() -> Catalog {
        static BUILTIN: std::sync::OnceLock<Catalog> = std::sync::OnceLock::new();
        BUILTIN.get_or_init(|| Catalog::parse(BUILTIN_CATALOG).expect("the built-in catalog is valid")).clone()
    }

    pub fn load(path: &Path) -> Result<Catalog, CatalogError> {
        let text = std::fs::read_to_string(path)
            .map_err(|source| CatalogError::Io { path: path.display().to_string(), source })?;
        Catalog::parse(&text)
    }

    pub fn parse(text: &str) -> Result<Catalog, CatalogError> {
        let mut c: Catalog = toml::from_str(text)?;
        c.validate()?;
        c.add_agent_markers();
        Ok(c)
    }

    /// The practices to show: all but the agent markers (which come last).
    pub fn shown(&self) -> &[Practice] {
        let n = self.practices.iter().take_while(|p| p.group != Group::Agent).count();
        &self.practices[..n]
    }

    /// The ids of the practices shown, in catalog order.
    pub fn practice_ids(&self) -> Vec<String> {
        self.shown().iter().map(|p| p.id.clone()).collect()
    }

    /// The marker practice of an agent's sessions (`None` for Claude Code,
    /// whose sessions are the ones without a marker).
    pub fn agent_marker(agent: Agent) -> Option<String> {
        (agent != Agent::ClaudeCode).then(|| format!("{AGENT_MARKER_PREFIX}{}", agent.as_str()))
    }

    /// Adds the agent markers after the practices.
    fn add_agent_markers(&mut self) {
        for agent in Agent::ALL {
            let Some(id) = Catalog::agent_marker(agent) else { continue };
            self.practices.push(Practice {
                id,
                name: format!("{} sessions", agent.as_str()),
                description: format!(
                    "Sessions written by {}: the sessions practices for that agent apply to.",
                    agent.as_str()
                ),
                matchers: vec![Matcher { agent: Some(agent.as_str().into()), ..Default::default() }],
                before: None,
                unless: None,
                include_sidechain: true,
                group: Group::Agent,
                agents: vec![agent.as_str().into()],
            });
        }
    }

    fn validate(&mut self) -> Result<(), CatalogError> {
        let bad = |m: String| Err(CatalogError::Invalid(m));
        if let Some(j) = &mut self.judge {
            j.validate()?;
        }
        let mut ids = HashSet::new();
        for s in &mut self.signals {
            if !ids.insert(s.id.clone()) {
                return bad(format!("duplicate signal id `{}`", s.id));
            }
            if s.fields().next().is_none() {
                return bad(format!("signal `{}` names no input field", s.id));
            }
            if s.regex.is_none() && s.basenames.is_empty() {
                return bad(format!("signal `{}` needs `regex` or `basenames`", s.id));
            }
            if let Some(r) = &s.regex {
                s.compiled = Some(Regex::new(r).map_err(|e| CatalogError::Invalid(format!("signal `{}`: {e}", s.id)))?);
            }
        }
        let signals: HashSet<&str> = self.signals.iter().map(|s| s.id.as_str()).collect();
        let mut pids = HashSet::new();
        for p in &self.practices {
            if p.id.is_empty() || !p.id.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_') {
                return bad(format!("practice id `{}` must be lowercase snake_case", p.id));
            }
            if !pids.insert(p.id.as_str()) {
                return bad(format!("duplicate practice id `{}`", p.id));
            }
            if p.matchers.is_empty() {
                return bad(format!("practice `{}` has no `match`", p.id));
            }
            if p.id.starts_with(AGENT_MARKER_PREFIX) || p.group == Group::Agent {
                return bad(format!(
                    "practice `{}`: ids starting `{AGENT_MARKER_PREFIX}` and group \"agent\" are the agent markers'",
                    p.id
                ));
            }
            if let Some(a) = p.agents.iter().find(|a| Agent::from_name(a).is_none_or(|x| x.as_str() != a.as_str())) {
                return bad(format!(
                    "practice `{}` names unknown agent `{a}` (known: claude_code, codex, gemini)",
                    p.id
                ));
            }
            for m in p.matchers.iter().chain(p.before.iter()).chain(p.unless.iter()) {
                if m.is_empty() {
                    return bad(format!("practice `{}` has an empty matcher", p.id));
                }
                if m.is_tool_matcher() && m.is_command_matcher() {
                    return bad(format!("practice `{}`: one matcher cannot test both tools and commands", p.id));
                }
                if let Some(j) = &m.judgement {
                    if m.is_tool_matcher() || m.is_command_matcher() {
                        return bad(format!("practice `{}`: a judgement matcher tests nothing else", p.id));
                    }
                    if !JUDGEMENTS.contains(&j.as_str()) {
                        return bad(format!(
                            "practice `{}` names unknown judgement `{j}` (known: {})",
                            p.id,
                            JUDGEMENTS.join(", ")
                        ));
                    }
                    if self.judge.is_none() {
                        return bad(format!("practice `{}` matches a judgement but the catalog has no [judge]", p.id));
                    }
                }
                if let Some(a) = &m.agent
                    && Agent::from_name(a).is_none_or(|x| x.as_str() != a.as_str())
                {
                    return bad(format!("practice `{}` matches unknown agent `{a}`", p.id));
                }
                if let Some(sig) = &m.signal
                    && !signals.contains(sig.as_str())
                {
                    return bad(format!("practice `{}` names unknown signal `{sig}`", p.id));
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_catalog_is_v1_plus_the_judgement_practices() {
        let c = Catalog::builtin();
        let v1 = Catalog::parse(CATALOG_V1).unwrap();
        assert_eq!(c.version, "2");
        assert_eq!(c.practice_ids()[..7], v1.practice_ids()[..]);
        for (a, b) in c.shown().iter().zip(v1.shown()) {
            assert_eq!(a.rule_text(), b.rule_text(), "v1 rules are unchanged in v2");
            assert_eq!(a.group, Group::ToolUse);
        }
        assert_eq!(
            c.practice_ids()[7..],
            [
                "plan_first_prompt",
                "plan_revised",
                "failing_test_handover",
                "whole_task_delegation",
                "focused_session",
                "small_commits"
            ]
        );
        assert!(c.shown()[7..].iter().all(|p| p.group == Group::Steering));
        // Then the markers of other agents' sessions, never shown.
        let markers: Vec<&str> = c.practices[c.shown().len()..].iter().map(|p| p.id.as_str()).collect();
        assert_eq!(markers, ["agent_codex", "agent_gemini"]);
        assert!(c.practices[c.shown().len()..].iter().all(|p| p.group == Group::Agent));
        assert!(
            c.practices[11].rule_text().contains("unless the session has `sprawl`"),
            "{}",
            c.practices[11].rule_text()
        );
    }

    #[test]
    fn v1_catalog_has_the_seven_objective_practices() {
        let c = Catalog::parse(CATALOG_V1).unwrap();
        assert_eq!(
            c.practice_ids(),
            [
                "plan_mode",
                "subagent_delegation",
                "saved_commands",
                "context_management",
                "project_context",
                "task_tracking",
                "committing_work"
            ]
        );
        assert!(c.practices.iter().all(|p| !p.description.is_empty()));
        assert!(c.practices[0].rule_text().contains("before the first"));
    }

    #[test]
    fn signals_match_commit_commands_and_context_files() {
        let c = Catalog::builtin();
        let commit = &c.signals[0];
        assert!(commit.matches_value("git commit -m x"));
        assert!(commit.matches_value("cd x && git -C /repo commit -am y"));
        // The rule is literal: `\\b` also ends a word at `-`.
        assert!(commit.matches_value("git commit-tree"));
        assert!(!commit.matches_value("git status"));
        let ctx = &c.signals[1];
        assert!(ctx.matches_value("/Users/a/repo/CLAUDE.md"));
        assert!(ctx.matches_value("AGENTS.md"));
        assert!(!ctx.matches_value("/repo/docs/CLAUDE.md.bak"));
    }

    #[test]
    fn rejects_unknown_keys_and_signals() {
        let err =
            Catalog::parse("version='1'\n[[practices]]\nid='x'\nname='x'\ndescription='x'\nmatch=[{signal='nope'}]")
                .unwrap_err();
        assert!(err.to_string().contains("unknown signal `nope`"), "{err}");
        let err = Catalog::parse("version='1'\nbogus=1\npractices=[]").unwrap_err();
        assert!(err.to_string().contains("bogus"), "{err}");
        let err =
            Catalog::parse("version='1'\n[[practices]]\nid='x'\nname='x'\ndescription='x'\nmatch=[{judgement='nope'}]")
                .unwrap_err();
        assert!(err.to_string().contains("unknown judgement `nope`"), "{err}");
    }

    #[test]
    fn practices_name_known_agents_and_markers_are_reserved() {
        let base = "version='1'\n[[practices]]\nid='x'\nname='x'\ndescription='x'\n";
        let c = Catalog::parse(&format!("{base}match=[{{tools=['T']}}]")).unwrap();
        assert_eq!(c.shown()[0].agents, ["claude_code"], "Claude Code only unless told");
        let err = Catalog::parse(&format!("{base}agents=['cursor']\nmatch=[{{tools=['T']}}]")).unwrap_err();
        assert!(err.to_string().contains("unknown agent `cursor`"), "{err}");
        let err = Catalog::parse(&format!("{base}match=[{{agent='claude'}}]")).unwrap_err();
        assert!(err.to_string().contains("unknown agent `claude`"), "names are spelled as events carry them: {err}");
        let reserved = "version='1'\n[[practices]]\nid='agent_codex'\nname='x'\ndescription='x'\nmatch=[{tools=['T']}]";
        assert!(Catalog::parse(reserved).unwrap_err().to_string().contains("agent markers"));
    }
}
