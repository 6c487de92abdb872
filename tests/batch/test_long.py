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
from tests.conftest import shared_path


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


def test_holter_summary_has_rhythm_minutes_af_burden_and_pauses(holter: tuple) -> None:
    d, _, _ = holter
    s = analyze_long(d / "h.ecg", chunk_s=60, overlap_s=5)
    assert s.rhythm_per_chunk == ("normal", "normal", "normal")
    assert s.rhythm_minutes == {"normal": 3.0}
    assert s.af_burden_pct == 0.0
    assert s.pauses["count"] == 0 and s.pauses["longest_s"] is None


def test_pauses_are_found_where_the_heart_stops(tmp_path: Path) -> None:
    """A 3-s asystole (flat line) between two stretches of sinus rhythm is one pause of ~3.5 s."""
    from cardiokit import Recording

    a = simulate_ecg(duration_s=30, fs_hz=200, leads=["II"], heart_rate_bpm=70, seed=4)
    x = a.signals[:, 0]
    flat = np.full(600, float(np.median(x)), np.float32)
    sig = np.concatenate([x, flat, x])[:, None]
    rec = Recording(sig, 200.0, a.channels)
    io.write(rec, tmp_path / "p.ecg")
    s = analyze_long(tmp_path / "p.ecg", chunk_s=40, overlap_s=5)
    assert s.pauses["count"] == 1
    assert 3.0 < s.pauses["longest_s"] < 4.8
    assert 29.0 < s.pauses["events"][0]["start_s"] < 30.5
    # the flat line makes its 5-s segment unusable: the pause is still reported, flagged so a
    # reader checks the trace (asystole or a lead off)
    assert s.pauses["events"][0]["unusable"] is True and s.n_beats_unusable >= 1
    assert s.pauses["events"][0]["qrs_like_inside"] == 0  # asystole: nothing shaped like a beat
    from cardiokit.report.holter import summary_rows

    assert dict(summary_rows(s.to_dict()))["pauses > 2 s"].endswith(
        "1 bounded by an unusable stretch: check the trace")


def test_af_burden_counts_only_classified_time() -> None:
    from cardiokit.batch.long import _af_burden

    assert _af_burden({"af": 600.0, "normal": 1800.0, "unclassified": 300.0}) == 25.0
    assert _af_burden({"unclassified": 300.0}) is None


def test_holter_cli_prints_summary_writes_json_and_trend_plot(holter: tuple, tmp_path: Path, monkeypatch) -> None:
    import json

    from tests.cli.test_analyze import run_cli

    d, _, _ = holter
    out = tmp_path / "h.jsonl"
    assert run_cli(monkeypatch, "holter", d / "h.ecg", "--chunk-s", "60", "--json", out, "--out", tmp_path) == 0
    doc = json.loads(out.read_text())
    assert doc["n_beats"] > 200 and doc["rhythm_minutes"] == {"normal": 3.0}
    png = tmp_path / "h.holter.png"
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    bad = tmp_path / "missing.ecg"
    assert run_cli(monkeypatch, "holter", bad, "--json", out) == 1
    assert json.loads(out.read_text())["errors"][0]["stage"] == "holter"


def test_batch_worker_sends_long_recordings_through_the_chunked_path(holter: tuple, tmp_path: Path) -> None:
    """Above ``long_s`` a streamable file is summarised in chunks and stored with its Holter
    summary; below it the usual whole-file analysis runs."""
    from cardiokit.batch import analyze_for_store
    from cardiokit.report.schema import validate
    from cardiokit.store import Store

    d, _, truth = holter
    rep = analyze_for_store(str(d / "h.ecg"), "a" * 64, long_s=60)
    assert rep.ok, rep.errors
    assert rep.holter is not None and rep.holter["n_chunks"] == 1  # default 300-s chunks
    assert rep.holter["n_beats"] == len(rep.beats) == len(truth)
    assert rep.rhythm.label == "normal" and 70 < rep.measurements["heart_rate_bpm"] < 80
    assert rep.recording.duration_s == 180.0 and rep.recording.format == "ishne"
    validate(rep.to_dict())
    with Store(tmp_path / "s.duckdb") as st:
        st.put(rep)
        _, rows = st.query("SELECT n_beats, rhythm_label, duration_s FROM analyses WHERE id = ?", ["a" * 64])
        assert rows == [(len(truth), "normal", 180.0)]
        _, n = st.query("SELECT count(*) FROM beats WHERE analysis_id = ?", ["a" * 64])
        assert n[0][0] == len(truth)
    short = analyze_for_store(str(d / "h.ecg"), "b" * 64)  # 180 s < 1 h: whole-file analysis
    assert short.holter is None and short.delineation is not None


