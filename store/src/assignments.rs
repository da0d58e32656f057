//! Assignments: a manager gives a person one practice for a cycle (a start
//! and a number of weeks), and the check-in says how it went: sessions since
//! the start, those showing the practice, the rate before, and at the end a
//! verdict. Stored as an append-only log (who assigned what, when), the
//! audit trail and the assignments at once: one row per assignment, written
//! in one insert, so nothing is half-written.

use accrete_common::catalog::Catalog;
use accrete_common::proto::{Assignment, CreateAssignmentRequest};
use accrete_common::time::{day_start, format_rfc3339_ms, parse_rfc3339_ms};

use crate::StoreError;
use crate::trends::{Adoption, SessionFact};

pub const DEFAULT_WEEKS: u32 = 4;
pub const MAX_WEEKS: u32 = 26;
const MAX_NOTE: usize = 1000;
const WEEK_MS: i64 = 7 * 86_400_000;

/// One row of the assignment log.
#[derive(Debug, Clone, PartialEq)]
pub struct AssignmentRecord {
    pub id: String,
    pub assigned_ms: i64,
    pub assigned_by: String,
    pub person: String,
    pub practice: String,
    pub start_ms: i64,
    pub weeks: u32,
    pub note: String,
}

impl AssignmentRecord {
    pub fn end_ms(&self) -> i64 {
        self.start_ms + self.weeks as i64 * WEEK_MS
    }

    /// The window before the cycle, as long as it.
    pub fn before_ms(&self) -> i64 {
        self.start_ms - self.weeks as i64 * WEEK_MS
    }
}

/// Checks a request against the catalog (the person is checked by the
/// caller, who knows the sessions) and makes its record.
pub fn validate(
    catalog: &Catalog,
    req: &CreateAssignmentRequest,
    by: &str,
    now_ms: i64,
) -> Result<AssignmentRecord, StoreError> {
    let invalid = |m: String| Err(StoreError::InvalidArgument(m));
    if req.person.is_empty() {
        return invalid("`person` is required".into());
    }
    if !catalog.shown().iter().any(|p| p.id == req.practice) {
        return invalid(format!(
            "`practice`: `{}` is not in the catalog ({})",
            req.practice,
            catalog.practice_ids().join(", ")
        ));
    }
    let start_ms = if req.start.is_empty() {
        day_start(now_ms)
    } else {
        match parse_rfc3339_ms(&req.start).filter(|&t| day_start(t) == t && req.start.len() == 10) {
            Some(t) => t,
            None => return invalid(format!("`start` must be a date, YYYY-MM-DD, not `{}`", req.start)),
        }
    };
    let weeks = if req.weeks == 0 { DEFAULT_WEEKS } else { req.weeks };
    if weeks > MAX_WEEKS {
        return invalid(format!("`weeks` must be 1 to {MAX_WEEKS}, not {weeks}"));
    }
    if req.note.chars().count() > MAX_NOTE {
        return invalid(format!("`note` is longer than {MAX_NOTE} characters"));
    }
    let id = format!(
        "as-{:016x}",
        accrete_common::fnv1a(format!("{now_ms}\0{by}\0{}\0{}\0{start_ms}", req.person, req.practice).as_bytes())
    );
    Ok(AssignmentRecord {
        id,
        assigned_ms: now_ms,
        assigned_by: by.into(),
        person: req.person.clone(),
        practice: req.practice.clone(),
        start_ms,
        weeks,
        note: req.note.clone(),
    })
}

