"""The HTML report: one self-contained page (inline CSS, no fonts, images or remote scripts).

Every string that comes from the review is passed through `html.escape`: drafts and
knowledge-base passages are untrusted text. A Content-Security-Policy that allows only the
page's own script (by hash) backs that up.
"""

from __future__ import annotations

import base64
import hashlib
from html import escape

from app.reports._common import (
    KIND_LABELS,
    SEVERITIES,
    VERDICT_MARKS,
    VERDICT_WORDS,
    by_kind,
    citation_label,
    counts_label,
    document_label,
    edit_label,
    evidence_label,
    fix_first_line,
    heading_path,
    mode_label,
    percent,
    plural,
    rubric_label,
    safe_url,
    section_label,
    suppression_lines,
)
from app.reports.html_style import CSS
from app.review.models import (
    Citation,
    Evidence,
    Finding,
    QuestionVerdict,
    Review,
    SectionReview,
)

# Opens the <details> a link or the address points at; without it the panels open by click.
SCRIPT = (
    "(function(){function openTarget(){var id=decodeURIComponent(location.hash.slice(1));"
    "if(!id)return;var el=document.getElementById(id);"
    "while(el){if(el.tagName==='DETAILS')el.open=true;el=el.parentElement;}}"
    "window.addEventListener('hashchange',openTarget);openTarget();})();"
)
_SCRIPT_HASH = base64.b64encode(hashlib.sha256(SCRIPT.encode()).digest()).decode()
CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; "
    f"script-src 'sha256-{_SCRIPT_HASH}'; base-uri 'none'; form-action 'none'"
)


def e(text: object) -> str:
    """Escape any value for HTML text or a quoted attribute."""
    return escape(str(text), quote=True)


def coverage_color(coverage: float) -> str:
    """Red (0%) through amber to green (100%), dark enough for white text."""
    hue = round(max(0.0, min(100.0, coverage)) * 1.2)
    return f"hsl({hue}, 62%, 36%)"


def score_band(score: float) -> str:
    """'good', 'fair' or 'poor': the class that colours the score badge."""
    return "good" if score >= 80 else "fair" if score >= 50 else "poor"


def _severity_badge(severity: str, text: str | None = None) -> str:
    return f'<span class="badge sev-{e(severity)}">{e(text or severity)}</span>'


def _head(review: Review) -> str:
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        '<meta name="generator" content="mlsd">\n'
        f"<title>mlsd review: {e(document_label(review))}</title>\n"
        f"<style>{CSS}</style>\n</head>\n"
    )


def _header(review: Review) -> str:
    counts = " ".join(
        _severity_badge(s.value, plural(review.count(s), s.value)) for s in SEVERITIES
    )
    cached = " (cached)" if review.cached else ""
    return (
        '<header class="top">\n'
        f'<div class="score-badge band-{score_band(review.score)}" id="score" '
        f'title="Overall score {review.score:.0f} of 100">'
        f'<span class="score-value">{review.score:.0f}</span>'
        '<span class="score-max">/100</span></div>\n'
        f"<div><h1>mlsd review: {e(document_label(review))}</h1>\n"
        '<dl class="meta">'
        f"<dt>Document</dt><dd><code>{e(review.document)}</code> "
        f"({e(review.document_format)})</dd>"
        f"<dt>Template</dt><dd>{e(rubric_label(review))}</dd>"
        f"<dt>Mode</dt><dd>{e(mode_label(review.mode))}{cached}</dd>"
        f'<dt>Findings</dt><dd aria-label="{e(counts_label(review))}">{counts}</dd>'
        "</dl></div>\n</header>\n"
    )


def _heatmap(review: Review) -> str:
    cells = []
    for s in review.sections:
        cells.append(
            f'<a class="cell" href="#section-{e(s.section_id)}" '
            f'style="background-color: {coverage_color(s.coverage)}" '
            f'title="{e(section_label(s))}: {percent(s.coverage)}" '
            f'data-coverage="{s.coverage:.0f}">'
            f'<span class="cell-number">{e(s.number or "·")}</span>'
            f'<span class="cell-pct">{percent(s.coverage)}</span>'
            f'<span class="cell-title">{e(s.title)}</span></a>'
        )
    return (
        '<nav class="heatmap" id="heatmap" aria-label="Coverage by section">\n'
        "<h2>Coverage by section</h2>\n"
        f'<div class="grid">\n{chr(10).join(cells)}\n</div>\n</nav>\n'
    )


