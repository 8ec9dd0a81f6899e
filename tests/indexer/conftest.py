"""Search-backend fixtures: an osmem-server per session and the backend parametrization.

The Elasticsearch run uses osmem-server (an in-memory OpenSearch-compatible server from
PyPI) started here on a free 127.0.0.1 port; with GRANTRADAR_TEST_ELASTICSEARCH_URL set, the
same tests run against that server instead (GRANTRADAR_TEST_ELASTICSEARCH_PLAIN_JSON=1 for
an OpenSearch-compatible one).
"""

from __future__ import annotations

import os
import socket
import subprocess
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator

import pytest

TEST_URL_ENV = "GRANTRADAR_TEST_ELASTICSEARCH_URL"
TEST_PLAIN_JSON_ENV = "GRANTRADAR_TEST_ELASTICSEARCH_PLAIN_JSON"
STARTUP_TIMEOUT = 30.0


def free_port() -> int:
    """Return a TCP port that is free on 127.0.0.1 right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_until_answers(url: str, process: subprocess.Popen[bytes]) -> None:
    """Poll ``url`` until it answers HTTP, the process dies, or the timeout passes."""
    deadline = time.monotonic() + STARTUP_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"osmem-server exited with status {process.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=1.0) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.05)  # poll interval, bounded by the deadline above
    raise RuntimeError(f"osmem-server did not answer at {url} within {STARTUP_TIMEOUT} s")


def start_osmem() -> tuple[subprocess.Popen[bytes], str]:
    """Start osmem-server on a free local port; return the process and its URL."""
    osmem_server = pytest.importorskip("osmem_server")
    port = free_port()
    args = [
        osmem_server.resolve_binary(),
        "--addr",
        f"127.0.0.1:{port}",
        "--parent-pid",
        str(os.getpid()),
        "--no-ja",
    ]
    # stdin stays open: osmem-server exits by itself when it closes (e.g. pytest is killed).
    process = subprocess.Popen(
        args, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_answers(url, process)
    except Exception:
        stop_osmem(process)
        raise
    return process, url


def stop_osmem(process: subprocess.Popen[bytes]) -> None:
    """Stop an osmem-server process started by :func:`start_osmem`."""
    if process.stdin is not None:
        process.stdin.close()
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@pytest.fixture(scope="session")
def elasticsearch_server() -> Iterator[tuple[str, bool]]:
    """Yield (url, plain_json) of the Elasticsearch-compatible server for the session."""
    url = os.environ.get(TEST_URL_ENV, "")
    if url:
        yield url, os.environ.get(TEST_PLAIN_JSON_ENV, "0") == "1"
        return
    process, url = start_osmem()
    try:
        yield url, True
    finally:
        stop_osmem(process)


@pytest.fixture
def elasticsearch_backend(elasticsearch_server):
    """Yield an ElasticBackend on a fresh alias; its indices are deleted afterwards."""
    from indexer.elastic import ElasticBackend

    url, plain_json = elasticsearch_server
    backend = ElasticBackend(url, index=f"test-{uuid.uuid4().hex[:12]}", plain_json=plain_json)
    backend.ensure_ready()
    yield backend
    # Named indices only: real clusters refuse wildcard deletes (destructive_requires_name).
    for name in backend.aliased_indices():
        backend.client.indices.delete(index=name, ignore_unavailable=True)
    backend.client.close()


@pytest.fixture
def sqlite_backend(tmp_path):
    """Return a SqliteFtsBackend on a file under tmp_path."""
    sqlite_fts = pytest.importorskip("indexer.sqlite_fts")
    backend = sqlite_fts.SqliteFtsBackend(tmp_path / "search.db")
    backend.ensure_ready()
    return backend


@pytest.fixture(params=["sqlite", pytest.param("elasticsearch", marks=pytest.mark.es)])
def search_backend(request):
    """Return each search backend in turn, ready and empty."""
    return request.getfixturevalue(f"{request.param}_backend")
