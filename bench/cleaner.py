"""Cleaner benchmark: newshound's cleaner against trafilatura and readability-lxml, in the
same run, on two public sets:

- ``zyte``: the Zyte article-extraction benchmark (181 pages), with the metric its README
  defines (4-token shingles, per-page tp/fp/fn normalised to sum 1, precision and recall
  averaged over pages, F1 of the two means);
- ``eval``: trafilatura's evaluation set (990 pages), with its own metric (its README: a
  ``with`` snippet in the text is a tp, a ``without`` snippet an fp, summed over pages).

Split, fixed and documented: a page is *held out* when the SHA-256 of its id (Zyte: the
page id; eval: the page's URL), read as an integer, is divisible by 3 (about a third of
the pages); the rest is *dev*. Rules were developed looking at dev pages only
(``--show dev``). Time per page is the extractors' own, in the same run, the order of
extractors rotating from page to page; ratios are against trafilatura's defaults.

    nice -n 10 python bench/cleaner.py                  # both sets, dev / held-out / all
    python bench/cleaner.py --set eval --every 5        # every 5th page, while iterating
    python bench/cleaner.py --compare-options           # trafilatura option sets (Zyte)
    python bench/cleaner.py --set eval --show dev       # the cleaner's misses on a split
    python bench/cleaner.py --only dev --cleaner-only   # while tuning: dev pages alone
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

# shared/ beside the checkout (or beside the folder of worktrees that holds it).
DATA_ROOT = next(
    (
        d / "shared" / "data"
        for d in Path(__file__).resolve().parents[2:4]
        if (d / "shared").is_dir()
    ),
    Path(__file__).resolve().parents[2] / "shared" / "data",
)
DEFAULT_DATA = DATA_ROOT / "zyte-article-benchmark"
EVAL_DATA = DATA_ROOT / "trafilatura-eval"
_TOKEN = re.compile(r"\w+")
SPLITS = ("dev", "held-out", "all")


def split_of(page_id: str) -> str:
    """ "held-out" for a third of the ids (sha256 divisible by 3), "dev" for the rest."""
    return "held-out" if int(hashlib.sha256(page_id.encode()).hexdigest(), 16) % 3 == 0 else "dev"


@dataclass(frozen=True)
class Page:
    """A Zyte page (``truth``: the article's text) or an eval page (``html`` as bytes,
    ``with_``/``without``: snippets that must / must not be in the text)."""

    id: str
    url: str
    html: str | bytes
    truth: str = ""
    with_: tuple[str, ...] = ()
    without: tuple[str, ...] = ()

    @property
    def split(self) -> str:
        return split_of(self.id)


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


def load_eval_pages(data: Path) -> list[Page]:
    """trafilatura's evaluation set: page bytes as stored (the extractor decodes them)."""
    spec = json.loads((data / "evaldata.json").read_text(encoding="utf-8"))
    return [
        Page(
            url,
            url,
            gzip.decompress((data / "pages" / f"{item['file']}.gz").read_bytes()),
            with_=tuple(item["with"]),
            without=tuple(item["without"]),
        )
        for url, item in sorted(spec.items())
    ]


_WHITESPACE = re.compile(r"\s+")


def snippet_counts(page: Page, output: str) -> tuple[int, int, int, int]:
    """tp, fp, fn, tn of one eval page (trafilatura's tests/eval_common.py)."""
    out = _WHITESPACE.sub(" ", output).strip()
    found = [_WHITESPACE.sub(" ", s).strip() in out for s in page.with_]
    leaked = [_WHITESPACE.sub(" ", s).strip() in out for s in page.without]
    return sum(found), sum(leaked), len(found) - sum(found), len(leaked) - sum(leaked)


@dataclass(frozen=True)
class SnippetScore:
    tp: int
    fp: int
    fn: int
    tn: int

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0

    @property
    def f1(self) -> float:
        total = 2 * self.tp + self.fp + self.fn
        return 2 * self.tp / total if total else 0.0


def snippet_score(counts: Iterable[tuple[int, int, int, int]]) -> SnippetScore:
    """Counts summed over pages (micro over snippets), as trafilatura's evaluation does."""
    sums = [sum(column) for column in zip(*counts, strict=True)] or [0, 0, 0, 0]
    return SnippetScore(*sums)


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


def run_readability(page: Page) -> str:
    """readability-lxml's article HTML, as text by html-text (paragraphs kept apart).
    Imported here: they are the bench extra's (pip install -e ".[test,bench]"), and
    bench/train_line_model.py, which the tests run, imports this module without them."""
    import html_text
    import readability

    try:
        summary = readability.Document(page.html).summary(html_partial=True)
    except Exception:  # readability raises on pages it cannot parse: that page scores 0
        return ""
    return str(html_text.extract_text(summary))


def extractors_to_compare() -> dict[str, Extractor]:
    """The first one is the baseline of the time ratios."""
    return {
        "trafilatura defaults": trafilatura_with(include_comments=False),
        "trafilatura (cleaner's options)": trafilatura_with(**EXTRACT_OPTIONS),
        "readability-lxml + html-text": run_readability,
        "newshound cleaner": run_cleaner,
    }


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


