//! The classifier: applies the practice catalog's rules to normalized events.
//!
//! It is stateless per event: each event yields marks (`practice id`, or
//! `<practice>.before` for the event that closes a practice's window) with an
//! ordinal, and the aggregator keeps the first (smallest) ordinal per session
//! and key. Minimums are commutative and idempotent, so workers can share a
//! stream in any split, and a redelivered event changes nothing.

use accrete_common::catalog::{BEFORE_SUFFIX, Catalog, Matcher, UNLESS_SUFFIX};
use accrete_common::config::Agent;
use accrete_common::metrics::counter;
use accrete_common::pipeline::{Classified, Envelope, PipelineError, Publisher, Subscriber};
use accrete_common::proto::ToolCall;
use accrete_common::telemetry;
use accrete_common::{EventBatch, Mark, TranscriptEvent};

/// Tool calls within a line are ordered after the line itself (index 0).
const BLOCKS_PER_LINE: u64 = 1024;

struct Rule {
    key: String,
    matchers: Vec<Matcher>,
    include_sidechain: bool,
    /// Every matcher tests judgements: events without any are skipped.
    judgements_only: bool,
    /// The practice applies to Claude Code sessions (events with no agent)...
    claude: bool,
    /// ...and to these other agents' sessions.
    others: Vec<String>,
}

impl Rule {
    fn new(key: String, matchers: Vec<Matcher>, include_sidechain: bool, agents: &[String]) -> Rule {
        let judgements_only = matchers.iter().all(|m| m.judgement.is_some());
        let claude = agents.iter().any(|a| a == Agent::ClaudeCode.as_str());
        let others = agents.iter().filter(|a| *a != Agent::ClaudeCode.as_str()).cloned().collect();
        Rule { key, matchers, include_sidechain, judgements_only, claude, others }
    }

    /// Whether the practice applies to the event's agent: a session of an
    /// agent a practice is "n/a" for never shows it.
    fn applies(&self, ev: &TranscriptEvent) -> bool {
        if ev.agent.is_empty() || ev.agent == Agent::ClaudeCode.as_str() {
            self.claude
        } else {
            self.others.contains(&ev.agent)
        }
    }
}

/// The catalog, compiled for matching.
pub struct Classifier {
    rules: Vec<Rule>,
}

impl Classifier {
    pub fn new(catalog: &Catalog) -> Classifier {
        let mut rules = Vec::new();
        for p in &catalog.practices {
            rules.push(Rule::new(p.id.clone(), p.matchers.clone(), p.include_sidechain, &p.agents));
            for (suffix, m) in [(BEFORE_SUFFIX, &p.before), (UNLESS_SUFFIX, &p.unless)] {
                if let Some(m) = m {
                    rules.push(Rule::new(format!("{}{suffix}", p.id), vec![m.clone()], p.include_sidechain, &p.agents));
                }
            }
        }
        Classifier { rules }
    }

    /// Appends the marks one event produces (at most one per rule).
    pub fn classify(&self, ev: &TranscriptEvent, out: &mut Vec<Mark>) {
        for rule in &self.rules {
            if (ev.is_sidechain && !rule.include_sidechain)
                || (rule.judgements_only && ev.judgements.is_empty())
                || !rule.applies(ev)
            {
                continue;
            }
            let first = rule.matchers.iter().filter_map(|m| match_event(m, ev)).min_by_key(|h| h.ordinal);
            if let Some(hit) = first {
                out.push(Mark {
                    person: ev.person.clone(),
                    team: ev.team.clone(),
                    session_id: ev.session_id.clone(),
                    agent_id: ev.agent_id.clone(),
                    key: rule.key.clone(),
                    ordinal: hit.ordinal,
                    timestamp_ms: hit.timestamp_ms,
                    evidence: hit.evidence,
                    line: hit.line,
                });
            }
        }
    }

    pub fn classify_batch(&self, events: &[TranscriptEvent]) -> Vec<Mark> {
        let mut out = Vec::new();
        for ev in events {
            self.classify(ev, &mut out);
        }
        out
    }

