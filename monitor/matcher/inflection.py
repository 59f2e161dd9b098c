"""Inflection: an alias written once in its dictionary form finds the forms a text uses.

"Путин" finds "Путина", "Путину", "Путиным"; "санкции" finds "санкциями"; "Putin" finds
German "Putins" and Polish "Putinem"; "Шанхайская организация сотрудничества" finds
"Шанхайской организации сотрудничества". Used by ``index.py``, which keys each inflectable
word of a spelling in its automaton by a *prefix* (below), then asks :meth:`Inflector.accepts`
whether the whole word found there is a form of the alias word.

Chosen by measurement (``python bench/inflect.py``, on fixtures/matcher/inflection.toml):

- Snowball stemmers (PyStemmer, the stemmers of Lucene and Xapian) decide for Latin script
  (English, German, French, Spanish, Polish: a word is a form of the alias word if any of
  them reduces both to the same stem) and for Cyrillic (Russian);
- Ukrainian has no Snowball stemmer, so a Cyrillic pair where either word has a letter
  only Ukrainian uses (і ї є ґ) is also asked of pymorphy3's Ukrainian dictionary (same
  lemma); it is loaded on the first such pair (about 0.5 s and 25 MB).

What stays exact: words of three letters or fewer ("Си", "Xi"), acronyms ("ШОС", "SCO"),
words with digits or of other scripts, and every word of a spelling with ``inflect =
false``. A capitalised alias word (a name) only takes capitalised forms, so "Путин" finds
"Путина" but not "путина" (the fishing season); its stem must be the alias word's, so it
does not find "Путинцев" (another surname); nor "Putinism", "poutinisme" or "putinista",
which the stemmers reduce to "putin" too (``_DERIVED``). The exact dictionary form matches
as before.

The *prefix* of a word is the longest start that every form shares as far as the stemmers
tell: the common start of the case-folded word and its stems (Spanish "sanción" -> "sanci",
since the stem drops the accent; a stem that shares less than three letters with the word
is left out), cut before any trailing vowels for Cyrillic (Ukrainian "санкції" -> "санкц").
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from os.path import commonprefix
from typing import Any

import Stemmer

__all__ = ["AliasWord", "Inflector", "inflectable"]

LATIN_LANGUAGES = ("english", "german", "french", "spanish", "polish")
CYRILLIC_LANGUAGES = ("russian",)
_UKRAINIAN_LETTERS = frozenset("іїєґ")
_CYRILLIC_VOWELS = "аеёиоуыэюяіїєйь"
# Suffixes that make another word of a name, which English, French and Spanish Snowball
# stemmers strip as they strip endings ("Putinism" -> "putin", "poutinisme" -> "poutin").
_DERIVED = ("ism", "ist", "izm", "изм", "ист")
_MIN_LETTERS = 4  # "Си", "Xi", "ЕС", "Мир": exact
_MAX_MEMO = 50_000  # remembered (word, form) verdicts per matcher; cleared when full


def _script(word: str) -> str | None:
    """ "latin", "cyrillic", or None for a word that is not all letters of one of them."""
    if not word.isalpha():
        return None
    if all("\u0400" <= c <= "\u04ff" for c in word):
        return "cyrillic"
    if all(c <= "\u024f" for c in word):
        return "latin"
    return None


def inflectable(word: str) -> bool:
    """True if the alias word ``word`` (normalised, as written) takes inflected forms."""
    return len(word) >= _MIN_LETTERS and not word.isupper() and _script(word) is not None


@dataclass(frozen=True)
class AliasWord:
    """One inflectable word of an alias: ``folded`` (lower case), its ``prefix`` (what every
    form starts with), whether it is ``capital`` (a name), and its stems per language."""

    folded: str
    prefix: str
    capital: bool
    cyrillic: bool
    stems: tuple[tuple[str, str], ...]  # (language, stem)


class Inflector:
    """Makes :class:`AliasWord` s and decides whether a word of a text is a form of one.

    One per :class:`~monitor.matcher.Matcher`; verdicts are remembered per (alias word,
    form). Safe to share between threads (PyStemmer's stemmers are not: a lock guards them).
    """

    def __init__(self) -> None:
        self._stemmers = {
            lang: Stemmer.Stemmer(lang) for lang in LATIN_LANGUAGES + CYRILLIC_LANGUAGES
        }
        self._lock = threading.Lock()
        self._words: list[AliasWord] = []
        self._ids: dict[str, int] = {}
        self._memo: dict[tuple[int, str], bool] = {}
        self._ukrainian: Any = None  # pymorphy3.MorphAnalyzer, loaded when first needed

    def add_word(self, word: str) -> int | None:
        """The id of alias word ``word`` (normalised, as written), or None if it is too
        short to inflect safely (its prefix would be under four letters: it stays exact)."""
        key = word
        if key in self._ids:
            return self._ids[key]
        folded = word.lower()
        cyrillic = _script(word) == "cyrillic"
        languages = CYRILLIC_LANGUAGES if cyrillic else LATIN_LANGUAGES
        stems = tuple((lang, self._stem(lang, folded)) for lang in languages)
        # A stem that shares (almost) nothing with the word (Spanish "econom" for French
        # "économique": the stemmer drops accents) only loses that language's forms.
        starts = [folded]
        starts += [s for _, s in stems if len(commonprefix([folded, s])) >= _MIN_LETTERS - 1]
        if cyrillic:
            starts.append(folded.rstrip(_CYRILLIC_VOWELS))
        prefix = commonprefix(starts)
        if len(prefix) < _MIN_LETTERS:
            return None  # "Olga" -> "olg" would wake the check on every "old"
        self._words.append(AliasWord(folded, prefix, word[0].isupper(), cyrillic, stems))
        self._ids[key] = len(self._words) - 1
        return self._ids[key]

    def word(self, word_id: int) -> AliasWord:
        return self._words[word_id]

    def accepts(self, word_id: int, found: str) -> bool:
        """True if ``found`` (a whole word of the text, as written) is a form of alias word
        ``word_id``: its dictionary form, or an inflected form that keeps a name's capital."""
        alias = self._words[word_id]
        folded = found.lower()
        if folded == alias.folded:
            return True
        if not folded.startswith(alias.prefix):
            return False
        if alias.capital and not found[0].isupper():
            return False
        verdict = self._memo.get((word_id, folded))
        if verdict is None:
            verdict = self._same_word(alias, folded)
            if len(self._memo) >= _MAX_MEMO:
                self._memo.clear()
            self._memo[(word_id, folded)] = verdict
        return verdict

    def _same_word(self, alias: AliasWord, folded: str) -> bool:
        tail, alias_tail = folded[len(alias.prefix) :], alias.folded[len(alias.prefix) :]
        if any(d in tail and d not in alias_tail for d in _DERIVED):
            return False
        if any(self._stem(lang, folded) == stem for lang, stem in alias.stems):
            return True
        if alias.cyrillic and _UKRAINIAN_LETTERS.intersection(alias.folded + folded):
            return bool(self._lemmas(alias.folded) & self._lemmas(folded))
        return False

    def _stem(self, language: str, word: str) -> str:
        with self._lock:
            return str(self._stemmers[language].stemWord(word))

    def _lemmas(self, word: str) -> set[str]:
        """The Ukrainian dictionary forms pymorphy3 gives ``word`` (guessed for unknown
        words, such as foreign names, from words that end alike)."""
        with self._lock:
            if self._ukrainian is None:
                import pymorphy3

                self._ukrainian = pymorphy3.MorphAnalyzer(lang="uk")
            return {parse.normal_form for parse in self._ukrainian.parse(word)}
