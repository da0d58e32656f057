//! The embedded store's month roll-ups answer exactly what its sessions
//! answer: a synthetic organization written in small batches (sessions
//! straddle batches, so their practices and buckets move between them),
//! then written again (redelivery), compared with the same file read
//! without roll-ups and with roll-ups rebuilt from scratch, for the whole
//! organization, a team, several teams, and bounds that are whole months,
//! mid-month days, one side only or not midnights.

mod support;

use std::sync::Arc;

use accrete_common::catalog::Catalog;
use accrete_common::proto::{MatrixRequest, QuarterlyRequest};
use accrete_store::{Access, QueryStore, SqliteStore};
use support::BIN;

fn gen_org(dir: &std::path::Path) {
    let out = std::process::Command::new(BIN)
        .args(["gen-org", "--store", "sqlite", "--people", "40", "--days", "150", "--teams", "4"])
        .args(["--batch-events", "700", "--seed", "7", "--start", "2025-11-10", "--data-dir"])
        .arg(dir)
        .output()
        .unwrap();
    assert!(out.status.success(), "gen-org: {}", String::from_utf8_lossy(&out.stderr));
}

type Answers = Vec<(String, String)>;

async fn answers(store: &SqliteStore) -> Answers {
    let bounds = [
        ("", ""),
        ("2026-01-01", "2026-03-01"),
        ("2025-11-17", "2026-02-09"),
        ("2025-12-03", "2025-12-20"),
        ("", "2026-01-15"),
        ("2026-02-10", ""),
        ("2025-12-01T06:00:00Z", "2026-01-01"),
        ("2026-01-05", "2026-01-05"),
    ];
    let scopes = [
        Access::All,
        Access::Teams(vec!["team01".into()]),
        Access::Teams(vec!["team00".into(), "team02".into()]),
        Access::Teams(vec!["nobody".into()]),
    ];
    let mut out = Vec::new();
    for (from, to) in bounds {
        for access in &scopes {
            let m = MatrixRequest { from: from.into(), to: to.into(), ..Default::default() };
            let got = store.adoption_matrix(&m, access).await.unwrap();
            out.push((format!("matrix {from}..{to} {access:?}"), format!("{:?}", got.people)));
            let q = QuarterlyRequest { from: from.into(), to: to.into(), team: String::new() };
            let got = store.quarterly(&q, access).await.unwrap();
            out.push((format!("quarterly {from}..{to} {access:?}"), format!("{:?}", got.rows)));
        }
    }
    out
}

fn same(a: &Answers, b: &Answers, what: &str) {
    assert_eq!(a.len(), b.len());
    for ((qa, x), (_, y)) in a.iter().zip(b) {
        assert_eq!(x, y, "{what}: {qa}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn month_rollups_answer_what_the_sessions_answer() {
    let t = tempfile::tempdir().unwrap();
    let catalog = Arc::new(Catalog::builtin());
    gen_org(t.path());
    let rolled = answers(&SqliteStore::open(t.path(), catalog.clone()).unwrap()).await;
    assert!(rolled[0].1.len() > 1000, "the organization is there");

    // Everything again: the roll-ups do not move.
    gen_org(t.path());
    let again = answers(&SqliteStore::open(t.path(), catalog.clone()).unwrap()).await;
    same(&rolled, &again, "after redelivery");

    // The same file without roll-ups (sessions only), then rebuilt.
    let raw = answers(&SqliteStore::open_with(t.path(), catalog.clone(), false).unwrap()).await;
    same(&raw, &rolled, "roll-ups vs sessions");
    let rebuilt = answers(&SqliteStore::open(t.path(), catalog).unwrap()).await;
    same(&raw, &rebuilt, "rebuilt roll-ups vs sessions");
    eprintln!("{} answers equal from roll-ups, after redelivery, from sessions and rebuilt", rolled.len());
}
