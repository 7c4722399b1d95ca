//! Prometheus metrics, served at `GET /metrics` on their own listen address
//! (`--metrics-listen`, loopback by default): what a force's operations team watches and
//! alerts on (`docs/operations.md`, "Metrics"; example rules in `docs/alerts.yml`).
//!
//! Two kinds of series. Events are counted as they happen: requests by route and status and
//! their latency (the [`track`] middleware, on every route), ops by outcome and refusal code
//! (push), pulls and the records they served. State is read from the store when scraped
//! ([`endpoint`]): the feed head, enrolled and active devices, the store's size on disk, and
//! whether the store answered at all. Labels are bounded: the route is the matched route
//! pattern (never the path a client sent), the method one of the standard ones or `other`.
//!
//! Why `prometheus-client`: it is the Prometheus project's own Rust client (OpenMetrics text),
//! with typed label sets and an explicit registry, and it is small (dtoa, itoa, parking_lot);
//! `metrics` + `metrics-exporter-prometheus` would add a global recorder and a larger tree.

pub mod endpoint;

use crate::http::AppState;
use axum::extract::{Request, State};
use axum::http::Method;
use axum::middleware::Next;
use axum::response::Response;
use beatbook_core::sync::protocol::{OpResult, OpStatus};
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::{Registry, Unit};
use std::sync::atomic::AtomicU64;
use std::time::Instant;

/// `--metrics-listen`: an address, or `none` (or empty) for no metrics.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MetricsListen(pub Option<std::net::SocketAddr>);

impl std::str::FromStr for MetricsListen {
    type Err = std::net::AddrParseError;
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text.trim() {
            "" | "none" | "off" => Ok(Self(None)),
            addr => addr.parse().map(|a| Self(Some(a))),
        }
    }
}

/// Latency buckets, in seconds: 5 ms to 30 s.
const LATENCY_BUCKETS: [f64; 12] = [
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0,
];

/// A request's route and method.
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct RouteLabels {
    pub method: &'static str,
    pub route: String,
}

/// A request's route, method and answer.
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct RequestLabels {
    pub method: &'static str,
    pub route: String,
    pub status: u16,
}

/// An op's outcome, and the refusal code of a rejected one (empty otherwise).
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct OpLabels {
    pub outcome: &'static str,
    pub code: &'static str,
}

