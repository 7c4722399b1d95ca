//! A bad network between a device and the server, on a seeded schedule: a TCP proxy that, per
//! connection, passes it untouched or delays it, throttles it, drops it, resets it mid-request,
//! truncates the response or holds the response back until the client gives up. The plan for
//! connection `n` comes from the seed and `n` alone, so a failing seed replays the same faults
//! (timing on a busy machine may still shift which request a fault meets).
//!
//! Only the first `horizon` connections may be faulty: past it the network heals, which is
//! what lets the harness demand that sync completes *eventually* rather than hoping.

use crate::rng::Rng;
use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Duration;

/// What may go wrong, and how badly.
#[derive(Debug, Clone, Copy)]
pub struct Profile {
    /// Chance (percent) that a connection within the horizon is faulty.
    pub fault_percent: u64,
    /// Connections past this many pass untouched.
    pub horizon: usize,
    /// Longest added latency.
    pub max_delay: Duration,
    /// How long a held response is held before the connection closes (set above the client's
    /// request timeout to make it give up first).
    pub hold: Duration,
    /// Chance (percent) that a faulty connection is held rather than broken (holds cost the
    /// client's whole timeout, so they are rarer).
    pub hold_percent: u64,
}

/// One connection's fate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Plan {
    Pass,
    /// Each direction's first bytes wait this long (latency).
    Delay(Duration),
    /// Bytes pass in chunks of `chunk` with `pause` after each (a slow link).
    Throttle {
        chunk: usize,
        pause: Duration,
    },
    /// Closed as soon as it is accepted, before anything passes.
    Drop,
    /// Closed after this many request bytes, the rest of the request unread (a reset).
    ResetRequest(usize),
    /// The response is cut after this many bytes.
    TruncateResponse(usize),
    /// The request passes (and is applied); the response is held back, then the connection
    /// closes: the client times out not knowing whether its push was applied.
    HoldResponse(Duration),
}

impl Plan {
    /// The plan for connection `n` of schedule `seed`.
    pub fn for_connection(seed: u64, n: usize, profile: &Profile) -> Plan {
        let mut rng = Rng::new(seed ^ (n as u64).wrapping_mul(0xA24B_AED4_963E_E407));
        if n >= profile.horizon || !rng.chance(profile.fault_percent) {
            return Plan::Pass;
        }
        if rng.chance(profile.hold_percent) {
            return Plan::HoldResponse(profile.hold);
        }
        let max_delay = profile.max_delay.as_millis().max(1) as u64;
        match rng.range(0, 6) {
            0 => Plan::Delay(Duration::from_millis(rng.range(1, max_delay + 1))),
            1 => Plan::Throttle {
                chunk: rng.range(16, 512) as usize,
                pause: Duration::from_millis(rng.range(1, 4)),
            },
            2 => Plan::Drop,
            3 => Plan::ResetRequest(rng.range(0, 1200) as usize),
            _ => Plan::TruncateResponse(rng.range(0, 1500) as usize),
        }
    }
}

/// A running chaos proxy; it stops accepting when dropped.
#[derive(Debug)]
pub struct ChaosProxy {
    pub url: String,
    port: u16,
    stop: Arc<AtomicBool>,
    /// The plans dealt so far, in connection order.
    pub plans: Arc<Mutex<Vec<Plan>>>,
}

impl ChaosProxy {
    pub fn start(target_port: u16, seed: u64, profile: Profile) -> ChaosProxy {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind chaos proxy");
        let port = listener.local_addr().expect("addr").port();
        let stop = Arc::new(AtomicBool::new(false));
        let plans = Arc::new(Mutex::new(Vec::new()));
        let (stop_in_thread, plans_in_thread) = (Arc::clone(&stop), Arc::clone(&plans));
        let count = AtomicUsize::new(0);
        thread::spawn(move || {
            for client in listener.incoming() {
                if stop_in_thread.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(client) = client else { continue };
                let n = count.fetch_add(1, Ordering::SeqCst);
                let plan = Plan::for_connection(seed, n, &profile);
                plans_in_thread
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .push(plan);
                thread::spawn(move || relay(client, target_port, plan));
            }
        });
        ChaosProxy {
            url: format!("http://127.0.0.1:{port}"),
            port,
            stop,
            plans,
        }
    }

