"""Render the demo feeds relative to a day and serve them on 127.0.0.1.

The documents in ``demo/feeds`` carry date placeholders (``{{date:+14}}``, ``{{rfc822:-3}}``)
so the calls stay meaningful whatever day the demo runs. :class:`DemoServer` renders them
once for the ``today`` it is given and serves them with ETag/Last-Modified validators and a
robots.txt that allows everything, so the real crawler path can fetch them.
"""

from __future__ import annotations

import hashlib
import logging
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from email.utils import format_datetime, parsedate_to_datetime
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import Any
from zoneinfo import ZoneInfo

logger = logging.getLogger(__name__)

MONTHS_EN = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
]
# Genitive case, as a Russian date is written ("до 12 декабря 2026 г.").
MONTHS_RU = [
    "января",
    "февраля",
    "марта",
    "апреля",
    "мая",
    "июня",
    "июля",
    "августа",
    "сентября",
    "октября",
    "ноября",
    "декабря",
]
MONTHS_TR = [
    "Ocak",
    "Şubat",
    "Mart",
    "Nisan",
    "Mayıs",
    "Haziran",
    "Temmuz",
    "Ağustos",
    "Eylül",
    "Ekim",
    "Kasım",
    "Aralık",
]
_BRUSSELS = ZoneInfo("Europe/Brussels")
# Feed timestamps get a fixed time of day so a rendering depends on the date alone.
_PUBLISHED_AT = time(8, 30)

_PLACEHOLDER_RE = re.compile(r"\{\{\s*([a-z_0-9]+)\s*(?::\s*([+-]?\d+)\s*)?\}\}")

CONTENT_TYPES = {
    ".xml": "application/rss+xml; charset=utf-8",
    ".rss": "application/rss+xml; charset=utf-8",
    ".atom": "application/atom+xml; charset=utf-8",
    ".txt": "text/plain; charset=utf-8",
}
ROBOTS_TXT = b"User-agent: *\nAllow: /\n"


def _cet_label(day: date) -> str:
    # The abbreviation the funder would print for 17:00 Brussels time on that day.
    noon = datetime.combine(day, time(12), tzinfo=_BRUSSELS)
    return noon.tzname() or "CET"


def _datetime_utc(day: date) -> datetime:
    return datetime.combine(day, _PUBLISHED_AT, tzinfo=UTC)


_FORMATTERS: dict[str, Callable[[date], str]] = {
    "date": lambda d: f"{d.day} {MONTHS_EN[d.month - 1]} {d.year}",
    "date_us": lambda d: f"{MONTHS_EN[d.month - 1]} {d.day}, {d.year}",
    "date_ru": lambda d: f"{d.day} {MONTHS_RU[d.month - 1]} {d.year}",
    "date_tr": lambda d: f"{d.day} {MONTHS_TR[d.month - 1]} {d.year}",
    "iso": lambda d: d.isoformat(),
    "year": lambda d: str(d.year),
    "cet": _cet_label,
    "rfc822": lambda d: format_datetime(_datetime_utc(d)),
    "rfc3339": lambda d: _datetime_utc(d).isoformat().replace("+00:00", "Z"),
}


class DemoTemplateError(ValueError):
    """A demo document holds a placeholder that cannot be rendered."""


def render_placeholders(text: str, today: date, values: dict[str, str] | None = None) -> str:
    """Replace every ``{{name:+N}}`` with a date N days from ``today`` in the named format.

    ``values`` supplies plain placeholders without an offset, such as ``{{base_url}}``.

    :raises DemoTemplateError: for an unknown placeholder or a missing offset.
    """
    plain = values or {}

    def replace(match: re.Match[str]) -> str:
        name, offset = match.group(1), match.group(2)
        if offset is None and name in plain:
            return plain[name]
        formatter = _FORMATTERS.get(name)
        if formatter is None or offset is None:
            raise DemoTemplateError(f"cannot render placeholder {match.group(0)!r}")
        return formatter(today + timedelta(days=int(offset)))

    return _PLACEHOLDER_RE.sub(replace, text)


@dataclass(frozen=True, slots=True)
class DemoDocument:
    """One rendered document, ready to serve."""

    body: bytes
    content_type: str
    etag: str


def render_documents(root: Path, today: date) -> dict[str, DemoDocument]:
    """Render every feed under ``root/feeds`` and return them by URL path."""
    documents: dict[str, DemoDocument] = {}
    for path in sorted((root / "feeds").iterdir()):
        content_type = CONTENT_TYPES.get(path.suffix)
        if content_type is None or not path.is_file():
            continue
        body = render_placeholders(path.read_text(encoding="utf-8"), today).encode("utf-8")
        etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
        documents[f"/feeds/{path.name}"] = DemoDocument(body, content_type, etag)
    return documents