/// Every series the server exports.
#[derive(Debug)]
pub struct Metrics {
    registry: Registry,
    requests: Family<RequestLabels, Counter>,
    latency: Family<RouteLabels, Histogram>,
    ops: Family<OpLabels, Counter>,
    pulls: Counter,
    pulled_records: Counter,
    pub(crate) feed_head: Gauge,
    pub(crate) devices_enrolled: Gauge,
    pub(crate) devices_revoked: Gauge,
    pub(crate) devices_active: Gauge,
    pub(crate) store_bytes: Gauge,
    pub(crate) store_up: Gauge,
    pub(crate) store_last_ok: Gauge<f64, AtomicU64>,
    pub(crate) scrape_failures: Counter,
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl Metrics {
    pub fn new() -> Self {
        let mut registry = Registry::with_prefix("beatbook");
        let requests = Family::<RequestLabels, Counter>::default();
        registry.register(
            "http_requests",
            "HTTP requests answered, by method, route pattern and status",
            requests.clone(),
        );
        let latency = Family::<RouteLabels, Histogram>::new_with_constructor(|| {
            Histogram::new(LATENCY_BUCKETS)
        });
        registry.register_with_unit(
            "http_request_duration",
            "Time to answer a request (until its response head), by method and route pattern",
            Unit::Seconds,
            latency.clone(),
        );
        let ops = Family::<OpLabels, Counter>::default();
        registry.register(
            "sync_ops",
            "Pushed ops by outcome (accepted, duplicate, rejected) and refusal code",
            ops.clone(),
        );
        let pulls = Counter::default();
        registry.register("sync_pulls", "Pull pages served", pulls.clone());
        let pulled_records = Counter::default();
        registry.register(
            "sync_pulled_records",
            "Records served in pull pages",
            pulled_records.clone(),
        );
        let gauge = |registry: &mut Registry, name: &str, help: &str| {
            let g = Gauge::default();
            registry.register(name, help, g.clone());
            g
        };
        let feed_head = gauge(
            &mut registry,
            "feed_head",
            "The highest committed feed sequence number (grows with every accepted change)",
        );
        let devices_enrolled = gauge(
            &mut registry,
            "devices_enrolled",
            "Devices enrolled and not revoked",
        );
        let devices_revoked = gauge(&mut registry, "devices_revoked", "Devices revoked");
        let devices_active = gauge(
            &mut registry,
            "devices_active",
            "Devices not revoked that made an authenticated request in the last 24 hours",
        );
        let store_bytes = Gauge::default();
        registry.register_with_unit(
            "store_size",
            "Bytes the store takes on disk (SQLite: database and write-ahead log; PostgreSQL: the database)",
            Unit::Bytes,
            store_bytes.clone(),
        );
        let store_up = gauge(
            &mut registry,
            "store_up",
            "1 if the store answered the last scrape's queries, 0 if not",
        );
        let store_last_ok = Gauge::<f64, AtomicU64>::default();
        registry.register(
            "store_last_ok_timestamp_seconds",
            "When the store last answered a scrape (Unix time)",
            store_last_ok.clone(),
        );
        let scrape_failures = Counter::default();
        registry.register(
            "store_scrape_failures",
            "Scrapes whose store queries failed",
            scrape_failures.clone(),
        );
        Self {
            registry,
            requests,
            latency,
            ops,
            pulls,
            pulled_records,
            feed_head,
            devices_enrolled,
            devices_revoked,
            devices_active,
            store_bytes,
            store_up,
            store_last_ok,
            scrape_failures,
        }
    }

    /// Counts a push's results.
    pub fn record_push(&self, results: &[OpResult]) {
        for result in results {
            let labels = match &result.status {
                OpStatus::Accepted => OpLabels {
                    outcome: "accepted",
                    code: "",
                },
                OpStatus::Duplicate => OpLabels {
                    outcome: "duplicate",
                    code: "",
                },
                OpStatus::Rejected { code, .. } => OpLabels {
                    outcome: "rejected",
                    code: code.as_str(),
                },
            };
            self.ops.get_or_create(&labels).inc();
        }
    }

    /// Counts a pull page of `records` records.
    pub fn record_pull(&self, records: usize) {
        self.pulls.inc();
        self.pulled_records.inc_by(records as u64);
    }

    /// Counts an answered request.
    pub fn record_request(&self, method: &Method, route: &str, status: u16, seconds: f64) {
        let method = method_label(method);
        self.requests
            .get_or_create(&RequestLabels {
                method,
                route: route.to_owned(),
                status,
            })
            .inc();
        self.latency
            .get_or_create(&RouteLabels {
                method,
                route: route.to_owned(),
            })
            .observe(seconds);
    }

    /// The OpenMetrics text of every series.
    pub fn encode(&self) -> Result<String, std::fmt::Error> {
        let mut text = String::new();
        prometheus_client::encoding::text::encode(&mut text, &self.registry)?;
        Ok(text)
    }
}

/// The method as a label: one of the standard methods, or `other` (a client may send any
/// token as a method, and each would otherwise be a new series).
fn method_label(method: &Method) -> &'static str {
    match *method {
        Method::GET => "GET",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::DELETE => "DELETE",
        Method::HEAD => "HEAD",
        Method::OPTIONS => "OPTIONS",
        Method::PATCH => "PATCH",
        _ => "other",
    }
}

/// Middleware: counts every request by method, route pattern and status, and times it.
pub async fn track(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let method = request.method().clone();
    let route = crate::http::route_label(&request);
    let started = Instant::now();
    let response = next.run(request).await;
    state.metrics.record_request(
        &method,
        &route,
        response.status().as_u16(),
        started.elapsed().as_secs_f64(),
    );
    response
}

#[cfg(test)]
mod tests {
    use super::*;
    use beatbook_core::sync::protocol::RejectCode;
    use uuid::Uuid;

    #[test]
    fn ops_are_counted_by_outcome_and_refusal_code() {
        let metrics = Metrics::new();
        let result = |status| OpResult {
            op_id: Uuid::nil(),
            status,
        };
        metrics.record_push(&[
            result(OpStatus::Accepted),
            result(OpStatus::Accepted),
            result(OpStatus::Duplicate),
            result(OpStatus::Rejected {
                code: RejectCode::ClockAhead,
                message: "ahead".into(),
            }),
        ]);
        let text = metrics.encode().expect("encode");
        assert!(text.contains("beatbook_sync_ops_total{outcome=\"accepted\",code=\"\"} 2\n"));
        assert!(text.contains("beatbook_sync_ops_total{outcome=\"duplicate\",code=\"\"} 1\n"));
        assert!(
            text.contains("beatbook_sync_ops_total{outcome=\"rejected\",code=\"clock_ahead\"} 1\n")
        );
    }

    #[test]
    fn unknown_methods_share_one_label() {
        let metrics = Metrics::new();
        let odd = Method::from_bytes(b"BREW").expect("a method token");
        metrics.record_request(&odd, "(unmatched)", 404, 0.001);
        metrics.record_request(&Method::GET, "/healthz", 200, 0.001);
        let text = metrics.encode().expect("encode");
        assert!(text.contains(
            "beatbook_http_requests_total{method=\"other\",route=\"(unmatched)\",status=\"404\"} 1\n"
        ));
        assert!(text.contains(
            "beatbook_http_request_duration_seconds_count{method=\"GET\",route=\"/healthz\"} 1\n"
        ));
        assert!(!text.contains("BREW"));
    }
}
