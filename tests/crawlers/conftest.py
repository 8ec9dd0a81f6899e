"""A local HTTP server for crawler tests, plus settings and a store on tmp_path.

``feed_server`` serves registered routes from 127.0.0.1 on a free port. A route can
carry extra headers, an ETag (If-None-Match -> 304), a status code, a server-side
delay (for timeout tests, with a short DOWNLOAD_TIMEOUT) or a redirect. ``serve_file``
honours the ``Header:`` lines in the comment block of feedparser corpus files.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from config.settings import Settings
from indexer.store import Store

_HEADER_LINE = re.compile(rb"^\s*Header:\s*([A-Za-z-]+):\s*(.+?)\s*$", re.MULTILINE)
_CONTENT_TYPES = {
    ".xml": "application/xml",
    ".rss": "application/rss+xml",
    ".atom": "application/atom+xml",
    ".html": "text/html; charset=utf-8",
    ".json": "application/json",
}


@dataclass
class Route:
    """What the server answers for one path."""

    body: bytes = b""
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    etag: str | None = None
    delay: float = 0.0
    location: str | None = None


@dataclass
class SeenRequest:
    """One request the server received."""

    path: str
    headers: dict[str, str]


def fixture_headers(body: bytes) -> dict[str, str]:
    """Return the ``Header: Name: value`` lines of a feedparser corpus comment block."""
    head = body.split(b"-->", 1)[0] if b"-->" in body[:2000] else b""
    return {m.group(1).decode(): m.group(2).decode() for m in _HEADER_LINE.finditer(head)}


class _QuietServer(ThreadingHTTPServer):
    def handle_error(self, request: object, client_address: object) -> None:
        pass  # clients that time out hang up mid-answer; that is the point of those tests


class FeedServer:
    """A ThreadingHTTPServer on 127.0.0.1 serving in-memory routes."""

    def __init__(self) -> None:
        self.routes: dict[str, Route] = {}
        self.requests: list[SeenRequest] = []
        self.httpd = _QuietServer(("127.0.0.1", 0), self._handler_class())
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        host, port = str(self.httpd.server_address[0]), self.httpd.server_address[1]
        return f"http://{host}:{port}"

    def url(self, path: str) -> str:
        return self.base_url + path

    def add(self, path: str, body: bytes | str = b"", **kwargs) -> str:
        data = body.encode("utf-8") if isinstance(body, str) else body
        self.routes[path] = Route(body=data, **kwargs)
        return self.url(path)

    def serve_file(self, path: str, file: Path, **kwargs) -> str:
        body = file.read_bytes()
        headers = {"Content-Type": _CONTENT_TYPES.get(file.suffix, "application/octet-stream")}
        for name, value in fixture_headers(body).items():
            headers = {k: v for k, v in headers.items() if k.lower() != name.lower()}
            headers[name] = value
        headers.update(kwargs.pop("headers", {}))
        return self.add(path, body, headers=headers, **kwargs)

    def requests_to(self, path: str) -> list[SeenRequest]:
        return [r for r in self.requests if r.path == path]

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                server.requests.append(SeenRequest(self.path, dict(self.headers.items())))
                route = server.routes.get(self.path)
                if route is None:
                    self.send_error(404)
                    return
                if route.delay:
                    time.sleep(route.delay)
                if route.etag and self.headers.get("If-None-Match") == route.etag:
                    self.send_response(304)
                    self.send_header("ETag", route.etag)
                    self.end_headers()
                    return
                self.send_response(route.status)
                for name, value in route.headers.items():
                    self.send_header(name, value)
                if route.etag:
                    self.send_header("ETag", route.etag)
                if route.location:
                    self.send_header("Location", route.location)
                self.send_header("Content-Length", str(len(route.body)))
                self.end_headers()
                self.wfile.write(route.body)

            def log_message(self, format: str, *args: object) -> None:
                pass  # keep test output clean

        return Handler

    def start(self) -> None:
        self.thread.start()

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def start_server() -> FeedServer:
    server = FeedServer()
    server.start()
    return server


@pytest.fixture
def feed_server() -> Iterator[FeedServer]:
    server = start_server()
    yield server
    server.stop()


def make_settings(tmp_path: Path, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "instance_dir": tmp_path,
        "database_url": f"sqlite:///{tmp_path / 'grantradar.db'}",
        "user_agent": "GrantRadar-test/0.1 (+https://example.org/grantradar)",
        "contact_email": "grants-test@example.org",
        "crawl_timeout": 5.0,
        "crawl_time_limit": 60.0,
        "obey_robots": True,
    }
    values.update(overrides)
    return Settings(**values)


@pytest.fixture
def crawl_settings(tmp_path: Path) -> Settings:
    return make_settings(tmp_path)


@pytest.fixture
def store(crawl_settings: Settings) -> Store:
    store = Store(crawl_settings.resolved_database_url())
    store.create_schema()
    return store