def test_batch_long_s_is_validated() -> None:
    from cardiokit import InvalidArgumentError
    from cardiokit.batch import run_batch

    with pytest.raises(InvalidArgumentError, match="long_s"):
        run_batch([], "unused.duckdb", long_s=-5)


def test_analyze_cli_summarises_long_recordings_in_chunks(holter: tuple, tmp_path: Path, monkeypatch) -> None:
    import json

    from tests.cli.test_analyze import run_cli

    d, _, truth = holter
    out = tmp_path / "a.jsonl"
    code = run_cli(monkeypatch, "analyze", d / "h.ecg", "--long-s", "60", "--json", out, "--out", tmp_path / "r",
                   "--fhir", tmp_path / "f", "--no-store")
    assert code == 0
    doc = json.loads(out.read_text())
    assert doc["holter"]["n_beats"] == len(truth) and doc["rhythm"]["label"] == "normal"
    assert (tmp_path / "r" / "h.holter.png").read_bytes()[:4] == b"\x89PNG"
    # the report of a Holter recording is its summary page (HTML and PDF), not ECG paper
    page = (tmp_path / "r" / "h.ecg.html").read_text()
    assert "Holter ECG report" in page and f"<td class='num'>{len(truth)}</td>" in page
    assert (tmp_path / "r" / "h.ecg.pdf").read_bytes()[:5] == b"%PDF-"
    assert list((tmp_path / "f").iterdir())


def test_long_recording_without_ecg_is_analysed_whole_not_as_holter(tmp_path: Path, monkeypatch) -> None:
    """A 2-min PPG-only EDF over --long-s: a Holter summary would be empty (it is an ECG summary),
    so the PPG analysis runs on the whole file; `cardiokit holter` on heart sounds is a clear error."""
    import json

    from cardiokit._core.recording import Channel, Recording
    from tests.cli.test_analyze import run_cli
    from tests.ppg.synth import synth_ppg

    x = synth_ppg(fs=125.0, duration_s=120.0, hr_bpm=75.0)
    x = np.asarray(x[0], np.float32).reshape(-1, 1)
    io.write(Recording(x, 125.0, (Channel("PLETH", "ppg", ""),)), tmp_path / "p.edf")
    out = tmp_path / "p.jsonl"
    assert run_cli(monkeypatch, "analyze", tmp_path / "p.edf", "--long-s", "60", "--json", out, "--no-store") == 0
    doc = json.loads(out.read_text().splitlines()[0])
    assert doc["holter"] is None and abs(doc["ppg"]["heart_rate_bpm"] - 75.0) < 3
    wav = shared_path("pcg_physionet2016", "training-e", "e00176.wav")
    assert run_cli(monkeypatch, "holter", wav) == 1


