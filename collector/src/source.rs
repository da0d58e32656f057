//! The collector stage: one task per source folder. Each pass finds the
//! transcripts under `projects/`, reads what is new in each, and hands
//! batches of events (with the read positions they cover) to the next stage.
//! Passes run when the file system reports a change (inotify, no busy
//! polling), and every `rescan_interval_ms` as a safety net.

use std::collections::{BTreeMap, HashMap};
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use accrete_common::EventBatch;
use accrete_common::catalog::Catalog;
use accrete_common::config::{Agent, CollectorConfig, SourceConfig};
use accrete_common::pipeline::{Envelope, FileCheckpoint, FileKey, PipelineError, Publisher};
use notify::Watcher;
use tokio::sync::{Notify, watch};
use tracing::{debug, info, warn};

use crate::agents::{self, Format};
use crate::files::{FileRole, classify};
use crate::parse::{LineContext, Normalizer, project_hash};
use crate::status::{SourceCounters, StatusBoard};
use crate::tail::{BatchBuilder, ReadCtx, TrackedFile};

#[derive(Debug, thiserror::Error)]
pub enum CollectorError {
    #[error("the next stage is gone: {0}")]
    Downstream(#[from] PipelineError),
    #[error("collector task failed: {0}")]
    Task(String),
}

/// How the collector runs.
#[derive(Debug, Clone)]
pub struct CollectorOptions {
    pub config: CollectorConfig,
    pub share_content: bool,
    /// Keep following the folders (`accrete up`), or stop after one pass
    /// (`accrete analyze`, `accrete collect --dry-run`).
    pub follow: bool,
}

pub struct Collector {
    sources: Vec<SourceConfig>,
    catalog: Arc<Catalog>,
    options: CollectorOptions,
    board: Arc<StatusBoard>,
    checkpoints: HashMap<FileKey, FileCheckpoint>,
}

impl Collector {
    /// `checkpoints`: where a previous run stopped (from the store).
    pub fn new(
        sources: Vec<SourceConfig>,
        catalog: Arc<Catalog>,
        options: CollectorOptions,
        board: Arc<StatusBoard>,
        checkpoints: Vec<FileCheckpoint>,
    ) -> Collector {
        let checkpoints = checkpoints.into_iter().map(|c| (c.key.clone(), c)).collect();
        Collector { sources, catalog, options, board, checkpoints }
    }

    /// Runs every source until one-shot passes are done or `shutdown` flips.
    pub async fn run<P>(self, publisher: P, shutdown: watch::Receiver<bool>) -> Result<(), CollectorError>
    where
        P: Publisher<EventBatch> + Clone + 'static,
    {
        let mut tasks = tokio::task::JoinSet::new();
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        let slots = Arc::new(tokio::sync::Semaphore::new(cores));
        for source in self.sources {
            let task = SourceTask {
                agent: source.agent(),
                slots: slots.clone(),
                counters: self.board.register(&source.person, &source.path.display().to_string()),
                checkpoints: self
                    .checkpoints
                    .iter()
                    .filter(|(k, _)| k.person == source.person)
                    .map(|(k, c)| (k.path.clone(), c.clone()))
                    .collect(),
                source,
                judge: self.catalog.judge.clone().map(Arc::new),
                catalog: self.catalog.clone(),
                options: self.options.clone(),
                board: self.board.clone(),
                files: BTreeMap::new(),
            };
            tasks.spawn(task.run(publisher.clone(), shutdown.clone()));
        }
        while let Some(r) = tasks.join_next().await {
            r.map_err(|e| CollectorError::Task(e.to_string()))??;
        }
        Ok(())
    }
}

struct SourceTask {
    agent: Agent,
    slots: Arc<tokio::sync::Semaphore>,
    source: SourceConfig,
    catalog: Arc<Catalog>,
    /// The catalog's judgement rules, shared by the source's file judges.
    judge: Option<Arc<accrete_common::lexicon::JudgeRules>>,
    options: CollectorOptions,
    board: Arc<StatusBoard>,
    counters: SourceCounters,
    checkpoints: HashMap<String, FileCheckpoint>,
    files: BTreeMap<String, TrackedFile>,
}

impl SourceTask {
    async fn run<P: Publisher<EventBatch> + Clone + 'static>(
        mut self,
        publisher: P,
        mut shutdown: watch::Receiver<bool>,
    ) -> Result<(), CollectorError> {
        let root = self.source.path.clone();
        let wake = Arc::new(Notify::new());
        let mut watcher: Option<notify::RecommendedWatcher> = None;
        let rescan = Duration::from_millis(self.options.config.rescan_interval_ms);
        let settle = Duration::from_millis(self.options.config.batch_max_delay_ms);
        info!(person = %self.source.person, path = %root.display(), agent = %self.agent, follow = self.options.follow, "collecting transcripts");
        let mut first = true;
        loop {
            if self.options.follow && watcher.is_none() && root.is_dir() {
                watcher = watch_folder(&root, wake.clone());
            }
            self = self.pass(publisher.clone()).await?;
            if first {
                self.board.scanned(&self.source.person);
                first = false;
            }
            if !self.options.follow {
                return Ok(());
            }
            tokio::select! {
                _ = wake.notified() => tokio::time::sleep(settle).await,
                _ = tokio::time::sleep(rescan) => {}
                _ = shutdown.changed() => return Ok(()),
            }
            if *shutdown.borrow() {
                return Ok(());
            }
        }
    }

