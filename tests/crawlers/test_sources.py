from __future__ import annotations

from pathlib import Path

import pytest

from crawlers.sources import SourceConfig, SourceConfigError, load_sources, validate_cron
from indexer.records import OpportunityKind

GOOD = """
[sources.erasmus-plus-news]
type = "feed"
url = "https://erasmus-plus.ec.europa.eu/rss.xml"
schedule = "0 6 * * *"
funder = "European Commission"
programme = "Erasmus+"
kind = "mobility"
tags = ["eu", "erasmus"]

[sources.uni-listing]
type = "html_listing"
url = "https://example.org/calls"
item = "article.call"
enabled = false

[sources.uni-listing.options]
next_page = "a.next::attr(href)"
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "sources.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_load_sources_reads_every_key(tmp_path):
    sources = load_sources(write(tmp_path, GOOD))

    news = sources["erasmus-plus-news"]
    assert news == SourceConfig(
        key="erasmus-plus-news",
        type="feed",
        url="https://erasmus-plus.ec.europa.eu/rss.xml",
        schedule="0 6 * * *",
        funder="European Commission",
        programme="Erasmus+",
        kind=OpportunityKind.MOBILITY,
        tags=("eu", "erasmus"),
        enabled=True,
        options=news.options,
    )
    assert dict(news.options) == {}


def test_load_sources_collects_type_specific_keys_into_options(tmp_path):
    listing = load_sources(write(tmp_path, GOOD))["uni-listing"]

    assert listing.enabled is False
    assert dict(listing.options) == {"item": "article.call", "next_page": "a.next::attr(href)"}
    assert listing.schedule == "0 6 * * *"


def test_load_sources_uses_the_spider_registry_by_default(tmp_path):
    assert set(load_sources(write(tmp_path, GOOD))) == {"erasmus-plus-news", "uni-listing"}


def test_source_config_round_trips_through_dict(tmp_path):
    for source in load_sources(write(tmp_path, GOOD)).values():
        assert SourceConfig.from_dict(source.to_dict()) == source


@pytest.mark.parametrize(
    ("table", "problem"),
    [
        ('type = "gopher"\nurl = "https://x.org/"', "unknown type 'gopher'"),
        ('type = "feed"', "missing 'url'"),
        ('url = "https://x.org/"', "missing 'type'"),
        ('type = "feed"\nurl = "ftp://x.org/feed"', "must be an http(s) URL"),
        ('type = "feed"\nurl = "https://x.org/"\nschedule = "0 6 * *"', "5 cron fields, found 4"),
        ('type = "feed"\nurl = "https://x.org/"\nschedule = "61 6 * * *"', "bad cron field '61'"),
        ('type = "feed"\nurl = "https://x.org/"\nkind = "lottery"', "unknown kind 'lottery'"),
        ('type = "feed"\nurl = "https://x.org/"\ntags = [1]', "'tags' must be a list"),
        ('type = "feed"\nurl = "https://x.org/"\nenabled = "yes"', "'enabled' must be true"),
    ],
)
def test_load_sources_names_file_source_and_problem(tmp_path, table, problem):
    path = write(tmp_path, f"[sources.broken]\n{table}\n")

    with pytest.raises(SourceConfigError) as info:
        load_sources(path, known_types={"feed"})

    message = str(info.value)
    assert str(path) in message
    assert "'broken'" in message
    assert problem in message


def test_load_sources_reports_unreadable_toml(tmp_path):
    path = write(tmp_path, "[sources.x\ntype=")

    with pytest.raises(SourceConfigError, match="cannot read source registry"):
        load_sources(path, known_types={"feed"})


def test_load_sources_reports_missing_file(tmp_path):
    with pytest.raises(SourceConfigError, match="cannot read"):
        load_sources(tmp_path / "absent.toml", known_types={"feed"})


@pytest.mark.parametrize(
    "expr", ["0 6 * * *", "*/15 * * * *", "0 8 1-7 * mon", "30 5 * jan-mar 1,3,5", "0 0 * * 7"]
)
def test_validate_cron_accepts_crontab_syntax(expr):
    assert validate_cron(expr) is None


@pytest.mark.parametrize(
    "expr", ["", "* * * *", "0 24 * * *", "0 6 * * 8", "0 6 5-1 * *", "x * * * *"]
)
def test_validate_cron_rejects_bad_expressions(expr):
    assert validate_cron(expr) is not None