    /// The faults dealt so far (every plan but `Pass`), in connection order.
    pub fn faults(&self) -> Vec<Plan> {
        self.plans
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .iter()
            .copied()
            .filter(|p| *p != Plan::Pass)
            .collect()
    }
}

impl Drop for ChaosProxy {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wake the accept loop so it sees the flag.
        let _ = TcpStream::connect(("127.0.0.1", self.port));
    }
}

fn relay(client: TcpStream, target_port: u16, plan: Plan) {
    if plan == Plan::Drop {
        let _ = client.shutdown(Shutdown::Both);
        return;
    }
    let Ok(server) = TcpStream::connect(("127.0.0.1", target_port)) else {
        return;
    };
    let (Ok(client_read), Ok(server_read)) = (client.try_clone(), server.try_clone()) else {
        return;
    };
    let (up_plan, down_plan) = match plan {
        Plan::ResetRequest(n) => (Shape::cut(n), Shape::pass()),
        Plan::TruncateResponse(n) => (Shape::pass(), Shape::cut(n)),
        Plan::HoldResponse(hold) => (
            Shape::pass(),
            Shape {
                hold: Some(hold),
                ..Shape::cut(0)
            },
        ),
        Plan::Delay(d) => (Shape::delayed(d), Shape::delayed(d)),
        Plan::Throttle { chunk, pause } => {
            let slow = Shape {
                chunk: Some((chunk, pause)),
                ..Shape::pass()
            };
            (slow, slow)
        }
        Plan::Pass | Plan::Drop => (Shape::pass(), Shape::pass()),
    };
    let up = thread::spawn(move || pump(client_read, server, up_plan));
    pump(server_read, client, down_plan);
    let _ = up.join();
}

/// How one direction of a connection behaves.
#[derive(Debug, Clone, Copy)]
struct Shape {
    delay: Duration,
    chunk: Option<(usize, Duration)>,
    cut_after: Option<usize>,
    /// With `cut_after`: wait this long before cutting.
    hold: Option<Duration>,
}

impl Shape {
    fn pass() -> Shape {
        Shape {
            delay: Duration::ZERO,
            chunk: None,
            cut_after: None,
            hold: None,
        }
    }
    fn cut(after: usize) -> Shape {
        Shape {
            cut_after: Some(after),
            ..Shape::pass()
        }
    }
    fn delayed(delay: Duration) -> Shape {
        Shape {
            delay,
            ..Shape::pass()
        }
    }
}

/// Copies `from` to `to` as `shape` says, until either end closes or the cut point.
fn pump(mut from: TcpStream, mut to: TcpStream, shape: Shape) {
    let mut buf = [0u8; 8192];
    let mut passed = 0usize;
    let mut first = true;
    loop {
        let n = match from.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        if first && !shape.delay.is_zero() {
            thread::sleep(shape.delay);
        }
        first = false;
        let allowed = shape
            .cut_after
            .map_or(n, |cut| n.min(cut.saturating_sub(passed)));
        let ok = match shape.chunk {
            Some((size, pause)) => buf[..allowed].chunks(size).all(|part| {
                thread::sleep(pause);
                to.write_all(part).is_ok()
            }),
            None => to.write_all(&buf[..allowed]).is_ok(),
        };
        passed += allowed;
        if !ok {
            break;
        }
        if shape.cut_after.is_some_and(|cut| passed >= cut) {
            if let Some(hold) = shape.hold {
                thread::sleep(hold);
            }
            let _ = from.shutdown(Shutdown::Both);
            let _ = to.shutdown(Shutdown::Both);
            return;
        }
    }
    let _ = to.shutdown(Shutdown::Write);
}
