"""The store: one SQLite file (sqlite-utils, WAL) holding sources, articles, matches, outbox."""

from monitor.store.schema import open_database

__all__ = ["open_database"]
