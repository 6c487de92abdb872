"""Video reader: the shared rPPG skin-ROI clips (bias-eval-rppg), synthetic pulsing videos in
several containers, the lazy frame source, and damaged files raising project errors."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest

import cardiokit
from cardiokit import CardiokitError, CorruptFileError, InvalidArgumentError, MissingFileError
from cardiokit.io import detect_format
from cardiokit.io.video import VideoFrames, read_video

from ..conftest import shared_path

cv2 = pytest.importorskip("cv2")


def _pulsing_video(path: Path, fourcc: str, *, fps: float = 30.0, n: int = 300, hz: float = 1.2) -> None:
    """A grey frame with a skin-coloured patch whose green level pulses at ``hz``."""
    w = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*fourcc), fps, (64, 48))
    assert w.isOpened(), f"OpenCV cannot write {fourcc} {path.suffix}"
    for i in range(n):
        frame = np.full((48, 64, 3), 90, np.uint8)  # BGR
        frame[12:36, 16:48] = (120, round(150 + 6 * np.sin(2 * np.pi * hz * i / fps)), 200)
        w.write(frame)
    w.release()


def _dominant_hz(x: np.ndarray, fs: float) -> float:
    x = x - x.mean()
    spec = np.abs(np.fft.rfft(x * np.hanning(x.size), n=8 * x.size))
    f = np.fft.rfftfreq(8 * x.size, 1 / fs)
    return float(f[np.argmax(spec)])


@pytest.mark.parametrize(("fourcc", "ext"), [("MJPG", ".avi"), ("mp4v", ".mp4"), ("mp4v", ".mov"), ("MJPG", ".mkv")])
def test_synthetic_pulse_is_found_in_green_mean(fourcc: str, ext: str, tmp_path: Path):
    path = tmp_path / f"pulse{ext}"
    _pulsing_video(path, fourcc)
    assert detect_format(path).name == "video"
    rec = cardiokit.read(path)
    assert rec.channel_names == ("video_r", "video_g", "video_b")
    assert all(c.kind == "video" and c.unit == "a.u." for c in rec.channels)
    assert rec.fs == 30.0 and rec.n_samples == 300
    g = rec.signals[:, 1].astype(np.float64)
    assert _dominant_hz(g, rec.fs) == pytest.approx(1.2, abs=0.05)
    # patch covers 1/4 of the frame: mean green swings by about 6/4 = 1.5 around 0.75*90 + 0.25*150
    assert g.mean() == pytest.approx(105.0, abs=2.0)
    assert 1.2 < (g.max() - g.min()) / 2 < 1.8
    assert rec.signals[:, 0].std() < 0.5 and rec.signals[:, 2].std() < 0.5  # R and B do not pulse
    # lossy YUV 4:2:0 codecs shift colours a little; BGR order would give 0.75*90 + 0.25*120 = 97.5
    assert rec.signals[:, 0].mean() == pytest.approx(0.75 * 90 + 0.25 * 200, abs=5.0)
    assert rec.meta["n_frames"] == 300 and rec.meta["frame_shape"] == (48, 64, 3)


def test_real_roi_clip_values_and_lazy_frames():
    path = shared_path("rppg_bias_eval_roi", "India", "video10_rightcheek.avi")
    rec = cardiokit.read(path)
    assert rec.fs == 15.0 and rec.n_samples == 412 and rec.duration_s == pytest.approx(27.47, abs=0.01)
    assert rec.meta["format"] == "video" and rec.meta["source"] == str(path) and rec.meta["codec"] == "FMP4"
    np.testing.assert_allclose(rec.signals.mean(axis=0), [43.83, 13.76, 10.66], atol=0.3)  # reddish dark cheek crop
    frames = rec.frames
    assert isinstance(frames, VideoFrames)
    assert (frames.fps, frames.n_frames, frames.shape, len(frames)) == (15.0, 412, (200, 200, 3), 412)
    block = frames.read(10, 13)
    assert block.shape == (3, 200, 200, 3) and block.dtype == np.uint8
    np.testing.assert_array_equal(block, frames[10:13])
    np.testing.assert_array_equal(block[1], frames[11])
    first = [f for _, f in zip(range(12), frames, strict=False)]
    np.testing.assert_array_equal(first[10], block[0])
    # the signal is the spatial RGB mean of each frame
    np.testing.assert_allclose(block.reshape(3, -1, 3).mean(axis=1), rec.signals[10:13], atol=1e-3)
    np.testing.assert_array_equal(frames[-1], frames.read(411, 412)[0])
    assert sum(1 for _ in frames) == 412  # a full second pass re-opens the file
    with pytest.raises(InvalidArgumentError, match="outside 0:412"):
        frames.read(400, 413)
    with pytest.raises(InvalidArgumentError):
        frames[412]


def test_all_shared_clips_match_ground_truth_table():
    root = shared_path("rppg_bias_eval_roi")
    with open(root / "ground_truth.csv", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == 3
    expected_frames = {"India/video1": 480, "India/video10": 412, "Sierra_Leone/video1": 865}  # PROVENANCE.md
    for row in rows:
        w, h = (int(x) for x in row["frame_size"].split("x"))
        for rel in row["files"].split(";"):
            rec = read_video(root / rel)
            assert rec.fs == float(row["fps"]) and rec.frames.shape == (h, w, 3), rel
            assert rec.n_samples == expected_frames[row["subject_key"]], rel
            assert np.all((rec.signals >= 0) & (rec.signals <= 255))


def test_damaged_and_unopenable_videos(tmp_path: Path):
    src = shared_path("rppg_bias_eval_roi", "India", "video10_rightcheek.avi").read_bytes()
    for name, data in (("empty.avi", b""), ("noise.avi", bytes(range(256)) * 40), ("head.avi", src[:4096]),
                       ("text.mp4", b"\x00\x00\x00\x18ftypisom" + b"not a movie" * 50)):  # fmt: skip
        p = tmp_path / name
        p.write_bytes(data)
        with pytest.raises(CorruptFileError):
            read_video(p)
    half = tmp_path / "half.avi"
    half.write_bytes(src[: len(src) // 2])
    try:
        rec = read_video(half)
    except CorruptFileError:
        pass
    else:  # a cut AVI may still yield its first frames
        assert 0 < rec.n_samples < 412 and rec.fs == 15.0


def test_frames_reopen_the_file_and_options_are_checked(tmp_path: Path):
    path = tmp_path / "clip.avi"
    _pulsing_video(path, "MJPG", n=20)
    rec = cardiokit.read(path)
    assert rec.frames.read().shape == (20, 48, 64, 3)
    path.unlink()
    with pytest.raises(MissingFileError):
        rec.frames.read(0, 1)
    with pytest.raises(InvalidArgumentError, match="accepted options: fs"):
        read_video(tmp_path / "x.avi", roi=(0, 0, 1, 1))
    with pytest.raises(CardiokitError):
        cardiokit.read(tmp_path / "gone.avi")
