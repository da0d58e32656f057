//! The subcommands.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use accrete_collector::{Collector, CollectorOptions, StatusBoard};
use accrete_common::config::Config;
use accrete_common::pipeline::{Envelope, PipelineError, Publisher};
use accrete_common::proto::MatrixRequest;
use accrete_common::{EventBatch, telemetry};
use accrete_store::{Access, QueryStore, SqliteStore};
use anyhow::{Context, bail};
use tokio::net::TcpListener;
use tokio::sync::watch;
use tracing::{info, warn};

use crate::embedded::{load_catalog, run_pipeline};
use crate::output;

pub async fn up(cfg: Config) -> anyhow::Result<ExitCode> {
    cfg.validate()?;
    telemetry::init(&cfg.log);
    let catalog = load_catalog(&cfg)?;
    for s in cfg.sources.iter().filter(|s| s.agent() == accrete_common::config::Agent::ClaudeCode) {
        output::warn_about_cleanup(&s.path);
    }
    let store = Arc::new(SqliteStore::open(&cfg.data_dir, catalog.clone())?.with_rules((&cfg.coaching).into()));
    let _lock = lock_data_dir(&cfg.data_dir)?;
    let board = StatusBoard::new();
    // Known before the API answers, so `/v1/status` never reports an
    // unstarted source as caught up.
    for s in &cfg.sources {
        board.register(&s.person, &s.path.display().to_string());
    }
    let listener = TcpListener::bind(&cfg.listen).await.with_context(|| format!("cannot listen on {}", cfg.listen))?;
    let addr = listener.local_addr()?;
    let (stop_tx, stop_rx) = watch::channel(false);
    let state = accrete_api::ApiState {
        store: store.clone(),
        status: {
            let board = board.clone();
            Arc::new(move || board.snapshot())
        },
        auth: Arc::new(accrete_api::Auth::new(&cfg.api.tokens)),
        events: None,
    };
    accrete_api::warn_if_open(&state.auth, addr);
    let mut api_stop = stop_rx.clone();
    let api = tokio::spawn(accrete_api::serve(listener, state, async move {
        let _ = api_stop.wait_for(|s| *s).await;
    }));
    info!(%addr, data_dir = %cfg.data_dir.display(), sources = cfg.sources.len(), "accrete is up");
    println!("accrete: dashboard and API on http://{addr}/ (data in {})", cfg.data_dir.display());
    let mut pipeline = tokio::spawn({
        let cfg = cfg.clone();
        async move { run_pipeline(&cfg, catalog, store, board, true, stop_rx).await }
    });
    let stopped_early = tokio::select! {
        r = &mut pipeline => Some(r),
        _ = shutdown_signal() => None,
    };
    let _ = stop_tx.send(true);
    let result = match stopped_early {
        Some(r) => r,
        None => {
            info!("stopping: finishing the batches in flight");
            pipeline.await
        }
    };
    api.await.context("api task")?.context("api server")?;
    result.context("pipeline task")??;
    info!("stopped cleanly");
    Ok(ExitCode::SUCCESS)
}

/// One `accrete up` per data folder: two would read every file twice over.
pub fn lock_data_dir(dir: &std::path::Path) -> anyhow::Result<std::fs::File> {
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let path = dir.join("accrete.lock");
    let f = std::fs::File::create(&path).with_context(|| format!("cannot create {}", path.display()))?;
    match f.try_lock() {
        Ok(()) => Ok(f),
        Err(std::fs::TryLockError::WouldBlock) => {
            bail!(
                "another `accrete up` is using the data folder {} (use --data-dir for a second instance)",
                dir.display()
            )
        }
        Err(std::fs::TryLockError::Error(e)) => Err(e).with_context(|| format!("cannot lock {}", path.display())),
    }
}

pub async fn shutdown_signal() {
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending().await,
        }
    };
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = term => {}
    }
}

pub async fn analyze(cfg: Config, json: bool) -> anyhow::Result<ExitCode> {
    cfg.validate()?;
    telemetry::init(&cfg.log);
    let catalog = load_catalog(&cfg)?;
    for s in &cfg.sources {
        if !s.path.is_dir() {
            bail!("source {}: {} is not a folder", s.person, s.path.display());
        }
    }
    let scratch = tempfile::tempdir().context("creating a scratch folder")?;
    // The matrix is all a one-shot run prints: events are not kept one by one.
    let store = Arc::new(SqliteStore::open_with(scratch.path(), catalog.clone(), false)?);
    let (_stop_tx, stop_rx) = watch::channel(false);
    let board = StatusBoard::new();
    let started = std::time::Instant::now();
    run_pipeline(&cfg, catalog, store.clone(), board.clone(), false, stop_rx).await?;
    let took = started.elapsed().as_secs_f64();
    let m = store.adoption_matrix(&MatrixRequest::default(), &Access::All).await?;
    output::print_matrix(&m, json)?;
    let status = board.snapshot();
    let (bytes, lines) = status.sources.iter().fold((0, 0), |(b, l), s| (b + s.bytes_read, l + s.lines_read));
    eprintln!(
        "accrete: analyzed {:.1} MB, {lines} lines of {} sources in {took:.2} s ({:.0} MB/s, {:.0} lines/s)",
        bytes as f64 / 1e6,
        status.sources.len(),
        bytes as f64 / 1e6 / took,
        lines as f64 / took
    );
    Ok(ExitCode::SUCCESS)
}

