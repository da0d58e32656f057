//! The embedded store's month roll-ups (`month_rollup`,
//! `month_rollup_practices`): each batch reads the month bucket (month,
//! team) and practices of every session it can change, before and after its
//! writes, and adds the difference, in the same transaction. That is exact
//! under redelivery (the same batch again changes nothing, so the
//! difference is zero) and needs no compaction: SQLite has one writer.
//! Reads sum whole months from here and read the partial months at a
//! query's ends from the sessions themselves.

use std::collections::{BTreeMap, BTreeSet};

use accrete_common::time::{month_start, next_month_start};
use rusqlite::{Connection, OptionalExtension, Transaction, params};

use super::sql;
use crate::StoreError;

/// (person, month start or -1, team).
type Bucket = (String, i64, String);
/// Sessions, and sessions per practice.
type Counts = (i64, BTreeMap<String, i64>);

/// The buckets of `sessions` as they stand.
pub(super) fn snapshot(
    tx: &Transaction,
    sessions: &BTreeSet<(String, String)>,
) -> Result<BTreeMap<Bucket, Counts>, StoreError> {
    let mut bucket = tx.prepare_cached(sql::SESSION_BUCKET)?;
    let mut practices = tx.prepare_cached(sql::SESSION_PRACTICE_IDS)?;
    let mut out: BTreeMap<Bucket, Counts> = BTreeMap::new();
    for (person, session) in sessions {
        let Some((started, team)) = bucket
            .query_row(params![person, session], |r| Ok((r.get::<_, Option<i64>>(0)?, r.get::<_, String>(1)?)))
            .optional()?
        else {
            continue;
        };
        let month = started.map_or(-1, month_start);
        let c = out.entry((person.clone(), month, team)).or_default();
        c.0 += 1;
        let ids = practices.query_map(params![person, session], |r| r.get::<_, String>(0))?;
        for id in ids {
            *c.1.entry(id?).or_default() += 1;
        }
    }
    Ok(out)
}

/// Adds `after - before` to the roll-ups, dropping rows that reach zero.
pub(super) fn apply_delta(
    tx: &Transaction,
    before: &BTreeMap<Bucket, Counts>,
    after: &BTreeMap<Bucket, Counts>,
) -> Result<(), StoreError> {
    let mut add = tx.prepare_cached(sql::ADD_MONTH)?;
    let mut add_p = tx.prepare_cached(sql::ADD_MONTH_PRACTICE)?;
    let mut drop = tx.prepare_cached(sql::DROP_EMPTY_MONTH)?;
    let mut drop_p = tx.prepare_cached(sql::DROP_EMPTY_MONTH_PRACTICE)?;
    let keys: BTreeSet<&Bucket> = before.keys().chain(after.keys()).collect();
    let none = Counts::default();
    for key @ (person, month, team) in keys {
        let (b, a) = (before.get(key).unwrap_or(&none), after.get(key).unwrap_or(&none));
        if a == b {
            continue;
        }
        if a.0 != b.0 {
            add.execute(params![person, month, team, a.0 - b.0])?;
            drop.execute(params![person, month, team])?;
        }
        let ids: BTreeSet<&String> = b.1.keys().chain(a.1.keys()).collect();
        for id in ids {
            let d = a.1.get(id).unwrap_or(&0) - b.1.get(id).unwrap_or(&0);
            if d != 0 {
                add_p.execute(params![person, month, team, id, d])?;
                drop_p.execute(params![person, month, team, id])?;
            }
        }
    }
    Ok(())
}

/// Builds the roll-ups once for a store written before they existed.
pub(super) fn ensure_built(c: &mut Connection) -> Result<(), StoreError> {
    let built: i64 = c.query_row(sql::ROLLUP_BUILT, [], |r| r.get(0))?;
    if built == 0 {
        let tx = c.transaction()?;
        tx.execute_batch(&sql::rebuild_rollup())?;
        tx.commit()?;
    }
    Ok(())
}

