//! Store-independent roll-up rules: which practices a session shows given its
//! marks, the one-line summary of an event, and the matrix's scores.

use std::collections::BTreeMap;

use accrete_common::catalog::{BEFORE_SUFFIX, Catalog};
use accrete_common::proto::{PersonRow, TranscriptEvent};

/// The first mark of one key in one file of a session.
#[derive(Debug, Clone, PartialEq)]
pub struct MarkRow {
    pub key: String,
    pub agent_id: String,
    pub ordinal: u64,
    pub line: u64,
    pub timestamp_ms: i64,
    pub evidence: String,
}

/// The practices a session shows, each with the mark that proves it, in
/// catalog order. A practice with a `before` rule needs its first mark in the
/// session's own file to precede the first closing mark there.
pub fn practices_present<'m>(catalog: &Catalog, marks: &'m [MarkRow]) -> Vec<(String, &'m MarkRow)> {
    let mut out = Vec::new();
    for p in &catalog.practices {
        let first = |key: &str, own_file_only: bool| {
            marks
                .iter()
                .filter(|m| m.key == key && (!own_file_only || m.agent_id.is_empty()))
                .min_by_key(|m| (!m.agent_id.is_empty(), m.ordinal))
        };
        let shown = if p.before.is_some() {
            let closing = first(&format!("{}{BEFORE_SUFFIX}", p.id), true);
            first(&p.id, true).filter(|hit| closing.is_none_or(|c| hit.ordinal < c.ordinal))
        } else {
            first(&p.id, false)
        };
        if let Some(m) = shown {
            out.push((p.id.clone(), m));
        }
    }
    out
}

/// A one-line, content-free description of an event for the timeline.
pub fn summarize(ev: &TranscriptEvent) -> String {
    let mut parts: Vec<String> = Vec::new();
    if !ev.commands.is_empty() {
        parts.push(ev.commands.iter().map(|c| format!("/{c}")).collect::<Vec<_>>().join(" "));
    }
    for c in &ev.tool_calls {
        if c.signals.is_empty() {
            parts.push(c.name.clone());
        } else {
            parts.push(format!("{} ({})", c.name, c.signals.join(", ")));
        }
    }
    if ev.tool_results > 0 {
        let errors = if ev.tool_errors > 0 { format!(", {} failed", ev.tool_errors) } else { String::new() };
        parts.push(format!("{} tool result{}{errors}", ev.tool_results, if ev.tool_results == 1 { "" } else { "s" }));
    }
    if !ev.system_subtype.is_empty() {
        let trig = if ev.compact_trigger.is_empty() { String::new() } else { format!(" ({})", ev.compact_trigger) };
        parts.push(format!("{}{trig}", ev.system_subtype));
    }
    if !ev.permission_mode.is_empty() && ev.permission_mode != "default" {
        parts.push(format!("mode {}", ev.permission_mode));
    }
    if ev.is_compact_summary {
        parts.push("compaction summary".into());
    } else if ev.is_meta {
        parts.push("injected".into());
    } else if parts.is_empty() && ev.line_type == "user" {
        parts.push("prompt".into());
    } else if parts.is_empty() && ev.line_type == "assistant" {
        parts.push("reply".into());
    }
    if ev.line_type == "assistant"
        && let Some(u) = ev.usage.as_ref().filter(|u| u.output_tokens > 0)
    {
        parts.push(format!("{} output tokens", u.output_tokens));
    }
    parts.join(" · ")
}

/// Minimum sessions before someone can be called a power user: one lucky
/// session says little.
pub const POWER_USER_MIN_SESSIONS: u64 = 3;

