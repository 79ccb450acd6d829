"""The app's look: a Gradio theme with system fonts only (nothing fetched from a font CDN),
the stylesheet of the review panels, and one small script that opens a section's panel when
its heatmap cell is clicked."""

from __future__ import annotations

from typing import Any

SYSTEM_FONTS = ["system-ui", "-apple-system", "Segoe UI", "Roboto", "sans-serif"]
MONO_FONTS = ["ui-monospace", "SFMono-Regular", "Menlo", "Consolas", "monospace"]


def theme() -> Any:
    """A calm theme on system fonts (Gradio's default fonts are not needed, nor fetched)."""
    import gradio as gr

    return gr.themes.Soft(
        primary_hue="indigo",
        secondary_hue="slate",
        neutral_hue="slate",
        font=SYSTEM_FONTS,
        font_mono=MONO_FONTS,
    )


# A click on a heatmap cell opens the section's <details> and scrolls to it; without the
# script the link still scrolls there.
HEAD = """<script>
document.addEventListener("click", function (event) {
  var cell = event.target.closest && event.target.closest("a.mlsd-cell");
  if (!cell) { return; }
  var panel = document.getElementById(cell.getAttribute("data-target"));
  if (!panel) { return; }
  event.preventDefault();
  panel.open = true;
  panel.scrollIntoView({behavior: "smooth", block: "start"});
});
</script>"""

