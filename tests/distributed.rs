//! The distributed stack for real: Kafka (KRaft) and ClickHouse started by
//! `scripts/local-stack.sh`, collectors shipping every person of the corpus
//! through the gateway, a classifier worker SIGKILLed and the gateway
//! restarted mid-run, and the API's matrix compared with `accrete analyze`'s
//! on the same folders. No mock broker, no fake database.

#[path = "support/bi.rs"]
mod bi;
#[path = "support/stack.rs"]
mod stack;
mod support;

use std::process::{Child, Command};
use std::time::{Duration, Instant};

use prost::Message;
use stack::Stack;
use support::*;

fn kcat_first(brokers: &str, topic: &str) -> Option<Vec<u8>> {
    let out = Command::new("kcat")
        .args(["-C", "-b", brokers, "-t", topic, "-p", "0", "-o", "beginning", "-c", "1", "-e", "-q", "-f", "%s"])
        .output()
        .ok()?;
    assert!(out.status.success(), "kcat: {}", String::from_utf8_lossy(&out.stderr));
    Some(out.stdout)
}

/// The message at `offset` of partition 0 (empty when there is none yet);
/// `None` without kcat.
fn kcat_at(brokers: &str, topic: &str, offset: u64) -> Option<Vec<u8>> {
    let out = Command::new("kcat")
        .args([
            "-C",
            "-b",
            brokers,
            "-t",
            topic,
            "-p",
            "0",
            "-o",
            &offset.to_string(),
            "-c",
            "1",
            "-e",
            "-q",
            "-f",
            "%s",
        ])
        .output()
        .ok()?;
    Some(if out.status.success() { out.stdout } else { Vec::new() })
}

