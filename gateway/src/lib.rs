//! The ingest gateway. Every batch is authenticated (a bearer token per
//! team), validated event by event, and acknowledged only once Kafka holds
//! all of it; bad input is answered with the right gRPC status and a message
//! that names the event and field.

mod validate;

use std::collections::HashMap;

use accrete_common::config::{Config, validate_person};
use accrete_common::metrics::{counter, summary};
use accrete_common::pipeline::PipelineError;
use accrete_common::proto::ingest_service_server::{IngestService, IngestServiceServer, SERVICE_NAME};
use accrete_common::proto::{PublishRequest, PublishResponse};
use accrete_common::telemetry;
use accrete_kafka::BatchProducer;
use tonic::{Request, Response, Status};
use tracing::{Instrument, debug, info_span, warn};

pub use validate::validate_event;

pub struct Gateway {
    producer: BatchProducer,
    topic: String,
    /// token -> team
    tokens: HashMap<String, String>,
    max_events: usize,
    limits: RateLimits,
}

/// A token bucket per collector token: floods from one team cannot starve
/// the others.
struct RateLimits {
    per_s: f64,
    burst: f64,
    buckets: std::sync::Mutex<HashMap<String, (f64, std::time::Instant)>>,
}

impl RateLimits {
    fn new(per_s: u64, max_batch: usize) -> RateLimits {
        let per_s = per_s as f64;
        RateLimits { per_s, burst: (2.0 * per_s).max(max_batch as f64), buckets: Default::default() }
    }

    /// Takes `n` events from the token's bucket, or says how long to wait.
    fn take(&self, token: &str, n: usize) -> Result<(), f64> {
        if self.per_s <= 0.0 {
            return Ok(());
        }
        let now = std::time::Instant::now();
        let mut b = self.buckets.lock().unwrap_or_else(|e| e.into_inner());
        let (level, last) = b.entry(token.to_string()).or_insert((self.burst, now));
        *level = (*level + now.duration_since(*last).as_secs_f64() * self.per_s).min(self.burst);
        *last = now;
        if *level >= n as f64 {
            *level -= n as f64;
            Ok(())
        } else {
            Err((n as f64 - *level) / self.per_s)
        }
    }
}

impl Gateway {
    pub fn new(cfg: &Config, producer: BatchProducer) -> Gateway {
        Gateway {
            producer,
            topic: cfg.kafka.events_topic.clone(),
            tokens: cfg.gateway.tokens.iter().map(|t| (t.token.clone(), t.team.clone())).collect(),
            max_events: cfg.gateway.max_batch_events,
            limits: RateLimits::new(cfg.gateway.rate_limit_events_per_s, cfg.gateway.max_batch_events),
        }
    }

    fn team_of<T>(&self, req: &Request<T>) -> Result<(String, String), Status> {
        let header = req
            .metadata()
            .get("authorization")
            .ok_or_else(|| Status::unauthenticated("missing `authorization: Bearer <token>`"))?;
        let token = header
            .to_str()
            .ok()
            .and_then(|h| h.strip_prefix("Bearer "))
            .ok_or_else(|| Status::unauthenticated("`authorization` must be `Bearer <token>`"))?;
        let token = token.trim();
        let team = self.tokens.get(token).cloned().ok_or_else(|| {
            counter("accrete_gateway_auth_failures_total", "Requests refused for a wrong or missing token.", &[]).inc();
            Status::unauthenticated("unknown token")
        })?;
        Ok((team, token.to_string()))
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

/// The gRPC service over TLS (rustls). Probes go to the admin port
/// (`telemetry.admin_listen`), which stays plain HTTP.
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
        let span = info_span!("gateway.ingest", events = tracing::field::Empty, team = tracing::field::Empty);
        let parent = req.metadata().get("traceparent").and_then(|v| v.to_str().ok()).map(str::to_owned);
        telemetry::set_remote_parent(&span, parent.as_deref());
        self.ingest(req).instrument(span).await
    }
}

impl Gateway {
    async fn ingest(&self, req: Request<PublishRequest>) -> Result<Response<PublishResponse>, Status> {
        let (team, token) = self.team_of(&req)?;
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
        if let Err(wait_s) = self.limits.take(&token, events.len()) {
            counter(
                "accrete_gateway_rate_limited_total",
                "Batches refused by the per-token rate limit.",
                &[("team", &team)],
            )
            .inc();
            return Err(Status::resource_exhausted(format!(
                "rate limit of {} events/s for this token; retry in {:.1} s",
                self.limits.per_s, wait_s
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
        let span = tracing::Span::current();
        span.record("events", events.len());
        span.record("team", team.as_str());
        summary("accrete_gateway_batch_size", "Events per accepted batch.", &[]).observe(events.len() as u64);
        // Every message of the batch carries this span's context on to the classifiers.
        let traces = match telemetry::traceparent(&span) {
            Some(tp) => events.iter().map(|e| (e.session_id.clone(), tp.clone())).collect(),
            None => Default::default(),
        };
        let n = self.producer.send_events(&self.topic, &events, &traces).await.map_err(|e| match e {
            PipelineError::Closed => Status::unavailable("shutting down"),
            other => Status::unavailable(format!("kafka did not take the batch: {other}")),
        })?;
        counter("accrete_gateway_events_total", "Events accepted and held by Kafka.", &[("team", &team)]).add(n as u64);
        debug!(%collector, team = %team, events = n, "batch produced");
        Ok(Response::new(PublishResponse { accepted: n as u32 }))
    }
}

fn truncate(s: &str) -> String {
    s.chars().take(64).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_bucket_refills_at_its_rate() {
        let r = RateLimits::new(1000, 10);
        assert!(r.take("a", 2000).is_ok(), "a burst of two seconds");
        let wait = r.take("a", 500).unwrap_err();
        assert!(wait > 0.4 && wait <= 0.5, "{wait}");
        assert!(r.take("b", 500).is_ok(), "tokens have buckets of their own");
        assert!(RateLimits::new(0, 10).take("a", usize::MAX).is_ok(), "0 is no limit");
    }
}
