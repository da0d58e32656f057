//! The roll-ups stay exact with two aggregator replicas and redelivery, on
//! the real stack (Kafka, ClickHouse 18.16, `scripts/local-stack.sh`). The
//! marks topic has 3 partitions and the events topic 4, both keyed by
//! session, so a session's events and its marks are consumed by different
//! replicas; one replica is SIGKILLed mid-run (its uncommitted batches come
//! again), and the whole slice is shipped a second time by collectors that
//! start from scratch. The matrix the API serves, and the one the roll-ups
//! alone give once nobody is stale, equal `accrete analyze` on the same
//! files. Prints how long after the last event the roll-ups were exact.

#[path = "support/stack.rs"]
mod stack;
mod support;

use std::sync::Arc;
use std::time::{Duration, Instant};

use accrete_common::catalog::Catalog;
use accrete_common::config::ClickHouseConfig;
use accrete_common::proto::MatrixRequest;
use accrete_store::{Access, ClickHouseStore, QueryStore};
use stack::{Matrix, Stack};
use support::*;

/// The aggregator metric `name` of one replica.
fn metric(stack: &Stack, role: &str, name: &str) -> u64 {
    let url = format!("{}/metrics", stack.addr(&format!("admin-{role}")));
    let (_, body) = get(&url).unwrap_or_else(|e| panic!("{url}: {e}\n{role} log:\n{}", stack.log(role)));
    body.lines()
        .find(|l| l.starts_with(name) && l[name.len()..].starts_with([' ', '{']))
        .and_then(|l| l.rsplit(' ').next())
        .and_then(|v| v.parse::<f64>().ok())
        .map_or(0, |v| v as u64)
}

fn ship(stack: &Stack, sources: &[String], dir: &std::path::Path) -> Vec<std::process::Child> {
    std::fs::create_dir_all(dir).unwrap();
    sources
        .chunks(2)
        .map(|pair| {
            let person = pair[1].split('=').next().unwrap();
            stack.collector(pair, &dir.join(person), true, &[])
        })
        .collect()
}

fn wait(children: Vec<std::process::Child>) {
    for mut c in children {
        assert!(c.wait().unwrap().success(), "a collector failed");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_replicas_and_redelivery_keep_the_rollups_exact() {
    let Some(root) = corpus() else { return };
    // A slice: the first three people of the corpus.
    let sources: Vec<String> = corpus_sources(root).into_iter().take(6).collect();
    let people: Vec<String> = sources.chunks(2).map(|p| p[1].split('=').next().unwrap().to_string()).collect();
    let mut args = vec!["analyze".to_string(), "--json".into()];
    args.extend(sources.clone());
    let out = run(&args);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let expected: Matrix = matrix_map(&serde_json::from_slice(&out.stdout).unwrap());
    assert_eq!(expected.len(), 3);

    let stack = Stack::up_with(0, &[("ACCRETE_AGGREGATORS", "2"), ("ACCRETE_MARKS_PARTITIONS", "3")]);
    stack.run(&["ready"]);
    let spools = tempfile::tempdir().unwrap();

    // First delivery, with one replica killed hard while it runs.
    let first = ship(&stack, &sources, &spools.path().join("first"));
    std::thread::sleep(Duration::from_millis(800));
    send_signal(stack.pid("aggregate-2"), "KILL");
    std::thread::sleep(Duration::from_millis(500));
    stack.run(&["start-role", "aggregate-2"]);
    wait(first);
    // Second delivery of every line: new collectors, no read positions.
    wait(ship(&stack, &sources, &spools.path().join("second")));
    let shipped = Instant::now();

    let keep = |p: &str| people.iter().any(|x| x == p);
    let served = stack.converge(&expected, keep, Duration::from_secs(240));

    // The roll-ups alone: once nobody is stale, every answer comes from them.
    let cfg =
        ClickHouseConfig { url: stack.addr("clickhouse").into(), database: "accrete".into(), ..Default::default() };
    let store = ClickHouseStore::new(&cfg, Arc::new(Catalog::builtin()));
    let deadline = Instant::now() + Duration::from_secs(240);
    loop {
        if store.stale_people().await.unwrap().is_some_and(|s| s.is_empty()) {
            break;
        }
        assert!(Instant::now() < deadline, "roll-ups still stale after 240 s");
        std::thread::sleep(Duration::from_millis(200));
    }
    let exact = shipped.elapsed();
    let m = store.adoption_matrix(&MatrixRequest::default(), &Access::All).await.unwrap();
    let mut rolled = matrix_map(&serde_json::to_value(&m).unwrap());
    rolled.retain(|p, _| keep(p));
    assert_eq!(rolled, expected, "the roll-ups, nobody stale");

    for role in ["aggregate", "aggregate-2"] {
        let (events, marks) = (
            metric(&stack, role, "accrete_aggregator_events_total"),
            metric(&stack, role, "accrete_aggregator_marks_total"),
        );
        eprintln!("{role}: stored {events} events and {marks} marks (since its last start)");
    }
    assert!(metric(&stack, "aggregate", "accrete_aggregator_events_total") > 0, "replica 1 took part");
    assert!(
        metric(&stack, "aggregate-2", "accrete_aggregator_events_total")
            + metric(&stack, "aggregate-2", "accrete_aggregator_marks_total")
            > 0,
        "replica 2 took part"
    );
    eprintln!(
        "two replicas, delivered twice: API matrix exact {:.1} s and roll-ups exact (nobody stale) {:.1} s after the last event was shipped",
        served.as_secs_f64(),
        exact.as_secs_f64()
    );
}
