"""Round 6 (rules-v7): the dominant terminal R' of complete RBBB, the inferior rS of LAFB, the
axis from the net QRS amplitudes, and small (bipolar) pacemaker spikes before the QRS."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from cardiokit import Recording
from cardiokit._core.recording import Channel
from cardiokit.ecg.morphology import PaceSpikes, detect_pace_spikes
from cardiokit.interpret import CONVENTIONS, interpret
from tests.conftest import shared_path
from tests.report.test_statements import BASE, SINUS, keys, morph, with_qrs

WIDE_S = {"i": dict(s_mv=-0.4, s_ms=50.0), "v6": dict(s_mv=-0.4, s_ms=50.0)}


def _iv(m, conv, qrs_ms=130.0):
    m = with_qrs(m, qrs_ms)
    return [s for s in interpret({**BASE, "qrs_ms": qrs_ms}, rhythm=SINUS, morphology=m, convention=conv)
            if s.category == "intraventricular"]


def test_complete_rbbb_can_require_a_dominant_terminal_r_prime():
    small = morph(v1=dict(pattern="rSr'", r_mv=0.2, s_mv=-0.6, r2_mv=0.2, r_peak_time_ms=90.0), **WIDE_S)
    tall = morph(v1=dict(pattern="rsR'", r_mv=0.2, s_mv=-0.3, r2_mv=0.8, r_peak_time_ms=95.0), **WIDE_S)
    # Surawicz 2009 (the "aha" default): any rsr' pattern at >= 120 ms
    assert [s.key for s in _iv(small, "aha")] == ["complete_right_bundle_branch_block"]
    need = {"crbbb_needs_dominant_r2": 1.0}
    got = _iv(small, need)
    assert [s.key for s in got] == ["incomplete_right_bundle_branch_block"]
    assert got[0].evidence["dominant_r_prime"] is False and "Chou" in got[0].criteria["reference"]
    got = _iv(tall, need)
    assert [s.key for s in got] == ["complete_right_bundle_branch_block"]
    assert got[0].evidence["dominant_r_prime"] is True and "dominant terminal R'" in got[0].criteria["rule"]
    # below the complete limit the rSr' stays incomplete, as before
    assert [s.key for s in _iv(small, need, qrs_ms=114.0)] == ["incomplete_right_bundle_branch_block"]
    # a wide dominant R in V1 with the wide S in I and V6 is complete RBBB either way
    dom = morph(v1=dict(pattern="R", r_mv=0.8, s_mv=0.0, s_ms=0.0, r_peak_time_ms=90.0), **WIDE_S)
    assert [s.key for s in _iv(dom, need)] == ["complete_right_bundle_branch_block"]


LAFB_AVL = dict(pattern="qR", q_mv=-0.1, q_ms=20.0, r_mv=0.8, r_peak_time_ms=50.0)
RS = dict(pattern="rS", q_mv=0.0, q_ms=0.0, r_mv=0.2, s_mv=-0.7, s_ms=40.0)
QR = dict(pattern="qR", q_mv=-0.1, q_ms=20.0, r_mv=0.7, s_mv=0.0, s_ms=0.0)


def _fasc(m, conv, axis=-55.0):
    return [s for s in interpret({**BASE, "qrs_axis_deg": axis}, rhythm=SINUS, morphology=m, convention=conv)
            if s.category == "fascicular"]


def test_lafb_can_require_the_inferior_rs_pattern():
    rs_inf = morph(avl=LAFB_AVL, ii=RS, iii=RS, avf=RS)
    qr_inf = morph(avl=LAFB_AVL, ii=QR, iii=QR, avf=QR)
    ii_up = morph(avl=LAFB_AVL, ii=QR, iii=RS, avf=dict(pattern="QS", q_mv=-0.6, r_mv=0.0, s_mv=0.0))
    for m in (rs_inf, qr_inf):  # not checked by default
        assert [s.key for s in _fasc(m, "aha")] == ["left_anterior_fascicular_block"]
    one = {"lafb_rs_inferior": 1.0}
    got = _fasc(rs_inf, one)
    assert [s.key for s in got] == ["left_anterior_fascicular_block"]
    assert got[0].evidence["rs_leads"] == ["ii", "iii", "avf"] and "rS (or QS) in III, aVF" in got[0].criteria["rule"]
    assert _fasc(qr_inf, one) == []  # qR in the inferior leads: not LAFB
    # III and aVF negative (rS, QS) suffice with 1; II must be rS too with 2 (Surawicz 2009)
    assert [s.key for s in _fasc(ii_up, one)] == ["left_anterior_fascicular_block"]
    assert _fasc(ii_up, {"lafb_rs_inferior": 2.0}) == []


def test_axis_from_the_net_qrs_amplitudes_is_a_convention_option():
    # net area of aVF negative (a long shallow S) but its net amplitude positive (a tall narrow R)
    m = morph(i=dict(qrs_area_mv_ms=10.0, qrs_net_mv=0.8), avf=dict(qrs_area_mv_ms=-4.0, qrs_net_mv=0.3))
    m = dataclasses.replace(m, qrs_axis_deg=-15.5)
    conv = {"axis_left_below_deg": 0.0}
    assert "left_axis_deviation" in keys(interpret(BASE, rhythm=SINUS, morphology=m, convention=conv))
    got = interpret(BASE, rhythm=SINUS, morphology=m, convention={**conv, "axis_from_net_amplitude": 1.0})
    assert "left_axis_deviation" not in keys(got)
    m2 = morph(i=dict(qrs_area_mv_ms=10.0, qrs_net_mv=0.8), avf=dict(qrs_area_mv_ms=4.0, qrs_net_mv=-0.3))
    m2 = dataclasses.replace(m2, qrs_axis_deg=15.5)
    st = next(s for s in interpret(BASE, rhythm=SINUS, morphology=m2,
                                   convention={**conv, "axis_from_net_amplitude": 1.0})
              if s.key == "left_axis_deviation")
    assert st.evidence["qrs_axis_measure"] == "net QRS amplitudes of I and aVF"
    assert st.evidence["qrs_axis_deg"] == pytest.approx(np.degrees(np.arctan2(2 * -0.3 / np.sqrt(3), 0.8)), abs=0.1)
    assert "Goldberger" in st.criteria["reference"]


# -- small pacemaker spikes ------------------------------------------------------------------
FS = 500.0
NAMES = ("I", "II", "III", "aVR", "aVL", "aVF", "V1", "V2", "V3", "V4", "V5", "V6")


def _ecg(spike: float, *, sharp_r: bool = False, n_beats: int = 10) -> tuple[Recording, np.ndarray, np.ndarray]:
    """A 12-lead signal with Gaussian QRS complexes (1 mV) every 800 ms, optionally a one-sample
    spike of ``spike`` mV 45 ms before each R (25 ms before the QRS onset) in every lead."""
    n = int(FS * (0.8 * n_beats + 0.6))
    t = np.arange(n)
    rng = np.random.default_rng(3)
    beats = (0.4 + 0.8 * np.arange(n_beats)) * FS
    beats = beats.astype(np.int64)
    width = 2.0 if sharp_r else 8.0  # samples (sd)
    x = np.zeros(n)
    for b in beats:
        x += np.exp(-0.5 * ((t - b) / width) ** 2)
        if spike:
            x[b - round(0.045 * FS)] += spike
    sig = np.stack([x * g for g in np.linspace(0.6, 1.4, 12)], axis=1)
    sig += 0.002 * rng.standard_normal(sig.shape)
    rec = Recording(signals=sig.astype(np.float32), fs=FS, channels=tuple(Channel(nm, "ecg", "mV") for nm in NAMES))
    return rec, beats, beats - round(0.02 * FS)


def test_pre_qrs_spike_strength_finds_small_spikes_and_not_the_r_apex():
    rec, beats, on = _ecg(0.15)
    ps = detect_pace_spikes(rec, beats, qrs_on=on)
    assert ps.ventricular.sum() == 0  # below the 0.35 limit of the spike search
    assert np.all(ps.pre_qrs_strength[1:-1] > 0.1)
    for spike, sharp in ((0.0, False), (0.0, True)):  # no spike; a sharp R apex
        rec0, b0, on0 = _ecg(spike, sharp_r=sharp)
        assert np.all(detect_pace_spikes(rec0, b0, qrs_on=on0).pre_qrs_strength < 0.05)


def test_small_spikes_make_a_paced_rhythm_beside_a_wide_qrs_only():
    rec, beats, on = _ecg(0.25)
    pace = detect_pace_spikes(rec, beats, qrs_on=on)
    assert pace.ventricular.sum() == 0  # below the 0.35 limit of the spike search
    m = morph(pace=pace)
    wide = {**BASE, "qrs_ms": 160.0}  # a ventricular-paced QRS
    st = next(s for s in interpret(wide, rhythm=SINUS, morphology=m) if s.key == "paced_rhythm")
    assert st.evidence["n_small_spike_beats"] >= 8 and st.criteria["pace_spike_fraction_from"] == 0.15
    # 0.35: the spike search alone, which these spikes do not reach
    assert "paced_rhythm" not in keys(interpret(wide, rhythm=SINUS, morphology=m,
                                                convention={"pace_spike_fraction_from": 0.35}))
    # beside a narrow (conducted) QRS a small spike is not read at all, whatever the limit
    for q in (90.0, 118.0, None):
        assert "paced_rhythm" not in keys(interpret({**BASE, "qrs_ms": q}, rhythm=SINUS, morphology=m,
                                                    convention={"pace_spike_fraction_from": 0.1}))
    # a PaceSpikes without the pre-QRS search (e.g. built by hand) keeps the spike rule alone
    bare = PaceSpikes(pace.samples, pace.n_leads, pace.ventricular, pace.atrial)
    assert bare.pre_qrs_strength.size == 0
    assert "paced_rhythm" not in keys(interpret(wide, rhythm=SINUS, morphology=morph(pace=bare),
                                                convention={"pace_spike_fraction_from": 0.1}))


def test_a_narrow_qrs_leaves_the_pre_qrs_strength_uncomputed() -> None:
    """The small-spike reading costs nothing beside a narrow QRS: the lazy strength is never read."""
    rec, beats, on = _ecg(0.15)
    pace = detect_pace_spikes(rec, beats, qrs_on=on)
    interpret({**BASE, "qrs_ms": 90.0}, rhythm=SINUS, morphology=morph(pace=pace))
    assert "strength" not in vars(pace.pre_qrs)
    interpret({**BASE, "qrs_ms": 150.0}, rhythm=SINUS, morphology=morph(pace=pace))
    assert "strength" in vars(pace.pre_qrs)


def test_every_new_threshold_is_in_both_conventions():
    for k in ("crbbb_needs_dominant_r2", "lafb_rs_inferior", "axis_from_net_amplitude", "pace_spike_fraction_from",
              "lbbb_strauss"):
        assert k in CONVENTIONS["aha"] and k in CONVENTIONS["ludb"]
    assert CONVENTIONS["aha"]["pace_spike_fraction_from"] == CONVENTIONS["ludb"]["pace_spike_fraction_from"] == 0.15


def test_ludb_bipolar_pacing_of_record_111():
    """LUDB 111 (pacemaker): its spikes are 0.15-0.17 of the QRS range in >= 3 leads, missed
    by the 0.35 spike search; the pre-QRS strength finds them, and both conventions read them."""
    from bench.bench_interpretation import capture_inputs, keys_for

    shared_path("ludb", "data", "111.hea")
    inp = capture_inputs([111])[111]
    assert "paced_rhythm" not in keys_for(inp, {"pace_spike_fraction_from": 0.35})
    strength = inp["morphology"].pace.pre_qrs_strength
    assert (strength >= 0.14).mean() >= 0.8
    for conv in ("aha", "ludb"):
        keys_ = set(keys_for(inp, conv))
        # paced: no conduction or axis statement (the LUDB label is paced rhythm + complete block)
        assert "paced_rhythm" in keys_ and not keys_ & {"nonspecific_intraventricular_conduction_delay",
                                                        "left_axis_deviation", "rhythm_undetermined"}


def test_strict_lbbb_criteria_need_no_q_free_lateral_leads():
    """Strauss 2011: QS or rS in V1 and V2, mid-QRS notching in >= 2 of V1, V2, V5, V6, I, aVL,
    QRS >= 130 ms; a small q in I/V5/V6 (which the Surawicz 2009 rule excludes) is allowed."""
    lat = dict(pattern="qR", q_mv=-0.05, q_ms=20.0, r_mv=0.6, s_mv=0.0, s_ms=0.0, notched=True, r_peak_time_ms=90.0)
    neg = dict(pattern="rS", q_mv=0.0, q_ms=0.0, r_mv=0.05, s_mv=-0.9, r2_mv=0.0)
    m = morph(i=lat, avl=lat, v5=lat, v6=lat, v1=neg, v2=neg)
    assert [s.key for s in _iv(m, "aha", qrs_ms=150.0)] == ["nonspecific_intraventricular_conduction_delay"]
    got = _iv(m, {"lbbb_strauss": 1.0}, qrs_ms=150.0)
    assert [s.key for s in got] == ["complete_left_bundle_branch_block"]
    assert got[0].evidence["notched_leads"] == ["v5", "v6", "i", "avl"] and "Strauss" in got[0].criteria["reference"]
    # a tiny r' after a deep S in V1 still reads as rS (predominantly negative)
    m2 = morph(i=lat, avl=lat, v5=lat, v6=lat, v1=neg | {"pattern": "rSr'", "r2_mv": 0.04}, v2=neg)
    assert [s.key for s in _iv(m2, {"lbbb_strauss": 1.0}, qrs_ms=150.0)] == ["complete_left_bundle_branch_block"]
    # below 130 ms, or without the notching, or with a positive V2: not by these criteria
    assert [s.key for s in _iv(m, {"lbbb_strauss": 1.0}, qrs_ms=125.0)] != ["complete_left_bundle_branch_block"]
    plain = morph(i=lat | {"notched": False}, avl=lat | {"notched": False}, v5=lat | {"notched": False},
                  v6=lat, v1=neg, v2=neg)
    assert [s.key for s in _iv(plain, {"lbbb_strauss": 1.0}, qrs_ms=150.0)] != ["complete_left_bundle_branch_block"]
    pos = morph(i=lat, avl=lat, v5=lat, v6=lat, v1=neg, v2=dict(pattern="Rs", r_mv=0.9, s_mv=-0.2))
    assert [s.key for s in _iv(pos, {"lbbb_strauss": 1.0}, qrs_ms=150.0)] != ["complete_left_bundle_branch_block"]
