use super::*;

fn ctx() -> LineContext {
    LineContext { person: "dev1".into(), session_id: "s1".into(), project: "p1".into(), ..Default::default() }
}

fn parse(line: &str) -> ParsedLine {
    let c = Catalog::builtin();
    Normalizer { catalog: &c, share_content: false }.parse_line(line.as_bytes(), &ctx(), 100, 3)
}

#[test]
fn normalizes_an_assistant_tool_call_without_its_input() {
    let p = parse(
        r#"{"type":"assistant","timestamp":"2026-01-24T16:20:51.451Z","sessionId":"s1","message":{"model":"claude-x","id":"m1","content":[{"type":"tool_use","id":"t1","name":"Bash","input":{"command":"git add . && git commit -m \"secret plan\""}}],"usage":{"input_tokens":3,"output_tokens":"bad"}}}"#,
    );
    assert!(p.error.is_none());
    let ev = &p.events[0];
    assert_eq!((ev.line_type.as_str(), ev.offset, ev.line, ev.timestamp_ms), ("assistant", 100, 3, 1_769_271_651_451));
    assert_eq!(ev.tool_calls[0].name, "Bash");
    assert_eq!(ev.tool_calls[0].signals, ["git_commit"]);
    assert_eq!(ev.tool_calls[0].input_json, "", "inputs stay on the machine by default");
    assert_eq!(ev.usage.as_ref().unwrap().input_tokens, 3);
    assert_eq!(ev.usage.as_ref().unwrap().output_tokens, 0, "a wrong type reads as absent");
    assert!(ev.content.is_none());
}

#[test]
fn shares_content_only_when_asked() {
    let c = Catalog::builtin();
    let n = Normalizer { catalog: &c, share_content: true };
    let p = n.parse_line(
        br#"{"type":"user","cwd":"/home/a/repo","message":{"content":"please fix the bug"}}"#,
        &ctx(),
        0,
        1,
    );
    let ev = &p.events[0];
    assert_eq!(ev.content.as_ref().unwrap().text, "please fix the bug");
    assert_eq!(ev.content.as_ref().unwrap().cwd, "/home/a/repo");
}

#[test]
fn finds_commands_in_user_lines_but_not_in_compact_summaries() {
    let p = parse(
        r#"{"type":"user","message":{"role":"user","content":"<command-name>/clear</command-name>\n<command-message>clear</command-message><command-name>/handgemacht:create-beads</command-name>"}}"#,
    );
    assert_eq!(p.events[0].commands, ["clear", "handgemacht:create-beads"]);
    let p = parse(
        r#"{"type":"user","isCompactSummary":true,"message":{"content":[{"type":"text","text":"<command-name>/init</command-name>"}]}}"#,
    );
    assert!(p.events[0].commands.is_empty());
    let p = parse(
        r#"{"type":"assistant","message":{"content":[{"type":"text","text":"<command-name>/init</command-name>"}]}}"#,
    );
    assert!(p.events[0].commands.is_empty(), "only user lines hold commands");
}

