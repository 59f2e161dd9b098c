"""Store benchmark: CPU per article of the near-duplicate signature and of storing, by size.

Stores N distinct word-salad articles (about 600 words each, no two near-duplicates) the
way the crawl's writer does (``scraper/writer.py``, ``OutcomeWriter.write_article``):
``text_signature`` -> ``find_known_article`` (stored meanwhile?) and
``find_near_duplicate`` -> ``save_article`` (with the signature's LSH bands) in a
savepoint, into a fresh SQLite file, twice: with one transaction per article (as before
2026-12-08) and one per batch of ``scraper.writer.BATCH`` articles (as the writer now
does; its BEGIN and COMMIT counted in "save"). Prints the CPU per article of each step
over the last 1,000 articles stored (so with N - 1,000 already in the store), with ratios
against the smallest N of the same mode: flat reads as ~1; and per-article over per-batch.

First, the signature alone in µs per article, English and Russian word salad, against
the implementation it replaced (kept below as ``reference_signature``: each shingle made
as a string and hashed by ``zlib.crc32``), in the same run, checking both give the same
values.

    python bench/store.py                    # N = 1,000 and 20,000
    python bench/store.py --sizes 1000,5000
    python bench/store.py --sizes ''         # the signature only
"""

from __future__ import annotations

import random
import re
import sys
import tempfile
import time
import zlib
from datetime import date
from itertools import islice, tee
from pathlib import Path

import click
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from monitor.store import open_database  # noqa: E402
from monitor.store.articles import ArticleRecord, find_known_article, save_article  # noqa: E402
from monitor.store.duplicates import (  # noqa: E402
    MIN_WORDS,
    NUM_PERM,
    _fmix32,
    _permutations,
    find_near_duplicate,
    text_signature,
)
from monitor.store.schema import transaction  # noqa: E402
from scraper.writer import BATCH  # noqa: E402

MEASURED = 1000  # the last articles of each run, timed
_ALPHABETS = {
    "English": "abcdefghijklmnopqrstuvwxyz",
    "Russian": "абвгдеёжзийклмнопрстуфхцчшщъыьэюя",
}
_WORD = re.compile(r"\w+")


def _texts(n: int, seed: int = 7, letters: str = _ALPHABETS["English"]) -> list[str]:
    rng = random.Random(seed)
    vocab = ["".join(rng.choice(letters) for _ in range(rng.randint(2, 10)))
             for _ in range(20000)]  # fmt: skip
    return [" ".join(rng.choice(vocab) for _ in range(600)) + f" Putin {i}." for i in range(n)]


def reference_signature(text: str) -> np.ndarray | None:
    """The signature as computed before 2026-12-07: each shingle a Python string,
    encoded and hashed by ``zlib.crc32``; the same (128 x shingles) minimum."""
    first, second, third = tee(map(re.Match.group, _WORD.finditer(text.lower())), 3)
    next(second, None)
    next(islice(third, 1, None), None)
    shingles = map(" ".join, zip(first, second, third, strict=False))
    hashes = np.fromiter(map(zlib.crc32, map(str.encode, shingles)), np.uint32)
    if len(hashes) + 2 < MIN_WORDS:
        return None
    a, b = _permutations()
    hashes = _fmix32(hashes)
    signature = np.full(NUM_PERM, np.iinfo(np.uint32).max, np.uint32)
    for start in range(0, len(hashes), 2048):
        values = np.multiply.outer(a, hashes[start : start + 2048])
        values += b[:, None]
        np.minimum(signature, values.min(axis=1), out=signature)
    return signature


def time_signatures(texts: list[str], rounds: int = 5) -> tuple[float, float]:
    """Best-of-``rounds`` CPU µs per text of (text_signature, reference_signature),
    alternating; exits if the two ever differ."""
    for text in texts:
        new, old = text_signature(text), reference_signature(text)
        if new is None or old is None or not np.array_equal(new, old):
            raise SystemExit(f"signatures differ on {text[:60]!r}")
    best = [float("inf"), float("inf")]
    for _ in range(rounds):
        for slot, signature in enumerate((text_signature, reference_signature)):
            t0 = time.process_time()
            for text in texts:
                signature(text)
            best[slot] = min(best[slot], (time.process_time() - t0) / len(texts) * 1e6)
    return best[0], best[1]


