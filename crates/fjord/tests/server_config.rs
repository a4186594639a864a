//! `fjord server` as a process: configuration errors stop it with exit code 1 and a
//! message naming the key; with no configuration at all it starts, keeps its data in
//! `./fjord-data`, and stops cleanly on SIGTERM.
//!
//! Every wait is bounded: a child that outlives its deadline is killed and the test
//! fails instead of hanging.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, ExitStatus, Output, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

const DEADLINE: Duration = Duration::from_secs(60);

/// `fjord` in `dir`, with no `FJORD_*` configuration inherited from the environment.
fn fjord(dir: &Path) -> Command {
    program_in(Path::new(env!("CARGO_BIN_EXE_fjord")), dir)
}

/// `program` (the binary or a link to it) in `dir`, without inherited `FJORD_*` vars.
fn program_in(program: &Path, dir: &Path) -> Command {
    let mut cmd = Command::new(program);
    cmd.current_dir(dir).env("RUST_LOG", "info");
    for (var, _) in std::env::vars_os() {
        if var.to_string_lossy().starts_with("FJORD_") {
            cmd.env_remove(var);
        }
    }
    cmd
}

fn wait_with_deadline(child: &mut Child, deadline: Duration) -> ExitStatus {
    let start = Instant::now();
    loop {
        if let Some(status) = child.try_wait().expect("try_wait") {
            return status;
        }
        if start.elapsed() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("fjord did not exit within {deadline:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Runs a command that is expected to exit by itself.
fn run_bounded(mut cmd: Command) -> Output {
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn fjord");
    // Drain the pipes on threads so a chatty child cannot block on a full pipe.
    let stdout = child.stdout.take().unwrap();
    let stderr = child.stderr.take().unwrap();
    let read_all = |mut r: Box<dyn std::io::Read + Send>| {
        std::thread::spawn(move || {
            let mut buf = Vec::new();
            let _ = r.read_to_end(&mut buf);
            buf
        })
    };
    let out = read_all(Box::new(stdout));
    let err = read_all(Box::new(stderr));
    let status = wait_with_deadline(&mut child, DEADLINE);
    Output {
        status,
        stdout: out.join().unwrap(),
        stderr: err.join().unwrap(),
    }
}

fn stderr_of(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[test]
fn test_unknown_key_in_config_file_exits_1_naming_key() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("server.properties"),
        "# a broker\nnum.partitions=3\nfoo.bar=1\n",
    )
    .unwrap();
    let mut cmd = fjord(dir.path());
    cmd.args(["server", "--config", "server.properties"]);
    let output = run_bounded(cmd);
    let stderr = stderr_of(&output);
    assert_eq!(output.status.code(), Some(1), "stderr: {stderr}");
    assert!(
        stderr.contains("Unknown configuration 'foo.bar'"),
        "stderr: {stderr}"
    );
    assert!(
        stderr.contains("server.properties line 3"),
        "stderr: {stderr}"
    );
    assert!(!dir.path().join("fjord-data").exists());
}

#[test]
fn test_bad_override_value_exits_1_naming_key() {
    let dir = tempfile::tempdir().unwrap();
    let mut cmd = fjord(dir.path());
    cmd.args(["server", "--override", "num.partitions=abc"]);
    let output = run_bounded(cmd);
    let stderr = stderr_of(&output);
    assert_eq!(output.status.code(), Some(1), "stderr: {stderr}");
    assert!(
        stderr.contains(
            "Invalid value abc for configuration num.partitions: Not a number of type INT"
        ),
        "stderr: {stderr}"
    );
}

#[test]
fn test_bad_env_value_exits_1_naming_key() {
    let dir = tempfile::tempdir().unwrap();
    let mut cmd = fjord(dir.path());
    cmd.arg("server").env("FJORD_LOG_SEGMENT_BYTES", "10");
    let output = run_bounded(cmd);
    let stderr = stderr_of(&output);
    assert_eq!(output.status.code(), Some(1), "stderr: {stderr}");
    assert!(
        stderr.contains("configuration log.segment.bytes: Value must be at least 14"),
        "stderr: {stderr}"
    );
    assert!(
        stderr.contains("environment variable FJORD_LOG_SEGMENT_BYTES"),
        "stderr: {stderr}"
    );
}

#[cfg(unix)]
#[test]
fn test_kafka_server_start_name_runs_server() {
    let dir = tempfile::tempdir().unwrap();
    let alias = dir.path().join("kafka-server-start.sh");
    std::os::unix::fs::symlink(env!("CARGO_BIN_EXE_fjord"), &alias).unwrap();
    std::fs::write(
        dir.path().join("server.properties"),
        "log.retention.hourz=1\n",
    )
    .unwrap();
    let mut cmd = program_in(&alias, dir.path());
    cmd.arg("server.properties");
    let output = run_bounded(cmd);
    let stderr = stderr_of(&output);
    assert_eq!(output.status.code(), Some(1), "stderr: {stderr}");
    assert!(
        stderr.contains("Unknown configuration 'log.retention.hourz'")
            && stderr.contains("did you mean 'log.retention.hours'?"),
        "stderr: {stderr}"
    );
}

#[cfg(unix)]
#[test]
fn test_server_with_no_args_starts_and_stops_on_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = fjord(dir.path())
        .arg("server")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn fjord server");

    // Forward stderr lines to the test, which waits for the "started" line.
    let (lines_tx, lines_rx) = mpsc::channel::<String>();
    let stderr = child.stderr.take().unwrap();
    let reader = std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines() {
            let Ok(line) = line else { break };
            if lines_tx.send(line).is_err() {
                break;
            }
        }
    });

    let mut log = Vec::new();
    let start = Instant::now();
    let started = loop {
        match lines_rx.recv_timeout(Duration::from_millis(100)) {
            Ok(line) => {
                let done = line.contains("Fjord server started");
                log.push(line);
                if done {
                    break true;
                }
            }
            Err(mpsc::RecvTimeoutError::Disconnected) => break false,
            Err(mpsc::RecvTimeoutError::Timeout) => {}
        }
        if start.elapsed() > DEADLINE {
            break false;
        }
    };
    if !started {
        let _ = child.kill();
        let _ = child.wait();
        panic!("fjord server did not start:\n{}", log.join("\n"));
    }
    assert!(
        dir.path().join("fjord-data").is_dir(),
        "./fjord-data was not created"
    );

    let kill = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("run kill");
    assert!(kill.success());
    let status = wait_with_deadline(&mut child, DEADLINE);
    drop(lines_rx);
    let _ = reader.join();
    assert!(status.success(), "exit status {status}");
}
