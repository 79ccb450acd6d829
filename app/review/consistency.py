"""Cross-section consistency checks, run only where the draft gives evidence for them.

- Latency targets: the same percentile of the same path stated with values far apart in
  different sentences ("under 50 ms p99" here, "400 ms p99" there).
- Metric vs loss: the training objective and the evaluation metric belong to different task
  families (trained with mean squared error, evaluated by F1).
- Goals vs measurement: business metrics the goals promise to move that no validation,
  monitoring or metrics section ever measures.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from app.draft import Draft, DraftSentence
from app.review.align import Alignment
from app.review.models import Evidence

# Two targets for the same percentile this far apart cannot both hold.

LATENCY_TARGETS = "consistency.latency-targets"
METRIC_LOSS = "consistency.metric-loss"
GOALS_UNMEASURED = "consistency.goals-unmeasured"
CONSISTENCY_RULES = (LATENCY_TARGETS, METRIC_LOSS, GOALS_UNMEASURED)

LATENCY_RATIO = 1.5

_NUMBER = r"\d{1,3}(?:,\d{3})+|\d+(?:\.\d+)?"
# A match starts where a number starts (the lookbehind): tried at every digit of a long run
# of digits, the pattern took quadratic time.
_LATENCY_VALUE = re.compile(
    rf"(?<![\d.])(?:(?P<low>{_NUMBER})\s*(?:-|–|to)\s*)?(?P<value>{_NUMBER})\s*+"
    r"(?P<unit>ms|msec|millisecond|milliseconds|s|sec|secs|second|seconds)(?![\w/])",
    re.IGNORECASE,
)
_PERCENTILE = re.compile(
    r"\b(?:t?p\s?(?P<p>50|75|90|95|99(?:\.9+)?)|(?P<th>50|75|90|95|99(?:\.9+)?)(?:th|%)?[- ]"
    r"(?:percentile|pct)|(?P<share>50|75|90|95|99(?:\.9+)?)\s?% of (?:requests|calls|queries|"
    r"predictions|responses)|(?P<word>median|mean|average|avg))\b",
    re.IGNORECASE,
)
_LATENCY_WORD = re.compile(
    r"\b(latenc(?:y|ies)|response times?|round[- ]trip|end[- ]to[- ]end|time to first token|"
    r"ttft|slo|sla|(?:page )?load times?|respond(?:s|ing)? (?:in|within)|"
    r"answers? (?:in|within)|inference time)\b",
    re.IGNORECASE,
)
# A percentile written right after the value ("400 ms p99", "50 ms (p95)", "at the 99th ...").
_ATTACHED = re.compile(r"^\s*\(?\s*(?:at\s+(?:the\s+)?)?$", re.IGNORECASE)
# Figures that are not latency targets: timeouts, alert thresholds, batch and training times,
# and what the system does today.
_NOT_A_TARGET = re.compile(
    r"\b(time-?outs?|time out|times out|ttl|intervals?|cron|backoff|poll\w*|alert\w*|alarms?|"
    r"paged|pager\w*|thresholds?|breach\w*|roll ?back|fall ?back|train\w*|retrain\w*|"
    r"epochs?|batch jobs?|jobs?|current(?:ly)?|today|existing|legacy|old|previous|prototype|"
    r"baseline|"
    r"throughput|change|increase|delta|adds?|added|extra|additional|overhead)\b",
    re.IGNORECASE,
)
# Right after the value: "2 s timeout", "30 s polling interval", "5 ms per item".
_NOT_TARGET_AFTER = re.compile(
    r"^\W{0,3}(time-?outs?|time out|ttl|intervals?|backoff|poll\w*|cron|delays?|sleep|timers?|"
    r"windows?|cool-?down|per (?:epoch|batch|step|item|candidate|token))\b",
    re.IGNORECASE,
)
# An upper limit ("under 50 ms", "p99 <= 120 ms", "must stay within") rather than a figure the
# system reaches; a measured figure below a limit agrees with it.
_BOUND = re.compile(
    r"(\b(under|below|within|at most|less than|no more than|up to|max(?:imum)?|budget|targets?|"
    r"must|should|shall|required?|requirements?|slo|sla|limit|cap)\b|[<≤]=?)",
    re.IGNORECASE,
)
_MEASURED = re.compile(
    r"\b(can|could|achiev\w*|runs?|takes?|took|scores?|keeps?|serves?|reach\w*|measured|"
    r"benchmark\w*|observed|gets?|got|was|were|is at)\b",
    re.IGNORECASE,
)
# Directly before the value, these make it a period, a change or a trigger, not a target
# ("every 5 s", "at most +20 ms", "cut latency by 30 ms", "if p99 goes above 300 ms").
_PERIOD = re.compile(r"(\b(every|after|for|each|per|by)|[+±])\s*$", re.IGNORECASE)
_TRIGGER = re.compile(
    r"\b(exceed\w*|above|over|(?<!no )more than|greater than|slower than|longer than)\s*$",
    re.IGNORECASE,
)
# Parts of a latency budget: their figures are compared only with the same part.
_COMPONENT = re.compile(
    r"\b(feature (?:lookup|fetch|retrieval|store)|lookups?|network|database|db|cache|queue|"
    r"candidate generation|retrieval|embedding|tokeni[sz]\w*|pre-?processing|"
    r"post-?processing|re-?rank\w*|rank(?:ing|er)|scoring|candidates?|model call|stage \d|"
    r"step \d|vector search|ann search)\b",
    re.IGNORECASE,
)

_BUSINESS_METRICS = re.compile(
    r"\b(CTR|click[- ]through rate|conversion(?: rate)?|revenue|GMV|AOV|retention|churn rate|"
    r"engagement|DAU|MAU|watch time|dwell time|chargeback rate|fraud loss(?:es)?|"
    r"handling time|resolution time|NPS|CSAT|stockouts?|waste|margin|cost per \w+|"
    r"approval rate|default rate|false positive rate|order volume|basket size)\b",
    re.IGNORECASE,
)
# A goal says which way its metric should move; outside the goal sections it also says that
# it is a goal.
_GOAL_MOVE = re.compile(
    r"\b(rais(?:e|es|ed|ing)|increas\w*|reduc(?:e|es|ed|ing)|cut(?:s|ting)?|improv\w*|"
    r"grow(?:s|ing|th)?|lift(?:s|ing)?|lower(?:s|ed|ing)?|decreas\w*|doubl\w*|"
    r"halv\w*|maximi[sz]\w*|minimi[sz]\w*|driv(?:e|es|ing))\b",
    re.IGNORECASE,
)
_GOAL_WORD = re.compile(
    r"\b(goals?|objectives?|aims?|targets?|success criteri\w*|kpis?|okrs?|north star)\b",
    re.IGNORECASE,
)
GOAL_SECTIONS = ("business-metrics", "overview", "value-proposition")
MEASURE_SECTIONS = ("validation-pilot", "monitoring", "performance-metrics", "offline-evaluation")
EVALUATION_SECTIONS = ("offline-evaluation", "performance-metrics")

CLASSIFICATION, REGRESSION, RANKING = "classification", "regression", "ranking"
_CLS, _REG, _RANK = frozenset({CLASSIFICATION}), frozenset({REGRESSION}), frozenset({RANKING})


@dataclass(frozen=True)
class _Term:
    """A loss or metric name, the task families it belongs to, and whether a model can be
    trained on it (accuracy or NDCG named after "optimise" are goals, not losses)."""

    pattern: re.Pattern[str]
    families: frozenset[str]
    trainable: bool


def _term(pattern: str, families: frozenset[str], trainable: bool, case: bool = False) -> _Term:
    # Abbreviations keep their case: "MAP" the metric, not "map" the verb.
    return _Term(re.compile(pattern, 0 if case else re.IGNORECASE), families, trainable)


# Longer names first: a span taken by one term is not matched again by a later one.
_TERMS = [
    _term(r"(?:binary |categorical |softmax )?cross[- ]?entropy(?: loss)?", _CLS, True),
    _term(r"log[- ]?loss|logloss|logistic loss|focal loss|hinge loss", _CLS, True),
    _term(r"\bBCE(?:Loss)?\b|\bCE loss\b", _CLS, True, case=True),
    _term(r"PR[- ]AUC|AUPRC|AUC[- ]PR", _CLS, False),
    _term(r"ROC[- ]AUC|AUC[- ]ROC|AUROC|\bAUC\b|\bROC\b", _CLS, False),
    _term(r"(?:top-\d )?accuracy|\bF1(?:[- ]score)?|\bF-?score|F-measure", _CLS, False),
    _term(r"(?:precision|recall)(?!\s*(?:@|at\s+(?:k\b|\d+\b(?!\s*%))))", _CLS, False),
    _term(r"specificity|sensitivity|Matthews|\bMCC\b|confusion matrix", _CLS, False),
    _term(
        r"(?:root )?mean squared error|squared error|mean absolute (?:percentage )?error|"
        r"absolute error|L[12] loss|huber(?: loss)?|quantile loss|pinball(?: loss)?|"
        r"poisson (?:loss|deviance)|tweedie(?: loss)?",
        _REG,
        True,
    ),
    _term(r"\bR?MSE\b|\bRMSLE\b|\bMAE\b|\bMAPE\b", _REG, True, case=True),
    _term(r"\bsMAPE\b|\bWAPE\b|\bMASE\b|\bR2\b|R²|R\^2", _REG, False, case=True),
    _term(r"r-squared|coefficient of determination", _REG, False),
    _term(
        r"pairwise(?: ranking)? loss|listwise(?: loss)?|lambda ?rank|lambda ?mart|ranknet|"
        r"bayesian personali[sz]ed ranking|ranking loss",
        _RANK,
        True,
    ),
    _term(r"\bBPR\b", _RANK, True, case=True),
    _term(r"\bMAP(?:@\s?\w+)?\b|\bMRR\b|\bHR@\s?\w+", _RANK, False, case=True),
    _term(
        r"\bn?dcg(?:@\s?\w+)?|mean average precision|mean reciprocal rank|"
        r"(?:recall|precision|hit rate)\s*(?:@|at)\s*(?:\d+|k)\b(?!\s*%)|hit ?rate",
        _RANK,
        False,
    ),
]
_LOSS_CUE = re.compile(
    r"\b(loss|objectives?|criterion|minimi[sz]\w*|optimi[sz](?:e|es|ed|ing)|"
    r"train(?:s|ed|ing)? (?:with|on|using|against|by)|fit(?:ted)? (?:with|on|using)|"
    r"loss function)\b",
    re.IGNORECASE,
)
_EVAL_CUE = re.compile(
    r"\b(evaluat\w*|metrics?|measur\w*|report\w*|scor(?:e|ed|es|ing) (?:with|by|on)|"
    r"test set|holdout|hold-out|validation set|judged|assess\w*|benchmark\w*|monitor\w*|"
    r"track\w*|reach\w*|achiev\w*)\b",
    re.IGNORECASE,
)
# A term followed by "loss" or "metric" names its own role ("MSE loss", "AUC as the metric").
_ROLE_AFTER = re.compile(
    r"^\s*+\)?,?\s*+(?:as (?:the |our )?)?(?:primary |main |training |evaluation )?"
    r"(?P<role>loss|objective|metric)",
    re.IGNORECASE,
)
# Pointwise losses (log loss on clicks, squared error on ratings) are a usual way to train a
# ranker, and pairwise losses are judged by AUC: neither pairing is a mismatch.
_COMPATIBLE = {
    CLASSIFICATION: {CLASSIFICATION, RANKING},
    REGRESSION: {REGRESSION, RANKING},
    RANKING: {RANKING, CLASSIFICATION},
}


@dataclass
class Inconsistency:
    """One cross-section inconsistency, filed under a template section."""

    rule_id: str
    section_id: str
    title: str
    message: str
    evidence: list[Evidence]


@dataclass(frozen=True)
class LatencyTarget:
    """A latency figure of a sentence: percentile ("p99", "median", or "latency" when none is
    named), the path it belongs to ("" for the whole request), its value in ms, and its kind:
    "limit" ("under 50 ms"), "reached" (what a part or prototype achieves: "runs in 18 ms")
    or "stated" (a plain figure: "400 ms p99")."""

    percentile: str
    scope: str
    ms: float
    kind: str = "limit"

    @property
    def bound(self) -> bool:
        """True for an upper limit."""
        return self.kind == "limit"


# A latency figure and the sentence that states it.
_Stated = tuple[LatencyTarget, DraftSentence]


def _ms(value: str, unit: str) -> float:
    number = float(value.replace(",", ""))
    return number if unit.lower().startswith("m") else number * 1000


def _percentile_name(match: re.Match[str]) -> str:
    if match.group("word"):
        word = match.group("word").lower()
        return "mean" if word in ("average", "avg") else word
    number = match.group("p") or match.group("th") or match.group("share")
    return f"p{number}"


def latency_targets(text: str) -> list[LatencyTarget]:
    """Latency targets stated in one sentence, with the percentile or the word latency before
    or right after the value; timeouts, alert thresholds, training and batch times and the
    figures of today's system are left out."""
    values = list(_LATENCY_VALUE.finditer(text))
    out: list[LatencyTarget] = []
    for k, match in enumerate(values):
        start = values[k - 1].end() if k else 0
        before = text[max(start, match.start() - 60) : match.start()]
        stop = values[k + 1].start() if k + 1 < len(values) else len(text)
        after = text[match.end() : min(stop, match.end() + 30)]
        if (
            _NOT_A_TARGET.search(before[-35:])
            or _NOT_TARGET_AFTER.search(after)
            or _PERIOD.search(before)
            or _TRIGGER.search(before)
        ):
            continue
        pct_after = next(
            (p for p in _PERCENTILE.finditer(after) if _ATTACHED.match(after[: p.start()])),
            None,
        )
        pct_before = list(_PERCENTILE.finditer(before))
        pct = pct_after or (pct_before[-1] if pct_before else None)
        word_after = _LATENCY_WORD.match(after.lstrip(" (,"))
        if pct is None and not _LATENCY_WORD.search(before) and word_after is None:
            continue
        scope = _COMPONENT.search(before)
        near = before[-40:]
        out.append(
            LatencyTarget(
                percentile=_percentile_name(pct) if pct else "latency",
                scope=scope.group(0).lower() if scope else "",
                ms=_ms(match.group("value"), match.group("unit")),
                kind=(
                    "reached"
                    if _MEASURED.search(near)
                    else "limit"
                    if _BOUND.search(near)
                    else "stated"
                ),
            )
        )
    return out


