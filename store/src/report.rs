//! The monthly coaching report, per team: adoption moves against the
//! previous month, new power users, the outcomes of assignments whose cycle
//! ended in the month, and the focus suggested for next month (the practice
//! most often suggested to the team's people). Markdown, and the same as
//! HTML; every name is escaped in HTML.

use std::collections::BTreeMap;

use accrete_common::catalog::Catalog;
use accrete_common::proto::{AdoptionMatrix, Assignment, PersonRow, Suggestion};

/// One practice's share of a team's active people using it, this month and the month before.
#[derive(Debug, Clone, PartialEq)]
pub struct Move {
    pub practice: String,
    pub name: String,
    pub now: f64,
    pub before: f64,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct TeamReport {
    pub team: String,
    pub people: usize,
    pub sessions: u64,
    pub moves: Vec<Move>,
    pub new_power_users: Vec<String>,
    /// (person, practice, verdict) of cycles that ended in the month.
    pub outcomes: Vec<(String, String, String)>,
    /// The practice suggested to most people, and to how many.
    pub focus: Option<(String, usize)>,
}

fn using(rows: &[&PersonRow], practice: &str) -> f64 {
    if rows.is_empty() {
        return 0.0;
    }
    rows.iter().filter(|r| r.practices.get(practice).is_some_and(|&n| n > 0)).count() as f64 / rows.len() as f64
}

/// The reports of every team in `this` month's matrix (or the one asked
/// for), in team order. `assignments` with their check-in; `suggestions`
/// made from the month's matrix.
pub fn build(
    catalog: &Catalog,
    this: &AdoptionMatrix,
    before: &AdoptionMatrix,
    ended: &[Assignment],
    suggestions: &[Suggestion],
) -> Vec<TeamReport> {
    let by_team = |m: &AdoptionMatrix| {
        let mut t: BTreeMap<String, Vec<PersonRow>> = BTreeMap::new();
        for r in &m.people {
            t.entry(r.team.clone()).or_default().push(r.clone());
        }
        t
    };
    let (now, prev) = (by_team(this), by_team(before));
    let was_power: std::collections::BTreeSet<&str> =
        before.people.iter().filter(|r| r.power_user).map(|r| r.person.as_str()).collect();
    now.iter()
        .map(|(team, rows)| {
            let rows: Vec<&PersonRow> = rows.iter().collect();
            let old: Vec<&PersonRow> = prev.get(team).map(|v| v.iter().collect()).unwrap_or_default();
            let mut moves: Vec<Move> = catalog
                .practices
                .iter()
                .map(|p| Move {
                    practice: p.id.clone(),
                    name: p.name.clone(),
                    now: using(&rows, &p.id),
                    before: using(&old, &p.id),
                })
                .collect();
            moves.sort_by(|a, b| (b.now - b.before).abs().total_cmp(&(a.now - a.before).abs()));
            let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
            for s in suggestions.iter().filter(|s| s.team == *team && !s.practice.is_empty()) {
                *counts.entry(s.practice.as_str()).or_default() += 1;
            }
            let focus = catalog
                .practices
                .iter()
                .filter_map(|p| counts.get(p.id.as_str()).map(|&n| (p.id.clone(), n)))
                .max_by(|a, b| a.1.cmp(&b.1).then_with(|| b.0.cmp(&a.0)));
            TeamReport {
                team: team.clone(),
                people: rows.len(),
                sessions: rows.iter().map(|r| r.sessions).sum(),
                moves,
                new_power_users: rows
                    .iter()
                    .filter(|r| r.power_user && !was_power.contains(r.person.as_str()))
                    .map(|r| r.person.clone())
                    .collect(),
                outcomes: ended
                    .iter()
                    .filter(|a| a.team == *team)
                    .map(|a| (a.person.clone(), a.practice.clone(), a.verdict.clone()))
                    .collect(),
                focus,
            }
        })
        .collect()
}

fn pts(m: &Move) -> String {
    let d = 100.0 * (m.now - m.before);
    format!("{}{:.0} pts", if d >= 0.0 { "+" } else { "−" }, d.abs())
}

fn team_title(team: &str) -> String {
    if team.is_empty() { "People with no team".into() } else { format!("Team {team}") }
}

/// The report as Markdown (`month`: `YYYY-MM`).
pub fn markdown(catalog: &Catalog, month: &str, teams: &[TeamReport]) -> String {
    let name = |id: &str| catalog.practices.iter().find(|p| p.id == id).map_or(id.to_string(), |p| p.name.clone());
    let mut out = format!("# Coaching report, {month}\n");
    if teams.is_empty() {
        out.push_str("\nNo sessions this month.\n");
    }
    for t in teams {
        out.push_str(&format!(
            "\n## {}\n\n{} people active, {} sessions.\n\n",
            team_title(&t.team),
            t.people,
            t.sessions
        ));
        out.push_str("**Adoption moves** (share of the people using each practice, against last month):\n\n");
        for m in t.moves.iter().filter(|m| m.now != m.before).take(5) {
            out.push_str(&format!("- {}: {:.0} % ({})\n", m.name, 100.0 * m.now, pts(m)));
        }
        if t.moves.iter().all(|m| m.now == m.before) {
            out.push_str("- no change\n");
        }
        let list = |v: &[String]| if v.is_empty() { "none".to_string() } else { v.join(", ") };
        out.push_str(&format!("\n**New power users**: {}\n\n", list(&t.new_power_users)));
        out.push_str("**Assignments that ended**: ");
        if t.outcomes.is_empty() {
            out.push_str("none\n");
        } else {
            out.push('\n');
            for (person, practice, verdict) in &t.outcomes {
                out.push_str(&format!("\n- {person}, {}: {verdict}", name(practice)));
            }
            out.push('\n');
        }
        match &t.focus {
            Some((p, n)) => out.push_str(&format!(
                "\n**Focus for next month**: {} (suggested to {n} of {} people)\n",
                name(p),
                t.people
            )),
            None => out.push_str("\n**Focus for next month**: nothing stands out\n"),
        }
    }
    out
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;").replace('\'', "&#39;")
}

/// The same report as a standalone HTML page (every text escaped).
pub fn html(catalog: &Catalog, month: &str, teams: &[TeamReport]) -> String {
    let mut body = String::new();
    for line in markdown(catalog, month, teams).lines() {
        let bold = |s: &str| {
            let e = esc(s);
            let mut out = String::new();
            for (i, part) in e.split("**").enumerate() {
                out.push_str(if i % 2 == 1 { "<strong>" } else { "" });
                out.push_str(part);
                out.push_str(if i % 2 == 1 { "</strong>" } else { "" });
            }
            out
        };
        if let Some(t) = line.strip_prefix("# ") {
            body.push_str(&format!("<h1>{}</h1>\n", esc(t)));
        } else if let Some(t) = line.strip_prefix("## ") {
            body.push_str(&format!("<h2>{}</h2>\n", esc(t)));
        } else if let Some(t) = line.strip_prefix("- ") {
            body.push_str(&format!("<li>{}</li>\n", bold(t)));
        } else if !line.is_empty() {
            body.push_str(&format!("<p>{}</p>\n", bold(line)));
        }
    }
    format!(
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>Coaching report, {}</title></head>\n<body>\n{body}</body></html>\n",
        esc(month)
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rollup::empty_row;

    fn row(c: &Catalog, person: &str, team: &str, power: bool, counts: &[(&str, u64)]) -> PersonRow {
        let mut r = empty_row(c, person, team);
        r.sessions = 5;
        r.power_user = power;
        for (p, n) in counts {
            *r.practices.get_mut(*p).unwrap() = *n;
        }
        r
    }

    #[test]
    fn moves_power_users_outcomes_and_focus() {
        let c = Catalog::builtin();
        let m = |people| AdoptionMatrix { people, ..Default::default() };
        let this = m(vec![
            row(&c, "ana", "web", true, &[("plan_mode", 2)]),
            row(&c, "bo<script>", "web", false, &[("plan_mode", 1), ("task_tracking", 3)]),
        ]);
        let before = m(vec![row(&c, "ana", "web", false, &[]), row(&c, "bo<script>", "web", false, &[])]);
        let ended = [Assignment {
            person: "bo<script>".into(),
            team: "web".into(),
            practice: "task_tracking".into(),
            verdict: "adopted".into(),
            ..Default::default()
        }];
        let sugg = [Suggestion {
            person: "ana".into(),
            team: "web".into(),
            practice: "task_tracking".into(),
            ..Default::default()
        }];
        let r = build(&c, &this, &before, &ended, &sugg);
        assert_eq!(r.len(), 1);
        assert_eq!((r[0].moves[0].practice.as_str(), r[0].moves[0].now), ("plan_mode", 1.0));
        assert_eq!(r[0].new_power_users, ["ana"]);
        assert_eq!(r[0].focus, Some(("task_tracking".into(), 1)));
        let md = markdown(&c, "2026-11", &r);
        assert!(md.contains("## Team web") && md.contains("Planning before coding: 100 % (+100 pts)"), "{md}");
        assert!(
            md.contains("bo<script>, Task tracking: adopted") && md.contains("(suggested to 1 of 2 people)"),
            "{md}"
        );
        let page = html(&c, "2026-11", &r);
        assert!(page.contains("bo&lt;script&gt;") && !page.contains("<script>"), "{page}");
        assert!(markdown(&c, "2026-11", &[]).contains("No sessions this month."));
    }
}
