"""The extraction stage alone: trafilatura text lines plus declared metadata."""

from __future__ import annotations

from pathlib import Path

import lxml.html
import pytest
import trafilatura
from hypothesis import example, given, settings
from hypothesis import strategies as st
from trafilatura.utils import repair_faulty_html

from monitor.cleaner import clean_html, extract
from monitor.cleaner.document import MAX_PAGE_TEXT, DocumentError, decode_html, read_document
from monitor.cleaner.extract import (
    EXTRACT_OPTIONS,
    _body_lines,
    _cut_text,
    _repair,
    extract_article,
)

PARAGRAPHS = [
    "Russia and China signed an agreement on Tuesday to build a second gas pipeline, "
    "officials in both capitals said after a day of talks in Beijing.",
    "Analysts said the deal would take years to deliver gas, and that the price the two "
    "sides will settle on has still not been agreed after a decade of negotiation.",
    "The pipeline would carry fifty billion cubic metres of gas a year across Mongolia.",
]


def page(head: str = "", lang: str = "en") -> str:
    body = "".join(f"<p>{p}</p>" for p in PARAGRAPHS)
    return (
        f'<html lang="{lang}"><head><title>Gas deal | Example</title>{head}</head>'
        f"<body><article><h1>Gas deal signed</h1>{body}</article></body></html>"
    )


def test_paragraphs_become_lines_after_the_headline() -> None:
    assert list(extract_article(page()).lines) == ["Gas deal signed", *PARAGRAPHS]


def test_metadata_from_json_ld() -> None:
    head = (
        '<script type="application/ld+json">{"@type": "NewsArticle", "headline": "Gas deal",'
        ' "datePublished": "2024-05-03T09:00:00+00:00", "author": {"name": "Jane Doe"}}</script>'
    )
    found = extract_article(page(head))
    assert (found.title, found.author, found.published, found.language) == (
        "Gas deal",
        "Jane Doe",
        "2024-05-03T09:00:00+00:00",
        "en",
    )


@pytest.mark.parametrize(
    ("head", "expected"),
    [
        ('<meta property="article:published_time" content="2024-05-03">', "2024-05-03"),
        ('<meta name="author" content="By Jane Doe">', None),
    ],
    ids=["meta-date", "no-date"],
)
def test_published_is_iso_date(head: str, expected: str | None) -> None:
    assert extract_article(page(head)).published == expected


def test_a_date_only_in_the_text_is_searched_for_unless_the_caller_has_one() -> None:
    """A crawl that has the feed's date skips htmldate's search of the page text; a date
    the page declares is read either way."""
    dated = page("").replace("<body>", "<body><p class='date'>Published: 2024-03-07</p>")
    assert extract_article(dated).published == "2024-03-07"
    assert extract_article(dated, search_dates=False).published is None
    declared = page('<meta property="article:published_time" content="2024-05-03">')
    assert extract_article(declared, search_dates=False).published == "2024-05-03"


def test_byline_prefix_dropped_from_author() -> None:
    assert extract_article(page('<meta name="author" content="By Jane Doe">')).author == "Jane Doe"


def test_locale_language_normalised() -> None:
    assert extract_article(page(lang="ru_RU")).language == "ru-RU"


def test_bytes_decoded_by_meta_charset() -> None:
    html = '<html><head><meta charset="windows-1251"></head><body><p>Привет</p></body></html>'
    assert "Привет" in decode_html(html.encode("cp1251"))


@pytest.mark.parametrize(
    "html",
    ["", "<html>", "<<<>>>", "<p>unclosed <b>tags <i>everywhere", "\x00\x01"],
    ids=["empty", "bare-tag", "brackets", "unclosed", "control"],
)
def test_malformed_html_gives_no_lines_not_an_error(html: str) -> None:
    assert extract_article(html).lines in ((), ("unclosed tags everywhere",))


@pytest.mark.parametrize(
    ("data", "kind"),
    [(b"<!DOCTYPE html><p>x</p>", "html"), (b"Plain words, a < b.\n", "text")],
    ids=["html", "text"],
)
def test_read_document_detects_kind(data: bytes, kind: str) -> None:
    assert read_document(data).kind == kind


