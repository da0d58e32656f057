//! Operators' view of the distributed stack, for real: every role's admin
//! port (`/healthz`, `/readyz` on real Kafka and ClickHouse, `/metrics`),
//! and traces exported over OTLP to a real OpenTelemetry Collector
//! (`scripts/stack/otelcol.sh`, built from the Go module proxy): one
//! collector batch's spans, from the collector through the gateway, Kafka,
//! a classifier and the aggregator, share one trace id and chain parent to
//! child.

#[path = "support/lines.rs"]
mod lines;
#[path = "support/stack.rs"]
mod stack;
mod support;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use serde_json::Value;
use stack::Stack;
use support::*;

/// The OpenTelemetry Collector on ports of its own, stopped when dropped.
struct Otelcol {
    env: Vec<(String, String)>,
    addrs: BTreeMap<String, String>,
}

impl Otelcol {
    fn script() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/stack/otelcol.sh")
    }

    fn run(env: &[(String, String)], arg: &str) -> String {
        let out = Command::new("bash").arg(Self::script()).arg(arg).envs(env.iter().cloned()).output().unwrap();
        assert!(out.status.success(), "otelcol.sh {arg}: {}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8(out.stdout).unwrap()
    }

    fn start() -> Option<Otelcol> {
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("otelcol-{}", std::process::id()));
        let env: Vec<(String, String)> = [
            ("OTELCOL_DIR", dir.display().to_string()),
            ("OTELCOL_GRPC_PORT", free_port().to_string()),
            ("OTELCOL_HTTP_PORT", free_port().to_string()),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect();
        let status = Command::new("bash").arg(Self::script()).arg("install").status().unwrap();
        if !status.success() {
            assert!(
                std::env::var_os("ACCRETE_REQUIRE_OTELCOL").is_none(),
                "otelcol could not be built (scripts/stack/otelcol.sh install)"
            );
            eprintln!("SKIPPED: no OpenTelemetry Collector (scripts/stack/otelcol.sh install failed)");
            return None;
        }
        let out = Self::run(&env, "start");
        let addrs =
            out.lines().filter_map(|l| l.split_once('=')).map(|(k, v)| (k.to_string(), v.to_string())).collect();
        Some(Otelcol { env, addrs })
    }

    /// Every line of an output file, parsed.
    fn read(&self, what: &str) -> Vec<Value> {
        std::fs::read_to_string(&self.addrs[what])
            .unwrap_or_default()
            .lines()
            .filter_map(|l| serde_json::from_str(l).ok())
            .collect()
    }
}

impl Drop for Otelcol {
    fn drop(&mut self) {
        let _ =
            Command::new("bash").arg(Self::script()).args(["stop", "--wipe"]).envs(self.env.iter().cloned()).status();
    }
}

#[derive(Debug, Clone)]
struct SpanRec {
    service: String,
    name: String,
    trace: String,
    id: String,
    parent: String,
}

/// The `service.name` of an OTLP resource block.
fn service_name(block: &Value) -> String {
    block["resource"]["attributes"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|a| a["key"] == "service.name")
        .and_then(|a| a["value"]["stringValue"].as_str())
        .unwrap_or_default()
        .to_string()
}

fn spans(export_lines: &[Value]) -> Vec<SpanRec> {
    let mut out = Vec::new();
    for line in export_lines {
        for rs in line["resourceSpans"].as_array().into_iter().flatten() {
            let service = service_name(rs);
            for ss in rs["scopeSpans"].as_array().into_iter().flatten() {
                for s in ss["spans"].as_array().into_iter().flatten() {
                    let field = |k: &str| s[k].as_str().unwrap_or_default().to_string();
                    out.push(SpanRec {
                        service: service.clone(),
                        name: field("name"),
                        trace: field("traceId"),
                        id: field("spanId"),
                        parent: field("parentSpanId"),
                    });
                }
            }
        }
    }
    out
}

/// The metric names each service exported.
fn metric_names(export_lines: &[Value]) -> BTreeMap<String, BTreeSet<String>> {
    let mut out: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for line in export_lines {
        for rm in line["resourceMetrics"].as_array().into_iter().flatten() {
            let service = service_name(rm);
            for sm in rm["scopeMetrics"].as_array().into_iter().flatten() {
                for m in sm["metrics"].as_array().into_iter().flatten() {
                    out.entry(service.clone()).or_default().insert(m["name"].as_str().unwrap_or_default().into());
                }
            }
        }
    }
    out
}

const CHAIN: [(&str, &str); 4] = [
    ("accrete-collector", "collector.ship"),
    ("accrete-gateway", "gateway.ingest"),
    ("accrete-classifier", "classifier.classify"),
    ("accrete-aggregator", "aggregator.store"),
];

/// A trace holding the whole chain, each span the child of the one before.
fn whole_chain(all: &[SpanRec]) -> Option<Vec<SpanRec>> {
    let roots = all.iter().filter(|s| s.name == CHAIN[0].1 && s.service == CHAIN[0].0);
    'root: for root in roots {
        let mut chain = vec![root.clone()];
        for (service, name) in &CHAIN[1..] {
            let parent = chain.last().unwrap().id.clone();
            match all
                .iter()
                .find(|s| s.trace == root.trace && s.parent == parent && s.service == *service && s.name == *name)
            {
                Some(s) => chain.push(s.clone()),
                None => continue 'root,
            }
        }
        return Some(chain);
    }
    None
}

