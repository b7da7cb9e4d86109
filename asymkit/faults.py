"""Fault points: named places where a test can kill the process for real.

``ASYMKIT_FAULT=<point>`` makes the process SIGKILL itself when it reaches
that point — what a power cut, an OOM kill or a second Ctrl-C would do there.
The fault-injection tests use it to prove that every verb can be interrupted
anywhere and that the next ``reset`` or ``destroy`` repairs what is left.
It costs one dictionary lookup when unset.
"""

from __future__ import annotations

import os
import signal

ENV = "ASYMKIT_FAULT"

# Every point, in the order a rebuild or spin meets them (tests iterate this).
POINTS = (
    "build:staging-created",
    "build:migrated",
    "build:seeded-privately",
    "build:live-closed",
    "build:live-dropped",
    "build:swapped",
    "spin:reserved",
    "spin:app-started",
    "reset:restore-locked",
    "seed:fixture-applied",
)


def point(name: str) -> None:
    """Die here, by SIGKILL, if ``ASYMKIT_FAULT`` names this point."""
    if os.environ.get(ENV) == name:
        os.kill(os.getpid(), signal.SIGKILL)
