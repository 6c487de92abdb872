"""Remote PPG: known rates on synthetic skin videos, a real AVI through the reader and
analyze, honest quality grades, and clear errors."""

from __future__ import annotations

import csv

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import cardiokit
from cardiokit import CardiokitError, Channel, Recording
from cardiokit.rppg import RPPG_METHODS, analyze_video, extract_pulse, pulse_rate, skin_mask
from tests.conftest import shared_path

from .synth import skin_video, video_recording


@pytest.mark.parametrize("method", list(RPPG_METHODS))
@pytest.mark.parametrize("hr", [48.0, 75.0, 130.0])
def test_known_rate_is_recovered(method: str, hr: float) -> None:
    rec = video_recording(skin_video(hr, seed=int(hr)), 30.0)
    res = analyze_video(rec, method=method)
    assert abs(res.heart_rate_bpm - hr) < 2.0
    assert res.grade == "good"
    assert 0.4 < res.skin_fraction < 0.6  # the skin square is (2/3)^2 of the frame


@settings(max_examples=15, deadline=None)
@given(hr=st.floats(45, 180), fps=st.sampled_from([15.0, 25.0, 30.0]), seed=st.integers(0, 10_000))
def test_pos_tracks_any_rate_and_frame_rate(hr: float, fps: float, seed: int) -> None:
    rec = video_recording(skin_video(hr, seconds=15.0, fps=fps, seed=seed, size=24), fps)
    res = analyze_video(rec)
    assert abs(res.heart_rate_bpm - hr) < 3.0


def test_chrominance_methods_cancel_illumination_that_fools_green() -> None:
    """Strong brightness flicker at 1.5 Hz (90 bpm) over a 60-bpm pulse: POS and CHROM keep the
    pulse because a pure intensity change lies outside their projection; GREEN follows the flicker."""
    n, fps = 600, 30.0
    t = np.arange(n) / fps
    frames = skin_video(60.0, seconds=20.0, fps=fps, illumination=0.0, noise=1.0).astype(np.float64)
    flicker = 1.0 + 0.03 * np.sin(2 * np.pi * 1.5 * t)
    frames = np.clip(frames * flicker[:, None, None, None], 0, 255).astype(np.uint8)
    rec = video_recording(frames, fps)
    assert abs(analyze_video(rec, method="pos").heart_rate_bpm - 60.0) < 2.0
    assert abs(analyze_video(rec, method="chrom").heart_rate_bpm - 60.0) < 2.0
    assert abs(analyze_video(rec, method="green").heart_rate_bpm - 90.0) < 2.0


def test_pure_noise_is_graded_unusable_and_not_used_as_heart_rate() -> None:
    rng = np.random.default_rng(3)
    frames = np.clip(150 + 3 * rng.standard_normal((450, 16, 16, 3)), 0, 255).astype(np.uint8)
    frames[..., 0] = 190  # skin-like colour so the mask keeps the pixels
    frames[..., 2] = np.clip(105 + 3 * rng.standard_normal((450, 16, 16)), 0, 255)
    rec = video_recording(frames, 30.0)
    res = analyze_video(rec)
    assert res.grade == "unusable"
    rep = cardiokit.analyze(rec)
    assert rep.rppg["quality"]["grade"] == "unusable"
    assert rep.measurements["heart_rate_bpm"] is None


def test_analyze_fills_rppg_block_and_heart_rate() -> None:
    rec = video_recording(skin_video(84.0, seed=5), 30.0)
    rep = cardiokit.analyze(rec)
    assert rep.ok, rep.errors
    assert rep.rppg["method"] == "pos" and rep.rppg["roi"] == "skin"
    assert abs(rep.measurements["heart_rate_bpm"] - 84.0) < 2.0
    assert len(rep.rppg["rate_series"]["bpm"]) == len(rep.rppg["rate_series"]["times_s"]) > 5
    doc = rep.to_dict()
    from cardiokit.report.schema import validate

    validate(doc)


