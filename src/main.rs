//! `accrete`: one binary for every role. `accrete up` runs the whole
//! pipeline in one process on the embedded store.

mod commands;
mod distributed;
mod embedded;
mod output;

use std::net::SocketAddr;
use std::path::PathBuf;

use accrete_common::config::{Config, SourceConfig};
use clap::{Args, Parser, Subcommand};

#[derive(Parser)]
#[command(name = "accrete", version, about = "Which AI-coding practices your engineers use, and who can teach them")]
struct Cli {
    /// A TOML config file (also `ACCRETE_CONFIG`); `ACCRETE__*` variables override it.
    #[arg(long, global = true, env = "ACCRETE_CONFIG")]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Args, Clone, Default)]
pub struct SourceArgs {
    /// `PERSON=CLAUDE_DIR` (repeatable; `PERSON:TEAM=DIR` sets a team). Default: you, `$CLAUDE_CONFIG_DIR` or `~/.claude`.
    #[arg(long = "source", value_name = "PERSON=CLAUDE_DIR", value_parser = SourceConfig::parse_arg)]
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
        #[arg(long)]
        json: bool,
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
    /// The query API and dashboard on ClickHouse.
    Api {
        #[arg(long)]
        listen: Option<SocketAddr>,
    },
    /// Print every ClickHouse statement (sample values bound) as a JSON list, for dialect checks.
    #[command(hide = true)]
    ClickhouseSql,
}

fn load_config(path: Option<&std::path::Path>, sources: &SourceArgs) -> anyhow::Result<Config> {
    let mut cfg = Config::load(path)?;
    if !sources.sources.is_empty() {
        cfg.sources = sources.sources.clone();
    }
    if sources.share_content {
        cfg.privacy.share_content = true;
    }
    if cfg.sources.is_empty() {
        cfg.sources.push(SourceConfig {
            person: accrete_common::config::current_person(),
            path: accrete_common::config::default_claude_dir(),
            team: String::new(),
        });
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
    let config = cli.config.as_deref();
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
        Command::Matrix { url, data_dir, from, to, person, team, json } => {
            let cfg = load_config(config, &SourceArgs::default())?;
            let req = accrete_common::proto::MatrixRequest { from, to, person, team };
            commands::matrix(cfg, url, data_dir, req, json).await
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
        Command::ClickhouseSql => {
            let cfg = Config::load(config)?;
            let catalog = embedded::load_catalog(&cfg)?;
            let stmts = accrete_aggregator::clickhouse::sql::statements_for_check(&cfg.clickhouse.database, &catalog);
            println!("{}", serde_json::to_string_pretty(&stmts)?);
            Ok(std::process::ExitCode::SUCCESS)
        }
        Command::Aggregate => distributed::aggregate(Config::load(config)?).await,
        Command::Api { listen } => {
            let mut cfg = Config::load(config)?;
            if let Some(l) = listen {
                cfg.listen = l.to_string();
            }
            distributed::api(cfg).await
        }
    }
}
