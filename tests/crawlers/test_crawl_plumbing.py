"""Scrapy settings, pipelines, the child entry point and failure descriptions, in-process."""

from __future__ import annotations

import json

import pytest
from scrapy.exceptions import DropItem, IgnoreRequest
from twisted.python.failure import Failure

from crawlers import child
from crawlers.fetch import CrawlResult, Validators, conditional_headers, validators_from_headers
from crawlers.pipelines import JsonLinesPipeline, ValidateItemPipeline
from crawlers.settings import CrawlConfigError, build_scrapy_settings, user_agent
from crawlers.spiders.base import describe_failure
from indexer.records import from_dict, to_dict
from tests.crawlers.conftest import make_settings
from tests.factories import make_opportunity


def test_build_scrapy_settings_is_polite(tmp_path):
    settings = make_settings(tmp_path, obey_robots=True, crawl_timeout=7.0, crawl_max_bytes=1000)

    built = build_scrapy_settings(settings, items_path=tmp_path / "i", invalid_path=tmp_path / "v")

    assert built["ROBOTSTXT_OBEY"] is True
    assert built["AUTOTHROTTLE_ENABLED"] is True
    assert built["CONCURRENT_REQUESTS_PER_DOMAIN"] == 2
    assert built["DOWNLOAD_TIMEOUT"] == 7.0
    assert built["DOWNLOAD_MAXSIZE"] == 1000
    assert built["TELNETCONSOLE_ENABLED"] is False
    assert built["REDIRECT_MAX_TIMES"] <= 5
    assert set(built["RETRY_HTTP_CODES"]) <= set(range(500, 600))
    assert "grants-test@example.org" in built["USER_AGENT"]


@pytest.mark.parametrize(
    ("field", "env"), [("user_agent", "USER_AGENT"), ("contact_email", "CONTACT")]
)
def test_build_scrapy_settings_refuses_anonymous_crawls(tmp_path, field, env):
    settings = make_settings(tmp_path, **{field: ""})

    with pytest.raises(CrawlConfigError, match=env):
        build_scrapy_settings(settings, items_path=tmp_path / "i", invalid_path=tmp_path / "v")


def test_user_agent_does_not_repeat_the_contact(tmp_path):
    settings = make_settings(tmp_path, user_agent="Bot/1 (bot@x.org)", contact_email="bot@x.org")

    assert user_agent(settings) == "Bot/1 (bot@x.org)"


def test_validate_item_pipeline_drops_invalid_items_with_reason(tmp_path):
    pipeline = ValidateItemPipeline(tmp_path / "invalid.jsonl")
    good = to_dict(make_opportunity())

    assert pipeline.process_item(good) is good
    with pytest.raises(DropItem, match="title"):
        pipeline.process_item({**good, "title": ""})

    assert child.read_invalid(tmp_path / "invalid.jsonl") == [
        (good["id"], "missing required field(s): title")
    ]


def test_json_lines_pipeline_writes_one_line_per_item(tmp_path):
    pipeline = JsonLinesPipeline(tmp_path / "items.jsonl")
    item = to_dict(make_opportunity())

    pipeline.open_spider()
    pipeline.process_item(item)
    pipeline.process_item(item)
    pipeline.close_spider()

    lines = (tmp_path / "items.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(lines) == 2
    assert from_dict(json.loads(lines[0])) == make_opportunity()


def test_conditional_headers_use_stored_validators():
    state = Validators(etag='"a"', last_modified="Tue, 01 Dec 2026 00:00:00 GMT")

    assert conditional_headers(state) == {
        "If-None-Match": '"a"',
        "If-Modified-Since": "Tue, 01 Dec 2026 00:00:00 GMT",
    }
    assert conditional_headers(Validators()) == {}


def test_validators_from_headers_keep_what_the_response_omits():
    previous = Validators(etag='"old"', last_modified="Mon, 30 Nov 2026 00:00:00 GMT")

    new = validators_from_headers({"ETag": '"new"'}, previous)

    assert new == Validators(etag='"new"', last_modified="Mon, 30 Nov 2026 00:00:00 GMT")


def test_crawl_result_round_trips_and_keeps_one_line_reasons():
    result = CrawlResult(http_status=500, invalid=[("a", "b")])
    result.fail("first\nproblem")
    result.fail("second problem")

    assert result.error == "first problem"
    assert CrawlResult.from_dict(json.loads(json.dumps(result.to_dict()))) == result


def test_describe_failure_explains_redirect_loops():
    failure = Failure(IgnoreRequest("max redirections reached"))

    assert describe_failure(failure) == "redirect loop (max redirections reached)"


def test_child_main_reports_a_job_it_cannot_read(tmp_path):
    assert child.main([str(tmp_path)]) == 1

    result = json.loads((tmp_path / child.RESULT_FILE).read_text(encoding="utf-8"))
    assert result["error"].startswith("crawl crashed: FileNotFoundError")


def test_child_main_rejects_bad_usage():
    assert child.main([]) == 2
