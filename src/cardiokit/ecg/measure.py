"""Global ECG measurements: rate, intervals, QTc, frontal axes, per-lead amplitudes.

Intervals and amplitudes are measured on the **median beats** (the clinical standard of
12-lead electrocardiographs, IEC 60601-2-25): beats are aligned on R and beats of another
QRS morphology (ectopics) are left out. The median beat's boundaries are the medians, over
those dominant beats, of each beat's boundaries relative to its R peak as found by
:func:`cardiokit.ecg.delineate` (multi-lead rule: earliest confirmed onset, latest confirmed
offset), so the delineation is not repeated and each beat is delineated with its neighbours
in view; when the delineation does not cover the same leads the median beat is delineated
on its own. A wave is reported only when it was found in at least half of the beats (no P
wave in atrial fibrillation); anything not measurable is ``None``.

QTc formulas (RR in s, QT in ms): Bazett QT/RR^0.5, Fridericia QT/RR^(1/3),
Framingham QT + 154 (1 - RR), Hodges QT + 1.75 (HR - 60). ``qtc_ms`` uses the formula asked
for (Bazett by default, as most electrocardiographs print); ``qtc_prolonged`` always judges
the Framingham QTc, the linear correction Rautaharju 2009 recommends over Bazett's (which
over-corrects at fast rates), against 450 ms (men) / 460 ms (women), like the QT statements.

References: Bazett HC, Heart 7:353, 1920; Fridericia LS, Acta Med Scand 53:469, 1920;
Sagie A et al., Am J Cardiol 70:797, 1992 (Framingham); Hodges M et al., J Am Coll
Cardiol 1:694, 1983; Rautaharju PM et al., AHA/ACCF/HRS recommendations part IV (QT),
Circulation 119:e241, 2009.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import Any

import numpy as np

from .._core.errors import CardiokitError, InvalidArgumentError
from .._core.leads import LIMB_BASIS, derive_limb_leads, standard_lead_name
from .._core.recording import Recording
from .._core.results import Beats
from .._core.units import VOLT_TO_MV
from ..dsp._fast import median1
from ._delineate_filters import remove_baseline
from ._measure_median import MedianBeat, median_beat
from .delineate import Delineation, _ecg_channels, _fuse, delineate

__all__ = ["QTC_FORMULAS", "LeadAmplitudes", "Measurements", "measure", "qtc"]

QTC_FORMULAS = ("bazett", "fridericia", "framingham", "hodges")
#: Upper limits of normal QTc (ms) by sex (AHA/ACCF/HRS 2009): prolonged from 450 (men), 460 (women).
QTC_UPPER_MS = {"M": 450.0, "F": 460.0}
#: The rate correction ``qtc_prolonged`` judges (a linear one, Rautaharju 2009).
QTC_JUDGED_FORMULA = "framingham"
_SCALE_TO_MV = {"": 1.0, **VOLT_TO_MV}


def qtc(qt_ms: float, rr_s: float, *, formula: str = "bazett") -> float:
    """Heart-rate-corrected QT in ms with the named formula (see :data:`QTC_FORMULAS`)."""
    if formula not in QTC_FORMULAS:
        raise InvalidArgumentError(f"unknown QTc formula {formula!r}; choose one of {', '.join(QTC_FORMULAS)}")
    if not rr_s > 0:
        raise InvalidArgumentError(f"rr_s must be > 0; got {rr_s}")
    if formula == "bazett":
        return qt_ms / math.sqrt(rr_s)
    if formula == "fridericia":
        return qt_ms / rr_s ** (1.0 / 3.0)
    if formula == "framingham":
        return qt_ms + 154.0 * (1.0 - rr_s)
    return qt_ms + 1.75 * (60.0 / rr_s - 60.0)


@dataclass(frozen=True)
class LeadAmplitudes:
    """Amplitudes of one lead's median beat in mV relative to the PR baseline (None: absent)."""

    p_mv: float | None
    q_mv: float | None
    r_mv: float | None
    s_mv: float | None
    t_mv: float | None
    st_mv: float | None  # at J + 60 ms


