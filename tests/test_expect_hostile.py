"""Expectations never pass by mistake or hang: typos, odd matchers, hostile patterns and files.

Through the public API (``asymkit.testing``) and ``asymkit diff ID --expect FILE`` as a
subprocess, against the real acme-corp clone with changes made by slack_sdk.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import psycopg
import pytest
from slack_sdk import WebClient

import asymkit
from asymkit.testing import Match, added, assert_diff, changed

# A hang guard, not a timing: these inputs ran for minutes (or hours) before.
HANG_GUARD = 60


def user(clone: Any) -> WebClient:
    return WebClient(token=clone.tokens.user, base_url=clone.api_url)


def channel_id(web: WebClient, name: str) -> str:
    listed = web.conversations_list(types="public_channel,private_channel", limit=200)
    return next(c["id"] for c in listed["channels"] if c["name"] == name)


def post(clone: Any, *texts: str) -> None:
    web = user(clone)
    general = channel_id(web, "general")
    for text in texts:
        web.chat_postMessage(channel=general, text=text)


def run_cli(*args: str, timeout: float = HANG_GUARD) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "asymkit.cli", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def expect_file(tmp_path: Path, content: Any) -> Path:
    path = tmp_path / "expect.json"
    path.write_text(content if isinstance(content, str) else json.dumps(content))
    return path


def refused(done: subprocess.CompletedProcess[str], *words: str) -> None:
    """One EXPECTATION_INVALID line, exit 1, speaking of the expectation file."""
    assert done.returncode == 1, (done.stdout, done.stderr)
    assert done.stderr.count("\n") == 1, done.stderr
    assert "[EXPECTATION_INVALID]" in done.stderr and "expectation file" in done.stderr
    for word in words:
        assert word in done.stderr, done.stderr
    for wrong in ("Traceback", "this is a bug", "dataset", "cassette", "CASSETTE_INVALID"):
        assert wrong not in done.stderr, done.stderr


# -- 5. unknown keys ------------------------------------------------------------------


def test_a_misspelt_top_level_key_is_refused_not_a_file_that_checks_nothing(
    acme: Any, tmp_path: Path
) -> None:
    post(acme, "anything at all")
    path = expect_file(
        tmp_path,
        {"strict": False, "expectations": [{"added": "messages", "where": {"text": "never"}}]},
    )
    done = run_cli("diff", acme.id, "--expect", str(path))
    refused(done, "unknown key 'expectations'", "expect, ignore, strict", "Did you mean 'expect'")


def test_a_misspelt_where_is_refused_not_a_match_of_any_two_messages(
    acme: Any, tmp_path: Path
) -> None:
    post(acme, "one", "two")
    path = expect_file(
        tmp_path,
        {"expect": [{"added": "messages", "count": 2, "were": {"text": "refund"}}]},
    )
    done = run_cli("diff", acme.id, "--expect", str(path))
    refused(done, "expect[0]", "unknown key 'were'", "count, where", "Did you mean 'where'")


@pytest.mark.parametrize(
    ("ignore", "words"),
    [
        pytest.param(
            [{"added": "messages", "wher": {"text": "x"}}], ["unknown key 'wher'"], id="key"
        ),
        pytest.param(
            [{"added": "messages", "count": 1}], ["ignore[0]", "unknown key 'count'"], id="count"
        ),
        pytest.param(["mesages"], ["No kind 'mesages'", "Did you mean 'messages'"], id="kind"),
    ],
)
def test_a_bad_ignore_entry_is_refused(
    acme: Any, tmp_path: Path, ignore: list[Any], words: list[str]
) -> None:
    post(acme, "hello")
    path = expect_file(
        tmp_path, {"ignore": ignore, "expect": [{"added": "messages", "where": {"text": "hello"}}]}
    )
    refused(run_cli("diff", acme.id, "--expect", str(path)), *words)


def test_a_file_that_checks_nothing_is_refused(acme: Any, tmp_path: Path) -> None:
    post(acme, "anything")
    refused(
        run_cli("diff", acme.id, "--expect", str(expect_file(tmp_path, {"strict": False}))),
        "checks nothing",
    )


def test_the_python_api_refuses_what_would_check_nothing_or_an_unknown_ignored_kind(
    acme: Any,
) -> None:
    post(acme, "hello")
    diff = acme.diff()
    with pytest.raises(asymkit.InvalidArgument, match="Nothing to check"):
        assert_diff(diff, strict=False)
    with pytest.raises(asymkit.InvalidArgument, match=r"No kind 'mesages'.*'messages'"):
        assert_diff(diff, added("messages", text="hello"), ignore=["mesages"])
    with pytest.raises(asymkit.InvalidArgument, match="has a count"):
        assert_diff(diff, ignore=[added("messages", Match.count(1))])
    assert_diff(diff, added("messages", text="hello"))  # the valid form still holds


def test_a_misspelt_field_that_would_pass_is_refused(acme: Any, tmp_path: Path) -> None:
    """``any`` on a field no record has matched every record; as an ignore pattern it hid all."""
    post(acme, "hello")
    diff = acme.diff()
    with pytest.raises(asymkit.InvalidArgument, match=r"field 'txet'.*Did you mean 'text'"):
        assert_diff(diff, added("messages", txet=Match.any))
    path = expect_file(
        tmp_path,
        {"ignore": [{"added": "messages", "where": {"subtyp": {"any": True}}}], "expect": []},
    )
    refused(run_cli("diff", acme.id, "--expect", str(path)), "field 'subtyp'", "'subtype'")


# -- 6. matchers ----------------------------------------------------------------------


def test_any_false_is_refused_not_any(acme: Any, tmp_path: Path) -> None:
    post(acme, "hello")
    path = expect_file(
        tmp_path, {"expect": [{"added": "messages", "where": {"text": {"any": False}}}]}
    )
    refused(run_cli("diff", acme.id, "--expect", str(path)), '"any" takes true', "expect[0]")


def test_contains_null_is_refused_not_the_text_none(acme: Any, tmp_path: Path) -> None:
    post(acme, "None of this")
    path = expect_file(
        tmp_path, {"expect": [{"added": "messages", "where": {"text": {"contains": None}}}]}
    )
    refused(run_cli("diff", acme.id, "--expect", str(path)), "contains takes a string")
    with pytest.raises(asymkit.InvalidArgument, match="takes a string, not NoneType"):
        Match.contains(None)  # type: ignore[arg-type]


def test_a_misspelt_matcher_is_refused(acme: Any, tmp_path: Path) -> None:
    post(acme, "hello")
    path = expect_file(
        tmp_path, {"expect": [{"added": "messages", "where": {"text": {"contain": "hel"}}}]}
    )
    refused(run_cli("diff", acme.id, "--expect", str(path)), "did you mean 'contains'")


def test_matchers_inside_one_of_act_as_matchers(acme: Any, tmp_path: Path) -> None:
    post(acme, "refund issued for order 42")
    path = expect_file(
        tmp_path,
        {
            "expect": [
                {
                    "added": "messages",
                    "where": {"text": {"one_of": [{"contains": "refund"}, {"regex": "^nope$"}]}},
                }
            ]
        },
    )
    done = run_cli("diff", acme.id, "--expect", str(path))
    assert done.returncode == 0, done.stderr
    assert_diff(acme.diff(), added("messages", text=Match.one_of("x", Match.regex(r"order \d+"))))


def test_a_name_reference_applies_to_ids_not_to_text(acme: Any) -> None:
    web = user(acme)
    me = web.auth_test()
    name = web.users_info(user=me["user_id"])["user"]["name"]
    post(acme, name, "@" + name)
    diff = acme.diff()
    [literal] = [m for m in diff["messages"].added if m["text"] == "@" + name]
    # The reference resolves the user field's id, and is plain text in `text`.
    assert_diff(diff, added("messages", Match.count(2), user="@" + name), ignore=["messages"])
    assert_diff(
        diff,
        added("messages", Match.count(1), text="@" + name),
        added("messages", Match.count(1), text=name),
    )
    assert literal["user"] == me["user_id"]
    # A channel's own name still answers to its reference.
    web.conversations_setTopic(channel=channel_id(web, "general"), topic="SEV-1")
    assert_diff(
        acme.diff(),
        changed("channels", name="#general", topic="SEV-1"),
        ignore=["messages"],
    )


def test_a_name_reference_in_text_no_longer_matches_the_bare_name(acme: Any) -> None:
    web = user(acme)
    name = web.users_info(user=web.auth_test()["user_id"])["user"]["name"]
    post(acme, name)
    with pytest.raises(asymkit.DiffMismatch, match="found 0"):
        assert_diff(acme.diff(), added("messages", text="@" + name))


# -- 7. bounded regex ------------------------------------------------------------------


def test_a_catastrophic_regex_fails_the_expectation_without_hanging(
    acme: Any, tmp_path: Path
) -> None:
    post(acme, "x" * 60)
    path = expect_file(
        tmp_path, {"expect": [{"added": "messages", "where": {"text": {"regex": "(x+x+)+y"}}}]}
    )
    done = run_cli("diff", acme.id, "--expect", str(path))  # ran for hours before
    assert done.returncode == 1 and "[DIFF_MISMATCH]" in done.stderr, done.stderr
    assert "found 0" in done.stderr
    with pytest.raises(asymkit.DiffMismatch, match="found 0"):
        assert_diff(acme.diff(), added("messages", text=Match.regex("(x+x+)+y")))
    assert_diff(acme.diff(), added("messages", text=Match.regex("^x{60}$")))


@pytest.mark.parametrize(
    ("pattern", "words"),
    [
        pytest.param("a{99999999999}", ["too large"], id="huge-repeat"),
        pytest.param("(a{1000}){1000}", ["not supported", "RE2"], id="nested-repeat"),
        pytest.param("(?=a)a", ["not supported", "lookaround"], id="lookahead"),
        pytest.param("(a", ["Bad regex"], id="unbalanced"),
    ],
)
def test_a_pattern_that_cannot_be_run_is_one_clear_line(
    acme: Any, tmp_path: Path, pattern: str, words: list[str]
) -> None:
    post(acme, "aaa")
    path = expect_file(
        tmp_path, {"expect": [{"added": "messages", "where": {"text": {"regex": pattern}}}]}
    )
    refused(run_cli("diff", acme.id, "--expect", str(path)), *words)
    with pytest.raises(asymkit.InvalidArgument, match=words[0]):
        Match.regex(pattern)


# -- 8. linear size check --------------------------------------------------------------


def test_hundreds_of_kb_of_escaped_quotes_are_refused_without_hanging(
    acme: Any, tmp_path: Path
) -> None:
    path = expect_file(tmp_path, '{"expect": ["' + '\\"' * 200_000)  # 400 KB, unterminated
    refused(run_cli("diff", acme.id, "--expect", str(path)), "Cannot read expectation file")


def test_a_dataset_of_escaped_quotes_is_refused_without_hanging(tmp_path: Path) -> None:
    source = tmp_path / "dataset.json"
    source.write_text('{"users": ["' + '\\"' * 200_000)
    done = run_cli("cassette", "pack", str(source), "-o", str(tmp_path / "out.msgpack"))
    assert done.returncode == 1 and "[CASSETTE_INVALID]" in done.stderr, done.stderr
    assert "Cannot read dataset" in done.stderr and done.stderr.count("\n") == 1


# -- 9. errors speak of the expectation file --------------------------------------------


@pytest.mark.parametrize(
    ("make", "words"),
    [
        pytest.param(lambda p: None, ["No expectation file at"], id="missing"),
        pytest.param(
            lambda p: p.mkdir(), ["is a directory, not an expectation file"], id="directory"
        ),
        pytest.param(lambda p: p.write_text("{not json"), ["Cannot read"], id="not-json"),
        pytest.param(lambda p: p.write_text("[1]"), ["'expect' list"], id="a-list"),
        pytest.param(lambda p: p.write_text("[" * 5000 + "]" * 5000), ["levels deep"], id="deep"),
    ],
)
def test_a_bad_file_is_named_an_expectation_file(
    acme: Any, tmp_path: Path, make: Any, words: list[str]
) -> None:
    path = tmp_path / "expect.json"
    make(path)
    refused(run_cli("diff", acme.id, "--expect", str(path)), *words)


def test_a_huge_message_is_not_echoed_in_full_in_a_failure(acme: Any) -> None:
    post(acme, "y" * 20_000)
    with pytest.raises(asymkit.DiffMismatch) as caught:
        assert_diff(acme.diff(), added("messages", text="z" * 5_000))
    assert "closest" in str(caught.value) and len(str(caught.value)) < 2_000


def test_a_huge_snapshot_name_is_not_echoed_in_full(acme: Any) -> None:
    name = "a" * 10_000 + "!"
    done = run_cli("diff", acme.id, "--since", name)
    assert done.returncode == 1 and "[INVALID_ARGUMENT]" in done.stderr
    assert "10001 characters" in done.stderr and len(done.stderr) < 300, len(done.stderr)
    with pytest.raises(asymkit.InvalidArgument) as caught:
        acme.snapshot(name)
    assert len(str(caught.value)) < 300


# -- 15. a table of 100k changes is streamed ------------------------------------------

PEAK = (
    "import atexit, resource, sys\n"
    "atexit.register(lambda: print('PEAK', resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,"
    " file=sys.stderr))\n"
)


def peak_kb(code: str, *args: str) -> tuple[int, subprocess.CompletedProcess[str]]:
    done = subprocess.run(
        [sys.executable, "-c", PEAK + code, *args],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr
    return int(done.stderr.rsplit("PEAK", 1)[1]), done


def test_a_table_of_many_changes_is_written_as_it_is_rendered(
    acme: Any, db: psycopg.Connection[tuple[object, ...]]
) -> None:
    """The table costs no more memory than the diff itself (it held every row twice)."""
    ch, author = db.execute("SELECT channel_id, user_id FROM messages LIMIT 1").fetchone()  # type: ignore[misc]
    db.execute(
        "INSERT INTO messages (channel_id, ts, user_id, text) SELECT %s,"
        " (1800000000 + g)::text || '.000100', %s, 'bulk message number ' || g"
        " FROM generate_series(1, 50000) g",
        (ch, author),
    )
    diff_only, _ = peak_kb("import asymkit, sys; asymkit.Clone.get(sys.argv[1]).diff()", acme.id)
    table, done = peak_kb(
        "import sys; from asymkit.cli import main; sys.exit(main(['diff', sys.argv[1]]))", acme.id
    )
    lines = done.stdout.splitlines()
    assert len(lines) == 50_001 and lines[0].split() == ["KIND", "CHANGE", "RECORD"]
    assert lines[1].startswith("messages  + added    channel=")
    assert "bulk message number" in lines[-1]
    assert table - diff_only < 40_000, (table, diff_only)  # KB; was +115 MB for 50k
