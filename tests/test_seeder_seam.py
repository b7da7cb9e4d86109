"""A second template's AI seeding is a new folder: the to-do test template brings its own
seeder (tests/templates/todo/todo_seeder.py), and asymkit packs, replays and resets it
through the same code path as Slack's."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

import asymkit
from asymkit import cassette as cs
from asymkit import manifest, packing, seeders

DATASET = {
    "lists": [
        {"title": "groceries", "items": ["oat milk", "coffee beans", "lemons"]},
        {"title": "garden", "items": ["prune the roses", ""]},  # "" breaks the CHECK: rejected
        {"title": "groceries", "items": ["dup"]},  # a duplicate title: 409, rejected
    ]
}


@pytest.fixture
def todo_cassette(tmp_path: Path) -> Path:
    """DATASET packed as ``asymkit cassette pack --template todo`` packs it."""
    path = tmp_path / "todo.msgpack"
    packing.pack(DATASET, path, template="todo")
    return path


def lists(clone: asymkit.Clone) -> dict[str, list[dict[str, object]]]:
    data: dict[str, list[dict[str, object]]] = httpx.get(clone.url + "/lists").json()["lists"]
    return data


def test_the_manifest_names_the_templates_own_seeder() -> None:
    seeder = seeders.for_template(manifest.find("todo"))
    assert type(seeder).__name__ == "TodoSeeder"
    assert type(seeders.for_template(manifest.find("slack"))).__name__ == "SlackSeeder"


def test_a_packed_todo_dataset_is_read_back_by_the_todo_seeder(todo_cassette: Path) -> None:
    cassette = cs.load(todo_cassette)
    assert cassette.request.template == "todo"
    assert type(cassette.dataset).__name__ == "TodoDataset"
    assert cassette.dataset.to_json() == DATASET


def test_a_todo_cassette_replays_through_the_todo_api(todo_cassette: Path) -> None:
    with asymkit.spin("todo") as clone:
        report = clone.seed(ai=asymkit.AISeed(cassette=todo_cassette, record_mode="none"))
        assert report.ai is not None
        assert (report.ai.written, report.ai.rejected) == (6, 2)  # 2 lists + 4 items
        assert any("409" in w for w in report.warnings)
        assert lists(clone) == {
            "groceries": [
                {"text": t, "done": False} for t in ("oat milk", "coffee beans", "lemons")
            ],
            "garden": [{"text": "prune the roses", "done": False}],
        }


@pytest.mark.parametrize("strategy", ["auto", "rebuild"])
def test_reset_restores_the_todo_seed(todo_cassette: Path, strategy: str) -> None:
    """Snapshot restore copes with IDENTITY and GENERATED columns; rebuild replays the
    cassette through the to-do seeder."""
    with asymkit.spin("todo", seed="chores") as clone:
        clone.seed(ai=asymkit.AISeed(cassette=todo_cassette, record_mode="none"))
        seeded = lists(clone)
        httpx.post(clone.url + "/lists", json={"title": "added by the agent"})
        assert "added by the agent" in lists(clone)
        report = clone.reset(strategy=strategy)
        assert report.strategy == ("snapshot" if strategy == "auto" else "rebuild")
        assert lists(clone) == seeded
        httpx.post(clone.url + "/lists", json={"title": "after reset"}).raise_for_status()