def store_articles(n: int, batch: int) -> dict[str, float]:
    """Store ``n`` articles, ``batch`` to a transaction; CPU s per article of each step
    over the last ``MEASURED``."""
    texts = _texts(n)
    cpu = {"signature": 0.0, "lookup": 0.0, "save": 0.0}
    with tempfile.TemporaryDirectory(prefix="nh-bench-store-") as tmp:
        db = open_database(Path(tmp) / "news.db")
        try:
            for first in range(0, n, batch):
                t0 = time.process_time()
                outer = transaction(db) if batch > 1 else None
                if outer is not None:
                    outer.__enter__()
                begun = time.process_time() - t0
                for i in range(first, min(first + batch, n)):
                    t0 = time.process_time()
                    signature = text_signature(texts[i])
                    t1 = time.process_time()
                    url = f"https://news.example/{i}"
                    if find_known_article(db, url, None, "Wire") is not None:
                        raise SystemExit(f"article {i} taken for one stored")
                    original = find_near_duplicate(db, signature) if signature is not None else None
                    t2 = time.process_time()
                    record = ArticleRecord(url=url, source="Wire", title=f"Story {i}",
                                           text=texts[i])  # fmt: skip
                    with transaction(db):  # the article's own, or a savepoint of the batch
                        save_article(db, record, [], [], [], keep_text=True,
                                     duplicate_of=original, signature=signature)  # fmt: skip
                    t3 = time.process_time()
                    if original is not None:
                        raise SystemExit(f"article {i} taken for a copy of {original}")
                    if i >= n - MEASURED:
                        cpu["signature"] += t1 - t0
                        cpu["lookup"] += t2 - t1
                        cpu["save"] += t3 - t2
                t0 = time.process_time()
                if outer is not None:
                    outer.__exit__(None, None, None)
                if first + batch > n - MEASURED:  # the batch's BEGIN and COMMIT
                    cpu["save"] += begun + time.process_time() - t0
        finally:
            db.close()
    return {k: v / MEASURED for k, v in cpu.items()}


@click.command()
@click.option("--sizes", default="1000,20000", show_default=True, help="Articles stored.")
def main(sizes: str) -> None:
    """Print ms of CPU per article (signature, duplicate lookup, save) as a Markdown table."""
    print(f"bench/store.py, {date.today().isoformat()}, python {sys.version.split()[0]}")
    print("\n| signature, 600 words | µs per article | reference µs | reference / new |")
    print("|---|---:|---:|---:|")
    for language, letters in _ALPHABETS.items():
        new, old = time_signatures(_texts(500, seed=11, letters=letters))
        print(f"| {language} | {new:.0f} | {old:.0f} | {old / new:.2f}x |")
    if not sizes:
        return
    sizes_n = [int(s) for s in sizes.split(",") if s]
    modes = {"per article": 1, f"per {BATCH} articles": BATCH}
    runs = {(mode, n): store_articles(n, batch) for n in sizes_n for mode, batch in modes.items()}
    print("\n| stored | transaction | signature ms | lookup ms | save ms | total ms "
          f"| ratio vs N={sizes_n[0]:,} | per article / per batch |")  # fmt: skip
    print("|---:|---|---:|---:|---:|---:|---:|---:|")
    for n in sizes_n:
        for mode in modes:
            cpu = runs[(mode, n)]
            total = sum(cpu.values())
            base = sum(runs[(mode, sizes_n[0])].values())
            single = sum(runs[("per article", n)].values())
            ms = [cpu["signature"], cpu["lookup"], cpu["save"], total]
            cells = " | ".join(f"{v * 1000:.2f}" for v in ms)
            print(f"| {n:,} | {mode} | {cells} | {total / base:.2f}x | {single / total:.2f}x |")


if __name__ == "__main__":
    main()