/// How a query with bounds `[from, to)` is answered: whole months from the
/// roll-ups (`months`: `[lo, hi)` of month starts; with no bounds, every
/// month and the sessions without a start), and the partial months at
/// either end from the sessions (`raw`: bounds for the raw statements).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Plan {
    pub months: Option<(i64, i64)>,
    pub raw: Vec<(Option<i64>, Option<i64>)>,
}

pub(super) fn plan(from: Option<i64>, to: Option<i64>) -> Plan {
    if from.is_none() && to.is_none() {
        return Plan { months: Some((i64::MIN, i64::MAX)), raw: Vec::new() };
    }
    // With bounds, sessions without a start are in no window (month -1 is left out).
    let lo = from.map_or(0, |f| if month_start(f) == f { f } else { next_month_start(f) });
    let hi = to.map_or(i64::MAX, month_start);
    if lo >= hi {
        return Plan { months: None, raw: vec![(from, to)] };
    }
    let mut raw = Vec::new();
    if let Some(f) = from.filter(|&f| f < lo) {
        raw.push((Some(f), Some(lo)));
    }
    if let Some(t) = to.filter(|&t| t > hi) {
        raw.push((Some(hi), Some(t)));
    }
    Plan { months: Some((lo, hi)), raw }
}

/// First day of the quarter holding a month start, `YYYY-MM-DD`.
pub(super) fn quarter_of(month_ms: i64) -> String {
    let d = accrete_common::time::format_rfc3339_ms(month_ms);
    let (y, m): (&str, u32) = (&d[0..4], d[5..7].parse().unwrap_or(1));
    format!("{y}-{:02}-01", (m - 1) / 3 * 3 + 1)
}

/// First day of the period holding a month start, `YYYY-MM-DD`.
pub(super) fn period_of(period: crate::Period, month_ms: i64) -> String {
    match period {
        crate::Period::Quarter => quarter_of(month_ms),
        crate::Period::Month => accrete_common::time::format_rfc3339_ms(month_ms)[..10].to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use accrete_common::time::parse_rfc3339_ms;

    fn t(s: &str) -> i64 {
        parse_rfc3339_ms(s).unwrap()
    }

    #[test]
    fn whole_months_from_roll_ups_and_partial_ones_raw() {
        assert_eq!(plan(None, None), Plan { months: Some((i64::MIN, i64::MAX)), raw: vec![] });
        let q2 = plan(Some(t("2025-04-01")), Some(t("2025-07-01")));
        assert_eq!(q2, Plan { months: Some((t("2025-04-01"), t("2025-07-01"))), raw: vec![] });
        let days = plan(Some(t("2025-03-17")), Some(t("2025-08-12")));
        assert_eq!(days.months, Some((t("2025-04-01"), t("2025-08-01"))));
        assert_eq!(
            days.raw,
            vec![(Some(t("2025-03-17")), Some(t("2025-04-01"))), (Some(t("2025-08-01")), Some(t("2025-08-12")))]
        );
        let inside = plan(Some(t("2025-03-03")), Some(t("2025-03-20")));
        assert_eq!(inside, Plan { months: None, raw: vec![(Some(t("2025-03-03")), Some(t("2025-03-20")))] });
        let open_end = plan(Some(t("2025-03-03T10:00:00Z")), None);
        assert_eq!(open_end.months, Some((t("2025-04-01"), i64::MAX)));
        assert_eq!(open_end.raw, vec![(Some(t("2025-03-03T10:00:00Z")), Some(t("2025-04-01")))]);
        assert_eq!(plan(None, Some(t("2025-02-01"))).months, Some((0, t("2025-02-01"))));
    }

    #[test]
    fn months_fall_in_their_quarter() {
        assert_eq!(quarter_of(t("2025-01-01")), "2025-01-01");
        assert_eq!(quarter_of(t("2025-06-01")), "2025-04-01");
        assert_eq!(quarter_of(t("2025-12-01")), "2025-10-01");
    }
}
