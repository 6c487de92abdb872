"""Per-lead bias correction of the rule-based delineator (ecg/_delineate_bias.py)."""

from __future__ import annotations

import numpy as np

from cardiokit._core.recording import Channel, Recording
from cardiokit.ecg import FIDUCIALS, clean, delineate, detect_beats
from cardiokit.ecg._delineate_bias import RULES_LEAD_BIAS_MS, shift_boundaries
from tests.conftest import shared_path

LEADS = ("i", "ii", "iii", "avr", "avl", "avf", "v1", "v2", "v3", "v4", "v5", "v6")


def test_table_covers_the_standard_leads_and_leaves_peaks_alone() -> None:
    assert set(RULES_LEAD_BIAS_MS) == set(LEADS)
    for row in RULES_LEAD_BIAS_MS.values():
        assert len(row) == 9 and row[4] == 0.0 and row[7] == 0.0 and row[6] == 0.0
        assert max(abs(v) for v in row) <= 25.0


def test_shift_keeps_boundaries_on_their_side_of_the_peak() -> None:
    per = np.array([[[10, 14, 20, 30, 40, 50, 60, 80, 100], [-1, -1, -1, 130, 140, 150, -1, -1, -1]]])
    off = np.array([[[-9, 0, 9, -12, 0, 12, 0, 0, 0]]])  # push onsets / offsets across their peaks
    out = shift_boundaries(per, off, 200)
    assert out[0, 0, 0] == 13 and out[0, 0, 2] == 15  # P: moved, but stops next to the peak
    assert out[0, 0, 3] == 39 and out[0, 0, 5] == 41  # QRS: the same
    assert (out[0, 1, :3] == -1).all() and (out[0, 1, 6:] == -1).all()  # absent stays absent
    assert out[0, 1, 3] == 139 and out[0, 1, 5] == 141


def test_other_lead_names_are_not_corrected() -> None:
    rng = np.random.default_rng(1)
    t = np.arange(5000) / 500.0
    x = (np.exp(-(((t % 0.8) - 0.4) ** 2) / 2e-4) + 0.01 * rng.normal(size=t.size)).astype(np.float32)
    rec = Recording(np.stack([x, x], 1), 500.0, (Channel("MLII", "ecg", "mV"), Channel("ECG2", "ecg", "mV")))
    a = delineate(rec)
    b = delineate(rec, lead_bias=False)
    assert np.array_equal(a.per_lead, b.per_lead) and np.array_equal(a.global_, b.global_)


def _ref_offsets(path: str, lead: str, sym: str) -> np.ndarray:
    import wfdb

    ann = wfdb.rdann(path, lead)
    s = list(ann.symbol)
    return np.array([ann.sample[k + 1] for k, c in enumerate(s) if c == sym and k + 1 < len(s) and s[k + 1] == ")"])


def test_ludb_v1_v2_p_offsets_and_avl_p_onsets_move_towards_the_experts() -> None:
    """The largest lead biases of the rules (P offset in V1 / V2, P onset in aVL): removing them
    brings those leads' boundaries together and nearer the experts'."""
    import wfdb

    errs: dict[str, list[float]] = {"v1": [], "v2": [], "avl": []}
    raw: dict[str, list[float]] = {"v1": [], "v2": [], "avl": []}
    for rid in range(2, 62, 3):  # 20 records
        hea = shared_path("ludb", "data", f"{rid}.hea")
        path = str(hea)[:-4]
        r = wfdb.rdrecord(path)
        rec = clean(Recording(r.p_signal.astype(np.float32), r.fs, tuple(Channel(n, "ecg", "mV") for n in r.sig_name)))
        b = detect_beats(rec)
        on, off = delineate(rec, beats=b), delineate(rec, beats=b, lead_bias=False)
        for lead in errs:
            j = LEADS.index(lead)
            col = FIDUCIALS.index("p_on" if lead == "avl" else "p_off")
            if lead == "avl":
                ann = wfdb.rdann(path, lead)
                s = list(ann.symbol)
                ref = np.array([ann.sample[k - 1] for k, c in enumerate(s) if c == "p" and k > 0 and s[k - 1] == "("])
            else:
                ref = _ref_offsets(path, lead, "p")
            for dl, out in ((on, errs), (off, raw)):
                det = dl.per_lead[j, :, col]
                det = det[det >= 0]
                for x in ref:
                    if det.size and np.min(np.abs(det - x)) <= 0.15 * r.fs:
                        out[lead].append((det[np.argmin(np.abs(det - x))] - x) * 1000.0 / r.fs)
    for lead in errs:  # the same waves are matched with and without the correction
        assert len(errs[lead]) >= 50 and len(errs[lead]) >= 0.95 * len(raw[lead]), lead
    # pooled over the three leads (what the bias table removes: the differences between leads)
    pe, p0 = np.concatenate([errs[k] for k in errs]), np.concatenate([raw[k] for k in raw])
    assert pe.std() <= p0.std() - 3.0, (pe.std(), p0.std())  # 20 records: 30.7 -> 23.7 ms
    assert np.abs(pe).mean() <= np.abs(p0).mean() - 2.0, (np.abs(pe).mean(), np.abs(p0).mean())  # 24.0 -> 20.3


def test_p_shape_codes() -> None:
    from cardiokit.ecg._delineate_bias import p_shape

    t = np.arange(50) / 500.0
    bump = np.sin(np.pi * t / t[-1])
    waves = [bump, -bump, np.sin(2 * np.pi * t / t[-1])]  # positive, negative, biphasic
    x = np.zeros((400, 1))
    per = np.full((1, 4, 9), -1)
    for i, w in enumerate(waves):
        x[100 * i + 10 : 100 * i + 60, 0] = w
        per[0, i, :3] = (100 * i + 10, 100 * i + 35, 100 * i + 59)
    assert p_shape(x, per, 500.0).tolist() == [[0, 1, 2, -1]]
