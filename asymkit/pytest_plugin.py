"""pytest plugin: one clone per configuration per session, reset before every test.

    @pytest.mark.asymkit(fixture="acme-corp", cassette="cassettes/startup-small.msgpack")
    def test_agent(asymkit_clone):
        WebClient(token=asymkit_clone.tokens.bot, base_url=asymkit_clone.api_url)

Options: ``--asymkit-template`` (default ``slack``), ``--asymkit-fixture``,
``--asymkit-cassette``, ``--asymkit-record-mode`` (default ``none`` when the
``CI`` environment variable is set, ``once`` otherwise) and ``--asymkit-report
DIR`` (a failing test's review page, exported to ``DIR/<test>.html``). Cassette paths are
relative to the project's root. This module imports nothing of asymkit until
a test uses its fixtures, so projects that never do pay nothing.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from .clone import Clone
    from .testing import ClonePool


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("asymkit", "asymkit clones")
    group.addoption("--asymkit-template", default="slack", help="template to spin")
    group.addoption("--asymkit-fixture", default=None, help="fixture to seed")
    group.addoption("--asymkit-cassette", default=None, help="cassette to replay on top")
    group.addoption(
        "--asymkit-record-mode",
        default=None,
        choices=("once", "none", "all"),  # cassette.RECORD_MODES, not imported at start-up
        help="once, none or all (default: none if $CI is set, else once)",
    )
    group.addoption(
        "--asymkit-report",
        default=None,
        metavar="DIR",
        help="write the review page (one HTML file) of each failing test's clone into DIR",
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "asymkit(template=, fixture=, cassette=): the clone this test runs against"
    )


@pytest.fixture(scope="session")
def asymkit_record_mode(pytestconfig: pytest.Config) -> str:
    from .testing import default_record_mode

    mode: str | None = pytestconfig.getoption("asymkit_record_mode")
    return mode or default_record_mode()


@pytest.fixture(scope="session")
def asymkit_pool(pytestconfig: pytest.Config, asymkit_record_mode: str) -> Iterator[ClonePool]:
    """The session's clones, one per configuration (see ``asymkit.testing.ClonePool``)."""
    from .testing import ClonePool

    pool = ClonePool(root=pytestconfig.rootpath, record_mode=asymkit_record_mode)
    yield pool
    pool.close()


@pytest.fixture
def asymkit_clone(request: pytest.FixtureRequest, asymkit_pool: ClonePool) -> Clone:
    """The clone for this test's configuration: spun once per session, reset before each test."""
    from .testing import CloneConfig

    opt = request.config.getoption
    marker = request.node.get_closest_marker("asymkit")
    kw = marker.kwargs if marker else {}
    config = CloneConfig(
        template=kw.get("template", opt("asymkit_template")),
        fixture=kw.get("fixture", opt("asymkit_fixture")),
        cassette=kw.get("cassette", opt("asymkit_cassette")),
    )
    return asymkit_pool.get(config)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    """When a test that used ``asymkit_clone`` fails, show what it changed in the clone."""
    outcome = yield
    report = outcome.get_result()  # type: ignore[attr-defined]
    clone = getattr(item, "funcargs", {}).get("asymkit_clone")
    if report.when != "call" or not report.failed or clone is None:
        return
    try:
        summary = clone.diff().table()  # one row per change, as `asymkit diff` prints it
    except Exception as exc:  # the diff is a courtesy: never hide the real failure
        summary = f"(no diff: {type(exc).__name__}: {exc})"
    report.sections.append(("asymkit: what the test changed in the clone", summary))
    folder = item.config.getoption("asymkit_report")
    if folder:
        report.sections.append(("asymkit: review page", _export(clone, Path(folder), item)))


def _export(clone: Clone, folder: Path, item: pytest.Item) -> str:
    """Export the failing test's review page; say where (or why not) in one line."""
    from .review import export

    name = re.sub(r"[^A-Za-z0-9_.-]+", "_", item.nodeid).strip("_")[:150] + ".html"
    try:
        path = export(clone.target(), folder / name)
    except Exception as exc:  # a courtesy too: never hide the real failure
        return f"(no review page: {type(exc).__name__}: {exc})"
    return f"review page of {clone.id}: {path.resolve()}"
