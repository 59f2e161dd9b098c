"""Benchmark: the matcher's throughput against a per-alias regex loop, in the same run.

    python bench/matcher.py [--articles 5000] [--seed 4]

Generates a corpus of ~5 KB articles (English prose with some Russian and Chinese ones, and
mentions of the watched terms, traps included) and two term sets: the four built-in terms
with their real aliases, and 400 generated terms with multi-word, Cyrillic, Chinese and
acronym aliases. For each set it prints the matcher's MB/s (UTF-8 bytes of article text per
second, Matcher built once) next to a loop of one case-insensitive ``\\b…\\b`` regex per alias,
and the ratio. The regex loop is slow, so at 400 terms it runs on a sample of the corpus
(the figure is a rate; the sample size is printed). Quality bar (DESIGN.md): >= 50 MB/s at
400 terms and >= 20x the regex loop.

What is timed: ``Matcher.match`` per article, i.e. normalisation, the automaton, the exact
checks, exclude/overlap resolution and rules. Hits and snippets are built when a term's
result is first read (``evidence.py``) and the benchmark reads none, as the regex loop
makes none; the matcher is the best of ``--repeat`` passes, the regex loop one pass (at
1000x apart, this does not matter to the ratio). CPU time, so other load on the machine
matters less, though not nothing: compare figures from the same session.
"""

from __future__ import annotations

import argparse
import random
import re
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from monitor.config import TermConfig, default_config  # noqa: E402
from monitor.matcher import Matcher  # noqa: E402

ENGLISH = (
    "the of and to in a is that for on was with he it as at by his said from have be this "
    "are an they which not or were has been their but had one government minister talks "
    "officials would will after president meeting who its also more new two year people "
    "state country trade security week told about over could than during since between "
    "foreign first last into against economic summit visit leaders agreement region policy "
    "military energy market reported according statement spokesman capital border taxi "
    "Scotland disco Xinjiang Xiaomi football league champions cup final weather rain"
).split()
RUSSIAN = (
    "и в не на что с по это как он к из за от о для так же все его но да уже заявил "
    "правительство министр переговоры встреча президент страны экономика безопасность"
).split()
CHINESE = "".join(map(chr, range(0x4E00, 0x4E00 + 500)))  # 500 Han characters
TRAPS = ["Xi'an", "Pius XI", "Super Bowl XI", "Xiaomi", "Xinjiang", "taxi", "Scotland", "disco"]


def generate_terms(count: int, rng: random.Random) -> list[TermConfig]:
    """``count`` terms: a surname, a two-word full name, a Cyrillic and a Chinese spelling,
    and for every fourth term an acronym (case-sensitive by the default rule)."""
    syllables = "ka ro vi na to le mi sa do ri ne pa lo ve zu ta mo ki be ra".split()
    cyr = dict(zip("abdeiklmnoprstuvz", "абдеиклмнопрстувз", strict=True))
    first_names = "Ivan Anna Omar Li Maria Jean Carlos Fatima Kenji Olga".split()
    terms: list[TermConfig] = []
    seen: set[str] = set()
    while len(terms) < count:
        name = "".join(rng.choice(syllables) for _ in range(rng.randint(2, 4))).capitalize()
        if name in seen:
            continue
        seen.add(name)
        aliases = [
            f"{rng.choice(first_names)} {name}",
            "".join(cyr.get(c, c) for c in name.lower()).capitalize(),
            "".join(rng.choice(CHINESE) for _ in range(3)),
        ]
        if len(terms) % 4 == 0:
            aliases.append("".join(rng.choice("ABCDEFGHKLMNPRSTUVW") for _ in range(3)))
        terms.append(TermConfig(name=name, aliases=tuple(aliases)))
    return terms


