"""The project's Scrapy settings: nothing listens, and what is never used is never loaded."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

_ROOT = Path(__file__).resolve().parents[2]

# Run in a fresh interpreter: this test process may have imported anything already.
_PROBE = """
import json, sys
from scrapy.settings import Settings
from scrapy.utils.conf import build_component_list
settings = Settings()
settings.setmodule("scraper.settings", priority="project")
enabled = []
for key in ("EXTENSIONS", "DOWNLOADER_MIDDLEWARES", "SPIDER_MIDDLEWARES", "ITEM_PIPELINES"):
    # getwithbase imports every component named, as a crawl does when it starts
    enabled += build_component_list(settings.getwithbase(key))
heavy = ("aiohttp", "tldextract", "twisted.conch")
print(json.dumps({"enabled": enabled, "imported": [m for m in heavy if m in sys.modules]}))
"""


def test_no_listening_extension_and_no_unused_import_in_a_crawl() -> None:
    """Scrapy's Telnet console and RemoteControl server never run, and a crawl process does
    not even import them or the cookies middleware (aiohttp, twisted.conch, tldextract:
    ~0.25 CPU s and ~16 MB for each crawl process)."""
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(_ROOT), os.environ.get("PYTHONPATH", "")]),
    }
    out = subprocess.run(
        [sys.executable, "-c", _PROBE],
        env=env,
        cwd=_ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    probe = json.loads(out.stdout)
    assert not [
        c for c in probe["enabled"] if "telnet" in c or "remote_control" in c or "cookies" in c
    ]
    assert "scraper.throttle.ConditionalAutoThrottle" in probe["enabled"]
    assert "scraper.writer.WriterPipeline" in probe["enabled"]
    assert probe["imported"] == []
