"""Progress bars: drawn only on a terminal, only after a second of work, never for --json."""

from __future__ import annotations

import io
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from rich.console import Console

from asymkit.cli.output import ProgressBars

ROOT = Path(__file__).parent.parent


def terminal() -> tuple[Console, io.StringIO]:
    out = io.StringIO()
    return Console(file=out, force_terminal=True, width=100), out


def test_quick_work_draws_nothing() -> None:
    console, out = terminal()
    with ProgressBars(enabled=True, console=console) as bars:
        advance = bars.task("seeding slack-a1b2", 10)
        advance(10)
    assert out.getvalue() == ""


def test_slow_work_draws_a_bar_with_its_label_and_count_then_clears_it() -> None:
    console, out = terminal()
    with ProgressBars(enabled=True, console=console, delay=0.0) as bars:
        advance = bars.task("seeding slack-a1b2", 4)
        advance(1)
        advance(1)
        time.sleep(0.15)  # rich redraws on its own thread
        drawn = out.getvalue()
        assert "seeding slack-a1b2" in drawn and "2/4" in drawn
    assert out.getvalue() != drawn  # the transient bar erased itself


def test_several_tasks_each_get_a_bar() -> None:
    console, out = terminal()
    with ProgressBars(enabled=True, console=console, delay=0.0) as bars:
        first = bars.task("seeding slack-a1b2", 2)
        second = bars.task("seeding slack-c3d4", 3)
        first(2)
        second(1)
        time.sleep(0.15)
    assert "seeding slack-a1b2" in out.getvalue() and "1/3" in out.getvalue()


def test_a_disabled_bar_draws_nothing_and_gives_the_sdk_no_callback() -> None:
    console, out = terminal()
    with ProgressBars(enabled=False, console=console, delay=0.0) as bars:
        assert bars.factory is None
        bars.task("resetting qa", 2)(2)
    assert out.getvalue() == ""


class _Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize(
    ("stderr_is_tty", "as_json", "enabled"),
    [
        pytest.param(True, False, True, id="terminal"),
        pytest.param(True, True, False, id="terminal-json"),
        pytest.param(False, False, False, id="pipe"),
        pytest.param(False, True, False, id="pipe-json"),
    ],
)
def test_bars_only_on_a_terminal_and_never_with_json(
    monkeypatch: pytest.MonkeyPatch, stderr_is_tty: bool, as_json: bool, enabled: bool
) -> None:
    monkeypatch.setattr(sys, "stderr", _Tty() if stderr_is_tty else io.StringIO())
    bars = ProgressBars.for_command(as_json=as_json)
    assert bars.enabled is enabled
    assert (bars.factory is not None) is enabled


def test_a_seed_reports_every_record_to_the_progress_factory() -> None:
    import asymkit
    from asymkit import cassette as cs

    small = cs.load(ROOT / "cassettes" / "startup-small.msgpack")
    calls: list[tuple[str, int]] = []
    done: list[int] = []

    def factory(label: str, total: int) -> Callable[[int], None]:
        calls.append((label, total))
        return done.append

    with asymkit.spin("slack") as clone:
        clone.seed(
            ai=asymkit.AISeed(cassette=ROOT / "cassettes" / "startup-small.msgpack"),
            progress=factory,
        )
    total = sum(small.dataset.counts().values())
    assert calls == [(f"seeding {clone.id}", total)]
    assert sum(done) == total
