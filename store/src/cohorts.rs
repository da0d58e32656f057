//! The cohort distribution over time: per month (or quarter), how many of
//! the people active in it are light, moderate or heavy users, by the same
//! rule as a person's cohort in their suggestion ([`crate::coaching::cohort`]),
//! applied to that bucket alone. Computed from per-person, per-bucket counts
//! ([`PersonQuarter`] rows), so both stores answer from their roll-ups.

use std::collections::BTreeMap;

use accrete_common::proto::{CohortPoint, CohortShare, Cohorts};
use accrete_common::time::parse_rfc3339_ms;

use crate::coaching::{Rules, cohort};
use crate::rollup::{Period, PersonQuarter, applicable_counts};
use accrete_common::catalog::Catalog;

pub const COHORTS: [&str; 3] = ["light", "moderate", "heavy"];

const WEEK_MS: f64 = 7.0 * 86_400_000.0;

/// `rows` per bucket (first day `YYYY-MM-DD`) and person, of the window
/// `[from, to)`: a bucket's weeks are the part of it inside the window, so
/// a month the window cuts is not judged on a full month's sessions.
/// A practice's share is of the sessions it applies to (none: 0, "n/a").
pub fn cohorts(
    catalog: &Catalog,
    rules: &Rules,
    rows: &[PersonQuarter],
    period: Period,
    (from, to): (i64, i64),
) -> Cohorts {
    #[derive(Default)]
    struct Acc {
        people: u64,
        per_week: f64,
        breadth: f64,
        score: f64,
    }
    let mut points: BTreeMap<&str, [Acc; 3]> = BTreeMap::new();
    for r in rows.iter().filter(|r| r.sessions > 0) {
        let Some(start) = parse_rfc3339_ms(&r.quarter) else { continue };
        let end = match period {
            Period::Month => accrete_common::time::next_month_start(start),
            Period::Quarter => (0..3).fold(start, |t, _| accrete_common::time::next_month_start(t)),
        };
        let weeks = ((end.min(to) - start.max(from)) as f64 / WEEK_MS).max(1.0 / 7.0);
        let of = applicable_counts(catalog, r.sessions, &r.practice_sessions);
        let shares: Vec<f64> = r
            .practice_sessions
            .iter()
            .zip(&of)
            .map(|(&n, &of)| if of == 0 { 0.0 } else { n as f64 / of as f64 })
            .collect();
        let breadth = shares.iter().filter(|&&s| s >= rules.breadth_share).count() as u32;
        let per_week = r.sessions as f64 / weeks;
        let c = cohort(rules, breadth, per_week);
        let a = &mut points.entry(r.quarter.as_str()).or_default()[COHORTS.iter().position(|&x| x == c).unwrap_or(0)];
        a.people += 1;
        a.per_week += per_week;
        a.breadth += breadth as f64;
        a.score += shares.iter().sum::<f64>();
    }
    let avg = |sum: f64, n: u64| if n == 0 { 0.0 } else { round3(sum / n as f64) };
    let points = points
        .into_iter()
        .map(|(start, accs)| {
            let cohorts: Vec<CohortShare> = COHORTS
                .iter()
                .zip(&accs)
                .map(|(name, a)| CohortShare {
                    cohort: name.to_string(),
                    people: a.people,
                    sessions_per_week: avg(a.per_week, a.people),
                    breadth: avg(a.breadth, a.people),
                    score: avg(a.score, a.people),
                })
                .collect();
            let (light, heavy) = (&cohorts[0], &cohorts[2]);
            let heavy_to_light = if light.people == 0 || heavy.people == 0 || light.score == 0.0 {
                0.0
            } else {
                round3(heavy.score / light.score)
            };
            CohortPoint {
                start: start.to_string(),
                people: accs.iter().map(|a| a.people).sum(),
                cohorts,
                heavy_to_light,
            }
        })
        .collect();
    let bucket = match period {
        Period::Month => "month",
        Period::Quarter => "quarter",
    };
    Cohorts { bucket: bucket.into(), points, from_ms: from, to_ms: to }
}

fn round3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(month: &str, person: &str, sessions: u64, counts: &[u64]) -> PersonQuarter {
        PersonQuarter {
            quarter: month.into(),
            person: person.into(),
            team: "web".into(),
            sessions,
            practice_sessions: counts.to_vec(),
        }
    }

    #[test]
    fn each_month_places_its_active_people() {
        let t = |s: &str| parse_rfc3339_ms(s).unwrap();
        let rules = Rules::default();
        let wide = [5, 5, 5, 5, 5, 5, 0];
        let rows = vec![
            // Six practices in 20 sessions of a 30-day month: heavy.
            row("2026-06-01", "ana", 20, &wide),
            // Three practices, one session a week: moderate.
            row("2026-06-01", "bo", 5, &[5, 5, 5, 0, 0, 0, 0]),
            // One practice: light.
            row("2026-06-01", "cy", 10, &[10, 0, 0, 0, 0, 0, 0]),
            row("2026-07-01", "ana", 2, &[1, 1, 1, 0, 0, 0, 0]),
            row("2026-07-01", "di", 0, &[0; 7]),
        ];
        let c = cohorts(&Catalog::builtin(), &rules, &rows, Period::Month, (t("2026-06-01"), t("2026-08-01")));
        assert_eq!(c.points.len(), 2);
        let june = &c.points[0];
        let n: Vec<u64> = june.cohorts.iter().map(|x| x.people).collect();
        assert_eq!((june.start.as_str(), june.people, n), ("2026-06-01", 3, vec![1, 1, 1]));
        assert_eq!((june.cohorts[2].breadth, june.cohorts[0].score), (6.0, 1.0));
        assert_eq!(june.heavy_to_light, 1.5, "heavy 1.5 over light 1.0");
        // July: two sessions in a month is under one a week: light; di had none.
        let july = &c.points[1];
        assert_eq!((july.people, july.cohorts[0].people, july.heavy_to_light), (1, 1, 0.0));
    }

    #[test]
    fn a_month_cut_by_the_window_counts_only_its_weeks() {
        let t = |s: &str| parse_rfc3339_ms(s).unwrap();
        let rules = Rules::default();
        // Three sessions in the first week of a month: three a week, not 0.7.
        let rows = vec![row("2026-06-01", "ana", 3, &[3, 3, 3, 0, 0, 0, 0])];
        let c = cohorts(&Catalog::builtin(), &rules, &rows, Period::Month, (t("2026-06-01"), t("2026-06-08")));
        assert_eq!(c.points[0].cohorts[1].people, 1, "moderate: breadth 3, 3 a week");
        assert_eq!(c.points[0].cohorts[1].sessions_per_week, 3.0);
    }
}
