"""The review page's style and script, shipped inline: the page needs no network."""

from __future__ import annotations

CSS = """
*{box-sizing:border-box}
body{margin:0;font:14px/1.45 -apple-system,"Segoe UI",Roboto,Helvetica,Arial,sans-serif;
 color:#1d1c1d;background:#fff}
header{display:flex;flex-wrap:wrap;gap:12px;align-items:baseline;padding:8px 16px;
 background:#3f0e40;color:#fff}
header h1{font-size:18px;margin:0}
header .meta{opacity:.8;font-size:12px}
header .counts b{margin-left:10px;font-weight:600}
header .counts .added{color:#9be7a6}header .counts .changed{color:#ffd479}
header .counts .removed{color:#ff9c9c}
.layout{display:grid;grid-template-columns:220px minmax(0,1fr) 360px;height:calc(100vh - 44px)}
nav{background:#3f0e40;color:#cfc3cf;overflow:auto;padding:8px 0}
nav h3{font-size:12px;text-transform:uppercase;margin:12px 16px 4px;opacity:.7}
nav a{display:flex;gap:6px;align-items:center;color:#cfc3cf;text-decoration:none;
 padding:3px 16px}
nav a:hover,nav a.current{background:#1164a3;color:#fff}
nav a.archived{opacity:.55}
nav .dot{margin-left:auto;font-size:11px;border-radius:8px;padding:0 6px;background:#e8912d;
 color:#fff}
nav a.added .dot{background:#2bac76}nav a.removed .dot{background:#e01e5a}
main{overflow:auto;padding:0 0 24px}
main h2{margin:0;padding:10px 20px;border-bottom:1px solid #ddd;font-size:17px;position:sticky;
 top:0;background:#fff;z-index:1}
main h2 .topic{font-weight:400;font-size:13px;color:#616061;margin-left:10px}
.msg{display:grid;grid-template-columns:36px 1fr;gap:8px;padding:6px 20px;
 border-left:4px solid transparent}
.msg:hover{background:#f8f8f8}
.avatar{width:36px;height:36px;border-radius:4px;background:#4a154b;color:#fff;display:flex;
 align-items:center;justify-content:center;font-weight:700}
.msg .who{font-weight:700}.msg .ts{color:#616061;font-size:12px;margin-left:6px}
.msg .edited{color:#616061;font-size:12px}
.msg.added,.chip.added,.file.added{border-left-color:#2bac76;background:#eefaf3}
.msg.changed{border-left-color:#e8912d;background:#fff8ec}
.msg.removed{border-left-color:#e01e5a;background:#fdeef2}
.msg.removed .text{text-decoration:line-through;color:#8d6070}
.badge{font-size:11px;border-radius:3px;padding:0 5px;margin-left:6px;color:#fff;
 text-transform:uppercase}
.badge.added{background:#2bac76}.badge.changed{background:#e8912d}
.badge.removed{background:#e01e5a}
.before{color:#8d6070;text-decoration:line-through;font-size:13px}
.before::before{content:"before: ";text-decoration:none;font-weight:600}
.chips{display:flex;gap:4px;flex-wrap:wrap;margin-top:4px}
.chip{border:1px solid #ddd;border-radius:12px;padding:0 8px;font-size:12px;background:#f4f4f4}
.chip.removed{text-decoration:line-through;border-color:#e01e5a;background:#fdeef2}
.chip.added{border-color:#2bac76}
.pin{font-size:12px;color:#1264a3}.pin.added{color:#2bac76}.pin.removed{color:#e01e5a;
 text-decoration:line-through}
.file{border:1px solid #ddd;border-radius:6px;padding:4px 8px;margin-top:4px;display:inline-block;
 border-left:4px solid #ddd}
.file.removed{border-left-color:#e01e5a;text-decoration:line-through}
details.thread{margin:4px 0 0}
details.thread summary{color:#1264a3;cursor:pointer;font-size:13px;font-weight:600}
details.thread .msg{padding-left:8px}
code{background:#f6f6f6;border:1px solid #e1e1e1;border-radius:3px;padding:0 3px;color:#e01e5a}
pre{background:#f6f6f6;border:1px solid #e1e1e1;border-radius:4px;padding:6px;white-space:pre-wrap}
blockquote{border-left:4px solid #ddd;margin:2px 0;padding-left:8px;color:#555}
.mention{background:#e8f5fa;color:#1264a3;border-radius:3px;padding:0 2px}
.block-header{font-weight:700;font-size:16px}.block-context{color:#616061;font-size:12px}
.pager{padding:8px 20px}.pager a,.pager button{margin-right:12px}
.target{outline:3px solid #1264a3;outline-offset:-3px}
aside{border-left:1px solid #ddd;overflow:auto;padding:0 12px 24px;background:#fafafa}
aside h2{font-size:14px;margin:12px 0 6px}
ol.calls,ol.events{list-style:none;margin:0;padding:0}
.call,.event{padding:5px 6px;border-bottom:1px solid #eee;font-size:12px}
.call.error{background:#fdeef2}.call .method{font-family:monospace}
.call .when,.call .latency,.meta{color:#616061}.call .who{color:#1264a3}
.call.error .outcome{color:#e01e5a;font-weight:700}
.args{font-family:monospace;color:#444;word-break:break-all}
a.ref{display:inline-block;margin-right:8px;font-size:12px}
.note{background:#fff8ec;border:1px solid #e8912d;padding:4px 8px;font-size:12px}
.empty{color:#616061}
table.records{border-collapse:collapse;margin:10px 20px}
table.records td,table.records th{border:1px solid #ddd;padding:3px 6px;font-size:13px}
tr.added{background:#eefaf3}tr.changed{background:#fff8ec}tr.removed{background:#fdeef2}
"""

# Export mode: every place is in the file; one is shown at a time, and pages of a long
# place are switched here. Both modes: a link to a record opens its thread and shows it.
JS = """
(function () {
  var exportMode = document.body.dataset.mode === "export";
  function showSection(sec) {
    if (!exportMode || !sec) return;
    document.querySelectorAll("section.place").forEach(function (s) { s.hidden = s !== sec; });
    document.querySelectorAll("nav a[data-place]").forEach(function (a) {
      a.classList.toggle("current", a.dataset.place === sec.dataset.place);
    });
  }
  function showPage(pg) {
    if (!exportMode || !pg) return;
    pg.parentElement.querySelectorAll(":scope > .page").forEach(function (p) {
      p.hidden = p !== pg;
    });
  }
  function reveal(id) {
    var el = document.getElementById(id);
    if (!el) return;
    showSection(el.closest("section.place"));
    showPage(el.closest(".page"));
    for (var d = el.closest("details"); d; d = d.parentElement.closest("details")) d.open = true;
    document.querySelectorAll(".target").forEach(function (e) { e.classList.remove("target"); });
    if (!el.matches("section.place")) el.classList.add("target");
    el.scrollIntoView({block: "center"});
  }
  function onHash() {
    var id = decodeURIComponent(location.hash.slice(1));
    if (id) reveal(id);
  }
  window.addEventListener("hashchange", onHash);
  document.addEventListener("click", function (e) {
    var b = e.target.closest("button[data-goto]");
    if (b) showPage(document.getElementById(b.dataset.goto));
  });
  if (exportMode) {
    document.querySelectorAll(".pages").forEach(function (ps) {
      ps.querySelectorAll(":scope > .page").forEach(function (p, i) { p.hidden = i !== 0; });
    });
    showSection(document.querySelector("section.place[data-open]")
                || document.querySelector("section.place"));
  }
  onHash();
})();
"""
