"""Benchmark: the matcher's throughput against a per-alias regex loop, in the same run.

    python bench/matcher.py [--articles 5000] [--seed 4] [--rounds 3] [--against REV]...
    python bench/matcher.py --check REV [--articles 1000]

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
matters less, though not nothing.

The machine is shared, so one figure says little: each of ``--rounds`` rounds measures the
matcher in a child process of its own, then the regex loop, and the table gives medians
(with the range). ``--against REV`` also measures the matcher of git revision REV (its
``monitor`` package, extracted to a temporary folder) on the same corpus, alternating with
this tree's in every round, and prints the ratio this/REV: a speed-up or a regression told
apart from the machine's load. It may be given more than once.

``--check REV`` measures nothing: it matches both corpora against both term sets with this
tree's matcher and REV's, reads every hit (alias, field, offset, form found, snippet) and
says whether all results are the same, for a change meant only to be faster.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import re
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from dataclasses import astuple
from io import BytesIO
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
# shared/ beside the checkout (or beside the folder of worktrees that holds it).
DATA_ROOT = next(
    (d / "shared" / "data" for d in ROOT.parents[:2] if (d / "shared").is_dir()),
    ROOT.parent / "shared" / "data",
)
# A child measuring another revision's matcher imports ``monitor`` from CODE; otherwise from
# this tree.
sys.path.insert(0, os.environ.get("NEWSHOUND_BENCH_CODE", str(ROOT)))

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


def script_of(word: str) -> str:
    """ "han", "cyrillic" or "latin": the script of ``word``'s first Han or Cyrillic
    character, else Latin."""
    for c in word:
        if "\u4e00" <= c <= "\u9fff":
            return "han"
        if "\u0400" <= c <= "\u04ff":
            return "cyrillic"
    return "latin"


def spellings_by_script(terms: list[TermConfig]) -> dict[str, list[str]]:
    """The spellings of ``terms`` by :func:`script_of` their first character, with the
    traps among the Latin ones."""
    by_script: dict[str, list[str]] = {"latin": list(TRAPS), "cyrillic": [], "han": []}
    for spelling in (s for t in terms for s in t.spellings):
        by_script[script_of(spelling[0])].append(spelling)
    return by_script


def real_corpus(terms: list[TermConfig], rng: random.Random) -> list[str]:
    """The 181 article texts of the Zyte benchmark (``shared/data``: news and blogs in
    English, Russian, Korean, Japanese, Arabic…), one word in 150 replaced by a spelling of
    some term in that word's script, as in the generated corpus; [] if the data is absent."""
    path = DATA_ROOT / "zyte-article-benchmark" / "ground-truth.json"
    if not path.is_file():
        return []
    by_script = spellings_by_script(terms)
    articles = []
    for page in json.loads(path.read_text("utf-8")).values():
        words = page["articleBody"].split(" ")
        for i, word in enumerate(words):
            if rng.random() < 1 / 150:
                words[i] = rng.choice(by_script[script_of(word)])
        articles.append(" ".join(words))
    return articles


def generate_corpus(count: int, terms: list[TermConfig], rng: random.Random) -> list[str]:
    """``count`` articles of ~5 KB, as news comes: 17 in 20 English (with curly quotes,
    dashes and the odd non-breaking space, so not plain ASCII), 2 Russian, 1 Chinese.
    About one word in 150 is a spelling of some term in the article's script, or a trap."""
    by_script = spellings_by_script(terms)
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


def term_sets(rng: random.Random) -> dict[str, list[TermConfig]]:
    return {
        "4 terms": list(default_config(Path("/nonexistent")).terms),
        "400 terms": generate_terms(400, rng),
    }


def corpora(
    args: argparse.Namespace, sets: dict[str, list[TermConfig]], rng: random.Random
) -> dict[str, list[str]]:
    """The generated corpus and, if its data is there, the real one (``real_corpus``)."""
    terms = sets["400 terms"] + sets["4 terms"]
    out = {"generated": generate_corpus(args.articles, terms, rng)}
    real = real_corpus(terms, rng)
    if real:
        out["real text"] = real
    return out


def measure_matcher(args: argparse.Namespace) -> dict[str, dict[str, float]]:
    """Per term set and corpus ("400 terms, real text"): the matcher's MB/s, its alias
    count and build time."""
    rng = random.Random(args.seed)
    sets = term_sets(rng)
    out = {}
    for name, corpus in corpora(args, sets, rng).items():
        mb = megabytes(corpus)
        for label, terms in sets.items():
            build = time.process_time()
            matcher = Matcher(terms)
            build = time.process_time() - build
            seconds = time_matcher(matcher, corpus, args.repeat)
            aliases = sum(len(t.spellings) for t in terms)
            row = label if name == "generated" else f"{label}, {name}"
            out[row] = {"mbps": mb / seconds, "aliases": aliases, "build_ms": build * 1e3}
    return out


def result_digests(args: argparse.Namespace) -> dict[str, list[str]]:
    """Per term set and corpus, a digest of each article's result with every hit read."""
    rng = random.Random(args.seed)
    sets = term_sets(rng)
    out: dict[str, list[str]] = {}
    for name, corpus in corpora(args, sets, rng).items():
        for label, terms in sets.items():
            matcher = Matcher(terms)
            digests = out[f"{label}, {name}"] = []
            for article in corpus:
                result = matcher.match(body=article)
                hits = [(n, m.count, [astuple(h) for h in m.hits]) for n, m in result.terms.items()]
                digests.append(hashlib.sha1(repr(hits).encode()).hexdigest())
    return out


