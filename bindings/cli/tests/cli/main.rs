//! The terminal client's tests, as one test binary (one link of SQLCipher, OpenSSL and the
//! HTTP stack instead of five): each module drives the `beatbook` binary through a part of a
//! shift, a report, supervision or sync against a real server.

mod corrections;
mod places;
mod report;
mod retention;
mod server_smoke;
mod shift;
mod supervisor;
mod sync;
