"""A Review as an HTML fragment for the web app: score, coverage heatmap, one panel per
template section with its verdicts, gaps, risks and suggested edits, and citations that open
on the cited passage.

Pure functions of the Review. Every string from the review is escaped: drafts and guide
passages are untrusted text. Panels are <details> elements, so they open without any script;
class names start with `mlsd-` so nothing leaks into Gradio's own styles.
"""

from __future__ import annotations

from html import escape

from app.reports._common import (
    KIND_LABELS,
    SEVERITIES,
    VERDICT_WORDS,
    by_kind,
    citation_title,
    document_label,
    edit_label,
    evidence_label,
    heading_path,
    mode_label,
    percent,
    plural,
    rubric_label,
    safe_url,
    section_label,
)
from app.reports.html_page import coverage_color, fix_first_html, score_band, suppressed_html
from app.review.models import (
    Citation,
    Evidence,
    Finding,
    QuestionVerdict,
    Review,
    SectionReview,
)

EMPTY_HTML = (
    '<div class="mlsd-empty"><p class="mlsd-empty-title">No review yet</p>'
    "<p>Upload a design-doc draft (Markdown, text, PDF or Word) or paste its text, then press "
    "<b>Review draft</b>. The result shows the overall score, coverage per template section, "
    "and for each section the questions answered, the gaps and risks found, suggested edits, "
    "and the guide passages behind them.</p></div>"
)


def e(text: object) -> str:
    """Escape any value for HTML text or a quoted attribute."""
    return escape(str(text), quote=True)


def anchor(section_id: str) -> str:
    """The element id of a section's panel."""
    return f"mlsd-sec-{section_id}"


def _badge(severity: str, text: str) -> str:
    return f'<span class="mlsd-badge mlsd-sev-{e(severity)}">{e(text)}</span>'


def severity_badges(findings: list[Finding]) -> str:
    """'2 errors' '1 warning' badges for the severities present."""
    out = []
    for severity in SEVERITIES:
        n = sum(1 for f in findings if f.severity is severity)
        if n:
            out.append(_badge(severity.value, plural(n, severity.value)))
    return " ".join(out)


def header_html(review: Review) -> str:
    """Score badge, document, template, mode, finding counts and time."""
    counts = severity_badges(review.all_findings()) or "none"
    cached = " · served from the cache" if review.cached else ""
    return (
        '<header class="mlsd-top">'
        f'<div class="mlsd-score mlsd-band-{score_band(review.score)}" '
        f'title="Overall score {review.score:.0f} of 100" data-score="{review.score:.0f}">'
        f'<span class="mlsd-score-value">{review.score:.0f}</span>'
        '<span class="mlsd-score-max">/100</span></div>'
        f'<div class="mlsd-top-text"><h2 class="mlsd-title">{e(document_label(review))}</h2>'
        '<dl class="mlsd-meta">'
        f"<dt>Document</dt><dd><code>{e(review.document)}</code> ({e(review.document_format)})</dd>"
        f"<dt>Template</dt><dd>{e(rubric_label(review))}</dd>"
        f"<dt>Mode</dt><dd>{e(mode_label(review.mode))}</dd>"
        f"<dt>Findings</dt><dd>{counts}</dd>"
        f"<dt>Time</dt><dd>{review.timings.total:.1f} s{cached}</dd>"
        "</dl></div></header>"
    )


