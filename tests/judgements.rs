//! The judgement practices against the hand-labeled set (tests/labels/,
//! described in docs/practices.md): precision and recall per practice on the
//! development split (dev1-dev3, which the rules were tuned on), the held-out
//! split (everyone else) and all of it. The test prints the table and fails
//! when a change makes any practice worse than the figures recorded here.

mod support;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use support::*;

/// People whose sessions the rules were written and tuned on.
const DEVELOPMENT: &[&str] = &["dev1", "dev2", "dev3"];

/// A commit of at most this many changed lines is small (the catalog's
/// `small_commit_max_lines`, read from the labels' recorded commit sizes).
const SMALL_COMMIT: u64 = 200;

/// Per practice, over all 95 labeled sessions: at least this many true
/// positives and at most this many false positives. Raise them when the
/// rules get better; a change that lowers one fails here.
const FLOORS: &[(&str, u32, u32)] = &[
    ("plan_first_prompt", 29, 3),
    ("plan_revised", 21, 2),
    ("failing_test_handover", 21, 0),
    ("whole_task_delegation", 57, 1),
    ("focused_session", 95, 0),
    ("small_commits", 19, 0),
];

#[derive(Default, Clone, Copy)]
struct Counts {
    tp: u32,
    fp: u32,
    fn_: u32,
    tn: u32,
}

impl Counts {
    fn add(&mut self, gold: bool, got: bool) {
        match (gold, got) {
            (true, true) => self.tp += 1,
            (false, true) => self.fp += 1,
            (true, false) => self.fn_ += 1,
            (false, false) => self.tn += 1,
        }
    }
    fn precision(&self) -> f64 {
        self.tp as f64 / (self.tp + self.fp).max(1) as f64
    }
    fn recall(&self) -> f64 {
        self.tp as f64 / (self.tp + self.fn_).max(1) as f64
    }
}

/// The judgements the collector reached, per (person, session): from
/// `accrete collect --dry-run`, exactly what would leave the machine.
fn judged(root: &Path) -> BTreeMap<(String, String), BTreeSet<String>> {
    let mut args = vec!["collect".to_string(), "--dry-run".into()];
    args.extend(corpus_sources(root));
    let out = run(&args);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let mut got: BTreeMap<(String, String), BTreeSet<String>> = BTreeMap::new();
    for line in String::from_utf8(out.stdout).unwrap().lines() {
        let ev: serde_json::Value = serde_json::from_str(line).unwrap();
        let key =
            (ev["person"].as_str().unwrap_or("").to_string(), ev["session_id"].as_str().unwrap_or("").to_string());
        for j in ev["judgements"].as_array().into_iter().flatten() {
            assert!(j["line"].as_u64().unwrap() > 0, "a judgement names its line: {j}");
            assert!(!j["category"].as_str().unwrap().is_empty(), "and its category: {j}");
            got.entry(key.clone()).or_default().insert(j["id"].as_str().unwrap().to_string());
        }
        // Privacy: no prompt text without opt-in.
        assert!(ev.get("content").is_none(), "content left the machine: {line}");
    }
    got
}

fn gold(label: &serde_json::Value, practice: &str) -> bool {
    if practice == "small_commits" {
        let commits = label["commits"].as_array().cloned().unwrap_or_default();
        let size = |c: &serde_json::Value| c["insertions"].as_u64().map(|i| i + c["deletions"].as_u64().unwrap_or(0));
        return commits.len() >= 2 || commits.iter().any(|c| size(c).is_some_and(|n| n <= SMALL_COMMIT));
    }
    label[practice]["label"].as_bool().unwrap_or_else(|| panic!("label {practice} in {label}"))
}

#[test]
fn judgement_practices_meet_their_figures_on_the_labeled_set() {
    let Some(root) = corpus() else { return };
    let got = judged(root);
    let labels_dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/labels");
    let mut labels = Vec::new();
    for entry in std::fs::read_dir(&labels_dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "jsonl") {
            for line in std::fs::read_to_string(&path).unwrap().lines() {
                labels.push(serde_json::from_str::<serde_json::Value>(line).unwrap());
            }
        }
    }
    assert_eq!(labels.len(), 95, "every session of the corpus is labeled");
    let practices: Vec<&str> = FLOORS.iter().map(|f| f.0).collect();
    let mut table: BTreeMap<(&str, &str), Counts> = BTreeMap::new();
    for label in &labels {
        let (person, session) = label["session"].as_str().unwrap().split_once('/').unwrap();
        let reached = got.get(&(person.to_string(), session.to_string())).cloned().unwrap_or_default();
        let split = if DEVELOPMENT.contains(&person) { "development" } else { "held-out" };
        for &p in &practices {
            let predicted = if p == "focused_session" {
                reached.contains("focused_session") && !reached.contains("sprawl")
            } else {
                reached.contains(p)
            };
            for s in [split, "all"] {
                table.entry((s, p)).or_default().add(gold(label, p), predicted);
            }
        }
    }
    println!("{:<24} {:>22} {:>22} {:>22}", "practice", "development P / R", "held-out P / R", "all P / R");
    for &p in &practices {
        let cell = |s| {
            let c: Counts = table[&(s, p)];
            format!("{:.2} / {:.2} ({}/{}/{})", c.precision(), c.recall(), c.tp, c.fp, c.fn_)
        };
        println!("{p:<24} {:>22} {:>22} {:>22}", cell("development"), cell("held-out"), cell("all"));
    }
    let focused = table[&("all", "focused_session")];
    println!("sprawl false-positive rate: {}/{}", focused.fn_, focused.tp + focused.fn_);
    for &(p, min_tp, max_fp) in FLOORS {
        let c = table[&("all", p)];
        assert!(c.tp >= min_tp, "{p}: {} true positives, fewer than the {min_tp} recorded", c.tp);
        assert!(c.fp <= max_fp, "{p}: {} false positives, more than the {max_fp} recorded", c.fp);
    }
    assert!(focused.fn_ as f64 <= 0.05 * (focused.tp + focused.fn_) as f64, "sprawl false-positive rate over 5 %");
}
