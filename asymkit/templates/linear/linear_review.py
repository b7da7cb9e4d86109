"""The Linear template's review renderer: teams and their issues grouped by workflow state, each
issue with its comments, every change since the seed (or the snapshot) marked.

The template's half of the review seam (its manifest names it as
``view.renderer: "linear_review:RENDERER"``, loaded from the template's folder as
seeders are, so the SDK never names the product). It reads the clone's own tables in
the page's read-only transaction. Changed issues and comments show each changed field
before and after; a call's ``refs`` (``{issue: id}``, ``{comment: id}``) link to the
record. Everything the agent wrote goes through ``esc``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import urlencode

import attrs
from psycopg.rows import dict_row

from asymkit import changes
from asymkit.diff import Diff
from asymkit.review import Rendered, Run, View, esc
from asymkit.review.table import kind_places

ISSUES = """SELECT i.id, t.key || '-' || i.number AS identifier, i.title, i.team_id, i.state_id,
    i.priority, u.name AS assignee, i.trashed, i.archived_at IS NOT NULL AS archived
    FROM issues i JOIN teams t ON t.id = i.team_id LEFT JOIN users u ON u.id = i.assignee_id
    ORDER BY t.key, i.number"""
COMMENTS = """SELECT c.id, t.key || '-' || i.number AS issue, u.name AS author, c.body
    FROM comments c JOIN issues i ON i.id = c.issue_id JOIN teams t ON t.id = i.team_id
    LEFT JOIN users u ON u.id = c.user_id ORDER BY c.created_at, c.id"""
SHOWN_FIELDS = 12  # changed fields shown before/after on one record
TEXT_SHOWN = 2000  # characters of a description or comment shown before a cut


@attrs.frozen
class Marks:
    """The diff, indexed the way the page looks records up."""

    issues: Mapping[str, str]  # identifier -> added / changed / removed
    issue_before: Mapping[str, Mapping[str, Any]]
    issue_after: Mapping[str, Mapping[str, Any]]
    removed_issues: Mapping[str, list[Mapping[str, Any]]]  # team key -> removed issues
    comments: Mapping[str, str]  # comment id -> state
    comment_before: Mapping[str, Mapping[str, Any]]
    removed_comments: Mapping[str, list[Mapping[str, Any]]]  # issue identifier -> comments
    per_team: Mapping[str, int]  # team key -> how many changes it holds

    @classmethod
    def of(cls, diff: Diff) -> Marks:
        issues: dict[str, str] = {}
        before: dict[str, Mapping[str, Any]] = {}
        after: dict[str, Mapping[str, Any]] = {}
        gone: dict[str, list[Mapping[str, Any]]] = {}
        comments: dict[str, str] = {}
        comment_before: dict[str, Mapping[str, Any]] = {}
        gone_comments: dict[str, list[Mapping[str, Any]]] = {}
        per: dict[str, int] = {}

        def count(identifier: object) -> None:
            team = str(identifier or "").rsplit("-", 1)[0]
            per[team] = per.get(team, 0) + 1

        if (found := diff.kinds.get("issues")) is not None:
            for r in found.added:
                issues[str(r["identifier"])] = "added"
                count(r["identifier"])
            for r in found.removed:
                issues[str(r["identifier"])] = "removed"
                gone.setdefault(str(r["identifier"]).rsplit("-", 1)[0], []).append(r)
                count(r["identifier"])
            for c in found.changed:
                key = str(c.key["identifier"])
                issues[key], before[key], after[key] = "changed", c.before, c.after
                count(key)
        if (found := diff.kinds.get("comments")) is not None:
            for r in found.added:
                comments[str(r["id"])] = "added"
                count(r.get("issue"))
            for r in found.removed:
                comments[str(r["id"])] = "removed"
                gone_comments.setdefault(str(r.get("issue")), []).append(r)
                count(r.get("issue"))
            for c in found.changed:
                key = str(c.key["id"])
                comments[key], comment_before[key] = "changed", c.before
                count(c.record.get("issue") or c.after.get("issue"))
        return cls(issues, before, after, gone, comments, comment_before, gone_comments, per)


def _text(value: object) -> str:
    text = "" if value is None else str(value)
    cut = f"… [{len(text) - TEXT_SHOWN} more characters]" if len(text) > TEXT_SHOWN else ""
    return esc(text[:TEXT_SHOWN]) + esc(cut)


def _state_attr(state: str) -> str:
    return f' data-change="{esc(state)}"' if state else ""


@attrs.frozen
class _Context:
    """What every part of the page needs: the run, the view, the marks and the records."""

    view: View
    marks: Marks
    issue_ids: Mapping[str, str]  # issue uuid -> identifier
    comment_issue: Mapping[str, str]  # comment id -> issue identifier

    def place_href(self, team: str) -> str:
        place = f"t-{team}"
        return f"#{place}" if self.view.export else "?" + urlencode({"place": place})

    def record_href(self, team: str, anchor: str) -> str:
        if self.view.export:
            return f"#{anchor}"
        return "?" + urlencode({"place": f"t-{team}", "at": anchor}) + f"#{anchor}"

    def link(self, ref: Mapping[str, Any]) -> tuple[str, str] | None:
        """Where a call's ref leads: the issue (by id or identifier) or the comment."""
        if isinstance(ref.get("comment"), str):
            issue = self.comment_issue.get(ref["comment"])
            if issue is None:
                return None
            return self.record_href(issue.rsplit("-", 1)[0], f"cm-{ref['comment']}"), (
                f"comment on {issue}"
            )
        raw = ref.get("issue")
        if not isinstance(raw, str):
            return None
        identifier = self.issue_ids.get(raw) or (
            raw.upper() if raw.upper() in self.issue_ids.values() else None
        )
        if identifier is None and raw.upper() in self.marks.issues:  # removed since
            identifier = raw.upper()
        if identifier is None:
            return None
        return self.record_href(identifier.rsplit("-", 1)[0], f"i-{identifier}"), identifier


