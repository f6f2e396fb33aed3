"""The MLflow server command the Makefile uses: start in the background, healthy, stop by pid file."""

from __future__ import annotations

import subprocess
import sys

from ltu_platform.settings import REPO_ROOT
from ml.tracking_server import PID_FILE, free_port, is_healthy


def _cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "ml.tracking_server", *args], cwd=REPO_ROOT,
                          capture_output=True, text=True, timeout=180)


def test_start_and_stop_from_the_command_line(tmp_path):
    port = free_port()
    started = _cli("start", "--data-dir", str(tmp_path), "--port", str(port))
    assert started.returncode == 0, started.stderr
    try:
        assert is_healthy(f"http://127.0.0.1:{port}")
        assert (tmp_path / PID_FILE).exists()
        assert (tmp_path / "mlflow.db").exists()  # SQLite backend, not a ./mlruns file store
    finally:
        stopped = _cli("stop", "--data-dir", str(tmp_path))
    assert stopped.returncode == 0, stopped.stderr
    assert not (tmp_path / PID_FILE).exists()
    assert not is_healthy(f"http://127.0.0.1:{port}", timeout=1)
