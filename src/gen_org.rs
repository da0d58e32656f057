//! `accrete gen-org`: a synthetic organization loaded straight into a store,
//! for the API benchmark (`bench/api.sh`). N people in T teams, each with
//! sessions on the working days of the period; every session is a handful of
//! normalized events (user prompts, assistant lines with tool calls, tool
//! results, sometimes a subagent's sidechain lines), and whether a session
//! shows a practice is drawn from the person's own propensities, so adoption
//! varies across people and power users exist.
//!
//! The events go through the real classifier ([`Classifier::classify_batch`])
//! and the real write path ([`RollupStore::apply`] with [`Classified`]
//! batches), exactly as the aggregator writes them, so tables, views and
//! aggregate states are what production has. Sessions are kept small (10–30
//! events of the session's own file, plus a few subagent lines): real
//! sessions have about 400 events, so the events table is smaller than a
//! real organization's would be; sessions and marks are at real scale.

use std::sync::Arc;
use std::time::Instant;

use accrete_classifier::Classifier;
use accrete_common::TranscriptEvent;
use accrete_common::catalog::Catalog;
use accrete_common::pipeline::{Checkpoint, Classified};
use accrete_common::proto::{TokenUsage, ToolCall};
use accrete_store::{ClickHouseStore, RollupStore, SqliteStore};
use anyhow::bail;

use crate::rng::Rng;

const DAY_MS: i64 = 86_400_000;

pub struct OrgOptions {
    pub people: usize,
    pub days: u32,
    pub teams: usize,
    pub sessions_per_day: f64,
    pub seed: u64,
    /// First day of the period, Unix ms (midnight UTC).
    pub start_ms: i64,
    /// Events per `apply` batch.
    pub batch_events: usize,
}

#[derive(Default, Debug, Clone, Copy)]
pub struct OrgTotals {
    pub sessions: u64,
    pub events: u64,
    pub marks: u64,
    pub batches: u64,
}

/// How often a session of an average person shows each practice of the
/// built-in catalog (other catalogs' practices get 0.2).
fn base_rate(id: &str) -> f64 {
    match id {
        "committing_work" => 0.55,
        "task_tracking" => 0.45,
        "subagent_delegation" => 0.30,
        "plan_mode" => 0.22,
        "context_management" => 0.25,
        "saved_commands" => 0.12,
        "project_context" => 0.06,
        "plan_first_prompt" => 0.25,
        "plan_revised" => 0.15,
        "failing_test_handover" => 0.2,
        "whole_task_delegation" => 0.45,
        "focused_session" => 0.9,
        "small_commits" => 0.3,
        _ => 0.2,
    }
}

struct Person {
    name: String,
    team: String,
    projects: Vec<String>,
    /// Sessions per working day relative to the organization's mean.
    activity: f64,
    /// Per catalog practice: the chance a session of theirs shows it.
    propensity: Vec<f64>,
}

fn make_person(i: usize, opts: &OrgOptions, catalog: &Catalog, rng: &mut Rng) -> Person {
    // Skill in [0, 1), skewed low: most people use a few practices, a few use most.
    let skill = rng.unit().powf(1.6);
    let propensity = catalog
        .practices
        .iter()
        .map(|p| {
            // Some people never picked a practice up at all.
            if rng.chance(0.55 * (1.0 - skill)) {
                0.0
            } else {
                (base_rate(&p.id) * (0.3 + 2.4 * skill) * (0.5 + rng.unit())).min(0.95)
            }
        })
        .collect();
    let projects = (0..rng.range(1, 4)).map(|_| format!("{:012x}", rng.next() >> 16)).collect();
    Person {
        name: format!("person{i:05}"),
        team: format!("team{:02}", i % opts.teams.max(1)),
        projects,
        // 0.25x .. 1.75x of the mean, averaging 1.
        activity: 0.25 + 1.5 * rng.unit(),
        propensity,
    }
}

/// Writes one session's events (own file, then subagent files) into `out`.
struct SessionWriter<'a> {
    person: &'a Person,
    session_id: String,
    project: &'a str,
    agent_id: String,
    sidechain: bool,
    offset: u64,
    line: u64,
    ts: i64,
}

