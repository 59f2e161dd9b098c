"""The daemon's log: one line per event, with the source and the counts as fields.

``log_event(logger, "source_failed", source="BBC", error="HTTP 503", failures=2)`` writes

    2026-05-01T10:00:00Z WARNING source_failed source="BBC" error="HTTP 503" failures=2

with ``--log-format text``, and one JSON object per line with ``--log-format json``:
``{"ts": "…", "level": "warning", "event": "source_failed", "source": "BBC", …}``.

A crawl is summed up in one human line (``log_crawl``)::

    2026-05-01T10:00:00Z INFO polled 8 sources: 7 unchanged, 1 new article, 1 match, 1 alert queued

its counters follow as ``key=value`` fields with ``--log-level debug``, and are always in
the JSON object (``"event": "crawl_done"``, ``"message"``: the sentence).
"""

from __future__ import annotations

import json
import logging
import sys
import time
from typing import Any, TextIO

__all__ = ["log_crawl", "log_event", "setup_logging", "EventFormatter", "JsonFormatter"]

LOGGER_NAME = "newshound"


def log_event(logger: logging.Logger, event: str, level: int = logging.INFO, **fields: Any) -> None:
    """Log one event with its fields (None values are left out)."""
    if logger.isEnabledFor(level):
        fields = {k: v for k, v in fields.items() if v is not None}
        logger.log(level, event, extra={"newshound_fields": fields})


def log_crawl(logger: logging.Logger, level: int = logging.INFO, **fields: Any) -> None:
    """The ``crawl_done`` event: a sentence from its counters (``sources``,
    ``source_unchanged``, ``source_failed``, ``store_stored``, ``match_matched``,
    ``alerts_queued``, ``alerts_held_back``), the counters as fields shown at DEBUG."""
    if logger.isEnabledFor(level):
        fields = {k: v for k, v in fields.items() if v is not None}
        extra = {"newshound_fields": fields, "newshound_event": "crawl_done"}
        logger.log(level, crawl_summary(fields), extra=extra)


def _count(n: int, one: str, many: str | None = None) -> str:
    return f"{n} {one if n == 1 else many or one + 's'}"


def crawl_summary(counts: dict[str, Any]) -> str:
    """``polled 8 sources: 7 unchanged, 1 new article, 1 match, 1 alert queued``."""
    parts = []
    for key, one, many in (
        ("source_unchanged", "unchanged", "unchanged"), ("source_failed", "failed", "failed"),
        ("store_stored", "new article", None), ("match_matched", "match", "matches"),
        ("alerts_queued", "alert queued", "alerts queued"),
        ("alerts_held_back", "match not alerted (older than max_age)",
         "matches not alerted (older than max_age)"),
    ):  # fmt: skip
        if counts.get(key):
            parts.append(_count(int(counts[key]), one, many))
    return f"polled {_count(int(counts.get('sources', 0)), 'source')}: " + (
        ", ".join(parts) or "nothing new"
    )


def _timestamp(record: logging.LogRecord) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(record.created))


def _text_value(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.3f}".rstrip("0").rstrip(".")
    if isinstance(value, int | bool):
        return str(value).lower() if isinstance(value, bool) else str(value)
    text = str(value)
    if not text or any(c in text for c in ' ="\n\t'):
        return json.dumps(text, ensure_ascii=False)
    return text


def _debugging(record: logging.LogRecord) -> bool:
    return logging.getLogger(record.name).isEnabledFor(logging.DEBUG)


class EventFormatter(logging.Formatter):
    """``<time> <LEVEL> <event> key=value …``: for people and journald."""

    def format(self, record: logging.LogRecord) -> str:
        fields: dict[str, Any] = getattr(record, "newshound_fields", {})
        parts = [_timestamp(record), record.levelname, record.getMessage()]
        # A summed-up event (log_crawl) shows its counters only when debugging.
        if not hasattr(record, "newshound_event") or _debugging(record):
            parts += [f"{k}={_text_value(v)}" for k, v in fields.items()]
        line = " ".join(parts)
        if record.exc_info:
            line += "\n" + self.formatException(record.exc_info)
        return line


class JsonFormatter(logging.Formatter):
    """One JSON object per line: ``ts``, ``level``, ``event`` and the event's fields."""

    def format(self, record: logging.LogRecord) -> str:
        out: dict[str, Any] = {
            "ts": _timestamp(record),
            "level": record.levelname.lower(),
            "event": getattr(record, "newshound_event", None) or record.getMessage(),
        }
        if hasattr(record, "newshound_event"):
            out["message"] = record.getMessage()
        out.update(getattr(record, "newshound_fields", {}))
        if record.exc_info:
            out["exception"] = self.formatException(record.exc_info)
        return json.dumps(out, ensure_ascii=False, default=str)


def setup_logging(fmt: str = "text", level: str = "info", stream: TextIO | None = None) -> None:
    """Send the ``newshound`` loggers to ``stream`` (stderr) in the chosen format."""
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(JsonFormatter() if fmt == "json" else EventFormatter())
    # The library's own loggers ("monitor.alerts.email", say) write in the same format.
    for name in (LOGGER_NAME, "monitor"):
        logger = logging.getLogger(name)
        logger.handlers[:] = [handler]
        logger.setLevel(level.upper())
        logger.propagate = False
