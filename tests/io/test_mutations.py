"""Property-based damage of real files: only cardiokit errors may escape a reader.

Hypothesis truncates files, flips and overwrites bytes, and shuffles or drops header
lines of the real sample files of every format (tests/io/samples.py), then calls the
format's reader directly (not through ``cardiokit.read``, whose safety net would hide
a reader that leaks a raw exception).
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cardiokit import CardiokitError, Recording
from cardiokit._core.registry import formats

from ..conftest import SHARED_DATA
from ._mutate import apply_mutation, companions, copy_record, data_file
from .samples import SAMPLES


def _smallest_sample(fmt: str) -> Path | None:
    files = [SHARED_DATA / f for f in SAMPLES[fmt].get("files", [])]
    files = [f for f in files if f.exists()]
    if not files:
        return None
    return min(files, key=lambda f: sum(c.stat().st_size for c in companions(f)))


CASES = sorted(fmt for fmt in SAMPLES if SAMPLES[fmt].get("files"))

mutation = st.one_of(
    st.tuples(st.just("truncate"), st.floats(0, 1)),
    st.tuples(st.just("flip"), st.lists(st.tuples(st.floats(0, 1), st.integers(1, 255)), min_size=1, max_size=8)),
    st.tuples(st.just("head_flip"), st.lists(st.tuples(st.integers(0, 511), st.integers(1, 255)), min_size=1, max_size=6)),
    st.tuples(st.just("lines"), st.randoms(use_true_random=False)),
    st.tuples(st.just("insert"), st.floats(0, 1), st.binary(min_size=1, max_size=64)),
)


def _target(path: Path, m: tuple) -> Path:
    # header-type mutations hit the first (header) file, others the data file
    if m[0] in ("lines", "head_flip"):
        return path
    return data_file(path)


@pytest.mark.parametrize("fmt", CASES)
def test_damaged_files_raise_only_project_errors(fmt: str):
    path = _smallest_sample(fmt)
    if path is None:
        pytest.skip(f"no shared sample file for {fmt} (../shared/data absent)")
    spec = formats()[fmt]
    opts = SAMPLES[fmt].get("options", {})
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        main = copy_record(path, work)

        @settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck), database=None)
        @given(m=mutation)
        def run(m: tuple) -> None:
            copy_record(path, work)  # fresh copy every example
            victim = work / _target(path, m).name
            victim.write_bytes(apply_mutation(victim.read_bytes(), m))
            try:
                rec = spec.read(main, **opts)
            except CardiokitError:
                return
            assert isinstance(rec, Recording)

        run()