    /// The classifier stage: events in, events and their marks out.
    ///
    /// ```ignore
    /// while let Some(env) = input.next().await? {
    ///     let marks = classifier.classify_batch(&env.body.events);
    ///     output.publish(Envelope { body: Classified { events, marks }, checkpoint, traces }).await?;
    ///     input.commit(&checkpoint).await?;
    /// }
    /// ```
    ///
    /// Each upstream trace in a batch gets a `classifier.classify` span, and
    /// the marks go on with that span's context.
    pub async fn run<S, P>(&self, mut input: S, output: P) -> Result<(), PipelineError>
    where
        S: Subscriber<EventBatch>,
        P: Publisher<Classified>,
    {
        let events_in = counter("accrete_classifier_events_total", "Events classified.", &[]);
        while let Some(env) = input.next().await? {
            let n = env.body.events.len();
            let (spans, traces) =
                telemetry::stage_spans(|| tracing::info_span!("classifier.classify", events = n), &env.traces);
            let marks = self.classify_batch(&env.body.events);
            events_in.add(n as u64);
            let checkpoint = env.checkpoint;
            output
                .publish(Envelope {
                    body: Classified { events: env.body.events, marks },
                    checkpoint: checkpoint.clone(),
                    traces,
                })
                .await?;
            input.commit(&checkpoint).await?;
            drop(spans);
        }
        Ok(())
    }
}

/// Where a matcher matched an event, and what showed it.
struct Hit {
    ordinal: u64,
    line: u64,
    timestamp_ms: i64,
    evidence: String,
}

/// The first match of `m` in `ev`. A judgement is placed at the line that
/// shows it (which the collector names), not at the event that carries it.
fn match_event(m: &Matcher, ev: &TranscriptEvent) -> Option<Hit> {
    if let Some(id) = &m.judgement {
        let j = ev.judgements.iter().find(|j| j.id == *id)?;
        return Some(Hit {
            ordinal: j.offset.saturating_mul(BLOCKS_PER_LINE),
            line: j.line,
            timestamp_ms: j.timestamp_ms,
            evidence: j.category.clone(),
        });
    }
    let (block, evidence) = match_line(m, ev)?;
    Some(Hit {
        ordinal: ev.offset.saturating_mul(BLOCKS_PER_LINE).saturating_add(block),
        line: ev.line,
        timestamp_ms: ev.timestamp_ms,
        evidence,
    })
}

/// The block index and evidence of the first match of `m` in `ev`'s line.
fn match_line(m: &Matcher, ev: &TranscriptEvent) -> Option<(u64, String)> {
    let line_ok = m.agent.as_ref().is_none_or(|a| *a == ev.agent || (ev.agent.is_empty() && a == "claude_code"))
        && m.permission_mode.as_ref().is_none_or(|p| *p == ev.permission_mode)
        && m.system_subtype.as_ref().is_none_or(|s| *s == ev.system_subtype)
        && m.compact_trigger.as_ref().is_none_or(|t| *t == ev.compact_trigger);
    if !line_ok {
        return None;
    }
    if m.is_tool_matcher() {
        let (i, call) = ev.tool_calls.iter().enumerate().find(|(_, c)| tool_matches(m, c))?;
        let sig = m.signal.as_ref().map(|s| format!(" ({s})")).unwrap_or_default();
        return Some((i as u64 + 1, format!("tool_use {}{sig}", call.name)));
    }
    if m.is_command_matcher() {
        let cmd = ev.commands.iter().find(|c| {
            (m.commands.is_empty() || m.commands.contains(c))
                && m.commands_except.as_ref().is_none_or(|except| !except.contains(c))
        })?;
        return Some((0, format!("command /{cmd}")));
    }
    let mut what = Vec::new();
    if let Some(p) = &m.permission_mode {
        what.push(format!("permissionMode {p}"));
    }
    if let Some(s) = &m.system_subtype {
        what.push(format!("system {s}"));
    }
    if let Some(t) = &m.compact_trigger {
        what.push(format!("trigger {t}"));
    }
    if let Some(a) = &m.agent {
        what.push(format!("agent {a}"));
    }
    Some((0, what.join(", ")))
}

fn tool_matches(m: &Matcher, c: &ToolCall) -> bool {
    (m.tools.is_empty() || m.tools.contains(&c.name)) && m.signal.as_ref().is_none_or(|s| c.signals.contains(s))
}

#[cfg(test)]
mod tests;
