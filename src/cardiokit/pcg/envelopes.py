"""PCG envelopes: homomorphic, Hilbert, wavelet and PSD-based (Springer et al. 2016).

All take a band-passed PCG (see :func:`cardiokit.pcg.clean_pcg`) and return an array of
the same length; :func:`envelope_features` stacks the four, resampled to a feature rate
(50 Hz) and z-normalised, as the observations of the segmentation HSMM.

References
----------
Springer DB, Tarassenko L, Clifford GD. Logistic regression-HSMM-based heart sound
segmentation. IEEE Trans Biomed Eng 63(4):822-832 (2016). Gill D, Gavrieli N, Intrator N.
Detection and identification of heart sounds using homomorphic envelogram and
self-organizing probabilistic model. Computers in Cardiology 32:957-960 (2005).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.signal import hilbert, resample_poly, stft

from cardiokit._core.errors import InvalidArgumentError
from cardiokit.dsp.filters import design_sos, filtfilt_sos

__all__ = [
    "ENVELOPE_NAMES",
    "Envelopes",
    "envelope_features",
    "heart_band_envelope",
    "hilbert_envelope",
    "homomorphic_envelope",
    "morlet_band",
    "psd_envelope",
    "wavelet_envelope",
]

#: Column order of :attr:`Envelopes.values`.
ENVELOPE_NAMES = ("homomorphic", "hilbert", "wavelet", "psd")


def hilbert_envelope(x: np.ndarray) -> np.ndarray:
    """Magnitude of the analytic signal."""
    return np.abs(hilbert(np.asarray(x, dtype=np.float64)))


def homomorphic_envelope(x: np.ndarray, *, fs_hz: float, cutoff_hz: float = 8.0) -> np.ndarray:
    """``exp(lowpass(log|hilbert(x)|))`` with a first-order 8 Hz low-pass (Gill 2005; Springer 2016)."""
    h = np.maximum(hilbert_envelope(x), 1e-12)
    lp = filtfilt_sos(np.log(h), design_sos(fs_hz=fs_hz, high_hz=cutoff_hz, order=1))
    return np.exp(lp)


def heart_band_envelope(x: np.ndarray, *, fs_hz: float, high_hz: float = 150.0) -> np.ndarray:
    """Homomorphic envelope of the S1/S2 band (the PCG low-passed at ``high_hz``, 150 Hz).

    Most of the energy of S1 and S2 lies below 150 Hz, that of systolic and diastolic murmurs
    above it (Schmidt 2010 band-passes 25-400 Hz but notes the murmur band; Springer 2016's
    PSD and wavelet envelopes sit at 40-60 and 62-125 Hz for the same reason): in this band a
    murmur does not fill the gap between S1 and S2, so the autocorrelation keeps its
    S1-S2 peak and the heart rate does not lock onto the murmur.
    """
    arr = np.asarray(x, dtype=np.float64)
    if not 0 < high_hz < fs_hz / 2:
        raise InvalidArgumentError(f"high_hz must be in (0, fs/2); got {high_hz}")
    low = filtfilt_sos(arr, design_sos(fs_hz=fs_hz, high_hz=high_hz, order=4))
    return homomorphic_envelope(low, fs_hz=fs_hz)


def morlet_band(x: np.ndarray, *, fs_hz: float, centre_hz: float, cycles: float = 4.0) -> np.ndarray:
    """Complex Morlet wavelet transform of ``x`` at one scale (``centre_hz``), by FFT.

    The Morlet wavelet with ``cycles`` cycles has a Gaussian frequency response of
    standard deviation ``centre_hz / cycles``; the result is the analytic band signal.
    """
    arr = np.asarray(x, dtype=np.float64)
    if not 0 < centre_hz < fs_hz / 2:
        raise InvalidArgumentError(f"centre_hz must be in (0, fs/2); got {centre_hz}")
    n = arr.size
    nfft = 1 << int(np.ceil(np.log2(max(2, n))))
    f = np.fft.fftfreq(nfft, 1.0 / fs_hz)
    sd = centre_hz / cycles
    resp = 2.0 * np.exp(-0.5 * ((f - centre_hz) / sd) ** 2) * (f > 0)
    return np.fft.ifft(np.fft.fft(arr, nfft) * resp)[:n]


def wavelet_envelope(x: np.ndarray, *, fs_hz: float, centre_hz: float = 90.0) -> np.ndarray:
    """Magnitude of a complex Morlet transform at ``centre_hz`` (default 90 Hz).

    Springer 2016 uses the absolute level-3 detail of a discrete wavelet decomposition at
    1 kHz (about 62-125 Hz); a 4-cycle Morlet at 90 Hz covers the same band without a
    wavelet library.
    """
    return np.abs(morlet_band(x, fs_hz=fs_hz, centre_hz=centre_hz))


def psd_envelope(x: np.ndarray, *, fs_hz: float, low_hz: float = 40.0, high_hz: float = 60.0,
                 window_s: float = 0.05) -> np.ndarray:
    """Mean power spectral density in ``low_hz``-``high_hz`` over sliding ``window_s`` windows
    (half overlap), interpolated back to the input length (Springer 2016)."""
    arr = np.asarray(x, dtype=np.float64)
    nper = max(8, round(window_s * fs_hz))
    if arr.size < nper:
        return np.full(arr.size, float(np.mean(arr**2)))
    f, t, z = stft(arr, fs=fs_hz, window="hamming", nperseg=nper, noverlap=nper // 2,
                   nfft=max(nper, round(fs_hz)), boundary=None, padded=False)
    band = (f >= low_hz) & (f <= high_hz)
    p = np.mean(np.abs(z[band]) ** 2, axis=0)
    return np.interp(np.arange(arr.size) / fs_hz, t, p)


def _znorm(v: np.ndarray) -> np.ndarray:
    sd = float(np.std(v))
    return (v - float(np.mean(v))) / sd if sd > 0 else v - float(np.mean(v))


def _down(v: np.ndarray, fs_hz: float, feature_fs_hz: float) -> np.ndarray:
    step = fs_hz / feature_fs_hz
    if abs(step - round(step)) > 1e-9:
        raise InvalidArgumentError(f"feature_fs_hz must divide fs_hz; got {feature_fs_hz} and {fs_hz}")
    return resample_poly(v, 1, round(step))


@dataclass(frozen=True, eq=False)
class Envelopes:
    """The four envelopes at ``fs`` (the feature rate): ``values`` ``(n_frames, 4)``
    z-normalised, columns :data:`ENVELOPE_NAMES`; ``homomorphic_full`` is the raw
    homomorphic envelope at ``source_fs``, ``heart_band`` the S1/S2-band one
    (:func:`heart_band_envelope`, for the heart-rate autocorrelation)."""

    values: np.ndarray
    fs: float
    source_fs: float
    homomorphic_full: np.ndarray
    heart_band: np.ndarray | None = None

    @property
    def n_frames(self) -> int:
        return int(self.values.shape[0])

    def to_dict(self) -> dict[str, object]:
        return {"fs": self.fs, "names": list(ENVELOPE_NAMES), "n_frames": self.n_frames}


def envelope_features(x: np.ndarray, *, fs_hz: float, feature_fs_hz: float = 50.0,
                      high_hz: float | None = None) -> Envelopes:
    """Homomorphic, Hilbert, wavelet and PSD envelopes of a cleaned PCG at ``feature_fs_hz``.

    ``high_hz``: low-pass the PCG there first (4th-order Butterworth, zero phase); the
    segmenter uses 150 Hz, the S1/S2 band, so that murmur energy above it does not look
    like a heart sound (see :func:`heart_band_envelope`).
    """
    arr = np.asarray(x, dtype=np.float64)
    if high_hz is not None:
        if not 0 < high_hz < fs_hz / 2:
            raise InvalidArgumentError(f"high_hz must be in (0, fs/2); got {high_hz}")
        arr = filtfilt_sos(arr, design_sos(fs_hz=fs_hz, high_hz=high_hz, order=4))
    homo = homomorphic_envelope(arr, fs_hz=fs_hz)
    cols = [
        _down(homo, fs_hz, feature_fs_hz),
        _down(hilbert_envelope(arr), fs_hz, feature_fs_hz),
        _down(wavelet_envelope(arr, fs_hz=fs_hz), fs_hz, feature_fs_hz),
        _down(psd_envelope(arr, fs_hz=fs_hz), fs_hz, feature_fs_hz),
    ]
    n = min(c.size for c in cols)
    vals = np.stack([_znorm(c[:n]) for c in cols], axis=1)
    band = homo if high_hz is not None and high_hz <= 150.0 else heart_band_envelope(arr, fs_hz=fs_hz)
    return Envelopes(vals, float(feature_fs_hz), float(fs_hz), homo, band)
