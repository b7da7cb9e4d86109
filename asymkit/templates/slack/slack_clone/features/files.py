"""Files: Slack's two-step external upload, ``files.info``/``list``/``delete``, and
the clone's own upload URL and ``url_private`` routes.

The flow ``WebClient.files_upload_v2`` drives: ``files.getUploadURLExternal``
reserves a file id and hands out an upload URL served by this app; the client
POSTs the bytes there (raw or multipart, as Slack accepts), and they are kept in
Postgres; ``files.completeUploadExternal`` titles the files and shares them,
posting one ``file_share`` message per conversation. ``url_private`` serves the
bytes back to a token of the workspace that may see the file.

Files larger than ``SLACK_CLONE_MAX_FILE_BYTES`` (default 25 MiB) are refused
with ``file_upload_size_restricted``.
"""

# long module: the upload flow, its URL endpoint and the files.* methods share one file store.

from __future__ import annotations

import contextlib
import hashlib
import mimetypes
import os
import secrets
import urllib.parse
from collections.abc import AsyncIterator
from typing import Any

import psycopg
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, PlainTextResponse, Response

from .. import arguments
from ..chat import target
from ..methods import (
    BASE_URL,
    BodyTooLarge,
    authenticate,
    bearer,
    message_hook,
    method,
    read_body,
    route,
)
from ..objects import SlackError, channel_type, now_seconds
from ..store import next_id
from ..web import MEMBER_WRITABLE, next_ts
from .common import (
    READABLE,
    Caller,
    Conn,
    Params,
    classic_page,
    int_arg,
    message_row,
    next_cursor,
    offset_page,
    paging,
    required,
)

MAX_FILE_BYTES = int(os.environ.get("SLACK_CLONE_MAX_FILE_BYTES", str(25 * 1024 * 1024)))
MAX_ALT_TXT = 1000
MAX_SHARE_CHANNELS = 100
UPLOAD_PATH = "/upload/v1/"

# extension → (Slack's filetype, pretty_type)
_TYPES = {
    "txt": ("text", "Plain Text"),
    "md": ("markdown", "Markdown (raw)"),
    "csv": ("csv", "CSV"),
    "json": ("json", "JSON"),
    "py": ("python", "Python"),
    "js": ("javascript", "JavaScript"),
    "html": ("html", "HTML"),
    "pdf": ("pdf", "PDF"),
    "png": ("png", "PNG"),
    "jpg": ("jpg", "JPEG"),
    "jpeg": ("jpg", "JPEG"),
    "gif": ("gif", "GIF"),
    "zip": ("zip", "Zip"),
    "docx": ("docx", "Word Document"),
    "xlsx": ("xlsx", "Excel Spreadsheet"),
}
# Types a browser renders as a document that can run scripts: never served inline.
_RENDERED_TYPES = frozenset(
    {"text/html", "application/xhtml+xml", "image/svg+xml", "text/xml", "application/xml"}
)
_TYPE_FILTERS = {
    "all": "true",
    "images": "f.mimetype LIKE 'image/%%'",
    "pdfs": "f.filetype = 'pdf'",
    "zips": "f.filetype = 'zip'",
    "snippets": "f.filetype NOT IN ('binary', 'pdf', 'zip') AND f.mimetype LIKE 'text/%%'",
}


def filetype_of(name: str, snippet_type: str = "") -> tuple[str, str, str]:
    """``(filetype, pretty_type, mimetype)`` for a file name, as Slack labels them."""
    ext = name.rsplit(".", 1)[1].lower() if "." in name else ""
    filetype, pretty = _TYPES.get(ext, (ext or "binary", ext.upper() or "Binary"))
    if snippet_type:
        filetype, pretty = snippet_type, snippet_type.capitalize()
    mimetype = mimetypes.guess_type(name)[0] or (
        "text/plain" if snippet_type else "application/octet-stream"
    )
    return filetype, pretty, mimetype


def url_name(name: str) -> str:
    """The file name as its URLs end, as Slack writes it (``Q3 Report.PDF`` becomes
    ``q3_report.pdf``): lowercase, with ``_`` for anything but letters, digits, ``.``,
    ``-`` and ``_``, so that no name (``a/b``, ``../x``, ``..``) is read as a path."""
    slug = "".join(c if c.isalnum() or c in "._-" else "_" for c in name.lower())
    if not slug.strip("."):  # "." or "..": a client would resolve it as a path step
        slug = slug.replace(".", "_")
    return urllib.parse.quote(slug, safe="")


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def _base() -> str:
    return BASE_URL.get().rstrip("/")


