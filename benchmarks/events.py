"""Events: how fast a Socket Mode app hears of a write, and what delivery costs the Web API.

1. Latency at 50 events/s: a coworker posts with ``chat.postMessage`` at a
   steady 50 per second; a slack_sdk Socket Mode client (acknowledging each
   envelope at once) notes when each message's event arrives. Latency is from
   the Web API call's return to the client receiving the event (negative when
   the event beat the HTTP response). The naive way an app without events
   would learn of messages: polling ``conversations.history`` every 100 ms.
2. Web API throughput (``chat.postMessage`` from 4 threads) with no app connected
   (events stored and queued) and with a connected Socket Mode app (in its own
   process, as a real app runs) receiving and acknowledging every event; also the
   clone app's own CPU time per call and the app process's CPU per event (both
   share this machine's cores with the clone, its Postgres and the load).
   The two setups alternate in short slices (A B, B A, A B, ...; ``--pairs`` pairs
   of ``--slice`` seconds, each after a reset and a short warm-up; the app process
   stays up and connects only for its slices) so that load swings on a shared
   machine weigh on both alike; the drop reported is the median of the pairs' drops.

    python benchmarks/events.py [--quick] [--pairs N] [--slice SECONDS]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))

from _bench import isolated_home, table, write

GENERAL = "CACME00001"
RATE = 50.0  # events per second
PAIRS = 20  # throughput slices per setup, alternated (default of --pairs)
SLICE = 3.0  # seconds each slice measures (default of --slice)


def pct(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(len(ordered) * q))]


def ms(seconds: float) -> float:
    return round(seconds * 1000, 2)


class Listener:
    """A Socket Mode client that acks at once and notes when each message's event arrived."""

    def __init__(self, clone: Any) -> None:
        from slack_sdk import WebClient
        from slack_sdk.socket_mode.builtin import SocketModeClient
        from slack_sdk.socket_mode.response import SocketModeResponse

        self.arrived: dict[str, float] = {}
        self.count = 0
        self.client = SocketModeClient(
            app_token=clone.tokens.app,
            web_client=WebClient(base_url=clone.api_url),
            auto_reconnect_enabled=False,
        )

        def on_request(c: Any, req: Any) -> None:
            now = time.perf_counter()
            c.send_socket_mode_response(SocketModeResponse(envelope_id=req.envelope_id))
            self.count += 1
            ts = req.payload.get("event", {}).get("ts")
            if ts and ts not in self.arrived:
                self.arrived[ts] = now

        self.client.socket_mode_request_listeners.append(on_request)

    def __enter__(self) -> Listener:
        self.client.connect()
        while not self.client.is_connected():
            time.sleep(0.01)
        return self

    def __exit__(self, *exc: object) -> None:
        self.client.close()


def paced_posts(web: Any, n: int) -> dict[str, float]:
    """Post ``n`` messages at RATE per second; return each message's ts -> call return time."""
    returned: dict[str, float] = {}
    start = time.perf_counter()
    for i in range(n):
        delay = start + i / RATE - time.perf_counter()
        if delay > 0:
            time.sleep(delay)
        ts = web.chat_postMessage(channel=GENERAL, text=f"latency {i}")["ts"]
        returned[ts] = time.perf_counter()
    return returned


def socket_mode_latency(clone: Any, web: Any, n: int) -> list[float]:
    with Listener(clone) as listener:
        returned = paced_posts(web, n)
        deadline = time.monotonic() + 10
        while len(set(returned) & set(listener.arrived)) < n and time.monotonic() < deadline:
            time.sleep(0.05)
    missing = set(returned) - set(listener.arrived)
    if missing:
        raise SystemExit(f"{len(missing)} of {n} events never arrived over Socket Mode")
    return [listener.arrived[ts] - returned[ts] for ts in returned]


