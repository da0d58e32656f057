//! `accrete`: one binary for every role. `accrete up` runs the whole
//! pipeline in one process on the embedded store.

mod admin;
mod commands;
mod distributed;
mod embedded;
mod gen_org;
mod generate;
mod output;
mod rng;

use std::net::SocketAddr;
use std::path::PathBuf;

use accrete_common::config::{Config, SourceConfig};
use clap::{Args, Parser, Subcommand};

#[derive(Parser)]
#[command(name = "accrete", version, about = "Which AI-coding practices your engineers use, and who can teach them")]
struct Cli {
    /// TOML config files, comma-separated, later ones winning (also `ACCRETE_CONFIG`); `ACCRETE__*` variables override them.
    #[arg(long, global = true, env = "ACCRETE_CONFIG", value_delimiter = ',')]
    config: Vec<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Args, Clone, Default)]
pub struct SourceArgs {
    /// `[AGENT:]PERSON[:TEAM]=DIR` (repeatable): `ana=~/.claude`, `codex:ana=~/.codex`, `gemini:ana:web=~/.gemini`; without AGENT it is told from the folder. Default: you, with `~/.claude` (`$CLAUDE_CONFIG_DIR`), and `~/.codex` (`$CODEX_HOME`) and `~/.gemini` when they exist.
    #[arg(long = "source", value_name = "[AGENT:]PERSON=DIR", value_parser = SourceConfig::parse_arg)]
    sources: Vec<SourceConfig>,
    /// Also send prompt text, tool inputs and working directories (off by default).
    #[arg(long)]
    share_content: bool,
}

#[derive(Subcommand)]
enum Command {
    /// Collect, classify and aggregate continuously; serve the API and dashboard.
    Up {
        #[command(flatten)]
        sources: SourceArgs,
        /// Where the embedded store lives (default `~/.local/share/accrete`).
        #[arg(long)]
        data_dir: Option<PathBuf>,
        /// HTTP + gRPC address (default 127.0.0.1:7430).
        #[arg(long)]
        listen: Option<SocketAddr>,
    },
    /// One pass over the folders through the same pipeline; print the matrix and exit.
    Analyze {
        #[command(flatten)]
        sources: SourceArgs,
        /// Print the matrix as the API's JSON.
        #[arg(long)]
        json: bool,
    },
    /// Print the adoption matrix from a running service, or from a data folder.
    Matrix {
        /// Base URL of a running `accrete up` (default from `listen`).
        #[arg(long, conflicts_with = "data_dir")]
        url: Option<String>,
        /// Read this data folder directly instead.
        #[arg(long)]
        data_dir: Option<PathBuf>,
        #[arg(long, default_value = "")]
        from: String,
        #[arg(long, default_value = "")]
        to: String,
        #[arg(long, default_value = "")]
        person: String,
        #[arg(long, default_value = "")]
        team: String,
        /// Only one agent's sessions: claude_code, codex or gemini.
        #[arg(long, default_value = "")]
        agent: String,
        #[arg(long)]
        json: bool,
    },
    /// Write the monthly coaching report, one Markdown and one HTML file per team.
    Report {
        /// The month, YYYY-MM.
        #[arg(long)]
        month: String,
        /// The embedded store's data folder (default from the configuration).
        #[arg(long)]
        data_dir: Option<PathBuf>,
        /// `sqlite` (the data folder) or `clickhouse` (the configured server).
        #[arg(long, default_value = "sqlite")]
        store: String,
        /// Where the files go.
        #[arg(long, default_value = ".")]
        out: PathBuf,
    },
    /// Collect and send to a gateway (a daemon with a durable spool), or show what would be sent.
    Collect {
        #[command(flatten)]
        sources: SourceArgs,
        /// Print the events (one JSON object per line) instead of sending them.
        #[arg(long)]
        dry_run: bool,
        /// The gateway, e.g. http://gateway.example:7440 (`ship.gateway`).
        #[arg(long, conflicts_with = "dry_run")]
        gateway: Option<String>,
        /// This team's token (`ship.token`, `ACCRETE__SHIP__TOKEN`).
        #[arg(long)]
        token: Option<String>,
        /// Send what is there now, wait until the gateway has all of it, and exit.
        #[arg(long)]
        once: bool,
        /// Where the spool and read offsets live.
        #[arg(long)]
        data_dir: Option<PathBuf>,
    },
    /// The ingest gateway: authenticates collectors, validates events, produces them to Kafka.
    Gateway {
        #[arg(long)]
        listen: Option<SocketAddr>,
    },
    /// A classifier worker: a Kafka consumer-group member publishing practice marks.
    Classify,
    /// The aggregator: Kafka to ClickHouse roll-ups.
    Aggregate,
    /// Bring every stale per-person roll-up in ClickHouse up to date, then exit
    /// (the aggregator does this continuously; for upgrades and benchmarks).
    Compact,
    /// The query API and dashboard on ClickHouse.
    Api {
        #[arg(long)]
        listen: Option<SocketAddr>,
    },
    /// Write realistic transcripts for N people over D days by resampling real ones (for benchmarks).
    Gen {
        /// Real transcripts: a folder of `<person>/.claude` homes, or one Claude folder.
        #[arg(long)]
        from: PathBuf,
        /// Where to write `person00000/.claude/...`.
        #[arg(long)]
        out: PathBuf,
        #[arg(long, default_value_t = 10)]
        people: usize,
        #[arg(long, default_value_t = 30)]
        days: u32,
        /// Sessions per person per working day, on average.
        #[arg(long, default_value_t = 1.5)]
        sessions_per_day: f64,
        /// Stop after about this much (e.g. 1G, 200M); 0 for no bound.
        #[arg(long, default_value = "0", value_parser = parse_size)]
        max_bytes: u64,
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// First day of the period (YYYY-MM-DD).
        #[arg(long, default_value = "2026-01-05")]
        start: String,
    },
    /// Load a synthetic organization straight into a store through the aggregator's write path (for the API benchmark).
    #[command(hide = true)]
    GenOrg {
        #[arg(long, default_value_t = 10_000)]
        people: usize,
        #[arg(long, default_value_t = 365)]
        days: u32,
        #[arg(long, default_value_t = 40)]
        teams: usize,
        /// Sessions per person per working day, on average.
        #[arg(long, default_value_t = 1.5)]
        sessions_per_day: f64,
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// First day of the period (YYYY-MM-DD).
        #[arg(long, default_value = "2025-01-01")]
        start: String,
        /// `clickhouse` (the config's `[clickhouse]`) or `sqlite` (in `--data-dir`).
        #[arg(long, default_value = "clickhouse")]
        store: String,
        #[arg(long)]
        data_dir: Option<PathBuf>,
        /// Events per write batch.
        #[arg(long, default_value_t = 200_000)]
        batch_events: usize,
    },
    /// Load and check the configuration; print it as TOML with secrets redacted.
    CheckConfig,
    /// Print every ClickHouse statement (sample values bound) as a JSON list, for dialect checks.
    #[command(hide = true)]
    ClickhouseSql,
}

