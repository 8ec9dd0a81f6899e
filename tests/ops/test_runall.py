"""`python -m webapp.runall` (what `make run` starts): serves, schedules, stops on SIGTERM."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest

from indexer.store import Store
from tests.ops.conftest import free_port, write_institution, write_sources
from webapp.stores import ops

STARTUP_TIMEOUT = 60.0


def healthz(url: str) -> tuple[int, dict] | None:
    try:
        with urllib.request.urlopen(url, timeout=2.0) as response:
            return response.status, json.load(response)
    except urllib.error.HTTPError as exc:
        return exc.code, json.load(exc)
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return None


def wait_for_healthy(url: str, process: subprocess.Popen) -> dict:
    """Poll until /healthz answers 200 (the scheduler needs a beat to take its lease)."""
    deadline = time.monotonic() + STARTUP_TIMEOUT
    last = None
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"runall exited early with {process.returncode}")
        last = healthz(url)
        if last is not None and last[0] == 200:
            return last[1]
        time.sleep(0.1)  # poll interval, bounded by the deadline above
    pytest.fail(f"/healthz never became healthy: {last}")


def test_runall_serves_schedules_and_stops_cleanly_on_sigterm(tmp_path):
    database_url = f"sqlite:///{tmp_path / 'grantradar.db'}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("GRANTRADAR_")}
    env |= {
        "GRANTRADAR_INSTANCE_DIR": str(tmp_path / "instance"),
        "GRANTRADAR_DATABASE_URL": database_url,
        "GRANTRADAR_SEARCH_PATH": str(tmp_path / "search.db"),
        "GRANTRADAR_INSTITUTION": str(write_institution(tmp_path)),
        "GRANTRADAR_SOURCES": str(
            write_sources(tmp_path, {"local-feed": ("http://127.0.0.1:9/x.rss", "0 6 * * *")})
        ),
    }
    port = free_port()
    log = (tmp_path / "runall.log").open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "webapp.runall", "--port", str(port), "--heartbeat", "1"],
        cwd=tmp_path,  # no stray .env from the checkout
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        body = wait_for_healthy(f"http://127.0.0.1:{port}/healthz", process)
        assert body["checks"]["scheduler"]["ok"] is True
        store = Store(database_url)
        assert ops.get_lease(store.engine) is not None
        assert "crawl:local-feed" in ops.next_run_times(store.engine)
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=60) == 0
        assert ops.get_lease(store.engine) is None  # the lease was given up
        store.engine.dispose()
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        log.close()
    assert "Stopped cleanly" in (tmp_path / "runall.log").read_text()
