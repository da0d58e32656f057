//! Store-independent roll-up rules: which practices a session shows given its
//! marks, the one-line summary of an event, and the matrix's scores.

use std::collections::BTreeMap;

use accrete_common::catalog::{BEFORE_SUFFIX, Catalog, UNLESS_SUFFIX};
use accrete_common::config::Agent;
use accrete_common::proto::{
    AdoptionMatrix, Evidence, PersonRow, PracticeRollup, QuarterRollup, QuarterlyRollups, SessionDetail,
    SessionSummary, TimelineEvent, TranscriptEvent,
};

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
/// session's own file to precede the first closing mark there; one with an
/// `unless` rule is not shown once the session has a cancelling mark.
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
        let cancelled = p.unless.is_some() && first(&format!("{}{UNLESS_SUFFIX}", p.id), false).is_some();
        if let Some(m) = shown.filter(|_| !cancelled) {
            out.push((p.id.clone(), m));
        }
    }
    out
}

/// The evidence of each practice a session shows: the drill-down's teaching
/// material. Each is placed in the session's timeline (`position`, from 0 at
/// its first line to 1 at its last own-file line) and carries the line's
/// content where the person opted in to share it.
pub fn evidence(catalog: &Catalog, marks: &[MarkRow], timeline: &[TimelineEvent]) -> Vec<Evidence> {
    let own: Vec<&TimelineEvent> = timeline.iter().filter(|t| t.agent_id.is_empty()).collect();
    practices_present(catalog, marks)
        .into_iter()
        .filter(|(practice, _)| !practice.starts_with(accrete_common::catalog::AGENT_MARKER_PREFIX))
        .map(|(practice, m)| {
            let group = catalog.practices.iter().find(|p| p.id == practice).map(|p| p.group.as_str()).unwrap_or("");
            let at = timeline.iter().find(|t| t.agent_id == m.agent_id && t.line == m.line);
            let position = if m.agent_id.is_empty() && own.len() > 1 {
                let i = own.partition_point(|t| t.line < m.line).min(own.len() - 1);
                round3(i as f64 / (own.len() - 1) as f64)
            } else {
                0.0
            };
            Evidence {
                practice,
                agent_id: m.agent_id.clone(),
                line: m.line,
                timestamp_ms: m.timestamp_ms,
                evidence: m.evidence.clone(),
                group: group.into(),
                position,
                content: at.map(|t| t.content.clone()).unwrap_or_default(),
            }
        })
        .collect()
}

/// A session's drill-down from its summary, marks and timeline (in line
/// order): the evidence of each practice, and on each timeline line the
/// practices it proves. Both stores answer through this.
pub fn session_detail(
    catalog: &Catalog,
    summary: SessionSummary,
    marks: &[MarkRow],
    mut timeline: Vec<TimelineEvent>,
) -> SessionDetail {
    let evidence = evidence(catalog, marks, &timeline);
    for t in &mut timeline {
        t.practices = practices_at(&evidence, &t.agent_id, t.line);
    }
    SessionDetail { summary: Some(summary), evidence, timeline }
}

/// The practices whose evidence is this line of the timeline.
pub fn practices_at(evidence: &[Evidence], agent_id: &str, line: u64) -> Vec<String> {
    evidence.iter().filter(|e| e.agent_id == agent_id && e.line == line).map(|e| e.practice.clone()).collect()
}

/// What an opted-in person shared of an event, as stored for the drill-down.
pub fn content_json(ev: &TranscriptEvent) -> Option<String> {
    ev.content.as_ref().map(|c| {
        let inputs: Vec<&str> = ev.tool_calls.iter().map(|t| t.input_json.as_str()).filter(|s| !s.is_empty()).collect();
        serde_json::json!({ "text": c.text, "cwd": c.cwd, "tool_inputs": inputs }).to_string()
    })
}

