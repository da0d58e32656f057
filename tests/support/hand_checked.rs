//! Sessions whose practices were checked by hand, by reading the transcripts
//! with grep and a small line dumper (not by running the oracle). Line numbers
//! are 1-based lines of `<person>/.claude/projects/<dir>/<session id>.jsonl`
//! in the unpacked corpus (claude-code-sessions.tar.gz + spotter-sessions.tar.gz).
//! None of these files has an `isSidechain: true` line. Practices are listed in
//! `PRACTICES` order. "No X" below means grep found no such signal in the file.
#![allow(dead_code)]

pub const HAND_CHECKED: &[(&str, &str, &[&str])] = &[
    // PLAN MODE BEFORE THE FIRST EDIT.
    // dev2/-Users-dev2-workspace-cli--worktrees-3/b6b20c21-...jsonl (770 lines, v2.1.36)
    // L5 and L497: user string content `<command-name>/github-pr-review</command-name>`
    //   (custom command) -> saved_commands.
    // L72: assistant tool_use EnterPlanMode {} ; first file edit is L191 Write
    //   /Users/dev2/.claude/plans/nifty-sniffing-pelican.md -> plan_mode.
    //   (ExitPlanMode at L195, L206; EnterPlanMode again at L717.)
    // L75, L84, L127, L249: tool_use Task -> subagent_delegation.
    // L208..L216: tool_use TaskCreate (5x) -> task_tracking.
    // L415: Bash "git add ... && git commit -m ..." (also L529) -> committing_work.
    // L541: compact_boundary with trigger "auto" (does not count); no /clear, /compact,
    //   /init, /memory; no Edit/Write on CLAUDE.md or AGENTS.md.
    (
        "dev2",
        "b6b20c21-d3cb-42a4-9a55-bb2dbb2212e4",
        &["plan_mode", "subagent_delegation", "saved_commands", "task_tracking", "committing_work"],
    ),
    // PLAN MODE BEFORE THE FIRST EDIT; custom commands only inside tool results.
    // spotter/-Users-USER-spotter/8463c716-...jsonl (1593 lines, v2.1.39, has subagents/ dir)
    // L115: tool_use EnterPlanMode {} ; first edit is L120 Write
    //   /home/USER/.claude/plans/drifting-tumbling-whisper.md ; L132 ExitPlanMode -> plan_mode.
    // L319: tool_use Skill {"skill":"handgemacht:commit"} -> saved_commands.
    // L330: Bash "git add ... && git commit -m ..." (also 561, 606, 847, 1523) -> committing_work.
    // L947: tool_use Task -> subagent_delegation.
    // L66, L74, L78, L1124: user lines whose only blocks are tool_result (Read of other
    //   transcript files) containing `<command-name>/mcp|/handgemacht:create-beads|/model`;
    //   they are not typed commands and must not count (no text blocks).
    // L714: compact_boundary trigger "auto". No TodoWrite/TaskCreate. No CLAUDE.md edit.
    (
        "spotter",
        "8463c716-a2ea-4c14-9efa-87158ebd9f20",
        &["plan_mode", "subagent_delegation", "saved_commands", "committing_work"],
    ),
    // PLAN MODE ONLY AFTER THE FIRST EDIT: must NOT count as plan_mode.
    // dev5/-Users-dev5-Repositories-cli/ece0c335-...jsonl (339 lines, v2.1.39)
    // L8: tool_use Task (subagent_type Explore) -> subagent_delegation.
    // L79: first edit, Edit .../cmd/entire/cli/wingman.go.
    // L178: Bash "git commit -m ..." -> committing_work.
    // L189: EnterPlanMode (after L79) ; L303, L337 ExitPlanMode -> no plan_mode.
    // No permissionMode "plan" (only bypassPermissions x3). No commands, Skill,
    // TodoWrite/TaskCreate, compact_boundary, CLAUDE.md edit.
    ("dev5", "ece0c335-b191-4284-8ae5-19a49fa8c576", &["subagent_delegation", "committing_work"]),
    // PLAN MODE WHOSE ONLY SIGNAL COMES AFTER THE PLAN FILE WAS WRITTEN: literal rule says no.
    // dev3/-Users-dev3-wks-cli/b4dcf65c-...jsonl (131 lines, v2.1.12; no permissionMode field at all)
    // L6: tool_use Task -> subagent_delegation.
    // L39: Write /Users/dev3/.claude/plans/soft-purring-owl.md (first file edit: the plan file).
    // L42: ExitPlanMode (after the edit at L39) -> no plan_mode under the rule as written.
    // L55, 67, 78, 92, 104, 112, 126: TodoWrite -> task_tracking.
    // No commands, Skill, Bash git commit, compact_boundary, CLAUDE.md edit.
    ("dev3", "b4dcf65c-8a8f-4be8-80c2-fcebbda55946", &["subagent_delegation", "task_tracking"]),
    // PLAN MODE (permissionMode "plan") AFTER EDITS; commit in a scratch repo.
    // dev3/-Users-dev3-wks-test-cli-cli/0a93878f-...jsonl (439 lines)
    // L9: first edit, Write .../cmd/entire/cli/reset.go.
    // L209: Bash "cd /tmp && rm -rf test-reset && mkdir test-reset && ... git init ...
    //   git add . && git commit -m \"initial\" ..." (a throw-away test repo, but it
    //   matches the regex) -> committing_work.
    // L320: user line with permissionMode "plan" (after L9) ; L411 ExitPlanMode -> no plan_mode.
    // L326: tool_use Task (Explore) -> subagent_delegation.
    // No commands, Skill, TodoWrite/TaskCreate, compact_boundary, CLAUDE.md edit.
    ("dev3", "0a93878f-dc30-4a5d-882f-3cd81cd3d499", &["subagent_delegation", "committing_work"]),
    // THE SESSION WITH THE CONCATENATED LINE; no practices.
    // dev1/-Users-dev1-Work-entire-devenv-cli/4fec7ea0-...jsonl (280 lines)
    // L196: `{"type":"progress",...}{"type":"summary","summary":"Add debug logging to
    //   attribution error paths",...}` (two objects on one line; neither is a signal).
    // Tools used: Bash 25, Edit 16, Grep 6, Read 15 (first Edit L21). No Bash command runs
    //   git commit (L143/L250 are `cat >> ..._test.go << 'EOF'` heredocs). No commands,
    //   no permissionMode, no compact_boundary, no CLAUDE.md edit.
    ("dev1", "4fec7ea0-3335-43ec-a178-d4ab47d5aef3", &[]),
    // NO PRACTICES; only a built-in command.
    // spotter/-Users-USER-spotter/tool_heavy.jsonl (39 lines)
    // L21: user `<command-name>/mcp</command-name>` (built in); L23: system local_command
    //   line repeating /mcp. Tools: Bash 2, Glob, Read, WebFetch, WebSearch (no git commit).
    ("spotter", "tool_heavy", &[]),
    // CUSTOM (PLUGIN) COMMAND; plan mode exit after a plan.md write.
    // spotter/-Users-USER-spotter/subagent.jsonl (96 lines, v2.1.38)
    // L4: user `<command-name>/handgemacht:create-beads</command-name>` -> saved_commands.
    // L36: tool_use Task (subagent_type Plan) -> subagent_delegation.
    // L58: Write /home/marco/projects/spotter/plan.md (first edit); L67 ExitPlanMode after
    //   it -> no plan_mode. Only permissionMode seen: "default". No git commit, no todos.
    ("spotter", "subagent", &["subagent_delegation", "saved_commands"]),
    // CUSTOM COMMAND WITHOUT ANY Skill CALL; auto compaction does not count.
    // dev2/-Users-dev2-workspace-cli--worktrees-3/1a289c77-...jsonl (496 lines)
    // L69..L79: TaskCreate (6x) -> task_tracking.
    // L175: compact_boundary trigger "auto" (does not count).
    // L320: user `<command-name>/requesting-code-review</command-name>` -> saved_commands.
    // L331 (and L492): tool_use Task (superpowers:code-reviewer) -> subagent_delegation.
    // L440: Bash "git commit -m ..." -> committing_work.
    // No plan signals, no CLAUDE.md edit.
    (
        "dev2",
        "1a289c77-a9da-491d-954a-2df7f0dd6a17",
        &["subagent_delegation", "saved_commands", "task_tracking", "committing_work"],
    ),
    // /clear.
    // dev4/-Users-dev4-src-entireio-cli/28596a79-...jsonl (40 lines)
    // L5: user `<command-name>/clear</command-name>` -> context_management.
    // Tools: Edit 2 (L26 scripts/install.sh, L38), Read 4. Nothing else.
    ("dev4", "28596a79-6247-4bc2-a031-f5848b31e039", &["context_management"]),
    // /compact (manual compaction), Skill, spotter session with subagent files.
    // spotter/-Users-USER-spotter/ae4a77f8-...jsonl (2385 lines; subagents/agent-aac57f5.jsonl
    //   and agent-acompact-946d2b.jsonl, all lines isSidechain true)
    // L71: tool_use Task -> subagent_delegation.
    // L73: tool_use Skill {"skill":"elixir:hex-docs-search"} -> saved_commands.
    // L656: Bash "git add -A && git commit -m ..." (and many more) -> committing_work.
    // L1481: system compact_boundary, compactMetadata.trigger "manual" -> context_management;
    //   L1482: isCompactSummary user line; L1484: user `<command-name>/compact</command-name>`.
    // No plan signals, no TodoWrite/TaskCreate, no CLAUDE.md edit.
    (
        "spotter",
        "ae4a77f8-aedd-4bc1-888f-c94edc91af04",
        &["subagent_delegation", "saved_commands", "context_management", "committing_work"],
    ),
    // TodoWrite + editing CLAUDE.md.
    // dev1/-Users-dev1-Work-entire-devenv-cli/c26d2153-...jsonl (142 lines)
    // L84: TodoWrite -> task_tracking (also 103, 124, 137).
    // L89: Edit /Users/dev1/Work/entire/devenv/cli/CLAUDE.md -> project_context
    //   (also 104, 113, 120; L8 and L83 are Read of CLAUDE.md, which do not count).
    // Tools: Edit 5, Glob, Grep 12, Read 18, TodoWrite 4. No Bash, commands, plan signals.
    ("dev1", "c26d2153-23c8-42ed-ab6c-808579b64e5b", &["project_context", "task_tracking"]),
    // git -C <dir> commit.
    // dev5/-Users-dev5-Repositories-cli/7f2fbf27-...jsonl (297 lines)
    // L287: Bash "git -C /Users/dev5/Repositories/cli add ... && git -C
    //   /Users/dev5/Repositories/cli commit -m ..." -> committing_work.
    // Tools: Bash 12, Edit 2, Grep 2, Read 4. No commands, plan signals, compact_boundary.
    ("dev5", "7f2fbf27-0a44-42e3-94a1-4bfb5b48f071", &["committing_work"]),
    // Spotter session with two subagent files.
    // spotter/-Users-USER-spotter/fa812bfe-...jsonl (1881 lines; subagents/agent-a93ccab,
    //   agent-aa84377, agent-acompact-70d8e7)
    // L44 (and L691): tool_use Task -> subagent_delegation.
    // L624: Bash "git commit -m ..." -> committing_work.
    // L1584: compact_boundary trigger "auto" (does not count).
    // Tools otherwise: Bash, Edit, Glob, Grep, Read, TaskOutput, Write. No commands, Skill,
    //   TodoWrite/TaskCreate, plan signals, CLAUDE.md edit.
    ("spotter", "fa812bfe-b295-4cca-9c2f-fdf01028cb46", &["subagent_delegation", "committing_work"]),
];
