"""ECG wave delineation: P, QRS and T onset / peak / offset, per lead and multi-lead.

``delineate(rec)`` runs the slope delineator of :mod:`._delineate_lead` on every ECG lead
(vectorised over beats x leads; the filters run once per record on all leads; records
sampled at 450 Hz or more are delineated at about 250 Hz, on means of blocks of
``floor(fs / 250)`` samples, and the boundaries mapped back to ``fs``: the error this adds,
SD ~1 ms, is far below the boundaries' own; P and T waves, whose filters keep nothing above
~30 Hz, are searched at half that rate and their boundaries placed at the work rate by
interpolation, see ``_delineate_lead._refine2``), then fuses the leads (vectorised over beats):

* **global delineation** (one row per beat, the boundaries used for clinical 12-lead
  interval measurement): a wave is present when it is found in at least
  ``max(1, round(0.25 * n_leads))`` leads. Onsets are the *earliest onset confirmed by
  other leads* and offsets the *latest confirmed offset*: sorting the leads' onsets, the
  first one that has at least ``k`` other leads within a tolerance (QRS 12 ms, P 20 ms,
  T 40 ms) is kept, with ``k = 2`` for 6 or more leads, ``k = 1`` for 3-5 leads and
  ``k = 0`` for one or two leads (Laguna et al. 1994; Martínez et al. 2004 multilead
  rule). Isolated early onsets or late offsets from one noisy lead are thus rejected,
  and so are boundaries further than 30 ms (P, QRS) or 60 ms (T) from the agreeing
  leads' median (a lead whose T offset ran into a U wave or the next P wave).
  Peaks are the median of the leads' peaks (QRS peak: the beat fiducial). For P and T the
  largest group of leads whose peaks agree defines the wave; between equally large groups
  (two leads that disagree) the earliest wave wins, the later one being a U wave (T) in
  the other leads.
* **per-lead delineation**: each lead's own boundaries; a lead whose boundary differs
  from the leads' median by more than the tolerance above (a lead where the wave is
  too small to be delineated on its own) takes the median of the other leads instead,
  and a wave absent in the global delineation is absent in every lead.

Absent waves (no P in atrial fibrillation, a flat T) are -1: never invented.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import numpy as np

from .._core.annotations import Annotations
from .._core.errors import InvalidArgumentError
from .._core.recording import Recording
from .._core.results import Beats
from ..dsp._fast import count_true
from ._delineate_bias import correct_lead_bias
from ._delineate_filters import TUNING, prepare, remove_baseline
from ._delineate_lead import FIDUCIALS, _median, delineate_leads

__all__ = ["FIDUCIALS", "METHODS", "Delineation", "delineate"]

#: delineation methods of :func:`delineate`
METHODS = ("slope2004", "unet")
_WAVE_SYMBOL = ("p", "N", "t")
#: MIT-BIH beat symbols of the beat classes (N dominant, V ventricular ectopic, A supraventricular
#: premature, P paced -> "/"); anything else "Q" (unclassifiable)
_BEAT_SYMBOL = {"N": "N", "V": "V", "A": "A", "P": "/"}
# tolerance (s) of the multi-lead fusion per wave: P, QRS, T
_TOL_S = (0.020, 0.012, 0.040)
_PEAK_TOL_S = (0.030, 0.030, 0.060)
# fraction of leads in which a wave must be found (P, QRS, T) and agree (P, T)
_MIN_LEADS = (0.33, 0.25, 0.25)
_PR_TOL_S = 0.040
#: records sampled at >= 1.8 x this rate (Hz) are delineated at fs / floor(fs / _WORK_FS)
_WORK_FS = 250.0
#: P and T waves are searched at half the work rate when that is at least this rate (Hz)
_COARSE_FS = 125.0
# onsets / offsets further than this from the agreeing leads' median are outliers (P, QRS, T)
_OUTLIER_S = [0.03, 0.03, 0.06]
# at most this many other leads must confirm a global onset / offset (P, QRS, T)
_CONFIRM = [2, 2, 2]
_P_MIN_CORR = 0.5
#: other leads that must confirm a global onset / offset of the learned delineator
_UNET_CONFIRM = 0
_I64_MAX = np.iinfo(np.int64).max


@dataclass(frozen=True, eq=False)
class Delineation:
    """Wave boundaries of every beat, per lead and global.

    Attributes
    ----------
    per_lead
        ``(n_leads, n_beats, 9)`` int64 sample indices, columns :data:`FIDUCIALS`
        (``p_on, p_peak, p_off, qrs_on, qrs_peak, qrs_off, t_on, t_peak, t_off``); -1 = absent.
    global_
        ``(n_beats, 9)`` multi-lead (global) fiducials, same columns.
    beats
        ``(n_beats,)`` beat fiducials (R peaks) the delineation was built on.
    fs, leads, n_samples, method
        Sampling rate (Hz), lead names, signal length and algorithm name.
    """

    per_lead: np.ndarray
    global_: np.ndarray
    beats: np.ndarray
    fs: float
    leads: tuple[str, ...]
    n_samples: int
    method: str = "slope2004"
    extra: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        for name in ("per_lead", "global_", "beats"):
            arr = np.array(getattr(self, name), dtype=np.int64)
            arr.flags.writeable = False
            object.__setattr__(self, name, arr)

    def __len__(self) -> int:
        return int(self.beats.size)

    @property
    def n_beats(self) -> int:
        return int(self.beats.size)

    @property
    def usable(self) -> np.ndarray:
        """``(n_leads, n_beats)`` bool: False where a lead's beat was left out as unusable
        (``delineate(..., quality=)``; its waves are absent there, not missing from the heart)."""
        drop = self.extra.get("unusable")
        return np.ones(self.per_lead.shape[:2], bool) if drop is None else ~np.asarray(drop, bool)

    @property
    def usable_beats(self) -> np.ndarray:
        """``(n_beats,)`` bool: beats usable in at least one lead (the others have no global waves)."""
        drop = self.extra.get("unusable")
        return np.ones(self.n_beats, bool) if drop is None else ~np.asarray(drop, bool).all(axis=0)

    @property
    def p_readable_beats(self) -> np.ndarray:
        """``(n_beats,)`` bool: beats usable in at least half of the leads. Only these can settle
        whether a beat has a P wave: where an electrode pop or noise on one limb electrode left
        out most leads (up to 11 of 12), the few left cannot carry the fused P wave."""
        drop = self.extra.get("unusable")
        if drop is None:
            return np.ones(self.n_beats, bool)
        d = np.asarray(drop, bool)
        return 2 * (d.shape[0] - d.sum(axis=0)) >= d.shape[0]

    def lead(self, name: int | str) -> np.ndarray:
        """``(n_beats, 9)`` fiducials of one lead, by index or (case-insensitive) name."""
        return self.per_lead[self._lead_index(name)]

    def column(self, fiducial: str, *, lead: int | str | None = None) -> np.ndarray:
        """One fiducial (e.g. ``"qrs_on"``) for every beat: global, or of ``lead``."""
        if fiducial not in FIDUCIALS:
            raise InvalidArgumentError(f"unknown fiducial {fiducial!r}; choose one of {', '.join(FIDUCIALS)}")
        arr = self.global_ if lead is None else self.lead(lead)
        return arr[:, FIDUCIALS.index(fiducial)]

    def present(self, wave: str, *, lead: int | str | None = None) -> np.ndarray:
        """Boolean mask of beats where ``wave`` ("p", "qrs", "t") was found."""
        waves = ("p", "qrs", "t")
        if wave not in waves:
            raise InvalidArgumentError(f"unknown wave {wave!r}; choose one of p, qrs, t")
        return self.column(f"{wave}_peak" if wave != "qrs" else "qrs_on", lead=lead) >= 0

    def _lead_index(self, name: int | str) -> int:
        if isinstance(name, (int, np.integer)):
            if not -len(self.leads) <= int(name) < len(self.leads):
                raise InvalidArgumentError(f"lead index {name} out of range; there are {len(self.leads)} leads")
            return int(name) % len(self.leads)
        low = [x.lower() for x in self.leads]
        if str(name).lower() not in low:
            raise InvalidArgumentError(f"no lead named {name!r}; leads are: {', '.join(self.leads)}")
        return low.index(str(name).lower())

    def to_annotations(self, *, lead: int | str | None = None, name: str | None = None,
                       beat_symbols: bool = False, beat_classes: Sequence[str] | None = None) -> Annotations:
        """WFDB-convention annotations (QT Database / LUDB style) of the global or one lead.

        Each present wave becomes ``(`` at its onset, its peak symbol (``p``, ``N``, ``t``) and
        ``)`` at its offset; a boundary that could not be found is left out, never invented.
        The global delineation is written on channel 0. With ``beat_symbols=True`` the QRS
        peak symbol is placed at the beat fiducial (R peak) in the global delineation, and with
        ``beat_classes`` (one per beat: N, V, A, P, as :func:`cardiokit.ecg.morphology.classify_beats`
        gives) it is the beat's MIT-BIH symbol instead of ``N`` (``V``, ``A``, ``/`` for paced).
        """
        cls = None
        if beat_classes is not None and lead is None and beat_symbols:
            if len(beat_classes) != self.n_beats:
                raise InvalidArgumentError(f"beat_classes has {len(beat_classes)} labels for {self.n_beats} beats")
            cls = [_BEAT_SYMBOL.get(c, "Q") for c in beat_classes]
        arr = self.global_ if lead is None else self.lead(lead)
        samples: list[int] = []
        symbols: list[str] = []
        for i in range(arr.shape[0]):
            for w, sym in enumerate(_WAVE_SYMBOL):
                on, pk, off = (int(v) for v in arr[i, 3 * w : 3 * w + 3])
                if w == 1 and lead is None and beat_symbols:
                    pk = int(self.beats[i])
                if pk < 0:
                    continue
                if w == 1 and cls is not None:
                    sym = cls[i]
                # keep the file in time order: a boundary that would overlap the
                # previous wave (e.g. a global T onset before the global QRS offset) is left out
                while samples and samples[-1] > pk and symbols[-1] in "()":
                    samples.pop()
                    symbols.pop()
                if samples and samples[-1] > pk:
                    continue
                last = samples[-1] if samples else -1
                if last <= on < pk and not (symbols and symbols[-1] == ")" and on == last):
                    samples.append(on)
                    symbols.append("(")
                samples.append(pk)
                symbols.append(sym)
                if off > pk:
                    samples.append(off)
                    symbols.append(")")
        label = name or ("global" if lead is None else self.leads[self._lead_index(lead)].lower())
        return Annotations(label, np.asarray(samples, np.int64), tuple(symbols))


def _masked_median(v: np.ndarray, sel: np.ndarray) -> np.ndarray:
    """Median over axis 1 of the selected entries of ``v`` (rows with none selected: inf)."""
    srt = np.sort(np.where(sel if sel.ndim == v.ndim else sel[..., None], v, np.inf), axis=1)
    n = sel.sum(axis=1)
    lo = np.maximum((n - 1) // 2, 0)
    hi = np.maximum(n // 2, 0)
    rows = np.arange(v.shape[0])
    if v.ndim == 3:  # (rows, leads, columns): fancy indexing (take_along_axis costs more here)
        if sel.ndim == 2:
            lo, hi = lo[:, None], hi[:, None]
        rows, cols = rows[:, None], np.arange(v.shape[2])[None, :]
        return 0.5 * (srt[rows, lo, cols] + srt[rows, hi, cols])
    return 0.5 * (srt[rows, lo] + srt[rows, hi])


def _near_median(v: np.ndarray, sel: np.ndarray, med: np.ndarray, far: np.ndarray | float) -> np.ndarray:
    """``sel`` restricted to values within ``far`` (a number or one per row) of ``med`` (rows
    left empty keep ``sel``)."""
    near = sel & (np.abs(v - med[:, None]) <= (far[:, None] if isinstance(far, np.ndarray) else far))
    return np.where(near.any(axis=1)[:, None], near, sel)


def _confirmed_bounds(v: np.ndarray, sel: np.ndarray, tol: np.ndarray, k: np.ndarray, n_on: int) -> np.ndarray:
    """Per row of ``v`` (``(rows, L)`` float; the first ``n_on`` rows onsets, the others
    offsets): the earliest onset (latest offset) among the selected values with at least
    ``k`` other selected values within ``tol`` (one per row); the (floored) median of the
    selected values when none has."""
    # distances between the leads' values (the same for negated values: exact)
    close = v[:, :, None] - v[:, None, :]
    np.abs(close, out=close)
    close = close <= tol[:, None, None]
    close &= sel[:, None, :]
    ok = sel & (count_true(close) > k[:, None])  # at least k others (each value is close to itself)
    vv = v * _row_signs(v.shape[0], n_on)  # the latest offset is the earliest negated one
    best = np.where(ok, vv, np.inf).min(axis=1)
    best[n_on:] *= -1.0
    has = ok.any(axis=1)
    if has.all():  # the median fallback is not needed
        return best.astype(np.int64)
    med = np.floor(_masked_median(v, sel))
    return np.where(has, best, med).astype(np.int64)


@lru_cache(maxsize=64)
def _row_signs(rows: int, n_on: int) -> np.ndarray:
    """``(rows, 1)``: 1.0 for the first ``n_on`` rows, -1.0 for the others (read-only)."""
    out = np.where(np.arange(rows) < n_on, 1.0, -1.0)[:, None]
    out.flags.writeable = False
    return out


@lru_cache(maxsize=64)
def _fuse_params(nb: int, n_leads: int, fs: float, k: int, tol_s: tuple[float, ...]) -> tuple[np.ndarray, ...]:
    """Per-row parameters of :func:`_fuse` (rows: (wave, beat) pairs, wave-major), read-only:
    leads needed, boundary / peak / outlier tolerances (samples), confirmations, QRS rows,
    row numbers and the per-lead regularisation limits ``(rows, 3)``."""
    rep = lambda vals: np.repeat(np.asarray(vals, np.float64), nb)  # noqa: E731
    need = rep([max(1, round(m * n_leads)) for m in _MIN_LEADS])
    tol = rep(tol_s) * fs
    ptol = rep(_PEAK_TOL_S) * fs
    far = rep(_OUTLIER_S) * fs
    kcap = rep([min(k, c) for c in _CONFIRM]).astype(np.int64)
    is_qrs = np.repeat(np.arange(3) == 1, nb)
    lim3 = np.stack([tol * 1.5, ptol, tol * 1.5], axis=1)
    out = (need, tol, ptol, far, kcap, is_qrs, np.arange(3 * nb), lim3)
    for a in out:
        a.flags.writeable = False
    return out


def _fuse(per: np.ndarray, beats: np.ndarray, fs: float, *, confirm: int | None = None,
          tol_s: tuple[float, float, float] = _TOL_S, looked: np.ndarray | None = None
          ) -> tuple[np.ndarray, np.ndarray]:
    """Global fiducials and regularised per-lead fiducials (see the module docstring).

    Vectorised over beats and waves: ``per`` is ``(n_leads, n_beats, 9)``; the rows of the
    work arrays are (wave, beat) pairs, each with its wave's tolerances. ``confirm``
    overrides the number of other leads that must confirm a global onset / offset.
    ``looked`` (``(n_beats,)``): leads each beat was delineated in (the others were left out
    as unusable): the share of leads a wave must be found and agree in is of those.
    """
    n_leads, nb, _ = per.shape
    if n_leads == 1:  # nothing to fuse
        glob = per[0].copy()
        glob[:, 4] = np.where(glob[:, 3] >= 0, beats, -1)
        return glob, per.copy()
    if nb == 0:
        return np.empty((0, 9), np.int64), per.copy()
    k = 2 if n_leads >= 6 else (1 if n_leads >= 3 else 0)
    if confirm is not None:
        k = min(k, confirm)
    # rows: (wave, beat) pairs, wave-major; per-row parameters of each wave
    need, tol, ptol, far, kcap, is_qrs, rows, lim3 = _fuse_params(nb, n_leads, float(fs), k, tuple(tol_s))
    if looked is not None:
        need = np.maximum(1.0, np.rint(np.outer(_MIN_LEADS, np.asarray(looked, np.float64)))).reshape(-1)
    nr = 3 * nb
    blk = per.reshape(n_leads, nb, 3, 3).transpose(2, 1, 0, 3).reshape(nr, n_leads, 3)  # (rows, L, 3)
    sel = blk[:, :, 1] >= 0
    ok = sel.sum(axis=1) >= need
    # P and T: the leads must agree on where the wave is
    pk = blk[:, :, 1]
    near = pk[:, :, None] - pk[:, None, :]
    np.abs(near, out=near)
    near = near <= ptol[:, None, None]
    near &= sel[:, :, None]
    near &= sel[:, None, :]
    cnt = count_true(near)
    # ties (e.g. two leads that disagree) go to the earliest wave: a later one is a U
    # wave (T) or the previous T wave (P) in the other leads (leads at the same peak agree
    # with the same leads: any of them)
    best = np.where(sel & (cnt == cnt.max(axis=1, keepdims=True)), pk, _I64_MAX).argmin(axis=1)
    ok &= is_qrs | (cnt[rows, best] >= need)
    sel = np.where(is_qrs[:, None], sel, near[rows, best])
    sel &= ok[:, None]
    n_sel = sel.sum(axis=1)
    kk = np.minimum(kcap, np.maximum(n_sel - 1, 0))
    b_ok, s_ok, k_ok = blk[ok].astype(np.float64), sel[ok], kk[ok]
    tol_ok, far_ok = tol[ok], far[ok]
    med = _masked_median(b_ok, s_ok)
    # a boundary far from the agreeing leads' median (a lead that ran into a U wave or
    # the next P wave) cannot define the global boundary
    # onsets and offsets as one stack of rows: (onset rows, offset rows)
    n_ok = b_ok.shape[0]
    v2 = b_ok[:, :, ::2].transpose(2, 0, 1).reshape(2 * n_ok, n_leads)
    s2 = _near_median(v2, np.concatenate((s_ok, s_ok)), med[:, ::2].T.reshape(-1), np.concatenate((far_ok, far_ok)))
    k2 = np.minimum(np.concatenate((k_ok, k_ok)), np.maximum(s2.sum(1) - 1, 0))
    g2 = _confirmed_bounds(v2, s2, np.concatenate((tol_ok, tol_ok)), k2, n_ok)
    g_on, g_off = g2[:n_ok], g2[n_ok:]
    beats3 = np.concatenate((beats, beats, beats))
    g_pk = np.where(is_qrs[ok], beats3[ok], np.rint(med[:, 1]).astype(np.int64))
    g3 = np.empty((nr, 3), np.int64)
    g3.fill(-1)
    g3[ok] = np.concatenate((g_on[:, None], g_pk[:, None], g_off[:, None]), axis=1)
    glob = g3.reshape(3, nb, 3).transpose(1, 0, 2).reshape(nb, 9)
    # per-lead regularisation towards the agreeing leads' median
    lim = lim3[ok]  # (n_ok, 3)
    mrow = np.rint(med).astype(np.int64)  # (n_ok, 3)
    cur = blk[ok]  # (n_ok, L, 3)
    bad = (cur < 0) | (np.abs(cur - med[:, None, :]) > lim[:, None, :])
    o3 = np.empty((nr, n_leads, 3), np.int64)
    o3.fill(-1)
    o3[ok] = np.where(bad, mrow[:, None, :], cur)
    out = o3.reshape(3, nb, n_leads, 3).transpose(2, 1, 0, 3).reshape(n_leads, nb, 9)
    # a P wave whose PR interval differs from the record's usual PR is not trusted
    has_p = glob[:, 1] >= 0
    if has_p.sum() >= 3:
        pr = (glob[has_p, 3] - glob[has_p, 1]) / fs
        bad = has_p.nonzero()[0][np.abs(pr - _median(pr)) > _PR_TOL_S]
        glob[bad, 0:3] = -1
        out[:, bad, 0:3] = -1
    return glob, out


def _check_p_morphology(glob: np.ndarray, per: np.ndarray, smooth: np.ndarray, fs: float, step: int = 1) -> None:
    """Drop P waves unlike the record's median P wave (f waves of atrial fibrillation);
    ``smooth`` (sampled at ``fs``) holds every ``step``-th sample of the fiducials' signal."""
    has = (glob[:, 1] >= 0).nonzero()[0]
    h = round(0.05 * fs)
    pk = glob[has, 1] // step
    keep = (pk - h >= 0) & (pk + h < smooth.shape[0])
    has, pk = has[keep], pk[keep]
    if has.size < 3:
        return
    seg = smooth[pk[:, None] + np.arange(-h, h + 1)[None, :], :]  # (n, win, leads)
    # np.mean's sum and division (by an intp count, into the sum's dtype) without its wrapper
    mean = seg.sum(axis=1, keepdims=True)
    np.true_divide(mean, np.intp(seg.shape[1]), out=mean, casting="unsafe")
    seg = seg - mean
    flat = seg.reshape(has.size, -1)
    srt = np.sort(flat, axis=0)  # the column medians, as np.median gives them, with less overhead
    mid = has.size // 2
    tmpl = srt[mid] if has.size % 2 else (srt[mid - 1] + srt[mid]) / 2
    den = np.sqrt((flat * flat).sum(axis=1)) * np.sqrt(tmpl.dot(tmpl))  # np.linalg.norm's sums
    corr = np.where(den > 0, flat @ tmpl / np.where(den > 0, den, 1.0), 0.0)
    bad = has[corr < _P_MIN_CORR]
    glob[bad, 0:3] = -1
    per[:, bad, 0:3] = -1


