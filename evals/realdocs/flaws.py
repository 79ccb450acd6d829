"""Flaws to inject into a design doc: each generator takes the clean text and returns the
flawed copy with where the flaw went and what a reviewer should find there, or None when the
flaw does not apply (nothing to delete, or the doc has the flaw already). Deterministic."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

from pydantic import BaseModel, Field

from app.sentences import sentences
from evals.realdocs.doctext import DocText, Section, find_section, mentions, parse, remove_topic

FLAWS = (
    "delete-baseline",
    "random-split",
    "remove-monitoring",
    "latency-conflict",
    "drop-rollback",
    "tbd-figures",
    "unmeasured-goal",
    "personal-data",
    "metric-loss",
)


class Expectation(BaseModel):
    """What a reviewer should raise for an injected flaw: a finding whose rule id matches one
    of `rule_ids` (shell patterns), or a gap in one of `gap_sections` (status partial or
    missing, or a gap finding). With `located`, a matching finding must quote a line of the
    injection."""

    rule_ids: list[str]
    gap_sections: list[str] = Field(default_factory=list)
    located: bool = False


class FlawPair(BaseModel):
    """A clean doc and the same doc with one flaw injected."""

    doc_id: str
    flaw: str
    suffix: str = "md"
    clean: str
    flawed: str
    # 1-based inclusive line spans of the flawed text where text was added or changed, or
    # (for a deletion) the line that now stands where the text was.
    spans: list[tuple[int, int]]
    expected: Expectation
    note: str = ""

    @property
    def span(self) -> tuple[int, int]:
        """From the first to the last line the injection touched."""
        return min(s for s, _ in self.spans), max(e for _, e in self.spans)


def _pair(
    doc_id: str,
    flaw: str,
    clean: str,
    doc: DocText,
    expected: Expectation,
    note: str,
) -> FlawPair | None:
    flawed, spans = doc.render()
    if flawed == clean or not spans:
        return None
    return FlawPair(
        doc_id=doc_id,
        flaw=flaw,
        suffix=doc.suffix,
        clean=clean,
        flawed=flawed,
        spans=spans,
        expected=expected,
        note=note,
    )


_I = re.IGNORECASE
BASELINE = re.compile(
    r"\b(baselines?|benchmark (?:models?|solutions?)|seasonal naive|naive (?:forecasts?|models?|"
    r"baselines?|approach|solutions?|predictors?)|heuristics?|rules?-based|status quo|"
    r"incumbent|champion model|(?:current|existing) (?:systems?|approach|process|solutions?|"
    r"models?|rules)|compared (?:with|to|against) (?:the )?(?:current|existing))\b",
    _I,
)
MONITORING = re.compile(
    r"\b(monitor\w*|observability|alert\w*|alarms?|dashboards?|drift\w*|on-call|on call|"
    r"pager\w*|grafana|prometheus|datadog|cloudwatch|evidently|whylabs|arize|fiddler|"
    r"new relic|stackdriver)\b",
    _I,
)
ROLLBACK = re.compile(
    r"\b(roll[- ]?back\w*|rolled back|rolling back|fall[- ]?back\w*|falls? back|fell back|"
    r"revert\w*|previous (?:models?|versions?)|last known good|kill[- ]?switch\w*|"
    r"feature flags?|blue[-/ ]green|circuit breakers?|(?:switch|turn) off the model|"
    r"disable the model)\b",
    _I,
)
PRIVACY = re.compile(
    r"\b(privacy|gdpr|ccpa|cpra|hipaa|lgpd|pipeda|anonymi[sz]\w*|pseudonymi[sz]\w*|"
    r"de-?identif\w*|consent\w*|data protection|data retention|retention (?:periods?|"
    r"polic\w*|rules?)|retained for|deleted after|purged after|data minimi[sz]\w*|dpia|"
    r"right to (?:be forgotten|erasure)|deletion requests?|data subjects?|hashed identifiers?)\b",
    _I,
)
PERSONAL = re.compile(
    r"\b(personal (?:data|information)|pii|personally identifiable|e-?mail address\w*|"
    r"phone numbers?|date of birth|home address\w*|purchase history|browsing history|"
    r"location data|geolocation|health records?|medical records?|credit card numbers?|"
    r"social security|passport|ip address\w*)\b",
    _I,
)
TIME_ORDERED = re.compile(
    r"\b(forecast\w*|time[- ]series|time-?stamped|churn\w*|transactions|"
    r"transaction (?:data|history|records|logs?)|"
    r"(?:click|search|query|event|usage|session|interaction|access|server|app|user) logs?|"
    r"clickstream|sales history|daily sales|historical (?:data|sales|transactions)|"
    r"sequential|seasonal\w*|next (?:day|week|month)|days ahead|weeks ahead|sensor readings)\b",
    _I,
)
RANDOM_SPLIT = re.compile(
    r"\b(random(?:ly)? split\w*|split\w* (?:\w+ )?randomly|random train[/-]test|shuffl\w*|"
    r"k-?fold|cross[- ]validation|train_test_split|random (?:\d\d/\d\d|holdout|sampl\w*))\b",
    _I,
)
# How a doc says it splits by time. Feature wording ("point-in-time features", "rolling
# window") stays: it does not stop a random split from leaking the future.
TIME_SPLIT = re.compile(
    r"\b(time[- ]based|temporal(?:ly)? (?:split|holdout|hold-out|validation)|"
    r"split\w* (?:by|on) (?:time|date)|out[- ]of[- ]time|chronolog\w*|backtest\w*|"
    r"walk[- ]forward|rolling[- ]origin|expanding[- ]window|time ?series ?split|"
    r"cut-?off dates?|later periods?)\b|"
    r"\b(?:no|not|never|avoid\w*|instead of|rather than|without)\b[^.]{0,25}\b(?:random|shuffl)|"
    r"\b(?:train|test|validat|hold)\w*\b[^.]{0,60}\b(?:19|20)\d\d\b",
    _I,
)
_LATENCY = re.compile(
    r"(?P<pct>\bp\d{2}(?:\.\d+)?|\b\d{2}(?:th)? percentile|\blatency|\bresponse time)"
    r"[^.\n|]{0,40}?(?P<value>\d+(?:\.\d+)?)\s?(?P<unit>ms|milliseconds?|s|sec|seconds?)\b|"
    r"(?P<value2>\d+(?:\.\d+)?)\s?(?P<unit2>ms|milliseconds?|s|sec|seconds?)\s?"
    r"(?P<pct2>\bp\d{2}(?:\.\d+)?|latency)",
    _I,
)
# A latency stated as a requirement, rather than as what a component can do.
_REQUIREMENT = re.compile(
    r"\b(must|should|shall|targets?|slos?|slas?|requirements?|required|budget|at most|"
    r"no more than)\b|[<≤]",
    _I,
)
# Alert thresholds and timeouts state a latency, but no target to restate.
_NOT_A_TARGET = re.compile(
    r"\b(alert\w*|alarm\w*|exceed\w*|time-?outs?|times? out|(?<!no )more than|above)\b", _I
)
_LIMIT = re.compile(r"\b(under|below|within|less than)\b", _I)
_CAPABILITY = re.compile(r"\b(can|could|reach\w*|achiev\w*|runs?|takes?|measured)\b", _I)
FIGURE = re.compile(
    r"(?<![\w.])(?:[$€£]\s?)?\d[\d,]*(?:\.\d+)?\s?(?:%|percent\b|ms\b|msec\b|s\b|sec\b|seconds?\b|"
    r"minutes?\b|mins?\b|hours?\b|hrs?\b|days?\b|weeks?\b|months?\b|years?\b|[kKMB]\b|bn\b|"
    r"[GMT]B\b|x\b|×|USD\b|EUR\b|rps\b|qps\b|RPS\b|QPS\b|requests\b|users\b|customers\b|rows\b|"
    r"records\b|samples\b|images\b|items\b|points\b|pp\b|stores\b|orders\b|transactions\b|"
    r"GPUs?\b|CPUs?\b|TB\b)|(?<![\w.])[$€£]\s?\d[\d,]*(?:\.\d+)?(?:\s?[kKMB]\b)?"
)

_GOALS = re.compile(r"goal|objective|success|kpi|okr|target|business metric", _I)
_INTRO = re.compile(r"overview|summary|introduction|abstract|tl;?dr|in (?:one|a) paragraph", _I)
_WHY = re.compile(r"business|value|purpose|motivation|problem|background|context", _I)
_DATA = re.compile(r"\bdata|dataset|features?\b|inputs?\b|sources?\b", _I)
_EVALUATION = re.compile(r"evaluat|validat|experiment|metric|testing|results|backtest", _I)
_MODELING = re.compile(r"model|approach|method|training|algorithm|solution|ml\b", _I)
_SERVING = re.compile(
    r"requirement|serving|deploy|architecture|performance|latency|sla|non-functional|"
    r"infrastructure|system design|scal|inference|production",
    _I,
)

_LOSS_SENTENCE = re.compile(
    r"\b(loss|objective|criterion|minimi[sz]\w*|optimi[sz]\w*|train\w* (?:with|on|using|to))\b", _I
)
_LOSS_TERMS = {
    "classification": re.compile(
        r"(?:binary |categorical )?cross[- ]?entropy(?: loss)?|log[- ]?loss|\bBCE\b|"
        r"focal loss|hinge loss",
        _I,
    ),
    "regression": re.compile(
        r"(?:mean )?squared error|(?:mean )?absolute error|\bR?MSE\b|\bMAE\b|huber(?: loss)?|"
        r"quantile loss|pinball loss|poisson loss|tweedie(?: loss)?",
        _I,
    ),
    "ranking": re.compile(
        r"pairwise(?: ranking)? loss|listwise(?: loss)?|lambda ?rank|lambda ?mart|ranknet|\bBPR\b",
        _I,
    ),
}
_ANY_LOSS = re.compile("|".join(f"(?:{p.pattern})" for p in _LOSS_TERMS.values()), _I)
# A loss named as a figure reached ("reached an MAE of 5.3 min") is a metric there.
_FIGURE_BEFORE = re.compile(
    r"\b(reach\w*|achiev\w*|report\w*|evaluat\w*|track\w*|measur\w*)\W+(?:\w+\W+)?$", _I
)
_FIGURE_AFTER = re.compile(r"^\s*(?:of|=|:|is|was)?\s*[<≤~]?\s*\d")
_METRIC_TERMS = {
    "classification": re.compile(r"\bF1\b|\bF-score|\bAUC\b|\bROC\b|PR-AUC", _I),
    "regression": re.compile(
        r"\bR?MSE\b|\bMAE\b|\bs?MAPE\b|\bWAPE\b|\bR2\b|R²|mean (?:absolute|squared) error", _I
    ),
    "ranking": re.compile(r"\bn?DCG|\bMAP@|\bMRR\b|(?:recall|precision)@|hit rate", _I),
}
# Everyday words ("a product recall") count as metrics only in a sentence about evaluation.
_SOFT_METRIC = re.compile(r"\baccuracy|\bprecision\b(?!\s*@)|\brecall\b(?!\s*@)", _I)
_EVAL_HINT = re.compile(
    r"\b(evaluat\w*|metrics?|measur\w*|report\w*|scor(?:e|ed|es|ing)|test(?:ing)? set|"
    r"validation|held-out|hold-?out|offline|track\w*)\b",
    _I,
)
_CONFLICTING_LOSS = {
    "classification": ("regression", "mean squared error (MSE)"),
    "regression": ("classification", "binary cross-entropy"),
}
_GOAL_METRICS = (
    ("customer retention", re.compile(r"\bretention\b", _I)),
    ("NPS", re.compile(r"\bNPS\b|net promoter", _I)),
    ("revenue per user", re.compile(r"\brevenue\b", _I)),
    ("CSAT", re.compile(r"\bCSAT\b|customer satisfaction", _I)),
    ("average basket size", re.compile(r"\bbasket size\b", _I)),
)

Generator = Callable[[str, str, DocText], FlawPair | None]


def delete_baseline(doc_id: str, clean: str, doc: DocText) -> FlawPair | None:
    """Remove every sentence, item and row naming a baseline, and a section titled baseline."""
    if not remove_topic(doc, BASELINE):
        return None
    expected = Expectation(rule_ids=["risk.no-baseline"])
    return _pair(doc_id, "delete-baseline", clean, doc, expected, "baseline removed")


def random_split(doc_id: str, clean: str, doc: DocText) -> FlawPair | None:
    """On time-ordered data, replace the time-based split with a shuffled random split."""
    if not mentions(doc, TIME_ORDERED):
        return None
    if mentions(doc, RANDOM_SPLIT) and not mentions(doc, TIME_SPLIT):
        return None  # already split at random: the flaw is there before injection
    sentence = (
        "For evaluation, the records are shuffled and randomly split 80/20 into training "
        "and test sets."
    )
    described = [
        i
        for i, b in enumerate(doc.blocks)
        if b.kind in ("text", "item") and TIME_SPLIT.search(doc.content(i)[1])
    ]
    in_evaluation = {
        b
        for s in doc.sections
        if s.heading is not None and _EVALUATION.search(s.title)
        for b in s.extent
    }
    first = next((i for i in described if i in in_evaluation), described[0] if described else None)
    remove_topic(doc, TIME_SPLIT, rename="Evaluation")
    if not mentions(doc, TIME_ORDERED):
        return None  # only the split said the data is ordered in time
    if first is not None:
        marker, text = doc.content(first)
        parts = sentences(text)
        at = next(k for k, p in enumerate(parts) if TIME_SPLIT.search(p))
        kept = [p for p in parts if not TIME_SPLIT.search(p)]
        doc.replace(first, [marker + " ".join([*kept[:at], sentence, *kept[at:]])])
    else:
        section = find_section(doc, _EVALUATION, _MODELING, _DATA)
        if section is None:
            return None
        doc.append_to(section, sentence)
    expected = Expectation(rule_ids=["risk.leakage-prone-split"])
    return _pair(doc_id, "random-split", clean, doc, expected, "split made random")


def remove_monitoring(doc_id: str, clean: str, doc: DocText) -> FlawPair | None:
    """Delete the monitoring section and the monitoring, drift and alert sentences."""
    if not remove_topic(doc, MONITORING):
        return None
    expected = Expectation(rule_ids=["risk.no-monitoring-plan"], gap_sections=["monitoring"])
    return _pair(doc_id, "remove-monitoring", clean, doc, expected, "monitoring removed")


def drop_rollback(doc_id: str, clean: str, doc: DocText) -> FlawPair | None:
    """Remove what the doc says about rollback, fallback, reverting and kill switches."""
    if not remove_topic(doc, ROLLBACK):
        return None
    expected = Expectation(rule_ids=["risk.no-rollback"])
    return _pair(doc_id, "drop-rollback", clean, doc, expected, "rollback removed")


def _ms_text(ms: float) -> str:
    return f"{ms / 1000:.3g} s" if ms >= 1000 else f"{ms:.3g} ms"


def _latency_sentences(doc: DocText) -> list[tuple[Section, str, re.Match[str]]]:
    """Sentences of running text or list items that state a latency, in document order."""
    out = []
    for section in doc.sections:
        for b in section.own:
            if doc.blocks[b].kind not in ("text", "item"):
                continue
            for sentence in sentences(doc.content(b)[1]):
                match = _LATENCY.search(sentence)
                if match and not _NOT_A_TARGET.search(sentence):
                    out.append((section, sentence, match))
    return out


def latency_conflict(doc_id: str, clean: str, doc: DocText) -> FlawPair | None:
    """Restate, in another section, the doc's latency target 8x lower: a copy of the sentence
    with the figure changed when it states a limit, else a limit of our own wording (two
    disagreeing limits in two sections when the doc states no latency)."""
    sections = [s for s in doc.sections if any(doc.blocks[b].kind != "code" for b in s.own)]
    if len(sections) < 2:
        return None
    stated = _latency_sentences(doc)
    template = "The {pct}latency of each prediction request must stay under {value}."
    if not stated:
        first = find_section(doc, _SERVING) or sections[0]
        second = next(s for s in sections if s is not first)
        doc.append_to(first, template.format(pct="p99 ", value="50 ms"))
        doc.append_to(second, template.format(pct="p99 ", value="400 ms"))
        expected = Expectation(rule_ids=["consistency.latency-targets"])
        note = "two p99 targets, 50 ms and 400 ms"
        return _pair(doc_id, "latency-conflict", clean, doc, expected, note)
    limits = [x for x in stated if not _CAPABILITY.search(x[1])]
    section, sentence, match = next(
        (x for x in limits if _REQUIREMENT.search(x[1])),
        next((x for x in limits if _LIMIT.search(x[1])), stated[0]),
    )
    value = float(match.group("value") or match.group("value2"))
    unit = (match.group("unit") or match.group("unit2")).lower()
    ms = value if unit.startswith("m") else value * 1000
    new = _ms_text(ms / 8)
    if not _CAPABILITY.search(sentence) and (
        _LIMIT.search(sentence) or _REQUIREMENT.search(sentence)
    ):
        key = "value" if match.group("value") else "value2"
        unit_key = "unit" if key == "value" else "unit2"
        line = sentence[: match.start(key)] + new + sentence[match.end(unit_key) :]
    else:
        pct = (match.group("pct") or match.group("pct2") or "").lower()
        line = template.format(
            pct=f"{pct} " if re.fullmatch(r"p\d{2}(?:\.\d+)?", pct) else "", value=new
        )
    others = [s for s in sections if s is not section]
    target = next(
        (s for s in others if s.heading is not None and _SERVING.search(s.title)), others[0]
    )
    doc.append_to(target, line)
    expected = Expectation(rule_ids=["consistency.latency-targets"])
    return _pair(doc_id, "latency-conflict", clean, doc, expected, f"{new} against {_ms_text(ms)}")


def tbd_figures(doc_id: str, clean: str, doc: DocText) -> FlawPair | None:
    """In the section with the most figures, replace each number with a unit by TBD."""
    best: tuple[int, Section] | None = None
    for section in doc.sections:
        count = sum(
            len(FIGURE.findall(line))
            for b in section.own
            if doc.blocks[b].kind not in ("code", "heading")
            for line in doc.raw(b)
        )
        if count and (best is None or count > best[0]):
            best = (count, section)
    if best is None:
        return None
    for b in best[1].own:
        if doc.blocks[b].kind in ("code", "heading"):
            continue
        raw = doc.raw(b)
        new = [FIGURE.sub("TBD", line) for line in raw]
        if new != raw:
            doc.replace(b, new, [n != r for n, r in zip(new, raw, strict=True)])
    expected = Expectation(rule_ids=["*.placeholders"], located=True)
    return _pair(doc_id, "tbd-figures", clean, doc, expected, f"{best[0]} figures made TBD")


def unmeasured_goal(doc_id: str, clean: str, doc: DocText) -> FlawPair | None:
    """Add to the goals a business metric that the doc never mentions anywhere else."""
    metric = next((name for name, p in _GOAL_METRICS if not mentions(doc, p)), None)
    section = find_section(doc, _GOALS, _INTRO, _WHY)
    if metric is None or section is None:
        return None
    doc.append_to(section, f"A further business goal is to raise {metric} by 5% within a year.")
    expected = Expectation(rule_ids=["consistency.goals-unmeasured"])
    return _pair(doc_id, "unmeasured-goal", clean, doc, expected, f"goal on {metric}")


def personal_data(doc_id: str, clean: str, doc: DocText) -> FlawPair | None:
    """Add customers' personal data to the data section and remove the privacy wording."""
    if mentions(doc, PERSONAL) and not mentions(doc, PRIVACY):
        return None  # personal data without privacy wording: the flaw is there already
    remove_topic(doc, PRIVACY)
    section = find_section(doc, _DATA, _MODELING)
    if section is None:
        return None
    doc.append_to(
        section,
        "The model also uses customers' personal data from the CRM: email address, date of "
        "birth and purchase history.",
    )
    expected = Expectation(rule_ids=["risk.personal-data-no-privacy"])
    return _pair(doc_id, "personal-data", clean, doc, expected, "personal data added")