def heatmap_html(review: Review) -> str:
    """A grid of cells, one per template section, coloured by coverage; a cell opens its panel."""
    cells = []
    for s in review.sections:
        status = "n/a" if s.status == "not_applicable" else percent(s.coverage)
        cells.append(
            f'<a class="mlsd-cell" href="#{e(anchor(s.section_id))}" '
            f'data-target="{e(anchor(s.section_id))}" '
            f'style="background-color: {coverage_color(s.coverage)}" '
            f'title="{e(section_label(s))}: {e(status)} ({e(s.status)})">'
            f'<span class="mlsd-cell-number">{e(s.number or "·")}</span>'
            f'<span class="mlsd-cell-pct">{e(status)}</span>'
            f'<span class="mlsd-cell-title">{e(s.title)}</span></a>'
        )
    return (
        '<section class="mlsd-heatmap" aria-label="Coverage by section">'
        '<h3>Coverage by section</h3><div class="mlsd-grid">' + "".join(cells) + "</div>"
        '<p class="mlsd-legend"><span class="mlsd-swatch" style="background:'
        f'{coverage_color(0)}"></span> 0% <span class="mlsd-swatch" style="background:'
        f'{coverage_color(50)}"></span> 50% <span class="mlsd-swatch" style="background:'
        f'{coverage_color(100)}"></span> 100% · click a cell to open its section</p></section>'
    )


def _where(text: str) -> str:
    return f' <span class="mlsd-loc">{e(text)}</span>' if text else ""


def evidence_html(evidence: Evidence) -> str:
    """A quote from the draft with its place, or 'nothing found'."""
    where = evidence_label(evidence)
    if evidence.absent:
        return f'<p class="mlsd-evidence mlsd-absent">Nothing in the draft{_where(where)}</p>'
    return (
        f'<figure class="mlsd-evidence"><blockquote>{e(evidence.quote)}</blockquote>'
        f"<figcaption>In the draft{_where(where)}</figcaption></figure>"
    )


def citation_html(citation: Citation, number: int) -> str:
    """A cited guide passage: its name in the summary; source, heading path, location, link
    and the quoted passage when opened."""
    heading = heading_path(citation.heading_path)
    where = citation.location.label()
    rows = [f"<dt>Source</dt><dd><code>{e(citation.source)}</code></dd>"]
    if heading:
        rows.append(f"<dt>Section</dt><dd>{e(heading)}</dd>")
    if where:
        rows.append(f"<dt>Location</dt><dd>{e(where)}</dd>")
    url = safe_url(citation.url)
    if url:
        rows.append(
            f'<dt>Link</dt><dd><a href="{e(url)}" rel="noopener noreferrer" '
            f'target="_blank">{e(url)}</a></dd>'
        )
    rows.append(f"<dt>Relevance</dt><dd>{citation.score:.2f}</dd>")
    return (
        f'<details class="mlsd-citation" data-chunk="{e(citation.chunk_id)}">'
        f'<summary><span class="mlsd-cite-n">[{number}]</span> '
        f'<span class="mlsd-cite-title">{e(citation_title(citation))}</span>'
        f"{_where(where)}</summary>"
        f'<div class="mlsd-cite-body"><dl class="mlsd-cite-meta">{"".join(rows)}</dl>'
        f'<blockquote class="mlsd-quote">{e(citation.quote)}</blockquote></div></details>'
    )


def finding_html(finding: Finding) -> str:
    """One gap, risk, consistency note or suggested edit, with its evidence and sources."""
    parts = [
        f'<article class="mlsd-finding mlsd-sev-{e(finding.severity.value)} '
        f'mlsd-kind-{e(finding.kind.value)}" id="finding-{e(finding.id)}" '
        f'data-rule="{e(finding.rule_id)}">',
        f"<header>{_badge(finding.severity.value, finding.severity.value)} "
        f'<strong>{e(finding.title)}</strong> <code class="mlsd-rule">{e(finding.rule_id)}</code>'
        "</header>",
        f'<p class="mlsd-message">{e(finding.message)}</p>',
    ]
    parts += [evidence_html(ev) for ev in finding.evidence if not ev.absent]
    if finding.suggested_edit is not None:
        parts.append(
            f'<div class="mlsd-edit"><p>Suggested edit: {e(edit_label(finding.suggested_edit))}'
            f"</p><pre><code>{e(finding.suggested_edit.text)}</code></pre></div>"
        )
    if finding.citations:
        parts.append('<div class="mlsd-citations"><p class="mlsd-sources">Sources</p>')
        parts += [citation_html(c, i) for i, c in enumerate(finding.citations, start=1)]
        parts.append("</div>")
    parts.append("</article>")
    return "".join(parts)