def test_unusable_stretch_is_left_out_of_the_hr_trend_and_hrv(tmp_path: Path) -> None:
    """30 s of strong muscle noise (nstdb ma, 60-90 s) in a 3-min single-lead
    Holter: its beats are counted but kept out of the minute's rate and the HRV (measured
    2026-11-25: before, minute 1 read 79.6 bpm and SDNN 95 ms against 75.1 bpm and 42.7 ms clean)."""
    import wfdb
    from scipy.signal import resample_poly

    from tests.conftest import shared_path

    ma = resample_poly(wfdb.rdrecord(str(shared_path("nstdb", "ma.hea"))[:-4]).p_signal[:, 0], 5, 9)  # 360 -> 200 Hz
    rec = simulate_ecg(duration_s=180, fs_hz=200, leads=["II"], heart_rate_bpm=75, hrv=40.0, seed=11)
    rec = rec.replace(annotations=())
    x = rec.signals[:, 0].astype(np.float64)
    seg = ma[50_000:56_000]
    x[12000:18000] += seg / seg.std() * x.std() * 6.0
    io.write(rec, tmp_path / "clean.ecg")
    io.write(rec.replace(signals=x[:, None].astype(np.float32)), tmp_path / "noisy.ecg")
    clean = analyze_long(tmp_path / "clean.ecg", chunk_s=60, overlap_s=5)
    noisy = analyze_long(tmp_path / "noisy.ecg", chunk_s=60, overlap_s=5)
    assert clean.n_beats_unusable == 0 and noisy.n_beats_unusable >= 30
    from cardiokit.report.holter import summary_rows

    beats_row = dict(summary_rows(noisy.to_dict()))["beats"]
    assert beats_row == f"{noisy.n_beats} ({noisy.n_beats_unusable} in unusable stretches: not in the HR or HRV)"
    assert dict(summary_rows(clean.to_dict()))["beats"] == str(clean.n_beats)
    assert noisy.to_dict()["n_beats_unusable"] == noisy.n_beats_unusable
    assert noisy.hr_trend[1]["hr_bpm"] == pytest.approx(clean.hr_trend[1]["hr_bpm"], abs=1.0)
    assert noisy.hrv["sdnn_ms"] == pytest.approx(clean.hrv["sdnn_ms"], rel=0.1)
    assert noisy.hrv["n_nn"] < clean.hrv["n_nn"] - 25


def test_av_block_episodes_are_found_in_their_minute(tmp_path: Path) -> None:
    """3 min of 12-lead ECG, the middle minute a Wenckebach (Mobitz I) block: the Holter
    summary lists it as episodes inside that minute, and nothing in the sinus minutes."""
    sinus = simulate_ecg(duration_s=60, heart_rate_bpm=70, seed=21, noise_snr_db=25)
    block = simulate_ecg(duration_s=60, heart_rate_bpm=55, seed=22, noise_snr_db=25, av_block="mobitz1")
    after = simulate_ecg(duration_s=60, heart_rate_bpm=65, seed=23, noise_snr_db=25)
    rec = sinus.replace(signals=np.concatenate([sinus.signals, block.signals, after.signals]), annotations=())
    io.write(rec, tmp_path / "avb.hea")
    s = analyze_long(tmp_path / "avb.hea", chunk_s=60, overlap_s=5)
    eps = s.to_dict()["av_block_episodes"]
    assert eps and {e["av_block"] for e in eps} == {"mobitz1"}
    assert all(55.0 <= e["start_s"] < e["stop_s"] <= 125.0 for e in eps)
    assert sum(e["stop_s"] - e["start_s"] for e in eps) >= 40.0
    from cardiokit.report.holter import summary_rows

    assert dict(summary_rows(s.to_dict()))["AV block II-III (10-s windows)"].startswith("Mobitz I ")


def test_a_pause_of_missed_small_beats_is_flagged(tmp_path: Path) -> None:
    """MIT-BIH 208 (30 min): after a large PVC the detector misses three small beats at 209.5-210.6 s
    and reports a 2.2-s pause in a usable stretch; the pause says it holds QRS-like complexes and
    the summary asks for the trace to be checked (the reference has no pause there)."""
    s = analyze_long(shared_path("mitdb", "208.hea"), chunk_s=300)
    ev = [e for e in s.pauses["events"] if 208.5 < e["start_s"] < 209.5]
    assert len(ev) == 1 and not ev[0]["unusable"] and ev[0]["qrs_like_inside"] >= 1
    from cardiokit.report.holter import summary_rows

    assert "with QRS-like complexes inside: check the trace" in dict(summary_rows(s.to_dict()))["pauses > 2 s"]
