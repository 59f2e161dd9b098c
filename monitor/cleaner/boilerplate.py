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
from collections.abc import Sequence
from functools import lru_cache
from itertools import islice

import ahocorasick_rs

from monitor.cleaner.phrases import (
    DATE_WORDS,
    EDGE_PHRASES,
    FORM_PHRASES,
    LANGUAGE_NAMES,
    LINK_PREFIXES,
    PREFIXES,
    WHOLE_LINES,
)

__all__ = [
    "normalise",
    "is_sentence",
    "is_furniture",
    "is_echo",
    "has_edge_phrase",
    "remove_boilerplate",
    "boilerplate_mask",
]

# A furniture line is short; anything longer is article prose whatever it says.
_MAX_FORM_WORDS = 60
# Longer lines are never furniture; the phrase patterns never see them (no slow regex).
_MAX_FURNITURE_CHARS = 1000
# Verdicts on that many short lines of the page being cleaned are remembered (the stages
# ask about each line several times): a page has ~30 lines, a page of watch terms 10,000
# after the cut (MAX_PAGE_TEXT). ``forget_lines`` empties them after each page: a crawl
# kept 16,384 lines of pages long gone (6 MB), to be asked about again almost never.
_CACHED_LINES = 16_384
_MAX_PREFIX_WORDS = 25
_MAX_NEWSLETTER_WORDS = 4  # a sign-up box's heading, "<Site> Newsletter"
_MAX_EDGE_WORDS = 25
_MAX_FRAGMENT_WORDS = 20
_MIN_TEASER_WORDS = 6
_TAGGED_HEADLINE = re.compile(r"\[[A-Z]{3,}\]\W*$")
_MAX_LEAD_FRAGMENTS = 6
_MAX_BIO_WORDS = 80
_NAME_SEPARATORS = re.compile(r"\s*(?:[,;&/]|\band\b|\bund\b|\bet\b|\by\b|\bи\b)\s*")
_MAX_TAIL_FRAGMENTS = 12
_SENTENCE_MIN_WORDS = 4
_SENTENCE_MIN_CJK = 12
# Verbs a page's buttons and prompts start with, which a story's last sentence does not.
_CALLS_TO_ACTION = frozenset(
    "back click continue download find follow get go join learn listen load log read "
    "register see share show sign skip subscribe tap tell view visit watch".split()
)

_QUOTES = str.maketrans({"’": "'", "‘": "'", "“": '"', "”": '"', "«": '"', "»": '"', "\xa0": " "})
_SPACES = re.compile(r"\s+")
_TRAILING = re.compile(r"[\s:：.。!！?？…»›>→|*\-–—]+$")
_LEADING = re.compile(r"^[\s\-–—•·*|>»›\[]+")
_SENTENCE_END = re.compile(r"[.!?。！？…;；:：][\"'”’»)\]]*$")
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af]")
_LANG_SPLIT = re.compile(r"[\s|/·•,]+")
_LANG_CODE = re.compile(r"^[a-z]{2}(?:[_-][a-z]{2})?$", re.I)
_GLUED_LOCALE = re.compile(r"^[a-z]{2}_[A-Z]{2}(\S.*)$")
_MAX_ROW_CHARS = 400
_MULTIWORD_NAMES = re.compile(
    "|".join(re.escape(name) for name in LANGUAGE_NAMES if " " in name), re.I
)
# A markup or code name shown as text ("medium-wide-browser", "- share_button"): lower
# case, no spaces, three words joined by hyphens or two by an underscore ("built-in" is
# a word).
_IDENTIFIER = re.compile(
    r"^(?:[-–•*]\s)?[a-z][a-z0-9]*(?:(?:-[a-z0-9]+){2,}|(?:[-_][a-z0-9]+)*_[a-z0-9]+(?:[-_][a-z0-9]+)*)$"
)
# "2023-11-06", "31.10.2023", "11/19/2019 09:30" (``key`` has lost its final full stop)
_NUMERIC_DATE = re.compile(r"^\d{1,4}([-./])\d{1,2}\1\d{2,4}(?:,? \d{1,2}:\d{2}(?::\d{2})?)?$")
_DATE_TOKEN = re.compile(r"\d+|[^\W\d_]+")
_MAX_DATE_TOKENS = 12
_EDGE_PHRASES = re.compile("|".join(EDGE_PHRASES))
# Any of the phrases anywhere in the line: one scan in C, not one ``in`` per phrase.
# One pass of an Aho-Corasick automaton finds any of the phrases in a line: about 30x
# faster than the same search as one regex alternation (``re`` tries each phrase at each
# position), which was half the boilerplate filter's time on a short article.
_FORM_PHRASES = ahocorasick_rs.AhoCorasick(list(FORM_PHRASES))


def _prefix_pattern(prefix: str) -> str:
    """A prefix that ends in a letter must end a word there ("by" is not "byzantine")."""
    last = prefix[-1]
    if last.isspace() or not last.isalnum() or _CJK.match(last):
        return re.escape(prefix)
    return re.escape(prefix) + r"(?=[\s:：,.\-–—]|$)"