def file_object(
    row: dict[str, Any], caller: Caller, shares: list[dict[str, Any]]
) -> dict[str, Any]:
    """A file as ``files.info`` returns it; ``shares`` are its ``file_shares`` rows with
    their channel's ``name``, ``is_private`` and ``kind``."""
    if row["state"] == "deleted":
        return {"id": row["id"], "mode": "tombstone"}
    name = url_name(row["name"])
    private = f"{_base()}/files-pri/{row['workspace_id']}-{row['id']}"
    by_kind: dict[str, list[str]] = {"channel": [], "group": [], "im": []}
    share_map: dict[str, dict[str, list[dict[str, Any]]]] = {}
    for s in shares:
        kind = channel_type(s)
        bucket = "im" if kind == "im" else ("channel" if kind == "channel" else "group")
        if s["channel_id"] not in by_kind[bucket]:
            by_kind[bucket].append(s["channel_id"])
        share_map.setdefault("public" if kind == "channel" else "private", {}).setdefault(
            s["channel_id"], []
        ).append(
            {
                "reply_users": [],
                "reply_users_count": 0,
                "reply_count": 0,
                "ts": s["ts"],
                "channel_name": s["name"],
                "team_id": row["workspace_id"],
                "share_user_id": row["user_id"],
                "source": "UNKNOWN",
            }
        )
    filetype, pretty, _ = filetype_of(row["name"])
    obj: dict[str, Any] = {
        "id": row["id"],
        "created": row["created"],
        "timestamp": row["created"],
        "name": row["name"],
        "title": row["title"] or row["name"],
        "mimetype": row["mimetype"],
        "filetype": row["filetype"],
        "pretty_type": pretty if row["filetype"] == filetype else row["filetype"].capitalize(),
        "user": row["user_id"],
        "user_team": row["workspace_id"],
        "editable": False,
        "size": row["length"],
        "mode": "hosted",
        "is_external": False,
        "external_type": "",
        "is_public": bool(by_kind["channel"]),
        "public_url_shared": False,
        "display_as_bot": False,
        "username": "",
        "url_private": f"{private}/{name}",
        "url_private_download": f"{private}/download/{name}",
        "permalink": f"https://{caller.team_domain}.slack.com/files/{row['user_id']}/{row['id']}/{name}",
        "channels": by_kind["channel"],
        "groups": by_kind["group"],
        "ims": by_kind["im"],
        "shares": share_map,
        "comments_count": 0,
        "has_rich_preview": False,
        "file_access": "visible",
    }
    if row["alt_txt"]:
        obj["alt_txt"] = row["alt_txt"]
    if row.get("head") is not None and row["mimetype"].startswith("text/"):
        obj["preview"] = bytes(row["head"]).decode("utf-8", errors="replace")
        obj["preview_is_truncated"] = row["length"] > PREVIEW_BYTES
    return obj


async def shares_of(
    conn: Conn, caller: Caller, file_ids: list[str]
) -> dict[str, list[dict[str, Any]]]:
    """Where each file was shared, among the conversations the caller can see."""
    cur = await conn.execute(
        """SELECT s.file_id, s.channel_id, s.ts, c.name, c.is_private, c.kind
           FROM file_shares s JOIN channels c ON c.id = s.channel_id
           WHERE s.file_id = ANY(%s)
             AND ((NOT c.is_private AND c.kind IS NULL) OR EXISTS (
                  SELECT 1 FROM channel_members x
                  WHERE x.channel_id = c.id AND x.user_id = %s))
           ORDER BY s.ts""",
        (file_ids, caller.user_id),
    )
    out: dict[str, list[dict[str, Any]]] = {f: [] for f in file_ids}
    for r in await cur.fetchall():
        out[r["file_id"]].append(r)
    return out


# A file's columns without its bytes (lists never load them), plus the first KiB
# for text previews.
FILE_COLUMNS = """f.id, f.workspace_id, f.user_id, f.name, f.title, f.mimetype, f.filetype,
    f.alt_txt, f.length, f.state, f.created, substring(f.content from 1 for 1024) AS head"""
PREVIEW_BYTES = 1024

# A file is visible to its uploader and to whoever can see a conversation it was
# shared into (public channels: anyone in the workspace; others: their members).
VISIBLE_FILE = """(f.user_id = %(caller)s OR EXISTS (
    SELECT 1 FROM file_shares s JOIN channels c ON c.id = s.channel_id
    WHERE s.file_id = f.id AND (
        (NOT c.is_private AND c.kind IS NULL)
        OR EXISTS (SELECT 1 FROM channel_members x
                   WHERE x.channel_id = c.id AND x.user_id = %(caller)s))))"""


