"""review_document: the whole review of one draft, offline or with an LLM.

Stages: load the draft, align its sections, judge every guiding question, detect risks and
inconsistencies, retrieve citations, build suggested edits, score. Each stage takes its
backends as arguments; nothing here prints or exits.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path

from app.draft import Draft, load_draft, load_draft_bytes
from app.errors import UnsupportedDocument
from app.language import detect_language
from app.llm.judge import LLMJudge
from app.llm.review import judge_with_llm
from app.review.align import align_sections
from app.review.cache import ReviewCache, cache_key
from app.review.cite import CitationQuery, cite
from app.review.consistency import CONSISTENCY_RULES, check_consistency
from app.review.doctype import not_a_design_doc
from app.review.edits import offline_edit
from app.review.findings import (
    consistency_finding,
    edit_finding,
    fix_first,
    gap_findings,
    no_section_finding,
    placeholder_findings,
    rank,
    risk_finding,
    weigh,
)
from app.review.judge import judge_offline, score_matrix
from app.review.judgement import Judgement
from app.review.models import (
    Finding,
    FindingKind,
    Review,
    SectionReview,
    Timings,
)
from app.review.policy import Policy
from app.review.reconcile import challenge_not_applicable, reconcile_with_risks, risk_questions
from app.review.risks import RiskCatalogue, detect_risks, load_catalogue
from app.review.score import review_score
from app.review.sections import decide_sections, topic_note
from app.review.thresholds import DEFAULT_THRESHOLDS, Thresholds
from app.review.topics import borrow_topics
from app.review.vectors import (
    RubricVectors,
    question_text,
    rubric_vectors,
    sentence_vectors,
)
from app.rubric import Rubric, load_rubric
from app.settings import DEFAULT_TEMPLATE, Settings, config_file
from ingest.store import KnowledgeStore

# Bump when the reviewer's logic changes so cached reviews are recomputed.
REVIEWER_VERSION = "5"


@lru_cache(maxsize=1)
def _reference_rubric() -> Rubric:
    """The built-in template: the catalogue of topics a team's template borrows cues from."""
    return load_rubric(DEFAULT_TEMPLATE)


Progress = Callable[[str, float], None]


def kb_fingerprint(store: KnowledgeStore) -> str:
    """A hash of what the knowledge base holds (sources, their hashes, the model)."""
    sources = sorted(f"{s.source_id}:{s.content_hash}" for s in store.sources().values())
    text = "\n".join([store.embedder.name, *sources])
    return hashlib.sha256(text.encode()).hexdigest()[:16]


