from __future__ import annotations

import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from tests.factories import ERASMUS_CBHE_WATER

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="/usr/bin/chromium is not installed"),
]


@pytest.fixture
def live_url(app):
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join()


def test_browser_search_then_open_a_call(live_url, tmp_path):
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            errors: list[str] = []
            page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
            page.goto(live_url + "/")
            page.get_by_label("Search funding calls").fill("water management")
            page.get_by_role("button", name="Search").click()
            page.wait_for_url("**/search?q=water+management*")
            page.screenshot(path=str(tmp_path / "search.png"), full_page=True)
            page.get_by_role("link", name=ERASMUS_CBHE_WATER.title).click()
            heading = page.get_by_role("heading", level=1)
            assert heading.inner_text() == ERASMUS_CBHE_WATER.title
            assert page.get_by_text("EUR 10,000,000").is_visible()
            page.screenshot(path=str(tmp_path / "opportunity.png"), full_page=True)
            page.set_viewport_size({"width": 390, "height": 844})
            page.screenshot(path=str(tmp_path / "opportunity-mobile.png"), full_page=True)
        finally:
            browser.close()
    assert (tmp_path / "opportunity.png").stat().st_size > 0
    # The CSP would report blocked inline code or styles as console errors.
    assert errors == []
