//! `fjord server` as a child process, for tests that drive it with real clients.
//!
//! [`BrokerProcess::start`] runs the binary Cargo built for this test crate
//! (`CARGO_BIN_EXE_fjord`) on two free loopback ports (the Kafka listener and the
//! controller listener), with its data in a temporary directory of its own, and returns
//! once the Kafka listener accepts connections. Dropping it stops the broker with SIGTERM,
//! a clean shutdown; [`BrokerProcess::restart`] does the same and starts it again on the
//! same ports and data directory.
//!
//! Every wait is bounded: a broker that does not start, or does not stop, within
//! [`DEADLINE`] fails the test (and is killed) instead of hanging it. The broker's output
//! goes to `fjord.log` beside the data directory; a test that panics prints its tail.
//!
//! Not thread-safe by design: one test owns one `BrokerProcess`.

// Each test crate that includes this module uses only part of it.
#![allow(dead_code)]

use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, SeekFrom};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

/// The longest any start or stop may take.
pub const DEADLINE: Duration = Duration::from_secs(30);

/// How much of the broker's log a failing test prints.
const LOG_TAIL_BYTES: u64 = 8 * 1024;

/// One `fjord server` process on loopback; see the module documentation.
pub struct BrokerProcess {
    child: Option<Child>,
    port: u16,
    controller_port: u16,
    overrides: Vec<String>,
    log_path: PathBuf,
    data_dir: PathBuf,
    // Removed on drop, after the broker has stopped; last so that it is dropped last.
    dir: tempfile::TempDir,
}

impl BrokerProcess {
    /// Starts a broker with the default configuration.
    pub fn start() -> BrokerProcess {
        BrokerProcess::start_with(&[])
    }

    /// Starts a broker with extra `--override key=value` settings, e.g.
    /// `"auto.create.topics.enable=false"`.
    pub fn start_with(overrides: &[&str]) -> BrokerProcess {
        let dir = tempfile::Builder::new()
            .prefix("fjord-test-")
            .tempdir()
            .expect("create a temporary directory");
        let (port, controller_port) = free_ports();
        let mut broker = BrokerProcess {
            child: None,
            port,
            controller_port,
            overrides: overrides.iter().map(|s| s.to_string()).collect(),
            log_path: dir.path().join("fjord.log"),
            data_dir: dir.path().join("data"),
            dir,
        };
        broker.spawn();
        broker
    }

