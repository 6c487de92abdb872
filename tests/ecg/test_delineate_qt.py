"""T-wave end and QT on records with a small negative T wave followed by a larger U wave.

MIT-BIH 100 and QT Database sel100 are the same patient: the q1c expert marks the T peak
~255 ms and the T end ~340 ms after R (QT ~390 ms); the positive wave after it is a U wave.
"""

from __future__ import annotations

import numpy as np
import pytest

from cardiokit._core.recording import Channel, Recording
from cardiokit.ecg import clean, delineate, detect_beats, measure
from tests.conftest import shared_path


def _wfdb(*parts: str) -> tuple[Recording, object]:
    import wfdb

    path = str(shared_path(*parts[:-1], f"{parts[-1]}.hea"))[:-4]
    r = wfdb.rdrecord(path)
    rec = Recording(r.p_signal.astype(np.float32), r.fs, tuple(Channel(n, "ecg", "mV") for n in r.sig_name))
    return rec, path


@pytest.mark.parametrize("start_s", [0, 240, 600, 1200, 1680])
def test_mitdb_100_qt_is_not_prolonged(start_s: int) -> None:
    rec, _ = _wfdb("mitdb", "100")
    c = clean(rec.crop(start_s, start_s + 10))
    b = detect_beats(c)
    m = measure(c, beats=b, delineation=delineate(c, beats=b))
    assert m.qt_ms is not None and 320 <= m.qt_ms <= 420, m.qt_ms


def test_sel100_t_offsets_match_the_expert() -> None:
    import wfdb

    rec, path = _wfdb("qtdb", "sel100")
    ann = wfdb.rdann(path, "q1c")
    sym = np.asarray(ann.symbol)
    t_idx = np.flatnonzero(sym == "t")
    t_off = np.array([ann.sample[i + 1] for i in t_idx if i + 1 < sym.size and sym[i + 1] == ")"])
    lo, hi = int(ann.sample.min()) - 500, int(ann.sample.max()) + 500
    c = clean(rec.crop(lo / rec.fs, hi / rec.fs))
    dl = delineate(c, beats=detect_beats(c))
    det = dl.global_[:, 8]
    det = det[det >= 0] + lo
    err = np.array([det[np.argmin(np.abs(det - t))] - t for t in t_off]) * 1000.0 / rec.fs
    assert np.mean(np.abs(err) <= 150) >= 0.95
    err = err[np.abs(err) <= 150]
    assert abs(err.mean()) <= 15 and err.std() <= 30, (err.mean(), err.std())
