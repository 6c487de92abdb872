"""Per-lead QRS/ST/T/P morphology of the median beat, beat classes and pacemaker spikes.

What the diagnostic criteria of :mod:`cardiokit.interpret` need, measured the way the
12-lead programs (Glasgow, GE 12SL, the CSE reference) measure them: on the *median beat*
of each lead (:class:`~cardiokit.ecg.measure.Measurements` ``.median_beat``), with the
global (multi-lead) QRS onset and offset, amplitudes relative to the PR-segment baseline
(the 10 ms before QRS onset).

Per lead (:class:`LeadMorphology`):

* QRS waves: the QRS (global onset to offset) is cut at its baseline crossings into
  positive and negative lobes; lobes smaller than ``max(20 uV, 5 % of the lead's QRS
  peak-to-peak)`` are not waves (merged into their neighbours). The first negative lobe
  before the first positive one is Q, positive lobes are R and R', negative lobes after R
  are S and S'. ``pattern`` names the complex with the usual case convention (capital
  when the wave is >= half the largest wave of the lead): ``QS``, ``rS``, ``Rs``, ``qR``,
  ``qRs``, ``rsR'``, ``RSR'``, ``R`` ... ; ``notched`` is True when an R (or QS) lobe has two
  peaks separated by a dip of at least 10 % of the lobe (and >= 20 uV): a notched or
  "M-shaped" R counts as R' in V1 for right bundle branch block (Surawicz 2009).
* R-peak time (intrinsicoid deflection): QRS onset to the peak of the last R wave (R').
* ST level at J (the global QRS offset), J+60 ms and J+80 ms; ST slope J -> J+80.
* T wave: largest positive and negative deflection between global T onset and offset,
  ``t_polarity`` positive / negative / biphasic (both phases >= 0.1 mV or >= 25 % of the
  other) / flat (< 0.1 mV and < 10 % of R).
* P wave: peak, positive and negative phase amplitude, duration, and in every lead the
  negative terminal phase's depth x duration (P terminal force, PTF; used in V1, Morris
  et al. 1964).

Frontal QRS axis (:func:`frontal_axis`): from the net QRS areas of leads I and aVF of the
median beat (hexaxial: I = A cos(axis), aVF = A sin(axis) x sqrt(3)/2). When the amplitudes
were normalised lead by lead (``calibrated=False``), the relative gains of the six limb
leads are first recovered from the Einthoven (III = II - I) and Goldberger (aVR, aVL, aVF)
relations by least squares (:func:`limb_lead_gains`): four linear relations hold at every
sample, which fixes the five gain ratios (exact on LUDB 1.0.1: the recovered ratios match
the header gains to < 0.3 %). The precordial gains cannot be recovered that way.

Beats (:class:`BeatClasses`): each beat is ``N`` (dominant), ``V`` (premature or
wide with a QRS unlike the dominant one: ventricular ectopic), ``A`` (premature with the
dominant QRS: supraventricular ectopic) or ``P`` (preceded by a pacemaker spike).

Pacemaker spikes (:func:`detect_pace_spikes`): narrow, high-slew deflections seen at the
same instant in several leads, on the *unfiltered* signal. Pacing pulses are 0.1-1 ms
wide; at 500 Hz the device's anti-alias filter leaves a 1-3 sample spike, which is what
this detects. Below 500 Hz a spike cannot be told from a sharp QRS reliably: at
``fs < 400 Hz`` no spikes are searched (``status="fs_too_low"``), and bipolar pacing,
whose spikes are often below 0.2 mV, may be missed at any rate (then paced beats are
recognised only from their morphology, which the criteria do not attempt).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np

from .._core.recording import Recording
from .._core.units import VOLT_TO_MV
from ..dsp._fast import clip, col_max, median1, median_rows
from ..dsp._fast import median0 as _median
from ._measure_median import unlike_are_dominant
from ._morphology_leads import LeadMorphology, lead_morphology
from .atrial import AtrialActivity, atrial_activity

__all__ = [
    "BeatClasses",
    "LeadMorphology",
    "Morphology",
    "PaceSpikes",
    "PreQrsSpikes",
    "analyze_morphology",
    "classify_beats",
    "detect_pace_spikes",
    "frontal_axis",
    "lead_morphology",
    "limb_lead_gains",
    "pre_qrs_spike_strength",
]

_UNITS_TO_MV = {"": 1.0, **VOLT_TO_MV}


@dataclass(frozen=True, eq=False)
class PreQrsSpikes:
    """What the pre-QRS search of small pacemaker spikes needs (the unfiltered signal, beats,
    QRS onsets, per-lead QRS peak-to-peak); ``strength`` runs :func:`pre_qrs_spike_strength`
    on first use only (the interpretation reads small spikes beside a wide QRS only), so a
    record with a narrow QRS pays nothing for it."""

    signals: np.ndarray
    fs: float
    beats: np.ndarray
    qrs_on: np.ndarray | None
    qrs_ptp: np.ndarray

    @cached_property
    def strength(self) -> np.ndarray:
        return pre_qrs_spike_strength(self.signals, self.fs, self.beats, self.qrs_on, self.qrs_ptp)


@dataclass(frozen=True)
class PaceSpikes:
    """Pacemaker spikes: sample indices, leads seen in, and the beats they precede.

    ``status``: ``"ok"``, ``"fs_too_low"`` (not searched) or ``"no_raw"`` (no unfiltered
    signal given). ``ventricular`` / ``atrial``: per beat, True when a spike precedes the
    QRS onset by 0-50 ms / the P onset by 0-50 ms. ``pre_qrs_strength``: per beat, the
    largest curvature (share of the lead's QRS peak-to-peak) reached at one instant in >= 3
    leads just before the QRS (:func:`pre_qrs_spike_strength`; bipolar pacing spikes), empty
    when not searched.
    """

    samples: np.ndarray
    n_leads: np.ndarray
    ventricular: np.ndarray
    atrial: np.ndarray
    status: str = "ok"
    pre_qrs: PreQrsSpikes | None = None

    @property
    def pre_qrs_strength(self) -> np.ndarray:
        """Per beat, the pre-QRS spike strength (:func:`pre_qrs_spike_strength`), computed on
        first use; empty when not searched."""
        return self.pre_qrs.strength if self.pre_qrs is not None else np.zeros(0)

    @property
    def ventricular_fraction(self) -> float:
        return float(self.ventricular.mean()) if self.ventricular.size else 0.0

    @property
    def atrial_fraction(self) -> float:
        return float(self.atrial.mean()) if self.atrial.size else 0.0

    def to_dict(self) -> dict[str, Any]:
        return {"n_spikes": int(self.samples.size), "status": self.status,
                "ventricular_paced_fraction": round(self.ventricular_fraction, 3),
                "atrial_paced_fraction": round(self.atrial_fraction, 3)}


@dataclass(frozen=True)
class BeatClasses:
    """Per beat: ``labels`` (N, V, A, P), RR before the beat (ms, NaN for the first),
    QRS correlation with the dominant beat, QRS width (ms, NaN unknown), premature flag;
    ``p_before``: 1 when a P wave (its peak) lies before the QRS onset, 0 when not, -1 when
    the beat is within 0.3 s of the start (its P wave may be cut; empty when not known);
    ``end_cut``: True for a beat within :data:`EDGE_S` of the recording's end whose QRS does not
    correlate with the dominant one (a complex cut by the end, or the end's own artefact: not a
    readable beat for the P-wave share and the RR of the rhythm statements; empty when not known)."""

    labels: tuple[str, ...]
    rr_before_ms: np.ndarray
    correlation: np.ndarray
    qrs_ms: np.ndarray
    premature: np.ndarray
    reference_rr_ms: float | None
    p_before: tuple[int, ...] = ()
    end_cut: tuple[bool, ...] = ()

    def count(self, label: str) -> int:
        return sum(1 for x in self.labels if x == label)

    def to_dict(self) -> dict[str, Any]:
        return {"labels": "".join(self.labels), "n_v": self.count("V"), "n_a": self.count("A"),
                "n_p": self.count("P"), "reference_rr_ms": None if self.reference_rr_ms is None
                else round(self.reference_rr_ms, 1)}


@dataclass(frozen=True, eq=False)
class Morphology:
    """Everything :func:`analyze_morphology` measured: per-lead median-beat morphology,
    beat classes, pacemaker spikes and every P wave with the AV conduction it shows
    (``atrial``, :mod:`cardiokit.ecg.atrial`). ``calibrated`` is False when the amplitudes
    were normalised per lead (absolute-voltage criteria must not be applied)."""

    leads: dict[str, LeadMorphology]
    beats: BeatClasses | None
    pace: PaceSpikes | None
    fs: float
    calibrated: bool = True
    extra: dict = field(default_factory=dict)
    qrs_axis_deg: float | None = None
    limb_gains: dict[str, float] | None = None
    atrial: AtrialActivity | None = None

    def lead(self, name: str) -> LeadMorphology | None:
        return self.leads.get(name.lower())

    def to_dict(self) -> dict[str, Any]:
        return {"leads": {k: v.to_dict() for k, v in self.leads.items()},
                "beats": None if self.beats is None else self.beats.to_dict(),
                "pace": None if self.pace is None else self.pace.to_dict(),
                "calibrated": self.calibrated,
                "qrs_axis_deg": None if self.qrs_axis_deg is None else round(self.qrs_axis_deg, 1),
                "limb_gains": None if self.limb_gains is None
                else {k: round(v, 4) for k, v in self.limb_gains.items()},
                "atrial": None if self.atrial is None else self.atrial.to_dict()}


# -- frontal axis and limb-lead gains ----------------------------------------------------------
LIMB_LEADS = ("i", "ii", "iii", "avr", "avl", "avf")
#: the smallest/second-smallest eigenvalue ratio above which the limb leads are not
#: consistent with Einthoven/Goldberger (not a standard limb-lead set): no gains
LIMB_RELATION_MAX_RATIO = 1e-2
#: the gains are fitted on the samples of a subset at about this rate (every k-th sample)
LIMB_GAIN_FS_HZ = 125.0
#: the four relations' coefficients per gain (columns I, II, III, aVR, aVL, aVF):
#: I - II + III = 0, I + II + 2 aVR = 0, -I + III + 2 aVL = 0, -II - III + 2 aVF = 0
_LIMB_COEF = np.array([[1, -1, 1, 0, 0, 0], [1, 1, 0, 2, 0, 0], [-1, 0, 1, 0, 2, 0],
                       [0, -1, -1, 0, 0, 2]], np.float64)
_LIMB_COEF_GRAM = _LIMB_COEF.T @ _LIMB_COEF


def limb_lead_gains(rec: Recording) -> dict[str, float] | None:
    """Relative gains of the six limb leads (lead II = 1) that restore the Einthoven and
    Goldberger relations: multiply lead ``k`` by ``gains[k]`` to undo a per-lead scaling.

    With g the gains and y the recorded leads, g_I y_I - g_II y_II + g_III y_III = 0,
    2 g_aVR y_aVR + g_I y_I + g_II y_II = 0, 2 g_aVL y_aVL - g_I y_I + g_III y_III = 0 and
    2 g_aVF y_aVF - g_II y_II - g_III y_III = 0 at every sample (Einthoven 1913; Goldberger
    1942): g is the null vector of the stacked system (least squares, smallest eigenvector),
    fitted on a ~:data:`LIMB_GAIN_FS_HZ` subset of the samples (the relations hold at each).
    ``None`` when a limb lead is missing, a gain is not positive, or the leads do not obey
    the relations (eigenvalue ratio > :data:`LIMB_RELATION_MAX_RATIO`).
    """
    names = [c.name.lower() for c in rec.channels]
    if any(x not in names for x in LIMB_LEADS):
        return None
    # the relations hold sample by sample: a ~125-Hz subset (every 4th sample at 500 Hz) fixes
    # the gains as well as every sample (ratios within 3e-5 of the full-rate fit on LUDB)
    step = max(1, int(rec.fs // LIMB_GAIN_FS_HZ))
    y = np.asarray(rec.signals)[::step, [names.index(x) for x in LIMB_LEADS]].astype(np.float64)
    y -= np.add.reduce(y, axis=0) / y.shape[0]  # (y.mean(axis=0)) the mean keeps the linear relations
    # the stacked system M (four relations x samples rows, one column per gain) has the
    # Gram matrix M^T M = (A^T A) * (Y^T Y) elementwise, A the relations' coefficients
    w, v = np.linalg.eigh(_LIMB_COEF_GRAM * (y.T @ y))
    w0, w1 = w[:2].tolist()
    if w1 <= 0 or w0 / w1 > LIMB_RELATION_MAX_RATIO:
        return None
    # six numbers in plain Python: the smallest eigenvector signed by its (numpy) sum, as
    # v[:, 0] * np.sign(v[:, 0].sum()) (NaN stays NaN), divided by lead II's entry
    tot = float(v[:, 0].sum())
    sgn = 1.0 if tot > 0 else -1.0 if tot < 0 else 0.0 if tot == 0 else tot
    g = [k * sgn for k in v[:, 0].tolist()]
    if any(k <= 0 for k in g):
        return None
    return {x: k / g[1] for x, k in zip(LIMB_LEADS, g, strict=True)}


def frontal_axis(leads: dict[str, LeadMorphology], gains: dict[str, float] | None = None) -> float | None:
    """Frontal QRS axis (degrees, -180..180] from the net QRS areas of I and aVF (hexaxial
    reference system: I = A cos(axis), aVF = A sin(axis) sqrt(3)/2; Kligfield 2007),
    leads rescaled by ``gains`` when given."""
    if "i" not in leads or "avf" not in leads:
        return None
    gi = gains.get("i", 1.0) if gains else 1.0
    gf = gains.get("avf", 1.0) if gains else 1.0
    a_i = leads["i"].qrs_area_mv_ms * gi
    a_f = leads["avf"].qrs_area_mv_ms * gf
    if a_i == 0 and a_f == 0:
        return None
    return float(np.degrees(np.arctan2(2.0 * a_f / np.sqrt(3.0), a_i)))


# -- pacemaker spikes -------------------------------------------------------------------------
#: the pre-QRS search of small (bipolar) spikes: a lead counts when its curvature at the
#: instant is >= this many times its median curvature around it (6-24 ms either side)
PACE_BACKGROUND_RATIO = 4.0


def pre_qrs_spike_strength(s: np.ndarray, fs: float, beats: np.ndarray, qrs_on: np.ndarray | None,
                           qp: np.ndarray) -> np.ndarray:
    """Per beat, how strong a pacemaker spike just before its QRS is: the third-largest lead
    value of the normalised curvature ``|x[n] - (x[n-1] + x[n+1]) / 2| / QRS p-p`` (max over
    +-1 sample) at the instant where it peaks between max(R - 180 ms, QRS onset - 50 ms) and
    min(QRS onset + 40 ms, R - 20 ms), counting only leads where it stands out from the lead's
    median curvature 6-24 ms either side by >= :data:`PACE_BACKGROUND_RATIO` (a 1-3 sample
    pulse, not a sharp or noisy QRS). The R apex (last 20 ms before R) is left out: a sharp R
    reaches ~0.2 of the QRS range, which bipolar pacing spikes (0.1-0.4) do not exceed.
    """
    n, nl = s.shape
    b = np.asarray(beats, np.int64)
    if b.size == 0 or nl < 3 or n < 8:
        return np.zeros(b.size)
    on = b - round(0.06 * fs) if qrs_on is None else np.where(qrs_on >= 0, qrs_on, b - round(0.06 * fs))
    a0 = np.maximum(b - round(0.18 * fs), on - round(0.05 * fs))
    a1 = np.minimum(on + round(0.04 * fs), b - round(0.02 * fs))
    w = round(0.09 * fs) + 1
    c = max(4, round(0.024 * fs))
    # samples a0 - c - 1 .. a0 + w + c (clipped at the ends), curvature of the inner ones
    idx = clip(a0[:, None] + np.arange(-c - 1, w + c + 1)[None, :], 0, n - 1)
    x = np.take(s, idx, axis=0).astype(np.float64)  # (beats, samples, leads)
    e = np.abs(x[:, 1:-1] - 0.5 * (x[:, :-2] + x[:, 2:])) / qp  # e[:, j] at idx[:, j + 1]
    em = np.maximum(np.maximum(e[:, 1:-1], e[:, :-2]), e[:, 2:])  # em[:, j] at idx[:, j + 2]
    third = np.partition(em, nl - 3, axis=2)[:, :, nl - 3]
    pos = idx[:, 2:-2]
    third = np.where((pos >= a0[:, None]) & (pos <= a1[:, None]), third, -1.0)
    k = np.argmax(third, axis=1)  # the candidate instant per beat
    rows = np.arange(b.size)
    v = em[rows, k]  # (beats, leads)
    j = k + 1  # the instant in e
    off = np.r_[np.arange(-c, -2), np.arange(3, c + 1)]
    ctx = e[rows[:, None], clip(j[:, None] + off[None, :], 0, e.shape[1] - 1)]  # (beats, offsets, leads)
    bg = _median(ctx, axis=1)  # np.median's values (a sort of the 2 x 10 offsets)
    q = np.where(v >= PACE_BACKGROUND_RATIO * bg, v, 0.0)
    out = np.partition(q, nl - 3, axis=1)[:, nl - 3]
    return np.where(a1 >= a0, out, 0.0)

#: a spike: |x[n] - (x[n-1] + x[n+1]) / 2| >= this share of the lead's QRS peak-to-peak,
#: in at least PACE_MIN_LEADS leads within +-1 sample (12-lead; fewer leads: all of them)
PACE_SPIKE_FRACTION = 0.35
PACE_MIN_LEADS = 3
PACE_MIN_FS_HZ = 400.0


def detect_pace_spikes(raw: Recording | None, beats: np.ndarray, *, qrs_on: np.ndarray | None = None,
                       p_on: np.ndarray | None = None) -> PaceSpikes:
    """Pacemaker spikes in the unfiltered ECG ``raw`` and the beats they precede.

    A spike is a deflection at most ~2 samples wide: its curvature
    ``|x[n] - (x[n-1] + x[n+1]) / 2|`` is at least :data:`PACE_SPIKE_FRACTION` of the lead's
    median QRS peak-to-peak, at the same instant (+-1 sample) in at least
    :data:`PACE_MIN_LEADS` leads (all leads when fewer than 3). A QRS complex, even a
    sharp one, spreads over >= 4 samples at 500 Hz and stays well below that curvature.
    A beat is *ventricular paced* when a spike lies between 50 ms before its QRS onset (R -
    180 ms without one) and its R peak, *atrial paced* when a spike lies 50 ms before to
    20 ms after its P onset.
    """
    b = np.asarray(beats, np.int64)
    empty = np.zeros(b.size, bool)
    if raw is None:
        return PaceSpikes(np.zeros(0, np.int64), np.zeros(0, np.int64), empty, empty.copy(), "no_raw")
    if raw.fs < PACE_MIN_FS_HZ:
        return PaceSpikes(np.zeros(0, np.int64), np.zeros(0, np.int64), empty, empty.copy(), "fs_too_low")
    s = np.asarray(raw.signals)
    if s.dtype not in (np.float32, np.float64):
        s = s.astype(np.float64)
    fs = raw.fs
    n, nl = s.shape
    if n < 5 or b.size == 0:
        return PaceSpikes(np.zeros(0, np.int64), np.zeros(0, np.int64), empty, empty.copy())
    h = max(1, round(0.1 * fs))
    # each beat's window (clipped at the ends: repeating an end sample leaves its range as
    # is), window offsets first (reductions over the outer axis); max and min are exact in
    # the stored precision, the range is taken in float64
    wi = np.arange(-h, h + 1)[:, None] + b[None, :]
    if b.min() < h or b.max() + h >= n:
        wi = clip(wi, 0, n - 1)
    w = np.take(s, wi, axis=0)
    qp = _median(w.max(axis=0).astype(np.float64) - w.min(axis=0))
    qp = np.where(qp > 0, qp, np.inf)
    pre = PreQrsSpikes(s, fs, b, qrs_on, qp)
    need = min(PACE_MIN_LEADS, nl)
    lim = 0.99 * PACE_SPIKE_FRACTION * qp
    if s.dtype == np.float32:
        # a first screen in float32: a lead's largest curvature plus the float32 rounding
        # bound (3 ulp of the lead's largest |x|; 4 ulp of the largest |x| of all leads
        # taken) is >= its float64 value, so a lead below the limit here is below it in
        # float64 too
        e = s[:-2] + s[2:]
        e *= 0.5
        np.subtract(s[1:-1], e, out=e)
        np.abs(e, out=e)
        bound = col_max(e).astype(np.float64)
        big = max(float(s.max()), -float(s.min()))
        bound += 4.0 * 2.0 ** -24 * (big if big == big else np.maximum(col_max(s), -col_max(s, np.minimum)))
        if np.count_nonzero(bound >= lim) < need:
            return PaceSpikes(np.zeros(0, np.int64), np.zeros(0, np.int64), empty, empty.copy(), pre_qrs=pre)
    # curvature |x[n] - (x[n-1] + x[n+1]) / 2| of samples 1 .. n-2 in float64 (a float32
    # signal is cast exactly by the ufuncs)
    e = np.add(s[:-2], s[2:], dtype=np.float64)
    e *= 0.5
    np.subtract(s[1:-1], e, out=e)
    np.abs(e, out=e)
    # a lead's largest curvature below 0.99 x the threshold cannot reach it (rounding aside):
    # with fewer than `need` such leads there is no spike, as in most records
    if np.count_nonzero(col_max(e) >= lim) < need:
        return PaceSpikes(np.zeros(0, np.int64), np.zeros(0, np.int64), empty, empty.copy(), pre_qrs=pre)
    e = e.T
    hit = np.zeros((nl, n), bool)
    hit[:, 1:-1] = e / qp[:, None] >= PACE_SPIKE_FRACTION
    hit[:, 1:] |= hit[:, :-1].copy()
    hit[:, :-1] |= hit[:, 1:].copy()
    cnt = hit.sum(axis=0)
    cand = np.flatnonzero(cnt >= need)
    spikes: list[int] = []
    nleads: list[int] = []
    gap = max(2, round(0.004 * fs))
    for c, k in zip(cand.tolist(), cnt[cand].tolist(), strict=True):
        if spikes and c - spikes[-1] <= gap:
            if k > nleads[-1]:
                spikes[-1], nleads[-1] = c, k
            continue
        spikes.append(c)
        nleads.append(k)
    sp = np.asarray(spikes, np.int64)
    # a spike in [lo, hi] <=> the insertion points of lo (left) and hi (right) differ
    lo = b - round(0.18 * fs)
    if qrs_on is not None:
        lo = np.where(qrs_on >= 0, np.maximum(lo, qrs_on - round(0.05 * fs)), lo)
    ven = np.searchsorted(sp, lo, "left") < np.searchsorted(sp, b, "right")
    atr = np.zeros(b.size, bool)
    if p_on is not None:
        atr = (p_on >= 0) & (np.searchsorted(sp, p_on - round(0.05 * fs), "left")
                             < np.searchsorted(sp, p_on + round(0.02 * fs), "right"))
    return PaceSpikes(sp, np.asarray(nleads, np.int64), ven, atr, pre_qrs=pre)


# -- beat classes -----------------------------------------------------------------------------
#: premature: RR before the beat < this share of the reference RR (median RR of dominant beats)
PREMATURE_RR_FRACTION = 0.85
#: QRS of another morphology: correlation with the dominant QRS (all leads) below this
MORPHOLOGY_CORR_MIN = 0.80
#: beats this close to the start or end of the recording are not classified as ectopic
EDGE_S = 0.25
#: a beat on time and without a P wave (while most beats have one) is ventricular when its QRS
#: is this much (ms) wider than the dominant QRS
NO_P_WIDER_MS = 20.0
#: the dominant QRS is re-taken from the beats on time when at least this share of them has a P wave
ON_TIME_P_SHARE_MIN = 0.5


def _template_corr(seg: np.ndarray, tmpl: np.ndarray) -> np.ndarray:
    """Pearson-style correlation of each (mean-removed) row of ``seg`` with ``tmpl``; 0 where a
    norm is 0. Norms by np.linalg.norm's own formulas (rows: root of the summed squares; a
    vector: root of x.x)."""
    den = np.sqrt(np.add.reduce(seg * seg, axis=1)) * np.sqrt(tmpl.dot(tmpl))
    ok = den > 0
    return seg @ tmpl / den if ok.all() else np.where(ok, seg @ tmpl / np.where(ok, den, 1.0), 0.0)


def _on_time_template(seg: np.ndarray, corr: np.ndarray, prem: list[bool], p_before: tuple[int, ...]
                      ) -> np.ndarray:
    """The beats' correlation with the median QRS of the beats *on time* (not premature; the first
    beat counts as on time) when there are premature beats, at least 3 on-time beats and P waves
    before at least :data:`ON_TIME_P_SHARE_MIN` of the on-time beats whose P wave could be read (a
    sinus rhythm with ectopic beats); ``corr`` unchanged otherwise. In bigeminy half the beats
    are PVCs and the median over all beats blends the two shapes, which both then correlate
    >= 0.8 with: MIT-BIH 106 and 200 had PVCs labelled A. Not in atrial fibrillation (no P waves),
    where early beats are often aberrantly conducted ones (LUDB 109). With PVC couplets the second
    PVC is on time and enters the template (MIT-BIH 106 at 1690 s reads fewer PVCs)."""
    on_time = [i == 0 or not p for i, p in enumerate(prem)]
    readable = [p for t, p in zip(on_time, p_before, strict=True) if t and p >= 0]
    if (not any(prem) or sum(on_time) < 3 or not readable
            or sum(readable) < ON_TIME_P_SHARE_MIN * len(readable)):
        return corr
    return _template_corr(seg, median_rows(seg[np.asarray(on_time)]))


def _supraventricular_template(seg: np.ndarray, corr: np.ndarray, qrs_ms: list[float], has_p: list[bool]
                               ) -> np.ndarray:
    """The beats' correlation with the dominant QRS, re-taken against the beats unlike the median
    template (correlation < :data:`MORPHOLOGY_CORR_MIN`) when those are the supraventricular ones
    (:func:`cardiokit.ecg._measure_median.unlike_are_dominant`: PVCs as many as sinus beats; MIT-BIH
    208 and 200: 470 PVCs of the strips whose PVC statement was missed were labelled N).
    ``corr`` unchanged otherwise."""
    other = corr < MORPHOLOGY_CORR_MIN
    if not unlike_are_dominant(other, np.asarray(qrs_ms, np.float64), np.asarray(has_p, bool)):
        return corr
    return _template_corr(seg, median_rows(seg[other]))


def classify_beats(cleaned: Recording, delineation: Any, *, pace: PaceSpikes | None = None) -> BeatClasses:
    """Label every beat N (dominant), V (ventricular ectopic), A (supraventricular premature)
    or P (paced).

    The dominant QRS is the median over beats of the multi-lead QRS window (R - 60 ms to R +
    80 ms), or the median of the beats unlike it when those are narrower and have P waves
    (:func:`_supraventricular_template`: PVCs as many as sinus beats); when some beats are
    premature, it is re-taken from the beats on time if most of those have P waves
    (:func:`_on_time_template`: bigeminy; the premature beats are decided on the first template;
    not after :func:`_supraventricular_template` re-took it). A beat is **V** when its QRS correlates < :data:`MORPHOLOGY_CORR_MIN` with it
    *and* it is premature (RR < :data:`PREMATURE_RR_FRACTION` x reference RR) or at least
    40 ms wider than the dominant QRS or has no P wave while most beats do and a QRS at
    least :data:`NO_P_WIDER_MS` wider; **A** when it
    is premature with the dominant morphology and a full (compensatory or not) pause
    follows (next RR > the premature RR x 1.1), i.e. not a gradual sinus acceleration, and
    such a beat is **V** instead when its QRS is >= 40 ms wider and has no P wave before it.
    Paced beats (a spike before the QRS) are **P**; beats within :data:`EDGE_S` of the
    recording's start or end stay **N** (their windows and P waves are cut), and so do beats
    left out as unusable in most leads (``Delineation.p_readable_beats``), which also count
    neither for nor against the P-wave share. The reference RR is the median RR
    between consecutive dominant-morphology beats.
    """
    r = np.asarray(delineation.beats, np.int64)
    fs = cleaned.fs
    nb = r.size
    sig = np.asarray(cleaned.signals)
    n_samp = sig.shape[0]
    lo, hi = round(0.06 * fs), round(0.08 * fs)
    # QRS windows, edge samples repeated beyond the ends
    idx = r[:, None] + np.arange(-lo, hi + 1)[None, :]
    if nb and (r.min() < lo or r.max() + hi >= n_samp):
        idx = clip(idx, 0, n_samp - 1)  # np.clip's values, without its overhead
    seg = np.take(sig, idx, axis=0).reshape(nb, -1).astype(np.float64) if nb else np.zeros((0, 1))
    seg -= seg.sum(axis=1, keepdims=True) / seg.shape[1]  # the mean, as seg.mean computes it
    corr = _template_corr(seg, median_rows(seg)) if nb else np.zeros(0)
    # per beat: a handful of numbers, in plain Python on lists (numpy's values)
    ms = 1000.0 / fs
    nan = float("nan")
    g_l = [(v[1], v[3], v[5]) for v in np.asarray(delineation.global_, np.int64).tolist()] if nb else []
    qrs_l = [(off - on) * ms if on >= 0 and off > on else nan for _, on, off in g_l]
    hp_l = [p >= 0 for p, _, _ in g_l]
    corr_median = corr
    if nb >= 4:
        corr = _supraventricular_template(seg, corr, qrs_l, hp_l)
    r_l, corr_l = r.tolist(), corr.tolist()
    # a P peak before the QRS onset (the R fiducial without an onset); beats within 0.3 s of the
    # start are not counted (the rhythm features' convention)
    p_edge = round(0.3 * fs)
    # beats left out as unusable in every lead (delineate(quality=)) were not delineated: no
    # P-wave verdict and no ectopic label (their QRS shape is the noise's)
    # (and beats left out in most leads: too few leads left to settle a P wave,
    # :attr:`Delineation.p_readable_beats`)
    p_seen = delineation.p_readable_beats.tolist() if nb else []
    p_before = tuple(-1 if rb < p_edge or not u else int(0 <= p < (on if on >= 0 else rb))
                     for (p, on, _), rb, u in zip(g_l, r_l, p_seen, strict=True))
    rr_l = [nan] + [(b - a) * ms for a, b in itertools.pairwise(r_l)] if nb else []
    dom = [c >= MORPHOLOGY_CORR_MIN for c in corr_l]
    pair_rr = [rr_l[i + 1] for i in range(nb - 1) if dom[i] and dom[i + 1]]
    # rr[0] is the only NaN: the NaN-median of rr is the median of rr[1:]
    ref_rr = median1(pair_rr) if len(pair_rr) >= 2 else (median1(rr_l[1:]) if nb > 2 else None)
    prem_l = [False] * nb
    if ref_rr is not None:
        prem_l[1:] = [v < PREMATURE_RR_FRACTION * ref_rr for v in rr_l[1:]]
    # (not when the PVCs outnumbered the sinus beats: the template was re-taken above from the
    # narrower beats with P waves, the sinus ones)
    c_on_time = _on_time_template(seg, corr, prem_l, p_before) if nb >= 4 and corr is corr_median else corr
    if c_on_time is not corr:
        corr, corr_l = c_on_time, c_on_time.tolist()
        dom = [c >= MORPHOLOGY_CORR_MIN for c in corr_l]
    w_dom = [q for q, d in zip(qrs_l, dom, strict=True) if d and q == q]  # finite widths of dominant beats
    dom_w = median1(w_dom) if w_dom else nan
    n_seen = sum(p_seen)
    p_share = sum(h for h, u in zip(hp_l, p_seen, strict=True) if u) / n_seen if n_seen else 0.0
    labels = []
    edge = round(EDGE_S * fs)
    paced = pace.ventricular.tolist() if pace is not None and pace.ventricular.size == nb else [False] * nb
    for i in range(nb):
        if paced[i]:
            labels.append("P")
            continue
        if r_l[i] < edge or r_l[i] >= n_samp - edge or not p_seen[i]:
            # cut by the recording's edge (and the filters' edge effects), or unusable in most
            # leads (the multi-lead QRS shape is then the artefact's)
            labels.append("N")
            continue
        # NaN widths compare False
        wide = qrs_l[i] >= dom_w + 40.0
        # a beat on time without a P wave is a PVC only when its QRS is wider too: a narrow one is
        # a junctional (escape) beat or, far more often, a sinus beat whose P wave and QRS noise
        # spoilt (MIT-BIH 103: 75 of its 86 false V labels, a noisy stretch of narrow beats)
        no_p = p_share >= 0.8 and not hp_l[i] and qrs_l[i] >= dom_w + NO_P_WIDER_MS
        if corr_l[i] < MORPHOLOGY_CORR_MIN and (prem_l[i] or wide or no_p):
            labels.append("V")
        elif prem_l[i] and corr_l[i] >= MORPHOLOGY_CORR_MIN and (i + 1 >= nb or rr_l[i + 1] > 1.1 * rr_l[i]):
            # premature with a pause: an APC, unless its QRS is >= 40 ms wider without a P wave before
            # it, a PVC whose start the -60..+80 ms shape window shares with the dominant QRS
            # (MIT-BIH 106 and 200, frequent PVCs: 86 of their V beats were labelled A)
            labels.append("V" if wide and not hp_l[i] else "A")
        else:
            labels.append("N")
    end_cut = tuple(rb >= n_samp - edge and c < MORPHOLOGY_CORR_MIN for rb, c in zip(r_l, corr_l, strict=True))
    return BeatClasses(tuple(labels), np.array(rr_l, np.float64), corr, np.array(qrs_l, np.float64),
                       np.array(prem_l, bool), ref_rr, p_before, end_cut)


def analyze_morphology(
    cleaned: Recording,
    delineation: Any,
    measurements: Any,
    *,
    raw: Recording | None = None,
    calibrated: bool = True,
) -> Morphology:
    """Per-lead morphology of the median beat, beat classes, pacemaker spikes and the P
    waves with the AV conduction they show (:func:`cardiokit.ecg.atrial.atrial_activity`).

    Parameters
    ----------
    cleaned
        The cleaned ECG (the one beats and delineation were computed on).
    delineation
        :class:`~cardiokit.ecg.delineate.Delineation` of ``cleaned``.
    measurements
        :class:`~cardiokit.ecg.measure.Measurements` (its ``median_beat`` is used).
    raw
        The unfiltered ECG (same channels and rate) for pacemaker-spike detection; without
        it no spikes are searched.
    calibrated
        False when amplitudes were normalised per lead (kept on the result so voltage
        criteria can refuse to run).
    """
    mb = getattr(measurements, "median_beat", None)
    leads = lead_morphology(mb) if mb is not None else {}
    r = np.asarray(delineation.beats, np.int64)
    g = np.asarray(delineation.global_, np.int64)
    pace = detect_pace_spikes(raw, r, qrs_on=g[:, 3] if r.size else None, p_on=g[:, 0] if r.size else None)
    beats = classify_beats(cleaned, delineation, pace=pace) if r.size else None
    gains = None if calibrated else limb_lead_gains(cleaned)
    axis = frontal_axis(leads, gains) if (calibrated or gains is not None) else None
    atrial = atrial_activity(cleaned.signals, cleaned.fs, r, g, beats.labels) if beats is not None else None
    return Morphology(leads, beats, pace, cleaned.fs, calibrated, qrs_axis_deg=axis, limb_gains=gains,
                      atrial=atrial)
