"""Import the Grants.gov daily XML extract: a streamed download, then streamed parsing.

Scrapy keeps a response body in memory, so the 100 MB+ extract is fetched here with
urllib in chunks to a temporary file and read with :func:`iter_extract`, which never
holds more than one opportunity at a time.
"""

from __future__ import annotations

import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from crawlers.items import build_item
from crawlers.parsers.grants_gov_xml import iter_extract
from crawlers.sources import SourceConfig

CHUNK = 1 << 20
DEFAULT_MAX_BYTES = 2_000_000_000


class ExtractDownloadError(RuntimeError):
    """The extract could not be downloaded completely."""


def download(
    url: str,
    dest: Path,
    *,
    user_agent: str,
    timeout: float,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> Path:
    """Stream ``url`` into ``dest`` in 1 MiB chunks; refuse more than ``max_bytes``.

    :raises ExtractDownloadError: on HTTP or network errors and oversized answers.
    """
    request = urllib.request.Request(url, headers={"User-Agent": user_agent})
    written = 0
    try:
        with urllib.request.urlopen(request, timeout=timeout) as answer, dest.open("wb") as out:
            while chunk := answer.read(CHUNK):
                written += len(chunk)
                if written > max_bytes:
                    raise ExtractDownloadError(f"{url}: larger than {max_bytes:,} bytes")
                out.write(chunk)
    except urllib.error.HTTPError as exc:
        exc.close()  # an HTTPError holds the open response; close its socket
        raise ExtractDownloadError(f"{url}: HTTP {exc.code} {exc.reason}") from exc
    except (OSError, ValueError) as exc:
        raise ExtractDownloadError(f"{url}: {exc}") from exc
    return dest


def fetch_local_copy(location: str, workdir: Path, **download_args: Any) -> Path:
    """Return a local file for ``location``: a path as it is, a URL downloaded into workdir."""
    if location.startswith(("http://", "https://")):
        return download(location, workdir / "extract.download", **download_args)
    path = Path(location)
    if not path.is_file():
        raise ExtractDownloadError(f"no such file: {location}")
    return path


def open_to_non_us(fields: dict[str, Any]) -> bool:
    """Return whether a record is not limited to US applicants (or says nothing)."""
    countries = tuple(fields.get("eligible_countries") or ())
    return "ALL" in (fields.get("eligible_groups") or ()) or countries != ("US",)


@dataclass
class ExtractCounts:
    """What the parser saw, before ingest: records read and records left out as US-only."""

    read: int = 0
    us_only: int = 0


def extract_items(
    path: Path, source: SourceConfig, now: datetime, *, counts: ExtractCounts, everything: bool
) -> Iterator[dict[str, Any]]:
    """Yield items for every opportunity in the extract (US-only ones unless ``everything``)."""
    for fields in iter_extract(path):
        counts.read += 1
        if not everything and not open_to_non_us(fields):
            counts.us_only += 1
            continue
        yield build_item(source, now, **fields)
