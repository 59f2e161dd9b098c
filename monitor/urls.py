"""URL canonicalisation, for the parsers that need it without a database.

The functions live in ``monitor/store/canonical.py`` for now (being rewritten under issue
#23.2); code outside ``monitor/store/`` imports them from here, so the crawl's modules do
not import the store package (issue #18: one writer).
"""

from monitor.store.canonical import (
    canonicalize_url,
    page_canonical,
    same_site,
    url_host,
    url_key,
)

__all__ = ["canonicalize_url", "page_canonical", "same_site", "url_host", "url_key"]
