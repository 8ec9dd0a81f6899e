"""Item pipelines: reject items that cannot form a record, write the rest as JSON lines.

The crawl subprocess writes items to files instead of the store so that the parent
process does all database work (one writer, and a killed crawl cannot leave a half
transaction behind).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import IO, Any, Self

from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem, NotConfigured

from indexer.records import from_dict


def _setting_path(crawler: Crawler, name: str) -> Path:
    """Return the output path named by a crawl setting; without it the pipeline is off."""
    path = crawler.settings.get(name)
    if not path:
        raise NotConfigured(f"{name} is not set")
    return Path(path)


def _append(path: Path) -> IO[str]:
    path.parent.mkdir(parents=True, exist_ok=True)
    return path.open("a", encoding="utf-8")


class ValidateItemPipeline:
    """Drop items that do not form a valid record, noting the reason in a JSON-lines file."""

    def __init__(self, invalid_path: Path) -> None:
        self.invalid_path = invalid_path
        self.dropped = 0

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        """Read the output path from the crawl settings."""
        return cls(_setting_path(crawler, "GRANTRADAR_INVALID_PATH"))

    def process_item(self, item: Any) -> Any:
        """Pass a valid item on; raise DropItem with the reason otherwise."""
        try:
            from_dict(item)
        except (ValueError, TypeError) as exc:
            key = str(item.get("id") or item.get("url") or "?") if isinstance(item, dict) else "?"
            reason = " ".join(str(exc).split())
            self.dropped += 1
            with _append(self.invalid_path) as out:
                out.write(json.dumps({"key": key, "reason": reason}, ensure_ascii=False) + "\n")
            raise DropItem(f"invalid item {key}: {reason}") from exc
        return item


class JsonLinesPipeline:
    """Append every item that reaches it to a JSON-lines file."""

    def __init__(self, items_path: Path) -> None:
        self.items_path = items_path
        self.file: IO[str] | None = None
        self.count = 0

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        """Read the output path from the crawl settings."""
        return cls(_setting_path(crawler, "GRANTRADAR_ITEMS_PATH"))

    def open_spider(self) -> None:
        """Open the output file."""
        self.file = _append(self.items_path)

    def close_spider(self) -> None:
        """Close the output file."""
        if self.file is not None:
            self.file.close()
            self.file = None

    def process_item(self, item: Any) -> Any:
        """Write the item as one line and flush, so a killed crawl keeps what it had."""
        if self.file is None:
            self.open_spider()
        assert self.file is not None
        self.file.write(json.dumps(dict(item), ensure_ascii=False, default=str) + "\n")
        self.file.flush()
        self.count += 1
        return item
