"""Hostile cassette input: one CASSETTE_INVALID line, exit 1, bounded time and memory.

The memory cases run the CLI in a child process and read its peak RSS; the
non-regular files run there too, so that a hang fails the test (timeout)
instead of hanging the suite.
"""

from __future__ import annotations

import hashlib
import os
import struct
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import msgpack
import pytest

from asymkit import cassette as cs
from asymkit.cli import main

V1 = Path(__file__).parent / "cassettes_v1" / "startup-small-v1.msgpack"
SIZE = 40 * 1024 * 1024
MAX_GROWTH = 300 * 1024 * 1024

# VmHWM is the peak RSS of this program (ru_maxrss would include the forking pytest's).
CHILD = """
import sys
import psutil
from asymkit.cli import main
def peak():
    with open("/proc/self/status") as fh:
        line = next(line for line in fh if line.startswith("VmHWM:"))
    return int(line.split()[1]) * 1024
before = psutil.Process().memory_info().rss
code = main(sys.argv[1:])
print(f"growth {peak() - before}")
sys.exit(code)
"""


def run_cli(*args: str, env: dict[str, str] | None = None) -> tuple[int, str, int]:
    """Exit code, stderr and peak RSS growth (bytes) of ``asymkit ARGS`` in a child."""
    done = subprocess.run(
        [sys.executable, "-c", CHILD, *args],
        capture_output=True,
        text=True,
        timeout=120,  # a hang is a failure, not a stuck suite
        env={**os.environ, **(env or {})},
    )
    growth = int(done.stdout.split("growth ")[-1]) if "growth " in done.stdout else -1
    return done.returncode, done.stderr, growth


def assert_one_line(err: str, code: str = "CASSETTE_INVALID") -> None:
    assert err.endswith(f"[{code}]\n") and err.count("\n") == 1, err
    assert "Traceback" not in err


def v2_wrapper(blob: bytes) -> bytes:
    """A well-formed v2 cassette around ``blob``, digest and all."""
    data = msgpack.unpackb(V1.read_bytes())
    data.update(
        version=2, dataset=blob, dataset_digest="sha256:" + hashlib.sha256(blob).hexdigest()
    )
    packed: bytes = msgpack.packb(data, use_bin_type=True)
    return packed


def _many_small_containers(item: bytes) -> bytes:
    """An array of arrays of 39 one-byte containers: each under the length caps, 40M in all."""
    inner = b"\xdc" + struct.pack(">H", 39) + item * 39
    count = SIZE // len(inner)
    return b"\xdd" + struct.pack(">I", count) + inner * count


def _many_short_strings() -> bytes:
    inner = b"\xdc" + struct.pack(">H", 13) + b"\xa2ab" * 13
    count = SIZE // len(inner)
    return b"\xdd" + struct.pack(">I", count) + inner * count