@dataclass(frozen=True, eq=False)
class Measurements:
    """Global measurements of one recording (see the module docstring for the rules)."""

    heart_rate_bpm: float | None
    rr_ms: float | None
    p_duration_ms: float | None
    pr_ms: float | None
    qrs_ms: float | None
    qt_ms: float | None
    qtc_ms: float | None
    qtc_formula: str
    qtc_all_ms: dict[str, float | None]
    p_axis_deg: float | None
    qrs_axis_deg: float | None
    t_axis_deg: float | None
    n_beats: int
    sex: str | None = None
    qtc_prolonged: bool | None = None
    median_beat: MedianBeat | None = None
    #: ``(beats, r, fs)`` the HRV is computed from, on first access of :attr:`hrv`
    hrv_input: Any = field(default=None, repr=False)
    extra: dict = field(default_factory=dict)
    #: ``(median beat, P measurable)`` the amplitudes are measured on, on first access of
    #: :attr:`amplitudes`
    amplitudes_input: Any = field(default=None, repr=False)

    @cached_property
    def amplitudes(self) -> dict[str, LeadAmplitudes]:
        """Per-lead amplitudes of the median beat (lead name -> :class:`LeadAmplitudes`;
        empty without a median beat), measured when first read: the analysis chain does
        not need them (its per-lead morphology measures its own)."""
        if self.amplitudes_input is None:
            return {}
        mb, p_ok = self.amplitudes_input
        amps = _amplitudes(np.asarray(mb.signals, np.float64), mb.global_, mb.fs)
        if not p_ok:
            amps = [replace(a, p_mv=None) for a in amps]
        return dict(zip(mb.leads, amps, strict=True))

    @cached_property
    def hrv(self) -> Any:
        """HRV of the beats (:func:`cardiokit.ecg.hrv`; None with < 3 beats), computed when
        first read: the analysis chain does not need it."""
        return None if self.hrv_input is None else _hrv(*self.hrv_input)

    def to_dict(self, *, details: bool = True) -> dict[str, Any]:
        """JSON-ready dict; the project's field names, None when not measurable.

        ``details=False`` leaves out ``qtc_all_ms``, ``amplitudes_mv`` and ``hrv`` (the
        numbers only, as the analysis report lists them).
        """
        out: dict[str, Any] = {
            k: _r(getattr(self, k))
            for k in ("heart_rate_bpm", "rr_ms", "p_duration_ms", "pr_ms", "qrs_ms", "qt_ms", "qtc_ms")
        }
        out["qtc_formula"] = self.qtc_formula
        out.update({k: _r(getattr(self, k)) for k in ("p_axis_deg", "qrs_axis_deg", "t_axis_deg")})
        if not details:
            out["qtc_prolonged"] = self.qtc_prolonged
            out["n_beats"] = self.n_beats
            return out
        out["qtc_all_ms"] = {k: _r(v) for k, v in self.qtc_all_ms.items()}
        out["qtc_prolonged"] = self.qtc_prolonged
        out["n_beats"] = self.n_beats
        out["amplitudes_mv"] = {
            lead: {k: _r(v, 3) for k, v in vars(a).items()} for lead, a in self.amplitudes.items()
        }
        if self.hrv is not None and hasattr(self.hrv, "to_dict"):
            out["hrv"] = self.hrv.to_dict()
        return out


def _r(v: float | None, nd: int = 1) -> float | None:
    return None if v is None or not math.isfinite(v) else round(float(v), nd)


