"""The Slack template's review renderer: channels and DMs, messages with threads, reactions,
files, pins and edits, as Slack shows them, with every change since the seed marked.

It reads the Slack clone's own tables (named here, as the Slack seeder names its
REST API: this module is the template's half of the seam) in the page's
read-only transaction. Messages page by ``PAGE_SIZE`` top-level messages, newest
page first; ``mrkdwn`` and the common blocks are rendered after escaping.
"""

# long module: one renderer — places, messages, threads, blocks and mrkdwn — read together.

from __future__ import annotations

import re
import time
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode

import attrs
from psycopg.rows import dict_row

from .. import changes, snapshot
from ..diff import Diff
from . import PAGE_SIZE, Rendered, Run, View, esc
from .table import kind_places

EMOJI = {
    "thumbsup": "👍", "+1": "👍", "thumbsdown": "👎", "-1": "👎", "eyes": "👀", "tada": "🎉",
    "heart": "❤️", "white_check_mark": "✅", "heavy_check_mark": "✔️", "x": "❌", "fire": "🔥",
    "rocket": "🚀", "pray": "🙏", "raised_hands": "🙌", "smile": "😄", "joy": "😂",
    "warning": "⚠️", "memo": "📝", "bug": "🐛", "wave": "👋", "100": "💯", "clap": "👏",
}  # fmt: skip
MESSAGE_COLUMNS = """ts, user_id, bot_id, text, thread_ts, subtype, blocks, attachments,
    edited_ts, username"""


@attrs.frozen
class Marks:
    """The diff, indexed the way the page looks records up."""

    messages: Mapping[tuple[str, str], str]  # (channel, ts) -> added / changed / removed
    before: Mapping[tuple[str, str], Mapping[str, Any]]
    removed: Mapping[str, list[Mapping[str, Any]]]  # channel -> removed messages
    reactions: Mapping[tuple[str, str, str, str], str]  # (channel, ts, name, user) -> state
    removed_reactions: Mapping[tuple[str, str], list[tuple[str, str]]]  # -> [(name, user)]
    pins: Mapping[tuple[str, str], str]
    channels: Mapping[str, str]
    per_channel: Mapping[str, int]  # how many changes each channel holds

    @classmethod
    def of(cls, diff: Diff) -> Marks:
        messages: dict[tuple[str, str], str] = {}
        before: dict[tuple[str, str], Mapping[str, Any]] = {}
        removed: dict[str, list[Mapping[str, Any]]] = {}
        per: dict[str, int] = {}

        def count(channel: Any) -> None:
            per[str(channel)] = per.get(str(channel), 0) + 1

        def get(kind: str) -> Any:
            return diff.kinds.get(kind)

        if (found := get("messages")) is not None:
            for r in found.added:
                messages[(r["channel"], r["ts"])] = "added"
                count(r["channel"])
            for r in found.removed:
                messages[(r["channel"], r["ts"])] = "removed"
                removed.setdefault(r["channel"], []).append(r)
                count(r["channel"])
            for c in found.changed:
                key = (c.key["channel"], c.key["ts"])
                messages[key], before[key] = "changed", c.before
                count(c.key["channel"])
        reactions: dict[tuple[str, str, str, str], str] = {}
        gone: dict[tuple[str, str], list[tuple[str, str]]] = {}
        if (found := get("reactions")) is not None:
            for state, records in (("added", found.added), ("removed", found.removed)):
                for r in records:
                    reactions[(r["channel"], r["ts"], r["name"], r["user"])] = state
                    count(r["channel"])
                    if state == "removed":
                        gone.setdefault((r["channel"], r["ts"]), []).append((r["name"], r["user"]))
        pins: dict[tuple[str, str], str] = {}
        if (found := get("pins")) is not None:
            for state, records in (("added", found.added), ("removed", found.removed)):
                for r in records:
                    pins[(r["channel"], r["ts"])] = state
                    count(r["channel"])
        channels: dict[str, str] = {}
        for kind in ("channels", "members"):
            if (found := get(kind)) is None:
                continue
            for state, records in (("added", found.added), ("removed", found.removed)):
                for r in records:
                    cid = r.get("id") or r.get("channel")
                    if kind == "channels":
                        channels[cid] = state
                    count(cid)
            for c in found.changed:
                cid = c.key.get("id") or c.key.get("channel")
                channels.setdefault(cid, "changed")
                count(cid)
        return cls(messages, before, removed, reactions, gone, pins, channels, per)


