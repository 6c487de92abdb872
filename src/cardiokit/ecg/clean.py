"""ECG cleaning: baseline wander, powerline interference and out-of-band noise removal."""

from __future__ import annotations

import logging
import weakref
from collections.abc import Sequence
from types import MappingProxyType

import numpy as np

from cardiokit._core.errors import InvalidArgumentError
from cardiokit._core.recording import Recording
from cardiokit.dsp.filters import (
    SpectrumNote,
    design_sos,
    detect_powerline_hz,
    filtfilt_sos,
    filtfilt_sos_f32,
)

__all__ = ["clean", "clean_array", "ecg_channel_indices"]

_log = logging.getLogger(__name__)


def ecg_channel_indices(rec: Recording, leads: int | str | Sequence[int | str] | None = None
                        ) -> list[int]:
    """Indices of the ECG channels to use.

    ``leads=None`` takes every channel of kind ``"ecg"``; when a recording marks none
    (e.g. built from a bare array, kind ``"other"``) every ``"other"`` channel is used.
    Otherwise ``leads`` names channels by index or (case-insensitive) name.
    """
    if leads is None:
        idx = [i for i, c in enumerate(rec.channels) if c.kind == "ecg"]
        if not idx:
            idx = [i for i, c in enumerate(rec.channels) if c.kind == "other"]
        if not idx:
            raise InvalidArgumentError(
                "no ECG channel in this recording; channels are: "
                + ", ".join(f"{c.name} ({c.kind})" for c in rec.channels)
                + "; name the leads to use with leads=[...]"
            )
        return idx
    keys = [leads] if isinstance(leads, (int, str, np.integer)) else list(leads)
    if not keys:
        raise InvalidArgumentError("leads must name at least one channel (or be None for all ECG leads)")
    out: list[int] = []
    for k in keys:
        i = rec.channel_index(k)
        if i not in out:
            out.append(i)
    return out


def clean_array(
    x: np.ndarray,
    *,
    fs_hz: float,
    low_hz: float | None = 0.5,
    high_hz: float | None = 40.0,
    powerline_hz: float | str | None = "auto",
    order: int = 2,
) -> np.ndarray:
    """Clean ``(n_samples,)`` or ``(n_samples, n_leads)`` ECG; float64 result, input untouched.

    See :func:`clean` for the options.
    """
    arr = np.asarray(x, dtype=np.float64)
    sos = _design(arr, fs_hz, low_hz, high_hz, powerline_hz, order)
    return filtfilt_sos(arr, sos, axis=0)


def _clean32(x: np.ndarray, *, fs_hz: float, low_hz: float | None, high_hz: float | None,
             powerline_hz: float | str | None, order: int,
             keep: list[SpectrumNote] | None = None) -> np.ndarray:
    """:func:`clean_array` of ``(n_samples, n_leads)`` ``x`` as float32: in float32 arithmetic
    when :func:`cardiokit.dsp.filters.filtfilt_sos_f32` applies (4+ leads of 512-32768
    samples; differences ~2e-7 of the signal range), else the float64 result rounded
    (``keep``: that route's filtered spectrum is appended to it)."""
    arr = np.asarray(x)
    sos = _design(arr, fs_hz, low_hz, high_hz, powerline_hz, order)
    out = filtfilt_sos_f32(arr, sos, keep=keep) if arr.ndim == 2 else None
    if out is None:
        out = filtfilt_sos(np.asarray(arr, dtype=np.float64), sos, axis=0).astype(np.float32)
    return out


def _design(arr: np.ndarray, fs_hz: float, low_hz: float | None, high_hz: float | None,
            powerline_hz: float | str | None, order: int) -> np.ndarray:
    """The cleaning cascade for ``arr``: band-pass plus the notches of the detected or given mains."""
    if powerline_hz == "auto":
        # With a low-pass well below the mains frequency the notch adds nothing.
        need = high_hz is None or high_hz > 0.6 * 50.0
        line = detect_powerline_hz(arr, fs_hz=fs_hz) if need else None
    elif powerline_hz is None:
        line = None
    elif isinstance(powerline_hz, (int, float)) and not isinstance(powerline_hz, bool):
        if not np.isfinite(powerline_hz) or powerline_hz <= 0:
            raise InvalidArgumentError(f"powerline_hz must be 'auto', None or a frequency > 0 Hz; got {powerline_hz!r}")
        line = float(powerline_hz)
    else:
        raise InvalidArgumentError(
            f"powerline_hz must be 'auto', None, 50, 60 (or another frequency in Hz); got {powerline_hz!r}"
        )
    notches: tuple[float, ...] = ()
    if line is not None:
        top = 0.45 * fs_hz if high_hz is None else min(high_hz * 2.0, 0.45 * fs_hz)
        # the fundamental plus the harmonics the low-pass would not already remove
        notches = tuple(k * line for k in range(1, 6) if k * line < max(top, line + 1))
    return design_sos(fs_hz=fs_hz, low_hz=low_hz, high_hz=high_hz, order=order, notch_hz=notches)


