//! What a running process holds, read from Linux's `/proc/PID`: resident memory now and at its
//! peak (`VmRSS`, `VmHWM`) and open descriptors. For benches that watch the server under load.

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

/// One reading of a process.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Reading {
    /// Resident memory, KiB (`VmRSS`).
    pub rss_kib: u64,
    /// The highest resident memory since the process started, KiB (`VmHWM`).
    pub hwm_kib: u64,
    /// Open file descriptors (entries of `/proc/PID/fd`).
    pub fds: usize,
}

impl Reading {
    /// Reads process `pid`; `None` once it has gone.
    pub fn of(pid: u32) -> Option<Reading> {
        let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
        let field = |name: &str| {
            status
                .lines()
                .find_map(|l| l.strip_prefix(name))
                .and_then(|rest| rest.split_whitespace().next())
                .and_then(|kib| kib.parse::<u64>().ok())
        };
        Some(Reading {
            rss_kib: field("VmRSS:")?,
            hwm_kib: field("VmHWM:")?,
            fds: std::fs::read_dir(format!("/proc/{pid}/fd")).ok()?.count(),
        })
    }
}

/// The highest values seen by a [`sample_until`] run.
#[derive(Debug, Clone, Copy, Default)]
pub struct Peaks {
    pub rss_kib: u64,
    pub fds: usize,
}

/// Reads `pid` every `every` until `stop` is set; the highest RSS and descriptor count seen.
pub fn sample_until(pid: u32, every: Duration, stop: &AtomicBool) -> Peaks {
    let mut peaks = Peaks::default();
    while !stop.load(Ordering::Relaxed) {
        if let Some(r) = Reading::of(pid) {
            peaks.rss_kib = peaks.rss_kib.max(r.rss_kib);
            peaks.fds = peaks.fds.max(r.fds);
        }
        std::thread::sleep(every);
    }
    peaks
}

/// KiB as MiB, for printing.
pub fn mib(kib: u64) -> f64 {
    kib as f64 / 1024.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn this_process_can_be_read() {
        let me = Reading::of(std::process::id()).expect("our own /proc entry");
        assert!(
            me.rss_kib > 0 && me.hwm_kib >= me.rss_kib && me.fds >= 3,
            "{me:?}"
        );
    }
}
