//! The distributed store: ClickHouse. Tables are designed so that applying
//! a batch twice changes no answer: events and marks are ReplacingMergeTree
//! rows keyed by their identity, session summaries are AggregatingMergeTree
//! states of idempotent functions (min, max, uniqExact), and "first
//! occurrence" is always a minimum. Organization and team queries read
//! per-person roll-ups recomputed from settled facts ([`rollups`]).
//!
//! By concern: every statement ([`sql`]), the schema and migrations
//! (`schema`), writes (`write`), compaction into roll-ups (`compact`,
//! [`rollups`]) and reads (`read`, planned between roll-ups and raw tables in
//! `plan`).

mod compact;
mod plan;
mod read;
pub mod rollups;
mod schema;
pub mod sql;
mod write;

use std::sync::Arc;

use accrete_common::catalog::Catalog;
use accrete_common::config::ClickHouseConfig;
use clickhouse::Client;

use crate::StoreError;

pub struct ClickHouseStore {
    client: Client,
    db: String,
    catalog: Arc<Catalog>,
    /// Answer organization and team queries from the roll-ups.
    rollups: bool,
    fingerprint: String,
    rules: Arc<crate::coaching::Rules>,
}

impl ClickHouseStore {
    pub fn new(cfg: &ClickHouseConfig, catalog: Arc<Catalog>) -> ClickHouseStore {
        let client = Client::default()
            .with_url(&cfg.url)
            .with_user(&cfg.user)
            .with_password(&cfg.password)
            .with_database(&cfg.database)
            .with_validation(cfg.validation)
            .with_compression(if cfg.compression {
                clickhouse::Compression::Lz4
            } else {
                clickhouse::Compression::None
            });
        let fingerprint = sql::catalog_fingerprint(&catalog);
        let rules = Arc::default();
        ClickHouseStore { client, db: cfg.database.clone(), catalog, rollups: cfg.rollups, fingerprint, rules }
    }

    /// Uses these coaching thresholds (`[coaching]`) instead of the defaults.
    pub fn with_rules(mut self, rules: crate::coaching::Rules) -> ClickHouseStore {
        self.rules = Arc::new(rules);
        self
    }

    pub async fn ping(&self) -> Result<(), StoreError> {
        self.client.query("SELECT 1").execute().await?;
        Ok(())
    }
}
