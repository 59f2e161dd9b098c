"""Store benchmark: CPU per article of the near-duplicate signature and of storing, by size.

Stores N distinct word-salad articles (about 600 words each, no two near-duplicates) the
way the store stage does: ``text_signature`` -> ``find_near_duplicate`` ->
``save_article`` (with the signature's LSH bands) into a fresh SQLite file. Prints the CPU
per article of each step over the last 1,000 articles stored (so with N - 1,000 already in
the store), with ratios against the smallest N of the same run: flat reads as ~1.

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
from monitor.store.articles import ArticleRecord, save_article  # noqa: E402
from monitor.store.duplicates import (  # noqa: E402
    MIN_WORDS,
    NUM_PERM,
    _fmix32,
    _permutations,
    find_near_duplicate,
    text_signature,
)

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


def store_articles(n: int) -> dict[str, float]:
    texts = _texts(n)
    cpu = {"signature": 0.0, "lookup": 0.0, "save": 0.0}
    with tempfile.TemporaryDirectory(prefix="nh-bench-store-") as tmp:
        db = open_database(Path(tmp) / "news.db")
        try:
            for i, text in enumerate(texts):
                t0 = time.process_time()
                signature = text_signature(text)
                t1 = time.process_time()
                original = find_near_duplicate(db, signature) if signature is not None else None
                t2 = time.process_time()
                record = ArticleRecord(url=f"https://news.example/{i}", source="Wire",
                                       title=f"Story {i}", text=text)  # fmt: skip
                save_article(db, record, [], [], [], keep_text=True, duplicate_of=original,
                             signature=signature)  # fmt: skip
                t3 = time.process_time()
                if original is not None:
                    raise SystemExit(f"article {i} taken for a copy of {original}")
                if i >= n - MEASURED:
                    cpu["signature"] += t1 - t0
                    cpu["lookup"] += t2 - t1
                    cpu["save"] += t3 - t2
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
    rows = [(n, store_articles(n)) for n in [int(s) for s in sizes.split(",") if s]]
    base_n, base = rows[0]
    print(f"\n| stored | signature ms | lookup ms | save ms | total ms | ratio vs N={base_n:,} |")
    print("|---:|---:|---:|---:|---:|---:|")
    base_total = sum(base.values())
    for n, cpu in rows:
        total = sum(cpu.values())
        ms = [cpu["signature"] * 1000, cpu["lookup"] * 1000, cpu["save"] * 1000, total * 1000]
        cells = " | ".join(f"{v:.2f}" for v in ms)
        print(f"| {n:,} | {cells} | {total / base_total:.2f}x |")


if __name__ == "__main__":
    main()
