"""Slack's REST plan: a dataset becomes sign-ups, workspace joins, channels and posts.

Every record goes through the clone's real endpoints: sign-up, workspace
create/join, ``conversations.*`` and ``chat.postMessage``. Order is kept where
it decides ids (users, then channels, one at a time) or time order (messages
within a channel); channels' messages are posted concurrently, a few channels
at once. Records that depend on a rejected one are skipped and counted.
"""

from __future__ import annotations

import contextlib
import secrets
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from ...drive import DriveReport, Rejected, RestApi, Tally
from ...http import client as shared_client
from ...target import Target
from . import dataset as ds

KINDS = ("users", "channels", "messages", "reactions", "dms")


def drive(
    data: ds.Dataset,
    target: Target,
    *,
    workers: int = 4,
    progress: Callable[[int], None] | None = None,
) -> DriveReport:
    """Create ``data`` in the clone at ``target`` through its REST API."""
    api = RestApi(shared_client(), target.url, target.api_url, target.admin_secret)
    return _Driver(api, data, progress).run(workers)


class _Driver:
    def __init__(
        self, api: RestApi, data: ds.Dataset, progress: Callable[[int], None] | None
    ) -> None:
        self.api, self.data, self.tally = api, data, Tally(KINDS)
        self.progress = progress or (lambda n: None)
        self.tokens: dict[str, str] = {}  # handle -> user token
        self.user_ids: dict[str, str] = {}  # handle -> U…
        self.channel_ids: dict[str, str] = {}  # name -> C…

    def run(self, workers: int) -> DriveReport:
        self._users()
        self._channels()
        self._messages(workers)
        self._dms()
        report = self.tally.report()
        # Optional kinds appear in the report only when the dataset has them.
        optional = ("reactions", "dms")
        unused = [k for k in optional if not report.written[k] and not report.rejected[k]]
        return DriveReport(
            {k: v for k, v in report.written.items() if k not in unused},
            {k: v for k, v in report.rejected.items() if k not in unused},
            report.warnings,
        )

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
            except Rejected as exc:
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
            except Rejected as exc:
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
            page = self.api.call("conversations.list", token, limit=1000, cursor=cursor)
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
                made = self.api.call(
                    "conversations.create",
                    creator,
                    name=channel.name,
                    is_private=channel.is_private,
                )
            except Rejected as exc:
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
        with contextlib.suppress(Rejected):
            self.api.call(method, token, **params)

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
                posted[i] = self.api.call("chat.postMessage", self.tokens[msg.author], **params)[
                    "ts"
                ]
            except Rejected as exc:
                self.tally.reject("messages", f"message #{i} in {msg.channel}: {exc}")
                continue
            self.tally.ok("messages")
            self._react(i, msg, posted[i])

    def _react(self, i: int, msg: ds.Message, ts: str) -> None:
        for reaction in msg.reactions:
            for handle in reaction.users:
                self.progress(1)
                what = f"reaction :{reaction.name}: by {handle} on message #{i}"
                if handle not in self.tokens:
                    self.tally.reject("reactions", f"{what}: unknown user")
                    continue
                try:
                    self.api.call(
                        "reactions.add",
                        self.tokens[handle],
                        channel=self.channel_ids[msg.channel],
                        timestamp=ts,
                        name=reaction.name,
                    )
                except Rejected as exc:
                    self.tally.reject("reactions", f"{what}: {exc}")
                    continue
                self.tally.ok("reactions")

    def _dms(self) -> None:
        """Direct conversations: opened by their first member, then each message in order."""
        for n, dm in enumerate(self.data.dms):
            self.progress(1)
            if isinstance(dm, ds.Invalid):
                self.tally.reject("dms", f"dm #{n}: {dm.reason}")
                continue
            unknown = [h for h in dm.members if h not in self.tokens]
            if unknown or len(dm.members) < 2:
                why = f"unknown member {unknown[0]}" if unknown else "needs two members"
                self.tally.reject("dms", f"dm #{n}: {why}")
                continue
            others = ",".join(self.user_ids[h] for h in dm.members[1:])
            try:
                opened = self.api.call(
                    "conversations.open", self.tokens[dm.members[0]], users=others
                )
            except Rejected as exc:
                self.tally.reject("dms", f"dm #{n}: {exc}")
                continue
            self.tally.ok("dms")
            for message in dm.messages:
                if message.author not in dm.members:
                    self.tally.reject("messages", f"dm #{n}: {message.author} is not a member")
                    continue
                try:
                    self.api.call(
                        "chat.postMessage",
                        self.tokens[message.author],
                        channel=opened["channel"]["id"],
                        text=message.text,
                    )
                except Rejected as exc:
                    self.tally.reject("messages", f"dm #{n}: {exc}")
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