pub async fn matrix(
    cfg: Config,
    url: Option<String>,
    data_dir: Option<PathBuf>,
    req: MatrixRequest,
    json: bool,
) -> anyhow::Result<ExitCode> {
    telemetry::init(&cfg.log);
    let m = if let Some(dir) = data_dir {
        if !dir.join("accrete.db").is_file() {
            bail!("{} holds no accrete.db: is it the --data-dir of `accrete up`?", dir.display());
        }
        let store = SqliteStore::open(&dir, load_catalog(&cfg)?)?;
        store.agent_matrix(&req, &Access::All).await?
    } else {
        let base = url.unwrap_or_else(|| format!("http://{}", cfg.listen));
        output::fetch_matrix(&base, &req).await?
    };
    output::print_matrix(&m, json)?;
    Ok(ExitCode::SUCCESS)
}

/// `accrete report`: the month's coaching report per team, as
/// `report-<month>-<team>.md` and `.html` in `out`.
pub async fn report(cfg: Config, month: &str, store_kind: &str, out: &std::path::Path) -> anyhow::Result<ExitCode> {
    cfg.validate()?;
    telemetry::init(&cfg.log);
    let catalog = load_catalog(&cfg)?;
    let store: Arc<dyn QueryStore> = match store_kind {
        "sqlite" => {
            if !cfg.data_dir.join("accrete.db").is_file() {
                bail!("{} holds no accrete.db: is it the --data-dir of `accrete up`?", cfg.data_dir.display());
            }
            Arc::new(SqliteStore::open(&cfg.data_dir, catalog.clone())?.with_rules((&cfg.coaching).into()))
        }
        "clickhouse" => Arc::new(
            accrete_store::ClickHouseStore::new(&cfg.clickhouse, catalog.clone()).with_rules((&cfg.coaching).into()),
        ),
        other => bail!("--store must be sqlite or clickhouse, not `{other}`"),
    };
    let teams = store.month_report(month, &Access::All).await?;
    std::fs::create_dir_all(out).with_context(|| format!("creating {}", out.display()))?;
    for t in &teams {
        let slug: String =
            t.team.chars().map(|c| if c.is_ascii_alphanumeric() || c == '-' || c == '_' { c } else { '_' }).collect();
        let stem = out.join(format!("report-{month}-{}", if slug.is_empty() { "no-team" } else { &slug }));
        let one = std::slice::from_ref(t);
        std::fs::write(stem.with_extension("md"), accrete_store::report::markdown(&catalog, month, one))?;
        std::fs::write(stem.with_extension("html"), accrete_store::report::html(&catalog, month, one))?;
        println!("{}", stem.with_extension("md").display());
    }
    if teams.is_empty() {
        println!("accrete report: no sessions in {month}");
    }
    Ok(ExitCode::SUCCESS)
}

/// Prints each event as one JSON object per line: proto3 leaves default
/// values off the wire, so they are left out here too.
#[derive(Clone)]
struct PrintPublisher {
    counts: Arc<std::sync::Mutex<(u64, u64)>>,
}

#[async_trait::async_trait]
impl Publisher<EventBatch> for PrintPublisher {
    async fn publish(&self, env: Envelope<EventBatch>) -> Result<(), PipelineError> {
        let mut out = String::new();
        for ev in &env.body.events {
            out.push_str(&output::event_json(ev));
            out.push('\n');
        }
        use std::io::Write;
        std::io::stdout().lock().write_all(out.as_bytes()).map_err(|e| PipelineError::Fatal(e.to_string()))?;
        let mut c = self.counts.lock().unwrap();
        c.0 += env.body.events.len() as u64;
        c.1 += env.checkpoint.files.len() as u64;
        Ok(())
    }
}

pub async fn collect(cfg: Config, dry_run: bool) -> anyhow::Result<ExitCode> {
    cfg.validate()?;
    if !dry_run {
        bail!(
            "sending to a gateway is not available in this build: use `accrete collect --dry-run` to see what would be sent, or `accrete up` to run everything locally"
        );
    }
    telemetry::init(&cfg.log);
    let catalog = load_catalog(&cfg)?;
    for s in &cfg.sources {
        if !s.path.is_dir() {
            warn!(person = %s.person, path = %s.path.display(), "source folder does not exist");
        }
    }
    let publisher = PrintPublisher { counts: Default::default() };
    let collector = Collector::new(
        cfg.sources.clone(),
        catalog,
        CollectorOptions { config: cfg.collector.clone(), share_content: cfg.privacy.share_content, follow: false },
        StatusBoard::new(),
        Vec::new(),
    );
    let (_stop_tx, stop_rx) = watch::channel(false);
    collector.run(publisher.clone(), stop_rx).await?;
    let (events, _) = *publisher.counts.lock().unwrap();
    eprintln!(
        "accrete: {events} events would be sent. {}",
        if cfg.privacy.share_content {
            "Content sharing is ON: prompt text, tool inputs and working directories are included."
        } else {
            "No prompt text, code, file contents or paths are included (project folders are hashed); \
             use --share-content to opt in."
        }
    );
    Ok(ExitCode::SUCCESS)
}