def _evidence(draft: Draft, sentence: DraftSentence) -> Evidence:
    return Evidence(
        quote=sentence.text,
        location=sentence.location,
        section=draft.sections[sentence.section].heading,
    )


def _disagreement(values: list[_Stated]) -> tuple[_Stated, _Stated] | None:
    """Two limits far apart, a figure far above a limit, or two plain figures far apart in
    different sections. Figures something reaches ("the model runs in 18 ms") are compared
    with limits only, and plain figures of one section are not compared with each other:
    they are often alternatives (a table of candidate models) rather than targets."""
    limits = sorted((v for v in values if v[0].kind == "limit"), key=lambda v: v[0].ms)
    figures = sorted((v for v in values if v[0].kind != "limit"), key=lambda v: -v[0].ms)
    stated = [v for v in figures if v[0].kind == "stated"]

    def apart(low: _Stated, high: _Stated) -> bool:
        return low[1] is not high[1] and low[0].ms > 0 and high[0].ms / low[0].ms >= LATENCY_RATIO

    if len(limits) >= 2 and apart(limits[0], limits[-1]):
        return limits[0], limits[-1]
    for limit in limits:
        for figure in figures:
            if apart(limit, figure):
                return limit, figure
    for high in stated:
        for low in reversed(stated):
            if low[1].section != high[1].section and apart(low, high):
                return low, high
    return None


