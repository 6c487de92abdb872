"""One conformance test every reader and writer must pass (MNE-Python keeps the same).

For every registered format: each sample file in ``samples.SAMPLES`` is detected as
that format, reads into a valid Recording deterministically, and damaged copies raise
only cardiokit errors; formats with a writer round-trip a generated recording within
their quantisation tolerance.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import cardiokit
from cardiokit import CardiokitError, MissingFileError, Recording
from cardiokit._core.registry import formats
from cardiokit.io import _FORMAT_MODULES, detect_format

from ..conftest import SHARED_DATA, shared_path
from ._mutate import copy_record, data_file, synthetic_recording
from .samples import SAMPLES

FILE_CASES = [(fmt, f) for fmt, cfg in sorted(SAMPLES.items()) for f in cfg.get("files", [])]
WRITE_CASES = sorted(fmt for fmt, cfg in SAMPLES.items() if cfg.get("synthetic"))


def test_every_format_module_registers_and_has_conformance_samples():
    registered = formats()
    assert len(registered) >= len(_FORMAT_MODULES)
    missing = sorted(set(registered) - set(SAMPLES))
    assert not missing, f"formats without conformance samples in tests/io/samples.py: {missing}"
    for name, spec in registered.items():
        assert spec.read is not None or spec.write is not None, name
        assert all(e.startswith(".") and e == e.lower() for e in spec.extensions), name
        if spec.write is not None:
            assert SAMPLES[name].get("synthetic"), f"{name} has a writer but no round-trip case"


def _check_valid(rec: Recording, fmt: str, path: Path) -> None:
    assert isinstance(rec, Recording)
    assert rec.signals.dtype == np.float32 and rec.signals.ndim == 2
    assert rec.n_samples > 0 and rec.n_channels == len(rec.channels) > 0
    assert np.isfinite(rec.signals).all()
    assert rec.fs > 0
    assert rec.meta.get("format") == fmt
    assert rec.meta.get("source") == str(path)
    for a in rec.annotations:
        assert len(a) == 0 or (a.sample.min() >= 0), f"negative annotation sample in {a.name}"


@pytest.mark.parametrize(("fmt", "rel"), FILE_CASES, ids=[f"{f}:{r}" for f, r in FILE_CASES])
def test_reader_conformance_on_real_file(fmt: str, rel: str, tmp_path: Path):
    path = shared_path(*rel.split("/"))
    opts = SAMPLES[fmt].get("options", {})
    assert detect_format(path).name == fmt
    rec = cardiokit.read(path, **opts)
    _check_valid(rec, fmt, path)
    assert rec == cardiokit.read(path, **opts), "reading twice must give the same recording"

    spec = formats()[fmt]
    # damaged copies: only project errors (or a valid shorter recording) may come out
    for frac in (0.0, 0.03, 0.5, 0.97):
        work = tmp_path / f"cut{frac}"
        main = copy_record(path, work)
        victim = work / data_file(path).name
        raw = victim.read_bytes()
        victim.write_bytes(raw[: int(len(raw) * frac)])
        try:
            out = spec.read(main, **opts)
        except CardiokitError:
            continue
        _check_valid(out, fmt, main)
    with pytest.raises(MissingFileError):
        cardiokit.read(tmp_path / ("nothing" + Path(rel).suffix), **opts)


@pytest.mark.parametrize("fmt", WRITE_CASES)
def test_writer_round_trip(fmt: str, tmp_path: Path):
    cfg = SAMPLES[fmt]
    rec = synthetic_recording(cfg["synthetic"])
    spec = formats()[fmt]
    out = tmp_path / f"roundtrip{spec.extensions[0]}"
    written = cardiokit.write(rec, out, format=fmt)
    assert written and all(p.exists() for p in written)
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".cardiokit-")], "temp dir left"
    back = cardiokit.read(out, format=fmt, **cfg.get("options", {}))
    assert back.n_channels == rec.n_channels
    assert back.channel_names == rec.channel_names
    assert back.fs == pytest.approx(rec.fs, rel=1e-6)
    assert back.n_samples == rec.n_samples
    np.testing.assert_allclose(back.signals, rec.signals, atol=cfg.get("atol", 1e-3), rtol=0)


def test_shared_data_location_is_documented():
    # the test suite reads ../shared/data; this only asserts the constant is sane
    assert SHARED_DATA.name == "data"
