"""The Elasticsearch target of the benchmark: a configured server or a local osmem-server."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator

from indexer.elastic import ElasticBackend

BENCH_ALIAS = "grantradar-bench"
STARTUP_TIMEOUT = 30.0


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait(url: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT
    while time.monotonic() < deadline and process.poll() is None:
        try:
            with urllib.request.urlopen(url, timeout=1.0):
                return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.05)  # poll interval, bounded by the deadline
    raise RuntimeError(f"osmem-server did not answer at {url}")


@contextlib.contextmanager
def osmem() -> Iterator[str | None]:
    """Start osmem-server on a free local port; yield its URL (None if not installed)."""
    try:
        from osmem_server import resolve_binary
    except ImportError:
        yield None
        return
    port = _free_port()
    args = [resolve_binary(), "--addr", f"127.0.0.1:{port}", "--parent-pid", str(os.getpid())]
    process = subprocess.Popen(
        [*args, "--no-ja"],
        stdin=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        url = f"http://127.0.0.1:{port}"
        _wait(url, process)
        yield url
    finally:
        if process.stdin is not None:
            process.stdin.close()
        process.terminate()
        process.wait(timeout=10)


@contextlib.contextmanager
def elasticsearch_target(url: str) -> Iterator[ElasticBackend | None]:
    """Yield a backend on ``url`` (or on a fresh osmem-server); drop its indices after."""
    plain = os.environ.get("GRANTRADAR_ELASTICSEARCH_PLAIN_JSON", "0") in {"1", "true"}
    with contextlib.ExitStack() as stack:
        if not url:
            url = stack.enter_context(osmem()) or ""
            plain = True
        if not url:
            yield None
            return
        backend = ElasticBackend(url, index=BENCH_ALIAS, plain_json=plain, timeout=120.0)
        try:
            yield backend
        finally:
            for name in backend.aliased_indices():
                backend.client.indices.delete(index=name, ignore_unavailable=True)
