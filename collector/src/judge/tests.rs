use super::*;
use accrete_common::catalog::Catalog;

fn rules() -> Arc<JudgeRules> {
    Arc::new(Catalog::builtin().judge.expect("v2 has [judge]"))
}

fn prompt(text: &str) -> Facts {
    Facts { user_text: Some(text.into()), ..Facts::default() }
}

fn calls(names: &[&str]) -> Facts {
    Facts {
        calls: names.iter().enumerate().map(|(i, n)| CallFact::new(&format!("t{i}"), n)).collect(),
        ..Facts::default()
    }
}

/// Runs facts through a fresh judge; the judgements reached, with their lines.
fn judge(seq: Vec<Facts>) -> Vec<(String, u64, String)> {
    let mut j = Judge::new(rules());
    let mut out = Vec::new();
    for (i, f) in seq.iter().enumerate() {
        let mut ev = TranscriptEvent { offset: i as u64 * 100, line: i as u64 + 1, ..Default::default() };
        j.observe(f, &mut ev);
        out.extend(ev.judgements.into_iter().map(|j| (j.id, j.line, j.category)));
    }
    out
}

fn ids(seq: Vec<Facts>) -> Vec<String> {
    let mut v: Vec<String> = judge(seq).into_iter().map(|(id, ..)| id).collect();
    v.sort();
    v
}

#[test]
fn typed_prompts_leave_out_wrappers_and_interruptions() {
    assert!(typed_prompt("[Request interrupted by user for tool use]").is_none());
    assert!(typed_prompt("<local-command-stdout>x</local-command-stdout>").is_none());
    assert!(typed_prompt("<command-name>/clear</command-name>\n<command-message>clear</command-message>\n<command-args></command-args>").is_none());
    let p = typed_prompt("<command-name>/review</command-name><command-args>the auth module</command-args>").unwrap();
    assert_eq!((p.text.as_str(), p.command.as_deref()), ("the auth module", Some("review")));
    assert!(typed_prompt("<ide_opened_file>The user opened x.go</ide_opened_file>").is_none());
    assert_eq!(typed_prompt("<ide_selection>sel</ide_selection> why is this slow?").unwrap().text, "why is this slow?");
    assert!(typed_prompt("Implement the following plan:\n\n# Plan").unwrap().handoff);
    assert!(typed_prompt("Stop hook feedback:\n- tests fail").is_none());
}

#[test]
fn a_question_before_any_edit_is_a_plan_first_prompt() {
    let got = judge(vec![prompt("Why does the hook fire twice? Don't change anything yet."), calls(&["Edit"])]);
    assert!(got.iter().any(|(id, line, _)| id == "plan_first_prompt" && *line == 1), "{got:?}");
    assert!(!ids(vec![prompt("Add a --local flag to enable")]).contains(&"plan_first_prompt".to_string()));
    assert!(!ids(vec![calls(&["Edit"]), prompt("why is this slow?")]).contains(&"plan_first_prompt".to_string()));
    assert!(
        ids(vec![prompt("Can you explain how checkpoints are stored?")]).contains(&"plan_first_prompt".to_string())
    );
    assert!(!ids(vec![prompt("Investigate the flaky test and fix it")]).contains(&"plan_first_prompt".to_string()));
}

#[test]
fn pasted_failures_and_failing_commands_are_handed_over() {
    let paste = "this fails:\n--- FAIL: TestResume (0.01s)\n    resume_test.go:31: got 2";
    let got = judge(vec![prompt(paste)]);
    assert!(got.iter().any(|(id, _, c)| id == "failing_test_handover" && c == "pasted failing test output"), "{got:?}");
    assert!(
        ids(vec![prompt("`mise run lint` throws issues, please fix")]).contains(&"failing_test_handover".to_string())
    );
    assert!(!ids(vec![prompt("the resume command is broken somehow")]).contains(&"failing_test_handover".to_string()));
}

#[test]
fn delegation_needs_a_self_contained_prompt_and_ten_calls_alone() {
    let spec = "Add a --local option to `entire enable` that writes the settings to .entire/settings.local.json instead of the shared file, with tests";
    let ten = || (0..10).map(|_| calls(&["Read"])).collect::<Vec<_>>();
    let mut seq = vec![prompt(spec)];
    seq.extend(ten());
    let got = judge(seq);
    assert!(got.iter().any(|(id, line, _)| id == "whole_task_delegation" && *line == 1), "{got:?}");
    let mut seq =
        vec![prompt("how should we store this?"), Facts { proposes: true, ..Facts::default() }, prompt("yes, do it")];
    seq.extend(ten());
    assert!(!ids(seq).contains(&"whole_task_delegation".to_string()));
    // A queued message ends the count.
    let mut seq = vec![prompt(spec)];
    seq.extend((0..5).map(|_| calls(&["Read"])));
    seq.push(Facts { queued: true, ..Facts::default() });
    seq.extend((0..5).map(|_| calls(&["Read"])));
    assert!(!ids(seq).contains(&"whole_task_delegation".to_string()));
}

