//! Black-box tests of the sync server over HTTP on 127.0.0.1: one test binary (one link on a
//! small machine), one module per concern.

mod admin_cli;
mod browser;
mod common;
mod contract;
mod demo;
mod device_logs;
mod enrolment;
mod epochs;
mod hostile;
mod metrics;
mod openapi;
mod pull;
mod push;
mod reports;
mod s62;
mod shutdown;
mod slow_clients;
mod store_key;
mod tls;
mod transport;
mod web_sign_in;
