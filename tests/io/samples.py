"""Sample files for the shared reader conformance test (tests/io/test_conformance.py).

One entry per registered format: real files from ../shared/data (paths relative to it)
and/or ``synthetic`` — True when the format has a writer, so the conformance test also
writes a generated recording and reads it back. ``atol`` is the round-trip tolerance in
physical units (quantisation of the format); ``options`` are passed to ``read``.
Each format module's author adds its entry here.
"""

from __future__ import annotations

SAMPLES: dict[str, dict] = {
    # "wfdb": {"files": ["mitdb/100.hea"], "synthetic": True, "atol": 1e-3, "options": {}},
}