HOSTILE: dict[str, Callable[[], bytes]] = {
    "declared-huge-arrays": lambda: b"\xdd\xff\xff\xff\xff" * (SIZE // 5),
    "declared-huge-maps": lambda: b"\xdf\xff\xff\xff\xff\xa1k" * (SIZE // 7),
    "declared-huge-string": lambda: b"\xdb\xff\xff\xff\xff" + b"a" * SIZE,
    "declared-huge-bin": lambda: b"\xc6\xff\xff\xff\xff" + b"a" * SIZE,
    "deep-nesting": lambda: b"\x91" * SIZE + b"\xc0",
    "forty-million-empty-lists": lambda: _many_small_containers(b"\x90"),
    "forty-million-empty-maps": lambda: _many_small_containers(b"\x80"),
    "thirteen-million-strings": _many_short_strings,
    "v2-blob-of-empty-lists": lambda: v2_wrapper(_many_small_containers(b"\x90")),
}


@pytest.mark.parametrize("kind", list(HOSTILE))
def test_a_40_mb_hostile_msgpack_is_refused_in_bounded_memory(kind: str, tmp_path: Path) -> None:
    path = tmp_path / f"{kind}.msgpack"
    path.write_bytes(HOSTILE[kind]())
    assert path.stat().st_size > 30 * 1024 * 1024
    code, err, growth = run_cli("cassette", "show", str(path))
    assert code == 1
    assert_one_line(err)
    assert 0 <= growth < MAX_GROWTH, f"peak RSS grew {growth / 2**20:.0f} MiB"


def _fifo(tmp_path: Path) -> str:
    path = tmp_path / "pipe.msgpack"
    os.mkfifo(path)
    return str(path)


@pytest.mark.parametrize(
    ("make", "says"),
    [
        pytest.param(lambda tmp: str(tmp), "is a directory, not a cassette file", id="directory"),
        pytest.param(_fifo, "is a FIFO, not a cassette file", id="fifo"),
        pytest.param(
            lambda tmp: "/dev/zero", "is a character device, not a cassette file", id="dev-zero"
        ),
    ],
)
def test_a_path_that_is_not_a_regular_file_is_refused_without_reading_it(
    make: Callable[[Path], str], says: str, tmp_path: Path
) -> None:
    path = make(tmp_path)
    code, err, _ = run_cli("cassette", "show", path)
    assert code == 1
    assert_one_line(err)
    assert f"{path} {says}" in err


def _field(data: dict[str, Any], dotted: str, value: Any) -> None:
    *parents, last = dotted.split(".")
    for key in parents:
        data = data[key]
    data[last] = value


@pytest.mark.parametrize(
    ("field", "value", "says"),
    [
        pytest.param(
            "provenance.input_tokens",
            "many",
            "provenance.input_tokens must be an integer, not str",
            id="tokens-as-text",
        ),
        pytest.param(
            "provenance.reply_ids",
            "msg_1",
            "provenance.reply_ids must be a list, not str",
            id="reply-ids-as-text",
        ),
        pytest.param(
            "provenance.source", 7, "provenance.source must be a string, not int", id="source-int"
        ),
        pytest.param("provenance", [], "provenance must be an object, not list", id="prov-list"),
        pytest.param(
            "request.users", "4", "request.users must be an integer, not str", id="users-text"
        ),
        pytest.param("request.brief", None, "request.brief must be a string", id="brief-null"),
        pytest.param(
            "replay_fingerprint",
            5,
            "replay_fingerprint must be a string, not int",
            id="fingerprint-int",
        ),
    ],
)
def test_a_field_of_the_wrong_type_is_named(
    field: str, value: Any, says: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = msgpack.unpackb(V1.read_bytes())
    _field(data, field, value)
    path = tmp_path / "typed.msgpack"
    path.write_bytes(msgpack.packb(data))
    assert main(["cassette", "show", str(path)]) == 1
    err = capsys.readouterr().err
    assert_one_line(err)
    assert says in err


def test_the_size_limit_is_configurable(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("ASYMKIT_MAX_CASSETTE_BYTES", "1000")
    assert main(["cassette", "show", str(V1)]) == 1
    err = capsys.readouterr().err
    assert_one_line(err)
    assert "over the 1000 byte limit" in err and "raise ASYMKIT_MAX_CASSETTE_BYTES" in err
    monkeypatch.setenv("ASYMKIT_MAX_CASSETTE_BYTES", str(V1.stat().st_size))
    assert main(["cassette", "show", str(V1)]) == 0


def test_the_default_size_limit_refuses_without_reading(tmp_path: Path) -> None:
    path = tmp_path / "huge.msgpack"
    with open(path, "wb") as fh:
        fh.truncate(cs.MAX_BYTES + 1)  # sparse: nothing to read, only the size to check
    code, err, growth = run_cli("cassette", "show", str(path))
    assert code == 1
    assert_one_line(err)
    assert f"over the {cs.MAX_BYTES} byte limit" in err
    assert growth < 16 * 1024 * 1024


def test_a_malformed_size_limit_is_named(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("ASYMKIT_MAX_CASSETTE_BYTES", "lots")
    assert main(["cassette", "show", str(V1)]) == 1
    err = capsys.readouterr().err
    assert_one_line(err, "INVALID_ARGUMENT")
    assert "ASYMKIT_MAX_CASSETTE_BYTES must be a positive number of bytes, not 'lots'" in err


@pytest.mark.parametrize(
    ("text", "says"),
    [
        pytest.param("[" * 20_000 + "]" * 20_000, "nested 20000 levels deep", id="lists"),
        pytest.param('{"a":' * 20_000 + "1" + "}" * 20_000, "nested 20000 levels", id="objects"),
        pytest.param(
            '{"workspace": {"name": "' + "[" * 20_000 + '"}}',
            "the dataset has no users",  # brackets inside a string are text, not nesting
            id="brackets-in-a-string",
        ),
        pytest.param("[" + "0," * 1_100_000 + "0]", "more than 1000000 values", id="wide"),
        pytest.param("\xff\xfe", "Cannot read dataset", id="not-utf8"),
    ],
)
def test_pack_refuses_hostile_json_with_one_line(
    text: str, says: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "hostile.json"
    source.write_bytes(text.encode("latin-1") if text == "\xff\xfe" else text.encode())
    out = tmp_path / "out.msgpack"
    code = main(["cassette", "pack", str(source), "-o", str(out)])
    if says == "the dataset has no users":  # legal JSON, legal shape: packs fine
        assert code == 0 and cs.load(out).dataset.workspace.name.startswith("[[[")
        return
    assert code == 1
    err = capsys.readouterr().err
    assert_one_line(err)
    assert says in err
    assert not out.exists()


def test_pack_refuses_a_fifo_without_hanging(tmp_path: Path) -> None:
    code, err, _ = run_cli("cassette", "pack", _fifo(tmp_path), "-o", str(tmp_path / "o.msgpack"))
    assert code == 1
    assert_one_line(err)
    assert "is a FIFO, not a dataset file" in err


@pytest.mark.parametrize("kind", ["fifo", "directory", "dev-zero"])
def test_seed_with_a_cassette_that_is_not_a_file_leaves_the_clone_alone(
    kind: str, acme: Any, tmp_path: Path
) -> None:
    path = {"fifo": lambda: _fifo(tmp_path), "directory": lambda: str(tmp_path)}.get(
        kind, lambda: "/dev/zero"
    )()
    before = acme.seed_spec
    code, err, _ = run_cli("seed", acme.id, "--cassette", path, "--record-mode", "none")
    assert code == 1
    assert_one_line(err)
    assert "not a cassette file" in err
    assert type(acme).get(acme.id).seed_spec == before
