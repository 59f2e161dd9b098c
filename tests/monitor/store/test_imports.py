"""What opening the store costs a process: sqlite-utils without numpy."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

_ROOT = Path(__file__).resolve().parents[3]

_PROBE = """
import json, sys
from pathlib import Path
from monitor.store import open_database
before = "numpy" in sys.modules
db = open_database(Path(sys.argv[1]))
db["notes"].insert({"id": 1, "text": "Putin met Xi"}, pk="id")
from monitor.store.duplicates import text_signature
signature = text_signature("Putin met Xi in Beijing on Tuesday, the Kremlin said. " * 6)
print(json.dumps({"numpy_before": before, "rows": db["notes"].count,
                  "signature": None if signature is None else len(signature)}))
db.close()
"""


def test_the_store_opens_without_numpy_and_signatures_still_work(tmp_path: Path) -> None:
    """The daemon and the CLI open the store without importing numpy; a process that
    needs the near-duplicate signature still gets it."""
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(_ROOT), os.environ.get("PYTHONPATH", "")]),
    }
    out = subprocess.run(
        [sys.executable, "-c", _PROBE, str(tmp_path / "news.db")],
        env=env, cwd=_ROOT, capture_output=True, text=True, check=True,
    )  # fmt: skip
    assert json.loads(out.stdout) == {"numpy_before": False, "rows": 1, "signature": 128}
