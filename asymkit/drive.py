"""Dataset -> REST calls against the clone -> report.

Every record goes through the clone's real endpoints: sign-up, workspace
create/join, ``conversations.*`` and ``chat.postMessage``. It is best effort:
a rejected record is counted with a warning, records that depend on it are
skipped and counted too, and the seed goes on.

Order is kept where it decides ids (users, then channels, one at a time) or
time order (messages within a channel); channels' messages are posted
concurrently, a few channels at once.
"""

from __future__ import annotations

import contextlib
import secrets
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import attrs
import httpx

from . import dataset as ds
from .errors import CloneNotRunning
from .http import client as _shared_client

MAX_WARNINGS = 5
KINDS = ("users", "channels", "messages")


@attrs.frozen
class DriveReport:
    written: dict[str, int]
    rejected: dict[str, int]
    warnings: tuple[str, ...]  # every warning; show at most MAX_WARNINGS

    @property
    def total_written(self) -> int:
        return sum(self.written.values())

    @property
    def total_rejected(self) -> int:
        return sum(self.rejected.values())


class _Tally:
    def __init__(self) -> None:
        self.written: Counter[str] = Counter()
        self.rejected: Counter[str] = Counter()
        self.warnings: list[str] = []

    def ok(self, kind: str) -> None:
        self.written[kind] += 1

    def reject(self, kind: str, warning: str) -> None:
        self.rejected[kind] += 1
        self.warnings.append(warning)

    def report(self) -> DriveReport:
        return DriveReport(
            {k: self.written[k] for k in KINDS},
            {k: self.rejected[k] for k in KINDS},
            tuple(self.warnings),
        )


class _Api:
    """Thin calls: REST endpoints and the Slack envelope, errors as short strings."""

    def __init__(self, http: httpx.Client, base: str, api: str) -> None:
        self.http, self.base, self.api = http, base, api

    def rest(self, path: str, body: dict[str, Any], token: str | None = None) -> Any:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        r = self._send("POST", self.base + path, json=body, headers=headers)
        data = r.json()
        if r.status_code >= 300:
            raise _Rejected(f"{r.status_code} {data.get('error', 'error')}")
        return data

    def slack(self, method: str, token: str, **params: Any) -> Any:
        r = self._send(
            "POST", self.api + method, json=params, headers={"Authorization": f"Bearer {token}"}
        )
        data = r.json()
        if not data.get("ok"):
            raise _Rejected(str(data.get("error", r.status_code)))
        return data

    def get(self, path: str) -> Any:
        return self._send("GET", self.base + path).json()

    def _send(self, method: str, url: str, **kw: Any) -> httpx.Response:
        try:
            return self.http.request(method, url, **kw)
        except httpx.TransportError as exc:
            raise CloneNotRunning(
                f"The clone at {self.base} stopped answering ({type(exc).__name__});"
                " check `asymkit status` and `asymkit logs`."
            ) from exc


class _Rejected(Exception):
    pass


def drive(
    data: ds.Dataset,
    *,
    base_url: str,
    api_url: str,
    http: httpx.Client | None = None,
    workers: int = 4,
    progress: Callable[[int], None] | None = None,
) -> DriveReport:
    """Create ``data`` in the clone at ``base_url`` through its REST API."""
    client = http or _shared_client()
    return _Driver(_Api(client, base_url, api_url), data, progress).run(workers)


