"""Keep one review from contradicting itself.

Question verdicts come from sentence similarity; risks come from cues over the whole draft.
When the two disagree, the risk is the better evidence: "How quickly can the team roll back?"
cannot be covered by a sentence about a pilot when the same draft never mentions a rollback.

- A fired risk reopens the questions it is about: an `absent` risk makes them missing (no
  passage can answer them), a `trigger` risk makes them partial (the draft answers, but the
  answer carries the risk). The catalogue names those questions for the default template; for
  another template they are found by embedding the risk's query against its questions.
- "Not applicable" is challenged when the draft itself shows that the topic applies: a
  fairness section waved away in a draft that uses personal data about people.
"""

from __future__ import annotations

import numpy as np

from app.draft import Draft
from app.review.models import Evidence, QuestionVerdict, Verdict
from app.review.risks import RiskCatalogue, RiskHit, triggered_by
from app.review.vectors import Matrix, RubricVectors
from app.rubric.models import Rubric

# With a template that does not name a risk's questions, the closest question of each of the
# risk's home sections is taken when it is at least this close to the risk's query.
ABOUT_RISK_HOME = 0.45


def risk_questions(
    rubric: Rubric, vectors: RubricVectors, catalogue: RiskCatalogue, risk_vecs: Matrix
) -> dict[str, list[str]]:
    """Risk id -> ids of the rubric questions a finding of that risk answers in the negative:
    the catalogue's own list where the rubric has those questions, else found by embedding."""
    ids = vectors.question_ids
    known = set(ids)
    section_of = [s.id for s in rubric.sections for _ in s.questions]
    sims = risk_vecs @ vectors.questions.T if len(ids) else np.zeros((len(catalogue.risks), 0))
    out: dict[str, list[str]] = {}
    for k, risk in enumerate(catalogue.risks):
        named = [q for q in risk.questions if q in known]
        if named or (risk.questions == [] and "questions" in risk.model_fields_set):
            out[risk.id] = named
            continue
        chosen = []
        for home in risk.sections:
            rows = [j for j in range(len(ids)) if section_of[j] == home]
            if rows:
                best = max(rows, key=lambda j: sims[k, j])
                if sims[k, best] >= ABOUT_RISK_HOME:
                    chosen.append(ids[best])
        out[risk.id] = chosen
    return out


def reconcile_with_risks(
    verdicts: dict[str, list[QuestionVerdict]],
    hits: list[RiskHit],
    about: dict[str, list[str]],
) -> int:
    """Reopen covered (or not-applicable) verdicts that a fired risk contradicts, in place.
    Returns how many verdicts changed."""
    reopened: dict[str, RiskHit] = {}
    for hit in hits:
        for question_id in about.get(hit.risk.id, []):
            reopened.setdefault(question_id, hit)
    changed = 0
    for section_verdicts in verdicts.values():
        for i, verdict in enumerate(section_verdicts):
            fired = reopened.get(verdict.question_id)
            if fired is None or verdict.verdict in (Verdict.MISSING, Verdict.PARTIAL):
                continue
            absent = fired.risk.kind != "trigger"
            section_verdicts[i] = verdict.model_copy(
                update={
                    "verdict": Verdict.MISSING if absent else Verdict.PARTIAL,
                    "evidence": [] if absent else (fired.evidence[:1] or verdict.evidence[:1]),
                    "reason": f"the review found a risk here: {fired.risk.title.lower()}",
                }
            )
            changed += 1
    return changed


def challenge_not_applicable(
    draft: Draft,
    rubric: Rubric,
    verdicts: dict[str, list[QuestionVerdict]],
    catalogue: RiskCatalogue,
) -> int:
    """Turn "not applicable" into missing where a trigger of a risk filed under the same
    section occurs in the draft. Returns how many verdicts changed."""
    changed = 0
    for section in rubric.sections:
        risks = [r for r in catalogue.risks if section.id in r.sections and r.triggers]
        if not risks:
            continue
        for i, verdict in enumerate(verdicts[section.id]):
            if verdict.verdict is not Verdict.NOT_APPLICABLE:
                continue
            sentence = next(
                (s for r in risks if (s := triggered_by(draft, r)) is not None),
                None,
            )
            if sentence is None:
                continue
            where = sentence.location.label()
            verdicts[section.id][i] = verdict.model_copy(
                update={
                    "verdict": Verdict.MISSING,
                    "evidence": [
                        Evidence(
                            quote=sentence.text,
                            location=sentence.location,
                            section=draft.sections[sentence.section].heading,
                        )
                    ],
                    "reason": (f"the draft says this does not apply, but it applies: see {where}"),
                }
            )
            changed += 1
    return changed