/// Claude Code 1.0.x layouts, as in the public test data of claude-code-log
/// (`test/test_data/edge_cases.jsonl`) and claude-code-viewer
/// (`mock-global-claude-dir/projects/sample-project/*.jsonl`): the message
/// first, and the name with or without its `/`.
#[test]
fn reads_claude_code_1_0_command_layouts() {
    let p = parse(
        r#"{"type":"user","version":"1.0.43","message":{"role":"user","content":"<command-message>orchestrator is running…</command-message>\n<command-name>/orchestrator</command-name>\n<command-args>create TODO app</command-args>"}}"#,
    );
    assert_eq!(p.events[0].commands, ["orchestrator"]);
    let p = parse(
        r#"{"type":"user","version":"1.0.30","message":{"role":"user","content":[{"type":"text","text":"<command-message>init is analyzing your codebase…</command-message>\n<command-name>init</command-name>\n<command-args></command-args>"}]}}"#,
    );
    assert_eq!(p.events[0].commands, ["init"], "the `/` was sometimes left out");
    let p = parse(
        r#"{"type":"user","message":{"content":[{"type":"text","text":"<command-name>test-command</command-name><command-args>--verbose</command-args><command-message>Running</command-message>"}]}}"#,
    );
    assert_eq!(p.events[0].commands, ["test-command"]);
    let p = parse(r#"{"type":"user","message":{"content":"<command-name>git status</command-name>"}}"#);
    assert!(p.events[0].commands.is_empty(), "a name with spaces is not a command");
}

#[test]
fn judge_reads_rejections_and_commit_output_but_sends_no_words() {
    use crate::judge::Judge;
    let c = Catalog::builtin();
    let n = Normalizer { catalog: &c, share_content: false };
    let mut j = Judge::new(std::sync::Arc::new(c.judge.clone().unwrap()));
    let lines = [
        r#"{"type":"user","message":{"content":"Plan how to store the checkpoints, don't change anything yet"}}"#,
        r#"{"type":"assistant","message":{"content":[{"type":"tool_use","id":"p1","name":"ExitPlanMode","input":{"plan":"x"}}]}}"#,
        r#"{"type":"user","message":{"content":[{"type":"tool_result","tool_use_id":"p1","is_error":true,"content":"The user doesn't want to proceed with this tool use. The tool use was rejected. To tell you how to proceed, the user said:\nkeep the old file format"}]}}"#,
        r#"{"type":"assistant","message":{"content":[{"type":"tool_use","id":"c1","name":"Bash","input":{"command":"git commit -m x"}}]}}"#,
        r#"{"type":"user","message":{"content":[{"type":"tool_result","tool_use_id":"c1","content":[{"type":"text","text":"[main 1a2b3c4] x\n 1 file changed, 3 insertions(+)"}]}]}}"#,
    ];
    let mut got = Vec::new();
    for (i, l) in lines.iter().enumerate() {
        let p = n.parse_line_judged(l.as_bytes(), &ctx(), i as u64 * 1000, i as u64 + 1, Some(&mut j));
        assert!(p.error.is_none() && p.events.len() == 1, "line {i}: {:?}", p.error);
        for ev in p.events {
            assert!(ev.content.is_none());
            got.extend(ev.judgements.into_iter().map(|j| (j.id, j.line)));
        }
    }
    let ids: Vec<(&str, u64)> = got.iter().map(|(id, l)| (id.as_str(), *l)).collect();
    assert_eq!(
        ids,
        [("plan_first_prompt", 1), ("focused_session", 1), ("plan_revised", 3), ("small_commits", 5)],
        "{got:?}"
    );
}

#[test]
fn reads_system_compaction_and_plan_mode() {
    let p =
        parse(r#"{"type":"system","subtype":"compact_boundary","compactMetadata":{"trigger":"manual","preTokens":5}}"#);
    assert_eq!(
        (p.events[0].system_subtype.as_str(), p.events[0].compact_trigger.as_str()),
        ("compact_boundary", "manual")
    );
    let p = parse(
        r#"{"type":"user","permissionMode":"plan","isSidechain":true,"message":{"content":[{"type":"tool_result","is_error":true}]}}"#,
    );
    let ev = &p.events[0];
    assert_eq!((ev.permission_mode.as_str(), ev.is_sidechain, ev.tool_results, ev.tool_errors), ("plan", true, 1, 1));
}

#[test]
fn context_file_signal_needs_an_editing_tool() {
    let p = parse(
        r#"{"type":"assistant","message":{"content":[{"type":"tool_use","name":"Write","input":{"file_path":"/r/CLAUDE.md","content":"x"}},{"type":"tool_use","name":"Read","input":{"file_path":"/r/CLAUDE.md"}}]}}"#,
    );
    let calls = &p.events[0].tool_calls;
    assert_eq!(calls[0].signals, ["project_context_file"]);
    assert!(calls[1].signals.is_empty());
}

#[test]
fn bad_lines_give_errors_not_panics() {
    let blank = parse("  ");
    assert!(blank.events.is_empty() && blank.error.is_none(), "a blank line is nothing, not an error");
    for bad in ["{", "[1,2]", "\"str\"", "{\"type\":", "nul\0l", "{}}"] {
        let p = parse(bad);
        assert!(p.error.is_some() || !p.events.is_empty(), "{bad:?}");
    }
    assert!(matches!(parse("[1,2]").error, Some(LineError::InvalidJson(_))));
    // Wrong types everywhere still give an event.
    let p = parse(
        r#"{"type":7,"timestamp":[],"isSidechain":"yes","message":{"content":{"a":1},"usage":[1]},"cwd":{"x":[{}]}}"#,
    );
    assert!(p.error.is_none());
    assert_eq!(p.events[0].line_type, "");
}

#[test]
fn invalid_utf8_is_read_lossily() {
    let c = Catalog::builtin();
    let n = Normalizer { catalog: &c, share_content: false };
    let mut line = br#"{"type":"user","message":{"content":"caf"#.to_vec();
    line.extend_from_slice(&[0xff, 0xfe]);
    line.extend_from_slice(br#" <command-name>/review-pr</command-name>"}}"#);
    let p = n.parse_line(&line, &ctx(), 0, 1);
    assert!(p.invalid_utf8);
    assert_eq!(p.events[0].commands, ["review-pr"]);
}

#[test]
fn two_objects_on_one_line_are_both_read() {
    let p = parse(r#"{"type":"user","message":{"content":"hi"}}{"type":"summary","summary":"x"}"#);
    assert_eq!(p.events.len(), 2);
    assert_eq!(p.extra_objects, 1);
    assert_eq!(p.events[1].line_type, "summary");
}

#[test]
fn a_torn_prefix_is_skipped_and_the_next_object_read() {
    let p = parse(
        r#"{"type":"assistant","message":{"role":"assis{"type":"user","message":{"content":"<command-name>/compact</command-name>"}}"#,
    );
    assert!(p.recovered);
    assert!(p.error.is_some());
    assert_eq!(p.events.len(), 1);
    assert_eq!(p.events[0].commands, ["compact"]);
}

#[test]
fn subagent_lines_take_their_session_from_the_line() {
    let c = Catalog::builtin();
    let n = Normalizer { catalog: &c, share_content: false };
    let agent = LineContext { person: "a".into(), agent_id: "x1".into(), ..Default::default() };
    let p = n.parse_line(br#"{"type":"user","sessionId":"parent","isSidechain":true}"#, &agent, 0, 1);
    assert_eq!(p.events[0].session_id, "parent");
    let p = n.parse_line(br#"{"type":"user"}"#, &agent, 0, 1);
    assert_eq!(p.error, Some(LineError::NoSession));
}

#[test]
fn project_hash_is_stable_and_opaque() {
    assert_eq!(project_hash("-Users-dev1-Work-cli"), project_hash("-Users-dev1-Work-cli"));
    assert_ne!(project_hash("a"), project_hash("b"));
    assert!(!project_hash("-Users-dev1-Work-cli").contains("dev1"));
}

#[test]
fn numbers_beyond_f64_and_lone_surrogates_do_not_lose_the_line() {
    for line in [
        r#"{"type":"user","timestamp":1e400,"message":{"content":"<command-name>/init</command-name>"}}"#,
        r#"{"type":"user","message":{"content":"<command-name>/init</command-name> a\ud83d"}}"#,
        r#"{"type":"user","\ud800":1,"message":{"content":"<command-name>/init</command-name>"}}"#,
        r#"{"leafUuid":"b3","message":"\ud800","type":"user","x":"<command-name>/init</command-name>","message":{"content":"<command-name>/init</command-name>"}}"#,
    ] {
        let p = parse(line);
        assert_eq!(p.events.len(), 1, "{line}: {:?}", p.error);
        assert!(p.error.is_none() && p.sanitized, "{line}");
        assert_eq!(p.events[0].commands, ["init"], "{line}");
    }
    // A surrogate pair is left alone.
    let p = parse(r#"{"type":"user","message":{"content":"ok \ud83d\ude00"}}"#);
    assert!(p.error.is_none() && !p.sanitized);
}

#[test]
fn an_interruption_is_flagged_on_the_main_thread_only() {
    let stop = parse(
        r#"{"type":"user","message":{"content":[{"type":"text","text":"[Request interrupted by user for tool use]"}]}}"#,
    );
    assert!(stop.events[0].interrupted);
    let plain = parse(r#"{"type":"user","message":{"content":"[Request interrupted by user]"}}"#);
    assert!(plain.events[0].interrupted);
    let side = parse(r#"{"type":"user","isSidechain":true,"message":{"content":"[Request interrupted by user]"}}"#);
    assert!(!side.events[0].interrupted, "a subagent's line is not the person stopping the agent");
    let quoted = parse(r#"{"type":"user","message":{"content":"why did you say [Request interrupted"}}"#);
    assert!(!quoted.events[0].interrupted);
}