def run_child(args: argparse.Namespace, code: Path | None, mode: str = "--child") -> Any:
    """:func:`measure_matcher` (or, with ``mode`` "--digests", :func:`result_digests`) in a
    child process, with the ``monitor`` of ``code`` (a tree) or of this one."""
    env = dict(os.environ)
    env["PYTHONPATH"] = str(code or ROOT)
    if code is not None:
        env["NEWSHOUND_BENCH_CODE"] = str(code)
    cmd = [sys.executable, __file__, mode, "--articles", str(args.articles)]
    cmd += ["--seed", str(args.seed), "--repeat", str(args.repeat)]
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, check=True)
    return json.loads(done.stdout)


def check_against(args: argparse.Namespace, rev: str) -> int:
    """Compare every result of this tree's matcher and ``rev``'s (see ``--check``)."""
    with tempfile.TemporaryDirectory() as tmp:
        theirs = run_child(args, extract_revision(rev, Path(tmp)), "--digests")
    ours = run_child(args, None, "--digests")
    differ = 0
    for row, digests in ours.items():
        bad = [i for i, (a, b) in enumerate(zip(digests, theirs[row], strict=True)) if a != b]
        differ += len(bad)
        print(f"{row:>22}: {len(digests) - len(bad)} of {len(digests)} results the same {bad[:10]}")
    return 1 if differ else 0


def extract_revision(rev: str, into: Path) -> Path:
    """The ``monitor`` package of git revision ``rev``, extracted under ``into`` (which
    must not hold another)."""
    archive = subprocess.run(
        ["git", "-C", str(ROOT), "archive", rev, "monitor"], capture_output=True, check=True
    ).stdout
    with tarfile.open(fileobj=BytesIO(archive)) as tar:
        tar.extractall(into, filter="data")
    return into


def _spread(values: list[float], digits: int) -> str:
    median = statistics.median(values)
    if len(values) == 1:
        return f"{median:.{digits}f}"
    return f"{median:.{digits}f} ({min(values):.{digits}f}-{max(values):.{digits}f})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=5000)
    parser.add_argument("--regex-sample", type=int, default=100)
    parser.add_argument("--seed", type=int, default=4)
    parser.add_argument("--repeat", type=int, default=3, help="matcher passes; the best counts")
    parser.add_argument("--rounds", type=int, default=3, help="the table gives medians")
    parser.add_argument(
        "--against", metavar="REV", action="append", default=[], help="also measure REV"
    )
    parser.add_argument("--check", metavar="REV", help="only check every result is REV's")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--digests", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(measure_matcher(args)))
        return
    if args.digests:
        print(json.dumps(result_digests(args)))
        return
    if args.check:
        sys.exit(check_against(args, args.check))
    rng = random.Random(args.seed)
    sets = term_sets(rng)
    texts = corpora(args, sets, rng)
    for name, corpus in texts.items():
        mb = megabytes(corpus)
        print(
            f"{name} corpus: {len(corpus)} articles, {mb:.2f} MB "
            f"({mb * 1e3 / len(corpus):.1f} KB each)"
        )
    with tempfile.TemporaryDirectory() as tmp:
        codes: dict[str, Path | None] = {"this tree": None}
        for i, rev in enumerate(args.against):
            codes[rev] = extract_revision(rev, Path(tmp) / str(i))
        ours: dict[tuple[str, str], list[float]] = {}
        regex: dict[str, list[float]] = {}
        aliases: dict[tuple[str, str], int] = {}
        for round_ in range(1, args.rounds + 1):
            for code, path in codes.items():
                for label, figures in run_child(args, path).items():
                    ours.setdefault((code, label), []).append(figures["mbps"])
                    aliases[(code, label)] = int(figures["aliases"])
                    print(f"round {round_}: {code:>10} {label:>20} {figures['mbps']:7.1f} MB/s")
            for name, corpus in texts.items():
                for label, terms in sets.items():
                    sample = corpus[: args.regex_sample] if len(terms) > 10 else corpus
                    rate = megabytes(sample) / time_regex_loop(terms, sample)
                    row = label if name == "generated" else f"{label}, {name}"
                    regex.setdefault(row, []).append(rate)
                    print(f"round {round_}: {'regex loop':>10} {row:>20} {rate:7.2f} MB/s")
    print(
        f"\nmedians of {args.rounds} rounds (range); regex loop at 400 terms on "
        f"{min(args.regex_sample, len(corpus))} articles"
    )
    print(
        f"{'code':>10} {'terms':>20} {'aliases':>8} {'matcher MB/s':>19} "
        f"{'regex MB/s':>17} {'ratio':>7}"
    )
    for (code, label), rates in ours.items():
        ratio = statistics.median(rates) / statistics.median(regex[label])
        print(
            f"{code:>10} {label:>20} {aliases[(code, label)]:>8} {_spread(rates, 1):>19} "
            f"{_spread(regex[label], 2):>17} {ratio:>6.0f}x"
        )
    for rev in args.against:
        for label in regex:
            pairs = zip(ours[("this tree", label)], ours[(rev, label)], strict=True)
            ratios = [new / old for new, old in pairs]
            print(
                f"this tree / {rev}, {label}: {_spread(ratios, 2)}x "
                "(median of the per-round ratios)"
            )


if __name__ == "__main__":
    main()