def polling_latency(web: Any, reader: Any, n: int, interval: float = 0.1) -> list[float]:
    """The naive way: poll conversations.history every ``interval`` s for new messages."""
    seen: dict[str, float] = {}
    stop = threading.Event()

    def poll() -> None:
        oldest = str(time.time() - 1)
        while not stop.is_set():
            for message in reader.conversations_history(channel=GENERAL, oldest=oldest)["messages"]:
                seen.setdefault(message["ts"], time.perf_counter())
            stop.wait(interval)

    poller = threading.Thread(target=poll)
    poller.start()
    returned = paced_posts(web, n)
    deadline = time.monotonic() + 10
    while len(set(returned) & set(seen)) < n and time.monotonic() < deadline:
        time.sleep(0.05)
    stop.set()
    poller.join()
    return [seen[ts] - returned[ts] for ts in returned if ts in seen]


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds a process has used so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def throughput(clone: Any, token: str, seconds: float, threads: int = 4) -> tuple[float, float]:
    """chat.postMessage calls per second from ``threads`` clients for ``seconds``, and the
    clone app's CPU milliseconds per call (its own cost, whatever else the machine runs)."""
    from slack_sdk import WebClient

    done = [0] * threads
    stop = time.perf_counter() + seconds

    def worker(i: int) -> None:
        web = WebClient(token=token, base_url=clone.api_url)
        while time.perf_counter() < stop:
            web.chat_postMessage(channel=GENERAL, text=f"load {i}")
            done[i] += 1

    workers = [threading.Thread(target=worker, args=(i,)) for i in range(threads)]
    cpu = cpu_seconds(clone.record.pid)
    started = time.perf_counter()
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    elapsed = time.perf_counter() - started
    time.sleep(0.5)  # deliveries still under way belong to this run
    return sum(done) / elapsed, (cpu_seconds(clone.record.pid) - cpu) * 1000 / sum(done)


class AppProcess:
    """A Socket Mode app in its own process that connects and disconnects when told."""

    def __init__(self, clone: Any) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, __file__, "--listen", clone.id],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )

    def _say(self, line: str) -> str:
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.proc.stdin.write(line + "\n")
        self.proc.stdin.flush()
        return self.proc.stdout.readline().strip()

    def connect(self) -> None:
        assert self._say("connect") == "connected"

    def disconnect(self) -> int:
        """Close the connection; the number of events it received."""
        return int(self._say("disconnect"))

    def cpu(self) -> float:
        return cpu_seconds(self.proc.pid)

    def close(self) -> None:
        self.proc.communicate("", timeout=30)


