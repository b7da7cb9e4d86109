"""pytest plugin: one clone per configuration per session, reset before every test.

    @pytest.mark.asymkit(fixture="acme-corp", cassette="cassettes/startup-small.msgpack")
    def test_agent(asymkit_clone):
        WebClient(token=asymkit_clone.tokens.bot, base_url=asymkit_clone.api_url)

Options: ``--asymkit-template`` (default ``slack``), ``--asymkit-fixture``,
``--asymkit-cassette`` and ``--asymkit-record-mode`` (default ``none`` when the
``CI`` environment variable is set, ``once`` otherwise). In ``none`` a missing
cassette is an error and nothing can reach the Anthropic API.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from .cassette import RECORD_MODES
from .clone import Clone, spin
from .seed import AISeed

_Key = tuple[str, str | None, str | None]


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("asymkit", "asymkit clones")
    group.addoption("--asymkit-template", default="slack", help="template to spin")
    group.addoption("--asymkit-fixture", default=None, help="fixture to seed")
    group.addoption("--asymkit-cassette", default=None, help="cassette to replay on top")
    group.addoption(
        "--asymkit-record-mode",
        default=None,
        choices=RECORD_MODES,
        help="once, none or all (default: none if $CI is set, else once)",
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "asymkit(template=, fixture=, cassette=): the clone this test runs against"
    )


@pytest.fixture(scope="session")
def asymkit_record_mode(pytestconfig: pytest.Config) -> str:
    mode: str | None = pytestconfig.getoption("asymkit_record_mode")
    return mode or ("none" if os.environ.get("CI") else "once")


@pytest.fixture(scope="session")
def _asymkit_clones() -> Iterator[dict[_Key, Clone]]:
    clones: dict[_Key, Clone] = {}
    yield clones
    for clone in clones.values():
        clone.destroy()


@pytest.fixture
def asymkit_clone(
    request: pytest.FixtureRequest, _asymkit_clones: dict[_Key, Clone], asymkit_record_mode: str
) -> Clone:
    """The clone for this test's configuration: spun once per session, reset before each test."""
    opt = request.config.getoption
    marker = request.node.get_closest_marker("asymkit")
    kw = marker.kwargs if marker else {}
    key: _Key = (
        kw.get("template", opt("asymkit_template")),
        kw.get("fixture", opt("asymkit_fixture")),
        kw.get("cassette", opt("asymkit_cassette")),
    )
    if key in _asymkit_clones:
        _asymkit_clones[key].reset()
        return _asymkit_clones[key]
    template, fixture, cassette = key
    clone = spin(template, seed=fixture)
    _asymkit_clones[key] = clone
    if cassette:
        clone.seed(ai=AISeed(cassette=cassette, record_mode=asymkit_record_mode))
    return clone
