//! The pipeline over the real shared corpus, checked against an independent
//! implementation of the rules (tests/support/oracle.rs) and against sessions
//! checked by hand (tests/support/hand_checked.rs).

#[path = "support/hand_checked.rs"]
mod hand_checked;
#[path = "support/oracle.rs"]
mod oracle;
mod support;

use std::collections::BTreeSet;
use std::time::Duration;

use support::*;

/// The matrix's tool-use practices (catalog v1's seven, which the oracle knows).
fn tool_use(
    m: std::collections::BTreeMap<String, (u64, std::collections::BTreeMap<String, u64>)>,
) -> std::collections::BTreeMap<String, (u64, std::collections::BTreeMap<String, u64>)> {
    m.into_iter()
        .map(|(person, (n, p))| {
            (person, (n, p.into_iter().filter(|(k, _)| oracle::PRACTICES.contains(&k.as_str())).collect()))
        })
        .collect()
}

#[test]
fn oracle_agrees_with_the_hand_checked_sessions() {
    let Some(root) = corpus() else { return };
    let sessions = oracle::oracle_sessions(root);
    for (person, id, expected) in hand_checked::HAND_CHECKED {
        let got = &sessions[*person][*id];
        let want: BTreeSet<String> = expected.iter().map(|s| s.to_string()).collect();
        assert_eq!(got, &want, "oracle on {person}/{id}");
    }
}

#[test]
fn analyze_matches_the_oracle_over_the_whole_corpus() {
    let Some(root) = corpus() else { return };
    let mut args = vec!["analyze".to_string(), "--json".into()];
    args.extend(corpus_sources(root));
    let out = run(&args);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let m: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(tool_use(matrix_map(&m)), oracle::oracle_matrix(root));
    // Every session shows either focus or sprawl's absence of it; the steering
    // practices are measured against the labeled set (tests/judgements.rs).
    assert!(matrix_map(&m).values().all(|(_, p)| p.len() == 13 && p.contains_key("plan_first_prompt")));
    assert_eq!(m["people"].as_array().unwrap().len(), 8);
    assert!(m["people"].as_array().unwrap().iter().any(|p| p["power_user"] == true));
}

#[test]
fn up_serves_the_oracle_matrix_and_a_killed_restart_gives_the_same() {
    let Some(root) = corpus() else { return };
    let data = tempfile::tempdir().unwrap();
    let sources = corpus_sources(root);
    // Small batches make the first run slow enough to be killed mid-way.
    let small = [("ACCRETE__COLLECTOR__BATCH_MAX_EVENTS", "64")];
    let up = Up::start(&data.path().join("d"), &sources, &small);
    up.wait_for(Duration::from_secs(60), || {
        let s = up.json("/v1/status");
        s["sources"].as_array().unwrap().iter().map(|x| x["bytes_read"].as_u64().unwrap()).sum::<u64>() > 0
    });
    let status = up.json("/v1/status");
    support::send_signal(up.child.id(), "KILL");
    drop(up);
    let read_before_kill: u64 =
        status["sources"].as_array().unwrap().iter().map(|x| x["bytes_read"].as_u64().unwrap()).sum();
    eprintln!("killed after {read_before_kill} bytes committed (caught up: {})", status["caught_up"]);

    let up = Up::start(&data.path().join("d"), &sources, &[]);
    up.wait_caught_up(Duration::from_secs(120));
    let m = up.json("/v1/adoption-matrix");
    assert_eq!(tool_use(matrix_map(&m)), oracle::oracle_matrix(root), "after a SIGKILL and restart");
    // The judges rebuilt from the files reach what one uninterrupted pass reaches.
    let mut args = vec!["analyze".to_string(), "--json".into()];
    args.extend(sources.iter().cloned());
    let once: serde_json::Value = serde_json::from_slice(&run(&args).stdout).unwrap();
    assert_eq!(matrix_map(&m), matrix_map(&once), "judgement practices after a SIGKILL and restart");

    // A second restart reads nothing twice.
    up.stop();
    let up = Up::start(&data.path().join("d"), &sources, &[]);
    up.wait_caught_up(Duration::from_secs(60));
    assert_eq!(matrix_map(&up.json("/v1/adoption-matrix")), matrix_map(&once), "after a clean restart");

    // Every hand-checked session's drill-down shows exactly its practices, with evidence.
    for (person, id, expected) in hand_checked::HAND_CHECKED {
        let d = up.json(&format!("/v1/sessions/{id}?person={person}"));
        let got: Vec<&str> = d["evidence"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["group"] == "tool_use")
            .map(|e| e["practice"].as_str().unwrap())
            .collect();
        assert_eq!(&got, expected, "{person}/{id}");
        for e in d["evidence"].as_array().unwrap() {
            assert!(e["line"].as_u64().unwrap() > 0 && !e["evidence"].as_str().unwrap().is_empty(), "{e}");
            assert!((0.0..=1.0).contains(&e["position"].as_f64().unwrap()), "a place in the session: {e}");
            assert_eq!(e["content"], "", "no content without opt-in: {e}");
        }
        assert!(!d["timeline"].as_array().unwrap().is_empty());
    }

    // The status page accounts for every byte of the corpus.
    let status = up.json("/v1/status");
    for s in status["sources"].as_array().unwrap() {
        assert_eq!(s["bytes_behind"], 0, "{s}");
        assert_eq!(s["bytes_partial"], 0, "{s}");
    }
    let dev1 = status["sources"].as_array().unwrap().iter().find(|s| s["person"] == "dev1").unwrap();
    assert_eq!(dev1["lines_invalid"], 0, "the concatenated line in dev1 is read as two objects");
}
