//! Faults done for real on the real stack (Kafka, ClickHouse, gateway,
//! classifiers, aggregator as separate processes). After each, the matrix
//! equals the one from an undisturbed run (`accrete analyze`) on the same
//! input: nothing lost, nothing counted twice. Each phase ships the corpus
//! under its own person names, and prints how long recovery took.
//!
//! `ACCRETE_FAULT_GATEWAY_DOWN_S` sets the gateway outage (default 300 s, as
//! the reliability table states).

#[path = "support/stack.rs"]
mod stack;
mod support;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use stack::{Matrix, Stack};
use support::*;

const CONVERGE: Duration = Duration::from_secs(240);

/// The corpus copied under person names `<person>-<tag>`; the matrix an
/// undisturbed run gives for them.
struct Input {
    dir: tempfile::TempDir,
    tag: String,
    people: Vec<String>,
    expected: Matrix,
}

impl Input {
    fn new(root: &Path, tag: &str, undisturbed: &Matrix) -> Input {
        let dir = tempfile::tempdir().unwrap();
        let mut people = Vec::new();
        for person in undisturbed.keys() {
            let to = dir.path().join(format!("{person}-{tag}"));
            let ok = Command::new("cp").arg("-r").arg(root.join(person)).arg(&to).status().unwrap();
            assert!(ok.success());
            people.push(format!("{person}-{tag}"));
        }
        let expected = undisturbed.iter().map(|(p, v)| (format!("{p}-{tag}"), v.clone())).collect();
        Input { dir, tag: tag.into(), people, expected }
    }

    fn sources(&self) -> Vec<String> {
        self.people
            .iter()
            .flat_map(|p| {
                ["--source".to_string(), format!("{p}={}", self.dir.path().join(p).join(".claude").display())]
            })
            .collect()
    }

    fn mine(&self) -> impl Fn(&str) -> bool + '_ {
        move |p: &str| p.ends_with(&format!("-{}", self.tag))
    }

    fn spool(&self) -> PathBuf {
        self.dir.path().join("collector")
    }
}

/// Prints a recovery figure, and keeps it in `target/tmp/faults-report.txt`
/// (scripts/test.sh shows that file at the end of a run).
fn report(phase: &str, what: &str, d: Duration) {
    use std::io::Write;
    let line = format!("FAULT {phase}: {what} {:.1} s", d.as_secs_f64());
    eprintln!("{line}");
    let path = Path::new(env!("CARGO_TARGET_TMPDIR")).join("faults-report.txt");
    if let Ok(mut f) = std::fs::OpenOptions::new().create(true).append(true).open(path) {
        let _ = writeln!(f, "{line}");
    }
}

fn kill9(pid: u32) {
    send_signal(pid, "KILL");
}

