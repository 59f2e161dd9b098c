"""Boilerplate filter: article lines in, the same lines minus page furniture out.

Second stage of the cleaner, after extraction (``extract.py``) and before per-site
learning (``site_lines.py``); also the whole cleaner for plain-text input. It removes
reply/comment forms, language switchers, share/follow prompts, related-story teasers,
newsletter/app/cookie prompts, bylines, dates, credits, copyright lines and a repeated
headline, in English, Russian, Chinese, German, French and Spanish (phrases in
``phrases.py``).

A line is judged three ways:

- by phrase: a whole-line furniture phrase ("Leave a Reply"), or wording only furniture
  uses ("Your email address will not be published") in a short line;
- by shape: a row of language names or codes ("English Русский 中文", "EN | RU | ZH",
  "en_USEnglish"), a prefix such as "Read more:" on a line that is not a sentence;
- by position: before the first and after the last real sentence of the body, short
  lines that are not sentences (dates, credits, the headline again) are furniture.

The guarantee that matters most: a sentence that merely contains a form word ("The
ministry did not reply to a request for comment.", "Shares in Gazprom fell 3%.") is kept.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

from monitor.cleaner.phrases import FORM_PHRASES, LANGUAGE_NAMES, PREFIXES, WHOLE_LINES

__all__ = ["normalise", "is_sentence", "is_furniture", "remove_boilerplate"]

# A furniture line is short; anything longer is article prose whatever it says.
_MAX_FORM_WORDS = 40
_MAX_PREFIX_WORDS = 25
_SENTENCE_MIN_WORDS = 5
_SENTENCE_MIN_CJK = 12

_QUOTES = str.maketrans({"’": "'", "‘": "'", "“": '"', "”": '"', "«": '"', "»": '"', "\xa0": " "})
_SPACES = re.compile(r"\s+")
_TRAILING = re.compile(r"[\s:：.。!！?？…»›>→|*\-–—]+$")
_LEADING = re.compile(r"^[\s\-–—•·*|>»›]+")
_SENTENCE_END = re.compile(r"[.!?。！？…;；:：][\"'”’»)\]]*$")
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af]")
_LANG_SPLIT = re.compile(r"[\s|/·•,]+")
_LANG_CODE = re.compile(r"^[a-z]{2}(?:[_-][a-z]{2})?$", re.I)
_GLUED_LOCALE = re.compile(r"^[a-z]{2}_[A-Z]{2}(\S.*)$")
_FORM_PHRASES = re.compile("|".join(re.escape(p) for p in FORM_PHRASES))


def normalise(line: str) -> str:
    """Case-folded, straight-quoted, single-spaced, without edge punctuation or bullets."""
    line = line.translate(_QUOTES).casefold()
    line = _SPACES.sub(" ", line)
    return _TRAILING.sub("", _LEADING.sub("", line))


def _words(line: str) -> int:
    return len(line.split()) + len(_CJK.findall(line)) // 2


def is_sentence(line: str) -> bool:
    """Prose: enough words (or CJK characters) and ends like a sentence."""
    stripped = line.strip()
    if not _SENTENCE_END.search(stripped):
        return False
    if len(_CJK.findall(stripped)) >= _SENTENCE_MIN_CJK:
        return True
    return len(stripped.split()) >= _SENTENCE_MIN_WORDS


def _is_language_row(line: str) -> bool:
    """ "English Русский 中文", "EN | RU | ZH", "en_USEnglish", "ru_RUРусский" and the like."""
    text = line.strip()
    for name in LANGUAGE_NAMES:
        if " " in name and name in text.casefold():
            text = re.sub(re.escape(name), "English", text, flags=re.I)
    tokens = [t for t in _LANG_SPLIT.split(text) if t]
    if not tokens or len(tokens) > 30:
        return False
    names = codes = 0
    for token in tokens:
        glued = _GLUED_LOCALE.match(token)
        if glued:
            token = glued.group(1)
            codes += 1
        if token.casefold() in LANGUAGE_NAMES:
            names += 1
        elif _LANG_CODE.match(token) and (token.isupper() or "_" in token or "-" in token):
            codes += 1
        elif not glued:
            return False
    return names >= 2 or codes >= 2 or (codes >= 1 and names >= 1)


def is_furniture(line: str) -> bool:
    """True for a line that is page furniture wherever it appears (phrase or shape)."""
    key = normalise(line)
    if not key:
        return True
    if key in WHOLE_LINES:
        return True
    words = _words(line)
    if words <= _MAX_FORM_WORDS and _FORM_PHRASES.search(key):
        return True
    if _is_language_row(line):
        return True
    if words <= _MAX_PREFIX_WORDS and not is_sentence(line) and key.startswith(PREFIXES):
        return True
    return False


def remove_boilerplate(
    lines: Sequence[str], *, title: str | None = None, author: str | None = None
) -> list[str]:
    """Drop furniture lines; keep the rest in order.

    ``title`` and ``author`` (from extraction) are dropped where they repeat as a line
    at the edges of the body. Lines are compared after :func:`normalise`.
    """
    keep = [not is_furniture(line) for line in lines]
    body = [i for i, line in enumerate(lines) if keep[i] and is_sentence(line)]
    first, last = (body[0], body[-1]) if body else (len(lines), -1)
    echoes = {normalise(v) for v in (title, author) if v}
    for i, line in enumerate(lines):
        if keep[i] and (i < first or i > last) and _is_edge_furniture(line, echoes):
            keep[i] = False
    return [line for i, line in enumerate(lines) if keep[i]]


def _is_edge_furniture(line: str, echoes: set[str]) -> bool:
    """Before or after the body: the headline again, a byline, a date, a credit."""
    key = normalise(line)
    if key in echoes:
        return True
    if is_sentence(line):
        return False
    if key.casefold() in LANGUAGE_NAMES:
        return True
    return _looks_like_date(key)


_DATE = re.compile(
    r"^(?:[a-z]+,? )?(?:\d{1,4}[./\-年]\d{1,2}[./\-月]\d{1,4}日?|\d{1,2} [a-zа-яé]+\.? \d{4}"
    r"|[a-z]+\.? \d{1,2},? \d{4})(?:,? (?:at )?\d{1,2}[:.]\d{2}(?: ?[ap]\.?m\.?)?)?"
    r"(?: [a-z]{2,5})?$"
)


def _looks_like_date(key: str) -> bool:
    return bool(_DATE.match(unicodedata.normalize("NFKC", key)))