/// Fills in each row's score (the sum over practices of the share of the
/// person's sessions showing it) and marks the top quarter of people with
/// enough sessions as power users. Rows end up sorted by score, best first.
pub fn score_rows(rows: &mut [PersonRow]) {
    for r in rows.iter_mut() {
        r.score = if r.sessions == 0 { 0.0 } else { r.practices.values().map(|&n| n as f64 / r.sessions as f64).sum() };
        r.score = (r.score * 1000.0).round() / 1000.0;
        r.power_user = false;
    }
    rows.sort_by(|a, b| b.score.total_cmp(&a.score).then_with(|| a.person.cmp(&b.person)));
    let eligible: Vec<usize> =
        (0..rows.len()).filter(|&i| rows[i].sessions >= POWER_USER_MIN_SESSIONS && rows[i].score > 0.0).collect();
    let n = eligible.len().div_ceil(4);
    for &i in eligible.iter().take(n) {
        rows[i].power_user = true;
    }
}

/// A row with every catalog practice present (0 where unused).
pub fn empty_row(catalog: &Catalog, person: &str, team: &str) -> PersonRow {
    PersonRow {
        person: person.into(),
        team: team.into(),
        practices: catalog.practices.iter().map(|p| (p.id.clone(), 0)).collect::<BTreeMap<_, _>>(),
        ..Default::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mark(key: &str, agent: &str, ordinal: u64) -> MarkRow {
        MarkRow { key: key.into(), agent_id: agent.into(), ordinal, line: 1, timestamp_ms: 0, evidence: String::new() }
    }

    fn present(marks: &[MarkRow]) -> Vec<String> {
        practices_present(&Catalog::builtin(), marks).into_iter().map(|(p, _)| p).collect()
    }

    #[test]
    fn plan_mode_must_come_before_the_first_edit() {
        assert_eq!(present(&[mark("plan_mode", "", 5)]), ["plan_mode"]);
        assert_eq!(present(&[mark("plan_mode", "", 5), mark("plan_mode.before", "", 9)]), ["plan_mode"]);
        assert!(present(&[mark("plan_mode", "", 9), mark("plan_mode.before", "", 5)]).is_empty());
        // Subagent files do not take part in the ordering.
        assert!(present(&[mark("plan_mode", "a1", 1)]).is_empty());
        assert_eq!(present(&[mark("plan_mode", "", 5), mark("plan_mode.before", "a1", 1)]), ["plan_mode"]);
    }

    #[test]
    fn other_practices_need_one_mark_anywhere() {
        assert_eq!(
            present(&[mark("committing_work", "", 7), mark("task_tracking", "", 1)]),
            ["task_tracking", "committing_work"]
        );
    }

    #[test]
    fn power_users_are_the_top_quarter_with_enough_sessions() {
        let c = Catalog::builtin();
        let mut rows: Vec<PersonRow> = (0..8)
            .map(|i| {
                let mut r = empty_row(&c, &format!("p{i}"), "");
                r.sessions = if i == 7 { 1 } else { 10 };
                *r.practices.get_mut("committing_work").unwrap() = if i == 7 { 1 } else { i as u64 };
                r
            })
            .collect();
        score_rows(&mut rows);
        assert_eq!(rows[0].person, "p7", "a single-session person can score highest...");
        assert!(!rows[0].power_user, "...but is not a power user");
        let power: Vec<&str> = rows.iter().filter(|r| r.power_user).map(|r| r.person.as_str()).collect();
        assert_eq!(power, ["p6", "p5"]);
    }

    #[test]
    fn summaries_hold_names_not_content() {
        let mut ev =
            TranscriptEvent { commands: vec!["clear".into()], tool_results: 2, tool_errors: 1, ..Default::default() };
        ev.tool_calls.push(accrete_common::proto::ToolCall {
            name: "Bash".into(),
            signals: vec!["git_commit".into()],
            ..Default::default()
        });
        assert_eq!(summarize(&ev), "/clear · Bash (git_commit) · 2 tool results, 1 failed");
        let prompt = TranscriptEvent { line_type: "user".into(), ..Default::default() };
        assert_eq!(summarize(&prompt), "prompt");
    }
}
