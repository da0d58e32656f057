//! The coaching loop's next step, decided from the adoption matrix of a
//! window (so both stores answer it the same way): each person's cohort
//! (light / moderate / heavy) and one practice to try next, with the
//! teammate to learn it from. One suggestion, not a list: a practice at a
//! time. The rules are in docs/coaching.md.

use std::collections::BTreeMap;

use accrete_common::catalog::Catalog;
use accrete_common::config::CoachingConfig;
use accrete_common::proto::{AdoptionMatrix, PersonRow, Suggestion};

use crate::trends::Adoption;

/// The thresholds of the rules: `[coaching]` in the configuration
/// ([`CoachingConfig`], whose defaults are documented).
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
    /// Adopted: seen in N of the last M sessions.
    pub adoption: Adoption,
    /// Who to learn from: people per practice, example sessions per person.
    pub teachers: usize,
    pub examples: usize,
}

impl From<&CoachingConfig> for Rules {
    fn from(c: &CoachingConfig) -> Rules {
        Rules {
            rarely: c.rarely,
            often: c.often,
            min_sessions: c.min_sessions,
            breadth_share: c.breadth_share,
            heavy: (c.heavy_breadth, c.heavy_sessions_per_week),
            moderate: (c.moderate_breadth, c.moderate_sessions_per_week),
            adoption: Adoption { n: c.adopted_n, m: c.adopted_m },
            teachers: c.teachers,
            examples: c.examples,
        }
    }
}

impl Default for Rules {
    fn default() -> Rules {
        Rules::from(&CoachingConfig::default())
    }
}

/// The share of a person's sessions showing a practice, out of the sessions
/// it applies to; NaN when it applies to none of them ("n/a": the person
/// used only agents without a counterpart), which is never suggested and
/// never teaches.
fn share(r: &PersonRow, practice: &str) -> f64 {
    let of = crate::rollup::applicable(r, practice);
    if r.sessions == 0 {
        0.0
    } else if of == 0 {
        f64::NAN
    } else {
        *r.practices.get(practice).unwrap_or(&0) as f64 / of as f64
    }
}

fn round3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

fn median(v: Vec<f64>) -> f64 {
    let mut v: Vec<f64> = v.into_iter().filter(|x| !x.is_nan()).collect();
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

fn pct(x: f64) -> String {
    format!("{:.0} %", 100.0 * x)
}

/// One team, precomputed once: every member's share of every practice, the
/// members with enough sessions ranked by score, and per practice the two
/// most consistent of them (the teacher, or the next when it is oneself).
struct Team<'a> {
    members: Vec<&'a PersonRow>,
    shares: Vec<Vec<f64>>,
    ranked: Vec<usize>,
    teachers: Vec<[Option<usize>; 2]>,
}

impl<'a> Team<'a> {
    fn new(catalog: &Catalog, rules: &Rules, members: Vec<&'a PersonRow>) -> Team<'a> {
        let shares: Vec<Vec<f64>> =
            members.iter().map(|r| catalog.shown().iter().map(|p| share(r, &p.id)).collect()).collect();
        let mut ranked: Vec<usize> =
            (0..members.len()).filter(|&i| members[i].sessions >= rules.min_sessions).collect();
        ranked.sort_by(|&a, &b| {
            members[b].score.total_cmp(&members[a].score).then_with(|| members[a].person.cmp(&members[b].person))
        });
        let teachers = (0..catalog.shown().len())
            .map(|p| {
                let mut by: Vec<usize> = ranked.iter().copied().filter(|&i| !shares[i][p].is_nan()).collect();
                // Highest share, then more sessions, then the name.
                by.sort_by(|&a, &b| {
                    shares[b][p]
                        .total_cmp(&shares[a][p])
                        .then_with(|| members[b].sessions.cmp(&members[a].sessions))
                        .then_with(|| members[a].person.cmp(&members[b].person))
                });
                [by.first().copied(), by.get(1).copied()]
            })
            .collect();
        Team { members, shares, ranked, teachers }
    }
}

/// One suggestion per person of `matrix` (a window of `weeks` weeks), in
/// person order.
pub fn suggestions(catalog: &Catalog, matrix: &AdoptionMatrix, weeks: f64, rules: &Rules) -> Vec<Suggestion> {
    let mut teams: BTreeMap<&str, Vec<&PersonRow>> = BTreeMap::new();
    for r in &matrix.people {
        teams.entry(r.team.as_str()).or_default().push(r);
    }
    let mut out = Vec::new();
    for (team, members) in teams {
        let t = Team::new(catalog, rules, members);
        let team_name = if team.is_empty() { "people with no team".to_string() } else { format!("team {team}") };
        // A person's strong teammates are the top quarter by score (at least
        // one) of the others with enough sessions: for everyone outside it,
        // the same people (their medians once); for someone inside, the one
        // ranked next takes their place.
        let n = t.ranked.len().saturating_sub(1).div_ceil(4);
        let common = &t.ranked[..n];
        let medians = |strong: &[usize]| -> Vec<f64> {
            (0..catalog.shown().len()).map(|p| median(strong.iter().map(|&i| t.shares[i][p]).collect())).collect()
        };
        let common_medians = medians(common);
        for (me_i, me) in t.members.iter().enumerate() {
            let mine = &t.shares[me_i];
            let breadth = mine.iter().filter(|&&x| x >= rules.breadth_share).count() as u32;
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
            if me.sessions < rules.min_sessions {
                s.reason = format!(
                    "{} session(s) in the window: too few to judge (a suggestion needs {})",
                    me.sessions, rules.min_sessions
                );
                out.push(s);
                continue;
            }
            let (own_strong, own_medians);
            let (strong, theirs): (&[usize], &[f64]) = if common.contains(&me_i) {
                own_strong = t.ranked[..=n].iter().copied().filter(|&i| i != me_i).collect::<Vec<_>>();
                own_medians = medians(&own_strong);
                (&own_strong, &own_medians)
            } else {
                (common, &common_medians)
            };
            if strong.is_empty() {
                s.reason = format!(
                    "no one else in {team_name} has {} or more sessions in the window to learn from",
                    rules.min_sessions
                );
                out.push(s);
                continue;
            }
            // The practice with the widest gap between the strong users' median and mine.
            let best = (0..catalog.shown().len())
                .filter(|&p| !mine[p].is_nan() && mine[p] < rules.rarely && theirs[p] >= rules.often)
                .max_by(|&a, &b| {
                    (theirs[a] - mine[a])
                        .total_cmp(&(theirs[b] - mine[b]))
                        .then_with(|| catalog.practices[b].id.cmp(&catalog.practices[a].id))
                });
            let Some(p) = best else {
                s.reason = format!(
                    "nothing {team_name}'s strong users show in {} or more of their sessions is rare for you",
                    pct(rules.often)
                );
                out.push(s);
                continue;
            };
            let teacher = match t.teachers[p] {
                [Some(a), _] if a != me_i => a,
                [_, Some(b)] => b,
                _ => unreachable!("a strong teammate has enough sessions"),
            };
            let practice = &catalog.practices[p];
            s.practice = practice.id.clone();
            s.share = round3(mine[p]);
            s.strong_users_share = round3(theirs[p]);
            s.learn_from = t.members[teacher].person.clone();
            s.learn_from_share = round3(t.shares[teacher][p]);
            s.reason = format!(
                "{}: in {} of your sessions; {team_name}'s strong users (median of {}) in {}; {} in {}",
                practice.name,
                pct(mine[p]),
                strong.len(),
                pct(theirs[p]),
                s.learn_from,
                pct(s.learn_from_share)
            );
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
