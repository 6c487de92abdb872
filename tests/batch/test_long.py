"""Chunked reading of long recordings and the stitched Holter summary."""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pytest

from cardiokit import analyze, io
from cardiokit.batch import analyze_long, stitch_beats
from cardiokit.io.chunks import chunk_source, iter_chunks
from cardiokit.sim import simulate_ecg


@pytest.fixture(scope="module")
def holter(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, object, np.ndarray]:
    rec = simulate_ecg(duration_s=180, fs_hz=200, leads=["II", "V5"], heart_rate_bpm=75, hrv=40.0, seed=11)
    truth = rec.annotation("truth").where("N").sample
    rec = rec.replace(annotations=())
    d = tmp_path_factory.mktemp("holter")
    for ext in ("ecg", "edf", "hea"):
        io.write(rec, d / f"h.{ext}")
    return d, rec, truth


@pytest.mark.parametrize(("ext", "fmt"), [("ecg", "ishne"), ("edf", "edf"), ("hea", "wfdb")])
def test_chunk_cores_tile_the_file_exactly(holter: tuple, ext: str, fmt: str) -> None:
    d, _, _ = holter
    path = d / f"h.{ext}"
    full = io.read(path).signals
    src = chunk_source(path)
    assert (src.format, src.streaming, src.n_samples) == (fmt, True, full.shape[0])
    chunks = list(iter_chunks(path, chunk_s=50, overlap_s=4))
    assert [c.index for c in chunks] == [0, 1, 2, 3]
    assert chunks[0].core_start == 0 and chunks[-1].core_stop == full.shape[0]
    for a, b in itertools.pairwise(chunks):
        assert a.core_stop == b.core_start and b.start == b.core_start - 800 and a.stop == a.core_stop + 800
    for c in chunks:
        assert np.array_equal(c.recording.signals, full[c.start:c.stop])


def test_other_formats_are_read_whole_and_cropped(tmp_path: Path) -> None:
    rec = simulate_ecg(duration_s=20, fs_hz=100, leads="1", seed=2).replace(annotations=())
    io.write(rec, tmp_path / "x.csv")
    src = chunk_source(tmp_path / "x.csv")
    assert not src.streaming
    chunks = list(iter_chunks(src, chunk_s=7, overlap_s=1))
    assert [(c.core_start, c.core_stop) for c in chunks] == [(0, 700), (700, 1400), (1400, 2000)]


@pytest.mark.parametrize("bad", [{"chunk_s": 0.5}, {"overlap_s": -1}, {"chunk_s": 10, "overlap_s": 20},
                                 {"chunk_s": float("nan")}])
def test_chunk_options_are_validated(holter: tuple, bad: dict) -> None:
    from cardiokit import InvalidArgumentError

    with pytest.raises(InvalidArgumentError):
        next(iter_chunks(holter[0] / "h.ecg", **bad))


def test_stitched_beats_equal_whole_record_beats_without_duplicates(holter: tuple) -> None:
    d, rec, truth = holter
    s = analyze_long(d / "h.ecg", chunk_s=40, overlap_s=5)  # borders at 40, 80, 120, 160 s
    whole = analyze(rec).beats.samples
    assert s.n_chunks == 5 and s.streaming and not s.errors
    assert s.n_beats == len(s.beats) == len(whole) == len(truth)
    assert np.min(np.diff(s.beats)) > 0.25 * 200
    assert np.max(np.abs(s.beats - whole)) <= 2  # same beats, at most 10 ms apart
    assert np.max(np.abs(s.beats - truth)) <= 0.05 * 200
    for border in (40, 80, 120, 160):  # beats right at the borders are kept once
        near = s.beats[np.abs(s.beats - border * 200) < 400]
        assert near.size >= 1


def test_holter_summary_trend_hrv_and_measurements(holter: tuple) -> None:
    d, rec, _ = holter
    s = analyze_long(d / "h.hea", chunk_s=60, overlap_s=5)
    doc = s.to_dict()
    assert s.to_json()  # JSON-ready
    assert len(doc["hr_trend"]) == 3 and sum(m["n_beats"] for m in doc["hr_trend"]) == s.n_beats
    assert all(70 < m["hr_bpm"] < 80 for m in doc["hr_trend"])
    assert 70 < doc["heart_rate"]["mean_bpm"] < 80
    assert 25 < doc["hrv"]["sdnn_ms"] < 60 and doc["hrv"]["rmssd_ms"] > 0
    assert doc["hrv"]["n_nn"] >= s.n_beats - 5
    truth = rec.meta["truth"]
    assert abs(doc["measurements"]["qrs_ms"] - truth["qrs_ms"]) < 20
    assert doc["quality"] == {"good": 3}


def test_stitch_drops_border_duplicates_only() -> None:
    parts = [np.array([100, 300, 499]), np.array([500, 700]), np.array([]), np.array([900])]
    out = stitch_beats(parts, fs=1000.0, refractory_s=0.05)
    assert out.tolist() == [100, 300, 499, 700, 900]
    assert stitch_beats([], fs=1.0).size == 0