def _families(texts: list[str], terms: dict[str, re.Pattern[str]]) -> set[str]:
    return {family for t in texts for family, p in terms.items() if p.search(t)}


def _metric_families(texts: list[str]) -> set[str]:
    soft = [t for t in texts if _SOFT_METRIC.search(t) and _EVAL_HINT.search(t)]
    return _families(texts, _METRIC_TERMS) | ({"classification"} if soft else set())


def metric_loss(doc_id: str, clean: str, doc: DocText) -> FlawPair | None:
    """Make the training loss belong to another task family than the evaluation metrics:
    a regression loss for a classifier's metrics, a classification loss for a regressor's."""
    units = [
        (i, s)
        for i, b in enumerate(doc.blocks)
        if b.kind in ("text", "item", "row")
        for s in sentences(doc.content(i)[1])
    ]
    loss_units = [(i, s) for i, s in units if _is_loss_sentence(s)]
    losses = _families([s for _, s in loss_units], _LOSS_TERMS)
    metrics = _metric_families([s for u, s in units if (u, s) not in loss_units])
    if not metrics and not losses:
        first = find_section(doc, _MODELING)
        second = find_section(doc, _EVALUATION)
        if second is first:
            with_text = [s for s in doc.sections if s.own and s is not first]
            second = with_text[-1] if with_text else None
        if first is None or second is None:
            return None
        doc.append_to(first, "The model is trained to minimise mean squared error (MSE).")
        doc.append_to(second, "We evaluate the model by its F1 score and accuracy on a test set.")
        note = "MSE loss, F1 and accuracy metrics"
    elif len(metrics) == 1 and next(iter(metrics)) in _CONFLICTING_LOSS:
        family, name = _CONFLICTING_LOSS[next(iter(metrics))]
        replaced = False
        for i in sorted({i for i, s in loss_units if _families([s], _LOSS_TERMS)}):
            marker, text = doc.content(i)
            parts = [
                _replace_losses(p, name) if _is_loss_sentence(p) else p for p in sentences(text)
            ]
            new = marker + " ".join(parts)
            if new != marker + text:
                doc.replace(i, [new])
                replaced = True
        if not replaced:
            section = find_section(doc, _MODELING)
            if section is None:
                return None
            doc.append_to(section, f"The model is trained to minimise {name}.")
        note = f"{family} loss ({name}) against {next(iter(metrics))} metrics"
    else:
        return None
    expected = Expectation(rule_ids=["consistency.metric-loss"])
    return _pair(doc_id, "metric-loss", clean, doc, expected, note)