CSS = """
.mlsd-brand { display: flex; align-items: baseline; gap: .75rem; flex-wrap: wrap; }
.mlsd-brand h1 { margin: 0; font-size: 1.6rem; letter-spacing: -.01em; }
.mlsd-brand p { margin: 0; color: var(--body-text-color-subdued); }
.mlsd-logo {
  display: inline-block; padding: .1rem .5rem; border-radius: .4rem; color: #fff;
  background: var(--color-accent, #4f46e5); font-weight: 700;
}
.mlsd-review, .mlsd-hits, .mlsd-status, .mlsd-empty { font-size: .95rem; line-height: 1.5; }
.mlsd-review h3 { font-size: 1.05rem; margin: 1.1rem 0 .5rem; }
.mlsd-review h4 { font-size: .9rem; margin: .8rem 0 .3rem; color: var(--body-text-color-subdued); }
.mlsd-empty {
  border: 1px dashed var(--border-color-primary); border-radius: .6rem; padding: 2rem;
  color: var(--body-text-color-subdued); text-align: center;
}
.mlsd-empty-title { font-size: 1.1rem; font-weight: 600; color: var(--body-text-color); }
.mlsd-top { display: flex; gap: 1.25rem; align-items: center; }
.mlsd-score {
  flex: none; width: 6.5rem; height: 6.5rem; border-radius: 50%; color: #fff;
  display: flex; flex-direction: column; align-items: center; justify-content: center;
  gap: .15rem;
}
.mlsd-score-value { font-size: 2.1rem; font-weight: 700; line-height: 1; }
.mlsd-score-max { font-size: .85rem; opacity: .85; }
.mlsd-band-good { background: #067647; } .mlsd-band-fair { background: #b54708; }
.mlsd-band-poor { background: #b42318; }
.mlsd-title { margin: 0 0 .3rem; font-size: 1.3rem; overflow-wrap: anywhere; }
.mlsd-meta, .mlsd-cite-meta {
  display: grid; grid-template-columns: max-content 1fr; gap: .1rem .9rem; margin: 0;
}
.mlsd-meta dt, .mlsd-cite-meta dt { color: var(--body-text-color-subdued); }
.mlsd-meta dd, .mlsd-cite-meta dd { margin: 0; overflow-wrap: anywhere; }
.mlsd-badge {
  display: inline-block; padding: 0 .45rem; border-radius: .6rem; font-size: .78rem;
  font-weight: 600; color: #fff; white-space: nowrap; margin-right: .2rem;
}
.mlsd-badge.mlsd-sev-error { background: #b42318; }
.mlsd-badge.mlsd-sev-warning { background: #b54708; }
.mlsd-badge.mlsd-sev-note { background: #175cd3; }
.mlsd-grid {
  display: grid; grid-template-columns: repeat(auto-fill, minmax(7.2rem, 1fr)); gap: .35rem;
}
.mlsd-cell {
  display: flex; flex-direction: column; padding: .4rem .5rem; border-radius: .4rem;
  color: #fff !important; text-decoration: none !important; min-height: 4.3rem;
}
.mlsd-review .mlsd-cell span, .mlsd-review .mlsd-score span, .mlsd-review .mlsd-pill,
.mlsd-review .mlsd-badge { color: #fff !important; }
.mlsd-cell:hover, .mlsd-cell:focus { outline: 2px solid var(--body-text-color); }
.mlsd-cell-number { font-size: .72rem; opacity: .9; }
.mlsd-cell-pct { font-size: 1.1rem; font-weight: 700; }
.mlsd-cell-title { font-size: .74rem; line-height: 1.2; overflow-wrap: anywhere; }
.mlsd-legend { font-size: .8rem; color: var(--body-text-color-subdued); margin: .4rem 0 0; }
.mlsd-swatch {
  display: inline-block; width: .8rem; height: .8rem; border-radius: .2rem;
  vertical-align: middle; margin-left: .4rem;
}
details.mlsd-section {
  border: 1px solid var(--border-color-primary); border-radius: .5rem; margin: .45rem 0;
  background: var(--block-background-fill); scroll-margin-top: 1rem;
}
details.mlsd-section > summary {
  cursor: pointer; padding: .55rem .8rem; display: flex; gap: .55rem; align-items: center;
  flex-wrap: wrap; list-style: none;
}
details.mlsd-section > summary::-webkit-details-marker { display: none; }
details.mlsd-section > summary::before {
  content: "\\25B8"; color: var(--body-text-color-subdued); width: .8rem;
}
details.mlsd-section[open] > summary::before { content: "\\25BE"; }
.mlsd-section-title { font-weight: 600; flex: 1 1 16rem; }
.mlsd-pill { color: #fff; border-radius: .3rem; padding: 0 .45rem; font-weight: 600; }
.mlsd-status-word { font-size: .8rem; color: var(--body-text-color-subdued); min-width: 4rem; }
.mlsd-panel { padding: 0 .9rem .8rem; border-top: 1px solid var(--border-color-primary); }
.mlsd-muted, .mlsd-loc, figcaption { color: var(--body-text-color-subdued); font-size: .85rem; }
.mlsd-aligned { margin: 0; padding-left: 1.2rem; }
.mlsd-verdicts { list-style: none; padding: 0; margin: 0; }
.mlsd-verdict {
  display: grid; grid-template-columns: 5.5rem 1fr; gap: .6rem; padding: .35rem 0;
  border-bottom: 1px solid var(--border-color-primary);
}
.mlsd-verdict p { margin: 0; }
.mlsd-chip {
  align-self: start; text-align: center; border-radius: .3rem; font-size: .78rem;
  font-weight: 600; padding: .05rem .3rem; border: 1px solid currentColor;
}
.mlsd-verdict-covered .mlsd-chip { color: #067647; }
.mlsd-verdict-partial .mlsd-chip { color: #b54708; }
.mlsd-verdict-missing .mlsd-chip { color: #b42318; }
.mlsd-verdict-not_applicable .mlsd-chip { color: var(--body-text-color-subdued); }
.dark .mlsd-verdict-covered .mlsd-chip { color: #47cd89; }
.dark .mlsd-verdict-partial .mlsd-chip { color: #fdb022; }
.dark .mlsd-verdict-missing .mlsd-chip { color: #f97066; }
.mlsd-reason { color: var(--body-text-color-subdued); font-size: .88rem; }
.mlsd-review blockquote, .mlsd-hits blockquote, .mlsd-chat-cite blockquote {
  margin: .25rem 0; padding: .35rem .6rem; background: var(--background-fill-secondary);
  border-left: 3px solid var(--border-color-primary); white-space: pre-wrap;
  overflow-wrap: anywhere; font-size: .9rem;
}
.mlsd-review .mlsd-evidence { margin: .25rem 0; }
.mlsd-review .mlsd-evidence blockquote { margin: .15rem 0 0; }
.mlsd-review .mlsd-evidence figcaption, .mlsd-review .mlsd-verdict p { margin: 0; }
.mlsd-review .mlsd-cite-body blockquote { margin: .3rem 0 0; }
.mlsd-absent { font-style: italic; }
.mlsd-finding {
  border: 1px solid var(--border-color-primary); border-left-width: 4px; border-radius: .4rem;
  padding: .45rem .7rem; margin: .45rem 0; background: var(--background-fill-primary);
}
.mlsd-finding.mlsd-sev-error { border-left-color: #b42318; }
.mlsd-finding.mlsd-sev-warning { border-left-color: #b54708; }
.mlsd-finding.mlsd-sev-note { border-left-color: #175cd3; }
.mlsd-message { margin: .3rem 0; }
.mlsd-rule { font-size: .75rem; color: var(--body-text-color-subdued); }
.mlsd-edit pre {
  background: var(--background-fill-secondary); padding: .5rem .7rem; border-radius: .35rem;
  white-space: pre-wrap; overflow-x: auto; font-size: .85rem;
}
.mlsd-edit p, .mlsd-sources { margin: .3rem 0 .1rem; font-weight: 600; font-size: .85rem; }
details.mlsd-citation { margin: .15rem 0 .15rem .2rem; }
details.mlsd-citation > summary { cursor: pointer; }
.mlsd-cite-n { font-weight: 700; color: var(--color-accent, #4f46e5); }
.mlsd-cite-title { font-weight: 500; }
.mlsd-cite-body { padding: .3rem 0 .3rem 1.1rem; }
.mlsd-warnings li { color: #b54708; }
.mlsd-status { border-radius: .5rem; padding: .5rem .8rem; border: 1px solid; }
.mlsd-status p { margin: 0; font-weight: 500; font-size: .92rem; }
.mlsd-status ul { margin: .3rem 0 0; padding-left: 1.2rem; font-size: .88rem; }
.mlsd-status-ok { border-color: #067647; background: rgba(6, 118, 71, .08); }
.mlsd-status-info { border-color: var(--border-color-primary); }
.mlsd-status-warning { border-color: #b54708; background: rgba(181, 71, 8, .08); }
.mlsd-status-error { border-color: #b42318; background: rgba(180, 35, 24, .1); }
.mlsd-hit { border-bottom: 1px solid var(--border-color-primary); padding: .5rem 0; }
.mlsd-hit p { margin: .1rem 0; }
details.mlsd-chat-cite { margin: .1rem 0; font-size: .9rem; }
details.mlsd-chat-cite > summary { cursor: pointer; }
.mlsd-check textarea { font-family: var(--font-mono); }
"""