def findings_html(findings: list[Finding]) -> str:
    """Findings grouped as gaps, risks, consistency and suggestions, worst first."""
    groups = []
    for kind, members in by_kind(findings):
        body = "".join(finding_html(f) for f in members)
        groups.append(
            f'<section class="mlsd-group mlsd-group-{e(kind.value)}">'
            f"<h4>{e(KIND_LABELS[kind])} ({len(members)})</h4>{body}</section>"
        )
    return "".join(groups)


def verdict_html(verdict: QuestionVerdict) -> str:
    """A guiding question with its verdict and the draft's evidence."""
    word = VERDICT_WORDS[verdict.verdict]
    evidence = "".join(evidence_html(ev) for ev in verdict.evidence if not ev.absent)
    reason = f'<p class="mlsd-reason">{e(verdict.reason)}</p>' if verdict.reason else ""
    return (
        f'<li class="mlsd-verdict mlsd-verdict-{e(verdict.verdict.value)}">'
        f'<span class="mlsd-chip">{e(word)}</span>'
        f'<div><p class="mlsd-question">{e(verdict.question)}</p>{reason}{evidence}</div></li>'
    )


def section_html(section: SectionReview) -> str:
    """The panel of one template section; panels with errors start open."""
    worst = max((f.severity.rank for f in section.findings), default=-1)
    opened = " open" if worst >= 2 else ""
    if section.aligned:
        aligned = "".join(
            f"<li>{e(a.heading or '(untitled)')}{_where(a.location.label())}"
            f' <span class="mlsd-muted">match {a.confidence:.2f}</span></li>'
            for a in section.aligned
        )
        aligned = f'<ul class="mlsd-aligned">{aligned}</ul>'
    else:
        aligned = '<p class="mlsd-muted">No heading of the draft matched this section.</p>'
    note = f'<p class="mlsd-muted">{e(section.note)}</p>' if section.note else ""
    verdicts = ""
    if section.verdicts:
        verdicts = (
            "<h4>Guiding questions</h4>"
            f'<ul class="mlsd-verdicts">{"".join(verdict_html(v) for v in section.verdicts)}</ul>'
        )
    status = "n/a" if section.status == "not_applicable" else percent(section.coverage)
    judged = (
        f' <span class="mlsd-muted">judged by {e(mode_label(section.judged_by))}</span>'
        if section.judged_by not in ("", "offline")
        else ""
    )
    return (
        f'<details class="mlsd-section" id="{e(anchor(section.section_id))}" '
        f'data-status="{e(section.status)}"{opened}>'
        f'<summary><span class="mlsd-section-title">{e(section_label(section))}</span>'
        f'<span class="mlsd-pill" style="background-color: {coverage_color(section.coverage)}">'
        f"{e(status)}</span>"
        f'<span class="mlsd-status-word">{e(section.status.replace("_", " "))}</span>'
        f"{severity_badges(section.findings)}</summary>"
        f'<div class="mlsd-panel"><h4>In the draft</h4>{aligned}{note}{judged}{verdicts}'
        f"{findings_html(section.findings)}</div></details>"
    )


def review_html(review: Review) -> str:
    """The whole review as one fragment for a gr.HTML component."""
    warnings = ""
    if review.warnings:
        items = "".join(f"<li>{e(w)}</li>" for w in review.warnings)
        warnings = f'<section class="mlsd-warnings"><h3>Warnings</h3><ul>{items}</ul></section>'
    document = ""
    if review.findings:
        document = (
            '<section class="mlsd-document"><h3>Whole document</h3>'
            f"{findings_html(review.findings)}</section>"
        )
    return (
        '<div class="mlsd-review">'
        + header_html(review)
        + warnings
        + fix_first_html(review, "mlsd-fix-first")
        + heatmap_html(review)
        + '<section class="mlsd-sections"><h3>Sections</h3>'
        + "".join(section_html(s) for s in review.sections)
        + "</section>"
        + document
        + suppressed_html(review, "mlsd-suppressed", "h3")
        + "</div>"
    )
