"""Try one source entry live and report how well its items fill the record, storing nothing.

``grantradar validate-source KEY`` runs this while an administrator writes a source
entry: one unconditional crawl through the real subprocess path, every item checked as
ingest would check it, and the share of items carrying each field.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from config.settings import Settings
from crawlers.fetch import CrawlResult
from crawlers.isolate import crawl_source
from crawlers.sources import SourceConfig
from indexer.ingest import normalize, validate
from indexer.records import Opportunity, OpportunityKind, from_dict

# A field the admin can fix with a selector: below this share the report warns.
REQUIRED_SHARE = 0.9
REQUIRED_FIELDS = {"title": "a title", "url": "an http(s) url", "deadlines": "a deadline"}
FIELD_CHECKS: dict[str, Callable[[Opportunity], bool]] = {
    "title": lambda o: bool(o.title.strip()),
    "url": lambda o: urlsplit(o.url).scheme in ("http", "https"),
    "deadlines": lambda o: bool(o.deadlines),
    "summary": lambda o: bool(o.summary.strip()),
    "funder": lambda o: bool(o.funder),
    "programme": lambda o: bool(o.programme),
    "kind": lambda o: o.kind is not OpportunityKind.OTHER,
    "eligibility": lambda o: bool(o.eligibility_text or o.eligible_countries or o.eligible_groups),
    "budget": lambda o: any(m is not None for m in (o.budget_total, o.award_min, o.award_max)),
    "language": lambda o: bool(o.language),
}


@dataclass
class ValidationReport:
    """What one trial crawl of a source found, and how complete its items are."""

    source: str
    url: str
    crawl: CrawlResult
    found: int = 0
    invalid: list[tuple[str, str]] = field(default_factory=list)
    coverage: dict[str, float] = field(default_factory=dict)
    records: list[Opportunity] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """Return True when the crawl found items and every one forms a valid record."""
        # An entry that finds nothing is not ready to enable, whatever the server said.
        return self.crawl.error is None and self.found > 0 and not self.invalid

    def warnings(self) -> list[str]:
        """Return the crawl's warnings, then one line per required field below 90%."""
        lines = list(self.crawl.warnings)
        if self.crawl.error is None and self.found == 0:
            lines.append("no items found: check the url (and the item selector)")
        for name, what in REQUIRED_FIELDS.items() if self.found else ():
            share = self.coverage.get(name, 0.0)
            if share < REQUIRED_SHARE:
                lines.append(f"only {share:.0%} of items have {what}: check the {name} selector")
        return lines

    def to_dict(self, limit: int) -> dict[str, Any]:
        """Return JSON-ready facts, with the first ``limit`` items."""
        return {
            "source": self.source,
            "url": self.url,
            "ok": self.ok,
            "http_status": self.crawl.http_status,
            "error": self.crawl.error,
            "found": self.found,
            "invalid": [{"key": k, "reason": r} for k, r in self.invalid],
            "coverage": {k: round(v, 4) for k, v in self.coverage.items()},
            "warnings": self.warnings(),
            "items": [sample(opp) for opp in self.records[: max(0, limit)]],
        }


def check_items(
    items: Iterable[Mapping[str, Any]], *, now: datetime
) -> tuple[list[Opportunity], list[tuple[str, str]]]:
    """Check items as ingest would; return the records and (key, reason) per invalid item.

    A record that fails only :func:`indexer.ingest.validate` (e.g. an empty title) is
    still returned, so that the coverage shows which field is missing.
    """
    records: list[Opportunity] = []
    invalid: list[tuple[str, str]] = []
    for item in items:
        key = str(item.get("id") or item.get("url") or "?")
        try:
            opp = from_dict(item)
        except (ValueError, TypeError, KeyError) as exc:
            invalid.append((key, " ".join(str(exc).split())))
            continue
        try:
            validate(opp)
            opp = normalize(opp, now=now)
        except (ValueError, TypeError) as exc:
            invalid.append((key, " ".join(str(exc).split())))
        records.append(opp)
    return records, invalid


def field_coverage(records: Iterable[Opportunity], total: int) -> dict[str, float]:
    """Return the share of ``total`` items carrying each field (unreadable items have none)."""
    counts = dict.fromkeys(FIELD_CHECKS, 0)
    for opp in records:
        for name, check in FIELD_CHECKS.items():
            counts[name] += check(opp)
    return {name: (count / total if total else 0.0) for name, count in counts.items()}


def build_report(
    source: SourceConfig, crawl: CrawlResult, items: Iterable[Mapping[str, Any]], *, now: datetime
) -> ValidationReport:
    """Combine a crawl's outcome and items into a report (pure: no I/O)."""
    rows = list(items)
    records, invalid = check_items(rows, now=now)
    # Items the crawl's own pipeline dropped never reached the items file.
    found = len(crawl.invalid) + len(rows)
    invalid = [*crawl.invalid, *invalid]
    return ValidationReport(
        source=source.key,
        url=source.url,
        crawl=crawl,
        found=found,
        invalid=invalid,
        coverage=field_coverage(records, found),
        records=records,
    )


def validate_source(
    source: SourceConfig,
    *,
    settings: Settings,
    now: datetime,
    scrapy_overrides: Mapping[str, Any] | None = None,
) -> ValidationReport:
    """Crawl one source unconditionally in a subprocess and report on its items.

    Nothing is written to the store or the search index.

    :raises CrawlConfigError: when the crawl would be anonymous.
    """
    with crawl_source(
        source, settings=settings, now=now, scrapy_overrides=scrapy_overrides
    ) as crawled:
        return build_report(source, crawled.result, crawled.items(), now=now)


def sample(opp: Opportunity) -> dict[str, Any]:
    """Return the fields an admin eyeballs: title, url, deadlines with zones, kind."""
    return {
        "id": opp.id,
        "title": opp.title,
        "url": opp.url,
        "deadlines": [
            {"at": d.at.isoformat(), "zone": _zone(d.at), "label": d.label} for d in opp.deadlines
        ],
        "kind": opp.kind.value,
    }


def _zone(at: datetime) -> str:
    return str(getattr(at.tzinfo, "key", None) or at.tzname() or "naive")


def format_report(report: ValidationReport, limit: int) -> list[str]:
    """Return the report as lines of text for the command line."""
    crawl = report.crawl
    status = "no response" if crawl.http_status is None else f"HTTP {crawl.http_status}"
    lines = [f"{report.source}: {report.url}", f"  {status}: {crawl.error or 'crawl succeeded'}"]
    lines.append(f"  {report.found} item(s) found, {len(report.invalid)} invalid")
    lines += [f"    invalid {key}: {reason}" for key, reason in report.invalid[:20]]
    lines.append("  field coverage:")
    lines += [f"    {name:<12} {share:>5.0%}" for name, share in report.coverage.items()]
    lines += [f"  warning: {line}" for line in report.warnings()[:20]]
    for opp in report.records[: max(0, limit)]:
        item = sample(opp)
        lines.append(f"  - {item['title']} [{item['kind']}]")
        lines.append(f"    {item['url']}")
        for deadline in opp.deadlines:
            label = f" ({deadline.label})" if deadline.label else ""
            when = deadline.at.strftime("%Y-%m-%d %H:%M")
            lines.append(f"    deadline {when} {_zone(deadline.at)}{label}")
        if not opp.deadlines:
            lines.append("    no deadline")
    return lines
