//! Hot paths, one core each: transcript line parsing and normalization,
//! classification per event, protobuf encode and decode.
//!
//! `cargo bench -p accrete-collector` (set `ACCRETE_CORPUS` to a folder of
//! unpacked real transcripts, e.g. one made by `accrete gen`; without it the
//! benchmark uses lines shaped like real ones). Prints MB/s and events/s.

use std::path::Path;

use accrete_classifier::Classifier;
use accrete_collector::parse::{LineContext, Normalizer};
use accrete_common::catalog::Catalog;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use prost::Message;

fn corpus_lines() -> Vec<Vec<u8>> {
    fn walk(dir: &Path, out: &mut Vec<Vec<u8>>, budget: &mut usize) {
        let Ok(rd) = std::fs::read_dir(dir) else { return };
        for e in rd.flatten() {
            let p = e.path();
            if p.is_dir() {
                walk(&p, out, budget);
            } else if p.extension().is_some_and(|x| x == "jsonl")
                && *budget > 0
                && let Ok(data) = std::fs::read(&p)
            {
                *budget = budget.saturating_sub(data.len());
                out.extend(data.split(|&b| b == b'\n').filter(|l| !l.is_empty()).map(<[u8]>::to_vec));
            }
        }
    }
    let mut out = Vec::new();
    if let Some(dir) = std::env::var_os("ACCRETE_CORPUS") {
        let mut budget = 200 << 20;
        walk(Path::new(&dir), &mut out, &mut budget);
    }
    if out.is_empty() {
        eprintln!("ACCRETE_CORPUS not set (or empty): benchmarking synthetic lines");
        let tool = r#"{"parentUuid":"a","isSidechain":false,"userType":"external","cwd":"/r","sessionId":"s","version":"2.1.3","type":"assistant","message":{"model":"claude-opus-4-5","id":"msg_1","type":"message","role":"assistant","content":[{"type":"tool_use","id":"t","name":"Bash","input":{"command":"git commit -m x","description":"commit"}}],"usage":{"input_tokens":8,"output_tokens":100}},"requestId":"r","uuid":"u","timestamp":"2026-01-07T16:39:27.520Z"}"#;
        let result = format!(
            r#"{{"type":"user","sessionId":"s","timestamp":"2026-01-07T16:39:28.520Z","message":{{"role":"user","content":[{{"type":"tool_result","tool_use_id":"t","content":"{}"}}]}}}}"#,
            "output line ".repeat(400)
        );
        let progress = format!(
            r#"{{"type":"progress","sessionId":"s","timestamp":"2026-01-07T16:39:29.520Z","data":{{"type":"agent_progress","message":{{"type":"assistant","message":{{"content":[{{"type":"text","text":"{}"}}]}}}}}}}}"#,
            "thinking ".repeat(200)
        );
        for _ in 0..2000 {
            out.push(tool.as_bytes().to_vec());
            out.push(result.as_bytes().to_vec());
            out.push(progress.as_bytes().to_vec());
        }
    }
    out
}

fn benches(c: &mut Criterion) {
    let catalog = Catalog::builtin();
    let lines = corpus_lines();
    let bytes: usize = lines.iter().map(|l| l.len() + 1).sum();
    let normalizer = Normalizer { catalog: &catalog, share_content: false };
    let ctx = LineContext { person: "p".into(), session_id: "s".into(), ..Default::default() };
    let events: Vec<_> = lines.iter().flat_map(|l| normalizer.parse_line(l, &ctx, 0, 1).events).collect();
    eprintln!("{} lines, {:.1} MB, {} events", lines.len(), bytes as f64 / 1e6, events.len());

    let mut g = c.benchmark_group("parse");
    g.throughput(Throughput::Bytes(bytes as u64));
    g.sample_size(10);
    g.bench_function("parse_and_normalize", |b| {
        b.iter(|| lines.iter().map(|l| normalizer.parse_line(l, &ctx, 0, 1).events.len()).sum::<usize>())
    });
    // The same with the session file's judge reading each line (what the
    // collector does for a session's own file).
    let rules = std::sync::Arc::new(catalog.judge.clone().expect("v2 has [judge]"));
    g.bench_function("parse_normalize_and_judge", |b| {
        b.iter(|| {
            let mut judge = accrete_collector::judge::Judge::new(rules.clone());
            lines
                .iter()
                .enumerate()
                .map(|(i, l)| {
                    normalizer.parse_line_judged(l, &ctx, i as u64, i as u64 + 1, Some(&mut judge)).events.len()
                })
                .sum::<usize>()
        })
    });
    g.finish();

    let classifier = Classifier::new(&catalog);
    let mut g = c.benchmark_group("classify");
    g.throughput(Throughput::Elements(events.len() as u64));
    g.bench_function("classify_events", |b| {
        let mut out = Vec::with_capacity(events.len());
        b.iter(|| {
            out.clear();
            for e in &events {
                classifier.classify(e, &mut out);
            }
            out.len()
        })
    });
    g.finish();

    let encoded: Vec<Vec<u8>> = events.iter().map(|e| e.encode_to_vec()).collect();
    let mut g = c.benchmark_group("protobuf");
    g.throughput(Throughput::Elements(events.len() as u64));
    g.bench_function("encode_events", |b| b.iter(|| events.iter().map(|e| e.encode_to_vec().len()).sum::<usize>()));
    g.bench_function("decode_events", |b| {
        b.iter(|| {
            encoded.iter().map(|m| accrete_common::TranscriptEvent::decode(m.as_slice()).unwrap().line).sum::<u64>()
        })
    });
    g.finish();
}

criterion_group!(hot, benches);
criterion_main!(hot);
