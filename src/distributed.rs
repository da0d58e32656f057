//! The distributed roles: `gateway`, `classify`, `aggregate`, `api`, and the
//! collector daemon that ships to a gateway. They run the same stages as
//! `accrete up`, over Kafka and ClickHouse.

use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use accrete_classifier::Classifier;
use accrete_collector::ship::Shipper;
use accrete_collector::spool::{Spool, SpoolPublisher};
use accrete_collector::{Collector, CollectorOptions, StatusBoard};
use accrete_common::config::Config;
use accrete_common::pipeline::PipelineError;
use accrete_common::telemetry;
use accrete_kafka::{
    BatchConsumer, BatchProducer, ClassifiedSubscriber, CoachingPublisher, EventSubscriber, MarkPublisher,
};
use accrete_store::{ClickHouseStore, StoreError};
use anyhow::{Context, bail};
use tokio::net::TcpListener;
use tokio::sync::watch;
use tracing::{info, warn};

use crate::commands::{lock_data_dir, shutdown_signal};
use crate::embedded::load_catalog;

/// A watch that flips on SIGINT/SIGTERM.
fn stop_on_signal() -> watch::Receiver<bool> {
    let (tx, rx) = watch::channel(false);
    tokio::spawn(async move {
        shutdown_signal().await;
        info!("stopping");
        let _ = tx.send(true);
    });
    rx
}

async fn wait_stop(mut rx: watch::Receiver<bool>) {
    let _ = rx.wait_for(|s| *s).await;
}

fn print_address(role: &str, addr: std::net::SocketAddr) {
    println!("{role}=http://{addr}");
}

pub async fn gateway(cfg: Config) -> anyhow::Result<ExitCode> {
    cfg.validate()?;
    let _telemetry = telemetry::init_service(&cfg.log, &cfg.telemetry, "accrete-gateway");
    if cfg.gateway.tokens.is_empty() {
        bail!("gateway.tokens is empty: every collector would be refused (add [[gateway.tokens]] team/token pairs)");
    }
    // In the background: the gateway answers (and refuses bad input) even
    // while Kafka is away; batches then get UNAVAILABLE and are sent again.
    let kafka = cfg.kafka.clone();
    tokio::spawn(async move {
        if let Err(e) = accrete_kafka::ensure_topics(&kafka).await {
            warn!(error = %e, "cannot create topics now; producing will fail until Kafka answers");
        }
    });
    crate::admin::probe_kafka(&cfg.kafka);
    crate::admin::serve(&cfg).await?;
    let producer = BatchProducer::new(&cfg.kafka)?;
    let gw = accrete_gateway::Gateway::new(&cfg, producer);
    let listener = TcpListener::bind(&cfg.gateway.listen)
        .await
        .with_context(|| format!("cannot listen on {}", cfg.gateway.listen))?;
    let addr = listener.local_addr()?;
    let stop = stop_on_signal();
    if let (Some(cert), Some(key)) = (&cfg.gateway.tls_cert, &cfg.gateway.tls_key) {
        let read = |p: &std::path::PathBuf| std::fs::read(p).with_context(|| format!("reading {}", p.display()));
        let identity = tonic::transport::Identity::from_pem(read(cert)?, read(key)?);
        info!(%addr, brokers = %cfg.kafka.brokers, tls = true, "gateway up");
        println!("gateway=https://{addr}");
        accrete_gateway::serve_tls(listener, gw, cfg.gateway.max_batch_bytes, identity, wait_stop(stop)).await?;
        return Ok(ExitCode::SUCCESS);
    }
    info!(%addr, brokers = %cfg.kafka.brokers, topic = %cfg.kafka.events_topic, "gateway up");
    print_address("gateway", addr);
    axum::serve(listener, accrete_gateway::router(gw, cfg.gateway.max_batch_bytes))
        .with_graceful_shutdown(wait_stop(stop))
        .await?;
    Ok(ExitCode::SUCCESS)
}

/// Runs a stage, and runs it again after a transient failure (Kafka down):
/// a fresh consumer resumes from the committed offsets, so nothing is lost.
async fn with_restarts<F, Fut>(what: &str, stop: watch::Receiver<bool>, mut stage: F) -> anyhow::Result<()>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<(), PipelineError>>,
{
    loop {
        match stage().await {
            Ok(()) => return Ok(()),
            Err(e @ (PipelineError::Transient(_) | PipelineError::Closed)) => {
                if *stop.borrow() {
                    return Ok(());
                }
                accrete_common::metrics::counter(
                    "accrete_stage_restarts_total",
                    "Stage loops started again after a transient failure.",
                    &[("stage", what)],
                )
                .inc();
                warn!(stage = what, error = %e, "stage failed; restarting from the last committed offsets in 2 s");
                tokio::time::sleep(Duration::from_secs(2)).await;
            }
            Err(e) => return Err(anyhow::Error::new(e).context(what.to_string())),
        }
    }
}

