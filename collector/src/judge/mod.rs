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

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use accrete_common::TranscriptEvent;
use accrete_common::lexicon::{JudgeRules, words};
use accrete_common::proto::Judgement;

pub use text::{Prompt, typed_prompt};

/// The catalog signal that marks a `git commit` call.
pub const COMMIT_SIGNAL: &str = "git_commit";
const EDIT_TOOLS: &[&str] = &["Edit", "Write", "MultiEdit", "NotebookEdit"];
/// Tools whose rejection with feedback revises what the agent proposed
/// (the plan, or the change it was about to write).
const PROPOSING_TOOLS: &[&str] = &["ExitPlanMode", "Edit", "Write", "MultiEdit", "NotebookEdit"];

/// Words from which a reply to a proposal that is not a go-ahead adds to it.
const REQUIREMENT_MIN_WORDS: usize = 12;

/// What the judge reads of one event (gathered while the line is parsed).
#[derive(Debug, Default)]
pub struct Facts {
    /// A user line's text, when it holds no tool results (not meta, not a summary).
    pub user_text: Option<String>,
    pub results: Vec<ResultFact>,
    pub calls: Vec<CallFact>,
    /// Ids of the calls that run `git commit`.
    pub commit_calls: Vec<String>,
    /// The agent's text proposes a plan or approach.
    pub proposes: bool,
    /// A message the person queued while the agent worked.
    pub queued: bool,
    /// Stems of the agent's words and of the paths and commands it used:
    /// a goal the agent already talked about is not a new one.
    pub vocab: Vec<u64>,
}

#[derive(Debug)]
pub struct ResultFact {
    pub tool_use_id: String,
    pub is_error: bool,
    /// The result's text, only when the judge asked for it or it is a rejection.
    pub text: Option<String>,
}

#[derive(Debug)]
pub struct CallFact {
    pub id: String,
    pub name: String,
}

/// Whether a tool result's raw JSON is Claude Code's rejection message.
pub fn is_rejection(raw: &str) -> bool {
    let mut end = raw.len().min(400);
    while !raw.is_char_boundary(end) {
        end -= 1;
    }
    let head = &raw[..end];
    head.contains("doesn't want to proceed") || head.contains("rejected")
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
    reached: HashSet<&'static str>,
    /// A main-thread file edit has happened.
    edited: bool,
    /// The agent proposed a plan or approach and no code was written since.
    proposal_open: bool,
    /// An edit happened since the person last typed.
    turn_edited: bool,
    delegation: Option<Delegation>,
    /// Calls whose results the judge reads: `true` for `git commit`.
    pending: HashMap<String, bool>,
    proposing_calls: HashSet<String>,
    /// Edit calls whose result has not come back yet.
    edit_calls: HashSet<String>,
    commits: u32,
    prompts: u32,
    goals: usize,
    seen_words: HashSet<u64>,
}

impl Judge {
    pub fn new(rules: Arc<JudgeRules>) -> Judge {
        Judge {
            rules,
            reached: HashSet::new(),
            edited: false,
            proposal_open: false,
            turn_edited: false,
            delegation: None,
            pending: HashMap::new(),
            proposing_calls: HashSet::new(),
            edit_calls: HashSet::new(),
            commits: 0,
            prompts: 0,
            goals: 0,
            seen_words: HashSet::new(),
        }
    }

    /// Whether the parser should decode this tool result for the judge.
    pub fn wants_result(&self, tool_use_id: &str) -> bool {
        self.pending.contains_key(tool_use_id)
    }

    /// Whether the agent's text is worth reading for a proposal now: the
    /// person has typed and no code was written since.
    pub fn wants_proposal(&self) -> bool {
        !self.turn_edited && !self.proposal_open && !self.seen_words.is_empty()
    }

    /// Adds the stems of the agent's text or a tool input to `out`.
    pub fn vocab(&self, text: &str, out: &mut Vec<u64>) {
        text::stems(text, out);
    }

