//! The shipper: sends spooled batches to the gateway, oldest first, and
//! deletes each once the gateway acknowledged it (the gateway acknowledges
//! only once Kafka holds the batch). While the gateway is down or slow it
//! retries with backoff and says how far behind the collector is.

use std::sync::Arc;
use std::time::{Duration, Instant};

use accrete_common::proto::PublishRequest;
use accrete_common::proto::ingest_service_client::IngestServiceClient;
use accrete_common::telemetry;
use tokio::sync::watch;
use tonic::Code;
use tonic::transport::{Certificate, Channel, ClientTlsConfig, Endpoint};
use tracing::{Instrument, error, info, info_span, warn};

use crate::spool::Spool;

pub struct Shipper {
    pub spool: Arc<Spool>,
    pub gateway: String,
    pub token: String,
    pub collector_id: String,
    /// A private CA for an `https://` gateway (PEM); the system roots otherwise.
    pub ca_cert: Option<Vec<u8>>,
}

#[derive(Debug, thiserror::Error)]
pub enum ShipError {
    #[error("gateway URL `{0}` is not valid: {1}")]
    BadUrl(String, String),
    #[error("spool: {0}")]
    Spool(#[from] std::io::Error),
}

impl Shipper {
    /// Ships until `shutdown`; with `until_drained`, also returns once the
    /// collector is `done` and the spool is empty.
    pub async fn run(
        self,
        mut shutdown: watch::Receiver<bool>,
        until_drained: Option<watch::Receiver<bool>>,
    ) -> Result<(), ShipError> {
        let mut endpoint = Endpoint::from_shared(self.gateway.clone())
            .map_err(|e| ShipError::BadUrl(self.gateway.clone(), e.to_string()))?
            .connect_timeout(Duration::from_secs(5))
            .timeout(Duration::from_secs(60));
        if self.gateway.starts_with("https://") {
            let mut tls = ClientTlsConfig::new().with_native_roots();
            if let Some(ca) = &self.ca_cert {
                tls = tls.ca_certificate(Certificate::from_pem(ca));
            }
            endpoint = endpoint.tls_config(tls).map_err(|e| ShipError::BadUrl(self.gateway.clone(), e.to_string()))?;
        }
        let channel: Channel = endpoint.connect_lazy();
        let mut client = IngestServiceClient::new(channel).max_encoding_message_size(64 << 20);
        let auth: tonic::metadata::MetadataValue<_> = format!("Bearer {}", self.token)
            .parse()
            .map_err(|_| ShipError::BadUrl(self.gateway.clone(), "the token is not a valid header value".into()))?;
        let mut backoff = Duration::from_millis(200);
        let mut last_report = Instant::now();
        let mut failing_since: Option<Instant> = None;
        loop {
            if *shutdown.borrow() {
                return Ok(());
            }
            let wake = self.spool.changed.notified();
            let spool = self.spool.clone();
            let next = tokio::task::spawn_blocking(move || spool.oldest()).await.expect("spool task")?;
            let Some((seq, batch)) = next else {
                if let Some(done) = &until_drained
                    && *done.borrow()
                    && self.spool.backlog().0 == 0
                {
                    return Ok(());
                }
                tokio::select! {
                    _ = wake => {}
                    _ = tokio::time::sleep(Duration::from_millis(250)) => {}
                    _ = shutdown.changed() => {}
                }
                continue;
            };
            let events = batch.events.len();
            // A batch's trace starts here and follows it through the
            // gateway, Kafka, the classifiers and the aggregator.
            let span = info_span!("collector.ship", events, spool_seq = seq);
            let mut req =
                tonic::Request::new(PublishRequest { batch: Some(batch), collector_id: self.collector_id.clone() });
            req.metadata_mut().insert("authorization", auth.clone());
            if let Some(tp) = telemetry::traceparent(&span).and_then(|tp| tp.parse().ok()) {
                req.metadata_mut().insert("traceparent", tp);
            }
            match client.publish(req).instrument(span).await {
                Ok(_) => {
                    self.spool.remove(seq)?;
                    if let Some(since) = failing_since.take() {
                        info!(down_for_s = since.elapsed().as_secs(), "gateway reachable again; catching up");
                    }
                    backoff = Duration::from_millis(200);
                    continue;
                }
                Err(s) if s.code() == Code::InvalidArgument => {
                    let kept = self.spool.reject(seq)?;
                    error!(events, error = %s.message(), kept = %kept.display(), "gateway refused a batch as invalid; kept aside, moving on");
                    continue;
                }
                Err(s) => {
                    failing_since.get_or_insert_with(Instant::now);
                    let (batches, bytes) = self.spool.backlog();
                    if last_report.elapsed() > Duration::from_secs(10) || backoff <= Duration::from_millis(200) {
                        last_report = Instant::now();
                        let what = match s.code() {
                            Code::Unauthenticated | Code::PermissionDenied => "gateway refused the token (ship.token)",
                            _ => "gateway unavailable",
                        };
                        warn!(
                            code = ?s.code(),
                            error = %s.message(),
                            behind_batches = batches,
                            behind_bytes = bytes,
                            retry_in_ms = backoff.as_millis() as u64,
                            "{what}; batches wait in the spool, nothing is lost"
                        );
                    }
                }
            }
            tokio::select! {
                _ = tokio::time::sleep(backoff) => {}
                _ = shutdown.changed() => {}
            }
            backoff = (backoff * 2).min(Duration::from_secs(10));
        }
    }
}
