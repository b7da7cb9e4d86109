"""examples/agent_answers_mention.py runs as a user would run it, and passes."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

EXAMPLE = Path(__file__).parent.parent / "examples" / "agent_answers_mention.py"


def test_the_agent_answers_mention_example_passes() -> None:
    done = subprocess.run(
        [sys.executable, str(EXAMPLE)],
        capture_output=True,
        text=True,
        env=dict(os.environ),  # the session's ASYMKIT_HOME and embedded Postgres
        timeout=180,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == "✓ the agent answered the mention in its thread"
