"""Benchmark: which library finds inflected forms of watch terms, by measurement.

    python bench/inflect.py

Scores each candidate way of deciding "is this word of the text a form of that alias word"
on the case table fixtures/matcher/inflection.toml (Russian, Ukrainian, Polish, German,
French, Spanish and English names, words and multi-word aliases, with look-alike traps):

- recall: the inflected forms (not as written in an alias) the table expects that the
  method finds;
- false: the words it finds that the table says are not the term (traps);
- µs/word: the time to decide one (alias word, text word) pair, uncached.

Every method gets the same word rules around it, so only the library differs: acronyms,
words of 3 letters or fewer and words with digits stay exact, and a capitalised alias word
only takes capitalised forms. Then the real matcher (monitor.matcher) is scored on the same
table. The candidates: Snowball stemmers (PyStemmer, C; snowballstemmer, pure Python),
pymorphy3 with its Russian and Ukrainian dictionaries, simplemma, and combinations.
"""

from __future__ import annotations

import re
import sys
import time
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import pymorphy3  # noqa: E402
import simplemma  # noqa: E402
import snowballstemmer  # noqa: E402
import Stemmer  # noqa: E402

from monitor.config import TermConfig  # noqa: E402
from monitor.matcher import Matcher  # noqa: E402

TABLE = Path(__file__).resolve().parents[1] / "fixtures" / "matcher" / "inflection.toml"
LATIN = ("english", "german", "french", "spanish", "polish")
CYRILLIC = ("russian",)
ISO = {"english": "en", "german": "de", "french": "fr", "spanish": "es", "polish": "pl"}
WORD = re.compile(r"\w+(?:'\w+)?")  # "Xi'an" is one word, "Xi's" is Xi

Same = Callable[[str, str], bool]  # (alias word, text word), both lower-case


def cyrillic(word: str) -> bool:
    return any("\u0400" <= c <= "\u04ff" for c in word)


def stemmers(make: Callable[[str], Any], call: str) -> Same:
    by_lang = {lang: getattr(make(lang), call) for lang in LATIN + CYRILLIC}

    def same(a: str, w: str) -> bool:
        langs = CYRILLIC if cyrillic(a) else LATIN
        return any(by_lang[lang](a) == by_lang[lang](w) for lang in langs)

    return same


def morph() -> Same:
    analyzers = [pymorphy3.MorphAnalyzer(lang="ru"), pymorphy3.MorphAnalyzer(lang="uk")]

    def same(a: str, w: str) -> bool:
        if not cyrillic(a):
            return a == w  # no Latin dictionaries
        return any(
            {p.normal_form for p in m.parse(a)} & {p.normal_form for p in m.parse(w)}
            for m in analyzers
        )

    return same


def lemmas(langs_latin: tuple[str, ...], langs_cyr: tuple[str, ...]) -> Same:
    def same(a: str, w: str) -> bool:
        langs = langs_cyr if cyrillic(a) else langs_latin
        return any(
            simplemma.lemmatize(a, lang=lang) == simplemma.lemmatize(w, lang=lang) for lang in langs
        )

    return same


def either(*methods: Same) -> Same:
    return lambda a, w: any(m(a, w) for m in methods)


def if_ukrainian(same: Same) -> Same:
    """``same``, asked only of Cyrillic pairs with a letter only Ukrainian uses."""
    return lambda a, w: cyrillic(a) and bool(set("іїєґ") & set(a + w)) and same(a, w)


def word_rule(same: Same) -> Callable[[str, str], bool]:
    """The rules every method shares (see the module docstring)."""

    def check(alias_word: str, word: str) -> bool:
        a, w = alias_word.lower(), word.lower()
        letters = sum(c.isalpha() for c in alias_word)
        if letters <= 3 or alias_word.isupper() or any(c.isdigit() for c in alias_word):
            return alias_word == word
        if a == w:
            return True
        if alias_word[0].isupper() and not word[0].isupper():
            return False
        return same(a, w.removesuffix("'s"))

    return check