/// The check-in of an assignment from the person's sessions in the window
/// before the cycle and since its start (`facts`, oldest first).
pub fn check_in(a: &AssignmentRecord, team: &str, facts: &[SessionFact], rule: Adoption, now_ms: i64) -> Assignment {
    let shows = |f: &SessionFact| f.practices.contains(&a.practice);
    let before: Vec<&SessionFact> =
        facts.iter().filter(|f| f.started_ms >= a.before_ms() && f.started_ms < a.start_ms).collect();
    let since: Vec<&SessionFact> =
        facts.iter().filter(|f| f.started_ms >= a.start_ms && f.started_ms < a.end_ms()).collect();
    let showing = since.iter().filter(|f| shows(f)).count() as u64;
    let rate = |n: u64, of: usize| if of == 0 { 0.0 } else { (n as f64 / of as f64 * 1000.0).round() / 1000.0 };
    let last = &since[since.len().saturating_sub(rule.m as usize)..];
    let verdict = if now_ms < a.end_ms() {
        "in progress"
    } else if last.iter().filter(|f| shows(f)).count() as u32 >= rule.n {
        "adopted"
    } else if showing > 0 {
        "tried"
    } else {
        "not yet"
    };
    let date = |t: i64| format_rfc3339_ms(t)[..10].to_string();
    Assignment {
        id: a.id.clone(),
        person: a.person.clone(),
        team: team.into(),
        practice: a.practice.clone(),
        start: date(a.start_ms),
        weeks: a.weeks,
        note: a.note.clone(),
        assigned_by: a.assigned_by.clone(),
        assigned_ms: a.assigned_ms,
        ends: date(a.end_ms()),
        sessions_since: since.len() as u64,
        sessions_showing: showing,
        rate_since: rate(showing, since.len()),
        rate_before: rate(before.iter().filter(|f| shows(f)).count() as u64, before.len()),
        sessions_before: before.len() as u64,
        verdict: verdict.into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> i64 {
        parse_rfc3339_ms(s).unwrap()
    }

    fn req(person: &str, practice: &str, start: &str, weeks: u32) -> CreateAssignmentRequest {
        CreateAssignmentRequest {
            person: person.into(),
            practice: practice.into(),
            start: start.into(),
            weeks,
            note: String::new(),
        }
    }

    #[test]
    fn requests_are_checked_field_by_field() {
        let c = Catalog::builtin();
        let now = t("2026-01-20T10:00:00Z");
        let ok = validate(&c, &req("ana", "plan_mode", "", 0), "lead", now).unwrap();
        assert_eq!((ok.start_ms, ok.weeks, ok.assigned_by.as_str()), (t("2026-01-20"), 4, "lead"));
        let err = |r| validate(&c, &r, "lead", now).unwrap_err().to_string();
        assert!(err(req("", "plan_mode", "", 0)).contains("`person`"));
        assert!(err(req("ana", "yoga", "", 0)).contains("`practice`: `yoga` is not in the catalog"));
        assert!(err(req("ana", "plan_mode", "2026-13-01", 0)).contains("`start`"));
        assert!(err(req("ana", "plan_mode", "2026-01-05T10:00:00Z", 0)).contains("`start`"));
        assert!(err(req("ana", "plan_mode", "", 27)).contains("`weeks`"));
        let mut long = req("ana", "plan_mode", "", 0);
        long.note = "x".repeat(1001);
        assert!(err(long).contains("`note`"));
    }

    #[test]
    fn the_check_in_compares_the_cycle_with_before() {
        let fact = |at: &str, shows: bool| SessionFact {
            person: "ana".into(),
            team: "web".into(),
            session_id: at.into(),
            started_ms: t(at),
            practices: if shows { vec!["plan_mode".into()] } else { vec![] },
        };
        let a = AssignmentRecord {
            id: "as-1".into(),
            assigned_ms: t("2026-01-05"),
            assigned_by: "lead".into(),
            person: "ana".into(),
            practice: "plan_mode".into(),
            start_ms: t("2026-01-05"),
            weeks: 2,
            note: String::new(),
        };
        let facts = [
            fact("2025-12-24T09:00:00Z", false),
            fact("2025-12-30T09:00:00Z", true),
            fact("2026-01-06T09:00:00Z", true),
            fact("2026-01-08T09:00:00Z", true),
            fact("2026-01-12T09:00:00Z", false),
            fact("2026-01-15T09:00:00Z", true),
            fact("2026-01-20T09:00:00Z", false),
        ];
        let during = check_in(&a, "web", &facts[..4], Adoption::default(), t("2026-01-10"));
        assert_eq!((during.verdict.as_str(), during.sessions_since, during.sessions_showing), ("in progress", 2, 2));
        let after = check_in(&a, "web", &facts, Adoption::default(), t("2026-02-01"));
        assert_eq!((after.sessions_since, after.sessions_showing, after.rate_since), (4, 3, 0.75));
        assert_eq!((after.sessions_before, after.rate_before), (2, 0.5));
        assert_eq!((after.verdict.as_str(), after.ends.as_str()), ("adopted", "2026-01-19"));
        let once = check_in(&a, "web", &facts[..3], Adoption::default(), t("2026-02-01"));
        assert_eq!(once.verdict, "tried");
        assert_eq!(check_in(&a, "web", &facts[..2], Adoption::default(), t("2026-02-01")).verdict, "not yet");
    }
}
