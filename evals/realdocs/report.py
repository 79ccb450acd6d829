"""The real-doc figures as a table for the terminal."""

from __future__ import annotations

from evals.realdocs.evaluate import RealDocsReport, StatusMetrics


def _status_rows(name: str, m: StatusMetrics) -> list[tuple[str, str]]:
    return [
        (f"{name}: three-way status agreement", f"{m.agreement:.3f} ({m.sections} sections)"),
        (
            f"{name}: missing-section precision / recall",
            f"{m.missing['precision']:.3f} / {m.missing['recall']:.3f}",
        ),
        (
            f"{name}: gap (partial or missing) precision / recall",
            f"{m.gap['precision']:.3f} / {m.gap['recall']:.3f}",
        ),
    ]


def render_realdocs(report: RealDocsReport) -> str:
    """A two-column table of the headline figures."""
    rows = [
        ("corpus version", report.corpus_version),
        (
            "docs found / English / judged",
            f"{report.docs} / {report.english_docs} / {report.judged}",
        ),
        ("non-English docs declined", report.refused_non_english),
        ("English docs wrongly declined", str(len(report.refused_english))),
        *_status_rows(f"held out ({report.folds} folds)", report.held_out),
        *_status_rows("shipped model (in-sample)", report.in_sample),
        (
            "risk precision / recall",
            f"{report.risk['precision']:.3f} / {report.risk['recall']:.3f}",
        ),
        (
            "verdicts contradicting a risk: before / after reconciling",
            f"{report.contradictions_before} / {report.contradictions_after}",
        ),
    ]
    if report.fix_first_precision is not None:
        rows.append(
            (
                "'fix these first' findings backed by the labels",
                f"{report.fix_first_precision:.3f} ({report.fix_first_checked} findings)",
            )
        )
    rows.append(
        (
            "findings per doc: all / in the default text report",
            f"{report.findings_per_doc:.1f} / {report.shown_per_doc:.1f}",
        )
    )
    if report.label_ceiling is not None:
        rows += _status_rows("second reader vs first", report.label_ceiling)
    width = max(len(k) for k, _ in rows)
    lines = [f"{k.ljust(width)}  {v}" for k, v in rows]
    if report.worst:
        lines.append("")
        lines.append("covered <-> missing disagreements (held out):")
        lines += [
            f"  {w['doc']} / {w['section']}: reader {w['label']}, mlsd {w['predicted']}"
            for w in report.worst[:15]
        ]
    return "\n".join(lines)
