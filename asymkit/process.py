"""A clone's app process: start it detached, check it, stop it, wait for health."""

from __future__ import annotations

import atexit
import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import warnings
from collections.abc import Collection
from pathlib import Path

import psutil

from . import detached
from .errors import HealthTimeout, PortInUse
from .manifest import Template

# The only variables of the caller's environment a clone's app inherits: what Python,
# locale and TLS need, and a template's own settings (``CLONE_*``, ``<NAME>_CLONE_*``
# such as ``SLACK_CLONE_RATE_LIMIT``). Everything else (ANTHROPIC_API_KEY, cloud credentials,
# ASYMKIT_DATABASE_URL with its password, ...) stays with the caller; what the app
# needs from asymkit is passed explicitly.
_PASS_ENV = (
    "PATH",
    "HOME",
    "USER",
    "LOGNAME",
    "LANG",
    "LANGUAGE",
    "TZ",
    "TMPDIR",
    "PYTHONPATH",
    "VIRTUAL_ENV",
    "SSL_CERT_FILE",
    "SSL_CERT_DIR",
    "SYSTEMROOT",
)
_PASS_PREFIXES = ("LC_", "CLONE_")

DEFAULT_HOST = "127.0.0.1"  # where an app binds unless told otherwise
HEALTH_TIMEOUT = 30.0  # how long a starting app may take to answer its health check


def app_environment(env: dict[str, str]) -> dict[str, str]:
    """The environment a clone's app runs with: the allow-listed basics plus ``env``."""
    child_env = {
        k: v
        for k, v in os.environ.items()
        if k in _PASS_ENV or k.startswith(_PASS_PREFIXES) or "_CLONE_" in k
    }
    child_env.update(env)
    child_env["PYTHONUNBUFFERED"] = "1"
    return child_env


# Popen handles of the clones this process started, so their exit can be reaped.
_children: dict[int, subprocess.Popen[bytes]] = {}


@atexit.register
def _let_go() -> None:
    """At exit, reap the apps that ended and leave the others running: a clone outlives
    the process that spun it by design, so Popen's "still running" warning is noise."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ResourceWarning)
        while _children:  # each handle is dropped here, inside the filter
            _children.popitem()[1].poll()


def free_port(host: str, taken: Collection[int] = ()) -> int:
    """A port free now and not in ``taken`` (the ports other clones were given: one
    reserved but not yet started is free in the kernel, yet not free to take)."""
    while True:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            sock.bind((host, 0))
            port = int(sock.getsockname()[1])
        if port not in taken:
            return port


def listens(pid: int, port: int) -> bool:
    """Whether process ``pid`` itself is the one listening on ``port``."""
    try:
        return any(
            c.laddr and c.laddr.port == port and c.status == psutil.CONN_LISTEN
            for c in psutil.Process(pid).net_connections(kind="tcp")
        )
    except psutil.Error:
        return False


def port_is_free(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return False
    return True


def start(
    template: Template,
    *,
    host: str,
    port: int,
    env: dict[str, str],
    log: Path,
    tied: bool = False,
) -> int:
    """Start the template's app under uvicorn, detached from this process; return its pid.

    ``tied``: the app is killed when this process ends, even by SIGKILL (Linux; elsewhere
    it outlives it like any clone's app), for an app that serves this process alone.
    """
    if not port_is_free(host, port):
        raise PortInUse(f"Port {port} on {host} is taken; pass another --port or leave it out.")
    child_env = app_environment(env)
    command = [
        sys.executable,
        "-m",
        "uvicorn",
        template.app,
        "--app-dir",
        str(template.root),
        "--host",
        host,
        "--port",
        str(port),
        "--no-access-log",
        "--log-level",
        "info",
    ]
    if tied and sys.platform.startswith("linux"):
        command = [sys.executable, "-c", _TIE, str(os.getpid()), *command]
    log.parent.mkdir(parents=True, exist_ok=True)
    with open(log, "ab") as out:
        os.chmod(log, 0o600)
        proc = subprocess.Popen(
            command,
            close_fds=True,
            env=child_env,
            **detached.options(out),
        )
    _children[proc.pid] = proc
    return proc.pid


# Run before the app when it is tied to this process: ask the kernel to SIGKILL it when
# its parent ends (PR_SET_PDEATHSIG survives exec), then become the app. Done in a fresh
# interpreter rather than in a preexec_fn, which is unsafe in a process with threads.
_TIE = """import ctypes, os, signal, sys
ctypes.CDLL(None).prctl(1, signal.SIGKILL)
if os.getppid() != int(sys.argv[1]):
    os._exit(1)
os.execv(sys.argv[2], sys.argv[2:])
"""


def _reap(pid: int) -> None:
    proc = _children.get(pid)
    if proc is not None and proc.poll() is not None:
        del _children[pid]


def running(pid: int) -> bool:
    """Whether process ``pid`` exists and is not a zombie."""
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except (psutil.NoSuchProcess, psutil.AccessDenied):
        return False


def alive(pid: int | None, port: int) -> bool:
    """Whether ``pid`` is still this clone's app (not a zombie, not a reused pid)."""
    if not pid:
        return False
    _reap(pid)
    if pid in _children:
        return True  # ours and running; its /proc cmdline can be empty just after exec
    try:
        proc = psutil.Process(pid)
        if proc.status() == psutil.STATUS_ZOMBIE:
            return False
        cmdline = proc.cmdline()
    except (psutil.NoSuchProcess, psutil.AccessDenied):
        return False
    return "uvicorn" in cmdline and str(port) in cmdline


def stop(pid: int | None, port: int, *, timeout: float = 5.0) -> None:
    """Stop the app and everything in its session; SIGKILL after ``timeout``."""
    if not alive(pid, port):
        return
    assert pid is not None
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while alive(pid, port) and time.monotonic() < deadline:
        time.sleep(0.02)
    if alive(pid, port):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(pid, signal.SIGKILL)
        with contextlib.suppress(psutil.NoSuchProcess, psutil.TimeoutExpired):
            psutil.Process(pid).wait(2)
    proc = _children.pop(pid, None)
    if proc is not None:
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(2)


def wait_healthy(
    url: str, *, pid: int, port: int, timeout: float, clone_id: str, log: Path
) -> None:
    """Poll the health endpoint until it answers 200."""
    # httpx loads here, not with the module: `asymkit status` checks processes only.
    import httpx

    from .http import client as shared_client

    deadline = time.monotonic() + timeout
    client = shared_client()
    while time.monotonic() < deadline:
        if not alive(pid, port):
            raise HealthTimeout(
                f"{clone_id}'s app exited while starting; see `asymkit logs {clone_id}` ({log})."
            )
        try:
            # A 200 from an app that is not ours (our app still starting, another one
            # already on the port) does not count: ours then fails to bind and exits.
            if client.get(url, timeout=2.0).status_code == 200 and listens(pid, port):
                return
        except httpx.TransportError:
            pass
        time.sleep(0.03)
    raise HealthTimeout(
        f"{clone_id} did not become healthy within {timeout:.0f} s; see `asymkit logs {clone_id}`."
    )