class LinearRenderer:
    """The workspace as Linear shows it: teams, issues by workflow state, comments."""

    def render(self, conn: changes.Conn, run: Run, view: View) -> Rendered:
        cur = conn.cursor(row_factory=dict_row)
        org = cur.execute("SELECT name FROM organizations ORDER BY created_at LIMIT 1").fetchone()
        teams = cur.execute("SELECT id, key, name FROM teams ORDER BY key").fetchall()
        states = cur.execute(
            "SELECT id, team_id, name, type FROM workflow_states ORDER BY team_id, position, name"
        ).fetchall()
        issues = cur.execute(ISSUES).fetchall()
        comments = cur.execute(COMMENTS).fetchall()
        marks = Marks.of(run.diff)
        ctx = _Context(
            view,
            marks,
            {str(i["id"]): str(i["identifier"]) for i in issues},
            {str(c["id"]): str(c["issue"]) for c in comments},
        )
        by_issue: dict[str, list[Mapping[str, Any]]] = {}
        for c in comments:
            by_issue.setdefault(str(c["issue"]), []).append(c)
        keys = [str(t["key"]) for t in teams]
        wanted = (view.place or "").removeprefix("t-")
        open_team = wanted if wanted in keys else _first_team(marks, keys)
        nav, main = [], []
        for team in teams:
            key = str(team["key"])
            n = marks.per_team.get(key, 0)
            dot = f'<span class="dot">{n}</span>' if n else ""
            current = ' class="current"' if key == open_team else ""
            nav.append(
                f'<a href="{esc(ctx.place_href(key))}"{current} data-place="t-{esc(key)}">'
                f"{esc(team['name'])}{dot}</a>"
            )
            if view.export or key == open_team:
                team_states = [s for s in states if s["team_id"] == team["id"]]
                team_issues = [i for i in issues if i["team_id"] == team["id"]]
                main.append(_team(ctx, team, team_states, team_issues, by_issue, key == open_team))
        other_nav, other_main = kind_places(run.diff, ["projects", "labels", "cycles"], view)
        if view.export or (view.place or "").startswith("kind-"):
            main.append(other_main)
        return Rendered(
            nav=f"<h3>Teams</h3>{''.join(nav)}<h3>Other changes</h3>{other_nav}",
            main="".join(main),
            link=ctx.link,
            title=str((org or {}).get("name") or run.target.id),
        )


