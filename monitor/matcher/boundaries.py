"""Word boundaries: is an automaton hit a whole word, or part of a longer one?

Runs after the automaton (``index.py``) on normalised text (``monitor/normalize.py``), so the only
apostrophe left is ``'`` and every space is ``" "``.

A *word character* is a letter, digit, combining mark or ``_`` of a script written with
spaces (Latin, Cyrillic, Greek, Arabic, Hebrew, Devanagari, Hangul…). Letters of scripts
written without spaces (Han, Hiragana, Katakana, Thai, Lao, Khmer, Myanmar) are not: an
alias in those scripts matches as a substring, and a Latin alias right next to a Chinese
character ("Xi访问") still stands on a word boundary, as in Unicode's UAX #29.

The surprises, each tested in ``tests/monitor/matcher``:

- "Xi's" and "Xi's" (curly) are Xi: a possessive ``'s`` belongs to the word;
- "Xi'an" is not Xi: any other letters joined by an apostrophe make another word;
- a trailing apostrophe with no letter after it ("the Joneses' house", "'Xi'") is punctuation;
- "l'OTAN", "d'Erdoğan", "qu'Obama", "dell'ONU": a lower-case French or Italian elision
  before the apostrophe does not join (but "O'Neill" is not "Neill");
- hyphens split words: "Putin-Xi" has both, "Xi-led" has Xi.
"""

from __future__ import annotations

import unicodedata

__all__ = ["UNSPACED_CLASS", "is_unspaced", "is_word_char", "starts_word", "ends_word"]

# Scripts written without spaces between words: an alias edge in one of them needs no
# boundary, and one of their characters next to an alias is a boundary.
_UNSPACED = (
    (0x0E00, 0x0EFF),  # Thai, Lao
    (0x1000, 0x109F),  # Myanmar
    (0x1780, 0x17FF),  # Khmer
    (0x3005, 0x3007),  # 々 〆 〇
    (0x3021, 0x3029),  # Hangzhou numerals
    (0x3031, 0x3035),  # kana repeat marks
    (0x3040, 0x30FF),  # Hiragana, Katakana (with ー)
    (0x31F0, 0x31FF),  # Katakana phonetic extensions
    (0x3400, 0x4DBF),  # CJK extension A
    (0x4E00, 0x9FFF),  # CJK unified ideographs
    (0xF900, 0xFAFF),  # CJK compatibility ideographs
    (0xFF66, 0xFF9F),  # half-width Katakana
    (0x20000, 0x3FFFF),  # CJK extensions B and later
)

# The same ranges as the inside of a regex character class.
UNSPACED_CLASS = "".join(f"{chr(lo)}-{chr(hi)}" for lo, hi in _UNSPACED)

_ELISIONS = frozenset(
    ("l", "d", "j", "m", "n", "s", "t", "c", "qu", "jusqu", "lorsqu", "puisqu")
    + ("dell", "all", "dall", "nell", "sull", "coll", "dov", "un")
)


def is_unspaced(c: str) -> bool:
    """True for a character of a script written without spaces (Chinese, Japanese, Thai…)."""
    if c < "\u0e00":
        return False
    code = ord(c)
    return any(lo <= code <= hi for lo, hi in _UNSPACED)


def is_word_char(c: str) -> bool:
    """True if ``c`` would continue a word of a script written with spaces."""
    if c < "\x80":
        return c.isalnum() or c == "_"
    if c.isalnum() or unicodedata.category(c)[0] == "M":
        return not is_unspaced(c)
    return False


def starts_word(text: str, start: int) -> bool:
    """True if a word may start at ``text[start]`` (the character before does not join it)."""
    if start == 0:
        return True
    before = text[start - 1]
    if before == "'":
        # "O'Neill" joins; "'Xi" (an opening quote) and "l'OTAN" (an elision) do not.
        if start >= 2 and is_word_char(text[start - 2]):
            return _is_elision(text, start - 1)
        return True
    return not is_word_char(before)


def ends_word(text: str, end: int) -> bool:
    """True if a word may end just before ``text[end]``.

    "Xi's" is Xi (possessive), but "Xi'an" is not: letters after an apostrophe make another
    word, except a lone ``s``.
    """
    if end >= len(text):
        return True
    after = text[end]
    if after == "'":
        if end + 1 < len(text) and is_word_char(text[end + 1]):
            return text[end + 1] in "sS" and (
                end + 2 == len(text) or not is_word_char(text[end + 2])
            )
        return True
    return not is_word_char(after)


def _is_elision(text: str, apostrophe: int) -> bool:
    """True if the word just before ``text[apostrophe]`` is an elided article ("l'", "qu'")."""
    start = apostrophe
    while start > 0 and apostrophe - start < 6 and is_word_char(text[start - 1]):
        start -= 1
    if start > 0 and is_word_char(text[start - 1]):
        return False
    return text[start:apostrophe] in _ELISIONS
