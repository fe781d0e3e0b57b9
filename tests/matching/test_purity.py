"""matching/ stays pure: importing all of it loads neither Flask nor SQLAlchemy."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

CHECK = """
import sys
import matching, matching.cli, matching.graph, matching.allocation, matching.verify
import matching.suggest, matching.flow, matching.index, matching.scoring, matching.explain
loaded = sorted(m for m in sys.modules if m.split(".")[0] in {"flask", "sqlalchemy", "funding"})
print(",".join(loaded) or "clean")
"""


def test_importing_matching_loads_no_web_or_database_code():
    done = subprocess.run(
        [sys.executable, "-c", CHECK], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert done.stdout.strip() == "clean"