def _location(text: str) -> str:
    return f' <span class="loc">{e(text)}</span>' if text else ""


def _evidence(evidence: Evidence) -> str:
    where = evidence_label(evidence)
    if evidence.absent:
        return f'<p class="evidence absent">Nothing found in the draft{_location(where)}</p>'
    return (
        f'<figure class="evidence"><blockquote>{e(evidence.quote)}</blockquote>'
        f"<figcaption>{_location(where).strip() or 'in the draft'}</figcaption></figure>"
    )


def _citation(citation: Citation) -> str:
    heading = heading_path(citation.heading_path)
    url = safe_url(citation.url)
    rows = [f"<dt>Source</dt><dd>{e(citation.source)}</dd>"]
    if heading:
        rows.append(f"<dt>Section</dt><dd>{e(heading)}</dd>")
    if citation.location.label():
        rows.append(f"<dt>Location</dt><dd>{e(citation.location.label())}</dd>")
    if url:
        rows.append(
            f'<dt>Link</dt><dd><a class="cite-link" href="{e(url)}" '
            f'rel="noopener noreferrer" target="_blank">{e(url)}</a></dd>'
        )
    elif citation.url:
        rows.append(f"<dt>Link</dt><dd>{e(citation.url)}</dd>")
    rows.append(f"<dt>Score</dt><dd>{citation.score:.2f}</dd>")
    return (
        f'<details class="citation" data-chunk="{e(citation.chunk_id)}">'
        f'<summary><span class="cite-title">{e(citation.title)}</span> '
        f'<span class="cite-score">{citation.score:.2f}</span>'
        f'<span class="cite-where">{e(citation_label(citation))}</span></summary>'
        f"<blockquote>{e(citation.quote)}</blockquote>"
        f'<dl class="cite-meta">{"".join(rows)}</dl></details>'
    )


def _finding(finding: Finding) -> str:
    parts = [
        f'<article class="finding kind-{e(finding.kind.value)} sev-{e(finding.severity.value)}" '
        f'id="finding-{e(finding.id)}" data-rule="{e(finding.rule_id)}">',
        f"<header>{_severity_badge(finding.severity.value)} "
        f'<strong class="finding-title">{e(finding.title)}</strong> '
        f'<code class="rule">{e(finding.rule_id)}</code>'
        f'<span class="judged">{e(mode_label(finding.source))}</span></header>',
        f'<p class="message">{e(finding.message)}</p>',
    ]
    parts += [_evidence(ev) for ev in finding.evidence]
    if finding.suggested_edit is not None:
        parts.append(
            f'<div class="edit"><p>Suggested edit: {e(edit_label(finding.suggested_edit))}</p>'
            f"<pre><code>{e(finding.suggested_edit.text)}</code></pre></div>"
        )
    if finding.citations:
        parts.append('<div class="citations"><p>Sources:</p>')
        parts += [_citation(c) for c in finding.citations]
        parts.append("</div>")
    parts.append("</article>")
    return "\n".join(parts)


def _findings(findings: list[Finding]) -> str:
    groups = []
    for kind, members in by_kind(findings):
        body = "\n".join(_finding(f) for f in members)
        groups.append(
            f'<section class="findings-group kind-{e(kind.value)}">'
            f"<h3>{e(KIND_LABELS[kind])} ({len(members)})</h3>\n{body}\n</section>"
        )
    return "\n".join(groups)


def _verdict_row(verdict: QuestionVerdict) -> str:
    evidence = "".join(_evidence(ev) for ev in verdict.evidence) or "—"
    reason = f'<p class="reason">{e(verdict.reason)}</p>' if verdict.reason else ""
    return (
        f'<tr class="verdict verdict-{e(verdict.verdict.value)}" '
        f'id="question-{e(verdict.question_id)}">'
        f'<td class="mark" title="{e(VERDICT_WORDS[verdict.verdict])}">'
        f"<code>{e(VERDICT_MARKS[verdict.verdict])}</code> "
        f"{e(VERDICT_WORDS[verdict.verdict])}</td>"
        f"<td>{e(verdict.question)}{reason}</td><td>{evidence}</td></tr>"
    )


