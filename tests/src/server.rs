//! A real `beatbook-server` process on loopback for end-to-end tests: a fresh data folder, a
//! free port, waiting on `/healthz` (a condition, not a sleep), administration through its
//! own command line, and killed when dropped.

pub use crate::server_binary::server_binary;
use std::ffi::OsStr;
use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

/// How long a server may take to answer `/healthz` after it starts.
const START_TIMEOUT: Duration = Duration::from_secs(30);

/// The key every test server's embedded store is encrypted with, given to each `serve` and
/// `admin` it runs as `BEATBOOK_STORE_KEY` (production passes `--store-key-file`). The one
/// place the harness gets it: whatever reads a server's files (`inspect::server_db`, the raw
/// scan in `pagescan`) takes it from here.
pub fn store_key() -> beatbook_core::StoreKey {
    beatbook_core::StoreKey::from_bytes([0x5e; 32])
}

/// `beatbook-server` with [`store_key`] in its environment.
pub fn server_command() -> Command {
    let mut command = Command::new(server_binary());
    command.env(STORE_KEY_ENV, store_key().to_hex());
    command
}

/// The server's variable for its store key (`beatbook-server`'s `storage::sqlite::key`).
const STORE_KEY_ENV: &str = "BEATBOOK_STORE_KEY";

/// A running server.
#[derive(Debug)]
pub struct ServerProcess {
    pub data: tempfile::TempDir,
    pub url: String,
    pub port: u16,
    child: Option<Child>,
    extra_args: Vec<String>,
    /// `--database` when not the data folder's embedded store (a PostgreSQL URL).
    database: Option<String>,
    launch: Launch,
    /// The test clock's offset file (`serve --test-clock-offset-file`), when started with one.
    clock_offset_file: Option<PathBuf>,
}

/// How to start the server process beyond its flags (for benches that measure it).
#[derive(Debug, Clone, Default)]
pub struct Launch {
    /// The process's open-files limit (`ulimit -n`, soft and hard), when set.
    pub open_files: Option<u32>,
    /// Environment for the server process only (an allocator's settings, say).
    pub env: Vec<(String, String)>,
}

impl ServerProcess {
    /// Starts a server on a free loopback port with an empty data folder.
    pub fn start(extra_args: &[&str]) -> ServerProcess {
        Self::start_with(None, extra_args)
    }

    /// Starts an instance on the store `database` names (e.g. a PostgreSQL URL several
    /// instances share).
    pub fn start_on(database: &str, extra_args: &[&str]) -> ServerProcess {
        Self::start_with(Some(database.to_owned()), extra_args)
    }

    /// Starts a server on an empty data folder as `launch` says.
    pub fn start_launched(launch: Launch, extra_args: &[&str]) -> ServerProcess {
        Self::start_full(None, launch, extra_args)
    }

    fn start_with(database: Option<String>, extra_args: &[&str]) -> ServerProcess {
        Self::start_full(database, Launch::default(), extra_args)
    }

    fn start_full(database: Option<String>, launch: Launch, extra_args: &[&str]) -> ServerProcess {
        let mut server = Self::prepare(database, launch, extra_args);
        server.restart();
        server
    }

    /// A server not started yet.
    fn prepare(database: Option<String>, launch: Launch, extra_args: &[&str]) -> ServerProcess {
        let data = {
            use std::os::unix::fs::PermissionsExt;
            // Only this user: the server refuses a data directory others can read.
            tempfile::Builder::new()
                .permissions(std::fs::Permissions::from_mode(0o700))
                .tempdir()
                .expect("data dir")
        };
        let port = free_port();
        ServerProcess {
            data,
            url: format!("http://127.0.0.1:{port}"),
            port,
            child: None,
            extra_args: extra_args.iter().map(|s| s.to_string()).collect(),
            database,
            launch,
            clock_offset_file: None,
        }
    }

    /// Starts a server whose clock a test can move ([`ServerProcess::set_clock_offset`]):
    /// `serve --test-clock-offset-file`, starting at offset zero. `admin` commands get the same
    /// file, so `admin retention sweep` runs at the server's clock.
    pub fn start_with_test_clock(extra_args: &[&str]) -> ServerProcess {
        let mut server = Self::prepare(None, Launch::default(), extra_args);
        let file = server.data.path().join("test-clock-offset");
        std::fs::write(&file, "0\n").expect("write the clock offset file");
        server.clock_offset_file = Some(file);
        server.restart();
        server
    }

    /// Moves the server's clock `offset` ahead of the wall clock (from its next read; the
    /// server re-reads the file each time it asks the time). Needs
    /// [`ServerProcess::start_with_test_clock`].
    pub fn set_clock_offset(&self, offset: Duration) {
        let file = self
            .clock_offset_file
            .as_ref()
            .expect("start the server with start_with_test_clock to move its clock");
        // Written whole, then renamed: the server never reads half a number.
        let partial = file.with_extension("partial");
        std::fs::write(&partial, format!("{}\n", offset.as_secs_f64()))
            .expect("write the clock offset");
        std::fs::rename(&partial, file).expect("replace the clock offset");
    }

    /// The `--database` value this server uses.
    fn database(&self) -> String {
        self.database
            .clone()
            .unwrap_or_else(|| self.data.path().display().to_string())
    }

