//! The schema and its migrations: created if missing at start, the
//! analysts' views made again from the catalog.

use tracing::info;

use super::{ClickHouseStore, sql};
use crate::StoreError;

impl ClickHouseStore {
    /// Creates the database and tables if missing (schema version 1), and
    /// with `views`, the analysts' views (the API owns those: it serves them).
    pub async fn migrate(&self, views: bool) -> Result<(), StoreError> {
        // DDL goes to the default database: ours may not exist yet.
        let admin = self.client.clone().with_database("default");
        let view_ddl = if views { sql::views(&self.db, &self.catalog) } else { Vec::new() };
        let had_writes = match admin.query(&sql::person_writes_exists(&self.db)).fetch_one::<u8>().await {
            Ok(v) => v == 1,
            Err(_) => false, // no database yet
        };
        for stmt in sql::schema(&self.db).into_iter().chain(view_ddl) {
            admin.query(&stmt).execute().await?;
        }
        if !had_writes {
            // A store from before the roll-ups: everyone starts stale.
            admin.query(&sql::seed_person_writes(&self.db)).execute().await?;
        }
        info!(database = %self.db, "clickhouse schema ready");
        Ok(())
    }
}
