"""Reading conventions, limb-lead gain recovery, frontal axis and the r'-vs-ST-upslope rule."""

from __future__ import annotations

import numpy as np
import pytest

from cardiokit._core.errors import InvalidArgumentError
from cardiokit._core.recording import Channel, Recording
from cardiokit.ecg._measure_median import MedianBeat
from cardiokit.ecg.morphology import frontal_axis, lead_morphology, limb_lead_gains
from cardiokit.interpret import CONVENTIONS, RhythmFeatures, interpret
from tests.report.test_statements import BASE, RBBB, SINUS, keys, lm, morph, with_qrs

LIMB = ("i", "ii", "iii", "avr", "avl", "avf")


def _limb_signals(n=2000, seed=0):
    rng = np.random.default_rng(seed)
    t = np.arange(n) / 500.0
    i = np.sin(2 * np.pi * 1.1 * t) + 0.3 * np.sin(2 * np.pi * 7.0 * t + rng.uniform(0, 6))
    ii = 0.8 * np.sin(2 * np.pi * 1.1 * t + 0.7) + 0.2 * np.sin(2 * np.pi * 11.0 * t)
    iii = ii - i
    return np.stack([i, ii, iii, -(i + ii) / 2, (i - iii) / 2, (ii + iii) / 2], axis=1)


def _rec(x):
    return Recording(signals=x.astype(np.float32), fs=500.0, channels=tuple(Channel(c, "ecg", "mV") for c in LIMB))


def test_limb_gains_undo_a_per_lead_scaling():
    x = _limb_signals()
    scale = np.array([0.7, 1.3, 0.5, 2.0, 0.9, 1.6])  # per-lead normalisation applied to the leads
    g = limb_lead_gains(_rec(x / scale))
    assert g is not None
    want = scale / scale[1]
    assert np.allclose([g[k] for k in LIMB], want, rtol=2e-3)
    assert np.allclose([g[k] for k in LIMB], 1.0, atol=2e-3) is False
    # consistent leads: all gains 1
    g1 = limb_lead_gains(_rec(x))
    assert np.allclose([g1[k] for k in LIMB], 1.0, atol=2e-3)


def test_limb_gains_refuse_leads_that_break_einthoven():
    rng = np.random.default_rng(1)
    assert limb_lead_gains(_rec(rng.standard_normal((2000, 6)))) is None
    x = _limb_signals()
    rec = Recording(signals=x[:, :3].astype(np.float32), fs=500.0,
                    channels=tuple(Channel(c, "ecg", "mV") for c in LIMB[:3]))
    assert limb_lead_gains(rec) is None


def test_frontal_axis_from_net_areas_and_gains():
    leads = {"i": lm("i", qrs_area_mv_ms=10.0), "avf": lm("avf", qrs_area_mv_ms=10.0 * np.sqrt(3) / 2)}
    assert frontal_axis(leads) == pytest.approx(45.0, abs=0.01)
    leads = {"i": lm("i", qrs_area_mv_ms=10.0), "avf": lm("avf", qrs_area_mv_ms=-5.0)}
    assert frontal_axis(leads) < -30.0
    # the same aVF recorded at half gain: the gain brings the angle back
    half = {"i": lm("i", qrs_area_mv_ms=10.0), "avf": lm("avf", qrs_area_mv_ms=-2.5)}
    assert frontal_axis(half, {"i": 1.0, "avf": 2.0}) == pytest.approx(frontal_axis(leads), abs=1e-9)


def _with_axis(m, ax):
    return type(m)(m.leads, m.beats, m.pace, m.fs, m.calibrated, qrs_axis_deg=ax)


def test_axis_limits_follow_the_convention():
    m = _with_axis(morph(), 5.0)
    assert "left_axis_deviation" not in keys(interpret(BASE, rhythm=SINUS, morphology=m))
    assert "left_axis_deviation" in keys(interpret(BASE, rhythm=SINUS, morphology=m,
                                                   convention={"axis_left_below_deg": 10.0}))
    # "ludb" reads the axis from the net QRS amplitudes of I and aVF (here +5 degrees)
    net = morph(i={"qrs_net_mv": 1.0}, avf={"qrs_net_mv": 0.0756})
    assert CONVENTIONS["ludb"]["axis_from_net_amplitude"] >= 1.0 and CONVENTIONS["ludb"]["axis_left_below_deg"] > 5.0
    assert "left_axis_deviation" in keys(interpret(BASE, rhythm=SINUS, morphology=_with_axis(net, 40.0),
                                                   convention="ludb"))
    m = _with_axis(morph(), -40.0)
    st = [s for s in interpret(BASE, rhythm=SINUS, morphology=m) if s.key == "left_axis_deviation"]
    assert st and st[0].evidence["qrs_axis_deg"] == -40.0 and st[0].criteria["axis_left_below_deg"] == -30.0
    m = _with_axis(morph(), 120.0)
    assert "right_axis_deviation" in keys(interpret(BASE, rhythm=SINUS, morphology=m,
                                                    convention={"axis_left_below_deg": 10.0}))


def test_rate_limits_follow_the_convention():
    fast = {**BASE, "heart_rate_bpm": 95.0}
    assert keys(interpret(fast, rhythm=SINUS))[0] == "sinus_rhythm"
    st = interpret(fast, rhythm=SINUS, convention="ludb")[0]
    assert st.key == "sinus_tachycardia" and st.criteria["tachycardia_above_bpm"] == \
        CONVENTIONS["ludb"]["tachycardia_above_bpm"] < 95.0
    assert "Spodick" in st.criteria["reference"]
    slow = {**BASE, "heart_rate_bpm": 59.5}
    assert keys(interpret(slow, rhythm=SINUS))[0] == "sinus_bradycardia"
    assert keys(interpret(slow, rhythm=SINUS, convention={"bradycardia_below_bpm": 59.0}))[0] == "sinus_rhythm"