async def _visible_file(
    conn: Conn, caller: Caller, file_id: str, *, content: bool = False
) -> dict[str, Any]:
    columns = f"{FILE_COLUMNS}, f.content" if content else FILE_COLUMNS
    cur = await conn.execute(
        f"""SELECT {columns} FROM files f
            WHERE f.id = %(id)s AND f.workspace_id = %(team)s AND f.state <> 'pending'
              AND {VISIBLE_FILE}""",
        {"id": file_id, "team": caller.team_id, "caller": caller.user_id},
    )
    row = await cur.fetchone()
    if row is None:
        raise SlackError("file_not_found")
    return row


@method(
    "files.getUploadURLExternal",
    scope="files:write",
    tier=4,
    args=("filename", "length", "alt_txt", "snippet_type"),
    errors=("invalid_arguments", "file_upload_size_restricted", "alt_txt_too_large"),
)
async def files_get_upload_url_external(
    conn: Conn, caller: Caller, params: Params
) -> dict[str, Any]:
    """Reserves a file id and an upload URL (on this clone) for ``length`` bytes."""
    filename = required(params, "filename", "invalid_arguments")
    raw_length = params.get("length", "").strip()
    if not raw_length.isdigit():
        raise SlackError(
            "invalid_arguments",
            response_metadata={"messages": ["[ERROR] length must be the file's size in bytes"]},
        )
    length = int(raw_length)
    if length > MAX_FILE_BYTES:
        raise SlackError(
            "file_upload_size_restricted",
            response_metadata={
                "messages": [
                    f"[ERROR] the file is {length} bytes; this clone accepts files up to"
                    f" {MAX_FILE_BYTES} bytes (SLACK_CLONE_MAX_FILE_BYTES)"
                ]
            },
        )
    alt_txt = params.get("alt_txt", "")
    if len(alt_txt) > MAX_ALT_TXT:
        raise SlackError("alt_txt_too_large")
    filetype, _, mimetype = filetype_of(filename, params.get("snippet_type", "").strip())
    file_id = await next_id(conn, "F")
    key = secrets.token_urlsafe(24)
    await conn.execute(
        """INSERT INTO files (id, workspace_id, user_id, name, mimetype, filetype, alt_txt,
                              length, upload_key, created)
           VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)""",
        (
            file_id,
            caller.team_id,
            caller.user_id,
            filename,
            mimetype,
            filetype,
            alt_txt or None,
            length,
            _digest(key),
            now_seconds(),
        ),
    )
    return {"upload_url": f"{_base()}{UPLOAD_PATH}{file_id}.{key}", "file_id": file_id}


def _multipart_file(body: bytes, content_type: str) -> bytes | None:
    """The file of a multipart/form-data upload: its first file part, else its first part
    (``None`` if it has none); ``UnreadableBody`` if it is not multipart."""
    found = arguments.parts(body, content_type)
    files = [p for p in found if p.filename is not None] or found
    return files[0].content if files else None


DB_TIMEOUT = 1.5  # seconds to wait for a pooled connection before answering 503


@contextlib.asynccontextmanager
async def _transaction(request: Request) -> AsyncIterator[Conn]:
    """A pooled connection in a transaction, given up on quickly when the database is down."""
    pool = request.app.state.pool
    async with pool.connection(timeout=DB_TIMEOUT) as conn, conn.transaction():
        yield conn


def _unavailable() -> Response:
    return JSONResponse(
        {"ok": False, "error": "service_unavailable"}, status_code=503, headers={"Retry-After": "1"}
    )


@route(UPLOAD_PATH + "{key}", methods=("POST", "PUT"))
async def upload(request: Request) -> Response:
    """The upload URL: takes the bytes of a file reserved by files.getUploadURLExternal."""
    try:
        return await _upload(request)
    except (psycopg.OperationalError, TimeoutError):
        return _unavailable()