def _latency_conflicts(draft: Draft, home: str) -> list[Inconsistency]:
    found: dict[tuple[str, str], list[_Stated]] = {}
    for sentence in draft.evidence:
        for target in latency_targets(sentence.text):
            found.setdefault((target.percentile, target.scope), []).append((target, sentence))
    out = []
    for (pct, scope), values in found.items():
        pair = _disagreement(values)
        if pair is None:
            continue
        low, high = pair
        label = "the latency target" if pct == "latency" else f"the {pct} latency"
        if scope:
            label += f" of the {scope}"
        out.append(
            Inconsistency(
                rule_id=LATENCY_TARGETS,
                section_id=home,
                title="Latency targets disagree",
                message=(
                    f"The draft gives {label} as {low[0].ms:g} ms in one place and "
                    f"{high[0].ms:g} ms in another; state one target, and check that the "
                    "serving design meets it."
                ),
                evidence=[_evidence(draft, low[1]), _evidence(draft, high[1])],
            )
        )
    return out


def _terms(text: str) -> list[tuple[int, int, str, _Term]]:
    """Loss and metric terms of a sentence as (start, end, name, term), in text order."""
    taken: list[tuple[int, int, str, _Term]] = []
    for term in _TERMS:
        for match in term.pattern.finditer(text):
            a, b = match.span()
            if b > a and not any(a < e and s < b for s, e, _, _ in taken):
                taken.append((a, b, match.group(0), term))
    return sorted(taken, key=lambda t: t[0])