fn parse_size(s: &str) -> Result<u64, String> {
    let (num, mult) = match s.trim().to_ascii_uppercase() {
        t if t.ends_with('G') => (t[..t.len() - 1].to_string(), 1u64 << 30),
        t if t.ends_with('M') => (t[..t.len() - 1].to_string(), 1 << 20),
        t if t.ends_with('K') => (t[..t.len() - 1].to_string(), 1 << 10),
        t => (t, 1),
    };
    num.parse::<f64>().map(|n| (n * mult as f64) as u64).map_err(|_| format!("`{s}` is not a size like 1G, 200M"))
}

fn load_config(path: &[PathBuf], sources: &SourceArgs) -> anyhow::Result<Config> {
    let mut cfg = Config::load(path)?;
    if !sources.sources.is_empty() {
        cfg.sources = sources.sources.clone();
    }
    if sources.share_content {
        cfg.privacy.share_content = true;
    }
    if cfg.sources.is_empty() {
        // Claude Code's folder always (it is what Accrete is set up for),
        // Codex's and Gemini's when they exist: a folder made later is
        // picked up at the next start.
        use accrete_common::config::{Agent, default_claude_dir, default_codex_dir, default_gemini_dir};
        let others = [(Agent::Codex, default_codex_dir()), (Agent::Gemini, default_gemini_dir())];
        let found = others.into_iter().filter(|(_, p)| p.is_dir());
        for (agent, path) in std::iter::once((Agent::ClaudeCode, default_claude_dir())).chain(found) {
            cfg.sources.push(SourceConfig {
                person: accrete_common::config::current_person(),
                path,
                team: String::new(),
                agent: Some(agent),
            });
        }
    }
    Ok(cfg)
}

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("tokio runtime");
    match rt.block_on(run(cli)) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("accrete: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> anyhow::Result<std::process::ExitCode> {
    let config = cli.config.as_slice();
    match cli.command {
        Command::Up { sources, data_dir, listen } => {
            let mut cfg = load_config(config, &sources)?;
            if let Some(d) = data_dir {
                cfg.data_dir = d;
            }
            if let Some(l) = listen {
                cfg.listen = l.to_string();
            }
            commands::up(cfg).await
        }
        Command::Analyze { sources, json } => commands::analyze(load_config(config, &sources)?, json).await,
        Command::Matrix { url, data_dir, from, to, person, team, agent, json } => {
            let cfg = load_config(config, &SourceArgs::default())?;
            let req = accrete_common::proto::MatrixRequest { from, to, person, team, agent };
            commands::matrix(cfg, url, data_dir, req, json).await
        }
        Command::Report { month, data_dir, store, out } => {
            let mut cfg = load_config(config, &SourceArgs::default())?;
            if let Some(d) = data_dir {
                cfg.data_dir = d;
            }
            commands::report(cfg, &month, &store, &out).await
        }
        Command::Collect { sources, dry_run, gateway, token, once, data_dir } => {
            let mut cfg = load_config(config, &sources)?;
            if let Some(d) = data_dir {
                cfg.data_dir = d;
            }
            if let Some(t) = token {
                cfg.ship.token = t;
            }
            if let Some(g) = gateway {
                cfg.ship.gateway = g;
            }
            if dry_run || cfg.ship.gateway.is_empty() {
                commands::collect(cfg, dry_run).await
            } else {
                distributed::collect_and_ship(cfg, once).await
            }
        }
        Command::Gateway { listen } => {
            let mut cfg = Config::load(config)?;
            if let Some(l) = listen {
                cfg.gateway.listen = l.to_string();
            }
            distributed::gateway(cfg).await
        }
        Command::Classify => distributed::classify(Config::load(config)?).await,
        Command::Gen { from, out, people, days, sessions_per_day, max_bytes, seed, start } => {
            let start_ms = accrete_common::time::parse_rfc3339_ms(&start)
                .ok_or_else(|| anyhow::anyhow!("--start `{start}` is not YYYY-MM-DD"))?;
            let t = std::time::Instant::now();
            let opts = generate::GenOptions { from, out, people, days, sessions_per_day, max_bytes, seed, start_ms };
            let (sessions, bytes) = generate::generate(&opts)?;
            eprintln!(
                "accrete gen: {sessions} sessions, {:.1} MB for {people} people over {days} days in {} ({:.1} s)",
                bytes as f64 / 1e6,
                opts.out.display(),
                t.elapsed().as_secs_f64()
            );
            Ok(std::process::ExitCode::SUCCESS)
        }
        Command::GenOrg { people, days, teams, sessions_per_day, seed, start, store, data_dir, batch_events } => {
            let start_ms = accrete_common::time::parse_rfc3339_ms(&start)
                .ok_or_else(|| anyhow::anyhow!("--start `{start}` is not YYYY-MM-DD"))?;
            let opts = gen_org::OrgOptions { people, days, teams, sessions_per_day, seed, start_ms, batch_events };
            gen_org::run(&Config::load(config)?, &opts, &store, data_dir).await
        }
        Command::ClickhouseSql => {
            let cfg = Config::load(config)?;
            let catalog = embedded::load_catalog(&cfg)?;
            let stmts = accrete_store::clickhouse::sql::statements_for_check(&cfg.clickhouse.database, &catalog);
            println!("{}", serde_json::to_string_pretty(&stmts)?);
            Ok(std::process::ExitCode::SUCCESS)
        }
        Command::CheckConfig => {
            let cfg = Config::load(config)?;
            cfg.validate()?;
            print!("{}", cfg.to_redacted_toml());
            eprintln!("accrete: configuration ok");
            Ok(std::process::ExitCode::SUCCESS)
        }
        Command::Aggregate => distributed::aggregate(Config::load(config)?).await,
        Command::Compact => distributed::compact(Config::load(config)?).await,
        Command::Api { listen } => {
            let mut cfg = Config::load(config)?;
            if let Some(l) = listen {
                cfg.listen = l.to_string();
            }
            distributed::api(cfg).await
        }
    }
}
