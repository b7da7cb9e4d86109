"""The progress bar: drawn only on a terminal, and only after a second of work."""

from __future__ import annotations

import io

import pytest

from asymkit import progress


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_quick_work_draws_nothing() -> None:
    out = Terminal()
    bar = progress.Bar("seeding", 10, stream=out)
    bar.advance(10)
    bar.close()
    assert out.getvalue() == ""


def test_slow_work_draws_then_clears(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(progress, "DELAY", 0.0)
    out = Terminal()
    bar = progress.Bar("seeding slack-a1b2", 4, stream=out)
    bar.advance(1)
    bar.advance(1)
    assert out.getvalue().endswith("seeding slack-a1b2 [" + "#" * 14 + "-" * 14 + "] 2/4")
    bar.close()
    assert out.getvalue().endswith("\r\033[K")


def test_not_a_terminal_draws_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(progress, "DELAY", 0.0)
    out = io.StringIO()
    bar = progress.Bar("seeding", 2, stream=out)
    bar.advance(2)
    bar.close()
    assert out.getvalue() == ""
