"""The store: one SQLite file (sqlite-utils, WAL) holding sources, articles, matches, outbox.

``Store`` is its one face for the crawl's writer (``scraper/writer.py``) and the crawl's
reads; ``open_database`` opens the file for the CLI and the daemon.
"""

from monitor.store.schema import open_database
from monitor.store.store import Store

__all__ = ["Store", "open_database"]
