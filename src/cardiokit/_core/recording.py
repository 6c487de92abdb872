"""The :class:`Recording`: one documented container every reader returns."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from fractions import Fraction
from types import MappingProxyType
from typing import Any, Protocol

import numpy as np

from .annotations import Annotations
from .errors import InvalidArgumentError, InvalidSignalError

__all__ = ["CHANNEL_KINDS", "Channel", "FrameSource", "Recording"]

#: Accepted values of :attr:`Channel.kind`.
CHANNEL_KINDS = ("ecg", "ppg", "pcg", "abp", "resp", "accel", "video", "other")


@dataclass(frozen=True)
class Channel:
    """Name, signal kind and physical unit of one channel (e.g. ``Channel("V1", "ecg", "mV")``)."""

    name: str
    kind: str = "other"
    unit: str = ""

    def __post_init__(self) -> None:
        if self.kind not in CHANNEL_KINDS:
            raise InvalidArgumentError(
                f"channel {self.name!r}: kind {self.kind!r} is not one of {', '.join(CHANNEL_KINDS)}"
            )


class FrameSource(Protocol):
    """Lazy access to video frames (for remote PPG); provided by the video reader."""

    fps: float
    n_frames: int
    shape: tuple[int, int, int]

    def __iter__(self) -> Iterator[np.ndarray]: ...


def _freeze_mapping(value: Mapping[str, Any] | None) -> Mapping[str, Any]:
    if value is None:
        return MappingProxyType({})
    return MappingProxyType(
        {k: _freeze_mapping(v) if isinstance(v, Mapping) else v for k, v in dict(value).items()}
    )


def _thaw(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {k: _thaw(v) for k, v in value.items()}
    return value


@dataclass(frozen=True, eq=False)
class Recording:
    """A multichannel recording in physical units.

    Parameters
    ----------
    signals
        ``(n_samples, n_channels)`` float32 array in physical units (e.g. mV). Stored read-only.
    fs
        Sampling frequency in Hz, > 0.
    channels
        One :class:`Channel` per column of ``signals``.
    start
        Acquisition start time, when the file records one.
    annotations
        Annotation sets (reference beats, wave boundaries, events).
    meta
        Free metadata. Conventional keys: ``subject`` (mapping with ``id``, ``age_years``,
        ``sex`` "M"/"F", ``height_cm``, ``weight_kg``), ``device``, ``source`` (file path),
        ``format`` (reader name). Read-only.
    frames
        Lazy video frame source for video recordings, else ``None``.
    """

    signals: np.ndarray
    fs: float
    channels: tuple[Channel, ...]
    start: datetime | None = None
    annotations: tuple[Annotations, ...] = ()
    meta: Mapping[str, Any] = field(default_factory=dict)
    frames: FrameSource | None = None

    def __post_init__(self) -> None:
        sig = np.asarray(self.signals)
        if sig.ndim == 1:
            sig = sig[:, None]
        if sig.ndim != 2:
            raise InvalidSignalError(
                f"signals must be a 2-D array (n_samples, n_channels); got {sig.ndim} dimensions"
            )
        if sig.shape[1] == 0:
            raise InvalidSignalError("a recording needs at least one channel; got zero channels")
        if sig.shape[0] == 0:
            raise InvalidSignalError("a recording needs at least one sample; got zero samples")
        if not np.issubdtype(sig.dtype, np.number) or np.iscomplexobj(sig):
            raise InvalidSignalError(f"signals must be real numbers; got dtype {sig.dtype}")
        sig = np.asarray(sig, dtype=np.float32)
        if not np.all(np.isfinite(sig)):
            bad = int(np.size(sig) - np.count_nonzero(np.isfinite(sig)))
            raise InvalidSignalError(
                f"signals contain {bad} NaN or infinite values; only finite numbers are accepted"
            )
        try:
            fs = float(self.fs)
        except (TypeError, ValueError):
            raise InvalidSignalError(f"fs must be a number in Hz; got {self.fs!r}") from None
        if not np.isfinite(fs) or fs <= 0:
            raise InvalidSignalError(f"fs must be a finite number > 0 Hz; got {self.fs!r}")
        channels = tuple(c if isinstance(c, Channel) else Channel(str(c)) for c in self.channels)
        if len(channels) != sig.shape[1]:
            raise InvalidSignalError(
                f"{len(channels)} channel descriptions for {sig.shape[1]} signal columns; "
                "give one Channel per column"
            )
        annotations = tuple(self.annotations)
        for a in annotations:
            if not isinstance(a, Annotations):
                raise InvalidArgumentError(f"annotations must be Annotations objects; got {type(a).__name__}")
        if sig.flags.writeable:
            sig = sig.view()
            sig.flags.writeable = False
        object.__setattr__(self, "signals", sig)
        object.__setattr__(self, "fs", fs)
        object.__setattr__(self, "channels", channels)
        object.__setattr__(self, "annotations", annotations)
        object.__setattr__(self, "meta", _freeze_mapping(self.meta))

    # -- cheap construction without re-validation (internal) -----------------------------
    def _evolve(self, **changes: Any) -> Recording:
        """A copy with some fields replaced, unchecked (internal callers pass valid fields). A
        ``meta`` that is already a ``MappingProxyType`` is taken as frozen (built by the caller
        from frozen parts, e.g. another recording's ``meta``); another mapping is frozen."""
        new = object.__new__(Recording)
        fields = new.__dict__  # (a frozen dataclass without slots: its fields live here)
        fields.update(self.__dict__)
        fields.update(changes)
        if "meta" in changes and type(changes["meta"]) is not MappingProxyType:
            fields["meta"] = _freeze_mapping(changes["meta"])
        sig = new.signals
        if sig.flags.writeable:
            sig = sig.view()
            sig.flags.writeable = False
            object.__setattr__(new, "signals", sig)
        return new

    def replace(self, **changes: Any) -> Recording:
        """A validated copy with some fields replaced (``signals``, ``fs``, ``meta``...).

        New ``signals`` drop the ``ecg_filter`` note of :func:`cardiokit.ecg.clean` (unless
        ``meta`` is replaced too): the new samples are not known to be filtered."""
        fields = {n: getattr(self, n) for n in ("signals", "fs", "channels", "start", "annotations", "meta", "frames")}
        fields.update(changes)
        fields["meta"] = _thaw(fields["meta"])
        if "signals" in changes and "meta" not in changes:
            fields["meta"].pop("ecg_filter", None)
        return Recording(**fields)

    # -- properties ---------------------------------------------------------------------
    @property
    def n_samples(self) -> int:
        return int(self.signals.shape[0])

    @property
    def n_channels(self) -> int:
        return int(self.signals.shape[1])

    @property
    def duration_s(self) -> float:
        return self.n_samples / self.fs

    @property
    def channel_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.channels)

    @property
    def time_s(self) -> np.ndarray:
        """Time of each sample in seconds from the first sample."""
        return np.arange(self.n_samples) / self.fs

    def annotation(self, name: str) -> Annotations:
        """The annotation set called ``name``; raises if there is none."""
        for a in self.annotations:
            if a.name == name:
                return a
        have = ", ".join(a.name for a in self.annotations) or "none"
        raise InvalidArgumentError(f"no annotation set named {name!r}; this recording has: {have}")

    def channel_index(self, key: int | str) -> int:
        """Index of a channel given by index or (case-insensitive) name."""
        if isinstance(key, (int, np.integer)):
            if not -self.n_channels <= int(key) < self.n_channels:
                raise InvalidArgumentError(
                    f"channel index {key} out of range; this recording has {self.n_channels} channels"
                )
            return int(key) % self.n_channels
        names = [n.lower() for n in self.channel_names]
        if str(key).lower() in names:
            return names.index(str(key).lower())
        raise InvalidArgumentError(
            f"no channel named {key!r}; channels are: {', '.join(self.channel_names)}"
        )

    # -- views --------------------------------------------------------------------------
    def select(
        self, channels: int | str | Sequence[int | str] | None = None, *, kind: str | None = None
    ) -> Recording:
        """Keep some channels, by index, name, or ``kind`` ("ecg", "ppg", ...).

        Annotations on dropped channels are removed and channel numbers remapped.
        """
        if channels is None and kind is None:
            raise InvalidArgumentError("select() needs channels=... or kind=...")
        if kind is not None and kind not in CHANNEL_KINDS:
            raise InvalidArgumentError(f"kind {kind!r} is not one of {', '.join(CHANNEL_KINDS)}")
        if channels is None:
            idx = [i for i, c in enumerate(self.channels) if c.kind == kind]
        else:
            keys: Iterable[int | str] = [channels] if isinstance(channels, (int, str, np.integer)) else channels
            idx = [self.channel_index(k) for k in keys]
            if kind is not None:
                idx = [i for i in idx if self.channels[i].kind == kind]
        if not idx:
            raise InvalidArgumentError(
                "selection matches no channel; channels are: "
                + ", ".join(f"{c.name} ({c.kind})" for c in self.channels)
            )
        if idx == list(range(self.n_channels)):
            return self  # every channel in order: nothing to change (recordings are immutable)
        remap = {old: new for new, old in enumerate(idx)}
        anns = []
        for a in self.annotations:
            keep = np.isin(a.chan, idx)
            if keep.all() and all(remap[c] == c for c in np.unique(a.chan).tolist()):
                anns.append(a)
                continue
            sub = a.take(keep)
            anns.append(Annotations(sub.name, sub.sample, sub.symbol, [remap[int(c)] for c in sub.chan], sub.aux, sub.duration))
        sig = self.signals[:, idx] if idx != list(range(idx[0], idx[-1] + 1)) else self.signals[:, idx[0] : idx[-1] + 1]
        return self._evolve(signals=sig, channels=tuple(self.channels[i] for i in idx), annotations=tuple(anns))

    def crop(self, start_s: float = 0.0, stop_s: float | None = None) -> Recording:
        """The part from ``start_s`` to ``stop_s`` seconds (a view; annotations shifted)."""
        stop_s = self.duration_s if stop_s is None else stop_s
        if not (0 <= start_s < stop_s):
            raise InvalidArgumentError(
                f"crop needs 0 <= start_s < stop_s; got start_s={start_s}, stop_s={stop_s}"
            )
        a = round(start_s * self.fs)
        b = min(round(stop_s * self.fs), self.n_samples)
        if a >= self.n_samples or b <= a:
            raise InvalidArgumentError(
                f"crop {start_s}-{stop_s} s is outside the recording (0-{self.duration_s:.3f} s)"
            )
        anns = tuple(a_.take((a_.sample >= a) & (a_.sample < b)).shift(-a) for a_ in self.annotations)
        start = self.start
        if start is not None:
            from datetime import timedelta

            start = start + timedelta(seconds=a / self.fs)
        return self._evolve(signals=self.signals[a:b], annotations=anns, start=start)

    def resample(self, fs: float) -> Recording:
        """Resample to ``fs`` Hz with a polyphase anti-aliasing filter; annotations rescaled."""
        from scipy.signal import resample_poly

        if not np.isfinite(fs) or fs <= 0:
            raise InvalidArgumentError(f"resample needs a target fs > 0 Hz; got {fs!r}")
        if abs(fs - self.fs) < 1e-9:
            return self
        ratio = Fraction(fs / self.fs).limit_denominator(1000)
        up, down = ratio.numerator, ratio.denominator
        if up == 0:
            raise InvalidArgumentError(f"target fs {fs} Hz is too low relative to {self.fs} Hz")
        sig = resample_poly(self.signals.astype(np.float64), up, down, axis=0, padtype="line")
        if sig.shape[0] == 0:
            raise InvalidArgumentError(f"resampling to {fs} Hz leaves no samples")
        scale = fs / self.fs
        anns = tuple(
            Annotations(a.name, np.minimum(np.round(a.sample * scale), sig.shape[0] - 1), a.symbol, a.chan, a.aux,
                        np.round(a.duration * scale))
            for a in self.annotations
        )
        return self._evolve(signals=sig.astype(np.float32), fs=float(fs), annotations=anns)

    def __repr__(self) -> str:
        names = ", ".join(self.channel_names[:12]) + (", ..." if self.n_channels > 12 else "")
        return (
            f"Recording({self.n_channels} ch [{names}], fs={self.fs:g} Hz, "
            f"{self.duration_s:.2f} s, {len(self.annotations)} annotation sets)"
        )

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Recording):
            return NotImplemented
        return (
            self.fs == other.fs
            and self.channels == other.channels
            and self.signals.shape == other.signals.shape
            and bool(np.array_equal(self.signals, other.signals))
            and self.annotations == other.annotations
        )

    __hash__ = None  # type: ignore[assignment]