def _amplitudes(med: np.ndarray, g: np.ndarray, fs: float) -> list[LeadAmplitudes]:
    """Amplitudes of every lead (columns of ``med``) against the global fiducials ``g``."""
    n, n_leads = med.shape
    qon, qoff = int(g[3]), int(g[5])
    if qon < 0 or qoff <= qon:
        return [LeadAmplitudes(None, None, None, None, None, None)] * n_leads
    w = max(1, round(0.01 * fs))
    base = med[max(qon - w, 0) : qon + 1].mean(axis=0)
    x = med - base
    qrs = x[qon : qoff + 1]
    k_r = np.argmax(qrs, axis=0)
    peak = qrs[k_r, np.arange(n_leads)]
    r_mv = np.where(peak > 0, peak, 0.0)
    pos = np.arange(qrs.shape[0])[:, None]
    before = np.where(pos <= k_r, qrs, np.inf).min(axis=0)
    after = np.where(pos >= k_r, qrs, np.inf).min(axis=0)
    q_mv = np.where(r_mv > 0, np.minimum(before, 0.0), qrs.min(axis=0))
    s_mv = np.where(r_mv > 0, np.minimum(after, 0.0), 0.0)

    def signed_peak(a: int, b: int) -> list[float | None]:
        if a < 0 or b <= a:
            return [None] * n_leads
        seg = x[a : b + 1]
        return seg[np.argmax(np.abs(seg), axis=0), np.arange(n_leads)].tolist()

    j60 = qoff + round(0.06 * fs)
    st = x[j60].tolist() if j60 < n else [None] * n_leads
    p, t = signed_peak(int(g[0]), int(g[2])), signed_peak(int(g[6]), int(g[8]))
    return [LeadAmplitudes(*v) for v in zip(p, q_mv.tolist(), r_mv.tolist(), s_mv.tolist(), t, st, strict=True)]


def _axis(i_val: float | None, avf_val: float | None) -> float | None:
    """Frontal axis (deg, -180..180) from lead I and aVF projections (hexaxial system)."""
    if i_val is None or avf_val is None or (abs(i_val) < 1e-12 and abs(avf_val) < 1e-12):
        return None
    return float(np.degrees(np.arctan2(2.0 * avf_val / math.sqrt(3.0), i_val)))


def _limb_i_avf(sig: np.ndarray, leads: tuple[str, ...]) -> tuple[np.ndarray | None, np.ndarray | None]:
    """Leads I and aVF, derived from any two of I, II, III when missing, else from the two limb
    leads furthest from parallel (monitor leads II and aVR: I = -2 aVR - II); leads found by
    their standard name ("Lead II", "DII" are II)."""
    low = [(standard_lead_name(x) or x).lower() for x in leads]
    get = {k: sig[:, low.index(k)] for k in ("i", "ii", "iii", "avf") if k in low}
    i = get.get("i")
    if i is None and "ii" in get and "iii" in get:
        i = get["ii"] - get["iii"]
    avf = get.get("avf")
    if avf is None:
        if "ii" in get and "iii" in get:
            avf = 0.5 * (get["ii"] + get["iii"])
        elif "ii" in get and i is not None:
            avf = get["ii"] - 0.5 * i
    if i is not None and avf is not None:
        return i, avf
    basis = {k.lower(): v for k, v in LIMB_BASIS.items()}
    limb = [k for k in basis if k in low and low.count(k) == 1]
    if len(limb) < 2:
        return i, avf

    def spread(pair: tuple[str, str]) -> float:
        (a1, a2), (b1, b2) = basis[pair[0]], basis[pair[1]]
        return abs(a1 * b2 - a2 * b1) / (float(np.hypot(a1, a2)) * float(np.hypot(b1, b2)))

    m, n = max(((m, n) for k, m in enumerate(limb) for n in limb[k + 1:]), key=spread)
    (a1, a2), (b1, b2) = basis[m], basis[n]
    a, b, det = sig[:, low.index(m)], sig[:, low.index(n)], a1 * b2 - a2 * b1
    i_d = (b2 * a - a2 * b) / det
    avf_d = derive_limb_leads(i_d, (a1 * b - b1 * a) / det)["aVF"]
    return (i if i is not None else i_d), (avf if avf is not None else avf_d)