#[test]
fn faults_lose_nothing_and_count_nothing_twice() {
    let Some(root) = corpus() else { return };
    let mut args = vec!["analyze".to_string(), "--json".into()];
    args.extend(corpus_sources(root));
    let out = run(&args);
    assert!(out.status.success());
    let undisturbed = matrix_map(&serde_json::from_slice(&out.stdout).unwrap());
    let _ = std::fs::remove_file(Path::new(env!("CARGO_TARGET_TMPDIR")).join("faults-report.txt"));
    let stack = Stack::up(1);

    // 1. Classifier workers SIGKILLed mid-stream, one then the other, then restarted.
    {
        let input = Input::new(root, "classifiers", &undisturbed);
        let mut c = stack.collector(&input.sources(), &input.spool(), true, &[]);
        std::thread::sleep(Duration::from_millis(800));
        kill9(stack.pid("classify-1"));
        std::thread::sleep(Duration::from_millis(800));
        kill9(stack.pid("classify-2"));
        assert!(c.wait().unwrap().success());
        std::thread::sleep(Duration::from_secs(1));
        let back = Instant::now();
        stack.run(&["start-role", "classify-1"]);
        stack.run(&["start-role", "classify-2"]);
        report(
            "classifiers",
            "matrix complete after restart in",
            stack.converge(&input.expected, input.mine(), CONVERGE),
        );
        let _ = back;
    }

    // 2. Kafka stopped for 30 s while collectors send, then restarted.
    {
        let input = Input::new(root, "kafka", &undisturbed);
        let mut c = stack.collector(&input.sources(), &input.spool(), true, &[]);
        std::thread::sleep(Duration::from_millis(500));
        stack.run(&["stop-role", "kafka"]);
        std::thread::sleep(Duration::from_secs(30));
        let back = Instant::now();
        stack.run(&["start-role", "kafka"]);
        assert!(c.wait().unwrap().success(), "the collector delivered everything once Kafka was back");
        stack.converge(&input.expected, input.mine(), CONVERGE);
        report("kafka", "matrix complete after Kafka restart in", back.elapsed());
    }

    // 3. ClickHouse stopped for 30 s while the aggregator writes; the API says 503 meanwhile.
    {
        let input = Input::new(root, "clickhouse", &undisturbed);
        let mut c = stack.collector(&input.sources(), &input.spool(), true, &[]);
        std::thread::sleep(Duration::from_millis(500));
        stack.run(&["stop-role", "clickhouse"]);
        std::thread::sleep(Duration::from_secs(2));
        let (code, body) = get(&format!("{}/v1/adoption-matrix", stack.addr("api"))).unwrap();
        assert_eq!(code, 503, "the API tells the store is away: {body}");
        std::thread::sleep(Duration::from_secs(28));
        assert!(c.wait().unwrap().success());
        let back = Instant::now();
        stack.run(&["start-role", "clickhouse"]);
        stack.converge(&input.expected, input.mine(), CONVERGE);
        report("clickhouse", "matrix complete after ClickHouse restart in", back.elapsed());
    }

    // 4. A collector SIGKILLed mid-batch, then restarted on the same spool.
    {
        let input = Input::new(root, "collector", &undisturbed);
        let small = [("ACCRETE__COLLECTOR__BATCH_MAX_EVENTS", "50")];
        let mut c = stack.collector(&input.sources(), &input.spool(), true, &small);
        std::thread::sleep(Duration::from_millis(700));
        kill9(c.id());
        let _ = c.wait();
        let back = Instant::now();
        let mut c = stack.collector(&input.sources(), &input.spool(), true, &[]);
        assert!(c.wait().unwrap().success());
        stack.converge(&input.expected, input.mine(), CONVERGE);
        report("collector", "matrix complete after the collector restart in", back.elapsed());
    }

    // 5. The spool full (a small bound) while the gateway is down.
    {
        let input = Input::new(root, "spool", &undisturbed);
        stack.run(&["stop-role", "gateway"]);
        let bound = [("ACCRETE__SHIP__SPOOL_MAX_BYTES", "300000")];
        let mut c = stack.collector(&input.sources(), &input.spool(), false, &bound);
        let log = input.spool().with_extension("log");
        let start = Instant::now();
        while !std::fs::read_to_string(&log).unwrap_or_default().contains("spool full") {
            assert!(start.elapsed() < Duration::from_secs(60), "the collector never said the spool is full");
            std::thread::sleep(Duration::from_millis(200));
        }
        let offsets = std::fs::read(input.spool().join("spool/offsets.json")).unwrap();
        let parsed: serde_json::Value = serde_json::from_slice(&offsets).expect("offsets stay valid while full");
        assert!(parsed.is_array());
        let back = Instant::now();
        stack.run(&["start-role", "gateway"]);
        stack.converge(&input.expected, input.mine(), CONVERGE);
        report("spool-full", "matrix complete after the gateway came back in", back.elapsed());
        kill9(c.id());
        let _ = c.wait();
    }

    // 6. The gateway down for minutes of collector activity; the collector restarts meanwhile.
    {
        let outage = Duration::from_secs(
            std::env::var("ACCRETE_FAULT_GATEWAY_DOWN_S").ok().and_then(|s| s.parse().ok()).unwrap_or(300),
        );
        let input = Input::new(root, "gateway", &undisturbed);
        // Sessions appear one by one during the outage, as people work.
        let live = tempfile::tempdir().unwrap();
        let mut files: Vec<(PathBuf, PathBuf)> = Vec::new();
        for p in &input.people {
            for e in walk(&input.dir.path().join(p)) {
                let rel = e.strip_prefix(input.dir.path()).unwrap().to_path_buf();
                files.push((e.clone(), live.path().join(rel)));
            }
        }
        let sources: Vec<String> = input
            .people
            .iter()
            .flat_map(|p| ["--source".to_string(), format!("{p}={}", live.path().join(p).join(".claude").display())])
            .collect();
        stack.run(&["stop-role", "gateway"]);
        let down = Instant::now();
        let mut c = stack.collector(&sources, &input.spool(), false, &[]);
        let step = outage / (files.len() as u32 + 1);
        for (i, (from, to)) in files.iter().enumerate() {
            std::fs::create_dir_all(to.parent().unwrap()).unwrap();
            std::fs::copy(from, to).unwrap();
            if i == files.len() / 2 {
                // Half-way: the collector stops and starts again; the spool survives.
                send_signal(c.id(), "TERM");
                let _ = c.wait();
                c = stack.collector(&sources, &input.spool(), false, &[]);
            }
            std::thread::sleep(step);
        }
        while down.elapsed() < outage {
            std::thread::sleep(Duration::from_millis(200));
        }
        let (batches, _) = spool_backlog(&input.spool());
        assert!(batches > 0, "the spool holds the outage's batches");
        let back = Instant::now();
        stack.run(&["start-role", "gateway"]);
        stack.converge(&input.expected, input.mine(), CONVERGE);
        report(
            "gateway",
            &format!("down {:.0} s; matrix complete after it came back in", outage.as_secs_f64()),
            back.elapsed(),
        );
        kill9(c.id());
        let _ = c.wait();
    }
}

fn spool_backlog(data_dir: &Path) -> (usize, u64) {
    let mut n = (0, 0);
    for e in std::fs::read_dir(data_dir.join("spool")).unwrap().flatten() {
        if e.file_name().to_string_lossy().ends_with(".batch") {
            n.0 += 1;
            n.1 += e.metadata().unwrap().len();
        }
    }
    n
}
