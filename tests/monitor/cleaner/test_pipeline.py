"""The whole cleaner: golden pages, the seed, input kinds and hostile input."""

from __future__ import annotations

import gzip
import time
from collections.abc import Callable
from pathlib import Path

import pytest

import monitor.cleaner
from monitor.cleaner import CleanedArticle, clean_document, clean_html, clean_text
from monitor.cleaner.boilerplate import is_furniture
from monitor.cleaner.document import MAX_DOCUMENT_BYTES, MAX_TEXT_BYTES, DocumentError

FIXTURES = Path(__file__).parents[3] / "fixtures" / "cleaner"
PAGES = sorted(FIXTURES.glob("*.html"))
SEED = FIXTURES / "seed-scraped-article.txt"


def expected(path: Path) -> str:
    return path.with_name(path.name.rsplit(".", 1)[0] + ".expected.txt").read_text("utf-8").strip()


def test_public_names_pinned() -> None:
    assert monitor.cleaner.__all__ == [
        "CleanedArticle",
        "clean_html",
        "clean_text",
        "clean_document",
    ]


def test_at_least_thirty_golden_pages() -> None:
    assert len(PAGES) >= 30


@pytest.mark.parametrize("path", PAGES, ids=[p.stem for p in PAGES])
def test_golden_page_gives_exactly_the_article(path: Path) -> None:
    article = clean_html(path.read_bytes())
    want = expected(path).split("\n\n")
    got = article.text.split("\n\n")
    assert [line for line in got if line not in want] == [], "boilerplate survived"
    assert [line for line in want if line not in got] == [], "article sentence dropped"
    assert article.text == "\n\n".join(want)


@pytest.mark.parametrize("path", PAGES[:7], ids=[p.stem for p in PAGES[:7]])
def test_golden_page_metadata(path: Path) -> None:
    article = clean_html(path.read_bytes())
    assert article.title and article.published == "2024-05-03T09:00:00+00:00"
    assert article.language in ("en", "ru", "zh", "de", "fr", "es")


def test_seed_text_cleaned_to_exactly_the_article() -> None:
    assert clean_text(SEED.read_text("utf-8")) == expected(SEED)


def test_seed_document_has_headline_as_title() -> None:
    article = clean_document(SEED.read_bytes())
    assert (
        article.title == "Russia’s Putin hails ‘unprecedented’ ties with China at talks in Beijing"
    )
    assert article.text == expected(SEED)


def test_gzipped_html_document() -> None:
    page = PAGES[0]
    assert clean_document(gzip.compress(page.read_bytes())) == clean_html(page.read_bytes())


def test_text_keeps_line_breaks_inside_paragraphs() -> None:
    text = "First line of a verse,\nsecond line of it.\n\nLeave a Reply\n"
    assert clean_text(text) == "First line of a verse,\nsecond line of it."


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"   \n\n",
        b"<html></html>",
        b"<p>a<p>b<div>",
        "<p>\ud800</p>".encode("utf-8", "surrogatepass"),
    ],
    ids=["empty", "whitespace", "empty-html", "malformed", "bad-utf8"],
)
def test_empty_or_malformed_input_gives_an_empty_article(data: bytes) -> None:
    article = clean_document(data)
    assert isinstance(article, CleanedArticle)
    assert all(is_furniture(line) is False for line in article.text.split("\n\n") if line)


def cpu_seconds(clean: Callable[[], object]) -> float:
    """CPU time of ``clean()`` (a refusal counts as its answer): not wall time, which
    other work on the machine stretches."""
    start = time.process_time()
    try:
        clean()
    except DocumentError:
        pass
    return time.process_time() - start


def words_page(size: int) -> bytes:
    return b"<html><body><p>" + b"word " * (size // 5) + b"</p></body></html>"


HUGE = {  # built when the test runs, not at collection in every worker
    "fifty-megabytes": (lambda: words_page(50 * 2**20), "at most"),
    "gzip-bomb": (lambda: gzip.compress(b"<p>" + b"a" * (50 * 2**20)), "inflates"),
}


@pytest.mark.parametrize("kind", HUGE)
def test_a_huge_document_is_refused_before_it_is_read(kind: str) -> None:
    make, reason = HUGE[kind]
    data = make()
    with pytest.raises(DocumentError, match=reason):
        clean_document(data)
    # refusing 50 MB costs less than a tenth of cleaning an ordinary 1 MB page
    assert (
        cpu_seconds(lambda: clean_document(data))
        < cpu_seconds(lambda: clean_document(words_page(2**20))) / 10
    )


def linear(clean: Callable[[int], object], full: int) -> None:
    """Cleaning ``full`` units costs at most about four times ``full // 4`` (ten, for
    the noise of small figures): no hostile shape makes it quadratic, so a page just
    under the cap answers in a time bounded by the cap."""
    quarter = cpu_seconds(lambda: clean(full // 4))
    whole = cpu_seconds(lambda: clean(full))
    assert whole < 10 * quarter + 0.05, (whole, quarter)


@pytest.mark.parametrize(
    "unit",
    [b"x", b"word ", b"a@b.", b"<p>ab</p>", b"<p>Leave a Reply</p>", b"<div>", b"<a href=x>y</a>"],
    ids=["one-node", "words", "at-signs", "paragraphs", "furniture", "open-divs", "links"],
)
def test_page_just_under_the_cap_costs_in_proportion(unit: bytes) -> None:
    def clean(n: int) -> object:
        return clean_document(b"<html><body><p>" + unit * n + b"</p></body></html>")

    linear(clean, (MAX_DOCUMENT_BYTES - 100) // len(unit))


@pytest.mark.parametrize(
    "unit", [b"ab\n", b"word ", b"Leave a Reply\n"], ids=["lines", "words", "furniture"]
)
def test_text_just_under_the_cap_costs_in_proportion(unit: bytes) -> None:
    linear(lambda n: clean_document(unit * n), (MAX_TEXT_BYTES - 100) // len(unit))


def test_article_list_that_is_not_links_kept_even_in_title_case() -> None:
    """German capitalises nouns, so a bulleted point can look like a Title Case teaser
    headline; the page shows it is no link, and a list of such points stays."""
    paragraphs = [
        "Der Verein hat am Samstag seine Jahresversammlung in der Stadthalle abgehalten.",
        "Die Mitglieder stimmten über den Haushalt ab, der einstimmig angenommen wurde.",
        "Für das neue Jahr hat sich der Vorstand drei Ziele gesetzt:",
    ]
    points = [
        "Mehr Angebote für Kinder und Jugendliche",
        "Eine neue Heizung für das Vereinsheim",
        "Ein Sommerfest mit den Nachbarvereinen",
    ]
    html = (
        "<html><body><article><h1>Jahresversammlung</h1>"
        + "".join(f"<p>{p}</p>" for p in paragraphs)
        + "<ul>"
        + "".join(f"<li>{p}</li>" for p in points)
        + "</ul></article></body></html>"
    )
    assert clean_html(html).text == "\n\n".join(paragraphs + [f"- {p}" for p in points])


def test_a_crawl_keeps_no_lines_of_the_pages_it_has_cleaned() -> None:
    """The line verdicts remembered while a page is cleaned are let go after it: a
    long crawl's memory does not fill with the lines of every page it has seen."""
    from monitor.cleaner import boilerplate

    assert PAGES
    for path in PAGES[:5]:
        clean_html(path.read_bytes())
        for cached in (boilerplate._normalise_short, is_furniture, boilerplate.has_edge_phrase):
            assert cached.cache_info().currsize == 0
