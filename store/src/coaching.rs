//! The coaching loop's next step, decided from the adoption matrix of a
//! window (so both stores answer it the same way): each person's cohort
//! (light / moderate / heavy) and one practice to try next, with the
//! teammate to learn it from. One suggestion, not a list: a practice at a
//! time. The rules are in docs/coaching.md.

use std::collections::BTreeMap;

use accrete_common::catalog::Catalog;
use accrete_common::proto::{AdoptionMatrix, PersonRow, Suggestion};

/// The thresholds of the rules (the defaults are documented).
#[derive(Debug, Clone, PartialEq)]
pub struct Rules {
    /// A person rarely shows a practice below this share of their sessions.
    pub rarely: f64,
    /// The team's strong users show it often at this median share or more.
    pub often: f64,
    /// Fewer sessions in the window say too little to judge (or to learn from).
    pub min_sessions: u64,
    /// A practice counts toward breadth at this share of the person's sessions.
    pub breadth_share: f64,
    /// Heavy: at least this breadth and sessions per week.
    pub heavy: (u32, f64),
    /// Moderate: at least this breadth and sessions per week (else light).
    pub moderate: (u32, f64),
}

impl Default for Rules {
    fn default() -> Rules {
        Rules { rarely: 0.2, often: 0.5, min_sessions: 3, breadth_share: 0.2, heavy: (6, 3.0), moderate: (3, 1.0) }
    }
}

fn share(r: &PersonRow, practice: &str) -> f64 {
    if r.sessions == 0 { 0.0 } else { *r.practices.get(practice).unwrap_or(&0) as f64 / r.sessions as f64 }
}

fn round3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    match v.len() {
        0 => 0.0,
        n if n % 2 == 1 => v[n / 2],
        n => (v[n / 2 - 1] + v[n / 2]) / 2.0,
    }
}

/// light, moderate or heavy.
pub fn cohort(rules: &Rules, breadth: u32, per_week: f64) -> &'static str {
    if breadth >= rules.heavy.0 && per_week >= rules.heavy.1 {
        "heavy"
    } else if breadth >= rules.moderate.0 && per_week >= rules.moderate.1 {
        "moderate"
    } else {
        "light"
    }
}

/// A person's strong teammates: the top quarter by score (at least one) of
/// the others with enough sessions; `ranked` is the team's eligible people,
/// best first.
fn strong_for<'a>(ranked: &[&'a PersonRow], me: &str) -> Vec<&'a PersonRow> {
    let others: Vec<&PersonRow> = ranked.iter().copied().filter(|r| r.person != me).collect();
    let n = others.len().div_ceil(4);
    others.into_iter().take(n).collect()
}

fn pct(x: f64) -> String {
    format!("{:.0} %", 100.0 * x)
}