impl SessionWriter<'_> {
    fn event(&mut self, rng: &mut Rng, line_type: &str) -> TranscriptEvent {
        let bytes = rng.range(300, 6000) as u32;
        self.line += 1;
        self.ts += rng.range(2_000, 90_000) as i64;
        let ev = TranscriptEvent {
            person: self.person.name.clone(),
            team: self.person.team.clone(),
            session_id: self.session_id.clone(),
            project: self.project.to_string(),
            agent_id: self.agent_id.clone(),
            offset: self.offset,
            line: self.line,
            timestamp_ms: self.ts,
            line_type: line_type.to_string(),
            is_sidechain: self.sidechain,
            line_bytes: bytes,
            claude_version: "2.1.3".into(),
            ..Default::default()
        };
        self.offset += bytes as u64;
        ev
    }

    fn user(&mut self, rng: &mut Rng, commands: &[&str], tool_results: u32) -> TranscriptEvent {
        let mut ev = self.event(rng, "user");
        ev.commands = commands.iter().map(|c| c.to_string()).collect();
        ev.tool_results = tool_results;
        ev.tool_errors = u32::from(tool_results > 0 && rng.chance(0.05));
        ev
    }

    fn assistant(&mut self, rng: &mut Rng, tools: &[(&str, &[&str])]) -> TranscriptEvent {
        let mut ev = self.event(rng, "assistant");
        ev.model = "claude-opus-4-5".into();
        ev.message_id = format!("msg_{:016x}", rng.next());
        ev.usage = Some(TokenUsage {
            input_tokens: rng.range(3, 400),
            output_tokens: rng.range(20, 4000),
            cache_creation_input_tokens: rng.range(0, 20_000),
            cache_read_input_tokens: rng.range(0, 200_000),
        });
        ev.tool_calls = tools
            .iter()
            .map(|(name, signals)| ToolCall {
                name: name.to_string(),
                signals: signals.iter().map(|s| s.to_string()).collect(),
                input_json: String::new(),
            })
            .collect();
        ev
    }
}

const PLAIN_TOOLS: [&str; 6] = ["Read", "Grep", "Glob", "Bash", "Read", "WebFetch"];
const EDIT_TOOLS: [&str; 3] = ["Edit", "Write", "MultiEdit"];

/// One session: 10–30 events in its own file, the practices it shows drawn
/// from the person's propensities.
fn session(person: &Person, catalog: &Catalog, start_ms: i64, rng: &mut Rng, out: &mut Vec<TranscriptEvent>) {
    let mut w = SessionWriter {
        person,
        session_id: rng.uuid(),
        project: &person.projects[rng.below(person.projects.len() as u64) as usize],
        agent_id: String::new(),
        sidechain: false,
        offset: 0,
        line: 0,
        ts: start_ms,
    };
    let shown: Vec<&str> = catalog
        .practices
        .iter()
        .zip(&person.propensity)
        .filter(|(_, p)| rng.chance(**p))
        .map(|(p, _)| p.id.as_str())
        .collect();
    let has = |id: &str| shown.contains(&id);
    let turns = rng.range(5, 15) as usize; // one user + one assistant line each
    let first_edit = rng.range(1, turns as u64 - 1) as usize;
    // A planner sometimes only plans after editing (the `before` rule then
    // does not count it).
    let plan_turn = if has("plan_mode") {
        Some(if rng.chance(0.9) { rng.below(first_edit as u64) as usize } else { first_edit + 1 })
    } else {
        None
    };
    let at = |id: &str, rng: &mut Rng| if has(id) { Some(rng.range(1, turns as u64 - 1) as usize) } else { None };
    let delegate = at("subagent_delegation", rng);
    let todo = at("task_tracking", rng);
    let commit = at("committing_work", rng).map(|t| t.max(first_edit));
    let claude_md = at("project_context", rng);
    let saved = at("saved_commands", rng);
    let compact = at("context_management", rng);
    // Judgement practices (catalog v2): the judgement the collector would
    // have reached, on the prompt of a random turn; a practice that is
    // cancelled (`unless`) and not shown gets its cancelling judgement too.
    let judgement = |m: &Option<accrete_common::catalog::Matcher>| m.as_ref().and_then(|m| m.judgement.clone());
    let mut judged: Vec<(usize, String)> = Vec::new();
    for p in catalog.shown() {
        let Some(id) = p.matchers.iter().find_map(|m| m.judgement.clone()) else { continue };
        let turn = rng.below(turns as u64) as usize;
        match judgement(&p.unless) {
            Some(cancel) if !has(&p.id) => {
                judged.push((0, id));
                judged.push((turn, cancel));
            }
            _ if has(&p.id) => judged.push((turn, id)),
            _ => {}
        }
    }
    let mut agent_events = Vec::new();
    for turn in 0..turns {
        let mut commands: Vec<&str> = Vec::new();
        if saved == Some(turn) && rng.chance(0.6) {
            commands.push(["review-pr", "ship", "fix-issue", "write-tests"][rng.below(4) as usize]);
        }
        if compact == Some(turn) {
            commands.push(if rng.chance(0.5) { "compact" } else { "clear" });
        }
        if claude_md == Some(turn) && rng.chance(0.3) {
            commands.push(if rng.chance(0.5) { "init" } else { "memory" });
        }
        let mut prompt = w.user(rng, &commands, u32::from(turn > 0));
        for (_, id) in judged.iter().filter(|(t, _)| *t == turn) {
            prompt.judgements.push(accrete_common::proto::Judgement {
                id: id.clone(),
                category: "synthetic".into(),
                offset: prompt.offset,
                line: prompt.line,
                timestamp_ms: prompt.timestamp_ms,
            });
        }
        out.push(prompt);
        let mut tools: Vec<(&str, &[&str])> = Vec::new();
        if plan_turn == Some(turn) {
            tools.push(("ExitPlanMode", &[]));
        }
        if todo == Some(turn) {
            tools.push((if rng.chance(0.8) { "TodoWrite" } else { "TaskCreate" }, &[]));
        }
        if delegate == Some(turn) {
            tools.push(("Task", &[]));
        }
        if saved == Some(turn) && commands.is_empty() {
            tools.push(("Skill", &[]));
        }
        if claude_md == Some(turn) && !commands.iter().any(|c| *c == "init" || *c == "memory") {
            tools.push(("Edit", &["project_context_file"]));
        }
        if turn == first_edit || (turn > first_edit && rng.chance(0.5)) {
            tools.push((EDIT_TOOLS[rng.below(3) as usize], &[]));
        }
        if commit == Some(turn) {
            tools.push(("Bash", &["git_commit"]));
        }
        if tools.is_empty() || rng.chance(0.4) {
            tools.push((PLAIN_TOOLS[rng.below(PLAIN_TOOLS.len() as u64) as usize], &[]));
        }
        out.push(w.assistant(rng, &tools));
        if delegate == Some(turn) && rng.chance(0.5) {
            // The subagent's own file: a few sidechain lines.
            let mut a = SessionWriter {
                person,
                session_id: w.session_id.clone(),
                project: w.project,
                agent_id: format!("{:08x}", rng.next() >> 32),
                sidechain: true,
                offset: 0,
                line: 0,
                ts: w.ts,
            };
            agent_events.push(a.user(rng, &[], 0));
            for _ in 0..rng.range(1, 3) {
                let tool = PLAIN_TOOLS[rng.below(3) as usize];
                agent_events.push(a.assistant(rng, &[(tool, &[])]));
                agent_events.push(a.user(rng, &[], 1));
            }
        }
    }
    out.append(&mut agent_events);
}