def _is_loss_sentence(sentence: str) -> bool:
    """A sentence that names the training objective: a cue outside the loss's own name ("we
    train with MSE"), or a "... loss" named in no evaluation ("Tweedie loss for the point
    forecast", not "we also track pinball loss")."""
    if _LOSS_SENTENCE.search(_ANY_LOSS.sub(" ", sentence)):
        return True
    named = any(
        m.group(0).lower().endswith("loss")
        for p in _LOSS_TERMS.values()
        for m in p.finditer(sentence)
    )
    return named and not _EVAL_HINT.search(sentence)


def _replace_losses(sentence: str, name: str) -> str:
    """The sentence with each loss it trains on replaced by `name` (a run of them by one),
    keeping a trailing "loss" where the original had one ("Tweedie loss")."""

    def swap(match: re.Match[str]) -> str:
        before, after = sentence[: match.start()], sentence[match.end() :]
        if _FIGURE_BEFORE.search(before) or _FIGURE_AFTER.match(after):
            return match.group(0)
        return "\x02" if match.group(0).lower().endswith("loss") else "\x01"

    marked = _ANY_LOSS.sub(swap, sentence)
    marked = re.sub(r"[\x01\x02](?:\s*(?:,|and|or|/)\s*[\x01\x02])+", "\x01", marked)
    return marked.replace("\x02", f"{name} loss").replace("\x01", name)


GENERATORS: dict[str, Generator] = {
    "delete-baseline": delete_baseline,
    "random-split": random_split,
    "remove-monitoring": remove_monitoring,
    "latency-conflict": latency_conflict,
    "drop-rollback": drop_rollback,
    "tbd-figures": tbd_figures,
    "unmeasured-goal": unmeasured_goal,
    "personal-data": personal_data,
    "metric-loss": metric_loss,
}


def build_pairs(
    doc_id: str, text: str, suffix: str = "md", flaws: Iterable[str] = FLAWS
) -> list[FlawPair]:
    """One (clean, flawed) pair for each flaw that applies to the doc."""
    clean = text.replace("\r\n", "\n")
    out = []
    for flaw in flaws:
        pair = GENERATORS[flaw](doc_id, clean, parse(clean, suffix))
        if pair is not None:
            out.append(pair)
    return out
