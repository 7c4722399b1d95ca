//! The end-to-end tests, as one test binary: devices, real server processes, faults and
//! convergence (docs/reliability.md). One binary links SQLCipher, OpenSSL and the HTTP stack
//! once instead of once per file, which keeps the test build within two cores.

mod backup_restore;
mod bad_networks;
mod clocks;
mod corrections_e2e;
mod crash_recovery;
mod cut_connections;
mod device_crash;
mod hostile_text;
mod load;
mod placeless_contacts;
mod postgres_failover;
mod postgres_instances;
mod raw_scan;
mod referral_e2e;
mod reports_e2e;
mod retention_e2e;
mod retention_server_e2e;
mod s62_e2e;
mod server_crash;
mod supervisor_e2e;
mod sync_e2e;
mod triangle_e2e;