def _roles(text: str) -> list[tuple[str, str, frozenset[str]]]:
    """(role, name, families) for the terms of a sentence: 'loss' when the nearest cue names
    the training objective and a model can be trained on the term, 'metric' when a cue names
    an evaluation (or a goal to optimise), '' when no cue says ("Tweedie loss for the point
    forecast": the caller decides by where the sentence stands)."""
    terms = _terms(text)
    masked = list(text)
    for a, b, _, _ in terms:
        masked[a:b] = " " * (b - a)
    plain = "".join(masked)
    cues = [(m.start(), "loss") for m in _LOSS_CUE.finditer(plain)]
    cues += [(m.start(), "metric") for m in _EVAL_CUE.finditer(plain)]
    out = []
    for a, b, name, term in terms:
        own = _ROLE_AFTER.match(text[b : b + 30])
        before = [c for c in cues if c[0] < a]
        after = [c for c in cues if c[0] >= b]
        if own:
            role = "metric" if own.group("role").lower() == "metric" else "loss"
        elif before:
            role = max(before)[1]
        elif after:
            role = min(after)[1]
        else:
            role = ""
        if role == "loss" and not term.trainable:
            role = "metric"
        out.append((role, name, term.families))
    return out


def _metric_loss_conflict(draft: Draft, alignment: Alignment, home: str) -> list[Inconsistency]:
    eval_idx = {i for sid in EVALUATION_SECTIONS for i in alignment.draft_sections(sid)}
    losses: dict[str, tuple[frozenset[str], DraftSentence]] = {}
    metrics: dict[str, tuple[frozenset[str], DraftSentence]] = {}
    for sentence in draft.evidence:
        for role, term, families in _roles(sentence.text):
            if not role:
                # A bare name counts as a metric in an evaluation section, and as the loss
                # elsewhere only when it says so ("quantile loss").
                in_evaluation = sentence.section in eval_idx
                named_loss = term.lower().endswith("loss")
                role = "metric" if in_evaluation else "loss" if named_loss else ""
            if role == "loss":
                losses.setdefault(term.lower(), (families, sentence))
            elif role == "metric":
                metrics.setdefault(term.lower(), (families, sentence))
    if not losses or not metrics:
        return []
    loss_families = frozenset().union(*(f for f, _ in losses.values()))
    metric_families = frozenset().union(*(f for f, _ in metrics.values()))
    if len(loss_families) != 1:
        return []
    family = next(iter(loss_families))
    if metric_families & _COMPATIBLE[family]:
        return []
    loss_names = ", ".join(sorted({term for term in losses}))
    metric_names = ", ".join(sorted({term for term in metrics}))
    wanted = "/".join(sorted(metric_families))
    return [
        Inconsistency(
            rule_id=METRIC_LOSS,
            section_id=home,
            title="Training loss and evaluation metric disagree",
            message=(
                f"The model is trained with a {family} loss ({loss_names}) but evaluated with "
                f"{wanted} metrics ({metric_names}); a model tuned for one task is judged on "
                f"another. Train with a {wanted} loss, or evaluate with {family} metrics, and "
                "say how the two relate."
            ),
            evidence=[
                _evidence(draft, next(iter(losses.values()))[1]),
                _evidence(draft, next(iter(metrics.values()))[1]),
            ],
        )
    ]


