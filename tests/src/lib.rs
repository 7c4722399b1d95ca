//! End-to-end tests for Beatbook live in `tests/`; what they share lives here: a real
//! `beatbook-server` process on loopback, enrolled devices, raw HTTP, and the driver programs
//! they run (`src/bin/`: devices that can be killed mid-write).

pub mod chaos;
pub mod crowd;
pub mod device;
pub mod disk;
pub mod guess_rate;
pub mod http;
pub mod inspect;
pub mod keyed;
pub mod latency;
pub mod load;
pub mod pagescan;
pub mod procstat;
pub mod proxy;
pub mod records;
pub mod rng;
pub mod server;
pub mod server_binary;
pub mod skew;
pub mod workload;
pub mod write_floor;
