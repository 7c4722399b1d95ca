//! A TCP relay that delays every byte by a fixed time each way, for benchmarks of a sync over a
//! network with a round trip (a phone on 4G is tens of milliseconds from its server; loopback
//! is microseconds). Each direction is a delay line: what arrives is stamped and written out
//! once its delay has passed, so the relay adds latency without cutting throughput (a 4 MiB
//! body is not delayed once per chunk).

use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

/// A running relay to a server on loopback; its thread ends with the process.
#[derive(Debug)]
pub struct LatencyRelay {
    pub url: String,
}

impl LatencyRelay {
    /// Relays to `127.0.0.1:target_port`, each direction delayed by `one_way`.
    pub fn start(target_port: u16, one_way: Duration) -> LatencyRelay {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind relay");
        let port = listener.local_addr().expect("addr").port();
        thread::spawn(move || {
            for client in listener.incoming().flatten() {
                thread::spawn(move || relay(client, target_port, one_way));
            }
        });
        LatencyRelay {
            url: format!("http://127.0.0.1:{port}"),
        }
    }
}

fn relay(client: TcpStream, target_port: u16, one_way: Duration) {
    let Ok(server) = TcpStream::connect(("127.0.0.1", target_port)) else {
        return;
    };
    let _ = (client.set_nodelay(true), server.set_nodelay(true));
    let (Ok(client_read), Ok(server_read)) = (client.try_clone(), server.try_clone()) else {
        return;
    };
    let up = thread::spawn(move || delay_line(client_read, server, one_way));
    delay_line(server_read, client, one_way);
    let _ = up.join();
}

/// Copies `from` to `to`, each chunk written `delay` after it was read; closes `to`'s write
/// side when `from` ends.
fn delay_line(mut from: TcpStream, mut to: TcpStream, delay: Duration) {
    let (tx, rx) = mpsc::channel::<(Instant, Vec<u8>)>();
    let writer = thread::spawn(move || {
        for (due, chunk) in rx {
            // The delay itself: this is what the relay is for.
            thread::sleep(due.saturating_duration_since(Instant::now()));
            if to.write_all(&chunk).is_err() {
                break;
            }
        }
        let _ = to.shutdown(Shutdown::Write);
    });
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        match from.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => {
                if tx
                    .send((Instant::now() + delay, buf[..n].to_vec()))
                    .is_err()
                {
                    break;
                }
            }
        }
    }
    drop(tx);
    let _ = writer.join();
}