/// Is `ms` on a Monday..Friday? (1970-01-01 was a Thursday.)
fn working_day(ms: i64) -> bool {
    (ms.div_euclid(DAY_MS) + 3).rem_euclid(7) < 5
}

/// Generates the organization and applies it to `store` in batches; a
/// second thread generates and classifies the next batch while the store
/// writes the current one.
pub async fn generate(
    opts: &OrgOptions,
    catalog: Arc<Catalog>,
    store: Arc<dyn RollupStore>,
) -> anyhow::Result<OrgTotals> {
    if opts.people == 0 || opts.days == 0 || opts.teams == 0 {
        bail!("--people, --days and --teams must be at least 1");
    }
    if catalog.shown().is_empty() {
        bail!("the catalog has no practices");
    }
    let (tx, mut rx) = tokio::sync::mpsc::channel::<(Classified, u64)>(2);
    let gen_opts = OrgOptions { ..*opts };
    let gen_catalog = catalog.clone();
    let producer = std::thread::spawn(move || -> OrgTotals {
        let opts = gen_opts;
        let catalog = gen_catalog;
        let classifier = Classifier::new(&catalog);
        let mut rng = Rng(opts.seed);
        let mut totals = OrgTotals::default();
        let mut events: Vec<TranscriptEvent> = Vec::with_capacity(opts.batch_events + 200);
        let mut sessions = 0u64;
        let flush = |events: &mut Vec<TranscriptEvent>, sessions: &mut u64, totals: &mut OrgTotals| -> bool {
            let evs = std::mem::take(events);
            let marks = classifier.classify_batch(&evs);
            totals.events += evs.len() as u64;
            totals.marks += marks.len() as u64;
            totals.sessions += *sessions;
            totals.batches += 1;
            let n = *sessions;
            *sessions = 0;
            events.reserve(opts.batch_events + 200);
            tx.blocking_send((Classified { events: evs, marks }, n)).is_ok()
        };
        for i in 0..opts.people {
            let person = make_person(i, &opts, &catalog, &mut rng);
            for day in 0..opts.days as i64 {
                let midnight = opts.start_ms + day * DAY_MS;
                if !working_day(midnight) {
                    continue;
                }
                for _ in 0..rng.poisson(opts.sessions_per_day * person.activity) {
                    // Between 08:00 and 18:00 UTC.
                    let start = midnight + 8 * 3_600_000 + rng.below(10 * 3_600_000) as i64;
                    session(&person, &catalog, start, &mut rng, &mut events);
                    sessions += 1;
                }
            }
            if events.len() >= opts.batch_events && !flush(&mut events, &mut sessions, &mut totals) {
                return totals;
            }
        }
        if !events.is_empty() {
            flush(&mut events, &mut sessions, &mut totals);
        }
        totals
    });
    let t = Instant::now();
    let mut written = OrgTotals::default();
    let mut last_report = Instant::now();
    while let Some((batch, sessions)) = rx.recv().await {
        written.events += batch.events.len() as u64;
        written.marks += batch.marks.len() as u64;
        written.sessions += sessions;
        written.batches += 1;
        store.apply(Arc::new(batch), &Checkpoint::default()).await?;
        if last_report.elapsed().as_secs() >= 10 {
            last_report = Instant::now();
            eprintln!(
                "accrete gen-org: {} sessions, {} events, {} marks so far ({:.0} s)",
                written.sessions,
                written.events,
                written.marks,
                t.elapsed().as_secs_f64()
            );
        }
    }
    let totals = producer.join().map_err(|_| anyhow::anyhow!("the generator thread panicked"))?;
    if totals.events != written.events {
        bail!("generated {} events but wrote {}", totals.events, written.events);
    }
    Ok(written)
}

