//! JSON over HTTP, for the dashboard, scripts and BI tools. Data routes take
//! `Authorization: Bearer <token>` and answer through [`crate::auth`].

use accrete_common::metrics::counter;
use accrete_common::proto::{
    CohortsRequest, CreateAssignmentRequest, ExamplesRequest, ListAssignmentsRequest, MatrixRequest,
    PersonSessionsRequest, QuarterlyRequest, SessionRequest, SuggestionsRequest, TrendsRequest,
};
use accrete_store::StoreError;
use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::extract::{FromRequestParts, MatchedPath, Path, Query, Request, State};
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde::Deserialize;

use crate::ApiState;
use crate::auth::{AccessError, Principal};

pub fn routes(state: ApiState) -> Router {
    Router::new()
        .route("/", get(|| static_file("text/html; charset=utf-8", include_str!("../static/index.html"))))
        .route("/app.js", get(|| static_file("text/javascript; charset=utf-8", include_str!("../static/app.js"))))
        .route("/style.css", get(|| static_file("text/css; charset=utf-8", include_str!("../static/style.css"))))
        // uPlot 1.6.32 (MIT, npm `uplot`), the dashboard's charts.
        .route(
            "/vendor/uplot.min.js",
            get(|| static_file("text/javascript; charset=utf-8", include_str!("../static/vendor/uplot.min.js"))),
        )
        .route(
            "/vendor/uplot.min.css",
            get(|| static_file("text/css; charset=utf-8", include_str!("../static/vendor/uplot.min.css"))),
        )
        .route("/healthz", get(|| async { "ok\n" }))
        .route("/metrics", get(metrics))
        .route("/v1/adoption-matrix", get(matrix))
        .route("/v1/practices", get(practices))
        .route("/v1/people/{person}/sessions", get(person_sessions))
        .route("/v1/sessions/{id}", get(session))
        .route("/v1/status", get(status))
        .route("/v1/rollups/quarterly", get(quarterly))
        .route("/v1/coaching/suggestions", get(suggestions))
        .route("/v1/coaching/trends", get(trends))
        .route("/v1/coaching/examples", get(examples))
        .route("/v1/coaching/cohorts", get(cohorts))
        .route("/v1/coaching/assignments", get(list_assignments).post(create_assignment))
        .route("/v1/coaching/report", get(month_report))
        .fallback(|| async { ApiError(StatusCode::NOT_FOUND, "no such route".into()) })
        .layer(middleware::from_fn(count_requests))
        .with_state(state)
}

/// The dashboard runs under a strict policy: its own scripts and styles only.
const CSP: &str =
    "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'";

async fn static_file(content_type: &'static str, body: &'static str) -> Response {
    (
        [
            (header::CONTENT_TYPE, content_type),
            (header::CACHE_CONTROL, "no-cache"),
            (header::CONTENT_SECURITY_POLICY, CSP),
        ],
        body,
    )
        .into_response()
}

/// An error answered as `{"error": "..."}` with its status.
pub struct ApiError(StatusCode, String);

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut resp = (self.0, Json(serde_json::json!({ "error": self.1 }))).into_response();
        if self.0 == StatusCode::UNAUTHORIZED {
            resp.headers_mut().insert(header::WWW_AUTHENTICATE, header::HeaderValue::from_static("Bearer"));
        }
        resp
    }
}

impl From<AccessError> for ApiError {
    fn from(e: AccessError) -> Self {
        match e {
            AccessError::Unauthenticated(m) => ApiError(StatusCode::UNAUTHORIZED, m),
            AccessError::Forbidden(m) => ApiError(StatusCode::FORBIDDEN, m),
            AccessError::Store(e) => e.into(),
        }
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        let code = match e {
            StoreError::InvalidArgument(_) => StatusCode::BAD_REQUEST,
            StoreError::NotFound(_) => StatusCode::NOT_FOUND,
            StoreError::Unavailable { .. } => StatusCode::SERVICE_UNAVAILABLE,
            StoreError::Internal { .. } | StoreError::Io { .. } => StatusCode::INTERNAL_SERVER_ERROR,
        };
        ApiError(code, e.to_string())
    }
}

impl From<QueryRejection> for ApiError {
    fn from(e: QueryRejection) -> Self {
        ApiError(StatusCode::BAD_REQUEST, e.body_text())
    }
}

impl From<JsonRejection> for ApiError {
    fn from(e: JsonRejection) -> Self {
        ApiError(StatusCode::BAD_REQUEST, e.body_text())
    }
}

impl From<PathRejection> for ApiError {
    fn from(e: PathRejection) -> Self {
        ApiError(StatusCode::BAD_REQUEST, e.body_text())
    }
}

