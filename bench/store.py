"""Store benchmark: CPU per article of the near-duplicate signature and of storing, by size.

Stores N distinct word-salad articles (about 600 words each, no two near-duplicates) the
way the store stage does: ``text_signature`` -> ``find_near_duplicate`` ->
``save_article`` (with the signature's LSH bands) into a fresh SQLite file. Prints the CPU
per article of each step over the last 1,000 articles stored (so with N - 1,000 already in
the store), with ratios against the smallest N of the same run: flat reads as ~1.

    python bench/store.py                    # N = 1,000 and 20,000
    python bench/store.py --sizes 1000,5000
"""

from __future__ import annotations

import random
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

import click

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from monitor.store import open_database  # noqa: E402
from monitor.store.articles import ArticleRecord, save_article  # noqa: E402
from monitor.store.duplicates import find_near_duplicate, text_signature  # noqa: E402

MEASURED = 1000  # the last articles of each run, timed


def _texts(n: int, seed: int = 7) -> list[str]:
    rng = random.Random(seed)
    vocab = ["".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(rng.randint(2, 10)))
             for _ in range(20000)]  # fmt: skip
    return [" ".join(rng.choice(vocab) for _ in range(600)) + f" Putin {i}." for i in range(n)]


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