#[test]
fn distributed_stack_gives_the_embedded_matrix_through_faults() {
    let Some(root) = corpus() else { return };
    let sources = corpus_sources(root);
    let mut args = vec!["analyze".to_string(), "--json".into()];
    args.extend(sources.clone());
    let out = run(&args);
    assert!(out.status.success());
    let expected = matrix_map(&serde_json::from_slice(&out.stdout).unwrap());

    let stack = Stack::up(0);
    let api = stack.addr("api").to_string();
    let spools = tempfile::tempdir().unwrap();
    let started = Instant::now();
    let mut collectors: Vec<Child> = sources
        .chunks(2)
        .map(|pair| {
            let person = pair[1].split('=').next().unwrap();
            stack.collector(pair, &spools.path().join(person), true, &[])
        })
        .collect();

    // Faults while the collectors send: a classifier worker dies hard, and the gateway restarts.
    std::thread::sleep(Duration::from_millis(1500));
    send_signal(stack.pid("classify-1"), "KILL");
    stack.run(&["stop-role", "gateway"]);
    std::thread::sleep(Duration::from_secs(2));
    stack.run(&["start-role", "gateway"]);

    for c in &mut collectors {
        let status = c.wait().unwrap();
        assert!(status.success(), "a collector failed");
    }
    let shipped = started.elapsed();
    let deadline = Instant::now() + Duration::from_secs(180);
    let got = loop {
        let (code, body) = get(&format!("{api}/v1/adoption-matrix")).unwrap();
        if code == 200 {
            let m = matrix_map(&serde_json::from_str(&body).unwrap());
            if m == expected {
                break m;
            }
            if Instant::now() > deadline {
                break m;
            }
        }
        std::thread::sleep(Duration::from_millis(500));
    };
    assert_eq!(
        got,
        expected,
        "distributed matrix differs from analyze's\nclassify-2 log:\n{}\naggregate log:\n{}",
        stack.log("classify-2"),
        stack.log("aggregate")
    );
    eprintln!(
        "corpus shipped in {:.1} s, matrix complete after {:.1} s",
        shipped.as_secs_f64(),
        started.elapsed().as_secs_f64()
    );

    // The drill-down and quarterly roll-ups answer from ClickHouse too.
    let (code, body) = get(&format!("{api}/v1/people/dev2/sessions")).unwrap();
    assert_eq!(code, 200, "{body}");
    let sessions: serde_json::Value = serde_json::from_str(&body).unwrap();
    let with_practice = sessions["sessions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| !s["practices"].as_array().unwrap().is_empty())
        .unwrap();
    let id = with_practice["session_id"].as_str().unwrap();
    let (code, body) = get(&format!("{api}/v1/sessions/{id}?person=dev2")).unwrap();
    assert_eq!(code, 200, "{body}");
    let detail: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(detail["evidence"].as_array().unwrap().len(), with_practice["practices"].as_array().unwrap().len());
    let (code, body) = get(&format!("{api}/v1/rollups/quarterly")).unwrap();
    assert_eq!(code, 200, "{body}");
    let q: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert!(q["rows"].as_array().unwrap().iter().any(|r| r["organization"] == true && r["team"] == ""));
    assert!(q["rows"].as_array().unwrap().iter().any(|r| r["team"] == "engineering"), "the token's team: {body}");
    let (code, _) = get(&format!("{api}/v1/adoption-matrix?team=engineering")).unwrap();
    assert_eq!(code, 200);

    // The coaching suggestions: the same as the embedded store gives for the
    // same corpus, everyone in the gateway token's team.
    let window = "from=2025-01-01&to=2026-12-01";
    let (code, body) = get(&format!("{api}/v1/coaching/suggestions?{window}")).unwrap();
    assert_eq!(code, 200, "{body}");
    let distributed: serde_json::Value = serde_json::from_str(&body).unwrap();
    let t = tempfile::tempdir().unwrap();
    let cfg = t.path().join("accrete.toml");
    let teams: Vec<String> = expected.keys().map(|p| format!("{p} = \"engineering\"")).collect();
    std::fs::write(&cfg, format!("[teams]\n{}\n", teams.join("\n"))).unwrap();
    let mut args = vec!["--config".to_string(), cfg.display().to_string()];
    args.extend(sources.clone());
    let up = Up::start(&t.path().join("data"), &args, &[]);
    up.wait_caught_up(Duration::from_secs(120));
    let embedded = up.json(&format!("/v1/coaching/suggestions?{window}"));
    assert_eq!(distributed["people"], embedded["people"], "suggestions: distributed vs embedded");
    let n = embedded["people"].as_array().unwrap().iter().filter(|s| s["practice"] != "").count();
    eprintln!("suggestions: the same in both modes ({n} people with one)");
    let someone = expected.keys().next().unwrap();
    for q in [format!("person={someone}"), "team=engineering&bucket=month".to_string()] {
        let (code, body) = get(&format!("{api}/v1/coaching/trends?{window}&{q}")).unwrap();
        assert_eq!(code, 200, "{body}");
        let distributed: serde_json::Value = serde_json::from_str(&body).unwrap();
        assert_eq!(
            distributed,
            up.json(&format!("/v1/coaching/trends?{window}&{q}")),
            "trends {q}: distributed vs embedded"
        );
    }

    // Who to learn each practice from, with the example sessions: the same.
    let mut with_examples = 0;
    for practice in accrete_common::catalog::Catalog::builtin().practice_ids() {
        let q = format!("/v1/coaching/examples?{window}&practice={practice}");
        let (code, body) = get(&format!("{api}{q}")).unwrap();
        assert_eq!(code, 200, "{body}");
        let distributed: serde_json::Value = serde_json::from_str(&body).unwrap();
        assert_eq!(distributed, up.json(&q), "examples of {practice}: distributed vs embedded");
        with_examples += !distributed["people"].as_array().unwrap().is_empty() as u32;
    }
    eprintln!("examples: the same in both modes ({with_examples} practices with someone to learn from)");
    for q in ["bucket=month", "bucket=quarter&team=engineering"] {
        let q = format!("/v1/coaching/cohorts?{window}&{q}");
        let (code, body) = get(&format!("{api}{q}")).unwrap();
        assert_eq!(code, 200, "{body}");
        let distributed: serde_json::Value = serde_json::from_str(&body).unwrap();
        assert!(!distributed["points"].as_array().unwrap().is_empty(), "{body}");
        assert_eq!(distributed, up.json(&q), "{q}: distributed vs embedded");
    }

    // An assignment, stored in ClickHouse: the same check-in as the embedded
    // store gives for the same assignment.
    let body = format!(r#"{{"person": "{someone}", "practice": "task_tracking", "start": "2026-01-05", "weeks": 2}}"#);
    let post = |base: &str| -> serde_json::Value {
        let out = Command::new("curl")
            .args(["-s", "-f", "-H", "Content-Type: application/json", "-d", &body])
            .arg(format!("{base}/v1/coaching/assignments"))
            .output()
            .unwrap();
        assert!(out.status.success(), "POST assignment to {base}");
        serde_json::from_slice(&out.stdout).unwrap()
    };
    let strip = |mut v: serde_json::Value| {
        v.as_object_mut().unwrap().retain(|k, _| k != "id" && k != "assigned_ms");
        v
    };
    let (d, e) = (post(&api), post(&up.base));
    let assigned_id = d["id"].as_str().unwrap().to_string();
    assert_eq!(strip(d), strip(e), "assignment check-in: distributed vs embedded");
    let (code, body) = get(&format!("{api}/v1/coaching/assignments")).unwrap();
    assert_eq!(code, 200, "{body}");
    let listed: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(listed["assignments"].as_array().unwrap().len(), 1, "{listed}");
    let (code, report) = get(&format!("{api}/v1/coaching/report?month=2026-01")).unwrap();
    assert_eq!(code, 200, "{report}");
    let (_, embedded_report) = get(&up.url("/v1/coaching/report?month=2026-01")).unwrap();
    assert_eq!(report, embedded_report, "the monthly report: distributed vs embedded");
    assert!(report.contains("## Team engineering"), "{report}");

    // Third-party clients read the topics, and what they print decodes with proto/.
    match kcat_first(stack.addr("kafka"), "accrete.events.v1") {
        Some(bytes) => {
            let ev = accrete_proto::v1::TranscriptEvent::decode(bytes.as_slice()).expect("kcat output decodes");
            assert!(!ev.session_id.is_empty() && !ev.person.is_empty() && ev.line > 0, "{ev:?}");
            let bytes = kcat_first(stack.addr("kafka"), "accrete.marks.v1").unwrap();
            let m = accrete_proto::v1::Mark::decode(bytes.as_slice()).expect("kcat output decodes");
            assert!(!m.key.is_empty(), "{m:?}");
        }
        None => {
            assert!(std::env::var("ACCRETE_REQUIRE_KCAT").as_deref() != Ok("1"), "kcat is not installed");
            eprintln!("SKIPPED: kcat check (kcat not installed)");
        }
    }

    // Every Grafana panel and Metabase question (deploy/grafana/dashboards,
    // docs/bi.md), variables filled from the data, runs on this 18.16 server
    // over the corpus and returns rows.
    let report = bi::check_on_clickhouse(stack.addr("clickhouse"));
    for (name, rows) in &report {
        eprintln!("bi: {rows:>4} rows  {name}");
    }
    eprintln!("bi: {} queries ran on ClickHouse 18.16, each with rows", report.len());

    // Assignments reach the coaching topic for other services: the one made
    // above, and one made while Kafka was down (stored at once, published
    // once Kafka is back).
    let kafka = stack.addr("kafka").to_string();
    let Some(first) = kcat_at(&kafka, "accrete.coaching.v1", 0) else {
        assert!(std::env::var("ACCRETE_REQUIRE_KCAT").as_deref() != Ok("1"), "kcat is not installed");
        eprintln!("SKIPPED: coaching topic check (kcat not installed)");
        return;
    };
    let ev = accrete_proto::v1::CoachingEvent::decode(first.as_slice()).expect("a coaching event");
    let a = ev.assignment.clone().unwrap();
    assert_eq!(
        (ev.kind.as_str(), a.id.as_str(), a.practice.as_str()),
        ("assigned", assigned_id.as_str(), "task_tracking")
    );
    stack.run(&["stop-role", "kafka"]);
    let body = format!(r#"{{"person": "{someone}", "practice": "plan_mode", "start": "2026-01-12"}}"#);
    let t0 = Instant::now();
    let out = Command::new("curl")
        .args(["-s", "-f", "-H", "Content-Type: application/json", "-d", &body])
        .arg(format!("{api}/v1/coaching/assignments"))
        .output()
        .unwrap();
    assert!(out.status.success(), "an assignment is stored while Kafka is down");
    let second: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    eprintln!("coaching: assignment stored with Kafka down in {:.1} s", t0.elapsed().as_secs_f64());
    stack.run(&["start-role", "kafka"]);
    let t0 = Instant::now();
    let published = loop {
        if let Some(b) = kcat_at(&kafka, "accrete.coaching.v1", 1).filter(|b| !b.is_empty()) {
            break b;
        }
        assert!(t0.elapsed() < Duration::from_secs(120), "the assignment never reached the topic");
        std::thread::sleep(Duration::from_secs(1));
    };
    let ev = accrete_proto::v1::CoachingEvent::decode(published.as_slice()).expect("a coaching event");
    assert_eq!(ev.assignment.unwrap().id, second["id"].as_str().unwrap(), "the one made while Kafka was down");
    eprintln!("coaching: published {:.1} s after Kafka came back", t0.elapsed().as_secs_f64());
}
