//! The judge: reads one session file's main thread in order, on the
//! developer's machine, and reaches the judgement practices of catalog v2
//! (how the person steers the agent). What leaves the machine is a
//! [`Judgement`] on an event: its id, a short category and the line that
//! shows it, never the words.
//!
//! A judge is a pure function of the file's prefix: the collector keeps one
//! per session file, and after a restart rebuilds it by reading the file
//! again up to its checkpoint (see `tail.rs`). Each judgement is reached at
//! most once per file; the aggregator keeps the first mark per session.

mod text;

use std::collections::HashSet;
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::Arc;

use accrete_common::TranscriptEvent;
use accrete_common::lexicon::JudgeRules;
use accrete_common::proto::Judgement;
use smallvec::SmallVec;

pub use text::{Prompt, head, typed_prompt};

/// The catalog signal that marks a `git commit` call.
pub const COMMIT_SIGNAL: &str = "git_commit";
/// The opening of the agent's answer that is read for the goal vocabulary
/// (it says what the answer is about).
const VOCAB_BYTES: usize = 400;
/// Tools that change files: Claude Code's, Codex CLI's `apply_patch`,
/// Gemini CLI's `write_file` and `replace`.
const EDIT_TOOLS: &[&str] = &["Edit", "Write", "MultiEdit", "NotebookEdit", "apply_patch", "write_file", "replace"];

/// What the judge reads of one event (gathered while the line is parsed).
#[derive(Debug, Default)]
pub struct Facts {
    /// A user line's text, when it holds no tool results (not meta, not a summary).
    pub user_text: Option<String>,
    pub results: SmallVec<[ResultFact; 2]>,
    pub calls: SmallVec<[CallFact; 4]>,
    /// Ids of the calls that run `git commit`.
    pub commit_calls: SmallVec<[CallId; 1]>,
    /// The agent's text proposes a plan or approach.
    pub proposes: bool,
    /// A message the person queued while the agent worked.
    pub queued: bool,
    /// Stems of the agent's words: a goal the agent already talked about is
    /// not a new one. (The paths and commands of its tool calls were read
    /// too at first: they changed no judgement on the labeled set and cost
    /// a tenth of a catch-up.)
    pub vocab: Vec<u64>,
}

/// A tool call's id, hashed: the judge matches results to calls without
/// keeping a string per call.
pub type CallId = u64;

pub fn call_id(id: &str) -> CallId {
    accrete_common::fnv1a(id.as_bytes())
}

#[derive(Debug)]
pub struct ResultFact {
    pub tool_use_id: CallId,
    pub is_error: bool,
    /// The result's text, only when the judge asked for it or it is a rejection.
    pub text: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CallKind {
    /// `Edit`, `Write`, `MultiEdit`, `NotebookEdit`.
    Edit,
    ExitPlanMode,
    Other,
}

#[derive(Debug)]
pub struct CallFact {
    pub id: CallId,
    pub kind: CallKind,
}

impl CallFact {
    pub fn new(id: &str, name: &str) -> CallFact {
        let kind = match name {
            _ if EDIT_TOOLS.contains(&name) => CallKind::Edit,
            "ExitPlanMode" => CallKind::ExitPlanMode,
            _ => CallKind::Other,
        };
        CallFact { id: call_id(id), kind }
    }
}

/// Sets of values that are hashes already (stems, call ids): no second hash.
#[derive(Default)]
pub struct Prehashed(u64);

impl Hasher for Prehashed {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        self.0 = accrete_common::fnv1a(bytes);
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}

type HashedSet = HashSet<u64, BuildHasherDefault<Prehashed>>;

/// A judgement's bit in [`Judge::reached`].
fn judgement_bit(id: &str) -> u32 {
    let i = accrete_common::lexicon::JUDGEMENTS.iter().position(|j| *j == id).expect("a known judgement id");
    1 << i
}

/// Whether a tool result's raw JSON is Claude Code's rejection message.
pub fn is_rejection(raw: &str) -> bool {
    let start = head(raw, 400);
    start.contains("doesn't want to proceed") || start.contains("rejected")
}

/// The person's words in a rejection ("... the user said:\n<words>").
fn rejection_feedback(text: &str) -> Option<&str> {
    const SAID: &str = "the user said:";
    let i = text.find(SAID)?;
    let t = text[i + SAID.len()..].trim();
    (!t.is_empty()).then_some(t)
}

#[cfg(test)]
#[test]
fn rejection_check_cuts_at_a_char_boundary() {
    let raw = format!("\"{}─ rejected\"", "x".repeat(398));
    assert!(!is_rejection(&raw));
    assert!(is_rejection("\"The user doesn't want to proceed with this tool use.\""));
}

/// A self-contained prompt whose tool calls are being counted.
#[derive(Debug, Clone)]
struct Delegation {
    at: Place,
    category: &'static str,
    calls: u32,
}

#[derive(Debug, Clone, Copy)]
struct Place {
    offset: u64,
    line: u64,
    timestamp_ms: i64,
}

impl Place {
    fn of(ev: &TranscriptEvent) -> Place {
        Place { offset: ev.offset, line: ev.line, timestamp_ms: ev.timestamp_ms }
    }
}

/// One session file's judge.
pub struct Judge {
    rules: Arc<JudgeRules>,
    /// The judgements reached, one bit each (their index in
    /// [`accrete_common::lexicon::JUDGEMENTS`]): checked on every prompt,
    /// where a hashed set of names was a measurable cost.
    reached: u32,
    /// A main-thread file edit has happened.
    edited: bool,
    /// The agent proposed a plan or approach and no code was written since.
    proposal_open: bool,
    /// An edit happened since the person last typed.
    turn_edited: bool,
    delegation: Option<Delegation>,
    /// `git commit` calls whose output the judge reads.
    commit_calls: HashedSet,
    /// Plan and edit calls: rejected with feedback, they revise a proposal.
    proposing_calls: HashedSet,
    /// Edit calls whose result has not come back yet.
    edit_calls: HashedSet,
    commits: u32,
    prompts: u32,
    goals: usize,
    seen_words: HashedSet,
}

impl Judge {
    pub fn new(rules: Arc<JudgeRules>) -> Judge {
        Judge {
            rules,
            reached: 0,
            edited: false,
            proposal_open: false,
            turn_edited: false,
            delegation: None,
            commit_calls: HashedSet::default(),
            proposing_calls: HashedSet::default(),
            edit_calls: HashedSet::default(),
            commits: 0,
            prompts: 0,
            goals: 0,
            seen_words: HashedSet::default(),
        }
    }