def measure(
    rec: Recording,
    *,
    beats: Beats | np.ndarray | None = None,
    delineation: Delineation | None = None,
    sex: str | None = None,
    qtc_formula: str = "bazett",
) -> Measurements:
    """Heart rate, intervals, QTc, axes and amplitudes of an ECG recording.

    Parameters
    ----------
    rec
        Recording (ECG channels are used).
    beats, delineation
        Reuse earlier stages; computed when None.
    sex
        ``"M"`` or ``"F"`` (default: ``rec.meta["subject"]["sex"]`` when present), used for the
        QTc upper limit of normal (``qtc_prolonged``, judged on the Framingham QTc).
    qtc_formula
        Which QTc is reported as ``qtc_ms``: one of :data:`QTC_FORMULAS` (all are in ``qtc_all_ms``).
    """
    if qtc_formula not in QTC_FORMULAS:
        raise InvalidArgumentError(f"unknown QTc formula {qtc_formula!r}; choose one of {', '.join(QTC_FORMULAS)}")
    if sex is None:
        subj = rec.meta.get("subject") or {}
        sex = subj.get("sex") if hasattr(subj, "get") else None
    if sex is not None:
        sex = str(sex).strip().upper()[:1]
        if sex not in ("M", "F"):
            raise InvalidArgumentError(f"sex must be 'M' or 'F' (or None); got {sex!r}")
    sub = _ecg_channels(rec, None)
    fs = sub.fs
    if delineation is None:
        if beats is None:
            from .qrs import detect_beats

            beats = detect_beats(rec)
        delineation = delineate(sub, beats=beats)
    r = delineation.beats
    units = [_SCALE_TO_MV.get(c.unit.strip().lower(), 1.0) for c in sub.channels]
    scale = None if all(v == 1.0 for v in units) else np.array(units)  # every lead in mV: nothing to scale
    rr = np.diff(r) / fs
    seen = delineation.usable_beats
    if rr.size and not seen.all():  # intervals touching a beat unusable in every lead are left out
        rr = rr[seen[1:] & seen[:-1]]
    rr_s = median1(rr) if rr.size else None
    hr = 60.0 / rr_s if rr_s else None
    hrv_result = (beats, r, fs, None if seen.all() else seen)
    mb = None
    if r.size and sub.n_samples >= round(0.5 * fs):
        hp = _highpassed(sub.signals, fs, delineation)
        same = tuple(delineation.leads) == tuple(sub.channel_names) and delineation.per_lead.shape[0] == sub.n_channels
        mb = median_beat(hp, r, fs, sub.channel_names, _fuse,
                         beat_fiducials=(delineation.per_lead, delineation.global_) if same else None,
                         scale=scale, usable=delineation.usable if same else None)
    empty = Measurements(hr, None if rr_s is None else rr_s * 1000, None, None, None, None, None, qtc_formula,
                         dict.fromkeys(QTC_FORMULAS), None, None, None, int(r.size), sex, None, mb,
                         hrv_result)
    if mb is None:
        return empty
    mb = _p_from_beats(mb, delineation)
    g = mb.global_
    ms = 1000.0 / fs
    # beats left out as unusable in most leads do not count (too few leads to settle a P wave)
    readable = delineation.p_readable_beats
    n_usable = int(np.count_nonzero(readable))
    p_ok = n_usable > 0 and 2 * np.count_nonzero(delineation.global_[readable, 1] >= 0) >= n_usable \
        and g[1] >= 0
    dur = lambda a, b: (g[b] - g[a]) * ms if g[a] >= 0 and g[b] > g[a] else None  # noqa: E731
    qrs_ms, qt_ms = dur(3, 5), dur(3, 8)
    p_ms, pr_ms = (dur(0, 2), dur(0, 3)) if p_ok else (None, None)
    rr_for_qtc = rr_s if rr_s else None
    qtc_all = {f: (qtc(qt_ms, rr_for_qtc, formula=f) if qt_ms and rr_for_qtc else None) for f in QTC_FORMULAS}
    qtc_sel = qtc_all[qtc_formula]
    judged = qtc_all[QTC_JUDGED_FORMULA]
    prolonged = None if judged is None or sex is None else bool(judged >= QTC_UPPER_MS[sex])
    med = mb.signals.astype(np.float64)
    i_sig, avf_sig = _limb_i_avf(med, mb.leads)
    axes: list[float | None] = [None, None, None]
    if i_sig is not None and avf_sig is not None:
        # baseline: the mean of the 10 ms before the QRS onset (np.mean's sum / count)
        b0, b1 = max(int(g[3]) - round(0.01 * fs), 0), int(g[3]) + 1
        i_hp = i_sig - float(np.add.reduce(i_sig[b0:b1]) / i_sig[b0:b1].size)
        avf_hp = avf_sig - float(np.add.reduce(avf_sig[b0:b1]) / avf_sig[b0:b1].size)
        for w, ok in ((0, p_ok), (1, True), (2, True)):
            a, b = int(g[3 * w]), int(g[3 * w + 2])
            if ok and a >= 0 and b > a:
                axes[w] = _axis(float(np.add.reduce(i_hp[a : b + 1])), float(np.add.reduce(avf_hp[a : b + 1])))
    return Measurements(
        hr, rr_s * 1000 if rr_s else None, p_ms, pr_ms, qrs_ms, qt_ms, qtc_sel, qtc_formula, qtc_all,
        axes[0], axes[1], axes[2], int(r.size), sex, prolonged, mb, hrv_result,
        amplitudes_input=(mb, bool(p_ok)),
    )


