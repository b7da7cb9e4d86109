"""Every code block in README.md and docs/*.md runs as written, against a real clone.

The conventions a writer follows are in docs/README.md: which blocks run,
how they share a context, the substitutions, and the ``<!-- docs-test: ... -->``
markers. In short: a document's Python blocks share one namespace, in order
(a block that uses ``clone`` without assigning it gets the document's clone;
one that defines ``test_`` functions is also run by pytest); shell blocks run
under bash with the venv's ``asymkit`` on PATH; every block runs in one scratch
directory per document that holds a copy of ``cassettes/``; the only changes
made to a block's text are the substitutions in :func:`substitutions`.

No off-the-shelf collector fit: pytest-examples and pytest-markdown-docs run
Python only; pytest-codeblocks runs shell too, but has no way to put a live
clone's id, URL and tokens into a block, nor top-level ``await``.
"""

# long module: collector, runner and their own tests stay together, one home for the
# conventions docs/README.md describes.

from __future__ import annotations

import ast
import asyncio
import contextlib
import http.server
import inspect
import json
import linecache
import os
import re
import shutil
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import attrs
import pytest

import asymkit

ROOT = Path(__file__).parent.parent
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
# Info strings of the blocks that run, and what runs them.
LANGUAGES = {
    "python": "python",
    "py": "python",
    "python3": "python",
    "bash": "shell",
    "sh": "shell",
    "shell": "shell",
    "console": "console",
}
FENCE = re.compile(r"^(?P<indent>\s*)(?P<fence>`{3,}|~{3,})\s*(?P<info>[^`\s]*)[^`]*$")
MARKER = re.compile(r"^<!--\s*docs-test:\s*(?P<what>.*?)\s*-->$")
MARKER_VERBS = re.compile(
    r"^(?:skip \((?P<reason>.+)\)|output of (?P<command>.+)|file (?P<file>[\w.-]+))$"
)
# A command may run this long; the slowest (an environment of clones) takes seconds.
COMMAND_TIMEOUT = 180

# Every block that does not run, and why: the list is pinned so that skipping one
# more is a decision made here, in review, not a marker slipped into a page.
SKIPPED = [
    ("README.md", "installs into .venv and runs this test suite; CI runs both"),
    ("README.md", "needs ANTHROPIC_API_KEY: calls Claude"),
    ("docs/events.md", "an excerpt of examples/agent_answers_mention.py, which tests run whole"),
    ("docs/events.md", "streams until interrupted"),
    ("docs/events.md", "streams until Ctrl-C"),
]


@attrs.frozen
class Block:
    """One fenced code block of a document, with the marker written before it."""

    doc: str  # relative to the checkout, e.g. "docs/grading.md"
    line: int  # the line of the opening fence, from 1
    info: str  # the info string's first word ("" when none)
    text: str
    skip: str | None = None  # why it does not run
    output_of: str | None = None  # the command whose output this block shows
    file: str | None = None  # written to this file in the scratch directory, in order

    @property
    def runs(self) -> str | None:
        """``python``, ``shell`` or ``console`` for a block that runs, else None."""
        return LANGUAGES.get(self.info.lower())

    @property
    def where(self) -> str:
        return f"{self.doc}:{self.line}"


class MarkerError(Exception):
    """A ``docs-test`` marker that means nothing (a typo must not skip a block silently)."""


def collect(path: Path) -> list[Block]:
    """The fenced blocks of a Markdown file, in order, each with its marker."""
    doc = path.relative_to(ROOT).as_posix() if path.is_relative_to(ROOT) else path.name
    lines = path.read_text(encoding="utf-8").splitlines()
    blocks: list[Block] = []
    marker: str | None = None
    i = 0
    while i < len(lines):
        found = FENCE.match(lines[i])
        if found is None:
            stripped = lines[i].strip()
            if (m := MARKER.match(stripped)) is not None:
                marker = m["what"]
            elif stripped:
                marker = None  # a marker applies to the block right after it
            i += 1
            continue
        fence, start = found["fence"], i
        i += 1
        body: list[str] = []
        while i < len(lines) and lines[i].strip() != fence:
            line = lines[i]  # a fence indented in a list item: its lines are too
            body.append(line[len(found["indent"]) :] if line.startswith(found["indent"]) else line)
            i += 1
        i += 1
        block = Block(doc=doc, line=start + 1, info=found["info"], text="\n".join(body) + "\n")
        if marker is not None:
            verb = MARKER_VERBS.match(marker)
            if verb is None:
                raise MarkerError(
                    f"{block.where}: unknown marker '<!-- docs-test: {marker} -->'; write"
                    " 'skip (reason)', 'output of COMMAND' or 'file NAME'"
                )
            block = attrs.evolve(
                block, skip=verb["reason"], output_of=verb["command"], file=verb["file"]
            )
            marker = None
        blocks.append(block)
    return blocks


