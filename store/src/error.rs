//! The store's errors. Backend failures keep their cause as a `source`, so
//! a caller (or a log line walking the chain) sees what the driver said;
//! the API maps each variant to an HTTP status and a gRPC code.

/// A backend's own error, kept as the cause.
pub type Source = Box<dyn std::error::Error + Send + Sync + 'static>;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The caller asked for something malformed (maps to 400 / InvalidArgument).
    #[error("{0}")]
    InvalidArgument(String),
    #[error("{0}")]
    NotFound(String),
    /// The store cannot be reached now; worth retrying (503 / Unavailable).
    #[error("store unavailable ({backend}): {source}")]
    Unavailable {
        backend: &'static str,
        #[source]
        source: Source,
    },
    #[error("store error ({backend}): {source}")]
    Internal {
        backend: &'static str,
        #[source]
        source: Source,
    },
    /// The data folder could not be made or opened.
    #[error("{context}: {source}")]
    Io {
        context: String,
        #[source]
        source: std::io::Error,
    },
}

impl StoreError {
    /// Worth retrying the same request later.
    pub fn is_unavailable(&self) -> bool {
        matches!(self, StoreError::Unavailable { .. })
    }
}

impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> Self {
        match e {
            rusqlite::Error::SqliteFailure(f, _) if f.code == rusqlite::ErrorCode::DatabaseBusy => {
                StoreError::Unavailable { backend: "sqlite", source: Box::new(e) }
            }
            _ => StoreError::Internal { backend: "sqlite", source: Box::new(e) },
        }
    }
}

impl From<clickhouse::error::Error> for StoreError {
    fn from(e: clickhouse::error::Error) -> Self {
        use clickhouse::error::Error as E;
        match e {
            E::Network(_) | E::TimedOut => StoreError::Unavailable { backend: "clickhouse", source: Box::new(e) },
            other => StoreError::Internal { backend: "clickhouse", source: Box::new(other) },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::error::Error as _;

    #[test]
    fn backend_errors_keep_their_cause() {
        let e: StoreError = rusqlite::Error::InvalidQuery.into();
        assert!(!e.is_unavailable());
        assert!(e.to_string().starts_with("store error (sqlite): "), "{e}");
        let cause = e.source().expect("the driver's error is the source");
        assert!(cause.downcast_ref::<rusqlite::Error>().is_some());
        let busy = rusqlite::Error::SqliteFailure(rusqlite::ffi::Error::new(5), None);
        assert!(StoreError::from(busy).is_unavailable(), "a busy database is worth retrying");
    }
}
