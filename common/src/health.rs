//! Readiness: what each role needs before it can do its work (Kafka
//! reachable, ClickHouse reachable, consumer lag known), set by the tasks
//! that find out and read by the admin port's `/readyz`.

use std::collections::BTreeMap;
use std::sync::{LazyLock, Mutex};
use std::time::Instant;

#[derive(Debug, Clone)]
struct Check {
    ok: bool,
    detail: String,
    since: Instant,
}

static CHECKS: LazyLock<Mutex<BTreeMap<&'static str, Check>>> = LazyLock::new(Default::default);

fn checks() -> std::sync::MutexGuard<'static, BTreeMap<&'static str, Check>> {
    CHECKS.lock().unwrap_or_else(|e| e.into_inner())
}

/// Declares a dependency this process needs; not ready until it is [`set`] ok.
pub fn require(name: &'static str) {
    checks().entry(name).or_insert(Check { ok: false, detail: "not checked yet".into(), since: Instant::now() });
}

/// Records the latest finding for `name` (keeps `since` while it holds).
pub fn set(name: &'static str, ok: bool, detail: impl Into<String>) {
    let mut c = checks();
    let detail = detail.into();
    match c.get_mut(name) {
        Some(e) if e.ok == ok => e.detail = detail,
        _ => {
            c.insert(name, Check { ok, detail, since: Instant::now() });
        }
    }
}

/// Ready when every declared dependency is ok; the report names each one.
pub fn report() -> (bool, serde_json::Value) {
    let c = checks();
    let ready = c.values().all(|e| e.ok);
    let deps: serde_json::Map<String, serde_json::Value> = c
        .iter()
        .map(|(k, e)| {
            let v = serde_json::json!({"ok": e.ok, "detail": e.detail, "for_s": e.since.elapsed().as_secs()});
            (k.to_string(), v)
        })
        .collect();
    (ready, serde_json::json!({"ready": ready, "checks": deps}))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ready_only_when_every_required_check_holds() {
        require("test_dep_a");
        require("test_dep_b");
        set("test_dep_a", true, "reachable");
        let (ready, json) = report();
        assert!(!ready);
        assert_eq!(json["checks"]["test_dep_b"]["ok"], false);
        set("test_dep_b", true, "reachable");
        // No other test of this crate declares checks.
        assert!(report().0, "{}", report().1);
        set("test_dep_b", false, "connection refused");
        assert_eq!(report().1["checks"]["test_dep_b"]["detail"], "connection refused");
    }
}
