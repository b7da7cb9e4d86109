"""The review page: a scripted agent's run on a real clone, read back as the page people see
(served over HTTP by ``clone.view_url`` and exported to one file)."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest
from slack_sdk import WebClient

import asymkit
from asymkit import postgres, review

GENERAL = "CACME00001"


def agent_run(clone: Any) -> dict[str, str]:
    """What the scripted agent does: post, reply, edit a seeded message, react, delete one."""
    web = WebClient(token=clone.tokens.user, base_url=clone.api_url)
    history = web.conversations_history(channel=GENERAL, limit=200)["messages"]
    mine = [m for m in history if m.get("user") == "UACME00001" and not m.get("subtype")]
    edited, deleted = mine[0]["ts"], mine[1]["ts"]
    posted = web.chat_postMessage(
        channel=GENERAL, text="Status: *all green* <script>alert(1)</script>"
    )
    reply = web.chat_postMessage(
        channel=GENERAL, text="a reply in the thread", thread_ts=posted["ts"]
    )
    web.chat_update(channel=GENERAL, ts=edited, text="edited by the agent")
    web.reactions_add(channel=GENERAL, timestamp=posted["ts"], name="eyes")
    web.chat_delete(channel=GENERAL, ts=deleted)
    return {"posted": posted["ts"], "reply": reply["ts"], "edited": edited, "deleted": deleted}


def get(url: str) -> httpx.Response:
    return httpx.get(url, timeout=30, trust_env=False)


def element(page: str, ident: str) -> str:
    """The opening tag of the element with id ``ident``."""
    found = re.search(rf'<[^>]*\bid="{re.escape(ident)}"[^>]*>', page)
    assert found, f"no element {ident}"
    return found.group(0)


def test_every_change_is_marked_on_the_served_page(acme: Any) -> None:
    ts = agent_run(acme)
    resp = get(acme.view_url)
    assert resp.status_code == 200 and resp.headers["content-type"].startswith("text/html")
    page = resp.text
    assert 'data-change="added"' in element(page, f"m-{GENERAL}-{ts['posted']}")
    assert 'data-change="added"' in element(page, f"m-{GENERAL}-{ts['reply']}")
    assert 'data-change="changed"' in element(page, f"m-{GENERAL}-{ts['edited']}")
    assert 'data-change="removed"' in element(page, f"m-{GENERAL}-{ts['deleted']}")
    assert 'class="before"' in page and "edited by the agent" in page  # before and after
    assert 'data-reaction="eyes" data-change="added"' in page
    assert f'data-thread="{ts["posted"]}"' in page  # the reply sits in its thread
    assert "<b>all green</b>" in page  # mrkdwn rendered
    assert '<b class="added">+' in page and "6 calls" in page


def test_what_the_agent_wrote_is_shown_never_run(acme: Any) -> None:
    agent_run(acme)
    page = get(acme.view_url).text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    scripts = re.findall(r"<script\b[^>]*>", page)
    assert len(scripts) == 1 and "nonce=" in scripts[0]
    nonce = re.search(r'nonce="([^"]+)"', scripts[0]).group(1)  # type: ignore[union-attr]
    assert f"script-src 'nonce-{nonce}'" in page and "default-src 'none'" in page


def test_each_call_links_to_the_record_it_touched(acme: Any) -> None:
    ts = agent_run(acme)
    page = get(acme.view_url).text
    calls = re.findall(r'<li id="call-\d+" class="call (\w+)" data-method="([^"]+)"', page)
    assert [m for _, m in calls] == [
        "conversations.history",
        "chat.postMessage",
        "chat.postMessage",
        "chat.update",
        "reactions.add",
        "chat.delete",
    ]
    assert f"at={ts['edited']}#m-{GENERAL}-{ts['edited']}" in page
    follow = get(acme.view_url + f"?place={GENERAL}&at={ts['reply']}").text
    assert f'id="m-{GENERAL}-{ts["reply"]}"' in follow


def test_since_a_snapshot_marks_only_what_came_after(acme: Any) -> None:
    web = WebClient(token=acme.tokens.user, base_url=acme.api_url)
    before = web.chat_postMessage(channel=GENERAL, text="before the snapshot")["ts"]
    acme.snapshot("mid")
    after = web.chat_postMessage(channel=GENERAL, text="after the snapshot")["ts"]
    page = get(acme.view_url + "?since=mid").text
    assert 'data-change="added"' in element(page, f"m-{GENERAL}-{after}")
    assert "data-change" not in element(page, f"m-{GENERAL}-{before}")
    assert "1 call<" in page


def test_the_export_is_one_self_contained_file(acme: Any, tmp_path: Path) -> None:
    ts = agent_run(acme)
    out = review.export(acme.target(), tmp_path / "run.html")
    page = out.read_text()
    assert 'data-mode="export"' in page
    assert not re.search(r"""<(link|img|iframe)\b|\bsrc=|url\(""", page)  # nothing fetched
    assert 'data-change="removed"' in element(page, f"m-{GENERAL}-{ts['deleted']}")
    assert page.count('<section class="place"') > 5  # every channel is in the file
    assert f'href="#m-{GENERAL}-{ts["posted"]}"' in page


def test_a_channel_of_5000_messages_pages(acme: Any) -> None:
    with postgres.connect(postgres.server().dsn(acme.database), autocommit=True) as conn:
        conn.execute(
            """INSERT INTO messages (channel_id, ts, user_id, text)
               SELECT 'CACME00006', (1800000000 + n)::text || '.000000', 'UACME00002',
                      'bulk message ' || n
               FROM generate_series(1, 5000) AS n"""
        )
    page = get(acme.view_url + "?place=CACME00006").text
    assert page.count('class="msg ') <= 100 + 5
    assert "bulk message 5000" in page and "bulk message 4000" not in page
    assert re.search(r"page 1 of 5\d", page) and "page=1" in page
    old = get(acme.view_url + "?place=CACME00006&at=1800000010.000000").text
    assert 'id="m-CACME00006-1800000010.000000"' in old and "bulk message 5000" not in old


def test_a_template_without_a_renderer_gets_tables(editable_templates: Path) -> None:
    """The seam: the notes template declares diff kinds and no renderer."""
    path = editable_templates / "notes" / "clone.manifest.json"
    manifest = json.loads(path.read_text())
    manifest["diff"] = {
        "kinds": {"notes": {"table": "notes", "key": ["id"], "select": "SELECT * FROM notes"}}
    }
    path.write_text(json.dumps(manifest))
    with asymkit.spin("notes", seed="demo") as clone:
        with postgres.connect(postgres.server().dsn(clone.database), autocommit=True) as conn:
            conn.execute("INSERT INTO notes (title) VALUES ('<b>new</b>')")
        page = review.render(clone.target())
        assert '<tr class="added" data-change="added">' in page
        assert "&lt;b&gt;new&lt;/b&gt;" in page and "No calls since then." in page
        (editable_templates / "notes" / "notes_view.py").write_text(
            "from asymkit.review import Rendered\n"
            "class View:\n"
            "    def render(self, conn, run, view):\n"
            "        n = len(run.diff['notes'].added)\n"
            "        main = f'<p id=own>{n} new notes</p>'\n"
            "        return Rendered('<a>notes</a>', main, lambda r: None)\n"
            "RENDERER = View()\n"
        )
        manifest["view"] = {"renderer": "notes_view:RENDERER"}
        path.write_text(json.dumps(manifest))
        clone = asymkit.Clone.get(clone.id)
        assert "<p id=own>1 new notes</p>" in review.render(clone.target())


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "asymkit.cli", *args], capture_output=True, text=True, timeout=60
    )


def test_view_export_from_the_command_line(acme: Any, tmp_path: Path) -> None:
    agent_run(acme)
    done = run_cli("view", acme.id, "--export", str(tmp_path / "run.html"))
    assert done.returncode == 0, done.stderr
    assert "wrote" in done.stdout and (tmp_path / "run.html").stat().st_size > 10_000


@pytest.mark.parametrize(
    ("args", "code"),
    [
        pytest.param(["slack-zzzz"], "CLONE_NOT_FOUND", id="unknown-id"),
        pytest.param(["{id}", "--since", "nope"], "SNAPSHOT_NOT_FOUND", id="unknown-snapshot"),
    ],
)
def test_bad_input_is_one_line(acme: Any, args: list[str], code: str) -> None:
    done = run_cli("view", *[a.format(id=acme.id) for a in args])
    assert done.returncode == 1 and done.stderr.count("\n") == 1 and code in done.stderr


def test_a_clone_that_stops_mid_view_gets_one_line(acme: Any) -> None:
    clone = asymkit.spin("slack", seed=asymkit.Fixture("acme-corp"))
    url = clone.view_url
    try:
        assert get(url).status_code == 200
        clone.stop()
        stopped = get(url)  # the database still answers: the page, without live events
        assert stopped.status_code == 200 and "The app is not running" in stopped.text
    finally:
        clone.destroy()
    gone = get(url)
    assert gone.status_code == 404
    [line] = re.findall(r'<p class="error"[^>]*>(.*?)</p>', gone.text)
    assert line.startswith(f"CLONE_NOT_FOUND: No clone &#x27;{clone.id}&#x27; in ")


pytest_plugins = ["pytester"]

FAILING_AGENT = """
from slack_sdk import WebClient

def test_agent_posts_to_the_wrong_channel(asymkit_clone):
    web = WebClient(token=asymkit_clone.tokens.user, base_url=asymkit_clone.api_url)
    web.chat_postMessage(channel="CACME00001", text="posted where it should not be")
    assert False, "the grader says no"

def test_agent_passes(asymkit_clone):
    pass
"""


def test_the_plugin_writes_a_review_page_per_failing_test(
    pytester: pytest.Pytester, tmp_path: Path
) -> None:
    pytester.makepyfile(FAILING_AGENT)
    reports = tmp_path / "reports"
    result = pytester.runpytest_subprocess(
        "--asymkit-fixture", "acme-corp", "--asymkit-report", str(reports), "-p", "no:cacheprovider"
    )
    result.assert_outcomes(passed=1, failed=1)
    [written] = list(reports.iterdir())
    assert "test_agent_posts_to_the_wrong_channel" in written.name
    result.stdout.fnmatch_lines([f"*review page of slack-*: {written}*"])
    assert "posted where it should not be" in written.read_text()


def test_view_serves_the_page_and_prints_its_url(acme: Any) -> None:
    import selectors

    with subprocess.Popen(
        [sys.executable, "-m", "asymkit.cli", "view", acme.id],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    ) as proc:
        try:
            sel = selectors.DefaultSelector()
            sel.register(proc.stdout, selectors.EVENT_READ)  # type: ignore[arg-type]
            assert sel.select(timeout=30), "no URL printed within 30 s"
            url = proc.stdout.readline().strip()  # type: ignore[union-attr]
            sel.close()
            assert re.fullmatch(rf"http://127\.0\.0\.1:\d+/{acme.id}", url)
            resp = get(url)
            assert resp.status_code == 200 and "#general" in resp.text
        finally:
            proc.terminate()
            proc.wait(timeout=10)