pub async fn classify(cfg: Config) -> anyhow::Result<ExitCode> {
    cfg.validate()?;
    let _telemetry = telemetry::init_service(&cfg.log, &cfg.telemetry, "accrete-classifier");
    let catalog = load_catalog(&cfg)?;
    let classifier = Classifier::new(&catalog);
    let stop = stop_on_signal();
    let k = cfg.kafka.clone();
    crate::admin::probe_kafka(&k);
    accrete_common::health::require("consumer_lag");
    crate::admin::serve(&cfg).await?;
    info!(brokers = %k.brokers, group = %k.classifier_group, "classifier worker starting");
    with_restarts("classifier", stop.clone(), || async {
        let consumer = BatchConsumer::new(&k, &k.classifier_group, &[&k.events_topic], stop.clone())?;
        let output = MarkPublisher { producer: BatchProducer::new(&k)?, topic: k.marks_topic.clone() };
        classifier.run(EventSubscriber(consumer), output).await
    })
    .await?;
    Ok(ExitCode::SUCCESS)
}

/// The API's coaching events, on Kafka.
struct KafkaCoaching(CoachingPublisher);

#[tonic::async_trait]
impl accrete_api::CoachingEvents for KafkaCoaching {
    async fn assigned(&self, a: &[accrete_common::proto::Assignment]) -> Result<(), String> {
        self.0.assigned(a).await.map(|_| ()).map_err(|e| e.to_string())
    }
}

/// Connects to ClickHouse and makes sure of the schema, waiting while the
/// server is down. Another process may be creating the same tables at the
/// same moment, so a failed DDL is tried again a few times.
async fn clickhouse(cfg: &Config, stop: &watch::Receiver<bool>, views: bool) -> anyhow::Result<Arc<ClickHouseStore>> {
    let store = Arc::new(ClickHouseStore::new(&cfg.clickhouse, load_catalog(cfg)?).with_rules((&cfg.coaching).into()));
    let mut delay = Duration::from_millis(200);
    let mut ddl_failures = 0;
    loop {
        match store.migrate(views).await {
            Ok(()) => return Ok(store),
            Err(e @ StoreError::Unavailable { .. }) if !*stop.borrow() => {
                warn!(url = %cfg.clickhouse.url, error = %e, "clickhouse not reachable yet; retrying");
            }
            Err(e) if ddl_failures < 5 && !*stop.borrow() => {
                ddl_failures += 1;
                warn!(url = %cfg.clickhouse.url, error = %e, "schema change failed; trying again");
            }
            Err(e) => bail!("clickhouse schema at {}: {e}", cfg.clickhouse.url),
        }
        tokio::time::sleep(delay).await;
        delay = (delay * 2).min(Duration::from_secs(5));
    }
}

pub async fn aggregate(cfg: Config) -> anyhow::Result<ExitCode> {
    cfg.validate()?;
    let _telemetry = telemetry::init_service(&cfg.log, &cfg.telemetry, "accrete-aggregator");
    let stop = stop_on_signal();
    crate::admin::probe_kafka(&cfg.kafka);
    accrete_common::health::require("consumer_lag");
    accrete_common::health::require("clickhouse");
    crate::admin::serve(&cfg).await?;
    let store = clickhouse(&cfg, &stop, false).await?;
    crate::admin::probe_clickhouse(store.clone(), cfg.clickhouse.url.clone());
    let k = cfg.kafka.clone();
    if cfg.clickhouse.rollups {
        let (store, stop) = (store.clone(), stop.clone());
        let every = Duration::from_millis(cfg.clickhouse.compact_interval_ms);
        tokio::spawn(async move { store.keep_compacted(every, stop).await });
    }
    info!(brokers = %k.brokers, group = %k.aggregator_group, clickhouse = %cfg.clickhouse.url, "aggregator starting");
    let teams = cfg.teams.clone();
    with_restarts("aggregator", stop.clone(), || async {
        let consumer = BatchConsumer::new(&k, &k.aggregator_group, &[&k.events_topic, &k.marks_topic], stop.clone())?;
        let input = ClassifiedSubscriber { consumer, events_topic: k.events_topic.clone() };
        accrete_aggregator::run_aggregator(input, store.as_ref(), &teams, &|_| {}).await
    })
    .await?;
    Ok(ExitCode::SUCCESS)
}