@pytest.mark.parametrize(
    "data",
    [b"%PDF-1.7 binary", b"\x89PNG\r\n\x1a\n", b"\x1f\x8bnot gzip", b"ab\x00cd" * 10],
    ids=["pdf", "png", "corrupt-gzip", "nul-bytes"],
)
def test_binary_input_refused(data: bytes) -> None:
    with pytest.raises(DocumentError):
        read_document(data)


def test_each_line_names_its_element() -> None:
    found = extract_article(page())
    assert found.kinds == ("h1", "p", "p", "p")


def test_page_with_megabytes_of_text_refused_fast_but_big_scripts_are_fine() -> None:
    import time

    from monitor.cleaner import clean_html
    from monitor.cleaner.document import DocumentError

    huge = b"<html><body><p>" + b"word " * 1_800_000 + b"</p></body></html>"
    started = time.process_time()
    with pytest.raises(DocumentError, match="MB of text"):
        clean_html(huge)
    assert time.process_time() - started < 2
    article = b"<p>" + b"Putin met Xi in Beijing on Monday to talk about trade. " * 20 + b"</p>"
    scripted = (
        b"<html><head><script>var state='" + b"a" * 3_000_000 + b"';</script></head>"
        b"<body><article>" + article + b"</article></body></html>"
    )
    assert "Putin met Xi" in clean_html(scripted).text


