"""Everything the CLI prints: lines, JSON, rich tables, progress bars, warnings.

Results go to stdout; warnings, errors and progress bars to stderr, so that
``asymkit spin --json | jq`` always reads clean JSON.
"""

from __future__ import annotations

import json
import sys
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any, NamedTuple

import attrs
import click

from .. import table as plain_table

if TYPE_CHECKING:  # rich loads only when a bar or a terminal's table is drawn (~25 ms)
    from rich.console import Console
    from rich.progress import Progress, TaskID

# Progress bars appear only for work still running after this many seconds.
PROGRESS_DELAY = 1.0
# Wide enough that a table written to a pipe or file is never wrapped or cut.
PIPE_WIDTH = 10_000

STATUS_STYLES = {
    "running": "green",
    "stopped": "yellow",
    "building": "yellow",
    "dead": "red",
    "broken": "red",
}
# What to run for a clone in each state that needs it (shown beside the state).
STATUS_REPAIRS = {"stopped": "start", "dead": "start", "broken": "reset"}

json_option = click.option("--json", "as_json", is_flag=True, help="Print JSON for scripts.")


def workers_option(what: str) -> Callable[[Any], Any]:
    """``--workers N`` (default 4): how many clones ``what`` at once."""
    return click.option(
        "--workers",
        type=click.IntRange(min=1),
        default=4,
        show_default=True,
        help=f"Clones {what} at once.",
    )


def line(text: str = "") -> None:
    print(text)


def warn(text: str) -> None:
    print(text, file=sys.stderr)


def print_json(data: Any) -> None:
    print(json.dumps(data, indent=2, sort_keys=True))


def result(as_json: bool, data: Any, text: str) -> None:
    """A command's result: ``data`` as JSON with ``--json``, else the line ``text``."""
    if as_json:
        print_json(data)
    else:
        line(text)


def stream_json(data: Any, *, ensure_ascii: bool = True) -> None:
    """``data`` as sorted, indented JSON, written as it is encoded (never one big string)."""
    encoder = json.JSONEncoder(sort_keys=True, indent=2, ensure_ascii=ensure_ascii)
    write, batch, size = sys.stdout.write, [], 0
    for chunk in encoder.iterencode(data):
        batch.append(chunk)
        size += len(chunk)
        if size > 65536:  # one write per 64 KB: a write per token costs more than encoding
            write("".join(batch))
            batch, size = [], 0
    write("".join(batch) + "\n")


def stream_table(
    headers: Sequence[str], widths: Sequence[int], rows: Iterable[Sequence[str]]
) -> None:
    """Columns of known ``widths`` (the last one free), each row written as it comes.

    For output too long to hold and measure first (a diff of 100,000 changes): the
    same layout as :func:`table`, with the header bold on a terminal.
    """

    def fmt(cells: Sequence[str]) -> str:
        padded = [c.ljust(w) for c, w in zip(cells[:-1], widths, strict=True)]
        return "  ".join([*padded, cells[-1]]).rstrip() + "\n"

    header = fmt(headers)
    sys.stdout.write(click.style(header, bold=True) if sys.stdout.isatty() else header)
    sys.stdout.writelines(fmt(row) for row in rows)


def _stdout_console() -> Console:
    from rich.console import Console

    # Made per call, on the current sys.stdout (which tests and wrappers may swap).
    if sys.stdout.isatty():
        return Console(file=sys.stdout, highlight=False)
    return Console(file=sys.stdout, width=PIPE_WIDTH, highlight=False, no_color=True)


class Styled(NamedTuple):
    """A table cell drawn in a rich ``style`` on a terminal, as plain text in a pipe."""

    text: str
    style: str


def table(headers: Sequence[str], rows: Sequence[Sequence[str | Styled]]) -> None:
    """Aligned columns with a header row: bold on a terminal, plain text in a pipe."""
    if not sys.stdout.isatty():  # no rich to load for a script reading the output
        lines = plain_table.render(
            headers, [[c.text if isinstance(c, Styled) else c for c in row] for row in rows]
        )
        if lines is not None:
            sys.stdout.write("".join(text + "\n" for text in lines))
            return
    from rich.table import Table
    from rich.text import Text

    grid = Table(box=None, pad_edge=False, show_edge=False, header_style="bold")
    for header in headers:
        grid.add_column(header, no_wrap=True)
    for row in rows:
        grid.add_row(*(Text(*cell) if isinstance(cell, Styled) else Text(cell) for cell in row))
    console = _stdout_console()
    with console.capture() as captured:
        console.print(grid)
    for text in captured.get().splitlines():
        sys.stdout.write(text.rstrip() + "\n")


def status_text(status: str, clone_id: str = "ID") -> Styled:
    """The state, and for one that needs it the command that repairs it."""
    repair = STATUS_REPAIRS.get(status)
    hint = f" (asymkit {repair} {clone_id})" if repair else ""
    return Styled(status + hint, STATUS_STYLES.get(status, ""))


@attrs.define
class _Task:
    label: str
    total: int
    done: int = 0
    rich_id: TaskID | None = None  # once drawn


class ProgressBars:
    """Rich progress bars on stderr, for work that takes more than a second.

    ``task(label, total)`` is what the SDK's ``progress`` parameters take (a
    :data:`asymkit.seed.ProgressFactory`). Nothing is drawn unless ``enabled``
    (stderr is a terminal and the output is not JSON) and the work is still
    running after :data:`PROGRESS_DELAY`; the bars vanish when the work ends.
    """

    def __init__(
        self,
        *,
        enabled: bool,
        console: Console | None = None,
        delay: float = PROGRESS_DELAY,
    ) -> None:
        self.enabled = enabled
        self.delay = delay
        self._console = console
        self._started = time.monotonic()
        self._lock = threading.Lock()
        self._progress: Progress | None = None
        self._tasks: list[_Task] = []

    @classmethod
    def for_command(cls, *, as_json: bool) -> ProgressBars:
        return cls(enabled=not as_json and sys.stderr.isatty())

    @property
    def factory(self) -> Callable[[str, int], Callable[[int], None]] | None:
        """The SDK's ``progress`` argument: ``None`` when no bar may be drawn."""
        return self.task if self.enabled else None

    def task(self, label: str, total: int) -> Callable[[int], None]:
        task = _Task(label, max(total, 1))
        with self._lock:
            self._tasks.append(task)

        def advance(n: int = 1) -> None:
            with self._lock:
                task.done = min(task.done + n, task.total)
                self._draw()

        return advance

    def _draw(self) -> None:
        if not self.enabled or time.monotonic() - self._started < self.delay:
            return
        if self._progress is None:
            from rich.console import Console
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

            console = self._console or Console(stderr=True)
            self._progress = Progress(
                TextColumn("{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                console=console,
                transient=True,
            )
            self._progress.start()
        for task in self._tasks:
            if task.rich_id is None:
                task.rich_id = self._progress.add_task(
                    task.label, total=task.total, completed=task.done
                )
            else:
                self._progress.update(task.rich_id, completed=task.done)

    def close(self) -> None:
        with self._lock:
            if self._progress is not None:
                self._progress.stop()
                self._progress = None

    def __enter__(self) -> ProgressBars:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def counted(counts: dict[str, int]) -> str:
    """``4 users · 3 channels · 12 messages``: a dataset's counts, in its own order."""
    return " · ".join(f"{n} {kind}" for kind, n in counts.items())