    /// Whether the parser should decode this tool result for the judge.
    pub fn wants_result(&self, tool_use_id: CallId) -> bool {
        self.commit_calls.contains(&tool_use_id)
    }

    /// Whether the agent's text is worth reading for a proposal now: the
    /// person has typed and no code was written since.
    pub fn wants_proposal(&self) -> bool {
        !self.turn_edited && !self.proposal_open && self.prompts > 0
    }

    /// Adds the stems of the agent's text to `out`. (Only its first answer
    /// after each prompt was tried, to save time: two focused sessions of
    /// the development set were then called sprawling.)
    pub fn vocab(&self, text: &str, out: &mut Vec<u64>) {
        text::stems(head(text, VOCAB_BYTES), out);
    }

    pub fn proposes(&self, text: &str) -> bool {
        self.rules.compiled().proposal.in_text(text)
    }

    fn has(&self, id: &str) -> bool {
        self.reached & judgement_bit(id) != 0
    }

    fn reach(&mut self, ev: &mut TranscriptEvent, id: &'static str, category: &str, at: Place) {
        let bit = judgement_bit(id);
        if self.reached & bit == 0 {
            self.reached |= bit;
            ev.judgements.push(Judgement {
                id: id.into(),
                category: category.into(),
                offset: at.offset,
                line: at.line,
                timestamp_ms: at.timestamp_ms,
            });
        }
    }

    /// Reads one event's facts, in file order, adding what it reaches to `ev`.
    pub fn observe(&mut self, f: &Facts, ev: &mut TranscriptEvent) {
        if ev.is_sidechain || !ev.agent_id.is_empty() {
            return;
        }
        let here = Place::of(ev);
        if f.queued {
            self.delegation = None;
        }
        for call in &f.calls {
            self.count_call(ev);
            match call.kind {
                CallKind::Edit => {
                    // Before the first edit call, for plan_first_prompt; the
                    // code counts as written once the edit's result comes back.
                    self.edited = true;
                    self.edit_calls.insert(call.id);
                    self.proposing_calls.insert(call.id);
                }
                CallKind::ExitPlanMode => {
                    self.proposal_open = true;
                    self.proposing_calls.insert(call.id);
                }
                CallKind::Other => {}
            }
        }
        self.commit_calls.extend(&f.commit_calls);
        if f.proposes && !self.turn_edited {
            self.proposal_open = true;
        }
        self.seen_words.extend(&f.vocab);
        for r in &f.results {
            self.result(r, ev, here);
        }
        if let Some(text) = &f.user_text
            && let Some(p) = typed_prompt(text)
        {
            self.prompt(&p, ev, here);
        }
    }

    fn count_call(&mut self, ev: &mut TranscriptEvent) {
        let min = self.rules.delegation_min_tool_calls;
        let Some(d) = self.delegation.as_mut() else { return };
        d.calls += 1;
        if d.calls == min {
            let (at, category) = (d.at, d.category);
            self.reach(ev, "whole_task_delegation", category, at);
        }
    }

