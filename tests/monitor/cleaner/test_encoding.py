"""Bytes to text: the HTTP header's charset, then the page's, except that valid UTF-8 is
UTF-8; undeclared legacy bytes are guessed (charset-normalizer), never left as U+FFFD."""

from __future__ import annotations

import pytest

from monitor.cleaner import clean_html
from monitor.cleaner.document import decode_html

RUSSIAN = [
    "Президент России Владимир Путин прибыл в Пекин, где проведёт переговоры с "
    "председателем КНР Си Цзиньпином о торговле и поставках газа.",
    "Стороны обсудят строительство второго газопровода через Монголию, о котором "
    "переговоры идут уже больше десяти лет, сообщили в Кремле.",
    "По словам аналитиков, цена газа остаётся главным вопросом, по которому стороны "
    "до сих пор не смогли договориться.",
]
GERMAN = [
    "Die Bundesregierung hat am Dienstag ein neues Gesetz zur Förderung der "
    "Wärmepumpen beschlossen, das ab dem kommenden Jahr gelten soll.",
    "Hausbesitzer müssen künftig beim Austausch alter Heizungen höhere Anteile "
    "erneuerbarer Energie nachweisen, teilte das Ministerium mit.",
    "Verbände begrüßten die Entscheidung grundsätzlich, kritisierten aber die "
    "kurzen Übergangsfristen für ältere Gebäude.",
]


def page(paragraphs: list[str], head: str = "") -> str:
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    return (
        f"<html><head>{head}<title>Nachrichten</title></head>"
        f"<body><article><h1>Nachrichten</h1>{body}</article></body></html>"
    )


def test_valid_utf8_wins_over_a_wrong_meta_charset() -> None:
    data = page(RUSSIAN, '<meta charset="gb2312">').encode("utf-8")
    assert clean_html(data).text == "\n\n".join(RUSSIAN)


@pytest.mark.parametrize(
    ("paragraphs", "encoding"), [(RUSSIAN, "cp1251"), (RUSSIAN, "koi8-r"), (GERMAN, "cp1252")]
)
def test_undeclared_legacy_bytes_are_detected(paragraphs: list[str], encoding: str) -> None:
    text = clean_html(page(paragraphs).encode(encoding)).text
    assert "\ufffd" not in text
    assert text == "\n\n".join(paragraphs)


def test_header_charset_wins_over_meta() -> None:
    data = page(RUSSIAN, '<meta charset="windows-1252">').encode("cp1251")
    got = clean_html(data, content_type="text/html; charset=windows-1251")
    assert got.text == "\n\n".join(RUSSIAN)
    assert clean_html(data, content_type="windows-1251").text == got.text  # a bare label
    assert "Путин" not in clean_html(data).text  # without the header, the meta is believed


def test_meta_charset_used_when_no_header() -> None:
    data = page(RUSSIAN, '<meta http-equiv="Content-Type" content="text/html; charset=koi8-r">')
    assert "Путин" in clean_html(data.encode("koi8-r"), content_type="text/html").text


def test_declared_utf8_with_a_stray_byte_keeps_its_declaration() -> None:
    data = page(GERMAN, '<meta charset="utf-8">').encode("utf-8").replace(b"</h1>", b"\xe9</h1>")
    assert decode_html(data).count("\ufffd") == 1
    assert clean_html(data).text == "\n\n".join(GERMAN)


def test_a_page_ending_in_an_open_meta_tag_is_cleaned_not_a_crash() -> None:
    """w3lib's charset prescan (Rust) panics on a body ending in ``<meta``; the panic is
    a BaseException, which would take the crawl worker down with a hostile page."""
    body = b"<html><body><p>Putin met Xi in Beijing today for talks on trade.</p><meta"
    assert "Putin met Xi" in clean_html(body, "http://news.example/a").text
    assert decode_html("é<meta".encode("latin-1"), "text/html; charset=latin-1") == "é<meta"
