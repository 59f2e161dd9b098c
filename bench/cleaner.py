"""Cleaner benchmark: newshound's cleaner against trafilatura alone, in the same run.

Scores both on the Zyte article-extraction benchmark with the metric its README defines
(4-token shingles, per-page tp/fp/fn normalised to sum 1, precision and recall averaged
over pages, F1 of the two means) and times both per page, alternating which runs first.

Split, fixed and documented: a page is *held out* when the SHA-256 of its id, read as an
integer, is divisible by 3 (about a third of the pages); the rest is *dev*. Rules were
developed looking at dev pages only (``--show dev``).

    python bench/cleaner.py                      # dev / held-out / all, both extractors
    python bench/cleaner.py --compare-options    # trafilatura option sets, for extract.py
    python bench/cleaner.py --show dev           # per-page diffs of lines not in the truth
"""

from __future__ import annotations

import gzip
import hashlib
import json
import re
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterable
from copy import copy
from dataclasses import dataclass
from pathlib import Path
from unittest.mock import patch

import click
import trafilatura

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from monitor.cleaner import clean_html, extract  # noqa: E402
from monitor.cleaner.extract import EXTRACT_OPTIONS  # noqa: E402

DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "zyte-article-benchmark"
_TOKEN = re.compile(r"\w+")
SPLITS = ("dev", "held-out", "all")


@dataclass(frozen=True)
class Page:
    id: str
    url: str
    html: str
    truth: str

    @property
    def split(self) -> str:
        return (
            "held-out" if int(hashlib.sha256(self.id.encode()).hexdigest(), 16) % 3 == 0 else "dev"
        )


@dataclass(frozen=True)
class Score:
    precision: float
    recall: float

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


def shingles(text: str, n: int = 4) -> Counter[tuple[str, ...]]:
    """Counted runs of ``n`` tokens; a shorter non-empty text is one shingle."""
    tokens = _TOKEN.findall(text)
    return Counter(tuple(tokens[i : i + n]) for i in range(max(1, len(tokens) - n + 1)) if tokens)


def page_counts(truth: str, output: str) -> tuple[float, float, float]:
    """tp, fp, fn for one page, divided by their sum so every page weighs the same."""
    want, got = shingles(truth), shingles(output)
    tp = sum((want & got).values())
    fp = sum((got - want).values())
    fn = sum((want - got).values())
    total = tp + fp + fn
    return (tp / total, fp / total, fn / total) if total else (0.0, 0.0, 0.0)


def _ratio(hit: float, miss: float, fp: float, fn: float) -> float:
    if fp == fn == 0:
        return 1.0
    if hit == miss == 0:
        return 0.0
    return hit / (hit + miss)


def score(counts: Iterable[tuple[float, float, float]]) -> Score:
    """Mean precision over pages with tp+fp > 0, mean recall over pages with tp+fn > 0."""
    precisions, recalls = [], []
    for tp, fp, fn in counts:
        if tp + fp > 0:
            precisions.append(_ratio(tp, fp, fp, fn))
        if tp + fn > 0:
            recalls.append(_ratio(tp, fn, fp, fn))
    mean = lambda xs: sum(xs) / len(xs) if xs else 0.0  # noqa: E731
    return Score(mean(precisions), mean(recalls))


def load_pages(data: Path) -> list[Page]:
    truth = json.loads((data / "ground-truth.json").read_text(encoding="utf-8"))
    pages = []
    for page_id in sorted(truth):
        raw = gzip.decompress((data / "html" / f"{page_id}.html.gz").read_bytes())
        html = raw.decode("utf-8", errors="replace")
        pages.append(Page(page_id, truth[page_id]["url"], html, truth[page_id]["articleBody"]))
    return pages


Extractor = Callable[[Page], str]


def run_cleaner(page: Page) -> str:
    return clean_html(page.html, page.url).text


def cleaner_with_focus(focus: str) -> Extractor:
    """The whole cleaner with trafilatura in another mode ("balanced", "recall"), keeping the
    shipped line model (trained for ``EXTRACT_OPTIONS``: retrain to compare fairly)."""
    options = copy(extract._EXTRACTOR)
    options.focus = focus

    def run(page: Page) -> str:
        with patch.object(extract, "_EXTRACTOR", options):
            return run_cleaner(page)

    return run