class SlackRenderer:
    """The workspace as Slack shows it."""

    def render(self, conn: changes.Conn, run: Run, view: View) -> Rendered:
        cur = conn.cursor(row_factory=dict_row)
        users = {
            r["id"]: r
            for r in cur.execute("SELECT id, name, real_name, display_name, is_bot FROM users")
        }
        bots = {r["id"]: r["name"] for r in cur.execute("SELECT id, name FROM bots")}
        team = cur.execute("SELECT name FROM workspaces ORDER BY created LIMIT 1").fetchone()
        channels = cur.execute(
            """SELECT id, name, kind, im_user, is_private, is_archived, is_general, topic
               FROM channels ORDER BY kind NULLS FIRST, name"""
        ).fetchall()
        marks = Marks.of(run.diff)
        by_id = {c["id"]: c for c in channels}
        for cid, removed in marks.channels.items():  # a channel the agent deleted: still listed
            if removed == "removed" and cid not in by_id:
                by_id[cid] = {"id": cid, "name": cid, "kind": None, "is_archived": True}
        ctx = _Context(run, view, users, bots, marks, by_id)
        open_place = view.place if view.place in by_id else _first_place(marks, channels)
        nav = [_nav(ctx, channels, open_place)]
        main = []
        for channel in channels:
            if view.export or channel["id"] == open_place:
                main.append(ctx.place(cur, channel, channel["id"] == open_place))
        other_nav, other_main = kind_places(run.diff, ["users", "files"], view)
        nav.append(f"<h3>Other changes</h3>{other_nav}")
        if view.export or (view.place or "").startswith("kind-"):
            main.append(other_main)
        return Rendered(
            nav="".join(nav),
            main="".join(main),
            link=ctx.link,
            title=(team or {}).get("name") or run.target.id,
        )


def _first_place(marks: Marks, channels: list[dict[str, Any]]) -> str | None:
    """The channel the page opens on: the first with changes, else #general."""
    for c in channels:
        if marks.per_channel.get(c["id"]):
            return str(c["id"])
    general = [c for c in channels if c.get("is_general")] or channels
    return str(general[0]["id"]) if general else None


def _nav(ctx: _Context, channels: list[dict[str, Any]], open_place: str | None) -> str:
    groups: dict[str, list[str]] = {"Channels": [], "Direct messages": []}
    for c in channels:
        group = "Direct messages" if c.get("kind") in ("im", "mpim") else "Channels"
        n = ctx.marks.per_channel.get(c["id"], 0)
        state = ctx.marks.channels.get(c["id"], "")
        dot = f'<span class="dot">{"new" if state == "added" else n}</span>' if n else ""
        classes = " ".join(
            x
            for x in (
                state,
                "archived" if c.get("is_archived") else "",
                "current" if c["id"] == open_place else "",
            )
            if x
        )
        groups[group].append(
            f'<a href="{esc(ctx.place_href(c["id"]))}" class="{classes}"'
            f' data-place="{esc(c["id"])}">{esc(ctx.label(c))}{dot}</a>'
        )
    return "".join(f"<h3>{g}</h3>{''.join(links)}" for g, links in groups.items() if links)


