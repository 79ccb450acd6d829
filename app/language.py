"""Which language a draft is written in, from its letters and its commonest words.

The offline reviewer judges English text: its embedding model, cues and risk catalogue are
English. A draft in another language would otherwise come back as a wall of false gaps, so
the reviewer names the language it sees and declines. No model and no network: scripts are
told apart by Unicode ranges, Latin-script languages by their function words.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

# Share of letters outside the Latin script at which a text is taken as not English.
FOREIGN_SCRIPT_SHARE = 0.3
# Fewer letters than this: too little text to tell.
MIN_LETTERS = 200

_SCRIPTS = {
    "CYRILLIC": ("ru", "Russian"),
    "CJK": ("zh", "Chinese"),
    "HIRAGANA": ("ja", "Japanese"),
    "KATAKANA": ("ja", "Japanese"),
    "HANGUL": ("ko", "Korean"),
    "ARABIC": ("ar", "Arabic"),
    "HEBREW": ("he", "Hebrew"),
    "GREEK": ("el", "Greek"),
    "DEVANAGARI": ("hi", "Hindi"),
    "THAI": ("th", "Thai"),
}
# Function words: frequent in running text of their language, rare in the others.
_FUNCTION_WORDS = {
    "en": "the and of to is that for with are this be on we will by which from it as an not",
    "es": "el la los las de que y en es por para con una del se al como más pero sus",
    "pt": "o a os as de que e em é para com uma do da dos das não ao se por",
    "fr": "le la les des de et est un une du en que pour dans qui sur pas par au avec",
    "de": "der die das und ist nicht mit ein eine zu den von für auf dem des im sich werden",
    "it": "il lo la gli le di che e è per con una del della sono non nel un da al",
    "nl": "de het een en van is dat op te in voor met zijn niet worden door wordt ook",
}
_NAMES = {
    "en": "English",
    "es": "Spanish",
    "pt": "Portuguese",
    "fr": "French",
    "de": "German",
    "it": "Italian",
    "nl": "Dutch",
    "uk": "Ukrainian",
}
_WORDS = {code: frozenset(words.split()) for code, words in _FUNCTION_WORDS.items()}
_CODE_BLOCK = re.compile(r"```.*?```", re.DOTALL)
_URL = re.compile(r"https?://\S+|www\.\S+")
_TOKEN = re.compile(r"[^\W\d_]+", re.UNICODE)


@dataclass(frozen=True)
class Language:
    """A detected language: ISO 639-1 code, English name, and how sure the guess is (0-1)."""

    code: str
    name: str
    confidence: float

    @property
    def english(self) -> bool:
        """Whether the offline reviewer can judge this text."""
        return self.code == "en"


def _script(char: str) -> str:
    name = unicodedata.name(char, "")
    for script in _SCRIPTS:
        if name.startswith(script):
            return script
    return "LATIN" if "LATIN" in name else "OTHER"


def detect_language(text: str) -> Language:
    """The language a text is mostly written in (English when there is too little to tell)."""
    prose = _URL.sub(" ", _CODE_BLOCK.sub(" ", text))
    counts: dict[str, int] = {}
    for char in prose:
        if char.isalpha():
            script = _script(char)
            counts[script] = counts.get(script, 0) + 1
    letters = sum(counts.values())
    if letters < MIN_LETTERS:
        return Language("en", "English", 0.0)
    foreign = {k: v for k, v in counts.items() if k in _SCRIPTS}
    if foreign and sum(foreign.values()) / letters >= FOREIGN_SCRIPT_SHARE:
        script = max(foreign, key=lambda k: foreign[k])
        code, name = _SCRIPTS[script]
        if (
            script == "CJK"
            and (counts.get("HIRAGANA", 0) + counts.get("KATAKANA", 0)) > 0.05 * (foreign[script])
        ):
            code, name = "ja", "Japanese"
        if code == "ru" and len(re.findall(r"[іїєґІЇЄҐ]", prose)) > 0.005 * foreign[script]:
            code, name = "uk", "Ukrainian"
        return Language(code, name, round(sum(foreign.values()) / letters, 3))
    tokens = [t.lower() for t in _TOKEN.findall(prose)]
    if not tokens:
        return Language("en", "English", 0.0)
    rates = {
        code: sum(1 for t in tokens if t in words) / len(tokens) for code, words in _WORDS.items()
    }
    best = max(rates, key=lambda c: rates[c])
    # English technical prose is full of loanwords; another language must clearly lead.
    if best != "en" and rates[best] < max(1.5 * rates["en"], 0.08):
        best = "en"
    margin = rates[best] - sorted(rates.values())[-2] if len(rates) > 1 else rates[best]
    return Language(best, _NAMES[best], round(min(1.0, 5 * max(margin, 0.0)), 3))
