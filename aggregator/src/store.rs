//! The store traits: the aggregator writes through [`RollupStore`], the query
//! API reads through [`QueryStore`]. SQLite (embedded) and ClickHouse
//! (distributed) implement both, so every mode runs the same stages.

use accrete_common::catalog::Catalog;
use accrete_common::pipeline::{Checkpoint, Classified, FileCheckpoint};
use accrete_common::proto::{
    AdoptionMatrix, Catalog as CatalogMsg, MatrixRequest, PersonSessions, PersonSessionsRequest, QuarterlyRequest,
    QuarterlyRollups, SessionDetail, SessionRequest,
};

use crate::rollup::PersonQuarter;
use std::sync::Arc;

use async_trait::async_trait;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The caller asked for something malformed (maps to 400 / InvalidArgument).
    #[error("{0}")]
    InvalidArgument(String),
    #[error("{0}")]
    NotFound(String),
    /// The store cannot be reached now; worth retrying (503 / Unavailable).
    #[error("store unavailable: {0}")]
    Unavailable(String),
    #[error("store error: {0}")]
    Internal(String),
}

impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> Self {
        match e {
            rusqlite::Error::SqliteFailure(f, _) if f.code == rusqlite::ErrorCode::DatabaseBusy => {
                StoreError::Unavailable(e.to_string())
            }
            _ => StoreError::Internal(e.to_string()),
        }
    }
}

/// Where roll-ups are written.
#[async_trait]
pub trait RollupStore: Send + Sync {
    /// Applies one classified batch and its checkpoint atomically. Applying
    /// the same batch twice leaves the store as applying it once.
    async fn apply(&self, batch: Arc<Classified>, checkpoint: &Checkpoint) -> Result<(), StoreError>;

    /// Where the collector should resume (embedded mode).
    async fn checkpoints(&self) -> Result<Vec<FileCheckpoint>, StoreError>;
}

/// What the query API asks.
#[async_trait]
pub trait QueryStore: Send + Sync {
    async fn adoption_matrix(&self, req: &MatrixRequest) -> Result<AdoptionMatrix, StoreError>;
    async fn person_sessions(&self, req: &PersonSessionsRequest) -> Result<PersonSessions, StoreError>;
    async fn session(&self, req: &SessionRequest) -> Result<SessionDetail, StoreError>;
    /// Sessions and practice counts per quarter and person (sessions with a start time only).
    async fn person_quarters(
        &self,
        from: Option<i64>,
        to: Option<i64>,
        team: &str,
    ) -> Result<Vec<PersonQuarter>, StoreError>;
    fn catalog(&self) -> CatalogMsg;
    fn catalog_ref(&self) -> &Catalog;

    /// Quarterly proficiency per team and for the whole organization.
    async fn quarterly(&self, req: &QuarterlyRequest) -> Result<QuarterlyRollups, StoreError> {
        let (from, to) = time_bounds(&req.from, &req.to)?;
        let rows = self.person_quarters(from, to, &req.team).await?;
        Ok(crate::rollup::quarterly(self.catalog_ref(), &rows, &req.team))
    }
}

/// Parses the API's optional time bounds (`YYYY-MM-DD` or RFC 3339).
pub fn time_bounds(from: &str, to: &str) -> Result<(Option<i64>, Option<i64>), StoreError> {
    let parse = |name: &str, v: &str| -> Result<Option<i64>, StoreError> {
        if v.is_empty() {
            return Ok(None);
        }
        accrete_common::time::parse_rfc3339_ms(v).map(Some).ok_or_else(|| {
            StoreError::InvalidArgument(format!("`{name}` must be YYYY-MM-DD or an RFC 3339 time, not `{v}`"))
        })
    };
    let (f, t) = (parse("from", from)?, parse("to", to)?);
    if let (Some(f), Some(t)) = (f, t)
        && f > t
    {
        return Err(StoreError::InvalidArgument("`from` is after `to`".into()));
    }
    Ok((f, t))
}
