//! Logging, tracing and metrics set-up for every binary mode, and the trace
//! context that follows a batch from the collector through the gateway,
//! Kafka (a `traceparent` header per message), the classifier and the
//! aggregator.
//!
//! With `telemetry.otlp_endpoint` set, spans go to an OTLP/gRPC receiver
//! (batched, off the hot path) and the `/metrics` registry is pushed there
//! too. Without it nothing but log lines is produced, and trace contexts
//! received from upstream pass through unchanged so that a later stage
//! that does export still joins the collector's trace.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use opentelemetry::metrics::{AsyncInstrument, MeterProvider as _};
use opentelemetry::propagation::TextMapPropagator;
use opentelemetry::trace::TracerProvider as _;
use opentelemetry::{Context, KeyValue};
use opentelemetry_otlp::WithExportConfig;
use opentelemetry_sdk::metrics::{PeriodicReader, SdkMeterProvider};
use opentelemetry_sdk::propagation::TraceContextPropagator;
use opentelemetry_sdk::trace::{Sampler, SdkTracerProvider};
use tracing::Span;
use tracing_opentelemetry::OpenTelemetrySpanExt;
use tracing_subscriber::EnvFilter;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;

use crate::config::{LogConfig, TelemetryConfig};

/// Set once spans are exported: only then are stage spans made.
static EXPORTING: AtomicBool = AtomicBool::new(false);

/// Keeps the exporters alive; flushes what is buffered when dropped.
#[derive(Default)]
pub struct Telemetry {
    tracer: Option<SdkTracerProvider>,
    meter: Option<SdkMeterProvider>,
}

impl Drop for Telemetry {
    fn drop(&mut self) {
        if let Some(t) = self.tracer.take() {
            let _ = t.shutdown_with_timeout(Duration::from_secs(5));
        }
        if let Some(m) = self.meter.take() {
            let _ = m.shutdown();
        }
    }
}

/// Logging only: text or JSON lines on stderr (stdout stays for command
/// output), `RUST_LOG` winning over the configured level.
pub fn init(log: &LogConfig) {
    let _ = init_service(log, &TelemetryConfig::default(), "accrete");
}

/// Logging, and with an OTLP endpoint, trace and metric export for one
/// service role (`accrete-gateway`, `accrete-classifier`, ...). Must run
/// inside the tokio runtime: the exporters' channels live on it.
pub fn init_service(log: &LogConfig, tel: &TelemetryConfig, service: &str) -> Telemetry {
    let filter = || EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(&log.level));
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stderr());
    let fmt = tracing_subscriber::fmt::layer().with_writer(std::io::stderr).with_ansi(ansi);
    let fmt = if log.format == "json" { fmt.json().boxed() } else { fmt.boxed() };
    let mut out = Telemetry::default();
    let otel = if tel.otlp_endpoint.is_empty() {
        None
    } else {
        match exporters(tel, service) {
            Ok((tracer, meter)) => {
                let layer = tracing_opentelemetry::layer().with_tracer(tracer.tracer("accrete"));
                out.tracer = Some(tracer);
                out.meter = Some(meter);
                Some(layer)
            }
            Err(e) => {
                eprintln!("accrete: telemetry.otlp_endpoint {}: {e}; not exporting", tel.otlp_endpoint);
                None
            }
        }
    };
    let exporting = otel.is_some();
    // The exporter's own HTTP/2 client logs through `tracing` too; its
    // events must not become spans of their own.
    let otel = otel.map(|l| l.with_filter(filter().add_directive("h2=off".parse().expect("directive"))));
    let installed = tracing_subscriber::registry().with(fmt.with_filter(filter())).with(otel).try_init().is_ok();
    if installed && exporting {
        EXPORTING.store(true, Ordering::Relaxed);
        tracing::info!(endpoint = %tel.otlp_endpoint, service, "exporting traces and metrics over otlp");
        watch_endpoint(tel.otlp_endpoint.clone());
    }
    out
}

