//! The embedded store: one SQLite file under the data folder (WAL mode, so
//! the API reads while the aggregator writes, and BI tools can open it).
//! Each batch is one transaction holding its effects *and* the collector's
//! read positions, so a restart resumes exactly where the store stopped.
//!
//! By concern: the schema and statements ([`sql`]), writes ([`write`]:
//! batches, settled into per-session practices by the shared rule in
//! [`crate::rollup`]), reads ([`read`]) and, here, opening the file and the
//! checkpoints.

mod read;
mod rollup;
mod sql;
mod write;

use std::path::Path;
use std::sync::{Arc, Mutex};

use accrete_common::catalog::Catalog;
use accrete_common::pipeline::{FileCheckpoint, FileKey};
use async_trait::async_trait;
use rusqlite::{Connection, params};

use crate::rollup::MarkRow;
use crate::{CheckpointStore, StoreError};

pub struct SqliteStore {
    writer: Arc<Mutex<Connection>>,
    reader: Arc<Mutex<Connection>>,
    catalog: Arc<Catalog>,
    /// Keep every event for the drill-down timeline, and the month roll-ups
    /// (off for one-shot runs that only print the matrix).
    timeline: bool,
    rules: Arc<crate::coaching::Rules>,
}

fn open(path: &Path) -> Result<Connection, StoreError> {
    let c = Connection::open(path)?;
    c.execute_batch(sql::PRAGMAS)?;
    Ok(c)
}

impl SqliteStore {
    /// Opens (creating if needed) `accrete.db` in `data_dir`.
    pub fn open(data_dir: &Path, catalog: Arc<Catalog>) -> Result<SqliteStore, StoreError> {
        Self::open_with(data_dir, catalog, true)
    }

    /// `timeline: false` skips storing events one by one: sessions, marks and
    /// practices are kept, which is all the matrix needs.
    pub fn open_with(data_dir: &Path, catalog: Arc<Catalog>, timeline: bool) -> Result<SqliteStore, StoreError> {
        std::fs::create_dir_all(data_dir).map_err(|source| StoreError::Io {
            context: format!("cannot create data folder {}", data_dir.display()),
            source,
        })?;
        let path = data_dir.join("accrete.db");
        let mut writer = open(&path)?;
        writer.execute_batch(sql::SCHEMA)?;
        if timeline {
            rollup::ensure_built(&mut writer)?;
        } else {
            writer.execute(sql::FORGET_ROLLUP, [])?;
        }
        let reader = open(&path)?;
        Ok(SqliteStore {
            writer: Arc::new(Mutex::new(writer)),
            reader: Arc::new(Mutex::new(reader)),
            catalog,
            timeline,
            rules: Arc::default(),
        })
    }

    /// Uses these coaching thresholds (`[coaching]`) instead of the defaults.
    pub fn with_rules(mut self, rules: crate::coaching::Rules) -> SqliteStore {
        self.rules = Arc::new(rules);
        self
    }

    /// Runs `f` on a connection off the async threads (SQLite blocks).
    async fn with<T: Send + 'static>(
        conn: &Arc<Mutex<Connection>>,
        f: impl FnOnce(&mut Connection) -> Result<T, StoreError> + Send + 'static,
    ) -> Result<T, StoreError> {
        let conn = conn.clone();
        tokio::task::spawn_blocking(move || {
            let mut c = conn.lock().unwrap_or_else(|e| e.into_inner());
            f(&mut c)
        })
        .await
        .map_err(|e| StoreError::Internal { backend: "sqlite", source: Box::new(e) })?
    }
}

/// A session's marks, as the presence rule reads them.
fn session_marks(sel: &mut rusqlite::CachedStatement, person: &str, session: &str) -> Result<Vec<MarkRow>, StoreError> {
    let rows = sel.query_map(params![person, session], |r| {
        Ok(MarkRow {
            key: r.get(0)?,
            agent_id: r.get(1)?,
            ordinal: r.get::<_, i64>(2)? as u64,
            line: r.get::<_, i64>(3)? as u64,
            timestamp_ms: r.get(4)?,
            evidence: r.get(5)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

#[async_trait]
impl CheckpointStore for SqliteStore {
    async fn checkpoints(&self) -> Result<Vec<FileCheckpoint>, StoreError> {
        Self::with(&self.reader, |c| {
            let mut st = c.prepare(sql::SELECT_FILES)?;
            let rows = st.query_map([], |r| {
                Ok(FileCheckpoint {
                    key: FileKey { person: r.get(0)?, path: r.get(1)? },
                    offset: r.get::<_, i64>(2)? as u64,
                    line: r.get::<_, i64>(3)? as u64,
                    file_id: r.get::<_, i64>(4)? as u64,
                    session_id: r.get(5)?,
                    agent_id: r.get(6)?,
                })
            })?;
            Ok(rows.collect::<Result<_, _>>()?)
        })
        .await
    }
}
