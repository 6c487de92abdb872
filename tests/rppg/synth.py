"""Synthetic skin videos with a known pulse rate (for rPPG tests).

Skin colour follows the optical model used to derive POS (Wang et al. 2017): the pulse
modulates the channels with the relative strengths of the blood-volume pulse signature
(0.33, 0.77, 0.53), while illumination changes scale all channels equally. A dark
background occupies the frame border so the skin mask matters.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from cardiokit import Channel, Recording

_SKIN = np.array([190.0, 130.0, 105.0])
_PBV = np.array([0.33, 0.77, 0.53])


class ArrayFrames:
    """An in-memory frame source with the ``FrameSource`` protocol."""

    def __init__(self, frames: np.ndarray, fps: float) -> None:
        self.frames = frames
        self.fps = float(fps)
        self.n_frames = frames.shape[0]
        self.shape = tuple(frames.shape[1:])

    def __iter__(self) -> Iterator[np.ndarray]:
        return iter(self.frames)


def skin_video(hr_bpm: float, *, seconds: float = 20.0, fps: float = 30.0, amplitude: float = 0.01,
               illumination: float = 0.03, noise: float = 2.0, size: int = 48, seed: int = 0,
               motion: float = 0.0, specular: float = 0.0) -> np.ndarray:
    """``(n, size, size, 3)`` uint8 frames: a skin square pulsing at ``hr_bpm`` on a grey border.

    ``motion`` is the SD of a per-frame relative intensity jitter, ``specular`` that of an
    additive white glint (fraction of full scale); both leave the skin chromaticity alone.
    """
    rng = np.random.default_rng(seed)
    n = round(seconds * fps)
    t = np.arange(n) / fps
    phase = 2 * np.pi * hr_bpm / 60.0 * t + 0.3 * np.sin(2 * np.pi * 0.1 * t)  # mild rate variability
    pulse = np.sin(phase) + 0.4 * np.sin(2 * phase + 0.8)
    light = 1.0 + illumination * np.sin(2 * np.pi * 0.23 * t) + illumination * 0.5 * rng.standard_normal(n).cumsum() / np.sqrt(n)
    light = light * (1.0 + motion * rng.standard_normal(n))  # per-frame intensity jitter (motion)
    colour = _SKIN[None, :] * light[:, None] * (1.0 + amplitude * pulse[:, None] * _PBV[None, :] / _PBV.max())
    colour += specular * 255.0 * np.abs(rng.standard_normal(n))[:, None]  # white specular glints
    frames = np.full((n, size, size, 3), 40.0)
    m = size // 6
    frames[:, m:-m, m:-m, :] = colour[:, None, None, :]
    frames += noise * rng.standard_normal(frames.shape)
    return np.clip(np.round(frames), 0, 255).astype(np.uint8)


def video_recording(frames: np.ndarray, fps: float) -> Recording:
    """A video ``Recording`` like the reader's: whole-frame mean R, G, B channels plus frames."""
    means = frames.reshape(frames.shape[0], -1, 3).mean(axis=1).astype(np.float32)
    chans = tuple(Channel(f"video_{c}", "video", "a.u.") for c in "rgb")
    return Recording(means, fps, chans, meta={"format": "video"}, frames=ArrayFrames(frames, fps))