    /// Starts (again) on the same port and data: for restart tests.
    pub fn restart(&mut self) {
        self.kill();
        let mut command = match self.launch.open_files {
            // The shell sets the limit, then becomes the server (`exec`): the child's id is the
            // server's.
            Some(limit) => {
                let mut shell = Command::new("sh");
                shell
                    .arg("-c")
                    .arg(format!("ulimit -n {limit} && exec \"$0\" \"$@\""))
                    .arg(server_binary());
                shell
            }
            None => Command::new(server_binary()),
        };
        let child = command
            .env(STORE_KEY_ENV, store_key().to_hex())
            .envs(self.launch.env.iter().map(|(k, v)| (k, v)))
            .arg("serve")
            // Several servers run at once: none takes the default metrics port.
            .args(["--metrics-listen", "none"])
            .arg("--listen")
            .arg(format!("127.0.0.1:{}", self.port))
            .arg("--database")
            .arg(self.database())
            .args(&self.extra_args)
            .args(
                self.clock_offset_file
                    .iter()
                    .flat_map(|file| [OsStr::new("--test-clock-offset-file"), file.as_os_str()]),
            )
            .env("BEATBOOK_LOG_LEVEL", "warn")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start beatbook-server");
        self.child = Some(child);
        self.wait_healthy();
    }

    /// The server's process id, while it runs.
    pub fn pid(&self) -> Option<u32> {
        self.child.as_ref().map(Child::id)
    }

    /// SIGKILLs the server (no graceful shutdown).
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// SIGTERMs the server (graceful shutdown: it stops accepting, lets in-flight requests
    /// finish and exits) and waits, up to [`START_TIMEOUT`], for it to exit; its exit status.
    pub fn terminate(&mut self) -> std::process::ExitStatus {
        let mut child = self.child.take().expect("the server is running");
        let sent = Command::new("kill")
            .args(["-TERM", &child.id().to_string()])
            .status()
            .expect("run kill");
        assert!(sent.success(), "kill -TERM failed");
        let deadline = Instant::now() + START_TIMEOUT;
        loop {
            if let Some(status) = child.try_wait().expect("wait for the server") {
                return status;
            }
            assert!(
                Instant::now() < deadline,
                "the server did not exit after SIGTERM"
            );
            // Poll interval while waiting for the condition above.
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    fn wait_healthy(&mut self) {
        let deadline = Instant::now() + START_TIMEOUT;
        let health = format!("{}/healthz", self.url);
        loop {
            if let Ok(response) = ureq_get(&health) {
                if response.contains("ok") {
                    return;
                }
            }
            if let Some(child) = self.child.as_mut() {
                if let Ok(Some(status)) = child.try_wait() {
                    panic!("beatbook-server exited early: {status}");
                }
            }
            assert!(Instant::now() < deadline, "server did not become healthy");
            // Poll interval while waiting for the condition above.
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Runs `beatbook-server admin --database <store> <args>` and returns its standard output.
    pub fn admin(&self, args: &[&str]) -> String {
        let mut command = server_command();
        if let Some(file) = &self.clock_offset_file {
            command.env("BEATBOOK_TEST_CLOCK_OFFSET_FILE", file);
        }
        let output: Output = command
            .arg("admin")
            .arg("--database")
            .arg(self.database())
            .args(args)
            .output()
            .expect("run admin");
        assert!(
            output.status.success(),
            "admin {args:?} failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8_lossy(&output.stdout).into_owned()
    }
}

impl ServerProcess {
    /// Creates a team and one user per `(name, role)`, and enrols a device for each through
    /// `device_url` (the server's own address, or a proxy in front of it).
    pub fn enrol_team(
        &self,
        device_url: &str,
        people: &[(&str, &str)],
    ) -> Vec<crate::device::Device> {
        self.enrol_team_through(&[device_url], people)
    }

    /// As [`Self::enrol_team`], the i-th person's device enrolling through
    /// `device_urls[i % len]` (instances of one server on a shared database).
    pub fn enrol_team_through(
        &self,
        device_urls: &[&str],
        people: &[(&str, &str)],
    ) -> Vec<crate::device::Device> {
        let team = self
            .admin(&["create-team", "--name", "Northvale NPT"])
            .trim()
            .to_owned();
        people
            .iter()
            .enumerate()
            .map(|(i, (name, role))| {
                let user = self
                    .admin(&[
                        "create-user",
                        "--name",
                        name,
                        "--role",
                        role,
                        "--team",
                        &team,
                    ])
                    .trim()
                    .to_owned();
                let code = self.admin(&["enrol-code", "--user", &user]);
                crate::device::Device::enrol(device_urls[i % device_urls.len()], code.trim())
            })
            .collect()
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        self.kill();
    }
}

fn free_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind a free port");
    listener.local_addr().expect("local addr").port()
}

/// A plain HTTP GET over a raw socket (keeps the harness free of client crates).
fn ureq_get(url: &str) -> std::io::Result<String> {
    use std::io::{Read, Write};
    let rest = url.trim_start_matches("http://");
    let (host, path) = rest.split_once('/').unwrap_or((rest, ""));
    let mut stream = std::net::TcpStream::connect(host)?;
    stream.set_read_timeout(Some(Duration::from_secs(2)))?;
    write!(
        stream,
        "GET /{path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"
    )?;
    let mut body = String::new();
    stream.read_to_string(&mut body)?;
    Ok(body)
}
