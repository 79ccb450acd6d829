"""Topic cues for template sections that give none.

The default template lists, per section, words that show a draft is on its topic (`Cues:`).
A team's own template rarely does. Without cues the reviewer would only have the whole title
to look for ("Goals and success metrics" seldom appears verbatim), so cues are derived: the
words of the section's title, and the words of its checks that few other sections use, each
as a prefix ("monitor*") so inflections count. English words only; a template in another
language gets its title words.
"""

from __future__ import annotations

import re
from collections import Counter

from app.rubric.models import RubricSection

MAX_CUES = 12
MIN_WORD = 4
# Words of a section's checks that no other section uses, at most this many.
MAX_CHECK_CUES = 6

_WORD = re.compile(r"[^\W\d_][\w-]*[^\W\d_]|[^\W\d_]{2}", re.UNICODE)
_STOP = set(
    """
    about above after again against also among another answer answers any apply applies
    approach are aren around based because been before being below between both can cannot
    case cases clear could does doing done down each either else enough even every explain
    explicitly first from further give given good have having here high how however into
    itself just keep kind know least less like likely list made main make makes many more
    most much must need needs never next none note only other others over part parts plan
    plans please point points possible provide rather really said same says section sections
    should show since some state still such sure take than that their them then there these
    they thing things this those though three through time times under until upon used uses
    using very want way ways well were what when where whether which while who whom whose why
    will with within without would write your yours describe describes described detail
    details document doc docs draft template include includes including option options
    team teams system systems project projects today current currently
    example examples e.g etc general important key level new number numbers own people
    person point short value values work works year years one two worse worst better best
    rest rests back move moves take takes often real full known call calls stay stays fit fits
    chosen exactly simple happen happens meet meets anyone owns own deliberately change
    changes judge consider considered reader readers outside exist exists existing produce
    produced second seconds third must-have nice able across ahead along already always
    amount became become becomes begin behind benefit bring built call came come comes
    different does down early easy end ends enough fact fall far feel find found full going
    gone great hard help helps hold idea keep large last late later lead left let likely
    little long look looks lot low matter mean means might mind near nearly old once open
    order per perhaps place put quite range reach ready reason right run runs seem seen
    several side small soon start step steps stop thus together told took toward true turn
    whole wide yet
    """.split()  # noqa: SIM905 (a word list reads best as text)
)
_SUFFIXES = (
    "ations",
    "ation",
    "ments",
    "ment",
    "ings",
    "ing",
    "ies",
    "ness",
    "ers",
    "ed",
    "es",
    "s",
)


def stem(word: str) -> str:
    """A crude prefix of a word, long enough to stay specific: 'monitoring' -> 'monitor'."""
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= MIN_WORD:
            return word[: -len(suffix)]
    return word


def _words(text: str) -> list[str]:
    return [w.lower() for w in _WORD.findall(text) if len(w) >= MIN_WORD and w.lower() not in _STOP]


def derive_cues(sections: list[RubricSection]) -> list[RubricSection]:
    """The sections, each without cues given cues derived from its title and checks."""
    if all(s.cues for s in sections):
        return sections
    texts = {
        s.id: " ".join([*(q.text for q in s.questions), *s.key_points, s.summary]) for s in sections
    }
    frequency: Counter[str] = Counter()
    for text in texts.values():
        frequency.update({stem(w) for w in _words(text)})
    out = []
    for section in sections:
        if section.cues:
            out.append(section)
            continue
        cues: list[str] = []
        for word in _words(" ".join([section.title, *section.aliases])):
            cues.append(stem(word))
        counted = Counter(stem(w) for w in _words(texts[section.id]))
        distinctive = [root for root, _ in counted.most_common() if frequency[root] <= 1]
        cues += distinctive[:MAX_CHECK_CUES]
        unique = list(dict.fromkeys(c for c in cues if len(c) >= MIN_WORD))[:MAX_CUES]
        cues_of = [f"{c}*" for c in unique]
        out.append(section.model_copy(update={"cues": cues_of, "cues_derived": True}))
    return out


# (?<!\s): a split starts where the spaces before it start (tried inside a long run of
# spaces, a leading \s* took quadratic time).
_TITLE_SPLIT = re.compile(r"(?<!\s)\s*+(?:,|&|/|\band\b|\bor\b|\+)\s*+", re.IGNORECASE)


def derive_aliases(sections: list[RubricSection]) -> list[RubricSection]:
    """Sections with a compound title and no aliases ('Operations and monitoring') get its
    parts as aliases, so a draft heading 'Monitoring' names the section. A part that is
    another section's title, or that several sections share, is left out."""
    titles = {s.title.strip().lower() for s in sections}
    parts_of = {
        s.id: [p.strip() for p in _TITLE_SPLIT.split(s.title) if p.strip()] for s in sections
    }
    counts = Counter(p.lower() for parts in parts_of.values() for p in set(parts))
    out = []
    for section in sections:
        parts = parts_of[section.id]
        if section.aliases or len(parts) < 2:
            out.append(section)
            continue
        aliases = [
            p for p in parts if p.lower() not in titles and counts[p.lower()] == 1 and _words(p)
        ]
        out.append(section.model_copy(update={"aliases": aliases}))
    return out