    pub fn proposes(&self, text: &str) -> bool {
        let c = self.rules.compiled();
        c.proposal.any_in(&words(text))
    }

    fn reach(&mut self, ev: &mut TranscriptEvent, id: &'static str, category: &str, at: Place) {
        if self.reached.insert(id) {
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
            if EDIT_TOOLS.contains(&call.name.as_str()) {
                // Before the first edit call, for plan_first_prompt; the code
                // counts as written only once the edit's result comes back.
                self.edited = true;
            }
            if call.name == "ExitPlanMode" {
                self.proposal_open = true;
            }
            if EDIT_TOOLS.contains(&call.name.as_str()) {
                self.edit_calls.insert(call.id.clone());
            }
            if PROPOSING_TOOLS.contains(&call.name.as_str()) {
                self.proposing_calls.insert(call.id.clone());
                self.pending.insert(call.id.clone(), false);
            }
        }
        for id in &f.commit_calls {
            self.pending.insert(id.clone(), true);
        }
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
        let commit = self.pending.remove(&r.tool_use_id);
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
            if self.proposing_calls.contains(&r.tool_use_id) {
                let p = Prompt { words: words(feedback), text: feedback.to_string(), ..Prompt::default() };
                let c = self.rules.compiled();
                if !text::is_acceptance(c, &p) {
                    self.reach(ev, "plan_revised", "rejected the proposal with feedback", here);
                }
            }
            self.remember(&Prompt { words: words(feedback), text: feedback.to_string(), ..Prompt::default() });
            return;
        }
        if commit != Some(true) || r.is_error {
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
        self.delegation =
            text::self_contained(&rules, p, first).map(|category| Delegation { at: here, category, calls: 0 });
        if let Some(category) = text::failure_evidence(&rules, p) {
            self.reach(ev, "failing_test_handover", category, here);
        }
        if !self.edited
            && !p.handoff
            && let Some(category) = text::analysis_only(c, p)
        {
            self.reach(ev, "plan_first_prompt", category, here);
        }
        // Pushback, a correction or an added requirement ("I like option 1,
        // but only with --local-dev ..."): not a bare go-ahead.
        let revises = c.pushback.any_in(&p.words) || p.words.len() >= REQUIREMENT_MIN_WORDS;
        if self.proposal_open && !p.handoff && !text::is_acceptance(c, p) && revises {
            self.reach(ev, "plan_revised", "revised the proposed approach", here);
        }
        self.proposal_open = false;
        self.turn_edited = false;
        self.goal(p, ev, here);
        self.reach(ev, "focused_session", "stayed on its goals", here);
    }

    /// Counts goals: a self-contained task prompt (or one that says it
    /// changes topic) whose content words the session has barely seen
    /// starts a new one; enough unrelated goals are sprawl.
    fn goal(&mut self, p: &Prompt, ev: &mut TranscriptEvent, here: Place) {
        let rules = Arc::clone(&self.rules);
        let c = rules.compiled();
        let cw = text::content_words(c, p);
        if self.goals == 0 {
            if !cw.is_empty() {
                self.goals = 1;
            }
        } else if cw.len() >= rules.goal_min_words
            && (text::self_contained(&rules, p, false).is_some() || c.topic_switch.any_in(&p.words))
        {
            let known = cw.iter().filter(|w| self.seen_words.contains(*w)).count();
            if known as f64 / cw.len() as f64 <= rules.goal_overlap_max {
                self.goals += 1;
                if self.goals >= rules.sprawl_min_goals {
                    let category = format!("{} unrelated goals", self.goals);
                    self.reach(ev, "sprawl", &category, here);
                }
            }
        }
        self.seen_words.extend(cw);
    }

    /// Adds words the person wrote outside a prompt (rejection feedback) to
    /// what the session has seen.
    fn remember(&mut self, p: &Prompt) {
        let cw = text::content_words(self.rules.compiled(), p);
        self.seen_words.extend(cw);
    }
}

#[cfg(test)]
mod tests;