def _p_from_beats(mb: MedianBeat, dl: Delineation) -> MedianBeat:
    """The median beat with the beats' P wave when its own P disagrees with them.

    The median beat is delineated without its neighbours, so its P search can settle on
    another deflection (the end of the previous T wave, a U wave). When the individual beats
    show a P wave (>= half of them) and the median beat's P peak is missing or more than
    40 ms from the beats' median P peak (relative to R), the beats' median P onset, peak and
    offset (relative to R) are used instead.
    """
    # a handful of beats: plain Python on lists (np.median's and np.round's values)
    nb = int(np.count_nonzero(dl.usable_beats))  # beats left out as unusable do not count
    rows = [(a - r, p - r, c - r) for (a, p, c), r in zip(dl.global_[:, 0:3].tolist(), dl.beats.tolist(), strict=True)
            if p >= 0]
    if nb == 0 or 2 * len(rows) < nb:  # P waves in fewer than half of the beats
        return mb
    rel = [_median_list(list(col)) for col in zip(*rows, strict=True)]
    mg = mb.global_.tolist()
    own = mg[1] - mb.r_index if mg[1] >= 0 else None
    if own is not None and abs(own - rel[1]) <= 0.040 * mb.fs:
        return mb
    p = [round(v) + mb.r_index for v in rel]
    qrs_on = mg[3]
    if p[0] < 0 or (qrs_on >= 0 and p[1] >= qrs_on):
        return mb
    mg[0:3] = [min(v, qrs_on) for v in p] if qrs_on >= 0 else p
    glob = np.array(mg, np.int64)
    glob.flags.writeable = False
    new = object.__new__(MedianBeat)  # replace(mb, global_=glob) without copying the signals again
    new.__dict__.update(mb.__dict__, global_=glob)
    return new


def _median_list(v: list[int]) -> float:
    """``float(np.median(v))`` of a non-empty list of integers."""
    v.sort()
    h = len(v) // 2
    return float(v[h]) if len(v) % 2 else (v[h - 1] + v[h]) / 2


def _highpassed(signals: np.ndarray, fs: float, dl: Delineation) -> np.ndarray:
    """The delineation's baseline-removed signals when it was made on ``signals``, else computed."""
    src, hp = dl.extra.get("_signals"), dl.extra.get("_hp")
    if (src is not None and hp is not None and src.shape == signals.shape and src.strides == signals.strides
            and src.__array_interface__["data"][0] == signals.__array_interface__["data"][0]
            and dl.fs == fs):
        return hp
    return remove_baseline(signals, fs)


def _hrv(beats: Beats | np.ndarray | None, r: np.ndarray, fs: float, seen: np.ndarray | None = None) -> Any:
    """HRV from :func:`cardiokit.ecg.hrv` when that stage is available, else None; ``seen``
    (per beat of ``r``): intervals touching a beat left out as unusable are not NN."""
    try:
        from .hrv import hrv, hrv_from_rr
    except ImportError:
        return None
    b = beats if isinstance(beats, Beats) else Beats(r, fs, "given")
    if len(b) < 3:
        return None
    try:
        if seen is not None and np.array_equal(b.samples, r):
            return hrv_from_rr(b.rr_s, valid=seen[1:] & seen[:-1])
        return hrv(b)
    except CardiokitError:  # too few or unusable beats for HRV: leave it out
        return None