def test_sinus_p_share_is_lower_when_the_rhythm_model_says_normal():
    from types import SimpleNamespace

    few_p = RhythmFeatures(10, 0.4, 8.0, 40.0, 0.02, 0.02)
    assert keys(interpret(BASE, rhythm=few_p))[0] == "rhythm_undetermined"
    normal = SimpleNamespace(label="normal", probabilities={"normal": 0.9, "af": 0.02, "other": 0.07, "noisy": 0.01},
                             model="m")
    st = interpret(BASE, rhythm=few_p, rhythm_model=normal)[0]
    assert st.key == "sinus_rhythm" and "40%" in st.criteria["rule"]
    none_p = RhythmFeatures(10, 0.1, None, None, 0.02, 0.02)
    assert keys(interpret(BASE, rhythm=none_p, rhythm_model=normal))[0] == "rhythm_undetermined"


def test_incomplete_rbbb_under_ludb_needs_no_wide_s_and_v2_alone_is_an_option():
    v1_only = morph(v1=RBBB["v1"])
    m = {**BASE, "qrs_ms": 100.0}
    assert "incomplete_right_bundle_branch_block" not in keys(interpret(m, rhythm=SINUS, morphology=v1_only))
    assert "incomplete_right_bundle_branch_block" in keys(
        interpret(m, rhythm=SINUS, morphology=v1_only, convention="ludb"))
    v2_only = morph(v2=RBBB["v1"])
    assert CONVENTIONS["ludb"]["irbbb_v2_counts"] == 0.0  # rules-v7: V1 only, as "aha"
    assert "incomplete_right_bundle_branch_block" in keys(
        interpret(m, rhythm=SINUS, morphology=v2_only, convention={**CONVENTIONS["ludb"], "irbbb_v2_counts": 1.0}))
    assert "incomplete_right_bundle_branch_block" not in keys(
        interpret(m, rhythm=SINUS, morphology=v2_only, convention="ludb"))


def test_dominant_r_in_v1_with_wide_s_is_complete_rbbb():
    m = with_qrs(morph(v1=dict(pattern="R", r_mv=1.0, s_mv=0.0, s_ms=0.0, r_ms=120.0),
                       i=RBBB["i"], v6=RBBB["v6"]), 150.0)
    assert "complete_right_bundle_branch_block" in keys(interpret({**BASE, "qrs_ms": 150.0}, rhythm=SINUS,
                                                                  morphology=m))


def test_convention_argument_is_validated():
    with pytest.raises(InvalidArgumentError, match="aha"):
        interpret(BASE, rhythm=SINUS, convention="glasgow")
    with pytest.raises(InvalidArgumentError, match="unknown convention thresholds"):
        interpret(BASE, rhythm=SINUS, convention={"axis_left_deg": 0.0})
    custom = interpret({**BASE, "heart_rate_bpm": 57.0}, rhythm=SINUS, convention={"bradycardia_below_bpm": 55.0})
    assert keys(custom)[0] == "sinus_rhythm" and custom[0].criteria["convention"] == "custom"
    assert interpret(BASE, rhythm=SINUS, convention="ludb")[0].criteria["convention"] == "ludb"
    assert "convention" not in interpret(BASE, rhythm=SINUS)[0].criteria
    assert set(CONVENTIONS["ludb"]) == set(CONVENTIONS["aha"])


def _median_beat(v1: np.ndarray) -> MedianBeat:
    sig = np.stack([v1, v1], axis=1)
    g = np.array([20, 40, 60, 100, 120, 150, 200, 240, 280])
    return MedianBeat(signals=sig, fs=500.0, r_index=120, leads=("v1", "v2"),
                      per_lead=np.tile(g, (2, 1)), global_=g, n_used=8, n_beats=8)


def test_st_upslope_at_a_late_qrs_offset_is_not_an_r_prime():
    x = np.zeros(300)
    x[100:110] = np.linspace(0, 0.2, 10)      # r
    x[110:135] = np.linspace(0.2, -0.8, 25)   # S
    x[135:146] = np.linspace(-0.8, 0.0, 11)
    x[146:200] = np.linspace(0.0, 0.3, 54)    # J point / ST rising into T: no fall after
    x[200:300] = np.linspace(0.3, 0.0, 100)
    lmv = lead_morphology(_median_beat(x))["v1"]
    assert lmv.pattern == "rS" and lmv.r2_mv == 0.0
    y = x.copy()
    y[141:146] = np.linspace(-0.2, 0.15, 5)  # a real r' that comes down again
    y[146:160] = np.linspace(0.15, -0.1, 14)
    y[160:200] = np.linspace(-0.1, 0.2, 40)
    lmy = lead_morphology(_median_beat(y))["v1"]
    assert lmy.r2_mv > 0.1 and lmy.pattern.endswith("'")


@pytest.mark.parametrize("n", [1, 82, 150])
def test_limb_gains_of_ludb_match_its_header_gains(n):
    """LUDB 1.0.1 normalises each lead to a 1 mV span; the WFDB header gains undo it exactly."""
    wfdb = pytest.importorskip("wfdb")
    from cardiokit import read
    from tests.conftest import shared_path

    path = shared_path("ludb", "data", f"{n}.hea")
    rec = read(path)
    g = limb_lead_gains(rec.select(list(range(6))))
    hdr = wfdb.rdheader(str(path.with_suffix("")))
    want = dict(zip([x.lower() for x in hdr.sig_name], hdr.adc_gain, strict=True))
    assert g is not None
    for k in LIMB:
        assert g[k] == pytest.approx(want[k] / want["ii"], rel=5e-3), k