    /// One pass: find files, read what is new, hand it on. File reading is
    /// blocking work, so the pass runs on the blocking pool.
    async fn pass<P: Publisher<EventBatch> + Clone + 'static>(mut self, publisher: P) -> Result<Self, CollectorError> {
        // Passes of all sources share the cores: at most one per core at a time.
        let _slot = self.slots.clone().acquire_owned().await.map_err(|e| CollectorError::Task(e.to_string()))?;
        let handle = tokio::runtime::Handle::current();
        tokio::task::spawn_blocking(move || {
            let r = self.pass_blocking(&publisher, &handle);
            (self, r)
        })
        .await
        .map_err(|e| CollectorError::Task(e.to_string()))
        .and_then(|(s, r)| match r {
            Ok(()) => Ok(s),
            Err(e) => match e.downcast::<PipelineError>() {
                Ok(p) => Err(CollectorError::Downstream(p)),
                Err(e) => Err(CollectorError::Task(e.to_string())),
            },
        })
    }

    /// Reads every file with news; files are shared out to one worker
    /// thread per core (a file is always read by one worker, in order).
    fn pass_blocking<P: Publisher<EventBatch>>(
        &mut self,
        publisher: &P,
        handle: &tokio::runtime::Handle,
    ) -> io::Result<()> {
        self.discover();
        let mut todo: Vec<&mut TrackedFile> = Vec::new();
        for f in self.files.values_mut() {
            let size = std::fs::metadata(&f.abs).map(|m| m.len()).unwrap_or(0);
            if f.deleted && size == 0 {
                continue;
            }
            if f.file_id != 0 && !f.has_news(size) && !f.deleted {
                continue;
            }
            todo.push(f);
        }
        // Big files first, so no worker is left with the largest one at the end.
        todo.sort_by_key(|f| std::cmp::Reverse(std::fs::metadata(&f.abs).map(|m| m.len()).unwrap_or(0)));
        let workers = std::thread::available_parallelism().map_or(1, |n| n.get()).min(todo.len()).max(1);
        let queue = std::sync::Mutex::new(todo.into_iter());
        let normalizer = Normalizer { catalog: &self.catalog, share_content: self.options.share_content };
        let cfg = &self.options.config;
        let (counters, board, person) = (&self.counters, &self.board, &self.source.person);
        let tail_grace = Some(if self.options.follow { Duration::from_secs(2) } else { Duration::ZERO });
        let work = || -> io::Result<()> {
            let mut flush = |env: Envelope<EventBatch>| -> io::Result<()> {
                handle.block_on(publisher.publish(env)).map_err(io::Error::other)
            };
            let mut rc = ReadCtx {
                normalizer: &normalizer,
                counters,
                max_line_bytes: cfg.max_line_bytes,
                batch_max_events: cfg.batch_max_events,
                tail_grace,
                flush: &mut flush,
                buf: Vec::new(),
                judge: self.judge.as_ref(),
            };
            let mut batch = BatchBuilder::default();
            loop {
                let next = queue.lock().unwrap_or_else(|e| e.into_inner()).next();
                let Some(f) = next else { break };
                if let Err(e) = f.read_new(&mut batch, &mut rc) {
                    if e.get_ref().is_some_and(|i| i.is::<PipelineError>()) {
                        return Err(e);
                    }
                    warn!(path = %f.abs.display(), error = %e, "cannot read transcript; will retry");
                }
                board.observed(person, &f.key.path, f.size, f.offset, f.partial);
            }
            if !batch.is_empty() {
                (rc.flush)(batch.take())?;
            }
            Ok(())
        };
        std::thread::scope(|scope| {
            let threads: Vec<_> = (1..workers).map(|_| scope.spawn(work)).collect();
            let mut result = work();
            for t in threads {
                let r = t.join().unwrap_or_else(|_| Err(io::Error::other("collector worker panicked")));
                if result.is_ok() {
                    result = r;
                }
            }
            result
        })
    }

    /// Adds session files not seen before.
    fn discover(&mut self) {
        let mut found = Vec::new();
        for (dir, depth) in agents::roots(self.agent) {
            walk(&self.source.path.join(dir), 0, *depth, agents::extensions(self.agent), &mut found);
        }
        for abs in found {
            let Ok(rel) = abs.strip_prefix(&self.source.path) else {
                continue;
            };
            let rel_s = rel.to_string_lossy().into_owned();
            if self.files.contains_key(&rel_s) {
                continue;
            }
            let (format, project, session_id, agent_id) = if self.agent == Agent::ClaudeCode {
                match classify(rel) {
                    Some(FileRole::Session { project, session_id }) => {
                        (Format::Claude, project, session_id, String::new())
                    }
                    Some(FileRole::Agent { project, session_id, agent_id }) => {
                        (Format::Claude, project, session_id.unwrap_or_default(), agent_id)
                    }
                    None => {
                        debug!(path = %abs.display(), "not a transcript; ignored");
                        continue;
                    }
                }
            } else {
                match agents::classify(self.agent, rel) {
                    Some(f) => (f.format, f.project, f.session_id, f.agent_id),
                    None => {
                        debug!(path = %abs.display(), "not a session file; ignored");
                        continue;
                    }
                }
            };
            let ctx = LineContext {
                person: self.source.person.clone(),
                team: self.source.team.clone(),
                project: if self.options.share_content || project.is_empty() {
                    project
                } else {
                    project_hash(&project)
                },
                session_id,
                agent_id,
            };
            let key = FileKey { person: self.source.person.clone(), path: rel_s.clone() };
            debug!(path = %abs.display(), "new session file");
            let tracked = TrackedFile::new(key, abs, ctx, self.checkpoints.get(&rel_s)).with_format(format);
            self.files.insert(rel_s, tracked);
        }
    }
}