class _Driver:
    def __init__(self, api: _Api, data: ds.Dataset, progress: Callable[[int], None] | None) -> None:
        self.api, self.data, self.tally = api, data, _Tally()
        self.progress = progress or (lambda n: None)
        self.tokens: dict[str, str] = {}  # handle -> user token
        self.user_ids: dict[str, str] = {}  # handle -> U…
        self.channel_ids: dict[str, str] = {}  # name -> C…

    def run(self, workers: int) -> DriveReport:
        self._users()
        self._channels()
        self._messages(workers)
        return self.tally.report()

    def _users(self) -> None:
        info = self.api.get("/clone/workspace").get("workspace")
        team_id = info["id"] if info and info.get("owner_id") else None
        ws = self.data.workspace
        for user in self.data.users:
            self.progress(1)
            if isinstance(user, ds.Invalid):
                self.tally.reject("users", f"user #{user.index}: {user.reason}")
                continue
            try:
                email = user.email or f"{user.handle}@{ws.domain}.test"
                signup = self.api.rest(
                    "/clone/signup",
                    {
                        "email": email,
                        "password": secrets.token_urlsafe(12),
                        "real_name": user.real_name,
                    },
                )
            except _Rejected as exc:
                self.tally.reject("users", f"signup {user.handle}: {exc}")
                continue
            profile = {"handle": user.handle, "title": user.title, "real_name": user.real_name}
            try:
                if team_id is None:
                    made = self.api.rest(
                        "/clone/workspaces",
                        {**profile, "name": ws.name, "domain": ws.domain},
                        signup["token"],
                    )
                    team_id = made["workspace"]["id"]
                else:
                    made = self.api.rest(
                        f"/clone/workspaces/{team_id}/join", profile, signup["token"]
                    )
            except _Rejected as exc:
                self.tally.reject("users", f"join {user.handle}: {exc}")
                continue
            self.tokens[user.handle] = made["token"]
            self.user_ids[user.handle] = made["user"]["id"]
            self.tally.ok("users")

    def _existing_channels(self) -> dict[str, str]:
        """Public channels the workspace had before this seed (``#general``, a fixture's)."""
        if not self.tokens:
            return {}
        token = next(iter(self.tokens.values()))
        found: dict[str, str] = {}
        cursor = ""
        while True:
            page = self.api.slack("conversations.list", token, limit=1000, cursor=cursor)
            found.update({c["name"]: c["id"] for c in page["channels"]})
            cursor = page["response_metadata"]["next_cursor"]
            if not cursor:
                return found

    def _channels(self) -> None:
        existing = self._existing_channels()
        for channel in self.data.channels:
            self.progress(1)
            if isinstance(channel, ds.Invalid):
                self.tally.reject("channels", f"channel #{channel.index}: {channel.reason}")
                continue
            if channel.name in self.channel_ids:
                self.tally.reject("channels", f"channel {channel.name}: duplicate in dataset")
                continue
            members = [m for m in channel.members if m in self.tokens]
            if not members:
                self.tally.reject("channels", f"channel {channel.name}: no member could sign up")
                continue
            creator = self.tokens[members[0]]
            if channel.name in existing and not channel.is_private:
                # Layered on a workspace that has it already: everybody joins that one.
                self.channel_ids[channel.name] = existing[channel.name]
                for handle in members:
                    self._try(
                        "conversations.join", self.tokens[handle], channel=existing[channel.name]
                    )
                self.tally.ok("channels")
                continue
            try:
                made = self.api.slack(
                    "conversations.create",
                    creator,
                    name=channel.name,
                    is_private=channel.is_private,
                )
            except _Rejected as exc:
                self.tally.reject("channels", f"channel {channel.name}: {exc}")
                continue
            channel_id = made["channel"]["id"]
            self.channel_ids[channel.name] = channel_id
            if channel.purpose:
                self._try(
                    "conversations.setPurpose", creator, channel=channel_id, purpose=channel.purpose
                )
            for handle in members[1:]:
                if channel.is_private:
                    self._try(
                        "conversations.invite",
                        creator,
                        channel=channel_id,
                        users=self.user_ids[handle],
                    )
                else:
                    self._try("conversations.join", self.tokens[handle], channel=channel_id)
            self.tally.ok("channels")

    def _try(self, method: str, token: str, **params: Any) -> None:
        """Membership and purpose belong to the channel: a refusal surfaces later, as
        ``not_in_channel`` on that member's messages."""
        with contextlib.suppress(_Rejected):
            self.api.slack(method, token, **params)

    def _messages(self, workers: int) -> None:
        by_channel: dict[str, list[int]] = {}
        for i, msg in enumerate(self.data.messages):
            if isinstance(msg, ds.Invalid):
                self.progress(1)
                self.tally.reject("messages", f"message #{i}: {msg.reason}")
            else:
                by_channel.setdefault(msg.channel, []).append(i)
        with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
            list(pool.map(self._post_channel, by_channel.values()))

    def _post_channel(self, indexes: list[int]) -> None:
        posted: dict[int, str] = {}  # message index -> ts
        for i in indexes:
            self.progress(1)
            msg = self.data.messages[i]
            assert isinstance(msg, ds.Message)
            why = self._unpostable(i, msg, posted)
            if why:
                self.tally.reject("messages", f"message #{i} in {msg.channel}: {why}")
                continue
            params: dict[str, Any] = {"channel": self.channel_ids[msg.channel], "text": msg.text}
            if msg.reply_to is not None:
                params["thread_ts"] = posted[msg.reply_to]
            try:
                posted[i] = self.api.slack("chat.postMessage", self.tokens[msg.author], **params)[
                    "ts"
                ]
            except _Rejected as exc:
                self.tally.reject("messages", f"message #{i} in {msg.channel}: {exc}")
                continue
            self.tally.ok("messages")

    def _unpostable(self, i: int, msg: ds.Message, posted: dict[int, str]) -> str | None:
        if msg.channel not in self.channel_ids:
            return "unknown channel"
        if msg.author not in self.tokens:
            return f"unknown author {msg.author}"
        if msg.reply_to is not None and msg.reply_to not in posted:
            if not 0 <= msg.reply_to < i:
                return f"reply_to {msg.reply_to} is not an earlier message"
            return f"parent #{msg.reply_to} was not posted"
        return None
