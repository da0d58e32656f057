//! What the commands print, and the small HTTP client `accrete matrix` uses.

use std::path::Path;

use accrete_common::TranscriptEvent;
use accrete_common::proto::{AdoptionMatrix, MatrixRequest};
use anyhow::{Context, bail};
use http_body_util::{BodyExt, Empty};
use hyper::body::Bytes;

/// The matrix as the API's JSON, or as a table.
pub fn print_matrix(m: &AdoptionMatrix, json: bool) -> anyhow::Result<()> {
    if json {
        println!("{}", serde_json::to_string(m)?);
        return Ok(());
    }
    let ids = &m.practice_ids;
    let mut header = format!("{:<16} {:>8}", "person", "sessions");
    for id in ids {
        header.push_str(&format!(" {:>14}", truncate(id, 14)));
    }
    println!("{header}");
    for r in &m.people {
        let name = if r.power_user { format!("{} *", r.person) } else { r.person.clone() };
        let mut line = format!("{:<16} {:>8}", truncate(&name, 16), r.sessions);
        for id in ids {
            let n = r.practices.get(id).copied().unwrap_or(0);
            // Out of the sessions it applies to; "n/a" when none (only
            // agents without a counterpart).
            let of = r.applicable.get(id).copied().unwrap_or(r.sessions);
            let cell = match of {
                0 if r.sessions > 0 => "n/a".to_string(),
                0 => format!("{n} (0%)"),
                of => format!("{n} ({:.0}%)", 100.0 * n as f64 / of as f64),
            };
            line.push_str(&format!(" {cell:>14}"));
        }
        println!("{line}");
    }
    if m.people.iter().any(|r| r.power_user) {
        println!("* power user: among the top quarter by breadth and depth of practice use");
    }
    Ok(())
}

fn truncate(s: &str, n: usize) -> String {
    s.chars().take(n).collect()
}

/// One event as it would go on the wire: proto3 sends no default values, so
/// none are printed.
pub fn event_json(ev: &TranscriptEvent) -> String {
    let mut v = serde_json::to_value(ev).unwrap_or_default();
    prune(&mut v);
    v.to_string()
}

fn prune(v: &mut serde_json::Value) -> bool {
    use serde_json::Value;
    match v {
        Value::Null => true,
        Value::Bool(b) => !*b,
        Value::Number(n) => n.as_f64() == Some(0.0),
        Value::String(s) => s.is_empty(),
        Value::Array(a) => {
            a.iter_mut().for_each(|x| {
                prune(x);
            });
            a.is_empty()
        }
        Value::Object(o) => {
            o.retain(|_, x| !prune(x));
            o.is_empty()
        }
    }
}

/// `GET {base}/v1/adoption-matrix` from a running service.
pub async fn fetch_matrix(base: &str, req: &MatrixRequest) -> anyhow::Result<AdoptionMatrix> {
    let mut query = Vec::new();
    for (k, v) in [("from", &req.from), ("to", &req.to), ("person", &req.person), ("agent", &req.agent)] {
        if !v.is_empty() {
            query.push(format!("{k}={}", encode(v)));
        }
    }
    let url = format!(
        "{}/v1/adoption-matrix{}{}",
        base.trim_end_matches('/'),
        if query.is_empty() { "" } else { "?" },
        query.join("&")
    );
    let uri: hyper::Uri = url.parse().with_context(|| format!("`{url}` is not a URL"))?;
    let client =
        hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new()).build_http::<Empty<Bytes>>();
    let resp = client
        .get(uri)
        .await
        .with_context(|| format!("cannot reach {base}: is `accrete up` running? (or use --data-dir)"))?;
    let status = resp.status();
    let body = resp.into_body().collect().await?.to_bytes();
    if !status.is_success() {
        bail!("{url}: {status}: {}", String::from_utf8_lossy(&body));
    }
    serde_json::from_slice(&body).with_context(|| format!("{url} did not answer an adoption matrix"))
}

fn encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// Claude Code deletes transcripts after `cleanupPeriodDays` (30 by
/// default); what Accrete has read stays, but what it has not is lost.
pub fn warn_about_cleanup(claude_dir: &Path) {
    let days = std::fs::read_to_string(claude_dir.join("settings.json"))
        .ok()
        .and_then(|s| serde_json::from_str::<serde_json::Value>(&s).ok())
        .and_then(|v| v.get("cleanupPeriodDays").and_then(|d| d.as_u64()));
    tracing::info!(
        path = %claude_dir.display(),
        cleanup_period_days = days.unwrap_or(30),
        "claude code deletes transcripts older than cleanupPeriodDays; keep accrete running (or raise the setting) so none go unread"
    );
}
