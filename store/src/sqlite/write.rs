//! Writes: one transaction per batch (events, marks, the sessions they
//! touch settled into `session_practices` by [`practices_present`], and the
//! collector's read positions).

use std::collections::BTreeSet;
use std::sync::Arc;

use accrete_common::catalog::Catalog;
use accrete_common::pipeline::{Checkpoint, Classified, FileKey};
use async_trait::async_trait;
use rusqlite::{Connection, OptionalExtension, params};

use super::{SqliteStore, rollup, session_marks, sql};
use crate::rollup::{content_json, practices_present, summarize};
use crate::{RollupStore, StoreError};

#[async_trait]
impl RollupStore for SqliteStore {
    async fn apply(&self, batch: Arc<Classified>, checkpoint: &Checkpoint) -> Result<(), StoreError> {
        let catalog = self.catalog.clone();
        let cp = checkpoint.clone();
        let timeline = self.timeline;
        Self::with(&self.writer, move |c| apply_batch(c, &catalog, &batch, &cp, timeline)).await
    }
}

fn apply_batch(
    c: &mut Connection,
    catalog: &Catalog,
    batch: &Classified,
    cp: &Checkpoint,
    timeline: bool,
) -> Result<(), StoreError> {
    let tx = c.transaction()?;
    // The month roll-ups move by what this batch changes in its sessions
    // (`timeline` stores keep them; one-shot runs read sessions directly).
    let (affected, before) = if timeline {
        let affected = affected_sessions(&tx, batch, cp)?;
        let before = rollup::snapshot(&tx, &affected)?;
        (affected, before)
    } else {
        Default::default()
    };
    let mut touched: BTreeSet<(String, String)> = BTreeSet::new();
    for FileKey { person, path } in &cp.resets {
        let file: Option<(String, String)> =
            tx.query_row(sql::SELECT_FILE, params![person, path], |r| Ok((r.get(0)?, r.get(1)?))).optional()?;
        if let Some((session, agent)) = file {
            tx.execute(sql::DELETE_FILE_EVENTS, params![person, session, agent])?;
            tx.execute(sql::DELETE_FILE_MARKS, params![person, session, agent])?;
            touched.insert((person.clone(), session));
        }
    }
    {
        let mut ensure = tx.prepare_cached(sql::ENSURE_SESSION)?;
        for f in cp.files.iter().filter(|f| f.agent_id.is_empty() && !f.session_id.is_empty()) {
            ensure.execute(params![f.key.person, f.session_id, "", ""])?;
        }
        let mut ins = tx.prepare_cached(sql::UPSERT_EVENT)?;
        let mut upsert_times = tx.prepare_cached(sql::UPSERT_SESSION_TIMES)?;
        type SessionAcc<'a> = (&'a str, &'a str, Option<(i64, i64)>, bool);
        // A BTreeMap: SipHash of two strings per event was 2 % of a catch-up.
        let mut sessions: std::collections::BTreeMap<(&str, &str), SessionAcc> = Default::default();
        for ev in &batch.events {
            if timeline {
                ins.execute(params![
                    ev.person,
                    ev.session_id,
                    ev.agent_id,
                    ev.offset as i64,
                    ev.part,
                    ev.line as i64,
                    ev.timestamp_ms,
                    ev.line_type,
                    ev.is_sidechain,
                    summarize(ev),
                    content_json(ev)
                ])?;
            }
            // Session rows are updated once per batch, not once per event.
            let s = sessions.entry((&ev.person, &ev.session_id)).or_insert((&ev.team, &ev.project, None, false));
            if ev.agent_id.is_empty() {
                s.3 = true;
                if ev.timestamp_ms > 0 {
                    let t = ev.timestamp_ms;
                    s.2 = Some(s.2.map_or((t, t), |(lo, hi): (i64, i64)| (lo.min(t), hi.max(t))));
                }
            }
        }
        for ((person, session), (team, project, times, own)) in &sessions {
            match (own, times) {
                (true, Some((lo, hi))) => {
                    upsert_times.execute(params![person, session, team, project, lo, hi])?;
                }
                (true, None) => {
                    ensure.execute(params![person, session, team, project])?;
                }
                _ => {}
            }
            touched.insert((person.to_string(), session.to_string()));
        }
        let mut mark = tx.prepare_cached(sql::UPSERT_MARK)?;
        for m in &batch.marks {
            mark.execute(params![
                m.person,
                m.session_id,
                m.agent_id,
                m.key,
                m.ordinal as i64,
                m.line as i64,
                m.timestamp_ms,
                m.evidence
            ])?;
        }
        let mut sel = tx.prepare_cached(sql::SELECT_SESSION_MARKS)?;
        let mut del = tx.prepare_cached(sql::DELETE_SESSION_PRACTICES)?;
        let mut add = tx.prepare_cached(sql::INSERT_SESSION_PRACTICE)?;
        let mut recount = tx.prepare_cached(sql::RECOUNT_SESSION_EVENTS)?;
        for (person, session) in &touched {
            let marks = session_marks(&mut sel, person, session)?;
            del.execute(params![person, session])?;
            for (practice, _) in practices_present(catalog, &marks) {
                add.execute(params![person, session, practice])?;
            }
            if timeline {
                recount.execute(params![person, session])?;
            }
        }
        let mut file = tx.prepare_cached(sql::UPSERT_FILE)?;
        for f in &cp.files {
            file.execute(params![
                f.key.person,
                f.key.path,
                f.offset as i64,
                f.line as i64,
                f.file_id as i64,
                f.session_id,
                f.agent_id
            ])?;
        }
    }
    if timeline {
        rollup::apply_delta(&tx, &before, &rollup::snapshot(&tx, &affected)?)?;
    }
    tx.commit()?;
    Ok(())
}

/// Every session a batch can change: of its events and marks, of the files
/// it resets or starts. Read before anything is written.
fn affected_sessions(
    tx: &rusqlite::Transaction,
    batch: &Classified,
    cp: &Checkpoint,
) -> Result<BTreeSet<(String, String)>, StoreError> {
    let mut seen: BTreeSet<(&str, &str)> = BTreeSet::new();
    seen.extend(batch.events.iter().map(|e| (e.person.as_str(), e.session_id.as_str())));
    seen.extend(batch.marks.iter().map(|m| (m.person.as_str(), m.session_id.as_str())));
    seen.extend(
        cp.files.iter().filter(|f| !f.session_id.is_empty()).map(|f| (f.key.person.as_str(), f.session_id.as_str())),
    );
    let mut out: BTreeSet<(String, String)> = seen.into_iter().map(|(p, s)| (p.to_string(), s.to_string())).collect();
    for FileKey { person, path } in &cp.resets {
        let session: Option<String> = tx.query_row(sql::SELECT_FILE, params![person, path], |r| r.get(0)).optional()?;
        out.extend(session.map(|s| (person.clone(), s)));
    }
    Ok(out)
}