/// `accrete gen-org`: opens the store, generates, prints what was written.
pub async fn run(
    cfg: &accrete_common::config::Config,
    opts: &OrgOptions,
    store_kind: &str,
    data_dir: Option<std::path::PathBuf>,
) -> anyhow::Result<std::process::ExitCode> {
    let catalog = crate::embedded::load_catalog(cfg)?;
    let mut clickhouse = None;
    let (store, where_): (Arc<dyn RollupStore>, String) = match store_kind {
        "clickhouse" => {
            let s = Arc::new(ClickHouseStore::new(&cfg.clickhouse, catalog.clone()));
            s.migrate(false).await?;
            clickhouse = Some(s.clone());
            (s, format!("clickhouse {} database {}", cfg.clickhouse.url, cfg.clickhouse.database))
        }
        "sqlite" => {
            let dir = data_dir.unwrap_or_else(|| cfg.data_dir.clone());
            let s = SqliteStore::open(&dir, catalog.clone())?;
            (Arc::new(s), format!("sqlite {}", dir.join("accrete.db").display()))
        }
        other => bail!("--store must be clickhouse or sqlite, not `{other}`"),
    };
    let t = Instant::now();
    let totals = generate(opts, catalog, store).await?;
    let secs = t.elapsed().as_secs_f64();
    println!(
        "accrete gen-org: {} people in {} teams over {} days: {} sessions, {} events, {} marks written to {where_} in {} batches, {secs:.1} s ({:.0} events/s)",
        opts.people,
        opts.teams,
        opts.days,
        totals.sessions,
        totals.events,
        totals.marks,
        totals.batches,
        totals.events as f64 / secs.max(1e-9)
    );
    if let Some(s) = clickhouse.filter(|_| cfg.clickhouse.rollups) {
        // What a running aggregator would do next.
        let t = Instant::now();
        let n = s.compact_all().await?;
        println!("accrete gen-org: {n} people's roll-ups computed in {:.1} s", t.elapsed().as_secs_f64());
    }
    Ok(std::process::ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sessions_are_classified_like_real_ones() {
        let catalog = Catalog::builtin();
        let opts = OrgOptions {
            people: 50,
            days: 20,
            teams: 4,
            sessions_per_day: 1.5,
            seed: 1,
            start_ms: accrete_common::time::parse_rfc3339_ms("2025-01-01").unwrap(),
            batch_events: 1000,
        };
        let mut rng = Rng(1);
        let classifier = Classifier::new(&catalog);
        let mut keys = std::collections::BTreeSet::new();
        let mut users = 0;
        for i in 0..opts.people {
            let p = make_person(i, &opts, &catalog, &mut rng);
            let mut evs = Vec::new();
            for _ in 0..30 {
                session(&p, &catalog, opts.start_ms, &mut rng, &mut evs);
            }
            let own = evs.iter().filter(|e| e.agent_id.is_empty()).count();
            assert!((300..=900).contains(&own), "{own} events in 30 sessions");
            let marks = classifier.classify_batch(&evs);
            users += usize::from(!marks.is_empty());
            keys.extend(marks.into_iter().map(|m| m.key));
        }
        assert!(users > 25, "{users} of 50 people show a practice");
        for p in catalog.shown() {
            assert!(keys.contains(&p.id), "no session shows {}", p.id);
        }
        assert!(keys.contains("plan_mode.before"));
        assert!(working_day(opts.start_ms)); // 2025-01-01 was a Wednesday
        assert!(!working_day(opts.start_ms + 3 * DAY_MS));
    }
}
