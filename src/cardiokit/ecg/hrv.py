"""Heart-rate variability from detected beats: :func:`hrv` -> :class:`HRV`.

Definitions follow the Task Force of the European Society of Cardiology and the North
American Society of Pacing and Electrophysiology (1996) Heart rate variability:
standards of measurement, physiological interpretation and clinical use. Circulation
93:1043-1065, and Shaffer F, Ginsberg JP (2017) An overview of heart rate variability
metrics and norms. Front Public Health 5:258.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields

import numpy as np
from scipy.interpolate import CubicSpline
from scipy.signal import welch

from cardiokit._core.errors import InvalidArgumentError
from cardiokit._core.results import Beats

from ._hrv_nonlinear import dfa, poincare, sample_entropy

__all__ = ["HRV", "hrv", "hrv_from_rr"]

NAN = float("nan")
#: Frequency bands (Hz) of the Task Force (1996).
VLF_BAND, LF_BAND, HF_BAND = (0.0033, 0.04), (0.04, 0.15), (0.15, 0.4)
#: Shortest tachogram (s) for each band: about two cycles of its slowest component,
#: as the Task Force advises (HF >= 1 min, LF >= 2 min, VLF from >= 5 min only).
MIN_SPAN_S = {"hf": 60.0, "lf": 120.0, "vlf": 300.0}
CORRECTIONS = ("none", "remove", "interpolate")


@dataclass(frozen=True)
class HRV:
    """HRV indices; NaN where the series is too short (or the index is undefined).

    Time domain (ms unless named): ``mean_nn_ms``, ``sdnn_ms`` (SD of NN, ddof 1),
    ``rmssd_ms`` (root mean square of successive differences), ``sdsd_ms`` (SD of
    successive differences), ``pnn50_pct`` / ``pnn20_pct`` (successive differences
    > 50 / 20 ms over the number of NN intervals, Task Force), ``hr_mean_bpm`` /
    ``hr_sd_bpm`` (of 60000 / NN), ``triangular_index`` (NN count / height of the
    1/128-s histogram mode), ``tinn_ms`` (base of the least-squares triangle fitted to
    that histogram).
    Frequency domain, Welch (``*_ms2``, 4 Hz cubic-spline tachogram, 256-s Hann segments,
    50 % overlap) and Lomb-Scargle (``ls_*``, on the uneven NN series): VLF
    0.0033-0.04 Hz, LF 0.04-0.15 Hz, HF 0.15-0.4 Hz, ``lf_hf``, ``lf_nu`` / ``hf_nu``
    (100 x LF or HF / (LF + HF)), ``total_power_ms2`` (VLF + LF + HF).
    Non-linear: ``sd1_ms`` / ``sd2_ms`` (Poincaré), ``sd1_sd2``, ``sampen`` (m = 2,
    r = 0.2 SD, on at most the first 20,000 NN), ``dfa_alpha1`` (4-16 beats), ``dfa_alpha2`` (16-64 beats).
    Counts: ``n_beats``, ``n_nn`` (intervals used), ``n_corrected`` (flagged as
    ectopic/artefact), ``duration_s`` and the ``correction`` applied.
    """

    n_beats: int
    n_nn: int
    n_corrected: int
    duration_s: float
    correction: str
    mean_nn_ms: float = NAN
    sdnn_ms: float = NAN
    rmssd_ms: float = NAN
    sdsd_ms: float = NAN
    pnn50_pct: float = NAN
    pnn20_pct: float = NAN
    hr_mean_bpm: float = NAN
    hr_sd_bpm: float = NAN
    triangular_index: float = NAN
    tinn_ms: float = NAN
    vlf_ms2: float = NAN
    lf_ms2: float = NAN
    hf_ms2: float = NAN
    total_power_ms2: float = NAN
    lf_hf: float = NAN
    lf_nu: float = NAN
    hf_nu: float = NAN
    ls_vlf_ms2: float = NAN
    ls_lf_ms2: float = NAN
    ls_hf_ms2: float = NAN
    ls_lf_hf: float = NAN
    ls_lf_nu: float = NAN
    ls_hf_nu: float = NAN
    sd1_ms: float = NAN
    sd2_ms: float = NAN
    sd1_sd2: float = NAN
    sampen: float = NAN
    dfa_alpha1: float = NAN
    dfa_alpha2: float = NAN

    def to_dict(self) -> dict[str, float | int | str | None]:
        """Plain dict; NaN values become None (JSON-friendly)."""
        return {f.name: (None if isinstance(v, float) and math.isnan(v) else v)
                for f in fields(self) for v in (getattr(self, f.name),)}


def _flag_artifacts(rr_s: np.ndarray, min_rr_s: float, max_rr_s: float, max_change: float
                    ) -> np.ndarray:
    """True for intervals outside [min_rr_s, max_rr_s] or differing from the median of
    the surrounding 11 intervals by more than ``max_change`` (relative), a robust form
    of the Malik et al. (1989) 20 % rule."""
    bad = (rr_s < min_rr_s) | (rr_s > max_rr_s)
    if rr_s.size >= 5:
        pad = np.pad(rr_s, 5, mode="reflect") if rr_s.size > 5 else np.pad(rr_s, 5, mode="edge")
        med = np.median(np.lib.stride_tricks.sliding_window_view(pad, 11), axis=1)
        bad |= np.abs(rr_s - med) > max_change * med
    return bad


def _tinn(nn_ms: np.ndarray, bin_ms: float) -> float:
    """TINN: base width M - N of the triangle (zero outside [N, M], apex at the
    histogram mode) that best fits the NN histogram in least squares (Task Force 1996)."""
    edges = np.arange(nn_ms.min() - bin_ms, nn_ms.max() + 2 * bin_ms, bin_ms)
    hist, edges = np.histogram(nn_ms, bins=edges)
    centers = 0.5 * (edges[:-1] + edges[1:])
    k = int(np.argmax(hist))
    peak = float(hist[k])
    ns = np.arange(0, k + 1)  # candidate left ends (indices)
    ms = np.arange(k, hist.size)  # candidate right ends
    xi = np.arange(hist.size)
    best, arg = np.inf, (0, hist.size - 1)
    for n_ in ns:
        left = np.where((xi >= n_) & (xi <= k), peak * (xi - n_) / max(k - n_, 1), 0.0)
        left[k] = peak
        # right side for every candidate m at once: (len(ms), n_bins)
        right = peak * (ms[:, None] - xi[None, :]) / np.maximum(ms[:, None] - k, 1)
        right = np.where((xi[None, :] > k) & (xi[None, :] <= ms[:, None]), right, 0.0)
        q = left[None, :] + right
        err = ((hist[None, :] - q) ** 2).sum(axis=1)
        j = int(np.argmin(err))
        if err[j] < best:
            best, arg = float(err[j]), (n_, int(ms[j]))
    return float(centers[arg[1]] - centers[arg[0]])


def _lomb_scargle(t: np.ndarray, y: np.ndarray, omega: np.ndarray, chunk: int = 64) -> np.ndarray:
    """Classical Lomb-Scargle periodogram (Lomb 1976; Scargle 1982) of mean-removed ``y``.

    ``P(w) = 1/2 [ (sum y cos w(t-tau))^2 / sum cos^2 w(t-tau) + (same with sin) ]`` with
    ``tan 2 w tau = sum sin 2wt / sum cos 2wt``; the unnormalised form of
    ``scipy.signal.lombscargle``, vectorised over blocks of ``chunk`` frequencies.
    """
    out = np.empty(omega.size)
    for s in range(0, omega.size, chunk):
        wt = omega[s : s + chunk, None] * t[None, :]
        c, sn = np.cos(wt), np.sin(wt)
        # 2wt via double-angle identities: two trigonometric evaluations per element
        tau2 = np.arctan2(2 * (sn * c).sum(axis=1), (c * c - sn * sn).sum(axis=1))
        ct, st = np.cos(0.5 * tau2)[:, None], np.sin(0.5 * tau2)[:, None]
        cs = c * ct + sn * st  # cos(w t - w tau)
        sc = sn * ct - c * st  # sin(w t - w tau)
        cc = (cs * cs).sum(axis=1)
        ss = (sc * sc).sum(axis=1)
        yc = cs @ y
        ys = sc @ y
        out[s : s + chunk] = 0.5 * (yc * yc / np.where(cc > 0, cc, np.inf)
                                    + ys * ys / np.where(ss > 0, ss, np.inf))
    return out


def _band_power(freqs: np.ndarray, psd: np.ndarray, band: tuple[float, float]) -> float:
    sel = (freqs >= band[0]) & (freqs < band[1])
    if sel.sum() < 2:
        return NAN
    return float(np.trapezoid(psd[sel], freqs[sel]))


def _spectral(freqs: np.ndarray, psd: np.ndarray, span_s: float) -> dict[str, float]:
    vlf = _band_power(freqs, psd, VLF_BAND) if span_s >= MIN_SPAN_S["vlf"] else NAN
    lf = _band_power(freqs, psd, LF_BAND) if span_s >= MIN_SPAN_S["lf"] else NAN
    hf = _band_power(freqs, psd, HF_BAND) if span_s >= MIN_SPAN_S["hf"] else NAN
    out = {"vlf": vlf, "lf": lf, "hf": hf, "tp": vlf + lf + hf}
    both = lf + hf
    out["lf_hf"] = lf / hf if hf > 0 else NAN
    out["lf_nu"] = 100 * lf / both if both > 0 else NAN
    out["hf_nu"] = 100 * hf / both if both > 0 else NAN
    return out


def hrv_from_rr(
    rr_s: np.ndarray,
    *,
    valid: np.ndarray | None = None,
    correction: str = "remove",
    min_rr_s: float = 0.25,
    max_rr_s: float = 2.5,
    max_change: float = 0.2,
    interp_fs_hz: float = 4.0,
) -> HRV:
    """:class:`HRV` from consecutive RR intervals in seconds (see :func:`hrv`).

    ``valid`` optionally marks intervals already known to be normal-to-normal.
    """
    if correction not in CORRECTIONS:
        raise InvalidArgumentError(f"unknown correction {correction!r}; choose one of: {', '.join(CORRECTIONS)}")
    for name, v in (("min_rr_s", min_rr_s), ("max_rr_s", max_rr_s), ("max_change", max_change),
                    ("interp_fs_hz", interp_fs_hz)):
        if not (isinstance(v, (int, float)) and np.isfinite(v) and v > 0):
            raise InvalidArgumentError(f"{name} must be a number > 0; got {v!r}")
    if min_rr_s >= max_rr_s:
        raise InvalidArgumentError(f"min_rr_s ({min_rr_s}) must be below max_rr_s ({max_rr_s})")
    rr = np.asarray(rr_s, dtype=np.float64).reshape(-1)
    if not np.all(np.isfinite(rr)) or np.any(rr <= 0):
        raise InvalidArgumentError("rr_s must hold finite intervals > 0 s")
    ok = np.ones(rr.size, bool) if valid is None else np.asarray(valid, bool).reshape(-1).copy()
    if ok.size != rr.size:
        raise InvalidArgumentError(f"valid has {ok.size} entries for {rr.size} intervals")
    t_end = np.cumsum(rr)  # time of the beat closing each interval (s from the first beat)
    duration = float(t_end[-1]) if rr.size else 0.0
    if correction != "none":
        ok &= ~_flag_artifacts(rr, min_rr_s, max_rr_s, max_change)
    n_corr = int(rr.size - ok.sum())
    nn = rr * 1000.0
    if correction == "interpolate" and 0 < ok.sum() < rr.size and ok.sum() >= 2:
        idx = np.arange(rr.size)
        nn = nn.copy()
        nn[~ok] = np.interp(idx[~ok], idx[ok], nn[ok])
        ok = np.ones(rr.size, bool)
    base = {"n_beats": int(rr.size + 1) if rr.size else 0, "n_nn": int(ok.sum()),
            "n_corrected": n_corr, "duration_s": duration, "correction": correction}
    x = nn[ok]
    if x.size < 2:
        return HRV(**base)
    pairs = ok[:-1] & ok[1:]
    diffs = np.diff(nn)[pairs]
    hr = 60000.0 / x
    vals: dict[str, float] = {
        "mean_nn_ms": float(x.mean()),
        "hr_mean_bpm": float(hr.mean()),
    }
    if x.size >= 3:
        vals["sdnn_ms"] = float(np.std(x, ddof=1))
        vals["hr_sd_bpm"] = float(np.std(hr, ddof=1))
    if diffs.size >= 2:
        vals["rmssd_ms"] = float(np.sqrt(np.mean(diffs**2)))
        vals["sdsd_ms"] = float(np.std(diffs, ddof=1))
        vals["pnn50_pct"] = float(100.0 * np.sum(np.abs(diffs) > 50) / x.size)
        vals["pnn20_pct"] = float(100.0 * np.sum(np.abs(diffs) > 20) / x.size)
    if x.size >= 50:  # geometric indices need a populated histogram (Task Force: >= 20 min)
        bin_ms = 1000.0 / 128.0
        hist, _ = np.histogram(x, bins=np.arange(0, x.max() + bin_ms, bin_ms))
        vals["triangular_index"] = float(x.size / hist.max())
        vals["tinn_ms"] = _tinn(x, bin_ms)
    sd1, sd2 = poincare(nn, pairs)
    vals.update(sd1_ms=sd1, sd2_ms=sd2, sd1_sd2=sd1 / sd2 if sd2 > 0 else NAN)
    if x.size >= 20:  # on the first 20,000 NN at most (O(N^2) pairs)
        vals["sampen"] = sample_entropy(x[:20000])
    if x.size >= 50:
        vals["dfa_alpha1"] = dfa(x, np.arange(4, 17))
    if x.size >= 200:
        vals["dfa_alpha2"] = dfa(x, np.unique(np.round(np.geomspace(16, 64, 12)).astype(int)))
    # frequency domain on the tachogram of valid intervals, placed at their closing beat
    t = t_end[ok]
    span = float(t[-1] - t[0]) if t.size else 0.0
    if t.size >= 4 and span >= MIN_SPAN_S["hf"]:
        grid = np.arange(t[0], t[-1], 1.0 / interp_fs_hz)
        tach = CubicSpline(t, x)(grid)
        nper = min(grid.size, round(256 * interp_fs_hz))
        f, p = welch(tach - tach.mean(), fs=interp_fs_hz, window="hann", nperseg=nper,
                     noverlap=nper // 2, detrend="linear")
        w = _spectral(f, p, span)
        vals.update(vlf_ms2=w["vlf"], lf_ms2=w["lf"], hf_ms2=w["hf"], total_power_ms2=w["tp"],
                    lf_hf=w["lf_hf"], lf_nu=w["lf_nu"], hf_nu=w["hf_nu"])
        # 4x oversampled grid, never finer than 0.5 mHz (bounded cost on 24-h series)
        step = max(0.0005, 1.0 / (4 * span))
        fl = np.arange(VLF_BAND[0], HF_BAND[1] + step, step)
        y = x - x.mean()
        pw = _lomb_scargle(t, y, 2 * np.pi * fl)
        # one-sided PSD in ms^2/Hz: 2 P / mean sampling rate (Parseval for even sampling)
        psd = 2.0 * pw * span / t.size
        ls = _spectral(fl, psd, span)
        vals.update(ls_vlf_ms2=ls["vlf"], ls_lf_ms2=ls["lf"], ls_hf_ms2=ls["hf"],
                    ls_lf_hf=ls["lf_hf"], ls_lf_nu=ls["lf_nu"], ls_hf_nu=ls["hf_nu"])
    return HRV(**base, **vals)


def hrv(
    beats: Beats,
    *,
    correction: str = "remove",
    min_rr_s: float = 0.25,
    max_rr_s: float = 2.5,
    max_change: float = 0.2,
    interp_fs_hz: float = 4.0,
) -> HRV:
    """Heart-rate variability of the intervals between ``beats``.

    ``correction`` handles ectopic beats and detection artefacts, flagged when an
    interval is outside ``[min_rr_s, max_rr_s]`` or differs from the median of its 11
    neighbours by more than ``max_change`` (20 %): ``"remove"`` (default) drops them
    (successive differences only between two valid intervals; the tachogram is
    interpolated over the gaps), ``"interpolate"`` replaces them by linear
    interpolation of the valid neighbours, ``"none"`` uses every interval as NN.

    Indices and definitions: see :class:`HRV`. Minimum data: 2 NN for means, 3 for SDs,
    50 for triangular index, TINN and DFA alpha1, 200 for alpha2, 20 for sample
    entropy, a 60 / 120 / 300-s tachogram for HF / LF / VLF (Task Force 1996; Shaffer &
    Ginsberg 2017). Anything shorter is NaN, never an extrapolated number.
    """
    if not isinstance(beats, Beats):
        raise InvalidArgumentError(f"hrv() needs Beats (from detect_beats); got {type(beats).__name__}")
    return hrv_from_rr(beats.rr_s, correction=correction, min_rr_s=min_rr_s, max_rr_s=max_rr_s,
                       max_change=max_change, interp_fs_hz=interp_fs_hz)