def listen(clone_id: str) -> None:
    """``--listen ID``: on ``connect`` connect (acking everything), on ``disconnect``
    close and print the count received; end at stdin's end."""
    import asymkit

    clone = asymkit.Clone.get(clone_id)
    listener: Listener | None = None
    for line in sys.stdin:
        if line.strip() == "connect":
            listener = Listener(clone).__enter__()
            print("connected", flush=True)
        elif line.strip() == "disconnect" and listener is not None:
            time.sleep(0.5)  # the last envelopes of the slice arrive
            listener.__exit__()
            print(listener.count, flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer events, shorter load")
    parser.add_argument("--pairs", type=int, default=PAIRS, help="throughput slices (A, B)")
    parser.add_argument("--slice", type=float, default=SLICE, help="seconds per slice")
    parser.add_argument("--listen", metavar="ID", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.listen:
        return listen(args.listen)
    n = 100 if args.quick else 500
    pairs = 4 if args.quick else max(1, args.pairs)
    seconds = max(0.5, args.slice)

    from slack_sdk import WebClient

    import asymkit

    with isolated_home(), asymkit.spin("slack", seed="acme-corp") as clone:
        bot = WebClient(token=clone.tokens.bot, base_url=clone.api_url)
        bot.conversations_join(channel=GENERAL)
        coworker_token = clone.user_token("@marcus")
        coworker = WebClient(token=coworker_token, base_url=clone.api_url)
        coworker.chat_postMessage(channel=GENERAL, text="warm-up")

        events = socket_mode_latency(clone, coworker, n)
        polled = polling_latency(coworker, bot, n)
        # Alternate the two setups in short slices (each from the reset seed, the bot in
        # #general) so that a busy machine or a growing table weighs on both alike.
        runs: dict[str, list[tuple[float, float]]] = {"alone": [], "connected": []}
        received = [0]
        app_cpu: list[float] = []  # the app process's CPU ms per event it received
        app = AppProcess(clone)

        def measure(setup: str) -> None:
            clone.reset()  # an empty queue: the app gets only this slice's events
            bot.conversations_join(channel=GENERAL)
            if setup == "alone":
                throughput(clone, coworker_token, 0.3)  # warm-up after the reset, not counted
                runs["alone"].append(throughput(clone, coworker_token, seconds))
                return
            app.connect()
            before = app.cpu()  # from here on, it only receives and acks
            throughput(clone, coworker_token, 0.3)
            runs["connected"].append(throughput(clone, coworker_token, seconds))
            got = app.disconnect()
            received[0] += got
            app_cpu.append((app.cpu() - before) * 1000 / max(1, got))

        try:
            for i in range(pairs):  # A B, B A, A B, ...: neither setup always goes first
                for setup in ("alone", "connected")[:: 1 if i % 2 == 0 else -1]:
                    measure(setup)
        finally:
            app.close()
        alone = statistics.median(r[0] for r in runs["alone"])
        connected = statistics.median(r[0] for r in runs["connected"])
        cpu_alone = statistics.median(r[1] for r in runs["alone"])
        cpu_connected = statistics.median(r[1] for r in runs["connected"])
        # Each pair's own drop (A and B seconds apart), less exposed to load swings.
        drops = [
            (a[0] - c[0]) / a[0] * 100
            for a, c in zip(runs["alone"], runs["connected"], strict=True)
        ]

    latency_rows = [
        ["Socket Mode event", n, ms(statistics.median(events)), ms(pct(events, 0.95)),
         ms(max(events)), sum(1 for x in events if x < 0)],
        ["poll history / 100 ms (naive)", len(polled), ms(statistics.median(polled)),
         ms(pct(polled, 0.95)), ms(max(polled)), sum(1 for x in polled if x < 0)],
    ]  # fmt: skip
    print(f"latency, Web API return -> app receives, at {RATE:.0f} events/s")
    table(["way", "events", "p50 ms", "p95 ms", "max ms", "before return"], latency_rows)
    drop = statistics.median(drops)
    print(
        f"\nchat.postMessage throughput, 4 threads, {pairs} pairs of {seconds:g} s slices (medians)"
    )
    table(
        ["app", "calls/s", "clone CPU ms/call", "app CPU ms/event", "events received"],
        [
            ["none connected (events queued)", round(alone, 1), round(cpu_alone, 2), "-", "-"],
            [
                "Socket Mode app connected",
                round(connected, 1),
                round(cpu_connected, 2),
                round(statistics.median(app_cpu), 2),
                received[0],
            ],
        ],
    )
    quartiles = statistics.quantiles(drops, n=4) if len(drops) > 1 else drops * 3
    print(
        f"drop with an app connected: {drop:.1f}% (median of the pairs' own drops;"
        f" quartiles {quartiles[0]:.1f} / {quartiles[2]:.1f}%)"
    )
    print("each pair's drop, %: " + " ".join(f"{d:.1f}" for d in drops))
    write(
        "events",
        {
            "rate_per_s": RATE,
            "latency_ms": {
                "socket_mode": {"p50": ms(statistics.median(events)), "p95": ms(pct(events, 0.95)),
                                "max": ms(max(events)), "n": n},
                "poll_history_100ms": {"p50": ms(statistics.median(polled)),
                                       "p95": ms(pct(polled, 0.95)), "n": len(polled)},
            },
            "throughput_calls_per_s": {"no_app": round(alone, 1),
                                       "socket_mode_app": round(connected, 1),
                                       "drop_percent_median_of_pairs": round(drop, 1),
                                       "drop_percent_per_pair": [round(d, 1) for d in drops]},
            "slices_calls_per_s": {k: [round(r[0], 1) for r in v] for k, v in runs.items()},
            "slices_cpu_ms_per_call": {k: [round(r[1], 3) for r in v] for k, v in runs.items()},
            "clone_cpu_ms_per_call": {"no_app": round(cpu_alone, 3),
                                      "socket_mode_app": round(cpu_connected, 3)},
            "app_process_cpu_ms_per_event": [round(c, 3) for c in app_cpu],
            "threads": 4,
            "slice_seconds": seconds,
            "pairs": pairs,
        },
    )  # fmt: skip


if __name__ == "__main__":
    main()
