//! The per-person roll-ups answer exactly what the raw tables answer, on a
//! real ClickHouse 18.16: for the whole organization, a team, and bounds
//! that are whole months, mid-month days, one side only or not midnights;
//! with every person stale, some, or none; after the whole organization is
//! stored a second time (redelivery); after new sessions move people to
//! another team; and after a catalog change.

#[path = "support/clickhouse.rs"]
mod ch_server;
mod support;

use std::sync::Arc;

use accrete_common::catalog::Catalog;
use accrete_common::config::ClickHouseConfig;
use accrete_common::proto::{MatrixRequest, QuarterlyRequest};
use accrete_store::{Access, ClickHouseStore, QueryStore};
use ch_server::ClickHouse;
use support::BIN;

const DB: &str = "rollup_check";

fn gen_org(url: &str, args: &[&str], compact: bool) {
    let out = std::process::Command::new(BIN)
        .args(["gen-org", "--store", "clickhouse", "--batch-events", "3000"])
        .args(args)
        .env("ACCRETE__CLICKHOUSE__URL", url)
        .env("ACCRETE__CLICKHOUSE__DATABASE", DB)
        .env("ACCRETE__CLICKHOUSE__ROLLUPS", compact.to_string())
        .output()
        .unwrap();
    assert!(out.status.success(), "gen-org: {}", String::from_utf8_lossy(&out.stderr));
    eprint!("{}", String::from_utf8_lossy(&out.stdout));
}

fn store(url: &str, rollups: bool, catalog: Arc<Catalog>) -> ClickHouseStore {
    let cfg = ClickHouseConfig { url: url.into(), database: DB.into(), rollups, ..Default::default() };
    ClickHouseStore::new(&cfg, catalog)
}

/// Every matrix and quarterly question below, answered by both stores.
async fn same_answers(raw: &ClickHouseStore, rolled: &ClickHouseStore, when: &str) {
    let bounds = [
        ("", ""),
        ("2026-01-01", "2026-04-01"),
        ("2025-11-17", "2026-02-09"),
        ("2025-12-03", "2025-12-20"),
        ("", "2026-01-15"),
        ("2026-02-10", ""),
        ("2025-12-01T06:00:00Z", "2026-01-01"),
        ("2026-01-05", "2026-01-05"),
    ];
    let mut compared = 0;
    for (from, to) in bounds {
        for team in ["", "team01", "team03", "nobody"] {
            let m = MatrixRequest { from: from.into(), to: to.into(), team: team.into(), ..Default::default() };
            let (a, b) = (
                raw.adoption_matrix(&m, &Access::All).await.unwrap(),
                rolled.adoption_matrix(&m, &Access::All).await.unwrap(),
            );
            assert_eq!(a, b, "{when}: matrix from={from} to={to} team={team}");
            let q = QuarterlyRequest { from: from.into(), to: to.into(), team: team.into() };
            let (a, b) =
                (raw.quarterly(&q, &Access::All).await.unwrap(), rolled.quarterly(&q, &Access::All).await.unwrap());
            assert_eq!(a, b, "{when}: quarterly from={from} to={to} team={team}");
            compared += 2;
        }
        // A manager of two teams: one scoped query, from raw tables and
        // roll-ups alike, equals each team's rows added up per person.
        let scope = Access::Teams(vec!["team01".into(), "team03".into()]);
        let m = MatrixRequest { from: from.into(), to: to.into(), ..Default::default() };
        let (a, b) =
            (raw.adoption_matrix(&m, &scope).await.unwrap(), rolled.adoption_matrix(&m, &scope).await.unwrap());
        assert_eq!(a, b, "{when}: scoped matrix from={from} to={to}");
        let mut per_team = Vec::new();
        for team in ["team01", "team03"] {
            let m = MatrixRequest { team: team.into(), ..m.clone() };
            per_team.push(raw.adoption_matrix(&m, &Access::All).await.unwrap());
        }
        assert_eq!(a, added_up(per_team), "{when}: scoped matrix = the teams' rows added up, from={from} to={to}");
        compared += 2;
    }
    for (from, to) in [("2025-12-01", "2026-03-01"), ("2025-11-17", "2026-02-09")] {
        let r = accrete_common::proto::SuggestionsRequest { from: from.into(), to: to.into(), ..Default::default() };
        let (a, b) =
            (raw.suggestions(&r, &Access::All).await.unwrap(), rolled.suggestions(&r, &Access::All).await.unwrap());
        assert_eq!(a, b, "{when}: suggestions from={from} to={to}");
        assert!(a.people.iter().any(|s| !s.practice.is_empty()), "{when}: some suggestions");
        compared += 1;
    }
    let whole = raw.adoption_matrix(&MatrixRequest::default(), &Access::All).await.unwrap();
    assert!(whole.people.len() >= 30, "{when}: the organization is there");
    eprintln!("{when}: {compared} answers equal ({} people)", whole.people.len());
}

