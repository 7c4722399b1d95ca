//! A TCP proxy between a client and the server that cuts connections on purpose: after a set
//! number of bytes in one direction, for the next few connections. Used to break a sync
//! mid-push and mid-pull and check the next attempt completes with each change applied once.
//! It also counts the bytes it passes each way, so a test can act (kill the server) when a
//! transfer is under way.

use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;

/// Which way the bytes flow.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// Client to server (the request: a push body).
    Upstream,
    /// Server to client (the response: a pull page).
    Downstream,
}

/// A fault to inject.
#[derive(Debug, Clone, Copy)]
pub struct Fault {
    pub direction: Direction,
    /// Cut the connection after this many bytes have passed in `direction`.
    pub after_bytes: usize,
    /// How many new connections to cut; later ones pass untouched.
    pub connections: usize,
}

/// A running proxy. Devices enrol through it, then tests arm faults. The listener thread
/// ends with the test process.
#[derive(Debug)]
pub struct Proxy {
    pub url: String,
    /// Connections cut so far.
    pub cuts: Arc<AtomicUsize>,
    /// Bytes passed so far, client to server and server to client.
    pub traffic: Arc<Traffic>,
    armed: Shared,
}

/// Bytes a proxy has passed each way.
#[derive(Debug, Default)]
pub struct Traffic {
    pub upstream: AtomicU64,
    pub downstream: AtomicU64,
}

impl Traffic {
    pub fn get(&self, direction: Direction) -> u64 {
        match direction {
            Direction::Upstream => self.upstream.load(Ordering::SeqCst),
            Direction::Downstream => self.downstream.load(Ordering::SeqCst),
        }
    }

    fn add(&self, direction: Direction, n: usize) {
        let counter = match direction {
            Direction::Upstream => &self.upstream,
            Direction::Downstream => &self.downstream,
        };
        counter.fetch_add(n as u64, Ordering::SeqCst);
    }
}

impl Proxy {
    /// Starts passing everything through to the server on `target_port`.
    pub fn start(target_port: u16) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind proxy");
        let port = listener.local_addr().expect("addr").port();
        let cuts = Arc::new(AtomicUsize::new(0));
        let traffic = Arc::new(Traffic::default());
        let armed: Arc<Mutex<Option<Armed>>> = Arc::new(Mutex::new(None));
        let counters = Counters {
            cuts: Arc::clone(&cuts),
            traffic: Arc::clone(&traffic),
        };
        let armed_in_thread = Arc::clone(&armed);
        thread::spawn(move || {
            for client in listener.incoming().flatten() {
                let (counters, armed) = (counters.clone(), Arc::clone(&armed_in_thread));
                thread::spawn(move || relay(client, target_port, armed, counters));
            }
        });
        Proxy {
            url: format!("http://127.0.0.1:{port}"),
            cuts,
            traffic,
            armed,
        }
    }

    /// From now on, cuts `fault.connections` connections (kept-alive ones included), each
    /// after `fault.after_bytes` more bytes in `fault.direction`.
    pub fn arm(&self, fault: Fault) {
        *self.armed.lock().unwrap_or_else(|p| p.into_inner()) =
            (fault.connections > 0).then_some(Armed {
                fault,
                bytes_left: fault.after_bytes,
            });
    }
}

/// An armed fault and how many bytes may still pass before the next cut.
#[derive(Debug, Clone, Copy)]
struct Armed {
    fault: Fault,
    bytes_left: usize,
}

type Shared = Arc<Mutex<Option<Armed>>>;

/// What the relays count, shared with the [`Proxy`].
#[derive(Debug, Clone)]
struct Counters {
    cuts: Arc<AtomicUsize>,
    traffic: Arc<Traffic>,
}

fn relay(client: TcpStream, target_port: u16, armed: Shared, counters: Counters) {
    let Ok(server) = TcpStream::connect(("127.0.0.1", target_port)) else {
        return;
    };
    let (Ok(client_read), Ok(server_read)) = (client.try_clone(), server.try_clone()) else {
        return;
    };
    let (up_armed, up_counters) = (Arc::clone(&armed), counters.clone());
    let up = thread::spawn(move || {
        pump(
            client_read,
            server,
            Direction::Upstream,
            &up_armed,
            &up_counters,
        )
    });
    pump(
        server_read,
        client,
        Direction::Downstream,
        &armed,
        &counters,
    );
    let _ = up.join();
}

/// How many of `n` bytes may pass in `direction`, and whether the connection is cut after them.
fn budget(armed: &Mutex<Option<Armed>>, direction: Direction, n: usize) -> (usize, bool) {
    let mut guard = armed.lock().unwrap_or_else(|p| p.into_inner());
    let Some(state) = guard.as_mut().filter(|a| a.fault.direction == direction) else {
        return (n, false);
    };
    if n < state.bytes_left {
        state.bytes_left -= n;
        return (n, false);
    }
    let allowed = state.bytes_left;
    state.fault.connections -= 1;
    state.bytes_left = state.fault.after_bytes;
    if state.fault.connections == 0 {
        *guard = None;
    }
    (allowed, true)
}

/// Copies `from` to `to` until either closes or an armed fault cuts both ends (counted in
/// `cuts` before the ends close, so the test sees it).
fn pump(
    mut from: TcpStream,
    mut to: TcpStream,
    direction: Direction,
    armed: &Mutex<Option<Armed>>,
    counters: &Counters,
) {
    let mut buf = [0u8; 4096];
    loop {
        let n = match from.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        let (allowed, cut) = budget(armed, direction, n);
        if to.write_all(&buf[..allowed]).is_err() {
            break;
        }
        counters.traffic.add(direction, allowed);
        if cut {
            counters.cuts.fetch_add(1, Ordering::SeqCst);
            let _ = from.shutdown(Shutdown::Both);
            let _ = to.shutdown(Shutdown::Both);
            return;
        }
    }
    let _ = to.shutdown(Shutdown::Write);
}
