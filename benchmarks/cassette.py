"""Cassette loading: format 2 vs format 1, the cost of the bounds, hostile input memory.

No Postgres needed. Compares asymkit's checked load (bounded msgpack, digest,
validated records) with a naive ``msgpack.unpackb`` of the same file, and the
peak memory of both on a small hostile file (many one-byte empty lists).
"""

from __future__ import annotations

import argparse
import struct
import subprocess
import sys
import tempfile
from pathlib import Path

import msgpack
from _bench import summary, synth_cassette, table, timings, write

from asymkit import cassette as cs

PEAK = """
import sys
def peak():
    with open("/proc/self/status") as fh:
        return int(next(l for l in fh if l.startswith("VmHWM:")).split()[1]) * 1024
import msgpack
from asymkit import cassette as cs
from asymkit.errors import CassetteInvalid
from pathlib import Path
before = peak()
try:
    if sys.argv[1] == "naive":
        msgpack.unpackb(Path(sys.argv[2]).read_bytes())
    else:
        cs.load(Path(sys.argv[2]))
except (ValueError, CassetteInvalid):
    pass
print(peak() - before)
"""


def as_v1(cassette: cs.Cassette, path: Path) -> Path:
    """The same cassette in format 1 (the dataset as a map, digest of its JSON form)."""
    data = {
        "format": cs.FORMAT,
        "version": 1,
        "request": cassette.request.to_json(),
        "request_fingerprint": cassette.request.fingerprint(),
        "provenance": cassette.provenance.to_json(),
        "dataset": cassette.dataset.to_json(),
        "dataset_digest": cs._v1_digest(cassette.dataset),
        "replay_fingerprint": None,
    }
    path.write_bytes(msgpack.packb(data, use_bin_type=True))
    return path


def naive_load(raw: bytes) -> object:
    """Decode both layers with no limits, no digest, no validation."""
    return msgpack.unpackb(msgpack.unpackb(raw)["dataset"])


def hostile(path: Path, size: int) -> Path:
    inner = b"\xdc" + struct.pack(">H", 39) + b"\x90" * 39
    count = size // len(inner)
    path.write_bytes(b"\xdd" + struct.pack(">I", count) + inner * count)
    return path


def peak_growth(how: str, path: Path) -> int:
    done = subprocess.run(
        [sys.executable, "-c", PEAK, how, str(path)], capture_output=True, text=True, check=True
    )
    return int(done.stdout)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="fewer repeats")
    repeat = 5 if parser.parse_args().quick else 20
    rows, results = [], {}
    with tempfile.TemporaryDirectory(prefix="asymkit-bench-") as tmp:
        root = Path(tmp)
        for messages in (1_000, 10_000):
            v2 = synth_cassette(messages, root / f"s{messages}.msgpack")
            v1 = as_v1(cs.load(v2), root / f"s{messages}-v1.msgpack")
            raw = v2.read_bytes()
            measured = {
                "load_v2": summary(timings(lambda p=v2: cs.load(p), repeat)),
                "load_v1": summary(timings(lambda p=v1: cs.load(p), repeat)),
                "naive_unpackb": summary(timings(lambda r=raw: naive_load(r), repeat)),
            }
            results[f"{messages}_messages"] = {**measured, "bytes_v2": len(raw)}
            for name, label in (
                ("load_v2", "checked load, format 2"),
                ("load_v1", "checked load, format 1"),
                ("naive_unpackb", "naive: msgpack.unpackb, no checks"),
            ):
                rows.append(
                    (f"{messages:,} messages: {label}", f"{measured[name]['median_ms']} ms")
                )
        bad = hostile(root / "hostile.msgpack", 4 * 1024 * 1024)
        naive, bounded = peak_growth("naive", bad), peak_growth("asymkit", bad)
        results["hostile_4mb_peak_growth_bytes"] = {"naive": naive, "asymkit": bounded}
        rows.append(
            ("4 MB of empty lists: naive unpackb peak RSS growth", f"{naive / 2**20:.0f} MiB")
        )
        rows.append(
            ("4 MB of empty lists: asymkit load peak RSS growth", f"{bounded / 2**20:.0f} MiB")
        )
    table(["measure", "value"], rows)
    write("cassette", results)


if __name__ == "__main__":
    main()
