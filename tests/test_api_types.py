"""The Python API refuses wrong types and values at its edge: INVALID_ARGUMENT naming the
argument, never a TypeError from deep inside."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

import asymkit


@pytest.mark.parametrize(
    ("call", "named"),
    [
        pytest.param(lambda: asymkit.spin(123), "spin()'s template", id="spin-template-int"),
        pytest.param(lambda: asymkit.spin("slack", seed=5), "spin()'s seed", id="spin-seed"),
        pytest.param(lambda: asymkit.spin("slack", port="80"), "spin()'s port", id="port-str"),
        pytest.param(lambda: asymkit.spin("slack", port=70000), "between 1 and 65535", id="port"),
        pytest.param(lambda: asymkit.spin("slack", ai="x"), "spin()'s ai", id="spin-ai-str"),
        pytest.param(lambda: asymkit.AISeed(volume=3), "AISeed.volume", id="aiseed-volume"),
        pytest.param(lambda: asymkit.AISeed(users=-1), "at least 1", id="aiseed-users"),
        pytest.param(lambda: asymkit.AISeed(messages=True), "AISeed.messages", id="bool-count"),
        pytest.param(lambda: asymkit.Fixture(None), "Fixture.name", id="fixture-none"),
        pytest.param(lambda: asymkit.Clone.get(7), "clone id", id="clone-id-int"),
        pytest.param(lambda: asymkit.Environment.create(["x"]), "environment name", id="env"),
    ],
)
def test_wrong_types_are_invalid_arguments(call: Callable[[], Any], named: str) -> None:
    with pytest.raises(
        asymkit.InvalidArgument, match=named.replace("(", r"\(").replace(")", r"\)")
    ):
        call()


def test_clone_methods_check_their_arguments(acme: Any) -> None:
    with pytest.raises(asymkit.InvalidArgument, match="seed\\(\\)'s fixture"):
        acme.seed(42)
    with pytest.raises(asymkit.InvalidArgument, match="reset\\(\\)'s strategy"):
        acme.reset(strategy=1)
    with pytest.raises(asymkit.InvalidArgument, match="snapshot name"):
        acme.snapshot(3)
    with pytest.raises(asymkit.InvalidArgument, match="count and workers"):
        asymkit.Environment("nobody").spin(count=-2)