def test_real_avi_through_reader_cli_and_json(tmp_path, monkeypatch) -> None:
    cv2 = pytest.importorskip("cv2")
    path = tmp_path / "face.avi"
    frames = skin_video(66.0, seconds=12.0, fps=20.0, size=64, seed=9)
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), 20.0, (64, 64))
    for f in frames:
        writer.write(cv2.cvtColor(f, cv2.COLOR_RGB2BGR))
    writer.release()
    from cardiokit.pipeline import analyze_file

    rep = analyze_file(path)
    assert rep.ok, rep.errors
    assert abs(rep.rppg["heart_rate_bpm"] - 66.0) < 2.0
    from tests.cli.test_analyze import run_cli

    out = tmp_path / "out.jsonl"
    assert run_cli(monkeypatch, "analyze", path, "--json", out, "--no-store") == 0
    import json

    doc = json.loads(out.read_text().splitlines()[0])
    assert abs(doc["measurements"]["heart_rate_bpm"] - 66.0) < 2.0
    assert doc["rppg"]["quality"]["grade"] in ("good", "acceptable")


def test_rgb_channels_without_frames_use_frame_means() -> None:
    frames = skin_video(100.0, seed=2, size=24)
    means = frames.reshape(frames.shape[0], -1, 3).mean(axis=1).astype(np.float32)
    rec = Recording(means, 30.0, tuple(Channel(f"video_{c}", "video", "a.u.") for c in "rgb"))
    res = analyze_video(rec)
    assert res.roi == "frame" and res.skin_fraction is None
    assert abs(res.heart_rate_bpm - 100.0) < 2.0


def test_pulse_rate_reports_snr_of_a_clean_sine() -> None:
    fs = 30.0
    t = np.arange(int(30 * fs)) / fs
    pr = pulse_rate(np.sin(2 * np.pi * 1.2 * t), fs)
    assert abs(pr.bpm - 72.0) < 0.5
    assert pr.snr_db > 20


def test_skin_mask_separates_skin_from_background() -> None:
    frame = np.zeros((4, 4, 3), np.uint8)
    frame[:2] = (190, 130, 105)  # skin
    frame[2:] = (60, 120, 200)  # blue shirt
    assert skin_mask(frame).tolist() == [[True] * 4] * 2 + [[False] * 4] * 2


@pytest.mark.parametrize(
    ("rgb", "fs", "match"),
    [
        (np.ones((300, 2)), 30.0, r"\(n, 3\)"),
        (np.ones((60, 3)), 30.0, "at least 5 s"),
        (np.ones((300, 3)), 5.0, "frame rate"),
        (np.full((300, 3), np.nan), 30.0, "NaN"),
        (np.zeros((300, 3)), 30.0, "black"),
    ],
)
def test_bad_input_gets_clear_project_errors(rgb, fs, match) -> None:
    with pytest.raises(CardiokitError, match=match):
        extract_pulse(rgb, fs)


def test_unknown_method_and_roi_are_named() -> None:
    rec = video_recording(skin_video(70.0, seconds=6.0, size=16), 30.0)
    with pytest.raises(CardiokitError, match="accepted: pos, chrom, green"):
        analyze_video(rec, method="ica")
    with pytest.raises(CardiokitError, match="accepted: skin, frame"):
        analyze_video(rec, roi="face")


def test_real_skin_clips_decode_into_skin_traces() -> None:
    """The shared clips are skin crops: most pixels pass the skin mask, the traces are
    finite and vary with the frames (a real signal, not a constant)."""
    roi = shared_path("rppg_bias_eval_roi")
    with open(roi / "ground_truth.csv", newline="") as fh:
        rows = list(csv.DictReader(fh))
    path = roi / rows[0]["files"].split(";")[1]  # a cheek clip
    res = analyze_video(cardiokit.read(path))
    assert res.rgb.shape == (480, 3)
    assert res.skin_fraction > 0.8
    assert np.all(res.rgb.std(axis=0) > 0.1)
    assert 42 <= res.heart_rate_bpm <= 240