/// The summary of a line where the person stopped the agent: the stores
/// count these to rank example sessions ([`crate::examples`]).
pub const INTERRUPTED: &str = "interrupted";

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
    if ev.interrupted {
        parts.push(INTERRUPTED.into());
    } else if ev.is_compact_summary {
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
        r.score = r
            .practices
            .iter()
            .map(|(p, &n)| match applicable(r, p) {
                0 => 0.0,
                of => n as f64 / of as f64,
            })
            .sum();
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

/// The matrix of these rows, scored ([`score_rows`]): both stores answer through this.
pub fn adoption_matrix(catalog: &Catalog, mut people: Vec<PersonRow>) -> AdoptionMatrix {
    for r in &mut people {
        split_agents(catalog, r);
    }
    score_rows(&mut people);
    AdoptionMatrix { people, practice_ids: catalog.practice_ids(), catalog_version: catalog.version.clone() }
}

/// A session's summary as the API gives it: the agent markers among its
/// practices become its `agent`.
pub fn with_agent(mut s: SessionSummary) -> SessionSummary {
    s.agent = Agent::ClaudeCode.as_str().into();
    s.practices.retain(|p| match p.strip_prefix(accrete_common::catalog::AGENT_MARKER_PREFIX) {
        Some(agent) => {
            s.agent = agent.to_owned();
            false
        }
        None => true,
    });
    s
}

/// The matrix of one agent's sessions among `facts`.
pub fn agent_matrix(catalog: &Catalog, agent: Agent, facts: &[crate::trends::SessionFact]) -> AdoptionMatrix {
    let markers: Vec<String> = Agent::ALL.iter().filter_map(|a| Catalog::agent_marker(*a)).collect();
    let mine = Catalog::agent_marker(agent);
    let mut rows: BTreeMap<&str, PersonRow> = BTreeMap::new();
    for f in facts {
        let of_agent = match &mine {
            Some(m) => f.practices.contains(m),
            None => !f.practices.iter().any(|p| markers.contains(p)),
        };
        if !of_agent {
            continue;
        }
        let r = rows.entry(&f.person).or_insert_with(|| empty_row(catalog, &f.person, &f.team));
        r.team = r.team.clone().max(f.team.clone());
        r.sessions += 1;
        for p in &f.practices {
            if let Some(n) = r.practices.get_mut(p) {
                *n += 1;
            }
        }
    }
    adoption_matrix(catalog, rows.into_values().collect())
}

/// The sessions of a row a practice applies to (every session when the row
/// says nothing: rows of older servers, and of Claude Code only teams).
pub fn applicable(r: &PersonRow, practice: &str) -> u64 {
    r.applicable.get(practice).copied().unwrap_or(r.sessions)
}

/// Moves the agent markers' counts out of a row's practices: the person's
/// sessions per agent, and per practice the sessions of the agents it
/// applies to (0: "n/a").
pub fn split_agents(catalog: &Catalog, r: &mut PersonRow) {
    r.agents.clear();
    let mut others = 0;
    for agent in Agent::ALL {
        if let Some(marker) = Catalog::agent_marker(agent) {
            let n = r.practices.remove(&marker).unwrap_or(0).min(r.sessions - others);
            others += n;
            if n > 0 {
                r.agents.insert(agent.as_str().to_owned(), n);
            }
        }
    }
    if r.sessions > others {
        r.agents.insert(Agent::ClaudeCode.as_str().to_owned(), r.sessions - others);
    }
    r.applicable = catalog
        .shown()
        .iter()
        .map(|p| (p.id.clone(), p.agents.iter().map(|a| r.agents.get(a).copied().unwrap_or(0)).sum()))
        .collect();
}

/// Practice ids in catalog order (ids the catalog lacks last), as ClickHouse lists them.
pub fn in_catalog_order(catalog: &Catalog, ids: &mut [String]) {
    ids.sort_by_key(|p| catalog.practices.iter().position(|c| c.id == *p).unwrap_or(usize::MAX));
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

/// What [`PersonQuarter`] rows are per: quarters (the quarterly roll-ups)
/// or months (the cohorts over time).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Period {
    Month,
    Quarter,
}

impl Period {
    /// ClickHouse's function giving the period's first day (both exist in 18.16).
    pub fn clickhouse_start(self) -> &'static str {
        match self {
            Period::Month => "toStartOfMonth",
            Period::Quarter => "toStartOfQuarter",
        }
    }
}