def _first_team(marks: Marks, keys: list[str]) -> str | None:
    """The team the page opens on: the first with changes, else the first."""
    for key in keys:
        if marks.per_team.get(key):
            return key
    return keys[0] if keys else None


def _team(
    ctx: _Context,
    team: Mapping[str, Any],
    states: Sequence[Mapping[str, Any]],
    issues: Sequence[Mapping[str, Any]],
    comments: Mapping[str, list[Mapping[str, Any]]],
    is_open: bool,
) -> str:
    key = str(team["key"])
    groups = []
    for state in states:
        in_state = [i for i in issues if i["state_id"] == state["id"]]
        if not in_state:
            continue
        items = "".join(_issue(ctx, i, comments) for i in in_state)
        groups.append(
            f'<div class="group" data-state="{esc(state["name"])}">'
            f'<h3>{esc(state["name"])} <span class="meta">{len(in_state)}</span></h3>'
            f"{items}</div>"
        )
    removed = ctx.marks.removed_issues.get(key, [])
    if removed:
        items = "".join(
            f'<div class="issue removed" id="i-{esc(r["identifier"])}" data-change="removed">'
            f"<b>{esc(r['identifier'])}</b> {esc(r.get('title'))}"
            f' <span class="meta">{esc(r.get("state"))}</span></div>'
            for r in removed
        )
        groups.append(f'<div class="group" data-state="removed"><h3>Removed</h3>{items}</div>')
    opened = " data-open" if is_open else ""
    body = "".join(groups) or '<p class="empty">No issues.</p>'
    return (
        f'<section class="place" id="t-{esc(key)}" data-place="t-{esc(key)}"{opened}>'
        f'<h2>{esc(team["name"])} <span class="meta">{esc(key)}</span></h2>'
        f"{body}</section>"
    )


def _issue(
    ctx: _Context, issue: Mapping[str, Any], comments: Mapping[str, list[Mapping[str, Any]]]
) -> str:
    identifier = str(issue["identifier"])
    state = ctx.marks.issues.get(identifier, "")
    before = ctx.marks.issue_before.get(identifier, {})
    after = ctx.marks.issue_after.get(identifier, {})
    fields = "".join(
        f'<div class="field" data-field="{esc(f)}"><span class="meta">{esc(f)}</span>'
        f' <span class="before">{_text(was)}</span> → {_text(after.get(f))}</div>'
        for f, was in list(before.items())[:SHOWN_FIELDS]
    )
    flags = " ".join(
        x
        for x in ("archived" if issue["archived"] else "", "deleted" if issue["trashed"] else "")
        if x
    )
    priority = f"P{issue['priority']}" if issue["priority"] else ""
    meta = " · ".join(esc(x) for x in (issue.get("assignee"), priority, flags) if x)
    thread = "".join(_comment(ctx, c) for c in comments.get(identifier, []))
    thread += "".join(
        f'<div class="comment removed" id="cm-{esc(c["id"])}" data-change="removed">'
        f"<b>{esc(c.get('author'))}</b> {_text(c.get('body'))}</div>"
        for c in ctx.marks.removed_comments.get(identifier, [])
    )
    return (
        f'<div class="issue {esc(state)}" id="i-{esc(identifier)}"{_state_attr(state)}>'
        f'<b>{esc(identifier)}</b> <span class="title">{esc(issue["title"])}</span>'
        f' <span class="meta">{meta}</span>{fields}'
        f"{thread}</div>"
    )


def _comment(ctx: _Context, comment: Mapping[str, Any]) -> str:
    cid = str(comment["id"])
    state = ctx.marks.comments.get(cid, "")
    before = ctx.marks.comment_before.get(cid, {})
    was = f'<div class="before">{_text(before["body"])}</div>' if "body" in before else ""
    return (
        f'<div class="comment {esc(state)}" id="cm-{esc(cid)}"{_state_attr(state)}>'
        f"<b>{esc(comment.get('author'))}</b>{was} {_text(comment.get('body'))}</div>"
    )


RENDERER = LinearRenderer()