def _unmeasured_goals(draft: Draft, alignment: Alignment, home: str) -> list[Inconsistency]:
    """Business metrics the goals promise to move that no measuring section mentions. A
    metric named in passing ("the Retention team", "revenue lost to churn") is no goal: the
    sentence must say which way it should move, and outside the goal sections also that it
    is a goal. A draft with goals and no measuring section at all measures none of them."""
    goal_idx = {i for sid in GOAL_SECTIONS for i in alignment.draft_sections(sid)}
    measure_idx = {i for sid in MEASURE_SECTIONS for i in alignment.draft_sections(sid)}
    goals: dict[str, DraftSentence] = {}
    measured: set[str] = set()
    for sentence in draft.evidence:
        # One name for "fraud loss" and "fraud losses", "stockout" and "stockouts".
        names = {
            re.sub(r"(?<=ss)es$|(?<=\w{4})(?<!s)s$", "", m.group(0).lower())
            for m in _BUSINESS_METRICS.finditer(sentence.text)
        }
        text = sentence.text
        # Goals usually sit in the goal sections; elsewhere a sentence must say it is one.
        stated = _GOAL_WORD.search(text) and _GOAL_MOVE.search(text)
        in_goals = sentence.section in goal_idx and _GOAL_MOVE.search(text)
        if sentence.section in measure_idx:
            measured |= names
        elif in_goals or stated:
            for name in names:
                goals.setdefault(name, sentence)
    missing = sorted(name for name in goals if name not in measured)
    if not missing:
        return []
    listed = ", ".join(missing)
    return [
        Inconsistency(
            rule_id=GOALS_UNMEASURED,
            section_id=home,
            title="Business goals are not measured",
            message=(
                f"The goals name {listed}, but no validation, pilot, metrics or monitoring "
                "section measures them; say how and when each goal is measured."
            ),
            evidence=[_evidence(draft, goals[n]) for n in missing[:2]],
        )
    ]


def check_consistency(
    draft: Draft, alignment: Alignment, section_ids: list[str]
) -> list[Inconsistency]:
    """Inconsistencies between sections of the draft."""

    def home(*candidates: str) -> str:
        for c in candidates:
            if c in section_ids:
                return c
        return ""

    out = _latency_conflicts(draft, home("requirements", "serving", "performance-metrics"))
    out += _metric_loss_conflict(draft, alignment, home("modeling", "offline-evaluation"))
    out += _unmeasured_goals(draft, alignment, home("business-metrics"))
    return out
