"""Video files (AVI, MP4/MOV, MKV/WebM) for remote photoplethysmography, read with OpenCV.

The :class:`Recording` holds the per-frame spatial mean of the red, green and blue planes
over the whole frame (channels ``video_r``, ``video_g``, ``video_b``, kind "video", unit
"a.u." = 8-bit intensity) sampled at the frame rate, and ``frames``: a lazy
:class:`VideoFrames` that decodes the file again on every pass, so memory stays bounded.

Reference: Verkruysse W, Svaasand LO, Nelson JS. Remote plethysmographic imaging using
ambient light. Opt Express 16(26):21434-45 (2008) (spatially averaged RGB traces).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

from .._core.errors import (
    CorruptFileError,
    InvalidArgumentError,
    MissingDependencyError,
    MissingFileError,
    MissingOptionError,
)
from .._core.recording import Channel, Recording
from .._core.registry import FormatSpec, register_format

__all__ = ["VideoFrames", "read_video"]

_AUDIO_OR_IMAGE_BRANDS = (b"M4A ", b"M4B ", b"M4P ", b"heic", b"heix", b"mif1", b"msf1", b"avif", b"crx ")


def _cv2() -> Any:
    try:
        import cv2
    except ImportError:
        raise MissingDependencyError("opencv-python-headless", "Reading video files", extra="video") from None
    return cv2


def _sniff(head: bytes, path: Path) -> bool:
    if len(head) >= 12 and head[:4] == b"RIFF" and head[8:12] == b"AVI ":
        return True
    if len(head) >= 12 and head[4:8] == b"ftyp":
        return head[8:12] not in _AUDIO_OR_IMAGE_BRANDS
    return head[:4] == b"\x1a\x45\xdf\xa3"  # Matroska / WebM (EBML)


def _open(path: Path) -> Any:
    cv2 = _cv2()
    if not path.is_file():
        raise MissingFileError("video file no longer exists", path=path)
    cap = cv2.VideoCapture(str(path))
    if not cap.isOpened():
        cap.release()
        raise CorruptFileError("OpenCV cannot open this video (unknown container/codec or damaged file)", path=path)
    return cap


class VideoFrames:
    """Lazy RGB ``uint8`` frames ``(h, w, 3)`` of a video file.

    Iterating decodes the file from the start (a fresh decoder each time); ``read(start, stop)``
    returns frames ``start..stop-1`` as one ``(k, h, w, 3)`` array; ``frames[i]`` one frame.
    """

    def __init__(self, path: Path, *, fps: float, n_frames: int, shape: tuple[int, int, int]) -> None:
        self.path = Path(path)
        self.fps = float(fps)
        self.n_frames = int(n_frames)
        self.shape = tuple(int(x) for x in shape)

    def __len__(self) -> int:
        return self.n_frames

    def __repr__(self) -> str:
        return f"VideoFrames({str(self.path)!r}, {self.n_frames} frames {self.shape}, {self.fps:g} fps)"

    def _frames(self, start: int, stop: int) -> Iterator[np.ndarray]:
        cv2 = _cv2()
        cap = _open(self.path)
        try:
            for _ in range(start):  # grab() skips without colour conversion; exact unlike seeking
                if not cap.grab():
                    return
            for _ in range(start, stop):
                ok, frame = cap.read()
                if not ok or frame is None:
                    return
                yield cv2.cvtColor(frame, cv2.COLOR_BGR2RGB)
        finally:
            cap.release()

    def __iter__(self) -> Iterator[np.ndarray]:
        return self._frames(0, self.n_frames)

    def _check(self, start: int, stop: int) -> tuple[int, int]:
        if not 0 <= start <= stop <= self.n_frames:
            raise InvalidArgumentError(
                f"frame range {start}:{stop} is outside 0:{self.n_frames} (this video has {self.n_frames} frames)"
            )
        return start, stop

    def read(self, start: int = 0, stop: int | None = None) -> np.ndarray:
        """Frames ``start`` (inclusive) to ``stop`` (exclusive) as a ``(k, h, w, 3)`` uint8 array."""
        start, stop = self._check(int(start), self.n_frames if stop is None else int(stop))
        out = np.empty((stop - start, *self.shape), dtype=np.uint8)
        k = 0
        for k, frame in enumerate(self._frames(start, stop), start=1):
            out[k - 1] = frame
        if k != stop - start:
            raise CorruptFileError(f"video ended after {start + k} frames; expected {self.n_frames}", path=self.path)
        return out

    def __getitem__(self, index: int | slice) -> np.ndarray:
        if isinstance(index, slice):
            start, stop, step = index.indices(self.n_frames)
            if step <= 0:
                raise InvalidArgumentError("frame slices need a positive step")
            return self.read(start, max(start, stop))[::step]
        i = int(index)
        i = i + self.n_frames if i < 0 else i
        return self.read(*self._check(i, i + 1))[0]


def read_video(path: Path, *, fs: float | None = None, **options: Any) -> Recording:
    """Read a video into per-frame mean R, G, B traces (fs = frame rate) plus lazy frames.

    ``fs`` is used only when the container states no frame rate.
    """
    if options:
        raise InvalidArgumentError(
            f"video reader: unknown option(s) {', '.join(sorted(options))}; accepted options: fs (fallback frame rate)"
        )
    path = Path(path)
    cv2 = _cv2()
    cap = _open(path)
    means: list[tuple[float, float, float]] = []
    shape: tuple[int, ...] | None = None
    try:
        fps = float(cap.get(cv2.CAP_PROP_FPS) or 0.0)
        fourcc = int(cap.get(cv2.CAP_PROP_FOURCC) or 0)
        while True:
            ok, frame = cap.read()
            if not ok or frame is None:
                break
            if frame.ndim != 3 or frame.shape[2] != 3:
                raise CorruptFileError(f"decoded frame has shape {frame.shape}; expected (h, w, 3)", path=path)
            if shape is None:
                shape = frame.shape
            elif frame.shape != shape:
                raise CorruptFileError(f"frame size changes from {shape} to {frame.shape}", path=path)
            b, g, r = cv2.mean(frame)[:3]
            means.append((r, g, b))
    except CorruptFileError:
        raise
    except cv2.error as exc:
        raise CorruptFileError(f"video decoding failed: {exc}", path=path) from None
    finally:
        cap.release()
    if not means or shape is None:
        raise CorruptFileError("no frame could be decoded from this video", path=path)
    if not (np.isfinite(fps) and 0 < fps <= 10000):
        if fs is None:
            raise MissingOptionError("the video states no frame rate; pass fs=<frames per second>", path=path)
        fps = float(fs)
    codec = "".join(chr((fourcc >> (8 * i)) & 0xFF) for i in range(4)).strip("\x00 ")
    frames = VideoFrames(path, fps=fps, n_frames=len(means), shape=(shape[0], shape[1], 3))
    meta = {
        "format": "video",
        "source": str(path),
        "n_frames": len(means),
        "frame_shape": frames.shape,
        "codec": codec if codec.isprintable() else "",
    }
    chans = tuple(Channel(f"video_{c}", "video", "a.u.") for c in "rgb")
    return Recording(np.asarray(means, dtype=np.float32), fps, chans, meta=meta, frames=frames)


register_format(
    FormatSpec(
        name="video",
        description="video file (AVI, MP4/MOV, MKV/WebM) read with OpenCV",
        extensions=(".avi", ".mp4", ".mov", ".mkv", ".m4v", ".webm"),
        read=read_video,
        sniff=_sniff,
        priority=5,
    )
)