    fn result(&mut self, r: &ResultFact, ev: &mut TranscriptEvent, here: Place) {
        let commit = self.commit_calls.remove(&r.tool_use_id);
        let text = r.text.as_deref().unwrap_or("");
        if self.edit_calls.remove(&r.tool_use_id) {
            if r.is_error {
                // A rejected change was never written: what the agent was
                // about to do is still open to the person's correction.
                self.proposal_open |= is_rejection(text) || text.is_empty();
            } else {
                self.turn_edited = true;
                self.proposal_open = false;
            }
        }
        if r.is_error
            && let Some(feedback) = rejection_feedback(text)
        {
            // The person's words in a rejection end the agent's run on its own.
            self.delegation = None;
            let p = Prompt::new(feedback, None, false);
            if self.proposing_calls.contains(&r.tool_use_id) && !text::is_acceptance(self.rules.compiled(), &p) {
                self.reach(ev, "plan_revised", "rejected the proposal with feedback", here);
            }
            let cw = text::content_words(self.rules.compiled(), &p);
            self.seen_words.extend(cw);
            return;
        }
        if !commit || r.is_error {
            return;
        }
        let c = self.rules.compiled();
        if !c.commit_done.is_match(text) {
            return;
        }
        self.commits += 1;
        let lines = c.commit_size.captures(text).map(|m| {
            let n = |i| m.get(i).and_then(|x| x.as_str().parse::<u64>().ok()).unwrap_or(0);
            n(2) + n(3)
        });
        if self.commits >= 2 {
            self.reach(ev, "small_commits", "committed more than once", here);
        } else if let Some(n) = lines.filter(|&n| n <= self.rules.small_commit_max_lines) {
            let category = format!("a commit of {n} changed lines");
            self.reach(ev, "small_commits", &category, here);
        }
    }

    fn prompt(&mut self, p: &Prompt, ev: &mut TranscriptEvent, here: Place) {
        let rules = Arc::clone(&self.rules);
        let c = rules.compiled();
        let first = self.prompts == 0;
        self.prompts += 1;
        // What is reached once needs no more reading: a long session's later
        // prompts skip the dearer rules.
        let delegating = !self.has("whole_task_delegation");
        let failure =
            if delegating || !self.has("failing_test_handover") { text::failure_evidence(&rules, p) } else { None };
        let contained = if delegating { text::self_contained(&rules, p, first, failure.is_some()) } else { None };
        self.delegation = contained.map(|category| Delegation { at: here, category, calls: 0 });
        if let Some(category) = failure {
            self.reach(ev, "failing_test_handover", category, here);
        }
        if !self.edited
            && !p.handoff
            && !self.has("plan_first_prompt")
            && let Some(category) = text::analysis_only(c, p)
        {
            self.reach(ev, "plan_first_prompt", category, here);
        }
        // Pushback, a correction or an added requirement ("I like option 1,
        // but only with --local-dev ..."), not a bare go-ahead.
        if self.proposal_open && !p.handoff && !text::is_acceptance(c, p) && c.pushback.any_in(&p.words) {
            self.reach(ev, "plan_revised", "revised the proposed approach", here);
        }
        self.proposal_open = false;
        self.turn_edited = false;
        let is_task = || match delegating {
            true => contained.is_some(),
            false => text::self_contained(&rules, p, false, text::failure_evidence(&rules, p).is_some()).is_some(),
        };
        self.goal(p, is_task, ev, here);
        self.reach(ev, "focused_session", "stayed on its goals", here);
    }

    /// Counts goals: a self-contained task prompt (or one that says it
    /// changes topic) whose content words the session has barely seen
    /// starts a new one; enough unrelated goals are sprawl.
    fn goal(&mut self, p: &Prompt, is_task: impl FnOnce() -> bool, ev: &mut TranscriptEvent, here: Place) {
        let rules = Arc::clone(&self.rules);
        let c = rules.compiled();
        let cw = text::content_words(c, p);
        if self.goals == 0 {
            if !cw.is_empty() {
                self.goals = 1;
            }
        } else if cw.len() >= rules.goal_min_words {
            let known = cw.iter().filter(|w| self.seen_words.contains(*w)).count();
            if known as f64 / cw.len() as f64 <= rules.goal_overlap_max
                && (c.topic_switch.any_in(&p.words) || is_task())
            {
                self.goals += 1;
                if self.goals >= rules.sprawl_min_goals {
                    let category = format!("{} unrelated goals", self.goals);
                    self.reach(ev, "sprawl", &category, here);
                }
            }
        }
        self.seen_words.extend(cw);
    }
}

#[cfg(test)]
mod tests;
