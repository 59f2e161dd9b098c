"""The cleaner: an HTML page or plain text in, the article's text and metadata out.

Stages, each a module with its own tests: ``document`` (sniff and decode bytes: BOM,
valid UTF-8, the HTTP header's charset, ``<meta charset>``, a guess), ``teasers``
(related-story runs removed from the page tree by shape), ``extract`` (trafilatura, with
its balanced mode as a second opinion on short results), ``structure`` (by element),
``boilerplate`` (page furniture by phrase, shape and position), ``line_model`` (a
learned second opinion that keeps article lines the rules drop at the edges),
``site_lines`` (lines a site repeats on many pages). ``pipeline`` runs them.
"""

from monitor.cleaner.article import CleanedArticle
from monitor.cleaner.pipeline import clean_document, clean_html, clean_text

__all__ = ["CleanedArticle", "clean_html", "clean_text", "clean_document"]
