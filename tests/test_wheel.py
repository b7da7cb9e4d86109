"""A wheel built from the repo carries the Slack template and its fixtures, and works alone."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import venv
from pathlib import Path

import pytest

ROOT = Path(__file__).parent.parent


@pytest.mark.slow
def test_wheel_installed_outside_the_checkout_spins_and_seeds(tmp_path: Path) -> None:
    dist = tmp_path / "dist"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", str(ROOT), "--no-deps", "-q", "-w", str(dist)],
        check=True,
        capture_output=True,
    )
    wheel = next(dist.glob("asymkit-*.whl"))
    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=True)
    bin_dir = env_dir / "bin"
    subprocess.run([bin_dir / "pip", "install", "-q", str(wheel)], check=True, capture_output=True)
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("ASYMKIT_TEMPLATES_DIR", "ASYMKIT_DATABASE_URL", "PYTHONPATH")
    }
    env["ASYMKIT_HOME"] = str(tmp_path / "home")
    work = tmp_path / "elsewhere"
    work.mkdir()

    def asymkit(*args: str) -> str:
        done = subprocess.run(
            [bin_dir / "asymkit", *args],
            cwd=work,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert done.returncode == 0, done.stderr
        return done.stdout

    try:
        where = subprocess.run(
            [bin_dir / "python", "-c", "import asymkit; print(asymkit.__file__)"],
            cwd=work,
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )
        assert str(env_dir) in where.stdout
        assert "acme-corp" in asymkit("ls", "--templates")
        info = json.loads(asymkit("spin", "slack", "--seed", "acme-corp", "--json"))
        assert asymkit("seed", info["id"], "--fixture", "acme-corp").startswith(
            f"✓ seeded {info['id']}  (fixture: 268 rows)"
        )
        asymkit("destroy", info["id"])
    finally:
        subprocess.run(
            [bin_dir / "asymkit", "server", "stop"], cwd=work, env=env, capture_output=True
        )