#[test]
fn pushing_back_on_a_proposal_before_code_revises_the_plan() {
    let propose = Facts { proposes: true, ..Facts::default() };
    let seq = vec![prompt("how should we store this?"), propose, prompt("no, keep it in the existing file instead")];
    assert!(ids(seq).contains(&"plan_revised".to_string()));
    let propose = Facts { proposes: true, ..Facts::default() };
    assert!(
        !ids(vec![prompt("how should we store this?"), propose, prompt("yes, go ahead")])
            .contains(&"plan_revised".to_string())
    );
    // An ExitPlanMode rejected with the person's words.
    let rejected = Facts {
        results: smallvec::smallvec![ResultFact {
            tool_use_id: call_id("t0"),
            is_error: true,
            text: Some(
                "The user doesn't want to proceed with this tool use. ... the user said:\nuse the v2 API".into(),
            ),
        }],
        ..Facts::default()
    };
    assert!(
        ids(vec![prompt("plan the migration"), calls(&["ExitPlanMode"]), rejected])
            .contains(&"plan_revised".to_string())
    );
}

#[test]
fn commits_are_small_when_several_or_under_the_threshold() {
    let commit = |id: &str, out: &str| {
        vec![
            Facts {
                calls: [CallFact::new(id, "Bash")].into_iter().collect(),
                commit_calls: [call_id(id)].into_iter().collect(),
                ..Facts::default()
            },
            Facts {
                results: [ResultFact { tool_use_id: call_id(id), is_error: false, text: Some(out.into()) }]
                    .into_iter()
                    .collect(),
                ..Facts::default()
            },
        ]
    };
    let big = "[main 1a2b3c4] Big\n 9 files changed, 800 insertions(+), 20 deletions(-)";
    let small = "[main 5d6e7f8] Small\n 1 file changed, 5 insertions(+)";
    assert!(ids(commit("a", big)).iter().all(|id| id != "small_commits"));
    let got = judge(commit("a", small));
    assert!(got.iter().any(|(id, _, c)| id == "small_commits" && c == "a commit of 5 changed lines"), "{got:?}");
    let mut two = commit("a", big);
    two.extend(commit("b", big));
    assert!(ids(two).contains(&"small_commits".to_string()));
}

#[test]
fn unrelated_goals_are_sprawl_and_one_goal_is_focused() {
    let one = vec![prompt("Refactor the checkpoint store to write atomically"), prompt("also add a test for it")];
    assert_eq!(ids(one).iter().filter(|id| *id == "sprawl").count(), 0);
    let three = vec![
        prompt("Refactor the checkpoint store so that writes are atomic across crashes and renames"),
        prompt("Unrelated: update the marketing landing page copy for pricing tiers and testimonials please"),
        prompt("Another thing: configure the kubernetes ingress annotations for grafana dashboards and alerting rules"),
    ];
    let got = ids(three);
    assert!(got.contains(&"sprawl".to_string()) && got.contains(&"focused_session".to_string()), "{got:?}");
}

#[test]
fn stems_are_the_same_on_the_fast_path() {
    assert_eq!(text::stem("Checkpoints"), text::stem("checkpoint"));
    assert_ne!(text::stem("checkpoint"), text::stem("session"));
    // A non-ASCII word is cut at six characters, not bytes.
    assert_eq!(text::stem("Größenänderung"), text::stem("größen"));
    let mut v = Vec::new();
    text::stems("Fix `resume.go`: the é-case", &mut v);
    assert_eq!(v, [text::stem("resume"), text::stem("case")], "words of four letters or more");
}

#[test]
fn ascii_stems_are_the_general_ones() {
    // A non-ASCII separator sends the same words down the general path.
    let text = "Refactor the parser_x in src/Lib.rs: 20245 tests, ok";
    let (mut fast, mut general) = (Vec::new(), Vec::new());
    text::stems(text, &mut fast);
    text::stems(&format!("{text} ─"), &mut general);
    assert_eq!(fast, general);
    assert_eq!(fast.len(), 3, "refactor, parser_x, tests: words of four letters or more, not all digits");
}
