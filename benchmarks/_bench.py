"""Shared helpers for the benchmarks: an isolated ASYMKIT_HOME, timing, a table, JSON out."""

from __future__ import annotations

import contextlib
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).parent / "results"
ROOT = Path(__file__).parent.parent


@contextlib.contextmanager
def isolated_home() -> Iterator[Path]:
    """A throwaway ASYMKIT_HOME (its own embedded Postgres), stopped and removed at the end."""
    with tempfile.TemporaryDirectory(prefix="asymkit-bench-") as tmp:
        old = os.environ.get("ASYMKIT_HOME")
        os.environ["ASYMKIT_HOME"] = tmp
        os.environ.pop("ASYMKIT_DATABASE_URL", None)
        try:
            yield Path(tmp)
        finally:
            import asymkit
            from asymkit import postgres

            for clone in asymkit.Clone.all():
                with contextlib.suppress(Exception):
                    clone.destroy()
            postgres.stop_embedded()
            if old is None:
                os.environ.pop("ASYMKIT_HOME", None)
            else:
                os.environ["ASYMKIT_HOME"] = old


def timings(fn: Callable[[], object], repeat: int, warmup: int = 1) -> list[float]:
    for _ in range(warmup):
        fn()
    out = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        out.append(time.perf_counter() - started)
    return out


def summary(samples: Sequence[float]) -> dict[str, float]:
    ordered = sorted(samples)
    return {
        "median_ms": round(statistics.median(ordered) * 1000, 2),
        "p90_ms": round(ordered[min(len(ordered) - 1, int(len(ordered) * 0.9))] * 1000, 2),
        "min_ms": round(ordered[0] * 1000, 2),
        "n": len(ordered),
    }


def machine() -> dict[str, Any]:
    cpu = platform.processor() or platform.machine()
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    return {
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "cpu": cpu,
    }


def table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> None:
    cells = [list(map(str, headers))] + [[str(c) for c in r] for r in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(headers))]
    for i, row in enumerate(cells):
        print(
            "  ".join(
                c.rjust(w) if j else c.ljust(w)
                for j, (c, w) in enumerate(zip(row, widths, strict=True))
            )
        )
        if i == 0:
            print("  ".join("-" * w for w in widths))


def write(name: str, data: dict[str, Any]) -> Path:
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / f"{name}.json"
    path.write_text(json.dumps({"machine": machine(), **data}, indent=2) + "\n")
    print(f"\nwrote {path.relative_to(ROOT)}")
    return path


def synth_cassette(messages: int, path: Path) -> Path:
    """A script-written cassette of ``messages`` messages (see benchmarks/synth.py)."""
    sys.path.insert(0, str(Path(__file__).parent))
    import synth

    from asymkit import packing

    packing.pack(
        synth.build(messages),
        path,
        template="slack",
        brief="benchmark",
        source="script",
        note="benchmarks/synth.py",
    )
    return path


def capture_on(clone: Any, on: bool) -> None:
    """Enable or disable the change triggers on every table of the clone."""
    from asymkit import changes, postgres

    with postgres.connect(postgres.server().dsn(clone.database), autocommit=True) as conn:
        for t in changes.catalog(conn):
            verb = "ENABLE" if on else "DISABLE"
            conn.execute(f'ALTER TABLE public."{t.name}" {verb} TRIGGER {changes.TRIGGER}')
