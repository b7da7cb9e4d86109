"""Search: ``search.messages``, ``search.files`` and ``search.all`` (user tokens only).

Words go through Postgres full-text search (``websearch_to_tsquery``: quoted
phrases, ``-word``, ``or``) over an index on the message text, never a scan in
Python. Slack's modifiers are understood: ``in:#channel`` / ``in:<#C…>`` /
``in:@user`` (the DM with that user), ``from:@user`` / ``from:<@U…>`` /
``from:me``, ``before:``/``after:``/``on:``/``during:`` with ``YYYY-MM-DD``
(``during:`` also takes ``YYYY-MM``, ``YYYY`` and a month's name, ``march`` or
``mar``: its latest start up to today; ``today`` and ``yesterday`` work too) in the
caller's time zone, ``has:link``, ``has:reaction``,
``has:pin`` and ``is:thread``. Results cover public channels and the
conversations the caller belongs to.
"""

# long module: the query language's parser and the three search.* methods that use it.

from __future__ import annotations

import datetime as dt
import hashlib
import re
import shlex
import zoneinfo
from typing import Any

import attrs

from ..methods import method
from ..objects import SlackError, channel_type, permalink
from .common import (
    Caller,
    Conn,
    Params,
    classic_page,
    flag,
    next_cursor,
    offset_page,
)
from .files import FILE_COLUMNS, VISIBLE_FILE, file_object, shares_of

MAX_COUNT = 100
_NO_END = 10**10 - 1  # no before: modifier (ts seconds have ten digits)
_MENTION = re.compile(r"^<[@#]([A-Z0-9]+)(?:\|[^>]*)?>$")
_SORTS = {"score", "timestamp"}
ARGS = ("query", "count", "page", "sort", "sort_dir", "highlight", "cursor", "limit")
ERRORS = ("no_query", "invalid_count", "invalid_page", "invalid_cursor", "not_allowed_token_type")


@attrs.define
class Query:
    """A search query split into words and Slack's modifiers."""

    words: list[str] = attrs.Factory(list)
    channels: list[str] = attrs.Factory(list)  # in:#name / in:C… (names or ids)
    dm_users: list[str] = attrs.Factory(list)  # in:@name
    users: list[str] = attrs.Factory(list)  # from:@name / from:U… / from:me
    after: dt.date | None = None  # results on or after this day
    before: dt.date | None = None  # results before this day
    has: set[str] = attrs.Factory(set)
    is_thread: bool = False

    @property
    def text(self) -> str:
        return " ".join(self.words)


_MONTH_NAMES = (
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
)
_MONTHS = {name: n for n, full in enumerate(_MONTH_NAMES, 1) for name in (full, full[:3])}


