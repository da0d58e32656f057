//! The ingest gateway. Every batch is authenticated (a bearer token per
//! team), validated event by event, and acknowledged only once Kafka holds
//! all of it; bad input is answered with the right gRPC status and a message
//! that names the event and field.

mod validate;

use std::collections::HashMap;

use accrete_common::config::{Config, validate_person};
use accrete_common::metrics::counter;
use accrete_common::pipeline::PipelineError;
use accrete_common::proto::ingest_service_server::{IngestService, IngestServiceServer, SERVICE_NAME};
use accrete_common::proto::{PublishRequest, PublishResponse};
use accrete_kafka::BatchProducer;
use tonic::{Request, Response, Status};
use tracing::{debug, warn};

pub use validate::validate_event;

pub struct Gateway {
    producer: BatchProducer,
    topic: String,
    /// token -> team
    tokens: HashMap<String, String>,
    max_events: usize,
}

impl Gateway {
    pub fn new(cfg: &Config, producer: BatchProducer) -> Gateway {
        Gateway {
            producer,
            topic: cfg.kafka.events_topic.clone(),
            tokens: cfg.gateway.tokens.iter().map(|t| (t.token.clone(), t.team.clone())).collect(),
            max_events: cfg.gateway.max_batch_events,
        }
    }

    fn team_of<T>(&self, req: &Request<T>) -> Result<String, Status> {
        let header = req
            .metadata()
            .get("authorization")
            .ok_or_else(|| Status::unauthenticated("missing `authorization: Bearer <token>`"))?;
        let token = header
            .to_str()
            .ok()
            .and_then(|h| h.strip_prefix("Bearer "))
            .ok_or_else(|| Status::unauthenticated("`authorization` must be `Bearer <token>`"))?;
        self.tokens.get(token.trim()).cloned().ok_or_else(|| {
            counter("accrete_gateway_auth_failures_total", "Requests refused for a wrong or missing token.", &[]).inc();
            Status::unauthenticated("unknown token")
        })
    }
}

/// The gRPC service plus `/healthz` and `/metrics`, on one port.
pub fn router(gateway: Gateway, max_batch_bytes: usize) -> axum::Router {
    let svc = IngestServiceServer::new(gateway).max_decoding_message_size(max_batch_bytes);
    axum::Router::new()
        .route("/healthz", axum::routing::get(|| async { "ok\n" }))
        .route("/metrics", axum::routing::get(|| async { accrete_common::metrics::render() }))
        .route_service(&format!("/{SERVICE_NAME}/{{*method}}"), svc)
}

/// The gRPC service over TLS (rustls). Probes use the plain-text port of a
/// second gateway, or a TCP check: `/healthz` is not served over TLS.
pub async fn serve_tls(
    listener: tokio::net::TcpListener,
    gateway: Gateway,
    max_batch_bytes: usize,
    identity: tonic::transport::Identity,
    shutdown: impl std::future::Future<Output = ()>,
) -> Result<(), tonic::transport::Error> {
    let svc = IngestServiceServer::new(gateway).max_decoding_message_size(max_batch_bytes);
    let incoming = tokio_stream::wrappers::TcpListenerStream::new(listener);
    tonic::transport::Server::builder()
        .tls_config(tonic::transport::ServerTlsConfig::new().identity(identity))?
        .add_service(svc)
        .serve_with_incoming_shutdown(incoming, shutdown)
        .await
}

#[tonic::async_trait]
impl IngestService for Gateway {
    async fn publish(&self, req: Request<PublishRequest>) -> Result<Response<PublishResponse>, Status> {
        let team = self.team_of(&req)?;
        let collector = req.get_ref().collector_id.clone();
        let mut events = req.into_inner().batch.map(|b| b.events).unwrap_or_default();
        let rejected = counter("accrete_gateway_batches_rejected_total", "Batches refused as invalid.", &[]);
        if events.len() > self.max_events {
            rejected.inc();
            return Err(Status::invalid_argument(format!(
                "batch of {} events is over the limit of {}",
                events.len(),
                self.max_events
            )));
        }
        let now =
            std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_millis() as i64);
        for (i, ev) in events.iter_mut().enumerate() {
            if let Err(e) =
                validate_person(&ev.person).map_err(|m| format!("person: {m}")).and_then(|_| validate_event(ev, now))
            {
                rejected.inc();
                warn!(%collector, team = %team, event = i, error = %e, "refusing a batch with an invalid event");
                return Err(Status::invalid_argument(format!(
                    "event {i} (session `{}`): {e}",
                    truncate(&ev.session_id)
                )));
            }
            // The token decides the team when the collector named none.
            if ev.team.is_empty() {
                ev.team = team.clone();
            }
        }
        let n = self.producer.send_events(&self.topic, &events).await.map_err(|e| match e {
            PipelineError::Transient(m) | PipelineError::Fatal(m) => {
                Status::unavailable(format!("kafka did not take the batch: {m}"))
            }
            PipelineError::Closed => Status::unavailable("shutting down"),
        })?;
        counter("accrete_gateway_events_total", "Events accepted and held by Kafka.", &[("team", &team)]).add(n as u64);
        debug!(%collector, team = %team, events = n, "batch produced");
        Ok(Response::new(PublishResponse { accepted: n as u32 }))
    }
}

fn truncate(s: &str) -> String {
    s.chars().take(64).collect()
}
