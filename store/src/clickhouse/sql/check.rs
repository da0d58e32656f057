//! Every statement with sample values bound, for the dialect checks.

use accrete_common::catalog::Catalog;

use super::*;

/// Every statement of this module with sample values in place of `?`, and
/// sample rows shaped like the client's inserts: what the dialect check runs
/// on a current ClickHouse (chdb) and what the integration tests run on 18.16.
pub fn statements_for_check(db: &str, catalog: &Catalog) -> Vec<String> {
    fn fill(sql: &str, values: &[&str]) -> String {
        let parts: Vec<&str> = sql.split('?').collect();
        assert_eq!(parts.len() - 1, values.len(), "binds of:\n{sql}");
        let mut out = parts[0].to_string();
        for (v, p) in values.iter().zip(&parts[1..]) {
            out.push_str(v);
            out.push_str(p);
        }
        out
    }
    // The sample roll-ups are this catalog's, so the views over them have rows.
    let fp = format!("'{}'", catalog_fingerprint(catalog).replace('\\', "\\\\").replace('\'', "\\'"));
    // Sample values: no time bounds, or bounds that hold the sample session.
    let bind = |st: Stmt, bounded: bool, limit: &str| -> String {
        let values: Vec<&str> = st
            .binds
            .iter()
            .map(|b| match (b, bounded) {
                (Bind::From, false) | (Bind::To, false) => "0",
                (Bind::From, true) => "1",
                (Bind::To, true) => "4102444800000",
                (Bind::Person, _) => "'dev1'",
                (Bind::Team(_), _) => "'eng'",
                (Bind::Session, _) => "'s1'",
                (Bind::Limit, _) => limit,
                (Bind::Member(_), _) => "'dev1'",
                (Bind::Catalog, _) => fp.as_str(),
                (Bind::MonthsFrom, false) | (Bind::DaysFrom, false) => "-4611686018427387904",
                (Bind::MonthsTo, false) | (Bind::DaysTo, false) => "4611686018427387904",
                (Bind::MonthsFrom, true) => "1767225600000",
                (Bind::MonthsTo, true) => "1769904000000",
                (Bind::DaysFrom, true) => "1766966400000",
                (Bind::DaysTo, true) => "1770076800000",
                (Bind::Edge(0), _) => "1764547200000",
                (Bind::Edge(_), _) => "1769904000000",
            })
            .collect();
        fill(&st.sql, &values)
    };
    let mut out = schema(db);
    out.extend(views(db, catalog));
    out.push(format!(
        "INSERT INTO {db}.events VALUES ('dev1', 'eng', 's1', 'p1', '', 10, 0, 1, 1769271651451, 'user', 0, 'prompt', ''), \
         ('dev1', 'eng', 's1', 'p1', '', 20, 0, 2, 1769271652451, 'assistant', 0, 'ExitPlanMode', ''), \
         ('dev1', 'eng', 's1', 'p1', '', 30, 0, 3, 1769271653451, 'assistant', 0, 'Edit', '')"
    ));
    out.push(format!(
        "INSERT INTO {db}.marks VALUES ('dev1', 'eng', 's1', '', 'plan_mode', 20481, 2, 1769271652451, 'tool_use ExitPlanMode'), \
         ('dev1', 'eng', 's1', '', 'plan_mode.before', 30721, 3, 1769271653451, 'tool_use Edit')"
    ));
    let counts = format!("[{}]", vec!["1"; catalog.practices.len()].join(", "));
    out.push(format!(
        "INSERT INTO {db}.person_rollups VALUES ('dev1', 1, {fp}, [-1, 1767225600000, 1769904000000], ['eng', 'eng', 'eng'], \
         [1, 2, 1], [{counts}, {counts}, {counts}]), ('dev2', 1, {fp}, [1767225600000], ['eng'], [2], [{counts}])"
    ));
    out.push(format!(
        "INSERT INTO {db}.person_days VALUES (1769904000000, 'dev1', 1, {fp}, [1769990400000], ['eng'], [1], [{counts}]), \
         (1769904000000, 'dev2', 1, {fp}, [1769990400000], ['eng'], [1], [{counts}])"
    ));
    out.push(format!("INSERT INTO {db}.person_writes VALUES ('dev1', 1), ('dev2', 1)"));
    out.push(fill(&seed_person_writes(db), &[]));
    out.push(person_writes_exists(db));
    for (person, people) in [(false, None), (true, None), (false, Some(1)), (true, Some(1))] {
        let scope = Scope { person, people, teams: people.map_or(0, |_| 2), session: false };
        out.push(bind(matrix(db, catalog, scope), person, ""));
    }
    out.push(fill(&stale_people(db), &[fp.as_str(), fp.as_str(), "10"]));
    out.push(bind(person_facts(db, catalog, 2), false, ""));
    for (stale, days, teams) in [(0, false, 0), (1, true, 1), (2, false, 2), (0, true, 0)] {
        out.push(bind(rollup_matrix(db, stale, days, teams), days, ""));
        out.push(bind(rollup_quarters(db, stale, days, teams), !days, ""));
        out.push(bind(rollup_periods(db, stale, days, teams, crate::Period::Month), days, ""));
    }
    out.push(bind(person_sessions(db, catalog, false, 0), true, "100"));
    out.push(bind(person_sessions(db, catalog, true, 2), false, "1"));
    out.push(fill(&session_people(db), &["'s1'"]));
    out.push(fill(&session_marks(db), &["'dev1'", "'s1'"]));
    out.push(fill(&session_timeline(db), &["'dev1'", "'s1'", "100"]));
    out.push(bind(person_quarters(db, catalog, Scope::default()), false, ""));
    out.push(bind(person_quarters(db, catalog, Scope { people: Some(1), teams: 1, ..Scope::default() }), true, ""));
    out.push(bind(person_periods(db, catalog, Scope::default(), crate::Period::Month), false, ""));
    out.push(bind(team_people(db, 2), false, ""));
    out.push(format!(
        "INSERT INTO {db}.person_sessions VALUES ('dev1', 1, {fp}, ['s1', 's2'], [1767225600000, 1769990400000], ['eng', 'eng'], [1, 5])"
    ));
    out.push(bind(rolled_session_facts(db, 2, 1), true, ""));
    out.push(fill(&moments_marks(db), &["'dev1'", "['s1', 's2']"]));
    out.push(fill(&moments_interruptions(db), &["'interrupted'", "'dev1'", "['s1']"]));
    out.push(format!(
        "INSERT INTO {db}.assignment_log VALUES ('as-1', 1769271651451, 'lead', 'dev1', 'plan_mode', 1769212800000, 4, '')"
    ));
    out.push(assignment_log(db));
    out.push(bind(session_facts(db, catalog, Scope { person: true, ..Scope::default() }), true, ""));
    out.push(bind(session_facts(db, catalog, Scope { people: Some(1), teams: 1, ..Scope::default() }), false, ""));
    for v in ["session_summary", "daily_rollup", "adoption_matrix", "quarterly_proficiency"] {
        out.push(format!("SELECT * FROM {db}.{v}"));
    }
    out
}