/// `accrete compact`: every stale roll-up brought up to date, once.
pub async fn compact(cfg: Config) -> anyhow::Result<ExitCode> {
    cfg.validate()?;
    let _telemetry = telemetry::init_service(&cfg.log, &cfg.telemetry, "accrete-compact");
    let stop = stop_on_signal();
    let store = clickhouse(&cfg, &stop, false).await?;
    let started = std::time::Instant::now();
    let n = store.compact_all().await?;
    println!("accrete compact: {n} people's roll-ups recomputed in {:.1} s", started.elapsed().as_secs_f64());
    Ok(ExitCode::SUCCESS)
}

pub async fn api(cfg: Config) -> anyhow::Result<ExitCode> {
    cfg.validate()?;
    let _telemetry = telemetry::init_service(&cfg.log, &cfg.telemetry, "accrete-api");
    let stop = stop_on_signal();
    accrete_common::health::require("clickhouse");
    crate::admin::serve(&cfg).await?;
    let store = clickhouse(&cfg, &stop, true).await?;
    crate::admin::probe_clickhouse(store.clone(), cfg.clickhouse.url.clone());
    let listener = TcpListener::bind(&cfg.listen).await.with_context(|| format!("cannot listen on {}", cfg.listen))?;
    let addr = listener.local_addr()?;
    // Assignments go to the coaching topic too, for other services (unless
    // `kafka.coaching_topic` is empty).
    let store: Arc<dyn accrete_store::QueryStore> = store;
    let events = if cfg.kafka.coaching_topic.is_empty() {
        None
    } else {
        let kafka = cfg.kafka.clone();
        tokio::spawn(async move {
            if let Err(err) = accrete_kafka::ensure_topics(&kafka).await {
                warn!(error = %err, "cannot create topics now; coaching events wait until Kafka answers");
            }
        });
        let publisher: Arc<dyn accrete_api::CoachingEvents> =
            Arc::new(KafkaCoaching(CoachingPublisher::new(&cfg.kafka)?));
        Some(accrete_api::Announcer::start(store.clone(), publisher))
    };
    let state = accrete_api::ApiState {
        store,
        status: Arc::new(|| accrete_common::proto::Status {
            version: accrete_common::VERSION.into(),
            ..Default::default()
        }),
        auth: Arc::new(accrete_api::Auth::new(&cfg.api.tokens)),
        events,
    };
    accrete_api::warn_if_open(&state.auth, addr);
    info!(%addr, clickhouse = %cfg.clickhouse.url, "api up");
    print_address("api", addr);
    accrete_api::serve(listener, state, wait_stop(stop)).await?;
    Ok(ExitCode::SUCCESS)
}

/// `accrete collect --gateway URL`: the collector daemon.
pub async fn collect_and_ship(cfg: Config, once: bool) -> anyhow::Result<ExitCode> {
    cfg.validate()?;
    let _telemetry = telemetry::init_service(&cfg.log, &cfg.telemetry, "accrete-collector");
    if cfg.ship.token.is_empty() {
        bail!("no token: pass --token or set ship.token (ACCRETE__SHIP__TOKEN)");
    }
    let catalog = load_catalog(&cfg)?;
    let _lock = lock_data_dir(&cfg.data_dir)?;
    let spool =
        Arc::new(Spool::open(&cfg.data_dir.join("spool"), cfg.ship.spool_max_bytes).context("opening the spool")?);
    let stop = stop_on_signal();
    let (done_tx, done_rx) = watch::channel(false);
    let shipper = Shipper {
        spool: spool.clone(),
        gateway: cfg.ship.gateway.clone(),
        token: cfg.ship.token.clone(),
        collector_id: format!("{}@{}", accrete_common::config::current_person(), std::process::id()),
        ca_cert: match &cfg.ship.ca_cert {
            Some(p) => Some(std::fs::read(p).with_context(|| format!("reading ship.ca_cert {}", p.display()))?),
            None => None,
        },
    };
    let ship = tokio::spawn(shipper.run(stop.clone(), once.then_some(done_rx)));
    let collector = Collector::new(
        cfg.sources.clone(),
        catalog,
        CollectorOptions { config: cfg.collector.clone(), share_content: cfg.privacy.share_content, follow: !once },
        StatusBoard::new(),
        spool.checkpoints(),
    );
    info!(gateway = %cfg.ship.gateway, sources = cfg.sources.len(), spool = %cfg.data_dir.join("spool").display(), "collector shipping to the gateway");
    collector.run(SpoolPublisher(spool.clone()), stop.clone()).await?;
    let _ = done_tx.send(true);
    ship.await.context("shipper task")??;
    let (batches, bytes) = spool.backlog();
    if batches > 0 {
        info!(batches, bytes, "stopped with batches still in the spool; they are sent on the next start");
    } else {
        info!("everything read has been delivered");
    }
    Ok(ExitCode::SUCCESS)
}
