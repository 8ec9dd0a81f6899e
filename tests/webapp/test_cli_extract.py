"""`grantradar grants-gov-extract` over a SYNTHETIC extract (see test_grants_gov_xml.py)."""

from __future__ import annotations

import io
import zipfile

import pytest

from indexer.records import RunStatus
from tests.crawlers.test_grants_gov_xml import extract_xml


@pytest.fixture
def extract_url(static_server):
    root, base_url = static_server
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("GrantsDBExtract20261128v2.xml", extract_xml())
    (root / "GrantsDBExtract20261128v2.zip").write_bytes(buffer.getvalue())
    return base_url


def run(app, *args):
    return app.test_cli_runner().invoke(args=list(args))


def test_extract_import_keeps_calls_open_to_non_us_applicants(app, store, extract_url):
    before = store.count()
    result = run(app, "grants-gov-extract", f"{extract_url}/GrantsDBExtract20261128v2.zip")
    assert result.exit_code == 0, result.output
    assert "read 3, left out 1 US-only" in result.output
    assert store.count() == before + 2
    fogarty = store.get("grants-gov-extract:361001")
    assert fogarty is not None
    assert "ALL" in fogarty.eligible_groups
    assert store.get("grants-gov-extract:361002") is None  # US applicants only
    assert store.last_runs()["grants-gov-extract"].status is RunStatus.SUCCESS

    again = run(app, "grants-gov-extract", f"{extract_url}/GrantsDBExtract20261128v2.zip")
    assert "added 0" in again.output


def test_extract_import_all_applicants_keeps_everything(app, store, extract_url):
    result = run(
        app,
        "grants-gov-extract",
        f"{extract_url}/GrantsDBExtract20261128v2.zip",
        "--all-applicants",
    )
    assert result.exit_code == 0, result.output
    assert store.get("grants-gov-extract:361002") is not None


def test_extract_import_failure_is_one_line_and_a_failed_run(app, store, extract_url):
    result = run(app, "grants-gov-extract", f"{extract_url}/missing.zip")
    assert result.exit_code == 1
    assert result.output.startswith("error: ")
    assert "404" in result.output
    run_record = store.last_runs()["grants-gov-extract"]
    assert run_record.status is RunStatus.FAILED
    assert "404" in (run_record.error or "")