def clean(
    rec: Recording,
    *,
    leads: int | str | Sequence[int | str] | None = None,
    low_hz: float | None = 0.5,
    high_hz: float | None = 40.0,
    powerline_hz: float | str | None = "auto",
    order: int = 2,
) -> Recording:
    """A new :class:`Recording` with the ECG channels filtered; other channels untouched.

    Filters (all zero-phase, forward-backward ``sosfiltfilt``, designed for ``rec.fs``):

    * baseline wander: Butterworth high-pass at ``low_hz`` (0.5 Hz default, the usual
      compromise that keeps the ST segment; AHA recommends >= 0.05 Hz for diagnostic
      ST measurement, pass ``low_hz=0.05`` then);
    * band limit: Butterworth low-pass at ``high_hz`` (40 Hz; clipped to 0.45 x fs, so
      100 Hz recordings work; ``None`` disables);
    * powerline: IIR notches (Q = 30) at the mains frequency and its harmonics below
      the low-pass edge. ``"auto"`` detects 50 or 60 Hz from the spectrum
      (:func:`cardiokit.dsp.detect_powerline_hz`), a number forces it, ``None`` disables.

    ``order`` is the Butterworth order of each pass (the effective order doubles).
    The filtered values are stored as float32 like every recording (four or more leads of
    512-32768 samples are filtered in float32 arithmetic, in the frequency domain: the same
    filter up to ~2e-7 of the signal range, in half the time; :func:`clean_array` gives
    the float64 values); ``meta["ecg_filter"]``
    notes the pass band and the channels filtered (``Recording.replace(signals=...)`` drops it).
    That route's filtered spectrum is kept while the returned recording lives, for
    :func:`cardiokit.ecg.detect_beats` on it (:func:`cleaned_spectrum`).

    References: Kligfield P et al. (2007) Recommendations for the standardization and
    interpretation of the electrocardiogram, part I. Circulation 115:1306-1324.
    """
    if not isinstance(rec, Recording):
        raise InvalidArgumentError(f"clean() needs a Recording; got {type(rec).__name__}")
    idx = ecg_channel_indices(rec, leads)
    every = idx == list(range(rec.n_channels))
    keep: list[SpectrumNote] = []
    out = _clean32(rec.signals if every else rec.signals[:, idx], fs_hz=rec.fs, low_hz=low_hz,
                   high_hz=high_hz, powerline_hz=powerline_hz, order=order, keep=keep)
    if every:  # all channels are ECG: no copy of the input needed
        sig = out
    else:
        sig = np.array(rec.signals, dtype=np.float32, copy=True)
        sig[:, idx] = out
    _log.debug("cleaned %d ECG channel(s) at %g Hz", len(idx), rec.fs)
    # what was done, for later stages (delineate skips its own high-pass after >= 0.5 Hz)
    note = {"low_hz": low_hz, "high_hz": high_hz, "channels": [rec.channels[i].name for i in idx]}
    # frozen as Recording freezes meta: rec.meta's values are frozen already, the note holds no mapping
    new = rec._evolve(signals=sig, meta=MappingProxyType({**rec.meta, "ecg_filter": MappingProxyType(note)}))
    if keep:
        _remember_spectrum(new.signals, tuple(idx), keep[0])
    return new


#: Filtered spectra of cleaned recordings, by ``id`` of their ``signals`` array: the beat
#: detector's band of the same samples then costs one short inverse FFT
#: (:func:`cardiokit.dsp.filters.decimated_band_rows`). An entry lives as long as its array.
_SPECTRA: dict[int, tuple[weakref.ref, tuple[int, ...], SpectrumNote]] = {}


def _remember_spectrum(signals: np.ndarray, channels: tuple[int, ...], spec: SpectrumNote) -> None:
    key = id(signals)
    _SPECTRA[key] = (weakref.ref(signals, lambda _, k=key: _SPECTRA.pop(k, None)), channels, spec)


def cleaned_spectrum(signals: np.ndarray, channels: Sequence[int]) -> SpectrumNote | None:
    """The filtered spectrum :func:`clean` kept of exactly these ``signals`` (the cleaned
    recording's array, not a copy or view) and ``channels``, or None."""
    hit = _SPECTRA.get(id(signals))
    if hit is None or hit[0]() is not signals or hit[1] != tuple(channels):
        return None
    return hit[2]
