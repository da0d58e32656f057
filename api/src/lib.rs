//! The query API: JSON over HTTP for the dashboard and scripts, gRPC for
//! services, both on one port (gRPC is told apart by its HTTP/2 content type),
//! plus the dashboard, `/healthz` and `/metrics`. Who may see what is
//! decided in [`auth`], for both.

pub mod announce;
pub mod auth;
mod grpc;
mod http;

use std::sync::Arc;

use accrete_common::proto::{Assignment, Status};
use accrete_store::{QueryStore, StoreError};
use tokio::net::TcpListener;

pub use announce::{Announcer, CoachingEvents};
pub use auth::{AccessError, Auth, Principal};
pub use grpc::QueryGrpc;

/// Reports collector progress for `/v1/status`.
pub type StatusFn = Arc<dyn Fn() -> Status + Send + Sync>;

#[derive(Clone)]
pub struct ApiState {
    pub store: Arc<dyn QueryStore>,
    pub status: StatusFn,
    /// The API tokens (`api.tokens`); [`Auth::open`] when none are configured.
    pub auth: Arc<Auth>,
    /// Publishes assignments for other services (the distributed mode).
    pub events: Option<announce::Announcer>,
}

impl ApiState {
    /// The store as `who` may see it.
    pub fn scoped<'a>(&'a self, who: &'a Principal) -> auth::Scoped<'a> {
        auth::Scoped { store: self.store.as_ref(), who }
    }

    /// Hands a stored assignment to the publisher (off the request path:
    /// the store already has it, so Kafka being away neither slows nor
    /// fails the request).
    pub fn announce(&self, a: &Assignment) {
        if let Some(events) = &self.events {
            events.assigned(a);
        }
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