#[test]
fn admin_ports_answer_and_one_batch_is_one_trace_across_the_stack() {
    let Some(otel) = Otelcol::start() else { return };
    let otlp = otel.addrs["otlp"].clone();
    let stack = Stack::up_with(2, &[("ACCRETE_OTLP_ENDPOINT", &otlp)]);

    // Probes: every role live at once, ready once Kafka, ClickHouse and its
    // consumer lag are known.
    let roles = ["gateway", "classify-1", "classify-2", "aggregate", "api"];
    for r in roles {
        let admin = stack.addr(&format!("admin-{r}")).to_string();
        assert_eq!(get(&format!("{admin}/healthz")).unwrap().0, 200, "{r} /healthz");
    }
    let ready_at = Instant::now();
    stack.run(&["ready"]);
    eprintln!("every role ready {:.1} s after start-up", ready_at.elapsed().as_secs_f64());
    for r in roles {
        let admin = stack.addr(&format!("admin-{r}")).to_string();
        let (code, body) = get(&format!("{admin}/readyz")).unwrap();
        assert_eq!(code, 200, "{r}: {body}");
        let report: Value = serde_json::from_str(&body).unwrap();
        let checks: BTreeSet<&str> = report["checks"].as_object().unwrap().keys().map(|k| k.as_str()).collect();
        let want: &[&str] = match r {
            "gateway" => &["kafka"],
            "aggregate" => &["clickhouse", "consumer_lag", "kafka"],
            "api" => &["clickhouse"],
            _ => &["consumer_lag", "kafka"],
        };
        assert_eq!(checks, want.iter().copied().collect(), "{r} checks: {body}");
    }

    // One small session, shipped by a collector that exports too.
    let home = tempfile::tempdir().unwrap();
    let claude = home.path().join(".claude");
    let session = "5e55a1e0-7e1e-4e1e-8e1e-000000000001";
    lines::session_file(
        &claude,
        session,
        &[lines::user(session, "hello"), lines::commit(session), lines::todo(session)],
    );
    let spool = home.path().join("spool");
    let source = ["--source".to_string(), format!("tracer:platform={}", claude.display())];
    let mut c = stack.collector(&source, &spool, true, &[("ACCRETE__TELEMETRY__OTLP_ENDPOINT", &otlp)]);
    assert!(c.wait().unwrap().success(), "the collector failed");
    let api = stack.addr("api").to_string();
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let (code, body) = get(&format!("{api}/v1/adoption-matrix?person=tracer")).unwrap();
        if code == 200 && body.contains("\"committing_work\":1") {
            break;
        }
        assert!(Instant::now() < deadline, "the session never reached the API: {body}");
        std::thread::sleep(Duration::from_millis(200));
    }

    // The spans reach the receiver within the exporters' batch delay.
    let deadline = Instant::now() + Duration::from_secs(60);
    let chain = loop {
        let all = spans(&otel.read("traces"));
        if let Some(chain) = whole_chain(&all) {
            break chain;
        }
        if Instant::now() > deadline {
            let seen: BTreeSet<(String, String)> = all.iter().map(|s| (s.service.clone(), s.name.clone())).collect();
            panic!("no trace holds collector -> gateway -> classifier -> aggregator; spans seen: {seen:?}");
        }
        std::thread::sleep(Duration::from_millis(500));
    };
    for s in &chain {
        eprintln!("trace {} span {} parent {:16} {} / {}", s.trace, s.id, s.parent, s.service, s.name);
    }
    assert!(chain.iter().all(|s| s.trace == chain[0].trace && s.trace.len() == 32));

    // Metrics over OTLP as well as on /metrics.
    let deadline = Instant::now() + Duration::from_secs(30);
    let want = [
        ("accrete-gateway", "accrete_gateway_events_total"),
        ("accrete-classifier", "accrete_classifier_events_total"),
        ("accrete-classifier", "accrete_kafka_consumer_lag"),
        ("accrete-aggregator", "accrete_clickhouse_insert_duration_seconds_sum"),
        ("accrete-aggregator", "accrete_aggregator_batch_size_count"),
    ];
    loop {
        let names = metric_names(&otel.read("metrics"));
        let missing: Vec<_> = want.iter().filter(|(s, m)| !names.get(*s).is_some_and(|n| n.contains(*m))).collect();
        if missing.is_empty() {
            break;
        }
        assert!(Instant::now() < deadline, "metrics missing over OTLP: {missing:?}; seen: {names:?}");
        std::thread::sleep(Duration::from_millis(500));
    }
    let text = get(&format!("{}/metrics", stack.addr("admin-aggregate"))).unwrap().1;
    for m in [
        "accrete_aggregator_events_total",
        "accrete_kafka_consumer_lag{",
        "accrete_clickhouse_insert_duration_seconds_count{table=\"events\"}",
        "accrete_kafka_consumed_batch_size_sum",
    ] {
        assert!(text.contains(m), "aggregator /metrics lacks {m}:\n{text}");
    }
    stack.run(&["down", "--wipe"]);
}