def _already_highpassed(rec: Recording) -> bool:
    """True when ``meta["ecg_filter"]`` (from :func:`cardiokit.ecg.clean`) says every channel
    of ``rec`` was high-passed at or above the rules' baseline cut-off."""
    note = rec.meta.get("ecg_filter")
    if not isinstance(note, Mapping):
        return False
    low = note.get("low_hz")
    done = set(note.get("channels") or ())
    return (isinstance(low, (int, float)) and low >= TUNING.hp_hz
            and all(c.name in done for c in rec.channels))


def delineate(
    rec: Recording,
    *,
    beats: Beats | np.ndarray | None = None,
    leads: list[str] | tuple[str, ...] | None = None,
    method: str = "slope2004",
    highpass: bool | None = None,
    lead_bias: bool = True,
    quality: Any = None,
) -> Delineation:
    """Delineate P, QRS and T waves of every beat, per lead and across leads.

    Parameters
    ----------
    rec
        Recording; its ECG channels (kind ``"ecg"``, else every channel) are used. Raw or
        cleaned signals are both accepted (a 0.5 Hz high-pass is applied internally unless the
        signals are already high-passed, see ``highpass``).
    beats
        Beat fiducials (R peaks) as :class:`Beats` or sample indices; detected with
        :func:`cardiokit.ecg.detect_beats` when None.
    leads
        Restrict to these channel names.
    method
        ``"slope2004"``: multiscale-derivative slope thresholds after Martínez et al. 2004
        (the rules). ``"unet"``: the learned delineator, a small 1-D U-Net (ONNX, trained on
        LUDB; ``models/delineator_ludb.md``) labelling each lead's samples P / QRS / T / other,
        each beat's waves taken from the labelled runs around its R peak (a wave the network
        does not label is absent), leads fused as below with the earliest onset / latest
        offset (no confirmation needed; outliers still rejected). Out-of-fold and external
        accuracy of both: docs/BENCHMARKS.md, "Delineation". The rules stay the default: the
        U-Net's boundaries are closer to the experts' on LUDB (out-of-fold) and the QT
        Database, but its global boundaries are not better on both, its measured PR agrees less
        with LUDB's, it widens the QRS of simulated ECGs (+12 ms, model 1.1.0), finds P waves in
        ~40 % of the beats of simulated atrial fibrillation and takes about twice as long.
    highpass
        Remove the baseline with a zero-phase 0.5 Hz Butterworth high-pass first. ``None``
        (default): unless the recording says it is already high-passed at >= 0.5 Hz on every
        delineated lead (``meta["ecg_filter"]``, set by :func:`cardiokit.ecg.clean`), as in
        ``cardiokit.analyze``. True / False force it on / off. Skipping the second pass over
        a cleaned record saves one filter pass; the boundaries differ a little from the twice
        high-passed signals the rules were tuned on (LUDB: P-wave sensitivity -0.2 point,
        PPV +0.3 point; PR, QRS and QT within 0.3 ms).
    lead_bias
        ``"slope2004"`` only: remove each standard lead's systematic P-wave boundary bias (by
        lead and P shape, learned on LUDB, :mod:`._delineate_bias`) from the per-lead
        boundaries (default). The global boundaries are the same either way.
    quality
        A :class:`cardiokit.quality.SignalQuality` of the same leads (matched by name), e.g.
        ``assess_quality(rec, beats=beats)``: a beat whose R peak lies in a segment of a lead
        graded ``unusable`` has that lead's waves reported absent there and left out of the
        global boundaries, so the measurements built on them (:func:`cardiokit.ecg.measure`)
        exclude the unusable stretches (``SignalQuality.unusable_segments``). A beat
        unusable in every lead has no global waves. ``raw_per_lead`` (in ``extra``) keeps
        every lead's own detections.

    Returns
    -------
    Delineation
        Per-lead and global fiducials; absent waves are -1.
    """
    if method not in METHODS:
        raise InvalidArgumentError(f"unknown delineation method {method!r}; choose one of {', '.join(METHODS)}")
    sub = _ecg_channels(rec, leads)
    fs = sub.fs
    if beats is None:
        from .qrs import detect_beats

        beats = detect_beats(rec)
    r = np.asarray(beats.samples if isinstance(beats, Beats) else beats, dtype=np.int64).reshape(-1)
    r = r[(r >= 0) & (r < sub.n_samples)]
    if r.size > 1 and not (r[1:] > r[:-1]).all():  # already sorted and unique: nothing to do
        r = np.unique(r)
    drop = unusable_beats(quality, sub.channel_names, r, fs) if quality is not None else None
    if method == "unet":
        return _delineate_unet(sub, r, drop=drop)
    return _delineate_rules(sub, r, highpass=highpass, lead_bias=lead_bias, drop=drop)


