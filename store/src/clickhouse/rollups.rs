//! Per-person roll-ups: what whole-organization and team queries read
//! instead of merging every session's state (seconds on a 10,000-person
//! year), kept exact by recomputing, never adding.
//!
//! The protocol, and why it is exact under redelivery and with several
//! aggregators:
//! - a stored batch adds 1 to `person_writes` for each of its people, after
//!   its events and marks are in;
//! - compaction reads a person's write count `n`, *then* their sessions and
//!   marks, and writes their whole roll-up with `version = n`: everything
//!   counted in `n` was in the tables when they were read;
//! - a person is stale while their count is ahead of their newest roll-up
//!   (or it was computed with another catalog). Queries read stale people
//!   from the raw tables and everyone else from the roll-ups, so an answer is
//!   never older than the batches stored before it was asked.
//!
//! A batch stored twice only makes its people stale once more; two
//! compactions of one person write equal or newer versions.

use std::collections::BTreeMap;

use accrete_common::time::{day_start, month_start, next_month_start};

/// Bucket bounds far outside any timestamp (and inside an Int64 literal).
const FAR: i64 = 1 << 62;

/// Which roll-up buckets answer a query's bounds `[from, to)`: the whole
/// months inside them, and the days within the bounds of the partial months
/// at either end.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Buckets {
    pub months_from: i64,
    pub months_to: i64,
    pub days_from: i64,
    pub days_to: i64,
    /// The partial months a bound falls inside (the same twice when there
    /// is one), whose day roll-ups are read; `None` when no bound does.
    pub edges: Option<[i64; 2]>,
}

impl Buckets {
    /// `None` when a bound is not a UTC midnight: then only the raw tables
    /// can answer exactly.
    pub fn for_bounds(from: Option<i64>, to: Option<i64>) -> Option<Buckets> {
        if from.into_iter().chain(to).any(|t| day_start(t) != t) {
            return None;
        }
        let months_from = from.map_or(-FAR, |f| if month_start(f) == f { f } else { next_month_start(f) });
        let months_to = to.map_or(FAR, month_start);
        let (months_from, months_to) = if months_from < months_to { (months_from, months_to) } else { (0, 0) };
        let partial = |t: i64| (month_start(t) != t).then(|| month_start(t));
        let edges = match (from.and_then(partial), to.and_then(partial)) {
            (Some(a), Some(b)) => Some([a, b]),
            (Some(a), None) | (None, Some(a)) => Some([a, a]),
            (None, None) => None,
        };
        Some(Buckets { months_from, months_to, days_from: from.unwrap_or(-FAR), days_to: to.unwrap_or(FAR), edges })
    }
}

/// One own session, as [`crate::clickhouse::sql::person_facts`] reads it.
#[derive(Debug, Clone, PartialEq, clickhouse::Row, serde::Deserialize)]
pub struct Fact {
    pub person: String,
    pub team: String,
    pub started_ms: i64,
    pub present: Vec<u8>,
    pub session_id: String,
}

/// One level (months or days) of a person's roll-up, as parallel arrays.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Level {
    pub start: Vec<i64>,
    pub team: Vec<String>,
    pub sessions: Vec<u32>,
    pub counts: Vec<Vec<u32>>,
}

impl Level {
    fn from_map(m: BTreeMap<(i64, String), (u32, Vec<u32>)>) -> Level {
        let mut l = Level::default();
        for ((start, team), (sessions, counts)) in m {
            l.start.push(start);
            l.team.push(team);
            l.sessions.push(sessions);
            l.counts.push(counts);
        }
        l
    }
}

/// A person's sessions with a start, oldest first (then by id), as
/// parallel arrays: what a team's trends read instead of merging every
/// session's state and marks. `present`: bit i is catalog practice i.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SessionList {
    pub id: Vec<String>,
    pub start: Vec<i64>,
    pub team: Vec<String>,
    pub present: Vec<u64>,
}

/// The most practices [`SessionList::present`] holds.
pub const MAX_LISTED_PRACTICES: usize = 64;