# -- comparing sample output with real output ------------------------------------

_NORMAL = [
    (re.compile(r"\.\.\.|…"), "…"),
    (re.compile(r"\b(xox[a-z])-\S*"), r"\1-…"),
    (re.compile(r"\bslack-[0-9a-f]{4}\b"), "slack-a1b2"),
    (re.compile(r"\bclone_slack_[0-9a-f]{4}\b"), "clone_slack_a1b2"),
    (re.compile(r"127\.0\.0\.1:\d+"), "127.0.0.1:41234"),
    (re.compile(r"\b\d[\d,.]*\s?(ms|s)\b"), "<time>"),
    # Another change rewords what reset says it put back; the line's start is the contract.
    (re.compile(r"^(✓ reset slack-a1b2)\b.*"), r"\1 …"),
]


_TS = re.compile(r"^\d{10}\.\d{6}$")


def normalise(text: str) -> list[str]:
    """Lines with ids, ports, tokens and timings made alike, trailing blanks dropped."""
    return [_normal_line(line.rstrip()) for line in text.rstrip().splitlines()]


def _normal_line(line: str) -> str:
    for pattern, replacement in _NORMAL:
        line = pattern.sub(replacement, line)
    return line


def normalise_json(data: Any) -> Any:
    """JSON with the same stand-ins as :func:`normalise`, and every message ``ts`` alike."""
    if isinstance(data, dict):
        return {key: normalise_json(value) for key, value in data.items()}
    if isinstance(data, list):
        return [normalise_json(value) for value in data]
    if isinstance(data, str):
        return "<ts>" if _TS.match(data) else _normal_line(data)
    return data


# -- running a document ----------------------------------------------------------------