/// The exporters drop what they cannot send without a word: say so when
/// the receiver cannot be reached, and when it can again.
fn watch_endpoint(endpoint: String) {
    let addr = endpoint_addr(&endpoint);
    tokio::spawn(async move {
        let mut was_up = true;
        loop {
            let up = matches!(
                tokio::time::timeout(Duration::from_secs(3), tokio::net::TcpStream::connect(&addr)).await,
                Ok(Ok(_))
            );
            match (was_up, up) {
                (true, false) => tracing::warn!(
                    %endpoint,
                    "otlp endpoint not reachable; spans and metrics are dropped until it answers"
                ),
                (false, true) => tracing::info!(%endpoint, "otlp endpoint reachable again"),
                _ => {}
            }
            was_up = up;
            tokio::time::sleep(Duration::from_secs(30)).await;
        }
    });
}

use tracing_subscriber::Layer as _;

/// `host:port` of an OTLP URL (4317, OTLP/gRPC's port, when none is given).
fn endpoint_addr(endpoint: &str) -> String {
    let rest = endpoint.split_once("://").map_or(endpoint, |(_, r)| r);
    let authority = rest.split('/').next().unwrap_or_default();
    if authority.rsplit_once(':').is_some_and(|(_, p)| p.parse::<u16>().is_ok()) {
        authority.to_string()
    } else {
        format!("{authority}:4317")
    }
}

fn exporters(tel: &TelemetryConfig, service: &str) -> Result<(SdkTracerProvider, SdkMeterProvider), String> {
    let resource = opentelemetry_sdk::Resource::builder()
        .with_service_name(service.to_string())
        .with_attribute(KeyValue::new("service.version", crate::VERSION))
        .build();
    let spans = opentelemetry_otlp::SpanExporter::builder()
        .with_tonic()
        .with_endpoint(&tel.otlp_endpoint)
        .with_timeout(Duration::from_secs(5))
        .build()
        .map_err(|e| e.to_string())?;
    let sampler = Sampler::ParentBased(Box::new(Sampler::TraceIdRatioBased(tel.trace_sample_ratio)));
    let tracer = SdkTracerProvider::builder()
        .with_batch_exporter(spans)
        .with_sampler(sampler)
        .with_resource(resource.clone())
        .build();
    let metrics = opentelemetry_otlp::MetricExporter::builder()
        .with_tonic()
        .with_endpoint(&tel.otlp_endpoint)
        .with_timeout(Duration::from_secs(5))
        .build()
        .map_err(|e| e.to_string())?;
    let reader = PeriodicReader::builder(metrics).with_interval(Duration::from_millis(tel.metrics_interval_ms)).build();
    let meter = SdkMeterProvider::builder().with_reader(reader).with_resource(resource).build();
    bridge_metrics(&meter, Duration::from_millis(tel.metrics_interval_ms));
    Ok((tracer, meter))
}

