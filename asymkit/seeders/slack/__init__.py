"""The Slack seeder: workspace, users, channels and messages, through the clone's REST API."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ... import cassette as cs
from ...drive import DriveReport
from ...target import Target
from . import dataset, drive, generate

if TYPE_CHECKING:
    from ...seed import AISeed


class SlackSeeder:
    """Plans Slack generation requests, parses Slack datasets and drives them into a clone."""

    def request(self, template: str, asked: AISeed) -> cs.Request:
        return generate.request_for(
            template,
            brief=asked.brief,
            volume=asked.volume,
            users=asked.users,
            channels=asked.channels,
            messages=asked.messages,
        )

    def generate(self, request: cs.Request, *, client: Any) -> cs.Cassette:
        return generate.generate(request, client=client)

    def parse(self, data: Any) -> dataset.Dataset:
        return dataset.from_json(data)

    def drive(
        self, data: Any, target: Target, *, progress: Callable[[int], None] | None
    ) -> DriveReport:
        return drive.drive(data, target, progress=progress)


SEEDER = SlackSeeder()