def generate_corpus(count: int, terms: list[TermConfig], rng: random.Random) -> list[str]:
    """``count`` articles of ~5 KB, as news comes: 17 in 20 English (with curly quotes,
    dashes and the odd non-breaking space, so not plain ASCII), 2 Russian, 1 Chinese.
    About one word in 150 is a spelling of some term in the article's script, or a trap."""
    by_script: dict[str, list[str]] = {"latin": list(TRAPS), "cyrillic": [], "han": []}
    for spelling in (s for t in terms for s in t.spellings):
        script = "han" if "\u4e00" <= spelling[0] <= "\u9fff" else "latin"
        script = "cyrillic" if "\u0400" <= spelling[0] <= "\u04ff" else script
        by_script[script].append(spelling)
    articles = []
    for i in range(count):
        kind = i % 20
        script = "han" if kind == 0 else "cyrillic" if kind in (1, 2) else "latin"
        words: list[str] = []
        size = 0
        while size < 5000:
            if rng.random() < 1 / 150 and by_script[script]:
                word = rng.choice(by_script[script])
            elif script == "han":
                word = "".join(rng.choice(CHINESE) for _ in range(rng.randint(8, 20))) + "。"
            elif script == "cyrillic":
                word = rng.choice(RUSSIAN)
            else:
                word = rng.choice(ENGLISH)
            if rng.random() < 0.07:
                word += rng.choice([".", ",", "'s", "\u2019s", " \u2014", ":", "\u201d", "\xa0"])
            words.append(word)
            size += len(word.encode()) + 1
        articles.append(" ".join(words))
    return articles


def time_matcher(matcher: Matcher, articles: list[str], repeat: int) -> float:
    """The best of ``repeat`` passes over ``articles`` (seconds of CPU)."""
    best = float("inf")
    for _ in range(repeat):
        start = time.process_time()
        for article in articles:
            matcher.match(body=article)
        best = min(best, time.process_time() - start)
    return best


def time_regex_loop(terms: list[TermConfig], articles: list[str]) -> float:
    patterns = [
        re.compile(r"\b" + re.escape(s) + r"\b", re.IGNORECASE) for t in terms for s in t.spellings
    ]
    start = time.process_time()
    for article in articles:
        for pattern in patterns:
            for _ in pattern.finditer(article):
                pass
    return time.process_time() - start


def megabytes(articles: list[str]) -> float:
    return sum(len(a.encode()) for a in articles) / 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=5000)
    parser.add_argument("--regex-sample", type=int, default=100)
    parser.add_argument("--seed", type=int, default=4)
    parser.add_argument("--repeat", type=int, default=3, help="matcher passes; the best counts")
    args = parser.parse_args()
    rng = random.Random(args.seed)
    sets = {
        "4 terms": list(default_config(Path("/nonexistent")).terms),
        "400 terms": generate_terms(400, rng),
    }
    corpus = generate_corpus(args.articles, sets["400 terms"] + sets["4 terms"], rng)
    mb = megabytes(corpus)
    print(f"corpus: {len(corpus)} articles, {mb:.1f} MB ({mb * 1e3 / len(corpus):.1f} KB each)")
    print(f"{'terms':>9} {'aliases':>8} {'matcher MB/s':>13} {'regex MB/s':>11} {'ratio':>7}")
    for label, terms in sets.items():
        build = time.process_time()
        matcher = Matcher(terms)
        build = time.process_time() - build
        seconds = time_matcher(matcher, corpus, args.repeat)
        sample = corpus[: args.regex_sample] if len(terms) > 10 else corpus
        regex_seconds = time_regex_loop(terms, sample)
        ours, theirs = mb / seconds, megabytes(sample) / regex_seconds
        aliases = sum(len(t.spellings) for t in terms)
        print(
            f"{label:>9} {aliases:>8} {ours:>13.1f} {theirs:>11.2f} {ours / theirs:>6.0f}x"
            f"   (build {build * 1e3:.0f} ms; regex on {len(sample)} articles)"
        )


if __name__ == "__main__":
    main()
