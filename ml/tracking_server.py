"""The MLflow tracking server: SQLite backend, local artifact store served through the server.

All MLflow logging goes through this one server (a single writer of the SQLite file).

    python -m ml.tracking_server start --data-dir data/mlflow --port 5000
    python -m ml.tracking_server stop  --data-dir data/mlflow

or in Python: ``with TrackingServer(dir, port) as server: server.uri``.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import click

PID_FILE = "server.pid"
LOG_FILE = "server.log"


class TrackingServerError(RuntimeError):
    pass


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def is_healthy(uri: str, timeout: float = 2.0) -> bool:
    try:
        with urllib.request.urlopen(f"{uri}/health", timeout=timeout) as r:
            return r.status == 200
    except (urllib.error.URLError, OSError):
        return False


class TrackingServer:
    """Start (or find running) an ``mlflow server`` for ``data_dir``; stop it on exit."""

    def __init__(self, data_dir: Path | str, port: int = 5000, host: str = "127.0.0.1", startup_timeout: float = 90.0):
        self.data_dir = Path(data_dir).resolve()
        self.port = port
        self.host = host
        self.startup_timeout = startup_timeout
        self.process: subprocess.Popen | None = None

    @property
    def uri(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def pid_file(self) -> Path:
        return self.data_dir / PID_FILE

    def command(self) -> list[str]:
        return [
            sys.executable, "-m", "mlflow", "server",
            "--backend-store-uri", f"sqlite:///{self.data_dir / 'mlflow.db'}",
            "--artifacts-destination", str(self.data_dir / "artifacts"),
            "--serve-artifacts",
            "--host", self.host,
            "--port", str(self.port),
            "--workers", "1",
        ]  # fmt: skip

    def start(self) -> "TrackingServer":
        return self.launch().wait_until_healthy()

    def launch(self) -> "TrackingServer":
        """Start the server process without waiting for it (it takes some seconds to answer)."""
        if is_healthy(self.uri):
            raise TrackingServerError(f"something already answers on {self.uri}; stop it or pick another port")
        self.data_dir.mkdir(parents=True, exist_ok=True)
        env = {**os.environ, "MLFLOW_SERVER_ENABLE_JOB_EXECUTION": "false"}
        log = (self.data_dir / LOG_FILE).open("ab")
        # Own session: stop() signals the whole group (the server forks its workers).
        self.process = subprocess.Popen(
            self.command(), stdout=log, stderr=subprocess.STDOUT, env=env, start_new_session=True
        )
        self.pid_file.write_text(f"{self.process.pid}\n{self.port}\n")
        return self

    def wait_until_healthy(self) -> "TrackingServer":
        deadline = time.monotonic() + self.startup_timeout
        while not is_healthy(self.uri):
            if self.process.poll() is not None:
                raise TrackingServerError(
                    f"mlflow server exited with {self.process.returncode}; see {self.data_dir / LOG_FILE}"
                )
            if time.monotonic() > deadline:
                self.stop()
                raise TrackingServerError(f"mlflow server not healthy on {self.uri} after {self.startup_timeout}s")
            time.sleep(0.5)
        return self

    def stop(self) -> None:
        pid = self.process.pid if self.process else _read_pid(self.pid_file)
        if pid is not None:
            _terminate_group(pid)
        if self.process:
            self.process.wait(timeout=30)
        self.pid_file.unlink(missing_ok=True)

    def __enter__(self) -> "TrackingServer":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


def _read_pid(pid_file: Path) -> int | None:
    if not pid_file.exists():
        return None
    return int(pid_file.read_text().split()[0])


def _terminate_group(pid: int, timeout: float = 20.0) -> None:
    try:
        os.killpg(pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        _reap(pid)
        try:
            os.killpg(pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.2)
    os.killpg(pid, signal.SIGKILL)


def _reap(pid: int) -> None:
    """Collect the exit of our own child: an unreaped (zombie) leader keeps its group "alive"
    to ``killpg(pid, 0)``, which made every stop wait the full timeout."""
    try:
        os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:  # not our child (stopped from the command line): nothing to reap
        pass


def _default_data_dir() -> Path:
    from ltu_platform.settings import load_settings

    return load_settings().mlflow_dir


@click.group()
def cli() -> None:
    """Start or stop the platform's MLflow tracking server."""


@cli.command()
@click.option("--data-dir", type=click.Path(path_type=Path), default=None, help="default: $LTU_DATA_DIR/mlflow")
@click.option("--port", type=int, default=5000, show_default=True)
@click.option("--host", default="127.0.0.1", show_default=True)
def start(data_dir: Path | None, port: int, host: str) -> None:
    """Start the server in the background and wait until /health answers."""
    server = TrackingServer(data_dir or _default_data_dir(), port, host)
    if is_healthy(server.uri) and server.pid_file.exists():
        click.echo(f"MLflow already running at {server.uri}")
        return
    server.start()
    click.echo(f"MLflow tracking server at {server.uri} (pid {server.process.pid}, data {server.data_dir})")


@cli.command()
@click.option("--data-dir", type=click.Path(path_type=Path), default=None, help="default: $LTU_DATA_DIR/mlflow")
def stop(data_dir: Path | None) -> None:
    """Stop the server started from this data directory (by its pid file)."""
    server = TrackingServer(data_dir or _default_data_dir())
    if not server.pid_file.exists():
        click.echo(f"no pid file in {server.data_dir}: nothing to stop")
        return
    server.stop()
    click.echo("MLflow tracking server stopped")


if __name__ == "__main__":
    cli()