def trafilatura_with(**options: bool) -> Extractor:
    def run(page: Page) -> str:
        return trafilatura.extract(page.html, url=page.url, **options) or ""

    return run


def measure(pages: list[Page], extractors: dict[str, Extractor]) -> dict[str, dict]:
    """Outputs and seconds per extractor and page; the order of extractors rotates."""
    names = list(extractors)
    results: dict[str, dict] = {name: {"out": {}, "secs": 0.0} for name in names}
    for i, page in enumerate(pages):
        for name in names[i % len(names) :] + names[: i % len(names)]:
            start = time.perf_counter()
            out = extractors[name](page)
            results[name]["secs"] += time.perf_counter() - start
            results[name]["out"][page.id] = out
    return results


def report(pages: list[Page], results: dict[str, dict], baseline: str) -> None:
    click.echo(f"{'extractor':<34}{'split':<10}{'pages':>6}{'F1':>8}{'P':>8}{'R':>8}{'ms/page':>9}")
    for name, result in results.items():
        ms = 1000 * result["secs"] / len(pages)
        for split in SPLITS:
            chosen = [p for p in pages if split in ("all", p.split)]
            s = score(page_counts(p.truth, result["out"][p.id]) for p in chosen)
            click.echo(
                f"{name:<34}{split:<10}{len(chosen):>6}{s.f1:>8.4f}{s.precision:>8.4f}"
                f"{s.recall:>8.4f}{ms if split == 'all' else float('nan'):>9.1f}"
            )
    base = results[baseline]["secs"]
    for name, result in results.items():
        if name != baseline:
            click.echo(f"time ratio {name} / {baseline}: {result['secs'] / base:.2f}x")


def show_misses(pages: list[Page], results: dict[str, dict], name: str, split: str) -> None:
    """Lines of the output with no shingle in the truth, and truth lines missed."""
    for page in pages:
        if split not in ("all", page.split):
            continue
        want = shingles(page.truth)
        out = results[name]["out"][page.id]
        got = shingles(out)
        extra = [ln for ln in out.split("\n") if ln and _absent(ln, page.truth, want)]
        missed = [ln for ln in page.truth.split("\n") if ln and _absent(ln, out, got)]
        if extra or missed:
            click.echo(f"=== {page.id[:12]} {page.url}")
            for line in extra:
                click.echo(f"  + {line[:150]}")
            for line in missed:
                click.echo(f"  - {line[:150]}")


def _absent(line: str, text: str, text_shingles: Counter[tuple[str, ...]]) -> bool:
    return line.strip("- ") not in text and not (shingles(line) & text_shingles)


@click.command()
@click.option("--data", type=click.Path(path_type=Path, exists=True), default=DEFAULT_DATA)
@click.option(
    "--compare-options",
    is_flag=True,
    help="Score trafilatura option sets, and the cleaner's modes.",
)
@click.option("--show", type=click.Choice(SPLITS), help="Print the cleaner's misses on a split.")
def main(data: Path, compare_options: bool, show: str | None) -> None:
    """Score the cleaner and trafilatura alone on the Zyte article benchmark."""
    pages = load_pages(data)
    if compare_options:
        option_sets = {
            "defaults (comments in)": {},
            "include_comments=False": {"include_comments": False},
            "favor_precision": {"include_comments": False, "favor_precision": True},
            "favor_recall": {"include_comments": False, "favor_recall": True},
            "no tables": {"include_comments": False, "include_tables": False},
            "fast (no fallback)": {"include_comments": False, "fast": True},
            "fast+favor_precision": {
                "include_comments": False,
                "fast": True,
                "favor_precision": True,
            },
            "fast+favor_recall": {"include_comments": False, "fast": True, "favor_recall": True},
        }
        extractors: dict[str, Extractor] = {
            name: trafilatura_with(**opts) for name, opts in option_sets.items()
        }
        extractors |= {f"cleaner, {f}": cleaner_with_focus(f) for f in ("balanced", "recall")}
        report(pages, measure(pages, extractors), "include_comments=False")
        return
    extractors = {
        "trafilatura (same options)": trafilatura_with(**EXTRACT_OPTIONS),
        "newshound cleaner": run_cleaner,
    }
    results = measure(pages, extractors)
    if show:
        show_misses(pages, results, "newshound cleaner", show)
    report(pages, results, next(iter(extractors)))


if __name__ == "__main__":
    main()