/// One person's quarter (or month: [`Period`]): sessions, and per catalog
/// practice the sessions showing it.
#[derive(Debug, Clone, PartialEq)]
pub struct PersonQuarter {
    /// First day of the quarter or month, `YYYY-MM-DD`.
    pub quarter: String,
    pub person: String,
    pub team: String,
    pub sessions: u64,
    pub practice_sessions: Vec<u64>,
}

#[derive(Default)]
struct GroupAcc {
    people: u64,
    sessions: u64,
    using: Vec<u64>,
    /// People with sessions the practice applies to.
    eligible: Vec<u64>,
    practice_sessions: Vec<u64>,
}

/// Per shown practice, how many of `sessions` it applies to, given counts
/// per catalog practice (agent markers included, as the stores keep them).
pub fn applicable_counts(catalog: &Catalog, sessions: u64, counts: &[u64]) -> Vec<u64> {
    let count = |id: &str| catalog.practices.iter().position(|p| p.id == id).and_then(|i| counts.get(i)).copied();
    let mut per_agent: Vec<(&str, u64)> = Vec::new();
    let mut others = 0;
    for agent in Agent::ALL {
        if let Some(m) = Catalog::agent_marker(agent) {
            let n = count(&m).unwrap_or(0).min(sessions - others);
            others += n;
            per_agent.push((agent.as_str(), n));
        }
    }
    per_agent.push((Agent::ClaudeCode.as_str(), sessions - others));
    catalog
        .shown()
        .iter()
        .map(|p| per_agent.iter().filter(|(a, _)| p.agents.iter().any(|x| x == a)).map(|(_, n)| n).sum())
        .collect()
}

/// The quarter before `YYYY-MM-01`.
fn previous_quarter(q: &str) -> Option<String> {
    let y: i32 = q.get(0..4)?.parse().ok()?;
    let m: u32 = q.get(5..7)?.parse().ok()?;
    Some(if m > 3 { format!("{y:04}-{:02}-01", m - 3) } else { format!("{:04}-{:02}-01", y - 1, m + 9) })
}

/// Rolls people's quarters up per team and, unless one team was asked for,
/// for the whole organization (team `""`), with the change against the
/// previous quarter.
pub fn quarterly(catalog: &Catalog, rows: &[PersonQuarter], team_filter: &str) -> QuarterlyRollups {
    let n = catalog.shown().len();
    // Key: (is the whole organization, team, quarter).
    let mut groups: BTreeMap<(bool, String, String), GroupAcc> = BTreeMap::new();
    for r in rows.iter().filter(|r| team_filter.is_empty() || r.team == team_filter) {
        let mut keys = vec![(false, r.team.clone())];
        if team_filter.is_empty() {
            keys.push((true, String::new()));
        }
        for (org, team) in keys {
            let g = groups.entry((org, team, r.quarter.clone())).or_insert_with(|| GroupAcc {
                using: vec![0; n],
                eligible: vec![0; n],
                practice_sessions: vec![0; n],
                ..Default::default()
            });
            g.people += 1;
            g.sessions += r.sessions;
            for (i, &c) in r.practice_sessions.iter().take(n).enumerate() {
                g.practice_sessions[i] += c;
                g.using[i] += u64::from(c > 0);
            }
            for (i, a) in applicable_counts(catalog, r.sessions, &r.practice_sessions).into_iter().enumerate() {
                g.eligible[i] += u64::from(a > 0);
            }
        }
    }
    // Out of the people the practice applies to (it is "n/a" for the
    // sessions of agents without a counterpart).
    let share =
        |g: &GroupAcc, i: usize| if g.eligible[i] == 0 { 0.0 } else { g.using[i] as f64 / g.eligible[i] as f64 };
    let mut out = Vec::new();
    for ((org, team, quarter), g) in &groups {
        let prev = previous_quarter(quarter).and_then(|p| groups.get(&(*org, team.clone(), p)));
        let practices = catalog
            .shown()
            .iter()
            .enumerate()
            .map(|(i, p)| PracticeRollup {
                practice: p.id.clone(),
                people_using: g.using[i],
                share_of_people: round3(share(g, i)),
                sessions: g.practice_sessions[i],
                share_of_people_change: round3(100.0 * (share(g, i) - prev.map_or(0.0, |p| share(p, i)))),
                sessions_change: g.practice_sessions[i] as i64 - prev.map_or(0, |p| p.practice_sessions[i] as i64),
            })
            .collect();
        out.push(QuarterRollup {
            quarter: quarter.clone(),
            team: team.clone(),
            people_active: g.people,
            sessions: g.sessions,
            people_active_change: g.people as i64 - prev.map_or(0, |p| p.people as i64),
            practices,
            organization: *org,
        });
    }
    QuarterlyRollups { rows: out }
}