/// The caller, from `Authorization: Bearer <token>`. Taken first, so a
/// request without a valid token learns nothing else (401 before 400).
struct Caller(Principal);

impl FromRequestParts<ApiState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, s: &ApiState) -> Result<Self, ApiError> {
        let value = parts.headers.get(header::AUTHORIZATION).map(|v| v.as_bytes());
        Ok(Caller(s.auth.principal(value)?))
    }
}

type ApiResult<T> = Result<Json<T>, ApiError>;

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RangeParams {
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
    #[serde(default)]
    person: String,
    #[serde(default)]
    team: String,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct TrendParams {
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
    #[serde(default)]
    person: String,
    #[serde(default)]
    team: String,
    #[serde(default)]
    bucket: String,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct TeamRange {
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
    #[serde(default)]
    team: String,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct PersonParam {
    #[serde(default)]
    person: String,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct NoParams {}

/// The matrix's query: a range, a person or team, and an agent.
#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct MatrixParams {
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
    #[serde(default)]
    person: String,
    #[serde(default)]
    team: String,
    #[serde(default)]
    agent: String,
}

async fn matrix(
    State(s): State<ApiState>,
    Caller(who): Caller,
    q: Result<Query<MatrixParams>, QueryRejection>,
) -> ApiResult<accrete_common::proto::AdoptionMatrix> {
    let Query(q) = q?;
    let req = MatrixRequest { from: q.from, to: q.to, person: q.person, team: q.team, agent: q.agent };
    Ok(Json(s.scoped(&who).adoption_matrix(req).await?))
}

async fn quarterly(
    State(s): State<ApiState>,
    Caller(who): Caller,
    q: Result<Query<TeamRange>, QueryRejection>,
) -> ApiResult<accrete_common::proto::QuarterlyRollups> {
    let Query(q) = q?;
    Ok(Json(s.scoped(&who).quarterly(QuarterlyRequest { team: q.team, from: q.from, to: q.to }).await?))
}

async fn suggestions(
    State(s): State<ApiState>,
    Caller(who): Caller,
    q: Result<Query<RangeParams>, QueryRejection>,
) -> ApiResult<accrete_common::proto::Suggestions> {
    let Query(q) = q?;
    let req = SuggestionsRequest { from: q.from, to: q.to, person: q.person, team: q.team };
    Ok(Json(s.scoped(&who).suggestions(req).await?))
}

async fn trends(
    State(s): State<ApiState>,
    Caller(who): Caller,
    q: Result<Query<TrendParams>, QueryRejection>,
) -> ApiResult<accrete_common::proto::Trends> {
    let Query(q) = q?;
    let req = TrendsRequest { from: q.from, to: q.to, person: q.person, team: q.team, bucket: q.bucket };
    Ok(Json(s.scoped(&who).trends(req).await?))
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct CohortParams {
    #[serde(default)]
    team: String,
    #[serde(default)]
    bucket: String,
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
}

async fn cohorts(
    State(s): State<ApiState>,
    Caller(who): Caller,
    q: Result<Query<CohortParams>, QueryRejection>,
) -> ApiResult<accrete_common::proto::Cohorts> {
    let Query(q) = q?;
    let req = CohortsRequest { team: q.team, bucket: q.bucket, from: q.from, to: q.to };
    Ok(Json(s.scoped(&who).cohorts(req).await?))
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct ExampleParams {
    #[serde(default)]
    practice: String,
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
    #[serde(default)]
    person: String,
    #[serde(default)]
    team: String,
}

async fn examples(
    State(s): State<ApiState>,
    Caller(who): Caller,
    q: Result<Query<ExampleParams>, QueryRejection>,
) -> ApiResult<accrete_common::proto::Examples> {
    let Query(q) = q?;
    let req = ExamplesRequest { practice: q.practice, from: q.from, to: q.to, person: q.person, team: q.team };
    Ok(Json(s.scoped(&who).examples(req).await?))
}

/// The body of `POST /v1/coaching/assignments`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NewAssignment {
    person: String,
    practice: String,
    #[serde(default)]
    start: String,
    #[serde(default)]
    weeks: u32,
    #[serde(default)]
    note: String,
}

async fn create_assignment(
    State(s): State<ApiState>,
    Caller(who): Caller,
    body: Result<Json<NewAssignment>, JsonRejection>,
) -> Result<(StatusCode, Json<accrete_common::proto::Assignment>), ApiError> {
    let Json(b) = body?;
    let req = CreateAssignmentRequest {
        person: b.person,
        practice: b.practice,
        start: b.start,
        weeks: b.weeks,
        note: b.note,
    };
    let a = s.scoped(&who).assign(req).await?;
    s.announce(&a);
    Ok((StatusCode::CREATED, Json(a)))
}

async fn list_assignments(
    State(s): State<ApiState>,
    Caller(who): Caller,
    q: Result<Query<PersonTeam>, QueryRejection>,
) -> ApiResult<accrete_common::proto::Assignments> {
    let Query(q) = q?;
    Ok(Json(s.scoped(&who).assignments(ListAssignmentsRequest { person: q.person, team: q.team }).await?))
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct PersonTeam {
    #[serde(default)]
    person: String,
    #[serde(default)]
    team: String,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct ReportParams {
    month: String,
    #[serde(default)]
    team: String,
    /// `md` (the default) or `html`.
    #[serde(default)]
    format: String,
}

async fn month_report(
    State(s): State<ApiState>,
    Caller(who): Caller,
    q: Result<Query<ReportParams>, QueryRejection>,
) -> Result<Response, ApiError> {
    let Query(q) = q?;
    let html = match q.format.as_str() {
        "" | "md" => false,
        "html" => true,
        other => return Err(ApiError(StatusCode::BAD_REQUEST, format!("`format` must be md or html, not `{other}`"))),
    };
    let teams = s.scoped(&who).month_report(&q.month, &q.team).await?;
    let catalog = s.store.catalog_ref();
    let (kind, body) = if html {
        ("text/html; charset=utf-8", accrete_store::report::html(catalog, &q.month, &teams))
    } else {
        ("text/markdown; charset=utf-8", accrete_store::report::markdown(catalog, &q.month, &teams))
    };
    Ok(([(header::CONTENT_TYPE, kind), (header::CONTENT_SECURITY_POLICY, CSP)], body).into_response())
}

async fn practices(
    State(s): State<ApiState>,
    q: Result<Query<NoParams>, QueryRejection>,
) -> ApiResult<accrete_common::proto::Catalog> {
    q?;
    Ok(Json(s.store.catalog()))
}

async fn person_sessions(
    State(s): State<ApiState>,
    Caller(who): Caller,
    person: Result<Path<String>, PathRejection>,
    q: Result<Query<RangeParams>, QueryRejection>,
) -> ApiResult<accrete_common::proto::PersonSessions> {
    let Path(person) = person?;
    let Query(q) = q?;
    if !q.person.is_empty() || !q.team.is_empty() {
        return Err(ApiError(
            StatusCode::BAD_REQUEST,
            "the person is in the path; `person` and `team` are not parameters here".into(),
        ));
    }
    Ok(Json(s.scoped(&who).person_sessions(PersonSessionsRequest { person, from: q.from, to: q.to }).await?))
}

async fn session(
    State(s): State<ApiState>,
    Caller(who): Caller,
    id: Result<Path<String>, PathRejection>,
    q: Result<Query<PersonParam>, QueryRejection>,
) -> ApiResult<accrete_common::proto::SessionDetail> {
    let Path(id) = id?;
    let Query(q) = q?;
    Ok(Json(s.scoped(&who).session(SessionRequest { session_id: id, person: q.person }).await?))
}

async fn status(
    State(s): State<ApiState>,
    Caller(who): Caller,
    q: Result<Query<NoParams>, QueryRejection>,
) -> ApiResult<accrete_common::proto::Status> {
    s.scoped(&who).require_admin("`/v1/status`")?;
    q?;
    Ok(Json((s.status)()))
}

/// Per-person counters: admins only once tokens are configured (Prometheus
/// sends one with `authorization: {credentials: ...}`).
async fn metrics(State(s): State<ApiState>, Caller(who): Caller) -> Result<Response, ApiError> {
    s.scoped(&who).require_admin("`/metrics`")?;
    Ok(([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], accrete_common::metrics::render()).into_response())
}

async fn count_requests(req: Request, next: Next) -> Response {
    let route = req.extensions().get::<MatchedPath>().map(|m| m.as_str().to_owned()).unwrap_or_else(|| "other".into());
    let mut resp = next.run(req).await;
    let h = resp.headers_mut();
    h.insert(header::X_CONTENT_TYPE_OPTIONS, header::HeaderValue::from_static("nosniff"));
    if route.starts_with("/v1/") {
        h.insert(header::CACHE_CONTROL, header::HeaderValue::from_static("no-store"));
    }
    let code = resp.status().as_u16().to_string();
    counter(
        "accrete_api_requests_total",
        "HTTP requests answered, by route and status.",
        &[("route", &route), ("status", &code)],
    )
    .inc();
    resp
}