/// One suggestion per person of `matrix` (a window of `weeks` weeks), in
/// person order.
pub fn suggestions(catalog: &Catalog, matrix: &AdoptionMatrix, weeks: f64, rules: &Rules) -> Vec<Suggestion> {
    let mut teams: BTreeMap<&str, Vec<&PersonRow>> = BTreeMap::new();
    for r in &matrix.people {
        teams.entry(r.team.as_str()).or_default().push(r);
    }
    let mut out = Vec::new();
    for (team, members) in &teams {
        let mut ranked: Vec<&PersonRow> =
            members.iter().copied().filter(|r| r.sessions >= rules.min_sessions).collect();
        ranked.sort_by(|a, b| b.score.total_cmp(&a.score).then_with(|| a.person.cmp(&b.person)));
        for me in members {
            let breadth = catalog.practices.iter().filter(|p| share(me, &p.id) >= rules.breadth_share).count() as u32;
            let per_week = if weeks > 0.0 { me.sessions as f64 / weeks } else { 0.0 };
            let mut s = Suggestion {
                person: me.person.clone(),
                team: team.to_string(),
                sessions: me.sessions,
                cohort: cohort(rules, breadth, per_week).into(),
                breadth,
                sessions_per_week: round3(per_week),
                ..Default::default()
            };
            let others = strong_for(&ranked, &me.person);
            let team_name = if team.is_empty() { "people with no team".to_string() } else { format!("team {team}") };
            if me.sessions < rules.min_sessions {
                s.reason = format!(
                    "{} session(s) in the window: too few to judge (a suggestion needs {})",
                    me.sessions, rules.min_sessions
                );
            } else if others.is_empty() {
                s.reason = format!(
                    "no one else in {team_name} has {} or more sessions in the window to learn from",
                    rules.min_sessions
                );
            } else {
                // The practice with the widest gap between the strong users' median and mine.
                let best = catalog
                    .practices
                    .iter()
                    .map(|p| (p, share(me, &p.id), median(others.iter().map(|r| share(r, &p.id)).collect())))
                    .filter(|(_, mine, theirs)| *mine < rules.rarely && *theirs >= rules.often)
                    .max_by(|a, b| (a.2 - a.1).total_cmp(&(b.2 - b.1)).then_with(|| b.0.id.cmp(&a.0.id)));
                match best {
                    None => {
                        s.reason = format!(
                            "nothing {team_name}'s strong users show in {} or more of their sessions is rare for you",
                            pct(rules.often)
                        );
                    }
                    Some((p, mine, theirs)) => {
                        let teacher = members
                            .iter()
                            .filter(|r| r.person != me.person && r.sessions >= rules.min_sessions)
                            .max_by(|a, b| {
                                share(a, &p.id)
                                    .total_cmp(&share(b, &p.id))
                                    .then_with(|| a.sessions.cmp(&b.sessions))
                                    .then_with(|| b.person.cmp(&a.person))
                            })
                            .expect("the strong users are members");
                        s.practice = p.id.clone();
                        s.share = round3(mine);
                        s.strong_users_share = round3(theirs);
                        s.learn_from = teacher.person.clone();
                        s.learn_from_share = round3(share(teacher, &p.id));
                        s.reason = format!(
                            "{}: in {} of your sessions; {team_name}'s strong users (median of {}) in {}; {} in {}",
                            p.name,
                            pct(mine),
                            others.len(),
                            pct(theirs),
                            teacher.person,
                            pct(s.learn_from_share)
                        );
                    }
                }
            }
            out.push(s);
        }
    }
    out.sort_by(|a, b| a.person.cmp(&b.person).then_with(|| a.team.cmp(&b.team)));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rollup::{empty_row, score_rows};

    fn row(c: &Catalog, person: &str, team: &str, sessions: u64, counts: &[(&str, u64)]) -> PersonRow {
        let mut r = empty_row(c, person, team);
        r.sessions = sessions;
        for (p, n) in counts {
            *r.practices.get_mut(*p).unwrap() = *n;
        }
        r
    }

    fn matrix(c: &Catalog, mut people: Vec<PersonRow>) -> AdoptionMatrix {
        score_rows(&mut people);
        AdoptionMatrix { people, practice_ids: c.practice_ids(), catalog_version: c.version.clone() }
    }

    #[test]
    fn suggests_the_widest_gap_and_the_most_consistent_teammate() {
        let c = Catalog::builtin();
        let m = matrix(
            &c,
            vec![
                row(&c, "ana", "web", 10, &[("task_tracking", 9), ("committing_work", 8), ("plan_mode", 6)]),
                row(&c, "bo", "web", 10, &[("task_tracking", 1), ("committing_work", 9)]),
                row(&c, "cy", "web", 12, &[("task_tracking", 12), ("committing_work", 7), ("plan_mode", 7)]),
                row(&c, "di", "web", 8, &[("task_tracking", 2)]),
            ],
        );
        let s = suggestions(&c, &m, 4.0, &Rules::default());
        let bo = s.iter().find(|s| s.person == "bo").unwrap();
        // bo's strong teammates (the top quarter of the other three): ana.
        // The widest gap: task tracking (0.9 - 0.1) over plan mode (0.6 - 0);
        // cy shows it most consistently.
        assert_eq!((bo.practice.as_str(), bo.learn_from.as_str()), ("task_tracking", "cy"));
        assert_eq!((bo.share, bo.strong_users_share, bo.learn_from_share), (0.1, 0.9, 1.0));
        assert!(bo.reason.contains("team web's strong users"), "{}", bo.reason);
        assert_eq!((bo.sessions_per_week, bo.cohort.as_str(), bo.breadth), (2.5, "light", 1));
        // ana, the strongest, is measured against cy: nothing to add.
        let ana = s.iter().find(|s| s.person == "ana").unwrap();
        assert!(ana.practice.is_empty() && ana.reason.starts_with("nothing"), "{}", ana.reason);
        let di = s.iter().find(|s| s.person == "di").unwrap();
        assert_eq!((di.practice.as_str(), di.learn_from.as_str()), ("committing_work", "bo"), "{}", di.reason);
    }

    #[test]
    fn says_why_when_there_is_nothing_to_suggest() {
        let c = Catalog::builtin();
        let m = matrix(
            &c,
            vec![
                row(&c, "solo", "ops", 9, &[("task_tracking", 3)]),
                row(&c, "new", "web", 1, &[]),
                row(&c, "x", "", 2, &[]),
            ],
        );
        let s = suggestions(&c, &m, 12.0, &Rules::default());
        assert_eq!(s.len(), 3);
        assert!(s.iter().all(|s| s.practice.is_empty() && !s.reason.is_empty()));
        assert!(s[0].reason.contains("too few to judge"), "{}", s[0].reason);
        assert!(s[1].reason.contains("no one else in team ops"), "{}", s[1].reason);
        assert!(suggestions(&c, &matrix(&c, vec![]), 12.0, &Rules::default()).is_empty());
    }

    #[test]
    fn cohorts_by_breadth_and_depth() {
        let r = Rules::default();
        assert_eq!(cohort(&r, 6, 3.0), "heavy");
        assert_eq!(cohort(&r, 6, 2.9), "moderate");
        assert_eq!(cohort(&r, 3, 1.0), "moderate");
        assert_eq!(cohort(&r, 2, 10.0), "light");
        assert_eq!(cohort(&r, 9, 0.5), "light");
        assert_eq!(median(vec![3.0, 1.0, 2.0]), 2.0);
        assert_eq!(median(vec![4.0, 1.0, 2.0, 3.0]), 2.5);
    }
}
