"""Rhythm, pacing, ectopy and AV-conduction rules."""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..dsp._fast import median1 as _median
from ..report.model import Statement
from ._common import (
    HINDRICKS_2020,
    KUSUMOTO_2019,
    MASON_2007,
    PRINEAS_2010,
    SPODICK_1992,
    make,
    num,
    rnd,
)

RHYTHM_CRITERIA: dict[str, Any] = {
    "min_beats": 3,
    "p_wave_fraction_min": 0.8,  # share of beats with a P wave before the QRS
    # with the rhythm model's P(normal) >= 0.5 a lower share suffices (low-amplitude P waves the
    # delineation finds in only some beats)
    "p_wave_fraction_min_model_normal": 0.3,
    "pr_iqr_max_ms": 60.0,  # constant P-QRS relation: PR spread (IQR) at most this
    "p_axis_range_deg": (-30.0, 120.0),  # P axis clearly outside -> not sinus
    "sinus_irregular_rr_range_ms": 160.0,  # max - min of sinus-to-sinus RR
    # > 0: sinus arrhythmia when that range exceeds this fraction of the mean RR instead
    "sinus_irregular_rr_fraction": 0.0,
    # 1: an irregular sinus rhythm below the bradycardia limit is stated as sinus arrhythmia
    # (with bradycardia), 0: as sinus bradycardia (with sinus arrhythmia)
    "sinus_arrhythmia_first": 0.0,
    # 1: the sinus rate classes read the rate of the mean RR over the strip (ectopic cycles
    # included) instead of the measurements' heart rate (median RR)
    "rate_from_mean_rr": 0.0,
    "bradycardia_below_bpm": 60.0,
    "tachycardia_above_bpm": 100.0,
    "pr_long_above_ms": 200.0,
    # atrial fibrillation without the rhythm model: no P waves and irregular RR
    "af_p_wave_fraction_below": 0.5,
    "af_rr_irregularity_from": 0.15,  # median |successive RR difference| / median RR
    "af_model_probability_from": 0.5,
    # > 0: the measurement rule of AF (above) also needs the rhythm model's P(af) >= this when the
    # model ran (a model that finds no AF vetoes it: e.g. the regular irregularity of atrial
    # quadrigeminy, or the frequent ectopy of single-lead handheld strips); 0: off. 0.3: chosen
    # on the CinC 2017 training pool out of fold (0.2-0.5 within 0.002 of each other; off,
    # the rule called AF in 129 of 2215 "other rhythm" records), no LUDB statement changes
    "af_rule_model_af_from": 0.3,
    # a premature atrial complex interrupts a rhythm with P waves: not stated when P waves are found
    # before fewer than this share of the QRS complexes (the least the sinus rule accepts, with the
    # rhythm model's help); in atrial fibrillation the model missed, its irregular beats are no PACs
    # (MIT-BIH 10-s strips: false PAC statements 161 -> 109 of 1535, true ones 47 -> 44 of 85)
    "pac_p_wave_fraction_min": 0.3,
    "paced_beat_fraction_from": 0.4,
    "paced_min_beats": 2,
    # a spike counts from this share of the lead's QRS range (detect_pace_spikes: 0.35); lower
    # values (the conventions: 0.15) read the per-beat pre-QRS spike strength (small bipolar spikes)
    "pace_spike_fraction_from": 0.35,
    # ... which are read only beside a QRS this wide (ms): a ventricular-paced QRS (LUDB's ten
    # paced records: 126-222 ms); a narrow QRS is conducted
    "small_spike_qrs_from_ms": 120.0,
    # in a paced rhythm a PVC is a premature unpaced beat of other morphology with a wide QRS
    "paced_pvc_qrs_from_ms": 120.0,
    # AF under ventricular pacing: >= this many conducted (unpaced, narrow) beats, none with a P wave
    "paced_conducted_qrs_below_ms": 120.0,
    "paced_af_min_conducted": 2,
}


@dataclass(frozen=True)
class RhythmFeatures:
    """What the rhythm rules need besides the averaged measurements.

    ``p_wave_fraction``: share of beats with a detected P wave ending before QRS onset;
    ``pr_iqr_ms``: inter-quartile range of the per-beat PR intervals; ``rr_range_ms``:
    max - min of the RR intervals between consecutive beats that both have a P wave
    (ectopic beats and their pauses excluded; over 20 s or more the median of its 10-s windows'
    ranges, :func:`strip_range`); ``rr_cv``: coefficient of variation of
    all RR intervals; ``rr_irregularity``: median absolute successive RR difference over
    the median RR (robust to a few ectopic beats; high in atrial fibrillation).
    """

    n_beats: int
    p_wave_fraction: float | None = None
    pr_iqr_ms: float | None = None
    rr_range_ms: float | None = None
    rr_cv: float | None = None
    rr_irregularity: float | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "n_beats": self.n_beats,
            "p_wave_fraction": rnd(self.p_wave_fraction, 3),
            "pr_iqr_ms": rnd(self.pr_iqr_ms),
            "rr_range_ms": rnd(self.rr_range_ms),
            "rr_cv": rnd(self.rr_cv, 3),
            "rr_irregularity": rnd(self.rr_irregularity, 3),
        }