def test_text_past_the_page_limit_is_not_read() -> None:
    para = "Putin met Xi in Beijing on Monday to talk about trade, officials said."
    count = MAX_PAGE_TEXT // len(para) + 2_000
    body = "".join(f"<p>{i}: {para}</p>" for i in range(count))
    html = f"<html><body><article>{body}</article><p>Written after it all.</p></body></html>"
    lines = extract_article(html).lines
    assert [line.split(":")[0] for line in lines] == [str(i) for i in range(len(lines))]
    assert MAX_PAGE_TEXT - 100 < sum(map(len, lines)) <= MAX_PAGE_TEXT + 100
    half = "".join(f"<p>{i}: {para}</p>" for i in range(count // 2))
    script = "<script>var s = '" + "x" * MAX_PAGE_TEXT + "';</script>"  # not text
    whole = (
        f"<html><body>{script}<article>{half}<p>Written after it all.</p></article></body></html>"
    )
    assert len(extract_article(whole).lines) == count // 2 + 1  # under the limit: all of it


@pytest.mark.parametrize(
    ("limit", "kept"), [(3, "aaaa"), (5, "aaaabb"), (7, "aaaabbcc"), (9, "aaaabbccdd")]
)
def test_cut_keeps_the_text_node_that_passes_the_limit_and_nothing_after(
    limit: int, kept: str
) -> None:
    tree = lxml.html.fromstring(
        "<html><body><div><p>aaaa<b>bb</b>cc</p><p>dd</p></div><p>ee</p>ff</body></html>"
    )
    _cut_text(tree, limit)
    assert tree.text_content() == kept


@pytest.mark.parametrize(
    "path", sorted((Path(__file__).parents[3] / "fixtures/cleaner").glob("*.html")), ids=str
)
def test_our_parse_gives_what_trafilatura_finds_on_its_own(
    path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The cleaner parses each page once with its own faster parser; trafilatura, left to
    parse the page itself, finds exactly the same lines (teasers left in for both)."""
    monkeypatch.setattr(extract, "drop_teasers", lambda tree: 0)
    html = decode_html(path.read_bytes())
    own = trafilatura.bare_extraction(html, output_format="txt", **EXTRACT_OPTIONS)  # type: ignore[arg-type]
    expected = _body_lines(own.body)[0] if own is not None else ()  # type: ignore[union-attr]
    assert extract_article(html).lines == expected


@given(
    st.lists(
        st.sampled_from(
            [
                "<!DOCTYPE html>",
                "<!doctype html PUBLIC '-//W3C//DTD XHTML 1.0//EN' '/x.dtd'>",
                "<html/>",
                "<html lang='en' />",
                "<html>",
                "\n",
                "<p>Putin met Xi</p>",
                " ",
                "\x00",
                "\x0b",
                "\x1f",
                "\ufffe",
                "\uffff",
                "\t",
                "é",
                "中文",
            ]
        ),
        max_size=12,
    ).map("".join)
)
@example("<!DOCTYPE html>\n<html/>\n<p>\x00</p>")
@settings(max_examples=300, deadline=None)
def test_the_repairs_before_parsing_are_trafilaturas(html: str) -> None:
    """The faster scan for characters XML forbids changes nothing in what is parsed."""
    assert _repair(html, html[:50].lower()) == repair_faulty_html(html, html[:50].lower())


def test_br_separated_article_found_by_the_second_opinion() -> None:
    """trafilatura's fast mode finds nothing in text set with <br> in a bare <div>; the
    balanced mode, asked when the first result is short, finds the article."""
    sentences = [
        "Die Gemeinde hat am Montag beschlossen, die alte Schule am Marktplatz zu sanieren.",
        "Das Gebäude soll zu einem Bürgerhaus umgebaut werden, in dem sich Vereine treffen.",
        "Die Kosten von zwei Millionen Euro trägt zur Hälfte das Land, sagte der Bürgermeister.",
        "Die Arbeiten sollen im Frühjahr beginnen und bis Ende des kommenden Jahres dauern.",
        "Während der Bauzeit ziehen die Vereine vorübergehend in die Turnhalle der Grundschule.",
    ]
    menu = "".join(f"<li><a href='/s{i}'>Rubrik Nummer {i} mit Text</a></li>" for i in range(30))
    html = (
        f"<html><body><div id='wrap'><ul class='menu'>{menu}</ul>"
        f"<div><div class='x'>{'<br><br>'.join(sentences)}</div></div></div></body></html>"
    )
    assert clean_html(html).text == "\n\n".join(sentences)


_BOUND_PAGES = [
    *sorted((Path(__file__).parents[3] / "fixtures/cleaner").glob("*.html")),
    '<html><head><script type=\'application/ld+json\'>{"@type": "NewsArticle", '
    '"articleBody": "' + "The whole story is told here and only here. " * 20 + '"}'
    "</script></head><body><p>Share</p></body></html>",
    "<html><body><ul>" + "<li>a</li>" * 40 + "</ul><dl><dt>x</dt><dd>y</dd></dl></body></html>",
]


@pytest.mark.parametrize(
    "page", _BOUND_PAGES, ids=lambda p: p.name if isinstance(p, Path) else p[:30]
)
def test_no_extraction_is_longer_than_the_page_text_allows(page: Path | str) -> None:
    """The second opinion is skipped on a page whose text cannot give a longer answer:
    that bound must hold for what the fallback really returns (lists, JSON-LD)."""
    html = decode_html(page.read_bytes()) if isinstance(page, Path) else page
    tree = extract._parse(html)
    assert tree is not None
    found = extract._fallback_lines(tree, None)
    size = sum(map(len, found[0])) if found else 0
    assert size > 0 or isinstance(page, Path)
    assert extract._text_exceeds(tree, size - 1)


def test_a_short_page_that_is_all_article_is_cleaned_without_a_second_opinion(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A short article on a page with nothing else: the first answer is the page, so the
    slower fallback, which could not find more, is not run (and the text is whole)."""
    calls: list[object] = []
    fallback = extract._fallback_lines
    monkeypatch.setattr(extract, "_fallback_lines", lambda *a: calls.append(a) or fallback(*a))
    paragraphs = [
        f"Paragraph {k}: the council met on Tuesday and voted on the budget." for k in range(5)
    ]
    html = "<html><body><article><h1>Budget</h1>" + "".join(f"<p>{p}</p>" for p in paragraphs)
    assert clean_html(html + "</article></body></html>").text == "\n\n".join(paragraphs)
    assert calls == []
    menu = "".join(
        f"<li><a href='/s{i}'>Section number {i} of the site</a></li>" for i in range(40)
    )
    clean_html(html + f"</article><ul>{menu}</ul></body></html>")
    assert len(calls) == 1  # a page with more text than the answer: asked as before
    calls.clear()
    points = "".join(f"<p>Item {k}: budget line for the parks</p>" for k in range(6))
    clean_html(f"<html><body><article><h1>Budget lines</h1>{points}</article></body></html>")
    assert calls == []  # short and all there, sentences or not: nothing to ask about


def test_list_items_that_are_links_are_marked_linked() -> None:
    html = (
        "<html><body><article>" + "".join(f"<p>{p}</p>" for p in PARAGRAPHS) + "<ul>"
        "<li>Whisk the eggs with the sugar until pale.</li>"
        '<li><a href="/x">Oil prices climb as OPEC meets</a> Ministers gather in Vienna</li>'
        "</ul></article></body></html>"
    )
    found = extract_article(html)
    assert dict(zip(found.lines, found.linked, strict=True)) == {
        **dict.fromkeys(PARAGRAPHS, False),
        "- Whisk the eggs with the sugar until pale.": False,
        "- Oil prices climb as OPEC meets Ministers gather in Vienna": True,
    }


@pytest.mark.parametrize(
    "link",
    [
        '<p><a href="/chess">SCO summit: Putin and Xi agree on a new trade route</a></p>',
        '<p>&raquo; <a href="/chess">SCO summit: Putin and Xi agree on a new trade route</a></p>',
        '<p><a href="/chess">Who will host the SCO summit in 2026?</a></p>',
    ],
    ids=["headline", "marked", "question"],
)
def test_paragraph_that_is_one_link_is_another_story(link: str) -> None:
    """A paragraph that is exactly one link's text, set between the story's paragraphs,
    is another story's headline: it must not reach the matcher. A paragraph that links
    a phrase is the story's own."""
    own = (
        '<p>The talks, <a href="/talks">held in Minsk on Friday</a>, ended early, the '
        "federation said in a statement on its website.</p>"
    )
    body = "".join(f"<p>{p}</p>" for p in PARAGRAPHS[:2]) + link + own
    body += f"<p>{PARAGRAPHS[2]}</p>"
    text = clean_html(f"<html><body><article>{body}</article></body></html>").text
    assert "SCO" not in text
    assert "held in Minsk on Friday" in text
    assert all(p in text for p in PARAGRAPHS)


def test_list_of_linked_headlines_between_paragraphs_is_other_stories() -> None:
    """A "Related" list set inside the story, each item headed by a link to another story
    and no sentence: none of it reaches the matcher; the story's own points stay."""
    related = "".join(
        f'<li><a href="/s{i}">{title}</a> {excerpt}</li>'
        for i, (title, excerpt) in enumerate(
            [
                ("SCO summit ends with a pledge", "on trade routes and a new bank"),
                ("Chess olympiad moves to Budapest", "after the venue fell through"),
            ]
        )
    )
    points = "<ul><li>Two rounds a day until Sunday.</li><li>Tie-breaks on Monday.</li></ul>"
    body = (
        f"<p>{PARAGRAPHS[0]}</p><ul>{related}</ul><p>{PARAGRAPHS[1]}</p>{points}"
        f"<p>{PARAGRAPHS[2]}</p>"
    )
    text = clean_html(f"<html><body><article>{body}</article></body></html>").text
    assert "SCO" not in text and "Budapest" not in text
    assert "Two rounds a day until Sunday." in text
    assert all(p in text for p in PARAGRAPHS)


def test_text_comes_out_composed_as_a_watch_term_is_typed() -> None:
    decomposed = PARAGRAPHS[0].replace("Beijing", "Pe\u0301kin")  # e + combining acute
    rest = "".join(f"<p>{p}</p>" for p in PARAGRAPHS[1:])
    html = f"<html><body><article><p>{decomposed}</p>{rest}</article></body></html>"
    text = clean_html(html).text
    assert "P\u00e9kin" in text
    assert "\u0301" not in text


def test_a_lone_surrogate_in_json_ld_comes_out_as_text_the_store_takes() -> None:
    """``"\\ud800"`` is valid JSON; as a headline or author it made a str SQLite refuses,
    so the article could not be stored at all. It reads as "?"."""
    ld = '{"@type": "NewsArticle", "headline": "Putin \\ud800 meets Xi", "author": "A\\udc00B"}'
    found = extract_article(page(f'<script type="application/ld+json">{ld}</script>'))
    assert (found.title, found.author) == ("Putin ? meets Xi", "A?B")
    (found.title + found.author).encode("utf-8")  # what sqlite3 does with a str