class _DemoHTTPServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int], documents: dict[str, DemoDocument]) -> None:
        super().__init__(address, _DemoHandler)
        self.documents = documents
        self.last_modified = ""


class _DemoHandler(BaseHTTPRequestHandler):
    server: _DemoHTTPServer
    server_version = "GrantRadarDemo/1"

    def do_GET(self) -> None:
        self._respond(with_body=True)

    def do_HEAD(self) -> None:
        self._respond(with_body=False)

    def _respond(self, *, with_body: bool) -> None:
        path = self.path.split("?", 1)[0]
        if path == "/robots.txt":
            document: DemoDocument | None = DemoDocument(ROBOTS_TXT, CONTENT_TYPES[".txt"], "")
        elif path in ("/", "/feeds/"):
            document = self._index()
        else:
            document = self.server.documents.get(path)
        if document is None:
            self._send(HTTPStatus.NOT_FOUND, DemoDocument(b"not found\n", "text/plain", ""), True)
        elif document.etag and self._not_modified(document):
            self._send(HTTPStatus.NOT_MODIFIED, document, False)
        else:
            self._send(HTTPStatus.OK, document, with_body)

    def _not_modified(self, document: DemoDocument) -> bool:
        # RFC 9110 section 13.1.2: If-None-Match wins over If-Modified-Since when both come.
        if_none_match = self.headers.get("If-None-Match")
        if if_none_match is not None:
            tags = {t.strip().removeprefix("W/") for t in if_none_match.split(",")}
            return "*" in tags or document.etag in tags
        if_modified_since = self.headers.get("If-Modified-Since")
        if not if_modified_since:
            return False
        try:
            since = parsedate_to_datetime(if_modified_since)
        except (TypeError, ValueError):
            return False
        return since >= parsedate_to_datetime(self.server.last_modified)

    def _index(self) -> DemoDocument:
        links = "".join(
            f'<li><a href="{p}">{p.rsplit("/", 1)[-1]}</a></li>' for p in self.server.documents
        )
        body = f"<!doctype html><title>GrantRadar demo feeds</title><ul>{links}</ul>\n"
        return DemoDocument(body.encode("utf-8"), "text/html; charset=utf-8", "")

    def _send(self, status: HTTPStatus, document: DemoDocument, with_body: bool) -> None:
        self.send_response(status)
        self.send_header("Content-Type", document.content_type)
        if document.etag:
            self.send_header("ETag", document.etag)
            self.send_header("Last-Modified", self.server.last_modified)
        if status != HTTPStatus.NOT_MODIFIED:
            self.send_header("Content-Length", str(len(document.body)))
        self.end_headers()
        if with_body:
            self.wfile.write(document.body)

    def log_message(self, format: str, *args: Any) -> None:
        logger.debug("demo server: " + format, *args)


class DemoServer:
    """Serve the rendered demo feeds on 127.0.0.1 from a background thread.

    Use as a context manager: the server listens on entry and stops on exit. ``port=0``
    picks a free port; ``base_url`` says where it listens.
    """

    def __init__(self, root: Path, today: date, *, port: int = 0) -> None:
        self.root = root
        self.today = today
        self._port = port
        self._httpd: _DemoHTTPServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        """Return ``http://127.0.0.1:<port>`` of the running server."""
        if self._httpd is None:
            raise RuntimeError("the demo server is not running")
        return f"http://127.0.0.1:{self._httpd.server_address[1]}"

    @property
    def paths(self) -> list[str]:
        """Return the URL paths of the served feeds."""
        return list(self._httpd.documents) if self._httpd else []

    def start(self) -> DemoServer:
        """Render the documents and start listening."""
        documents = render_documents(self.root, self.today)
        self._httpd = _DemoHTTPServer(("127.0.0.1", self._port), documents)
        self._httpd.last_modified = format_datetime(_datetime_utc(self.today), usegmt=True)
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, name="grantradar-demo-server", daemon=True
        )
        self._thread.start()
        logger.info("Demo feeds served at %s", self.base_url)
        return self

    def stop(self) -> None:
        """Stop listening and release the port."""
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
        if self._thread is not None:
            self._thread.join()
        self._httpd = self._thread = None

    def __enter__(self) -> DemoServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
