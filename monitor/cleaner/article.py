"""The cleaner's result, passed on to matching and storage."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["CleanedArticle", "PARAGRAPH_SEPARATOR"]

PARAGRAPH_SEPARATOR = "\n\n"


@dataclass(frozen=True)
class CleanedArticle:
    """One cleaned article.

    ``text`` is the article body only (no headline, byline or furniture), paragraphs
    separated by a blank line (``"\\n\\n"``); for plain-text input the original line
    breaks inside a paragraph are kept as ``"\\n"``. ``published`` is an ISO 8601 date
    (``2024-05-01``) or datetime; ``language`` a BCP 47 tag such as ``en`` or ``ru-RU``.
    Fields the page does not give are ``None``.
    """

    title: str | None
    text: str
    author: str | None = None
    published: str | None = None
    language: str | None = None
