use super::*;

fn ev(offset: u64) -> TranscriptEvent {
    TranscriptEvent { person: "p".into(), session_id: "s".into(), offset, line: 1, ..Default::default() }
}

fn tool(offset: u64, name: &str, signals: &[&str]) -> TranscriptEvent {
    let mut e = ev(offset);
    e.line_type = "assistant".into();
    e.tool_calls.push(ToolCall {
        name: name.into(),
        signals: signals.iter().map(|s| s.to_string()).collect(),
        ..Default::default()
    });
    e
}

fn keys(c: &Classifier, e: &TranscriptEvent) -> Vec<String> {
    let mut out = Vec::new();
    c.classify(e, &mut out);
    out.into_iter().map(|m| m.key).collect()
}

#[test]
fn tool_rules() {
    let c = Classifier::new(&Catalog::builtin());
    assert_eq!(keys(&c, &tool(1, "Task", &[])), ["subagent_delegation"]);
    assert_eq!(keys(&c, &tool(1, "Agent", &[])), ["subagent_delegation"]);
    assert_eq!(keys(&c, &tool(1, "TodoWrite", &[])), ["task_tracking"]);
    assert_eq!(keys(&c, &tool(1, "TaskUpdate", &[])), Vec::<String>::new());
    assert_eq!(keys(&c, &tool(1, "Skill", &[])), ["saved_commands"]);
    assert_eq!(keys(&c, &tool(1, "Bash", &["git_commit"])), ["committing_work"]);
    assert_eq!(keys(&c, &tool(1, "Bash", &[])), Vec::<String>::new());
    assert_eq!(keys(&c, &tool(1, "ExitPlanMode", &[])), ["plan_mode"]);
    assert_eq!(keys(&c, &tool(1, "Edit", &[])), ["plan_mode.before"]);
    assert_eq!(keys(&c, &tool(1, "Write", &["project_context_file"])), ["plan_mode.before", "project_context"]);
}

#[test]
fn command_and_line_rules() {
    let c = Classifier::new(&Catalog::builtin());
    let mut e = ev(5);
    e.commands = vec!["clear".into()];
    assert_eq!(keys(&c, &e), ["context_management"]);
    e.commands = vec!["github-pr-review".into()];
    assert_eq!(keys(&c, &e), ["saved_commands"]);
    e.commands = vec!["exit".into(), "init".into()];
    assert_eq!(keys(&c, &e), ["project_context"]);
    let mut e = ev(6);
    e.permission_mode = "plan".into();
    assert_eq!(keys(&c, &e), ["plan_mode"]);
    let mut e = ev(7);
    e.line_type = "system".into();
    e.system_subtype = "compact_boundary".into();
    e.compact_trigger = "auto".into();
    assert_eq!(keys(&c, &e), Vec::<String>::new());
    e.compact_trigger = "manual".into();
    assert_eq!(keys(&c, &e), ["context_management"]);
}

#[test]
fn sidechain_lines_are_ignored() {
    let c = Classifier::new(&Catalog::builtin());
    let mut e = tool(1, "TodoWrite", &[]);
    e.is_sidechain = true;
    assert!(keys(&c, &e).is_empty());
}

#[test]
fn ordinals_order_lines_then_blocks_and_evidence_names_the_cause() {
    let c = Classifier::new(&Catalog::builtin());
    let mut e = tool(10, "Read", &[]);
    e.tool_calls.push(ToolCall { name: "Bash".into(), signals: vec!["git_commit".into()], ..Default::default() });
    let mut out = Vec::new();
    c.classify(&e, &mut out);
    assert_eq!(out.len(), 1);
    assert_eq!(out[0].ordinal, 10 * BLOCKS_PER_LINE + 2);
    assert_eq!(out[0].evidence, "tool_use Bash (git_commit)");
}

#[test]
fn judgements_become_marks_at_the_line_that_shows_them() {
    let c = Classifier::new(&Catalog::builtin());
    let mut e = ev(5000);
    e.line = 40;
    e.judgements.push(accrete_common::proto::Judgement {
        id: "whole_task_delegation".into(),
        category: "clear spec".into(),
        offset: 100,
        line: 3,
        timestamp_ms: 7,
    });
    e.judgements.push(accrete_common::proto::Judgement {
        id: "sprawl".into(),
        offset: 4000,
        line: 30,
        ..Default::default()
    });
    let mut out = Vec::new();
    c.classify(&e, &mut out);
    let keys: Vec<&str> = out.iter().map(|m| m.key.as_str()).collect();
    assert_eq!(keys, ["whole_task_delegation", "focused_session.unless"]);
    assert_eq!((out[0].line, out[0].ordinal, out[0].timestamp_ms), (3, 100 * BLOCKS_PER_LINE, 7));
    assert_eq!(out[0].evidence, "clear spec");
}

#[test]
fn other_agents_match_their_own_tools_and_carry_a_marker() {
    let c = Classifier::new(&Catalog::builtin());
    let of = |agent: &str, mut e: TranscriptEvent| {
        e.agent = agent.into();
        keys(&c, &e)
    };
    assert_eq!(of("codex", tool(1, "update_plan", &[])), ["task_tracking", "agent_codex"]);
    assert_eq!(of("codex", tool(1, "exec_command", &["git_commit"])), ["committing_work", "agent_codex"]);
    assert_eq!(of("codex", tool(1, "apply_patch", &[])), ["plan_mode.before", "agent_codex"]);
    assert_eq!(of("gemini", tool(1, "write_todos", &[])), ["task_tracking", "agent_gemini"]);
    assert_eq!(of("gemini", tool(1, "invoke_agent", &[])), ["subagent_delegation", "agent_gemini"]);
    // Saved commands have no counterpart in Codex: a Codex session never shows them.
    let mut cmd = ev(1);
    cmd.commands.push("prompts:review".into());
    assert_eq!(of("codex", cmd.clone()), ["agent_codex"]);
    assert_eq!(of("gemini", cmd.clone()), ["saved_commands", "agent_gemini"]);
    // Events of older collectors name no agent: Claude Code, no marker.
    assert_eq!(of("", cmd.clone()), ["saved_commands"]);
    assert_eq!(of("claude_code", cmd), ["saved_commands"]);
}