/// Several teams' matrices as one: each person's rows added up (someone who
/// moved between the teams), in the greatest team, scored together.
fn added_up(matrices: Vec<accrete_common::proto::AdoptionMatrix>) -> accrete_common::proto::AdoptionMatrix {
    let mut people: std::collections::BTreeMap<String, accrete_common::proto::PersonRow> = Default::default();
    let mut out = accrete_common::proto::AdoptionMatrix::default();
    for m in matrices {
        for row in m.people {
            match people.get_mut(&row.person) {
                None => {
                    people.insert(row.person.clone(), row);
                }
                Some(r) => {
                    r.sessions += row.sessions;
                    for (practice, n) in row.practices {
                        *r.practices.entry(practice).or_default() += n;
                    }
                    for (practice, n) in row.applicable {
                        *r.applicable.entry(practice).or_default() += n;
                    }
                    for (agent, n) in row.agents {
                        *r.agents.entry(agent).or_default() += n;
                    }
                    r.team = r.team.clone().max(row.team);
                }
            }
        }
        (out.practice_ids, out.catalog_version) = (m.practice_ids, m.catalog_version);
    }
    out.people = people.into_values().collect();
    accrete_store::rollup::score_rows(&mut out.people);
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rollups_answer_what_the_raw_tables_answer() {
    let server = ClickHouse::start("rollups");
    let url = server.url();
    let catalog = Arc::new(Catalog::builtin());
    let (raw, rolled) = (store(&url, false, catalog.clone()), store(&url, true, catalog.clone()));

    // Stored without compaction: everyone is stale, read from the raw tables.
    let org = ["--people", "40", "--days", "120", "--teams", "4", "--start", "2025-11-10", "--seed", "3"];
    gen_org(&url, &org, false);
    same_answers(&raw, &rolled, "all stale").await;

    // Some compacted, some stale.
    assert_eq!(rolled.compact(15).await.unwrap(), 15);
    assert_eq!(rolled.stale_people().await.unwrap().map(|s| s.len()), Some(25), "25 read raw");
    same_answers(&raw, &rolled, "15 of 40 compacted").await;
    while rolled.compact(15).await.unwrap() > 0 {}
    assert_eq!(rolled.stale_people().await.unwrap(), Some(vec![]), "every answer from the roll-ups");
    same_answers(&raw, &rolled, "all compacted").await;

    // The whole organization stored again, as a redelivery would.
    gen_org(&url, &org, false);
    assert_eq!(rolled.compact(1000).await.unwrap(), 40, "a redelivered batch makes its people stale");
    same_answers(&raw, &rolled, "after redelivery").await;

    // New sessions for half the people, now in other teams.
    gen_org(&url, &["--people", "20", "--days", "60", "--teams", "3", "--start", "2026-01-20", "--seed", "9"], false);
    same_answers(&raw, &rolled, "new sessions, not compacted").await;
    // `accrete compact`, as an operator runs it.
    let out = std::process::Command::new(BIN)
        .arg("compact")
        .env("ACCRETE__CLICKHOUSE__URL", &url)
        .env("ACCRETE__CLICKHOUSE__DATABASE", DB)
        .output()
        .unwrap();
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success() && said.contains("20 people's roll-ups recomputed"), "{said}");
    same_answers(&raw, &rolled, "new sessions, compacted").await;
    assert_eq!(rolled.compact(1000).await.unwrap(), 0);

    // Another catalog: every roll-up is stale until recomputed with it.
    let mut other = Catalog::builtin();
    other.version = format!("{}-edited", other.version);
    let other = store(&url, true, Arc::new(other));
    assert_eq!(other.compact(1000).await.unwrap(), 40);
}