_PREFIXES = re.compile("^(?:" + "|".join(map(_prefix_pattern, PREFIXES)) + ")")
_LINK_PREFIXES = re.compile("^(?:" + "|".join(map(re.escape, LINK_PREFIXES)) + ")")


def normalise(line: str) -> str:
    """Case-folded, straight-quoted, single-spaced, without edge punctuation or bullets."""
    if len(line) <= _MAX_FURNITURE_CHARS:
        return _normalise_short(line)
    return _normalise(line)


@lru_cache(maxsize=_CACHED_LINES)
def _normalise_short(line: str) -> str:
    # The rule stages and the line model ask about the same lines several times each.
    return _normalise(line)


def _normalise(line: str) -> str:
    line = line.translate(_QUOTES).casefold()
    line = _SPACES.sub(" ", line)
    return _TRAILING.sub("", _LEADING.sub("", line))


def _words(line: str) -> int:
    return len(line.split()) + len(_CJK.findall(line)) // 2


def is_sentence(line: str) -> bool:
    """Prose: enough words (or CJK characters) and ends like a sentence."""
    stripped = line.strip(" \t|")
    if not _SENTENCE_END.search(stripped):
        return False
    if len(_CJK.findall(stripped)) >= _SENTENCE_MIN_CJK:
        return True
    return len(stripped.split()) >= _SENTENCE_MIN_WORDS


def _is_language_row(line: str) -> bool:
    """ "English Русский 中文", "EN | RU | ZH", "en_USEnglish", "ru_RUРусский" and the like."""
    if len(line) > _MAX_ROW_CHARS:
        return False
    text = _MULTIWORD_NAMES.sub("English", line.strip())
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


@lru_cache(maxsize=_CACHED_LINES)
def is_furniture(line: str, *, teaser_shapes: bool = True) -> bool:
    """True for a line that is page furniture wherever it appears (phrase or shape).

    ``teaser_shapes=False`` leaves out the shapes of a link to another story (a list
    item in Title Case...), for a line the page shows is no link.
    """
    if len(line) > _MAX_FURNITURE_CHARS:
        return False
    key = normalise(line)
    if not key:
        return True
    if key in WHOLE_LINES:
        return True
    words = _words(line)
    if words <= _MAX_FORM_WORDS and _FORM_PHRASES.find_matches_as_indexes(key):
        return True
    if _is_language_row(line):
        return True
    if _IDENTIFIER.match(line):
        return True
    if words <= _MAX_NEWSLETTER_WORDS and key.endswith("newsletter"):  # "PC Gamer Newsletter"
        return True
    if teaser_shapes and _is_teaser(line):
        return True
    if words <= _MAX_PREFIX_WORDS and _LINK_PREFIXES.match(key):
        return True
    if words <= _MAX_PREFIX_WORDS and not is_sentence(line) and _PREFIXES.match(key):
        return True
    return False


def forget_lines() -> None:
    """Empty the verdicts remembered for the page just cleaned (see ``_CACHED_LINES``)."""
    for cached in (_normalise_short, is_furniture, has_edge_phrase):
        cached.cache_clear()


def _is_teaser(line: str) -> bool:
    """A link to another story: a shouted headline, a headline tagged "[VIDEO]", or a
    list item in Title Case; none of them a sentence."""
    if is_sentence(line):
        return False
    if _TAGGED_HEADLINE.search(line):
        return True
    words = line.split()
    letters = [c for c in line if c.isalpha()]
    if len(words) >= _MIN_TEASER_WORDS and sum(c.isupper() for c in letters) > 0.8 * len(letters):
        return True
    if line.startswith("- ") and len(words) > _MIN_TEASER_WORDS:
        significant = [w for w in words[1:] if len(w) > 3 and w[0].isalpha()]
        return len(significant) >= 3 and all(w[0].isupper() for w in significant)
    return False


def remove_boilerplate(
    lines: Sequence[str],
    *,
    title: str | None = None,
    author: str | None = None,
    headline_first: bool = False,
) -> list[str]:
    """Drop furniture lines; keep the rest in order.

    Anywhere: :func:`is_furniture`. At the edges (the run of lines before the first and
    after the last plain sentence): lines that are not sentences, the ``title`` or
    ``author`` again, bylines, dates, credits, contact and promo lines.
    ``headline_first`` (plain-text input) keeps a first line that reads as a headline.
    """
    echoes = [normalise(v) for v in (title, author) if v]
    keep = boilerplate_mask(lines, echoes, author=author, headline_first=headline_first)
    return [line for i, line in enumerate(lines) if keep[i]]


