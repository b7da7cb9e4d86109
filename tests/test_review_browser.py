"""The review page in a real browser: Debian's Chromium driven by Playwright, on the served page
and on the exported file. Saves the screenshot docs/review.md shows (docs/review.png)."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from test_review import GENERAL, agent_run

from asymkit import review

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
SCREENSHOT = Path(__file__).parent.parent / "docs" / "review.png"

if not Path(CHROMIUM).exists() and not os.environ.get("CI"):  # in CI a missing browser fails
    pytest.skip("no chromium (scripts/install.sh installs it as root)", allow_module_level=True)

sync_api = pytest.importorskip("playwright.sync_api")


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield browser
        browser.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    """A fresh page that records script errors and dialogs (an alert would be a script run)."""
    context = browser.new_context(viewport={"width": 1440, "height": 900})
    tab = context.new_page()
    tab.problems = []
    tab.on("pageerror", lambda exc: tab.problems.append(f"script error: {exc}"))
    tab.on(
        "dialog",
        lambda dialog: (tab.problems.append(f"dialog: {dialog.message}"), dialog.dismiss()),
    )
    yield tab
    context.close()


def message(tab: Any, ts: str) -> Any:
    return tab.locator(f'[id="m-{GENERAL}-{ts}"]')


def check_marks(tab: Any, ts: dict[str, str]) -> None:
    expect = sync_api.expect
    expect(message(tab, ts["posted"])).to_have_attribute("data-change", "added")
    expect(message(tab, ts["edited"])).to_have_attribute("data-change", "changed")
    expect(message(tab, ts["deleted"])).to_have_attribute("data-change", "removed")
    expect(message(tab, ts["posted"]).locator(".text").first).to_contain_text(
        "<script>alert(1)</script>"
    )
    expect(message(tab, ts["edited"]).locator(".before")).to_be_visible()
    expect(tab.locator('[data-reaction="eyes"][data-change="added"]')).to_be_visible()


def test_the_served_page_marks_each_change_opens_threads_and_follows_calls(
    acme: Any, page: Any
) -> None:
    expect = sync_api.expect
    ts = agent_run(acme)
    page.goto(acme.view_url)
    check_marks(page, ts)
    reply = message(page, ts["reply"])
    expect(reply).to_be_hidden()  # in its thread, closed
    page.locator(f'details[data-thread="{ts["posted"]}"] > summary').click()
    expect(reply).to_be_visible()
    expect(reply).to_have_attribute("data-change", "added")
    page.screenshot(path=str(SCREENSHOT))
    update = page.locator('li.call[data-method="chat.update"] a.ref').first
    update.click()
    page.wait_for_url(f"**at={ts['edited']}*")
    expect(message(page, ts["edited"])).to_have_class("msg changed target")
    expect(message(page, ts["edited"])).to_be_in_viewport()
    replied = page.locator('li.call[data-method="chat.postMessage"] a.ref').nth(1)
    replied.click()
    expect(message(page, ts["reply"])).to_be_visible()  # its thread opened by the link
    expect(message(page, ts["reply"])).to_have_class("msg added target")
    assert page.problems == []


def test_the_exported_file_works_offline(acme: Any, page: Any, tmp_path: Path) -> None:
    expect = sync_api.expect
    ts = agent_run(acme)
    out = review.export(acme.target(), tmp_path / "run.html")
    fetched: list[str] = []  # the file must need nothing from anywhere else

    def seen(route: Any) -> None:
        fetched.append(route.request.url)
        route.continue_()

    page.route("**/*", seen)
    page.goto(out.as_uri())
    check_marks(page, ts)
    expect(page.locator('section.place[data-place="CACME00002"]')).to_be_hidden()
    page.locator('nav a[data-place="CACME00002"]').click()
    expect(page.locator('section.place[data-place="CACME00002"]')).to_be_visible()
    expect(page.locator(f'section.place[data-place="{GENERAL}"]')).to_be_hidden()
    page.locator('li.call[data-method="chat.postMessage"] a.ref').nth(1).click()
    expect(message(page, ts["reply"])).to_be_visible()  # back in #general, thread open
    expect(message(page, ts["reply"])).to_have_class("msg added target")
    assert page.problems == []
    assert fetched == [out.as_uri()]