def _month(year: int, month: int) -> tuple[dt.date, dt.date]:
    first = dt.date(year, month, 1)
    if (year, month) == (dt.MAXYEAR, 12):
        return first, dt.date.max  # the calendar's last month has no next one
    return first, dt.date(year + month // 12, month % 12 + 1, 1)


def _day(value: str, today: dt.date) -> tuple[dt.date, dt.date] | None:
    """The ``[first, end)`` days a date modifier names, or ``None`` if it is not a date.

    A month's name (``march``, ``mar``) is its latest start up to today: this year's
    once it has begun, else last year's.
    """
    value = value.lower()
    if value in ("today", "yesterday"):
        day = today if value == "today" else today - dt.timedelta(days=1)
        return day, day + dt.timedelta(days=1)
    if value in _MONTHS:
        month = _MONTHS[value]
        return _month(today.year if month <= today.month else today.year - 1, month)
    try:
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
            day = dt.date.fromisoformat(value)
            # The calendar's last day has no next one: its end is the last day itself.
            return day, (day + dt.timedelta(days=1) if day < dt.date.max else day)
        if re.fullmatch(r"\d{4}-\d{2}", value):
            return _month(int(value[:4]), int(value[5:]))
        if re.fullmatch(r"\d{4}", value):
            return _month(int(value), 1)[0], _month(int(value), 12)[1]
    except ValueError:
        return None
    return None


def _narrow(q: Query, first: dt.date | None, end: dt.date | None) -> None:
    if first is not None and (q.after is None or first > q.after):
        q.after = first
    if end is not None and (q.before is None or end < q.before):
        q.before = end


def parse_query(raw: str, today: dt.date) -> Query:
    """Split ``raw`` into words and modifiers; a modifier that does not parse is a word."""
    try:
        parts = shlex.split(raw, posix=True)
        quoted = [f'"{p}"' if " " in p else p for p in parts]
    except ValueError:
        quoted = raw.split()
    q = Query()
    for part in quoted:
        key, sep, value = part.partition(":")
        key = key.lower()
        if not sep or not value:
            q.words.append(part)
            continue
        mention = _MENTION.match(value)
        ref = mention.group(1) if mention else value
        if key == "in":
            if ref.startswith("@"):
                q.dm_users.append(ref[1:])
            elif mention and ref.startswith(("U", "W")):
                q.dm_users.append(ref)
            else:
                q.channels.append(ref.lstrip("#"))
        elif key == "from":
            q.users.append(ref.lstrip("@"))
        elif key in ("before", "after", "on", "during") and (span := _day(value, today)):
            first, end = span
            if key == "before":
                _narrow(q, None, first)
            elif key == "after":
                _narrow(q, end, None)
            else:
                _narrow(q, first, end)
        elif key == "has" and value.lower() in ("link", "reaction", "pin"):
            q.has.add(value.lower())
        elif key == "is" and value.lower() == "thread":
            q.is_thread = True
        else:
            q.words.append(part)
    return q


async def _zone(conn: Conn, caller: Caller) -> zoneinfo.ZoneInfo:
    cur = await conn.execute("SELECT tz FROM users WHERE id = %s", (caller.user_id,))
    row = await cur.fetchone()
    try:
        return zoneinfo.ZoneInfo(row["tz"] if row and row["tz"] else "UTC")
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo("UTC")


def _epoch(day: dt.date, zone: zoneinfo.ZoneInfo) -> int:
    """Midnight starting ``day`` in ``zone``, in epoch seconds clamped to ``[0, _NO_END]``:
    every stored ts lies in that range, and a clamped bound keeps the ten digits of seconds
    that the text comparison of ts needs."""
    try:
        seconds = int(dt.datetime.combine(day, dt.time(), tzinfo=zone).timestamp())
    except (OverflowError, ValueError):  # the calendar's first or last day, past UTC's edge
        seconds = 0 if day.year == dt.MINYEAR else _NO_END
    return min(max(seconds, 0), _NO_END)


def _ts_bound(seconds: int) -> str:
    """Epoch seconds as a ts that compares, as text, like the number (ten digits of seconds)."""
    return f"{seconds:010d}.000000"


@attrs.frozen
class Filters:
    """A parsed query resolved against the workspace: ids and epoch seconds."""

    query: Query
    channel_ids: list[str] | None
    user_ids: list[str] | None
    after: int
    before: int


async def _resolve(conn: Conn, caller: Caller, params: Params) -> Filters:
    raw = params.get("query", "").strip()
    if not raw:
        raise SlackError("no_query")
    zone = await _zone(conn, caller)
    q = parse_query(raw, dt.datetime.now(zone).date())
    user_refs = [caller.user_id if u.lower() == "me" else u for u in q.users]
    user_ids: list[str] | None = None
    if user_refs:
        lowered = [u.lower() for u in user_refs]
        cur = await conn.execute(
            """SELECT id FROM users WHERE workspace_id = %s
               AND (id = ANY(%s) OR lower(name) = ANY(%s) OR lower(display_name) = ANY(%s))""",
            (caller.team_id, user_refs, lowered, lowered),
        )
        user_ids = [r["id"] for r in await cur.fetchall()]
    channel_ids: list[str] | None = None
    if q.channels or q.dm_users:
        cur = await conn.execute(
            """SELECT c.id FROM channels c WHERE c.workspace_id = %(team)s AND (
                   (c.kind IS NULL AND (c.id = ANY(%(refs)s) OR c.name = ANY(%(names)s)))
                   OR (c.kind = 'im' AND EXISTS (
                       SELECT 1 FROM channel_members o JOIN users u ON u.id = o.user_id
                       WHERE o.channel_id = c.id AND o.user_id <> %(caller)s
                         AND (u.id = ANY(%(dm)s) OR lower(u.name) = ANY(%(dm_lower)s)))
                       AND EXISTS (SELECT 1 FROM channel_members me
                                   WHERE me.channel_id = c.id AND me.user_id = %(caller)s)))""",
            {
                "team": caller.team_id,
                "refs": q.channels,
                "names": [c.lower() for c in q.channels],
                "dm": q.dm_users,
                "dm_lower": [u.lower() for u in q.dm_users],
                "caller": caller.user_id,
            },
        )
        channel_ids = [r["id"] for r in await cur.fetchall()]
    return Filters(
        query=q,
        channel_ids=channel_ids,
        user_ids=user_ids,
        after=_epoch(q.after, zone) if q.after else 0,
        before=_epoch(q.before, zone) if q.before else _NO_END,
    )


def _pages(params: Params, kind: str) -> tuple[int, int, bool]:
    """``(offset, count, by_cursor)`` from ``count``/``page`` or ``cursor``/``limit``."""
    if params.get("cursor"):
        if params["cursor"] == "*":
            params = {k: v for k, v in params.items() if k != "cursor"}
        limit_params = {**params, "limit": params.get("limit") or params.get("count", "")}
        offset, count = offset_page(limit_params, kind, default=20, maximum=MAX_COUNT)
        return offset, count, True
    count, page = classic_page(params, default=20, maximum=MAX_COUNT)
    return (page - 1) * count, count, False


def _results(matches: list[dict[str, Any]], total: int, offset: int, count: int) -> dict[str, Any]:
    page = offset // count + 1
    pages = max(1, -(-total // count))
    return {
        "total": total,
        "pagination": {
            "total_count": total,
            "page": page,
            "per_page": count,
            "page_count": pages,
            "first": offset + 1 if matches else 0,
            "last": offset + len(matches) if matches else 0,
        },
        "paging": {"count": count, "total": total, "page": page, "pages": pages},
        "matches": matches,
    }


def _order(params: Params, score: str, stamp: str) -> str:
    sort = params.get("sort", "score").strip().lower()
    direction = "ASC" if params.get("sort_dir", "").strip().lower() == "asc" else "DESC"
    if sort not in _SORTS or sort == "timestamp":
        return f"{stamp} {direction}"
    return f"{score} {direction}, {stamp} DESC"


_SEEN = """((NOT c.is_private AND c.kind IS NULL) OR EXISTS (
    SELECT 1 FROM channel_members x WHERE x.channel_id = c.id AND x.user_id = %(caller)s))"""


async def _messages(
    conn: Conn, caller: Caller, params: Params, f: Filters, offset: int, count: int
) -> tuple[list[dict[str, Any]], int]:
    where = [
        "c.workspace_id = %(team)s",
        _SEEN,
        # Deleted threads' placeholders and join/leave notices are not searchable in Slack.
        "(m.subtype IS NULL OR m.subtype NOT IN ('tombstone', 'channel_join', 'channel_leave'))",
    ]
    if f.after:
        where.append("m.ts >= %(after)s")
    if f.before < _NO_END:
        where.append("m.ts < %(before)s")
    if f.channel_ids is not None:
        where.append("m.channel_id = ANY(%(channels)s)")
    if f.user_ids is not None:
        where.append("m.user_id = ANY(%(users)s)")
    if "link" in f.query.has:
        where.append(r"m.text ~* '(https?://|<https?:)'")
    if "reaction" in f.query.has:
        where.append(
            "EXISTS (SELECT 1 FROM reactions r WHERE r.channel_id = m.channel_id AND r.ts = m.ts)"
        )
    if "pin" in f.query.has:
        where.append(
            "EXISTS (SELECT 1 FROM pins p WHERE p.channel_id = m.channel_id AND p.ts = m.ts)"
        )
    if f.query.is_thread:
        where.append("m.thread_ts IS NOT NULL")
    if f.query.words:
        # The words first, through the GIN index, whatever else narrows the search:
        # left to itself the planner may walk a channel's messages testing each.
        head = """WITH m AS MATERIALIZED (
                      SELECT x.*, ts_rank(x.search_vector, q.q) AS score
                      FROM messages x, websearch_to_tsquery('english', %(q)s) AS q (q)
                      WHERE x.search_vector @@ q.q)
                  SELECT"""
        source = "m"
    else:
        head = "SELECT"
        source = "(SELECT x.*, 0::real AS score FROM messages x) m"
    rows, total = await _page_and_total(
        conn,
        f"""{head} m.*, c.name AS channel_name, c.is_private, c.kind, u.name AS username,
                   count(*) OVER () AS total
            FROM {source}
            JOIN channels c ON c.id = m.channel_id
            JOIN users u ON u.id = m.user_id
            WHERE {" AND ".join(where)}
            ORDER BY {_order(params, "m.score", "m.ts")}
            OFFSET %(offset)s LIMIT %(limit)s""",
        {
            "team": caller.team_id,
            "caller": caller.user_id,
            "q": f.query.text,
            "channels": f.channel_ids,
            "users": f.user_ids,
            "after": _ts_bound(f.after),
            "before": _ts_bound(f.before),
            "offset": offset,
            "limit": count,
        },
    )
    matches = [_match(r, caller) for r in rows]
    if matches and f.query.words and flag(params, "highlight"):
        await _highlight(conn, f.query.text, matches)
    return matches, total


async def _highlight(conn: Conn, query: str, matches: list[dict[str, Any]]) -> None:
    """Mark the matched words as Slack does with ``highlight=true`` (U+E000 … U+E001)."""
    cur = await conn.execute(
        """SELECT ts_headline('english', t.text, websearch_to_tsquery('english', %s),
                              'StartSel=, StopSel=, HighlightAll=true') AS text
           FROM unnest(%s::text[]) WITH ORDINALITY AS t (text, n) ORDER BY t.n""",
        (query, [m["text"] for m in matches]),
    )
    for match, row in zip(matches, await cur.fetchall(), strict=True):
        match["text"] = row["text"]


async def _page_and_total(
    conn: Conn, sql: str, values: dict[str, Any]
) -> tuple[list[dict[str, Any]], int]:
    """One page of ``sql`` (which selects ``count(*) OVER () AS total``) and the total;
    a page past the end has no row to carry the count, so it is asked for again."""
    cur = await conn.execute(sql, values)
    rows = await cur.fetchall()
    if not rows and values["offset"]:
        cur = await conn.execute(sql, {**values, "offset": 0, "limit": 1})
        first = await cur.fetchall()
        return [], int(first[0]["total"]) if first else 0
    return rows, int(rows[0]["total"]) if rows else 0


def _match(row: dict[str, Any], caller: Caller) -> dict[str, Any]:
    kind = channel_type(row)
    match: dict[str, Any] = {
        "iid": hashlib.md5(f"{row['channel_id']}/{row['ts']}".encode()).hexdigest(),
        "team": caller.team_id,
        "score": float(row["score"]),
        "channel": {
            "id": row["channel_id"],
            "is_channel": kind == "channel",
            "is_group": kind == "group",
            "is_im": kind == "im",
            "is_mpim": kind == "mpim",
            "is_shared": False,
            "is_org_shared": False,
            "is_ext_shared": False,
            "is_private": row["is_private"],
            "is_pending_ext_shared": False,
            "pending_shared": [],
            "name": row["channel_name"],
        },
        "type": "message",
        "user": row["user_id"],
        "username": row["username"],
        "ts": row["ts"],
        "text": row["text"],
        "permalink": permalink(caller.team_domain, row["channel_id"], row["ts"], row["thread_ts"]),
    }
    if row.get("blocks") is not None:
        match["blocks"] = row["blocks"]
    if row.get("attachments") is not None:
        match["attachments"] = row["attachments"]
    return match


async def _files(
    conn: Conn, caller: Caller, params: Params, f: Filters, offset: int, count: int
) -> tuple[list[dict[str, Any]], int]:
    where = [
        "f.workspace_id = %(team)s",
        "f.state = 'complete'",
        VISIBLE_FILE,
        "f.created >= %(after)s AND f.created < %(before)s",
    ]
    words = [w.strip('"').lower() for w in f.query.words if not w.startswith("-")]
    for n in range(len(words)):
        where.append(f"(f.name ILIKE %(w{n})s OR f.title ILIKE %(w{n})s)")
    if f.channel_ids is not None:
        where.append(
            "EXISTS (SELECT 1 FROM file_shares s WHERE s.file_id = f.id"
            " AND s.channel_id = ANY(%(channels)s))"
        )
    if f.user_ids is not None:
        where.append("f.user_id = ANY(%(users)s)")
    values: dict[str, Any] = {
        "team": caller.team_id,
        "caller": caller.user_id,
        "channels": f.channel_ids,
        "users": f.user_ids,
        "after": f.after,
        "before": f.before,
        "offset": offset,
        "limit": count,
    }
    for n, word in enumerate(words):
        escaped = word.replace("\\", "\\\\").replace("%", r"\%").replace("_", r"\_")
        values[f"w{n}"] = f"%{escaped}%"
    rows, total = await _page_and_total(
        conn,
        f"""SELECT {FILE_COLUMNS}, count(*) OVER () AS total FROM files f
            WHERE {" AND ".join(where)}
            ORDER BY {_order(params, "f.created", "f.created")}, f.id DESC
            OFFSET %(offset)s LIMIT %(limit)s""",
        values,
    )
    shares = await shares_of(conn, caller, [r["id"] for r in rows])
    return [file_object(r, caller, shares[r["id"]]) for r in rows], total


async def _search(
    conn: Conn, caller: Caller, params: Params, *, messages: bool, files: bool
) -> dict[str, Any]:
    filters = await _resolve(conn, caller, params)
    offset, count, by_cursor = _pages(params, "search")
    result: dict[str, Any] = {"query": params["query"].strip()}
    more = False
    if messages:
        found, total = await _messages(conn, caller, params, filters, offset, count)
        result["messages"] = _results(found, total, offset, count)
        more = more or offset + len(found) < total
    if files:
        found, total = await _files(conn, caller, params, filters, offset, count)
        result["files"] = _results(found, total, offset, count)
        more = more or offset + len(found) < total
    if by_cursor:
        result["response_metadata"] = next_cursor("search", offset, count, more)
    return result


@method("search.messages", scope="search:read", tier=2, tokens=("user",), args=ARGS, errors=ERRORS)
async def search_messages(conn: Conn, caller: Caller, params: Params) -> dict[str, Any]:
    """Messages matching a query, with Slack's ``in:``/``from:``/date/``has:`` modifiers."""
    return await _search(conn, caller, params, messages=True, files=False)


@method("search.files", scope="search:read", tier=2, tokens=("user",), args=ARGS, errors=ERRORS)
async def search_files(conn: Conn, caller: Caller, params: Params) -> dict[str, Any]:
    """Files whose name or title contains every word of the query (modifiers apply)."""
    return await _search(conn, caller, params, messages=False, files=True)


@method("search.all", scope="search:read", tier=2, tokens=("user",), args=ARGS, errors=ERRORS)
async def search_all(conn: Conn, caller: Caller, params: Params) -> dict[str, Any]:
    """Messages and files matching a query (no posts: the clone has none)."""
    result = await _search(conn, caller, params, messages=True, files=True)
    result["posts"] = {"total": 0, "matches": []}
    return result