def boilerplate_mask(
    lines: Sequence[str],
    echoes: Sequence[str],
    *,
    author: str | None = None,
    headline_first: bool = False,
) -> list[bool]:
    """:func:`remove_boilerplate` as one flag per line (``True``: the line stays);
    ``echoes`` are the title and author after :func:`normalise`; ``author`` is the
    declared author as the page gives it (a last line about them is their bio)."""
    keep = [not is_furniture(line) and normalise(line) not in echoes for line in lines]
    order = [i for i in range(len(lines)) if keep[i]]
    if headline_first and order and not is_sentence(lines[order[0]]):
        order = order[1:]
    lead = _edge_run([lines[i] for i in order], echoes, _MAX_LEAD_FRAGMENTS)
    tail = _edge_run(
        [lines[i] for i in reversed(order)], (), _MAX_TAIL_FRAGMENTS, bios=author_names(author)
    )
    for i in order[:lead] + order[len(order) - tail :]:
        keep[i] = False
    return keep


def is_echo(line: str, echoes: Sequence[str]) -> bool:
    """The headline, standfirst or author again, allowing a site name or ellipsis."""
    key = normalise(line)
    for echo in echoes:
        if key == echo or (
            len(key) >= 20 and (key in echo or echo in key) and len(key) <= 1.4 * len(echo)
        ):
            return True
    return False


def author_names(author: str | None) -> tuple[str, ...]:
    """The full names in a declared author ("Jane Doe and John Roe"), normalised; a
    single word (a desk, a site name) is none."""
    names = (normalise(name) for name in _NAME_SEPARATORS.split(author or ""))
    return tuple(name for name in names if len(name.split()) >= 2)


def _is_bio(line: str, names: Sequence[str]) -> bool:
    """A sentence that starts with an author's full name: "Jane Doe is a reporter…"."""
    if not names or _words(line) > _MAX_BIO_WORDS or not is_sentence(line):
        return False
    key = normalise(line)
    return any(key.startswith(name + " ") for name in names)


def _edge_run(
    lines: Sequence[str],
    echoes: Sequence[str],
    max_fragments: int,
    *,
    bios: Sequence[str] | None = None,
) -> int:
    """How many of ``lines`` (from one edge inwards) are furniture.

    The run ends at the first plain sentence, and at the tail (``bios`` given) also at
    a closing sentence too short to be one (:func:`_is_closing_sentence`). At the tail,
    a sentence that starts with the name of one of the authors (``bios``) is their bio
    and counts as furniture. Lines that are furniture
    only by shape (fragments: short, not a sentence) count while there are few of them and
    nothing introduces them: a long run of fragments, or one next to a line ending in ":",
    is a list or a table that belongs to the article (tour dates, results, a feature list).
    """
    run = fragments = 0
    firm = 0  # length of the run of phrase or echo lines at the very edge
    for line in lines:
        if is_echo(line, echoes) or has_edge_phrase(line) or (bios and _is_bio(line, bios)):
            run += 1
            firm += 1 if run == firm + 1 else 0
            continue
        if bios is not None and _is_closing_sentence(line):
            return run
        if not _is_fragment(line):
            return firm if _introduces_list(line) else run
        if _introduces_list(line) or fragments == max_fragments:
            return firm
        run += 1
        fragments += 1
    return firm if fragments else run


def _introduces_list(line: str) -> bool:
    return line.rstrip().endswith((":", "："))


def _is_closing_sentence(line: str) -> bool:
    """ "The talks continue.", "Putin declined.": two or three words, the first capitalised
    and the rest not, and one full stop. A story may end so; furniture of that shape
    ("Comments are closed.", "Staff writer.") is in the phrase lists, and a credit or
    a headline capitalises more than its first word ("Agence France-Presse.")."""
    words = line.split()
    if not 2 <= len(words) < _SENTENCE_MIN_WORDS or not line.endswith(".") or ".." in line:
        return False
    if words[0].casefold() in _CALLS_TO_ACTION:  # "Watch live.", "Tap here."
        return False
    return words[0][0].isupper() and all(w[0].islower() for w in words[1:])


def _is_fragment(line: str) -> bool:
    """Short and not a sentence: a label, date, credit, teaser headline or button."""
    return not is_sentence(line) and _words(line) <= _MAX_FRAGMENT_WORDS


@lru_cache(maxsize=_CACHED_LINES)
def has_edge_phrase(line: str) -> bool:
    """Furniture when at an edge: a follow, contact or promo phrase, or a date."""
    if len(line) > _MAX_FURNITURE_CHARS:
        return False
    key = normalise(line)
    if _words(line) <= _MAX_EDGE_WORDS and _EDGE_PHRASES.search(key):
        return True
    return is_dateline(key)


def is_dateline(key: str) -> bool:
    """A date or time and nothing else: "Updated at 1:23 p.m.", "22 de janeiro de 2018 às
    0:13", "Published 3 May 2024" (``key`` is the line after :func:`normalise`)."""
    if _NUMERIC_DATE.match(key):
        return True
    # A paragraph is not read to its end: one token past the limit decides.
    tokens = [m.group() for m in islice(_DATE_TOKEN.finditer(key), _MAX_DATE_TOKENS + 1)]
    if not tokens or len(tokens) > _MAX_DATE_TOKENS:
        return False
    words = [t for t in tokens if not t.isdigit()]
    return 0 < len(words) < len(tokens) and all(t in DATE_WORDS for t in words)
