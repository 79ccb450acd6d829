"""Which template section of the user's draft a chat question is about, if any.

A question about the draft names it ("my", "our", "the draft", "section") and asks for a
judgement ("enough", "missing", "good", "cover"); "Batch or online?" does neither. Its topic
words are then matched against each section's names (title, aliases, the draft headings the
review aligned to it), cues and guiding questions. Nothing here knows a section by name, so
any template works; one without aliases or cues is matched by its titles and questions."""

from __future__ import annotations

import re
from dataclasses import dataclass

from app.review.models import Review, SectionReview
from app.review.risks import cue_regex
from app.rubric.models import Rubric, RubricSection

_WORD = re.compile(r"[a-z0-9]+(?:['’][a-z]+)?")


def _vocabulary(words: str) -> frozenset[str]:
    return frozenset(words.split())


# Words that point at the user's own document.
_DRAFT = _vocabulary("my our ours mine draft drafts doc docs document proposal writeup")
# Words naming a part of a document: a question that uses one is about the draft's parts.
_PART = _vocabulary("section sections part parts chapter heading")
# Words asking for a judgement of what is written.
_JUDGEMENT = _vocabulary(
    """enough sufficient sufficiently adequate adequately good ok okay fine complete
    completeness solid strong weak weaker thin vague missing miss misses lack lacks lacking gap
    gaps cover covers covered covering coverage address addresses addressed handle handles
    handled improve improved improvement fix wrong review rate rating score grade verdict assess
    judge check feedback critique ready clear say says said mention mentions mentioned look
    looks how's status detailed"""
)
_STOP = _vocabulary(
    """a an the and or but of in on at to for from with about by is are was were be been being
    do does did it its this that these those there here what what's which who whom whose how
    why when where i me we us you your they them their he she his her can could should would
    will shall may might must have has had not no any some all each every more most much many
    very too so than then also just only still yet please tell think thinking there's is it's
    anything something things thing else well enough design ml overall whole"""
)
# Weights: a word of the section's title counts most, then an alias, then a topic cue, then a
# word of a guiding question; a draft heading the review aligned to the section adds its
# weight times the alignment's confidence.
_TITLE, _ALIAS, _HEADING, _CUE, _QUESTION = 3.0, 2.0, 2.0, 1.0, 0.5
_MAX_CUES = 2
_TITLE_SHARE = 0.5
# At least one cue, or a title, alias or heading word.
_MIN_SCORE = 1.0


def _words(text: str) -> list[str]:
    return _WORD.findall(text.lower().replace("’", "'"))


def _same(a: str, b: str) -> bool:
    """Two words with one stem: 'monitor' and 'monitoring', 'evaluate' and 'evaluation'."""
    if a == b:
        return True
    if min(len(a), len(b)) < 4:
        return False
    shared = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        shared += 1
    return shared >= max(4, min(len(a), len(b)) - 2)


def _hit(word: str, vocabulary: set[str]) -> bool:
    return any(_same(word, v) for v in vocabulary)


def asks_about_draft(question: str) -> bool:
    """True when the question asks how the user's draft does: 'Is my monitoring section
    enough?', 'what's missing from my data section', 'Does our draft cover rollback?'."""
    words = set(_words(question))
    if words & _PART:
        return True
    return bool(words & _DRAFT) and bool(words & _JUDGEMENT)


def _topic(question: str) -> list[str]:
    """The question's words that can name a topic."""
    skip = _DRAFT | _PART | _JUDGEMENT | _STOP
    return [w for w in _words(question) if w not in skip and len(w) > 1 and not w.isdigit()]


@dataclass(frozen=True)
class _Profile:
    """What names one section, from the review and (when known) the rubric."""

    section: SectionReview
    title: set[str]
    aliases: set[str]
    headings: list[tuple[set[str], float]]
    questions: set[str]
    cues: list[re.Pattern[str]]


def _profile(section: SectionReview, rubric_section: RubricSection | None) -> _Profile:
    skip = _STOP | _DRAFT | _PART
    aliases = rubric_section.aliases if rubric_section else []
    questions = [v.question for v in section.verdicts]
    if rubric_section:
        questions += [q.text for q in rubric_section.questions]
    return _Profile(
        section=section,
        title={w for w in _words(section.title) if w not in skip},
        aliases={w for a in aliases for w in _words(a) if w not in skip},
        headings=[
            ({w for w in _words(a.heading) if w not in skip}, a.confidence) for a in section.aligned
        ],
        questions={w for q in questions for w in _words(q) if w not in skip},
        cues=[cue_regex(c) for c in (rubric_section.cues if rubric_section else []) if c.strip()],
    )


def _names_number(question: str, number: str) -> bool:
    """'section 5.5', '5.5', 'section 3': a bare integer could be any figure, so it counts
    only after 'section'."""
    if not number:
        return False
    exact = rf"{re.escape(number)}(?![\d]|\.\d)"
    if "." in number and re.search(rf"(?<![\d.]){exact}", question):
        return True
    return bool(re.search(rf"\b(?:section|part|chapter)\s+{exact}", question, re.IGNORECASE))


def _score(profile: _Profile, topic: list[str], topic_text: str, question: str) -> float:
    score = 0.0
    for word in topic:
        named = max(
            _TITLE if _hit(word, profile.title) else 0.0,
            _ALIAS if _hit(word, profile.aliases) else 0.0,
        )
        # The draft's own heading, named in the question, is the section the user means.
        heading = max(
            (_HEADING * c for words, c in profile.headings if _hit(word, words)), default=0
        )
        score += named + heading + (_QUESTION if _hit(word, profile.questions) else 0.0)
    score += _CUE * min(_MAX_CUES, sum(1 for cue in profile.cues if cue.search(topic_text)))
    if profile.title:
        # Of two titles with the word, the one it says more of: "cost" is "Cost and return on
        # investment" before "Scalability, infrastructure and cost of operation".
        named_words = sum(1 for t in profile.title if any(_same(t, w) for w in topic))
        score += _TITLE_SHARE * named_words / len(profile.title)
    if _names_number(question, profile.section.number):
        score += _TITLE * 2
    return score


def match_section(
    question: str, review: Review, rubric: Rubric | None = None
) -> SectionReview | None:
    """The reviewed section the question asks about: the one whose names, cues and questions
    its topic words match best. None when the question is not about the draft, names no
    section, or two sections match it equally well."""
    if not asks_about_draft(question):
        return None
    topic = _topic(question)
    by_id = {s.id: s for s in rubric.sections} if rubric is not None else {}
    topic_text = " ".join(topic)
    scored = sorted(
        (
            (_score(_profile(s, by_id.get(s.section_id)), topic, topic_text, question), i)
            for i, s in enumerate(review.sections)
        ),
        reverse=True,
    )
    if not scored or scored[0][0] < _MIN_SCORE:
        return None
    if len(scored) > 1 and scored[1][0] == scored[0][0]:
        return None
    return review.sections[scored[0][1]]
