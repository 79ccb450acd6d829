"""The real-doc corpus reviewed against a second template: are reviews against a team's own
template as good as against the default one?

The labels were written against the default template. A map file names a second template and,
for each of its sections, the default sections it covers; a second-template section's label
combines theirs (covered when all are covered, missing when all are missing, partial
otherwise). Both templates are then scored on that same mapped structure, with the same
section model cross-validated by document (fitted on default-template features of the other
folds, as it ships): the default template's statuses are combined by the same rule, so the
two sets of figures compare like with like.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import yaml
from pydantic import BaseModel, ValidationError

from app.errors import MlsdError
from app.review.pipeline import Reviewer
from evals.realdocs.evaluate import (
    FOLDS,
    Extra,
    Judged,
    OtherTemplate,
    StatusMetrics,
    case_rows,
    fit_model,
    fold_of,
    judge_corpus,
    pooled_rows,
    statuses_under,
    tally,
)
from evals.realdocs.labels import LABELS_DIR, DocLabel, load_labels, mapped

# Templates whose judgements join the default template's in fitting the shipped section
# model: one more shape (prose guidance, other titles, no cues) so it transfers to templates
# teams write. The second template (second-map.yaml) is never among them: it is the test.
TRAIN_MAPS = tuple(
    Path(__file__).resolve().parents[1] / "templates" / name
    for name in ("shapes-map.yaml", "details-map.yaml")
)


def other_templates(
    reviewer_for: Callable[[Path], Reviewer], folder: Path, maps: tuple[Path, ...] = TRAIN_MAPS
) -> list[OtherTemplate]:
    """The corpus judged under each training template (`reviewer_for(template)` builds a
    reviewer; map paths are relative to the project)."""
    root = Path(__file__).resolve().parents[2]
    labels = [d for d in load_labels() if d.english]
    out = []
    for path in maps:
        template_map = load_map(path)
        reviewer = reviewer_for(root / template_map.template)
        judged = {i.label.id: i for i in judge_corpus(reviewer, folder, labels)}
        out.append(OtherTemplate(judged, template_map.map))
    return out


class TemplateMap(BaseModel):
    """A second template and the default sections each of its sections covers."""

    template: str
    map: dict[str, list[str]]


class TemplateComparison(BaseModel):
    """Held-out figures of the default and the second template on the same mapped sections."""

    template: str
    docs: int
    default: StatusMetrics
    second: StatusMetrics
    delta: dict[str, float]
    within: float = 0.05
    holds: bool


class MapError(MlsdError):
    """A template map that cannot be read or names sections that do not exist."""


def load_map(path: Path) -> TemplateMap:
    """A map file (YAML); MapError, one line, when it cannot be used."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise MapError(f"{path}: cannot read the template map ({exc.strerror})") from None
    except (UnicodeDecodeError, yaml.YAMLError) as exc:
        where = getattr(exc, "problem_mark", None)
        at = f" at line {where.line + 1}" if where is not None else ""
        raise MapError(f"{path}: the template map is not valid YAML{at}") from None
    try:
        return TemplateMap.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(p) for p in first["loc"]) or "the file"
        raise MapError(
            f"{path}: not a template map ({field}: {first['msg']}); it needs `template:` and "
            "`map:` (section -> default sections)"
        ) from None


def compare_templates(
    default_reviewer: Reviewer,
    second_reviewer: Reviewer,
    folder: Path,
    template_map: TemplateMap,
    labels_dir: Path = LABELS_DIR,
    folds: int = FOLDS,
    extra: Extra | None = None,
    others: list[OtherTemplate] | None = None,
) -> TemplateComparison:
    """Both templates' held-out figures against the mapped labels. `others` adds the
    features of other templates (with their maps) to every training fold: a section model
    that has seen more than one template shape (as the shipped one has, `TRAIN_MAPS`)."""
    unknown = {
        s for s in template_map.map if s not in {x.id for x in second_reviewer.rubric.sections}
    }
    if unknown:
        raise MapError(f"the map names sections the second template lacks: {sorted(unknown)}")
    labels: list[DocLabel] = [d for d in load_labels(labels_dir) if d.english]
    first = {i.label.id: i for i in judge_corpus(default_reviewer, folder, labels)}
    second = {i.label.id: i for i in judge_corpus(second_reviewer, folder, labels)}
    judged = [
        i.label.id
        for i in first.values()
        if i.judgement is not None and second[i.label.id].judgement is not None
    ]
    extra = extra if extra is not None else case_rows(default_reviewer)

    default_pairs: list[tuple[str, str]] = []
    second_pairs: list[tuple[str, str]] = []
    for k in range(folds):
        test = [d for d in judged if fold_of(d, folds) == k]
        train: list[Judged] = [first[d] for d in judged if fold_of(d, folds) != k]
        if not test or not train:
            continue
        rows, statuses = pooled_rows(train, others)
        model = fit_model(rows, statuses, extra)
        for doc in test:
            truth = mapped(first[doc].label.statuses(), template_map.map)
            j1, j2 = first[doc].judgement, second[doc].judgement
            assert j1 is not None and j2 is not None
            th1 = default_reviewer.thresholds.model_copy(update={"section_model": model})
            th2 = second_reviewer.thresholds.model_copy(update={"section_model": model})
            got1 = mapped(statuses_under(default_reviewer, j1, th1), template_map.map)
            got2 = statuses_under(second_reviewer, j2, th2)
            for section, label in truth.items():
                if section in got1:
                    default_pairs.append((got1[section], label))
                if section in got2:
                    second_pairs.append((got2[section], label))
    a, b = tally(default_pairs), tally(second_pairs)
    delta = {
        "agreement": round(b.agreement - a.agreement, 3),
        "missing_precision": round(b.missing["precision"] - a.missing["precision"], 3),
        "missing_recall": round(b.missing["recall"] - a.missing["recall"], 3),
        "gap_precision": round(b.gap["precision"] - a.gap["precision"], 3),
        "gap_recall": round(b.gap["recall"] - a.gap["recall"], 3),
    }
    return TemplateComparison(
        template=template_map.template,
        docs=len(judged),
        default=a,
        second=b,
        delta=delta,
        holds=all(v >= -0.05 for v in delta.values()),
    )


def render_comparison(report: TemplateComparison) -> str:
    """The comparison as a small table."""
    rows = [
        ("agreement", report.default.agreement, report.second.agreement),
        (
            "missing precision",
            report.default.missing["precision"],
            report.second.missing["precision"],
        ),
        ("missing recall", report.default.missing["recall"], report.second.missing["recall"]),
        ("gap precision", report.default.gap["precision"], report.second.gap["precision"]),
        ("gap recall", report.default.gap["recall"], report.second.gap["recall"]),
    ]
    lines = [
        f"{report.docs} docs, {report.second.sections} mapped sections, held out by document",
        f"{'':20} {'default':>8} {'second':>8} {'delta':>7}",
    ]
    lines += [f"{name:20} {a:8.3f} {b:8.3f} {b - a:+7.3f}" for name, a, b in rows]
    verdict = "holds" if report.holds else "does not hold"
    lines.append(
        f"second template within {report.within} of the default on every figure: {verdict}"
    )
    return "\n".join(lines)
