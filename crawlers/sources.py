"""The source registry: one ``[sources.<key>]`` table per source in a TOML file.

Keys every source understands: ``type``, ``url``, ``schedule`` (5-field cron),
``funder``, ``programme``, ``kind``, ``tags``, ``enabled``. Anything else (and the
contents of an optional ``[sources.<key>.options]`` table) goes into
:attr:`SourceConfig.options` for the spider of that type, e.g. html_listing selectors.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

from indexer.records import OpportunityKind

DEFAULT_SCHEDULE = "0 6 * * *"
COMMON_KEYS = frozenset(
    {"type", "url", "schedule", "funder", "programme", "kind", "tags", "enabled", "options"}
)
_KEY_RE = re.compile(r"^[a-z0-9][a-z0-9_.-]*$")
# Cron field ranges (minute, hour, day of month, month, day of week); names allowed
# for month and weekday as crontab(5) does.
_CRON_RANGES = ((0, 59), (0, 23), (1, 31), (1, 12), (0, 7))
_CRON_NAMES = (
    (),
    (),
    (),
    ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"),
    ("sun", "mon", "tue", "wed", "thu", "fri", "sat"),
)


class SourceConfigError(ValueError):
    """A source registry file is unreadable or one of its sources is invalid."""


@dataclass(frozen=True, slots=True)
class SourceConfig:
    """One configured source: where to crawl, how often, and the record defaults."""

    key: str
    type: str
    url: str
    schedule: str = DEFAULT_SCHEDULE
    funder: str | None = None
    programme: str | None = None
    kind: OpportunityKind | None = None
    tags: tuple[str, ...] = ()
    enabled: bool = True
    options: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))

    def to_dict(self) -> dict[str, Any]:
        """Return JSON-ready values (used to hand the source to a crawl subprocess)."""
        return {
            "key": self.key,
            "type": self.type,
            "url": self.url,
            "schedule": self.schedule,
            "funder": self.funder,
            "programme": self.programme,
            "kind": self.kind.value if self.kind else None,
            "tags": list(self.tags),
            "enabled": self.enabled,
            "options": dict(self.options),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> SourceConfig:
        """Rebuild a source from :meth:`to_dict` output."""
        kind = data.get("kind")
        return cls(
            key=str(data["key"]),
            type=str(data["type"]),
            url=str(data["url"]),
            schedule=str(data.get("schedule") or DEFAULT_SCHEDULE),
            funder=data.get("funder"),
            programme=data.get("programme"),
            kind=OpportunityKind(kind) if kind else None,
            tags=tuple(data.get("tags") or ()),
            enabled=bool(data.get("enabled", True)),
            options=MappingProxyType(dict(data.get("options") or {})),
        )


def validate_cron(expr: str) -> str | None:
    """Return what is wrong with a 5-field cron expression, or None when it is valid."""
    fields = expr.split()
    if len(fields) != 5:
        return f"schedule {expr!r} must have 5 cron fields, found {len(fields)}"
    for index, text in enumerate(fields):
        low, high = _CRON_RANGES[index]
        for part in text.lower().split(","):
            if not _valid_cron_part(part, low, high, _CRON_NAMES[index]):
                return f"schedule {expr!r}: bad cron field {text!r}"
    return None


def _valid_cron_part(part: str, low: int, high: int, names: tuple[str, ...]) -> bool:
    body, _, step = part.partition("/")
    if step and not (step.isdigit() and int(step) > 0):
        return False
    if body == "*":
        return True
    bounds = body.split("-")
    if len(bounds) > 2 or not all(bounds):
        return False
    values = []
    for bound in bounds:
        if bound in names:
            values.append(names.index(bound) + (1 if len(names) == 12 else 0))
        elif bound.isdigit():
            values.append(int(bound))
        else:
            return False
    return all(low <= v <= high for v in values) and values == sorted(values)


def load_sources(
    path: str | Path, *, known_types: Iterable[str] | None = None
) -> dict[str, SourceConfig]:
    """Read the source registry from a TOML file.

    :param known_types: source types with a spider; defaults to the spider registry.
    :raises SourceConfigError: naming the file, the source and the problem.
    """
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise SourceConfigError(f"{path}: cannot read source registry: {exc}") from exc
    if known_types is None:
        # Imported here: the registry pulls in Scrapy, which callers reading only the
        # list of sources (the web pages) should not pay for unless they load it.
        from crawlers.spiders import SPIDERS

        known_types = SPIDERS
    types = frozenset(known_types)
    tables = data.get("sources", {})
    if not isinstance(tables, dict):
        raise SourceConfigError(f"{path}: 'sources' must be a table of [sources.<key>] tables")
    return {key: _parse_source(path, key, table, types) for key, table in tables.items()}


def _parse_source(path: Path, key: str, table: Any, types: frozenset[str]) -> SourceConfig:
    def fail(problem: str) -> SourceConfigError:
        return SourceConfigError(f"{path}: source {key!r}: {problem}")

    if not isinstance(table, dict):
        raise fail("must be a table")
    if not _KEY_RE.match(key):
        raise fail("key must be lower-case letters, digits, '-', '_' or '.'")
    source_type = table.get("type")
    if not source_type:
        raise fail("missing 'type'")
    if source_type not in types:
        raise fail(f"unknown type {source_type!r} (known: {', '.join(sorted(types))})")
    options = _options(table, fail)
    url = _url(table, options, fail)
    schedule = str(table.get("schedule") or DEFAULT_SCHEDULE)
    problem = validate_cron(schedule)
    if problem:
        raise fail(problem)
    return SourceConfig(
        key=key,
        type=str(source_type),
        url=url,
        schedule=schedule,
        funder=_optional_str(table, "funder", fail),
        programme=_optional_str(table, "programme", fail),
        kind=_kind(table.get("kind"), fail),
        tags=_tags(table.get("tags"), fail),
        enabled=_enabled(table.get("enabled", True), fail),
        options=MappingProxyType(options),
    )


def _options(table: dict[str, Any], fail: Any) -> dict[str, Any]:
    nested = table.get("options", {})
    if not isinstance(nested, dict):
        raise fail("'options' must be a table")
    extra = {k: v for k, v in table.items() if k not in COMMON_KEYS}
    return {**extra, **nested}


def _url(table: dict[str, Any], options: dict[str, Any], fail: Any) -> str:
    url = table.get("url")
    start_urls = options.get("start_urls")
    if not url and isinstance(start_urls, list) and start_urls:
        url = start_urls[0]
    if not url:
        raise fail("missing 'url'")
    if not isinstance(url, str) or not url.startswith(("http://", "https://")):
        raise fail(f"url {url!r} must be an http(s) URL")
    return url


def _optional_str(table: dict[str, Any], name: str, fail: Any) -> str | None:
    value = table.get(name)
    if value is not None and not isinstance(value, str):
        raise fail(f"{name!r} must be a string")
    return value or None


def _kind(value: Any, fail: Any) -> OpportunityKind | None:
    if value is None or value == "":
        return None
    try:
        return OpportunityKind(value)
    except ValueError:
        known = ", ".join(k.value for k in OpportunityKind)
        raise fail(f"unknown kind {value!r} (known: {known})") from None


def _tags(value: Any, fail: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,)
    if not isinstance(value, list) or not all(isinstance(t, str) for t in value):
        raise fail("'tags' must be a list of strings")
    return tuple(value)


def _enabled(value: Any, fail: Any) -> bool:
    if not isinstance(value, bool):
        raise fail("'enabled' must be true or false")
    return value
