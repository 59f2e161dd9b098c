"""The web UI (`newshound serve`): Datasette over the store, newshound's pages on top."""

from monitor.web.app import WebError, build_datasette, check_bind

__all__ = ["build_datasette", "check_bind", "WebError"]