    /// `host:port` of the Kafka listener, for `bootstrap.servers`.
    pub fn bootstrap(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    /// The broker's `log.dirs`.
    pub fn data_dir(&self) -> &Path {
        &self.data_dir
    }

    /// Stops the broker with SIGTERM and returns its exit status; kills it and panics if
    /// it has not exited within [`DEADLINE`].
    pub fn stop(&mut self) -> ExitStatus {
        let mut child = self.child.take().expect("the broker is not running");
        match terminate(&mut child) {
            Ok(status) => status,
            Err(message) => panic!("{message}\n{}", self.log_tail()),
        }
    }

    /// Stops the broker cleanly (asserting a zero exit status) and starts it again on the
    /// same ports and data directory.
    pub fn restart(&mut self) {
        let status = self.stop();
        assert!(
            status.success(),
            "fjord exited with {status} on SIGTERM\n{}",
            self.log_tail()
        );
        self.spawn();
    }

    /// Starts the stopped broker again on the same ports and data directory.
    pub fn start_again(&mut self) {
        assert!(self.child.is_none(), "the broker is already running");
        self.spawn();
    }

    fn spawn(&mut self) {
        let log = OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.log_path)
            .expect("open the broker log");
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_fjord"));
        cmd.arg("server")
            .arg("--override")
            .arg(format!(
                "listeners=PLAINTEXT://127.0.0.1:{},CONTROLLER://127.0.0.1:{}",
                self.port, self.controller_port
            ))
            .arg("--override")
            .arg(format!("log.dirs={}", self.data_dir.display()));
        for o in &self.overrides {
            cmd.arg("--override").arg(o);
        }
        // FJORD_* variables are configuration keys: keep the test's environment out.
        for (var, _) in std::env::vars_os() {
            if var.to_string_lossy().starts_with("FJORD_") {
                cmd.env_remove(var);
            }
        }
        if std::env::var_os("RUST_LOG").is_none() {
            cmd.env("RUST_LOG", "info");
        }
        let child = cmd
            .current_dir(self.dir.path())
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("clone the log handle"))
            .stderr(log)
            .spawn()
            .expect("spawn fjord");
        self.child = Some(child);
        self.wait_until_listening();
    }

    fn wait_until_listening(&mut self) {
        let addr = SocketAddr::from(([127, 0, 0, 1], self.port));
        let start = Instant::now();
        loop {
            let child = self.child.as_mut().unwrap();
            if let Some(status) = child.try_wait().expect("try_wait") {
                self.child = None;
                panic!(
                    "fjord exited with {status} before listening\n{}",
                    self.log_tail()
                );
            }
            if TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_ok() {
                return;
            }
            if start.elapsed() > DEADLINE {
                let _ = child.kill();
                let _ = child.wait();
                self.child = None;
                panic!(
                    "fjord did not listen on {addr} within {DEADLINE:?}\n{}",
                    self.log_tail()
                );
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// The last few KiB of the broker's output, for failure messages.
    pub fn log_tail(&self) -> String {
        let mut text = String::new();
        if let Ok(mut f) = File::open(&self.log_path) {
            let len = f.metadata().map(|m| m.len()).unwrap_or(0);
            let _ = f.seek(SeekFrom::Start(len.saturating_sub(LOG_TAIL_BYTES)));
            let mut bytes = Vec::new();
            let _ = f.read_to_end(&mut bytes);
            text = String::from_utf8_lossy(&bytes).into_owned();
        }
        format!("--- tail of {} ---\n{text}", self.log_path.display())
    }
}

impl Drop for BrokerProcess {
    fn drop(&mut self) {
        if std::thread::panicking() {
            eprintln!("{}", self.log_tail());
        }
        if let Some(mut child) = self.child.take() {
            if let Err(message) = terminate(&mut child) {
                // Panicking in drop while unwinding would abort; a report is enough then.
                if std::thread::panicking() {
                    eprintln!("{message}");
                } else {
                    panic!("{message}");
                }
            }
        }
    }
}

/// Sends SIGTERM and waits up to [`DEADLINE`]; past it, kills the child and says so.
fn terminate(child: &mut Child) -> Result<ExitStatus, String> {
    if let Some(status) = child.try_wait().expect("try_wait") {
        return Ok(status);
    }
    let pid = libc::pid_t::try_from(child.id()).expect("pid fits pid_t");
    // SAFETY: kill(2) has no memory effects; `pid` is our own child, not yet reaped
    // (try_wait above returned None), so the id cannot have been reused.
    unsafe { libc::kill(pid, libc::SIGTERM) };
    let start = Instant::now();
    loop {
        if let Some(status) = child.try_wait().expect("try_wait") {
            return Ok(status);
        }
        if start.elapsed() > DEADLINE {
            let _ = child.kill();
            let _ = child.wait();
            return Err(format!(
                "fjord did not stop within {DEADLINE:?} of SIGTERM; killed it"
            ));
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Two distinct loopback ports that were free a moment ago. Both listeners are held
/// until both ports are known, so the two cannot be the same.
fn free_ports() -> (u16, u16) {
    let a = TcpListener::bind("127.0.0.1:0").expect("bind a free port");
    let b = TcpListener::bind("127.0.0.1:0").expect("bind a free port");
    (
        a.local_addr().unwrap().port(),
        b.local_addr().unwrap().port(),
    )
}
