"""cardiokit.ecg.hrv: known synthetic series, corrections, short series, NeuroKit2 cross-check."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from bench._common import BEAT_SYMBOLS
from hypothesis import given, settings
from hypothesis import strategies as st

from cardiokit._core.errors import InvalidArgumentError
from cardiokit._core.results import Beats
from cardiokit.ecg import HRV, hrv
from cardiokit.ecg.hrv import hrv_from_rr
from tests.conftest import shared_path


def _beats(rr_s: np.ndarray, fs: float = 1000.0) -> Beats:
    t = np.concatenate([[0.0], np.cumsum(rr_s)]) + 1.0
    return Beats(samples=np.round(t * fs), fs=fs, method="synthetic")


def _modulated(freq_hz: float, *, amp_s: float = 0.05, n: int = 400, base_s: float = 0.8
               ) -> np.ndarray:
    t, rr = 0.0, []
    for _ in range(n):
        r = base_s + amp_s * math.sin(2 * math.pi * freq_hz * t)
        rr.append(r)
        t += r
    return np.asarray(rr)


def test_constant_rr_has_zero_variability():
    h = hrv(_beats(np.full(400, 0.8)))
    assert isinstance(h, HRV)
    assert h.mean_nn_ms == pytest.approx(800.0)
    assert h.hr_mean_bpm == pytest.approx(75.0)
    for v in (h.sdnn_ms, h.rmssd_ms, h.sdsd_ms, h.pnn50_pct, h.pnn20_pct, h.hr_sd_bpm,
              h.sd1_ms, h.sd2_ms):
        assert v == pytest.approx(0.0, abs=1e-9)
    assert h.hf_ms2 == pytest.approx(0.0, abs=1e-6) and h.lf_ms2 == pytest.approx(0.0, abs=1e-6)
    # ratios and entropy are undefined, not invented
    for v in (h.lf_hf, h.lf_nu, h.sd1_sd2, h.sampen, h.dfa_alpha1):
        assert math.isnan(v)


@pytest.mark.parametrize(("freq", "band"), [(0.25, "hf"), (0.1, "lf"), (0.02, "vlf")])
def test_sinusoidal_modulation_lands_in_its_band(freq, band):
    rr = _modulated(freq)
    h = hrv_from_rr(rr, correction="none")
    variance = float(np.var(rr * 1000))  # ~1250 ms^2
    for prefix in ("", "ls_"):
        powers = {b: getattr(h, f"{prefix}{b}_ms2") for b in ("vlf", "lf", "hf")}
        assert max(powers, key=powers.get) == band, (prefix, powers)
        # the band holds the modulation's variance (Parseval) within 10 %
        assert powers[band] == pytest.approx(variance, rel=0.1), prefix
    if band == "hf":
        assert h.hf_nu > 95 and h.ls_hf_nu > 95 and h.lf_hf < 0.05
    if band == "lf":
        assert h.lf_nu > 95 and h.ls_lf_nu > 95


def test_time_domain_definitions_by_hand():
    rr = np.array([0.80, 0.86, 0.79, 0.81, 0.88, 0.80, 0.83])
    h = hrv_from_rr(rr, correction="none")
    nn = rr * 1000
    d = np.diff(nn)
    assert h.sdnn_ms == pytest.approx(np.std(nn, ddof=1))
    assert h.rmssd_ms == pytest.approx(np.sqrt(np.mean(d**2)))
    assert h.sdsd_ms == pytest.approx(np.std(d, ddof=1))
    assert h.pnn50_pct == pytest.approx(100 * np.sum(np.abs(d) > 50) / nn.size)
    assert h.pnn20_pct == pytest.approx(100 * np.sum(np.abs(d) > 20) / nn.size)
    assert h.sd1_ms == pytest.approx(np.std(d / np.sqrt(2), ddof=1))
    assert h.hr_mean_bpm == pytest.approx(np.mean(60000 / nn))


def test_ectopic_correction_options():
    rr = np.full(300, 0.8)
    rr[150], rr[151] = 0.5, 1.1  # premature beat + compensatory pause
    removed = hrv_from_rr(rr)  # default "remove"
    assert removed.n_corrected == 2 and removed.n_nn == 298
    assert removed.sdnn_ms == pytest.approx(0.0, abs=1e-9)
    assert removed.rmssd_ms == pytest.approx(0.0, abs=1e-9)
    interp = hrv_from_rr(rr, correction="interpolate")
    assert interp.n_nn == 300 and interp.sdnn_ms == pytest.approx(0.0, abs=1e-9)
    raw = hrv_from_rr(rr, correction="none")
    assert raw.n_corrected == 0 and raw.sdnn_ms > 20 and raw.rmssd_ms > 30


def test_short_series_give_nan_not_garbage():
    h = hrv(_beats(np.array([0.8, 0.82, 0.79, 0.81, 0.8, 0.83, 0.8, 0.79, 0.81])))
    assert not math.isnan(h.sdnn_ms) and not math.isnan(h.rmssd_ms)
    for name in ("hf_ms2", "lf_ms2", "vlf_ms2", "ls_hf_ms2", "triangular_index", "tinn_ms",
                 "sampen", "dfa_alpha1", "dfa_alpha2"):
        assert math.isnan(getattr(h, name)), name
    # 2 minutes: HF and LF yes, VLF no
    two_min = hrv_from_rr(_modulated(0.25, n=160))
    assert two_min.duration_s > 120
    assert not math.isnan(two_min.hf_ms2) and not math.isnan(two_min.lf_ms2)
    assert math.isnan(two_min.vlf_ms2)
    for n_beats in (0, 1, 2):
        b = Beats(samples=np.arange(n_beats) * 800, fs=1000.0, method="x")
        h0 = hrv(b)
        assert h0.n_nn == max(0, n_beats - 1)
        assert math.isnan(h0.sdnn_ms) and math.isnan(h0.rmssd_ms)


def test_to_dict_is_json_ready():
    d = hrv(_beats(_modulated(0.25, n=100))).to_dict()
    text = json.dumps(d, allow_nan=False)
    assert '"sdnn_ms"' in text and d["vlf_ms2"] is None


def test_validation_errors():
    b = _beats(np.full(20, 0.8))
    with pytest.raises(InvalidArgumentError, match="none, remove, interpolate"):
        hrv(b, correction="kubios")
    with pytest.raises(InvalidArgumentError):
        hrv(np.full(20, 0.8))  # type: ignore[arg-type]
    with pytest.raises(InvalidArgumentError):
        hrv(b, min_rr_s=2.0, max_rr_s=1.0)
    with pytest.raises(InvalidArgumentError):
        hrv_from_rr(np.array([0.8, -0.1, 0.8]))


@settings(max_examples=40, deadline=None)
@given(rr=st.lists(st.floats(0.2, 2.5), min_size=0, max_size=250),
       correction=st.sampled_from(["none", "remove", "interpolate"]))
def test_any_series_gives_finite_or_nan(rr, correction):
    h = hrv_from_rr(np.asarray(rr, float), correction=correction)
    for k, v in h.to_dict().items():
        if isinstance(v, float):
            assert math.isfinite(v), k
    if not math.isnan(h.sdnn_ms):
        assert (h.sdnn_ms >= 0 and h.rmssd_ms >= 0) or math.isnan(h.rmssd_ms)
    assert 0 <= h.n_nn <= len(rr)


def test_agrees_with_neurokit2_on_mitdb_100():
    nk = pytest.importorskip("neurokit2")
    wfdb = pytest.importorskip("wfdb")
    path = str(shared_path("mitdb", "100.hea").with_suffix(""))
    ann = wfdb.rdann(path, "atr", sampto=300 * 360)
    peaks = np.array([s for s, y in zip(ann.sample, ann.symbol, strict=True) if y in BEAT_SYMBOLS])
    ours = hrv(Beats(samples=peaks, fs=360.0, method="atr"), correction="none")
    with _quiet():
        theirs = nk.hrv(peaks, sampling_rate=360).iloc[0]
    # identical definitions -> agreement to rounding
    same = {"mean_nn_ms": "HRV_MeanNN", "sdnn_ms": "HRV_SDNN", "rmssd_ms": "HRV_RMSSD",
            "sdsd_ms": "HRV_SDSD", "pnn50_pct": "HRV_pNN50", "pnn20_pct": "HRV_pNN20",
            "triangular_index": "HRV_HTI", "sd1_ms": "HRV_SD1", "sd2_ms": "HRV_SD2",
            "sampen": "HRV_SampEn"}
    for ours_key, nk_key in same.items():
        assert getattr(ours, ours_key) == pytest.approx(float(theirs[nk_key]), rel=1e-6), ours_key
    # LF/HF: both Welch on a 4 Hz interpolated tachogram, but NeuroKit2 differs in
    # segment length and detrending: agreement within 15 %
    assert ours.lf_hf == pytest.approx(float(theirs["HRV_LFHF"]), rel=0.15)


class _quiet:
    def __enter__(self):
        import warnings

        self._cm = warnings.catch_warnings()
        self._cm.__enter__()
        warnings.simplefilter("ignore")

    def __exit__(self, *exc):
        return self._cm.__exit__(*exc)