class Reviewer:
    """Reviews drafts against one rubric with one knowledge base. Thread-safe for reads."""

    def __init__(
        self,
        settings: Settings,
        store: KnowledgeStore,
        rubric: Rubric | None = None,
        catalogue: RiskCatalogue | None = None,
        thresholds: Thresholds = DEFAULT_THRESHOLDS,
        use_cache: bool = True,
        llm: LLMJudge | None = None,
        policy: Policy | None = None,
    ) -> None:
        self.settings = settings
        self.store = store
        self._rubric = rubric or load_rubric(settings.template)
        self._topics_lent = False
        self._rubric_lock = threading.Lock()
        self.catalogue = catalogue or load_catalogue(settings.risks)
        self.thresholds = thresholds
        self.cache = ReviewCache(settings.data_dir / "cache" / "reviews") if use_cache else None
        self.llm = llm
        if policy is None:
            config = config_file()
            policy = Policy(settings.rules, config.parent if config else None)
        self.policy = policy
        self._risk_questions: tuple[tuple[str, str], dict[str, list[str]]] | None = None

    @property
    def rubric(self) -> Rubric:
        """The template's rubric; a team's template without cues of its own borrows those of
        the built-in sections it matches (app.review.topics), on first use."""
        with self._rubric_lock:
            if not self._topics_lent:
                # Only a template with derived cues needs the built-in one (and the model).
                if any(s.cues_derived for s in self._rubric.sections):
                    self._rubric = borrow_topics(
                        self._rubric, _reference_rubric(), self.store.embedder
                    )
                self._topics_lent = True
        return self._rubric

    @property
    def mode(self) -> str:
        """'offline', or the name of the LLM that judges sections."""
        return self.llm.name if self.llm is not None else "offline"

    def review_path(
        self, path: Path, source_id: str | None = None, progress: Progress | None = None
    ) -> Review:
        """Review a draft file."""
        started = time.perf_counter()
        draft = load_draft(path, source_id, **self.settings.draft_limits)
        return self.review(draft, progress, load_seconds=time.perf_counter() - started)

    def review_bytes(self, data: bytes, name: str, progress: Progress | None = None) -> Review:
        """Review an uploaded draft."""
        started = time.perf_counter()
        draft = load_draft_bytes(data, name, **self.settings.draft_limits)
        return self.review(draft, progress, load_seconds=time.perf_counter() - started)

    def _key(self, draft: Draft, fingerprint: str) -> str:
        return cache_key(
            REVIEWER_VERSION,
            draft.source_id,
            draft.content_hash,
            self.rubric.version,
            self.rubric.id,
            self.catalogue.version,
            fingerprint,
            self.mode,
            self.thresholds.model_dump_json(),
            str(self.settings.max_findings_per_section),
        )

    def review(
        self, draft: Draft, progress: Progress | None = None, load_seconds: float = 0.0
    ) -> Review:
        """Review a loaded draft (served from the cache when nothing changed)."""
        fingerprint = kb_fingerprint(self.store)
        key = self._key(draft, fingerprint)
        review = self.cache.get(key) if self.cache is not None else None
        if review is None:
            review = self._compute(draft, fingerprint, progress, load_seconds)
            if self.cache is not None:
                self.cache.put(key, review)
        return self.policy.apply(review, draft, self.rubric, self.rule_ids())

    def rule_ids(self) -> set[str]:
        """Ids of the rules that are not per section: risks and consistency checks."""
        return {f"risk.{r.id}" for r in self.catalogue.risks} | set(CONSISTENCY_RULES)

    def risk_questions(self, vectors: RubricVectors) -> dict[str, list[str]]:
        """Risk id -> the rubric questions a finding of that risk answers in the negative."""
        key = (self.rubric.version, self.catalogue.version)
        if self._risk_questions is None or self._risk_questions[0] != key:
            queries = [r.query for r in self.catalogue.risks]
            risk_vecs = self.store.embedder.embed_documents(queries) if queries else None
            about = (
                risk_questions(self.rubric, vectors, self.catalogue, risk_vecs)
                if risk_vecs is not None
                else {}
            )
            self._risk_questions = (key, about)
        return self._risk_questions[1]

    def judge(self, draft: Draft, progress: Progress | None = None) -> Judgement:
        """Everything a review decides about a draft before findings are written: alignment,
        question verdicts (reconciled with the risks), risks, inconsistencies and the status
        of every section. Raises UnsupportedDocument for a draft it cannot judge."""
        step = progress or (lambda stage, fraction: None)
        rubric, th = self.rubric, self.thresholds
        language = detect_language(draft.text)
        if not language.english:
            raise UnsupportedDocument(
                f"{draft.source_id}: this reviewer judges English text; this document looks "
                f"{language.name}"
            )
        if reason := not_a_design_doc(draft, rubric):
            raise UnsupportedDocument(
                f"{draft.source_id}: this does not look like an ML design doc ({reason}); "
                "mlsd reviews design docs"
            )
        clock = time.perf_counter()
        embedder = self.store.embedder
        cache_dir = self.settings.data_dir / "cache"
        step("embedding", 0.1)
        vectors = rubric_vectors(rubric, embedder, cache_dir)
        sent_vecs = sentence_vectors(draft, embedder)
        step("aligning", 0.3)
        alignment = align_sections(draft, rubric, vectors, sent_vecs, embedder, th)
        align_seconds = time.perf_counter() - clock

        clock = time.perf_counter()
        step("judging", 0.4)
        scores = score_matrix(draft, rubric, vectors, sent_vecs, alignment, th)
        verdicts = judge_offline(draft, rubric, scores, th)
        judgement = Judgement(
            draft=draft,
            vectors=vectors,
            sentence_vecs=sent_vecs,
            alignment=alignment,
            scores=scores,
            verdicts=verdicts,
            judged_by={sid: "offline" for sid in verdicts},
            warnings=list(draft.warnings),
        )
        if self.llm is not None:
            step("asking the LLM", 0.5)
            judgement.warnings += judge_with_llm(
                judgement, self.rubric, self.store, self.llm, self.thresholds, step
            )
        judge_seconds = time.perf_counter() - clock

        clock = time.perf_counter()
        step("risks", 0.6)
        judgement.risk_hits = detect_risks(draft, self.catalogue)
        judgement.inconsistencies = check_consistency(
            draft, alignment, [s.id for s in rubric.sections]
        )
        reconcile_with_risks(verdicts, judgement.risk_hits, self.risk_questions(vectors))
        challenge_not_applicable(draft, rubric, verdicts, self.catalogue)
        decided = decide_sections(
            draft,
            rubric,
            scores,
            verdicts,
            alignment,
            th,
            vectors,
            sent_vecs,
            llm_judged=lambda sid: (
                self.llm is not None and judgement.judged_by[sid] == self.llm.name
            ),
        )
        judgement.features = decided.features
        judgement.topic_features = decided.topics
        judgement.topic_statuses = decided.topic_statuses
        judgement.statuses = decided.statuses
        judgement.seconds = (align_seconds, judge_seconds, time.perf_counter() - clock)
        return judgement

    def _compute(
        self, draft: Draft, fingerprint: str, progress: Progress | None, load_seconds: float
    ) -> Review:
        step = progress or (lambda stage, fraction: None)
        j = self.judge(draft, progress)
        rubric = self.rubric
        timings = Timings(
            load=round(load_seconds, 4),
            align=round(j.seconds[0], 4),
            judge=round(j.seconds[1], 4),
            risks=round(j.seconds[2], 4),
        )
        document = draft.source_id
        section_ids = [s.id for s in rubric.sections]
        per_section: dict[str, list[Finding]] = {sid: [] for sid in section_ids}
        loose: list[Finding] = []
        for hit in j.risk_hits:
            home = next((sid for sid in hit.risk.sections if sid in per_section), "")
            finding = risk_finding(hit, home, document)
            (per_section[home] if home else loose).append(finding)
        for item in j.inconsistencies:
            finding = consistency_finding(item, document)
            (per_section[item.section_id] if item.section_id else loose).append(finding)

        reviews: list[SectionReview] = []
        for section in rubric.sections:
            section_verdicts = j.verdicts[section.id]
            aligned_idx = j.alignment.draft_sections(section.id)
            pending = [p for p in draft.placeholders if p.section in aligned_idx]
            status, coverage = j.statuses[section.id]
            findings = (
                gap_findings(section, section_verdicts, document, status)
                + per_section[section.id]
                + j.llm_findings.get(section.id, [])
                + placeholder_findings(draft, section, pending, document)
            )
            edit = offline_edit(
                draft, rubric, section, section_verdicts, j.alignment, j.prose.get(section.id, "")
            )
            if edit is not None:
                source = j.judged_by[section.id] if section.id in j.prose else "offline"
                findings.append(edit_finding(section, edit, document, source))
            for finding in findings:
                finding.impact = weigh(finding, section, status)
            findings = rank(findings)
            limit = self.settings.max_findings_per_section
            note = ""
            if len(findings) > limit:
                note = f"{len(findings) - limit} lower-severity findings not shown"
                kept = findings[:limit]
                # The suggested edit always stays: it is the fix for the gaps listed.
                kept += [f for f in findings[limit:] if f.kind is FindingKind.SUGGESTION]
                findings = kept
            if section.id in j.topic_statuses:
                topics = topic_note(section, j.topic_statuses[section.id])
                note = "; ".join(filter(None, [topics, note]))
            offline_judged = not (self.llm is not None and j.judged_by[section.id] == self.llm.name)
            if offline_judged and not aligned_idx and status not in ("missing", "not_applicable"):
                findings.append(no_section_finding(section, document))
            if section.optional:
                # Reference material (a glossary, references): never a gap, never scored.
                findings = [f for f in findings if f.kind is FindingKind.RISK]
                note = "reference section: optional, not scored"
                if status != "covered":
                    status = "not_applicable"
            reviews.append(
                SectionReview(
                    section_id=section.id,
                    number=section.number,
                    title=section.title,
                    aligned=j.alignment.aligned(draft, section.id),
                    coverage=round(coverage if coverage is not None else 100.0, 1),
                    status=status,
                    verdicts=section_verdicts,
                    findings=findings,
                    note=note,
                    judged_by=j.judged_by[section.id],
                )
            )

        for finding in loose:
            finding.impact = weigh(finding, None, "partial")
        clock = time.perf_counter()
        step("citing", 0.8)
        self._attach_citations(reviews, loose, j.vectors)
        timings.cite = round(time.perf_counter() - clock, 4)

        score = review_score(rubric, reviews)
        warnings = j.warnings
        if not draft.has_headings:
            warnings.append("the draft has no headings: sections were matched by content only")
        if not draft.evidence:
            warnings.append("the draft has no text to judge (only headings or placeholders)")
        if draft.instructions:
            where = draft.instructions[0].location.label()
            warnings.append(
                f"the draft contains {len(draft.instructions)} sentence(s) addressed to the "
                f"reviewer ({where}); they were ignored as evidence and instructions"
            )
        timings.total = round(
            sum([timings.load, timings.align, timings.judge, timings.risks, timings.cite]), 4
        )
        step("done", 1.0)
        return Review(
            document=document,
            document_hash=draft.content_hash,
            document_format=draft.format,
            document_title=draft.title,
            rubric_id=rubric.id,
            rubric_title=rubric.title,
            rubric_version=rubric.version,
            kb_fingerprint=fingerprint,
            mode=self.mode
            if self.llm is None or any(v == self.llm.name for v in j.judged_by.values())
            else f"offline (LLM {self.llm.name} failed)",
            score=score,
            sections=reviews,
            findings=rank(loose),
            fix_first=[f.id for f in fix_first([f for r in reviews for f in r.findings] + loose)],
            warnings=warnings,
            timings=timings,
        )

    def _attach_citations(
        self, reviews: list[SectionReview], loose: list[Finding], vectors: RubricVectors
    ) -> None:
        known = {}
        row = 0
        for section in self.rubric.sections:
            for question in section.questions:
                known[question_text(self.rubric, section.id, question.text)] = vectors.questions[
                    row
                ]
                row += 1
        question_texts = {
            q.id: question_text(self.rubric, s.id, q.text)
            for s in self.rubric.sections
            for q in s.questions
        }
        queries: list[CitationQuery] = []
        findings: dict[str, Finding] = {}
        risks = {f"risk.{r.id}": r for r in self.catalogue.risks}
        for finding in [f for r in reviews for f in r.findings] + loose:
            if finding.kind is FindingKind.RISK and finding.rule_id in risks:
                text = risks[finding.rule_id].query
            elif finding.kind is FindingKind.GAP and finding.questions:
                text = question_texts.get(finding.questions[0], finding.message)
            else:
                section_title = (
                    self.rubric.section(finding.section_id).title if finding.section_id else ""
                )
                text = f"{section_title}: {finding.title}. {finding.message}"
            findings[finding.id] = finding
            queries.append(CitationQuery(finding.id, text, finding.section_id))
        for key, citations in cite(queries, self.store, self.thresholds, known=known).items():
            findings[key].citations = citations
