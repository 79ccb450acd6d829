"""The HTML report's stylesheet, inlined into the page (system fonts only, light and dark)."""

from __future__ import annotations

CSS = """
:root {
  color-scheme: light dark;
  --bg: #fbfbfa; --fg: #1d1f21; --muted: #5f6670; --line: #d9dce0; --card: #ffffff;
  --quote: #f1f3f5; --error: #b42318; --warning: #b54708; --note: #175cd3;
}
@media (prefers-color-scheme: dark) {
  :root {
    --bg: #16181b; --fg: #e6e8eb; --muted: #9aa3ad; --line: #30353b; --card: #1e2125;
    --quote: #262a2f; --error: #f97066; --warning: #fdb022; --note: #84adff;
  }
}
* { box-sizing: border-box; }
body {
  margin: 0 auto; max-width: 70rem; padding: 1.5rem; background: var(--bg); color: var(--fg);
  font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif;
}
code, pre { font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas, monospace; }
h1 { font-size: 1.5rem; margin: 0 0 .5rem; overflow-wrap: anywhere; }
h2 { font-size: 1.2rem; margin: 1.5rem 0 .5rem; }
h3 { font-size: 1rem; margin: 1rem 0 .5rem; }
h4 { font-size: .9rem; margin: .5rem 0 .25rem; color: var(--muted); }
.top { display: flex; gap: 1.25rem; align-items: flex-start; }
.score-badge {
  flex: none; width: 6.5rem; height: 6.5rem; border-radius: 50%; color: #fff;
  display: flex; align-items: baseline; justify-content: center; padding-top: 2rem;
}
.score-value { font-size: 2.2rem; font-weight: 700; line-height: 1; }
.score-max { font-size: .9rem; opacity: .85; }
.band-good { background: #067647; } .band-fair { background: #b54708; }
.band-poor { background: #b42318; }
.meta { display: grid; grid-template-columns: max-content 1fr; gap: .15rem 1rem; margin: 0; }
.meta dt { color: var(--muted); } .meta dd { margin: 0; overflow-wrap: anywhere; }
.badge {
  display: inline-block; padding: 0 .45rem; border-radius: .6rem; font-size: .8rem;
  font-weight: 600; color: #fff; white-space: nowrap;
}
.badge.sev-error { background: var(--error); } .badge.sev-warning { background: var(--warning); }
.badge.sev-note { background: var(--note); }
@media (prefers-color-scheme: dark) { .badge { color: #111; } }
.grid { display: grid; grid-template-columns: repeat(auto-fill, minmax(7.5rem, 1fr)); gap: .35rem; }
.cell {
  display: flex; flex-direction: column; padding: .4rem .5rem; border-radius: .35rem;
  color: #fff; text-decoration: none; min-height: 4.2rem;
}
.cell:hover, .cell:focus { outline: 2px solid var(--fg); }
.cell-number { font-size: .75rem; opacity: .9; }
.cell-pct { font-size: 1.1rem; font-weight: 700; }
.cell-title { font-size: .75rem; line-height: 1.2; overflow-wrap: anywhere; }
details.section {
  background: var(--card); border: 1px solid var(--line); border-radius: .5rem;
  margin: .5rem 0; scroll-margin-top: 1rem;
}
details.section > summary {
  cursor: pointer; padding: .6rem .8rem; display: flex; gap: .5rem; align-items: center;
  flex-wrap: wrap;
}
details.section > summary::before { content: "\\25B8"; color: var(--muted); }
details.section[open] > summary::before { content: "\\25BE"; }
.section-title { font-weight: 600; flex: 1 1 auto; }
.coverage { color: #fff; border-radius: .3rem; padding: 0 .4rem; font-weight: 600; }
.panel { padding: 0 .8rem .8rem; border-top: 1px solid var(--line); }
.aligned { margin: 0; padding-left: 1.2rem; }
.loc, .confidence, .judged, .cite-where, figcaption { color: var(--muted); font-size: .85rem; }
.judged { margin-left: .5rem; }
table.verdicts { width: 100%; border-collapse: collapse; margin: .5rem 0; }
table.verdicts th, table.verdicts td {
  border-bottom: 1px solid var(--line); padding: .35rem .4rem; text-align: left;
  vertical-align: top;
}
td.mark { white-space: nowrap; }
.verdict-covered td.mark { color: #067647; } .verdict-partial td.mark { color: var(--warning); }
.verdict-missing td.mark { color: var(--error); }
.verdict-not_applicable td.mark { color: var(--muted); }
.reason { margin: .25rem 0 0; color: var(--muted); font-size: .9rem; }
blockquote {
  margin: .25rem 0; padding: .35rem .6rem; background: var(--quote);
  border-left: 3px solid var(--line); white-space: pre-wrap; overflow-wrap: anywhere;
}
figure.evidence { margin: .25rem 0; }
.finding {
  border: 1px solid var(--line); border-left-width: 4px; border-radius: .35rem;
  padding: .5rem .7rem; margin: .5rem 0; background: var(--card);
}
.finding.sev-error { border-left-color: var(--error); }
.finding.sev-warning { border-left-color: var(--warning); }
.finding.sev-note { border-left-color: var(--note); }
.finding .message { margin: .35rem 0; }
.rule { font-size: .8rem; color: var(--muted); }
pre {
  background: var(--quote); padding: .5rem .7rem; border-radius: .35rem; overflow-x: auto;
  white-space: pre-wrap;
}
details.citation { margin: .25rem 0 .25rem .5rem; }
details.citation > summary { cursor: pointer; }
.cite-title { font-weight: 600; }
.cite-score { font-size: .8rem; color: var(--muted); }
.cite-where { display: block; margin-left: 1rem; }
.cite-meta {
  display: grid; grid-template-columns: max-content 1fr; gap: 0 .75rem; margin: .25rem 0;
}
.cite-meta dt { color: var(--muted); } .cite-meta dd { margin: 0; overflow-wrap: anywhere; }
.warnings li { color: var(--warning); }
.foot { margin-top: 2rem; color: var(--muted); font-size: .8rem; }
@media print { details > summary { list-style: none; } details { break-inside: avoid; } }
"""
