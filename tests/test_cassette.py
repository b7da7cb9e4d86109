"""Cassette format v2: the digest pins the stored bytes; v1 keeps loading, replays, upgrades."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import stat
from pathlib import Path
from typing import Any

import attrs
import msgpack
import pytest

import asymkit
from asymkit import atomic, postgres
from asymkit import cassette as cs
from asymkit import fingerprint as fp
from asymkit.cli import main
from asymkit.seed import AILayer

ROOT = Path(__file__).parent.parent
V1 = Path(__file__).parent / "cassettes_v1" / "startup-small-v1.msgpack"
SOURCE = ROOT / "cassettes" / "src" / "startup-small.json"


def raw(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = msgpack.unpackb(path.read_bytes())
    return data


def state(clone: Any) -> str:
    return fp.fingerprint(postgres.server(), clone.database, clone.template)


@pytest.fixture
def v1_copy(tmp_path: Path) -> Path:
    path = tmp_path / "v1.msgpack"
    shutil.copyfile(V1, path)
    return path


@pytest.fixture
def packed(tmp_path: Path) -> Path:
    """startup-small packed by this asymkit from its hand-written source."""
    path = tmp_path / "packed.msgpack"
    assert main(["cassette", "pack", str(SOURCE), "-o", str(path), "--volume", "small"]) == 0
    return path


def test_the_committed_v1_copy_really_is_format_1() -> None:
    data = raw(V1)
    assert data["version"] == 1 and isinstance(data["dataset"], dict)


def test_new_cassettes_store_the_dataset_as_bytes_pinned_by_their_sha256(packed: Path) -> None:
    data = raw(packed)
    assert data["format"] == "asymkit-cassette" and data["version"] == 2
    assert isinstance(data["dataset"], bytes)
    assert data["dataset_digest"] == "sha256:" + hashlib.sha256(data["dataset"]).hexdigest()
    assert "upgraded_from" not in data


def test_a_v1_cassette_loads_with_the_dataset_v2_gives(packed: Path) -> None:
    old, new = cs.load(V1), cs.load(packed)
    assert old.version == 1 and new.version == 2
    assert old.dataset == new.dataset
    assert old.dataset.counts() == {"users": 4, "channels": 3, "messages": 12}


def test_a_v1_cassette_replays_to_its_recorded_state() -> None:
    with asymkit.spin("slack") as clone:
        report = clone.seed(ai=asymkit.AISeed(cassette=V1, record_mode="none"))
    assert report.ai is not None
    assert (report.ai.written, report.ai.rejected, report.ai.verified) == (19, 0, True)


def test_upgrade_rewrites_v1_as_v2_and_keeps_what_it_replays(v1_copy: Path) -> None:
    before = cs.load(v1_copy)
    assert cs.upgrade(v1_copy) is True
    data = raw(v1_copy)
    assert data["version"] == 2 and isinstance(data["dataset"], bytes)
    assert data["upgraded_from"] == {"version": 1, "dataset_digest": raw(V1)["dataset_digest"]}
    after = cs.load(v1_copy)
    assert after == before  # request, provenance, dataset and replay fingerprint
    assert after.replay_fingerprint == raw(V1)["replay_fingerprint"]


def test_upgrade_of_a_v2_cassette_changes_nothing(packed: Path) -> None:
    stored = packed.read_bytes()
    assert cs.upgrade(packed) is False
    assert packed.read_bytes() == stored


def test_cli_upgrade_says_what_it_did(
    v1_copy: Path, packed: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["cassette", "upgrade", str(v1_copy), str(packed)]) == 0
    assert capsys.readouterr().out.splitlines() == [
        f"✓ upgraded {v1_copy} to format 2",
        f"  {packed} is current",
    ]


def test_show_points_a_v1_cassette_at_upgrade(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["cassette", "show", str(V1)]) == 0
    assert "(format 1, `asymkit cassette upgrade` rewrites it)" in capsys.readouterr().out


def test_reset_still_restores_a_layer_seeded_before_its_cassette_was_upgraded(
    v1_copy: Path,
) -> None:
    with asymkit.spin("slack") as clone:
        clone.seed(ai=asymkit.AISeed(cassette=v1_copy, record_mode="none"))
        seeded = state(clone)
        assert cs.upgrade(v1_copy) is True
        clone.reset()
        assert state(clone) == seeded


def test_fields_a_newer_asymkit_adds_to_records_keep_the_cassette_valid(
    packed: Path, tmp_path: Path
) -> None:
    """The digest covers the stored bytes, so unknown optional fields never break it."""
    data = raw(packed)
    dataset = msgpack.unpackb(data["dataset"])
    for message in dataset["messages"]:
        message["mood"] = ["upbeat"]  # a field this asymkit does not know
    blob = msgpack.packb(dataset)
    newer = tmp_path / "newer.msgpack"
    digest = "sha256:" + hashlib.sha256(blob).hexdigest()
    newer.write_bytes(msgpack.packb({**data, "dataset": blob, "dataset_digest": digest}))
    loaded = cs.load(newer)
    assert loaded.dataset == cs.load(packed).dataset and loaded.digest == digest
    attrs.evolve(loaded, replay_fingerprint="sha256:x").save(newer)
    assert raw(newer)["dataset"] == blob  # saved again as stored, fields kept


def test_a_changed_byte_in_the_dataset_blob_is_damage(packed: Path, tmp_path: Path) -> None:
    data = raw(packed)
    blob = data["dataset"].replace(b"Welcome", b"Welcone")
    damaged = tmp_path / "damaged.msgpack"
    damaged.write_bytes(msgpack.packb({**data, "dataset": blob}))
    with pytest.raises(asymkit.CassetteInvalid, match="does not match its digest"):
        cs.load(damaged)


def test_export_output_packs_back_into_the_same_dataset(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["cassette", "export", str(V1)]) == 0
    exported = tmp_path / "exported.json"
    exported.write_text(capsys.readouterr().out)
    again = tmp_path / "again.msgpack"
    assert main(["cassette", "pack", str(exported), "-o", str(again)]) == 0
    assert cs.load(again).dataset == cs.load(V1).dataset


def test_export_shows_the_decoded_dataset_and_the_stored_digest(
    packed: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["cassette", "export", str(packed)]) == 0
    exported = json.loads(capsys.readouterr().out)
    assert exported["version"] == 2 and exported["dataset"]["workspace"]["name"] == "Lumen Labs"
    assert exported["dataset_digest"] == raw(packed)["dataset_digest"]


def test_a_saved_cassette_gets_the_usual_file_mode_and_leaves_no_temp_file(
    tmp_path: Path,
) -> None:
    umask = os.umask(0o022)
    try:
        path = tmp_path / "deep" / "c.msgpack"
        cs.load(V1).save(path)
    finally:
        os.umask(umask)
    assert stat.S_IMODE(path.stat().st_mode) == 0o644
    assert sorted(p.name for p in path.parent.iterdir()) == ["c.msgpack"]


def test_a_write_that_fails_midway_keeps_the_old_file_and_no_temp_file(packed: Path) -> None:
    before = packed.read_bytes()
    with pytest.raises(TypeError):
        atomic.write_bytes(packed, "text is not bytes")  # type: ignore[arg-type]
    assert packed.read_bytes() == before
    assert [p.name for p in packed.parent.iterdir() if p.name.endswith(".tmp")] == []


@pytest.mark.parametrize(
    "target",
    [
        pytest.param("", id="a-directory"),
        pytest.param("no-such-dir-file/x.msgpack", id="under-a-file"),
    ],
)
def test_packing_to_a_path_that_cannot_hold_a_file_is_one_line(
    target: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "no-such-dir-file").write_text("a file, not a directory")
    out = tmp_path / target if target else tmp_path
    assert main(["cassette", "pack", str(SOURCE), "-o", str(out)]) == 1
    err = capsys.readouterr().err
    assert err.endswith("[INVALID_ARGUMENT]\n") and err.count("\n") == 1
    assert f"Cannot write the cassette to {out}" in err


def test_seeding_a_dataset_the_clone_already_holds_is_refused(packed: Path) -> None:
    cassette = cs.load(packed)
    spec = asymkit.SeedSpec(
        fixture="acme-corp", ai=(AILayer("/elsewhere/a.msgpack", cassette.digest),)
    )
    with pytest.raises(asymkit.InvalidArgument) as caught:
        spec.check_new_layer(cassette, packed)
    assert str(caught.value) == (
        f"INVALID_ARGUMENT: The dataset of {packed} is already seeded on this clone (from"
        " /elsewhere/a.msgpack); reset first or use another cassette."
    )


def test_a_layer_recorded_from_the_v1_form_counts_as_the_same_dataset(v1_copy: Path) -> None:
    spec = asymkit.SeedSpec(ai=(AILayer(str(V1), raw(V1)["dataset_digest"]),))
    cs.upgrade(v1_copy)
    with pytest.raises(asymkit.InvalidArgument, match="already seeded"):
        spec.check_new_layer(cs.load(v1_copy), v1_copy)


def test_another_dataset_may_be_layered(packed: Path) -> None:
    other = cs.load(ROOT / "cassettes" / "support-medium.msgpack")
    spec = asymkit.SeedSpec(ai=(AILayer(str(packed), cs.load(packed).digest),))
    spec.check_new_layer(other, "support-medium.msgpack")  # no error