async def _upload(request: Request) -> Response:
    file_id, _, key = str(request.path_params["key"]).partition(".")
    async with _transaction(request) as conn:
        cur = await conn.execute(
            "SELECT length, upload_key FROM files WHERE id = %s AND state = 'pending'",
            (file_id,),
        )
        row = await cur.fetchone()
    if row is None or not key or not secrets.compare_digest(row["upload_key"], _digest(key)):
        return PlainTextResponse("no upload is waiting at this URL", status_code=404)
    content_type = request.headers.get("content-type", "")
    multipart = content_type.startswith("multipart/form-data")
    # multipart framing adds a little around the bytes; the content is checked below
    limit = min(int(row["length"]), MAX_FILE_BYTES) + (64 * 1024 if multipart else 0)
    too_large = PlainTextResponse(
        f"file larger than the {row['length']} bytes given to files.getUploadURLExternal",
        status_code=413,
    )
    try:
        body = await read_body(request, limit)
    except ClientDisconnect:
        return PlainTextResponse("upload interrupted", status_code=400)
    except BodyTooLarge:
        return too_large
    try:
        content = _multipart_file(body, content_type) if multipart else body
    except arguments.UnreadableBody:
        return PlainTextResponse("a malformed multipart upload", status_code=400)
    if content is None:
        return PlainTextResponse("multipart upload without a file part", status_code=400)
    if len(content) > row["length"]:
        return too_large
    async with _transaction(request) as conn:
        cur = await conn.execute(
            """UPDATE files SET content = %s, length = %s, state = 'uploaded', upload_key = NULL
               WHERE id = %s AND state = 'pending'""",
            (content, len(content), file_id),
        )
        if cur.rowcount == 0:
            return PlainTextResponse("no upload is waiting at this URL", status_code=404)
    return PlainTextResponse(f"OK - {len(content)}")


def _file_list(params: Params) -> list[dict[str, Any]]:
    try:
        files = arguments.loads(params.get("files", ""))
    except ValueError:
        files = None
    if (
        not isinstance(files, list)
        or not files
        or not all(isinstance(f, dict) and isinstance(f.get("id"), str) for f in files)
    ):
        raise SlackError(
            "invalid_arguments",
            response_metadata={"messages": ['[ERROR] files must be a JSON array of {"id": …}']},
        )
    return files


async def _share(
    conn: Conn,
    caller: Caller,
    channel: dict[str, Any],
    file_ids: list[str],
    text: str,
    thread_ts: str | None,
) -> str:
    """Post the ``file_share`` message carrying ``file_ids`` into ``channel``."""
    ts = await next_ts(conn, channel["id"])
    await conn.execute(
        """INSERT INTO messages (channel_id, ts, user_id, bot_id, text, thread_ts, subtype)
           VALUES (%s, %s, %s, %s, %s, %s, 'file_share')""",
        (channel["id"], ts, caller.user_id, caller.bot_id, text, thread_ts),
    )
    for file_id in file_ids:
        await conn.execute(
            "INSERT INTO file_shares (file_id, channel_id, ts) VALUES (%s, %s, %s)",
            (file_id, channel["id"], ts),
        )
    return ts


@method(
    "files.completeUploadExternal",
    scope="files:write",
    tier=4,
    args=("files", "channel_id", "channels", "initial_comment", "thread_ts"),
    errors=(
        "invalid_arguments",
        "file_not_found",
        "upload_not_complete",
        *MEMBER_WRITABLE.errors,
        "channels_limit_exceeded",
        "thread_not_found",
    ),
)
async def files_complete_upload_external(
    conn: Conn, caller: Caller, params: Params
) -> dict[str, Any]:
    """Finishes uploads and shares them (``channels`` may name users: their DMs), one
    ``file_share`` message per conversation."""
    wanted = _file_list(params)
    targets = [params["channel_id"]] if params.get("channel_id") else []
    targets += [c.strip() for c in params.get("channels", "").split(",") if c.strip()]
    targets = list(dict.fromkeys(targets))
    if len(targets) > MAX_SHARE_CHANNELS:
        raise SlackError("channels_limit_exceeded")
    if params.get("thread_ts") and len(targets) != 1:
        raise SlackError(
            "invalid_arguments",
            response_metadata={"messages": ["[ERROR] thread_ts needs exactly one channel"]},
        )
    channels = []
    for ref in targets:
        # Channel ids only, as Slack; a user id shares into the DM with them (the clone's choice).
        channel = await target(conn, caller, ref, names=False)
        MEMBER_WRITABLE.check(caller, channel)
        channels.append(channel)
    thread_ts = None
    if params.get("thread_ts"):
        try:
            parent = await message_row(conn, channels[0]["id"], params["thread_ts"])
        except SlackError:
            raise SlackError("thread_not_found") from None
        thread_ts = parent["thread_ts"] or parent["ts"]
    ids = []
    for f in wanted:
        cur = await conn.execute(
            "SELECT state FROM files WHERE id = %s AND user_id = %s FOR UPDATE",
            (f["id"], caller.user_id),
        )
        row = await cur.fetchone()
        if row is None or row["state"] in ("complete", "deleted"):
            raise SlackError("file_not_found")
        if row["state"] == "pending":
            raise SlackError("upload_not_complete")
        title = f.get("title")
        await conn.execute(
            "UPDATE files SET state = 'complete', title = COALESCE(%s, name) WHERE id = %s",
            (title if isinstance(title, str) and title.strip() else None, f["id"]),
        )
        ids.append(f["id"])
    text = params.get("initial_comment", "")
    for channel in channels:
        await _share(conn, caller, channel, ids, text, thread_ts)
    cur = await conn.execute(f"SELECT {FILE_COLUMNS} FROM files f WHERE f.id = ANY(%s)", (ids,))
    rows = {r["id"]: r for r in await cur.fetchall()}
    shares = await shares_of(conn, caller, ids)
    return {"files": [file_object(rows[i], caller, shares[i]) for i in ids]}


