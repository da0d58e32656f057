//! The admin port of the service roles (`telemetry.admin_listen`): what a
//! kubelet and Prometheus ask, without auth, kept off the API's port so that
//! probes never need a token.
//!
//! - `GET /healthz`: 200 while the process runs (liveness);
//! - `GET /readyz`: 200 once every dependency of the role holds, else 503,
//!   with a JSON body naming each check (readiness);
//! - `GET /metrics`: the Prometheus text exposition.

use std::sync::Arc;
use std::time::Duration;

use accrete_common::config::{Config, KafkaConfig};
use accrete_common::health;
use accrete_store::ClickHouseStore;
use anyhow::Context;
use axum::Router;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::get;
use tokio::net::TcpListener;
use tracing::info;

/// How often dependencies are probed.
const PROBE_EVERY: Duration = Duration::from_secs(5);

pub fn router() -> Router {
    Router::new()
        .route("/healthz", get(|| async { "ok\n" }))
        .route(
            "/readyz",
            get(|| async {
                let (ready, body) = health::report();
                let code = if ready { StatusCode::OK } else { StatusCode::SERVICE_UNAVAILABLE };
                (code, [(header::CONTENT_TYPE, "application/json")], body.to_string())
            }),
        )
        .route(
            "/metrics",
            get(|| async {
                ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], accrete_common::metrics::render())
                    .into_response()
            }),
        )
}

/// Starts the admin port if one is configured.
pub async fn serve(cfg: &Config) -> anyhow::Result<()> {
    let addr = &cfg.telemetry.admin_listen;
    if addr.is_empty() {
        return Ok(());
    }
    let listener =
        TcpListener::bind(addr).await.with_context(|| format!("cannot listen on telemetry.admin_listen {addr}"))?;
    let local = listener.local_addr()?;
    info!(addr = %local, "admin port up (/healthz, /readyz, /metrics)");
    println!("admin=http://{local}");
    tokio::spawn(async move {
        let _ = axum::serve(listener, router()).await;
    });
    Ok(())
}

/// Keeps the `kafka` check current.
pub fn probe_kafka(cfg: &KafkaConfig) {
    health::require("kafka");
    let cfg = cfg.clone();
    tokio::spawn(async move {
        let probe = match accrete_kafka::Reachability::new(&cfg) {
            Ok(p) => p,
            Err(e) => return health::set("kafka", false, format!("{}: {e}", cfg.brokers)),
        };
        loop {
            match probe.check().await {
                Ok(n) => health::set("kafka", true, format!("{n} broker(s) at {}", cfg.brokers)),
                Err(e) => health::set("kafka", false, format!("{}: {e}", cfg.brokers)),
            }
            tokio::time::sleep(PROBE_EVERY).await;
        }
    });
}

/// Keeps the `clickhouse` check current.
pub fn probe_clickhouse(store: Arc<ClickHouseStore>, url: String) {
    health::require("clickhouse");
    tokio::spawn(async move {
        loop {
            match store.ping().await {
                Ok(()) => health::set("clickhouse", true, url.clone()),
                Err(e) => health::set("clickhouse", false, format!("{url}: {e}")),
            }
            tokio::time::sleep(PROBE_EVERY).await;
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use http_body_util::BodyExt;
    use tower::ServiceExt;

    async fn get(path: &str) -> (StatusCode, String) {
        let req = axum::http::Request::get(path).body(axum::body::Body::empty()).unwrap();
        let res = router().oneshot(req).await.unwrap();
        let code = res.status();
        (code, String::from_utf8(res.into_body().collect().await.unwrap().to_bytes().to_vec()).unwrap())
    }

    #[tokio::test]
    async fn readiness_follows_the_checks() {
        assert_eq!(get("/healthz").await.0, StatusCode::OK);
        health::require("admin_test_dep");
        let (code, body) = get("/readyz").await;
        assert_eq!(code, StatusCode::SERVICE_UNAVAILABLE);
        assert!(body.contains("admin_test_dep"), "{body}");
        health::set("admin_test_dep", true, "fine");
        let (code, body) = get("/readyz").await;
        assert_eq!(code, StatusCode::OK, "{body}");
        accrete_common::metrics::counter("accrete_admin_test_total", "A test.", &[]).inc();
        assert!(get("/metrics").await.1.contains("accrete_admin_test_total 1"));
    }
}