def _section(section: SectionReview) -> str:
    worst = max((f.severity.rank for f in section.findings), default=-1)
    opened = " open" if worst >= 2 else ""
    counts = " ".join(
        _severity_badge(s.value, str(n))
        for s in SEVERITIES
        if (n := sum(1 for f in section.findings if f.severity is s))
    )
    aligned = (
        '<ul class="aligned">'
        + "".join(
            f'<li><span class="aligned-heading">{e(a.heading)}</span>'
            f"{_location(a.location.label())}"
            f' <span class="confidence">confidence {a.confidence:.2f}</span></li>'
            for a in section.aligned
        )
        + "</ul>"
        if section.aligned
        else '<p class="aligned none">No draft heading matched this section.</p>'
    )
    note = f'<p class="note">{e(section.note)}</p>' if section.note else ""
    verdicts = (
        '<table class="verdicts"><thead><tr><th>Verdict</th><th>Question</th>'
        "<th>Evidence</th></tr></thead><tbody>"
        + "".join(_verdict_row(v) for v in section.verdicts)
        + "</tbody></table>"
        if section.verdicts
        else ""
    )
    return (
        f'<details class="section" id="section-{e(section.section_id)}"'
        f' data-coverage="{section.coverage:.0f}" data-status="{e(section.status)}"{opened}>\n'
        f'<summary><span class="section-title">{e(section_label(section))}</span> '
        f'<span class="coverage" style="background-color: {coverage_color(section.coverage)}">'
        f"{percent(section.coverage)}</span> {counts}</summary>\n"
        f'<div class="panel">\n<h4>Draft headings</h4>{aligned}{note}\n{verdicts}\n'
        f"{_findings(section.findings)}\n</div>\n</details>\n"
    )


def fix_first_html(review: Review, css_class: str = "fix-first") -> str:
    """'Fix these first' as an ordered list; the report and the web app both show it."""
    top = review.top()
    if not top:
        return ""
    items = "".join(
        f'<li><a href="#finding-{e(f.id)}">{e(fix_first_line(review, f))}</a></li>' for f in top
    )
    return (
        f'<section class="{e(css_class)}" id="fix-first"><h2>Fix these first</h2>'
        f"<ol>{items}</ol></section>\n"
    )


def _document_findings(review: Review) -> str:
    if not review.findings:
        return ""
    return (
        '<section class="document-findings" id="document-findings">\n'
        f"<h2>Whole document</h2>\n{_findings(review.findings)}\n</section>\n"
    )


def _warnings(review: Review) -> str:
    if not review.warnings:
        return ""
    items = "".join(f"<li>{e(w)}</li>" for w in review.warnings)
    return f'<section class="warnings" id="warnings"><h2>Warnings</h2><ul>{items}</ul></section>\n'


def suppressed_html(review: Review, css_class: str = "suppressed", heading: str = "h2") -> str:
    """What the team's policy, comments or baseline silenced, and why (reports and the UI)."""
    if not review.suppressed:
        return ""
    items = "".join(f"<li>{e(line)}</li>" for line in suppression_lines(review))
    title = f"Suppressed ({len(review.suppressed)}, not counted)"
    return (
        f'<section class="{css_class}" id="{css_class}">'
        f"<{heading}>{title}</{heading}><ul>{items}</ul></section>\n"
    )


def _footer(review: Review) -> str:
    t = review.timings
    return (
        '<footer class="foot">'
        f"Review format {e(review.format_version)} · draft {e(review.document_hash[:12])}"
        f" · knowledge base {e(review.kb_fingerprint[:12])} · {t.total:.1f} s"
        "</footer>\n"
    )


def render_html(review: Review) -> str:
    """The whole review as one self-contained HTML page."""
    sections = "".join(_section(s) for s in review.sections)
    return (
        _head(review)
        + "<body>\n"
        + _header(review)
        + fix_first_html(review)
        + _heatmap(review)
        + '<main>\n<section class="sections" id="sections"><h2>Sections</h2>\n'
        + sections
        + "</section>\n"
        + _document_findings(review)
        + suppressed_html(review)
        + _warnings(review)
        + "</main>\n"
        + _footer(review)
        + f"<script>{SCRIPT}</script>\n</body>\n</html>\n"
    )