@method(
    "files.upload",
    scope="files:write",
    tier=2,
    errors=("method_deprecated",),
)
async def files_upload(conn: Conn, caller: Caller, params: Params) -> dict[str, Any]:
    """Retired by Slack on 2025-11-12: answers ``method_deprecated`` (use files_upload_v2)."""
    raise SlackError(
        "method_deprecated",
        response_metadata={
            "messages": [
                "[ERROR] files.upload is retired: upload with files.getUploadURLExternal and"
                " files.completeUploadExternal (slack_sdk: files_upload_v2)"
            ]
        },
    )


@method(
    "files.info",
    scope="files:read",
    tier=4,
    args=("file", "count", "page", "cursor", "limit"),
    errors=("file_not_found", "file_deleted"),
)
async def files_info(conn: Conn, caller: Caller, params: Params) -> dict[str, Any]:
    """A file's details; ``url_private`` serves its bytes to a token that may see it."""
    row = await _visible_file(conn, caller, required(params, "file", "file_not_found"))
    if row["state"] == "deleted":
        raise SlackError("file_deleted")
    shares = await shares_of(conn, caller, [row["id"]])
    count, page = classic_page(params, default=100, maximum=1000)
    return {
        "file": file_object(row, caller, shares[row["id"]]),
        "comments": [],
        "paging": {"count": count, "total": 0, "page": page, "pages": 0},
        "response_metadata": {"next_cursor": ""},
    }