fn round3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
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
    fn focused_unless_sprawl() {
        assert_eq!(present(&[mark("focused_session", "", 5)]), ["focused_session"]);
        assert!(present(&[mark("focused_session", "", 5), mark("focused_session.unless", "", 90)]).is_empty());
    }

    #[test]
    fn evidence_is_placed_in_the_timeline() {
        let c = Catalog::builtin();
        let t = |line: u64, content: &str| TimelineEvent { line, content: content.into(), ..Default::default() };
        let timeline = [t(1, ""), t(2, "why?"), t(3, ""), t(5, "")];
        let mut m = mark("plan_first_prompt", "", 2048);
        m.line = 2;
        let e = evidence(&c, &[m], &timeline);
        assert_eq!((e[0].group.as_str(), e[0].position, e[0].content.as_str()), ("steering", 0.333, "why?"));
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
    fn quarters_roll_up_per_team_and_org_with_changes() {
        let c = Catalog::builtin();
        let row = |q: &str, p: &str, t: &str, commits: u64| PersonQuarter {
            quarter: q.into(),
            person: p.into(),
            team: t.into(),
            sessions: 4,
            practice_sessions: vec![0, 0, 0, 0, 0, 0, commits],
        };
        let rows = [row("2025-10-01", "a", "x", 0), row("2026-01-01", "a", "x", 2), row("2026-01-01", "b", "y", 0)];
        let r = quarterly(&c, &rows, "");
        let org_q1 = r.rows.iter().find(|g| g.organization && g.quarter == "2026-01-01").unwrap();
        assert_eq!((org_q1.people_active, org_q1.sessions, org_q1.people_active_change), (2, 8, 1));
        let commits = &org_q1.practices[6];
        assert_eq!((commits.people_using, commits.share_of_people, commits.sessions), (1, 0.5, 2));
        assert_eq!((commits.share_of_people_change, commits.sessions_change), (50.0, 2));
        let only_x = quarterly(&c, &rows, "x");
        assert!(only_x.rows.iter().all(|g| g.team == "x" && !g.organization));
        let no_teams = [row("2026-01-01", "a", "", 1)];
        let r = quarterly(&c, &no_teams, "");
        assert_eq!(r.rows.len(), 2, "the no-team group and the organization are told apart");
        assert!(r.rows.iter().all(|g| g.people_active == 1));
        assert_eq!(previous_quarter("2026-01-01").unwrap(), "2025-10-01");
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

    #[test]
    fn agents_split_out_of_a_row_and_shares_are_of_the_sessions_a_practice_applies_to() {
        let c = Catalog::builtin();
        let mut r = empty_row(&c, "ana", "");
        r.sessions = 4;
        r.practices.insert("agent_codex".into(), 3);
        r.practices.insert("saved_commands".into(), 1);
        r.practices.insert("task_tracking".into(), 2);
        let m = adoption_matrix(&c, vec![r]);
        let r = &m.people[0];
        assert_eq!(r.agents, [("claude_code".to_string(), 1), ("codex".to_string(), 3)].into_iter().collect());
        assert_eq!((r.applicable["saved_commands"], r.applicable["task_tracking"]), (1, 4));
        assert!(!r.practices.contains_key("agent_codex") && !m.practice_ids.iter().any(|p| p.starts_with("agent_")));
        // 1 of 1 Claude Code session, 2 of 4 sessions.
        assert_eq!(r.score, 1.5);
        let s = with_agent(SessionSummary {
            practices: vec!["agent_gemini".into(), "task_tracking".into()],
            ..Default::default()
        });
        assert_eq!((s.agent.as_str(), s.practices.as_slice()), ("gemini", &["task_tracking".to_string()][..]));
    }
}