def find(check: Callable[[str, str], bool], aliases: list[str], text: str) -> list[str]:
    """The forms of ``aliases`` in ``text``: runs of consecutive words, each a form of the
    alias word in its place (leftmost-longest, no overlaps)."""
    words = [(m.start(), m.end(), m.group()) for m in WORD.finditer(text)]
    found: list[str] = []
    i = 0
    while i < len(words):
        best = 0
        for alias in aliases:
            parts = alias.split()
            window = words[i : i + len(parts)]
            if len(window) == len(parts) and all(
                check(a, w.removesuffix("'s")) for a, (_, _, w) in zip(parts, window, strict=True)
            ):  # a rough tokenizer: the matcher's boundary rules are in the last row
                best = max(best, len(parts))
        if best:
            text_part = text[words[i][0] : words[i + best - 1][1]]
            found.append(text_part.removesuffix("'s"))
            i += best
        else:
            i += 1
    return found


def score(finder: Callable[[dict[str, Any]], list[str]], cases: list[dict[str, Any]]) -> str:
    want = got = false = 0
    misses: list[str] = []
    for case in cases:
        found = finder(case)
        expected = list(case["found"])
        written = {a.lower() for a in case["aliases"]}
        inflected = [form for form in expected if form.lower() not in written]
        want += len(inflected)
        for form in found:
            if form in expected:
                expected.remove(form)
                got += form in inflected
            else:
                false += 1
                misses.append(f"+{case['id']}:{form}")
        misses += [f"-{case['id']}:{form}" for form in expected]
    shown = " ".join(misses[:6]) + (" …" if len(misses) > 6 else "")
    return f"{got / want:>7.1%} {false:>6}   {shown}"


def timing(same: Same, pairs: list[tuple[str, str]]) -> float:
    """µs per pair, best of 3 passes (CPU time)."""
    best = float("inf")
    for _ in range(3):
        start = time.process_time()
        for a, w in pairs:
            same(a, w)
        best = min(best, time.process_time() - start)
    return best / len(pairs) * 1e6


def main() -> None:
    cases = [c for c in tomllib.loads(TABLE.read_text("utf-8"))["cases"] if c.get("inflect", True)]
    pairs = [
        (a.lower(), w.lower())
        for c in cases
        for alias in c["aliases"]
        for a in alias.split()
        for w in WORD.findall(c["text"])
    ]
    methods: dict[str, Same] = {
        "exact (before)": lambda a, w: a == w,
        "PyStemmer (Snowball)": stemmers(Stemmer.Stemmer, "stemWord"),
        "snowballstemmer": stemmers(snowballstemmer.stemmer, "stemWord"),
        "pymorphy3 ru+uk": morph(),
        "simplemma": lemmas(tuple(ISO.values()), ("ru", "uk")),
        "PyStemmer + simplemma uk": either(
            stemmers(Stemmer.Stemmer, "stemWord"), if_ukrainian(lemmas((), ("uk",)))
        ),
        "PyStemmer + pymorphy3 uk": either(
            stemmers(Stemmer.Stemmer, "stemWord"), if_ukrainian(morph())
        ),
    }
    print(f"{len(cases)} cases, {len(pairs)} (alias word, text word) pairs timed")
    print(f"{'method':<26} {'µs/word':>8} {'recall':>7} {'false':>6}   misses (-) and false (+)")
    for name, same in methods.items():
        check = word_rule(same)
        line = score(lambda c, check=check: find(check, c["aliases"], c["text"]), cases)
        print(f"{name:<26} {timing(same, pairs):>8.1f} {line}")

    def matcher_finds(case: dict[str, Any]) -> list[str]:
        term = TermConfig(name=case["aliases"][0], aliases=tuple(case["aliases"][1:]))
        result = Matcher([term]).match(body=case["text"])
        return [h.found for m in result.terms.values() for h in m.hits]

    print(f"{'monitor.matcher (ours)':<26} {'':>8} {score(matcher_finds, cases)}")


if __name__ == "__main__":
    main()