class _ChallengeHandler(http.server.BaseHTTPRequestHandler):
    """An Events API endpoint that answers Slack's url_verification, as a Bolt app does."""

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)) or b"{}")
        answer = json.dumps({"challenge": body.get("challenge", "")}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def log_message(self, format: str, *args: Any) -> None:  # quiet in test output
        pass


@attrs.define
class DocRun:
    """What the blocks of one document share: scratch directory, clones, namespace."""

    doc: str
    scratch: Path
    env: dict[str, str]
    stack: contextlib.ExitStack
    namespace: dict[str, Any] = attrs.Factory(dict)
    _lazy: dict[str, str] = attrs.Factory(dict)
    spin_output: str = ""

    def lazy(self, name: str, make: Callable[[], str]) -> str:
        if name not in self._lazy:
            self._lazy[name] = make()
        return self._lazy[name]

    def shell(self, script: str, where: str) -> subprocess.CompletedProcess[str]:
        """Run ``script`` under bash (``set -e``): a failing command fails the block."""
        done = subprocess.run(
            ["bash", "-e", "-o", "pipefail", "-c", script],
            cwd=self.scratch,
            env=self.env,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=COMMAND_TIMEOUT,
        )
        if done.returncode != 0:
            pytest.fail(
                f"{where}: exit {done.returncode} from\n{script}\n"
                f"stdout:\n{done.stdout}\nstderr:\n{done.stderr}",
                pytrace=False,
            )
        return done

    # -- the document's clones -----------------------------------------------------

    def clone(self) -> asymkit.Clone:
        """The document's clone: ``asymkit spin slack --seed acme-corp``, spun on first use."""
        clone_id = self.lazy("clone", self._spin_main)
        return asymkit.Clone.get(clone_id)

    def _spin_main(self) -> str:
        done = self.shell(SPIN, f"{self.doc} (spinning its clone)")
        self.spin_output = done.stdout
        found = re.search(r"\bslack-[0-9a-f]{4}\b", done.stdout)
        assert found, done.stdout
        return found[0]

    def events_url(self) -> str:
        """An Events API URL that answers the challenge (the docs' 127.0.0.1:3000 app)."""
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _ChallengeHandler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        self.stack.callback(server.server_close)
        self.stack.callback(server.shutdown)
        return f"http://127.0.0.1:{server.server_address[1]}/slack/events"


SPIN = "asymkit spin slack --seed acme-corp"


def substitutions(run: DocRun) -> list[tuple[str, Callable[[], str]]]:
    """The declared stand-ins a document may use, and the real value each becomes."""
    return [
        ("http://127.0.0.1:41234/api/", lambda: run.clone().api_url),
        ("http://127.0.0.1:3000/slack/events", lambda: run.lazy("events", run.events_url)),
        ("slack-a1b2", lambda: run.clone().id),
        ("xoxb-…", lambda: str(run.clone().tokens.bot)),
        ("xoxp-…", lambda: str(run.clone().tokens.user)),
    ]


def substitute(run: DocRun, text: str) -> str:
    for placeholder, value in substitutions(run):
        if placeholder in text:
            text = text.replace(placeholder, value())
    return text


def run_python(run: DocRun, block: Block) -> None:
    """Execute in the document's namespace; top-level ``await`` runs as in ``python -m asyncio``."""
    # Leading blank lines put tracebacks on the Markdown file's own line numbers.
    source = "\n" * block.line + substitute(run, block.text)
    filename = str(ROOT / block.doc)
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    tree = ast.parse(source, filename)
    names = {(n.id, type(n.ctx)) for n in ast.walk(tree) if isinstance(n, ast.Name)}
    if ("clone", ast.Load) in names and ("clone", ast.Store) not in names:
        run.namespace.setdefault("clone", run.clone())  # uses the document's clone
    code = compile(tree, filename, "exec", flags=ast.PyCF_ALLOW_TOP_LEVEL_AWAIT)
    result = eval(code, run.namespace)
    if inspect.iscoroutine(result):
        asyncio.run(result)
    if any(isinstance(n, ast.FunctionDef) and n.name.startswith("test_") for n in tree.body):
        # A pytest example is run by pytest, with the asymkit plugin, as a user's suite would.
        module = run.scratch / f"test_{Path(block.doc).stem.lower()}_{block.line}.py"
        module.write_text(substitute(run, block.text), encoding="utf-8")
        run.shell(f"python -m pytest -q -p no:cacheprovider {module.name}", block.where)


def run_console(run: DocRun, block: Block) -> None:
    """Each ``$ command`` runs; the lines under it, if any, are its output, compared."""
    steps: list[tuple[str, list[str]]] = []
    for line in block.text.splitlines():
        if line.startswith("$ "):
            steps.append((line[2:], []))
        elif steps:
            steps[-1][1].append(line)
    for command, shown in steps:
        done = run.shell(substitute(run, command), f"{block.where}: $ {command}")
        if any(s.strip() for s in shown):
            assert normalise(done.stdout) == normalise("\n".join(shown)), (
                f"{block.where}: `{command}` printed\n{done.stdout}"
            )


def check_output(run: DocRun, block: Block) -> None:
    """A sample output block says what a command prints: the command's real output, compared."""
    assert block.output_of is not None
    if block.output_of == SPIN:
        run.clone()  # the document's own clone is spun with this very command
        printed = run.spin_output
    else:
        printed = run.shell(substitute(run, block.output_of), block.where).stdout
    if block.info == "json":  # a sample laid out for reading: compare the data
        assert normalise_json(json.loads(printed)) == normalise_json(json.loads(block.text)), (
            f"{block.where}: the sample output of `{block.output_of}` is not what it prints:\n"
            f"{printed}"
        )
        return
    assert normalise(printed) == normalise(block.text), (
        f"{block.where}: the sample output of `{block.output_of}` is not what it prints:\n{printed}"
    )


@pytest.fixture
def doc_run(tmp_path: Path) -> Iterator[DocRun]:
    """A scratch directory, and clean-up of every clone and environment the blocks made."""
    shutil.copytree(ROOT / "cassettes", tmp_path / "cassettes")
    env = dict(os.environ)
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    # `pip install 'asymkit[mcp]'` (docs/mcp.md) finds everything installed; offline, its
    # check for a newer pip would only wait on the network.
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    before_clones = {c.id for c in asymkit.Clone.all()}
    before_envs = {e.name for e in asymkit.Environment.all()}
    cwd = Path.cwd()
    with contextlib.ExitStack() as stack:
        os.chdir(tmp_path)
        try:
            yield DocRun(doc="", scratch=tmp_path, env=env, stack=stack)
        finally:
            os.chdir(cwd)
            for environment in asymkit.Environment.all():
                if environment.name not in before_envs:
                    environment.destroy()
            for clone in asymkit.Clone.all():
                if clone.id not in before_clones:
                    clone.destroy()


def _runnable_docs() -> list[Any]:
    return [
        pytest.param(path, id=path.relative_to(ROOT).as_posix())
        for path in DOCS
        if any(b.runs or b.output_of for b in collect(path))
    ]


@pytest.mark.parametrize("path", _runnable_docs())
def test_every_block_of_the_document_runs_as_written(path: Path, doc_run: DocRun) -> None:
    doc_run.doc = path.relative_to(ROOT).as_posix()
    for block in collect(path):
        if block.skip:
            continue
        if block.file is not None:
            (doc_run.scratch / block.file).write_text(block.text, encoding="utf-8")
        elif block.output_of is not None:
            check_output(doc_run, block)
        elif block.runs == "python":
            run_python(doc_run, block)
        elif block.runs == "shell":
            doc_run.shell(substitute(doc_run, block.text), block.where)
        elif block.runs == "console":
            run_console(doc_run, block)


def test_skipped_blocks_say_why_and_are_the_listed_ones() -> None:
    """Each block that does not run carries a reason; the list of them is pinned above."""
    skipped = [b for path in DOCS for b in collect(path) if b.skip]
    for block in skipped:
        print(f"skipped {block.where} ({block.info}): {block.skip}")
    assert [(b.doc, b.skip) for b in skipped] == SKIPPED
    ran = [b for path in DOCS for b in collect(path) if b.runs and not b.skip]
    print(f"{len(ran)} blocks run, {len(skipped)} skipped")


def test_a_marker_that_means_nothing_is_an_error(tmp_path: Path) -> None:
    page = tmp_path / "page.md"
    page.write_text("<!-- docs-test: skipp (typo) -->\n```bash\nfalse\n```\n", encoding="utf-8")
    with pytest.raises(MarkerError, match="unknown marker"):
        collect(page)


def test_the_collector_finds_indented_fences_and_reads_markers(tmp_path: Path) -> None:
    page = tmp_path / "page.md"
    page.write_text(
        "Text.\n\n<!-- docs-test: skip (needs a thing) -->\n```python\nx = 1\n```\n\n"
        "- a list item:\n\n  ```bash\n  echo hi\n  ```\n\n"
        "<!-- docs-test: output of echo hi -->\n```\nhi\n```\n",
        encoding="utf-8",
    )
    blocks = collect(page)
    assert [(b.runs, b.text, b.skip, b.output_of) for b in blocks] == [
        ("python", "x = 1\n", "needs a thing", None),
        ("shell", "echo hi\n", None, None),
        (None, "hi\n", None, "echo hi"),
    ]


def test_sample_output_is_compared_with_what_varies_made_alike_and_counts_kept() -> None:
    printed = (
        "✓ spun slack-9f3e  http://127.0.0.1:5071/api/\n"
        "✓ seeded slack-9f3e  (fixture: 268 rows)\n"
        "  bot token:   xoxb-1-2-abc_D\n"
        "✓ reset slack-9f3e (fixture: acme-corp; 3 rows put back in 4 ms)\n"
    )
    sample = (
        "✓ spun slack-a1b2  http://127.0.0.1:41234/api/\n"
        "✓ seeded slack-a1b2  (fixture: {rows} rows)\n"
        "  bot token:   xoxb-...\n"
        "✓ reset slack-a1b2 (empty; rebuilt in 27 ms)\n"  # reset's wording may change
    )
    assert normalise(printed) == normalise(sample.format(rows=268))
    assert normalise(printed) != normalise(sample.format(rows=201))