/// Collects files ending in `.ext` under `dir`, at most `max` folders deep
/// (Claude Code's `projects/` holds `<dir>/<id>.jsonl` and
/// `<dir>/<id>/subagents/agent-*.jsonl`: three levels; Codex's `sessions/`
/// holds `YYYY/MM/DD/rollout-*.jsonl`).
fn walk(dir: &Path, depth: usize, max: usize, ext: &[&str], out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let Ok(ft) = e.file_type() else { continue };
        let p = e.path();
        if ft.is_dir() && depth < max {
            walk(&p, depth + 1, max, ext, out);
        } else if ft.is_file() && p.extension().and_then(|x| x.to_str()).is_some_and(|x| ext.contains(&x)) {
            out.push(p);
        }
    }
}

/// Watches a folder for changes (inotify on Linux); `None` if the platform
/// refuses (too many watches): the periodic rescan still finds everything.
fn watch_folder(root: &Path, wake: Arc<Notify>) -> Option<notify::RecommendedWatcher> {
    let mut w = notify::recommended_watcher(move |res: notify::Result<notify::Event>| {
        // Opening and closing files and folders is what a pass itself does:
        // waking on those would make the collector chase its own tail.
        if res.is_ok_and(|e| !matches!(e.kind, notify::EventKind::Access(_))) {
            wake.notify_one();
        }
    })
    .map_err(|e| warn!(path = %root.display(), error = %e, "cannot watch folder; relying on periodic rescans"))
    .ok()?;
    match w.watch(root, notify::RecursiveMode::Recursive) {
        Ok(()) => Some(w),
        Err(e) => {
            warn!(path = %root.display(), error = %e, "cannot watch folder; relying on periodic rescans");
            None
        }
    }
}
