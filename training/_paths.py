"""Where the training scripts find the shared data: ``CARDIOKIT_SHARED_DATA`` (as the tests and
benchmarks), ``CARDIOKIT_SHARED`` (the older name) or ../shared/data beside the repository."""

from __future__ import annotations

import os
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = Path(os.environ.get("CARDIOKIT_SHARED_DATA") or os.environ.get("CARDIOKIT_SHARED")
                   or REPO.parent / "shared" / "data")