/// A person's roll-up, to be written with `version`: the months, the days
/// of each month, and the sessions.
#[derive(Debug, Clone, PartialEq)]
pub struct PersonRollup {
    pub person: String,
    pub version: u64,
    pub months: Level,
    pub days: BTreeMap<i64, Level>,
    pub sessions: SessionList,
}

/// Groups sessions into each person's month and day buckets per team.
/// Every person in `versions` gets a roll-up, with no sessions an empty one
/// (so they are no longer stale). Sessions without a start go to month -1.
pub fn compute(facts: &[Fact], versions: &BTreeMap<String, u64>, practices: usize) -> Vec<PersonRollup> {
    type Acc = BTreeMap<(i64, String), (u32, Vec<u32>)>;
    let mut per: BTreeMap<&str, (Acc, Acc)> = versions.keys().map(|p| (p.as_str(), Default::default())).collect();
    let mut listed: BTreeMap<&str, Vec<&Fact>> = BTreeMap::new();
    for f in facts {
        let Some((months, days)) = per.get_mut(f.person.as_str()) else { continue };
        if f.started_ms > 0 {
            listed.entry(f.person.as_str()).or_default().push(f);
        }
        let add = |acc: &mut Acc, start: i64| {
            let e = acc.entry((start, f.team.clone())).or_insert_with(|| (0, vec![0; practices]));
            e.0 += 1;
            for (c, p) in e.1.iter_mut().zip(&f.present) {
                *c += u32::from(*p > 0);
            }
        };
        if f.started_ms > 0 {
            add(months, month_start(f.started_ms));
            add(days, day_start(f.started_ms));
        } else {
            add(months, -1);
        }
    }
    per.into_iter()
        .map(|(person, (m, d))| {
            let mut days: BTreeMap<i64, Acc> = BTreeMap::new();
            for (k, v) in d {
                days.entry(month_start(k.0)).or_default().insert(k, v);
            }
            let mut list = listed.remove(person).unwrap_or_default();
            list.sort_by(|a, b| (a.started_ms, &a.session_id).cmp(&(b.started_ms, &b.session_id)));
            let mut sessions = SessionList::default();
            for f in list {
                sessions.id.push(f.session_id.clone());
                sessions.start.push(f.started_ms);
                sessions.team.push(f.team.clone());
                let bits = f.present.iter().take(MAX_LISTED_PRACTICES).enumerate();
                sessions.present.push(bits.fold(0u64, |m, (i, &p)| if p > 0 { m | 1 << i } else { m }));
            }
            PersonRollup {
                person: person.to_string(),
                version: versions[person],
                months: Level::from_map(m),
                days: days.into_iter().map(|(month, acc)| (month, Level::from_map(acc))).collect(),
                sessions,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use accrete_common::time::parse_rfc3339_ms as t;

    fn ms(s: &str) -> i64 {
        t(s).unwrap()
    }

    #[test]
    fn bounds_become_whole_months_and_edge_days() {
        let b = Buckets::for_bounds(None, None).unwrap();
        assert_eq!((b.months_from, b.months_to, b.edges.is_some()), (-FAR, FAR, false));
        // A quarter: months only.
        let b = Buckets::for_bounds(Some(ms("2026-01-01")), Some(ms("2026-04-01"))).unwrap();
        assert_eq!((b.months_from, b.months_to, b.edges.is_some()), (ms("2026-01-01"), ms("2026-04-01"), false));
        // Mid-month to mid-month: Feb whole, the rest as days.
        let b = Buckets::for_bounds(Some(ms("2026-01-15")), Some(ms("2026-03-10"))).unwrap();
        assert_eq!((b.months_from, b.months_to, b.edges.is_some()), (ms("2026-02-01"), ms("2026-03-01"), true));
        assert_eq!((b.days_from, b.days_to), (ms("2026-01-15"), ms("2026-03-10")));
        assert_eq!(b.edges, Some([ms("2026-01-01"), ms("2026-03-01")]));
        // Inside one month: no whole month, days only.
        let b = Buckets::for_bounds(Some(ms("2026-01-15")), Some(ms("2026-01-20"))).unwrap();
        assert_eq!((b.months_from, b.months_to, b.edges), (0, 0, Some([ms("2026-01-01"); 2])));
        // Only an upper bound, mid-month.
        let b = Buckets::for_bounds(None, Some(ms("2026-03-10"))).unwrap();
        assert_eq!((b.months_from, b.months_to, b.edges.is_some()), (-FAR, ms("2026-03-01"), true));
        // Not a midnight: the raw tables answer.
        assert_eq!(Buckets::for_bounds(Some(ms("2026-01-15T10:00:00Z")), None), None);
    }

    /// What the SQL's filters keep, in Rust: a session counts when its
    /// month is inside the whole months, or its month is a partial one and
    /// its day inside the bounds. Checked against the plain rule on every day.
    #[test]
    fn every_session_is_counted_once_within_the_bounds() {
        let day = 86_400_000;
        let base = ms("2025-12-20");
        for (f, to) in [(0, 80), (12, 13), (12, 45), (43, 43), (1, 70), (0, 1)] {
            let (from, to) = (base + f * day, base + to * day);
            for bounds in [(Some(from), Some(to)), (None, Some(to)), (Some(from), None)] {
                let b = Buckets::for_bounds(bounds.0, bounds.1).unwrap();
                for d in -5..90 {
                    let s = base + d * day + 3_600_000;
                    let want = bounds.0.is_none_or(|f| s >= f) && bounds.1.is_none_or(|t| s < t);
                    let m = month_start(s);
                    let by_month = m >= b.months_from && m < b.months_to;
                    let dd = day_start(s);
                    // What `sql::day_entries` keeps: days of the partial months, within the bounds.
                    let by_day = b.edges.is_some_and(|e| e.contains(&m)) && dd >= b.days_from && dd < b.days_to;
                    assert_eq!(by_month || by_day, want, "bounds {bounds:?} session day {d}");
                    assert!(!(by_month && by_day));
                }
            }
        }
    }

    #[test]
    fn sessions_are_grouped_per_bucket_and_team() {
        let f = |person: &str, team: &str, at: &str, present: Vec<u8>| Fact {
            person: person.into(),
            team: team.into(),
            started_ms: if at.is_empty() { 0 } else { ms(at) },
            present,
            session_id: format!("{person}-{at}"),
        };
        let facts = vec![
            f("a", "eng", "2026-01-05T10:00:00Z", vec![1, 0]),
            f("a", "eng", "2026-01-05T11:00:00Z", vec![1, 1]),
            f("a", "ops", "2026-01-20T11:00:00Z", vec![0, 1]),
            f("a", "eng", "", vec![1, 0]),
            f("z", "eng", "2026-01-05T10:00:00Z", vec![1, 1]), // not asked for
        ];
        let versions = BTreeMap::from([("a".to_string(), 7), ("b".to_string(), 2)]);
        let r = compute(&facts, &versions, 2);
        assert_eq!(r.len(), 2);
        let a = &r[0];
        assert_eq!((a.person.as_str(), a.version), ("a", 7));
        let jan = ms("2026-01-01");
        assert_eq!(a.months.start, vec![-1, jan, jan]);
        assert_eq!(a.months.team, vec!["eng", "eng", "ops"]);
        assert_eq!(a.months.sessions, vec![1, 2, 1]);
        assert_eq!(a.months.counts, vec![vec![1, 0], vec![2, 1], vec![0, 1]]);
        let days = &a.days[&jan];
        assert_eq!(a.days.len(), 1);
        assert_eq!(days.start, vec![ms("2026-01-05"), ms("2026-01-20")]);
        assert_eq!(days.sessions, vec![2, 1]);
        // The sessions with a start, oldest first, practices as bits.
        assert_eq!(
            a.sessions.start,
            vec![ms("2026-01-05T10:00:00Z"), ms("2026-01-05T11:00:00Z"), ms("2026-01-20T11:00:00Z")]
        );
        assert_eq!((a.sessions.present.clone(), a.sessions.team[2].as_str()), (vec![0b01, 0b11, 0b10], "ops"));
        assert_eq!(a.sessions.id[0], "a-2026-01-05T10:00:00Z");
        // Someone without sessions gets an empty roll-up.
        assert_eq!((r[1].person.as_str(), r[1].version, r[1].months.start.len(), r[1].days.len()), ("b", 2, 0, 0));
    }
}