@method(
    "files.list",
    scope="files:read",
    tier=3,
    args=("channel", "user", "ts_from", "ts_to", "types", "count", "page", "cursor", "limit"),
    errors=(*READABLE.errors, "unknown_type", "invalid_cursor", "invalid_ts_from", "invalid_ts_to"),
)
async def files_list(conn: Conn, caller: Caller, params: Params) -> dict[str, Any]:
    """Files the caller can see, newest first, filtered by channel, user, time and type."""
    types = [t.strip() for t in params.get("types", "all").split(",") if t.strip()] or ["all"]
    if any(t not in _TYPE_FILTERS for t in types):
        raise SlackError("unknown_type")
    channel_id = None
    if params.get("channel"):
        channel_id = (await READABLE.find(conn, caller, params["channel"]))["id"]
    count, page = classic_page(params, default=100, maximum=1000)
    if params.get("cursor") or params.get("limit"):
        offset, limit = offset_page(params, "files", default=100, maximum=1000)
    else:
        offset, limit = (page - 1) * count, count
    type_sql = " OR ".join(_TYPE_FILTERS[t] for t in types)
    cur = await conn.execute(
        f"""SELECT {FILE_COLUMNS}, count(*) OVER () AS total FROM files f
            WHERE f.workspace_id = %(team)s AND f.state = 'complete' AND {VISIBLE_FILE}
              AND (%(user)s = '' OR f.user_id = %(user)s)
              AND (%(channel)s::text IS NULL OR EXISTS (
                   SELECT 1 FROM file_shares s WHERE s.file_id = f.id
                   AND s.channel_id = %(channel)s))
              AND f.created >= %(ts_from)s AND f.created <= %(ts_to)s
              AND ({type_sql})
            ORDER BY f.created DESC, f.id DESC OFFSET %(offset)s LIMIT %(limit)s""",
        {
            "team": caller.team_id,
            "caller": caller.user_id,
            "user": params.get("user", "").strip(),
            "channel": channel_id,
            "ts_from": int_arg(params, "ts_from", 0, lo=0, hi=2**62, error="invalid_ts_from"),
            "ts_to": int_arg(params, "ts_to", 2**62, lo=0, hi=2**62, error="invalid_ts_to"),
            "offset": offset,
            "limit": limit + 1,
        },
    )
    rows = await cur.fetchall()
    more = len(rows) > limit
    rows = rows[:limit]
    shares = await shares_of(conn, caller, [r["id"] for r in rows])
    total = int(rows[0]["total"]) if rows else 0
    return {
        "files": [file_object(r, caller, shares[r["id"]]) for r in rows],
        "paging": paging(total, limit, offset // limit + 1),
        "response_metadata": next_cursor("files", offset, limit, more),
    }


@method(
    "files.delete",
    scope="files:write",
    tier=3,
    args=("file",),
    errors=("file_not_found", "file_deleted", "cant_delete_file"),
)
async def files_delete(conn: Conn, caller: Caller, params: Params) -> dict[str, Any]:
    """Deletes a file (its uploader, or an admin's user token); shares become tombstones."""
    row = await _visible_file(conn, caller, required(params, "file", "file_not_found"))
    if row["state"] == "deleted":
        raise SlackError("file_deleted")
    if row["user_id"] != caller.user_id and not caller.is_admin:
        raise SlackError("cant_delete_file")
    await conn.execute(
        "UPDATE files SET state = 'deleted', content = NULL WHERE id = %s", (row["id"],)
    )
    return {}


@message_hook
async def add_files(
    conn: Conn, caller: Caller, channel_id: str, messages: list[dict[str, Any]]
) -> None:
    """``files`` (and ``upload``) on the file_share messages history and replies return."""
    stamps = [m["ts"] for m in messages if m.get("subtype") == "file_share"]
    if not stamps:
        return
    cur = await conn.execute(
        f"""SELECT s.ts, {FILE_COLUMNS} FROM file_shares s JOIN files f ON f.id = s.file_id
           WHERE s.channel_id = %s AND s.ts = ANY(%s) ORDER BY s.ts, f.id""",
        (channel_id, stamps),
    )
    rows = await cur.fetchall()
    shares = await shares_of(conn, caller, list({r["id"] for r in rows}))
    by_ts: dict[str, list[dict[str, Any]]] = {}
    for r in rows:
        by_ts.setdefault(r["ts"], []).append(file_object(r, caller, shares[r["id"]]))
    for m in messages:
        if m["ts"] in by_ts:
            m["files"] = by_ts[m["ts"]]
            m["upload"] = True
            m["display_as_bot"] = False


async def _download(request: Request, *, attachment: bool) -> Response:
    team_id, _, file_id = str(request.path_params["team_file"]).partition("-")
    try:
        async with _transaction(request) as conn:
            try:
                caller = await authenticate(conn, bearer(request))
            except SlackError as exc:
                return JSONResponse({"ok": False, "error": exc.code}, status_code=401)
            if caller.team_id != team_id:
                return JSONResponse({"ok": False, "error": "file_not_found"}, status_code=404)
            if "files:read" not in caller.scopes:
                return JSONResponse(
                    {"ok": False, "error": "missing_scope", "needed": "files:read"},
                    status_code=403,
                )
            try:
                row = await _visible_file(conn, caller, file_id, content=True)
            except SlackError:
                row = None
    except (psycopg.OperationalError, TimeoutError):
        return _unavailable()
    if row is None or row["content"] is None:
        return JSONResponse({"ok": False, "error": "file_not_found"}, status_code=404)
    # A page a browser would render (and run scripts in) from the clone's origin is
    # always a download; nosniff stops a browser from guessing such a type from the bytes.
    inline = not attachment and row["mimetype"] not in _RENDERED_TYPES
    disposition = "inline" if inline else "attachment"
    quoted = urllib.parse.quote(row["name"], safe="")
    return Response(
        bytes(row["content"]),
        media_type=row["mimetype"],
        headers={
            "Content-Disposition": f"{disposition}; filename*=UTF-8''{quoted}",
            "X-Content-Type-Options": "nosniff",
        },
    )


@route("/files-pri/{team_file}/download/{name}")
async def download(request: Request) -> Response:
    """``url_private_download``: the bytes as an attachment, to an authorised token."""
    return await _download(request, attachment=True)


@route("/files-pri/{team_file}/{name}")
async def private(request: Request) -> Response:
    """``url_private``: the bytes, to a token of the workspace that may see the file."""
    return await _download(request, attachment=False)
