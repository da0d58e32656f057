//! A small Prometheus registry: labelled counters and gauges rendered in the
//! text exposition format for `/metrics`. Hot paths keep the `Arc` handle a
//! lookup returns, so counting is one atomic add.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, LazyLock, Mutex};

type Key = (&'static str, Vec<(&'static str, String)>);

#[derive(Default)]
struct Registry {
    series: BTreeMap<Key, Arc<AtomicU64>>,
    help: BTreeMap<&'static str, (&'static str, &'static str)>,
}

static REGISTRY: LazyLock<Mutex<Registry>> = LazyLock::new(Default::default);

/// A monotonically increasing count.
#[derive(Clone)]
pub struct Counter(Arc<AtomicU64>);

impl Counter {
    pub fn inc(&self) {
        self.add(1)
    }
    pub fn add(&self, n: u64) {
        self.0.fetch_add(n, Ordering::Relaxed);
    }
    pub fn get(&self) -> u64 {
        self.0.load(Ordering::Relaxed)
    }
}

/// A value that goes up and down.
#[derive(Clone)]
pub struct Gauge(Arc<AtomicU64>);

impl Gauge {
    pub fn set(&self, v: u64) {
        self.0.store(v, Ordering::Relaxed);
    }
    pub fn get(&self) -> u64 {
        self.0.load(Ordering::Relaxed)
    }
}

fn series(
    kind: &'static str,
    name: &'static str,
    help: &'static str,
    labels: &[(&'static str, &str)],
) -> Arc<AtomicU64> {
    let mut r = REGISTRY.lock().unwrap_or_else(|e| e.into_inner());
    r.help.entry(name).or_insert((kind, help));
    let key = (name, labels.iter().map(|(k, v)| (*k, v.to_string())).collect());
    r.series.entry(key).or_default().clone()
}

pub fn counter(name: &'static str, help: &'static str, labels: &[(&'static str, &str)]) -> Counter {
    Counter(series("counter", name, help, labels))
}

pub fn gauge(name: &'static str, help: &'static str, labels: &[(&'static str, &str)]) -> Gauge {
    Gauge(series("gauge", name, help, labels))
}

fn escape(v: &str) -> String {
    v.replace('\\', "\\\\").replace('"', "\\\"").replace('\n', "\\n")
}

/// Every series, in the Prometheus text format.
pub fn render() -> String {
    let r = REGISTRY.lock().unwrap_or_else(|e| e.into_inner());
    let mut out = String::new();
    let mut last = "";
    for ((name, labels), v) in &r.series {
        if *name != last {
            let (kind, help) = r.help[name];
            let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} {kind}");
            last = name;
        }
        let l: Vec<String> = labels.iter().map(|(k, v)| format!("{k}=\"{}\"", escape(v))).collect();
        let l = if l.is_empty() { String::new() } else { format!("{{{}}}", l.join(",")) };
        let _ = writeln!(out, "{name}{l} {}", v.load(Ordering::Relaxed));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_labelled_series() {
        let c = counter("accrete_test_total", "A test counter.", &[("person", "a\"b")]);
        c.add(3);
        counter("accrete_test_total", "A test counter.", &[("person", "a\"b")]).inc();
        gauge("accrete_test_gauge", "A test gauge.", &[]).set(7);
        let text = render();
        assert!(text.contains("# TYPE accrete_test_total counter"));
        assert!(text.contains("accrete_test_total{person=\"a\\\"b\"} 4"), "{text}");
        assert!(text.contains("accrete_test_gauge 7"));
    }
}
