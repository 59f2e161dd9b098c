"""Each package's public surface is small and pinned (as httpx pins its __all__)."""

from __future__ import annotations

import importlib

import pytest

SURFACE = {
    "monitor.store": [
        "Store",
        "Outbox",
        "Alert",
        "ArticleRecord",
        "ChannelHealth",
        "ChannelState",
        "OutboxEntry",
        "SearchHit",
        "FAILING_STATES",
        "MARK_CLOSE",
        "MARK_OPEN",
        "LockHeld",
        "SearchError",
        "database_problem",
        "health_event_id",
        "pass_owner",
        "render_atom",
        "store_problem",
        "text_signature",
    ],  # fmt: skip
    "monitor.config": ["Config", "ConfigError", "load_config", "default_config", "parse_interval"],
    "monitor.cli": ["main", "config_option", "json_option", "open_config"],
    "monitor.netcheck": ["AddressRefused", "check_url", "check_address"],
    "monitor.fixture_site": ["FixtureSite", "Reply", "RequestRecord"],
}


@pytest.mark.parametrize("module", SURFACE)
def test_all_is_pinned(module: str) -> None:
    mod = importlib.import_module(module)
    assert sorted(mod.__all__) == sorted(SURFACE[module])
    for name in mod.__all__:
        assert hasattr(mod, name), f"{module}.{name} is in __all__ but missing"