@attrs.define
class _Context:
    run: Run
    view: View
    users: dict[str, dict[str, Any]]
    bots: dict[str, str]
    marks: Marks
    channels: dict[str, dict[str, Any]]

    # --- links -----------------------------------------------------------------

    def _query(self, **params: str) -> str:
        if self.run.since != snapshot.SEED:
            params["since"] = self.run.since
        return "?" + urlencode(params)

    def place_href(self, channel: str) -> str:
        return f"#c-{channel}" if self.view.export else self._query(place=channel)

    def link(self, ref: Mapping[str, Any]) -> tuple[str, str] | None:
        """Where a call's ref leads: the message (its page, its thread), else the channel."""
        channel, ts = ref.get("channel"), ref.get("ts")
        if not isinstance(channel, str) or channel not in self.channels:
            return None
        where = self.label(self.channels[channel])
        if not isinstance(ts, str):
            return self.place_href(channel), where
        anchor = f"#m-{channel}-{ts}"
        href = anchor if self.view.export else self._query(place=channel, at=ts) + anchor
        return href, f"message {_clock(ts)} in {where}"

    def label(self, c: Mapping[str, Any]) -> str:
        if c.get("kind") == "im":
            user = self.users.get(c.get("im_user") or "")
            return user["name"] if user else str(c["name"])
        prefix = "🔒" if c.get("is_private") else "#"
        return prefix + str(c["name"])

    # --- a channel ---------------------------------------------------------------

    def place(self, cur: Any, channel: Mapping[str, Any], is_open: bool) -> str:
        cid = str(channel["id"])
        total = cur.execute(
            """SELECT count(*) AS n FROM messages
               WHERE channel_id = %s AND (thread_ts IS NULL OR thread_ts = ts)""",
            (cid,),
        ).fetchone()["n"]
        pages = max(1, -(-int(total) // PAGE_SIZE))
        wanted = range(pages) if self.view.export else [self._page(cur, cid, is_open)]
        rendered = [self.page(cur, cid, n, pages) for n in wanted]
        state = self.marks.channels.get(cid)
        badge = f'<span class="badge {state}">{state}</span>' if state else ""
        topic = (
            f'<span class="topic">{esc(channel.get("topic"))}</span>'
            if channel.get("topic")
            else ""
        )
        members = self._member_notes(cid)
        opened = " data-open" if is_open else ""
        return (
            f'<section class="place" id="c-{esc(cid)}" data-place="{esc(cid)}"{opened}>'
            f"<h2>{esc(self.label(channel))}{badge}{topic}</h2>{members}"
            f'<div class="pages">{"".join(rendered)}</div></section>'
        )

    def _page(self, cur: Any, cid: str, is_open: bool) -> int:
        """The page asked for, or the one holding ``view.at`` (its thread's parent)."""
        if not is_open:
            return 0
        if self.view.at:
            row = cur.execute(
                """SELECT coalesce(thread_ts, ts) AS p FROM messages
                   WHERE channel_id = %s AND ts = %s""",
                (cid, self.view.at),
            ).fetchone()
            parent = row["p"] if row else self.view.at
            newer = cur.execute(
                """SELECT count(*) AS n FROM messages WHERE channel_id = %s
                   AND (thread_ts IS NULL OR thread_ts = ts) AND ts > %s""",
                (cid, parent),
            ).fetchone()["n"]
            return int(newer) // PAGE_SIZE
        return max(0, self.view.page)

    def page(self, cur: Any, cid: str, n: int, pages: int) -> str:
        """Page ``n`` (0: the newest) of a channel's top-level messages, oldest first."""
        rows = cur.execute(
            f"""SELECT {MESSAGE_COLUMNS} FROM messages
                WHERE channel_id = %s AND (thread_ts IS NULL OR thread_ts = ts)
                ORDER BY ts DESC LIMIT %s OFFSET %s""",
            (cid, PAGE_SIZE, n * PAGE_SIZE),
        ).fetchall()
        rows.reverse()
        removed = self.marks.removed.get(cid, [])
        if rows:  # a deleted message is shown where it was, on the page of its time
            low = rows[0]["ts"] if n < pages - 1 else ""
            high = rows[-1]["ts"] if n > 0 else "~"
        else:
            low, high = "", "~"
        top = [
            {**r, "user_id": r.get("user"), "_removed": True}
            for r in removed
            if not r.get("thread_ts") or r.get("thread_ts") == r.get("ts")
            if low <= r["ts"] <= high
        ]
        rows = sorted(rows + top, key=lambda r: r["ts"])
        parents = [r["ts"] for r in rows]
        replies: dict[str, list[dict[str, Any]]] = {}
        for r in cur.execute(
            f"""SELECT {MESSAGE_COLUMNS} FROM messages WHERE channel_id = %s
                AND thread_ts = ANY(%s) AND ts <> thread_ts ORDER BY ts""",
            (cid, parents),
        ):
            replies.setdefault(r["thread_ts"], []).append(r)
        for r in removed:
            if r.get("thread_ts") and r["thread_ts"] != r["ts"] and r["thread_ts"] in parents:
                replies.setdefault(r["thread_ts"], []).append(
                    {**r, "user_id": r.get("user"), "_removed": True}
                )
        every = parents + [r["ts"] for rs in replies.values() for r in rs]
        extras = self._extras(cur, cid, every)
        body = []
        for r in rows:
            thread = sorted(replies.get(r["ts"], []), key=lambda x: x["ts"])
            body.append(self.message(cid, r, extras, thread))
        pager = self._pager(cid, n, pages)
        empty = '<p class="empty">No messages.</p>' if not rows else ""
        return (
            f'<div class="page" id="p-{esc(cid)}-{n}" data-page="{n}">'
            f"{pager}{empty}{''.join(body)}</div>"
        )

    def _pager(self, cid: str, n: int, pages: int) -> str:
        if pages <= 1:
            return ""
        parts = []
        if n + 1 < pages:
            parts.append(self._goto(cid, n + 1, "← Older messages"))
        parts.append(f"<span>page {n + 1} of {pages} (newest first)</span>")
        if n > 0:
            parts.append(self._goto(cid, n - 1, "Newer messages →"))
        return f'<div class="pager">{"".join(parts)}</div>'

    def _goto(self, cid: str, n: int, text: str) -> str:
        if self.view.export:
            return f'<button type="button" data-goto="p-{esc(cid)}-{n}">{esc(text)}</button>'
        return f'<a href="{esc(self._query(place=cid, page=str(n)))}">{esc(text)}</a>'

    def _extras(self, cur: Any, cid: str, ts: list[str]) -> dict[str, Any]:
        reactions: dict[str, list[tuple[str, list[str]]]] = {}
        for r in cur.execute(
            """SELECT ts, name, array_agg(user_id ORDER BY created, user_id) AS users
               FROM reactions WHERE channel_id = %s AND ts = ANY(%s)
               GROUP BY ts, name ORDER BY ts, min(created), name""",
            (cid, ts),
        ):
            reactions.setdefault(r["ts"], []).append((r["name"], list(r["users"])))
        pins = {
            r["ts"]
            for r in cur.execute(
                "SELECT ts FROM pins WHERE channel_id = %s AND ts = ANY(%s)", (cid, ts)
            )
        }
        files: dict[str, list[dict[str, Any]]] = {}
        for r in cur.execute(
            """SELECT s.ts, f.id, f.name, f.title, f.mimetype, f.length, f.state
               FROM file_shares s JOIN files f ON f.id = s.file_id
               WHERE s.channel_id = %s AND s.ts = ANY(%s) ORDER BY f.created""",
            (cid, ts),
        ):
            files.setdefault(r["ts"], []).append(r)
        return {"reactions": reactions, "pins": pins, "files": files}

    def _member_notes(self, cid: str) -> str:
        found = self.run.diff.kinds.get("members")
        if found is None:
            return ""
        notes = []
        for state, verb in (("added", "joined"), ("removed", "left")):
            for r in getattr(found, state):
                if r.get("channel") == cid:
                    notes.append(
                        f'<div class="msg {state}" data-change="{state}"><span></span><span'
                        f' class="meta">{esc(self.who(r.get("user"), None))} {verb}</span></div>'
                    )
        return "".join(notes)

    # --- a message -----------------------------------------------------------------

    def who(self, user_id: str | None, row: Mapping[str, Any] | None) -> str:
        if row is not None and row.get("username"):
            return str(row["username"])
        if row is not None and row.get("bot_id") and row["bot_id"] in self.bots:
            return self.bots[row["bot_id"]]
        user = self.users.get(user_id or "")
        if user is None:
            return user_id or "someone"
        return str(user.get("real_name") or user.get("display_name") or user["name"])

    def message(
        self,
        cid: str,
        row: Mapping[str, Any],
        extras: Mapping[str, Any],
        thread: list[dict[str, Any]],
    ) -> str:
        ts = str(row["ts"])
        state = "removed" if row.get("_removed") else self.marks.messages.get((cid, ts), "")
        name = self.who(row.get("user_id"), row)
        badge_text = {"added": "new", "changed": "edited", "removed": "deleted"}.get(state, "")
        badge = f'<span class="badge {state}">{badge_text}</span>' if state else ""
        edited = ' <span class="edited">(edited)</span>' if row.get("edited_ts") else ""
        pin_state = self.marks.pins.get((cid, ts), "")
        pinned = ts in extras["pins"] or pin_state == "removed"
        pin = (
            f'<div class="pin {pin_state}" data-change="{pin_state or "none"}">📌 Pinned</div>'
            if pinned
            else ""
        )
        before = self.marks.before.get((cid, ts), {})
        was = ""
        if "text" in before:
            was = f'<div class="before">{mrkdwn(before["text"] or "", self)}</div>'
        content = self.content(row)
        chips = self._chips(cid, ts, extras["reactions"].get(ts, []))
        files = "".join(
            f'<div class="file" data-file="{esc(f["id"])}">📄 {esc(f["title"] or f["name"])}'
            f' <span class="meta">{esc(f["mimetype"])} · {int(f["length"] or 0):,} bytes'
            f"{' · deleted' if f['state'] == 'deleted' else ''}</span></div>"
            for f in extras["files"].get(ts, [])
        )
        replies = ""
        if thread:
            changed = sum(
                1
                for r in thread
                if r.get("_removed") or self.marks.messages.get((cid, str(r["ts"])))
            )
            note = f' <span class="badge changed">{changed} changed</span>' if changed else ""
            inner = "".join(self.message(cid, r, extras, []) for r in thread)
            replies = (
                f'<details class="thread" data-thread="{esc(ts)}"><summary>{len(thread)}'
                f" {'reply' if len(thread) == 1 else 'replies'}{note}</summary>{inner}</details>"
            )
        initial = esc(name[:1].upper() or "?")
        change = f' data-change="{state}"' if state else ""
        return (
            f'<div class="msg {state}" id="m-{esc(cid)}-{esc(ts)}" data-ts="{esc(ts)}"{change}>'
            f'<div class="avatar">{initial}</div><div><span class="who">{esc(name)}</span>'
            f'<span class="ts">{esc(_clock(ts))}</span>{badge}{edited}{pin}{was}'
            f'<div class="text">{content}</div>{files}{chips}{replies}</div></div>'
        )

    def _chips(self, cid: str, ts: str, present: list[tuple[str, list[str]]]) -> str:
        chips = []
        for name, users in present:
            states = {self.marks.reactions.get((cid, ts, name, u)) for u in users}
            state = "added" if "added" in states else ""
            who = ", ".join(self.who(u, None) for u in users)
            chips.append(
                f'<span class="chip {state}" title="{esc(who)}" data-reaction="{esc(name)}"'
                f"{f' data-change={chr(34)}{state}{chr(34)}' if state else ''}>"
                f"{emoji(name)} {len(users)}</span>"
            )
        for name, user in self.marks.removed_reactions.get((cid, ts), []):
            chips.append(
                f'<span class="chip removed" data-reaction="{esc(name)}" data-change="removed"'
                f' title="{esc(self.who(user, None))}">{emoji(name)} removed</span>'
            )
        return f'<div class="chips">{"".join(chips)}</div>' if chips else ""

    def content(self, row: Mapping[str, Any]) -> str:
        """The message body: its blocks when it has them, else its mrkdwn text."""
        blocks = row.get("blocks")
        out = blocks_html(blocks, self) if isinstance(blocks, list) and blocks else ""
        if not out:
            out = mrkdwn(str(row.get("text") or ""), self)
        for a in row.get("attachments") or []:
            if isinstance(a, dict):
                parts = [a.get("pretext"), a.get("title"), a.get("text") or a.get("fallback")]
                shown = "<br>".join(mrkdwn(str(p), self) for p in parts if p)
                out += f"<blockquote>{shown}</blockquote>"
        return out


def _clock(ts: str) -> str:
    """A message's ts as the time it reads (UTC)."""
    try:
        return time.strftime("%Y-%m-%d %H:%M", time.gmtime(float(ts)))
    except ValueError:
        return ts


def emoji(name: str) -> str:
    return EMOJI.get(name.split("::")[0]) or esc(f":{name}:")


# --- mrkdwn and blocks ---------------------------------------------------------------

_SPECIAL = re.compile(
    r"<([@#!])([^<>|\s]+)(?:\|([^<>]*))?>|<((?:https?|mailto):[^<>|\s]+)(?:\|([^<>]*))?>"
)
_STYLE = [
    (re.compile(r"```(.+?)```", re.S), r"<pre>\1</pre>"),
    (re.compile(r"`([^`\n]+)`"), r"<code>\1</code>"),
    (re.compile(r"(?<![\w*])\*([^*\n]+)\*(?![\w*])"), r"<b>\1</b>"),
    (re.compile(r"(?<![\w_])_([^_\n]+)_(?![\w_])"), r"<i>\1</i>"),
    (re.compile(r"(?<![\w~])~([^~\n]+)~(?![\w~])"), r"<s>\1</s>"),
    (re.compile(r":([a-z0-9_+\-]+):"), None),
]


def mrkdwn(text: str, ctx: _Context | None = None) -> str:
    """Slack's mrkdwn as HTML; the text is escaped first, so what it says is never markup.

    ``<@U…>``, ``<#C…|name>``, ``<!here>`` and ``<https://…|label>`` become mentions
    and links (http, https and mailto only); any other ``<…>`` stays as written.
    """
    out, last = [], 0
    for m in _SPECIAL.finditer(text):
        out.append(_styled(text[last : m.start()]))
        last = m.end()
        sigil, ref, label, url, url_label = m.groups()
        if url:
            out.append(
                f'<a href="{esc(url)}" rel="noopener noreferrer">{_styled(url_label or url)}</a>'
            )
        elif sigil == "@":
            user = ctx.users.get(ref) if ctx else None
            out.append(
                f'<span class="mention">@{esc(label or (user or {}).get("name") or ref)}</span>'
            )
        elif sigil == "#":
            channel = ctx.channels.get(ref) if ctx else None
            out.append(
                f'<span class="mention">#{esc(label or (channel or {}).get("name") or ref)}</span>'
            )
        else:
            out.append(f'<span class="mention">@{esc(label or ref)}</span>')
    out.append(_styled(text[last:]))
    return "".join(out).replace("\n", "<br>")


def _styled(text: str) -> str:
    html_text = esc(text)
    for pattern, repl in _STYLE:
        if repl is None:
            html_text = pattern.sub(lambda m: EMOJI.get(m.group(1), m.group(0)), html_text)
        else:
            html_text = pattern.sub(repl, html_text)
    return html_text


def _mention(sigil: str, name: object) -> str:
    return f'<span class="mention">{sigil}{esc(name)}</span>'


def _link(url: str, label: object) -> str:
    """A link the agent wrote, if it is http(s) or mailto (never ``javascript:``)."""
    if not url.startswith(("http://", "https://", "mailto:")):
        return esc(label)
    return f'<a href="{esc(url)}" rel="noopener noreferrer">{esc(label)}</a>'


def _text_obj(obj: Any, ctx: _Context) -> str:
    if not isinstance(obj, dict):
        return ""
    text = str(obj.get("text") or "")
    return mrkdwn(text, ctx) if obj.get("type") == "mrkdwn" else esc(text)


def _rich(elements: Any, ctx: _Context) -> str:
    out = []
    for el in elements if isinstance(elements, list) else []:
        if not isinstance(el, dict):
            continue
        kind = el.get("type")
        if kind == "text":
            text = esc(el.get("text") or "")
            style = el.get("style") or {}
            for key, tag in (("bold", "b"), ("italic", "i"), ("strike", "s"), ("code", "code")):
                if style.get(key):
                    text = f"<{tag}>{text}</{tag}>"
            out.append(text)
        elif kind == "user":
            user = ctx.users.get(el.get("user_id") or "")
            out.append(_mention("@", (user or {}).get("name") or el.get("user_id")))
        elif kind == "channel":
            ch = ctx.channels.get(el.get("channel_id") or "")
            out.append(_mention("#", (ch or {}).get("name") or el.get("channel_id")))
        elif kind == "link":
            url = str(el.get("url") or "")
            out.append(_link(url, el.get("text") or url))
        elif kind == "emoji":
            out.append(emoji(str(el.get("name") or "")))
        elif kind in ("rich_text_section", "rich_text_quote", "rich_text_preformatted"):
            inner = _rich(el.get("elements"), ctx)
            tag = {"rich_text_quote": "blockquote", "rich_text_preformatted": "pre"}.get(
                kind, "span"
            )
            out.append(f"<{tag}>{inner}</{tag}>")
        elif kind == "rich_text_list":
            tag = "ol" if el.get("style") == "ordered" else "ul"
            items = "".join(f"<li>{_rich([i], ctx)}</li>" for i in el.get("elements") or [])
            out.append(f"<{tag}>{items}</{tag}>")
    return "".join(out).replace("\n", "<br>")


def blocks_html(blocks: list[Any], ctx: _Context) -> str:
    """The common Block Kit blocks, as Slack lays them out (others: their type, named)."""
    out = []
    for block in blocks:
        if not isinstance(block, dict):
            continue
        kind = block.get("type")
        if kind == "section":
            fields = "".join(f"<div>{_text_obj(f, ctx)}</div>" for f in block.get("fields") or [])
            out.append(f"<div>{_text_obj(block.get('text'), ctx)}{fields}</div>")
        elif kind == "header":
            out.append(f'<div class="block-header">{_text_obj(block.get("text"), ctx)}</div>')
        elif kind == "context":
            parts = [
                _text_obj(e, ctx) if e.get("type") != "image" else esc(e.get("alt_text"))
                for e in block.get("elements") or []
                if isinstance(e, dict)
            ]
            out.append(f'<div class="block-context">{" · ".join(parts)}</div>')
        elif kind == "divider":
            out.append("<hr>")
        elif kind == "rich_text":
            out.append(f"<div>{_rich(block.get('elements'), ctx)}</div>")
        elif kind == "image":
            out.append(
                f'<div class="meta">🖼 {esc(block.get("alt_text") or block.get("title"))}</div>'
            )
        elif kind == "actions":
            labels = [
                _text_obj(e.get("text"), ctx)
                for e in block.get("elements") or []
                if isinstance(e, dict)
            ]
            chips = "".join(f'<span class="chip">{x}</span>' for x in labels)
            out.append(f'<div class="chips">{chips}</div>')
        else:
            out.append(f'<div class="meta">[{esc(kind)} block]</div>')
    return "".join(out)


RENDERER = SlackRenderer()
