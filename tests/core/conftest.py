"""Make the shared test helpers (``tests/support``) importable (tests run with --import-mode=importlib)."""

from __future__ import annotations

import sys
from pathlib import Path

SUPPORT = Path(__file__).parent.parent / "support"
if str(SUPPORT) not in sys.path:
    sys.path.insert(0, str(SUPPORT))
