"""Starts a real `fjord server` for the Python client tests.

The binary is the debug build that `scripts/test.sh` makes before running pytest
(`$CARGO_TARGET_DIR/debug/fjord`). Each server gets free loopback ports and its own data
directory, and is stopped with SIGTERM (a clean shutdown) at the end.
"""

import os
import signal
import socket
import subprocess
import time
from pathlib import Path

import pytest

TARGET_DIR = Path(os.environ.get("CARGO_TARGET_DIR", Path.home() / ".cache" / "fjord-target"))
FJORD = Path(os.environ.get("FJORD_TEST_BINARY", TARGET_DIR / "debug" / "fjord"))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class FjordServer:
    """One `fjord server` process on loopback."""

    def __init__(self, data_dir, overrides=()):
        self.data_dir = Path(data_dir)
        self.port = free_port()
        self.controller_port = free_port()
        self.overrides = list(overrides)
        self.process = None
        self.log_path = self.data_dir.parent / f"{self.data_dir.name}.log"

    @property
    def bootstrap(self):
        return f"127.0.0.1:{self.port}"

    def start(self):
        args = [
            str(FJORD), "server",
            "--override", f"listeners=PLAINTEXT://127.0.0.1:{self.port},CONTROLLER://127.0.0.1:{self.controller_port}",
            "--override", f"log.dirs={self.data_dir}",
            "--override", "group.initial.rebalance.delay.ms=0",
        ]
        for override in self.overrides:
            args += ["--override", override]
        env = {k: v for k, v in os.environ.items() if not k.startswith("FJORD_")}
        env.setdefault("RUST_LOG", "info")
        self.log = open(self.log_path, "ab")
        self.process = subprocess.Popen(args, stdout=self.log, stderr=subprocess.STDOUT, env=env)
        deadline = time.time() + 30
        while time.time() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"fjord exited with {self.process.returncode}; see {self.log_path}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    return self
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("fjord did not start listening in 30 s")

    def stop(self, sig=signal.SIGTERM):
        if self.process and self.process.poll() is None:
            self.process.send_signal(sig)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if getattr(self, "log", None):
            self.log.close()
        return self.process.returncode if self.process else None

    def kill(self):
        return self.stop(signal.SIGKILL)


@pytest.fixture(scope="module")
def fjord(tmp_path_factory):
    if not FJORD.exists():
        pytest.fail(f"{FJORD} is missing: run `cargo build -p fjord` (scripts/test.sh does)")
    server = FjordServer(tmp_path_factory.mktemp("fjord") / "data").start()
    yield server
    server.stop()


@pytest.fixture
def fresh_fjord(tmp_path):
    """A server of the test's own, for restart and crash tests."""
    servers = []

    def make(overrides=()):
        server = FjordServer(tmp_path / f"data{len(servers)}", overrides)
        servers.append(server)
        return server

    yield make
    for server in servers:
        server.stop()
