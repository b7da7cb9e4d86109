"""A local web server for review pages: ``http://127.0.0.1:PORT/<clone id>?since=NAME``.

``asymkit view ID`` runs one in the foreground; ``clone.view_url`` starts one in
a background thread of the calling process (once) and returns the clone's
address on it. Each request reads the clone afresh, so a reload shows what the
agent did since; a clone that stopped or went away mid-view gets one line that
says so, not a traceback.
"""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import psycopg

from ..errors import AsymkitError
from . import View, esc, render

_SHARED: ThreadingHTTPServer | None = None
_SHARED_LOCK = threading.Lock()


def page_for(clone_id: str, query: dict[str, list[str]]) -> tuple[int, str]:
    """The status and HTML of one clone's page (an error page of one line on failure)."""
    from ..clone import Clone  # the handle lives above this module

    def one(name: str) -> str | None:
        values = query.get(name)
        return values[0] if values else None

    try:
        page = int(one("page") or 0)
    except ValueError:
        page = 0
    view = View(place=one("place"), page=max(0, page), at=one("at"))
    try:
        clone = Clone.get(clone_id)
        return 200, render(clone.target(), one("since"), view)
    except AsymkitError as exc:
        return 404 if exc.code.endswith("NOT_FOUND") else 503, _error_page(str(exc))
    except psycopg.OperationalError as exc:
        return 503, _error_page(
            f"{clone_id}'s database stopped answering ({type(exc).__name__}); run"
            f" `asymkit status` and `asymkit start {clone_id}`, then reload."
        )


def _error_page(line: str) -> str:
    return (
        '<!doctype html><html lang="en"><meta charset="utf-8"><title>review</title>'
        f'<p class="error" style="font:16px sans-serif;padding:20px">{esc(line)}</p></html>'
    )


class _Handler(BaseHTTPRequestHandler):
    server_version = "asymkit-review"

    def do_GET(self) -> None:
        parts = urlsplit(self.path)
        clone_id = unquote(parts.path.strip("/"))
        if not clone_id or "/" in clone_id:
            status, body = 404, _error_page("Open /<clone id>, e.g. /slack-a1b2.")
        else:
            status, body = page_for(clone_id, parse_qs(parts.query))
        data = body.encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the page is the output."""


def serve(host: str = "127.0.0.1", port: int = 0) -> ThreadingHTTPServer:
    """A review server bound to ``host:port`` (0: any free port); call ``serve_forever``."""
    server = ThreadingHTTPServer((host, port), _Handler)
    server.daemon_threads = True
    return server


def base_url(server: ThreadingHTTPServer) -> str:
    host, port = server.server_address[:2]
    return f"http://{host!s}:{port}"


def shared() -> str:
    """The base URL of this process's background review server, started on first use."""
    global _SHARED
    with _SHARED_LOCK:
        if _SHARED is None:
            _SHARED = serve()
            threading.Thread(
                target=_SHARED.serve_forever, name="asymkit-review", daemon=True
            ).start()
        return base_url(_SHARED)