def rr_irregularity(rr_ms: np.ndarray) -> float | None:
    """Median |successive RR difference| / median RR (None with fewer than 4 RR intervals)."""
    rr = [x for x in np.asarray(rr_ms, np.float64).tolist() if math.isfinite(x)]
    if len(rr) < 4:
        return None
    med = _median(rr)
    if med <= 0:
        return None
    return _median([abs(b - a) for a, b in itertools.pairwise(rr)]) / med


#: A record whose sinus cycles span at least two of these windows (s) has its sinus RR range
#: read per window, the median over the windows stated: the criterion of sinus arrhythmia is one
#: of a standard 10-s strip (Mason 2007), and over minutes the slow drift of the rate would exceed
#: it in almost any record (MIT-BIH 100 and 103, sinus rhythm in every 10-s strip, read 219 and
#: 267 ms over 10 min).
SINUS_RANGE_WINDOW_S = 10.0


def strip_range(t_s: list[float], rr_ms: list[float]) -> float | None:
    """Max - min of the RR intervals ``rr_ms`` ending at times ``t_s`` (s, increasing); over
    two windows of :data:`SINUS_RANGE_WINDOW_S` or more, the median of the ranges in equal
    windows of 10-15 s (those holding >= 3 intervals). None with fewer than 2 intervals."""
    if len(rr_ms) < 2:
        return None
    span = t_s[-1] - t_s[0]
    if span < 2 * SINUS_RANGE_WINDOW_S:
        return max(rr_ms) - min(rr_ms)
    n = int(span // SINUS_RANGE_WINDOW_S)
    w = span / n
    groups: list[list[float]] = [[] for _ in range(n)]
    for t, x in zip(t_s, rr_ms, strict=True):
        groups[min(int((t - t_s[0]) / w), n - 1)].append(x)
    ranges = [max(g) - min(g) for g in groups if len(g) >= 3]
    return _median(ranges) if ranges else max(rr_ms) - min(rr_ms)


def sinus_rr_range(labels: Any, rr_before_ms: Any) -> float | None:
    """Max - min of the RR intervals between two consecutive dominant (``N``) beats.

    Sinus arrhythmia is a variation of the sinus-to-sinus cycle (Mason 2007): the coupling
    interval of a premature complex and the pause after it are not sinus cycles and are left
    out, also when the beat classes did not label it (an RR >= 10 % shorter than the median
    followed by one longer than it; Prineas 2010, code 8-1). Over 20 s or more, per 10-s
    window (:func:`strip_range`). None with fewer than 2 intervals."""
    # plain Python: ~10-20 values, where numpy's per-call overhead dominates
    rr = np.asarray(rr_before_ms, np.float64).tolist()
    n = min(len(labels), len(rr))
    fin = [x for x in rr[1:n] if math.isfinite(x)]
    if len(fin) < 2:
        return None
    med = _median(fin)
    # an unlabelled premature beat (>= 10 % early, Minnesota 8-1) and the pause after it
    early = [False] + [rr[i] < 0.9 * med and rr[i + 1] > med for i in range(1, n - 1)] + [False]
    ok = [i for i in range(1, n) if labels[i] == "N" and labels[i - 1] == "N" and math.isfinite(rr[i])
          and not early[i] and not early[i - 1]]
    t = list(itertools.accumulate(x if math.isfinite(x) else 0.0 for x in rr[:n]))
    return strip_range([t[i] / 1000.0 for i in ok], [rr[i] for i in ok])


def _model_af(model: Any, p_from: float) -> tuple[bool, dict[str, Any]]:
    if model is None or getattr(model, "probabilities", None) is None:
        return False, {}
    probs = {str(k): float(v) for k, v in dict(model.probabilities).items()}
    ev = {"rhythm_model": getattr(model, "model", None), "rhythm_model_label": getattr(model, "label", None),
          "rhythm_model_probabilities": {k: round(v, 3) for k, v in probs.items()}}
    return probs.get("af", 0.0) >= p_from, ev


def rhythm_statement(m: Mapping[str, Any], rf: RhythmFeatures | None, *, model: Any = None,
                     paced: bool = False, conv: Mapping[str, float] | None = None) -> Statement:
    """One statement for the (atrial) rhythm: AF, sinus rate classes or undetermined.

    ``conv``: a reading convention (:data:`cardiokit.interpret.CONVENTIONS`) for the rate limits.
    """
    c = {**RHYTHM_CRITERIA, **{k: v for k, v in (conv or {}).items() if k in RHYTHM_CRITERIA}}
    ref = MASON_2007 if c["tachycardia_above_bpm"] >= 100.0 else MASON_2007 + " Upper limit: " + SPODICK_1992
    hr = num(m.get("heart_rate_bpm"))
    ev: dict[str, Any] = {"heart_rate_bpm": rnd(hr), "p_axis_deg": rnd(m.get("p_axis_deg"))}
    if m.get("heart_rate_measure"):
        ev["heart_rate_measure"] = m["heart_rate_measure"]
    if rf is not None:
        ev.update(rf.to_dict())
    model_af, mev = _model_af(model, c["af_model_probability_from"])
    ev.update(mev)
    pf = num(rf.p_wave_fraction) if rf is not None else None
    iqr = num(rf.pr_iqr_ms) if rf is not None else None
    irr = num(rf.rr_irregularity) if rf is not None else None
    model_normal = mev.get("rhythm_model_probabilities", {}).get("normal", 0.0) >= 0.5
    pf_min = min(c["p_wave_fraction_min"], c["p_wave_fraction_min_model_normal"]) if model_normal \
        else c["p_wave_fraction_min"]
    sinus_p = pf is not None and pf >= pf_min and (iqr is None or iqr <= c["pr_iqr_max_ms"])
    af_th = {"af_p_wave_fraction_below": c["af_p_wave_fraction_below"],
             "af_rr_irregularity_from": c["af_rr_irregularity_from"]}
    if model_af and not sinus_p:
        return make("atrial_fibrillation", "164889003", "Atrial fibrillation", "rhythm", ev,
                    f"rhythm model probability of AF >= {c['af_model_probability_from']:g} and no "
                    "consistent P waves before the QRS complexes", HINDRICKS_2020,
                    af_model_probability_from=c["af_model_probability_from"])
    # the ESC definition on the measurements, unless a rhythm model calls the rhythm normal (or,
    # with af_rule_model_af_from > 0, gives AF a probability below that)
    veto = c["af_rule_model_af_from"]
    model_p_af = mev.get("rhythm_model_probabilities", {}).get("af")
    vetoed = veto > 0 and model_p_af is not None and model_p_af < veto
    if not paced and not model_normal and not vetoed and pf is not None \
            and pf < c["af_p_wave_fraction_below"] and irr is not None and irr >= c["af_rr_irregularity_from"]:
        if veto > 0:
            af_th["af_rule_model_af_from"] = veto
        return make("atrial_fibrillation", "164889003", "Atrial fibrillation", "rhythm", ev,
                    f"P waves before < {c['af_p_wave_fraction_below']:.0%} of QRS "
                    f"complexes and irregular RR (median |successive RR difference| >= "
                    f"{c['af_rr_irregularity_from']:.0%} of the median RR); no rhythm model probability of "
                    "normal >= 0.5" + (f" and, when the model ran, its P(af) >= {veto:g}" if veto > 0 else ""),
                    HINDRICKS_2020, **af_th)
    undetermined_rule = (
        f"sinus needs >= {c['min_beats']} beats, a P wave before >= "
        f"{c['p_wave_fraction_min']:.0%} of QRS complexes (>= {c['p_wave_fraction_min_model_normal']:.0%} "
        "when the rhythm model gives P(normal) >= 0.5), a constant PR (IQR <= "
        f"{c['pr_iqr_max_ms']:g} ms) and a P axis within {c['p_axis_range_deg']}"
    )

    def undetermined(why: str) -> Statement:
        return make("rhythm_undetermined", None, f"Rhythm undetermined ({why})", "rhythm",
                    ev, undetermined_rule, MASON_2007, severity="borderline")

    if rf is None or rf.n_beats < c["min_beats"] or hr is None:
        return undetermined("too few beats detected")
    if pf is None:
        return undetermined("P waves not delineated")
    if pf < pf_min:
        return undetermined("no consistent P wave before QRS")
    if iqr is not None and iqr > c["pr_iqr_max_ms"]:
        return undetermined("variable PR interval")
    pax = num(m.get("p_axis_deg"))
    lo, hi = c["p_axis_range_deg"]
    if pax is not None and not lo <= pax <= hi:
        return undetermined("P axis outside the sinus range")
    rng = num(rf.rr_range_ms)
    frac = c["sinus_irregular_rr_fraction"]
    if frac > 0:  # relative to the mean cycle (RR = 60000 / heart rate)
        irregular = rng is not None and rng > frac * 60000.0 / hr
        irr_rule = f"sinus RR range > {frac:.0%} of the RR"
    else:
        irregular = rng is not None and rng > c["sinus_irregular_rr_range_ms"]
        irr_rule = f"sinus RR range > {c['sinus_irregular_rr_range_ms']:g} ms"
    th = {"bradycardia_below_bpm": c["bradycardia_below_bpm"],
          "tachycardia_above_bpm": c["tachycardia_above_bpm"],
          "sinus_irregular_rr_range_ms": c["sinus_irregular_rr_range_ms"],
          "p_wave_fraction_min": c["p_wave_fraction_min"]}
    base = "P wave before each QRS with constant PR"
    if pf < c["p_wave_fraction_min"]:
        base += (f" (P waves found before {pf:.0%} of QRS complexes; rhythm model P(normal) >= 0.5 "
                 f"with >= {c['p_wave_fraction_min_model_normal']:.0%})")
    if hr < c["bradycardia_below_bpm"] and irregular and c["sinus_arrhythmia_first"]:
        # the reading that names the irregularity first (an irregular slow sinus rhythm is
        # "sinus arrhythmia" with the rate given, as in the LUDB labelling)
        return make("sinus_arrhythmia", "427393009", "Sinus arrhythmia with bradycardia", "rhythm", ev,
                    f"{base}; heart rate < {c['bradycardia_below_bpm']:g} bpm; {irr_rule} (the irregularity "
                    "named first)", ref,
                    severity="borderline", **th)
    if hr < c["bradycardia_below_bpm"]:
        text = "Sinus bradycardia" + (" with sinus arrhythmia" if irregular else "")
        return make("sinus_bradycardia", "426177001", text, "rhythm", ev,
                    f"{base}; heart rate < {c['bradycardia_below_bpm']:g} bpm", ref,
                    severity="borderline", **th)
    if hr > c["tachycardia_above_bpm"]:
        if irregular:
            return undetermined(f"irregular rhythm at a rate > {c['tachycardia_above_bpm']:g} bpm")
        return make("sinus_tachycardia", "427084000", "Sinus tachycardia", "rhythm", ev,
                    f"{base}, regular; heart rate > {c['tachycardia_above_bpm']:g} bpm", ref, **th)
    rate = f"heart rate {c['bradycardia_below_bpm']:g}-{c['tachycardia_above_bpm']:g} bpm"
    if irregular:
        return make("sinus_arrhythmia", "427393009", "Sinus arrhythmia", "rhythm", ev,
                    f"{base}; {rate}; {irr_rule}", ref, severity="normal", **th)
    return make("sinus_rhythm", "426783006", "Sinus rhythm", "rhythm", ev,
                f"{base}, regular; {rate}", ref, severity="normal", **th)


PAGE_2016 = (
    "Page RL, Joglar JA, Caldwell MA, et al. 2015 ACC/AHA/HRS guideline for the management of "
    "adult patients with supraventricular tachycardia. J Am Coll Cardiol 2016;67:e27-e115 (atrial "
    "flutter: regular atrial activity, sawtooth flutter waves in II, III, aVF)."
)


def flutter_statement(rhythm_st: Statement, model: Any, ecg: Any, beat_samples: Any,
                      m: Mapping[str, Any], conv: Mapping[str, float] | None = None) -> Statement | None:
    """Atrial flutter: continuous atrial activity repeating at 240-340 /min in >= 2 of II,
    III, aVF, V1 (:func:`cardiokit.interpret._atrial.atrial_activity`), with more atrial
    than ventricular cycles (2:1, 4:1 or variable block). Tested only when the rhythm is
    not plainly sinus: the rhythm statement is not sinus, or it is a sinus tachycardia
    (> 100 bpm) the rhythm model does not call normal (P(normal) < 0.5): a 2:1 flutter wave
    before each QRS can pass for a sinus P; or the sinus statement rests on the rhythm
    model's P(normal) with P waves found before fewer beats than the sinus criterion's share
    (``p_wave_fraction_min``): flutter waves, not P waves, may be what was found (Page 2016)."""
    from ._atrial import ATRIAL_CRITERIA, atrial_activity

    if ecg is None or beat_samples is None or len(beat_samples) < RHYTHM_CRITERIA["min_beats"]:
        return None
    probs = dict(getattr(model, "probabilities", None) or {})
    hr = num(m.get("heart_rate_bpm"))
    pf = num(rhythm_st.evidence.get("p_wave_fraction"))
    pf_min = float((conv or RHYTHM_CRITERIA).get("p_wave_fraction_min", RHYTHM_CRITERIA["p_wave_fraction_min"]))
    few_p = pf is not None and pf < pf_min
    if rhythm_st.key.startswith("sinus") and not few_p and (
            not probs or float(probs.get("normal", 0.0)) >= 0.5
            or hr is None or hr < RHYTHM_CRITERIA["tachycardia_above_bpm"]):
        return None
    aa = atrial_activity(np.asarray(ecg.signals), float(ecg.fs), [ch.name for ch in ecg.channels],
                         np.asarray(beat_samples))
    if aa is None or not aa.leads:
        return None
    ar = aa.rate_per_min
    if hr is None or ar is None or ar < 1.5 * hr:
        return None
    lo, hi = ATRIAL_CRITERIA["flutter_rate_per_min"]
    ev = {**rhythm_st.evidence, **aa.to_dict(), "ventricular_rate_bpm": rnd(hr),
          "conduction_ratio": rnd(ar / hr, 2)}
    return make("atrial_flutter", "164890007", "Atrial flutter", "rhythm", ev,
                f"atrial activity outside the QRS repeating at one cycle of {lo:g}-{hi:g} /min (normalised "
                f"autocorrelation >= {ATRIAL_CRITERIA['flutter_periodicity_from']:g} at one cycle and >= "
                f"{ATRIAL_CRITERIA['flutter_periodicity_2_from']:g} at two) in >= "
                f"{ATRIAL_CRITERIA['flutter_min_leads']} of II, III, aVF, V1; atrial rate >= 1.5 x ventricular "
                "rate; tested when the rhythm is not sinus, sinus > 100 bpm with the rhythm model's "
                "P(normal) < 0.5, or sinus with P waves before fewer beats than the sinus criterion's share",
                MASON_2007 + " " + PAGE_2016, flutter_rate_per_min=(lo, hi))


def pacing_convention(conv: Mapping[str, float], measurements: Mapping[str, Any]) -> Mapping[str, float]:
    """``conv`` without the small-spike reading (``pace_spike_fraction_from`` back at the spike
    search's 0.35) when the QRS is narrower than ``small_spike_qrs_from_ms`` or not measured:
    a beat paced from the ventricle has a wide QRS, so a small spike before a narrow one is not
    looked for (nor computed: :attr:`~cardiokit.ecg.morphology.PaceSpikes.pre_qrs_strength`)."""
    c = RHYTHM_CRITERIA
    off = c["pace_spike_fraction_from"]
    qrs = measurements.get("qrs_ms")
    if float(conv.get("pace_spike_fraction_from", off)) >= off or (qrs is not None and qrs >= c["small_spike_qrs_from_ms"]):
        return conv
    return {**conv, "pace_spike_fraction_from": off}


def paced_beats(pace: Any, conv: Mapping[str, float] | None = None) -> np.ndarray:
    """Per beat, True when ventricular-paced: a spike >= 0.35 of the QRS range before it, or
    (conventions with ``pace_spike_fraction_from`` < 0.35) a pre-QRS spike strength from that limit."""
    c = RHYTHM_CRITERIA
    lim = float((conv or c).get("pace_spike_fraction_from", c["pace_spike_fraction_from"]))
    ven = np.asarray(pace.ventricular, bool)
    if lim < c["pace_spike_fraction_from"]:  # the pre-QRS strength is computed on this first use only
        pre = getattr(pace, "pre_qrs_strength", None)
        if pre is not None and pre.size == ven.size:
            ven = ven | (pre >= lim)
    return ven


def readable_beats(beats: Any) -> int:
    """How many beats, from the first, the rhythm statements read: the trailing beats cut by the
    recording's end (``end_cut``: a QRS unlike the dominant one within 0.25 s of the end, often
    the end's own artefact) are left out, as the beats within 0.3 s of the start are."""
    n = len(beats.labels)
    cut = getattr(beats, "end_cut", ())
    if len(cut) == n:
        while n > 0 and cut[n - 1]:
            n -= 1
    return n


def dominant_p_share(beats: Any, paced: np.ndarray | None = None) -> tuple[float, int] | None:
    """Share of the supraventricular beats (not ventricular-ectopic ``V``, not paced) with a P
    wave before the QRS, and their number; beats within 0.3 s of the start are not counted. A PVC
    or a paced beat has no P wave of its own (Mason 2007), so the sinus criterion does not count
    them (a premature atrial complex has one and counts). None without per-beat P waves."""
    pb = getattr(beats, "p_before", ())
    labels = getattr(beats, "labels", ())
    if not pb or len(pb) != len(labels):
        return None
    pc = paced.tolist() if paced is not None and paced.size == len(labels) else [False] * len(labels)
    n = readable_beats(beats)
    dom = [x for x, lab, pp in zip(pb[:n], labels[:n], pc[:n], strict=True) if lab in ("N", "A") and not pp and x >= 0]
    return (sum(dom) / len(dom), len(dom)) if dom else None


def paced_af_statement(morph: Any, rhythm_st: Statement, conv: Mapping[str, float] | None = None,
                       ) -> Statement | None:
    """Atrial fibrillation under ventricular pacing: >= 2 conducted beats (unpaced, QRS < 120 ms,
    i.e. supraventricular, Mason 2007) and none with a P wave before it: conducted beats without
    P waves at a coupling the pacemaker did not set (ESC 2020: no distinct repeating P waves; the
    RR of a paced rhythm is set by the pacemaker and does not show the irregularity)."""
    c = RHYTHM_CRITERIA
    beats, pace = getattr(morph, "beats", None), getattr(morph, "pace", None)
    pb = getattr(beats, "p_before", ()) if beats is not None else ()
    if pace is None or not pb or len(pb) != pace.ventricular.size:
        return None
    ven = paced_beats(pace, conv).tolist()
    qrs = np.asarray(beats.qrs_ms, np.float64).tolist()
    lim = c["paced_conducted_qrs_below_ms"]
    cond = [i for i in range(len(pb)) if not ven[i] and pb[i] >= 0 and qrs[i] < lim]
    if len(cond) < c["paced_af_min_conducted"] or any(pb[i] for i in cond):
        return None
    ev = {**rhythm_st.evidence, "conducted_beats": cond, "conducted_qrs_ms": [rnd(qrs[i]) for i in cond],
          "conducted_rr_before_ms": [rnd(beats.rr_before_ms[i]) for i in cond], "p_before_conducted": 0}
    return make("atrial_fibrillation", "164889003", "Atrial fibrillation", "rhythm", ev,
                f"ventricular-paced rhythm with >= {c['paced_af_min_conducted']} conducted beats (no pacing "
                f"spike, QRS < {lim:g} ms), none with a P wave before the QRS", HINDRICKS_2020,
                paced_conducted_qrs_below_ms=lim, paced_af_min_conducted=c["paced_af_min_conducted"])


def pacing_statement(morph: Any, conv: Mapping[str, float] | None = None) -> Statement | None:
    """Paced rhythm from the pacemaker spikes of :func:`cardiokit.ecg.morphology.detect_pace_spikes`.

    A beat is ventricular-paced when a spike (>= 0.35 of the QRS range in >= 3 leads) lies
    before it, or when its pre-QRS spike strength (``pre_qrs_strength``: small bipolar spikes
    standing out from the signal around them, the R apex left out) reaches the convention's
    ``pace_spike_fraction_from`` (0.15 in both conventions; 0.35 turns it off), beside a wide
    QRS only (:func:`pacing_convention`)."""
    pace = getattr(morph, "pace", None)
    if pace is None or pace.ventricular.size == 0:
        return None
    c = RHYTHM_CRITERIA
    lim = float((conv or c).get("pace_spike_fraction_from", c["pace_spike_fraction_from"]))
    small = lim < c["pace_spike_fraction_from"]
    ven = paced_beats(pace, conv)
    n_small = int((ven & ~pace.ventricular).sum())
    nv, na = int(ven.sum()), int(pace.atrial.sum())
    vf = nv / pace.ventricular.size  # = pace.ventricular_fraction
    af = na / pace.atrial.size if pace.atrial.size else 0.0
    v_paced = vf >= c["paced_beat_fraction_from"] and nv >= c["paced_min_beats"]
    a_paced = af >= c["paced_beat_fraction_from"] and na >= c["paced_min_beats"]
    if not v_paced and not a_paced:
        return None
    ev = pace.to_dict() | {"n_beats": int(pace.ventricular.size), "n_ventricular_paced": nv}
    rule = (f"a pacemaker spike (narrow high-slew deflection in >= 3 leads) within 50 ms before the "
            f"QRS onset of >= {c['paced_beat_fraction_from']:.0%} of beats (and >= {c['paced_min_beats']})")
    th: dict[str, Any] = {}
    if small:
        ev["n_small_spike_beats"] = n_small
        rule += (f"; spikes >= {lim:g} of the QRS range in >= 3 leads count when they "
                 "stand out from the signal around them (before the R apex)")
        th["pace_spike_fraction_from"] = lim
    if v_paced:
        text = "AV dual-paced rhythm" if af >= c["paced_beat_fraction_from"] else "Ventricular-paced rhythm"
        return make("paced_rhythm", "10370003", text, "pacing", ev, rule, MASON_2007, **th)
    if a_paced:
        return make("paced_rhythm", "10370003", "Atrial-paced rhythm", "pacing", ev,
                    rule.replace("QRS onset", "P onset"), MASON_2007)
    return None


def ectopy_statements(morph: Any, rhythm_key: str, paced: bool, p_wave_fraction: float | None = None
                      ) -> list[Statement]:
    """Premature ventricular and atrial complexes from the beat classes.

    In a paced rhythm only PVCs are stated: a premature beat without a pacing spike whose QRS
    is unlike the (paced) dominant one and wide (>= 120 ms: of ventricular origin, Mason 2007);
    a narrow unlike beat there is a conducted (supraventricular) one. PACs are not stated in
    atrial fibrillation or flutter, nor when ``p_wave_fraction`` (the rhythm statement's share of
    beats with a P wave) is below ``pac_p_wave_fraction_min``."""
    beats = getattr(morph, "beats", None)
    if beats is None:
        return []
    out = []
    labels = beats.labels
    idx_v = [i for i, x in enumerate(labels) if x == "V"]
    if paced:
        wide = RHYTHM_CRITERIA["paced_pvc_qrs_from_ms"]
        idx_v = [i for i in idx_v if bool(beats.premature[i]) and float(beats.qrs_ms[i]) >= wide]
        if not idx_v:
            return []
        ev = {"n_beats": len(labels), "reference_rr_ms": rnd(beats.reference_rr_ms), "n_pvc": len(idx_v),
              "beats": idx_v, "rr_before_ms": [rnd(beats.rr_before_ms[i]) for i in idx_v],
              "qrs_correlation": [rnd(beats.correlation[i], 2) for i in idx_v],
              "qrs_ms": [rnd(beats.qrs_ms[i]) for i in idx_v], "paced_rhythm": True}
        return [make("premature_ventricular_complexes", "427172004",
                     "Premature ventricular complex" if len(idx_v) == 1 else "Premature ventricular complexes",
                     "ectopy_ventricular", ev,
                     "paced rhythm: a beat without a pacing spike, QRS correlating < 0.80 with the paced QRS, "
                     f"premature (RR < 85 % of the reference RR) and QRS >= {wide:g} ms",
                     MASON_2007 + " See also " + PRINEAS_2010 + " (code 8-1)", paced_pvc_qrs_from_ms=wide)]
    # a PVC is premature or clearly wider (Mason 2007; Minnesota 8-1): a beat of other
    # morphology that is neither (e.g. a last beat cut by the recording's end) is not stated
    if idx_v:
        qrs_n = np.asarray([beats.qrs_ms[i] for i, x in enumerate(labels) if x == "N"], np.float64)
        qrs_n = qrs_n[np.isfinite(qrs_n)]
        dom = _median(qrs_n) if qrs_n.size else float("nan")
        idx_v = [i for i in idx_v if bool(beats.premature[i]) or (
            np.isfinite(dom) and float(beats.qrs_ms[i]) >= dom + 40.0)]
    # a PAC is followed by a longer RR (its pause): a premature last beat cannot show it
    rr_b = np.asarray(beats.rr_before_ms, np.float64)
    idx_a = [i for i, x in enumerate(labels) if x == "A" and i + 1 < min(len(labels), rr_b.size)
             and rr_b[i + 1] > rr_b[i]]
    ev_base = {"n_beats": len(labels), "reference_rr_ms": rnd(beats.reference_rr_ms)}
    if idx_v:
        ev = ev_base | {"n_pvc": len(idx_v), "beats": idx_v,
                        "rr_before_ms": [rnd(beats.rr_before_ms[i]) for i in idx_v],
                        "qrs_correlation": [rnd(beats.correlation[i], 2) for i in idx_v],
                        "qrs_ms": [rnd(beats.qrs_ms[i]) for i in idx_v]}
        pattern = ""
        if len(idx_v) >= 3 and all(b - a == 2 for a, b in itertools.pairwise(idx_v)):
            pattern = " (ventricular bigeminy)"
        out.append(make("premature_ventricular_complexes", "427172004",
                        ("Premature ventricular complex" if len(idx_v) == 1 else "Premature ventricular complexes")
                        + pattern, "ectopy_ventricular", ev,
                        "QRS correlating < 0.80 with the dominant QRS and premature (RR < 85 % of the "
                        "reference RR) or >= 40 ms wider than the dominant QRS; or premature, >= 40 ms wider "
                        "and without a P wave", MASON_2007 + " See also " + PRINEAS_2010 + " (code 8-1)"))
    if idx_a and rhythm_key not in ("atrial_fibrillation", "atrial_flutter") and not (
            p_wave_fraction is not None and p_wave_fraction < RHYTHM_CRITERIA["pac_p_wave_fraction_min"]):
        ev = ev_base | {"n_pac": len(idx_a), "beats": idx_a,
                        "rr_before_ms": [rnd(beats.rr_before_ms[i]) for i in idx_a],
                        "qrs_correlation": [rnd(beats.correlation[i], 2) for i in idx_a]}
        out.append(make("premature_atrial_complexes", "284470004",
                        "Premature atrial complex" if len(idx_a) == 1 else "Premature atrial complexes",
                        "ectopy_atrial", ev,
                        "dominant QRS morphology, RR < 85 % of the reference RR and a longer RR after "
                        "it; not in atrial fibrillation or flutter, nor with P waves before < "
                        f"{RHYTHM_CRITERIA['pac_p_wave_fraction_min']:.0%} of the QRS complexes", MASON_2007 + " See also "
                        + PRINEAS_2010 + " (code 8-1)"))
    return out


#: AV block statements from every P wave (:mod:`cardiokit.ecg.atrial`): kind -> key, SNOMED CT
#: code (the PhysioNet/CinC 2020 label mapping), text and rule
_AV_BLOCKS = {
    "second_degree_2to1": ("second_degree_av_block", "195042002", "Second-degree AV block with 2:1 conduction",
                           "regular P waves, every other one on time and not followed by a QRS complex, the "
                           "others conducted with a constant PR (within 40 ms)"),
    "mobitz1": ("mobitz_type_i_av_block", "54016002", "Second-degree AV block, Mobitz type I (Wenckebach)",
                "regular P waves, one on time and not followed by a QRS complex; the PR before it >= 30 ms "
                "longer than the PR after it"),
    "mobitz2": ("mobitz_type_ii_av_block", "28189009", "Second-degree AV block, Mobitz type II",
                "regular P waves, one on time and not followed by a QRS complex; the conducted PR intervals "
                "within 15 ms of each other"),
    "second_degree": ("second_degree_av_block", "195042002", "Second-degree AV block",
                      "regular P waves, one on time and not followed by a QRS complex, the others conducted"),
    "complete": ("complete_heart_block", "27885002", "Complete (third-degree) AV block",
                 "regular P waves faster (>= 1.25 x) than a regular ventricular rhythm (RR CV <= 0.08), P waves "
                 "not followed by a QRS complex, PR intervals scattered over >= 120 ms, P waves spread over the "
                 "cardiac cycle (<= 50 % in one fifth of the RR)"),
}


def av_statement(m: Mapping[str, Any], rhythm_st: Statement, atrial: Any, paced: bool,
                 conv: Mapping[str, float] | None = None) -> Statement | None:
    """Second- or third-degree AV block from every P wave (``atrial``: an
    :class:`cardiokit.ecg.atrial.AtrialActivity` that may be stated, or None); else
    first-degree AV block (sinus rhythm, long PR)."""
    c = {**RHYTHM_CRITERIA, **{k: v for k, v in (conv or {}).items() if k in RHYTHM_CRITERIA}}
    if paced:
        return None
    kind = getattr(atrial, "av_block", None)
    if kind in _AV_BLOCKS:
        key, code, text, rule = _AV_BLOCKS[kind]
        return make(key, code, text, "av_conduction", {"av_block": kind, **atrial.evidence}, rule,
                    KUSUMOTO_2019 + " See also " + MASON_2007)
    pr = num(m.get("pr_ms"))
    if pr is not None and pr > c["pr_long_above_ms"] and rhythm_st.key.startswith("sinus"):
        return make("first_degree_av_block", "270492004", "First-degree AV block", "av_conduction",
                    {"pr_ms": round(pr, 1)}, f"sinus rhythm with PR > {c['pr_long_above_ms']:g} ms",
                    MASON_2007 + " See also " + KUSUMOTO_2019, pr_long_above_ms=c["pr_long_above_ms"])
    return None
