//! Roll-up rows as `INSERT` statements: what compaction writes, for tests
//! that load ClickHouse (or chdb) with roll-ups the store's own
//! `rollups::compute` made.
#![allow(dead_code)]

use accrete_store::clickhouse::rollups::{Level, PersonRollup};

fn arr(v: &[String]) -> String {
    format!("[{}]", v.join(", "))
}

fn level(l: &Level) -> String {
    let teams: Vec<String> =
        l.team.iter().map(|t| format!("'{}'", t.replace('\\', "\\\\").replace('\'', "\\'"))).collect();
    let counts: Vec<String> = l.counts.iter().map(|c| arr(&c.iter().map(u32::to_string).collect::<Vec<_>>())).collect();
    format!(
        "{}, {}, {}, {}",
        arr(&l.start.iter().map(i64::to_string).collect::<Vec<_>>()),
        arr(&teams),
        arr(&l.sessions.iter().map(u32::to_string).collect::<Vec<_>>()),
        arr(&counts)
    )
}

/// Day rows and session lists first, then the roll-ups, as compaction orders them.
pub fn rollup_inserts(db: &str, fingerprint: &str, rollups: &[PersonRollup]) -> Vec<String> {
    let mut days = Vec::new();
    let mut months = Vec::new();
    for r in rollups {
        for (month, d) in &r.days {
            days.push(format!("({month}, '{}', {}, '{fingerprint}', {})", r.person, r.version, level(d)));
        }
        months.push(format!("('{}', {}, '{fingerprint}', {})", r.person, r.version, level(&r.months)));
    }
    let quote = |s: &str| format!("'{}'", s.replace('\\', "\\\\").replace('\'', "\\'"));
    let lists: Vec<String> = rollups
        .iter()
        .map(|r| {
            let l = &r.sessions;
            let ids: Vec<String> = l.id.iter().map(|s| quote(s)).collect();
            let teams: Vec<String> = l.team.iter().map(|s| quote(s)).collect();
            format!(
                "('{}', {}, '{fingerprint}', {}, {}, {}, {})",
                r.person,
                r.version,
                arr(&ids),
                arr(&l.start.iter().map(i64::to_string).collect::<Vec<_>>()),
                arr(&teams),
                arr(&l.present.iter().map(u64::to_string).collect::<Vec<_>>())
            )
        })
        .collect();
    let mut out = Vec::new();
    if !lists.is_empty() {
        out.push(format!("INSERT INTO {db}.person_sessions VALUES {}", lists.join(", ")));
    }
    if !days.is_empty() {
        out.push(format!("INSERT INTO {db}.person_days VALUES {}", days.join(", ")));
    }
    if !months.is_empty() {
        out.push(format!("INSERT INTO {db}.person_rollups VALUES {}", months.join(", ")));
    }
    out
}