def report(pages: list[Page], results: dict[str, dict], baseline: str, kind: str) -> None:
    """One line per extractor and split; ``kind`` "zyte" (shingle metric) or "eval"."""
    head = f"{'extractor':<34}{'split':<10}{'pages':>6}{'F1':>8}{'P':>8}{'R':>8}"
    click.echo(head + (f"{'tp/fp/fn/tn':>24}" if kind == "eval" else "") + f"{'ms/page':>9}")
    for name, result in results.items():
        ms = 1000 * result["secs"] / len(pages)
        for split in SPLITS:
            chosen = [p for p in pages if split in ("all", p.split)]
            outs = [(p, result["out"][p.id]) for p in chosen]
            counts = ""
            s: Score | SnippetScore
            if kind == "eval":
                s = snippet_score(snippet_counts(p, out) for p, out in outs)
                counts = f"{s.tp}/{s.fp}/{s.fn}/{s.tn}"
                counts = f"{counts:>24}"
            else:
                s = score(page_counts(p.truth, out) for p, out in outs)
            click.echo(
                f"{name:<34}{split:<10}{len(chosen):>6}{s.f1:>8.4f}{s.precision:>8.4f}"
                f"{s.recall:>8.4f}{counts}{ms if split == 'all' else float('nan'):>9.1f}"
            )
    base = results[baseline]["secs"]
    for name, result in results.items():
        if name != baseline:
            click.echo(f"time ratio {name} / {baseline}: {result['secs'] / base:.2f}x")


def show_misses(pages: list[Page], results: dict[str, dict], name: str, split: str) -> None:
    """Zyte: lines of the output with no shingle in the truth, and truth lines missed.
    Eval: ``with`` snippets missed (-) and ``without`` snippets kept (+)."""
    for page in pages:
        if split not in ("all", page.split):
            continue
        out = results[name]["out"][page.id]
        if page.with_ or page.without:
            flat = _WHITESPACE.sub(" ", out)
            extra = [s for s in page.without if _WHITESPACE.sub(" ", s).strip() in flat]
            missed = [s for s in page.with_ if _WHITESPACE.sub(" ", s).strip() not in flat]
        else:
            want, got = shingles(page.truth), shingles(out)
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


OPTION_SETS: dict[str, dict[str, bool]] = {
    "defaults (comments in)": {},
    "include_comments=False": {"include_comments": False},
    "favor_precision": {"include_comments": False, "favor_precision": True},
    "favor_recall": {"include_comments": False, "favor_recall": True},
    "no tables": {"include_comments": False, "include_tables": False},
    "fast (no fallback)": {"include_comments": False, "fast": True},
    "fast+favor_precision": {"include_comments": False, "fast": True, "favor_precision": True},
    "fast+favor_recall": {"include_comments": False, "fast": True, "favor_recall": True},
}


@click.command()
@click.option("--data", type=click.Path(path_type=Path, exists=True), default=DEFAULT_DATA)
@click.option("--eval-data", type=click.Path(path_type=Path, exists=True), default=EVAL_DATA)
@click.option("--set", "sets", type=click.Choice(["zyte", "eval", "both"]), default="both")
@click.option("--every", type=click.IntRange(1), default=1, help="Only every Nth page.")
@click.option(
    "--only",
    "only_split",
    type=click.Choice(SPLITS[:2]),
    help="Load and score one split only (dev while tuning: held-out pages are never run).",
)
@click.option(
    "--compare-options",
    is_flag=True,
    help="Score trafilatura option sets, and the cleaner's modes.",
)
@click.option("--show", type=click.Choice(SPLITS), help="Print the cleaner's misses on a split.")
@click.option("--cleaner-only", is_flag=True, help="Run the cleaner alone (no time ratios).")
def main(
    data: Path,
    eval_data: Path,
    sets: str,
    every: int,
    only_split: str | None,
    compare_options: bool,
    show: str | None,
    cleaner_only: bool,
) -> None:
    """Score the cleaner, trafilatura and readability-lxml on the Zyte and eval sets."""
    for kind in ("zyte", "eval") if sets == "both" else (sets,):
        pages = (load_pages(data) if kind == "zyte" else load_eval_pages(eval_data))[::every]
        pages = [p for p in pages if only_split in (None, p.split)]
        click.echo(f"\n## {kind}: {len(pages)} pages")
        if compare_options:
            extractors = {name: trafilatura_with(**o) for name, o in OPTION_SETS.items()}
            extractors |= {f"cleaner, {f}": cleaner_with_focus(f) for f in ("balanced", "recall")}
            report(pages, measure(pages, extractors), "include_comments=False", kind)
            continue
        extractors = extractors_to_compare()
        if cleaner_only:
            extractors = {"newshound cleaner": run_cleaner}
        results = measure(pages, extractors)
        if show:
            show_misses(pages, results, "newshound cleaner", show)
        report(pages, results, next(iter(extractors)), kind)


if __name__ == "__main__":
    main()
