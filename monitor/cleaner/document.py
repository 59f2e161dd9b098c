"""Input sniffing for the cleaner: raw bytes -> decoded HTML or plain text.

Sits before extraction (``extract.py``) and the boilerplate filter (``boilerplate.py``).
Handles what arrives from disk, stdin or the crawler: gzipped or plain bytes, HTML or
text, in any charset (declared by the HTTP header or the page, or undeclared). Refuses
binary and oversized input with :class:`DocumentError` so no later stage can hang on it.
"""

from __future__ import annotations

import codecs
import re
import zlib
from dataclasses import dataclass
from typing import Literal

import charset_normalizer
from w3lib.encoding import (
    bom_encoding,
    html_body_declared_encoding,
    html_to_unicode,
    http_content_type_encoding,
)

__all__ = [
    "MAX_DOCUMENT_BYTES",
    "MAX_TEXT_BYTES",
    "MAX_ELEMENTS",
    "MAX_PAGE_TEXT",
    "Document",
    "DocumentError",
    "decode_html",
    "read_document",
]

# The largest of the 181 benchmark pages is 1.5 MB of HTML and 1,600 elements. Larger
# input is refused rather than risk a stalled crawl: the cleaner answers within a second
# or two (trafilatura needs ~1.5 s for 2 MB of text in one node, ~20 s for 200,000 <p>).
MAX_DOCUMENT_BYTES = 2 * 1024 * 1024
MAX_ELEMENTS = 20_000
# A page's visible text past this many characters is cut off before extraction (the most
# on a benchmark page is 483,000): a page made of 18,000 paragraphs of watch terms cost the
# crawl worker 50 MB and 3 s in trafilatura and the line model at 1 MB of text.
MAX_PAGE_TEXT = 512 * 1024
# Plain text is the article itself; a quarter of a megabyte (40,000 words) is already a book.
MAX_TEXT_BYTES = 256 * 1024

_GZIP_MAGIC = b"\x1f\x8b"
_BINARY_MAGIC = {
    b"%PDF": "PDF",
    b"\x89PNG": "PNG image",
    b"\xff\xd8\xff": "JPEG image",
    b"GIF8": "GIF image",
    b"PK\x03\x04": "ZIP archive",
    b"\x7fELF": "executable",
    b"RIFF": "RIFF media",
    b"\x00\x00\x00": "binary data",
}
# Tags that only markup has; "a < b" or "<Putin>" in plain text does not look like this.
_MARKUP = re.compile(
    r"<(?:!doctype|html|head|body|meta|title|p|div|article|section|main|span|br|h[1-6]"
    r"|a\s|img|ul|ol|li|table|script|style|header|footer|nav)\b",
    re.I,
)


class DocumentError(ValueError):
    """Input the cleaner will not process; the message says why."""


@dataclass(frozen=True)
class Document:
    """Decoded input: ``kind`` says whether ``text`` is HTML markup or plain text."""

    kind: Literal["html", "text"]
    text: str


def read_document(data: bytes, content_type: str | None = None) -> Document:
    """Sniff and decode raw input (HTML, gzipped HTML or plain text).

    ``content_type`` is the HTTP ``Content-Type`` header (or just a charset label), when
    the bytes came with one; see :func:`decode_html`. Input without markup is plain text.
    Raises :class:`DocumentError` for binary data, a corrupt gzip stream, or more than
    :data:`MAX_DOCUMENT_BYTES` (after decompression).
    """
    if data.startswith(_GZIP_MAGIC):
        data = _gunzip(data)
    if len(data) > MAX_DOCUMENT_BYTES:
        raise DocumentError(
            f"input is {len(data) / 2**20:.1f} MB; the cleaner accepts at most "
            f"{MAX_DOCUMENT_BYTES // 2**20} MB"
        )
    _refuse_binary(data)
    text = decode_html(data, content_type)
    if _MARKUP.search(text, 0, 65536):
        return Document("html", text)
    if len(data) > MAX_TEXT_BYTES:
        raise DocumentError(
            f"plain-text input is {len(data) / 2**20:.1f} MB; the cleaner accepts at most "
            f"{MAX_TEXT_BYTES // 1024} KB of text"
        )
    return Document("text", text)


def decode_html(data: bytes, content_type: str | None = None) -> str:
    """Decode a page's bytes as a browser would, except that valid UTF-8 is UTF-8.

    In order: a byte order mark; bytes that are valid UTF-8 (a page declared gb2312 or
    latin-1 but written in UTF-8 is UTF-8: legacy text is almost never valid UTF-8 by
    chance); the charset of ``content_type`` (the HTTP ``Content-Type`` header, e.g.
    ``text/html; charset=koi8-r``, or a bare label such as ``koi8-r``); the page's own
    ``<meta charset>`` or ``http-equiv`` declaration; for undeclared legacy bytes,
    charset-normalizer's guess. Labels resolve as WHATWG says (latin-1 is windows-1252,
    gb2312 is GBK) through w3lib, Scrapy's encoding library. A declared page with a few
    stray bytes keeps its declaration; they become U+FFFD.
    """
    if bom_encoding(data) is None and not data.isascii():
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError:
            pass
        content_type = _as_header(content_type)
        if http_content_type_encoding(content_type) is None:
            if _declared_encoding(data) is None:
                guess = charset_normalizer.from_bytes(data).best()
                if guess is not None:
                    return str(guess)
    header = _as_header(content_type)
    try:
        return html_to_unicode(header, data)[1]
    except BaseException as e:  # w3lib's prescan (Rust) panics on a page ending in "<meta"
        _reraise_unless_panic(e)
        return data.decode(http_content_type_encoding(header) or "utf-8", "replace")


def _declared_encoding(data: bytes) -> str | None:
    try:
        return html_body_declared_encoding(data)
    except BaseException as e:
        _reraise_unless_panic(e)
        return None


def _reraise_unless_panic(e: BaseException) -> None:
    """w3lib's encoding sniffing is Rust (frostwork): on some truncated markup it panics,
    and pyo3's ``PanicException`` derives from BaseException, not Exception. A hostile
    page must not take the crawl worker down: such a panic is caught where w3lib is
    called, and anything else goes on up."""
    if type(e).__name__ != "PanicException":
        raise e


def _as_header(content_type: str | None) -> str | None:
    """A bare charset label (``"koi8-r"``) as the header that would carry it."""
    if content_type and "=" not in content_type and "/" not in content_type:
        return f"text/html; charset={content_type.strip()}"
    return content_type


def _gunzip(data: bytes) -> bytes:
    """Decompress at most one byte past the size cap, so a gzip bomb costs nothing."""
    inflater = zlib.decompressobj(wbits=31)
    try:
        out = inflater.decompress(data, MAX_DOCUMENT_BYTES + 1)
    except zlib.error as exc:
        raise DocumentError(f"corrupt gzip data: {exc}") from None
    if len(out) > MAX_DOCUMENT_BYTES:
        raise DocumentError(
            f"gzipped input inflates past {MAX_DOCUMENT_BYTES // 2**20} MB; refused"
        )
    return out


def _refuse_binary(data: bytes) -> None:
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return
    for magic, name in _BINARY_MAGIC.items():
        if data.startswith(magic):
            raise DocumentError(f"binary input ({name}), expected HTML or text")
    head = data[:8192]
    controls = sum(head.count(bytes([c])) for c in (*range(0, 9), 11, 12, *range(14, 32)))
    if head and (b"\x00" in head or controls > len(head) // 100):
        raise DocumentError("binary input (control bytes), expected HTML or text")
