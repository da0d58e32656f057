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
    /// Summaries: (sum in microseconds or units, count).
    summaries: BTreeMap<Key, Arc<(AtomicU64, AtomicU64)>>,
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

/// Durations (or sizes) observed: rendered as a Prometheus summary with
/// `_sum` and `_count`, so a rate of one over the other is the mean.
#[derive(Clone)]
pub struct Summary {
    inner: Arc<(AtomicU64, AtomicU64)>,
}

impl Summary {
    pub fn observe(&self, v: u64) {
        self.inner.0.fetch_add(v, Ordering::Relaxed);
        self.inner.1.fetch_add(1, Ordering::Relaxed);
    }
    pub fn observe_duration(&self, d: std::time::Duration) {
        self.observe(d.as_micros().min(u64::MAX as u128) as u64);
    }
    pub fn count(&self) -> u64 {
        self.inner.1.load(Ordering::Relaxed)
    }
}

/// A summary. A name ending in `_seconds` holds durations (kept in
/// microseconds, rendered in seconds: use `observe_duration`); any other
/// holds plain values such as batch sizes.
pub fn summary(name: &'static str, help: &'static str, labels: &[(&'static str, &str)]) -> Summary {
    let mut r = REGISTRY.lock().unwrap_or_else(|e| e.into_inner());
    r.help.entry(name).or_insert(("summary", help));
    let key = (name, labels.iter().map(|(k, v)| (*k, v.to_string())).collect());
    Summary { inner: r.summaries.entry(key).or_default().clone() }
}

/// One series' current value, for exporters other than `/metrics`.
#[derive(Debug, Clone, PartialEq)]
pub struct Sample {
    pub name: &'static str,
    pub help: &'static str,
    /// `counter`, `gauge`, or `summary` (then `sum` and `count` are set).
    pub kind: &'static str,
    pub labels: Vec<(&'static str, String)>,
    pub value: f64,
    pub count: u64,
}

/// Every series now.
pub fn snapshot() -> Vec<Sample> {
    let r = REGISTRY.lock().unwrap_or_else(|e| e.into_inner());
    let mut out: Vec<Sample> = r
        .series
        .iter()
        .map(|((name, labels), v)| {
            let (kind, help) = r.help[name];
            Sample { name, help, kind, labels: labels.clone(), value: v.load(Ordering::Relaxed) as f64, count: 0 }
        })
        .collect();
    for ((name, labels), v) in &r.summaries {
        let help = r.help[name].1;
        let sum = v.0.load(Ordering::Relaxed) as f64;
        let value = if name.ends_with("_seconds") { sum / 1e6 } else { sum };
        out.push(Sample {
            name,
            help,
            kind: "summary",
            labels: labels.clone(),
            value,
            count: v.1.load(Ordering::Relaxed),
        });
    }
    out
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
    let mut out = String::new();
    let mut last = "";
    for s in snapshot() {
        if s.name != last {
            let _ = writeln!(out, "# HELP {} {}\n# TYPE {} {}", s.name, s.help, s.name, s.kind);
            last = s.name;
        }
        let l: Vec<String> = s.labels.iter().map(|(k, v)| format!("{k}=\"{}\"", escape(v))).collect();
        let l = if l.is_empty() { String::new() } else { format!("{{{}}}", l.join(",")) };
        if s.kind == "summary" {
            let _ = writeln!(out, "{}_sum{l} {}\n{}_count{l} {}", s.name, s.value, s.name, s.count);
        } else {
            let _ = writeln!(out, "{}{l} {}", s.name, s.value as u64);
        }
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

    #[test]
    fn summaries_render_sum_and_count() {
        let s = summary("accrete_test_insert_duration_seconds", "Test inserts.", &[("table", "events")]);
        s.observe_duration(std::time::Duration::from_millis(1500));
        s.observe_duration(std::time::Duration::from_millis(500));
        summary("accrete_test_batch_size", "Test batches.", &[]).observe(40);
        let text = render();
        assert!(text.contains("# TYPE accrete_test_insert_duration_seconds summary"), "{text}");
        assert!(text.contains("accrete_test_insert_duration_seconds_sum{table=\"events\"} 2\n"), "{text}");
        assert!(text.contains("accrete_test_insert_duration_seconds_count{table=\"events\"} 2"), "{text}");
        assert!(text.contains("accrete_test_batch_size_sum 40"), "{text}");
        let snap = snapshot();
        let s = snap.iter().find(|s| s.name == "accrete_test_insert_duration_seconds").unwrap();
        assert_eq!((s.kind, s.value, s.count), ("summary", 2.0, 2));
    }
}
