"""The official @linear/sdk, unchanged, against the Linear clone (under Node).

The test installs the pinned package from the npm registry into a
repo-ignored folder (once; later runs reuse it) and runs
``tests/node/linear_sdk.mjs``, which lists teams, creates an issue, moves it
to a completed state, comments, pages through issues with ``fetchNext()`` and
handles a bad key, printing what it saw as JSON.
"""

from __future__ import annotations

import fcntl
import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

HERE = Path(__file__).parent
# 97.0.0's documents validate against the served cut of Linear's schema (commit 8335e09a);
# later versions ask for fields newer than that schema (Team.viewerMembership...).
SDK_VERSION = "97.0.0"
PREFIX = HERE.parent / ".cache" / "node" / f"linear-sdk-{SDK_VERSION}"

pytestmark = pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")


@pytest.fixture(scope="module")
def sdk() -> Path:
    """The pinned @linear/sdk, installed from the npm registry (once)."""
    installed = PREFIX / "node_modules" / "@linear" / "sdk" / "package.json"
    PREFIX.mkdir(parents=True, exist_ok=True)
    # xdist workers may each reach this fixture: one installs, the others wait for it.
    with (PREFIX / "install.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if installed.is_file() and json.loads(installed.read_text())["version"] == SDK_VERSION:
            return PREFIX
        npm = shutil.which("npm")
        assert npm is not None, "node is installed but npm is not"
        subprocess.run(
            [
                npm,
                "install",
                "--prefix",
                str(PREFIX),
                f"@linear/sdk@{SDK_VERSION}",
                "--no-audit",
                "--no-fund",
                "--loglevel=error",
            ],
            check=True,
            timeout=300,
        )
    return PREFIX


def test_the_official_sdk_works_unchanged(linear: Any, sdk: Path) -> None:
    done = subprocess.run(
        [
            "node",
            str(HERE / "node" / "linear_sdk.mjs"),
            str(sdk),
            linear.api_url,
            linear.tokens.user,
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    seen = json.loads(done.stdout)
    assert seen["viewer"] == "dana@acme-corp.test"
    assert seen["teams"] == ["ENG", "OPS", "PRD", "SAL"]
    assert seen["created"] == {"success": True, "identifier": "ENG-33", "priorityLabel": "High"}
    assert seen["moved"] == {"state": "Done", "completed": True}
    assert seen["comment"] == {"body": "Fixed in 2.15.", "author": "dana@acme-corp.test"}
    assert seen["paged"] == {"count": 81, "unique": 81, "fetches": 4}
    assert seen["badKey"]["type"] == "AuthenticationError"
    assert "authenticate" in seen["badKey"]["message"]
