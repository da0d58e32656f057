//! Who to learn a practice from: the people who show it most consistently
//! in a window, and for each their best example sessions, ranked by where
//! the practice shows (early is better), whether the session ended with a
//! commit, and how often the person had to stop the agent. Decided from each
//! session's marks and counts, so both stores answer the same way; the rule
//! is in docs/coaching.md.

use accrete_common::catalog::Catalog;
use accrete_common::proto::{AdoptionMatrix, ExampleSession, PersonRow, SessionSummary};

use crate::coaching::Rules;
use crate::rollup::{MarkRow, practices_present};

/// What ranking one session needs beyond its summary: its marks and the
/// lines where the person interrupted the agent.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct SessionMoments {
    pub session_id: String,
    pub marks: Vec<MarkRow>,
    pub interruptions: u32,
}

/// The practice the "ended with a commit" part of the rule reads.
pub const COMMIT_PRACTICE: &str = "committing_work";

/// Each interruption costs this much of the score, at most [`MAX_PENALTY`].
pub const INTERRUPTION_COST: f64 = 0.25;
pub const MAX_PENALTY: f64 = 1.0;

/// The people with enough sessions who show `practice`, most consistent
/// first (share, then more sessions, then name), at most `rules.teachers`.
pub fn teachers<'m>(m: &'m AdoptionMatrix, practice: &str, rules: &Rules) -> Vec<&'m PersonRow> {
    let share = |r: &PersonRow| *r.practices.get(practice).unwrap_or(&0) as f64 / r.sessions.max(1) as f64;
    let mut out: Vec<&PersonRow> = m
        .people
        .iter()
        .filter(|r| r.sessions >= rules.min_sessions && r.practices.get(practice).is_some_and(|&n| n > 0))
        .collect();
    out.sort_by(|a, b| {
        share(b).total_cmp(&share(a)).then(b.sessions.cmp(&a.sessions)).then_with(|| a.person.cmp(&b.person))
    });
    out.truncate(rules.teachers);
    out
}

/// The best `n` of `sessions` that show `practice`, best first: the score is
/// `(1 - position) + committed - 0.25 per interruption (at most 1)`, where
/// position is how far into the session (by time) the practice first shows;
/// ties go to the newer session. Sessions without moments are skipped.
pub fn rank(
    catalog: &Catalog,
    practice: &str,
    sessions: &[SessionSummary],
    moments: &[SessionMoments],
    n: usize,
) -> Vec<ExampleSession> {
    let mut out: Vec<ExampleSession> = sessions
        .iter()
        .filter_map(|s| {
            let mo = moments.iter().find(|m| m.session_id == s.session_id)?;
            let present = practices_present(catalog, &mo.marks);
            let (_, mark) = present.into_iter().find(|(p, _)| p == practice)?;
            let position = position(s.started_ms, s.ended_ms, mark.timestamp_ms);
            let committed = s.practices.iter().any(|p| p == COMMIT_PRACTICE);
            let penalty = (mo.interruptions as f64 * INTERRUPTION_COST).min(MAX_PENALTY);
            let score = (1.0 - position) + if committed { 1.0 } else { 0.0 } - penalty;
            Some(ExampleSession {
                session_id: s.session_id.clone(),
                started_ms: s.started_ms,
                line: mark.line,
                agent_id: mark.agent_id.clone(),
                timestamp_ms: mark.timestamp_ms,
                position,
                committed,
                interruptions: mo.interruptions,
                score: round3(score),
                evidence: mark.evidence.clone(),
            })
        })
        .collect();
    out.sort_by(|a, b| {
        b.score.total_cmp(&a.score).then(b.started_ms.cmp(&a.started_ms)).then_with(|| a.session_id.cmp(&b.session_id))
    });
    out.truncate(n);
    out
}

/// How far into `[started, ended]` the time `at` lies, 0 to 1; the middle
/// when the session's times do not tell.
fn position(started: i64, ended: i64, at: i64) -> f64 {
    if started <= 0 || ended <= started || at <= 0 {
        return 0.5;
    }
    round3(((at - started) as f64 / (ended - started) as f64).clamp(0.0, 1.0))
}

fn round3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rollup::empty_row;

    fn summary(id: &str, started: i64, ended: i64, practices: &[&str]) -> SessionSummary {
        SessionSummary {
            session_id: id.into(),
            person: "ana".into(),
            started_ms: started,
            ended_ms: ended,
            practices: practices.iter().map(|p| p.to_string()).collect(),
            ..Default::default()
        }
    }

    fn moments(id: &str, key: &str, at: i64, interruptions: u32) -> SessionMoments {
        let mark = MarkRow {
            key: key.into(),
            agent_id: String::new(),
            ordinal: at as u64,
            line: (at / 1000) as u64,
            timestamp_ms: at,
            evidence: "TodoWrite".into(),
        };
        SessionMoments { session_id: id.into(), marks: vec![mark], interruptions }
    }

    #[test]
    fn early_committed_and_uninterrupted_sessions_rank_first() {
        let c = Catalog::builtin();
        let p = "task_tracking";
        let key = c.practices.iter().find(|x| x.id == p).unwrap().id.clone();
        let s = vec![
            summary("late", 1_000, 11_000, &[p, COMMIT_PRACTICE]),
            summary("early", 1_000, 11_000, &[p, COMMIT_PRACTICE]),
            summary("uncommitted", 1_000, 11_000, &[p]),
            summary("interrupted", 1_000, 11_000, &[p, COMMIT_PRACTICE]),
            summary("without", 1_000, 11_000, &[COMMIT_PRACTICE]),
        ];
        let m = vec![
            moments("late", &key, 10_000, 0),
            moments("early", &key, 2_000, 0),
            moments("uncommitted", &key, 1_000, 0),
            moments("interrupted", &key, 1_000, 3),
            moments("without", "other", 1_000, 0),
        ];
        let r = rank(&c, p, &s, &m, 3);
        let ids: Vec<&str> = r.iter().map(|e| e.session_id.as_str()).collect();
        assert_eq!(ids, ["early", "interrupted", "late"]);
        assert_eq!((r[0].position, r[0].committed, r[0].score, r[0].line), (0.1, true, 1.9, 2));
        assert_eq!((r[1].interruptions, r[1].score), (3, 1.25));
        assert_eq!(rank(&c, p, &s, &m, 10).len(), 4, "only sessions showing the practice");
    }

    #[test]
    fn unknown_times_sit_in_the_middle() {
        assert_eq!(position(0, 0, 5), 0.5);
        assert_eq!(position(10, 10, 10), 0.5);
        assert_eq!(position(10, 20, 30), 1.0);
        assert_eq!(position(10, 20, 15), 0.5);
    }

    #[test]
    fn teachers_are_the_most_consistent_with_enough_sessions() {
        let c = Catalog::builtin();
        let row = |name: &str, sessions: u64, n: u64| {
            let mut r = empty_row(&c, name, "web");
            r.sessions = sessions;
            r.practices.insert("plan_mode".into(), n);
            r
        };
        let m = AdoptionMatrix {
            people: vec![row("ana", 10, 5), row("bo", 4, 4), row("cy", 2, 2), row("di", 20, 10), row("ed", 9, 0)],
            ..Default::default()
        };
        let rules = Rules { teachers: 3, ..Rules::default() };
        let t: Vec<&str> = teachers(&m, "plan_mode", &rules).iter().map(|r| r.person.as_str()).collect();
        assert_eq!(t, ["bo", "di", "ana"], "cy has too few sessions, ed never shows it");
        assert!(teachers(&m, "committing_work", &rules).is_empty());
    }
}
