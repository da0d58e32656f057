//! Trends of one person or one team: each practice's share of sessions per
//! week or month, and whether it is *adopted*, seen in at least N of the
//! person's last M sessions, so one lucky session does not flip it. Computed
//! from the sessions themselves ([`SessionFact`]), the same for both stores.

use std::collections::{BTreeMap, BTreeSet};

use accrete_common::catalog::{Catalog, Practice};
use accrete_common::config::Agent;
use accrete_common::proto::{PracticeAdoption, TrendPoint, Trends};
use accrete_common::time::{day_start, format_rfc3339_ms, month_start};

/// One session with a start, and the practices it shows.
#[derive(Debug, Clone, PartialEq)]
pub struct SessionFact {
    pub person: String,
    pub team: String,
    pub session_id: String,
    pub started_ms: i64,
    pub practices: Vec<String>,
}

/// Adopted: seen in at least `n` of the last `m` sessions (defaults 3 of
/// 10, `coaching.adopted_n` / `adopted_m`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Adoption {
    pub n: u32,
    pub m: u32,
}

impl Default for Adoption {
    fn default() -> Adoption {
        crate::coaching::Rules::default().adoption
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Bucket {
    Week,
    Month,
}

impl Bucket {
    pub fn parse(s: &str) -> Option<Bucket> {
        match s {
            "" | "week" => Some(Bucket::Week),
            "month" => Some(Bucket::Month),
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Bucket::Week => "week",
            Bucket::Month => "month",
        }
    }

    /// The bucket's first instant (UTC): Monday or the first of the month.
    pub fn start(self, ms: i64) -> i64 {
        const DAY: i64 = 86_400_000;
        match self {
            // 1970-01-01 was a Thursday: day d is (d + 3) % 7 days after a Monday.
            Bucket::Week => {
                let d = day_start(ms);
                d - (d.div_euclid(DAY) + 3).rem_euclid(7) * DAY
            }
            Bucket::Month => month_start(ms),
        }
    }
}

/// `facts` oldest first. `team`: a team's trend (adoption counted per person).
/// The agent that wrote a session: its marker practice, else Claude Code.
fn agent_of(f: &SessionFact) -> &'static str {
    for agent in Agent::ALL {
        if let Some(m) = Catalog::agent_marker(agent)
            && f.practices.contains(&m)
        {
            return agent.as_str();
        }
    }
    Agent::ClaudeCode.as_str()
}

pub fn trends(catalog: &Catalog, facts: &[SessionFact], bucket: Bucket, rule: Adoption, team: bool) -> Trends {
    #[derive(Default)]
    struct Acc<'a> {
        sessions: u64,
        /// Sessions per agent: a practice's share is of the sessions it applies to.
        agents: BTreeMap<&'static str, u64>,
        people: BTreeSet<&'a str>,
        with: BTreeMap<&'a str, (u64, BTreeSet<&'a str>)>,
    }
    let mut points: BTreeMap<i64, Acc> = BTreeMap::new();
    let mut per_person: BTreeMap<&str, Vec<&SessionFact>> = BTreeMap::new();
    for f in facts {
        let a = points.entry(bucket.start(f.started_ms)).or_default();
        a.sessions += 1;
        *a.agents.entry(agent_of(f)).or_default() += 1;
        a.people.insert(&f.person);
        for p in &f.practices {
            let w = a.with.entry(p).or_default();
            w.0 += 1;
            w.1.insert(&f.person);
        }
        per_person.entry(&f.person).or_default().push(f);
    }
    let points = points
        .into_iter()
        .map(|(start, a)| TrendPoint {
            start: format_rfc3339_ms(start)[..10].to_string(),
            sessions: a.sessions,
            people: a.people.len() as u64,
            share: catalog
                .shown()
                .iter()
                .map(|p| {
                    let n = a.with.get(p.id.as_str()).map_or(0, |w| w.0);
                    let of: u64 = p.agents.iter().filter_map(|x| a.agents.get(x.as_str())).sum();
                    let share = if of == 0 { 0.0 } else { n as f64 / of as f64 };
                    (p.id.clone(), (share * 1000.0).round() / 1000.0)
                })
                .collect(),
            people_using: catalog
                .shown()
                .iter()
                .map(|p| (p.id.clone(), a.with.get(p.id.as_str()).map_or(0, |w| w.1.len() as u64)))
                .collect(),
        })
        .collect();
    // Each person's last M sessions the practice applies to, practice by practice.
    let last = |sessions: &[&SessionFact], practice: &Practice| -> (u32, u32) {
        let of: Vec<&&SessionFact> =
            sessions.iter().filter(|f| practice.agents.iter().any(|a| a == agent_of(f))).collect();
        let tail = &of[of.len().saturating_sub(rule.m as usize)..];
        (tail.iter().filter(|f| f.practices.contains(&practice.id)).count() as u32, tail.len() as u32)
    };
    let adoption = catalog
        .shown()
        .iter()
        .map(|p| {
            // Of the people with sessions it applies to (n/a for the others).
            let adopted: Vec<bool> = per_person
                .values()
                .map(|s| last(s, p))
                .filter(|(_, of)| *of > 0)
                .map(|(seen, _)| seen >= rule.n)
                .collect();
            let mut a = PracticeAdoption {
                practice: p.id.clone(),
                people_adopted: adopted.iter().filter(|&&x| x).count() as u64,
                people: adopted.len() as u64,
                ..Default::default()
            };
            if !team && let Some(s) = per_person.values().next() {
                (a.seen, a.of) = last(s, p);
                a.adopted = a.seen >= rule.n;
            }
            a
        })
        .collect();
    Trends {
        bucket: bucket.name().into(),
        points,
        adoption,
        adopted_n: rule.n,
        adopted_m: rule.m,
        ..Default::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use accrete_common::time::parse_rfc3339_ms;

    fn fact(person: &str, at: &str, practices: &[&str]) -> SessionFact {
        SessionFact {
            person: person.into(),
            team: "web".into(),
            session_id: format!("{person}-{at}"),
            started_ms: parse_rfc3339_ms(at).unwrap(),
            practices: practices.iter().map(|p| p.to_string()).collect(),
        }
    }

    #[test]
    fn weeks_start_on_monday_and_months_on_the_first() {
        let t = |s: &str| parse_rfc3339_ms(s).unwrap();
        assert_eq!(Bucket::Week.start(t("2026-01-08T10:00:00Z")), t("2026-01-05"));
        assert_eq!(Bucket::Week.start(t("2026-01-05")), t("2026-01-05"));
        assert_eq!(Bucket::Week.start(t("2026-01-04T23:59:59Z")), t("2025-12-29"));
        assert_eq!(Bucket::Month.start(t("2026-01-31T23:00:00Z")), t("2026-01-01"));
        assert_eq!(
            (Bucket::parse(""), Bucket::parse("month"), Bucket::parse("day")),
            (Some(Bucket::Week), Some(Bucket::Month), None)
        );
    }

    #[test]
    fn shares_per_bucket_and_adoption_over_the_last_sessions() {
        let c = Catalog::builtin();
        let mut facts = vec![
            fact("ana", "2026-01-05T09:00:00Z", &["task_tracking"]),
            fact("ana", "2026-01-06T09:00:00Z", &[]),
            fact("ana", "2026-01-13T09:00:00Z", &["task_tracking", "committing_work"]),
        ];
        let t = trends(&c, &facts, Bucket::Week, Adoption { n: 2, m: 3 }, false);
        assert_eq!(t.points.len(), 2);
        assert_eq!(
            (t.points[0].start.as_str(), t.points[0].sessions, t.points[0].share["task_tracking"]),
            ("2026-01-05", 2, 0.5)
        );
        let tt = t.adoption.iter().find(|a| a.practice == "task_tracking").unwrap();
        assert_eq!((tt.seen, tt.of, tt.adopted), (2, 3, true));
        let cw = t.adoption.iter().find(|a| a.practice == "committing_work").unwrap();
        assert!(!cw.adopted, "one lucky session does not make it adopted");
        // Only the last M count: two sessions without it push it out.
        facts.push(fact("ana", "2026-01-14T09:00:00Z", &[]));
        facts.push(fact("ana", "2026-01-15T09:00:00Z", &[]));
        let t = trends(&c, &facts, Bucket::Month, Adoption { n: 2, m: 3 }, false);
        assert_eq!(t.points.len(), 1);
        assert!(!t.adoption.iter().find(|a| a.practice == "task_tracking").unwrap().adopted);
    }

    #[test]
    fn a_team_counts_the_people_who_adopted() {
        let c = Catalog::builtin();
        let facts = vec![
            fact("ana", "2026-01-05T09:00:00Z", &["plan_mode"]),
            fact("bo", "2026-01-05T10:00:00Z", &[]),
            fact("ana", "2026-01-06T09:00:00Z", &["plan_mode"]),
        ];
        let t = trends(&c, &facts, Bucket::Week, Adoption { n: 2, m: 10 }, true);
        let pm = t.adoption.iter().find(|a| a.practice == "plan_mode").unwrap();
        assert_eq!((pm.people_adopted, pm.people, pm.adopted), (1, 2, false));
        assert_eq!((t.points[0].people, t.points[0].people_using["plan_mode"]), (2, 1));
        assert!(trends(&c, &[], Bucket::Week, Adoption::default(), true).points.is_empty());
    }

    #[test]
    fn a_practice_without_a_counterpart_counts_neither_sessions_nor_people() {
        let c = Catalog::builtin();
        let facts = vec![
            fact("ana", "2026-01-05T09:00:00Z", &["saved_commands"]),
            fact("ana", "2026-01-06T09:00:00Z", &["saved_commands"]),
            // Codex sessions: saved commands have no counterpart there.
            fact("cy", "2026-01-05T10:00:00Z", &["agent_codex", "task_tracking"]),
            fact("cy", "2026-01-06T10:00:00Z", &["agent_codex"]),
        ];
        let t = trends(&c, &facts, Bucket::Month, Adoption { n: 2, m: 10 }, true);
        let p = &t.points[0];
        assert_eq!((p.sessions, p.share["saved_commands"], p.share["task_tracking"]), (4, 1.0, 0.25));
        let sc = t.adoption.iter().find(|a| a.practice == "saved_commands").unwrap();
        assert_eq!((sc.people_adopted, sc.people), (1, 1), "cy's sessions are n/a for it");
        assert!(!p.share.contains_key("agent_codex"), "markers are not practices");
    }
}