def _delineate_rules(sub: Recording, r: np.ndarray, *, highpass: bool | None = None, lead_bias: bool = True,
                     drop: np.ndarray | None = None) -> Delineation:
    """The rules (``"slope2004"``) of :func:`delineate` on the leads of ``sub`` at the sorted beats
    ``r``; ``drop``: ``(L, n_beats)`` lead-beats left out (see ``quality`` there)."""
    fs = sub.fs
    n_leads = sub.n_channels
    if r.size and sub.n_samples >= round(0.2 * fs):
        q = int(fs // _WORK_FS) if fs >= 1.8 * _WORK_FS else 1
        if highpass is None:
            highpass = not _already_highpassed(sub)
        # baseline-removed signals: float64 when filtered here, else the signals as stored (float32
        # as a rule; their readers take float64 from the samples they read, the same values)
        hp = remove_baseline(sub.signals, fs, TUNING) if highpass else np.asarray(sub.signals)
        x, rd, fw = hp, r, fs
        if q > 1:  # delineate at fs / q: block means (a light anti-alias filter), then decimate
            m = sub.n_samples // q
            if q == 2:  # the same sums and halves as the mean below, without its reduction overhead,
                # written as the (leads, samples) rows prepare() filters (no transposed copy there);
                # from the float32 input when that is the signal (the same float64 sums, half the reads)
                x = _pair_means_rows(hp if highpass else sub.signals, m).T
            else:
                x = np.asarray(hp[: m * q], np.float64).reshape(m, q, n_leads).mean(axis=1)
            rd = np.minimum(np.maximum(np.rint((r - (q - 1) / 2) / q).astype(np.int64), 0), m - 1)
            fw = fs / q
        # P and T waves are searched at half the work rate when that leaves >= _COARSE_FS
        step = 2 if fw >= 1.8 * _COARSE_FS else 1
        filt = prepare(x, fw, TUNING, highpass=False, step=step)
        per = delineate_leads(filt, rd, fw, TUNING)
        glob, fused = _fuse(per, rd, fw) if drop is None else _fuse(
            np.where(drop[:, :, None], -1, per), rd, fw, looked=n_leads - drop.sum(axis=0))
        _check_p_morphology(glob, fused, filt.smooth, fw / step, step)
        if q > 1:
            every = _upsample(np.concatenate((per, fused, glob[None])), q, sub.n_samples)  # one pass for all
            per, fused, glob = every[:n_leads], every[n_leads:-1], every[-1]
            glob[:, 4] = np.where(glob[:, 4] >= 0, r, -1)
        if lead_bias:
            fused = correct_lead_bias(fused, sub.channel_names, fs, sub.n_samples, hp)
        if drop is not None:
            fused[drop] = -1
        # the baseline-removed signals are reused by measure() (only those: the derivative
        # filters are not kept, so a Report does not hold several copies of a long recording)
        extra = {"raw_per_lead": per, "work_fs": fw, "_hp": hp, "_signals": sub.signals, "unusable": drop}
    else:
        per = np.full((n_leads, r.size, 9), -1, np.int64)
        glob, fused = np.full((r.size, 9), -1, np.int64), per
        extra = {"raw_per_lead": per}
    return Delineation(fused, glob, r, fs, sub.channel_names, sub.n_samples, "slope2004", extra)


def _pair_means_rows(x: np.ndarray, m: int) -> np.ndarray:
    """``(L, m)`` float64 means of the sample pairs ``2 j, 2 j + 1`` of ``(n, L)`` ``x`` (``(x[2 j]
    + x[2 j + 1]) / 2``, summed in float64), transposed in blocks of 256 pairs (a cache-sized
    transposed copy: ~25 % faster than one strided sum over the whole record)."""
    n_leads = x.shape[1]
    t = x[: 2 * m].reshape(m, 2 * n_leads)  # row j: samples 2 j then 2 j + 1 of every lead
    f = np.empty((2 * n_leads, m))
    for j in range(0, m, 256):
        f[:, j : j + 256] = t[j : j + 256].T
    out = f[:n_leads]
    out += f[n_leads:]
    out /= 2
    return out


def _delineate_unet(sub: Recording, r: np.ndarray, *, probs: np.ndarray | None = None,
                    regularise: str = "fill", drop: np.ndarray | None = None) -> Delineation:
    """The learned delineator (:mod:`._delineate_unet`) on every lead, fused like the rules.

    ``probs`` replaces the network's class scores (``(L, 4, n)`` logits or probabilities at
    250 Hz; the benchmark scores out-of-fold predictions of the cross-validation models so).
    ``drop``: ``(L, n_beats)`` lead-beats left out (see ``quality`` in :func:`delineate`).
    """
    from . import _delineate_unet as U

    fs, n, n_leads = sub.fs, sub.n_samples, sub.n_channels
    hp = remove_baseline(sub.signals, fs, TUNING)
    extra = {"_hp": hp, "_signals": sub.signals, "work_fs": U.NET_FS}
    x = U.to_net_rate(hp, fs)
    if r.size == 0 or x.shape[0] < U.NET_FS * 0.2:
        per = np.full((n_leads, r.size, 9), -1, np.int64)
        return Delineation(per, np.full((r.size, 9), -1, np.int64), r, fs, sub.channel_names, n, "unet",
                           {**extra, "raw_per_lead": per})
    p = U.scores(x) if probs is None else probs
    bw = U.boundaries(p, x, U.fs_to_work(r.astype(np.float64), fs))
    ok = np.isfinite(bw)
    per = np.where(ok, np.clip(np.round(U.work_to_fs(np.where(ok, bw, 0.0), fs)), 0, n - 1), -1).astype(np.int64)
    raw = per  # each lead's own detections (``raw_per_lead``)
    looked = None
    if drop is not None:
        per = np.where(drop[:, :, None], -1, per)
        looked = per.shape[0] - drop.sum(axis=0)
    glob, fused = _fuse(per, r, fs, confirm=_UNET_CONFIRM, looked=looked)
    _check_p_morphology(glob, fused, hp, fs)
    miss = (glob[:, 3] < 0) if drop is None else (glob[:, 3] < 0) & ~drop.all(axis=0)
    if miss.any():  # beats whose QRS the network did not label (e.g. > 200 bpm): the rules
        rules = _delineate_rules(sub, r, drop=drop)
        glob[miss] = rules.global_[miss]
        fused[:, miss] = rules.per_lead[:, miss]
        per[:, miss] = rules.per_lead[:, miss]
        if raw is not per:
            raw[:, miss] = rules.extra["raw_per_lead"][:, miss]
    if regularise != "median":  # keep each lead's own boundaries where it found the wave
        own = per.copy()
        for w in range(3):
            cols = slice(3 * w, 3 * w + 3)
            own[:, glob[:, 3 * w + 1] < 0, cols] = -1
            if regularise == "fill":  # a lead without the wave takes the other leads' median
                miss = (own[:, :, 3 * w + 1] < 0) & (glob[None, :, 3 * w + 1] >= 0)
                own[:, :, cols] = np.where(miss[:, :, None], fused[:, :, cols], own[:, :, cols])
        fused = own
    if drop is not None:
        fused[drop] = -1
    return Delineation(fused, glob, r, fs, sub.channel_names, n, "unet", {**extra, "raw_per_lead": raw, "unusable": drop})


def unusable_beats(quality: Any, leads: tuple[str, ...] | list[str], beats: np.ndarray, fs: float
                   ) -> np.ndarray | None:
    """``(n_leads, n_beats)`` bool: True where a beat's R peak (sample of ``beats`` at ``fs``)
    lies in a segment graded ``unusable`` of that lead in ``quality`` (a
    :class:`cardiokit.quality.SignalQuality`; leads matched by name, case-insensitive; a lead
    it does not name is kept); None when there is no such beat."""
    leads_q = getattr(quality, "leads", ())
    if not any(sq.grade == "unusable" for lq in leads_q for sq in lq.segments):  # the usual case
        return None
    by_name = {str(lq.lead).lower(): lq for lq in leads_q}
    t = np.asarray(beats, np.float64) / fs
    out = np.zeros((len(leads), t.size), bool)
    for i, name in enumerate(leads):
        lq = by_name.get(str(name).lower())
        segs = lq.segments if lq is not None else ()
        for j, sq in enumerate(segs):
            if sq.grade == "unusable":  # the last segment holds the record's last sample
                out[i] |= (t >= sq.start_s) & ((t < sq.stop_s) | (j == len(segs) - 1))
    return out if out.any() else None


def _upsample(a: np.ndarray, q: int, n: int) -> np.ndarray:
    """Fiducials (last axis :data:`FIDUCIALS`) found at ``fs / q`` (block means of ``q`` samples)
    as sample indices at ``fs``; -1 stays -1.

    A boundary walk stops at the first coarse sample past the threshold crossing, so the
    crossing lies up to one coarse step back towards the wave: onsets map to the later and
    offsets to the earlier full-rate sample of their block.
    """
    shift = np.array([q // 2, (q - 1) // 2, (q - 1) // 2] * 3)
    return np.where(a >= 0, np.minimum(a * q + shift, n - 1), -1)


def _ecg_channels(rec: Recording, leads: list[str] | tuple[str, ...] | None) -> Recording:
    if leads is not None:
        return rec.select(list(leads))
    if any(c.kind == "ecg" for c in rec.channels):
        return rec.select(kind="ecg")
    return rec
