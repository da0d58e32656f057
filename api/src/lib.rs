//! The query API: JSON over HTTP for the dashboard and scripts, gRPC for
//! services, both on one port (gRPC is told apart by its HTTP/2 content type),
//! plus the dashboard, `/healthz` and `/metrics`. Who may see what is
//! decided in [`auth`], for both.

pub mod auth;
mod grpc;
mod http;

use std::sync::Arc;

use std::time::Duration;

use accrete_common::metrics::counter;
use accrete_common::proto::{Assignment, Status};
use accrete_store::{QueryStore, StoreError};
use tokio::net::TcpListener;
use tracing::{info, warn};

pub use auth::{AccessError, Auth, Principal};
pub use grpc::QueryGrpc;

/// Reports collector progress for `/v1/status`.
pub type StatusFn = Arc<dyn Fn() -> Status + Send + Sync>;

/// Where the API announces the coaching loop's events for other services:
/// the coaching Kafka topic in the distributed mode, nowhere in the
/// one-process mode (the assignment log is the record there).
#[tonic::async_trait]
pub trait CoachingEvents: Send + Sync {
    /// Returns once the events are durable (acknowledged), or why not.
    async fn assigned(&self, assignments: &[Assignment]) -> Result<(), String>;
}

#[derive(Clone)]
pub struct ApiState {
    pub store: Arc<dyn QueryStore>,
    pub status: StatusFn,
    /// The API tokens (`api.tokens`); [`Auth::open`] when none are configured.
    pub auth: Arc<Auth>,
    pub events: Option<Arc<dyn CoachingEvents>>,
}

impl ApiState {
    /// The store as `who` may see it.
    pub fn scoped<'a>(&'a self, who: &'a Principal) -> auth::Scoped<'a> {
        auth::Scoped { store: self.store.as_ref(), who }
    }

    /// Announces a stored assignment. The assignment is already durable in
    /// the store, so a publisher that fails does not fail the request: it is
    /// retried in the background until Kafka takes it, and every start of
    /// the API publishes the whole log again ([`republish`]), so the topic
    /// gets each assignment at least once.
    pub async fn announce(&self, a: &Assignment) {
        let Some(events) = self.events.clone() else { return };
        if let Err(e) = events.assigned(std::slice::from_ref(a)).await {
            warn!(id = %a.id, error = %e, "cannot publish the assignment now; retrying in the background");
            counter(
                "accrete_coaching_events_failed_total",
                "Coaching events Kafka did not take at the first try (retried).",
                &[],
            )
            .inc();
            let a = a.clone();
            tokio::spawn(async move { retry(events.as_ref(), &[a]).await });
        }
    }
}

/// Publishes every assignment of the log (at the API's start: anything a
/// crash kept from the topic gets there; the topic is compacted by id).
pub async fn republish(store: Arc<dyn QueryStore>, events: Arc<dyn CoachingEvents>) {
    let mut delay = Duration::from_millis(500);
    let all = loop {
        match store.assignments(&Default::default(), &accrete_store::Access::All).await {
            Ok(a) => break a.assignments,
            Err(e) => {
                warn!(error = %e, "cannot read the assignment log to publish it; trying again");
                tokio::time::sleep(delay).await;
                delay = (delay * 2).min(Duration::from_secs(30));
            }
        }
    };
    if !all.is_empty() {
        retry(events.as_ref(), &all).await;
        info!(assignments = all.len(), "assignment log published to the coaching topic");
    }
}

/// Tries until the events are taken, backing off to 30 s.
async fn retry(events: &dyn CoachingEvents, a: &[Assignment]) {
    let mut delay = Duration::from_secs(1);
    loop {
        match events.assigned(a).await {
            Ok(()) => return,
            Err(e) => warn!(error = %e, assignments = a.len(), "cannot publish coaching events yet"),
        }
        tokio::time::sleep(delay).await;
        delay = (delay * 2).min(Duration::from_secs(30));
    }
}

/// Warns when the API answers everyone (no `api.tokens`) on an address other
/// machines can reach.
pub fn warn_if_open(auth: &Auth, addr: std::net::SocketAddr) {
    if auth.is_open() && !addr.ip().is_loopback() {
        tracing::warn!(
            %addr,
            "the query API has no tokens and listens beyond this machine: anyone who can reach it sees every \
             person's data (add [[api.tokens]] to the configuration)"
        );
    }
}

/// The whole router: HTTP routes, dashboard and the gRPC service.
pub fn router(state: ApiState) -> axum::Router {
    use accrete_common::proto::query_service_server::{QueryServiceServer, SERVICE_NAME};
    let grpc = QueryServiceServer::new(QueryGrpc::new(state.clone()));
    // Routed by path, beside the HTTP routes, so unknown HTTP paths still get
    // the JSON 404 rather than a gRPC "unimplemented".
    http::routes(state).route_service(&format!("/{SERVICE_NAME}/{{*method}}"), grpc)
}

/// Serves until `shutdown` resolves.
pub async fn serve(
    listener: TcpListener,
    state: ApiState,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, router(state)).with_graceful_shutdown(shutdown).await
}

/// gRPC status for a refusal or a store error.
pub fn grpc_access_status(e: AccessError) -> tonic::Status {
    match e {
        AccessError::Unauthenticated(m) => tonic::Status::unauthenticated(m),
        AccessError::Forbidden(m) => tonic::Status::permission_denied(m),
        AccessError::Store(e) => grpc_status(e),
    }
}

/// gRPC status for a store error: the edge is where errors get their codes.
pub fn grpc_status(e: StoreError) -> tonic::Status {
    match e {
        StoreError::InvalidArgument(m) => tonic::Status::invalid_argument(m),
        StoreError::NotFound(m) => tonic::Status::not_found(m),
        e @ StoreError::Unavailable { .. } => tonic::Status::unavailable(e.to_string()),
        e @ (StoreError::Internal { .. } | StoreError::Io { .. }) => tonic::Status::internal(e.to_string()),
    }
}