/// Mirrors the `/metrics` registry into OTLP instruments. Series appear as
/// code paths first count, so names are looked for again every interval
/// and each new one gets an observable instrument reading the registry.
fn bridge_metrics(provider: &SdkMeterProvider, every: Duration) {
    let meter = provider.meter("accrete");
    let seen: Arc<Mutex<HashSet<&'static str>>> = Default::default();
    let observe = |name: &'static str, kind: &'static str| -> Vec<(f64, u64, Vec<KeyValue>)> {
        crate::metrics::snapshot()
            .into_iter()
            .filter(|s| s.name == name && s.kind == kind)
            .map(|s| (s.value, s.count, s.labels.into_iter().map(|(k, v)| KeyValue::new(k, v)).collect()))
            .collect()
    };
    let register = move || {
        let mut seen = seen.lock().unwrap_or_else(|e| e.into_inner());
        for s in crate::metrics::snapshot() {
            if !seen.insert(s.name) {
                continue;
            }
            let (name, help) = (s.name, s.help);
            // Counters and gauges read the same way: each series' value.
            let values = move |o: &dyn AsyncInstrument<u64>| {
                observe(name, s.kind).iter().for_each(|(v, _, l)| o.observe(*v as u64, l))
            };
            match s.kind {
                "counter" => {
                    meter.u64_observable_counter(name).with_description(help).with_callback(values).build();
                }
                "gauge" => {
                    meter.u64_observable_gauge(name).with_description(help).with_callback(values).build();
                }
                _ => {
                    meter
                        .f64_observable_counter(format!("{name}_sum"))
                        .with_description(help)
                        .with_callback(move |o| observe(name, "summary").iter().for_each(|(v, _, l)| o.observe(*v, l)))
                        .build();
                    meter
                        .u64_observable_counter(format!("{name}_count"))
                        .with_description(help)
                        .with_callback(move |o| observe(name, "summary").iter().for_each(|(_, c, l)| o.observe(*c, l)))
                        .build();
                }
            }
        }
    };
    register();
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(every / 2);
        loop {
            tick.tick().await;
            register();
        }
    });
}

/// Whether spans are being exported by this process.
pub fn exporting() -> bool {
    EXPORTING.load(Ordering::Relaxed)
}

/// The W3C `traceparent` of a span, to send downstream (none when this
/// process does not export, or the span is not sampled).
pub fn traceparent(span: &Span) -> Option<String> {
    if !exporting() {
        return None;
    }
    let mut carrier = HashMap::new();
    TraceContextPropagator::new().inject_context(&span.context(), &mut carrier);
    carrier.remove("traceparent")
}

/// Makes `span` a child of the remote `traceparent`, when there is one.
pub fn set_remote_parent(span: &Span, traceparent: Option<&str>) {
    let Some(tp) = traceparent.filter(|_| exporting()) else { return };
    let carrier = HashMap::from([("traceparent".to_string(), tp.to_string())]);
    let cx: Context = TraceContextPropagator::new().extract(&carrier);
    let _ = span.set_parent(cx);
}

/// The spans of one stage over one batch, one per upstream trace in it: a
/// consumer's batch mixes the batches of several collectors, and each
/// keeps its own trace. `traces` maps session id to `traceparent`; the
/// returned map gives each session its new span's `traceparent`, for the
/// messages this stage sends on. The spans end when dropped.
pub fn stage_spans(
    make: impl Fn() -> Span,
    traces: &BTreeMap<String, String>,
) -> (Vec<Span>, BTreeMap<String, String>) {
    if !exporting() || traces.is_empty() {
        return (Vec::new(), traces.clone());
    }
    let mut by_parent: HashMap<&str, (Span, Option<String>)> = HashMap::new();
    let mut next = BTreeMap::new();
    for (session, parent) in traces {
        let (_, tp) = by_parent.entry(parent.as_str()).or_insert_with(|| {
            let span = make();
            set_remote_parent(&span, Some(parent));
            let tp = traceparent(&span);
            (span, tp)
        });
        next.insert(session.clone(), tp.clone().unwrap_or_else(|| parent.clone()));
    }
    (by_parent.into_values().map(|(s, _)| s).collect(), next)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoint_addresses() {
        assert_eq!(endpoint_addr("http://otel-collector:4317"), "otel-collector:4317");
        assert_eq!(endpoint_addr("https://otel.example/v1"), "otel.example:4317");
        assert_eq!(endpoint_addr("http://[::1]:14317/"), "[::1]:14317");
    }

    #[test]
    fn without_export_contexts_pass_through_unchanged() {
        let traces =
            BTreeMap::from([("s1".to_string(), "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01".to_string())]);
        let (spans, next) = stage_spans(|| tracing::info_span!("test"), &traces);
        assert!(spans.is_empty());
        assert_eq!(next, traces);
        assert_eq!(traceparent(&Span::current()), None);
    }
}
